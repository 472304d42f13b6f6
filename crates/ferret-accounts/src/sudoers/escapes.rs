//! Programs that hand out a root shell when sudo runs them (GTFOBins' "Sudo" functions): the one
//! documented list `accounts.sudoers-shell` uses. This is not a list of suspicious commands
//! (that is `ferret_core::command::classify`, which the audit also asks): it is a list of
//! ordinary programs whose features escape to a shell or write any file.
//!
//! | why | programs |
//! |---|---|
//! | shell | `sh` `bash` `dash` `zsh` `ksh` `mksh` `csh` `tcsh` `fish` `ash` `busybox` `su` `sudo` `screen` `tmux` `script` |
//! | editor (`:!sh`, write `/etc/sudoers`) | `vi` `vim` `nvim` `view` `rvim` `ex` `ed` `nano` `pico` `emacs` `joe` `mcedit` `mc` |
//! | pager (`!sh`) | `less` `more` `most` `pg` `man` `journalctl` `systemctl` |
//! | interpreter | `python` `perl` `ruby` `lua` `php` `node` `irb` `tclsh` `wish` `expect` `gdb` `awk` `gawk` `mawk` `nawk` `sed` `jjs` `jrunscript` |
//! | runs another program | `env` `find` `xargs` `nice` `ionice` `timeout` `stdbuf` `taskset` `strace` `ltrace` `flock` `watch` `nohup` `setsid` `chroot` `unshare` `nsenter` `docker` `make` `git` `ssh` `rsync` `tar` `zip` `nmap` `ftp` `socat` `apt` `apt-get` `dpkg` `yum` `dnf` `rpm` `pip` `pip3` `npm` `gem` `crontab` `mount` `openvpn` |
//! | writes any file | `cp` `mv` `dd` `tee` `install` `chmod` `chown` `ln` `curl` `wget` `openssl` |
//!
//! Version suffixes are ignored (`python3.11`, `perl5.36`).

/// Why a program is dangerous under sudo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Escape {
    /// A shell (or something that is one).
    Shell,
    /// An editor: shell escapes, and it can rewrite any file.
    Editor,
    /// A pager: `!sh`.
    Pager,
    /// A language interpreter.
    Interpreter,
    /// Runs another program given on its command line.
    Exec,
    /// Overwrites or changes any file (`/etc/sudoers`, `/etc/shadow`).
    FileWrite,
}

impl Escape {
    /// Short description.
    pub fn as_str(self) -> &'static str {
        match self {
            Escape::Shell => "a shell",
            Escape::Editor => "an editor (shell escape, writes any file)",
            Escape::Pager => "a pager (shell escape)",
            Escape::Interpreter => "an interpreter",
            Escape::Exec => "a program that runs other programs",
            Escape::FileWrite => "a program that overwrites any file",
        }
    }

    /// Whether fixed arguments still leave the escape open (editors and pagers do).
    pub fn escapes_with_fixed_args(self) -> bool {
        matches!(self, Escape::Editor | Escape::Pager)
    }
}

