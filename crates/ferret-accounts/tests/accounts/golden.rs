//! Golden outputs: "nothing changed". The audit and the diff over third-party account files
//! (shadow-maint's pwck/grpck cases, glibc's nss tests) and over the committed fuzz corpora are
//! compared with the JSON committed under `tests/golden/`.
//!
//! A golden keeps, per finding, its severity, id, subject, title and evidence `path:line`, and
//! per error its path, line and message: no excerpt, no detail, so no third-party text beyond
//! names and line numbers. After an intended change, rewrite them with
//! `FERRET_BLESS=1 FERRET_TESTDATA=../shared/data cargo test -p ferret-accounts golden` and
//! review the diff.
//!
//! Left out, because they depend on who runs the test and on the file modes of the checkout:
//! `accounts.file-permissions`, `accounts.home-owner` and `accounts.home-world-writable` (the
//! planted-root tests in `audit_cases.rs` cover them).

use ferret_accounts::{audit, audit_root, diff, diff_roots, AuditOptions, Snapshot, SourceFile};
use ferret_core::{Control, Outcome};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Cases by name: the reduced outcome of each.
type Cases = BTreeMap<String, Value>;

/// Findings that depend on the machine running the test rather than on the account files.
const MACHINE_DEPENDENT: &[&str] = &[
    "accounts.file-permissions",
    "accounts.home-owner",
    "accounts.home-world-writable",
];

/// A fixed "today" (2024-10-04), so the aging checks do not move with the clock.
const TODAY: i64 = 20_000;

fn opts() -> AuditOptions {
    let mut o = AuditOptions::default();
    o.today = Some(TODAY);
    o
}

/// What a golden keeps of an outcome (see the module docs).
fn reduce(out: &Outcome) -> Value {
    let findings: Vec<Value> = out
        .findings
        .iter()
        .filter(|f| !MACHINE_DEPENDENT.contains(&f.id.as_str()))
        .map(|f| {
            let ev: Vec<String> = f.evidence.iter().map(ToString::to_string).collect();
            json!([f.severity.as_str(), f.id, f.subject, f.title, ev])
        })
        .collect();
    let errors: Vec<Value> = out
        .errors
        .iter()
        .map(|e| json!([e.path, e.line, e.message]))
        .collect();
    json!({ "findings": findings, "errors": errors })
}

/// The golden text: one case per key, one finding or error per line (readable diffs).
fn render(cases: &Cases) -> String {
    let mut s = String::from("{\n");
    for (i, (name, v)) in cases.iter().enumerate() {
        s += &format!("  {}: {{\n", json!(name));
        for (j, key) in ["findings", "errors"].into_iter().enumerate() {
            let items = v[key].as_array().unwrap();
            s += &format!("    \"{key}\": [");
            for (k, item) in items.iter().enumerate() {
                s += if k == 0 { "\n" } else { ",\n" };
                s += &format!("      {}", serde_json::to_string(item).unwrap());
            }
            s += if items.is_empty() { "]" } else { "\n    ]" };
            s += if j == 0 { ",\n" } else { "\n" };
        }
        s += if i + 1 == cases.len() {
            "  }\n"
        } else {
            "  },\n"
        };
    }
    s += "}\n";
    s
}

fn golden_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"))
}

/// Compares `cases` with `tests/golden/<name>.json`, or rewrites it when `FERRET_BLESS` is set.
fn check(name: &str, cases: &Cases) {
    let findings: usize = cases
        .values()
        .map(|v| v["findings"].as_array().unwrap().len())
        .sum();
    assert!(
        cases.len() >= 3 && findings >= 10,
        "{name}: only {} cases, {findings} findings",
        cases.len()
    );
    // the text must be JSON (a reader may load it with any tool)
    let text = render(cases);
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.as_object().unwrap().len(), cases.len());
    let path = golden_path(name);
    if std::env::var_os("FERRET_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        eprintln!("blessed {} ({} cases)", path.display(), cases.len());
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (write it with FERRET_BLESS=1, review, commit)",
            path.display()
        )
    });
    if want == text {
        return;
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), text.lines().collect());
    let mut diff = Vec::new();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied(), g.get(i).copied());
        if a != b {
            diff.push(format!(
                "line {}:\n  golden: {}\n  now:    {}",
                i + 1,
                a.unwrap_or("<none>"),
                b.unwrap_or("<none>")
            ));
        }
    }
    panic!(
        "{} differs ({} lines; first ones below). If the change is intended, rerun with FERRET_BLESS=1 and review the diff.\n{}",
        path.display(),
        diff.len(),
        diff.iter().take(12).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = ferret_testkit::fuzz::corpus_dir(target);
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = format!("{target}/{}", p.file_name().unwrap().to_string_lossy());
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "{target}: empty corpus");
    v
}

