//! Real Debian packages for tests that must stay quiet on stock files: fetched once with
//! `apt-get download` into a cache directory, then unpacked into a fixture root with the dpkg
//! database entries dpkg would write (`status`, `info/<pkg>.list`, `md5sums` and the maintainer
//! scripts), so that ownership and "changed since installed" are judged as on a real host.
//! A package apt cannot fetch (offline, stale lists) is skipped with a printed reason.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `.deb` of each of `names` in `cache` (downloaded there when absent). Packages that
/// cannot be had are left out, each with a printed reason; `apt-get` missing altogether
/// gives an empty list (printed too).
pub fn fetch(cache: &Path, names: &[&str]) -> Vec<(String, PathBuf)> {
    if std::fs::create_dir_all(cache).is_err() {
        eprintln!("skipped: cannot create {}", cache.display());
        return Vec::new();
    }
    let cached = |n: &str| {
        std::fs::read_dir(cache)
            .ok()?
            .filter_map(Result::ok)
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{n}_"))
            })
            .map(|e| e.path())
    };
    let mut out = Vec::new();
    for n in names {
        if let Some(deb) = cached(n) {
            out.push(((*n).to_owned(), deb));
            continue;
        }
        match Command::new("apt-get")
            .args(["download", "-q", n])
            .current_dir(cache)
            .output()
        {
            Ok(o) if o.status.success() => {
                if let Some(deb) = cached(n) {
                    out.push(((*n).to_owned(), deb));
                }
            }
            Ok(o) => eprintln!(
                "skipped {n}: `apt-get download {n}` failed (offline, or a stale package list?): {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => {
                eprintln!("skipped: apt-get not runnable: {e}");
                return Vec::new();
            }
        }
    }
    out
}

/// Unpacks `deb` (package `name`) into `root` and records it in `root/var/lib/dpkg` the way
/// dpkg does: a `Status: install ok installed` stanza, the file list, the md5sums and the
/// maintainer scripts. False (with a printed reason) when `dpkg-deb` fails.
pub fn install(root: &Path, name: &str, deb: &Path) -> bool {
    let info = root.join("var/lib/dpkg/info");
    let ctl = root.join(format!(".ctl-{name}"));
    let ok = std::fs::create_dir_all(&info).is_ok()
        && Command::new("dpkg-deb")
            .arg("-x")
            .arg(deb)
            .arg(root)
            .status()
            .is_ok_and(|s| s.success())
        && Command::new("dpkg-deb")
            .arg("-e")
            .arg(deb)
            .arg(&ctl)
            .status()
            .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped {name}: dpkg-deb failed on {}", deb.display());
        return false;
    }
    // the list: what `dpkg-deb -c` names, as absolute paths (`./usr/x` -> `/usr/x`)
    let Ok(o) = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .output()
    else {
        return false;
    };
    let Ok(t) = Command::new("tar")
        .arg("-t")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().map(|mut i| i.write_all(&o.stdout));
            c.wait_with_output()
        })
    else {
        return false;
    };
    let mut list = String::new();
    for l in String::from_utf8_lossy(&t.stdout).lines() {
        let p = l.trim_start_matches('.').trim_end_matches('/');
        list.push_str(if p.is_empty() { "/." } else { p });
        list.push('\n');
    }
    let _ = std::fs::write(info.join(format!("{name}.list")), list);
    for f in ["md5sums", "preinst", "postinst", "prerm", "postrm"] {
        let _ = std::fs::copy(ctl.join(f), info.join(format!("{name}.{f}")));
    }
    let control = std::fs::read_to_string(ctl.join("control")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&ctl);
    let mut stanza = String::new();
    for l in control.lines() {
        stanza.push_str(l);
        stanza.push('\n');
        if l.starts_with("Package:") {
            stanza.push_str("Status: install ok installed\n");
        }
    }
    let status = root.join("var/lib/dpkg/status");
    let mut all = std::fs::read_to_string(&status).unwrap_or_default();
    if !all.is_empty() && !all.ends_with("\n\n") {
        all.push('\n');
    }
    all.push_str(&stanza);
    std::fs::write(status, all).is_ok()
}

/// Fetches (once, into `cache`) and unpacks each of `names` into `into` with `dpkg-deb -x`,
/// without dpkg records (for tests that only need the stock files). Returns how many were
/// unpacked; each one that was not is named on stderr with the reason.
pub fn unpack(names: &[&str], cache: &Path, into: &Path) -> usize {
    if std::fs::create_dir_all(into).is_err() {
        eprintln!("skipped {names:?}: cannot create {}", into.display());
        return 0;
    }
    let mut got = 0;
    for (n, deb) in fetch(cache, names) {
        let st = Command::new("dpkg-deb")
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
