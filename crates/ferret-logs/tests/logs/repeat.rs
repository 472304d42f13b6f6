//! syslog repeat lines: rsyslog's `message repeated N times: [ MSG]` (Ubuntu's default
//! `$RepeatedMsgReduction on`).

use ferret_core::Control;
use ferret_logs::{analyze, Analysis, AnalyzeOptions, Input, MAX_REPEAT};
/// Options with a fixed year and `jobs` threads.
fn options(year: i64, jobs: usize) -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(year);
    o.jobs = jobs;
    o
}

fn run(text: &str, jobs: usize) -> Analysis {
    let o = options(2024, jobs);
    analyze(
        [Input::reader(text.as_bytes(), "auth.log")],
        &o,
        &Control::new(),
    )
}

fn source<'a>(a: &'a Analysis, ip: &str) -> ferret_logs::SourceSummary<'a> {
    a.sources.iter().find(|s| s.ip == ip).unwrap()
}

fn ids(a: &Analysis) -> Vec<&str> {
    a.outcome.findings.iter().map(|f| f.id.as_str()).collect()
}

const UBUNTU: &str = "\
Nov 28 10:00:01 web1 sshd[1234]: Failed password for root from 203.0.113.7 port 52211 ssh2
Nov 28 10:00:09 web1 sshd[1234]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 52211 ssh2]
Nov 28 10:00:12 web1 sshd[1234]: Connection closed by authenticating user root 203.0.113.7 port 52211 [preauth]
";

const UBUNTU_ISO: &str = "\
2024-11-28T10:00:01.104342+00:00 web1 sshd[1234]: Failed password for root from 203.0.113.7 port 52211 ssh2
2024-11-28T10:00:09.551002+00:00 web1 sshd[1234]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 52211 ssh2]
2024-11-28T10:00:12.000417+00:00 web1 sshd[1234]: Connection closed by authenticating user root 203.0.113.7 port 52211 [preauth]
";

#[test]
fn ubuntu_repeat_lines_count_n_times_in_both_envelopes() {
    for log in [UBUNTU, UBUNTU_ISO] {
        let a = run(log, 1);
        assert_eq!((a.lines, a.unparsed, a.unrecognized), (3, 0, 0));
        let s = source(&a, "203.0.113.7");
        // 1 + 3 failed passwords.
        assert_eq!(s.failures, 4);
        assert_eq!(a.events["ssh-failed"], 4);
        assert_eq!(a.files[0].events, 3, "file summary counts lines");
        assert_eq!(ids(&a), Vec::<&str>::new());
    }
}

#[test]
fn brute_force_found_only_through_the_repeat_count() {
    // 2 lines x 3 repeats = 6 failures >= 5: a brute force; the same lines without the
    // repeat count are 2 failures.
    let log = "\
Nov 28 10:00:01 web1 sshd[1234]: message repeated 3 times: [ Failed password for root from 198.51.100.4 port 40000 ssh2]
Nov 28 10:00:41 web1 sshd[1240]: message repeated 3 times: [ Failed password for admin from 198.51.100.4 port 40010 ssh2]
";
    let a = run(log, 1);
    assert_eq!(source(&a, "198.51.100.4").failures, 6);
    let f = a
        .outcome
        .findings
        .iter()
        .find(|f| f.id == "logs.brute-force")
        .unwrap();
    assert_eq!(f.subject, "198.51.100.4");
    // Evidence names the repeat lines themselves.
    let lines: Vec<u64> = f.evidence.iter().filter_map(|e| e.line).collect();
    assert!(lines.iter().all(|l| *l == 1 || *l == 2), "{lines:?}");
    let plain = log
        .replace("message repeated 3 times: [ ", "")
        .replace("]\n", "\n");
    let b = run(&plain, 1);
    assert_eq!(source(&b, "198.51.100.4").failures, 2);
    assert!(!ids(&b).contains(&"logs.brute-force"));
}

