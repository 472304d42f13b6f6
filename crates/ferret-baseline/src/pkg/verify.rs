//! The one verifier: each package manager supplies [`Record`]s (what its database says about
//! each file); this module hashes and examines them all in one parallel run (see
//! [`super::batch`]), compares them with `rpm -V` semantics, builds the findings, and searches
//! the system binary directories for files no manager owns.

use super::batch::{self, split_parent, Job};
use super::check::{Env, InodeCache, Lookup, Observed};
use super::db::{DpkgDb, Ownership, Selection};
use super::dpkg;
use super::md5x::Engine;
use super::parse::Digest;
use super::rpm::{self, RpmDb};
use super::{
    Database, FileProblem, Manager, StateSelection, VerifyAttrs, VerifyOptions, VerifyReport,
};
use ferret_core::escape::escape;
use ferret_core::{
    Control, Error, ErrorRecord, Evidence, FileKind, Finding, HostRoot, Outcome, Severity, Stat,
};
use std::collections::{HashMap, HashSet};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Mutex;

/// `%config` (dpkg conffiles carry it too).
pub(crate) const CONFIG: u32 = rpm::FileFlags::CONFIG;
const GHOST: u32 = rpm::FileFlags::GHOST;
const MISSINGOK: u32 = rpm::FileFlags::MISSINGOK;

/// The digest a record expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// None recorded (rpm: a regular file without one is reported changed, as rpm does).
    Absent,
    /// This digest.
    Known(Digest),
    /// An algorithm this build cannot compute (named in an error record).
    Unsupported,
}

/// One file as a package database records it, borrowed from the database.
#[derive(Debug, Clone)]
pub(crate) struct Record<'a> {
    pub manager: Manager,
    /// Package index in the manager's database.
    pub pkg: u32,
    /// The path the package records.
    pub path: &'a [u8],
    /// Where the file is looked at (differs for a dpkg diversion).
    pub check_path: &'a [u8],
    pub digest: Want,
    pub size: u64,
    /// `st_mode` with type bits; 0 when not recorded (dpkg).
    pub mode: u32,
    pub rdev: u16,
    pub mtime: u32,
    pub user: &'a [u8],
    pub group: &'a [u8],
    pub link: &'a [u8],
    pub caps: &'a [u8],
    /// [`VerifyAttrs`] bits to compare (rpm's `FILEVERIFYFLAGS`, less what the options omit).
    pub verify: u32,
    /// rpm's file flags ([`rpm::FileFlags`]); dpkg conffiles have `CONFIG`.
    pub flags: u32,
    pub lookup: Lookup,
    /// Listed by several packages: the mtime is not compared (rpm).
    pub shared: bool,
    /// dpkg: the line in `md5sums` (or in `status` for a conffile); rpm: the header number.
    pub line: u64,
}

/// What the comparison of one record found (only records with something to say).
#[derive(Debug)]
pub(crate) struct Verdict {
    /// [`VerifyAttrs`] bits that differ (or failed).
    pub attrs: u32,
    /// `lstat` (or, following a link, `stat`) of the file, when it exists.
    pub stat: Option<Stat>,
    /// What the file is now, when not what was recorded.
    pub kind: Option<FileKind>,
    /// The digest computed, when the content was read.
    pub actual: Option<Digest>,
    pub elf: bool,
    /// The link chain followed at the last component (dpkg).
    pub via_link: Option<Vec<u8>>,
    /// The target of a symbolic link (rpm).
    pub link: Option<Vec<u8>>,
    /// Why the file could not be read.
    pub error: Option<Error>,
}

impl Verdict {
    fn new(attrs: u32) -> Verdict {
        Verdict {
            attrs,
            stat: None,
            kind: None,
            actual: None,
            elf: false,
            via_link: None,
            link: None,
            error: None,
        }
    }
}

