//! Hashing one file soundly and comparing it with its recorded digest.

use super::parse::Digest;
use ferret_core::fs::{DirHandle, Expected, OpenOptions, SafeFile};
use ferret_core::{Control, Error, FileKind, HostRoot, Stat, Timestamp};
use md5::Digest as _;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Digests already computed in this run, by inode: hard links and paths listed by two
/// packages are read once. An entry counts only while size, mtime and ctime are unchanged.
#[derive(Debug, Default)]
pub(crate) struct InodeCache {
    map: Mutex<foldhash::HashMap<InodeKey, (Digest, bool)>>,
}

/// dev, ino, size, mtime, ctime, and the digest algorithm.
pub(crate) type InodeKey = (u64, u64, u64, Timestamp, Timestamp, u8);

pub(crate) fn inode_key(st: &Stat, algo: Digest) -> InodeKey {
    (st.dev, st.ino, st.size, st.mtime, st.ctime, algo.algo_id())
}

impl InodeCache {
    fn get(&self, st: &Stat, algo: Digest) -> Option<(Digest, bool)> {
        let m = self.map.lock().ok()?;
        m.get(&inode_key(st, algo)).copied()
    }

    fn put(&self, st: &Stat, algo: Digest, d: Digest, elf: bool) {
        if let Ok(mut m) = self.map.lock() {
            m.insert(inode_key(st, algo), (d, elf));
        }
    }
}

/// How many symbolic links a listed path may go through at its last component.
const MAX_FINAL_LINKS: usize = 8;

/// What was found at a listed path.
#[derive(Debug)]
pub(crate) enum Observed {
    /// Hashed: the digest of the content, whether it starts with the ELF magic, its stat.
    Hashed {
        actual: Digest,
        elf: bool,
        stat: Stat,
        /// The symlink chain followed at the last component, when there was one.
        via_link: Option<Vec<u8>>,
    },
    /// Nothing there (or a parent directory is missing).
    Missing { via_link: Option<Vec<u8>> },
    /// Something other than a regular file (a path looked up following a final symlink).
    NotRegular { kind: FileKind },
    /// A path looked up without following a final symlink ([`Lookup::NoFollow`]) that was not
    /// hashed: not a regular file, no digest asked for, or unreadable (`read_error`).
    Present {
        /// `lstat` of the path.
        stat: Stat,
        /// The target, when it is a symbolic link.
        link: Option<Vec<u8>>,
        /// Why the content could not be read, when it was to be hashed.
        read_error: Option<Error>,
    },
    /// A regular file whose size differs from the recorded one ([`super::batch::Job::size`]):
    /// not hashed, its digest cannot match.
    Resized {
        /// `lstat` of the path.
        stat: Stat,
        /// Whether it starts with the ELF magic.
        elf: bool,
    },
    /// Could not be read.
    Failed(Error),
}

/// How a listed path is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A symbolic link at the last component is followed inside the root (debsums).
    Follow,
    /// The path itself is examined (`lstat`, like `rpm -V`); only a regular file is hashed.
    NoFollow,
}

fn hash_file(
    f: &mut SafeFile,
    algo: Digest,
    buf: &mut [u8],
    control: &Control,
) -> Result<(Digest, bool), Error> {
    enum H {
        Md5(md5::Md5),
        S224(sha2::Sha224),
        S256(sha2::Sha256),
        S384(sha2::Sha384),
        S512(sha2::Sha512),
    }
    let mut h = match algo {
        Digest::Md5(_) => H::Md5(md5::Md5::new()),
        Digest::Sha224(_) => H::S224(sha2::Sha224::new()),
        Digest::Sha256(_) => H::S256(sha2::Sha256::new()),
        Digest::Sha384(_) => H::S384(sha2::Sha384::new()),
        Digest::Sha512(_) => H::S512(sha2::Sha512::new()),
    };
    let mut first = true;
    let mut elf = false;
    loop {
        let n = match f.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(f.path(), e)),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        if first {
            elf = chunk.starts_with(b"\x7fELF");
            first = false;
        }
        if !control.charge(n as u64) {
            return Err(Error::Cancelled);
        }
        match &mut h {
            H::Md5(h) => h.update(chunk),
            H::S224(h) => h.update(chunk),
            H::S256(h) => h.update(chunk),
            H::S384(h) => h.update(chunk),
            H::S512(h) => h.update(chunk),
        }
    }
    f.check_unchanged()?;
    let d = match h {
        H::Md5(h) => Digest::Md5(h.finalize().into()),
        H::S224(h) => Digest::Sha224(h.finalize().into()),
        H::S256(h) => Digest::Sha256(h.finalize().into()),
        H::S384(h) => Digest::Sha384(h.finalize().into()),
        H::S512(h) => Digest::Sha512(h.finalize().into()),
    };
    Ok((d, elf))
}

