//! Unhide-style probes: processes the kernel says exist but `/proc` does not list, and (opt-in)
//! ports in use that no socket table shows.
//!
//! A process is "seen" when any of `kill(pid, 0)`, `getpgid`, `getsid` or
//! `sched_getaffinity` finds it (a rootkit rarely hooks all of them). Threads of listed
//! processes (`/proc/<pid>/task/*`) are not hidden processes. Every candidate is checked a
//! second time after a short pause against a fresh `/proc` listing, and its start time must not
//! change in between, so a process that started or ended during the scan (unhide's classic false
//! positive) is not reported.
//!
//! The port probe **touches the network stack**: for every port it creates a socket, `bind`s it
//! to the wildcard address (TCP and UDP, IPv4 and IPv6-only) and closes it. No packet is sent
//! and nothing listens, but a bind is briefly held, so it is off unless asked for
//! ([`HiddenOptions::probe_ports`]). Ports below 1024 need root (or `CAP_NET_BIND_SERVICE`);
//! without it they are skipped and the coverage says so.

use crate::parse;
use crate::process::{list_pids, read_limited};
use crate::sockets::{sockets, Proto, SocketOptions};
use crate::ProcOptions;
use ferret_core::{ErrorRecord, Evidence, Finding, Outcome, Severity};
use nix::errno::Errno;
use nix::unistd::Pid;
use std::collections::BTreeSet;
use std::time::Duration;

/// What [`hidden`](crate::hidden()) probes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HiddenOptions {
    /// Where `/proc` and `/sys` are.
    pub proc: ProcOptions,
    /// Highest pid probed (default: `/proc/sys/kernel/pid_max`).
    pub max_pid: Option<i32>,
    /// Pause before the second check of each candidate.
    pub recheck_delay: Duration,
    /// Probe processes (default on).
    pub probe_pids: bool,
    /// Probe ports by `bind` (default **off**: it touches the network stack).
    pub probe_ports: bool,
    /// Compare `/sys/module` with `/proc/modules` (default on).
    pub modules: bool,
    /// Stops the pid and port probes early (checked every pid or port); what was found so far
    /// is kept.
    pub cancel: ferret_core::CancelToken,
}

impl Default for HiddenOptions {
    fn default() -> Self {
        HiddenOptions {
            proc: ProcOptions::default(),
            max_pid: None,
            recheck_delay: Duration::from_millis(200),
            probe_pids: true,
            probe_ports: false,
            modules: true,
            cancel: ferret_core::CancelToken::new(),
        }
    }
}

impl HiddenOptions {
    /// Defaults: pids and modules, no port probe.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the highest pid probed.
    pub fn max_pid(mut self, p: Option<i32>) -> Self {
        self.max_pid = p;
        self
    }
    /// Sets the cancellation token of the pid and port probes.
    pub fn cancel(mut self, token: ferret_core::CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Turns the (network-touching) port probe on or off.
    pub fn probe_ports(mut self, yes: bool) -> Self {
        self.probe_ports = yes;
        self
    }
    /// Turns the pid probe on or off.
    pub fn probe_pids(mut self, yes: bool) -> Self {
        self.probe_pids = yes;
        self
    }
    /// Sets the pause before the second check.
    pub fn recheck_delay(mut self, d: Duration) -> Self {
        self.recheck_delay = d;
        self
    }
    /// Sets the proc options.
    pub fn proc(mut self, p: ProcOptions) -> Self {
        self.proc = p;
        self
    }
}

/// Whether the kernel knows `pid`, by any of four system calls.
pub fn pid_exists(pid: i32) -> bool {
    let p = Pid::from_raw(pid);
    let alive = |r: Result<(), Errno>| !matches!(r, Err(Errno::ESRCH));
    alive(nix::sys::signal::kill(p, None))
        || nix::unistd::getpgid(Some(p)).is_ok()
        || nix::unistd::getsid(Some(p)).is_ok()
        || alive(nix::sched::sched_getaffinity(p).map(|_| ()))
}

fn pid_max(opts: &ProcOptions) -> i32 {
    std::fs::File::open(opts.proc_root.join("sys/kernel/pid_max"))
        .and_then(|f| read_limited(f, 32))
        .ok()
        .and_then(|b| std::str::from_utf8(&b).ok()?.trim().parse().ok())
        .unwrap_or(4_194_304)
}

/// Start time and thread-group id of `pid`, read by direct path (works for pids a rootkit
/// hides from the listing only).
fn start_and_tgid(opts: &ProcOptions, pid: i32) -> (Option<u64>, Option<i32>) {
    let dir = opts.proc_root.join(pid.to_string());
    let start = std::fs::File::open(dir.join("stat"))
        .and_then(|f| read_limited(f, 4096))
        .ok()
        .and_then(|b| parse::stat(&b).ok())
        .map(|s| s.starttime);
    let tgid = std::fs::File::open(dir.join("status"))
        .and_then(|f| read_limited(f, 64 << 10))
        .ok()
        .and_then(|b| parse::status(&b).0.tgid);
    (start, tgid)
}

fn threads_of(opts: &ProcOptions, pids: &[i32]) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for pid in pids {
        let p = opts.proc_root.join(pid.to_string()).join("task");
        if let Ok(d) = ferret_core::DirHandle::open_path(&p, &p) {
            if let Ok(ents) = d.entries() {
                out.extend(
                    ents.iter()
                        .filter_map(|e| e.name.to_str()?.parse::<i32>().ok()),
                );
            }
        }
    }
    out
}

