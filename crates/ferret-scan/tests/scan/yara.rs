//! YARA: ferret's matches equal the `yara` CLI's (Debian's yara 4.2, `yara -w -s`) on the same
//! rules and the same files; bad rule files are errors naming the file; a rule that matches
//! everything is flagged and grouped.

use crate::common::*;
use ferret_scan::{Check, ScanOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (rule, file name, pattern identifier, offset) of every match.
type Matches = BTreeSet<(String, String, String, u64)>;

/// Text patterns (`$x = "..." ...`) of a rule file, unescaped like YARA does.
fn text_patterns(src: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for line in src.lines() {
        let t = line.trim_start();
        if !t.starts_with('$') {
            continue;
        }
        let Some(eq) = t.find('=') else { continue };
        let rest = t[eq + 1..].trim_start();
        let Some(body) = rest.strip_prefix('"') else {
            continue;
        };
        let mut v = Vec::new();
        let mut it = body.bytes();
        while let Some(c) = it.next() {
            match c {
                b'"' => break,
                b'\\' => match it.next() {
                    Some(b'n') => v.push(b'\n'),
                    Some(b't') => v.push(b'\t'),
                    Some(b'r') => v.push(b'\r'),
                    Some(b'x') => {
                        let h: Vec<u8> = it.by_ref().take(2).collect();
                        let s = std::str::from_utf8(&h).unwrap_or("00");
                        v.push(u8::from_str_radix(s, 16).unwrap_or(0));
                    }
                    Some(o) => v.push(o),
                    None => break,
                },
                _ => v.push(c),
            }
        }
        out.push(v);
    }
    out
}

/// Inputs nobody tuned to either engine: per rule file, its own text patterns one per line
/// (what its rules' conditions look for), and as a Linux ELF of more than 1 MB (for rules that
/// test `uint32(0) == 0x464c457f and filesize > 1MB`); plus hand-made files.
fn inputs(rules: &[PathBuf], dir: &Path) {
    for r in rules {
        let src = std::fs::read_to_string(r).unwrap();
        let stem = r.file_stem().unwrap().to_string_lossy().into_owned();
        let mut text = Vec::new();
        for p in text_patterns(&src) {
            text.extend_from_slice(&p);
            text.push(b'\n');
        }
        std::fs::write(dir.join(format!("{stem}.txt")), &text).unwrap();
        let mut elf = elf_exec();
        elf.extend_from_slice(&text);
        elf.resize(1_100_000, 0);
        elf.extend_from_slice(&text);
        std::fs::write(dir.join(format!("{stem}.elf")), &elf).unwrap();
    }
    std::fs::write(
        dir.join("config.json"),
        format!("{{\"donate-level\": 1, \"pools\": [{{\"url\": \"stratum+tcp://pool.minexmr.com:4444\", \"user\": \"{XMR}\"}}]}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("miner.sh"),
        format!("#!/bin/sh\n./xmrig -o pool.minexmr.com:5555 -u {XMR} --donate-level 1 -B\necho miner running\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("eicar.com"),
        "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("shell.php"),
        "<?php if(isset($_REQUEST['cmd'])){ echo \"<pre>\"; $cmd = ($_REQUEST['cmd']); system($cmd); echo \"</pre>\"; die; } ?>\n<?php @eval($_POST['pass']);?>\n",
    )
    .unwrap();
    std::fs::write(dir.join("empty"), "").unwrap();
}

/// `yara -w -s RULES DIR`, parsed.
fn reference(rule_file: &Path, dir: &Path) -> Matches {
    let out = Command::new("yara")
        .arg("-w")
        .arg("-s")
        .arg(rule_file)
        .arg(dir)
        .output()
        .expect("the yara CLI (Debian package yara) is the reference");
    assert!(
        out.status.success(),
        "yara: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut m = Matches::new();
    let mut current: Option<(String, String)> = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(rest) = line.strip_prefix("0x") {
            let (off, rest) = rest.split_once(':').unwrap();
            let id = rest.split(':').next().unwrap();
            let (rule, file) = current.clone().unwrap();
            m.insert((
                rule,
                file,
                id.to_owned(),
                u64::from_str_radix(off, 16).unwrap(),
            ));
        } else {
            let (rule, path) = line.split_once(' ').unwrap();
            let file = Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            // A rule without string matches still matched.
            m.insert((rule.to_owned(), file.clone(), String::new(), u64::MAX));
            current = Some((rule.to_owned(), file));
        }
    }
    m
}

fn ours(rules: &yara_x::Rules, dir: &Path) -> Matches {
    let mut m = Matches::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let file = p.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&p).unwrap();
        for r in ferret_scan::yara::scan_bytes(rules, &data).unwrap() {
            m.insert((r.rule.clone(), file.clone(), String::new(), u64::MAX));
            for (id, off) in r.patterns {
                m.insert((r.rule.clone(), file.clone(), id, off));
            }
        }
    }
    m
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn matches_equal_the_yara_cli() {
    let dir = ferret_testkit::testdata("yara/signature-base");
    let mut rule_files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yar"))
        .collect();
    rule_files.sort();
    assert!(rule_files.len() >= 10);
    let inputs_dir = tempfile::tempdir().unwrap();
    inputs(&rule_files, inputs_dir.path());
    let mut compared = 0;
    let mut matched_rules = 0;
    let mut refused = Vec::new();
    for rf in &rule_files {
        let c = ferret_scan::yara::compile(rf).unwrap();
        if let Some((f, msg)) = c.failed.first() {
            // yara-x refuses it: reported as an error naming the file (see scan_root's test).
            println!("yara-x refuses {}: {msg}", f.display());
            refused.push(rf.file_name().unwrap().to_string_lossy().into_owned());
            continue;
        }
        let rules = c.rules.unwrap();
        let want = reference(rf, inputs_dir.path());
        let got = ours(&rules, inputs_dir.path());
        assert_eq!(
            got,
            want,
            "{}: ferret (left) and yara -w -s (right) differ",
            rf.display()
        );
        compared += 1;
        matched_rules += want.iter().filter(|m| m.3 == u64::MAX).count();
    }
    println!("{compared} rule files compared, {matched_rules} (rule, file) matches; refused by yara-x: {refused:?}");
    assert!(
        refused.is_empty(),
        "yara-x refuses rule files the yara CLI compiles: {refused:?}"
    );
    // The inputs made the rules fire: a comparison of empty results would prove nothing.
    assert!(matched_rules >= 20, "only {matched_rules} matches");
}

#[test]
fn scan_root_with_rules_bad_files_and_a_rule_that_matches_everything() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    write(root, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644);
    write(
        root,
        "tmp/.x/payload.sh",
        "#!/bin/sh\necho FERRET-TEST-MARKER-42\n",
        0o755,
    );
    for i in 0..1100 {
        write(
            root,
            &format!("tmp/spray/n{i:04}.txt"),
            format!("note {i}\n"),
            0o644,
        );
    }
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(
        rules.path().join("marker.yar"),
        "rule Marker { meta: score = 90 description = \"test marker\" strings: $m = \"FERRET-TEST-MARKER-42\" condition: $m }\n",
    )
    .unwrap();
    std::fs::write(
        rules.path().join("broken.yar"),
        "rule Broken { condition: and }\n",
    )
    .unwrap();
    std::fs::write(
        rules.path().join("all.yar"),
        "rule Everything { condition: true }\n",
    )
    .unwrap();
    let mut o = ScanOptions::default();
    o.yara.rules = Some(rules.path().to_path_buf());
    o.yara.processes = false;
    o.checks = vec![Check::Hidden, Check::Yara, Check::Placement];
    let r = scan(root, &o);
    let y = r.stats.yara.as_ref().unwrap();
    assert_eq!(
        (y.rule_files, y.rule_files_failed, y.rules),
        (2, 1, 2),
        "{y:?}"
    );
    assert_eq!(y.files, 1101, "{y:?}");
    // The bad file is an error naming it; the others ran.
    let broken = rules.path().join("broken.yar");
    assert!(
        r.outcome
            .errors
            .iter()
            .any(|e| e.path.as_deref() == Some(broken.to_str().unwrap())
                && e.message.contains("refused")),
        "{:#?}",
        r.outcome.errors
    );
    // The rule that matches everything is flagged, and its 1100 matches in one directory are
    // one grouped finding.
    assert!(r
        .outcome
        .errors
        .iter()
        .any(|e| e.message.contains("all:Everything") && e.message.contains("too broad")));
    let spray = r
        .outcome
        .findings
        .iter()
        .find(|f| f.subject == "/tmp/spray")
        .unwrap();
    assert_eq!(spray.id, "scan.yara-match");
    assert!(spray.title.starts_with("1100 files"));
    // The marker file: one finding with every reason, critical by the rule's score.
    let p = r
        .outcome
        .findings
        .iter()
        .find(|f| f.subject == "/tmp/.x/payload.sh")
        .unwrap();
    assert_eq!(p.id, "scan.yara-match");
    assert_eq!(p.severity, ferret_core::Severity::Critical);
    assert!(
        p.also_reported_as.contains(&"scan.exec-in-temp".to_owned()),
        "{p:?}"
    );
    assert!(p
        .detail
        .as_deref()
        .unwrap()
        .contains("marker:Marker (test marker)"));
}
