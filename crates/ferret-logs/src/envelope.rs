//! Syslog envelopes: the timestamp, host, program tag and pid around a message.
//!
//! One function, [`parse`], recognises every common layout without allocating (except for a
//! journald JSON string that contains escapes):
//!
//! | layout | example |
//! |---|---|
//! | RFC 3164 | `Feb  7 16:01:07 host sshd[5106]: msg` (space/zero padded or single-digit day; month names of other locales as `journalctl -o short` prints them, `Mär`, `janv.`, `окт`) |
//! | RFC 3164 with a year | `Dec  6 10:00:00 2026 host ...`, `Dec  6 2026 10:00:00 host ...`, `2026 Dec  6 10:00:00 host ...` (rsyslog templates, appliances; the stamp's year overrides the reference year) |
//! | RFC 3339 / ISO 8601 | `2015-04-16T18:02:50.568798+00:00 host sshd[2716]: msg` (rsyslog on Debian 12+) |
//! | journalctl short-iso | `2024-01-01T12:00:00+0100 host sshd[1]: msg` |
//! | RFC 5424 | `<38>1 2019-07-08T17:40:16.954167-04:00 host sshd 57915 - [sd] msg` |
//! | journalctl -o json | `{"__REALTIME_TIMESTAMP":"...","_HOSTNAME":"h","SYSLOG_IDENTIFIER":"sshd",...}` |
//! | BSD `<PRI>` / `<facility.level>` | `<38>Feb  7 ...`, `Apr  2 17:51:27 <4.3> host ...`, `Mar 19 ... <auth.info> host ...` |
//! | no host / no pid | `Nov 23 21:50:19 sshd[8148]: msg`, `Mar  3 00:17:22 [sshd]: msg`, `host sudo: msg` |
//! | tag variants | `sshd-session[1]:`, `sshd(pam_unix)[1]:`, `sshd[1]` (no colon), Solaris `[ID 800047 auth.info]` |
//! | epoch seconds | `1124012400 [sshd] msg` |
//! | bare message | `Invalid user x from 192.0.2.1` (journal `-o cat`, tests) |

use std::borrow::Cow;

use crate::bytes::{load_le, parse_u32, short_memchr, sub, word};
use crate::time::{parse_bsd_year, parse_iso, LogTime, TimeCache, YearContext};

/// Which layout a line was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Format {
    /// `Mmm dd HH:MM:SS host tag: msg` (also with a year after the time, after the day or
    /// before the month).
    Rfc3164,
    /// ISO 8601 / RFC 3339 timestamp then `host tag: msg` (includes journalctl short-iso).
    Rfc3339,
    /// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`.
    Rfc5424,
    /// One `journalctl -o json` object.
    JournalJson,
    /// Epoch seconds then the rest.
    Epoch,
    /// No timestamp: `host tag: msg`, `tag: msg` or a bare message.
    NoTimestamp,
}

/// A parsed envelope. Fields borrow from the line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope<'a> {
    /// The recognised layout.
    pub format: Format,
    /// The instant, when the line has one.
    pub time: Option<LogTime>,
    /// Syslog priority (`facility * 8 + severity`) when the line carries one.
    pub priority: Option<u16>,
    /// The host name field.
    pub host: Option<Cow<'a, [u8]>>,
    /// The program tag (`sshd`, `sshd-session`, `sudo`, `kernel`, ...); empty when absent.
    pub program: Cow<'a, [u8]>,
    /// The pid in the tag.
    pub pid: Option<u32>,
    /// The message after the tag.
    pub message: Cow<'a, [u8]>,
}

