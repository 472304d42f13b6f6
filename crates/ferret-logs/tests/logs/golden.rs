//! Golden outputs: "nothing changed". The analysis of every third-party log under
//! `FERRET_TESTDATA`, of every file of the logs fuzz corpora, and the events of a fixed set of
//! generated hostile messages, compared with the JSON committed under `tests/golden/`.
//! `FERRET_BLESS=1 cargo test -p ferret-logs --test logs golden` rewrites them.
//!
//! Third-party text never goes into a golden (licences differ): finding ids, severities,
//! subjects (addresses, user names), evidence `path:line`, counts, event kinds, times, and
//! per-line 64-bit digests of the parsed fields stand for the lines. Goldens of our own data
//! (the fuzz corpora, the generated messages) also keep finding details and samples.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ferret_core::Control;
use ferret_logs::journal::JournalFile;
use ferret_logs::{analyze, envelope, event, Analysis, AnalyzeOptions, Cut, Input, YearContext};
use serde_json::{json, Value};

use crate::templates;

/// Every program name the dispatcher knows, near misses, and the empty tag.
pub const PROGRAMS: &[&[u8]] = &[
    b"sshd",
    b"sshd-session",
    b"sshd-auth",
    b"dropbear",
    b"sudo",
    b"su",
    b"useradd",
    b"userdel",
    b"usermod",
    b"groupadd",
    b"groupdel",
    b"groupmod",
    b"gpasswd",
    b"passwd",
    b"chpasswd",
    b"adduser",
    b"newusers",
    b"chage",
    b"kernel",
    b"",
    b"systemd-logind",
    b"CRON",
    b"cron",
    b"crond",
    b"anacron",
    b"login",
    b"sshd2",
    b"ssh",
    b"Sshd",
    b"sud",
    b"kernel ",
    b"other",
];

/// FNV-1a, 64 bits: a stable digest of parsed fields (no third-party text in the goldens).
#[derive(Clone, Copy)]
pub struct Digest(u64);

impl Digest {
    pub fn new() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
    pub fn add(&mut self, b: &[u8]) -> &mut Self {
        for c in b.iter().chain(&[0xff]) {
            self.0 ^= u64::from(*c);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }
    pub fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The options every golden analysis uses (a fixed year: goldens must not depend on "now").
fn opts() -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(2024);
    o
}

fn event_json(e: Option<&ferret_logs::EventKind<'_>>) -> String {
    serde_json::to_string(&e).unwrap()
}

/// The analysis as the golden keeps it. `ours`: our own data (details and samples kept).
fn analysis_json(a: &Analysis, ours: bool) -> Value {
    let findings: Vec<Value> = a
        .outcome
        .findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "id": f.id,
                "severity": f.severity,
                "subject": f.subject,
                "evidence": f.evidence.iter().map(|e| format!("{}:{}", e.path, e.line.map(|l| l.to_string()).unwrap_or_default())).collect::<Vec<_>>(),
                "attack": f.attack,
            });
            if ours {
                v["title"] = json!(f.title);
                v["detail"] = json!(f.detail);
            }
            v
        })
        .collect();
    let samples: Vec<Value> = a
        .unparsed_samples
        .iter()
        .map(|s| {
            if ours {
                json!(format!("{}:{}: {}", s.path, s.line, s.text))
            } else {
                json!(format!("{}:{}", s.path, s.line))
            }
        })
        .collect();
    json!({
        "files": a.files.iter().map(|f| json!({
            "path": f.path,
            "compressed": f.compressed,
            "lines": f.lines,
            "unparsed": f.unparsed,
            "unrecognized": f.unrecognized,
            "events": f.events,
            "long_lines": f.long_lines,
        })).collect::<Vec<_>>(),
        "lines": a.lines,
        "unparsed": a.unparsed,
        "unrecognized": a.unrecognized,
        "long_lines": a.long_lines,
        "events": a.events,
        "sources": a.sources.iter().map(|s| json!({
            "ip": s.ip,
            "failures": s.failures,
            "probes": s.probes,
            "publickey": s.publickey,
            "successes": s.successes,
            "hostile": s.hostile,
            "events": s.events,
            "users": s.users,
            "first": s.first.map(|t| t.to_string()),
            "last": s.last.map(|t| t.to_string()),
        })).collect::<Vec<_>>(),
        "hours": a.hours.iter().map(|h| format!("{} {} {}", h.hour, h.events, h.hostile)).collect::<Vec<_>>(),
        "window": a.window.map(|w| format!("{} {}", w.first, w.last)),
        "findings": findings,
        "errors": a.outcome.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "unparsed_samples": samples,
        // sudo commands and su sessions: who, as whom, where, the classifier's kinds, and the
        // command (a digest of it for third-party text).
        "elevations": a.elevations.iter().map(|e| {
            let cmd = e.command.as_deref().map(|c| if ours {
                ferret_core::escape::escape(c)
            } else {
                Digest::new().add(c).hex()
            });
            format!(
                "{:?} {} {} -> {} {}:{} [{}] {}",
                e.via,
                if e.success { "ok" } else { "refused" },
                ferret_core::escape::escape(&e.user),
                e.target.as_deref().map(ferret_core::escape::escape).unwrap_or_default(),
                e.path,
                e.line,
                e.kinds.iter().map(ferret_core::command::CommandKind::id).collect::<Vec<_>>().join(","),
                cmd.unwrap_or_default()
            )
        }).collect::<Vec<_>>(),
    })
}

