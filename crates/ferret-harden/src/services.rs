//! Legacy clear-text remote services (telnet, rsh, rlogin, rexec, tftp, finger) enabled as
//! systemd units (a link in a `*.wants` directory) or in inetd/xinetd configuration.

use crate::util::{list_dir, pb, read_config};
use ferret_core::{Control, Evidence, FileKind, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// Legacy service names as they appear in unit names, inetd.conf service fields and xinetd
/// `service` blocks, with the protocol they stand for.
pub const LEGACY: &[(&str, &str)] = &[
    ("telnet", "telnet"),
    ("telnetd", "telnet"),
    ("in.telnetd", "telnet"),
    ("inetutils-telnetd", "telnet"),
    ("rsh", "rsh"),
    ("rshd", "rsh"),
    ("shell", "rsh"),
    ("rlogin", "rlogin"),
    ("rlogind", "rlogin"),
    ("login", "rlogin"),
    ("rexec", "rexec"),
    ("rexecd", "rexec"),
    ("exec", "rexec"),
    ("tftp", "tftp"),
    ("tftpd", "tftp"),
    ("tftpd-hpa", "tftp"),
    ("atftpd", "tftp"),
    ("in.tftpd", "tftp"),
    ("finger", "finger"),
    ("fingerd", "finger"),
    ("cfingerd", "finger"),
    ("efingerd", "finger"),
];

/// Where a service name comes from: the names differ in form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameKind {
    /// A systemd unit name (`telnet.socket`, `rlogin@.service`): the stem before `@` or the
    /// last `.` is compared.
    Unit,
    /// An inetd.conf service field or an xinetd `service` name (`shell`, `login`, `exec` are
    /// rsh, rlogin and rexec only here).
    Inetd,
}

/// The legacy protocol a unit or service name stands for.
///
/// ```
/// use ferret_harden::services::{legacy_protocol, NameKind};
/// assert_eq!(legacy_protocol(b"telnet.socket", NameKind::Unit), Some("telnet"));
/// assert_eq!(legacy_protocol(b"login", NameKind::Inetd), Some("rlogin"));
/// assert_eq!(legacy_protocol(b"login.service", NameKind::Unit), None);
/// ```
pub fn legacy_protocol(name: &[u8], kind: NameKind) -> Option<&'static str> {
    let unit = kind == NameKind::Unit;
    let base = if unit {
        let stem_end = name
            .iter()
            .position(|&c| c == b'@')
            .or_else(|| name.iter().rposition(|&c| c == b'.'))
            .unwrap_or(name.len());
        name.get(..stem_end).unwrap_or_default()
    } else {
        name
    };
    LEGACY
        .iter()
        // "shell", "login" and "exec" are inetd service names only; as unit names they mean
        // something else.
        .filter(|(n, _)| !unit || !matches!(*n, "shell" | "login" | "exec"))
        .find(|(n, _)| n.as_bytes() == base)
        .map(|(_, p)| *p)
}

fn finding(proto: &str, how: &str, file: &Path, line: Option<u64>, excerpt: &[u8]) -> Finding {
    let mut ev = match line {
        Some(l) => Evidence::line(pb(file), l),
        None => Evidence::file(pb(file)),
    };
    ev = ev.with_excerpt(excerpt);
    Finding::new(
        "services.legacy-enabled",
        Severity::High,
        format!("{proto} service enabled ({how})"),
        format!("{proto}: {}", ferret_core::escape::escape(excerpt)),
    )
    .with_evidence(ev)
    .with_detail(format!(
        "{proto} sends credentials (or, for tftp/finger, data and user information) in clear text and has no modern authentication; rsh/rlogin/rexec trust host names."
    ))
    .with_remediation(match how {
        "systemd" => format!("`systemctl disable --now` the unit and purge the {proto} server package; use SSH/SFTP."),
        _ => format!("Comment out or set `disable = yes` for {proto} and restart (x)inetd, or purge the package; use SSH/SFTP."),
    })
    .with_attack("T1021")
    .with_reference("CIS Linux Benchmark 2.2 \"Special Purpose Services\" (telnet, rsh, tftp servers not installed)")
}

const WANTS_ROOTS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

