//! One finding per subject and problem, and one group for many alike.
//!
//! A report runs [`fold`] over every module's findings:
//!
//! 1. **Exact duplicates** (same id, subject and evidence) are dropped.
//! 2. **One finding per subject**: the findings about the same subject become one finding
//!    with all its reasons, at the highest severity. The subject is a file when it is a path
//!    (`/tmp/.x/sh`: a SUID file in a temporary directory that is also recent and unpackaged
//!    is one finding with two more [`Reason`]s, not three findings; a changed package binary
//!    and the process running its deleted copy are one finding), else the subject within its
//!    check family (`accounts.*` about the user `toor`, `logs.*` about one address). The
//!    most severe finding keeps its id, title and subject; the others are listed in
//!    [`Finding::reasons`] and [`Finding::also_reported_as`], and their evidence and ATT&CK
//!    ids are added to it.
//! 3. **Groups**: when `group_min` or more findings of one id share a cause, they are
//!    grouped: one group finding (in [`Report::groups`](crate::Report::groups)) names the
//!    cause as its subject and lists the members as its evidence, and every member carries
//!    the group's key in [`Finding::group`]. The causes, in this order:
//!    - the package of a package-verification finding (`pkg.*`, detail `package NAME; ...`);
//!    - the directory of a finding about a path (the SUID files under `/tmp`);
//!    - the file of a finding's first evidence (one user's history lines, one log's sources,
//!      one account file's entries).
//!
//! Group keys are stable across runs: `<id>@<kind>:<cause>` (`pkg.binary-changed@package:coreutils`,
//! `files.suid-unusual-location@dir:/tmp`, `logs.brute-force@file:/var/log/auth.log`).
//!
//! ```
//! use ferret::core::{Evidence, Finding, Severity};
//! let suid = |id: &str, sev, path: &str| {
//!     Finding::new(id, sev, "SUID file", path.as_bytes()).with_evidence(Evidence::file(path))
//! };
//! let mut all = Vec::new();
//! for i in 0..5 {
//!     let p = format!("/tmp/x{i}");
//!     all.push(suid("files.suid-unusual-location", Severity::High, &p));
//!     all.push(suid("files.suid-recent", Severity::Medium, &p));
//! }
//! let (findings, groups) = ferret::group::fold(all, 4);
//! assert_eq!(findings.len(), 5); // one per file, each with the second reason
//! assert_eq!(findings[0].reasons[0].id, "files.suid-recent");
//! assert_eq!(groups.len(), 1); // the five files of /tmp
//! assert_eq!(groups[0].subject, "/tmp");
//! assert_eq!(groups[0].evidence.len(), 5);
//! assert!(findings.iter().all(|f| f.group == groups[0].group));
//! ```

use ferret_core::{Evidence, Finding, Reason};
use std::collections::{HashMap, HashSet};

/// The default of `group_min`: four findings of one id with one cause make a group (a text
/// report shows three members and `(+N more)`).
pub const DEFAULT_GROUP_MIN: usize = 4;

/// The file an integrity fact is about, if `f` is one: the binary a process runs that was
/// deleted (or replaced) on disk (its subject is the pid, its first excerpt the path).
fn process_exe(f: &Finding) -> Option<String> {
    if f.id != "proc.deleted-exe" {
        return None;
    }
    let exe = f.evidence.iter().find_map(|e| e.excerpt.as_deref())?;
    Some(exe.trim_end_matches(" (deleted)").to_owned())
}

/// The check family of an id: its first segment (`files` of `files.suid-recent`).
fn family(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

/// What makes two findings about one subject: a path (any family), or the subject within a
/// family. `None` for findings without a subject.
fn subject_key(f: &Finding) -> Option<(String, String)> {
    if let Some(exe) = process_exe(f) {
        return Some((String::new(), exe));
    }
    if f.subject.starts_with('/') {
        return Some((String::new(), f.subject.clone()));
    }
    if f.subject.is_empty() {
        return None;
    }
    Some((family(&f.id).to_owned(), f.subject.clone()))
}

/// Adds `other`'s reason, evidence and ATT&CK ids to `keep` (both about one subject).
fn merge_into(keep: &mut Finding, other: Finding) {
    if other.id != keep.id && !keep.also_reported_as.contains(&other.id) {
        keep.also_reported_as.push(other.id.clone());
        keep.reasons.push(Reason::of(&other));
    }
    for r in other.reasons {
        if r.id != keep.id && !keep.also_reported_as.contains(&r.id) {
            keep.also_reported_as.push(r.id.clone());
            keep.reasons.push(r);
        }
    }
    for e in other.evidence {
        if !keep.evidence.contains(&e) {
            keep.evidence.push(e);
        }
    }
    for a in other.attack {
        if !keep.attack.contains(&a) {
            keep.attack.push(a);
        }
    }
    for r in other.references {
        if !keep.references.contains(&r) {
            keep.references.push(r);
        }
    }
}

/// Why several findings of one id belong together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Cause {
    Package(String),
    Dir(String),
    File(String),
}

