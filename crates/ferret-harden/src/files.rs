//! Filesystem checks over one filesystem per root (a parallel, `openat`-relative walk): the
//! SUID/SGID inventory (unusual places, recent changes, files no dpkg list knows),
//! world-writable files and sticky-less world-writable directories, files whose uid or gid
//! no account has, and file capabilities (`security.capability`) on programs in the same
//! unusual places as a SUID backdoor (a copy of python given `cap_setuid+ep` in `/tmp`). Reports
//! only; never changes a mode.

use crate::accounts::Accounts;
use crate::util::pb;
use ferret_core::fs::OpenOptions;
use ferret_core::walk::{walk_parallel, Visit, WalkEvent, WalkOptions};
use ferret_core::{
    Control, ErrorRecord, Evidence, FileKind, Finding, HostRoot, Outcome, Progress, Severity,
};
use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Options of the filesystem checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FilesOptions {
    /// Where to start (inside the root).
    pub start: PathBuf,
    /// Report every SUID/SGID file as an info finding.
    pub inventory: bool,
    /// "Recently changed" window in seconds (default 30 days).
    pub recent_secs: i64,
    /// Reference time for "recent" (seconds since the epoch; default now).
    pub now: Option<i64>,
    /// At most this many errors are kept (a summary line counts the rest).
    pub max_errors: usize,
}

impl Default for FilesOptions {
    fn default() -> Self {
        FilesOptions {
            start: PathBuf::from("/"),
            inventory: false,
            recent_secs: 30 * 86400,
            now: None,
            max_errors: 200,
        }
    }
}

/// One SUID/SGID file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SuidFile {
    /// Path inside the root (escaped when displayed and serialised).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::path"))]
    pub path: PathBuf,
    /// Mode bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Modification time (seconds).
    pub mtime: i64,
    /// Status-change time (seconds).
    pub ctime: i64,
}

/// Directories never walked on a live root (virtual or volatile filesystems).
pub const LIVE_SKIP: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// Whether `p` is an unusual place for a SUID/SGID file: temporary directories, homes, hidden
/// directories.
pub fn unusual_place(p: &Path, homes: &[Vec<u8>]) -> Option<&'static str> {
    let b = p.as_os_str().as_bytes();
    for (prefix, why) in [
        (&b"/tmp/"[..], "a temporary directory"),
        (b"/var/tmp/", "a temporary directory"),
        (b"/dev/shm/", "a shared-memory directory"),
        (b"/home/", "a home directory"),
        (b"/root/", "root's home directory"),
    ] {
        if b.starts_with(prefix) {
            return Some(why);
        }
    }
    if homes
        .iter()
        .filter(|h| {
            h.len() > 1
                && h.as_slice() != b"/"
                && !h.starts_with(b"/usr")
                && !h.starts_with(b"/bin")
                && !h.starts_with(b"/var/lib")
                && !h.starts_with(b"/nonexistent")
        })
        .any(|h| b.starts_with(h) && b.get(h.len()) == Some(&b'/'))
    {
        return Some("a home directory");
    }
    // The first dot-named component: a directory above the file, or the file itself.
    let mut comps = b.split(|&c| c == b'/').filter(|c| !c.is_empty()).peekable();
    while let Some(c) = comps.next() {
        if c.first() == Some(&b'.') {
            return Some(if comps.peek().is_some() {
                "a hidden directory"
            } else {
                "a hidden file"
            });
        }
    }
    None
}

/// Paths dpkg's file lists under `root` know, restricted to `wanted` (with merged-/usr aliases).
pub fn dpkg_known(
    root: &HostRoot,
    wanted: &[PathBuf],
    out: &mut Outcome,
) -> Option<HashSet<Vec<u8>>> {
    let entries = match root.read_dir("/var/lib/dpkg/info") {
        Ok(e) => e,
        Err(e) if e.is_not_found() => return None,
        Err(e) => {
            out.errors.push(crate::util::skipped(&e));
            return None;
        }
    };
    let mut want: HashSet<Vec<u8>> = HashSet::new();
    for w in wanted {
        let b = pb(w).to_vec();
        want.insert(b.clone());
        if let Some(rest) = b.strip_prefix(b"/usr") {
            want.insert(rest.to_vec());
        } else {
            let mut u = b"/usr".to_vec();
            u.extend_from_slice(&b);
            want.insert(u);
        }
    }
    let mut found = HashSet::new();
    for e in entries {
        if !e.name.as_bytes().ends_with(b".list") {
            continue;
        }
        let p = Path::new("/var/lib/dpkg/info").join(&e.name);
        let Ok(buf) = root.read_capped(&p, 64 << 20) else {
            continue;
        };
        for line in buf.split(|&c| c == b'\n') {
            if want.contains(line) {
                found.insert(line.to_vec());
            }
        }
    }
    Some(found)
}

