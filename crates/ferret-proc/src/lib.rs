//! # ferret-proc
//!
//! Live processes, sockets and kernel modules, and what hides among them: one race-tolerant
//! snapshot as data (what `ps -efH --forest`, `ss -tulpn`, `lsof -i`, `lsmod` and `unhide` show),
//! and findings for what looks wrong.
//!
//! ## Entry points
//!
//! Every entry point takes the audited root, its options and a [`Control`], in that order:
//!
//! | call | returns |
//! |---|---|
//! | [`snapshot_root`]`(&root, &ProcOptions, &Control)` | [`Snapshot`]: every process (ids, comm, cmdline bytes, exe with verified deletion, memfd, cwd, root, state, threads, start time, CPU ticks, RSS, tty, session, namespaces, cgroup, `LD_PRELOAD`/`LD_LIBRARY_PATH`) |
//! | [`sockets_root`]`(&root, &SocketOptions, &Control)` | [`SocketTable`]: TCP/UDP/raw over IPv4 and IPv6 and Unix sockets with owning pids and fds, per network namespace; netlink `sock_diag` for the caller's namespace, `/proc/<pid>/net/*` elsewhere ([`SocketTable::sources`] says which) |
//! | [`cpu_usage_root`]`(&root, &CpuOptions, &Control)` | [`CpuUsage`]: CPU per process over an interval |
//! | [`modules_root`]`(&root, &ProcOptions, &Control)` | [`ModuleList`]: `/proc/modules` with taint letters, and the loadable modules `/sys/module` shows |
//! | [`kernel_taint_root`]`(&root, &ProcOptions, &Control)` | [`Taint`]: `/proc/sys/kernel/tainted`, decoded |
//! | [`suspicious_root`]`(&root, &SuspiciousOptions, &Control)` | process, socket, CPU (opt-in interval) and taint findings |
//! | [`hidden_root`]`(&root, &HiddenOptions, &Control)` | unhide-style findings: hidden pids, hidden modules, hidden ports (opt-in) |
//!
//! The same checks on data already read: [`forest`] (the `ps -e --forest` order),
//! [`modules::hidden_modules`], and the `check_*` functions of [`suspicious`].
//!
//! Each process is read through a `/proc/<pid>` directory descriptor held for the whole read
//! (`openat(O_PATH)`, then every file and link relative to it), so a pid reused by another
//! process cannot mix two processes: reads through the old descriptor fail instead. A process
//! that exits mid-read is dropped (counted in [`Snapshot::exited`]) or kept as `partial`, never
//! an error for the whole snapshot. Socket owners are read through one descriptor of
//! `/proc/<pid>/fd` per process for the same reason.
//!
//! ## Live, captured, or a disk image
//!
//! Everything here reads the running kernel. On a disk image ([`HostRoot`] not live) every
//! entry point returns a single error record, [`LIVE_ONLY`]. A captured copy of a running
//! system's `/proc` (and `/sys`) laid out under a root as `proc/` and `sys/` (the tests'
//! fixtures, a collection tool's archive) is read with [`ProcOptions::captured`] set: then
//! nothing that needs the running kernel is done (no netlink, no inode check of a `(deleted)`
//! executable, no pid or port probes). File-based checks (`/etc/ld.so.preload`) belong to
//! `ferret-harden`; this crate checks the environment of running processes.
//!
//! ## Controls
//!
//! Cancellation through the [`Control`] is checked per process, per probed pid or port, and
//! during every wait (the CPU sampling interval, the re-check delay of the hidden-object
//! probes, in steps of at most 10 ms): a cancelled call returns promptly with what it has and a
//! `cancelled` error record. `max_threads` bounds the pool the snapshot and the socket-owner
//! scan run on; the hidden-pid probe reports progress (pids probed of `pid_max`).
//!
//! ## What it touches
//!
//! Only reads under `/proc` and `/sys` (bounded), an `lstat` of a `(deleted)` executable path
//! inside the process's own root for the deletion check, and signal-0/`getpgid`/`getsid`/
//! `sched_getaffinity` probes for hidden pids. The one exception is the opt-in hidden-port probe
//! ([`HiddenOptions::probe_ports`]), which creates, binds and closes sockets on every port (no
//! packet is sent). Netlink `sock_diag` queries are reads of kernel tables.
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
//! use ferret_proc::core::{Control, HostRoot};
//! use ferret_proc::{snapshot_root, suspicious_root, ProcOptions, SuspiciousOptions};
//! // A captured /proc with one process.
//! let t = tempfile::tempdir()?;
//! let p = t.path().join("proc/42");
//! std::fs::create_dir_all(&p)?;
//! std::fs::write(p.join("stat"), "42 (sleep) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 10 0\n")?;
//! std::fs::write(p.join("cmdline"), "sleep\x0060\x00")?;
//! std::fs::write(p.join("status"), "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n")?;
//! let root = HostRoot::new(t.path())?;
//! let mut captured = ProcOptions::default();
//! captured.captured = true;
//! let snap = snapshot_root(&root, &captured, &Control::new());
//! assert_eq!(snap.processes[0].pid, 42);
//! assert_eq!(snap.processes[0].cmdline, vec![b"sleep".to_vec(), b"60".to_vec()]);
//!
//! // Read as a disk image, the same root has no processes to read.
//! let out = suspicious_root(&root, &SuspiciousOptions::default(), &Control::new());
//! assert!(out.errors[0].message.starts_with("live-only"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

