//! `pkg::rpm::verify_root` against `rpm -Va --root`: a package built with `rpmbuild`,
//! installed into a scratch root with `rpm --root R -i --nodeps --noscripts`, verified clean,
//! then tampered with.
// Test helpers: a failure is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use ferret_baseline::pkg::rpm::{verify_root, VerifyOptions};
use ferret_core::{Control, HostRoot, Severity};
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
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/ferret %{buildroot}/var/log/ferret %{buildroot}/usr/share/doc/ferret-demo
printf '#!/bin/sh\necho hi\n' > %{buildroot}/usr/bin/ferret-demo
printf 'a=1\n' > %{buildroot}/etc/ferret/demo.conf
printf 'b=2\n' > %{buildroot}/etc/ferret/keep.conf
printf 'x' > %{buildroot}/etc/ferret/missing.conf
ln -s ferret-demo %{buildroot}/usr/bin/fdemo
ln %{buildroot}/usr/bin/ferret-demo %{buildroot}/usr/bin/ferret-demo-hard
printf 'doc\n' > %{buildroot}/usr/share/doc/ferret-demo/README
touch %{buildroot}/var/log/ferret/demo.log
%files
%attr(0755,root,root) /usr/bin/ferret-demo
%attr(0755,root,root) /usr/bin/ferret-demo-hard
/usr/bin/fdemo
%config /etc/ferret/demo.conf
%config(noreplace) /etc/ferret/keep.conf
%dir /etc/ferret
%doc /usr/share/doc/ferret-demo/README
%ghost /var/log/ferret/demo.log
%config(missingok) %attr(0600,root,root) %verify(not md5 size mtime) /etc/ferret/missing.conf
";

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .env("LC_ALL", "C")
        .output()
        .expect("rpm/rpmbuild (Debian package rpm)");
    out
}

/// Builds the package and installs it into `root` (database in `/var/lib/rpm` there).
fn install(work: &Path, root: &Path) {
    std::fs::write(work.join("demo.spec"), SPEC).unwrap();
    let out = run(Command::new("rpmbuild")
        .arg("--define")
        .arg(format!("_topdir {}", work.join("top").display()))
        .args(["--quiet", "-bb"])
        .arg(work.join("demo.spec")));
    assert!(
        out.status.success(),
        "rpmbuild: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rpm = work.join("top/RPMS/noarch/ferret-demo-1.2-3.noarch.rpm");
    let out = run(Command::new("rpm")
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--noscripts"])
        .arg(&rpm));
    assert!(
        out.status.success(),
        "rpm -i: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `rpm -Va --root` output lines, sorted.
fn rpm_va(root: &Path) -> Vec<String> {
    let out = run(Command::new("rpm").arg("--root").arg(root).args([
        "--dbpath",
        "/var/lib/rpm",
        "-Va",
        "--nodeps",
        "--noscripts",
    ]));
    let mut v: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

/// Our report on a copy of the root's database (rpm rewrites its own), as rpm's lines.
fn ours(root: &Path) -> (Vec<String>, ferret_baseline::pkg::rpm::VerifyReport) {
    let r = verify_root(
        &HostRoot::new(root).unwrap(),
        &VerifyOptions::default(),
        &Control::new(),
    );
    let mut v: Vec<String> = r
        .problems
        .iter()
        .map(ferret_baseline::pkg::rpm::FileProblem::rpm_line)
        .collect();
    v.sort();
    (v, r)
}

#[test]
fn clean_then_tampered_root_equals_rpm_va() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    install(work.path(), &root);

    let (got, report) = ours(&root);
    assert_eq!(report.packages, 1);
    assert!(report.files >= 8, "{}", report.files);
    assert!(report.bytes > 0);
    assert_eq!(got, rpm_va(&root), "a fresh install");
    assert!(got.is_empty(), "{got:?}");
    assert!(
        report.outcome.findings.is_empty(),
        "{:?}",
        report.outcome.findings
    );

    // Tamper: same-size content (5, T), mode of a %config file, a symlink re-pointed, an owner
    // changed, a hard link removed; a %missingok and a %ghost file gone (not reported).
    let r = |p: &str| root.join(p.trim_start_matches('/'));
    std::fs::write(r("/usr/bin/ferret-demo"), "#!/bin/sh\necho HI\n").unwrap();
    std::fs::set_permissions(
        r("/etc/ferret/demo.conf"),
        std::os::unix::fs::PermissionsExt::from_mode(0o666),
    )
    .unwrap();
    std::fs::remove_file(r("/usr/bin/fdemo")).unwrap();
    std::os::unix::fs::symlink("/tmp/evil", r("/usr/bin/fdemo")).unwrap();
    std::os::unix::fs::chown(r("/etc/ferret/keep.conf"), Some(1), Some(1)).unwrap();
    std::fs::remove_file(r("/usr/bin/ferret-demo-hard")).unwrap();
    std::fs::remove_file(r("/etc/ferret/missing.conf")).unwrap();
    let _ = std::fs::remove_file(r("/var/log/ferret/demo.log"));

    let (got, report) = ours(&root);
    let want = rpm_va(&root);
    assert_eq!(got, want);
    assert_eq!(got.len(), 5, "{got:?}");
    let ids: Vec<(&str, &[u8], Severity)> = report
        .outcome
        .findings
        .iter()
        .map(|f| (f.id.as_str(), f.subject.as_bytes(), f.severity))
        .collect();
    assert!(
        ids.contains(&(
            "rpm.file-changed",
            b"/usr/bin/ferret-demo".as_slice(),
            Severity::Critical
        )),
        "{ids:?}"
    );
    assert!(
        ids.contains(&(
            "rpm.file-missing",
            b"/usr/bin/ferret-demo-hard".as_slice(),
            Severity::Medium
        )),
        "{ids:?}"
    );
    assert!(
        ids.iter()
            .any(|(id, s, _)| *id == "rpm.attr-changed" && *s == b"/usr/bin/fdemo"),
        "{ids:?}"
    );
    assert!(
        ids.iter()
            .any(|(id, s, _)| *id == "rpm.attr-changed" && *s == b"/etc/ferret/keep.conf"),
        "{ids:?}"
    );
    assert!(
        report.outcome.errors.is_empty(),
        "{:?}",
        report.outcome.errors
    );
}
