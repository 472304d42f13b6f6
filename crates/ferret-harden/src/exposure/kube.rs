//! The kubelet and etcd open to the network, as TeamTNT's and Kinsing's Kubernetes campaigns
//! find them (`/run` and `/exec` on the kubelet's port 10250 without authentication, pods and
//! their environment on the read-only port 10255, every Secret of the cluster in an etcd
//! served over plain `http://`).
//!
//! kubelet: its `--config` file (`/var/lib/kubelet/config.yaml` by kubeadm, or the one the
//! unit names), and the flags of its command line, which win over the file (the unit's
//! `$VARIABLES` expanded from its `Environment=` lines, `/var/lib/kubelet/kubeadm-flags.env`,
//! `/etc/default/kubelet`, `/etc/sysconfig/kubelet`). The file's defaults (KubeletConfiguration
//! v1beta1) are safe (anonymous off, `Webhook`, read-only port 0); the flags' defaults without
//! any file are not (anonymous on, `AlwaysAllow`, read-only port 10255).
//!
//! etcd: `--listen-client-urls` and `--client-cert-auth` from its command lines (units,
//! scripts, the static pod `/etc/kubernetes/manifests/etcd.yaml`), its `--config-file`
//! (`etcd.conf.yml`), and the `ETCD_*` variables of `/etc/etcd/etcd.conf`, `/etc/default/etcd`,
//! `/etc/sysconfig/etcd`. The default is `http://localhost:2379`.
//!
//! YAML is read with `yaml-rust2`'s event parser into flat `a.b.c` keys with their line;
//! aliases are never expanded (their value is `*`), nesting and entries are bounded.

use crate::util::{pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// Entries kept at most per YAML document.
pub const MAX_ENTRIES: usize = 10_000;
/// Nesting followed at most.
pub const MAX_DEPTH: usize = 64;

/// One scalar of a YAML document: its key path (`authentication.anonymous.enabled`; a
/// sequence item adds `[]`), its value, its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The path of mapping keys.
    pub path: Vec<u8>,
    /// The scalar (`*` for an alias).
    pub value: Vec<u8>,
    /// 1-based line.
    pub line: u64,
}

#[derive(Default)]
struct Flat {
    /// (is a mapping, the key awaiting its value for mappings, path length at entry).
    stack: Vec<(bool, Option<Vec<u8>>, usize)>,
    path: Vec<u8>,
    out: Vec<Entry>,
    deep: bool,
    /// Character indices of the text's `\n`s: lines are counted as the file's are (YAML
    /// also breaks lines at a bare `\r`, which would put evidence past the file's end).
    newlines: Vec<usize>,
}

impl Flat {
    /// The 1-based line, counted in `\n`s, of the character at `index`.
    fn line_at(&self, index: usize) -> u64 {
        self.newlines.partition_point(|&p| p < index) as u64 + 1
    }

    fn value(&mut self, v: Vec<u8>, line: u64) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if top.0 {
            match top.1.take() {
                None => top.1 = Some(v),
                Some(k) => {
                    if self.out.len() < MAX_ENTRIES {
                        let mut p = self.path.clone();
                        if !p.is_empty() {
                            p.push(b'.');
                        }
                        p.extend_from_slice(&k);
                        self.out.push(Entry {
                            path: p,
                            value: v,
                            line,
                        });
                    }
                }
            }
        } else if self.out.len() < MAX_ENTRIES {
            let mut p = self.path.clone();
            p.extend_from_slice(b"[]");
            self.out.push(Entry {
                path: p,
                value: v,
                line,
            });
        }
    }

    fn open(&mut self, mapping: bool) {
        if self.stack.len() >= MAX_DEPTH {
            self.deep = true;
        }
        let at = self.path.len();
        if let Some(top) = self.stack.last_mut() {
            if top.0 {
                let k = top.1.take().unwrap_or_default();
                if !self.path.is_empty() {
                    self.path.push(b'.');
                }
                self.path.extend_from_slice(&k);
            } else {
                self.path.extend_from_slice(b"[]");
            }
        }
        self.stack.push((mapping, None, at));
    }

    fn close(&mut self) {
        if let Some((_, _, at)) = self.stack.pop() {
            self.path.truncate(at);
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for Flat {
    fn on_event(&mut self, ev: yaml_rust2::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::Event;
        let line = self.line_at(mark.index());
        match ev {
            Event::Scalar(v, ..) => self.value(v.into_bytes(), line),
            Event::Alias(_) => self.value(b"*".to_vec(), line),
            Event::MappingStart(..) => self.open(true),
            Event::SequenceStart(..) => self.open(false),
            Event::MappingEnd | Event::SequenceEnd => self.close(),
            _ => {}
        }
    }
}

/// Reads the first document of a YAML text into flat entries.
///
/// # Errors
/// When the text is not UTF-8 or not YAML, or nests deeper than [`MAX_DEPTH`]: the message
/// and its line.
pub fn flatten_yaml(buf: &[u8]) -> Result<Vec<Entry>, (String, u64)> {
    let s = std::str::from_utf8(buf).map_err(|e| {
        let line = buf
            .get(..e.valid_up_to())
            .unwrap_or_default()
            .split(|&c| c == b'\n')
            .count() as u64;
        ("not UTF-8".to_owned(), line)
    })?;
    let mut f = Flat {
        newlines: s
            .chars()
            .enumerate()
            .filter_map(|(i, c)| (c == '\n').then_some(i))
            .collect(),
        ..Flat::default()
    };
    let mut p = yaml_rust2::parser::Parser::new_from_str(s);
    p.load(&mut f, false)
        .map_err(|e| (e.info().to_owned(), f.line_at(e.marker().index())))?;
    if f.deep {
        return Err((format!("nested deeper than {MAX_DEPTH}"), 1));
    }
    Ok(f.out)
}

/// A setting and where it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Set {
    /// The value.
    pub value: Vec<u8>,
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0: none).
    pub line: u64,
    /// What the line says (`--anonymous-auth=true`, `authorization.mode: AlwaysAllow`).
    pub text: Vec<u8>,
}

