//! Sets `cfg(ferret_testdata)` when `$FERRET_TESTDATA` is set, so the tests that read
//! third-party ground truth run, and are reported as ignored (not passed) without it
//! (see `ferret-testkit`). The library itself never looks at it.
fn main() {
    println!("cargo::rerun-if-env-changed=FERRET_TESTDATA");
    println!("cargo::rustc-check-cfg=cfg(ferret_testdata)");
    if std::env::var_os("FERRET_TESTDATA").is_some() {
        println!("cargo::rustc-cfg=ferret_testdata");
    }
}
