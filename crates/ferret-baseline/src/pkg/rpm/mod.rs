//! rpm databases, read-only and in pure Rust: the package records and per-file checksums of
//! CentOS/RHEL/Rocky/Alma, Alibaba Cloud Linux, Amazon Linux, Fedora, openSUSE and SLES hosts.
//!
//! All three on-disk formats are read, recognised by content at the distribution paths
//! ([`DB_DIRS`]: `/usr/lib/sysimage/rpm`, `/var/lib/rpm`) under a [`HostRoot`]:
//!
//! | format | file | used by |
//! |---|---|---|
//! | [`DbFormat::BerkeleyDb`] | `Packages` (hash, either byte order) | rpm < 4.16: CentOS/RHEL 5-8, Alibaba Cloud Linux 2/3, Amazon Linux 2 |
//! | [`DbFormat::Sqlite`] | `rpmdb.sqlite` (+ `-wal`) | rpm >= 4.16: Fedora 33+, RHEL/Rocky/Alma 9, Amazon Linux 2023, CBL-Mariner |
//! | [`DbFormat::Ndb`] | `Packages.db` | SUSE Linux Enterprise 15, openSUSE |
//!
//! librpm is not linked: it opens the database read-write and takes locks, and has corrupted
//! CentOS 7's Berkeley DB and broken yum in osquery (osquery#2623, #3178) or returned nothing
//! on SQLite databases (#6895, #7065). Like Trivy and Syft (go-rpmdb), ferret parses the files
//! itself, from rpm's own read-only backend (`bdb_ro.c`), `ndb/rpmpkg.c` and `header.c` as
//! specifications. Files are opened soundly ([`HostRoot::open_file`]: no atime change, no
//! symlink out of the root, no block on a FIFO) and read with positioned reads, never mmap;
//! nothing is written, locked or created (an SQLite database's WAL is read by
//! `ferret-sqlite`, without `-shm`).
//!
//! ```no_run
//! use ferret_baseline::pkg::rpm::{read_root, ReadOptions};
//! use ferret_core::{Control, HostRoot};
//! let db = read_root(&HostRoot::live(), &ReadOptions::default(), &Control::new())?;
//! if let Some(db) = db {
//!     for p in &db.packages {
//!         println!("{} ({} files)", String::from_utf8_lossy(&p.nevra()), p.files.len());
//!     }
//!     for e in &db.errors {
//!         eprintln!("{e}");
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every header is checked like rpm's `hdrblobVerifyInfo` (counts, offsets, alignment,
//! strings inside the data, regions and their trailers): a hostile or damaged header is an
//! error record naming the database and the header number, and the other packages are read.
//! A damaged page, slot or chain is an error record too, beside everything else that could be
//! read.

mod bdb;
pub mod header;
mod ndb;
mod package;
mod sqlite_db;
pub(crate) mod verify;

/// The SQLite reader this module uses (its errors are part of [`Error`]).
pub use ferret_sqlite as sqlite;
pub use package::{scriptlets, DigestAlgo, FileFlags, RpmFile, RpmPackage, Scriptlet};

use ferret_core::escape::escape_path;
use ferret_core::{Control, ErrorRecord, HostRoot};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Where distributions keep the rpm database, most recent layout first (Fedora 36+ and SUSE
/// link `/var/lib/rpm` to `/usr/lib/sysimage/rpm`).
pub const DB_DIRS: [&str; 2] = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"];

/// The database file names, in the order they are preferred when several are present (the
/// newer format is the one rpm migrated to).
pub const DB_FILES: [&str; 3] = ["rpmdb.sqlite", "Packages.db", "Packages"];

/// The on-disk format of an rpm database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum DbFormat {
    /// Berkeley DB hash `Packages`.
    BerkeleyDb,
    /// SQLite `rpmdb.sqlite`.
    Sqlite,
    /// NDB `Packages.db`.
    Ndb,
}

impl DbFormat {
    /// A short name: `bdb`, `sqlite`, `ndb`.
    pub fn as_str(self) -> &'static str {
        match self {
            DbFormat::BerkeleyDb => "bdb",
            DbFormat::Sqlite => "sqlite",
            DbFormat::Ndb => "ndb",
        }
    }

    /// The format of a database from its first bytes (at least 16), by content.
    pub fn detect(head: &[u8]) -> Option<DbFormat> {
        if head.starts_with(ferret_sqlite::MAGIC) {
            Some(DbFormat::Sqlite)
        } else if ndb::detect(head) {
            Some(DbFormat::Ndb)
        } else if bdb::detect(head) {
            Some(DbFormat::BerkeleyDb)
        } else {
            None
        }
    }
}

impl std::str::FromStr for DbFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bdb" => Ok(DbFormat::BerkeleyDb),
            "sqlite" => Ok(DbFormat::Sqlite),
            "ndb" => Ok(DbFormat::Ndb),
            o => Err(format!(
                "unknown rpm database format {o:?} (bdb, sqlite, ndb)"
            )),
        }
    }
}

