//! sysctl: configured values with systemd-sysctl's precedence, running values from `/proc/sys`,
//! risky-value findings and configured-vs-running drift.
//!
//! Precedence (sysctl.d(5)): `*.conf` files from `/etc/sysctl.d`, `/run/sysctl.d`,
//! `/usr/local/lib/sysctl.d`, `/usr/lib/sysctl.d`, `/lib/sysctl.d`; a file name met in an
//! earlier directory hides the same name in later ones (an `/etc` file linked to `/dev/null` or
//! empty masks it); the surviving files are applied in lexical order of their names, later
//! assignments overriding earlier ones; `/etc/sysctl.conf` is applied last (as `sysctl --system`
//! does) unless a sysctl.d entry already links to it (Debian's `99-sysctl.conf`).

use crate::util::{line_error, pb, read_config, skipped};
use ferret_core::{Control, Evidence, Finding, HostRoot, Outcome, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The sysctl.d directories, highest precedence first.
pub const DIRS: &[&str] = &[
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// One `key = value` assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Assignment {
    /// 1-based line.
    pub line: u64,
    /// Dotted key (`net.ipv4.ip_forward`), normalised from the `/` form.
    pub key: String,
    /// Value with surrounding whitespace removed.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub value: Vec<u8>,
    /// A leading `-`: failures to set it are ignored.
    pub ignore_failure: bool,
}

/// A line that is not an assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ParseError {
    /// 1-based line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// Normalises a key to the dotted form like systemd's `sysctl_normalize`: when the first
/// separator is `/`, slashes become dots and dots (inside names such as `eth0.100`) become
/// slashes.
pub fn normalize_key(k: &str) -> String {
    let first_sep = k.find(['.', '/']);
    match first_sep.and_then(|i| k.get(i..i + 1)) {
        Some("/") => k
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                c => c,
            })
            .collect(),
        _ => k.to_string(),
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    b.get(s..e).unwrap_or_default()
}

/// Parses a sysctl.conf buffer.
///
/// ```
/// let v: Vec<_> = ferret_harden::sysctl::parse(b"# c\n; c\nnet/ipv4/ip_forward = 1\n-kernel.x=2\nbad\n").collect();
/// assert_eq!(v[0].as_ref().unwrap().key, "net.ipv4.ip_forward");
/// assert!(v[1].as_ref().unwrap().ignore_failure);
/// assert_eq!(v[2].as_ref().unwrap_err().line, 5);
/// ```
pub fn parse(buf: &[u8]) -> impl Iterator<Item = Result<Assignment, ParseError>> + '_ {
    buf.split(|&c| c == b'\n')
        .enumerate()
        .filter_map(|(i, raw)| {
            let line = i as u64 + 1;
            let l = trim(raw);
            if l.is_empty() || l.first().is_some_and(|c| *c == b'#' || *c == b';') {
                return None;
            }
            let Some(eq) = l.iter().position(|&c| c == b'=') else {
                return Some(Err(ParseError {
                    line,
                    message: "line is not of the form key = value".into(),
                }));
            };
            let mut key = trim(l.get(..eq).unwrap_or_default());
            let value = trim(l.get(eq + 1..).unwrap_or_default());
            let ignore_failure = key.first() == Some(&b'-');
            if ignore_failure {
                key = trim(key.get(1..).unwrap_or_default());
            }
            let Ok(k) = std::str::from_utf8(key) else {
                return Some(Err(ParseError {
                    line,
                    message: "key is not valid UTF-8".into(),
                }));
            };
            if k.is_empty() || k.contains(char::is_whitespace) {
                return Some(Err(ParseError {
                    line,
                    message: "invalid key".into(),
                }));
            }
            Some(Ok(Assignment {
                line,
                key: normalize_key(k),
                value: value.to_vec(),
                ignore_failure,
            }))
        })
}

/// A configured value and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Configured {
    /// Normalised value (runs of whitespace collapsed to one space).
    pub value: String,
    /// File that set it last.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::path"))]
    pub file: PathBuf,
    /// Line in that file.
    pub line: u64,
}

