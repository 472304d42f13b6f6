//! The report a responder reads and the ones machines read (#20): one finding per subject,
//! groups, the summary, OCSF 1.8.0 validated against the published schema (non-UTF-8 paths and
//! users included), and the timeline's bodyfile read back by the Sleuth Kit's `mactime`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::many_single_char_names,
    clippy::items_after_statements,
    clippy::naive_bytecount
)]

mod common;

use ferret::core::{Control, HostRoot};
use ferret::render::TextOptions;
use ferret::timeline::TimelineOptions;
use ferret::triage::{triage_root, TriageOptions};
use ferret::Report;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// SUID files planted under `/tmp` (the last one's name is not UTF-8).
const SUID: [&[u8]; 5] = [
    b"tmp/.x/a",
    b"tmp/.x/b",
    b"tmp/.x/c",
    b"tmp/.x/d",
    b"tmp/.x/e\xff",
];

fn plant_suid(root: &Path) {
    std::fs::create_dir_all(root.join("tmp/.x")).unwrap();
    for rel in SUID {
        let p = root.join(std::ffi::OsStr::from_bytes(rel));
        std::fs::write(&p, b"\x7fELF").unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o4755)).unwrap();
    }
    // A second UID 0 account whose name is not UTF-8.
    let mut pw = std::fs::read(root.join("etc/passwd")).unwrap();
    pw.extend_from_slice(b"r\xffot:x:0:0::/root:/bin/sh\n");
    std::fs::write(root.join("etc/passwd"), pw).unwrap();
}

fn report(root: &Path, timeline: Option<TimelineOptions>) -> Report {
    let mut o = TriageOptions::default();
    o.timeline = timeline;
    triage_root(&HostRoot::new(root).unwrap(), &o, &Control::new())
}

fn planted() -> (tempfile::TempDir, Report) {
    let t = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    common::plant(t.path());
    plant_suid(t.path());
    let r = report(t.path(), None);
    (t, r)
}

fn render(r: &Report, f: impl Fn(&Report, &mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    f(r, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn one_finding_per_file_and_one_group_per_directory() {
    let (_t, r) = planted();
    let suid: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.subject.starts_with("/tmp/.x/"))
        .collect();
    // One finding per file, whatever the number of reasons.
    let subjects: BTreeSet<&str> = suid.iter().map(|f| f.subject.as_str()).collect();
    assert_eq!(subjects.len(), SUID.len(), "{suid:#?}");
    assert_eq!(suid.len(), SUID.len(), "{suid:#?}");
    for f in &suid {
        assert_eq!(f.id, "files.suid-unusual-location");
        // The file is also recent: a reason of the one finding, not a finding of its own.
        let ids: BTreeSet<&str> = f.reasons.iter().map(|r| r.id.as_str()).collect();
        assert!(ids.contains("files.suid-recent"), "{f:#?}");
        assert_eq!(
            f.also_reported_as.len(),
            f.reasons.len(),
            "every folded id has its reason"
        );
        assert!(f.severity >= f.reasons.iter().map(|r| r.severity).max().unwrap());
    }
    // The five files of /tmp/.x are one group, each member carrying its key.
    let key = suid[0].group.clone().expect("grouped");
    assert!(suid.iter().all(|f| f.group.as_ref() == Some(&key)));
    let g: Vec<_> = r
        .groups
        .iter()
        .filter(|g| g.group.as_ref() == Some(&key))
        .collect();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].subject, "/tmp/.x");
    let members: BTreeSet<&str> = g[0].evidence.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(members, subjects);

    // The text report: the summary first, the group with its first members and the rest
    // counted; JSON Lines: one record per finding, the group key on each member.
    let text = render(&r, |r, o| {
        ferret::render::text(r, &TextOptions::default(), o)
    });
    let first_finding = text.find("== CRITICAL").unwrap();
    let head = &text[..first_finding];
    assert!(head.contains(&r.host.root), "{head}");
    assert!(head.contains("accounts"), "{head}");
    let analysis = head.lines().find(|l| l.contains("analysis:")).unwrap();
    for m in &r.modules {
        let ran = m.status == ferret::report::ModuleStatus::Ran;
        let listed = analysis
            .split_once("did not run:")
            .is_some_and(|(_, not)| not.contains(&m.name));
        assert_eq!(listed, !ran, "{}: {analysis}", m.name);
    }
    assert!(text.contains("(+2 more)"), "{text}");
    assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
    let jl = render(&r, |r, o| ferret::render::json_lines(r, o));
    assert_eq!(jl.lines().count(), r.findings.len());
    let grouped = jl
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["group"] == serde_json::Value::String(key.clone()))
        .count();
    assert_eq!(grouped, SUID.len());
}