/// `uid`/`gid` to name maps of the audited root (`/etc/passwd`, `/etc/group`), the first entry
/// for an id winning as with `getpwuid`; 0 is always `root`, as in rpm's `uidToUname`.
#[derive(Debug, Default)]
pub(crate) struct Names {
    users: HashMap<u32, Vec<u8>>,
    groups: HashMap<u32, Vec<u8>>,
}

impl Names {
    pub(crate) fn load(root: &HostRoot) -> Names {
        fn map(root: &HostRoot, file: &str) -> HashMap<u32, Vec<u8>> {
            let mut m = HashMap::new();
            if let Ok(Some(b)) = root.read_optional(file) {
                for line in b.split(|&c| c == b'\n') {
                    let mut it = line.split(|&c| c == b':');
                    let (Some(name), _, Some(id)) = (it.next(), it.next(), it.next()) else {
                        continue;
                    };
                    if let Some(id) = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok()) {
                        m.entry(id).or_insert_with(|| name.to_vec());
                    }
                }
            }
            m
        }
        Names {
            users: map(root, "/etc/passwd"),
            groups: map(root, "/etc/group"),
        }
    }

    fn is(map: &HashMap<u32, Vec<u8>>, id: u32, name: &[u8]) -> bool {
        if id == 0 {
            return name == b"root";
        }
        map.get(&id).is_some_and(|n| n.as_slice() == name)
    }
}

fn type_bits(kind: FileKind) -> u32 {
    match kind {
        FileKind::Regular => 0o100_000,
        FileKind::Directory => 0o040_000,
        FileKind::Symlink => 0o120_000,
        FileKind::Fifo => 0o010_000,
        FileKind::Socket => 0o140_000,
        FileKind::CharDevice => 0o020_000,
        FileKind::BlockDevice => 0o060_000,
        FileKind::Unknown => 0,
    }
}

const S_IFMT: u32 = 0o170_000;

/// The kind of file a recorded mode describes.
pub(crate) fn kind_of_mode(mode: u32) -> Option<FileKind> {
    Some(match mode & S_IFMT {
        0o100_000 => FileKind::Regular,
        0o040_000 => FileKind::Directory,
        0o120_000 => FileKind::Symlink,
        0o010_000 => FileKind::Fifo,
        0o140_000 => FileKind::Socket,
        0o020_000 => FileKind::CharDevice,
        0o060_000 => FileKind::BlockDevice,
        _ => return None,
    })
}

/// The job that examines a record.
fn job<'a>(r: &Record<'a>) -> Job<'a> {
    let content = r.verify & VerifyAttrs::DIGEST != 0 && r.flags & GHOST == 0;
    Job {
        path: r.check_path,
        digest: match r.digest {
            Want::Known(d) if content => Some(d),
            _ => None,
        },
        lookup: r.lookup,
        caps: cfg!(feature = "xattr") && r.verify & VerifyAttrs::CAPS != 0,
        // A file of another size than recorded differs in content too: rpm prints `S.5` for
        // it, and a 10 GB file put in a small one's place is not read.
        size: (r.verify & VerifyAttrs::SIZE != 0 && r.lookup == Lookup::NoFollow).then_some(r.size),
    }
}

