//! Verify installed files against the dpkg database (a faster, stricter `debsums -a`).
//!
//! ```text
//! cargo run --release --example pkgverify -- [--root DIR] [--json] [--package NAME]...
//!     [--debsums-states] [--no-conffiles] [--no-unowned] [--threads N] [--io-limit BYTES/S]
//! ```
//!
//! Exit status: 0 clean, 1 findings at or above medium, 2 errors (nothing verified, or
//! unreadable files/lines) or bad usage.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::pkg::{verify_root, StateSelection, VerifyOptions};
use ferret::core::{Control, HostRoot, Progress, Severity};
use std::io::IsTerminal;
use std::os::unix::ffi::OsStringExt;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: pkgverify [--root DIR] [--json] [--package NAME]... [--debsums-states] \
         [--no-conffiles] [--no-unowned] [--threads N] [--io-limit BYTES_PER_SEC]"
    );
    ExitCode::from(2)
}

/// A progress bar on stderr when it is a terminal: files verified of the files listed.
fn progress(control: Control) -> (Control, Option<indicatif::ProgressBar>) {
    if !std::io::stderr().is_terminal() {
        return (control, None);
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "pkgverify [{elapsed_precise}] {wide_bar} {pos}/{len} files {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let b = bar.clone();
    let control = control.with_progress(move |p: Progress| {
        if let Some(t) = p.items_total {
            b.set_length(t);
        }
        b.set_position(p.items_done);
        b.set_message(format!("{} MB", p.bytes_done / 1_000_000));
    });
    (control, Some(bar))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let mut root = None;
    let mut json = false;
    let mut opts = VerifyOptions::default();
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut control = Control::new();
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--root") => match args.next() {
                Some(v) => root = Some(v),
                None => return usage(),
            },
            Some("--json") => json = true,
            Some("--package") => match args.next() {
                Some(v) => names.push(v.into_vec()),
                None => return usage(),
            },
            Some("--debsums-states") => opts.states = StateSelection::DebsumsCompatible,
            Some("--no-conffiles") => opts.conffiles = false,
            Some("--no-unowned") => opts.unowned = false,
            Some("--threads") => match args.next().and_then(|v| v.to_str()?.parse().ok()) {
                Some(n) => control = control.with_max_threads(n),
                None => return usage(),
            },
            Some("--io-limit") => match args.next().and_then(|v| v.to_str()?.parse().ok()) {
                Some(n) => control = control.with_io_limit(n),
                None => return usage(),
            },
            Some("-h" | "--help") => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    opts.packages = names;
    let root = match root {
        Some(r) => match HostRoot::new(&r) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("pkgverify: {e}");
                return ExitCode::from(2);
            }
        },
        None => HostRoot::live(),
    };
    let (control, bar) = progress(control);
    let report = verify_root(&root, &opts, &control);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let out = &report.outcome;
    if json {
        // Keys in the documented order: {"packages","files","findings","errors"}, then the
        // MD5 implementation used.
        let body = serde_json::to_string(&out.findings)
            .and_then(|f| serde_json::to_string(&out.errors).map(|e| (f, e)))
            .and_then(|(f, e)| serde_json::to_string(&report.md5_engine).map(|m| (f, e, m)));
        match body {
            Ok((findings, errors, engine)) => println!(
                "{{\"packages\":{},\"files\":{},\"findings\":{findings},\"errors\":{errors},\"md5_engine\":{engine}}}",
                report.packages, report.files
            ),
            Err(e) => {
                eprintln!("pkgverify: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        // Finding and ErrorRecord fields are escaped by ferret-core already.
        for f in &out.findings {
            println!("{f}");
            if let Some(d) = &f.detail {
                println!("    {d}");
            }
        }
        for e in &out.errors {
            println!("error: {e}");
        }
        println!(
            "{} packages, {} files, {} MB hashed with {}: {} findings, {} errors",
            report.packages,
            report.files,
            report.bytes / 1_000_000,
            ferret::core::escape::escape(report.md5_engine.as_bytes()),
            out.findings.len(),
            out.errors.len()
        );
    }
    if report.files == 0 && !out.errors.is_empty() {
        ExitCode::from(2)
    } else if out.max_severity() >= Some(Severity::Medium) {
        ExitCode::from(1)
    } else if !out.errors.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
