//! shadow-maint's pwck/grpck test cases (tests/cktools): every problem pwck/grpck reports,
//! ferret reports too.
//!
//! Two sources of truth per case:
//! 1. the expected messages of the shadow-maint suite (INDEX-cktools.txt, generated from the
//!    cases' expect scripts and expected outputs), and
//! 2. when running as root with pwck/grpck installed, the real `pwck -r -R` and `grpck -r -R`
//!    run on the same temporary root ferret audits (their home/shell checks then see the same
//!    tree as ferret's).
//!
//! Each message is mapped to the ferret finding that must exist (id, file, line or subject).
//! A message this test does not understand fails it, so nothing is skipped silently.
//!
//! Deliberate differences (ferret reports more, never less):
//! - pwck refuses to run on a locked database (cases 23/24, 33/34: exit 4); ferret reads
//!   without locking and reports the lock file as `accounts.lock-file` (info).
//! - usage cases (22, 25-27, 28-30, 37 of grpck) test the command line, not the data: there is
//!   nothing to compare; they are listed and checked to hold no data message.
//! - pwck ignores NIS `+`/`-` lines; ferret reports them (`accounts.nis-compat-line`, low).
//! - duplicates: pwck reports each line it would delete; ferret reports one finding per
//!   duplicated name whose evidence lists every line (the test checks the line is among them).
//! - "local" cases run pwck on copies in tmp/; ferret audits the same bytes at /etc/.
//! - grpck case 31 runs `grpck tmp/group` without a gshadow file argument; ferret also checks
//!   the gshadow file of the root, so it reports more.

use ferret_accounts::{audit_root, AuditOptions, Snapshot};
use ferret_core::{Control, Finding, HostRoot};
use std::path::Path;

const PW: &str = "/etc/passwd";
const SH: &str = "/etc/shadow";
const GR: &str = "/etc/group";
const GS: &str = "/etc/gshadow";

/// What one pwck/grpck message requires of ferret.
#[derive(Debug)]
struct Req {
    ids: &'static [&'static str],
    file: &'static str,
    /// The exact line the message quotes (`delete line '...'`).
    line_text: Option<String>,
    /// The subject (user/group/member name) the finding must carry.
    subject: Option<String>,
    /// A substring the finding's detail must contain.
    detail: Option<String>,
}

fn quoted(s: &str, after: &str) -> Option<String> {
    let rest = &s[s.find(after)? + after.len()..];
    let end = rest.rfind('\'')?;
    Some(rest[..end].to_owned())
}

fn between<'a>(s: &'a str, a: &str, b: &str) -> Option<&'a str> {
    let start = s.find(a)? + a.len();
    let end = s[start..].find(b)? + start;
    Some(&s[start..end])
}

