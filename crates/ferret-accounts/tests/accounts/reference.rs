//! The audit against a naive reference: every in-memory check written the obvious way (one
//! `HashMap` per question, one loop per rule, as pwck and grpck read), on generated hostile
//! files and on the generated 100k-user host with its shadow and gshadow reordered.
//!
//! The optimised audit pairs shadow with passwd by walking both in step, keeps ids in bitmaps
//! and scans each file once; none of that is here. The reference compares what a responder
//! reads: id, severity, subject and evidence lines (titles and details are covered by the
//! golden outputs).

use ferret_accounts::audit::{is_interactive_shell, is_valid_name};
use ferret_accounts::group::{GroupEntry, GshadowEntry};
use ferret_accounts::passwd::PasswdEntry;
use ferret_accounts::password::{HashAlgorithm, PasswordStatus};
use ferret_accounts::shadow::ShadowEntry;
use ferret_accounts::{
    audit, AccountFile, Accounts, AuditOptions, Content, Document, Line, Malformed, Snapshot,
};
use ferret_core::escape::escape;
use ferret_core::{Control, Severity};
use proptest::prelude::*;
use proptest::sample::select;
use std::collections::{HashMap, HashSet};

/// A finding as compared: id, severity, subject, evidence (`path:line`).
type Key = (String, Severity, String, Vec<String>);

struct Ref {
    out: Vec<Key>,
}

impl Ref {
    fn push(&mut self, id: &str, sev: Severity, subject: &[u8], ev: Vec<String>) {
        self.out.push((id.to_owned(), sev, escape(subject), ev));
    }
}

fn at(path: &str, line: u64) -> String {
    format!("{}:{line}", escape(path.as_bytes()))
}

/// Every entry of a document with its line number and text.
fn entries<'d, 'a, E>(doc: Option<&'d Document<'a, E>>) -> Vec<(u64, &'d E, &'a [u8])> {
    doc.map(|d| {
        d.lines
            .iter()
            .filter_map(|l| l.entry().map(|e| (l.number, e, l.text)))
            .collect()
    })
    .unwrap_or_default()
}

/// The first entry of each name.
fn first_by_name<'d, 'a, E>(
    list: &[(u64, &'d E, &'a [u8])],
    name: impl Fn(&E) -> &'a [u8],
) -> HashMap<&'a [u8], (u64, &'d E)> {
    let mut m = HashMap::new();
    for (line, e, _) in list {
        m.entry(name(e)).or_insert((*line, *e));
    }
    m
}

fn lines<E>(r: &mut Ref, doc: Option<&Document<'_, E>>, path: &str) {
    let Some(d) = doc else { return };
    let n = d.lines.len();
    for (i, l) in d.lines.iter().enumerate() {
        line(r, d.kind, l, path, i + 1 == n);
    }
}

fn line<E>(r: &mut Ref, kind: AccountFile, l: &Line<'_, E>, path: &str, last: bool) {
    let subject = l.text.split(|&b| b == b':').next().unwrap();
    let ev = vec![at(path, l.number)];
    match &l.content {
        Err(m) => {
            let uid = l.text.split(|&b| b == b':').nth(2);
            let uid0 = kind == AccountFile::Passwd
                && matches!(m, Malformed::FieldCount { found, .. } if *found > 7)
                && uid.is_some_and(|u| !u.is_empty() && u.iter().all(|&b| b == b'0'));
            let sev = if uid0 {
                Severity::Critical
            } else {
                Severity::Medium
            };
            r.push("accounts.malformed-line", sev, subject, ev.clone());
        }
        Ok(Content::Nis) => r.push(
            "accounts.nis-compat-line",
            Severity::Low,
            subject,
            ev.clone(),
        ),
        Ok(Content::Comment) => r.push("accounts.comment-line", Severity::Low, subject, ev.clone()),
        Ok(Content::Blank) => r.push("accounts.blank-line", Severity::Info, b"", ev.clone()),
        Ok(Content::Entry(_)) => {
            if l.text.first() == Some(&b' ') || l.text.first() == Some(&b'\t') {
                let id = "accounts.leading-whitespace";
                r.push(id, Severity::Medium, subject, ev.clone());
            }
        }
        Ok(_) => unreachable!("a line kind this reference does not know"),
    }
    if l.ending == b"\r\n" {
        r.push("accounts.crlf-line", Severity::Low, subject, ev.clone());
    }
    if last && l.ending.is_empty() {
        r.push("accounts.no-final-newline", Severity::Info, subject, ev);
    }
}

