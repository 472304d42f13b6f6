//! Byte parsers for the `/proc` files this crate reads itself.
//!
//! `procfs` has parsers for most of these, and the crate uses it where it fits (`/proc/stat`'s
//! boot time). The files below are parsed here instead, for three reasons:
//!
//! - they are on the measured hot paths (the snapshot against `ps`, the socket table against
//!   `ss`), and `procfs-core` 0.17 is slower on every one of them (release build, best of 7,
//!   same input, this project's 2-core machine under load): `stat` 1.7 µs here against 3.2 µs
//!   (1.9x), `status` 3.5 µs against 62 µs (18x: it fills a map of every field), a 5,000-line
//!   `/proc/net/tcp` 3.9 ms against 6.3 ms (1.6x), a 2,000-line `/proc/net/unix` 0.86 ms against
//!   1.47 ms (1.7x), a `socket:[inode]` fd link 49 ns against 145 ns (3x: UTF-8 check and split);
//! - they hold attacker-chosen bytes (a process name, a Unix socket path, a module name), which
//!   `procfs` turns into `String`s: lossily (`comm`) or by failing the whole table (a non-UTF-8
//!   socket path);
//! - one malformed line fails a whole `procfs` table; here every line is one `Result` with its
//!   line number, so the rest still counts.
//!
//! Each parser has a fuzz target (`fuzz/fuzz_targets/proc_*.rs`). Hexadecimal fields (addresses,
//! ports, states, queues) are read with [`ferret_core::hex`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A parse problem: 1-based line number (0 for single-record files) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number, 0 when the file is one record.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl LineError {
    fn new(line: u64, message: impl Into<String>) -> Self {
        LineError {
            line,
            message: message.into(),
        }
    }
}

fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| *b == b' ' || *b == b'\t')
        .filter(|f| !f.is_empty())
}

fn dec<T: std::str::FromStr>(f: &[u8]) -> Option<T> {
    std::str::from_utf8(f).ok()?.parse().ok()
}

/// A hexadecimal field (either case; `None` when empty or over 64 bits).
fn hex_u64(f: &[u8]) -> Option<u64> {
    if f.is_empty() {
        return None;
    }
    f.iter().try_fold(0u64, |v, &c| {
        Some(v.checked_mul(16)? | u64::from(ferret_core::hex::digit(c)?))
    })
}

/// `/proc/<pid>/stat`: the fields this crate uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatLine {
    /// Process id.
    pub pid: i32,
    /// `comm`, raw bytes (up to 15 bytes, may hold any byte but NUL).
    pub comm: Vec<u8>,
    /// State letter.
    pub state: char,
    /// Parent pid.
    pub ppid: i32,
    /// Process group.
    pub pgrp: i32,
    /// Session id.
    pub session: i32,
    /// Controlling terminal device number (0: none).
    pub tty_nr: i32,
    /// `task->flags` (`PF_KTHREAD` = 0x0020_0000).
    pub flags: u32,
    /// User-mode clock ticks.
    pub utime: u64,
    /// Kernel-mode clock ticks.
    pub stime: u64,
    /// Number of threads.
    pub num_threads: i64,
    /// Start time in clock ticks after boot.
    pub starttime: u64,
    /// Resident set size in pages.
    pub rss: i64,
}

