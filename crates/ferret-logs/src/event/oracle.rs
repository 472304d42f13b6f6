//! Test-only oracle: the message parser exactly as it was before the speed work of session 3
//! (commit f9d560c), kept verbatim so the differential tests in `tests.rs` can check that the
//! fast parser returns identical `Option<EventKind>` for every input. Never change it to make
//! a test pass: a difference is a bug in the fast parser (or a deliberate, documented change).
#![allow(dead_code, clippy::all)]

use std::borrow::Cow;

use memchr::memmem;

use super::{Bytes, EventKind};

// ---------------------------------------------------------------------------------------------
// helpers

/// Substring search tuned for log lines: short haystacks, short needles. Building a
/// `memmem::Finder` per call costs more than the search itself here. Candidates are found by
/// the needle's first non-space byte (` from ` is searched by its `f`): spaces are the most
/// frequent byte of a log line, so anchoring on one checks nearly every word.
#[inline]
fn anchor(n: &[u8]) -> Option<(usize, u8)> {
    n.iter()
        .position(|c| *c != b' ')
        .or(if n.is_empty() { None } else { Some(0) })
        .and_then(|k| Some((k, *n.get(k)?)))
}
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    let (k, c) = anchor(n)?;
    if h.len() > 512 {
        return memmem::find(h, n);
    }
    memchr::memchr_iter(c, h.get(k..)?).find(|&i| h.get(i..i + n.len()) == Some(n))
}
fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    let (k, c) = anchor(n)?;
    if h.len() > 512 {
        return memmem::rfind(h, n);
    }
    let last = h.len().checked_sub(n.len())?;
    memchr::memrchr_iter(c, h.get(k..=last + k)?).find(|&i| h.get(i..i + n.len()) == Some(n))
}
/// Byte classes for one-lookup scans of addresses and program tags.
pub(crate) const ALNUM: u8 = 1;
/// `.` and `:`, the separators an address must contain.
pub(crate) const SEP: u8 = 2;
/// `-` and `_`, allowed in host names.
pub(crate) const DASH: u8 = 4;
/// `/` and `@`, allowed in program tags.
pub(crate) const TAGX: u8 = 8;
// The index is a loop counter below 256 and this is evaluated at compile time.
#[allow(clippy::indexing_slicing)]
pub(crate) const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() {
            ALNUM
        } else if b == b'.' || b == b':' {
            SEP
        } else if b == b'-' || b == b'_' {
            DASH
        } else if b == b'/' || b == b'@' {
            TAGX
        } else {
            0
        };
        c += 1;
    }
    t
};
/// The class of `c`.
#[inline]
pub(crate) fn class(c: u8) -> u8 {
    CLASS.get(usize::from(c)).copied().unwrap_or(0)
}

/// `memchr` for the short fields of a message: a byte loop below 32 bytes, where the call and
/// setup of the vector search cost more than the search.
#[inline]
pub(crate) fn short_memchr(c: u8, h: &[u8]) -> Option<usize> {
    if h.len() <= 32 {
        return h.iter().position(|x| *x == c);
    }
    memchr::memchr(c, h)
}
/// `memrchr` counterpart of [`short_memchr`].
#[inline]
pub(crate) fn short_memrchr(c: u8, h: &[u8]) -> Option<usize> {
    if h.len() <= 32 {
        return h.iter().rposition(|x| *x == c);
    }
    memchr::memrchr(c, h)
}
fn sub(b: &[u8], from: usize, to: usize) -> &[u8] {
    b.get(from..to).unwrap_or_default()
}
fn tail(b: &[u8], from: usize) -> &[u8] {
    b.get(from..).unwrap_or_default()
}
fn strip_suffix_ws(mut b: &[u8]) -> &[u8] {
    while let Some((&c, rest)) = b.split_last() {
        if c == b' ' || c == b'\t' || c == b'\r' {
            b = rest;
        } else {
            break;
        }
    }
    b
}
/// Decimal digits only (no sign), at most `max_len` of them, as a u64.
#[inline]
fn digits(b: &[u8], max_len: usize) -> Option<u64> {
    if b.is_empty() || b.len() > max_len {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}
fn num16(b: &[u8]) -> Option<u16> {
    u16::try_from(digits(b, 5)?).ok()
}
fn num32(b: &[u8]) -> Option<u32> {
    u32::try_from(digits(b, 10)?).ok()
}

/// Validates and normalises an address token: IPv4, IPv6 (zone id `%eth0` dropped,
/// `::ffff:` mapped IPv4 unwrapped) or a host name (sshd with `UseDNS yes`).
pub fn addr(tok: &[u8]) -> Option<&[u8]> {
    // One pass: the token up to a `%` zone id, only address/host-name bytes, at least one
    // `.` or `:`.
    let mut end = tok.len();
    let mut sep = false;
    for (k, &c) in tok.iter().enumerate() {
        let cl = class(c);
        if cl & (ALNUM | DASH) != 0 {
            continue;
        }
        if cl == SEP {
            sep = true;
        } else if c == b'%' {
            end = k;
            break;
        } else {
            return None;
        }
    }
    let t = sub(tok, 0, end);
    if t.is_empty() || t.len() > 255 || !sep {
        return None;
    }
    if t.first().is_some_and(|c| *c == b'.' || *c == b'-') {
        return None;
    }
    if let Some(v4) = t
        .strip_prefix(b"::ffff:")
        .or_else(|| t.strip_prefix(b"::FFFF:"))
    {
        // A mapped IPv4 address starts with a digit and has a dot (`::ffff:.1` and `::ffff:1`
        // are not unwrapped, so the result is again an address).
        if v4.first().is_some_and(u8::is_ascii_digit)
            && v4.contains(&b'.')
            && v4.iter().all(|c| c.is_ascii_digit() || *c == b'.')
        {
            return Some(v4);
        }
    }
    Some(t)
}

fn cow_addr(tok: &[u8]) -> Option<Bytes<'_>> {
    addr(tok).map(Cow::Borrowed)
}

