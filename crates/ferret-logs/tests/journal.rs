//! The native journal reader against real journal files written by systemd's own
//! `systemd-journal-remote` (from journal export format) and read back by the real
//! `journalctl`: every entry, every field; and the whole analysis against the same lines read
//! as a plain syslog file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines
)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ferret_core::{Control, HostRoot};
use ferret_logs::envelope::parse;
use ferret_logs::journal::JournalFile;
use ferret_logs::{analyze, analyze_root, Analysis, AnalyzeOptions, Input, YearContext};
/// Options with a fixed year and `jobs` threads.
fn options(year: i64, jobs: usize) -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(year);
    o.jobs = jobs;
    o
}

/// `analyze_root` over these files of `root`.
fn analyze_paths(
    root: &HostRoot,
    paths: &[PathBuf],
    opts: &AnalyzeOptions,
    control: &Control,
) -> Analysis {
    let mut o = opts.clone();
    o.paths = paths.to_vec();
    analyze_root(root, &o, control)
}

const REMOTE: &str = "/usr/lib/systemd/systemd-journal-remote";

/// Whether the real tools are here. Missing in CI is a failure; elsewhere a notice.
fn tools() -> bool {
    let ok = Path::new(REMOTE).exists()
        && Command::new("journalctl")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "systemd-journal-remote / journalctl missing in CI (package systemd-journal-remote)"
        );
        eprintln!("skipped: systemd-journal-remote or journalctl not installed");
    }
    ok
}

/// One entry in journal export format (binary form for values with newlines or non-ASCII).
fn export_entry(out: &mut Vec<u8>, realtime: u64, mono: u64, fields: &[(&str, &[u8])]) {
    out.extend_from_slice(format!("__REALTIME_TIMESTAMP={realtime}\n").as_bytes());
    out.extend_from_slice(format!("__MONOTONIC_TIMESTAMP={mono}\n").as_bytes());
    out.extend_from_slice(b"_BOOT_ID=0123456789abcdef0123456789abcdef\n");
    for (k, v) in fields {
        if v.iter().all(|c| (0x20..0x7f).contains(c)) {
            out.extend_from_slice(k.as_bytes());
            out.push(b'=');
            out.extend_from_slice(v);
        } else {
            out.extend_from_slice(k.as_bytes());
            out.push(b'\n');
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v);
        }
        out.push(b'\n');
    }
    out.push(b'\n');
}

