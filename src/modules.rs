//! One adapter per module: turns a member crate's entry point into a [`ModuleResult`].
//! Domain logic stays in the crates; only the wiring is here.

#![allow(clippy::needless_pass_by_value)]

use crate::triage::{ModuleResult, TriageOptions};
use ferret_core::Control;

#[cfg(feature = "accounts")]
pub(crate) fn accounts(opts: &TriageOptions, control: &Control) -> ModuleResult {
    let audit = ferret_accounts::AuditOptions::default();
    let mut out = ferret_accounts::audit_root(&opts.root, &audit, control);
    // What changed since the backups shadow's tools keep (`/etc/passwd-`): an account added by
    // editing the file directly leaves the backup behind.
    let backup = ferret_accounts::diff_backup_root(&opts.root, control);
    out.findings.extend(backup.findings);
    // the backup diff's read errors repeat the audit's; a cancellation is reported once
    for e in backup.errors {
        if !out.errors.contains(&e) && e.path.is_none() {
            out.errors.push(e);
        }
    }
    // Who may become root through sudo (/etc/sudoers and its includes); a host without sudo has
    // no /etc/sudoers and reads nothing.
    let sudo = ferret_accounts::sudoers::audit_root(
        &opts.root,
        &ferret_accounts::sudoers::SudoersOptions::default(),
        control,
    );
    out.findings.extend(sudo.outcome.findings);
    out.errors.extend(sudo.outcome.errors);
    ModuleResult::from_outcome(out)
}

#[cfg(feature = "harden")]
pub(crate) fn harden(opts: &TriageOptions, control: &Control) -> ModuleResult {
    let h = ferret_harden::HardenOptions::default();
    ModuleResult::from_outcome(ferret_harden::audit_root(&opts.root, &h, control))
}

#[cfg(feature = "logs")]
pub(crate) fn logs(opts: &TriageOptions, control: &Control) -> ModuleResult {
    let mut lo = ferret_logs::AnalyzeOptions::default();
    if let Some(n) = opts.brute_force_threshold {
        lo.thresholds.failures = n;
    }
    if let Some(w) = opts.brute_force_window {
        lo.thresholds.window_secs = w.as_secs() as i64;
    }
    if let Some(t) = &opts.timeline {
        lo.timeline = t.max_entries;
    }
    let mut analysis = if opts.logs.is_empty() {
        ferret_logs::analyze_root(&opts.root, &lo, control)
    } else {
        // Explicit log files are host paths given by the user, read from the live filesystem.
        lo.paths.clone_from(&opts.logs);
        ferret_logs::analyze_root(&ferret_core::HostRoot::live(), &lo, control)
    };
    // The login records of the root (wtmp, btmp, lastlog, utmp, wtmpdb, lastlog2), joined with
    // the auth log.
    let mut login_opts = ferret_logs::logins::LoginOptions::default();
    if let Some(n) = opts.brute_force_threshold {
        login_opts.failures = n;
    }
    let mut logins = ferret_logs::logins::audit_root(&opts.root, &login_opts, control);
    ferret_logs::logins::correlate(&mut logins, &mut analysis, &login_opts);
    let mut not_found = analysis.missing.clone();
    not_found.extend(logins.missing.iter().cloned());
    if analysis.files.is_empty()
        && analysis.outcome.errors.is_empty()
        && logins.files.is_empty()
        && logins.outcome.errors.is_empty()
    {
        return ModuleResult::skipped(format!(
            "no log files found (looked for {})",
            if analysis.missing.is_empty() {
                "the given files".to_owned()
            } else {
                format!(
                    "{} and systemd journal files under /var/log/journal and /run/log/journal",
                    not_found.join(", ")
                )
            }
        ));
    }
    let window = analysis
        .window
        .as_ref()
        .map(|w| (w.first.secs(), w.last.secs()));
    let mut timeline = Vec::new();
    let mut dpkg_errors = Vec::new();
    if let Some(t) = &opts.timeline {
        use crate::timeline::{Contribute, Part, Sink, SourceStatus};
        let mut sink = Sink::new(t.max_entries);
        analysis.contribute(&mut sink);
        let note = format!(
            "{} log files and journals, {} lines: logins, sessions, sudo and su, account \
             changes, and the first and last event of each source a finding names",
            analysis.files.len(),
            analysis.lines
        );
        timeline.push(Part::new("logs", SourceStatus::Read, note, sink));
        let mut ho = ferret_logs::dpkg::HistoryOptions::default();
        ho.max_changes = t.max_entries;
        let h = ferret_logs::dpkg::history_root(&opts.root, &ho, control);
        let mut sink = Sink::new(t.max_entries);
        for c in &h.changes {
            c.contribute(&mut sink);
        }
        sink.add_dropped(h.dropped);
        let (status, note) = if h.files.is_empty() && h.errors.is_empty() {
            (
                SourceStatus::NotFound,
                format!("no {} under this root", ferret_logs::dpkg::DPKG_LOG),
            )
        } else {
            (
                SourceStatus::Read,
                format!(
                    "{} ({} errors): installs, upgrades, removals, purges",
                    h.files.join(", "),
                    h.errors.len()
                ),
            )
        };
        timeline.push(Part::new("packages", status, note, sink));
        dpkg_errors = h.errors;
    }
    let mut read: Vec<String> = analysis.files.iter().map(|f| f.path.clone()).collect();
    read.extend(logins.files.iter().map(|f| f.path.clone()));
    let mut outcome = analysis.outcome;
    outcome.merge(logins.outcome);
    outcome.errors.extend(dpkg_errors);
    ModuleResult {
        outcome,
        window,
        timeline,
        read,
        not_found,
        ..ModuleResult::default()
    }
}

