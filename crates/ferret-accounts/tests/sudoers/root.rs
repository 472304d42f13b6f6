//! Loading through a root: includes, caps, permissions; the audit and the effective rules.

use ferret_accounts::core::{Control, HostRoot};
use ferret_accounts::sudoers::{
    audit_root, effective, load_root, DiagnosticKind, Limits, SudoersOptions,
};
use ferret_accounts::Snapshot;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn write(root: &Path, rel: &str, data: &str, mode: u32) {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn accounts(root: &Path) {
    write(root, "etc/passwd", "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\nmallory:x:1002:1002::/home/m:/bin/bash\n", 0o644);
    write(
        root,
        "etc/group",
        "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\nmallory:x:1002:\nops:x:2000:bob\n",
        0o644,
    );
    write(root, "etc/passwd-", "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n", 0o644);
    write(
        root,
        "etc/group-",
        "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\nops:x:2000:bob\n",
        0o644,
    );
    write(root, "etc/hostname", "web1.example.org\n", 0o644);
}

fn ids(r: &ferret_accounts::sudoers::SudoersReport) -> Vec<(String, String)> {
    r.outcome
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.subject.clone()))
        .collect()
}

#[test]
fn includes_resolve_like_sudo() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    write(r, "etc/sudoers", "root ALL=(ALL:ALL) ALL\n@include sudoers.local\n#include /etc/sudoers.%h\n@includedir /etc/sudoers.d\n", 0o440);
    write(r, "etc/sudoers.local", "alice ALL=(ALL) ALL\n", 0o440);
    write(r, "etc/sudoers.web1", "bob ALL=/usr/bin/id\n", 0o440);
    write(
        r,
        "etc/sudoers.d/b_second",
        "Defaults:bob !authenticate\n",
        0o440,
    );
    write(
        r,
        "etc/sudoers.d/a_first",
        "%ops ALL=(root) NOPASSWD: /usr/bin/less /var/log/syslog\n",
        0o440,
    );
    write(r, "etc/sudoers.d/skipped~", "mallory ALL=ALL\n", 0o440);
    write(r, "etc/sudoers.d/skipped.bak", "mallory ALL=ALL\n", 0o440);
    write(r, "etc/sudoers.d/README", "# a comment only\n", 0o440);
    let root = HostRoot::new(r).unwrap();
    let s = load_root(&root, &SudoersOptions::default(), &Control::new());
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let files: Vec<_> = s.files.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(
        files,
        [
            "/etc/sudoers",
            "/etc/sudoers.local",
            "/etc/sudoers.web1",
            "/etc/sudoers.d/README",
            "/etc/sudoers.d/a_first",
            "/etc/sudoers.d/b_second"
        ]
    );
    assert_eq!(s.user_specs.len(), 4);
    assert_eq!(
        s.path(s.user_specs[3].loc),
        Path::new("/etc/sudoers.d/a_first")
    );
    // the same tree through visudo -c (which reads the files from the host): parses
    if std::process::Command::new("visudo")
        .arg("-V")
        .output()
        .is_ok()
    {
        let out = std::process::Command::new("visudo")
            .arg("-c")
            .arg("-f")
            .arg(r.join("etc/sudoers"))
            .output()
            .unwrap();
        // visudo resolves absolute includes on the host, not in our tree: only the relative one is comparable
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            text.contains("sudoers.local: parsed OK") || !out.status.success(),
            "{text}"
        );
    }
}

#[test]
fn loops_fifos_devices_and_caps_are_bounded() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    write(r, "etc/sudoers", "@include /etc/a\n@include /dev/zero\n@include /etc/fifo\n@include /etc/big\n@includedir /etc/many\n", 0o440);
    write(r, "etc/a", "@include /etc/b\n", 0o440);
    write(
        r,
        "etc/b",
        "@include /etc/a\nalice ALL=/usr/bin/id\n",
        0o440,
    );
    std::fs::create_dir_all(r.join("dev")).unwrap();
    assert!(std::process::Command::new("mkfifo")
        .arg(r.join("etc/fifo"))
        .status()
        .unwrap()
        .success());
    // a character device stand-in: /dev/zero inside the root is a symlink to the host's
    std::os::unix::fs::symlink("/dev/zero", r.join("dev/zero")).unwrap();
    write(r, "etc/big", &"x".repeat(2048), 0o440);
    for i in 0..40 {
        write(
            r,
            &format!("etc/many/f{i:03}"),
            "bob ALL=/usr/bin/id\n",
            0o440,
        );
    }
    let root = HostRoot::new(r).unwrap();
    let mut o = SudoersOptions::default();
    let mut l = Limits::default();
    l.max_file_bytes = 1024;
    l.max_files = 20;
    o.limits = l;
    let s = load_root(&root, &o, &Control::new());
    let msgs: Vec<String> = s
        .diagnostics
        .iter()
        .map(|d| format!("{}:{} {}", s.path(d.loc).display(), d.loc.line, d.message))
        .collect();
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(has("/etc/b:1 /etc/a: include loop"), "{msgs:?}");
    assert!(has("/dev/zero"), "{msgs:?}");
    assert!(has("/etc/fifo") && has("fifo"), "{msgs:?}");
    assert!(has("/etc/big") && has("cap"), "{msgs:?}");
    assert!(has("more than 20 sudoers files"), "{msgs:?}");
    assert!(s.files.len() <= 20);
    assert!(s.diagnostics.iter().all(|d| d.kind == DiagnosticKind::Io));
    // the loop's rule is still read once
    assert!(s
        .user_specs
        .iter()
        .any(|u| s.path(u.loc) == Path::new("/etc/b")));
}

