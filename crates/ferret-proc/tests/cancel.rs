//! The long operations stop promptly when cancelled mid-run: the CPU sampling wait, the
//! hidden-pid probe over every pid, and the whole suspicious-process check. Each is cancelled
//! about 100 ms after it started, and must return soon after with a `cancelled` error record,
//! long before it would have ended on its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ferret_core::{CancelToken, Control, HostRoot, Progress};
use ferret_proc::{CpuOptions, HiddenOptions, ProcOptions, SuspiciousOptions};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long after the cancellation a call may take to return (generous: the test machine
/// is shared with other builds).
const BOUND: Duration = Duration::from_millis(1500);

/// Runs `f` with a control that is cancelled 100 ms after the start; returns its result, the
/// time from the cancellation to the return, and the total time.
fn cancelled_after_100ms<T>(control: Control, f: impl FnOnce(&Control) -> T) -> (T, Duration) {
    let token = CancelToken::new();
    let control = control.with_cancel(token.clone());
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        token.cancel();
        Instant::now()
    });
    let out = f(&control);
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    (out, returned.saturating_duration_since(cancelled_at))
}

fn says_cancelled(errors: &[ferret_core::ErrorRecord]) -> bool {
    errors
        .iter()
        .any(|e| e.message == "cancelled" && e.path.is_none())
}

#[test]
fn cpu_sampling_wait_is_cancelled() {
    let mut o = CpuOptions::default();
    o.interval = Duration::from_secs(20);
    let start = Instant::now();
    let (u, after) = cancelled_after_100ms(Control::new(), |c| {
        ferret_proc::cpu_usage_root(&HostRoot::live(), &o, c)
    });
    assert!(after < BOUND, "returned {after:?} after the cancellation");
    assert!(start.elapsed() < o.interval / 4, "{:?}", start.elapsed());
    assert!(says_cancelled(&u.errors), "{:?}", u.errors);
    assert!(u.samples.is_empty(), "half an interval is no sample");
}

#[test]
fn suspicious_check_with_cpu_sampling_is_cancelled() {
    let mut o = SuspiciousOptions::default();
    o.cpu_interval = Some(Duration::from_secs(20));
    let start = Instant::now();
    let (out, after) = cancelled_after_100ms(Control::new(), |c| {
        ferret_proc::suspicious_root(&HostRoot::live(), &o, c)
    });
    assert!(after < BOUND, "returned {after:?} after the cancellation");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        out.errors
            .iter()
            .filter(|e| e.message == "cancelled")
            .count(),
        1,
        "{:?}",
        out.errors
    );
}

#[test]
fn hidden_pid_probe_is_cancelled_mid_scan() {
    // Every pid up to 2^22 (Linux's largest pid_max): seconds of probing on any machine.
    let max = 1 << 22;
    let mut o = HiddenOptions::default();
    o.max_pid = Some(max);
    o.modules = false;
    o.recheck_delay = Duration::from_secs(60);
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let s2 = Arc::clone(&seen);
    let control = Control::new().with_progress(move |p| s2.lock().unwrap().push(p));
    let start = Instant::now();
    let (out, after) = cancelled_after_100ms(control, |c| {
        ferret_proc::hidden_root(&HostRoot::live(), &o, c)
    });
    assert!(after < BOUND, "returned {after:?} after the cancellation");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(says_cancelled(&out.errors), "{:?}", out.errors);
    assert!(out.findings.iter().all(|f| f.id != "proc.hidden-pid"));
    // The probe had started, and stopped part way: progress counts pids out of `max`.
    let seen = seen.lock().unwrap();
    let done = seen.iter().map(|p| p.items_done).max().unwrap_or(0);
    assert!(seen.iter().all(|p| p.items_total == Some(max as u64)));
    assert!(done < max as u64, "the probe ran to the end: {done}");
}

#[test]
fn cancelled_before_the_start_reads_nothing() {
    let token = CancelToken::new();
    token.cancel();
    let c = Control::new().with_cancel(token);
    let start = Instant::now();
    let snap = ferret_proc::snapshot_root(&HostRoot::live(), &ProcOptions::default(), &c);
    assert!(snap.processes.is_empty());
    assert!(says_cancelled(&snap.errors), "{:?}", snap.errors);
    let out = ferret_proc::hidden_root(&HostRoot::live(), &HiddenOptions::default(), &c);
    assert!(out.findings.is_empty());
    assert!(says_cancelled(&out.errors), "{:?}", out.errors);
    assert!(start.elapsed() < BOUND, "{:?}", start.elapsed());
}