fn audit_systemd(root: &HostRoot, out: &mut Outcome) {
    for r in WANTS_ROOTS {
        let entries = match root.read_dir(r) {
            Ok(e) => e,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.errors.push(crate::util::skipped(&e));
                continue;
            }
        };
        for e in entries {
            let n = e.name.as_bytes();
            if !(n.ends_with(b".wants") || n.ends_with(b".requires")) {
                continue;
            }
            let dir = Path::new(r).join(&e.name);
            let Ok(links) = root.read_dir(&dir) else {
                continue;
            };
            for l in links {
                if let Some(proto) = legacy_protocol(l.name.as_bytes(), NameKind::Unit) {
                    let p = dir.join(&l.name);
                    let target = if l.kind == Some(FileKind::Symlink) {
                        root.read_link(&p).unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    let mut excerpt = l.name.as_bytes().to_vec();
                    if !target.is_empty() {
                        excerpt.extend_from_slice(b" -> ");
                        excerpt.extend_from_slice(&target);
                    }
                    out.findings
                        .push(finding(proto, "systemd", &p, None, &excerpt));
                }
            }
        }
    }
}

fn audit_inetd(root: &HostRoot, out: &mut Outcome) {
    let p = Path::new("/etc/inetd.conf");
    if let Some(buf) = read_config(root, p, out) {
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            let t = l.trim_ascii();
            if t.is_empty() || t.first() == Some(&b'#') {
                continue;
            }
            let svc = t.split(u8::is_ascii_whitespace).next().unwrap_or_default();
            // "host:service" form.
            let svc = svc.rsplit(|&c| c == b':').next().unwrap_or(svc);
            if let Some(proto) = legacy_protocol(svc, NameKind::Inetd) {
                out.findings
                    .push(finding(proto, "inetd", p, Some(i as u64 + 1), t));
            }
        }
    }
    let mut files: Vec<PathBuf> = vec![PathBuf::from("/etc/xinetd.conf")];
    files.extend(list_dir(root, "/etc/xinetd.d", out));
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        scan_xinetd(&f, &buf, out);
    }
}

/// Scans an xinetd file: each `service NAME { ... }` block is enabled unless `disable = yes`.
fn scan_xinetd(f: &Path, buf: &[u8], out: &mut Outcome) {
    let mut current: Option<(Vec<u8>, u64, Vec<u8>)> = None;
    let mut disabled = false;
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if t.is_empty() || t.first() == Some(&b'#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix(b"service") {
            let name = rest
                .trim_ascii()
                .split(|c| c.is_ascii_whitespace() || *c == b'{')
                .next()
                .unwrap_or_default();
            current = Some((name.to_vec(), i as u64 + 1, t.to_vec()));
            disabled = false;
            continue;
        }
        if t.starts_with(b"disable") {
            let v = t
                .splitn(2, |&c| c == b'=')
                .nth(1)
                .unwrap_or_default()
                .trim_ascii();
            disabled = v.eq_ignore_ascii_case(b"yes");
        }
        if t.contains(&b'}') {
            if let Some((name, line, ex)) = current.take() {
                if !disabled {
                    if let Some(proto) = legacy_protocol(&name, NameKind::Inetd) {
                        out.findings
                            .push(finding(proto, "xinetd", f, Some(line), &ex));
                    }
                }
            }
        }
    }
}

/// Runs the legacy-service checks on `root`: enabled systemd units, inetd.conf and xinetd.
/// Cancelling `control` stops it between the two, with a "cancelled" error.
pub fn audit_root(root: &HostRoot, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    audit_systemd(root, &mut out);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    audit_inetd(root, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            legacy_protocol(b"telnet.socket", NameKind::Unit),
            Some("telnet")
        );
        assert_eq!(
            legacy_protocol(b"tftpd-hpa.service", NameKind::Unit),
            Some("tftp")
        );
        assert_eq!(
            legacy_protocol(b"rlogin@.service", NameKind::Unit),
            Some("rlogin")
        );
        assert_eq!(legacy_protocol(b"login.service", NameKind::Unit), None);
        assert_eq!(legacy_protocol(b"shell", NameKind::Inetd), Some("rsh"));
        assert_eq!(legacy_protocol(b"ssh.service", NameKind::Unit), None);
    }
}