#[test]
fn deep_include_chain_stops_at_the_depth_cap() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    write(r, "etc/sudoers", "@include /etc/inc/0\n", 0o440);
    for i in 0..200 {
        write(
            r,
            &format!("etc/inc/{i}"),
            &format!("@include /etc/inc/{}\n", i + 1),
            0o440,
        );
    }
    let root = HostRoot::new(r).unwrap();
    let s = load_root(&root, &SudoersOptions::default(), &Control::new());
    assert!(
        s.diagnostics
            .iter()
            .any(|d| d.message.contains("too many levels of includes")),
        "{:?}",
        s.diagnostics
    );
    assert!(s.files.len() <= 130);
}

#[test]
fn audit_finds_what_the_rules_grant() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    write(
        r,
        "etc/sudoers",
        concat!(
            "Defaults env_reset\n",
            "Defaults env_keep += \"LD_PRELOAD\"\n",
            "Defaults:bob !authenticate\n",
            "Defaults !syslog\n",
            "Defaults secure_path=\"/tmp/bin:/usr/sbin:/usr/bin\"\n",
            "root ALL=(ALL:ALL) ALL\n",
            "%sudo ALL=(ALL:ALL) ALL\n",
            "mallory ALL=(ALL) NOPASSWD: ALL\n",
            "ghost ALL=(ALL) ALL\n",
            "Cmnd_Alias PAGERS = /usr/bin/less, /usr/bin/vim\n",
            "bob ALL=(root) PAGERS, /usr/bin/find, /usr/bin/id\n",
            "bob ALL=(root) /usr/bin/tee /etc/sudoers\n",
            "@includedir /etc/sudoers.d\n",
        ),
        0o440,
    );
    write(r, "etc/sudoers.d/world", "alice ALL=/usr/bin/id\n", 0o666);
    let root = HostRoot::new(r).unwrap();
    let rep = audit_root(&root, &SudoersOptions::default(), &Control::new());
    let got = ids(&rep);
    let has = |id: &str, subj: &str| got.iter().any(|(i, s)| i == id && s == subj);
    assert!(has("accounts.sudoers-root-all", "mallory"), "{got:?}");
    assert!(has("accounts.sudoers-root-all", "%sudo"), "{got:?}");
    assert!(!got
        .iter()
        .any(|(i, s)| i == "accounts.sudoers-root-all" && s == "root"));
    assert!(has("accounts.sudoers-new-principal", "mallory"), "{got:?}");
    assert!(
        has("accounts.sudoers-unknown-principal", "ghost"),
        "{got:?}"
    );
    assert!(has("accounts.sudoers-shell", "bob"), "{got:?}");
    assert!(
        has(
            "accounts.sudoers-no-authenticate",
            "Defaults:bob authenticate"
        ),
        "{got:?}"
    );
    assert!(
        has("accounts.sudoers-logging-disabled", "Defaults syslog"),
        "{got:?}"
    );
    assert!(
        has("accounts.sudoers-env-keep", "Defaults env_keep"),
        "{got:?}"
    );
    assert!(
        has("accounts.sudoers-secure-path", "Defaults secure_path"),
        "{got:?}"
    );
    assert!(
        has("accounts.sudoers-permissions", "/etc/sudoers.d/world"),
        "{got:?}"
    );
    let f = |id: &str, subj: &str| {
        rep.outcome
            .findings
            .iter()
            .find(|f| f.id == id && f.subject == subj)
            .unwrap()
    };
    assert_eq!(
        f("accounts.sudoers-root-all", "mallory").severity,
        ferret_accounts::core::Severity::High
    );
    // bob's shell escapes are one finding with every rule as evidence, lines 11 and 12
    let sh = f("accounts.sudoers-shell", "bob");
    let lines: Vec<_> = sh.evidence.iter().map(|e| e.to_string()).collect();
    assert_eq!(lines, ["/etc/sudoers:11", "/etc/sudoers:12"]);
    let d = sh.detail.as_deref().unwrap();
    assert!(
        d.contains("/usr/bin/less")
            && d.contains("/usr/bin/vim")
            && d.contains("/usr/bin/find")
            && d.contains("/usr/bin/tee /etc/sudoers"),
        "{d}"
    );
    assert!(!d.contains("/usr/bin/id"), "{d}");
    assert!(f("accounts.sudoers-root-all", "mallory")
        .attack
        .contains(&"T1548.003".to_owned()));
    // a world-writable include dir is not used by sudo: still reported
    std::fs::set_permissions(
        r.join("etc/sudoers.d"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let rep = audit_root(&root, &SudoersOptions::default(), &Control::new());
    let p = rep
        .outcome
        .findings
        .iter()
        .find(|f| f.subject == "/etc/sudoers.d")
        .unwrap();
    assert!(p.detail.as_deref().unwrap().contains("sudo ignores"));
    assert!(!rep.policy.files.iter().any(|f| f.ends_with("world")));
}

#[test]
fn effective_rules_of_a_user() {
    let s = ferret_accounts::sudoers::parse(
        concat!(
            "User_Alias OPS = %ops, !carol\n",
            "Runas_Alias DB = postgres, mysql\n",
            "OPS ALL = (DB) NOPASSWD: /usr/bin/psql, (root) /usr/bin/systemctl restart nginx\n",
            "ALL, !bob ALL = /usr/bin/id\n",
            "#1001 ALL = (ALL) ALL\n",
        )
        .as_bytes(),
        "/etc/sudoers",
    );
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
    let snap = Snapshot::from_bytes(
        Some(b"bob:x:1001:1001::/home/bob:/bin/bash\ncarol:x:1003:1003::/home/c:/bin/bash\n"),
        None,
        Some(b"ops:x:2000:bob,carol\n"),
        None,
    );
    let acc = snap.view();
    let bob = effective(&s, &acc, b"bob");
    let cmds: Vec<_> = bob
        .iter()
        .map(|r| {
            (
                r.line,
                r.runas_users.join(","),
                r.commands.join(","),
                r.nopasswd,
            )
        })
        .collect();
    assert_eq!(
        cmds,
        [
            (
                3,
                "postgres,mysql".to_owned(),
                "/usr/bin/psql".to_owned(),
                true
            ),
            (
                3,
                "root".to_owned(),
                "/usr/bin/systemctl restart nginx".to_owned(),
                true
            ),
            (5, "ALL".to_owned(), "ALL".to_owned(), false),
        ]
    );
    assert!(bob[2].all_commands && bob[2].as_root && bob[2].setenv);
    let carol = effective(&s, &acc, b"carol");
    assert_eq!(carol.iter().map(|r| r.line).collect::<Vec<_>>(), [4]);
}

#[test]
fn diff_backup_evidence_names_both_files() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    // bob's shell changed by hand since the backup; mallory added (accounts() wrote both)
    write(r, "etc/passwd", "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/zsh\nmallory:x:1002:1002::/home/m:/bin/bash\n", 0o644);
    let root = HostRoot::new(r).unwrap();
    let out = ferret_accounts::diff_backup_root(&root, &ferret_accounts::core::Control::new());
    let ev = |id: &str, subj: &str| -> Vec<String> {
        let f = out
            .findings
            .iter()
            .find(|f| f.id == id && f.subject == subj)
            .unwrap_or_else(|| panic!("{id} {subj}: {:?}", out.findings));
        f.evidence.iter().map(ToString::to_string).collect()
    };
    assert_eq!(
        ev("accounts.diff.shell-changed", "bob"),
        ["/etc/passwd-:3", "/etc/passwd:3"]
    );
    assert_eq!(
        ev("accounts.diff.user-added", "mallory"),
        ["/etc/passwd-", "/etc/passwd:4"]
    );
    assert_eq!(
        ev("accounts.diff.group-added", "mallory"),
        ["/etc/group-", "/etc/group:5"]
    );
}

