//! Log analysis reports progress (inputs and bytes read) through `ferret_core::Control`.
use ferret_core::{Control, HostRoot, Progress};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

#[test]
fn progress_reaches_the_file_size() {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("var/log")).unwrap();
    let mut log = String::new();
    for i in 0..40_000 {
        let _ = writeln!(
            log,
            "2026-11-21T03:10:00.{i:06}+00:00 web1 sshd[{i}]: Failed password for root from 203.0.113.5 port {} ssh2",
            1024 + (i % 60_000)
        );
    }
    std::fs::write(t.path().join("var/log/auth.log"), &log).unwrap();
    let seen: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let control = Control::new().with_progress(move |p| sink.lock().unwrap().push(p));
    let root = HostRoot::new(t.path()).unwrap();
    let a = {
        let mut o = ferret_logs::AnalyzeOptions::default();
        o.paths = ["/var/log/auth.log".into()].to_vec();
        ferret_logs::analyze_root(&root, &o, &control)
    };
    assert_eq!(a.lines, 40_000);
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() >= 2,
        "reported about once per MiB: {}",
        seen.len()
    );
    let last = seen.last().unwrap();
    assert_eq!(last.bytes_done, log.len() as u64);
    assert_eq!(last.items_done, 1);
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
}
