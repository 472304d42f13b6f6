//! What was dropped on disk: the places attackers drop files and every hidden directory,
//! classified by content (see `ferret_scan`'s docs for the finding ids).
//!
//! ```text
//! cargo run --release --example scan -- [--root DIR] [--json] [--yara DIR] [--yara-memory]
//!     [--only CHECK,...] [--exclude PATH]... [--budget SECS] [--no-places] [--paths PATH...]
//! ```
//!
//! `--paths` takes the following arguments as paths inside the root to scan like a drop
//! location (files or directories); `--no-places` scans those alone. `--yara DIR` needs the
//! `yara` feature (`--features yara`). Flags, help and exit status: `ferret::cli`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, Status};
use ferret::core::escape::escape;
use ferret::scan::{scan_root, Check, ScanOptions};
use std::io::Write;
use std::process::ExitCode;

#[derive(Default)]
struct Opts {
    common: Common,
    scan: ScanOptions,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const SCAN: Command<Opts> = Command {
    name: "scan",
    about: "what was dropped on disk: drop locations and hidden directories, classified by content; web shells in the web roots",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        cli::jobs(),
        cli::io_limit(),
        Flag::value(
            "only",
            "CHECKS",
            "run only these checks, comma-separated (see below)",
            |o: &mut Opts, v| {
                o.scan.checks = v.parse_with(|list| {
                    list.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::parse)
                        .collect::<Result<Vec<Check>, _>>()
                })?;
                Ok(())
            },
        ),
        Flag::value(
            "yara",
            "DIR",
            "scan with the YARA rules in DIR (a file or a directory; needs --features yara)",
            |o: &mut Opts, v| {
                o.scan.yara.rules = Some(v.into_path());
                Ok(())
            },
        ),
        Flag::switch(
            "yara-memory",
            "also scan the memory of live processes with the YARA rules",
            |o: &mut Opts| o.scan.yara.memory = true,
        ),
        Flag::value(
            "exclude",
            "PATH",
            "leave out this path inside the root (repeatable)",
            |o: &mut Opts, v| {
                o.scan.exclude.push(v.into_path());
                Ok(())
            },
        ),
        cli::budget(),
        Flag::switch(
            "no-places",
            "do not walk the drop locations (scan the --paths alone)",
            |o: &mut Opts| o.scan.walk_places = false,
        ),
        Flag::values(
            "paths",
            "PATH",
            "also scan these paths inside the root like a drop location (files or directories)",
            |o: &mut Opts, vs| {
                o.scan
                    .paths
                    .extend(vs.into_iter().map(cli::Value::into_path));
                Ok(())
            },
        ),
    ],
    operands: None,
    notes: "checks: placement, hidden, modules, disguise, packed, unowned, renamed-tools, miner,\n\
commands, iocs, yara, webshell",
};

pub fn main() -> ExitCode {
    let mut o = Opts::default();
    if let Err(stop) = Args::from_env().parse(&SCAN, &mut o) {
        return stop.report();
    }
    let root = o.common.root_or_live();
    let json = o.common.is_json();
    // `--budget` is the Control's deadline (cli::budget).
    let control = o.common.control();
    let mut opts = o.scan;
    if opts.yara.rules.is_some() && !opts.checks.contains(&Check::Yara) {
        opts.checks.push(Check::Yara);
    }
    let report = scan_root(&root, &opts, &control);
    let mut out = std::io::stdout().lock();
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => {
                let _ = writeln!(out, "{s}");
            }
            Err(e) => return cli::fail("scan", e),
        }
    } else {
        for f in &report.outcome.findings {
            let _ = writeln!(out, "{f}");
            if let Some(d) = &f.detail {
                let _ = writeln!(out, "    {d}");
            }
        }
        cli::print_errors(&report.outcome.errors);
        let s = &report.stats;
        let _ = writeln!(
            out,
            "{} findings, {} errors; {} entries, {} files, {} classified ({} ELF, {} scripts, {} archives, {} kernel modules), {} hidden dirs, {} bytes read, {} ms; packages: {}{}",
            report.outcome.findings.len(),
            report.outcome.errors.len(),
            s.entries,
            s.files,
            s.classified,
            s.elf,
            s.scripts,
            s.archives,
            s.kernel_modules,
            s.hidden_dirs,
            s.bytes_read,
            s.duration_ms,
            s.package_index,
            s.stopped.as_ref().map_or(String::new(), |w| format!("; stopped early ({})", escape(w.as_bytes()))),
        );
        if !s.web_roots.is_empty() {
            let _ = writeln!(
                out,
                "web roots: {} ({} files read for web shells)",
                s.web_roots.join(", "),
                s.web_files
            );
        }
        if let Some(y) = &s.yara {
            let _ = writeln!(
                out,
                "yara: {} rule files ({} refused), {} rules, {} files and {} processes scanned, {} matches",
                y.rule_files, y.rule_files_failed, y.rules, y.files, y.processes, y.matches
            );
        }
    }
    Status::of(&report.outcome).into()
}
