//! Verification of a root's installed files against its dpkg database.

use super::batch::{self, os, split_parent, Job};
use super::check::{Env, InodeCache, Observed};
use super::db::{DpkgDb, Ownership, Package, Selection};
use super::md5x::Engine;
use super::parse::{self, ConffileHash, Digest, Principal};
use super::{StateSelection, VerifyOptions, VerifyReport};
use ferret_core::escape::escape;
use ferret_core::{
    Control, Error, ErrorRecord, Evidence, FileKind, Finding, HostRoot, Outcome, Severity,
};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// One file to verify.
#[derive(Debug)]
struct Item {
    pkg: u32,
    /// The path the package records.
    path: Vec<u8>,
    /// Where the package's file actually is (differs when diverted by another package).
    check_path: Vec<u8>,
    digest: Digest,
    conffile: bool,
    /// Line in md5sums (or in status for conffiles).
    line: u64,
}

/// What kind of file a path is, for severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A program in a system binary directory.
    Binary,
    /// A shared library, kernel module or PAM module.
    Library,
    /// Another executable (ELF or exec bit).
    Executable,
    /// Documentation, manuals, translations.
    Doc,
    /// Anything else.
    Other,
}

const BIN_DIRS: [&[u8]; 4] = [b"/bin/", b"/sbin/", b"/usr/bin/", b"/usr/sbin/"];
const LIB_DIRS: [&[u8]; 6] = [
    b"/lib/",
    b"/lib64/",
    b"/lib32/",
    b"/usr/lib/",
    b"/usr/lib64/",
    b"/usr/lib32/",
];
const DOC_DIRS: [&[u8]; 5] = [
    b"/usr/share/doc/",
    b"/usr/share/man/",
    b"/usr/share/info/",
    b"/usr/share/locale/",
    b"/usr/share/help/",
];

fn in_bin_dir(path: &[u8]) -> bool {
    BIN_DIRS.iter().any(|d| {
        path.strip_prefix(*d)
            .is_some_and(|rest| !rest.is_empty() && !rest.contains(&b'/'))
    })
}

fn is_library_name(path: &[u8]) -> bool {
    let (_, name) = split_parent(path);
    let so = name.ends_with(b".so") || memchr::memmem::find(name, b".so.").is_some();
    let ko = [&b".ko"[..], b".ko.xz", b".ko.zst", b".ko.gz"]
        .iter()
        .any(|s| name.ends_with(s));
    (so && LIB_DIRS.iter().any(|d| path.starts_with(d)))
        || (ko && memchr::memmem::find(path, b"/lib/modules/").is_some())
}

fn classify(path: &[u8], elf: bool, exec: bool) -> Class {
    if in_bin_dir(path) {
        Class::Binary
    } else if is_library_name(path) {
        Class::Library
    } else if elf || exec {
        Class::Executable
    } else if DOC_DIRS.iter().any(|d| path.starts_with(d)) {
        Class::Doc
    } else {
        Class::Other
    }
}

