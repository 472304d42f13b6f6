//! Groups whose members hold power over the host: one list, used by every check that asks
//! "was someone added to a privileged group?" (the account audit, the log detections).
//!
//! | group | why membership matters |
//! |---|---|
//! | `root` | gid 0: group-owned root files, often writable |
//! | `sudo`, `wheel`, `admin` | `sudo`/`su` to root by default policy (Debian, RHEL/SUSE, old Ubuntu) |
//! | `adm` | reads every system log (`/var/log/auth.log`, `secure`) |
//! | `shadow` | reads `/etc/shadow` (password hashes) |
//! | `disk` | raw block devices: read or write any file system |
//! | `kmem` | `/dev/mem`, `/dev/kmem`: kernel memory |
//! | `docker`, `lxd`, `libvirt` | start a container or VM with the host's root file system mounted: root in one command |
//! | `kvm` | `/dev/kvm`: run guests, commonly granted with `libvirt` |
//! | `staff` | Debian: writes `/usr/local`, which comes first in root's `PATH` |

/// The privileged groups (see the [module docs](self) for why each is listed).
pub const PRIVILEGED_GROUPS: &[&str] = &[
    "root", "sudo", "wheel", "admin", "adm", "shadow", "disk", "kmem", "docker", "lxd", "libvirt",
    "kvm", "staff",
];

/// Whether `name` is one of [`PRIVILEGED_GROUPS`] (exact, case-sensitive, as `getgrnam`).
pub fn is_privileged_group(name: &[u8]) -> bool {
    PRIVILEGED_GROUPS.iter().any(|g| g.as_bytes() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_only() {
        assert!(is_privileged_group(b"wheel"));
        assert!(is_privileged_group(b"docker"));
        assert!(!is_privileged_group(b"Wheel"));
        assert!(!is_privileged_group(b"wheel "));
        assert!(!is_privileged_group(b"users"));
        let mut sorted = PRIVILEGED_GROUPS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), PRIVILEGED_GROUPS.len(), "no duplicates");
    }
}
