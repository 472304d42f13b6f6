//! # ferret-proc
//!
//! Live processes, sockets and kernel modules, and what hides among them: one race-tolerant
//! snapshot as data (what `ps -efH --forest`, `ss -tulpn`, `lsof -i`, `lsmod` and `unhide` show),
//! and findings for what looks wrong.
//!
//! - [`snapshot`]: every process (ids, comm, cmdline bytes, exe with verified deletion, memfd,
//!   cwd, root, state, threads, start time, CPU ticks, RSS, tty, session, namespaces, cgroup,
//!   `LD_PRELOAD`/`LD_LIBRARY_PATH`), each read through a held `/proc/<pid>` descriptor
//!   (`procfs::process::Process`) so a reused pid cannot mix two processes; a process that exits
//!   mid-read is dropped or marked `partial`, never an error for the whole snapshot.
//! - [`tree::forest`]: the `ps -e --forest` order and depth. [`cpu::cpu_usage`]: CPU over an
//!   interval.
//! - [`sockets()`]: TCP/UDP/raw over IPv4 and IPv6 and Unix sockets with owning pids and fds, per
//!   network namespace; netlink `sock_diag` for the caller's namespace, `/proc/<pid>/net/*`
//!   elsewhere ([`sockets::SocketTable::sources`] says which).
//! - [`modules::modules`], [`modules::kernel_taint`], [`modules::hidden_modules`].
//! - [`suspicious()`] and [`hidden()`]: the findings below.
//!
//! Everything here reads the running kernel: on a disk image ([`HostRoot`] not live) the entry
//! points return a single error record `live-only: processes are not on a disk image`. Tests and
//! fixture trees point [`ProcOptions::proc_root`] at a captured `/proc` instead. File-based
//! checks (`/etc/ld.so.preload`) belong to `ferret-harden`; this crate checks the environment of
//! running processes.
//!
//! ## What it touches
//! Only reads under `/proc` and `/sys` (bounded), `lstat`s of executable paths inside each
//! process's root for the deletion check, and signal-0/`getpgid`/`getsid`/`sched_getaffinity`
//! probes for hidden pids. The one exception is the opt-in hidden-port probe
//! ([`hidden::HiddenOptions::probe_ports`]), which creates, binds and closes sockets on every
//! port (no packet is sent). Netlink `sock_diag` queries are reads of kernel tables.
//!
//! ## Findings
//!
//! | id | severity | ATT&CK | what |
//! |---|---|---|---|
//! | `proc.memfd-exe` | critical | T1620 | executable is a `memfd:` (fileless) |
//! | `proc.deleted-exe` | high | T1070.004 | executable unlinked (` (deleted)` verified against the inode) |
//! | `proc.exe-in-temp` | high | T1036 | executable under `/tmp`, `/var/tmp`, `/dev/shm`, `/run/shm` |
//! | `proc.exe-in-hidden-dir` | high | T1036, T1564.001 | executable path has a dot component |
//! | `proc.kthread-impersonation` | high | T1036.004 | `[kworker/0:9]`-style name with an exe or a cmdline |
//! | `proc.comm-mismatch` | low | T1036 | `comm` differs from the exe and argv0 names (interpreters excepted) |
//! | `proc.ld-preload` | high | T1574.006 | `LD_PRELOAD` in the process environment |
//! | `proc.ld-library-path-temp` | medium | T1574.006 | `LD_LIBRARY_PATH` into a temporary or hidden dir |
//! | `proc.suspicious-listener` | high | T1571 | listener on 3333, 4444, 5555, 7777, 14444, 45700, 2222 |
//! | `proc.unexpected-listener` | medium | T1571 | non-loopback TCP listener outside the configured allow-list |
//! | `proc.mining-port-connection` | high | T1496, T1571 | connection to one of those ports |
//! | `proc.reverse-shell` | critical | T1059.004 | a shell whose fd 0, 1 or 2 is an IP socket |
//! | `proc.high-cpu` | medium | T1496 | CPU at or above the threshold (85%) over the sampled interval |
//! | `proc.kernel-tainted` | low/info | T1547.006 | `/proc/sys/kernel/tainted` non-zero, decoded (low when F, R, O or E) |
//! | `proc.module-tainted` | low | T1547.006 | module with O, E or F taint |
//! | `proc.hidden-pid` | critical | T1014 | pid found by probes twice but never listed in `/proc` |
//! | `proc.hidden-module` | critical | T1014, T1547.006 | in `/sys/module` (with `initstate`) but not in `/proc/modules` |
//! | `proc.hidden-port` | critical | T1014, T1571 | port in use by `bind` probe but in no socket table (opt-in) |
//!
//! The `subject` of process findings is the pid; of socket findings, each owning pid (or
//! `proto/port` when no owner is known).
//!
//! ```
//! use ferret_proc::{ProcOptions, snapshot};
//! use ferret_core::HostRoot;
//! // A fixture /proc with one process.
//! let t = tempfile::tempdir()?;
//! let p = t.path().join("proc/42");
//! std::fs::create_dir_all(&p)?;
//! std::fs::write(p.join("stat"), "42 (sleep) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 10 0\n")?;
//! std::fs::write(p.join("cmdline"), "sleep\x0060\x00")?;
//! std::fs::write(p.join("status"), "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n")?;
//! let snap = snapshot(&ProcOptions::fixture(t.path()));
//! assert_eq!(snap.processes[0].pid, 42);
//! assert_eq!(snap.processes[0].cmdline, vec![b"sleep".to_vec(), b"60".to_vec()]);
//!
//! // On a disk image there are no processes to read.
//! let img = HostRoot::new(t.path())?;
//! let out = ferret_proc::suspicious(&img, &ferret_proc::SuspiciousOptions::new());
//! assert!(out.errors[0].message.starts_with("live-only"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