/// The shared vocabulary (`HostRoot`, `Finding`, `Control`, ...), re-exported so that a user
/// of this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

pub mod cpu;
pub mod hidden;
pub mod modules;
pub mod netlink;
pub mod parse;
pub mod process;
pub mod sockets;
pub mod suspicious;
pub mod tree;

use ferret_core::{Control, ErrorRecord, HostRoot, Outcome};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use cpu::{CpuOptions, CpuSample, CpuUsage};
pub use hidden::HiddenOptions;
pub use modules::{Module, ModuleList, Taint};
pub use process::{Process, Snapshot};
pub use sockets::{Owner, Proto, Socket, SocketOptions, SocketTable, Source};
pub use suspicious::SuspiciousOptions;
pub use tree::{forest, TreeRow};

/// The message of the error record returned on a non-live root.
pub const LIVE_ONLY: &str = "live-only: processes are not on a disk image";

/// Errors of `ferret-proc`. The entry points never fail as a whole: these become
/// [`ErrorRecord`]s beside the partial results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read soundly, or the call was cancelled.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// A file was read but could not be parsed.
    #[error("{}:{line}: {message}", ferret_core::escape::escape_path(.path))]
    Parse {
        /// The file (`/proc/net/tcp`, ...).
        path: PathBuf,
        /// 1-based line number (0 when the file is one record).
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

impl From<&Error> for ErrorRecord {
    fn from(e: &Error) -> Self {
        use std::os::unix::ffi::OsStrExt;
        match e {
            Error::Core(e) => ErrorRecord::from(e),
            Error::Parse {
                path,
                line,
                message,
            } => ErrorRecord::new(
                Some(path.as_os_str().as_bytes()),
                (*line > 0).then_some(*line),
                message.clone(),
            ),
            Error::LiveOnly { root } => {
                ErrorRecord::new(Some(root.as_os_str().as_bytes()), None, LIVE_ONLY)
            }
        }
    }
}

/// How processes are read; part of every other options struct of this crate.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProcOptions {
    /// The root is not the live system but holds a captured copy of a running system's
    /// `/proc` (and optionally `/sys`) as `proc/` and `sys/`: read them as that system's. Meant
    /// for captured trees (test fixtures, a collection tool's archive); nothing that needs the
    /// running kernel is done on them. Default false: on a root that is not live every entry
    /// point answers [`LIVE_ONLY`].
    pub captured: bool,
    /// Read `environ` for [`process::ENV_VARS`] (default on; root is needed for other users').
    pub environment: bool,
    /// Read processes on a rayon pool (default on with the `parallel` feature). For
    /// [`sockets_root`] this also splits the `/proc/<pid>/fd` scan of a process holding many
    /// descriptors over the pool, and reads the caller's own namespace tables (netlink) on a
    /// second thread while the scan runs.
    pub parallel: bool,
}

impl Default for ProcOptions {
    fn default() -> Self {
        ProcOptions {
            captured: false,
            environment: true,
            parallel: cfg!(feature = "parallel"),
        }
    }
}

/// Where one call reads: the `/proc` and `/sys` of its root, and whether they are the running
/// kernel's.
#[derive(Debug, Clone)]
pub(crate) struct ProcFs {
    pub(crate) proc: PathBuf,
    pub(crate) sys: PathBuf,
    pub(crate) live: bool,
}

