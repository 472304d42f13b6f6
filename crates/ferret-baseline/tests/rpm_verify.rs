//! `pkg::verify_root` on rpm roots against `rpm -Va --root`: packages built with `rpmbuild`,
//! installed into a scratch root with `rpm --root R -i --nodeps --noscripts`, verified clean,
//! then tampered with (content, size, mode, owner, group, link target, removal, config edit,
//! capabilities, a directory's mode), and required to give `rpm -Va`'s lines, line for line.
//! A second root holds 300 generated packages (one `rpmbuild` of a spec with 300
//! subpackages) tampered at random.
// Test helpers: a failure is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ferret_baseline::pkg::{verify_root, FileProblem, Manager, VerifyOptions, VerifyReport};
use ferret_core::{Control, HostRoot, Severity};
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const SPEC: &str = r"Name: ferret-demo
Version: 1.2
Release: 3
Summary: ferret test package
License: MIT
BuildArch: noarch
%description
Test package for ferret's rpm verifier.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/ferret %{buildroot}/var/log/ferret %{buildroot}/usr/share/doc/ferret-demo %{buildroot}/usr/lib/ferret
printf '#!/bin/sh\necho hi\n' > %{buildroot}/usr/bin/ferret-demo
printf '#!/bin/sh\necho ping\n' > %{buildroot}/usr/bin/ferret-ping
printf 'a=1\n' > %{buildroot}/etc/ferret/demo.conf
printf 'b=2\n' > %{buildroot}/etc/ferret/keep.conf
printf 'x' > %{buildroot}/etc/ferret/missing.conf
printf 'lib\n' > %{buildroot}/usr/lib/ferret/libdemo.so.1
ln -s ferret-demo %{buildroot}/usr/bin/fdemo
ln %{buildroot}/usr/bin/ferret-demo %{buildroot}/usr/bin/ferret-demo-hard
printf 'doc\n' > %{buildroot}/usr/share/doc/ferret-demo/README
touch %{buildroot}/var/log/ferret/demo.log
%files
%attr(0755,root,root) /usr/bin/ferret-demo
%attr(0755,root,root) /usr/bin/ferret-demo-hard
%attr(0755,root,root) %caps(cap_net_raw=ep) /usr/bin/ferret-ping
/usr/bin/fdemo
%config /etc/ferret/demo.conf
%config(noreplace) /etc/ferret/keep.conf
%dir /etc/ferret
%dir /usr/lib/ferret
/usr/lib/ferret/libdemo.so.1
%doc /usr/share/doc/ferret-demo/README
%ghost /var/log/ferret/demo.log
%config(missingok) %attr(0600,root,root) %verify(not md5 size mtime) /etc/ferret/missing.conf
";

use ferret_testkit::rpm::{install, verify_all as rpm_va};

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().expect("setcap (Debian package libcap2-bin)")
}

/// Our report, and its problems as rpm's lines, sorted.
fn ours(root: &Path) -> (Vec<String>, VerifyReport) {
    let r = verify_root(
        &HostRoot::new(root).unwrap(),
        &VerifyOptions::default(),
        &Control::new(),
    );
    let mut v: Vec<String> = r.problems.iter().map(FileProblem::rpm_line).collect();
    v.sort();
    (v, r)
}

fn finding<'a>(r: &'a VerifyReport, id: &str, subject: &str) -> &'a ferret_core::Finding {
    r.outcome
        .findings
        .iter()
        .find(|f| f.id == id && f.subject == subject)
        .unwrap_or_else(|| panic!("no {id} for {subject}: {:#?}", r.outcome.findings))
}

