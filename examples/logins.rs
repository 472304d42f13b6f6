//! `logins`: login records, read from the files (live `/` or a mounted image), never through
//! the C library: what `last`, `lastb`, `lastlog` and `utmpdump` print, and the tampering
//! checks chkrootkit's `chkwtmp`/`chklastlog` make, joined with the auth log.
//!
//! ```text
//! logins last    [--root DIR] [--json] [-f FILE]... [--utc] [--hosts]
//! logins failed  [--root DIR] [--json] [-f FILE]... [--utc] [--hosts]
//! logins lastlog [--root DIR] [--json] [--utc]
//! logins utmp    [--root DIR] [--json] [-f FILE]...
//! logins check   [--root DIR] [--json|--jsonl]
//! ```
//! Flags, help and exit status: `ferret::cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::ExitCode;

use ferret::cli::{self, Args, Command, Common, Flag, Format, HasCommon, Status, Subcommand, Tool};
use ferret::core::{Control, HostRoot, Outcome};
use ferret::logs::logins::render::{
    last_line, last_trailer, lastb_line, lastlog_line, utmpdump_line, LastFormat, LASTLOG_HEADER,
};
use ferret::logs::logins::{audit_root, correlate, LoginOptions, Logins, Source};
use ferret::logs::{analyze_root, AnalyzeOptions};

const TOOL: Tool = Tool {
    name: "logins",
    about: "login records (utmp, wtmp, btmp, lastlog, wtmpdb, lastlog2) read from the files, and their tampering",
    subcommands: &[
        Subcommand {
            name: "last",
            args: "[--root DIR] [--json] [-f FILE]... [--utc] [--hosts]",
            about: "sessions, boots and shutdowns from wtmp (and wtmpdb), as `last -w -i -x --time-format iso`",
        },
        Subcommand {
            name: "failed",
            args: "[--root DIR] [--json] [-f FILE]... [--utc] [--hosts]",
            about: "failed logins from btmp, as `lastb -w -i --time-format iso`",
        },
        Subcommand {
            name: "lastlog",
            args: "[--root DIR] [--json] [--utc]",
            about: "each user's last login (lastlog, lastlog2), as `lastlog`",
        },
        Subcommand {
            name: "utmp",
            args: "[--root DIR] [--json] [-f FILE]...",
            about: "the records of utmp (who is logged in), or of any FILE, as `utmpdump`",
        },
        Subcommand {
            name: "check",
            args: "[--root DIR] [--json|--jsonl]",
            about: "tampering (wiped, cut, out-of-order, foreign records; lastlog without wtmp) and the joins with the auth log",
        },
    ],
    notes: "FILE is a path inside the root (`/var/log/wtmp.1`, `.gz` read too). Times are in the root's\n\
time zone (its /etc/localtime), or UTC with --utc.",
};

