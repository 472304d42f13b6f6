//! Which rules apply to a user, and what they allow: `sudo -l -U user` without sudo, from the
//! files alone (users and groups from the parsed account files, never NSS).

use super::ast::{AliasKind, CmndSpec, Loc, Member, Name, Sudoers, Tag};
use crate::snapshot::Accounts;
use ferret_core::escape::escape;

/// How deep aliases of aliases are followed (sudo refuses cycles; we stop).
const MAX_ALIAS_DEPTH: usize = 64;

/// One rule as it applies to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct EffectiveRule {
    /// The file the rule is in (escaped).
    pub file: String,
    /// Its line.
    pub line: u64,
    /// Hosts (as written, aliases expanded, escaped).
    pub hosts: Vec<String>,
    /// Users it may run as (`root` when the rule has no runas list).
    pub runas_users: Vec<String>,
    /// Groups it may run as.
    pub runas_groups: Vec<String>,
    /// Commands (aliases expanded; `!` for denied ones).
    pub commands: Vec<String>,
    /// No password asked (`NOPASSWD`).
    pub nopasswd: bool,
    /// The user may set the environment (`SETENV`, or implied by `ALL`).
    pub setenv: bool,
    /// Whether the rule allows every command.
    pub all_commands: bool,
    /// Whether the rule allows running as root (uid 0).
    pub as_root: bool,
}

/// A user as the matcher sees it.
struct Who<'a> {
    name: &'a [u8],
    uid: Option<u32>,
    groups: Vec<(&'a [u8], u32)>,
}

fn who<'a>(acc: &'a Accounts<'a>, name: &'a [u8]) -> Who<'a> {
    let pw = acc
        .passwd
        .iter()
        .flat_map(crate::Document::entries)
        .find(|(_, e)| e.name == name)
        .map(|(_, e)| (e.uid, e.gid));
    let mut groups = Vec::new();
    for (_, g) in acc.group.iter().flat_map(crate::Document::entries) {
        if pw.is_some_and(|p| p.1 == g.gid) || g.members.contains(&name) {
            groups.push((g.name, g.gid));
        }
    }
    Who {
        name,
        uid: pw.map(|p| p.0),
        groups,
    }
}

/// sudo's `userlist_matches`: the last matching member decides (`Some(true)` allow,
/// `Some(false)` deny).
fn user_matches(
    s: &Sudoers,
    list: &[Member],
    w: &Who<'_>,
    kind: AliasKind,
    depth: usize,
) -> Option<bool> {
    for m in list.iter().rev() {
        let hit = match &m.name {
            Name::All => Some(true),
            Name::Word(n) => {
                let by_uid = n
                    .strip_prefix(b"#")
                    .and_then(|u| std::str::from_utf8(u).ok()?.parse::<u32>().ok())
                    .is_some_and(|u| Some(u) == w.uid);
                (n.as_slice() == w.name || by_uid).then_some(true)
            }
            Name::Group(g) => {
                let hit = if let Some(gid) = g.strip_prefix(b"#") {
                    std::str::from_utf8(gid)
                        .ok()
                        .and_then(|s| s.parse::<u32>().ok())
                        .is_some_and(|gid| w.groups.iter().any(|x| x.1 == gid))
                } else {
                    w.groups.iter().any(|x| x.0 == g.as_slice())
                };
                hit.then_some(true)
            }
            Name::Alias(a) if depth < MAX_ALIAS_DEPTH => s
                .alias(kind, a)
                .and_then(|al| user_matches(s, &al.members, w, kind, depth + 1)),
            _ => None,
        };
        if let Some(v) = hit {
            return Some(v != m.negated);
        }
    }
    None
}

/// How a member is written back (aliases expanded by [`expand`]).
pub(crate) fn display(m: &Member) -> String {
    let body = match &m.name {
        Name::All => "ALL".to_owned(),
        Name::Myself => String::new(),
        Name::Alias(a) | Name::Address(a) => a.clone(),
        Name::Word(w) => escape(w),
        Name::Group(g) => format!("%{}", escape(g)),
        Name::Netgroup(n) => format!("+{}", escape(n)),
        Name::Command(c) => {
            let mut t = String::new();
            for d in &c.digests {
                t.push_str(d.kind.as_str());
                t.push(':');
                t.push_str(&d.value);
                t.push(' ');
            }
            t.push_str(&escape(&c.text()));
            t
        }
    };
    if m.negated {
        format!("!{body}")
    } else {
        body
    }
}