impl Set {
    pub(crate) fn evidence(&self) -> Evidence {
        if self.line == 0 {
            Evidence::file(pb(&self.file))
        } else {
            Evidence::line(pb(&self.file), self.line)
        }
        .with_excerpt(&self.text)
    }

    /// A YAML entry of `file` as set: its value, line, and `path: value` as the text.
    pub fn from_entry(file: &Path, e: &Entry) -> Self {
        Set {
            value: e.value.clone(),
            file: file.to_path_buf(),
            line: e.line,
            text: [e.path.as_slice(), b": ", &e.value].concat(),
        }
    }
}

/// `NAME=value` lines of an environment file (quotes removed, `export` allowed, blanks
/// around `=` allowed), with lines.
pub fn env_file(buf: &[u8]) -> Vec<(Vec<u8>, Vec<u8>, u64)> {
    let mut v = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        let t = l.trim_ascii();
        if t.starts_with(b"#") {
            continue;
        }
        let t = t.strip_prefix(b"export ").unwrap_or(t).trim_ascii_start();
        let Some(eq) = t.iter().position(|&c| c == b'=') else {
            continue;
        };
        // `NAME = value` (MongoDB 2.x's file) is read too.
        let name = t.get(..eq).unwrap_or_default().trim_ascii_end();
        if name.is_empty() || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') {
            continue;
        }
        let val = super::launch::split_words(t.get(eq + 1..).unwrap_or_default()).join(&b' ');
        v.push((name.to_vec(), val, i as u64 + 1));
    }
    v
}

/// `--name=value` / `--name value` flags of a command line, last one winning.
fn flag<'a>(args: &'a [Vec<u8>], name: &[u8]) -> Option<&'a [u8]> {
    let mut found = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(rest) = a.strip_prefix(b"--").or_else(|| a.strip_prefix(b"-")) else {
            continue;
        };
        if let Some(v) = rest.strip_prefix(name) {
            if let Some(v) = v.strip_prefix(b"=") {
                found = Some(v);
            } else if v.is_empty() {
                found = it.as_slice().first().map(Vec::as_slice);
            }
        }
    }
    found
}

/// A command line with its `$VAR`/`${VAR}` words replaced by the words of their values.
fn expand(words: &[Vec<u8>], env: &[(Vec<u8>, Vec<u8>)]) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for w in words {
        let name = w
            .strip_prefix(b"${")
            .and_then(|n| n.strip_suffix(b"}"))
            .or_else(|| w.strip_prefix(b"$"));
        match name {
            Some(n) => {
                if let Some((_, val)) = env.iter().rev().find(|(k, _)| k == n) {
                    v.extend(super::launch::split_words(val));
                }
            }
            None => v.push(w.clone()),
        }
    }
    v
}