impl ProcFs {
    /// The live `/proc` on a live root, the captured one when asked; otherwise the
    /// [`LIVE_ONLY`] record.
    pub(crate) fn new(root: &HostRoot, opts: &ProcOptions) -> Result<Self, ErrorRecord> {
        if root.is_live() {
            Ok(ProcFs {
                proc: PathBuf::from("/proc"),
                sys: PathBuf::from("/sys"),
                live: true,
            })
        } else if opts.captured {
            Ok(ProcFs {
                proc: root.host_path("/proc"),
                sys: root.host_path("/sys"),
                live: false,
            })
        } else {
            Err(ErrorRecord::from(&Error::LiveOnly {
                root: root.path().to_path_buf(),
            }))
        }
    }

    /// `/proc/<pid>`.
    pub(crate) fn pid_dir(&self, pid: i32) -> PathBuf {
        self.proc.join(pid.to_string())
    }

    /// `/proc/<rel>`.
    pub(crate) fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.proc.join(rel)
    }
}

/// The record a cancelled call adds to its errors.
pub(crate) fn cancelled() -> ErrorRecord {
    ErrorRecord::from(&Error::Core(ferret_core::Error::Cancelled))
}

/// A parse error about `path`, as a record.
pub(crate) fn parse_error(path: &Path, e: parse::LineError) -> ErrorRecord {
    ErrorRecord::from(&Error::Parse {
        path: path.to_path_buf(),
        line: e.line,
        message: e.message,
    })
}

/// Sleeps `d`, waking every 10 ms to look at the cancellation token. False when cancelled.
pub(crate) fn sleep(d: Duration, control: &Control) -> bool {
    const STEP: Duration = Duration::from_millis(10);
    let end = Instant::now() + d;
    loop {
        if control.is_cancelled() {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(STEP));
    }
}

/// A result holding only the error record `e` (live-only, or cancelled before the start).
fn only_error<T: Default>(
    e: ErrorRecord,
    errors: impl FnOnce(&mut T) -> &mut Vec<ErrorRecord>,
) -> T {
    let mut t = T::default();
    errors(&mut t).push(e);
    t
}

/// Reads every process (see [`Process`]). Never fails as a whole: unreadable parts are in
/// [`Snapshot::errors`]. Cancellation is checked per process (the processes read so far are
/// kept); `max_threads` bounds the pool.
pub fn snapshot_root(root: &HostRoot, opts: &ProcOptions, control: &Control) -> Snapshot {
    match ProcFs::new(root, opts) {
        Ok(fs) => process::snapshot(&fs, opts, control),
        Err(e) => only_error(e, |s: &mut Snapshot| &mut s.errors),
    }
}

/// Reads the sockets and their owners (see [`sockets`]).
pub fn sockets_root(root: &HostRoot, opts: &SocketOptions, control: &Control) -> SocketTable {
    match ProcFs::new(root, &opts.proc) {
        Ok(fs) => sockets::sockets(&fs, opts, control),
        Err(e) => only_error(e, |t: &mut SocketTable| &mut t.errors),
    }
}

/// Samples every process twice, [`CpuOptions::interval`] apart, and returns the CPU percentage
/// of each process alive at both reads (same pid and start time). The wait ends early, with a
/// `cancelled` error record and no samples, when the control is cancelled.
pub fn cpu_usage_root(root: &HostRoot, opts: &CpuOptions, control: &Control) -> CpuUsage {
    match ProcFs::new(root, &opts.proc) {
        Ok(fs) => cpu::cpu_usage(&fs, opts.interval, control),
        Err(e) => only_error(e, |c: &mut CpuUsage| &mut c.errors),
    }
}

/// Reads `/proc/modules` and the loadable modules of `/sys/module`.
pub fn modules_root(root: &HostRoot, opts: &ProcOptions, control: &Control) -> ModuleList {
    match ProcFs::new(root, opts) {
        Ok(_) if control.is_cancelled() => {
            only_error(cancelled(), |m: &mut ModuleList| &mut m.errors)
        }
        Ok(fs) => modules::modules(&fs),
        Err(e) => only_error(e, |m: &mut ModuleList| &mut m.errors),
    }
}