/// Maps message `msg` (with the following message line `next`) to a requirement. `Ok(None)`:
/// not a data problem (prompt, summary, usage). `Err`: not understood.
fn requirement(msg: &str, next: Option<&str>) -> Result<Option<Req>, String> {
    let msg = msg.trim_end();
    let del = next.and_then(|n| quoted(n, "delete line '"));
    let req = |ids, file, line_text, subject: Option<&str>, detail: Option<String>| {
        Ok(Some(Req {
            ids,
            file,
            line_text,
            subject: subject.map(str::to_owned),
            detail,
        }))
    };
    let dup = &["accounts.duplicate-name", "accounts.duplicate-entry"][..];
    let mal = &["accounts.malformed-line"][..];
    match msg {
        "invalid password file entry" => req(mal, PW, del, None, None),
        "invalid shadow password file entry" => req(mal, SH, del, None, None),
        "invalid group file entry" => req(mal, GR, del, None, None),
        "invalid shadow group file entry" => req(mal, GS, del, None, None),
        "duplicate password entry" => req(dup, PW, del, None, None),
        "duplicate shadow password entry" => req(dup, SH, del, None, None),
        "duplicate group entry" => req(dup, GR, del, None, None),
        "duplicate shadow group entry" => req(dup, GS, del, None, None),
        m if m.starts_with("no matching password file entry in ") && m.ends_with("passwd") => {
            req(&["accounts.unknown-shadow-user"], SH, del, None, None)
        }
        m if m.starts_with("no matching password file entry in ") && m.ends_with("shadow") => {
            let user = next
                .and_then(|n| quoted(n, "add user '"))
                .map(|u| u.trim_end_matches("' in /etc/shadow?").to_owned());
            let user = user.map(|u| u.split('\'').next().unwrap().to_owned());
            req(
                &["accounts.missing-shadow-entry"],
                PW,
                None,
                user.as_deref(),
                None,
            )
        }
        m if m.starts_with("no matching group file entry in ") && m.ends_with("/group") => {
            req(&["accounts.unknown-gshadow-group"], GS, del, None, None)
        }
        m if m.starts_with("no matching group file entry in ") && m.ends_with("gshadow") => {
            let g = next
                .and_then(|n| quoted(n, "add group '"))
                .map(|u| u.split('\'').next().unwrap().to_owned());
            req(
                &["accounts.missing-gshadow-entry"],
                GR,
                None,
                g.as_deref(),
                None,
            )
        }
        m if m.starts_with("invalid user name '") => req(
            &["accounts.invalid-name"],
            PW,
            None,
            quoted(m, "invalid user name '").as_deref(),
            None,
        ),
        m if m.starts_with("invalid group name '") => req(
            &["accounts.invalid-name"],
            GR,
            None,
            quoted(m, "invalid group name '").as_deref(),
            None,
        ),
        m if m.starts_with("invalid user ID '") => req(
            &["accounts.invalid-id"],
            PW,
            None,
            None,
            quoted(m, "invalid user ID '"),
        ),
        m if m.starts_with("invalid group ID '") => req(
            &["accounts.invalid-id"],
            GR,
            None,
            None,
            quoted(m, "invalid group ID '"),
        ),
        m if m.starts_with("user '") && m.contains("': no group ") => req(
            &["accounts.missing-group"],
            PW,
            None,
            between(m, "user '", "'"),
            None,
        ),
        m if m.starts_with("user '") && m.contains("': directory '") => req(
            &["accounts.home-missing"],
            PW,
            None,
            between(m, "user '", "'"),
            between(m, "directory '", "'").map(str::to_owned),
        ),
        m if m.starts_with("user '") && m.contains("': program '") => req(
            &["accounts.shell-missing"],
            PW,
            None,
            between(m, "user '", "'"),
            between(m, "program '", "'").map(str::to_owned),
        ),
        m if m.ends_with(": last password change in the future") => req(
            &["accounts.lastchg-future"],
            SH,
            None,
            between(m, "user ", ":"),
            None,
        ),
        m if m.starts_with("user ")
            && m.contains("password field in /etc/passwd is not set to 'x'") =>
        {
            req(
                &["accounts.passwd-not-x", "accounts.passwd-hash"],
                PW,
                None,
                between(m, "user ", " has"),
                None,
            )
        }
        m if m.starts_with("group ")
            && m.contains("password field in /etc/group is not set to 'x'") =>
        {
            req(
                &["accounts.group-passwd-not-x"],
                GR,
                None,
                between(m, "group ", " has"),
                None,
            )
        }
        m if m.starts_with("group ") && m.contains(": no user ") => {
            let (g, u) = m["group ".len()..].split_once(": no user ").unwrap();
            req(
                &["accounts.group-unknown-member"],
                GR,
                None,
                Some(u),
                Some(format!("group {g}: no user {u}")),
            )
        }
        m if m.starts_with("shadow group ") && m.contains(": no user ") => {
            let (g, u) = m["shadow group ".len()..].split_once(": no user ").unwrap();
            req(
                &["accounts.group-unknown-member"],
                GS,
                None,
                Some(u),
                Some(format!("shadow group {g}: no user {u}")),
            )
        }
        m if m.starts_with("shadow group ") && m.contains(": no administrative user ") => {
            let (g, u) = m["shadow group ".len()..]
                .split_once(": no administrative user ")
                .unwrap();
            req(
                &["accounts.group-unknown-member"],
                GS,
                None,
                Some(u),
                Some(format!("shadow group {g}: no administrative user {u}")),
            )
        }
        m if m.starts_with('\'') && m.contains("' is a member of the '") => {
            let user = between(m, "'", "'");
            let group = between(m, "of the '", "'").unwrap();
            let (in_, not_in) = if m.ends_with("in /etc/gshadow but not in /etc/group") {
                ("gshadow", "group")
            } else {
                ("group", "gshadow")
            };
            req(
                &["accounts.membership-mismatch"],
                if in_ == "gshadow" { GS } else { GR },
                None,
                user,
                Some(
                    format!("group in {in_} but not in {not_in}")
                        .replace("group in", &format!("'{group}' group in")),
                ),
            )
        }
        m if m.contains("existing lock file ") => {
            let p = between(m, "existing lock file ", " without")
                .unwrap()
                .to_owned();
            Ok(Some(Req {
                ids: &["accounts.lock-file"],
                file: "",
                line_text: None,
                subject: Some(p),
                detail: None,
            }))
        }
        m if m.starts_with("delete ")
            || m.starts_with("add user ")
            || m.starts_with("add group ")
            || m.ends_with(": no changes")
            || m.ends_with(": the files have been updated")
            || m.contains("cannot lock")
            || m.starts_with("Usage: ")
            || m.starts_with("Options:")
            || m.starts_with("  ")
            || m.contains("are incompatible")
            || m.contains("invalid option")
            || m.contains("unrecognized option")
            || m.is_empty() =>
        {
            Ok(None)
        }
        m => Err(format!("message not understood: {m:?}")),
    }
}

