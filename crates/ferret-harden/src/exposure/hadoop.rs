//! Hadoop YARN's ResourceManager without authentication: the REST API
//! (`POST /ws/v1/cluster/apps/new-application`, then an application whose container command is
//! a download-and-run) that Kinsing, 8220 Gang, WatchDog and the DDG/Rocke miners use on
//! Alibaba Cloud and Tencent Cloud hosts, Alibaba Cloud's and Tencent Cloud's incident guides
//! name it as the most exploited door of their Hadoop users.
//!
//! Read: `yarn-site.xml` and `core-site.xml` (Hadoop's `<configuration><property><name>` /
//! `<value>` files, through `quick-xml`) in the configuration directories of the packages
//! (`/etc/hadoop/conf`, `/etc/hadoop`), of the tarball's usual homes (`/opt/hadoop*`,
//! `/usr/local/hadoop*`, `/opt/module/hadoop*`, `/opt/software/hadoop*`, `/usr/local/src`,
//! `/data`, `/root`, each home: `<dir>/etc/hadoop`), and of `HADOOP_CONF_DIR`,
//! `YARN_CONF_DIR` and `HADOOP_HOME` as units (`Environment=`) and `/etc/profile`,
//! `/etc/profile.d/*.sh`, `/etc/environment`, `/etc/bashrc`, `/root/.bashrc`,
//! `/root/.bash_profile` set them.
//!
//! Upstream defaults (`core-default.xml`, `yarn-default.xml`): `hadoop.security.authentication`
//! and `hadoop.http.authentication.type` are `simple` (any `user.name=` is believed),
//! `yarn.resourcemanager.hostname` is `0.0.0.0`, `yarn.resourcemanager.webapp.address` is
//! `${yarn.resourcemanager.hostname}:8088`, `yarn.acl.enable` is false. An untouched install is
//! open on every interface as soon as `start-yarn.sh` runs.

use crate::util::{list_dir, pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// Properties kept at most per file.
pub const MAX_PROPERTIES: usize = 10_000;
/// Directories listed for `hadoop*` installs.
const INSTALL_BASES: &[&str] = &[
    "/opt",
    "/usr/local",
    "/opt/module",
    "/opt/modules",
    "/opt/software",
    "/opt/apps",
    "/usr/local/src",
    "/data",
    "/root",
    "/app",
];
/// Packages' configuration directories.
const PACKAGE_DIRS: &[&str] = &["/etc/hadoop/conf", "/etc/hadoop"];
/// Shell files that set `HADOOP_HOME` / `HADOOP_CONF_DIR` system-wide.
const ENV_FILES: &[&str] = &[
    "/etc/profile",
    "/etc/environment",
    "/etc/bashrc",
    "/etc/bash.bashrc",
    "/root/.bashrc",
    "/root/.bash_profile",
];
/// Configuration directories examined at most.
pub const MAX_DIRS: usize = 64;

/// One `<property>`: its name, value (entities resolved) and the line of its `<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Property {
    /// `<name>`, trimmed.
    pub name: Vec<u8>,
    /// `<value>`, trimmed (empty when absent).
    pub value: Vec<u8>,
    /// 1-based line of the `<name>` element (of `<property>` when it has none).
    pub line: u64,
}

fn line_at(buf: &[u8], pos: u64) -> u64 {
    let end = usize::try_from(pos).unwrap_or(usize::MAX).min(buf.len());
    buf.get(..end)
        .unwrap_or_default()
        .split(|&c| c == b'\n')
        .count() as u64
}

fn resolve_ref(name: &[u8], out: &mut Vec<u8>) {
    let named: Option<&[u8]> = match name {
        b"amp" => Some(b"&"),
        b"lt" => Some(b"<"),
        b"gt" => Some(b">"),
        b"quot" => Some(b"\""),
        b"apos" => Some(b"'"),
        _ => None,
    };
    if let Some(v) = named {
        out.extend_from_slice(v);
        return;
    }
    let num = name.strip_prefix(b"#").and_then(|n| {
        let n = std::str::from_utf8(n).ok()?;
        match n.strip_prefix('x').or_else(|| n.strip_prefix('X')) {
            Some(h) => u32::from_str_radix(h, 16).ok(),
            None => n.parse().ok(),
        }
    });
    if let Some(c) = num.and_then(char::from_u32) {
        let mut b = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
    } else {
        // An unknown entity is kept as written.
        out.push(b'&');
        out.extend_from_slice(name);
        out.push(b';');
    }
}