#[test]
fn clean_then_tampered_root_equals_rpm_va() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    install(work.path(), &root, SPEC);

    let (got, report) = ours(&root);
    assert_eq!(report.packages, 1);
    assert_eq!(report.databases.len(), 1);
    assert_eq!(report.databases[0].manager, Manager::Rpm);
    assert!(report.files >= 10, "{}", report.files);
    assert!(report.bytes > 0);
    assert_eq!(got, rpm_va(&root), "a fresh install");
    assert!(got.is_empty(), "{got:?}");
    assert!(
        report.outcome.findings.is_empty(),
        "{:?}",
        report.outcome.findings
    );
    assert!(
        report.outcome.errors.is_empty(),
        "{:?}",
        report.outcome.errors
    );

    let r = |p: &str| root.join(p.trim_start_matches('/'));
    let mode = |p: &str, m: u32| {
        std::fs::set_permissions(r(p), std::fs::Permissions::from_mode(m)).unwrap();
    };
    // Same-size content (5, T) of a binary; its hard link is the same inode (read once).
    std::fs::write(r("/usr/bin/ferret-demo"), "#!/bin/sh\necho HI\n").unwrap();
    // A %config file edited (S, 5, T) and another made world-writable (M).
    std::fs::write(r("/etc/ferret/keep.conf"), "b=2\nevil=1\n").unwrap();
    mode("/etc/ferret/demo.conf", 0o666);
    // A library grown (S 5 T) and made setuid (M).
    std::fs::write(r("/usr/lib/ferret/libdemo.so.1"), "lib\nmore\n").unwrap();
    mode("/usr/lib/ferret/libdemo.so.1", 0o4755);
    // A symlink re-pointed (L), a directory's mode (M), an owner and a group (U, G).
    std::fs::remove_file(r("/usr/bin/fdemo")).unwrap();
    std::os::unix::fs::symlink("/tmp/evil", r("/usr/bin/fdemo")).unwrap();
    mode("/etc/ferret", 0o777);
    std::os::unix::fs::chown(r("/usr/share/doc/ferret-demo/README"), Some(1), None).unwrap();
    std::os::unix::fs::chown(r("/etc/ferret/missing.conf"), None, Some(1)).unwrap();
    // Capabilities: the recorded ones removed (P).
    let out = run(Command::new("setcap")
        .arg("-r")
        .arg(r("/usr/bin/ferret-ping")));
    assert!(out.status.success(), "setcap -r: {out:?}");
    // The %ghost file gone: not reported, as rpm does.
    let _ = std::fs::remove_file(r("/var/log/ferret/demo.log"));

    let (got, report) = ours(&root);
    let want = rpm_va(&root);
    assert_eq!(got, want);
    assert_eq!(got.len(), 10, "{got:?}");
    assert_eq!(
        finding(&report, "pkg.binary-changed", "/usr/bin/ferret-demo").severity,
        Severity::Critical
    );
    finding(&report, "pkg.binary-changed", "/usr/bin/ferret-demo-hard");
    finding(&report, "pkg.conffile-changed", "/etc/ferret/keep.conf");
    assert_eq!(
        finding(&report, "pkg.mode-drift", "/etc/ferret/demo.conf").severity,
        Severity::Medium
    );
    finding(
        &report,
        "pkg.library-changed",
        "/usr/lib/ferret/libdemo.so.1",
    );
    let suid = finding(&report, "pkg.mode-drift", "/usr/lib/ferret/libdemo.so.1");
    assert_eq!(suid.severity, Severity::High);
    assert_eq!(suid.attack, ["T1548.001"]);
    assert_eq!(
        finding(&report, "pkg.link-changed", "/usr/bin/fdemo").severity,
        Severity::High
    );
    finding(&report, "pkg.mode-drift", "/etc/ferret");
    finding(
        &report,
        "pkg.owner-drift",
        "/usr/share/doc/ferret-demo/README",
    );
    finding(&report, "pkg.owner-drift", "/etc/ferret/missing.conf");
    finding(&report, "pkg.caps-changed", "/usr/bin/ferret-ping");
    assert!(report.outcome.findings.iter().all(|f| f
        .detail
        .as_deref()
        .unwrap()
        .starts_with("package ferret-demo-1.2-3.noarch;")));
    assert!(
        report.outcome.errors.is_empty(),
        "{:?}",
        report.outcome.errors
    );

    // Other capabilities than recorded (P), a removed file, a regular file turned into a
    // directory, the %missingok file removed (not reported), a file made unreadable... by
    // becoming a FIFO (not regular: M).
    let out = run(Command::new("setcap")
        .arg("cap_sys_admin=ep")
        .arg(r("/usr/bin/ferret-ping")));
    assert!(out.status.success(), "setcap: {out:?}");
    std::fs::remove_file(r("/usr/bin/ferret-demo-hard")).unwrap();
    std::fs::remove_file(r("/usr/share/doc/ferret-demo/README")).unwrap();
    std::fs::create_dir(r("/usr/share/doc/ferret-demo/README")).unwrap();
    std::fs::remove_file(r("/etc/ferret/missing.conf")).unwrap();
    std::fs::remove_file(r("/etc/ferret/demo.conf")).unwrap();
    nix::unistd::mkfifo(
        &r("/etc/ferret/demo.conf"),
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    )
    .unwrap();
    let (got, report) = ours(&root);
    assert_eq!(got, rpm_va(&root));
    assert!(
        got.contains(&"missing     /usr/bin/ferret-demo-hard".to_owned()),
        "{got:?}"
    );
    finding(&report, "pkg.file-missing", "/usr/bin/ferret-demo-hard");
    finding(
        &report,
        "pkg.not-regular",
        "/usr/share/doc/ferret-demo/README",
    );
    finding(&report, "pkg.not-regular", "/etc/ferret/demo.conf");
    finding(&report, "pkg.caps-changed", "/usr/bin/ferret-ping");
    assert!(!report
        .outcome
        .findings
        .iter()
        .any(|f| f.subject == "/etc/ferret/missing.conf"));
}

