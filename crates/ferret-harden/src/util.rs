//! Small shared helpers: reading configuration files into an [`Outcome`] with errors recorded.

use ferret_core::{Control, ErrorRecord, HostRoot, Outcome};
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

/// The error record of a cancelled operation.
pub(crate) fn cancelled_record() -> ErrorRecord {
    ErrorRecord::from(&ferret_core::Error::Cancelled)
}

/// When `control` is cancelled, records it in `out` (once) and returns true.
pub(crate) fn cancelled(control: &Control, out: &mut Outcome) -> bool {
    if !control.is_cancelled() {
        return false;
    }
    let r = cancelled_record();
    if !out.errors.contains(&r) {
        out.errors.push(r);
    }
    true
}

/// An error about one line of a file (through [`crate::Error::Parse`]).
pub(crate) fn line_error(path: &[u8], line: u64, message: impl Into<String>) -> ErrorRecord {
    use std::os::unix::ffi::OsStrExt;
    ErrorRecord::from(&crate::Error::Parse {
        path: Path::new(std::ffi::OsStr::from_bytes(path)).to_path_buf(),
        line,
        message: message.into(),
    })
}

/// serde: an optional list of byte strings as escaped strings (or `null`).
#[cfg(feature = "serde")]
#[allow(clippy::ref_option)] // serde's `serialize_with` passes `&Option<T>`.
pub(crate) fn ser_opt_list<S: serde::Serializer>(
    v: &Option<Vec<Vec<u8>>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(list) => ferret_core::escaped::list::serialize(list, s),
        None => s.serialize_none(),
    }
}

/// serde: a shared path as an escaped string.
#[cfg(feature = "serde")]
pub(crate) fn ser_shared_path<S: serde::Serializer>(
    v: &std::sync::Arc<PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    ferret_core::escaped::path::serialize(v.as_path(), s)
}
