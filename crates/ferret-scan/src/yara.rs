//! YARA with yara-x (feature `yara`): rule files compiled one by one (a bad file is an error
//! naming it, the others still run) and then together, one namespace per file; scanned over the
//! files the scan classified, the paths the caller named, and on the live system the
//! executables (and, opt-in, the memory) of running processes.

use crate::findings::Reason;
use crate::scan::Ctx;
use crate::YaraStats;
use ferret_core::{ErrorRecord, OpenOptions, Severity};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Largest rule file read.
const MAX_RULE_FILE: u64 = 16 << 20;
/// A rule matching more files than this, and more than half of those scanned, is reported as
/// too broad (a rule that matches everything buries the report).
const BROAD_RULE_FILES: u64 = 1000;

/// Compiled rules and what compiling them gave.
pub struct Compiled {
    /// The rules of every file that compiled.
    pub rules: Option<yara_x::Rules>,
    /// Files compiled.
    pub files: Vec<PathBuf>,
    /// Files refused, with the compiler's message.
    pub failed: Vec<(PathBuf, String)>,
}

fn rule_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yar" || e == "yara") && p.is_file())
        .collect();
    v.sort();
    Ok(v)
}

/// Compiles every rule file of `path` (a file or a directory of `*.yar`/`*.yara`). Each file
/// is compiled alone first, so one with an error (syntax, an unknown module, a construct
/// yara-x refuses) is set aside with the compiler's message; the others are then compiled
/// together, each in a namespace named after its file.
pub fn compile(path: &Path) -> Result<Compiled, crate::Error> {
    let files = rule_files(path).map_err(|e| crate::Error::YaraRules {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut good: Vec<(PathBuf, String)> = Vec::new();
    let mut failed = Vec::new();
    for f in files {
        let src = match std::fs::File::open(&f).and_then(|h| {
            let mut s = String::new();
            h.take(MAX_RULE_FILE).read_to_string(&mut s).map(|_| s)
        }) {
            Ok(s) => s,
            Err(e) => {
                failed.push((f, e.to_string()));
                continue;
            }
        };
        let mut c = yara_x::Compiler::new();
        let origin = f.display().to_string();
        match c.add_source(yara_x::SourceCode::from(src.as_str()).with_origin(&origin)) {
            Ok(_) => good.push((f, src)),
            Err(e) => failed.push((f, e.to_string())),
        }
    }
    if good.is_empty() {
        return Ok(Compiled {
            rules: None,
            files: Vec::new(),
            failed,
        });
    }
    let mut c = yara_x::Compiler::new();
    let mut files = Vec::new();
    for (f, src) in good {
        let ns = f.file_stem().map_or_else(
            || "rules".to_owned(),
            |s| {
                s.to_string_lossy()
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_")
            },
        );
        c.new_namespace(&ns);
        let origin = f.display().to_string();
        match c.add_source(yara_x::SourceCode::from(src.as_str()).with_origin(&origin)) {
            Ok(_) => files.push(f),
            Err(e) => failed.push((f, e.to_string())),
        }
    }
    Ok(Compiled {
        rules: Some(c.build()),
        files,
        failed,
    })
}

/// One matching rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// The namespace (the rule file's stem).
    pub namespace: String,
    /// The rule name.
    pub rule: String,
    /// The `score` metadata, if any.
    pub score: Option<i64>,
    /// The `description` metadata, if any.
    pub description: Option<String>,
    /// The matched patterns: (identifier, offset).
    pub patterns: Vec<(String, u64)>,
}

fn matches(results: &yara_x::ScanResults<'_, '_>) -> Vec<RuleMatch> {
    results
        .matching_rules()
        .map(|r| {
            let mut score = None;
            let mut description = None;
            for (k, v) in r.metadata() {
                match (k, v) {
                    ("score", yara_x::MetaValue::Integer(i)) => score = Some(i),
                    ("description", yara_x::MetaValue::String(s)) => {
                        description = Some(s.to_owned());
                    }
                    _ => {}
                }
            }
            let patterns = r
                .patterns()
                .flat_map(|p| {
                    let id = p.identifier().to_owned();
                    p.matches()
                        .map(move |m| (id.clone(), m.range().start as u64))
                        .collect::<Vec<_>>()
                })
                .collect();
            RuleMatch {
                namespace: r.namespace().to_owned(),
                rule: r.identifier().to_owned(),
                score,
                description,
                patterns,
            }
        })
        .collect()
}

/// Scans bytes with compiled rules: the in-memory twin used by the tests.
pub fn scan_bytes(rules: &yara_x::Rules, data: &[u8]) -> Result<Vec<RuleMatch>, String> {
    let mut s = yara_x::Scanner::new(rules);
    s.scan(data).map(|r| matches(&r)).map_err(|e| e.to_string())
}

fn reason(id: &'static str, m: &RuleMatch, deleted: bool) -> Reason {
    let critical = deleted || m.score.is_some_and(|s| s >= 80);
    let mut text = format!("YARA rule {}:{}", m.namespace, m.rule);
    if let Some(d) = &m.description {
        let _ = write!(text, " ({d})");
    }
    if let Some((id, off)) = m.patterns.first() {
        let _ = write!(text, ", {id} at offset {off}");
    }
    Reason::new(
        id,
        if critical {
            Severity::Critical
        } else {
            Severity::High
        },
        text,
    )
}

/// Opens a `/proc/PID/...` file without updating its access time where the kernel allows.
fn open_proc(p: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true)
        .custom_flags(libc_o_noatime() | libc_o_nonblock());
    match o.open(p) {
        Err(e) if e.raw_os_error() == Some(1) => std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc_o_nonblock())
            .open(p),
        r => r,
    }
}