/// Every account's shell histories; one info finding names the files read and the
/// interactive accounts with none (for a join with login records).
#[cfg(feature = "logs")]
pub(crate) fn history(opts: &TriageOptions, control: &Control) -> ModuleResult {
    use ferret_core::{Evidence, Finding, Severity};
    use ferret_logs::history::{histories_root, HistoryOptions, SourceState};
    let r = histories_root(&opts.root, &HistoryOptions::default(), control);
    if r.accounts == 0 {
        return ModuleResult::skipped("no accounts (no /etc/passwd, no /root) under this root");
    }
    let read: Vec<&str> = r
        .sources
        .iter()
        .filter(|s| s.state == SourceState::Read)
        .map(|s| s.path.as_str())
        .collect();
    let none: Vec<String> = r
        .users_without_history
        .iter()
        .map(|u| ferret_core::escape::escape(u))
        .collect();
    let mut summary = Finding::new(
        "history.sources",
        Severity::Info,
        "shell histories read",
        b"histories",
    )
    .with_detail(format!(
        "read {} history file(s) of {} account(s), {} command(s); interactive accounts with no history file: {}",
        read.len(),
        r.accounts,
        r.commands_total,
        if none.is_empty() { "none".to_owned() } else { none.join(", ") }
    ));
    for p in read.iter().take(20) {
        summary = summary.with_evidence(Evidence::file(p.as_bytes()));
    }
    let mut outcome = ferret_core::Outcome::new();
    outcome.findings = r.findings;
    outcome.findings.push(summary);
    outcome.errors = r.errors;
    ModuleResult::from_outcome(outcome)
}

#[cfg(feature = "proc")]
pub(crate) fn proc(opts: &TriageOptions, control: &Control) -> ModuleResult {
    if !opts.root.is_live() {
        return ModuleResult::skipped(
            "processes, sockets and kernel modules exist only on a live system; this root is a disk image",
        );
    }
    let suspicious = ferret_proc::SuspiciousOptions::default();
    let mut out = ferret_proc::suspicious_root(&opts.root, &suspicious, control);
    if !control.is_cancelled() {
        let hidden = ferret_proc::HiddenOptions::default();
        out.merge(ferret_proc::hidden_root(&opts.root, &hidden, control));
    }
    ModuleResult::from_outcome(out)
}

