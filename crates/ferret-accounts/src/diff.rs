//! Differences between two snapshots of the account files, ranked by risk.
//!
//! Users and groups are matched by name (the first entry of a name, as glibc uses it).
//! Password changes are reported as "changed" with the old and new classification (algorithm,
//! locked, empty), never with the hashes.

use crate::audit::is_interactive_shell;
use crate::group::{GroupEntry, GshadowEntry};
use crate::lines::{AccountFile, Document};
use crate::passwd::PasswdEntry;
use crate::password::PasswordStatus;
use crate::shadow::{Aging, ShadowEntry};
use crate::snapshot::Accounts;
use ferret_core::{escape::escape, Control, Evidence, Finding, Outcome, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// A user field that can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum UserField {
    /// User id.
    Uid,
    /// Primary group id.
    Gid,
    /// GECOS.
    Gecos,
    /// Home directory.
    Home,
    /// Login shell.
    Shell,
    /// Password (passwd or shadow field): values are classifications only.
    Password,
    /// Shadow aging fields.
    Aging,
}

/// A group field that can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum GroupField {
    /// Group id.
    Gid,
    /// Group password (group or gshadow field): classifications only.
    Password,
}

/// One difference between two snapshots. Text values are escaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "change", rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Change {
    /// A user appeared.
    UserAdded {
        /// User name.
        name: String,
    },
    /// A user disappeared.
    UserRemoved {
        /// User name.
        name: String,
    },
    /// A user's field changed.
    UserModified {
        /// User name.
        name: String,
        /// Which field.
        field: UserField,
        /// Old value (password: classification).
        old: String,
        /// New value.
        new: String,
    },
    /// A group appeared.
    GroupAdded {
        /// Group name.
        name: String,
    },
    /// A group disappeared.
    GroupRemoved {
        /// Group name.
        name: String,
    },
    /// A group's field changed.
    GroupModified {
        /// Group name.
        name: String,
        /// Which field.
        field: GroupField,
        /// Old value.
        old: String,
        /// New value.
        new: String,
    },
    /// A user became a member of a group (group or gshadow member list).
    MemberAdded {
        /// Group name.
        group: String,
        /// User name.
        user: String,
    },
    /// A user left a group.
    MemberRemoved {
        /// Group name.
        group: String,
        /// User name.
        user: String,
    },
    /// A user became a gshadow administrator of a group.
    AdminAdded {
        /// Group name.
        group: String,
        /// User name.
        user: String,
    },
    /// A user stopped being a gshadow administrator of a group.
    AdminRemoved {
        /// Group name.
        group: String,
        /// User name.
        user: String,
    },
}

fn first_by_name<'d, 'a: 'd, E>(
    doc: Option<&'d Document<'a, E>>,
    name: impl Fn(&E) -> &'a [u8],
) -> BTreeMap<&'a [u8], (u64, &'d E)> {
    let mut m = BTreeMap::new();
    for (line, e) in doc.into_iter().flat_map(Document::entries) {
        m.entry(name(e)).or_insert((line, e));
    }
    m
}

fn aging_text(a: &Aging) -> String {
    let f = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    format!(
        "lastchg={} min={} max={} warn={} inactive={} expire={}",
        f(a.lastchg),
        f(a.min),
        f(a.max),
        f(a.warn),
        f(a.inactive),
        f(a.expire)
    )
}

struct UserView<'a> {
    line: u64,
    pw: &'a PasswdEntry<'a>,
    shadow: Option<&'a ShadowEntry<'a>>,
}

impl UserView<'_> {
    /// The raw effective password and its classification.
    fn password(&self) -> (&[u8], PasswordStatus) {
        match (self.pw.password.status(), self.shadow) {
            (PasswordStatus::Shadowed, Some(s)) => (s.password.0, s.password.status()),
            (st, _) => (self.pw.password.0, st),
        }
    }
}