/// Options of [`read_root`] and [`read`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The database directory inside the root (`rpm --dbpath`); `None` searches [`DB_DIRS`].
    pub dbpath: Option<PathBuf>,
    /// Decode the per-file records (paths, digests, modes...). Default true; false reads the
    /// package records only (faster, for inventories).
    pub files: bool,
    /// Decode the scriptlets ([`RpmPackage::scripts`]). Default false.
    pub scripts: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            dbpath: None,
            files: true,
            scripts: false,
        }
    }
}

/// An rpm database as read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RpmDb {
    /// The database file, inside the root.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::path"))]
    pub path: PathBuf,
    /// Its format.
    pub format: DbFormat,
    /// The packages, by header number.
    pub packages: Vec<RpmPackage>,
    /// Records and pages that could not be read, each naming the database (and the header
    /// number or page); notes about the WAL, other databases present, a cancellation.
    pub errors: Vec<ErrorRecord>,
}

/// Errors that stop an rpm database from being read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened soundly.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// The SQLite database could not be opened.
    #[error(transparent)]
    Sqlite(#[from] ferret_sqlite::Error),
    /// The file is not an rpm database this reader knows, or its first page is unusable.
    #[error("{}: {reason}", escape_path(.path))]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What a backend reports: a header blob with its number, or a problem with one record.
pub(crate) enum Item {
    Blob(u32, Vec<u8>),
    Error(String),
}

/// Turns backend items into packages and error records.
struct Collector<'a> {
    path: &'a Path,
    opts: &'a ReadOptions,
    control: &'a Control,
    packages: Vec<RpmPackage>,
    errors: Vec<ErrorRecord>,
}

impl Collector<'_> {
    fn new<'a>(path: &'a Path, opts: &'a ReadOptions, control: &'a Control) -> Collector<'a> {
        Collector {
            path,
            opts,
            control,
            packages: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn error(&mut self, m: impl Into<String>) {
        self.errors.push(ErrorRecord::new(
            Some(self.path.as_os_str().as_bytes()),
            None,
            m,
        ));
    }

    fn take(&mut self, item: Item) {
        if self.control.is_cancelled() {
            return;
        }
        match item {
            Item::Blob(hnum, blob) => {
                self.control.charge(blob.len() as u64);
                match RpmPackage::from_blob(hnum, &blob, self.opts.files) {
                    Ok(mut p) => {
                        if self.opts.scripts {
                            match package::scriptlets(&blob) {
                                Ok(s) => p.scripts = s,
                                Err(e) => self.error(format!("header {hnum}: scriptlets: {e}")),
                            }
                        }
                        self.packages.push(p);
                    }
                    Err(e) => self.error(format!("header {hnum}: {e}; package skipped")),
                }
            }
            Item::Error(m) => self.error(m),
        }
    }

    fn finish(mut self, format: DbFormat) -> RpmDb {
        if self.control.is_cancelled() {
            self.error("cancelled: the package list is incomplete");
        }
        self.packages.sort_by_key(|p| p.hnum);
        RpmDb {
            path: self.path.to_path_buf(),
            format,
            packages: self.packages,
            errors: self.errors,
        }
    }
}

