//! Report renderers: JSON, JSON Lines, OCSF, human text, and the timeline's text, JSON Lines
//! and bodyfile.
//!
//! Every renderer writes to a [`Write`] as it goes (through a buffer of its own): JSON is
//! serialised record by record with serde's serializer, so the output's size adds nothing to
//! the memory a report already takes. Write errors are returned (a closed pipe is one).

use crate::report::{Entry as ReportEntry, Report};
use crate::timeline::Timeline;
use ferret_core::{Finding, Severity};
use std::io::{self, BufWriter, Write};

const BUF: usize = 1 << 16;

/// Serialises the report as pretty JSON (schema in `docs/report.schema.json`).
#[cfg(feature = "serde")]
pub fn json<W: Write>(report: &Report, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(BUF, out);
    serde_json::to_writer_pretty(&mut w, report)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// One finding of a JSON Lines report, with what makes it stand alone in a SIEM.
#[cfg(feature = "serde")]
#[derive(serde::Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    schema_version: u32,
    generated_at: &'a str,
    host: Option<&'a str>,
    module: &'a str,
}

/// One JSON object per finding, one per line, each carrying the host name, the report time
/// and the module, and its group's key when it is in a group (`group`).
#[cfg(feature = "serde")]
pub fn json_lines<W: Write>(report: &Report, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(BUF, out);
    for f in &report.findings {
        serde_json::to_writer(
            &mut w,
            &Line {
                finding: f,
                schema_version: report.schema_version,
                generated_at: &report.generated_at,
                host: report.host.hostname.as_deref(),
                module: module_of(f),
            },
        )?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// Every finding as an OCSF 1.8.0 Detection Finding (see [`crate::ocsf`]), in one JSON array
/// (one finding per line).
#[cfg(feature = "serde")]
pub fn ocsf<W: Write>(report: &Report, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(BUF, out);
    let cx = crate::ocsf::Context::of(report);
    w.write_all(b"[")?;
    for (i, f) in report.findings.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut w, &cx.finding(f))?;
    }
    w.write_all(b"\n]\n")?;
    w.flush()
}

/// Every finding as an OCSF 1.8.0 Detection Finding, one JSON object per line.
#[cfg(feature = "serde")]
pub fn ocsf_lines<W: Write>(report: &Report, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(BUF, out);
    let cx = crate::ocsf::Context::of(report);
    for f in &report.findings {
        serde_json::to_writer(&mut w, &cx.finding(f))?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// The triage module a finding came from, from its id's first segment (the check family:
/// `sshd`, `sysctl`, `files`, `persistence`, `services` and `exposure` are `harden`'s; `pkg` is
/// `packages`').
pub fn module_of(f: &Finding) -> &str {
    let family = f.id.split('.').next().unwrap_or(&f.id);
    match family {
        "sshd" | "sysctl" | "files" | "persistence" | "services" | "exposure" => "harden",
        "pkg" => "packages",
        other => other,
    }
}

fn colour(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "\x1b[1;31m",
        Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
        Severity::Info => "\x1b[2m",
    }
}

/// Strips what could still drive a terminal from text we did not escape at the source
/// (titles and details are ours, but may quote input): every control character except
/// newline is escaped.
fn safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(ferret_core::escape::escape(s.as_bytes()).replace("\\n", "\n"))
}

/// Options of the text report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TextOptions {
    /// Colour (only when the output is a terminal).
    pub ansi: bool,
    /// Members of a group shown before `(+N more)` (default 3).
    pub members_shown: usize,
    /// Lines of the summary's "most severe" list (default 5).
    pub most_severe: usize,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions {
            ansi: false,
            members_shown: 3,
            most_severe: 5,
        }
    }
}

fn seconds(ms: u64) -> String {
    if ms < 10_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} s", (ms + 500) / 1000)
    }
}