fn users<'a>(acc: &'a Accounts<'a>) -> BTreeMap<&'a [u8], UserView<'a>> {
    let shadows = first_by_name(acc.shadow.as_ref(), |e: &ShadowEntry<'a>| e.name);
    first_by_name(acc.passwd.as_ref(), |e: &PasswdEntry<'a>| e.name)
        .into_iter()
        .map(|(n, (line, pw))| {
            (
                n,
                UserView {
                    line,
                    pw,
                    shadow: shadows.get(n).map(|x| x.1),
                },
            )
        })
        .collect()
}

struct GroupView<'a> {
    line: u64,
    gr: &'a GroupEntry<'a>,
    gs: Option<&'a GshadowEntry<'a>>,
}

fn groups<'a>(acc: &'a Accounts<'a>) -> BTreeMap<&'a [u8], GroupView<'a>> {
    let gs = first_by_name(acc.gshadow.as_ref(), |e: &GshadowEntry<'a>| e.name);
    first_by_name(acc.group.as_ref(), |e: &GroupEntry<'a>| e.name)
        .into_iter()
        .map(|(n, (line, gr))| {
            (
                n,
                GroupView {
                    line,
                    gr,
                    gs: gs.get(n).map(|x| x.1),
                },
            )
        })
        .collect()
}

impl GroupView<'_> {
    fn members(&self) -> BTreeSet<&[u8]> {
        let mut s: BTreeSet<&[u8]> = self.gr.members.iter().copied().collect();
        if let Some(g) = self.gs {
            s.extend(g.members.iter().copied());
        }
        s
    }
    fn admins(&self) -> BTreeSet<&[u8]> {
        self.gs
            .map(|g| g.admins.iter().copied().collect())
            .unwrap_or_default()
    }
    fn password(&self) -> (&[u8], PasswordStatus) {
        match (self.gr.password.status(), self.gs) {
            (PasswordStatus::Shadowed, Some(s)) => (s.password.0, s.password.status()),
            (st, _) => (self.gr.password.0, st),
        }
    }
}

fn password_text(old: PasswordStatus, new: PasswordStatus) -> (String, String) {
    if old == new {
        (format!("{old}"), format!("{new} (changed)"))
    } else {
        (old.to_string(), new.to_string())
    }
}

/// Every change from `old` to `new`, sorted (users, then groups, by name).
///
/// ```
/// use ferret_accounts::{diff::{changes, Change}, Snapshot};
/// let a = Snapshot::from_bytes(Some(b"root:x:0:0::/root:/bin/sh\n"), None, None, None);
/// let b = Snapshot::from_bytes(Some(b"root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n"), None, None, None);
/// assert_eq!(changes(&a.view(), &b.view()), [Change::UserAdded { name: "toor".into() }]);
/// assert!(changes(&a.view(), &a.view()).is_empty());
/// ```
pub fn changes(old: &Accounts<'_>, new: &Accounts<'_>) -> Vec<Change> {
    changes_until(old, new, &Control::new()).0
}

/// Users between two looks at the cancellation flag.
const CHUNK: usize = 4096;

