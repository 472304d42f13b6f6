//! Behaviour of `ferret_baseline::pkg::verify_root` on hand-built dpkg roots: diversions,
//! merged /usr, shared paths, path-exclude, symlinks, stat overrides, unowned files, malformed
//! database lines, cancellation and progress. Digests are computed here with the `md-5` and
//! `sha2` crates, independently of the code under test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use ferret_baseline::pkg::{verify_root, VerifyOptions, VerifyReport};
use ferret_core::{CancelToken, Control, HostRoot, Severity};
use md5::Digest as _;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn hex(d: &[u8]) -> String {
    ferret_core::hex::encode(d)
}

/// The default options with `set` applied.
fn opts(set: impl FnOnce(&mut VerifyOptions)) -> VerifyOptions {
    let mut o = VerifyOptions::default();
    set(&mut o);
    o
}

fn md5(data: &[u8]) -> String {
    hex(&md5::Md5::digest(data))
}

fn sha256(data: &[u8]) -> String {
    hex(&sha2::Sha256::digest(data))
}

/// (listed path, packaged content, content on disk or None).
type FileSpec<'a> = (&'a str, &'a [u8], Option<&'a [u8]>);

struct Fixture {
    _t: tempfile::TempDir,
    root: std::path::PathBuf,
    status: String,
}

impl Fixture {
    fn new() -> Self {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().to_path_buf();
        for d in ["usr/bin", "usr/sbin", "usr/lib", "etc", "var/lib/dpkg/info"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
        std::os::unix::fs::symlink("usr/sbin", root.join("sbin")).unwrap();
        Fixture {
            _t: t,
            root,
            status: String::new(),
        }
    }

    fn write(&self, p: &str, data: &[u8]) {
        let full = self.root.join(p.trim_start_matches('/'));
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, data).unwrap();
    }

    /// Adds a package: `files` are (listed path, packaged content, content on disk or None).
    fn package(&mut self, name: &str, extra: &str, files: &[FileSpec<'_>], stem: &str) {
        let _ = writeln!(
            self.status,
            "Package: {name}\nStatus: install ok installed\nVersion: 1.0\n{extra}"
        );
        let mut sums = String::new();
        let mut list = String::new();
        for (p, packaged, disk) in files {
            let _ = writeln!(sums, "{}  {}", md5(packaged), p.trim_start_matches('/'));
            let _ = writeln!(list, "{p}");
            if let Some(d) = disk {
                self.write(p, d);
            }
        }
        self.write(
            &format!("/var/lib/dpkg/info/{stem}.md5sums"),
            sums.as_bytes(),
        );
        self.write(&format!("/var/lib/dpkg/info/{stem}.list"), list.as_bytes());
    }

    fn run(&self, opts: &VerifyOptions) -> VerifyReport {
        self.write("/var/lib/dpkg/status", self.status.as_bytes());
        verify_root(&HostRoot::new(&self.root).unwrap(), opts, &Control::new())
    }
}

fn ids(r: &VerifyReport) -> Vec<(String, String)> {
    let mut v: Vec<_> = r
        .outcome
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.subject.clone()))
        .collect();
    v.sort();
    v
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn clean_root_has_no_findings() {
    let mut f = Fixture::new();
    f.package(
        "coreutils",
        "Architecture: amd64\n",
        &[
            ("/bin/ls", b"\x7fELF ls", Some(b"\x7fELF ls")),
            ("/usr/share/doc/coreutils/README", b"doc", Some(b"doc")),
        ],
        "coreutils",
    );
    let r = f.run(&VerifyOptions::default());
    assert_eq!((r.packages, r.files), (1, 2));
    assert_eq!(r.bytes, 10);
    assert!(r.outcome.findings.is_empty(), "{:?}", r.outcome.findings);
    assert!(r.outcome.errors.is_empty(), "{:?}", r.outcome.errors);
}

