//! Bad input at scale ("Logs at scale" in the crate docs): every line a new source, one
//! source with a million lines. The detector's own state is measured
//! ([`Detector::state_bytes`]), not the process's memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::mem::size_of;

use super::{Detector, Source, Thresholds, Windows};
use crate::envelope;
use crate::event::parse_message;
use crate::time::YearContext;

/// An RFC 3164 sshd line at second `t` of March.
fn line(t: u64, pid: u64, msg: &str) -> String {
    format!(
        "Mar {:>2} {:02}:{:02}:{:02} srv sshd[{pid}]: {msg}",
        1 + t / 86_400,
        t / 3600 % 24,
        t / 60 % 60,
        t % 60
    )
}

/// The `i`-th distinct address.
fn addr(i: u64) -> String {
    format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255)
}

fn feed(det: &mut Detector, years: &YearContext, no: u64, text: &str) {
    let env = envelope::parse(text.as_bytes(), years);
    let ev = parse_message(&env.program, env.pid, &env.message).expect("an sshd event");
    det.observe_event(no, env.time, env.pid, true, &ev);
}

/// The hash index's share of a source: a 4-byte index and a control byte per slot, at
/// least 7/16 of the slots full (just after the table doubled).
const INDEX_PER_SOURCE: usize = 5 * 16 / 7 + 1;

#[test]
fn every_line_a_new_source_costs_one_source_entry() {
    let years = YearContext::fixed_year(2024);
    let mut det = Detector::new(Thresholds::default());
    let n = 200_000u64;
    let mut half = 0;
    for i in 0..n {
        let msg = format!("Failed password for root from {} port 22 ssh2", addr(i));
        feed(&mut det, &years, i + 1, &line(i, 1000 + i % 64, &msg));
        if i + 1 == n / 2 {
            half = det.state_bytes();
        }
    }
    let full = det.state_bytes();
    // One failure each: no windows, only the source's entry, its index slot and the chunk
    // being filled (plus the few users and sessions, all sources sharing them).
    let per_source = size_of::<Source>() + INDEX_PER_SOURCE;
    let fixed = super::CHUNK * size_of::<Source>() + 64 * 1024;
    assert!(
        full <= n as usize * per_source + fixed,
        "{full} bytes for {n} sources: over {per_source} a source"
    );
    // Linear in the sources: the second half costs what the first did, within the index's
    // doubling.
    assert!(
        full - half <= (n / 2) as usize * per_source + fixed,
        "first half {half} bytes, both {full}"
    );
    assert!(det.src.windows.len() == 0, "one failure needs no windows");
    let r = det.finish();
    assert_eq!(r.sources.len(), n as usize);
    assert!(r
        .sources
        .iter()
        .all(|s| s.failures == 1 && s.events == 1 && s.users == ["root"]));
    // Every address came back as it was logged.
    let mut ips: Vec<String> = r.sources.iter().map(|s| s.ip.into_owned()).collect();
    ips.sort_unstable();
    let mut want: Vec<String> = (0..n).map(addr).collect();
    want.sort_unstable();
    assert!(ips.iter().zip(&want).all(|(a, b)| a == b));
}

#[test]
fn sources_failing_twice_cost_their_windows_only() {
    let years = YearContext::fixed_year(2024);
    let th = Thresholds::default();
    let fail_n = th.failures as usize;
    let mut det = Detector::new(th);
    let n = 100_000u64;
    for i in 0..n {
        for (k, user) in ["root", "admin"].iter().enumerate() {
            let msg = format!("Failed password for {user} from {} port 22 ssh2", addr(i));
            let no = 2 * i + k as u64;
            feed(&mut det, &years, no + 1, &line(no, 1000 + no % 64, &msg));
        }
    }
    let full = det.state_bytes();
    // The entry, its windows, the failure ring (the threshold's entries) and the spraying
    // window's first allocation (four users).
    let per_source = size_of::<Source>()
        + INDEX_PER_SOURCE
        + size_of::<Windows>()
        + fail_n * size_of::<(i64, u64)>()
        + 4 * size_of::<(u64, i64)>();
    let fixed = super::CHUNK * (size_of::<Source>() + size_of::<Windows>()) + 64 * 1024;
    assert!(
        full <= n as usize * per_source + fixed,
        "{full} bytes for {n} sources: over {per_source} a source"
    );
    let r = det.finish();
    assert_eq!(r.sources.len(), n as usize);
    assert!(r
        .sources
        .iter()
        .all(|s| s.failures == 2 && s.users == ["root", "admin"]));
}

