//! init → modify → check, on real trees: every kind of difference, groups, fast mode.
use super::*;
use ferret_baseline::{check_root, compare, rescan_root, Attr};
use ferret_core::Severity;
use std::os::unix::fs::PermissionsExt;

fn attrs(c: &ferret_baseline::Comparison, path: &[u8]) -> Vec<&'static str> {
    c.changed
        .iter()
        .find(|ch| ch.path == path)
        .map(|ch| ch.attributes.iter().map(|a| a.as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn check_reports_added_removed_changed_moved_with_severities() {
    let (t, root) = tree();
    let r = t.path();
    let old = scan_root(
        &root,
        &opts(|o| {
            o.rules.push(include("/var/log", AttrSet::growing()));
            o.rules.push(include("/home/u/notes", AttrSet::log()));
            o.rules.push(exclude("/tmp"));
            o.hash = HashKind::Both;
        }),
        &Control::new(),
    );
    assert!(old.errors.is_empty(), "{:?}", old.errors);

    // The attack.
    std::fs::write(
        r.join("etc/passwd"),
        b"root:x:0:0:root:/root:/bin/sh\nevil:x:0:0::/:/bin/sh\n",
    )
    .unwrap();
    std::fs::set_permissions(
        r.join("usr/bin/ls"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    std::fs::write(r.join("usr/bin/backdoor"), b"#!/bin/sh\n").unwrap();
    std::fs::remove_file(r.join("etc/ssh/sshd_config")).unwrap();
    std::fs::rename(r.join("home/u/link"), r.join("home/u/link2")).unwrap();
    std::fs::write(r.join("home/u/notes"), b"content may change under log").unwrap();
    // The growing log grows legitimately...
    std::fs::OpenOptions::new()
        .append(true)
        .open(r.join("var/log/auth.log"))
        .and_then(|mut f| {
            use std::io::Write;
            f.write_all(b"line 2\n")
        })
        .unwrap();
    std::fs::create_dir_all(r.join("tmp")).unwrap();
    std::fs::write(r.join("tmp/ignored"), b"x").unwrap();

    let c = check_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    assert_eq!(
        attrs(&c, b"/etc/passwd"),
        ["size", "mtime", "ctime", "sha256", "blake3"]
    );
    assert_eq!(attrs(&c, b"/usr/bin/ls"), ["mode", "ctime"]);
    assert!(
        attrs(&c, b"/var/log/auth.log").is_empty(),
        "{:?}",
        c.changed
    );
    assert!(
        attrs(&c, b"/home/u/notes").is_empty(),
        "log group reports content: {:?}",
        c.changed
    );
    let added: Vec<_> = c.added.iter().map(|e| e.path.as_slice()).collect();
    assert_eq!(added, [&b"/usr/bin/backdoor"[..]]);
    let removed: Vec<_> = c.removed.iter().map(|e| e.path.as_slice()).collect();
    assert_eq!(removed, [&b"/etc/ssh/sshd_config"[..]]);
    assert_eq!(c.moved.len(), 1);
    assert_eq!(c.moved[0].from, b"/home/u/link");
    assert_eq!(c.moved[0].path, b"/home/u/link2");
    // /etc, /home/u (entries changed), directories' mtimes moved too.
    assert!(attrs(&c, b"/usr/bin").contains(&"mtime"));

    let out = c.findings();
    let sev = |id: &str, subject: &str| {
        out.findings
            .iter()
            .find(|f| f.id == id && f.subject == subject)
            .unwrap_or_else(|| panic!("no {id} for {subject}: {:#?}", out.findings))
            .severity
    };
    assert_eq!(sev("baseline.changed", "/etc/passwd"), Severity::Critical);
    assert_eq!(sev("baseline.changed", "/usr/bin/ls"), Severity::High);
    assert_eq!(
        sev("baseline.setuid-added", "/usr/bin/ls"),
        Severity::Critical
    );
    assert_eq!(sev("baseline.added", "/usr/bin/backdoor"), Severity::High);
    assert_eq!(
        sev("baseline.removed", "/etc/ssh/sshd_config"),
        Severity::High
    );
    assert_eq!(sev("baseline.moved", "/home/u/link2"), Severity::Low);
    assert_eq!(out.findings[0].severity, Severity::Critical);

    // Now the log shrinks: a growing file may not.
    std::fs::write(r.join("var/log/auth.log"), b"li").unwrap();
    let c = check_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    let a = attrs(&c, b"/var/log/auth.log");
    assert!(a.contains(&"size"), "{a:?}");
    // ... or its old content is rewritten while it grows.
    std::fs::write(r.join("var/log/auth.log"), b"LINE 1\nline 2\n").unwrap();
    let c = check_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    assert_eq!(attrs(&c, b"/var/log/auth.log"), ["sha256", "blake3"]);
}

#[test]
fn fast_mode_skips_unchanged_files_and_says_so() {
    let (t, root) = tree();
    let old = scan(&root, HashKind::Blake3);
    let c = check_root(&root, &old, &mode(CheckMode::Fast), &Control::new());
    assert!(c.is_clean() && c.fast);
    let new = rescan_root(&root, &old, &mode(CheckMode::Fast), &Control::new());
    assert_eq!(new.stats.hashed, 0);
    assert!(new.stats.reused >= 5);
    // A content change that keeps size, mtime, ctime and inode is invisible to fast mode only
    // when metadata is forged; an ordinary edit is seen.
    std::fs::write(t.path().join("home/u/notes"), b"HELLO").unwrap();
    let c = check_root(&root, &old, &mode(CheckMode::Fast), &Control::new());
    assert!(attrs(&c, b"/home/u/notes").contains(&"blake3"));
    let secure = rescan_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    assert_eq!(secure.stats.reused, 0);
    assert!(secure.stats.hashed >= 5);
}

#[test]
fn rules_exclude_prune_and_regex_select() {
    let (_t, root) = tree();
    let b = scan_root(
        &root,
        &opts(|o| {
            o.rules.push(exclude("/home"));
            o.rules.push(Rule::include(
                Pattern::regex("/var/(log|spool)").unwrap(),
                AttrSet::log(),
            ));
            o.hash = HashKind::Sha256;
        }),
        &Control::new(),
    );
    assert!(b.entries.iter().all(|e| !e.path.starts_with(b"/home")));
    let log = b.get(b"/var/log/auth.log").unwrap();
    assert_eq!(log.attrs, AttrSet::log());
    assert!(log.sha256.is_none(), "log group must not read content");
    assert!(b.get(b"/etc/passwd").unwrap().sha256.is_some());
    // Invalid patterns are refused where they are written, naming the pattern.
    let e = Pattern::glob("[oops").unwrap_err();
    assert!(
        matches!(e, ferret_baseline::Error::Pattern { ref pattern, kind: "glob", .. } if pattern == b"[oops"),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "invalid glob pattern [oops: unterminated [ in glob"
    );
    assert!(matches!(
        Pattern::regex("("),
        Err(ferret_baseline::Error::Pattern { kind: "regex", .. })
    ));
}

#[test]
fn ignore_option_and_compare_identity() {
    let (_t, root) = tree();
    let b = scan(&root, HashKind::Both);
    assert!(compare(&b, &b, &CheckOptions::default()).is_clean());
    let mut m = b.clone();
    m.entries[1].nlink += 1;
    assert!(!compare(&b, &m, &CheckOptions::default()).is_clean());
    assert!(compare(&b, &m, &{
        let mut o = CheckOptions::default();
        o.ignore = o.ignore.with(Attr::Nlink);
        o
    })
    .is_clean());
}

#[test]
fn json_shape_uses_issue_attribute_names() {
    let (t, root) = tree();
    let old = scan(&root, HashKind::Sha256);
    std::fs::write(t.path().join("etc/passwd"), b"changed").unwrap();
    let c = check_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    let v = serde_json::to_value(&c).unwrap();
    for k in ["added", "removed", "changed", "moved", "errors"] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    let ch = &v["changed"][0];
    assert_eq!(ch["path"], "/etc/passwd");
    let names: Vec<_> = ch["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"sha256") && names.contains(&"size"),
        "{names:?}"
    );
}

#[test]
fn xattrs_are_recorded_and_compared() {
    let (t, root) = tree();
    let f = t.path().join("usr/bin/ls");
    let set = |value: &str| {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import os,sys; os.setxattr(sys.argv[1], 'user.ferret', sys.argv[2].encode())",
            ])
            .arg(&f)
            .arg(value)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "setxattr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    set("one");
    let old = scan(&root, HashKind::Blake3);
    let x = old.get(b"/usr/bin/ls").unwrap().xattrs.clone().unwrap();
    assert!(
        x.contains(&(b"user.ferret".to_vec(), b"one".to_vec())),
        "{x:?}"
    );
    set("two");
    let c = check_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    assert!(
        attrs(&c, b"/usr/bin/ls").contains(&"xattrs"),
        "{:?}",
        c.changed
    );
    let v = c
        .changed
        .iter()
        .find(|ch| ch.path == b"/usr/bin/ls")
        .unwrap();
    let xv = v
        .values
        .iter()
        .find(|v| v.attribute == Attr::Xattrs)
        .unwrap();
    assert!(
        xv.old.contains("user.ferret=one") && xv.new.contains("user.ferret=two"),
        "{xv:?}"
    );
}