/// Writes `export` into `dir/name` with the real `systemd-journal-remote`.
fn build(dir: &Path, name: &str, export: &[u8], compact: bool) -> PathBuf {
    let out = dir.join(name);
    let mut child = Command::new(REMOTE)
        .arg("-o")
        .arg(&out)
        .arg("-")
        .env("SYSTEMD_JOURNAL_COMPACT", if compact { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(export).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "journal-remote: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let flags = std::fs::read(&out).unwrap()[12];
    assert_eq!(flags & 0x10 != 0, compact, "compact flag as asked");
    out
}

type Fields = BTreeMap<Vec<u8>, Vec<Vec<u8>>>;

fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    match v {
        serde_json::Value::String(s) => s.as_bytes().to_vec(),
        serde_json::Value::Array(a) => a.iter().map(|x| x.as_u64().unwrap() as u8).collect(),
        other => panic!("unexpected JSON value {other}"),
    }
}

/// Every entry as the real `journalctl` prints it (`-o json --all`).
fn journalctl(path: &Path) -> Vec<Fields> {
    let o = Command::new("journalctl")
        .arg("--file")
        .arg(path)
        .args(["-o", "json", "--all", "--no-pager"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut out = Vec::new();
    for line in o.stdout.split(|c| *c == b'\n').filter(|l| !l.is_empty()) {
        let v: serde_json::Value = serde_json::from_slice(line).unwrap();
        let mut m = Fields::new();
        for (k, v) in v.as_object().unwrap() {
            if k == "__CURSOR" || k == "__SEQNUM" || k == "__SEQNUM_ID" {
                continue;
            }
            // A multi-valued field is an array of values; a binary value an array of numbers.
            let vals = match v {
                serde_json::Value::Array(a) if a.iter().any(|x| !x.is_number()) => {
                    a.iter().map(json_bytes).collect()
                }
                v => vec![json_bytes(v)],
            };
            m.insert(k.as_bytes().to_vec(), vals);
        }
        out.push(m);
    }
    out
}

/// Every entry as the native reader yields it (the same keys `journalctl` prints).
fn native(path: &Path) -> (Vec<Fields>, ferret_logs::journal::JournalStats) {
    let f = std::fs::File::open(path).unwrap();
    let size = f.metadata().unwrap().len();
    let mut jf = JournalFile::open("test.journal", f, size).unwrap();
    let mut out = Vec::new();
    while let Some(e) = jf.next_entry() {
        let e = e.unwrap();
        assert_eq!(e.skipped, 0);
        assert_eq!(e.ordinal, out.len() as u64 + 1);
        let mut m = Fields::new();
        for (k, v) in e.fields() {
            m.entry(k.to_vec()).or_default().push(v.to_vec());
        }
        m.insert(
            b"__REALTIME_TIMESTAMP".to_vec(),
            vec![e.realtime.to_string().into_bytes()],
        );
        m.insert(
            b"__MONOTONIC_TIMESTAMP".to_vec(),
            vec![e.monotonic.to_string().into_bytes()],
        );
        let boot: String = e.boot_id.iter().fold(String::new(), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        });
        m.insert(b"_BOOT_ID".to_vec(), vec![boot.into_bytes()]);
        out.push(m);
    }
    (out, jf.stats().clone())
}

/// The sshd lines of fail2ban's annotated log that carry a time, host and tag (the
/// `last message repeated` form, meaningless in a journal, left out).
fn sshd_lines() -> Vec<Vec<u8>> {
    let p = ferret_testkit::testdata("fail2ban/logs/sshd");
    let years = YearContext::fixed_year(2005);
    let text = std::fs::read(p).unwrap();
    let lines: Vec<Vec<u8>> = text
        .split(|c| *c == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
        .filter(|l| {
            let e = parse(l, &years);
            e.time.is_some()
                && e.host.is_some()
                && !e.program.is_empty()
                && !e.message.windows(13).any(|w| w == b"last message ")
        })
        .map(<[u8]>::to_vec)
        .collect();
    assert!(lines.len() > 100, "{} sshd lines", lines.len());
    lines
}

/// The export text of `lines`, one entry per line, with extra entries after every 50th:
/// a binary MESSAGE and a large compressible field (compressed by journald).
fn export_of(lines: &[Vec<u8>], extras: bool) -> Vec<u8> {
    let years = YearContext::fixed_year(2005);
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let e = parse(l, &years);
        let rt = e.time.unwrap().0 as u64;
        let pid = e.pid.map(|p| p.to_string());
        let mut f: Vec<(&str, &[u8])> = vec![
            ("_HOSTNAME", e.host.as_deref().unwrap()),
            ("SYSLOG_IDENTIFIER", &e.program),
            ("MESSAGE", &e.message),
        ];
        if let Some(p) = &pid {
            f.push(("SYSLOG_PID", p.as_bytes()));
        }
        let big = format!("{i} ").repeat(700);
        if extras && i % 50 == 7 {
            f.push(("BIG_FIELD", big.as_bytes()));
        }
        export_entry(&mut out, rt, 1000 + i as u64, &f);
    }
    out
}

#[test]
fn every_entry_matches_journalctl() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut export = Vec::new();
    let bin: &[u8] =
        b"Failed password for ro\xffot from 203.0.113.7 port 22 ssh2\nsecond\x00line\x1b[31m";
    let big_msg = format!(
        "Failed password for root from 198.51.100.4 port 22 ssh2 {}",
        "x".repeat(9000)
    );
    let big_field = "abcdefgh".repeat(4000);
    for i in 0..40u64 {
        let pid = (1000 + i).to_string();
        let msg = format!(
            "Failed password for invalid user u{i} from 203.0.113.9 port {} ssh2",
            40000 + i
        );
        let mut f: Vec<(&str, &[u8])> = vec![
            ("_HOSTNAME", b"web1"),
            ("SYSLOG_IDENTIFIER", b"sshd"),
            ("_PID", pid.as_bytes()),
            ("_COMM", b"sshd"),
            ("PRIORITY", b"6"),
            ("MESSAGE", msg.as_bytes()),
        ];
        match i % 5 {
            1 => f.push(("MESSAGE", bin)),
            2 => f.push(("BIG", big_field.as_bytes())),
            3 => f[5] = ("MESSAGE", big_msg.as_bytes()),
            4 => f.push(("EMPTY", b"")),
            _ => {}
        }
        export_entry(
            &mut export,
            1_700_000_000_000_000 + i * 1_000_000,
            5 + i,
            &f,
        );
    }
    // An entry without MESSAGE, and one with a binary MESSAGE only.
    export_entry(
        &mut export,
        1_700_000_100_000_000,
        100,
        &[("_HOSTNAME", b"web1"), ("X", b"y")],
    );
    export_entry(&mut export, 1_700_000_101_000_000, 101, &[("MESSAGE", bin)]);
    let mut checked = 0;
    for compact in [false, true] {
        let p = build(dir.path(), &format!("t{compact}.journal"), &export, compact);
        let want = journalctl(&p);
        let (got, stats) = native(&p);
        assert_eq!(want.len(), 42);
        assert_eq!(got.len(), want.len(), "entries (compact {compact})");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "entry {} (compact {compact})", i + 1);
            checked += 1;
        }
        // Large fields were compressed by journald (ZSTD on Debian) and decoded here.
        assert!(
            stats.decompressed.iter().sum::<u64>() >= 3,
            "compressed fields decoded: {stats:?}"
        );
        assert_eq!(stats.undecoded, 0);
    }
    assert_eq!(checked, 84);
}

