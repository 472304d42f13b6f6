//! # ferret-harden
//!
//! Hardening and persistence checks that resolve configuration the way the daemons do: an exact
//! sshd_config parser and `Match` resolver, sysctl precedence and runtime drift, SUID/SGID and
//! world-writable inventory, cron/systemd/authorized_keys/ld.so.preload persistence, and legacy
//! remote services. Everything is read through a [`HostRoot`] (live `/` or a mounted image) and
//! nothing is ever changed: findings say what to fix.
//!
//! - [`audit_root`] runs the checks [`HardenOptions::checks`] selects ([`Check`]: sshd, sysctl,
//!   files, persistence, services, exposure, evasion); each is also callable alone: [`sshd::audit_root`],
//!   [`sysctl::audit_root`], [`files::audit_root`], [`persistence::audit_root`],
//!   [`services::audit_root`], [`exposure::audit_root`], [`evasion::audit_root`]. All take a [`Control`]: cancelling it stops the run with what it
//!   found and a "cancelled" error; the file walk honours its thread limit and reports progress.
//! - The sshd resolver: [`sshd::SshdConfig::load`] + [`sshd::SshdConfig::effective`] give what
//!   `sshd -T -C ...` prints.
//! - Users, groups and homes come from `/etc/passwd` and `/etc/group` as `ferret-accounts`
//!   parses them, so a report's modules agree on who the users are.
//!
//! ```
//! use ferret_harden::sshd::{ConnectionContext, SshdConfig};
//! use ferret_harden::core::{Control, HostRoot};
//! use ferret_harden::{Check, HardenOptions};
//! let t = tempfile::tempdir()?;
//! std::fs::create_dir_all(t.path().join("etc/ssh/sshd_config.d"))?;
//! std::fs::write(t.path().join("etc/ssh/sshd_config"),
//!     "Include sshd_config.d/*.conf\nPermitRootLogin no\nMatch Address 10.0.0.0/8\n  PasswordAuthentication no\n")?;
//! std::fs::write(t.path().join("etc/ssh/sshd_config.d/50-cloud.conf"), "PermitRootLogin yes\n")?;
//! let root = HostRoot::new(t.path())?;
//! let cfg = SshdConfig::load(&root, "/etc/ssh/sshd_config", &Control::new())?;
//! // The include comes first: its value wins, as in sshd.
//! let eff = cfg.effective(&ConnectionContext::new().user("root").addr("10.1.2.3"));
//! assert_eq!(eff.get("permitrootlogin").as_deref(), Some("yes"));
//! assert_eq!(eff.get("passwordauthentication").as_deref(), Some("no"));
//! let mut opts = HardenOptions::default();
//! opts.checks = vec![Check::Sshd];
//! let out = ferret_harden::audit_root(&root, &opts, &Control::new());
//! assert!(out.findings.iter().any(|f| f.id == "sshd.permit-root-login"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Finding ids
//!
//! | id | severity | what | ATT&CK |
//! |---|---|---|---|
//! | `sshd.permit-root-login` | high (info for forced-commands-only) | PermitRootLogin yes for user root | T1021.004, T1110 |
//! | `sshd.password-authentication` | medium | PasswordAuthentication yes | T1110 |
//! | `sshd.permit-empty-passwords` | high | PermitEmptyPasswords yes | T1078 |
//! | `sshd.kbd-interactive` | low / medium with UsePAM | KbdInteractiveAuthentication yes | T1110 |
//! | `sshd.max-auth-tries` | low | MaxAuthTries above 4 | T1110 |
//! | `sshd.x11-forwarding` | low | X11Forwarding yes | T1021.004 |
//! | `sshd.tcp-forwarding` | low | AllowTcpForwarding not no | T1572 |
//! | `sshd.agent-forwarding` | low | AllowAgentForwarding yes | T1563.001 |
//! | `sshd.permit-user-environment` | medium | PermitUserEnvironment not no | T1574.006 |
//! | `sshd.weak-ciphers`, `sshd.weak-macs`, `sshd.weak-kex` | medium | CBC/3DES, MD5/SHA1-96/UMAC-64/SHA1, SHA-1 DH | T1557 |
//! | `sshd.log-level` | medium | LogLevel QUIET/FATAL/ERROR | T1562.006 |
//! | `sshd.client-alive` | low | idle sessions never/late closed | |
//! | `sshd.no-access-list` | low | no AllowUsers/AllowGroups | T1078 |
//! | `sshd.use-pam` | low | UsePAM no | |
//! | `sshd.strict-modes` | medium | StrictModes no | T1098.004 |
//! | `sshd.authorized-keys-file-writable` | high | AuthorizedKeysFile in a temp or world-writable dir | T1098.004 |
//! | `sshd.authorized-keys-command` | high | AuthorizedKeysCommand/AuthorizedPrincipalsCommand in a temp, hidden or writable place, relative or missing | T1098.004, T1556 |
//! | `sshd.include-amplification` | medium | the includes loop (a file includes itself) or meet a load limit ([`sshd::LoadLimits`]: files, includes, directives, bytes); what came before the limit is checked | T1562.001, T1027 |
//! | `sshd.oversized-config` | medium | a configuration file over 4 MiB ([`sshd::OVERSIZED`]): padding that hides directives | T1027.001 |
//! | `sshd.match-weakens` | per keyword | a Match block loosens PermitRootLogin, PasswordAuthentication, PermitEmptyPasswords, forwarding | T1021.004 |
//! | `sysctl.risky-value` | low–high per key | a running (or, offline, configured) value weaker than recommended; `net.ipv4.conf.all.*` live: the per-interface value the kernel derives from `all` and the interface | per key |
//! | `sysctl.drift` | medium | configured value differs from the running kernel | T1562 |
//! | `sysctl.modules-disabled` | info | kernel.modules_disabled is 0 | T1547.006 |
//! | `files.suid-unusual-location` | high | SUID/SGID file in /tmp, /var/tmp, /dev/shm, a home or hidden dir | T1548.001 |
//! | `files.suid-unpackaged` | medium | SUID/SGID file no dpkg list knows | T1548.001 |
//! | `files.suid-recent` | medium | SUID/SGID file changed in the last 30 days | T1548.001 |
//! | `files.capability-unusual-location` | critical with a root-giving capability, else high | a program (any execute bit) in /tmp, /var/tmp, /dev/shm, a home or a hidden dir carries file capabilities (`security.capability`, read only for such files) | T1548, T1548.001 |
//! | `files.suid-inventory` | info | every SUID/SGID file (one finding per file) | |
//! | `files.world-writable` | medium | world-writable regular file | T1222.002 |
//! | `files.world-writable-dir` | medium | world-writable directory without the sticky bit | T1222.002 |
//! | `files.unowned` | low | file whose uid or gid no account/group has | T1222.002 |
//! | `persistence.ld-so-preload` | critical | entries in /etc/ld.so.preload | T1574.006 |
//! | `persistence.cron-download-exec` | high | cron entry fetching and running code (curl/wget piped to a shell) | T1053.003, T1105 |
//! | `persistence.cron-base64` | high | cron entry decoding base64 | T1053.003, T1027 |
//! | `persistence.cron-temp-path` | high | cron entry running from /tmp, /var/tmp, /dev/shm | T1053.003 |
//! | `persistence.authorized-keys-forced-command` | medium | key with command= | T1098.004 |
//! | `persistence.authorized-keys-root-no-from` | medium | root key without from= restriction (accounts sharing the file, such as a UID-0 alias with home /root, are one subject: `root,hilde KEY`) | T1098.004 |
//! | `persistence.authorized-keys-unusual-file` | high | authorized_keys2 or a key file outside the configured names | T1098.004 |
//! | `persistence.authorized-keys-count` | info | keys per account (type and comment, never key material) | T1098.004 |
//! | `persistence.systemd-writable-exec` | high | unit/timer ExecStart from a temporary or writable path | T1543.002 |
//! | `persistence.oversized-file` | medium | a cron file over 4 MiB: padding meant to make a scanner skip it (it is read line by line anyway, up to 256 MiB within the budget) | T1027.001, T1053.003 |
//! | `persistence.rc-local` | medium | /etc/rc.local with commands | T1037.004 |
//! | `persistence.profile-download-exec` | high | shell profile fetching and running code | T1546.004 |
//! | `persistence.pam-permit` | critical | `auth sufficient pam_permit.so` in /etc/pam.d: any password opens | T1556.003 |
//! | `persistence.pam-exec-authtok` | high | `pam_exec.so expose_authtok`: passwords handed to a program | T1556.003 |
//! | `persistence.pam-module-path` | high | a PAM module loaded by path from outside the module directories | T1556.003 |
//! | `persistence.environment-preload` | high | `LD_PRELOAD`/`LD_LIBRARY_PATH` in /etc/environment | T1574.006 |
//! | `persistence.udev-run` | high | a udev rule's `RUN+=`/`PROGRAM=` downloads, decodes or runs from a temp dir | T1546.017 |
//! | `persistence.init-script` | high (medium for an rc*.d link pointing outside the init directory to a plain path) | a SysV init script (`/etc/init.d`, `/etc/rc.d/init.d`, `rc*.d`) line that downloads, decodes, or runs a program from a temporary, disguised, hidden or home path; an rc*.d link pointing outside the init directory | T1037.004 |
//! | `persistence.systemd-generator` | high | a script generator (system or user, `/etc`, `/run`, `/usr/local/lib`, `/usr/lib`) doing the same (ELF generators skipped) | T1543.002 |
//! | `persistence.motd-script` | high | an `/etc/update-motd.d` script doing the same | T1037 |
//! | `persistence.network-hook` | high | a NetworkManager dispatcher, ifupdown `if-*.d` or ppp `ip-*.d` script doing the same | T1546 |
//! | `persistence.xdg-autostart` | high | an XDG autostart entry's `Exec=` (or the script it starts), or a KDE autostart/plasma env script, doing the same | T1547.013 |
//! | `persistence.dbus-service` | high | a D-Bus service file's `Exec=` (or the script it starts) doing the same | T1543, T1559 |
//! | `persistence.ssh-rc` | high | `~/.ssh/rc` or `/etc/ssh/sshrc` doing the same | T1037, T1546.004 |
//! | `persistence.logrotate-script` | high | a logrotate `postrotate`/`prerotate`/`firstaction`/`lastaction` line doing the same | T1053 |
//! | `persistence.package-manager-hook` | high | an apt `*::Pre-Invoke`/`Post-Invoke`/`Post-Invoke-Success`/`Pre-Install-Pkgs` command doing the same | T1546.016 |
//! | `persistence.package-manager-plugin` | medium | a dnf/yum plugin enabled in `/etc/dnf/plugins` or `/etc/yum/pluginconf.d` that no RHEL-family distribution ships | T1546.016 |
//! | `persistence.module-rootkit` | critical | `/etc/modules` or a `modules-load.d` file names a public LKM rootkit ([`persistence::ROOTKIT_MODULES`]) | T1547.006, T1014 |
//! | `persistence.module-unknown` | medium | a module loaded at boot that no installed kernel's `modules.dep`/`modules.builtin` lists (only when a module tree is there) | T1547.006 |
//! | `persistence.modprobe-install` | high (medium for a program outside the system bin dirs) | a `modprobe.d` `install`/`remove` hook running a suspicious command | T1547.006, T1546 |
//! | `persistence.ld-so-conf` | high | `ld.so.conf(.d)` adds a temporary, home, hidden or world-writable directory | T1574.006 |
//! | `persistence.grub-init` | high | `/etc/default/grub(.d)` sets `init=` to something other than a distribution's init | T1542, T1037 |
//! | `persistence.polkit-allow-all` | critical | a polkit `.pkla` granting every action to every user, or a `.rules` `addRule` returning YES unconditionally | T1548, T1556 |
//! | `persistence.git-config` | high | `/etc/gitconfig`, `~/.gitconfig`: `pager`/`editor`/`fsmonitor`/`sshCommand`/`askPass` running a suspicious command | T1546 |
//! | `persistence.interpreter-capability` | critical | an interpreter, shell, editor or debugger in a bin directory (`python3.11`, `perl`, `vim.basic`, ...) carries a root-giving file capability ([`ferret_core::caps::ROOT_GIVING`]: `cap_setuid`, `cap_setgid`, `cap_dac_override`, `cap_sys_admin`, ...); hard links reported once; the excerpt is `getcap`'s text | T1548, T1548.001 |
//! | `persistence.profile-alias-hijack` | high | a shell start-up file aliases `sudo`/`su`/`ssh`/`passwd`/`login` to another program (fake password prompt) | T1546.004, T1056.001 |
//! | `persistence.python-pth` | critical/high when the classifier flags an import line (as Python code, its string literals as shell), high when a packaged `.pth` changed, medium for an import line none of setuptools/pip/virtualenv/coverage writes | a `.pth` in a system or user site directory runs code at every Python start; a path line naming a temporary or hidden directory | T1546.018 |
//! | `persistence.python-customize` | critical/high with flagged lines, high changed, medium unpackaged (low without a package database) | `sitecustomize.py` / `usercustomize.py` on the interpreter's path | T1546.018 |
//! | `persistence.initramfs-module` | critical/high with flagged lines, high changed since packaged, medium unpackaged | a dracut module file (`/usr/lib/dracut/modules.d/*/`) or initramfs-tools hook/script no package ships or changed, or (also in `/etc/initramfs-tools`) with flagged lines | T1542, T1037 |
//! | `persistence.package-script` | critical/high | a dpkg maintainer script or rpm scriptlet downloads or decodes and runs code, opens a shell to the network, runs from a temporary place, or writes cron jobs, SSH keys or ld.so.preload | T1546.016 |
//! | `persistence.git-hook` | critical/high | a hook in a repository under a home or web root (bounded search; samples skipped) with flagged lines | T1546 |
//! | `sshd.extra-port` | medium | sshd listens on a port other than 22 (`Port`, or a port in `ListenAddress`) | T1571, T1021.004 |
//! | `sshd.listen-address` | info | `ListenAddress` restricts or changes where sshd listens | T1021.004 |
//! | `evasion.immutable-file` | high | a persistence-relevant file or directory (accounts, sudoers, sshd_config, ld.so.preload, crontabs, units, authorized_keys, shell start-up files, hosts, resolv.conf) carries the `i` or `a` inode flag; one finding per file, the flags as detail | T1222.002 |
//! | `evasion.agent-running` | info | a cloud security/monitoring agent ([`evasion::AGENTS`]) is installed and its process runs (live only) | |
//! | `evasion.agent-disabled` | high | installed, but (live) none of its processes runs or its unit is masked | T1562.001 |
//! | `evasion.agent-removed` | high | its programs are gone, traces left (directory, units, init scripts, masks, dpkg entry) | T1562.001 |
//! | `evasion.agent-kill-command` | high | cron, rc.local, local unit or shell-history lines that stop or uninstall agents (per file, lines as evidence; `ferret_core::command`'s `security-agent-stop`) | T1562.001 |
//! | `evasion.logging-disabled` | high | auditd/rsyslog/journald unit masked, journald `Storage=none`, auditd or syslog writing to /dev/null, a log file linked to /dev/null | T1562.001, T1070 |
//! | `evasion.log-emptied` | medium | auth.log/secure/messages/syslog/wtmp/btmp/audit.log empty, changed within 2 days of the newest log write, not by rotation | T1070.002 |
//! | `evasion.log-recreated` | medium | such a log born over 30 days after the install with no rotated copies | T1070.002 |
//! | `evasion.hosts-redirect` | high (medium for package mirrors) | /etc/hosts maps a security vendor's host, a package mirror or the metadata service name elsewhere | T1562.001, T1557 |
//! | `evasion.hosts-mining-pool` | high | /etc/hosts names a mining pool | T1496 |
//! | `evasion.resolver-unexpected` | low | resolv.conf uses a public resolver that is neither local, private nor the cloud's | T1565.002 |
//! | `evasion.miner-tuning` | medium (low for the NMI watchdog alone) | `vm.nr_hugepages` >= 1024, `kernel.nmi_watchdog=0`, the `msr` module loaded or in modules-load.d (one finding per setting) | T1496 |
//! | `services.legacy-enabled` | high | telnet/rsh/rlogin/rexec/tftp/finger enabled (systemd or inetd/xinetd) | T1021 |
//! | `exposure.redis-no-auth` | critical (every interface: a wildcard bind, or no bind with protected-mode no), high (a specific non-loopback interface); with an explicit bind and protected mode on, open only before Redis 7.0 (protected mode then applied only without a bind): quiet when the package database records Redis 7 or later, as above for an older one, one level lower when no database records the version (a tarball); one level lower when `rename-command CONFIG` disables CONFIG | Redis serves clients without a password (no `requirepass`, ACL `default` user `nopass`), from redis.conf in Debian/RHEL/BT-Panel/tarball places, includes and ACL file followed, and from `redis-server` command lines (units and drop-ins, init scripts, `rc.local`, supervisor, a container's Cmd with a published port), whose `--bind`/`--protected-mode`/`--requirepass` override the file | T1190, T1133 |
//! | `persistence.redis-rdb-file` | critical | a crontab, cron script, authorized_keys or shell start-up file is a Redis RDB dump (`REDIS00NN`): written by `CONFIG SET dir/dbfilename` + `SAVE`; the cron entries inside (LZF-compressed ones too, [`ferret_core::rdb`]) are still reported as `persistence.cron-*`, the keys by fingerprint | T1190 + T1053.003 / T1098.004 / T1546.004 |
//! | `exposure.docker-api` | critical (no `--tlsverify`), low (client certificates required) | dockerd listens on a non-loopback `tcp://` (`-H` in docker.service or a drop-in, `/etc/default/docker`, `/etc/sysconfig/docker`, daemon.json `hosts`, docker.socket `ListenStream`) | T1133, T1190, T1610 |
//! | `exposure.docker-socket-open` | high | docker.socket `SocketMode` or the socket itself writable by others | T1611, T1068 |
//! | `exposure.docker-malicious-container` | critical | a container's image/entrypoint/command (Docker's config.v2.json under every data root: the default, daemon.json `data-root`, `--data-root`/`-g`; Podman's `overlay-containers/*/userdata/config.json`, rootful, `graphroot` and rootless in homes) is a miner, download-and-execute, decode-and-execute or reverse shell ([`ferret_core::command`]) | T1610, T1496/T1105/..., T1611 when it also escapes |
//! | `exposure.docker-container-escape` | high (privileged, host `/`, `/etc`, `/root`, `/proc` or the Docker/containerd socket mounted, SYS_ADMIN/SYS_MODULE/SYS_PTRACE/ALL added), low (host PID namespace alone) | hostconfig.json (Podman: the OCI configuration's bounding set, bind mounts, namespaces) lets the container reach the host; evidence names the JSON key | T1611, T1610 |
//! | `exposure.postgres-trust` | critical (listen_addresses beyond loopback), medium (localhost only) | a `host*` line of pg_hba.conf with `trust` from a non-loopback address | T1190, T1078.001 |
//! | `exposure.postgres-cleartext-password` | medium / low | the same with `password` (clear text) | T1190, T1078.001 |
//! | `exposure.postgres-listen-all` | low | listen_addresses beyond loopback, pg_hba without trust/password lines for it | T1133 |
//! | `exposure.yarn-no-auth` | critical (every interface: `0.0.0.0` by default or `bind-host`), high (a host name or address), medium (an untouched `yarn-site.xml`: the defaults) | Hadoop YARN's ResourceManager web/REST server with simple authentication (`hadoop.security.authentication` and `hadoop.http.authentication.type` not kerberos), from `core-site.xml` + `yarn-site.xml` in the packages', the tarball's usual and `HADOOP_HOME`/`HADOOP_CONF_DIR` places; `yarn.acl.enable` does not help (any `user.name=` is believed) | T1190, T1133 |
//! | `exposure.jupyter-no-auth` | critical (every interface: `*`, `0.0.0.0`, `''`), high (a specific address) | Jupyter Notebook/Lab/Server with `token = ''` and no password (`NotebookApp`, `ServerApp`, `IdentityProvider`, `PasswordIdentityProvider`), from `jupyter_{notebook,server,lab}_config.py`/`.json` in `/etc/jupyter`, `/usr/local/etc/jupyter`, `/opt/conda/etc/jupyter` and every home's `~/.jupyter`, or a command line (`--ip=0.0.0.0 --NotebookApp.token=`; containers with a published port) | T1190, T1133, T1059 |
//! | `exposure.kubelet-anonymous` | critical | the kubelet serves anonymous requests with `AlwaysAllow` (`authentication.anonymous.enabled`/`authorization.mode` of its `--config` file, or `--anonymous-auth`/`--authorization-mode` flags, which win; a kubelet without a config file has both by default) | T1190, T1133, T1609 |
//! | `exposure.kubelet-read-only-port` | medium | `readOnlyPort`/`--read-only-port` non-zero (10255 by default without a config file) | T1613, T1552.007 |
//! | `exposure.etcd-no-auth` | critical (plain `http://` on every interface), high (plain `http://` on an interface), medium (`https://` without `client-cert-auth`) | etcd's `listen-client-urls` beyond loopback, from flags (units, scripts, kubeadm's static pod), `--config-file` YAML and `ETCD_*` variables (`/etc/default/etcd`, `/etc/etcd/etcd.conf`, `/etc/sysconfig/etcd`) | T1190, T1552.007, T1133 |
//! | `exposure.mongodb-no-auth` | critical (every interface: `0.0.0.0`, `bindIpAll`), high (an interface) | MongoDB without `security.authorization: enabled` (or `--auth`) listening beyond loopback (`mongod.conf` YAML or the 2.x `key = value` file, `mongod` command lines and the `-f` file they name) | T1190, T1133, T1530 |
//! | `exposure.elasticsearch-no-auth` | critical (every interface, `xpack.security.enabled: false`), high (an interface, or every interface with the setting absent: off before 8.0), medium | Elasticsearch `network.host`/`http.host` beyond loopback without X-Pack security (`elasticsearch.yml` of the packages, the image, `elasticsearch*/config` under `/opt`, `/usr/local`, `/data`, BT-Panel) | T1190, T1133, T1530 |
//! | `exposure.jenkins-no-auth` | critical | Jenkins' `config.xml` (`/var/lib/jenkins`, `/var/jenkins_home`, `~/.jenkins` of every home, BT-Panel) has `<useSecurity>false</useSecurity>` or the `AuthorizationStrategy$Unsecured` strategy: the script console is open | T1190, T1133, T1059 |
//!
//! Configuration errors (unknown sshd keywords, bad values, unreadable or special files met in a
//! configuration directory such as a FIFO in `/etc/cron.d`, account lines that are no entry) are
//! reported in [`Outcome::errors`] with their file and line, never silently dropped, and never
//! block. Byte fields of the records (names, paths, commands, key comments) serialise as
//! escaped strings ([`ferret_core::escaped`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]
// Parsers mirror OpenSSH/systemd C code whose variables are single letters (s, p, n, c);
// keeping the names makes them comparable line by line.
#![allow(clippy::many_single_char_names, clippy::similar_names)]
// Keyword tables and store policies list equal bodies per keyword on purpose: each arm is a
// documented rule of sshd that may diverge in another version.
#![allow(clippy::match_same_arms)]

