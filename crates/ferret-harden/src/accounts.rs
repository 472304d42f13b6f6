//! Minimal `/etc/passwd` and `/etc/group` reading (names, ids, homes, memberships), enough for
//! Match Group, unowned-file and authorized_keys checks. Deliberately independent of
//! `ferret-accounts`.

use ferret_core::{ErrorRecord, HostRoot};
use std::collections::{HashMap, HashSet};

/// One passwd entry (the fields this crate needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: Vec<u8>,
    /// Numeric uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Home directory.
    pub home: Vec<u8>,
    /// Login shell.
    pub shell: Vec<u8>,
}

/// One group entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Group name.
    pub name: Vec<u8>,
    /// Numeric gid.
    pub gid: u32,
    /// Supplementary members.
    pub members: Vec<Vec<u8>>,
}

/// The accounts of a root.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    /// Users in file order.
    pub users: Vec<User>,
    /// Groups in file order.
    pub groups: Vec<Group>,
    uids: HashSet<u32>,
    gids: HashSet<u32>,
    by_name: HashMap<Vec<u8>, usize>,
}

fn num(b: &[u8]) -> Option<u32> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

impl Accounts {
    /// Parses passwd and group contents; malformed lines are returned as `(file, line)` errors.
    pub fn parse(passwd: &[u8], group: &[u8]) -> (Self, Vec<(&'static str, u64)>) {
        let mut a = Accounts::default();
        let mut bad = Vec::new();
        for (i, l) in passwd.split(|&c| c == b'\n').enumerate() {
            if l.is_empty() || l.first() == Some(&b'#') || l.first() == Some(&b'+') {
                continue;
            }
            let f: Vec<&[u8]> = l.split(|&c| c == b':').collect();
            match (
                f.first(),
                f.get(2).and_then(|v| num(v)),
                f.get(3).and_then(|v| num(v)),
            ) {
                (Some(name), Some(uid), Some(gid)) if f.len() >= 7 => {
                    a.uids.insert(uid);
                    a.by_name.entry(name.to_vec()).or_insert(a.users.len());
                    a.users.push(User {
                        name: name.to_vec(),
                        uid,
                        gid,
                        home: f.get(5).map(|v| v.to_vec()).unwrap_or_default(),
                        shell: f.get(6).map(|v| v.to_vec()).unwrap_or_default(),
                    });
                }
                _ => bad.push(("/etc/passwd", i as u64 + 1)),
            }
        }
        for (i, l) in group.split(|&c| c == b'\n').enumerate() {
            if l.is_empty() || l.first() == Some(&b'#') || l.first() == Some(&b'+') {
                continue;
            }
            let f: Vec<&[u8]> = l.split(|&c| c == b':').collect();
            match (f.first(), f.get(2).and_then(|v| num(v))) {
                (Some(name), Some(gid)) if f.len() >= 4 => {
                    a.gids.insert(gid);
                    let members = f
                        .get(3)
                        .map(|m| {
                            m.split(|&c| c == b',')
                                .filter(|x| !x.is_empty())
                                .map(<[u8]>::to_vec)
                                .collect()
                        })
                        .unwrap_or_default();
                    a.groups.push(Group {
                        name: name.to_vec(),
                        gid,
                        members,
                    });
                }
                _ => bad.push(("/etc/group", i as u64 + 1)),
            }
        }
        (a, bad)
    }

    /// Loads `/etc/passwd` and `/etc/group` of `root`; unreadable files become errors.
    pub fn load(root: &HostRoot) -> (Self, Vec<ErrorRecord>) {
        let mut errors = Vec::new();
        let mut read = |p: &str| match root.read(p) {
            Ok(v) => v,
            Err(e) => {
                if !e.is_not_found() {
                    errors.push(ErrorRecord::from(&e));
                }
                Vec::new()
            }
        };
        let passwd = read("/etc/passwd");
        let group = read("/etc/group");
        let (a, bad) = Accounts::parse(&passwd, &group);
        for (f, l) in bad {
            errors.push(ErrorRecord::new(
                Some(f.as_bytes()),
                Some(l),
                "malformed entry",
            ));
        }
        (a, errors)
    }

    /// Whether any account has this uid.
    pub fn has_uid(&self, uid: u32) -> bool {
        self.uids.contains(&uid)
    }

    /// Whether any group has this gid.
    pub fn has_gid(&self, gid: u32) -> bool {
        self.gids.contains(&gid)
    }

    /// The user named `name`.
    pub fn user(&self, name: &[u8]) -> Option<&User> {
        self.by_name.get(name).and_then(|&i| self.users.get(i))
    }

    /// Group names of `user` like `getgrouplist`: the primary group first, then memberships.
    pub fn groups_of(&self, user: &[u8]) -> Option<Vec<Vec<u8>>> {
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
