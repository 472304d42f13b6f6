//! OpenSSH (and dropbear) messages. The address is read from the right, where the daemon
//! prints it, never from the user name on the left (`Failed password for x from 1.2.3.4 port
//! 22 from 5.6.7.8 port 4444 ssh2` is an attempt from 5.6.7.8 by user `x from 1.2.3.4 port
//! 22`).

use std::borrow::Cow;

use super::addr::{addr, cow_addr};
use super::pam::{maybe_pam, pam};
use super::{Bytes, EventKind};
use crate::bytes::{
    find, lead_num16, num16, num16_end, rfind, same_bytes, short_memchr, short_memrchr,
    strip_suffix_ws, sub, tail, Lit,
};

/// Strips trailing ` [preauth]` / ` [net]` markers and whitespace.
#[inline]
pub(super) fn strip_markers(m: &[u8]) -> &[u8] {
    // Only a line ending in blank or `]` has anything to strip.
    match m.last() {
        Some(b' ' | b'\t' | b'\r' | b']') => strip_markers_loop(m),
        _ => m,
    }
}
pub(super) fn strip_markers_loop(mut m: &[u8]) -> &[u8] {
    loop {
        m = strip_suffix_ws(m);
        if let Some(r) = m.suf(b"[preauth]").or_else(|| m.suf(b"[net]")) {
            m = r;
        } else {
            return m;
        }
    }
}

/// ` ADDR port N` or ` ADDR` at the end of `m`: (before, addr, port).
#[inline]
pub(super) fn tail_addr_port(m: &[u8]) -> Option<(&[u8], &[u8], Option<u16>)> {
    let m = strip_suffix_ws(m);
    // The last ` port ` counts only when 1-5 digits end the line after it, so it can only be
    // the one right before the last word.
    let sp = short_memrchr(b' ', m);
    if let Some((head, port)) = sp.and_then(|s| port_at(m, s)) {
        let (before, tok) = split_last_word(head);
        return Some((before, addr(tok)?, Some(port)));
    }
    let (before, tok) = match sp {
        Some(s) => (sub(m, 0, s), tail(m, s + 1)),
        None => (&b""[..], m),
    };
    Some((before, addr(tok)?, None))
}

/// `HEAD port N` where `s` is the last space of `m`: (HEAD, N) when the word after it is 1-5
/// digits (at most 65535) and ` port ` ends right there.
#[inline]
pub(super) fn port_at(m: &[u8], s: usize) -> Option<(&[u8], u16)> {
    let port = num16_end(m, s + 1)?;
    Some((sub(m, 0, s + 1).suf(b" port ")?, port))
}

