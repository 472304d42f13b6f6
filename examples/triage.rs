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
//! Flags, help and exit status: `ferret::cli` (a module that fails makes the run incomplete:
//! exit 2 even when other modules found things).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::cli::{self, Args, Command, Common, Flag, Format, HasCommon, ProgressBar, Status};
use ferret::report::ModuleStatus;
use ferret::triage::{triage, Module, TriageEvent, TriageOptions};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Opts {
    common: Common,
    triage: TriageOptions,
    quiet: bool,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const COMMAND: Command<Opts> = Command {
    name: "triage",
    about:
        "every check that applies to this host or a mounted image, one report, most severe first",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        cli::jsonl(),
        Flag::value(
            "baseline",
            "DB",
            "compare the root against this baseline (enables the baseline module)",
            |o: &mut Opts, v| {
                o.triage.baseline = Some(v.into_path());
                Ok(())
            },
        ),
        Flag::value(
            "key-file",
            "K",
            "the key that sealed the baseline (needs --baseline)",
            |o: &mut Opts, v| {
                o.triage.baseline_key = Some(v.into_path());
                Ok(())
            },
        ),
        Flag::values(
            "logs",
            "FILE",
            "read these log files (host paths) instead of the usual ones under the root",
            |o: &mut Opts, vs| {
                o.triage
                    .logs
                    .extend(vs.into_iter().map(cli::Value::into_path));
                Ok(())
            },
        ),
        Flag::value(
            "only",
            "MODULES",
            "run only these modules, comma-separated: accounts,harden,logs,proc,packages,baseline,scan",
            |o: &mut Opts, v| {
                let mods = v.parse_with(|list| {
                    list.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::parse::<Module>)
                        .collect::<Result<Vec<_>, _>>()
                })?;
                o.triage.only = Some(mods);
                Ok(())
            },
        ),
        Flag::value(
            "budget",
            "SECONDS",
            "stop modules still running after this long, their results kept as partial (default 600; 0: no limit)",
            |o: &mut Opts, v| {
                let secs: f64 = v.parse("a number of seconds")?;
                if !secs.is_finite() {
                    return Err(v.invalid("expected a number of seconds"));
                }
                o.triage.time_budget =
                    (secs > 0.0).then(|| Duration::from_secs_f64(secs));
                Ok(())
            },
        ),
        Flag::switch("quiet", "no progress on stderr", |o: &mut Opts| {
            o.quiet = true;
        })
        .short('q'),
    ],
    operands: None,
    notes: "",
};

pub fn main() -> ExitCode {
    let mut o = Opts::default();
    if let Err(stop) = Args::from_env().parse(&COMMAND, &mut o) {
        return stop.report();
    }
    let Opts {
        common,
        triage: mut opts,
        quiet,
    } = o;
    if opts.baseline_key.is_some() && opts.baseline.is_none() {
        return COMMAND.error("--key-file", "needs --baseline").report();
    }
    opts.root = common.root_or_live();
    // The modules run at once and report progress in different units through the one
    // Control: the spinner shows which are still running; their ends are printed above it.
    let bar = Arc::new(if quiet {
        ProgressBar::default()
    } else {
        ProgressBar::spinner("triage")
    });
    if bar.is_drawn() {
        let bar = Arc::clone(&bar);
        let running = Mutex::new(BTreeSet::new());
        opts.on_event = Some(Arc::new(move |ev: &TriageEvent| {
            let mut running = running
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match ev {
                TriageEvent::Started(m) => {
                    running.insert(m.name());
                }
                TriageEvent::Finished(m, s) => {
                    running.remove(m.name());
                    bar.println(format!("  {m}: {}", format!("{s:?}").to_lowercase()));
                }
                _ => {}
            }
            bar.set_message(format!(
                "running: {}",
                running.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }));
    }
    let mut report = triage(&opts);
    // The event callback holds the bar too: let go of both, which clears it.
    opts.on_event = None;
    drop(bar);
    // In text mode the error records go to stderr, the report to stdout; in JSON they are part
    // of the document.
    let errors = if common.format == Format::Text {
        std::mem::take(&mut report.errors)
    } else {
        Vec::new()
    };
    let out = match common.format {
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
    let out = match out {
        Ok(s) => s,
        Err(e) => return cli::fail("triage", e),
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return Status::Error.into();
    }
    cli::print_errors(&errors);
    let failed = report
        .modules
        .iter()
        .any(|m| m.status == ModuleStatus::Failed);
    // A module that could not run at all (an unreadable or tampered baseline, say) is an
    // error even when other modules found things: the report is incomplete.
    let errors = !errors.is_empty() || !report.errors.is_empty();
    if failed {
        Status::Error.into()
    } else {
        Status::new(report.exit_code() == 1, errors).into()
    }
}
