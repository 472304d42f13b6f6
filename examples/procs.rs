//! `procs`: processes, sockets, modules and what hides among them.
//!
//! ```text
//! cargo run --release --example procs -- list|tree|sockets [--port N] [--listening] [--inet]|modules|hidden [--ports] [--max-pid N]|suspicious [--cpu SECS] [--json]
//! ```
//! Flags, help and exit status: `ferret::cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, Status, Subcommand, Tool};
use ferret::core::escape::escape;
use ferret::core::{HostRoot, Outcome};
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

const TOOL: Tool = Tool {
    name: "procs",
    about: "live processes, sockets, kernel modules and what hides among them (live host only)",
    subcommands: &[
        Subcommand {
            name: "list",
            args: "[--json]",
            about: "the processes, like ps -ef",
        },
        Subcommand {
            name: "tree",
            args: "[--json]",
            about: "the process tree, like ps -ef --forest",
        },
        Subcommand {
            name: "sockets",
            args: "[--port N] [--listening] [--inet] [--json]",
            about: "sockets with their owning processes, like ss -anp",
        },
        Subcommand {
            name: "modules",
            args: "[--json]",
            about: "loaded kernel modules, kernel taint, modules hidden from /proc/modules",
        },
        Subcommand {
            name: "hidden",
            args: "[--ports] [--max-pid N] [--json]",
            about: "processes (and ports) hidden from /proc, like unhide",
        },
        Subcommand {
            name: "suspicious",
            args: "[--cpu SECS] [--json]",
            about: "processes that look wrong: deleted binaries, odd places, miners, odd ports",
        },
        Subcommand {
            name: "list+sockets",
            args: "",
            about: "one snapshot and one socket table, terse (what ps -ef + ss -tanup + lsof -i show; for benches/compare-proc.sh)",
        },
    ],
    notes: "",
};

