//! Hashing one file soundly and comparing it with its recorded digest.

use super::parse::Digest;
use ferret_core::fs::{DirHandle, OpenOptions, SafeFile};
use ferret_core::{Control, Error, FileKind, HostRoot, Stat, Timestamp};
use md5::Digest as _;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Digests already computed in this run, by inode: hard links and paths listed by two
/// packages are read once. An entry counts only while size, mtime and ctime are unchanged.
#[derive(Debug, Default)]
pub(crate) struct InodeCache {
    map: Mutex<HashMap<InodeKey, (Digest, bool)>>,
}

/// dev, ino, size, mtime, ctime, and whether the digest is MD5.
type InodeKey = (u64, u64, u64, Timestamp, Timestamp, bool);

fn inode_key(st: &Stat, algo: Digest) -> InodeKey {
    (
        st.dev,
        st.ino,
        st.size,
        st.mtime,
        st.ctime,
        matches!(algo, Digest::Md5(_)),
    )
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
    /// Something other than a regular file.
    NotRegular { kind: FileKind },
    /// Could not be read.
    Failed(Error),
}

fn hash_file(
    f: &mut SafeFile,
    algo: Digest,
    buf: &mut [u8],
    control: &Control,
) -> Result<(Digest, bool), Error> {
    enum H {
        Md5(md5::Md5),
        Sha(sha2::Sha256),
    }
    let mut h = match algo {
        Digest::Md5(_) => H::Md5(md5::Md5::new()),
        Digest::Sha256(_) => H::Sha(sha2::Sha256::new()),
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
            H::Sha(h) => h.update(chunk),
        }
    }
    f.check_unchanged()?;
    let d = match h {
        H::Md5(h) => Digest::Md5(h.finalize().into()),
        H::Sha(h) => Digest::Sha256(h.finalize().into()),
    };
    Ok((d, elf))
}

/// Per-run state shared by the workers.
pub(crate) struct Env<'a> {
    pub root: &'a HostRoot,
    pub control: &'a Control,
    pub cache: &'a InodeCache,
}

fn observe_open(
    env: &Env<'_>,
    opened: Result<SafeFile, Error>,
    algo: Digest,
    buf: &mut [u8],
    via_link: Option<Vec<u8>>,
) -> Result<Observed, Error> {
    match opened {
        Ok(mut f) => {
            let stat = *f.stat();
            let (actual, elf) = if let Some(hit) = env.cache.get(&stat, algo) {
                hit
            } else {
                let (d, elf) = hash_file(&mut f, algo, buf, env.control)?;
                env.cache.put(&stat, algo, d, elf);
                (d, elf)
            };
            Ok(Observed::Hashed {
                actual,
                elf,
                stat,
                via_link,
            })
        }
        Err(e) if e.is_not_found() => Ok(Observed::Missing { via_link }),
        Err(e) => Err(e),
    }
}

/// Hashes `name` in the (already resolved) directory `dir`, following a symlink at the last
/// component inside the root (as debsums does), never on the host.
pub(crate) fn observe(
    env: &Env<'_>,
    dir: &DirHandle,
    name: &[u8],
    algo: Digest,
    buf: &mut [u8],
) -> Observed {
    let opts = OpenOptions::new();
    let res = match dir.open_file_at(OsStr::from_bytes(name), &opts) {
        Err(Error::Symlink { .. }) => follow(env, dir.path(), name, algo, buf),
        Err(Error::WrongKind { kind, .. }) => return Observed::NotRegular { kind },
        other => observe_open(env, other, algo, buf, None),
    };
    res.unwrap_or_else(Observed::Failed)
}

fn follow(
    env: &Env<'_>,
    parent: &Path,
    name: &[u8],
    algo: Digest,
    buf: &mut [u8],
) -> Result<Observed, Error> {
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
            Err(Error::WrongKind { kind, .. }) => return Ok(Observed::NotRegular { kind }),
            other => return observe_open(env, other, algo, buf, Some(chain)),
        }
    }
    Err(Error::SymlinkLoop { path: cur })
}
