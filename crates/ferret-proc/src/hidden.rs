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
use crate::{ProcFs, ProcOptions};
use ferret_core::{Control, ErrorRecord, Evidence, Finding, Outcome, Progress, Severity};
use nix::errno::Errno;
use nix::unistd::Pid;
use std::collections::BTreeSet;
use std::time::Duration;

/// What [`hidden_root`](crate::hidden_root) probes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HiddenOptions {
    /// How processes are read (on a captured `/proc` only the module comparison is made).
    pub proc: ProcOptions,
    /// Highest pid probed (default: `/proc/sys/kernel/pid_max`).
    pub max_pid: Option<i32>,
    /// Pause before the second check of each candidate (default 200 ms).
    pub recheck_delay: Duration,
    /// Probe processes (default on).
    pub probe_pids: bool,
    /// Probe ports by `bind` (default **off**: it touches the network stack).
    pub probe_ports: bool,
    /// Compare `/sys/module` with `/proc/modules` (default on).
    pub modules: bool,
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
        }
    }
}

/// Pids probed per step of the hidden-pid probe: cancellation and progress are looked at
/// between steps (a step takes about 30 ms on one core).
const PID_STEP: i32 = 1 << 14;

/// Whether the kernel knows `pid`, by any of four system calls.
pub fn pid_exists(pid: i32) -> bool {
    let p = Pid::from_raw(pid);
    let alive = |r: Result<(), Errno>| !matches!(r, Err(Errno::ESRCH));
    alive(nix::sys::signal::kill(p, None))
        || nix::unistd::getpgid(Some(p)).is_ok()
        || nix::unistd::getsid(Some(p)).is_ok()
        || alive(nix::sched::sched_getaffinity(p).map(|_| ()))
}

fn pid_max(fs: &ProcFs) -> i32 {
    std::fs::File::open(fs.path("sys/kernel/pid_max"))
        .and_then(|f| read_limited(f, 32))
        .ok()
        .and_then(|b| std::str::from_utf8(&b).ok()?.trim().parse().ok())
        .unwrap_or(4_194_304)
}

