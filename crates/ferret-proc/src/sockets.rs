//! Sockets (TCP, UDP, raw over IPv4/IPv6, Unix) with their owning processes, per network
//! namespace.
//!
//! Tables come from netlink `sock_diag` for the caller's own network namespace when
//! [`SocketOptions::netlink`] is on and the kernel answers (TCP, UDP and Unix), and from
//! `/proc/<pid>/net/*` otherwise (other namespaces, raw sockets, fixture trees, or a kernel
//! without `inet_diag`/`unix_diag`). [`SocketTable::sources`] says which was used for what.
//! Owners come from `/proc/<pid>/fd/*` links (`socket:[inode]`), read through each process's
//! held directory descriptor.

use crate::netlink::{self, DiagRecord};
use crate::parse;
use crate::process::list_pids;
use crate::{ProcFs, ProcOptions};
use ferret_core::{Control, ErrorRecord};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Socket protocol (and family).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Proto {
    /// TCP over IPv4.
    Tcp,
    /// TCP over IPv6.
    Tcp6,
    /// UDP over IPv4.
    Udp,
    /// UDP over IPv6.
    Udp6,
    /// Raw IPv4.
    Raw,
    /// Raw IPv6.
    Raw6,
    /// Unix domain.
    Unix,
}

impl Proto {
    /// Every protocol.
    pub const ALL: [Proto; 7] = [
        Proto::Tcp,
        Proto::Tcp6,
        Proto::Udp,
        Proto::Udp6,
        Proto::Raw,
        Proto::Raw6,
        Proto::Unix,
    ];

    /// `tcp`, `tcp6`, ... (the `/proc/net` file name).
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Tcp6 => "tcp6",
            Proto::Udp => "udp",
            Proto::Udp6 => "udp6",
            Proto::Raw => "raw",
            Proto::Raw6 => "raw6",
            Proto::Unix => "unix",
        }
    }

    /// TCP over either family.
    pub fn is_tcp(self) -> bool {
        matches!(self, Proto::Tcp | Proto::Tcp6)
    }

    /// UDP over either family.
    pub fn is_udp(self) -> bool {
        matches!(self, Proto::Udp | Proto::Udp6)
    }
}

impl std::fmt::Display for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a table came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Source {
    /// Netlink `sock_diag`.
    SockDiag,
    /// `/proc/<pid>/net/*` text tables.
    ProcNet,
}

/// A process holding a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Owner {
    /// Process id.
    pub pid: i32,
    /// File descriptor number in that process.
    pub fd: i32,
}

/// One socket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Socket {
    /// Protocol.
    pub proto: Proto,
    /// Local address (IP sockets).
    pub local: Option<SocketAddr>,
    /// Remote address (IP sockets; unspecified when not connected).
    pub remote: Option<SocketAddr>,
    /// Bound path of a Unix socket (`@name` for abstract ones).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub path: Option<Vec<u8>>,
    /// State, named as `ss` names it (`LISTEN`, `ESTAB`, `UNCONN`, `TIME-WAIT` ...).
    pub state: String,
    /// Listening (TCP `LISTEN`; unconnected UDP/raw; Unix listeners and bound datagram sockets).
    pub listening: bool,
    /// Socket inode (0 for TIME-WAIT and embryonic connections).
    pub inode: u64,
    /// Owner uid.
    pub uid: u32,
    /// Receive queue bytes.
    pub rx_queue: u32,
    /// Send queue bytes.
    pub tx_queue: u32,
    /// Processes holding it (pid and fd), sorted.
    pub owners: Vec<Owner>,
    /// Network namespace inode, when known.
    pub netns: Option<u64>,
    /// Where this entry came from.
    pub source: Source,
}

impl Socket {
    /// The distinct owning pids.
    pub fn pids(&self) -> Vec<i32> {
        let mut v: Vec<i32> = self.owners.iter().map(|o| o.pid).collect();
        v.dedup();
        v
    }

    /// Local port, for IP sockets.
    pub fn local_port(&self) -> Option<u16> {
        self.local.map(|a| a.port())
    }