#[cfg(feature = "serde")]
/// The shared vocabulary (`HostRoot`, `Finding`, `Control`, ...), re-exported so that a user
/// of this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

pub mod bytes_serde;
pub mod cpu;
pub mod hidden;
pub mod modules;
pub mod netlink;
pub mod parse;
pub mod process;
pub mod sockets;
pub mod suspicious;
pub mod tree;

use ferret_core::{ErrorRecord, HostRoot, Outcome};
use std::path::{Path, PathBuf};

pub use cpu::{cpu_usage, CpuSample, CpuUsage};
pub use hidden::HiddenOptions;
pub use modules::{Module, ModuleList, Taint};
pub use process::{Process, Snapshot};
pub use sockets::{Owner, Proto, Socket, SocketOptions, SocketTable, Source};
pub use suspicious::SuspiciousOptions;
pub use tree::{forest, TreeRow};

/// The message of the error record returned on a non-live root.
pub const LIVE_ONLY: &str = "live-only: processes are not on a disk image";

/// Errors of `ferret-proc`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read soundly.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// A file was read but could not be parsed.
    #[error("{}:{line}: {message}", ferret_core::escape::escape_path(.path))]
    Parse {
        /// The file, inside the audited root.
        path: PathBuf,
        /// 1-based line number (0 when not line-based).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The root is a disk image: processes, sockets and modules exist only on a live system.
    #[error("{}: {LIVE_ONLY}", ferret_core::escape::escape_path(.root))]
    LiveOnly {
        /// The audited root.
        root: PathBuf,
    },
}

/// Where the process data comes from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProcOptions {
    /// The audited system (live `/` by default). When it is not live and `proc_root` is still
    /// the live `/proc`, every entry point answers [`LIVE_ONLY`].
    pub root: HostRoot,
    /// The `/proc` to read (a fixture tree in tests).
    pub proc_root: PathBuf,
    /// The `/sys` to read.
    pub sys_root: PathBuf,
    /// Read `environ` for [`process::ENV_VARS`] (default on; root is needed for other users').
    pub environment: bool,
    /// Read processes on a rayon pool (default on with the `parallel` feature). For
    /// [`sockets()`] this also splits the `/proc/<pid>/fd` scan of a process holding many
    /// descriptors over the pool, and reads the caller's own namespace tables (netlink) on a
    /// second thread while the scan runs.
    pub parallel: bool,
}