/// The value as text: runs of whitespace collapsed, the rest escaped (a value is bytes from
/// the audited host, shown in findings).
fn norm_value(v: &[u8]) -> String {
    v.split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
        .map(ferret_core::escape::escape)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Resolves a sysctl.d entry to the file to read (following a symlink inside the root);
/// `None` when it masks (`/dev/null`, empty).
fn resolve_entry(root: &HostRoot, p: &Path, out: &mut Outcome) -> Option<PathBuf> {
    let st = match root.lstat(p) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(skipped(&e));
            return None;
        }
    };
    if st.kind == ferret_core::FileKind::Symlink {
        let target = root.read_link(p).ok()?;
        let tp = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&target));
        let abs = if tp.is_absolute() {
            tp.to_path_buf()
        } else {
            p.parent().unwrap_or(Path::new("/")).join(tp)
        };
        let abs = HostRoot::inner(abs);
        if abs == Path::new("/dev/null") {
            return None;
        }
        return Some(abs);
    }
    Some(p.to_path_buf())
}

/// The configured values of `root`, keyed by dotted name, with parse errors recorded in `out`.
pub fn configured(root: &HostRoot, out: &mut Outcome) -> BTreeMap<String, Configured> {
    // name -> file chosen (first directory wins).
    let mut chosen: BTreeMap<Vec<u8>, Option<PathBuf>> = BTreeMap::new();
    for dir in DIRS {
        for p in crate::util::list_dir(root, dir, out) {
            let name = pb(p.file_name().map_or(Path::new(""), Path::new)).to_vec();
            if !name.ends_with(b".conf") || chosen.contains_key(&name) {
                continue;
            }
            chosen.insert(name, resolve_entry(root, &p, out));
        }
    }
    let mut files: Vec<PathBuf> = chosen.into_values().flatten().collect();
    if !files.iter().any(|f| f == Path::new("/etc/sysctl.conf")) {
        files.push(PathBuf::from("/etc/sysctl.conf"));
    }
    let mut values = BTreeMap::new();
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for a in parse(&buf) {
            match a {
                Ok(a) => {
                    values.insert(
                        a.key,
                        Configured {
                            value: norm_value(&a.value),
                            file: f.clone(),
                            line: a.line,
                        },
                    );
                }
                Err(e) => out.errors.push(line_error(pb(&f), e.line, e.message)),
            }
        }
    }
    values
}

/// The running value of `key` (live root only), whitespace-normalised.
pub fn runtime(root: &HostRoot, key: &str) -> Option<String> {
    if !root.is_live() || key.contains('*') || key.contains("..") {
        return None;
    }
    let path: String = key
        .chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect();
    let v = root
        .read_capped(format!("/proc/sys/{path}"), 1 << 16)
        .ok()?;
    Some(norm_value(&v))
}

/// Every readable running value under `/proc/sys` (live root only), like `sysctl -a`.
pub fn runtime_all(root: &HostRoot) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !root.is_live() {
        return out;
    }
    // Each value is read through its parent directory's descriptor while walking (no path
    // re-resolution from the root per key).
    let opts = ferret_core::OpenOptions::new().max_size(1 << 16);
    let _ = ferret_core::walk::walk(
        root,
        "/proc/sys",
        &ferret_core::walk::WalkOptions::new().same_filesystem(false),
        |ev| {
            if let ferret_core::walk::WalkEvent::Entry(e) = ev {
                if e.kind == ferret_core::FileKind::Regular
                    && e.stat().is_ok_and(|st| st.mode & 0o444 != 0)
                {
                    if let (Ok(rel), Ok(mut f)) = (e.path.strip_prefix("/proc/sys"), e.open(&opts))
                    {
                        let key: String = rel
                            .to_string_lossy()
                            .chars()
                            .map(|c| match c {
                                '/' => '.',
                                '.' => '/',
                                c => c,
                            })
                            .collect();
                        if let Ok(v) = f.read_capped(1 << 16) {
                            out.insert(key, norm_value(&v));
                        }
                    }
                }
            }
            ferret_core::walk::Visit::Continue
        },
    );
    out
}

#[derive(Clone, Copy)]
enum Want {
    Eq(i64),
    AtLeast(i64),
}

