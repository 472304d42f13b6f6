//! git hooks inside repositories: git runs `.git/hooks/<name>` (pre-commit, post-checkout,
//! post-merge, ...) as the user at each matching command, so a hook planted in a repository
//! an administrator works in runs with that administrator's rights (PANIX `--git`, Elastic's
//! `persistence_git_hook_*`, MITRE T1546).
//!
//! Repositories are searched in each home and in the web roots (`/var/www`, `/srv`,
//! `/usr/share/nginx`, `/opt`), at most [`MAX_GIT_DEPTH`] directories deep and
//! [`MAX_GIT_DIRS`] directories in each, [`MAX_GIT_REPOS`] repositories in all (a search cut
//! short is an error record naming where); symbolic links are not followed, and
//! `node_modules` and cache directories are not entered. Bare repositories (`x.git/hooks`)
//! count too. The sample hooks git installs (`*.sample`) are skipped; a hook is reported when
//! the shared classifier flags one of its lines (hook managers such as husky or pre-commit,
//! which run programs from the user's home, are not).

use super::{finding, hit_reasons, severity, shell_hits};
use crate::accounts::Accounts;
use crate::persistence::hooks::{entries, homes, read_text};
use crate::util::pb;
use ferret_core::{Control, ErrorRecord, FileKind, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// How many directory levels below a home or web root are searched for repositories.
pub const MAX_GIT_DEPTH: usize = 4;
/// Directories listed at most in each home or web root.
pub const MAX_GIT_DIRS: usize = 5_000;
/// Repositories whose hooks are read at most.
pub const MAX_GIT_REPOS: usize = 256;

/// Web roots searched besides the homes.
const WEB_ROOTS: &[&str] = &["/var/www", "/srv", "/usr/share/nginx", "/opt"];

/// Directories never entered (large, and no one keeps a repository's hooks there).
const SKIP: &[&[u8]] = &[
    b"node_modules",
    b".cache",
    b"proc",
    b".npm",
    b".cargo",
    b".rustup",
];

pub(super) fn audit(root: &HostRoot, accounts: &Accounts, control: &Control, out: &mut Outcome) {
    let mut starts: Vec<PathBuf> = WEB_ROOTS.iter().map(PathBuf::from).collect();
    for h in homes(accounts) {
        starts.push(PathBuf::from(std::ffi::OsStr::from_bytes(h)));
    }
    let mut seen: std::collections::HashSet<(u64, u64)> = std::collections::HashSet::new();
    let mut repos: Vec<PathBuf> = Vec::new();
    for start in starts {
        if repos.len() >= MAX_GIT_REPOS {
            out.errors.push(ErrorRecord::new(
                Some(pb(&start)),
                None,
                format!("git hook search: {MAX_GIT_REPOS} repositories read already; not searched"),
            ));
            continue;
        }
        if !search(root, &start, control, &mut seen, &mut repos, out) {
            return; // cancelled
        }
    }
    for hooks in &repos {
        for (p, k) in entries(root, hooks, out) {
            let n = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
            if k != Some(FileKind::Regular) || n.ends_with(b".sample") {
                continue;
            }
            check_hook(root, &p, out);
        }
    }
}

/// Breadth-first search of one home or web root for repositories (at most [`MAX_GIT_DIRS`]
/// directories, [`MAX_GIT_DEPTH`] levels). False when `control` cancelled it.
fn search(
    root: &HostRoot,
    start: &Path,
    control: &Control,
    seen: &mut std::collections::HashSet<(u64, u64)>,
    repos: &mut Vec<PathBuf>,
    out: &mut Outcome,
) -> bool {
    let mut queue: std::collections::VecDeque<(PathBuf, usize)> = std::collections::VecDeque::new();
    queue.push_back((start.to_path_buf(), 0));
    let mut dirs = 0usize;
    while let Some((d, depth)) = queue.pop_front() {
        if control.is_cancelled() {
            return false;
        }
        match root.lstat(&d) {
            Ok(st) if st.kind == FileKind::Directory && seen.insert((st.dev, st.ino)) => {}
            _ => continue,
        }
        dirs += 1;
        if dirs > MAX_GIT_DIRS || repos.len() >= MAX_GIT_REPOS {
            out.errors.push(ErrorRecord::new(
                Some(pb(start)),
                None,
                format!(
                    "git hook search stopped at {MAX_GIT_DIRS} directories or {MAX_GIT_REPOS} repositories; the rest of this tree was not searched"
                ),
            ));
            break;
        }
        let list = entries(root, &d, out);
        let name = d.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
        let has = |n: &str| {
            list.iter().any(|(p, k)| {
                p.file_name().is_some_and(|f| f == n) && *k == Some(FileKind::Directory)
            })
        };
        // a bare repository (`x.git` holding `hooks` and `objects`)
        if name.ends_with(b".git") && has("hooks") && has("objects") {
            repos.push(d.join("hooks"));
            continue;
        }
        for (p, k) in list {
            if k != Some(FileKind::Directory) {
                continue;
            }
            let n = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
            if n == b".git" {
                repos.push(p.join("hooks"));
            } else if depth < MAX_GIT_DEPTH && !SKIP.contains(&n) {
                queue.push_back((p, depth + 1));
            }
        }
    }
    true
}

fn check_hook(root: &HostRoot, p: &Path, out: &mut Outcome) {
    let Some(buf) = read_text(root, p, Some(out)) else {
        return;
    };
    let (hits, kinds) = shell_hits(&buf);
    if hits.is_empty() {
        return;
    }
    out.findings.push(finding(
        "persistence.git-hook",
        severity(kinds).max(Severity::High),
        "git hook runs a downloaded, decoded, temporary or network-connected program",
        pb(p),
        p,
        format!(
            "git runs this hook as whoever uses the repository (an administrator committing or pulling as root included): {} line(s) that {}.",
            hits.len(),
            hit_reasons(&hits)
        ),
        &["T1546"],
        &hits,
    ));
}
