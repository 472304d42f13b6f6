//! File-integrity baselines from the command line (an AIDE-style `init`/`check`, many times
//! faster).
//!
//! ```text
//! cargo run --release --example baseline -- init [--hash sha256|blake3|both] [--key-file K]
//!     [--exclude GLOB]... [--log GLOB]... [--growing GLOB]... [--root DIR]
//!     [--cross-filesystems] [--no-link-targets] [--threads N] [--io-limit BYTES_PER_SEC]
//!     [--nice] -o DB PATH...
//! cargo run --release --example baseline -- check [--key-file K] [--fast] [--json]
//!     [--root DIR] [--threads N] [--io-limit BYTES_PER_SEC] [--nice] DB
//! cargo run --release --example baseline -- export --format sha256sum|b3sum [--key-file K] DB
//! ```
//!
//! `check` exits 0 when nothing differs, 1 when something was added, removed, changed or moved
//! (or a file's content could not be verified), 2 on an error (bad usage, unreadable or
//! tampered baseline: a sealed baseline that fails its seal is never compared).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use ferret::baseline::manifest::{self, ManifestFormat};
use ferret::baseline::rules::{Pattern, Rule};
use ferret::baseline::{
    compare, rescan_root, scan_root, AttrSet, Baseline, CheckMode, CheckOptions, HashKind,
    ScanOptions, SealKey,
};
use ferret::core::escape::Escaped;
use ferret::core::{Control, HostRoot, Progress};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage:
  baseline init [--hash sha256|blake3|both] [--key-file K] [--exclude GLOB]... [--log GLOB]...
                [--growing GLOB]... [--root DIR] [--cross-filesystems] [--no-link-targets]
                [--threads N] [--io-limit BYTES_PER_SEC] [--nice] -o DB PATH...
  baseline check [--key-file K] [--fast] [--json] [--root DIR] [--threads N]
                 [--io-limit BYTES_PER_SEC] [--nice] DB
  baseline export --format sha256sum|b3sum [--key-file K] DB";

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("baseline: {msg}");
    ExitCode::from(2)
}

#[derive(Default)]
struct Opts {
    hash: Option<HashKind>,
    key: Option<PathBuf>,
    excludes: Vec<OsString>,
    logs: Vec<OsString>,
    growing: Vec<OsString>,
    root: Option<PathBuf>,
    cross: bool,
    no_links: bool,
    out: Option<PathBuf>,
    fast: bool,
    json: bool,
    format: Option<ManifestFormat>,
    control: Control,
    nice: bool,
    positional: Vec<OsString>,
}

fn parse(args: impl Iterator<Item = OsString>) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{} needs a value", a.to_string_lossy()))
        };
        match a.to_str() {
            Some("--hash") => {
                o.hash = Some(
                    value()?
                        .to_string_lossy()
                        .parse()
                        .map_err(|e: ferret::baseline::Error| e.to_string())?,
                );
            }
            Some("--key-file") => o.key = Some(value()?.into()),
            Some("--exclude") => o.excludes.push(value()?),
            Some("--log") => o.logs.push(value()?),
            Some("--growing") => o.growing.push(value()?),
            Some("--root") => o.root = Some(value()?.into()),
            Some("--cross-filesystems") => o.cross = true,
            Some("--no-link-targets") => o.no_links = true,
            Some("-o" | "--output") => o.out = Some(value()?.into()),
            Some("--fast") => o.fast = true,
            Some("--json") => o.json = true,
            Some("--nice") => o.nice = true,
            Some("--format") => {
                o.format = Some(
                    value()?
                        .to_string_lossy()
                        .parse()
                        .map_err(|e: ferret::baseline::Error| e.to_string())?,
                );
            }
            Some("--threads") => {
                let n = value()?
                    .to_string_lossy()
                    .parse()
                    .map_err(|e| format!("--threads: {e}"))?;
                o.control = std::mem::take(&mut o.control).with_max_threads(n);
            }
            Some("--io-limit") => {
                let n = value()?
                    .to_string_lossy()
                    .parse()
                    .map_err(|e| format!("--io-limit: {e}"))?;
                o.control = std::mem::take(&mut o.control).with_io_limit(n);
            }
            Some(s) if s.starts_with('-') && s.len() > 1 => {
                return Err(format!("unknown option {s}"))
            }
            _ => o.positional.push(a),
        }
    }
    Ok(o)
}

/// A progress bar on stderr when it is a terminal.
fn progress(control: Control, what: &'static str) -> (Control, Option<indicatif::ProgressBar>) {
    if !std::io::stderr().is_terminal() {
        return (control, None);
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_prefix(what);
    let b = bar.clone();
    let last = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let control = control.with_progress(move |p: Progress| {
        // Cheap throttle: update the bar every 256 files.
        if p.items_done
            .saturating_sub(last.load(std::sync::atomic::Ordering::Relaxed))
            < 256
        {
            return;
        }
        last.store(p.items_done, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = p.bytes_total {
            b.set_length(t);
        } else {
            b.set_length(p.bytes_done.max(b.length().unwrap_or(0)));
        }
        b.set_position(p.bytes_done);
        b.set_message(format!("{} files", p.items_done));
    });
    (control, Some(bar))
}

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
        return fail(format!("init needs -o DB\n{USAGE}"));
    };
    if o.positional.is_empty() {
        return fail(format!("init needs at least one PATH\n{USAGE}"));
    }
    let root = match o
        .root
        .as_deref()
        .map_or_else(|| Ok(HostRoot::live()), HostRoot::new)
    {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
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
    let (control, bar) = progress(o.control.clone(), "init");
    let start = std::time::Instant::now();
    let baseline = scan_root(&root, &scan, &control);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    for e in &baseline.errors {
        eprintln!("warning: {e}");
    }
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
    ExitCode::SUCCESS
}

fn check(o: &Opts) -> ExitCode {
    let [db] = o.positional.as_slice() else {
        return fail(format!("check needs exactly one DB\n{USAGE}"));
    };
    let old = match load(o, Path::new(db)) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let root_path = o
        .root
        .clone()
        .unwrap_or_else(|| PathBuf::from(OsString::from_vec(old.config.host_root.clone())));
    let root = match HostRoot::new(&root_path) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if o.nice {
        let _ = ferret::core::control::lower_priority();
    }
    let (control, bar) = progress(o.control.clone(), "check");
    let start = std::time::Instant::now();
    let mut opts = CheckOptions::default();
    if o.fast {
        opts.mode = CheckMode::Fast;
    }
    let new = rescan_root(&root, &old, &opts, &control);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let c = compare(&old, &new, &opts);
    let differs = !c.is_clean() || !c.unverified.is_empty();
    let mut stdout = std::io::stdout().lock();
    if o.json {
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
        for e in &c.errors {
            let _ = writeln!(stdout, "error: {e}");
        }
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
        return ExitCode::from(2);
    }
    if differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn export(o: &Opts) -> ExitCode {
    let [db] = o.positional.as_slice() else {
        return fail(format!("export needs exactly one DB\n{USAGE}"));
    };
    let Some(format) = o.format else {
        return fail(format!("export needs --format sha256sum|b3sum\n{USAGE}"));
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

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(cmd) = args.next() else {
        return fail(USAGE);
    };
    let opts = match parse(args) {
        Ok(o) => o,
        Err(e) => return fail(format!("{e}\n{USAGE}")),
    };
    match cmd.to_str() {
        Some("init") => init(&opts),
        Some("check") => check(&opts),
        Some("export") => export(&opts),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => fail(USAGE),
    }
}