#[test]
fn severities_by_kind_of_file() {
    let mut f = Fixture::new();
    f.package(
        "libfoo1:amd64",
        "",
        &[],
        "unused", // placeholder; real package below
    );
    f.status.clear();
    f.package(
        "mix",
        "Architecture: amd64\n",
        &[
            ("/usr/sbin/sshd", b"\x7fELF good", Some(b"\x7fELF evil")),
            (
                "/usr/lib/x86_64-linux-gnu/libfoo.so.1",
                b"lib",
                Some(b"LIB"),
            ),
            ("/usr/lib/mix/helper", b"\x7fELF h", Some(b"\x7fELF H")),
            ("/usr/share/mix/data.txt", b"a", Some(b"b")),
            ("/usr/share/doc/mix/changelog", b"a", Some(b"b")),
            ("/usr/bin/gone", b"x", None),
            ("/usr/share/mix/gone.txt", b"x", None),
        ],
        "mix",
    );
    let r = f.run(&opts(|o| o.unowned = false));
    let got: Vec<(String, Severity)> = {
        let mut v: Vec<_> = r
            .outcome
            .findings
            .iter()
            .map(|x| (x.subject.clone(), x.severity))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        got,
        vec![
            ("/usr/bin/gone".into(), Severity::Medium),
            ("/usr/lib/mix/helper".into(), Severity::High),
            (
                "/usr/lib/x86_64-linux-gnu/libfoo.so.1".into(),
                Severity::Critical
            ),
            ("/usr/sbin/sshd".into(), Severity::Critical),
            ("/usr/share/doc/mix/changelog".into(), Severity::Low),
            ("/usr/share/mix/data.txt".into(), Severity::Medium),
            ("/usr/share/mix/gone.txt".into(), Severity::Low),
        ]
    );
    let sshd = r
        .outcome
        .findings
        .iter()
        .find(|x| x.subject == "/usr/sbin/sshd")
        .unwrap();
    assert_eq!(sshd.id, "pkg.binary-changed");
    assert_eq!(sshd.attack, vec!["T1554".to_string()]);
    // Evidence points at the md5sums line.
    assert_eq!(sshd.evidence[0].path, "/var/lib/dpkg/info/mix.md5sums");
    assert_eq!(sshd.evidence[0].line, Some(1));
    let detail = sshd.detail.as_deref().unwrap();
    assert!(detail.starts_with("package mix; recorded md5 "), "{detail}");
    assert!(detail.contains(&md5(b"\x7fELF evil")), "{detail}");
    // Critical first.
    assert_eq!(r.outcome.findings[0].severity, Severity::Critical);
}

#[test]
fn multiarch_sha256_and_malformed_lines() {
    let mut f = Fixture::new();
    f.status.push_str(
        "Package: libz1\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\
         Multi-Arch: same\n\n",
    );
    let body = b"zlib";
    let sums = format!(
        "{}  usr/lib/libz.so.1\nnot a line\n{}  usr/lib/libz.so.1.3\n",
        sha256(body),
        md5(b"old")
    );
    f.write("/var/lib/dpkg/info/libz1:amd64.md5sums", sums.as_bytes());
    f.write(
        "/var/lib/dpkg/info/libz1:amd64.list",
        b"/usr/lib/libz.so.1\n/usr/lib/libz.so.1.3\n",
    );
    f.write("/usr/lib/libz.so.1", body);
    f.write("/usr/lib/libz.so.1.3", b"new");
    let r = f.run(&opts(|o| o.unowned = false));
    assert_eq!(r.files, 2);
    assert_eq!(
        ids(&r),
        vec![pair("pkg.library-changed", "/usr/lib/libz.so.1.3")]
    );
    let d = r.outcome.findings[0].detail.as_deref().unwrap();
    assert!(d.starts_with("package libz1:amd64;"), "{d}");
    assert_eq!(r.outcome.errors.len(), 1);
    let e = &r.outcome.errors[0];
    assert_eq!(
        (e.path.as_deref(), e.line),
        (Some("/var/lib/dpkg/info/libz1:amd64.md5sums"), Some(2))
    );
}

