//! Hardening and persistence audit of a live host or a mounted image.
//!
//! ```text
//! cargo run --release --example harden -- [--root DIR] [--json] [--only sshd,sysctl,files,persistence,services,exposure,evasion] [--suid-inventory]
//! cargo run --release --example harden -- sshd-effective [--root DIR] [--config FILE] [--user U --host H --addr A --laddr L --lport P --rdomain R]
//! ```
//!
//! Flags, help and exit status: `ferret::cli`. `sshd-effective` exits 2 when the configuration
//! has problems sshd would refuse to start with (printed on stderr).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, Status};
use ferret::core::escape::escape;
use ferret::core::Severity;
use ferret::harden::sshd::{ConnectionContext, Semantics, SshdConfig, DEFAULT_CONFIG};
use ferret::harden::{Check, HardenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Default)]
struct Audit {
    common: Common,
    harden: HardenOptions,
    suid_inventory: bool,
}

impl HasCommon for Audit {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const AUDIT: Command<Audit> = Command {
    name: "harden",
    about: "hardening and persistence checks of this host or a mounted image",
    args: "",
    flags: &[
        cli::root(),
        cli::json(),
        cli::budget(),
        Flag::value(
            "only",
            "CHECKS",
            "run only these checks, comma-separated: sshd,sysctl,files,persistence,services,exposure,evasion",
            |o: &mut Audit, v| {
                o.harden.checks = v.parse_with(|list| {
                    list.split(',')
                        .map(str::parse)
                        .collect::<Result<Vec<Check>, _>>()
                })?;
                Ok(())
            },
        ),
        Flag::switch(
            "suid-inventory",
            "report every SUID/SGID file (info), not only the suspicious ones",
            |o: &mut Audit| o.suid_inventory = true,
        ),
    ],
    operands: None,
    notes: "'harden sshd-effective --help': the effective sshd configuration, like sshd -T.",
};

#[derive(Default)]
struct Effective {
    common: Common,
    config: Option<PathBuf>,
    ctx: ConnectionContext,
    upstream: bool,
}

impl HasCommon for Effective {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const EFFECTIVE: Command<Effective> = Command {
    name: "harden sshd-effective",
    about: "the effective sshd configuration for a connection, as sshd -T prints it",
    args: "",
    flags: &[
        cli::root(),
        cli::budget(),
        Flag::value(
            "config",
            "FILE",
            "the sshd_config to read, inside the root (default: /etc/ssh/sshd_config)",
            |o: &mut Effective, v| {
                o.config = Some(v.into_path());
                Ok(())
            },
        ),
        Flag::value(
            "user",
            "U",
            "the connecting user (Match User)",
            |o: &mut Effective, v| {
                o.ctx = std::mem::take(&mut o.ctx).user(v.as_bytes());
                Ok(())
            },
        ),
        Flag::value(
            "host",
            "H",
            "the remote host name (Match Host)",
            |o: &mut Effective, v| {
                o.ctx = std::mem::take(&mut o.ctx).host(v.as_bytes());
                Ok(())
            },
        ),
        Flag::value(
            "addr",
            "A",
            "the remote address (Match Address)",
            |o: &mut Effective, v| {
                o.ctx = std::mem::take(&mut o.ctx).addr(v.as_bytes());
                Ok(())
            },
        ),
        Flag::value(
            "laddr",
            "L",
            "the local address (Match LocalAddress)",
            |o: &mut Effective, v| {
                o.ctx = std::mem::take(&mut o.ctx).laddr(v.as_bytes());
                Ok(())
            },
        ),
        Flag::value(
            "lport",
            "P",
            "the local port (Match LocalPort)",
            |o: &mut Effective, v| {
                o.ctx = std::mem::take(&mut o.ctx).lport(v.parse("a port number")?);
                Ok(())
            },
        ),
        Flag::value(
            "rdomain",
            "R",
            "the routing domain (Match RDomain)",
            |o: &mut Effective, v| {
                o.ctx = std::mem::take(&mut o.ctx).rdomain(v.as_bytes());
                Ok(())
            },
        ),
        Flag::switch(
            "upstream",
            "follow upstream OpenSSH 10.x where it differs from the 9.2 shipped in Debian 12",
            |o: &mut Effective| o.upstream = true,
        ),
    ],
    operands: None,
    notes: "",
};

pub fn main() -> ExitCode {
    let mut args = Args::from_env();
    if args.subcommand(&["sshd-effective"]).is_some() {
        let mut o = Effective::default();
        if let Err(stop) = args.parse(&EFFECTIVE, &mut o) {
            return stop.report();
        }
        return sshd_effective(o);
    }
    let mut o = Audit::default();
    if let Err(stop) = args.parse(&AUDIT, &mut o) {
        return stop.report();
    }
    let root = o.common.root_or_live();
    let json = o.common.is_json();
    let mut opts = o.harden;
    opts.files.inventory = o.suid_inventory;
    let out = ferret::harden::audit_root(&root, &opts, &o.common.control());
    let mut stdout = std::io::stdout().lock();
    if json {
        match serde_json::to_string_pretty(&out) {
            Ok(s) => {
                let _ = writeln!(stdout, "{s}");
            }
            Err(e) => return cli::fail("harden", e),
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
        cli::print_errors(&out.errors);
        let _ = writeln!(
            stdout,
            "{} finding(s), {} error(s)",
            out.findings.len(),
            out.errors.len()
        );
    }
    Status::new(
        out.max_severity().is_some_and(|s| s >= Severity::Medium),
        !out.errors.is_empty(),
    )
    .into()
}

fn sshd_effective(o: Effective) -> ExitCode {
    let root = o.common.root_or_live();
    let config = o.config.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let (ctx, upstream) = (o.ctx, o.upstream);
    let cfg = match SshdConfig::load(&root, &config, &o.common.control()) {
        Ok(c) if upstream => c.with_semantics(Semantics::Upstream),
        Ok(c) => c,
        Err(e) => return cli::fail("harden", e),
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
        Status::Error.into()
    } else {
        Status::Clean.into()
    }
}