/// Same lines, two containers: a journal file read natively and a syslog file: the same
/// events, sources, timeline and findings (evidence: same ordinal / line numbers).
#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn analysis_equals_plain_syslog() {
    if !tools() {
        return;
    }
    let lines = sshd_lines();
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(2005, 1);
    // fail2ban's sample lines are one or two attempts per source: a low threshold gives the
    // comparison findings to compare.
    opts.thresholds.failures = 2;
    let control = Control::new();
    let mut text = Vec::new();
    for l in &lines {
        text.extend_from_slice(l);
        text.push(b'\n');
    }
    let plain = analyze([Input::reader(&text[..], "auth.log")], &opts, &control);
    assert!(plain.outcome.errors.is_empty());
    for compact in [false, true] {
        std::fs::create_dir_all(dir.path().join("var/log/journal/m")).unwrap();
        let name = format!("var/log/journal/m/s{compact}.journal");
        let p = build(dir.path(), &name, &export_of(&lines, false), compact);
        let root = HostRoot::new(dir.path()).unwrap();
        let inner = PathBuf::from("/").join(&name);
        let j = analyze_paths(&root, std::slice::from_ref(&inner), &opts, &control);
        assert!(j.outcome.errors.is_empty(), "{:?}", j.outcome.errors);
        assert_same(&plain, &j, "auth.log", &inner.display().to_string());
        // From memory: the same again.
        let m = analyze(
            [Input::JournalBytes(
                &std::fs::read(&p).unwrap(),
                inner.to_str().unwrap().as_bytes().to_vec(),
            )],
            &opts,
            &control,
        );
        assert_same(&plain, &m, "auth.log", &inner.display().to_string());
        // Through `analyze_files`, recognised by its signature under any name: the same.
        let renamed = dir.path().join("var/log/exported.bin");
        std::fs::copy(&p, &renamed).unwrap();
        let f = analyze_paths(
            &root,
            &[PathBuf::from("/var/log/exported.bin")],
            &opts,
            &control,
        );
        assert!(f.outcome.errors.is_empty(), "{:?}", f.outcome.errors);
        assert_same(&plain, &f, "auth.log", "/var/log/exported.bin");
        std::fs::remove_file(&renamed).unwrap();
        std::fs::remove_file(&p).unwrap();
    }
}

fn assert_same(plain: &Analysis, j: &Analysis, plain_name: &str, jname: &str) {
    assert_eq!(j.lines, plain.lines);
    assert_eq!(j.unparsed, plain.unparsed);
    assert_eq!(j.unrecognized, plain.unrecognized);
    assert_eq!(j.events, plain.events);
    assert!(j.events.values().sum::<u64>() > 100, "{:?}", j.events);
    assert_eq!(j.sources, plain.sources);
    assert_eq!(j.hours, plain.hours);
    assert_eq!(j.window, plain.window);
    let mut pf = serde_json::to_string(&plain.outcome.findings).unwrap();
    pf = pf.replace(plain_name, jname);
    let jf = serde_json::to_string(&j.outcome.findings).unwrap();
    assert!(!j.outcome.findings.is_empty());
    assert_eq!(jf, pf);
}

