//! `sock_diag` over a netlink socket (what `ss` uses), in safe code: the request and the replies
//! are built and parsed here as bytes; `nix` provides the socket.
//!
//! Only the network namespace of the calling thread is visible this way; other namespaces are
//! read from `/proc/<pid>/net/*` (see [`mod@crate::sockets`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const NLMSG_HDR: usize = 16;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const UNIX_DIAG_NAME: u16 = 0;
const UNIX_DIAG_PEER: u16 = 2;
const UDIAG_SHOW_NAME: u32 = 1;
const UDIAG_SHOW_PEER: u32 = 4;
/// `AF_UNIX`, `AF_INET`, `AF_INET6`.
pub(crate) const AF_UNIX: u8 = 1;
pub(crate) const AF_INET: u8 = 2;
pub(crate) const AF_INET6: u8 = 10;

/// One socket reported by `sock_diag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiagRecord {
    /// An `inet_diag_msg`.
    Inet {
        /// Address family.
        family: u8,
        /// TCP state number.
        state: u8,
        /// Local address.
        src: IpAddr,
        /// Local port.
        sport: u16,
        /// Remote address.
        dst: IpAddr,
        /// Remote port.
        dport: u16,
        /// Receive queue.
        rqueue: u32,
        /// Send queue.
        wqueue: u32,
        /// Owner uid.
        uid: u32,
        /// Inode.
        inode: u32,
    },
    /// A `unix_diag_msg` with its name attribute.
    Unix {
        /// `SOCK_STREAM` ...
        sock_type: u8,
        /// State (TCP numbering: 1 connected, 7 unconnected, 10 listening).
        state: u8,
        /// Inode.
        inode: u32,
        /// Bound name; abstract names start with `@`.
        name: Option<Vec<u8>>,
        /// Peer inode.
        peer: Option<u32>,
    },
}

/// What one buffer of replies held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Records.
    pub records: Vec<DiagRecord>,
    /// `NLMSG_DONE` was seen.
    pub done: bool,
    /// `NLMSG_ERROR` with this errno was seen.
    pub error: Option<i32>,
    /// Messages that were too short or malformed (skipped).
    pub malformed: usize,
}

fn u16_ne(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_ne(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u16_be(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn inet_msg(p: &[u8]) -> Option<DiagRecord> {
    let family = *p.first()?;
    let state = *p.get(1)?;
    let addr = |at: usize| -> Option<IpAddr> {
        let raw: [u8; 16] = p.get(at..at + 16)?.try_into().ok()?;
        Some(if family == AF_INET6 {
            IpAddr::V6(Ipv6Addr::from(raw))
        } else {
            IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]))
        })
    };
    Some(DiagRecord::Inet {
        family,
        state,
        sport: u16_be(p, 4)?,
        dport: u16_be(p, 6)?,
        src: addr(8)?,
        dst: addr(24)?,
        rqueue: u32_ne(p, 56)?,
        wqueue: u32_ne(p, 60)?,
        uid: u32_ne(p, 64)?,
        inode: u32_ne(p, 68)?,
    })
}

fn unix_msg(p: &[u8]) -> Option<DiagRecord> {
    let sock_type = *p.get(1)?;
    let state = *p.get(2)?;
    let inode = u32_ne(p, 4)?;
    let mut name = None;
    let mut peer = None;
    let mut at = 16;
    while at + 4 <= p.len() {
        let len = usize::from(u16_ne(p, at)?);
        let ty = u16_ne(p, at + 2)?;
        if len < 4 {
            return None;
        }
        let data = p.get(at + 4..at + len)?;
        match ty {
            UNIX_DIAG_NAME => {
                let mut n = data.to_vec();
                if let Some(first) = n.first_mut() {
                    if *first == 0 {
                        *first = b'@';
                    }
                }
                while n.last() == Some(&0) && n.len() > 1 && n.first() != Some(&b'@') {
                    n.pop();
                }
                name = Some(n);
            }
            UNIX_DIAG_PEER => peer = u32_ne(data, 0),
            _ => {}
        }
        at += align4(len);
    }
    Some(DiagRecord::Unix {
        sock_type,
        state,
        inode,
        name,
        peer,
    })
}

/// Parses one buffer of netlink replies. `unix` selects the message layout.
pub fn parse(buf: &[u8], unix: bool) -> Parsed {
    let mut out = Parsed::default();
    let mut at = 0usize;
    while at + NLMSG_HDR <= buf.len() {
        let (Some(len), Some(ty)) = (u32_ne(buf, at), u16_ne(buf, at + 4)) else {
            break;
        };
        let len = len as usize;
        if len < NLMSG_HDR || at + len > buf.len() {
            out.malformed += 1;
            break;
        }
        let payload = buf.get(at + NLMSG_HDR..at + len).unwrap_or_default();
        match ty {
            NLMSG_DONE => {
                out.done = true;
                break;
            }
            NLMSG_ERROR => {
                // struct nlmsgerr: a negative errno; 0 is an acknowledgement, not an error.
                let neg = u32_ne(payload, 0).map_or(-1, |e| e as i32);
                if neg == 0 {
                    out.done = true;
                } else {
                    out.error = Some(neg.saturating_neg());
                }
                break;
            }
            _ => {
                let rec = if unix {
                    unix_msg(payload)
                } else {
                    inet_msg(payload)
                };
                match rec {
                    Some(r) => out.records.push(r),
                    None => out.malformed += 1,
                }
            }
        }
        at += align4(len);
    }
    out
}

