//! Defense evasion: persistence files locked with the immutable or append-only inode flag, cloud
//! security and monitoring agents stopped or removed (and the commands that do it), logging
//! switched off or pointed at `/dev/null`, logs emptied or recreated, `/etc/hosts` entries that
//! redirect security vendors, package mirrors, the metadata service or name mining pools, an
//! unexpected resolver in `/etc/resolv.conf`, and the kernel settings miners make for speed.
//!
//! Everything is read through the [`HostRoot`]; only "is the agent's process running" and the
//! loaded kernel modules need the live system (`/proc`) and are left out on an image.

use crate::accounts::Accounts;
use crate::util::{list_dir, pb, read_config, skipped};
use ferret_core::command::{classify, is_mining_pool_host, CommandKind};
use ferret_core::{Control, Evidence, FileKind, Finding, HostRoot, Outcome, Severity, Timestamp};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Immutable and append-only persistence files.

/// Persistence-relevant files checked for the `i` and `a` inode flags.
const LOCKABLE_FILES: &[&str] = &[
    "/etc/passwd",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf",
    "/etc/ssh/sshd_config",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/crontab",
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/environment",
    "/etc/rc.local",
    "/etc/rc.d/rc.local",
];

/// Directories whose entries (and the directory itself) are checked.
const LOCKABLE_DIRS: &[&str] = &[
    "/etc/sudoers.d",
    "/etc/ssh/sshd_config.d",
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron",
    "/var/spool/cron/crontabs",
    "/etc/profile.d",
    "/etc/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
    "/etc/init.d",
];

/// Files and directories in each home.
const LOCKABLE_HOME: &[&str] = &[
    ".ssh",
    ".ssh/authorized_keys",
    ".ssh/authorized_keys2",
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zprofile",
];

/// The homes of the accounts (deduplicated, `/` and empty left out).
fn homes(accounts: &Accounts) -> Vec<PathBuf> {
    let mut seen = BTreeSet::new();
    for u in &accounts.users {
        if u.home.first() == Some(&b'/') && u.home.len() > 1 {
            seen.insert(PathBuf::from(std::ffi::OsStr::from_bytes(&u.home)));
        }
    }
    seen.into_iter().collect()
}

fn audit_immutable(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    let mut paths: Vec<PathBuf> = LOCKABLE_FILES.iter().map(PathBuf::from).collect();
    for d in LOCKABLE_DIRS {
        if root.exists(d) {
            paths.push(PathBuf::from(d));
            paths.extend(list_dir(root, d, out));
        }
    }
    for h in homes(accounts) {
        paths.extend(LOCKABLE_HOME.iter().map(|f| h.join(f)));
    }
    // One finding per object: /lib and /usr/lib are often the same directory.
    let mut seen = HashSet::new();
    for p in paths {
        let st = match root.lstat(&p) {
            Ok(s) => s,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.errors.push(skipped(&e));
                continue;
            }
        };
        if !matches!(st.kind, FileKind::Regular | FileKind::Directory)
            || !seen.insert((st.dev, st.ino))
        {
            continue;
        }
        let flags = match root.inode_flags(&p) {
            Ok(Some(f)) => f,
            Ok(None) => continue,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                out.errors.push(skipped(&e));
                continue;
            }
        };
        let what = match (flags.is_immutable(), flags.is_append_only()) {
            (true, true) => "immutable and append-only",
            (true, false) => "immutable",
            (false, true) => "append-only",
            (false, false) => continue,
        };
        let kind = if st.kind == FileKind::Directory {
            "directory"
        } else {
            "file"
        };
        out.findings.push(
            Finding::new(
                "evasion.immutable-file",
                Severity::High,
                format!("persistence-relevant {kind} is {what}"),
                pb(&p),
            )
            .with_evidence(Evidence::file(pb(&p)))
            .with_detail(format!(
                "lsattr: {} (flags {})",
                flags.lsattr(),
                flags.letters()
            ))
            .with_attack("T1222.002")
            .with_remediation(
                "Attackers lock the files they planted or changed (keys, crontabs, accounts, \
                 resolver) so that cleaning fails; preserve the file, find who ran chattr, clear \
                 the flag with `chattr -ia` and review the content.",
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cloud security and monitoring agents.

/// A cloud security or monitoring agent: where it lives and what it runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Agent {
    /// Short id used in finding subjects (`aliyun-aegis`).
    pub id: &'static str,
    /// What it is.
    pub name: &'static str,
    /// Installation directories.
    pub dirs: &'static [&'static str],
    /// Executables whose presence means "installed".
    pub binaries: &'static [&'static str],
    /// Process names (`/proc/PID/comm`, at most 15 bytes).
    pub processes: &'static [&'static str],
    /// systemd unit / SysV init script names (without `.service`).
    pub services: &'static [&'static str],
    /// Package names in the dpkg database.
    pub packages: &'static [&'static str],
}

