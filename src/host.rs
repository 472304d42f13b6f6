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
    /// `NAME` from os-release.
    #[cfg_attr(feature = "serde", serde(default))]
    pub os_name: Option<String>,
    /// `ID_LIKE` from os-release: the distributions this one derives from (`rhel centos
    /// fedora`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub os_like: Option<String>,
    /// The distribution, named from `ID` for the families ferret knows (Alibaba Cloud Linux,
    /// Anolis OS, CentOS, Rocky Linux, AlmaLinux, Red Hat Enterprise Linux, Amazon Linux,
    /// Fedora, openSUSE, SUSE Linux Enterprise, Debian, Ubuntu), else `NAME`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub distribution: Option<String>,
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

/// The value of one os-release assignment, unquoted with os-release(5)'s shell-like rules:
/// double quotes (where `\` escapes `$`, `"`, `\` and `` ` ``), single quotes (nothing escaped),
/// backslash escapes outside quotes; `None` when a quote is left open.
fn unquote(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut it = v.iter().copied();
    while let Some(c) = it.next() {
        match c {
            b'"' => loop {
                match it.next()? {
                    b'"' => break,
                    b'\\' => match it.next()? {
                        e @ (b'$' | b'"' | b'\\' | b'`') => out.push(e),
                        b'\n' => {}
                        e => out.extend_from_slice(&[b'\\', e]),
                    },
                    o => out.push(o),
                }
            },
            b'\'' => loop {
                match it.next()? {
                    b'\'' => break,
                    o => out.push(o),
                }
            },
            b'\\' => out.push(it.next()?),
            o => out.push(o),
        }
    }
    Some(out)
}

/// Parses os-release `KEY=value` lines (os-release(5): comments, blank lines, shell-style
/// quoting); the last assignment of `key` wins. The value is escaped for display.
pub fn os_release_field(text: &[u8], key: &str) -> Option<String> {
    let mut found = None;
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.starts_with(b"#") {
            continue;
        }
        let Some(rest) = line.strip_prefix(key.as_bytes()) else {
            continue;
        };
        let Some(v) = rest.strip_prefix(b"=") else {
            continue;
        };
        if let Some(v) = unquote(v) {
            found = Some(escape(&v));
        }
    }
    found
}

/// The distribution's usual name for an os-release `ID`, for the families ferret knows.
pub fn distribution_name(id: &str) -> Option<&'static str> {
    Some(match id {
        "alinux" => "Alibaba Cloud Linux",
        "anolis" => "Anolis OS",
        "centos" => "CentOS",
        "rocky" => "Rocky Linux",
        "almalinux" => "AlmaLinux",
        "rhel" => "Red Hat Enterprise Linux",
        "amzn" => "Amazon Linux",
        "fedora" => "Fedora",
        "opensuse" | "opensuse-leap" | "opensuse-tumbleweed" | "opensuse-microos" => "openSUSE",
        "sles" | "sled" | "sles_sap" | "sle-micro" => "SUSE Linux Enterprise",
        "debian" => "Debian",
        "ubuntu" => "Ubuntu",
        _ => return None,
    })
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
        f.os_name = os_release_field(&text, "NAME");
        f.os_like = os_release_field(&text, "ID_LIKE");
        f.distribution = f
            .os_id
            .as_deref()
            .and_then(distribution_name)
            .map(str::to_owned)
            .or_else(|| f.os_name.clone());
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
    fn os_release_quoting_rules() {
        // os-release(5): shell-like quoting, escapes inside double quotes, comments.
        let t = br#"# a comment
NAME="Alibaba Cloud Linux"
VERSION_ID="3"
ID=alinux
ID_LIKE="rhel fedora centos anolis"
PRETTY_NAME="Alibaba Cloud Linux 3 (Soaring \"Falcon\") \$x \ y"
ANSI_COLOR='0;31'
BAD="open
HOME_URL=https://www.aliyun.com/
"#;
        assert_eq!(
            os_release_field(t, "NAME").as_deref(),
            Some("Alibaba Cloud Linux")
        );
        // `\"` and `\$` are escapes inside double quotes, `\ ` is not (the backslash stays,
        // and is doubled by the display escaping).
        assert_eq!(
            os_release_field(t, "PRETTY_NAME").as_deref(),
            Some("Alibaba Cloud Linux 3 (Soaring \"Falcon\") $x \\\\ y")
        );
        // Unescaped inner quotes close and reopen the string, as in the shell.
        assert_eq!(
            os_release_field(br#"N="a "b" c""#, "N").as_deref(),
            Some("a b c")
        );
        assert_eq!(os_release_field(t, "ANSI_COLOR").as_deref(), Some("0;31"));
        assert_eq!(os_release_field(t, "BAD"), None);
        assert_eq!(
            os_release_field(t, "HOME_URL").as_deref(),
            Some("https://www.aliyun.com/")
        );
        assert_eq!(
            os_release_field(t, "ID_LIKE").as_deref(),
            Some("rhel fedora centos anolis")
        );
        assert_eq!(
            os_release_field(b"ID=a\\ b\n", "ID").as_deref(),
            Some("a b")
        );
        assert_eq!(
            os_release_field(b"ID=x\nID=y\n", "ID").as_deref(),
            Some("y")
        );
    }

    #[test]
    fn distributions_by_id() {
        // The ID lines of each family's os-release (as shipped by its release package).
        let cases = [
            (
                "ID=\"alinux\"\nNAME=\"Alibaba Cloud Linux\"",
                "Alibaba Cloud Linux",
            ),
            ("ID=\"anolis\"\nNAME=\"Anolis OS\"", "Anolis OS"),
            ("ID=\"centos\"\nNAME=\"CentOS Stream\"", "CentOS"),
            ("ID=\"rocky\"\nNAME=\"Rocky Linux\"", "Rocky Linux"),
            ("ID=\"almalinux\"\nNAME=\"AlmaLinux\"", "AlmaLinux"),
            (
                "ID=\"rhel\"\nNAME=\"Red Hat Enterprise Linux\"",
                "Red Hat Enterprise Linux",
            ),
            ("ID=\"amzn\"\nNAME=\"Amazon Linux\"", "Amazon Linux"),
            ("ID=fedora\nNAME=\"Fedora Linux\"", "Fedora"),
            ("ID=\"opensuse-leap\"\nNAME=\"openSUSE Leap\"", "openSUSE"),
            ("ID=\"sles\"\nNAME=\"SLES\"", "SUSE Linux Enterprise"),
            ("ID=debian\nNAME=\"Debian GNU/Linux\"", "Debian"),
            ("ID=ubuntu\nNAME=\"Ubuntu\"", "Ubuntu"),
            ("ID=gentoo\nNAME=Gentoo", "Gentoo"),
        ];
        for (text, want) in cases {
            let t = tempfile::tempdir().unwrap();
            std::fs::create_dir(t.path().join("etc")).unwrap();
            std::fs::write(t.path().join("etc/os-release"), text).unwrap();
            let f = collect(&HostRoot::new(t.path()).unwrap());
            assert_eq!(f.distribution.as_deref(), Some(want), "{text}");
            assert!(f.os_name.is_some());
        }
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