/// A spec with `n` subpackages of a few files each: binaries, libraries, configuration,
/// documentation, a symlink and a directory apiece.
fn generated_spec(n: usize) -> String {
    let mut s = String::from(
        "Name: gen\nVersion: 1\nRelease: 1\nSummary: generated\nLicense: MIT\nBuildArch: noarch\n\
         %description\ngenerated\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "%package -n gen{i}\nSummary: g{i}\n%description -n gen{i}\ng{i}\n\
             %files -n gen{i}\n%attr(0755,root,root) /usr/bin/gen{i}\n/usr/lib/gen{i}/libgen{i}.so.1\n\
             %config(noreplace) /etc/gen{i}.conf\n%doc /usr/share/doc/gen{i}/README\n\
             /usr/lib/gen{i}/data\n/usr/lib/gen{i}/link\n%dir /usr/lib/gen{i}\n"
        );
    }
    s.push_str("%install\nmkdir -p %{buildroot}/usr/bin %{buildroot}/etc\n");
    let _ = write!(
        s,
        "for i in $(seq 0 {}); do\n\
         mkdir -p %{{buildroot}}/usr/lib/gen$i %{{buildroot}}/usr/share/doc/gen$i\n\
         printf '#!/bin/sh\\necho %s\\n' $i > %{{buildroot}}/usr/bin/gen$i\n\
         head -c $((1000 + i * 37)) /dev/zero | tr '\\0' x > %{{buildroot}}/usr/lib/gen$i/libgen$i.so.1\n\
         printf 'k=%s\\n' $i > %{{buildroot}}/etc/gen$i.conf\n\
         printf 'doc %s\\n' $i > %{{buildroot}}/usr/share/doc/gen$i/README\n\
         seq 1 $((i * 50)) > %{{buildroot}}/usr/lib/gen$i/data\n\
         ln -s data %{{buildroot}}/usr/lib/gen$i/link\n\
         done\n",
        n - 1
    );
    s
}

#[test]
fn three_hundred_generated_packages_tampered_equal_rpm_va() {
    let n = 300;
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    install(work.path(), &root, &generated_spec(n));
    let (got, report) = ours(&root);
    assert_eq!(report.packages, n as u64, "{:?}", report.outcome.errors);
    assert_eq!(report.files, 7 * n as u64);
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(got, rpm_va(&root));

    // A deterministic scatter of tampering over the packages.
    let r = |p: String| root.join(p.trim_start_matches('/'));
    let mut tampered = 0;
    for i in (0..n).step_by(7) {
        match (i / 7) % 6 {
            0 => std::fs::write(r(format!("/usr/bin/gen{i}")), "#!/bin/sh\nevil\n").unwrap(),
            1 => std::fs::remove_file(r(format!("/usr/lib/gen{i}/libgen{i}.so.1"))).unwrap(),
            2 => std::fs::write(r(format!("/etc/gen{i}.conf")), "k=edited\n").unwrap(),
            3 => std::fs::set_permissions(
                r(format!("/usr/lib/gen{i}/data")),
                std::fs::Permissions::from_mode(0o666),
            )
            .unwrap(),
            4 => {
                std::fs::remove_file(r(format!("/usr/lib/gen{i}/link"))).unwrap();
                std::os::unix::fs::symlink("/etc/shadow", r(format!("/usr/lib/gen{i}/link")))
                    .unwrap();
            }
            _ => std::os::unix::fs::chown(r(format!("/usr/bin/gen{i}")), Some(2), Some(2)).unwrap(),
        }
        tampered += 1;
    }
    let (got, report) = ours(&root);
    assert_eq!(got, rpm_va(&root));
    assert_eq!(got.len(), tampered);
    assert!(
        report.outcome.errors.is_empty(),
        "{:?}",
        report.outcome.errors
    );
    // Findings as for dpkg, grouped per package by triage's folding.
    let ids: std::collections::BTreeSet<&str> = report
        .outcome
        .findings
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    for id in [
        "pkg.binary-changed",
        "pkg.file-missing",
        "pkg.conffile-changed",
        "pkg.mode-drift",
        "pkg.link-changed",
        "pkg.owner-drift",
    ] {
        assert!(ids.contains(id), "{id} in {ids:?}");
    }
}