#[test]
fn diversions_symlinks_and_path_excludes() {
    let mut f = Fixture::new();
    f.package(
        "dash",
        "",
        &[
            ("/bin/sh", b"dash", None),
            ("/usr/share/doc/dash/x", b"d", None),
        ],
        "dash",
    );
    f.package("bash", "", &[("/bin/bash", b"bash", Some(b"bash"))], "bash");
    // dash's /bin/sh was diverted by another package to /bin/sh.distrib, and tampered there.
    f.write("/usr/bin/sh.distrib", b"DASH");
    f.write(
        "/var/lib/dpkg/diversions",
        b"/bin/sh\n/bin/sh.distrib\nother\n/usr/bin/ps\n/usr/bin/ps.real\n:\n",
    );
    // Documentation excluded by dpkg's configuration is not "missing".
    f.write(
        "/etc/dpkg/dpkg.cfg.d/excludes",
        b"path-exclude=/usr/share/doc/*\n",
    );
    // A listed file replaced by a symlink to different content.
    f.write("/tmp/evil", b"EVIL");
    std::fs::remove_file(f.root.join("usr/bin/bash")).unwrap();
    std::os::unix::fs::symlink("/tmp/evil", f.root.join("usr/bin/bash")).unwrap();
    let r = f.run(&opts(|o| o.unowned = false));
    assert_eq!(
        ids(&r),
        vec![
            pair("pkg.binary-changed", "/bin/bash"),
            pair("pkg.binary-changed", "/bin/sh.distrib"),
            pair("pkg.local-diversion", "/usr/bin/ps"),
        ]
    );
    let bash = r
        .outcome
        .findings
        .iter()
        .find(|x| x.subject == "/bin/bash")
        .unwrap();
    assert!(bash
        .detail
        .as_deref()
        .unwrap()
        .contains("symbolic link: /tmp/evil"));
    let sh = r
        .outcome
        .findings
        .iter()
        .find(|x| x.subject == "/bin/sh.distrib")
        .unwrap();
    assert!(sh
        .detail
        .as_deref()
        .unwrap()
        .contains("diverted to /bin/sh.distrib"));
}

#[test]
fn replaced_and_shared_paths_follow_ownership() {
    let mut f = Fixture::new();
    // old-pkg's md5sums still lists /usr/share/x, but new-pkg took it over (.list moved).
    f.package("old-pkg", "", &[("/usr/share/x", b"old", None)], "old-pkg");
    f.write("/var/lib/dpkg/info/old-pkg.list", b"");
    f.package(
        "new-pkg",
        "",
        &[("/usr/share/x", b"new", Some(b"new"))],
        "new-pkg",
    );
    // A Multi-Arch: same path shared by two architectures, tampered: reported for both.
    f.package(
        "libs:amd64",
        "",
        &[("/usr/share/libs/c", b"same", Some(b"SAME"))],
        "libs:amd64",
    );
    f.package(
        "libs:i386",
        "",
        &[("/usr/share/libs/c", b"same", None)],
        "libs:i386",
    );
    // Fix the status stanzas: names without ":arch", Multi-Arch: same.
    f.status = f
        .status
        .replace(
            "Package: libs:amd64\n",
            "Package: libs\nArchitecture: amd64\nMulti-Arch: same\n",
        )
        .replace(
            "Package: libs:i386\n",
            "Package: libs\nArchitecture: i386\nMulti-Arch: same\n",
        );
    let r = f.run(&opts(|o| o.unowned = false));
    assert_eq!(r.packages, 4);
    // old-pkg's stale entry is not reported; the tampered shared file is, once per owner.
    assert_eq!(
        ids(&r),
        vec![
            pair("pkg.file-changed", "/usr/share/libs/c"),
            pair("pkg.file-changed", "/usr/share/libs/c"),
        ]
    );
    let mut owners: Vec<&str> = r
        .outcome
        .findings
        .iter()
        .map(|x| x.detail.as_deref().unwrap().split(';').next().unwrap())
        .collect();
    owners.sort_unstable();
    assert_eq!(owners, ["package libs:amd64", "package libs:i386"]);
}

