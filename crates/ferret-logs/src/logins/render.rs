//! The text the reference tools print, byte for byte: util-linux `last` and `lastb` (with
//! `--time-format iso -w`, optionally `-i`), `utmpdump` and shadow's `lastlog`, in the C
//! locale. For responders who know those formats, and for the parity tests that compare
//! ferret's reading of a file with theirs line by line.
//!
//! The lines are bytes (user names are not always UTF-8); each renderer escapes exactly as
//! its tool does: `last` writes a byte above 0x7f as `\ooo` and a control character `c` as
//! `*` followed by `c ^ 0x40`, `utmpdump` replaces unprintable bytes and brackets with `?`,
//! `lastlog` prints the bytes as they are.

use std::fmt;
use std::io::Write as _;
use std::net::IpAddr;

use jiff::tz::TimeZone;

use crate::logins::lastlog::LastlogEntry;
use crate::logins::sessions::{End, Session, SessionKind};
use crate::logins::utmp::LoginRecord;

/// An address as glibc's `inet_ntop` writes it: IPv6 with the longest run of two or more
/// zero groups (the first of equals) as `::`, and `::a.b.c.d` / `::ffff:a.b.c.d` for IPv4
/// compatible and mapped addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr(pub IpAddr);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(a) => write!(f, "{a}"),
            IpAddr::V6(a) => fmt_v6(&a.octets(), f),
        }
    }
}

fn fmt_v6(b: &[u8; 16], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut words = [0u16; 8];
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16::from_be_bytes([
            b.get(2 * i).copied().unwrap_or(0),
            b.get(2 * i + 1).copied().unwrap_or(0),
        ]);
    }
    // The first longest run of zero words, if at least two long.
    let (mut best, mut cur): ((usize, usize), Option<(usize, usize)>) = ((0, 0), None);
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            let c = cur.get_or_insert((i, 0));
            c.1 += 1;
            if c.1 > best.1 {
                best = *c;
            }
        } else {
            cur = None;
        }
    }
    let run = (best.1 >= 2).then_some(best);
    let mut i = 0;
    while i < 8 {
        if let Some((base, len)) = run {
            if i == base {
                f.write_str(":")?;
                if base + len == 8 {
                    f.write_str(":")?;
                }
                i += len;
                continue;
            }
        }
        if i != 0 {
            f.write_str(":")?;
        }
        let v4 = run.is_some_and(|(base, len)| {
            base == 0 && (len == 6 || (len == 5 && words.get(5) == Some(&0xffff)))
        });
        if i == 6 && v4 {
            return write!(
                f,
                "{}.{}.{}.{}",
                b.get(12).copied().unwrap_or(0),
                b.get(13).copied().unwrap_or(0),
                b.get(14).copied().unwrap_or(0),
                b.get(15).copied().unwrap_or(0)
            );
        }
        write!(f, "{:x}", words.get(i).copied().unwrap_or(0))?;
        i += 1;
    }
    Ok(())
}

/// How `last`-style lines are written.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LastFormat {
    /// The zone times are shown in (`last` uses the process's `TZ`).
    pub zone: TimeZone,
    /// `-i`: the host column shows the address as numbers (`0.0.0.0` when there is none).
    pub ip: bool,
    /// `-w`: user names and hosts in full (else cut at 8 and 16 bytes).
    pub full_names: bool,
    /// The current boot's time (`btime` of `/proc/stat`): a session with neither logout nor
    /// later boot that began before it is `gone - no logout`, else `still logged in`. `None`:
    /// every such session is `still logged in`.
    pub boot_time: Option<i64>,
}

impl Default for LastFormat {
    fn default() -> Self {
        LastFormat {
            zone: TimeZone::UTC,
            ip: true,
            full_names: true,
            boot_time: None,
        }
    }
}

/// `printf("%-W.Ps")` on bytes.
fn pad(out: &mut Vec<u8>, b: &[u8], width: usize, precision: usize) {
    let b = b.get(..precision.min(b.len())).unwrap_or(b);
    out.extend_from_slice(b);
    out.resize(out.len() + width.saturating_sub(b.len()), b' ');
}

/// util-linux `fputc_careful` in the C locale, over a whole line.
fn careful(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len() + 8);
    for &c in line {
        if (0x20..0x7f).contains(&c) || matches!(c, b'\x07' | b'\t' | b'\r' | b'\n') {
            out.push(c);
        } else if c >= 0x80 {
            let _ = write!(out, "\\{c:3o}");
        } else {
            out.push(b'*');
            out.push(c ^ 0x40);
        }
    }
    out
}

/// `strtime_iso(ISO_TIMESTAMP_T)`: `2024-03-01T10:00:00+01:00` in `zone`.
pub fn iso_time(sec: i64, zone: &TimeZone) -> String {
    match jiff::Timestamp::from_second(sec) {
        Ok(ts) => ts
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => sec.to_string(),
    }
}