#[test]
fn an_rpm_root_is_one_of_the_roots_verify_root_reads() {
    // A root with both databases: each is verified, and the unowned-file search knows both.
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    install(work.path(), &root, SPEC);
    std::fs::create_dir_all(root.join("var/lib/dpkg/info")).unwrap();
    std::fs::write(
        root.join("var/lib/dpkg/status"),
        "Package: hello\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n",
    )
    .unwrap();
    std::fs::write(
        root.join("var/lib/dpkg/info/hello.list"),
        "/usr/bin/hello\n",
    )
    .unwrap();
    std::fs::write(
        root.join("var/lib/dpkg/info/hello.md5sums"),
        "b1946ac92492d2347c6235b4d2611184  usr/bin/hello\n",
    )
    .unwrap();
    std::fs::write(root.join("usr/bin/hello"), "evil\n").unwrap();
    std::fs::write(root.join("usr/bin/dropped"), "miner\n").unwrap();
    let (got, report) = ours(&root);
    let managers: Vec<Manager> = report.databases.iter().map(|d| d.manager).collect();
    assert_eq!(managers, [Manager::Dpkg, Manager::Rpm]);
    assert_eq!(report.packages, 2);
    assert_eq!(got, ["..5......    /usr/bin/hello"]);
    finding(&report, "pkg.binary-changed", "/usr/bin/hello");
    finding(&report, "pkg.unowned-binary", "/usr/bin/dropped");
    let unowned: Vec<&str> = report
        .outcome
        .findings
        .iter()
        .filter(|f| f.id.starts_with("pkg.unowned"))
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(unowned, ["/usr/bin/dropped"], "rpm's files are owned");

    // One manager only, by name; packages by rpm name or NEVRA.
    let mut o = VerifyOptions::default();
    o.managers = vec![Manager::Rpm];
    o.packages = vec![b"ferret-demo-1.2-3.noarch".to_vec()];
    let hr = HostRoot::new(&root).unwrap();
    let r = verify_root(&hr, &o, &Control::new());
    assert_eq!((r.packages, r.databases.len()), (1, 1));
    assert!(r.outcome.findings.is_empty(), "{:?}", r.outcome.findings);
    o.packages = vec![b"nonesuch".to_vec()];
    let r = verify_root(&hr, &o, &Control::new());
    assert_eq!(r.packages, 0);
    assert!(r.outcome.errors[0].message.contains("not installed"));
}