struct Rule {
    key: &'static str,
    want: Want,
    sev: Severity,
    attack: &'static str,
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule { key: "net.ipv4.conf.all.rp_filter", want: Want::AtLeast(1), sev: Severity::Medium, attack: "T1090", why: "Reverse-path filtering drops packets with spoofed source addresses." },
    Rule { key: "net.ipv4.conf.default.rp_filter", want: Want::AtLeast(1), sev: Severity::Low, attack: "T1090", why: "New interfaces inherit the default: without it they accept spoofed sources." },
    Rule { key: "net.ipv4.ip_forward", want: Want::Eq(0), sev: Severity::Medium, attack: "T1090", why: "A host that forwards IPv4 can be used as a router/pivot between networks (unless it is meant to be a router or container host)." },
    Rule { key: "net.ipv6.conf.all.forwarding", want: Want::Eq(0), sev: Severity::Medium, attack: "T1090", why: "A host that forwards IPv6 can be used as a router/pivot between networks." },
    Rule { key: "net.ipv4.conf.all.accept_redirects", want: Want::Eq(0), sev: Severity::Medium, attack: "T1557", why: "Accepting ICMP redirects lets a local attacker reroute traffic through itself." },
    Rule { key: "net.ipv4.conf.default.accept_redirects", want: Want::Eq(0), sev: Severity::Low, attack: "T1557", why: "New interfaces accept ICMP redirects." },
    Rule { key: "net.ipv6.conf.all.accept_redirects", want: Want::Eq(0), sev: Severity::Medium, attack: "T1557", why: "Accepting ICMPv6 redirects lets a local attacker reroute traffic through itself." },
    Rule { key: "net.ipv6.conf.default.accept_redirects", want: Want::Eq(0), sev: Severity::Low, attack: "T1557", why: "New interfaces accept ICMPv6 redirects." },
    Rule { key: "net.ipv4.conf.all.secure_redirects", want: Want::Eq(0), sev: Severity::Low, attack: "T1557", why: "Redirects from listed gateways are still accepted." },
    Rule { key: "net.ipv4.conf.all.send_redirects", want: Want::Eq(0), sev: Severity::Low, attack: "T1557", why: "A host that is not a router has no reason to send redirects." },
    Rule { key: "net.ipv4.conf.default.send_redirects", want: Want::Eq(0), sev: Severity::Low, attack: "T1557", why: "New interfaces send redirects." },
    Rule { key: "net.ipv4.conf.all.accept_source_route", want: Want::Eq(0), sev: Severity::Medium, attack: "T1090", why: "Source-routed packets let a sender choose the path and bypass filtering." },
    Rule { key: "net.ipv4.conf.default.accept_source_route", want: Want::Eq(0), sev: Severity::Low, attack: "T1090", why: "New interfaces accept source-routed packets." },
    Rule { key: "net.ipv6.conf.all.accept_source_route", want: Want::Eq(0), sev: Severity::Medium, attack: "T1090", why: "Source-routed IPv6 packets let a sender choose the path." },
    Rule { key: "net.ipv4.conf.all.log_martians", want: Want::Eq(1), sev: Severity::Low, attack: "T1562.006", why: "Packets with impossible addresses are dropped without a log line." },
    Rule { key: "net.ipv4.conf.default.log_martians", want: Want::Eq(1), sev: Severity::Low, attack: "T1562.006", why: "New interfaces do not log martian packets." },
    Rule { key: "net.ipv4.tcp_syncookies", want: Want::Eq(1), sev: Severity::Medium, attack: "T1499.001", why: "Without SYN cookies a SYN flood exhausts the connection backlog." },
    Rule { key: "net.ipv4.icmp_echo_ignore_broadcasts", want: Want::Eq(1), sev: Severity::Low, attack: "T1498", why: "Answering broadcast pings makes the host a smurf amplifier." },
    Rule { key: "kernel.kptr_restrict", want: Want::AtLeast(1), sev: Severity::Medium, attack: "T1068", why: "Kernel pointers in /proc leak the kernel layout and defeat KASLR for local exploits." },
    Rule { key: "kernel.dmesg_restrict", want: Want::Eq(1), sev: Severity::Low, attack: "T1068", why: "Unprivileged users can read the kernel log (addresses, hardware, security messages)." },
    Rule { key: "kernel.randomize_va_space", want: Want::Eq(2), sev: Severity::High, attack: "T1068", why: "Address-space layout randomisation is weakened or off: memory-corruption exploits become reliable." },
    Rule { key: "kernel.yama.ptrace_scope", want: Want::AtLeast(1), sev: Severity::Medium, attack: "T1055.008", why: "Any process can ptrace other processes of the same user: credential theft from ssh-agent, browsers, sudo sessions." },
    Rule { key: "fs.protected_hardlinks", want: Want::Eq(1), sev: Severity::Medium, attack: "T1068", why: "Hard links to files a user does not own enable classic TOCTOU privilege escalation." },
    Rule { key: "fs.protected_symlinks", want: Want::Eq(1), sev: Severity::Medium, attack: "T1068", why: "Following other users' symlinks in sticky directories enables /tmp race attacks." },
    Rule { key: "fs.protected_fifos", want: Want::AtLeast(1), sev: Severity::Low, attack: "T1068", why: "O_CREAT opens of attacker FIFOs in sticky directories are allowed." },
    Rule { key: "fs.protected_regular", want: Want::AtLeast(1), sev: Severity::Low, attack: "T1068", why: "O_CREAT opens of attacker files in sticky directories are allowed." },
    Rule { key: "fs.suid_dumpable", want: Want::Eq(0), sev: Severity::Medium, attack: "T1003", why: "Set-uid programs dump core, which can leak secrets (password hashes, keys) from privileged memory." },
    Rule { key: "kernel.unprivileged_bpf_disabled", want: Want::AtLeast(1), sev: Severity::Medium, attack: "T1068", why: "Unprivileged BPF is a frequent local privilege-escalation vector." },
    Rule { key: "net.core.bpf_jit_harden", want: Want::Eq(2), sev: Severity::Low, attack: "T1068", why: "BPF JIT hardening blinds constants against JIT spraying." },
    Rule { key: "kernel.perf_event_paranoid", want: Want::AtLeast(2), sev: Severity::Low, attack: "T1068", why: "Unprivileged perf events expose kernel profiling data and attack surface." },
];