/// [`changes`], stopping when `control` is cancelled: (changes so far, whether complete).
fn changes_until(old: &Accounts<'_>, new: &Accounts<'_>, control: &Control) -> (Vec<Change>, bool) {
    let mut out = Vec::new();
    let (ou, nu) = (users(old), users(new));
    let total = (ou.len() + nu.len()) as u64;
    for (i, (name, o)) in ou.iter().enumerate() {
        if i % CHUNK == CHUNK - 1 {
            crate::progress(control, i as u64 + 1, total);
            if control.is_cancelled() {
                out.sort();
                return (out, false);
            }
        }
        let n_name = escape(name);
        let Some(n) = nu.get(name) else {
            out.push(Change::UserRemoved { name: n_name });
            continue;
        };
        let mut m = |field, old: String, new: String| {
            out.push(Change::UserModified {
                name: n_name.clone(),
                field,
                old,
                new,
            });
        };
        if o.pw.uid != n.pw.uid {
            m(UserField::Uid, o.pw.uid.to_string(), n.pw.uid.to_string());
        }
        if o.pw.gid != n.pw.gid {
            m(UserField::Gid, o.pw.gid.to_string(), n.pw.gid.to_string());
        }
        if o.pw.gecos != n.pw.gecos {
            m(UserField::Gecos, escape(o.pw.gecos), escape(n.pw.gecos));
        }
        if o.pw.home != n.pw.home {
            m(UserField::Home, escape(o.pw.home), escape(n.pw.home));
        }
        if o.pw.shell != n.pw.shell {
            m(UserField::Shell, escape(o.pw.shell), escape(n.pw.shell));
        }
        let (op, os) = o.password();
        let (np, ns) = n.password();
        if op != np {
            let (a, b) = password_text(os, ns);
            m(UserField::Password, a, b);
        }
        let oa = o.shadow.map(|s| s.aging);
        let na = n.shadow.map(|s| s.aging);
        if oa != na {
            let t =
                |a: Option<Aging>| a.map_or_else(|| "no shadow entry".into(), |a| aging_text(&a));
            m(UserField::Aging, t(oa), t(na));
        }
    }
    for name in nu.keys().filter(|k| !ou.contains_key(*k)) {
        out.push(Change::UserAdded { name: escape(name) });
    }
    if control.is_cancelled() {
        out.sort();
        return (out, false);
    }

    let (og, ng) = (groups(old), groups(new));
    for (name, o) in &og {
        let g = escape(name);
        let Some(n) = ng.get(name) else {
            out.push(Change::GroupRemoved { name: g });
            continue;
        };
        if o.gr.gid != n.gr.gid {
            out.push(Change::GroupModified {
                name: g.clone(),
                field: GroupField::Gid,
                old: o.gr.gid.to_string(),
                new: n.gr.gid.to_string(),
            });
        }
        let (op, os) = o.password();
        let (np, ns) = n.password();
        if op != np {
            let (a, b) = password_text(os, ns);
            out.push(Change::GroupModified {
                name: g.clone(),
                field: GroupField::Password,
                old: a,
                new: b,
            });
        }
        member_changes(&mut out, &g, &o.members(), &n.members(), false);
        member_changes(&mut out, &g, &o.admins(), &n.admins(), true);
    }
    for (name, n) in ng.iter().filter(|(k, _)| !og.contains_key(*k)) {
        let g = escape(name);
        out.push(Change::GroupAdded { name: g.clone() });
        member_changes(&mut out, &g, &BTreeSet::new(), &n.members(), false);
        member_changes(&mut out, &g, &BTreeSet::new(), &n.admins(), true);
    }
    out.sort();
    (out, true)
}

fn member_changes(
    out: &mut Vec<Change>,
    group: &str,
    old: &BTreeSet<&[u8]>,
    new: &BTreeSet<&[u8]>,
    admin: bool,
) {
    for u in new.difference(old) {
        let (group, user) = (group.to_owned(), escape(u));
        out.push(if admin {
            Change::AdminAdded { group, user }
        } else {
            Change::MemberAdded { group, user }
        });
    }
    for u in old.difference(new) {
        let (group, user) = (group.to_owned(), escape(u));
        out.push(if admin {
            Change::AdminRemoved { group, user }
        } else {
            Change::MemberRemoved { group, user }
        });
    }
}

/// `acc` with the files of `kinds` left out (as if missing on this side too).
fn without<'a>(acc: &Accounts<'a>, kinds: &[AccountFile]) -> Accounts<'a> {
    let mut a = acc.clone();
    for k in kinds {
        match k {
            AccountFile::Passwd => a.passwd = None,
            AccountFile::Shadow => a.shadow = None,
            AccountFile::Group => a.group = None,
            AccountFile::Gshadow => a.gshadow = None,
        }
    }
    a
}

/// The bytes a [`Change`]'s escaped name stands for: a finding escapes its subject itself, so
/// that it is escaped once (a name that is not an escape form is taken as written).
fn unescaped(escaped: &str) -> Vec<u8> {
    ferret_core::escape::unescape(escaped).unwrap_or_else(|_| escaped.as_bytes().to_vec())
}