#[test]
fn a_huge_sparse_file_in_a_packaged_files_place_is_not_read() {
    // A 10 GB sparse file where a 4-byte library was: its size differs, so its digest cannot
    // match (rpm prints S.5); it is reported without being read, at once and in bounded memory.
    // A FIFO in a packaged file's place is reported, never opened for reading.
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    install(work.path(), &root, SPEC);
    let lib = root.join("usr/lib/ferret/libdemo.so.1");
    std::fs::remove_file(&lib).unwrap();
    let f = std::fs::File::create(&lib).unwrap();
    f.set_len(10 << 30).unwrap();
    drop(f);
    let conf = root.join("etc/ferret/keep.conf");
    std::fs::remove_file(&conf).unwrap();
    nix::unistd::mkfifo(&conf, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    let started = std::time::Instant::now();
    let (got, report) = ours(&root);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert!(report.bytes < 1 << 20, "{} bytes hashed", report.bytes);
    let line = got
        .iter()
        .find(|l| l.ends_with(" /usr/lib/ferret/libdemo.so.1"))
        .unwrap_or_else(|| panic!("{got:?}"));
    assert!(line.starts_with("S.5"), "{line}");
    finding(
        &report,
        "pkg.library-changed",
        "/usr/lib/ferret/libdemo.so.1",
    );
    let fifo = got
        .iter()
        .find(|l| l.ends_with(" c /etc/ferret/keep.conf"))
        .unwrap_or_else(|| panic!("{got:?}"));
    assert!(fifo.starts_with("..?") || fifo.contains('M'), "{fifo}");
    finding(&report, "pkg.not-regular", "/etc/ferret/keep.conf");
}

/// Packages whose large files (over the 1 MiB that is read whole) are SHA-256 (rpm's default):
/// they go to the shared pool and are hashed largest first, while small files are hashed in
/// units of a few hundred (so several units, and a thread waiting for another's large files).
fn large_files_spec(n: usize, small: usize) -> String {
    let mut s = String::from(
        "Name: big\nVersion: 1\nRelease: 1\nSummary: large files\nLicense: MIT\nBuildArch: noarch\n\
         %description\nlarge\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "%package -n big{i}\nSummary: b{i}\n%description -n big{i}\nb{i}\n\
             %files -n big{i}\n/opt/big{i}\n"
        );
    }
    s.push_str("%install\n");
    let _ = write!(
        s,
        "for i in $(seq 0 {}); do\n\
         d=%{{buildroot}}/opt/big$i; mkdir -p $d/bin $d/share\n\
         for k in 1 2 3 4; do seq $i $((i + 200000 * k)) > $d/bin/f$k; done\n\
         ln $d/bin/f2 $d/bin/f2-hard\n\
         for j in $(seq 1 {small}); do printf '%s %s\\n' $i $j > $d/share/s$j; done\n\
         done\n",
        n - 1
    );
    s
}

#[test]
fn large_sha256_files_across_units_equal_rpm_va() {
    let (n, small) = (4, 150);
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    install(work.path(), &root, &large_files_spec(n, small));
    let r = |p: String| root.join(p.trim_start_matches('/'));
    let big: Vec<u64> = (0..n)
        .flat_map(|i| (1..=4).map(move |k| (i, k)))
        .map(|(i, k)| {
            std::fs::metadata(r(format!("/opt/big{i}/bin/f{k}")))
                .unwrap()
                .len()
        })
        .collect();
    assert!(
        big.iter().filter(|&&s| s > 1 << 20).count() >= 3 * n,
        "sizes {big:?}"
    );
    let (got, report) = ours(&root);
    assert_eq!(report.packages, n as u64, "{:?}", report.outcome.errors);
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(got, rpm_va(&root));
    // Every large file read once (the hard link is the same inode), and the small ones.
    let large: u64 = big.iter().sum();
    assert!(report.bytes >= large, "{} < {large}", report.bytes);
    assert!(
        report.bytes < large * 2,
        "{} bytes for {large}",
        report.bytes
    );

    // Same-size content change, grown, shrunk, replaced by a new inode, hard link's twin.
    let flip = |p: String| {
        let mut b = std::fs::read(r(p.clone())).unwrap();
        let k = b.len() / 2;
        b[k] ^= 1;
        std::fs::write(r(p), b).unwrap();
    };
    flip("/opt/big0/bin/f4".into());
    flip("/opt/big1/bin/f2".into());
    let mut grown = std::fs::read(r("/opt/big2/bin/f3".into())).unwrap();
    grown.extend_from_slice(b"more\n");
    std::fs::write(r("/opt/big2/bin/f3".into()), grown).unwrap();
    let shrunk = std::fs::OpenOptions::new()
        .write(true)
        .open(r("/opt/big3/bin/f4".into()))
        .unwrap();
    shrunk.set_len(3 << 19).unwrap();
    drop(shrunk);
    let copied = r("/opt/big3/bin/f1".into());
    let content = std::fs::read(&copied).unwrap();
    std::fs::remove_file(&copied).unwrap();
    std::fs::write(&copied, content).unwrap();
    let (got, report) = ours(&root);
    let want = rpm_va(&root);
    assert_eq!(got, want);
    // The flipped files (and big1's hard link), grown, shrunk; the copy differs in mtime only.
    for path in [
        "/opt/big0/bin/f4",
        "/opt/big1/bin/f2",
        "/opt/big1/bin/f2-hard",
        "/opt/big2/bin/f3",
        "/opt/big3/bin/f4",
        "/opt/big3/bin/f1",
    ] {
        assert!(
            got.iter().any(|l| l.ends_with(&format!(" {path}"))),
            "{path} in {got:?}"
        );
    }
    assert_eq!(got.len(), 6, "{got:?}");
    assert!(
        report.outcome.errors.is_empty(),
        "{:?}",
        report.outcome.errors
    );
}