/// The agents checked. Each entry names its source.
pub const AGENTS: &[Agent] = &[
    // Alibaba Cloud Security Center ("aegis", Server Guard): "Processes of the Security Center
    // agent" (alibabacloud.com/help/en/security-center/user-guide/security-center-agent-processes
    // and doc-detail/68611): AliYunDun, AliYunDunMonitor, AliYunDunUpdate from
    // /usr/local/aegis/aegis_client and /usr/local/aegis/aegis_update. The `aegis` init script /
    // unit is what the public uninstall scripts stop (update.aegis.aliyun.com uninstall.sh).
    Agent {
        id: "aliyun-aegis",
        name: "Alibaba Cloud Security Center agent (aegis)",
        dirs: &["/usr/local/aegis"],
        binaries: &[
            "/usr/local/aegis/aegis_client",
            "/usr/local/aegis/aegis_update",
        ],
        // comm is cut at 15 bytes: AliYunDunMonitor -> AliYunDunMonito.
        processes: &["AliYunDun", "AliYunDunUpdate", "AliYunDunMonito"],
        services: &["aegis"],
        packages: &[],
    },
    // Alibaba CloudMonitor agent: "CloudMonitor agent overview"
    // (alibabacloud.com/help/en/cms/cloudmonitor-1-0/user-guide/cloudmonitor-agent): installed in
    // /usr/local/cloudmonitor, process /usr/local/cloudmonitor/bin/argusagent; the Java 1.x
    // agent's wrapper/bin/cloudmonitor.sh is what older uninstall scripts call.
    Agent {
        id: "aliyun-cloudmonitor",
        name: "Alibaba Cloud CloudMonitor agent",
        dirs: &["/usr/local/cloudmonitor"],
        binaries: &[
            "/usr/local/cloudmonitor/bin/argusagent",
            "/usr/local/cloudmonitor/wrapper/bin/cloudmonitor.sh",
        ],
        processes: &["argusagent"],
        services: &["cloudmonitor"],
        packages: &[],
    },
    // Tencent Cloud host security (YunJing / CWPP): "Agent Process Description"
    // (tencentcloud.com/document/product/296/34242, cloud.tencent.com/document/product/296/9928):
    // installed in /usr/local/qcloud/YunJing/, processes YDService and YDLive, registered
    // services YDService, YDLive (YDEdr on Windows). The binaries' subdirectories (YDEyes,
    // YDLive) are the layout the uninstall script /usr/local/qcloud/YunJing/uninst.sh removes.
    Agent {
        id: "tencent-yunjing",
        name: "Tencent Cloud host security agent (YunJing)",
        dirs: &["/usr/local/qcloud/YunJing"],
        binaries: &[
            "/usr/local/qcloud/YunJing/YDEyes/YDService",
            "/usr/local/qcloud/YunJing/YDLive/YDLive",
        ],
        processes: &["YDService", "YDLive"],
        services: &["YDService", "YDLive"],
        packages: &[],
    },
    // Tencent Cloud monitor agents: barad_agent (Cloud Monitor) and sgagent (stargate), removed
    // in the public scripts by /usr/local/qcloud/monitor/barad/admin/uninstall.sh and
    // /usr/local/qcloud/stargate/admin/uninstall.sh (gist Tsuk1ko/a6c8013d..., 2022).
    Agent {
        id: "tencent-barad",
        name: "Tencent Cloud monitor agent (barad_agent)",
        dirs: &["/usr/local/qcloud/monitor/barad"],
        binaries: &["/usr/local/qcloud/monitor/barad/admin/uninstall.sh"],
        processes: &["barad_agent"],
        services: &[],
        packages: &[],
    },
    Agent {
        id: "tencent-stargate",
        name: "Tencent Cloud agent (stargate/sgagent)",
        dirs: &["/usr/local/qcloud/stargate"],
        binaries: &["/usr/local/qcloud/stargate/admin/uninstall.sh"],
        processes: &["sgagent"],
        services: &[],
        packages: &[],
    },
    // Huawei Cloud HSS: "What Is the HSS Agent?" / "Agent Overview"
    // (support.huaweicloud.com/intl/en-us/hss2.0_faq/hss_01_0245.html, hss_01_0386.html):
    // processes hostguard, hostwatch, upgrade from /usr/local/hostguard/bin/; the agent is
    // installed as the `hostguard` package and service.
    Agent {
        id: "huawei-hss",
        name: "Huawei Cloud HSS agent (hostguard)",
        dirs: &["/usr/local/hostguard"],
        binaries: &["/usr/local/hostguard/bin/hostguard"],
        processes: &["hostguard", "hostwatch"],
        services: &["hostguard"],
        packages: &["hostguard"],
    },
    // Baidu Cloud BCM agent: name from the miner scripts that kill it (as listed in
    // ferret_core::command); no public Baidu document with its paths was found, so only the
    // process and service name are checked.
    Agent {
        id: "baidu-bcm",
        name: "Baidu Cloud monitor agent (bcm-agent)",
        dirs: &[],
        binaries: &[],
        processes: &["bcm-agent"],
        services: &["bcm-agent"],
        packages: &["bcm-agent"],
    },
];

const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Live processes by comm: name -> lowest pid.
fn processes(root: &HostRoot) -> BTreeMap<Vec<u8>, u32> {
    let mut out = BTreeMap::new();
    if !root.is_live() {
        return out;
    }
    let Ok(entries) = root.read_dir("/proc") else {
        return out;
    };
    for e in entries {
        let Some(pid) = std::str::from_utf8(e.name.as_bytes())
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Ok(c) = root.read_capped(format!("/proc/{pid}/comm"), 64) {
            let name = c.strip_suffix(b"\n").unwrap_or(&c).to_vec();
            let slot = out.entry(name).or_insert(pid);
            *slot = (*slot).min(pid);
        }
    }
    out
}

