//! `cargo run --release --example accounts -- audit|list|diff ...`: the account database,
//! read from the files (live `/` or a mounted image), never through NSS.
//!
//! ```text
//! accounts audit [--root DIR] [--json] [--no-home]
//! accounts list  [--root DIR] [--json]
//! accounts diff  OLD_ROOT NEW_ROOT [--json]
//! accounts diff  [--root DIR] [--json]     (current files against /etc/passwd- etc.)
//! ```
//! Exit status: 0 nothing at or above medium, 1 findings at or above medium, 2 error.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

use ferret::accounts::{self, AuditOptions};
use ferret::core::{Control, HostRoot, Outcome, Severity};
use std::process::exit;

/// `println!` that exits quietly when stdout is closed (`accounts list | head`).
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout().lock(), $($t)*).is_err() {
            exit(0);
        }
    }};
}

const USAGE: &str = "usage: accounts audit [--root DIR] [--json] [--no-home]\n       accounts list [--root DIR] [--json]\n       accounts diff OLD_ROOT NEW_ROOT [--json]\n       accounts diff [--root DIR] [--json]   (against /etc/passwd- backups)";

fn die(msg: &str) -> ! {
    eprintln!("accounts: {msg}\n{USAGE}");
    exit(2)
}

fn open_root(p: &str) -> HostRoot {
    HostRoot::new(p).unwrap_or_else(|e| die(&format!("{p}: {e}")))
}

fn print_outcome(out: &Outcome, json: bool) {
    if json {
        match serde_json::to_string_pretty(out) {
            Ok(s) => outln!("{s}"),
            Err(e) => die(&format!("json: {e}")),
        }
        return;
    }
    for f in &out.findings {
        outln!("{f}");
        if let Some(d) = &f.detail {
            outln!("    {}", ferret::core::escape::escape(d.as_bytes()));
        }
    }
    for e in &out.errors {
        eprintln!("error: {e}");
    }
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

fn status(out: &Outcome) -> i32 {
    if out.max_severity().is_some_and(|s| s >= Severity::Medium) {
        1
    } else if !out.errors.is_empty() {
        2
    } else {
        0
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut json = false;
    let mut check_home = true;
    let mut root: Option<String> = None;
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--no-home" => check_home = false,
            "--root" => {
                root = Some(
                    it.next()
                        .cloned()
                        .unwrap_or_else(|| die("--root needs a directory")),
                );
            }
            "-h" | "--help" => {
                outln!("{USAGE}");
                return;
            }
            s if s.starts_with('-') => die(&format!("unknown option {s}")),
            s => positional.push(s.to_owned()),
        }
    }
    let root = root.map_or_else(HostRoot::live, |r| open_root(&r));
    match positional.first().map(String::as_str) {
        Some("audit") if positional.len() == 1 => {
            let mut opts = AuditOptions::default();
            opts.check_home = check_home;
            opts.check_shells = check_home;
            let out = accounts::audit_root(&root, &opts, &Control::new());
            print_outcome(&out, json);
            exit(status(&out));
        }
        Some("list") if positional.len() == 1 => {
            let list = accounts::list_users_root(&root, &Control::new());
            let (users, errors) = (&list.users, &list.errors);
            if json {
                match serde_json::to_string_pretty(&list) {
                    Ok(s) => outln!("{s}"),
                    Err(e) => die(&format!("json: {e}")),
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
                for e in errors {
                    eprintln!("error: {e}");
                }
            }
            exit(if errors.is_empty() { 0 } else { 2 });
        }
        Some("diff") if positional.len() == 1 => {
            // no roots: the current files against shadow's `-` backups under --root
            let out = accounts::diff_backup_root(&root, &Control::new());
            print_outcome(&out, json);
            exit(status(&out));
        }
        Some("diff") if positional.len() == 3 => {
            let (Some(a), Some(b)) = (positional.get(1), positional.get(2)) else {
                die("diff needs OLD_ROOT NEW_ROOT")
            };
            let out = accounts::diff_roots(&open_root(a), &open_root(b), &Control::new());
            print_outcome(&out, json);
            exit(status(&out));
        }
        _ => die("expected: audit | list | diff OLD_ROOT NEW_ROOT"),
    }
}
