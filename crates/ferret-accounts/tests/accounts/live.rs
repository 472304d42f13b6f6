//! This machine: `list` against `getent passwd`, `audit` against the real `pwck -r`/`grpck -r`.

use ferret_accounts::{audit_root, list_users_root, AuditOptions};
use ferret_core::{Control, HostRoot};
use std::process::Command;

#[test]
fn list_matches_getent_passwd_files() {
    let Ok(out) = Command::new("getent")
        .args(["-s", "files", "passwd"])
        .output()
    else {
        panic!("getent not installed (libc-bin)");
    };
    assert!(out.status.success());
    let getent: Vec<Vec<String>> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split(':').map(str::to_owned).collect())
        .collect();
    let list = list_users_root(&HostRoot::live(), &Control::new());
    let (users, errors) = (list.users, list.errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(!users.is_empty());
    assert_eq!(users.len(), getent.len(), "user count differs");
    for (u, g) in users.iter().zip(&getent) {
        assert_eq!(
            [
                u.name.clone(),
                u.uid.to_string(),
                u.gid.to_string(),
                u.gecos.clone(),
                u.home.clone(),
                u.shell.clone()
            ],
            [
                g[0].clone(),
                g[2].clone(),
                g[3].clone(),
                g[4].clone(),
                g[5].clone(),
                g[6].clone()
            ]
        );
    }
    // the password column is a status, never the field
    assert!(users.iter().all(|u| !u.password.contains('$')));
    eprintln!("list == getent -s files passwd on {} users", users.len());
}

#[test]
fn live_audit_covers_real_pwck_and_grpck() {
    let root_uid = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    if !root_uid {
        eprintln!("skipped: needs root to run pwck -r on /etc/shadow");
        return;
    }
    let out = audit_root(&HostRoot::live(), &AuditOptions::default(), &Control::new());
    let mut checked = 0;
    for tool in ["pwck", "grpck"] {
        let o = Command::new(tool)
            .arg("-r")
            .output()
            .unwrap_or_else(|e| panic!("{tool}: {e}"));
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        for l in text.lines() {
            // the live system's messages are home/shell checks or the cktools vocabulary
            if let Some(rest) = l.strip_prefix("user '") {
                let user = rest.split('\'').next().unwrap();
                let id = if l.contains("': directory '") {
                    "accounts.home-missing"
                } else if l.contains("': program '") {
                    "accounts.shell-missing"
                } else {
                    continue;
                };
                assert!(
                    out.findings.iter().any(|f| f.id == id && f.subject == user),
                    "{tool}: {l}"
                );
                checked += 1;
            } else {
                assert!(
                    l.ends_with("no changes") || l.starts_with("delete") || l.is_empty(),
                    "{tool} said {l:?}: extend this test"
                );
            }
        }
    }
    eprintln!("live pwck/grpck problems also reported by ferret: {checked}");
}
