//! Parser and snapshot tests over `tests/fixtures/host` (captured from a Firecracker VM running
//! Linux 6.18 by `tests/fixtures/capture.py`) and over attack trees built here.

use super::{captured, ctl, socket_opts, suspicious_opts};
use ferret_core::HostRoot;
use ferret_proc::{
    hidden_root, snapshot_root, sockets_root, suspicious_root, HiddenOptions, ProcOptions, Proto,
    SocketOptions, SuspiciousOptions,
};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

fn host() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/host")
}

#[test]
fn captured_tree_snapshot() {
    let (root, opts) = captured(&host());
    let snap = snapshot_root(&root, &opts, &ctl());
    assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    let pids: Vec<i32> = snap.processes.iter().map(|p| p.pid).collect();
    assert_eq!(pids.len(), 3);
    assert_eq!(pids[..2], [1, 2]);
    let kthreadd = snap.get(2).unwrap();
    assert!(kthreadd.kernel_thread);
    assert_eq!(kthreadd.comm, b"kthreadd");
    assert_eq!(kthreadd.display_name(), b"[kthreadd]");
    assert_eq!(kthreadd.ppid, 0);
    let sleep = snap.get(pids[2]).unwrap();
    assert_eq!(sleep.comm, b"sleep");
    assert_eq!(sleep.cmdline, vec![b"sleep".to_vec(), b"600".to_vec()]);
    assert!(sleep.exe.as_deref().unwrap().ends_with(b"/sleep"));
    assert!(!sleep.exe_deleted);
    assert_eq!(sleep.uid.real, 0);
    assert!(sleep.namespaces.contains_key("net"));
    assert!(sleep.env_readable);
    assert_eq!(
        sleep.env.get("LD_PRELOAD").map(Vec::as_slice),
        Some(&b"/usr/lib/x86_64-linux-gnu/libc.so.6"[..])
    );
    // Start time is absolute: boot time from /proc/stat plus the start ticks.
    let bt = snap.boot_time.unwrap();
    assert!(bt > 1_600_000_000);
    assert!(sleep.start_time.unwrap() >= bt);
    // The tree puts kthreadd and init at depth 0 and sleep under its parent (absent here: root).
    let rows = ferret_proc::forest(&snap);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.depth == 0));
}

#[test]
fn captured_tree_sockets_and_findings() {
    let (root, opts) = captured(&host());
    let t = sockets_root(&root, &socket_opts(&opts, |_| {}), &ctl());
    assert!(t.errors.is_empty(), "{:?}", t.errors);
    // The VM's control listener on 0.0.0.0:2024 is in the captured tcp table.
    assert!(t
        .sockets
        .iter()
        .any(|s| s.proto == Proto::Tcp && s.listening && s.local.unwrap().port() == 2024));
    assert!(t
        .sources
        .iter()
        .all(|s| s.2 == ferret_proc::Source::ProcNet));
    let out = suspicious_root(&root, &suspicious_opts(&opts), &ctl());
    assert!(out
        .findings
        .iter()
        .any(|f| f.id == "proc.ld-preload" && f.attack == ["T1574.006"]));
}

/// Builds a fixture process directory.
struct Planted {
    dir: PathBuf,
}

impl Planted {
    fn new(root: &Path, pid: i32, ppid: i32, comm: &[u8], cmdline: &[u8]) -> Self {
        let dir = root.join("proc").join(pid.to_string());
        std::fs::create_dir_all(dir.join("fd")).unwrap();
        std::fs::create_dir_all(dir.join("ns")).unwrap();
        let mut stat = format!("{pid} (").into_bytes();
        stat.extend_from_slice(comm);
        stat.extend_from_slice(
            format!(
                ") S {ppid} {pid} {pid} 0 -1 4194560 0 0 0 0 50 5 0 0 20 0 1 0 4000 1000 300 0\n"
            )
            .as_bytes(),
        );
        std::fs::write(dir.join("stat"), stat).unwrap();
        std::fs::write(
            dir.join("status"),
            format!("Name:\tx\nTgid:\t{pid}\nPPid:\t{ppid}\nUid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\nThreads:\t1\n"),
        )
        .unwrap();
        std::fs::write(dir.join("cmdline"), cmdline).unwrap();
        std::fs::write(dir.join("cgroup"), "0::/system.slice/apache2.service\n").unwrap();
        symlink("net:[4026531840]", dir.join("ns/net")).unwrap();
        symlink("/", dir.join("cwd")).unwrap();
        symlink("/", dir.join("root")).unwrap();
        Planted { dir }
    }
    fn exe(self, target: &[u8]) -> Self {
        symlink(std::ffi::OsStr::from_bytes(target), self.dir.join("exe")).unwrap();
        self
    }
    fn env(self, env: &[u8]) -> Self {
        std::fs::write(self.dir.join("environ"), env).unwrap();
        self
    }
    fn fd(self, n: i32, target: &str) -> Self {
        symlink(target, self.dir.join("fd").join(n.to_string())).unwrap();
        self
    }
}

use std::os::unix::ffi::OsStrExt;