#[derive(Default)]
struct Opts {
    common: Common,
    port: Option<u16>,
    listening: bool,
    inet: bool,
    ports: bool,
    max_pid: Option<i32>,
    cpu: Option<f64>,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const fn command(
    name: &'static str,
    about: &'static str,
    flags: &'static [Flag<Opts>],
) -> Command<Opts> {
    Command {
        name,
        about,
        args: "",
        flags,
        operands: None,
        notes: "",
    }
}

const LIST: Command<Opts> = command("procs list", "the processes, like ps -ef", &[cli::json()]);
const TREE: Command<Opts> = command(
    "procs tree",
    "the process tree, like ps -ef --forest",
    &[cli::json()],
);
const SOCKETS: Command<Opts> = command(
    "procs sockets",
    "sockets with their owning processes, like ss -anp",
    &[
        Flag::value(
            "port",
            "N",
            "only sockets with this local or remote port",
            |o: &mut Opts, v| {
                o.port = Some(v.parse("a port number")?);
                Ok(())
            },
        ),
        Flag::switch("listening", "only listening sockets", |o: &mut Opts| {
            o.listening = true;
        }),
        Flag::switch(
            "inet",
            "only TCP and UDP, as ss -tanu shows",
            |o: &mut Opts| o.inet = true,
        ),
        cli::json(),
    ],
);
const MODULES: Command<Opts> = command(
    "procs modules",
    "loaded kernel modules, kernel taint, modules hidden from /proc/modules",
    &[cli::json()],
);
const HIDDEN: Command<Opts> = command(
    "procs hidden",
    "processes (and ports) hidden from /proc, like unhide",
    &[
        Flag::switch(
            "ports",
            "also probe for ports in use that no socket table shows",
            |o: &mut Opts| {
                o.ports = true;
            },
        ),
        Flag::value(
            "max-pid",
            "N",
            "probe pids up to N (default: the kernel's pid_max)",
            |o: &mut Opts, v| {
                o.max_pid = Some(v.parse("a process id")?);
                Ok(())
            },
        ),
        cli::json(),
    ],
);
const SUSPICIOUS: Command<Opts> = command(
    "procs suspicious",
    "processes that look wrong: deleted binaries, odd places, miners, odd ports",
    &[
        Flag::value(
            "cpu",
            "SECS",
            "sample CPU use over SECS seconds (finds busy miners)",
            |o: &mut Opts, v| {
                let secs: f64 = v.parse("a number of seconds")?;
                if !(secs.is_finite() && secs >= 0.0) {
                    return Err(v.invalid("expected a number of seconds"));
                }
                o.cpu = Some(secs);
                Ok(())
            },
        ),
        cli::json(),
    ],
);
const LIST_SOCKETS: Command<Opts> = command(
    "procs list+sockets",
    "one snapshot and one socket table, terse (for benches/compare-proc.sh)",
    &[],
);

fn print_outcome(w: &mut impl Write, out: &Outcome, json: bool) -> ExitCode {
    if json {
        let v = serde_json::json!({ "findings": out.findings, "errors": out.errors });
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
        cli::print_errors(&out.errors);
        outln!(w, "{} finding(s)", out.findings.len());
    }
    Status::of(out).into()
}

pub fn main() -> ExitCode {
    let mut args = Args::from_env();
    let cmd = match TOOL.subcommand(&mut args) {
        Ok(s) => s,
        Err(stop) => return stop.report(),
    };
    let spec = match cmd {
        "list" => &LIST,
        "tree" => &TREE,
        "sockets" => &SOCKETS,
        "modules" => &MODULES,
        "hidden" => &HIDDEN,
        "suspicious" => &SUSPICIOUS,
        _ => &LIST_SOCKETS,
    };
    let mut o = Opts::default();
    if let Err(stop) = args.parse(spec, &mut o) {
        return stop.report();
    }
    let json = o.common.is_json();
    let root = HostRoot::live();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let w = &mut w;
    let opts = ProcOptions::default();
    let control = o.common.control();
    // TCP and UDP only, as `ss -tanu` shows.
    let inet = [
        fp::Proto::Tcp,
        fp::Proto::Tcp6,
        fp::Proto::Udp,
        fp::Proto::Udp6,
    ];
    match cmd {
        "list" | "tree" => {
            let snap = fp::snapshot_root(&root, &opts, &control);
            if !json {
                cli::print_errors(&snap.errors);
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
                    let v = serde_json::json!({ "processes": procs, "errors": snap.errors });
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
                        serde_json::to_string_pretty(
                            &serde_json::json!({ "tree": v, "errors": snap.errors })
                        )
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
                // Nothing read at all.
                Status::Error.into()
            } else {
                Status::new(false, !snap.errors.is_empty()).into()
            }
        }
        "sockets" => {
            let mut so = SocketOptions::default();
            so.port = o.port;
            so.listening_only = o.listening;
            if o.inet {
                so.protocols = inet.into();
            }
            let t = fp::sockets_root(&root, &so, &control);
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
                let v = serde_json::json!({ "sockets": socks, "errors": t.errors });
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
                cli::print_errors(&t.errors);
            }
            Status::new(false, !t.errors.is_empty()).into()
        }
        "modules" => {
            let m = fp::modules_root(&root, &opts, &control);
            let taint = fp::kernel_taint_root(&root, &opts, &control);
            let mut errors = m.errors.clone();
            errors.extend(taint.as_ref().err().cloned());
            if json {
                let v = serde_json::json!({
                    "errors": errors,
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
                if let Ok(t) = &taint {
                    outln!(w, "kernel taint {} {}", t.value, t.letters());
                }
                cli::print_errors(&errors);
            }
            Status::new(false, !errors.is_empty()).into()
        }
        "hidden" => {
            let mut h = fp::HiddenOptions::default();
            h.max_pid = o.max_pid;
            h.probe_ports = o.ports;
            print_outcome(w, &fp::hidden_root(&root, &h, &control), json)
        }
        "suspicious" => {
            let cpu = o.cpu.map(std::time::Duration::from_secs_f64);
            let mut so = fp::SuspiciousOptions::default();
            so.cpu_interval = cpu;
            print_outcome(w, &fp::suspicious_root(&root, &so, &control), json)
        }
        _ => {
            // list+sockets
            let snap = fp::snapshot_root(&root, &opts, &control);
            // One snapshot and one socket table: what `ps -ef` + `ss -tanup` + `lsof -i` show.
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
    }
}
