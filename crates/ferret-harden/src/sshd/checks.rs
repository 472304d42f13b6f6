//! Checks on the effective sshd configuration.

use super::{
    ConnectionContext, Effective, LoadLimits, Source, SshdConfig, DEFAULT_CONFIG, OVERSIZED,
};
use ferret_core::escape::escape_path;
use ferret_core::{Control, ErrorRecord, Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

fn evidence(cfg: &SshdConfig, eff: &Effective, kw: &str) -> (Evidence, &'static str) {
    match eff.source(kw) {
        Some(s) => (
            Evidence::line(s.file.as_os_str().as_bytes(), s.line).with_excerpt(format!(
                "{} {}",
                kw,
                eff.get(kw).unwrap_or_default()
            )),
            "",
        ),
        None => (
            Evidence::file(cfg.path().as_os_str().as_bytes()),
            " (OpenSSH default: the keyword is not set)",
        ),
    }
}

struct Ctx<'a> {
    cfg: &'a SshdConfig,
    out: &'a mut Outcome,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        eff: &Effective,
        kw: &str,
        id: &str,
        sev: Severity,
        title: &str,
        why: &str,
        fix: &str,
        attack: &[&str],
    ) {
        let (ev, note) = evidence(self.cfg, eff, kw);
        let mut f = Finding::new(
            format!("sshd.{id}"),
            sev,
            title,
            format!("{} {}", kw, eff.get(kw).unwrap_or_else(|| "none".into())),
        )
        .with_evidence(ev)
        .with_detail(format!("{why}{note}"))
        .with_remediation(fix)
        .with_reference(format!("sshd_config(5) {kw}"))
        .with_reference("CIS Linux Benchmark, section 5 \"Configure SSH Server\"");
        for a in attack {
            f = f.with_attack(*a);
        }
        self.out.findings.push(f);
    }
}

/// Weak algorithms OpenSSH 9.2 no longer knows (matched by prefix on the configured line).
const LEGACY_WEAK: &[&str] = &[
    "arcfour",
    "blowfish-cbc",
    "cast128-cbc",
    "rijndael-cbc",
    "hmac-ripemd160",
    "hmac-md5",
    "des-cbc",
];

const WEAK_CIPHERS: &[&str] = &[
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "arcfour",
];
const WEAK_MACS: &[&str] = &[
    "hmac-md5",
    "hmac-md5-96",
    "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com",
    "hmac-sha1-96",
    "hmac-sha1-96-etm@openssh.com",
];
const WEAK_KEX: &[&str] = &[
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
];

fn weak_in(list: &str, weak: &[&str]) -> Vec<String> {
    list.split(',')
        .filter(|a| {
            weak.iter()
                .any(|w| a.starts_with(w) && (a.len() == w.len() || *w == "arcfour"))
        })
        .map(str::to_string)
        .collect()
}

/// Whether `dir` (inside the root) is a place where other users can plant files.
fn writable_dir(root: &HostRoot, dir: &std::path::Path) -> Option<String> {
    for d in dir.ancestors() {
        let b = d.as_os_str().as_bytes();
        if [&b"/tmp"[..], b"/var/tmp", b"/dev/shm"].contains(&b) {
            return Some(format!("{} is a temporary directory", escape_path(d)));
        }
        if let Ok(st) = root.lstat(d) {
            if st.is_world_writable() && !st.is_sticky() {
                return Some(format!(
                    "{} is world-writable without the sticky bit",
                    escape_path(d)
                ));
            }
            if st.mode & 0o020 != 0 && st.gid != 0 {
                return Some(format!(
                    "{} is group-writable by gid {}",
                    escape_path(d),
                    st.gid
                ));
            }
        }
    }
    None
}

/// Options of the sshd checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SshdOptions {
    /// The main configuration file, inside the root (default [`DEFAULT_CONFIG`]).
    pub config: PathBuf,
    /// Limits on loading it with its includes ([`LoadLimits`]).
    pub limits: LoadLimits,
}

impl Default for SshdOptions {
    fn default() -> Self {
        SshdOptions {
            config: PathBuf::from(DEFAULT_CONFIG),
            limits: LoadLimits::default(),
        }
    }
}

