//! Streaming analysis of whole files: line splitting, gzip, rotated siblings, parallel chunks,
//! and the default log set of a host root.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use ferret_core::{
    Control, ErrorRecord, Evidence, Finding, HostRoot, OpenOptions, Outcome, Severity,
};

use crate::detect::{Detector, HourBucket, Sources, Thresholds, TimelineEvent, Window};
use crate::time::{root_time_zone, LogTime, TimeZoneOption, YearContext};
use jiff::tz::TimeZone;

mod lines;
mod packed;
mod parallel;
mod stream;

pub use lines::{parse_lines, Line, LineReader, Record, Records};
use parallel::run_parallel;
pub use parallel::{PARALLEL_BLOCK, PARALLEL_PIECE};
use stream::run_stream;
pub(crate) use stream::{is_sshd, message_event, Rep};

/// Options for [`analyze_root`] and [`analyze`]: plain fields, set on a `Default` value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AnalyzeOptions {
    /// Detection thresholds.
    pub thresholds: Thresholds,
    /// Year for year-less (RFC 3164) timestamps. `None`: inferred from each file's mtime
    /// (or now for streams).
    pub year: Option<i64>,
    /// The zone of zone-less timestamps (RFC 3164, ISO 8601 without an offset): the root's
    /// by default (see [`TimeZoneOption`]).
    pub time_zone: TimeZoneOption,
    /// Ignore events before this instant.
    pub since: Option<LogTime>,
    /// Ignore events after this instant.
    pub until: Option<LogTime>,
    /// Threads in all for large plain files and streams (1: single thread). Blocks are cut
    /// into pieces at line boundaries, parsed in parallel and folded into the detector in
    /// file order, so results are identical to one thread (tested on real and generated logs).
    pub jobs: usize,
    /// Lines longer than this are truncated to it and flagged.
    pub max_line: usize,
    /// Unparsed lines kept as samples (with file and line).
    pub max_samples: usize,
    /// Also read RFC 3164 month names of other locales (`Mär`, `janv.`, `окт`: text exported
    /// with `journalctl -o short` under a non-English `LC_TIME`); see
    /// [`YearContext::with_localized_months`]. Off by default.
    pub localized_months: bool,
    /// Notable events kept for a timeline in [`Analysis::timeline`] (logins, sessions, sudo and
    /// su, account and group changes, module taints, crashes; failures and scans are
    /// summarised per source instead), at most this many, in file order. 0 (the default):
    /// none.
    pub timeline: usize,
    /// [`analyze_root`]: these files (inner paths, in this order) instead of the host's
    /// default logs. A `.gz` file is decompressed; a file that starts with the journal
    /// signature is a systemd journal file, whatever its name; one that starts with an audit
    /// record is an audit log (read after the others, see [`crate::audit`]); a directory stands for the
    /// journal files in it and one level below. Empty (the default): the default logs.
    pub paths: Vec<PathBuf>,
    /// Sources that make a campaign: the per-source findings of one detection from this many
    /// sources or more become one `logs.campaign` finding ([`crate::campaign`]; default 50,
    /// 0: never). Every source stays in [`Analysis::sources`].
    pub campaign_sources: usize,
    /// The sources a campaign finding names, by failures (default 10).
    pub campaign_top: usize,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            thresholds: Thresholds::default(),
            year: None,
            time_zone: TimeZoneOption::Root,
            since: None,
            until: None,
            jobs: 1,
            max_line: 64 * 1024,
            max_samples: 20,
            localized_months: false,
            timeline: 0,
            paths: Vec::new(),
            campaign_sources: 50,
            campaign_top: 10,
        }
    }
}

/// Per-file counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct FileSummary {
    /// The file (inner path, escaped).
    pub path: String,
    /// Whether it was gzip-compressed.
    pub compressed: bool,
    /// Lines read.
    pub lines: u64,
    /// Lines with no recognised envelope (no timestamp, no tag).
    pub unparsed: u64,
    /// Lines with an envelope but no recognised event.
    pub unrecognized: u64,
    /// Recognised events.
    pub events: u64,
    /// Lines over the length cap (truncated).
    pub long_lines: u64,
    /// The file is a Linux audit log (recognised by its content; see [`crate::audit`]).
    pub audit: bool,
    /// Audit events dropped as the same event read from a text log or journal (see
    /// [`crate::audit`], "One attack, reported once").
    pub duplicates: u64,
}