/// `last`'s session length: `(d+hh:mm)`, ` (hh:mm)`, ` (-00:mm)`.
fn length(secs: i64) -> String {
    let mins = (secs / 60) % 60;
    let hours = (secs / 3600) % 24;
    let days = secs / 86400;
    if days != 0 {
        format!("({days}+{:02}:{:02})", hours.abs(), mins.abs())
    } else if hours != 0 {
        format!(" ({hours:02}:{:02})", mins.abs())
    } else if secs >= 0 {
        format!(" ({hours:02}:{mins:02})")
    } else {
        format!(" (-00:{:02})", mins.abs())
    }
}

/// `last`'s cut of `ftp123` to `ftp` and `uucp123` to `uucp`.
fn utline(line: &[u8]) -> &[u8] {
    let digit_at = |i: usize| line.get(i).is_some_and(u8::is_ascii_digit);
    if line.starts_with(b"ftp") && digit_at(3) {
        b"ftp"
    } else if line.starts_with(b"uucp") && digit_at(4) {
        b"uucp"
    } else {
        line
    }
}

/// The address column of `last -i`: the address as `last` decodes it, `0.0.0.0` for none.
fn last_addr(r: &LoginRecord) -> String {
    r.addr
        .map_or_else(|| "0.0.0.0".to_string(), |a| Addr(a).to_string())
}

/// One line, as `list()` in `last.c` writes it (with the newline).
fn last_row(
    fmt: &LastFormat,
    r: &LoginRecord,
    line: &[u8],
    logout: &[u8],
    length: &str,
) -> Vec<u8> {
    let (name_len, domain_len) = if fmt.full_names { (32, 256) } else { (8, 16) };
    let mut o = Vec::with_capacity(160);
    pad(&mut o, &r.user, 8, name_len);
    o.push(b' ');
    pad(&mut o, line, 12, 12);
    o.push(b' ');
    if fmt.ip {
        pad(&mut o, last_addr(r).as_bytes(), 16, domain_len);
    } else {
        pad(&mut o, &r.host, 16, domain_len);
    }
    o.push(b' ');
    pad(&mut o, iso_time(r.sec, &fmt.zone).as_bytes(), 25, 25);
    o.push(b' ');
    pad(&mut o, logout, 27, 27);
    o.push(b' ');
    o.extend_from_slice(length.as_bytes());
    while o.last().is_some_and(u8::is_ascii_whitespace) {
        o.pop();
    }
    o.push(b'\n');
    careful(&o)
}

/// A session as `last --time-format iso -w [-i] -x` prints it (with the newline). Clock
/// changes (`old time`, `new time`), shutdowns and run-level changes are what `-x` adds.
pub fn last_line(s: &Session, fmt: &LastFormat) -> Vec<u8> {
    let r = &s.start;
    let level;
    let line: &[u8] = match s.kind {
        SessionKind::Login => utline(&r.line),
        SessionKind::Boot => b"system boot",
        SessionKind::Shutdown => b"system down",
        SessionKind::OldTime => b"old time",
        SessionKind::NewTime => b"new time",
        SessionKind::RunLevel => {
            level = [b"(to lvl ".as_slice(), &[(r.pid & 255) as u8], b")"].concat();
            &level
        }
    };
    // The time `last` computes the length from: the end, or for a shutdown with no boot
    // after it `lastboot`'s initial 0.
    let end = match (s.end_sec, s.kind) {
        (Some(e), _) => Some(e),
        (None, SessionKind::Shutdown) => Some(0),
        (None, _) => None,
    };
    let (logout, len) = match (s.kind, s.end, end) {
        (SessionKind::OldTime | SessionKind::NewTime, ..) => (String::new(), String::new()),
        (_, End::Crash, Some(e)) => ("- crash".to_string(), length(e.saturating_sub(r.sec))),
        (_, End::Down, Some(e)) => ("- down ".to_string(), length(e.saturating_sub(r.sec))),
        (SessionKind::Login, End::Open, _) => {
            let gone = fmt.boot_time.is_some_and(|b| r.sec < b);
            let text = if gone {
                "  gone - no logout"
            } else {
                "  still logged in"
            };
            (text.to_string(), String::new())
        }
        (_, _, Some(e)) => (
            format!("- {}", iso_time(e, &fmt.zone)),
            length(e.saturating_sub(r.sec)),
        ),
        (_, _, None) => ("  still running".to_string(), String::new()),
    };
    last_row(fmt, r, line, logout.as_bytes(), &len)
}

/// A record as `lastb --time-format iso -w [-i]` prints it (with the newline): every record,
/// as stored, with its own time as both ends.
pub fn lastb_line(r: &LoginRecord, fmt: &LastFormat) -> Vec<u8> {
    let at = format!("- {}", iso_time(r.sec, &fmt.zone));
    last_row(fmt, r, utline(&r.line), at.as_bytes(), &length(0))
}

