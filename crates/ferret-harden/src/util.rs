//! Small shared helpers: reading configuration files into an [`Outcome`] with errors recorded.

use ferret_core::{ErrorRecord, HostRoot, Outcome};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Cap for configuration files (crontabs, units, profiles).
pub(crate) const CONFIG_CAP: u64 = 4 << 20;

/// Reads a configuration file; a missing file is `None` silently, anything else unreadable
/// (FIFO, socket, device, symlink, too large, permission) is recorded as an error and `None`.
pub(crate) fn read_config(root: &HostRoot, p: &Path, out: &mut Outcome) -> Option<Vec<u8>> {
    match root.read_capped(p, CONFIG_CAP) {
        Ok(v) => Some(v),
        Err(e) if e.is_not_found() => None,
        Err(e) => {
            out.errors.push(skipped(&e));
            None
        }
    }
}

/// An error record that says the file was skipped.
pub(crate) fn skipped(e: &ferret_core::Error) -> ErrorRecord {
    let mut r = ErrorRecord::from(e);
    r.message = format!("skipped: {}", r.message);
    r
}

/// Lists the regular files (and reports the special files) of a directory, sorted. A missing
/// directory is empty; symlinks are returned too (the open refuses to follow them and reports it).
pub(crate) fn list_dir(root: &HostRoot, dir: &str, out: &mut Outcome) -> Vec<PathBuf> {
    match root.read_dir(dir) {
        Ok(entries) => entries
            .into_iter()
            .map(|e| Path::new(dir).join(e.name))
            .collect(),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => {
            out.errors.push(skipped(&e));
            Vec::new()
        }
    }
}

/// Path bytes.
pub(crate) fn pb(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}