/// One line as the golden keeps it: where, when, which event, and digests of the parsed
/// fields (the envelope and the event; the line's message and the line itself under every
/// program name).
fn line_json(number: u64, line: &[u8], years: &YearContext) -> Value {
    let env = envelope::parse(line, years);
    let ev = event::parse_message(&env.program, env.pid, &env.message);
    let mut fields = Digest::new();
    fields
        .add(format!("{:?} {:?}", env.format, env.priority).as_bytes())
        .add(env.host.as_deref().unwrap_or(b"\x00none"))
        .add(&env.program)
        .add(&env.message)
        .add(event_json(ev.as_ref()).as_bytes());
    let mut programs = Digest::new();
    for msg in [&env.message[..], line] {
        for p in PROGRAMS {
            programs.add(event_json(event::parse_message(p, Some(1), msg).as_ref()).as_bytes());
        }
    }
    json!({
        "line": number,
        "time": env.time.map(|t| t.to_string()),
        "pid": env.pid,
        "kind": ev.as_ref().map(ferret_logs::EventKind::name),
        "source": ev.as_ref().and_then(|e| e.source()).map(ferret_core::escape::escape),
        "user": ev.as_ref().and_then(|e| e.user()).map(ferret_core::escape::escape),
        "fields": fields.hex(),
        "programs": programs.hex(),
    })
}

/// A text log: the analysis (at one thread) and every line.
fn text_golden(name: &str, data: &[u8], ours: bool) -> Value {
    let a = analyze(
        [Input::reader(data, name.as_bytes())],
        &opts(),
        &Control::new(),
    );
    let years = YearContext::fixed_year(2024);
    let lines: Vec<Value> = data
        .split(|c| *c == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| line_json(i as u64 + 1, l, &years))
        .collect();
    json!({ "analysis": analysis_json(&a, ours), "lines": lines })
}

/// A journal file: the analysis and every entry.
fn journal_golden(name: &str, data: &[u8]) -> Value {
    let a = analyze(
        [Input::JournalBytes(data, name.as_bytes().to_vec())],
        &opts(),
        &Control::new(),
    );
    let mut entries = Vec::new();
    match JournalFile::open(name, data, data.len() as u64) {
        Ok(mut jf) => {
            while let Some(e) = jf.next_entry() {
                entries.push(match e {
                    Ok(e) => {
                        let mut d = Digest::new();
                        for (k, v) in e.fields() {
                            d.add(k).add(v);
                        }
                        let env = e.envelope();
                        let ev = env.as_ref().and_then(|env| {
                            event::parse_message(&env.program, env.pid, &env.message)
                        });
                        json!({
                            "ordinal": e.ordinal,
                            "realtime": e.realtime,
                            "skipped": e.skipped,
                            "fields": d.hex(),
                            "event": event_json(ev.as_ref()),
                        })
                    }
                    Err(e) => json!({ "error": e.to_string() }),
                });
            }
        }
        Err(e) => entries.push(json!({ "open": e.to_string() })),
    }
    json!({ "analysis": analysis_json(&a, true), "entries": entries })
}

