//! Inode flags read through sound opens, compared with e2fsprogs' `lsattr` on files and
//! directories whose flags `chattr` set (on a loop-mounted ext4 image when the temporary
//! directory's file system keeps none: see `ferret_testkit::flags`).

use ferret_core::{Error, FileKind, HostRoot, InodeFlags};
use ferret_testkit::flags::{chattr, lsattr, FlagDir};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn flags_match_lsattr() {
    let Some(dir) = FlagDir::new() else { return };
    let t = dir.path();
    // (name, directory, chattr mode: one call, as an immutable file takes no other change)
    let cases: &[(&str, bool, &str)] = &[
        ("plain", false, ""),
        ("immutable", false, "+i"),
        ("append", false, "+a"),
        ("both", false, "+ia"),
        ("nodump-noatime", false, "+dA"),
        ("sync", false, "+S"),
        ("dir-immutable", true, "+i"),
        ("dir-append", true, "+a"),
        ("dir-dirsync", true, "+D"),
    ];
    for (name, is_dir, _) in cases {
        let p = t.join(name);
        if *is_dir {
            std::fs::create_dir(&p).unwrap();
        } else {
            std::fs::write(&p, b"content\n").unwrap();
        }
    }
    // Set the flags last: an immutable directory refuses new entries.
    for (name, _, mode) in cases {
        if !mode.is_empty() {
            chattr(mode, &t.join(name));
        }
    }
    let root = HostRoot::new(t).unwrap();
    let mut seen_i = 0;
    for (name, is_dir, mode) in cases {
        let inner = Path::new("/").join(name);
        let ours = root
            .inode_flags(&inner)
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: no flags on a file system that has them"));
        let theirs = lsattr(&t.join(name));
        assert_eq!(ours.lsattr(), theirs, "{name}");
        assert_eq!(ours.is_immutable(), mode.contains('i'), "{name}");
        assert_eq!(ours.is_append_only(), mode.contains('a'), "{name}");
        seen_i += usize::from(ours.is_immutable());
        // The same through the other sound paths: a directory handle and an open file.
        if *is_dir {
            let d = root.open_dir(&inner).unwrap();
            assert_eq!(d.inode_flags().unwrap(), Some(ours), "{name}");
        } else {
            let f = root
                .open_file(&inner, &ferret_core::OpenOptions::new())
                .unwrap();
            assert_eq!(f.inode_flags().unwrap(), Some(ours), "{name}");
        }
    }
    assert_eq!(seen_i, 3);
    // The root directory itself.
    assert_eq!(
        root.inode_flags("/").unwrap().map(InodeFlags::lsattr),
        Some(lsattr(t))
    );
}

#[test]
fn special_files_are_refused_unopened() {
    let Some(dir) = FlagDir::new() else { return };
    let t = dir.path();
    nix::unistd::mkfifo(
        &t.join("fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", t.join("link")).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(t.join("sock")).unwrap();
    let root = HostRoot::new(t).unwrap();
    let start = Instant::now();
    assert!(matches!(
        root.inode_flags("/fifo"),
        Err(Error::WrongKind {
            kind: FileKind::Fifo,
            ..
        })
    ));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "blocked on a FIFO"
    );
    assert!(matches!(
        root.inode_flags("/sock"),
        Err(Error::WrongKind {
            kind: FileKind::Socket,
            ..
        })
    ));
    // The final symbolic link is never followed (out of the root or not).
    assert!(matches!(
        root.inode_flags("/link"),
        Err(Error::Symlink { .. })
    ));
    assert!(root.inode_flags("/missing").unwrap_err().is_not_found());
    // A device node, on the live system's /dev.
    let live = HostRoot::live();
    assert!(matches!(
        live.inode_flags("/dev/null"),
        Err(Error::WrongKind {
            kind: FileKind::CharDevice,
            ..
        })
    ));
}

#[test]
fn reading_flags_moves_no_timestamp() {
    let Some(dir) = FlagDir::new() else { return };
    let t = dir.path();
    let p = t.join("f");
    std::fs::write(&p, b"x").unwrap();
    // An old access time, so that an atime update (relatime or not) would show.
    let old = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::open(&p)
        .unwrap()
        .set_times(
            std::fs::FileTimes::new()
                .set_accessed(old)
                .set_modified(old),
        )
        .unwrap();
    chattr("+a", &p);
    let before = std::fs::symlink_metadata(&p).unwrap();
    let root = HostRoot::new(t).unwrap();
    for _ in 0..3 {
        assert!(root.inode_flags("/f").unwrap().unwrap().is_append_only());
    }
    let after = std::fs::symlink_metadata(&p).unwrap();
    assert_eq!(
        (before.atime(), before.mtime(), before.ctime()),
        (after.atime(), after.mtime(), after.ctime())
    );
}

#[test]
fn birth_time_matches_stat() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("f"), b"x").unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let ours = root.birth_time("/f").unwrap();
    let out = std::process::Command::new("stat")
        .args(["-c", "%W"])
        .arg(t.path().join("f"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let theirs: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    // stat prints 0 when the file system records no birth time.
    assert_eq!(ours.map_or(0, |b| b.sec), theirs);
    assert!(root.birth_time("/").is_ok());
    assert!(root.birth_time("/missing").unwrap_err().is_not_found());
}
