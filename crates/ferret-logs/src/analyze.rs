//! Streaming analysis of whole files: line splitting, gzip, rotated siblings, parallel chunks,
//! and the default log set of a host root.

use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use ferret_core::{Control, ErrorRecord, HostRoot, OpenOptions, Outcome};

use crate::detect::{Detector, HourBucket, SourceSummary, Thresholds, Window};
use crate::envelope::{self, Envelope, Format};
use crate::event::{last_repeat_untagged, maybe_repeat, parse_message, parse_repeat, EventKind};
use crate::packed::{pack, unpack, PackedObs, Packer, Unpacker, MAX_PIECE};
use crate::time::{LogTime, TimeCache, YearContext};
use crate::Error;

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

/// Splits a stream into lines with `memchr` over a large buffer: no allocation per line,
/// `\r\n` handled, lines longer than the cap truncated (and reported as such).
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
    line_no: u64,
    /// Buffer offset of a line whose previous line is gone (after an overlong line).
    no_prev_at: Option<usize>,
}

/// One line from a [`LineReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: u64,
    /// The bytes, without the newline and a trailing `\r`.
    pub text: &'a [u8],
    /// Length of the original line when it was truncated to the cap.
    pub truncated_from: Option<usize>,
}

impl<R: Read> LineReader<R> {
    /// A reader with a 1 MiB buffer and the given line cap.
    pub fn new(inner: R, max_line: usize) -> Self {
        let max_line = max_line.max(64);
        LineReader {
            inner,
            // Room for the kept previous line beside a line over the cap.
            buf: vec![0; (1 << 20).max(max_line * 3 + 2)],
            start: 0,
            end: 0,
            eof: false,
            max_line,
            line_no: 0,
            no_prev_at: None,
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        // The line before `start` stays in the buffer (for `last message repeated`) unless
        // it is over the cap.
        let before = self
            .buf
            .get(..self.start.saturating_sub(1))
            .unwrap_or_default();
        let mut keep = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
        if self.start - keep > self.max_line + 2 {
            keep = self.start;
        }
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.end -= keep;
            self.start -= keep;
            self.no_prev_at = self.no_prev_at.and_then(|x| x.checked_sub(keep));
        }
        while self.end < self.buf.len() {
            let Some(dst) = self.buf.get_mut(self.end..) else {
                break;
            };
            match self.inner.read(dst) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => {
                    self.end += n;
                    if self.end - self.start > self.max_line {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// [`LineReader::next_line`] with access to the line before it.
    #[inline]
    pub(crate) fn next_with_prev(&mut self) -> Option<std::io::Result<(Line<'_>, PrevLine<'_>)>> {
        let (number, truncated_from, at, len) = match self.next_line()? {
            Ok(l) => (
                l.number,
                l.truncated_from,
                l.text.as_ptr() as usize,
                l.text.len(),
            ),
            Err(e) => return Some(Err(e)),
        };
        // The text lies in the buffer (an empty fallback slice may not: start 0).
        let start = at.wrapping_sub(self.buf.as_ptr() as usize);
        let start = if start <= self.buf.len() { start } else { 0 };
        let text = self
            .buf
            .get(start..start.saturating_add(len))
            .unwrap_or_default();
        let prev = PrevLine {
            buf: self.buf.get(..start).unwrap_or_default(),
            max_line: self.max_line,
            gone: start == 0 || self.no_prev_at == Some(start),
            floor: self.no_prev_at.filter(|x| *x < start).unwrap_or(0),
        };
        Some(Ok((
            Line {
                number,
                text,
                truncated_from,
            },
            prev,
        )))
    }

    /// The next line, or `None` at the end.
    pub fn next_line(&mut self) -> Option<std::io::Result<Line<'_>>> {
        loop {
            let avail = self.buf.get(self.start..self.end).unwrap_or_default();
            if let Some(n) = memchr::memchr(b'\n', avail) {
                let s = self.start;
                self.start += n + 1;
                self.line_no += 1;
                if n > self.max_line {
                    return Some(Ok(Line {
                        number: self.line_no,
                        text: self.buf.get(s..s + self.max_line).unwrap_or_default(),
                        truncated_from: Some(n),
                    }));
                }
                let mut text = self.buf.get(s..s + n).unwrap_or_default();
                if let Some(t) = text.strip_suffix(b"\r") {
                    text = t;
                }
                return Some(Ok(Line {
                    number: self.line_no,
                    text,
                    truncated_from: None,
                }));
            }
            if avail.len() > self.max_line {
                // Overlong: keep the head, skip to the next newline.
                let s = self.start;
                let head: Vec<u8> = self
                    .buf
                    .get(s..s + self.max_line)
                    .unwrap_or_default()
                    .to_vec();
                let mut skipped = avail.len();
                self.start = self.end;
                loop {
                    if let Err(e) = self.fill() {
                        return Some(Err(e));
                    }
                    let avail = self.buf.get(self.start..self.end).unwrap_or_default();
                    if let Some(n) = memchr::memchr(b'\n', avail) {
                        skipped += n;
                        self.start += n + 1;
                        break;
                    }
                    skipped += avail.len();
                    self.start = self.end;
                    if self.eof {
                        break;
                    }
                }
                self.line_no += 1;
                // Put the head back at the front of the buffer so the returned slice lives in it.
                let keep = self.end - self.start;
                let mut nb = head;
                let hl = nb.len();
                nb.extend_from_slice(self.buf.get(self.start..self.end).unwrap_or_default());
                nb.resize(self.buf.len().max(nb.len()), 0);
                self.buf = nb;
                self.start = hl;
                self.end = hl + keep;
                self.no_prev_at = Some(hl);
                return Some(Ok(Line {
                    number: self.line_no,
                    text: self.buf.get(..hl).unwrap_or_default(),
                    truncated_from: Some(skipped),
                }));
            }
            if self.eof {
                if avail.is_empty() {
                    return None;
                }
                let s = self.start;
                let n = avail.len();
                self.start = self.end;
                self.line_no += 1;
                let mut text = self.buf.get(s..s + n).unwrap_or_default();
                if let Some(t) = text.strip_suffix(b"\r") {
                    text = t;
                }
                return Some(Ok(Line {
                    number: self.line_no,
                    text,
                    truncated_from: None,
                }));
            }
            if let Err(e) = self.fill() {
                return Some(Err(e));
            }
        }
    }
}

/// The line before a line of a [`LineReader`], found only when asked (repeat lines).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PrevLine<'a> {
    /// The buffer up to the line's start.
    buf: &'a [u8],
    max_line: usize,
    /// No previous line: start of the input, or it was overlong.
    gone: bool,
    /// Lines start at or after this offset (the head of an overlong line before it has no
    /// newline).
    floor: usize,
}

impl<'a> PrevLine<'a> {
    /// The previous line's text (`\r` stripped); `None` at the start or when it was
    /// truncated.
    pub(crate) fn get(self) -> Option<&'a [u8]> {
        if self.gone {
            return None;
        }
        let body = self.buf.get(..self.buf.len().checked_sub(1)?)?;
        let from = memchr::memrchr(b'\n', body).map_or(0, |p| p + 1);
        let t = body.get(from.max(self.floor)..)?;
        (t.len() <= self.max_line).then(|| t.strip_suffix(b"\r").unwrap_or(t))
    }
}

/// One parsed line, owned (the convenient, allocating iterator API).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record {
    /// 1-based line number.
    pub line: u64,
    /// The envelope.
    pub envelope: Envelope<'static>,
    /// The recognised event, if any.
    pub event: Option<EventKind<'static>>,
}

