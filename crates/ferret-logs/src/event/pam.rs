//! PAM modules' messages: `pam_X(svc:auth): authentication failure; ...`, sessions,
//! password changes.

use std::borrow::Cow;

use super::addr::cow_addr;
use super::EventKind;
use crate::bytes::{find, short_memchr, strip_suffix_ws, sub, tail, Lit};

/// `pam_X(svc:auth): authentication failure; ...` and `pam_X(svc:session): session opened ...`.
pub(super) fn pam<'a>(program: &'a [u8], m: &'a [u8]) -> Option<EventKind<'a>> {
    use EventKind as E;
    let m = if m.starts(b"pam_") || m.starts(b"PAM") {
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
    let rest = rest.pre(b": ").unwrap_or(rest);
    match kind {
        b"auth" => {
            if !rest.starts(b"authentication failure") {
                return None;
            }
            // `key=value` fields: the first word (start of the text or after a space) that starts
            // with the key, up to the next space. One pass over the words for all three keys.
            let (mut rhost, mut user, mut ruser) = (None, None, None);
            let value = |v: &'a [u8]| sub(v, 0, short_memchr(b' ', v).unwrap_or(v.len()));
            let mut p = 0;
            loop {
                let w = tail(rest, p);
                match w.first() {
                    Some(b'r') => {
                        if let (None, Some(v)) = (rhost, w.pre(b"rhost=")) {
                            rhost = Some(value(v));
                        }
                        if let (None, Some(v)) = (ruser, w.pre(b"ruser=")) {
                            ruser = Some(value(v));
                        }
                    }
                    Some(b'u') => {
                        if let (None, Some(v)) = (user, w.pre(b"user=")) {
                            user = Some(value(v));
                        }
                    }
                    _ => {}
                }
                if rhost.is_some() && user.is_some() && ruser.is_some() {
                    break;
                }
                match short_memchr(b' ', w) {
                    Some(sp) => p += sp + 1,
                    None => break,
                }
            }
            // rhost is a host name or address; anything else is not a source.
            let rhost = rhost.and_then(cow_addr);
            let user = user
                .filter(|u| !u.is_empty() && *u != b"[preauth]")
                .map(Cow::Borrowed);
            let ruser = ruser.filter(|u| !u.is_empty()).map(Cow::Borrowed);
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
            let (opened, r) = if let Some(r) = rest.pre(b"session opened for user ") {
                (true, r)
            } else {
                (false, rest.pre(b"session closed for user ")?)
            };
            let by_at = find(r, b" by ");
            let e = by_at.unwrap_or_else(|| short_memchr(b' ', r).unwrap_or(r.len()));
            let user = sub(r, 0, e);
            let user = user.suf(b"(uid=0)").unwrap_or(user);
            // `by alice(uid=1000)`: the name before `(uid=N)`; `by (uid=0)` names nobody.
            let by = by_at.map(|b| strip_suffix_ws(tail(r, b + 4))).map(|b| {
                let end = short_memchr(b'(', b).unwrap_or(b.len());
                sub(b, 0, end)
            });
            Some(E::PamSession {
                service: Cow::Borrowed(service),
                opened,
                user: Cow::Borrowed(user),
                by: by.filter(|b| !b.is_empty()).map(Cow::Borrowed),
            })
        }
        b"chauthtok" => {
            let r = rest.pre(b"password changed for ")?;
            Some(E::PasswordChanged {
                user: Cow::Borrowed(strip_suffix_ws(r)),
                by: Cow::Borrowed(service),
            })
        }
        _ => None,
    }
}

/// Whether [`pam`] can recognise `m` (it returns `None` at once for anything else).
#[inline]
pub(super) fn maybe_pam(m: &[u8]) -> bool {
    m.starts(b"pam_") || m.starts(b"PAM")
}
