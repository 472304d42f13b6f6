//! Campaigns: one detection from many sources is one finding, not one per source.
//!
//! A distributed campaign against an internet-facing SSH port gives a brute force from
//! hundreds of thousands of addresses; no person reads a finding per address. After the
//! detector, [`summarise`] replaces the per-source findings of one detection (`logs.brute-force`,
//! `logs.password-spraying`, `logs.port-scan`) by one `logs.campaign` finding once
//! [`AnalyzeOptions::campaign_sources`](crate::AnalyzeOptions::campaign_sources) sources or
//! more have it: its subject is the detection's id, its detail the number of sources, their
//! failures and events in all, the time span, and the top sources by failures
//! ([`AnalyzeOptions::campaign_top`](crate::AnalyzeOptions::campaign_top)), whose evidence it
//! keeps. Every per-source number stays in [`Analysis::sources`](crate::Analysis::sources).
//!
//! A source that did something more keeps its own finding: one with any other finding about
//! it (a login after the failures, a root login) is not folded into the campaign.

use crate::detect::{Materialise, Pending, PendingKind, Sources};
use crate::time::LogTime;
use ferret_core::{Finding, Severity};
use std::collections::{HashMap, HashSet};

/// The per-source detections a campaign summarises.
pub const SUMMARISED: [&str; 3] = [
    "logs.brute-force",
    "logs.password-spraying",
    "logs.port-scan",
];

/// One campaign [`summarise`] found: what its `logs.campaign` finding says, as data (for a
/// timeline: the campaign's span and its top sources' first and last events).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Campaign {
    /// The detection summarised (`logs.brute-force`, ...): the finding's subject.
    pub detection: String,
    /// Sources folded into it.
    pub sources: usize,
    /// Their failures in all.
    pub failures: u64,
    /// The first event of any of its sources.
    pub first: Option<LogTime>,
    /// The last event of any of its sources.
    pub last: Option<LogTime>,
    /// The top sources (escaped), most failures first, as the finding lists them.
    pub top: Vec<String>,
}

/// Replaces the findings of each [`SUMMARISED`] detection that `min_sources` or more sources
/// have by one `logs.campaign` finding (see the module docs); `min_sources` 0 leaves the
/// findings as they are. `sources` gives the per-source counts (subjects are matched to
/// the sources' names, escaped). Findings stay sorted most severe first.
pub fn summarise(
    findings: Vec<Finding>,
    sources: &Sources,
    min_sources: usize,
    top: usize,
) -> Vec<Finding> {
    summarise_campaigns(findings, sources, min_sources, top).0
}

/// [`summarise`], and each campaign as data.
pub fn summarise_campaigns(
    findings: Vec<Finding>,
    sources: &Sources,
    min_sources: usize,
    top: usize,
) -> (Vec<Finding>, Vec<Campaign>) {
    let stats = |subject: &str| {
        let name = match ferret_core::escape::unescape(subject) {
            Ok(n) => std::borrow::Cow::Owned(n),
            Err(_) => std::borrow::Cow::Borrowed(subject.as_bytes()),
        };
        sources.get(&name).map(|s| Stats {
            failures: s.failures,
            events: s.events,
            first: s.first,
            last: s.last,
        })
    };
    summarise_with(findings, &stats, min_sources, top)
}

/// What a campaign reads of one source.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    failures: u64,
    events: u64,
    first: Option<LogTime>,
    last: Option<LogTime>,
}

