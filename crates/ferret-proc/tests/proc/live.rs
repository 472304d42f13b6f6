//! Live tests: compare with `ps`, `ss` and `lsmod`, and plant what the checks detect (cleaned up
//! on drop). They run as any user; the planted checks need to read the children's `environ`,
//! which a user can for their own processes.

use super::{ctl, socket_opts};
use ferret_core::HostRoot;
use ferret_proc::{
    cpu_usage_root, hidden_root, modules_root, snapshot_root, sockets_root, suspicious_root,
    CpuOptions, HiddenOptions, ProcOptions, Proto, SocketOptions, SuspiciousOptions,
};

/// A snapshot of this host.
fn snapshot() -> ferret_proc::Snapshot {
    snapshot_root(&HostRoot::live(), &ProcOptions::default(), &ctl())
}

/// The sockets of this host, with the default options changed by `set`.
fn sockets(set: impl FnOnce(&mut SocketOptions)) -> ferret_proc::SocketTable {
    sockets_root(
        &HostRoot::live(),
        &socket_opts(&ProcOptions::default(), set),
        &ctl(),
    )
}

/// The hidden-object probes on this host, with the default options changed by `set`.
fn hidden(set: impl FnOnce(&mut HiddenOptions)) -> ferret_core::Outcome {
    let mut o = HiddenOptions::default();
    set(&mut o);
    hidden_root(&HostRoot::live(), &o, &ctl())
}
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child killed and reaped on drop.
struct Guard(Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
impl Guard {
    fn pid(&self) -> i32 {
        self.0.id() as i32
    }
}

fn tool(cmd: &str, args: &[&str]) -> Option<String> {
    match Command::new(cmd).args(args).output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!(
            "{cmd} {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
            eprintln!("skipped: {cmd} not installed (CI installs it from .ci/packages.txt)");
            None
        }
        Err(e) => panic!("{cmd}: {e}"),
    }
}

/// Waits until `/proc/<pid>/exe` is `want` (the child has exec'd).
fn wait_exec(pid: i32, want: &Path) {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        if std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == want) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("pid {pid} did not exec {}", want.display());
}

fn sleep_bin() -> PathBuf {
    std::fs::canonicalize("/usr/bin/sleep")
        .or_else(|_| std::fs::canonicalize("/bin/sleep"))
        .unwrap()
}

/// `ps -e` and two snapshots around it: every process alive across both snapshots is in `ps`,
/// and every `ps` pid is in a snapshot or gone by now (it started and ended in between, like
/// `ps` itself). ppid, uid and comm agree for the stable ones.
#[test]
fn pids_match_ps() {
    let a = snapshot();
    let Some(out) = tool("ps", &["-e", "-o", "pid=,ppid=,uid=,comm="]) else {
        return;
    };
    let b = snapshot();
    let mut ps: BTreeMap<i32, (i32, u32, String)> = BTreeMap::new();
    for l in out.lines() {
        let mut f = l.split_whitespace();
        let pid = f.next().unwrap().parse().unwrap();
        let ppid = f.next().unwrap().parse().unwrap();
        let uid = f.next().unwrap().parse().unwrap();
        let comm = f.collect::<Vec<_>>().join(" ");
        ps.insert(pid, (ppid, uid, comm));
    }
    assert!(ps.len() > 3);
    let mut compared = 0;
    for p in &a.processes {
        let Some(q) = b.get(p.pid).filter(|q| q.start_ticks == p.start_ticks) else {
            continue;
        };
        let (ppid, uid, comm) = ps
            .get(&p.pid)
            .unwrap_or_else(|| panic!("pid {} alive throughout but not in ps", p.pid));
        if q.ppid == p.ppid {
            assert_eq!(*ppid, p.ppid, "ppid of {}", p.pid);
        }
        assert_eq!(*uid, p.uid.effective, "uid of {}", p.pid);
        // Kernel workers rename themselves all the time (kworker/0:2-events -> -mm_percpu_wq).
        if !p.kernel_thread && p.comm.iter().all(u8::is_ascii_graphic) && p.comm == q.comm {
            assert_eq!(comm.as_bytes(), p.comm.as_slice(), "comm of {}", p.pid);
        }
        compared += 1;
    }
    for pid in ps.keys() {
        let seen = a.get(*pid).is_some() || b.get(*pid).is_some();
        assert!(
            seen || !Path::new(&format!("/proc/{pid}")).exists(),
            "ps shows {pid}, alive now, but no snapshot had it"
        );
    }
    assert!(compared * 10 >= ps.len() * 8, "{compared} of {}", ps.len());
}