/// Strips trailing ` [preauth]` / ` [net]` markers and whitespace.
fn strip_markers(mut m: &[u8]) -> &[u8] {
    loop {
        m = strip_suffix_ws(m);
        if let Some(r) = m
            .strip_suffix(b"[preauth]")
            .or_else(|| m.strip_suffix(b"[net]"))
        {
            m = r;
        } else {
            return m;
        }
    }
}

/// ` ADDR port N` or ` ADDR` at the end of `m`: (before, addr, port).
fn tail_addr_port(m: &[u8]) -> Option<(&[u8], &[u8], Option<u16>)> {
    let m = strip_suffix_ws(m);
    // The last ` port ` counts only when 1-5 digits end the line after it, so it can only be
    // the one right before the trailing digits.
    let digits = m
        .iter()
        .rev()
        .take(6)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let head = sub(m, 0, m.len() - digits);
    let (m, port) = match num16(tail(m, m.len() - digits)) {
        Some(port) if head.ends_with(b" port ") => (sub(head, 0, head.len() - 6), Some(port)),
        _ => (m, None),
    };
    let sp = short_memrchr(b' ', m);
    let tok = match sp {
        Some(s) => tail(m, s + 1),
        None => m,
    };
    let a = addr(tok)?;
    Some((sp.map_or(&b""[..], |s| sub(m, 0, s)), a, port))
}

/// The OpenSSH ` from ADDR port N sshN[: info]` structure. sshd prints
/// `<what> for <user> from <addr> port <n> ssh2[: <info>]`; the user name is attacker text
/// and comes first, so the address is taken from the right:
/// 1. the last ` from ADDR port N sshN` that ends the line (password, keyboard-interactive:
///    nothing can follow the real one);
/// 2. else the last one followed by `: info` (publickey `KEYTYPE FP`, ssh1 `ruser`); for
///    hostbased, whose info quotes the attacker-chosen client user, only when it is the only
///    one (ambiguous lines yield nothing rather than a wrong address);
/// 3. else an old-style ` from ADDR` at the end (or before ` via X`).
///
/// Returns (text before ` from `, addr, port, info).
fn from_port_ssh(m: &[u8], hostbased: bool) -> Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> {
    let m = strip_markers(m);
    if !hostbased {
        if let Some(x) = from_port_ssh_end(m) {
            return Some(x);
        }
    }
    let mut end = m.len();
    let mut with_info: Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> = None;
    let mut full = 0usize;
    let mut fallback: Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> = None;
    while let Some(f) = rfind(sub(m, 0, end), b" from ") {
        end = f;
        let rest = tail(m, f + 6);
        let sp = short_memchr(b' ', rest).unwrap_or(rest.len());
        let Some(a) = addr(sub(rest, 0, sp)) else {
            continue;
        };
        let after = tail(rest, sp);
        let before = sub(m, 0, f);
        if let Some(p) = after.strip_prefix(b" port ") {
            let de = p
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(p.len());
            let Some(port) = num16(sub(p, 0, de)) else {
                continue;
            };
            let mut r = tail(p, de);
            if let Some(x) = r
                .strip_prefix(b" ssh2")
                .or_else(|| r.strip_prefix(b" ssh1"))
                .or_else(|| r.strip_prefix(b" ssh"))
            {
                r = x;
            }
            if r.is_empty() {
                if !hostbased {
                    return Some((before, a, Some(port), None));
                }
                full += 1;
                with_info = Some((before, a, Some(port), None));
                continue;
            }
            if let Some(info) = r.strip_prefix(b": ").or_else(|| r.strip_prefix(b":")) {
                full += 1;
                if with_info.is_none() || hostbased {
                    with_info = Some((before, a, Some(port), Some(info)));
                }
            }
            continue;
        }
        if fallback.is_none()
            && (after.is_empty()
                || (after.starts_with(b" via ") && !tail(after, 5).contains(&b' ')))
        {
            fallback = Some((before, a, None, None));
        }
    }
    if hostbased && full > 1 {
        return None;
    }
    with_info.or(fallback)
}

/// Case 1 of [`from_port_ssh`] read from the end of the line: ` from ADDR port N[ sshN]`
/// ends it. That ` from ` is the last one (nothing after it can hold another), so this is the
/// answer the general scan gives first; `None` (the scan decides) for anything else.
fn from_port_ssh_end(m: &[u8]) -> Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> {
    let r = m
        .strip_suffix(b" ssh2")
        .or_else(|| m.strip_suffix(b" ssh1"))
        .or_else(|| m.strip_suffix(b" ssh"))
        .unwrap_or(m);
    let digits = r
        .iter()
        .rev()
        .take(6)
        .take_while(|c| c.is_ascii_digit())
        .count();
    let port = num16(tail(r, r.len() - digits))?;
    let head = sub(r, 0, r.len() - digits).strip_suffix(b" port ")?;
    let sp = short_memrchr(b' ', head)?;
    let a = addr(tail(head, sp + 1))?;
    let before = sub(head, 0, sp).strip_suffix(b" from")?;
    Some((before, a, Some(port), None))
}

/// `[invalid user ]U` -> (user, invalid).
fn user_part(u: &[u8]) -> (&[u8], bool) {
    if let Some(r) = u
        .strip_prefix(b"invalid user ")
        .or_else(|| u.strip_prefix(b"illegal user "))
    {
        (r, true)
    } else if u == b"invalid user" {
        (b"", true)
    } else {
        (u, false)
    }
}

// ---------------------------------------------------------------------------------------------
// dispatch