impl Default for ProcOptions {
    fn default() -> Self {
        ProcOptions {
            root: HostRoot::live(),
            proc_root: PathBuf::from("/proc"),
            sys_root: PathBuf::from("/sys"),
            environment: true,
            parallel: cfg!(feature = "parallel"),
        }
    }
}

impl ProcOptions {
    /// The live system.
    pub fn new() -> Self {
        Self::default()
    }

    /// For an audited root: live `/proc` when `root` is live; otherwise the options answer
    /// [`LIVE_ONLY`] (see [`ProcOptions::live_only_error`]).
    pub fn for_root(root: &HostRoot) -> Self {
        ProcOptions {
            root: root.clone(),
            ..Self::default()
        }
    }

    /// A captured tree holding `proc/` (and optionally `sys/`), for tests.
    pub fn fixture(dir: impl AsRef<Path>) -> Self {
        ProcOptions {
            proc_root: dir.as_ref().join("proc"),
            sys_root: dir.as_ref().join("sys"),
            ..Self::default()
        }
    }

    /// Sets the proc root.
    pub fn proc_root(mut self, p: impl Into<PathBuf>) -> Self {
        self.proc_root = p.into();
        self
    }

    /// Turns `environ` reading on or off.
    pub fn environment(mut self, yes: bool) -> Self {
        self.environment = yes;
        self
    }

    /// Turns parallel reading on or off.
    pub fn parallel(mut self, yes: bool) -> Self {
        self.parallel = yes;
        self
    }

    /// Whether this reads the running kernel's `/proc`.
    pub fn is_live(&self) -> bool {
        self.proc_root == Path::new("/proc")
    }

    /// The [`LIVE_ONLY`] error when the root is a disk image and no other `/proc` was given.
    pub fn live_only_error(&self) -> Option<ErrorRecord> {
        (!self.root.is_live() && self.is_live()).then(|| live_only_record(&self.root))
    }
}

fn live_only_record(root: &HostRoot) -> ErrorRecord {
    use std::os::unix::ffi::OsStrExt;
    ErrorRecord::new(Some(root.path().as_os_str().as_bytes()), None, LIVE_ONLY)
}

/// An [`Outcome`] holding only the [`LIVE_ONLY`] error for `root`.
pub fn live_only(root: &HostRoot) -> Outcome {
    let mut o = Outcome::new();
    o.errors.push(live_only_record(root));
    o
}

/// Reads every process (see [`Process`]). Never fails as a whole: unreadable parts are in
/// [`Snapshot::errors`].
pub fn snapshot(opts: &ProcOptions) -> Snapshot {
    if let Some(e) = opts.live_only_error() {
        let mut s = Snapshot::default();
        s.errors.push(e);
        return s;
    }
    process::snapshot(opts)
}

/// Reads the sockets (see [`sockets::sockets`]).
pub fn sockets(opts: &SocketOptions) -> SocketTable {
    if let Some(e) = opts.proc.live_only_error() {
        let mut t = SocketTable::default();
        t.errors.push(e);
        return t;
    }
    sockets::sockets(opts)
}

/// Runs the process, socket, CPU (when an interval is set) and taint checks. On a non-live
/// root: one error record, [`LIVE_ONLY`].
pub fn suspicious(root: &HostRoot, opts: &SuspiciousOptions) -> Outcome {
    if !root.is_live() && opts.proc.is_live() {
        return live_only(root);
    }
    let mut out = Outcome::new();
    let snap = snapshot(&opts.proc);
    out.errors.extend(snap.errors.iter().cloned());
    out.findings.extend(suspicious::check_processes(&snap));
    if opts.sockets {
        let t = sockets(&SocketOptions::new().proc(opts.proc.clone()));
        out.errors.extend(t.errors.iter().cloned());
        out.findings
            .extend(suspicious::check_sockets(&snap, &t, opts));
    }
    if let Some(iv) = opts.cpu_interval {
        let c = cpu_usage(&opts.proc, iv);
        out.errors.extend(c.errors.iter().cloned());
        out.findings
            .extend(suspicious::check_cpu(&c, opts.cpu_threshold));
    }
    if opts.modules {
        let m = modules::modules(&opts.proc);
        out.errors.extend(m.errors.iter().cloned());
        let taint = match modules::kernel_taint(&opts.proc) {
            Ok(t) => Some(t),
            Err(e) => {
                out.errors.push(e);
                None
            }
        };
        out.findings
            .extend(suspicious::check_taint(taint.as_ref(), &m));
    }
    out.sort();
    out
}

