//! Reasons, per-file verdicts, and their assembly into findings: one per file, many alike
//! grouped.

use ferret_core::{Evidence, Finding, Severity};
use std::collections::BTreeMap;

/// What each finding id means: title, ATT&CK ids, remediation. The order breaks severity ties
/// when a file has several reasons.
pub(crate) struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    pub attack: &'static [&'static str],
    pub remediation: &'static str,
}

pub(crate) const RULES: &[Rule] = &[
    Rule {
        id: "scan.ioc-hash",
        title: "file content matches a known malware sample",
        attack: &[],
        remediation: "Isolate the host, keep the file as evidence, and follow the incident response plan for the named family.",
    },
    Rule {
        id: "scan.yara-process",
        title: "a running process matches a YARA rule",
        attack: &["T1588.001"],
        remediation: "Capture the process (memory, /proc/PID/exe, open files and sockets) before stopping it; find how it was started.",
    },
    Rule {
        id: "scan.yara-match",
        title: "file matches a YARA rule",
        attack: &["T1588.001"],
        remediation: "Review the file with the rule's description and references; keep it as evidence before removing it.",
    },
    Rule {
        id: "scan.webshell",
        title: "web shell in a web root",
        attack: &["T1505.003"],
        remediation: "Keep a copy and its timestamps, then take it out of the web root; find how it got there (the web server's access log around its modification time: uploads, exploited plugins or frameworks such as ThinkPHP, Struts, WebLogic) and what it ran (the web server user's processes, cron, new accounts and keys).",
    },
    Rule {
        id: "scan.webshell-config",
        title: "web server configuration that runs attacker code",
        attack: &["T1505.003"],
        remediation: "Remove the directive after keeping a copy; the file it maps or prepends is the shell: review it and the directory's uploads.",
    },
    Rule {
        id: "scan.miner-config",
        title: "crypto-miner configuration on disk",
        attack: &["T1496"],
        remediation: "Stop the miner (find it with the pool and wallet named here), remove its files and the persistence that restarts it (cron, systemd, profiles).",
    },
    Rule {
        id: "scan.kernel-module-outside-tree",
        title: "kernel module outside the module tree",
        attack: &["T1547.006", "T1014"],
        remediation: "Check whether it is loaded (lsmod, /proc/modules, /sys/module) from a trusted boot; rootkits hide from lsmod. Keep the file and rebuild the host from a trusted image if it was loaded.",
    },
    Rule {
        id: "scan.ioc-name",
        title: "file named like known malware",
        attack: &[],
        remediation: "Confirm with the content (hash, strings, YARA) and look for the family's persistence (cron, systemd, ld.so.preload, authorized_keys).",
    },
    Rule {
        id: "scan.ioc-path",
        title: "file at a path known from malware reports",
        attack: &[],
        remediation: "Confirm with the content and look for the family's persistence.",
    },
    Rule {
        id: "scan.ioc-dir",
        title: "directory named like a known malware kit",
        attack: &[],
        remediation: "Review the directory's content and its owner's activity.",
    },
    Rule {
        id: "scan.ioc-preload",
        title: "ld.so.preload loads a library from a known rootkit location",
        attack: &["T1574.006", "T1014"],
        remediation: "Boot from trusted media or use a statically linked toolset: a preload rootkit hides files and processes from every dynamically linked tool. Remove the entry and the library.",
    },
    Rule {
        id: "scan.malicious-command",
        title: "script, cron table or unit with malicious command lines",
        attack: &[],
        remediation: "Remove the entry or file after keeping a copy; the command lines quoted name what it fetched or ran.",
    },
    Rule {
        id: "scan.exec-in-hidden-dir",
        title: "executable in a hidden directory",
        attack: &["T1564.001"],
        remediation: "Find who created the directory (owner, timestamps, shell histories) and what runs the executable.",
    },
    Rule {
        id: "scan.exec-in-temp",
        title: "executable in a temporary directory",
        attack: &["T1105", "T1074.001"],
        remediation: "Find what runs it (processes, cron, systemd, profiles) and where it came from (shell histories, web logs); keep a copy before removing it.",
    },
    Rule {
        id: "scan.exec-in-log",
        title: "executable in the log directory",
        attack: &["T1105", "T1036.005"],
        remediation: "Nothing in /var/log should be executable: find what runs it and where it came from.",
    },
    Rule {
        id: "scan.exec-in-spool",
        title: "executable in a spool directory",
        attack: &["T1105"],
        remediation: "Find what runs it and where it came from.",
    },
    Rule {
        id: "scan.disguised-file",
        title: "file name lies about its content",
        attack: &["T1036.008"],
        remediation: "A program named like data is hiding: find what runs it.",
    },
    Rule {
        id: "scan.packed-elf",
        title: "packed or encrypted ELF file",
        attack: &["T1027.002"],
        remediation: "Legitimate software is rarely packed on Linux: identify the program (unpack a copy with upx -d where UPX, scan with YARA).",
    },
    Rule {
        id: "scan.renamed-tool",
        title: "copy of a dual-use tool under another name",
        attack: &["T1036.003"],
        remediation: "A renamed downloader, scanner or netcat hides attacker activity in process lists: find what runs it.",
    },
    Rule {
        id: "scan.miner-wallet",
        title: "crypto-currency wallet address in a file",
        attack: &["T1496"],
        remediation: "Look for the miner that uses it (processes, cron, systemd) and block the pools it talks to.",
    },
    Rule {
        id: "scan.ioc-pool",
        title: "file names a mining pool",
        attack: &["T1496"],
        remediation: "Look for the miner that uses it and block the pool.",
    },
    Rule {
        id: "scan.deceptive-dir",
        title: "directory named only with dots and spaces",
        attack: &["T1564.001"],
        remediation: "Such names are made to be overlooked in ls output: review the content (ls -la | cat -A shows the name).",
    },
    Rule {
        id: "scan.unowned-system-executable",
        title: "executable in a system path that no package owns",
        attack: &["T1036.005"],
        remediation: "Compare with the package manager (dpkg -S, rpm -qf); installed by hand, by a script, or dropped by an intruder.",
    },
];