fn group_risk(group: &str) -> Severity {
    match group {
        "root" | "sudo" | "wheel" | "admin" => Severity::Critical,
        g if ferret_core::groups::is_privileged_group(g.as_bytes()) => Severity::High,
        _ => Severity::Low,
    }
}

/// Ranks changes as findings (ids `accounts.diff.*`, see the crate docs). Evidence names both
/// files, the old one (the `-` backup for [`crate::diff_backup_root`]) first: the entry's line in
/// each, or the file alone where the entry is missing (an added or removed account).
pub fn findings(old: &Accounts<'_>, new: &Accounts<'_>, changes: &[Change]) -> Vec<Finding> {
    let nu = users(new);
    let ou = users(old);
    let ng = groups(new);
    let og = groups(old);
    let uline = |m: &BTreeMap<&[u8], UserView<'_>>, acc: &Accounts<'_>, name: &str| {
        let raw = ferret_core::escape::unescape(name).unwrap_or_default();
        m.get(raw.as_slice())
            .map(|u| Evidence::line(acc.path(AccountFile::Passwd), u.line))
    };
    let gline = |m: &BTreeMap<&[u8], GroupView<'_>>, acc: &Accounts<'_>, name: &str| {
        let raw = ferret_core::escape::unescape(name).unwrap_or_default();
        m.get(raw.as_slice())
            .map(|g| Evidence::line(acc.path(AccountFile::Group), g.line))
    };
    let mut v = Vec::with_capacity(changes.len());
    for c in changes {
        let f = match c {
            Change::UserAdded { name } => {
                let raw = ferret_core::escape::unescape(name).unwrap_or_default();
                let u = nu.get(raw.as_slice());
                let uid0 = u.is_some_and(|u| u.pw.uid == 0);
                let login = u.is_some_and(|u| {
                    is_interactive_shell(u.pw.shell) && u.password().1.is_usable()
                });
                let sev = if uid0 {
                    Severity::Critical
                } else if login {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let mut f = Finding::new(
                    "accounts.diff.user-added",
                    sev,
                    if uid0 {
                        "new account with UID 0"
                    } else {
                        "new account"
                    },
                    unescaped(name),
                )
                .with_attack("T1136.001");
                if let Some(u) = u {
                    f = f.with_detail(format!(
                        "uid {} gid {} home {} shell {} password {}",
                        u.pw.uid,
                        u.pw.gid,
                        escape(u.pw.home),
                        escape(u.pw.shell),
                        u.password().1
                    ));
                }
                if uid0 {
                    f = f.with_attack("T1078.003");
                }
                f
            }
            Change::UserRemoved { name } => Finding::new(
                "accounts.diff.user-removed",
                Severity::Medium,
                "account removed",
                unescaped(name),
            )
            .with_attack("T1531"),
            Change::UserModified {
                name,
                field,
                old: o,
                new: n,
            } => {
                let (id, sev, title) = match field {
                    UserField::Uid if n == "0" => (
                        "accounts.diff.uid-changed",
                        Severity::Critical,
                        "account became UID 0",
                    ),
                    UserField::Uid => {
                        ("accounts.diff.uid-changed", Severity::Medium, "UID changed")
                    }
                    UserField::Gid if n == "0" => (
                        "accounts.diff.gid-changed",
                        Severity::High,
                        "primary group became 0 (root)",
                    ),
                    UserField::Gid => (
                        "accounts.diff.gid-changed",
                        Severity::Low,
                        "primary group changed",
                    ),
                    UserField::Gecos => (
                        "accounts.diff.gecos-changed",
                        Severity::Info,
                        "GECOS changed",
                    ),
                    UserField::Home => (
                        "accounts.diff.home-changed",
                        Severity::Medium,
                        "home directory changed",
                    ),
                    UserField::Shell => {
                        let became = !is_interactive_shell(
                            &ferret_core::escape::unescape(o).unwrap_or_default(),
                        ) && is_interactive_shell(
                            &ferret_core::escape::unescape(n).unwrap_or_default(),
                        );
                        if became {
                            (
                                "accounts.diff.shell-changed",
                                Severity::High,
                                "account got an interactive shell",
                            )
                        } else {
                            (
                                "accounts.diff.shell-changed",
                                Severity::Low,
                                "login shell changed",
                            )
                        }
                    }
                    UserField::Password => {
                        if n == "empty" {
                            (
                                "accounts.diff.password-changed",
                                Severity::Critical,
                                "password removed (now empty)",
                            )
                        } else if (o == "locked" || o == "malformed" || o == "shadowed")
                            && n != "locked"
                            && !n.starts_with("locked")
                            && n != "malformed"
                        {
                            (
                                "accounts.diff.password-changed",
                                Severity::High,
                                "locked account got a usable password",
                            )
                        } else {
                            (
                                "accounts.diff.password-changed",
                                Severity::Low,
                                "password changed",
                            )
                        }
                    }
                    UserField::Aging => (
                        "accounts.diff.aging-changed",
                        Severity::Low,
                        "password aging changed",
                    ),
                };
                let mut f = Finding::new(id, sev, title, unescaped(name))
                    .with_detail(format!("{o} -> {n}"));
                if matches!(
                    field,
                    UserField::Uid | UserField::Gid | UserField::Shell | UserField::Password
                ) {
                    f = f.with_attack("T1098");
                }
                if *field == UserField::Uid && n == "0" {
                    f = f.with_attack("T1078.003");
                }
                f
            }
            Change::GroupAdded { name } => Finding::new(
                "accounts.diff.group-added",
                Severity::Low,
                "new group",
                unescaped(name),
            ),
            Change::GroupRemoved { name } => Finding::new(
                "accounts.diff.group-removed",
                Severity::Low,
                "group removed",
                unescaped(name),
            ),
            Change::GroupModified {
                name,
                field,
                old: o,
                new: n,
            } => {
                let (id, sev, title) = match field {
                    GroupField::Gid if n == "0" => (
                        "accounts.diff.group-gid-changed",
                        Severity::Critical,
                        "group became GID 0",
                    ),
                    GroupField::Gid => (
                        "accounts.diff.group-gid-changed",
                        Severity::Medium,
                        "GID changed",
                    ),
                    GroupField::Password => (
                        "accounts.diff.group-password-changed",
                        Severity::Medium,
                        "group password changed",
                    ),
                };
                Finding::new(id, sev, title, unescaped(name))
                    .with_detail(format!("{o} -> {n}"))
                    .with_attack("T1098")
            }
            Change::MemberAdded { group, user } | Change::AdminAdded { group, user } => {
                let admin = matches!(c, Change::AdminAdded { .. });
                let sev = group_risk(group);
                Finding::new(
                    if admin {
                        "accounts.diff.admin-added"
                    } else {
                        "accounts.diff.member-added"
                    },
                    sev,
                    format!(
                        "{} group {}",
                        if admin {
                            "new administrator of"
                        } else {
                            "new member of"
                        },
                        group
                    ),
                    unescaped(user),
                )
                .with_attack("T1098")
            }
            Change::MemberRemoved { group, user } | Change::AdminRemoved { group, user } => {
                Finding::new(
                    if matches!(c, Change::AdminRemoved { .. }) {
                        "accounts.diff.admin-removed"
                    } else {
                        "accounts.diff.member-removed"
                    },
                    Severity::Low,
                    format!("left group {group}"),
                    unescaped(user),
                )
            }
        };
        // evidence in both files: the old (backup) one first, then the current one; a side
        // without the entry names its file
        let (kind, key) = match c {
            Change::UserAdded { name }
            | Change::UserRemoved { name }
            | Change::UserModified { name, .. } => (AccountFile::Passwd, name),
            Change::GroupAdded { name }
            | Change::GroupRemoved { name }
            | Change::GroupModified { name, .. } => (AccountFile::Group, name),
            Change::MemberAdded { group, .. }
            | Change::MemberRemoved { group, .. }
            | Change::AdminAdded { group, .. }
            | Change::AdminRemoved { group, .. } => (AccountFile::Group, group),
        };
        let side = |acc: &Accounts<'_>,
                    users: &BTreeMap<&[u8], UserView<'_>>,
                    groups: &BTreeMap<&[u8], GroupView<'_>>| {
            let found = if kind == AccountFile::Passwd {
                uline(users, acc, key)
            } else {
                gline(groups, acc, key)
            };
            found.unwrap_or_else(|| Evidence::file(acc.path(kind)))
        };
        let (before, after) = (side(old, &ou, &og), side(new, &nu, &ng));
        // two snapshots of one file (a baseline diff) name the same line once
        let f = if before == after {
            f.with_evidence(before)
        } else {
            f.with_evidence(before).with_evidence(after)
        };
        v.push(f);
    }
    v
}