/// Per-run state shared by the workers.
pub(crate) struct Env<'a> {
    pub root: &'a HostRoot,
    pub control: &'a Control,
    pub cache: &'a InodeCache,
    /// `security.capability` attributes found on the files of jobs that asked for them
    /// ([`super::batch::Job::caps`]), by job index; most files have none and are not here.
    pub caps: &'a Mutex<foldhash::HashMap<usize, Vec<u8>>>,
}

impl Env<'_> {
    /// Records the `security.capability` attribute of job `idx`'s open file, if it has one.
    /// An attribute that cannot be read counts as none, as for `rpm -V` (libcap's
    /// `cap_get_file` failing).
    pub(crate) fn read_caps(&self, idx: usize, f: &SafeFile) {
        #[cfg(feature = "xattr")]
        if let Ok(Some(v)) = f.xattr("security.capability") {
            if let Ok(mut m) = self.caps.lock() {
                m.insert(idx, v);
            }
        }
        // Without extended attributes no file has capabilities: the map stays empty.
        #[cfg(not(feature = "xattr"))]
        let _ = (self.caps, idx, f);
    }
}

/// A listed path after opening: a regular file to hash, or already an answer.
pub(crate) enum Opened {
    /// The file, and the symlink chain followed at its last component (if any).
    File(SafeFile, Option<Vec<u8>>),
    /// Missing, not a regular file, or unreadable.
    Done(Observed),
}

/// Opens `name` in the (already resolved) directory `dir`, following a symlink at the last
/// component inside the root (as debsums does), never on the host.
pub(crate) fn open_listed(env: &Env<'_>, dir: &DirHandle, name: &[u8]) -> Opened {
    let opts = OpenOptions::new();
    let res = match dir.open_file_at(OsStr::from_bytes(name), &opts) {
        Err(Error::Symlink { .. }) => follow(env, dir.path(), name),
        Err(Error::WrongKind { kind, .. }) => return Opened::Done(Observed::NotRegular { kind }),
        other => opened(other, None),
    };
    res.unwrap_or_else(|e| Opened::Done(Observed::Failed(e)))
}

/// Looks `name` up in `dir` without following a final symbolic link, as `rpm -V` does: a
/// regular file is opened (when `open` asks for its content or attributes) with the `lstat`
/// just taken as the expectation; anything else is answered from that `lstat` (and the link
/// target, for a symbolic link).
pub(crate) fn open_nofollow(dir: &DirHandle, name: &[u8], open: bool) -> Opened {
    let name = OsStr::from_bytes(name);
    let stat = match dir.stat_at(name) {
        Ok(s) => s,
        Err(e) if e.is_not_found() => return Opened::Done(Observed::Missing { via_link: None }),
        Err(e) => return Opened::Done(Observed::Failed(e)),
    };
    match stat.kind {
        FileKind::Regular if open => {
            let opts = OpenOptions::new();
            match dir.open_file_expecting(name, Expected::Same(&stat), &opts) {
                Ok(f) => Opened::File(f, None),
                Err(e) if e.is_not_found() => Opened::Done(Observed::Missing { via_link: None }),
                Err(e) => Opened::Done(Observed::Present {
                    stat,
                    link: None,
                    read_error: Some(e),
                }),
            }
        }
        FileKind::Symlink => Opened::Done(Observed::Present {
            stat,
            // An unreadable link is `?` in rpm's `L` column: no target here.
            link: dir.read_link_at(name).ok(),
            read_error: None,
        }),
        _ => Opened::Done(Observed::Present {
            stat,
            link: None,
            read_error: None,
        }),
    }
}

