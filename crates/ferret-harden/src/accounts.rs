//! The accounts of a root as the checks need them (names, ids, homes, memberships), parsed by
//! `ferret-accounts`, so that every module of a report reads `/etc/passwd` and `/etc/group` the
//! same way: leading blanks skipped like glibc does, NIS `+`/`-` lines and comments ignored, a
//! CRLF ending never part of the last field, and a line with the wrong number of fields or a
//! bad id reported, not half-used.

use ferret_accounts::{group, passwd, Document, Malformed};
use ferret_core::{ErrorRecord, HostRoot};
use std::collections::{HashMap, HashSet};

/// One passwd entry (the fields the checks need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct User {
    /// Login name.
    pub(crate) name: Vec<u8>,
    /// Numeric uid.
    pub(crate) uid: u32,
    /// Primary gid.
    pub(crate) gid: u32,
    /// Home directory.
    pub(crate) home: Vec<u8>,
}

/// One group entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// Group name.
    pub(crate) name: Vec<u8>,
    /// Numeric gid.
    pub(crate) gid: u32,
    /// Supplementary members.
    pub(crate) members: Vec<Vec<u8>>,
}

/// The accounts of a root.
#[derive(Debug, Clone, Default)]
pub(crate) struct Accounts {
    /// Users in file order.
    pub(crate) users: Vec<User>,
    /// Groups in file order.
    pub(crate) groups: Vec<Group>,
    uids: HashSet<u32>,
    gids: HashSet<u32>,
    /// The first entry of each name, as NSS returns it.
    by_name: HashMap<Vec<u8>, usize>,
}