    /// Remote port, for connected IP sockets.
    pub fn remote_port(&self) -> Option<u16> {
        self.remote
            .filter(|a| !a.ip().is_unspecified())
            .map(|a| a.port())
    }
}

/// Which sockets [`sockets_root`](crate::sockets_root) reads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SocketOptions {
    /// How processes are read (a captured `/proc`, parallel reading).
    pub proc: ProcOptions,
    /// Protocols to read.
    pub protocols: BTreeSet<Proto>,
    /// Only listening sockets.
    pub listening_only: bool,
    /// Only sockets whose local or remote port is this.
    pub port: Option<u16>,
    /// Find owning processes through `/proc/<pid>/fd` (the costly part; default on).
    pub owners: bool,
    /// Read every network namespace that some process is in (default on).
    pub all_namespaces: bool,
    /// Use netlink `sock_diag` for the caller's own namespace (default on; never on a captured
    /// `/proc`, whose tables are files).
    pub netlink: bool,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            proc: ProcOptions::default(),
            protocols: Proto::ALL.into_iter().collect(),
            listening_only: false,
            port: None,
            owners: true,
            all_namespaces: true,
            netlink: true,
        }
    }
}

/// The sockets read, with where each table came from and what failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct SocketTable {
    /// Sockets, sorted by protocol, local address, inode.
    pub sockets: Vec<Socket>,
    /// `(protocol, namespace, source)` for every table read.
    pub sources: Vec<(Proto, Option<u64>, Source)>,
    /// Socket fds per process (`pid -> [(fd, inode)]`), kept for the reverse-shell check.
    pub fds: BTreeMap<i32, Vec<(i32, u64)>>,
    /// What could not be read.
    pub errors: Vec<ErrorRecord>,
}

fn tcp_state(s: u8) -> &'static str {
    match s {
        1 => "ESTAB",
        2 => "SYN-SENT",
        3 => "SYN-RECV",
        4 => "FIN-WAIT-1",
        5 => "FIN-WAIT-2",
        6 => "TIME-WAIT",
        7 => "UNCONN",
        8 => "CLOSE-WAIT",
        9 => "LAST-ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW-SYN-RECV",
        _ => "UNKNOWN",
    }
}

/// (pid, socket fds as (fd, inode))
type ScanRow = (i32, Vec<(i32, u64)>);

struct ProcScan {
    /// `(inode, owner)` for every socket fd, sorted: the owners of one inode are one run.
    owners: Vec<(u64, Owner)>,
    fds: BTreeMap<i32, Vec<(i32, u64)>>,
    errors: Vec<ErrorRecord>,
}

impl ProcScan {
    /// The owners of `inode`, sorted by pid and fd.
    fn owners_of(&self, inode: u64) -> impl Iterator<Item = Owner> + '_ {
        let from = self.owners.partition_point(|(i, _)| *i < inode);
        self.owners
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(i, _)| *i == inode)
            .map(|(_, o)| *o)
    }
}

/// `getdents64` buffer for one `/proc/<pid>/fd` (about 500 entries per call).
const DIRENT_BUF: usize = 16 << 10;
/// A process with more fds than this has its `readlink`s split over the pool, so one process
/// holding thousands of sockets does not leave the other cores idle at the end of the scan.
#[cfg(feature = "parallel")]
const SPLIT_FDS: usize = 256;
/// `readlink`s per task when a process is split.
#[cfg(feature = "parallel")]
const FD_CHUNK: usize = 128;
/// Longer than any `socket:[<u64>]` link (29 bytes): a link that fills it is not a socket.
const LINK_BUF: usize = 32;

/// `<n><suffix>\0` in `buf`, without allocating.
fn c_num<'a>(buf: &'a mut [u8; 16], n: u32, suffix: &[u8]) -> Option<&'a std::ffi::CStr> {
    let mut digits = [0u8; 10];
    let mut v = n;
    let mut k = 0;
    for d in &mut digits {
        *d = b'0' + u8::try_from(v % 10).unwrap_or(0);
        v /= 10;
        k += 1;
        if v == 0 {
            break;
        }
    }
    let bytes = digits.iter().take(k).rev().chain(suffix).chain(&[0]);
    let mut len = 0;
    for (dst, src) in buf.iter_mut().zip(bytes) {
        *dst = *src;
        len += 1;
    }
    // Too long for the buffer: no terminating NUL, refused.
    std::ffi::CStr::from_bytes_with_nul(buf.get(..len)?).ok()
}

