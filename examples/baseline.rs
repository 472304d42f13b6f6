//! File-integrity baselines from the command line (an AIDE-style `init`/`check`, many times
//! faster).
//!
//! ```text
//! cargo run --release --example baseline -- init [--hash sha256|blake3|both] [--key-file K]
//!     [--exclude GLOB]... [--log GLOB]... [--growing GLOB]... [--root DIR]
//!     [--cross-filesystems] [--no-link-targets] [--jobs N] [--io-limit BYTES_PER_SEC]
//!     [--nice] -o DB PATH...
//! cargo run --release --example baseline -- check [--key-file K] [--fast] [--json]
//!     [--root DIR] [--jobs N] [--io-limit BYTES_PER_SEC] [--nice] DB
//! cargo run --release --example baseline -- export --format sha256sum|b3sum [--key-file K] DB
//! ```
//!
//! Flags, help and exit status: `ferret::cli`. `check` exits 1 when something was added,
//! removed, changed or moved (or a file's content could not be verified), 2 on an error
//! (unreadable or tampered baseline: a sealed baseline that fails its seal is never compared;
//! an incomplete scan; or nothing differs but some files could not be read).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::manifest::{self, ManifestFormat};
use ferret::baseline::rules::{Pattern, Rule};
use ferret::baseline::{
    compare, rescan_root, scan_root, AttrSet, Baseline, CheckMode, CheckOptions, HashKind,
    ScanOptions, SealKey,
};
use ferret::cli::{self, Args, Command, Common, Flag, HasCommon, ProgressBar, Status};
use ferret::cli::{Subcommand, Tool};
use ferret::core::escape::Escaped;
use ferret::core::HostRoot;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const TOOL: Tool = Tool {
    name: "baseline",
    about: "file-integrity baselines (AIDE-style), sealed with a keyed BLAKE3 MAC",
    subcommands: &[
        Subcommand {
            name: "init",
            args: "[FLAGS] -o DB PATH...",
            about: "record the files under each PATH (hashes, attributes) into DB",
        },
        Subcommand {
            name: "check",
            args: "[FLAGS] DB",
            about: "compare the files with DB: added, removed, changed, moved",
        },
        Subcommand {
            name: "export",
            args: "--format sha256sum|b3sum [--key-file K] DB",
            about: "print DB as a sha256sum or b3sum manifest",
        },
    ],
    notes: "",
};

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    cli::fail("baseline", msg)
}

#[derive(Default)]
struct Opts {
    common: Common,
    hash: Option<HashKind>,
    key: Option<PathBuf>,
    excludes: Vec<OsString>,
    logs: Vec<OsString>,
    growing: Vec<OsString>,
    cross: bool,
    no_links: bool,
    out: Option<PathBuf>,
    fast: bool,
    format: Option<ManifestFormat>,
    nice: bool,
    positional: Vec<OsString>,
}

impl HasCommon for Opts {
    fn common(&mut self) -> &mut Common {
        &mut self.common
    }
}

const KEY_FILE: Flag<Opts> = Flag::value(
    "key-file",
    "K",
    "a file of key material (16 bytes or more, e.g. head -c 32 /dev/urandom, kept outside \
     the audited tree): init seals the baseline with it, check and export verify the seal",
    |o: &mut Opts, v| {
        o.key = Some(v.into_path());
        Ok(())
    },
);

const NICE: Flag<Opts> = Flag::switch(
    "nice",
    "run at the lowest CPU (and best-effort I/O) priority",
    |o: &mut Opts| o.nice = true,
);

/// Operands (paths, the baseline file) are kept as given.
const OPERAND: cli::SetValue<Opts> = |o, v| {
    o.positional.push(v.into_os_string());
    Ok(())
};

const INIT: Command<Opts> = Command {
    name: "baseline init",
    about: "record the files under each PATH (hashes, attributes) into a new baseline DB",
    args: "-o DB PATH...",
    flags: &[
        Flag::value(
            "output",
            "DB",
            "write the baseline to DB (required)",
            |o: &mut Opts, v| {
                o.out = Some(v.into_path());
                Ok(())
            },
        )
        .short('o'),
        Flag::value(
            "hash",
            "ALGO",
            "sha256, blake3 (the default) or both",
            |o: &mut Opts, v| {
                o.hash = Some(v.parse("sha256, blake3 or both")?);
                Ok(())
            },
        ),
        KEY_FILE,
        Flag::value(
            "exclude",
            "GLOB",
            "leave out what matches (repeat for more)",
            |o: &mut Opts, v| {
                o.excludes.push(v.into_os_string());
                Ok(())
            },
        ),
        Flag::value(
            "log",
            "GLOB",
            "files whose content changes (logs, spools): record owner and mode only (repeat)",
            |o: &mut Opts, v| {
                o.logs.push(v.into_os_string());
                Ok(())
            },
        ),
        Flag::value(
            "growing",
            "GLOB",
            "append-only files: may grow, but the old content must stay as it was (repeat)",
            |o: &mut Opts, v| {
                o.growing.push(v.into_os_string());
                Ok(())
            },
        ),
        cli::root().help("record the system mounted at DIR, read-only; PATHs are then inside it"),
        Flag::switch(
            "cross-filesystems",
            "descend into other mounted filesystems",
            |o: &mut Opts| o.cross = true,
        ),
        Flag::switch(
            "no-link-targets",
            "do not read symbolic links' targets (keeps a live scan atime-pristine)",
            |o: &mut Opts| o.no_links = true,
        ),
        cli::jobs(),
        cli::io_limit(),
        cli::budget(),
        NICE,
    ],
    operands: Some(OPERAND),
    notes: "",
};

