//! The dpkg side of the verifier: records from the dpkg database (md5sums and conffiles,
//! diversions applied), debsums' ownership rules for changed and missing files, and the
//! system-wide dpkg checks (local diversions, `dpkg-statoverride`).

use super::batch::os;
use super::check::Lookup;
use super::db::{DpkgDb, Ownership, Package};
use super::parse::{self, ConffileHash, Digest, Principal};
use super::verify::{classify, Class, Record, Verdict, Want, CONFIG};
use super::{Manager, VerifyAttrs, VerifyOptions};
use ferret_core::escape::escape;
use ferret_core::{Evidence, FileKind, Finding, HostRoot, Outcome, Severity};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

fn strip_arch(n: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', n) {
        Some(i) => n.get(..i).unwrap_or(n),
        None => n,
    }
}

/// Whether `n` (`name` or `name:arch`) names a selected package of `db`.
pub(crate) fn has_package(db: &DpkgDb, n: &[u8]) -> bool {
    db.packages.iter().any(|p| {
        p.name == *n || p.status.package == *n || p.status.package.as_slice() == strip_arch(n)
    })
}

fn record<'a>(
    pkg: usize,
    path: &'a [u8],
    check_path: &'a [u8],
    d: Digest,
    conffile: bool,
    line: u64,
) -> Record<'a> {
    Record {
        manager: Manager::Dpkg,
        pkg: pkg as u32,
        path,
        check_path,
        digest: Want::Known(d),
        size: 0,
        mode: 0,
        rdev: 0,
        mtime: 0,
        user: b"",
        group: b"",
        link: b"",
        caps: b"",
        verify: VerifyAttrs::DIGEST,
        flags: if conffile { CONFIG } else { 0 },
        lookup: Lookup::Follow,
        shared: false,
        line,
    }
}

/// The records of every selected package (md5sums entries, then conffiles), and a
/// `pkg.no-checksums` finding for each package without an md5sums file.
pub(crate) fn records<'a>(
    db: &'a DpkgDb,
    opts: &VerifyOptions,
    out: &mut Vec<Record<'a>>,
    outcome: &mut Outcome,
) {
    // Diversions by path: (to, holder).
    type Divert<'a> = (&'a [u8], Option<&'a [u8]>);
    let diversions: HashMap<&[u8], Divert<'_>> = db
        .diversions
        .iter()
        .map(|d| (d.from.as_slice(), (d.to.as_slice(), d.holder.as_deref())))
        .collect();
    let divert = |pkg: &Package, path: &'a [u8]| -> &'a [u8] {
        match diversions.get(path) {
            Some((to, holder))
                if *holder != Some(pkg.base_name()) && *holder != Some(pkg.name.as_slice()) =>
            {
                to
            }
            _ => path,
        }
    };
    for (i, p) in db.packages.iter().enumerate() {
        let conf: HashSet<&[u8]> = p
            .conffiles()
            .iter()
            .filter(|c| !c.remove_on_upgrade)
            .map(|c| c.path.as_slice())
            .collect();
        if p.md5sums_path.is_none() && !opts.conffiles_only {
            let status_path = db.admindir.join("status");
            outcome.findings.push(
                Finding::new(
                    "pkg.no-checksums",
                    Severity::Info,
                    "package records no checksums; its files cannot be verified",
                    &p.name,
                )
                .with_evidence(Evidence::line(
                    status_path.as_os_str().as_bytes(),
                    p.status.line,
                ))
                .with_detail(format!("package {}", escape(&p.name))),
            );
        }
        if !opts.conffiles_only {
            for e in &p.md5sums {
                if conf.contains(e.path.as_slice()) {
                    continue;
                }
                out.push(record(
                    i,
                    &e.path,
                    divert(p, &e.path),
                    e.digest,
                    false,
                    e.line,
                ));
            }
        }
        if opts.conffiles || opts.conffiles_only {
            for c in p.conffiles() {
                if c.remove_on_upgrade || (c.obsolete && opts.ignore_obsolete) {
                    continue;
                }
                let ConffileHash::Digest(d) = c.hash else {
                    // `newconffile`: dpkg has not recorded a hash yet; nothing to compare.
                    continue;
                };
                out.push(record(i, &c.path, divert(p, &c.path), d, true, c.line));
            }
        }
    }
}

