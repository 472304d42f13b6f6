//! Findings over a snapshot, its sockets, CPU samples and modules.

use crate::cpu::CpuUsage;
use crate::modules::{ModuleList, Taint};
use crate::process::{Process, Snapshot};
use crate::sockets::{Proto, Socket, SocketTable};
use ferret_core::{Evidence, Finding, Severity};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

/// Ports miners and common backdoors use (stratum 3333/14444/45700, Metasploit 4444, 5555,
/// 7777, and 2222 as a second SSH).
pub const SUSPICIOUS_PORTS: [u16; 7] = [3333, 4444, 5555, 7777, 14444, 45700, 2222];

/// Shells for the reverse-shell check.
const SHELLS: [&[u8]; 10] = [
    b"sh", b"bash", b"dash", b"zsh", b"ksh", b"mksh", b"ash", b"csh", b"tcsh", b"fish",
];

/// Interpreters whose `comm` is the script name, not the interpreter's.
const INTERPRETERS: [&[u8]; 14] = [
    b"python", b"perl", b"ruby", b"node", b"java", b"php", b"lua", b"bash", b"sh", b"dash",
    b"busybox", b"env", b"dotnet", b"tclsh",
];

/// Kernel-thread names a user process should not take.
const KTHREAD_PREFIXES: [&[u8]; 12] = [
    b"kworker",
    b"kthreadd",
    b"ksoftirqd",
    b"kswapd",
    b"migration/",
    b"rcu_",
    b"watchdog/",
    b"jbd2/",
    b"irq/",
    b"kcompactd",
    b"khugepaged",
    b"kdevtmpfs",
];

/// What [`suspicious_root`](crate::suspicious_root) checks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SuspiciousOptions {
    /// How processes are read.
    pub proc: crate::ProcOptions,
    /// Check sockets (listeners, miner connections, reverse shells). Default on.
    pub sockets: bool,
    /// Sample CPU over this interval (the call then takes that long). Default off.
    pub cpu_interval: Option<Duration>,
    /// CPU percentage (of one core) at or above which a process is flagged. Default 85.
    pub cpu_threshold: f64,
    /// Ports flagged on listeners and remote ends. Default [`SUSPICIOUS_PORTS`].
    pub suspicious_ports: Vec<u16>,
    /// When set, every non-loopback TCP listener on another port is flagged.
    pub expected_listen_ports: Option<BTreeSet<u16>>,
    /// Check kernel taint and module taint flags. Default on.
    pub modules: bool,
}

impl Default for SuspiciousOptions {
    fn default() -> Self {
        SuspiciousOptions {
            proc: crate::ProcOptions::default(),
            sockets: true,
            cpu_interval: None,
            cpu_threshold: 85.0,
            suspicious_ports: SUSPICIOUS_PORTS.to_vec(),
            expected_listen_ports: None,
            modules: true,
        }
    }
}

fn ev(p: &Process, file: &str) -> Evidence {
    Evidence::file(format!("/proc/{}/{file}", p.pid))
}

fn trunc15(b: &[u8]) -> &[u8] {
    b.get(..15).unwrap_or(b)
}

fn in_temp(exe: &[u8]) -> bool {
    [&b"/tmp/"[..], b"/var/tmp/", b"/dev/shm/", b"/run/shm/"]
        .iter()
        .any(|d| exe.starts_with(d))
}

/// Dot directories that developer toolchains install into under a home directory.
const HOME_TOOL_DIRS: [&[u8]; 18] = [
    b".cargo",
    b".rustup",
    b".local",
    b".pyenv",
    b".nvm",
    b".vscode-server",
    b".cursor-server",
    b".sdkman",
    b".deno",
    b".bun",
    b".npm",
    b".rbenv",
    b".goenv",
    b".volta",
    b".asdf",
    b".opam",
    b".ghcup",
    b".juliaup",
];

