//! Code the package system and the boot image run: dracut and initramfs-tools modules (run
//! when the initramfs is built, and inside it at every boot before the root file system is
//! mounted; Elastic's `persistence_dracut_module_creation`, MITRE T1542 / T1037), and the
//! maintainer scripts of installed packages (dpkg's `info/<pkg>.{preinst,postinst,prerm,postrm}`
//! and rpm's scriptlets, run as root at every install, upgrade and removal; PANIX
//! `--malicious-package`, MITRE T1546.016).
//!
//! A module file no package ships (on a root with a package database) or one that differs
//! from what its package recorded is reported; so is any script line the shared classifier
//! says downloads or decodes and runs code, opens a shell to the network, runs a program from a
//! temporary place, or writes persistence (an SSH key, a cron job, `ld.so.preload`). Stock
//! Debian and rpm scripts give nothing: they install users, alternatives and services, which
//! are not among these kinds.

use super::{
    finding, hit_reasons, python_hits, severity, shell_hits, shell_hits_except, Owned, Packages,
};
use crate::persistence::hooks::{entries, read_text, Hit};
use crate::util::pb;
use ferret_baseline::pkg::rpm::{read_root, ReadOptions, Scriptlet};
use ferret_core::command::{CommandKind, Kinds};
use ferret_core::{Control, ErrorRecord, Evidence, FileKind, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

const INITRAMFS_ATTACK: &[&str] = &["T1542", "T1037"];
const SCRIPT_ATTACK: &[&str] = &["T1546.016"];

/// The module directories: (directory, whether its entries are module directories holding
/// the files, whether a file no package ships is suspicious there).
const INITRAMFS_DIRS: &[(&str, bool, bool)] = &[
    ("/usr/lib/dracut/modules.d", true, true),
    ("/lib/dracut/modules.d", true, true),
    ("/usr/share/initramfs-tools/hooks", false, true),
    ("/usr/share/initramfs-tools/scripts", true, true),
    ("/etc/initramfs-tools/hooks", false, false),
    ("/etc/initramfs-tools/scripts", true, false),
];

/// Files of a module directory read at most.
const MAX_MODULE_FILES: usize = 64;

pub(super) fn audit_initramfs(root: &HostRoot, pkgs: &mut Packages<'_>, out: &mut Outcome) {
    let mut seen: Vec<(u64, u64)> = Vec::new();
    for &(dir, nested, unowned_suspicious) in INITRAMFS_DIRS {
        let d = Path::new(dir);
        match root.lstat(d) {
            Ok(st) if st.kind == FileKind::Directory && !seen.contains(&(st.dev, st.ino)) => {
                seen.push((st.dev, st.ino));
            }
            _ => continue,
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for (p, kind) in entries(root, d, out) {
            match kind {
                Some(FileKind::Directory) if nested => {
                    files.extend(
                        entries(root, &p, out)
                            .into_iter()
                            .filter(|(_, k)| *k == Some(FileKind::Regular))
                            .map(|(p, _)| p)
                            .take(MAX_MODULE_FILES),
                    );
                }
                Some(FileKind::Regular) => files.push(p),
                _ => {}
            }
        }
        for f in files {
            check_module_file(root, &f, unowned_suspicious, pkgs, out);
        }
    }
}

fn check_module_file(
    root: &HostRoot,
    p: &Path,
    unowned_suspicious: bool,
    pkgs: &mut Packages<'_>,
    out: &mut Outcome,
) {
    let Some(buf) = read_text(root, p, Some(out)) else {
        return;
    };
    let owned = pkgs.owned(pb(p), &buf, out);
    // A packaged script as shipped may use the initramfs's own /tmp (dracut's 99base/init.sh
    // sources /tmp/export.orig); anything else, and any /tmp use in other files, counts.
    let ignore: &[CommandKind] = if matches!(owned, Owned::Yes(_)) {
        &[CommandKind::TempExecution]
    } else {
        &[]
    };
    let (hits, kinds) = shell_hits_except(&buf, ignore);
    let (sev, what) = match &owned {
        Owned::Changed(n) => (
            Severity::High,
            format!("changed since package {n} installed it"),
        ),
        Owned::No if unowned_suspicious && pkgs.known(out) => {
            (Severity::Medium, "no package ships it".to_owned())
        }
        _ => (Severity::Info, String::new()),
    };
    if hits.is_empty() && sev == Severity::Info {
        return;
    }
    let sev = if hits.is_empty() {
        sev
    } else {
        sev.max(severity(kinds)).max(Severity::High)
    };
    let mut parts = Vec::new();
    if !what.is_empty() {
        parts.push(what);
    }
    if !hits.is_empty() {
        parts.push(format!(
            "{} line(s) that {}",
            hits.len(),
            hit_reasons(&hits)
        ));
    }
    out.findings.push(finding(
        "persistence.initramfs-module",
        sev,
        "initramfs module or hook is not the packaged one, or runs suspicious commands",
        pb(p),
        p,
        format!(
            "dracut and initramfs-tools run these scripts as root when the initramfs is built (every kernel update), and copy what they install into the image that runs before the root file system at every boot: {}.",
            parts.join("; ")
        ),
        INITRAMFS_ATTACK,
        &hits,
    ));
}

/// The dpkg maintainer script suffixes.
const DPKG_SCRIPTS: &[&[u8]] = &[b".preinst", b".postinst", b".prerm", b".postrm"];

pub(super) fn audit_scripts(root: &HostRoot, control: &Control, out: &mut Outcome) {
    let info = Path::new("/var/lib/dpkg/info");
    for (i, (p, kind)) in entries(root, info, out).into_iter().enumerate() {
        if i % 256 == 0 && control.is_cancelled() {
            return;
        }
        let name = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
        if kind != Some(FileKind::Regular) || !DPKG_SCRIPTS.iter().any(|s| name.ends_with(s)) {
            continue;
        }
        let Some(buf) = read_text(root, &p, Some(out)) else {
            continue;
        };
        control.charge(buf.len() as u64);
        let (hits, kinds) = shell_hits(&buf);
        if hits.is_empty() {
            continue;
        }
        let pkg = name
            .iter()
            .rposition(|&c| c == b'.')
            .and_then(|d| name.get(..d))
            .unwrap_or(name);
        out.findings.push(finding(
            "persistence.package-script",
            severity(kinds).max(Severity::High),
            "package maintainer script runs suspicious commands",
            pb(&p),
            &p,
            format!(
                "dpkg runs the maintainer scripts of package {} as root at every install, upgrade and removal: {} line(s) that {}.",
                ferret_core::escape::escape(pkg),
                hits.len(),
                hit_reasons(&hits)
            ),
            SCRIPT_ATTACK,
            &hits,
        ));
    }
    let mut opts = ReadOptions::default();
    opts.files = false;
    opts.scripts = true;
    match read_root(root, &opts, control) {
        Ok(Some(db)) => {
            for p in &db.packages {
                for s in &p.scripts {
                    rpm_script(&db.path, &p.nevra(), s, out);
                }
            }
            out.errors.extend(
                db.errors
                    .into_iter()
                    .filter(|e| !e.message.contains("cancelled")),
            );
        }
        Ok(None) => {}
        Err(e) => out.errors.push(ErrorRecord::from_error(None, &e)),
    }
}

/// The suspicious lines of one scriptlet: shell ones joined across continuations; Lua,
/// Python and Perl ones line by line as code, their string literals as shell commands.
pub(super) fn scriptlet_hits(s: &Scriptlet) -> (Vec<Hit>, Kinds) {
    let shell = s.interpreter.is_empty()
        || s.interpreter.starts_with(b"/bin/sh")
        || s.interpreter.starts_with(b"/bin/bash")
        || s.interpreter.starts_with(b"/usr/bin/sh")
        || s.interpreter.starts_with(b"/usr/bin/bash");
    if shell {
        return shell_hits(&s.body);
    }
    // other interpreters (`<lua>`, python): `--` and `#` comments passed over
    python_hits(&s.body, &[b"#".as_slice(), b"--"])
}

fn rpm_script(db: &Path, nevra: &[u8], s: &Scriptlet, out: &mut Outcome) {
    let (hits, kinds) = scriptlet_hits(s);
    if hits.is_empty() {
        return;
    }
    let mut subject = nevra.to_vec();
    subject.push(b' ');
    subject.extend_from_slice(s.kind.as_bytes());
    if s.kind.contains("trigger") {
        subject.extend_from_slice(format!("#{}", s.index).as_bytes());
    }
    let mut f = finding(
        "persistence.package-script",
        severity(kinds).max(Severity::High),
        "package scriptlet runs suspicious commands",
        &subject,
        db,
        format!(
            "rpm runs the {} scriptlet of {} ({}) as root: {} line(s) that {}.",
            s.kind,
            ferret_core::escape::escape(nevra),
            ferret_core::escape::escape(&s.interpreter),
            hits.len(),
            hit_reasons(&hits)
        ),
        SCRIPT_ATTACK,
        &[],
    );
    // the database holds the script: evidence names the database, the line is the script's
    f.evidence.clear();
    for h in hits.iter().take(super::MAX_EVIDENCE) {
        f = f.with_evidence(Evidence::file(pb(db)).with_excerpt(format!(
            "{} {} line {}: {}",
            ferret_core::escape::escape(nevra),
            s.kind,
            h.line,
            ferret_core::escape::escape(&h.text)
        )));
    }
    out.findings.push(f);
}