/// debsums' rules on the dpkg records' mismatches, and where their evidence is.
pub(crate) struct Judge<'a> {
    root: &'a HostRoot,
    db: &'a DpkgDb,
    ownership: &'a Ownership,
    /// md5sums of packages outside the selection, loaded on demand: stem → path → digest.
    other_sums: HashMap<Vec<u8>, HashMap<Vec<u8>, Digest>>,
}

impl<'a> Judge<'a> {
    pub(crate) fn new(root: &'a HostRoot, db: &'a DpkgDb, ownership: &'a Ownership) -> Self {
        Judge {
            root,
            db,
            ownership,
            other_sums: HashMap::new(),
        }
    }

    pub(crate) fn package_name(&self, pkg: u32) -> Vec<u8> {
        self.db
            .packages
            .get(pkg as usize)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    pub(crate) fn evidence(&self, r: &Record<'_>) -> Evidence {
        if r.flags & CONFIG != 0 {
            let p = self.db.admindir.join("status");
            return Evidence::line(p.as_os_str().as_bytes(), r.line);
        }
        match self
            .db
            .packages
            .get(r.pkg as usize)
            .and_then(|p| p.md5sums_path.as_ref())
        {
            Some(p) => Evidence::line(p.as_os_str().as_bytes(), r.line),
            None => Evidence::file(r.path),
        }
    }

    fn other_digest(&mut self, stem: &[u8], path: &[u8]) -> Option<Digest> {
        if let Some(p) = self
            .db
            .packages
            .iter()
            .find(|p| p.info_stem.as_deref() == Some(stem))
        {
            return p.md5sums.iter().find(|e| e.path == path).map(|e| e.digest);
        }
        if !self.other_sums.contains_key(stem) {
            let mut f = stem.to_vec();
            f.extend_from_slice(b".md5sums");
            let p = self.db.admindir.join("info").join(OsStr::from_bytes(&f));
            let map: HashMap<Vec<u8>, Digest> = match self.root.read(&p) {
                Ok(buf) => parse::parse_md5sums(&buf)
                    .filter_map(Result::ok)
                    .map(|e| (e.path, e.digest))
                    .collect(),
                Err(_) => HashMap::new(),
            };
            self.other_sums.insert(stem.to_vec(), map);
        }
        self.other_sums.get(stem).and_then(|m| m.get(path)).copied()
    }

    /// debsums' ownership rule: a path that another package now owns is that package's to
    /// verify. True when the mismatch/missing entry should be dropped.
    fn taken_over(&mut self, r: &Record<'_>, actual: Option<Digest>) -> bool {
        if self.ownership.is_empty() {
            return false;
        }
        let Some(pkg) = self.db.packages.get(r.pkg as usize) else {
            return false;
        };
        let owners: Vec<Vec<u8>> = self.ownership.owners(r.path).map(<[u8]>::to_vec).collect();
        let Some(stem) = pkg.info_stem.clone() else {
            return false;
        };
        let mine = owners.contains(&stem);
        if !mine {
            // Listed by other packages only: replaced by them (dpkg keeps the old md5sums).
            // Listed by nobody: kept and reported (debsums drops those too; we fail closed).
            return !owners.is_empty();
        }
        // Shared with other packages (Multi-Arch: same, Replaces): fine when the content
        // matches what any of them records.
        match actual {
            Some(a) => owners
                .iter()
                .filter(|o| **o != stem)
                .any(|o| self.other_digest(o, r.path) == Some(a)),
            None => false,
        }
    }

    /// Whether a dpkg verdict is dropped: a file another package took over, or a missing file
    /// that dpkg's `path-exclude` kept from being installed.
    pub(crate) fn dismiss(&mut self, r: &Record<'_>, v: &Verdict) -> bool {
        if v.attrs & VerifyAttrs::LSTATFAIL != 0 {
            return excluded(self.db, r.path) || self.taken_over(r, None);
        }
        if v.attrs & VerifyAttrs::DIGEST != 0 && v.attrs & VerifyAttrs::READFAIL == 0 {
            return self.taken_over(r, v.actual);
        }
        false
    }
}

fn excluded(db: &DpkgDb, path: &[u8]) -> bool {
    !db.path_filters.is_empty() && parse::excluded_by(&db.path_filters, path)
}

/// The system-wide dpkg checks: local diversions and, when asked, stat overrides.
pub(crate) fn system_checks(
    root: &HostRoot,
    db: &DpkgDb,
    opts: &VerifyOptions,
    outcome: &mut Outcome,
) {
    check_diversions(db, outcome);
    if opts.ownership_checks {
        check_statoverrides(root, db, outcome);
    }
}

fn check_diversions(db: &DpkgDb, outcome: &mut Outcome) {
    let dpath = db.admindir.join("diversions");
    for d in &db.diversions {
        if d.holder.is_some() {
            continue;
        }
        let class = classify(&d.from, false, false);
        let sev = if matches!(class, Class::Binary | Class::Library) {
            Severity::Medium
        } else {
            Severity::Info
        };
        outcome.findings.push(
            Finding::new(
                "pkg.local-diversion",
                sev,
                "administrator (local) dpkg diversion moves a packaged file aside",
                &d.from,
            )
            .with_evidence(Evidence::line(dpath.as_os_str().as_bytes(), d.line))
            .with_attack("T1554")
            .with_detail(format!(
                "{} is diverted to {}; whatever sits at the original path is owned by no package",
                escape(&d.from),
                escape(&d.to)
            )),
        );
    }
}

/// `name -> id` from a passwd/group-style file of the root.
fn id_map(root: &HostRoot, path: &str) -> HashMap<Vec<u8>, u32> {
    let mut m = HashMap::new();
    if let Ok(buf) = root.read(path) {
        for l in buf.split(|c| *c == b'\n') {
            let mut f = l.split(|c| *c == b':');
            if let (Some(n), Some(_), Some(id)) = (f.next(), f.next(), f.next()) {
                if let Some(id) = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok()) {
                    m.entry(n.to_vec()).or_insert(id);
                }
            }
        }
    }
    m
}