/// A line kept as a sample of what was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Sample {
    /// File (escaped).
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// The line (escaped, capped at 512 bytes).
    pub text: String,
}

/// Everything an analysis found.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Analysis {
    /// Files read, in order.
    pub files: Vec<FileSummary>,
    /// Default log files that do not exist under the root (not errors).
    pub missing: Vec<String>,
    /// Lines read in total.
    pub lines: u64,
    /// Lines with no recognised envelope.
    pub unparsed: u64,
    /// Lines with an envelope but no recognised event.
    pub unrecognized: u64,
    /// Truncated overlong lines.
    pub long_lines: u64,
    /// Event counts by kind.
    pub events: std::collections::BTreeMap<String, u64>,
    /// Every source, most failures first: each one's [`crate::SourceSummary`] is made on
    /// demand ([`Sources::iter`], [`Sources::get`]); serialised as their array.
    pub sources: Sources,
    /// Per-hour histogram.
    pub hours: Vec<HourBucket>,
    /// First to last hostile event.
    pub window: Option<Window>,
    /// Samples of unparsed lines.
    pub unparsed_samples: Vec<Sample>,
    /// Notable events for a timeline (see [`AnalyzeOptions::timeline`]), in file order.
    pub timeline: Vec<TimelineEvent>,
    /// Notable events past [`AnalyzeOptions::timeline`], not kept.
    pub timeline_dropped: u64,
    /// Commands run through sudo and su sessions (allowed and refused), in log order, each
    /// classified by [`ferret_core::command::classify`]; at most
    /// [`crate::detect::MAX_ELEVATIONS`].
    pub elevations: Vec<crate::detect::Elevation>,
    /// Elevations past the cap, counted only.
    pub elevations_omitted: u64,
    /// The zone zone-less timestamps were read in, and why: `Europe/Berlin (the root's
    /// /etc/localtime)`, `UTC (the root has no /etc/localtime or /etc/timezone)`, `UTC`, ...;
    /// several, `; `-separated, when inputs from several roots were read in different zones.
    pub time_zone: String,
    /// Findings and per-file errors.
    pub outcome: Outcome,
    /// The campaigns behind the `logs.campaign` findings, as data (what the findings say).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub campaigns: Vec<crate::campaign::Campaign>,
    /// The latest accepted ssh logins, in order (at most [`crate::detect::MAX_ACCEPTED`]),
    /// for the joins with login records ([`crate::logins::correlate`]).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub accepted: Vec<crate::detect::Accepted>,
}

/// What an analysis accumulates: the detector and the counters, with the options they use.
pub(crate) struct Acc<'o> {
    pub(crate) opts: &'o AnalyzeOptions,
    pub(crate) det: Detector,
    pub(crate) analysis: Analysis,
    /// `logs.decompression-bomb` findings, added to the detector's at the end.
    pub(crate) bombs: Vec<Finding>,
    /// The zone of each root read so far (by address).
    zones: Vec<(usize, Option<TimeZone>)>,
}

impl<'o> Acc<'o> {
    pub(crate) fn new(opts: &'o AnalyzeOptions) -> Self {
        Acc {
            opts,
            det: {
                let mut d = Detector::new(opts.thresholds.clone());
                d.keep_timeline(opts.timeline);
                d
            },
            analysis: Analysis::default(),
            bombs: Vec::new(),
            zones: Vec::new(),
        }
    }