/// The shared vocabulary (`HostRoot`, `Finding`, `Control`, ...), re-exported so that a user
/// of this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

mod accounts;
pub mod evasion;
pub mod exposure;
pub mod files;
pub mod persistence;
pub mod services;
pub mod sshd;
pub mod sysctl;
mod util;

use ferret_core::{Control, ErrorRecord, HostRoot, Outcome};
use std::path::PathBuf;

/// Errors of `ferret-harden`. The audits return partial results, so most of these reach callers
/// as [`ErrorRecord`]s beside the findings (`ErrorRecord::from(&error)`), each naming the file
/// (and line) it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read soundly.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// A file was read but a line of it could not be parsed.
    #[error("{}:{line}: {message}", ferret_core::escape::escape_path(.path))]
    Parse {
        /// The file, inside the audited root.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A check name that is not one of [`Check::ALL`].
    #[error("unknown check {0:?} (expected sshd, sysctl, files, persistence, services, evasion, exposure)")]
    UnknownCheck(String),
    /// An `sshd -C`-style connection specification that cannot be parsed.
    #[error("invalid connection specification {spec:?}: {reason}")]
    ConnectionSpec {
        /// The specification as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<&Error> for ErrorRecord {
    fn from(e: &Error) -> Self {
        use std::os::unix::ffi::OsStrExt;
        match e {
            Error::Core(c) => ErrorRecord::from(c),
            Error::Parse {
                path,
                line,
                message,
            } => ErrorRecord::new(
                Some(path.as_os_str().as_bytes()),
                Some(*line),
                message.clone(),
            ),
            other => ErrorRecord::new(None, None, other.to_string()),
        }
    }
}

/// One part of the audit, for [`HardenOptions::checks`] and command lines
/// (`"sshd".parse::<Check>()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Check {
    /// The effective sshd configuration ([`sshd::audit_root`]).
    Sshd,
    /// Configured and running kernel parameters ([`sysctl::audit_root`]).
    Sysctl,
    /// SUID/SGID, world-writable and unowned files: walks the root file system
    /// ([`files::audit_root`]).
    Files,
    /// ld.so.preload, cron, authorized_keys, systemd units, rc.local, shell profiles, PAM,
    /// udev, boot/login/network/package-manager/kernel-module hooks, Python start-up hooks,
    /// initramfs modules, package maintainer scripts and git hooks
    /// ([`persistence::audit_root`]; the coverage survey is `docs/persistence-coverage.md`).
    Persistence,
    /// Legacy clear-text remote services ([`services::audit_root`]).
    Services,
    /// Defense evasion: immutable persistence files, cloud security agents stopped or removed,
    /// logging disabled, logs emptied, hosts/resolver redirection, miner kernel settings
    /// ([`evasion::audit_root`]).
    Evasion,
    /// Initial access: Redis, the Docker API and PostgreSQL reachable without authentication,
    /// containers that escape or mine ([`exposure::audit_root`]).
    Exposure,
}

