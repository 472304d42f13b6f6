//! Verify installed files against the dpkg database (a faster, stricter `debsums -a`).
//!
//! ```text
//! cargo run --release --example pkgverify -- [--root DIR] [--json] [--package NAME]...
//!     [--debsums-states] [--no-conffiles] [--no-unowned] [--jobs N] [--io-limit BYTES/S]
//! ```
//!
//! Flags, help and exit status: `ferret::cli` (nothing verified at all is exit 2).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::pkg::{verify_root, StateSelection, VerifyOptions};
use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, ProgressBar, Status};
use ferret::core::Severity;
use std::os::unix::ffi::OsStringExt;
use std::process::ExitCode;

/// `println!` that ignores a closed pipe (`pkgverify | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Default)]
struct Opts {
    common: Common,
    names: Vec<Vec<u8>>,
    debsums_states: bool,
    no_conffiles: bool,
    no_unowned: bool,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const COMMAND: Command<Opts> = Command {
    name: "pkgverify",
    about: "installed files against the dpkg database's checksums (a faster, stricter debsums -a)",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        Flag::value(
            "package",
            "NAME",
            "verify this package (name or name:arch; repeat for more; default: all, plus the \
             system-wide checks: unowned files, diversions, stat overrides)",
            |o: &mut Opts, v| {
                o.names.push(v.into_os_string().into_vec());
                Ok(())
            },
        ),
        Flag::switch(
            "debsums-states",
            "verify the packages debsums verifies (installed ones only)",
            |o: &mut Opts| o.debsums_states = true,
        ),
        Flag::switch(
            "no-conffiles",
            "skip configuration files (debsums without -a)",
            |o: &mut Opts| o.no_conffiles = true,
        ),
        Flag::switch(
            "no-unowned",
            "skip the search for files no package owns in system directories",
            |o: &mut Opts| o.no_unowned = true,
        ),
        cli::jobs(),
        cli::io_limit(),
    ],
    operands: None,
    notes: "",
};

pub fn main() -> ExitCode {
    let mut o = Opts::default();
    if let Err(stop) = Args::from_env().parse(&COMMAND, &mut o) {
        return stop.report();
    }
    let mut opts = VerifyOptions::default();
    if o.debsums_states {
        opts.states = StateSelection::DebsumsCompatible;
    }
    opts.conffiles = !o.no_conffiles;
    opts.unowned = !o.no_unowned;
    opts.packages = o.names;
    let root = o.common.root_or_live();
    let json = o.common.is_json();
    let (bar, control) = ProgressBar::attach("pkgverify", o.common.control());
    let report = verify_root(&root, &opts, &control);
    drop(bar);
    let out = &report.outcome;
    if json {
        // Keys in the documented order: {"packages","files","findings","errors"}, then the
        // MD5 implementation used.
        let body = serde_json::to_string(&out.findings)
            .and_then(|f| serde_json::to_string(&out.errors).map(|e| (f, e)))
            .and_then(|(f, e)| serde_json::to_string(&report.md5_engine).map(|m| (f, e, m)));
        match body {
            Ok((findings, errors, engine)) => out!(
                "{{\"packages\":{},\"files\":{},\"findings\":{findings},\"errors\":{errors},\"md5_engine\":{engine}}}",
                report.packages, report.files
            ),
            Err(e) => return cli::fail("pkgverify", e),
        }
    } else {
        // Finding and ErrorRecord fields are escaped by ferret-core already.
        for f in &out.findings {
            out!("{f}");
            if let Some(d) = &f.detail {
                out!("    {d}");
            }
        }
        cli::print_errors(&out.errors);
        out!(
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
        // Nothing verified: no answer at all.
        Status::Error.into()
    } else {
        Status::new(
            out.max_severity() >= Some(Severity::Medium),
            !out.errors.is_empty(),
        )
        .into()
    }
}