    /// The zone of zone-less timestamps of an input (`root`: the root it is in, if any),
    /// said once in [`Analysis::time_zone`]; `None` for UTC.
    fn zone(&mut self, root: Option<&HostRoot>) -> Option<TimeZone> {
        let (zone, why) = match (&self.opts.time_zone, root) {
            (TimeZoneOption::Zone(z), _) => {
                let name = z
                    .iana_name()
                    .map_or_else(|| "the zone given".to_string(), str::to_string);
                (Some(z.clone()), name)
            }
            (TimeZoneOption::Utc, _) => (None, "UTC".to_string()),
            (TimeZoneOption::Root, None) => (None, "UTC (input in memory)".to_string()),
            (TimeZoneOption::Root, Some(root)) => {
                let key = std::ptr::from_ref(root) as usize;
                if let Some((_, z)) = self.zones.iter().find(|(k, _)| *k == key) {
                    return z.clone();
                }
                let (zone, why) = match root_time_zone(root) {
                    Ok(Some((z, name))) => (Some(z), format!("{name} (the root's time zone)")),
                    Ok(None) => (
                        None,
                        "UTC (the root has no /etc/localtime or /etc/timezone)".to_string(),
                    ),
                    Err(e) => {
                        self.analysis.outcome.error(e.record());
                        (
                            None,
                            "UTC (the root's time zone could not be read)".to_string(),
                        )
                    }
                };
                self.zones.push((key, zone.clone()));
                (zone, why)
            }
        };
        if !self.analysis.time_zone.split("; ").any(|w| w == why) {
            if !self.analysis.time_zone.is_empty() {
                self.analysis.time_zone.push_str("; ");
            }
            self.analysis.time_zone.push_str(&why);
        }
        zone
    }

    pub(crate) fn in_range(&self, t: Option<LogTime>) -> bool {
        match t {
            Some(t) => {
                self.opts.since.is_none_or(|s| t >= s) && self.opts.until.is_none_or(|u| t <= u)
            }
            None => self.opts.since.is_none() && self.opts.until.is_none(),
        }
    }

    pub(crate) fn sample(&mut self, path: &[u8], line: u64, text: &[u8]) {
        if self.analysis.unparsed_samples.len() < self.opts.max_samples {
            let cut = text.get(..512).unwrap_or(text);
            self.analysis.unparsed_samples.push(Sample {
                path: ferret_core::escape::escape(path),
                line,
                text: ferret_core::escape::escape(cut),
            });
        }
    }
}

fn years_for(opts: &AnalyzeOptions, mtime: Option<LogTime>, zone: Option<TimeZone>) -> YearContext {
    let y = match (opts.year, mtime) {
        (Some(y), _) => YearContext::fixed_year(y),
        (None, Some(m)) => YearContext::new(m),
        (None, None) => YearContext::default(),
    };
    let y = match zone {
        Some(z) => y.with_zone(z),
        None => y,
    };
    if opts.localized_months {
        y.with_localized_months()
    } else {
        y
    }
}

/// Where a log comes from.
#[non_exhaustive]
pub enum Input<'r> {
    /// A file inside a host root (opened soundly through `HostRoot`): a text log (`.gz`
    /// decompressed), a systemd journal file (recognised by its signature), a Linux audit log
    /// (recognised by its first record; see [`crate::audit`]), or a directory
    /// standing for the journal files in it and one level below.
    Root(&'r HostRoot, PathBuf),
    /// Any reader (stdin, a test buffer) of text lines, gzip recognised by its magic bytes;
    /// the name is used in evidence ([`Input::reader`]).
    Reader(Box<dyn Read + Send + 'r>, Vec<u8>),
    /// systemd journal files inside a host root, read natively whatever they start with
    /// (see [`crate::journal`]).
    Journal(&'r HostRoot, Vec<PathBuf>),
    /// One systemd journal file held in memory, and its name for evidence.
    JournalBytes(&'r [u8], Vec<u8>),
}

impl<'r> Input<'r> {
    /// A reader of text lines named `name` in evidence.
    pub fn reader(reader: impl Read + Send + 'r, name: impl AsRef<[u8]>) -> Self {
        Input::Reader(Box::new(reader), name.as_ref().to_vec())
    }
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Root(r, p) => f.debug_tuple("Root").field(&r.path()).field(p).finish(),
            Input::Reader(_, n) => f
                .debug_tuple("Reader")
                .field(&ferret_core::escape::escape(n))
                .finish(),
            Input::Journal(r, p) => f.debug_tuple("Journal").field(&r.path()).field(p).finish(),
            Input::JournalBytes(b, n) => f
                .debug_tuple("JournalBytes")
                .field(&b.len())
                .field(&ferret_core::escape::escape(n))
                .finish(),
        }
    }
}

fn is_gzip_name(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "gz")
}