/// A dot component in the path, other than a known toolchain directory directly in a home
/// directory (`/root/.cargo`, `/home/u/.rustup`).
fn hidden_component(path: &[u8]) -> bool {
    let comps: Vec<&[u8]> = path
        .split(|b| *b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    comps.iter().enumerate().any(|(i, c)| {
        if c.first() != Some(&b'.') || *c == b"." || *c == b".." {
            return false;
        }
        let in_home = match i {
            1 => comps.first() == Some(&&b"root"[..]),
            2 => comps.first() == Some(&&b"home"[..]),
            _ => false,
        };
        !(in_home && HOME_TOOL_DIRS.contains(c))
    })
}

/// At most 256 bytes of a command line for finding details (arguments may hold secrets; the
/// full line is in the snapshot for whoever needs it).
fn short(b: &[u8]) -> String {
    let mut s = ferret_core::escape::escape(b.get(..256).unwrap_or(b));
    if b.len() > 256 {
        s.push('…');
    }
    s
}

fn looks_like_kthread(p: &Process) -> bool {
    let argv0 = p.cmdline.first().map(Vec::as_slice).unwrap_or_default();
    (argv0.starts_with(b"[") && argv0.ends_with(b"]"))
        || KTHREAD_PREFIXES.iter().any(|k| p.comm.starts_with(k))
}

fn is_interpreter(name: &[u8]) -> bool {
    INTERPRETERS.iter().any(|i| name.starts_with(i))
}

fn basename(b: &[u8]) -> &[u8] {
    b.rsplit(|c| *c == b'/').next().unwrap_or(b)
}

/// Process-only checks (no sockets): deleted/memfd/temp executables, kernel-thread
/// impersonation, comm mismatch, LD_PRELOAD.
pub fn check_processes(snap: &Snapshot) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in &snap.processes {
        if p.kernel_thread {
            continue;
        }
        let pid = p.pid.to_string();
        let name = p.display_name();
        if let Some(exe) = &p.exe {
            if p.exe_memfd {
                out.push(
                    Finding::new("proc.memfd-exe", Severity::Critical, "process runs from a memfd (fileless)", &pid)
                        .with_evidence(ev(p, "exe").with_excerpt(exe))
                        .with_attack("T1620")
                        .with_detail(format!("exe {}; cmdline {}", ferret_core::escape::escape(exe), short(&name)))
                        .with_remediation("Dump the process memory (/proc/PID/exe can still be copied) before killing it."),
                );
            } else if p.exe_deleted {
                out.push(
                    Finding::new("proc.deleted-exe", Severity::High, "process runs a deleted executable", &pid)
                        .with_evidence(ev(p, "exe").with_excerpt(exe))
                        .with_attack("T1070.004")
                        .with_detail(format!("exe {} (deleted, checked against the inode); cmdline {}", ferret_core::escape::escape(exe), short(&name)))
                        .with_remediation("Copy /proc/PID/exe to preserve the binary, then investigate; package upgrades also leave deleted executables until a restart."),
                );
            }
            if in_temp(exe) {
                out.push(
                    Finding::new(
                        "proc.exe-in-temp",
                        Severity::High,
                        "process runs from a world-writable temporary directory",
                        &pid,
                    )
                    .with_evidence(ev(p, "exe").with_excerpt(exe))
                    .with_attack("T1036")
                    .with_detail(format!("exe {}", ferret_core::escape::escape(exe))),
                );
            }
            if hidden_component(exe) {
                out.push(
                    Finding::new(
                        "proc.exe-in-hidden-dir",
                        Severity::High,
                        "process runs from a hidden (dot) path",
                        &pid,
                    )
                    .with_evidence(ev(p, "exe").with_excerpt(exe))
                    .with_attack("T1036")
                    .with_attack("T1564.001")
                    .with_detail(format!("exe {}", ferret_core::escape::escape(exe))),
                );
            }
        }
        if looks_like_kthread(p) && (p.exe.is_some() || !p.cmdline.is_empty()) {
            out.push(
                Finding::new("proc.kthread-impersonation", Severity::High, "user process named like a kernel thread", &pid)
                    .with_evidence(ev(p, "cmdline").with_excerpt(&name))
                    .with_attack("T1036.004")
                    .with_detail(format!(
                        "comm {} cmdline {} exe {}: kernel threads have no executable and an empty command line",
                        ferret_core::escape::escape(&p.comm),
                        short(&name),
                        p.exe.as_deref().map_or_else(|| "?".to_owned(), ferret_core::escape::escape)
                    )),
            );
        } else if let Some(base) = p.exe_name() {
            let base = base.strip_suffix(b" (deleted)").unwrap_or(base);
            let argv0 = p.cmdline.first().map(|a| basename(a)).unwrap_or_default();
            if !p.comm.is_empty()
                && trunc15(base) != p.comm.as_slice()
                && trunc15(argv0) != p.comm.as_slice()
                && !is_interpreter(base)
                && p.state != 'Z'
            {
                out.push(
                    Finding::new("proc.comm-mismatch", Severity::Low, "process name differs from its executable", &pid)
                        .with_evidence(ev(p, "comm").with_excerpt(&p.comm))
                        .with_attack("T1036")
                        .with_detail(format!(
                            "comm {} exe {} (threads and daemons rename themselves too; look closer when the exe is odd)",
                            ferret_core::escape::escape(&p.comm),
                            p.exe.as_deref().map_or_else(String::new, ferret_core::escape::escape)
                        )),
                );
            }
        }
        if let Some(v) = p.env.get("LD_PRELOAD").filter(|v| !v.is_empty()) {
            out.push(
                Finding::new("proc.ld-preload", Severity::High, "process runs with LD_PRELOAD set", &pid)
                    .with_evidence(ev(p, "environ").with_excerpt(v))
                    .with_attack("T1574.006")
                    .with_detail(format!("LD_PRELOAD={} for {}", ferret_core::escape::escape(v), short(&name)))
                    .with_remediation("Check the preloaded library's origin; /etc/ld.so.preload is audited by the harden crate."),
            );
        }
        if let Some(v) = p.env.get("LD_LIBRARY_PATH").filter(|v| {
            v.split(|b| *b == b':')
                .any(|d| in_temp(&[d, b"/"].concat()) || hidden_component(d))
        }) {
            out.push(
                Finding::new(
                    "proc.ld-library-path-temp",
                    Severity::Medium,
                    "LD_LIBRARY_PATH points into a temporary or hidden directory",
                    &pid,
                )
                .with_evidence(ev(p, "environ").with_excerpt(v))
                .with_attack("T1574.006"),
            );
        }
    }
    out
}

