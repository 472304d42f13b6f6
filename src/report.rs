//! The triage report: one document for every module's findings.
//!
//! The JSON form is versioned by [`SCHEMA_VERSION`] and described by
//! `docs/report.schema.json`; field names are stable within a schema version.

use crate::host::HostFacts;
use ferret_core::{ErrorRecord, Finding, Severity};

/// Version of the report's JSON schema (`docs/report.schema.json`).
pub const SCHEMA_VERSION: u32 = 1;

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
    /// When the report was made, RFC 3339 UTC.
    pub generated_at: String,
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
    /// All findings, most severe first, de-duplicated.
    pub findings: Vec<Finding>,
    /// Everything that could not be read or checked.
    pub errors: Vec<ModuleError>,
    /// One entry per module considered, in a fixed order.
    pub modules: Vec<ModuleRun>,
    /// How the evidence was acquired: the time budget and the files whose access time the
    /// run may have changed.
    #[cfg_attr(feature = "serde", serde(default))]
    pub acquisition: Acquisition,
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

    /// The process exit code the examples use: 0 when nothing at or above medium was found,
    /// 1 when something was.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.max_severity().is_some_and(|s| s >= Severity::Medium))
    }
}