impl Envelope<'_> {
    /// An owned copy.
    pub fn into_owned(self) -> Envelope<'static> {
        Envelope {
            format: self.format,
            time: self.time,
            priority: self.priority,
            host: self.host.map(|h| Cow::Owned(h.into_owned())),
            program: Cow::Owned(self.program.into_owned()),
            pid: self.pid,
            message: Cow::Owned(self.message.into_owned()),
        }
    }

    /// Renders the envelope back as a line in `format` (used by round-trip tests and to
    /// synthesise fixtures). Year-less RFC 3164 output uses the UTC wall clock.
    pub fn render(&self, format: Format) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.message.len() + 64);
        let t = self.time.unwrap_or(LogTime(0));
        let host: &[u8] = self.host.as_deref().unwrap_or(b"-");
        let tag = |out: &mut Vec<u8>| {
            out.extend_from_slice(&self.program);
            if let Some(pid) = self.pid {
                out.extend_from_slice(format!("[{pid}]").as_bytes());
            }
            out.extend_from_slice(b": ");
        };
        match format {
            Format::Rfc3164 => {
                let (_, mo, d, h, mi, s) = t.civil();
                let m = MONTHS.get(mo as usize - 1).copied().unwrap_or("Jan");
                out.extend_from_slice(format!("{m} {d:>2} {h:02}:{mi:02}:{s:02} ").as_bytes());
                out.extend_from_slice(host);
                out.push(b' ');
                tag(&mut out);
            }
            Format::Rfc3339 | Format::Epoch | Format::NoTimestamp => {
                let (y, mo, d, h, mi, s) = t.civil();
                out.extend_from_slice(
                    format!(
                        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}+00:00 ",
                        t.micros()
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(host);
                out.push(b' ');
                tag(&mut out);
            }
            Format::Rfc5424 => {
                out.extend_from_slice(
                    format!("<{}>1 {t} ", self.priority.unwrap_or(38)).as_bytes(),
                );
                out.extend_from_slice(host);
                out.push(b' ');
                out.extend_from_slice(&self.program);
                match self.pid {
                    Some(p) => out.extend_from_slice(format!(" {p} - - ").as_bytes()),
                    None => out.extend_from_slice(b" - - - "),
                }
            }
            Format::JournalJson => {
                out.extend_from_slice(
                    format!("{{\"__REALTIME_TIMESTAMP\":\"{}\",\"_HOSTNAME\":", t.0).as_bytes(),
                );
                json_string(&mut out, host);
                out.extend_from_slice(b",\"SYSLOG_IDENTIFIER\":");
                json_string(&mut out, &self.program);
                if let Some(p) = self.pid {
                    out.extend_from_slice(format!(",\"_PID\":\"{p}\"").as_bytes());
                }
                out.extend_from_slice(b",\"MESSAGE\":");
                if std::str::from_utf8(&self.message).is_ok() {
                    json_string(&mut out, &self.message);
                } else {
                    let nums: Vec<String> = self.message.iter().map(u8::to_string).collect();
                    out.extend_from_slice(format!("[{}]", nums.join(",")).as_bytes());
                }
                out.push(b'}');
                return out;
            }
        }
        out.extend_from_slice(&self.message);
        out
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn json_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            c if c < 0x20 => out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

/// The end of the space-delimited token at `i`. Envelope tokens (host, tag, facility) are
/// short: a byte loop over the first 32 beats a `memchr` call, which is kept for the rest.
#[inline]
fn token_end(b: &[u8], i: usize) -> usize {
    let rest = b.get(i..).unwrap_or_default();
    let head = rest.get(..32).unwrap_or(rest);
    if let Some(n) = head.iter().position(|c| *c == b' ') {
        return i + n;
    }
    if head.len() == rest.len() {
        return b.len();
    }
    short_memchr(b' ', rest.get(32..).unwrap_or_default()).map_or(b.len(), |n| i + 32 + n)
}

/// `<digits>` at the start: (priority, bytes used).
fn pri(b: &[u8]) -> Option<(u16, usize)> {
    if b.first() != Some(&b'<') {
        return None;
    }
    let close = short_memchr(b'>', b.get(..6)?)?;
    let v = parse_u32(sub(b, 1, close))?;
    (v < 1024).then_some((v as u16, close + 1))
}

const FACILITIES: [&[u8]; 24] = [
    b"kern",
    b"user",
    b"mail",
    b"daemon",
    b"auth",
    b"syslog",
    b"lpr",
    b"news",
    b"uucp",
    b"cron",
    b"authpriv",
    b"ftp",
    b"ntp",
    b"security",
    b"console",
    b"local0",
    b"local1",
    b"local2",
    b"local3",
    b"local4",
    b"local5",
    b"local6",
    b"local7",
    b"mark",
];
const LEVELS: [&[u8]; 8] = [
    b"emerg", b"alert", b"crit", b"err", b"warning", b"notice", b"info", b"debug",
];

/// `facility.level` (names) -> priority.
fn fac_level(tok: &[u8]) -> Option<u16> {
    // The longest name pair is `authpriv.warning`.
    if tok.len() > 16 {
        return None;
    }
    let dot = tok.iter().position(|c| *c == b'.')?;
    let (f, l) = (sub(tok, 0, dot), sub(tok, dot + 1, tok.len()));
    let fi = FACILITIES.iter().position(|x| *x == f)?;
    let li = LEVELS.iter().position(|x| *x == l).or_else(|| match l {
        b"warn" => Some(4),
        b"error" => Some(3),
        b"panic" => Some(0),
        _ => None,
    })?;
    let fi = match fi {
        23 => 24,
        x => x,
    };
    Some((fi * 8 + li) as u16)
}

/// `<4.3>` (numeric) or `<auth.info>` (names) as FreeBSD `syslogd -v/-vv` prints.
fn bsd_prefix(tok: &[u8]) -> Option<u16> {
    let inner = tok.strip_prefix(b"<")?.strip_suffix(b">")?;
    if let Some(p) = fac_level(inner) {
        return Some(p);
    }
    let dot = short_memchr(b'.', inner)?;
    let f = parse_u32(sub(inner, 0, dot))?;
    let l = parse_u32(sub(inner, dot + 1, inner.len()))?;
    // The range check comes first: `f * 8 + l` of unchecked numbers could overflow.
    if f < 128 && l < 8 {
        u16::try_from(f * 8 + l).ok()
    } else {
        None
    }
}

/// Bytes of a program name in a tag: ASCII alphanumerics and `-_./@`.
#[inline]
fn tag_name_byte(c: u8) -> bool {
    use crate::bytes::{class, ALNUM, DASH, TAGX};
    // `:` shares the separator class with `.`: checked apart.
    class(c) & (ALNUM | DASH | TAGX) != 0 || c == b'.'
}

/// A program tag token: `name[pid]:`, `name:`, `name[pid]`, `[name]:`, `[name]`,
/// `name(pam_unix)[pid]:`. Returns (program, pid, bytes of the token incl. colon).
fn tag(b: &[u8], i: usize, require_colon_without_pid: bool) -> Option<(&[u8], Option<u32>, usize)> {
    let rest = b.get(i..)?;
    if rest.first() == Some(&b'[') {
        // `[sshd]:` / `[sshd]`
        let close = short_memchr(b']', rest)?;
        let name = sub(rest, 1, close);
        if name.is_empty()
            || !name
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_./".contains(c))
        {
            return None;
        }
        let mut end = close + 1;
        if rest.get(end) == Some(&b':') {
            end += 1;
        } else if rest.get(end).is_some_and(|c| *c != b' ') {
            return None;
        }
        return Some((name, None, end));
    }
    let mut j = 0;
    while let Some(&c) = rest.get(j) {
        if tag_name_byte(c) {
            j += 1;
        } else {
            break;
        }
    }
    if j == 0 || j > 64 {
        return None;
    }
    let name = sub(rest, 0, j);
    // `(pam_unix)` annotation of old Red Hat: `sshd(pam_unix)[123]:`
    if rest.get(j) == Some(&b'(') {
        let close = short_memchr(b')', sub(rest, j, (j + 40).min(rest.len())))?;
        j += close + 1;
    }
    let mut pid = None;
    if rest.get(j) == Some(&b'[') {
        let close = short_memchr(b']', sub(rest, j, (j + 24).min(rest.len())))?;
        pid = Some(parse_u32(sub(rest, j + 1, j + close))?);
        j += close + 1;
    }
    match rest.get(j) {
        Some(b':') => Some((name, pid, j + 1)),
        None | Some(b' ') if pid.is_some() || !require_colon_without_pid => Some((name, pid, j)),
        _ => None,
    }
}

/// After the timestamp (at `i`): optional BSD prefix, host, facility token, tag; the common
/// layout through the stream's [`PrefixCache`].
#[inline]
fn host_tag_msg<'a>(
    b: &'a [u8],
    i: usize,
    env: &mut Envelope<'a>,
    allow_no_host: bool,
    pc: &mut PrefixCache,
) {
    let i = skip_spaces(b, i);
    if !fast_host_tag_cached(b, i, env, pc) {
        host_tag_msg_general(b, i, env, allow_no_host);
    }
}

/// [`host_tag_msg`] without the fast path, from the first non-space byte `i`.
fn host_tag_msg_general<'a>(
    b: &'a [u8],
    mut i: usize,
    env: &mut Envelope<'a>,
    allow_no_host: bool,
) {
    let mut te0 = token_end(b, i);
    if let Some(p) = bsd_prefix(sub(b, i, te0)) {
        env.priority = Some(p);
        i = skip_spaces(b, te0);
        te0 = token_end(b, i);
    }
    // socklog: `facility.level: msg` with no host and no tag.
    if let Some(p) = sub(b, i, te0).strip_suffix(b":").and_then(fac_level) {
        env.priority = Some(p);
        env.message = Cow::Borrowed(sub(b, skip_spaces(b, te0), b.len()));
        return;
    }
    // Tag directly (no host): `sshd[1]: ...`, `[sshd]: ...`.
    if let Some((prog, pid, n)) = tag(b, i, true) {
        let after = i + n;
        let next = sub(b, skip_spaces(b, after), b.len());
        // `host tag:` would also look like a tag only when it ends with ':' or has a pid; a
        // host name never does.
        if pid.is_some()
            || sub(b, i, after).ends_with(b":")
            || prog.is_empty()
            || b.get(i) == Some(&b'[')
        {
            let _ = next;
            env.program = Cow::Borrowed(prog);
            env.pid = pid;
            env.message = Cow::Borrowed(sub(b, skip_one_space(b, after), b.len()));
            return;
        }
    }
    let te = te0;
    if te >= b.len() {
        env.message = Cow::Borrowed(sub(b, i, b.len()));
        return;
    }
    let host = sub(b, i, te);
    let mut j = skip_spaces(b, te);
    let te2 = token_end(b, j);
    // Busybox / socklog `facility.level` token after the host.
    if fac_level(sub(b, j, te2).strip_suffix(b":").unwrap_or(sub(b, j, te2))).is_some() {
        env.priority = fac_level(sub(b, j, te2).strip_suffix(b":").unwrap_or(sub(b, j, te2)));
        if sub(b, j, te2).ends_with(b":") {
            env.host = Some(Cow::Borrowed(host));
            env.message = Cow::Borrowed(sub(b, skip_spaces(b, te2), b.len()));
            return;
        }
        j = skip_spaces(b, te2);
    }
    // sysklogd without PRI but RFC 5424 body: `host app procid msgid sd msg`.
    if let Some(n) = rfc5424_tail(b, j, env) {
        env.host = Some(Cow::Borrowed(host));
        let _ = n;
        return;
    }
    if let Some((prog, pid, n)) = tag(b, j, false) {
        env.host = Some(Cow::Borrowed(host));
        env.program = Cow::Borrowed(prog);
        env.pid = pid;
        env.message = Cow::Borrowed(sub(b, skip_one_space(b, j + n), b.len()));
        return;
    }
    if allow_no_host {
        env.message = Cow::Borrowed(sub(b, i, b.len()));
    } else {
        env.host = Some(Cow::Borrowed(host));
        env.message = Cow::Borrowed(sub(b, j, b.len()));
    }
}