/// Iterator of [`Record`]s over any reader (allocates per line; the analysis functions do not).
#[derive(Debug)]
pub struct Records<R> {
    reader: LineReader<R>,
    years: YearContext,
    times: TimeCache,
}

/// Parses every line of `reader` into owned records.
pub fn records<R: Read>(reader: R, years: YearContext) -> Records<R> {
    Records {
        reader: LineReader::new(reader, 64 * 1024),
        years,
        times: TimeCache::default(),
    }
}

impl<R: Read> Iterator for Records<R> {
    type Item = Result<Record, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        let years = self.years;
        let line = match self.reader.next_line()? {
            Ok(l) => l,
            Err(e) => {
                return Some(Err(Error::Io {
                    path: PathBuf::from("-"),
                    source: e,
                }))
            }
        };
        let env = envelope::parse_cached(line.text, &years, &mut self.times);
        let event = message_event(
            &env.program,
            env.pid,
            &env.message,
            line.truncated_from.is_some(),
            &mut { Rep::ONE },
        );
        let event = event.map(EventKind::into_owned);
        Some(Ok(Record {
            line: line.number,
            envelope: env.into_owned(),
            event,
        }))
    }
}

#[inline]
fn is_sshd(p: &[u8]) -> bool {
    matches!(
        p,
        b"sshd" | b"sshd-session" | b"sshd-auth" | b"" | b"dropbear"
    )
}

/// How many times a line's event happened (syslog repeat lines).
#[derive(Debug, Clone, Copy)]
struct Rep {
    /// 1, or the (capped) count of a repeat line.
    times: u64,
    /// The count was over [`crate::event::MAX_REPEAT`].
    capped: bool,
    /// A `last message repeated N times` line: the event is the previous message's.
    last: bool,
}

impl Rep {
    const ONE: Rep = Rep {
        times: 1,
        capped: false,
        last: false,
    };
}

/// The event of a message, unwrapping rsyslog's `message repeated N times: [ MSG]` (MSG is
/// the event, `N` times). Only messages starting with `m`, `l` or `-` are looked at twice.
/// `last message repeated N times` (never on a truncated line) has no event of its own:
/// `Rep::last` is set and the caller repeats the previous message's (see [`Source`]).
#[inline]
// `rep` is an out parameter so that the event is returned (and built) in place.
fn message_event<'a>(
    program: &'a [u8],
    pid: Option<u32>,
    msg: &'a [u8],
    truncated: bool,
    rep: &mut Rep,
) -> Option<EventKind<'a>> {
    if maybe_repeat(msg) {
        let r = parse_repeat(msg, truncated).or_else(|| last_repeat_untagged(program, msg));
        if let Some(r) = r.filter(|r| r.message.is_some() || !truncated) {
            *rep = Rep {
                times: r.count,
                capped: r.capped,
                last: r.message.is_none(),
            };
            return r.message.and_then(|m| parse_message(program, pid, m));
        }
    }
    parse_message(program, pid, msg)
}

/// Whether a whole (not truncated) line is a `last message repeated N times` line.
fn is_last_repeat(text: &[u8], years: &YearContext) -> bool {
    let env = envelope::parse(text, years);
    let mut rep = Rep::ONE;
    maybe_repeat(&env.message) && {
        let _ = message_event(&env.program, env.pid, &env.message, false, &mut rep);
        rep.last
    }
}

/// The event a `last message repeated` line repeats: the most recent line before it that is
/// not itself such a line (`src`; `None` at the start of a file or when that line was
/// truncated), when it was logged by the same host. Owned (repeat lines are rare).
struct Source;

