//! The process snapshot: one record per `/proc/<pid>`, read through a held directory descriptor.

use crate::parse::{self, Ids};
use crate::{ProcFs, ProcOptions};
use ferret_core::{Control, ErrorRecord};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::{fstat, fstatat, Mode};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Caps for the per-process files (a hostile process can make its argv or environment huge).
const CMDLINE_CAP: u64 = 256 << 10;
const ENVIRON_CAP: u64 = 1 << 20;
const SMALL_CAP: u64 = 64 << 10;
/// `PF_KTHREAD` in `/proc/<pid>/stat` flags.
const PF_KTHREAD: u32 = 0x0020_0000;
/// The namespaces recorded per process.
pub const NAMESPACES: [&str; 8] = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"];
/// The environment variables recorded when `environ` is readable.
pub const ENV_VARS: [&str; 2] = ["LD_PRELOAD", "LD_LIBRARY_PATH"];

/// One process.
///
/// Byte fields (`comm`, `cmdline`, paths, environment values) keep the exact bytes; with the
/// `serde` feature they serialise as escaped strings ([`ferret_core::escaped`]) and deserialise
/// back to the same bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Process {
    /// Process id.
    pub pid: i32,
    /// Parent process id.
    pub ppid: i32,
    /// User ids (real, effective, saved, filesystem).
    pub uid: Ids,
    /// Group ids.
    pub gid: Ids,
    /// `comm` (the kernel's 15-byte name).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub comm: Vec<u8>,
    /// Arguments (empty for kernel threads and zombies).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub cmdline: Vec<Vec<u8>>,
    /// Executable path as the kernel shows it, without the ` (deleted)` suffix when the
    /// deletion was verified. `None` for kernel threads or when unreadable.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub exe: Option<Vec<u8>>,
    /// The executable was unlinked (the ` (deleted)` suffix checked against the inode).
    pub exe_deleted: bool,
    /// The executable is a `memfd:` file (fileless execution).
    pub exe_memfd: bool,
    /// Working directory.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub cwd: Option<Vec<u8>>,
    /// Root directory (`/` unless chrooted).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub root: Option<Vec<u8>>,
    /// State letter (`R`, `S`, `D`, `Z`, `T`, `I` ...).
    pub state: char,
    /// Thread count.
    pub threads: u32,
    /// Start time, clock ticks after boot.
    pub start_ticks: u64,
    /// Start time, seconds since the Unix epoch (boot time + start ticks), when known.
    pub start_time: Option<i64>,
    /// User CPU time, clock ticks.
    pub utime: u64,
    /// System CPU time, clock ticks.
    pub stime: u64,
    /// Resident set size in bytes.
    pub rss_bytes: u64,
    /// Controlling terminal device number (0: none).
    pub tty_nr: i32,
    /// Session id.
    pub session: i32,
    /// Process group id.
    pub pgrp: i32,
    /// Namespace inode per type (`net`, `pid`, `mnt` ...).
    pub namespaces: BTreeMap<String, u64>,
    /// `/proc/<pid>/cgroup`, one entry per line (`0::/system.slice/ssh.service`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub cgroup: Vec<Vec<u8>>,
    /// Selected environment variables ([`ENV_VARS`]) when `environ` was readable.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::map"))]
    pub env: BTreeMap<String, Vec<u8>>,
    /// Whether `environ` could be read (false: the environment is unknown, not empty).
    pub env_readable: bool,
    /// A kernel thread (`PF_KTHREAD`).
    pub kernel_thread: bool,
    /// Some fields could not be read (permission, or the process exited mid-read); see
    /// `missing`.
    pub partial: bool,
    /// Names of the fields that could not be read.
    pub missing: Vec<String>,
}

impl Process {
    /// The name `ps` would show: the command line joined by spaces, or `[comm]` when empty.
    pub fn display_name(&self) -> Vec<u8> {
        if self.cmdline.is_empty() {
            let mut v = b"[".to_vec();
            v.extend_from_slice(&self.comm);
            v.push(b']');
            v
        } else {
            self.cmdline.join(&b' ')
        }
    }

    /// The basename of the executable, if known.
    pub fn exe_name(&self) -> Option<&[u8]> {
        let e = self.exe.as_deref()?;
        e.rsplit(|b| *b == b'/').next()
    }
}

