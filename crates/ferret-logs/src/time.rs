//! Timestamps: a UTC instant in microseconds, civil-date arithmetic, and the timestamp grammars
//! found in syslog envelopes (RFC 3164 `Mmm dd HH:MM:SS`, RFC 3339 / ISO 8601, epoch seconds).

use std::fmt;

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use ferret_core::{FileKind, HostRoot};
use jiff::tz::TimeZone;

use crate::bytes::word;
use crate::Error;

/// A UTC instant, microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogTime(pub i64);

#[cfg(feature = "serde")]
impl serde::Serialize for LogTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

const MICROS: i64 = 1_000_000;

impl LogTime {
    /// From seconds since the epoch.
    pub fn from_secs(secs: i64) -> Self {
        LogTime(secs.saturating_mul(MICROS))
    }

    /// Whole seconds since the epoch (floor).
    pub fn secs(self) -> i64 {
        self.0.div_euclid(MICROS)
    }

    /// Sub-second microseconds.
    pub fn micros(self) -> u32 {
        self.0.rem_euclid(MICROS) as u32
    }

    /// From a civil UTC date and time (no validation beyond arithmetic; dates past the range
    /// of the type saturate at its ends).
    pub fn from_civil(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, micros: u32) -> Self {
        // ±300,000 years is past both ends of the microsecond range (±292,277 years).
        let days = days_from_civil(y.clamp(-300_000, 300_000), mo, d);
        let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
        LogTime(
            secs.saturating_mul(MICROS)
                .saturating_add(i64::from(micros)),
        )
    }

    /// The civil UTC fields `(year, month, day, hour, minute, second)`.
    pub fn civil(self) -> (i64, u32, u32, u32, u32, u32) {
        let secs = self.secs();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (
            y,
            m,
            d,
            (rem / 3600) as u32,
            ((rem % 3600) / 60) as u32,
            (rem % 60) as u32,
        )
    }

    /// Start of the UTC hour containing this instant.
    pub fn hour_floor(self) -> LogTime {
        LogTime::from_secs(self.secs().div_euclid(3600) * 3600)
    }

    /// Parses an RFC 3339 / ISO 8601 timestamp as printed by [`fmt::Display`] (or any the
    /// envelope parser accepts): `2024-05-01T10:00:00Z`, `2024-05-01 10:00:00+02:00`, ...
    /// A bare date `2024-05-01` is midnight UTC.
    pub fn parse(s: &str) -> Option<LogTime> {
        let b = s.trim().as_bytes();
        if b.len() == 10 {
            let mut full = b.to_vec();
            full.extend_from_slice(b"T00:00:00Z");
            return parse_iso_in(&full, None).map(|(t, _)| t);
        }
        let (t, used) = parse_iso_in(b, None)?;
        (used == b.len()).then_some(t)
    }
}

impl fmt::Display for LogTime {
    /// RFC 3339 in UTC, with microseconds when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.civil();
        // Years 0-9999 (every log's) are written by hand into one buffer: a report prints two
        // times for each of hundreds of thousands of sources.
        if let Ok(y) = u32::try_from(y) {
            if y <= 9999 {
                let mut b = *b"0000-00-00T00:00:00.000000Z";
                let put = |b: &mut [u8; 27], at: usize, width: usize, mut v: u32| {
                    for k in (0..width).rev() {
                        if let Some(c) = b.get_mut(at + k) {
                            *c = b'0' + (v % 10) as u8;
                        }
                        v /= 10;
                    }
                };
                put(&mut b, 0, 4, y);
                put(&mut b, 5, 2, mo);
                put(&mut b, 8, 2, d);
                put(&mut b, 11, 2, h);
                put(&mut b, 14, 2, mi);
                put(&mut b, 17, 2, s);
                let us = self.micros();
                let out: &[u8] = if us == 0 {
                    if let Some(z) = b.get_mut(19) {
                        *z = b'Z';
                    }
                    b.get(..20).unwrap_or_default()
                } else {
                    put(&mut b, 20, 6, us);
                    &b
                };
                return f.write_str(std::str::from_utf8(out).unwrap_or_default());
            }
        }
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        let us = self.micros();
        if us != 0 {
            write!(f, ".{us:06}")?;
        }
        f.write_str("Z")
    }
}

pub use ferret_core::civil::{civil_from_days, days_from_civil};

/// How year-less (RFC 3164) timestamps get their year and zone.
///
/// A timestamp is placed in the reference year unless that puts it more than a day after the
/// reference instant, in which case it belongs to the previous year. With the file's mtime as
/// the reference, a log that runs from December into January gets December of the previous
/// year and January of the current one. Zone-less times are read in the context's zone (UTC
/// unless [`YearContext::with_zone`] says otherwise; see the crate docs for the times a
/// summer-time change makes ambiguous or skips).
#[derive(Debug, Clone, PartialEq)]
pub struct YearContext {
    reference: LogTime,
    /// `None`: UTC.
    zone: Option<TimeZone>,
    /// Month names of other locales are read too (see [`YearContext::with_localized_months`]).
    pub(crate) localized: bool,
    ref_year: i64,
    /// Days since the epoch of the first of each month of the reference year.
    month_days: [i64; 12],
}

