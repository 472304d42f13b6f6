//! File capabilities, as `rpm -V` compares them (`P`): the text rpm records (`FILECAPS`, the
//! `cap_from_text` grammar of libcap: `cap_net_raw=ep`, `cap_a,cap_b+p cap_c-e`, `=`) against
//! the `security.capability` attribute of the file (`struct vfs_cap_data`, revisions 1 to 3).
//! An empty or unparsable text and a missing or unreadable attribute both mean "no
//! capabilities" (rpm falls back to `cap_from_text("=")` for either).

/// The three capability sets of a file, one bit per capability number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CapSets {
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
}

/// Capability names by number (`linux/capability.h`, without the `cap_` prefix).
const NAMES: [&str; 41] = [
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
];

const ALL: u64 = (1 << NAMES.len()) - 1;

/// The bits a capability list names (`cap_a,cap_b`, `all`, numbers); `None` if a name is
/// unknown.
fn cap_list(list: &str) -> Option<u64> {
    let mut bits = 0u64;
    for name in list.split(',') {
        let n = name.to_ascii_lowercase();
        if n == "all" {
            bits |= ALL;
        } else if let Ok(k) = n.parse::<u32>() {
            bits |= 1u64.checked_shl(k).filter(|_| k < 64)?;
        } else {
            let short = n.strip_prefix("cap_")?;
            let k = NAMES.iter().position(|c| *c == short)?;
            bits |= 1 << k;
        }
    }
    Some(bits)
}

/// Parses libcap's text form; `None` when it is not valid (rpm then compares against no
/// capabilities).
pub(crate) fn from_text(text: &[u8]) -> Option<CapSets> {
    let text = std::str::from_utf8(text).ok()?;
    let mut s = CapSets::default();
    for clause in text.split_ascii_whitespace() {
        let op_at = clause.find(['=', '+', '-'])?;
        let (list, mut actions) = clause.split_at(op_at);
        let caps = if list.is_empty() {
            None
        } else {
            Some(cap_list(list)?)
        };
        while let Some(op) = actions.chars().next() {
            let rest = actions.get(1..)?;
            let end = rest.find(['=', '+', '-']).unwrap_or(rest.len());
            let (flags, next) = rest.split_at(end);
            let bits = match (caps, op) {
                (Some(b), _) => b,
                (None, '=') => ALL,
                (None, _) => return None,
            };
            if op == '=' {
                s.effective &= !bits;
                s.permitted &= !bits;
                s.inheritable &= !bits;
            }
            for f in flags.chars() {
                let set = match f {
                    'e' => &mut s.effective,
                    'p' => &mut s.permitted,
                    'i' => &mut s.inheritable,
                    _ => return None,
                };
                if op == '-' {
                    *set &= !bits;
                } else {
                    *set |= bits;
                }
            }
            actions = next;
        }
    }
    Some(s)
}

/// Decodes a `security.capability` attribute (`vfs_cap_data`); `None` when it is malformed.
pub(crate) fn from_xattr(raw: &[u8]) -> Option<CapSets> {
    let le = |at: usize| -> Option<u32> {
        raw.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let magic = le(0)?;
    let words = match (magic & 0xff00_0000, raw.len()) {
        (0x0100_0000, 12) => 1,
        (0x0200_0000, 20) | (0x0300_0000, 24) => 2,
        _ => return None,
    };
    let mut s = CapSets::default();
    for w in 0..words {
        let shift = 32 * w;
        s.permitted |= u64::from(le(4 + 8 * w)?) << shift;
        s.inheritable |= u64::from(le(8 + 8 * w)?) << shift;
    }
    if magic & 1 != 0 {
        s.effective = s.permitted | s.inheritable;
    }
    Some(s)
}

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
    fn text_forms() {
        let raw = from_text(b"cap_net_raw=ep").unwrap();
        assert_eq!(raw.permitted, 1 << 13);
        assert_eq!(raw.effective, 1 << 13);
        assert_eq!(raw.inheritable, 0);
        let two = from_text(b"cap_net_raw,cap_net_admin+p cap_net_admin+e").unwrap();
        assert_eq!(two.permitted, (1 << 13) | (1 << 12));
        assert_eq!(two.effective, 1 << 12);
        assert_eq!(from_text(b"=").unwrap(), CapSets::default());
        assert_eq!(from_text(b"").unwrap(), CapSets::default());
        let all = from_text(b"=ep cap_sys_admin-e").unwrap();
        assert_eq!(all.permitted, ALL);
        assert_eq!(all.effective, ALL & !(1 << 21));
        assert!(from_text(b"cap_nonsense=p").is_none());
        assert!(from_text(b"+p").is_none());
        assert!(from_text(b"cap_chown=x").is_none());
        assert_eq!(from_text(b"CAP_CHOWN=i").unwrap().inheritable, 1);
        assert_eq!(from_text(b"38=p").unwrap().permitted, 1 << 38);
    }

    #[test]
    fn xattr_revisions() {
        // setcap cap_net_raw=ep: revision 2, effective flag, permitted bit 13.
        let mut v2 = vec![0x01, 0, 0, 0x02];
        v2.extend_from_slice(&(1u32 << 13).to_le_bytes());
        v2.extend_from_slice(&[0; 12]);
        let s = from_xattr(&v2).unwrap();
        assert_eq!(s, from_text(b"cap_net_raw=ep").unwrap());
        assert!(!differ(b"cap_net_raw=ep", Some(&v2)));
        assert!(differ(b"cap_net_raw=p", Some(&v2)));
        assert!(differ(b"", Some(&v2)));
        assert!(!differ(b"", None));
        assert!(differ(b"cap_net_raw=ep", None));
        // Revision 3 carries a root id; bit 38 lives in the second word.
        let mut v3 = vec![0, 0, 0, 0x03];
        v3.extend_from_slice(&[0; 8]);
        v3.extend_from_slice(&(1u32 << 6).to_le_bytes());
        v3.extend_from_slice(&[0; 8]);
        assert_eq!(from_xattr(&v3).unwrap().permitted, 1 << 38);
        assert!(from_xattr(&v3[..20]).is_none());
        assert!(from_xattr(b"junk").is_none());
    }
}