/// Counts the bytes read from every input (compressed bytes for `.gz`) and reports progress
/// (inputs started, bytes read) through the [`Control`] about once per MiB.
struct ProgressRead<'a, R> {
    inner: R,
    tally: &'a Tally,
    control: &'a Control,
}

/// Progress totals across the inputs of one analysis. Atomic (relaxed: one reader at a time)
/// so that the parallel path can read the next block on another thread.
#[derive(Default)]
pub(crate) struct Tally {
    files: AtomicU64,
    bytes: AtomicU64,
    reported: AtomicU64,
}

impl Tally {
    /// Adds `n` bytes read; reports progress when a MiB more was read since the last report,
    /// and at the end of an input (`n == 0`).
    pub(crate) fn add(&self, n: u64, control: &Control) {
        let bytes = self.bytes.fetch_add(n, Relaxed) + n;
        if n == 0 || bytes - self.reported.load(Relaxed) >= 1 << 20 {
            self.reported.store(bytes, Relaxed);
            let mut p = ferret_core::Progress::default();
            p.items_done = self.files.load(Relaxed);
            p.bytes_done = bytes;
            control.report(p);
        }
    }
}

impl<R: Read> Read for ProgressRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Checked on every read, not only between lines: a gigabyte without a newline is one
        // line, and the time budget must still stop it.
        if self.control.is_cancelled() {
            return Err(std::io::Error::other("cancelled"));
        }
        let n = self.inner.read(buf)?;
        self.tally.add(n as u64, self.control);
        Ok(n)
    }
}

fn run_one(acc: &mut Acc<'_>, input: Input<'_>, control: &Control, tally: &Tally) {
    tally.files.fetch_add(1, Relaxed);
    use std::os::unix::ffi::OsStrExt;
    match input {
        Input::Root(root, path) => {
            let pb = path.as_os_str().as_bytes().to_vec();
            let mut summary = FileSummary {
                path: ferret_core::escape::escape(&pb),
                ..FileSummary::default()
            };
            let file = match root.open_file(&path, &OpenOptions::new()) {
                Ok(f) => f,
                Err(e) => {
                    acc.analysis.outcome.error(ErrorRecord::from(&e));
                    return;
                }
            };
            let mtime = LogTime::from_secs(file.stat().mtime.sec);
            let size = file.stat().size;
            let file = ProgressRead {
                inner: file,
                tally,
                control,
            };
            let zone = acc.zone(Some(root));
            let years = years_for(acc.opts, Some(mtime), zone);
            let gz = is_gzip_name(&path);
            let mut file = std::io::BufReader::with_capacity(1 << 16, file);
            if !gz && file.fill_buf().is_ok_and(crate::audit::is_audit) {
                acc.det.begin_audit_file(&pb);
                let r = crate::audit::run(acc, &pb, file, control, &mut summary);
                end_input(acc, &pb, summary, r);
                return;
            }
            acc.det.begin_file(&pb);
            let r = if gz {
                summary.compressed = true;
                run_gz(acc, &pb, file, &years, control, &mut summary)
            } else if acc.opts.jobs > 1 && size > 8 << 20 {
                run_parallel(acc, &pb, file, &years, control, &mut summary)
            } else {
                run_stream(acc, &pb, file, &years, control, &mut summary)
            };
            end_input(acc, &pb, summary, r);
        }
        Input::Reader(reader, name) => {
            let mut summary = FileSummary {
                path: ferret_core::escape::escape(&name),
                ..FileSummary::default()
            };
            let zone = acc.zone(None);
            let years = years_for(acc.opts, None, zone);
            // Sniff gzip magic on streams.
            let reader = ProgressRead {
                inner: reader,
                tally,
                control,
            };
            let mut br = std::io::BufReader::with_capacity(1 << 16, reader);
            let magic = br.fill_buf().is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
            if !magic && br.fill_buf().is_ok_and(crate::audit::is_audit) {
                acc.det.begin_audit_file(&name);
                let r = crate::audit::run(acc, &name, br, control, &mut summary);
                end_input(acc, &name, summary, r);
                return;
            }
            acc.det.begin_file(&name);
            let r = if magic {
                summary.compressed = true;
                run_gz(acc, &name, br, &years, control, &mut summary)
            } else if acc.opts.jobs > 1 {
                run_parallel(acc, &name, br, &years, control, &mut summary)
            } else {
                run_stream(acc, &name, br, &years, control, &mut summary)
            };
            end_input(acc, &name, summary, r);
        }
        Input::Journal(root, paths) => crate::journal::Sink {
            acc,
            control,
            tally,
        }
        .files(root, &paths),
        Input::JournalBytes(data, name) => crate::journal::Sink {
            acc,
            control,
            tally,
        }
        .bytes(data, &name),
    }
}