/// The socket inode behind `<dir>/<fd>`, read into a stack buffer.
fn fd_socket(dir: &rustix::fd::OwnedFd, fd: i32) -> Option<(i32, u64)> {
    let mut name = [0u8; 16];
    let name = c_num(&mut name, u32::try_from(fd).ok()?, b"")?;
    let mut link = [0u8; LINK_BUF];
    let n = rustix::fs::readlinkat_raw(dir, name, &mut link).ok()?;
    if n >= LINK_BUF {
        return None;
    }
    parse::socket_inode(link.get(..n)?).map(|ino| (fd, ino))
}

/// Reads the socket fds of one process, all through one descriptor of `/proc/<pid>/fd`, which
/// stays tied to that process: a reused pid makes the reads fail, it cannot mix two processes.
/// Per process: `openat`, `getdents64` until it returns nothing, `close`; per fd one
/// `readlinkat` relative to that descriptor.
fn scan_one(root: &std::os::fd::OwnedFd, pid: i32, parallel: bool) -> Vec<(i32, u64)> {
    use rustix::fs::{openat, Mode, OFlags, RawDir};
    let mut name = [0u8; 16];
    let Some(path) = u32::try_from(pid)
        .ok()
        .and_then(|p| c_num(&mut name, p, b"/fd"))
    else {
        return Vec::new();
    };
    let Ok(dir) = openat(
        root,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return Vec::new();
    };
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); DIRENT_BUF];
    let mut fds: Vec<i32> = Vec::new();
    let mut it = RawDir::new(&dir, &mut buf);
    while let Some(e) = it.next() {
        // A process that exits mid-listing: keep what was listed.
        let Ok(e) = e else { break };
        let n = e.file_name().to_bytes();
        if n.first().is_some_and(u8::is_ascii_digit) {
            if let Some(fd) = std::str::from_utf8(n).ok().and_then(|t| t.parse().ok()) {
                fds.push(fd);
            }
        }
    }
    #[cfg(feature = "parallel")]
    if parallel && fds.len() > SPLIT_FDS {
        use rayon::prelude::*;
        return fds
            .par_chunks(FD_CHUNK)
            .flat_map_iter(|c| c.iter().filter_map(|fd| fd_socket(&dir, *fd)))
            .collect();
    }
    let _ = parallel;
    fds.iter().filter_map(|fd| fd_socket(&dir, *fd)).collect()
}