impl Cause {
    fn of(f: &Finding) -> Option<Cause> {
        if family(&f.id) == "pkg" {
            if let Some(d) = f.detail.as_deref().and_then(|d| d.strip_prefix("package ")) {
                let name = d.split(';').next().unwrap_or(d).trim();
                if !name.is_empty() {
                    return Some(Cause::Package(name.to_owned()));
                }
            }
        }
        if f.subject.starts_with('/') {
            let dir = match f.subject.trim_end_matches('/').rsplit_once('/') {
                Some(("", _)) | None => "/",
                Some((d, _)) => d,
            };
            return Some(Cause::Dir(dir.to_owned()));
        }
        f.evidence.first().map(|e| Cause::File(e.path.clone()))
    }

    fn key(&self, id: &str) -> String {
        match self {
            Cause::Package(p) => format!("{id}@package:{p}"),
            Cause::Dir(d) => format!("{id}@dir:{d}"),
            Cause::File(p) => format!("{id}@file:{p}"),
        }
    }

    fn subject(&self) -> &str {
        match self {
            Cause::Package(s) | Cause::Dir(s) | Cause::File(s) => s,
        }
    }

    fn describe(&self, n: usize) -> String {
        match self {
            Cause::Package(p) => format!("{n} files of package {p}"),
            Cause::Dir(d) => format!("{n} under {d}"),
            Cause::File(p) => format!("{n} in {p}"),
        }
    }
}

/// Folds `findings` into one finding per subject and problem, most severe first, and groups
/// alike ones when `group_min` or more share a cause (`group_min` below 2: no groups). Returns
/// the findings (each member of a group with its key in [`Finding::group`]) and the groups.
/// See the [module docs](self).
pub fn fold(findings: Vec<Finding>, group_min: usize) -> (Vec<Finding>, Vec<Finding>) {
    let mut sorted = findings;
    Finding::sort(&mut sorted);
    let mut seen: HashSet<(String, String, Vec<Evidence>)> = HashSet::new();
    let mut by_subject: HashMap<(String, String), usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::with_capacity(sorted.len());
    for f in sorted {
        if !seen.insert((f.id.clone(), f.subject.clone(), f.evidence.clone())) {
            continue;
        }
        if let Some(key) = subject_key(&f) {
            if let Some(keep) = by_subject.get(&key).and_then(|&i| out.get_mut(i)) {
                // Sorted most severe first: the finding kept is the most severe one.
                merge_into(keep, f);
                continue;
            }
            by_subject.insert(key, out.len());
        }
        out.push(f);
    }
    drop(seen);
    drop(by_subject);
    let groups = if group_min >= 2 {
        group(&mut out, group_min)
    } else {
        Vec::new()
    };
    (out, groups)
}

