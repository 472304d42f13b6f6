//! Streaming analysis of whole files: line splitting, gzip, rotated siblings, parallel chunks,
//! and the default log set of a host root.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use ferret_core::{Control, ErrorRecord, HostRoot, OpenOptions, Outcome};

use crate::detect::{Detector, HourBucket, SourceSummary, Thresholds, Window};
use crate::time::{LogTime, YearContext};

mod lines;
mod packed;
mod parallel;
mod stream;

pub use lines::{records, Line, LineReader, Record, Records};
use parallel::run_parallel;
pub use parallel::{PARALLEL_BLOCK, PARALLEL_PIECE};
use stream::run_stream;
pub(crate) use stream::{is_sshd, message_event, Rep};

/// Options for [`analyze_root`], [`analyze_files`] and [`analyze_reader`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AnalyzeOptions {
    /// Detection thresholds.
    pub thresholds: Thresholds,
    /// Year for year-less (RFC 3164) timestamps. `None`: inferred from each file's mtime
    /// (or now for streams).
    pub year: Option<i64>,
    /// Offset of the host's local time from UTC (seconds) for zone-less timestamps.
    pub utc_offset: i32,
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
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            thresholds: Thresholds::default(),
            year: None,
            utc_offset: 0,
            since: None,
            until: None,
            jobs: 1,
            max_line: 64 * 1024,
            max_samples: 20,
            localized_months: false,
        }
    }
}

impl AnalyzeOptions {
    /// Pins year-less timestamps to `year`.
    pub fn year(mut self, year: i64) -> Self {
        self.year = Some(year);
        self
    }

    /// Worker threads for large plain files.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Detection thresholds.
    pub fn thresholds(mut self, th: Thresholds) -> Self {
        self.thresholds = th;
        self
    }

    /// Only events in `[since, until]`.
    pub fn between(mut self, since: Option<LogTime>, until: Option<LogTime>) -> Self {
        self.since = since;
        self.until = until;
        self
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
    /// Per-source timeline, most failures first.
    pub sources: Vec<SourceSummary>,
    /// Per-hour histogram.
    pub hours: Vec<HourBucket>,
    /// First to last hostile event.
    pub window: Option<Window>,
    /// Samples of unparsed lines.
    pub unparsed_samples: Vec<Sample>,
    /// Findings and per-file errors.
    pub outcome: Outcome,
}

/// What an analysis accumulates: the detector and the counters, with the options they use.
pub(crate) struct Acc<'o> {
    pub(crate) opts: &'o AnalyzeOptions,
    pub(crate) det: Detector,
    pub(crate) analysis: Analysis,
}

impl Acc<'_> {
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

fn years_for(opts: &AnalyzeOptions, mtime: Option<LogTime>) -> YearContext {
    let y = match (opts.year, mtime) {
        (Some(y), _) => YearContext::fixed_year(y),
        (None, Some(m)) => YearContext::new(m),
        (None, None) => YearContext::default(),
    };
    y.with_utc_offset(opts.utc_offset)
        .with_localized_months(opts.localized_months)
}

