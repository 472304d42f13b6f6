//! Time zones: year-less RFC 3164 times of a non-UTC host become the right UTC instants,
//! across summer-time changes, checked against the real `date` (`TZ=Zone date -d ... +%s`)
//! on fixture roots whose `/etc/localtime` links into a copy of the system's zoneinfo.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use ferret_core::{Control, HostRoot};
use ferret_logs::{analyze, analyze_root, Analysis, AnalyzeOptions, Input, TimeZoneOption};

/// A root with `/etc/localtime` a relative symlink into its own `usr/share/zoneinfo` copy of
/// `zone`, and `/var/log/auth.log` holding `log`.
fn root_with_zone(zone: Option<&str>, log: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("etc")).unwrap();
    std::fs::create_dir_all(t.path().join("var/log")).unwrap();
    if let Some(zone) = zone {
        let src = Path::new("/usr/share/zoneinfo").join(zone);
        let dst = t.path().join("usr/share/zoneinfo").join(zone);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        std::os::unix::fs::symlink(
            format!("../usr/share/zoneinfo/{zone}"),
            t.path().join("etc/localtime"),
        )
        .unwrap();
    }
    std::fs::write(t.path().join("var/log/auth.log"), log).unwrap();
    t
}

/// What the real `date` says local `when` (`2024-03-31 01:59:59`) in `zone` is.
fn date(zone: &str, when: &str) -> i64 {
    let out = Command::new("date")
        .env("TZ", zone)
        .args(["-d", when, "+%s"])
        .output()
        .expect("date (coreutils)");
    assert!(out.status.success(), "date -d {when:?}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// A failure line per local time, each from its own source (`192.0.2.<i>`).
fn log(times: &[&str]) -> String {
    let mut out = String::new();
    for (i, t) in times.iter().enumerate() {
        let _ = writeln!(
            out,
            "{t} web sshd[{i}]: Failed password for root from 192.0.2.{i} port 22 ssh2"
        );
    }
    out
}

/// The first time of source `192.0.2.<i>`, in seconds.
fn time_of(a: &Analysis, i: usize) -> i64 {
    let ip = format!("192.0.2.{i}");
    a.sources
        .iter()
        .find(|s| s.ip == ip)
        .unwrap()
        .first
        .unwrap()
        .secs()
}

fn opts() -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2024);
    o
}

/// Each zone's changes of 2024, a minute around them, in the RFC 3164 layout.
const CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "Europe/Berlin",
        &[
            ("Mar 31 01:59:59", "2024-03-31 01:59:59"),
            ("Mar 31 03:00:00", "2024-03-31 03:00:00"),
            ("Mar 31 03:00:01", "2024-03-31 03:00:01"),
            ("Jul  1 12:00:00", "2024-07-01 12:00:00"),
            ("Oct 27 01:59:59", "2024-10-27 01:59:59"),
            ("Oct 27 03:00:00", "2024-10-27 03:00:00"),
            ("Dec 31 23:59:59", "2024-12-31 23:59:59"),
        ],
    ),
    (
        "America/New_York",
        &[
            ("Mar 10 01:59:59", "2024-03-10 01:59:59"),
            ("Mar 10 03:00:00", "2024-03-10 03:00:00"),
            ("Nov  3 00:59:59", "2024-11-03 00:59:59"),
            ("Nov  3 02:00:00", "2024-11-03 02:00:00"),
            ("Nov  3 02:00:01", "2024-11-03 02:00:01"),
            // Late on the year's last day, local time: already the next year in UTC.
            ("Dec 31 23:59:59", "2024-12-31 23:59:59"),
        ],
    ),
];

#[test]
fn local_times_across_summer_time_changes_are_the_real_instants() {
    for (zone, times) in CASES {
        let lines: Vec<&str> = times.iter().map(|x| x.0).collect();
        let t = root_with_zone(Some(zone), &log(&lines));
        let root = HostRoot::new(t.path()).unwrap();
        for jobs in [1, 2] {
            let mut o = opts();
            o.jobs = jobs;
            let a = analyze_root(&root, &o, &Control::new());
            assert!(a.outcome.errors.is_empty(), "{:?}", a.outcome.errors);
            assert_eq!(a.time_zone, format!("{zone} (the root's time zone)"));
            for (i, (_, when)) in times.iter().enumerate() {
                assert_eq!(time_of(&a, i), date(zone, when), "{zone} {when}");
            }
        }
    }
}