fn sensitive_conffile(path: &[u8]) -> bool {
    [
        &b"/etc/pam.d/"[..],
        b"/etc/security/",
        b"/etc/ssh/",
        b"/etc/sudoers",
        b"/etc/cron",
        b"/etc/init.d/",
        b"/etc/systemd/",
        b"/etc/ld.so",
        b"/etc/profile",
        b"/etc/bash.bashrc",
        b"/etc/login.defs",
        b"/etc/nsswitch.conf",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// The result of loading the database.
pub(crate) fn run(root: &HostRoot, opts: &VerifyOptions, control: &Control) -> VerifyReport {
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let sel = Selection {
        names: &opts.packages,
        debsums_states: opts.states == StateSelection::DebsumsCompatible,
    };
    let db = DpkgDb::load(root, &opts.admindir, sel, &mut errors);
    let mut report = VerifyReport::default();
    check_rpm(root, &mut errors);
    if !db.present {
        if !root.exists("/var/lib/rpm") {
            errors.push(ErrorRecord::new(
                Some(opts.admindir.join("status").as_os_str().as_bytes()),
                None,
                "no dpkg database under this root; nothing verified",
            ));
        }
        report.outcome.errors = errors;
        return report;
    }
    for n in &opts.packages {
        let found = db.packages.iter().any(|p| {
            p.name == *n || p.status.package == *n || p.status.package.as_slice() == strip_arch(n)
        });
        if !found {
            errors.push(ErrorRecord::new(
                None,
                None,
                format!("package {} is not installed", escape(n)),
            ));
        }
    }
    let mut outcome = Outcome::new();
    let items = build_items(&db, opts, &mut outcome);
    report.packages = db.packages.len() as u64;

    let engine = Engine::detect();
    report.md5_engine = engine.name();
    let observed = run_checks(root, &items, control, engine);
    let cancelled = control.is_cancelled();

    let need_owners = opts.unowned && opts.packages.is_empty()
        || items.iter().zip(&observed).any(|(i, o)| match o {
            Some(Observed::Hashed { actual, .. }) => *actual != i.digest,
            Some(Observed::Missing { .. }) => true,
            _ => false,
        });
    let ownership = if need_owners && !cancelled {
        db.ownership(root, &mut errors)
    } else {
        Ownership::default()
    };

    let mut ctx = Ctx {
        root,
        db: &db,
        ownership: &ownership,
        other_sums: HashMap::new(),
    };
    for (item, obs) in items.iter().zip(observed) {
        let Some(obs) = obs else { continue };
        report.files += 1;
        if let Observed::Hashed { stat, .. } = &obs {
            report.bytes += stat.size;
        }
        ctx.judge(item, obs, &mut outcome);
    }
    if opts.packages.is_empty() && !cancelled {
        check_diversions(&db, &mut outcome);
        if opts.ownership_checks {
            check_statoverrides(root, &db, &mut outcome);
        }
        if opts.unowned {
            check_unowned(root, &db, &ownership, &mut outcome);
        }
    }
    if cancelled {
        errors.push(ErrorRecord::from(&Error::Cancelled));
    }
    outcome.errors.extend(errors);
    outcome.sort();
    report.outcome = outcome;
    report
}

fn strip_arch(n: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', n) {
        Some(i) => n.get(..i).unwrap_or(n),
        None => n,
    }
}

fn check_rpm(root: &HostRoot, errors: &mut Vec<ErrorRecord>) {
    for p in [
        "/var/lib/rpm/rpmdb.sqlite",
        "/var/lib/rpm/Packages",
        "/var/lib/rpm/Packages.db",
        "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    ] {
        if root.exists(p) {
            errors.push(ErrorRecord::new(
                Some(p.as_bytes()),
                None,
                "rpm database present but not verified by the dpkg verifier: use \
                 ferret_baseline::pkg::rpm::verify_root (rpm -Va semantics) for it",
            ));
            return;
        }
    }
}

fn build_items(db: &DpkgDb, opts: &VerifyOptions, outcome: &mut Outcome) -> Vec<Item> {
    // Diversions by path: (to, holder).
    type Divert<'a> = (&'a [u8], Option<&'a [u8]>);
    let diversions: HashMap<&[u8], Divert<'_>> = db
        .diversions
        .iter()
        .map(|d| (d.from.as_slice(), (d.to.as_slice(), d.holder.as_deref())))
        .collect();
    let divert = |pkg: &Package, path: &[u8]| -> Vec<u8> {
        match diversions.get(path) {
            Some((to, holder))
                if *holder != Some(pkg.base_name()) && *holder != Some(pkg.name.as_slice()) =>
            {
                to.to_vec()
            }
            _ => path.to_vec(),
        }
    };
    let mut items = Vec::new();
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
                items.push(Item {
                    pkg: i as u32,
                    check_path: divert(p, &e.path),
                    path: e.path.clone(),
                    digest: e.digest,
                    conffile: false,
                    line: e.line,
                });
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
                items.push(Item {
                    pkg: i as u32,
                    check_path: divert(p, &c.path),
                    path: c.path.clone(),
                    digest: d,
                    conffile: true,
                    line: c.line,
                });
            }
        }
    }
    items
}

