//! Hostile trees: nothing hangs, nothing is lost, every skipped path is in the errors.
use super::*;
use ferret_baseline::compare;
use ferret_core::FileKind;
use nix::sys::stat::{mknod, Mode, SFlag};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs `f` on a thread and fails if it takes longer than `limit` (a hang).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}: hung"))
}

#[test]
fn hostile_tree_is_recorded_without_hanging() {
    // On tmpfs when there is one: creating 100k files on a busy disk takes minutes.
    let t = if Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let r = t.path().to_path_buf();
    std::fs::create_dir_all(r.join("d")).unwrap();
    nix::unistd::mkfifo(&r.join("d/fifo"), Mode::from_bits_truncate(0o644)).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(r.join("d/sock")).unwrap();
    let device = match mknod(
        &r.join("d/zero"),
        SFlag::S_IFCHR,
        Mode::from_bits_truncate(0o666),
        nix::sys::stat::makedev(1, 5),
    ) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("skipped: device node part (mknod failed: {e}; needs CAP_MKNOD)");
            false
        }
    };
    std::os::unix::fs::symlink("loop2", r.join("d/loop1")).unwrap();
    std::os::unix::fs::symlink("loop1", r.join("d/loop2")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", r.join("d/dangling")).unwrap();
    std::os::unix::fs::symlink("/", r.join("d/escape")).unwrap();
    // 2 GB sparse file.
    let sparse = std::fs::File::create(r.join("d/sparse")).unwrap();
    sparse.set_len(2 << 30).unwrap();
    drop(sparse);
    // Odd names.
    for name in [
        &b"d/new\nline"[..],
        b"d/back\\slash",
        b"d/bad\xff\xfeutf8",
        b"d/\x1b[31mansi",
    ] {
        std::fs::write(r.join(OsStr::from_bytes(name)), name).unwrap();
    }
    // 100k-entry directory (empty files: creating them is the slow part).
    let big = r.join("big");
    std::fs::create_dir(&big).unwrap();
    for i in 0..100_000 {
        std::fs::File::create(big.join(format!("{i:06}"))).unwrap();
    }
    let root = HostRoot::new(&r).unwrap();
    let root2 = root.clone();
    let start = Instant::now();
    let b = within(Duration::from_secs(60), move || {
        scan_root(
            &root2,
            &opts(|o| o.hash = HashKind::Blake3),
            &Control::new(),
        )
    });
    let took = start.elapsed();
    assert!(b.complete);
    let kind = |p: &[u8]| {
        b.get(p)
            .unwrap_or_else(|| panic!("{:?} lost", String::from_utf8_lossy(p)))
            .kind
    };
    assert_eq!(kind(b"/d/fifo"), FileKind::Fifo);
    assert_eq!(kind(b"/d/sock"), FileKind::Socket);
    if device {
        assert_eq!(kind(b"/d/zero"), FileKind::CharDevice);
        assert_eq!(
            b.get(b"/d/zero").unwrap().rdev,
            nix::sys::stat::makedev(1, 5)
        );
    }
    for l in [&b"/d/loop1"[..], b"/d/loop2", b"/d/dangling", b"/d/escape"] {
        assert_eq!(kind(l), FileKind::Symlink);
    }
    assert_eq!(
        b.get(b"/d/dangling").unwrap().link_target.as_deref(),
        Some(&b"/nonexistent/target"[..])
    );
    let sp = b.get(b"/d/sparse").unwrap();
    assert_eq!(sp.size, 2 << 30);
    // b3sum (the real tool) on the same sparse file.
    let out = std::process::Command::new("b3sum")
        .arg("--no-names")
        .arg(r.join("d/sparse"))
        .output()
        .expect("b3sum is installed (.ci/packages.txt)");
    assert!(out.status.success());
    let zeros = String::from_utf8(out.stdout).unwrap();
    let zeros = zeros.trim();
    let ours: String = sp
        .blake3
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(ours, zeros);
    for name in [
        &b"/d/new\nline"[..],
        b"/d/back\\slash",
        b"/d/bad\xff\xfeutf8",
        b"/d/\x1b[31mansi",
    ] {
        let e = b.get(name).unwrap();
        assert_eq!(e.blake3, Some(*blake3::hash(&name[1..]).as_bytes()));
    }
    let in_big = b
        .entries
        .iter()
        .filter(|e| e.path.starts_with(b"/big/"))
        .count();
    assert_eq!(in_big, 100_000);
    // Nothing was skipped here, so there is nothing in the errors.
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    // Nothing outside the root was followed: no entry beyond the fixture.
    assert_eq!(
        b.entries.len(),
        1 + 1 + 11 + usize::from(device) + 1 + 100_000
    );
    eprintln!("hostile scan of {} entries took {took:?}", b.entries.len());
    // Exact paths survive a save/load round trip and compare clean.
    let mut db = Vec::new();
    b.save(&mut db, None).unwrap();
    let back = Baseline::load(&db[..], None).unwrap();
    assert_eq!(back.entries, b.entries);
    assert!(compare(&back, &b, &CheckOptions::default()).is_clean());
}