/// The layout of nearly every line, `host prog[pid]: msg`, in one pass: exactly what the
/// general steps of [`host_tag_msg`] conclude for it, without their repeated token scans.
/// Taken only when those steps cannot conclude otherwise: the host token is all tag-name
/// bytes followed by a space (no BSD `<..>` prefix, no socklog `facility.level:`, not itself
/// a tag), the next token has no dot (no `facility.level`) and the one after it cannot be an
/// RFC 5424 PROCID (neither `-` nor a digit). Returns where the host ends and the program
/// name starts and ends (`te`, `j`, `p`) when it is taken; `None` (nothing set) otherwise.
#[inline]
fn fast_host_tag<'a>(
    b: &'a [u8],
    i: usize,
    env: &mut Envelope<'a>,
) -> Option<(usize, usize, usize)> {
    // The host: tag-name bytes, then a space.
    let mut k = i;
    while let Some(&c) = b.get(k) {
        if !tag_name_byte(c) {
            break;
        }
        k += 1;
    }
    if k == i || b.get(k) != Some(&b' ') {
        return None;
    }
    let te = k;
    let j = skip_spaces(b, te);
    // The program name in one pass with the token's dot check: a dot anywhere in the token
    // (here: in the name) leaves the line to the general steps.
    let mut p = j;
    while let Some(&c) = b.get(p) {
        if c == b'.' || !tag_name_byte(c) {
            break;
        }
        p += 1;
    }
    fast_tag_tail(b, i, te, j, p, env).then_some((te, j, p))
}

/// The rest of [`fast_host_tag`] once the host (`i..te`) and the program name (`j..p`, no
/// dot) are read: the pid, the colon, and the checks that leave a line to the general steps.
#[inline]
fn fast_tag_tail<'a>(
    b: &'a [u8],
    i: usize,
    te: usize,
    j: usize,
    p: usize,
    env: &mut Envelope<'a>,
) -> bool {
    fast_tag_tail_body(b, i, te, j, p, env)
}

/// [`fast_tag_tail`]'s body, inlined into it and, without a call, into the one-step path of
/// most lines ([`fast_3164`]), where the envelope is written in place.
#[allow(clippy::inline_always)]
#[inline(always)]
fn fast_tag_tail_body<'a>(
    b: &'a [u8],
    i: usize,
    te: usize,
    j: usize,
    mut p: usize,
    env: &mut Envelope<'a>,
) -> bool {
    let name = sub(b, j, p);
    if name.is_empty() || name.len() > 64 {
        return false;
    }
    // `[pid]`: 1 to 10 digits that fit a u32 (as `tag` reads it).
    let mut pid = None;
    match b.get(p) {
        Some(b'[') => {
            let (q, v) = match pid_digits(b, p + 1) {
                Some((n, v)) => (p + 1 + n, v),
                None => {
                    let mut q = p + 1;
                    let mut v = 0u64;
                    while let Some(&c) = b.get(q) {
                        if !c.is_ascii_digit() {
                            break;
                        }
                        v = v * 10 + u64::from(c - b'0');
                        q += 1;
                        if q - p > 11 {
                            return false;
                        }
                    }
                    (q, v)
                }
            };
            if q == p + 1 || b.get(q) != Some(&b']') {
                return false;
            }
            let Ok(v) = u32::try_from(v) else {
                return false;
            };
            pid = Some(v);
            p = q + 1;
        }
        // `(pam_unix)` annotations: the general steps.
        Some(b'(') => return false,
        _ => {}
    }
    let end = match b.get(p) {
        Some(b':') => p + 1,
        None | Some(b' ') => p,
        _ => return false,
    };
    // The rest of the token (after a colon) has no dot either, and the next token cannot be
    // an RFC 5424 PROCID.
    let mut e = end;
    while let Some(&c) = b.get(e) {
        match c {
            b' ' => break,
            b'.' => return false,
            _ => e += 1,
        }
    }
    if b.get(e + 1)
        .is_some_and(|c| *c == b'-' || c.is_ascii_digit())
    {
        return false;
    }
    env.host = Some(Cow::Borrowed(sub(b, i, te)));
    env.program = Cow::Borrowed(name);
    env.pid = pid;
    env.message = Cow::Borrowed(sub(b, skip_one_space(b, end), b.len()));
    true
}

/// The leading decimal digits of `b[at..]` without a loop (no branch on their count): (count,
/// value) when 1 to 7 digits are followed by a non-digit within the next 8 bytes (a pid);
/// `None` otherwise (no digit, 8 or more, or fewer than 8 bytes left), for the byte loop.
#[inline]
fn pid_digits(b: &[u8], at: usize) -> Option<(usize, u64)> {
    let w = word(b, at)?;
    // Digits become 0..=9; any other byte is 10 or more, and gets its high bit set below.
    let t = w ^ 0x3030_3030_3030_3030;
    let non_digit = (t.wrapping_add(0x7676_7676_7676_7676) | t) & 0x8080_8080_8080_8080;
    let n = (non_digit.trailing_zeros() / 8) as usize;
    if n == 0 || n >= 8 {
        return None;
    }
    // The n digits moved to the top bytes, zeros below them as leading zeros, then the
    // eight-digit SWAR conversion (first byte most significant).
    let x = t << (8 * (8 - n));
    let x = (x.wrapping_mul(10) + (x >> 8)) & 0x00FF_00FF_00FF_00FF;
    let x = (x & 0x0000_00FF_0000_00FF)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((x >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some((n, x))
}

/// The last `host prog[` seen by [`fast_host_tag`] on a stream (most lines of a log repeat
/// it): when the next line starts with the same bytes, the host and the name are known valid
/// and only the pid and what follows are read. Up to 32 bytes, compared as four masked words.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrefixCache {
    words: [u64; 4],
    masks: [u64; 4],
    /// Bytes of the prefix (0: empty), up to and including the `[`.
    len: usize,
    /// Where the host ends and the name starts, from the prefix start.
    te: usize,
    j: usize,
}

impl PrefixCache {
    #[inline]
    fn matches(&self, b: &[u8], i: usize) -> bool {
        self.len > 0
            && b.len() >= i + 32
            && (0..4).all(|k| {
                let (w, m) = (self.words.get(k), self.masks.get(k));
                // Whole words: the length is checked above.
                let x = word(b, i + 8 * k);
                x.zip(w.zip(m)).is_some_and(|(x, (w, m))| (x ^ w) & m == 0)
            })
    }

    #[cold]
    fn store(&mut self, b: &[u8], i: usize, te: usize, j: usize, p: usize) {
        self.len = 0;
        let len = p + 1 - i;
        if len > 32 || b.get(p) != Some(&b'[') {
            return;
        }
        for k in 0..4 {
            let valid = len.saturating_sub(8 * k).min(8);
            let mask = if valid == 8 {
                u64::MAX
            } else {
                (1u64 << (8 * valid)) - 1
            };
            if let (Some(w), Some(m)) = (self.words.get_mut(k), self.masks.get_mut(k)) {
                *w = load_le(b.get(i + 8 * k..).unwrap_or_default()) & mask;
                *m = mask;
            }
        }
        self.len = len;
        self.te = te - i;
        self.j = j - i;
    }
}

/// [`fast_host_tag`] through the stream's [`PrefixCache`]: the same answer.
#[inline]
fn fast_host_tag_cached<'a>(
    b: &'a [u8],
    i: usize,
    env: &mut Envelope<'a>,
    pc: &mut PrefixCache,
) -> bool {
    if pc.matches(b, i) {
        return fast_tag_tail(b, i, i + pc.te, i + pc.j, i + pc.len - 1, env);
    }
    match fast_host_tag(b, i, env) {
        Some((te, j, p)) => {
            pc.store(b, i, te, j, p);
            true
        }
        None => false,
    }
}

