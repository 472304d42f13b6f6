//! rpm roots for tests: packages built with `rpmbuild` from a spec and installed into a scratch
//! root with `rpm --root R -i --nodeps --noscripts` (Debian's `rpm` package ships both), and
//! `rpm -Va --root R` to compare with. The database goes to `/var/lib/rpm` inside the root.

use std::path::Path;
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    cmd.env("LC_ALL", "C")
        .output()
        .expect("rpm/rpmbuild (Debian package rpm, listed in .ci/packages.txt)")
}

/// Builds every (noarch) package of `spec` in `work` and installs them all into `root`.
/// Payloads are uncompressed and no post-install processing runs, so builds are quick.
pub fn install(work: &Path, root: &Path, spec: &str) {
    std::fs::write(work.join("pkg.spec"), spec).expect("write the spec");
    let top = work.join("top");
    let out = run(Command::new("rpmbuild")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .args([
            "--define",
            "_build_id_links none",
            "--define",
            "_binary_payload w.ufdio",
        ])
        .args(["--define", "__os_install_post %{nil}", "--quiet", "-bb"])
        .arg(work.join("pkg.spec")));
    assert!(
        out.status.success(),
        "rpmbuild: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rpms: Vec<_> = std::fs::read_dir(top.join("RPMS/noarch"))
        .expect("rpmbuild wrote RPMS/noarch")
        .map(|e| e.expect("read RPMS/noarch").path())
        .collect();
    rpms.sort();
    let out = run(Command::new("rpm")
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--noscripts"])
        .args(&rpms));
    assert!(
        out.status.success(),
        "rpm -i: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lines of `rpm -Va --nodeps --noscripts --root root`, sorted.
pub fn verify_all(root: &Path) -> Vec<String> {
    let out = run(Command::new("rpm").arg("--root").arg(root).args([
        "--dbpath",
        "/var/lib/rpm",
        "-Va",
        "--nodeps",
        "--noscripts",
    ]));
    let mut v: Vec<String> = String::from_utf8(out.stdout)
        .expect("rpm -Va prints UTF-8 for these packages")
        .lines()
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}
