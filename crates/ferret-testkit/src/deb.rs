//! Debian packages for tests that compare with stock files (the default `redis.conf`,
//! `docker.service`, `pg_hba.conf.sample`, WordPress's PHP): downloaded once with
//! `apt-get download` into a cache directory and unpacked with `dpkg-deb -x`. A package that
//! cannot be had (offline, no apt) is skipped with a printed reason, never silently.

use std::path::{Path, PathBuf};

/// The cached `.deb` of package `name` in `cache`, if one was downloaded before.
fn cached(cache: &Path, name: &str) -> Option<PathBuf> {
    std::fs::read_dir(cache)
        .ok()?
        .filter_map(Result::ok)
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{name}_"))
        })
        .map(|e| e.path())
}

/// Downloads (once, into `cache`) and unpacks each of `names` into `into`. Returns how many
/// were unpacked; each one that was not is named on stderr with the reason.
pub fn unpack(names: &[&str], cache: &Path, into: &Path) -> usize {
    if std::fs::create_dir_all(cache).is_err() || std::fs::create_dir_all(into).is_err() {
        eprintln!(
            "skipped {names:?}: cannot create {} or {}",
            cache.display(),
            into.display()
        );
        return 0;
    }
    let mut got = 0;
    for n in names {
        let deb = if let Some(deb) = cached(cache, n) {
            deb
        } else {
            match std::process::Command::new("apt-get")
                .args(["download", "-q", n])
                .current_dir(cache)
                .output()
            {
                Ok(o) if o.status.success() => {}
                Ok(o) => {
                    eprintln!(
                        "skipped {n}: `apt-get download {n}` failed (offline, or a stale package list?): {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    );
                    continue;
                }
                Err(e) => {
                    eprintln!("skipped {n}: apt-get not runnable: {e}");
                    continue;
                }
            }
            let Some(deb) = cached(cache, n) else {
                eprintln!(
                    "skipped {n}: apt-get succeeded but no {n}_*.deb in {}",
                    cache.display()
                );
                continue;
            };
            deb
        };
        let st = std::process::Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(into)
            .status();
        if st.is_ok_and(|s| s.success()) {
            got += 1;
        } else {
            eprintln!("skipped {n}: dpkg-deb -x {} failed", deb.display());
        }
    }
    got
}