/// Pids found by the probes and not explained by the listing or by threads.
fn pid_candidates(
    opts: &ProcOptions,
    max: i32,
    listed: &BTreeSet<i32>,
    cancel: &ferret_core::CancelToken,
) -> Vec<i32> {
    let range = 1..max.saturating_add(1);
    #[cfg(feature = "parallel")]
    let found: Vec<i32> = {
        use rayon::prelude::*;
        range
            .into_par_iter()
            .with_min_len(4096)
            .filter(|p| !cancel.is_cancelled() && !listed.contains(p) && pid_exists(*p))
            .collect()
    };
    #[cfg(not(feature = "parallel"))]
    let found: Vec<i32> = range
        .take_while(|_| !cancel.is_cancelled())
        .filter(|p| !listed.contains(p) && pid_exists(*p))
        .collect();
    if found.is_empty() {
        return found;
    }
    let listed_v: Vec<i32> = listed.iter().copied().collect();
    let threads = threads_of(opts, &listed_v);
    found.into_iter().filter(|p| !threads.contains(p)).collect()
}

/// Hidden processes. Returns the findings and errors.
pub(crate) fn hidden_pids(opts: &HiddenOptions, out: &mut Outcome) {
    let p = &opts.proc;
    let listed: BTreeSet<i32> = match list_pids(&p.proc_root) {
        Ok(v) => v.into_iter().collect(),
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    let max = opts.max_pid.unwrap_or_else(|| pid_max(p)).max(1);
    let first = pid_candidates(p, max, &listed, &opts.cancel);
    if first.is_empty() {
        return;
    }
    let before: Vec<(i32, Option<u64>, Option<i32>)> = first
        .iter()
        .map(|pid| {
            let (s, t) = start_and_tgid(p, *pid);
            (*pid, s, t)
        })
        .collect();
    std::thread::sleep(opts.recheck_delay);
    let listed2: BTreeSet<i32> = match list_pids(&p.proc_root) {
        Ok(v) => v.into_iter().collect(),
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    for (pid, start, tgid) in before {
        if listed.contains(&pid) || listed2.contains(&pid) || !pid_exists(pid) {
            continue;
        }
        let (start2, tgid2) = start_and_tgid(p, pid);
        if start != start2 {
            continue; // a different process now holds the pid
        }
        // A thread created after the task listing.
        if let Some(t) = tgid2.or(tgid) {
            if t != pid && (listed2.contains(&t) || listed.contains(&t)) {
                continue;
            }
        }
        let stat_ok = p.proc_root.join(pid.to_string()).join("stat").exists();
        out.findings.push(
            Finding::new(
                "proc.hidden-pid",
                Severity::Critical,
                "process exists but /proc does not list it",
                pid.to_string(),
            )
            .with_evidence(Evidence::file(p.proc_root.join(pid.to_string()).as_os_str().as_encoded_bytes()))
            .with_attack("T1014")
            .with_detail(format!(
                "kill/getpgid/getsid/sched_getaffinity find pid {pid} twice, {} ms apart, with the same start time; the /proc listing never shows it; /proc/{pid}/stat {}",
                opts.recheck_delay.as_millis(),
                if stat_ok { "is readable by direct path" } else { "is not reachable either" }
            ))
            .with_remediation("Treat the host as compromised by a rootkit: capture memory, then rebuild from known-good media."),
        );
    }
}

/// Whether `bind` to the wildcard address on this port fails with `EADDRINUSE`.
/// `None`: the probe could not tell (permission, no IPv6).
fn port_in_use(tcp: bool, v6: bool, port: u16) -> Option<bool> {
    use nix::sys::socket::{
        bind, setsockopt, socket, sockopt, AddressFamily, SockFlag, SockType, SockaddrIn,
        SockaddrIn6,
    };
    let (fam, ty) = (
        if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        },
        if tcp {
            SockType::Stream
        } else {
            SockType::Datagram
        },
    );
    let fd = socket(fam, ty, SockFlag::SOCK_CLOEXEC, None).ok()?;
    let r = if v6 {
        setsockopt(&fd, sockopt::Ipv6V6Only, &true).ok()?;
        let a = SockaddrIn6::from(std::net::SocketAddrV6::new(
            std::net::Ipv6Addr::UNSPECIFIED,
            port,
            0,
            0,
        ));
        bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &a)
    } else {
        let a = SockaddrIn::from(std::net::SocketAddrV4::new(
            std::net::Ipv4Addr::UNSPECIFIED,
            port,
        ));
        bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &a)
    };
    match r {
        Ok(()) => Some(false),
        Err(Errno::EADDRINUSE) => Some(true),
        Err(_) => None,
    }
}

