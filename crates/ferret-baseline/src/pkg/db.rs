//! The dpkg database read from a [`HostRoot`]: packages, their checksums and file lists,
//! diversions, stat overrides and dpkg's own path filters.

use super::parse::{
    self, Conffile, Diversion, Md5sumsEntry, PathFilter, PkgState, StatOverride, StatusEntry,
};
use ferret_core::fs::{DirHandle, OpenOptions};
use ferret_core::{ErrorRecord, HostRoot};
use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Cap on one database file (the status file of a big desktop is a few MB).
const DB_FILE_LIMIT: u64 = 512 << 20;

/// One package of the database, with what it records about its files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Package {
    /// The stanza from the status file.
    pub status: StatusEntry,
    /// `${binary:Package}`: `name` or `name:arch` (Multi-Arch: same).
    pub name: Vec<u8>,
    /// The stem of its files in the info directory (`dash` or `libc6:amd64`), when found.
    pub info_stem: Option<Vec<u8>>,
    /// Inner path of its `md5sums` file, when there is one.
    pub md5sums_path: Option<PathBuf>,
    /// Parsed `md5sums` entries.
    pub md5sums: Vec<Md5sumsEntry>,
}

impl Package {
    /// The package name without `:arch`.
    pub fn base_name(&self) -> &[u8] {
        &self.status.package
    }

    /// The conffiles recorded in the status file.
    pub fn conffiles(&self) -> &[Conffile] {
        &self.status.conffiles
    }
}

/// The dpkg database of one root.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DpkgDb {
    /// Admin directory inside the root (`/var/lib/dpkg`).
    pub admindir: PathBuf,
    /// Selected packages, sorted by name.
    pub packages: Vec<Package>,
    /// Diversions.
    pub diversions: Vec<Diversion>,
    /// Stat overrides.
    pub statoverrides: Vec<StatOverride>,
    /// `path-exclude`/`path-include` rules from `/etc/dpkg/dpkg.cfg{,.d/*}`.
    pub path_filters: Vec<PathFilter>,
    /// Names of the files in the info directory.
    pub info_files: HashSet<Vec<u8>>,
    /// Whether the status file exists at all (no dpkg database when false).
    pub present: bool,
}

/// Reads the info file `name` through the already open info directory (one `openat` instead
/// of a resolution from the root per file); anything unusual goes the long way, so errors read
/// exactly as from [`HostRoot::read_capped`].
fn read_info(
    root: &HostRoot,
    dir: Option<&DirHandle>,
    info_dir: &Path,
    name: &[u8],
) -> Result<Vec<u8>, ferret_core::Error> {
    if let Some(d) = dir {
        let opts = OpenOptions::new().max_size(DB_FILE_LIMIT);
        if let Ok(mut f) = d.open_file_at(OsStr::from_bytes(name), &opts) {
            return f.read_capped(DB_FILE_LIMIT);
        }
    }
    root.read_capped(join(info_dir, name), DB_FILE_LIMIT)
}

fn join(dir: &Path, name: &[u8]) -> PathBuf {
    dir.join(OsStr::from_bytes(name))
}

fn path_bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

fn record(path: &Path, e: &parse::LineError) -> ErrorRecord {
    ErrorRecord::new(Some(path_bytes(path)), Some(e.line), e.message.clone())
}

/// Which packages to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selection<'a> {
    pub names: &'a [Vec<u8>],
    pub debsums_states: bool,
}

impl Selection<'_> {
    fn wants(&self, e: &StatusEntry) -> bool {
        let state_ok = match e.state {
            Some(s) if self.debsums_states => {
                matches!(s, PkgState::Installed | PkgState::HalfConfigured)
            }
            Some(s) => s.files_present(),
            None => false,
        };
        if !state_ok || e.version.is_empty() {
            return false;
        }
        if self.names.is_empty() {
            return true;
        }
        let bin = e.binary_package();
        self.names
            .iter()
            .any(|n| *n == e.package || *n == bin || strip_arch(n) == e.package.as_slice())
    }
}

fn strip_arch(n: &[u8]) -> &[u8] {
    match memchr::memrchr(b':', n) {
        Some(i) => n.get(..i).unwrap_or(n),
        None => n,
    }
}