/// The hour a fall-back change repeats is read as its first pass (the summer offset); the
/// hour a spring-forward change skips with the offset before the change.
#[test]
fn repeated_and_skipped_local_times() {
    let t = root_with_zone(
        Some("Europe/Berlin"),
        &log(&["Oct 27 02:30:00", "Mar 31 02:30:00"]),
    );
    let a = analyze_root(&HostRoot::new(t.path()).unwrap(), &opts(), &Control::new());
    // 02:30 CEST (+02:00) = 00:30 UTC, the earlier of the two.
    assert_eq!(time_of(&a, 0), date("UTC", "2024-10-27 00:30:00"));
    // 02:30 read at +01:00 = 01:30 UTC (03:30 CEST).
    assert_eq!(time_of(&a, 1), date("UTC", "2024-03-31 01:30:00"));
    let t = root_with_zone(
        Some("America/New_York"),
        &log(&["Nov  3 01:30:00", "Mar 10 02:30:00"]),
    );
    let a = analyze_root(&HostRoot::new(t.path()).unwrap(), &opts(), &Control::new());
    assert_eq!(time_of(&a, 0), date("UTC", "2024-11-03 05:30:00"));
    assert_eq!(time_of(&a, 1), date("UTC", "2024-03-10 07:30:00"));
}

#[test]
fn a_root_without_a_zone_is_utc_and_says_so() {
    let t = root_with_zone(None, &log(&["Mar 31 02:30:00"]));
    let a = analyze_root(&HostRoot::new(t.path()).unwrap(), &opts(), &Control::new());
    assert_eq!(time_of(&a, 0), date("UTC", "2024-03-31 02:30:00"));
    assert_eq!(
        a.time_zone,
        "UTC (the root has no /etc/localtime or /etc/timezone)"
    );
    assert!(a.outcome.errors.is_empty());
}

/// Debian's `/etc/timezone` names the zone when `/etc/localtime` is missing.
#[test]
fn etc_timezone_names_the_zone() {
    let t = root_with_zone(Some("Europe/Berlin"), &log(&["Jul  1 12:00:00"]));
    std::fs::remove_file(t.path().join("etc/localtime")).unwrap();
    std::fs::write(t.path().join("etc/timezone"), "Europe/Berlin\n").unwrap();
    let a = analyze_root(&HostRoot::new(t.path()).unwrap(), &opts(), &Control::new());
    assert_eq!(time_of(&a, 0), date("Europe/Berlin", "2024-07-01 12:00:00"));
    assert_eq!(a.time_zone, "Europe/Berlin (the root's time zone)");
}

/// A link out of the root is followed inside it (never to the host's own zoneinfo), and a
/// file that is not TZif is an error naming it, the times then read in UTC.
#[test]
fn links_stay_inside_the_root_and_bad_files_are_errors() {
    let t = root_with_zone(None, &log(&["Jul  1 12:00:00"]));
    // An absolute link: inside the root, `/usr/share/zoneinfo/Europe/Berlin` does not exist.
    std::os::unix::fs::symlink(
        "/usr/share/zoneinfo/Europe/Berlin",
        t.path().join("etc/localtime"),
    )
    .unwrap();
    let a = analyze_root(&HostRoot::new(t.path()).unwrap(), &opts(), &Control::new());
    assert_eq!(time_of(&a, 0), date("UTC", "2024-07-01 12:00:00"));
    assert_eq!(a.outcome.errors.len(), 1, "{:?}", a.outcome.errors);
    assert!(a.time_zone.starts_with("UTC"), "{}", a.time_zone);
    std::fs::remove_file(t.path().join("etc/localtime")).unwrap();
    std::fs::write(t.path().join("etc/localtime"), "not a zone").unwrap();
    let a = analyze_root(&HostRoot::new(t.path()).unwrap(), &opts(), &Control::new());
    assert_eq!(time_of(&a, 0), date("UTC", "2024-07-01 12:00:00"));
    let e = a.outcome.errors[0].to_string();
    assert!(e.contains("/etc/localtime") && e.contains("TZif"), "{e}");
}

/// The option overrides the root's zone; in-memory inputs are UTC unless given one.
#[test]
fn the_option_chooses_the_zone() {
    let t = root_with_zone(Some("Europe/Berlin"), &log(&["Jul  1 12:00:00"]));
    let root = HostRoot::new(t.path()).unwrap();
    let mut o = opts();
    o.time_zone = TimeZoneOption::Utc;
    let a = analyze_root(&root, &o, &Control::new());
    assert_eq!(time_of(&a, 0), date("UTC", "2024-07-01 12:00:00"));
    assert_eq!(a.time_zone, "UTC");
    let text = log(&["Jul  1 12:00:00"]);
    let a = analyze(
        [Input::reader(text.as_bytes(), "x")],
        &opts(),
        &Control::new(),
    );
    assert_eq!(time_of(&a, 0), date("UTC", "2024-07-01 12:00:00"));
    assert_eq!(a.time_zone, "UTC (input in memory)");
    let ny = std::fs::read("/usr/share/zoneinfo/America/New_York").unwrap();
    o.time_zone = TimeZoneOption::Zone(jiff::tz::TimeZone::tzif("America/New_York", &ny).unwrap());
    let a = analyze([Input::reader(text.as_bytes(), "x")], &o, &Control::new());
    assert_eq!(
        time_of(&a, 0),
        date("America/New_York", "2024-07-01 12:00:00")
    );
    assert_eq!(a.time_zone, "America/New_York");
}
