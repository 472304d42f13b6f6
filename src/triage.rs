//! `triage`: run every check that applies, live or on a mounted image, into one [`Report`].
//!
//! Orchestration only: the checks live in the member crates. Independent modules run in
//! parallel threads (each may use the rayon pool inside); a time budget cancels what is still
//! running and marks it `partial`; a module that does not apply (processes on a disk image, a
//! log that does not exist) says why.

use crate::report::{
    Acquisition, ModuleError, ModuleRun, ModuleStatus, Report, Summary, Window, SCHEMA_VERSION,
};
use crate::timeline::{Part, SourceStatus, TimelineOptions};
use ferret_core::{CancelToken, Control, ErrorRecord, Finding, HostRoot, Outcome};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The modules triage knows, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TriageModule {
    /// passwd/shadow/group/gshadow audit (`ferret-accounts`).
    Accounts,
    /// sshd, sysctl, filesystem, persistence, service and exposure checks (`ferret-harden`).
    Harden,
    /// auth/syslog/firewall log detections (`ferret-logs`).
    Logs,
    /// every account's shell histories, classified (`ferret-logs::history`).
    History,
    /// live processes, sockets, modules, hidden objects (`ferret-proc`); live only.
    Proc,
    /// installed files against the package manager's checksums (`ferret-baseline::pkg`).
    Packages,
    /// comparison with a baseline made earlier (`ferret-baseline`); only with a baseline.
    Baseline,
    /// what was dropped on disk: drop locations and hidden directories by content
    /// (`ferret-scan`).
    Scan,
}

impl TriageModule {
    /// Every module, in report order.
    pub const ALL: [TriageModule; 8] = [
        TriageModule::Accounts,
        TriageModule::Harden,
        TriageModule::Logs,
        TriageModule::History,
        TriageModule::Proc,
        TriageModule::Packages,
        TriageModule::Baseline,
        TriageModule::Scan,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            TriageModule::Accounts => "accounts",
            TriageModule::Harden => "harden",
            TriageModule::Logs => "logs",
            TriageModule::History => "history",
            TriageModule::Proc => "proc",
            TriageModule::Packages => "packages",
            TriageModule::Baseline => "baseline",
            TriageModule::Scan => "scan",
        }
    }
}

impl fmt::Display for TriageModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TriageModule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let alias = match s.as_str() {
            "processes" | "procs" | "process" => "proc",
            "pkg" | "pkgverify" | "dpkg" | "rpm" => "packages",
            "log" | "authlog" => "logs",
            "histories" | "shell-history" => "history",
            "account" | "users" => "accounts",
            "dropped" | "files-dropped" => "scan",
            other => other,
        };
        TriageModule::ALL
            .into_iter()
            .find(|m| m.name() == alias)
            .ok_or_else(|| {
                format!(
                    "unknown module {s:?} (known: {})",
                    TriageModule::ALL.map(TriageModule::name).join(", ")
                )
            })
    }
}

/// What a progress callback hears.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriageEvent {
    /// A module started.
    Started(TriageModule),
    /// A module ended with this status.
    Finished(TriageModule, ModuleStatus),
}

/// A callback told when modules start and finish.
pub type EventFn = dyn Fn(&TriageEvent) + Send + Sync;

/// The default time budget of a triage run, the one of every [`Control`] (10 minutes): modules
/// still running then are stopped and kept as `partial`.
pub use crate::core::control::DEFAULT_TIME_BUDGET;

/// Options of [`triage_root`]: plain fields on a `Default` value, which runs every module that
/// applies. The root and the [`Control`] are [`triage_root`]'s own arguments, as in every crate.
#[derive(Clone)]
#[non_exhaustive]
pub struct TriageOptions {
    /// Run only these modules (`None`: all that apply).
    pub only: Option<Vec<TriageModule>>,
    /// A baseline file to compare the root against (enables the `baseline` module).
    pub baseline: Option<PathBuf>,
    /// The key that sealed the baseline, if it was sealed.
    pub baseline_key: Option<PathBuf>,
    /// Log files to read (host paths) instead of the usual ones under the root.
    pub logs: Vec<PathBuf>,
    /// Failures from one source within `brute_force_window` that make a brute force.
    pub brute_force_threshold: Option<u32>,
    /// The window for `brute_force_threshold`.
    pub brute_force_window: Option<Duration>,
    /// Stop modules still running after this long; their results are kept as `partial`.
    /// [`DEFAULT_TIME_BUDGET`] by default, so that a hostile host cannot hang an unattended
    /// run; `None` for no limit (`--budget 0`). Modules see it as their [`Control`]'s deadline.
    pub time_budget: Option<Duration>,
    /// Called when modules start and finish.
    pub on_event: Option<Arc<EventFn>>,
    /// Findings of one id with one cause that make a group ([`crate::group`]; default
    /// [`crate::group::DEFAULT_GROUP_MIN`], 4); below 2, nothing is grouped.
    pub group_min: usize,
    /// Build a timeline too ([`crate::timeline`]), into [`Report::timeline`].
    pub timeline: Option<TimelineOptions>,
}

