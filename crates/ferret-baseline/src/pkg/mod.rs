//! Verification of installed files against the package manager's own records (dpkg).
//!
//! After an intrusion there is often no baseline made beforehand, but the package database is
//! one: dpkg keeps an MD5 for almost every file it installed (`/var/lib/dpkg/info/*.md5sums`)
//! and for every conffile (`Conffiles:` in `/var/lib/dpkg/status`). [`verify_root`] reads that
//! database under a [`HostRoot`] (live `/` or a mounted image), hashes every listed file in
//! parallel through the forensically sound opens of `ferret-core`, and reports what differs,
//! what is missing, and which files in the system binary directories belong to no package.
//!
//! ```
//! use ferret_baseline::pkg::{verify_root, VerifyOptions};
//! use ferret_core::{Control, HostRoot};
//! let t = tempfile::tempdir()?;
//! let r = t.path();
//! std::fs::create_dir_all(r.join("var/lib/dpkg/info"))?;
//! std::fs::create_dir_all(r.join("usr/bin"))?;
//! std::os::unix::fs::symlink("usr/bin", r.join("bin"))?; // merged /usr
//! std::fs::write(r.join("usr/bin/hello"), b"evil\n")?;
//! std::fs::write(r.join("var/lib/dpkg/status"),
//!     "Package: hello\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n")?;
//! std::fs::write(r.join("var/lib/dpkg/info/hello.list"), "/bin\n/bin/hello\n")?;
//! // md5("hello\n"): the packaged content was "hello\n".
//! std::fs::write(r.join("var/lib/dpkg/info/hello.md5sums"),
//!     "b1946ac92492d2347c6235b4d2611184  bin/hello\n")?;
//! let report = verify_root(&HostRoot::new(r)?, &VerifyOptions::default(), &Control::new());
//! assert_eq!((report.packages, report.files), (1, 1));
//! let f = &report.outcome.findings[0];
//! assert_eq!(f.id, "pkg.binary-changed");
//! assert_eq!(f.subject, "/bin/hello");
//! assert!(f.detail.as_deref().unwrap().starts_with("package hello;"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is read
//!
//! | file (under the root) | use |
//! |---|---|
//! | `/var/lib/dpkg/status` | packages, their state, version, architecture, `Multi-Arch`, conffiles and their MD5 |
//! | `/var/lib/dpkg/info/<pkg>.md5sums`, `<pkg>:<arch>.md5sums` | per-file digests (MD5; 64-digit SHA-256 lines from some vendors are accepted) |
//! | `/var/lib/dpkg/info/*.list` | which package owns a path (`dpkg -S`), for replaced files and the unowned-file scan |
//! | `/var/lib/dpkg/diversions` | `dpkg-divert`: a file diverted by another package is checked where it went |
//! | `/var/lib/dpkg/statoverride` | owner, group and mode dpkg enforces on a path (the only mode/owner dpkg records) |
//! | `/etc/dpkg/dpkg.cfg{,.d/*}` | `path-exclude`/`path-include`: excluded files that are absent are not "missing" |
//!
//! Paths are resolved inside the root: a file listed as `/bin/ls` on a merged-`/usr` system is
//! reached through the root's own `/bin -> usr/bin` link, never the host's. A listed file whose
//! last component is now a symbolic link is followed inside the root (like debsums) and the
//! link is named in the finding. Malformed lines are reported as errors with file and line;
//! the rest of the file still counts.
//!
//! Packages verified: by default every package whose files are on disk (`installed`,
//! `triggers-pending`, `triggers-awaited`, `half-configured`, `unpacked`);
//! [`StateSelection::DebsumsCompatible`] keeps to debsums' `installed`/`half-configured`.
//!
//! # Speed
//!
//! MD5 is serial within a file, so the verifier hashes many files at once instead: with the
//! default feature `simd-md5`, the multi-buffer kernels of `md5-many` (AVX-512: 16 files per
//! register group, two groups interleaved; AVX2: 8; detected at run time) hash small files
//! (up to 1 MiB) in batches read whole into reused buffers, sorted by length, and stream
//! large files side by side in 64 KiB lockstep steps, largest first, overlapped with the small
//! ones. Files are still opened one by one through `ferret-core`'s sound opens and checked
//! for change after reading; each directory is opened once below its open parent; an inode
//! listed under several names is read once. A multi-buffer digest that differs from the
//! recorded one is recomputed with `md-5` before it is reported, and a start-up self-test
//! against `md-5` falls back to `md-5` alone if the kernels disagree.
//! [`VerifyReport::md5_engine`] names what was used. On this project's 2-core test machine
//! (720 packages, 93,565 files, 4.45 GB) a warm-cache run takes about 3 s of CPU against
//! about 60 s for `debsums -s`, with the same result (`benches/compare-pkgverify.sh`).
//!
//! # Findings
//!
//! Every finding's `subject` is the file path (the package name for `pkg.no-checksums`) and its
//! `detail` starts with `package <name>` for per-package findings.
//!
//! | id | severity | meaning |
//! |---|---|---|
//! | `pkg.binary-changed` | critical | a file directly in `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin` differs from its checksum (T1554) |
//! | `pkg.library-changed` | critical | a shared library (`*.so*` under a lib directory) or kernel module (`*.ko*`) differs (T1014) |
//! | `pkg.executable-changed` | high | another ELF or executable file differs (T1554) |
//! | `pkg.file-changed` | medium (low under `/usr/share/{doc,man,info,locale,help}`) | any other packaged file differs |
//! | `pkg.file-missing` | medium for binaries/libraries, else low | a packaged file is gone (not counting dpkg `path-exclude`d files) |
//! | `pkg.not-regular` | high for binaries/libraries, else medium | a packaged file is now a directory, FIFO, device... |
//! | `pkg.conffile-changed` | low for security-relevant `/etc` paths (pam, ssh, sudoers, cron, init, systemd, ld.so, profile...), else info | a conffile was edited (they are meant to be) |
//! | `pkg.conffile-missing` | info | a conffile is gone |
//! | `pkg.world-writable` | high for binaries/libraries, else medium | a packaged file is writable by everyone (T1574) |
//! | `pkg.mode-drift` | high when setuid/setgid was gained, else medium | mode differs from `dpkg-statoverride` (T1548.001) |
//! | `pkg.owner-drift` | medium | owner/group differs from `dpkg-statoverride` |
//! | `pkg.local-diversion` | medium for binaries/libraries, else info | an administrator diversion (`dpkg-divert --local`) moved a packaged file aside (T1554) |
//! | `pkg.unowned-binary` | medium in `/bin /sbin /usr/bin /usr/sbin`, low in `/usr/local/{bin,sbin}`, high when setuid/setgid | a regular file no package owns |
//! | `pkg.unowned-symlink` | info | an unowned symlink there (links into `/etc/alternatives` are skipped) |
//! | `pkg.no-checksums` | info | a package has no `md5sums` file; its files are not verified |
//!
//! The system binary directories scanned for unowned files are `/bin`, `/sbin`, `/usr/bin`,
//! `/usr/sbin` (dpkg's territory: anything there without an owner deserves a look) and
//! `/usr/local/bin`, `/usr/local/sbin` at low severity (the administrator's territory, but the
//! usual drop spot for miners and backdoors). Only their direct entries are scanned; aliases
//! through merged `/usr` are scanned once.
//!
//! # Differences from `debsums -a`
//!
//! - SHA-256 lines in `md5sums` are verified (debsums calls them invalid lines).
//! - Packages in `unpacked`/`triggers-*` states are verified by default (their files are on
//!   disk; debsums skips them). [`StateSelection::DebsumsCompatible`] restores its choice.
//! - Files diverted by another package are verified where they went, and a mismatch is
//!   reported (debsums asks `dpkg -S` about the diverted name, finds no owner and says nothing).
//! - A path shared by several packages (Multi-Arch: same, Replaces) is reported when it matches
//!   none of their checksums (debsums drops every mismatch of a shared path).
//! - A mismatch on a path no `.list` names is reported (debsums drops it).
//! - A file listed by a package's md5sums but taken over by another package (no longer in its
//!   own `.list`) is not reported even when missing (debsums reports it missing).
//! - A listed file that is a symlink is followed inside the root; debsums follows it on the
//!   host when `--root` is used with absolute links.
//! - Not implemented: `localepurge` and `prelink` allowances, `--generate` from `.deb` files.
//! - Conffiles whose hash is `newconffile` are skipped (debsums reports them changed).
//!
//! # rpm
//!
//! rpm's database is read by [`rpm`], in all three on-disk formats (Berkeley DB `Packages`,
//! SQLite `rpmdb.sqlite` with its WAL, NDB `Packages.db`), read-only and in pure Rust: package
//! records and every file's digest, size, mode, owner, link target and flags.
//! [`rpm::verify_root`] verifies the files like `rpm -Va`. [`verify_root`] here is the dpkg
//! verifier: when an rpm database is present it says so in its errors (pointing at
//! `rpm::verify_root`), so a dpkg-only report never reads "clean" where nothing was verified.
//!
//! # Trust
//!
//! The database lives on the host it describes: an intruder with root can rewrite a checksum
//! together with the file. This check catches the common case (a replaced binary, a dropped
//! library) quickly and without preparation; for certainty, compare against packages fetched
//! from a trusted mirror, or a baseline kept off the host.