fn unreadable(path: &Path, reason: impl Into<String>) -> Error {
    Error::Unreadable {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads a database held in memory (`db`, and for SQLite its `-wal` if any); `path` names it
/// in errors. The format is recognised by content.
pub fn read(
    db: &[u8],
    wal: Option<&[u8]>,
    path: &Path,
    opts: &ReadOptions,
    control: &Control,
) -> Result<RpmDb, Error> {
    let format = DbFormat::detect(db).ok_or_else(|| {
        unreadable(
            path,
            "not an rpm database (no SQLite, NDB or Berkeley DB magic)",
        )
    })?;
    let mut c = Collector::new(path, opts, control);
    match format {
        DbFormat::Sqlite => {
            let sdb = ferret_sqlite::Database::open(db, wal, path)?;
            for n in sdb.notes() {
                c.error(n.clone());
            }
            sqlite_db::read(&sdb, &mut |i| c.take(i))?;
        }
        DbFormat::Ndb => ndb::read(db, &mut |i| c.take(i)).map_err(|m| unreadable(path, m))?,
        DbFormat::BerkeleyDb => {
            bdb::read(db, &mut |i| c.take(i)).map_err(|m| unreadable(path, m))?;
        }
    }
    Ok(c.finish(format))
}

/// Finds the rpm database under `root` and reads it. `Ok(None)` when there is none; an `Err`
/// when one is there but cannot be read at all (its records' problems are in
/// [`RpmDb::errors`]).
///
/// When several databases are present (an old `Packages` left beside `rpmdb.sqlite` after a
/// migration), the newest format is read and the others are named in the errors. Honours
/// `control`: cancellation between records (the list then says it is incomplete) and the
/// I/O budget (charged per header).
pub fn read_root(
    root: &HostRoot,
    opts: &ReadOptions,
    control: &Control,
) -> Result<Option<RpmDb>, Error> {
    let dirs: Vec<PathBuf> = match &opts.dbpath {
        Some(d) => vec![HostRoot::inner(d)],
        None => DB_DIRS.iter().map(PathBuf::from).collect(),
    };
    // Every candidate that is a regular file, recognised by content, each inode once.
    let mut found: Vec<(PathBuf, DbFormat)> = Vec::new();
    let mut seen: Vec<(u64, u64)> = Vec::new();
    let mut first_err = None;
    for dir in &dirs {
        for name in DB_FILES {
            let p = dir.join(name);
            let Ok(st) = root.lstat(&p) else { continue };
            if seen.contains(&(st.dev, st.ino)) {
                continue;
            }
            seen.push((st.dev, st.ino));
            let mut head = [0u8; 16];
            let f = match root.open_file(&p, &ferret_core::OpenOptions::new()) {
                Ok(f) => f,
                Err(e) => {
                    first_err.get_or_insert(Error::Core(e));
                    continue;
                }
            };
            if ferret_sqlite::ByteSource::read_exact_at(&f, &mut head, 0).is_err() {
                first_err.get_or_insert(unreadable(&p, "shorter than 16 bytes"));
                continue;
            }
            match DbFormat::detect(&head) {
                Some(fmt) => found.push((p, fmt)),
                None => {
                    first_err.get_or_insert(unreadable(&p, "not an rpm database by content"));
                }
            }
        }
    }
    let rank = |f: DbFormat| match f {
        DbFormat::Sqlite => 0,
        DbFormat::Ndb => 1,
        DbFormat::BerkeleyDb => 2,
    };
    found.sort_by_key(|(_, f)| rank(*f));
    let Some((path, format)) = found.first().cloned() else {
        return match first_err {
            Some(e) => Err(e),
            None => Ok(None),
        };
    };
    let mut c = Collector::new(&path, opts, control);
    for (other, f) in found.iter().skip(1) {
        c.error(format!(
            "another rpm database is present, not read: {} ({})",
            escape_path(other),
            f.as_str()
        ));
    }
    match format {
        DbFormat::Sqlite => {
            let sdb = ferret_sqlite::Database::open_root(root, &path)?;
            for n in sdb.notes() {
                c.error(n.clone());
            }
            sqlite_db::read(&sdb, &mut |i| c.take(i))?;
            if let Err(e) = sdb.check_unchanged() {
                c.error(format!(
                    "{e}: the packages read may mix two states of the database"
                ));
            }
        }
        DbFormat::Ndb | DbFormat::BerkeleyDb => {
            let f = root.open_file(&path, &ferret_core::OpenOptions::new())?;
            let r = if format == DbFormat::Ndb {
                ndb::read(&f, &mut |i| c.take(i))
            } else {
                bdb::read(&f, &mut |i| c.take(i))
            };
            r.map_err(|m| unreadable(&path, m))?;
            if let Err(e) = f.check_unchanged() {
                c.error(format!(
                    "{e}: the packages read may mix two states of the database"
                ));
            }
        }
    }
    Ok(Some(c.finish(format)))
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (see `fuzz/fuzz_targets/baseline_rpm_*.rs`).

    use super::{read, Item, ReadOptions, RpmPackage};
    use ferret_core::Control;
    use std::path::Path;

    /// Builds a header blob from `(tag, type, count, data)` entries, laid out as rpm lays them
    /// out, inside an immutable region when `region` is set, followed by `dribbles` (seed
    /// corpora and tests).
    pub fn build_header(
        entries: &[(u32, u32, u32, Vec<u8>)],
        dribbles: &[(u32, u32, u32, Vec<u8>)],
        region: bool,
    ) -> Vec<u8> {
        super::header::build(entries, dribbles, region)
    }

    /// A header blob: never panics; what parses has files consistent with its counts.
    pub fn header(data: &[u8]) {
        if let Ok(h) = super::header::Header::parse(data) {
            for e in h.entries() {
                assert!(e.offset as usize + e.len as usize <= data.len());
            }
        }
        if let Ok(s) = super::scriptlets(data) {
            assert!(s.iter().all(|x| x.body.len() <= data.len()));
        }
        if let Ok(p) = RpmPackage::from_blob(1, data, true) {
            assert!(!p.name.is_empty());
            for f in &p.files {
                assert!(f.path.len() <= 16 * data.len() + (1 << 20));
            }
        }
    }

    type Backend = fn(&[u8], &mut dyn FnMut(Item)) -> Result<(), String>;

    fn drain(data: &[u8], f: Backend) {
        let mut n = 0usize;
        let _ = f(data, &mut |i| {
            n += 1;
            if let Item::Blob(_, b) = i {
                assert!(b.len() <= data.len());
                header(&b);
            }
        });
        assert!(n <= data.len() + 1, "bounded by the input");
    }

    /// The Berkeley DB reader over any bytes.
    pub fn bdb(data: &[u8]) {
        drain(data, |d, e| super::bdb::read(d, e));
    }

    /// The NDB reader over any bytes.
    pub fn ndb(data: &[u8]) {
        drain(data, |d, e| super::ndb::read(d, e));
    }

    /// The whole reader (format detection, then the backend) over any bytes.
    pub fn db(data: &[u8]) {
        let _ = read(
            data,
            None,
            Path::new("fuzz"),
            &ReadOptions::default(),
            &Control::new(),
        );
    }
}
