//! `cargo run --release --example accounts -- audit|list|diff ...`: the account database,
//! read from the files (live `/` or a mounted image), never through NSS.
//!
//! ```text
//! accounts audit [--root DIR] [--json] [--no-home]
//! accounts list  [--root DIR] [--json]
//! accounts diff  [--json] OLD_ROOT NEW_ROOT
//! accounts diff  [--root DIR] [--json]     (current files against /etc/passwd- etc.)
//! accounts sudoers [--root DIR] [--json] [--user U]
//! ```
//! Flags, help and exit status: `ferret::cli`.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use ferret::accounts::{self, AuditOptions};
use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, Status, Subcommand, Tool};
use ferret::core::{HostRoot, Outcome, Severity};
use std::path::PathBuf;
use std::process::{exit, ExitCode};

/// `println!` that exits quietly when stdout is closed (`accounts list | head`).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($t)*).is_err() {
            exit(0);
        }
    }};
}

const TOOL: Tool = Tool {
    name: "accounts",
    about: "the account database (passwd, shadow, group, gshadow), read from the files, never through NSS",
    subcommands: &[
        Subcommand {
            name: "audit",
            args: "[--root DIR] [--json] [--no-home]",
            about: "pwck/grpck-style consistency checks and security checks",
        },
        Subcommand {
            name: "list",
            args: "[--root DIR] [--json]",
            about: "the users, one per line (password state, never the hash)",
        },
        Subcommand {
            name: "diff",
            args: "[--json] OLD_ROOT NEW_ROOT | [--root DIR] [--json]",
            about: "what changed between two roots, or against shadow's /etc/passwd- backups",
        },
        Subcommand {
            name: "sudoers",
            args: "[--root DIR] [--json] [--user U]",
            about: "the sudoers policy and its includes: findings, or what one user may run as whom",
        },
    ],
    notes: "",
};

#[derive(Default)]
struct Opts {
    common: Common,
    no_home: bool,
    roots: Vec<PathBuf>,
    user: Option<Vec<u8>>,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const AUDIT: Command<Opts> = Command {
    name: "accounts audit",
    about: "pwck/grpck-style consistency checks and security checks of the account files",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        cli::budget(),
        Flag::switch(
            "no-home",
            "skip the checks of home directories and login shells",
            |o: &mut Opts| o.no_home = true,
        ),
    ],
    operands: None,
    notes: "",
};

const LIST: Command<Opts> = Command {
    name: "accounts list",
    about: "the users, one per line (the password's state, never the hash)",
    args: "",
    flags: &[cli::root(), cli::json(), cli::budget()],
    operands: None,
    notes: "",
};

const DIFF: Command<Opts> = Command {
    name: "accounts diff",
    about: "what changed in the account files between two roots, or against shadow's backups",
    args: "[OLD_ROOT NEW_ROOT]",
    flags: &[
        cli::root().help(
            "with no OLD_ROOT NEW_ROOT: compare the files under DIR with their `-` backups there",
        ),
        cli::json(),
        cli::budget(),
    ],
    operands: Some(|o, v| {
        o.roots.push(v.into_path());
        Ok(())
    }),
    notes:
        "With OLD_ROOT NEW_ROOT: the account files of two roots (two images, or an image and /).\n\
Without: /etc/passwd, shadow, group and gshadow against passwd-, shadow-, group- and gshadow-,\n\
the backups shadow's tools keep from before their last change.",
};

const SUDOERS: Command<Opts> = Command {
    name: "accounts sudoers",
    about: "the sudoers policy (/etc/sudoers and what it includes), parsed like sudo parses it",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        cli::budget(),
        Flag::value(
            "user",
            "U",
            "show the rules that apply to user U (by name, uid, groups): what U may run, as whom",
            |o: &mut Opts, v| {
                o.user = Some(v.as_bytes().to_vec());
                Ok(())
            },
        ),
    ],
    operands: None,
    notes: "Without --user: the findings (accounts.sudoers-*) and the files read.\n\
With --user: one line per rule: file:line, hosts, (runas users : groups), tags, commands.",
};

