//! Criterion benches for package verification (`ferret::baseline::pkg`): the md5sums and
//! status parsers on this machine's own database (synthetic input where there is none), and
//! verifying a small fixture root. The side-by-side ratio against `debsums -s` is measured by
//! `benches/compare-pkgverify.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferret::baseline::pkg::parse::{parse_md5sums, parse_status};
use ferret::baseline::pkg::{verify_root, VerifyOptions};
use ferret::core::{Control, HostRoot};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::Write as _;

fn md5sums_input() -> Vec<u8> {
    match std::fs::read("/var/lib/dpkg/info/libc6:amd64.md5sums")
        .or_else(|_| std::fs::read("/var/lib/dpkg/info/coreutils.md5sums"))
    {
        Ok(b) => b,
        Err(_) => (0..2000)
            .flat_map(|i| {
                format!("623e332d8ae2db8a2d050dcce9510b47  usr/share/doc/pkg/file{i}\n")
                    .into_bytes()
            })
            .collect(),
    }
}

fn status_input() -> Vec<u8> {
    std::fs::read("/var/lib/dpkg/status").unwrap_or_else(|_| {
        (0..500)
            .flat_map(|i| {
                format!(
                    "Package: p{i}\nStatus: install ok installed\nVersion: 1.{i}\n\
                     Architecture: amd64\nConffiles:\n /etc/p{i}.conf 0123456789abcdef0123456789abcdef\n\
                     Description: package {i}\n long text\n .\n more\n\n"
                )
                .into_bytes()
            })
            .collect()
    })
}

fn parsers(c: &mut Criterion) {
    let m = md5sums_input();
    let mut g = c.benchmark_group("pkgverify/parse");
    g.throughput(Throughput::Bytes(m.len() as u64));
    g.bench_function("md5sums", |b| {
        b.iter(|| parse_md5sums(black_box(&m)).flatten().count());
    });
    let s = status_input();
    g.throughput(Throughput::Bytes(s.len() as u64));
    g.bench_function("status", |b| {
        b.iter(|| parse_status(black_box(&s)).flatten().count());
    });
    g.finish();
}

/// A root with 300 files of 16 KiB in one package.
fn fixture() -> tempfile::TempDir {
    fixture_of(300, 16384)
}

/// A root with `n` files of `size` bytes in one package.
fn fixture_of(count: u32, size: u32) -> tempfile::TempDir {
    use md5::Digest as _;
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("var/lib/dpkg/info")).unwrap();
    std::fs::create_dir_all(r.join("usr/share/bench")).unwrap();
    std::fs::write(
        r.join("var/lib/dpkg/status"),
        "Package: bench\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n",
    )
    .unwrap();
    let mut sums = std::fs::File::create(r.join("var/lib/dpkg/info/bench.md5sums")).unwrap();
    let mut list = std::fs::File::create(r.join("var/lib/dpkg/info/bench.list")).unwrap();
    for i in 0..count {
        let data: Vec<u8> = (0..size).map(|j| (i ^ j ^ (j >> 11)) as u8).collect();
        let p = format!("usr/share/bench/f{i}");
        std::fs::write(r.join(&p), &data).unwrap();
        let d = md5::Md5::digest(&data);
        let hex = d.iter().fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        });
        writeln!(sums, "{hex}  {p}").unwrap();
        writeln!(list, "/{p}").unwrap();
    }
    t
}

fn verify(c: &mut Criterion) {
    let t = fixture();
    let root = HostRoot::new(t.path()).unwrap();
    let mut opts = VerifyOptions::default();
    opts.unowned = false;
    let mut g = c.benchmark_group("pkgverify/verify");
    g.throughput(Throughput::Bytes(300 * 16384));
    g.sample_size(20);
    g.bench_function("fixture-300x16k", |b| {
        b.iter(|| {
            let r = verify_root(&root, &opts, &Control::unbounded());
            assert_eq!(r.files, 300);
            r
        });
    });
    g.finish();
    // Large files: streamed side by side in SIMD lanes rather than batched.
    let t = fixture_of(40, 2 << 20);
    let root = HostRoot::new(t.path()).unwrap();
    let mut g = c.benchmark_group("pkgverify/verify");
    g.throughput(Throughput::Bytes(40 * (2 << 20)));
    g.sample_size(10);
    g.bench_function("fixture-40x2m", |b| {
        b.iter(|| {
            let r = verify_root(&root, &opts, &Control::unbounded());
            assert_eq!(r.files, 40);
            assert!(r.outcome.findings.is_empty());
            r
        });
    });
    g.finish();
}

criterion_group!(benches, parsers, verify);
criterion_main!(benches);
