//! File capabilities (`security.capability`, `struct vfs_cap_data` of `linux/capability.h`,
//! revisions 1 to 3) and their text form (libcap's `cap_from_text`/`cap_to_text` grammar, as
//! `getcap` prints and rpm records them): the one decoder and the one table of capability
//! names, shared by ferret-baseline's `rpm -V` comparison and ferret-harden's capability
//! backdoor checks. Read the attribute with [`crate::HostRoot::xattr`] or
//! [`crate::fs::SafeFile::xattr`].
//!
//! ```
//! use ferret_core::caps::{from_text, from_xattr, CapSets, ROOT_GIVING};
//! // setcap cap_setuid+ep: revision 2, effective flag, permitted bit 7.
//! let mut raw = vec![0x01, 0, 0, 0x02];
//! raw.extend_from_slice(&(1u32 << 7).to_le_bytes());
//! raw.extend_from_slice(&[0; 12]);
//! let s: CapSets = from_xattr(&raw).unwrap();
//! assert_eq!(s.permitted, 1 << 7);
//! assert_eq!(s.names(s.permitted), vec!["cap_setuid"]);
//! assert_eq!(s.to_text(), "cap_setuid=ep"); // what getcap prints
//! assert_eq!(from_text(b"cap_setuid=ep"), Some(s));
//! assert_ne!(s.granted() & ROOT_GIVING, 0);
//! ```

/// The three capability sets of a file, one bit per capability number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CapSets {
    /// Raised on exec (the file's effective flag applies it to every permitted and
    /// inheritable capability).
    pub effective: u64,
    /// Granted on exec whatever the caller holds.
    pub permitted: u64,
    /// Granted on exec when the caller holds them inheritable.
    pub inheritable: u64,
}

impl CapSets {
    /// Every capability the file can give a process that runs it (permitted or inheritable).
    pub fn granted(&self) -> u64 {
        self.permitted | self.inheritable
    }

    /// Whether no set holds anything (what `setcap -r` leaves, or `=`).
    pub fn is_empty(&self) -> bool {
        self.effective | self.permitted | self.inheritable == 0
    }

    /// The text form, as libcap's `cap_to_text` (and so `getcap`) writes it when most
    /// capabilities are in no set (every real file): the capabilities grouped by the sets that
    /// hold them, groups in libcap's order (`eip`, `ip`, `ei`, `i`, `ep`, `p`, `e`), the first
    /// joined with `=` and the others with `+` (`cap_kill,cap_setuid=ip cap_sys_admin+i cap_chown+p`);
    /// `=` when there is none. [`from_text`] reads it back. A file holding nearly every
    /// capability is written as the full list, where libcap writes `=ep cap_x-e`: the same sets.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        // libcap's flag bits: effective 1, permitted 2, inheritable 4; groups from 7 down.
        for t in (1..8u8).rev() {
            let set = |flag: u8, s: u64| if t & flag != 0 { s } else { !s };
            let bits = set(1, self.effective) & set(2, self.permitted) & set(4, self.inheritable);
            if bits == 0 {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&self.names(bits).join(","));
            out.push(if out.contains(['=', '+']) { '+' } else { '=' });
            for (flag, c) in [(1, 'e'), (4, 'i'), (2, 'p')] {
                if t & flag != 0 {
                    out.push(c);
                }
            }
        }
        if out.is_empty() {
            out.push('=');
        }
        out
    }

    /// `cap_name` of every bit set in `bits` (numbers for bits without a name), in bit order.
    pub fn names(&self, bits: u64) -> Vec<String> {
        (0..64u32)
            .filter(|b| bits >> b & 1 == 1)
            .map(|b| {
                usize::try_from(b)
                    .ok()
                    .and_then(|i| NAMES.get(i))
                    .map_or_else(|| b.to_string(), |n| format!("cap_{n}"))
            })
            .collect()
    }
}