fn sudoers(o: &Opts, json: bool) -> ExitCode {
    use ferret::accounts::sudoers;
    let root = o.common.root_or_live();
    let report = sudoers::audit_root(
        &root,
        &sudoers::SudoersOptions::default(),
        &o.common.control(),
    );
    let Some(user) = &o.user else {
        if !json {
            for f in &report.policy.files {
                eprintln!("read {}", ferret::core::escape::escape_path(f));
            }
        }
        print_outcome(&report.outcome, json);
        return Status::of(&report.outcome).into();
    };
    let snap = accounts::Snapshot::load(&root);
    let rules = sudoers::effective(&report.policy, &snap.view(), user);
    if json {
        let v = serde_json::json!({
            "user": ferret::core::escape::escape(user),
            "rules": rules,
            "errors": report.outcome.errors,
        });
        match serde_json::to_string_pretty(&v) {
            Ok(s) => outln!("{s}"),
            Err(e) => return cli::fail("accounts", format!("json: {e}")),
        }
    } else {
        if rules.is_empty() {
            outln!(
                "{} may not run anything with sudo",
                ferret::core::escape::escape(user)
            );
        }
        for r in &rules {
            let mut tags = String::new();
            if r.nopasswd {
                tags.push_str("NOPASSWD: ");
            }
            outln!(
                "{}:{}: {} = ({} : {}) {}{}",
                r.file,
                r.line,
                r.hosts.join(", "),
                r.runas_users.join(", "),
                r.runas_groups.join(", "),
                tags,
                r.commands.join(", ")
            );
        }
        cli::print_errors(&report.outcome.errors);
    }
    let root_any = rules.iter().any(|r| r.as_root && r.all_commands);
    Status::new(root_any, !report.outcome.errors.is_empty()).into()
}

fn open_roots(
    old: &std::path::Path,
    new: &std::path::Path,
) -> Result<(HostRoot, HostRoot), ExitCode> {
    let open = |p| HostRoot::new(p).map_err(|e| cli::fail("accounts", e));
    Ok((open(old)?, open(new)?))
}

fn print_outcome(out: &Outcome, json: bool) {
    if json {
        match serde_json::to_string_pretty(out) {
            Ok(s) => outln!("{s}"),
            Err(e) => {
                let _ = cli::fail("accounts", format!("json: {e}"));
                exit(Status::Error.code().into());
            }
        }
        return;
    }
    for f in &out.findings {
        outln!("{f}");
        if let Some(d) = &f.detail {
            outln!("    {}", ferret::core::escape::escape(d.as_bytes()));
        }
    }
    cli::print_errors(&out.errors);
    let count = |s: Severity| out.findings.iter().filter(|f| f.severity == s).count();
    outln!(
        "{} findings: {} critical, {} high, {} medium, {} low, {} info; {} errors",
        out.findings.len(),
        count(Severity::Critical),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        count(Severity::Info),
        out.errors.len()
    );
}

pub fn main() -> ExitCode {
    let mut args = Args::from_env();
    let sub = match TOOL.subcommand(&mut args) {
        Ok(s) => s,
        Err(stop) => return stop.report(),
    };
    let cmd = match sub {
        "audit" => &AUDIT,
        "list" => &LIST,
        "sudoers" => &SUDOERS,
        _ => &DIFF,
    };
    let mut o = Opts::default();
    if let Err(stop) = args.parse(cmd, &mut o) {
        return stop.report();
    }
    let json = o.common.is_json();
    match sub {
        "sudoers" => sudoers(&o, json),
        "audit" => {
            let root = o.common.root_or_live();
            let mut opts = AuditOptions::default();
            opts.check_home = !o.no_home;
            opts.check_shells = !o.no_home;
            let out = accounts::audit_root(&root, &opts, &o.common.control());
            print_outcome(&out, json);
            Status::of(&out).into()
        }
        "list" => {
            let root = o.common.root_or_live();
            let list = accounts::list_users_root(&root, &o.common.control());
            let (users, errors) = (&list.users, &list.errors);
            if json {
                match serde_json::to_string_pretty(&list) {
                    Ok(s) => outln!("{s}"),
                    Err(e) => return cli::fail("accounts", format!("json: {e}")),
                }
            } else {
                outln!(
                    "{:<20} {:>10} {:>10} {:<10} {:<28} SHELL",
                    "NAME",
                    "UID",
                    "GID",
                    "PASSWORD",
                    "HOME"
                );
                for u in users {
                    // every string field is escaped by the library already
                    outln!(
                        "{:<20} {:>10} {:>10} {:<10} {:<28} {}",
                        u.name,
                        u.uid,
                        u.gid,
                        u.password,
                        u.home,
                        u.shell
                    );
                }
                cli::print_errors(errors);
            }
            Status::new(false, !errors.is_empty()).into()
        }
        _ => {
            let out = match o.roots.as_slice() {
                // no roots: the current files against shadow's `-` backups under --root
                [] => accounts::diff_backup_root(&o.common.root_or_live(), &o.common.control()),
                [old, new] if o.common.root.is_none() => match open_roots(old, new) {
                    Ok((old, new)) => accounts::diff_roots(&old, &new, &o.common.control()),
                    Err(code) => return code,
                },
                [_, _] => {
                    return DIFF
                        .error("--root", "not with OLD_ROOT NEW_ROOT (they are the roots)")
                        .report()
                }
                _ => {
                    return DIFF
                        .error("OLD_ROOT NEW_ROOT", "expected two roots, or none")
                        .report()
                }
            };
            print_outcome(&out, json);
            Status::of(&out).into()
        }
    }
}