const LIST: &[(&str, Escape)] = &[
    ("sh", Escape::Shell),
    ("bash", Escape::Shell),
    ("dash", Escape::Shell),
    ("zsh", Escape::Shell),
    ("ksh", Escape::Shell),
    ("mksh", Escape::Shell),
    ("csh", Escape::Shell),
    ("tcsh", Escape::Shell),
    ("fish", Escape::Shell),
    ("ash", Escape::Shell),
    ("busybox", Escape::Shell),
    ("su", Escape::Shell),
    ("sudo", Escape::Shell),
    ("screen", Escape::Shell),
    ("tmux", Escape::Shell),
    ("script", Escape::Shell),
    ("vi", Escape::Editor),
    ("vim", Escape::Editor),
    ("nvim", Escape::Editor),
    ("view", Escape::Editor),
    ("rvim", Escape::Editor),
    ("ex", Escape::Editor),
    ("ed", Escape::Editor),
    ("nano", Escape::Editor),
    ("pico", Escape::Editor),
    ("emacs", Escape::Editor),
    ("joe", Escape::Editor),
    ("mcedit", Escape::Editor),
    ("mc", Escape::Editor),
    ("less", Escape::Pager),
    ("more", Escape::Pager),
    ("most", Escape::Pager),
    ("pg", Escape::Pager),
    ("man", Escape::Pager),
    ("journalctl", Escape::Pager),
    ("systemctl", Escape::Pager),
    ("python", Escape::Interpreter),
    ("perl", Escape::Interpreter),
    ("ruby", Escape::Interpreter),
    ("lua", Escape::Interpreter),
    ("php", Escape::Interpreter),
    ("node", Escape::Interpreter),
    ("irb", Escape::Interpreter),
    ("tclsh", Escape::Interpreter),
    ("wish", Escape::Interpreter),
    ("expect", Escape::Interpreter),
    ("gdb", Escape::Interpreter),
    ("awk", Escape::Interpreter),
    ("gawk", Escape::Interpreter),
    ("mawk", Escape::Interpreter),
    ("nawk", Escape::Interpreter),
    ("sed", Escape::Interpreter),
    ("jjs", Escape::Interpreter),
    ("jrunscript", Escape::Interpreter),
    ("env", Escape::Exec),
    ("find", Escape::Exec),
    ("xargs", Escape::Exec),
    ("nice", Escape::Exec),
    ("ionice", Escape::Exec),
    ("timeout", Escape::Exec),
    ("stdbuf", Escape::Exec),
    ("taskset", Escape::Exec),
    ("strace", Escape::Exec),
    ("ltrace", Escape::Exec),
    ("flock", Escape::Exec),
    ("watch", Escape::Exec),
    ("nohup", Escape::Exec),
    ("setsid", Escape::Exec),
    ("chroot", Escape::Exec),
    ("unshare", Escape::Exec),
    ("nsenter", Escape::Exec),
    ("docker", Escape::Exec),
    ("make", Escape::Exec),
    ("git", Escape::Exec),
    ("ssh", Escape::Exec),
    ("rsync", Escape::Exec),
    ("tar", Escape::Exec),
    ("zip", Escape::Exec),
    ("nmap", Escape::Exec),
    ("ftp", Escape::Exec),
    ("socat", Escape::Exec),
    ("apt", Escape::Exec),
    ("apt-get", Escape::Exec),
    ("dpkg", Escape::Exec),
    ("yum", Escape::Exec),
    ("dnf", Escape::Exec),
    ("rpm", Escape::Exec),
    ("pip", Escape::Exec),
    ("pip3", Escape::Exec),
    ("npm", Escape::Exec),
    ("gem", Escape::Exec),
    ("crontab", Escape::Exec),
    ("mount", Escape::Exec),
    ("openvpn", Escape::Exec),
    ("cp", Escape::FileWrite),
    ("mv", Escape::FileWrite),
    ("dd", Escape::FileWrite),
    ("tee", Escape::FileWrite),
    ("install", Escape::FileWrite),
    ("chmod", Escape::FileWrite),
    ("chown", Escape::FileWrite),
    ("ln", Escape::FileWrite),
    ("curl", Escape::FileWrite),
    ("wget", Escape::FileWrite),
    ("openssl", Escape::FileWrite),
];

/// What escape a program's base name offers, if any (`python3.11` is `python`).
///
/// ```
/// use ferret_accounts::sudoers::escapes::{escape_of, Escape};
/// assert_eq!(escape_of(b"vim"), Some(Escape::Editor));
/// assert_eq!(escape_of(b"python3.11"), Some(Escape::Interpreter));
/// assert_eq!(escape_of(b"id"), None);
/// ```
pub fn escape_of(base: &[u8]) -> Option<Escape> {
    let find = |n: &[u8]| LIST.iter().find(|(p, _)| p.as_bytes() == n).map(|x| x.1);
    if let Some(e) = find(base) {
        return Some(e);
    }
    let stem_len = base.len()
        - base
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit() || **b == b'.')
            .count();
    let stem = base.get(..stem_len).unwrap_or_default();
    if stem.len() < base.len() && !stem.is_empty() {
        return find(stem);
    }
    None
}