fn subject_for(s: &Socket) -> Vec<String> {
    let pids = s.pids();
    if pids.is_empty() {
        vec![format!(
            "{}/{}",
            s.proto,
            s.local_port().unwrap_or_default()
        )]
    } else {
        pids.iter().map(ToString::to_string).collect()
    }
}

fn sock_desc(s: &Socket) -> String {
    format!(
        "{} {} -> {} {} inode {}",
        s.proto,
        crate::sockets::format_endpoint(s.local, s.path.as_deref()),
        crate::sockets::format_endpoint(s.remote, None),
        s.state,
        s.inode
    )
}

/// Socket checks: suspicious listeners, miner/backdoor connections, unexpected listeners and
/// reverse shells (a shell whose stdin is an IP socket).
pub fn check_sockets(
    snap: &Snapshot,
    table: &SocketTable,
    opts: &SuspiciousOptions,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let bad: BTreeSet<u16> = opts.suspicious_ports.iter().copied().collect();
    let mut by_inode: HashMap<u64, &Socket> = HashMap::new();
    for s in &table.sockets {
        if s.proto == Proto::Unix {
            continue;
        }
        if s.inode != 0 {
            by_inode.insert(s.inode, s);
        }
        let is_ip = s.proto.is_tcp() || s.proto.is_udp();
        if !is_ip {
            continue;
        }
        let tcp_listen = s.proto.is_tcp() && s.listening;
        if let Some(port) = s
            .local_port()
            .filter(|p| tcp_listen && bad.contains(p) || (s.listening && bad.contains(p)))
        {
            for subj in subject_for(s) {
                out.push(
                    Finding::new(
                        "proc.suspicious-listener",
                        Severity::High,
                        format!("listener on port {port}, used by miners and backdoors"),
                        subj,
                    )
                    .with_evidence(
                        Evidence::file(format!("/proc/net/{}", s.proto)).with_excerpt(sock_desc(s)),
                    )
                    .with_attack("T1571")
                    .with_detail(sock_desc(s)),
                );
            }
        } else if tcp_listen {
            if let (Some(allowed), Some(port)) = (&opts.expected_listen_ports, s.local_port()) {
                let lo = s
                    .local
                    .is_some_and(|a| crate::sockets::is_loopback(&a.ip()));
                if !lo && !allowed.contains(&port) {
                    for subj in subject_for(s) {
                        out.push(
                            Finding::new(
                                "proc.unexpected-listener",
                                Severity::Medium,
                                format!("listener on unexpected port {port}"),
                                subj,
                            )
                            .with_evidence(
                                Evidence::file(format!("/proc/net/{}", s.proto))
                                    .with_excerpt(sock_desc(s)),
                            )
                            .with_attack("T1571")
                            .with_detail(sock_desc(s)),
                        );
                    }
                }
            }
        }
        if !s.listening {
            if let Some(rp) = s.remote_port().filter(|p| bad.contains(p)) {
                for subj in subject_for(s) {
                    out.push(
                        Finding::new(
                            "proc.mining-port-connection",
                            Severity::High,
                            format!("connection to port {rp}, used by mining pools and backdoors"),
                            subj,
                        )
                        .with_evidence(
                            Evidence::file(format!("/proc/net/{}", s.proto))
                                .with_excerpt(sock_desc(s)),
                        )
                        .with_attack("T1496")
                        .with_attack("T1571")
                        .with_detail(sock_desc(s)),
                    );
                }
            }
        }
    }
    for (pid, fds) in &table.fds {
        let Some(p) = snap.get(*pid) else { continue };
        let shell = SHELLS.contains(&p.comm.as_slice())
            || p.exe_name().is_some_and(|e| SHELLS.contains(&e));
        if !shell {
            continue;
        }
        for (fd, ino) in fds {
            if !(0..=2).contains(fd) {
                continue;
            }
            if let Some(s) = by_inode.get(ino) {
                out.push(
                    Finding::new(
                        "proc.reverse-shell",
                        Severity::Critical,
                        format!("shell with a network socket as fd {fd}"),
                        pid.to_string(),
                    )
                    .with_evidence(
                        Evidence::file(format!("/proc/{pid}/fd/{fd}"))
                            .with_excerpt(format!("socket:[{ino}]")),
                    )
                    .with_attack("T1059.004")
                    .with_detail(format!(
                        "{} : {}",
                        short(&p.display_name()),
                        sock_desc(s)
                    )),
                );
                break;
            }
        }
    }
    out
}

