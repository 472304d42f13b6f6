use std::path::PathBuf;

/// `$FERRET_TESTDATA/<rel>`; None (with the skip notice) when the variable is unset.
/// Panics when the variable is set but the file is missing.
pub fn data(rel: &str) -> Option<PathBuf> {
    let Some(root) = std::env::var_os("FERRET_TESTDATA") else {
        eprintln!("skipped: FERRET_TESTDATA not set");
        return None;
    };
    let p = PathBuf::from(root).join(rel);
    assert!(p.exists(), "{} is missing", p.display());
    Some(p)
}
