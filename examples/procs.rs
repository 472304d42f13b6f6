//! `procs`: processes, sockets, modules and what hides among them.
//!
//! ```text
//! cargo run --release --example procs -- list|tree|sockets [--port N] [--listening] [--inet]|modules|hidden [--ports] [--max-pid N]|suspicious [--cpu SECS] [--json]
//! ```
//! Exit codes: 0 nothing at or above medium, 1 findings at or above medium, 2 error.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::core::escape::escape;
use ferret::core::{Control, HostRoot, Outcome, Severity};
use ferret::proc::{self as fp, ProcOptions, SocketOptions};
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

/// `println!` into a buffered writer (thousands of lines: one `write` per line is slow).
macro_rules! outln {
    ($w:expr, $($t:tt)*) => {{
        let _ = writeln!($w, $($t)*);
    }};
}

/// A socket endpoint printed as `format_endpoint` prints it, padded like a string, without
/// building a `String` per socket (thousands of lines).
struct Endpoint<'a>(Option<std::net::SocketAddr>, Option<&'a [u8]>);

impl std::fmt::Display for Endpoint<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.0, self.1) {
            (Some(a), _) => std::fmt::Display::fmt(&a, f),
            (None, Some(p)) => f.pad(&escape(p)),
            (None, None) => f.pad("*"),
        }
    }
}

/// The distinct owning pids as `{:?}` prints `Socket::pids()` (`[12, 34]`), without the `Vec`.
struct Pids<'a>(&'a [fp::Owner]);

impl std::fmt::Display for Pids<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[")?;
        let mut last = None;
        for o in self.0 {
            if last == Some(o.pid) {
                continue;
            }
            if last.is_some() {
                f.write_str(", ")?;
            }
            write!(f, "{}", o.pid)?;
            last = Some(o.pid);
        }
        f.write_str("]")
    }
}

/// One text line built in a reused buffer. `{:<N}` padding through the formatter writes the
/// fill one `write_char` at a time; here it is one `push_str` (thousands of socket lines).
struct Line(String);

impl Line {
    const SPACES: &'static str = "                                                                ";

    fn spaces(&mut self, mut n: usize) -> &mut Self {
        while n > 0 {
            let k = n.min(Self::SPACES.len());
            self.0.push_str(Self::SPACES.get(..k).unwrap_or_default());
            n -= k;
        }
        self
    }

    /// `v` then spaces up to `width` characters, as `{:<width}` prints it.
    fn left(&mut self, v: impl std::fmt::Display, width: usize) -> &mut Self {
        let start = self.0.len();
        let _ = write!(self.0, "{v}");
        let n = self.0.get(start..).map_or(0, |t| t.chars().count());
        self.spaces(width.saturating_sub(n))
    }

    /// Spaces then `v` up to `width` characters, as `{:>width}` prints it.
    fn right(&mut self, v: impl std::fmt::Display, width: usize) -> &mut Self {
        let start = self.0.len();
        let _ = write!(self.0, "{v}");
        let n = self.0.get(start..).map_or(0, |t| t.chars().count());
        if let Some(pad) = Self::SPACES.get(..width.saturating_sub(n)) {
            self.0.insert_str(start, pad);
        }
        self
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: procs list|tree|sockets [--port N] [--listening] [--inet]|modules|hidden [--ports] [--max-pid N]|suspicious [--cpu SECS] [--json]");
    ExitCode::from(2)
}

fn value<T: std::str::FromStr>(args: &[String], flag: &str) -> Result<Option<T>, String> {
    match args.iter().position(|a| a == flag) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{flag} needs a value")),
    }
}

