//! Planted-compromise scenarios: what a responder must see, with the right severity, and no
//! hash anywhere in the output.

use crate::root_with;
use ferret_accounts::{audit, audit_root, diff_roots, AuditOptions, Snapshot};
use ferret_core::{Control, Outcome, Severity};
use std::os::unix::fs::PermissionsExt;

const HASH: &str = "$6$Zq0sEcReTsAlT$Xz9HiddenHashBytesThatMustNeverLeakAAAAAAAAAAAAAAAAAAA";

fn find<'a>(out: &'a Outcome, id: &str, subject: &str) -> &'a ferret_core::Finding {
    out.findings
        .iter()
        .find(|f| f.id == id && f.subject == subject)
        .unwrap_or_else(|| panic!("no {id} for {subject}: {:#?}", out.findings))
}

fn compromised() -> Snapshot {
    let passwd = format!(
        "root:x:0:0:root:/root:/bin/bash\n\
         daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
         www-data:x:33:33:www-data:/var/www:/bin/bash\n\
         toor:x:0:0::/root:/bin/bash\n\
         alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
         bob:{HASH}:1001:1001::/home/bob:/bin/bash\n\
         old:abJnggxhB/yWI:1002:1002::/home/old:/bin/sh\n\
         backdoor:x:0:0::/:/bin/sh:extra\n  \
         hidden:x:0:0::/:/bin/sh\n\
         svc:x:999:999::/srv:/usr/sbin/nologin\n\
         sync2:x:1003:0::/:/bin/bash\n"
    );
    let shadow = format!(
        "root:{HASH}:19000:0:99999:7:::\n\
         daemon:*:19000:0:99999:7:::\n\
         www-data:{HASH}:19000:0:99999:7:::\n\
         toor:{HASH}:19000:0:99999:7:::\n\
         alice::19000:0:99999:7:::\n\
         bob:!:19000:0:99999:7:::\n\
         ghost:{HASH}:99997:0:99999:7:::\n\
         svc:$1$abcdefgh$abcdefghijklmnopqrstuv:19000::::::\n\
         sync2:$5$rounds=1000$salt$hashhashhash:19000::::::\n"
    );
    let group = "root:x:0:eve\nsudo:x:27:alice,mallory\nwww-data:x:33:\nalice:x:1000:\nbob:x:1001:\nold:x:1002:\nsvc:x:999:\n";
    let gshadow = "root:*::eve\nsudo:*:mallory:alice,mallory\nwww-data:*::\nalice:!::\nbob:!::\nold:!::\nsvc:!::\n";
    let mut s = Snapshot::from_bytes(
        Some(passwd.as_bytes()),
        Some(shadow.as_bytes()),
        Some(group.as_bytes()),
        Some(gshadow.as_bytes()),
    );
    s.login_defs = ferret_accounts::SourceFile::from_bytes(
        "/etc/login.defs",
        &b"PASS_MAX_DAYS 90\nUID_MIN 1000\nENCRYPT_METHOD MD5\n"[..],
    );
    s
}

#[test]
fn planted_compromise_is_ranked() {
    let snap = compromised();
    let mut opts = AuditOptions::default();
    opts.today = Some(20_000);
    let out = audit(&snap.view(), &opts, &Control::new());
    let sev = |id, s| find(&out, id, s).severity;
    assert_eq!(sev("accounts.uid0-non-root", "toor"), Severity::Critical);
    assert_eq!(sev("accounts.uid0-non-root", "hidden"), Severity::Critical);
    assert_eq!(
        sev("accounts.leading-whitespace", "  hidden"),
        Severity::Medium
    );
    assert_eq!(
        sev("accounts.malformed-line", "backdoor"),
        Severity::Critical
    );
    assert_eq!(sev("accounts.empty-password", "alice"), Severity::Critical);
    assert_eq!(sev("accounts.passwd-hash", "bob"), Severity::High);
    assert_eq!(sev("accounts.passwd-hash", "old"), Severity::High);
    assert_eq!(sev("accounts.weak-hash", "old"), Severity::High);
    assert_eq!(sev("accounts.weak-hash", "svc"), Severity::High);
    assert_eq!(sev("accounts.low-rounds", "sync2"), Severity::Medium);
    assert_eq!(
        sev("accounts.unknown-shadow-user", "ghost"),
        Severity::Medium
    );
    assert_eq!(
        sev("accounts.system-account-login", "www-data"),
        Severity::High
    );
    assert_eq!(
        sev("accounts.system-account-login", "svc"),
        Severity::Medium
    );
    assert_eq!(sev("accounts.gid0-primary", "sync2"), Severity::High);
    assert_eq!(sev("accounts.gid0-member", "eve"), Severity::High);
    assert_eq!(
        sev("accounts.duplicate-uid", "hidden,root,toor"),
        Severity::Critical
    );
    assert_eq!(
        sev("accounts.privileged-group-member", "alice"),
        Severity::Info
    );
    assert_eq!(
        sev("accounts.privileged-group-admin", "mallory"),
        Severity::Medium
    );
    assert_eq!(
        sev("accounts.group-unknown-member", "mallory"),
        Severity::Low
    );
    assert_eq!(
        sev("accounts.weak-encrypt-method", "/etc/login.defs"),
        Severity::Medium
    );
    assert_eq!(sev("accounts.never-expires", "root"), Severity::Info);
    // evidence points at the line
    let toor = find(&out, "accounts.uid0-non-root", "toor");
    assert_eq!(toor.evidence[0].to_string(), "/etc/passwd:4");
    assert_eq!(toor.attack, ["T1136.001", "T1078.003"]);
    // no hash, no salt anywhere
    let json = serde_json::to_string(&out).unwrap();
    for secret in [
        "Zq0sEcReTsAlT",
        "HiddenHash",
        "abJnggxhB",
        "abcdefgh$",
        "hashhashhash",
    ] {
        assert!(!json.contains(secret), "{secret} leaked");
        assert!(
            !format!("{out:?} {:?}", snap.view().shadow).contains(secret),
            "{secret} leaked in Debug"
        );
    }
    // sorted: critical first
    assert_eq!(out.findings[0].severity, Severity::Critical);
}