impl Default for TriageOptions {
    fn default() -> Self {
        TriageOptions {
            only: None,
            baseline: None,
            baseline_key: None,
            logs: Vec::new(),
            brute_force_threshold: None,
            brute_force_window: None,
            time_budget: Some(DEFAULT_TIME_BUDGET),
            on_event: None,
            group_min: crate::group::DEFAULT_GROUP_MIN,
            timeline: None,
        }
    }
}

impl fmt::Debug for TriageOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TriageOptions")
            .field("only", &self.only)
            .field("baseline", &self.baseline)
            .field("logs", &self.logs)
            .field("time_budget", &self.time_budget)
            .finish_non_exhaustive()
    }
}

impl TriageOptions {
    fn wants(&self, m: TriageModule) -> bool {
        self.only.as_ref().is_none_or(|o| o.contains(&m))
    }
}

/// What one module hands back to the orchestrator.
#[derive(Debug, Default)]
pub(crate) struct ModuleResult {
    pub outcome: Outcome,
    /// `Some(reason)`: the module does not apply and did nothing.
    pub skipped: Option<String>,
    /// `Some(reason)`: the module could not run at all (its errors say more).
    pub failed: Option<String>,
    /// The hostile-activity window in Unix seconds (logs only).
    pub window: Option<(i64, i64)>,
    /// The module's parts of the timeline, when one was asked for.
    pub timeline: Vec<Part>,
    /// The sources (files) it read, for modules that look for them.
    pub read: Vec<String>,
    /// The sources it looked for and did not find (not errors).
    pub not_found: Vec<String>,
}

impl ModuleResult {
    pub(crate) fn skipped(reason: impl Into<String>) -> Self {
        ModuleResult {
            skipped: Some(reason.into()),
            ..Self::default()
        }
    }

    pub(crate) fn failed(reason: impl Into<String>, outcome: Outcome) -> Self {
        ModuleResult {
            outcome,
            failed: Some(reason.into()),
            ..Self::default()
        }
    }

    pub(crate) fn from_outcome(outcome: Outcome) -> Self {
        ModuleResult {
            outcome,
            ..Self::default()
        }
    }
}

fn run_module(
    m: TriageModule,
    root: &HostRoot,
    opts: &TriageOptions,
    control: &Control,
) -> ModuleResult {
    match m {
        TriageModule::Accounts => crate::modules::accounts(root, opts, control),
        TriageModule::Harden => crate::modules::harden(root, opts, control),
        TriageModule::Logs => crate::modules::logs(root, opts, control),
        TriageModule::History => crate::modules::history(root, opts, control),
        TriageModule::Proc => crate::modules::proc(root, opts, control),
        TriageModule::Packages => crate::modules::packages(root, opts, control),
        TriageModule::Baseline => crate::modules::baseline(root, opts, control),
        TriageModule::Scan => crate::modules::scan(root, opts, control),
    }
}

