//! Auth/syslog/firewall log triage: events, detections, per-source timeline, attack window.
//!
//! ```text
//! cargo run --release --example authlog -- [--json|--jsonl] [--year YYYY] [--since T] [--until T] [--jobs N] FILE...
//! ```
//! `--json` writes one document (counts, sources, findings, window, errors) and `--jsonl` one
//! finding per line; both are written as they are serialised, record by record, so the
//! output's size adds nothing to memory.
//! `-` reads stdin; `.gz` files (and gzip on stdin) are decompressed transparently. systemd
//! journal files (recognised by their signature, not their name) are read natively; a
//! directory argument stands for the journal files in it and one level below (e.g.
//! `/var/log/journal`, or a mounted image's `mnt/var/log/journal`). `--jobs`
//! defaults to the number of cores (the answer is the same for any value). Times are
//! RFC 3339 (`2024-05-01T10:00:00Z`) or a date (`2024-05-01`). Flags, help, exit status:
//! `ferret::cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use ferret::cli::{self, Args, Command, Common, Flag, Format, HasCommon, ProgressBar, Status};
use ferret::core::{ErrorRecord, Finding, HostRoot};
use ferret::logs::{analyze, Analysis, AnalyzeOptions, Input, LogTime, SourceUsers, Sources};
use std::io::{BufWriter, Write};
use std::os::unix::ffi::OsStrExt;

/// `println!` that ignores a closed pipe (`authlog ... | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Default)]
struct Opts {
    common: Common,
    analyze: AnalyzeOptions,
    files: Vec<OsString>,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

fn time(v: &cli::Value) -> Result<LogTime, cli::Invalid> {
    LogTime::parse(v.to_str()?).ok_or_else(|| {
        v.invalid("expected an RFC 3339 time (2024-05-01T10:00:00Z) or a date (2024-05-01)")
    })
}

const COMMAND: Command<Opts> = Command {
    name: "authlog",
    about: "auth/syslog/firewall logs and systemd journal files into events, detections, timeline",
    args: "FILE|JOURNAL-DIR...",
    flags: &[
        cli::json(),
        cli::jsonl(),
        Flag::value(
            "year",
            "YYYY",
            "the year of syslog lines that carry none (default: from each file's mtime)",
            |o: &mut Opts, v| {
                o.analyze.year = Some(v.parse("a year like 2024")?);
                Ok(())
            },
        ),
        Flag::value("since", "T", "ignore events before T", |o: &mut Opts, v| {
            o.analyze.since = Some(time(&v)?);
            Ok(())
        }),
        Flag::value("until", "T", "ignore events after T", |o: &mut Opts, v| {
            o.analyze.until = Some(time(&v)?);
            Ok(())
        }),
        cli::jobs(),
        cli::budget(),
        // Text exported with `journalctl -o short` under a non-English LC_TIME.
        Flag::switch(
            "localized-months",
            "also read month names of other locales (journalctl -o short under a non-English LC_TIME)",
            |o: &mut Opts| o.analyze.localized_months = true,
        ),
    ],
    operands: Some(|o, v| {
        o.files.push(v.into_os_string());
        Ok(())
    }),
    notes: "FILE is a log file (`.gz` read transparently), `-` for stdin, or a systemd journal file\n\
or directory (recognised by signature; a directory stands for the journal files in it and one\n\
level below, e.g. /var/log/journal). T is RFC 3339 (2024-05-01T10:00:00Z) or a date (2024-05-01).",
};

pub fn main() -> ExitCode {
    let mut o = Opts::default();
    if let Err(stop) = Args::from_env().parse(&COMMAND, &mut o) {
        return stop.report();
    }
    if o.files.is_empty() {
        return COMMAND
            .error(
                "FILE",
                "missing: name at least one log file, journal directory or -",
            )
            .report();
    }
    let Opts {
        common,
        analyze: mut opts,
        files,
    } = o;
    // Every core by default (results do not depend on it); `--jobs 1` for one thread.
    opts.jobs = common.jobs_or_cores();
    let json = common.is_json();
    let root = HostRoot::live();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    // Journal files (recognised by signature) and directories among the files are read
    // together by the library, in time order.
    let inputs = files.iter().map(|f| {
        if f.as_bytes() == b"-" {
            Input::reader(std::io::stdin(), "-")
        } else {
            Input::Root(&root, cwd.join(f))
        }
    });
    let (bar, control) = ProgressBar::attach("authlog", common.control());
    let a = analyze(inputs, &opts, &control);
    drop(bar);

    if json {
        let stdout = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        let written = if common.format == Format::JsonLines {
            // One record per finding: the error records go to stderr.
            cli::print_errors(&a.outcome.errors);
            json_lines(&a.outcome.findings, stdout)
        } else {
            document(&a, stdout)
        };
        if let Err(e) = written {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return cli::fail("authlog", e);
            }
        }
    } else {
        out!(
            "{} lines, {} events, {} unparsed, {} without a known event, {} truncated",
            a.lines,
            a.events.values().sum::<u64>(),
            a.unparsed,
            a.unrecognized,
            a.long_lines
        );
        for (k, v) in &a.events {
            out!("  {k:<24} {v}");
        }
        if let Some(w) = a.window {
            out!("attack window: {} .. {}", w.first, w.last);
        }
        if !a.sources.is_empty() {
            out!("sources (most failures first):");
            for s in a.sources.iter().take(20) {
                out!(
                    "  {:<40} failures {:>7} successes {:>4} users {:>3}  {} .. {}",
                    s.ip,
                    s.failures,
                    s.successes,
                    s.users.len(),
                    s.first.map(|t| t.to_string()).unwrap_or_default(),
                    s.last.map(|t| t.to_string()).unwrap_or_default()
                );
            }
            if a.sources.len() > 20 {
                out!("  ... {} more", a.sources.len() - 20);
            }
        }
        for f in &a.outcome.findings {
            out!("{f}");
            if let Some(d) = &f.detail {
                out!("    {d}");
            }
        }
        for s in &a.unparsed_samples {
            out!("unparsed {}:{}: {}", s.path, s.line, s.text);
        }
        cli::print_errors(&a.outcome.errors);
    }
    Status::of(&a.outcome).into()
}