/// `analyze_root` of a journald-only host (no auth.log) reads the journal; with an auth.log
/// beside it (rsyslog), the journal is left alone (it holds the same messages).
#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn analyze_root_reads_the_journal_of_journald_only_hosts() {
    if !tools() {
        return;
    }
    let mut lines = sshd_lines();
    // In time order, so that the two files do not overlap.
    let years = YearContext::fixed_year(2005);
    lines.sort_by_key(|l| parse(l, &years).time);
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = lines.split_at(lines.len() / 2);
    let jdir = dir
        .path()
        .join("var/log/journal/0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&jdir).unwrap();
    std::fs::create_dir_all(dir.path().join("run/log/journal")).unwrap();
    // Archived first half, active second half (name order is the other way round).
    build(&jdir, "system@0001-0002.journal", &export_of(a, true), true);
    build(&jdir, "system.journal", &export_of(b, true), false);
    std::fs::write(jdir.join("notes.txt"), b"not a journal").unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let found = ferret_logs::discover_journals(&root);
    assert_eq!(found.len(), 2, "{found:?}");
    let opts = options(2005, 1);
    let control = Control::new();
    let r = ferret_logs::analyze_root(&root, &opts, &control);
    assert!(r.outcome.errors.is_empty(), "{:?}", r.outcome.errors);
    assert_eq!(r.files.len(), 2);
    assert!(
        r.files[0].path.ends_with("system@0001-0002.journal"),
        "head realtime order"
    );
    assert_eq!(r.lines, lines.len() as u64);
    assert!(r.missing.contains(&"/var/log/auth.log".to_string()));
    // The same as one plain file in time order.
    let mut text = Vec::new();
    for l in &lines {
        text.extend_from_slice(l);
        text.push(b'\n');
    }
    let plain = analyze([Input::reader(&text[..], "auth.log")], &opts, &control);
    assert_eq!(r.events, plain.events);
    assert_eq!(r.window, plain.window);
    assert_eq!(
        r.outcome
            .findings
            .iter()
            .map(|f| (&f.id, &f.subject))
            .collect::<Vec<_>>(),
        plain
            .outcome
            .findings
            .iter()
            .map(|f| (&f.id, &f.subject))
            .collect::<Vec<_>>()
    );
    // rsyslog host: auth.log present, journal not read twice.
    std::fs::write(dir.path().join("var/log/auth.log"), &text).unwrap();
    let r2 = ferret_logs::analyze_root(&root, &opts, &control);
    assert_eq!(r2.files.len(), 1);
    assert_eq!(r2.events, plain.events);
}

// ---- hand-built files: compression journald here does not write, hostile layouts ----

/// One entry for [`synth`]: realtime and fields.
type SynthEntry = (u64, Vec<(Vec<u8>, Vec<u8>)>);

fn align8(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
}

