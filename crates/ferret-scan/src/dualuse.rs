//! Renamed copies of packaged dual-use programs: the installed `curl`, `wget`, netcat,
//! `socat`, `busybox`, `nmap`, `masscan` and `chattr` are hashed once, and only files of the
//! same size elsewhere are hashed and compared, so the check stays cheap.

use ferret_baseline::pkg::PackageIndex;
use ferret_core::{ErrorRecord, HostRoot};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The programs whose renamed copies are looked for.
pub(crate) const NAMES: &[&str] = &[
    "curl",
    "wget",
    "nc",
    "nc.openbsd",
    "nc.traditional",
    "ncat",
    "netcat",
    "socat",
    "busybox",
    "nmap",
    "masscan",
    "chattr",
];

const BIN_DIRS: &[&str] = &["/usr/bin", "/usr/sbin", "/bin", "/sbin"];

/// One installed program.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub name: &'static str,
    pub path: Vec<u8>,
    pub package: Option<Vec<u8>>,
    pub sha256: [u8; 32],
}

/// The installed programs by size.
#[derive(Debug, Clone, Default)]
pub(crate) struct DualUse {
    by_size: HashMap<u64, Vec<Reference>>,
}

/// SHA-256 of a reader, reading at most `cap` bytes (`None` when there were more).
pub(crate) fn sha256_capped(
    r: &mut dyn Read,
    cap: u64,
) -> std::io::Result<Option<([u8; 32], u64)>> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut n = 0u64;
    loop {
        let k = r.read(&mut buf)?;
        if k == 0 {
            break;
        }
        n += k as u64;
        if n > cap {
            return Ok(None);
        }
        h.update(buf.get(..k).unwrap_or_default());
    }
    Ok(Some((h.finalize().into(), n)))
}

impl DualUse {
    /// Hashes the installed programs. With a package index, only files a package owns count
    /// (an unowned `curl` is no reference); without one, any regular file in a system binary
    /// directory does.
    pub(crate) fn load(
        root: &HostRoot,
        index: Option<&PackageIndex>,
        cap: u64,
        errors: &mut Vec<ErrorRecord>,
    ) -> DualUse {
        let mut d = DualUse::default();
        let mut seen: Vec<(u64, u64)> = Vec::new();
        for name in NAMES {
            for dir in BIN_DIRS {
                let p = Path::new(dir).join(name);
                let pb = p.as_os_str().as_bytes();
                let Ok(st) = root.lstat(&p) else { continue };
                if st.kind != ferret_core::FileKind::Regular || st.size == 0 {
                    continue;
                }
                if seen.contains(&(st.dev, st.ino)) {
                    continue;
                }
                let package = match index {
                    Some(i) => match i.owners(pb).next() {
                        Some(p) => Some(p.to_vec()),
                        None => continue,
                    },
                    None => None,
                };
                let opened = root.open_file(&p, &ferret_core::OpenOptions::new().max_size(cap));
                let digest = opened.map_err(|e| ErrorRecord::from(&e)).and_then(|mut f| {
                    sha256_capped(&mut f, cap).map_err(|e| ErrorRecord::from_error(Some(pb), &e))
                });
                match digest {
                    Ok(Some((sha256, n))) => {
                        seen.push((st.dev, st.ino));
                        d.by_size.entry(n).or_default().push(Reference {
                            name,
                            path: pb.to_vec(),
                            package,
                            sha256,
                        });
                    }
                    Ok(None) => {}
                    Err(e) => errors.push(e),
                }
            }
        }
        d
    }

    /// Whether a file of this size could be a copy.
    pub(crate) fn candidate_size(&self, size: u64) -> bool {
        self.by_size.contains_key(&size)
    }

    /// The reference a file of `size` and digest `sha256` is a copy of.
    pub(crate) fn matching(&self, size: u64, sha256: &[u8; 32]) -> Option<&Reference> {
        self.by_size
            .get(&size)?
            .iter()
            .find(|r| &r.sha256 == sha256)
    }

    /// The references, for reports.
    pub(crate) fn len(&self) -> usize {
        self.by_size.values().map(Vec::len).sum()
    }
}