/// Checks that `findings` satisfy `r`; returns a description of what is missing.
fn satisfied(r: &Req, findings: &[Finding], snap: &Snapshot) -> Result<(), String> {
    let lines: Vec<u64> = match &r.line_text {
        Some(t) => {
            let data = match r.file {
                PW => &snap.passwd,
                SH => &snap.shadow,
                GR => &snap.group,
                _ => &snap.gshadow,
            };
            let data = data.data.as_deref().unwrap_or_default();
            let v: Vec<u64> = data
                .split(|&b| b == b'\n')
                .enumerate()
                .filter(|(_, l)| glob_match(t.as_bytes(), l))
                .map(|(i, _)| i as u64 + 1)
                .collect();
            if v.is_empty() {
                return Err(format!("quoted line {t:?} not found in {}", r.file));
            }
            v
        }
        None => Vec::new(),
    };
    let ok = findings.iter().any(|f| {
        r.ids.contains(&f.id.as_str())
            && (r.file.is_empty() || f.evidence.iter().any(|e| e.path == r.file))
            && (lines.is_empty()
                || f.evidence
                    .iter()
                    .any(|e| e.path == r.file && e.line.is_some_and(|l| lines.contains(&l))))
            && r.subject.as_ref().is_none_or(|s| &f.subject == s)
            && r.detail.as_ref().is_none_or(|d| {
                f.detail.as_deref().unwrap_or_default().contains(d.as_str())
                    || f.title.contains(d.as_str())
            })
    });
    if ok {
        Ok(())
    } else {
        Err(format!("no finding for {r:?}"))
    }
}

/// The suite's messages come from expect(1) scripts, whose patterns are globs: `*` matches
/// any run of bytes (`delete line 'foo:*:'` matches `foo:!:12977:0:99999:7::`). A literal `*`
/// matches itself too.
fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    match pat.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob_match(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob_match(rest, &s[1..]),
    }
}

/// Builds the case's root: its config/etc files plus what its driver script changes.
pub(crate) fn build_root(case: &Path) -> (tempfile::TempDir, HostRoot) {
    let t = tempfile::tempdir().unwrap();
    let etc = t.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    for ent in std::fs::read_dir(case.join("config/etc")).unwrap() {
        let ent = ent.unwrap();
        if ent.file_type().unwrap().is_file() {
            std::fs::copy(ent.path(), etc.join(ent.file_name())).unwrap();
        }
    }
    let script = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "test"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap_or_default();
    for l in script.lines() {
        let l = l.trim();
        if let Some(f) = l.strip_prefix("rm -f /etc/") {
            if !f.contains(' ') && !f.ends_with(".lock") {
                let _ = std::fs::remove_file(etc.join(f));
            }
        }
        if let Some(f) = l.strip_prefix("touch /etc/") {
            std::fs::write(etc.join(f), b"").unwrap();
        }
    }
    let r = HostRoot::new(t.path()).unwrap();
    (t, r)
}