/// One source in the JSON document.
#[derive(serde::Serialize)]
struct Source<'a> {
    ip: &'a str,
    failures: u64,
    successes: u64,
    users: SourceUsers<'a>,
    first: Option<LogTime>,
    last: Option<LogTime>,
}

/// The sources, serialised one by one as the analysis makes them (a botnet's log has
/// hundreds of thousands: none is copied).
struct SourceList<'a>(&'a Sources);

impl serde::Serialize for SourceList<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for x in self.0.iter() {
            seq.serialize_element(&Source {
                ip: &x.ip,
                failures: x.failures,
                successes: x.successes,
                users: x.users,
                first: x.first,
                last: x.last,
            })?;
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct Window {
    first: LogTime,
    last: LogTime,
}

/// The JSON document, borrowed from the analysis: nothing is copied into a JSON tree.
#[derive(serde::Serialize)]
struct Document<'a> {
    lines: u64,
    unparsed: u64,
    events: &'a std::collections::BTreeMap<String, u64>,
    sources: SourceList<'a>,
    findings: &'a [Finding],
    window: Option<Window>,
    errors: &'a [ErrorRecord],
}

fn document(a: &Analysis, mut out: impl Write) -> std::io::Result<()> {
    let doc = Document {
        lines: a.lines,
        unparsed: a.unparsed,
        events: &a.events,
        sources: SourceList(&a.sources),
        findings: &a.outcome.findings,
        window: a.window.map(|w| Window {
            first: w.first,
            last: w.last,
        }),
        errors: &a.outcome.errors,
    };
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

fn json_lines(findings: &[Finding], mut out: impl Write) -> std::io::Result<()> {
    for f in findings {
        serde_json::to_writer(&mut out, f)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