fn satisfies(v: &str, want: Want) -> Option<bool> {
    let n: i64 = v.split_whitespace().next()?.parse().ok()?;
    Some(match want {
        Want::Eq(x) => n == x,
        Want::AtLeast(x) => n >= x,
    })
}

fn want_text(w: Want) -> String {
    match w {
        Want::Eq(x) => format!("{x}"),
        Want::AtLeast(x) => format!("{x} or higher"),
    }
}

fn push_rule(
    out: &mut Outcome,
    conf: &BTreeMap<String, Configured>,
    r: &Rule,
    value: &str,
    src: &str,
) {
    let ev = match conf.get(r.key) {
        Some(c) => {
            Evidence::line(pb(&c.file), c.line).with_excerpt(format!("{} = {}", r.key, c.value))
        }
        None => Evidence::file(format!("/proc/sys/{}", r.key.replace('.', "/"))),
    };
    out.findings.push(
        Finding::new(
            "sysctl.risky-value",
            r.sev,
            format!("{} is {} ({src})", r.key, value),
            format!("{} = {}", r.key, value),
        )
        .with_evidence(ev)
        .with_detail(format!("{} Recommended: {}.", r.why, want_text(r.want)))
        .with_remediation(format!(
            "Set `{} = {}` in /etc/sysctl.d/60-hardening.conf and run `sysctl --system` (check that no later file overrides it).",
            r.key,
            match r.want { Want::Eq(x) | Want::AtLeast(x) => x }
        ))
        .with_attack(r.attack)
        .with_reference("Lynis default.prf sysctl values; CIS Linux Benchmark section 3 (network) and 1.5 (kernel)"),
    );
}