/// Reads and decodes `/proc/sys/kernel/tainted`.
pub fn kernel_taint_root(
    root: &HostRoot,
    opts: &ProcOptions,
    control: &Control,
) -> Result<Taint, ErrorRecord> {
    let fs = ProcFs::new(root, opts)?;
    if control.is_cancelled() {
        return Err(cancelled());
    }
    modules::kernel_taint(&fs)
}

/// Runs the process, socket, CPU (when an interval is set) and taint checks. On a root that is
/// not live (and not [`ProcOptions::captured`]): one error record, [`LIVE_ONLY`]. Cancellation
/// is checked between the parts and inside each; what was found before is kept.
pub fn suspicious_root(root: &HostRoot, opts: &SuspiciousOptions, control: &Control) -> Outcome {
    let fs = match ProcFs::new(root, &opts.proc) {
        Ok(fs) => fs,
        Err(e) => return only_error(e, |o: &mut Outcome| &mut o.errors),
    };
    let mut out = Outcome::new();
    let snap = process::snapshot(&fs, &opts.proc, control);
    out.errors.extend(snap.errors.iter().cloned());
    out.findings.extend(suspicious::check_processes(&snap));
    if opts.sockets && !control.is_cancelled() {
        let so = SocketOptions {
            proc: opts.proc.clone(),
            ..SocketOptions::default()
        };
        let t = sockets::sockets(&fs, &so, control);
        out.errors.extend(t.errors.iter().cloned());
        out.findings
            .extend(suspicious::check_sockets(&snap, &t, opts));
    }
    if let (Some(iv), false) = (opts.cpu_interval, control.is_cancelled()) {
        let c = cpu::cpu_usage(&fs, iv, control);
        out.errors.extend(c.errors.iter().cloned());
        out.findings
            .extend(suspicious::check_cpu(&c, opts.cpu_threshold));
    }
    if opts.modules && !control.is_cancelled() {
        let m = modules::modules(&fs);
        out.errors.extend(m.errors.iter().cloned());
        let taint = match modules::kernel_taint(&fs) {
            Ok(t) => Some(t),
            Err(e) => {
                out.errors.push(e);
                None
            }
        };
        out.findings
            .extend(suspicious::check_taint(taint.as_ref(), &m));
    }
    finish(out, control)
}

/// Unhide-style probes: hidden pids, hidden modules, and (opt-in) hidden ports. On a root that
/// is not live (and not [`ProcOptions::captured`]): one error record, [`LIVE_ONLY`]. The pid and
/// port probes ask the running kernel, so on a captured `/proc` only the module comparison is
/// made (an error record says the probes were not run). Cancellation is checked per probed pid
/// and port and during the re-check pause; what was found before is kept.
pub fn hidden_root(root: &HostRoot, opts: &HiddenOptions, control: &Control) -> Outcome {
    let fs = match ProcFs::new(root, &opts.proc) {
        Ok(fs) => fs,
        Err(e) => return only_error(e, |o: &mut Outcome| &mut o.errors),
    };
    let mut out = Outcome::new();
    if opts.modules && !control.is_cancelled() {
        hidden::hidden_modules(&fs, &mut out);
    }
    if (opts.probe_pids || opts.probe_ports) && !fs.live {
        out.errors.push(ErrorRecord::new(
            Some(std::os::unix::ffi::OsStrExt::as_bytes(fs.proc.as_os_str())),
            None,
            "a captured /proc: the hidden-pid and hidden-port probes ask the running kernel and were not run",
        ));
    } else {
        if opts.probe_pids && !control.is_cancelled() {
            hidden::hidden_pids(&fs, opts, control, &mut out);
        }
        if opts.probe_ports && !control.is_cancelled() {
            hidden::hidden_ports(&fs, opts, control, &mut out);
        }
    }
    finish(out, control)
}

/// Sorts, and says once that the call was cancelled (its parts may each have said so).
fn finish(mut out: Outcome, control: &Control) -> Outcome {
    let c = cancelled();
    out.errors.retain(|e| *e != c);
    if control.is_cancelled() {
        out.errors.push(c);
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
    }

    /// Netlink `sock_diag` replies (inet and unix layouts).
    pub fn sock_diag(data: &[u8]) {
        let _ = crate::netlink::parse(data, false);
        let _ = crate::netlink::parse(data, true);
    }
}