/// [`summarise_campaigns`] with the sources' numbers from `stats` (by escaped subject).
fn summarise_with(
    findings: Vec<Finding>,
    stats: &dyn Fn(&str) -> Option<Stats>,
    min_sources: usize,
    top: usize,
) -> (Vec<Finding>, Vec<Campaign>) {
    if min_sources == 0 {
        return (findings, Vec::new());
    }
    // Subjects with a finding of another kind than the summarised detections: they keep
    // theirs.
    let more: HashSet<&str> = findings
        .iter()
        .filter(|f| !SUMMARISED.contains(&f.id.as_str()))
        .map(|f| f.subject.as_str())
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for f in &findings {
        if SUMMARISED.contains(&f.id.as_str()) && !more.contains(f.subject.as_str()) {
            *count.entry(f.id.as_str()).or_default() += 1;
        }
    }
    let folded: HashSet<String> = count
        .into_iter()
        .filter(|&(_, n)| n >= min_sources)
        .map(|(id, _)| id.to_owned())
        .collect();
    if folded.is_empty() {
        return (findings, Vec::new());
    }
    let mut members: HashMap<String, Vec<Finding>> = HashMap::new();
    let mut keep = Vec::with_capacity(findings.len());
    let more: HashSet<String> = more.into_iter().map(str::to_owned).collect();
    for f in findings {
        if folded.contains(&f.id) && !more.contains(&f.subject) {
            members.entry(f.id.clone()).or_default().push(f);
        } else {
            keep.push(f);
        }
    }
    let mut ids: Vec<String> = members.keys().cloned().collect();
    ids.sort();
    let mut campaigns = Vec::new();
    for id in ids {
        let Some(m) = members.remove(&id) else {
            continue;
        };
        let (f, c) = campaign(&id, m, stats, top);
        keep.push(f);
        campaigns.push(c);
    }
    Finding::sort(&mut keep);
    (keep, campaigns)
}

/// The one finding of a campaign of `id` from the sources of `members`.
fn campaign(
    id: &str,
    members: Vec<Finding>,
    stats: &dyn Fn(&str) -> Option<Stats>,
    top: usize,
) -> (Finding, Campaign) {
    // Each member's numbers, read once.
    let mut members: Vec<(Option<Stats>, Finding)> = members
        .into_iter()
        .map(|f| (stats(&f.subject), f))
        .collect();
    let mut totals = Totals::new();
    for s in members.iter().filter_map(|m| m.0) {
        totals.add(&s);
    }
    // The top sources: most failures (then most events, then address) first; only the top
    // are sorted (selected first: no sort of every member).
    let order = |a: &(Option<Stats>, Finding), b: &(Option<Stats>, Finding)| {
        let key = |m: &(Option<Stats>, Finding)| m.0.map_or((0, 0), |s| (s.failures, s.events));
        key(b)
            .cmp(&key(a))
            .then_with(|| a.1.subject.cmp(&b.1.subject))
    };
    if top > 0 && top < members.len() {
        members.select_nth_unstable_by(top - 1, order);
    }
    let head = top.min(members.len());
    if let Some(h) = members.get_mut(..head) {
        h.sort_by(order);
    }
    let severity = members
        .iter()
        .map(|m| m.1.severity)
        .max()
        .unwrap_or(Severity::High);
    totals.n = members.len();
    totals.severity = severity;
    render(id, &totals, members.get(..head).unwrap_or_default(), top)
}

/// What a campaign adds up over its members.
struct Totals {
    n: usize,
    failures: u64,
    events: u64,
    first: Option<LogTime>,
    last: Option<LogTime>,
    severity: Severity,
}