/// Compares what a manager recorded with what was found: `rpmfilesVerify` of rpm's
/// `lib/verify.c` for records looked up without following links, a digest comparison for the
/// others (dpkg's). `None` when there is nothing to report.
fn compare(
    root: &HostRoot,
    r: &Record<'_>,
    obs: Observed,
    names: &Names,
    caps: Option<&[u8]>,
) -> Option<Verdict> {
    let mut resized = false;
    let (stat, actual, elf, link, read_error) = match obs {
        Observed::Missing { via_link } => {
            let mut v = Verdict::new(VerifyAttrs::LSTATFAIL);
            v.via_link = via_link;
            return Some(v);
        }
        Observed::Failed(e) => {
            let mut v = Verdict::new(VerifyAttrs::READFAIL | VerifyAttrs::DIGEST);
            v.error = Some(e);
            return Some(v);
        }
        Observed::NotRegular { kind } => {
            let mut v = Verdict::new(VerifyAttrs::MODE);
            v.kind = Some(kind);
            return Some(v);
        }
        Observed::Hashed {
            actual,
            elf,
            stat,
            via_link,
        } if r.lookup == Lookup::Follow => {
            let differs = match r.digest {
                Want::Known(d) => d != actual,
                _ => false,
            };
            let ww = stat.mode & 0o002 != 0 && r.flags & CONFIG == 0;
            if !differs && !ww {
                return None;
            }
            let mut v = Verdict::new(if differs { VerifyAttrs::DIGEST } else { 0 });
            v.stat = Some(stat);
            v.actual = Some(actual);
            v.elf = elf;
            v.via_link = via_link;
            return Some(v);
        }
        Observed::Hashed {
            actual, elf, stat, ..
        } => (stat, Some(actual), elf, None, None),
        Observed::Resized { stat, elf } => {
            resized = true;
            (stat, None, elf, None, None)
        }
        Observed::Present {
            stat,
            link,
            read_error,
        } => (stat, None, false, link, read_error),
    };
    let mut sb = stat;
    let mut flags = r.verify;
    let meta_kind = kind_of_mode(r.mode);
    // A directory that became a symlink to a directory owned by root or the recorded owner
    // is followed (rpm, like its fsmVerify at install time).
    if meta_kind == Some(FileKind::Directory) && sb.kind == FileKind::Symlink {
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(r.check_path));
        if let Ok(d) = root.open_dir(path).and_then(|d| d.stat()) {
            if d.kind == FileKind::Directory
                && (sb.uid == 0 || Names::is(&names.users, sb.uid, r.user))
            {
                sb = d;
            }
        }
    }
    if sb.kind == FileKind::Symlink {
        flags &= !VerifyAttrs::MODE;
    } else {
        flags &= !VerifyAttrs::LINKTO;
    }
    if sb.kind != FileKind::Regular {
        flags &=
            !(VerifyAttrs::DIGEST | VerifyAttrs::SIZE | VerifyAttrs::MTIME | VerifyAttrs::CAPS);
    }
    let ghost = r.flags & GHOST != 0;
    if ghost {
        flags &=
            !(VerifyAttrs::DIGEST | VerifyAttrs::SIZE | VerifyAttrs::MTIME | VerifyAttrs::LINKTO);
    }
    let mut res = 0u32;
    let mut error = None;
    if flags & VerifyAttrs::DIGEST != 0 {
        match (r.digest, actual) {
            (Want::Known(d), Some(a)) if d == a => {}
            (Want::Known(_), Some(_)) | (Want::Absent, _) => res |= VerifyAttrs::DIGEST,
            (Want::Unsupported, _) => {}
            (Want::Known(_), None) if resized => res |= VerifyAttrs::DIGEST,
            (Want::Known(_), None) => {
                res |= VerifyAttrs::READFAIL | VerifyAttrs::DIGEST;
                error = read_error;
            }
        }
    }
    if flags & VerifyAttrs::LINKTO != 0 {
        match &link {
            Some(t) if t.as_slice() == r.link => {}
            Some(_) => res |= VerifyAttrs::LINKTO,
            None => res |= VerifyAttrs::READLINKFAIL | VerifyAttrs::LINKTO,
        }
    }
    if flags & VerifyAttrs::SIZE != 0 && sb.size != r.size {
        res |= VerifyAttrs::SIZE;
    }
    if flags & VerifyAttrs::MODE != 0 {
        let mut meta = r.mode;
        let mut file = type_bits(sb.kind) | sb.mode;
        if ghost {
            meta &= !S_IFMT;
            file &= !S_IFMT;
        }
        if meta != file {
            res |= VerifyAttrs::MODE;
        }
    }
    if flags & VerifyAttrs::RDEV != 0 {
        let is = |m: u32, t: u32| m & S_IFMT == t;
        let (chr, blk) = (0o020_000, 0o060_000);
        let file_mode = type_bits(sb.kind);
        let kind_differs =
            is(r.mode, chr) != is(file_mode, chr) || is(r.mode, blk) != is(file_mode, blk);
        let dev = is(r.mode, chr) || is(r.mode, blk);
        if kind_differs || dev && (sb.rdev & 0xffff) as u16 != r.rdev {
            res |= VerifyAttrs::RDEV;
        }
    }
    if flags & VerifyAttrs::CAPS != 0 && super::caps::differ(r.caps, caps) {
        res |= VerifyAttrs::CAPS;
    }
    if flags & VerifyAttrs::MTIME != 0 && sb.mtime.sec != i64::from(r.mtime) && !r.shared {
        res |= VerifyAttrs::MTIME;
    }
    if flags & VerifyAttrs::USER != 0 && !Names::is(&names.users, sb.uid, r.user) {
        res |= VerifyAttrs::USER;
    }
    if flags & VerifyAttrs::GROUP != 0 && !Names::is(&names.groups, sb.gid, r.group) {
        res |= VerifyAttrs::GROUP;
    }
    let ww = sb.kind == FileKind::Regular
        && sb.mode & 0o002 != 0
        && r.flags & CONFIG == 0
        && res & VerifyAttrs::MODE == 0;
    if res == 0 && !ww {
        return None;
    }
    let mut v = Verdict::new(res);
    v.stat = Some(sb);
    v.actual = actual;
    v.elf = elf;
    v.link = link;
    v.error = error;
    if meta_kind.is_some_and(|k| k != sb.kind) && !ghost {
        v.kind = Some(sb.kind);
    }
    Some(v)
}