/// The line `last` ends with: `\nwtmp begins 2024-03-01T10:00:00+00:00\n` (`begin`: the first
/// record's time, or the file's ctime when it has none).
pub fn last_trailer(file_name: &[u8], begin: i64, fmt: &LastFormat) -> Vec<u8> {
    let mut o = b"\n".to_vec();
    o.extend_from_slice(file_name);
    o.extend_from_slice(b" begins ");
    o.extend_from_slice(iso_time(begin, &fmt.zone).as_bytes());
    o.push(b'\n');
    o
}

/// `utmpdump`'s `xcleanse`: unprintable bytes and brackets become `?`.
fn cleanse(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| {
            if (0x20..0x7f).contains(&c) && c != b'[' && c != b']' {
                c
            } else {
                b'?'
            }
        })
        .collect()
}

/// A record as `utmpdump` prints it (with the newline):
/// `[7] [01234] [ts/0] [alice   ] [pts/0       ] [host                ] [203.0.113.9    ] [2024-03-01T10:05:00,123456+00:00]`.
pub fn utmpdump_line(r: &LoginRecord) -> Vec<u8> {
    let raw = &r.addr_raw;
    let addr = if raw.get(4..).is_some_and(|t| t.iter().any(|&b| b != 0)) {
        Addr(IpAddr::V6(std::net::Ipv6Addr::from(*raw))).to_string()
    } else {
        let mut v4 = [0u8; 4];
        if let Some(s) = raw.get(..4) {
            v4.copy_from_slice(s);
        }
        std::net::Ipv4Addr::from(v4).to_string()
    };
    let (y, mo, d, h, mi, s) = crate::time::LogTime::from_secs(r.sec).civil();
    let mut o = Vec::with_capacity(160);
    let _ = write!(o, "[{}] [{:05}] [", r.ut_type, r.pid);
    pad(&mut o, &cleanse(&r.id), 4, 4);
    o.extend_from_slice(b"] [");
    pad(&mut o, &cleanse(&r.user), 8, 32);
    o.extend_from_slice(b"] [");
    pad(&mut o, &cleanse(&r.line), 12, 32);
    o.extend_from_slice(b"] [");
    pad(&mut o, &cleanse(&r.host), 20, 256);
    o.extend_from_slice(b"] [");
    pad(&mut o, addr.as_bytes(), 15, usize::MAX);
    let _ = writeln!(
        o,
        "] [{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02},{:06}+00:00]",
        r.usec
    );
    o
}

/// The header `lastlog` prints before its first line.
pub const LASTLOG_HEADER: &str =
    "Username         Port     From                                       Latest\n";

/// A user's line as shadow's `lastlog` prints it (with the newline): name, terminal (8
/// bytes), host (padded to 42), then `Mon Mar  4 10:00:00 +0000 2024` in `zone`, or
/// `**Never logged in**`.
pub fn lastlog_line(name: &[u8], e: Option<&LastlogEntry>, zone: &TimeZone) -> Vec<u8> {
    let mut o = Vec::with_capacity(120);
    pad(&mut o, name, 16, usize::MAX);
    o.push(b' ');
    let (line, host, time) = match e {
        Some(e) => (&e.line[..], &e.host[..], e.time),
        None => (&[][..], &[][..], 0),
    };
    pad(&mut o, line, 8, 8);
    o.push(b' ');
    pad(&mut o, host, 42, usize::MAX);
    if time == 0 {
        o.extend_from_slice(b"**Never logged in**");
    } else {
        let t = match jiff::Timestamp::from_second(time) {
            Ok(ts) => ts
                .to_zoned(zone.clone())
                .strftime("%a %b %e %H:%M:%S %z %Y")
                .to_string(),
            Err(_) => "(unknown)".to_string(),
        };
        o.extend_from_slice(t.as_bytes());
    }
    o.push(b'\n');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v6_like_glibc() {
        // (address, inet_ntop's text), as glibc's resolv/inet_ntop.c writes them.
        for (a, want) in [
            ("2001:db8::1", "2001:db8::1"),
            ("::1", "::1"),
            ("::", "::"),
            ("fe80::", "fe80::"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::192.0.2.1", "::192.0.2.1"),
            ("::1:0:0:0", "::1:0:0:0"),
        ] {
            let ip: std::net::Ipv6Addr = a.parse().unwrap();
            assert_eq!(Addr(IpAddr::V6(ip)).to_string(), want, "{a}");
        }
    }

    #[test]
    fn careful_escapes() {
        assert_eq!(careful(b"a\xffb\x01\t\x7f\n"), b"a\\377b*A\t*?\n");
    }

    #[test]
    fn lengths() {
        assert_eq!(length(0), " (00:00)");
        assert_eq!(length(3_661), " (01:01)");
        assert_eq!(length(90_061), "(1+01:01)");
        assert_eq!(length(-61), " (-00:01)");
        assert_eq!(length(-3_700), " (-1:01)");
    }
}
