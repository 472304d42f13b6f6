//! Databases reachable without authentication, the data-theft and ransom door of cloud
//! hosts (the "MongoDB ransom" waves, miners that enter through Elasticsearch's old script
//! engines): MongoDB (`net.bindIp`/`bindIpAll` beyond loopback without
//! `security.authorization: enabled`) and Elasticsearch (`network.host`/`http.host` beyond
//! loopback without X-Pack security).
//!
//! Read: `mongod.conf` (YAML, or the 2.x `key = value` file `/etc/mongodb.conf`) where the
//! packages, the tarball and BT-Panel put it, and `mongod` command lines (`--bind_ip_all`,
//! `--bind_ip`, `--auth`, `-f`/`--config`); `elasticsearch.yml` of the packages, the image and
//! the tarball's usual homes. YAML goes through [`super::kube::flatten_yaml`].

use super::kube::{flatten_yaml, Entry, Set};
use super::redis::Reach;
use crate::util::{list_dir, pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// MongoDB configuration files.
pub const MONGO_CONFIGS: &[&str] = &[
    "/etc/mongod.conf",
    "/etc/mongodb.conf",
    "/usr/local/etc/mongod.conf",
    "/opt/mongodb/mongod.conf",
    "/www/server/mongodb/config.conf",
];

/// Elasticsearch configuration directories (fixed ones; `elasticsearch*/config` under
/// `/opt` and `/usr/local` are added).
pub const ES_DIRS: &[&str] = &["/etc/elasticsearch", "/usr/share/elasticsearch/config"];

/// The reach of a list of addresses (comma- or blank-separated, YAML list items joined).
pub fn reach_of(list: &[u8]) -> Reach {
    let mut r = Reach::Loopback;
    for a in list.split(|&c| c == b',' || c.is_ascii_whitespace() || c == b'[' || c == b']') {
        let a = a.trim_ascii();
        let a = a
            .strip_prefix(b"\"")
            .and_then(|x| x.strip_suffix(b"\""))
            .unwrap_or(a);
        if a.is_empty() {
            continue;
        }
        let this = match a {
            b"_site_" | b"_global_" => Reach::All,
            b"_local_" => Reach::Loopback,
            _ if a.starts_with(b"_local:") => Reach::Loopback,
            // A path is a Unix socket.
            _ if a.starts_with(b"/") => Reach::Loopback,
            _ => Reach::of_host(a),
        };
        r = r.max(this);
    }
    r
}

/// What decides who reaches one mongod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mongo {
    /// The configuration file.
    pub file: PathBuf,
    /// `net.bindIp` / `bind_ip` / `--bind_ip`.
    pub bind_ip: Option<Set>,
    /// `net.bindIpAll: true` / `--bind_ip_all`.
    pub bind_all: Option<Set>,
    /// `security.authorization` / `auth` / `--auth` (the value `enabled`/`true`).
    pub auth: Option<Set>,
}

impl Mongo {
    /// Applies a configuration file: YAML, or the 2.x `key = value` lines.
    pub fn apply_file(&mut self, file: &Path, buf: &[u8]) -> Result<(), (String, u64)> {
        let entries = flatten_yaml(buf)?;
        if entries.is_empty() {
            for (n, v, line) in super::kube::env_file(buf) {
                let val = Set {
                    value: v.clone(),
                    file: file.to_path_buf(),
                    line,
                    text: [n.as_slice(), b" = ", &v].concat(),
                };
                match n.as_slice() {
                    b"bind_ip" => self.bind_ip = Some(val),
                    b"auth" => self.auth = Some(val),
                    _ => {}
                }
            }
            return Ok(());
        }
        let mut ips: Option<Set> = None;
        for e in &entries {
            match e.path.as_slice() {
                b"net.bindIp" => ips = Some(Set::from_entry(file, e)),
                b"net.bindIp[]" => {
                    let v = ips.get_or_insert_with(|| Set {
                        value: Vec::new(),
                        ..Set::from_entry(file, e)
                    });
                    if !v.value.is_empty() {
                        v.value.push(b',');
                    }
                    v.value.extend_from_slice(&e.value);
                }
                b"net.bindIpAll" => self.bind_all = Some(Set::from_entry(file, e)),
                b"security.authorization" => self.auth = Some(Set::from_entry(file, e)),
                _ => {}
            }
        }
        if ips.is_some() {
            self.bind_ip = ips;
        }
        Ok(())
    }