/// Whether a unit is masked (a link to `/dev/null` or an empty file in `/etc` or `/run`).
fn masked(root: &HostRoot, unit: &str) -> Option<PathBuf> {
    for d in ["/etc/systemd/system", "/run/systemd/system"] {
        let p = Path::new(d).join(unit);
        match root.lstat(&p) {
            Ok(st)
                if st.kind == FileKind::Symlink
                    && root.read_link(&p).is_ok_and(|t| t == b"/dev/null") =>
            {
                return Some(p);
            }
            Ok(st) if st.kind == FileKind::Regular && st.size == 0 => return Some(p),
            _ => {}
        }
    }
    None
}

/// Installed dpkg packages of the given names (file and line of the stanza).
fn dpkg_entries(root: &HostRoot, names: &[&str], out: &mut Outcome) -> Vec<Evidence> {
    if names.is_empty() {
        return Vec::new();
    }
    let Some(buf) = read_config(root, Path::new("/var/lib/dpkg/status"), out) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        if let Some(n) = l.strip_prefix(b"Package: ") {
            if names.iter().any(|x| x.as_bytes() == n.trim_ascii()) {
                found.push(Evidence::line("/var/lib/dpkg/status", i as u64 + 1).with_excerpt(l));
            }
        }
    }
    found
}