/// Start time and thread-group id of `pid`, read by direct path (works for pids a rootkit
/// hides from the listing only).
fn start_and_tgid(fs: &ProcFs, pid: i32) -> (Option<u64>, Option<i32>) {
    let dir = fs.pid_dir(pid);
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

fn threads_of(fs: &ProcFs, pids: &[i32]) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for pid in pids {
        let p = fs.pid_dir(*pid).join("task");
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

/// Pids found by the probes and not explained by the listing or by threads. Probes `1..=max`
/// in steps of [`PID_STEP`] (each on the pool), reporting progress after each step; stops at
/// the step where the control is cancelled.
fn pid_candidates(fs: &ProcFs, max: i32, listed: &BTreeSet<i32>, control: &Control) -> Vec<i32> {
    let probe = |p: &i32| !listed.contains(p) && pid_exists(*p);
    // One pool for every step (`install` builds a new one per call under `max_threads`).
    let run = || {
        let mut found = Vec::new();
        let mut from = 1i32;
        while from <= max && !control.is_cancelled() {
            let to = from.saturating_add(PID_STEP - 1).min(max);
            #[cfg(feature = "parallel")]
            {
                use rayon::prelude::*;
                found.extend(
                    (from..to.saturating_add(1))
                        .into_par_iter()
                        .with_min_len(1024)
                        .filter(probe)
                        .collect::<Vec<i32>>(),
                );
            }
            #[cfg(not(feature = "parallel"))]
            found.extend((from..to.saturating_add(1)).filter(probe));
            if control.progress.is_some() {
                let mut p = Progress::default();
                p.items_done = u64::try_from(to).unwrap_or(0);
                p.items_total = u64::try_from(max).ok();
                control.report(p);
            }
            match to.checked_add(1) {
                Some(next) => from = next,
                None => break,
            }
        }
        found
    };
    #[cfg(feature = "parallel")]
    let found = control.install(run);
    #[cfg(not(feature = "parallel"))]
    let found = run();
    if found.is_empty() {
        return found;
    }
    let listed_v: Vec<i32> = listed.iter().copied().collect();
    let threads = threads_of(fs, &listed_v);
    found.into_iter().filter(|p| !threads.contains(p)).collect()
}

/// Modules in `/sys/module` but not in `/proc/modules`.
pub(crate) fn hidden_modules(fs: &ProcFs, out: &mut Outcome) {
    let m = crate::modules::modules(fs);
    out.errors.extend(m.errors.iter().cloned());
    if !m.available {
        out.errors.push(ErrorRecord::new(
            None,
            None,
            "/proc/modules does not exist (kernel without loadable-module support, or a container): the hidden-module comparison was not possible",
        ));
    }
    for name in crate::modules::hidden_modules(&m) {
        out.findings.push(
            Finding::new(
                "proc.hidden-module",
                Severity::Critical,
                "module loaded in /sys/module but missing from /proc/modules",
                &name,
            )
            .with_evidence(Evidence::file([&b"/sys/module/"[..], &name].concat()))
            .with_attack("T1014")
            .with_attack("T1547.006"),
        );
    }
}

/// Hidden processes, into `out`.
pub(crate) fn hidden_pids(fs: &ProcFs, opts: &HiddenOptions, control: &Control, out: &mut Outcome) {
    let listed: BTreeSet<i32> = match list_pids(&fs.proc) {
        Ok(v) => v.into_iter().collect(),
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    let max = opts.max_pid.unwrap_or_else(|| pid_max(fs)).max(1);
    let first = pid_candidates(fs, max, &listed, control);
    if first.is_empty() || control.is_cancelled() {
        return;
    }
    let before: Vec<(i32, Option<u64>, Option<i32>)> = first
        .iter()
        .map(|pid| {
            let (s, t) = start_and_tgid(fs, *pid);
            (*pid, s, t)
        })
        .collect();
    if !crate::sleep(opts.recheck_delay, control) {
        return;
    }
    let listed2: BTreeSet<i32> = match list_pids(&fs.proc) {
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
        let (start2, tgid2) = start_and_tgid(fs, pid);
        if start != start2 {
            continue; // a different process now holds the pid
        }
        // A thread created after the task listing.
        if let Some(t) = tgid2.or(tgid) {
            if t != pid && (listed2.contains(&t) || listed.contains(&t)) {
                continue;
            }
        }
        let dir = fs.pid_dir(pid);
        let stat_ok = dir.join("stat").exists();
        out.findings.push(
            Finding::new(
                "proc.hidden-pid",
                Severity::Critical,
                "process exists but /proc does not list it",
                pid.to_string(),
            )
            .with_evidence(Evidence::file(dir.as_os_str().as_encoded_bytes()))
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

fn table_ports(
    fs: &ProcFs,
    opts: &ProcOptions,
    control: &Control,
) -> (BTreeSet<(bool, u16)>, Vec<ErrorRecord>) {
    let so = SocketOptions {
        proc: opts.clone(),
        protocols: [Proto::Tcp, Proto::Tcp6, Proto::Udp, Proto::Udp6].into(),
        owners: false,
        all_namespaces: false,
        ..SocketOptions::default()
    };
    let t = sockets(fs, &so, control);
    let set = t
        .sockets
        .iter()
        .filter_map(|s| Some((s.proto.is_tcp(), s.local_port()?)))
        .collect();
    (set, t.errors)
}

/// Hidden ports (opt-in; see the module docs).
pub(crate) fn hidden_ports(
    fs: &ProcFs,
    opts: &HiddenOptions,
    control: &Control,
    out: &mut Outcome,
) {
    let (known, errs) = table_ports(fs, &opts.proc, control);
    out.errors.extend(errs);
    let mut candidates = Vec::new();
    let mut skipped = 0u32;
    for port in 1..=u16::MAX {
        if control.is_cancelled() {
            return;
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
    if candidates.is_empty() || !crate::sleep(opts.recheck_delay, control) {
        return;
    }
    let (known2, _) = table_ports(fs, &opts.proc, control);
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