/// Marks the members of every group of `group_min` or more and returns the group findings.
fn group(findings: &mut [Finding], group_min: usize) -> Vec<Finding> {
    let causes: Vec<Option<Cause>> = findings.iter().map(Cause::of).collect();
    let mut counts: HashMap<(&str, &Cause), usize> = HashMap::new();
    for (f, c) in findings.iter().zip(&causes) {
        if let Some(c) = c {
            *counts.entry((f.id.as_str(), c)).or_default() += 1;
        }
    }
    // Group index by (id, cause), in the order of the first member (most severe first).
    let mut index: HashMap<(String, Cause), usize> = HashMap::new();
    let mut groups: Vec<Finding> = Vec::new();
    let mut sizes: Vec<(usize, Cause)> = Vec::new();
    let wanted: HashSet<(String, Cause)> = counts
        .into_iter()
        .filter(|(_, n)| *n >= group_min)
        .map(|((id, c), _)| (id.to_owned(), c.clone()))
        .collect();
    if wanted.is_empty() {
        return groups;
    }
    for (f, c) in findings.iter_mut().zip(causes) {
        let Some(c) = c else { continue };
        let k = (f.id.clone(), c);
        if !wanted.contains(&k) {
            continue;
        }
        let gi = if let Some(&gi) = index.get(&k) {
            gi
        } else {
            {
                let key = k.1.key(&f.id);
                let mut g = Finding::new(f.id.clone(), f.severity, f.title.clone(), b"");
                k.1.subject().clone_into(&mut g.subject);
                g.group = Some(key);
                g.remediation.clone_from(&f.remediation);
                g.references.clone_from(&f.references);
                groups.push(g);
                sizes.push((0, k.1.clone()));
                index.insert(k, groups.len() - 1);
                groups.len() - 1
            }
        };
        let (Some(g), Some(size)) = (groups.get_mut(gi), sizes.get_mut(gi)) else {
            continue;
        };
        size.0 += 1;
        g.severity = g.severity.max(f.severity);
        f.group.clone_from(&g.group);
        let mut e = f
            .evidence
            .first()
            .cloned()
            .unwrap_or_else(|| Evidence::file(f.subject.as_bytes()));
        if e.excerpt.is_none() || e.path != f.subject {
            // The member's subject, as it was escaped (not escaped twice).
            e.excerpt = Some(f.subject.clone());
        }
        g.evidence.push(e);
        for a in &f.attack {
            if !g.attack.contains(a) {
                g.attack.push(a.clone());
            }
        }
    }
    for (g, (n, cause)) in groups.iter_mut().zip(sizes) {
        g.title = format!("{} ({})", g.title, cause.describe(n));
        g.detail = Some(format!(
            "{n} findings {} share this cause; each is listed in the evidence (the member's \
             subject as the excerpt) and stands alone in the report's findings, with this \
             group's key",
            g.id
        ));
    }
    Finding::sort(&mut groups);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::Severity;

    fn f(id: &str, sev: Severity, subject: &str) -> Finding {
        Finding::new(id, sev, format!("title of {id}"), subject.as_bytes())
            .with_evidence(Evidence::file(subject))
    }

    #[test]
    fn reasons_about_one_file_become_one_finding() {
        let p = "/tmp/.x/sh";
        let out = fold(
            vec![
                f("files.suid-recent", Severity::Medium, p).with_attack("T1548.001"),
                f("files.suid-unusual-location", Severity::High, p).with_attack("T1548.001"),
                f("files.suid-unpackaged", Severity::Medium, p),
                f("pkg.binary-changed", Severity::High, "/usr/bin/ps"),
            ],
            4,
        )
        .0;
        assert_eq!(out.len(), 2);
        let suid = out.iter().find(|x| x.subject == p).unwrap();
        assert_eq!(suid.id, "files.suid-unusual-location");
        assert_eq!(suid.severity, Severity::High);
        let ids: Vec<&str> = suid.reasons.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["files.suid-recent", "files.suid-unpackaged"]);
        assert_eq!(suid.also_reported_as, ids);
        assert_eq!(suid.evidence.len(), 1, "the same evidence once");
        assert_eq!(suid.attack, ["T1548.001"]);
    }

    #[test]
    fn a_deleted_binary_and_its_package_fact_are_one_finding() {
        let a = f("baseline.changed", Severity::High, "/usr/bin/ps");
        let b = Finding::new("proc.deleted-exe", Severity::Critical, "deleted exe", b"42")
            .with_evidence(Evidence::file("/proc/42/exe").with_excerpt("/usr/bin/ps (deleted)"))
            .with_attack("T1070.004");
        let c = f("accounts.uid0-non-root", Severity::Critical, "toor");
        let out = fold(vec![a, b, c.clone(), c], 4).0;
        assert_eq!(out.len(), 2);
        let kept = out.iter().find(|f| f.subject == "42").unwrap();
        assert_eq!(kept.id, "proc.deleted-exe");
        assert_eq!(kept.also_reported_as, vec!["baseline.changed".to_owned()]);
        assert_eq!(kept.evidence.len(), 2);
        assert_eq!(out[0].severity, Severity::Critical);
    }

    #[test]
    fn subjects_merge_within_a_family_only() {
        let out = fold(
            vec![
                f("accounts.uid0-non-root", Severity::Critical, "toor"),
                f("accounts.diff.user-added", Severity::High, "toor"),
                f("logs.new-account", Severity::Medium, "toor"),
            ],
            4,
        )
        .0;
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].reasons.len(), 1);
        assert_eq!(out[0].reasons[0].id, "accounts.diff.user-added");
    }

    #[test]
    fn many_alike_make_groups_by_package_dir_and_file() {
        let mut all = Vec::new();
        for i in 0..14 {
            all.push(
                f(
                    "pkg.binary-changed",
                    Severity::High,
                    &format!("/usr/bin/t{i}"),
                )
                .with_detail("package coreutils; md5 differs"),
            );
        }
        for i in 0..6 {
            all.push(f(
                "files.suid-unusual-location",
                Severity::High,
                &format!("/tmp/s{i}"),
            ));
        }
        for i in 0..3 {
            all.push(f(
                "files.suid-unusual-location",
                Severity::High,
                &format!("/dev/shm/s{i}"),
            ));
        }
        for i in 0..5 {
            all.push(
                Finding::new(
                    "history.download-exec",
                    Severity::High,
                    "t",
                    format!("alice #{i}").as_bytes(),
                )
                .with_evidence(Evidence::line("/home/alice/.bash_history", i + 1)),
            );
        }
        let (findings, groups) = fold(all, 4);
        assert_eq!(findings.len(), 28);
        let keys: Vec<&str> = groups.iter().filter_map(|g| g.group.as_deref()).collect();
        assert_eq!(
            keys,
            [
                "files.suid-unusual-location@dir:/tmp",
                "history.download-exec@file:/home/alice/.bash_history",
                "pkg.binary-changed@package:coreutils",
            ]
        );
        let pkg = &groups[2];
        assert_eq!(pkg.subject, "coreutils");
        assert_eq!(pkg.evidence.len(), 14);
        assert!(pkg.title.ends_with("(14 files of package coreutils)"));
        // /dev/shm has only three: no group.
        assert!(findings
            .iter()
            .filter(|f| f.subject.starts_with("/dev/shm"))
            .all(|f| f.group.is_none()));
        for g in &groups {
            let members = findings.iter().filter(|f| f.group == g.group).count();
            assert_eq!(members, g.evidence.len());
        }
        // No groups below two.
        assert!(fold(findings, 1).1.is_empty());
    }
}