fn audit_agents(root: &HostRoot, out: &mut Outcome) {
    let procs = processes(root);
    for a in AGENTS {
        let running: Vec<(&str, u32)> = a
            .processes
            .iter()
            .filter_map(|p| procs.get(p.as_bytes()).map(|pid| (*p, *pid)))
            .collect();
        let binaries: Vec<&str> = a
            .binaries
            .iter()
            .copied()
            .filter(|b| root.lstat(b).is_ok_and(|s| s.kind == FileKind::Regular))
            .collect();
        let dirs: Vec<&str> = a.dirs.iter().copied().filter(|d| root.exists(d)).collect();
        // Units, init scripts and masks.
        let mut units = Vec::new();
        let mut masks = Vec::new();
        for s in a.services {
            let unit = format!("{s}.service");
            if let Some(m) = masked(root, &unit) {
                masks.push(m);
            }
            for d in UNIT_DIRS {
                let p = Path::new(d).join(&unit);
                if root
                    .lstat(&p)
                    .is_ok_and(|st| st.kind == FileKind::Regular && st.size > 0)
                {
                    units.push(p);
                }
            }
            for d in ["/etc/init.d", "/etc/rc.d/init.d"] {
                let p = Path::new(d).join(s);
                if root.lstat(&p).is_ok_and(|st| st.kind == FileKind::Regular) {
                    units.push(p);
                }
            }
        }
        let packages = dpkg_entries(root, a.packages, out);
        let installed = !binaries.is_empty();
        let subject = a.id;
        if !running.is_empty() && masks.is_empty() {
            let mut f = Finding::new(
                "evasion.agent-running",
                Severity::Info,
                format!("{} installed and running", a.name),
                subject,
            )
            .with_detail(format!(
                "running: {}",
                running
                    .iter()
                    .map(|(n, p)| format!("{n} (pid {p})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            for b in &binaries {
                f = f.with_evidence(Evidence::file(b));
            }
            out.findings.push(f);
            continue;
        }
        let live_down = root.is_live() && installed && running.is_empty();
        if installed && (live_down || !masks.is_empty()) || (!masks.is_empty() && !dirs.is_empty())
        {
            let mut why = Vec::new();
            if live_down {
                why.push("none of its processes runs".to_owned());
            }
            for m in &masks {
                why.push(format!("unit masked ({})", m.display()));
            }
            let mut f = Finding::new(
                "evasion.agent-disabled",
                Severity::High,
                format!("{} installed but disabled", a.name),
                subject,
            )
            .with_detail(why.join("; "))
            .with_attack("T1562.001")
            .with_remediation(
                "Find out who stopped it and when (shell histories, auth logs, cron); reinstall or \
                 restart the agent after the host is cleaned.",
            );
            for p in binaries
                .iter()
                .map(PathBuf::from)
                .chain(masks.iter().cloned())
            {
                f = f.with_evidence(Evidence::file(pb(&p)));
            }
            out.findings.push(f);
            continue;
        }
        if installed {
            continue;
        }
        // Not installed: traces of a removal.
        let mut ev: Vec<Evidence> = Vec::new();
        let mut what = Vec::new();
        for d in &dirs {
            ev.push(Evidence::file(d));
            what.push(format!("{d} left without its programs"));
        }
        for u in &units {
            ev.push(Evidence::file(pb(u)));
            what.push(format!("{} still there", u.display()));
        }
        for m in &masks {
            ev.push(Evidence::file(pb(m)));
            what.push(format!("{} masked", m.display()));
        }
        if !packages.is_empty() {
            what.push("package still listed in the dpkg database".to_owned());
            ev.extend(packages);
        }
        if !running.is_empty() {
            what.push("a process of that name runs without the agent's programs".to_owned());
        }
        if ev.is_empty() {
            continue;
        }
        let mut f = Finding::new(
            "evasion.agent-removed",
            Severity::High,
            format!("{} removed, traces left", a.name),
            subject,
        )
        .with_detail(what.join("; "))
        .with_attack("T1562.001")
        .with_remediation(
            "The agent's programs are gone but its directory, units or package entry remain: \
             cryptomining scripts remove cloud agents before they start. Find the removal in \
             histories and cron, then reinstall the agent.",
        );
        for e in ev {
            f = f.with_evidence(e);
        }
        out.findings.push(f);
    }
}

/// Files whose lines are commands: crontabs, rc.local, shell histories, local units.
fn command_files(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["/etc/crontab", "/etc/rc.local", "/etc/rc.d/rc.local"]
        .iter()
        .map(PathBuf::from)
        .collect();
    for d in [
        "/etc/cron.d",
        "/var/spool/cron",
        "/var/spool/cron/crontabs",
        "/etc/cron.hourly",
        "/etc/cron.daily",
        "/etc/systemd/system",
    ] {
        files.extend(list_dir(root, d, out));
    }
    for h in homes(accounts) {
        for n in [".bash_history", ".zsh_history", ".sh_history", ".history"] {
            files.push(h.join(n));
        }
    }
    files
}

fn audit_agent_commands(root: &HostRoot, accounts: &Accounts, out: &mut Outcome) {
    for f in command_files(root, accounts, out) {
        if !root.lstat(&f).is_ok_and(|s| s.kind == FileKind::Regular) {
            continue;
        }
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        let mut ev = Vec::new();
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            if classify(l).contains(CommandKind::SecurityAgentStop) {
                ev.push(Evidence::line(pb(&f), i as u64 + 1).with_excerpt(l.trim_ascii()));
            }
        }
        if ev.is_empty() {
            continue;
        }
        let n = ev.len();
        let mut finding = Finding::new(
            "evasion.agent-kill-command",
            Severity::High,
            format!(
                "{n} command{} stopping or removing security or logging agents",
                if n == 1 { "" } else { "s" }
            ),
            pb(&f),
        )
        .with_attack("T1562.001")
        .with_detail(
            "lines the shared command classifier (ferret_core::command) calls \
             security-agent-stop",
        )
        .with_remediation(
            "Check whether the agents are still installed and running; a cron line that keeps \
             killing them must be removed with the rest of the intrusion.",
        );
        for e in ev {
            finding = finding.with_evidence(e);
        }
        out.findings.push(finding);
    }
}

// ---------------------------------------------------------------------------------------------
// Logging disabled.

const LOGGING_UNITS: &[&str] = &[
    "auditd.service",
    "rsyslog.service",
    "syslog.service",
    "syslog-ng.service",
    "systemd-journald.service",
    "systemd-journald.socket",
];

/// Log files that must not point at `/dev/null` nor be emptied.
const LOG_FILES: &[&str] = &[
    "/var/log/auth.log",
    "/var/log/secure",
    "/var/log/messages",
    "/var/log/syslog",
    "/var/log/wtmp",
    "/var/log/btmp",
    "/var/log/lastlog",
    "/var/log/audit/audit.log",
];

fn logging_finding(title: String, subject: &[u8], ev: Evidence, detail: String) -> Finding {
    Finding::new("evasion.logging-disabled", Severity::High, title, subject)
        .with_evidence(ev)
        .with_detail(detail)
        .with_attack("T1562.001")
        .with_attack("T1070")
        .with_remediation(
            "Restore the logging configuration and service, then look for what happened while \
             nothing was recorded (other hosts' logs, the cloud's own audit trail).",
        )
}

/// Values of `key=` in an ini-like file (journald.conf): (line, value).
fn ini_values<'a>(buf: &'a [u8], key: &[u8]) -> Vec<(u64, &'a [u8], &'a [u8])> {
    let mut out = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if t.starts_with(b"#") || t.starts_with(b";") {
            continue;
        }
        if let Some(eq) = t.iter().position(|&c| c == b'=') {
            let (k, v) = t.split_at(eq);
            if k.trim_ascii().eq_ignore_ascii_case(key) {
                out.push((i as u64 + 1, v.get(1..).unwrap_or_default().trim_ascii(), t));
            }
        }
    }
    out
}

