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

/// What is read at most of a persistence file over [`CONFIG_CAP`] (256 MiB), line by line.
pub(crate) const LARGE_CAP: u64 = 256 << 20;
/// Lines of an oversized file longer than this are padding: dropped (kept as empty lines, so
/// that line numbers stay right).
pub(crate) const LARGE_LINE: usize = 64 << 10;
/// Bytes of meaningful lines kept of an oversized file at most.
pub(crate) const LARGE_KEEP: usize = 16 << 20;

/// A file read past [`CONFIG_CAP`] by [`read_config_streamed`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Large {
    /// Its size at open.
    pub size: u64,
    /// Bytes read (less than `size` when a cap, the budget or an error stopped the read).
    pub read: u64,
}

/// [`read_config`] for persistence files, which an attacker may pad past the cap to hide a
/// line: a file over [`CONFIG_CAP`] is streamed line by line (up to [`LARGE_CAP`] bytes, the
/// I/O and time budget of `control` charged per MiB), blank, comment and overlong lines
/// replaced by empty ones, and returned with its [`Large`] facts for a finding.
pub(crate) fn read_config_streamed(
    root: &HostRoot,
    p: &Path,
    out: &mut Outcome,
    control: &Control,
) -> Option<(Vec<u8>, Option<Large>)> {
    use std::io::{BufRead, Read};
    let f = match root.open_file(p, &ferret_core::OpenOptions::new()) {
        Ok(f) => f,
        Err(e) if e.is_not_found() => return None,
        Err(e) => {
            out.errors.push(skipped(&e));
            return None;
        }
    };
    let size = f.stat().size;
    if size <= CONFIG_CAP {
        let mut f = f;
        return match f.read_capped(CONFIG_CAP) {
            Ok(v) => Some((v, None)),
            Err(e) => {
                out.errors.push(skipped(&e));
                None
            }
        };
    }
    let mut r = std::io::BufReader::with_capacity(1 << 16, f.take(LARGE_CAP));
    let mut kept: Vec<u8> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let mut overlong = false;
    let (mut read, mut charged) = (0u64, 0u64);
    let end = |kept: &mut Vec<u8>, line: &mut Vec<u8>, overlong: &mut bool| {
        let t = line.trim_ascii_start();
        if *overlong || t.is_empty() || t.starts_with(b"#") {
            kept.push(b'\n');
        } else {
            kept.extend_from_slice(line);
            if !line.ends_with(b"\n") {
                kept.push(b'\n');
            }
        }
        line.clear();
        *overlong = false;
    };
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) => {
                out.errors.push(ErrorRecord::new(
                    Some(pb(p)),
                    None,
                    format!("read stopped after {read} bytes: {e}"),
                ));
                break;
            }
        };
        if buf.is_empty() {
            if !line.is_empty() || overlong {
                end(&mut kept, &mut line, &mut overlong);
            }
            break;
        }
        let (n, nl) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !overlong {
            let chunk = buf.get(..n).unwrap_or_default();
            if line.len() + chunk.len() > LARGE_LINE {
                overlong = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        r.consume(n);
        read += n as u64;
        charged += n as u64;
        if nl {
            end(&mut kept, &mut line, &mut overlong);
        }
        if charged >= 1 << 20 {
            if !control.charge(charged) {
                out.errors.push(ErrorRecord::new(
                    Some(pb(p)),
                    None,
                    format!(
                        "read cut short after {read} of {size} bytes (cancelled or out of time)"
                    ),
                ));
                break;
            }
            charged = 0;
        }
        if kept.len() > LARGE_KEEP {
            out.errors.push(ErrorRecord::new(
                Some(pb(p)),
                None,
                format!("read stopped after {read} of {size} bytes: over {LARGE_KEEP} bytes of lines kept"),
            ));
            break;
        }
    }
    Some((kept, Some(Large { size, read })))
}

/// A `security.capability` attribute no revision of `vfs_cap_data` describes (a crafted or
/// damaged image): reported, not taken for "no capability".
pub(crate) fn malformed_capability(path: &[u8], raw: &[u8]) -> ErrorRecord {
    ErrorRecord::new(
        Some(path),
        None,
        format!(
            "security.capability not decodable ({} bytes, revision byte {:#04x}): capabilities unknown",
            raw.len(),
            raw.get(3).copied().unwrap_or(0)
        ),
    )
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