/// The INDEX: (case, expected exit, messages).
pub(crate) fn index(base: &Path) -> Vec<(String, String, Vec<String>)> {
    let text = std::fs::read_to_string(base.join("INDEX-cktools.txt")).unwrap();
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for l in text.lines() {
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        if let Some(m) = l.strip_prefix("\t\t") {
            out.last_mut().unwrap().2.push(m.to_owned());
        } else {
            let mut parts = l.split('\t');
            let case = parts.next().unwrap().to_owned();
            let exit = parts.next().unwrap_or_default().to_owned();
            out.push((case, exit, Vec::new()));
        }
    }
    out
}

fn check_messages(
    case: &str,
    msgs: &[String],
    findings: &[Finding],
    snap: &Snapshot,
) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        match requirement(m, msgs.get(i + 1).map(String::as_str)) {
            Ok(None) => {}
            Ok(Some(r)) => {
                checked += 1;
                if let Err(e) = satisfied(&r, findings, snap) {
                    failures.push(format!("{case}: {m:?}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{case}: {e}")),
        }
    }
    (checked, failures)
}

fn run_tool(tool: &str, root: &Path) -> Option<Vec<String>> {
    let out = std::process::Command::new(tool)
        .args(["-r", "-R"])
        .arg(root)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    v.extend(
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(str::to_owned),
    );
    Some(v)
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn every_pwck_grpck_problem_is_reported() {
    let base = ferret_testkit::testdata("shadow-maint");
    let cases = index(&base);
    assert!(cases.len() >= 60, "INDEX lists {} cases", cases.len());
    let as_root = nix_is_root();
    let tools =
        as_root && Path::new("/usr/sbin/pwck").exists() && Path::new("/usr/sbin/grpck").exists();
    if !tools {
        eprintln!(
            "note: not root or pwck/grpck missing: only the suite's expected messages are compared"
        );
    }
    let mut opts = AuditOptions::default();
    opts.today = Some(ferret_accounts::audit::today_days());
    let (mut n_index, mut n_tool, mut n_data_cases) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut listing = Vec::new();
    for (case, exit, msgs) in &cases {
        let dir = base.join("tests/cktools").join(case);
        assert!(dir.is_dir(), "{} missing", dir.display());
        let (tmp, root) = build_root(&dir);
        let snap = Snapshot::load(&root);
        let out = audit_root(&root, &opts, &Control::new());
        let (n, f) = check_messages(case, msgs, &out.findings, &snap);
        n_index += n;
        if n > 0 {
            n_data_cases += 1;
        }
        failures.extend(f);
        if tools {
            for tool in ["pwck", "grpck"] {
                let lines = run_tool(tool, tmp.path()).unwrap();
                let (n, f) = check_messages(
                    &format!("{case} (real {tool})"),
                    &lines,
                    &out.findings,
                    &snap,
                );
                n_tool += n;
                failures.extend(f);
            }
        }
        listing.push(format!("{case} exit={exit}: {n} expected problems"));
    }
    eprintln!("{}", listing.join("\n"));
    eprintln!(
        "cktools: {} cases, {n_data_cases} with data problems, {n_index} expected problems checked, {n_tool} problems from the real pwck/grpck checked, {} missed",
        cases.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "ferret missed:\n{}",
        failures.join("\n")
    );
    assert!(n_index >= 80, "only {n_index} problems checked");
    if tools {
        assert!(n_tool >= n_index, "real tools gave {n_tool} problems");
    }
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        .unwrap_or(false)
}

#[test]
fn message_mapping_understands_the_suite_vocabulary() {
    // Spot checks of the mapping itself, on messages quoted from pwck/grpck.
    let r = requirement("user 'foo2': program '/bin/shs' does not exist", None)
        .unwrap()
        .unwrap();
    assert_eq!(
        (r.ids, r.subject.as_deref(), r.detail.as_deref()),
        (
            &["accounts.shell-missing"][..],
            Some("foo2"),
            Some("/bin/shs")
        )
    );
    let r = requirement(
        "no matching password file entry in /etc/shadow",
        Some("add user 'foo' in /etc/shadow? "),
    )
    .unwrap()
    .unwrap();
    assert_eq!(r.subject.as_deref(), Some("foo"));
    assert!(requirement("pwck: no changes", None).unwrap().is_none());
    assert!(requirement("something new", None).is_err());
}
