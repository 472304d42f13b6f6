//! `ferret`: every example's job in one executable, for the responder who copies one file to a
//! host (`ferret triage --json`, `ferret baseline check DB`). Built fully static by
//! `.ci/build-static`, it needs no dynamic loader, no libc of the host and no NSS: nothing on the
//! audited host runs inside it.
//!
//! Each subcommand is the example of the same name, compiled in from `examples/NAME.rs`: one
//! implementation of each job, the same flags, help and exit status as `cargo run --example
//! NAME`. `ferret::cli::enter_subcommand` makes the tool read its arguments after the
//! subcommand word.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::cli::{self, Args, Subcommand, Tool};
use std::io::Write as _;
use std::process::ExitCode;

/// One line per job: `name => "examples file", "usage", "about"`. Adding a job (an example
/// that lands later) is one line here.
macro_rules! jobs {
    ($($name:ident => $file:literal, $args:literal, $about:literal;)*) => {
        $(
            #[path = $file]
            mod $name;
        )*
        /// Every job: its help line and its `main`.
        const JOBS: &[(Subcommand, fn() -> ExitCode)] = &[$(
            (
                Subcommand { name: stringify!($name), args: $args, about: $about },
                $name::main,
            ),
        )*];
    };
}

jobs! {
    triage => "../examples/triage.rs", "[--root DIR] [--json|--jsonl] [FLAGS]", "every check that applies to this host or a mounted image, one report, most severe first";
    baseline => "../examples/baseline.rs", "init|check|export ...", "file-integrity baselines (AIDE-style), sealed with a keyed BLAKE3 MAC";
    pkgverify => "../examples/pkgverify.rs", "[--root DIR] [FLAGS]", "installed files against the dpkg database's checksums (debsums -a)";
    rpmdb => "../examples/rpmdb.rs", "[--root DIR] [FLAGS]", "the packages of an rpm database, read without librpm (rpm -qa)";
    accounts => "../examples/accounts.rs", "SUBCOMMAND ...", "the account database (passwd, shadow, group, gshadow, sudoers), read from the files, never through NSS";
    procs => "../examples/procs.rs", "SUBCOMMAND ...", "live processes, sockets, kernel modules and what hides among them (live host only)";
    authlog => "../examples/authlog.rs", "[FLAGS] FILE|JOURNAL-DIR...", "auth/syslog/firewall logs and systemd journal files into events, detections, timeline";
    logins => "../examples/logins.rs", "last|failed|lastlog|utmp|check ...", "login records (utmp, wtmp, btmp, lastlog, wtmpdb, lastlog2) as last/lastb/lastlog print them, and tampering";
    history => "../examples/history.rs", "[--root DIR] [FLAGS]", "every account's shell histories, each command classified; suppressed histories";
    harden => "../examples/harden.rs", "[--root DIR] [FLAGS]", "hardening and persistence checks of this host or a mounted image";
    scan => "../examples/scan.rs", "[--root DIR] [FLAGS]", "what was dropped on disk: drop locations and hidden directories, classified by content";
}

const NOTES: &str = "\
Each subcommand takes the flags of the example of the same name and keeps its conventions \
(ferret::cli): --root DIR audits a mounted image read-only, --json/--jsonl print JSON on stdout, \
diagnostics go to stderr. Write reports to an evidence volume, never to the audited disk.

'ferret --version' says how this binary was built (commit, features, static or not).";

/// `ferret --version`: the version, the commit it was built from, its features, and whether it
/// is static (then it loads nothing from the host it runs on).
fn version() -> String {
    let features = [
        ("baseline", cfg!(feature = "baseline")),
        ("accounts", cfg!(feature = "accounts")),
        ("proc", cfg!(feature = "proc")),
        ("logs", cfg!(feature = "logs")),
        ("harden", cfg!(feature = "harden")),
        ("scan", cfg!(feature = "scan")),
        ("yara", cfg!(feature = "yara")),
        ("serde", cfg!(feature = "serde")),
        ("cli", cfg!(feature = "cli")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| *name)
    .collect::<Vec<_>>()
    .join(" ");
    let linkage = if cfg!(target_feature = "crt-static") {
        "static (no dynamic loader, no host libraries, ld.so.preload has no effect)"
    } else {
        "dynamic (loads the host's libc: build with .ci/build-static for a responder)"
    };
    format!(
        "ferret {}\ncommit: {}\ntarget: {}\nprofile: {}\nfeatures: {features}\nlinkage: {linkage}\n",
        env!("CARGO_PKG_VERSION"),
        env!("FERRET_GIT_COMMIT"),
        env!("FERRET_TARGET"),
        env!("FERRET_PROFILE"),
    )
}

fn main() -> ExitCode {
    let tool = Tool {
        name: "ferret",
        about: "Linux host forensics and incident response, one static file: run a job on this \
                host or on an image mounted with --root",
        subcommands: JOBS
            .iter()
            .map(|(s, _)| Subcommand {
                name: s.name,
                args: s.args,
                about: s.about,
            })
            .collect::<Vec<_>>()
            .leak(),
        notes: NOTES,
    };
    let mut args = Args::from_env();
    if args.subcommand(&["--version", "-V", "version"]).is_some() {
        let mut out = std::io::stdout().lock();
        let _ = out
            .write_all(version().as_bytes())
            .and_then(|()| out.flush());
        return ExitCode::SUCCESS;
    }
    let name = match tool.subcommand(&mut args) {
        Ok(name) => name,
        Err(stop) => return stop.report(),
    };
    match JOBS.iter().find(|(s, _)| s.name == name) {
        Some((_, run)) => {
            cli::enter_subcommand();
            run()
        }
        None => cli::fail("ferret", format_args!("{name}: no such job")),
    }
}