    /// Applies a command line's flags (after the program).
    pub fn apply_args(&mut self, file: &Path, line: u64, args: &[Vec<u8>]) {
        let mk = |v: &[u8], text: &[u8]| Set {
            value: v.to_vec(),
            file: file.to_path_buf(),
            line,
            text: text.to_vec(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let a = a.as_slice();
            if a == b"--bind_ip_all" {
                self.bind_all = Some(mk(b"true", a));
            } else if a == b"--auth" {
                self.auth = Some(mk(b"enabled", a));
            } else if a == b"--noauth" {
                self.auth = Some(mk(b"disabled", a));
            } else if a == b"--bind_ip" {
                if let Some(v) = it.next() {
                    self.bind_ip = Some(mk(v, &[a, b" ", v].concat()));
                }
            } else if let Some(v) = a.strip_prefix(b"--bind_ip=") {
                self.bind_ip = Some(mk(v, a));
            }
        }
    }

    fn auth_on(&self) -> bool {
        self.auth.as_ref().is_some_and(|a| {
            a.value.eq_ignore_ascii_case(b"enabled") || a.value.eq_ignore_ascii_case(b"true")
        })
    }
}

/// The finding for one mongod.
pub fn mongo_finding(m: &Mongo) -> Option<Finding> {
    if m.auth_on() {
        return None;
    }
    let all = m
        .bind_all
        .as_ref()
        .is_some_and(|b| b.value.eq_ignore_ascii_case(b"true"));
    let (r, ev) = if all {
        (Reach::All, m.bind_all.as_ref())
    } else {
        // Since 3.6 the default is localhost only.
        let b = m.bind_ip.as_ref()?;
        (reach_of(&b.value), Some(b))
    };
    let sev = match r {
        Reach::Loopback => return None,
        Reach::All => Severity::Critical,
        Reach::Interface => Severity::High,
    };
    let mut f = Finding::new(
        "exposure.mongodb-no-auth",
        sev,
        "MongoDB listens beyond loopback without access control",
        pb(&m.file),
    );
    if let Some(e) = ev {
        f = f.with_evidence(e.evidence());
    }
    f = f.with_evidence(match &m.auth {
        Some(a) => a.evidence(),
        None => Evidence::file(pb(&m.file))
            .with_excerpt("no security.authorization: access control off"),
    });
    Some(
        f.with_detail("Without security.authorization every client that reaches port 27017 reads, changes and drops every database: the ransom waves (\"All your data is backed up. You must pay\") and the miners' credential harvest go this way.")
            .with_remediation("security.authorization: enabled with users created first, net.bindIp 127.0.0.1 (or an internal address) and a firewall on 27017; then check the databases for ransom notes and unknown users.")
            .with_attack("T1190")
            .with_attack("T1133")
            .with_attack("T1530")
            .with_reference("MongoDB: Security Checklist, https://www.mongodb.com/docs/manual/administration/security-checklist/"),
    )
}

/// What decides who reaches one Elasticsearch node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Elastic {
    /// `elasticsearch.yml`.
    pub file: PathBuf,
    /// `http.host`, else `network.host` (default `_local_`).
    pub host: Option<Set>,
    /// `xpack.security.enabled`.
    pub security: Option<Set>,
}

impl Elastic {
    /// Applies an `elasticsearch.yml`'s entries.
    pub fn apply(&mut self, file: &Path, entries: &[Entry]) {
        let mut net: Option<Set> = None;
        let mut http: Option<Set> = None;
        for e in entries {
            let slot = match e.path.as_slice() {
                b"network.host" | b"network.host[]" => &mut net,
                b"http.host" | b"http.host[]" => &mut http,
                b"xpack.security.enabled" => {
                    self.security = Some(Set::from_entry(file, e));
                    continue;
                }
                _ => continue,
            };
            match slot {
                Some(v) if e.path.ends_with(b"[]") => {
                    v.value.push(b',');
                    v.value.extend_from_slice(&e.value);
                }
                _ => *slot = Some(Set::from_entry(file, e)),
            }
        }
        self.host = http.or(net);
    }
}

/// The finding for one Elasticsearch node.
pub fn elastic_finding(e: &Elastic) -> Option<Finding> {
    let h = e.host.as_ref()?;
    let sev = match (reach_of(&h.value), &e.security) {
        (Reach::Loopback, _) => return None,
        (_, Some(s)) if s.value.eq_ignore_ascii_case(b"true") => return None,
        (Reach::All, Some(_)) => Severity::Critical,
        (Reach::Interface, Some(_)) | (Reach::All, None) => Severity::High,
        (Reach::Interface, None) => Severity::Medium,
    };
    let mut f = Finding::new(
        "exposure.elasticsearch-no-auth",
        sev,
        "Elasticsearch listens beyond loopback without X-Pack security",
        pb(&e.file),
    )
    .with_evidence(h.evidence());
    f = f.with_evidence(match &e.security {
        Some(s) => s.evidence(),
        None => Evidence::file(pb(&e.file)).with_excerpt(
            "no xpack.security.enabled: off before 8.0 (8.x writes `true` here when it installs)",
        ),
    });
    Some(
        f.with_detail("Anyone who reaches port 9200 reads, deletes and ransoms the indices; on old versions the script engines (CVE-2014-3120, CVE-2015-1427) run commands, a miners' door.")
            .with_remediation("xpack.security.enabled: true with passwords (elasticsearch-reset-password), network.host on an internal address and a firewall on 9200/9300; then look for ransom indices and unknown scripts.")
            .with_attack("T1190")
            .with_attack("T1133")
            .with_attack("T1530")
            .with_reference("Elasticsearch: Minimal security setup, https://www.elastic.co/guide/en/elasticsearch/reference/current/security-minimal-setup.html"),
    )
}