/// The findings about the load itself: an include loop or a load limit met
/// (`sshd.include-amplification`), and files padded past [`OVERSIZED`] bytes
/// (`sshd.oversized-config`).
fn load_findings(cfg: &SshdConfig, out: &mut Outcome) {
    let st = &cfg.stats;
    let main = cfg.path().as_os_str().as_bytes();
    if st.amplified() {
        let mut what = Vec::new();
        if st.recursive_includes > 0 {
            what.push(format!(
                "{} Include{} loop back to a file already being included",
                st.recursive_includes,
                if st.recursive_includes == 1 { "" } else { "s" }
            ));
        }
        if let Some(l) = st.limit {
            what.push(format!("the expansion met the {} load limit", l.as_str()));
        }
        let mut f = Finding::new(
            "sshd.include-amplification",
            Severity::Medium,
            "the sshd configuration's includes loop or explode",
            main,
        )
        .with_detail(format!(
            "{}: {} Include lines, {} files read ({} bytes), {} includes followed, {} directives expanded. A legitimate configuration never does this; sshd itself refuses a loop (too many recursive configuration includes), and a configuration built to multiply the work of whoever reads it is aimed at audit tools. Only what came before the limit was checked.",
            what.join("; "),
            st.include_lines,
            st.files,
            st.bytes,
            st.includes,
            st.directives
        ))
        .with_remediation("Preserve the files, find who wrote the Include lines, and restore the configuration from the package (`/usr/share/openssh/sshd_config`) or a backup.")
        .with_attack("T1562.001")
        .with_attack("T1027")
        .with_reference("sshd_config(5) Include");
        for (file, line) in &st.evidence {
            f = f.with_evidence(Evidence::line(file.as_os_str().as_bytes(), *line));
        }
        if st.evidence.is_empty() {
            f = f.with_evidence(Evidence::file(main));
        }
        out.findings.push(f);
    }
    for o in &st.oversized {
        let cut = if o.read < o.size {
            format!(
                "; only the first {} bytes were read (the load's byte budget), so directives after them were not checked",
                o.read
            )
        } else {
            String::new()
        };
        out.findings.push(
            Finding::new(
                "sshd.oversized-config",
                Severity::Medium,
                "an sshd configuration file is padded far past any real configuration",
                o.path.as_os_str().as_bytes(),
            )
            .with_evidence(Evidence::file(o.path.as_os_str().as_bytes()))
            .with_detail(format!(
                "{} bytes (real sshd configurations are a few kilobytes; over {} bytes is padding that hides directives from people and from tools that cap what they read){cut}.",
                o.size, OVERSIZED
            ))
            .with_remediation("Preserve the file and compare it with the packaged configuration; look for directives hidden after the padding.")
            .with_attack("T1027.001"),
        );
    }
}