/// Parses a message given its program tag. Returns `None` when nothing is recognised.
pub fn parse_message<'a>(
    program: &'a [u8],
    pid: Option<u32>,
    msg: &'a [u8],
) -> Option<EventKind<'a>> {
    let _ = pid;
    match program {
        b"sshd" | b"sshd-session" | b"sshd-auth" | b"dropbear" => {
            sshd(msg).or_else(|| pam(program, msg))
        }
        b"sudo" => sudo(msg).or_else(|| pam(program, msg)),
        b"su" => su(msg).or_else(|| pam(program, msg)),
        b"useradd" | b"userdel" | b"usermod" | b"groupadd" | b"groupdel" | b"groupmod"
        | b"gpasswd" | b"passwd" | b"chpasswd" | b"adduser" | b"newusers" | b"chage" => {
            shadow_tools(program, msg).or_else(|| pam(program, msg))
        }
        b"kernel" | b"" if msg.starts_with(b"[") || program == b"kernel" => {
            kernel(msg).or_else(|| if program.is_empty() { sshd(msg) } else { None })
        }
        b"systemd-logind" => logind(msg),
        b"CRON" | b"cron" | b"crond" | b"anacron" => cron(msg).or_else(|| pam(program, msg)),
        b"" => sshd(msg)
            .or_else(|| pam(program, msg))
            .or_else(|| kernel(msg)),
        _ => pam(program, msg),
    }
}