fn audit_logging(root: &HostRoot, out: &mut Outcome) {
    for u in LOGGING_UNITS {
        if let Some(m) = masked(root, u) {
            out.findings.push(logging_finding(
                format!("{u} is masked"),
                u.as_bytes(),
                Evidence::file(pb(&m)),
                format!(
                    "{} links to /dev/null (or is empty): the unit cannot start",
                    m.display()
                ),
            ));
        }
    }
    // journald: Storage=none in journald.conf or a drop-in (the last one read wins).
    let mut journald: Vec<PathBuf> = vec![PathBuf::from("/etc/systemd/journald.conf")];
    for d in [
        "/usr/lib/systemd/journald.conf.d",
        "/etc/systemd/journald.conf.d",
        "/run/systemd/journald.conf.d",
    ] {
        let mut l: Vec<PathBuf> = list_dir(root, d, out)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
            .collect();
        l.sort();
        journald.extend(l);
    }
    let mut storage: Option<(PathBuf, u64, Vec<u8>, Vec<u8>)> = None;
    for f in journald {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        if let Some((line, v, raw)) = ini_values(&buf, b"Storage").pop() {
            storage = Some((f, line, v.to_vec(), raw.to_vec()));
        }
    }
    if let Some((f, line, v, raw)) = storage {
        if v.eq_ignore_ascii_case(b"none") {
            out.findings.push(logging_finding(
                "journald keeps no logs (Storage=none)".into(),
                pb(&f),
                Evidence::line(pb(&f), line).with_excerpt(raw),
                "journald drops every message it receives (and forwards only what a syslog \
                 daemon picks up)"
                    .into(),
            ));
        }
    }
    // auditd.conf log_file, rsyslog actions writing to /dev/null.
    if let Some(buf) = read_config(root, Path::new("/etc/audit/auditd.conf"), out) {
        for (line, v, raw) in ini_values(&buf, b"log_file") {
            if v == b"/dev/null" {
                out.findings.push(logging_finding(
                    "auditd writes its log to /dev/null".into(),
                    b"/etc/audit/auditd.conf",
                    Evidence::line("/etc/audit/auditd.conf", line).with_excerpt(raw),
                    "every audit record is discarded".into(),
                ));
            }
        }
    }
    let mut rsyslog = vec![
        PathBuf::from("/etc/rsyslog.conf"),
        PathBuf::from("/etc/syslog.conf"),
    ];
    rsyslog.extend(list_dir(root, "/etc/rsyslog.d", out));
    for f in rsyslog {
        if !root.lstat(&f).is_ok_and(|s| s.kind == FileKind::Regular) {
            continue;
        }
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            let t = l.trim_ascii();
            if t.starts_with(b"#") {
                continue;
            }
            let mut w = t.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
            let (Some(sel), Some(action)) = (w.next(), w.next()) else {
                continue;
            };
            let action = action.strip_prefix(b"-").unwrap_or(action);
            let file_param = t
                .windows(b"file=\"/dev/null\"".len())
                .any(|x| x.eq_ignore_ascii_case(b"file=\"/dev/null\""));
            if (action == b"/dev/null" && sel.contains(&b'.')) || file_param {
                out.findings.push(logging_finding(
                    "syslog messages are written to /dev/null".into(),
                    pb(&f),
                    Evidence::line(pb(&f), i as u64 + 1).with_excerpt(t),
                    "the selected messages are discarded instead of logged".into(),
                ));
            }
        }
    }
    for l in LOG_FILES {
        if root.lstat(l).is_ok_and(|s| s.kind == FileKind::Symlink)
            && root.read_link(l).is_ok_and(|t| t == b"/dev/null")
        {
            out.findings.push(logging_finding(
                format!("{l} points at /dev/null"),
                l.as_bytes(),
                Evidence::file(l),
                "the log file is a symbolic link to /dev/null: everything written to it is lost"
                    .into(),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Logs emptied or recreated.

/// A log emptied less than this long before the newest log write is reported.
const EMPTIED_WINDOW: i64 = 2 * 86_400;
/// A log born this long after the system's install, with no rotated copy, is reported.
const YOUNG_LOG: i64 = 30 * 86_400;
/// A log born within this long of a rotated copy's rename is the rotation's new file.
const ROTATION_SLACK: i64 = 300;

/// The rotated copies of a log (`auth.log.1`, `auth.log.2.gz`, `secure-20250105`): their
/// change times (the rename by logrotate).
fn rotated(root: &HostRoot, log: &Path) -> Vec<Timestamp> {
    let (Some(dir), Some(name)) = (log.parent(), log.file_name()) else {
        return Vec::new();
    };
    let Ok(entries) = root.read_dir(dir) else {
        return Vec::new();
    };
    let name = name.as_bytes();
    entries
        .into_iter()
        .filter(|e| {
            let n = e.name.as_bytes();
            n.len() > name.len()
                && n.starts_with(name)
                && matches!(n.get(name.len()), Some(b'.' | b'-'))
        })
        .filter_map(|e| root.lstat(dir.join(&e.name)).ok().map(|s| s.ctime))
        .collect()
}

/// When the system was installed: the earliest birth time of files made at install.
fn install_time(root: &HostRoot) -> Option<i64> {
    [
        "/lost+found",
        "/etc/machine-id",
        "/var/log/installer",
        "/etc/hostname",
    ]
    .iter()
    .filter_map(|p| root.times(p).ok().and_then(|t| t.btime))
    .map(|t| t.sec)
    .min()
}

fn audit_log_tampering(root: &HostRoot, out: &mut Outcome) {
    // "Now" is the newest write to a log, so that an image is judged at the time it was taken.
    let newest = root
        .read_dir("/var/log")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| root.lstat(Path::new("/var/log").join(&e.name)).ok())
        .filter(|s| s.kind == FileKind::Regular)
        .map(|s| s.mtime.sec)
        .max();
    let install = install_time(root);
    for l in LOG_FILES {
        let p = Path::new(l);
        let Ok(st) = root.lstat(p) else { continue };
        if st.kind != FileKind::Regular {
            continue;
        }
        let born = root.times(p).ok().and_then(|t| t.btime).map(|t| t.sec);
        let rot = rotated(root, p);
        let created = born.unwrap_or(st.mtime.sec);
        let by_rotation = rot
            .iter()
            .any(|c| (c.sec - created).abs() <= ROTATION_SLACK);
        // `> FILE` leaves 0 bytes, `echo > FILE` (what miner scripts run) one newline.
        let blank = st.size == 0
            || (st.size <= 2
                && root
                    .read_capped(p, 2)
                    .is_ok_and(|b| b.iter().all(u8::is_ascii_whitespace)));
        if blank
            && !by_rotation
            && newest.is_some_and(|n| n - st.mtime.sec <= EMPTIED_WINDOW)
            // btmp is empty on a host where nobody failed to log in; it is emptied when
            // someone truncates it, which shows as an mtime after its birth.
            && born.is_none_or(|b| st.mtime.sec > b)
        {
            out.findings.push(
                Finding::new(
                    "evasion.log-emptied",
                    Severity::Medium,
                    format!("{l} was emptied recently"),
                    l.as_bytes(),
                )
                .with_evidence(Evidence::file(l))
                .with_detail(format!(
                    "size {}, last modified {} (the newest log write is {}); no rotated copy \
                     was made then",
                    st.size,
                    fmt_time(st.mtime.sec),
                    newest.map_or_else(|| "-".into(), fmt_time)
                ))
                .with_attack("T1070.002")
                .with_remediation(
                    "Recover the content from backups, remote log collection or the journal; \
                     find who truncated it (shell histories).",
                ),
            );
            continue;
        }
        if let (Some(b), Some(i)) = (born, install) {
            if rot.is_empty() && b - i > YOUNG_LOG {
                out.findings.push(
                    Finding::new(
                        "evasion.log-recreated",
                        Severity::Medium,
                        format!("{l} is much younger than the system and has no rotated copies"),
                        l.as_bytes(),
                    )
                    .with_evidence(Evidence::file(l))
                    .with_detail(format!(
                        "created {}, the system was installed {}; logrotate would have left \
                         older copies beside it",
                        fmt_time(b),
                        fmt_time(i)
                    ))
                    .with_attack("T1070.002")
                    .with_remediation(
                        "The log was probably deleted and recreated: recover older content from \
                         backups or remote collection.",
                    ),
                );
            }
        }
    }
}

/// `2025-01-05 13:04:00 UTC`.
fn fmt_time(sec: i64) -> String {
    let (y, m, d) = ferret_core::civil::civil_from_days(sec.div_euclid(86_400));
    let s = sec.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

// ---------------------------------------------------------------------------------------------
// /etc/hosts and /etc/resolv.conf.

/// Names whose redirection in `/etc/hosts` blocks or hijacks a security product (suffixes).
/// Sources: the agents' update/report endpoints named in the public uninstall scripts
/// (update.aegis.aliyun.com) and vendor docs (Huawei HSS, Tencent YunJing) plus antivirus
/// update hosts.
const SECURITY_NAMES: &[&str] = &[
    "aegis.aliyun.com",
    "aliyundun.com",
    "yundun.com",
    "yd.qcloud.com",
    "yunjing.qcloud.com",
    "hss.myhuaweicloud.com",
    "hostguard",
    "clamav.net",
    "crowdstrike.com",
    "sentinelone.net",
    "wazuh.com",
];

/// Package mirrors (suffixes).
const MIRROR_NAMES: &[&str] = &[
    "archive.ubuntu.com",
    "security.ubuntu.com",
    "ports.ubuntu.com",
    "deb.debian.org",
    "security.debian.org",
    "mirror.centos.org",
    "mirrorlist.centos.org",
    "dl.fedoraproject.org",
    "mirrors.fedoraproject.org",
    "dl.rockylinux.org",
    "repo.almalinux.org",
    "mirrors.aliyun.com",
    "mirrors.cloud.aliyuncs.com",
    "mirrors.tencent.com",
    "mirrors.tencentyun.com",
    "mirrors.huaweicloud.com",
    "repo.huaweicloud.com",
    "download.docker.com",
];

/// Metadata service names and the addresses they are expected at.
const METADATA: &[(&str, &[&str])] = &[
    ("metadata.google.internal", &["169.254.169.254"]),
    ("metadata.tencentyun.com", &["169.254.0.23"]),
    ("instance-data", &["169.254.169.254"]),
    ("instance-data.ec2.internal", &["169.254.169.254"]),
    ("metadata.azure.internal", &["169.254.169.254"]),
];

fn name_matches(name: &str, suffix: &str) -> bool {
    name == suffix
        || name.strip_suffix(suffix).is_some_and(|p| p.ends_with('.'))
        || (!suffix.contains('.') && name.contains(suffix))
}

fn audit_hosts(root: &HostRoot, out: &mut Outcome) {
    let Some(buf) = read_config(root, Path::new("/etc/hosts"), out) else {
        return;
    };
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l
            .split(|&c| c == b'#')
            .next()
            .unwrap_or_default()
            .trim_ascii();
        let mut w = t
            .split(u8::is_ascii_whitespace)
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).to_ascii_lowercase());
        let Some(addr) = w.next() else { continue };
        let ev = || Evidence::line("/etc/hosts", i as u64 + 1).with_excerpt(t);
        for name in w {
            let (id, sev, what, attack) = if is_mining_pool_host(name.as_bytes()) {
                (
                    "evasion.hosts-mining-pool",
                    Severity::High,
                    "a mining pool",
                    "T1496",
                )
            } else if SECURITY_NAMES.iter().any(|s| name_matches(&name, s)) {
                (
                    "evasion.hosts-redirect",
                    Severity::High,
                    "a security vendor's host",
                    "T1562.001",
                )
            } else if MIRROR_NAMES.iter().any(|s| name_matches(&name, s)) {
                (
                    "evasion.hosts-redirect",
                    Severity::Medium,
                    "a package mirror",
                    "T1562.001",
                )
            } else if let Some((_, ok)) = METADATA.iter().find(|(n, _)| *n == name) {
                if ok.contains(&addr.as_str()) {
                    continue;
                }
                (
                    "evasion.hosts-redirect",
                    Severity::High,
                    "the cloud metadata service",
                    "T1557",
                )
            } else {
                continue;
            };
            out.findings.push(
                Finding::new(
                    id,
                    sev,
                    format!("/etc/hosts maps {what} ({name}) to {addr}"),
                    &name,
                )
                .with_evidence(ev())
                .with_attack(attack)
                .with_remediation(if id == "evasion.hosts-mining-pool" {
                    "A miner pins its pool's address so that DNS blocking does not stop it: \
                         remove the line and look for the miner."
                } else {
                    "Remove the line unless an administrator put it there on purpose; \
                         redirecting these names blocks updates and detection or hijacks them."
                }),
            );
        }
    }
}

/// Resolvers that are expected: the local stubs and the clouds' own resolvers.
/// Sources: Alibaba Cloud "Internal DNS" (100.100.2.136, 100.100.2.138), Tencent Cloud
/// "Private DNS addresses" (183.60.83.19, 183.60.82.98), AWS "Amazon DNS server"
/// (169.254.169.253, fd00:ec2::253), Google Cloud (169.254.169.254), Azure (168.63.129.16).
const CLOUD_RESOLVERS: &[&str] = &[
    "100.100.2.136",
    "100.100.2.138",
    "183.60.83.19",
    "183.60.82.98",
    "169.254.169.253",
    "fd00:ec2::253",
    "169.254.169.254",
    "168.63.129.16",
];

/// Whether a resolver address is a local, private or cloud resolver.
pub fn expected_resolver(addr: &str) -> bool {
    use std::net::IpAddr;
    if CLOUD_RESOLVERS.contains(&addr) {
        return true;
    }
    // `fe80::1%eth0`: a link-local address with its zone.
    let bare = addr.split('%').next().unwrap_or(addr);
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            let [o1, o2, ..] = a.octets();
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                // 100.64.0.0/10: carrier-grade NAT, where Huawei Cloud's resolvers (100.125.x.x)
                // live.
                || (o1 == 100 && (64..128).contains(&o2))
        }
        Ok(IpAddr::V6(a)) => {
            let s = a.segments();
            a.is_loopback()
                || s.first().is_some_and(|x| x & 0xfe00 == 0xfc00)
                || s.first().is_some_and(|x| x & 0xffc0 == 0xfe80)
        }
        Err(_) => false,
    }
}