pub(crate) fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

fn rank(id: &str) -> usize {
    RULES.iter().position(|r| r.id == id).unwrap_or(RULES.len())
}

/// One reason to report a file.
#[derive(Debug, Clone)]
pub(crate) struct Reason {
    pub id: &'static str,
    pub severity: Severity,
    pub attack: Vec<String>,
    pub text: String,
    pub evidence: Vec<Evidence>,
}

impl Reason {
    pub(crate) fn new(id: &'static str, severity: Severity, text: impl Into<String>) -> Self {
        Reason {
            id,
            severity,
            attack: rule(id)
                .map(|r| r.attack.iter().map(|a| (*a).to_owned()).collect())
                .unwrap_or_default(),
            text: text.into(),
            evidence: Vec::new(),
        }
    }

    pub(crate) fn with_attack<S: AsRef<str>>(mut self, ids: &[S]) -> Self {
        for a in ids {
            if !self.attack.iter().any(|x| x == a.as_ref()) {
                self.attack.push(a.as_ref().to_owned());
            }
        }
        self
    }
}

/// Everything found about one path.
#[derive(Debug, Clone)]
pub(crate) struct Verdict {
    pub path: Vec<u8>,
    /// Facts shown in the detail (content, size, mode, owner, mtime).
    pub facts: String,
    pub reasons: Vec<Reason>,
}

impl Verdict {
    fn primary(&self) -> Option<&Reason> {
        self.reasons.iter().max_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then(rank(b.id).cmp(&rank(a.id)))
        })
    }

    fn ids(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.reasons.iter().map(|r| r.id).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// Merges verdicts about the same path (the walk and the YARA pass each make one).
pub(crate) fn merge(verdicts: Vec<Verdict>) -> Vec<Verdict> {
    let mut by_path: BTreeMap<Vec<u8>, Verdict> = BTreeMap::new();
    for v in verdicts {
        match by_path.get_mut(&v.path) {
            Some(have) => {
                if have.facts.is_empty() {
                    have.facts = v.facts;
                }
                have.reasons.extend(v.reasons);
            }
            None => {
                by_path.insert(v.path.clone(), v);
            }
        }
    }
    by_path.into_values().collect()
}

fn finding(v: &Verdict) -> Option<Finding> {
    let p = v.primary()?;
    let r = rule(p.id);
    let severity = v
        .reasons
        .iter()
        .map(|r| r.severity)
        .max()
        .unwrap_or(p.severity);
    let mut f = Finding::new(
        p.id,
        severity,
        r.map_or("suspicious file", |r| r.title),
        &v.path,
    )
    .with_evidence(Evidence::file(&v.path));
    // Primary reason first, then the others in table order.
    let mut reasons: Vec<&Reason> = v.reasons.iter().collect();
    reasons.sort_by_key(|x| (x.id != p.id, rank(x.id)));
    for x in &reasons {
        for a in &x.attack {
            if !f.attack.contains(a) {
                f.attack.push(a.clone());
            }
        }
        for e in &x.evidence {
            if !f.evidence.contains(e) && f.evidence.len() < 12 {
                f.evidence.push(e.clone());
            }
        }
        if x.id != p.id && !f.also_reported_as.iter().any(|i| i == x.id) {
            f.also_reported_as.push(x.id.to_owned());
        }
    }
    let texts: Vec<&str> = reasons.iter().map(|x| x.text.as_str()).collect();
    let mut detail = texts.join("; ");
    if !v.facts.is_empty() {
        detail.push_str(" — ");
        detail.push_str(&v.facts);
    }
    f.detail = Some(detail);
    if let Some(r) = r {
        f.remediation = Some(r.remediation.to_owned());
    }
    Some(f)
}

/// The facts of a file shown in a finding's detail.
pub(crate) fn file_facts(stat: &ferret_core::Stat) -> String {
    format!(
        "size {}, mode {:04o}, uid {}, gid {}, mtime {}",
        stat.size, stat.mode, stat.uid, stat.gid, stat.mtime.sec
    )
}

fn parent(path: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', path) {
        Some(0) => b"/",
        Some(i) => path.get(..i).unwrap_or(path),
        None => path,
    }
}

