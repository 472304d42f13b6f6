//! Every case of sudo's `plugins/sudoers/regress/sudoers` (in `$FERRET_TESTDATA/sudo/regress`):
//! our parse, printed the way `cvtsudoers -f json` prints, equals sudo's expected JSON; a case
//! sudo rejects (empty expected output) is one we report a syntax error for.

use ferret_accounts::sudoers::{parse, DiagnosticKind};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Cases whose expected JSON we do not reproduce, and why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// Cases where the installed `visudo` (Debian's 1.9.13p3) disagrees with the newer grammar the
/// regress cases come from (sudo 1.9.17): quoted `CWD`/`CHROOT` values (test24),
/// `cmddenial_message` (test26) and `APPARMOR_PROFILE`/`PRIVS` (test31) are newer than it.
const VISUDO_TOO_OLD: &[&str] = &["test24", "test26", "test31"];

fn cases() -> Vec<PathBuf> {
    let dir = ferret_testkit::testdata("sudo/regress");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("regress dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "in"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 31,
        "expected sudo's 31+ cases in {}",
        dir.display()
    );
    v
}

fn name(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
#[cfg_attr(not(ferret_testdata), ignore = "needs FERRET_TESTDATA")]
fn cvtsudoers_json_of_every_regress_case() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases() {
        let n = name(&case);
        if KNOWN_DIFFERENCES.iter().any(|k| k.0 == n) {
            continue;
        }
        let data = std::fs::read(&case).unwrap();
        let ok_path = case.with_extension("json.ok");
        let expected = std::fs::read_to_string(&ok_path).unwrap();
        let tree = parse(&data, "/etc/sudoers");
        let syntax = tree.has_syntax_errors();
        let accepted = std::fs::read_to_string(case.with_extension("out.ok"))
            .unwrap()
            .starts_with("Parses OK");
        if expected.trim().is_empty() && !accepted {
            if !syntax {
                failures.push(format!(
                    "{n}: sudo rejects it, we parsed it: {:?}",
                    crate::cvt::to_json(&tree)
                ));
            }
            compared += 1;
            continue;
        }
        if syntax {
            failures.push(format!("{n}: we report {:?}", tree.diagnostics));
            continue;
        }
        let want: serde_json::Value = if expected.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&expected).unwrap()
        };
        let got = crate::cvt::to_json(&tree).unwrap_or(serde_json::Value::Null);
        if got != want {
            failures.push(format!(
                "{n}:\n got  {}\n want {}",
                serde_json::to_string(&got).unwrap(),
                serde_json::to_string(&want).unwrap()
            ));
        }
        compared += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(compared >= 31);
}

/// The lines `visudo -c -f FILE` names in its error messages (run on a copy).
pub fn visudo_error_lines(data: &[u8]) -> Option<Vec<u64>> {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("sudoers");
    std::fs::write(&f, data).unwrap();
    let out = Command::new("visudo")
        .arg("-c")
        .arg("-f")
        .arg(&f)
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let prefix = format!("{}:", f.display());
    let mut lines: Vec<u64> = text
        .lines()
        .filter(|l| !l.starts_with("Warning"))
        .filter_map(|l| l.strip_prefix(&prefix))
        .filter_map(|r| r.split(':').next()?.parse().ok())
        .collect();
    lines.sort_unstable();
    lines.dedup();
    assert_eq!(out.status.success(), lines.is_empty(), "visudo: {text}");
    Some(lines)
}

fn our_error_lines(data: &[u8]) -> Vec<u64> {
    let tree = parse(data, "/etc/sudoers");
    let mut v: Vec<u64> = tree
        .diagnostics
        .iter()
        .filter(|d| matches!(d.kind, DiagnosticKind::Syntax | DiagnosticKind::Check))
        .map(|d| d.loc.line)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn have_visudo() -> bool {
    let ok = Command::new("visudo")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "visudo (Debian's sudo) is needed in CI"
    );
    ok
}

#[test]
#[cfg_attr(not(ferret_testdata), ignore = "needs FERRET_TESTDATA")]
fn errors_on_the_lines_visudo_names() {
    if !have_visudo() {
        eprintln!("visudo not installed: skipped");
        return;
    }
    let mut failures = Vec::new();
    for case in cases() {
        let n = name(&case);
        if VISUDO_TOO_OLD.contains(&n.as_str()) {
            continue;
        }
        let data = std::fs::read(&case).unwrap();
        let want = visudo_error_lines(&data).unwrap();
        let got = our_error_lines(&data);
        if got != want {
            failures.push(format!("{n}: visudo {want:?}, we {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Files written here, checked against `visudo -c` too: the grammar corners the regress cases
/// do not reach.
#[test]
fn errors_on_the_lines_visudo_names_for_written_cases() {
    if !have_visudo() {
        eprintln!("visudo not installed: skipped");
        return;
    }
    let cases: &[&[u8]] = &[
        b"root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n",
        b"Defaults env_reset\nDefaults mail_badpass\nDefaults secure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nDefaults use_pty\n",
        b"Defaults bogus_opt\nDefaults passwd_tries=abc\nuser ALL = NOSUCH\n",
        b"User_Alias ADMINS = alice, bob\nCmnd_Alias SHELLS = /bin/sh, /bin/bash\nADMINS ALL = (root) NOPASSWD: SHELLS, !/usr/bin/passwd root\n",
        b"alice ALL = (ALL) ALL, !/usr/bin/su\nbob host1, 10.0.0.0/8 = (root : wheel) SETENV: LOG_INPUT: /usr/bin/vi /etc/hosts\n",
        b"carol ALL = sudoedit /etc/motd, /bin/ls -l /tmp\ndave ALL = /bin/echo a\\,b\\:c \\= d\n",
        b"Defaults:alice !authenticate\nDefaults>root !set_logname\nDefaults@host1 log_output\nDefaults!/usr/bin/less noexec\n",
        b"eve ALL = (ALL) NOPASSWD: ALL\nfrank ALL =\n",
        b"Defaults env_keep += \"LD_PRELOAD LD_LIBRARY_PATH\"\nuser ALL = /bin/ls \\\n  -l\n",
        b"# comment\n#123 ALL = ALL\n#-1 ALL = ALL\n",
        b"User_Alias A = x : B = y\nHost_Alias H = h1, !h2\nRunas_Alias R = root, #0, %wheel\nA,B H = (R) /usr/bin/id\n",
        b"user ALL = (root) /usr/bin/id : ALL = /usr/bin/who, (bin) /usr/bin/w\n",
        b"user ALL = TIMEOUT=1h NOTBEFORE=20240101000000Z /usr/bin/id\nuser2 ALL = TIMEOUT=abc /usr/bin/id\n",
        b"Cmnd_Alias ALL = /bin/ls\nuser ALL = (:) /bin/ls\n",
        b"user ALL = NOPASSWD /bin/ls\n\"quoted user\" ALL = ALL\n",
        b"Defaults timestamp_timeout=-1, !requiretty, lecture=sometimes\n",
    ];
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let want = visudo_error_lines(c).unwrap();
        let got = our_error_lines(c);
        if got != want {
            failures.push(format!(
                "case {i}: visudo {want:?}, we {got:?}\n{}",
                String::from_utf8_lossy(c)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