/// `ps -e --forest` shape: the same depth for every process stable across both reads, and the
/// same order among the children of each parent (roots that start in the same clock tick, like
/// `init` and `kthreadd`, may come in either order).
#[test]
fn forest_matches_ps() {
    let a = snapshot();
    let Some(out) = tool("ps", &["-e", "--forest", "-o", "pid=,ppid=,args="]) else {
        return;
    };
    let b = snapshot();
    let stable: BTreeSet<i32> = a
        .processes
        .iter()
        .filter(|p| {
            b.get(p.pid)
                .is_some_and(|q| q.start_ticks == p.start_ticks && q.ppid == p.ppid)
        })
        .map(|p| p.pid)
        .collect();
    // ps draws a child as "\_ " after 4 columns per level; depth = column / 4 + 1.
    let mut theirs: Vec<(i32, i32, usize)> = Vec::new();
    for l in out.lines() {
        let mut it = l.split_whitespace();
        let (Some(pid), Some(ppid)) = (it.next(), it.next()) else {
            continue;
        };
        let (Ok(pid), Ok(ppid)) = (pid.parse::<i32>(), ppid.parse::<i32>()) else {
            continue;
        };
        let rest = &l[l.find(&format!(" {ppid} ")).unwrap() + ppid.to_string().len() + 2..];
        let depth = rest.find("\\_ ").map_or(0, |i| i / 4 + 1);
        if stable.contains(&pid) {
            theirs.push((pid, ppid, depth));
        }
    }
    let rows = ferret_proc::forest(&a);
    let ours: BTreeMap<i32, usize> = rows.iter().map(|r| (r.pid, r.depth)).collect();
    let mut compared = 0;
    for (pid, _, depth) in &theirs {
        assert_eq!(ours.get(pid), Some(depth), "depth of {pid}");
        compared += 1;
    }
    assert!(compared > 3);
    let order = |v: Vec<(i32, i32)>| -> BTreeMap<i32, Vec<i32>> {
        let mut m: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
        for (pid, ppid) in v {
            if ppid > 1 {
                m.entry(ppid).or_default().push(pid);
            }
        }
        m
    };
    let theirs_o = order(theirs.iter().map(|t| (t.0, t.1)).collect());
    let ours_o = order(
        rows.iter()
            .filter(|r| theirs.iter().any(|t| t.0 == r.pid))
            .map(|r| (r.pid, r.ppid))
            .collect(),
    );
    assert_eq!(ours_o, theirs_o);
}

fn ss_listeners() -> Option<BTreeSet<(u16, Vec<i32>)>> {
    let out = tool("ss", &["-tlnpH"])?;
    Some(
        out.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let local = f.get(3)?;
                let port = local.rsplit(':').next()?.parse().ok()?;
                let mut pids: Vec<i32> = l
                    .match_indices("pid=")
                    .filter_map(|(i, _)| {
                        l[i + 4..]
                            .split(|c: char| !c.is_ascii_digit())
                            .next()?
                            .parse()
                            .ok()
                    })
                    .collect();
                pids.sort_unstable();
                pids.dedup();
                Some((port, pids))
            })
            .collect(),
    )
}

fn our_listeners() -> BTreeSet<(u16, Vec<i32>)> {
    let t = sockets(|o| {
        o.protocols = [Proto::Tcp, Proto::Tcp6].into();
        o.listening_only = true;
        o.all_namespaces = false;
    });
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    t.sockets
        .iter()
        .map(|s| (s.local_port().unwrap(), s.pids()))
        .collect()
}