/// The kubelet's settings that decide who it serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Kubelet {
    /// The config file read, if any.
    pub config: Option<PathBuf>,
    /// Anonymous requests served.
    pub anonymous: Option<Set>,
    /// Authorization mode.
    pub authz: Option<Set>,
    /// Read-only port.
    pub read_only_port: Option<Set>,
    /// Defaults of the flags apply (no config file): anonymous on, AlwaysAllow, 10255.
    pub flag_defaults: bool,
}

impl Kubelet {
    /// Applies a config file's entries.
    pub fn apply_config(&mut self, file: &Path, entries: &[Entry]) {
        for e in entries {
            let set = || Set::from_entry(file, e);
            match e.path.as_slice() {
                b"authentication.anonymous.enabled" => self.anonymous = Some(set()),
                b"authorization.mode" => self.authz = Some(set()),
                b"readOnlyPort" => self.read_only_port = Some(set()),
                _ => {}
            }
        }
    }

    /// Applies the flags of a command line (they win over the file).
    pub fn apply_flags(&mut self, file: &Path, line: u64, args: &[Vec<u8>]) {
        let set = |name: &str, v: &[u8]| Set {
            value: v.to_vec(),
            file: file.to_path_buf(),
            line,
            text: format!("--{name}={}", String::from_utf8_lossy(v)).into_bytes(),
        };
        if let Some(v) = flag(args, b"anonymous-auth") {
            self.anonymous = Some(set("anonymous-auth", v));
        }
        if let Some(v) = flag(args, b"authorization-mode") {
            self.authz = Some(set("authorization-mode", v));
        }
        if let Some(v) = flag(args, b"read-only-port") {
            self.read_only_port = Some(set("read-only-port", v));
        }
    }

    fn anonymous_on(&self) -> bool {
        match &self.anonymous {
            Some(s) => s.value.eq_ignore_ascii_case(b"true"),
            None => self.flag_defaults,
        }
    }

    fn always_allow(&self) -> bool {
        match &self.authz {
            Some(s) => s.value == b"AlwaysAllow",
            None => self.flag_defaults,
        }
    }

    fn read_only(&self) -> Option<u64> {
        match &self.read_only_port {
            Some(s) => std::str::from_utf8(&s.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .filter(|p| *p != 0),
            None => self.flag_defaults.then_some(10255),
        }
    }
}

/// The kubelet findings of one configuration (`subject`: the config file or the unit).
pub fn kubelet_findings(k: &Kubelet, subject: &Path) -> Vec<Finding> {
    let mut v = Vec::new();
    let default_ev = |what: &str| Evidence::file(pb(subject)).with_excerpt(what);
    if k.anonymous_on() && k.always_allow() {
        let mut f = Finding::new(
            "exposure.kubelet-anonymous",
            Severity::Critical,
            "the kubelet API serves anonymous requests with authorization AlwaysAllow",
            pb(subject),
        );
        f = f.with_evidence(match &k.anonymous {
            Some(s) => s.evidence(),
            None => default_ev("no config file: --anonymous-auth defaults to true"),
        });
        f = f.with_evidence(match &k.authz {
            Some(s) => s.evidence(),
            None => default_ev("no config file: --authorization-mode defaults to AlwaysAllow"),
        });
        v.push(
            f.with_detail("Anyone who reaches port 10250 can list the pods and run commands in any container (`/run/<ns>/<pod>/<container>`, `/exec`): how TeamTNT and Kinsing spread miners through Kubernetes nodes.")
                .with_remediation("authentication.anonymous.enabled: false and authorization.mode: Webhook in the kubelet's config.yaml (or --anonymous-auth=false --authorization-mode=Webhook); then look for pods and containers that were not deployed by the cluster's owners.")
                .with_attack("T1190")
                .with_attack("T1133")
                .with_attack("T1609")
                .with_reference("Kubernetes: Kubelet authentication/authorization, https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/"),
        );
    }
    if let Some(port) = k.read_only() {
        let f = Finding::new(
            "exposure.kubelet-read-only-port",
            Severity::Medium,
            "the kubelet's read-only port serves pod specifications without authentication",
            pb(subject),
        )
        .with_evidence(match &k.read_only_port {
            Some(s) => s.evidence(),
            None => default_ev("no config file: --read-only-port defaults to 10255"),
        })
        .with_detail(format!("Port {port} answers /pods and /spec without any authentication: every pod's image, command and environment (credentials passed as variables), the reconnaissance step of the Kubernetes campaigns."))
        .with_remediation("readOnlyPort: 0 in the kubelet's config.yaml (or --read-only-port=0).")
        .with_attack("T1613")
        .with_attack("T1552.007");
        v.push(f);
    }
    v
}

/// Whether an etcd client URL is plain http on a non-loopback address.
pub fn url_reach(url: &[u8]) -> Option<(bool, super::redis::Reach)> {
    use super::redis::Reach;
    let (tls, rest) = if let Some(r) = url.strip_prefix(b"https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix(b"http://") {
        (false, r)
    } else {
        return None;
    };
    let host = match rest.strip_prefix(b"[") {
        Some(v6) => v6.split(|&c| c == b']').next().unwrap_or_default(),
        None => rest
            .split(|&c| c == b':' || c == b'/')
            .next()
            .unwrap_or_default(),
    };
    Some((tls, Reach::of_host(host)))
}

/// The etcd settings that decide who reads the keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Etcd {
    /// `listen-client-urls`.
    pub listen: Option<Set>,
    /// `client-cert-auth`.
    pub cert_auth: Option<Set>,
}