impl Check {
    /// Every check, in the order [`audit_root`] runs them.
    pub const ALL: [Check; 7] = [
        Check::Sshd,
        Check::Sysctl,
        Check::Persistence,
        Check::Services,
        Check::Exposure,
        Check::Evasion,
        Check::Files,
    ];

    /// The name used on command lines (`sshd`, `sysctl`, `files`, `persistence`, `services`,
    /// `evasion`, `exposure`).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Sshd => "sshd",
            Check::Sysctl => "sysctl",
            Check::Files => "files",
            Check::Persistence => "persistence",
            Check::Services => "services",
            Check::Evasion => "evasion",
            Check::Exposure => "exposure",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Check {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        Check::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::UnknownCheck(s.to_owned()))
    }
}

/// What [`audit_root`] runs and how. Plain fields, set one by one from the defaults:
///
/// ```
/// use ferret_harden::{Check, HardenOptions};
/// let mut opts = HardenOptions::default();
/// opts.checks = vec![Check::Sshd, "persistence".parse()?];
/// opts.files.inventory = true;
/// # Ok::<(), ferret_harden::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HardenOptions {
    /// The checks to run (default: [`Check::ALL`]); they run in [`Check::ALL`]'s order
    /// whatever the order here.
    pub checks: Vec<Check>,
    /// Options of the sshd checks (which configuration file).
    pub sshd: sshd::SshdOptions,
    /// Options of the filesystem checks (where to start, the SUID inventory, the "recent"
    /// window).
    pub files: files::FilesOptions,
}