/// Human-readable text: first a summary a person reads first (the host, how long the analysis
/// took, which modules ran or could not, the counts and the few most severe entries, one line
/// each), then every finding by severity, a group shown with its first members and
/// `(+N more)`, then the errors and the modules.
#[allow(clippy::many_single_char_names)] // o: the output; h, s: the host and summary; c, r: colours
pub fn text<W: Write>(report: &Report, opts: &TextOptions, out: W) -> io::Result<()> {
    let mut o = BufWriter::with_capacity(BUF, out);
    let on = |sev| {
        if opts.ansi {
            (colour(sev), "\x1b[0m")
        } else {
            ("", "")
        }
    };
    let h = &report.host;
    let host = h.hostname.as_deref().unwrap_or("unknown host");
    if h.live {
        writeln!(o, "ferret triage of {} (this host, live)", safe(host))?;
    } else {
        writeln!(
            o,
            "ferret triage of {} (offline image at {})",
            safe(host),
            safe(&h.root)
        )?;
    }
    let os =
        h.os.as_deref()
            .or(h.os_id.as_deref())
            .unwrap_or("unknown distribution (no os-release)");
    let kernel = match (&h.kernel, h.live) {
        (Some(k), _) => format!("kernel {}", safe(k)),
        (None, true) => "kernel unknown".to_owned(),
        (None, false) => "kernel not known offline".to_owned(),
    };
    write!(o, "  host: {}, {kernel}", safe(os))?;
    if let Some(b) = &h.boot_time {
        write!(o, ", booted {b}")?;
    }
    writeln!(o)?;
    let mut ran = Vec::new();
    let mut not = Vec::new();
    for m in &report.modules {
        match m.status {
            crate::report::ModuleStatus::Ran => ran.push(m.name.clone()),
            s => not.push(format!("{} ({})", m.name, format!("{s:?}").to_lowercase())),
        }
    }
    writeln!(
        o,
        "  analysis: {} from {}; ran: {}{}",
        seconds(report.duration_ms),
        report.generated_at,
        if ran.is_empty() {
            "none".to_owned()
        } else {
            ran.join(", ")
        },
        if not.is_empty() {
            String::new()
        } else {
            format!("; did not run: {}", not.join(", "))
        }
    )?;
    let acq = &report.acquisition;
    match acq.time_budget_ms {
        Some(ms) => write!(o, "  time budget: {:.1} s", ms as f64 / 1000.0)?,
        None => write!(o, "  time budget: none")?,
    }
    if acq.cut_short {
        write!(o, " (spent: some modules were cut short, see below)")?;
    }
    writeln!(o)?;
    if acq.files_without_noatime + acq.dirs_without_noatime > 0 {
        writeln!(
            o,
            "  access times: {} files and {} directories read without O_NOATIME (not root and no CAP_FOWNER): their atime may have changed",
            acq.files_without_noatime, acq.dirs_without_noatime
        )?;
    }
    let s = &report.summary;
    let entries = report.entries();
    writeln!(
        o,
        "  findings: {} critical, {} high, {} medium, {} low, {} info ({} in all; {} to read, {} of them groups)",
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.info,
        report.findings.len(),
        entries.len(),
        report.groups.len()
    )?;
    if let Some(w) = &report.window {
        writeln!(o, "  hostile activity window: {} .. {}", w.first, w.last)?;
    }
    let top: Vec<&ReportEntry<'_>> = entries
        .iter()
        .filter(|e| e.finding.severity >= Severity::Medium)
        .take(opts.most_severe)
        .collect();
    if !top.is_empty() {
        writeln!(o, "  most severe:")?;
        for e in top {
            let f = e.finding;
            let (c, r) = on(f.severity);
            let more = if e.members.is_empty() {
                match f.reasons.len() {
                    0 => String::new(),
                    1 => " (+1 more reason)".to_owned(),
                    n => format!(" (+{n} more reasons)"),
                }
            } else {
                String::new()
            };
            writeln!(
                o,
                "    {c}{:<8}{r} {}  {}: {}{more}",
                f.severity.as_str(),
                f.id,
                safe(&f.subject),
                safe(&f.title)
            )?;
        }
    }
    writeln!(o)?;
    for sev in Severity::ALL.iter().rev() {
        let group: Vec<&ReportEntry<'_>> = entries
            .iter()
            .filter(|e| e.finding.severity == *sev)
            .collect();
        if group.is_empty() {
            continue;
        }
        let (c, r) = on(*sev);
        writeln!(
            o,
            "{c}== {} ({}) =={r}",
            sev.as_str().to_uppercase(),
            group.len()
        )?;
        for e in group {
            entry(&mut o, e, opts, (c, r))?;
        }
        writeln!(o)?;
    }
    if report.findings.is_empty() {
        writeln!(o, "No findings.\n")?;
    }
    if !report.errors.is_empty() {
        writeln!(o, "== ERRORS ({}) ==", report.errors.len())?;
        for e in report.errors.iter().take(50) {
            writeln!(o, "  {}", safe(&e.to_string()))?;
        }
        if report.errors.len() > 50 {
            writeln!(o, "  ... {} more (see --json)", report.errors.len() - 50)?;
        }
        writeln!(o)?;
    }
    writeln!(o, "== MODULES ==")?;
    for m in &report.modules {
        write!(
            o,
            "  {:<10} {:<8} {:>6} ms  {} findings, {} errors",
            m.name,
            format!("{:?}", m.status).to_lowercase(),
            m.duration_ms,
            m.findings,
            m.errors
        )?;
        if let Some(r) = &m.reason {
            write!(o, "  ({})", safe(r))?;
        }
        writeln!(o)?;
        for (what, list) in [("read", &m.read), ("not found", &m.not_found)] {
            if !list.is_empty() {
                let shown: Vec<String> =
                    list.iter().take(12).map(|p| safe(p).into_owned()).collect();
                let more = list.len().saturating_sub(12);
                write!(o, "    {what}: {}", shown.join(", "))?;
                if more > 0 {
                    write!(o, " and {more} more")?;
                }
                writeln!(o)?;
            }
        }
    }
    o.flush()
}