fn object(out: &mut Vec<u8>, ty: u8, flags: u8, body: &[u8]) -> u64 {
    align8(out);
    let off = out.len() as u64;
    out.push(ty);
    out.push(flags);
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&(16 + body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    off
}

/// A minimal journal file laid out as the format describes (header, DATA objects, ENTRY
/// objects, one entry array); `compress`: 0 none, 1 XZ, 2 LZ4 (object flags).
fn synth(entries: &[SynthEntry], compact: bool, compress: u8) -> Vec<u8> {
    const HS: usize = 272;
    let mut out = vec![0u8; HS];
    let mut entry_offs = Vec::new();
    let mut n_objects = 0u64;
    for (i, (rt, fields)) in entries.iter().enumerate() {
        let mut items = Vec::new();
        for (k, v) in fields {
            let mut payload = k.clone();
            payload.push(b'=');
            payload.extend_from_slice(v);
            let data = match compress {
                1 => {
                    let mut z = Vec::new();
                    lzma_rs::xz_compress(&mut &payload[..], &mut z).unwrap();
                    z
                }
                2 => {
                    let mut z = (payload.len() as u64).to_le_bytes().to_vec();
                    z.extend_from_slice(&lz4_flex::block::compress(&payload));
                    z
                }
                _ => payload,
            };
            let mut body = vec![0u8; 48 + if compact { 8 } else { 0 }];
            body.extend_from_slice(&data);
            let flags = match compress {
                1 => 1,
                2 => 2,
                _ => 0,
            };
            items.push(object(&mut out, 1, flags, &body));
            n_objects += 1;
        }
        let mut body = Vec::new();
        body.extend_from_slice(&(i as u64 + 1).to_le_bytes()); // seqnum
        body.extend_from_slice(&rt.to_le_bytes());
        body.extend_from_slice(&(1000 + i as u64).to_le_bytes());
        body.extend_from_slice(&[7; 16]);
        body.extend_from_slice(&0u64.to_le_bytes()); // xor hash
        for it in items {
            if compact {
                body.extend_from_slice(&(it as u32).to_le_bytes());
            } else {
                body.extend_from_slice(&it.to_le_bytes());
                body.extend_from_slice(&0u64.to_le_bytes());
            }
        }
        entry_offs.push(object(&mut out, 3, 0, &body));
        n_objects += 1;
    }
    let mut body = 0u64.to_le_bytes().to_vec();
    for e in &entry_offs {
        if compact {
            body.extend_from_slice(&(*e as u32).to_le_bytes());
        } else {
            body.extend_from_slice(&e.to_le_bytes());
        }
    }
    let array = object(&mut out, 6, 0, &body);
    n_objects += 1;
    align8(&mut out);
    let mut flags = 0u32;
    if compact {
        flags |= 0x10;
    }
    flags |= match compress {
        1 => 1,
        2 => 2,
        _ => 0,
    };
    let h = &mut out[..HS];
    h[..8].copy_from_slice(b"LPKSHHRH");
    h[12..16].copy_from_slice(&flags.to_le_bytes());
    let put = |h: &mut [u8], at: usize, v: u64| h[at..at + 8].copy_from_slice(&v.to_le_bytes());
    let total = out.len() as u64;
    let h = &mut out[..HS];
    put(h, 88, HS as u64);
    put(h, 96, total - HS as u64);
    put(h, 136, array);
    put(h, 144, n_objects);
    put(h, 152, entries.len() as u64);
    put(h, 176, array);
    put(h, 184, entries.first().map_or(0, |e| e.0));
    out
}

fn synth_entries(n: usize) -> Vec<SynthEntry> {
    (0..n)
        .map(|i| {
            (
                1_700_000_000_000_000 + i as u64 * 10_000_000,
                vec![
                    (b"_HOSTNAME".to_vec(), b"web1".to_vec()),
                    (b"SYSLOG_IDENTIFIER".to_vec(), b"sshd".to_vec()),
                    (b"_PID".to_vec(), format!("{}", 100 + i).into_bytes()),
                    (
                        b"MESSAGE".to_vec(),
                        format!(
                            "Failed password for root from 203.0.113.{} port 22 ssh2",
                            9 + i % 2
                        )
                        .into_bytes(),
                    ),
                    (b"BIG".to_vec(), b"0123456789".repeat(100)),
                ],
            )
        })
        .collect()
}

fn read_all(data: &[u8]) -> (Vec<ferret_logs::JournalEntry>, usize) {
    let mut jf = JournalFile::open("test.journal", data, data.len() as u64).unwrap();
    let (mut ok, mut err) = (Vec::new(), 0);
    while let Some(e) = jf.next_entry() {
        match e {
            Ok(e) => ok.push(e),
            Err(_) => err += 1,
        }
    }
    (ok, err)
}

#[test]
fn xz_and_lz4_fields_decode() {
    let entries = synth_entries(12);
    for compact in [false, true] {
        for compress in [0u8, 1, 2] {
            let data = synth(&entries, compact, compress);
            let (got, err) = read_all(&data);
            assert_eq!(err, 0);
            assert_eq!(
                got.len(),
                entries.len(),
                "compact {compact} compress {compress}"
            );
            for (g, (rt, fields)) in got.iter().zip(&entries) {
                assert_eq!(g.realtime, *rt);
                assert_eq!(g.skipped, 0);
                let f: Vec<(Vec<u8>, Vec<u8>)> =
                    g.fields().map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
                assert_eq!(&f, fields);
            }
            let a = analyze(
                [Input::JournalBytes(&data, b"j".to_vec())],
                &AnalyzeOptions::default(),
                &Control::new(),
            );
            assert_eq!(a.events.get("ssh-failed"), Some(&12), "{:?}", a.events);
            assert!(a
                .outcome
                .findings
                .iter()
                .any(|f| f.id == "logs.brute-force"));
            assert!(a.outcome.errors.is_empty(), "{:?}", a.outcome.errors);
        }
    }
}

#[test]
fn refuses_what_it_does_not_know() {
    let mut data = synth(&synth_entries(2), false, 0);
    data[12] |= 0x20;
    let e = JournalFile::open("test.journal", &data[..], data.len() as u64).unwrap_err();
    assert!(
        e.to_string()
            .contains("unsupported incompatible flags 0x20"),
        "{e}"
    );
    let a = analyze(
        [Input::JournalBytes(&data, b"x.journal".to_vec())],
        &AnalyzeOptions::default(),
        &Control::new(),
    );
    assert_eq!(a.outcome.errors.len(), 1);
    assert_eq!(a.lines, 0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.journal"), &data).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    let e = JournalFile::open_root(&root, Path::new("/x.journal")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/x.journal: unsupported incompatible flags"),
        "{e}"
    );
    data[12] &= !0x20;
    std::fs::write(dir.path().join("y.journal"), &data).unwrap();
    let jf = JournalFile::open_root(&root, Path::new("/y.journal")).unwrap();
    assert_eq!(jf.header().n_entries, 2);
    std::os::unix::fs::symlink("y.journal", dir.path().join("z.journal")).unwrap();
    assert!(
        JournalFile::open_root(&root, Path::new("/z.journal")).is_err(),
        "no symlink followed"
    );
    let e = JournalFile::open("test.journal", &b"LPKSHHRH\0\0"[..], 10).unwrap_err();
    assert!(e.to_string().contains("truncated header"), "{e}");
    let e =
        JournalFile::open("test.journal", &b"Mar  1 10:00:00 web sshd[1]: x"[..], 30).unwrap_err();
    assert!(e.to_string().contains("not a journal file"), "{e}");
}