fn opened(res: Result<SafeFile, Error>, via_link: Option<Vec<u8>>) -> Result<Opened, Error> {
    match res {
        Ok(f) => Ok(Opened::File(f, via_link)),
        Err(e) if e.is_not_found() => Ok(Opened::Done(Observed::Missing { via_link })),
        Err(e) => Err(e),
    }
}

/// A digest this run already computed for the file's inode (hard links, aliases).
pub(crate) fn cached(env: &Env<'_>, f: &SafeFile, algo: Digest) -> Option<(Digest, bool)> {
    env.cache.get(f.stat(), algo)
}

/// Hashes an opened file in one stream (`md-5` or SHA-256) and records it in the cache.
pub(crate) fn hash_opened(
    env: &Env<'_>,
    mut f: SafeFile,
    via_link: Option<Vec<u8>>,
    algo: Digest,
    buf: &mut [u8],
) -> Observed {
    let stat = *f.stat();
    let (actual, elf) = if let Some(hit) = env.cache.get(&stat, algo) {
        hit
    } else {
        match hash_file(&mut f, algo, buf, env.control) {
            Ok((d, elf)) => {
                env.cache.put(&stat, algo, d, elf);
                (d, elf)
            }
            Err(e) => return Observed::Failed(e),
        }
    };
    Observed::Hashed {
        actual,
        elf,
        stat,
        via_link,
    }
}

/// Records a digest computed elsewhere (the multi-buffer paths).
pub(crate) fn remember(env: &Env<'_>, stat: &Stat, algo: Digest, d: Digest, elf: bool) {
    env.cache.put(stat, algo, d, elf);
}

/// Re-reads an opened file from its start with the portable `md-5` (to confirm a mismatch
/// found by the multi-buffer path), then checks it did not change.
pub(crate) fn rehash_portable(
    f: &mut SafeFile,
    buf: &mut [u8],
    control: &Control,
) -> Result<[u8; 16], Error> {
    use std::io::{Seek, SeekFrom};
    f.file()
        .seek(SeekFrom::Start(0))
        .map_err(|e| Error::io(f.path(), e))?;
    match hash_file(f, Digest::Md5([0; 16]), buf, control)? {
        (Digest::Md5(d), _) => Ok(d),
        _ => Err(Error::io(
            f.path(),
            std::io::Error::other("internal: wrong digest kind"),
        )),
    }
}

fn follow(env: &Env<'_>, parent: &Path, name: &[u8]) -> Result<Opened, Error> {
    let root = env.root;
    let mut cur: PathBuf = parent.join(OsStr::from_bytes(name));
    let mut chain: Vec<u8> = Vec::new();
    for _ in 0..MAX_FINAL_LINKS {
        let target = root.read_link(&cur)?;
        if !chain.is_empty() {
            chain.extend_from_slice(b" -> ");
        }
        chain.extend_from_slice(&target);
        let t = Path::new(OsStr::from_bytes(&target));
        let next = if t.is_absolute() {
            t.to_path_buf()
        } else {
            cur.parent().unwrap_or(Path::new("/")).join(t)
        };
        let next = HostRoot::inner(next);
        match root.open_file(&next, &OpenOptions::new()) {
            Err(Error::Symlink { .. }) => {
                cur = next;
            }
            Err(Error::WrongKind { kind, .. }) => {
                return Ok(Opened::Done(Observed::NotRegular { kind }))
            }
            other => return opened(other, Some(chain)),
        }
    }
    Err(Error::SymlinkLoop { path: cur })
}