fn name_check(r: &mut Ref, name: &[u8], uid0: bool, ev: String) {
    if is_valid_name(name) {
        return;
    }
    let odd = name
        .iter()
        .any(|&b| b.is_ascii_whitespace() || b.is_ascii_control() || b >= 0x80);
    let sev = if uid0 || odd {
        Severity::Medium
    } else {
        Severity::Low
    };
    r.push("accounts.invalid-name", sev, name, vec![ev]);
}

/// Duplicated names of one file: every line of each, identical lines or not.
fn duplicates<E>(r: &mut Ref, list: &[(u64, &E, &[u8])], name: impl Fn(&E) -> &[u8], path: &str) {
    let mut by_name: HashMap<&[u8], Vec<(u64, &[u8])>> = HashMap::new();
    let mut order = Vec::new();
    for (line, e, text) in list {
        let v = by_name.entry(name(e)).or_default();
        if v.is_empty() {
            order.push(name(e));
        }
        v.push((*line, *text));
    }
    for n in order {
        let v = &by_name[n];
        if v.len() < 2 {
            continue;
        }
        let (id, sev) = if v.iter().all(|x| x.1 == v[0].1) {
            ("accounts.duplicate-entry", Severity::Low)
        } else {
            ("accounts.duplicate-name", Severity::Medium)
        };
        r.push(id, sev, n, v.iter().map(|x| at(path, x.0)).collect());
    }
}

/// Ids shared by several distinct names: every line with that id.
fn shared_ids<E>(
    r: &mut Ref,
    list: &[(u64, &E, &[u8])],
    id_of: impl Fn(&E) -> (u32, &[u8]),
    path: &str,
    (id, zero, other): (&str, Severity, Severity),
) {
    let mut by_id: HashMap<u32, Vec<(u64, &[u8])>> = HashMap::new();
    for (line, e, _) in list {
        let (i, n) = id_of(e);
        by_id.entry(i).or_default().push((*line, n));
    }
    for (i, v) in by_id {
        let names: std::collections::BTreeSet<&[u8]> = v.iter().map(|x| x.1).collect();
        if names.len() < 2 {
            continue;
        }
        let subject = names.into_iter().collect::<Vec<_>>().join(&b","[..]);
        let sev = if i == 0 { zero } else { other };
        r.push(id, sev, &subject, v.iter().map(|x| at(path, x.0)).collect());
    }
}

fn password_rule(
    r: &mut Ref,
    name: &[u8],
    (uid, interactive): (u32, bool),
    st: PasswordStatus,
    ev: String,
    min_rounds: u32,
) {
    match st {
        PasswordStatus::Empty => {
            let sev = if uid == 0 || interactive {
                Severity::Critical
            } else {
                Severity::Medium
            };
            r.push("accounts.empty-password", sev, name, vec![ev]);
        }
        PasswordStatus::Hash(h) => {
            if h.algorithm.is_weak() {
                r.push("accounts.weak-hash", Severity::High, name, vec![ev.clone()]);
            }
            let low = match h.algorithm {
                HashAlgorithm::Sha256 | HashAlgorithm::Sha512 => {
                    h.rounds.is_some_and(|n| n < min_rounds)
                }
                HashAlgorithm::Bcrypt => h.rounds.is_some_and(|n| n < 10),
                _ => false,
            };
            if low {
                r.push("accounts.low-rounds", Severity::Medium, name, vec![ev]);
            }
        }
        PasswordStatus::Malformed => {
            r.push("accounts.malformed-password", Severity::Low, name, vec![ev]);
        }
        _ => {}
    }
}