fn check_statoverrides(root: &HostRoot, db: &DpkgDb, outcome: &mut Outcome) {
    if db.statoverrides.is_empty() {
        return;
    }
    let users = id_map(root, "/etc/passwd");
    let groups = id_map(root, "/etc/group");
    let resolve = |p: &Principal, m: &HashMap<Vec<u8>, u32>| match p {
        Principal::Id(i) => Some(*i),
        Principal::Name(n) => m.get(n).copied(),
    };
    let spath = db.admindir.join("statoverride");
    for s in &db.statoverrides {
        let Ok(st) = root.lstat(os(&s.path)) else {
            continue;
        };
        if st.kind == FileKind::Symlink {
            continue;
        }
        let ev = Evidence::line(spath.as_os_str().as_bytes(), s.line);
        if st.mode != s.mode {
            let gained = (st.mode & !s.mode) & 0o6000 != 0;
            let mut f = Finding::new(
                "pkg.mode-drift",
                if gained {
                    Severity::High
                } else {
                    Severity::Medium
                },
                "permissions differ from the dpkg-statoverride record",
                &s.path,
            )
            .with_evidence(ev.clone())
            .with_detail(format!("recorded {:04o}, found {:04o}", s.mode, st.mode));
            if gained {
                f = f.with_attack("T1548.001");
            }
            outcome.findings.push(f);
        }
        let (uid, gid) = (resolve(&s.owner, &users), resolve(&s.group, &groups));
        if uid.is_some_and(|u| u != st.uid) || gid.is_some_and(|g| g != st.gid) {
            outcome.findings.push(
                Finding::new(
                    "pkg.owner-drift",
                    Severity::Medium,
                    "owner or group differs from the dpkg-statoverride record",
                    &s.path,
                )
                .with_evidence(ev)
                .with_detail(format!(
                    "recorded {}:{}, found {}:{}",
                    uid.map_or_else(|| "?".into(), |u| u.to_string()),
                    gid.map_or_else(|| "?".into(), |g| g.to_string()),
                    st.uid,
                    st.gid
                )),
            );
        }
    }
}