/// Reads a configuration file that is often a symbolic link (`/etc/resolv.conf` ->
/// `../run/systemd/resolve/stub-resolv.conf`): one link is followed inside the root.
fn read_through_link(root: &HostRoot, p: &Path, out: &mut Outcome) -> Option<(PathBuf, Vec<u8>)> {
    let st = root.lstat(p).ok()?;
    if st.kind != FileKind::Symlink {
        return read_config(root, p, out).map(|b| (p.to_path_buf(), b));
    }
    let target = root.read_link(p).ok()?;
    let t = Path::new(std::ffi::OsStr::from_bytes(&target));
    let abs = HostRoot::inner(if t.is_absolute() {
        t.to_path_buf()
    } else {
        p.parent().unwrap_or(Path::new("/")).join(t)
    });
    read_config(root, &abs, out).map(|b| (abs, b))
}

fn audit_resolver(root: &HostRoot, out: &mut Outcome) {
    let Some((file, buf)) = read_through_link(root, Path::new("/etc/resolv.conf"), out) else {
        return;
    };
    let mut ev = Vec::new();
    let mut odd = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        let mut w = t.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty());
        if w.next() != Some(b"nameserver") {
            continue;
        }
        let Some(a) = w.next() else { continue };
        let a = String::from_utf8_lossy(a).into_owned();
        if !expected_resolver(&a) {
            ev.push(Evidence::line(pb(&file), i as u64 + 1).with_excerpt(t));
            odd.push(a);
        }
    }
    if odd.is_empty() {
        return;
    }
    let mut f = Finding::new(
        "evasion.resolver-unexpected",
        Severity::Low,
        format!(
            "/etc/resolv.conf uses public resolver{} {}",
            if odd.len() == 1 { "" } else { "s" },
            odd.join(", ")
        ),
        "/etc/resolv.conf",
    )
    .with_detail(
        "neither the local stub, a private address nor the cloud's own resolver: whoever runs \
         it sees (and can answer) every lookup; miners switch resolvers to reach pools the \
         cloud's DNS blocks",
    )
    .with_attack("T1565.002")
    .with_remediation("Confirm the resolver is intended; restore the image's resolver otherwise.");
    for e in ev {
        f = f.with_evidence(e);
    }
    out.findings.push(f);
}