impl YearContext {
    /// A context with the given reference instant, in UTC.
    pub fn new(reference: LogTime) -> Self {
        let (ref_year, ..) = reference.civil();
        let mut month_days = [0i64; 12];
        for (m, d) in month_days.iter_mut().enumerate() {
            *d = days_from_civil(ref_year, m as u32 + 1, 1);
        }
        YearContext {
            reference,
            zone: None,
            localized: false,
            ref_year,
            month_days,
        }
    }

    /// The same context with zone-less timestamps read in `zone`
    /// (`jiff::tz::TimeZone::fixed` for a fixed offset).
    pub fn with_zone(mut self, zone: TimeZone) -> Self {
        self.zone = (zone != TimeZone::UTC).then_some(zone);
        self
    }

    /// The same context reading RFC 3164 month names of other locales too (`Mär`, `janv.`,
    /// `окт`, ... as `journalctl -o short` prints them under a non-English `LC_TIME`; see
    /// [`LOCALIZED_MONTHS`]). Off by default: syslog daemons always write English names, and
    /// a line with another month name is not a syslog timestamp (fail2ban's test logs count
    /// such lines as no match).
    pub fn with_localized_months(mut self) -> Self {
        self.localized = true;
        self
    }

    /// The reference instant (file mtime, "now", or the end of an explicit year).
    pub fn reference(&self) -> LogTime {
        self.reference
    }

    /// The zone zone-less timestamps are read in; `None` for UTC.
    pub fn zone(&self) -> Option<&TimeZone> {
        self.zone.as_ref()
    }

    /// Pins every year-less timestamp to `year` (as `--year` does).
    pub fn fixed_year(year: i64) -> Self {
        // `resolve` allows a day after the reference: noon UTC of the year's last day keeps
        // every local time of the year in it, down to UTC-12.
        YearContext::new(LogTime::from_civil(year, 12, 31, 12, 0, 0, 0))
    }

    /// The instant of local wall-clock `secs` (seconds since the epoch as if the local time
    /// were UTC) in the context's zone.
    fn to_utc(&self, secs: i64) -> i64 {
        match &self.zone {
            None => secs,
            Some(zone) => local_to_utc(zone, secs),
        }
    }

    /// A local civil time with its year (no year inference).
    pub fn local(&self, y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> LogTime {
        let naive = LogTime::from_civil(y, mo, d, h, mi, s, 0).secs();
        LogTime(at(self.to_utc(naive), us))
    }

    /// Resolves a year-less local civil time.
    pub fn resolve(&self, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> LogTime {
        let ry = self.ref_year;
        let day = match self.month_days.get(mo.wrapping_sub(1) as usize) {
            Some(first) => first + i64::from(d) - 1,
            None => days_from_civil(ry, mo, d),
        };
        let secs = day * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
        let t = LogTime(at(self.to_utc(secs), us));
        if t.0 > self.reference.0.saturating_add(86_400 * MICROS) {
            self.local(ry - 1, mo, d, h, mi, s, us)
        } else {
            t
        }
    }
}

impl YearContext {
    /// Seconds since the epoch of a year-less minute in the reference year, in the
    /// context's zone: the one zone conversion per distinct minute ([`TimeCache`]).
    fn minute_base(&self, mo: u32, d: u32, h: u32, mi: u32) -> Option<i64> {
        let first = self.month_days.get(mo.wrapping_sub(1) as usize)?;
        let naive = (first + i64::from(d) - 1) * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60;
        Some(self.to_utc(naive))
    }

    /// [`YearContext::resolve`] from a memoised [`YearContext::minute_base`]: the common
    /// case (a minute not in the future) inline, in the caller's line loop.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn resolve_from(&self, base: Option<i64>, f: (u32, u32, u32, u32, u32, u32)) -> LogTime {
        if let Some(base) = base {
            let t = LogTime(at(base + i64::from(f.4), f.5));
            if t.0 <= self.reference.0.saturating_add(86_400 * MICROS) {
                return t;
            }
        }
        self.resolve_full(f)
    }

    #[inline(never)]
    fn resolve_full(&self, f: (u32, u32, u32, u32, u32, u32)) -> LogTime {
        let (mo, d, h, mi, s, us) = f;
        self.resolve(mo, d, h, mi, s, us)
    }
}

/// `secs` seconds and `us` microseconds, saturating at the ends of the range (a reference
/// year near them comes from an absurd file time).
fn at(secs: i64, us: u32) -> i64 {
    secs.saturating_mul(MICROS).saturating_add(i64::from(us))
}

/// The instant (seconds) of the local wall-clock time `secs` in `zone`: a time that happens
/// twice is the earlier one, a skipped time is read with the offset before the change
/// (`Disambiguation::Compatible`). Times past jiff's range (years beyond ±9999) are read as
/// UTC.
fn local_to_utc(zone: &TimeZone, secs: i64) -> i64 {
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let dt = (|| {
        jiff::civil::DateTime::new(
            i16::try_from(y).ok()?,
            i8::try_from(mo).ok()?,
            i8::try_from(d).ok()?,
            i8::try_from(rem / 3600).ok()?,
            i8::try_from(rem / 60 % 60).ok()?,
            i8::try_from(rem % 60).ok()?,
            0,
        )
        .ok()
    })();
    dt.and_then(|dt| zone.to_ambiguous_timestamp(dt).compatible().ok())
        .map_or(secs, jiff::Timestamp::as_second)
}

impl Default for YearContext {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        YearContext::new(LogTime::from_secs(now))
    }
}

