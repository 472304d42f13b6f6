//! Kernel messages: netfilter `LOG` lines, filesystem and I/O errors, segfaults, module
//! taint.

use std::borrow::Cow;

use super::addr::cow_addr;
use super::{Bytes, EventKind};
use crate::bytes::{
    find, num16, num32, short_memchr, short_memrchr, strip_suffix_ws, sub, tail, Lit,
};

/// Kernel messages: netfilter LOG, fs and I/O errors, segfaults, module taint.
pub(super) fn kernel(m: &[u8]) -> Option<EventKind<'_>> {
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
                m = m.pre(b" ").unwrap_or(m);
            }
        }
    }
    if let Some(src_at) = find(m, b" SRC=").or_else(|| m.pre(b"SRC=").map(|_| 0).filter(|_| false))
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
            let is_err = fs.ends(b"error")
                || fs.ends(b"critical")
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