// ---------------------------------------------------------------------------------------------
// Kernel settings miners make.

/// `vm.nr_hugepages` at or above this is a miner-sized reservation (XMRig's RandomX setup asks
/// for 1168 and more 2 MiB pages per NUMA node; a host that needs huge pages for a database
/// shows it in its configuration too, so the finding says where the value came from).
const HUGEPAGES: u64 = 1024;

fn miner_finding(
    sev: Severity,
    title: String,
    subject: &str,
    ev: Option<Evidence>,
    detail: String,
) -> Finding {
    let mut f = Finding::new("evasion.miner-tuning", sev, title, subject)
        .with_detail(detail)
        .with_attack("T1496")
        .with_remediation(
            "XMRig and its installers set these for hash rate; if no workload here needs them, \
             look for a miner (CPU use, cron, systemd units, /tmp and /dev/shm).",
        );
    if let Some(e) = ev {
        f = f.with_evidence(e);
    }
    f
}

fn audit_miner_tuning(root: &HostRoot, out: &mut Outcome) {
    let conf = crate::sysctl::configured(root, &mut Outcome::new());
    let check = |key: &str, bad: &dyn Fn(&str) -> bool, out: &mut Outcome, what: &str, sev| {
        let mut ev = None;
        let mut val = None;
        if let Some(c) = conf.get(key) {
            if bad(&c.value) {
                ev = Some(
                    Evidence::line(pb(&c.file), c.line)
                        .with_excerpt(format!("{key} = {}", c.value)),
                );
                val = Some(format!("configured {key} = {}", c.value));
            }
        }
        if let Some(v) = crate::sysctl::runtime(root, key) {
            if bad(&v) {
                let run = format!("running {key} = {v}");
                val = Some(val.map_or(run.clone(), |c| format!("{c}; {run}")));
            }
        }
        if let Some(v) = val {
            out.findings
                .push(miner_finding(sev, what.to_owned(), key, ev, v));
        }
    };
    check(
        "vm.nr_hugepages",
        &|v| v.trim().parse::<u64>().is_ok_and(|n| n >= HUGEPAGES),
        out,
        "large huge-page reservation",
        Severity::Medium,
    );
    check(
        "kernel.nmi_watchdog",
        &|v| v.trim() == "0",
        out,
        "NMI watchdog switched off",
        // Many cloud images boot with it off (nmi_watchdog=0 on the kernel command line), so
        // alone it is a hint, not a finding that fails a run.
        Severity::Low,
    );
    // The msr module: loaded (live) or scheduled.
    let mut ev = Vec::new();
    let mut what = Vec::new();
    if root.is_live() {
        if let Ok(m) = root.read_capped("/proc/modules", 1 << 20) {
            if m.split(|&c| c == b'\n').any(|l| l.starts_with(b"msr ")) {
                what.push("loaded (/proc/modules)".to_owned());
                ev.push(Evidence::file("/proc/modules"));
            }
        }
    }
    let mut files = vec![PathBuf::from("/etc/modules")];
    for d in [
        "/etc/modules-load.d",
        "/run/modules-load.d",
        "/usr/lib/modules-load.d",
    ] {
        files.extend(list_dir(root, d, out));
    }
    for f in files {
        if !root.lstat(&f).is_ok_and(|s| s.kind == FileKind::Regular) {
            continue;
        }
        let Some(buf) = read_config(root, &f, &mut Outcome::new()) else {
            continue;
        };
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            if l.trim_ascii() == b"msr" {
                what.push(format!("loaded at boot by {}", f.display()));
                ev.push(Evidence::line(pb(&f), i as u64 + 1).with_excerpt(l));
            }
        }
    }
    if !what.is_empty() {
        let mut f = miner_finding(
            Severity::Medium,
            "msr kernel module in use".into(),
            "msr",
            None,
            format!(
                "{}; XMRig writes model-specific registers (disabling prefetchers) for RandomX",
                what.join("; ")
            ),
        );
        for e in ev {
            f = f.with_evidence(e);
        }
        out.findings.push(f);
    }
}

/// Runs the defense-evasion checks on `root`. Cancelling `control` stops it between the
/// parts, with a "cancelled" error beside what was found.
pub fn audit_root(root: &HostRoot, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    if crate::util::cancelled(control, &mut out) {
        return out;
    }
    let (accounts, errs) = Accounts::load(root);
    out.errors.extend(errs);
    let parts: [&dyn Fn(&mut Outcome); 8] = [
        &|o| audit_immutable(root, &accounts, o),
        &|o| audit_agents(root, o),
        &|o| audit_agent_commands(root, &accounts, o),
        &|o| audit_logging(root, o),
        &|o| audit_log_tampering(root, o),
        &|o| audit_hosts(root, o),
        &|o| audit_resolver(root, o),
        &|o| audit_miner_tuning(root, o),
    ];
    for p in parts {
        if crate::util::cancelled(control, &mut out) {
            break;
        }
        p(&mut out);
    }
    out
}