#[test]
fn clean_debian_like_set_has_nothing_medium() {
    let snap = Snapshot::from_bytes(
        Some(b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"),
        Some(b"root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nalice:$y$j9T$salt$hash:19000:0:99999:7:::\n"),
        Some(b"root:x:0:\ndaemon:x:1:\nsudo:x:27:alice\nalice:x:1000:\n"),
        Some(b"root:*::\ndaemon:*::\nsudo:*::alice\nalice:!::\n"),
    );
    let out = audit(&snap.view(), &AuditOptions::default(), &Control::new());
    assert!(
        out.max_severity() < Some(Severity::Medium),
        "{:#?}",
        out.findings
    );
    assert_eq!(out.findings.len(), 1, "{:#?}", out.findings); // alice in sudo, for review
    assert!(out.errors.is_empty());
}

/// CentOS 7, Rocky 9 and Alibaba Cloud Linux ship every gshadow entry with an empty password
/// (`root:::`, `wheel:::`): newgrp refuses a non-member when the group password is empty, so
/// that is no finding; a hash planted there is.
#[test]
fn rhel_empty_gshadow_passwords_are_not_usable() {
    let passwd = b"root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\ndaemon:x:2:2:daemon:/sbin:/sbin/nologin\ncentos:x:1000:1000::/home/centos:/bin/bash\n";
    let shadow = b"root:$6$salt$hash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\ncentos:!!:19000:0:99999:7:::\n";
    let group = b"root:x:0:\nbin:x:1:\ndaemon:x:2:\nwheel:x:10:centos\ncentos:x:1000:\n";
    let rhel = Snapshot::from_bytes(
        Some(passwd),
        Some(shadow),
        Some(group),
        Some(b"root:::\nbin:::\ndaemon:::\nwheel:::centos\ncentos:!!::\n"),
    );
    let out = audit(&rhel.view(), &AuditOptions::default(), &Control::new());
    assert!(
        !out.findings
            .iter()
            .any(|f| f.id == "accounts.group-password"),
        "{:#?}",
        out.findings
    );
    assert!(
        out.max_severity() < Some(Severity::Medium),
        "{:#?}",
        out.findings
    );
    let planted = Snapshot::from_bytes(
        Some(passwd),
        Some(shadow),
        Some(group),
        Some(format!("root:::\nbin:::\ndaemon:::\nwheel:{HASH}::centos\ncentos:!!::\n").as_bytes()),
    );
    let out = audit(&planted.view(), &AuditOptions::default(), &Control::new());
    assert_eq!(
        find(&out, "accounts.group-password", "wheel").severity,
        Severity::High
    );
    assert_eq!(
        out.findings
            .iter()
            .filter(|f| f.id == "accounts.group-password")
            .count(),
        1,
        "{:#?}",
        out.findings
    );
}

#[test]
fn root_checks_homes_files_and_locks() {
    let (t, _) = root_with(&[
        ("passwd", b"root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/nosuchsh\n"),
        ("shadow", b"root:*:1::::::\nalice:*:1::::::\nbob:*:1::::::\n"),
        ("group", b"root:x:0:\nalice:x:1000:\nbob:x:1001:\n"),
        ("passwd.lock", b""),
    ]);
    let p = t.path();
    for d in ["root", "home/alice", "bin"] {
        std::fs::create_dir_all(p.join(d)).unwrap();
    }
    std::fs::write(p.join("bin/sh"), b"").unwrap();
    std::fs::set_permissions(p.join("etc/shadow"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(p.join("home/alice"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let root = ferret_core::HostRoot::new(p).unwrap();
    let out = audit_root(&root, &AuditOptions::default(), &Control::new());
    assert_eq!(
        find(&out, "accounts.home-missing", "bob").severity,
        Severity::Low
    );
    assert_eq!(
        find(&out, "accounts.shell-missing", "bob").severity,
        Severity::Low
    );
    assert_eq!(
        find(&out, "accounts.home-world-writable", "alice").severity,
        Severity::Medium
    );
    // the temp tree belongs to the test's uid, not 1000: alice's home is someone else's
    if nix_uid() != 1000 {
        assert_eq!(
            find(&out, "accounts.home-owner", "alice").severity,
            Severity::Medium
        );
    }
    assert_eq!(
        find(&out, "accounts.file-permissions", "/etc/shadow").severity,
        Severity::High
    );
    find(&out, "accounts.lock-file", "/etc/passwd.lock");
    // no gshadow and no login.defs: not errors
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // without the home option
    let mut o = AuditOptions::default();
    o.check_home = false;
    o.check_shells = false;
    let out = audit_root(&root, &o, &Control::new());
    assert!(!out
        .findings
        .iter()
        .any(|f| f.id.starts_with("accounts.home") || f.id == "accounts.shell-missing"));
}

fn nix_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap()
}

#[test]
fn missing_passwd_is_an_error_not_a_panic() {
    let (_t, root) = root_with(&[("group", b"root:x:0:\n")]);
    let out = audit_root(&root, &AuditOptions::default(), &Control::new());
    assert!(
        out.errors
            .iter()
            .any(|e| e.path.as_deref() == Some("/etc/passwd")),
        "{:?}",
        out.errors
    );
    let list = ferret_accounts::list_users_root(&root, &Control::new());
    assert!(list.users.is_empty());
    assert_eq!(list.errors.len(), 2 - 1); // passwd missing (group is there)
}

#[test]
fn diff_of_two_roots_ranks_new_uid0_and_sudo_member_critical() {
    let (_a, old) = root_with(&[
        ("passwd", b"root:x:0:0::/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n"),
        ("shadow", format!("root:{HASH}:1::::::\nalice:{HASH}:1::::::\nwww-data:*:1::::::\n").as_bytes()),
        ("group", b"root:x:0:\nsudo:x:27:\nalice:x:1000:\n"),
    ]);
    let (_b, new) = root_with(&[
        ("passwd", b"root:x:0:0::/root:/bin/bash\nalice:x:1000:1000:Alice B:/home/alice:/bin/bash\nwww-data:x:33:33::/var/www:/bin/bash\ntoor:x:0:0::/root:/bin/bash\n"),
        ("shadow", format!("root:{HASH}:1::::::\nalice::1::::::\nwww-data:*:1::::::\ntoor:{HASH}:1::::::\n").as_bytes()),
        ("group", b"root:x:0:\nsudo:x:27:www-data\nalice:x:1000:\n"),
    ]);
    let out = diff_roots(&old, &new, &Control::new());
    let sev = |id, s| find(&out, id, s).severity;
    assert_eq!(sev("accounts.diff.user-added", "toor"), Severity::Critical);
    assert_eq!(
        sev("accounts.diff.member-added", "www-data"),
        Severity::Critical
    );
    assert_eq!(
        sev("accounts.diff.shell-changed", "www-data"),
        Severity::High
    );
    assert_eq!(
        sev("accounts.diff.password-changed", "alice"),
        Severity::Critical
    );
    assert_eq!(sev("accounts.diff.gecos-changed", "alice"), Severity::Info);
    // evidence in both files: the old one (no toor: the file alone), then the new line
    let ev: Vec<String> = find(&out, "accounts.diff.user-added", "toor")
        .evidence
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(ev, ["/etc/passwd", "/etc/passwd:4"]);
    assert!(!serde_json::to_string(&out).unwrap().contains("HiddenHash"));
    assert_eq!(out.findings.len(), 5, "{:#?}", out.findings);
    assert!(diff_roots(&old, &old, &Control::new()).findings.is_empty());
}

#[test]
fn backup_diff_shows_the_hand_added_account() {
    let (_t, root) = root_with(&[
        ("passwd-", b"root:x:0:0::/root:/bin/bash\n"),
        (
            "passwd",
            b"root:x:0:0::/root:/bin/bash\nsvc:x:0:0::/:/bin/sh\n",
        ),
        ("group", b"root:x:0:\n"),
        ("group-", b"root:x:0:\n"),
    ]);
    let out = ferret_accounts::diff_backup_root(&root, &Control::new());
    assert_eq!(
        find(&out, "accounts.diff.user-added", "svc").severity,
        Severity::Critical
    );
    assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}
