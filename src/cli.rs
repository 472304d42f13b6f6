//! The command-line layer of the examples (and of any executable built on ferret): one argument
//! parser and one set of conventions. Behind the non-default `cli` feature.
//!
//! This module is the one part of the facade that writes to stdout and stderr; it exists for
//! executables. A library or agent embedding ferret leaves the feature off.
//!
//! Arguments are parsed with [`lexopt`] as `OsString`s, like ripgrep's flags: a path that is not
//! UTF-8 is a path. Every flag is defined once, as a [`Flag`] with its help text beside what it
//! does; the help of a [`Command`] is generated from its flags, so the two cannot drift apart.
//! The flags several programs share are defined here, once: [`root`], [`json`], [`jsonl`],
//! [`jobs`], [`io_limit`], [`budget`], and `-h`/`--help`, which every command has.
//!
//! # Conventions
//!
//! - `-h`/`--help` prints the help on stdout and exits 0.
//! - A usage error names the argument and the problem on stderr and exits 2:
//!   `authlog: --year: invalid value "abc": expected a year like 2024`.
//! - Findings and reports go to stdout. In text mode, diagnostics and error records go to
//!   stderr ([`print_errors`]); with `--json` or `--jsonl`, the error records are part of the
//!   document on stdout, and stderr carries only what prevented a document.
//! - `--root DIR` audits the system mounted at `DIR` (read-only); `--json` prints one JSON
//!   document; `--jsonl` one JSON object per line; `--jobs N` caps the worker threads (the
//!   answer never depends on it); `--io-limit B` caps the bytes read per second; `--budget
//!   SECONDS` is the run's time budget (default 600, the default of every
//!   [`Control`](crate::core::Control); 0: no limit).
//! - The exit status is [`Status`]: 0 clean, 1 findings at or above medium, 2 error or usage.
//! - A long run shows a [`ProgressBar`] on stderr when stderr is a terminal.
//!
//! ```
//! use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, Stop};
//!
//! #[derive(Default)]
//! struct Opts {
//!     common: Common,
//!     year: Option<i32>,
//!     files: Vec<std::path::PathBuf>,
//! }
//! impl HasCommon for Opts {
//!     fn common(&mut self) -> &mut Common {
//!         &mut self.common
//!     }
//! }
//! const COMMAND: Command<Opts> = Command {
//!     name: "logs",
//!     about: "reads logs",
//!     args: "FILE...",
//!     flags: &[
//!         cli::json(),
//!         cli::budget(),
//!         Flag::value("year", "YYYY", "the year of lines that carry none", |o: &mut Opts, v| {
//!             o.year = Some(v.parse("a year like 2024")?);
//!             Ok(())
//!         }),
//!     ],
//!     operands: Some(|o, v| {
//!         o.files.push(v.into_path());
//!         Ok(())
//!     }),
//!     notes: "",
//! };
//!
//! let mut o = Opts::default();
//! Args::new(["--json", "auth.log"]).parse(&COMMAND, &mut o).unwrap();
//! assert_eq!(o.common.format, cli::Format::Json);
//! assert_eq!(o.files.len(), 1);
//! // Every run has a time budget unless `--budget 0` lifts it.
//! assert_eq!(o.common.time_budget, Some(ferret::core::control::DEFAULT_TIME_BUDGET));
//! assert!(o.common.control().deadline.is_some());
//! let mut unbounded = Opts::default();
//! Args::new(["--budget", "0", "auth.log"]).parse(&COMMAND, &mut unbounded).unwrap();
//! assert_eq!(unbounded.common.control().deadline, None);
//!
//! let err = Args::new(["--year", "abc"]).parse(&COMMAND, &mut Opts::default()).unwrap_err();
//! assert_eq!(err.to_string(), r#"logs: --year: invalid value "abc": expected a year like 2024"#);
//! assert!(matches!(Args::new(["-h"]).parse(&COMMAND, &mut Opts::default()), Err(Stop::Help(_))));
//! ```

use crate::core::escape::escape;
use crate::core::{Control, HostRoot, Outcome, Progress, Severity};
use std::ffi::{OsStr, OsString};
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write as _};
use std::num::NonZeroUsize;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The exit status of every example, documented once.
///
/// - 0: the run completed; nothing at or above medium was found and nothing failed.
/// - 1: something at or above medium was found (for a baseline check: anything differs), even
///   if some inputs could not be read.
/// - 2: bad usage; a fatal error (nothing could be examined: a missing root, a tampered
///   baseline, no input read at all); an incomplete run (cancelled, or a triage module that
///   failed); or, with nothing at or above medium found, any error record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Exit 0.
    Clean,
    /// Exit 1.
    Findings,
    /// Exit 2.
    Error,
}

impl Status {
    /// The status from what was found and whether anything failed: findings at or above
    /// medium win over errors.
    pub fn new(findings_at_or_above_medium: bool, errors: bool) -> Status {
        if findings_at_or_above_medium {
            Status::Findings
        } else if errors {
            Status::Error
        } else {
            Status::Clean
        }
    }

