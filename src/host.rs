//! Facts about the audited host, for the report header.

use ferret_core::escape::escape;
use ferret_core::HostRoot;

/// What the report says about the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct HostFacts {
    /// Host name (`/proc/sys/kernel/hostname` live, `/etc/hostname` offline), escaped.
    pub hostname: Option<String>,
    /// Running kernel release (live only).
    pub kernel: Option<String>,
    /// `PRETTY_NAME` from `/etc/os-release` (or `/usr/lib/os-release`), escaped.
    pub os: Option<String>,
    /// `ID` from os-release.
    pub os_id: Option<String>,
    /// `VERSION_ID` from os-release.
    pub os_version: Option<String>,
    /// Boot time, RFC 3339 UTC (live only).
    pub boot_time: Option<String>,
    /// Whether the audit ran against the live system.
    pub live: bool,
    /// The audited root on the machine running ferret, escaped.
    pub root: String,
}

fn first_line(bytes: &[u8]) -> Option<String> {
    let line = bytes.split(|&b| b == b'\n').next()?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let t = line.trim_ascii();
    (!t.is_empty()).then(|| escape(t))
}

/// Parses os-release `KEY=value` lines (values optionally quoted).
pub fn os_release_field(text: &[u8], key: &str) -> Option<String> {
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        let Some(rest) = line.strip_prefix(key.as_bytes()) else {
            continue;
        };
        let Some(v) = rest.strip_prefix(b"=") else {
            continue;
        };
        let v = v
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .or_else(|| v.strip_prefix(b"'").and_then(|v| v.strip_suffix(b"'")))
            .unwrap_or(v);
        return Some(escape(v));
    }
    None
}

/// Collects host facts; every piece is optional and failures are silent (facts are context,
/// not evidence).
pub fn collect(root: &HostRoot) -> HostFacts {
    let live = root.is_live();
    let proc_root = HostRoot::live();
    let mut f = HostFacts {
        live,
        root: ferret_core::escape::escape_path(root.path()),
        ..HostFacts::default()
    };
    f.hostname = if live {
        proc_root
            .read_capped("/proc/sys/kernel/hostname", 4096)
            .ok()
            .and_then(|b| first_line(&b))
    } else {
        None
    }
    .or_else(|| {
        root.read_capped("/etc/hostname", 4096)
            .ok()
            .and_then(|b| first_line(&b))
    });
    if live {
        f.kernel = proc_root
            .read_capped("/proc/sys/kernel/osrelease", 4096)
            .ok()
            .and_then(|b| first_line(&b));
        f.boot_time = proc_root
            .read_capped("/proc/stat", 1 << 20)
            .ok()
            .and_then(|s| {
                s.split(|&b| b == b'\n').find_map(|l| {
                    let v = l.strip_prefix(b"btime ")?;
                    std::str::from_utf8(v).ok()?.trim().parse::<i64>().ok()
                })
            })
            .map(crate::time::rfc3339);
    }
    let osr = root
        .read_capped("/etc/os-release", 1 << 16)
        .or_else(|_| root.read_capped("/usr/lib/os-release", 1 << 16))
        .ok();
    if let Some(text) = osr {
        f.os = os_release_field(&text, "PRETTY_NAME");
        f.os_id = os_release_field(&text, "ID");
        f.os_version = os_release_field(&text, "VERSION_ID");
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_parsing() {
        let t = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID='12'\n";
        assert_eq!(
            os_release_field(t, "PRETTY_NAME").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(os_release_field(t, "ID").as_deref(), Some("debian"));
        assert_eq!(os_release_field(t, "VERSION_ID").as_deref(), Some("12"));
        assert_eq!(os_release_field(t, "NAME"), None);
    }

    #[test]
    fn offline_root_reads_files_only() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("etc")).unwrap();
        std::fs::write(t.path().join("etc/hostname"), "web1\n").unwrap();
        std::fs::write(
            t.path().join("etc/os-release"),
            "ID=ubuntu\nVERSION_ID=\"24.04\"\n",
        )
        .unwrap();
        let f = collect(&HostRoot::new(t.path()).unwrap());
        assert_eq!(f.hostname.as_deref(), Some("web1"));
        assert_eq!(f.os_id.as_deref(), Some("ubuntu"));
        assert_eq!(f.os_version.as_deref(), Some("24.04"));
        assert!(!f.live);
        assert!(f.kernel.is_none() && f.boot_time.is_none());
    }
}