fn scan_processes(fs: &ProcFs, opts: &SocketOptions, control: &Control) -> ProcScan {
    let mut scan = ProcScan {
        owners: Vec::new(),
        fds: BTreeMap::new(),
        errors: Vec::new(),
    };
    let pids = match list_pids(&fs.proc) {
        Ok(p) => p,
        Err(e) => {
            scan.errors.push(e);
            return scan;
        }
    };
    let root = match nix::fcntl::openat(
        nix::fcntl::AT_FDCWD,
        fs.proc.as_path(),
        nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    ) {
        Ok(r) => r,
        Err(e) => {
            scan.errors
                .push(ErrorRecord::from(&ferret_core::Error::from_errno(
                    &fs.proc, e,
                )));
            return scan;
        }
    };
    let parallel = opts.proc.parallel;
    // Cancellation: the processes not yet scanned are left out (their sockets keep no owner).
    let one = |p: &i32| {
        let fds = if control.is_cancelled() {
            Vec::new()
        } else {
            scan_one(&root, *p, parallel)
        };
        (*p, fds)
    };
    #[cfg(feature = "parallel")]
    let results: Vec<ScanRow> = if parallel {
        use rayon::prelude::*;
        control.install(|| pids.par_iter().with_min_len(16).map(one).collect())
    } else {
        pids.iter().map(one).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let results: Vec<ScanRow> = pids.iter().map(one).collect();
    scan.owners
        .reserve(results.iter().map(|(_, f)| f.len()).sum::<usize>());
    for (pid, fds) in results {
        scan.owners
            .extend(fds.iter().map(|(fd, ino)| (*ino, Owner { pid, fd: *fd })));
        if !fds.is_empty() {
            scan.fds.insert(pid, fds);
        }
    }
    scan.owners.sort_unstable();
    scan
}

fn own_netns(fs: &ProcFs) -> Option<u64> {
    let t = nix::fcntl::readlink(&fs.path("thread-self/ns/net")).ok()?;
    parse::ns_inode(t.as_bytes())
}

fn read_proc_table(
    dir: &Path,
    proto: Proto,
    netns: Option<u64>,
    out: &mut Vec<Socket>,
    errors: &mut Vec<ErrorRecord>,
) -> bool {
    let path = dir.join(proto.as_str());
    let buf =
        match std::fs::File::open(&path).and_then(|f| crate::process::read_limited(f, 512 << 20)) {
            Ok(b) => b,
            Err(e) => {
                // A kernel without IPv6 has no tcp6/udp6/raw6: absent, not an error.
                if e.kind() != std::io::ErrorKind::NotFound {
                    errors.push(ErrorRecord::new(
                        Some(path.as_os_str().as_bytes()),
                        None,
                        e.to_string(),
                    ));
                }
                return false;
            }
        };
    if proto == Proto::Unix {
        for l in parse::unix_table(&buf) {
            match l {
                Ok(u) => {
                    let listening = u.flags & 0x10000 != 0;
                    let state = if listening {
                        "LISTEN"
                    } else if u.state == 3 {
                        "ESTAB"
                    } else {
                        "UNCONN"
                    };
                    out.push(Socket {
                        proto,
                        local: None,
                        remote: None,
                        listening: listening || (u.sock_type == 2 && u.path.is_some()),
                        path: u.path,
                        state: state.to_owned(),
                        inode: u.inode,
                        uid: 0,
                        rx_queue: 0,
                        tx_queue: 0,
                        owners: Vec::new(),
                        netns,
                        source: Source::ProcNet,
                    });
                }
                Err(e) => errors.push(crate::parse_error(&path, e)),
            }
        }
    } else {
        for l in parse::inet_table(&buf) {
            match l {
                Ok(i) => {
                    let tcp = proto.is_tcp();
                    let state = if tcp || i.state != 7 {
                        tcp_state(i.state)
                    } else {
                        "UNCONN"
                    };
                    out.push(Socket {
                        proto,
                        local: Some(SocketAddr::new(i.local, i.local_port)),
                        remote: Some(SocketAddr::new(i.remote, i.remote_port)),
                        path: None,
                        listening: if tcp { i.state == 10 } else { i.state == 7 },
                        state: state.to_owned(),
                        inode: i.inode,
                        uid: i.uid,
                        rx_queue: i.rx_queue,
                        tx_queue: i.tx_queue,
                        owners: Vec::new(),
                        netns,
                        source: Source::ProcNet,
                    });
                }
                Err(e) => errors.push(crate::parse_error(&path, e)),
            }
        }
    }
    true
}

fn from_diag(proto: Proto, r: DiagRecord, netns: Option<u64>) -> Socket {
    match r {
        DiagRecord::Inet {
            state,
            src,
            sport,
            dst,
            dport,
            rqueue,
            wqueue,
            uid,
            inode,
            ..
        } => {
            let tcp = proto.is_tcp();
            Socket {
                proto,
                local: Some(SocketAddr::new(src, sport)),
                remote: Some(SocketAddr::new(dst, dport)),
                path: None,
                listening: if tcp { state == 10 } else { state == 7 },
                state: tcp_state(state).to_owned(),
                inode: u64::from(inode),
                uid,
                rx_queue: rqueue,
                tx_queue: wqueue,
                owners: Vec::new(),
                netns,
                source: Source::SockDiag,
            }
        }
        DiagRecord::Unix {
            sock_type,
            state,
            inode,
            name,
            ..
        } => Socket {
            proto,
            local: None,
            remote: None,
            listening: state == 10 || (sock_type == 2 && name.is_some()),
            path: name,
            state: tcp_state(state).to_owned(),
            inode: u64::from(inode),
            uid: 0,
            rx_queue: 0,
            tx_queue: 0,
            owners: Vec::new(),
            netns,
            source: Source::SockDiag,
        },
    }
}

fn diag_params(p: Proto) -> Option<(u8, u8)> {
    match p {
        Proto::Tcp => Some((netlink::AF_INET, 6)),
        Proto::Tcp6 => Some((netlink::AF_INET6, 6)),
        Proto::Udp => Some((netlink::AF_INET, 17)),
        Proto::Udp6 => Some((netlink::AF_INET6, 17)),
        Proto::Unix => Some((netlink::AF_UNIX, 0)),
        // raw_diag is often not loaded, and raw tables are tiny: /proc/net/raw{,6}.
        Proto::Raw | Proto::Raw6 => None,
    }
}

/// Whether the netlink reply is trustworthy for this family: IPv6 dumps succeed with nothing
/// when IPv6 is off, which `/proc` would show the same way, so any success counts.
fn read_netlink(proto: Proto, netns: Option<u64>, out: &mut Vec<Socket>) -> bool {
    let Some((fam, prot)) = diag_params(proto) else {
        return false;
    };
    match netlink::dump(fam, prot) {
        Ok(recs) => {
            out.extend(recs.into_iter().map(|r| from_diag(proto, r, netns)));
            true
        }
        Err(_) => false,
    }
}

/// Runs `a` on this thread and `b` beside it on a scoped thread, and returns both results.
/// A new thread starts in the network namespace of the thread that creates it, so a netlink
/// dump in `b` sees what it would see here; `a` stays on this thread, so its rayon work runs
/// in the pool the caller installed. Without threads (or when one cannot be started) `b` runs
/// here after `a`, as they do when the rayon pool in use has a single thread.
fn alongside<RA, RB>(threads: bool, a: impl FnOnce() -> RA, b: impl Fn() -> RB + Sync) -> (RA, RB)
where
    RB: Send,
{
    // One more thread only where the caller allows more than one (a pool installed with
    // `Control::max_threads(1)` runs everything here).
    #[cfg(feature = "parallel")]
    let threads = threads && rayon::current_num_threads() > 1;
    #[cfg(not(feature = "parallel"))]
    let threads = {
        let _ = threads;
        false
    };
    if threads {
        let (ra, rb) = std::thread::scope(|s| {
            let h = std::thread::Builder::new()
                .name("ferret-sockdiag".to_owned())
                .spawn_scoped(s, &b);
            let ra = a();
            (ra, h.ok().and_then(|h| h.join().ok()))
        });
        let rb = rb.unwrap_or_else(&b);
        (ra, rb)
    } else {
        let ra = a();
        (ra, b())
    }
}

/// Reads the sockets of the caller's namespace and (with [`SocketOptions::all_namespaces`]) of
/// every other namespace some process holds a socket in, and their owners. Cancellation is
/// checked per process of the owner scan and per namespace; a `cancelled` record is added.
pub(crate) fn sockets(fs: &ProcFs, opts: &SocketOptions, control: &Control) -> SocketTable {
    let mut t = SocketTable::default();
    let own_ns = if fs.live { own_netns(fs) } else { None };
    let own_dir = fs.path("net");
    let netlink = opts.netlink && fs.live;
    let read_ns =
        |ns: Option<u64>, dir: &Path, own: bool, all: &mut Vec<Socket>, t: &mut SocketTable| {
            for proto in &opts.protocols {
                let used_netlink = own && netlink && read_netlink(*proto, ns, all);
                if used_netlink {
                    t.sources.push((*proto, ns, Source::SockDiag));
                } else if read_proc_table(dir, *proto, ns, all, &mut t.errors) {
                    t.sources.push((*proto, ns, Source::ProcNet));
                }
            }
        };
    // The caller's own namespace first, read while the owner scan runs.
    let read_own = || {
        let mut all = Vec::new();
        let mut own = SocketTable::default();
        read_ns(own_ns, &own_dir, true, &mut all, &mut own);
        (all, own)
    };
    let (scan, (mut all, own)) = if opts.owners || opts.all_namespaces {
        let (scan, own) = alongside(
            opts.proc.parallel,
            || scan_processes(fs, opts, control),
            read_own,
        );
        (Some(scan), own)
    } else {
        (None, read_own())
    };
    t.sources = own.sources;
    t.errors = own.errors;
    // Other namespaces: only those holding a socket that the tables read so far do not show,
    // found through one of its owners (one `readlink` of `ns/net` per such process, not per
    // process on the host).
    if let (Some(s), true) = (&scan, opts.all_namespaces) {
        let mut known: foldhash::HashSet<u64> = all.iter().map(|x| x.inode).collect();
        let mut done: BTreeSet<u64> = own_ns.into_iter().collect();
        let mut checked: BTreeSet<i32> = BTreeSet::new();
        for (pid, fds) in &s.fds {
            if control.is_cancelled() {
                break;
            }
            if fds.iter().all(|(_, ino)| known.contains(ino)) || !checked.insert(*pid) {
                continue;
            }
            let link = fs.pid_dir(*pid).join("ns/net");
            let Some(ns) = nix::fcntl::readlink(&link)
                .ok()
                .and_then(|t| parse::ns_inode(t.as_bytes()))
            else {
                continue;
            };
            if !done.insert(ns) {
                continue;
            }
            let before = all.len();
            let dir = fs.pid_dir(*pid).join("net");
            read_ns(Some(ns), &dir, false, &mut all, &mut t);
            known.extend(all.iter().skip(before).map(|x| x.inode));
        }
    }
    // The same socket may be listed twice when two directories show one namespace.
    let mut seen = foldhash::HashSet::with_capacity_and_hasher(
        all.len(),
        foldhash::fast::RandomState::default(),
    );
    all.retain(|s| s.inode == 0 || seen.insert((s.proto, s.inode)));
    if let Some(mut scan) = scan {
        t.errors.append(&mut scan.errors);
        if opts.owners {
            for s in &mut all {
                if s.inode != 0 {
                    s.owners.extend(scan.owners_of(s.inode));
                }
            }
            t.fds = scan.fds;
        }
    }
    all.retain(|s| {
        (!opts.listening_only || s.listening)
            && opts
                .port
                .is_none_or(|p| s.local_port() == Some(p) || s.remote_port() == Some(p))
    });
    all.sort_by(|a, b| {
        a.proto
            .cmp(&b.proto)
            .then_with(|| a.local.cmp(&b.local))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.inode.cmp(&b.inode))
    });
    t.sockets = all;
    if control.is_cancelled() {
        t.errors.push(crate::cancelled());
    }
    t
}

