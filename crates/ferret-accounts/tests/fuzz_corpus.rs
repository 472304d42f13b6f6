//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn accounts_passwd() {
    ferret_testkit::fuzz::replay("accounts_passwd", 1, ferret_accounts::fuzzing::passwd);
}

#[test]
fn accounts_shadow() {
    ferret_testkit::fuzz::replay("accounts_shadow", 1, ferret_accounts::fuzzing::shadow);
}

#[test]
fn accounts_group() {
    ferret_testkit::fuzz::replay("accounts_group", 1, ferret_accounts::fuzzing::group);
}

#[test]
fn accounts_gshadow() {
    ferret_testkit::fuzz::replay("accounts_gshadow", 1, ferret_accounts::fuzzing::gshadow);
}

#[test]
fn accounts_login_defs() {
    ferret_testkit::fuzz::replay(
        "accounts_login_defs",
        1,
        ferret_accounts::fuzzing::login_defs,
    );
}

#[test]
fn accounts_password() {
    ferret_testkit::fuzz::replay("accounts_password", 1, ferret_accounts::fuzzing::password);
}

#[test]
fn accounts_diff() {
    ferret_testkit::fuzz::replay("accounts_diff", 1, ferret_accounts::fuzzing::diff);
}

#[test]
fn accounts_sudoers() {
    ferret_testkit::fuzz::replay("accounts_sudoers", 30, ferret_accounts::fuzzing::sudoers);
}