/// Lines that are no entry: (file, line, why).
pub(crate) type Rejected = Vec<(&'static str, u64, Malformed)>;

fn rejected<E>(doc: &Document<'_, E>, path: &'static str, out: &mut Rejected) {
    for l in &doc.lines {
        if let Err(m) = &l.content {
            out.push((path, l.number, m.clone()));
        }
    }
}

impl Accounts {
    /// Parses passwd and group contents; lines that are not entries are returned beside.
    pub(crate) fn parse(passwd: &[u8], group: &[u8]) -> (Self, Rejected) {
        let mut a = Accounts::default();
        let mut bad = Vec::new();
        let p = passwd::document(passwd);
        rejected(&p, "/etc/passwd", &mut bad);
        for (_, e) in p.entries() {
            a.uids.insert(e.uid);
            a.by_name.entry(e.name.to_vec()).or_insert(a.users.len());
            a.users.push(User {
                name: e.name.to_vec(),
                uid: e.uid,
                gid: e.gid,
                home: e.home.to_vec(),
            });
        }
        let g = group::document(group);
        rejected(&g, "/etc/group", &mut bad);
        for (_, e) in g.entries() {
            a.gids.insert(e.gid);
            a.groups.push(Group {
                name: e.name.to_vec(),
                gid: e.gid,
                members: e
                    .members
                    .iter()
                    .filter(|m| !m.is_empty())
                    .map(|m| m.to_vec())
                    .collect(),
            });
        }
        (a, bad)
    }

    /// Loads `/etc/passwd` and `/etc/group` of `root`; unreadable files (not missing ones) and
    /// lines that are no entry become errors.
    pub(crate) fn load(root: &HostRoot) -> (Self, Vec<ErrorRecord>) {
        let mut errors = Vec::new();
        let mut read = |p: &str| match root.read_capped(p, ferret_accounts::snapshot::READ_LIMIT) {
            Ok(v) => v,
            Err(e) => {
                if !e.is_not_found() {
                    errors.push(crate::util::skipped(&e));
                }
                Vec::new()
            }
        };
        let passwd = read("/etc/passwd");
        let group = read("/etc/group");
        let (a, bad) = Accounts::parse(&passwd, &group);
        for (path, line, why) in bad {
            errors.push(crate::util::line_error(
                path.as_bytes(),
                line,
                format!("not an account entry ({why}); skipped"),
            ));
        }
        (a, errors)
    }

    /// Whether any account has this uid.
    pub(crate) fn has_uid(&self, uid: u32) -> bool {
        self.uids.contains(&uid)
    }

    /// Whether any group has this gid.
    pub(crate) fn has_gid(&self, gid: u32) -> bool {
        self.gids.contains(&gid)
    }

    /// The user named `name` (the first entry of that name).
    pub(crate) fn user(&self, name: &[u8]) -> Option<&User> {
        self.by_name.get(name).and_then(|&i| self.users.get(i))
    }

    /// Group names of `user` like `getgrouplist`: the primary group first, then memberships.
    pub(crate) fn groups_of(&self, user: &[u8]) -> Option<Vec<Vec<u8>>> {
        let u = self.user(user)?;
        let mut out: Vec<Vec<u8>> = Vec::new();
        if let Some(g) = self.groups.iter().find(|g| g.gid == u.gid) {
            out.push(g.name.clone());
        }
        for g in &self.groups {
            if g.members.iter().any(|m| m == user) && !out.contains(&g.name) {
                out.push(g.name.clone());
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Accounts;
    use ferret_accounts::{group, passwd};

    /// The lines where the parser harden used to have disagreed with ferret-accounts.
    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n  alice:x:1000:1000::/home/alice:/bin/bash\n\tbob:x:1001:1001::/home/bob:/bin/sh\nextra:x:0:0::/:/bin/sh:more\n+::::::\n+carol::::::\n-dave::::::\n+@admins\ncrlf:x:1002:1002::/home/crlf:/bin/sh\r\n  # indented comment\n   \nnum:x:1x:0::/:/bin/sh\n";
    const GROUP: &[u8] = b"root:x:0:\nsudo:x:27:alice,crlf\r\n  wheel:x:10:bob\n+:::\n-staff:::\nbad:x:27\nusers:x:100:alice,,bob\r\n";

    /// A user as compared: name, uid, gid, home.
    type UserRow = (Vec<u8>, u32, u32, Vec<u8>);
    /// A group as compared: name, gid, members.
    type GroupRow = (Vec<u8>, u32, Vec<Vec<u8>>);

    /// What ferret-accounts itself says about the same bytes.
    fn theirs() -> (Vec<UserRow>, Vec<GroupRow>) {
        let users = passwd::document(PASSWD)
            .entries()
            .map(|(_, e)| (e.name.to_vec(), e.uid, e.gid, e.home.to_vec()))
            .collect();
        let groups = group::document(GROUP)
            .entries()
            .map(|(_, e)| {
                let m = e
                    .members
                    .iter()
                    .filter(|m| !m.is_empty())
                    .map(|m| m.to_vec());
                (e.name.to_vec(), e.gid, m.collect())
            })
            .collect();
        (users, groups)
    }

    #[test]
    fn agrees_with_ferret_accounts() {
        let (a, bad) = Accounts::parse(PASSWD, GROUP);
        let (users, groups) = theirs();
        let ours: Vec<_> = a
            .users
            .iter()
            .map(|u| (u.name.clone(), u.uid, u.gid, u.home.clone()))
            .collect();
        assert_eq!(ours, users);
        let ours: Vec<_> = a
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.gid, g.members.clone()))
            .collect();
        assert_eq!(ours, groups);
        // each case by itself: leading blanks are skipped (glibc), extra fields and bad ids
        // are no account, NIS lines are no account, CRLF is no part of a name
        let names: Vec<&[u8]> = a.users.iter().map(|u| u.name.as_slice()).collect();
        assert_eq!(names, [&b"root"[..], b"alice", b"bob", b"crlf"]);
        assert_eq!(
            a.groups_of(b"alice").unwrap(),
            [b"sudo".to_vec(), b"users".to_vec()]
        );
        assert_eq!(a.groups_of(b"crlf").unwrap(), [b"sudo".to_vec()]);
        assert_eq!(
            a.groups_of(b"bob").unwrap(),
            [b"wheel".to_vec(), b"users".to_vec()]
        );
        assert!(a.user(b"extra").is_none() && a.user(b"+carol").is_none());
        let lines: Vec<(&str, u64)> = bad.iter().map(|b| (b.0, b.1)).collect();
        assert_eq!(
            lines,
            [("/etc/passwd", 4), ("/etc/passwd", 12), ("/etc/group", 6)]
        );
    }
}