/// Records a read error of one input (at the line it stopped on) and keeps its summary.
fn end_input(acc: &mut Acc<'_>, name: &[u8], summary: FileSummary, r: Result<(), std::io::Error>) {
    if let Err(e) = r {
        acc.analysis.outcome.error(ErrorRecord::new(
            Some(name),
            Some(summary.lines + 1),
            e.to_string(),
        ));
    }
    push_summary(acc, summary);
}

/// Decompressed bytes per compressed byte past which a gzip input is a decompression bomb
/// (checked once [`GZ_RATIO_FLOOR`] bytes came out). Text logs compress 5 to 50 times; a
/// stream of one repeated byte, 1,032 times (deflate's maximum).
pub const MAX_GZ_RATIO: u64 = 256;
/// Decompressed bytes under which the ratio is not checked (a small file of one repeated line
/// may compress better than any log).
pub const GZ_RATIO_FLOOR: u64 = 16 << 20;
/// Decompressed bytes read from one gzip input at most (4 GiB), whatever the ratio.
pub const MAX_GZ_OUTPUT: u64 = 4 << 30;

/// Counts the compressed bytes a decoder pulls.
#[cfg(feature = "gzip")]
struct CountRead<R> {
    inner: R,
    n: std::sync::Arc<AtomicU64>,
}

#[cfg(feature = "gzip")]
impl<R: Read> Read for CountRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n.fetch_add(n as u64, Relaxed);
        Ok(n)
    }
}

/// The decoder's output, cut with an error (and `bomb` set) past [`MAX_GZ_OUTPUT`] bytes or
/// [`MAX_GZ_RATIO`] times the compressed input.
#[cfg(feature = "gzip")]
struct BombGuard<R> {
    inner: R,
    compressed: std::sync::Arc<AtomicU64>,
    out: u64,
    bomb: Option<(u64, u64)>,
}

#[cfg(feature = "gzip")]
impl<R: Read> Read for BombGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out = self.out.saturating_add(n as u64);
        let inn = self.compressed.load(Relaxed).max(1);
        let ratio_hit = self.out > GZ_RATIO_FLOOR && self.out / inn > MAX_GZ_RATIO;
        if ratio_hit || self.out > MAX_GZ_OUTPUT {
            self.bomb = Some((inn, self.out));
            return Err(std::io::Error::other(format!(
                "decompression stopped: {} bytes out of {inn} compressed (cap: {MAX_GZ_RATIO} times, {MAX_GZ_OUTPUT} bytes)",
                self.out
            )));
        }
        Ok(n)
    }
}

#[cfg(feature = "gzip")]
fn run_gz<R: Read>(
    acc: &mut Acc<'_>,
    path: &[u8],
    r: R,
    years: &YearContext,
    control: &Control,
    summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    let compressed = std::sync::Arc::new(AtomicU64::new(0));
    let mut guard = BombGuard {
        inner: flate2::read::MultiGzDecoder::new(CountRead {
            inner: r,
            n: compressed.clone(),
        }),
        compressed,
        out: 0,
        bomb: None,
    };
    let r = run_stream(acc, path, &mut guard, years, control, summary);
    if let Some((inn, out)) = guard.bomb {
        acc.bombs.push(
            Finding::new(
                "logs.decompression-bomb",
                Severity::Medium,
                "a compressed log inflates far beyond any log (decompression bomb)",
                path,
            )
            .with_evidence(Evidence::line(path, summary.lines + 1))
            .with_attack("T1070")
            .with_attack("T1499")
            .with_detail(format!(
                "{out} bytes out of the first {inn} compressed bytes; reading stopped there (caps: {MAX_GZ_RATIO} times past {GZ_RATIO_FLOOR} bytes, {MAX_GZ_OUTPUT} bytes); the lines before were analysed"
            ))
            .with_remediation("keep the file as evidence; look at its content with a bounded tool (zcat | head -c) and at who wrote it"),
        );
    }
    r
}

