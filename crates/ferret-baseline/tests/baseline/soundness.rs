//! Issue 10/11: auditing leaves no trace; I/O cap and prompt cancellation.
use super::*;
use ferret_baseline::{check_root, Baseline, SealKey};
use nix::sys::stat::{utimensat, UtimensatFlags};
use nix::sys::time::TimeSpec;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, PartialEq, Eq)]
struct Snap {
    atime: (i64, i64),
    mtime: (i64, i64),
    ctime: (i64, i64),
    size: u64,
    mode: u32,
}

/// `lstat` of every known path (no directory is listed, so no atime is touched).
fn snapshot(paths: &[PathBuf]) -> Vec<Snap> {
    paths
        .iter()
        .map(|p| {
            let m = std::fs::symlink_metadata(p).unwrap();
            Snap {
                atime: (m.atime(), m.atime_nsec()),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
                size: m.size(),
                mode: m.mode(),
            }
        })
        .collect()
}

#[test]
fn init_and_check_change_no_timestamps() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path().to_path_buf();
    let mut paths = vec![r.clone()];
    for d in ["etc", "etc/ssh", "usr", "usr/bin", "var", "var/log"] {
        std::fs::create_dir(r.join(d)).unwrap();
        paths.push(r.join(d));
    }
    for (f, data) in [
        ("etc/passwd", &b"root:x:0:0::/root:/bin/sh\n"[..]),
        ("etc/shadow", b"root:*:19000:0:99999:7:::\n"),
        ("etc/ssh/sshd_config", b"Port 22\n"),
        ("usr/bin/tool", &[0x7f; 300_000]),
        ("var/log/auth.log", b"x\n"),
    ] {
        std::fs::write(r.join(f), data).unwrap();
        paths.push(r.join(f));
    }
    std::os::unix::fs::symlink("/etc/shadow", r.join("etc/link")).unwrap();
    paths.push(r.join("etc/link"));
    // Every atime far in the past (older than mtime, so relatime would update it on a read).
    let past = TimeSpec::new(1_000_000_000, 0);
    for p in &paths {
        let m = std::fs::symlink_metadata(p).unwrap();
        let mtime = TimeSpec::new(m.mtime(), m.mtime_nsec());
        utimensat(
            nix::fcntl::AT_FDCWD,
            p,
            &past,
            &mtime,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();
    }
    let before = snapshot(&paths);
    assert!(before.iter().all(|s| s.atime.0 == 1_000_000_000));

    let root = HostRoot::new(&r).unwrap();
    let key = SealKey::from_bytes(&[7u8; 32]).unwrap();
    let out = tempfile::tempdir().unwrap();
    let db = out.path().join("db");
    let is_link = |p: &PathBuf| {
        std::fs::symlink_metadata(p)
            .unwrap()
            .file_type()
            .is_symlink()
    };

    // 1. Atime-pristine mode (link targets not read): zero differences, links included.
    let b = scan_root(
        &root,
        &opts(|o| {
            o.hash = HashKind::Both;
            o.link_targets = false;
        }),
        &Control::new(),
    );
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    assert!(b.get(b"/usr/bin/tool").unwrap().sha256.is_some());
    b.save(std::fs::File::create(&db).unwrap(), Some(&key))
        .unwrap();
    let old = Baseline::load(std::fs::File::open(&db).unwrap(), Some(&key)).unwrap();
    let c = check_root(&root, &old, &mode(CheckMode::Secure), &Control::new());
    assert!(c.is_clean(), "{c:?}");
    let c = check_root(&root, &old, &mode(CheckMode::Fast), &Control::new());
    assert!(c.is_clean(), "{c:?}");
    let after = snapshot(&paths);
    for ((p, a), b) in paths.iter().zip(&before).zip(&after) {
        assert_eq!(a, b, "{} changed", p.display());
    }

    // 2. Default mode records link targets: readlink(2) has no O_NOATIME, so the only
    //    possible difference is a symlink's atime; nothing else moves, and a check does not
    //    read an unchanged link again.
    let b = scan_root(&root, &opts(|o| o.hash = HashKind::Both), &Control::new());
    assert_eq!(
        b.get(b"/etc/link").unwrap().link_target.as_deref(),
        Some(&b"/etc/shadow"[..])
    );
    let after_init = snapshot(&paths);
    for ((p, a), b) in paths.iter().zip(&before).zip(&after_init) {
        if is_link(p) {
            assert_eq!(
                (a.mtime, a.ctime, a.size, a.mode),
                (b.mtime, b.ctime, b.size, b.mode)
            );
        } else {
            assert_eq!(a, b, "{} changed", p.display());
        }
    }
    // Links' atimes back in the past (test-only), then a check must not touch anything.
    for p in paths.iter().filter(|p| is_link(p)) {
        let m = std::fs::symlink_metadata(p).unwrap();
        let mtime = TimeSpec::new(m.mtime(), m.mtime_nsec());
        utimensat(
            nix::fcntl::AT_FDCWD,
            p,
            &past,
            &mtime,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();
    }
    // (Back-dating changed the links' ctime; the baseline takes the current ctime, as if it
    // had been made now. The targets are the same: links cannot change in place.)
    let mut b = b;
    for e in &mut b.entries {
        if e.kind == ferret_core::FileKind::Symlink {
            let m = std::fs::symlink_metadata(host(&root, &e.path)).unwrap();
            e.ctime = ferret_core::Timestamp {
                sec: m.ctime(),
                nsec: m.ctime_nsec() as u32,
            };
        }
    }
    let before_check = snapshot(&paths);
    let c = check_root(&root, &b, &mode(CheckMode::Secure), &Control::new());
    assert!(c.is_clean(), "{c:?}");
    assert_eq!(snapshot(&paths), before_check, "check touched a timestamp");
}

#[test]
fn output_inside_the_scanned_tree_is_refused() {
    let (t, root) = tree();
    let scan = opts(|o| o.paths.push("/etc".into()));
    assert!(scan
        .ensure_output_outside(&root, &t.path().join("etc/baseline.db"))
        .is_err());
    assert!(scan
        .ensure_output_outside(&root, &t.path().join("etc/new/dir/baseline.db"))
        .is_err());
    let other = tempfile::tempdir().unwrap();
    assert!(scan
        .ensure_output_outside(&root, &other.path().join("db"))
        .is_ok());
    // A sibling of the scanned path is fine.
    assert!(scan
        .ensure_output_outside(&root, &t.path().join("db"))
        .is_ok());
}

fn data_tree(files: usize, size: usize) -> (tempfile::TempDir, HostRoot) {
    let t = tempfile::tempdir().unwrap();
    for i in 0..files {
        std::fs::write(t.path().join(format!("f{i:03}")), vec![i as u8; size]).unwrap();
    }
    let root = HostRoot::new(t.path()).unwrap();
    (t, root)
}

#[test]
fn io_cap_holds_and_cancel_is_prompt() {
    // 24 MiB at 20 MB/s: about 1.2 s.
    let (_t, root) = data_tree(24, 1 << 20);
    let cap = 20_000_000u64;
    let scan = opts(|o| o.hash = HashKind::Blake3);
    let start = Instant::now();
    let b = scan_root(&root, &scan, &Control::new().with_io_limit(cap));
    let secs = start.elapsed().as_secs_f64();
    let rate = b.stats.bytes_hashed as f64 / secs;
    assert_eq!(b.stats.bytes_hashed, 24 << 20);
    assert!(
        rate <= cap as f64 * 1.10,
        "measured {rate:.0} B/s over a {cap} B/s cap"
    );
    // ... and the cap is what limits it (not something else making it slow).
    assert!(rate >= cap as f64 * 0.3, "measured {rate:.0} B/s");

    // Cancellation: a capped scan of 96 MiB would take ~5 s; cancel after 300 ms.
    let (_t2, root2) = data_tree(48, 2 << 20);
    let done = Arc::new(AtomicU64::new(0));
    let d2 = Arc::clone(&done);
    let control = Control::new()
        .with_io_limit(cap)
        .with_progress(move |p| d2.store(p.items_done, Ordering::Relaxed));
    let c2 = control.clone();
    let scan = opts(|o| o.hash = HashKind::Blake3);
    let h = std::thread::spawn(move || {
        let b = scan_root(&root2, &scan, &c2);
        (b, Instant::now())
    });
    std::thread::sleep(Duration::from_millis(300));
    let cancelled_at = Instant::now();
    control.cancel.cancel();
    let (b, returned_at) = h.join().unwrap();
    let lag = returned_at.duration_since(cancelled_at);
    assert!(
        lag < Duration::from_millis(200),
        "cancellation took {lag:?}"
    );
    assert!(!b.complete);
    assert!(!b.entries.is_empty(), "no partial result");
    assert!(b.entries.len() < 49, "not partial: {}", b.entries.len());
    assert!(b.errors.iter().any(|e| e.message.contains("cancelled")));
    assert!(done.load(Ordering::Relaxed) > 0, "no progress reported");
}

#[test]
fn output_on_another_filesystem_below_the_scan_is_allowed() {
    // /dev/shm is a tmpfs below `/`: scanning `/` (one filesystem) may write there, but not
    // when the scan crosses filesystems.
    let shm = Path::new("/dev/shm");
    let root_dev = std::fs::metadata("/").unwrap().dev();
    if !shm.is_dir() || std::fs::metadata(shm).unwrap().dev() == root_dev {
        eprintln!("skipped: /dev/shm is not a separate filesystem here");
        return;
    }
    let live = HostRoot::live();
    let scan = opts(|o| o.paths.push("/".into()));
    assert!(scan
        .ensure_output_outside(&live, &shm.join("ferret-db"))
        .is_ok());
    assert!(scan
        .ensure_output_outside(&live, Path::new("/root/ferret-db"))
        .is_err());
    let crossing = opts(|o| {
        o.paths.push("/".into());
        o.same_filesystem = false;
    });
    assert!(crossing
        .ensure_output_outside(&live, &shm.join("ferret-db"))
        .is_err());
}