fn sshd(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let mut m = m;
    // Solaris `[ID 800047 auth.info] ` tag, sshd's own `error: ` / `fatal: ` prefixes.
    if m.starts_with(b"[ID ") {
        if let Some(p) = short_memchr(b']', m) {
            m = tail(m, p + 1);
            if m.first() == Some(&b' ') {
                m = tail(m, 1);
            }
        }
    }
    // journald relays of kernel-prefixed lines: `kernel:[  970.69]: ` / `kernel: [970.69] `.
    if let Some(r) = m.strip_prefix(b"kernel:") {
        let r = r.strip_prefix(b" ").unwrap_or(r);
        if let Some(r) = r.strip_prefix(b"[") {
            if let Some(c) = short_memchr(b']', r) {
                let r = tail(r, c + 1);
                let r = r.strip_prefix(b":").unwrap_or(r);
                m = r.strip_prefix(b" ").unwrap_or(r);
            }
        }
    }
    for p in [&b"error: "[..], b"fatal: ", b"warning: "] {
        if let Some(r) = m.strip_prefix(p) {
            m = r;
        }
    }
    let first = *m.first()?;
    match first {
        b'F' => {
            if let Some(r) = m.strip_prefix(b"Failed ") {
                let sp = short_memchr(b' ', r)?;
                let method = sub(r, 0, sp);
                let r = tail(r, sp);
                let r = r.strip_prefix(b" for ")?;
                let (before, ip, port, _info) = from_port_ssh(r, method == b"hostbased")?;
                let (user, invalid) = user_part(before);
                let user = if user == b"<invalid username>" {
                    &b""[..]
                } else {
                    user
                };
                let invalid = invalid || before == b"<invalid username>";
                return Some(E::SshFailed {
                    method: Cow::Borrowed(method.strip_suffix(b"/pam").unwrap_or(method)),
                    user: Cow::Borrowed(user),
                    invalid_user: invalid,
                    ip: Cow::Borrowed(ip),
                    port,
                });
            }
        }
        b'A' => {
            if let Some(r) = m.strip_prefix(b"Accepted ") {
                let sp = short_memchr(b' ', r)?;
                let method = sub(r, 0, sp);
                let r = tail(r, sp).strip_prefix(b" for ")?;
                let (user, ip, port, info) = from_port_ssh(r, false)?;
                return Some(E::SshAccepted {
                    method: Cow::Borrowed(method.strip_suffix(b"/pam").unwrap_or(method)),
                    user: Cow::Borrowed(user),
                    ip: Cow::Borrowed(ip),
                    port,
                    key: info.map(|i| Cow::Borrowed(strip_markers(i))),
                });
            }
            if let Some(a) = m.strip_prefix(b"Address ") {
                if find(m, b"POSSIBLE BREAK-IN ATTEMPT").is_some() {
                    let sp = short_memchr(b' ', a)?;
                    return Some(E::SshBreakInAttempt {
                        ip: cow_addr(sub(a, 0, sp))?,
                    });
                }
            }
            if m.starts_with(b"Authentication failure for ")
                || m.starts_with(b"Authentication error for ")
            {
                return pam_from(tail(m, m.iter().position(|c| *c == b'r')? + 6));
            }
        }
        b'P' => {
            if let Some(r) = m.strip_prefix(b"PAM: ") {
                return sshd_pam(r);
            }
        }
        b'I' => {
            if let Some(r) = m
                .strip_prefix(b"Invalid user ")
                .or_else(|| m.strip_prefix(b"Illegal user "))
            {
                let r = strip_markers(r);
                // `Invalid user U from A port P` (new) or `Invalid user U from A` (old)
                if let Some(f) = rfind(r, b" from ") {
                    let rest = tail(r, f + 6);
                    let (a, port) = match find(rest, b" port ") {
                        Some(p) => (sub(rest, 0, p), num16(tail(rest, p + 6))),
                        None => (rest, None),
                    };
                    if let Some(a) = addr(a) {
                        return Some(E::SshInvalidUser {
                            user: Cow::Borrowed(sub(r, 0, f)),
                            ip: Some(Cow::Borrowed(a)),
                            port,
                        });
                    }
                }
                if let Some((u, a, port)) = tail_addr_port(r) {
                    return Some(E::SshInvalidUser {
                        user: Cow::Borrowed(u),
                        ip: Some(Cow::Borrowed(a)),
                        port,
                    });
                }
                return Some(E::SshInvalidUser {
                    user: Cow::Borrowed(r),
                    ip: None,
                    port: None,
                });
            }
        }
        b'U' => {
            if let Some(r) = m.strip_prefix(b"User ") {
                let nb = rfind(r, b" not allowed because ")?;
                let reason = strip_markers(tail(r, nb + 21));
                let head = sub(r, 0, nb);
                let (user, ip) = match rfind(head, b" from ") {
                    Some(f) => match addr(tail(head, f + 6)) {
                        Some(a) => (sub(head, 0, f), Some(Cow::Borrowed(a))),
                        None => (head, None),
                    },
                    None => (head, None),
                };
                return Some(E::SshUserNotAllowed {
                    user: Cow::Borrowed(user),
                    ip,
                    reason: Cow::Borrowed(reason),
                });
            }
            if let Some(r) = m.strip_prefix(b"Unable to negotiate with ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.strip_suffix(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
            if m.starts_with(b"Unable to negotiate a ") {
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
            if let Some(r) =
                m.strip_prefix(b"User not known to the underlying authentication module for ")
            {
                return pam_from(r);
            }
        }
        b'R' => {
            if let Some(r) = m.strip_prefix(b"ROOT LOGIN REFUSED FROM ") {
                let r = strip_markers(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshRootRefused {
                    ip: cow_addr(sub(r, 0, sp))?,
                });
            }
            if let Some(r) = m.strip_prefix(b"Received disconnect from ") {
                let preauth = strip_suffix_ws(m).ends_with(b"[preauth]");
                // `A[ port P]:[ ]code: text`
                let c = short_memchr(b':', r)?;
                let head = sub(r, 0, c);
                // IPv6 contains ':'; find ": " or ":<digits>:" after the address token.
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let tok = sub(r, 0, sp);
                let (a, rest) = if let Some(t) = tok.strip_suffix(b":") {
                    (t, tail(r, sp))
                } else if head.len() < sp {
                    (tok, tail(r, sp))
                } else {
                    (tok, tail(r, sp))
                };
                let mut rest = rest;
                let mut port = None;
                if let Some(p) = rest.strip_prefix(b" port ") {
                    let de = p
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .unwrap_or(p.len());
                    port = num16(sub(p, 0, de));
                    rest = tail(p, de);
                }
                let rest = rest.strip_prefix(b":").unwrap_or(rest);
                let rest = rest.strip_prefix(b" ").unwrap_or(rest);
                let de = rest
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                let code = num16(sub(rest, 0, de));
                let text = tail(rest, de);
                let ip = cow_addr(a.strip_suffix(b":").unwrap_or(a));
                let auth_fail = code == Some(3) && find(text, b"Auth fail").is_some();
                if preauth || auth_fail || code == Some(14) {
                    return Some(E::SshPreauthDisconnect {
                        user: None,
                        ip,
                        port,
                        code: if auth_fail {
                            Some(3)
                        } else {
                            code.filter(|c| *c != 3)
                        },
                    });
                }
                return Some(E::SshClosed { ip });
            }
            if let Some(r) = m.strip_prefix(b"Read from socket failed: Connection reset by peer") {
                let _ = r;
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"connection-reset"),
                });
            }
        }
        b'm' => {
            if let Some(r) = m.strip_prefix(b"maximum authentication attempts exceeded for ") {
                let (before, ip, port, _) = from_port_ssh(r, false)?;
                let (user, _) = user_part(before);
                return Some(E::SshMaxAuthAttempts {
                    user: Cow::Borrowed(user),
                    ip: Some(Cow::Borrowed(ip)),
                    port,
                });
            }
        }
        b'D' => {
            if let Some(r) = m.strip_prefix(b"Disconnecting: Too many authentication failures") {
                let r = strip_markers(r);
                let user = r
                    .strip_prefix(b" for ")
                    .map(|u| Cow::Borrowed(user_part(u).0));
                return Some(E::SshTooManyFailures { user, ip: None });
            }
            if let Some(r) = m.strip_prefix(b"Did not receive identification string from ") {
                let r = strip_markers(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(r, 0, sp)),
                    what: Cow::Borrowed(b"no-identification"),
                });
            }
            if m.starts_with(b"Disconnecting ") || m.starts_with(b"Disconnected from ") {
                return closed(m);
            }
        }
        b'C' => {
            if let Some(r) = m.strip_prefix(b"Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let rest = tail(r, sp);
                let port = rest.strip_prefix(b" port ").and_then(|p| {
                    num16(sub(
                        p,
                        0,
                        p.iter()
                            .position(|c| !c.is_ascii_digit())
                            .unwrap_or(p.len()),
                    ))
                });
                return Some(E::SshConnection {
                    ip: cow_addr(sub(r, 0, sp))?,
                    port,
                });
            }
            if m.starts_with(b"Connection closed by ") || m.starts_with(b"Connection reset by ") {
                return closed(m);
            }
        }
        b'B' => {
            if let Some(r) = m.strip_prefix(b"Bad protocol version identification ") {
                let r = strip_markers(r);
                let f = rfind(r, b" from ")?;
                let rest = tail(r, f + 6);
                let sp = short_memchr(b' ', rest).unwrap_or(rest.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(rest, 0, sp)),
                    what: Cow::Borrowed(b"bad-protocol-version"),
                });
            }
            if let Some(r) = m.strip_prefix(b"banner exchange: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.strip_suffix(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"banner-exchange"),
                });
            }
        }
        b'b' => {
            if let Some(r) = m.strip_prefix(b"banner exchange: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.strip_suffix(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"banner-exchange"),
                });
            }
        }
        b'd' => {
            // OpenSSH 9.8 PerSourcePenalties: `drop connection #0 from [A]:P on [B]:Q penalty: ...`
            if let Some(r) = m.strip_prefix(b"drop connection #") {
                let f = find(r, b" from [")?;
                let rest = tail(r, f + 7);
                let c = short_memchr(b']', rest)?;
                return Some(E::SshScan {
                    ip: cow_addr(sub(rest, 0, c)),
                    what: Cow::Borrowed(b"penalty-drop"),
                });
            }
        }
        b'k' => {
            if m.starts_with(b"kex_exchange_identification: ") {
                if find(m, b"banner line too long").is_some() {
                    return None;
                }
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"kex-exchange-identification"),
                });
            }
        }
        b's' => {
            if let Some(r) = m.strip_prefix(b"ssh_dispatch_run_fatal: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(r, 0, sp)),
                    what: Cow::Borrowed(b"dispatch-fatal"),
                });
            }
        }
        b'T' => {
            if let Some(r) = m.strip_prefix(b"Timeout before authentication for ") {
                let r = r.strip_prefix(b"connection from ").unwrap_or(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.strip_suffix(b",").unwrap_or(a)),
                    what: Cow::Borrowed(b"timeout-before-auth"),
                });
            }
        }
        b'r' => {
            if let Some(r) = m.strip_prefix(b"refused connect from ") {
                // `refused connect from NAME (ADDR)`
                let o = short_memrchr(b'(', r)?;
                let c = short_memrchr(b')', r)?;
                return Some(E::SshUserNotAllowed {
                    user: Cow::Borrowed(b""),
                    ip: Some(Cow::Borrowed(addr(sub(r, o + 1, c))?)),
                    reason: Cow::Borrowed(b"tcp_wrappers refused connect"),
                });
            }
        }
        b'n' => {
            if m.starts_with(b"no matching ") {
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
        }
        b'p' => return pam(b"sshd", m),
        _ => {}
    }
    // Dropbear: addresses are `A:P`, `::ffff:A:P` or `<A:P>`.
    fn dropbear_addr(a: &[u8]) -> Option<Bytes<'_>> {
        let a = a.strip_prefix(b"<").unwrap_or(a);
        let a = a.strip_suffix(b">").unwrap_or(a);
        let a = match short_memrchr(b':', a) {
            Some(c)
                if sub(a, c + 1, a.len()).iter().all(u8::is_ascii_digit)
                    && (a.iter().filter(|x| **x == b':').count() == 1
                        || a.starts_with(b"::ffff:")
                        || a.starts_with(b"[")) =>
            {
                sub(a, 0, c)
            }
            _ => a,
        };
        let a = a.strip_prefix(b"[").unwrap_or(a);
        let a = a.strip_suffix(b"]").unwrap_or(a);
        cow_addr(a)
    }
    if let Some(r) = m.strip_prefix(b"Exit before auth from ") {
        let e = short_memchr(b'>', r)
            .map_or_else(|| short_memchr(b' ', r).unwrap_or(r.len()), |x| x + 1);
        return Some(E::SshScan {
            ip: dropbear_addr(sub(r, 0, e)),
            what: Cow::Borrowed(b"exit-before-auth"),
        });
    }
    if let Some(r) = m
        .strip_prefix(b"Bad password attempt for '")
        .or_else(|| m.strip_prefix(b"Bad PAM password attempt for '"))
    {
        let q = rfind(r, b"' from ")?;
        let a = tail(r, q + 7);
        return Some(E::SshFailed {
            method: Cow::Borrowed(b"password"),
            user: Cow::Borrowed(sub(r, 0, q)),
            invalid_user: false,
            ip: dropbear_addr(a)?,
            port: None,
        });
    }
    if let Some(r) = m
        .strip_prefix(b"Login attempt for nonexistent user from ")
        .or_else(|| m.strip_prefix(b"Login attempt for nonexistent user ('"))
    {
        let a = r.rsplit(|c| *c == b' ').next().unwrap_or(r);
        return Some(E::SshInvalidUser {
            user: Cow::Borrowed(b""),
            ip: dropbear_addr(a),
            port: None,
        });
    }
    None
}