/// A message-corpus file: the repeat parse and the event under every program, in full.
fn message_golden(data: &[u8]) -> Value {
    let repeat: Vec<Value> = [Cut::Whole, Cut::Truncated]
        .iter()
        .map(|t| {
            json!(event::parse_repeat(data, *t).map(|r| json!({
                "count": r.count,
                "capped": r.capped,
                "message": r.message.map(ferret_core::escape::escape),
            })))
        })
        .collect();
    let events: serde_json::Map<String, Value> = PROGRAMS
        .iter()
        .map(|p| {
            let ev = event::parse_message(p, Some(1), data);
            (
                ferret_core::escape::escape(p),
                serde_json::to_value(ev).unwrap(),
            )
        })
        .collect();
    json!({ "repeat": repeat, "events": events })
}

/// The generated hostile messages (see `templates`), one digest per template and group.
fn generated_golden() -> Value {
    let groups: Vec<Value> = templates::generated()
        .into_iter()
        .map(|(what, messages)| {
            let mut d = Digest::new();
            let mut events = 0u64;
            for m in &messages {
                d.add(m);
                for p in PROGRAMS {
                    let ev = event::parse_message(p, Some(1), m);
                    events += u64::from(ev.is_some());
                    d.add(event_json(ev.as_ref()).as_bytes());
                }
            }
            json!({ "what": what, "messages": messages.len(), "events": events, "digest": d.hex() })
        })
        .collect();
    json!(groups)
}

/// Compares `value` with the golden `rel` (rewrites it under `FERRET_BLESS=1`); a difference
/// is added to `diffs`.
fn check(rel: &str, value: &Value, diffs: &mut Vec<String>) {
    let path = golden_dir().join(rel);
    let text = to_text(value);
    if std::env::var_os("FERRET_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if std::fs::read_to_string(&path).ok().as_deref() != Some(&text) {
            std::fs::write(&path, &text).unwrap();
            eprintln!("blessed {rel}");
        }
        return;
    }
    let Ok(want) = std::fs::read_to_string(&path) else {
        diffs.push(format!("{rel}: no golden (run with FERRET_BLESS=1)"));
        return;
    };
    if want != text {
        let mut msg = format!("{rel} differs:");
        let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), text.lines().collect());
        let mut shown = 0;
        for i in 0..w.len().max(g.len()) {
            let (a, b) = (w.get(i).copied(), g.get(i).copied());
            if a != b && shown < 12 {
                let _ = write!(
                    msg,
                    "\n  line {}: golden {a:?}\n  {:>w$}  now    {b:?}",
                    i + 1,
                    "",
                    w = (i + 1).to_string().len() + 5
                );
                shown += 1;
            }
        }
        diffs.push(msg);
    }
}

/// Pretty JSON, with the elements of the per-line arrays (`lines`, `entries`) and of a
/// top-level array one to a line: a change shows as the lines that changed.
fn to_text(value: &Value) -> String {
    let rows = |items: &[Value], indent: &str| -> String {
        if items.is_empty() {
            return "[]".into();
        }
        let body: Vec<String> = items
            .iter()
            .map(|x| format!("{indent}  {}", serde_json::to_string(x).unwrap()))
            .collect();
        format!("[\n{}\n{indent}]", body.join(",\n"))
    };
    let mut out = match value {
        Value::Array(items) => rows(items, ""),
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Array(items) if k == "lines" || k == "entries" => rows(items, "  "),
                        v => serde_json::to_string_pretty(v)
                            .unwrap()
                            .replace('\n', "\n  "),
                    };
                    format!("  {}: {v}", serde_json::to_string(k).unwrap())
                })
                .collect();
            format!("{{\n{}\n}}", fields.join(",\n"))
        }
        v => serde_json::to_string_pretty(v).unwrap(),
    };
    out.push('\n');
    out
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let t = std::fs::symlink_metadata(&p).unwrap().file_type();
        if t.is_dir() {
            files_under(&p, out);
        } else if t.is_file() {
            out.push(p);
        }
    }
}

