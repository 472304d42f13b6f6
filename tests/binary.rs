//! The `ferret` binary is the examples under one name: every `examples/*.rs` is a subcommand,
//! `ferret NAME ...` behaves exactly as the example `NAME ...` (help, usage errors, reports, exit
//! status), and `ferret --version` says how it was built. The static build and its chroot and
//! `ld.so.preload` tests are `.ci/build-static` and `.ci/test-static`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FERRET: &str = env!("CARGO_BIN_EXE_ferret");

fn run<I, S>(program: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()))
}

/// The names of `examples/*.rs`.
fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension() == Some(OsStr::new("rs")))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    names.sort();
    assert!(!names.is_empty(), "no examples in {}", dir.display());
    names
}

/// The example binary `name` that `cargo test` builds beside this test.
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        bin.exists(),
        "{}: missing; `cargo test` builds every example (or run `cargo build --examples`)",
        bin.display()
    );
    bin
}

#[test]
fn every_example_is_a_subcommand_with_the_same_help() {
    let help = run(Path::new(FERRET), ["--help"]);
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8(help.stdout).unwrap();
    for name in examples() {
        assert!(
            help.contains(&format!("\n  ferret {name} ")),
            "`ferret --help` does not list {name} (add it to the table in bin/ferret.rs):\n{help}"
        );
        let ours = run(Path::new(FERRET), [name.as_str(), "--help"]);
        let theirs = run(&example(&name), ["--help"]);
        assert_eq!(ours.status.code(), Some(0), "ferret {name} --help");
        assert!(
            !ours.stdout.is_empty(),
            "ferret {name} --help printed nothing"
        );
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "ferret {name} --help differs from the example's"
        );
    }
}

#[test]
fn usage_errors_are_the_examples_and_unknown_jobs_are_named() {
    let ours = run(Path::new(FERRET), ["authlog", "--year", "abc", "x.log"]);
    let theirs = run(&example("authlog"), ["--year", "abc", "x.log"]);
    assert_eq!(ours.status.code(), Some(2));
    assert_eq!(ours.status.code(), theirs.status.code());
    assert_eq!(ours.stderr, theirs.stderr);
    assert!(String::from_utf8_lossy(&ours.stderr).contains("--year"));

    let unknown = run(Path::new(FERRET), ["nosuchjob"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nosuchjob"));
    let none = run(Path::new(FERRET), std::iter::empty::<&str>());
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("expected a subcommand"));
}

#[test]
fn a_job_reports_as_its_example_does() {
    let image = tempfile::tempdir().unwrap();
    common::write(
        image.path(),
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/bash\n",
    );
    common::write(image.path(), "etc/group", "root:x:0:\n");
    let root = image.path().as_os_str();
    let args = |first: &[&str]| {
        let mut v: Vec<OsString> = first.iter().map(OsString::from).collect();
        v.extend([
            OsString::from("--root"),
            root.to_owned(),
            OsString::from("--json"),
        ]);
        v
    };
    let ours = run(Path::new(FERRET), args(&["accounts", "audit"]));
    let theirs = run(&example("accounts"), args(&["audit"]));
    assert_eq!(
        ours.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(ours.status.code(), theirs.status.code());
    let report: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    let found = report.to_string();
    assert!(
        found.contains("accounts.uid0-non-root") && found.contains("toor"),
        "{found}"
    );
    assert_eq!(ours.stdout, theirs.stdout);
}

#[test]
fn version_names_commit_features_and_linkage() {
    let out = run(Path::new(FERRET), ["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let v = String::from_utf8(out.stdout).unwrap();
    let field = |name: &str| {
        v.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name}: line in\n{v}"))
            .to_owned()
    };
    assert_eq!(
        v.lines().next(),
        Some(format!("ferret {}", env!("CARGO_PKG_VERSION")).as_str())
    );
    let commit = field("commit");
    assert!(
        commit == "unknown"
            || commit
                .trim_end_matches("-dirty")
                .bytes()
                .all(|b| b.is_ascii_hexdigit()),
        "{commit}"
    );
    let features = field("features");
    for f in [
        "cli", "baseline", "accounts", "proc", "logs", "harden", "scan", "serde",
    ] {
        assert!(features.split(' ').any(|x| x == f), "{f} not in {features}");
    }
    // This test's build is dynamic; `.ci/test-static` checks the static build says so.
    let static_build = cfg!(target_feature = "crt-static");
    assert_eq!(field("linkage").starts_with("static"), static_build, "{v}");
    assert_eq!(field("target"), "x86_64-unknown-linux-gnu");
}