fn is_known(known: &HashSet<Vec<u8>>, p: &Path) -> bool {
    let b = pb(p);
    if known.contains(b) {
        return true;
    }
    if let Some(rest) = b.strip_prefix(b"/usr") {
        known.contains(rest)
    } else {
        let mut u = b"/usr".to_vec();
        u.extend_from_slice(b);
        known.contains(&u)
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs the filesystem checks below [`FilesOptions::start`] of `root`, on that file system
/// only, in parallel (honouring `control`'s thread limit). Cancelling `control` stops the walk;
/// what it saw is reported with a "cancelled" error. Progress counts the entries walked.
pub fn audit_root(root: &HostRoot, opts: &FilesOptions, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let (accounts, acc_errors) = Accounts::load(root);
    out.errors.extend(acc_errors);
    let check_owner = !accounts.users.is_empty() && !accounts.groups.is_empty();
    let homes: Vec<Vec<u8>> = accounts.users.iter().map(|u| u.home.clone()).collect();
    let live = root.is_live();
    let suid: Mutex<Vec<SuidFile>> = Mutex::new(Vec::new());
    let findings: Mutex<Vec<Finding>> = Mutex::new(Vec::new());
    let errors: Mutex<Vec<ErrorRecord>> = Mutex::new(Vec::new());
    let dropped = AtomicU64::new(0);
    let seen = AtomicU64::new(0);
    let wopts = WalkOptions::new().cancel(control.cancel.clone());
    let push_err = |e: ErrorRecord| {
        let mut g = errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if g.len() < opts.max_errors {
            g.push(e);
        } else {
            dropped.fetch_add(1, Ordering::Relaxed);
        }
    };
    let push = |f: Finding| {
        findings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(f);
    };
    let res = control.install(|| {
        walk_parallel(root, &opts.start, &wopts, |ev| {
            let e = match ev {
                WalkEvent::Entry(e) => e,
                WalkEvent::Error(err) => {
                    push_err(crate::util::skipped(&err));
                    return Visit::Continue;
                }
            };
            // Every entry's mode and owner are checked: the `lstat` is taken for each.
            let st = match e.stat() {
                Ok(st) => st,
                Err(err) => {
                    push_err(crate::util::skipped(&err));
                    return Visit::Continue;
                }
            };
            let n = seen.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_multiple_of(8192) {
                control.report(progress(n));
            }
            if e.depth == 1 && live && st.kind == FileKind::Directory && LIVE_SKIP.iter().any(|s| e.path == Path::new(s)) {
                return Visit::Skip;
            }
            let path = pb(&e.path);
            match st.kind {
                FileKind::Regular => {
                    if st.is_setuid() || st.is_setgid() {
                        suid.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(SuidFile {
                            path: e.path.clone(),
                            mode: st.mode,
                            uid: st.uid,
                            gid: st.gid,
                            mtime: st.mtime.sec,
                            ctime: st.ctime.sec,
                        });
                    }
                    // Capabilities act on exec: only programs (any execute bit) in the places a
                    // SUID file would be flagged are opened; interpreters in bin directories
                    // are the persistence check's.
                    if st.mode & 0o111 != 0 {
                        if let Some(why) = unusual_place(&e.path, &homes) {
                            if !crate::persistence::capability_checked_here(&e.path) {
                                match e.open(&OpenOptions::new()).and_then(|f| f.xattr("security.capability")) {
                                    Ok(Some(raw)) => match ferret_core::caps::from_xattr(&raw) {
                                        Some(sets) => {
                                            if let Some(f) = capability_finding(path, why, &sets) {
                                                push(f);
                                            }
                                        }
                                        None => push_err(crate::util::malformed_capability(path, &raw)),
                                    },
                                    Ok(None) => {}
                                    Err(err) => push_err(crate::util::skipped(&err)),
                                }
                            }
                        }
                    }
                    if st.is_world_writable() {
                        push(Finding::new("files.world-writable", Severity::Medium, "world-writable file", path)
                            .with_evidence(Evidence::file(path))
                            .with_detail(format!("Mode {:04o}: any local user can change this file; if anything executes or trusts it, that is a privilege-escalation or persistence path.", st.mode & 0o7777))
                            .with_remediation("Remove write permission for others (`chmod o-w`), after checking why it was set.")
                            .with_attack("T1222.002")
                            .with_reference("CIS Linux Benchmark 6.1 \"Ensure no world writable files exist\""));
                    }
                }
                FileKind::Directory
                    if st.is_world_writable() && !st.is_sticky() => {
                        push(Finding::new("files.world-writable-dir", Severity::Medium, "world-writable directory without the sticky bit", path)
                            .with_evidence(Evidence::file(path))
                            .with_detail(format!("Mode {:04o}: any user can delete or replace other users' files here.", st.mode & 0o7777))
                            .with_remediation("Set the sticky bit (`chmod +t`) or remove write permission for others.")
                            .with_attack("T1222.002")
                            .with_reference("CIS Linux Benchmark 1.1 \"sticky bit on all world-writable directories\""));
                    }
                _ => {}
            }
            if check_owner && st.kind != FileKind::Symlink && (!accounts.has_uid(st.uid) || !accounts.has_gid(st.gid)) {
                let what = match (accounts.has_uid(st.uid), accounts.has_gid(st.gid)) {
                    (false, false) => format!("uid {} and gid {} have", st.uid, st.gid),
                    (false, true) => format!("uid {} has", st.uid),
                    _ => format!("gid {} has", st.gid),
                };
                push(Finding::new("files.unowned", Severity::Low, "file owned by an unknown user or group", path)
                    .with_evidence(Evidence::file(path))
                    .with_detail(format!("{what} no entry in /etc/passwd or /etc/group: left by a deleted account, unpacked from an archive, or planted; a new account given that id would own it."))
                    .with_remediation("Find out where it came from; give it to a real owner (`chown`) or remove it.")
                    .with_attack("T1222.002")
                    .with_reference("CIS Linux Benchmark 6.1 \"Ensure no unowned files or directories exist\""));
            }
            Visit::Continue
        })
    });
    control.report(progress(seen.load(Ordering::Relaxed)));
    if let Err(e) = res {
        out.errors.push(ErrorRecord::from(&e));
    }
    out.findings.extend(
        findings
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    out.errors.extend(
        errors
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let d = dropped.load(Ordering::Relaxed);
    if d > 0 {
        out.errors.push(ErrorRecord::new(
            None,
            None,
            format!("{d} more walk errors not listed"),
        ));
    }
    let mut suid = suid
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    suid.sort_by(|a, b| pb(&a.path).cmp(pb(&b.path)));
    let paths: Vec<PathBuf> = suid.iter().map(|s| s.path.clone()).collect();
    let known = if suid.is_empty() {
        None
    } else {
        dpkg_known(root, &paths, &mut out)
    };
    let now = opts.now.unwrap_or_else(now_secs);
    for s in &suid {
        let p = pb(&s.path);
        let bits = match (s.mode & 0o4000 != 0, s.mode & 0o2000 != 0) {
            (true, true) => "SUID+SGID",
            (true, false) => "SUID",
            _ => "SGID",
        };
        let base = |id: &str, sev: Severity, title: String| {
            Finding::new(id, sev, title, p)
                .with_evidence(Evidence::file(p))
                .with_attack("T1548.001")
                .with_reference("CIS Linux Benchmark 6.1 \"Audit SUID/SGID executables\"")
        };
        let mut flagged = false;
        if let Some(why) = unusual_place(&s.path, &homes) {
            flagged = true;
            out.findings.push(base("files.suid-unusual-location", Severity::High, format!("{bits} file in {why}"))
                .with_detail(format!("Mode {:04o}, owner uid {}: set-id binaries belong in system directories; one in {why} is a classic root backdoor (a copied shell with the SUID bit).", s.mode & 0o7777, s.uid))
                .with_remediation("Preserve it as evidence (hash, copy), then remove the set-id bits or the file."));
        }
        let pkg_known = known.as_ref().map(|k| is_known(k, &s.path));
        if pkg_known == Some(false) {
            flagged = true;
            out.findings.push(base("files.suid-unpackaged", Severity::Medium, format!("{bits} file not installed by any package"))
                .with_detail("No dpkg file list (/var/lib/dpkg/info/*.list) contains this path: it was not installed by the package manager.")
                .with_remediation("Identify its origin (`ls -l`, hash lookup); remove the set-id bits if it is not needed."));
        }
        let recent = now.saturating_sub(s.mtime.max(s.ctime));
        if recent >= 0 && recent <= opts.recent_secs {
            flagged = true;
            out.findings.push(base("files.suid-recent", if pkg_known == Some(true) { Severity::Low } else { Severity::Medium }, format!("{bits} file changed in the last {} days", opts.recent_secs / 86400))
                .with_detail(format!("mtime {} / ctime {} (seconds since the epoch) fall in the review window; package upgrades also do this{}.", s.mtime, s.ctime, if pkg_known == Some(true) { " and dpkg knows this path" } else { "" }))
                .with_remediation("Compare with the package's checksum (`debsums`, `dpkg --verify`) and the change time with the incident timeline."));
        }
        if opts.inventory && !flagged {
            out.findings.push(
                base(
                    "files.suid-inventory",
                    Severity::Info,
                    format!("{bits} file"),
                )
                .with_detail(format!(
                    "Mode {:04o}, uid {}, gid {}.",
                    s.mode & 0o7777,
                    s.uid,
                    s.gid
                )),
            );
        }
    }
    out
}

/// `files.capability-unusual-location` for a program in `why` (an unusual place) whose
/// `security.capability` holds `sets`; `None` when it holds no capability.
fn capability_finding(
    path: &[u8],
    why: &str,
    sets: &ferret_core::caps::CapSets,
) -> Option<Finding> {
    if sets.is_empty() {
        return None;
    }
    let root = sets.granted() & ferret_core::caps::ROOT_GIVING;
    let (sev, what) = if root == 0 {
        (Severity::High, String::new())
    } else {
        (
            Severity::Critical,
            format!(
                " {} make whoever runs it root.",
                sets.names(root).join(", ")
            ),
        )
    };
    Some(
        Finding::new("files.capability-unusual-location", sev, format!("file capability on a program in {why}"), path)
            .with_evidence(Evidence::file(path).with_excerpt(format!("security.capability: {}", sets.to_text())))
            .with_detail(format!("Capabilities are granted to any user who runs this file, like a SUID bit; distributions set them only on their own programs in system directories, never in {why}: a copied interpreter or tool given `setcap` is a privilege backdoor.{what}"))
            .with_remediation("Preserve it as evidence (getcap, hash, copy), then remove the capability (`setcap -r`) or the file, and find who set it (ctime).")
            .with_attack("T1548")
            .with_attack("T1548.001"),
    )
}

fn progress(n: u64) -> Progress {
    let mut p = Progress::default();
    p.items_done = n;
    p
}

/// Every SUID/SGID regular file below `start` on its filesystem (for inventories and tests).
pub fn suid_files(
    root: &HostRoot,
    start: &Path,
    control: &Control,
) -> (Vec<SuidFile>, Vec<ErrorRecord>) {
    let out: Mutex<Vec<SuidFile>> = Mutex::new(Vec::new());
    let errs: Mutex<Vec<ErrorRecord>> = Mutex::new(Vec::new());
    let live = root.is_live();
    let r = control.install(|| {
        walk_parallel(
            root,
            start,
            &WalkOptions::new().cancel(control.cancel.clone()),
            |ev| {
                match ev {
                    WalkEvent::Entry(e) => {
                        if e.depth == 1 && live && LIVE_SKIP.iter().any(|s| e.path == Path::new(s))
                        {
                            return Visit::Skip;
                        }
                        // Only regular files are `lstat`ed (the listing gives the type).
                        if e.kind != FileKind::Regular {
                            return Visit::Continue;
                        }
                        let st = match e.stat() {
                            Ok(st) => st,
                            Err(err) => {
                                errs.lock()
                                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                                    .push(ErrorRecord::from(&err));
                                return Visit::Continue;
                            }
                        };
                        if st.kind == FileKind::Regular && (st.is_setuid() || st.is_setgid()) {
                            out.lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .push(SuidFile {
                                    path: e.path.clone(),
                                    mode: st.mode,
                                    uid: st.uid,
                                    gid: st.gid,
                                    mtime: st.mtime.sec,
                                    ctime: st.ctime.sec,
                                });
                        }
                    }
                    WalkEvent::Error(e) => errs
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(ErrorRecord::from(&e)),
                }
                Visit::Continue
            },
        )
    });
    let mut errs = errs
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Err(e) = r {
        errs.push(ErrorRecord::from(&e));
    }
    let mut v = out
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    v.sort_by(|a, b| pb(&a.path).cmp(pb(&b.path)));
    (v, errs)
}