mod batch;
mod check;
pub mod db;
pub mod index;
mod md5x;
pub mod parse;
pub mod rpm;
mod verify;

use ferret_core::{Control, HostRoot, Outcome};
use std::path::PathBuf;

pub use index::{index_root, IndexOptions, IndexReport, OwnedFile, PackageId, PackageIndex};
pub use parse::{Digest, LineError, PkgState};

/// Which packages' files are verified, by dpkg state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum StateSelection {
    /// Every package whose files are on disk: `installed`, `triggers-pending`,
    /// `triggers-awaited`, `half-configured`, `unpacked`.
    #[default]
    FilesPresent,
    /// Only `installed` and `half-configured`, as debsums does.
    DebsumsCompatible,
}

/// Options of [`verify_root`]. The defaults verify every package with files on disk,
/// conffiles included, and scan the system binary directories for unowned files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Packages to verify (`name` or `name:arch`); empty means all. When set, the system-wide
    /// checks (unowned files, diversions, stat overrides) are skipped.
    pub packages: Vec<Vec<u8>>,
    /// Verify conffiles too (like `debsums -a`). Default true.
    pub conffiles: bool,
    /// Verify only conffiles (like `debsums -e`). Default false.
    pub conffiles_only: bool,
    /// Skip conffiles marked `obsolete` (debsums `--ignore-obsolete`). Default false.
    pub ignore_obsolete: bool,
    /// Which package states count.
    pub states: StateSelection,
    /// Scan the system binary directories for files no package owns. Default true.
    pub unowned: bool,
    /// Compare modes and owners with `dpkg-statoverride` records. Default true.
    pub ownership_checks: bool,
    /// dpkg admin directory inside the root. Default `/var/lib/dpkg`.
    pub admindir: PathBuf,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            packages: Vec::new(),
            conffiles: true,
            conffiles_only: false,
            ignore_obsolete: false,
            states: StateSelection::default(),
            unowned: true,
            ownership_checks: true,
            admindir: PathBuf::from("/var/lib/dpkg"),
        }
    }
}