fn libc_o_noatime() -> i32 {
    nix::fcntl::OFlag::O_NOATIME.bits()
}

fn libc_o_nonblock() -> i32 {
    nix::fcntl::OFlag::O_NONBLOCK.bits()
}

fn pids() -> Vec<u32> {
    let mut v: Vec<u32> = std::fs::read_dir("/proc")
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v
}

pub(crate) fn run(ctx: &Ctx<'_>) -> YaraStats {
    let (root, opts, _control) = ctx.parts();
    let mut stats = YaraStats::default();
    let Some(dir) = &opts.yara.rules else {
        return stats;
    };
    let compiled = match compile(dir) {
        Ok(c) => c,
        Err(e) => {
            ctx.record_error(ErrorRecord::new(
                Some(dir.as_os_str().as_bytes()),
                None,
                e.to_string(),
            ));
            return stats;
        }
    };
    for (f, msg) in &compiled.failed {
        ctx.record_error(ErrorRecord::new(
            Some(f.as_os_str().as_bytes()),
            None,
            format!("YARA rule file refused (not used): {msg}"),
        ));
    }
    stats.rule_files = compiled.files.len() as u64;
    stats.rule_files_failed = compiled.failed.len() as u64;
    let Some(rules) = compiled.rules else {
        return stats;
    };
    stats.rules = rules.iter().len() as u64;
    let targets = std::mem::take(
        &mut *ctx
            .targets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let per_rule: Mutex<HashMap<String, u64>> = Mutex::new(HashMap::new());
    let max = opts.yara.max_file_bytes;
    let timeout = opts.yara.timeout;
    targets.par_iter().for_each_init(
        || {
            let mut s = yara_x::Scanner::new(&rules);
            s.set_timeout(timeout);
            s
        },
        |scanner, path| {
            if ctx.stopped() {
                return;
            }
            let pb = path.as_os_str().as_bytes();
            let data = match root
                .open_file(path, &OpenOptions::new().max_size(max))
                .and_then(|mut f| f.read_capped(max))
            {
                Ok(d) => d,
                Err(e) => {
                    if !e.is_not_found() {
                        let mut r = ErrorRecord::from(&e);
                        r.message = format!("not YARA-scanned: {}", r.message);
                        ctx.record_error(r);
                    }
                    return;
                }
            };
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
            match scanner.scan(&data) {
                Ok(res) => {
                    let ms = matches(&res);
                    if ms.is_empty() {
                        return;
                    }
                    {
                        let mut pr = per_rule
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        for m in &ms {
                            *pr.entry(format!("{}:{}", m.namespace, m.rule)).or_default() += 1;
                        }
                    }
                    let reasons = ms
                        .iter()
                        .map(|m| reason("scan.yara-match", m, false))
                        .collect();
                    ctx.add_reasons(pb, String::new(), reasons);
                }
                Err(e) => ctx.record_error(ErrorRecord::new(
                    Some(pb),
                    None,
                    format!("YARA scan failed: {e}"),
                )),
            }
        },
    );
    stats.files = files.into_inner();
    stats.bytes = bytes.into_inner();
    let per_rule = per_rule
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    stats.matches = per_rule.values().sum();
    let mut broad: Vec<(&String, &u64)> = per_rule
        .iter()
        .filter(|(_, n)| **n > BROAD_RULE_FILES && **n * 2 > stats.files)
        .collect();
    broad.sort();
    for (rule, n) in broad {
        ctx.record_error(ErrorRecord::new(
            None,
            None,
            format!(
                "YARA rule {rule} matched {n} of {} files scanned: too broad to mean anything; its matches are grouped",
                stats.files
            ),
        ));
    }
    if root.is_live() && (opts.yara.processes || opts.yara.memory) {
        processes(ctx, &rules, &mut stats);
    }
    stats
}

fn processes(ctx: &Ctx<'_>, rules: &yara_x::Rules, stats: &mut YaraStats) {
    let (_, opts, _) = ctx.parts();
    let me = std::process::id();
    let mut seen: HashMap<(u64, u64), Vec<u32>> = HashMap::new();
    let mut targets: Vec<(u32, String, (u64, u64))> = Vec::new();
    for pid in pids() {
        if pid == me {
            continue;
        }
        let exe = PathBuf::from(format!("/proc/{pid}/exe"));
        let Ok(md) = std::fs::metadata(&exe) else {
            continue;
        };
        if !md.is_file() {
            continue;
        }
        let key = (md.dev(), md.ino());
        let link = std::fs::read_link(&exe)
            .map(|l| ferret_core::escape::escape(l.as_os_str().as_bytes()))
            .unwrap_or_default();
        let pids = seen.entry(key).or_default();
        pids.push(pid);
        if pids.len() == 1 {
            targets.push((pid, link, key));
        }
    }
    let mut scanner = yara_x::Scanner::new(rules);
    scanner.set_timeout(opts.yara.timeout);
    for (pid, link, key) in &targets {
        if ctx.stopped() {
            return;
        }
        if !opts.yara.processes {
            break;
        }
        let exe = PathBuf::from(format!("/proc/{pid}/exe"));
        let data = open_proc(&exe).and_then(|f| {
            let mut v = Vec::new();
            f.take(opts.yara.max_file_bytes)
                .read_to_end(&mut v)
                .map(|_| v)
        });
        let Ok(data) = data else { continue };
        stats.processes += 1;
        let Ok(res) = scanner.scan(&data) else {
            continue;
        };
        let ms = matches(&res);
        if ms.is_empty() {
            continue;
        }
        stats.matches += ms.len() as u64;
        let deleted = link.ends_with(" (deleted)");
        let all = seen.get(key).cloned().unwrap_or_default();
        let reasons = ms
            .iter()
            .map(|m| reason("scan.yara-process", m, deleted))
            .collect();
        let facts = format!(
            "executable {link} of pid{} {}",
            if all.len() == 1 { "" } else { "s" },
            all.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        ctx.add_reasons(exe.as_os_str().as_bytes(), facts, reasons);
    }
    if opts.yara.memory {
        for (pid, link, _) in &targets {
            if ctx.stopped() {
                return;
            }
            if let Some(ms) = memory(*pid, rules, opts.yara.max_memory_bytes) {
                stats.memory_processes += 1;
                if ms.is_empty() {
                    continue;
                }
                stats.matches += ms.len() as u64;
                let reasons = ms
                    .iter()
                    .map(|m| reason("scan.yara-process", m, false))
                    .collect();
                let p = format!("/proc/{pid}/mem");
                ctx.add_reasons(
                    p.as_bytes(),
                    format!("memory of pid {pid} ({link})"),
                    reasons,
                );
            }
        }
    }
}

/// Scans the readable regions of a process's memory with the block scanner; `None` when the
/// memory cannot be opened.
fn memory(pid: u32, rules: &yara_x::Rules, cap: u64) -> Option<Vec<RuleMatch>> {
    let maps = std::fs::read(format!("/proc/{pid}/maps")).ok()?;
    let mem = open_proc(Path::new(&format!("/proc/{pid}/mem"))).ok()?;
    let mut scanner = yara_x::blocks::Scanner::new(rules);
    let mut budget = cap;
    for line in maps.split(|b| *b == b'\n') {
        let mut f = line.split(|b| *b == b' ').filter(|w| !w.is_empty());
        let (Some(range), Some(perms)) = (f.next(), f.next()) else {
            continue;
        };
        if perms.first() != Some(&b'r')
            || line.ends_with(b"[vvar]")
            || line.ends_with(b"[vsyscall]")
        {
            continue;
        }
        let mut r = range.split(|b| *b == b'-');
        let parse = |b: Option<&[u8]>| {
            b.and_then(|b| std::str::from_utf8(b).ok())
                .and_then(|s| u64::from_str_radix(s, 16).ok())
        };
        let (Some(start), Some(end)) = (parse(r.next()), parse(r.next())) else {
            continue;
        };
        let mut at = start;
        while at < end && budget > 0 {
            let len = (end - at).min(1 << 20).min(budget) as usize;
            let mut buf = vec![0u8; len];
            match mem.read_at(&mut buf, at) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if scanner.scan(at as usize, &buf).is_err() {
                        break;
                    }
                    at += n as u64;
                    budget = budget.saturating_sub(n as u64);
                }
            }
        }
    }
    scanner.finish().ok().map(|r| matches(&r))
}