impl Totals {
    fn new() -> Self {
        Totals {
            n: 0,
            failures: 0,
            events: 0,
            first: None,
            last: None,
            severity: Severity::Info,
        }
    }
    fn add(&mut self, s: &Stats) {
        self.failures += s.failures;
        self.events += s.events;
        self.first = match (self.first, s.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, s.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// The campaign's finding and data: `tops` are its top members, in order, with their numbers.
fn render(
    id: &str,
    t: &Totals,
    tops: &[(Option<Stats>, Finding)],
    top: usize,
) -> (Finding, Campaign) {
    let (n, failures, events, first, last) = (t.n, t.failures, t.events, t.first, t.last);
    let what = id.strip_prefix("logs.").unwrap_or(id).replace('-', " ");
    let mut f = Finding::new(
        "logs.campaign",
        t.severity,
        format!("{what} from {n} sources: a distributed campaign"),
        id,
    );
    let named: Vec<String> = tops
        .iter()
        .take(top)
        .map(|(st, m)| match st {
            Some(s) => format!(
                "{} ({} failures, {} events)",
                m.subject, s.failures, s.events
            ),
            None => m.subject.clone(),
        })
        .collect();
    let span = match (first, last) {
        (Some(a), Some(b)) => format!("; first {a} last {b}"),
        _ => String::new(),
    };
    f.detail = Some(format!(
        "{n} sources, {failures} failures and {events} events from them in all{span}; top sources: {}{}",
        named.join(", "),
        if n > top { format!(" (+{} more; every source is in `sources`)", n - top) } else { String::new() }
    ));
    for (_, m) in tops.iter().take(top) {
        for a in &m.attack {
            if !f.attack.contains(a) {
                f.attack.push(a.clone());
            }
        }
        if let Some(e) = m.evidence.first() {
            f.evidence.push(e.clone());
        }
    }
    f.also_reported_as.push(id.to_owned());
    let c = Campaign {
        detection: id.to_owned(),
        sources: n,
        failures,
        first,
        last,
        top: tops.iter().take(top).map(|m| m.1.subject.clone()).collect(),
    };
    (f, c)
}

/// [`summarise_campaigns`] over the detector's compact per-source findings
/// ([`Pending`]): those a campaign folds are never made into findings (only its top
/// `top`), the rest are, beside `findings` (the detector's others). Same result as making
/// them all and summarising.
pub(crate) fn summarise_pending(
    findings: Vec<Finding>,
    pending: Vec<Pending>,
    make: &Materialise<'_>,
    min_sources: usize,
    top: usize,
) -> (Vec<Finding>, Vec<Campaign>) {
    let mut keep = findings;
    let stats = |p: &Pending| {
        let s = make.sources.at(p.src as usize);
        Stats {
            failures: s.failures,
            events: s.events,
            first: s.first,
            last: s.last,
        }
    };
    let mut campaigns = Vec::new();
    if min_sources > 0 {
        // Subjects with a finding of another kind: they keep theirs.
        let more: HashSet<String> = keep
            .iter()
            .filter(|f| !SUMMARISED.contains(&f.id.as_str()))
            .map(|f| f.subject.clone())
            .collect();
        let alone = |p: &Pending| {
            more.is_empty()
                || !more
                    .contains(crate::detect::escaped(make.sources.name(p.src as usize)).as_ref())
        };
        let mut count = [0usize; 3];
        for p in pending.iter().filter(|p| alone(p)) {
            if let Some(c) = count.get_mut(p.kind as usize) {
                *c += 1;
            }
        }
        let folded = |k: PendingKind| count.get(k as usize).is_some_and(|&c| c >= min_sources);
        let mut members: [Vec<Pending>; 3] = Default::default();
        for p in &pending {
            if folded(p.kind) && alone(p) {
                if let Some(m) = members.get_mut(p.kind as usize) {
                    m.push(*p);
                }
            } else {
                keep.push(make.finding(p));
            }
        }
        drop(pending);
        // Ids in order: brute force, password spraying, port scan.
        for (k, mut m) in [PendingKind::Brute, PendingKind::Spray, PendingKind::Scan]
            .into_iter()
            .zip(members)
        {
            if m.is_empty() {
                continue;
            }
            let mut t = Totals::new();
            t.n = m.len();
            for p in &m {
                t.add(&stats(p));
            }
            // The top: most failures, then most events, then subject (escaped).
            let order = |a: &Pending, b: &Pending| {
                let (sa, sb) = (stats(a), stats(b));
                (sb.failures, sb.events)
                    .cmp(&(sa.failures, sa.events))
                    .then_with(|| {
                        crate::detect::escaped(make.sources.name(a.src as usize))
                            .cmp(&crate::detect::escaped(make.sources.name(b.src as usize)))
                    })
            };
            if top > 0 && top < m.len() {
                m.select_nth_unstable_by(top - 1, order);
            }
            let head = top.min(m.len());
            m.truncate(head);
            m.sort_by(order);
            let tops: Vec<(Option<Stats>, Finding)> = m
                .iter()
                .map(|p| (Some(stats(p)), make.finding(p)))
                .collect();
            t.severity = tops
                .iter()
                .map(|x| x.1.severity)
                .max()
                .unwrap_or(Severity::High);
            let (f, c) = render(k.id(), &t, &tops, top);
            keep.push(f);
            campaigns.push(c);
        }
    } else {
        keep.extend(pending.iter().map(|p| make.finding(p)));
    }
    Finding::sort(&mut keep);
    (keep, campaigns)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use ferret_core::Evidence;

    fn source(ip: &str, failures: u64, t: i64) -> (String, Stats) {
        (
            ip.to_owned(),
            Stats {
                failures,
                events: failures,
                first: Some(LogTime::from_secs(t)),
                last: Some(LogTime::from_secs(t + 60)),
            },
        )
    }

    fn summarise(
        findings: Vec<Finding>,
        sources: &[(String, Stats)],
        min: usize,
        top: usize,
    ) -> Vec<Finding> {
        let by: HashMap<&str, Stats> = sources.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        summarise_with(findings, &|n| by.get(n).copied(), min, top).0
    }

    fn brute(ip: &str, line: u64) -> Finding {
        Finding::new("logs.brute-force", Severity::High, "brute force", ip)
            .with_evidence(Evidence::line("/var/log/auth.log", line))
            .with_attack("T1110.001")
    }

    #[test]
    fn many_sources_are_one_campaign_and_the_successful_one_stays() {
        let n = 60;
        let mut sources = Vec::new();
        let mut findings = Vec::new();
        for i in 0..n {
            let ip = format!("198.51.100.{i}");
            sources.push(source(&ip, 5 + i, 1_700_000_000 + i as i64));
            findings.push(brute(&ip, i + 1));
        }
        findings.push(Finding::new(
            "logs.login-after-failures",
            Severity::Critical,
            "login after failures",
            "198.51.100.7",
        ));
        let out = summarise(findings, &sources, 50, 3);
        // The campaign, the source that logged in (its brute force and its login), nothing else.
        assert_eq!(out.len(), 3, "{out:#?}");
        assert_eq!(out[0].id, "logs.login-after-failures");
        let c = out.iter().find(|f| f.id == "logs.campaign").unwrap();
        assert_eq!(c.subject, "logs.brute-force");
        assert!(
            c.title.contains(&format!("{} sources", n - 1)),
            "{}",
            c.title
        );
        let total: u64 = (0..n).filter(|&i| i != 7).map(|i| 5 + i).sum();
        let d = c.detail.as_deref().unwrap();
        assert!(d.contains(&format!("{total} failures")), "{d}");
        // The top three by failures, most first, with their evidence.
        assert!(d.contains("top sources: 198.51.100.59 (64 failures"), "{d}");
        assert_eq!(c.evidence.len(), 3);
        assert_eq!(c.evidence[0].line, Some(60));
        assert!(d.contains(&format!("(+{} more", n - 1 - 3)), "{d}");
        assert_eq!(c.attack, vec!["T1110.001".to_owned()]);
        assert!(out
            .iter()
            .any(|f| f.id == "logs.brute-force" && f.subject == "198.51.100.7"));
    }

    #[test]
    fn below_the_threshold_nothing_changes() {
        let sources: Vec<_> = (0..10)
            .map(|i| source(&format!("10.0.0.{i}"), 9, 0))
            .collect();
        let findings: Vec<_> = (0..10).map(|i| brute(&format!("10.0.0.{i}"), i)).collect();
        let out = summarise(findings.clone(), &sources, 50, 10);
        assert_eq!(out.len(), findings.len());
        assert_eq!(summarise(findings.clone(), &sources, 0, 10).len(), 10);
        assert_eq!(summarise(findings, &sources, 10, 10).len(), 1);
    }
}
