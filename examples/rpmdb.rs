//! List the packages of an rpm database (Berkeley DB, SQLite or NDB), read-only and without
//! librpm: like `rpm -qa`, or `rpm -qa --dump` with `--dump`.
//!
//! ```text
//! cargo run --release --example rpmdb -- [--root DIR] [--dbpath DIR] [--dump] [--json]
//! ```
//!
//! `--dbpath` is inside the root (default: `/usr/lib/sysimage/rpm`, then `/var/lib/rpm`).
//! Exit status: 0 read, 1 read with errors (damaged records, listed on stderr), 2 no database,
//! unreadable, or bad usage.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::pkg::rpm::{read_root, FileFlags, ReadOptions};
use ferret::core::{Control, HostRoot};
use std::io::Write;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: rpmdb [--root DIR] [--dbpath DIR] [--dump] [--json]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let mut root = None;
    let mut opts = ReadOptions::default();
    let (mut dump, mut json) = (false, false);
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--root") => match args.next() {
                Some(v) => root = Some(v),
                None => return usage(),
            },
            Some("--dbpath") => match args.next() {
                Some(v) => opts.dbpath = Some(v.into()),
                None => return usage(),
            },
            Some("--dump") => dump = true,
            Some("--json") => json = true,
            Some("-h" | "--help") => {
                usage();
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    // `rpm -qa` needs no file lists; read them only when they are shown.
    opts.files = dump || json;
    let root = match root.map_or_else(|| Ok(HostRoot::live()), HostRoot::new) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rpmdb: {e}");
            return ExitCode::from(2);
        }
    };
    let db = match read_root(&root, &opts, &Control::new()) {
        Ok(Some(db)) => db,
        Ok(None) => {
            eprintln!("rpmdb: no rpm database under {}", root.path().display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("rpmdb: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        if let Err(e) = serde_json::to_writer(&mut out, &db) {
            eprintln!("rpmdb: {e}");
            return ExitCode::from(2);
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
    for e in &db.errors {
        eprintln!("rpmdb: {e}");
    }
    if db.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