fn skip_one_space(b: &[u8], i: usize) -> usize {
    if b.get(i) == Some(&b' ') {
        i + 1
    } else {
        i
    }
}

/// `APP PROCID MSGID SD MSG` at `i` (RFC 5424 after the host); fills program/pid/message.
fn rfc5424_tail<'a>(b: &'a [u8], i: usize, env: &mut Envelope<'a>) -> Option<usize> {
    let e1 = token_end(b, i);
    let app = sub(b, i, e1);
    let i2 = e1 + 1;
    // PROCID is `-` or a number: anything else (the usual `tag: message`) fails below anyway.
    if !b.get(i2).is_some_and(|c| *c == b'-' || c.is_ascii_digit()) {
        return None;
    }
    let e2 = token_end(b, i2);
    let procid = sub(b, i2, e2);
    let i3 = e2 + 1;
    let e3 = token_end(b, i3);
    let msgid = sub(b, i3, e3);
    if app.is_empty() || procid.is_empty() || msgid.is_empty() || e3 >= b.len() {
        return None;
    }
    let pid = if procid == b"-" {
        None
    } else {
        Some(parse_u32(procid)?)
    };
    if msgid != b"-" && pid.is_none() {
        return None;
    }
    if msgid != b"-" && !msgid.iter().all(u8::is_ascii_graphic) {
        return None;
    }
    let mut k = e3 + 1;
    // structured data: `-` or one or more `[id k="v" ...]` with `\]` / `\"` escapes.
    match b.get(k) {
        Some(b'-') => k += 1,
        Some(b'[') => {
            while b.get(k) == Some(&b'[') {
                let mut in_q = false;
                k += 1;
                loop {
                    match b.get(k) {
                        None => return None,
                        Some(b'\\') if in_q => k += 2,
                        Some(b'"') => {
                            in_q = !in_q;
                            k += 1;
                        }
                        Some(b']') if !in_q => {
                            k += 1;
                            break;
                        }
                        Some(_) => k += 1,
                    }
                }
            }
        }
        _ => return None,
    }
    if !matches!(b.get(k), None | Some(b' ')) {
        return None;
    }
    let mut msg = sub(b, skip_one_space(b, k), b.len());
    if let Some(rest) = msg.strip_prefix(b"\xEF\xBB\xBF") {
        msg = rest; // BOM
    }
    env.program = Cow::Borrowed(if app == b"-" { b"" } else { app });
    env.pid = pid;
    env.message = Cow::Borrowed(msg);
    Some(k)
}

/// Parses one line (without its newline) into an envelope. Never fails: a line with no
/// recognisable structure is a [`Format::NoTimestamp`] envelope whose message is the line.
pub fn parse<'a>(line: &'a [u8], years: &YearContext) -> Envelope<'a> {
    parse_cached(line, years, &mut TimeCache::default())
}

/// [`parse`] for the lines of one stream: `cache` keeps the last RFC 3164 minute.
pub(crate) fn parse_cached<'a>(
    line: &'a [u8],
    years: &YearContext,
    cache: &mut TimeCache,
) -> Envelope<'a> {
    if let Some(env) = fast_3164(line, years, cache) {
        return env;
    }
    let mut env = Envelope {
        format: Format::NoTimestamp,
        time: None,
        priority: None,
        host: None,
        program: Cow::Borrowed(b""),
        pid: None,
        message: Cow::Borrowed(line),
    };
    let mut i = 0;
    match line.first() {
        Some(b'{') => {
            if let Some(e) = journal_json(line) {
                return e;
            }
            return env;
        }
        Some(b'<') => {
            if let Some((p, n)) = pri(line) {
                env.priority = Some(p);
                i = n;
                if line.get(n..n + 2) == Some(b"1 ") {
                    let rest = sub(line, n + 2, line.len());
                    let (t, used) = if rest.first() == Some(&b'-') {
                        (None, 1)
                    } else if let Some((t, used)) = parse_iso(rest, years) {
                        (Some(t), used)
                    } else {
                        (None, 0)
                    };
                    if used > 0 {
                        let h = n + 2 + used + 1;
                        let he = token_end(line, h);
                        let host = sub(line, h, he);
                        if !host.is_empty() {
                            let mut e5 = env.clone();
                            if rfc5424_tail(line, he + 1, &mut e5).is_some() {
                                e5.format = Format::Rfc5424;
                                e5.time = t;
                                e5.host = (host != b"-").then_some(Cow::Borrowed(host));
                                return e5;
                            }
                        }
                    }
                }
            }
        }
        _ => {}
    }
    let rest = sub(line, i, line.len());
    if let Some(((mo, d, h, mi, s, us), used, t)) = cache.bsd(rest, years) {
        env.format = Format::Rfc3164;
        env.time = Some(t);
        // Some daemons print a year after the time (`Mmm dd HH:MM:SS YYYY`).
        let mut k = i + used;
        if line.get(k) == Some(&b' ') {
            if let Some(y) = line
                .get(k + 1..k + 5)
                .and_then(parse_u32)
                .filter(|y| (1970..=2200).contains(y) && line.get(k + 5) == Some(&b' '))
            {
                env.time = Some(years.local(i64::from(y), mo, d, h, mi, s, us));
                k += 5;
            }
        }
        host_tag_msg(line, k, &mut env, true, &mut cache.prefix);
        return env;
    }
    // The year inside the stamp (`Mmm dd YYYY HH:MM:SS`, `YYYY Mmm dd HH:MM:SS`): it
    // overrides the reference year, as the year after the time does.
    if let Some((y, (mo, d, h, mi, s, us), used)) = parse_bsd_year(rest, years.localized) {
        env.format = Format::Rfc3164;
        env.time = Some(years.local(y, mo, d, h, mi, s, us));
        host_tag_msg(line, i + used, &mut env, true, &mut cache.prefix);
        return env;
    }
    if let Some((t, used)) = parse_iso(rest, years) {
        env.format = Format::Rfc3339;
        env.time = Some(t);
        host_tag_msg(line, i + used, &mut env, true, &mut cache.prefix);
        return env;
    }
    // Epoch seconds (fail2ban testcase04): 9-10 digits then a space.
    let te = token_end(line, i);
    let tok = sub(line, i, te);
    if (9..=10).contains(&tok.len()) && line.get(te) == Some(&b' ') {
        if let Some(secs) = parse_u32(tok) {
            env.format = Format::Epoch;
            env.time = Some(LogTime::from_secs(i64::from(secs)));
            host_tag_msg(line, te, &mut env, true, &mut cache.prefix);
            return env;
        }
    }
    // No timestamp: `host tag: msg` / `tag: msg` / bare. `error:` and `fatal:` are sshd's
    // own message prefixes, not tags.
    let te = token_end(line, i);
    let first = sub(line, i, te);
    if matches!(first, b"error:" | b"fatal:" | b"warning:") {
        env.message = Cow::Borrowed(rest);
        return env;
    }
    if let Some((prog, pid, n)) = tag(line, i, true) {
        if pid.is_some() || line.get(i) == Some(&b'[') {
            env.program = Cow::Borrowed(prog);
            env.pid = pid;
            env.message = Cow::Borrowed(sub(line, skip_one_space(line, i + n), line.len()));
            return env;
        }
    }
    let j = skip_spaces(line, te);
    if te < line.len()
        && first
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    {
        if let Some((prog, pid, n)) = tag(line, j, true) {
            let after = sub(line, j, j + n);
            if pid.is_some() || after.ends_with(b":") {
                env.host = Some(Cow::Borrowed(first));
                env.program = Cow::Borrowed(prog);
                env.pid = pid;
                env.message = Cow::Borrowed(sub(line, skip_one_space(line, j + n), line.len()));
                return env;
            }
        }
    }
    env.message = Cow::Borrowed(rest);
    env
}