#[cfg(not(feature = "gzip"))]
fn run_gz<R: Read>(
    _acc: &mut Acc<'_>,
    _path: &[u8],
    _r: R,
    _years: &YearContext,
    _control: &Control,
    _summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    Err(std::io::Error::other(
        "gzip support not compiled in (feature `gzip`)",
    ))
}

pub(crate) fn push_summary(acc: &mut Acc<'_>, s: FileSummary) {
    acc.analysis.lines += s.lines;
    acc.analysis.unparsed += s.unparsed;
    acc.analysis.unrecognized += s.unrecognized;
    acc.analysis.long_lines += s.long_lines;
    acc.analysis.files.push(s);
}

pub(crate) fn finish(acc: Acc<'_>) -> Analysis {
    let mut a = acc.analysis;
    let mut r = acc.det.finish_pending();
    a.events = std::mem::take(&mut r.events);
    a.sources = std::mem::take(&mut r.sources);
    a.hours = std::mem::take(&mut r.hours);
    a.window = r.window;
    (a.outcome.findings, a.campaigns) = crate::campaign::summarise_pending(
        std::mem::take(&mut r.findings),
        std::mem::take(&mut r.pending),
        &crate::detect::Materialise {
            th: &r.th,
            files: &r.files,
            sources: &a.sources,
        },
        acc.opts.campaign_sources,
        acc.opts.campaign_top,
    );
    if !acc.bombs.is_empty() {
        a.outcome.findings.extend(acc.bombs);
        Finding::sort(&mut a.outcome.findings);
    }
    a.timeline = r.timeline;
    a.timeline_dropped = r.timeline_dropped;
    a.accepted = r.accepted;
    a.elevations = r.elevations;
    a.elevations_omitted = r.elevations_omitted;
    a
}

/// Analyses the inputs given, in that order (oldest first gives the most faithful timeline):
/// the in-memory twin of [`analyze_root`]. Journal files among them (by signature, or the
/// journal files of a directory) are read together, as one time-ordered input where the first
/// of them was given. One unreadable input is an error in the outcome beside the rest.
pub fn analyze<'r>(
    inputs: impl IntoIterator<Item = Input<'r>>,
    opts: &AnalyzeOptions,
    control: &Control,
) -> Analysis {
    analyze_reserving(inputs, opts, control, &[])
}

/// Share of the time left at the start that older rotations may use together when the
/// [`Control`] has a time budget: the rest is kept for the current files and journals, so
/// that a slow or hostile old rotation cannot use the whole budget and hide the recent
/// evidence (a rotation cut short is an error naming it, and the files after it are read).
/// Files are still read oldest first: the detections' sliding windows need events in time
/// order.
pub const ROTATION_TIME_SHARE: f64 = 0.5;