/// `PAM: Authentication failure for U from H` (sshd without UsePAM logging).
fn sshd_pam(r: &[u8]) -> Option<EventKind<'_>> {
    let lower_ok = |p: &[u8]| {
        r.len() >= p.len() && r.get(..p.len()).is_some_and(|x| x.eq_ignore_ascii_case(p))
    };
    for p in [
        &b"authentication failure for "[..],
        b"authentication error for ",
        b"authentication failed for ",
    ] {
        if lower_ok(p) {
            return pam_from(tail(r, p.len()));
        }
    }
    for p in [
        &b"User not known to the underlying authentication module for "[..],
        b"unknown user for ",
    ] {
        if let Some(x) = r.strip_prefix(p) {
            return pam_from(x);
        }
    }
    None
}

/// `U from H[ via X]` with U possibly `illegal user U`.
fn pam_from(r: &[u8]) -> Option<EventKind<'_>> {
    let r = strip_markers(r);
    let r = match rfind(r, b" via ") {
        Some(v) if !tail(r, v + 5).contains(&b' ') => sub(r, 0, v),
        _ => r,
    };
    let f = rfind(r, b" from ")?;
    let a = addr(strip_suffix_ws(tail(r, f + 6)))?;
    let (user, _) = user_part(sub(r, 0, f));
    Some(EventKind::SshPamFailure {
        user: Cow::Borrowed(user),
        ip: Cow::Borrowed(a),
    })
}

/// Connection closed / reset / disconnected, with or without user, before or after auth.
fn closed(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let preauth = strip_suffix_ws(m).ends_with(b"[preauth]");
    let stripped = strip_markers(m);
    let (rest, _) = [
        &b"Connection closed by "[..],
        b"Connection reset by ",
        b"Disconnected from ",
        b"Disconnecting ",
    ]
    .iter()
    .find_map(|p| stripped.strip_prefix(*p).map(|r| (r, *p)))?;
    // `ADDR port P: reason` form (Disconnecting invalid user U A port P: Change of username...)
    let (body, reason) = match find(rest, b": ") {
        Some(c) if find(sub(rest, 0, c), b" port ").is_some() => {
            (sub(rest, 0, c), Some(tail(rest, c + 2)))
        }
        _ => (rest, None),
    };
    let (user, body, authenticating) = if let Some(u) = body.strip_prefix(b"authenticating user ") {
        (Some(u), u, true)
    } else if let Some(u) = body.strip_prefix(b"invalid user ") {
        (Some(u), u, true)
    } else if let Some(u) = body.strip_prefix(b"user ") {
        (Some(u), u, false)
    } else {
        (None, body, false)
    };
    let (before, ip, port) = tail_addr_port(body)?;
    let user = user.map(|_| Cow::Borrowed(before));
    let change = reason.is_some_and(|r| r.starts_with(b"Change of username"));
    if change {
        return Some(E::SshUserNotAllowed {
            user: user.unwrap_or(Cow::Borrowed(b"")),
            ip: Some(Cow::Borrowed(ip)),
            reason: Cow::Borrowed(b"change of username or service"),
        });
    }
    if reason.is_some_and(|r| r.starts_with(b"Too many authentication failures")) {
        return Some(E::SshTooManyFailures {
            user,
            ip: Some(Cow::Borrowed(ip)),
        });
    }
    if preauth || authenticating {
        return Some(E::SshPreauthDisconnect {
            user,
            ip: Some(Cow::Borrowed(ip)),
            port,
            code: None,
        });
    }
    Some(E::SshClosed {
        ip: Some(Cow::Borrowed(ip)),
    })
}