/// Parses `/proc/<pid>/stat`. `comm` is the text between the first `(` and the *last* `)`, so
/// a name holding `) R 1 (` cannot shift the fields that follow.
pub fn stat(buf: &[u8]) -> Result<StatLine, LineError> {
    let err = |m: &str| LineError::new(0, m);
    let open = buf
        .iter()
        .position(|b| *b == b'(')
        .ok_or_else(|| err("no '(' before comm"))?;
    let close = buf
        .iter()
        .rposition(|b| *b == b')')
        .ok_or_else(|| err("no ')' after comm"))?;
    if close < open {
        return Err(err("')' before '('"));
    }
    let pid = buf
        .get(..open)
        .and_then(|p| dec::<i32>(p.trim_ascii()))
        .ok_or_else(|| err("bad pid"))?;
    let comm = buf.get(open + 1..close).unwrap_or_default().to_vec();
    let rest = buf.get(close + 1..).unwrap_or_default();
    // Fields after comm, numbered as in proc(5) minus 3 (state is index 0).
    let f: Vec<&[u8]> = fields(rest.trim_ascii_end()).collect();
    let get = |i: usize, name: &str| -> Result<&[u8], LineError> {
        f.get(i)
            .copied()
            .ok_or_else(|| LineError::new(0, format!("missing field {name}")))
    };
    let num = |i: usize, name: &str| -> Result<i64, LineError> {
        dec::<i64>(get(i, name)?).ok_or_else(|| LineError::new(0, format!("bad field {name}")))
    };
    let unum = |i: usize, name: &str| -> Result<u64, LineError> {
        dec::<u64>(get(i, name)?).ok_or_else(|| LineError::new(0, format!("bad field {name}")))
    };
    let state_f = get(0, "state")?;
    let state = match state_f {
        [c] if c.is_ascii_alphabetic() => char::from(*c),
        _ => return Err(err("bad state")),
    };
    Ok(StatLine {
        pid,
        comm,
        state,
        ppid: num(1, "ppid")? as i32,
        pgrp: num(2, "pgrp")? as i32,
        session: num(3, "session")? as i32,
        tty_nr: num(4, "tty_nr")? as i32,
        flags: unum(6, "flags")? as u32,
        utime: unum(11, "utime")?,
        stime: unum(12, "stime")?,
        num_threads: num(17, "num_threads")?,
        starttime: unum(19, "starttime")?,
        rss: num(21, "rss")?,
    })
}

/// Real, effective, saved and filesystem ids from a `Uid:`/`Gid:` status line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Ids {
    /// Real id.
    pub real: u32,
    /// Effective id.
    pub effective: u32,
    /// Saved set-id.
    pub saved: u32,
    /// Filesystem id.
    pub fs: u32,
}

/// `/proc/<pid>/status`: the fields this crate uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusInfo {
    /// Thread-group id (the process id of a thread).
    pub tgid: Option<i32>,
    /// Parent pid.
    pub ppid: Option<i32>,
    /// User ids.
    pub uid: Option<Ids>,
    /// Group ids.
    pub gid: Option<Ids>,
    /// Threads.
    pub threads: Option<u32>,
    /// Resident set in kB.
    pub vm_rss_kb: Option<u64>,
}

fn ids(v: &[u8]) -> Option<Ids> {
    let mut it = fields(v).map(dec::<u32>);
    Some(Ids {
        real: it.next()??,
        effective: it.next()??,
        saved: it.next()??,
        fs: it.next()??,
    })
}

/// Parses `/proc/<pid>/status` (`Key:\tvalue` lines). Unknown keys are ignored; a known key with
/// a malformed value is an error with its line number, the rest is still returned.
pub fn status(buf: &[u8]) -> (StatusInfo, Vec<LineError>) {
    let mut s = StatusInfo::default();
    let mut errs = Vec::new();
    for (i, line) in buf.split(|b| *b == b'\n').enumerate() {
        let n = i as u64 + 1;
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            if !line.is_empty() {
                errs.push(LineError::new(n, "no ':' in status line"));
            }
            continue;
        };
        let key = line.get(..colon).unwrap_or_default();
        let val = line.get(colon + 1..).unwrap_or_default().trim_ascii();
        let ok = match key {
            b"Tgid" => dec(val).map(|v| s.tgid = Some(v)).is_some(),
            b"PPid" => dec(val).map(|v| s.ppid = Some(v)).is_some(),
            b"Uid" => ids(val).map(|v| s.uid = Some(v)).is_some(),
            b"Gid" => ids(val).map(|v| s.gid = Some(v)).is_some(),
            b"Threads" => dec(val).map(|v| s.threads = Some(v)).is_some(),
            b"VmRSS" => fields(val)
                .next()
                .and_then(dec)
                .map(|v| s.vm_rss_kb = Some(v))
                .is_some(),
            _ => true,
        };
        if !ok {
            errs.push(LineError::new(
                n,
                format!(
                    "bad value for {}",
                    ferret_core::escape::escape(key.get(..64).unwrap_or(key))
                ),
            ));
        }
    }
    (s, errs)
}