    /// The status of an [`Outcome`].
    pub fn of(outcome: &Outcome) -> Status {
        Status::new(
            outcome.max_severity() >= Some(Severity::Medium),
            !outcome.errors.is_empty(),
        )
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Findings => 1,
            Status::Error => 2,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s.code())
    }
}

/// How a report is printed: `--json`, `--jsonl` or `--format`, text by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Human-readable text (the default).
    #[default]
    Text,
    /// One JSON document (`--json`).
    Json,
    /// One JSON object per line (`--jsonl`).
    JsonLines,
    /// OCSF Detection Findings in one JSON array (`--format ocsf`).
    Ocsf,
    /// OCSF Detection Findings, one per line (`--format ocsf --jsonl`, `--format ocsf-jsonl`).
    OcsfLines,
    /// A bodyfile for the Sleuth Kit's `mactime` (`--format bodyfile`; a timeline's files).
    Bodyfile,
}

impl Format {
    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::Ocsf => "ocsf",
            Format::OcsfLines => "ocsf-jsonl",
            Format::Bodyfile => "bodyfile",
        }
    }

    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::JsonLines,
        Format::Ocsf,
        Format::OcsfLines,
        Format::Bodyfile,
    ];
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown format (known: {})",
                    Format::ALL.map(Format::as_str).join(", ")
                )
            })
    }
}

/// What the common flags set. An example's options hold one and implement [`HasCommon`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Common {
    /// `--root DIR`: the audited system's root (`None`: the command's default, usually `/`).
    pub root: Option<HostRoot>,
    /// `--json`/`--jsonl`.
    pub format: Format,
    /// `--jobs N`: at most `N` worker threads (`None`: one per core).
    pub jobs: Option<NonZeroUsize>,
    /// `--io-limit B`: read at most `B` bytes per second.
    pub io_limit: Option<u64>,
    /// `--budget SECONDS`: stop the work after this long, counted from [`Common::control`]'s
    /// call (`None`: no limit, `--budget 0`). Default
    /// [`DEFAULT_TIME_BUDGET`](crate::core::control::DEFAULT_TIME_BUDGET), the default of
    /// every [`Control`].
    pub time_budget: Option<Duration>,
}

impl Default for Common {
    fn default() -> Self {
        Common {
            root: None,
            format: Format::default(),
            jobs: None,
            io_limit: None,
            time_budget: Some(crate::core::control::DEFAULT_TIME_BUDGET),
        }
    }
}

impl Common {
    /// The `--root` given, or the live system.
    pub fn root_or_live(&self) -> HostRoot {
        self.root.clone().unwrap_or_else(HostRoot::live)
    }

    /// The `--jobs` given, or one per core.
    pub fn jobs_or_cores(&self) -> usize {
        self.jobs
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, NonZeroUsize::get)
    }

    /// Whether the report is printed as ferret's JSON (`--json` or `--jsonl`), error records
    /// included in it.
    pub fn is_json(&self) -> bool {
        matches!(self.format, Format::Json | Format::JsonLines)
    }

    /// A [`Control`] with `--jobs`, `--io-limit` and `--budget` applied (the budget counted
    /// from now).
    pub fn control(&self) -> Control {
        let mut c = match self.time_budget {
            Some(b) => Control::unbounded().with_time_budget(b),
            None => Control::unbounded(),
        };
        if let Some(n) = self.jobs {
            c = c.with_max_threads(n.get());
        }
        if let Some(b) = self.io_limit {
            c = c.with_io_limit(b);
        }
        c
    }
}

/// Options that hold the [`Common`] flags' values, so that the common flags can set them.
pub trait HasCommon {
    /// The common flags' values.
    fn common(&mut self) -> &mut Common;
}

/// `--root DIR`: audit the system mounted at `DIR`, read-only, instead of this host.
pub const fn root<S: HasCommon>() -> Flag<S> {
    Flag::value(
        "root",
        "DIR",
        "audit the system mounted at DIR (an image or a directory tree), read-only, instead of this host",
        |s: &mut S, v| {
            let root = HostRoot::new(v.as_os_str()).map_err(|e| Invalid::new(e.to_string()))?;
            s.common().root = Some(root);
            Ok(())
        },
    )
}

/// `--json`: one JSON document on stdout, error records included.
pub const fn json<S: HasCommon>() -> Flag<S> {
    Flag::switch(
        "json",
        "print one JSON document on stdout (error records included)",
        |s: &mut S| s.common().format = Format::Json,
    )
}

/// `--jsonl`: one JSON object per line on stdout (with `--format ocsf`: one OCSF object per
/// line).
pub const fn jsonl<S: HasCommon>() -> Flag<S> {
    Flag::switch(
        "jsonl",
        "print one JSON object per finding and line on stdout (for a SIEM)",
        |s: &mut S| {
            let f = &mut s.common().format;
            *f = if matches!(*f, Format::Ocsf | Format::OcsfLines) {
                Format::OcsfLines
            } else {
                Format::JsonLines
            };
        },
    )
}

