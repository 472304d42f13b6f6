//! File capabilities, as `rpm -V` compares them (`P`): the text rpm records (`FILECAPS`, the
//! `cap_from_text` grammar of libcap: `cap_net_raw=ep`, `cap_a,cap_b+p cap_c-e`, `=`) against
//! the `security.capability` attribute of the file (`struct vfs_cap_data`, revisions 1 to 3).
//! An empty or unparsable text and a missing or unreadable attribute both mean "no
//! capabilities" (rpm falls back to `cap_from_text("=")` for either). Both decoders and the
//! names are ferret-core's ([`ferret_core::caps`]).

use ferret_core::caps::{from_text, from_xattr};

/// Whether the recorded text and the file's attribute (if any) differ, as `cap_compare`
/// decides after rpm's fallbacks to "=".
pub(crate) fn differ(recorded: &[u8], attr: Option<&[u8]>) -> bool {
    let want = from_text(recorded).unwrap_or_default();
    let have = attr.and_then(from_xattr).unwrap_or_default();
    want != have
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_against_attribute() {
        // setcap cap_net_raw=ep: revision 2, effective flag, permitted bit 13.
        let mut v2 = vec![0x01, 0, 0, 0x02];
        v2.extend_from_slice(&(1u32 << 13).to_le_bytes());
        v2.extend_from_slice(&[0; 12]);
        assert!(!differ(b"cap_net_raw=ep", Some(&v2)));
        assert!(!differ(b"cap_net_raw+pe", Some(&v2)));
        assert!(differ(b"cap_net_raw=p", Some(&v2)));
        assert!(differ(b"", Some(&v2)));
        assert!(!differ(b"", None));
        assert!(!differ(b"=", None));
        // rpm: an unparsable record is "=", as is an attribute libcap cannot decode.
        assert!(!differ(b"cap_nonsense=p", None));
        assert!(!differ(b"", Some(b"junk")));
        assert!(differ(b"cap_net_raw=ep", None));
    }
}
