//! authorized_keys lines made by the real `ssh-keygen` (package openssh-client, pulled in by
//! openssh-server in `.ci/packages.txt`): the fingerprint of each valid key is the one
//! `ssh-keygen -l` prints, and each malformed variant of a real line (bad padding, trailing
//! bits, bad characters) has none, as `ssh-keygen -l` refuses it too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_harden::persistence::parse_authorized_keys;
use std::path::Path;
use std::process::Command;

/// Generates a key of `kind` and returns its `.pub` line and `ssh-keygen -l` fingerprint.
fn keygen(dir: &Path, kind: &str, bits: &str) -> (String, String) {
    let key = dir.join(format!("id_{kind}_{bits}"));
    let st = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            kind,
            "-b",
            bits,
            "-N",
            "",
            "-C",
            "alice@example",
        ])
        .arg("-f")
        .arg(&key)
        .status()
        .expect("ssh-keygen (openssh-client) not installed");
    assert!(st.success());
    let line = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let fp = fingerprint(dir, line.trim_end()).expect("ssh-keygen -l refused its own key");
    (line.trim_end().to_owned(), fp)
}

/// `ssh-keygen -l -E sha256` of one line, or `None` when it refuses the line.
fn fingerprint(dir: &Path, line: &str) -> Option<String> {
    let p = dir.join("probe.pub");
    std::fs::write(&p, format!("{line}\n")).unwrap();
    let o = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(&p)
        .output()
        .unwrap();
    if !o.status.success() {
        return None;
    }
    // "256 SHA256:... alice@example (ED25519)"
    let out = String::from_utf8(o.stdout).unwrap();
    Some(out.split_whitespace().nth(1).unwrap().to_owned())
}

fn ours(line: &str) -> Option<String> {
    let mut keys = parse_authorized_keys(line.as_bytes());
    assert_eq!(keys.len(), 1, "{line}");
    keys.remove(0).unwrap().fingerprint
}

/// The base64 value a character stands for.
fn b64_value(c: u8) -> u8 {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    alphabet.iter().position(|&a| a == c).unwrap() as u8
}

fn b64_char(v: u8) -> char {
    char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[v as usize])
}

/// The line with its key blob replaced.
fn with_blob(line: &str, f: impl Fn(&str) -> String) -> String {
    let mut parts: Vec<String> = line.splitn(3, ' ').map(str::to_owned).collect();
    parts[1] = f(&parts[1]);
    parts.join(" ")
}

#[test]
fn fingerprints_match_ssh_keygen_and_malformed_blobs_have_none() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let mut malformed = 0;
    // ed25519: 51-byte blob, no padding; ecdsa-256: 104 bytes, one `=`; rsa: a long blob.
    for (kind, bits) in [("ed25519", "256"), ("ecdsa", "256"), ("rsa", "2048")] {
        let (line, fp) = keygen(dir, kind, bits);
        assert_eq!(ours(&line).as_deref(), Some(fp.as_str()), "{kind}");
        // with options in front, as in a real authorized_keys
        let opt = format!("from=\"10.0.0.0/8\",no-pty {line}");
        assert_eq!(
            ours(&opt).as_deref(),
            Some(fp.as_str()),
            "{kind} with options"
        );

        let blob = line.split(' ').nth(1).unwrap().to_owned();
        let body = blob.trim_end_matches('=');
        let pad = blob.len() - body.len();
        let mut variants: Vec<(&str, String)> = vec![
            ("extra padding", with_blob(&line, |b| format!("{b}=="))),
            (
                "bad character *",
                with_blob(&line, |b| format!("{}*{}", &b[..10], &b[11..])),
            ),
            (
                "url-safe alphabet -",
                with_blob(&line, |b| format!("{}-{}", &b[..12], &b[13..])),
            ),
            (
                "truncated",
                with_blob(&line, |b| b[..b.len() - 5].to_owned()),
            ),
        ];
        if pad > 0 {
            variants.push(("missing padding", with_blob(&line, |_| body.to_owned())));
            // the last character before the padding carries bits past the last byte: set one
            let last = *body.as_bytes().last().unwrap();
            let v = b64_value(last);
            let flipped = b64_char(v ^ 1);
            variants.push((
                "non-zero trailing bits",
                with_blob(&line, |_| {
                    format!("{}{flipped}{}", &body[..body.len() - 1], "=".repeat(pad))
                }),
            ));
        } else {
            variants.push((
                "padding after a full block",
                with_blob(&line, |b| format!("{b}=")),
            ));
        }
        for (what, bad) in variants {
            assert_eq!(
                fingerprint(dir, &bad),
                None,
                "{kind} {what}: ssh-keygen accepts it, the variant is not malformed"
            );
            assert_eq!(ours(&bad), None, "{kind} {what}: {bad}");
            malformed += 1;
        }
    }
    assert!(malformed >= 15, "{malformed}");
}
