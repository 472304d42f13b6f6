//! One adapter per module: turns a member crate's entry point into a [`ModuleResult`].
//! Domain logic stays in the crates; only the wiring is here.

#![allow(clippy::needless_pass_by_value)]

use crate::triage::{ModuleResult, TriageOptions};
use ferret_core::{Control, HostRoot};

#[cfg(feature = "accounts")]
pub(crate) fn accounts(root: &HostRoot, opts: &TriageOptions, control: &Control) -> ModuleResult {
    let audit = ferret_accounts::AuditOptions::default();
    let mut out = ferret_accounts::audit_root(root, &audit, control);
    // What changed since the backups shadow's tools keep (`/etc/passwd-`): an account added by
    // editing the file directly leaves the backup behind.
    let backup = ferret_accounts::diff_backup_root(root, control);
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
        root,
        &ferret_accounts::sudoers::SudoersOptions::default(),
        control,
    );
    out.findings.extend(sudo.outcome.findings);
    out.errors.extend(sudo.outcome.errors);
    let mut timeline = Vec::new();
    if let Some(t) = &opts.timeline {
        use crate::timeline::{Contribute, Part, Sink, SourceStatus};
        let snap = ferret_accounts::Snapshot::load(root);
        let acc = snap.view();
        let mut sink = Sink::new(t.max_entries);
        acc.contribute(&mut sink);
        let shadow = acc.path(ferret_accounts::AccountFile::Shadow).to_owned();
        let (status, note) = if acc.shadow.is_some() {
            (
                SourceStatus::Read,
                format!("{shadow}: each account's last password change (a day)"),
            )
        } else {
            (SourceStatus::NotFound, format!("no readable {shadow}"))
        };
        timeline.push(Part::new("accounts", status, note, sink));
    }
    ModuleResult {
        outcome: out,
        timeline,
        ..ModuleResult::default()
    }
}

#[cfg(feature = "harden")]
pub(crate) fn harden(root: &HostRoot, _: &TriageOptions, control: &Control) -> ModuleResult {
    let h = ferret_harden::HardenOptions::default();
    ModuleResult::from_outcome(ferret_harden::audit_root(root, &h, control))
}

#[cfg(feature = "logs")]
pub(crate) fn logs(root: &HostRoot, opts: &TriageOptions, control: &Control) -> ModuleResult {
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
        ferret_logs::analyze_root(root, &lo, control)
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
    // Keep only what the report or the timeline shows: the checks see every record anyway,
    // the report lists none, the timeline its sessions and its failures per source and hour.
    let keep = opts.timeline.as_ref().map_or(0, |t| t.max_entries);
    login_opts.max_sessions = keep;
    login_opts.max_records = 0;
    login_opts.max_failure_hours = keep;
    let mut logins = ferret_logs::logins::audit_root(root, &login_opts, control);
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
        let mut sink = Sink::new(t.max_entries);
        let mut wtmp = 0;
        for f in &logins.files {
            f.contribute(&mut sink);
            wtmp += usize::from(!f.sessions.is_empty());
            sink.add_dropped(f.sessions_total.saturating_sub(f.sessions.len() as u64));
        }
        for h in &logins.failure_hours {
            h.contribute(&mut sink);
        }
        let (status, note) = if logins.files.is_empty() {
            (
                SourceStatus::NotFound,
                format!("none of {} under this root", logins.missing.join(", ")),
            )
        } else {
            (
                SourceStatus::Read,
                format!(
                    "{} login record files ({wtmp} with sessions): logins, logouts, boots, \
                     shutdowns; btmp's failed logins per source and hour{}",
                    logins.files.len(),
                    if logins.failure_hours_dropped > 0 {
                        format!(
                            " ({} failures past the cap of groups counted, not listed)",
                            logins.failure_hours_dropped
                        )
                    } else {
                        String::new()
                    }
                ),
            )
        };
        timeline.push(Part::new("logins", status, note, sink));
        let mut ho = ferret_logs::dpkg::HistoryOptions::default();
        ho.max_changes = t.max_entries;
        let h = ferret_logs::dpkg::history_root(root, &ho, control);
        let mut sink = Sink::new(t.max_entries);
        for c in &h.changes {
            c.contribute(&mut sink);
        }
        sink.add_dropped(h.dropped);
        let mut read = h.files.clone();
        let mut errors = h.errors.len();
        // rpm keeps each package's install time in its header.
        #[cfg(feature = "baseline")]
        {
            let mut ro = ferret_baseline::pkg::rpm::ReadOptions::default();
            ro.files = false;
            match ferret_baseline::pkg::rpm::read_root(root, &ro, control) {
                Ok(Some(db)) => {
                    db.contribute(&mut sink);
                    read.push(ferret_core::escape::escape_path(&db.path));
                    errors += db.errors.len();
                }
                Ok(None) => {}
                Err(e) => {
                    errors += 1;
                    dpkg_errors.push(ferret_core::ErrorRecord::new(None, None, e.to_string()));
                }
            }
        }
        let (status, note) = if read.is_empty() && errors == 0 {
            (
                SourceStatus::NotFound,
                format!(
                    "no {} and no rpm database under this root",
                    ferret_logs::dpkg::DPKG_LOG
                ),
            )
        } else {
            (
                SourceStatus::Read,
                format!(
                    "{} ({errors} errors): installs, upgrades, removals, purges (dpkg); \
                     install times (rpm)",
                    read.join(", "),
                ),
            )
        };
        timeline.push(Part::new("packages", status, note, sink));
        dpkg_errors.extend(h.errors);
    }
    let mut read: Vec<String> = analysis.files.iter().map(|f| f.path.clone()).collect();
    read.extend(logins.files.iter().map(|f| f.path.clone()));
    let unknown = unknown_formats(&analysis);
    let mut outcome = analysis.outcome;
    outcome.merge(logins.outcome);
    outcome.errors.extend(dpkg_errors);
    outcome.errors.extend(unknown);
    #[cfg(feature = "scan")]
    known_rootkit_modules(&mut outcome.findings);
    ModuleResult {
        outcome,
        window,
        timeline,
        read,
        not_found,
        ..ModuleResult::default()
    }
}

