//! Hostile account files (#22): a file that could not be read is an error about that file,
//! never an empty input to a comparison or an audit; subjects are escaped once.

use ferret_accounts::core::{Control, Outcome};
use ferret_accounts::{audit_root, diff, diff_backup_root, AuditOptions, Snapshot};

const PASSWD: &[u8] =
    b"root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";
const SHADOW: &[u8] = b"root:!:19000:0:99999:7:::\nalice:$6$salt$hash:19000:0:99999:7:::\n";
const GROUP: &[u8] = b"root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n";

fn mkfifo(p: &std::path::Path) {
    let _ = std::fs::remove_file(p);
    let ok = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(ok.success());
}

fn ids(o: &Outcome) -> Vec<&str> {
    o.findings.iter().map(|f| f.id.as_str()).collect()
}

fn errors_about(o: &Outcome, path: &str) -> usize {
    o.errors
        .iter()
        .filter(|e| e.path.as_deref() == Some(path))
        .count()
}

/// A root with passwd, shadow and group and their backups, where `spoil` replaces some.
fn spoiled(
    spoil: impl Fn(&std::path::Path),
) -> (tempfile::TempDir, ferret_accounts::core::HostRoot) {
    let (t, root) = super::root_with(&[
        ("passwd", PASSWD),
        ("passwd-", PASSWD),
        ("shadow", SHADOW),
        ("shadow-", SHADOW),
        ("group", GROUP),
        ("group-", GROUP),
    ]);
    spoil(&t.path().join("etc"));
    (t, root)
}

/// A named way to make a file unreadable, applied to a root's `etc`.
type Breaker<'a> = (&'static str, Box<dyn Fn(&std::path::Path) + 'a>);

#[test]
fn an_unreadable_shadow_is_an_error_not_an_empty_file() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("shadow"), SHADOW).unwrap();
    let cases: Vec<Breaker<'_>> = vec![
        ("fifo", Box::new(|etc| mkfifo(&etc.join("shadow")))),
        (
            "link out of the root",
            Box::new(|etc| {
                std::fs::remove_file(etc.join("shadow")).unwrap();
                std::os::unix::fs::symlink(outside.path().join("shadow"), etc.join("shadow"))
                    .unwrap();
            }),
        ),
        (
            "directory",
            Box::new(|etc| {
                std::fs::remove_file(etc.join("shadow")).unwrap();
                std::fs::create_dir(etc.join("shadow")).unwrap();
            }),
        ),
    ];
    for (what, spoil) in cases {
        let (_t, root) = spoiled(spoil);
        let d = diff_backup_root(&root, &Control::new());
        assert!(
            !ids(&d).iter().any(|i| i.starts_with("accounts.diff.")),
            "{what}: {:?}",
            ids(&d)
        );
        assert!(
            errors_about(&d, "/etc/shadow") >= 1,
            "{what}: {:#?}",
            d.errors
        );
        assert!(
            d.errors.iter().any(|e| e.message.contains("not compared")),
            "{what}"
        );
        let a = audit_root(&root, &AuditOptions::default(), &Control::new());
        assert!(
            !ids(&a).contains(&"accounts.no-shadow-file"),
            "{what}: {:?}",
            ids(&a)
        );
        assert!(errors_about(&a, "/etc/shadow") >= 1, "{what}");
        // The snapshot says why the data is missing.
        let s = Snapshot::load(&root);
        assert!(s.shadow.unreadable && s.shadow.data.is_none(), "{what}");
    }
    // A shadow that really is missing is still reported as such.
    let (_t, root) = spoiled(|etc| std::fs::remove_file(etc.join("shadow")).unwrap());
    let a = audit_root(&root, &AuditOptions::default(), &Control::new());
    assert!(ids(&a).contains(&"accounts.no-shadow-file"));
    let d = diff_backup_root(&root, &Control::new());
    assert!(ids(&d).contains(&"accounts.diff.file-presence"));
}

#[test]
fn a_fifo_group_removes_no_group() {
    let (_t, root) = spoiled(|etc| mkfifo(&etc.join("group")));
    let d = diff_backup_root(&root, &Control::new());
    assert!(
        !ids(&d).iter().any(|i| i.starts_with("accounts.diff.")),
        "{:?}",
        ids(&d)
    );
    assert!(errors_about(&d, "/etc/group") >= 1, "{:#?}", d.errors);
    // An unreadable backup is not compared either.
    let (_t, root) = spoiled(|etc| mkfifo(&etc.join("passwd-")));
    let d = diff_backup_root(&root, &Control::new());
    assert!(
        !ids(&d).iter().any(|i| i.starts_with("accounts.diff.")),
        "{:?}",
        ids(&d)
    );
    assert!(errors_about(&d, "/etc/passwd-") >= 1, "{:#?}", d.errors);
}

#[test]
fn diff_subjects_are_escaped_once() {
    let old = Snapshot::from_bytes(
        Some(b"root:x:0:0::/root:/bin/sh\n"),
        None,
        Some(b"sudo:x:27:\n"),
        None,
    );
    let new = Snapshot::from_bytes(
        Some(b"root:x:0:0::/root:/bin/sh\nev\x1bil:x:0:0::/root:/bin/sh\n"),
        None,
        Some(b"sudo:x:27:ev\x1bil\n"),
        None,
    );
    let out = diff(&old.view(), &new.view(), &Control::new());
    let subjects: Vec<&str> = out.findings.iter().map(|f| f.subject.as_str()).collect();
    assert!(!subjects.is_empty());
    for s in &subjects {
        assert_eq!(*s, r"ev\x1bil", "{subjects:?}");
    }
}