/// `ADDR:PORT` as `ss` prints it (`127.0.0.1:22`, `[::1]:22`, `*:*`-style wildcards kept as
/// `0.0.0.0:0`); Unix sockets print their path or `*`.
pub fn format_endpoint(addr: Option<SocketAddr>, path: Option<&[u8]>) -> String {
    match (addr, path) {
        (Some(a), _) => a.to_string(),
        (None, Some(p)) => ferret_core::escape::escape(p),
        (None, None) => "*".to_owned(),
    }
}

/// Whether an address is a loopback one.
pub fn is_loopback(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.is_loopback(),
        IpAddr::V6(v) => v.is_loopback() || v.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn c_num_names() {
        let mut b = [0u8; 16];
        assert_eq!(c_num(&mut b, 0, b"").unwrap().to_bytes(), b"0");
        assert_eq!(c_num(&mut b, 42, b"/fd").unwrap().to_bytes(), b"42/fd");
        assert_eq!(
            c_num(&mut b, u32::MAX, b"/fd").unwrap().to_bytes(),
            b"4294967295/fd"
        );
        // 10 digits + 6 bytes of suffix leave no room for the NUL: refused, not truncated.
        assert!(c_num(&mut b, u32::MAX, b"/fdxyz").is_none());
    }

    proptest! {
        #[test]
        fn c_num_is_decimal(n: u32) {
            let mut b = [0u8; 16];
            let s = c_num(&mut b, n, b"/fd").unwrap().to_bytes().to_vec();
            prop_assert_eq!(s, format!("{n}/fd").into_bytes());
        }
    }

    /// Owners come back sorted per inode, and an inode nobody holds has none.
    #[test]
    fn owners_of_runs() {
        let o = |pid, fd| Owner { pid, fd };
        let mut owners = vec![(7, o(3, 1)), (5, o(9, 4)), (7, o(1, 8)), (5, o(2, 0))];
        owners.sort_unstable();
        let scan = ProcScan {
            owners,
            fds: BTreeMap::new(),
            errors: Vec::new(),
        };
        assert_eq!(
            scan.owners_of(7).collect::<Vec<_>>(),
            vec![o(1, 8), o(3, 1)]
        );
        assert_eq!(
            scan.owners_of(5).collect::<Vec<_>>(),
            vec![o(2, 0), o(9, 4)]
        );
        assert_eq!(scan.owners_of(6).count(), 0);
        assert_eq!(scan.owners_of(u64::MAX).count(), 0);
    }

    /// A link longer than the stack buffer is not taken for a socket, even when it starts
    /// like one; a short one is.
    #[test]
    fn fd_socket_refuses_truncated_links() {
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("socket:[42]", d.path().join("6")).unwrap();
        std::os::unix::fs::symlink("socket:[18446744073709551615]", d.path().join("7")).unwrap();
        std::os::unix::fs::symlink("socket:[123]/and/more/path/beyond/32", d.path().join("8"))
            .unwrap();
        std::os::unix::fs::symlink("pipe:[42]", d.path().join("9")).unwrap();
        let dir = rustix::fs::openat(
            rustix::fs::CWD,
            d.path(),
            rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        assert_eq!(fd_socket(&dir, 6), Some((6, 42)));
        assert_eq!(fd_socket(&dir, 7), Some((7, u64::MAX)));
        assert_eq!(fd_socket(&dir, 8), None);
        assert_eq!(fd_socket(&dir, 9), None);
        assert_eq!(fd_socket(&dir, 10), None);
        assert_eq!(fd_socket(&dir, -1), None);
    }

    /// The scan of our own process finds a socket we hold under its fd, and nothing for a
    /// pipe.
    #[test]
    fn scan_one_reads_own_fds() {
        use std::os::fd::AsRawFd;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (r, _w) = nix::unistd::pipe().unwrap();
        let root = nix::fcntl::openat(
            nix::fcntl::AT_FDCWD,
            "/proc",
            nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY,
            nix::sys::stat::Mode::empty(),
        )
        .unwrap();
        let me = std::process::id() as i32;
        for parallel in [false, true] {
            let fds = scan_one(&root, me, parallel);
            let ino = fds.iter().find(|(fd, _)| *fd == l.as_raw_fd()).unwrap().1;
            let link = std::fs::read_link(format!("/proc/self/fd/{}", l.as_raw_fd())).unwrap();
            assert_eq!(link.to_str().unwrap(), format!("socket:[{ino}]"));
            assert!(!fds.iter().any(|(fd, _)| *fd == r.as_raw_fd()));
        }
        assert!(scan_one(&root, -1, false).is_empty());
    }

    /// In a one-thread pool (`Control::max_threads(1)`) everything runs on the caller's
    /// thread, with the same answer: our listener and its fd.
    #[cfg(feature = "parallel")]
    #[test]
    fn one_thread_pool_finds_owners() {
        use std::os::fd::AsRawFd;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let opts = SocketOptions {
            protocols: [Proto::Tcp].into(),
            port: Some(port),
            listening_only: true,
            all_namespaces: false,
            ..SocketOptions::default()
        };
        let t = pool.install(|| {
            assert_eq!(rayon::current_num_threads(), 1);
            crate::sockets_root(&ferret_core::HostRoot::live(), &opts, &Control::new())
        });
        assert_eq!(t.sockets.len(), 1, "{:?}", t.sockets);
        assert_eq!(
            t.sockets[0].owners,
            vec![Owner {
                pid: std::process::id() as i32,
                fd: l.as_raw_fd()
            }]
        );
        assert!(t.sources.iter().any(|s| s.2 == Source::SockDiag));
    }
}
