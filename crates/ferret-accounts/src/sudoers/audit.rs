//! Findings about a sudoers policy (ids in the [module docs](super)).

use super::ast::{AliasKind, Binding, DefaultOp, DiagnosticKind, Loc, Member, Name, Sudoers, Tag};
use super::effective::{allows_all, display, expand, runs_as_root};
use super::escapes::escape_of;
use super::{load_root, SudoersOptions};
use crate::snapshot::{Accounts, Snapshot};
use ferret_core::{ErrorRecord, Evidence, Finding, HostRoot, Outcome, Severity};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::ffi::OsStrExt;

const ATTACK: &str = "T1548.003";

/// The sudoers policy of a root and its findings, side by side.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SudoersReport {
    /// The parsed policy.
    pub policy: Sudoers,
    /// Findings and read errors.
    pub outcome: Outcome,
}

/// Reads the root's sudoers policy and account files (with their `-` backups) and audits them.
pub fn audit_root(
    root: &HostRoot,
    opts: &SudoersOptions,
    control: &ferret_core::Control,
) -> SudoersReport {
    let policy = load_root(root, opts, control);
    let snap = Snapshot::load(root);
    let backup = Snapshot::load_backup(root);
    let has_backup = backup.passwd.data.is_some() || backup.group.data.is_some();
    let outcome = {
        let acc = snap.view();
        let b = backup.view();
        audit(&policy, &acc, has_backup.then_some(&b))
    };
    SudoersReport { policy, outcome }
}

fn ev(s: &Sudoers, loc: Loc) -> Evidence {
    Evidence::line(s.path(loc).as_os_str().as_bytes(), loc.line)
}

/// Collects findings of one id, grouped by subject: one finding per subject with every rule as
/// evidence, at the highest severity seen.
/// Severity, title, evidence in first-seen order, the same evidence as a set (so a rule seen
/// 100,000 times is one lookup each, not a scan of the list), details.
type Group = (
    Severity,
    String,
    Vec<Evidence>,
    BTreeSet<Evidence>,
    BTreeSet<String>,
);

#[derive(Default)]
struct Grouped {
    map: BTreeMap<(String, String), Group>,
}

impl Grouped {
    fn add(
        &mut self,
        id: &str,
        subject: &str,
        sev: Severity,
        title: &str,
        e: Evidence,
        detail: String,
    ) {
        let ent = self
            .map
            .entry((id.to_owned(), subject.to_owned()))
            .or_insert_with(|| {
                (
                    sev,
                    title.to_owned(),
                    Vec::new(),
                    BTreeSet::new(),
                    BTreeSet::new(),
                )
            });
        if sev > ent.0 {
            ent.0 = sev;
            title.clone_into(&mut ent.1);
        }
        if !ent.3.contains(&e) {
            ent.3.insert(e.clone());
            ent.2.push(e);
        }
        if !detail.is_empty() {
            ent.4.insert(detail);
        }
    }

    fn finish(self, out: &mut Vec<Finding>) {
        for ((id, subject), (sev, title, evidence, _, details)) in self.map {
            let mut f = Finding::new(id, sev, title, subject.as_bytes()).with_attack(ATTACK);
            for e in evidence {
                f = f.with_evidence(e);
            }
            if !details.is_empty() {
                f = f.with_detail(details.into_iter().collect::<Vec<_>>().join("; "));
            }
            out.push(f);
        }
    }
}

fn names<'a>(acc: &'a Accounts<'a>) -> (BTreeSet<&'a [u8]>, BTreeSet<&'a [u8]>) {
    let users = acc
        .passwd
        .iter()
        .flat_map(crate::Document::entries)
        .map(|(_, e)| e.name)
        .collect();
    let groups = acc
        .group
        .iter()
        .flat_map(crate::Document::entries)
        .map(|(_, e)| e.name)
        .collect();
    (users, groups)
}

/// Principals a user list names (aliases expanded), as (display, is_group, raw name), for
/// non-negated plain names only.
fn principals(s: &Sudoers, list: &[Member]) -> Vec<(String, bool, Vec<u8>)> {
    expand(s, list, AliasKind::User)
        .into_iter()
        .filter(|m| !m.negated)
        .filter_map(|m| match &m.name {
            Name::Word(w) if !w.starts_with(b"#") => Some((display(&m), false, w.clone())),
            Name::Group(g) if !g.starts_with(b"#") && !g.starts_with(b":") => {
                Some((display(&m), true, g.clone()))
            }
            _ => None,
        })
        .collect()
}