impl Etcd {
    fn set(&mut self, key: &[u8], s: Set) {
        match key {
            b"listen-client-urls" => self.listen = Some(s),
            b"client-cert-auth" => self.cert_auth = Some(s),
            _ => {}
        }
    }

    /// Applies an `etcd.conf.yml`.
    pub fn apply_yaml(&mut self, file: &Path, entries: &[Entry]) {
        for e in entries {
            let key: &[u8] = match e.path.as_slice() {
                b"client-transport-security.client-cert-auth" => b"client-cert-auth",
                p => p,
            };
            self.set(key, Set::from_entry(file, e));
        }
    }

    /// Applies `ETCD_LISTEN_CLIENT_URLS=` / `ETCD_CLIENT_CERT_AUTH=` lines.
    pub fn apply_env(&mut self, file: &Path, vars: &[(Vec<u8>, Vec<u8>, u64)]) {
        for (n, v, line) in vars {
            let key: &[u8] = match n.as_slice() {
                b"ETCD_LISTEN_CLIENT_URLS" => b"listen-client-urls",
                b"ETCD_CLIENT_CERT_AUTH" => b"client-cert-auth",
                _ => continue,
            };
            self.set(
                key,
                Set {
                    value: v.clone(),
                    file: file.to_path_buf(),
                    line: *line,
                    text: [n.as_slice(), b"=", v].concat(),
                },
            );
        }
    }

    /// Applies the flags of a command line.
    pub fn apply_flags(&mut self, file: &Path, line: u64, args: &[Vec<u8>]) {
        for key in [&b"listen-client-urls"[..], b"client-cert-auth"] {
            if let Some(v) = flag(args, key) {
                let text = [b"--".as_slice(), key, b"=", v].concat();
                self.set(
                    key,
                    Set {
                        value: v.to_vec(),
                        file: file.to_path_buf(),
                        line,
                        text,
                    },
                );
            }
        }
    }
}

/// The finding for one etcd, if a client URL beyond loopback serves without client
/// certificates.
pub fn etcd_finding(e: &Etcd, subject: &Path) -> Option<Finding> {
    use super::redis::Reach;
    let l = e.listen.as_ref()?;
    let cert = e
        .cert_auth
        .as_ref()
        .is_some_and(|c| c.value.eq_ignore_ascii_case(b"true"));
    let mut worst: Option<(Severity, Vec<u8>)> = None;
    for url in l.value.split(|&c| c == b',') {
        let url = url.trim_ascii();
        let Some((tls, r)) = url_reach(url) else {
            continue;
        };
        let sev = match (r, tls, cert) {
            (Reach::Loopback, ..) | (_, true, true) => continue,
            (Reach::All, false, _) => Severity::Critical,
            (Reach::Interface, false, _) => Severity::High,
            (_, true, false) => Severity::Medium,
        };
        if worst.as_ref().is_none_or(|(s, _)| sev > *s) {
            worst = Some((sev, url.to_vec()));
        }
    }
    let (sev, url) = worst?;
    let mut f = Finding::new(
        "exposure.etcd-no-auth",
        sev,
        "etcd serves clients beyond loopback without client certificates",
        pb(subject),
    )
    .with_evidence(l.evidence());
    if let Some(c) = &e.cert_auth {
        f = f.with_evidence(c.evidence());
    }
    Some(
        f.with_detail(format!(
            "Client URL {}{}: anyone who reaches it reads and writes every key (a Kubernetes cluster's Secrets and service-account tokens, or creates a privileged pod by writing it) unless etcd's own authentication was enabled at run time.",
            ferret_core::escape::escape(&url),
            if url.starts_with(b"http://") { " is plain HTTP" } else { " has TLS but client-cert-auth is off" }
        ))
        .with_remediation("Listen for clients on https:// with --client-cert-auth=true and --trusted-ca-file (kubeadm's default), or on 127.0.0.1 only; rotate the cluster's secrets if it was reachable.")
        .with_attack("T1190")
        .with_attack("T1552.007")
        .with_attack("T1133"),
    )
}