/// Splits a NUL-separated file (`cmdline`, `environ`) into its items. A trailing NUL ends the
/// last item; bytes after the last NUL (a process that rewrote its argv) form a final item.
pub fn nul_split(buf: &[u8]) -> Vec<Vec<u8>> {
    let body = buf.strip_suffix(b"\0").unwrap_or(buf);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|b| *b == 0).map(<[u8]>::to_vec).collect()
}

/// The value of `name` in a NUL-separated `environ` buffer (the first occurrence, as `getenv`).
pub fn env_var<'a>(buf: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    buf.split(|b| *b == 0).find_map(|item| {
        let rest = item.strip_prefix(name)?;
        rest.strip_prefix(b"=")
    })
}

/// A line of `/proc/net/{tcp,tcp6,udp,udp6,raw,raw6}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InetLine {
    /// Local address.
    pub local: IpAddr,
    /// Local port (for raw sockets: the protocol number).
    pub local_port: u16,
    /// Remote address.
    pub remote: IpAddr,
    /// Remote port.
    pub remote_port: u16,
    /// Kernel state number (`TCP_LISTEN` = 10 ...).
    pub state: u8,
    /// Transmit queue.
    pub tx_queue: u32,
    /// Receive queue.
    pub rx_queue: u32,
    /// Owner uid.
    pub uid: u32,
    /// Socket inode (0 for TIME_WAIT and request sockets).
    pub inode: u64,
}

fn hex_addr(f: &[u8]) -> Option<(IpAddr, u16)> {
    let colon = f.iter().position(|b| *b == b':')?;
    let (a, p) = (f.get(..colon)?, f.get(colon + 1..)?);
    let port = u16::try_from(hex_u64(p)?).ok()?;
    // The kernel prints each 32-bit word of the address as a number (`%08X`) in host byte
    // order: the digits are the word's big-endian bytes.
    let word = |i: usize| -> Option<[u8; 4]> {
        let w: [u8; 4] = ferret_core::hex::decode_array(a.get(i * 8..i * 8 + 8)?)?;
        Some(u32::from_be_bytes(w).to_ne_bytes())
    };
    match a.len() {
        8 => Some((IpAddr::V4(Ipv4Addr::from(word(0)?)), port)),
        32 => {
            let mut b = [0u8; 16];
            for (i, chunk) in b.chunks_exact_mut(4).enumerate() {
                chunk.copy_from_slice(&word(i)?);
            }
            Some((IpAddr::V6(Ipv6Addr::from(b)), port))
        }
        _ => None,
    }
}

/// Parses one table of `/proc/net/{tcp,udp,raw}{,6}`: the header line is skipped, every other
/// line is one `Result` with its 1-based line number.
pub fn inet_table(buf: &[u8]) -> impl Iterator<Item = Result<InetLine, LineError>> + '_ {
    buf.split(|b| *b == b'\n')
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim_ascii().is_empty())
        .map(|(i, l)| {
            inet_line(l).ok_or_else(|| LineError::new(i as u64 + 1, "malformed socket line"))
        })
}

fn inet_line(l: &[u8]) -> Option<InetLine> {
    let mut f = fields(l);
    let _slot = f.next()?;
    let (local, local_port) = hex_addr(f.next()?)?;
    let (remote, remote_port) = hex_addr(f.next()?)?;
    let state = u8::try_from(hex_u64(f.next()?)?).ok()?;
    let q = f.next()?;
    let colon = q.iter().position(|b| *b == b':')?;
    let tx_queue = u32::try_from(hex_u64(q.get(..colon)?)?).ok()?;
    let rx_queue = u32::try_from(hex_u64(q.get(colon + 1..)?)?).ok()?;
    let _timer = f.next()?;
    let _retr = f.next()?;
    let uid = dec(f.next()?)?;
    let _timeout = f.next()?;
    let inode = dec(f.next()?)?;
    Some(InetLine {
        local,
        local_port,
        remote,
        remote_port,
        state,
        tx_queue,
        rx_queue,
        uid,
        inode,
    })
}

