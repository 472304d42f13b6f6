//! Criterion benches for ferret-scan: content classification of one ELF file and one miner
//! configuration in memory, and `scan_root` over a planted tree of 10,000 files in a temporary
//! root (the live-machine figure with 100,000 planted files and the comparison with `find` +
//! `file` and `yara -r` are in `benches/compare-scan.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use ferret::core::{Control, HostRoot};
use ferret::scan::{classify::classify, miner::miner_config, scan_root, ScanOptions};
use std::hint::black_box;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

fn elf(size: usize) -> Vec<u8> {
    // A real program from this machine when there is one; else padding after an ELF header.
    let mut b = std::fs::read("/usr/bin/env").unwrap_or_else(|_| b"\x7fELF\x02\x01\x01".to_vec());
    b.resize(size, 0x90);
    b
}

fn in_memory(c: &mut Criterion) {
    let program = elf(1 << 20);
    c.bench_function("scan/classify-elf-1MiB", |b| {
        b.iter(|| black_box(classify(black_box(&program))));
    });
    let cfg = br#"{ "autosave": true, "donate-level": 1, "cpu": { "enabled": true, "huge-pages": true },
      "pools": [ { "url": "stratum+tcp://pool.example.net:3333",
      "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
      "pass": "x", "keepalive": true, "tls": false } ] }"#;
    c.bench_function("scan/miner-config", |b| {
        b.iter(|| black_box(miner_config(black_box(cfg))));
    });
}

fn planted(c: &mut Criterion) {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("etc")).unwrap();
    std::fs::write(r.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
    let program = elf(64 << 10);
    for d in 0..100 {
        let dir = r.join(format!("tmp/tree/d{d:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            let p = dir.join(format!("f{f:03}"));
            if f == 0 {
                std::fs::write(&p, &program).unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            } else {
                std::fs::write(&p, format!("line {d} {f}\n").repeat(20)).unwrap();
            }
        }
    }
    let root = HostRoot::new(r).unwrap();
    let opts = ScanOptions::default();
    let mut g = c.benchmark_group("scan");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("scan_root-10k-planted", |b| {
        b.iter(|| black_box(scan_root(&root, &opts, &Control::unbounded())));
    });
    g.finish();
}

criterion_group!(benches, in_memory, planted);
criterion_main!(benches);