fn table_ports(opts: &ProcOptions) -> (BTreeSet<(bool, u16)>, Vec<ErrorRecord>) {
    let t = sockets(
        &SocketOptions::new()
            .proc(opts.clone())
            .protocols([Proto::Tcp, Proto::Tcp6, Proto::Udp, Proto::Udp6])
            .owners(false)
            .all_namespaces(false),
    );
    let set = t
        .sockets
        .iter()
        .filter_map(|s| Some((s.proto.is_tcp(), s.local_port()?)))
        .collect();
    (set, t.errors)
}

/// Hidden ports (opt-in; see the module docs).
pub(crate) fn hidden_ports(opts: &HiddenOptions, out: &mut Outcome) {
    let (known, errs) = table_ports(&opts.proc);
    out.errors.extend(errs);
    let mut candidates = Vec::new();
    let mut skipped = 0u32;
    for port in 1..=u16::MAX {
        if opts.cancel.is_cancelled() {
            break;
        }
        for tcp in [true, false] {
            if known.contains(&(tcp, port)) {
                continue;
            }
            for v6 in [false, true] {
                match port_in_use(tcp, v6, port) {
                    Some(true) => {
                        candidates.push((tcp, v6, port));
                        break;
                    }
                    Some(false) => {}
                    None => skipped += 1,
                }
            }
        }
    }
    if skipped > 0 {
        out.errors.push(ErrorRecord::new(
            None,
            None,
            format!("hidden-port probe: {skipped} family/port probes could not bind (ports below 1024 need root; IPv6 may be off)"),
        ));
    }
    if candidates.is_empty() {
        return;
    }
    std::thread::sleep(opts.recheck_delay);
    let (known2, _) = table_ports(&opts.proc);
    for (tcp, v6, port) in candidates {
        if known2.contains(&(tcp, port)) || port_in_use(tcp, v6, port) != Some(true) {
            continue;
        }
        let proto = match (tcp, v6) {
            (true, false) => "tcp",
            (true, true) => "tcp6",
            (false, false) => "udp",
            (false, true) => "udp6",
        };
        out.findings.push(
            Finding::new(
                "proc.hidden-port",
                Severity::Critical,
                "port in use but absent from every socket table",
                format!("{proto}/{port}"),
            )
            .with_attack("T1014")
            .with_attack("T1571")
            .with_detail(format!(
                "bind to the wildcard address on {proto} port {port} fails with EADDRINUSE twice, yet neither sock_diag nor /proc/net lists a socket on it"
            )),
        );
    }
}