/// Unhide-style probes: hidden pids, hidden modules, and (opt-in) hidden ports. On a non-live
/// root: one error record, [`LIVE_ONLY`]. Pid and port probes always use the running kernel,
/// so with a fixture `proc_root` only the module comparison is meaningful.
pub fn hidden(root: &HostRoot, opts: &HiddenOptions) -> Outcome {
    if !root.is_live() && opts.proc.is_live() {
        return live_only(root);
    }
    let mut out = Outcome::new();
    if opts.modules {
        let m = modules::modules(&opts.proc);
        out.errors.extend(m.errors.iter().cloned());
        if !m.available {
            out.errors.push(ErrorRecord::new(
                None,
                None,
                "/proc/modules does not exist (kernel without loadable-module support, or a container): the hidden-module comparison was not possible",
            ));
        }
        for name in modules::hidden_modules(&m) {
            out.findings.push(
                ferret_core::Finding::new(
                    "proc.hidden-module",
                    ferret_core::Severity::Critical,
                    "module loaded in /sys/module but missing from /proc/modules",
                    &name,
                )
                .with_evidence(ferret_core::Evidence::file(
                    [&b"/sys/module/"[..], &name].concat(),
                ))
                .with_attack("T1014")
                .with_attack("T1547.006"),
            );
        }
    }
    if opts.probe_pids {
        hidden::hidden_pids(opts, &mut out);
    }
    if opts.probe_ports {
        hidden::hidden_ports(opts, &mut out);
    }
    out.sort();
    out
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (see `fuzz/fuzz_targets/proc_*.rs`).

    /// `/proc/<pid>/stat`.
    pub fn stat(data: &[u8]) {
        if let Ok(s) = crate::parse::stat(data) {
            assert!(s.comm.len() <= data.len());
        }
    }

    /// `/proc/<pid>/status`.
    pub fn status(data: &[u8]) {
        let (_, errs) = crate::parse::status(data);
        for e in errs {
            assert!(e.line >= 1);
        }
    }

    /// `/proc/net/{tcp,udp,raw}{,6}`.
    pub fn net_inet(data: &[u8]) {
        for r in crate::parse::inet_table(data) {
            if let Err(e) = r {
                assert!(e.line >= 2);
            }
        }
    }

    /// `/proc/net/unix`.
    pub fn net_unix(data: &[u8]) {
        for r in crate::parse::unix_table(data).flatten() {
            assert!(r.path.as_ref().is_none_or(|p| !p.is_empty()));
        }
    }

    /// `/proc/modules`.
    pub fn modules(data: &[u8]) {
        for _ in crate::parse::modules(data) {}
    }

    /// NUL-separated `cmdline`/`environ`, and the small link parsers.
    pub fn cmdline(data: &[u8]) {
        let items = crate::parse::nul_split(data);
        let total: usize = items.iter().map(Vec::len).sum();
        assert!(total <= data.len());
        let _ = crate::parse::env_var(data, b"LD_PRELOAD");
        let _ = crate::parse::ns_inode(data);
        let _ = crate::parse::socket_inode(data);
        let _ = crate::parse::boot_time(data);
    }

    /// Netlink `sock_diag` replies (inet and unix layouts).
    pub fn sock_diag(data: &[u8]) {
        let _ = crate::netlink::parse(data, false);
        let _ = crate::netlink::parse(data, true);
    }
}
