//! ferret-accounts integration tests: one binary, one module per theme.
// Test code: short names and format! appends keep fixtures readable.
#![allow(
    clippy::many_single_char_names,
    clippy::case_sensitive_file_extension_comparisons,
    clippy::redundant_closure_for_method_calls,
    clippy::format_push_string
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod audit_cases;
mod cktools;
mod glibc;
mod golden;
mod live;
mod props;

use std::path::PathBuf;

/// `$FERRET_TESTDATA/<rel>`, or `None` (after saying so) when the variable is not set.
/// A set variable with a missing file is a failure, not a skip.
pub fn testdata(rel: &str) -> Option<PathBuf> {
    let Some(base) = std::env::var_os("FERRET_TESTDATA") else {
        eprintln!("skipped: FERRET_TESTDATA not set");
        return None;
    };
    let p = PathBuf::from(base).join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    Some(p)
}

/// A temporary root with `etc/<name>` files.
pub fn root_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, ferret_core::HostRoot) {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("etc")).unwrap();
    for (name, data) in files {
        std::fs::write(t.path().join("etc").join(name), data).unwrap();
    }
    let r = ferret_core::HostRoot::new(t.path()).unwrap();
    (t, r)
}
