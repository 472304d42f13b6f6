//! The triage report: one document for every module's findings.
//!
//! The JSON form is versioned by [`SCHEMA_VERSION`] and described by
//! `docs/report.schema.json`; field names are stable within a schema version.

use crate::host::HostFacts;
use ferret_core::{ErrorRecord, Finding, Severity};

/// Version of the report's JSON schema (`docs/report.schema.json`). Version 2 folds the
/// findings about one subject into one (`reasons`), groups many alike (`groups`, and `group` on
/// each member) and adds `duration_ms` and the optional `timeline`.
pub const SCHEMA_VERSION: u32 = 2;

/// How a module's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ModuleStatus {
    /// It ran to the end (its errors, if any, are listed).
    Ran,
    /// It does not apply here (see `reason`).
    Skipped,
    /// It was stopped by the time budget or a cancellation; its results are partial.
    Partial,
    /// It could not run at all (see `reason` and `errors`).
    Failed,
}

/// One module's part in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ModuleRun {
    /// Module name (`accounts`, `harden`, ...).
    pub name: String,
    /// How it ended.
    pub status: ModuleStatus,
    /// Why it was skipped, partial or failed.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub reason: Option<String>,
    /// Findings it contributed (before de-duplication).
    pub findings: usize,
    /// Errors it contributed.
    pub errors: usize,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// The files it read (the logs module: log files, journal files, login records).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub read: Vec<String>,
    /// The files it looked for and did not find (not errors).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub not_found: Vec<String>,
}

/// An error with the module that met it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ModuleError {
    /// Module name.
    pub module: String,
    /// The error.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub error: ErrorRecord,
}

impl std::fmt::Display for ModuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.module, self.error)
    }
}

/// The time span the evidence covers (first and last hostile log event), RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Window {
    /// First hostile event.
    pub first: String,
    /// Last hostile event.
    pub last: String,
}

/// Counts of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Summary {
    /// Critical findings.
    pub critical: usize,
    /// High findings.
    pub high: usize,
    /// Medium findings.
    pub medium: usize,
    /// Low findings.
    pub low: usize,
    /// Informational findings.
    pub info: usize,
}

impl Summary {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                Severity::Critical => s.critical += 1,
                Severity::High => s.high += 1,
                Severity::Medium => s.medium += 1,
                Severity::Low => s.low += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }
}

/// The whole triage report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `ferret <version>`.
    pub tool: String,
    /// When the report was made (when the analysis started), RFC 3339 UTC.
    pub generated_at: String,
    /// How long the analysis took, in milliseconds.
    pub duration_ms: u64,
    /// Facts about the audited host.
    pub host: HostFacts,
    /// The span of hostile log activity, when logs showed any.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub window: Option<Window>,
    /// Counts per severity.
    pub summary: Summary,
    /// Every finding, most severe first: one per subject and problem (the other reasons about
    /// its subject in `reasons`), a member of a group with the group's key in `group`.
    pub findings: Vec<Finding>,
    /// Groups of many findings of one id with one cause (the files of one package, the SUID
    /// files of one directory), most severe first: each names the cause as its subject, lists
    /// its members as its evidence and has its key in `group` (see [`crate::group`]).
    pub groups: Vec<Finding>,
    /// Everything that could not be read or checked.
    pub errors: Vec<ModuleError>,
    /// One entry per module considered, in a fixed order.
    pub modules: Vec<ModuleRun>,
    /// How the evidence was acquired: the time budget and the files whose access time the
    /// run may have changed.
    #[cfg_attr(feature = "serde", serde(default))]
    pub acquisition: Acquisition,
    /// The timeline, when one was asked for ([`crate::TriageOptions::timeline`]).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub timeline: Option<crate::timeline::Timeline>,
}

/// How sound the acquisition was (in the report header and JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Acquisition {
    /// The time budget of the run in milliseconds (`None`: none, `--budget 0`).
    pub time_budget_ms: Option<u64>,
    /// Whether the budget (or a cancellation) stopped a module.
    pub cut_short: bool,
    /// Files read without `O_NOATIME` during the run: the kernel refused it (the run was not
    /// root and lacked `CAP_FOWNER`), so their access time may have been updated
    /// ([`ferret_core::fs::atime_exposure`]).
    pub files_without_noatime: u64,
    /// Directories listed without `O_NOATIME` during the run.
    pub dirs_without_noatime: u64,
}

impl Report {
    /// The highest severity in the report.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// What a person reads, most severe first: every group, and every finding outside a group
    /// (ties: the larger group first).
    pub fn entries(&self) -> Vec<Entry<'_>> {
        let mut members: std::collections::HashMap<&str, Vec<&Finding>> =
            std::collections::HashMap::new();
        let mut v: Vec<Entry<'_>> = Vec::new();
        for f in &self.findings {
            match f.group.as_deref() {
                Some(g) => members.entry(g).or_default().push(f),
                None => v.push(Entry {
                    finding: f,
                    members: Vec::new(),
                }),
            }
        }
        for g in &self.groups {
            let m = g
                .group
                .as_deref()
                .and_then(|k| members.remove(k))
                .unwrap_or_default();
            v.push(Entry {
                finding: g,
                members: m,
            });
        }
        v.sort_by(|a, b| {
            b.finding
                .severity
                .cmp(&a.finding.severity)
                .then_with(|| b.members.len().cmp(&a.members.len()))
                .then_with(|| a.finding.id.cmp(&b.finding.id))
                .then_with(|| a.finding.subject.cmp(&b.finding.subject))
        });
        v
    }

    /// The process exit code the examples use: 0 when nothing at or above medium was found,
    /// 1 when something was.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.max_severity().is_some_and(|s| s >= Severity::Medium))
    }
}

/// One line of what a person reads: a finding alone, or a group with its members.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry<'r> {
    /// The finding, or the group's finding.
    pub finding: &'r Finding,
    /// The group's members (empty for a finding alone).
    pub members: Vec<&'r Finding>,
}
