//! Criterion benches for `ferret_logs::logins` on files the real tool wrote: a realistic
//! `wtmp` history (boots, crashes, shutdowns, overlapping terminals, clock changes) and a
//! `btmp` of failures from many sources, made binary by util-linux `utmpdump -r`
//! (`ferret_testkit::logins`).
//!
//! The 100 MB side-by-side comparison with `last -f` and `lastb -f` is
//! `benches/compare-logins.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferret::core::Control;
use ferret::logs::logins::{audit, parse_utmp, sessions, LoginInput, LoginOptions, Source};
use ferret_testkit::logins::{binary, history, Rec};

/// 2024-01-01T00:00:00Z.
const START: i64 = 1_704_067_200;

/// `n` failed logins (`LOGIN_PROCESS`-typed, as `lastb` reads them) from 2,000 sources.
fn failures(n: usize) -> Vec<Rec> {
    (0..n)
        .map(|i| {
            let ip = format!(
                "198.{}.{}.{}",
                18 + i % 2,
                (i / 7) % 256,
                1 + (i * 31) % 250
            );
            let user = [&b"root"[..], b"admin", b"oracle", b"ubuntu", b"test"][i % 5];
            let mut r = Rec::login(
                user,
                "ssh:notty",
                &ip,
                (1000 + i % 90_000) as u32,
                START + i as i64,
            );
            r.ty = 6;
            r
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let wtmp = binary(&history(40_000, 7, START));
    let btmp = binary(&failures(40_000));
    let opts = LoginOptions::default();

    let mut g = c.benchmark_group("logins");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(wtmp.len() as u64));
    g.bench_function("parse_utmp wtmp", |b| {
        b.iter(|| parse_utmp(black_box(&wtmp)).filter_map(Result::ok).count());
    });
    g.bench_function("sessions wtmp", |b| {
        b.iter(|| sessions(parse_utmp(black_box(&wtmp)).filter_map(Result::ok)).len());
    });
    g.bench_function("audit wtmp (sessions and checks)", |b| {
        b.iter(|| {
            let l = audit(
                [LoginInput::Bytes(
                    Source::Wtmp,
                    black_box(&wtmp),
                    b"/var/log/wtmp".to_vec(),
                )],
                &opts,
                &Control::unbounded(),
            );
            l.files[0].sessions_total
        });
    });
    g.throughput(Throughput::Bytes(btmp.len() as u64));
    g.bench_function("audit btmp (failures per source)", |b| {
        b.iter(|| {
            let l = audit(
                [LoginInput::Bytes(
                    Source::Btmp,
                    black_box(&btmp),
                    b"/var/log/btmp".to_vec(),
                )],
                &opts,
                &Control::unbounded(),
            );
            l.failure_sources.len()
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