#[test]
fn shared_path_matching_another_owner_is_fine() {
    let mut f = Fixture::new();
    // Both list the path (Replaces without removal); the file on disk is b's version.
    f.package("a", "", &[("/usr/share/s", b"from a", None)], "a");
    f.package(
        "b",
        "",
        &[("/usr/share/s", b"from b", Some(b"from b"))],
        "b",
    );
    let r = f.run(&opts(|o| o.unowned = false));
    assert_eq!(r.files, 2);
    assert!(r.outcome.findings.is_empty(), "{:?}", r.outcome.findings);
    // Tampered: matches neither, reported for both owners.
    f.write("/usr/share/s", b"evil");
    let r = f.run(&opts(|o| o.unowned = false));
    assert_eq!(r.outcome.findings.len(), 2);
}

#[test]
fn conffiles_are_separate_and_lower() {
    let mut f = Fixture::new();
    f.package(
        "openssh-server",
        &format!(
            "Conffiles:\n /etc/ssh/sshd_config {}\n /etc/default/ssh {}\n /etc/old.conf {} obsolete\n",
            md5(b"orig"),
            md5(b"d"),
            md5(b"o")
        ),
        &[("/usr/sbin/sshd", b"\x7fELF", Some(b"\x7fELF"))],
        "openssh-server",
    );
    f.write("/etc/ssh/sshd_config", b"PermitRootLogin yes\n");
    f.write("/etc/default/ssh", b"edited");
    let r = f.run(&opts(|o| o.unowned = false));
    let mut got: Vec<_> = r
        .outcome
        .findings
        .iter()
        .map(|x| (x.id.as_str(), x.subject.as_str(), x.severity))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("pkg.conffile-changed", "/etc/default/ssh", Severity::Info),
            (
                "pkg.conffile-changed",
                "/etc/ssh/sshd_config",
                Severity::Low
            ),
            ("pkg.conffile-missing", "/etc/old.conf", Severity::Info),
        ]
    );
    let e = &r
        .outcome
        .findings
        .iter()
        .find(|x| x.subject == "/etc/ssh/sshd_config")
        .unwrap()
        .evidence[0];
    assert_eq!((e.path.as_str(), e.line), ("/var/lib/dpkg/status", Some(5)));
    let r2 = f.run(&opts(|o| {
        o.unowned = false;
        o.conffiles = false;
    }));
    assert!(r2.outcome.findings.is_empty());
    assert_eq!(r2.files, 1);
}