fn request(family: u8, protocol: u8, seq: u32) -> Vec<u8> {
    let body_len = if family == AF_UNIX { 24 } else { 56 };
    let len = NLMSG_HDR + body_len;
    let mut b = Vec::with_capacity(len);
    b.extend_from_slice(&(len as u32).to_ne_bytes());
    b.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    b.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    b.extend_from_slice(&seq.to_ne_bytes());
    b.extend_from_slice(&0u32.to_ne_bytes());
    if family == AF_UNIX {
        // struct unix_diag_req
        b.extend_from_slice(&[AF_UNIX, 0, 0, 0]);
        b.extend_from_slice(&u32::MAX.to_ne_bytes()); // all states
        b.extend_from_slice(&0u32.to_ne_bytes()); // inode: any
        b.extend_from_slice(&(UDIAG_SHOW_NAME | UDIAG_SHOW_PEER).to_ne_bytes());
        b.extend_from_slice(&[0u8; 8]); // cookie
    } else {
        // struct inet_diag_req_v2
        b.extend_from_slice(&[family, protocol, 0, 0]);
        b.extend_from_slice(&u32::MAX.to_ne_bytes()); // all states
        b.extend_from_slice(&[0u8; 48]); // inet_diag_sockid: match all
    }
    b
}

/// Dumps every socket of `family`/`protocol` (`protocol` ignored for `AF_UNIX`) in the calling
/// thread's network namespace.
pub fn dump(family: u8, protocol: u8) -> std::io::Result<Vec<DiagRecord>> {
    use nix::sys::socket::{
        recv, sendto, socket, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol,
        SockType,
    };
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkSockDiag,
    )
    .map_err(std::io::Error::from)?;
    let req = request(family, protocol, 1);
    sendto(
        std::os::fd::AsRawFd::as_raw_fd(&fd),
        &req,
        &NetlinkAddr::new(0, 0),
        MsgFlags::empty(),
    )
    .map_err(std::io::Error::from)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut out = Vec::new();
    // A dump of millions of sockets is still bounded: every recv makes progress or ends.
    for _ in 0..1_000_000 {
        let n = recv(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            &mut buf,
            MsgFlags::empty(),
        )
        .map_err(std::io::Error::from)?;
        if n == 0 {
            break;
        }
        let p = parse(buf.get(..n).unwrap_or_default(), family == AF_UNIX);
        out.extend(p.records);
        if let Some(e) = p.error {
            return Err(std::io::Error::from_raw_os_error(e.saturating_abs()));
        }
        if p.done {
            return Ok(out);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_layout() {
        let r = request(AF_INET, 6, 7);
        assert_eq!(r.len(), 72);
        assert_eq!(u32_ne(&r, 0), Some(72));
        assert_eq!(u16_ne(&r, 4), Some(20));
        assert_eq!(request(AF_UNIX, 0, 1).len(), 40);
    }

    #[test]
    fn parses_built_messages_and_rejects_truncation() {
        let mut m = Vec::new();
        let mut payload = vec![AF_INET, 10, 0, 0];
        payload.extend_from_slice(&4444u16.to_be_bytes());
        payload.extend_from_slice(&0u16.to_be_bytes());
        payload.extend_from_slice(&[127, 0, 0, 1]);
        payload.extend_from_slice(&[0; 12]);
        payload.extend_from_slice(&[0; 16]);
        payload.extend_from_slice(&[0; 12]);
        payload.extend_from_slice(&[0; 4]);
        payload.extend_from_slice(&0u32.to_ne_bytes());
        payload.extend_from_slice(&0u32.to_ne_bytes());
        payload.extend_from_slice(&1000u32.to_ne_bytes());
        payload.extend_from_slice(&99u32.to_ne_bytes());
        m.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&20u16.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&payload);
        m.extend_from_slice(&16u32.to_ne_bytes());
        m.extend_from_slice(&NLMSG_DONE.to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        let p = parse(&m, false);
        assert!(p.done);
        assert_eq!(p.records.len(), 1);
        match &p.records[0] {
            DiagRecord::Inet {
                sport,
                src,
                inode,
                uid,
                state,
                ..
            } => {
                assert_eq!(*sport, 4444);
                assert_eq!(*src, IpAddr::V4(Ipv4Addr::LOCALHOST));
                assert_eq!((*inode, *uid, *state), (99, 1000, 10));
            }
            DiagRecord::Unix { .. } => panic!("wrong kind"),
        }
        for cut in 0..m.len() {
            let _ = parse(&m[..cut], false);
            let _ = parse(&m[..cut], true);
        }
    }
}