/// `--format FMT`: `text`, `json`, `jsonl`, `ocsf` (a JSON array; with `--jsonl` or as
/// `ocsf-jsonl`, one object per line) or `bodyfile`. A command refuses the formats it does
/// not write, naming the flag.
pub const fn format<S: HasCommon>() -> Flag<S> {
    Flag::value(
        "format",
        "FMT",
        "output format: text, json, jsonl, ocsf (OCSF 1.8.0 Detection Findings, a JSON array; one per line with --jsonl), ocsf-jsonl, bodyfile",
        |s: &mut S, v| {
            let new: Format = v.parse_with(str::parse)?;
            let f = &mut s.common().format;
            *f = match (new, *f) {
                (Format::Ocsf, Format::JsonLines) => Format::OcsfLines,
                (n, _) => n,
            };
            Ok(())
        },
    )
}

/// `--jobs N`: at most `N` worker threads.
pub const fn jobs<S: HasCommon>() -> Flag<S> {
    Flag::value(
        "jobs",
        "N",
        "use at most N worker threads (default: one per core; the answer does not depend on N)",
        |s: &mut S, v| {
            s.common().jobs = Some(v.parse("a number of threads, 1 or more")?);
            Ok(())
        },
    )
}

/// `--budget SECONDS`: the time budget of the run ([`Common::time_budget`]): default 600 s
/// ([`DEFAULT_TIME_BUDGET`](crate::core::control::DEFAULT_TIME_BUDGET)), 0 for no limit.
pub const fn budget<S: HasCommon>() -> Flag<S> {
    Flag::value(
        "budget",
        "SECONDS",
        "stop after this long, keeping what was done and marking the run partial (default 600; 0: no limit)",
        |s: &mut S, v| {
            let secs: f64 = v.parse("a number of seconds")?;
            if !secs.is_finite() || secs < 0.0 {
                return Err(v.invalid("expected a number of seconds, 0 or more"));
            }
            s.common().time_budget = (secs > 0.0).then(|| Duration::from_secs_f64(secs));
            Ok(())
        },
    )
}

/// `--io-limit BYTES_PER_SEC`: cap the read rate.
pub const fn io_limit<S: HasCommon>() -> Flag<S> {
    Flag::value(
        "io-limit",
        "BYTES_PER_SEC",
        "read at most this many bytes per second (0: no limit)",
        |s: &mut S, v| {
            s.common().io_limit = Some(v.parse("a number of bytes per second")?);
            Ok(())
        },
    )
}

/// Why a flag's value or an operand was refused (the flag's name is added by the parser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(String);

impl Invalid {
    /// A problem in words.
    pub fn new(problem: impl Into<String>) -> Self {
        Invalid(problem.into())
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An argument as the program received it: bytes, not necessarily UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value(OsString);

impl Value {
    /// The value as a path (any bytes).
    pub fn into_path(self) -> PathBuf {
        PathBuf::from(self.0)
    }

    /// The value as it came.
    pub fn into_os_string(self) -> OsString {
        self.0
    }

    /// The value as it came.
    pub fn as_os_str(&self) -> &OsStr {
        &self.0
    }

    /// The value's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The value as UTF-8 text, for values that are words or numbers.
    pub fn to_str(&self) -> Result<&str, Invalid> {
        self.0
            .to_str()
            .ok_or_else(|| self.invalid("expected UTF-8 text"))
    }

    /// Parses the value; `expected` says what was expected, for the error
    /// (`invalid value "abc": expected a year like 2024`).
    pub fn parse<T: FromStr>(&self, expected: &str) -> Result<T, Invalid> {
        self.0
            .to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.invalid(&format!("expected {expected}")))
    }

    /// Parses the value with `f`, whose error message becomes the problem
    /// (`invalid value "x": unknown module ...`).
    pub fn parse_with<T, E: fmt::Display>(
        &self,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, Invalid> {
        f(self.to_str()?).map_err(|e| self.invalid(&e.to_string()))
    }

    /// `invalid value "VALUE": problem`, the value escaped.
    pub fn invalid(&self, problem: &str) -> Invalid {
        Invalid(format!("invalid value {}: {problem}", Quoted(&self.0)))
    }
}

/// An argument in double quotes, escaped reversibly (`"\xff.log"`).
struct Quoted<'a>(&'a OsStr);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", escape(self.0.as_bytes()))
    }
}

/// What a flag with a value, or an operand, does to the options `S`.
pub type SetValue<S> = fn(&mut S, Value) -> Result<(), Invalid>;

/// What a flag with several values does to the options `S`.
pub type SetValues<S> = fn(&mut S, Vec<Value>) -> Result<(), Invalid>;

/// What setting a flag does to the options `S`.
enum Action<S> {
    Switch(fn(&mut S)),
    Value(SetValue<S>),
    Values(SetValues<S>),
}

/// One flag: its names, the name of its value, its help, and what it does. Defined once, in a
/// command's `flags` table.
pub struct Flag<S> {
    long: &'static str,
    short: Option<char>,
    value: Option<&'static str>,
    help: &'static str,
    action: Action<S>,
}

