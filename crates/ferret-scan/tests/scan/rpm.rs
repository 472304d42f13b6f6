//! Package ownership from the rpm database: a root built with `rpmbuild` and
//! `rpm --root R -i` (as the rpm verifier's tests build theirs), with a merged `/usr`, gets the
//! unowned-executable check without a flood of "unowned" packaged files.

use crate::common::*;
use ferret_core::Severity;
use ferret_scan::ScanOptions;
use std::path::Path;

const SPEC: &str = r"Name: ferret-rtool
Version: 2.0
Release: 1
Summary: ferret test package
License: MIT
BuildArch: noarch
%description
Test package for ferret-scan's rpm ownership.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/lib/rdemo %{buildroot}/usr/lib/rnew
printf '#!/bin/sh\necho rtool\n' > %{buildroot}/usr/bin/rtool
printf '#!/bin/sh\necho old\n' > %{buildroot}/lib/rdemo/helper
printf '#!/bin/sh\necho new\n' > %{buildroot}/usr/lib/rnew/helper
%files
%attr(0755,root,root) /usr/bin/rtool
%dir /lib/rdemo
%attr(0755,root,root) /lib/rdemo/helper
%dir /usr/lib/rnew
%attr(0755,root,root) /usr/lib/rnew/helper
";

/// A merged-`/usr` root (`/bin -> usr/bin`, `/lib -> usr/lib`, as on CentOS 7+, Rocky and
/// Alibaba Cloud Linux) with the package installed by rpm.
fn rpm_root(work: &Path) -> std::path::PathBuf {
    let root = work.join("root");
    for d in ["usr/bin", "usr/lib", "usr/sbin"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (link, to) in [("bin", "usr/bin"), ("lib", "usr/lib"), ("sbin", "usr/sbin")] {
        std::os::unix::fs::symlink(to, root.join(link)).unwrap();
    }
    write(
        &root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n",
        0o644,
    );
    ferret_testkit::rpm::install(work, &root, SPEC);
    root
}

#[test]
fn rpm_owned_files_are_owned_and_a_dropped_one_is_not() {
    let work = tempfile::tempdir().unwrap();
    let root = rpm_root(work.path());
    // rpm installed the /lib path through the link.
    assert!(root.join("usr/lib/rdemo/helper").is_file());
    write(&root, "usr/bin/dropped", "#!/bin/sh\necho miner\n", 0o755);
    write(&root, "usr/lib/rdemo/implant", "#!/bin/sh\necho x\n", 0o755);
    let r = scan(&root, &ScanOptions::default());
    assert!(
        r.stats.package_index.starts_with("rpm /var/lib/rpm/"),
        "{}",
        r.stats.package_index
    );
    let mut unowned: Vec<&str> = r
        .outcome
        .findings
        .iter()
        .filter(|f| f.id == "scan.unowned-system-executable")
        .map(|f| f.subject.as_str())
        .collect();
    unowned.sort_unstable();
    assert_eq!(
        unowned,
        ["/usr/bin/dropped", "/usr/lib/rdemo/implant"],
        "{:#?}",
        r.outcome.findings
    );
    let f = r
        .outcome
        .findings
        .iter()
        .find(|f| f.subject == "/usr/bin/dropped")
        .unwrap();
    assert_eq!(f.severity, Severity::Medium);
    assert!(r.outcome.errors.is_empty(), "{:?}", r.outcome.errors);

    // Without the database the same files are not judged at all (no flood, no check).
    std::fs::remove_dir_all(root.join("var/lib/rpm")).unwrap();
    let r = scan(&root, &ScanOptions::default());
    assert!(r.stats.package_index.starts_with("no package database"));
    assert!(r
        .outcome
        .findings
        .iter()
        .all(|f| f.id != "scan.unowned-system-executable"));
}