/// Capability names by number (`linux/capability.h`, without the `cap_` prefix).
pub const NAMES: [&str; 41] = [
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

/// Every capability [`NAMES`] knows, as bits.
pub const ALL: u64 = (1 << NAMES.len()) - 1;

/// Capabilities that make their holder root, or let it read or write anything as root does:
/// `chown`, `dac_override`, `dac_read_search`, `fowner`, `setgid`, `setuid`, `setpcap`,
/// `sys_module`, `sys_rawio`, `sys_ptrace`, `sys_admin`, `setfcap` (GTFOBins "capabilities",
/// the kernel's `capabilities(7)`). Stock files carry some of them on purpose (Rocky's
/// `newuidmap` `cap_setuid=ep`, Ubuntu's `snap-confine`): a check decides where they are wrong.
pub const ROOT_GIVING: u64 = 1 << 0
    | 1 << 1
    | 1 << 2
    | 1 << 3
    | 1 << 6
    | 1 << 7
    | 1 << 8
    | 1 << 16
    | 1 << 17
    | 1 << 19
    | 1 << 21
    | 1 << 31;

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

/// Parses libcap's text form (`cap_net_raw=ep`, `cap_a,cap_b+p cap_c-e`, `=`, `all=ep`,
/// numbers for capabilities without a name); `None` when it is not valid.
pub fn from_text(text: &[u8]) -> Option<CapSets> {
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
pub fn from_xattr(raw: &[u8]) -> Option<CapSets> {
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
    fn text_written_as_libcap_does() {
        for (text, want) in [
            ("=", "="),
            ("cap_setuid+ep", "cap_setuid=ep"),
            ("cap_net_admin,cap_net_raw+p", "cap_net_admin,cap_net_raw=p"),
            ("cap_net_raw+eip", "cap_net_raw=eip"),
            // Groups from "eip" down; the first with "=", the rest with "+" (getcap 2.66's
            // output for these).
            ("cap_net_raw=p cap_chown=i", "cap_chown=i cap_net_raw+p"),
            (
                "cap_net_raw+eip cap_chown+ep cap_kill+ei",
                "cap_net_raw=eip cap_kill+ei cap_chown+ep",
            ),
            (
                "cap_kill,cap_setuid=pi cap_chown=p cap_sys_admin=i",
                "cap_kill,cap_setuid=ip cap_sys_admin+i cap_chown+p",
            ),
        ] {
            let s = from_text(text.as_bytes()).unwrap();
            assert_eq!(s.to_text(), want, "{text}");
            assert_eq!(from_text(s.to_text().as_bytes()), Some(s));
        }
        let odd = CapSets {
            effective: 0,
            permitted: 1 << 45,
            inheritable: 0,
        };
        assert_eq!(odd.to_text(), "45=p");
        assert_eq!(from_text(b"45=p"), Some(odd));
    }

    #[test]
    fn xattr_revisions() {
        let mut v2 = vec![0x01, 0, 0, 0x02];
        v2.extend_from_slice(&(1u32 << 13).to_le_bytes());
        v2.extend_from_slice(&[0; 12]);
        let s = from_xattr(&v2).unwrap();
        assert_eq!(
            (s.permitted, s.effective, s.inheritable),
            (1 << 13, 1 << 13, 0)
        );
        assert_eq!(s.names(s.permitted), vec!["cap_net_raw"]);
        // Revision 3 carries a root id; bit 38 lives in the second word.
        let mut v3 = vec![0, 0, 0, 0x03];
        v3.extend_from_slice(&[0; 8]);
        v3.extend_from_slice(&(1u32 << 6).to_le_bytes());
        v3.extend_from_slice(&[0; 8]);
        let s = from_xattr(&v3).unwrap();
        assert_eq!(s.permitted, 1 << 38);
        assert_eq!(s.effective, 0);
        assert_eq!(s.names(1 << 38 | 1 << 63), vec!["cap_perfmon", "63"]);
        assert!(from_xattr(&v3[..20]).is_none());
        assert!(from_xattr(b"junk").is_none());
        // Revision 1: one word per set.
        let mut v1 = vec![0x01, 0, 0, 0x01];
        v1.extend_from_slice(&(1u32 << 7).to_le_bytes());
        v1.extend_from_slice(&[0; 4]);
        assert_eq!(from_xattr(&v1).unwrap().permitted, 1 << 7);
    }
}