impl<S> Flag<S> {
    /// A flag without a value: `--fast`.
    pub const fn switch(long: &'static str, help: &'static str, set: fn(&mut S)) -> Self {
        Flag {
            long,
            short: None,
            value: None,
            help,
            action: Action::Switch(set),
        }
    }

    /// A flag with one value (`--year 2024` or `--year=2024`); given twice, `set` runs twice.
    pub const fn value(
        long: &'static str,
        value: &'static str,
        help: &'static str,
        set: SetValue<S>,
    ) -> Self {
        Flag {
            long,
            short: None,
            value: Some(value),
            help,
            action: Action::Value(set),
        }
    }

    /// A flag that takes every following argument up to the next flag: `--logs A B C`.
    pub const fn values(
        long: &'static str,
        value: &'static str,
        help: &'static str,
        set: SetValues<S>,
    ) -> Self {
        Flag {
            long,
            short: None,
            value: Some(value),
            help,
            action: Action::Values(set),
        }
    }

    /// A one-letter alias: `-o`.
    pub const fn short(mut self, c: char) -> Self {
        self.short = Some(c);
        self
    }

    /// The same flag with a help text that says what it means for this command (what it does
    /// is unchanged): `--root` of a baseline check defaults to the baseline's root.
    pub const fn help(mut self, help: &'static str) -> Self {
        self.help = help;
        self
    }

    fn names(&self) -> String {
        let mut s = match self.short {
            Some(c) => format!("-{c}, --{}", self.long),
            None => format!("    --{}", self.long),
        };
        if let Some(v) = self.value {
            s.push(' ');
            s.push_str(v);
            if matches!(self.action, Action::Values(_)) {
                s.push_str("...");
            }
        }
        s
    }
}

/// A command: a program without subcommands, or one subcommand of a program.
pub struct Command<S: 'static> {
    /// The name as typed: `authlog`, `baseline init`.
    pub name: &'static str,
    /// One line about what it does.
    pub about: &'static str,
    /// The operands after the flags, for the usage line: `FILE|JOURNAL-DIR...`.
    pub args: &'static str,
    /// Its flags (`-h`/`--help` is added to every command).
    pub flags: &'static [Flag<S>],
    /// What an operand does (`None`: the command takes none).
    pub operands: Option<SetValue<S>>,
    /// Paragraphs printed after the flags in the help.
    pub notes: &'static str,
}

/// The exit status line of every help text.
pub const EXIT_STATUS: &str =
    "exit status: 0 clean, 1 findings at or above medium, 2 error or bad usage\n\
(2 also for an incomplete run, or for errors when nothing at or above medium was found)";

impl<S> Command<S> {
    /// `usage: NAME [FLAGS] ARGS`.
    pub fn usage(&self) -> String {
        let mut u = format!("usage: {}", self.name);
        if !self.flags.is_empty() {
            u.push_str(" [FLAGS]");
        }
        if !self.args.is_empty() {
            u.push(' ');
            u.push_str(self.args);
        }
        u
    }

    /// The help: about, usage, every flag with its help, notes, exit status.
    pub fn help(&self) -> String {
        let mut h = wrap(&format!("{}: {}", self.name, self.about), HELP_WIDTH).join("\n");
        let _ = write!(h, "\n\n{}\n\nflags:\n", self.usage());
        let help = Flag::<S>::switch("help", "print this help and exit", |_| ()).short('h');
        let rows: Vec<(String, &str)> = self
            .flags
            .iter()
            .chain(std::iter::once(&help))
            .map(|f| (f.names(), f.help))
            .collect();
        let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        for (names, text) in &rows {
            let mut first = true;
            for line in wrap(text, HELP_WIDTH.saturating_sub(width + 4).max(30)) {
                let names = if first { names.as_str() } else { "" };
                let _ = writeln!(h, "  {names:<width$}  {line}");
                first = false;
            }
        }
        if !self.notes.is_empty() {
            h.push('\n');
            h.push_str(self.notes.trim_end());
            h.push('\n');
        }
        h.push('\n');
        h.push_str(EXIT_STATUS);
        h.push('\n');
        h
    }

    /// A usage error of this command about `arg` (`--key-file`, `DB`): exits 2 with `problem`.
    pub fn error(&self, arg: &str, problem: impl fmt::Display) -> Stop {
        Stop::Usage {
            message: format!("{}: {arg}: {problem}", self.name),
            usage: self.usage(),
            help: format!("{} --help", self.name),
        }
    }

    fn find_long(&self, name: &str) -> Option<&Flag<S>> {
        self.flags.iter().find(|f| f.long == name)
    }

    fn find_short(&self, c: char) -> Option<&Flag<S>> {
        self.flags.iter().find(|f| f.short == Some(c))
    }
}

/// The width help text is wrapped to.
const HELP_WIDTH: usize = 100;

/// `text`'s lines, each wrapped at spaces to at most `width` characters (a longer word stands
/// alone).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut cur = String::new();
        for word in line.split_whitespace() {
            if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(cur);
    }
    out
}

/// One subcommand in a program's help.
pub struct Subcommand {
    /// Its name: `init`.
    pub name: &'static str,
    /// Its usage without the program name: `[FLAGS] -o DB PATH...`.
    pub args: &'static str,
    /// One line about it.
    pub about: &'static str,
}

