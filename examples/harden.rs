//! Hardening and persistence audit of a live host or a mounted image.
//!
//! ```text
//! cargo run --release --example harden -- [--root DIR] [--json] [--only sshd,sysctl,files,persistence,services] [--suid-inventory]
//! cargo run --release --example harden -- sshd-effective [--root DIR] [--config FILE] [--user U --host H --addr A --laddr L --lport P --rdomain R]
//! ```
//!
//! Exit codes (as the accounts example): 0 nothing at or above medium, 1 findings at or above
//! medium, 2 errors (and nothing at or above medium) or bad usage. `sshd-effective` exits 2 when
//! the configuration has problems sshd would refuse to start with (printed on stderr).
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::indexing_slicing)]

use ferret::core::escape::escape;
use ferret::core::{Control, HostRoot, Severity};
use ferret::harden::sshd::{ConnectionContext, Semantics, SshdConfig, DEFAULT_CONFIG};
use ferret::harden::{Check, HardenOptions};
use std::io::Write;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: harden [--root DIR] [--json] [--only sshd,sysctl,files,persistence,services] [--suid-inventory]");
    eprintln!("       harden sshd-effective [--root DIR] [--config FILE] [--user U] [--host H] [--addr A] [--laddr L] [--lport P] [--rdomain R]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("sshd-effective") {
        return sshd_effective(args.get(1..).unwrap_or_default());
    }
    let mut root = HostRoot::live();
    let mut json = false;
    let mut opts = HardenOptions::default();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--root" => {
                i += 1;
                match args.get(i).map(HostRoot::new) {
                    Some(Ok(r)) => root = r,
                    Some(Err(e)) => {
                        eprintln!("harden: {e}");
                        return ExitCode::from(2);
                    }
                    None => return usage(),
                }
            }
            "--json" => json = true,
            "--suid-inventory" => opts.files.inventory = true,
            "--only" => {
                i += 1;
                let Some(list) = args.get(i) else {
                    return usage();
                };
                match list
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<Vec<Check>, _>>()
                {
                    Ok(checks) => opts.checks = checks,
                    Err(e) => {
                        eprintln!("harden: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            "-h" | "--help" => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
        i += 1;
    }
    let out = ferret::harden::audit_root(&root, &opts, &Control::new());
    let mut stdout = std::io::stdout().lock();
    if json {
        match serde_json::to_string_pretty(&out) {
            Ok(s) => {
                let _ = writeln!(stdout, "{s}");
            }
            Err(e) => {
                eprintln!("harden: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        for f in &out.findings {
            let _ = writeln!(stdout, "{f}");
            if let Some(d) = &f.detail {
                let _ = writeln!(stdout, "    why: {}", escape(d.as_bytes()));
            }
            if let Some(r) = &f.remediation {
                let _ = writeln!(stdout, "    fix: {}", escape(r.as_bytes()));
            }
        }
        for e in &out.errors {
            let _ = writeln!(stdout, "error: {e}");
        }
        let _ = writeln!(
            stdout,
            "{} finding(s), {} error(s)",
            out.findings.len(),
            out.errors.len()
        );
    }
    if out.max_severity().is_some_and(|s| s >= Severity::Medium) {
        ExitCode::from(1)
    } else if !out.errors.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn sshd_effective(args: &[String]) -> ExitCode {
    let mut root = HostRoot::live();
    let mut config = DEFAULT_CONFIG.to_string();
    let mut ctx = ConnectionContext::new();
    let mut upstream = false;
    let mut i = 0;
    while i < args.len() {
        let val = args.get(i + 1).cloned();
        match (args[i].as_str(), val) {
            ("--upstream", _) => {
                upstream = true;
                i += 1;
                continue;
            }
            ("--root", Some(v)) => match HostRoot::new(&v) {
                Ok(r) => root = r,
                Err(e) => {
                    eprintln!("harden: {e}");
                    return ExitCode::from(2);
                }
            },
            ("--config", Some(v)) => config = v,
            ("--user", Some(v)) => ctx = ctx.user(v),
            ("--host", Some(v)) => ctx = ctx.host(v),
            ("--addr", Some(v)) => ctx = ctx.addr(v),
            ("--laddr", Some(v)) => ctx = ctx.laddr(v),
            ("--rdomain", Some(v)) => ctx = ctx.rdomain(v),
            ("--lport", Some(v)) => match v.parse() {
                Ok(p) => ctx = ctx.lport(p),
                Err(_) => return usage(),
            },
            _ => return usage(),
        }
        i += 2;
    }
    let cfg = match SshdConfig::load(&root, &config) {
        Ok(c) if upstream => c.with_semantics(Semantics::Upstream),
        Ok(c) => c,
        Err(e) => {
            eprintln!("harden: {e}");
            return ExitCode::from(2);
        }
    };
    let eff = cfg.effective(&ctx);
    let mut stdout = std::io::stdout().lock();
    for l in eff.dump() {
        let _ = writeln!(stdout, "{}", escape(&l));
    }
    let mut bad = false;
    for e in cfg.errors.iter().chain(eff.issues.iter()) {
        eprintln!("harden: {e}");
        bad = true;
    }
    if bad {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
