//! Build facts `ferret --version` prints: the commit (from git when building in a checkout,
//! from `.cargo_vcs_info.json` when building a published package, else "unknown"), the target
//! and the cargo profile. Also sets `cfg(ferret_testdata)` when `$FERRET_TESTDATA` is set, so
//! the tests that read third-party ground truth run, and are reported as ignored (not passed)
//! without it (see `ferret-testkit`). The library itself never looks at it.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The commit a published package was made from: `"sha1": "..."` in `.cargo_vcs_info.json`.
fn packaged_commit() -> Option<String> {
    let info = std::fs::read_to_string(".cargo_vcs_info.json").ok()?;
    let rest = info.split("\"sha1\"").nth(1)?;
    let sha = rest.split('"').nth(1)?;
    Some(sha.chars().take(12).collect())
}

fn main() {
    println!("cargo::rerun-if-env-changed=FERRET_TESTDATA");
    println!("cargo::rustc-check-cfg=cfg(ferret_testdata)");
    if std::env::var_os("FERRET_TESTDATA").is_some() {
        println!("cargo::rustc-cfg=ferret_testdata");
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FERRET_GIT_COMMIT");
    let commit = std::env::var("FERRET_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(packaged_commit)
        .or_else(|| {
            // Rebuild when HEAD moves (a commit, a checkout) so the commit is not stale.
            if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
                for f in ["HEAD", "logs/HEAD"] {
                    let p = Path::new(&dir).join(f);
                    if p.exists() {
                        println!("cargo:rerun-if-changed={}", p.display());
                    }
                }
            }
            let sha = git(&["rev-parse", "--short=12", "HEAD"])?;
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some();
            Some(if dirty { format!("{sha}-dirty") } else { sha })
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=FERRET_GIT_COMMIT={commit}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".to_owned());
    println!("cargo:rustc-env=FERRET_TARGET={target}");
    // OUT_DIR is target/[TRIPLE/]PROFILE/build/ferret-HASH/out.
    let profile = std::env::var("OUT_DIR")
        .ok()
        .and_then(|d| {
            Path::new(&d)
                .ancestors()
                .nth(3)
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=FERRET_PROFILE={profile}");
}