/// A cycle in the entry-array chain and an entry array pointing backwards end the chain
/// with an error; the linear walk recovers the entries after the last good one.
#[test]
fn broken_chains_end_and_are_recovered() {
    let entries = synth_entries(6);
    let data = synth(&entries, false, 0);
    let array = u64::from_le_bytes(data[176..184].try_into().unwrap()) as usize;
    // Next pointer to itself: a cycle.
    let mut cyc = data.clone();
    cyc[array + 16..array + 24].copy_from_slice(&(array as u64).to_le_bytes());
    // Fill the slots so the chain follows `next`: the array claims more entries.
    cyc[152..160].copy_from_slice(&100u64.to_le_bytes());
    let (got, err) = read_all(&cyc);
    assert_eq!(got.len(), 6);
    assert_eq!(err, 1, "the cycle is reported once");
    // The third slot points back to the first entry: error, then the linear walk finds
    // entries 3..6 after entry 2.
    let mut back = data.clone();
    let first = back[array + 24..array + 32].to_vec();
    back[array + 40..array + 48].copy_from_slice(&first);
    let (got, err) = read_all(&back);
    assert_eq!(err, 1);
    assert_eq!(
        got.iter().map(|e| e.seqnum).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    // Header counters behind the objects: an archived (offline) file stops at n_entries as
    // journalctl does; an online (live or dirty) one walks the tail for the rest.
    let mut lag = data.clone();
    lag[152..160].copy_from_slice(&3u64.to_le_bytes());
    assert_eq!(read_all(&lag), (read_all(&data).0[..3].to_vec(), 0));
    lag[16] = 1;
    let mut jf = JournalFile::open("test.journal", &lag[..], lag.len() as u64).unwrap();
    let mut seq = Vec::new();
    while let Some(e) = jf.next_entry() {
        seq.push(e.unwrap().seqnum);
    }
    assert_eq!(seq, [1, 2, 3, 4, 5, 6]);
    assert_eq!(jf.stats().recovered, 3);
    // Entry array offset garbage: everything comes from the linear walk.
    let mut bad = data.clone();
    bad[176..184].copy_from_slice(&7u64.to_le_bytes());
    let (got, err) = read_all(&bad);
    assert_eq!((got.len(), err), (6, 1));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Truncated copies give a prefix of the entries (each equal to the full file's entry
    /// at that offset) and errors, never a panic.
    #[test]
    fn truncated_copies(cut in 0usize..100_000, compact in proptest::bool::ANY, compress in 0u8..3) {
        let data = synth(&synth_entries(8), compact, compress);
        let (full, _) = read_all(&data);
        let cut = cut % (data.len() + 1);
        let part = &data[..cut];
        if let Ok(mut jf) = JournalFile::open("test.journal", part, part.len() as u64) {
            while let Some(e) = jf.next_entry() {
                if let Ok(e) = e {
                    let same = full.iter().find(|f| f.offset == e.offset).unwrap();
                    proptest::prop_assert_eq!(same, &e);
                }
            }
        }
        let _ = analyze([Input::JournalBytes(part, b"t".to_vec())], &AnalyzeOptions::default(), &Control::new());
    }

    /// Bit-flipped copies: errors or partial results, never a panic or a hang.
    #[test]
    fn bit_flipped_copies(flips in proptest::collection::vec((0usize..100_000, 0u8..8), 1..12),
                          compact in proptest::bool::ANY, compress in 0u8..3) {
        let mut data = synth(&synth_entries(8), compact, compress);
        for (at, bit) in flips {
            let n = data.len();
            data[at % n] ^= 1 << bit;
        }
        if let Ok(mut jf) = JournalFile::open("test.journal", &data[..], data.len() as u64) {
            let mut n = 0;
            while let Some(_e) = jf.next_entry() {
                n += 1;
                proptest::prop_assert!(n < 10_000);
            }
        }
        let _ = analyze([Input::JournalBytes(&data, b"t".to_vec())], &AnalyzeOptions::default(), &Control::new());
    }
}

/// The real tool's files, truncated and bit-flipped: never a panic; a truncated copy yields
/// entries equal to the whole file's.
#[test]
fn real_files_truncated_and_flipped() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut export = Vec::new();
    for i in 0..30u64 {
        let msg = format!("Failed password for invalid user u{i} from 203.0.113.9 port 22 ssh2");
        let big = format!("{i}-").repeat(400);
        export_entry(
            &mut export,
            1_700_000_000_000_000 + i,
            i + 1,
            &[
                ("SYSLOG_IDENTIFIER", b"sshd"),
                ("MESSAGE", msg.as_bytes()),
                ("BIG", big.as_bytes()),
            ],
        );
    }
    for compact in [false, true] {
        let p = build(dir.path(), &format!("r{compact}.journal"), &export, compact);
        let data = std::fs::read(&p).unwrap();
        let (full, err) = read_all(&data);
        assert_eq!((full.len(), err), (30, 0));
        let used = full.last().unwrap().offset as usize + 64 + 3 * 16;
        let mut k = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..150 {
            k = k
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let cut = (k >> 20) as usize % used;
            let part = &data[..cut];
            if let Ok(mut jf) = JournalFile::open("test.journal", part, cut as u64) {
                while let Some(e) = jf.next_entry() {
                    if let Ok(e) = e {
                        assert_eq!(full.iter().find(|f| f.offset == e.offset).unwrap(), &e);
                    }
                }
            }
            let mut flipped = data[..used].to_vec();
            for j in 0..=(round % 8) {
                let at = ((k >> (j * 3)) as usize).wrapping_mul(2_654_435_761) % used;
                flipped[at] ^= 1 << (j % 8);
            }
            let a = analyze(
                [Input::JournalBytes(&flipped, b"f".to_vec())],
                &AnalyzeOptions::default(),
                &Control::new(),
            );
            assert!(a.lines <= 30 + 16, "{}", a.lines);
        }
    }
}

/// fail2ban's `sshd-journal` lines (what journald holds for sshd: `host sshd[pid]: msg`, no
/// time) and its `sshd` lines, each stored as a journal entry by the real tool and read back
/// natively: every entry gives the same envelope fields and the same event as the line.
#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn fail2ban_lines_as_journal_entries_give_the_same_events() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let years = YearContext::fixed_year(2005);
    let mut total = 0;
    let mut failures = 0;
    for rel in ["fail2ban/logs/sshd-journal", "fail2ban/logs/sshd"] {
        let p = ferret_testkit::testdata(rel);
        let text = std::fs::read(p).unwrap();
        let lines: Vec<&[u8]> = text
            .split(|c| *c == b'\n')
            .filter(|l| !l.is_empty() && !l.starts_with(b"#"))
            .filter(|l| !parse(l, &years).program.is_empty())
            .collect();
        let mut export = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let e = parse(l, &years);
            let pid = e.pid.map(|p| p.to_string());
            let mut f: Vec<(&str, &[u8])> =
                vec![("SYSLOG_IDENTIFIER", &e.program), ("MESSAGE", &e.message)];
            if let Some(h) = e.host.as_deref() {
                f.push(("_HOSTNAME", h));
            }
            if let Some(p) = &pid {
                f.push(("SYSLOG_PID", p.as_bytes()));
            }
            export_entry(
                &mut export,
                1_120_000_000_000_000 + i as u64,
                i as u64 + 1,
                &f,
            );
        }
        let name = rel.replace('/', "_") + ".journal";
        let p = build(dir.path(), &name, &export, true);
        let f = std::fs::File::open(&p).unwrap();
        let size = f.metadata().unwrap().len();
        let mut jf = JournalFile::open("test.journal", f, size).unwrap();
        let mut n = 0;
        while let Some(entry) = jf.next_entry() {
            let entry = entry.unwrap();
            let line = lines[n];
            n += 1;
            let want = parse(line, &years);
            let got = entry.envelope().unwrap();
            assert_eq!(got.program, want.program, "{rel} entry {n}");
            assert_eq!(got.pid, want.pid, "{rel} entry {n}");
            assert_eq!(got.host, want.host, "{rel} entry {n}");
            assert_eq!(got.message, want.message, "{rel} entry {n}");
            let ev_want = ferret_logs::parse_message(&want.program, want.pid, &want.message);
            let ev_got = ferret_logs::parse_message(&got.program, got.pid, &got.message);
            assert_eq!(ev_got, ev_want, "{rel} entry {n}");
            failures += usize::from(
                ev_got
                    .as_ref()
                    .is_some_and(ferret_logs::EventKind::is_auth_failure),
            );
        }
        assert_eq!(n, lines.len(), "{rel}");
        total += n;
    }
    eprintln!(
        "{total} fail2ban lines as journal entries: same envelope and event; {failures} failures"
    );
    assert!(total > 250 && failures > 100, "{total} {failures}");
}

