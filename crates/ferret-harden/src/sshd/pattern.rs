//! OpenSSH's pattern matching (`match.c`, `addrmatch.c`): `*`/`?` wildcards, comma lists with
//! `!` negation, and address lists with CIDR.

use std::net::IpAddr;

/// `match_pattern`: `*` matches any run, `?` one byte; everything else literally.
pub fn match_pattern(s: &[u8], pat: &[u8]) -> bool {
    // Iterative wildcard matching with backtracking on the last `*`.
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match pat.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&p) if p == b'?' || Some(&p) == s.get(si) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    pat.get(pi..).unwrap_or_default().iter().all(|&c| c == b'*')
}

/// Whether [`match_pattern_list`] lower-cases the patterns (OpenSSH's `dolower`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatternCase {
    /// Patterns are compared as written (user names, groups, routing domains).
    AsWritten,
    /// Patterns are lower-cased first (host names); the string is expected lower-cased by the
    /// caller.
    Lower,
}

/// `match_pattern_list`: 1 when a positive pattern matches and no negated one does, -1 when a
/// negated pattern matches, 0 otherwise.
pub fn match_pattern_list(s: &[u8], list: &[u8], case: PatternCase) -> i32 {
    let dolower = case == PatternCase::Lower;
    let mut got_positive = 0;
    for sub in list.split(|&c| c == b',') {
        let (neg, sub) = match sub.split_first() {
            Some((b'!', rest)) => (true, rest),
            _ => (false, sub),
        };
        let sub: Vec<u8> = if dolower {
            sub.to_ascii_lowercase()
        } else {
            sub.to_vec()
        };
        if match_pattern(s, &sub) {
            if neg {
                return -1;
            }
            got_positive = 1;
        }
    }
    got_positive
}

/// `match_hostname`: case-insensitive pattern list.
pub fn match_hostname(host: &[u8], list: &[u8]) -> i32 {
    match_pattern_list(&host.to_ascii_lowercase(), list, PatternCase::Lower)
}

fn parse_ip(s: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn bits(a: IpAddr) -> (u128, u32) {
    match a {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

/// `addr_pton_cidr`: Ok(Some((net, masklen))) for a network, Ok(None) when it is not an address
/// (then it is a wildcard pattern), Err for an inconsistent mask (host bits set, too long).
#[allow(clippy::type_complexity)]
fn parse_cidr(s: &[u8]) -> Result<Option<(IpAddr, u32)>, ()> {
    let (addr, mask) = match s.iter().position(|&c| c == b'/') {
        Some(p) => (
            s.get(..p).unwrap_or_default(),
            Some(s.get(p + 1..).unwrap_or_default()),
        ),
        None => (s, None),
    };
    let masklen = match mask {
        Some(m) => {
            if !m.first().is_some_and(u8::is_ascii_digit) || !m.iter().all(u8::is_ascii_digit) {
                return Ok(None);
            }
            match std::str::from_utf8(m)
                .ok()
                .and_then(|m| m.parse::<u32>().ok())
            {
                Some(v) if v <= 128 => Some(v),
                _ => return Ok(None),
            }
        }
        None => None,
    };
    let Some(ip) = parse_ip(addr) else {
        return Ok(None);
    };
    let (v, width) = bits(ip);
    let masklen = masklen.unwrap_or(width);
    if masklen > width {
        return Err(());
    }
    let host_mask: u128 = if masklen >= width {
        0
    } else {
        (1u128 << (width - masklen)) - 1
    };
    if v & host_mask != 0 {
        return Err(());
    }
    Ok(Some((ip, masklen)))
}

fn netmatch(a: IpAddr, net: IpAddr, masklen: u32) -> bool {
    let (av, aw) = bits(a);
    let (nv, nw) = bits(net);
    if aw != nw {
        return false;
    }
    if masklen == 0 {
        return true;
    }
    let shift = aw - masklen;
    (av >> shift) == (nv >> shift)
}

/// `addr_match_list`: 1 match, 0 no match, -1 negated match, -2 invalid list entry.
/// `addr` None validates the list only.
pub fn addr_match_list(addr: Option<&[u8]>, list: &[u8]) -> i32 {
    let try_addr = match addr {
        Some(a) => match parse_ip(a) {
            Some(ip) => Some((ip, a)),
            None => return 0,
        },
        None => None,
    };
    let mut ret = 0;
    for entry in list.split(|&c| c == b',') {
        let (neg, cp) = match entry.split_first() {
            Some((b'!', rest)) => (true, rest),
            _ => (false, entry),
        };
        if cp.is_empty() {
            return -2;
        }
        let found = match parse_cidr(cp) {
            Err(()) => return -2,
            Ok(Some((net, len))) => try_addr.is_some_and(|(ip, _)| netmatch(ip, net, len)),
            Ok(None) => try_addr.is_some_and(|(_, s)| match_pattern(s, cp)),
        };
        if found {
            if neg {
                return -1;
            }
            ret = 1;
        }
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(match_pattern(b"abc", b"a*"));
        assert!(match_pattern(b"abc", b"*c"));
        assert!(match_pattern(b"abc", b"a?c"));
        assert!(!match_pattern(b"abc", b"a?"));
        assert!(match_pattern(b"", b"*"));
        assert!(match_pattern(b"aXbXc", b"*b*c"));
        assert_eq!(
            match_pattern_list(b"root", b"*,!root", PatternCase::AsWritten),
            -1
        );
        assert_eq!(
            match_pattern_list(b"bob", b"*,!root", PatternCase::AsWritten),
            1
        );
        assert_eq!(match_hostname(b"Web1.Example", b"*.EXAMPLE"), 1);
    }

    #[test]
    fn addresses() {
        let l = b"192.168.0.0/16,!192.168.30.0/24,10.0.0.0/8,host.example.com";
        assert_eq!(addr_match_list(Some(b"192.168.0.1"), l), 1);
        assert_eq!(addr_match_list(Some(b"192.168.30.1"), l), -1);
        assert_eq!(addr_match_list(Some(b"19.0.0.1"), l), 0);
        assert_eq!(addr_match_list(Some(b"2000::1"), b"2000::/16"), 1);
        for bad in [&b"10.0.1.0/8"[..], b"10.0.0.1/24", b"2000:aa:bb:01::/56"] {
            assert_eq!(addr_match_list(None, bad), -2);
        }
        assert_eq!(addr_match_list(Some(b"10.1.2.3"), b"10.1.2.*"), 1);
    }
}
