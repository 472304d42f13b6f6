//! Verify installed files against the package databases the root holds: dpkg (a faster,
//! stricter `debsums -a`), rpm (`rpm -Va`), or both.
//!
//! ```text
//! cargo run --release --example pkgverify -- [--root DIR] [--json] [--package NAME]...
//!     [--manager dpkg|rpm]... [--dbpath DIR] [--rpm-lines] [--debsums-states]
//!     [--no-conffiles] [--no-unowned] [--jobs N] [--io-limit BYTES/S]
//! ```
//!
//! `--json` prints one document of the same shape for either manager: `packages`, `files`,
//! `databases` (which were read), `findings`, `errors`, `md5_engine`, and `problems` (every
//! file `rpm -V` would print a line for, with its manager, package, flags and result).
//! `--rpm-lines` prints those lines as `rpm -V` does (`S.5....T.  c /etc/x`) instead of the
//! findings. The package listing stays its own example (`rpmdb`, like `rpm -qa`): a listing
//! has no findings and a different exit status, and reads no file contents.
//!
//! Flags, help and exit status: `ferret::cli` (nothing verified at all is exit 2).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::pkg::{verify_root, FileProblem, Manager, StateSelection, VerifyOptions};
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
    managers: Vec<Manager>,
    dbpath: Option<std::path::PathBuf>,
    rpm_lines: bool,
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
    about: "installed files against the package databases (dpkg: a faster, stricter debsums -a; rpm: rpm -Va)",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        Flag::value(
            "package",
            "NAME",
            "verify this package (dpkg: name or name:arch; rpm: name or name-version-release.arch; \
             repeat for more; default: all, plus the system-wide checks: unowned files, \
             diversions, stat overrides)",
            |o: &mut Opts, v| {
                o.names.push(v.into_os_string().into_vec());
                Ok(())
            },
        ),
        Flag::value(
            "manager",
            "dpkg|rpm",
            "verify this manager's database only (repeat for both; default: every database the root holds)",
            |o: &mut Opts, v| {
                o.managers.push(v.parse_with(str::parse::<Manager>)?);
                Ok(())
            },
        ),
        Flag::value(
            "dbpath",
            "DIR",
            "the rpm database directory inside the root (default: /usr/lib/sysimage/rpm, then /var/lib/rpm)",
            |o: &mut Opts, v| {
                o.dbpath = Some(v.into_path());
                Ok(())
            },
        ),
        Flag::switch(
            "rpm-lines",
            "print the lines rpm -V prints (S.5....T.  c /path) instead of the findings",
            |o: &mut Opts| o.rpm_lines = true,
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
        cli::budget(),
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
    opts.managers = o.managers;
    opts.rpm_dbpath = o.dbpath;
    let o_rpm_lines = o.rpm_lines;
    let root = o.common.root_or_live();
    let json = o.common.is_json();
    let (bar, control) = ProgressBar::attach("pkgverify", o.common.control());
    let report = verify_root(&root, &opts, &control);
    drop(bar);
    let out = &report.outcome;
    if json {
        // Keys in the documented order: {"packages","files","databases","findings","errors"},
        // then the MD5 implementation used and the rpm -V problems.
        let body = (|| -> serde_json::Result<String> {
            Ok(format!(
                "{{\"packages\":{},\"files\":{},\"databases\":{},\"findings\":{},\"errors\":{},\"md5_engine\":{},\"problems\":{}}}",
                report.packages,
                report.files,
                serde_json::to_string(&report.databases)?,
                serde_json::to_string(&out.findings)?,
                serde_json::to_string(&out.errors)?,
                serde_json::to_string(&report.md5_engine)?,
                serde_json::to_string(&report.problems)?,
            ))
        })();
        match body {
            Ok(doc) => out!("{doc}"),
            Err(e) => return cli::fail("pkgverify", e),
        }
    } else if o_rpm_lines {
        for p in &report.problems {
            out!("{}", FileProblem::rpm_line(p));
        }
        cli::print_errors(&out.errors);
    } else {
        // Finding and ErrorRecord fields are escaped by ferret-core already.
        for f in &out.findings {
            out!("{f}");
            if let Some(d) = &f.detail {
                out!("    {d}");
            }
        }
        cli::print_errors(&out.errors);
        let dbs: Vec<String> = report
            .databases
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d.manager,
                    ferret::core::escape::escape_path(&d.path)
                )
            })
            .collect();
        out!(
            "{}: {} packages, {} files, {} MB hashed with {}: {} findings, {} errors",
            if dbs.is_empty() {
                "no database".to_owned()
            } else {
                dbs.join(", ")
            },
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
