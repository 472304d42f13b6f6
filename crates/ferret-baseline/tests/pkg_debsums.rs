//! Package verification against the real `debsums` (Debian's reference tool), on a fixture
//! root built from this machine's own packages and on the live machine.
//!
//! Needs `debsums` and a dpkg-based host (CI installs it from `.ci/packages.txt`). Without
//! them the tests say so and return; under CI (`CI` or `FERRET_TESTDATA` set) they fail.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_baseline::pkg::{verify_root, StateSelection, VerifyOptions, VerifyReport};
use ferret_core::{Control, HostRoot};
use md5::Digest as _;
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (kind, path, package) with kind "changed" or "missing".
type Key = (String, String, String);

fn tools_available() -> bool {
    let ok = Path::new("/var/lib/dpkg/status").exists()
        && Command::new("debsums").arg("--version").output().is_ok();
    if !ok {
        assert!(
            std::env::var_os("CI").is_none() && std::env::var_os("FERRET_TESTDATA").is_none(),
            "debsums or dpkg missing under CI (install debsums)"
        );
        eprintln!("skipped: debsums or a dpkg database is not available");
    }
    ok
}

/// Runs `debsums -s` with `args` and parses its stderr.
fn debsums(args: &[&str], root: Option<&Path>) -> BTreeSet<Key> {
    let mut cmd = Command::new("debsums");
    cmd.arg("-s").args(args).env("LC_ALL", "C");
    let prefix = root
        .map(|r| r.to_str().unwrap().to_string())
        .unwrap_or_default();
    if let Some(r) = root {
        cmd.arg(format!("--root={}", r.display()));
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let mut set = BTreeSet::new();
    for l in err.lines() {
        let Some(rest) = l.strip_prefix("debsums: ") else {
            continue;
        };
        let (kind, rest) = if let Some(r) = rest.strip_prefix("changed file ") {
            ("changed", r)
        } else if let Some(r) = rest.strip_prefix("missing file ") {
            ("missing", r)
        } else {
            continue;
        };
        let (path, pkg) = rest.rsplit_once(" (from ").unwrap();
        let pkg = pkg.strip_suffix(" package)").unwrap();
        let path = path.strip_prefix(&prefix).unwrap_or(path);
        set.insert((kind.to_string(), path.to_string(), pkg.to_string()));
    }
    set
}

fn ours(report: &VerifyReport) -> BTreeSet<Key> {
    report
        .outcome
        .findings
        .iter()
        .filter_map(|f| {
            let kind = match f.id.as_str() {
                "pkg.file-missing" | "pkg.conffile-missing" => "missing",
                "pkg.binary-changed"
                | "pkg.library-changed"
                | "pkg.executable-changed"
                | "pkg.file-changed"
                | "pkg.conffile-changed" => "changed",
                _ => return None,
            };
            let d = f.detail.as_deref().unwrap();
            let pkg = d
                .strip_prefix("package ")
                .unwrap()
                .split([';', ' '])
                .next()
                .unwrap();
            Some((kind.to_string(), f.subject.clone(), pkg.to_string()))
        })
        .collect()
}

/// The raw status stanza of `pkg` on this machine.
fn stanza(status: &str, pkg: &str) -> String {
    status
        .split("\n\n")
        .find(|s| s.starts_with(&format!("Package: {pkg}\n")))
        .unwrap_or_else(|| panic!("{pkg} not in status"))
        .to_string()
}

fn info_stem(pkg: &str) -> String {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${binary:Package}", pkg])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    if Path::new(&format!("/var/lib/dpkg/info/{s}.list")).exists() {
        s
    } else {
        pkg.to_string()
    }
}