/// How zone-less timestamps (RFC 3164 `Mmm dd HH:MM:SS`, ISO 8601 without an offset) are
/// read: in which time zone the host wrote them.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub enum TimeZoneOption {
    /// The zone of the host the logs come from: [`crate::analyze_root`] reads it from the
    /// root ([`root_time_zone`]); with [`crate::analyze()`], files inside a root use that root's
    /// zone and readers or bytes in memory are read in UTC. A root without a zone is read in
    /// UTC, and the analysis says so ([`crate::Analysis::time_zone`]).
    #[default]
    Root,
    /// UTC.
    Utc,
    /// This zone (`jiff::tz::TimeZone::fixed` for a fixed offset).
    Zone(jiff::tz::TimeZone),
}

/// The zone a host writes its local times in: its `/etc/localtime` (TZif, usually a symlink
/// into `/usr/share/zoneinfo`, followed inside the root only), else the zone named in
/// `/etc/timezone` (Debian) read from the root's `/usr/share/zoneinfo`. The name is the path
/// under `zoneinfo/` (`Europe/Berlin`) when there is one. `Ok(None)`: the root has neither file.
pub fn root_time_zone(root: &HostRoot) -> Result<Option<(jiff::tz::TimeZone, String)>, Error> {
    const LIMIT: u64 = 1 << 20;
    let tzif = |path: &Path, name: &str| -> Result<(jiff::tz::TimeZone, String), Error> {
        let data = root.read_capped(path, LIMIT)?;
        let tz = jiff::tz::TimeZone::tzif(name, &data).map_err(|e| Error::Parse {
            path: path.to_path_buf(),
            line: None,
            message: format!("not a TZif time zone file: {e}"),
        })?;
        Ok((tz, name.to_string()))
    };
    // `/etc/localtime`, through at most 8 symbolic links, each resolved inside the root.
    let mut path = PathBuf::from("/etc/localtime");
    for _ in 0..8 {
        let st = match root.lstat(&path) {
            Ok(st) => st,
            Err(e) if path == Path::new("/etc/localtime") && e.is_not_found() => break,
            Err(e) => return Err(e.into()),
        };
        if st.kind != FileKind::Symlink {
            let name = zone_name(&path).unwrap_or_else(|| "localtime".into());
            return tzif(&path, &name).map(Some);
        }
        let target = root.read_link(&path)?;
        let target = Path::new(std::ffi::OsStr::from_bytes(&target));
        let dir = path.parent().unwrap_or(Path::new("/"));
        path = HostRoot::inner(dir.join(target));
    }
    if root.lstat("/etc/localtime").is_ok() {
        return Err(Error::Parse {
            path: PathBuf::from("/etc/localtime"),
            line: None,
            message: "too many symbolic links".into(),
        });
    }
    // Debian's `/etc/timezone`: the zone's name.
    let Some(named) = root.read_optional("/etc/timezone")? else {
        return Ok(None);
    };
    let name = String::from_utf8_lossy(&named).trim().to_string();
    if name.is_empty() || name.starts_with('/') || name.split('/').any(|c| c == "..") {
        return Err(Error::Parse {
            path: PathBuf::from("/etc/timezone"),
            line: Some(1),
            message: "not a time zone name".into(),
        });
    }
    tzif(&Path::new("/usr/share/zoneinfo").join(&name), &name).map(Some)
}