/// A real dirty file: `systemd-journal-remote` killed (SIGKILL) while writing leaves the file
/// `online`, as a crash leaves `*.journal~`. Every entry `journalctl` reads from it, the
/// native reader reads the same (and possibly more from the tail walk).
#[test]
fn dirty_file_of_a_killed_writer() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("system.journal~");
    let mut child = Command::new(REMOTE)
        .arg("-o")
        .arg(dir.path().join("system.journal"))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut export = Vec::new();
    for i in 0..500u64 {
        let msg = format!("Failed password for root from 203.0.113.9 port {i} ssh2");
        export_entry(
            &mut export,
            1_700_000_000_000_000 + i,
            i + 1,
            &[("SYSLOG_IDENTIFIER", b"sshd"), ("MESSAGE", msg.as_bytes())],
        );
    }
    stdin.write_all(&export).unwrap();
    stdin.flush().unwrap();
    // Wait until entries are on disk, then kill the writer without letting it close the file.
    let p = dir.path().join("system.journal");
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if Command::new("journalctl")
            .arg("--file")
            .arg(&p)
            .args(["-o", "cat", "--no-pager"])
            .output()
            .is_ok_and(|o| o.stdout.split(|c| *c == b'\n').count() > 400)
        {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    std::fs::rename(&p, &out).unwrap();
    let data = std::fs::read(&out).unwrap();
    assert_eq!(data[16], 1, "left online (dirty)");
    let want = journalctl(&out);
    let (got, stats) = native(&out);
    assert!(!want.is_empty());
    assert!(got.len() >= want.len(), "{} < {}", got.len(), want.len());
    assert_eq!(&got[..want.len()], &want[..]);
    assert_eq!(stats.bad_entries, 0);
    // Found by discovery and analysed through the host root.
    let root = HostRoot::new(dir.path()).unwrap();
    let files = ferret_logs::journal::journal_files_in(&root, Path::new("/"));
    assert_eq!(files, [PathBuf::from("/system.journal~")]);
    let a = analyze_paths(&root, &files, &AnalyzeOptions::default(), &Control::new());
    assert_eq!(a.lines, got.len() as u64);
    assert!(a
        .outcome
        .findings
        .iter()
        .any(|f| f.id == "logs.brute-force"));
}

/// Reading journal files reports progress through the control: inputs started and bytes read,
/// growing.
#[test]
fn journal_reading_reports_progress() {
    use std::sync::{Arc, Mutex};
    let data = synth(&synth_entries(20_000), false, 0);
    let seen: Arc<Mutex<Vec<ferret_core::Progress>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let control = Control::new().with_progress(move |p| sink.lock().unwrap().push(p));
    let a = analyze(
        [Input::JournalBytes(&data, b"big.journal".to_vec())],
        &AnalyzeOptions::default(),
        &control,
    );
    assert_eq!(a.lines, 20_000);
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() >= 2,
        "{} reports for {} bytes",
        seen.len(),
        data.len()
    );
    let last = seen.last().unwrap();
    assert_eq!(last.items_done, 1);
    // Bytes read, not the size: windows evicted from the reader's 4 MiB cache are read again.
    let size = data.len() as u64;
    assert!(
        last.bytes_done > size / 2 && last.bytes_done < size * 2,
        "{} of {}",
        last.bytes_done,
        data.len()
    );
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
}