/// Every listening TCP socket and its pids equal `ss -tlnp` (with our own listener planted).
#[test]
fn listeners_match_ss() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let a = our_listeners();
    let Some(ss) = ss_listeners() else { return };
    let b = our_listeners();
    assert!(
        ss.contains(&(port, vec![std::process::id() as i32])),
        "{ss:?}"
    );
    assert!(
        a.contains(&(port, vec![std::process::id() as i32])),
        "{a:?}"
    );
    for x in &ss {
        assert!(
            a.contains(x) || b.contains(x),
            "ss has {x:?}; ours {a:?} / {b:?}"
        );
    }
    for x in a.intersection(&b) {
        assert!(ss.contains(x), "we have {x:?}, ss does not: {ss:?}");
    }
    // netlink and /proc/net agree (other tests open listeners concurrently: retry until two
    // back-to-back reads see the same moment).
    let key = |t: &ferret_proc::SocketTable| -> BTreeSet<(Option<std::net::SocketAddr>, u64)> {
        t.sockets
            .iter()
            .filter(|s| s.listening)
            .map(|s| (s.local, s.inode))
            .collect()
    };
    let mut agreed = false;
    for _ in 0..20 {
        let nl = sockets(|o| {
            o.protocols = [Proto::Tcp].into();
            o.netlink = true;
        });
        let pn = sockets(|o| {
            o.protocols = [Proto::Tcp].into();
            o.netlink = false;
        });
        assert!(key(&nl).contains(&(Some(l.local_addr().unwrap()), inode_of(&l))));
        assert!(nl
            .sources
            .iter()
            .any(|s| s.2 == ferret_proc::Source::SockDiag));
        assert!(pn
            .sources
            .iter()
            .all(|s| s.2 == ferret_proc::Source::ProcNet));
        if key(&nl) == key(&pn) {
            agreed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(agreed, "sock_diag and /proc/net never agreed");
}

fn inode_of(l: &std::net::TcpListener) -> u64 {
    use std::os::fd::AsRawFd;
    let t = std::fs::read_link(format!("/proc/self/fd/{}", l.as_raw_fd())).unwrap();
    ferret_proc::parse::socket_inode(t.as_os_str().as_encoded_bytes()).unwrap()
}

/// `lsmod` lists the same modules; on a kernel without module support there is no
/// `/proc/modules`, and we say so instead of reporting an empty list as a clean one.
#[test]
fn modules_match_lsmod() {
    let m = modules_root(&HostRoot::live(), &ProcOptions::default(), &ctl());
    let exists = Path::new("/proc/modules").exists();
    assert_eq!(m.available, exists);
    if !exists {
        eprintln!("/proc/modules does not exist on this kernel (CONFIG_MODULES=n or a container): lsmod would fail too");
        let h = hidden(|o| o.probe_pids = false);
        assert!(h
            .errors
            .iter()
            .any(|e| e.message.contains("/proc/modules does not exist")));
        return;
    }
    let Some(out) = tool("lsmod", &[]) else {
        return;
    };
    let theirs: BTreeSet<String> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    let ours: BTreeSet<String> = m
        .modules
        .iter()
        .map(|x| String::from_utf8_lossy(&x.name).into_owned())
        .collect();
    assert_eq!(ours, theirs);
    assert!(ferret_proc::modules::hidden_modules(&m).is_empty());
}

/// Plants a deleted renamed `sleep`, a fake `(deleted)` name that is not deleted, a
/// `[kworker/0:9]` from /tmp, an LD_PRELOAD process, a listener on 4444 and a reverse shell,
/// runs `suspicious`, and checks each is found with the right pid.
#[test]
fn planted_compromise_is_found() {
    let dir = tempfile::Builder::new()
        .prefix("ferret-proc-")
        .tempdir_in("/tmp")
        .unwrap();
    let sleep = sleep_bin();
    // 1. A renamed copy of sleep, deleted while running.
    let gone = dir.path().join("sshd-helper");
    std::fs::copy(&sleep, &gone).unwrap();
    let deleted = Guard(Command::new(&gone).arg("120").spawn().unwrap());
    wait_exec(deleted.pid(), &gone);
    std::fs::remove_file(&gone).unwrap();
    // 2. A file really named "x (deleted)": not deleted.
    let fake = dir.path().join("x (deleted)");
    std::fs::copy(&sleep, &fake).unwrap();
    let fake_p = Guard(Command::new(&fake).arg("120").spawn().unwrap());
    wait_exec(fake_p.pid(), &fake);
    // 3. A kernel-thread look-alike started from /tmp.
    let kw = dir.path().join("kw");
    std::fs::copy(&sleep, &kw).unwrap();
    let kworker = Guard(
        Command::new(&kw)
            .arg0("[kworker/0:9]")
            .arg("120")
            .spawn()
            .unwrap(),
    );
    wait_exec(kworker.pid(), &kw);
    // 4. LD_PRELOAD (a path that does not exist: ld.so complains and runs on).
    let preload = Guard(
        Command::new(&sleep)
            .arg("120")
            .env("LD_PRELOAD", "/nonexistent/ferret-test.so")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_exec(preload.pid(), &sleep);
    // 5. A listener on 4444 (if something else holds it, that one must be reported instead).
    let l4444 = std::net::TcpListener::bind("127.0.0.1:4444");
    // 6. A reverse shell: sh with a TCP socket as stdin/stdout.
    let srv = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let conn = std::net::TcpStream::connect(srv.local_addr().unwrap()).unwrap();
    let (_peer, _) = srv.accept().unwrap();
    let sh = Guard(
        Command::new("/bin/sh")
            .args(["-c", "sleep 120; :"])
            // The guard kills sh, not its `sleep`: with the test's stderr that orphan would
            // hold the test run's output pipe open (CI's `cargo test | tee` waited for it).
            .stderr(Stdio::null())
            .stdin(Stdio::from(std::os::fd::OwnedFd::from(
                conn.try_clone().unwrap(),
            )))
            .stdout(Stdio::from(std::os::fd::OwnedFd::from(
                conn.try_clone().unwrap(),
            )))
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(200));

    let snap = snapshot();
    let d = snap.get(deleted.pid()).unwrap();
    assert!(d.exe_deleted, "{d:?}");
    assert_eq!(d.exe.as_deref(), Some(gone.as_os_str().as_encoded_bytes()));
    let f = snap.get(fake_p.pid()).unwrap();
    assert!(
        !f.exe_deleted,
        "a file named '(deleted)' is not deleted: {f:?}"
    );
    assert_eq!(f.exe.as_deref(), Some(fake.as_os_str().as_encoded_bytes()));
    assert_eq!(
        snap.get(preload.pid())
            .unwrap()
            .env
            .get("LD_PRELOAD")
            .map(Vec::as_slice),
        Some(&b"/nonexistent/ferret-test.so"[..])
    );

    let out = suspicious_root(&HostRoot::live(), &SuspiciousOptions::default(), &ctl());
    let has = |id: &str, pid: i32| {
        out.findings
            .iter()
            .any(|f| f.id == id && f.subject == pid.to_string())
    };
    let me = std::process::id() as i32;
    assert!(
        has("proc.deleted-exe", deleted.pid()),
        "{:#?}",
        out.findings
    );
    assert!(has("proc.exe-in-temp", deleted.pid()));
    assert!(!has("proc.deleted-exe", fake_p.pid()));
    assert!(has("proc.kthread-impersonation", kworker.pid()));
    assert!(has("proc.exe-in-temp", kworker.pid()));
    assert!(has("proc.ld-preload", preload.pid()));
    assert!(has("proc.reverse-shell", sh.pid()), "{:#?}", out.findings);
    match l4444 {
        Ok(_) => assert!(has("proc.suspicious-listener", me)),
        Err(_) => assert!(out
            .findings
            .iter()
            .any(|f| f.id == "proc.suspicious-listener")),
    }
    let pids = [
        deleted.pid(),
        fake_p.pid(),
        kworker.pid(),
        preload.pid(),
        sh.pid(),
    ];
    drop((deleted, fake_p, kworker, preload, sh));
    // Cleaned up: none of the planted processes is left.
    std::thread::sleep(Duration::from_millis(100));
    let after = snapshot();
    for p in pids {
        assert!(
            after.get(p).is_none_or(|q| q.state == 'Z'),
            "pid {p} still there"
        );
    }
}

/// A busy loop shows up in the CPU sample well above a sleeping process, and as a finding at a
/// threshold below its share. (On a loaded 2-core CI machine the spinner may get only a few
/// percent of a core, so the test compares, it does not expect 100%.)
#[test]
fn cpu_sampling_sees_a_spinner() {
    let spin = Guard(
        Command::new("/bin/sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap(),
    );
    let idle = Guard(Command::new(sleep_bin()).arg("60").spawn().unwrap());
    let mut co = CpuOptions::default();
    co.interval = Duration::from_millis(1500);
    let u = cpu_usage_root(&HostRoot::live(), &co, &ctl());
    assert!(u.errors.is_empty(), "{:?}", u.errors);
    let s = u
        .samples
        .iter()
        .find(|s| s.pid == spin.pid())
        .expect("spinner sampled");
    let i = u
        .samples
        .iter()
        .find(|s| s.pid == idle.pid())
        .expect("sleeper sampled");
    assert!(s.percent > 1.0, "{}", s.percent);
    assert!(
        i.percent < s.percent / 4.0,
        "{} vs {}",
        i.percent,
        s.percent
    );
    let f = ferret_proc::suspicious::check_cpu(&u, s.percent / 2.0);
    assert!(f
        .iter()
        .any(|f| f.id == "proc.high-cpu" && f.subject == spin.pid().to_string()));
    assert!(!f.iter().any(|f| f.subject == idle.pid().to_string()));
}

/// No hidden pid on a healthy host, even while processes come and go during the probe.
#[test]
fn hidden_pid_probe_has_no_false_positives_under_churn() {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let churn = std::thread::spawn(move || {
        let mut n = 0;
        while !s2.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = Command::new("true").status();
            n += 1;
        }
        n
    });
    let out = hidden(|o| {
        o.recheck_delay = Duration::from_millis(100);
        // pid_max is 4194304 on many hosts: probe the first 2^17 pids to keep the test short.
        o.max_pid = Some(1 << 17);
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let spawned = churn.join().unwrap();
    assert!(spawned > 0);
    let h: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.id == "proc.hidden-pid")
        .collect();
    assert!(h.is_empty(), "{h:#?}");
    // Threads are not hidden processes: this test binary has several.
    assert!(ferret_proc::hidden::pid_exists(std::process::id() as i32));
}

/// The opt-in port probe finds our own listener in the tables, so it reports nothing.
#[test]
fn hidden_port_probe_sees_listed_ports() {
    let l = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let u = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    let out = hidden(|o| {
        o.probe_pids = false;
        o.probe_ports = true;
    });
    let h: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.id == "proc.hidden-port")
        .collect();
    assert!(h.is_empty(), "{h:#?}");
    drop((l, u));
}

/// A listener inside another network namespace (`unshare -n`, as a container would have) is
/// found with its pid and namespace through `/proc/<pid>/net`, although `ss` in the host
/// namespace cannot see it.
#[test]
fn listener_in_another_netns_is_found() {
    let py = Path::new("/usr/bin/python3");
    if !py.exists() || tool("unshare", &["--version"]).is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3-minimal and util-linux are CI packages"
        );
        eprintln!("skipped: /usr/bin/python3 or unshare missing");
        return;
    }
    let child = Command::new("unshare")
        .args(["-n", "/usr/bin/python3", "-c"])
        .arg("import socket,sys,time\ns=socket.socket()\ns.bind(('0.0.0.0',0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)")
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        panic!("unshare could not start");
    };
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let guard = Guard(child);
    let Ok(port) = line.trim().parse::<u16>() else {
        // unshare failed (no CAP_SYS_ADMIN): nothing was printed.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root: unshare -n must work"
        );
        eprintln!("skipped: unshare -n not permitted here");
        return;
    };
    // unshare execs python: the listener's pid is the child's.
    let t = sockets(|o| {
        o.protocols = [Proto::Tcp].into();
        o.listening_only = true;
        o.port = Some(port);
    });
    let own: u64 = ferret_proc::parse::ns_inode(
        std::fs::read_link("/proc/self/ns/net")
            .unwrap()
            .as_os_str()
            .as_encoded_bytes(),
    )
    .unwrap();
    let s = t
        .sockets
        .iter()
        .find(|s| s.pids() == [guard.pid()])
        .unwrap_or_else(|| {
            panic!(
                "listener of {} on {port} not found: {:#?}",
                guard.pid(),
                t.sockets
            )
        });
    assert!(s.netns.is_some_and(|n| n != own), "{s:?}");
    assert_eq!(s.source, ferret_proc::Source::ProcNet);
    if let Some(ss) = tool("ss", &["-tlnpH"]) {
        assert!(!ss.contains(&format!("pid={},", guard.pid())), "{ss}");
    }
}

