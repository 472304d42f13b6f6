//! `triage`: run every check that applies, live or on a mounted image, into one [`Report`].
//!
//! Orchestration only: the checks live in the member crates. Independent modules run in
//! parallel threads (each may use the rayon pool inside); a time budget cancels what is still
//! running and marks it `partial`; a module that does not apply (processes on a disk image, a
//! log that does not exist) says why.

use crate::report::{
    Acquisition, ModuleError, ModuleRun, ModuleStatus, Report, Summary, Window, SCHEMA_VERSION,
};
use ferret_core::{CancelToken, Control, ErrorRecord, Finding, HostRoot, Outcome};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The modules triage knows, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Module {
    /// passwd/shadow/group/gshadow audit (`ferret-accounts`).
    Accounts,
    /// sshd, sysctl, filesystem, persistence and service checks (`ferret-harden`).
    Harden,
    /// auth/syslog/firewall log detections (`ferret-logs`).
    Logs,
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

impl Module {
    /// Every module, in report order.
    pub const ALL: [Module; 7] = [
        Module::Accounts,
        Module::Harden,
        Module::Logs,
        Module::Proc,
        Module::Packages,
        Module::Baseline,
        Module::Scan,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Module::Accounts => "accounts",
            Module::Harden => "harden",
            Module::Logs => "logs",
            Module::Proc => "proc",
            Module::Packages => "packages",
            Module::Baseline => "baseline",
            Module::Scan => "scan",
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Module {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        let alias = match s.as_str() {
            "processes" | "procs" | "process" => "proc",
            "pkg" | "pkgverify" | "dpkg" => "packages",
            "log" | "authlog" => "logs",
            "account" | "users" => "accounts",
            "dropped" | "files-dropped" => "scan",
            other => other,
        };
        Module::ALL
            .into_iter()
            .find(|m| m.name() == alias)
            .ok_or_else(|| {
                format!(
                    "unknown module {s:?} (known: {})",
                    Module::ALL.map(Module::name).join(", ")
                )
            })
    }
}

/// What a progress callback hears.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriageEvent {
    /// A module started.
    Started(Module),
    /// A module ended with this status.
    Finished(Module, ModuleStatus),
}

/// A callback told when modules start and finish.
pub type EventFn = dyn Fn(&TriageEvent) + Send + Sync;

/// The default time budget of a triage run (10 minutes): modules still running then are
/// stopped and kept as `partial`.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(600);

/// Options of [`triage`]. `TriageOptions::default()` audits the live host with every module
/// that applies.
#[derive(Clone)]
#[non_exhaustive]
pub struct TriageOptions {
    /// The audited root (live `/` by default).
    pub root: HostRoot,
    /// Run only these modules (`None`: all that apply).
    pub only: Option<Vec<Module>>,
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
    /// Cancellation, progress and I/O budget shared by every module.
    pub control: Control,
    /// Called when modules start and finish.
    pub on_event: Option<Arc<EventFn>>,
}

impl Default for TriageOptions {
    fn default() -> Self {
        TriageOptions {
            root: HostRoot::live(),
            only: None,
            baseline: None,
            baseline_key: None,
            logs: Vec::new(),
            brute_force_threshold: None,
            brute_force_window: None,
            time_budget: Some(DEFAULT_TIME_BUDGET),
            control: Control::new(),
            on_event: None,
        }
    }
}

impl fmt::Debug for TriageOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TriageOptions")
            .field("root", &self.root)
            .field("only", &self.only)
            .field("baseline", &self.baseline)
            .field("logs", &self.logs)
            .field("time_budget", &self.time_budget)
            .finish_non_exhaustive()
    }
}

impl TriageOptions {
    /// Options for auditing `root`.
    pub fn new(root: HostRoot) -> Self {
        TriageOptions {
            root,
            ..Self::default()
        }
    }

