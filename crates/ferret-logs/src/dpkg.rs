//! The package manager's own log: `/var/log/dpkg.log` and its rotations (`dpkg.log.1`,
//! `dpkg.log.2.gz`, ...), read for what was installed, upgraded, removed or purged, and when.
//!
//! A line is `YYYY-MM-DD HH:MM:SS ACTION PACKAGE OLD-VERSION NEW-VERSION` in the host's local
//! time (read in the root's zone, as zone-less syslog times are); `status`, `configure`,
//! `trigproc`, `startup` and `conffile` lines are bookkeeping and skipped. A line that starts
//! like an action line but does not parse is an error with its file and line, beside the rest.
//!
//! ```
//! use ferret_logs::dpkg::{parse, PackageHistory};
//! use ferret_logs::YearContext;
//! let log = b"2024-05-01 10:00:01 install netcat-openbsd:amd64 <none> 1.219-1\n\
//!             2024-05-01 10:00:01 status half-installed netcat-openbsd:amd64 1.219-1\n";
//! let mut h = PackageHistory::default();
//! parse(&log[..], b"/var/log/dpkg.log", &YearContext::default(), 100, &mut h).unwrap();
//! assert_eq!(h.changes.len(), 1);
//! assert_eq!(h.changes[0].action, "install");
//! assert_eq!(h.changes[0].package, "netcat-openbsd:amd64");
//! assert_eq!(h.changes[0].new_version.as_deref(), Some("1.219-1"));
//! assert_eq!(h.changes[0].time.to_string(), "2024-05-01T10:00:01Z");
//! ```

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use ferret_core::escape::escape;
use ferret_core::{Control, ErrorRecord, HostRoot, OpenOptions};

use crate::time::{root_time_zone, LogTime, TimeZoneOption, YearContext};

/// The dpkg log of a root, oldest rotation first.
pub const DPKG_LOG: &str = "/var/log/dpkg.log";

/// Options of [`history_root`]: plain fields on a `Default` value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HistoryOptions {
    /// The zone of the log's local times: the root's by default.
    pub time_zone: TimeZoneOption,
    /// At most this many changes are kept (earliest first); the rest are counted.
    pub max_changes: usize,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            time_zone: TimeZoneOption::Root,
            max_changes: 100_000,
        }
    }
}

/// One package change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct PackageChange {
    /// When (UTC).
    pub time: LogTime,
    /// `install`, `upgrade`, `remove` or `purge`.
    pub action: String,
    /// `name:arch` (escaped).
    pub package: String,
    /// The version before (`None` for `<none>`).
    pub old_version: Option<String>,
    /// The version after (`None` for `<none>`).
    pub new_version: Option<String>,
    /// The log file (escaped).
    pub path: String,
    /// 1-based line.
    pub line: u64,
}

/// What the dpkg logs said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct PackageHistory {
    /// The changes, in file order (oldest rotation first).
    pub changes: Vec<PackageChange>,
    /// Changes past the cap, not kept.
    pub dropped: u64,
    /// The files read (escaped); empty when the root has no dpkg log.
    pub files: Vec<String>,
    /// Files that could not be read and lines that could not be parsed.
    pub errors: Vec<ErrorRecord>,
}

const ACTIONS: [&str; 4] = ["install", "upgrade", "remove", "purge"];

fn version(b: &[u8]) -> Option<String> {
    (b != b"<none>").then(|| escape(b))
}

/// Reads the changes of one dpkg log (`path` names it in the results) into `out`, keeping at
/// most `max` in all. Times are local to `years`' zone (UTC without one).
pub fn parse<R: Read>(
    reader: R,
    path: &[u8],
    years: &YearContext,
    max: usize,
    out: &mut PackageHistory,
) -> std::io::Result<()> {
    let mut r = BufReader::with_capacity(1 << 16, reader);
    let mut buf = Vec::new();
    let mut line = 0u64;
    let shown = escape(path);
    loop {
        buf.clear();
        // Lines are capped: a line of megabytes is not a dpkg line.
        let n = (&mut r).take(64 * 1024).read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(());
        }
        if buf.last() != Some(&b'\n') && n == 64 * 1024 {
            r.skip_until(b'\n')?;
        }
        line += 1;
        let l = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let mut f = l.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let (Some(date), Some(clock), Some(action)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let Some(action) = ACTIONS
            .iter()
            .find(|a| a.as_bytes() == action)
            .map(|a| (*a).to_owned())
        else {
            continue;
        };
        let time =
            civil(date, clock).map(|(y, mo, d, h, mi, s)| years.local(y, mo, d, h, mi, s, 0));
        let (Some(time), Some(pkg), Some(old), Some(new)) = (time, f.next(), f.next(), f.next())
        else {
            out.errors.push(ErrorRecord::new(
                Some(path),
                Some(line),
                format!(
                    "not a dpkg {action} line: {}",
                    escape(l.get(..200).unwrap_or(l))
                ),
            ));
            continue;
        };
        if out.changes.len() >= max {
            out.dropped += 1;
            continue;
        }
        out.changes.push(PackageChange {
            time,
            action,
            package: escape(pkg),
            old_version: version(old),
            new_version: version(new),
            path: shown.clone(),
            line,
        });
    }
}

