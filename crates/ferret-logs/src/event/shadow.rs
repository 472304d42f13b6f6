//! shadow-utils: useradd, usermod, groupadd, gpasswd, passwd, ... .

use std::borrow::Cow;

use super::EventKind;
use crate::bytes::{find, num32, rfind, short_memrchr, strip_suffix_ws, sub, tail, Lit};

/// `key=value, key=value` from shadow-utils lines.
pub(super) fn kv<'a>(m: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    loop {
        let p = find(tail(m, from), key)? + from;
        let ok = p == 0 || matches!(m.get(p - 1), Some(b' ' | b','));
        if ok && m.get(p + key.len()) == Some(&b'=') {
            let v = tail(m, p + key.len() + 1);
            let e = find(v, b", ").unwrap_or(v.len());
            let v = sub(v, 0, e);
            return Some(strip_suffix_ws(v.suf(b",").unwrap_or(v)));
        }
        from = p + key.len();
    }
}

/// `'name'` at the start of `r`: (name, rest).
pub(super) fn quoted(r: &[u8]) -> Option<(&[u8], &[u8])> {
    let r = r.pre(b"'").or_else(|| r.pre(b"`"))?;
    let e = short_memrchr(b'\'', r)?;
    // the name ends at the first `' ` or final quote
    let e = find(r, b"' ").unwrap_or(e);
    Some((sub(r, 0, e), tail(r, e + 1)))
}

pub(super) fn shadow_tools<'a>(program: &'a [u8], m: &'a [u8]) -> Option<EventKind<'a>> {
    use EventKind as E;
    let m = strip_suffix_ws(m);
    if let Some(r) = m.pre(b"new user: ") {
        return Some(E::UserAdded {
            name: Cow::Borrowed(kv(r, b"name")?),
            uid: kv(r, b"UID").and_then(num32),
            gid: kv(r, b"GID").and_then(num32),
            home: kv(r, b"home").map(Cow::Borrowed),
            shell: kv(r, b"shell").map(Cow::Borrowed),
        });
    }
    if let Some(r) = m
        .pre(b"new group: ")
        .or_else(|| m.pre(b"group added to /etc/group: "))
    {
        return Some(E::GroupAdded {
            name: Cow::Borrowed(kv(r, b"name")?),
            gid: kv(r, b"GID").and_then(num32),
        });
    }
    // useradd/usermod: `add 'bob' to group 'sudo'`, `add 'bob' to shadow group 'sudo'`
    if let Some(r) = m.pre(b"add ") {
        let (user, rest) = quoted(r)?;
        let g = rest
            .pre(b" to group ")
            .or_else(|| rest.pre(b" to shadow group "))?;
        let (group, _) = quoted(g)?;
        return Some(E::GroupMember {
            user: Cow::Borrowed(user),
            group: Cow::Borrowed(group),
            added: true,
        });
    }
    if let Some(r) = m.pre(b"delete ") {
        if let Some(g) = r.pre(b"user ") {
            let (name, _) = quoted(g)?;
            return Some(E::UserDeleted {
                name: Cow::Borrowed(name),
            });
        }
        let (user, rest) = quoted(r)?;
        let g = rest
            .pre(b" from group ")
            .or_else(|| rest.pre(b" from shadow group "))?;
        let (group, _) = quoted(g)?;
        return Some(E::GroupMember {
            user: Cow::Borrowed(user),
            group: Cow::Borrowed(group),
            added: false,
        });
    }
    // gpasswd: `user bob added by root to group sudo`, `user bob removed by root from group sudo`
    if let Some(r) = m.pre(b"user ") {
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
                change: Cow::Borrowed(rest.pre(b" ").unwrap_or(rest)),
            });
        }
    }
    if let Some(r) = m
        .pre(b"password changed for ")
        .or_else(|| m.pre(b"password for '"))
    {
        let r = r.suf(b"' changed by 'root'").unwrap_or(r);
        return Some(E::PasswordChanged {
            user: Cow::Borrowed(r),
            by: Cow::Borrowed(program),
        });
    }
    None
}
