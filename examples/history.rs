//! `cargo run --release --example history -- [--root DIR] [--json|--jsonl] [--user U]... [--all]`:
//! every account's shell histories (bash, zsh, fish, ash/ksh, Python, MySQL, psql, less),
//! each command classified by the shared command classifier, and the signs of suppressed
//! history (symlinks to /dev/null, FIFOs, emptied files, `HISTFILE=/dev/null`, `HISTSIZE=0`).
//!
//! ```text
//! history [--root DIR] [--json|--jsonl] [--user U]... [--all] [--jobs N]
//! ```
//! Flags, help and exit status: `ferret::cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use ferret::cli::{self, Args, Command, Common, Flag, Format, HasCommon, Status};
use ferret::core::escape::escape;
use ferret::logs::history::{histories_root, HistoryOptions, SourceState};
use ferret::logs::LogTime;

/// `println!` that ignores a closed pipe (`history | head`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Default)]
struct Opts {
    common: Common,
    history: HistoryOptions,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const COMMAND: Command<Opts> = Command {
    name: "history",
    about: "every account's shell histories, each command classified, and suppressed histories",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        cli::jsonl(),
        cli::jobs(),
        cli::budget(),
        Flag::value(
            "user",
            "U",
            "only the account U (repeatable)",
            |o: &mut Opts, v| {
                o.history.users.push(v.as_bytes().to_vec());
                Ok(())
            },
        ),
        Flag::switch(
            "all",
            "list every command, not only the classified ones",
            |o: &mut Opts| o.history.all = true,
        ),
    ],
    operands: None,
    notes:
        "Homes come from the root's /etc/passwd (and /root). Read: .bash_history, .zsh_history,\n\
.zhistory, .histfile, fish_history, .sh_history, .ash_history, .mksh_history, .history,\n\
.python_history, .mysql_history, .psql_history, .lesshst, and a HISTFILE set in a start-up\n\
file. A symlink is reported and never followed; secrets in commands are masked.",
};

pub fn main() -> ExitCode {
    let mut o = Opts::default();
    if let Err(stop) = Args::from_env().parse(&COMMAND, &mut o) {
        return stop.report();
    }
    let root = o.common.root_or_live();
    let control = o.common.control();
    let r = histories_root(&root, &o.history, &control);
    let status = Status::new(
        r.findings
            .iter()
            .any(|f| f.severity >= ferret::core::Severity::Medium),
        !r.errors.is_empty(),
    );
    match o.common.format {
        Format::Json => match serde_json::to_string_pretty(&r) {
            Ok(s) => out!("{s}"),
            Err(e) => return cli::fail("history", format!("json: {e}")),
        },
        Format::JsonLines => {
            // One object per command, then one per finding.
            for c in &r.commands {
                if let Ok(s) = serde_json::to_string(&serde_json::json!({"command": c})) {
                    out!("{s}");
                }
            }
            for f in &r.findings {
                if let Ok(s) = serde_json::to_string(&serde_json::json!({"finding": f})) {
                    out!("{s}");
                }
            }
        }
        // text (the only other format this command offers)
        _ => {
            for c in &r.commands {
                let kinds: Vec<&str> = c
                    .kinds
                    .iter()
                    .map(ferret::core::command::CommandKind::id)
                    .collect();
                let when = c
                    .time
                    .map(|t| format!("{} ", LogTime::from_secs(t)))
                    .unwrap_or_default();
                out!(
                    "{}:{}: {}{} {}{}",
                    c.path,
                    c.line,
                    when,
                    escape(&c.user),
                    escape(&c.command),
                    if kinds.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", kinds.join(","))
                    }
                );
            }
            for f in &r.findings {
                out!("{f}");
                if let Some(d) = &f.detail {
                    out!("    {d}");
                }
            }
            for s in &r.sources {
                let note = match &s.state {
                    SourceState::Read if s.cut => " (cut at the size cap)".to_owned(),
                    SourceState::Read if s.binary => " (holds NUL bytes)".to_owned(),
                    SourceState::Read => String::new(),
                    SourceState::Empty => " (empty)".to_owned(),
                    SourceState::Symlink { target } => format!(" (symlink to {})", escape(target)),
                    SourceState::NotRegular { kind } => format!(" ({kind}, not opened)"),
                    _ => " (unreadable)".to_owned(),
                };
                eprintln!(
                    "read {} [{}]: {} commands{note}",
                    s.path, s.format, s.commands
                );
            }
            if !r.users_without_history.is_empty() {
                let u: Vec<String> = r.users_without_history.iter().map(|u| escape(u)).collect();
                eprintln!(
                    "interactive accounts with no history file: {}",
                    u.join(", ")
                );
            }
            eprintln!(
                "{} accounts, {} history files, {} commands, {} classified, {} findings",
                r.accounts,
                r.sources.len(),
                r.commands_total,
                r.commands_classified,
                r.findings.len()
            );
            cli::print_errors(&r.errors);
        }
    }
    status.into()
}