/// The in-memory audit, naively.
#[allow(clippy::too_many_lines)] // one rule after the other, like the pwck man page
fn reference(acc: &Accounts<'_>, opts: &AuditOptions) -> Vec<Key> {
    let mut r = Ref { out: Vec::new() };
    let (pw_path, sh_path) = (acc.path(AccountFile::Passwd), acc.path(AccountFile::Shadow));
    let (gr_path, gs_path) = (acc.path(AccountFile::Group), acc.path(AccountFile::Gshadow));
    let defs = &acc.login_defs;
    let today = opts.today.unwrap();
    let privileged: HashSet<&[u8]> = opts.privileged_groups.iter().map(Vec::as_slice).collect();
    lines(&mut r, acc.passwd.as_ref(), pw_path);
    lines(&mut r, acc.shadow.as_ref(), sh_path);
    lines(&mut r, acc.group.as_ref(), gr_path);
    lines(&mut r, acc.gshadow.as_ref(), gs_path);
    let pw = entries(acc.passwd.as_ref());
    let sh = entries(acc.shadow.as_ref());
    let gr = entries(acc.group.as_ref());
    let gs = entries(acc.gshadow.as_ref());
    let users = first_by_name(&pw, |e: &PasswdEntry<'_>| e.name);
    let shadows = first_by_name(&sh, |e: &ShadowEntry<'_>| e.name);
    let groups = first_by_name(&gr, |e: &GroupEntry<'_>| e.name);
    let gshadows = first_by_name(&gs, |e: &GshadowEntry<'_>| e.name);
    let gids: HashSet<u32> = gr.iter().map(|g| g.1.gid).collect();
    duplicates(&mut r, &pw, |e| e.name, pw_path);
    duplicates(&mut r, &sh, |e| e.name, sh_path);
    duplicates(&mut r, &gr, |e| e.name, gr_path);
    duplicates(&mut r, &gs, |e| e.name, gs_path);
    let dup = (
        "accounts.duplicate-uid",
        Severity::Critical,
        Severity::Medium,
    );
    shared_ids(&mut r, &pw, |e| (e.uid, e.name), pw_path, dup);
    let dup = ("accounts.duplicate-gid", Severity::High, Severity::Low);
    shared_ids(&mut r, &gr, |e| (e.gid, e.name), gr_path, dup);

    // passwd, with its shadow entry (the first of that name)
    let min_rounds = defs.sha_crypt_min_rounds.unwrap_or(5000);
    for (line, u, _) in &pw {
        let ev = at(pw_path, *line);
        name_check(&mut r, u.name, u.uid == 0, ev.clone());
        if u.uid == u32::MAX {
            r.push(
                "accounts.invalid-id",
                Severity::Low,
                u.name,
                vec![ev.clone()],
            );
        }
        if u.gid == u32::MAX {
            r.push(
                "accounts.invalid-id",
                Severity::Low,
                u.name,
                vec![ev.clone()],
            );
        }
        let interactive = is_interactive_shell(u.shell);
        let shadow = shadows.get(u.name);
        let status = u.password.status();
        let effective = match (status, shadow) {
            (PasswordStatus::Shadowed, Some((l, s))) => {
                Some((s.password.status(), at(sh_path, *l)))
            }
            (PasswordStatus::Shadowed, None) => None,
            (st, _) => Some((st, ev.clone())),
        };
        if u.uid == 0 && u.name != b"root" {
            r.push(
                "accounts.uid0-non-root",
                Severity::Critical,
                u.name,
                vec![ev.clone()],
            );
        }
        if u.gid == 0 && u.uid != 0 {
            let sev = if interactive {
                Severity::High
            } else {
                Severity::Low
            };
            r.push("accounts.gid0-primary", sev, u.name, vec![ev.clone()]);
        }
        if acc.group.is_some() && !gids.contains(&u.gid) {
            r.push(
                "accounts.missing-group",
                Severity::Low,
                u.name,
                vec![ev.clone()],
            );
        }
        match (status, shadow) {
            (PasswordStatus::Shadowed | PasswordStatus::Empty, _) => {}
            (PasswordStatus::Hash(_) | PasswordStatus::Locked { hash: Some(_) }, _) => {
                r.push(
                    "accounts.passwd-hash",
                    Severity::High,
                    u.name,
                    vec![ev.clone()],
                );
            }
            (_, Some((l, _))) => {
                let e = vec![ev.clone(), at(sh_path, *l)];
                r.push("accounts.passwd-not-x", Severity::Low, u.name, e);
            }
            (_, None) => {}
        }
        if acc.shadow.is_some() && shadow.is_none() && status != PasswordStatus::Empty {
            let id = "accounts.missing-shadow-entry";
            r.push(id, Severity::Low, u.name, vec![ev.clone()]);
        }
        if let Some((st, e)) = &effective {
            password_rule(
                &mut r,
                u.name,
                (u.uid, interactive),
                *st,
                e.clone(),
                min_rounds,
            );
        }
        let usable = effective.as_ref().is_some_and(|e| e.0.is_usable());
        if u.uid != 0 && u.uid < defs.uid_min && (interactive || usable) {
            let sev = match (interactive, usable) {
                (true, true) => Severity::High,
                (false, true) => Severity::Medium,
                _ => Severity::Low,
            };
            r.push(
                "accounts.system-account-login",
                sev,
                u.name,
                vec![ev.clone()],
            );
        }
        if let Some((l, s)) = shadow {
            if s.aging.lastchg.is_some_and(|c| c > today) {
                let e = vec![at(sh_path, *l)];
                r.push("accounts.lastchg-future", Severity::Medium, u.name, e);
            }
            if let Some((policy, pline)) = defs.pass_max_days {
                let never = s.aging.max.is_none_or(|m| !(0..99_999).contains(&m));
                if policy < 99_999 && never && s.password.status().is_usable() {
                    let e = vec![at(sh_path, *l), at(&acc.snapshot.login_defs.path, pline)];
                    r.push("accounts.never-expires", Severity::Info, u.name, e);
                }
            }
        }
    }
    if acc.passwd.is_some() {
        for (line, s, _) in &sh {
            name_check(&mut r, s.name, false, at(sh_path, *line));
            if !users.contains_key(s.name) {
                let e = vec![at(sh_path, *line)];
                r.push("accounts.unknown-shadow-user", Severity::Medium, s.name, e);
            }
        }
        if acc.shadow.is_none() {
            r.push(
                "accounts.no-shadow-file",
                Severity::Low,
                sh_path.as_bytes(),
                vec![escape(sh_path.as_bytes())],
            );
        }
    }

    // group, with its gshadow entry (the first of that name)
    for (line, g, _) in &gr {
        let ev = at(gr_path, *line);
        name_check(&mut r, g.name, false, ev.clone());
        if g.gid == u32::MAX {
            r.push(
                "accounts.invalid-id",
                Severity::Low,
                g.name,
                vec![ev.clone()],
            );
        }
        let is_privileged = privileged.contains(g.name);
        for m in &g.members {
            if acc.passwd.is_some() && !users.contains_key(m) {
                r.push(
                    "accounts.group-unknown-member",
                    Severity::Low,
                    m,
                    vec![ev.clone()],
                );
            }
            if g.gid == 0 && *m != b"root" {
                r.push("accounts.gid0-member", Severity::High, m, vec![ev.clone()]);
            }
            if is_privileged {
                let id = "accounts.privileged-group-member";
                r.push(id, Severity::Info, m, vec![ev.clone()]);
            }
        }
        let shadow = gshadows.get(g.name);
        let status = g.password.status();
        if shadow.is_some() && status != PasswordStatus::Shadowed {
            r.push(
                "accounts.group-passwd-not-x",
                Severity::Low,
                g.name,
                vec![ev.clone()],
            );
        }
        let effective = match (status, shadow) {
            (PasswordStatus::Shadowed, Some((l, s))) => {
                Some((s.password.status(), at(gs_path, *l)))
            }
            (PasswordStatus::Shadowed, None) => None,
            (st, _) => Some((st, ev.clone())),
        };
        if let Some((st, e)) = effective {
            // An empty group password lets no non-member in (newgrp refuses).
            if matches!(st, PasswordStatus::Hash(_)) {
                let sev = if is_privileged || g.gid == 0 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                r.push("accounts.group-password", sev, g.name, vec![e]);
            }
        }
        if acc.gshadow.is_some() {
            match shadow {
                None => {
                    let id = "accounts.missing-gshadow-entry";
                    r.push(id, Severity::Low, g.name, vec![ev.clone()]);
                }
                Some((l, s)) => {
                    for m in g.members.iter().filter(|m| !s.members.contains(m)) {
                        let e = vec![ev.clone(), at(gs_path, *l)];
                        r.push("accounts.membership-mismatch", Severity::Low, m, e);
                    }
                }
            }
        }
    }
    for (line, s, _) in &gs {
        let ev = at(gs_path, *line);
        name_check(&mut r, s.name, false, ev.clone());
        if acc.group.is_some() && !groups.contains_key(s.name) {
            r.push(
                "accounts.unknown-gshadow-group",
                Severity::Low,
                s.name,
                vec![ev.clone()],
            );
        }
        if let Some((l, g)) = groups.get(s.name) {
            for m in s.members.iter().filter(|m| !g.members.contains(m)) {
                let e = vec![ev.clone(), at(gr_path, *l)];
                r.push("accounts.membership-mismatch", Severity::Low, m, e);
            }
        }
        for a in &s.admins {
            if acc.passwd.is_some() && !users.contains_key(a) {
                r.push(
                    "accounts.group-unknown-member",
                    Severity::Low,
                    a,
                    vec![ev.clone()],
                );
            }
            if privileged.contains(s.name) {
                let id = "accounts.privileged-group-admin";
                r.push(id, Severity::Medium, a, vec![ev.clone()]);
            }
        }
        for m in &s.members {
            if acc.passwd.is_some() && !users.contains_key(m) {
                r.push(
                    "accounts.group-unknown-member",
                    Severity::Low,
                    m,
                    vec![ev.clone()],
                );
            }
        }
    }
    if let Some((method, line)) = &defs.encrypt_method {
        let m = method.to_ascii_uppercase();
        if m == "DES" || m == "MD5" {
            let p = &acc.snapshot.login_defs.path;
            r.push(
                "accounts.weak-encrypt-method",
                Severity::Medium,
                p.as_bytes(),
                vec![at(p, *line)],
            );
        }
    }
    let mut out = r.out;
    out.sort();
    out
}

fn keys(out: &ferret_core::Outcome) -> Vec<Key> {
    let mut v: Vec<Key> = out
        .findings
        .iter()
        .map(|f| {
            let ev = f.evidence.iter().map(ToString::to_string).collect();
            (f.id.clone(), f.severity, f.subject.clone(), ev)
        })
        .collect();
    v.sort();
    v
}

fn same(snap: &Snapshot, today: i64) -> Result<usize, TestCaseError> {
    let mut opts = AuditOptions::default();
    opts.today = Some(today);
    let acc = snap.view();
    let got = keys(&audit(&acc, &opts, &Control::new()));
    let want = reference(&acc, &opts);
    if got != want {
        let missing: Vec<&Key> = want.iter().filter(|k| !got.contains(k)).collect();
        let extra: Vec<&Key> = got.iter().filter(|k| !want.contains(k)).collect();
        return Err(TestCaseError::fail(format!(
            "audit and reference differ\nonly in the reference: {missing:#?}\nonly in the audit: {extra:#?}"
        )));
    }
    Ok(got.len())
}

const NAMES: &[&str] = &[
    "root",
    "daemon",
    "alice",
    "bob",
    "carol",
    "toor",
    "sync",
    "www-data",
    "ghost",
    "bad user",
    "\u{fc}ser",
    "a$",
    "-x",
    "123",
    "sudo",
    "docker",
    "wheel",
    "adm",
    "kvm",
    "staff",
];
const PASSWORDS: &[&str] = &[
    "x",
    "x",
    "x",
    "",
    "!",
    "!!",
    "*",
    "$6$rounds=1000$s$h",
    "$6$salt$hash",
    "$1$a$bb",
    "abJnggxhB/yWI",
    "$y$j9T$a$b",
    "!$6$s$h",
    "$2b$05$abcdefghijklmnopqrstuu5s2v8",
    "junk",
];
const IDS: &[&str] = &[
    "0",
    "1",
    "27",
    "33",
    "999",
    "1000",
    "1000",
    "1001",
    "1002",
    "65534",
    "4294967295",
    "-1",
    "4294967296",
    "",
    "x1",
];
const SHELLS: &[&str] = &[
    "/bin/bash",
    "/usr/sbin/nologin",
    "",
    "/bin/false",
    "/bin/sh",
];
const DAYS: &[&str] = &["", "0", "19000", "19000", "30000", "-1", "99999", "90", "x"];

fn pick(v: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    select(v)
}

/// A line of some file: mostly entries of the right shape, sometimes hostile.
fn line_strategy(fields: Vec<BoxedStrategy<String>>) -> impl Strategy<Value = String> {
    let n = fields.len();
    prop_oneof![
        12 => fields,
        1 => Just(Vec::new()),
        1 => Just(vec!["# comment".to_owned()]),
        1 => pick(&["+", "+@netgroup::::::", "-bob", "+alice"]).prop_map(|t| vec![t.to_owned()]),
        1 => (pick(NAMES), 1usize..12).prop_map(move |(name, k)| {
            let mut v = vec![name.to_owned()];
            v.extend((1..k).map(|i| if i == 2 { "0".to_owned() } else { String::new() }));
            if k == n {
                v.push("extra".to_owned());
            }
            v
        }),
    ]
    .prop_map(|v| v.join(":"))
}

fn s(v: &'static [&'static str]) -> BoxedStrategy<String> {
    pick(v).prop_map(str::to_owned).boxed()
}

fn members() -> BoxedStrategy<String> {
    proptest::collection::vec(pick(NAMES), 0..4)
        .prop_map(|v| v.join(","))
        .boxed()
}

/// A whole file: lines with LF, sometimes CRLF or leading blanks, maybe no final newline, or
/// no file at all.
fn file(fields: fn() -> Vec<BoxedStrategy<String>>) -> impl Strategy<Value = Option<Vec<u8>>> {
    let l = (line_strategy(fields()), 0u8..20).prop_map(|(t, k)| match k {
        0 => format!("{t}\r\n"),
        1 => format!(" {t}\n"),
        _ => format!("{t}\n"),
    });
    (proptest::collection::vec(l, 0..14), any::<bool>(), 0u8..12).prop_map(
        |(lines, trim, missing)| {
            if missing == 0 {
                return None;
            }
            let mut b = lines.concat().into_bytes();
            if trim && b.last() == Some(&b'\n') {
                b.pop();
            }
            Some(b)
        },
    )
}

fn passwd_fields() -> Vec<BoxedStrategy<String>> {
    vec![
        s(NAMES),
        s(PASSWORDS),
        s(IDS),
        s(IDS),
        s(&["", "Alice,,,", "x"]),
        s(&["/root", "/home/alice", "/nonexistent", ""]),
        s(SHELLS),
    ]
}
fn shadow_fields() -> Vec<BoxedStrategy<String>> {
    let mut v = vec![s(NAMES), s(PASSWORDS)];
    v.extend((0..6).map(|_| s(DAYS)));
    v.push(s(&["", "", "1"]));
    v
}
fn group_fields() -> Vec<BoxedStrategy<String>> {
    vec![
        s(NAMES),
        s(&["x", "x", "", "!", "$6$s$h"]),
        s(IDS),
        members(),
    ]
}
fn gshadow_fields() -> Vec<BoxedStrategy<String>> {
    vec![
        s(NAMES),
        s(&["!", "*", "", "$6$s$h", "x"]),
        members(),
        members(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]
    #[test]
    fn audit_matches_the_naive_reference(
        p in file(passwd_fields),
        sh in file(shadow_fields),
        g in file(group_fields),
        gs in file(gshadow_fields),
        defs in select(vec!["", "PASS_MAX_DAYS 90\nUID_MIN 1000\n", "SHA_CRYPT_MIN_ROUNDS 6000\nENCRYPT_METHOD MD5\nUID_MIN 500\n"]),
        today in select(vec![20_000i64, 10_000]),
    ) {
        let mut snap = Snapshot::from_bytes(p.as_deref(), sh.as_deref(), g.as_deref(), gs.as_deref());
        if !defs.is_empty() {
            snap.login_defs.data = Some(defs.as_bytes().to_vec());
        }
        same(&snap, today)?;
    }
}

fn generated(users: usize) -> Snapshot {
    let host = ferret_testkit::accounts::generate(users);
    let mut snap = Snapshot::from_bytes(
        Some(&host.passwd),
        Some(&host.shadow),
        Some(&host.group),
        Some(&host.gshadow),
    );
    snap.login_defs.data = Some(host.login_defs);
    snap
}

#[test]
fn audit_matches_the_naive_reference_on_the_generated_host() {
    let base = generated(3_000);
    let n = same(&base, 20_000).unwrap();
    assert!(n > 40, "{n} findings");
    // shadow and gshadow in reverse order: the in-step pairing misses on every line
    let mut snap = base.clone();
    for f in [&mut snap.shadow, &mut snap.gshadow] {
        let d = f.data.take().unwrap();
        let mut lines: Vec<&[u8]> = d.split_inclusive(|&b| b == b'\n').collect();
        lines.reverse();
        f.data = Some(lines.concat());
    }
    same(&snap, 20_000).unwrap();
    // long member lists that differ between group and gshadow, and shadow duplicates of a name
    // passwd has, of one it lacks, and of a name passwd holds twice
    let mut snap = base.clone();
    let names: Vec<String> = (0..40).map(|i| format!("anna.garcia{i}")).collect();
    let (g, gs) = (names[..35].join(","), names[5..].join(","));
    for (f, line) in [
        (
            &mut snap.group,
            format!("big:x:400000:{g}\nbig2:x:400001:{gs}\n"),
        ),
        (
            &mut snap.gshadow,
            format!("big:!::{gs}\nbig2:!::{g}\nsudo:*::\n"),
        ),
        (
            &mut snap.shadow,
            "anna.garcia0:!:1::::::\nghost:!:1::::::\nwww-data:*:1::::::\n".to_owned(),
        ),
    ] {
        f.data.as_mut().unwrap().extend_from_slice(line.as_bytes());
    }
    same(&snap, 20_000).unwrap();
}

#[test]
fn every_planted_problem_is_found_on_100k_users() {
    let (host, snap) = crate::cancel::host();
    let mut opts = AuditOptions::default();
    opts.today = Some(20_000);
    let out = audit(&snap.view(), &opts, &Control::new());
    let found: HashSet<(&str, &str)> = out
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.subject.as_str()))
        .collect();
    for p in &host.planted {
        assert!(
            found.contains(&(p.id, p.subject.as_str())),
            "planted {p:?} not reported"
        );
    }
    assert!(host.planted.len() >= 30);
}
