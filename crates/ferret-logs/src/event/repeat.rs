//! syslog repeat lines: rsyslog's `message repeated N times: [ MSG]` and the older
//! `last message repeated N times`.

use crate::bytes::{tail, Lit};

/// Largest repeat count honoured from one line; larger (or unreadable) counts are capped to it
/// and flagged ([`Repeat::capped`]): a hostile line cannot inflate the counts without bound.
pub const MAX_REPEAT: u64 = 1_000_000;

/// A syslog repeat line: rsyslog's `message repeated N times: [ MSG]`
/// (`$RepeatedMsgReduction on`) or the older `last message repeated N times` of
/// sysklogd / syslog-ng / busybox (also decorated `--- last message repeated N times ---`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Repeat<'a> {
    /// How many times the message repeated, capped at [`MAX_REPEAT`] (at least 1).
    pub count: u64,
    /// The line said more than [`MAX_REPEAT`] (or a number too long to read).
    pub capped: bool,
    /// rsyslog's repeated message (inside the brackets, leading space removed); `None` for
    /// `last message repeated`, which repeats the previous message of the same host.
    pub message: Option<&'a [u8]>,
}

/// Whether `msg` may be a repeat line (one byte compare: the common path's only cost).
#[inline]
pub(crate) fn maybe_repeat(msg: &[u8]) -> bool {
    matches!(msg.first(), Some(b'm' | b'l' | b'-'))
}

/// Whether a line is whole or was cut at the length cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The whole line.
    Whole,
    /// Cut at the length cap (what followed is lost).
    Truncated,
}

/// Parses a repeat line's message (see [`Repeat`]). On a [`Cut::Truncated`] line a missing
/// closing bracket is tolerated. `None` for anything else.
pub fn parse_repeat(msg: &[u8], cut: Cut) -> Option<Repeat<'_>> {
    let truncated = cut == Cut::Truncated;
    fn count(b: &[u8]) -> Option<(u64, bool, &[u8])> {
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let (n, capped) = repeat_count(b.get(..digits)?)?;
        Some((n, capped, tail(b, digits)))
    }
    if let Some(r) = msg.pre(b"message repeated ") {
        let (n, capped, r) = count(r)?;
        let r = r.pre(b" times: [")?;
        let r = r.pre(b" ").unwrap_or(r);
        let m = match r.suf(b"]") {
            Some(m) => m,
            None if truncated => r,
            None => return None,
        };
        return Some(Repeat {
            count: n,
            capped,
            message: Some(m),
        });
    }
    let r = msg.pre(b"--- ").unwrap_or(msg);
    last_repeat_tail(r.pre(b"last message repeated ")?)
}

/// `N times` (or `1 time`), optionally followed by ` ---`, after `last message repeated `.
fn last_repeat_tail(r: &[u8]) -> Option<Repeat<'_>> {
    let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
    let (n, capped) = repeat_count(r.get(..digits)?)?;
    let r = tail(r, digits);
    let r = r.pre(b" times").or_else(|| r.pre(b" time"))?;
    let r = r.suf(b" ---").unwrap_or(r);
    (r.is_empty() || r == b" ").then_some(Repeat {
        count: n,
        capped,
        message: None,
    })
}

/// A repeat count from its digits: (capped count, whether it was over the cap); `None` for
/// no digits or zero.
fn repeat_count(digits: &[u8]) -> Option<(u64, bool)> {
    let mut n: u64 = 0;
    let mut capped = false;
    for c in digits {
        n = n
            .saturating_mul(10)
            .saturating_add(u64::from(c.wrapping_sub(b'0')));
        capped |= n > MAX_REPEAT;
    }
    (n > 0).then_some((n.min(MAX_REPEAT), capped))
}

/// `last message repeated N times` split by the envelope parser: with no program tag the
/// line reads as program `last` and message `message repeated N times`, and the decorated
/// form as program `---` and message `last message repeated N times ---`.
#[inline]
pub(crate) fn last_repeat_untagged<'a>(program: &[u8], msg: &'a [u8]) -> Option<Repeat<'a>> {
    match program {
        b"last" => last_repeat_tail(msg.pre(b"message repeated ")?),
        b"---" => parse_repeat(msg, Cut::Whole).filter(|r| r.message.is_none()),
        _ => None,
    }
}