fn stock_admin(p: &str) -> bool {
    matches!(p, "root" | "%sudo" | "%wheel" | "%admin")
}

const DANGEROUS_ENV: &[&str] = &[
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "PERL5LIB",
    "PERL5OPT",
    "RUBYLIB",
    "BASH_ENV",
    "ENV",
    "NODE_OPTIONS",
];

const STANDARD_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
    "/snap/bin",
];

/// Audits a parsed policy against the account files (`backup`: the `-` backups, to tell which
/// users and groups are new).
pub fn audit(s: &Sudoers, acc: &Accounts<'_>, backup: Option<&Accounts<'_>>) -> Outcome {
    let mut out = Outcome::new();
    let mut g = Grouped::default();
    let (users, groups) = names(acc);
    let old = backup.map(names);

    // rules
    for us in &s.user_specs {
        let who = principals(s, &us.users);
        let everyone = expand(s, &us.users, AliasKind::User)
            .iter()
            .any(|m| m.name == Name::All && !m.negated);
        let mut subjects: Vec<String> = who.iter().map(|w| w.0.clone()).collect();
        if everyone {
            subjects.push("ALL".into());
        }
        // unknown or new principals
        for (disp, is_group, raw) in &who {
            let known = if *is_group { &groups } else { &users };
            let has_file = if *is_group {
                acc.group.is_some()
            } else {
                acc.passwd.is_some()
            };
            if has_file && !known.contains(raw.as_slice()) {
                g.add(
                    "accounts.sudoers-unknown-principal",
                    disp,
                    Severity::Medium,
                    if *is_group {
                        "sudoers rule for a group that does not exist"
                    } else {
                        "sudoers rule for a user that does not exist"
                    },
                    ev(s, us.loc),
                    "whoever creates it gets the rule".into(),
                );
            } else if let Some((ou, og)) = &old {
                let was = if *is_group { og } else { ou };
                let backup_has_file = if *is_group {
                    backup.is_some_and(|b| b.group.is_some())
                } else {
                    backup.is_some_and(|b| b.passwd.is_some())
                };
                if backup_has_file
                    && known.contains(raw.as_slice())
                    && !was.contains(raw.as_slice())
                {
                    g.add(
                        "accounts.sudoers-new-principal",
                        disp,
                        Severity::High,
                        if *is_group {
                            "sudoers rule for a group added since the last backup"
                        } else {
                            "sudoers rule for a user added since the last backup"
                        },
                        ev(s, us.loc),
                        format!(
                            "not in {}",
                            if *is_group {
                                "/etc/group-"
                            } else {
                                "/etc/passwd-"
                            }
                        ),
                    );
                }
            }
        }
        for p in &us.privileges {
            for cs in &p.commands {
                let nopasswd = cs.tags.nopasswd == Tag::On;
                let root = runs_as_root(s, cs);
                if allows_all(s, cs) {
                    if !root {
                        continue;
                    }
                    for subj in &subjects {
                        if subj == "root" {
                            continue;
                        }
                        let (sev, title) = match (nopasswd, subj.as_str()) {
                            (true, "ALL") => (
                                Severity::Critical,
                                "every user may run any command as root without a password",
                            ),
                            (true, _) => (
                                Severity::High,
                                "may run any command as root without a password",
                            ),
                            (false, "ALL") => {
                                (Severity::High, "every user may run any command as root")
                            }
                            (false, p) if stock_admin(p) => (
                                Severity::Info,
                                "may run any command as root (stock administrators' rule)",
                            ),
                            (false, _) => (Severity::Medium, "may run any command as root"),
                        };
                        g.add(
                            "accounts.sudoers-root-all",
                            subj,
                            sev,
                            title,
                            ev(s, cs.loc),
                            String::new(),
                        );
                    }
                    continue;
                }
                for m in expand(s, std::slice::from_ref(&cs.command), AliasKind::Cmnd) {
                    let Name::Command(c) = &m.name else { continue };
                    if m.negated || c.path.is_none() {
                        continue;
                    }
                    let text = c.text();
                    let fixed = c.args.as_ref().is_some_and(|a| {
                        !a.iter().any(|b| matches!(b, b'*' | b'?' | b'[')) && !a.starts_with(b"^")
                    });
                    let why = escape_of(c.base_name())
                        .filter(|e| !fixed || e.escapes_with_fixed_args())
                        .map(|e| e.as_str().to_owned())
                        .or_else(|| {
                            let k = ferret_core::command::classify(&text);
                            k.contains(ferret_core::command::CommandKind::PrivilegeGrant)
                                .then(|| "a command that grants privileges".to_owned())
                        });
                    let Some(why) = why else { continue };
                    let sev = match (root, nopasswd) {
                        (true, true) => Severity::Critical,
                        (true, false) => Severity::High,
                        (false, _) => Severity::Medium,
                    };
                    for subj in &subjects {
                        if subj == "root" {
                            continue;
                        }
                        g.add(
                            "accounts.sudoers-shell",
                            subj,
                            sev,
                            "sudo rule gives a shell (the program escapes to one)",
                            ev(s, cs.loc),
                            format!("{} is {why}", ferret_core::escape::escape(&text)),
                        );
                    }
                }
            }
        }
    }

    // Defaults
    let log_on: BTreeSet<&str> = s
        .defaults
        .iter()
        .flat_map(|d| &d.entries)
        .filter(|e| e.op == DefaultOp::Set)
        .map(|e| e.name.as_str())
        .collect();
    let tag_log = s
        .user_specs
        .iter()
        .flat_map(|u| &u.privileges)
        .flat_map(|p| &p.commands)
        .any(|c| c.tags.log_input == Tag::On || c.tags.log_output == Tag::On);
    for d in &s.defaults {
        let scope = match &d.binding {
            Binding::Global => "Defaults".to_owned(),
            b => {
                let sigil = match b {
                    Binding::User(_) => ':',
                    Binding::Host(_) => '@',
                    Binding::Runas(_) => '>',
                    _ => '!',
                };
                let m: Vec<String> = b.members().iter().map(display).collect();
                format!("Defaults{sigil}{}", m.join(","))
            }
        };
        for e in &d.entries {
            let neg = e.op == DefaultOp::Negate;
            let mut add = |id: &str, sev: Severity, title: &str, detail: String| {
                g.add(
                    id,
                    &format!("{scope} {}", e.name),
                    sev,
                    title,
                    ev(s, e.loc),
                    detail,
                );
            };
            match (e.name.as_str(), e.op) {
                ("authenticate", DefaultOp::Negate) => add(
                    "accounts.sudoers-no-authenticate",
                    Severity::Critical,
                    "sudo asks no password (Defaults !authenticate)",
                    String::new(),
                ),
                ("requiretty" | "use_pty" | "tty_tickets", DefaultOp::Negate) => add(
                    "accounts.sudoers-weakened",
                    Severity::Low,
                    "sudo safeguard turned off",
                    format!("!{}", e.name),
                ),
                ("visiblepw" | "setenv", DefaultOp::Set) if e.value.is_none() => add(
                    "accounts.sudoers-weakened",
                    Severity::Medium,
                    "sudo safeguard turned off",
                    e.name.clone(),
                ),
                ("env_reset", DefaultOp::Negate) => add(
                    "accounts.sudoers-weakened",
                    Severity::Medium,
                    "sudo keeps the caller's environment (!env_reset)",
                    String::new(),
                ),
                ("timestamp_type", DefaultOp::Set) if e.value.as_deref() == Some(b"global") => add(
                    "accounts.sudoers-weakened",
                    Severity::Low,
                    "one sudo timestamp for all terminals",
                    "timestamp_type=global".into(),
                ),
                ("timestamp_timeout", DefaultOp::Set)
                    if e.value.as_deref().is_some_and(|v| v.starts_with(b"-")) =>
                {
                    add(
                        "accounts.sudoers-weakened",
                        Severity::Medium,
                        "sudo credentials never expire (negative timestamp_timeout)",
                        String::new(),
                    );
                }
                ("syslog" | "logfile" | "log_allowed" | "log_denied", DefaultOp::Negate) => add(
                    "accounts.sudoers-logging-disabled",
                    Severity::High,
                    "sudo logging turned off",
                    format!("!{}", e.name),
                ),
                ("log_input" | "log_output", DefaultOp::Negate)
                    if log_on.contains(e.name.as_str()) || tag_log =>
                {
                    add(
                        "accounts.sudoers-logging-disabled",
                        Severity::High,
                        "sudo I/O logging turned off where it was on",
                        format!("!{}", e.name),
                    );
                }
                ("env_keep", DefaultOp::Set | DefaultOp::Add) => {
                    let v = e.value.as_deref().unwrap_or_default();
                    let bad: Vec<&str> = v
                        .split(u8::is_ascii_whitespace)
                        .filter_map(|w| std::str::from_utf8(w).ok())
                        .filter(|w| {
                            let name = w.split('=').next().unwrap_or(w);
                            DANGEROUS_ENV.contains(&name)
                                || (name.ends_with('*')
                                    && DANGEROUS_ENV
                                        .iter()
                                        .any(|d| d.starts_with(name.trim_end_matches('*'))))
                        })
                        .collect();
                    if !bad.is_empty() {
                        add(
                            "accounts.sudoers-env-keep",
                            Severity::Critical,
                            "sudo keeps a variable that loads code into root's programs",
                            bad.join(" "),
                        );
                    }
                }
                ("secure_path", _) => {
                    if neg {
                        add(
                            "accounts.sudoers-secure-path",
                            Severity::Medium,
                            "secure_path removed: commands are found through the caller's PATH",
                            String::new(),
                        );
                    } else if let Some(v) = &e.value {
                        let dirs: Vec<&[u8]> = v.split(|&b| b == b':').collect();
                        let odd: Vec<String> = dirs
                            .iter()
                            .filter(|d| !STANDARD_PATH.iter().any(|s| s.as_bytes() == **d))
                            .map(|d| ferret_core::escape::escape(d))
                            .collect();
                        if !odd.is_empty() {
                            let risky = dirs.iter().any(|d| {
                                !d.starts_with(b"/")
                                    || [
                                        &b"/tmp"[..],
                                        b"/var/tmp",
                                        b"/dev/shm",
                                        b"/home",
                                        b"/run/user",
                                    ]
                                    .iter()
                                    .any(|p| d.starts_with(p))
                            });
                            add(
                                "accounts.sudoers-secure-path",
                                if risky {
                                    Severity::High
                                } else {
                                    Severity::Medium
                                },
                                "secure_path has a non-standard directory",
                                odd.join(":"),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }

    // permissions
    for m in &s.metadata {
        let st = m.stat;
        let path = m.path.as_os_str().as_bytes();
        let (sev, title) = if st.mode & 0o002 != 0 {
            (
                Severity::Critical,
                "sudoers file or include directory is world-writable",
            )
        } else if st.mode & 0o020 != 0 && st.gid != 0 {
            (
                Severity::High,
                "sudoers file or include directory is writable by a non-root group",
            )
        } else if st.uid != 0 {
            (
                Severity::High,
                "sudoers file or include directory is not owned by root",
            )
        } else {
            continue;
        };
        let mut detail = format!("mode {:04o} uid {} gid {}", st.mode, st.uid, st.gid);
        if m.ignored_by_sudo {
            detail.push_str("; sudo ignores this include directory");
        }
        g.add(
            "accounts.sudoers-permissions",
            &ferret_core::escape::escape(path),
            sev,
            title,
            Evidence::file(path),
            detail,
        );
    }

    // diagnostics
    for d in &s.diagnostics {
        let path = s.path(d.loc).as_os_str().as_bytes();
        match d.kind {
            DiagnosticKind::Syntax | DiagnosticKind::Check => {
                let (sev, title) = if d.kind == DiagnosticKind::Syntax {
                    (
                        Severity::High,
                        "sudo refuses this sudoers policy (parse error)",
                    )
                } else {
                    (Severity::Medium, "visudo -c fails on this sudoers policy")
                };
                let e = if d.loc.line > 0 {
                    Evidence::line(path, d.loc.line)
                } else {
                    Evidence::file(path)
                };
                g.add(
                    "accounts.sudoers-syntax",
                    &ferret_core::escape::escape(path),
                    sev,
                    title,
                    e,
                    d.message.clone(),
                );
            }
            _ => out.errors.push(ErrorRecord::new(
                Some(path),
                (d.loc.line > 0).then_some(d.loc.line),
                d.message.clone(),
            )),
        }
    }
    g.finish(&mut out.findings);
    out.sort();
    out
}