/// `pam_X(svc:auth): authentication failure; ...` and `pam_X(svc:session): session opened ...`.
fn pam<'a>(program: &'a [u8], m: &'a [u8]) -> Option<EventKind<'a>> {
    use EventKind as E;
    let m = if m.starts_with(b"pam_") || m.starts_with(b"PAM") {
        m
    } else if program == b"su" || program == b"sudo" {
        return None;
    } else {
        return None;
    };
    let o = short_memchr(b'(', m)?;
    let c = short_memchr(b')', m)?;
    let inner = sub(m, o + 1, c);
    let colon = short_memchr(b':', inner)?;
    let service = sub(inner, 0, colon);
    let kind = tail(inner, colon + 1);
    let rest = tail(m, c + 1);
    let rest = rest.strip_prefix(b": ").unwrap_or(rest);
    match kind {
        b"auth" => {
            if !rest.starts_with(b"authentication failure") {
                return None;
            }
            let field = |k: &[u8]| -> Option<Bytes<'a>> {
                let mut from = 0;
                loop {
                    let p = find(tail(rest, from), k)? + from;
                    if p == 0 || rest.get(p - 1) == Some(&b' ') {
                        let v = tail(rest, p + k.len());
                        let e = short_memchr(b' ', v).unwrap_or(v.len());
                        return Some(Cow::Borrowed(sub(v, 0, e)));
                    }
                    from = p + k.len();
                }
            };
            // rhost is a host name or address; anything else is not a source.
            let rhost = field(b"rhost=").and_then(|h| match h {
                Cow::Borrowed(b) => cow_addr(b),
                Cow::Owned(_) => None,
            });
            let user = field(b"user=").filter(|u| !u.is_empty() && &**u != b"[preauth]");
            let ruser = field(b"ruser=").filter(|u| !u.is_empty());
            if service == b"su" || service == b"su-l" {
                return Some(E::Su {
                    success: false,
                    user: ruser,
                    target: user,
                });
            }
            Some(E::PamAuthFailure {
                service: Cow::Borrowed(service),
                user,
                ruser,
                rhost,
            })
        }
        b"session" => {
            let (opened, r) = if let Some(r) = rest.strip_prefix(b"session opened for user ") {
                (true, r)
            } else {
                (false, rest.strip_prefix(b"session closed for user ")?)
            };
            let e = find(r, b" by ").unwrap_or_else(|| short_memchr(b' ', r).unwrap_or(r.len()));
            let user = sub(r, 0, e);
            let user = user.strip_suffix(b"(uid=0)").unwrap_or(user);
            Some(E::PamSession {
                service: Cow::Borrowed(service),
                opened,
                user: Cow::Borrowed(user),
            })
        }
        b"chauthtok" => {
            let r = rest.strip_prefix(b"password changed for ")?;
            Some(E::PasswordChanged {
                user: Cow::Borrowed(strip_suffix_ws(r)),
                by: Cow::Borrowed(service),
            })
        }
        _ => None,
    }
}

/// sudo's `U : field ; field ; ...`.
fn sudo(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let sep = find(m, b" : ")?;
    let user = strip_suffix_ws(sub(m, 0, sep));
    let user = tail(
        user,
        user.iter().position(|c| *c != b' ').unwrap_or(user.len()),
    );
    let rest = tail(m, sep + 3);
    let field = |k: &[u8]| -> Option<Bytes<'_>> {
        // fields are `K=v ; K=v ; COMMAND=...` (COMMAND last, may contain ' ; ')
        let mut start = 0;
        loop {
            let p = find(tail(rest, start), k)? + start;
            if p == 0 || sub(rest, p.saturating_sub(2), p) == b"; " {
                let v = tail(rest, p + k.len());
                if k == b"COMMAND=" {
                    return Some(Cow::Borrowed(strip_suffix_ws(v)));
                }
                let e = find(v, b" ; ").unwrap_or(v.len());
                return Some(Cow::Borrowed(strip_suffix_ws(sub(v, 0, e))));
            }
            start = p + k.len();
        }
    };
    let command = field(b"COMMAND=");
    if find(rest, b"user NOT in sudoers").is_some()
        || find(rest, b"user NOT authorized on host").is_some()
    {
        return Some(E::SudoNotInSudoers {
            user: Cow::Borrowed(user),
            runas: field(b"USER="),
            command,
        });
    }
    if let Some(p) = find(rest, b" incorrect password attempt") {
        let n = sub(rest, 0, p);
        let n = tail(n, short_memrchr(b' ', n).map_or(0, |s| s + 1));
        return Some(E::SudoFailure {
            user: Cow::Borrowed(user),
            attempts: num32(n).unwrap_or(1),
            command,
        });
    }
    if rest.starts_with(b"TTY=") || rest.starts_with(b"PWD=") || command.is_some() {
        return Some(E::Sudo {
            user: Cow::Borrowed(user),
            tty: field(b"TTY="),
            pwd: field(b"PWD="),
            runas: field(b"USER="),
            command,
        });
    }
    None
}

fn su(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    // util-linux: `(to root) alice on pts/0`; `FAILED SU (to root) alice on pts/0`
    // shadow: `Successful su for root by alice`, `FAILED su for root by alice`, `+ pts/0 alice:root`
    let (success, r) = if let Some(r) = m.strip_prefix(b"FAILED SU ") {
        (false, r)
    } else {
        (true, m)
    };
    if let Some(r) = r.strip_prefix(b"(to ") {
        let c = short_memchr(b')', r)?;
        let target = sub(r, 0, c);
        let rest = tail(r, c + 1).strip_prefix(b" ")?;
        let on = rfind(rest, b" on ").unwrap_or(rest.len());
        return Some(E::Su {
            success,
            user: Some(Cow::Borrowed(sub(rest, 0, on))),
            target: Some(Cow::Borrowed(target)),
        });
    }
    for (p, ok) in [
        (&b"Successful su for "[..], true),
        (b"FAILED su for ", false),
    ] {
        if let Some(r) = m.strip_prefix(p) {
            let by = rfind(r, b" by ")?;
            return Some(E::Su {
                success: ok,
                user: Some(Cow::Borrowed(tail(r, by + 4))),
                target: Some(Cow::Borrowed(sub(r, 0, by))),
            });
        }
    }
    None
}

