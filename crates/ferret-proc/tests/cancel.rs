//! The hidden-process probe stops promptly when cancelled (it is the one long operation here).
use ferret_core::{CancelToken, HostRoot};
use std::time::{Duration, Instant};

#[test]
fn cancelled_probe_returns_at_once() {
    let token = CancelToken::new();
    token.cancel();
    let opts = ferret_proc::HiddenOptions::new()
        .max_pid(Some(4_194_304))
        .recheck_delay(Duration::ZERO)
        .cancel(token);
    let t = Instant::now();
    let out = ferret_proc::hidden(&HostRoot::live(), &opts);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert!(out.findings.iter().all(|f| f.id != "proc.hidden-pid"));
}