/// For `net.ipv4.conf.all.<x>` on a live root: the value of `all` and the interfaces (not
/// `lo`) whose effective value, combined from `all` and the interface the way the kernel does
/// (rp_filter: max; accept_redirects: or, and when the interface forwards; send_redirects,
/// secure_redirects, log_martians: or; accept_source_route: and), misses the rule. `None` for
/// other keys or when no interface is listed.
fn ipv4_effective(root: &HostRoot, key: &str) -> Option<(String, Vec<String>)> {
    let x = key.strip_prefix("net.ipv4.conf.all.")?;
    let rule = RULES.iter().find(|r| r.key == key)?;
    let num = |k: &str| runtime(root, k).and_then(|v| v.parse::<i64>().ok());
    let all_raw = runtime(root, key)?;
    let all = all_raw.parse::<i64>().ok()?;
    let ifaces: Vec<String> = root
        .read_dir("/proc/sys/net/ipv4/conf")
        .ok()?
        .into_iter()
        .filter_map(|e| e.name.into_string().ok())
        .filter(|n| !matches!(n.as_str(), "all" | "default" | "lo"))
        .collect();
    if ifaces.is_empty() {
        return None;
    }
    let mut weak = Vec::new();
    for i in ifaces {
        let name = i.replace('.', "/");
        let Some(v) = num(&format!("net.ipv4.conf.{name}.{x}")) else {
            continue;
        };
        let eff = match x {
            "rp_filter" => all.max(v),
            "accept_source_route" => i64::from(all != 0 && v != 0),
            "accept_redirects" => {
                if num(&format!("net.ipv4.conf.{name}.forwarding")).unwrap_or(0) != 0 {
                    i64::from(all != 0 && v != 0)
                } else {
                    i64::from(all != 0 || v != 0)
                }
            }
            _ => i64::from(all != 0 || v != 0),
        };
        if satisfies(&eff.to_string(), rule.want) == Some(false) {
            weak.push(format!("{i}={eff}"));
        }
    }
    Some((all_raw, weak))
}

/// Runs the sysctl checks on `root`: risky running values (configured values when offline),
/// drift between configured and running values, and `kernel.modules_disabled`. Cancelling
/// `control` stops it between keys, with a "cancelled" error.
pub fn audit_root(root: &HostRoot, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let conf = configured(root, &mut out);
    let live = root.is_live();
    for r in RULES {
        if crate::util::cancelled(control, &mut out) {
            return out;
        }
        let (value, src) = if live {
            if let Some((value, ifaces)) = ipv4_effective(root, r.key) {
                // The kernel combines conf/all with each interface's own value: report the
                // interfaces where the combination is weak, not the raw `all` value.
                if ifaces.is_empty() {
                    continue;
                }
                let what = format!("effective on {}", ifaces.join(", "));
                push_rule(&mut out, &conf, r, &value, &what);
                continue;
            }
            match runtime(root, r.key) {
                Some(v) => (v, "running"),
                None => continue,
            }
        } else {
            match conf.get(r.key) {
                Some(c) => (c.value.clone(), "configured"),
                None => continue,
            }
        };
        if satisfies(&value, r.want) != Some(false) {
            continue;
        }
        push_rule(&mut out, &conf, r, &value, &format!("{src} value"));
    }
    if live {
        for (k, c) in &conf {
            if crate::util::cancelled(control, &mut out) {
                return out;
            }
            let Some(rv) = runtime(root, k) else { continue };
            if rv != c.value {
                out.findings.push(
                    Finding::new(
                        "sysctl.drift",
                        Severity::Medium,
                        format!("{k} runs as {rv} but is configured as {}", c.value),
                        format!("{k}: configured {} running {rv}", c.value),
                    )
                    .with_evidence(Evidence::line(pb(&c.file), c.line).with_excerpt(format!("{k} = {}", c.value)))
                    .with_detail("The running kernel differs from what the configuration sets at boot: someone changed it at run time (an attacker enabling forwarding or disabling protections) or the configuration was never applied.")
                    .with_remediation(format!("Find out who changed it; re-apply with `sysctl --system` or `sysctl -w {k}={}`.", c.value))
                    .with_attack("T1562"),
                );
            }
        }
        if runtime(root, "kernel.modules_disabled").as_deref() == Some("0") {
            out.findings.push(
                Finding::new("sysctl.modules-disabled", Severity::Info, "kernel modules can still be loaded", "kernel.modules_disabled = 0")
                    .with_evidence(Evidence::file("/proc/sys/kernel/modules_disabled"))
                    .with_detail("Loadable modules are a rootkit vector; kernel.modules_disabled=1 (set late in boot) blocks loading until reboot. Informational: many systems need module loading.")
                    .with_remediation("On fixed-function servers set `kernel.modules_disabled = 1` after boot-time modules are loaded.")
                    .with_attack("T1547.006"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_normalise() {
        assert_eq!(
            normalize_key("net/ipv4/conf/eth0.100/rp_filter"),
            "net.ipv4.conf.eth0/100.rp_filter"
        );
        assert_eq!(normalize_key("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
    }
}