/// `Europe/Berlin` of `/usr/share/zoneinfo/Europe/Berlin`.
fn zone_name(path: &Path) -> Option<String> {
    let s = path.to_str()?;
    let (_, name) = s.split_once("/zoneinfo/")?;
    let name = name
        .strip_prefix("posix/")
        .or_else(|| name.strip_prefix("right/"))
        .unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

fn num(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

/// Month abbreviations of other locales, as `journalctl -o short` (strftime `%b`) prints them
/// under `LC_TIME` de, fr, es, it, pt, nl, pl, sv, ru (lowercase; a trailing `.` is ignored).
#[rustfmt::skip]
pub const LOCALIZED_MONTHS: &[(&str, u32)] = &[
    ("jan", 1), ("janv", 1), ("ene", 1), ("gen", 1), ("sty", 1), ("янв", 1),
    ("feb", 2), ("févr", 2), ("fev", 2), ("fév", 2), ("lut", 2), ("фев", 2),
    ("mär", 3), ("mar", 3), ("mars", 3), ("mrt", 3), ("мар", 3),
    ("apr", 4), ("avr", 4), ("avril", 4), ("abr", 4), ("kwi", 4), ("апр", 4),
    ("mai", 5), ("may", 5), ("mag", 5), ("mei", 5), ("maj", 5), ("мая", 5), ("май", 5),
    ("jun", 6), ("juin", 6), ("giu", 6), ("cze", 6), ("июн", 6),
    ("jul", 7), ("juil", 7), ("lug", 7), ("lip", 7), ("июл", 7),
    ("aug", 8), ("août", 8), ("ago", 8), ("sie", 8), ("авг", 8),
    ("sep", 9), ("sept", 9), ("set", 9), ("wrz", 9), ("сен", 9),
    ("okt", 10), ("oct", 10), ("ott", 10), ("out", 10), ("paź", 10), ("окт", 10),
    ("nov", 11), ("lis", 11), ("ноя", 11),
    ("dez", 12), ("déc", 12), ("dic", 12), ("dec", 12), ("gru", 12), ("дек", 12),
];

/// A localized month token at the start of `b` (see [`LOCALIZED_MONTHS`]) followed by a space:
/// (month, index after the space). English abbreviations in any case are accepted too.
fn localized_month(b: &[u8]) -> Option<(u32, usize)> {
    let sp = b.iter().take(12).position(|c| *c == b' ')?;
    let tok = b.get(..sp)?;
    let tok = tok.strip_suffix(b".").unwrap_or(tok);
    let tok = std::str::from_utf8(tok).ok()?.to_lowercase();
    LOCALIZED_MONTHS
        .iter()
        .find(|(name, _)| *name == tok)
        .map(|&(_, m)| (m, sp + 1))
}

/// Month number of a three-letter English abbreviation.
pub fn month(b: &[u8]) -> Option<u32> {
    // One integer compare per month instead of a slice compare.
    let [x, y, z] = *b else { return None };
    let key = u32::from(x) << 16 | u32::from(y) << 8 | u32::from(z);
    const fn k(m: [u8; 3]) -> u32 {
        let [a, b, c] = m;
        (a as u32) << 16 | (b as u32) << 8 | c as u32
    }
    let m = match key {
        _ if key == k(*b"Jan") => 1,
        _ if key == k(*b"Feb") => 2,
        _ if key == k(*b"Mar") => 3,
        _ if key == k(*b"Apr") => 4,
        _ if key == k(*b"May") => 5,
        _ if key == k(*b"Jun") => 6,
        _ if key == k(*b"Jul") => 7,
        _ if key == k(*b"Aug") => 8,
        _ if key == k(*b"Sep") => 9,
        _ if key == k(*b"Oct") => 10,
        _ if key == k(*b"Nov") => 11,
        _ if key == k(*b"Dec") => 12,
        _ => return None,
    };
    Some(m)
}

/// Fraction digits `.ffffff` at `at`; returns (micros, bytes used).
fn fraction(b: &[u8], at: usize) -> (u32, usize) {
    if b.get(at) != Some(&b'.') && b.get(at) != Some(&b',') {
        return (0, 0);
    }
    let mut i = at + 1;
    let mut us = 0u32;
    let mut digits = 0;
    while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        if digits < 6 {
            us = us * 10 + u32::from(c - b'0');
        }
        digits += 1;
        i += 1;
    }
    if digits == 0 {
        return (0, 0);
    }
    for _ in digits..6 {
        us *= 10;
    }
    (us, i - at)
}

fn valid(mo: u32, d: u32, h: u32, mi: u32, s: u32) -> bool {
    (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s <= 60
}

/// RFC 3164 `Mmm dd HH:MM:SS[.ffffff]` (day space- or zero-padded, or a single digit).
/// Returns the civil fields and the bytes used.
pub fn parse_bsd(b: &[u8]) -> Option<((u32, u32, u32, u32, u32, u32), usize)> {
    let (mo, d, h, mi, at) = bsd_minute(b, false)?;
    bsd_seconds(b, mo, d, h, mi, at)
}

/// RFC 3164 stamps with the year inside, as some rsyslog templates and appliances write
/// them: `Mmm dd YYYY HH:MM:SS[.ffffff]` or `YYYY Mmm dd HH:MM:SS[.ffffff]` (the day as in
/// [`parse_bsd`], the year 1970..=2200). Returns the year, the civil fields and the bytes used.
/// (`Mmm dd HH:MM:SS YYYY` is read by the envelope after [`parse_bsd`].)
pub(crate) fn parse_bsd_year(
    b: &[u8],
    localized: bool,
) -> Option<(i64, (u32, u32, u32, u32, u32, u32), usize)> {
    let year_at = |at: usize| {
        num(b, at, 4)
            .filter(|y| (1970..=2200).contains(y) && b.get(at + 4) == Some(&b' '))
            .map(i64::from)
    };
    // `YYYY Mmm dd HH:MM:SS`.
    if let Some(y) = year_at(0) {
        let rest = b.get(5..)?;
        let (mo, d, h, mi, at) = bsd_minute(rest, localized)?;
        let (f, used) = bsd_seconds(rest, mo, d, h, mi, at)?;
        return Some((y, f, 5 + used));
    }
    // `Mmm dd YYYY HH:MM:SS`: the day read as `bsd_minute` reads it.
    let (mo, d, mut i) = bsd_day(b, localized)?;
    let y = year_at(i + 1)?;
    i += 6;
    let h = num(b, i, 2)?;
    let mi = num(b, i + 3, 2)?;
    if b.get(i + 2) != Some(&b':') || b.get(i + 5) != Some(&b':') {
        return None;
    }
    let (f, used) = bsd_seconds(b, mo, d, h, mi, i + 6)?;
    Some((y, f, used))
}

/// `Mmm dd ` (the day padded with a space or a zero, or one digit) at the start of `b`:
/// (month, day, offset of the blank after the day).
#[inline]
fn bsd_day(b: &[u8], localized: bool) -> Option<(u32, u32, usize)> {
    let (mo, mut i) = match b.get(..3).and_then(month) {
        Some(m) if b.get(3) == Some(&b' ') => (m, 4),
        _ if localized => localized_month(b)?,
        _ => return None,
    };
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let d = if let Some(d) = num(b, i, 2) {
        i += 2;
        d
    } else {
        let d = num(b, i, 1)?;
        i += 1;
        d
    };
    if b.get(i) != Some(&b' ') {
        return None;
    }
    Some((mo, d, i))
}

/// `Mmm dd HH:MM:` of [`parse_bsd`]: (month, day, hour, minute, offset of the seconds).
fn bsd_minute(b: &[u8], localized: bool) -> Option<(u32, u32, u32, u32, usize)> {
    let (mo, d, mut i) = bsd_day(b, localized)?;
    i += 1;
    let h = num(b, i, 2)?;
    let mi = num(b, i + 3, 2)?;
    if b.get(i + 2) != Some(&b':') || b.get(i + 5) != Some(&b':') {
        return None;
    }
    Some((mo, d, h, mi, i + 6))
}

/// `SS[.ffffff]` at `at` after [`bsd_minute`], and the validity of the whole.
fn bsd_seconds(
    b: &[u8],
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    at: usize,
) -> Option<((u32, u32, u32, u32, u32, u32), usize)> {
    let s = num(b, at, 2)?;
    let (us, n) = fraction(b, at + 2);
    valid(mo, d, h, mi, s).then_some(((mo, d, h, mi, s, us), at + 2 + n))
}

/// Memo of the last RFC 3164 minute for one stream resolved with one [`YearContext`]:
/// consecutive lines share `Mmm dd HH:MM:`, so on a byte-identical prefix only the seconds
/// (and fraction) are read and the instant is the memoised minute plus them. Exactly what
/// [`parse_bsd`] and [`YearContext::resolve`] give: the prefix is every byte they read before
/// the seconds, and the year rollover falls back to `resolve`.
#[derive(Debug, Clone, Default)]
pub(crate) struct TimeCache {
    /// `Mmm dd HH:MM:` of the canonical 13-byte layout as two overlapping words (bytes 0..8
    /// and 5..13: a two-load compare); `None` before the first such line.
    key: Option<(u64, u64)>,
    fields: (u32, u32, u32, u32),
    /// Seconds since the epoch of the minute in the reference year (before the UTC offset).
    base: Option<i64>,
    /// The last `host prog[` prefix (see [`crate::envelope`]).
    pub(crate) prefix: crate::envelope::PrefixCache,
}

impl TimeCache {
    /// [`parse_bsd`] then [`YearContext::resolve`]: (fields, bytes used, instant).
    #[inline]
    pub(crate) fn bsd(
        &mut self,
        b: &[u8],
        years: &YearContext,
    ) -> Option<((u32, u32, u32, u32, u32, u32), usize, LogTime)> {
        let head = word(b, 0).zip(word(b, 5));
        if head.is_none() || head != self.key {
            return self.miss(b, years, head);
        }
        let (mo, d, h, mi) = self.fields;
        let (f, used) = bsd_seconds(b, mo, d, h, mi, 13)?;
        let t = years.resolve_from(self.base, f);
        Some((f, used, t))
    }

    /// The instant of a line whose 13-byte minute prefix is the memoised one and whose
    /// seconds are two digits followed by a space (no fraction): exactly what [`Self::bsd`]
    /// gives such a line (15 bytes used). `None` for anything else.
    #[inline]
    pub(crate) fn bsd_hit(&self, b: &[u8], years: &YearContext) -> Option<LogTime> {
        let head = word(b, 0).zip(word(b, 5));
        if head.is_none() || head != self.key {
            return None;
        }
        let (s1, s2) = (b.get(13)?.wrapping_sub(b'0'), b.get(14)?.wrapping_sub(b'0'));
        if s1 > 9 || s2 > 9 || b.get(15) != Some(&b' ') {
            return None;
        }
        let s = u32::from(s1) * 10 + u32::from(s2);
        if s > 60 {
            return None;
        }
        let (mo, d, h, mi) = self.fields;
        Some(years.resolve_from(self.base, (mo, d, h, mi, s, 0)))
    }

    #[cold]
    #[inline(never)]
    fn miss(
        &mut self,
        b: &[u8],
        years: &YearContext,
        head: Option<(u64, u64)>,
    ) -> Option<((u32, u32, u32, u32, u32, u32), usize, LogTime)> {
        let (mo, d, h, mi, at) = bsd_minute(b, years.localized)?;
        let fields = bsd_seconds(b, mo, d, h, mi, at)?;
        let t = years.resolve(mo, d, h, mi, fields.0 .4, fields.0 .5);
        self.key = head.filter(|_| at == 13);
        self.fields = (mo, d, h, mi);
        self.base = years.minute_base(mo, d, h, mi);
        Some((fields.0, fields.1, t))
    }
}

/// ISO 8601 / RFC 3339: `YYYY-MM-DD[T ]HH:MM:SS[.f][Z|±HH:MM|±HHMM|±HH]`. A missing offset
/// means the local time of `years`' zone. Returns the instant and bytes used.
pub fn parse_iso(b: &[u8], years: &YearContext) -> Option<(LogTime, usize)> {
    parse_iso_in(b, Some(years))
}

/// [`parse_iso`]; `None`: a missing offset means UTC.
fn parse_iso_in(b: &[u8], years: Option<&YearContext>) -> Option<(LogTime, usize)> {
    let y = num(b, 0, 4)?;
    let sep = *b.get(4)?;
    // `2005/08/14 11:57:00` (fail2ban, some appliances) as well as ISO dashes.
    if !(sep == b'-' || sep == b'/') || b.get(7) != Some(&sep) {
        return None;
    }
    let mo = num(b, 5, 2)?;
    let d = num(b, 8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let h = num(b, 11, 2)?;
    let mi = num(b, 14, 2)?;
    let s = num(b, 17, 2)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    if !valid(mo, d, h, mi, s) {
        return None;
    }
    let mut i = 19;
    let (us, n) = fraction(b, i);
    i += n;
    let mut off = None;
    match b.get(i) {
        Some(b'Z' | b'z') => {
            off = Some(0);
            i += 1;
        }
        Some(&c @ (b'+' | b'-')) => {
            let oh = num(b, i + 1, 2);
            if let Some(oh) = oh {
                let sign = if c == b'-' { -1 } else { 1 };
                let (om, used) = if b.get(i + 3) == Some(&b':') {
                    (num(b, i + 4, 2), 6)
                } else if let Some(m) = num(b, i + 3, 2) {
                    (Some(m), 5)
                } else {
                    (Some(0), 3)
                };
                if let Some(om) = om.filter(|m| *m < 60 && oh < 24) {
                    off = Some(sign * (i64::from(oh) * 3600 + i64::from(om) * 60));
                    i += used;
                }
            }
        }
        _ => {}
    }
    let t = match (off, years) {
        (Some(off), _) => {
            LogTime(LogTime::from_civil(i64::from(y), mo, d, h, mi, s, us).0 - off * MICROS)
        }
        (None, Some(years)) => years.local(i64::from(y), mo, d, h, mi, s, us),
        (None, None) => LogTime::from_civil(i64::from(y), mo, d, h, mi, s, us),
    };
    Some((t, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(secs: i32) -> TimeZone {
        TimeZone::fixed(jiff::tz::Offset::from_seconds(secs).unwrap())
    }

    /// The hand-written digits equal `write!`'s, with and without microseconds, and the
    /// years outside 0-9999 still print.
    #[test]
    fn display_digits() {
        let slow = |t: LogTime| {
            let (y, mo, d, h, mi, s) = t.civil();
            let us = t.micros();
            let frac = if us == 0 {
                String::new()
            } else {
                format!(".{us:06}")
            };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z")
        };
        let mut k = 0x2545_f491_4f6c_dd1du64;
        let mut times = vec![
            LogTime(0),
            LogTime(-1),
            LogTime(1_700_000_000_000_007),
            LogTime::from_civil(9999, 12, 31, 23, 59, 59, 999_999),
            LogTime::from_civil(10_000, 1, 1, 0, 0, 0, 0),
            LogTime::from_civil(-1, 6, 1, 12, 0, 0, 5),
            LogTime(i64::MIN),
            LogTime(i64::MAX),
        ];
        for _ in 0..2000 {
            k ^= k << 13;
            k ^= k >> 7;
            k ^= k << 17;
            // Whole seconds half the time, over ±300 years around the epoch and beyond.
            let us = (k as i64) % (1i64 << 53);
            times.push(LogTime(if k & 1 == 0 { us - us % 1_000_000 } else { us }));
        }
        for t in times {
            assert_eq!(t.to_string(), slow(t), "{}", t.0);
        }
        assert_eq!(
            LogTime::from_civil(2024, 3, 5, 7, 8, 9, 42).to_string(),
            "2024-03-05T07:08:09.000042Z"
        );
    }

    #[test]
    fn localized_month_names() {
        let fields = |s: &str| {
            let (mo, d, h, _, at) = bsd_minute(s.as_bytes(), true)?;
            bsd_seconds(s.as_bytes(), mo, d, h, 0, at).map(|(_, n)| (mo, d, h, n))
        };
        assert_eq!(
            parse_bsd(b"Dez 31 23:59:59 h"),
            None,
            "English only by default"
        );
        // journalctl -o short under LC_TIME=de_DE, fr_FR, es_ES, nl_NL, ru_RU.
        assert_eq!(
            fields("Mär 14 10:00:01 h sshd[1]: x"),
            Some((3, 14, 10, 16))
        );
        assert_eq!(fields("Dez 31 23:59:59 h"), Some((12, 31, 23, 15)));
        assert_eq!(fields("janv. 05 10:00:01 h"), Some((1, 5, 10, 17)));
        assert_eq!(fields("févr. 28 10:00:01 h"), Some((2, 28, 10, 18)));
        assert_eq!(fields("août  3 10:00:01 h"), Some((8, 3, 10, 17)));
        assert_eq!(fields("ene 05 10:00:01 h"), Some((1, 5, 10, 15)));
        assert_eq!(fields("mrt 05 10:00:01 h"), Some((3, 5, 10, 15)));
        assert_eq!(fields("окт 05 10:00:01 h"), Some((10, 5, 10, 18)));
        assert_eq!(fields("MAY 05 10:00:01 h"), Some((5, 5, 10, 15)));
        // Not months, or not the layout.
        assert_eq!(fields("Foo 05 10:00:01 h"), None);
        assert_eq!(fields("janvier 05 10:00:01 h"), None);
        assert_eq!(fields("Mär 32 10:00:01 h"), None);
        assert_eq!(fields("Mär10:00:01 h"), None);
        // The whole envelope, and the same instant as the English line.
        let years = YearContext::fixed_year(2024).with_localized_months();
        let de = crate::envelope::parse(b"Okt  7 08:01:02 web sshd[42]: Accepted", &years);
        let en = crate::envelope::parse(b"Oct  7 08:01:02 web sshd[42]: Accepted", &years);
        assert_eq!(de, en);
        assert_eq!(de.pid, Some(42));
        let plain = YearContext::fixed_year(2024);
        let de = crate::envelope::parse(b"Okt  7 08:01:02 web sshd[42]: Accepted", &plain);
        assert_eq!(de.time, None);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1_000_000i64, -1, 0, 1, 11_000, 19_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(
            LogTime::from_civil(2005, 8, 14, 10, 0, 0, 0).secs(),
            1_124_013_600
        );
    }

    #[test]
    fn iso_variants() {
        let utc = YearContext::new(LogTime(0));
        let t = |s: &str| parse_iso(s.as_bytes(), &utc).map(|(t, n)| (t.to_string(), n));
        assert_eq!(
            t("2015-04-16T18:02:50.568798+00:00 x"),
            Some(("2015-04-16T18:02:50.568798Z".into(), 32))
        );
        assert_eq!(
            t("2019-07-08T17:40:16.954167-04:00"),
            Some(("2019-07-08T21:40:16.954167Z".into(), 32))
        );
        assert_eq!(
            t("2024-01-01T12:00:00+0100"),
            Some(("2024-01-01T11:00:00Z".into(), 24))
        );
        assert_eq!(
            t("2019-06-14T13:01:15.412+01:30"),
            Some(("2019-06-14T11:31:15.412000Z".into(), 29))
        );
        assert!(t("2019-13-14T13:01:15").is_none());
        assert_eq!(
            LogTime::parse("2024-02-03").map(|t| t.to_string()),
            Some("2024-02-03T00:00:00Z".into())
        );
    }

    proptest::proptest! {
        /// The memoised minute gives exactly `parse_bsd` + `resolve`, line after line,
        /// across day layouts, invalid seconds, fractions and the year rollover.
        #[test]
        fn time_cache_is_exact(
            lines in proptest::collection::vec(
                (
                    0usize..3,
                    0u32..3,
                    proptest::sample::select(vec![1u32, 2, 9, 31, 32]),
                    22u32..24,
                    58u32..60,
                    57u32..62,
                    proptest::option::of(0u32..1000),
                ),
                1..40,
            ),
            off in -7200i32..7200,
        ) {
            let years = YearContext::new(LogTime::from_civil(2025, 1, 1, 0, 0, 0, 0)).with_zone(fixed(off));
            let mut cache = TimeCache::default();
            for (layout, mo, d, h, mi, s, frac) in lines {
                let m = ["Dec", "Jan", "Feb"][mo as usize];
                let day = match layout {
                    0 => format!("{d:>2}"),
                    1 => format!("{d:02}"),
                    _ => format!("{d}"),
                };
                let frac = frac.map(|f| format!(".{f:03}")).unwrap_or_default();
                let line = format!("{m} {day} {h:02}:{mi:02}:{s:02}{frac} host x: y");
                let want = parse_bsd(line.as_bytes())
                    .map(|(f, used)| (f, used, years.resolve(f.0, f.1, f.2, f.3, f.4, f.5)));
                proptest::prop_assert_eq!(cache.bsd(line.as_bytes(), &years), want, "{}", line);
            }
        }
    }

    /// References and years at the ends of the range (an absurd file time, `--year`) saturate
    /// instead of overflowing.
    #[test]
    fn extreme_references_and_years() {
        for years in [
            YearContext::new(LogTime(i64::MAX)),
            YearContext::new(LogTime(i64::MIN)),
            YearContext::new(LogTime::from_secs(i64::MAX)),
            YearContext::fixed_year(i64::MAX),
            YearContext::fixed_year(i64::MIN),
            YearContext::fixed_year(300_000),
            YearContext::new(LogTime(i64::MAX)).with_zone(fixed(-86_399)),
            YearContext::new(LogTime(i64::MIN)).with_zone(fixed(86_399)),
        ] {
            let _ = years.resolve(12, 31, 23, 59, 60, 999_999);
            let _ = years.resolve(1, 1, 0, 0, 0, 0);
            let mut cache = TimeCache::default();
            for line in [
                &b"Dec 31 23:59:59 h sshd[1]: x"[..],
                b"Dec 31 23:59:58 h sshd[1]: x",
            ] {
                let e = crate::envelope::parse_cached(line, &years, &mut cache);
                assert!(e.time.is_some());
                let _ = e.time.map(|t| t.to_string());
            }
        }
        assert_eq!(
            LogTime::from_civil(i64::MAX, 1, 1, 0, 0, 0, 0),
            LogTime(i64::MAX)
        );
        assert_eq!(
            LogTime::from_civil(i64::MIN, 1, 1, 0, 0, 0, 0),
            LogTime(i64::MIN)
        );
    }

    #[test]
    fn bsd_days_and_rollover() {
        assert_eq!(parse_bsd(b"Jul  3 14:59:17 h").map(|x| x.1), Some(15));
        assert_eq!(parse_bsd(b"Jul 03 14:59:17 h").map(|x| x.1), Some(15));
        assert_eq!(parse_bsd(b"Feb 7 16:01:07 h").map(|x| x.1), Some(14));
        assert!(parse_bsd(b"Foo  3 14:59:17").is_none());
        // Reference in January 2025: December lines belong to 2024, January ones to 2025.
        let ctx = YearContext::new(LogTime::from_civil(2025, 1, 2, 0, 0, 0, 0));
        assert_eq!(ctx.resolve(12, 31, 23, 59, 59, 0).civil().0, 2024);
        assert_eq!(ctx.resolve(1, 1, 0, 0, 1, 0).civil().0, 2025);
        let fixed = YearContext::fixed_year(2019);
        assert_eq!(fixed.resolve(12, 31, 23, 0, 0, 0).civil().0, 2019);
        assert_eq!(fixed.resolve(1, 1, 0, 0, 0, 0).civil().0, 2019);
    }
}
