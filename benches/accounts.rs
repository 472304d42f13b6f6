//! Criterion benches for ferret-accounts: parse, audit, and parse + audit of a generated
//! 100k-user passwd/shadow/group/gshadow set (`ferret_testkit::accounts`: Debian system
//! accounts, mixed hash algorithms, aging, private, project and privileged groups, planted
//! problems; target: parse + audit under 50 ms), and the same audit with home/shell checks on
//! a root; then, on a 5k-user set, ferret next to `pwck -r -R` + `grpck -r -R` on the same root
//! (measured once, printed: pwck/grpck are quadratic in the number of entries).
//!
//! `FERRET_ACCOUNTS_DUMP=DIR cargo bench --bench accounts` writes the 100k set to
//! `DIR/etc/{passwd,shadow,group,gshadow,login.defs}` and exits (for `accounts audit --root`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use criterion::{criterion_group, criterion_main, Criterion};
use ferret::accounts::{audit, audit_root, AuditOptions, Snapshot};
use ferret::core::Control;
use ferret_testkit::accounts::{generate, Host};
use std::hint::black_box;
use std::time::Instant;

const USERS: usize = 100_000;
/// pwck/grpck compare every entry with every other (quadratic): at 100k users they run for
/// tens of minutes, so the side-by-side run uses this many users.
const TOOL_USERS: usize = 5_000;

/// Process CPU time (all threads) per run of `f`, mean of `runs`: on a shared, loaded machine
/// wall time mostly measures the other tenants; this is closer to what an idle host takes.
fn cpu_per_run(runs: u32, mut f: impl FnMut()) -> f64 {
    let before = cpu_ms();
    for _ in 0..runs {
        f();
    }
    (cpu_ms() - before) / f64::from(runs)
}

/// The generated files as a snapshot (login.defs included).
fn snapshot(files: &Host) -> Snapshot {
    let mut s = Snapshot::from_bytes(
        Some(&files.passwd),
        Some(&files.shadow),
        Some(&files.group),
        Some(&files.gshadow),
    );
    s.login_defs.data = Some(files.login_defs.clone());
    s
}

fn bench(c: &mut Criterion) {
    let files = generate(USERS);
    let ctl = Control::unbounded();
    if let Some(dir) = std::env::var_os("FERRET_ACCOUNTS_DUMP") {
        let dir = std::path::Path::new(&dir);
        files.write_etc(dir).unwrap();
        println!("accounts: wrote {}", dir.join("etc").display());
        return;
    }
    let mut opts = AuditOptions::default();
    opts.today = Some(20_000);
    let snap = snapshot(&files);
    // `FERRET_ACCOUNTS_LOOP=parse|audit|both:N`: only that loop, N times (for perf stat/record).
    if let Ok(spec) = std::env::var("FERRET_ACCOUNTS_LOOP") {
        let (what, n) = spec.split_once(':').unwrap_or((&spec, "50"));
        let n: u32 = n.parse().unwrap();
        let view = snap.view();
        let ms = cpu_per_run(n, || match what {
            "parse" => {
                black_box(snap.view().passwd.map(|d| d.lines.len()));
            }
            "audit" => {
                black_box(audit(&view, &opts, &ctl).findings.len());
            }
            _ => {
                black_box(audit(&snap.view(), &opts, &ctl).findings.len());
            }
        });
        println!("accounts 100k {what}: {ms:.1} ms CPU per run (mean of {n})");
        return;
    }
    let n = audit(&snap.view(), &opts, &ctl).findings.len();
    println!(
        "accounts: {USERS} users, {} + {} + {} + {} bytes, {n} findings",
        files.passwd.len(),
        files.shadow.len(),
        files.group.len(),
        files.gshadow.len()
    );

    let runs = 20;
    let parse = cpu_per_run(runs, || {
        black_box(snap.view().passwd.map(|d| d.lines.len()));
    });
    let view = snap.view();
    let audit_only = cpu_per_run(runs, || {
        black_box(audit(&view, &opts, &ctl).findings.len());
    });
    let both = cpu_per_run(runs, || {
        black_box(audit(&snap.view(), &opts, &ctl).findings.len());
    });
    println!(
        "accounts 100k, ms CPU per run (all threads, mean of {runs}): parse {parse:.1}, audit {audit_only:.1}, parse+audit {both:.1}"
    );

    c.bench_function("accounts/parse-100k", |b| {
        b.iter(|| black_box(snap.view().passwd.map(|d| d.lines.len())));
    });
    c.bench_function("accounts/audit-100k", |b| {
        b.iter(|| black_box(audit(&view, &opts, &ctl).findings.len()));
    });
    c.bench_function("accounts/parse+audit-100k", |b| {
        b.iter(|| black_box(audit(&snap.view(), &opts, &ctl).findings.len()));
    });
    drop(view);

    // On a root, with home and shell checks (every home is missing: 100k lstat + findings).
    let (t, root) = write_root(&files);
    let mut group = c.benchmark_group("accounts/root");
    group.sample_size(10);
    group.bench_function("audit_root-100k-home-shell", |b| {
        b.iter(|| black_box(audit_root(&root, &opts, &ctl).findings.len()));
    });
    group.finish();
    drop(t);

    // Side by side with the real tools, same tree, same checks, measured once.
    let (t, root) = write_root(&generate(TOOL_USERS));
    let start = Instant::now();
    let ferret_n = audit_root(&root, &opts, &ctl).findings.len();
    let ferret_t = start.elapsed();
    let mut tool_t = std::time::Duration::ZERO;
    for tool in ["pwck", "grpck"] {
        let start = Instant::now();
        let Ok(mut child) = std::process::Command::new(tool)
            .args(["-r", "-R"])
            .arg(t.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
        else {
            println!("accounts/root: {tool} not available (passwd package)");
            return;
        };
        let status = child.wait().unwrap();
        if status.code() == Some(1) || status.code().is_none() {
            println!("accounts/root: {tool} -R failed ({status}); needs root");
            return;
        }
        tool_t += start.elapsed();
    }
    println!(
        "accounts/root {TOOL_USERS} users: ferret audit_root {:.1} ms ({ferret_n} findings), pwck -r -R + grpck -r -R {:.1} ms: ratio {:.1}x",
        ferret_t.as_secs_f64() * 1e3,
        tool_t.as_secs_f64() * 1e3,
        tool_t.as_secs_f64() / ferret_t.as_secs_f64()
    );
}

/// utime + stime of this process in milliseconds, from /proc/self/stat.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    // fields 14 and 15 of stat(5), i.e. indexes 11 and 12 after the command name
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks * 10.0 // USER_HZ is 100 on Linux
}

fn write_root(files: &Host) -> (tempfile::TempDir, ferret::core::HostRoot) {
    let t = tempfile::tempdir().unwrap();
    files.write_etc(t.path()).unwrap();
    let root = ferret::core::HostRoot::new(t.path()).unwrap();
    (t, root)
}

criterion_group!(benches, bench);
criterion_main!(benches);