/// Sustained-CPU check over a [`CpuUsage`] sample.
pub fn check_cpu(cpu: &CpuUsage, threshold: f64) -> Vec<Finding> {
    cpu.samples
        .iter()
        .filter(|s| s.percent >= threshold)
        .map(|s| {
            Finding::new(
                "proc.high-cpu",
                Severity::Medium,
                format!(
                    "process used {:.0}% CPU over {:.1} s",
                    s.percent, cpu.interval_secs
                ),
                s.pid.to_string(),
            )
            .with_evidence(Evidence::file(format!("/proc/{}/stat", s.pid)))
            .with_attack("T1496")
            .with_detail(format!(
                "comm {}: cryptominers keep one or more cores busy",
                ferret_core::escape::escape(&s.comm)
            ))
        })
        .collect()
}

/// Kernel and module taint.
pub fn check_taint(taint: Option<&Taint>, mods: &ModuleList) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(t) = taint.filter(|t| t.value != 0) {
        let risky = t
            .flags
            .iter()
            .any(|f| matches!(f.letter, 'F' | 'R' | 'O' | 'E'));
        out.push(
            Finding::new(
                "proc.kernel-tainted",
                if risky { Severity::Low } else { Severity::Info },
                format!("kernel is tainted ({})", t.letters()),
                t.value.to_string(),
            )
            .with_evidence(
                Evidence::file("/proc/sys/kernel/tainted").with_excerpt(t.value.to_string()),
            )
            .with_attack("T1547.006")
            .with_detail(
                t.flags
                    .iter()
                    .map(|f| format!("{}: {}", f.letter, f.meaning))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        );
    }
    for m in &mods.modules {
        if m.taint.contains('O') || m.taint.contains('E') || m.taint.contains('F') {
            out.push(
                Finding::new("proc.module-tainted", Severity::Low, format!("module taints the kernel ({})", m.taint), &m.name)
                    .with_evidence(Evidence::file("/proc/modules").with_excerpt(&m.name))
                    .with_attack("T1547.006")
                    .with_detail("out-of-tree (O), unsigned (E) or force-loaded (F) module: DKMS drivers do this, and so do rootkits"),
            );
        }
    }
    out
}
