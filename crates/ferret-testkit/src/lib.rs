//! # ferret-testkit
//!
//! Test support shared by the ferret crates' tests, the way gitoxide keeps `gix-testtools`
//! beside its crates: a dev-dependency only, never published, never linked into a library.
//!
//! - [`fuzz::replay`]: runs a fuzz target's committed seed corpus (`fuzz/corpus/<target>/`)
//!   through its library entry point, so `cargo test` on stable catches regressions;
//! - [`testdata`]: third-party ground truth from `$FERRET_TESTDATA` (see `../shared/data`);
//! - [`logins`]: `wtmp`/`btmp`/`utmp` files written by util-linux `utmpdump -r`, and a
//!   generator of long login histories.
//! - [`accounts::generate`]: a realistic generated account database (100k users and more) with
//!   planted problems, as file bytes, for the account audit's tests and benches;
//! - [`elf`]: hand-built ELF files (objects, kernel modules) for tests and fuzz seeds;
//! - [`flags::FlagDir`]: a directory where `chattr +i`/`+a` work (a loop-mounted ext4 image when
//!   the temporary directory's file system keeps no inode flags), for tests against `lsattr`.
//! - [`rpm::install`]: rpm roots built with `rpmbuild` and `rpm --root R -i`, and
//!   [`rpm::verify_all`] (`rpm -Va`) to compare with.
//!
//! ## Tests that need `$FERRET_TESTDATA`
//!
//! Such a test is *ignored* (not passed) when the variable is unset. A crate with such tests
//! has a build script that sets `cfg(ferret_testdata)` when the variable is set at build time
//! (it also reruns when the variable changes):
//!
//! ```text
//! // build.rs
//! fn main() {
//!     println!("cargo::rerun-if-env-changed=FERRET_TESTDATA");
//!     println!("cargo::rustc-check-cfg=cfg(ferret_testdata)");
//!     if std::env::var_os("FERRET_TESTDATA").is_some() {
//!         println!("cargo::rustc-cfg=ferret_testdata");
//!     }
//! }
//! ```
//!
//! and marks each such test
//!
//! ```text
//! #[test]
//! #[cfg_attr(not(ferret_testdata), ignore = "needs FERRET_TESTDATA (../shared/data)")]
//! fn sshd_lines() {
//!     let dir = ferret_testkit::testdata("fail2ban/logs");
//!     // ...
//! }
//! ```
//!
//! [`testdata`] itself fails the test when the variable is unset or the file is missing, so a
//! test that runs never passes without its data.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Test support: failing loudly is its job.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

pub mod accounts;
pub mod audit;
pub mod debs;
pub mod elf;
pub mod flags;
pub mod history;
pub mod redis;
pub mod rpm;

/// The workspace's top directory (where `fuzz/` and `Cargo.toml` are).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$FERRET_TESTDATA/<rel>`. Panics when the variable is unset or the path does not exist:
/// call it only from tests marked `cfg_attr(not(ferret_testdata), ignore)` (see the crate docs).
pub fn testdata(rel: &str) -> PathBuf {
    let base = std::env::var_os("FERRET_TESTDATA").expect(
        "FERRET_TESTDATA is not set: mark this test cfg_attr(not(ferret_testdata), ignore)",
    );
    let p = PathBuf::from(base).join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    p
}

/// `$FERRET_TESTDATA`, when it is set (for code that is useful with or without it, such as a
/// bench that adds third-party lines when it can).
pub fn testdata_dir() -> Option<PathBuf> {
    std::env::var_os("FERRET_TESTDATA").map(PathBuf::from)
}

/// Writes `content` to `root/<rel>` (a leading `/` in `rel` is dropped), creating the parent
/// directories: how tests plant a file in a fixture root.
pub fn put<C: AsRef<[u8]> + ?Sized>(root: &Path, rel: &str, content: &C) {
    let full = root.join(rel.trim_start_matches('/'));
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    }
    std::fs::write(&full, content.as_ref())
        .unwrap_or_else(|e| panic!("write {}: {e}", full.display()));
}

/// Makes `root/<rel>` (a leading `/` in `rel` is dropped) a symlink to `target`, creating the
/// parent directories: [`put`]'s twin for planting a link in a fixture root.
pub fn put_link(root: &Path, rel: &str, target: &str) {
    let full = root.join(rel.trim_start_matches('/'));
    if let Some(dir) = full.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    }
    std::os::unix::fs::symlink(target, &full)
        .unwrap_or_else(|e| panic!("symlink {}: {e}", full.display()));
}

pub mod logins;

pub mod fuzz {
    //! Replaying committed fuzz corpora on stable.

    use std::path::PathBuf;

    /// The committed seed corpus folder of fuzz target `target`.
    pub fn corpus_dir(target: &str) -> PathBuf {
        super::workspace_dir().join("fuzz/corpus").join(target)
    }

    /// Runs `f` on every file of the corpus of `target` and returns how many ran. Panics when
    /// the corpus is missing or has fewer than `min` files (at least one), so a replay test
    /// never passes empty.
    pub fn replay(target: &str, min: usize, f: fn(&[u8])) -> usize {
        let dir = corpus_dir(target);
        let rd = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut n = 0;
        for ent in rd {
            let path = ent
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            f(&data);
            n += 1;
        }
        assert!(n >= min.max(1), "{}: only {n} corpus files", dir.display());
        n
    }

    /// Every fuzz target's name (the `fuzz/fuzz_targets/*.rs` files).
    pub fn targets() -> Vec<String> {
        let dir = super::workspace_dir().join("fuzz/fuzz_targets");
        let mut v: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| {
                let p = e.ok()?.path();
                (p.extension()? == "rs").then(|| p.file_stem()?.to_str().map(str::to_owned))?
            })
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_fuzz_target_has_a_committed_corpus() {
        let targets = super::fuzz::targets();
        assert!(targets.len() >= 29, "{targets:?}");
        for t in targets {
            let n = std::fs::read_dir(super::fuzz::corpus_dir(&t)).map_or(0, Iterator::count);
            assert!(n > 0, "fuzz target {t} has no committed corpus");
        }
    }
}