impl Source {
    /// The repeated event with the source line's pid and sshd flag.
    fn resolve(
        src: Option<&[u8]>,
        env: &Envelope<'_>,
        years: &YearContext,
    ) -> Option<(EventKind<'static>, Option<u32>, bool)> {
        let s = envelope::parse(src?, years);
        if s.host != env.host {
            return None;
        }
        let ev = message_event(&s.program, s.pid, &s.message, false, &mut { Rep::ONE });
        Some((ev?.into_owned(), s.pid, is_sshd(&s.program)))
    }

    /// The source before the end of `data` (whole lines as [`parse_chunk`] splits them):
    /// `Some(src)` from the last line that is not a `last message repeated` line, `None` when
    /// every line of `data` is one (the source is then further back).
    // Three cases: no line of `data` decides / the source is a truncated line / a line.
    #[allow(clippy::option_option)]
    fn before<'d>(
        data: &'d [u8],
        years: &YearContext,
        max_line: usize,
    ) -> Option<Option<&'d [u8]>> {
        let max_line = max_line.max(64);
        if data.is_empty() {
            return None;
        }
        let mut end = data.len();
        if data.last() == Some(&b'\n') {
            end -= 1;
        }
        loop {
            let body = data.get(..end).unwrap_or_default();
            let start = memchr::memrchr(b'\n', body).map_or(0, |p| p + 1);
            let line = body.get(start..).unwrap_or_default();
            if line.len() > max_line {
                return Some(None);
            }
            let text = line.strip_suffix(b"\r").unwrap_or(line);
            if !is_last_repeat(text, years) {
                return Some(Some(text));
            }
            if start == 0 {
                return None;
            }
            end = start - 1;
        }
    }
}

/// No timestamp, no tag, no host: the line's layout is not recognised.
#[inline]
fn no_envelope(env: &Envelope<'_>) -> bool {
    env.format == Format::NoTimestamp && env.program.is_empty() && env.host.is_none()
}

struct Acc<'o> {
    opts: &'o AnalyzeOptions,
    det: Detector,
    analysis: Analysis,
}