/// Where a log comes from.
pub enum Input<'r> {
    /// A file inside a host root (opened soundly through `HostRoot`).
    Root(&'r HostRoot, PathBuf),
    /// Any reader (stdin, a test buffer); `name` is used in evidence.
    Reader(Box<dyn Read + Send + 'r>, Vec<u8>),
    /// systemd journal files inside a host root, read natively (see [`crate::journal`]).
    Journal(&'r HostRoot, Vec<PathBuf>),
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
struct Tally {
    files: AtomicU64,
    bytes: AtomicU64,
    reported: AtomicU64,
}

impl<R: Read> Read for ProgressRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let t = self.tally;
        let bytes = t.bytes.fetch_add(n as u64, Relaxed) + n as u64;
        if n == 0 || bytes - t.reported.load(Relaxed) >= 1 << 20 {
            t.reported.store(bytes, Relaxed);
            let mut p = ferret_core::Progress::default();
            p.items_done = t.files.load(Relaxed);
            p.bytes_done = bytes;
            self.control.report(p);
        }
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
            let years = years_for(acc.opts, Some(mtime));
            acc.det.begin_file(&pb);
            let gz = is_gzip_name(&path);
            let r = if gz {
                summary.compressed = true;
                run_gz(acc, &pb, file, years, control, &mut summary)
            } else if acc.opts.jobs > 1 && size > 8 << 20 {
                run_parallel(acc, &pb, file, years, control, &mut summary)
            } else {
                run_stream(acc, &pb, file, years, control, &mut summary)
            };
            end_input(acc, &pb, summary, r);
        }
        Input::Reader(reader, name) => {
            let mut summary = FileSummary {
                path: ferret_core::escape::escape(&name),
                ..FileSummary::default()
            };
            let years = years_for(acc.opts, None);
            acc.det.begin_file(&name);
            // Sniff gzip magic on streams.
            let reader = ProgressRead {
                inner: reader,
                tally,
                control,
            };
            let mut br = std::io::BufReader::with_capacity(1 << 16, reader);
            let magic = br.fill_buf().is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
            let r = if magic {
                summary.compressed = true;
                run_gz(acc, &name, br, years, control, &mut summary)
            } else if acc.opts.jobs > 1 {
                run_parallel(acc, &name, br, years, control, &mut summary)
            } else {
                run_stream(acc, &name, br, years, control, &mut summary)
            };
            end_input(acc, &name, summary, r);
        }
        Input::Journal(root, paths) => crate::journal::Sink { acc, control }.files(root, &paths),
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

#[cfg(feature = "gzip")]
fn run_gz<R: Read>(
    acc: &mut Acc<'_>,
    path: &[u8],
    r: R,
    years: YearContext,
    control: &Control,
    summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    run_stream(
        acc,
        path,
        flate2::read::MultiGzDecoder::new(r),
        years,
        control,
        summary,
    )
}

#[cfg(not(feature = "gzip"))]
fn run_gz<R: Read>(
    _acc: &mut Acc<'_>,
    _path: &[u8],
    _r: R,
    _years: YearContext,
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
    let r = acc.det.finish();
    a.events = r.events;
    a.sources = r.sources;
    a.hours = r.hours;
    a.window = r.window;
    a.outcome.findings = r.findings;
    a
}

/// Analyses inputs in the order given (oldest first gives the most faithful timeline).
pub fn analyze_inputs<'r>(
    inputs: impl IntoIterator<Item = Input<'r>>,
    opts: &AnalyzeOptions,
    control: &Control,
) -> Analysis {
    let mut acc = Acc {
        opts,
        det: Detector::new(opts.thresholds.clone()),
        analysis: Analysis::default(),
    };
    let tally = Tally::default();
    for input in inputs {
        if control.is_cancelled() {
            acc.analysis
                .outcome
                .error(ErrorRecord::new(None, None, "cancelled"));
            break;
        }
        run_one(&mut acc, input, control, &tally);
    }
    finish(acc)
}

/// Analyses files inside `root` (inner paths), in the order given. `.gz` files are
/// decompressed; systemd journal files (by signature) are read natively, together as one
/// time-ordered input. One unreadable file is an error in the outcome beside the rest.
pub fn analyze_files(
    root: &HostRoot,
    paths: &[PathBuf],
    opts: &AnalyzeOptions,
    control: &Control,
) -> Analysis {
    let inputs = resolve_inputs(paths.iter().map(|p| Input::Root(root, p.clone())));
    analyze_inputs(inputs, opts, control)
}

/// What inputs stand for, ready for [`analyze_inputs`]: an [`Input::Root`] naming a directory
/// stands for the systemd journal files in it and one level below
/// ([`journal_files_in`](crate::journal::journal_files_in)), and one naming a file that starts
/// with the journal signature (whatever its name) is a journal file. Journal files of one root
/// are read together, as one time-ordered [`Input::Journal`] where the first of them was given
/// (see [`crate::journal`]); every other input keeps its place. A directory without journal
/// files stays as it was given: reading it is an error that names it.
pub fn resolve_inputs<'r>(inputs: impl IntoIterator<Item = Input<'r>>) -> Vec<Input<'r>> {
    let mut out: Vec<Input<'r>> = Vec::new();
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
                let files = if dir {
                    crate::journal::journal_files_in(root, &path)
                } else if is_journal_file(root, &path) {
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
            other @ Input::Reader(..) => out.push(other),
        }
    }
    out
}

/// Whether `path` (opened soundly, 8 bytes read) starts with the journal file signature.
fn is_journal_file(root: &HostRoot, path: &Path) -> bool {
    let Ok(f) = root.open_file(path, &OpenOptions::new()) else {
        return false;
    };
    let mut head = Vec::with_capacity(8);
    f.take(8).read_to_end(&mut head).is_ok() && crate::journal::is_journal(&head)
}

/// Analyses any reader (stdin, a decompressed stream, a test buffer). `name` appears in
/// evidence. Gzip is detected by its magic bytes.
pub fn analyze_reader<R: Read + Send>(
    reader: R,
    name: &[u8],
    opts: &AnalyzeOptions,
    control: &Control,
) -> Analysis {
    analyze_inputs(
        [Input::Reader(Box::new(reader), name.to_vec())],
        opts,
        control,
    )
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
];

/// Rotation order: `auth.log.4.gz`, ..., `auth.log.1`, `auth.log` and dated
/// `secure-20240101`(.gz) siblings, oldest first.
fn rotations(root: &HostRoot, base: &Path) -> Vec<PathBuf> {
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

/// Finds the default logs under `root` (auth.log, secure, syslog, messages, kern.log,
/// nftables.log, ufw.log and their rotations, `.gz` included) and analyses them, oldest
/// rotation first. Absent files are listed in `missing`, not errors.
pub fn analyze_root(root: &HostRoot, opts: &AnalyzeOptions, control: &Control) -> Analysis {
    let mut paths = Vec::new();
    let mut missing = Vec::new();
    for base in DEFAULT_LOGS {
        let base = Path::new(base);
        let rot = rotations(root, base);
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
    let mut a = analyze_inputs(journal.into_iter().chain(texts), opts, control);
    a.missing = missing;
    a
}
