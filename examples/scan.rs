//! What was dropped on disk: the places attackers drop files and every hidden directory,
//! classified by content (see `ferret_scan`'s docs for the finding ids).
//!
//! ```text
//! cargo run --release --example scan -- [--root DIR] [--json] [--yara DIR] [--yara-memory]
//!     [--only CHECK,...] [--exclude PATH]... [--budget SECS] [--no-places] [--paths PATH...]
//! ```
//!
//! `--paths` takes every following argument as a path inside the root to scan like a drop
//! location (files or directories); `--no-places` scans those alone. `--yara DIR` needs the `yara` feature
//! (`--features yara`). Exit codes: 0 nothing at or above medium, 1 findings at or above
//! medium, 2 errors (and nothing at or above medium) or bad usage.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::core::escape::escape;
use ferret::core::{Control, HostRoot, Severity};
use ferret::scan::{scan_root, Check, ScanOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: scan [--root DIR] [--json] [--yara DIR] [--yara-memory] [--only CHECK,...] \
[--exclude PATH]... [--budget SECS] [--no-places] [--paths PATH...]
checks: placement, hidden, modules, disguise, packed, unowned, renamed-tools, miner, commands, iocs, yara";

fn bad(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("scan: {msg}\n{USAGE}");
    ExitCode::from(2)
}

struct Args {
    root: HostRoot,
    json: bool,
    help: bool,
    opts: ScanOptions,
}

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut a = Args {
        root: HostRoot::live(),
        json: false,
        help: false,
        opts: ScanOptions::default(),
    };
    let mut parser = lexopt::Parser::from_env();
    let mut in_paths = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("help") | Short('h') => a.help = true,
            Long("root") => {
                let v = parser.value()?;
                a.root = HostRoot::new(PathBuf::from(v)).map_err(|e| e.to_string())?;
            }
            Long("json") => a.json = true,
            Long("yara") => a.opts.yara.rules = Some(PathBuf::from(parser.value()?)),
            Long("yara-memory") => a.opts.yara.memory = true,
            Long("only") => {
                let v: String = parser.value()?.parse()?;
                let mut checks = Vec::new();
                for c in v.split(',') {
                    checks.push(c.parse::<Check>().map_err(|e| e.to_string())?);
                }
                a.opts.checks = checks;
            }
            Long("exclude") => a.opts.exclude.push(PathBuf::from(parser.value()?)),
            Long("budget") => {
                let secs: f64 = parser.value()?.parse()?;
                a.opts.time_budget = Some(Duration::from_secs_f64(secs));
            }
            Long("no-places") => a.opts.walk_places = false,
            Long("paths") => in_paths = true,
            Value(v) if in_paths => a.opts.paths.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let Args {
        root,
        json,
        help,
        mut opts,
    } = match parse_args() {
        Ok(a) => a,
        Err(e) => return bad(e),
    };
    if help {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    if opts.yara.rules.is_some() && !opts.checks.contains(&Check::Yara) {
        opts.checks.push(Check::Yara);
    }
    let report = scan_root(&root, &opts, &Control::new());
    let mut out = std::io::stdout().lock();
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => {
                let _ = writeln!(out, "{s}");
            }
            Err(e) => return bad(e),
        }
    } else {
        for f in &report.outcome.findings {
            let _ = writeln!(out, "{f}");
            if let Some(d) = &f.detail {
                let _ = writeln!(out, "    {d}");
            }
        }
        for e in &report.outcome.errors {
            let _ = writeln!(out, "error: {e}");
        }
        let s = &report.stats;
        let _ = writeln!(
            out,
            "{} findings, {} errors; {} entries, {} files, {} classified ({} ELF, {} scripts, {} archives, {} kernel modules), {} hidden dirs, {} bytes read, {} ms; packages: {}{}",
            report.outcome.findings.len(),
            report.outcome.errors.len(),
            s.entries,
            s.files,
            s.classified,
            s.elf,
            s.scripts,
            s.archives,
            s.kernel_modules,
            s.hidden_dirs,
            s.bytes_read,
            s.duration_ms,
            s.package_index,
            s.stopped.as_ref().map_or(String::new(), |w| format!("; stopped early ({})", escape(w.as_bytes()))),
        );
        if let Some(y) = &s.yara {
            let _ = writeln!(
                out,
                "yara: {} rule files ({} refused), {} rules, {} files and {} processes scanned, {} matches",
                y.rule_files, y.rule_files_failed, y.rules, y.files, y.processes, y.matches
            );
        }
    }
    let worst = report.outcome.max_severity();
    if worst.is_some_and(|s| s >= Severity::Medium) {
        ExitCode::from(1)
    } else if report.outcome.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