#[test]
fn file_modified_while_hashed_is_unstable_not_half_old() {
    let (t, root) = tree();
    let big = t.path().join("usr/bin/growing");
    std::fs::write(&big, vec![1u8; 8 << 20]).unwrap();
    let writer = {
        let big = big.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(&big).unwrap();
            f.write_all(b"tail").unwrap();
        })
    };
    // 8 MiB at 16 MiB/s: the append lands while the file is being read.
    let b = scan_root(
        &root,
        &opts(|o| {
            o.paths.push("/usr/bin".into());
            o.hash = HashKind::Both;
        }),
        &Control::new().with_io_limit(16 << 20).with_max_threads(1),
    );
    writer.join().unwrap();
    let e = b.get(b"/usr/bin/growing").unwrap();
    assert!(e.unverified, "hashed a file that changed under the read");
    assert!(e.sha256.is_none() && e.blake3.is_none());
    assert!(
        b.errors
            .iter()
            .any(|r| r.path.as_deref() == Some("/usr/bin/growing")
                && r.message.contains("changed while it was read")),
        "{:?}",
        b.errors
    );
    // The other file is fine.
    assert!(b.get(b"/usr/bin/ls").unwrap().blake3.is_some());
}

/// Runs as uid 65534 (nobody) under `setpriv`: unreadable files and directories are recorded
/// from their metadata and listed in the errors.
#[test]
fn unreadable_paths_are_errors_as_non_root() {
    if let Ok(dir) = std::env::var("FERRET_BASELINE_CHILD_ROOT") {
        // The child half: we are nobody now.
        let root = HostRoot::new(&dir).unwrap();
        let b = scan(&root, HashKind::Sha256);
        let secret = b.get(b"/secret").expect("unreadable file still recorded");
        assert!(secret.unverified && secret.sha256.is_none());
        assert!(b.get(b"/closed").is_some(), "unreadable dir still recorded");
        let errs: Vec<_> = b.errors.iter().filter_map(|e| e.path.clone()).collect();
        assert!(errs.contains(&"/secret".to_string()), "{errs:?}");
        assert!(errs.contains(&"/closed".to_string()), "{errs:?}");
        assert!(b.get(b"/open").unwrap().sha256.is_some());
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::write(r.join("secret"), b"s").unwrap();
    std::fs::write(r.join("open"), b"o").unwrap();
    std::fs::create_dir(r.join("closed")).unwrap();
    std::fs::write(r.join("closed/inside"), b"i").unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(r, 0o755);
    mode(&r.join("secret"), 0o600);
    mode(&r.join("open"), 0o644);
    mode(&r.join("closed"), 0o700);
    // Every ancestor must be traversable by nobody.
    let mut a = r.parent();
    while let Some(p) = a {
        let m = std::fs::metadata(p).unwrap().permissions().mode();
        assert!(
            m & 0o001 != 0,
            "{} is not traversable by others; cannot run as nobody",
            p.display()
        );
        a = p.parent();
    }
    if nix::unistd::geteuid().is_root() {
        // A copy of this test binary that nobody can execute.
        let bin = tempfile::tempdir().unwrap();
        mode(bin.path(), 0o755);
        let exe = bin.path().join("child");
        std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
        mode(&exe, 0o755);
        let out = std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(exe)
            .args([
                "--exact",
                "hostile::unreadable_paths_are_errors_as_non_root",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FERRET_BASELINE_CHILD_ROOT", r)
            .output()
            .expect("setpriv (util-linux) is needed");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "child as nobody failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        // Not root: chown is impossible, but our own 000 files are unreadable to us too.
        mode(&r.join("secret"), 0o000);
        mode(&r.join("closed"), 0o000);
        std::env::set_var("FERRET_BASELINE_CHILD_ROOT", r);
        let exe = std::env::current_exe().unwrap();
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "hostile::unreadable_paths_are_errors_as_non_root",
                "--nocapture",
            ])
            .output()
            .unwrap();
        mode(&r.join("closed"), 0o700);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// On the live root regular files are opened straight from the directory listing: special
/// files beside them are still recorded from their `lstat`, never opened, nothing blocks.
#[test]
fn live_root_walk_opens_only_regular_files() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir(r.join("sub")).unwrap();
    std::fs::write(r.join("sub/file"), b"content").unwrap();
    std::fs::hard_link(r.join("sub/file"), r.join("link-to-file")).unwrap();
    nix::unistd::mkfifo(&r.join("fifo"), Mode::from_bits_truncate(0o644)).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(r.join("sock")).unwrap();
    std::os::unix::fs::symlink("sub/file", r.join("symlink")).unwrap();
    // Access times two days old: a read without O_NOATIME would move them, even under relatime.
    let old = std::time::SystemTime::now() - Duration::from_secs(2 * 86_400);
    let atime = |p: &Path| std::fs::metadata(p).unwrap().accessed().unwrap();
    for p in [r.join("sub/file"), r.join("sub")] {
        std::fs::File::open(&p)
            .unwrap()
            .set_times(std::fs::FileTimes::new().set_accessed(old))
            .unwrap();
    }
    let before = (atime(&r.join("sub/file")), atime(&r.join("sub")));
    let inner = r.to_path_buf();
    let b = within(Duration::from_secs(60), move || {
        scan_root(
            &HostRoot::live(),
            &opts(|o| {
                o.paths.push(inner.clone());
                o.hash = HashKind::Both;
            }),
            // One thread: with two, both links can be met at the same moment and both read
            // (correct, just not deduplicated), and the counts below would depend on timing.
            &Control::new().with_max_threads(1),
        )
    });
    assert!(b.complete && b.errors.is_empty(), "{:?}", b.errors);
    let base = r.as_os_str().as_bytes().to_vec();
    let get = |name: &str| {
        let mut p = base.clone();
        p.push(b'/');
        p.extend_from_slice(name.as_bytes());
        b.get(&p).unwrap_or_else(|| panic!("{name} lost")).clone()
    };
    assert_eq!(get("fifo").kind, FileKind::Fifo);
    assert_eq!(get("sock").kind, FileKind::Socket);
    assert_eq!(get("symlink").kind, FileKind::Symlink);
    assert_eq!(
        get("symlink").link_target.as_deref(),
        Some(&b"sub/file"[..])
    );
    for f in ["sub/file", "link-to-file"] {
        let e = get(f);
        assert_eq!(e.kind, FileKind::Regular);
        assert_eq!(e.blake3, Some(*blake3::hash(b"content").as_bytes()), "{f}");
        assert_eq!(e.nlink, 2);
    }
    assert_eq!(b.stats.hashed, 1);
    assert_eq!(b.stats.linked, 1);
    assert_eq!(
        (atime(&r.join("sub/file")), atime(&r.join("sub"))),
        before,
        "the scan moved an access time"
    );
}