/// `key=value, key=value` from shadow-utils lines.
fn kv<'a>(m: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    loop {
        let p = find(tail(m, from), key)? + from;
        let ok = p == 0 || matches!(m.get(p - 1), Some(b' ' | b','));
        if ok && m.get(p + key.len()) == Some(&b'=') {
            let v = tail(m, p + key.len() + 1);
            let e = find(v, b", ").unwrap_or(v.len());
            let v = sub(v, 0, e);
            return Some(strip_suffix_ws(v.strip_suffix(b",").unwrap_or(v)));
        }
        from = p + key.len();
    }
}

/// `'name'` at the start of `r`: (name, rest).
fn quoted(r: &[u8]) -> Option<(&[u8], &[u8])> {
    let r = r.strip_prefix(b"'").or_else(|| r.strip_prefix(b"`"))?;
    let e = short_memrchr(b'\'', r)?;
    // the name ends at the first `' ` or final quote
    let e = find(r, b"' ").unwrap_or(e);
    Some((sub(r, 0, e), tail(r, e + 1)))
}

fn shadow_tools<'a>(program: &'a [u8], m: &'a [u8]) -> Option<EventKind<'a>> {
    use EventKind as E;
    let m = strip_suffix_ws(m);
    if let Some(r) = m.strip_prefix(b"new user: ") {
        return Some(E::UserAdded {
            name: Cow::Borrowed(kv(r, b"name")?),
            uid: kv(r, b"UID").and_then(num32),
            gid: kv(r, b"GID").and_then(num32),
            home: kv(r, b"home").map(Cow::Borrowed),
            shell: kv(r, b"shell").map(Cow::Borrowed),
        });
    }
    if let Some(r) = m
        .strip_prefix(b"new group: ")
        .or_else(|| m.strip_prefix(b"group added to /etc/group: "))
    {
        return Some(E::GroupAdded {
            name: Cow::Borrowed(kv(r, b"name")?),
            gid: kv(r, b"GID").and_then(num32),
        });
    }
    // useradd/usermod: `add 'bob' to group 'sudo'`, `add 'bob' to shadow group 'sudo'`
    if let Some(r) = m.strip_prefix(b"add ") {
        let (user, rest) = quoted(r)?;
        let g = rest
            .strip_prefix(b" to group ")
            .or_else(|| rest.strip_prefix(b" to shadow group "))?;
        let (group, _) = quoted(g)?;
        return Some(E::GroupMember {
            user: Cow::Borrowed(user),
            group: Cow::Borrowed(group),
            added: true,
        });
    }
    if let Some(r) = m.strip_prefix(b"delete ") {
        if let Some(g) = r.strip_prefix(b"user ") {
            let (name, _) = quoted(g)?;
            return Some(E::UserDeleted {
                name: Cow::Borrowed(name),
            });
        }
        let (user, rest) = quoted(r)?;
        let g = rest
            .strip_prefix(b" from group ")
            .or_else(|| rest.strip_prefix(b" from shadow group "))?;
        let (group, _) = quoted(g)?;
        return Some(E::GroupMember {
            user: Cow::Borrowed(user),
            group: Cow::Borrowed(group),
            added: false,
        });
    }
    // gpasswd: `user bob added by root to group sudo`, `user bob removed by root from group sudo`
    if let Some(r) = m.strip_prefix(b"user ") {
        if let Some(p) = find(r, b" added by ") {
            let g = rfind(r, b" to group ")?;
            return Some(E::GroupMember {
                user: Cow::Borrowed(sub(r, 0, p)),
                group: Cow::Borrowed(tail(r, g + 10)),
                added: true,
            });
        }
        if let Some(p) = find(r, b" removed by ") {
            let g = rfind(r, b" from group ")?;
            return Some(E::GroupMember {
                user: Cow::Borrowed(sub(r, 0, p)),
                group: Cow::Borrowed(tail(r, g + 12)),
                added: false,
            });
        }
    }
    // usermod: `change user 'bob' password`, `change user 'bob' shell from ... to ...`, `lock user 'bob' password`
    for p in [&b"change user "[..], b"lock user ", b"unlock user "] {
        if let Some(r) = m.strip_prefix(p) {
            let (name, rest) = quoted(r)?;
            let verb = sub(p, 0, p.len() - 6);
            let _ = verb;
            return Some(E::UserModified {
                name: Cow::Borrowed(name),
                change: Cow::Borrowed(rest.strip_prefix(b" ").unwrap_or(rest)),
            });
        }
    }
    if let Some(r) = m
        .strip_prefix(b"password changed for ")
        .or_else(|| m.strip_prefix(b"password for '"))
    {
        let r = r.strip_suffix(b"' changed by 'root'").unwrap_or(r);
        return Some(E::PasswordChanged {
            user: Cow::Borrowed(r),
            by: Cow::Borrowed(program),
        });
    }
    None
}

fn logind(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    if let Some(r) = m.strip_prefix(b"New session ") {
        let p = find(r, b" of user ")?;
        let u = tail(r, p + 9);
        return Some(E::LogindSession {
            new: true,
            session: Cow::Borrowed(sub(r, 0, p)),
            user: Some(Cow::Borrowed(u.strip_suffix(b".").unwrap_or(u))),
        });
    }
    if let Some(r) = m.strip_prefix(b"Removed session ") {
        return Some(E::LogindSession {
            new: false,
            session: Cow::Borrowed(r.strip_suffix(b".").unwrap_or(r)),
            user: None,
        });
    }
    None
}