/// `YYYY-MM-DD` and `HH:MM:SS`, checked.
fn civil(date: &[u8], clock: &[u8]) -> Option<(i64, u32, u32, u32, u32, u32)> {
    let num = |b: &[u8]| -> Option<u32> {
        (!b.is_empty() && b.len() <= 4 && b.iter().all(u8::is_ascii_digit))
            .then(|| b.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let mut d = date.split(|&b| b == b'-');
    let mut c = clock.split(|&b| b == b':');
    let (y, mo, dd) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let (h, mi, s) = (num(c.next()?)?, num(c.next()?)?, num(c.next()?)?);
    let ok = d.next().is_none()
        && c.next().is_none()
        && (1..=12).contains(&mo)
        && (1..=31).contains(&dd)
        && h < 24
        && mi < 60
        && s < 61;
    ok.then_some((i64::from(y), mo, dd, h, mi, s))
}

/// The package history of a root: [`DPKG_LOG`] and its rotations, oldest first (`.gz`
/// decompressed with the `gzip` feature). A root without a dpkg log has an empty history and
/// no error.
pub fn history_root(root: &HostRoot, opts: &HistoryOptions, control: &Control) -> PackageHistory {
    use std::os::unix::ffi::OsStrExt;
    let mut out = PackageHistory::default();
    let base = Path::new(DPKG_LOG);
    let mut paths = crate::analyze::rotations(root, base);
    if root.lstat(base).is_ok() {
        paths.push(base.to_path_buf());
    }
    let zone = match &opts.time_zone {
        TimeZoneOption::Utc => None,
        TimeZoneOption::Zone(z) => Some(z.clone()),
        TimeZoneOption::Root => match root_time_zone(root) {
            Ok(z) => z.map(|(z, _)| z),
            Err(e) => {
                out.errors.push(e.record());
                None
            }
        },
    };
    let years = zone.map_or_else(YearContext::default, |z| {
        YearContext::default().with_zone(z)
    });
    for p in paths {
        if control.is_cancelled() {
            out.errors.push(ErrorRecord::new(None, None, "cancelled"));
            break;
        }
        let pb = p.as_os_str().as_bytes();
        let file = match root.open_file(&p, &OpenOptions::new()) {
            Ok(f) => f,
            Err(e) => {
                out.errors.push(ErrorRecord::from(&e));
                continue;
            }
        };
        out.files.push(escape(pb));
        let r = if p.extension().is_some_and(|e| e == "gz") {
            gz(file, pb, &years, opts.max_changes, &mut out)
        } else {
            parse(file, pb, &years, opts.max_changes, &mut out)
        };
        if let Err(e) = r {
            out.errors
                .push(ErrorRecord::new(Some(pb), None, e.to_string()));
        }
    }
    out
}

#[cfg(feature = "gzip")]
fn gz<R: Read>(
    r: R,
    path: &[u8],
    years: &YearContext,
    max: usize,
    out: &mut PackageHistory,
) -> std::io::Result<()> {
    parse(flate2::read::MultiGzDecoder::new(r), path, years, max, out)
}

#[cfg(not(feature = "gzip"))]
fn gz<R: Read>(
    _r: R,
    _path: &[u8],
    _years: &YearContext,
    _max: usize,
    _out: &mut PackageHistory,
) -> std::io::Result<()> {
    Err(std::io::Error::other(
        "gzip support not compiled in (feature `gzip`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_versions_and_bad_lines() {
        let log = b"2024-05-01 10:00:00 startup archives unpack\n\
            2024-05-01 10:00:01 install nc:amd64 <none> 1.2\n\
            2024-05-01 10:00:02 upgrade libc6:amd64 2.36-9 2.36-9+deb12u4\n\
            2024-05-01 10:00:03 configure nc:amd64 1.2 <none>\n\
            2024-05-01 25:00:03 remove nc:amd64 1.2 <none>\n\
            2024-05-01 10:00:04 purge nc:amd64\n\
            2024-05-01 10:00:05 remove nc\xff:amd64 1.2 <none>\n";
        let mut h = PackageHistory::default();
        parse(&log[..], b"dpkg.log", &YearContext::default(), 10, &mut h).unwrap();
        let got: Vec<(&str, &str, Option<&str>, Option<&str>, u64)> = h
            .changes
            .iter()
            .map(|c| {
                (
                    c.action.as_str(),
                    c.package.as_str(),
                    c.old_version.as_deref(),
                    c.new_version.as_deref(),
                    c.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("install", "nc:amd64", None, Some("1.2"), 2),
                (
                    "upgrade",
                    "libc6:amd64",
                    Some("2.36-9"),
                    Some("2.36-9+deb12u4"),
                    3
                ),
                ("remove", "nc\\xff:amd64", Some("1.2"), None, 7),
            ]
        );
        let lines: Vec<Option<u64>> = h.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(5), Some(6)]);
        // The cap keeps the earliest and counts the rest.
        let mut h = PackageHistory::default();
        parse(&log[..], b"dpkg.log", &YearContext::default(), 1, &mut h).unwrap();
        assert_eq!((h.changes.len(), h.dropped), (1, 2));
    }
}