/// Audits MongoDB and Elasticsearch configurations under `root`.
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    let mut seen: Vec<PathBuf> = Vec::new();
    let load = |file: &Path, out: &mut Outcome| -> Option<Mongo> {
        let buf = read_config(root, file, out)?;
        let mut m = Mongo {
            file: file.to_path_buf(),
            ..Mongo::default()
        };
        if let Err((msg, l)) = m.apply_file(file, &buf) {
            out.errors.push(crate::util::line_error(
                pb(file),
                l,
                format!("not YAML: {msg}"),
            ));
            return None;
        }
        Some(m)
    };
    for (l, i) in svc.launches.of(&[b"mongod"]) {
        let args = l.words.get(i + 1..).unwrap_or_default();
        let conf = args.iter().enumerate().find_map(|(n, a)| {
            if a == b"-f" || a == b"--config" {
                args.get(n + 1).cloned()
            } else {
                a.strip_prefix(b"--config=").map(<[u8]>::to_vec)
            }
        });
        let mut m = match conf {
            Some(c) if c.starts_with(b"/") => {
                let p = PathBuf::from(std::ffi::OsStr::from_bytes(&c));
                seen.push(p.clone());
                match load(&p, out) {
                    Some(m) => m,
                    None => continue,
                }
            }
            Some(_) => continue,
            None => Mongo {
                file: l.file.clone(),
                ..Mongo::default()
            },
        };
        m.apply_args(&l.file, l.line.unwrap_or(0), args);
        if let Some(f) = mongo_finding(&m) {
            if !out
                .findings
                .iter()
                .any(|g| g.id == f.id && g.subject == f.subject)
            {
                out.findings.push(f);
            }
        }
    }
    for c in MONGO_CONFIGS {
        let p = Path::new(c);
        if seen.iter().any(|s| s == p) {
            continue;
        }
        if let Some(f) = load(p, out).as_ref().and_then(mongo_finding) {
            out.findings.push(f);
        }
    }
    let mut dirs: Vec<PathBuf> = ES_DIRS.iter().map(PathBuf::from).collect();
    for base in ["/opt", "/usr/local", "/data", "/www/server"] {
        for d in list_dir(root, base, out) {
            if d.file_name()
                .is_some_and(|n| n.as_bytes().starts_with(b"elasticsearch"))
            {
                dirs.push(d.join("config"));
            }
        }
    }
    for d in dirs {
        let file = d.join("elasticsearch.yml");
        let Some(buf) = read_config(root, &file, out) else {
            continue;
        };
        match flatten_yaml(&buf) {
            Ok(entries) => {
                let mut e = Elastic {
                    file: file.clone(),
                    ..Elastic::default()
                };
                e.apply(&file, &entries);
                if let Some(f) = elastic_finding(&e) {
                    out.findings.push(f);
                }
            }
            Err((m, l)) => out.errors.push(crate::util::line_error(
                pb(&file),
                l,
                format!("not YAML: {m}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches() {
        assert_eq!(reach_of(b"127.0.0.1,::1"), Reach::Loopback);
        assert_eq!(reach_of(b"127.0.0.1,10.0.0.5"), Reach::Interface);
        assert_eq!(reach_of(b"[\"_site_\", \"_local_\"]"), Reach::All);
        assert_eq!(reach_of(b"/tmp/mongod.sock,127.0.0.1"), Reach::Loopback);
    }

    #[test]
    fn mongo_files() {
        let mut m = Mongo::default();
        m.apply_file(
            Path::new("/m"),
            b"net:\n  port: 27017\n  bindIp:\n  - 127.0.0.1\n  - 10.0.0.5\nsecurity:\n  authorization: disabled\n",
        )
        .unwrap();
        assert_eq!(m.bind_ip.as_ref().unwrap().value, b"127.0.0.1,10.0.0.5");
        assert_eq!(m.bind_ip.as_ref().unwrap().line, 4);
        assert_eq!(mongo_finding(&m).unwrap().severity, Severity::High);
        let mut old = Mongo::default();
        old.apply_file(Path::new("/o"), b"# 2.x\nbind_ip = 0.0.0.0\nport = 27017\n")
            .unwrap();
        assert_eq!(old.bind_ip.as_ref().unwrap().line, 2);
        assert_eq!(mongo_finding(&old).unwrap().severity, Severity::Critical);
        old.apply_args(Path::new("/u"), 1, &[b"--auth".to_vec()]);
        assert!(mongo_finding(&old).is_none());
    }
}