#[test]
fn a_rule_repeated_100_000_times_is_audited_in_linear_time() {
    // Found by the fuzz campaign: the findings of one subject kept their evidence in a list
    // searched on every addition, so a sudoers of one rule repeated 100,000 times (3 MB, well
    // under the 16 MB file cap) cost 5 billion comparisons; each evidence is now one lookup.
    const N: usize = 100_000;
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    write(
        r,
        "etc/sudoers",
        &"mallory ALL=(ALL) NOPASSWD: ALL\n".repeat(N),
        0o440,
    );
    let root = HostRoot::new(r).unwrap();
    let start = std::time::Instant::now();
    let rep = audit_root(&root, &SudoersOptions::default(), &Control::new());
    let took = start.elapsed();
    let root_all: Vec<_> = rep
        .outcome
        .findings
        .iter()
        .filter(|f| f.id == "accounts.sudoers-root-all" && f.subject == "mallory")
        .collect();
    assert_eq!(root_all.len(), 1, "one finding per subject and problem");
    let lines: Vec<u64> = root_all[0].evidence.iter().filter_map(|e| e.line).collect();
    assert_eq!(
        lines,
        (1..=N as u64).collect::<Vec<_>>(),
        "every line, in order"
    );
    // Quadratic took minutes in a debug build; linear takes a few seconds even under load.
    assert!(took.as_secs() < 60, "{took:?}");
}