impl Default for HardenOptions {
    fn default() -> Self {
        HardenOptions {
            checks: Check::ALL.to_vec(),
            sshd: sshd::SshdOptions::default(),
            files: files::FilesOptions::default(),
        }
    }
}

/// Runs the selected checks against `root` (live `/` or a mounted image) and returns their
/// findings (most severe first) and errors. Cancelling `control` stops the run between checks
/// and inside the long ones (the file walk, the persistence sweep); what was found so far is
/// returned with a "cancelled" error. The thread limit and progress callback of `control` reach
/// the file walk.
pub fn audit_root(root: &HostRoot, opts: &HardenOptions, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    for check in Check::ALL {
        if !opts.checks.contains(&check) {
            continue;
        }
        if util::cancelled(control, &mut out) {
            break;
        }
        let part = match check {
            Check::Sshd => sshd::audit_root(root, &opts.sshd, control),
            Check::Sysctl => sysctl::audit_root(root, control),
            Check::Persistence => persistence::audit_root(root, control),
            Check::Services => services::audit_root(root, control),
            Check::Evasion => evasion::audit_root(root, control),
            Check::Exposure => exposure::audit_root(root, control),
            Check::Files => files::audit_root(root, &opts.files, control),
        };
        out.merge(part);
    }
    // a cancellation is reported once, whichever part saw it
    let mut seen = false;
    let cancelled = util::cancelled_record();
    out.errors.retain(|e| {
        let dup = *e == cancelled && seen;
        seen |= *e == cancelled;
        !dup
    });
    out.sort();
    out
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (see `fuzz/`).

    /// sshd_config lexing and resolution must never panic. `Include` lines are dropped so a
    /// fuzzed glob never walks the machine running the fuzzer.
    pub fn sshd_config(data: &[u8]) {
        let n = crate::sshd::parse(data).count();
        assert!(n <= data.len() + 1);
        resolve_only(data);
    }

    fn resolve_only(data: &[u8]) {
        let root = ferret_core::HostRoot::live();
        let filtered: Vec<u8> = data
            .split(|&c| c == b'\n')
            // Any line mentioning include (quoted keywords too) is dropped.
            .filter(|l| !l.to_ascii_lowercase().windows(7).any(|w| w == b"include"))
            .collect::<Vec<_>>()
            .join(&b'\n');
        let cfg = crate::sshd::SshdConfig::from_bytes(&root, "/etc/ssh/sshd_config", &filtered);
        for ctx in [
            crate::sshd::ConnectionContext::new(),
            crate::sshd::ConnectionContext::new()
                .user("root")
                .host("h")
                .addr("10.0.0.1")
                .laddr("::1")
                .lport(22),
        ] {
            let e = cfg.effective(&ctx);
            let _ = e.dump();
        }
    }

    /// sysctl.conf parsing must never panic and keep line numbers in range.
    pub fn sysctl(data: &[u8]) {
        let lines = data.split(|&c| c == b'\n').count() as u64;
        for item in crate::sysctl::parse(data) {
            let l = match item {
                Ok(e) => e.line,
                Err(e) => e.line,
            };
            assert!(l >= 1 && l <= lines);
        }
    }

    /// authorized_keys parsing must never panic and never keep key material in its output.
    pub fn authorized_keys(data: &[u8]) {
        for k in crate::persistence::parse_authorized_keys(data)
            .into_iter()
            .flatten()
        {
            let _ = k.describe();
        }
    }

    /// PAM rule and udev rule parsing must never panic, and what they return lies inside the
    /// line.
    pub fn pam_udev(data: &[u8]) {
        for l in data.split(|&c| c == b'\n') {
            if let Some((ty, control, module, args)) = crate::persistence::pam_rule(l) {
                assert!(ty.len() + control.len() + module.len() <= l.len());
                assert!(args.iter().all(|a| a.len() <= l.len()));
            }
            for c in crate::persistence::udev_commands(l) {
                assert!(c.len() <= l.len());
            }
        }
    }

    /// The hook parsers (apt.conf hooks, logrotate script blocks, modprobe.d commands,
    /// modules-load.d names, shell aliases, GRUB init=, polkit allow-all) must never panic, and
    /// what they return lies inside the input.
    pub fn hooks(data: &[u8]) {
        let lines = data.split(|&c| c == b'\n').count() as u64;
        for (line, _, value) in crate::persistence::apt_conf_commands(data) {
            assert!(line >= 1 && line <= lines);
            assert!(value.len() <= data.len());
        }
        for (line, text) in crate::persistence::logrotate_scripts(data) {
            assert!(line >= 1 && line <= lines && text.len() <= data.len());
        }
        for (line, name) in crate::persistence::modules_load_names(data) {
            assert!(line >= 1 && line <= lines && !name.is_empty());
        }
        for (line, v) in crate::persistence::grub_init_values(data) {
            assert!(line >= 1 && line <= lines && v.len() <= data.len());
        }
        for rules in [false, true] {
            for line in crate::persistence::polkit_allow_all(data, rules) {
                assert!(line >= 1 && line <= lines);
            }
        }
        for l in data.split(|&c| c == b'\n') {
            if let Some((module, cmd)) = crate::persistence::modprobe_command(l) {
                assert!(module.len() + cmd.len() <= l.len());
            }
            if let Some((name, value)) = crate::persistence::alias_hijack(l) {
                assert!(name.len() + value.len() <= l.len());
            }
        }
    }

    /// The start-up hook parsers (`.pth` import lines and their stock forms, Python and shell
    /// script lines joined across continuations) must never panic, and what they return lies
    /// inside the input.
    pub fn startup(data: &[u8]) {
        crate::persistence::fuzz_startup(data);
    }

    /// redis.conf splitting (sdssplitargs) must never panic, keep line numbers in range, and
    /// give arguments no longer than their line; the reach of any bind list is decided. Each
    /// line is also split as a unit's command line and read as `redis-server`'s options.
    pub fn redis_conf(data: &[u8]) {
        for l in data.split(|&c| c == b'\n') {
            let words = crate::exposure::launch::split_words(l);
            assert!(words.iter().map(Vec::len).sum::<usize>() <= l.len());
            let (file, opts) = crate::exposure::redis::command_line(&words);
            assert!(file.is_none_or(|f| f.len() <= l.len()));
            assert!(opts.len() <= words.len());
            assert!(crate::exposure::launch::masked(&words).len() <= 4 * l.len() + 8);
        }
        let lines = data.split(|&c| c == b'\n').count() as u64;
        for d in crate::exposure::redis::parse(data) {
            match d {
                Ok(d) => {
                    assert!(d.line >= 1 && d.line <= lines);
                    assert!(d.args.iter().map(Vec::len).sum::<usize>() <= data.len());
                    let _ = crate::exposure::redis::reach(d.args.get(1..));
                }
                Err(l) => assert!(l >= 1 && l <= lines),
            }
        }
    }

    /// Docker's JSON (daemon.json, a container's config.v2.json and hostconfig.json, the
    /// input split in two at its first NUL) and Podman's OCI configuration must never panic;
    /// a parsed container yields its findings without panicking.
    pub fn docker_json(data: &[u8]) {
        let _ = crate::exposure::docker::parse_daemon_json(data);
        let _ = crate::exposure::docker::hosts_in_args(data);
        let _ = crate::exposure::docker::remote_tcp(data);
        let (a, b) = match data.iter().position(|&c| c == 0) {
            Some(p) => (
                data.get(..p).unwrap_or_default(),
                data.get(p + 1..).unwrap_or_default(),
            ),
            None => (data, &b""[..]),
        };
        if let Ok(c) = crate::exposure::docker::parse_container(b"id", a, b) {
            let _ = crate::exposure::docker::container_findings(&c, std::path::Path::new("/c"));
        }
        // The same bytes as Podman's OCI configuration.
        if let Ok(c) = crate::exposure::docker::parse_oci(b"id", b"name", data) {
            assert!(c.argv.iter().map(Vec::len).sum::<usize>() <= data.len());
            let _ = crate::exposure::docker::container_findings(&c, std::path::Path::new("/c"));
        }
    }

    /// pg_hba.conf and postgresql.conf parsing must never panic and keep line numbers in
    /// range.
    pub fn pg_hba(data: &[u8]) {
        let lines = data.split(|&c| c == b'\n').count() as u64;
        for r in crate::exposure::postgres::parse_hba(data) {
            let l = match r {
                Ok(h) => {
                    let _ = crate::exposure::postgres::remote_address(&h.address);
                    h.line
                }
                Err(l) => l,
            };
            assert!(l >= 1 && l <= lines);
        }
        if let Some((v, l)) = crate::exposure::postgres::listen_addresses(data) {
            assert!(l >= 1 && l <= lines && v.len() <= data.len());
            let _ = crate::exposure::postgres::listen_remote(&v);
        }
    }

    /// The configuration readers of the services the exposure check finds open (Hadoop's
    /// `*-site.xml`, Jenkins' `config.xml`, Jupyter's `.py`/`.json` files and command lines, the kubelet's, etcd's,
    /// MongoDB's and Elasticsearch's YAML, environment files) must never panic, keep
    /// line numbers in range and values inside the input (entities only shorten), and decide
    /// a finding for what they read.
    pub fn service_conf(data: &[u8]) {
        use crate::exposure::{jupyter, kube};
        let lines = data.split(|&c| c == b'\n').count() as u64;
        let p = std::path::Path::new("/c");
        let mut s = jupyter::JupyterSettings::default();
        for set in jupyter::parse_py(p, data) {
            assert!(set.line >= 1 && set.line <= lines);
            if let jupyter::Value::Str(v) = &set.value {
                assert!(v.len() <= data.len());
            }
            s.apply([set]);
        }
        if let Ok(v) = jupyter::parse_json(p, data) {
            s.apply(v);
        }
        for l in data.split(|&c| c == b'\n') {
            let words = crate::exposure::launch::split_words(l);
            s.apply(jupyter::parse_args(p, 1, &words));
        }
        let _ = jupyter::finding(&s, b"localhost", None);
        match kube::flatten_yaml(data) {
            Ok(entries) => {
                assert!(entries.len() <= kube::MAX_ENTRIES);
                for e in &entries {
                    assert!(e.line >= 1 && e.line <= lines);
                }
                let mut k = kube::Kubelet::default();
                k.apply_config(p, &entries);
                let _ = kube::kubelet_findings(&k, p);
                let mut e = kube::Etcd::default();
                e.apply_yaml(p, &entries);
                let _ = kube::etcd_finding(&e, p);
                let mut es = crate::exposure::datastores::Elastic::default();
                es.apply(p, &entries);
                let _ = crate::exposure::datastores::elastic_finding(&es);
            }
            Err((_, l)) => assert!(l >= 1),
        }
        let mut m = crate::exposure::datastores::Mongo::default();
        if m.apply_file(p, data).is_ok() {
            let _ = crate::exposure::datastores::mongo_finding(&m);
        }
        let vars = kube::env_file(data);
        let mut e = kube::Etcd::default();
        e.apply_env(p, &vars);
        let _ = kube::etcd_finding(&e, p);
        if let Ok(j) = crate::exposure::jenkins::parse_config(data) {
            for (v, l) in j.use_security.iter().chain(j.authorization.iter()) {
                assert!(*l >= 1 && *l <= lines && v.len() <= data.len());
            }
            let _ = crate::exposure::jenkins::finding(p, &j);
        }
        match crate::exposure::hadoop::parse_site(data) {
            Ok(props) => {
                assert!(props.len() <= crate::exposure::hadoop::MAX_PROPERTIES);
                for p in &props {
                    assert!(p.line >= 1 && p.line <= lines);
                    assert!(p.name.len() + p.value.len() <= data.len());
                }
                let c = crate::exposure::hadoop::HadoopConf::from_properties(
                    std::path::Path::new("/c"),
                    props,
                );
                let _ = crate::exposure::hadoop::finding(&c);
            }
            Err((_, l)) => assert!(l >= 1 && l <= lines),
        }
    }

    /// crontab line classification must never panic.
    pub fn crontab(data: &[u8]) {
        let _ = crate::persistence::scan_crontab(data, crate::persistence::CrontabKind::System);
        let _ = crate::persistence::scan_crontab(data, crate::persistence::CrontabKind::User);
    }
}