impl DpkgDb {
    /// Loads the database under `root` at `admindir`, keeping the packages `sel` asks for.
    pub(crate) fn load(
        root: &HostRoot,
        admindir: &Path,
        sel: Selection<'_>,
        errors: &mut Vec<ErrorRecord>,
    ) -> DpkgDb {
        let mut db = DpkgDb {
            admindir: admindir.to_path_buf(),
            ..DpkgDb::default()
        };
        let status_path = admindir.join("status");
        let status = match root.read_capped(&status_path, DB_FILE_LIMIT) {
            Ok(b) => b,
            Err(e) => {
                if !e.is_not_found() {
                    errors.push(ErrorRecord::from(&e));
                }
                return db;
            }
        };
        db.present = true;
        let info_dir = admindir.join("info");
        match root.read_dir(&info_dir) {
            Ok(ents) => {
                db.info_files = ents
                    .into_iter()
                    .map(|e| e.name.as_bytes().to_vec())
                    .collect();
            }
            Err(e) => errors.push(ErrorRecord::from(&e)),
        }
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for r in parse::parse_status(&status) {
            match r {
                Ok(entry) => {
                    if !sel.wants(&entry) {
                        continue;
                    }
                    let name = entry.binary_package();
                    if !seen.insert(name.clone()) {
                        errors.push(ErrorRecord::new(
                            Some(path_bytes(&status_path)),
                            Some(entry.line),
                            format!(
                                "package {} appears twice; later stanza ignored",
                                ferret_core::escape::escape(&name)
                            ),
                        ));
                        continue;
                    }
                    let info_stem = db.info_stem(&entry);
                    db.packages.push(Package {
                        name,
                        info_stem,
                        md5sums_path: None,
                        md5sums: Vec::new(),
                        status: entry,
                    });
                }
                Err(e) => errors.push(record(&status_path, &e)),
            }
        }
        db.packages.sort_by(|a, b| a.name.cmp(&b.name));
        db.load_md5sums(root, &info_dir, errors);
        db.load_extras(root, admindir, errors);
        db
    }

    /// Finds the stem of a package's info files the way dpkg and debsums do: `name:arch` for
    /// Multi-Arch: same, else `name`, falling back to the other form.
    fn info_stem(&self, e: &StatusEntry) -> Option<Vec<u8>> {
        let with_arch = {
            let mut v = e.package.clone();
            v.push(b':');
            v.extend_from_slice(&e.architecture);
            v
        };
        let order: [&[u8]; 2] = if e.is_multi_arch_same() {
            [&with_arch, &e.package]
        } else {
            [&e.package, &with_arch]
        };
        for stem in order {
            for ext in [&b".list"[..], b".md5sums"] {
                let mut f = stem.to_vec();
                f.extend_from_slice(ext);
                if self.info_files.contains(&f) {
                    return Some(stem.to_vec());
                }
            }
        }
        None
    }