fn print_outcome(w: &mut impl Write, out: &Outcome, json: bool) -> ExitCode {
    if json {
        let v = serde_json::json!({ "findings": out.findings });
        for e in &out.errors {
            eprintln!("error: {e}");
        }
        outln!(
            w,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
        );
    } else {
        for f in &out.findings {
            outln!(w, "{f}");
            if let Some(d) = &f.detail {
                outln!(w, "    {d}");
            }
        }
        for e in &out.errors {
            eprintln!("error: {e}");
        }
        outln!(w, "{} finding(s)", out.findings.len());
    }
    if out.max_severity().is_some_and(|s| s >= Severity::Medium) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first().cloned() else {
        return usage();
    };
    let json = args.iter().any(|a| a == "--json");
    let root = HostRoot::live();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let w = &mut w;
    let opts = ProcOptions::default();
    let control = Control::new();
    // TCP and UDP only, as `ss -tanu` shows.
    let inet = [
        fp::Proto::Tcp,
        fp::Proto::Tcp6,
        fp::Proto::Udp,
        fp::Proto::Udp6,
    ];
    match cmd.as_str() {
        "list+sockets" => {
            // One snapshot and one socket table: what `ps -ef` + `ss -tanup` + `lsof -i` show.
            let snap = fp::snapshot_root(&root, &opts, &control);
            let mut so = SocketOptions::default();
            so.protocols = inet.into();
            let t = fp::sockets_root(&root, &so, &control);
            for p in &snap.processes {
                outln!(
                    w,
                    "{} {} {} {}",
                    p.pid,
                    p.ppid,
                    p.uid.real,
                    escape(&p.display_name())
                );
            }
            for s in &t.sockets {
                outln!(
                    w,
                    "{} {} {} {} {}",
                    s.proto,
                    s.state,
                    Endpoint(s.local, None),
                    Endpoint(s.remote, None),
                    Pids(&s.owners)
                );
            }
            ExitCode::SUCCESS
        }
        "list" | "tree" => {
            let snap = fp::snapshot_root(&root, &opts, &control);
            for e in &snap.errors {
                eprintln!("error: {e}");
            }
            if cmd == "list" {
                if json {
                    let procs: Vec<_> = snap
                        .processes
                        .iter()
                        .map(|p| {
                            serde_json::json!({
                                "pid": p.pid, "ppid": p.ppid, "uid": p.uid.real,
                                "comm": escape(&p.comm),
                                "exe": p.exe.as_deref().map(escape),
                                "exe_deleted": p.exe_deleted,
                                "cmdline": p.cmdline.iter().map(|a| escape(a)).collect::<Vec<_>>(),
                            })
                        })
                        .collect();
                    let v = serde_json::json!({ "processes": procs });
                    outln!(
                        w,
                        "{}",
                        serde_json::to_string_pretty(&v).unwrap_or_default()
                    );
                } else {
                    outln!(
                        w,
                        "{:>7} {:>7} {:>6} {:<15} CMD",
                        "PID",
                        "PPID",
                        "UID",
                        "COMM"
                    );
                    for p in &snap.processes {
                        let del = if p.exe_deleted { " [exe deleted]" } else { "" };
                        outln!(
                            w,
                            "{:>7} {:>7} {:>6} {:<15} {}{del}",
                            p.pid,
                            p.ppid,
                            p.uid.real,
                            escape(&p.comm),
                            escape(&p.display_name())
                        );
                    }
                }
            } else {
                let rows = fp::forest(&snap);
                if json {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|r| {
                            let p = snap.get(r.pid);
                            serde_json::json!({"pid": r.pid, "ppid": r.ppid, "depth": r.depth,
                                "cmd": p.map(|p| escape(&p.display_name()))})
                        })
                        .collect();
                    outln!(
                        w,
                        "{}",
                        serde_json::to_string_pretty(&serde_json::json!({ "tree": v }))
                            .unwrap_or_default()
                    );
                } else {
                    for r in rows {
                        let name = snap
                            .get(r.pid)
                            .map(|p| escape(&p.display_name()))
                            .unwrap_or_default();
                        let indent = if r.depth == 0 {
                            String::new()
                        } else {
                            format!("{}\\_ ", " ".repeat(4 * (r.depth - 1) + 1))
                        };
                        outln!(w, "{:>7} {:>7} {indent}{name}", r.pid, r.ppid);
                    }
                }
            }
            if snap.processes.is_empty() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        "sockets" => {
            let port = match value::<u16>(&args, "--port") {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{e}");
                    return usage();
                }
            };
            let listening = args.iter().any(|a| a == "--listening");
            let mut so = SocketOptions::default();
            so.port = port;
            so.listening_only = listening;
            if args.iter().any(|a| a == "--inet") {
                so.protocols = inet.into();
            }
            let t = fp::sockets_root(&root, &so, &control);
            for e in &t.errors {
                eprintln!("error: {e}");
            }
            if json {
                let socks: Vec<_> = t
                    .sockets
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "proto": s.proto.as_str(),
                            "local": fp::sockets::format_endpoint(s.local, s.path.as_deref()),
                            "remote": fp::sockets::format_endpoint(s.remote, None),
                            "state": s.state, "inode": s.inode, "pids": s.pids(),
                        })
                    })
                    .collect();
                let v = serde_json::json!({ "sockets": socks });
                outln!(
                    w,
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                );
            } else {
                // As `{:<5} {:<12} {:<45} {:<45} {:>9} {}` prints it.
                let mut line = Line(String::with_capacity(256));
                for s in &t.sockets {
                    line.0.clear();
                    line.left(s.proto.as_str(), 5)
                        .spaces(1)
                        .left(&s.state, 12)
                        .spaces(1)
                        .left(Endpoint(s.local, s.path.as_deref()), 45)
                        .spaces(1)
                        .left(Endpoint(s.remote, None), 45)
                        .spaces(1)
                        .right(s.inode, 9)
                        .spaces(1)
                        .left(Pids(&s.owners), 0);
                    line.0.push('\n');
                    let _ = w.write_all(line.0.as_bytes());
                }
                let mut srcs: Vec<String> = t
                    .sources
                    .iter()
                    .map(|(p, ns, s)| format!("{p}@{}={s:?}", ns.unwrap_or_default()))
                    .collect();
                srcs.dedup();
                eprintln!("sources: {}", srcs.join(" "));
            }
            ExitCode::SUCCESS
        }
        "modules" => {
            let m = fp::modules_root(&root, &opts, &control);
            let taint = fp::kernel_taint_root(&root, &opts, &control);
            for e in &m.errors {
                eprintln!("error: {e}");
            }
            if json {
                let v = serde_json::json!({
                    "available": m.available,
                    "modules": m.modules,
                    "taint": taint.as_ref().ok(),
                    "hidden": fp::modules::hidden_modules(&m).iter().map(|n| escape(n)).collect::<Vec<_>>(),
                });
                outln!(
                    w,
                    "{}",
                    serde_json::to_string_pretty(&v).unwrap_or_default()
                );
            } else {
                if !m.available {
                    outln!(w, "/proc/modules does not exist: kernel without loadable-module support (or a container)");
                }
                for x in &m.modules {
                    outln!(
                        w,
                        "{:<24} {:>9} {:>3} {} {}",
                        escape(&x.name),
                        x.size,
                        x.refcount.map_or("-".to_owned(), |r| r.to_string()),
                        x.state,
                        x.taint
                    );
                }
                match &taint {
                    Ok(t) => outln!(w, "kernel taint {} {}", t.value, t.letters()),
                    Err(e) => eprintln!("error: {e}"),
                }
            }
            ExitCode::SUCCESS
        }
        "hidden" => {
            let max_pid = match value::<i32>(&args, "--max-pid") {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("{e}");
                    return usage();
                }
            };
            let mut o = fp::HiddenOptions::default();
            o.max_pid = max_pid;
            o.probe_ports = args.iter().any(|a| a == "--ports");
            print_outcome(w, &fp::hidden_root(&root, &o, &control), json)
        }
        "suspicious" => {
            let cpu = match value::<f64>(&args, "--cpu") {
                Ok(c) => c.map(std::time::Duration::from_secs_f64),
                Err(e) => {
                    eprintln!("{e}");
                    return usage();
                }
            };
            let mut o = fp::SuspiciousOptions::default();
            o.cpu_interval = cpu;
            print_outcome(w, &fp::suspicious_root(&root, &o, &control), json)
        }
        _ => usage(),
    }
}
