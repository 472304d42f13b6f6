//! Auth/syslog/firewall log triage: events, detections, per-source timeline, attack window.
//!
//! ```text
//! cargo run --release --example authlog -- [--json] [--year YYYY] [--since T] [--until T] [--jobs N] FILE...
//! ```
//! `-` reads stdin; `.gz` files (and gzip on stdin) are decompressed transparently. systemd
//! journal files (recognised by their signature, not their name) are read natively; a
//! directory argument stands for the journal files in it and one level below (e.g.
//! `/var/log/journal`, or a mounted image's `mnt/var/log/journal`). `--jobs`
//! defaults to the number of cores (the answer is the same for any value). Times are
//! RFC 3339 (`2024-05-01T10:00:00Z`) or a date (`2024-05-01`). Exit: 0 clean, 1 findings at
//! or above medium, 2 error.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use std::path::PathBuf;
use std::process::exit;

use ferret::core::{escape::escape, Control, HostRoot, Severity};
use ferret::logs::{analyze, AnalyzeOptions, Input, LogTime};

/// `println!` that ignores a closed pipe (`authlog ... | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

fn usage() -> ! {
    eprintln!("usage: authlog [--json] [--year YYYY] [--since T] [--until T] [--jobs N] [--localized-months] FILE... (- for stdin)");
    exit(2)
}

fn main() {
    let mut opts = AnalyzeOptions::default();
    // Every core by default (results do not depend on it); `--jobs 1` for one thread.
    opts.jobs = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut json = false;
    let mut files: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = |name: &str| {
            args.next().unwrap_or_else(|| {
                eprintln!("authlog: {name} needs a value");
                usage()
            })
        };
        match a.as_str() {
            "--json" => json = true,
            "--year" => opts.year = Some(val("--year").parse().unwrap_or_else(|_| usage())),
            "--since" => {
                opts.since = Some(LogTime::parse(&val("--since")).unwrap_or_else(|| usage()));
            }
            "--until" => {
                opts.until = Some(LogTime::parse(&val("--until")).unwrap_or_else(|| usage()));
            }
            "--jobs" => opts.jobs = val("--jobs").parse().unwrap_or_else(|_| usage()),
            // Text exported with `journalctl -o short` under a non-English LC_TIME.
            "--localized-months" => opts.localized_months = true,
            "-h" | "--help" => usage(),
            s if s.starts_with("--") => usage(),
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        usage();
    }
    let root = HostRoot::live();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    // Journal files (by signature) and directories go together into one journal input, at
    // the place of the first one, so that they are read in time order.
    let inputs = files.iter().map(|f| {
        if f == "-" {
            Input::reader(std::io::stdin(), "-")
        } else {
            Input::Root(&root, cwd.join(f))
        }
    });
    let control = Control::new();
    let a = analyze(inputs, &opts, &control);

    if json {
        let t = |t: Option<LogTime>| t.map(|t| t.to_string());
        let out = serde_json::json!({
            "lines": a.lines,
            "unparsed": a.unparsed,
            "events": a.events,
            "sources": a.sources.iter().map(|s| serde_json::json!({
                "ip": s.ip,
                "failures": s.failures,
                "successes": s.successes,
                "users": s.users,
                "first": t(s.first),
                "last": t(s.last),
            })).collect::<Vec<_>>(),
            "findings": a.outcome.findings,
            "window": a.window.map(|w| serde_json::json!({"first": w.first.to_string(), "last": w.last.to_string()})),
        });
        out!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
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
    }
    for e in &a.outcome.errors {
        eprintln!("authlog: {}", escape(e.to_string().as_bytes()));
    }
    if !a.outcome.errors.is_empty() {
        exit(2);
    }
    if a.outcome
        .findings
        .iter()
        .any(|f| f.severity >= Severity::Medium)
    {
        exit(1);
    }
}
