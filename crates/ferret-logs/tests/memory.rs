//! Peak heap of an analysis (#20, "Logs at scale" and "Bad input"), counted by a test-only
//! global allocator ([`peak_alloc`]: it counts every allocation of this test binary, which
//! runs one test at a time for that reason).
//!
//! - A botnet's log: `n` sources, each with a short burst of failed passwords (a brute
//!   force each, folded into one campaign finding): the peak grows at most [`PER_SOURCE`]
//!   bytes a source, from the analysis's start to its result (sources, findings, campaign).
//! - Serialising every source (the JSON `sources` array) adds nothing per source.
//! - One source with very many lines: the peak does not grow with the lines.
//!
//! The logs are made line by line by a reader as the analysis reads them: the input itself
//! takes no memory. 100,000 sources by default (a debug build); `FERRET_MEMORY_SOURCES=300000`
//! for the figure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::indexing_slicing
)]

use ferret_core::Control;
use ferret_logs::{analyze, AnalyzeOptions, Input};
use peak_alloc::PeakAlloc;
use std::io::Read;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The most a source may cost at the peak, in bytes: its entry in the detector's table (120)
/// and index slot, its windows (it failed more than once: the brute-force window's five
/// failures and the spraying window's users), its brute-force finding until the campaign
/// folds it (32 bytes: it is made only if no campaign folds it), then its 88-byte entry of
/// the result. Measured: 372 bytes a source at 100,000 sources, 402 at 300,000.
const PER_SOURCE: usize = 512;

/// Lines made on demand: `line(i)` for `i` in `0..n`.
struct Lines<F> {
    next: u64,
    n: u64,
    line: F,
    buf: Vec<u8>,
    pos: usize,
}

impl<F: FnMut(u64, &mut Vec<u8>)> Lines<F> {
    fn new(n: u64, line: F) -> Self {
        Lines {
            next: 0,
            n,
            line,
            buf: Vec::with_capacity(1 << 16),
            pos: 0,
        }
    }
}

impl<F: FnMut(u64, &mut Vec<u8>)> Read for Lines<F> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            while self.next < self.n && self.buf.len() < 60_000 {
                (self.line)(self.next, &mut self.buf);
                self.next += 1;
            }
        }
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let k = rest.len().min(out.len());
        out[..k].copy_from_slice(&rest[..k]);
        self.pos += k;
        Ok(k)
    }
}

/// An RFC 3164 time `secs` after Mar 1 00:00.
fn stamp(secs: u64, out: &mut Vec<u8>) {
    use std::io::Write;
    let (d, r) = (secs / 86_400, secs % 86_400);
    let _ = write!(
        out,
        "Mar {:2} {:02}:{:02}:{:02}",
        1 + d % 28,
        r / 3600,
        r / 60 % 60,
        r % 60
    );
}

const BURST: u64 = 6;

/// `n` sources, each with a burst of [`BURST`] failed passwords in 6 s.
fn botnet(n: u64) -> impl Read {
    Lines::new(n * BURST, |i, out: &mut Vec<u8>| {
        use std::io::Write;
        let s = i / BURST;
        stamp(i / 4, out);
        let _ = writeln!(
            out,
            " web sshd[{}]: Failed password for {} from 10.{}.{}.{} port {} ssh2",
            1000 + i % 60_000,
            ["root", "admin", "oracle"][(i % 3) as usize],
            s >> 16 & 255,
            s >> 8 & 255,
            s & 255,
            30_000 + i % 30_000
        );
    })
}

fn options() -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2024);
    o
}

/// Runs `f`; the peak heap it added over what was allocated before, and its result.
fn peak_of<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let base = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let r = f();
    (HEAP.peak_usage().saturating_sub(base), r)
}

/// Counts what is written, keeps nothing.
#[derive(Default)]
struct Sink(usize);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn peak_heap_per_source_and_per_line() {
    let n: u64 = std::env::var("FERRET_MEMORY_SOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let c = Control::new();
    let o = options();

    // A few sources: the fixed cost (buffers, tables' first chunks).
    let (small, a) = peak_of(|| analyze([Input::reader(botnet(1000), "auth.log")], &o, &c));
    assert_eq!(a.sources.len(), 1000);
    drop(a);

    // `n` sources.
    let (big, a) = peak_of(|| analyze([Input::reader(botnet(n), "auth.log")], &o, &c));
    assert_eq!(a.sources.len(), n as usize);
    assert!(a.sources.iter().all(|s| s.failures == BURST));
    let campaign = a
        .outcome
        .findings
        .iter()
        .find(|f| f.id == "logs.campaign")
        .expect("a campaign");
    assert!(campaign.title.contains(&format!("from {n} sources")));
    let per = (big - small) as f64 / (n - 1000) as f64;
    eprintln!(
        "peak heap: 1000 sources {small} bytes, {n} sources {big} bytes: {per:.0} bytes a source"
    );
    assert!(
        big - small <= (n as usize - 1000) * PER_SOURCE,
        "{per:.0} bytes a source at the peak (at most {PER_SOURCE})"
    );

    // Serialising every source: one at a time, nothing per source.
    let held = HEAP.current_usage();
    let (json, written) = peak_of(|| {
        let mut sink = Sink::default();
        serde_json::to_writer(&mut sink, &a.sources).unwrap();
        sink.0
    });
    eprintln!("sources as JSON: {written} bytes written, {json} bytes of heap added");
    assert!(written > n as usize * 40, "{written} bytes for {n} sources");
    assert!(
        json < 64 * 1024,
        "serialising {n} sources took {json} bytes of heap"
    );
    // (The test harness's own threads may allocate a few bytes meanwhile.)
    assert!(
        HEAP.current_usage().abs_diff(held) < 4096,
        "serialising keeps nothing"
    );
    drop(a);

    // One source, very many lines: flat.
    let one = |lines: u64| {
        Lines::new(lines, |i, out: &mut Vec<u8>| {
            use std::io::Write;
            stamp(i / 8, out);
            let _ = writeln!(
                out,
                " web sshd[{}]: Failed password for {} from 203.0.113.9 port {} ssh2",
                1000 + i % 60_000,
                ["root", "admin", "oracle"][(i % 3) as usize],
                30_000 + i % 30_000
            );
        })
    };
    let (short, a) = peak_of(|| analyze([Input::reader(one(100_000), "auth.log")], &o, &c));
    assert_eq!(a.sources.iter().next().unwrap().failures, 100_000);
    drop(a);
    let long_lines = 10 * 100_000;
    let (long, a) = peak_of(|| analyze([Input::reader(one(long_lines), "auth.log")], &o, &c));
    assert_eq!(a.sources.iter().next().unwrap().failures, long_lines);
    eprintln!("one source: 100,000 lines {short} bytes, {long_lines} lines {long} bytes");
    assert!(
        long <= short + 64 * 1024,
        "the peak grew with the lines: {short} -> {long} bytes"
    );
}