#[test]
fn hostile_repeat_counts_are_capped_and_reported() {
    let log = "\
Nov 28 10:00:01 web1 sshd[1]: message repeated 99999999999999999999 times: [ Failed password for root from 192.0.2.1 port 1 ssh2]
Nov 28 10:00:02 web1 sshd[2]: message repeated 4294967295 times: [ Failed password for root from 192.0.2.2 port 1 ssh2]
Nov 28 10:00:03 web1 sshd[3]: message repeated 18446744073709551615 times: [ Accepted password for root from 192.0.2.1 port 1 ssh2]
";
    let t0 = std::time::Instant::now();
    let a = run(log, 1);
    assert!(t0.elapsed().as_secs() < 5, "no loop per repeat");
    assert_eq!(source(&a, "192.0.2.1").failures, MAX_REPEAT);
    assert_eq!(source(&a, "192.0.2.1").successes, MAX_REPEAT);
    assert_eq!(source(&a, "192.0.2.2").failures, MAX_REPEAT);
    assert_eq!(a.events["ssh-failed"], 2 * MAX_REPEAT);
    let f = a
        .outcome
        .findings
        .iter()
        .find(|f| f.id == "logs.repeat-capped")
        .unwrap();
    assert_eq!(f.evidence[0].line, Some(1));
    assert!(ids(&a).contains(&"logs.login-after-failures"));
    let par = run(log, 2);
    assert_eq!(
        serde_json::to_string(&par).unwrap(),
        serde_json::to_string(&a).unwrap()
    );
}

#[test]
fn injection_inside_the_brackets_is_attributed_to_the_real_source() {
    let log = "Nov 28 10:00:01 web1 sshd[7]: message repeated 2 times: [ Failed password for x from 1.2.3.4 port 22 from 5.6.7.8 port 1 ssh2]\n";
    let a = run(log, 1);
    assert_eq!(source(&a, "5.6.7.8").failures, 2);
    assert!(a.sources.iter().all(|s| s.ip != "1.2.3.4"));
}

#[test]
fn truncated_repeat_line_without_closing_bracket() {
    let mut o = options(2024, 1);
    o.max_line = 120;
    let line = format!(
        "Nov 28 10:00:01 web1 sshd[7]: message repeated 4 times: [ Invalid user {} from 203.0.113.9 port 4444]\n",
        "u".repeat(10)
    );
    // Short enough: whole line, closing bracket present.
    let a = analyze(
        [Input::reader(line.as_bytes(), "auth.log")],
        &o,
        &Control::new(),
    );
    assert_eq!(source(&a, "203.0.113.9").probes, 4);
    // Not truncated but without the bracket: not a repeat line (unrecognized).
    let open = line.replace("4444]", "4444");
    let a = analyze(
        [Input::reader(open.as_bytes(), "auth.log")],
        &o,
        &Control::new(),
    );
    assert_eq!((a.unrecognized, a.sources.len()), (1, 0));
}

#[test]
fn last_message_repeated_repeats_the_previous_message_of_the_same_host() {
    let log = "\
Nov 28 10:00:01 web1 sshd[1234]: Failed password for root from 203.0.113.7 port 52211 ssh2
Nov 28 10:00:31 web1 last message repeated 5 times
Nov 28 10:01:01 web1 --- last message repeated 2 times ---
Nov 28 10:01:02 web1 sshd[1250]: Invalid user oracle from 198.51.100.20 port 40000
Nov 28 10:01:03 web1 sshd[1250]: last message repeated 1 time
Nov 28 10:01:04 web1 CRON[5]: (root) CMD (true)
Nov 28 10:01:05 web2 last message repeated 9 times
2024-11-28T10:02:01.000001+00:00 web1 sshd[1260]: Failed password for invalid user a from 192.0.2.9 port 1 ssh2
2024-11-28T10:02:31.000001+00:00 web1 last message repeated 4 times
";
    for jobs in [1, 2, 3] {
        let a = run(log, jobs);
        // 1 + 5 + 2 (a run of repeat lines repeats the message before the run).
        assert_eq!(source(&a, "203.0.113.7").failures, 8, "jobs {jobs}");
        assert_eq!(source(&a, "198.51.100.20").probes, 2);
        assert_eq!(source(&a, "192.0.2.9").failures, 5);
        // web2's repeat follows web1's line: not applied, kept as unrecognized.
        assert_eq!(a.unrecognized, 1, "jobs {jobs}");
        assert!(ids(&a).contains(&"logs.brute-force"));
    }
    // The first line of a file repeats nothing.
    let a = run("Nov 28 10:00:31 web1 last message repeated 5 times\n", 1);
    assert_eq!((a.unrecognized, a.sources.len()), (1, 0));
}