/// The common line in one step: `Mmm dd HH:MM:SS host prog[pid]: msg` whose minute and
/// `host prog[` prefix are the ones memoised from earlier lines, one space after the seconds
/// and no year after them. Exactly what the general steps of [`parse_cached`] conclude for it
/// (they would find the same cached minute, no year, no space to skip, the same prefix, and
/// end in the same [`fast_tag_tail`]); `None` sends the line to them.
#[inline]
fn fast_3164<'a>(line: &'a [u8], years: &YearContext, cache: &TimeCache) -> Option<Envelope<'a>> {
    // 16 bytes of stamp and space, 32 of prefix words.
    if line.len() < 48 || !cache.prefix.matches(line, 16) {
        return None;
    }
    // `Mmm dd HH:MM:SS YYYY host`: a year after the time (read by the general steps).
    let year = line
        .get(16..20)
        .is_some_and(|y| y.iter().all(u8::is_ascii_digit))
        && line.get(20) == Some(&b' ');
    if year {
        return None;
    }
    let t = cache.bsd_hit(line, years)?;
    let mut env = Envelope {
        format: Format::Rfc3164,
        time: Some(t),
        priority: None,
        host: None,
        program: Cow::Borrowed(b""),
        pid: None,
        message: Cow::Borrowed(line),
    };
    let pc = &cache.prefix;
    fast_tag_tail_body(line, 16, 16 + pc.te, 16 + pc.j, 16 + pc.len - 1, &mut env).then_some(env)
}

/// Minimal reader for one flat `journalctl -o json` object.
fn journal_json(line: &[u8]) -> Option<Envelope<'_>> {
    let mut env = Envelope {
        format: Format::JournalJson,
        time: None,
        priority: None,
        host: None,
        program: Cow::Borrowed(b""),
        pid: None,
        message: Cow::Borrowed(b""),
    };
    let mut have_msg = false;
    let mut syslog_pid = None;
    let mut comm = None;
    let mut i = 1;
    loop {
        i = skip_ws(line, i);
        match line.get(i) {
            Some(b'}') => break,
            Some(b',') => {
                i += 1;
                continue;
            }
            Some(b'"') => {}
            _ => return None,
        }
        let (key, n) = json_str(line, i)?;
        i = skip_ws(line, i + n);
        if line.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(line, i + 1);
        let (val, n) = match line.get(i) {
            Some(b'"') => json_str(line, i)?,
            Some(b'[') => {
                // byte array for non-UTF-8 values
                let close = short_memchr(b']', sub(line, i, line.len()))?;
                let mut v = Vec::new();
                for part in sub(line, i + 1, i + close).split(|c| *c == b',') {
                    let p: Vec<u8> = part
                        .iter()
                        .copied()
                        .filter(|c| !c.is_ascii_whitespace())
                        .collect();
                    if p.is_empty() {
                        continue;
                    }
                    v.push(u8::try_from(parse_u32(&p)?).ok()?);
                }
                (Cow::Owned(v), close + 1)
            }
            _ => {
                // number / null / bool
                let mut k = i;
                while line.get(k).is_some_and(|c| !b",}".contains(c)) {
                    k += 1;
                }
                (Cow::Borrowed(sub(line, i, k)), k - i)
            }
        };
        i += n;
        match &*key {
            b"__REALTIME_TIMESTAMP" => {
                env.time = std::str::from_utf8(&val)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .map(LogTime);
            }
            b"_HOSTNAME" => env.host = Some(val),
            b"SYSLOG_IDENTIFIER" => env.program = val,
            b"_COMM" => comm = Some(val),
            b"_PID" => env.pid = parse_u32(&val),
            b"SYSLOG_PID" => syslog_pid = parse_u32(&val),
            b"PRIORITY" => env.priority = parse_u32(&val).and_then(|p| u16::try_from(p).ok()),
            b"MESSAGE" => {
                env.message = val;
                have_msg = true;
            }
            _ => {}
        }
    }
    if env.program.is_empty() {
        if let Some(c) = comm {
            env.program = c;
        }
    }
    if syslog_pid.is_some() {
        env.pid = syslog_pid;
    }
    have_msg.then_some(env)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// A JSON string at `i` (which is `"`): (decoded, bytes used). Borrowed when no escapes.
