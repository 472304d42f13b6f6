//! Integration tests of ferret-baseline: real tools, hostile trees, soundness, budgets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// Test code: short names for fixtures, local imports next to their use, literal test data.
#![allow(
    clippy::many_single_char_names,
    clippy::items_after_statements,
    clippy::unnecessary_wraps,
    clippy::default_trait_access,
    clippy::large_stack_arrays,
    clippy::format_collect
)]

mod flags;
mod hostile;
mod props;
mod seal;
mod soundness;
mod tools;
mod workflow;

use ferret_baseline::rules::{Pattern, Rule};
use ferret_baseline::{
    scan_root, AttrSet, Baseline, CheckMode, CheckOptions, HashKind, ScanOptions,
};
use ferret_core::{Control, HostRoot};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A fixture root with a few ordinary and odd files.
pub fn tree() -> (tempfile::TempDir, HostRoot) {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    for d in ["etc/ssh", "usr/bin", "var/log", "home/u"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("etc/passwd"), b"root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(r.join("etc/ssh/sshd_config"), b"PermitRootLogin no\n").unwrap();
    std::fs::write(r.join("usr/bin/ls"), vec![0x7f; 100_000]).unwrap();
    std::fs::write(r.join("var/log/auth.log"), b"line 1\n").unwrap();
    std::fs::write(r.join("home/u/notes"), b"hello").unwrap();
    std::fs::write(r.join(OsStr::from_bytes(b"home/u/odd\nname\\\xff")), b"odd").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", r.join("home/u/link")).unwrap();
    let root = HostRoot::new(r).unwrap();
    (t, root)
}

/// Host path of an inner path given as bytes.
pub fn host(root: &HostRoot, inner: &[u8]) -> PathBuf {
    root.host_path(Path::new(OsStr::from_bytes(inner)))
}

pub fn scan(root: &HostRoot, hash: HashKind) -> Baseline {
    scan_root(root, &opts(|o| o.hash = hash), &Control::new())
}

/// The default scan options with `set` applied.
pub fn opts(set: impl FnOnce(&mut ScanOptions)) -> ScanOptions {
    let mut o = ScanOptions::default();
    set(&mut o);
    o
}

/// Check options in `mode`.
pub fn mode(mode: CheckMode) -> CheckOptions {
    let mut o = CheckOptions::default();
    o.mode = mode;
    o
}

/// A rule recording paths matching the glob with `attrs`.
pub fn include(glob: &str, attrs: AttrSet) -> Rule {
    Rule::include(Pattern::glob(glob).unwrap(), attrs)
}

/// A rule leaving out paths matching the glob.
pub fn exclude(glob: &str) -> Rule {
    Rule::exclude(Pattern::glob(glob).unwrap())
}