fn cron(m: &[u8]) -> Option<EventKind<'_>> {
    let r = m.strip_prefix(b"(")?;
    let c = find(r, b") CMD (")?;
    let cmd = tail(r, c + 7);
    Some(EventKind::CronCommand {
        user: Cow::Borrowed(sub(r, 0, c)),
        command: Cow::Borrowed(cmd.strip_suffix(b")").unwrap_or(cmd)),
    })
}

/// Kernel messages: netfilter LOG, fs and I/O errors, segfaults, module taint.
fn kernel(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let mut m = m;
    // `[12345.678901] ` timestamp, `[T123] ` / `[C1] ` caller id.
    for _ in 0..2 {
        if m.first() == Some(&b'[') {
            let c = short_memchr(b']', sub(m, 0, 24.min(m.len())))?;
            let inner = sub(m, 1, c);
            if inner
                .iter()
                .all(|x| x.is_ascii_digit() || *x == b'.' || *x == b' ' || *x == b'T' || *x == b'C')
            {
                m = tail(m, c + 1);
                m = m.strip_prefix(b" ").unwrap_or(m);
            }
        }
    }
    if let Some(src_at) =
        find(m, b" SRC=").or_else(|| m.strip_prefix(b"SRC=").map(|_| 0).filter(|_| false))
    {
        if let Some(inp) = find(m, b"IN=") {
            if inp < src_at {
                let prefix = strip_suffix_ws(sub(m, 0, inp));
                let f = |k: &[u8]| -> Option<&[u8]> {
                    let mut from = inp;
                    loop {
                        let p = find(tail(m, from), k)? + from;
                        if p == 0 || m.get(p - 1) == Some(&b' ') {
                            let v = tail(m, p + k.len());
                            let e = short_memchr(b' ', v).unwrap_or(v.len());
                            return Some(sub(v, 0, e));
                        }
                        from = p + k.len();
                    }
                };
                fn nz(v: Option<&[u8]>) -> Option<Bytes<'_>> {
                    v.filter(|x| !x.is_empty()).map(Cow::Borrowed)
                }
                // TCP flags are the bare words after the ports.
                let flags_start = find(m, b" RES=").map_or(m.len(), |p| p + 5);
                let fl = tail(m, flags_start);
                let fl = match short_memchr(b' ', fl) {
                    Some(s) => tail(fl, s + 1),
                    None => &b""[..],
                };
                let fl_end = find(fl, b" URGP=").unwrap_or(fl.len());
                let fl = strip_suffix_ws(sub(fl, 0, fl_end));
                let fl = if fl.iter().all(|c| c.is_ascii_uppercase() || *c == b' ') {
                    fl
                } else {
                    &b""[..]
                };
                return Some(E::Netfilter {
                    prefix: Cow::Borrowed(prefix),
                    in_if: nz(f(b"IN=")),
                    out_if: nz(f(b"OUT=")),
                    src: cow_addr(f(b"SRC=")?)?,
                    dst: nz(f(b"DST=")),
                    proto: nz(f(b"PROTO=")),
                    spt: f(b"SPT=").and_then(num16),
                    dpt: f(b"DPT=").and_then(num16),
                    flags: Cow::Borrowed(fl),
                });
            }
        }
    }
    if let Some(p) = find(m, b": segfault at ") {
        let head = sub(m, 0, p);
        let (prog, pid) = match short_memrchr(b'[', head) {
            Some(o) => (
                sub(head, 0, o),
                num32(sub(head, o + 1, head.len().saturating_sub(1))),
            ),
            None => (head, None),
        };
        return Some(E::Segfault {
            program: Cow::Borrowed(prog),
            pid,
        });
    }
    if let Some(p) = find(m, b": module verification failed") {
        return Some(E::ModuleTaint {
            module: Cow::Borrowed(sub(m, 0, p)),
            reason: Cow::Borrowed(
                b"module verification failed: signature and/or required key missing",
            ),
        });
    }
    if let Some(p) = find(m, b": loading out-of-tree module taints kernel")
        .or_else(|| find(m, b": module license '"))
    {
        return Some(E::ModuleTaint {
            module: Cow::Borrowed(sub(m, 0, p)),
            reason: Cow::Borrowed(strip_suffix_ws(tail(m, p + 2))),
        });
    }
    // Filesystem errors: `EXT4-fs error (device sda1): ...`, `XFS (sdb1): ... error`,
    // `BTRFS error (device dm-0): ...`, `blk_update_request: I/O error, dev sda, sector N`,
    // `I/O error, dev sda, sector N`, `Buffer I/O error on dev sda1`.
    for fs in [
        &b"EXT4-fs error"[..],
        b"EXT3-fs error",
        b"EXT2-fs error",
        b"BTRFS error",
        b"BTRFS critical",
        b"EXT4-fs (",
        b"XFS (",
    ] {
        if let Some(p) = find(m, fs) {
            let r = tail(m, p);
            let is_err = fs.ends_with(b"error")
                || fs.ends_with(b"critical")
                || find(r, b"error").is_some()
                || find(r, b"corrupt").is_some();
            if !is_err {
                continue;
            }
            let dev = find(r, b"(device ")
                .map(|d| tail(r, d + 8))
                .or_else(|| short_memchr(b'(', r).map(|d| tail(r, d + 1)));
            let dev = dev.and_then(|d| short_memchr(b')', d).map(|e| sub(d, 0, e)));
            return Some(E::FsError {
                device: dev.map(Cow::Borrowed),
                detail: Cow::Borrowed(r),
            });
        }
    }
    if let Some(p) = find(m, b"I/O error") {
        let r = tail(m, p);
        let dev = find(r, b"dev ").map(|d| tail(r, d + 4)).map(|d| {
            let e = d
                .iter()
                .position(|c| *c == b',' || *c == b' ')
                .unwrap_or(d.len());
            sub(d, 0, e)
        });
        return Some(E::FsError {
            device: dev.map(Cow::Borrowed),
            detail: Cow::Borrowed(m),
        });
    }
    None
}