/// Turns verdicts into findings: one per path, and one per directory for more than
/// `threshold` paths there with the same reasons and severity.
pub(crate) fn assemble(verdicts: Vec<Verdict>, threshold: usize) -> Vec<Finding> {
    type Key = (Vec<u8>, Vec<&'static str>, Severity);
    let verdicts = merge(verdicts);
    let mut groups: BTreeMap<Key, Vec<&Verdict>> = BTreeMap::new();
    for v in &verdicts {
        let sev = v
            .reasons
            .iter()
            .map(|r| r.severity)
            .max()
            .unwrap_or_default();
        groups
            .entry((parent(&v.path).to_vec(), v.ids(), sev))
            .or_default()
            .push(v);
    }
    let mut out = Vec::new();
    for ((dir, _, _), members) in groups {
        if members.len() <= threshold.max(1) {
            out.extend(members.into_iter().filter_map(finding));
            continue;
        }
        let Some(first) = members.first().and_then(|v| finding(v)) else {
            continue;
        };
        let n = members.len();
        let mut g = Finding::new(
            first.id.clone(),
            first.severity,
            format!("{n} files: {}", first.title),
            &dir,
        );
        g.attack.clone_from(&first.attack);
        g.also_reported_as.clone_from(&first.also_reported_as);
        g.remediation.clone_from(&first.remediation);
        g.evidence = members
            .iter()
            .take(10)
            .map(|v| Evidence::file(&v.path))
            .collect();
        g.detail = Some(format!(
            "{n} files in {} with the same reasons (the first ten are the evidence); the first: {}",
            ferret_core::escape::escape(&dir),
            first.detail.unwrap_or_default()
        ));
        out.push(g);
    }
    Finding::sort(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(path: &str, reasons: Vec<Reason>) -> Verdict {
        Verdict {
            path: path.as_bytes().to_vec(),
            facts: "elf".into(),
            reasons,
        }
    }

    #[test]
    fn one_finding_per_file_most_severe_first() {
        let f = assemble(
            vec![
                v(
                    "/tmp/a",
                    vec![Reason::new("scan.exec-in-temp", Severity::High, "in /tmp")],
                ),
                v(
                    "/tmp/a",
                    vec![Reason::new("scan.packed-elf", Severity::High, "UPX")
                        .with_attack(&["T1027.002"])],
                ),
            ],
            10,
        );
        assert_eq!(f.len(), 1);
        // Equal severities: the table order decides.
        assert_eq!(f[0].id, "scan.exec-in-temp");
        assert_eq!(f[0].also_reported_as, ["scan.packed-elf"]);
        assert!(f[0].attack.contains(&"T1027.002".to_owned()));
        assert_eq!(f[0].detail.as_deref(), Some("in /tmp; UPX — elf"));
    }

    #[test]
    fn many_alike_are_grouped() {
        let many: Vec<Verdict> = (0..25)
            .map(|i| {
                v(
                    &format!("/tmp/build/f{i}"),
                    vec![Reason::new("scan.exec-in-temp", Severity::High, "x")],
                )
            })
            .chain([v(
                "/tmp/build/odd",
                vec![Reason::new("scan.packed-elf", Severity::High, "y")],
            )])
            .collect();
        let f = assemble(many, 10);
        assert_eq!(f.len(), 2);
        let g = f.iter().find(|f| f.subject == "/tmp/build").unwrap();
        assert!(g.title.starts_with("25 files"));
        assert_eq!(g.evidence.len(), 10);
        assert!(f.iter().any(|f| f.subject == "/tmp/build/odd"));
    }
}
