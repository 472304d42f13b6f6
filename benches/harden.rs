//! Criterion benches for ferret-harden: sshd_config parse + resolve (a generated config with
//! Includes and 200 Match blocks, and the live one), sysctl configured + running values, and the
//! full `harden` audit of this live machine (target: under 2 s; `benches/compare-harden.sh`
//! puts it beside `lynis audit system --quick`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use ferret::core::{Control, HostRoot, Outcome};
use ferret::harden::sshd::{ConnectionContext, SshdConfig};
use ferret::harden::{audit_root, sysctl, Check, HardenOptions};
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

fn sshd(c: &mut Criterion) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("etc/ssh/sshd_config.d");
    std::fs::create_dir_all(&d).unwrap();
    let mut main = String::from("Include sshd_config.d/*.conf\nPermitRootLogin no\n");
    for i in 0..200 {
        writeln!(
            main,
            "Match User u{i},!root Address 10.{i}.0.0/16,192.168.{i}.0/24\n  PasswordAuthentication yes\n  Banner /etc/b{i}\n  AllowTcpForwarding local"
        )
        .unwrap();
    }
    std::fs::write(t.path().join("etc/ssh/sshd_config"), &main).unwrap();
    for i in 0..10 {
        std::fs::write(
            d.join(format!("{i:02}.conf")),
            format!(
                "MaxAuthTries {}\nAcceptEnv LC_{i}\nClientAliveInterval {i}m\n",
                i + 2
            ),
        )
        .unwrap();
    }
    let root = HostRoot::new(t.path()).unwrap();
    let ctx = ConnectionContext::new()
        .user("u150")
        .addr("10.150.3.4")
        .host("h")
        .lport(22);
    c.bench_function("harden/sshd-load+resolve-200-match", |b| {
        b.iter(|| {
            let cfg =
                SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::unbounded()).unwrap();
            black_box(cfg.effective(black_box(&ctx)).dump())
        });
    });
    let live = HostRoot::live();
    if live.exists("/etc/ssh/sshd_config") {
        c.bench_function("harden/sshd-live-load+resolve", |b| {
            b.iter(|| {
                let cfg =
                    SshdConfig::load(&live, "/etc/ssh/sshd_config", &Control::unbounded()).unwrap();
                black_box(cfg.effective(&ctx).dump())
            });
        });
    }
}

fn sysctl_bench(c: &mut Criterion) {
    let live = HostRoot::live();
    c.bench_function("harden/sysctl-configured+audit-live", |b| {
        b.iter(|| {
            let mut o = Outcome::new();
            black_box(sysctl::configured(&live, &mut o));
            black_box(sysctl::audit_root(&live, &Control::unbounded()))
        });
    });
    c.bench_function("harden/sysctl-runtime-all-live", |b| {
        b.iter(|| black_box(sysctl::runtime_all(&live)));
    });
}

fn full(c: &mut Criterion) {
    let mut g = c.benchmark_group("harden/full-live");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    let live = HostRoot::live();
    g.bench_function("all-modules", |b| {
        b.iter(|| {
            black_box(audit_root(
                &live,
                &HardenOptions::default(),
                &Control::unbounded(),
            ))
        });
    });
    g.bench_function("without-files", |b| {
        let mut o = HardenOptions::default();
        o.checks = vec![
            Check::Sshd,
            Check::Sysctl,
            Check::Persistence,
            Check::Services,
        ];
        b.iter(|| black_box(audit_root(&live, &o, &Control::unbounded())));
    });
    g.finish();
}

criterion_group!(benches, sshd, sysctl_bench, full);
criterion_main!(benches);
