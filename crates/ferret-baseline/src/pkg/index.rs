//! Which package owns a path, and what the package manager recorded about it: one index type
//! that every package-database reader fills (dpkg here, rpm beside it), for checks that only
//! need ownership and recorded digests (`ferret-scan`'s unowned executables and renamed tools,
//! `ferret-harden`'s unpackaged SUID files) rather than a full verification.
//!
//! ```
//! use ferret_baseline::pkg::{index_root, IndexOptions, PackageIndex, Digest};
//! use ferret_core::{Control, HostRoot};
//! let t = tempfile::tempdir()?;
//! let r = t.path();
//! std::fs::create_dir_all(r.join("var/lib/dpkg/info"))?;
//! std::fs::write(r.join("var/lib/dpkg/status"),
//!     "Package: hello\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n")?;
//! std::fs::write(r.join("var/lib/dpkg/info/hello.list"), "/usr\n/usr/bin\n/usr/bin/hello\n")?;
//! std::fs::write(r.join("var/lib/dpkg/info/hello.md5sums"),
//!     "b1946ac92492d2347c6235b4d2611184  usr/bin/hello\n")?;
//! let report = index_root(&HostRoot::new(r)?, &IndexOptions::default(), &Control::new());
//! let idx = &report.index;
//! assert!(idx.is_owned(b"/usr/bin/hello"));
//! assert_eq!(idx.owners(b"/usr/bin/hello").collect::<Vec<_>>(), [&b"hello"[..]]);
//! assert!(matches!(idx.get(b"/usr/bin/hello").unwrap().digest, Some(Digest::Md5(_))));
//! assert!(!idx.is_owned(b"/usr/bin/kworker"));
//!
//! // Another reader (rpm) fills the same type.
//! let mut other = PackageIndex::new();
//! let p = other.add_package("bash-5.1.8-6.el9.x86_64");
//! other.add_file(p, "/usr/bin/bash").size = Some(1_389_064);
//! assert!(other.is_owned(b"/usr/bin/bash"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Paths are the package database's own (absolute, bytes exact). On a merged-`/usr` system
//! ([`PackageIndex::merged_usr`], set by [`index_root`] when `/bin` is a link to `usr/bin`),
//! lookups also try the alias: a file a package lists as `/bin/ls` is found as `/usr/bin/ls`
//! and the other way round. A file moved aside by `dpkg-divert` is owned where it went by the
//! packages that own the diverted path.

use super::db::{DpkgDb, Selection};
use super::parse::Digest;
use ferret_core::{Control, ErrorRecord, HostRoot};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// A package in a [`PackageIndex`] (an index into its package list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageId(u32);

/// What the package database records about one path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OwnedFile {
    /// The packages listing the path (several for shared directories and Multi-Arch files).
    pub owners: Vec<PackageId>,
    /// The recorded content digest (dpkg: MD5 from `md5sums`; rpm: the header's file digest).
    pub digest: Option<Digest>,
    /// The recorded size (rpm records it; dpkg does not).
    pub size: Option<u64>,
    /// The recorded mode bits (rpm records them; dpkg does not).
    pub mode: Option<u32>,
}

/// Path → owning packages and recorded facts. Cheap lookups by exact path bytes.
#[derive(Debug, Clone, Default)]
pub struct PackageIndex {
    sources: Vec<String>,
    packages: Vec<Vec<u8>>,
    files: foldhash::HashMap<Vec<u8>, OwnedFile>,
    merged_usr: bool,
}

/// The `/usr`-merged directory pairs: a path under the first is also found under the second.
const USR_ALIASES: [(&[u8], &[u8]); 6] = [
    (b"/bin/", b"/usr/bin/"),
    (b"/sbin/", b"/usr/sbin/"),
    (b"/lib/", b"/usr/lib/"),
    (b"/lib32/", b"/usr/lib32/"),
    (b"/lib64/", b"/usr/lib64/"),
    (b"/libx32/", b"/usr/libx32/"),
];

fn alias(path: &[u8]) -> Option<Vec<u8>> {
    for (short, long) in USR_ALIASES {
        if let Some(rest) = path.strip_prefix(short) {
            return Some([long, rest].concat());
        }
        if let Some(rest) = path.strip_prefix(long) {
            return Some([short, rest].concat());
        }
    }
    None
}

