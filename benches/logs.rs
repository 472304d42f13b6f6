//! Criterion benches for ferret-logs on real lines: the sshd/sudo/useradd lines of fail2ban's
//! and elastic-beats' test logs in `$FERRET_TESTDATA` (a few built-in real lines without it),
//! re-stamped with varied addresses and increasing times.
//!
//! The 1 GB side-by-side comparison with `grep -c 'Failed password'` is
//! `benches/compare-logs.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferret::core::Control;
use ferret::logs::{analyze, envelope, event, AnalyzeOptions, Input, YearContext};

const BUILTIN: &[&str] = &[
    "Feb 20 08:35:22 slave22 sshd[5774]: Failed password for root from 216.160.83.57 port 29160 ssh2",
    "Feb 21 21:56:12 localhost sshd[3430]: Invalid user test from 10.0.2.2",
    "Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84",
    "Feb 21 23:35:33 localhost sudo: vagrant : TTY=pts/0 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls",
    "Jul 17 23:03:05 srv sshd[1296]: Connection closed by authenticating user root 192.0.2.10 port 46038 [preauth]",
];

/// Real message bodies (after `prog[pid]: `).
fn messages() -> Vec<(String, String)> {
    let mut lines: Vec<String> = BUILTIN.iter().map(|s| (*s).to_string()).collect();
    if let Some(dir) = std::env::var_os("FERRET_TESTDATA") {
        let dir = std::path::PathBuf::from(dir);
        for f in [
            "fail2ban/logs/sshd",
            "elastic-beats/test.log",
            "fail2ban/testcases/testcase02.log",
        ] {
            let text = std::fs::read(dir.join(f)).expect("FERRET_TESTDATA file");
            lines.extend(String::from_utf8_lossy(&text).lines().map(str::to_string));
        }
    }
    let years = YearContext::fixed_year(2024);
    lines
        .iter()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let e = envelope::parse(l.as_bytes(), &years);
            (e.time.is_some() && !e.program.is_empty()).then(|| {
                (
                    String::from_utf8_lossy(&e.program).into_owned(),
                    String::from_utf8_lossy(&e.message).into_owned(),
                )
            })
        })
        .collect()
}

/// ~`bytes` of RFC 3164 log: real messages, 5000 addresses, pids reused per connection.
fn assemble(bytes: usize) -> Vec<u8> {
    let msgs = messages();
    let mut out = Vec::with_capacity(bytes + 256);
    let mut i: usize = 0;
    while out.len() < bytes {
        let (prog, msg) = &msgs[(i * 7919) % msgs.len()];
        let ip = format!(
            "{}.{}.{}.{}",
            11 + (i * 31) % 200,
            (i * 7) % 256,
            (i / 3) % 256,
            1 + i % 250
        );
        let msg = replace_ipv4(msg, &ip);
        let t = i / 4;
        out.extend_from_slice(
            format!(
                "Mar {:>2} {:02}:{:02}:{:02} web {prog}[{}]: {msg}\n",
                1 + t / 86_400 % 28,
                t / 3600 % 24,
                t / 60 % 60,
                t % 60,
                1000 + i / 5 % 30_000
            )
            .as_bytes(),
        );
        i += 1;
    }
    out
}

/// ~`bytes` of log whose lines draw their addresses uniformly from `sources` addresses (a
/// botnet's: nearly every address is seen, most a few times), the same real messages.
fn assemble_botnet(bytes: usize, sources: u64) -> Vec<u8> {
    let msgs = messages();
    let mut out = Vec::with_capacity(bytes + 256);
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    let mut i: usize = 0;
    while out.len() < bytes {
        // xorshift64: the address of this line's connection (four lines each)
        if i.is_multiple_of(4) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        let s = x % sources;
        let ip = format!(
            "{}.{}.{}.{}",
            11 + (s >> 16),
            s >> 8 & 255,
            s & 255,
            1 + s % 250
        );
        let (prog, msg) = &msgs[(i * 7919) % msgs.len()];
        let msg = replace_ipv4(msg, &ip);
        let t = i / 4;
        out.extend_from_slice(
            format!(
                "Mar {:>2} {:02}:{:02}:{:02} web {prog}[{}]: {msg}\n",
                1 + t / 86_400 % 28,
                t / 3600 % 24,
                t / 60 % 60,
                t % 60,
                1000 + i / 4 % 30_000
            )
            .as_bytes(),
        );
        i += 1;
    }
    out
}

fn replace_ipv4(msg: &str, ip: &str) -> String {
    msg.split(' ')
        .map(|w| {
            if w.split('.').count() == 4
                && w.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
            {
                ip
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn bench(c: &mut Criterion) {
    let data = assemble(8 << 20);
    let lines: Vec<&[u8]> = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .take(10_000)
        .collect();
    let years = YearContext::fixed_year(2024);

    let mut g = c.benchmark_group("logs");
    g.throughput(Throughput::Bytes(
        lines.iter().map(|l| l.len() as u64 + 1).sum(),
    ));
    g.bench_function("envelope-10k-lines", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(envelope::parse(black_box(l), &years));
            }
        });
    });
    g.bench_function("envelope+event-10k-lines", |b| {
        b.iter(|| {
            for l in &lines {
                let e = envelope::parse(black_box(l), &years);
                black_box(event::parse_message(&e.program, e.pid, &e.message));
            }
        });
    });
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(10);
    for jobs in [1, 2] {
        g.bench_function(format!("analyze-8MiB-jobs{jobs}"), |b| {
            let mut opts = AnalyzeOptions::default();
            opts.year = Some(2024);
            opts.jobs = jobs;
            b.iter(|| {
                black_box(analyze(
                    [Input::reader(&data[..], "auth.log")],
                    &opts,
                    &Control::unbounded(),
                ))
            });
        });
    }
    // A botnet's log: 300,000 sources in 64 MiB (cost per line with a table past the caches).
    let botnet = assemble_botnet(64 << 20, 300_000);
    g.throughput(Throughput::Bytes(botnet.len() as u64));
    // One thread (the MB/s on one thread) and two (the second core's share).
    for jobs in [1, 2] {
        g.bench_function(format!("analyze-64MiB-300k-sources-jobs{jobs}"), |b| {
            let mut opts = AnalyzeOptions::default();
            opts.year = Some(2024);
            opts.jobs = jobs;
            b.iter(|| {
                black_box(analyze(
                    [Input::reader(&botnet[..], "auth.log")],
                    &opts,
                    &Control::new(),
                ))
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