/// Hashes every item in parallel (see [`super::batch`]); `None` where cancelled before it was
/// reached.
fn run_checks(
    root: &HostRoot,
    items: &[Item],
    control: &Control,
    engine: Engine,
) -> Vec<Option<Observed>> {
    let jobs: Vec<Job<'_>> = items
        .iter()
        .map(|i| Job {
            path: &i.check_path,
            digest: i.digest,
        })
        .collect();
    let cache = InodeCache::default();
    let env = Env {
        root,
        control,
        cache: &cache,
    };
    batch::run(env, &jobs, engine)
}

struct Ctx<'a> {
    root: &'a HostRoot,
    db: &'a DpkgDb,
    ownership: &'a Ownership,
    /// md5sums of packages outside the selection, loaded on demand: stem → path → digest.
    other_sums: HashMap<Vec<u8>, HashMap<Vec<u8>, Digest>>,
}

impl Ctx<'_> {
    fn evidence(&self, item: &Item, pkg: &Package) -> Evidence {
        if item.conffile {
            let p = self.db.admindir.join("status");
            Evidence::line(p.as_os_str().as_bytes(), item.line)
        } else {
            match &pkg.md5sums_path {
                Some(p) => Evidence::line(p.as_os_str().as_bytes(), item.line),
                None => Evidence::file(&item.path),
            }
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
    /// verify. Returns true when the mismatch/missing entry should be dropped.
    fn taken_over(&mut self, item: &Item, pkg: &Package, actual: Option<Digest>) -> bool {
        if self.ownership.is_empty() {
            return false;
        }
        let owners: Vec<Vec<u8>> = self
            .ownership
            .owners(&item.path)
            .map(<[u8]>::to_vec)
            .collect();
        let Some(stem) = pkg.info_stem.as_deref() else {
            return false;
        };
        let mine = owners.iter().any(|o| o == stem);
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
                .filter(|o| o.as_slice() != stem)
                .any(|o| self.other_digest(o, &item.path) == Some(a)),
            None => false,
        }
    }

    fn judge(&mut self, item: &Item, obs: Observed, outcome: &mut Outcome) {
        // The common case first, before any evidence or text is built: the file matches and
        // is not world-writable (the only two findings a hashed file can give).
        if let Observed::Hashed { actual, stat, .. } = &obs {
            if *actual == item.digest && (stat.mode & 0o002 == 0 || item.conffile) {
                return;
            }
        }
        let Some(pkg) = self.db.packages.get(item.pkg as usize) else {
            return;
        };
        let ev = self.evidence(item, pkg);
        let pname = escape(&pkg.name);
        let diverted = if item.check_path == item.path {
            String::new()
        } else {
            format!("; diverted to {}", escape(&item.check_path))
        };
        match obs {
            Observed::Hashed {
                actual,
                elf,
                stat,
                via_link,
            } => {
                let exec = stat.mode & 0o111 != 0;
                let class = classify(&item.path, elf, exec);
                if actual != item.digest && !self.taken_over(item, pkg, Some(actual)) {
                    let link = via_link
                        .map(|l| format!("; now a symbolic link: {}", escape(&l)))
                        .unwrap_or_default();
                    let detail = format!(
                        "package {pname}; recorded {} {}, found {actual}{diverted}{link}",
                        item.digest.algorithm(),
                        item.digest
                    );
                    let f = if item.conffile {
                        let sev = if sensitive_conffile(&item.path) {
                            Severity::Low
                        } else {
                            Severity::Info
                        };
                        Finding::new(
                            "pkg.conffile-changed",
                            sev,
                            "configuration file differs from the packaged version",
                            &item.check_path,
                        )
                    } else {
                        let (id, sev, title, attack) = match class {
                            Class::Binary => (
                                "pkg.binary-changed",
                                Severity::Critical,
                                "system binary differs from its package checksum",
                                Some("T1554"),
                            ),
                            Class::Library => (
                                "pkg.library-changed",
                                Severity::Critical,
                                "shared library or kernel module differs from its package checksum",
                                Some("T1014"),
                            ),
                            Class::Executable => (
                                "pkg.executable-changed",
                                Severity::High,
                                "executable differs from its package checksum",
                                Some("T1554"),
                            ),
                            Class::Doc => (
                                "pkg.file-changed",
                                Severity::Low,
                                "documentation file differs from its package checksum",
                                None,
                            ),
                            Class::Other => (
                                "pkg.file-changed",
                                Severity::Medium,
                                "packaged file differs from its package checksum",
                                None,
                            ),
                        };
                        let mut f = Finding::new(id, sev, title, &item.check_path);
                        if let Some(a) = attack {
                            f = f.with_attack(a);
                        }
                        f
                    };
                    outcome.findings.push(
                        f.with_evidence(ev.clone())
                            .with_detail(detail)
                            .with_remediation(
                            "Keep a copy for analysis, compare with the package from a trusted \
                                 mirror (apt-get download; dpkg-deb -x), then reinstall it",
                        ),
                    );
                }
                if stat.mode & 0o002 != 0 && !item.conffile {
                    let sev = if matches!(class, Class::Binary | Class::Library) {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    outcome.findings.push(
                        Finding::new(
                            "pkg.world-writable",
                            sev,
                            "packaged file is writable by every user",
                            &item.check_path,
                        )
                        .with_evidence(ev)
                        .with_attack("T1574")
                        .with_detail(format!("package {pname}; mode {:04o}", stat.mode))
                        .with_remediation("chmod o-w, then find out who changed it"),
                    );
                }
            }
            Observed::Missing { via_link } => {
                if excluded(self.db, &item.path) || self.taken_over(item, pkg, None) {
                    return;
                }
                let link = via_link
                    .map(|l| format!("; dangling symbolic link: {}", escape(&l)))
                    .unwrap_or_default();
                let detail = format!("package {pname}{diverted}{link}");
                let f = if item.conffile {
                    Finding::new(
                        "pkg.conffile-missing",
                        Severity::Info,
                        "configuration file of an installed package is missing",
                        &item.check_path,
                    )
                } else {
                    let sev = match classify(&item.path, false, false) {
                        Class::Binary | Class::Library => Severity::Medium,
                        _ => Severity::Low,
                    };
                    Finding::new(
                        "pkg.file-missing",
                        sev,
                        "file of an installed package is missing",
                        &item.check_path,
                    )
                };
                outcome
                    .findings
                    .push(f.with_evidence(ev).with_detail(detail).with_remediation(
                        "Reinstall the package (apt-get install --reinstall) after finding out why",
                    ));
            }
            Observed::NotRegular { kind } => {
                let sev = match classify(&item.path, false, false) {
                    Class::Binary | Class::Library => Severity::High,
                    _ => Severity::Medium,
                };
                outcome.findings.push(
                    Finding::new(
                        "pkg.not-regular",
                        sev,
                        "packaged file is no longer a regular file",
                        &item.check_path,
                    )
                    .with_evidence(ev)
                    .with_detail(format!("package {pname}; now a {kind}{diverted}")),
                );
            }
            Observed::Failed(e) => {
                let mut r = ErrorRecord::from(&e);
                r.message = format!("{} (package {pname})", r.message);
                outcome.errors.push(r);
            }
        }
    }
}

fn excluded(db: &DpkgDb, path: &[u8]) -> bool {
    !db.path_filters.is_empty() && parse::excluded_by(&db.path_filters, path)
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

/// System binary directories scanned for files no package owns, and the severity of an
/// unowned regular file in each.
pub(crate) const UNOWNED_DIRS: [(&str, Severity); 6] = [
    ("/bin", Severity::Medium),
    ("/sbin", Severity::Medium),
    ("/usr/bin", Severity::Medium),
    ("/usr/sbin", Severity::Medium),
    ("/usr/local/bin", Severity::Low),
    ("/usr/local/sbin", Severity::Low),
];

fn check_unowned(root: &HostRoot, db: &DpkgDb, owners: &Ownership, outcome: &mut Outcome) {
    // Resolve each directory (merged /usr makes /bin and /usr/bin one) and group aliases.
    let mut groups: Vec<(PathBuf, Vec<&str>, Severity)> = Vec::new();
    for (d, sev) in UNOWNED_DIRS {
        let Ok(h) = root.open_dir(d) else { continue };
        let canon = h.path().to_path_buf();
        match groups.iter_mut().find(|g| g.0 == canon) {
            Some(g) => {
                g.1.push(d);
                g.2 = g.2.max(sev);
            }
            None => groups.push((canon, vec![d], sev)),
        }
    }
    let diverted_to: HashSet<&[u8]> = db.diversions.iter().map(|d| d.to.as_slice()).collect();
    for (canon, aliases, sev) in groups {
        let Ok(h) = root.open_dir(&canon) else {
            continue;
        };
        let ents = match h.entries() {
            Ok(e) => e,
            Err(e) => {
                outcome.error(&e);
                continue;
            }
        };
        for e in ents {
            let name = e.name.as_bytes();
            let owned = aliases.iter().any(|a| {
                let mut p = a.as_bytes().to_vec();
                p.push(b'/');
                p.extend_from_slice(name);
                owners.is_owned(&p) || diverted_to.contains(p.as_slice())
            });
            if owned {
                continue;
            }
            let Ok(st) = h.stat_at(&e.name) else { continue };
            let mut full = canon.as_os_str().as_bytes().to_vec();
            full.push(b'/');
            full.extend_from_slice(name);
            match st.kind {
                FileKind::Regular => {
                    let suid = st.mode & 0o6000 != 0;
                    let s = if suid { Severity::High } else { sev };
                    let mut f = Finding::new(
                        "pkg.unowned-binary",
                        s,
                        "file in a system binary directory belongs to no package",
                        &full,
                    )
                    .with_evidence(Evidence::file(&full))
                    .with_detail(format!(
                        "mode {:04o}, uid {}, size {}, mtime {}; review: installed by hand, by a \
                         script, or dropped by an intruder",
                        st.mode, st.uid, st.size, st.mtime.sec
                    ));
                    if suid {
                        f = f.with_attack("T1548.001");
                    }
                    outcome.findings.push(f);
                }
                FileKind::Symlink => {
                    let target = h.read_link_at(&e.name).unwrap_or_default();
                    if target.starts_with(b"/etc/alternatives/") {
                        continue;
                    }
                    outcome.findings.push(
                        Finding::new(
                            "pkg.unowned-symlink",
                            Severity::Info,
                            "symbolic link in a system binary directory belongs to no package",
                            &full,
                        )
                        .with_evidence(Evidence::file(&full))
                        .with_detail(format!("points to {}", escape(&target))),
                    );
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify(b"/bin/ls", true, true), Class::Binary);
        assert_eq!(classify(b"/usr/sbin/sshd", true, true), Class::Binary);
        assert_eq!(
            classify(b"/usr/lib/x86_64-linux-gnu/libc.so.6", true, false),
            Class::Library
        );
        assert_eq!(
            classify(b"/lib/modules/6.1.0/kernel/fs/x.ko.xz", false, false),
            Class::Library
        );
        assert_eq!(
            classify(b"/usr/lib/openssh/sshd-session", true, true),
            Class::Executable
        );
        assert_eq!(
            classify(b"/usr/share/doc/x/changelog.gz", false, false),
            Class::Doc
        );
        assert_eq!(classify(b"/usr/share/x/y", false, false), Class::Other);
        assert_eq!(classify(b"/usr/bin/sub/x", false, false), Class::Other);
        assert_eq!(split_parent(b"/x"), (&b"/"[..], &b"x"[..]));
        assert_eq!(split_parent(b"/a/b/c"), (&b"/a/b"[..], &b"c"[..]));
    }
}
