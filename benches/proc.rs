//! Criterion benches for ferret-proc: the live snapshot (parallel, sequential, without
//! `environ`), the socket table with owners, and the `/proc` parsers on captured samples.
//! The side-by-side ratios against `ps`, `ss` and `lsof` are in `benches/compare-proc.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use criterion::{criterion_group, criterion_main, Criterion};
use ferret::core::{Control, HostRoot};
use ferret::proc::{self as fp, ProcOptions, Proto, SocketOptions};
use std::hint::black_box;

fn snapshot_opts(set: fn(&mut ProcOptions)) -> ProcOptions {
    let mut o = ProcOptions::default();
    set(&mut o);
    o
}

/// TCP and UDP over both families (what `ss -tanu` shows), changed by `set`.
fn socket_opts(set: fn(&mut SocketOptions)) -> SocketOptions {
    let mut o = SocketOptions::default();
    o.protocols = [Proto::Tcp, Proto::Tcp6, Proto::Udp, Proto::Udp6].into();
    set(&mut o);
    o
}

fn live(c: &mut Criterion) {
    let root = HostRoot::live();
    let ctl = Control::unbounded();
    let mut g = c.benchmark_group("proc/live");
    g.sample_size(10);
    for (name, o) in [
        ("snapshot", snapshot_opts(|_| {})),
        ("snapshot-sequential", snapshot_opts(|o| o.parallel = false)),
        (
            "snapshot-no-environ",
            snapshot_opts(|o| o.environment = false),
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(fp::snapshot_root(&root, &o, &ctl)));
        });
    }
    for (name, o) in [
        ("sockets-inet-owners", socket_opts(|_| {})),
        (
            "sockets-inet-no-owners",
            socket_opts(|o| {
                o.owners = false;
                o.all_namespaces = false;
            }),
        ),
        (
            "sockets-tcp-proc-net",
            socket_opts(|o| {
                o.protocols = [Proto::Tcp].into();
                o.owners = false;
                o.all_namespaces = false;
                o.netlink = false;
            }),
        ),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(fp::sockets_root(&root, &o, &ctl)));
        });
    }
    g.finish();
}

fn parsers(c: &mut Criterion) {
    let stat = b"12345 (kworker/0:9) S 1 12345 12345 0 -1 4194560 123 0 0 0 100 50 0 0 20 0 1 0 55555 10000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
    c.bench_function("proc/parse/stat", |b| {
        b.iter(|| fp::parse::stat(black_box(stat)).unwrap());
    });
    let mut tcp = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n".to_vec();
    for i in 0..5000u32 {
        tcp.extend_from_slice(format!("{i:4}: 0100007F:{:04X} 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 {} 1 0000000000000000 20 4 30 10 -1\n", 1024 + i % 60000, 100_000 + i).as_bytes());
    }
    c.bench_function("proc/parse/tcp-5000", |b| {
        b.iter(|| fp::parse::inet_table(black_box(&tcp)).flatten().count());
    });
}

criterion_group!(benches, live, parsers);
criterion_main!(benches);