/// Runs the sshd checks on the configuration [`SshdOptions::config`] of `root`, resolved for
/// any connection and for user root (a missing file is no error: sshd is not installed).
/// Cancelling `control` stops it before each resolution, with a "cancelled" error.
pub fn audit_root(root: &HostRoot, opts: &SshdOptions, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let cfg = match SshdConfig::load_limited(root, &opts.config, &opts.limits, control) {
        Ok(c) => c,
        Err(crate::Error::Core(e)) if e.is_not_found() => return out,
        Err(crate::Error::Core(e)) => {
            out.errors.push(crate::util::skipped(&e));
            return out;
        }
        Err(e) => {
            out.errors.push(ErrorRecord::from(&e));
            return out;
        }
    };
    out.errors.extend(cfg.errors.iter().cloned());
    load_findings(&cfg, &mut out);
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let any = cfg.effective(&ConnectionContext::new());
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let root_eff = cfg.effective(&ConnectionContext::new().user("root"));
    out.errors.extend(any.issues.iter().cloned());
    let mut c = Ctx {
        cfg: &cfg,
        out: &mut out,
    };
    let is = |e: &Effective, k: &str, v: &str| e.get(k).is_some_and(|x| x.eq_ignore_ascii_case(v));

    match root_eff.get("permitrootlogin").as_deref() {
        Some("yes") => c.emit(&root_eff, "permitrootlogin", "permit-root-login", Severity::High,
            "root may log in over SSH with a password",
            "PermitRootLogin yes lets anyone who guesses or steals root's password log in as root directly; brute-force campaigns target root first and the login leaves no per-person trail.",
            "Set `PermitRootLogin no` (or `prohibit-password` if key-based root access is required) and reload sshd; log in as a named user and escalate with sudo.",
            &["T1021.004", "T1110"]),
        Some("forced-commands-only") => c.emit(&root_eff, "permitrootlogin", "permit-root-login", Severity::Info,
            "root may log in over SSH with keys that carry a forced command",
            "forced-commands-only allows root logins only for keys with command= options; review those keys.",
            "Review root's authorized_keys; set `PermitRootLogin no` if not needed.",
            &["T1021.004"]),
        _ => {}
    }
    if is(&any, "passwordauthentication", "yes") {
        c.emit(&any, "passwordauthentication", "password-authentication", Severity::Medium,
            "password authentication is enabled",
            "Passwords can be guessed, sprayed and phished; with keys only, brute force against sshd is pointless.",
            "Set `PasswordAuthentication no` once every user has a key, then reload sshd.",
            &["T1110", "T1021.004"]);
    }
    if is(&any, "permitemptypasswords", "yes") {
        c.emit(&any, "permitemptypasswords", "permit-empty-passwords", Severity::High,
            "accounts with empty passwords may log in over SSH",
            "PermitEmptyPasswords yes lets any account whose password field is empty log in without a secret.",
            "Set `PermitEmptyPasswords no`.",
            &["T1078", "T1021.004"]);
    }
    if is(&any, "kbdinteractiveauthentication", "yes") {
        let pam = is(&any, "usepam", "yes");
        c.emit(&any, "kbdinteractiveauthentication", "kbd-interactive", if pam { Severity::Medium } else { Severity::Low },
            "keyboard-interactive authentication is enabled",
            if pam { "With UsePAM yes, keyboard-interactive asks PAM for the password: password logins stay possible even with PasswordAuthentication no." }
            else { "Keyboard-interactive is another interactive (guessable) login path." },
            "Set `KbdInteractiveAuthentication no` unless a second factor (OTP) needs it.",
            &["T1110"]);
    }
    if let Some(n) = any.get("maxauthtries").and_then(|v| v.parse::<u32>().ok()) {
        if n > 4 {
            c.emit(&any, "maxauthtries", "max-auth-tries", Severity::Low,
                "many authentication attempts are allowed per connection",
                &format!("MaxAuthTries {n} lets a client try {n} passwords or keys per connection (CIS recommends 4 or fewer), which speeds up guessing."),
                "Set `MaxAuthTries 4` (or lower).", &["T1110"]);
        }
    }
    if is(&any, "x11forwarding", "yes") {
        c.emit(&any, "x11forwarding", "x11-forwarding", Severity::Low,
            "X11 forwarding is enabled",
            "X11 forwarding exposes the client's display to the server side; a compromised server can read keystrokes and screens of users who connect with -X.",
            "Set `X11Forwarding no` unless X applications are needed.", &["T1021.004"]);
    }
    let fwd_disabled = is(&any, "disableforwarding", "yes");
    if !fwd_disabled && !is(&any, "allowtcpforwarding", "no") {
        c.emit(&any, "allowtcpforwarding", "tcp-forwarding", Severity::Low,
            "TCP forwarding is allowed",
            "Any user with a shell can tunnel traffic through this host (pivoting, exposing internal services, bypassing egress filters).",
            "Set `AllowTcpForwarding no` (or `DisableForwarding yes`) unless tunnels are required; allow it per user in a Match block.",
            &["T1572"]);
    }
    if !fwd_disabled && is(&any, "allowagentforwarding", "yes") {
        c.emit(&any, "allowagentforwarding", "agent-forwarding", Severity::Low,
            "agent forwarding is allowed",
            "A root user (or attacker) on this host can use forwarded agents of connecting users to log in elsewhere as them.",
            "Set `AllowAgentForwarding no`; use ProxyJump instead of agent forwarding.",
            &["T1563.001"]);
    }
    if !is(&any, "permituserenvironment", "no") {
        c.emit(&any, "permituserenvironment", "permit-user-environment", Severity::Medium,
            "users may set environment variables for sshd sessions",
            "PermitUserEnvironment lets ~/.ssh/environment and environment= key options set variables such as LD_PRELOAD before the shell starts, bypassing ForceCommand and shell restrictions.",
            "Set `PermitUserEnvironment no`.", &["T1574.006"]);
    }
    for (kw, weak, what) in [
        ("ciphers", WEAK_CIPHERS, "ciphers"),
        ("macs", WEAK_MACS, "MACs"),
        ("kexalgorithms", WEAK_KEX, "key exchange algorithms"),
    ] {
        let list = any.get(kw).unwrap_or_default();
        let mut bad = weak_in(&list, weak);
        // Algorithms this OpenSSH build no longer supports (arcfour, blowfish, ripemd) drop out
        // of the effective list; an image of an older system still names them: read the line.
        if let Some(src) = any.source(kw) {
            if let Some((_, d)) = cfg
                .directives()
                .into_iter()
                .find(|(s, _)| s.file == src.file && s.line == src.line)
            {
                let raw = String::from_utf8_lossy(d.args.first().map_or(&[][..], Vec::as_slice))
                    .into_owned();
                if !raw.starts_with('-') {
                    for a in raw.trim_start_matches(['+', '^']).split(',') {
                        if LEGACY_WEAK.iter().any(|w| a.starts_with(w))
                            && !bad.iter().any(|b| b == a)
                        {
                            bad.push(ferret_core::escape::escape(a.as_bytes()));
                        }
                    }
                }
            }
        }
        if !bad.is_empty() {
            c.emit(&any, kw, &format!("weak-{}", if kw == "kexalgorithms" { "kex" } else { kw }), Severity::Medium,
                &format!("weak {what} are enabled"),
                &format!("Enabled: {}. CBC modes, MD5/SHA-1 and 1024-bit or SHA-1 Diffie-Hellman are broken or deprecated and allow downgrade or plaintext-recovery attacks.", bad.join(", ")),
                &format!("Remove them, e.g. `{} -{}`.", match kw { "ciphers" => "Ciphers", "macs" => "MACs", _ => "KexAlgorithms" }, bad.join(",")),
                &["T1557"]);
        }
    }
    if let Some(l) = any.get("loglevel") {
        if matches!(l.as_str(), "QUIET" | "FATAL" | "ERROR") {
            c.emit(
                &any,
                "loglevel",
                "log-level",
                Severity::Medium,
                "sshd logs too little",
                &format!("LogLevel {l} drops the login success/failure lines responders rely on."),
                "Set `LogLevel VERBOSE` (logs key fingerprints) or `INFO`.",
                &["T1562.006"],
            );
        }
    }
    // Ports: every `Port`, and a port given inside a `ListenAddress` (which overrides `Port`
    // for that address). The guide's backdoor sshd listens on 2222 beside 22.
    let listen = any.values("listenaddress");
    let mut ports: Vec<String> = any
        .values("port")
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    for la in &listen {
        if let Some(p) = listen_port(la) {
            ports.push(p);
        }
    }
    ports.sort();
    ports.dedup();
    let extra: Vec<&str> = ports
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "22")
        .collect();
    if !extra.is_empty() {
        let kw = if any.is_set("port") && !any.values("port").iter().all(|p| p == b"22") {
            "port"
        } else {
            "listenaddress"
        };
        c.emit(&any, kw, "extra-port", Severity::Medium,
            "sshd listens on a non-standard port",
            &format!("Ports {}: a second or moved sshd port (2222 and the like) is a common backdoor beside the monitored port 22, and it escapes rules written for 22.", ports.join(", ")),
            "Confirm the port is intended and documented; otherwise remove it and look for who added it.",
            &["T1571", "T1021.004"]);
    }
    if any.is_set("listenaddress") {
        c.emit(
            &any,
            "listenaddress",
            "listen-address",
            Severity::Info,
            "ListenAddress changes where sshd listens",
            &format!(
                "ListenAddress {}",
                listen
                    .iter()
                    .map(|l| String::from_utf8_lossy(l).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "Check that the addresses (and ports) are the intended ones.",
            &["T1021.004"],
        );
    }
    if any.get("clientaliveinterval").as_deref() == Some("0") {
        c.emit(&any, "clientaliveinterval", "client-alive", Severity::Low,
            "idle SSH sessions are never timed out",
            "ClientAliveInterval 0 keeps abandoned sessions (and hijackable terminals) open forever.",
            "Set `ClientAliveInterval 300` and `ClientAliveCountMax 3` (or lower).", &[]);
    } else if let Some(n) = any
        .get("clientalivecountmax")
        .and_then(|v| v.parse::<u32>().ok())
    {
        if n == 0 || n > 3 {
            c.emit(
                &any,
                "clientalivecountmax",
                "client-alive",
                Severity::Low,
                "idle SSH sessions stay open long",
                &format!(
                    "ClientAliveCountMax {n}: unresponsive sessions are {} closed.",
                    if n == 0 { "never" } else { "late" }
                ),
                "Set `ClientAliveCountMax 3` or lower (but not 0).",
                &[],
            );
        }
    }
    if any.values("allowusers").is_empty() && any.values("allowgroups").is_empty() {
        c.emit(&any, "allowusers", "no-access-list", Severity::Low,
            "no AllowUsers/AllowGroups restricts who may log in",
            "Every account with a valid shell and credential can log in over SSH, including service accounts given a password by an attacker.",
            "List the people who need SSH: `AllowGroups ssh-users` (and add them to that group).", &["T1078"]);
    }
    if is(&any, "usepam", "no") {
        c.emit(&any, "usepam", "use-pam", Severity::Low,
            "sshd does not use PAM",
            "Without PAM, account restrictions (pam_access, pam_faillock, expiry enforcement by PAM modules) are not applied to SSH logins.",
            "Set `UsePAM yes` (Debian's default configuration does).", &[]);
    }
    if is(&any, "strictmodes", "no") {
        c.emit(&any, "strictmodes", "strict-modes", Severity::Medium,
            "sshd does not check permissions of users' key files",
            "StrictModes no accepts authorized_keys files and home directories writable by others, so another local user can add a key.",
            "Set `StrictModes yes`.", &["T1098.004"]);
    }
    for v in any.values("authorizedkeysfile") {
        if v.first() != Some(&b'/') {
            continue;
        }
        let cut = v.iter().position(|&c| c == b'%').unwrap_or(v.len());
        let prefix = v.get(..cut).unwrap_or_default();
        let dir = match prefix.iter().rposition(|&c| c == b'/') {
            Some(p) => prefix.get(..p.max(1)).unwrap_or(b"/"),
            None => b"/",
        };
        let dir = std::path::Path::new(std::ffi::OsStr::from_bytes(dir));
        if let Some(why) = writable_dir(root, dir) {
            let (ev, _) = evidence(&cfg, &any, "authorizedkeysfile");
            c.out.findings.push(
                Finding::new("sshd.authorized-keys-file-writable", Severity::High,
                    "AuthorizedKeysFile points into a directory others can write", &v)
                    .with_evidence(ev)
                    .with_detail(format!("{why}: any local user can plant keys that sshd accepts for login."))
                    .with_remediation("Point AuthorizedKeysFile at .ssh/authorized_keys (per-user, checked by StrictModes) or a root-owned directory such as /etc/ssh/authorized_keys/%u.")
                    .with_attack("T1098.004")
                    .with_reference("sshd_config(5) AuthorizedKeysFile"),
            );
        }
    }
    // AuthorizedKeysCommand / AuthorizedPrincipalsCommand: sshd runs the program at every
    // login attempt and logs in whoever it prints a key for. Cloud images use packaged helpers
    // (sss_ssh_authorizedkeys, eic_run_authorized_keys, google_authorized_keys); one in a
    // temporary or hidden place, or one others can write, is a backdoor.
    for kw in ["authorizedkeyscommand", "authorizedprincipalscommand"] {
        for v in any.values(kw) {
            let prog = v
                .split(u8::is_ascii_whitespace)
                .find(|w| !w.is_empty())
                .unwrap_or_default();
            if prog.is_empty() || prog.eq_ignore_ascii_case(b"none") {
                continue;
            }
            let path = std::path::Path::new(std::ffi::OsStr::from_bytes(prog));
            let hidden = path.components().any(|c| {
                let n = c.as_os_str().as_bytes();
                n.first() == Some(&b'.') && n != b"." && n != b".."
            });
            let why = if prog.first() != Some(&b'/') {
                Some("it is not an absolute path".to_owned())
            } else if hidden {
                Some("its path has a hidden component".to_owned())
            } else if let Some(w) = path.parent().and_then(|d| writable_dir(root, d)) {
                Some(w)
            } else {
                match root.lstat(path) {
                    Err(e) if e.is_not_found() => Some("the program does not exist".to_owned()),
                    Ok(st) if st.mode & 0o022 != 0 => Some(format!(
                        "the program is writable by others (mode {:o})",
                        st.mode & 0o7777
                    )),
                    _ => None,
                }
            };
            let Some(why) = why else { continue };
            let (ev, _) = evidence(&cfg, &any, kw);
            c.out.findings.push(
                Finding::new("sshd.authorized-keys-command", Severity::High,
                    "sshd asks a suspicious program which keys may log in", &v)
                    .with_evidence(ev)
                    .with_detail(format!("{why}: sshd runs it at every login attempt and accepts any key it prints, so whoever controls it controls SSH access."))
                    .with_remediation("Preserve the program, remove the directive unless a packaged identity helper is meant, and review who logged in by key.")
                    .with_attack("T1098.004")
                    .with_attack("T1556")
                    .with_reference("sshd_config(5) AuthorizedKeysCommand"),
            );
        }
    }
    // Match blocks that loosen what the global section sets.
    let risky: &[(&str, &str, Severity)] = &[
        ("permitrootlogin", "yes", Severity::High),
        ("passwordauthentication", "yes", Severity::Medium),
        ("permitemptypasswords", "yes", Severity::High),
        ("allowtcpforwarding", "yes", Severity::Low),
        ("x11forwarding", "yes", Severity::Low),
    ];
    let mut current_match: Vec<u8> = Vec::new();
    for (src, d) in cfg.directives() {
        if d.keyword.eq_ignore_ascii_case(b"match") {
            current_match.clone_from(&d.rest);
            continue;
        }
        if !src.in_match {
            continue;
        }
        let kw = d.keyword.to_ascii_lowercase();
        for (k, v, sev) in risky {
            if kw == k.as_bytes()
                && d.args
                    .first()
                    .is_some_and(|a| a.eq_ignore_ascii_case(v.as_bytes()))
                && !is(&any, k, v)
            {
                push_match(c.out, &src, k, v, *sev, &current_match);
            }
        }
    }
    out
}

fn push_match(out: &mut Outcome, src: &Source, k: &str, v: &str, sev: Severity, m: &[u8]) {
    out.findings.push(
        Finding::new(
            "sshd.match-weakens",
            sev,
            format!("a Match block sets {k} {v}"),
            format!("Match {} → {k} {v}", ferret_core::escape::escape(m)),
        )
        .with_evidence(
            Evidence::line(src.file.as_os_str().as_bytes(), src.line)
                .with_excerpt(format!("{k} {v}")),
        )
        .with_detail(format!(
            "The global section is stricter, but connections matching `Match {}` get {k} {v}; grep-based checks that read only the global section miss this.",
            ferret_core::escape::escape(m)
        ))
        .with_remediation("Confirm the exception is intended and as narrow as possible (Match Address with a CIDR, not Match User alone).")
        .with_attack("T1021.004")
        .with_reference(format!("sshd_config(5) Match, {k}")),
    );
}

/// The port of a `ListenAddress` value (`0.0.0.0:2222`, `[::]:2222`), when it has one.
fn listen_port(v: &[u8]) -> Option<String> {
    let first = v.split(u8::is_ascii_whitespace).next()?;
    let port = if first.starts_with(b"[") {
        let end = first.iter().position(|&c| c == b']')?;
        first.get(end + 1..)?.strip_prefix(b":")?
    } else if first.split(|&c| c == b':').count() == 2 {
        let i = first.iter().position(|&c| c == b':')?;
        first.get(i + 1..)?
    } else {
        return None;
    };
    (!port.is_empty() && port.iter().all(u8::is_ascii_digit))
        .then(|| String::from_utf8_lossy(port).into_owned())
}

#[cfg(test)]
mod listen_tests {
    #[test]
    fn listen_ports() {
        use super::listen_port;
        assert_eq!(listen_port(b"0.0.0.0:2222").as_deref(), Some("2222"));
        assert_eq!(listen_port(b"[::]:2222").as_deref(), Some("2222"));
        assert_eq!(listen_port(b"::"), None);
        assert_eq!(listen_port(b"10.0.0.1"), None);
        assert_eq!(listen_port(b"10.0.0.1:22 rdomain x").as_deref(), Some("22"));
    }
}