    fn load_md5sums(&mut self, root: &HostRoot, info_dir: &Path, errors: &mut Vec<ErrorRecord>) {
        let info_files = &self.info_files;
        let dir = root.open_dir(info_dir).ok();
        let dir = dir.as_ref();
        let load = |p: &mut Package| -> Vec<ErrorRecord> {
            let mut errs = Vec::new();
            let Some(stem) = &p.info_stem else {
                return errs;
            };
            let mut fname = stem.clone();
            fname.extend_from_slice(b".md5sums");
            if !info_files.contains(&fname) {
                return errs;
            }
            let path = join(info_dir, &fname);
            match read_info(root, dir, info_dir, &fname) {
                Ok(buf) => {
                    for r in parse::parse_md5sums(&buf) {
                        match r {
                            Ok(e) => p.md5sums.push(e),
                            Err(e) => errs.push(record(&path, &e)),
                        }
                    }
                    p.md5sums_path = Some(path);
                }
                Err(e) => errs.push(ErrorRecord::from(&e)),
            }
            errs
        };
        #[cfg(feature = "parallel")]
        let errs: Vec<ErrorRecord> = {
            use rayon::prelude::*;
            self.packages.par_iter_mut().flat_map_iter(load).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let errs: Vec<ErrorRecord> = self.packages.iter_mut().flat_map(load).collect();
        errors.extend(errs);
    }

    fn load_extras(&mut self, root: &HostRoot, admindir: &Path, errors: &mut Vec<ErrorRecord>) {
        let dpath = admindir.join("diversions");
        match root.read_optional(&dpath) {
            Ok(Some(buf)) => {
                for r in parse::parse_diversions(&buf) {
                    match r {
                        Ok(d) => self.diversions.push(d),
                        Err(e) => errors.push(record(&dpath, &e)),
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(ErrorRecord::from(&e)),
        }
        let spath = admindir.join("statoverride");
        match root.read_optional(&spath) {
            Ok(Some(buf)) => {
                for r in parse::parse_statoverride(&buf) {
                    match r {
                        Ok(s) => self.statoverrides.push(s),
                        Err(e) => errors.push(record(&spath, &e)),
                    }
                }
            }
            Ok(None) => {}
            Err(e) => errors.push(ErrorRecord::from(&e)),
        }
        // dpkg reads dpkg.cfg.d/* (names of [0-9a-zA-Z_-]) in order, then dpkg.cfg.
        let mut cfgs: Vec<PathBuf> = Vec::new();
        if let Ok(ents) = root.read_dir("/etc/dpkg/dpkg.cfg.d") {
            for e in ents {
                let n = e.name.as_bytes();
                if n.iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
                {
                    cfgs.push(Path::new("/etc/dpkg/dpkg.cfg.d").join(&e.name));
                }
            }
        }
        cfgs.push(PathBuf::from("/etc/dpkg/dpkg.cfg"));
        for c in cfgs {
            match root.read_optional(&c) {
                Ok(Some(buf)) => self.path_filters.extend(parse::parse_dpkg_cfg(&buf)),
                Ok(None) => {}
                Err(e) => errors.push(ErrorRecord::from(&e)),
            }
        }
    }

    /// Reads every `.list` file of the info directory into a path → owners map (owners are
    /// info-file stems such as `dash` or `libc6:amd64`).
    pub(crate) fn ownership(&self, root: &HostRoot, errors: &mut Vec<ErrorRecord>) -> Ownership {
        let info_dir = self.admindir.join("info");
        let mut stems: Vec<Vec<u8>> = self
            .info_files
            .iter()
            .filter_map(|f| f.strip_suffix(b".list").map(<[u8]>::to_vec))
            .collect();
        stems.sort();
        let dir = root.open_dir(&info_dir).ok();
        let dir = dir.as_ref();
        let load = |stem: &Vec<u8>| -> (Vec<Vec<u8>>, Vec<ErrorRecord>) {
            let mut f = stem.clone();
            f.extend_from_slice(b".list");
            let path = join(&info_dir, &f);
            let mut errs = Vec::new();
            let mut paths = Vec::new();
            match read_info(root, dir, &info_dir, &f) {
                Ok(buf) => {
                    for r in parse::parse_list(&buf) {
                        match r {
                            Ok(p) => paths.push(p.to_vec()),
                            Err(e) => errs.push(record(&path, &e)),
                        }
                    }
                }
                Err(e) => errs.push(ErrorRecord::from(&e)),
            }
            (paths, errs)
        };
        #[cfg(feature = "parallel")]
        let lists: Vec<(Vec<Vec<u8>>, Vec<ErrorRecord>)> = {
            use rayon::prelude::*;
            stems.par_iter().map(load).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let lists: Vec<(Vec<Vec<u8>>, Vec<ErrorRecord>)> = stems.iter().map(load).collect();
        let n: usize = lists.iter().map(|(p, _)| p.len()).sum();
        let mut map: foldhash::HashMap<Vec<u8>, Vec<u32>> =
            foldhash::HashMap::with_capacity_and_hasher(n, foldhash::fast::RandomState::default());
        for (i, (paths, errs)) in lists.into_iter().enumerate() {
            errors.extend(errs);
            for p in paths {
                let owners = map.entry(p).or_default();
                if owners.last() != Some(&(i as u32)) {
                    owners.push(i as u32);
                }
            }
        }
        Ownership { stems, map }
    }
}

/// Which packages' `.list` files name a path (what `dpkg -S` answers).
#[derive(Debug, Clone, Default)]
pub struct Ownership {
    stems: Vec<Vec<u8>>,
    map: foldhash::HashMap<Vec<u8>, Vec<u32>>,
}

impl Ownership {
    /// The info-file stems of the packages listing `path`.
    pub fn owners(&self, path: &[u8]) -> impl Iterator<Item = &[u8]> {
        self.map
            .get(path)
            .into_iter()
            .flatten()
            .filter_map(|i| self.stems.get(*i as usize).map(Vec::as_slice))
    }

    /// Whether any package lists `path`.
    pub fn is_owned(&self, path: &[u8]) -> bool {
        self.map.contains_key(path)
    }

    /// Number of distinct paths.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no path is listed.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The owners' stems and the path → owner-index map, for [`super::index`].
    #[allow(clippy::type_complexity)] // internal hand-over of the two fields
    pub(crate) fn into_parts(self) -> (Vec<Vec<u8>>, foldhash::HashMap<Vec<u8>, Vec<u32>>) {
        (self.stems, self.map)
    }
}
