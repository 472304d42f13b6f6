//! systemd-logind sessions.

use std::borrow::Cow;

use super::EventKind;
use crate::bytes::{find, sub, tail, Lit};

pub(super) fn logind(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    if let Some(r) = m.pre(b"New session ") {
        let p = find(r, b" of user ")?;
        let u = tail(r, p + 9);
        return Some(E::LogindSession {
            new: true,
            session: Cow::Borrowed(sub(r, 0, p)),
            user: Some(Cow::Borrowed(u.suf(b".").unwrap_or(u))),
        });
    }
    if let Some(r) = m.pre(b"Removed session ") {
        return Some(E::LogindSession {
            new: false,
            session: Cow::Borrowed(r.suf(b".").unwrap_or(r)),
            user: None,
        });
    }
    None
}