/// Goldens in `dir` that no input produced any more (a removed input must remove its golden).
fn stale(dir: &str, made: &[String], diffs: &mut Vec<String>) {
    let mut have = Vec::new();
    let d = golden_dir().join(dir);
    if d.is_dir() {
        files_under(&d, &mut have);
    }
    for p in have {
        let rel = p
            .strip_prefix(golden_dir())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !made.contains(&rel) {
            if std::env::var_os("FERRET_BLESS").is_some() {
                std::fs::remove_file(&p).unwrap();
            } else {
                diffs.push(format!("{rel}: golden without an input"));
            }
        }
    }
}

fn finish(diffs: &[String]) {
    assert!(
        diffs.is_empty(),
        "{} golden(s) differ (FERRET_BLESS=1 rewrites them once the change is intended):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The third-party logs: fail2ban's logs and testcases, sshguard's cases, elastic-beats'.
#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn golden_third_party_logs() {
    let base = ferret_testkit::testdata("");
    let mut files = Vec::new();
    for d in ["fail2ban/logs", "fail2ban/testcases"] {
        files_under(&ferret_testkit::testdata(d), &mut files);
    }
    for f in [
        "sshguard/tests.txt",
        "elastic-beats/test.log",
        "elastic-beats/timestamp.log",
    ] {
        files.push(ferret_testkit::testdata(f));
    }
    assert!(files.len() >= 25, "{files:?}");
    let (mut diffs, mut made) = (Vec::new(), Vec::new());
    for f in &files {
        let rel = f
            .strip_prefix(&base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let data = std::fs::read(f).unwrap();
        let g = text_golden(&rel, &data, false);
        let golden = format!("third-party/{}.json", rel.replace('/', "__"));
        check(&golden, &g, &mut diffs);
        made.push(golden);
    }
    stale("third-party", &made, &mut diffs);
    finish(&diffs);
}

/// The committed fuzz corpora of the logs targets (our own data: fuller goldens).
#[test]
fn golden_fuzz_corpora() {
    let (mut diffs, mut made) = (Vec::new(), Vec::new());
    let mut n = 0;
    for target in [
        "logs_analyze",
        "logs_envelope",
        "logs_message",
        "logs_journal",
    ] {
        let mut files = Vec::new();
        files_under(&ferret_testkit::fuzz::corpus_dir(target), &mut files);
        assert!(!files.is_empty(), "{target}: empty corpus");
        for f in &files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let data = std::fs::read(f).unwrap();
            let mut g = if target == "logs_journal" {
                journal_golden(&name, &data)
            } else {
                text_golden(&name, &data, true)
            };
            if target == "logs_message" {
                g["message"] = message_golden(&data);
            }
            let golden = format!("corpus/{target}/{name}.json");
            check(&golden, &g, &mut diffs);
            made.push(golden);
            n += 1;
        }
    }
    assert!(n > 50, "{n} corpus files");
    stale("corpus", &made, &mut diffs);
    finish(&diffs);
}

/// Generated hostile messages (every template with hostile substitutions, truncations and
/// edits; token soup) under every program name.
#[test]
fn golden_generated_messages() {
    let mut diffs = Vec::new();
    let g = generated_golden();
    let events: u64 = g
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["events"].as_u64().unwrap())
        .sum();
    // The common forms must be recognised, or the golden says little.
    assert!(events > 10_000, "{events} events");
    check("generated-messages.json", &g, &mut diffs);
    finish(&diffs);
}
