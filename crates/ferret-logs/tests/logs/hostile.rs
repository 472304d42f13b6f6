//! Hostile logs (#22): a gzip bomb among the rotations and a slow old rotation must neither
//! stop the analysis nor hide the evidence in the current log.

use std::io::Write;
use std::time::{Duration, Instant};

use ferret_core::{Control, HostRoot};
use ferret_logs::{analyze_root, AnalyzeOptions, GZ_RATIO_FLOOR, MAX_GZ_RATIO};

/// One gzip member of `mib` MiB of NUL bytes, repeated `members` times: a multi-member file
/// that inflates to `mib * members` MiB (10 GiB for 1 x 10,240) from about 1 KiB per member.
fn nul_bomb(mib: usize, members: usize) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![0u8; mib << 20]).unwrap();
    let member = e.finish().unwrap();
    member.repeat(members)
}

/// The current auth.log: a brute force from 203.0.113.9 then a successful login from it.
fn current_log() -> Vec<u8> {
    let mut s = String::new();
    for i in 0..8 {
        s.push_str(&format!(
            "Mar  3 10:0{i}:00 host sshd[10{i}]: Failed password for root from 203.0.113.9 port 4{i}000 ssh2\n"
        ));
    }
    s.push_str("Mar  3 10:09:00 host sshd[200]: Accepted password for root from 203.0.113.9 port 50000 ssh2\n");
    s.into_bytes()
}

fn ids(a: &ferret_logs::Analysis) -> Vec<&str> {
    a.outcome.findings.iter().map(|f| f.id.as_str()).collect()
}

fn opts() -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2026);
    o
}

#[test]
fn a_gzip_bomb_in_an_old_rotation_is_reported_and_the_current_log_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).unwrap();
    let bomb = nul_bomb(1, 10_240);
    std::fs::write(log.join("auth.log.2.gz"), &bomb).unwrap();
    std::fs::write(log.join("auth.log"), current_log()).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let t = Instant::now();
    let a = analyze_root(&root, &opts(), &Control::new());
    let took = t.elapsed();
    assert!(took < Duration::from_secs(20), "took {took:?}");
    let found = ids(&a);
    assert!(found.contains(&"logs.decompression-bomb"), "{found:?}");
    assert!(found.contains(&"logs.brute-force"), "{found:?}");
    assert!(found.contains(&"logs.login-after-failures"), "{found:?}");
    let bomb_f = a
        .outcome
        .findings
        .iter()
        .find(|f| f.id == "logs.decompression-bomb")
        .unwrap();
    assert_eq!(bomb_f.subject, "/var/log/auth.log.2.gz");
    // Stopped at the ratio, early: far less than the 10 GiB it would inflate to.
    let gz = a.files.iter().find(|f| f.compressed).unwrap();
    assert!(gz.lines <= 1, "one line of NULs at most: {gz:?}");
    assert!(
        a.outcome
            .errors
            .iter()
            .any(|e| e.message.contains("decompression stopped")),
        "{:?}",
        a.outcome.errors
    );
    assert!(
        (bomb.len() as u64) * MAX_GZ_RATIO > GZ_RATIO_FLOOR,
        "the bomb is past the floor"
    );
}

#[test]
fn a_well_compressed_small_log_is_not_a_bomb() {
    // Under the floor the ratio is not checked: a small log of one repeated line compresses
    // past any ratio and is still read whole.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).unwrap();
    let line = "Mar  3 09:00:00 host CRON[1]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n";
    let body = line.repeat(100_000);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(body.as_bytes()).unwrap();
    std::fs::write(log.join("auth.log.1.gz"), e.finish().unwrap()).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let a = analyze_root(&root, &opts(), &Control::new());
    assert!(!ids(&a).contains(&"logs.decompression-bomb"));
    assert_eq!(a.files[0].lines, 100_000);
    assert!(a.outcome.errors.is_empty(), "{:?}", a.outcome.errors);
}

#[test]
fn a_slow_old_rotation_cannot_use_the_whole_time_budget() {
    // 8 MiB of noise in auth.log.1 read at 1 MiB/s would take 8 s; the budget is 3 s. The
    // rotation gets its share and is cut; the current log is read and its evidence reported.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).unwrap();
    let noise = "Mar  2 08:00:00 host kernel: [1.0] noise line padding padding padding\n";
    std::fs::write(
        log.join("auth.log.1"),
        noise.repeat((8 << 20) / noise.len()),
    )
    .unwrap();
    std::fs::write(log.join("auth.log"), current_log()).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let control = Control::new()
        .with_io_limit(1 << 20)
        .with_time_budget(Duration::from_secs(3));
    let t = Instant::now();
    let a = analyze_root(&root, &opts(), &control);
    let took = t.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let found = ids(&a);
    assert!(found.contains(&"logs.brute-force"), "{found:?}");
    assert!(found.contains(&"logs.login-after-failures"), "{found:?}");
    assert!(
        a.outcome
            .errors
            .iter()
            .any(|e| e.message.contains("older rotation cut short")),
        "{:?}",
        a.outcome.errors
    );
    let current = a
        .files
        .iter()
        .find(|f| f.path == "/var/log/auth.log")
        .unwrap();
    assert_eq!(current.lines, 9, "the current log is read whole");
}

#[test]
fn the_time_budget_stops_a_line_without_end() {
    // 1 GiB of NULs after a timestamp: one line. The budget must cut it, not the line's end.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("var/log");
    std::fs::create_dir_all(&log).unwrap();
    let f = std::fs::File::create(log.join("auth.log")).unwrap();
    f.set_len(1 << 30).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let budget = Duration::from_millis(300);
    let t = Instant::now();
    let a = analyze_root(&root, &opts(), &Control::new().with_time_budget(budget));
    let took = t.elapsed();
    assert!(took < budget + Duration::from_secs(2), "took {took:?}");
    assert!(
        a.outcome
            .errors
            .iter()
            .any(|e| e.message.contains("cancelled")),
        "{:?}",
        a.outcome.errors
    );
}
