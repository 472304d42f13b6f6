//! `rpm -V` semantics on the files of a [`HostRoot`], from the database read by this module:
//! size, mode, digest, device number, link target, owner, group and mtime per file, with
//! `%config` files reported apart and `%ghost`/`%missingok` respected (rpm's `lib/verify.c`,
//! `rpmfilesVerify` and `verifyHeader`, as the specification).
//!
//! Differences from `rpm -Va`: file capabilities (`P`) and ACLs are not compared; the
//! `%verifyscript`s of packages are never run; dependencies are not checked; a header without
//! `FILEVERIFYFLAGS` (none that `rpmbuild` writes) has every attribute verified, where rpm
//! would check only that its files exist. Files are hashed one at a time. Files are opened
//! with the core's sound opens (no atime change, no symlink followed out of the root, no
//! block on a FIFO); owners are resolved through the root's own `/etc/passwd` and
//! `/etc/group`.

use super::{read_root, FileFlags, ReadOptions, RpmFile, RpmPackage};
use ferret_core::{Control, ErrorRecord, Evidence, FileKind, Finding, HostRoot, Outcome, Severity};
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Which attributes differ (`rpmVerifyAttrs`), printed like `rpm -V` (`S.5....T.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct VerifyAttrs(pub u32);

impl VerifyAttrs {
    /// Content digest (`5`).
    pub const DIGEST: u32 = 1 << 0;
    /// Size (`S`).
    pub const SIZE: u32 = 1 << 1;
    /// Symbolic link target (`L`).
    pub const LINKTO: u32 = 1 << 2;
    /// Owner (`U`).
    pub const USER: u32 = 1 << 3;
    /// Group (`G`).
    pub const GROUP: u32 = 1 << 4;
    /// Modification time (`T`).
    pub const MTIME: u32 = 1 << 5;
    /// Mode, type and permissions (`M`).
    pub const MODE: u32 = 1 << 6;
    /// Device number (`D`).
    pub const RDEV: u32 = 1 << 7;
    /// Capabilities (`P`; not compared by this verifier).
    pub const CAPS: u32 = 1 << 8;
    /// The link could not be read (`?` for `L`).
    pub const READLINKFAIL: u32 = 1 << 28;
    /// The file could not be read (`?` for `5`).
    pub const READFAIL: u32 = 1 << 29;
    /// The file is missing (`lstat` failed).
    pub const LSTATFAIL: u32 = 1 << 30;
    const FAILURES: u32 = Self::READLINKFAIL | Self::READFAIL | Self::LSTATFAIL;

    /// Whether any bit of `bits` is set.
    pub fn any(self, bits: u32) -> bool {
        self.0 & bits != 0
    }

    /// The nine columns `rpm -V` prints (`SM5DLUGTP`, `.` where equal, `?` where unreadable).
    pub fn letters(self) -> String {
        let col = |bit: u32, c: char, fail: u32| {
            if self.any(fail) {
                '?'
            } else if self.any(bit) {
                c
            } else {
                '.'
            }
        };
        [
            col(Self::SIZE, 'S', 0),
            col(Self::MODE, 'M', 0),
            col(Self::DIGEST, '5', Self::READFAIL),
            col(Self::RDEV, 'D', 0),
            col(Self::LINKTO, 'L', Self::READLINKFAIL),
            col(Self::USER, 'U', 0),
            col(Self::GROUP, 'G', 0),
            col(Self::MTIME, 'T', 0),
            col(Self::CAPS, 'P', 0),
        ]
        .iter()
        .collect()
    }
}

/// Options of [`verify_root`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// The database directory inside the root (`rpm --dbpath`); `None` searches the
    /// distribution paths.
    pub dbpath: Option<PathBuf>,
    /// Packages to verify, by name or `name-version-release.arch`; empty means all.
    pub packages: Vec<Vec<u8>>,
    /// Attributes not to compare ([`VerifyAttrs`] bits: `rpm --nomtime` is
    /// `VerifyAttrs::MTIME`).
    pub omit: u32,
    /// Files with any of these [`FileFlags`] are skipped (`rpm --noghost` is
    /// `FileFlags::GHOST`, `--noconfig` `FileFlags::CONFIG`).
    pub skip_flags: u32,
}

/// One file whose verification found something.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct FileProblem {
    /// The package (`name-version-release.arch`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub package: Vec<u8>,
    /// The file.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub path: Vec<u8>,
    /// Its `%config`/`%ghost`/... flags.
    pub flags: FileFlags,
    /// What differs.
    pub result: VerifyAttrs,
}

impl FileProblem {
    /// The line `rpm -V` prints for it (`S.5....T.  c /etc/x`, `missing   c /etc/x`).
    pub fn rpm_line(&self) -> String {
        let letters = self.flags.letters();
        let ac = letters.chars().next().unwrap_or(' ');
        let path = ferret_core::escape::escape(&self.path);
        if self.result.any(VerifyAttrs::LSTATFAIL) {
            format!("missing   {ac} {path}")
        } else {
            format!("{}  {ac} {path}", self.result.letters())
        }
    }
}

/// What [`verify_root`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct VerifyReport {
    /// The database read, inside the root (`None` when there is none).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt_path"))]
    pub database: Option<PathBuf>,
    /// Packages verified.
    pub packages: u64,
    /// Files looked at.
    pub files: u64,
    /// Bytes hashed.
    pub bytes: u64,
    /// Every file `rpm -V` would print (missing `%ghost`/`%missingok` files are left out,
    /// as rpm does), in database order.
    pub problems: Vec<FileProblem>,
    /// Findings (sorted, most severe first) and errors (the database's, unreadable files).
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub outcome: Outcome,
}

/// Names to ids from a root's `/etc/passwd` or `/etc/group` (`name:x:id:...`).
fn id_map(root: &HostRoot, file: &str) -> HashMap<Vec<u8>, u32> {
    let mut m = HashMap::new();
    if let Ok(Some(b)) = root.read_optional(file) {
        for line in b.split(|&c| c == b'\n') {
            let mut it = line.split(|&c| c == b':');
            let (Some(name), _, Some(id)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            if let Some(id) = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok()) {
                m.entry(name.to_vec()).or_insert(id);
            }
        }
    }
    m
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

/// Hashes a file with the package's algorithm; `None` for an algorithm this build lacks.
fn hash_file(
    root: &HostRoot,
    path: &Path,
    algo: super::DigestAlgo,
    control: &Control,
) -> Result<Option<(Vec<u8>, u64)>, ferret_core::Error> {
    use super::DigestAlgo as A;
    use sha2::Digest as _;
    enum H {
        Md5(md5::Md5),
        S224(sha2::Sha224),
        S256(sha2::Sha256),
        S384(sha2::Sha384),
        S512(sha2::Sha512),
    }
    let mut h = match algo {
        A::Md5 => H::Md5(md5::Md5::new()),
        A::Sha224 => H::S224(sha2::Sha224::new()),
        A::Sha256 => H::S256(sha2::Sha256::new()),
        A::Sha384 => H::S384(sha2::Sha384::new()),
        A::Sha512 => H::S512(sha2::Sha512::new()),
        _ => return Ok(None),
    };
    let mut f = root.open_file(path, &ferret_core::OpenOptions::new())?;
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| ferret_core::Error::io(path, e))?;
        if n == 0 {
            break;
        }
        if !control.charge(n as u64) {
            return Err(ferret_core::Error::Cancelled);
        }
        total += n as u64;
        let chunk = buf.get(..n).unwrap_or(&[]);
        match &mut h {
            H::Md5(x) => x.update(chunk),
            H::S224(x) => x.update(chunk),
            H::S256(x) => x.update(chunk),
            H::S384(x) => x.update(chunk),
            H::S512(x) => x.update(chunk),
        }
    }
    f.check_unchanged()?;
    let d = match h {
        H::Md5(x) => x.finalize().to_vec(),
        H::S224(x) => x.finalize().to_vec(),
        H::S256(x) => x.finalize().to_vec(),
        H::S384(x) => x.finalize().to_vec(),
        H::S512(x) => x.finalize().to_vec(),
    };
    Ok(Some((d, total)))
}

struct Ctx<'a> {
    root: &'a HostRoot,
    control: &'a Control,
    users: HashMap<Vec<u8>, u32>,
    groups: HashMap<Vec<u8>, u32>,
    owners: HashMap<&'a [u8], u32>,
    bytes: u64,
    errors: Vec<ErrorRecord>,
}

impl Ctx<'_> {
    /// The uid rpm expects for a name: `root` is 0, unknown names are 0 (rpm running as root).
    fn id(map: &HashMap<Vec<u8>, u32>, name: &[u8]) -> u32 {
        if name == b"root" {
            0
        } else {
            map.get(name).copied().unwrap_or(0)
        }
    }

    /// `rpmfilesVerify` for one file.
    fn verify(&mut self, p: &RpmPackage, f: &RpmFile, omit: u32) -> VerifyAttrs {
        let mut flags = f.verify_flags;
        match f.state {
            Some(2 | 3) => return VerifyAttrs(0), // not installed, net shared
            Some(1) => flags = VerifyAttrs::LSTATFAIL, // replaced: only whether it exists
            Some(4) => {
                flags &= !(VerifyAttrs::DIGEST
                    | VerifyAttrs::SIZE
                    | VerifyAttrs::MTIME
                    | VerifyAttrs::RDEV);
            }
            _ => {}
        }
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(&f.path));
        let Ok(mut sb) = self.root.lstat(&path) else {
            return VerifyAttrs(VerifyAttrs::LSTATFAIL);
        };
        let meta_mode = u32::from(f.mode);
        // A directory that became a symlink to a directory owned by root or the same user is
        // followed (rpm's fsmVerify does the same at install time).
        if meta_mode & S_IFMT == 0o040_000 && sb.kind == FileKind::Symlink {
            if let Ok(d) = self.root.open_dir(&path).and_then(|d| d.stat()) {
                if d.kind == FileKind::Directory && (sb.uid == 0 || sb.uid == d.uid) {
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
        let ghost = f.flags.has(FileFlags::GHOST);
        if ghost {
            flags &= !(VerifyAttrs::DIGEST
                | VerifyAttrs::SIZE
                | VerifyAttrs::MTIME
                | VerifyAttrs::LINKTO);
        }
        flags &= !(omit | VerifyAttrs::FAILURES | VerifyAttrs::CAPS);
        let mut r = 0u32;
        if flags & VerifyAttrs::DIGEST != 0 {
            if f.digest.is_empty() {
                r |= VerifyAttrs::DIGEST;
            } else {
                match hash_file(self.root, &path, p.digest_algo, self.control) {
                    Ok(Some((d, n))) => {
                        self.bytes += n;
                        if d != f.digest {
                            r |= VerifyAttrs::DIGEST;
                        }
                    }
                    Ok(None) => {
                        self.errors.push(ErrorRecord::new(
                            Some(&f.path),
                            None,
                            format!(
                                "digest algorithm {:?} is not supported; content not verified",
                                p.digest_algo
                            ),
                        ));
                    }
                    Err(e) => {
                        self.errors.push(ErrorRecord::from(&e));
                        r |= VerifyAttrs::READFAIL | VerifyAttrs::DIGEST;
                    }
                }
            }
        }
        if flags & VerifyAttrs::LINKTO != 0 {
            match self.root.read_link(&path) {
                Ok(t) if t == f.link_to => {}
                Ok(_) => r |= VerifyAttrs::LINKTO,
                Err(_) => r |= VerifyAttrs::READLINKFAIL | VerifyAttrs::LINKTO,
            }
        }
        if flags & VerifyAttrs::SIZE != 0 && sb.size != f.size {
            r |= VerifyAttrs::SIZE;
        }
        if flags & VerifyAttrs::MODE != 0 {
            let mut meta = meta_mode;
            let mut file = type_bits(sb.kind) | sb.mode;
            if ghost {
                meta &= !S_IFMT;
                file &= !S_IFMT;
            }
            if meta != file {
                r |= VerifyAttrs::MODE;
            }
        }
        if flags & VerifyAttrs::RDEV != 0 {
            let is = |m: u32, t: u32| m & S_IFMT == t;
            let (chr, blk) = (0o020_000, 0o060_000);
            let file_mode = type_bits(sb.kind);
            let kind_differs = is(meta_mode, chr) != is(file_mode, chr)
                || is(meta_mode, blk) != is(file_mode, blk);
            let dev = is(meta_mode, chr) || is(meta_mode, blk);
            if kind_differs || dev && (sb.rdev & 0xffff) as u16 != f.rdev {
                r |= VerifyAttrs::RDEV;
            }
        }
        if flags & VerifyAttrs::MTIME != 0 && sb.mtime.sec != i64::from(f.mtime) {
            r |= VerifyAttrs::MTIME;
        }
        if flags & VerifyAttrs::USER != 0 && sb.uid != Self::id(&self.users, &f.user) {
            r |= VerifyAttrs::USER;
        }
        if flags & VerifyAttrs::GROUP != 0 && sb.gid != Self::id(&self.groups, &f.group) {
            r |= VerifyAttrs::GROUP;
        }
        // Timestamps of files shared by several packages are not compared.
        if r & VerifyAttrs::MTIME != 0 && self.owners.get(f.path.as_slice()).is_some_and(|&n| n > 1)
        {
            r &= !VerifyAttrs::MTIME;
        }
        VerifyAttrs(r)
    }
}

fn selected(p: &RpmPackage, names: &[Vec<u8>]) -> bool {
    names.is_empty() || names.iter().any(|n| *n == p.name || *n == p.nevra())
}

/// Binaries and libraries: where a changed file is critical.
fn is_system_binary(path: &[u8]) -> bool {
    ["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/"]
        .iter()
        .any(|d| {
            path.strip_prefix(d.as_bytes())
                .is_some_and(|rest| !rest.is_empty() && !rest.contains(&b'/'))
        })
}

fn is_library(path: &[u8]) -> bool {
    let name = path.rsplit(|&c| c == b'/').next().unwrap_or(path);
    let in_lib = [b"/lib".as_slice(), b"/usr/lib", b"/lib64", b"/usr/lib64"]
        .iter()
        .any(|d| path.starts_with(d));
    let so = name.windows(3).any(|w| w == b".so");
    in_lib && so || name.ends_with(b".ko") || name.windows(4).any(|w| w == b".ko.")
}

fn finding(pr: &FileProblem, db: &Path) -> Option<Finding> {
    let r = pr.result;
    let path = pr.path.as_slice();
    let config = pr.flags.has(FileFlags::CONFIG);
    let content = r.any(VerifyAttrs::DIGEST | VerifyAttrs::SIZE);
    let attrs = r.any(
        VerifyAttrs::MODE
            | VerifyAttrs::USER
            | VerifyAttrs::GROUP
            | VerifyAttrs::LINKTO
            | VerifyAttrs::RDEV,
    );
    let pkg = ferret_core::escape::escape(&pr.package);
    let sys = is_system_binary(path) || is_library(path);
    let (id, sev, title, attack) = if r.any(VerifyAttrs::LSTATFAIL) {
        let sev = if sys { Severity::Medium } else { Severity::Low };
        (
            "rpm.file-missing",
            sev,
            "a packaged file is missing",
            "T1070.004",
        )
    } else if content && config {
        let sev = if path.starts_with(b"/etc/") {
            Severity::Low
        } else {
            Severity::Info
        };
        (
            "rpm.config-changed",
            sev,
            "a %config file differs from the package (it may be edited on purpose)",
            "T1098",
        )
    } else if content {
        let (sev, attack) = if is_system_binary(path) {
            (Severity::Critical, "T1554")
        } else if is_library(path) {
            (Severity::Critical, "T1014")
        } else if path.starts_with(b"/usr/share/doc/") || path.starts_with(b"/usr/share/man/") {
            (Severity::Low, "T1554")
        } else {
            (Severity::Medium, "T1554")
        };
        (
            "rpm.file-changed",
            sev,
            "a packaged file's content differs from rpm's digest",
            attack,
        )
    } else if attrs {
        let sev = if sys || r.any(VerifyAttrs::MODE) && !config {
            Severity::High
        } else {
            Severity::Medium
        };
        (
            "rpm.attr-changed",
            sev,
            "a packaged file's mode, owner, group or link target differs",
            "T1222.002",
        )
    } else {
        return None; // an mtime alone is not a finding; it stays in `problems`
    };
    Some(
        Finding::new(id, sev, title, path)
            .with_evidence(
                Evidence::file(db.as_os_str().as_bytes()).with_excerpt(pr.rpm_line().as_bytes()),
            )
            .with_attack(attack)
            .with_detail(format!("package {pkg}; rpm -V: {}", pr.rpm_line())),
    )
}

/// Verifies the installed files of `root` against its rpm database, like `rpm -Va --root`.
///
/// Never fails as a whole: a missing or unreadable database, damaged records and unreadable
/// files are error records beside the findings. Honours `control`: cancellation between
/// files and the I/O budget (every byte hashed is charged).
pub fn verify_root(root: &HostRoot, opts: &VerifyOptions, control: &Control) -> VerifyReport {
    let mut report = VerifyReport::default();
    let ropts = ReadOptions {
        dbpath: opts.dbpath.clone(),
        files: true,
    };
    let db = match read_root(root, &ropts, control) {
        Ok(Some(db)) => db,
        Ok(None) => {
            report.outcome.errors.push(ErrorRecord::new(
                None,
                None,
                "no rpm database under this root; nothing verified",
            ));
            return report;
        }
        Err(e) => {
            report
                .outcome
                .errors
                .push(ErrorRecord::from_error(None, &e));
            return report;
        }
    };
    report.database = Some(db.path.clone());
    let mut owners: HashMap<&[u8], u32> = HashMap::new();
    for p in &db.packages {
        for f in &p.files {
            *owners.entry(f.path.as_slice()).or_default() += 1;
        }
    }
    let mut ctx = Ctx {
        root,
        control,
        users: id_map(root, "/etc/passwd"),
        groups: id_map(root, "/etc/group"),
        owners,
        bytes: 0,
        errors: Vec::new(),
    };
    for n in &opts.packages {
        if !db
            .packages
            .iter()
            .any(|p| selected(p, std::slice::from_ref(n)))
        {
            ctx.errors.push(ErrorRecord::new(
                None,
                None,
                format!(
                    "package {} is not installed",
                    ferret_core::escape::escape(n)
                ),
            ));
        }
    }
    'packages: for p in db.packages.iter().filter(|p| selected(p, &opts.packages)) {
        report.packages += 1;
        for f in &p.files {
            if control.is_cancelled() {
                break 'packages;
            }
            if f.flags.0 & opts.skip_flags != 0 {
                continue;
            }
            report.files += 1;
            let r = ctx.verify(p, f, opts.omit);
            // rpm prints a missing %ghost or %missingok file only when verbose.
            let quiet_missing = r.any(VerifyAttrs::LSTATFAIL)
                && f.flags.0 & (FileFlags::MISSINGOK | FileFlags::GHOST) != 0;
            if r.0 != 0 && !quiet_missing {
                report.problems.push(FileProblem {
                    package: p.nevra(),
                    path: f.path.clone(),
                    flags: f.flags,
                    result: r,
                });
            }
        }
    }
    report.bytes = ctx.bytes;
    let mut outcome = Outcome::new();
    for pr in &report.problems {
        if let Some(f) = finding(pr, &db.path) {
            outcome.findings.push(f);
        }
    }
    if control.is_cancelled() {
        ctx.errors
            .push(ErrorRecord::from(&ferret_core::Error::Cancelled));
    }
    outcome.errors = db.errors;
    outcome.errors.extend(ctx.errors);
    outcome.sort();
    report.outcome = outcome;
    report
}