#[test]
fn unowned_binaries_statoverride_and_world_writable() {
    use std::os::unix::fs::PermissionsExt;
    let mut f = Fixture::new();
    f.package(
        "procps",
        "",
        &[
            ("/bin/ps", b"ps", Some(b"ps")),
            ("/usr/bin/top", b"top", Some(b"top")),
        ],
        "procps",
    );
    f.write("/usr/bin/.hidden-miner", b"\x7fELF");
    f.write("/usr/local/bin/tool", b"#!/bin/sh\n");
    std::os::unix::fs::symlink("/etc/alternatives/editor", f.root.join("usr/bin/editor")).unwrap();
    std::os::unix::fs::symlink("/opt/x/bin/x", f.root.join("usr/bin/x")).unwrap();
    std::fs::set_permissions(
        f.root.join("usr/bin/top"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    let me = nix::unistd::getuid().as_raw();
    let gid = nix::unistd::getgid().as_raw();
    std::fs::set_permissions(
        f.root.join("usr/bin/ps"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .unwrap();
    f.write(
        "/var/lib/dpkg/statoverride",
        format!(
            "#{me} #{gid} 0755 /usr/bin/ps\n#{} #{gid} 0755 /usr/bin/top\n",
            me + 1
        )
        .as_bytes(),
    );
    let r = f.run(&VerifyOptions::default());
    assert_eq!(
        ids(&r),
        vec![
            pair("pkg.mode-drift", "/usr/bin/ps"),
            pair("pkg.mode-drift", "/usr/bin/top"),
            pair("pkg.owner-drift", "/usr/bin/top"),
            pair("pkg.unowned-binary", "/usr/bin/.hidden-miner"),
            pair("pkg.unowned-binary", "/usr/local/bin/tool"),
            pair("pkg.unowned-symlink", "/usr/bin/x"),
            pair("pkg.world-writable", "/usr/bin/top"),
        ]
    );
    let sev = |id: &str, s: &str| {
        r.outcome
            .findings
            .iter()
            .find(|x| x.id == id && x.subject == s)
            .unwrap()
            .severity
    };
    assert_eq!(sev("pkg.mode-drift", "/usr/bin/ps"), Severity::High);
    assert_eq!(
        sev("pkg.unowned-binary", "/usr/bin/.hidden-miner"),
        Severity::Medium
    );
    assert_eq!(
        sev("pkg.unowned-binary", "/usr/local/bin/tool"),
        Severity::Low
    );
    assert_eq!(sev("pkg.world-writable", "/usr/bin/top"), Severity::High);
}

#[test]
fn package_filter_missing_database_and_bad_status() {
    let mut f = Fixture::new();
    f.package("a", "", &[("/usr/share/a", b"a", Some(b"A"))], "a");
    f.package("b", "", &[("/usr/share/b", b"b", Some(b"B"))], "b");
    f.status
        .push_str("Package: c\nStatus: deinstall ok config-files\nVersion: 1\n\nbroken line\n\n");
    let r = f.run(&opts(|o| o.packages = vec![b"b".to_vec(), b"zzz".to_vec()]));
    assert_eq!(r.packages, 1);
    assert_eq!(ids(&r), vec![pair("pkg.file-changed", "/usr/share/b")]);
    let msgs: Vec<String> = r.outcome.errors.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter().any(|m| m.contains("zzz is not installed")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m.starts_with("/var/lib/dpkg/status:")),
        "{msgs:?}"
    );

    let empty = tempfile::tempdir().unwrap();
    let r = verify_root(
        &HostRoot::new(empty.path()).unwrap(),
        &VerifyOptions::default(),
        &Control::new(),
    );
    assert_eq!(r.files, 0);
    assert_eq!(
        r.outcome.errors.len(),
        1,
        "no database is an error, not a clean bill"
    );
}

#[test]
fn cancel_and_progress() {
    let mut f = Fixture::new();
    let bodies: Vec<Vec<u8>> = (0..600).map(|i| format!("f{i}").into_bytes()).collect();
    let names: Vec<String> = (0..600).map(|i| format!("/usr/share/many/f{i}")).collect();
    let files: Vec<FileSpec<'_>> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| (n.as_str(), b.as_slice(), Some(b.as_slice())))
        .collect();
    f.package("many", "", &files, "many");
    f.write("/var/lib/dpkg/status", f.status.as_bytes());
    let root = HostRoot::new(&f.root).unwrap();
    let seen = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let totals = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (s2, b2, t2) = (seen.clone(), bytes.clone(), totals.clone());
    let c = Control::new().with_max_threads(2).with_progress(move |p| {
        s2.fetch_max(p.items_done, Ordering::Relaxed);
        b2.fetch_max(p.bytes_done, Ordering::Relaxed);
        t2.lock().unwrap().push(p.items_total);
    });
    let r = verify_root(&root, &opts(|o| o.unowned = false), &c);
    assert_eq!(r.files, 600);
    assert!(r.outcome.findings.is_empty());
    // A bar can be drawn: the total is known from the first report, and the last one is whole.
    assert_eq!(seen.load(Ordering::Relaxed), 600);
    assert_eq!(bytes.load(Ordering::Relaxed), r.bytes);
    let totals = totals.lock().unwrap();
    assert!(totals.len() >= 2, "{totals:?}");
    assert!(totals.iter().all(|t| *t == Some(600)), "{totals:?}");

    let token = CancelToken::new();
    token.cancel();
    let r = verify_root(
        &root,
        &VerifyOptions::default(),
        &Control::new().with_cancel(token),
    );
    assert!(r.files < 600);
    assert!(r.outcome.errors.iter().any(|e| e.message == "cancelled"));
}

/// Content of `len` bytes that differs per `seed` (not all zero: a lane mix-up would show).
fn body(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) ^ seed.wrapping_mul(0x9e37_79b9)).to_le_bytes()[1])
        .collect()
}