fn attack_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("proc/net")).unwrap();
    std::fs::create_dir_all(r.join("proc/sys/kernel")).unwrap();
    std::fs::write(
        r.join("proc/stat"),
        "cpu  1 2 3 4 5 6 7 0 0 0\ncpu0 1 2 3 4 5 6 7 0 0 0\nintr 0\nctxt 100\nbtime 1700000000\nprocesses 10\nprocs_running 1\nprocs_blocked 0\n",
    )
    .unwrap();
    std::fs::write(r.join("proc/sys/kernel/tainted"), "12288\n").unwrap();
    // A module list without "diamorphine", which /sys/module still shows as loaded.
    std::fs::write(
        r.join("proc/modules"),
        "nf_tables 348160 0 - Live 0x0000000000000000\nvboxdrv 696320 2 vboxnetadp,vboxnetflt, Live 0x0000000000000000 (OE)\n",
    )
    .unwrap();
    for m in ["nf_tables", "vboxdrv", "diamorphine"] {
        std::fs::create_dir_all(r.join("sys/module").join(m)).unwrap();
        std::fs::write(r.join("sys/module").join(m).join("initstate"), "live\n").unwrap();
    }
    std::fs::create_dir_all(r.join("sys/module/printk/parameters")).unwrap(); // built-in
                                                                              // Sockets: a listener on 4444 (inode 5001), a connection to a pool on 3333 (5002), a
                                                                              // connection from 10.0.0.5:40000 to 203.0.113.7:4444 (5003) that is the shell's stdin.
    let tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 00000000:115C 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 5001 1 0000000000000000 100 0 0 10 0\n\
   1: 0500000A:9C40 0700000B:0D05 01 00000000:00000000 00:00000000 00000000    33        0 5002 1 0000000000000000 20 4 30 10 -1\n\
   2: 0500000A:9C41 0700000B:115C 01 00000000:00000000 00:00000000 00000000    33        0 5003 1 0000000000000000 20 4 30 10 -1\n\
   3: this line is broken\n";
    std::fs::write(r.join("proc/net/tcp"), tcp).unwrap();
    std::fs::write(
        r.join("proc/net/unix"),
        "Num       RefCount Protocol Flags    Type St Inode Path\n0000000000000000: 00000002 00000000 00010000 0001 01 7001 /run/evil sock\n",
    )
    .unwrap();
    Planted::new(r, 1, 0, b"systemd", b"/sbin/init\0").exe(b"/usr/lib/systemd/systemd");
    Planted::new(r, 2, 0, b"kthreadd", b"");
    // The miner: deleted, from /tmp/.x, named like a kernel worker, preloading a library.
    Planted::new(r, 666, 1, b"kworker/0:9", b"[kworker/0:9]\0")
        .exe(b"/tmp/.x/kworker (deleted)")
        .env(b"HOME=/tmp\0LD_PRELOAD=/tmp/.x/libhide.so\0")
        .fd(3, "socket:[5001]")
        .fd(4, "socket:[5002]");
    // The reverse shell.
    Planted::new(r, 700, 666, b"bash", b"bash\0-i\0")
        .exe(b"/usr/bin/bash")
        .env(b"PATH=/usr/bin\0")
        .fd(0, "socket:[5003]")
        .fd(1, "socket:[5003]")
        .fd(2, "socket:[5003]");
    // A fileless payload.
    Planted::new(r, 701, 1, b"x", b"x\0").exe(b"/memfd:x (deleted)");
    // A process that vanished between listing and reading: a directory without stat.
    std::fs::create_dir_all(r.join("proc/702")).unwrap();
    // A process whose status is missing: kept, marked partial.
    let p = Planted::new(r, 703, 1, b"cron", b"/usr/sbin/cron\0-f\0").exe(b"/usr/sbin/cron");
    std::fs::remove_file(p.dir.join("status")).unwrap();
    t
}