impl PackageIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes where the index came from (`dpkg /var/lib/dpkg: 720 packages`), for reports.
    pub fn add_source(&mut self, what: impl Into<String>) {
        self.sources.push(what.into());
    }

    /// Where the index came from.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Adds a package by name (`curl`, `libc6:amd64`, `bash-5.1.8-6.el9.x86_64`).
    pub fn add_package(&mut self, name: impl Into<Vec<u8>>) -> PackageId {
        let id = PackageId(u32::try_from(self.packages.len()).unwrap_or(u32::MAX));
        self.packages.push(name.into());
        id
    }

    /// Records that `pkg` owns `path` and returns the path's record, to add what the database
    /// says about it (digest, size, mode).
    pub fn add_file(&mut self, pkg: PackageId, path: impl Into<Vec<u8>>) -> &mut OwnedFile {
        let rec = self.files.entry(path.into()).or_default();
        if !rec.owners.contains(&pkg) {
            rec.owners.push(pkg);
        }
        rec
    }

    /// Whether lookups also try the merged-`/usr` alias of a path.
    pub fn merged_usr(&self) -> bool {
        self.merged_usr
    }

    /// Sets whether the root has a merged `/usr` (`/bin -> usr/bin`).
    pub fn set_merged_usr(&mut self, merged: bool) {
        self.merged_usr = merged;
    }

    /// The name of a package.
    pub fn package_name(&self, id: PackageId) -> Option<&[u8]> {
        self.packages.get(id.0 as usize).map(Vec::as_slice)
    }

    /// What the database records about `path` (or its merged-`/usr` alias).
    pub fn get(&self, path: &[u8]) -> Option<&OwnedFile> {
        if let Some(r) = self.files.get(path) {
            return Some(r);
        }
        if self.merged_usr {
            return alias(path).and_then(|a| self.files.get(&a));
        }
        None
    }

    /// Whether any package owns `path`.
    pub fn is_owned(&self, path: &[u8]) -> bool {
        self.get(path).is_some()
    }

    /// The names of the packages owning `path`.
    pub fn owners(&self, path: &[u8]) -> impl Iterator<Item = &[u8]> {
        self.get(path)
            .into_iter()
            .flat_map(|r| r.owners.iter())
            .filter_map(|id| self.package_name(*id))
    }

    /// Every recorded path with its record, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &OwnedFile)> {
        self.files.iter().map(|(p, r)| (p.as_slice(), r))
    }

    /// Number of packages.
    pub fn package_count(&self) -> usize {
        self.packages.len()
    }

    /// Number of distinct paths.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no path is recorded (no package database, or an empty one).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Options of [`index_root`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IndexOptions {
    /// dpkg admin directory inside the root. Default `/var/lib/dpkg`.
    pub dpkg_admindir: PathBuf,
    /// rpm database directory inside the root (`rpm --dbpath`); `None` searches
    /// [`rpm::DB_DIRS`](super::rpm::DB_DIRS).
    pub rpm_dbpath: Option<PathBuf>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            dpkg_admindir: PathBuf::from("/var/lib/dpkg"),
            rpm_dbpath: None,
        }
    }
}

/// What [`index_root`] read.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct IndexReport {
    /// The index (empty when the root has no package database).
    pub index: PackageIndex,
    /// Unreadable database files and malformed lines; the index covers the rest.
    pub errors: Vec<ErrorRecord>,
}

/// Whether the root has a merged `/usr`: one of `/bin`, `/sbin`, `/lib`, `/lib64` is a link to
/// its `/usr` twin (Debian 12 links all of them, rpm distributions since RHEL 7 too).
fn merged_usr(root: &HostRoot) -> bool {
    USR_ALIASES.iter().any(|(short, long)| {
        let (Some(short), Some(long)) = (short.strip_suffix(b"/"), long.strip_suffix(b"/")) else {
            return false;
        };
        let Ok(target) = root.read_link(std::ffi::OsStr::from_bytes(short)) else {
            return false;
        };
        let target = target.strip_suffix(b"/").unwrap_or(&target);
        target == long || Some(target) == long.strip_prefix(b"/")
    })
}

/// Reads the package databases under `root` into one [`PackageIndex`]: dpkg's file lists
/// (`info/*.list`), digests (`info/*.md5sums`) and diversions, and the rpm database (Berkeley
/// DB, SQLite or NDB, see [`rpm`](super::rpm)): every file of every installed package with its
/// recorded digest, size and mode. Every package whose files are on disk counts (the states
/// `pkg::verify_root` verifies by default). Never fails as a whole; a root without a database
/// gives an empty index and no error, an unreadable database an error record.
pub fn index_root(root: &HostRoot, opts: &IndexOptions, control: &Control) -> IndexReport {
    let mut errors = Vec::new();
    let mut index = PackageIndex::new();
    index.set_merged_usr(merged_usr(root));
    index_dpkg(root, opts, control, &mut index, &mut errors);
    if !control.is_cancelled() {
        index_rpm(root, opts, control, &mut index, &mut errors);
    }
    IndexReport { index, errors }
}

