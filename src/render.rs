//! Report renderers: JSON, JSON Lines, human text.

use crate::report::Report;
use ferret_core::{Finding, Severity};
use std::fmt::Write as _;

/// Serialises the report as pretty JSON (schema in `docs/report.schema.json`).
#[cfg(feature = "serde")]
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report)
}

/// One JSON object per finding, one per line, each carrying the host name and report time so
/// that lines shipped into a SIEM stand alone.
#[cfg(feature = "serde")]
pub fn json_lines(report: &Report) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for f in &report.findings {
        let mut v = serde_json::to_value(f)?;
        if let Some(obj) = v.as_object_mut() {
            obj.insert("schema_version".into(), report.schema_version.into());
            obj.insert("generated_at".into(), report.generated_at.clone().into());
            obj.insert(
                "host".into(),
                report
                    .host
                    .hostname
                    .clone()
                    .map_or(serde_json::Value::Null, Into::into),
            );
            obj.insert("module".into(), module_of(f).into());
        }
        out.push_str(&serde_json::to_string(&v)?);
        out.push('\n');
    }
    Ok(out)
}

/// The triage module a finding came from, from its id's first segment (the check family:
/// `sshd`, `sysctl`, `files`, `persistence` and `services` are `harden`'s; `pkg` is `packages`').
pub fn module_of(f: &Finding) -> &str {
    let family = f.id.split('.').next().unwrap_or(&f.id);
    match family {
        "sshd" | "sysctl" | "files" | "persistence" | "services" => "harden",
        "pkg" => "packages",
        other => other,
    }
}

fn colour(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
        Severity::Info => "\x1b[2m",
    }
}

/// Strips what could still drive a terminal from text we did not escape at the source
/// (titles and details are ours, but may quote input): every control character except
/// newline is escaped.
fn safe(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return s.to_owned();
    }
    ferret_core::escape::escape(s.as_bytes()).replace("\\n", "\n")
}

/// Human-readable text, grouped by severity. `ansi` turns on colour (use it only when the
/// output is a terminal).
#[allow(clippy::many_single_char_names)]
pub fn text(report: &Report, ansi: bool) -> String {
    let on = |sev| {
        if ansi {
            (colour(sev), "\x1b[0m")
        } else {
            ("", "")
        }
    };
    let mut o = String::new();
    let h = &report.host;
    let _ = writeln!(
        o,
        "ferret triage of {} ({}){}",
        h.hostname.as_deref().unwrap_or("unknown host"),
        if h.live { "live" } else { "offline image" },
        if h.live {
            String::new()
        } else {
            format!(" at {}", h.root)
        }
    );
    if let Some(os) = &h.os {
        let _ = write!(o, "  os: {os}");
        if let Some(k) = &h.kernel {
            let _ = write!(o, ", kernel {k}");
        }
        o.push('\n');
    }
    if let Some(b) = &h.boot_time {
        let _ = writeln!(o, "  booted: {b}");
    }
    let _ = writeln!(
        o,
        "  report: {} (schema {})",
        report.generated_at, report.schema_version
    );
    let acq = &report.acquisition;
    match acq.time_budget_ms {
        Some(ms) => {
            let _ = write!(o, "  time budget: {:.1} s", ms as f64 / 1000.0);
        }
        None => o.push_str("  time budget: none"),
    }
    if acq.cut_short {
        o.push_str(" (spent: some modules were cut short, see below)");
    }
    o.push('\n');
    if acq.files_without_noatime + acq.dirs_without_noatime > 0 {
        let _ = writeln!(
            o,
            "  access times: {} files and {} directories read without O_NOATIME (not root and no CAP_FOWNER): their atime may have changed",
            acq.files_without_noatime, acq.dirs_without_noatime
        );
    }
    if let Some(w) = &report.window {
        let _ = writeln!(o, "  hostile activity window: {} .. {}", w.first, w.last);
    }
    let s = &report.summary;
    let _ = writeln!(
        o,
        "  findings: {} critical, {} high, {} medium, {} low, {} info\n",
        s.critical, s.high, s.medium, s.low, s.info
    );
    for sev in Severity::ALL.iter().rev() {
        let group: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.severity == *sev)
            .collect();
        if group.is_empty() {
            continue;
        }
        let (c, r) = on(*sev);
        let _ = writeln!(
            o,
            "{c}== {} ({}) =={r}",
            sev.as_str().to_uppercase(),
            group.len()
        );
        for f in group {
            let _ = writeln!(
                o,
                "{c}[{}]{r} {}  {}",
                f.id,
                safe(&f.title),
                safe(&f.subject)
            );
            for e in &f.evidence {
                let _ = write!(o, "    at {}", safe(&e.to_string()));
                if let Some(x) = &e.excerpt {
                    let _ = write!(o, "  | {}", safe(x));
                }
                o.push('\n');
            }
            if !f.attack.is_empty() {
                let _ = writeln!(o, "    ATT&CK: {}", f.attack.join(", "));
            }
            if let Some(d) = &f.detail {
                let _ = writeln!(o, "    why: {}", safe(d));
            }
            if let Some(fix) = &f.remediation {
                let _ = writeln!(o, "    fix: {}", safe(fix));
            }
        }
        o.push('\n');
    }
    if report.findings.is_empty() {
        o.push_str("No findings.\n\n");
    }
    if !report.errors.is_empty() {
        let _ = writeln!(o, "== ERRORS ({}) ==", report.errors.len());
        for e in report.errors.iter().take(50) {
            let _ = writeln!(o, "  {}", safe(&e.to_string()));
        }
        if report.errors.len() > 50 {
            let _ = writeln!(o, "  ... {} more (see --json)", report.errors.len() - 50);
        }
        o.push('\n');
    }
    let _ = writeln!(o, "== MODULES ==");
    for m in &report.modules {
        let _ = write!(
            o,
            "  {:<10} {:<8} {:>6} ms  {} findings, {} errors",
            m.name,
            format!("{:?}", m.status).to_lowercase(),
            m.duration_ms,
            m.findings,
            m.errors
        );
        if let Some(r) = &m.reason {
            let _ = write!(o, "  ({})", safe(r));
        }
        o.push('\n');
    }
    o
}
