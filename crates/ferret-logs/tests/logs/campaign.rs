//! A botnet's log: one detection from many sources is one `logs.campaign` finding, every
//! source stays in `sources`, and a source that did more keeps its own findings; one source
//! with very many lines and every line from a new source stay bounded and correct.

use ferret_core::Control;
use ferret_logs::{analyze, Analysis, AnalyzeOptions, Input};
use std::fmt::Write as _;

fn run(log: &[u8], jobs: usize, campaign_sources: usize) -> Analysis {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2024);
    o.jobs = jobs;
    o.campaign_sources = campaign_sources;
    analyze([Input::reader(log, "auth.log")], &o, &Control::new())
}

fn failed(log: &mut String, sec: u32, ip: &str) {
    let _ = writeln!(
        log,
        "Mar  1 10:{:02}:{:02} h sshd[{}]: Failed password for root from {ip} port 4000 ssh2",
        sec / 60 % 60,
        sec % 60,
        100 + sec
    );
}

#[test]
fn a_distributed_brute_force_is_one_campaign() {
    let n = 120u32;
    let mut log = String::new();
    let mut sec = 0;
    for i in 0..n {
        for _ in 0..(5 + i % 3) {
            failed(
                &mut log,
                sec,
                &format!("198.51.{}.{}", i / 200, i % 200 + 1),
            );
            sec += 1;
        }
    }
    // One of them gets in.
    log.push_str(
        "Mar  1 11:00:00 h sshd[9]: Accepted password for root from 198.51.0.8 port 4000 ssh2\n",
    );
    for jobs in [1, 2] {
        let a = run(log.as_bytes(), jobs, 50);
        let each = run(log.as_bytes(), jobs, 0);
        let brute_each = each
            .outcome
            .findings
            .iter()
            .filter(|f| f.id == "logs.brute-force")
            .count();
        assert_eq!(brute_each, n as usize, "without campaigns: one per source");
        let ids: Vec<(&str, &str)> = a
            .outcome
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.subject.as_str()))
            .collect();
        let campaigns: Vec<_> = a
            .outcome
            .findings
            .iter()
            .filter(|f| f.id == "logs.campaign")
            .collect();
        assert_eq!(campaigns.len(), 1, "{ids:?}");
        let c = campaigns[0];
        assert_eq!(c.subject, "logs.brute-force");
        assert!(
            c.title.contains(&format!("{} sources", n - 1)),
            "{}",
            c.title
        );
        // The source that logged in keeps its own findings.
        assert!(ids.contains(&("logs.brute-force", "198.51.0.8")), "{ids:?}");
        assert!(
            ids.contains(&("logs.login-after-failures", "198.51.0.8")),
            "{ids:?}"
        );
        // Nothing else about single sources of the campaign.
        assert!(ids
            .iter()
            .all(|(id, s)| *id != "logs.brute-force" || *s == "198.51.0.8"));
        // Every per-source number stays.
        assert_eq!(a.sources.len(), n as usize);
        assert_eq!(a.sources, each.sources);
        let total: u64 = a
            .sources
            .iter()
            .filter(|s| s.ip != "198.51.0.8")
            .map(|s| s.failures)
            .sum();
        assert!(
            c.detail
                .as_deref()
                .unwrap()
                .contains(&format!("{total} failures")),
            "{:?}",
            c.detail
        );
    }
}

#[test]
fn every_line_from_a_new_source_and_one_source_for_every_line() {
    // 20,000 sources with one failure each: no detection fires, every source is counted.
    let mut log = String::new();
    for i in 0..20_000u32 {
        failed(
            &mut log,
            i % 3600,
            &format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
        );
    }
    let a = run(log.as_bytes(), 1, 50);
    assert_eq!(a.sources.len(), 20_000);
    assert!(a.sources.iter().all(|s| s.failures == 1));
    assert!(a
        .outcome
        .findings
        .iter()
        .all(|f| f.id != "logs.brute-force"));
    // One source, 200,000 lines: one brute force, one source.
    let line =
        "Mar  1 10:00:00 h sshd[7]: Failed password for root from 203.0.113.9 port 4000 ssh2\n";
    let log = line.repeat(200_000);
    let a = run(log.as_bytes(), 2, 50);
    assert_eq!(a.sources.len(), 1);
    assert_eq!(a.sources.iter().next().unwrap().failures, 200_000);
    let brute: Vec<_> = a
        .outcome
        .findings
        .iter()
        .filter(|f| f.id == "logs.brute-force")
        .collect();
    assert_eq!(brute.len(), 1);
}
