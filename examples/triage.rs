//! `cargo run --release --example triage -- [OPTIONS]` — the responder's first ten minutes.
//!
//! Runs every check that applies to the live host (or to a mounted image with `--root`) and
//! prints one report, most severe first.
//!
//! ```text
//! triage [--root DIR] [--json|--jsonl|--format ocsf] [--baseline DB [--key-file K]]
//!        [--logs FILE...] [--only MODULES] [--budget SECONDS] [--quiet]
//! triage --timeline [--since T] [--until T] [--jsonl|--format bodyfile] [...]
//! ```
//!
//! The text report opens with a summary (host, duration, modules, the most severe findings);
//! findings about one subject are one finding, many alike are one group. `--format ocsf` writes
//! OCSF 1.8.0 Detection Findings (a JSON array, or one per line with `--jsonl`). `--timeline`
//! prints the attack's timeline instead of the report: text, JSON Lines (`--jsonl`) or a
//! bodyfile of the files findings name (`--format bodyfile`, for `mactime -b`).
//!
//! Flags, help and exit status: `ferret::cli` (a module that fails makes the run incomplete:
//! exit 2 even when other modules found things).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::cli::{self, Args, Command, Common, Flag, Format, HasCommon, ProgressBar, Status};
use ferret::render::TextOptions;
use ferret::report::ModuleStatus;
use ferret::timeline::TimelineOptions;
use ferret::triage::{triage_root, TriageEvent, TriageModule, TriageOptions};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Opts {
    common: Common,
    triage: TriageOptions,
    quiet: bool,
    timeline: Option<TimelineOptions>,
}

fn time(v: &cli::Value) -> Result<i64, cli::Invalid> {
    ferret::logs::LogTime::parse(v.to_str()?)
        .map(ferret::logs::LogTime::secs)
        .ok_or_else(|| {
            v.invalid("expected an RFC 3339 time (2024-05-01T10:00:00Z) or a date (2024-05-01)")
        })
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
        cli::format(),
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
                        .map(str::parse::<TriageModule>)
                        .collect::<Result<Vec<_>, _>>()
                })?;
                o.triage.only = Some(mods);
                Ok(())
            },
        ),
        cli::budget(),
        Flag::switch(
            "timeline",
            "print the attack's timeline instead of the report: log events, login records, timed shell-history lines, account and package changes and the times of the files findings name, from the attack window's start",
            |o: &mut Opts| {
                o.timeline.get_or_insert_with(TimelineOptions::default);
            },
        ),
        Flag::value(
            "since",
            "T",
            "start the timeline at T instead of at the attack window (implies --timeline)",
            |o: &mut Opts, v| {
                let t = time(&v)?;
                o.timeline.get_or_insert_with(TimelineOptions::default).since = Some(t);
                Ok(())
            },
        ),
        Flag::value(
            "until",
            "T",
            "end the timeline at T (implies --timeline)",
            |o: &mut Opts, v| {
                let t = time(&v)?;
                o.timeline.get_or_insert_with(TimelineOptions::default).until = Some(t);
                Ok(())
            },
        ),
        Flag::switch("quiet", "no progress on stderr", |o: &mut Opts| {
            o.quiet = true;
        })
        .short('q'),
    ],
    operands: None,
    notes: "T is RFC 3339 (2024-05-01T10:00:00Z) or a date (2024-05-01). A bodyfile holds the\n\
files findings name, whatever the span: `mactime -b FILE` sorts and filters it.",
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
        timeline,
    } = o;
    if opts.baseline_key.is_some() && opts.baseline.is_none() {
        return COMMAND.error("--key-file", "needs --baseline").report();
    }
    // The formats each mode writes (--since/--until turn the timeline on):
    let timeline_asked = timeline.is_some();
    match (timeline_asked, common.format) {
        (true, Format::Json | Format::Ocsf | Format::OcsfLines) => {
            return COMMAND
                .error(
                    "--format",
                    "a timeline is written as text, JSON Lines (--jsonl) or a bodyfile",
                )
                .report();
        }
        (false, Format::Bodyfile) => {
            return COMMAND
                .error("--format", "bodyfile is a timeline format: add --timeline")
                .report();
        }
        _ => {}
    }
    opts.timeline = timeline;
    let root = common.root_or_live();
    opts.time_budget = common.time_budget;
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
    let mut report = triage_root(&root, &opts, &common.control());
    // The event callback holds the bar too: let go of both, which clears it.
    opts.on_event = None;
    drop(bar);
    // In ferret's JSON the error records are part of the document; otherwise (text, OCSF, a
    // timeline) they go to stderr, the report to stdout.
    let errors = if timeline_asked || !common.is_json() {
        std::mem::take(&mut report.errors)
    } else {
        Vec::new()
    };
    // Written as it is rendered: the output's size adds nothing to memory.
    let stdout = std::io::stdout().lock();
    let written = match (&report.timeline, common.format) {
        (Some(tl), Format::JsonLines) => ferret::render::timeline_json_lines(tl, stdout),
        (Some(tl), Format::Bodyfile) => ferret::render::bodyfile(tl, stdout),
        (Some(tl), _) => ferret::render::timeline_text(tl, stdout),
        (None, Format::Json) => ferret::render::json(&report, stdout),
        (None, Format::JsonLines) => ferret::render::json_lines(&report, stdout),
        (None, Format::Ocsf) => ferret::render::ocsf(&report, stdout),
        (None, Format::OcsfLines) => ferret::render::ocsf_lines(&report, stdout),
        (None, _) => {
            let mut t = TextOptions::default();
            t.ansi = std::io::stdout().is_terminal();
            ferret::render::text(&report, &t, stdout)
        }
    };
    if let Err(e) = written {
        // A closed pipe (`triage | head`) is the reader's choice, not an error to report.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return cli::fail("triage", e);
        }
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