/// What [`verify_root`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct VerifyReport {
    /// Packages verified.
    pub packages: u64,
    /// Files verified (md5sums entries and conffiles that were looked at).
    pub files: u64,
    /// Bytes hashed.
    pub bytes: u64,
    /// The MD5 implementation used: `md5-many (16 lanes)` (multi-buffer SIMD, feature
    /// `simd-md5`) or `md-5 (portable)`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub md5_engine: String,
    /// Findings (sorted, most severe first) and errors (unreadable files, malformed lines).
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub outcome: Outcome,
}

/// Verifies the installed files of `root` against its dpkg database.
///
/// Never fails as a whole: an unreadable database file or a malformed line is an error record
/// beside the findings. Honours `control`: cancellation (checked between files), progress
/// (files done of the files listed, and bytes; reported every 512 files and at the end), the
/// I/O budget (every byte read is charged) and `max_threads`.
pub fn verify_root(root: &HostRoot, opts: &VerifyOptions, control: &Control) -> VerifyReport {
    verify::run(root, opts, control)
}

/// Folds a package's many ordinary `pkg.file-changed` / `pkg.file-missing` findings into one
/// `pkg.package-modified` finding when there are more than `threshold` of them.
///
/// A package updated in place outside dpkg (npm's self-update of nodejs, a `pip install` over
/// Debian's Python files) shows hundreds of such findings that would bury a report; one finding
/// per package says the same thing. Binaries, libraries, executables, conffiles and every other
/// kind stay individual findings. The folded finding keeps the highest folded severity, the
/// counts, and the evidence of the first ten files. Triage uses this; `verify_root` does not,
/// so its output stays comparable with `debsums`.
pub fn group_by_package(outcome: Outcome, threshold: usize) -> Outcome {
    use ferret_core::{Finding, Severity};
    use std::collections::BTreeMap;
    const FOLDED: [&str; 2] = ["pkg.file-changed", "pkg.file-missing"];
    fn package_of(f: &Finding) -> Option<String> {
        let d = f.detail.as_deref()?.strip_prefix("package ")?;
        Some(d.split(';').next().unwrap_or(d).trim().to_owned())
    }
    let mut per_pkg: BTreeMap<String, usize> = BTreeMap::new();
    for f in &outcome.findings {
        if FOLDED.contains(&f.id.as_str()) {
            if let Some(p) = package_of(f) {
                *per_pkg.entry(p).or_default() += 1;
            }
        }
    }
    let mut groups: BTreeMap<String, (usize, usize, Severity, Vec<ferret_core::Evidence>)> =
        BTreeMap::new();
    let mut findings = Vec::with_capacity(outcome.findings.len());
    for f in outcome.findings {
        let pkg = FOLDED
            .contains(&f.id.as_str())
            .then(|| package_of(&f))
            .flatten()
            .filter(|p| per_pkg.get(p).is_some_and(|&n| n > threshold));
        let Some(pkg) = pkg else {
            findings.push(f);
            continue;
        };
        let g = groups
            .entry(pkg)
            .or_insert((0, 0, Severity::Info, Vec::new()));
        if f.id == "pkg.file-changed" {
            g.0 += 1;
        } else {
            g.1 += 1;
        }
        g.2 = g.2.max(f.severity);
        if g.3.len() < 10 {
            g.3.extend(f.evidence.into_iter().take(1).map(|mut e| {
                e.excerpt = Some(f.subject.clone());
                e
            }));
        }
    }
    for (pkg, (changed, missing, sev, evidence)) in groups {
        let mut f = Finding::new(
            "pkg.package-modified",
            sev,
            "many of a package's files differ from its checksums",
            pkg.as_bytes(),
        )
        .with_attack("T1554")
        .with_detail(format!(
            "package {pkg}; {changed} files differ from dpkg's checksums and {missing} are missing \
             (first ten in the evidence). Hundreds of changes in one package usually mean it was \
             updated in place outside dpkg (npm, pip); tampering looks the same, so compare with \
             the package from a trusted mirror"
        ))
        .with_remediation(format!(
            "apt-get download {pkg} && dpkg-deb -x it to a scratch directory and compare; reinstall the package if the changes are not explained"
        ));
        f.evidence = evidence;
        findings.push(f);
    }
    let mut out = Outcome::new();
    out.findings = findings;
    out.errors = outcome.errors;
    out.sort();
    out
}