/// Parses a Hadoop `*-site.xml`: the `<property>` elements of its `<configuration>`, in order
/// (a later one with the same name overrides an earlier one, as in Hadoop's `Configuration`).
///
/// # Errors
/// When the text is not well-formed XML (Hadoop refuses the file): the message and its line.
pub fn parse_site(buf: &[u8]) -> Result<Vec<Property>, (String, u64)> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(buf);
    let mut out = Vec::new();
    // The element path's names below <configuration>: property, then name/value.
    let mut depth = 0usize;
    let mut in_property = false;
    let mut field: Option<&'static str> = None;
    let mut cur: Option<Property> = None;
    let mut text: Vec<u8> = Vec::new();
    loop {
        let pos = r.buffer_position();
        let ev = r
            .read_event()
            .map_err(|e| (e.to_string(), line_at(buf, r.error_position())))?;
        match ev {
            Event::Start(e) => {
                depth += 1;
                let n = e.local_name();
                let n = n.into_inner().as_bytes();
                if n == b"property" && depth == 2 {
                    in_property = true;
                    cur = Some(Property {
                        name: Vec::new(),
                        value: Vec::new(),
                        line: line_at(buf, pos),
                    });
                } else if in_property && depth == 3 {
                    field = match n {
                        b"name" => Some("name"),
                        b"value" => Some("value"),
                        _ => None,
                    };
                    if field == Some("name") {
                        if let Some(c) = cur.as_mut() {
                            c.line = line_at(buf, pos);
                        }
                    }
                    text.clear();
                }
            }
            Event::End(_) => {
                if in_property && depth == 3 {
                    if let (Some(f), Some(c)) = (field.take(), cur.as_mut()) {
                        let v = text.trim_ascii().to_vec();
                        if f == "name" {
                            c.name = v;
                        } else {
                            c.value = v;
                        }
                    }
                } else if in_property && depth == 2 {
                    in_property = false;
                    if let Some(c) = cur.take() {
                        if !c.name.is_empty() && out.len() < MAX_PROPERTIES {
                            out.push(c);
                        }
                    }
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if field.is_some() => text.extend_from_slice(t.as_bytes()),
            Event::CData(t) if field.is_some() => text.extend_from_slice(t.as_bytes()),
            Event::GeneralRef(e) if field.is_some() => resolve_ref(e.as_bytes(), &mut text),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The merged configuration of one directory: `core-site.xml` then `yarn-site.xml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HadoopConf {
    /// The directory.
    pub dir: PathBuf,
    /// (file, property), later ones override earlier ones of the same name.
    pub props: Vec<(PathBuf, Property)>,
    /// `yarn-site.xml` holds at least one property (YARN was configured).
    pub yarn_configured: bool,
}

impl HadoopConf {
    /// A configuration of `dir` made of `props`, as if all were read from its `yarn-site.xml`.
    pub fn from_properties(dir: &Path, props: Vec<Property>) -> Self {
        let f = dir.join("yarn-site.xml");
        Self {
            dir: dir.to_path_buf(),
            yarn_configured: !props.is_empty(),
            props: props.into_iter().map(|p| (f.clone(), p)).collect(),
        }
    }

    /// The last setting of `name`.
    pub fn get(&self, name: &[u8]) -> Option<&(PathBuf, Property)> {
        self.props.iter().rev().find(|(_, p)| p.name == name)
    }

    fn value(&self, name: &[u8]) -> Option<&[u8]> {
        self.get(name).map(|(_, p)| p.value.as_slice())
    }

    /// `${name}` references replaced by their values (bounded: 8 rounds, as Hadoop's
    /// `MAX_SUBST` bounds its own).
    pub fn expand(&self, v: &[u8]) -> Vec<u8> {
        let mut v = v.to_vec();
        for _ in 0..8 {
            if v.len() > 1 << 16 {
                break;
            }
            let Some(a) = v.windows(2).position(|w| w == b"${") else {
                break;
            };
            let Some(len) = v
                .get(a + 2..)
                .and_then(|r| r.iter().position(|&c| c == b'}'))
            else {
                break;
            };
            let name = v.get(a + 2..a + 2 + len).unwrap_or_default().to_vec();
            let rep = self
                .value(&name)
                .map(<[u8]>::to_vec)
                .or_else(|| default_of(&name).map(<[u8]>::to_vec))
                .unwrap_or_default();
            v.splice(a..a + 3 + len, rep);
        }
        v
    }
}

fn default_of(name: &[u8]) -> Option<&'static [u8]> {
    match name {
        b"yarn.resourcemanager.hostname" => Some(b"0.0.0.0"),
        _ => None,
    }
}

/// Reads the two files of a directory; `None` when it has no `yarn-site.xml`.
pub fn load(root: &HostRoot, dir: &Path, out: &mut Outcome) -> Option<HadoopConf> {
    let yarn = dir.join("yarn-site.xml");
    let ybuf = read_config(root, &yarn, out)?;
    let mut c = HadoopConf {
        dir: dir.to_path_buf(),
        ..HadoopConf::default()
    };
    let core = dir.join("core-site.xml");
    for (f, buf) in [
        (core.clone(), read_config(root, &core, out)),
        (yarn.clone(), Some(ybuf)),
    ] {
        let Some(buf) = buf else { continue };
        match parse_site(&buf) {
            Ok(ps) => {
                if f == yarn {
                    c.yarn_configured = !ps.is_empty();
                }
                c.props.extend(ps.into_iter().map(|p| (f.clone(), p)));
            }
            Err((m, l)) => out.errors.push(crate::util::line_error(
                pb(&f),
                l,
                format!("not XML Hadoop can read: {m}"),
            )),
        }
    }
    Some(c)
}

/// The host part of an `address:port` (brackets of IPv6 removed).
fn host_of(addr: &[u8]) -> &[u8] {
    if let Some(v6) = addr.strip_prefix(b"[") {
        return v6.split(|&c| c == b']').next().unwrap_or_default();
    }
    match addr.iter().rposition(|&c| c == b':') {
        Some(i) if addr.iter().position(|&c| c == b':') == Some(i) => {
            addr.get(..i).unwrap_or_default()
        }
        _ => addr,
    }
}

/// A listening host and the setting that decided it (`None`: the default).
pub type Listen<'a> = (Vec<u8>, Option<&'a (PathBuf, Property)>);

/// Where the ResourceManager's web server (UI and REST API) listens, with the property that
/// decides it (`None`: the default).
pub fn webapp_listen(c: &HadoopConf) -> Vec<Listen<'_>> {
    // bind-host overrides the host of every RM address.
    if let Some(b) = c
        .get(b"yarn.resourcemanager.bind-host")
        .filter(|(_, p)| !p.value.is_empty())
    {
        return vec![(c.expand(&b.1.value), Some(b))];
    }
    let https = c
        .value(b"yarn.http.policy")
        .is_some_and(|v| v.eq_ignore_ascii_case(b"HTTPS_ONLY"));
    let key: &[u8] = if https {
        b"yarn.resourcemanager.webapp.https.address"
    } else {
        b"yarn.resourcemanager.webapp.address"
    };
    // HA: one address (or hostname) per RM id.
    let mut v: Vec<Listen<'_>> = Vec::new();
    let mut names: Vec<&[u8]> = Vec::new();
    for (f, p) in c.props.iter().rev() {
        let exact = p.name == key;
        let per_rm = p.name.starts_with(key) && p.name.get(key.len()) == Some(&b'.');
        if (exact || per_rm) && !names.contains(&p.name.as_slice()) {
            names.push(&p.name);
            let host = host_of(&c.expand(&p.value)).to_vec();
            v.push((host, c.props.iter().find(|(g, q)| g == f && q == p)));
        }
    }
    if !v.is_empty() {
        return v;
    }
    let hk: &[u8] = b"yarn.resourcemanager.hostname";
    for (f, p) in c.props.iter().rev() {
        if (p.name == hk || (p.name.starts_with(hk) && p.name.get(hk.len()) == Some(&b'.')))
            && !names.contains(&p.name.as_slice())
        {
            names.push(&p.name);
            v.push((
                c.expand(&p.value),
                c.props.iter().find(|(g, q)| g == f && q == p),
            ));
        }
    }
    if v.is_empty() {
        v.push((b"0.0.0.0".to_vec(), None));
    }
    v
}

/// The finding for one directory's configuration, if its ResourceManager serves anyone.
pub fn finding(c: &HadoopConf) -> Option<Finding> {
    use super::redis::Reach;
    let is = |k: &[u8], v: &[u8]| c.value(k).is_some_and(|x| x.eq_ignore_ascii_case(v));
    if is(b"hadoop.security.authentication", b"kerberos") {
        return None;
    }
    // SPNEGO (or a custom handler) on the web endpoints: REST calls need credentials.
    if c.value(b"hadoop.http.authentication.type")
        .is_some_and(|v| !v.eq_ignore_ascii_case(b"simple"))
    {
        return None;
    }
    let listen = webapp_listen(c);
    let worst = listen.iter().map(|(h, _)| Reach::of_host(h)).max()?;
    let mut sev = match worst {
        Reach::Loopback => return None,
        Reach::All => Severity::Critical,
        Reach::Interface => Severity::High,
    };
    if !c.yarn_configured {
        sev = Severity::Medium;
    }
    let yarn = c.dir.join("yarn-site.xml");
    let mut f = Finding::new(
        "exposure.yarn-no-auth",
        sev,
        "Hadoop YARN's ResourceManager REST API accepts applications without authentication",
        pb(&yarn),
    );
    let hosts: Vec<String> = listen
        .iter()
        .map(|(h, _)| ferret_core::escape::escape(h))
        .collect();
    for (h, p) in &listen {
        f = f.with_evidence(match p {
            Some((file, p)) => Evidence::line(pb(file), p.line).with_excerpt(
                [
                    p.name.as_slice(),
                    b" = ",
                    p.value.as_slice(),
                    b" (",
                    h,
                    b")",
                ]
                .concat(),
            ),
            None => Evidence::file(pb(&yarn)).with_excerpt(
                "no yarn.resourcemanager.webapp.address, hostname or bind-host: 0.0.0.0:8088",
            ),
        });
    }
    match c.get(b"hadoop.security.authentication") {
        Some((file, p)) => {
            f = f.with_evidence(
                Evidence::line(pb(file), p.line)
                    .with_excerpt([p.name.as_slice(), b" = ", &p.value].concat()),
            );
        }
        None => {
            f = f.with_evidence(
                Evidence::file(pb(&c.dir.join("core-site.xml"))).with_excerpt(
                    "no hadoop.security.authentication: simple (any user.name is believed)",
                ),
            );
        }
    }
    let acl = is(b"yarn.acl.enable", b"true");
    let detail = format!(
        "The web server of the ResourceManager listens on {} (port 8088 unless set), with simple authentication{}{}. Anyone who reaches it can POST /ws/v1/cluster/apps/new-application and submit an application whose container runs a shell command as the YARN user: how Kinsing, 8220 Gang, WatchDog and the DDG miners enter Hadoop hosts on Alibaba Cloud and Tencent Cloud.",
        hosts.join(", "),
        if acl {
            "; yarn.acl.enable is true, but simple authentication believes any `user.name=`, so the ACLs are spoofed"
        } else {
            "; yarn.acl.enable is false (the default)"
        },
        if c.yarn_configured {
            ""
        } else {
            "; yarn-site.xml sets nothing (the tarball's file): these are the defaults, open as soon as start-yarn.sh runs"
        }
    );
    Some(
        f.with_detail(detail)
            .with_remediation("Enable Kerberos (hadoop.security.authentication and hadoop.http.authentication.type kerberos), or bind the ResourceManager to an internal address (yarn.resourcemanager.bind-host) and firewall 8088/8090 from the Internet; then look for applications that ran shell commands (yarn application -list -appStates ALL, the NodeManagers' container logs) and for miners.")
            .with_attack("T1190")
            .with_attack("T1133")
            .with_reference("Apache Hadoop: Hadoop in Secure Mode, https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-common/SecureMode.html"),
    )
}

/// `NAME=value` / `export NAME=value` lines of a shell file for the Hadoop variables,
/// `$HADOOP_HOME` references resolved from the earlier ones.
fn env_assignments(buf: &[u8], vars: &mut Vec<(Vec<u8>, Vec<u8>)>) {
    for l in buf.split(|&c| c == b'\n') {
        let t = l.trim_ascii();
        let t = t.strip_prefix(b"export ").unwrap_or(t).trim_ascii_start();
        let Some(eq) = t.iter().position(|&c| c == b'=') else {
            continue;
        };
        let name = t.get(..eq).unwrap_or_default();
        if !matches!(name, b"HADOOP_HOME" | b"HADOOP_CONF_DIR" | b"YARN_CONF_DIR") {
            continue;
        }
        let words = super::launch::split_words(t.get(eq + 1..).unwrap_or_default());
        let Some(mut v) = words.into_iter().next() else {
            continue;
        };
        for (n, val) in vars.clone().iter().rev() {
            for pat in [
                [b"${", n.as_slice(), b"}"].concat(),
                [b"$", n.as_slice()].concat(),
            ] {
                while let Some(p) = v.windows(pat.len()).position(|w| w == pat.as_slice()) {
                    v.splice(p..p + pat.len(), val.iter().copied());
                }
            }
        }
        vars.push((name.to_vec(), v));
    }
}

/// The configuration directories to examine under `root`.
pub fn conf_dirs(root: &HostRoot, svc: &super::Services, out: &mut Outcome) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut bases: Vec<PathBuf> = INSTALL_BASES.iter().map(PathBuf::from).collect();
    bases.extend(list_dir(root, "/home", out));
    for b in &bases {
        let Ok(entries) = root.read_dir(b) else {
            continue;
        };
        for e in entries {
            if e.name
                .as_bytes()
                .to_ascii_lowercase()
                .starts_with(b"hadoop")
            {
                dirs.push(b.join(&e.name).join("etc/hadoop"));
                dirs.push(b.join(&e.name).join("conf"));
            }
        }
    }
    let mut vars: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut files: Vec<PathBuf> = ENV_FILES.iter().map(PathBuf::from).collect();
    files.extend(
        list_dir(root, "/etc/profile.d", out)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "sh")),
    );
    for f in files {
        if let Some(buf) = read_config(root, &f, out) {
            env_assignments(&buf, &mut vars);
        }
    }
    for l in &svc.launches.all {
        for (n, v) in &l.env {
            if matches!(
                n.as_slice(),
                b"HADOOP_HOME" | b"HADOOP_CONF_DIR" | b"YARN_CONF_DIR"
            ) {
                vars.push((n.clone(), v.clone()));
            }
        }
    }
    for (n, v) in vars {
        if !v.starts_with(b"/") || v.contains(&b'$') {
            continue;
        }
        let p = PathBuf::from(std::ffi::OsStr::from_bytes(&v));
        dirs.push(if n == b"HADOOP_HOME" {
            p.join("etc/hadoop")
        } else {
            p
        });
    }
    // The packages' names last: where they are links to an install (alternatives, the
    // tutorials' `ln -s`), the install's own path names the finding.
    dirs.extend(PACKAGE_DIRS.iter().map(PathBuf::from));
    let mut seen: Vec<PathBuf> = Vec::new();
    for d in dirs {
        let d = PathBuf::from(
            d.to_string_lossy()
                .trim_end_matches('/')
                .to_owned()
                .replace("//", "/"),
        );
        if !seen.contains(&d) {
            seen.push(d);
        }
    }
    seen.truncate(MAX_DIRS);
    seen
}

/// Audits every Hadoop configuration directory found under `root`.
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    // The same files reached through two names (/etc/hadoop/conf -> /opt/hadoop/etc/hadoop)
    // are reported once: the (device, inode) of yarn-site.xml.
    let mut seen: Vec<(u64, u64)> = Vec::new();
    for d in conf_dirs(root, svc, out) {
        let Some(c) = load(root, &d, out) else {
            continue;
        };
        if let Ok(file) = root.open_file(d.join("yarn-site.xml"), &ferret_core::OpenOptions::new())
        {
            let st = file.stat();
            if seen.contains(&(st.dev, st.ino)) {
                continue;
            }
            seen.push((st.dev, st.ino));
        }
        if let Some(f) = finding(&c) {
            out.findings.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_xml() {
        let x = b"<?xml version=\"1.0\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n<!-- comment <property> -->\n<configuration>\n  <property>\n    <name>yarn.resourcemanager.hostname</name>\n    <value> hadoop102 </value>\n  </property>\n  <property><name>a&amp;b</name><value><![CDATA[x<y]]>&#x41;</value><final>true</final></property>\n</configuration>\n";
        let p = parse_site(x).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, b"yarn.resourcemanager.hostname");
        assert_eq!(p[0].value, b"hadoop102");
        assert_eq!(p[0].line, 6);
        assert_eq!(p[1].name, b"a&b");
        assert_eq!(p[1].value, b"x<yA");
        assert_eq!(p[1].line, 9);
        assert!(parse_site(b"<configuration><property></configuration>").is_err());
        assert_eq!(host_of(b"0.0.0.0:8088"), b"0.0.0.0");
        assert_eq!(host_of(b"[::1]:8088"), b"::1");
        assert_eq!(host_of(b"rm1"), b"rm1");
    }
}