    fn wants(&self, m: Module) -> bool {
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

fn run_module(m: Module, opts: &TriageOptions, control: &Control) -> ModuleResult {
    match m {
        Module::Accounts => crate::modules::accounts(opts, control),
        Module::Harden => crate::modules::harden(opts, control),
        Module::Logs => crate::modules::logs(opts, control),
        Module::Proc => crate::modules::proc(opts, control),
        Module::Packages => crate::modules::packages(opts, control),
        Module::Baseline => crate::modules::baseline(opts, control),
        Module::Scan => crate::modules::scan(opts, control),
    }
}

/// Runs every module that applies and returns one report, findings most severe first.
pub fn triage(opts: &TriageOptions) -> Report {
    let started = crate::time::now_unix();
    let cancel = opts.control.cancel.clone();
    // Modules get their own token so the time budget can stop them without cancelling the
    // caller's token; the caller's cancellation is forwarded.
    let module_cancel = CancelToken::new();
    let mut control = opts.control.clone();
    control.cancel = module_cancel.clone();

    let modules: Vec<Module> = Module::ALL.into_iter().filter(|m| opts.wants(*m)).collect();
    let deadline = opts.time_budget.map(|b| Instant::now() + b);
    // Modules see the budget as their deadline (and can share it out: logs keeps time for the
    // current files); the watchdog below enforces it anyway.
    control.deadline = match (control.deadline, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let exposure_before = ferret_core::fs::atime_exposure();
    let mut results: BTreeMap<Module, (ModuleResult, Duration, bool)> = BTreeMap::new();

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
                    let r = run_module(m, opts, &control);
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
    for m in Module::ALL {
        let Some((r, took, cancelled)) = results.remove(&m) else {
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
        });
        if let Some((a, b)) = r.window {
            window = Some(window.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
        }
        findings.extend(r.outcome.findings);
        errors.extend(r.outcome.errors.into_iter().map(|error| ModuleError {
            module: m.name().to_owned(),
            error,
        }));
    }
    let findings = dedupe(findings);
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
        host: crate::host::collect(&opts.root),
        window: window.map(|(a, b)| Window {
            first: crate::time::rfc3339(a),
            last: crate::time::rfc3339(b),
        }),
        summary: Summary::of(&findings),
        findings,
        errors,
        modules: runs,
        acquisition,
    }
}

/// The file an integrity fact is about, if `f` is one: a package file or baselined file whose
/// content changed or vanished, or the binary a process runs that was deleted (or replaced) on
/// disk. Two such facts about one path are one event seen twice.
fn integrity_path(f: &Finding) -> Option<String> {
    let id = f.id.as_str();
    let file_fact = matches!(
        id,
        "baseline.changed"
            | "baseline.removed"
            | "pkg.binary-changed"
            | "pkg.executable-changed"
            | "pkg.library-changed"
            | "pkg.file-changed"
            | "pkg.file-missing"
    );
    if file_fact && f.subject.starts_with('/') {
        return Some(f.subject.clone());
    }
    if id == "proc.deleted-exe" {
        let exe = f.evidence.iter().find_map(|e| e.excerpt.as_deref())?;
        return Some(exe.trim_end_matches(" (deleted)").to_owned());
    }
    None
}

/// Removes exact duplicates and folds integrity facts about the same file (a changed binary and
/// the process running its deleted copy) into the most severe one, which lists the others in
/// `also_reported_as` and carries their evidence and ATT&CK ids.
pub fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Finding> = Vec::new();
    let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
    let mut sorted = findings;
    Finding::sort(&mut sorted);
    for f in sorted {
        if !seen.insert((f.id.clone(), f.subject.clone(), f.evidence.clone())) {
            continue;
        }
        if let Some(key) = integrity_path(&f) {
            if let Some(keep) = by_path.get(&key).and_then(|&i| out.get_mut(i)) {
                if keep.id != f.id && !keep.also_reported_as.contains(&f.id) {
                    keep.also_reported_as.push(f.id.clone());
                }
                for e in f.evidence {
                    if !keep.evidence.contains(&e) {
                        keep.evidence.push(e);
                    }
                }
                for a in f.attack {
                    if !keep.attack.contains(&a) {
                        keep.attack.push(a);
                    }
                }
                continue;
            }
            by_path.insert(key, out.len());
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::{Evidence, Severity};

    #[test]
    fn module_names_parse() {
        for m in Module::ALL {
            assert_eq!(m.name().parse::<Module>().unwrap(), m);
        }
        assert_eq!("processes".parse::<Module>().unwrap(), Module::Proc);
        assert!("nope".parse::<Module>().is_err());
    }

    #[test]
    fn dedupe_folds_same_path_integrity_facts() {
        let a = Finding::new(
            "baseline.changed",
            Severity::High,
            "changed",
            b"/usr/bin/ps",
        )
        .with_evidence(Evidence::file("/usr/bin/ps"));
        let b = Finding::new("proc.deleted-exe", Severity::Critical, "deleted exe", b"42")
            .with_evidence(Evidence::file("/proc/42/exe").with_excerpt("/usr/bin/ps (deleted)"))
            .with_attack("T1070.004");
        let c = Finding::new(
            "accounts.uid0-non-root",
            Severity::Critical,
            "uid 0",
            b"toor",
        );
        let out = dedupe(vec![a.clone(), b, c.clone(), c]);
        assert_eq!(out.len(), 2);
        let kept = out.iter().find(|f| f.subject == "42").unwrap();
        assert_eq!(kept.id, "proc.deleted-exe");
        assert_eq!(kept.also_reported_as, vec!["baseline.changed".to_owned()]);
        assert_eq!(kept.evidence.len(), 2);
        assert_eq!(out[0].severity, Severity::Critical);
    }
}