/// Diffs two parsed snapshots into an [`Outcome`]: one finding per change (ranked by
/// [`findings`]), a finding per account file that appeared or disappeared, and the read errors
/// of both. Cancelling `control` stops between users; the changes found so far are reported
/// with a "cancelled" error.
///
/// ```
/// use ferret_accounts::{diff, Snapshot};
/// let a = Snapshot::from_bytes(Some(b"root:x:0:0::/root:/bin/sh\n"), None, None, None);
/// let b = Snapshot::from_bytes(Some(b"root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n"), None, None, None);
/// let out = diff(&a.view(), &b.view(), &ferret_accounts::core::Control::new());
/// assert_eq!(out.findings[0].id, "accounts.diff.user-added");
/// assert_eq!(out.findings[0].severity, ferret_accounts::core::Severity::Critical);
/// ```
pub fn diff(old: &Accounts<'_>, new: &Accounts<'_>, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    out.errors.extend(old.snapshot.errors.iter().cloned());
    out.errors.extend(new.snapshot.errors.iter().cloned());
    if crate::cancelled(control, &mut out.errors) {
        return out;
    }
    // A file that could not be read on either side (a FIFO, a link, a refusal) is an error
    // about that file, never an empty input: that kind is left out on both sides.
    let unreadable: Vec<AccountFile> = [
        AccountFile::Passwd,
        AccountFile::Shadow,
        AccountFile::Group,
        AccountFile::Gshadow,
    ]
    .into_iter()
    .filter(|&k| old.snapshot.file(k).unreadable || new.snapshot.file(k).unreadable)
    .collect();
    for &k in &unreadable {
        let (side, other) = if new.snapshot.file(k).unreadable {
            (new, old)
        } else {
            (old, new)
        };
        out.errors.push(ferret_core::ErrorRecord::new(
            Some(side.path(k).as_bytes()),
            None,
            format!(
                "not compared with {}: this file could not be read (see its error)",
                ferret_core::escape::escape(other.path(k).as_bytes())
            ),
        ));
    }
    let (old_cut, new_cut);
    let (old, new) = if unreadable.is_empty() {
        (old, new)
    } else {
        old_cut = without(old, &unreadable);
        new_cut = without(new, &unreadable);
        (&old_cut, &new_cut)
    };
    let (changes, complete) = changes_until(old, new, control);
    out.findings = findings(old, new, &changes);
    if !complete {
        crate::cancelled(control, &mut out.errors);
        out.sort();
        return out;
    }
    for (kind, o, n) in [
        (
            AccountFile::Passwd,
            &old.snapshot.passwd,
            &new.snapshot.passwd,
        ),
        (
            AccountFile::Shadow,
            &old.snapshot.shadow,
            &new.snapshot.shadow,
        ),
        (AccountFile::Group, &old.snapshot.group, &new.snapshot.group),
        (
            AccountFile::Gshadow,
            &old.snapshot.gshadow,
            &new.snapshot.gshadow,
        ),
    ] {
        if o.data.is_some() != n.data.is_some() && !unreadable.contains(&kind) {
            let what = if n.data.is_some() {
                "appeared"
            } else {
                "disappeared"
            };
            out.findings.push(
                Finding::new(
                    "accounts.diff.file-presence",
                    Severity::Medium,
                    format!("{kind} {what}"),
                    kind.default_path(),
                )
                .with_detail("compared with an empty file"),
            );
        }
    }
    out.sort();
    out
}
