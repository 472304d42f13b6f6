//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn harden_sshd_config() {
    ferret_testkit::fuzz::replay("harden_sshd_config", 1, ferret_harden::fuzzing::sshd_config);
}

#[test]
fn harden_sysctl() {
    ferret_testkit::fuzz::replay("harden_sysctl", 1, ferret_harden::fuzzing::sysctl);
}

#[test]
fn harden_authorized_keys() {
    ferret_testkit::fuzz::replay(
        "harden_authorized_keys",
        1,
        ferret_harden::fuzzing::authorized_keys,
    );
}

#[test]
fn harden_crontab() {
    ferret_testkit::fuzz::replay("harden_crontab", 1, ferret_harden::fuzzing::crontab);
}

#[test]
fn harden_pam_udev() {
    ferret_testkit::fuzz::replay("harden_pam_udev", 3, ferret_harden::fuzzing::pam_udev);
}

#[test]
fn harden_hooks() {
    ferret_testkit::fuzz::replay("harden_hooks", 6, ferret_harden::fuzzing::hooks);
}

#[test]
fn harden_startup() {
    ferret_testkit::fuzz::replay("harden_startup", 6, ferret_harden::fuzzing::startup);
}

#[test]
fn harden_redis_conf() {
    ferret_testkit::fuzz::replay("harden_redis_conf", 3, ferret_harden::fuzzing::redis_conf);
}

#[test]
fn harden_docker_json() {
    ferret_testkit::fuzz::replay("harden_docker_json", 4, ferret_harden::fuzzing::docker_json);
}

#[test]
fn harden_service_conf() {
    ferret_testkit::fuzz::replay(
        "harden_service_conf",
        3,
        ferret_harden::fuzzing::service_conf,
    );
}

#[test]
fn harden_pg_hba() {
    ferret_testkit::fuzz::replay("harden_pg_hba", 2, ferret_harden::fuzzing::pg_hba);
}