/// A log file most of whose lines have no envelope the parser knows (a timestamp format it
/// does not read, such as `Dec  6 2026 10:00:00` or a syslog template of the host's own) gave
/// no events from those lines: an error record names it, with the first such line, so an
/// auth log that says nothing to ferret is not taken for a quiet one.
#[cfg(feature = "logs")]
fn unknown_formats(analysis: &ferret_logs::Analysis) -> Vec<ferret_core::ErrorRecord> {
    analysis
        .files
        .iter()
        .filter(|f| f.lines > 0 && f.unparsed.saturating_mul(2) > f.lines)
        .map(|f| {
            let first = analysis
                .unparsed_samples
                .iter()
                .filter(|s| s.path == f.path)
                .map(|s| s.line)
                .min();
            let mut e = ferret_core::ErrorRecord::new(
                None,
                first,
                format!(
                    "{} of {} lines are in a format ferret does not read (no timestamp or tag \
                     it knows): no events were taken from them",
                    f.unparsed, f.lines
                ),
            );
            // Already escaped by the analysis.
            e.path = Some(f.path.clone());
            e
        })
        .collect()
}

/// A module the kernel log says tainted the kernel (`logs.module-taint`, medium: out-of-tree
/// drivers do that too) whose name is a known rootkit's (ferret-scan's indicator table, a
/// `name` entry `MODULE.ko`, such as Diamorphine's or Reptile's) is as severe as the indicator,
/// and says which rootkit.
#[cfg(feature = "scan")]
fn known_rootkit_modules(findings: &mut [ferret_core::Finding]) {
    let table = ferret_scan::ioc::IocTable::builtin();
    for f in findings.iter_mut().filter(|f| f.id == "logs.module-taint") {
        // The kernel names a module with `_` where its file may have `-`.
        let names = [
            format!("{}.ko", f.subject),
            format!("{}.ko", f.subject.replace('_', "-")),
        ];
        let Some(ioc) = names
            .iter()
            .flat_map(|n| table.name(n.as_bytes()))
            .max_by_key(|i| i.severity)
        else {
            continue;
        };
        if ioc.severity <= f.severity {
            continue;
        }
        f.severity = ioc.severity;
        f.title = format!(
            "a kernel module named like the {} rootkit was loaded",
            ioc.family
        );
        for a in &ioc.attack {
            if !f.attack.contains(a) {
                f.attack.push(a.clone());
            }
        }
        let was = f.detail.take().unwrap_or_default();
        f.detail = Some(format!(
            "{was}{}the module's name is a known rootkit's ({}: {})",
            if was.is_empty() { "" } else { "; " },
            ioc.family,
            ioc.source
        ));
    }
}