fn yaml_file(root: &HostRoot, file: &Path, out: &mut Outcome) -> Option<Vec<Entry>> {
    let buf = read_config(root, file, out)?;
    match flatten_yaml(&buf) {
        Ok(e) => Some(e),
        Err((m, l)) => {
            out.errors.push(crate::util::line_error(
                pb(file),
                l,
                format!("not YAML: {m}"),
            ));
            None
        }
    }
}

/// The `NAME=value` lines of one environment file, with their lines.
type EnvVars = Vec<(Vec<u8>, Vec<u8>, u64)>;

/// Environment files the kubelet's and etcd's units read.
const KUBELET_ENV: &[&str] = &[
    "/var/lib/kubelet/kubeadm-flags.env",
    "/etc/default/kubelet",
    "/etc/sysconfig/kubelet",
];
const ETCD_ENV: &[&str] = &[
    "/etc/etcd/etcd.conf",
    "/etc/default/etcd",
    "/etc/sysconfig/etcd",
];
/// kubeadm's file when no command line is found.
pub const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";
/// kubeadm's static pod of etcd.
pub const ETCD_MANIFEST: &str = "/etc/kubernetes/manifests/etcd.yaml";

fn env_of(root: &HostRoot, files: &[&str], out: &mut Outcome) -> Vec<(PathBuf, EnvVars)> {
    files
        .iter()
        .filter_map(|f| {
            let p = Path::new(f);
            read_config(root, p, out).map(|b| (p.to_path_buf(), env_file(&b)))
        })
        .collect()
}

