//! A very large report (#20, "Bad input": a million findings): the streamed renderers (JSON,
//! JSON Lines, OCSF, OCSF lines) write it with bounded memory. 100,000 findings by default (a
//! debug build renders a million in minutes); `FERRET_RENDER_FINDINGS=1000000` for the full
//! count. The process's peak resident set
//! (`VmHWM`) is reset before each renderer (`/proc/self/clear_refs`, 5) and read after it: the
//! output is tens to hundreds of megabytes, the memory a renderer adds is its buffer and one record at
//! a time. (The workspace forbids `unsafe`, so no counting allocator: the kernel counts.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::many_single_char_names,
    clippy::items_after_statements,
    clippy::naive_bytecount
)]

mod common;

use ferret::core::{Control, Evidence, Finding, HostRoot, Severity};
use ferret::triage::{triage_root, TriageModule, TriageOptions};
use ferret::Report;

/// A `kB` line of `/proc/self/status`, in bytes.
fn status_kb(field: &str) -> usize {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    let kb: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    kb << 10
}

/// Resets the peak resident set to the current one; returns it.
fn reset_peak() -> usize {
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs resets VmHWM (Linux 4.0+)");
    status_kb("VmHWM:")
}

/// Counts what is written, keeps nothing.
#[derive(Default)]
struct Counter {
    bytes: usize,
    lines: usize,
}

impl std::io::Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.bytes += b.len();
        self.lines += b.iter().filter(|&&c| c == b'\n').count();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const FINDINGS: usize = 100_000;

fn findings() -> usize {
    std::env::var("FERRET_RENDER_FINDINGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FINDINGS)
}

#[test]
fn a_very_large_report_renders_in_bounded_memory() {
    let n = findings();
    // A real report (host, modules, summary), then `n` findings in it, one per subject,
    // with a non-UTF-8 byte in every tenth path.
    let t = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    let mut o = TriageOptions::default();
    o.only = Some(vec![TriageModule::Accounts]);
    let mut r: Report = triage_root(&HostRoot::new(t.path()).unwrap(), &o, &Control::new());
    r.findings.reserve(n);
    for i in 0..n {
        let mut path = format!("/tmp/.x/f{i}").into_bytes();
        if i % 10 == 0 {
            path.push(0xff);
        }
        r.findings.push(
            Finding::new(
                "scan.drop-location",
                Severity::High,
                "a file in /tmp",
                &path,
            )
            .with_evidence(Evidence::file(&path))
            .with_attack("T1105"),
        );
    }
    type R = fn(&Report, &mut Counter) -> std::io::Result<()>;
    let renderers: [(&str, R); 4] = [
        ("json", |r, o| ferret::render::json(r, o)),
        ("jsonl", |r, o| ferret::render::json_lines(r, o)),
        ("ocsf", |r, o| ferret::render::ocsf(r, o)),
        ("ocsf-jsonl", |r, o| ferret::render::ocsf_lines(r, o)),
    ];
    // The control: a document built in memory first raises the peak by its size, so the
    // measurement below can see a renderer that buffers.
    let base = reset_peak();
    let whole = serde_json::to_vec(&r.findings).unwrap();
    let added = status_kb("VmHWM:").saturating_sub(base);
    assert!(
        added >= whole.len() / 2,
        "the peak did not see {} bytes built in memory (+{added})",
        whole.len()
    );
    drop(whole);
    // The heap grown for the findings is resident; a renderer may only add its own pages.
    for (name, f) in renderers {
        let mut c = Counter::default();
        let base = reset_peak();
        f(&r, &mut c).unwrap();
        let added = status_kb("VmHWM:").saturating_sub(base);
        assert!(c.lines >= n, "{name}: {} lines", c.lines);
        assert!(c.bytes > n * 200, "{name}: only {} bytes", c.bytes);
        // The buffer (64 KiB) and one record's values; nothing that grows with the output
        // (a renderer that built the document first would add its size, tens of MB or more).
        assert!(
            added < 16 << 20,
            "{name}: rendering {} bytes raised the peak resident set by {added} bytes",
            c.bytes
        );
        eprintln!(
            "{name}: {} MB written, peak resident set +{} KB",
            c.bytes >> 20,
            added >> 10
        );
    }
}