fn json_str(b: &[u8], i: usize) -> Option<(Cow<'_, [u8]>, usize)> {
    let start = i + 1;
    let mut k = start;
    let mut owned: Option<Vec<u8>> = None;
    loop {
        let c = *b.get(k)?;
        match c {
            b'"' => {
                let v = match owned {
                    Some(v) => Cow::Owned(v),
                    None => Cow::Borrowed(sub(b, start, k)),
                };
                return Some((v, k + 1 - i));
            }
            b'\\' => {
                let v = owned.get_or_insert_with(|| sub(b, start, k).to_vec());
                let e = *b.get(k + 1)?;
                k += 2;
                match e {
                    b'n' => v.push(b'\n'),
                    b't' => v.push(b'\t'),
                    b'r' => v.push(b'\r'),
                    b'b' => v.push(8),
                    b'f' => v.push(12),
                    b'u' => {
                        let hex = std::str::from_utf8(b.get(k..k + 4)?).ok()?;
                        let cp = u32::from_str_radix(hex, 16).ok()?;
                        k += 4;
                        let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                        let mut buf = [0u8; 4];
                        v.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    other => v.push(other),
                }
            }
            c => {
                if let Some(v) = owned.as_mut() {
                    v.push(c);
                }
                k += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[u8]) -> Envelope<'_> {
        parse(s, &YearContext::fixed_year(2005))
    }

    fn fields(e: &Envelope<'_>) -> (Option<String>, String, Option<u32>, String) {
        (
            e.host
                .as_ref()
                .map(|h| String::from_utf8_lossy(h).into_owned()),
            String::from_utf8_lossy(&e.program).into_owned(),
            e.pid,
            String::from_utf8_lossy(&e.message).into_owned(),
        )
    }

    /// An envelope with nothing set.
    fn blank<'a>() -> Envelope<'a> {
        Envelope {
            format: Format::NoTimestamp,
            time: None,
            priority: None,
            host: None,
            program: Cow::Borrowed(b""),
            pid: None,
            message: Cow::Borrowed(b""),
        }
    }

    /// The one-pass path concludes exactly what the general steps do, whenever it is taken.
    fn fast_matches_general(b: &[u8]) -> bool {
        let (mut fast, mut general) = (blank(), blank());
        let taken = fast_host_tag(b, 0, &mut fast).is_some();
        host_tag_msg_general(b, 0, &mut general, true);
        assert!(
            !taken || fast == general,
            "{:?}",
            String::from_utf8_lossy(b)
        );
        taken
    }

    #[test]
    fn fast_host_tag_is_the_general_answer() {
        let mut taken = 0;
        let lines: &[&[u8]] = &[
            b"srv sshd[123]: Failed password",
            b"srv sshd[4294967295]: x",
            b"srv sshd[4294967296]: x",
            b"srv sshd[12345678901]: x",
            b"srv sshd[]: x",
            b"srv sshd[12a]: x",
            b"srv sshd[12] x",
            b"srv sshd[12]",
            b"srv sshd: 1 x",
            b"srv sshd: - x",
            b"srv sshd:x.y z",
            b"srv sshd x",
            b"srv sshd",
            b"srv sshd(pam_unix)[1]: x",
            b"srv org.x[1]: y",
            b"srv sshd[1]:: y",
            b"srv  sshd[1]: y",
            b"srv auth.info: y",
            b"<4.3> srv sshd[1]: y",
            b"srv s/d@x_y-z[9]: y",
        ];
        for l in lines {
            taken += usize::from(fast_matches_general(l));
        }
        assert!(taken >= 8, "{taken}");
    }

    /// Every line of the third-party logs, from the host on and whole.
    #[test]
    #[cfg_attr(
        not(ferret_testdata),
        ignore = "needs FERRET_TESTDATA (../shared/data)"
    )]
    fn fast_host_tag_is_the_general_answer_on_real_logs() {
        let lines = third_party_lines(&[
            "fail2ban/logs/sshd",
            "fail2ban/logs/sshd-journal",
            "elastic-beats/test.log",
        ]);
        let mut n = 0;
        for line in &lines {
            // After an RFC 3164 stamp, and the whole line too.
            let rest = line.get(16..).unwrap_or_default();
            n += usize::from(fast_matches_general(rest));
            fast_matches_general(line);
        }
        assert!(n > 150, "{n}");
    }

    /// The lines of these files under `FERRET_TESTDATA`.
    fn third_party_lines(files: &[&str]) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        for f in files {
            let p = ferret_testkit::testdata(f);
            let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            lines.extend(data.split(|c| *c == b'\n').map(<[u8]>::to_vec));
        }
        lines
    }

    /// The cached path, primed by `a`, answers `b` as the general steps do.
    fn cached_matches_general(a: &[u8], b: &[u8]) {
        let mut pc = PrefixCache::default();
        fast_host_tag_cached(a, 0, &mut blank(), &mut pc);
        let (mut cached, mut general) = (blank(), blank());
        let taken = fast_host_tag_cached(b, 0, &mut cached, &mut pc);
        host_tag_msg_general(b, 0, &mut general, true);
        assert!(
            !taken || cached == general,
            "{:?} after {:?}",
            String::from_utf8_lossy(b),
            String::from_utf8_lossy(a)
        );
        assert_eq!(taken, fast_matches_general(b));
    }

    #[test]
    fn prefix_cache_is_the_general_answer() {
        let a: &[u8] =
            b"ip-172-31-5-12 sshd[123]: Failed password for root from 1.2.3.4 port 22 ssh2";
        for b in [
            &b"ip-172-31-5-12 sshd[4567]: Accepted publickey for root from 1.2.3.4 port 22 ssh2"[..],
            b"ip-172-31-5-12 sshd[4567]:x.y Accepted publickey for root from 1.2.3.4 port 2",
            b"ip-172-31-5-12 sshd[45a7]: Accepted publickey for root from 1.2.3.4 port 22 ssh2",
            b"ip-172-31-5-12 sshd[4567]: 1ccepted publickey for root from 1.2.3.4 port 22 ssh2",
            b"ip-172-31-5-12 sshd[4294967296]: Accepted publickey for root from 1.2.3.4 port 2",
            b"ip-172-31-5-12 sshd[4567] Accepted publickey for root from 1.2.3.4 port 22 ssh2",
            b"ip-172-31-5-12 sshd[",
            b"ip-172-31-5-13 sshd[4567]: Accepted publickey for root from 1.2.3.4 port 22 ssh2",
        ] {
            cached_matches_general(a, b);
        }
        let mut pc = PrefixCache::default();
        let mut e = blank();
        assert!(fast_host_tag_cached(a, 0, &mut e, &mut pc));
        assert!(pc.matches(a, 0), "the prefix is kept");
    }

    /// The byte loop [`pid_digits`] stands in for.
    fn digits_by_loop(b: &[u8]) -> Option<(usize, u64)> {
        let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let v = b
            .get(..n)?
            .iter()
            .fold(0u64, |v, c| v * 10 + u64::from(c - b'0'));
        Some((n, v))
    }

    #[test]
    fn pid_digits_edges() {
        for s in [
            &b"1]: xxxxxxx"[..],
            b"1234567]: x",
            b"12345678]: x",
            b"0000001]:xx",
            b"9999999/xxx",
            b"]12345678",
            b"123",
            b"/:;0123456",
            b"12\xff45678",
        ] {
            match pid_digits(s, 0) {
                Some(x) => assert_eq!(Some(x), digits_by_loop(s), "{s:?}"),
                None => {
                    let n = digits_by_loop(s).map_or(0, |x| x.0);
                    assert!(n == 0 || n >= 8 || s.len() < 8, "{s:?}");
                }
            }
        }
    }

    /// A stream's cached parse (minute, prefix and the one-step path) equals parsing each line
    /// alone.
    fn stream_matches_alone(lines: &[Vec<u8>]) -> usize {
        let years = YearContext::fixed_year(2024);
        let mut cache = TimeCache::default();
        let mut fast = 0;
        for l in lines {
            fast += usize::from(fast_3164(l, &years, &cache).is_some());
            let cached = parse_cached(l, &years, &mut cache);
            assert_eq!(cached, parse(l, &years), "{:?}", String::from_utf8_lossy(l));
        }
        fast
    }

    #[test]
    fn one_step_path_is_the_general_answer() {
        let lines: Vec<Vec<u8>> = [
            &b"Mar  1 10:00:00 web-01 sshd[1234]: Failed password for root from 1.2.3.4 port 22 ssh2"[..],
            b"Mar  1 10:00:01 web-01 sshd[99]: Failed password for root from 1.2.3.4 port 22 ssh2",
            b"Mar  1 10:00:02 web-01 sshd[4294967296]: Failed password for root from 1.2.3.4 p",
            b"Mar  1 10:00:03 web-01 sshd[12]: 1ailed password for root from 1.2.3.4 port 22 ssh2",
            b"Mar  1 10:00:61 web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
            b"Mar  1 10:00:60 web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
            b"Mar  1 10:00:04.5 web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22 s",
            b"Mar  1 10:00:05  web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22 ssh",
            b"Mar  1 10:00:06 2024 web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22",
            b"Mar  1 10:00:06 1969 web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22",
            b"Mar  1 10:00:07 web-01 sshd[12]:x.y Failed password for root from 1.2.3.4 port 22 s",
            b"Mar  1 10:00:08 web-01 sshd[12]",
            b"Mar  1 10:01:00 web-01 sshd[12]: Failed password for root from 1.2.3.4 port 22 ssh2",
            b"Mar  1 10:01:01 web-01 sshd[13]: Failed password for root from 1.2.3.4 port 22 ssh2",
        ]
        .iter()
        .map(|l| l.to_vec())
        .collect();
        assert!(stream_matches_alone(&lines) >= 3);
    }

    #[test]
    #[cfg_attr(
        not(ferret_testdata),
        ignore = "needs FERRET_TESTDATA (../shared/data)"
    )]
    fn one_step_path_is_the_general_answer_on_real_logs() {
        let lines = third_party_lines(&[
            "fail2ban/logs/sshd",
            "fail2ban/testcases/testcase02.log",
            "elastic-beats/test.log",
        ]);
        assert!(stream_matches_alone(&lines) > 0);
    }

    proptest::proptest! {
        #[test]
        fn one_step_path_matches_general(
            host in "[a-z0-9]{1,4}[a-z0-9.-]{0,14}",
            prog in "[a-z./_-]{1,10}",
            tails in proptest::collection::vec(
                (0u8..62, "( [0-9]{4})? ?(\\[[0-9a]{0,11}\\]?)?:? ?[-0-9a-z. ]{0,40}"),
                1..8
            ),
        ) {
            let lines: Vec<Vec<u8>> = tails
                .iter()
                .map(|(s, t)| format!("Mar  1 10:00:{s:02} {host} {prog}{t}").into_bytes())
                .collect();
            stream_matches_alone(&lines);
        }

        #[test]
        fn pid_digits_is_the_loop(b in proptest::collection::vec(
            proptest::prop_oneof![4 => 0x30u8..=0x39, 1 => proptest::num::u8::ANY], 0..12
        )) {
            match pid_digits(&b, 0) {
                Some(x) => proptest::prop_assert_eq!(Some(x), digits_by_loop(&b)),
                None => {
                    let n = digits_by_loop(&b).map_or(0, |x| x.0);
                    proptest::prop_assert!(n == 0 || n >= 8 || b.len() < 8);
                }
            }
        }

        #[test]
        fn prefix_cache_matches_general(
            host in "[a-z0-9.-]{1,20}",
            prog in "[a-z./_-]{1,12}",
            tails in proptest::collection::vec(
                "(\\[[0-9a]{0,11}\\]?)?:? ?[-0-9a-z. ]{0,40}",
                2..6
            ),
        ) {
            let lines: Vec<String> = tails.iter().map(|t| format!("{host} {prog}{t}")).collect();
            for w in lines.windows(2) {
                cached_matches_general(w[0].as_bytes(), w[1].as_bytes());
            }
        }

        #[test]
        fn fast_host_tag_matches_general_on_tag_like_bytes(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "srv", "h-1.x", " ", "  ", "sshd", "su", "[", "]", "123", "4294967296", ":", ".",
                "(pam_unix)", "-", "7", "x", "/", "@", "_", "\u{e9}", "\t", "<", ">", "auth.info",
            ]), 0..12)
        ) {
            let b = parts.concat();
            fast_matches_general(b.as_bytes());
        }
    }

    #[test]
    fn layouts() {
        let cases: &[(&[u8], Option<&str>, &str, Option<u32>, &str)] = &[
            (b"Feb  7 16:01:07 host sshd[5106]: hello", Some("host"), "sshd", Some(5106), "hello"),
            (b"Jul  3 14:59:17 host sshd-session[1571]: m", Some("host"), "sshd-session", Some(1571), "m"),
            (b"Mar  3 00:17:22 [sshd]: User root", None, "sshd", None, "User root"),
            (b"Jun 25 23:53:34 [sshd] User root", None, "sshd", None, "User root"),
            (b"Nov 23 21:50:19 sshd[8148]: Disc", None, "sshd", Some(8148), "Disc"),
            (b"Feb 21 23:35:33 localhost sudo: vagrant : TTY", Some("localhost"), "sudo", None, "vagrant : TTY"),
            (b"Apr  2 17:51:27 <4.3> pancake sshd[55624]: e", Some("pancake"), "sshd", Some(55624), "e"),
            (b"Mar 19 23:48:18 <auth.info> pancake sshd[55517]: I", Some("pancake"), "sshd", Some(55517), "I"),
            (b"2015-04-16T18:02:50.321974+00:00 host sshd[2716]: pam", Some("host"), "sshd", Some(2716), "pam"),
            (b"<38>1 2019-07-08T17:40:16.954167-04:00 h.example.com sshd 57915 - - Failed x", Some("h.example.com"), "sshd", Some(57915), "Failed x"),
            (b"<38>1 2019-07-08T17:40:17.954167-04:00 h sshd 55555 - [timeQuality tzKnown=\"1\"][x@1 t=\"[b]\"] Failed y", Some("h"), "sshd", Some(55555), "Failed y"),
            (b"srv sshd[13709]: error: PAM: x", Some("srv"), "sshd", Some(13709), "error: PAM: x"),
            (b"Invalid user inexu from 6.6.6.0", None, "", None, "Invalid user inexu from 6.6.6.0"),
            (b"error: PAM: authentication failure for mario from 6.6.6.0", None, "", None, "error: PAM: authentication failure for mario from 6.6.6.0"),
            (b"2020-05-29T11:28:56.058908+02:00 bastion sshd[20974] error: x", Some("bastion"), "sshd", Some(20974), "error: x"),
            (b"May 9 11:11:17 vps auth.info sshd[13482]: Inv", Some("vps"), "sshd", Some(13482), "Inv"),
            (b"2015-05-27T04:31:28.10040 auth.info: Invalid", None, "", None, "Invalid"),
            (b"2022-02-24T21:00:42.021457+00:00 evse dropbear 6052 - - Bad", Some("evse"), "dropbear", Some(6052), "Bad"),
            (b"Jan  1 00:00:01 h sshd(pam_unix)[22]: authentication failure", Some("h"), "sshd", Some(22), "authentication failure"),
            (b"1124012400 [sshd] error: PAM", None, "sshd", None, "error: PAM"),
            (b"{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"_HOSTNAME\":\"h\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"9\",\"MESSAGE\":\"Failed \\\"x\\\"\"}", Some("h"), "sshd", Some(9), "Failed \"x\""),
        ];
        for (line, host, prog, pid, msg) in cases {
            let e = p(line);
            let got = fields(&e);
            assert_eq!(
                got,
                (
                    host.map(str::to_string),
                    prog.to_string(),
                    *pid,
                    msg.to_string()
                ),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    /// The year inside an RFC 3164 stamp (`Mmm dd YYYY HH:MM:SS`, `YYYY Mmm dd HH:MM:SS`), as
    /// some rsyslog templates and appliances write it: read like the year after the time, and
    /// it overrides the reference year (2005 here).
    #[test]
    fn year_inside_the_stamp() {
        let msg = "Failed password for root from 203.0.113.50 port 4000 ssh2";
        for (line, time, format) in [
            (
                "Dec  6 2026 10:00:00 web1 sshd[100]: ",
                "2026-12-06T10:00:00Z",
                Format::Rfc3164,
            ),
            (
                "2026 Dec  6 10:00:00 web1 sshd[100]: ",
                "2026-12-06T10:00:00Z",
                Format::Rfc3164,
            ),
            (
                "Dec 06 2026 10:00:00 web1 sshd[100]: ",
                "2026-12-06T10:00:00Z",
                Format::Rfc3164,
            ),
            (
                "Dec 6 2026 10:00:00.250 web1 sshd[100]: ",
                "2026-12-06T10:00:00.250000Z",
                Format::Rfc3164,
            ),
            (
                "2026 Dec 16 23:59:60 web1 sshd[100]: ",
                "2026-12-17T00:00:00Z",
                Format::Rfc3164,
            ),
            (
                "<38>2026 Dec  6 10:00:00 web1 sshd[100]: ",
                "2026-12-06T10:00:00Z",
                Format::Rfc3164,
            ),
            (
                "Feb 29 2024 10:00:00 web1 sshd[100]: ",
                "2024-02-29T10:00:00Z",
                Format::Rfc3164,
            ),
            // The forms that already worked, for comparison.
            (
                "Dec  6 10:00:00 2026 web1 sshd[100]: ",
                "2026-12-06T10:00:00Z",
                Format::Rfc3164,
            ),
            (
                "2026-12-06 10:00:00 web1 sshd[100]: ",
                "2026-12-06T10:00:00Z",
                Format::Rfc3339,
            ),
        ] {
            let full = format!("{line}{msg}");
            let e = p(full.as_bytes());
            assert_eq!(e.format, format, "{full}");
            assert_eq!(
                e.time.map(|t| t.to_string()).as_deref(),
                Some(time),
                "{full}"
            );
            assert_eq!(
                fields(&e),
                (Some("web1".into()), "sshd".into(), Some(100), msg.into()),
                "{full}"
            );
        }
        assert_eq!(p(b"<38>2026 Dec  6 10:00:00 h x: y").priority, Some(38));
        // Not a stamp with a year: the year out of range, a digit short, no time after it,
        // the time before it with no space. None of them is read as a time.
        for line in [
            &b"Dec  6 1969 10:00:00 h x: y"[..],
            b"Dec  6 2201 10:00:00 h x: y",
            b"Dec  6 202 10:00:00 h x: y",
            b"Dec  6 2026 h x: y",
            b"2026 Dec  6 h x: y",
            b"2026 Dec 32 10:00:00 h x: y",
            b"2026Dec  6 10:00:00 h x: y",
            b"Dec  6 2026 24:00:00 h x: y",
            b"Dec  6 2026 10:00",
            b"2026 ",
            b"Dec  6 2026",
        ] {
            let e = p(line);
            assert_eq!(e.time, None, "{}", String::from_utf8_lossy(line));
        }
    }

    /// Through `analyze`: 30 failures then a login from the same source, with the year inside
    /// the stamp in either place, give `logs.login-after-failures` and no unparsed line; the
    /// stamp's year wins over the reference year.
    #[test]
    fn year_inside_the_stamp_through_analyze() {
        use std::fmt::Write as _;
        for stamp in [
            |s: u32| format!("Dec  6 2026 10:{:02}:{:02}", s / 60, s % 60),
            |s: u32| format!("2026 Dec  6 10:{:02}:{:02}", s / 60, s % 60),
        ] {
            let mut log = String::new();
            for i in 0..30 {
                let (t, pid, port) = (stamp(i * 7), 100 + i, 4000 + i);
                let _ = writeln!(
                    log,
                    "{t} web1 sshd[{pid}]: Failed password for root from 203.0.113.50 port {port} ssh2"
                );
            }
            let t = stamp(300);
            let _ = writeln!(
                log,
                "{t} web1 sshd[200]: Accepted password for root from 203.0.113.50 port 5000 ssh2"
            );
            let o = crate::AnalyzeOptions {
                year: Some(2005),
                ..Default::default()
            };
            let a = crate::analyze(
                [crate::Input::reader(log.as_bytes(), "auth.log")],
                &o,
                &ferret_core::Control::new(),
            );
            assert_eq!((a.lines, a.unparsed), (31, 0), "{}", stamp(0));
            let f = a
                .outcome
                .findings
                .iter()
                .find(|f| f.id == "logs.login-after-failures")
                .unwrap_or_else(|| panic!("{}: {:?}", stamp(0), a.outcome.findings));
            assert_eq!(f.subject, "203.0.113.50");
            let w = a.window.map(|w| (w.first.to_string(), w.last.to_string()));
            assert_eq!(
                w,
                Some(("2026-12-06T10:00:00Z".into(), "2026-12-06T10:05:00Z".into())),
                "{}",
                stamp(0)
            );
        }
    }

    /// A BSD `<facility.level>` with numbers past any facility or level: no priority, no
    /// panic (the range check once came after an overflowing `f * 8 + l`).
    #[test]
    fn bsd_prefix_out_of_range_numbers() {
        for line in [
            &b"Apr 2 17:51:27<4112401240.3>"[..],
            b"Apr 2 17:51:27 <1.4294967295> h sshd[1]: x",
            b"Apr 2 17:51:27 <4294967295.4294967295> h sshd[1]: x",
            b"Apr 2 17:51:27 <536870912.0> h sshd[1]: x",
            b"Apr 2 17:51:27 <128.0> h sshd[1]: x",
            b"Apr 2 17:51:27 <0.8> h sshd[1]: x",
        ] {
            let e = p(line);
            assert_eq!(e.priority, None, "{}", String::from_utf8_lossy(line));
            let a = crate::analyze(
                [crate::Input::reader(line, "x")],
                &crate::AnalyzeOptions::default(),
                &ferret_core::Control::new(),
            );
            assert_eq!(a.lines, 1);
        }
        assert_eq!(bsd_prefix(b"<127.7>"), Some(1023));
        assert_eq!(bsd_prefix(b"<4.3>"), Some(35));
        assert_eq!(p(b"Apr  2 17:51:27 <4.3> h sshd[1]: x").priority, Some(35));
    }

    #[test]
    fn timestamps() {
        let t = |l: &[u8]| p(l).time.map(|t| t.to_string());
        assert_eq!(
            t(b"Feb  7 16:01:07 h x: y"),
            Some("2005-02-07T16:01:07Z".into())
        );
        assert_eq!(
            t(b"<38>1 2019-07-08T17:40:16.954167-04:00 h sshd 1 - - x"),
            Some("2019-07-08T21:40:16.954167Z".into())
        );
        assert_eq!(
            t(b"1124012400 [sshd] x"),
            Some("2005-08-14T09:40:00Z".into())
        );
        assert_eq!(p(b"<38>Feb  7 16:01:07 h x: y").priority, Some(38));
        // A PRIORITY past 16 bits is no priority (it once wrapped: 65574 read as 38).
        let json = |prio: &str| {
            let l = format!(
                "{{\"__REALTIME_TIMESTAMP\":\"1\",\"PRIORITY\":\"{prio}\",\"MESSAGE\":\"x\"}}"
            );
            parse(l.as_bytes(), &YearContext::fixed_year(2005)).priority
        };
        assert_eq!(
            (json("6"), json("65535"), json("65574")),
            (Some(6), Some(65535), None)
        );
    }
}
