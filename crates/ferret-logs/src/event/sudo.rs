//! sudo and su.

use std::borrow::Cow;

use super::{Bytes, EventKind};
use crate::bytes::{
    find, num32, rfind, short_memchr, short_memrchr, strip_suffix_ws, sub, tail, Lit,
};

/// sudo's `U : field ; field ; ...`.
pub(super) fn sudo(m: &[u8]) -> Option<EventKind<'_>> {
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
    if rest.starts(b"TTY=") || rest.starts(b"PWD=") || command.is_some() {
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

pub(super) fn su(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    // util-linux: `(to root) alice on pts/0`; `FAILED SU (to root) alice on pts/0`
    // shadow: `Successful su for root by alice`, `FAILED su for root by alice`, `+ pts/0 alice:root`
    let (success, r) = if let Some(r) = m.pre(b"FAILED SU ") {
        (false, r)
    } else {
        (true, m)
    };
    if let Some(r) = r.pre(b"(to ") {
        let c = short_memchr(b')', r)?;
        let target = sub(r, 0, c);
        let rest = tail(r, c + 1).pre(b" ")?;
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