/// Every account's shell histories: the files read in the module's `read` list, the
/// interactive accounts with none in its `not_found` list; with a timeline, every command with
/// a time.
#[cfg(feature = "logs")]
pub(crate) fn history(root: &HostRoot, opts: &TriageOptions, control: &Control) -> ModuleResult {
    use ferret_logs::history::{histories_root, HistoryOptions, SourceState};
    let mut ho = HistoryOptions::default();
    ho.timed = opts.timeline.is_some();
    let r = histories_root(root, &ho, control);
    if r.accounts == 0 {
        return ModuleResult::skipped("no accounts (no /etc/passwd, no /root) under this root");
    }
    let read: Vec<String> = r
        .sources
        .iter()
        .filter(|s| matches!(s.state, SourceState::Read | SourceState::Empty))
        .map(|s| s.path.clone())
        .collect();
    let not_found: Vec<String> = r
        .users_without_history
        .iter()
        .map(|u| {
            format!(
                "the history of {} (an interactive account with no history file)",
                ferret_core::escape::escape(u)
            )
        })
        .collect();
    let mut timeline = Vec::new();
    if let Some(t) = &opts.timeline {
        use crate::timeline::{Contribute, Part, Sink, SourceStatus};
        let mut sink = Sink::new(t.max_entries);
        let mut timed = 0u64;
        for c in &r.commands {
            if c.time.is_some() {
                timed += 1;
                c.contribute(&mut sink);
            }
        }
        sink.add_dropped(r.commands_dropped);
        let status = if read.is_empty() {
            SourceStatus::NotFound
        } else {
            SourceStatus::Read
        };
        let note = format!(
            "{} history files of {} accounts, {} commands, {timed} with a time (bash #epoch, \
             zsh extended, fish when:)",
            read.len(),
            r.accounts,
            r.commands_total
        );
        timeline.push(Part::new("history", status, note, sink));
    }
    let mut outcome = ferret_core::Outcome::new();
    outcome.findings = r.findings;
    outcome.errors = r.errors;
    ModuleResult {
        outcome,
        timeline,
        read,
        not_found,
        ..ModuleResult::default()
    }
}

#[cfg(feature = "proc")]
pub(crate) fn proc(root: &HostRoot, _: &TriageOptions, control: &Control) -> ModuleResult {
    if !root.is_live() {
        return ModuleResult::skipped(
            "processes, sockets and kernel modules exist only on a live system; this root is a disk image",
        );
    }
    let suspicious = ferret_proc::SuspiciousOptions::default();
    let mut out = ferret_proc::suspicious_root(root, &suspicious, control);
    if !control.is_cancelled() {
        let hidden = ferret_proc::HiddenOptions::default();
        out.merge(ferret_proc::hidden_root(root, &hidden, control));
    }
    ModuleResult::from_outcome(out)
}

#[cfg(feature = "baseline")]
pub(crate) fn packages(root: &HostRoot, _: &TriageOptions, control: &Control) -> ModuleResult {
    use ferret_baseline::pkg::rpm::{DB_DIRS, DB_FILES};
    // Whichever databases the root holds: dpkg, rpm, or both.
    let rpm = DB_DIRS
        .iter()
        .any(|d| DB_FILES.iter().any(|f| root.exists(format!("{d}/{f}"))));
    if !rpm && !root.exists("/var/lib/dpkg/status") {
        return ModuleResult::skipped(
            "no package database under this root (dpkg: /var/lib/dpkg/status; rpm: \
             /usr/lib/sysimage/rpm, /var/lib/rpm)",
        );
    }
    let v = ferret_baseline::pkg::VerifyOptions::default();
    let report = ferret_baseline::pkg::verify_root(root, &v, control);
    // A package updated in place outside dpkg would otherwise bury the report in hundreds of
    // findings: one per package beyond 20 ordinary files (binaries and libraries stay single).
    ModuleResult::from_outcome(ferret_baseline::pkg::group_by_package(report.outcome, 20))
}

#[cfg(feature = "baseline")]
pub(crate) fn baseline(root: &HostRoot, opts: &TriageOptions, control: &Control) -> ModuleResult {
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
    let cmp = ferret_baseline::check_root(root, &old, &check, control);
    ModuleResult::from_outcome(cmp.findings())
}

#[cfg(feature = "scan")]
pub(crate) fn scan(root: &HostRoot, _: &TriageOptions, control: &Control) -> ModuleResult {
    // Every check but YARA (it needs rules); the scan reads the package databases (dpkg, rpm)
    // itself and stops at the triage deadline `control` carries.
    let so = ferret_scan::ScanOptions::default();
    let report = ferret_scan::scan_root(root, &so, control);
    ModuleResult::from_outcome(report.outcome)
}

#[cfg(not(feature = "accounts"))]
pub(crate) fn accounts(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `accounts` off)")
}
#[cfg(not(feature = "harden"))]
pub(crate) fn harden(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `harden` off)")
}
#[cfg(not(feature = "logs"))]
pub(crate) fn logs(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `logs` off)")
}
#[cfg(not(feature = "logs"))]
pub(crate) fn history(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `logs` off)")
}
#[cfg(not(feature = "proc"))]
pub(crate) fn proc(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `proc` off)")
}
#[cfg(not(feature = "baseline"))]
pub(crate) fn packages(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `baseline` off)")
}
#[cfg(not(feature = "scan"))]
pub(crate) fn scan(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `scan` off)")
}
#[cfg(not(feature = "baseline"))]
pub(crate) fn baseline(_: &HostRoot, _: &TriageOptions, _: &Control) -> ModuleResult {
    ModuleResult::skipped("not built in (feature `baseline` off)")
}
