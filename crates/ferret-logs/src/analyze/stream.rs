//! The sequential path: one reader, line by line, each event observed in place; and the
//! per-line rules every path shares (repeat lines, what counts as unparsed).

use std::io::Read;

use ferret_core::Control;

use crate::envelope::{self, Envelope, Format};
use crate::event::{
    last_repeat_untagged, maybe_repeat, parse_message, parse_repeat, Cut, EventKind,
};
use crate::time::{TimeCache, YearContext};

use super::lines::{Line, LineReader, PrevLine};
use super::{Acc, FileSummary};

#[allow(clippy::inline_always)]
#[inline(always)]
pub(crate) fn is_sshd(p: &[u8]) -> bool {
    // The common tag in one 4-byte compare, inline; the others out of line.
    p == b"sshd" || is_sshd_other(p)
}

#[inline(never)]
fn is_sshd_other(p: &[u8]) -> bool {
    matches!(p, b"sshd-session" | b"sshd-auth" | b"" | b"dropbear")
}

/// How many times a line's event happened (syslog repeat lines).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rep {
    /// 1, or the (capped) count of a repeat line.
    pub(crate) times: u64,
    /// The count was over [`crate::event::MAX_REPEAT`].
    pub(crate) capped: bool,
    /// A `last message repeated N times` line: the event is the previous message's.
    pub(crate) last: bool,
}

impl Rep {
    pub(crate) const ONE: Rep = Rep {
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
pub(crate) fn message_event<'a>(
    program: &'a [u8],
    pid: Option<u32>,
    msg: &'a [u8],
    truncated: bool,
    rep: &mut Rep,
) -> Option<EventKind<'a>> {
    if maybe_repeat(msg) {
        let cut = if truncated {
            Cut::Truncated
        } else {
            Cut::Whole
        };
        let r = parse_repeat(msg, cut).or_else(|| last_repeat_untagged(program, msg));
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
pub(crate) fn is_last_repeat(text: &[u8], years: &YearContext) -> bool {
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
pub(crate) struct Source;

impl Source {
    /// The repeated event with the source line's pid and sshd flag.
    pub(crate) fn resolve(
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
    pub(crate) fn before<'d>(
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
pub(crate) fn no_envelope(env: &Envelope<'_>) -> bool {
    env.format == Format::NoTimestamp && env.program.is_empty() && env.host.is_none()
}

/// A `last message repeated` line of the sequential path (`src`: its source line).
#[cold]
#[inline(never)]
pub(crate) fn last_repeat_stream(
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
                    .observe_repeated(line.number, env.time, pid, sshd, &ev, rep.times, true);
            }
        }
        None if no_envelope(env) => {
            summary.unparsed += 1;
            acc.sample(path, line.number, line.text);
        }
        None => summary.unrecognized += 1,
    }
}

/// Sequential streaming over one reader.
pub(crate) fn run_stream<R: Read>(
    acc: &mut Acc<'_>,
    path: &[u8],
    reader: R,
    years: &YearContext,
    control: &Control,
    summary: &mut FileSummary,
) -> Result<(), std::io::Error> {
    run_stream_from(acc, path, reader, years, control, summary, 0)
}

/// [`run_stream`] with line numbers continuing after `line_base` lines already read.
pub(crate) fn run_stream_from<R: Read>(
    acc: &mut Acc<'_>,
    path: &[u8],
    reader: R,
    years: &YearContext,
    control: &Control,
    summary: &mut FileSummary,
    line_base: u64,
) -> Result<(), std::io::Error> {
    let mut lr = LineReader::new(reader, acc.opts.max_line);
    lr.line_no = line_base;
    let mut st = StreamState {
        acc,
        path,
        years,
        control,
        summary,
        times: TimeCache::default(),
        charged: 0,
        chain: None,
        last_repeat_at: 0,
    };
    loop {
        // The lines of the buffer in one inlined loop, then one line the general way.
        lr.scan(|line, prev| st.line(line, prev))?;
        match lr.next_with_prev() {
            Some(line) => {
                let (line, prev) = line?;
                st.line_cold(line, prev)?;
            }
            None => return Ok(()),
        }
    }
}

/// What [`run_stream_from`] keeps from line to line.
struct StreamState<'s, 'o> {
    acc: &'s mut Acc<'o>,
    path: &'s [u8],
    years: &'s YearContext,
    control: &'s Control,
    summary: &'s mut FileSummary,
    times: TimeCache,
    charged: u64,
    /// The source of the current run of `last message repeated` lines (copied only on them).
    chain: Option<Vec<u8>>,
    /// Line number of the last `last message repeated` line (0: none).
    last_repeat_at: u64,
}

impl StreamState<'_, '_> {
    /// [`Self::line`] out of line, for the lines the reader gives one by one.
    #[inline(never)]
    fn line_cold(&mut self, line: Line<'_>, prev: PrevLine<'_>) -> Result<(), std::io::Error> {
        self.line(line, prev)
    }

    /// One line, inlined into the buffer scan's loop.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn line(&mut self, line: Line<'_>, prev: PrevLine<'_>) -> Result<(), std::io::Error> {
        self.summary.lines += 1;
        self.charged += line.text.len() as u64 + 1;
        if self.charged >= 1 << 20 {
            if !self.control.charge(self.charged) {
                return Err(std::io::Error::other("cancelled"));
            }
            self.charged = 0;
        }
        if let Some(len) = line.truncated_from {
            self.summary.long_lines += 1;
            self.acc.det.long_line(line.number, len);
        }
        // Parsed in place and observed by reference: nothing moves, nothing is allocated.
        let env = envelope::parse_cached(line.text, self.years, &mut self.times);
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
                self.acc.det.repeat_capped(line.number);
            }
            if rep.last {
                // A run of repeat lines repeats the line before the run.
                if self.last_repeat_at == 0 || self.last_repeat_at + 1 != line.number {
                    self.chain = prev.get().map(<[u8]>::to_vec);
                }
                self.last_repeat_at = line.number;
                last_repeat_stream(
                    self.acc,
                    self.path,
                    &line,
                    &env,
                    self.chain.as_deref(),
                    self.years,
                    rep,
                    self.summary,
                );
                return Ok(());
            }
        }
        let unparsed = event.is_none() && no_envelope(&env);
        if unparsed {
            self.summary.unparsed += 1;
            if self.acc.analysis.unparsed_samples.len() < self.acc.opts.max_samples {
                let t = line.text.to_vec();
                self.acc.sample(self.path, line.number, &t);
            }
        }
        match &event {
            Some(ev) => {
                self.summary.events += 1;
                if self.acc.in_range(env.time) {
                    let sshd = is_sshd(&env.program);
                    if rep.times == 1 {
                        self.acc
                            .det
                            .observe_event(line.number, env.time, env.pid, sshd, ev);
                    } else {
                        self.acc.det.observe_repeated(
                            line.number,
                            env.time,
                            env.pid,
                            sshd,
                            ev,
                            rep.times,
                            false,
                        );
                    }
                }
            }
            None => self.summary.unrecognized += u64::from(!unparsed),
        }
        // The parsers build only borrowed fields (of the line, or of the envelope's own
        // buffer): nothing to free, so the drop glue's per-field checks are skipped.
        if let Some(ev) = event {
            debug_assert!(super::packed::all_borrowed(&ev));
            std::mem::forget(ev);
        }
        Ok(())
    }
}
