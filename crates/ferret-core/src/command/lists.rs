//! The lists the command rules use, each with the reason it exists: the part of the classifier
//! that is kept up to date as attackers' habits change. Names are matched exactly unless a
//! list says otherwise.

/// Programs that fetch a URL.
#[rustfmt::skip]
pub(super) const DOWNLOADERS: &[&[u8]] = &[
    b"curl", b"wget", b"wget2", b"fetch", b"lwp-download", b"lwp-request", b"GET", b"tftp",
    b"aria2c", b"axel", b"ftp",
];

/// Shells: they run what they read on standard input, or the text after `-c`.
#[rustfmt::skip]
pub(super) const SHELLS: &[&[u8]] = &[
    b"sh", b"bash", b"dash", b"zsh", b"ksh", b"ash", b"mksh", b"yash", b"fish", b"csh", b"tcsh",
];

/// Script interpreters with an inline-code flag (`-c`, `-e`, `-r`).
#[rustfmt::skip]
pub(super) const SCRIPTERS: &[&[u8]] = &[
    b"python", b"perl", b"php", b"ruby", b"node", b"nodejs", b"lua", b"tclsh", b"pwsh",
];

/// Network clients that can carry a shell's input and output.
#[rustfmt::skip]
pub(super) const NET_CLIENTS: &[&[u8]] = &[
    b"nc", b"ncat", b"netcat", b"nc.traditional", b"nc.openbsd", b"telnet", b"socat", b"cryptcat",
    b"openssl",
];

/// Prefixes that run the next word as the program: skipped to find the real program. Each
/// value says how many option arguments take a value.
#[rustfmt::skip]
pub(super) const WRAPPERS: &[&[u8]] = &[
    b"sudo", b"doas", b"nohup", b"nice", b"ionice", b"timeout", b"setsid", b"exec", b"command",
    b"builtin", b"env", b"stdbuf", b"chrt", b"taskset", b"time", b"busybox", b"xargs", b"flock",
    b"screen", b"chroot", b"runuser", b"watch", b"strace", b"ltrace", b"unbuffer", b"proxychains",
    b"proxychains4", b"torsocks",
];

/// Options of wrappers that take a separate value (`sudo -u root`, `nice -n 19`).
#[rustfmt::skip]
pub(super) const WRAPPER_VALUE_OPTS: &[&[u8]] = &[
    b"-u", b"-g", b"-n", b"-c", b"-p", b"-s", b"-k", b"-o", b"-e", b"-I", b"-P", b"-S", b"-L",
    b"-C", b"-h", b"-U", b"-t", b"-w", b"-d", b"--user", b"--group", b"--signal",
];

/// Programs whose arguments are searched or shown, not acted on: a miner pool or `/dev/tcp` in
/// their arguments is a responder hunting, not an attacker acting.
#[rustfmt::skip]
pub(super) const VIEWERS: &[&[u8]] = &[
    b"grep", b"egrep", b"fgrep", b"zgrep", b"rg", b"ag", b"ack", b"less", b"more", b"cat", b"head",
    b"tail", b"vi", b"vim", b"nvim", b"nano", b"view", b"emacs", b"man", b"file", b"stat", b"ls",
    b"strings", b"lsattr", b"find", b"locate", b"which", b"type", b"whereis", b"history",
    b"hexdump", b"xxd", b"od", b"diff", b"md5sum", b"sha256sum", b"sha1sum", b"wc",
];

/// Security, monitoring and logging agents attackers stop or remove (lower case, matched as
/// substrings of unit, process and path names). Cloud agents from the public reports on
/// Kinsing, TeamTNT, WatchDog and 8220 Gang scripts, which remove them first: Alibaba Cloud
/// Security Center ("aegis": AliYunDun, AliYunDunUpdate, AliYunDunMonitor, /usr/local/aegis),
/// Alibaba CloudMonitor (cloudmonitor, argusagent), Tencent Cloud YunJing (YDService,
/// YDLive, /usr/local/qcloud), Huawei Cloud HSS (hostguard), Baidu BCM (bcm-agent).
pub(super) const AGENTS: &[&[u8]] = &[
    b"aegis",
    b"aliyundun",
    // aliyun-service, aliyun.service, aliyun_assist (Cloud Assistant).
    b"aliyun",
    b"cloudmonitor",
    b"argusagent",
    b"cmsgoagent",
    b"qcloud",
    b"yunjing",
    b"ydservice",
    b"ydlive",
    b"ydeyes",
    b"barad_agent",
    b"stargate",
    b"hostguard",
    b"hssagent",
    b"bcm-agent",
    b"auditd",
    b"rsyslog",
    b"syslog-ng",
    b"systemd-journald",
    b"apparmor",
    b"falco",
    b"osqueryd",
    b"wazuh",
    b"ossec",
    b"clamd",
    b"clamav",
    b"falcon-sensor",
    b"sentinelone",
    b"qualys-cloud-agent",
    b"amazon-cloudwatch-agent",
];