const CHECK: Command<Opts> = Command {
    name: "baseline check",
    about: "compare the files with the baseline DB: added, removed, changed, moved",
    args: "DB",
    flags: &[
        KEY_FILE,
        Flag::switch(
            "fast",
            "trust unchanged size, mtime and ctime, and hash only the other files",
            |o: &mut Opts| o.fast = true,
        ),
        cli::json(),
        cli::root().help(
            "check the system mounted at DIR, read-only (default: the root the baseline recorded)",
        ),
        cli::jobs(),
        cli::io_limit(),
        cli::budget(),
        NICE,
    ],
    operands: Some(OPERAND),
    notes: "",
};

const EXPORT: Command<Opts> = Command {
    name: "baseline export",
    about: "print the baseline DB as a sha256sum or b3sum manifest on stdout",
    args: "--format sha256sum|b3sum DB",
    flags: &[
        Flag::value(
            "format",
            "FORMAT",
            "sha256sum or b3sum (required)",
            |o: &mut Opts, v| {
                o.format = Some(v.parse("sha256sum or b3sum")?);
                Ok(())
            },
        ),
        KEY_FILE,
    ],
    operands: Some(OPERAND),
    notes: "",
};

fn key(o: &Opts) -> Result<Option<SealKey>, String> {
    o.key
        .as_deref()
        .map(|k| SealKey::from_file(k).map_err(|e| format!("key file {}: {e}", k.display())))
        .transpose()
}

fn load(o: &Opts, db: &Path) -> Result<Baseline, String> {
    let key = key(o)?;
    let f = std::fs::File::open(db).map_err(|e| format!("{}: {e}", db.display()))?;
    Baseline::load(f, key.as_ref()).map_err(|e| format!("{}: {e}", db.display()))
}

fn init(o: &Opts) -> ExitCode {
    let Some(out) = o.out.clone() else {
        return INIT
            .error("-o", "missing: the baseline's output file")
            .report();
    };
    if o.positional.is_empty() {
        return INIT
            .error("PATH", "missing: name at least one PATH to record")
            .report();
    }
    let root = o.common.root_or_live();
    let mut scan = ScanOptions::default();
    // Paths are given as host paths on a live root, or inside the root with --root.
    scan.paths.extend(o.positional.iter().map(PathBuf::from));
    let rules = (o.excludes.iter().map(|g| (g, None)))
        .chain(o.logs.iter().map(|g| (g, Some(AttrSet::log()))))
        .chain(o.growing.iter().map(|g| (g, Some(AttrSet::growing()))));
    for (glob, attrs) in rules {
        let pattern = match Pattern::glob(glob.as_bytes()) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        scan.rules.push(match attrs {
            Some(a) => Rule::include(pattern, a),
            None => Rule::exclude(pattern),
        });
    }
    scan.hash = o.hash.unwrap_or(HashKind::Blake3);
    scan.same_filesystem = !o.cross;
    scan.link_targets = !o.no_links;
    if let Err(e) = scan.ensure_output_outside(&root, &out) {
        return fail(e);
    }
    if let Err(e) = root.ensure_output_outside(&out) {
        return fail(e);
    }
    let key = match key(o) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    if o.nice {
        let _ = ferret::core::control::lower_priority();
    }
    let (bar, control) = ProgressBar::attach("init", o.common.control());
    let start = std::time::Instant::now();
    let baseline = scan_root(&root, &scan, &control);
    drop(bar);
    cli::print_errors(&baseline.errors);
    // Write to a temporary file beside the output, then rename: never a half-written baseline.
    let tmp = out.with_extension("tmp-ferret");
    let written = std::fs::File::create(&tmp)
        .map_err(|e| format!("{}: {e}", tmp.display()))
        .and_then(|f| baseline.save(f, key.as_ref()).map_err(|e| e.to_string()))
        .and_then(|()| std::fs::rename(&tmp, &out).map_err(|e| format!("{}: {e}", out.display())));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return fail(e);
    }
    let s = baseline.stats;
    eprintln!(
        "baseline: {} entries, {} files hashed ({:.1} MB; {} more hard links read once) in {:.2}s{}; {} errors; written to {}{}",
        s.entries,
        s.hashed,
        s.bytes_hashed as f64 / 1e6,
        s.linked,
        start.elapsed().as_secs_f64(),
        if baseline.complete {
            ""
        } else {
            " (CANCELLED: partial)"
        },
        baseline.errors.len(),
        out.display(),
        if key.is_some() { " (sealed)" } else { "" },
    );
    // Files that could not be recorded, or a cancelled scan: the baseline is incomplete.
    Status::new(false, !baseline.errors.is_empty() || !baseline.complete).into()
}

