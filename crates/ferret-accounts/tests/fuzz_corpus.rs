//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).
#![allow(clippy::unwrap_used)]
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn replay(target: &str, f: fn(&[u8])) {
    let n = ferret_core::fuzzing::replay(workspace(), target, f).unwrap();
    assert!(n > 0);
}

#[test]
fn accounts_passwd() {
    replay("accounts_passwd", ferret_accounts::fuzzing::passwd);
}

#[test]
fn accounts_shadow() {
    replay("accounts_shadow", ferret_accounts::fuzzing::shadow);
}

#[test]
fn accounts_group() {
    replay("accounts_group", ferret_accounts::fuzzing::group);
}

#[test]
fn accounts_gshadow() {
    replay("accounts_gshadow", ferret_accounts::fuzzing::gshadow);
}

#[test]
fn accounts_login_defs() {
    replay("accounts_login_defs", ferret_accounts::fuzzing::login_defs);
}

#[test]
fn accounts_password() {
    replay("accounts_password", ferret_accounts::fuzzing::password);
}

#[test]
fn accounts_diff() {
    replay("accounts_diff", ferret_accounts::fuzzing::diff);
}