impl Acc<'_> {
    fn in_range(&self, t: Option<LogTime>) -> bool {
        match t {
            Some(t) => {
                self.opts.since.is_none_or(|s| t >= s) && self.opts.until.is_none_or(|u| t <= u)
            }
            None => self.opts.since.is_none() && self.opts.until.is_none(),
        }
    }

    fn sample(&mut self, path: &[u8], line: u64, text: &[u8]) {
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

/// Chunk result of the parallel path: compact observations whose fields are spans of the
/// piece (see [`crate::packed`]).
struct Chunk {
    lines: u64,
    unparsed: u64,
    unrecognized: u64,
    obs: Vec<PackedObs>,
    /// Field bytes that are not in the piece.
    arena: Vec<u8>,
    /// Truncated lines: (chunk-local line, original length), in order.
    long: Vec<(u64, usize)>,
    /// Repeat lines whose count was capped (chunk-local line), in order.
    capped: Vec<u64>,
    /// Samples of unparsed lines: (chunk-local line, start and end in the piece).
    unparsed_at: Vec<(u64, usize, usize)>,
}

/// Where `text` (a slice of `data`) lies in it.
fn range_in(data: &[u8], text: &[u8]) -> (usize, usize) {
    let at = (text.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
    let at = at.min(data.len());
    (at, at + text.len().min(data.len() - at))
}

/// Parses a piece of whole lines exactly as [`LineReader`] and [`run_stream`] would: the
/// same length cap (at least 64), `\r` stripped only from lines under the cap, overlong
/// lines counted and flagged.
/// `before`: the source of a leading `last message repeated` line (see [`Source::before`]).
fn parse_chunk(
    data: &[u8],
    before: Option<&[u8]>,
    bufs: Bufs,
    years: &YearContext,
    max_line: usize,
    max_samples: usize,
) -> Chunk {
    let max_line = max_line.max(64);
    // About one event per 100 bytes of auth log: at most one allocation per piece (none once
    // the recycled vectors have grown).
    let Bufs { mut obs, mut arena } = bufs;
    obs.clear();
    obs.reserve(data.len() / 96 + 1);
    arena.clear();
    let mut c = Chunk {
        lines: 0,
        unparsed: 0,
        unrecognized: 0,
        obs,
        arena,
        long: Vec::new(),
        capped: Vec::new(),
        unparsed_at: Vec::new(),
    };
    let mut times = TimeCache::default();
    let mut src = before;
    let mut pos = 0;
    while pos < data.len() {
        let rest = data.get(pos..).unwrap_or_default();
        let n = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..n).unwrap_or_default();
        pos += n + 1;
        c.lines += 1;
        let truncated = n > max_line;
        let text = if truncated {
            c.long.push((c.lines, n));
            line.get(..max_line).unwrap_or_default()
        } else {
            line.strip_suffix(b"\r").unwrap_or(line)
        };
        // The event is built straight into the piece's vector.
        let env = envelope::parse_cached(text, years, &mut times);
        let mut rep = Rep::ONE;
        let event = match (&env.program, &env.message) {
            (Cow::Borrowed(p), Cow::Borrowed(m)) => {
                message_event(p, env.pid, m, truncated, &mut rep)
            }
            (p, m) => message_event(p, env.pid, m, truncated, &mut rep).map(EventKind::into_owned),
        };
        if rep.capped || rep.last {
            if rep.capped {
                c.capped.push(c.lines);
            }
            if rep.last {
                last_repeat_chunk(&mut c, data, src, &env, years, text, rep, max_samples);
                continue;
            }
        }
        // Any line but `last message repeated` is the source of the repeat lines after it.
        src = if truncated { None } else { Some(text) };
        let unparsed = event.is_none() && no_envelope(&env);
        if unparsed {
            c.unparsed += 1;
            if c.unparsed_at.len() < max_samples {
                let (a, b) = range_in(data, text);
                c.unparsed_at.push((c.lines, a, b));
            }
        }
        match event {
            Some(event) => {
                let kind = pack(&event, &mut Packer::new(data, &mut c.arena));
                c.obs.push(PackedObs {
                    line: u32::try_from(c.lines).unwrap_or(u32::MAX),
                    time: env.time,
                    pid: env.pid,
                    sshd: is_sshd(&env.program),
                    kind,
                    repeat: u32::try_from(rep.times).unwrap_or(u32::MAX),
                });
            }
            None => c.unrecognized += u64::from(!unparsed),
        }
    }
    c
}

/// A `last message repeated` line of a piece: the source's event as an observation, or the
/// line counted as unparsed / unrecognized (as [`last_repeat_stream`] does).
#[cold]
#[inline(never)]
fn last_repeat_chunk(
    c: &mut Chunk,
    data: &[u8],
    src: Option<&[u8]>,
    env: &Envelope<'_>,
    years: &YearContext,
    text: &[u8],
    rep: Rep,
    max_samples: usize,
) {
    match Source::resolve(src, env, years) {
        Some((event, pid, sshd)) => {
            let kind = pack(&event, &mut Packer::new(data, &mut c.arena));
            c.obs.push(PackedObs {
                line: u32::try_from(c.lines).unwrap_or(u32::MAX),
                time: env.time,
                pid,
                sshd,
                kind,
                repeat: u32::try_from(rep.times).unwrap_or(u32::MAX),
            });
        }
        None if no_envelope(env) => {
            c.unparsed += 1;
            if c.unparsed_at.len() < max_samples {
                let (a, b) = range_in(data, text);
                c.unparsed_at.push((c.lines, a, b));
            }
        }
        None => c.unrecognized += 1,
    }
}

/// A `last message repeated` line of the sequential path (`src`: its source line).
#[cold]
#[inline(never)]
fn last_repeat_stream(
    acc: &mut Acc<'_>,
    path: &[u8],
    line: &Line<'_>,
    env: &Envelope<'_>,
    src: Option<&[u8]>,
    years: &YearContext,
    rep: Rep,
    summary: &mut FileSummary,
) {
    match Source::resolve(src, env, years) {
        Some((ev, pid, sshd)) => {
            summary.events += 1;
            if acc.in_range(env.time) {
                acc.det
                    .observe_repeated(line.number, env.time, pid, sshd, &ev, rep.times);
            }
        }
        None if no_envelope(env) => {
            summary.unparsed += 1;
            acc.sample(path, line.number, line.text);
        }
        None => summary.unrecognized += 1,
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

/// Sequential streaming over one reader.
fn run_stream<R: Read>(
    acc: &mut Acc<'_>,
    path: &[u8],
    reader: R,
    years: YearContext,
    control: &Control,
    summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    run_stream_from(acc, path, reader, years, control, summary, 0)
}

/// [`run_stream`] with line numbers continuing after `line_base` lines already read.
fn run_stream_from<R: Read>(
    acc: &mut Acc<'_>,
    path: &[u8],
    reader: R,
    years: YearContext,
    control: &Control,
    summary: &mut FileSummary,
    line_base: u64,
) -> Result<(), std::io::Error> {
    let mut lr = LineReader::new(reader, acc.opts.max_line);
    lr.line_no = line_base;
    let mut times = TimeCache::default();
    let mut charged = 0u64;
    // The source of the current run of `last message repeated` lines (copied only on them).
    let mut chain: Option<Vec<u8>> = None;
    // Line number of the last `last message repeated` line (0: none).
    let mut last_repeat_at = 0u64;
    while let Some(line) = lr.next_with_prev() {
        let (line, prev) = line?;
        summary.lines += 1;
        charged += line.text.len() as u64 + 1;
        if charged >= 1 << 20 {
            if !control.charge(charged) {
                return Err(std::io::Error::other("cancelled"));
            }
            charged = 0;
        }
        if let Some(len) = line.truncated_from {
            summary.long_lines += 1;
            acc.det.long_line(line.number, len);
        }
        // Parsed in place and observed by reference: nothing moves, nothing is allocated.
        let env = envelope::parse_cached(line.text, &years, &mut times);
        let mut rep = Rep::ONE;
        let event = message_event(
            &env.program,
            env.pid,
            &env.message,
            line.truncated_from.is_some(),
            &mut rep,
        );
        if rep.capped || rep.last {
            if rep.capped {
                acc.det.repeat_capped(line.number);
            }
            if rep.last {
                // A run of repeat lines repeats the line before the run.
                if last_repeat_at == 0 || last_repeat_at + 1 != line.number {
                    chain = prev.get().map(<[u8]>::to_vec);
                }
                last_repeat_at = line.number;
                last_repeat_stream(
                    acc,
                    path,
                    &line,
                    &env,
                    chain.as_deref(),
                    &years,
                    rep,
                    summary,
                );
                continue;
            }
        }
        let unparsed = event.is_none() && no_envelope(&env);
        if unparsed {
            summary.unparsed += 1;
            if acc.analysis.unparsed_samples.len() < acc.opts.max_samples {
                let t = line.text.to_vec();
                acc.sample(path, line.number, &t);
            }
        }
        match &event {
            Some(ev) => {
                summary.events += 1;
                if acc.in_range(env.time) {
                    let sshd = is_sshd(&env.program);
                    if rep.times == 1 {
                        acc.det
                            .observe_event(line.number, env.time, env.pid, sshd, ev);
                    } else {
                        acc.det.observe_repeated(
                            line.number,
                            env.time,
                            env.pid,
                            sshd,
                            ev,
                            rep.times,
                        );
                    }
                }
            }
            None => summary.unrecognized += u64::from(!unparsed),
        }
        // The parsers build only borrowed fields (of the line, or of the envelope's own
        // buffer): nothing to free, so the drop glue's per-field checks are skipped.
        if let Some(ev) = event {
            debug_assert!(crate::packed::all_borrowed(&ev));
            std::mem::forget(ev);
        }
    }
    Ok(())
}

/// One block read by [`read_block`].
#[derive(Debug, Clone, Copy)]
struct Block {
    /// Bytes of whole lines at the front of the buffer.
    end: usize,
    /// Bytes read into the buffer (`end` plus the partial line carried to the next block).
    filled: usize,
    /// The input ended.
    eof: bool,
    /// A full block without a newline: a line longer than the block.
    overlong: bool,
}

/// Reads the next block into `buf` (reused): the carried partial line, then input up to
/// `cap` bytes, cut after the last newline (the rest is carried).
fn read_block<R: Read>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    carry: &mut Vec<u8>,
    cap: usize,
    control: &Control,
) -> Result<Block, std::io::Error> {
    let old = carry.len();
    let want = cap.max(old + (1 << 20));
    // Reads go straight into the buffer, which keeps its length from block to block
    // (`read_to_end` would zero the spare room before every block for a reader without
    // `read_buf`, such as the progress wrapper). A new buffer comes zeroed from the
    // allocator, so a small input touches only the pages it fills.
    if buf.len() < want {
        if buf.is_empty() {
            *buf = vec![0; want];
        } else {
            buf.resize(want, 0);
        }
    }
    if let Some(head) = buf.get_mut(..old) {
        head.copy_from_slice(carry);
    }
    carry.clear();
    let mut filled = old;
    while filled < want {
        let Some(dst) = buf.get_mut(filled..want) else {
            break;
        };
        match reader.read(dst) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Fewer bytes than asked: the input ended (a block ending exactly at the end of the input
    // is followed by an empty one).
    let eof = filled < want;
    if !control.charge((filled - old) as u64) {
        return Err(std::io::Error::other("cancelled"));
    }
    let data = buf.get(..filled).unwrap_or_default();
    let mut block = Block {
        end: filled,
        filled,
        eof,
        overlong: false,
    };
    if !eof {
        match memchr::memrchr(b'\n', data) {
            Some(p) => {
                carry.extend_from_slice(data.get(p + 1..).unwrap_or_default());
                block.end = p + 1;
            }
            None => block.overlong = true,
        }
    }
    Ok(block)
}

/// Splits `data` into about `n` pieces at newlines.
fn split_lines(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for k in 1..n {
        let target = data.len() * k / n;
        if target <= start {
            continue;
        }
        let at = memchr::memchr(b'\n', data.get(target..).unwrap_or_default())
            .map_or(data.len(), |p| target + p + 1);
        out.push(data.get(start..at).unwrap_or_default());
        start = at;
    }
    out.push(data.get(start..).unwrap_or_default());
    out
}

/// Measured cost of folding a piece relative to parsing one (the parallel path's balance).
#[derive(Default)]
struct Cost {
    fold: std::time::Duration,
    folds: u32,
    parse: std::time::Duration,
    parses: u32,
}

impl Cost {
    /// Fold time per piece over parse time per piece (0.5 until both are measured).
    fn ratio(&self) -> f64 {
        if self.folds == 0 || self.parses == 0 {
            return 0.5;
        }
        let f = self.fold.as_secs_f64() / f64::from(self.folds);
        let p = self.parse.as_secs_f64() / f64::from(self.parses);
        if p > 0.0 {
            (f / p).clamp(0.05, 4.0)
        } else {
            0.5
        }
    }
}

/// A piece's reusable vectors (kept from block to block).
#[derive(Default)]
struct Bufs {
    obs: Vec<PackedObs>,
    arena: Vec<u8>,
}

/// Folds one parsed piece into the detector, in file order.
fn fold_chunk(
    acc: &mut Acc<'_>,
    path: &[u8],
    summary: &mut FileSummary,
    base: &mut u64,
    data: &[u8],
    c: &Chunk,
) {
    let u = Unpacker {
        data,
        arena: &c.arena,
    };
    summary.lines += c.lines;
    summary.unparsed += c.unparsed;
    summary.unrecognized += c.unrecognized;
    summary.long_lines += c.long.len() as u64;
    summary.events += c.obs.len() as u64;
    for &(l, a, b) in &c.unparsed_at {
        acc.sample(path, *base + l, data.get(a..b).unwrap_or_default());
    }
    // Overlong lines are flagged before their own event, as the sequential path does.
    let mut long = c.long.iter().peekable();
    let mut capped = c.capped.iter().peekable();
    for o in &c.obs {
        let line = u64::from(o.line);
        while let Some((l, n)) = long.next_if(|x| x.0 <= line) {
            acc.det.long_line(*base + l, *n);
        }
        while let Some(l) = capped.next_if(|x| **x <= line) {
            acc.det.repeat_capped(*base + l);
        }
        if acc.in_range(o.time) {
            let event = unpack(&o.kind, u);
            if o.repeat == 1 {
                acc.det
                    .observe_event(*base + line, o.time, o.pid, o.sshd, &event);
            } else {
                acc.det.observe_repeated(
                    *base + line,
                    o.time,
                    o.pid,
                    o.sshd,
                    &event,
                    u64::from(o.repeat),
                );
            }
            // Every field borrows the piece or the arena (`unpack` makes no `Cow::Owned`):
            // nothing to free, so the drop glue's per-field checks are skipped.
            std::mem::forget(event);
        }
    }
    for (l, n) in long {
        acc.det.long_line(*base + l, *n);
    }
    for l in capped {
        acc.det.repeat_capped(*base + l);
    }
    *base += c.lines;
}

/// Bytes the parallel path reads per block (more for a line cap over 2 MiB).
#[doc(hidden)]
pub const PARALLEL_BLOCK: usize = 4 << 20;
/// Target size of a piece of a block: the unit of parallel parsing. 512 KiB: measured faster
/// than 64, 128 and 256 KiB (fewer hand-overs, chunks still small) and than 1 MiB (balance).
#[doc(hidden)]
pub const PARALLEL_PIECE: usize = 512 << 10;

/// One block of whole lines shared by the threads of the parallel path.
struct SharedBlock {
    /// The buffer (whole lines at the front, then spare room).
    buf: Vec<u8>,
    /// The pieces, as ranges of `buf`.
    pieces: Vec<(usize, usize)>,
    /// Each piece's `last message repeated` source (see [`Source::before`]).
    befores: Vec<Option<Vec<u8>>>,
}

impl SharedBlock {
    fn piece(&self, i: usize) -> &[u8] {
        self.pieces
            .get(i)
            .and_then(|&(a, b)| self.buf.get(a..b))
            .unwrap_or_default()
    }
}

/// A piece to parse: its block, its index, and the block's place in the file.
struct Job {
    block: std::sync::Arc<SharedBlock>,
    piece: usize,
    seq: u64,
}

/// The queue of pieces to parse, in file order.
#[derive(Default)]
struct Queue {
    jobs: std::collections::VecDeque<Job>,
    /// No more jobs will come.
    closed: bool,
}

/// What the block reader hands the folding thread.
enum Fetched {
    /// The next block (its jobs are queued already).
    Block(std::sync::Arc<SharedBlock>),
    /// A line longer than a block: these bytes (then the rest of the input) go through the
    /// sequential path.
    Overlong(Vec<u8>),
    Error(std::io::Error),
}

/// Closes the queue and wakes every waiting worker when the folding thread leaves, however it
/// leaves (so the scope's threads all end).
struct CloseOnDrop<'q>(&'q (std::sync::Mutex<Queue>, std::sync::Condvar));

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        if let Ok(mut q) = self.0 .0.lock() {
            q.closed = true;
            q.jobs.clear();
        }
        self.0 .1.notify_all();
    }
}

/// Puts a parsed chunk in its block's slot (or aside, when its block has not been handed
/// over yet), and counts its parse time.
fn store(
    inflight: &mut std::collections::VecDeque<InFlight>,
    early: &mut Vec<(u64, usize, Chunk)>,
    cost: &mut Cost,
    first_seq: u64,
    (seq, piece, c, took): (u64, usize, Chunk, std::time::Duration),
) {
    cost.parse += took;
    cost.parses += 1;
    let k = usize::try_from(seq.wrapping_sub(first_seq)).unwrap_or(usize::MAX);
    match inflight.get_mut(k).and_then(|f| f.slots.get_mut(piece)) {
        Some(slot) => *slot = Some(c),
        None => early.push((seq, piece, c)),
    }
}

/// A block being folded: its pieces' chunks as they arrive, and the next one to fold.
struct InFlight {
    block: std::sync::Arc<SharedBlock>,
    slots: Vec<Option<Chunk>>,
    next: usize,
}

/// Parallel path, `jobs` threads in all, pipelined across blocks: a reader thread reads the
/// file in blocks, cuts each into pieces at line boundaries and queues them; `jobs - 1`
/// workers parse pieces from the front of the queue into compact chunks ([`crate::packed`]);
/// this thread folds the chunks into the detector strictly in file order, and parses pieces
/// from the back of the queue while the unparsed pieces outweigh its folding still to do.
/// Nobody waits at block boundaries: workers go on into the next block while this thread
/// folds the end of the previous one. Results equal the sequential path exactly; memory is
/// bounded by three blocks (one read ahead, up to two being parsed and folded) and their
/// chunks. A line longer than a whole block sends the rest of the input through the
/// sequential path.
fn run_parallel<R: Read + Send>(
    acc: &mut Acc<'_>,
    path: &[u8],
    mut reader: R,
    years: YearContext,
    control: &Control,
    summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    use std::sync::mpsc::{sync_channel, TryRecvError};
    use std::sync::{Arc, Condvar, Mutex};
    use std::time::{Duration, Instant};
    /// Blocks in memory at once: being read, being parsed, being folded.
    const BUFFERS: usize = 3;
    let jobs = acc.opts.jobs.max(1);
    let (max_line, max_samples) = (acc.opts.max_line, acc.opts.max_samples);
    // Any line within the cap fits a block with room to spare.
    let cap = PARALLEL_BLOCK.max(max_line.saturating_mul(2).saturating_add(1));
    // Spans of the compact observations address at most 2 GiB (a line cap over 1 GiB).
    if cap > MAX_PIECE {
        return run_stream(acc, path, reader, years, control, summary);
    }
    let queue = (Mutex::new(Queue::default()), Condvar::new());
    // Spare vectors for the chunks (returned after folding).
    let spare: Mutex<Vec<Bufs>> = Mutex::new(Vec::new());
    let years = &years;
    let mut base = 0u64;
    let mut cost = Cost::default();
    let (overlong, error) = std::thread::scope(|scope| {
        let close = CloseOnDrop(&queue);
        let queue = &queue;
        let (btx, brx) = sync_channel::<Fetched>(BUFFERS);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let (rtx, rrx) = std::sync::mpsc::channel::<(u64, usize, Chunk, Duration)>();
        // The reader: blocks, their pieces and `last message repeated` sources, queued.
        let reader = &mut reader;
        scope.spawn(move || {
            let mut carry = Vec::new();
            let mut run_src: Option<Vec<u8>> = None;
            let mut made = 0;
            let mut seq = 0u64;
            loop {
                let mut buf = if made < BUFFERS {
                    made += 1;
                    Vec::new()
                } else {
                    match free_rx.recv() {
                        Ok(b) => b,
                        Err(_) => break,
                    }
                };
                let block = match read_block(reader, &mut buf, &mut carry, cap, control) {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = btx.send(Fetched::Error(e));
                        break;
                    }
                };
                if block.overlong {
                    buf.truncate(block.filled);
                    let _ = btx.send(Fetched::Overlong(buf));
                    break;
                }
                let data = buf.get(..block.end).unwrap_or_default();
                // At least two pieces per thread, so small inputs are shared (and piece
                // boundaries exercised) too.
                let n = data.len().div_ceil(PARALLEL_PIECE).max(jobs * 2);
                let pieces: Vec<(usize, usize)> = split_lines(data, n)
                    .into_iter()
                    .map(|p| range_in(data, p))
                    .collect();
                let mut befores = Vec::with_capacity(pieces.len());
                for &(a, b) in &pieces {
                    befores.push(run_src.clone());
                    if let Some(src) =
                        Source::before(data.get(a..b).unwrap_or_default(), years, max_line)
                    {
                        run_src = src.map(<[u8]>::to_vec);
                    }
                }
                let shared = Arc::new(SharedBlock {
                    buf,
                    pieces,
                    befores,
                });
                if let Ok(mut q) = queue.0.lock() {
                    for piece in 0..shared.pieces.len() {
                        q.jobs.push_back(Job {
                            block: Arc::clone(&shared),
                            piece,
                            seq,
                        });
                    }
                }
                queue.1.notify_all();
                seq += 1;
                if btx.send(Fetched::Block(shared)).is_err() || block.eof {
                    break;
                }
            }
            if let Ok(mut q) = queue.0.lock() {
                q.closed = true;
            }
            queue.1.notify_all();
        });
        let parse = move |job: Job, bufs: Bufs| -> (u64, usize, Chunk, Duration) {
            let t0 = Instant::now();
            let b = &job.block;
            let before = b.befores.get(job.piece).and_then(Option::as_deref);
            let c = parse_chunk(
                b.piece(job.piece),
                before,
                bufs,
                years,
                max_line,
                max_samples,
            );
            (job.seq, job.piece, c, t0.elapsed())
        };
        let spare = &spare;
        let take_spare = move || {
            spare
                .lock()
                .ok()
                .and_then(|mut v| v.pop())
                .unwrap_or_default()
        };
        for _ in 1..jobs {
            let rtx = rtx.clone();
            scope.spawn(move || loop {
                let job = {
                    let Ok(mut q) = queue.0.lock() else { break };
                    loop {
                        if let Some(j) = q.jobs.pop_front() {
                            break Some(j);
                        }
                        if q.closed {
                            break None;
                        }
                        match queue.1.wait(q) {
                            Ok(g) => q = g,
                            Err(_) => return,
                        }
                    }
                };
                let Some(job) = job else { break };
                // The block is released before the chunk is sent, so the folding thread
                // holds the last reference once every chunk of the block has arrived.
                let r = parse(job, take_spare());
                if rtx.send(r).is_err() {
                    break;
                }
            });
        }
        drop(rtx);
        let mut inflight: std::collections::VecDeque<InFlight> = std::collections::VecDeque::new();
        let mut first_seq = 0u64;
        let mut reader_done = false;
        let mut overlong = None;
        let mut error = None;
        // Chunks of a block the reader has queued but not yet handed over.
        let mut early: Vec<(u64, usize, Chunk)> = Vec::new();
        loop {
            if control.is_cancelled() {
                error = Some(std::io::Error::other("cancelled"));
                break;
            }
            // New blocks (their jobs are queued already).
            while !reader_done {
                let msg = if inflight.is_empty() {
                    brx.recv().ok()
                } else {
                    match brx.try_recv() {
                        Ok(m) => Some(m),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => None,
                    }
                };
                match msg {
                    Some(Fetched::Block(block)) => {
                        let n = block.pieces.len();
                        let mut slots: Vec<Option<Chunk>> = (0..n).map(|_| None).collect();
                        let seq = first_seq + inflight.len() as u64;
                        for (s, p, c) in std::mem::take(&mut early) {
                            match slots.get_mut(p) {
                                Some(slot) if s == seq => *slot = Some(c),
                                _ => early.push((s, p, c)),
                            }
                        }
                        inflight.push_back(InFlight {
                            block,
                            slots,
                            next: 0,
                        });
                    }
                    Some(Fetched::Overlong(head)) => {
                        overlong = Some(head);
                        reader_done = true;
                    }
                    Some(Fetched::Error(e)) => {
                        error = Some(e);
                        reader_done = true;
                    }
                    None => reader_done = true,
                }
            }
            let Some(front) = inflight.front_mut() else {
                if reader_done {
                    break;
                }
                continue;
            };
            // Fold the next chunk in file order when it is there.
            if let Some(c) = front.slots.get_mut(front.next).and_then(Option::take) {
                let t0 = Instant::now();
                let piece = front.block.piece(front.next);
                fold_chunk(acc, path, summary, &mut base, piece, &c);
                cost.fold += t0.elapsed();
                cost.folds += 1;
                front.next += 1;
                if let Ok(mut v) = spare.lock() {
                    v.push(Bufs {
                        obs: c.obs,
                        arena: c.arena,
                    });
                }
                if front.next >= front.slots.len() {
                    if let Some(done) = inflight.pop_front() {
                        first_seq += 1;
                        // Every job of the block has been parsed and released: the buffer
                        // goes back to the reader.
                        if let Ok(b) = Arc::try_unwrap(done.block) {
                            let _ = free_tx.send(b.buf);
                        } else {
                            let _ = free_tx.send(Vec::new());
                        }
                    }
                }
                continue;
            }
            match rrx.try_recv() {
                Ok(r) => {
                    store(&mut inflight, &mut early, &mut cost, first_seq, r);
                    continue;
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => {}
            }
            // Parse a piece here while the unparsed pieces outweigh the folding still to do
            // (otherwise this thread would end up folding a backlog alone while the workers
            // idle); from the back, so the pieces it folds first are the workers'.
            let to_fold: usize = inflight.iter().map(|f| f.slots.len() - f.next).sum();
            let job = queue.0.lock().ok().and_then(|mut q| {
                let waiting = q.jobs.len();
                (jobs == 1 || waiting as f64 > to_fold as f64 * cost.ratio())
                    .then(|| q.jobs.pop_back())
                    .flatten()
            });
            if let Some(job) = job {
                let r = parse(job, take_spare());
                store(&mut inflight, &mut early, &mut cost, first_seq, r);
                continue;
            }
            match rrx.recv_timeout(Duration::from_millis(50)) {
                Ok(r) => store(&mut inflight, &mut early, &mut cost, first_seq, r),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                // No worker left: whatever is queued is parsed here.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let job = queue.0.lock().ok().and_then(|mut q| q.jobs.pop_back());
                    match job {
                        Some(job) => {
                            let r = parse(job, take_spare());
                            store(&mut inflight, &mut early, &mut cost, first_seq, r);
                        }
                        // Nothing queued, nothing coming: a piece was lost (a worker
                        // panicked); stop rather than wait forever.
                        None if reader_done => {
                            error = Some(std::io::Error::other("log worker failed"));
                            break;
                        }
                        None => {}
                    }
                }
            }
        }
        // Unblock the reader (waiting for a free buffer or a slot in the channel) and the
        // workers, then let the scope join them.
        drop(close);
        drop(brx);
        drop(free_tx);
        (overlong, error)
    });
    if let Some(e) = error {
        return Err(e);
    }
    if let Some(head) = overlong {
        let head = std::io::Cursor::new(head);
        return run_stream_from(
            acc,
            path,
            head.chain(&mut reader),
            *years,
            control,
            summary,
            base,
        );
    }
    Ok(())
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
        Input::Journal(root, paths) => crate::journal::Sink {
            det: &mut acc.det,
            analysis: &mut acc.analysis,
            opts: acc.opts,
            control,
        }
        .files(root, &paths),
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

fn push_summary(acc: &mut Acc<'_>, s: FileSummary) {
    acc.analysis.lines += s.lines;
    acc.analysis.unparsed += s.unparsed;
    acc.analysis.unrecognized += s.unrecognized;
    acc.analysis.long_lines += s.long_lines;
    acc.analysis.files.push(s);
}

fn finish(acc: Acc<'_>) -> Analysis {
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
    // systemd journal files (recognised by their signature, whatever their name) are read
    // together as one time-ordered journal input, where the first of them was given.
    let mut inputs: Vec<Input<'_>> = Vec::with_capacity(paths.len());
    let mut journals: Vec<PathBuf> = Vec::new();
    let mut journal_at = None;
    for p in paths {
        if is_journal_file(root, p) {
            journal_at.get_or_insert(inputs.len());
            journals.push(p.clone());
        } else {
            inputs.push(Input::Root(root, p.clone()));
        }
    }
    if let Some(at) = journal_at {
        inputs.insert(at.min(inputs.len()), Input::Journal(root, journals));
    }
    analyze_inputs(inputs, opts, control)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader returning at most `step` bytes per call.
    struct Dribble<'a>(&'a [u8], usize);
    impl Read for Dribble<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn previous_line_survives_buffer_refills() {
        let max_line = 100;
        let mut data = Vec::new();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut k = 0u64;
        while data.len() < 3 << 20 {
            k = k
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let len = match k >> 60 {
                0 => 150 + (k >> 40) as usize % 3000, // over the cap
                1 => 0,
                _ => (k >> 40) as usize % 100,
            };
            let mut l: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            if k >> 59 & 1 == 1 && len < 99 {
                l.push(b'\r');
            }
            data.extend_from_slice(&l);
            data.push(b'\n');
            lines.push(l);
        }
        for step in [1 << 20, 4093] {
            let mut r = LineReader::new(Dribble(&data, step), max_line);
            let mut i = 0usize;
            while let Some(x) = r.next_with_prev() {
                let (line, prev) = x.unwrap();
                // Only whole lines ask for their previous line.
                if line.truncated_from.is_some() {
                    i += 1;
                    continue;
                }
                let want = i.checked_sub(1).and_then(|j: usize| {
                    let p: &Vec<u8> = &lines[j];
                    (p.len() <= max_line).then(|| p.strip_suffix(b"\r").unwrap_or(p))
                });
                assert_eq!(prev.get(), want, "line {i}, step {step}");
                i += 1;
            }
            assert_eq!(i, lines.len());
        }
    }
}