/// A line of `/proc/net/unix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnixLine {
    /// Reference count.
    pub ref_count: u32,
    /// Flags (`__SO_ACCEPTCON` = 0x10000 marks a listener).
    pub flags: u32,
    /// `SOCK_STREAM` (1), `SOCK_DGRAM` (2), `SOCK_SEQPACKET` (5).
    pub sock_type: u16,
    /// State (1 unconnected, 3 connected ...).
    pub state: u8,
    /// Socket inode.
    pub inode: u64,
    /// Bound path (abstract names start with `@`), raw bytes; may contain spaces.
    pub path: Option<Vec<u8>>,
}

/// Parses `/proc/net/unix` (header skipped).
pub fn unix_table(buf: &[u8]) -> impl Iterator<Item = Result<UnixLine, LineError>> + '_ {
    buf.split(|b| *b == b'\n')
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim_ascii().is_empty())
        .map(|(i, l)| {
            unix_line(l).ok_or_else(|| LineError::new(i as u64 + 1, "malformed unix socket line"))
        })
}

fn unix_line(l: &[u8]) -> Option<UnixLine> {
    // "Num RefCount Protocol Flags Type St Inode Path": the path is the rest of the line and
    // may itself hold spaces, so split the first seven fields off by hand.
    let mut rest = l;
    let mut f: [&[u8]; 7] = [&[]; 7];
    for slot in &mut f {
        rest = rest.trim_ascii_start();
        let end = rest.iter().position(|b| *b == b' ').unwrap_or(rest.len());
        *slot = rest.get(..end)?;
        rest = rest.get(end..)?;
    }
    let [_, rc, _, flags, ty, st, ino] = f;
    if ino.is_empty() {
        return None;
    }
    let path = rest.strip_prefix(b" ").unwrap_or(rest);
    Some(UnixLine {
        ref_count: u32::try_from(hex_u64(rc)?).ok()?,
        flags: u32::try_from(hex_u64(flags)?).ok()?,
        sock_type: u16::try_from(hex_u64(ty)?).ok()?,
        state: u8::try_from(hex_u64(st)?).ok()?,
        inode: dec(ino)?,
        path: (!path.is_empty()).then(|| path.to_vec()),
    })
}

/// A line of `/proc/modules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleLine {
    /// Module name.
    pub name: Vec<u8>,
    /// Size in bytes.
    pub size: u64,
    /// Reference count (`None` when the kernel prints `-`).
    pub refcount: Option<i64>,
    /// Modules using this one.
    pub used_by: Vec<Vec<u8>>,
    /// `Live`, `Loading`, `Unloading`.
    pub state: Vec<u8>,
    /// Load address as printed (zero unless privileged).
    pub address: Option<u64>,
    /// Taint letters, e.g. `OE` from `(OE)`.
    pub taint: Vec<u8>,
}

/// Parses `/proc/modules`.
pub fn modules(buf: &[u8]) -> impl Iterator<Item = Result<ModuleLine, LineError>> + '_ {
    buf.split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.trim_ascii().is_empty())
        .map(|(i, l)| {
            module_line(l).ok_or_else(|| LineError::new(i as u64 + 1, "malformed module line"))
        })
}