/// A program made of subcommands (`baseline init|check|export`).
pub struct Tool {
    /// The program's name.
    pub name: &'static str,
    /// One line about it.
    pub about: &'static str,
    /// Its subcommands.
    pub subcommands: &'static [Subcommand],
    /// Paragraphs printed after the subcommands in the help.
    pub notes: &'static str,
}

impl Tool {
    /// The help: about, each subcommand's usage and what it does, notes, exit status.
    pub fn help(&self) -> String {
        let mut h = wrap(&format!("{}: {}", self.name, self.about), HELP_WIDTH).join("\n");
        h.push_str("\n\nusage:\n");
        for s in self.subcommands {
            let _ = writeln!(h, "  {} {} {}", self.name, s.name, s.args);
            for line in wrap(s.about, HELP_WIDTH - 6) {
                let _ = writeln!(h, "      {line}");
            }
        }
        let _ = writeln!(
            h,
            "\n'{} SUBCOMMAND --help' lists a subcommand's flags.",
            self.name
        );
        if !self.notes.is_empty() {
            h.push('\n');
            h.push_str(self.notes.trim_end());
            h.push('\n');
        }
        h.push('\n');
        h.push_str(EXIT_STATUS);
        h.push('\n');
        h
    }

    /// Takes the subcommand from the front of `args`: its name, or the help (`-h`, `--help`,
    /// `help`), or a usage error naming what was found instead.
    pub fn subcommand(&self, args: &mut Args) -> Result<&'static str, Stop> {
        let names = self.subcommands.iter().map(|s| s.name).collect::<Vec<_>>();
        if let Some(s) = args.subcommand(&names) {
            return Ok(s);
        }
        let expected = format!("expected a subcommand: {}", names.join(", "));
        let usage = format!("usage: {} {} ...", self.name, names.join("|"));
        let help = format!("{} --help", self.name);
        match args.0.first() {
            Some(a) if matches!(a.as_bytes(), b"-h" | b"--help" | b"help") => {
                Err(Stop::Help(self.help()))
            }
            Some(a) => Err(Stop::Usage {
                message: format!(
                    "{}: {}: unknown subcommand; {expected}",
                    self.name,
                    Quoted(a)
                ),
                usage,
                help,
            }),
            None => Err(Stop::Usage {
                message: format!("{}: {expected}", self.name),
                usage,
                help,
            }),
        }
    }
}

/// Why parsing stopped before a run: the help was asked for, or the arguments are wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// `--help`: this text goes to stdout, exit 0.
    Help(String),
    /// Bad usage: the message (naming the argument) and the usage line go to stderr, exit 2.
    Usage {
        /// `authlog: --year: invalid value "abc": expected a year like 2024`.
        message: String,
        /// `usage: authlog [FLAGS] FILE...`.
        usage: String,
        /// The command that prints the help: `authlog --help`.
        help: String,
    },
}

impl Stop {
    /// Prints the help on stdout or the usage error on stderr, and returns the exit status
    /// for `main` to return: 0 after the help, 2 after a usage error.
    pub fn report(self) -> ExitCode {
        match self {
            Stop::Help(text) => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                ExitCode::SUCCESS
            }
            Stop::Usage {
                message,
                usage,
                help,
            } => {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "{message}\n{usage}\n(more with '{help}')"
                );
                Status::Error.into()
            }
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Help(text) => f.write_str(text),
            Stop::Usage { message, .. } => f.write_str(message),
        }
    }
}

/// How many words after the program's name [`Args::from_env`] leaves out: 1 once a multi-call
/// binary has dispatched on its first argument.
static SUBCOMMAND_WORDS: AtomicUsize = AtomicUsize::new(0);

/// For a multi-call binary (`ferret triage --json`): its first argument named the tool to run,
/// so from now on [`Args::from_env`] starts after that word, and the tool parses the rest
/// exactly as it does when run under its own name (`triage --json`). Called once, by `main`,
/// before it hands over to the tool.
pub fn enter_subcommand() {
    SUBCOMMAND_WORDS.store(1, Ordering::Relaxed);
}

/// The arguments after the program's name.
#[derive(Debug, Clone, Default)]
pub struct Args(Vec<OsString>);

impl Args {
    /// This process's arguments, after its name (and, in a multi-call binary that has called
    /// [`enter_subcommand`], after the subcommand word too).
    pub fn from_env() -> Self {
        let skip = 1 + SUBCOMMAND_WORDS.load(Ordering::Relaxed);
        Args(std::env::args_os().skip(skip).collect())
    }

