//! End-to-end triage on fixture roots: one planted problem per module is found with the right
//! severity, a clean root gives nothing at or above medium, and the JSON validates against
//! `docs/report.schema.json`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use ferret::core::{Control, HostRoot, Severity};
use ferret::triage::{triage_root, TriageModule, TriageOptions};
use ferret::Report;
use std::path::Path;

fn make_baseline(root: &HostRoot, out: &Path) {
    use ferret::baseline::{scan_root, HashKind, ScanOptions};
    let mut scan = ScanOptions::default();
    scan.paths = vec!["/etc".into(), "/usr".into()];
    scan.hash = HashKind::Sha256;
    let b = scan_root(root, &scan, &Control::new());
    let f = std::fs::File::create(out).unwrap();
    b.save(f, None).unwrap();
}

fn offline(root: &Path, baseline: Option<&Path>) -> Report {
    let mut o = TriageOptions::default();
    o.baseline = baseline.map(Path::to_path_buf);
    triage_root(&HostRoot::new(root).unwrap(), &o, &Control::new())
}

fn find<'a>(r: &'a Report, id: &str, subject_has: &str) -> &'a ferret::core::Finding {
    r.findings
        .iter()
        .find(|f| {
            (f.id == id || f.also_reported_as.iter().any(|a| a == id))
                && f.subject.contains(subject_has)
        })
        .unwrap_or_else(|| {
            panic!(
                "no {id} about {subject_has:?}; report has: {:#?}",
                r.findings
                    .iter()
                    .map(|f| format!("{} {} {}", f.severity, f.id, f.subject))
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn planted_problems_are_all_found() {
    let t = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let root = t.path();
    common::clean_root(root);
    let db = out.path().join("before.fbl");
    make_baseline(&HostRoot::new(root).unwrap(), &db);
    common::plant(root);
    common::write(
        root,
        "usr/bin/ps",
        b"\x7fELF trojaned ps that hides pid 4242\n",
    );

    let r = offline(root, Some(&db));
    let uid0 = find(&r, "accounts.uid0-non-root", "toor");
    assert_eq!(uid0.severity, Severity::Critical);
    assert!(uid0
        .evidence
        .iter()
        .any(|e| e.path == "/etc/passwd" && e.line == Some(5)));
    // The account was added by editing the file: the backup still has the old list.
    assert!(find(&r, "accounts.diff.user-added", "toor").severity >= Severity::High);
    let prl = find(&r, "sshd.permit-root-login", "");
    assert!(prl.severity >= Severity::High, "{prl}");
    assert!(
        prl.evidence
            .iter()
            .any(|e| e.path.ends_with("50-cloud.conf")),
        "{prl}"
    );
    assert_eq!(
        find(&r, "persistence.ld-so-preload", "").severity,
        Severity::Critical
    );
    assert!(find(&r, "persistence.cron-download-exec", "").severity >= Severity::High);
    let login = find(&r, "logs.login-after-failures", "203.0.113.5");
    assert_eq!(login.severity, Severity::Critical);
    // wtmp holds the session that followed, and a record was wiped after it.
    assert!(
        login
            .evidence
            .iter()
            .any(|e| e.path == "/var/log/wtmp" && e.line == Some(4)),
        "{login}"
    );
    let wiped = find(&r, "logins.zeroed-records", "/var/log/wtmp");
    assert_eq!(wiped.evidence[0].line, Some(5));
    let logs = r.modules.iter().find(|m| m.name == "logs").unwrap();
    assert!(logs.read.iter().any(|p| p == "/var/log/wtmp"), "{logs:?}");
    assert!(
        logs.not_found.iter().any(|p| p == "/var/log/btmp"),
        "{logs:?}"
    );
    assert!(find(&r, "logs.brute-force", "203.0.113.5").severity >= Severity::Medium);
    let ps = find(&r, "baseline.changed", "/usr/bin/ps");
    assert!(ps.severity >= Severity::High);
    // /etc/passwd changed too, and that is critical.
    assert_eq!(
        find(&r, "baseline.changed", "/etc/passwd").severity,
        Severity::Critical
    );

    // Sorted most severe first; the window covers the attack; modules say what ran.
    assert!(r
        .findings
        .windows(2)
        .all(|w| w[0].severity >= w[1].severity));
    let w = r.window.as_ref().expect("hostile window");
    assert!(w.first.starts_with("2026-11-21T03:10"), "{w:?}");
    let proc = r.modules.iter().find(|m| m.name == "proc").unwrap();
    assert_eq!(proc.status, ferret::report::ModuleStatus::Skipped);
    assert!(proc.reason.as_deref().unwrap().contains("live"));
    assert_eq!(r.exit_code(), 1);
    assert!(!r.host.live);
    assert_eq!(r.host.hostname.as_deref(), Some("fixture-web1"));
}

#[test]
fn clean_root_has_nothing_at_or_above_medium() {
    let t = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    let db = out.path().join("before.fbl");
    make_baseline(&HostRoot::new(t.path()).unwrap(), &db);
    let r = offline(t.path(), Some(&db));
    let loud: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(ToString::to_string)
        .collect();
    assert!(
        loud.is_empty(),
        "false positives on a clean root: {loud:#?}"
    );
    assert_eq!(r.exit_code(), 0);
    // Every module that applies ran; the others said why not.
    for m in &r.modules {
        match m.name.as_str() {
            "proc" | "packages" => {
                assert_eq!(m.status, ferret::report::ModuleStatus::Skipped, "{m:?}");
            }
            _ => assert_eq!(m.status, ferret::report::ModuleStatus::Ran, "{m:?}"),
        }
    }
}

#[test]
fn tampered_baseline_fails_the_module_not_the_report() {
    let t = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    let db = out.path().join("before.fbl");
    make_baseline(&HostRoot::new(t.path()).unwrap(), &db);
    let mut bytes = std::fs::read(&db).unwrap();
    let n = bytes.len();
    bytes.truncate(n - 7);
    std::fs::write(&db, bytes).unwrap();
    let r = offline(t.path(), Some(&db));
    let b = r.modules.iter().find(|m| m.name == "baseline").unwrap();
    assert_eq!(b.status, ferret::report::ModuleStatus::Failed);
    assert!(r.errors.iter().any(|e| e.module == "baseline"));
    let acc = r.modules.iter().find(|m| m.name == "accounts").unwrap();
    assert_eq!(acc.status, ferret::report::ModuleStatus::Ran);
}

#[test]
fn only_and_budget_are_honoured() {
    let t = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    let mut o = TriageOptions::default();
    o.only = Some(vec![TriageModule::Accounts]);
    let r = triage_root(&HostRoot::new(t.path()).unwrap(), &o, &Control::new());
    assert_eq!(r.modules.len(), 1);
    assert_eq!(r.modules[0].name, "accounts");
    assert!(r.findings.iter().all(|f| f.id.starts_with("accounts.")));
}

#[test]
fn report_json_validates_against_the_schema() {
    let t = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    let db = out.path().join("before.fbl");
    make_baseline(&HostRoot::new(t.path()).unwrap(), &db);
    common::plant(t.path());
    let r = offline(t.path(), Some(&db));
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let render = |f: fn(&ferret::Report, &mut Vec<u8>) -> std::io::Result<()>| {
        let mut out = Vec::new();
        f(&r, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let doc: serde_json::Value =
        serde_json::from_str(&render(|r, o| ferret::render::json(r, o))).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(!r.findings.is_empty());
    // JSON Lines: one finding per line, each standing alone.
    let jl = render(|r, o| ferret::render::json_lines(r, o));
    assert_eq!(jl.lines().count(), r.findings.len());
    for line in jl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].is_string() && v["module"].is_string() && v["severity"].is_string());
    }
    // Text: grouped by severity, no raw control characters.
    let text = render(|r, o| ferret::render::text(r, &ferret::render::TextOptions::default(), o));
    assert!(text.contains("== CRITICAL"));
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
}