/// One finding or group of the text report.
#[allow(clippy::many_single_char_names)] // o: the output; e, f: the entry and its finding; c, r: colours
fn entry<W: Write>(
    o: &mut W,
    e: &ReportEntry<'_>,
    opts: &TextOptions,
    (c, r): (&str, &str),
) -> io::Result<()> {
    let f = e.finding;
    writeln!(
        o,
        "{c}[{}]{r} {}  {}",
        f.id,
        safe(&f.title),
        safe(&f.subject)
    )?;
    if e.members.is_empty() {
        for ev in &f.evidence {
            write!(o, "    at {}", safe(&ev.to_string()))?;
            if let Some(x) = &ev.excerpt {
                write!(o, "  | {}", safe(x))?;
            }
            writeln!(o)?;
        }
        for why in &f.reasons {
            writeln!(
                o,
                "    also [{}] ({}): {}",
                why.id,
                why.severity,
                safe(&why.title)
            )?;
        }
    } else {
        if let Some(k) = &f.group {
            writeln!(o, "    group {}: {} findings", safe(k), e.members.len())?;
        }
        for m in e.members.iter().take(opts.members_shown) {
            write!(o, "    - {}", safe(&m.subject))?;
            if let Some(ev) = m.evidence.first() {
                if ev.path != m.subject || ev.line.is_some() {
                    write!(o, "  at {}", safe(&ev.to_string()))?;
                }
            }
            if !m.reasons.is_empty() {
                let ids: Vec<&str> = m.reasons.iter().map(|r| r.id.as_str()).collect();
                write!(o, "  (also {})", ids.join(", "))?;
            }
            writeln!(o)?;
        }
        if e.members.len() > opts.members_shown {
            writeln!(o, "    (+{} more)", e.members.len() - opts.members_shown)?;
        }
    }
    if !f.attack.is_empty() {
        writeln!(o, "    ATT&CK: {}", f.attack.join(", "))?;
    }
    if e.members.is_empty() {
        if let Some(d) = &f.detail {
            writeln!(o, "    why: {}", safe(d))?;
        }
    }
    if let Some(fix) = &f.remediation {
        writeln!(o, "    fix: {}", safe(fix))?;
    }
    Ok(())
}

/// The timeline as text: what was read, then one line per entry (time, source, kind,
/// subject, what, evidence).
pub fn timeline_text<W: Write>(tl: &Timeline, out: W) -> io::Result<()> {
    let mut o = BufWriter::with_capacity(BUF, out);
    writeln!(o, "ferret timeline: {}", safe(&tl.span))?;
    for s in &tl.sources {
        write!(
            o,
            "  {:<10} {:<9} {:>7} entries",
            s.name,
            format!("{:?}", s.status).to_lowercase(),
            s.entries
        )?;
        if s.dropped > 0 {
            write!(o, " ({} more not kept)", s.dropped)?;
        }
        writeln!(o, "  {}", safe(&s.note))?;
    }
    if tl.dropped > 0 {
        writeln!(
            o,
            "  {} entries in the span past the cap, not shown",
            tl.dropped
        )?;
    }
    writeln!(o)?;
    for e in &tl.entries {
        write!(
            o,
            "{}  {:<8} {:<16} {}",
            crate::timeline::rfc3339::format(&e.time),
            e.source,
            e.kind,
            safe(&e.what)
        )?;
        if let Some(ev) = &e.evidence {
            write!(o, "  @ {}", safe(&ev.to_string()))?;
        }
        writeln!(o)?;
    }
    o.flush()
}

/// The timeline's entries, one JSON object per line.
#[cfg(feature = "serde")]
pub fn timeline_json_lines<W: Write>(tl: &Timeline, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(BUF, out);
    for e in &tl.entries {
        serde_json::to_writer(&mut w, e)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// The files of the timeline as a bodyfile, the Sleuth Kit's format 3 that `mactime -b`
/// reads: `MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime`, times in Unix
/// seconds (0: not known). The MD5 is not computed (`0`); the name is the escaped path with
/// `|` escaped too (`\x7c`), so a line always has its eleven fields.
pub fn bodyfile<W: Write>(tl: &Timeline, out: W) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(BUF, out);
    for f in &tl.files {
        let t = &f.times;
        let mode = crate::timeline::mode_string(t.kind, t.mode);
        // TSK writes the name type, a slash and the mode: `r/rrwxr-xr-x`.
        let kind = match mode.chars().next() {
            Some('-') => 'r',
            Some(k) => k,
            None => '-',
        };
        writeln!(
            w,
            "0|{}|{}|{kind}/{}|{}|{}|{}|{}|{}|{}|{}",
            f.path.replace('|', "\\x7c"),
            t.ino,
            mode.replacen('-', "r", usize::from(kind == 'r')),
            t.uid,
            t.gid,
            t.size,
            t.atime.sec,
            t.mtime.sec,
            t.ctime.sec,
            t.btime.map_or(0, |b| b.sec)
        )?;
    }
    w.flush()
}