/// [`analyze`], where the inputs naming one of `older` (rotated files) share at most
/// [`ROTATION_TIME_SHARE`] of the time budget, each at most an equal part of what is left of
/// that share.
fn analyze_reserving<'r>(
    inputs: impl IntoIterator<Item = Input<'r>>,
    opts: &AnalyzeOptions,
    control: &Control,
    older: &[PathBuf],
) -> Analysis {
    let mut acc = Acc::new(opts);
    let tally = Tally::default();
    let (inputs, audits) = resolve(inputs);
    if audits > 0 {
        acc.det.enable_dedup();
    }
    let is_older = |i: &Input<'_>| matches!(i, Input::Root(_, p) if older.contains(p));
    let mut older_left = inputs.iter().filter(|i| is_older(i)).count() as u32;
    let share_end = control
        .time_left()
        .map(|left| std::time::Instant::now() + left.mul_f64(ROTATION_TIME_SHARE));
    for input in inputs {
        if control.is_cancelled() {
            acc.analysis
                .outcome
                .error(ErrorRecord::new(None, None, "cancelled"));
            break;
        }
        match share_end {
            Some(end) if is_older(&input) => {
                let now = std::time::Instant::now();
                let part = end.saturating_duration_since(now) / older_left.max(1);
                older_left = older_left.saturating_sub(1);
                let mut sub = control.clone();
                sub.deadline = control.deadline.map(|d| d.min(now + part));
                let name = match &input {
                    Input::Root(_, p) => p.clone(),
                    _ => PathBuf::new(),
                };
                run_one(&mut acc, input, &sub, &tally);
                if sub.out_of_time() && !control.is_cancelled() {
                    use std::os::unix::ffi::OsStrExt;
                    acc.analysis.outcome.error(ErrorRecord::new(
                        Some(name.as_os_str().as_bytes()),
                        None,
                        format!(
                            "older rotation cut short after {} ms, its share of the time budget; the newer files are read",
                            part.as_millis()
                        ),
                    ));
                }
            }
            _ => run_one(&mut acc, input, control, &tally),
        }
    }
    finish(acc)
}

/// What inputs stand for: an [`Input::Root`] naming a directory
/// stands for the systemd journal files in it and one level below
/// ([`journal_files_in`](crate::journal::journal_files_in)), and one naming a file that starts
/// with the journal signature (whatever its name) is a journal file. Journal files of one root
/// are read together, as one time-ordered [`Input::Journal`] where the first of them was given
/// (see [`crate::journal`]); every other input keeps its place. A directory without journal
/// files stays as it was given: reading it is an error that names it.
///
/// Audit logs inside a root (recognised by their content, [`crate::audit::is_audit`]) are
/// moved after every other input, in their order, so that their events that a text log or
/// journal also holds are dropped (see [`crate::audit`]); their number is returned beside.
fn resolve<'r>(inputs: impl IntoIterator<Item = Input<'r>>) -> (Vec<Input<'r>>, usize) {
    let mut out: Vec<Input<'r>> = Vec::new();
    let mut audits: Vec<Input<'r>> = Vec::new();
    // Where each root's journal input is in `out`.
    let mut journal_at: Vec<(&'r HostRoot, usize)> = Vec::new();
    let mut add =
        |out: &mut Vec<Input<'r>>, root: &'r HostRoot, files: Vec<PathBuf>| match journal_at
            .iter()
            .find(|(r, _)| std::ptr::eq(*r, root))
        {
            Some(&(_, at)) => {
                if let Some(Input::Journal(_, all)) = out.get_mut(at) {
                    all.extend(files);
                }
            }
            None => {
                journal_at.push((root, out.len()));
                out.push(Input::Journal(root, files));
            }
        };
    for input in inputs {
        match input {
            Input::Root(root, path) => {
                let dir = root
                    .lstat(&path)
                    .is_ok_and(|s| s.kind == ferret_core::FileKind::Directory);
                let head = if dir { Head::Other } else { sniff(root, &path) };
                if head == Head::Audit {
                    audits.push(Input::Root(root, path));
                    continue;
                }
                let files = if dir {
                    crate::journal::journal_files_in(root, &path)
                } else if head == Head::Journal {
                    vec![path.clone()]
                } else {
                    Vec::new()
                };
                if files.is_empty() {
                    out.push(Input::Root(root, path));
                } else {
                    add(&mut out, root, files);
                }
            }
            Input::Journal(root, files) => add(&mut out, root, files),
            other @ (Input::Reader(..) | Input::JournalBytes(..)) => out.push(other),
        }
    }
    let n = audits.len();
    out.extend(audits);
    (out, n)
}

/// What a file starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Head {
    Journal,
    Audit,
    Other,
}

/// What `path` (opened soundly, its first 4 KiB read) starts with: the journal file
/// signature, an audit record, or anything else.
fn sniff(root: &HostRoot, path: &Path) -> Head {
    let Ok(f) = root.open_file(path, &OpenOptions::new()) else {
        return Head::Other;
    };
    let mut head = Vec::with_capacity(4096);
    if f.take(4096).read_to_end(&mut head).is_err() {
        return Head::Other;
    }
    if crate::journal::is_journal(&head) {
        Head::Journal
    } else if !is_gzip_name(path) && crate::audit::is_audit(&head) {
        Head::Audit
    } else {
        Head::Other
    }
}