fn ocsf_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ferret_testkit::testdata(
            "ocsf/detection_finding-1.8.0-host.schema.json",
        ))
        .unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
#[cfg_attr(not(ferret_testdata), ignore = "needs FERRET_TESTDATA")]
fn ocsf_validates_against_the_published_schema() {
    let (_t, r) = planted();
    let v = ocsf_validator();
    let arr = render(&r, |r, o| ferret::render::ocsf(r, o));
    let doc: Vec<serde_json::Value> = serde_json::from_str(&arr).unwrap();
    assert_eq!(doc.len(), r.findings.len());
    let lines = render(&r, |r, o| ferret::render::ocsf_lines(r, o));
    let per_line: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        per_line, doc,
        "the array and the lines hold the same objects"
    );
    for (o, f) in doc.iter().zip(&r.findings) {
        let errors: Vec<String> = v
            .iter_errors(o)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}\n{o:#}", f.id);
        assert_eq!(o["class_uid"], 2004);
        assert_eq!(o["finding_info"]["types"][0], f.id.as_str());
        assert!(o["finding_info"]["uid"]
            .as_str()
            .unwrap()
            .starts_with(&f.id));
        let techniques: Vec<&str> = o["finding_info"]["attacks"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|t| {
                        t["sub_technique"]["uid"]
                            .as_str()
                            .or(t["technique"]["uid"].as_str())
                            .unwrap()
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(techniques, f.attack, "{o:#}");
        // a finding without evidence has no `evidences` (OCSF leaves the array out)
        let files: Vec<&str> = o["evidences"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["file"]["path"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let want: Vec<&str> = f.evidence.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(files, want, "{o:#}");
    }
    // The non-UTF-8 file and user are there, escaped reversibly.
    let escaped_file = ferret::core::escape::escape(b"/tmp/.x/e\xff");
    let escaped_user = ferret::core::escape::escape(b"r\xffot");
    assert!(escaped_file.is_ascii() && escaped_user.is_ascii());
    assert!(arr.contains(&serde_json::to_string(&escaped_file).unwrap()[1..]));
    assert!(
        r.findings.iter().any(|f| f.subject == escaped_user),
        "the non-UTF-8 account is reported"
    );
    assert!(arr.contains(&serde_json::to_string(&escaped_user).unwrap()[1..]));
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` (mactime -y) as Unix seconds.
fn iso_secs(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86400
        + n(11, 13) * 3600
        + n(14, 16) * 60
        + n(17, 19)
}

#[test]
fn bodyfile_reads_back_through_mactime_as_stat_sees_the_files() {
    let t = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    common::plant(t.path());
    plant_suid(t.path());
    let r = report(t.path(), Some(TimelineOptions::default()));
    let tl = r.timeline.as_ref().unwrap();
    assert!(!tl.files.is_empty());
    let files_part = tl.sources.iter().find(|s| s.name == "files").unwrap();
    assert!(files_part.entries > 0);
    // Entries are in time order, each with a source.
    assert!(tl.entries.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(tl.entries.iter().any(|e| e.source == "logs"));

    let out = tempfile::tempdir().unwrap();
    let body = out.path().join("body");
    let mut bytes = Vec::new();
    ferret::render::bodyfile(tl, &mut bytes).unwrap();
    std::fs::write(&body, &bytes).unwrap();
    assert_eq!(
        bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        tl.files.len()
    );
    let mac = std::process::Command::new("mactime")
        .args(["-b"])
        .arg(&body)
        .args(["-d", "-y", "-z", "UTC"])
        .output()
        .expect("mactime (Debian's sleuthkit) runs");
    assert!(
        mac.status.success(),
        "{}",
        String::from_utf8_lossy(&mac.stderr)
    );
    let csv = String::from_utf8(mac.stdout).unwrap();
    // Date,Size,Type,Mode,UID,GID,Meta,File Name: one line per file and distinct time.
    let mut got: BTreeMap<String, BTreeSet<(i64, String)>> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.splitn(8, ',').collect();
        assert_eq!(cols.len(), 8, "{line}");
        if cols[0].starts_with("0000-") {
            continue; // a time the bodyfile says is unknown (0): no birth time here
        }
        got.entry(cols[7].trim_matches('"').to_owned())
            .or_default()
            .insert((iso_secs(cols[0]), cols[2].to_owned()));
    }
    let mut compared = 0;
    for f in &tl.files {
        if f.path.contains('\\') {
            continue; // escaped: `stat` below takes the raw name
        }
        let st = std::process::Command::new("stat")
            .args(["-c", "%X %Y %Z %W %s %i"])
            .arg(t.path().join(f.path.trim_start_matches('/')))
            .output()
            .unwrap();
        assert!(st.status.success());
        let v: Vec<i64> = String::from_utf8(st.stdout)
            .unwrap()
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        let (a, m, c, b) = (v[0], v[1], v[2], v[3]);
        assert_eq!(v[4], f.times.size as i64);
        assert_eq!(v[5], f.times.ino as i64);
        // mactime's Type: `macb` with a dot for each time not at this instant.
        let mut want: BTreeSet<(i64, String)> = BTreeSet::new();
        let times: BTreeSet<i64> = [a, m, c, b].into_iter().filter(|&x| x > 0).collect();
        for x in times {
            let flag = |t: i64, ch: char| if t == x { ch } else { '.' };
            want.insert((
                x,
                [flag(m, 'm'), flag(a, 'a'), flag(c, 'c'), flag(b, 'b')]
                    .iter()
                    .collect(),
            ));
        }
        assert_eq!(got.get(&f.path), Some(&want), "{}", f.path);
        compared += 1;
    }
    assert!(compared >= 4, "compared {compared} files");
}

#[test]
fn twenty_thousand_findings_render_as_a_stream() {
    // Many findings, one per subject: every renderer writes every one of them, and the
    // writers see the output in pieces (nothing builds the whole document first).
    let t = tempfile::tempdir().unwrap();
    common::clean_root(t.path());
    let mut pw = std::fs::read(t.path().join("etc/passwd")).unwrap();
    let n = 20_000;
    for i in 0..n {
        pw.extend_from_slice(format!("u{i}:x:0:0::/root:/bin/sh\n").as_bytes());
    }
    std::fs::write(t.path().join("etc/passwd"), pw).unwrap();
    let r = report(t.path(), None);
    let uid0 = r
        .findings
        .iter()
        .filter(|f| f.subject.starts_with('u') && f.id.starts_with("accounts."))
        .count();
    assert!(uid0 >= n, "{uid0}");

    /// Counts bytes and writes, keeps nothing.
    struct Counter {
        bytes: usize,
        writes: usize,
        largest: usize,
        lines: usize,
    }
    impl std::io::Write for Counter {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.bytes += b.len();
            self.writes += 1;
            self.largest = self.largest.max(b.len());
            self.lines += b.iter().filter(|&&c| c == b'\n').count();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    type R = fn(&Report, &mut Counter) -> std::io::Result<()>;
    let renderers: [(&str, R); 4] = [
        ("json", |r, o| ferret::render::json(r, o)),
        ("jsonl", |r, o| ferret::render::json_lines(r, o)),
        ("ocsf", |r, o| ferret::render::ocsf(r, o)),
        ("ocsf-jsonl", |r, o| ferret::render::ocsf_lines(r, o)),
    ];
    for (name, f) in renderers {
        let mut c = Counter {
            bytes: 0,
            writes: 0,
            largest: 0,
            lines: 0,
        };
        f(&r, &mut c).unwrap();
        assert!(c.lines >= r.findings.len(), "{name}: {} lines", c.lines);
        // Written in buffer-sized pieces (a single value longer than the buffer, such as a
        // detail naming every account, goes through in one piece).
        assert!(c.bytes > 1 << 20, "{name}: {} bytes", c.bytes);
        assert!(
            c.largest <= c.bytes / 8 && c.writes >= c.bytes / (1 << 17),
            "{name}: {} bytes in {} writes, largest {}",
            c.bytes,
            c.writes,
            c.largest
        );
    }
}
