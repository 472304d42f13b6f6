//! `cargo run --release --example triage -- [OPTIONS]` — the responder's first ten minutes.
//!
//! Runs every check that applies to the live host (or to a mounted image with `--root`) and
//! prints one report, most severe first.
//!
//! ```text
//! triage [--root DIR] [--json|--jsonl] [--baseline DB [--key-file K]] [--logs FILE...]
//!        [--only MODULES] [--budget SECONDS] [--quiet]
//! ```
//!
//! Exit status: 0 when nothing at or above medium was found, 1 when something was, 2 on error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::core::HostRoot;
use ferret::triage::{triage, Module, TriageEvent, TriageOptions};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str = "usage: triage [--root DIR] [--json|--jsonl] [--baseline DB [--key-file K]] \
[--logs FILE...] [--only accounts,harden,logs,proc,packages,baseline,scan] [--budget SECONDS] [--quiet]";

enum Format {
    Text,
    Json,
    JsonLines,
}

fn parse_args() -> Result<(TriageOptions, Format, bool), String> {
    let mut opts = TriageOptions::default();
    let mut format = Format::Text;
    let mut quiet = false;
    let mut args = std::env::args_os().skip(1).peekable();
    while let Some(a) = args.next() {
        let a = a
            .to_str()
            .ok_or("arguments must be UTF-8 flags")?
            .to_owned();
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--root" => {
                let dir = value("--root")?;
                opts.root = HostRoot::new(&dir).map_err(|e| e.to_string())?;
            }
            "--json" => format = Format::Json,
            "--jsonl" => format = Format::JsonLines,
            "--baseline" => opts.baseline = Some(PathBuf::from(value("--baseline")?)),
            "--key-file" => opts.baseline_key = Some(PathBuf::from(value("--key-file")?)),
            "--logs" => {
                opts.logs.push(PathBuf::from(value("--logs")?));
                while let Some(next) = args.peek() {
                    if next.to_str().is_some_and(|s| s.starts_with("--")) {
                        break;
                    }
                    if let Some(p) = args.next() {
                        opts.logs.push(PathBuf::from(p));
                    }
                }
            }
            "--only" => {
                let list = value("--only")?;
                let list = list.to_str().ok_or("--only takes module names")?;
                let mods = list
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::parse::<Module>)
                    .collect::<Result<Vec<_>, _>>()?;
                opts.only = Some(mods);
            }
            "--budget" => {
                let v = value("--budget")?;
                let secs: f64 = v
                    .to_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("--budget takes seconds")?;
                opts.time_budget = Some(Duration::from_secs_f64(secs.max(0.0)));
            }
            "--quiet" | "-q" => quiet = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if opts.baseline_key.is_some() && opts.baseline.is_none() {
        return Err("--key-file needs --baseline".into());
    }
    Ok((opts, format, quiet))
}

fn main() {
    let (mut opts, format, quiet) = match parse_args() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("triage: {e}");
            std::process::exit(2);
        }
    };
    if !quiet && std::io::stderr().is_terminal() {
        opts.on_event = Some(Arc::new(|ev: &TriageEvent| match ev {
            TriageEvent::Started(m) => eprintln!("  {m}: running"),
            TriageEvent::Finished(m, s) => eprintln!("  {m}: {}", format!("{s:?}").to_lowercase()),
            _ => {}
        }));
    }
    let report = triage(&opts);
    let out = match format {
        Format::Json => ferret::render::json(&report).map(|mut s| {
            s.push('\n');
            s
        }),
        Format::JsonLines => ferret::render::json_lines(&report),
        Format::Text => Ok(ferret::render::text(
            &report,
            std::io::stdout().is_terminal(),
        )),
    };
    match out {
        Ok(s) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(s.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                std::process::exit(2);
            }
        }
        Err(e) => {
            eprintln!("triage: {e}");
            std::process::exit(2);
        }
    }
    let failed = report
        .modules
        .iter()
        .any(|m| m.status == ferret::report::ModuleStatus::Failed);
    // A module that could not run at all (an unreadable or tampered baseline, say) is an
    // error even when other modules found things: the report is incomplete.
    std::process::exit(if failed { 2 } else { report.exit_code() });
}