/// Runs every module that applies to `root` (live `/` or a mounted image) and returns one
/// report, findings most severe first, one per subject and problem, many alike grouped
/// ([`crate::group`]); with [`TriageOptions::timeline`], the timeline too.
///
/// `control` is shared by every module: cancelling it stops them (their results are kept as
/// `partial`), its progress callback hears them, its deadline meets
/// [`TriageOptions::time_budget`] (the earlier wins).
pub fn triage_root(root: &HostRoot, opts: &TriageOptions, control: &Control) -> Report {
    let started = crate::time::now_unix();
    let clock = Instant::now();
    let cancel = control.cancel.clone();
    // Modules get their own token so the time budget can stop them without cancelling the
    // caller's token; the caller's cancellation is forwarded.
    let module_cancel = CancelToken::new();
    let mut control = control.clone();
    control.cancel = module_cancel.clone();

    let modules: Vec<TriageModule> = TriageModule::ALL
        .into_iter()
        .filter(|m| opts.wants(*m))
        .collect();
    let deadline = opts.time_budget.map(|b| Instant::now() + b);
    // Modules see the budget as their deadline (and can share it out: logs keeps time for the
    // current files); the watchdog below enforces it anyway.
    control.deadline = match (control.deadline, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let exposure_before = ferret_core::fs::atime_exposure();
    let mut results: BTreeMap<TriageModule, (ModuleResult, Duration, bool)> = BTreeMap::new();

    std::thread::scope(|s| {
        let handles: Vec<_> = modules
            .iter()
            .map(|&m| {
                let control = control.clone();
                let h = s.spawn(move || {
                    if let Some(cb) = &opts.on_event {
                        cb(&TriageEvent::Started(m));
                    }
                    let t = Instant::now();
                    let r = run_module(m, root, opts, &control);
                    (r, t.elapsed(), control.is_cancelled())
                });
                (m, h)
            })
            .collect();
        // Watchdog: forward the caller's cancellation and enforce the time budget.
        loop {
            if handles.iter().all(|(_, h)| h.is_finished()) {
                break;
            }
            if cancel.is_cancelled() || deadline.is_some_and(|d| Instant::now() >= d) {
                module_cancel.cancel();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        for (m, h) in handles {
            let r = h.join().unwrap_or_else(|_| {
                let mut o = Outcome::new();
                o.error(ErrorRecord::new(
                    None,
                    None,
                    format!("module {m} panicked (a bug in ferret)"),
                ));
                (
                    ModuleResult::failed("the module panicked", o),
                    Duration::ZERO,
                    false,
                )
            });
            results.insert(m, r);
        }
    });

    let mut findings: Vec<Finding> = Vec::new();
    let mut errors = Vec::new();
    let mut runs = Vec::new();
    let mut window: Option<(i64, i64)> = None;
    let mut parts: Vec<Part> = Vec::new();
    for m in TriageModule::ALL {
        let Some((mut r, took, cancelled)) = results.remove(&m) else {
            if opts.timeline.is_some() {
                for name in timeline_sources(m) {
                    parts.push(Part::new(
                        name,
                        SourceStatus::NotRead,
                        format!("module {m} not run (--only)"),
                        crate::timeline::Sink::new(0),
                    ));
                }
            }
            continue;
        };
        let status = if r.skipped.is_some() {
            ModuleStatus::Skipped
        } else if cancelled {
            ModuleStatus::Partial
        } else if r.failed.is_some() {
            ModuleStatus::Failed
        } else {
            ModuleStatus::Ran
        };
        let reason = r.skipped.clone().or_else(|| r.failed.clone()).or_else(|| {
            cancelled.then(|| {
                "stopped by the time budget or cancellation; results are partial".to_owned()
            })
        });
        if let Some(cb) = &opts.on_event {
            cb(&TriageEvent::Finished(m, status));
        }
        runs.push(ModuleRun {
            name: m.name().to_owned(),
            status,
            reason,
            findings: r.outcome.findings.len(),
            errors: r.outcome.errors.len(),
            duration_ms: took.as_millis() as u64,
            read: r.read.clone(),
            not_found: r.not_found.clone(),
        });
        if let Some((a, b)) = r.window {
            window = Some(window.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
        }
        if opts.timeline.is_some() {
            let got: Vec<&str> = r.timeline.iter().map(|p| p.name).collect();
            for name in timeline_sources(m) {
                if !got.contains(name) {
                    let why = r
                        .skipped
                        .clone()
                        .or_else(|| r.failed.clone())
                        .unwrap_or_else(|| "not read".to_owned());
                    parts.push(Part::new(
                        name,
                        SourceStatus::NotRead,
                        why,
                        crate::timeline::Sink::new(0),
                    ));
                }
            }
            parts.append(&mut r.timeline);
        }
        findings.extend(r.outcome.findings);
        errors.extend(r.outcome.errors.into_iter().map(|error| ModuleError {
            module: m.name().to_owned(),
            error,
        }));
    }
    let (findings, groups) = crate::group::fold(findings, opts.group_min);
    let timeline = opts.timeline.as_ref().map(|t| {
        let (files, dropped) = crate::timeline::named_files(root, &findings, t.max_files);
        let mut sink = crate::timeline::Sink::new(t.max_entries);
        for f in &files {
            crate::timeline::Contribute::contribute(f, &mut sink);
        }
        sink.add_dropped(dropped);
        parts.push(Part::new(
            "files",
            SourceStatus::Read,
            format!(
                "the times of {} files named by findings (statx; birth times where the \
                 filesystem keeps them)",
                files.len()
            ),
            sink,
        ));
        crate::timeline::assemble(t, window, parts, files)
    });
    let exposure = ferret_core::fs::atime_exposure().since(exposure_before);
    let acquisition = Acquisition {
        time_budget_ms: opts
            .time_budget
            .map(|b| u64::try_from(b.as_millis()).unwrap_or(u64::MAX)),
        cut_short: runs.iter().any(|r| r.status == ModuleStatus::Partial),
        files_without_noatime: exposure.files,
        dirs_without_noatime: exposure.dirs,
    };
    Report {
        schema_version: SCHEMA_VERSION,
        tool: format!("ferret {}", env!("CARGO_PKG_VERSION")),
        generated_at: crate::time::rfc3339(started),
        duration_ms: clock.elapsed().as_millis() as u64,
        host: crate::host::collect(root),
        window: window.map(|(a, b)| Window {
            first: crate::time::rfc3339(a),
            last: crate::time::rfc3339(b),
        }),
        summary: Summary::of(&findings),
        findings,
        groups,
        errors,
        modules: runs,
        acquisition,
        timeline,
    }
}

/// The timeline sources each module reads.
fn timeline_sources(m: TriageModule) -> &'static [&'static str] {
    match m {
        TriageModule::Logs => &["logs", "logins", "packages"],
        TriageModule::History => &["history"],
        TriageModule::Accounts => &["accounts"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_parse() {
        for m in TriageModule::ALL {
            assert_eq!(m.name().parse::<TriageModule>().unwrap(), m);
        }
        assert_eq!(
            "processes".parse::<TriageModule>().unwrap(),
            TriageModule::Proc
        );
        assert!("nope".parse::<TriageModule>().is_err());
    }
}