/// The default logs, by base name.
pub const DEFAULT_LOGS: &[&str] = &[
    "/var/log/auth.log",
    "/var/log/secure",
    "/var/log/syslog",
    "/var/log/messages",
    "/var/log/kern.log",
    "/var/log/nftables.log",
    "/var/log/ufw.log",
    "/var/log/firewalld",
    "/var/log/audit/audit.log",
];

/// Rotation order: `auth.log.4.gz`, ..., `auth.log.1`, `auth.log` and dated
/// `secure-20240101`(.gz) siblings, oldest first.
pub(crate) fn rotations(root: &HostRoot, base: &Path) -> Vec<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let (Some(dir), Some(name)) = (base.parent(), base.file_name()) else {
        return Vec::new();
    };
    let name = name.as_bytes();
    let Ok(entries) = root.read_dir(dir) else {
        return Vec::new();
    };
    let mut numbered: Vec<(u64, PathBuf)> = Vec::new();
    let mut dated: Vec<(Vec<u8>, PathBuf)> = Vec::new();
    for e in entries {
        let n = e.name.as_bytes();
        let Some(rest) = n.strip_prefix(name) else {
            continue;
        };
        let rest = rest.strip_suffix(b".gz").unwrap_or(rest);
        if let Some(d) = rest.strip_prefix(b".") {
            if let Some(k) = std::str::from_utf8(d)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
            {
                numbered.push((k, dir.join(&e.name)));
            }
        } else if let Some(d) = rest.strip_prefix(b"-") {
            if d.len() == 8 && d.iter().all(u8::is_ascii_digit) {
                dated.push((d.to_vec(), dir.join(&e.name)));
            }
        }
    }
    numbered.sort_by_key(|x| std::cmp::Reverse(x.0));
    dated.sort();
    let mut out: Vec<PathBuf> = dated.into_iter().map(|x| x.1).collect();
    out.extend(numbered.into_iter().map(|x| x.1));
    out
}

/// Analyses the logs of a host: `opts.paths` when given, else the default logs under `root`
/// (auth.log, secure, syslog, messages, kern.log, nftables.log, ufw.log, firewalld,
/// audit/audit.log and their rotations, `.gz` included), oldest rotation first (audit logs
/// after the others: see [`crate::audit`]) (with a time budget, the older rotations
/// share at most [`ROTATION_TIME_SHARE`] of it: the current files are always read); a gzip
/// rotation is cut at [`MAX_GZ_RATIO`] / [`MAX_GZ_OUTPUT`] and reported as
/// `logs.decompression-bomb`; absent default logs are listed in
/// `missing`, not errors. On journald-only hosts (no text auth log) the systemd journal files
/// are read too (see [`crate::journal`]).
pub fn analyze_root(root: &HostRoot, opts: &AnalyzeOptions, control: &Control) -> Analysis {
    if !opts.paths.is_empty() {
        let inputs = opts.paths.iter().map(|p| Input::Root(root, p.clone()));
        return analyze(inputs, opts, control);
    }
    let mut paths = Vec::new();
    let mut older = Vec::new();
    let mut missing = Vec::new();
    for base in DEFAULT_LOGS {
        let base = Path::new(base);
        let rot = rotations(root, base);
        older.extend(rot.iter().cloned());
        let exists = root.lstat(base).is_ok();
        if !exists && rot.is_empty() {
            missing.push(base.display().to_string());
            continue;
        }
        paths.extend(rot);
        if exists {
            paths.push(base.to_path_buf());
        }
    }
    // journald-only hosts: the journal files (see `journal::root_journals`).
    let journals = crate::journal::root_journals(root, &paths);
    let journal = (!journals.is_empty()).then(|| Input::Journal(root, journals));
    let texts = paths.iter().map(|p| Input::Root(root, p.clone()));
    let mut a = analyze_reserving(journal.into_iter().chain(texts), opts, control, &older);
    a.missing = missing;
    a
}