#[derive(Default)]
struct Opts {
    common: Common,
    files: Vec<PathBuf>,
    utc: bool,
    hosts: bool,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const FILE: Flag<Opts> = Flag::value(
    "file",
    "FILE",
    "read FILE (a path inside the root) instead of the default files; may be repeated",
    |o: &mut Opts, v| {
        o.files.push(v.into_path());
        Ok(())
    },
)
.short('f');
const UTC: Flag<Opts> = Flag::switch(
    "utc",
    "show times in UTC, not the root's zone",
    |o: &mut Opts| {
        o.utc = true;
    },
);
const HOSTS: Flag<Opts> = Flag::switch(
    "hosts",
    "show the host as recorded instead of the address (last without -i)",
    |o: &mut Opts| o.hosts = true,
);

const LAST: Command<Opts> = Command {
    name: "logins last",
    about: "sessions, boots and shutdowns from wtmp (and wtmpdb), most recent first, as `last -w -i -x --time-format iso` prints them",
    args: "",
    flags: &[cli::root(), cli::json(), FILE, UTC, HOSTS],
    operands: None,
    notes: "Without -f: /var/log/wtmp and its rotations, newest first, then wtmpdb's database.",
};

const FAILED: Command<Opts> = Command {
    name: "logins failed",
    about:
        "failed logins from btmp, most recent first, as `lastb -w -i --time-format iso` prints them",
    args: "",
    flags: &[cli::root(), cli::json(), FILE, UTC, HOSTS],
    operands: None,
    notes: "Without -f: /var/log/btmp and its rotations, newest first.",
};

const LASTLOG: Command<Opts> = Command {
    name: "logins lastlog",
    about:
        "each user's last login (lastlog by uid, names from the root's passwd; lastlog2 by name)",
    args: "",
    flags: &[cli::root(), cli::json(), UTC],
    operands: None,
    notes: "",
};

const UTMP: Command<Opts> = Command {
    name: "logins utmp",
    about: "the records of utmp (who is logged in now), or of any FILE, as `utmpdump` prints them",
    args: "",
    flags: &[cli::root(), cli::json(), FILE],
    operands: None,
    notes: "",
};

const CHECK: Command<Opts> = Command {
    name: "logins check",
    about: "tampering with the login records, and their joins with the auth log of the same root",
    args: "",
    flags: &[cli::root(), cli::json(), cli::jsonl()],
    operands: None,
    notes: "Reads every login file and the auth logs (auth.log, secure, the journal) of the root.",
};

/// The root's zone and, on the live system, its boot time.
fn format(root: &HostRoot, utc: bool, hosts: bool) -> LastFormat {
    let mut f = LastFormat::default();
    if !utc {
        if let Ok(Some((zone, _))) = ferret::logs::root_time_zone(root) {
            f.zone = zone;
        }
    }
    f.ip = !hosts;
    f.boot_time = root.is_live().then(boot_time).flatten();
    f
}

fn boot_time() -> Option<i64> {
    std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn read(root: &HostRoot, o: &Opts, source: Source, all: bool) -> Logins {
    let mut opts = LoginOptions::default();
    if all {
        opts.max_sessions = usize::MAX;
        opts.max_records = usize::MAX;
    }
    opts.files = o.files.iter().map(|p| (source, p.clone())).collect();
    opts.only = Some(match source {
        Source::Wtmp => vec![Source::Wtmp, Source::Wtmpdb],
        Source::Lastlog => vec![Source::Lastlog, Source::Lastlog2],
        s => vec![s],
    });
    audit_root(root, &opts, &Control::new())
}

fn json(v: &impl serde::Serialize) -> Result<(), ExitCode> {
    let s =
        serde_json::to_string_pretty(v).map_err(|e| cli::fail("logins", format!("json: {e}")))?;
    let _ = writeln!(std::io::stdout().lock(), "{s}");
    Ok(())
}

/// The status of a listing: errors only (findings are `check`'s).
fn listed(l: &Logins) -> ExitCode {
    cli::print_errors(&l.outcome.errors);
    Status::new(false, !l.outcome.errors.is_empty()).into()
}

pub fn main() -> ExitCode {
    let mut args = Args::from_env();
    let sub = match TOOL.subcommand(&mut args) {
        Ok(s) => s,
        Err(stop) => return stop.report(),
    };
    let cmd = match sub {
        "last" => &LAST,
        "failed" => &FAILED,
        "lastlog" => &LASTLOG,
        "utmp" => &UTMP,
        _ => &CHECK,
    };
    let mut o = Opts::default();
    if let Err(stop) = args.parse(cmd, &mut o) {
        return stop.report();
    }
    let root = o.common.root_or_live();
    let fmt = format(&root, o.utc, o.hosts);
    let is_json = o.common.is_json();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match sub {
        "last" | "failed" => {
            let source = if sub == "last" {
                Source::Wtmp
            } else {
                Source::Btmp
            };
            let l = read(&root, &o, source, true);
            if is_json {
                let files: Vec<_> = l
                    .files
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "path": f.path,
                            "source": f.source,
                            "layout": f.layout,
                            "records": f.records,
                            "sessions": if sub == "last" { serde_json::to_value(&f.sessions).unwrap_or_default() } else { serde_json::Value::Null },
                            "failures": if sub == "failed" { serde_json::to_value(&f.entries).unwrap_or_default() } else { serde_json::Value::Null },
                        })
                    })
                    .collect();
                drop(out);
                return match json(&serde_json::json!({
                    "files": files,
                    "missing": l.missing,
                    "errors": l.outcome.errors,
                })) {
                    Ok(()) => Status::new(false, !l.outcome.errors.is_empty()).into(),
                    Err(code) => code,
                };
            }
            // Newest file first, as `last` lists the newest record first.
            for f in l.files.iter().rev() {
                if sub == "last" {
                    for s in &f.sessions {
                        let _ = out.write_all(&last_line(s, &fmt));
                    }
                } else {
                    for r in f.entries.iter().rev() {
                        let _ = out.write_all(&lastb_line(r, &fmt));
                    }
                }
                let name = std::path::Path::new(&f.path)
                    .file_name()
                    .map_or(&b""[..], |n| n.as_bytes());
                let begins = f
                    .begins
                    .or_else(|| f.modified.map(ferret::logs::LogTime::secs))
                    .unwrap_or(0);
                let _ = out.write_all(&last_trailer(name, begins, &fmt));
            }
            let _ = out.flush();
            drop(out);
            listed(&l)
        }
        "lastlog" => {
            let l = read(&root, &o, Source::Lastlog, false);
            if is_json {
                drop(out);
                let entries: Vec<_> = l.files.iter().flat_map(|f| &f.lastlog).collect();
                return match json(&serde_json::json!({
                    "entries": entries,
                    "missing": l.missing,
                    "errors": l.outcome.errors,
                })) {
                    Ok(()) => Status::new(false, !l.outcome.errors.is_empty()).into(),
                    Err(code) => code,
                };
            }
            let _ = out.write_all(LASTLOG_HEADER.as_bytes());
            for f in &l.files {
                for e in &f.lastlog {
                    let name = e.user.clone().unwrap_or_else(|| {
                        format!("(uid {})", e.uid.unwrap_or_default()).into_bytes()
                    });
                    let _ = out.write_all(&lastlog_line(&name, Some(e), &fmt.zone));
                }
            }
            let _ = out.flush();
            drop(out);
            listed(&l)
        }
        "utmp" => {
            let l = read(&root, &o, Source::Utmp, true);
            if is_json {
                drop(out);
                let files: Vec<_> = l
                    .files
                    .iter()
                    .map(|f| serde_json::json!({"path": f.path, "layout": f.layout, "records": f.entries}))
                    .collect();
                return match json(&serde_json::json!({
                    "files": files,
                    "missing": l.missing,
                    "errors": l.outcome.errors,
                })) {
                    Ok(()) => Status::new(false, !l.outcome.errors.is_empty()).into(),
                    Err(code) => code,
                };
            }
            for f in &l.files {
                for r in &f.entries {
                    let _ = out.write_all(&utmpdump_line(r));
                }
            }
            let _ = out.flush();
            drop(out);
            listed(&l)
        }
        _ => {
            drop(out);
            // Findings only: no session or record is listed, none is kept (the checks see all).
            let mut opts = LoginOptions::default();
            opts.max_sessions = 0;
            opts.max_records = 0;
            let control = Control::new();
            let mut l = audit_root(&root, &opts, &control);
            let mut auth = analyze_root(&root, &AnalyzeOptions::default(), &control);
            correlate(&mut l, &mut auth, &opts);
            // The auth log's findings the joins added to (a compromise the wtmp session
            // confirms) belong to this report too.
            let mut outcome = Outcome::new();
            outcome.findings.clone_from(&l.outcome.findings);
            outcome.findings.extend(
                auth.outcome
                    .findings
                    .iter()
                    .filter(|f| {
                        f.evidence
                            .iter()
                            .any(|e| l.files.iter().any(|x| x.path == e.path))
                    })
                    .cloned(),
            );
            outcome.errors.clone_from(&l.outcome.errors);
            outcome.errors.extend(auth.outcome.errors.iter().cloned());
            ferret::core::Finding::sort(&mut outcome.findings);
            match o.common.format {
                Format::Json => {
                    let read: Vec<&str> = l.files.iter().map(|f| f.path.as_str()).collect();
                    if let Err(code) = json(&serde_json::json!({
                        "read": read,
                        "missing": l.missing,
                        "failure_sources": l.failure_sources,
                        "findings": outcome.findings,
                        "errors": outcome.errors,
                    })) {
                        return code;
                    }
                }
                Format::JsonLines => {
                    let mut w = std::io::stdout().lock();
                    for f in &outcome.findings {
                        if let Ok(s) = serde_json::to_string(f) {
                            let _ = writeln!(w, "{s}");
                        }
                    }
                    for e in &outcome.errors {
                        if let Ok(s) = serde_json::to_string(&serde_json::json!({"error": e})) {
                            let _ = writeln!(w, "{s}");
                        }
                    }
                }
                // text (the only other format this command offers)
                _ => {
                    let mut w = std::io::stdout().lock();
                    for f in &l.files {
                        let _ = writeln!(
                            w,
                            "read {} ({}, {} records{})",
                            f.path,
                            f.source.map_or("?", Source::as_str),
                            f.records,
                            f.layout.map(|x| format!(", {x}")).unwrap_or_default()
                        );
                    }
                    for m in &l.missing {
                        let _ = writeln!(w, "not found {m}");
                    }
                    for f in &outcome.findings {
                        let _ = writeln!(w, "{f}");
                        if let Some(d) = &f.detail {
                            let _ = writeln!(w, "    {d}");
                        }
                    }
                    cli::print_errors(&outcome.errors);
                }
            }
            Status::of(&outcome).into()
        }
    }
}
