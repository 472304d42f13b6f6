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
mod cancel;
mod cktools;
mod glibc;
mod golden;
mod hostile;
mod live;
mod props;
mod reference;

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
