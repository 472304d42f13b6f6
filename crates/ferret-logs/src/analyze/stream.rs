//! The sequential path: one reader, line by line, each event observed in place; and the
//! per-line rules every path shares (repeat lines, what counts as unparsed).

use std::borrow::Cow;
use std::io::Read;
use std::mem::ManuallyDrop;

use ferret_core::Control;

use crate::envelope::{self, Envelope, Format};
use crate::event::{
    last_repeat_untagged, maybe_repeat, parse_message, parse_repeat, Cut, EventKind,
};
use crate::time::{LogTime, TimeCache, YearContext};

use super::lines::{Line, LineReader};
use super::{Acc, FileSummary};

#[inline]
pub(crate) fn is_sshd(p: &[u8]) -> bool {
    matches!(
        p,
        b"sshd" | b"sshd-session" | b"sshd-auth" | b"" | b"dropbear"
    )
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

/// Lines parsed ahead of their observation: the line loop parses a batch, reads ahead the
/// state of each event's source ([`crate::detect::Detector::warm`]: the cache misses of a
/// batch overlap), then observes the batch in line order. 32 lines: enough misses in flight,
/// the parsed batch stays in the L1 cache.
pub(crate) const BATCH: usize = 32;

/// One line of a batch, parsed: what the in-order pass needs (the envelope itself only on
/// the rare repeat lines, parsed again then).
struct Parsed<'a> {
    time: Option<LogTime>,
    pid: Option<u32>,
    sshd: bool,
    rep: Rep,
    /// No event and no envelope.
    unparsed: bool,
    /// The event owns some of its fields (dropped in [`recycle`]).
    owned: bool,
    /// The parsers build only borrowed fields of the line (unless `owned`): nothing to free,
    /// so the drop glue's per-field checks are skipped.
    event: ManuallyDrop<Option<EventKind<'a>>>,
}

/// An empty vector for the next batch with the allocation of the last one.
fn recycle<'b>(v: Vec<Parsed<'_>>) -> Vec<Parsed<'b>> {
    // Collected in place (same layout): no allocation; only owned events are dropped.
    v.into_iter()
        .filter_map(|p| {
            if p.owned {
                drop(ManuallyDrop::into_inner(p.event));
            }
            None
        })
        .collect()
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
    let mut times = TimeCache::default();
    let mut charged = 0u64;
    // The source of the current run of `last message repeated` lines (copied only on them).
    let mut chain: Option<Vec<u8>> = None;
    // Line number of the last `last message repeated` line (0: none).
    let mut last_repeat_at = 0u64;
    let mut spans = Vec::with_capacity(BATCH);
    let mut spare: Vec<Parsed<'static>> = Vec::with_capacity(BATCH);
    let mut sink = 0u64;
    while let Some(r) = lr.next_batch(BATCH, &mut spans) {
        r?;
        // Parsed in place and observed by reference: nothing moves, nothing is allocated.
        let mut batch = recycle(std::mem::take(&mut spare));
        for sp in &spans {
            let text = lr.text(sp);
            let env = envelope::parse_cached(text, years, &mut times);
            let mut rep = Rep::ONE;
            let cut = sp.truncated_from.is_some();
            // The event borrows the line, or (journal fields with escapes: rare) is owned.
            let (event, owned) = match (&env.program, &env.message) {
                (Cow::Borrowed(program), Cow::Borrowed(msg)) => {
                    (message_event(program, env.pid, msg, cut, &mut rep), false)
                }
                _ => (
                    message_event(&env.program, env.pid, &env.message, cut, &mut rep)
                        .map(EventKind::into_owned),
                    true,
                ),
            };
            debug_assert!(owned || event.as_ref().is_none_or(super::packed::all_borrowed));
            batch.push(Parsed {
                time: env.time,
                pid: env.pid,
                sshd: is_sshd(&env.program),
                rep,
                unparsed: event.is_none() && no_envelope(&env),
                owned,
                event: ManuallyDrop::new(event),
            });
        }
        for p in &batch {
            if let Some(ev) = p.event.as_ref() {
                if !p.rep.last {
                    sink = sink.wrapping_add(acc.det.warm(ev));
                }
            }
        }
        for (sp, p) in spans.iter().zip(&batch) {
            let text = lr.text(sp);
            summary.lines += 1;
            charged += text.len() as u64 + 1;
            if charged >= 1 << 20 {
                if !control.charge(charged) {
                    return Err(std::io::Error::other("cancelled"));
                }
                charged = 0;
            }
            let line = Line {
                number: sp.number,
                text,
                truncated_from: sp.truncated_from,
            };
            if let Some(len) = line.truncated_from {
                summary.long_lines += 1;
                acc.det.long_line(line.number, len);
            }
            let rep = p.rep;
            if rep.capped || rep.last {
                if rep.capped {
                    acc.det.repeat_capped(line.number);
                }
                if rep.last {
                    // A run of repeat lines repeats the line before the run.
                    if last_repeat_at == 0 || last_repeat_at + 1 != line.number {
                        chain = lr.prev(sp).get().map(<[u8]>::to_vec);
                    }
                    last_repeat_at = line.number;
                    let env = envelope::parse(text, years);
                    last_repeat_stream(
                        acc,
                        path,
                        &line,
                        &env,
                        chain.as_deref(),
                        years,
                        rep,
                        summary,
                    );
                    continue;
                }
            }
            if p.unparsed {
                summary.unparsed += 1;
                if acc.analysis.unparsed_samples.len() < acc.opts.max_samples {
                    acc.sample(path, line.number, text);
                }
            }
            match p.event.as_ref() {
                Some(ev) => {
                    summary.events += 1;
                    if acc.in_range(p.time) {
                        if rep.times == 1 {
                            acc.det.observe_event(line.number, p.time, p.pid, p.sshd, ev);
                        } else {
                            acc.det.observe_repeated(
                                line.number,
                                p.time,
                                p.pid,
                                p.sshd,
                                ev,
                                rep.times,
                                false,
                            );
                        }
                    }
                }
                None => summary.unrecognized += u64::from(!p.unparsed),
            }
        }
        spare = recycle(batch);
    }
    std::hint::black_box(sink);
    Ok(())
}
