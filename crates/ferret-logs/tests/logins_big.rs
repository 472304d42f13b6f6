//! A 2 GB sparse `btmp` (a few real records at both ends, holes between): read by streaming,
//! in bounded memory and time, the holes counted as zeroed records. Its own test binary, so
//! that the process's peak memory (`VmHWM`) is this test's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use ferret_logs::core::{Control, HostRoot};
use ferret_logs::logins::{audit_root, LoginOptions, Source};
use ferret_testkit::logins::{binary, Rec};

fn vm_hwm_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn two_gigabyte_sparse_btmp() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("var/log");
    std::fs::create_dir_all(&dir).unwrap();
    let size: u64 = 384 * 5_592_405; // just under 2 GiB, whole records
    let mut head = Vec::new();
    for i in 0..10 {
        let mut r = Rec::login(b"root", "ssh:notty", "203.0.113.9", 1, 1_700_000_000 + i);
        r.ty = 6;
        head.push(r);
    }
    let head = binary(&head);
    let f = std::fs::File::create(dir.join("btmp")).unwrap();
    f.set_len(size).unwrap();
    f.write_all_at(&head, 0).unwrap();
    f.write_all_at(&head, size - head.len() as u64).unwrap();
    drop(f);

    let before = vm_hwm_kib();
    let root = HostRoot::new(t.path()).unwrap();
    let mut opts = LoginOptions::default();
    opts.files = vec![(Source::Btmp, "/var/log/btmp".into())];
    let start = Instant::now();
    let l = audit_root(&root, &opts, &Control::new());
    let took = start.elapsed();
    let grew_mib = (vm_hwm_kib().saturating_sub(before)) / 1024;
    let f = &l.files[0];
    assert_eq!(f.records, size / 384);
    assert_eq!(f.zeroed, size / 384 - 20);
    assert_eq!(l.failure_sources[0].failures, 20);
    assert_eq!(
        f.entries.len(),
        20,
        "records with content (zeroed ones are counted)"
    );
    assert!(l.outcome.errors.is_empty(), "{:?}", l.outcome.errors);
    // Memory: the read buffer and the kept records, not the file.
    assert!(grew_mib < 64, "peak memory grew by {grew_mib} MiB");
    // Time: a budget for an unoptimised test build on a loaded machine (an optimised build
    // reads it in about a second).
    assert!(took < Duration::from_secs(120), "{took:?}");
    eprintln!("2 GB sparse btmp: {took:?}, peak memory +{grew_mib} MiB");

    // Cancellation stops it promptly with what was read.
    let c = Control::new();
    let cc = c.clone();
    let stop = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cc.cancel.cancel();
    });
    let start = Instant::now();
    let l = audit_root(&root, &opts, &c);
    let elapsed = start.elapsed();
    stop.join().unwrap();
    assert!(elapsed < took.max(Duration::from_secs(1)) + Duration::from_secs(2));
    let cancelled = l
        .outcome
        .errors
        .iter()
        .any(|e| e.message.contains("cancelled"));
    if elapsed < Duration::from_millis(300) {
        // Done before the cancellation came (a warm cache skips the holes fast): complete.
        assert!(
            !cancelled && l.files[0].records == size / 384,
            "{:?}",
            l.outcome.errors
        );
    } else {
        assert!(cancelled, "{elapsed:?}: {:?}", l.outcome.errors);
    }
}