/// The system binary directories scanned for unowned files, with the severity of an unowned
/// regular file there.
pub fn unowned_dirs() -> impl Iterator<Item = (&'static str, ferret_core::Severity)> {
    verify::UNOWNED_DIRS.into_iter()
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (see `fuzz/fuzz_targets/baseline_pkg_*.rs`).

    use super::parse;

    /// Parses `md5sums` content; every entry must have an absolute, NUL-free path, and errors
    /// must carry line numbers within the input.
    pub fn md5sums(data: &[u8]) {
        let lines = memchr::memchr_iter(b'\n', data).count() as u64 + 1;
        for r in parse::parse_md5sums(data) {
            match r {
                Ok(e) => {
                    assert!(e.path.first() == Some(&b'/'));
                    assert!(!e.path.contains(&0));
                    assert!(e.line >= 1 && e.line <= lines);
                    let hex = e.digest.to_string();
                    assert_eq!(parse::Digest::from_hex(hex.as_bytes()), Some(e.digest));
                }
                Err(e) => assert!(e.line >= 1 && e.line <= lines),
            }
        }
    }

    /// Parses status content (and the other line formats); must not panic, lines in range.
    pub fn status(data: &[u8]) {
        let lines = memchr::memchr_iter(b'\n', data).count() as u64 + 1;
        for r in parse::parse_status(data) {
            match r {
                Ok(e) => {
                    assert!(!e.package.is_empty());
                    assert!(e.line >= 1 && e.line <= lines);
                    for c in &e.conffiles {
                        assert!(c.path.first() == Some(&b'/'));
                        assert!(c.line > e.line && c.line <= lines);
                    }
                    let _ = e.binary_package();
                }
                Err(e) => assert!(e.line >= 1 && e.line <= lines),
            }
        }
        let _ = parse::parse_diversions(data);
        let _ = parse::parse_statoverride(data);
        let f = parse::parse_dpkg_cfg(data);
        let _ = parse::excluded_by(&f, data);
        let _ = parse::parse_list(data).count();
    }
}

