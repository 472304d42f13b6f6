//! Inode flags as a baseline attribute (`inode_flags`, AIDE's `e2fsattrs`): recorded as
//! `lsattr` shows them, compared, reported when `i` or `a` appears; format-1 baselines (made
//! before the attribute existed) load with the attribute "not recorded".
use super::*;
use ferret_baseline::{check_root, compare, Attr, Entry};
use ferret_core::{FileKind, InodeFlags, Severity};
use ferret_testkit::flags::{chattr, lsattr, FlagDir};

/// A small tree inside a directory where `chattr` works.
fn flag_tree(dir: &FlagDir) -> HostRoot {
    let r = dir.path();
    for d in ["etc/cron.d", "var/log", "root/.ssh"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("etc/passwd"), b"root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(r.join("etc/cron.d/job"), b"* * * * * root true\n").unwrap();
    std::fs::write(r.join("var/log/auth.log"), b"line 1\n").unwrap();
    std::fs::write(r.join("root/.ssh/authorized_keys"), b"").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", r.join("etc/link")).unwrap();
    nix::unistd::mkfifo(
        &r.join("var/log/fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    HostRoot::new(r).unwrap()
}

#[test]
fn recorded_as_lsattr_shows_them() {
    let Some(dir) = FlagDir::new() else { return };
    let root = flag_tree(&dir);
    chattr("+i", &dir.path().join("etc/cron.d/job"));
    chattr("+a", &dir.path().join("var/log/auth.log"));
    chattr("+i", &dir.path().join("root/.ssh"));
    // Content selected (full), content not selected (log), and directories.
    let o = opts(|o| {
        o.rules
            .push(include("/var/log", AttrSet::log().with(Attr::InodeFlags)));
    });
    let b = scan_root(&root, &o, &Control::new());
    assert!(b.complete && b.errors.is_empty(), "{:?}", b.errors);
    let mut compared = 0;
    for e in &b.entries {
        let host = host(&root, &e.path);
        match e.kind {
            FileKind::Regular | FileKind::Directory => {
                let ours = e
                    .inode_flags
                    .unwrap_or_else(|| panic!("{}: no flags", String::from_utf8_lossy(&e.path)));
                assert_eq!(
                    ours.lsattr(),
                    lsattr(&host),
                    "{}",
                    String::from_utf8_lossy(&e.path)
                );
                compared += 1;
            }
            // Never opened, so never asked.
            _ => assert_eq!(e.inode_flags, None, "{}", String::from_utf8_lossy(&e.path)),
        }
    }
    assert!(compared >= 9, "{compared}");
    let get = |p: &[u8]| b.get(p).unwrap().inode_flags.unwrap();
    assert!(get(b"/etc/cron.d/job").is_immutable());
    assert!(get(b"/var/log/auth.log").is_append_only());
    assert!(get(b"/root/.ssh").is_immutable());
    assert!(!get(b"/etc/passwd").is_immutable());
    // Saved and loaded, they stay.
    let mut db = Vec::new();
    b.save(&mut db, None).unwrap();
    assert_eq!(db[8], ferret_baseline::format::VERSION);
    assert_eq!(Baseline::load(&db[..], None).unwrap().entries, b.entries);
    // Not selected: not read.
    let o = opts(|o| o.default_attrs = AttrSet::full().without(Attr::InodeFlags));
    let b = scan_root(&root, &o, &Control::new());
    assert!(b.entries.iter().all(|e| e.inode_flags.is_none()));
}

#[test]
fn a_flag_set_after_the_baseline_is_reported() {
    let Some(dir) = FlagDir::new() else { return };
    let root = flag_tree(&dir);
    let old = scan(&root, HashKind::Blake3);
    chattr("+i", &dir.path().join("etc/passwd"));
    chattr("+a", &dir.path().join("etc/cron.d"));
    for m in [CheckMode::Secure, CheckMode::Fast] {
        let c = check_root(&root, &old, &mode(m), &Control::new());
        let changed: Vec<(&[u8], &[Attr])> = c
            .changed
            .iter()
            .map(|ch| (ch.path.as_slice(), ch.attributes.as_slice()))
            .collect();
        // chattr changes the ctime too.
        assert_eq!(
            changed,
            [
                (&b"/etc/cron.d"[..], &[Attr::Ctime, Attr::InodeFlags][..]),
                (&b"/etc/passwd"[..], &[Attr::Ctime, Attr::InodeFlags][..]),
            ],
            "{m:?}"
        );
        let v = c.changed[1]
            .values
            .iter()
            .find(|v| v.attribute == Attr::InodeFlags)
            .unwrap();
        assert_eq!(v.new, lsattr(&dir.path().join("etc/passwd")));
        assert_eq!(
            v.old,
            old.get(b"/etc/passwd")
                .unwrap()
                .inode_flags
                .unwrap()
                .lsattr()
        );
        let f = c.findings();
        let added: Vec<(&str, &str, Severity)> = f
            .findings
            .iter()
            .filter(|f| f.id == "baseline.immutable-added")
            .map(|f| (f.subject.as_str(), f.title.as_str(), f.severity))
            .collect();
        assert_eq!(
            added,
            [
                (
                    "/etc/cron.d",
                    "append-only flag set since the baseline",
                    Severity::High
                ),
                (
                    "/etc/passwd",
                    "immutable flag set since the baseline",
                    Severity::High
                ),
            ]
        );
    }
    // Clearing a flag is a change too (no immutable-added finding).
    chattr("-i", &dir.path().join("etc/passwd"));
    let mid = scan(&root, HashKind::Blake3);
    let c = compare(&old, &mid, &CheckOptions::default());
    assert!(c
        .findings()
        .findings
        .iter()
        .all(|f| f.id != "baseline.immutable-added" || f.subject == "/etc/cron.d"));
}

/// `tests/fixtures/format1.ferretbl` was written by the format-1 writer (it is the fuzz seed
/// `baseline_load/both-rules`): a scan of a small tree with the `full` default and two rules.
#[test]
fn format_1_baselines_load_with_flags_not_recorded() {
    let db = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format1.ferretbl"),
    )
    .unwrap();
    assert_eq!(db[8], ferret_baseline::format::VERSION_1);
    let old = Baseline::load(&db[..], None).unwrap();
    assert!(old.entries.len() >= 4, "{}", old.entries.len());
    assert!(old.entries.iter().all(|e| e.inode_flags.is_none()));
    // Its `full` is today's `full` (with inode flags, which it did not record).
    assert_eq!(old.config.default_attrs, AttrSet::full());
    assert!(old.entries.iter().any(|e| e.attrs == AttrSet::full()));
    // Compared with a scan that records flags: "not recorded", never "changed".
    let mut new = old.clone();
    for e in &mut new.entries {
        if matches!(e.kind, FileKind::Regular | FileKind::Directory) {
            e.inode_flags = Some(InodeFlags::IMMUTABLE);
        }
    }
    let c = compare(&old, &new, &CheckOptions::default());
    assert!(c.is_clean(), "{:?}", c.changed);
    // Both sides recorded and different: a change.
    let c = compare(
        &new,
        &old_with(&new, InodeFlags::APPEND),
        &CheckOptions::default(),
    );
    assert!(!c.changed.is_empty());
    assert!(c
        .changed
        .iter()
        .all(|ch| ch.attributes == [Attr::InodeFlags]));
    // Saved again, it is a format-2 file that loads back the same.
    let mut out = Vec::new();
    old.save(&mut out, None).unwrap();
    assert_eq!(out[8], ferret_baseline::format::VERSION);
    let back = Baseline::load(&out[..], None).unwrap();
    assert_eq!(back.entries, old.entries);
    assert_eq!(back.config, old.config);
}

/// `b` with every recorded flag replaced by `f`.
fn old_with(b: &Baseline, f: InodeFlags) -> Baseline {
    let mut b = b.clone();
    for e in &mut b.entries {
        if e.inode_flags.is_some() {
            e.inode_flags = Some(f);
        }
    }
    b
}

#[test]
fn format_2_entry_flags_are_refused_in_a_format_1_file() {
    // A format-2 file with its version byte set to 1: the entry flag for inode flags is
    // unknown there, and the digest no longer verifies either; both are refused.
    let mut e = Entry::new("/etc/passwd", FileKind::Regular, AttrSet::full());
    e.inode_flags = Some(InodeFlags::IMMUTABLE);
    let b = Baseline::from_entries(ferret_baseline::ScanConfig::default(), vec![e]);
    let mut db = Vec::new();
    b.save(&mut db, None).unwrap();
    db[8] = 1;
    assert!(Baseline::load(&db[..], None).is_err());
}
