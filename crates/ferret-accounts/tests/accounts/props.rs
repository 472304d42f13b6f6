//! Property tests: write-back identity, diff(a, a) empty, diff reports exactly the edits.

use ferret_accounts::diff::{changes as diff, Change, UserField};
use ferret_accounts::{group, passwd, shadow, Snapshot};
use proptest::prelude::*;

fn lines_strategy() -> impl Strategy<Value = Vec<u8>> {
    // Lines of arbitrary bytes (biased towards ':' and digits), each with an LF or CRLF ending,
    // the last possibly without one.
    let byte = prop_oneof![
        3 => Just(b':'),
        2 => b'0'..=b'9',
        2 => b'a'..=b'z',
        1 => Just(b'+'),
        1 => Just(b' '),
        1 => Just(b','),
        1 => Just(b'\r'),
        1 => any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
    ];
    let line = (
        proptest::collection::vec(byte, 0..40),
        prop_oneof![Just(&b"\n"[..]), Just(&b"\r\n"[..])],
    );
    (proptest::collection::vec(line, 0..12), any::<bool>()).prop_map(|(ls, cut)| {
        let mut v = Vec::new();
        for (l, e) in ls {
            v.extend_from_slice(&l);
            v.extend_from_slice(e);
        }
        if cut && v.last() == Some(&b'\n') {
            v.pop();
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_write_is_identity(data in lines_strategy()) {
        prop_assert_eq!(passwd::document(&data).to_bytes(), data.clone());
        prop_assert_eq!(shadow::document(&data).to_bytes(), data.clone());
        prop_assert_eq!(group::document(&data).to_bytes(), data.clone());
        prop_assert_eq!(group::gshadow_document(&data).to_bytes(), data.clone());
        // and line numbers are 1..=n
        let d = passwd::document(&data);
        for (i, l) in d.lines.iter().enumerate() {
            prop_assert_eq!(l.number, i as u64 + 1);
        }
    }

    #[test]
    fn parse_write_is_identity_on_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(passwd::document(&data).to_bytes(), data.clone());
        prop_assert_eq!(group::gshadow_document(&data).to_bytes(), data);
    }

    #[test]
    fn diff_with_itself_is_empty(data in lines_strategy(), set in accounts_strategy()) {
        let s = Snapshot::from_bytes(Some(&data), Some(&data), Some(&data), Some(&data));
        prop_assert!(diff(&s.view(), &s.view()).is_empty());
        let s = set.snapshot();
        prop_assert!(diff(&s.view(), &s.view()).is_empty());
    }

    #[test]
    fn diff_reports_exactly_the_edits(set in accounts_strategy(), edits in proptest::collection::vec(edit_strategy(), 0..8), added in 0usize..3) {
        let old = set.snapshot();
        let mut new_set = set.clone();
        let mut expected = Vec::new();
        let mut touched = std::collections::BTreeSet::new();
        for (idx, e) in edits {
            if new_set.users.is_empty() { break; }
            let i = idx % new_set.users.len();
            if !touched.insert(i) { continue; } // one edit per user keeps the expectation simple
            let u = &mut new_set.users[i];
            let name = u.name.clone();
            match e {
                Edit::Remove => { u.removed = true; expected.push(Change::UserRemoved { name }); }
                Edit::Uid => {
                    let old_uid = u.uid; u.uid += 100_000;
                    expected.push(Change::UserModified { name, field: UserField::Uid, old: old_uid.to_string(), new: u.uid.to_string() });
                }
                Edit::Shell => {
                    let old_shell = u.shell.clone();
                    u.shell = if old_shell == "/bin/bash" { "/usr/sbin/nologin".into() } else { "/bin/bash".into() };
                    expected.push(Change::UserModified { name, field: UserField::Shell, old: old_shell, new: u.shell.clone() });
                }
                Edit::Gecos => {
                    let old_g = u.gecos.clone(); u.gecos.push_str(" X");
                    expected.push(Change::UserModified { name, field: UserField::Gecos, old: old_g, new: u.gecos.clone() });
                }
                Edit::Password => {
                    u.hash.push('Q');
                    expected.push(Change::UserModified { name, field: UserField::Password, old: "sha512".into(), new: "sha512 (changed)".into() });
                }
                Edit::JoinSudo => {
                    if u.sudo { continue; }
                    u.sudo = true;
                    expected.push(Change::MemberAdded { group: "sudo".into(), user: name });
                }
            }
        }
        for j in 0..added {
            let name = format!("new{j}");
            new_set.users.push(User { name: name.clone(), uid: 50_000 + j as u32, shell: "/bin/sh".into(), gecos: String::new(), hash: "$6$s$h".into(), sudo: false, removed: false });
            expected.push(Change::UserAdded { name });
        }
        // a removed sudo member also leaves the group
        for u in &new_set.users {
            if u.removed && u.sudo {
                expected.push(Change::MemberRemoved { group: "sudo".into(), user: u.name.clone() });
            }
        }
        expected.sort();
        let new = new_set.snapshot();
        prop_assert_eq!(diff(&old.view(), &new.view()), expected);
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Remove,
    Uid,
    Shell,
    Gecos,
    Password,
    JoinSudo,
}

fn edit_strategy() -> impl Strategy<Value = (usize, Edit)> {
    (
        any::<usize>(),
        prop_oneof![
            Just(Edit::Remove),
            Just(Edit::Uid),
            Just(Edit::Shell),
            Just(Edit::Gecos),
            Just(Edit::Password),
            Just(Edit::JoinSudo)
        ],
    )
}

#[derive(Debug, Clone)]
struct User {
    name: String,
    uid: u32,
    shell: String,
    gecos: String,
    hash: String,
    sudo: bool,
    removed: bool,
}

#[derive(Debug, Clone)]
struct Set {
    users: Vec<User>,
}

fn accounts_strategy() -> impl Strategy<Value = Set> {
    proptest::collection::vec(
        (
            0u32..60_000,
            prop_oneof![Just("/bin/bash"), Just("/usr/sbin/nologin")],
            "[a-zA-Z ]{0,8}",
            "[a-z0-9]{1,10}",
            any::<bool>(),
        ),
        0..12,
    )
    .prop_map(|v| Set {
        users: v
            .into_iter()
            .enumerate()
            .map(|(i, (uid, shell, gecos, h, sudo))| User {
                name: format!("u{i}"),
                uid,
                shell: shell.into(),
                gecos,
                hash: format!("$6$salt$h{h}"),
                sudo,
                removed: false,
            })
            .collect(),
    })
}

impl Set {
    fn snapshot(&self) -> Snapshot {
        let (mut p, mut s, mut g) = (String::new(), String::new(), String::new());
        let live: Vec<&User> = self.users.iter().filter(|u| !u.removed).collect();
        for u in &live {
            p += &format!(
                "{}:x:{}:100:{}:/home/{}:{}\n",
                u.name, u.uid, u.gecos, u.name, u.shell
            );
            s += &format!("{}:{}:19000:0:99999:7:::\n", u.name, u.hash);
        }
        let members: Vec<&str> = live
            .iter()
            .filter(|u| u.sudo)
            .map(|u| u.name.as_str())
            .collect();
        g += &format!("users:x:100:\nsudo:x:27:{}\n", members.join(","));
        Snapshot::from_bytes(
            Some(p.as_bytes()),
            Some(s.as_bytes()),
            Some(g.as_bytes()),
            None,
        )
    }
}