/// Audits the kubelet and etcd of `root`.
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    // kubelet: each command line with the config file it names; without any, kubeadm's file.
    let kenv = env_of(root, KUBELET_ENV, out);
    let mut seen_config = false;
    for (l, i) in svc.launches.of(&[b"kubelet"]) {
        let mut env: Vec<(Vec<u8>, Vec<u8>)> = l.env.clone();
        for (_, vars) in &kenv {
            env.extend(vars.iter().map(|(n, v, _)| (n.clone(), v.clone())));
        }
        let args = expand(l.words.get(i + 1..).unwrap_or_default(), &env);
        let mut k = Kubelet::default();
        let config = flag(&args, b"config").map(|c| PathBuf::from(std::ffi::OsStr::from_bytes(c)));
        match &config {
            Some(c) => {
                if let Some(e) = yaml_file(root, c, out) {
                    k.apply_config(c, &e);
                }
                k.config = Some(c.clone());
                seen_config = true;
            }
            None => k.flag_defaults = true,
        }
        k.apply_flags(&l.file, l.line.unwrap_or(0), &args);
        let subject = config.unwrap_or_else(|| l.file.clone());
        for f in kubelet_findings(&k, &subject) {
            if !out
                .findings
                .iter()
                .any(|g| g.id == f.id && g.subject == f.subject)
            {
                out.findings.push(f);
            }
        }
    }
    if !seen_config {
        let c = Path::new(KUBELET_CONFIG);
        if let Some(e) = yaml_file(root, c, out) {
            let mut k = Kubelet::default();
            k.apply_config(c, &e);
            out.findings.extend(kubelet_findings(&k, c));
        }
    }
    // etcd: the environment files, then each command line (and the config file it names).
    let mut base = Etcd::default();
    let eenv = env_of(root, ETCD_ENV, out);
    for (f, vars) in &eenv {
        base.apply_env(f, vars);
    }
    let mut done = false;
    let mut lines: Vec<(PathBuf, u64, Vec<Vec<u8>>)> = Vec::new();
    for (l, i) in svc.launches.of(&[b"etcd"]) {
        let mut env: Vec<(Vec<u8>, Vec<u8>)> = l.env.clone();
        for (_, vars) in &eenv {
            env.extend(vars.iter().map(|(n, v, _)| (n.clone(), v.clone())));
        }
        let args = expand(l.words.get(i + 1..).unwrap_or_default(), &env);
        lines.push((l.file.clone(), l.line.unwrap_or(0), args));
    }
    // The static pod's `command:` list.
    let m = Path::new(ETCD_MANIFEST);
    if let Some(e) = yaml_file(root, m, out) {
        for c in e
            .iter()
            .filter(|e| e.path == b"spec.containers[].command[]")
        {
            match lines.last_mut() {
                Some((f, _, args)) if f == m => args.push(c.value.clone()),
                _ => lines.push((m.to_path_buf(), c.line, vec![c.value.clone()])),
            }
        }
    }
    for (file, line, args) in lines {
        let mut e = base.clone();
        if let Some(cf) = flag(&args, b"config-file") {
            let cf = PathBuf::from(std::ffi::OsStr::from_bytes(cf));
            if let Some(entries) = yaml_file(root, &cf, out) {
                e.apply_yaml(&cf, &entries);
            }
        }
        e.apply_flags(&file, line, &args);
        done = true;
        // The subject is where the listener is set: a defaults file two start-up ways read
        // (Debian's unit and init script) is one finding.
        let Some(subject) = e.listen.as_ref().map(|s| s.file.clone()) else {
            continue;
        };
        if let Some(f) = etcd_finding(&e, &subject) {
            if !out
                .findings
                .iter()
                .any(|g| g.id == f.id && g.subject == f.subject)
            {
                out.findings.push(f);
            }
        }
    }
    if !done {
        let subject = base.listen.as_ref().map(|s| s.file.clone());
        if let Some(s) = subject {
            if let Some(f) = etcd_finding(&base, &s) {
                out.findings.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_yaml() {
        let y = b"apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\nbase: &b {k: v}\nother: *b\nlist:\n- a\n- {n: 1}\n";
        let e = flatten_yaml(y).unwrap();
        let get = |p: &str| e.iter().find(|x| x.path == p.as_bytes()).unwrap();
        assert_eq!(get("authentication.anonymous.enabled").value, b"false");
        assert_eq!(get("authentication.anonymous.enabled").line, 4);
        assert_eq!(get("authorization.mode").line, 8);
        assert_eq!(get("base.k").value, b"v");
        assert_eq!(get("other").value, b"*");
        assert_eq!(get("list[]").value, b"a");
        assert_eq!(get("list[].n").value, b"1");
        assert!(flatten_yaml(b"a: [").is_err());
        let deep = "[".repeat(200);
        assert!(flatten_yaml(deep.as_bytes()).is_err());
    }

    #[test]
    fn yaml_lines_are_the_files_lines() {
        // Multi-byte characters before the key, and a bare `\r` that YAML takes for a line
        // break (found by the fuzzer: the line was past the file's end).
        let y = "a: \u{e9}\u{e9}\u{e9}\nb: \u{1f600}\nc: y\n".as_bytes();
        let e = flatten_yaml(y).unwrap();
        let line = |p: &str| e.iter().find(|x| x.path == p.as_bytes()).unwrap().line;
        assert_eq!((line("a"), line("b"), line("c")), (1, 2, 3));
        let e = flatten_yaml(b"a: 1\rb: 2\nc: 3\n").unwrap();
        let lines: Vec<u64> = e.iter().map(|x| x.line).collect();
        assert_eq!(lines, [1, 1, 2], "{e:?}");
        let (_, l) = flatten_yaml(b"a: 1\r\r\rb: [\n").unwrap_err();
        assert!(l <= 2, "{l}");
    }

    #[test]
    fn flags_and_urls() {
        use super::super::redis::Reach;
        let a: Vec<Vec<u8>> = [
            &b"--config=/x.yaml"[..],
            b"--anonymous-auth",
            b"true",
            b"-read-only-port=10255",
        ]
        .iter()
        .map(|w| w.to_vec())
        .collect();
        assert_eq!(flag(&a, b"config"), Some(&b"/x.yaml"[..]));
        assert_eq!(flag(&a, b"anonymous-auth"), Some(&b"true"[..]));
        assert_eq!(flag(&a, b"read-only-port"), Some(&b"10255"[..]));
        assert_eq!(url_reach(b"http://0.0.0.0:2379"), Some((false, Reach::All)));
        assert_eq!(
            url_reach(b"https://127.0.0.1:2379"),
            Some((true, Reach::Loopback))
        );
        assert_eq!(
            url_reach(b"http://[::1]:2379"),
            Some((false, Reach::Loopback))
        );
        assert_eq!(url_reach(b"unix://x"), None);
    }
}