    /// These arguments (without a program name).
    pub fn new<I, A>(args: I) -> Self
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        Args(args.into_iter().map(Into::into).collect())
    }

    /// Takes the first argument if it is one of `names` (exactly), and returns it.
    pub fn subcommand(&mut self, names: &[&'static str]) -> Option<&'static str> {
        let first = self.0.first()?;
        let name = names.iter().find(|n| first.as_bytes() == n.as_bytes())?;
        self.0.remove(0);
        Some(name)
    }

    /// Parses the arguments into `state` with `cmd`'s flags and operands.
    pub fn parse<S>(self, cmd: &Command<S>, state: &mut S) -> Result<(), Stop> {
        let mut p = lexopt::Parser::from_args(self.0);
        loop {
            let arg = match p.next() {
                Ok(Some(a)) => a,
                Ok(None) => return Ok(()),
                Err(e) => return Err(lexopt_error(cmd, e)),
            };
            let (name, flag) = match arg {
                lexopt::Arg::Long("help") | lexopt::Arg::Short('h') => {
                    return Err(Stop::Help(cmd.help()))
                }
                lexopt::Arg::Long(l) => (format!("--{l}"), cmd.find_long(l)),
                lexopt::Arg::Short(c) => (format!("-{c}"), cmd.find_short(c)),
                lexopt::Arg::Value(v) => {
                    let Some(operand) = cmd.operands else {
                        return Err(cmd.error(&Quoted(&v).to_string(), "unexpected argument"));
                    };
                    let shown = Quoted(&v).to_string();
                    operand(state, Value(v)).map_err(|e| cmd.error(&shown, e))?;
                    continue;
                }
            };
            let Some(flag) = flag else {
                return Err(cmd.error(&escape(name.as_bytes()), "unknown flag"));
            };
            let name = format!("--{}", flag.long);
            let missing = || {
                cmd.error(
                    &name,
                    format!("missing value ({})", flag.value.unwrap_or_default()),
                )
            };
            let applied = match &flag.action {
                Action::Switch(set) => {
                    set(state);
                    Ok(())
                }
                Action::Value(set) => match p.value() {
                    Ok(v) => set(state, Value(v)),
                    Err(_) => return Err(missing()),
                },
                Action::Values(set) => match p.values() {
                    Ok(vs) => set(state, vs.map(Value).collect()),
                    Err(_) => return Err(missing()),
                },
            };
            applied.map_err(|e| cmd.error(&name, e))?;
        }
    }
}

/// A lexopt error as a usage error of `cmd`.
fn lexopt_error<S>(cmd: &Command<S>, e: lexopt::Error) -> Stop {
    match e {
        lexopt::Error::UnexpectedValue { option, value } => cmd.error(
            &option,
            format!("takes no value (given {})", Quoted(&value)),
        ),
        lexopt::Error::MissingValue {
            option: Some(option),
        } => cmd.error(&option, "missing value"),
        other => cmd.error("arguments", other),
    }
}

/// Prints error records on stderr, one `error: RECORD` line each (text mode; in JSON mode they
/// are part of the document).
pub fn print_errors<E: fmt::Display>(errors: impl IntoIterator<Item = E>) {
    let mut err = std::io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "error: {e}");
    }
}

/// A fatal error: `tool: message` on stderr, exit 2.
pub fn fail(tool: &str, message: impl fmt::Display) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "{tool}: {message}");
    Status::Error.into()
}

/// A progress bar on stderr, drawn only when stderr is a terminal, fed by a [`Control`]'s
/// progress callback. Dropping it clears it; `ProgressBar::default()` draws nothing.
#[derive(Debug, Default)]
pub struct ProgressBar(Option<indicatif::ProgressBar>);

/// How a run's progress is shown, fixed by its first report.
#[derive(Clone, Copy)]
enum Shape {
    /// Bytes out of a known total.
    Bytes,
    /// Items out of a known total, bytes in the message.
    Items,
    /// Nothing known in advance: bytes (and their rate) and items so far.
    Open,
}