/// rpm's packages and files into `index`.
fn index_rpm(
    root: &HostRoot,
    opts: &IndexOptions,
    control: &Control,
    index: &mut PackageIndex,
    errors: &mut Vec<ErrorRecord>,
) {
    let mut ro = super::rpm::ReadOptions::default();
    ro.dbpath.clone_from(&opts.rpm_dbpath);
    let db = match super::rpm::read_root(root, &ro, control) {
        Ok(Some(db)) => db,
        Ok(None) => return,
        Err(e) => {
            errors.push(ErrorRecord::from_error(None, &e));
            return;
        }
    };
    errors.extend(db.errors.iter().cloned());
    let before = index.len();
    for p in &db.packages {
        // `gpg-pubkey` entries are keys, not packages with files.
        if p.files.is_empty() {
            continue;
        }
        let id = index.add_package(p.nevra());
        let algo = super::rpm::verify::algorithm(p.digest_algo);
        for f in &p.files {
            let rec = index.add_file(id, f.path.as_slice());
            if rec.digest.is_none() && !f.digest.is_empty() {
                rec.digest = algo.and_then(|a| Digest::from_raw(a, &f.digest));
            }
            rec.size.get_or_insert(f.size);
            rec.mode.get_or_insert(u32::from(f.mode));
        }
    }
    index.add_source(format!(
        "rpm {} ({}): {} packages, {} paths",
        db.path.display(),
        db.format.as_str(),
        db.packages.iter().filter(|p| !p.files.is_empty()).count(),
        index.len() - before
    ));
}

/// dpkg's packages, files, digests and diversions into `index`.
fn index_dpkg(
    root: &HostRoot,
    opts: &IndexOptions,
    control: &Control,
    index: &mut PackageIndex,
    errors: &mut Vec<ErrorRecord>,
) {
    let sel = Selection {
        names: &[],
        debsums_states: false,
    };
    let db = DpkgDb::load(root, &opts.dpkg_admindir, sel, errors);
    if !db.present || control.is_cancelled() {
        return;
    }
    let before_pkgs = index.package_count();
    let (stems, map) = db.ownership(root, errors).into_parts();
    let ids: Vec<PackageId> = stems.into_iter().map(|s| index.add_package(s)).collect();
    for (path, owners) in map {
        for o in owners {
            if let Some(id) = ids.get(o as usize) {
                index.add_file(*id, path.clone());
            }
        }
    }
    // md5sums: the digest of each listed path (the owner was recorded from the lists).
    for p in &db.packages {
        for e in &p.md5sums {
            if let Some(rec) = index.files.get_mut(&e.path) {
                rec.digest = Some(e.digest);
            }
        }
    }
    // A diverted file lives where the diversion sent it, owned by whoever owns the original.
    for d in &db.diversions {
        if let Some(owners) = index.get(&d.from).map(|r| r.owners.clone()) {
            for o in owners {
                index.add_file(o, d.to.clone());
            }
        }
    }
    index.add_source(format!(
        "dpkg {}: {} packages, {} paths",
        opts.dpkg_admindir.display(),
        index.package_count() - before_pkgs,
        index.len()
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_usr_aliases_both_ways() {
        let mut i = PackageIndex::new();
        let p = i.add_package("coreutils");
        i.add_file(p, "/bin/ls");
        i.add_file(p, "/usr/lib/x86_64-linux-gnu/libfoo.so");
        assert!(!i.is_owned(b"/usr/bin/ls"));
        i.set_merged_usr(true);
        assert!(i.is_owned(b"/usr/bin/ls"));
        assert!(i.is_owned(b"/lib/x86_64-linux-gnu/libfoo.so"));
        assert!(!i.is_owned(b"/usr/bin/lsx"));
        assert_eq!(i.owners(b"/usr/bin/ls").collect::<Vec<_>>(), [b"coreutils"]);
        assert_eq!(alias(b"/usr/sbin/x").as_deref(), Some(&b"/sbin/x"[..]));
        assert_eq!(alias(b"/usr/share/x"), None);
    }

    #[test]
    fn shared_paths_keep_every_owner_once() {
        let mut i = PackageIndex::new();
        let a = i.add_package("a");
        let b = i.add_package("b");
        i.add_file(a, "/usr/share/doc");
        i.add_file(b, "/usr/share/doc");
        i.add_file(a, "/usr/share/doc");
        assert_eq!(i.get(b"/usr/share/doc").unwrap().owners, vec![a, b]);
        assert_eq!((i.len(), i.package_count()), (1, 2));
    }
}