fn check(o: &Opts) -> ExitCode {
    let [db] = o.positional.as_slice() else {
        return CHECK
            .error("DB", "expected exactly one baseline file")
            .report();
    };
    let old = match load(o, Path::new(db)) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let root = if let Some(r) = o.common.root.clone() {
        r
    } else {
        let recorded = PathBuf::from(OsString::from_vec(old.config.host_root.clone()));
        match HostRoot::new(&recorded) {
            Ok(r) => r,
            Err(e) => return fail(e),
        }
    };
    if o.nice {
        let _ = ferret::core::control::lower_priority();
    }
    let (bar, control) = ProgressBar::attach("check", o.common.control());
    let start = std::time::Instant::now();
    let mut opts = CheckOptions::default();
    if o.fast {
        opts.mode = CheckMode::Fast;
    }
    let new = rescan_root(&root, &old, &opts, &control);
    drop(bar);
    let c = compare(&old, &new, &opts);
    let differs = !c.is_clean() || !c.unverified.is_empty();
    let mut stdout = std::io::stdout().lock();
    if o.common.is_json() {
        let v = serde_json::json!({
            "added": c.added,
            "removed": c.removed,
            "changed": c.changed,
            "moved": c.moved,
            "errors": c.errors,
            "summary": {
                "mode": if c.fast { "fast" } else { "secure" },
                "complete": c.complete,
                "unverified": c.unverified.iter().map(|p| ferret::core::escape::escape(p)).collect::<Vec<_>>(),
                "entries": new.stats.entries,
                "hashed": new.stats.hashed,
                "reused": new.stats.reused,
                "bytes_hashed": new.stats.bytes_hashed,
                "seconds": start.elapsed().as_secs_f64(),
            },
        });
        let _ = writeln!(stdout, "{v}");
    } else {
        for ch in &c.changed {
            let names: Vec<&str> = ch.attributes.iter().map(|a| a.as_str()).collect();
            let _ = writeln!(
                stdout,
                "changed: {} ({})",
                Escaped(&ch.path),
                names.join(", ")
            );
            for v in &ch.values {
                let _ = writeln!(stdout, "    {}: {} -> {}", v.attribute, v.old, v.new);
            }
        }
        for e in &c.added {
            let _ = writeln!(stdout, "added: {} ({})", Escaped(&e.path), e.kind);
        }
        for e in &c.removed {
            let _ = writeln!(stdout, "removed: {} ({})", Escaped(&e.path), e.kind);
        }
        for m in &c.moved {
            let _ = writeln!(
                stdout,
                "moved: {} -> {}",
                Escaped(&m.from),
                Escaped(&m.path)
            );
        }
        for p in &c.unverified {
            let _ = writeln!(stdout, "unverified: {}", Escaped(p));
        }
        cli::print_errors(&c.errors);
        for f in &c.findings().findings {
            let _ = writeln!(stdout, "finding: {f}");
        }
        let _ = writeln!(
            stdout,
            "summary: {} added, {} removed, {} changed, {} moved, {} unverified, {} errors; {} mode ({} files hashed, {} reused) in {:.2}s",
            c.added.len(),
            c.removed.len(),
            c.changed.len(),
            c.moved.len(),
            c.unverified.len(),
            c.errors.len(),
            if c.fast { "fast" } else { "secure" },
            new.stats.hashed,
            new.stats.reused,
            start.elapsed().as_secs_f64()
        );
    }
    if !c.complete {
        return Status::Error.into();
    }
    Status::new(differs, !c.errors.is_empty()).into()
}

fn export(o: &Opts) -> ExitCode {
    let [db] = o.positional.as_slice() else {
        return EXPORT
            .error("DB", "expected exactly one baseline file")
            .report();
    };
    let Some(format) = o.format else {
        return EXPORT
            .error("--format", "missing: sha256sum or b3sum")
            .report();
    };
    let b = match load(o, Path::new(db)) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    // Inner paths are made host paths again (nothing to add for a live root).
    let prefix: &[u8] = if b.config.host_root == b"/" {
        b""
    } else {
        &b.config.host_root
    };
    let stdout = std::io::stdout().lock();
    match manifest::export(&b, format, prefix, std::io::BufWriter::new(stdout)) {
        Ok(skipped) => {
            for s in &skipped {
                eprintln!("skipped: {s}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub fn main() -> ExitCode {
    let mut args = Args::from_env();
    let sub = match TOOL.subcommand(&mut args) {
        Ok(s) => s,
        Err(stop) => return stop.report(),
    };
    let cmd = match sub {
        "init" => &INIT,
        "check" => &CHECK,
        _ => &EXPORT,
    };
    let mut opts = Opts::default();
    if let Err(stop) = args.parse(cmd, &mut opts) {
        return stop.report();
    }
    match sub {
        "init" => init(&opts),
        "check" => check(&opts),
        _ => export(&opts),
    }
}