#[cfg(feature = "baseline")]
pub(crate) fn packages(opts: &TriageOptions, control: &Control) -> ModuleResult {
    use ferret_baseline::pkg::rpm::{DB_DIRS, DB_FILES};
    // Whichever databases the root holds: dpkg, rpm, or both.
    let rpm = DB_DIRS.iter().any(|d| {
        DB_FILES
            .iter()
            .any(|f| opts.root.exists(format!("{d}/{f}")))
    });
    if !rpm && !opts.root.exists("/var/lib/dpkg/status") {
        return ModuleResult::skipped(
            "no package database under this root (dpkg: /var/lib/dpkg/status; rpm: \
             /usr/lib/sysimage/rpm, /var/lib/rpm)",
        );
    }
    let v = ferret_baseline::pkg::VerifyOptions::default();
    let report = ferret_baseline::pkg::verify_root(&opts.root, &v, control);
    // A package updated in place outside dpkg would otherwise bury the report in hundreds of
    // findings: one per package beyond 20 ordinary files (binaries and libraries stay single).
    ModuleResult::from_outcome(ferret_baseline::pkg::group_by_package(report.outcome, 20))
}

#[cfg(feature = "baseline")]
pub(crate) fn baseline(opts: &TriageOptions, control: &Control) -> ModuleResult {
    use ferret_core::{ErrorRecord, Outcome};
    use std::os::unix::ffi::OsStrExt;
    let Some(db) = &opts.baseline else {
        return ModuleResult::skipped("no baseline given (--baseline DB)");
    };
    let fail = |msg: String| {
        let mut o = Outcome::new();
        o.error(ErrorRecord::new(
            Some(db.as_os_str().as_bytes()),
            None,
            msg.clone(),
        ));
        ModuleResult::failed(msg, o)
    };
    let key = match &opts.baseline_key {
        Some(k) => match ferret_baseline::SealKey::from_file(k) {
            Ok(k) => Some(k),
            Err(e) => return fail(format!("key file: {e}")),
        },
        None => None,
    };
    let file = match std::fs::File::open(db) {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot open baseline: {e}")),
    };
    let old = match ferret_baseline::Baseline::load(file, key.as_ref()) {
        Ok(b) => b,
        Err(e) => return fail(format!("baseline refused: {e}")),
    };
    let check = ferret_baseline::CheckOptions::default();
    let cmp = ferret_baseline::check_root(&opts.root, &old, &check, control);
    ModuleResult::from_outcome(cmp.findings())
}

#[cfg(feature = "scan")]
pub(crate) fn scan(opts: &TriageOptions, control: &Control) -> ModuleResult {
    // Every check but YARA (it needs rules); the scan reads the package databases (dpkg, rpm)
    // itself and stops at the triage deadline `control` carries.
    let so = ferret_scan::ScanOptions::default();
    let report = ferret_scan::scan_root(&opts.root, &so, control);
    ModuleResult::from_outcome(report.outcome)
}

#[cfg(not(feature = "accounts"))]
pub(crate) fn accounts(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `accounts` off)")
}
#[cfg(not(feature = "harden"))]
pub(crate) fn harden(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `harden` off)")
}
#[cfg(not(feature = "logs"))]
pub(crate) fn logs(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `logs` off)")
}
#[cfg(not(feature = "logs"))]
pub(crate) fn history(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `logs` off)")
}
#[cfg(not(feature = "proc"))]
pub(crate) fn proc(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `proc` off)")
}
#[cfg(not(feature = "baseline"))]
pub(crate) fn packages(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `baseline` off)")
}
#[cfg(not(feature = "scan"))]
pub(crate) fn scan(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `scan` off)")
}
#[cfg(not(feature = "baseline"))]
pub(crate) fn baseline(_: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `baseline` off)")
}
