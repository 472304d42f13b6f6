//! Criterion benches for ferret-baseline (pkgverify) (filled by its issue).
use criterion::{criterion_group, criterion_main, Criterion};

fn placeholder(c: &mut Criterion) {
    c.bench_function("pkgverify/escape-1k", |b| {
        let data = vec![b'a'; 1024];
        b.iter(|| ferret::core::escape::escape(std::hint::black_box(&data)));
    });
}

criterion_group!(benches, placeholder);
criterion_main!(benches);