#[test]
fn attack_tree_findings() {
    let t = attack_tree();
    let (root, opts) = captured(t.path());
    let snap = snapshot_root(&root, &opts, &ctl());
    assert_eq!(snap.exited, 1, "pid 702 has no stat: dropped");
    assert_eq!(snap.boot_time, Some(1_700_000_000));
    assert_eq!(
        snap.get(666).unwrap().start_time,
        Some(1_700_000_000 + 4000 / snap.clock_ticks as i64)
    );
    let miner = snap.get(666).unwrap();
    assert!(miner.exe_deleted);
    assert_eq!(miner.exe.as_deref(), Some(&b"/tmp/.x/kworker"[..]));
    let cron = snap.get(703).unwrap();
    assert!(cron.partial);
    assert!(cron.missing.contains(&"ids".to_owned()));
    assert!(snap.get(701).unwrap().exe_memfd);

    let out = suspicious_root(&root, &suspicious_opts(&opts), &ctl());
    let has = |id: &str, subject: &str| {
        out.findings
            .iter()
            .any(|f| f.id == id && f.subject == subject)
    };
    for (id, subject) in [
        ("proc.deleted-exe", "666"),
        ("proc.exe-in-temp", "666"),
        ("proc.exe-in-hidden-dir", "666"),
        ("proc.kthread-impersonation", "666"),
        ("proc.ld-preload", "666"),
        ("proc.suspicious-listener", "666"),
        ("proc.mining-port-connection", "666"),
        ("proc.reverse-shell", "700"),
        ("proc.memfd-exe", "701"),
        ("proc.kernel-tainted", "12288"),
        ("proc.module-tainted", "vboxdrv"),
    ] {
        assert!(
            has(id, subject),
            "missing {id} {subject}: {:#?}",
            out.findings
        );
    }
    // Every finding carries an ATT&CK id and evidence.
    assert!(out
        .findings
        .iter()
        .all(|f| !f.attack.is_empty() && !f.evidence.is_empty()));
    // The broken tcp line is reported with its file and line number.
    assert!(
        out.errors
            .iter()
            .any(|e| e.line == Some(5) && e.path.as_deref().unwrap().ends_with("net/tcp")),
        "{:?}",
        out.errors
    );
    // No comm-mismatch for the honest processes.
    assert!(!has("proc.comm-mismatch", "703"));

    let t2 = sockets_root(&root, &socket_opts(&opts, |o| o.port = Some(4444)), &ctl());
    let inodes: Vec<u64> = t2.sockets.iter().map(|s| s.inode).collect();
    assert_eq!(inodes, [5001, 5003]);
    assert_eq!(t2.sockets[0].pids(), [666]);
    let unix = sockets_root(
        &root,
        &socket_opts(&opts, |o| {
            o.protocols = [Proto::Unix].into();
            o.listening_only = true;
        }),
        &ctl(),
    );
    assert_eq!(
        unix.sockets[0].path.as_deref(),
        Some(&b"/run/evil sock"[..])
    );

    let mut ho = HiddenOptions::default();
    ho.proc = opts.clone();
    ho.probe_pids = false;
    let h = hidden_root(&root, &ho, &ctl());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    let hm: Vec<&str> = h
        .findings
        .iter()
        .filter(|f| f.id == "proc.hidden-module")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(hm, ["diamorphine"]);
}

#[test]
fn offline_roots_are_live_only() {
    // Even a root holding a process tree is an image unless it is said to be a capture.
    let t = attack_tree();
    let img = HostRoot::new(t.path()).unwrap();
    let ctl = ctl();
    for out in [
        suspicious_root(&img, &SuspiciousOptions::default(), &ctl),
        hidden_root(&img, &HiddenOptions::default(), &ctl),
    ] {
        assert!(out.findings.is_empty());
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].message, ferret_proc::LIVE_ONLY);
        assert_eq!(
            out.errors[0].path.as_deref(),
            Some(img.path().to_str().unwrap())
        );
    }
    let o = ProcOptions::default();
    let s = snapshot_root(&img, &o, &ctl);
    assert!(s.processes.is_empty());
    assert_eq!(s.errors[0].message, ferret_proc::LIVE_ONLY);
    let so = sockets_root(&img, &SocketOptions::default(), &ctl);
    assert_eq!(so.errors[0].message, ferret_proc::LIVE_ONLY);
    let mods = ferret_proc::modules_root(&img, &o, &ctl);
    assert!(!mods.available && mods.sysfs_loaded.is_empty());
    assert_eq!(mods.errors[0].message, ferret_proc::LIVE_ONLY);
    let taint = ferret_proc::kernel_taint_root(&img, &o, &ctl).unwrap_err();
    assert_eq!(taint.message, ferret_proc::LIVE_ONLY);
    let cpu = ferret_proc::cpu_usage_root(&img, &ferret_proc::CpuOptions::default(), &ctl);
    assert_eq!(cpu.errors[0].message, ferret_proc::LIVE_ONLY);
}

#[cfg(feature = "serde")]
#[test]
fn snapshot_json_round_trips_bytes() {
    let t = attack_tree();
    let dir = t.path().join("proc/900");
    Planted::new(t.path(), 900, 1, b"e\x1bvil\xff", b"a\xff\0b\n\0").exe(b"/opt/\xff/x");
    assert!(dir.exists());
    let (root, opts) = captured(t.path());
    let snap = snapshot_root(&root, &opts, &ctl());
    let json = serde_json::to_string(&snap).unwrap();
    assert!(!json.contains('\u{1b}'));
    let back: ferret_proc::Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back.processes, snap.processes);
    assert_eq!(back.get(900).unwrap().comm, b"e\x1bvil\xff");
    // Bytes are escaped strings (`ferret_core::escaped`), the same shape as every ferret record.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let p = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == 900)
        .unwrap();
    assert_eq!(p["comm"], r"e\x1bvil\xff");
    assert_eq!(p["cmdline"], serde_json::json!([r"a\xff", r"b\n"]));
    assert_eq!(p["exe"], r"/opt/\xff/x");
    let miner = v["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == 666)
        .unwrap();
    assert_eq!(
        miner["env"],
        serde_json::json!({"LD_PRELOAD": "/tmp/.x/libhide.so"})
    );
}
