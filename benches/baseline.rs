//! Criterion benches for ferret-baseline: scan (hash) throughput, save/load of the on-disk
//! format, compare. The side-by-side ratios against AIDE, b3sum and `cat` on `/usr` are in
//! `benches/compare-baseline.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferret::baseline::{
    check_root, compare, scan_root, AttrSet, Baseline, CheckMode, CheckOptions, Entry, HashKind,
    ScanConfig, ScanOptions,
};
use ferret::core::{Control, FileKind, HostRoot};
use std::hint::black_box;

fn synthetic(n: usize) -> Baseline {
    let entries = (0..n)
        .map(|i| {
            let mut e = Entry::new(
                format!("/usr/share/doc/package-{:05}/file-{i:07}", i / 12),
                FileKind::Regular,
                AttrSet::full(),
            );
            e.size = (i * 37 % 100_000) as u64;
            e.inode = 1_000_000 + i as u64;
            e.nlink = 1;
            e.mode = 0o644;
            e.blake3 = Some([(i % 251) as u8; 32]);
            e
        })
        .collect();
    Baseline::from_entries(ScanConfig::default(), entries)
}

fn format(c: &mut Criterion) {
    let n = 200_000;
    let b = synthetic(n);
    let mut db = Vec::new();
    b.save(&mut db, None).unwrap();
    let mut g = c.benchmark_group("baseline/format");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function("save-200k", |bench| {
        bench.iter(|| {
            let mut out = Vec::with_capacity(db.len());
            b.save(&mut out, None).unwrap();
            black_box(out.len())
        });
    });
    g.bench_function("load-200k", |bench| {
        bench.iter(|| black_box(Baseline::load(&db[..], None).unwrap().entries.len()));
    });
    let mut other = b.clone();
    for e in other.entries.iter_mut().step_by(100) {
        e.blake3 = Some([0; 32]);
    }
    g.bench_function("compare-200k", |bench| {
        bench.iter(|| black_box(compare(&b, &other, &CheckOptions::default()).changed.len()));
    });
    g.finish();
}

fn scan(c: &mut Criterion) {
    // A tree of 2000 small files and 8 large ones (64 MiB in all), warm in the page cache.
    let t = tempfile::tempdir().unwrap();
    for d in 0..20 {
        let dir = t.path().join(format!("d{d}"));
        std::fs::create_dir(&dir).unwrap();
        for f in 0..100 {
            std::fs::write(
                dir.join(format!("f{f}")),
                vec![(d * f) as u8; 4096 + f * 97],
            )
            .unwrap();
        }
    }
    for f in 0..8 {
        std::fs::write(t.path().join(format!("big{f}")), vec![f as u8; 7 << 20]).unwrap();
    }
    let root = HostRoot::new(t.path()).unwrap();
    let total: u64 = 2000 * 4096 + (0..100u64).map(|f| f * 97).sum::<u64>() * 20 + 8 * (7 << 20);
    let mut g = c.benchmark_group("baseline/scan");
    g.throughput(Throughput::Bytes(total));
    g.sample_size(10);
    for h in [HashKind::Blake3, HashKind::Sha256, HashKind::Both] {
        let mut s = ScanOptions::default();
        s.hash = h;
        g.bench_with_input(BenchmarkId::new("init", h.as_str()), &s, |bench, s| {
            bench.iter(|| black_box(scan_root(&root, s, &Control::unbounded()).entries.len()));
        });
    }
    let old = scan_root(&root, &ScanOptions::default(), &Control::unbounded());
    for mode in [CheckMode::Secure, CheckMode::Fast] {
        let mut opts = CheckOptions::default();
        opts.mode = mode;
        g.bench_function(format!("check-{mode}-blake3"), |bench| {
            bench.iter(|| {
                black_box(
                    check_root(&root, &old, &opts, &Control::unbounded())
                        .changed
                        .len(),
                )
            });
        });
    }
    g.finish();
}

criterion_group!(benches, format, scan);
criterion_main!(benches);