fn module_line(l: &[u8]) -> Option<ModuleLine> {
    let mut f = fields(l);
    let name = f.next()?.to_vec();
    let size = dec(f.next()?)?;
    let rc = f.next()?;
    let refcount = if rc == b"-" { None } else { Some(dec(rc)?) };
    let deps = f.next()?;
    let used_by = if deps == b"-" {
        Vec::new()
    } else {
        deps.split(|b| *b == b',')
            .filter(|d| !d.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    };
    let state = f.next()?.to_vec();
    let mut address = None;
    let mut taint = Vec::new();
    for x in f {
        if let Some(h) = x.strip_prefix(b"0x") {
            address = hex_u64(h);
        } else if let Some(t) = x.strip_prefix(b"(").and_then(|t| t.strip_suffix(b")")) {
            taint = t.to_vec();
        } else {
            return None;
        }
    }
    Some(ModuleLine {
        name,
        size,
        refcount,
        used_by,
        state,
        address,
        taint,
    })
}

/// The namespace inode from a `/proc/<pid>/ns/*` link target such as `net:[4026531840]`.
pub fn ns_inode(link: &[u8]) -> Option<u64> {
    let open = link.iter().position(|b| *b == b'[')?;
    dec(link.get(open + 1..)?.strip_suffix(b"]")?)
}

/// The socket inode from an fd link target `socket:[12345]`.
pub fn socket_inode(link: &[u8]) -> Option<u64> {
    dec(link.strip_prefix(b"socket:[")?.strip_suffix(b"]")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_hostile_comm() {
        let s = stat(b"42 (a) R 1 (b) S 1 42 42 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 2 0 12345 1000 55 18446744073709551615\n").unwrap();
        assert_eq!(s.pid, 42);
        assert_eq!(s.comm, b"a) R 1 (b");
        assert_eq!(s.state, 'S');
        assert_eq!(s.ppid, 1);
        assert_eq!((s.utime, s.stime), (7, 3));
        assert_eq!(s.num_threads, 2);
        assert_eq!(s.starttime, 12345);
        assert_eq!(s.rss, 55);
        assert!(stat(b"1 (x").is_err());
        assert!(stat(b"x) 1 (").is_err());
    }

    #[test]
    fn status_fields_and_errors() {
        let (s, e) = status(b"Name:\tbash\nTgid:\t10\nPPid:\t1\nUid:\t1000\t0\t0\t0\nGid:\tx\nThreads:\t3\nVmRSS:\t  1234 kB\n");
        assert_eq!(s.tgid, Some(10));
        assert_eq!(s.uid.unwrap().effective, 0);
        assert_eq!(s.gid, None);
        assert_eq!(s.threads, Some(3));
        assert_eq!(s.vm_rss_kb, Some(1234));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 5);
    }

    #[test]
    fn inet_lines_little_endian() {
        let t = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:115C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123 1 0000000000000000 100 0 0 10 0\n   1: garbage\n";
        let v: Vec<_> = inet_table(t).collect();
        assert_eq!(v.len(), 2);
        let l = v[0].as_ref().unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(l.local, IpAddr::V4(Ipv4Addr::LOCALHOST));
        }
        assert_eq!(l.local_port, 4444);
        assert_eq!(l.state, 10);
        assert_eq!(l.inode, 123);
        assert_eq!(v[1].as_ref().unwrap_err().line, 3);
        let v6 = b"h\n   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1\n";
        let l = inet_table(v6).next().unwrap().unwrap();
        if cfg!(target_endian = "little") {
            assert_eq!(l.local, IpAddr::V6(Ipv6Addr::LOCALHOST));
        }
        assert_eq!(l.local_port, 22);
    }

    #[test]
    fn unix_paths_keep_spaces_and_bytes() {
        let t = b"Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 2079 /run/a b\xff\n0000000000000000: 00000002 00000000 00000000 0002 01 2080\n";
        let v: Vec<_> = unix_table(t).map(Result::unwrap).collect();
        assert_eq!(v[0].path.as_deref(), Some(&b"/run/a b\xff"[..]));
        assert_eq!(v[0].flags, 0x10000);
        assert_eq!(v[1].path, None);
        assert_eq!(v[1].sock_type, 2);
    }

    #[test]
    fn module_lines() {
        let t = b"nvidia 56823808 2 nvidia_modeset, Live 0xffffffffc0a00000 (POE)\nloop 32768 0 - Live 0x0000000000000000\nbad line\n";
        let v: Vec<_> = modules(t).collect();
        let m = v[0].as_ref().unwrap();
        assert_eq!(m.name, b"nvidia");
        assert_eq!(m.used_by, vec![b"nvidia_modeset".to_vec()]);
        assert_eq!(m.taint, b"POE");
        assert_eq!(v[1].as_ref().unwrap().taint, b"");
        assert_eq!(v[2].as_ref().unwrap_err().line, 3);
    }

    #[test]
    fn small_helpers() {
        assert_eq!(nul_split(b"a\0b\0"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(nul_split(b""), Vec::<Vec<u8>>::new());
        assert_eq!(nul_split(b"a b c"), vec![b"a b c".to_vec()]);
        assert_eq!(
            env_var(b"A=1\0LD_PRELOAD=/x.so\0", b"LD_PRELOAD"),
            Some(&b"/x.so"[..])
        );
        assert_eq!(env_var(b"LD_PRELOADX=1\0", b"LD_PRELOAD"), None);
        assert_eq!(ns_inode(b"net:[4026531840]"), Some(4_026_531_840));
        assert_eq!(socket_inode(b"socket:[99]"), Some(99));
        assert_eq!(socket_inode(b"pipe:[99]"), None);
        assert_eq!(hex_u64(b"0A"), Some(10));
        assert_eq!(hex_u64(b"ffffffffFFFFFFFF"), Some(u64::MAX));
        assert_eq!(hex_u64(b"00000000000000000001"), Some(1));
        for bad in [&b""[..], b"+A", b"-1", b"1 ", b"0x1", b"10000000000000000"] {
            assert_eq!(hex_u64(bad), None, "{bad:?}");
        }
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any comm (no NUL, at most 64 bytes) survives the stat line, whatever parentheses it holds.
        #[test]
        fn stat_comm_round_trips(comm in proptest::collection::vec(1u8..=255, 0..64), pid in 1i32..4_000_000, ppid in 0i32..4_000_000) {
            let mut line = format!("{pid} (").into_bytes();
            line.extend_from_slice(&comm);
            line.extend_from_slice(format!(") S {ppid} 1 1 0 -1 4194560 0 0 0 0 5 6 0 0 20 0 1 0 77 100 9 0\n").as_bytes());
            let s = stat(&line).unwrap();
            prop_assert_eq!(s.comm, comm);
            prop_assert_eq!(s.pid, pid);
            prop_assert_eq!(s.ppid, ppid);
            prop_assert_eq!(s.starttime, 77);
        }

        /// Addresses printed the way the kernel prints them parse back.
        #[test]
        fn inet_addresses_round_trip(a in any::<[u8; 4]>(), port in any::<u16>(), v6 in any::<[u8; 16]>(), inode in any::<u64>()) {
            let word = |b: &[u8]| format!("{:08X}", u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
            let l4 = format!("h\n 0: {}:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 {inode} 1\n", word(&a));
            let r = inet_table(l4.as_bytes()).next().unwrap().unwrap();
            prop_assert_eq!(r.local, IpAddr::V4(Ipv4Addr::from(a)));
            prop_assert_eq!(r.local_port, port);
            prop_assert_eq!(r.inode, inode);
            let w6: String = v6.chunks(4).map(word).collect();
            let l6 = format!("h\n 0: {w6}:{port:04X} {w6}:0016 01 00000000:00000000 00:00000000 00000000 0 0 {inode} 1\n");
            let r = inet_table(l6.as_bytes()).next().unwrap().unwrap();
            prop_assert_eq!(r.local, IpAddr::V6(Ipv6Addr::from(v6)));
            prop_assert_eq!(r.remote_port, 22);
        }

        /// No parser panics on arbitrary bytes.
        #[test]
        fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = stat(&data);
            let _ = status(&data);
            let _ = inet_table(&data).count();
            let _ = unix_table(&data).count();
            let _ = modules(&data).count();
            let _ = nul_split(&data);
            let _ = crate::netlink::parse(&data, false);
            let _ = crate::netlink::parse(&data, true);
        }
    }
}
