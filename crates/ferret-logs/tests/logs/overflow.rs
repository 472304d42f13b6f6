//! Numbers at the ends of their range in log lines: the analysis never overflows (every build
//! of the tests has overflow checks on), and the answer is the one the numbers mean.

use ferret_core::Control;
use ferret_logs::{analyze, Analysis, AnalyzeOptions, Input};

fn run(log: &[u8], jobs: usize) -> Analysis {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2024);
    o.jobs = jobs;
    analyze([Input::reader(log, "x")], &o, &Control::new())
}

/// FreeBSD `syslogd -v` `<facility.level>` numbers past any facility or level (once an
/// overflowing `f * 8 + l` evaluated before its range check).
#[test]
fn bsd_priority_numbers_past_the_range() {
    let log = b"Apr 2 17:51:27<4112401240.3>
Apr 2 17:51:27 <1.4294967295> h sshd[1]: x
Apr 2 17:51:27 <4294967295.4294967295> h sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2
Apr  2 17:51:27 <4.3> h sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2
";
    for jobs in [1, 2] {
        let a = run(log, jobs);
        assert_eq!(a.lines, 4);
        // A prefix that is no facility and level is not one: that line has no known layout.
        assert_eq!(a.sources.iter().next().unwrap().failures, 1, "jobs {jobs}");
    }
}

/// journald JSON lines may carry any 64-bit `__REALTIME_TIMESTAMP`: the sliding windows
/// (failures, filesystem errors) compare times at both ends of the range.
#[test]
fn times_at_both_ends_of_the_range() {
    let mut log = String::new();
    for t in [i64::MIN, i64::MIN, i64::MIN, i64::MIN, i64::MAX, i64::MAX] {
        log += &format!("{{\"__REALTIME_TIMESTAMP\":\"{t}\",\"_HOSTNAME\":\"h\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"_PID\":\"1\",\"MESSAGE\":\"Failed password for root from 192.0.2.1 port 22 ssh2\"}}\n");
        log += &format!("{{\"__REALTIME_TIMESTAMP\":\"{t}\",\"_HOSTNAME\":\"h\",\"SYSLOG_IDENTIFIER\":\"kernel\",\"MESSAGE\":\"EXT4-fs error (device sda1): x\"}}\n");
    }
    for jobs in [1, 2] {
        let a = run(log.as_bytes(), jobs);
        assert_eq!(a.sources.iter().next().unwrap().failures, 6);
        // Never five within the window: four at the start of time, two at its end.
        let ids: Vec<&str> = a.outcome.findings.iter().map(|f| f.id.as_str()).collect();
        assert!(!ids.contains(&"logs.brute-force"), "{ids:?}");
        assert!(!ids.contains(&"logs.fs-errors"), "{ids:?}");
        let w = a.window.unwrap();
        assert_eq!((w.first.0, w.last.0), (i64::MIN, i64::MAX));
    }
}