/// The members of a list with aliases replaced by their members (negation carried).
pub fn expand(s: &Sudoers, list: &[Member], kind: AliasKind) -> Vec<Member> {
    let mut out = Vec::new();
    expand_into(s, list, kind, false, 0, &mut out);
    out
}

fn expand_into(
    s: &Sudoers,
    list: &[Member],
    kind: AliasKind,
    neg: bool,
    depth: usize,
    out: &mut Vec<Member>,
) {
    for m in list {
        let negated = m.negated != neg;
        match &m.name {
            Name::Alias(a) if depth < MAX_ALIAS_DEPTH => match s.alias(kind, a) {
                Some(al) => expand_into(s, &al.members, kind, negated, depth + 1, out),
                None => out.push(Member {
                    negated,
                    name: m.name.clone(),
                }),
            },
            n => out.push(Member {
                negated,
                name: n.clone(),
            }),
        }
    }
}

/// Whether a runas user list (after expansion) includes root. `None` (no list) is the
/// `runas_default`, root.
pub(crate) fn runs_as_root(s: &Sudoers, cs: &CmndSpec) -> bool {
    let Some(users) = &cs.runas_users else {
        return cs.runas_groups.is_none();
    };
    let mut verdict = false;
    for m in expand(s, users, AliasKind::Runas) {
        let root = match &m.name {
            Name::All => true,
            Name::Word(w) => w == b"root" || w == b"#0",
            Name::Group(g) => g == b"root" || g == b"#0",
            _ => false,
        };
        if root {
            verdict = !m.negated;
        }
    }
    verdict
}

/// Whether a command spec allows every command (a non-negated `ALL`, directly or through an
/// alias).
pub(crate) fn allows_all(s: &Sudoers, cs: &CmndSpec) -> bool {
    expand(s, std::slice::from_ref(&cs.command), AliasKind::Cmnd)
        .iter()
        .any(|m| m.is_all() && !m.negated)
}

fn loc_file(s: &Sudoers, loc: Loc) -> String {
    use std::os::unix::ffi::OsStrExt;
    escape(s.path(loc).as_os_str().as_bytes())
}

/// The rules that apply to `user` (by name, uid, primary and supplementary groups, aliases,
/// with the last match of a list deciding as in sudo), in file order. Host lists are shown, not
/// evaluated.
///
/// ```
/// use ferret_accounts::{sudoers::{parse, effective}, Snapshot};
/// let s = parse(b"%adm ALL=(root) NOPASSWD: /usr/bin/journalctl\n", "/etc/sudoers");
/// let snap = Snapshot::from_bytes(Some(b"ann:x:1000:1000::/home/ann:/bin/bash\n"), None,
///     Some(b"adm:x:4:ann\n"), None);
/// let rules = effective(&s, &snap.view(), b"ann");
/// assert_eq!(rules[0].commands, ["/usr/bin/journalctl"]);
/// assert!(rules[0].nopasswd && rules[0].as_root);
/// ```
pub fn effective(s: &Sudoers, acc: &Accounts<'_>, user: &[u8]) -> Vec<EffectiveRule> {
    let w = who(acc, user);
    let mut out = Vec::new();
    for us in &s.user_specs {
        if user_matches(s, &us.users, &w, AliasKind::User, 0) != Some(true) {
            continue;
        }
        for p in &us.privileges {
            let hosts: Vec<String> = expand(s, &p.hosts, AliasKind::Host)
                .iter()
                .map(display)
                .collect();
            for cs in &p.commands {
                let list = |l: &Option<Vec<Member>>| -> Vec<String> {
                    l.as_ref()
                        .map(|l| expand(s, l, AliasKind::Runas).iter().map(display).collect())
                        .unwrap_or_default()
                };
                let mut runas_users = list(&cs.runas_users);
                if cs.runas_users.is_none() && cs.runas_groups.is_none() {
                    runas_users.push("root".into());
                }
                out.push(EffectiveRule {
                    file: loc_file(s, cs.loc),
                    line: cs.loc.line,
                    hosts: hosts.clone(),
                    runas_users,
                    runas_groups: list(&cs.runas_groups),
                    commands: expand(s, std::slice::from_ref(&cs.command), AliasKind::Cmnd)
                        .iter()
                        .map(display)
                        .collect(),
                    nopasswd: cs.tags.nopasswd == Tag::On,
                    setenv: cs.tags.setenv.is_on(),
                    all_commands: allows_all(s, cs),
                    as_root: runs_as_root(s, cs),
                });
            }
        }
    }
    out
}