/// A process snapshot: the records read, and the errors met beside them.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Snapshot {
    /// Processes, sorted by pid.
    pub processes: Vec<Process>,
    /// What could not be read (never fatal for the whole snapshot).
    pub errors: Vec<ErrorRecord>,
    /// Processes listed but gone before they could be read (dropped from `processes`).
    pub exited: usize,
    /// Boot time (seconds since the epoch), when `/proc/stat` was readable.
    pub boot_time: Option<i64>,
    /// Clock ticks per second used for the time fields.
    pub clock_ticks: u64,
}

impl Snapshot {
    /// The process with this pid.
    pub fn get(&self, pid: i32) -> Option<&Process> {
        self.processes
            .binary_search_by_key(&pid, |p| p.pid)
            .ok()
            .and_then(|i| self.processes.get(i))
    }
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`, 100 on every Linux in practice).
pub fn clock_ticks() -> u64 {
    procfs::ticks_per_second()
}

/// The numeric entries of the proc root, sorted.
pub(crate) fn list_pids(proc_root: &Path) -> Result<Vec<i32>, ErrorRecord> {
    let dir = ferret_core::DirHandle::open_path(proc_root, proc_root)
        .map_err(|e| ErrorRecord::from(&e))?;
    let ents = dir.entries().map_err(|e| ErrorRecord::from(&e))?;
    let mut v: Vec<i32> = ents
        .iter()
        .filter_map(|e| {
            let n = e.name.as_bytes();
            if n.first().is_some_and(u8::is_ascii_digit) {
                std::str::from_utf8(n).ok()?.parse().ok()
            } else {
                None
            }
        })
        .collect();
    v.sort_unstable();
    Ok(v)
}

/// Reads at most `cap` bytes. Starts with a 4 KiB buffer (most `/proc` files fit, so one
/// `read` plus the end-of-file `read`, not the small probing reads of `read_to_end`).
pub(crate) fn read_limited(r: impl Read, cap: u64) -> std::io::Result<Vec<u8>> {
    read_proc(r, cap, false)
}

/// [`read_limited`]; with `single`, a short first read is taken as the whole file: `seq_file`
/// pseudo-files (`stat`, `status`, `cgroup`) return all their content in one `read` when the
/// buffer is large enough, which saves the end-of-file `read` per file per process.
pub(crate) fn read_proc(mut r: impl Read, cap: u64, single: bool) -> std::io::Result<Vec<u8>> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; cap.min(4096)];
    let mut len = 0usize;
    loop {
        if len == buf.len() {
            if len >= cap {
                break;
            }
            buf.resize(len.saturating_mul(2).min(cap).max(len + 1), 0);
        }
        let Some(spare) = buf.get_mut(len..) else {
            break;
        };
        let room = spare.len();
        let n = match r.read(spare) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        len += n;
        if single && n < room {
            break;
        }
    }
    buf.truncate(len);
    Ok(buf)
}

fn io_gone(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(Errno::ESRCH as i32)
}

/// A process directory held open: reads through it cannot reach a different process that
/// reused the pid (they fail with `ESRCH` instead).
///
/// Plain `openat` (nix) and `readlinkat` into a stack buffer (rustix: nix returns a new
/// `OsString` per link) relative to an `O_PATH` descriptor of `/proc/<pid>`, without building a
/// path per file: the path is only joined for an error message, worded as `procfs` words it.
pub(crate) struct Handle {
    fd: std::os::fd::OwnedFd,
    pub(crate) path: PathBuf,
}

pub(crate) enum ReadErr {
    Gone,
    Other(std::io::Error),
}

impl ReadErr {
    /// An `open`/`readlink` failure on `path`: gone when the process exited (`ENOENT`,
    /// `ESRCH`), otherwise the error as `procfs::ProcError` displays it.
    fn of(path: PathBuf, e: std::io::Error) -> Self {
        if io_gone(&e) {
            return ReadErr::Gone;
        }
        let pe = if e.kind() == std::io::ErrorKind::PermissionDenied {
            procfs::ProcError::PermissionDenied(Some(path))
        } else {
            procfs::ProcError::Io(e, Some(path))
        };
        ReadErr::Other(std::io::Error::other(pe.to_string()))
    }
}

impl Handle {
    pub(crate) fn open(fs: &ProcFs, pid: i32) -> Result<Self, ReadErr> {
        let path = fs.pid_dir(pid);
        match nix::fcntl::openat(
            nix::fcntl::AT_FDCWD,
            path.as_path(),
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Ok(Handle { fd, path }),
            Err(e) => Err(ReadErr::of(path, e.into())),
        }
    }

    pub(crate) fn read(&self, name: &str, cap: u64) -> Result<Vec<u8>, ReadErr> {
        // `cmdline` and `environ` also fill the whole buffer unless the data ends: the kernel
        // copies the argument (environment) area in a loop until the request is satisfied,
        // the area ends, or a page cannot be read (where another `read` would return 0).
        self.read_mode(
            name,
            cap,
            matches!(name, "stat" | "status" | "cgroup" | "cmdline" | "environ"),
        )
    }

    fn read_mode(&self, name: &str, cap: u64, single: bool) -> Result<Vec<u8>, ReadErr> {
        let f = self.open_dir(name)?;
        read_proc(f, cap, single).map_err(|e| {
            if io_gone(&e) {
                ReadErr::Gone
            } else {
                ReadErr::Other(e)
            }
        })
    }

    /// Opens `name` (a file or directory) read-only relative to the held directory.
    pub(crate) fn open_dir(&self, name: &str) -> Result<std::fs::File, ReadErr> {
        match nix::fcntl::openat(
            &self.fd,
            name,
            OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => Ok(std::fs::File::from(fd)),
            Err(e) => Err(ReadErr::of(self.path.join(name), e.into())),
        }
    }

    /// The target of a link (`exe`, `cwd`, `root`, `ns/net` ...) relative to the held
    /// directory; a stack buffer first, a growing one for targets longer than a page.
    fn link(&self, name: &str) -> Option<Vec<u8>> {
        let mut buf = [0u8; 4096];
        let n = rustix::fs::readlinkat_raw(&self.fd, name, &mut buf).ok()?;
        if n < buf.len() {
            return buf.get(..n).map(<[u8]>::to_vec);
        }
        rustix::fs::readlinkat(&self.fd, name, Vec::new())
            .ok()
            .map(std::ffi::CString::into_bytes)
    }
}

pub(crate) struct Ctx {
    pub(crate) clk: u64,
    pub(crate) page: u64,
    pub(crate) btime: Option<i64>,
    pub(crate) live: bool,
}

impl Ctx {
    pub(crate) fn new(fs: &ProcFs) -> (Self, Option<ErrorRecord>) {
        let (btime, err) = match boot_time(fs) {
            Ok(b) => (Some(b), None),
            Err(e) => (None, Some(e)),
        };
        (
            Ctx {
                clk: clock_ticks().max(1),
                page: procfs::page_size(),
                btime,
                live: fs.live,
            },
            err,
        )
    }
}

/// Boot time (seconds since the epoch) from `/proc/stat`, through `procfs`'s parser: the file is
/// the kernel's own text, read once per snapshot (about 3 µs: not worth a parser of our own).
fn boot_time(fs: &ProcFs) -> Result<i64, ErrorRecord> {
    use procfs::FromReadSI;
    let path = fs.path("stat");
    let rec = |m: String| ErrorRecord::new(Some(path.as_os_str().as_bytes()), None, m);
    let buf = std::fs::File::open(&path)
        .and_then(|f| read_limited(f, 1 << 20))
        .map_err(|e| rec(e.to_string()))?;
    let info = procfs::ExplicitSystemInfo {
        boot_time_secs: 0,
        ticks_per_second: clock_ticks(),
        page_size: procfs::page_size(),
        is_little_endian: cfg!(target_endian = "little"),
    };
    let stats = procfs::KernelStats::from_read(&buf[..], &info).map_err(|e| rec(e.to_string()))?;
    i64::try_from(stats.btime).map_err(|_| rec(format!("btime {} out of range", stats.btime)))
}

#[allow(clippy::many_single_char_names)] // h(andle), p(rocess), st(at), e(rror), b(uffer): local and short-lived.
/// Reads one process. `Ok(None)`: it exited before its `stat` could be read (dropped).
pub(crate) fn read_process(
    fs: &ProcFs,
    opts: &ProcOptions,
    ctx: &Ctx,
    pid: i32,
    errors: &mut Vec<ErrorRecord>,
) -> Option<Process> {
    let h = match Handle::open(fs, pid) {
        Ok(h) => h,
        Err(ReadErr::Gone) => return None,
        Err(ReadErr::Other(e)) => {
            errors.push(ErrorRecord::new(
                Some(fs.pid_dir(pid).as_os_str().as_bytes()),
                None,
                e.to_string(),
            ));
            return None;
        }
    };
    let path_of = |n: &str| h.path.join(n).into_os_string().into_vec();
    let stat_buf = match h.read("stat", SMALL_CAP) {
        Ok(b) => b,
        Err(ReadErr::Gone) => return None,
        Err(ReadErr::Other(e)) => {
            errors.push(ErrorRecord::new(
                Some(&path_of("stat")),
                None,
                e.to_string(),
            ));
            return None;
        }
    };
    let st = match parse::stat(&stat_buf) {
        Ok(s) => s,
        Err(e) => {
            errors.push(crate::parse_error(&h.path.join("stat"), e));
            return None;
        }
    };
    let mut p = Process {
        pid,
        ppid: st.ppid,
        comm: st.comm,
        state: st.state,
        threads: u32::try_from(st.num_threads).unwrap_or(0),
        start_ticks: st.starttime,
        start_time: ctx
            .btime
            .map(|b| b.saturating_add((st.starttime / ctx.clk) as i64)),
        utime: st.utime,
        stime: st.stime,
        rss_bytes: u64::try_from(st.rss).unwrap_or(0).saturating_mul(ctx.page),
        tty_nr: st.tty_nr,
        session: st.session,
        pgrp: st.pgrp,
        kernel_thread: st.flags & PF_KTHREAD != 0,
        ..Process::default()
    };
    let mut missing: Vec<&str> = Vec::new();
    let mut exited = false;
    match h.read("status", SMALL_CAP) {
        Ok(b) => {
            let (s, errs) = parse::status(&b);
            for e in errs {
                errors.push(crate::parse_error(&h.path.join("status"), e));
            }
            match (s.uid, s.gid) {
                (Some(u), Some(g)) => {
                    p.uid = u;
                    p.gid = g;
                }
                _ => missing.push("ids"),
            }
            if let Some(t) = s.threads {
                p.threads = t;
            }
        }
        Err(e) => {
            exited |= matches!(e, ReadErr::Gone);
            missing.push("ids");
        }
    }
    match h.read("cmdline", CMDLINE_CAP) {
        Ok(b) => p.cmdline = parse::nul_split(&b),
        Err(e) => {
            exited |= matches!(e, ReadErr::Gone);
            missing.push("cmdline");
        }
    }
    if !p.kernel_thread {
        match h.link("exe") {
            Some(exe) => {
                let (exe, deleted) = verify_exe(&h, exe, ctx.live);
                p.exe_memfd = exe.starts_with(b"/memfd:");
                p.exe_deleted = deleted;
                p.exe = Some(exe);
            }
            None => missing.push("exe"),
        }
        match h.link("cwd") {
            Some(v) => p.cwd = Some(v),
            None => missing.push("cwd"),
        }
        match h.link("root") {
            Some(v) => p.root = Some(v),
            None => missing.push("root"),
        }
    }
    match h.open_dir("ns") {
        Ok(d) => {
            // `net:[4026531840]`: a stack buffer, no allocation per link.
            let mut buf = [0u8; 64];
            for ns in NAMESPACES {
                if let Ok(n) = rustix::fs::readlinkat_raw(&d, ns, &mut buf) {
                    if let Some(i) = buf.get(..n).filter(|_| n < 64).and_then(parse::ns_inode) {
                        p.namespaces.insert(ns.to_owned(), i);
                    }
                }
            }
        }
        Err(e) => {
            exited |= matches!(e, ReadErr::Gone);
            missing.push("namespaces");
        }
    }
    match h.read("cgroup", SMALL_CAP) {
        Ok(b) => {
            p.cgroup = b
                .split(|c| *c == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect();
        }
        Err(e) => {
            exited |= matches!(e, ReadErr::Gone);
            missing.push("cgroup");
        }
    }
    if opts.environment && !p.kernel_thread {
        match h.read("environ", ENVIRON_CAP) {
            Ok(b) => {
                p.env_readable = true;
                for v in ENV_VARS {
                    if let Some(val) = parse::env_var(&b, v.as_bytes()) {
                        p.env.insert(v.to_owned(), val.to_vec());
                    }
                }
            }
            Err(e) => {
                exited |= matches!(e, ReadErr::Gone);
                missing.push("environ");
            }
        }
    }
    // Zombies have no cmdline, exe or environment: that is their state, not a read failure.
    if p.state == 'Z' || p.state == 'X' {
        missing.retain(|m| *m == "ids");
    }
    if exited {
        missing.push("exited");
    }
    p.partial = !missing.is_empty();
    p.missing = missing.into_iter().map(str::to_owned).collect();
    Some(p)
}

/// Checks a `(deleted)` exe link against the inode, as osquery does: the link text alone is not
/// proof (a file may really be named `x (deleted)`). Returns the path (suffix stripped when the
/// deletion holds) and whether it was deleted.
fn verify_exe(h: &Handle, exe: Vec<u8>, live: bool) -> (Vec<u8>, bool) {
    const SUFFIX: &[u8] = b" (deleted)";
    let Some(stripped) = exe.strip_suffix(SUFFIX) else {
        return (exe, false);
    };
    let stripped = stripped.to_vec();
    if !live {
        // A fixture or copied tree: the inode cannot be checked; trust the kernel's marker.
        return (stripped, true);
    }
    // The inode the process runs.
    let Ok(run) = h
        .open_dir("exe")
        .map_err(|_| ())
        .and_then(|f| fstat(&f).map_err(|_| ()))
    else {
        return (stripped, true);
    };
    // The path as written, looked up inside the process's own root.
    let Ok(root) = h.open_dir("root") else {
        return (stripped, true);
    };
    let rel = OsStr::from_bytes(exe.strip_prefix(b"/").unwrap_or(&exe));
    match fstatat(root.as_fd(), rel, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Ok(on_disk) if on_disk.st_dev == run.st_dev && on_disk.st_ino == run.st_ino => (exe, false),
        _ => (stripped, true),
    }
}

/// Reads every process under the proc root. Cancellation is checked before each process; the
/// processes read before it are kept and a `cancelled` record is added.
pub(crate) fn snapshot(fs: &ProcFs, opts: &ProcOptions, control: &Control) -> Snapshot {
    // `None`: not read (cancelled first).
    type Read = Option<(Option<Process>, Vec<ErrorRecord>)>;
    let (ctx, err) = Ctx::new(fs);
    let mut snap = Snapshot {
        boot_time: ctx.btime,
        clock_ticks: ctx.clk,
        ..Snapshot::default()
    };
    snap.errors.extend(err);
    let pids = match list_pids(&fs.proc) {
        Ok(p) => p,
        Err(e) => {
            snap.errors.push(e);
            return snap;
        }
    };
    let read = |pid: &i32| -> Read {
        if control.is_cancelled() {
            return None;
        }
        let mut errs = Vec::new();
        let p = read_process(fs, opts, &ctx, *pid, &mut errs);
        Some((p, errs))
    };
    #[cfg(feature = "parallel")]
    let results: Vec<Read> = if opts.parallel {
        use rayon::prelude::*;
        control.install(|| pids.par_iter().with_min_len(32).map(read).collect())
    } else {
        pids.iter().map(read).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let results: Vec<Read> = pids.iter().map(read).collect();
    for (p, errs) in results.into_iter().flatten() {
        match p {
            Some(p) => snap.processes.push(p),
            // Dropped without an error: it exited between the listing and its `stat`.
            None if errs.is_empty() => snap.exited += 1,
            None => {}
        }
        snap.errors.extend(errs);
    }
    if control.is_cancelled() {
        snap.errors.push(crate::cancelled());
    }
    snap
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A held `/proc/<pid>` descriptor never reads another process: once its process is gone,
    /// reads fail (`ESRCH`) even if the pid were reused.
    #[test]
    fn held_handle_does_not_outlive_its_process() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let fs = ProcFs::new(&ferret_core::HostRoot::live(), &ProcOptions::default()).unwrap();
        let h = Handle::open(&fs, pid).ok().unwrap();
        assert!(h.read("stat", 4096).is_ok());
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(matches!(h.read("stat", 4096), Err(ReadErr::Gone)));
        assert!(h.link("exe").is_none());
    }

    #[test]
    fn read_proc_single_and_growing() {
        let data = vec![7u8; 10_000];
        assert_eq!(read_proc(&data[..], 1 << 20, false).unwrap(), data);
        assert_eq!(read_proc(&data[..], 100, false).unwrap().len(), 100);
        assert_eq!(read_proc(&b"abc"[..], 1 << 20, true).unwrap(), b"abc");
        assert!(read_proc(&b""[..], 10, false).unwrap().is_empty());
    }
}