/// Runs the verification of every selected manager's database under `root`.
pub(crate) fn run(root: &HostRoot, opts: &VerifyOptions, control: &Control) -> VerifyReport {
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let mut outcome = Outcome::new();
    let mut report = VerifyReport::default();
    let wants = |m: Manager| opts.managers.is_empty() || opts.managers.contains(&m);

    // The databases.
    let dpkg_db = if wants(Manager::Dpkg) {
        let sel = Selection {
            names: &opts.packages,
            debsums_states: opts.states == StateSelection::DebsumsCompatible,
        };
        let mut e = Vec::new();
        let db = DpkgDb::load(root, &opts.admindir, sel, &mut e);
        db.present.then(|| {
            errors.append(&mut e);
            db
        })
    } else {
        None
    };
    let rpm_db: Option<RpmDb> = if wants(Manager::Rpm) {
        let ro = rpm::ReadOptions {
            dbpath: opts.rpm_dbpath.clone(),
            files: true,
            scripts: false,
        };
        match rpm::read_root(root, &ro, control) {
            Ok(Some(mut db)) => {
                errors.append(&mut db.errors);
                Some(db)
            }
            Ok(None) => None,
            Err(e) => {
                errors.push(ErrorRecord::from_error(None, &e));
                None
            }
        }
    } else {
        None
    };
    if dpkg_db.is_none() && rpm_db.is_none() {
        let what = match opts.managers.as_slice() {
            [Manager::Dpkg] => "no dpkg database (/var/lib/dpkg/status) under this root",
            [Manager::Rpm] => {
                "no rpm database (/usr/lib/sysimage/rpm, /var/lib/rpm) under this root"
            }
            _ => "no package database (dpkg or rpm) under this root",
        };
        if errors.is_empty() {
            errors.push(ErrorRecord::new(
                None,
                None,
                format!("{what}; nothing verified"),
            ));
        }
        report.outcome.errors = errors;
        return report;
    }
    for n in &opts.packages {
        let in_dpkg = dpkg_db.as_ref().is_some_and(|db| dpkg::has_package(db, n));
        let in_rpm = rpm_db.as_ref().is_some_and(|db| {
            db.packages
                .iter()
                .any(|p| rpm::verify::selected(p, std::slice::from_ref(n)))
        });
        if !in_dpkg && !in_rpm {
            errors.push(ErrorRecord::new(
                None,
                None,
                format!("package {} is not installed", escape(n)),
            ));
        }
    }

    // Every manager's records, then one parallel run over all of them.
    let mut records: Vec<Record<'_>> = Vec::new();
    if let Some(db) = &dpkg_db {
        let n = records.len();
        dpkg::records(db, opts, &mut records, &mut outcome);
        report.databases.push(Database {
            manager: Manager::Dpkg,
            path: db.admindir.join("status"),
            format: "dpkg".to_owned(),
            packages: db.packages.len() as u64,
            files: (records.len() - n) as u64,
        });
        report.packages += db.packages.len() as u64;
    }
    if let Some(db) = &rpm_db {
        let n = records.len();
        let packages = rpm::verify::records(db, opts, &mut records, &mut errors);
        report.databases.push(Database {
            manager: Manager::Rpm,
            path: db.path.clone(),
            format: db.format.as_str().to_owned(),
            packages,
            files: (records.len() - n) as u64,
        });
        report.packages += packages;
    }
    let names = if records.iter().any(|r| {
        r.verify & (VerifyAttrs::USER | VerifyAttrs::GROUP) != 0 && r.lookup == Lookup::NoFollow
    }) {
        Names::load(root)
    } else {
        Names::default()
    };
    let engine = Engine::detect();
    report.md5_engine = engine.name();
    let jobs: Vec<Job<'_>> = records.iter().map(job).collect();
    let cache = InodeCache::default();
    let caps = Mutex::new(foldhash::HashMap::default());
    let env = Env {
        root,
        control,
        cache: &cache,
        caps: &caps,
    };
    let observed = batch::run(env, &jobs, engine);
    drop(jobs);
    let caps = caps.into_inner().unwrap_or_default();
    let cancelled = control.is_cancelled();

    let mut verdicts: Vec<(usize, Verdict)> = Vec::new();
    for (i, (r, obs)) in records.iter().zip(observed).enumerate() {
        let Some(obs) = obs else { continue };
        report.files += 1;
        if let Observed::Hashed { stat, .. } = &obs {
            report.bytes += stat.size;
        }
        if let Some(v) = compare(root, r, obs, &names, caps.get(&i).map(Vec::as_slice)) {
            verdicts.push((i, v));
        }
    }

    // dpkg's ownership (its `.list` files): for its own rules on changed and missing files,
    // and with rpm's file list for the unowned-file search.
    let unowned = opts.unowned && opts.packages.is_empty() && !opts.conffiles_only;
    let dpkg_mismatch = verdicts.iter().any(|(i, v)| {
        records.get(*i).is_some_and(|r| r.manager == Manager::Dpkg)
            && v.attrs & (VerifyAttrs::DIGEST | VerifyAttrs::LSTATFAIL) != 0
    });
    let ownership = match &dpkg_db {
        Some(db) if (unowned || dpkg_mismatch) && !cancelled => db.ownership(root, &mut errors),
        _ => Ownership::default(),
    };
    let mut judge = dpkg_db
        .as_ref()
        .map(|db| dpkg::Judge::new(root, db, &ownership));
    for (i, v) in verdicts {
        let Some(r) = records.get(i) else { continue };
        let quiet_missing =
            v.attrs & VerifyAttrs::LSTATFAIL != 0 && r.flags & (MISSINGOK | GHOST) != 0;
        if quiet_missing {
            continue;
        }
        let side = match (r.manager, &mut judge, &rpm_db) {
            (Manager::Dpkg, Some(j), _) => {
                if j.dismiss(r, &v) {
                    continue;
                }
                Side::Dpkg(j)
            }
            (Manager::Rpm, _, Some(db)) => Side::Rpm(db),
            _ => continue,
        };
        if let Some(e) = &v.error {
            let mut rec = ErrorRecord::from(e);
            rec.message = format!("{} (package {})", rec.message, escape(&side.package(r)));
            outcome.errors.push(rec);
        }
        let problem = FileProblem {
            manager: r.manager,
            package: side.package(r),
            path: r.check_path.to_vec(),
            flags: rpm::FileFlags(r.flags),
            result: VerifyAttrs(v.attrs),
        };
        findings(r, &v, &side, &problem, &mut outcome);
        if v.attrs != 0 {
            report.problems.push(problem);
        }
    }
    report
        .problems
        .sort_by(|a, b| (a.manager, &a.package, &a.path).cmp(&(b.manager, &b.package, &b.path)));
    if opts.packages.is_empty() && !cancelled && !opts.conffiles_only {
        if let Some(db) = &dpkg_db {
            dpkg::system_checks(root, db, opts, &mut outcome);
        }
        if unowned {
            let rpm_paths: HashSet<&[u8]> = rpm_db
                .iter()
                .flat_map(|db| db.packages.iter())
                .flat_map(|p| p.files.iter())
                .map(|f| f.path.as_slice())
                .collect();
            let diverted: HashSet<&[u8]> = dpkg_db
                .iter()
                .flat_map(|db| db.diversions.iter())
                .map(|d| d.to.as_slice())
                .collect();
            let owned =
                |p: &[u8]| ownership.is_owned(p) || diverted.contains(p) || rpm_paths.contains(p);
            check_unowned(root, &owned, &mut outcome);
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

/// The manager-specific parts the finding builders need.
pub(crate) enum Side<'j, 'a> {
    Dpkg(&'j dpkg::Judge<'a>),
    Rpm(&'a RpmDb),
}

impl Side<'_, '_> {
    fn package(&self, r: &Record<'_>) -> Vec<u8> {
        match self {
            Side::Dpkg(j) => j.package_name(r.pkg),
            Side::Rpm(db) => db
                .packages
                .get(r.pkg as usize)
                .map(rpm::RpmPackage::nevra)
                .unwrap_or_default(),
        }
    }

    fn evidence(&self, r: &Record<'_>, p: &FileProblem) -> Evidence {
        match self {
            Side::Dpkg(j) => j.evidence(r),
            Side::Rpm(db) => {
                Evidence::file(db.path.as_os_str().as_bytes()).with_excerpt(p.rpm_line().as_bytes())
            }
        }
    }

    fn remediation(&self) -> &'static str {
        match self {
            Side::Dpkg(_) => {
                "Keep a copy for analysis, compare with the package from a trusted mirror \
                 (apt-get download; dpkg-deb -x), then reinstall it"
            }
            Side::Rpm(_) => {
                "Keep a copy for analysis, compare with the package from a trusted mirror \
                 (dnf download; rpm2cpio | cpio -idm), then reinstall it (dnf reinstall)"
            }
        }
    }

    fn reinstall(&self) -> &'static str {
        match self {
            Side::Dpkg(_) => {
                "Reinstall the package (apt-get install --reinstall) after finding out why"
            }
            Side::Rpm(_) => "Reinstall the package (dnf reinstall) after finding out why",
        }
    }
}

/// What kind of file a path is, for severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
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

pub(crate) fn classify(path: &[u8], elf: bool, exec: bool) -> Class {
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
        b"/etc/passwd",
        b"/etc/shadow",
        b"/etc/group",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

fn high_if_system(class: Class, high: Severity, other: Severity) -> Severity {
    if matches!(class, Class::Binary | Class::Library) {
        high
    } else {
        other
    }
}

/// The findings for one record: one per problem (content, type, mode, owner, link target,
/// device, capabilities, missing, world-writable), all `pkg.*`.
fn findings(r: &Record<'_>, v: &Verdict, side: &Side<'_, '_>, p: &FileProblem, out: &mut Outcome) {
    let a = v.attrs;
    let subject = r.check_path;
    let config = r.flags & CONFIG != 0;
    let pname = escape(&p.package);
    let ev = side.evidence(r, p);
    let diverted = if r.check_path == r.path {
        String::new()
    } else {
        format!("; diverted to {}", escape(r.check_path))
    };
    let rpm_line = match r.manager {
        Manager::Rpm => format!("; rpm -V: {}", p.rpm_line()),
        Manager::Dpkg => String::new(),
    };
    let exec = v.stat.is_some_and(|s| s.mode & 0o111 != 0);
    let class = classify(r.path, v.elf, exec);
    let mut push = |f: Finding, detail: String| {
        out.findings
            .push(f.with_evidence(ev.clone()).with_detail(detail));
    };
    if a & VerifyAttrs::LSTATFAIL != 0 {
        let link = v
            .via_link
            .as_ref()
            .map(|l| format!("; dangling symbolic link: {}", escape(l)))
            .unwrap_or_default();
        let f = if config {
            Finding::new(
                "pkg.conffile-missing",
                Severity::Info,
                "configuration file of an installed package is missing",
                subject,
            )
        } else {
            Finding::new(
                "pkg.file-missing",
                high_if_system(
                    classify(r.path, false, false),
                    Severity::Medium,
                    Severity::Low,
                ),
                "file of an installed package is missing",
                subject,
            )
        };
        push(
            f.with_remediation(side.reinstall()),
            format!("package {pname}{diverted}{link}{rpm_line}"),
        );
        return;
    }
    if let Some(kind) = v.kind {
        let recorded = kind_of_mode(r.mode).unwrap_or(FileKind::Regular);
        if recorded == FileKind::Regular {
            let link = v
                .link
                .as_ref()
                .map(|l| format!(" to {}", escape(l)))
                .unwrap_or_default();
            push(
                Finding::new(
                    "pkg.not-regular",
                    high_if_system(
                        classify(r.path, false, false),
                        Severity::High,
                        Severity::Medium,
                    ),
                    "packaged file is no longer a regular file",
                    subject,
                ),
                format!("package {pname}; now a {kind}{link}{diverted}{rpm_line}"),
            );
            return;
        }
    }
    if a & (VerifyAttrs::DIGEST | VerifyAttrs::SIZE) != 0 && a & VerifyAttrs::READFAIL == 0 {
        let what = match (r.digest, v.actual) {
            (Want::Known(d), Some(act)) if d != act => {
                format!("recorded {} {d}, found {act}", d.algorithm())
            }
            (Want::Absent, _) => "no digest recorded".to_owned(),
            _ => format!(
                "recorded size {}, found {}",
                r.size,
                v.stat.map_or(0, |s| s.size)
            ),
        };
        let link = v
            .via_link
            .as_ref()
            .map(|l| format!("; now a symbolic link: {}", escape(l)))
            .unwrap_or_default();
        let f = if config {
            Finding::new(
                "pkg.conffile-changed",
                if sensitive_conffile(r.path) {
                    Severity::Low
                } else {
                    Severity::Info
                },
                "configuration file differs from the packaged version",
                subject,
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
            let mut f = Finding::new(id, sev, title, subject);
            if let Some(a) = attack {
                f = f.with_attack(a);
            }
            f
        };
        push(
            f.with_remediation(side.remediation()),
            format!("package {pname}; {what}{diverted}{link}{rpm_line}"),
        );
    }
    let now_mode = v.stat.map_or(0, |s| s.mode);
    if a & VerifyAttrs::MODE != 0 {
        let recorded = r.mode & 0o7777;
        let gained = now_mode & !recorded;
        let (sev, attack) = if gained & 0o6000 != 0 {
            (Severity::High, Some("T1548.001"))
        } else if gained & 0o022 != 0 {
            (
                high_if_system(class, Severity::High, Severity::Medium),
                Some("T1222.002"),
            )
        } else if config {
            (Severity::Low, None)
        } else {
            (Severity::Medium, None)
        };
        let mut f = Finding::new(
            "pkg.mode-drift",
            sev,
            "permissions differ from the package's record",
            subject,
        );
        if let Some(at) = attack {
            f = f.with_attack(at);
        }
        push(
            f,
            format!("package {pname}; recorded {recorded:04o}, found {now_mode:04o}{rpm_line}"),
        );
    } else if v.stat.is_some_and(|s| s.kind == FileKind::Regular)
        && now_mode & 0o002 != 0
        && !config
    {
        push(
            Finding::new(
                "pkg.world-writable",
                high_if_system(class, Severity::High, Severity::Medium),
                "packaged file is writable by every user",
                subject,
            )
            .with_attack("T1574")
            .with_remediation("chmod o-w, then find out who changed it"),
            format!("package {pname}; mode {now_mode:04o}"),
        );
    }
    if a & (VerifyAttrs::USER | VerifyAttrs::GROUP) != 0 {
        let (uid, gid) = v.stat.map_or((0, 0), |s| (s.uid, s.gid));
        push(
            Finding::new(
                "pkg.owner-drift",
                high_if_system(class, Severity::High, Severity::Medium),
                "owner or group differs from the package's record",
                subject,
            )
            .with_attack("T1222.002"),
            format!(
                "package {pname}; recorded {}:{}, found uid {uid} gid {gid}{rpm_line}",
                escape(r.user),
                escape(r.group)
            ),
        );
    }
    if a & VerifyAttrs::LINKTO != 0 {
        push(
            Finding::new(
                "pkg.link-changed",
                high_if_system(class, Severity::High, Severity::Medium),
                "packaged symbolic link points somewhere else",
                subject,
            )
            .with_attack("T1574"),
            format!(
                "package {pname}; recorded {}, found {}{rpm_line}",
                escape(r.link),
                v.link
                    .as_deref()
                    .map_or_else(|| "(unreadable)".to_owned(), escape)
            ),
        );
    }
    if a & VerifyAttrs::RDEV != 0 {
        push(
            Finding::new(
                "pkg.device-changed",
                Severity::Medium,
                "packaged device node has another type or device number",
                subject,
            ),
            format!(
                "package {pname}; recorded device {}, found {}{rpm_line}",
                r.rdev,
                v.stat.map_or(0, |s| s.rdev)
            ),
        );
    }
    if a & VerifyAttrs::CAPS != 0 {
        push(
            Finding::new(
                "pkg.caps-changed",
                Severity::High,
                "file capabilities differ from the package's record",
                subject,
            )
            .with_attack("T1548"),
            format!(
                "package {pname}; recorded capabilities {}{rpm_line}",
                if r.caps.is_empty() {
                    "(none)".to_owned()
                } else {
                    escape(r.caps)
                }
            ),
        );
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

/// Files in the system binary directories that no manager owns (`owned` answers for every
/// manager read), each directory once however many aliases merged `/usr` gives it.
fn check_unowned(root: &HostRoot, owned: &dyn Fn(&[u8]) -> bool, outcome: &mut Outcome) {
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
            let is_owned = aliases.iter().any(|a| {
                let mut p = a.as_bytes().to_vec();
                p.push(b'/');
                p.extend_from_slice(name);
                owned(&p)
            });
            if is_owned {
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

    #[test]
    fn modes_of_kinds() {
        for k in [
            FileKind::Regular,
            FileKind::Directory,
            FileKind::Symlink,
            FileKind::Fifo,
            FileKind::Socket,
            FileKind::CharDevice,
            FileKind::BlockDevice,
        ] {
            assert_eq!(kind_of_mode(type_bits(k) | 0o644), Some(k));
        }
        assert_eq!(kind_of_mode(0o644), None);
    }
}