fn md5_hex(data: &[u8]) -> String {
    use std::fmt::Write as _;
    md5::Md5::digest(data)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Copies `pkgs` (files, status stanzas, info files) from this machine into a new root.
fn build_fixture(pkgs: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let r = t.path().to_path_buf();
    for d in [
        "usr/bin",
        "usr/sbin",
        "usr/lib",
        "usr/lib64",
        "etc",
        "var/lib/dpkg/info",
    ] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::create_dir_all(r.join("var/lib/dpkg/updates")).unwrap();
    // Mirror the host's merged-/usr links.
    for l in ["bin", "sbin", "lib", "lib64"] {
        match std::fs::read_link(Path::new("/").join(l)) {
            Ok(target) => std::os::unix::fs::symlink(target, r.join(l)).unwrap(),
            Err(_) => std::fs::create_dir_all(r.join(l)).unwrap(),
        }
    }
    let status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap();
    let mut new_status = String::new();
    for p in pkgs {
        new_status.push_str(&stanza(&status, p));
        new_status.push_str("\n\n");
        let stem = info_stem(p);
        for ext in ["list", "md5sums", "conffiles"] {
            let src = PathBuf::from(format!("/var/lib/dpkg/info/{stem}.{ext}"));
            if src.exists() {
                std::fs::copy(&src, r.join(format!("var/lib/dpkg/info/{stem}.{ext}"))).unwrap();
            }
        }
        let sums = std::fs::read(format!("/var/lib/dpkg/info/{stem}.md5sums")).unwrap();
        let mut paths: Vec<Vec<u8>> = sums
            .split(|c| *c == b'\n')
            .filter(|l| l.len() > 34)
            .map(|l| {
                let mut p = b"/".to_vec();
                p.extend_from_slice(&l[34..]);
                p
            })
            .collect();
        for c in conffile_lines(&stanza(&status, p)) {
            paths.push(c.split_whitespace().next().unwrap().as_bytes().to_vec());
        }
        for p in paths {
            let host = Path::new(std::ffi::OsStr::from_bytes(&p));
            let dst = r.join(host.strip_prefix("/").unwrap());
            let Ok(data) = std::fs::read(host) else {
                continue; // missing on the host too: stays missing in the fixture
            };
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            std::fs::write(&dst, data).unwrap();
        }
    }
    std::fs::write(r.join("var/lib/dpkg/status"), new_status).unwrap();
    std::fs::copy(
        "/var/lib/dpkg/diversions",
        r.join("var/lib/dpkg/diversions"),
    )
    .ok();
    (t, r)
}

/// The continuation lines of the `Conffiles:` field of a stanza.
fn conffile_lines(st: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in st.lines() {
        if l.starts_with("Conffiles:") {
            inside = true;
        } else if !l.starts_with(' ') {
            inside = false;
        } else if inside {
            out.push(l);
        }
    }
    out
}

/// Expectations computed independently with MD5 over the fixture (like `md5sum -c`).
fn computed(root: &Path, pkgs: &[&str]) -> BTreeSet<Key> {
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    let mut set = BTreeSet::new();
    for p in pkgs {
        let st = stanza(&status, p);
        let conf: Vec<(String, String)> = conffile_lines(&st)
            .into_iter()
            .filter(|l| !l.ends_with(" remove-on-upgrade"))
            .map(|l| {
                let mut w = l.split_whitespace();
                (w.next().unwrap().to_string(), w.next().unwrap().to_string())
            })
            .collect();
        let stem = info_stem(p);
        let name = if stem.contains(':') {
            stem.clone()
        } else {
            p.to_string()
        };
        let sums = std::fs::read_to_string(root.join(format!("var/lib/dpkg/info/{stem}.md5sums")))
            .unwrap();
        let mut entries: Vec<(String, String)> = sums
            .lines()
            .map(|l| (format!("/{}", &l[34..]), l[..32].to_string()))
            .filter(|(path, _)| !conf.iter().any(|(c, _)| c == path))
            .collect();
        entries.extend(conf);
        for (path, sum) in entries {
            let on_disk = root.join(&path[1..]);
            match std::fs::read(&on_disk) {
                Ok(data) if md5_hex(&data) == sum => {}
                Ok(_) => {
                    set.insert(("changed".into(), path, name.clone()));
                }
                Err(_) => {
                    set.insert(("missing".into(), path, name.clone()));
                }
            }
        }
    }
    set
}

#[test]
fn fixture_root_agrees_with_debsums() {
    if !tools_available() {
        return;
    }
    let pkgs = ["dash", "sed", "adduser", "debianutils", "base-files"];
    let (_t, r) = build_fixture(&pkgs);
    // Tamper: one byte of a binary (through the merged-/usr link), one conffile, one file gone.
    let dash = r.join("bin/dash");
    let mut data = std::fs::read(&dash).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x01;
    std::fs::write(&dash, data).unwrap();
    let mut conf = std::fs::read(r.join("etc/adduser.conf")).unwrap();
    conf.extend_from_slice(b"\nEXTRA_GROUPS=\"sudo\"\n");
    std::fs::write(r.join("etc/adduser.conf"), conf).unwrap();
    std::fs::remove_file(r.join("usr/share/man/man1/sed.1.gz")).unwrap();

    let root = HostRoot::new(&r).unwrap();
    let mut opts = VerifyOptions::default();
    opts.states = StateSelection::DebsumsCompatible;
    opts.unowned = false;
    let report = verify_root(&root, &opts, &Control::new());
    assert!(
        report.outcome.errors.is_empty(),
        "{:?}",
        report.outcome.errors
    );
    assert_eq!(report.packages, pkgs.len() as u64);
    let ours = ours(&report);
    let theirs = debsums(&["-a"], Some(&r));
    let expected = computed(&r, &pkgs);
    for k in [
        ("changed", "/bin/dash", "dash"),
        ("changed", "/etc/adduser.conf", "adduser"),
        ("missing", "/usr/share/man/man1/sed.1.gz", "sed"),
    ] {
        let k = (k.0.to_string(), k.1.to_string(), k.2.to_string());
        assert!(expected.contains(&k), "md5 expectation lacks {k:?}");
    }
    assert_eq!(ours, expected, "ferret vs md5 expectations");
    assert_eq!(ours, theirs, "ferret vs debsums -a --root");
    // The binary is critical, the conffile informational.
    let sev = |p: &str| {
        report
            .outcome
            .findings
            .iter()
            .find(|f| f.subject == p)
            .map(|f| (f.id.clone(), f.severity))
            .unwrap()
    };
    assert_eq!(
        sev("/bin/dash"),
        ("pkg.binary-changed".into(), ferret_core::Severity::Critical)
    );
    assert_eq!(sev("/etc/adduser.conf").0, "pkg.conffile-changed");
}

#[test]
fn live_packages_agree_with_debsums() {
    if !tools_available() {
        return;
    }
    let wanted = [
        "coreutils",
        "bash",
        "dash",
        "sed",
        "grep",
        "findutils",
        "tar",
        "gzip",
        "login",
        "passwd",
        "adduser",
        "base-files",
        "debianutils",
        "openssh-client",
        "procps",
        "python3-pip",
        "libc6",
        "libssl3",
        "perl-base",
        "libpam-modules",
        "libpam-runtime",
        "sudo",
        "openssh-server",
    ];
    // Keep those installed here (debsums' notion: installed or half-configured).
    let installed: Vec<&str> = wanted
        .into_iter()
        .filter(|p| {
            Command::new("dpkg-query")
                .args(["-W", "-f", "${Status}", p])
                .output()
                .is_ok_and(|o| {
                    let s = String::from_utf8_lossy(&o.stdout);
                    s.ends_with(" installed") || s.ends_with(" half-configured")
                })
        })
        .collect();
    assert!(installed.len() >= 5, "too few packages: {installed:?}");
    let mut args = vec!["-a"];
    args.extend(installed.iter().copied());
    let theirs = debsums(&args, None);
    let mut opts = VerifyOptions::default();
    opts.states = StateSelection::DebsumsCompatible;
    opts.packages = installed.iter().map(|s| s.as_bytes().to_vec()).collect();
    let report = verify_root(&HostRoot::live(), &opts, &Control::new());
    assert_eq!(report.packages, installed.len() as u64);
    assert!(report.files > 1000);
    assert_eq!(
        ours(&report),
        theirs,
        "ferret vs debsums -a on {installed:?}"
    );
}

/// The whole machine (slow: debsums -s takes over a minute). Run with `--ignored`.
#[test]
#[ignore = "slow: runs debsums -a over every installed package"]
fn whole_machine_agrees_with_debsums() {
    if !tools_available() {
        return;
    }
    let theirs = debsums(&["-a"], None);
    let mut opts = VerifyOptions::default();
    opts.states = StateSelection::DebsumsCompatible;
    opts.unowned = false;
    let report = verify_root(&HostRoot::live(), &opts, &Control::new());
    assert_eq!(ours(&report), theirs);
}
