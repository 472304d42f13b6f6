//! List the packages of an rpm database (Berkeley DB, SQLite or NDB), read-only and without
//! librpm: like `rpm -qa`, or `rpm -qa --dump` with `--dump`.
//!
//! ```text
//! cargo run --release --example rpmdb -- [--root DIR] [--dbpath DIR] [--dump] [--json]
//! ```
//!
//! `--dbpath` is inside the root (default: `/usr/lib/sysimage/rpm`, then `/var/lib/rpm`).
//! Flags, help and exit status: `ferret::cli` (a listing has no findings: 0 read, 2 no database,
//! damaged records, or bad usage).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::pkg::rpm::{read_root, FileFlags, ReadOptions};
use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, Status};
use std::io::Write;
use std::process::ExitCode;

#[derive(Default)]
struct Opts {
    common: Common,
    read: ReadOptions,
    dump: bool,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const COMMAND: Command<Opts> = Command {
    name: "rpmdb",
    about: "the packages of an rpm database (Berkeley DB, SQLite or NDB), read-only and without librpm: \
            like rpm -qa, or rpm -qa --dump with --dump",
    args: "",
    flags: &[
        cli::root(),
        Flag::value(
            "dbpath",
            "DIR",
            "the database directory inside the root (default: /usr/lib/sysimage/rpm, then /var/lib/rpm)",
            |o: &mut Opts, v| {
                o.read.dbpath = Some(v.into_path());
                Ok(())
            },
        ),
        Flag::switch("dump", "every file of every package, as rpm -qa --dump prints them", |o: &mut Opts| {
            o.dump = true;
        }),
        cli::json(),
        cli::budget(),
    ],
    operands: None,
    notes: "",
};

pub fn main() -> ExitCode {
    let mut o = Opts::default();
    if let Err(stop) = Args::from_env().parse(&COMMAND, &mut o) {
        return stop.report();
    }
    let Opts {
        common,
        read: mut opts,
        dump,
    } = o;
    let json = common.is_json();
    // `rpm -qa` needs no file lists; read them only when they are shown.
    opts.files = dump || json;
    let root = common.root_or_live();
    let db = match read_root(&root, &opts, &common.control()) {
        Ok(Some(db)) => db,
        Ok(None) => {
            return cli::fail(
                "rpmdb",
                format_args!(
                    "no rpm database under {}",
                    ferret::core::escape::escape_path(root.path())
                ),
            )
        }
        Err(e) => return cli::fail("rpmdb", e),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        if let Err(e) = serde_json::to_writer(&mut out, &db) {
            return cli::fail("rpmdb", e);
        }
        let _ = writeln!(out);
    } else {
        let esc = ferret::core::escape::escape;
        for p in &db.packages {
            let _ = writeln!(out, "{}", esc(&p.nevra()));
            if !dump {
                continue;
            }
            if p.files.is_empty() {
                let _ = writeln!(out, "(contains no files)");
            }
            let zeros = "0".repeat(2 * p.digest_algo.digest_len().unwrap_or(16));
            for f in &p.files {
                let digest = if f.digest.is_empty() {
                    zeros.clone()
                } else {
                    ferret::core::hex::encode(&f.digest)
                };
                let link = if f.link_to.is_empty() {
                    "X".to_owned()
                } else {
                    esc(&f.link_to)
                };
                let _ = writeln!(
                    out,
                    "{} {} {} {digest} 0{:o} {} {} {} {} {} {link}",
                    esc(&f.path),
                    f.size,
                    f.mtime,
                    f.mode,
                    esc(&f.user),
                    esc(&f.group),
                    u8::from(f.flags.has(FileFlags::CONFIG)),
                    u8::from(f.flags.has(FileFlags::DOC)),
                    f.rdev,
                );
            }
        }
    }
    let _ = out.flush();
    cli::print_errors(&db.errors);
    // A listing has no findings: damaged records make it incomplete (2).
    Status::new(false, !db.errors.is_empty()).into()
}