#[cfg(test)]
mod group_tests {
    use super::group_by_package;
    use ferret_core::{Evidence, Finding, Outcome, Severity};

    fn f(id: &str, pkg: &str, path: &str, sev: Severity) -> Finding {
        Finding::new(id, sev, "t", path.as_bytes())
            .with_evidence(Evidence::line("/var/lib/dpkg/info/x.md5sums", 1))
            .with_detail(format!("package {pkg}; recorded md5 ..."))
    }

    #[test]
    fn folds_only_big_packages_and_ordinary_files() {
        let mut o = Outcome::new();
        for i in 0..30 {
            o.findings.push(f(
                "pkg.file-changed",
                "nodejs",
                &format!("/usr/lib/n/{i}.js"),
                Severity::Medium,
            ));
        }
        for i in 0..5 {
            o.findings.push(f(
                "pkg.file-missing",
                "nodejs",
                &format!("/usr/lib/n/m{i}.js"),
                Severity::Low,
            ));
        }
        o.findings.push(f(
            "pkg.binary-changed",
            "nodejs",
            "/usr/bin/node",
            Severity::Critical,
        ));
        o.findings.push(f(
            "pkg.file-changed",
            "sed",
            "/usr/share/doc/sed/x",
            Severity::Low,
        ));
        let g = group_by_package(o, 20);
        let ids: Vec<&str> = g.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "pkg.binary-changed",
                "pkg.package-modified",
                "pkg.file-changed"
            ]
        );
        let pm = &g.findings[1];
        assert_eq!(pm.subject, "nodejs");
        assert_eq!(pm.severity, Severity::Medium);
        assert_eq!(pm.evidence.len(), 10);
        assert!(pm.detail.as_deref().unwrap().contains("30 files differ"));
        assert!(pm.detail.as_deref().unwrap().contains("5 are missing"));
    }
}