#[test]
fn batched_and_streamed_files_hash_like_md5() {
    // Sizes around MD5's block and padding edges, the batch/stream boundary (1 MiB), the
    // stream step (128 KiB), and more large files than there are SIMD lanes.
    let mut sizes: Vec<usize> = vec![
        0,
        1,
        55,
        56,
        63,
        64,
        65,
        127,
        128,
        4095,
        65_537,
        (1 << 20) - 1,
        1 << 20,
        (1 << 20) + 1,
        (3 << 20) + 17,
        5 << 17,
    ];
    sizes.extend((0..20).map(|k| (1 << 20) + 4099 * k));
    let bodies: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(k, &n)| body(n, k as u32))
        .collect();
    let names: Vec<String> = (0..sizes.len())
        .map(|k| format!("/usr/share/sizes/f{k}"))
        .collect();
    let small_new = body(3000, 999);
    let big_old = body((2 << 20) + 5, 1000);
    let mut big_new = big_old.clone();
    big_new[1 << 20] ^= 1;
    let missing = body(1 << 21, 1001);
    let mut files: Vec<FileSpec<'_>> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| (n.as_str(), b.as_slice(), Some(b.as_slice())))
        .collect();
    let small_old = body(3000, 998);
    files.push((
        "/usr/share/sizes/small-altered",
        &small_old,
        Some(&small_new),
    ));
    files.push(("/usr/lib/big-altered.so", &big_old, Some(&big_new)));
    files.push(("/usr/share/sizes/big-missing", &missing, None));
    // A hard link and a symlink to one large file, listed under three names.
    files.push(("/usr/share/sizes/link-a", &bodies[14], None));
    files.push(("/usr/share/sizes/link-b", &bodies[14], None));
    // Deeper than the directory handles kept open per worker, then back up and down again.
    let deep = body(777, 31);
    files.push((
        "/usr/share/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/deep",
        &deep,
        Some(&deep),
    ));
    files.push((
        "/usr/share/d1/d2/d3/x/y/z/w/v/u/t/s/r/q/deep2",
        &deep,
        Some(&deep),
    ));
    files.push(("/usr/share/d1/deep3", &deep, Some(&deep)));
    let mut f = Fixture::new();
    f.package("sizes", "Architecture: all\n", &files, "sizes");
    std::fs::hard_link(
        f.root.join("usr/share/sizes/f14"),
        f.root.join("usr/share/sizes/link-a"),
    )
    .unwrap();
    std::os::unix::fs::symlink("f14", f.root.join("usr/share/sizes/link-b")).unwrap();
    let on_disk: u64 = bodies.iter().map(|b| b.len() as u64).sum::<u64>()
        + (small_new.len() + big_new.len() + 2 * bodies[14].len() + 3 * deep.len()) as u64;
    for threads in [1, 2, 8] {
        f.write("/var/lib/dpkg/status", f.status.as_bytes());
        let root = HostRoot::new(&f.root).unwrap();
        let c = Control::new().with_max_threads(threads);
        let r = verify_root(&root, &opts(|o| o.unowned = false), &c);
        assert!(!r.md5_engine.is_empty());
        assert!(r.outcome.errors.is_empty(), "{:?}", r.outcome.errors);
        assert_eq!(r.files, files.len() as u64);
        assert_eq!(r.bytes, on_disk, "{}", r.md5_engine);
        assert_eq!(
            ids(&r),
            [
                pair("pkg.file-changed", "/usr/share/sizes/small-altered"),
                pair("pkg.file-missing", "/usr/share/sizes/big-missing"),
                pair("pkg.library-changed", "/usr/lib/big-altered.so"),
            ],
            "{} threads, {}",
            threads,
            r.md5_engine
        );
        for (path, now) in [
            ("/usr/share/sizes/small-altered", &small_new),
            ("/usr/lib/big-altered.so", &big_new),
        ] {
            let fd = r
                .outcome
                .findings
                .iter()
                .find(|x| x.subject == path)
                .unwrap();
            let detail = fd.detail.as_deref().unwrap();
            assert!(detail.contains(&format!("found {}", md5(now))), "{detail}");
        }
    }
}