/// (before the last space, after it); (empty, all) without a space.
#[inline]
pub(super) fn split_last_word(m: &[u8]) -> (&[u8], &[u8]) {
    match short_memrchr(b' ', m) {
        Some(s) => (sub(m, 0, s), tail(m, s + 1)),
        None => (&b""[..], m),
    }
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
pub(super) fn from_port_ssh(
    m: &[u8],
    hostbased: bool,
) -> Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> {
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
        if let Some(p) = after.pre(b" port ") {
            let (de, port) = lead_num16(p);
            let Some(port) = port else {
                continue;
            };
            let mut r = tail(p, de);
            if let Some(x) = r
                .pre(b" ssh2")
                .or_else(|| r.pre(b" ssh1"))
                .or_else(|| r.pre(b" ssh"))
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
            if let Some(info) = r.pre(b": ").or_else(|| r.pre(b":")) {
                if !hostbased {
                    // The answer: only the first pass could have returned case 1 (a ` from `
                    // further left has this one after it), and case 3 yields to case 2.
                    return Some((before, a, Some(port), Some(info)));
                }
                full += 1;
                if with_info.is_none() || hostbased {
                    with_info = Some((before, a, Some(port), Some(info)));
                }
            }
            continue;
        }
        if fallback.is_none()
            && (after.is_empty() || (after.starts(b" via ") && !tail(after, 5).contains(&b' ')))
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
pub(super) fn from_port_ssh_end(m: &[u8]) -> Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> {
    let r = match m.last() {
        Some(b'1' | b'2') => m.suf(b" ssh2").or_else(|| m.suf(b" ssh1")).unwrap_or(m),
        Some(b'h') => m.suf(b" ssh").unwrap_or(m),
        _ => m,
    };
    // 1-5 digits after the last space, ` port ` before them (see `tail_addr_port`).
    let (head, port) = port_at(r, short_memrchr(b' ', r)?)?;
    let sp = short_memrchr(b' ', head)?;
    let a = addr(tail(head, sp + 1))?;
    let before = sub(head, 0, sp).suf(b" from")?;
    Some((before, a, Some(port), None))
}

/// `[invalid user ]U` -> (user, invalid).
#[inline]
pub(super) fn user_part(u: &[u8]) -> (&[u8], bool) {
    if let Some(r) = u.pre(b"invalid user ").or_else(|| u.pre(b"illegal user ")) {
        (r, true)
    } else if same_bytes(u, b"invalid user") {
        (b"", true)
    } else {
        (u, false)
    }
}

/// sshd's own messages, else a PAM module's.
#[inline]
pub(super) fn sshd_or_pam<'a>(program: &'a [u8], msg: &'a [u8]) -> Option<EventKind<'a>> {
    // A tail call (the event is built in the caller's slot) unless PAM may get a turn.
    if !maybe_pam(msg) {
        return sshd(msg);
    }
    let r = sshd(msg);
    if r.is_some() {
        return r;
    }
    pam(program, msg)
}

#[inline]
pub(super) fn sshd(m: &[u8]) -> Option<EventKind<'_>> {
    // Only a message starting with one of these bytes has a prefix to strip.
    let m = match m.first() {
        Some(b'[' | b'k' | b'e' | b'f' | b'w') => sshd_prefixes(m),
        _ => m,
    };
    sshd_body(m)
}

/// Strips the Solaris `[ID 800047 auth.info] ` tag, a relayed `kernel: [ts] ` prefix and
/// sshd's own `error: ` / `fatal: ` / `warning: ` prefixes.
pub(super) fn sshd_prefixes(m: &[u8]) -> &[u8] {
    let mut m = m;
    // Solaris `[ID 800047 auth.info] ` tag, sshd's own `error: ` / `fatal: ` prefixes.
    if m.starts(b"[ID ") {
        if let Some(p) = short_memchr(b']', m) {
            m = tail(m, p + 1);
            if m.first() == Some(&b' ') {
                m = tail(m, 1);
            }
        }
    }
    // journald relays of kernel-prefixed lines: `kernel:[  970.69]: ` / `kernel: [970.69] `.
    if let Some(r) = m.pre(b"kernel:") {
        let r = r.pre(b" ").unwrap_or(r);
        if let Some(r) = r.pre(b"[") {
            if let Some(c) = short_memchr(b']', r) {
                let r = tail(r, c + 1);
                let r = r.pre(b":").unwrap_or(r);
                m = r.pre(b" ").unwrap_or(r);
            }
        }
    }
    for p in [&b"error: "[..], b"fatal: ", b"warning: "] {
        if let Some(r) = m.strip_prefix(p) {
            m = r;
        }
    }
    m
}

pub(super) fn sshd_body(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let first = *m.first()?;
    match first {
        b'F' => {
            // The common method in one 20-byte compare (borrowed from the line, as every
            // field: the parallel path packs fields as spans of it); the others by their space.
            let failed = match m.pre(b"Failed password for ") {
                Some(r) => Some((sub(m, 7, 15), r)),
                None => match m.pre(b"Failed ") {
                    Some(r) => {
                        let sp = short_memchr(b' ', r)?;
                        Some((sub(r, 0, sp), tail(r, sp).pre(b" for ")?))
                    }
                    None => None,
                },
            };
            if let Some((method, r)) = failed {
                let (before, ip, port, _info) = from_port_ssh(r, same_bytes(method, b"hostbased"))?;
                let (user, invalid) = user_part(before);
                let user = if same_bytes(user, b"<invalid username>") {
                    &b""[..]
                } else {
                    user
                };
                let invalid = invalid || same_bytes(before, b"<invalid username>");
                return Some(E::SshFailed {
                    method: Cow::Borrowed(method.suf(b"/pam").unwrap_or(method)),
                    user: Cow::Borrowed(user),
                    invalid_user: invalid,
                    ip: Cow::Borrowed(ip),
                    port,
                });
            }
        }
        b'A' => {
            if let Some(r) = m.pre(b"Accepted ") {
                let sp = short_memchr(b' ', r)?;
                let method = sub(r, 0, sp);
                let r = tail(r, sp).pre(b" for ")?;
                let (user, ip, port, info) = from_port_ssh(r, false)?;
                return Some(E::SshAccepted {
                    method: Cow::Borrowed(method.suf(b"/pam").unwrap_or(method)),
                    user: Cow::Borrowed(user),
                    ip: Cow::Borrowed(ip),
                    port,
                    key: info.map(|i| Cow::Borrowed(strip_markers(i))),
                });
            }
            if let Some(a) = m.pre(b"Address ") {
                if find(m, b"POSSIBLE BREAK-IN ATTEMPT").is_some() {
                    let sp = short_memchr(b' ', a)?;
                    return Some(E::SshBreakInAttempt {
                        ip: cow_addr(sub(a, 0, sp))?,
                    });
                }
            }
            if m.starts(b"Authentication failure for ") || m.starts(b"Authentication error for ") {
                return pam_from(tail(m, m.iter().position(|c| *c == b'r')? + 6));
            }
        }
        b'P' => {
            if let Some(r) = m.pre(b"PAM: ") {
                return sshd_pam(r);
            }
        }
        b'I' => {
            if let Some(r) = m.pre(b"Invalid user ").or_else(|| m.pre(b"Illegal user ")) {
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
            if let Some(r) = m.pre(b"User ") {
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
            if let Some(r) = m.pre(b"Unable to negotiate with ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
            if m.starts(b"Unable to negotiate a ") {
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
            if let Some(r) = m.pre(b"User not known to the underlying authentication module for ") {
                return pam_from(r);
            }
        }
        b'R' => {
            if let Some(r) = m.pre(b"ROOT LOGIN REFUSED FROM ") {
                let r = strip_markers(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshRootRefused {
                    ip: cow_addr(sub(r, 0, sp))?,
                });
            }
            if let Some(r) = m.pre(b"Received disconnect from ") {
                let preauth = strip_suffix_ws(m).ends(b"[preauth]");
                // `A[ port P]:[ ]code: text`
                let c = short_memchr(b':', r)?;
                let head = sub(r, 0, c);
                // IPv6 contains ':'; find ": " or ":<digits>:" after the address token.
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let tok = sub(r, 0, sp);
                let (a, rest) = if let Some(t) = tok.suf(b":") {
                    (t, tail(r, sp))
                } else if head.len() < sp {
                    (tok, tail(r, sp))
                } else {
                    (tok, tail(r, sp))
                };
                let mut rest = rest;
                let mut port = None;
                if let Some(p) = rest.pre(b" port ") {
                    let de;
                    (de, port) = lead_num16(p);
                    rest = tail(p, de);
                }
                let rest = rest.pre(b":").unwrap_or(rest);
                let rest = rest.pre(b" ").unwrap_or(rest);
                let (de, code) = lead_num16(rest);
                let text = tail(rest, de);
                let ip = cow_addr(a.suf(b":").unwrap_or(a));
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
            if let Some(r) = m.pre(b"Read from socket failed: Connection reset by peer") {
                let _ = r;
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"connection-reset"),
                });
            }
        }
        b'm' => {
            if let Some(r) = m.pre(b"maximum authentication attempts exceeded for ") {
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
            if let Some(r) = m.pre(b"Disconnecting: Too many authentication failures") {
                let r = strip_markers(r);
                let user = r.pre(b" for ").map(|u| Cow::Borrowed(user_part(u).0));
                return Some(E::SshTooManyFailures { user, ip: None });
            }
            if let Some(r) = m.pre(b"Did not receive identification string from ") {
                let r = strip_markers(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(r, 0, sp)),
                    what: Cow::Borrowed(b"no-identification"),
                });
            }
            if m.starts(b"Disconnecting ") || m.starts(b"Disconnected from ") {
                return closed(m);
            }
        }
        b'C' => {
            if let Some(r) = m.pre(b"Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let rest = tail(r, sp);
                let port = rest.pre(b" port ").and_then(|p| {
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
            if m.starts(b"Connection closed by ") || m.starts(b"Connection reset by ") {
                return closed(m);
            }
        }
        b'B' => {
            if let Some(r) = m.pre(b"Bad protocol version identification ") {
                let r = strip_markers(r);
                let f = rfind(r, b" from ")?;
                let rest = tail(r, f + 6);
                let sp = short_memchr(b' ', rest).unwrap_or(rest.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(rest, 0, sp)),
                    what: Cow::Borrowed(b"bad-protocol-version"),
                });
            }
            if let Some(r) = m.pre(b"banner exchange: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"banner-exchange"),
                });
            }
        }
        b'b' => {
            if let Some(r) = m.pre(b"banner exchange: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"banner-exchange"),
                });
            }
        }
        b'd' => {
            // OpenSSH 9.8 PerSourcePenalties: `drop connection #0 from [A]:P on [B]:Q penalty: ...`
            if let Some(r) = m.pre(b"drop connection #") {
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
            if m.starts(b"kex_exchange_identification: ") {
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
            if let Some(r) = m.pre(b"ssh_dispatch_run_fatal: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(r, 0, sp)),
                    what: Cow::Borrowed(b"dispatch-fatal"),
                });
            }
        }
        b'T' => {
            if let Some(r) = m.pre(b"Timeout before authentication for ") {
                let r = r.pre(b"connection from ").unwrap_or(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b",").unwrap_or(a)),
                    what: Cow::Borrowed(b"timeout-before-auth"),
                });
            }
        }
        b'r' => {
            if let Some(r) = m.pre(b"refused connect from ") {
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
            if m.starts(b"no matching ") {
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
        let a = a.pre(b"<").unwrap_or(a);
        let a = a.suf(b">").unwrap_or(a);
        let a = match short_memrchr(b':', a) {
            Some(c)
                if sub(a, c + 1, a.len()).iter().all(u8::is_ascii_digit)
                    && (a.iter().filter(|x| **x == b':').count() == 1
                        || a.starts(b"::ffff:")
                        || a.starts(b"[")) =>
            {
                sub(a, 0, c)
            }
            _ => a,
        };
        let a = a.pre(b"[").unwrap_or(a);
        let a = a.suf(b"]").unwrap_or(a);
        cow_addr(a)
    }
    if let Some(r) = m.pre(b"Exit before auth from ") {
        let e = short_memchr(b'>', r)
            .map_or_else(|| short_memchr(b' ', r).unwrap_or(r.len()), |x| x + 1);
        return Some(E::SshScan {
            ip: dropbear_addr(sub(r, 0, e)),
            what: Cow::Borrowed(b"exit-before-auth"),
        });
    }
    if let Some(r) = m
        .pre(b"Bad password attempt for '")
        .or_else(|| m.pre(b"Bad PAM password attempt for '"))
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
        .pre(b"Login attempt for nonexistent user from ")
        .or_else(|| m.pre(b"Login attempt for nonexistent user ('"))
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
pub(super) fn sshd_pam(r: &[u8]) -> Option<EventKind<'_>> {
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
pub(super) fn pam_from(r: &[u8]) -> Option<EventKind<'_>> {
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
pub(super) fn closed(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let trimmed = strip_suffix_ws(m);
    let preauth = trimmed.ends(b"[preauth]");
    // The marker just found is the first one `strip_markers` would take off.
    let stripped = strip_markers(if preauth {
        sub(trimmed, 0, trimmed.len() - 9)
    } else {
        trimmed
    });
    let rest = if let Some(r) = stripped.pre(b"Connection ") {
        r.pre(b"closed by ").or_else(|| r.pre(b"reset by "))?
    } else {
        let r = stripped.pre(b"Disconnect")?;
        r.pre(b"ed from ").or_else(|| r.pre(b"ing "))?
    };
    // `ADDR port P: reason` form (Disconnecting invalid user U A port P: Change of username...)
    let (body, reason) = match find_colon_space(rest) {
        Some(c) if find(sub(rest, 0, c), b" port ").is_some() => {
            (sub(rest, 0, c), Some(tail(rest, c + 2)))
        }
        _ => (rest, None),
    };
    let (user, body, authenticating) = match body.first() {
        Some(b'a') => match body.pre(b"authenticating user ") {
            Some(u) => (Some(u), u, true),
            None => (None, body, false),
        },
        Some(b'i') => match body.pre(b"invalid user ") {
            Some(u) => (Some(u), u, true),
            None => (None, body, false),
        },
        Some(b'u') => match body.pre(b"user ") {
            Some(u) => (Some(u), u, false),
            None => (None, body, false),
        },
        _ => (None, body, false),
    };
    let (before, ip, port) = tail_addr_port(body)?;
    let user = user.map(|_| Cow::Borrowed(before));
    if let Some(r) = reason {
        if r.starts(b"Change of username") {
            return Some(E::SshUserNotAllowed {
                user: user.unwrap_or(Cow::Borrowed(b"")),
                ip: Some(Cow::Borrowed(ip)),
                reason: Cow::Borrowed(b"change of username or service"),
            });
        }
        if r.starts(b"Too many authentication failures") {
            return Some(E::SshTooManyFailures {
                user,
                ip: Some(Cow::Borrowed(ip)),
            });
        }
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

/// The first `: ` in `m` (colons are rare outside IPv6 addresses).
#[inline]
pub(super) fn find_colon_space(m: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let c = from + short_memchr(b':', tail(m, from))?;
        if m.get(c + 1) == Some(&b' ') {
            return Some(c);
        }
        from = c + 1;
    }
}