#[test]
fn one_source_with_a_million_lines_holds_constant_state() {
    let years = YearContext::fixed_year(2024);
    let mut det = Detector::new(Thresholds::default());
    let users = ["root", "admin", "test"];
    let n = 1_000_000u64;
    let mut warm = 0;
    for i in 0..n {
        let msg = format!(
            "Failed password for {} from 203.0.113.9 port {} ssh2",
            users[(i % 3) as usize],
            1024 + i % 60_000
        );
        feed(&mut det, &years, i + 1, &line(i / 4, 5000 + i % 512, &msg));
        if i + 1 == 10_000 {
            warm = det.state_bytes();
        }
    }
    let end = det.state_bytes();
    assert!(
        end <= warm,
        "state grew with the lines: {warm} -> {end} bytes"
    );
    let r = det.finish();
    assert_eq!(r.sources.len(), 1);
    let s = r.sources.iter().next().unwrap();
    assert_eq!(s.events, n);
    assert_eq!(s.failures, n);
    assert_eq!(s.users, users);
    assert_eq!(
        r.findings
            .iter()
            .filter(|f| f.id == "logs.brute-force")
            .count(),
        1
    );
}

#[test]
fn sources_failing_further_apart_than_the_window_hold_no_windows() {
    let years = YearContext::fixed_year(2024);
    let th = Thresholds::default();
    let win = th.window_secs as u64;
    let mut det = Detector::new(th);
    let n = 50_000u64;
    let users = ["root", "admin", "test"];
    // Three passes over the sources, each source's failures more than the window apart.
    for (pass, user) in (0u64..).zip(users) {
        for i in 0..n {
            let msg = format!("Failed password for {user} from {} port 22 ssh2", addr(i));
            let no = pass * n + i;
            let t = pass * (n + win + 1) + i;
            feed(&mut det, &years, no + 1, &line(t, 1000 + no % 64, &msg));
        }
    }
    // Each failure's windows held it alone and went back inline: one windows record and one
    // ring, reused by every source in turn.
    assert!(
        det.src.windows.len() <= 1,
        "{} windows",
        det.src.windows.len()
    );
    assert!(det.src.rings.n <= 1, "{} rings", det.src.rings.n);
    let per_source = size_of::<Source>() + INDEX_PER_SOURCE;
    let fixed = super::CHUNK * (size_of::<Source>() + size_of::<Windows>()) + 1024 * 1024;
    let full = det.state_bytes();
    assert!(
        full <= n as usize * per_source + fixed,
        "{full} bytes for {n} sources: over {per_source} a source"
    );
    let r = det.finish();
    assert_eq!(r.sources.len(), n as usize);
    assert!(r
        .sources
        .iter()
        .all(|s| s.failures == 3 && s.users == users));
    assert!(!r.findings.iter().any(|f| f.id == "logs.brute-force"));
}

#[test]
fn a_failure_held_again_still_counts_in_its_window() {
    let years = YearContext::fixed_year(2024);
    let th = Thresholds::default();
    let (fail_n, win) = (u64::from(th.failures), th.window_secs as u64);
    let mut det = Detector::new(th);
    // Failures far apart (each held inline again), then `fail_n` within the window: the
    // brute force fires on the last, its window starting at the first of those.
    let mut times: Vec<u64> = (0..3).map(|k| k * 10 * win).collect();
    let burst = 3 * 10 * win;
    times.extend((0..fail_n).map(|k| burst + k));
    for (no, t) in (1u64..).zip(&times) {
        let msg = "Failed password for root from 198.51.100.7 port 22 ssh2";
        feed(&mut det, &years, no, &line(*t, 4000 + no, msg));
    }
    let r = det.finish();
    let brute: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.id == "logs.brute-force")
        .collect();
    assert_eq!(brute.len(), 1, "{brute:?}");
    // The burst's first line is the fourth.
    assert!(
        brute[0].evidence.iter().any(|e| e.line == Some(4)),
        "{:?}",
        brute[0].evidence
    );
}

/// The per-source records keep the sizes the crate docs give ("Logs at scale"): a field
/// added or widened shows here before it shows in a botnet's peak.
#[test]
fn per_source_records_keep_their_documented_sizes() {
    assert_eq!(size_of::<Source>(), 80, "Source");
    assert_eq!(size_of::<Windows>(), 64, "Windows");
    assert_eq!(size_of::<super::AcceptedAt>(), 32, "AcceptedAt");
    assert_eq!(size_of::<super::Compromise>(), 40, "Compromise");
    assert_eq!(size_of::<super::sources::Entry>(), 72, "sources::Entry");
}
