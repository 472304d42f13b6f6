//! Criterion benches for ferret-accounts: parse + audit of a generated 100k-user
//! passwd/shadow/group/gshadow set (target: under 50 ms), and the same audit with home/shell
//! checks on a root; then, on a 5k-user set, ferret next to `pwck -r -R` + `grpck -r -R` on the
//! same root (measured once, printed: pwck/grpck are quadratic in the number of entries).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing
)]
// p, s, g, gs: the four files, named like the tools name them.
#![allow(clippy::many_single_char_names)]

use criterion::{criterion_group, criterion_main, Criterion};
use ferret::accounts::{audit::audit, audit_root, AuditOptions, Snapshot};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

const USERS: usize = 100_000;
/// pwck/grpck compare every entry with every other (quadratic): at 100k users they run for
/// tens of minutes, so the side-by-side run uses this many users.
const TOOL_USERS: usize = 5_000;

/// A plausible large system: Debian-like system accounts, then 100k users with yescrypt
/// hashes, one private group each, a few in sudo/docker, every tenth with a locked password.
fn generate(users: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let (mut p, mut s, mut g, mut gs) =
        (String::new(), String::new(), String::new(), String::new());
    p.push_str(
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",
    );
    s.push_str("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n");
    g.push_str("root:x:0:\ndaemon:x:1:\n");
    gs.push_str("root:*::\ndaemon:*::\n");
    let mut sudo = Vec::new();
    for i in 0..users {
        let uid = 10_000 + i;
        writeln!(
            p,
            "u{i:06}:x:{uid}:{uid}:User {i},,,:/home/u{i:06}:/bin/bash"
        )
        .unwrap();
        if i % 10 == 0 {
            writeln!(s, "u{i:06}:!:19000:0:99999:7:::").unwrap();
        } else {
            writeln!(s, "u{i:06}:$y$j9T$abcdefghijklmnop{i:06}$abcdefghijklmnopqrstuvwxyzABCDEFGHIJ01234:19000:0:99999:7:::").unwrap();
        }
        writeln!(g, "u{i:06}:x:{uid}:").unwrap();
        writeln!(gs, "u{i:06}:!::").unwrap();
        if i % 1000 == 0 {
            sudo.push(format!("u{i:06}"));
        }
    }
    writeln!(g, "sudo:x:27:{}", sudo.join(",")).unwrap();
    writeln!(gs, "sudo:*::{}", sudo.join(",")).unwrap();
    (
        p.into_bytes(),
        s.into_bytes(),
        g.into_bytes(),
        gs.into_bytes(),
    )
}

fn bench(c: &mut Criterion) {
    let (p, s, g, gs) = generate(USERS);
    let mut opts = AuditOptions::default();
    opts.today(20_000);
    let snap = Snapshot::from_bytes(Some(&p), Some(&s), Some(&g), Some(&gs));
    let n = audit(&snap.view(), &opts, None).findings.len();
    println!(
        "accounts: {USERS} users, {} bytes of passwd, {n} findings",
        p.len()
    );

    // Process CPU time (all threads) per parse+audit: on a shared, loaded machine wall time
    // mostly measures the other tenants; this is closer to what an idle host would take.
    let runs = 20;
    let before = cpu_ms();
    for _ in 0..runs {
        black_box(audit(&snap.view(), &opts, None).findings.len());
    }
    println!(
        "accounts/parse+audit-100k: {:.1} ms CPU per run (all threads, mean of {runs})",
        (cpu_ms() - before) / f64::from(runs)
    );

    c.bench_function("accounts/parse-100k", |b| {
        b.iter(|| {
            let v = snap.view();
            black_box(v.passwd.as_ref().map(|d| d.lines.len()))
        });
    });
    c.bench_function("accounts/parse+audit-100k", |b| {
        b.iter(|| black_box(audit(&snap.view(), &opts, None).findings.len()));
    });

    // On a root, with home and shell checks (every home is missing: 100k lstat + findings).
    let (t, root) = write_root(&p, &s, &g, &gs);
    let mut group = c.benchmark_group("accounts/root");
    group.sample_size(10);
    group.bench_function("audit_root-100k-home-shell", |b| {
        b.iter(|| black_box(audit_root(&root, &opts).findings.len()));
    });
    group.finish();
    drop(t);

    // Side by side with the real tools, same tree, same checks, measured once.
    let (p, s, g, gs) = generate(TOOL_USERS);
    let (t, root) = write_root(&p, &s, &g, &gs);
    let start = Instant::now();
    let ferret_n = audit_root(&root, &opts).findings.len();
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

fn write_root(
    p: &[u8],
    s: &[u8],
    g: &[u8],
    gs: &[u8],
) -> (tempfile::TempDir, ferret::core::HostRoot) {
    let t = tempfile::tempdir().unwrap();
    let etc = t.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    for (name, data) in [("passwd", p), ("shadow", s), ("group", g), ("gshadow", gs)] {
        std::fs::write(etc.join(name), data).unwrap();
    }
    let root = ferret::core::HostRoot::new(t.path()).unwrap();
    (t, root)
}

criterion_group!(benches, bench);
criterion_main!(benches);