/// Firewall services.
#[rustfmt::skip]
pub(super) const FIREWALLS: &[&[u8]] = &[
    b"firewalld", b"ufw", b"iptables", b"ip6tables", b"nftables", b"netfilter-persistent",
    b"shorewall",
];

/// Hosts and fragments of miner pool addresses (lower case).
pub(super) const POOLS: &[&[u8]] = &[
    b"nanopool.org",
    b"supportxmr.com",
    b"minexmr.com",
    b"moneroocean.stream",
    b"c3pool.com",
    b"hashvault.pro",
    b"f2pool.com",
    b"2miners.com",
    b"herominers.com",
    b"xmrpool.eu",
    b"unmineable.com",
    b"nicehash.com",
    b"monerohash.com",
    b"xmrig.com",
    b"pool.minergate.com",
    b"dwarfpool.com",
    b"xmr.pool.",
    b"pool.hashvault",
];

/// Program names of common miners (lower case substrings of the program's file name).
#[rustfmt::skip]
pub(super) const MINER_PROGRAMS: &[&[u8]] = &[
    b"xmrig", b"xmr-stak", b"minerd", b"cpuminer", b"ccminer", b"nbminer", b"phoenixminer",
    b"lolminer", b"ethminer", b"cgminer", b"bfgminer",
];

/// Temporary directories (world-writable, the usual drop zones).
pub(super) const TEMP_DIRS: &[&[u8]] = &[b"/tmp/", b"/var/tmp/", b"/dev/shm/", b"/run/shm/"];

/// Login-record and system log files, by file name.
#[rustfmt::skip]
pub(super) const LOG_NAMES: &[&[u8]] = &[
    b"wtmp", b"btmp", b"utmp", b"lastlog", b"secure", b"messages", b"auth.log", b"syslog",
    b"kern.log", b"audit.log", b"faillog",
];

/// Substrings that any classifiable command contains (lower case). A command with none of them
/// cannot match a rule, so it is not parsed: most of a history is `ls`, `cd` and `vim`. Every
/// rule below is reachable only through one of these; the unit test
/// `prefilter_covers_every_rule_example` keeps it so.
#[rustfmt::skip]
pub(super) const TRIGGERS: &[&[u8]] = &[
    b"curl", b"wget", b"fetch", b"lwp-", b"get ", b"tftp", b"aria2", b"axel", b"ftp", b"base64",
    b"base32", b"basenc", b"xxd", b"openssl", b"uudecode", b"b64", b"decode", b"hex", b"nc",
    b"netcat", b"socat", b"telnet", b"/dev/tcp", b"/dev/udp", b"/inet/", b"mkfifo", b"xterm",
    b"python", b"perl", b"php", b"ruby", b"node", b"lua", b"tclsh", b"pwsh", b"authorized_keys",
    b"ssh-copy-id", b"useradd", b"adduser", b"newusers", b"usermod", b"passwd", b"chage",
    b"gpasswd", b"vipw", b"vigr", b"/etc/shadow", b"/etc/group", b"/etc/gshadow", b"sudoers",
    b"chmod", b"setcap", b"chattr", b"/var/log", b"wtmp", b"btmp", b"lastlog", b"utmp", b"secure",
    b"messages", b"auth.log", b"syslog", b"faillog", b"journalctl", b"hist", b"set +o", b"$$",
    b"audit", b"setenforce", b"aegis", b"aliyun", b"yundun", b"cloudmonitor", b"argus", b"cmsgo",
    b"qcloud", b"yunjing", b"ydservice", b"ydlive", b"ydeyes", b"barad", b"stargate", b"hostguard",
    b"hss", b"bcm-agent", b"falco", b"osquery", b"wazuh", b"ossec", b"clam", b"sentinel",
    b"qualys", b"cloudwatch", b"apparmor", b"journald", b"iptables", b"nft", b"ufw", b"firewall",
    b"shorewall", b"netfilter", b"insmod", b"modprobe", b"stratum", b"donate", b"randomx", b"rx/0",
    b"cryptonight", b"xmr", b"miner", b"monero", b"pool", b"cpu-max", b"crontab", b"cron",
    b"systemd", b".service", b"init.d", b"rc.local", b"rc.d", b"ld.so.preload", b"profile",
    b"bashrc", b"bash_login", b"zshrc", b"zprofile", b"/tmp/", b"/var/tmp/", b"/dev/shm/",
    b"/run/shm/", b"...", b"/ ", b". /", b"/. ", b"eval", b"source", b"exec", b"kill", b"shred",
    b"truncate", b"unlink", b"wipe", b"srm", b"http", b"sh -c", b"-u ", b"bin/.", b"lib/.",
    b"lib64/.", b"libexec/.", b"/etc/.",
];