impl ProgressBar {
    /// A bar labelled `label`, and `control` with a progress callback that moves it (`control`
    /// unchanged when stderr is not a terminal). Updates are throttled to 20 a second.
    pub fn attach(label: &str, control: Control) -> (ProgressBar, Control) {
        if !std::io::stderr().is_terminal() {
            return (ProgressBar(None), control);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_prefix(label.to_owned());
        bar.set_style(style("{spinner} {prefix} [{elapsed_precise}] {msg}"));
        bar.enable_steady_tick(Duration::from_millis(200));
        let b = bar.clone();
        let start = Instant::now();
        let next = AtomicU64::new(0);
        let shape = OnceLock::new();
        let control = control.with_progress(move |p: Progress| {
            let now = start.elapsed().as_millis() as u64;
            let due = next.load(Ordering::Relaxed);
            if now < due
                || next
                    .compare_exchange(due, now + 50, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                return;
            }
            let shape = *shape.get_or_init(|| {
                let (shape, template) = if p.bytes_total.is_some() {
                    (Shape::Bytes, "{prefix} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
                } else if p.items_total.is_some() {
                    (Shape::Items, "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}")
                } else {
                    (Shape::Open, "{spinner} {prefix} [{elapsed_precise}] {msg}")
                };
                b.set_style(style(template));
                shape
            });
            match shape {
                Shape::Bytes => {
                    b.set_length(p.bytes_total.unwrap_or(p.bytes_done));
                    b.set_position(p.bytes_done);
                    b.set_message(format!("{} files", p.items_done));
                }
                Shape::Items => {
                    b.set_length(p.items_total.unwrap_or(p.items_done));
                    b.set_position(p.items_done);
                    b.set_message(format!("files, {}", indicatif::HumanBytes(p.bytes_done)));
                }
                Shape::Open if p.bytes_done > 0 => {
                    let secs = start.elapsed().as_secs_f64().max(1e-3);
                    b.set_message(format!(
                        "{} read ({}/s), {} files",
                        indicatif::HumanBytes(p.bytes_done),
                        indicatif::HumanBytes((p.bytes_done as f64 / secs) as u64),
                        p.items_done
                    ));
                }
                Shape::Open => b.set_message(format!("{} files", p.items_done)),
            }
        });
        (ProgressBar(Some(bar)), control)
    }

    /// A spinner labelled `label` whose text the caller sets ([`ProgressBar::set_message`]),
    /// for runs whose parts report progress in different units through one [`Control`] (the
    /// triage modules run at once): it shows what is still running. Drawn only when stderr is a
    /// terminal.
    pub fn spinner(label: &str) -> ProgressBar {
        if !std::io::stderr().is_terminal() {
            return ProgressBar(None);
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        bar.set_prefix(label.to_owned());
        bar.set_style(style("{spinner} {prefix} [{elapsed_precise}] {msg}"));
        bar.enable_steady_tick(Duration::from_millis(200));
        ProgressBar(Some(bar))
    }

    /// Sets the text after the bar.
    pub fn set_message(&self, msg: impl Into<String>) {
        if let Some(b) = &self.0 {
            b.set_message(msg.into());
        }
    }

    /// Prints a line above the bar (nothing when no bar is drawn).
    pub fn println(&self, line: impl AsRef<str>) {
        if let Some(b) = &self.0 {
            b.println(line);
        }
    }

    /// Whether a bar is drawn (stderr is a terminal).
    pub fn is_drawn(&self) -> bool {
        self.0.is_some()
    }

    /// Clears the bar.
    pub fn finish(self) {}
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        if let Some(b) = self.0.take() {
            b.finish_and_clear();
        }
    }
}

fn style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug)]
    struct O {
        common: Common,
        n: Vec<u32>,
        fast: bool,
        files: Vec<PathBuf>,
        many: Vec<Vec<OsString>>,
    }
    impl HasCommon for O {
        fn common(&mut self) -> &mut Common {
            &mut self.common
        }
    }
    const CMD: Command<O> = Command {
        name: "t",
        about: "a test",
        args: "FILE...",
        flags: &[
            root(),
            json(),
            jobs(),
            Flag::switch("fast", "go fast", |o: &mut O| o.fast = true).short('f'),
            Flag::value("num", "N", "a number", |o: &mut O, v| {
                o.n.push(v.parse("a small number")?);
                Ok(())
            }),
            Flag::values("many", "X", "several", |o: &mut O, vs| {
                o.many
                    .push(vs.into_iter().map(Value::into_os_string).collect());
                Ok(())
            }),
        ],
        operands: Some(|o, v| {
            o.files.push(v.into_path());
            Ok(())
        }),
        notes: "notes here",
    };

    fn parse(args: &[&[u8]]) -> Result<O, Stop> {
        let mut o = O::default();
        Args::new(args.iter().map(|a| OsStr::from_bytes(a).to_owned())).parse(&CMD, &mut o)?;
        Ok(o)
    }

    fn message(s: Stop) -> String {
        match s {
            Stop::Usage { message, .. } => message,
            Stop::Help(h) => panic!("help instead of an error: {h}"),
        }
    }

    #[test]
    fn flags_values_and_operands() {
        let o = parse(&[
            b"--json", b"-f", b"--num=3", b"--num", b"4", b"a\xff", b"--many", b"x", b"y",
            b"--jobs", b"2", b"--", b"--z",
        ])
        .unwrap();
        assert_eq!(o.common.format, Format::Json);
        assert!(o.fast);
        assert_eq!(o.n, [3, 4]);
        assert_eq!(o.common.jobs, NonZeroUsize::new(2));
        assert_eq!(o.many, [vec![OsString::from("x"), OsString::from("y")]]);
        // A non-UTF-8 operand is a path, byte for byte; after `--` a dash is an operand.
        assert_eq!(
            o.files,
            [
                PathBuf::from(OsStr::from_bytes(b"a\xff")),
                PathBuf::from("--z")
            ]
        );
    }

    #[test]
    fn formats_and_ocsf_lines_in_either_order() {
        const F: Command<O> = Command {
            name: "f",
            about: "formats",
            args: "",
            flags: &[json(), jsonl(), format()],
            operands: None,
            notes: "",
        };
        let get = |args: &[&str]| {
            let mut o = O::default();
            Args::new(args.iter().copied())
                .parse(&F, &mut o)
                .map(|()| o.common.format)
        };
        assert_eq!(get(&[]).unwrap(), Format::Text);
        assert_eq!(get(&["--format", "ocsf"]).unwrap(), Format::Ocsf);
        assert_eq!(
            get(&["--format", "ocsf", "--jsonl"]).unwrap(),
            Format::OcsfLines
        );
        assert_eq!(
            get(&["--jsonl", "--format=ocsf"]).unwrap(),
            Format::OcsfLines
        );
        assert_eq!(get(&["--format", "ocsf-jsonl"]).unwrap(), Format::OcsfLines);
        assert_eq!(get(&["--format", "bodyfile"]).unwrap(), Format::Bodyfile);
        assert_eq!(get(&["--format", "json"]).unwrap(), Format::Json);
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        let err = get(&["--format", "xml"]).unwrap_err();
        assert!(
            matches!(&err, Stop::Usage { message, .. } if message.starts_with(r#"f: --format: invalid value "xml": unknown format (known: text, json"#)),
            "{err:?}"
        );
    }

    #[test]
    fn usage_errors_name_the_argument() {
        assert_eq!(
            message(parse(&[b"--num", b"abc"]).unwrap_err()),
            r#"t: --num: invalid value "abc": expected a small number"#
        );
        assert_eq!(
            message(parse(&[b"--num", b"\xff"]).unwrap_err()),
            r#"t: --num: invalid value "\xff": expected a small number"#
        );
        assert_eq!(
            message(parse(&[b"--nope"]).unwrap_err()),
            "t: --nope: unknown flag"
        );
        assert_eq!(message(parse(&[b"-x"]).unwrap_err()), "t: -x: unknown flag");
        assert_eq!(
            message(parse(&[b"--num"]).unwrap_err()),
            "t: --num: missing value (N)"
        );
        assert_eq!(
            message(parse(&[b"--fast=1"]).unwrap_err()),
            r#"t: --fast: takes no value (given "1")"#
        );
        assert_eq!(
            message(parse(&[b"--jobs", b"0"]).unwrap_err()),
            r#"t: --jobs: invalid value "0": expected a number of threads, 1 or more"#
        );
        let m = message(parse(&[b"--root", b"/nonexistent\xff"]).unwrap_err());
        assert!(m.starts_with(r"t: --root: /nonexistent\xff: "), "{m}");
    }

    #[test]
    fn help_lists_every_flag_once() {
        let Err(Stop::Help(h)) = parse(&[b"--num", b"1", b"--help", b"--nope"]) else {
            panic!("no help");
        };
        for f in CMD.flags {
            assert_eq!(h.matches(&format!("--{} ", f.long)).count(), 1, "{h}");
        }
        assert!(h.contains("-h, --help"), "{h}");
        assert!(h.contains("-f, --fast"), "{h}");
        assert!(h.contains("--many X..."), "{h}");
        assert!(h.contains(EXIT_STATUS), "{h}");
        assert!(
            h.starts_with("t: a test\n\nusage: t [FLAGS] FILE...\n"),
            "{h}"
        );
    }

    #[test]
    fn help_is_wrapped() {
        let words = "word ".repeat(60);
        let lines = wrap(&format!("{words}\nsecond"), 30);
        assert!(lines.iter().all(|l| l.len() <= 30), "{lines:?}");
        assert_eq!(lines.last().map(String::as_str), Some("second"));
        assert_eq!(lines.concat().matches("word").count(), 60);
        for line in CMD.help().lines() {
            assert!(line.chars().count() <= HELP_WIDTH, "{line}");
        }
    }

    #[test]
    fn subcommands() {
        const TOOL: Tool = Tool {
            name: "tool",
            about: "tools",
            subcommands: &[
                Subcommand {
                    name: "one",
                    args: "[FLAGS]",
                    about: "the first",
                },
                Subcommand {
                    name: "two",
                    args: "X",
                    about: "the second",
                },
            ],
            notes: "",
        };
        let mut a = Args::new(["two", "--json"]);
        assert_eq!(TOOL.subcommand(&mut a), Ok("two"));
        assert_eq!(a.0, [OsString::from("--json")]);
        assert!(matches!(
            TOOL.subcommand(&mut Args::new(["--help"])),
            Err(Stop::Help(h)) if h.contains("tool two X")
        ));
        assert_eq!(
            message(TOOL.subcommand(&mut Args::new(["three"])).unwrap_err()),
            r#"tool: "three": unknown subcommand; expected a subcommand: one, two"#
        );
        assert_eq!(
            message(TOOL.subcommand(&mut Args::default()).unwrap_err()),
            "tool: expected a subcommand: one, two"
        );
    }

    #[test]
    fn status_precedence() {
        assert_eq!(Status::new(false, false).code(), 0);
        assert_eq!(Status::new(true, false).code(), 1);
        assert_eq!(Status::new(true, true).code(), 1);
        assert_eq!(Status::new(false, true).code(), 2);
        let mut o = Outcome::default();
        o.findings.push(crate::core::Finding::new(
            "t.low",
            Severity::Low,
            "low",
            b"x",
        ));
        assert_eq!(Status::of(&o), Status::Clean);
        o.findings.push(crate::core::Finding::new(
            "t.medium",
            Severity::Medium,
            "medium",
            b"x",
        ));
        assert_eq!(Status::of(&o), Status::Findings);
    }
}