#[test]
fn golden_fuzz_corpora() {
    let opts = opts();
    let mut cases = Cases::new();
    // each parser's corpus read as all four files at once (as the fuzz target does)
    for target in [
        "accounts_passwd",
        "accounts_shadow",
        "accounts_group",
        "accounts_gshadow",
    ] {
        for (name, data) in corpus(target) {
            let d = Some(data.as_slice());
            let snap = Snapshot::from_bytes(d, d, d, d);
            cases.insert(name, reduce(&audit(&snap.view(), &opts, &Control::new())));
        }
    }
    // login.defs beside a small account set that its policy applies to
    for (name, data) in corpus("accounts_login_defs") {
        let mut snap = Snapshot::from_bytes(
            Some(b"root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nsvc:x:500:500::/srv:/bin/sh\n"),
            Some(b"root:$6$rounds=1000$s$h:19000:0:99999:7:::\nalice:$5$s$h:19000::::::\nsvc:$y$j9T$s$h:19000:0::7:::\n"),
            Some(b"root:x:0:\nalice:x:1000:\nsvc:x:500:\n"),
            None,
        );
        snap.login_defs = SourceFile::from_bytes("/etc/login.defs", data);
        cases.insert(name, reduce(&audit(&snap.view(), &opts, &Control::new())));
    }
    // each password field in a shadow entry, and in the passwd entry itself
    for (name, data) in corpus("accounts_password") {
        let mut shadow = b"alice:".to_vec();
        shadow.extend_from_slice(&data);
        shadow.extend_from_slice(b":19000:0:99999:7:::\n");
        let mut passwd = b"root:x:0:0::/root:/bin/sh\nbob:".to_vec();
        passwd.extend_from_slice(&data);
        passwd.extend_from_slice(
            b":1001:1001::/home/bob:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
        );
        let snap = Snapshot::from_bytes(Some(&passwd), Some(&shadow), None, None);
        cases.insert(name, reduce(&audit(&snap.view(), &opts, &Control::new())));
    }
    // diff: the two halves of each input (split at the first NUL, as the fuzz target does)
    for (name, data) in corpus("accounts_diff") {
        let mut parts = data.splitn(2, |&b| b == 0);
        let a = parts.next().unwrap_or_default();
        let b = parts.next().unwrap_or_default();
        let sa = Snapshot::from_bytes(Some(a), Some(a), Some(a), Some(a));
        let sb = Snapshot::from_bytes(Some(b), Some(b), Some(b), Some(b));
        cases.insert(name, reduce(&diff(&sa.view(), &sb.view(), &Control::new())));
    }
    check("fuzz-corpora", &cases);
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn golden_cktools() {
    let base = ferret_testkit::testdata("shadow-maint");
    let index = crate::cktools::index(&base);
    let opts = opts();
    let mut audits = Cases::new();
    let mut diffs = Cases::new();
    let mut previous: Option<(String, tempfile::TempDir, ferret_core::HostRoot)> = None;
    for (case, _, _) in &index {
        let (tmp, root) = crate::cktools::build_root(&base.join("tests/cktools").join(case));
        audits.insert(
            case.clone(),
            reduce(&audit_root(&root, &opts, &Control::new())),
        );
        // each case's files against the next case's: real files, real differences
        if let Some((prev, _tmp, prev_root)) = &previous {
            diffs.insert(
                format!("{prev} -> {case}"),
                reduce(&diff_roots(prev_root, &root, &Control::new())),
            );
        }
        previous = Some((case.clone(), tmp, root));
    }
    assert!(audits.len() >= 60, "{} cases", audits.len());
    check("cktools-audit", &audits);
    check("cktools-diff", &diffs);
}

/// Every C string literal of a glibc test that looks like an account line (a `:` and no
/// printf directive), one per line.
fn glibc_lines(src: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in src.lines() {
        let mut rest = line;
        while let Some(s) = rest.find('"') {
            let after = &rest[s + 1..];
            let Some(e) = after.find('"') else { break };
            let lit = after[..e].replace("\\n", "\n").replace("\\t", "\t");
            if lit.contains(':') && !lit.contains('%') {
                out.extend_from_slice(lit.trim_end_matches('\n').as_bytes());
                out.push(b'\n');
            }
            rest = &after[e + 1..];
        }
    }
    out
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn golden_glibc() {
    let dir = ferret_testkit::testdata("glibc/nss");
    let opts = opts();
    let mut cases = Cases::new();
    let root = ferret_core::HostRoot::new(dir.join("tst-nss-compat1.root")).unwrap();
    cases.insert(
        "tst-nss-compat1.root".to_owned(),
        reduce(&audit_root(&root, &opts, &Control::new())),
    );
    for (file, kind) in [
        ("tst-putpwent.c", 0),
        ("tst-putspent.c", 1),
        ("tst-putgrent.c", 2),
        ("tst-putsgent.c", 3),
        ("tst-fgetsgent_r.c", 3),
        ("tst-sgetsgent.c", 3),
    ] {
        let data = glibc_lines(&std::fs::read_to_string(dir.join(file)).unwrap());
        let mut files: [Option<&[u8]>; 4] = [None; 4];
        files[kind] = Some(&data);
        let snap = Snapshot::from_bytes(files[0], files[1], files[2], files[3]);
        cases.insert(
            file.to_owned(),
            reduce(&audit(&snap.view(), &opts, &Control::new())),
        );
    }
    check("glibc", &cases);
}