/// (local, remote, owners as (pid, fd)) of one TCP socket.
type ConnRow = (String, String, Vec<(i32, i32)>);

/// A process holding hundreds of TCP sockets (this test binary: more than the owner scan's
/// split threshold, so its fds are read by several workers): every socket has exactly our
/// pid and the fd we hold, and the (local, remote, pid, fd) set equals `ss -tanp`'s.
#[test]
fn many_connections_match_ss_with_fds() {
    use std::os::fd::AsRawFd;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let mut held = Vec::new();
    for _ in 0..200 {
        let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (a, _) = l.accept().unwrap();
        held.push((c, a));
    }
    let me = std::process::id() as i32;
    let inode_fd = |fd: i32| {
        let t = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap();
        ferret_proc::parse::socket_inode(t.as_os_str().as_encoded_bytes()).unwrap()
    };
    let mut want: BTreeMap<u64, i32> = BTreeMap::new();
    want.insert(inode_fd(l.as_raw_fd()), l.as_raw_fd());
    for (c, a) in &held {
        want.insert(inode_fd(c.as_raw_fd()), c.as_raw_fd());
        want.insert(inode_fd(a.as_raw_fd()), a.as_raw_fd());
    }
    let t = sockets(|o| {
        o.protocols = [Proto::Tcp].into();
        o.port = Some(port);
        o.all_namespaces = false;
    });
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    // Children of other tests may hold copies between fork and exec: look at our pid only.
    let ours: BTreeSet<ConnRow> = t
        .sockets
        .iter()
        .map(|s| {
            let mine: Vec<(i32, i32)> = s
                .owners
                .iter()
                .filter(|o| o.pid == me)
                .map(|o| (o.pid, o.fd))
                .collect();
            assert_eq!(
                mine,
                vec![(me, want[&s.inode])],
                "socket {s:?} owners differ"
            );
            (
                s.local.unwrap().to_string(),
                s.remote.unwrap().to_string(),
                mine,
            )
        })
        .collect();
    assert_eq!(ours.len(), want.len());
    let filter = format!("( sport = :{port} or dport = :{port} )");
    let Some(ss) = tool("ss", &["-tanpH", &filter]) else {
        return;
    };
    let theirs: BTreeSet<ConnRow> = ss
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let mut owners: Vec<(i32, i32)> = l
                .match_indices("pid=")
                .map(|(i, _)| {
                    let mut it = l[i + 4..].split(|c: char| !c.is_ascii_digit());
                    let pid: i32 = it.next().unwrap().parse().unwrap();
                    let j = l[i..].find("fd=").unwrap() + i + 3;
                    let fd: i32 = l[j..]
                        .split(|c: char| !c.is_ascii_digit())
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap();
                    (pid, fd)
                })
                .filter(|(p, _)| *p == me)
                .collect();
            owners.sort_unstable();
            (f[3].to_owned(), f[4].to_owned(), owners)
        })
        .collect();
    // ss prints the listener's peer as `0.0.0.0:*`, we as `0.0.0.0:0`.
    let norm = |s: &BTreeSet<ConnRow>| -> BTreeSet<_> {
        s.iter()
            .map(|(a, b, o)| (a.clone(), b.replace(":*", ":0"), o.clone()))
            .collect()
    };
    assert_eq!(norm(&ours), norm(&theirs));
    drop(held);
}
