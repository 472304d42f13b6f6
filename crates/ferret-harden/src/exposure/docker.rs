//! The Docker Engine API exposed, its socket loosened, and containers on disk that escape to
//! the host or mine (TeamTNT, Kinsing, Graboid, WatchDog): read from `docker.service` and its
//! drop-ins, `/etc/default/docker` (`DOCKER_OPTS`), `/etc/sysconfig/docker` (`OPTIONS`),
//! `/etc/docker/daemon.json` (`hosts`, `tls`, `tlsverify`), `docker.socket`, and
//! `/var/lib/docker/containers/*/config.v2.json` + `hostconfig.json`.

use super::launch::{unit_files, unit_launches, unit_lines};
use crate::util::{list_dir, pb, read_config};
use ferret_core::command::{classify, CommandKind};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// Where `dockerd` takes its command line: (file, the variable that holds options, or empty
/// for a unit's `ExecStart=`).
const ENV_FILES: &[(&str, &str)] = &[
    ("/etc/default/docker", "DOCKER_OPTS"),
    ("/etc/sysconfig/docker", "OPTIONS"),
    ("/etc/sysconfig/docker-network", "DOCKER_NETWORK_OPTIONS"),
];

/// Docker's default data root (`data-root` in daemon.json, `--data-root`/`-g`/`--graph` on
/// dockerd's command line move it: [`data_roots`]).
pub const DATA_ROOT: &str = "/var/lib/docker";

/// Podman's (and CRI-O's, Buildah's) storage of rootful containers; `graphroot` in
/// `/etc/containers/storage.conf` moves it, rootless ones are under
/// `~/.local/share/containers/storage`.
pub const PODMAN_STORAGE: &str = "/var/lib/containers/storage";

/// Which engine wrote a container's files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Engine {
    /// Docker: `<data-root>/containers/<id>/config.v2.json` + `hostconfig.json`.
    #[default]
    Docker,
    /// Podman: `<storage>/overlay-containers/<id>/userdata/config.json` (the OCI runtime
    /// specification conmon hands to the runtime).
    Podman,
}

/// One `-H`/`--host` of the daemon, with where it was set and whether client certificates
/// are verified (`--tlsverify`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiHost {
    /// The address (`tcp://0.0.0.0:2375`).
    pub addr: Vec<u8>,
    /// The file.
    pub file: PathBuf,
    /// 1-based line (daemon.json: the line of the `hosts` key).
    pub line: u64,
    /// `--tlsverify` (or `"tlsverify": true`) set in the same place.
    pub tlsverify: bool,
}

/// The `-H`/`--host` values and whether `--tlsverify` is set, from a dockerd command line
/// (split on blanks, quotes removed: unit and environment-file values are simple).
pub fn hosts_in_args(cmd: &[u8]) -> (Vec<Vec<u8>>, bool) {
    let words: Vec<Vec<u8>> = cmd
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.iter()
                .copied()
                .filter(|c| *c != b'"' && *c != b'\'')
                .collect()
        })
        .collect();
    let mut hosts = Vec::new();
    let mut verify = false;
    let mut it = words.iter().peekable();
    while let Some(w) = it.next() {
        let w = w.as_slice();
        if w == b"--tlsverify" || w == b"--tlsverify=true" {
            verify = true;
        } else if w == b"-H" || w == b"--host" {
            if let Some(v) = it.next() {
                hosts.push(v.clone());
            }
        } else if let Some(v) = w
            .strip_prefix(b"--host=")
            .or_else(|| w.strip_prefix(b"-H="))
        {
            hosts.push(v.to_vec());
        } else if let Some(v) = w
            .strip_prefix(b"-H")
            .filter(|v| !v.is_empty() && !v.starts_with(b"-"))
        {
            hosts.push(v.to_vec());
        }
    }
    (hosts, verify)
}

/// Whether a daemon address is a TCP listener beyond loopback (`tcp://0.0.0.0:2375`,
/// `tcp://:2375`, `tcp://10.0.0.5:2376`); unix sockets, `fd://` and loopback are not.
pub fn remote_tcp(addr: &[u8]) -> bool {
    let Some(rest) = addr.strip_prefix(b"tcp://").or_else(|| {
        // A bare host:port is tcp too.
        (!addr.contains(&b'/') && addr.contains(&b':')).then_some(addr)
    }) else {
        return false;
    };
    let host = match rest.strip_prefix(b"[") {
        Some(v6) => v6.split(|&c| c == b']').next().unwrap_or_default(),
        None => rest.split(|&c| c == b':').next().unwrap_or_default(),
    };
    super::Reach::of_host(host) != super::Reach::Loopback
}

/// The daemon's listeners from its units, environment files and daemon.json.
pub fn api_hosts(root: &HostRoot, out: &mut Outcome) -> Vec<ApiHost> {
    // One shape for both places a dockerd command line is written: the unit's `ExecStart=`
    // (an empty one in a drop-in resets the list) and the variable of a defaults file.
    let at = |file: &Path, line: u64, cmd: &[u8]| -> Vec<ApiHost> {
        let (hosts, tlsverify) = hosts_in_args(cmd);
        hosts
            .into_iter()
            .map(|addr| ApiHost {
                addr,
                file: file.to_path_buf(),
                line,
                tlsverify,
            })
            .collect()
    };
    let mut res: Vec<ApiHost> = Vec::new();
    for l in unit_launches(root, "docker.service", out) {
        res.extend(at(&l.file, l.line.unwrap_or(1), &l.words.join(&b' ')));
    }
    for (file, var) in ENV_FILES {
        let p = Path::new(file);
        let Some(buf) = read_config(root, p, out) else {
            continue;
        };
        for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
            let t = l.trim_ascii();
            let t = t.strip_prefix(b"export ").unwrap_or(t).trim_ascii_start();
            if let Some(v) = t
                .strip_prefix(var.as_bytes())
                .and_then(|r| r.trim_ascii_start().strip_prefix(b"="))
            {
                res.extend(at(p, i as u64 + 1, v));
            }
        }
    }
    let dj = Path::new("/etc/docker/daemon.json");
    if let Some(buf) = read_config(root, dj, out) {
        match parse_daemon_json(&buf) {
            Ok(d) => res.extend(d.hosts.into_iter().map(|addr| ApiHost {
                addr,
                file: dj.to_path_buf(),
                line: d.hosts_line,
                tlsverify: d.tlsverify,
            })),
            Err(e) => out.errors.push(ferret_core::ErrorRecord::new(
                Some(pb(dj)),
                None,
                format!("not JSON dockerd can read: {e}"),
            )),
        }
    }
    // docker.socket ListenStream= a TCP address (socket activation on a port).
    for f in unit_files(root, "docker.socket", out) {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (k, v, line) in unit_lines(&buf) {
            let tcp = !v.starts_with(b"/") && !v.starts_with(b"@") && !v.is_empty();
            if k == b"ListenStream" && tcp {
                let addr = if v.iter().all(u8::is_ascii_digit) {
                    [b"tcp://0.0.0.0:".as_slice(), v].concat()
                } else {
                    [b"tcp://".as_slice(), v].concat()
                };
                res.push(ApiHost {
                    addr,
                    file: f.clone(),
                    line,
                    tlsverify: false,
                });
            }
        }
    }
    res
}

/// What daemon.json says about listeners.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DaemonJson {
    /// `hosts`.
    pub hosts: Vec<Vec<u8>>,
    /// The line of the `hosts` key (1 when not found textually).
    pub hosts_line: u64,
    /// `tlsverify: true`.
    pub tlsverify: bool,
    /// `data-root` (or the older `graph`): where the containers are.
    pub data_root: Option<Vec<u8>>,
}

/// Parses `/etc/docker/daemon.json`.
///
/// # Errors
/// When the buffer is not a JSON object.
pub fn parse_daemon_json(buf: &[u8]) -> Result<DaemonJson, String> {
    let v: serde_json::Value = serde_json::from_slice(buf).map_err(|e| e.to_string())?;
    let o = v.as_object().ok_or("not a JSON object")?;
    let hosts = match o.get("hosts") {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|h| h.as_str().map(|s| s.as_bytes().to_vec()))
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.as_bytes().to_vec()],
        _ => Vec::new(),
    };
    Ok(DaemonJson {
        hosts,
        hosts_line: line_of(buf, b"\"hosts\""),
        tlsverify: o.get("tlsverify").and_then(serde_json::Value::as_bool) == Some(true),
        data_root: o
            .get("data-root")
            .or_else(|| o.get("graph"))
            .and_then(serde_json::Value::as_str)
            .map(|s| s.as_bytes().to_vec()),
    })
}

/// The 1-based line where `needle` first occurs (1 when it does not).
pub(crate) fn line_of(buf: &[u8], needle: &[u8]) -> u64 {
    buf.windows(needle.len().max(1))
        .position(|w| w == needle)
        .map_or(1, |p| {
            buf.get(..p)
                .unwrap_or_default()
                .split(|&c| c == b'\n')
                .count() as u64
        })
}

fn api_finding(h: &ApiHost) -> Finding {
    let plain_port = h.addr.ends_with(b":2375");
    let sev = if h.tlsverify {
        Severity::Low
    } else {
        Severity::Critical
    };
    Finding::new(
        "exposure.docker-api",
        sev,
        if h.tlsverify {
            "Docker Engine API listens on the network (client certificates required)"
        } else {
            "Docker Engine API listens on the network without TLS client authentication"
        },
        &h.addr,
    )
    .with_evidence(Evidence::line(pb(&h.file), h.line).with_excerpt(&h.addr))
    .with_detail(format!(
        "dockerd -H {}{}: {}",
        ferret_core::escape::escape(&h.addr),
        if plain_port { " (the plain-text port 2375)" } else { "" },
        if h.tlsverify {
            "only clients with a certificate of the configured CA are served; check who holds one."
        } else {
            "anyone who reaches the port is root on the host (`docker run --privileged -v /:/host ... chroot /host`): TeamTNT, Kinsing, Graboid and WatchDog scan for it and start miners."
        }
    ))
    .with_remediation("Remove the tcp:// host (use the unix socket, or ssh://), or require --tlsverify with client certificates; then review the containers (exposure.docker-container).")
    .with_attack("T1133")
    .with_attack("T1190")
    .with_attack("T1610")
    .with_reference("Docker: Protect the Docker daemon socket, https://docs.docker.com/engine/security/protect-access/")
}

fn socket_audit(root: &HostRoot, out: &mut Outcome) {
    for f in unit_files(root, "docker.socket", out) {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (k, v, line) in unit_lines(&buf) {
            let mode = std::str::from_utf8(v)
                .ok()
                .and_then(|m| u32::from_str_radix(m, 8).ok());
            if k == b"SocketMode" && mode.is_some_and(|m| m & 0o006 != 0) {
                out.findings.push(socket_finding(&f, Some(line), v));
            }
        }
    }
    for s in ["/run/docker.sock", "/var/run/docker.sock"] {
        if let Ok(st) = root.lstat(s) {
            if st.kind == ferret_core::FileKind::Socket && st.mode & 0o006 != 0 {
                let m = format!("mode {:04o}", st.mode & 0o7777);
                out.findings
                    .push(socket_finding(Path::new(s), None, m.as_bytes()));
                break;
            }
        }
    }
}

fn socket_finding(file: &Path, line: Option<u64>, excerpt: &[u8]) -> Finding {
    let ev = match line {
        Some(l) => Evidence::line(pb(file), l),
        None => Evidence::file(pb(file)),
    };
    Finding::new(
        "exposure.docker-socket-open",
        Severity::High,
        "the Docker socket is readable and writable by every local user",
        pb(file),
    )
    .with_evidence(ev.with_excerpt(excerpt))
    .with_detail("Any local account (a web shell's www-data) that can write the Docker socket can start a privileged container and is root on the host.")
    .with_remediation("SocketMode=0660 with SocketGroup=docker (the package default); keep the docker group to administrators.")
    .with_attack("T1611")
    .with_attack("T1068")
}

/// What a container's configuration says, the parts that matter here (Docker's two JSON
/// files, or Podman's OCI configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Container {
    /// The container id (its directory's name).
    pub id: Vec<u8>,
    /// `Name` without its leading `/`.
    pub name: Vec<u8>,
    /// `Config.Image`.
    pub image: Vec<u8>,
    /// `Config.Entrypoint` and `Config.Cmd`, joined by blanks.
    pub command: Vec<u8>,
    /// `Config.Entrypoint` and `Config.Cmd`, word by word.
    pub argv: Vec<Vec<u8>>,
    /// Reachable from outside: `HostConfig.PortBindings` publishes a port, or the host's
    /// network is shared.
    pub published: bool,
    /// `HostConfig.Privileged`.
    pub privileged: bool,
    /// Bind mounts of the host's `/` or of the Docker socket: (source, target).
    pub host_mounts: Vec<(Vec<u8>, Vec<u8>)>,
    /// `HostConfig.PidMode` is `host`.
    pub host_pid: bool,
    /// `HostConfig.NetworkMode` is `host`.
    pub host_net: bool,
    /// `HostConfig.RestartPolicy.Name` (`always`, `unless-stopped`, ...).
    pub restart: Vec<u8>,
    /// `HostConfig.CapAdd` entries that give the host away (`SYS_ADMIN`, `SYS_MODULE`,
    /// `SYS_PTRACE`, `ALL`).
    pub caps: Vec<Vec<u8>>,
    /// The engine whose files these are.
    pub engine: Engine,
}

impl Container {
    /// The files its settings come from, in `dir` (its directory): the configuration and the
    /// host configuration (one and the same for Podman).
    pub fn files(&self, dir: &Path) -> (PathBuf, PathBuf) {
        match self.engine {
            Engine::Docker => (dir.join("config.v2.json"), dir.join("hostconfig.json")),
            Engine::Podman => {
                let f = dir.join("userdata/config.json");
                (f.clone(), f)
            }
        }
    }
}

fn s(v: Option<&serde_json::Value>) -> Vec<u8> {
    v.and_then(serde_json::Value::as_str)
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default()
}

fn strs(v: Option<&serde_json::Value>) -> Vec<Vec<u8>> {
    match v {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(|s| s.as_bytes().to_vec()))
            .collect(),
        Some(serde_json::Value::String(x)) => vec![x.as_bytes().to_vec()],
        _ => Vec::new(),
    }
}

fn risky_source(src: &[u8]) -> bool {
    let src = if src.len() > 1 {
        src.strip_suffix(b"/").unwrap_or(src)
    } else {
        src
    };
    matches!(
        src,
        b"/" | b"/etc"
            | b"/root"
            | b"/proc"
            | b"/var/run/docker.sock"
            | b"/run/docker.sock"
            | b"/run/containerd/containerd.sock"
    )
}

/// Parses a container's `config.v2.json` and `hostconfig.json` (either may be empty).
///
/// # Errors
/// When a non-empty buffer is not JSON.
pub fn parse_container(id: &[u8], config: &[u8], hostconfig: &[u8]) -> Result<Container, String> {
    let parse = |b: &[u8]| -> Result<serde_json::Value, String> {
        if b.trim_ascii().is_empty() {
            Ok(serde_json::Value::Null)
        } else {
            serde_json::from_slice(b).map_err(|e| e.to_string())
        }
    };
    let c = parse(config)?;
    let h = parse(hostconfig)?;
    let cfg = c.get("Config");
    let mut command = strs(cfg.and_then(|x| x.get("Entrypoint")));
    command.extend(strs(cfg.and_then(|x| x.get("Cmd"))));
    let mut host_mounts = Vec::new();
    for b in strs(h.get("Binds")) {
        let mut parts = b.splitn(3, |&c| c == b':');
        let src = parts.next().unwrap_or_default().to_vec();
        let dst = parts.next().unwrap_or_default().to_vec();
        if risky_source(&src) {
            host_mounts.push((src, dst));
        }
    }
    if let Some(serde_json::Value::Array(ms)) = h.get("Mounts") {
        for m in ms {
            let src = s(m.get("Source"));
            if risky_source(&src) {
                host_mounts.push((src, s(m.get("Target"))));
            }
        }
    }
    if let Some(serde_json::Value::Object(mp)) = c.get("MountPoints") {
        for (dst, m) in mp {
            let src = s(m.get("Source"));
            let pair = (src, dst.as_bytes().to_vec());
            if risky_source(&pair.0) && !host_mounts.contains(&pair) {
                host_mounts.push(pair);
            }
        }
    }
    let caps = strs(h.get("CapAdd"))
        .into_iter()
        .filter(|c| {
            let c = c.to_ascii_uppercase();
            let c = c.strip_prefix(b"CAP_").unwrap_or(&c);
            matches!(
                c,
                b"SYS_ADMIN" | b"SYS_MODULE" | b"SYS_PTRACE" | b"ALL" | b"DAC_READ_SEARCH"
            )
        })
        .collect();
    Ok(Container {
        id: id.to_vec(),
        name: {
            let n = s(c.get("Name"));
            n.strip_prefix(b"/").map(<[u8]>::to_vec).unwrap_or(n)
        },
        image: s(cfg.and_then(|x| x.get("Image"))),
        command: command.join(&b' '),
        argv: command,
        published: h.get("NetworkMode").and_then(serde_json::Value::as_str) == Some("host")
            || h.get("PortBindings")
                .and_then(serde_json::Value::as_object)
                .is_some_and(|m| {
                    m.values()
                        .any(|v| v.as_array().is_some_and(|a| !a.is_empty()))
                }),
        privileged: h.get("Privileged").and_then(serde_json::Value::as_bool) == Some(true),
        host_mounts,
        host_pid: h.get("PidMode").and_then(serde_json::Value::as_str) == Some("host"),
        host_net: h.get("NetworkMode").and_then(serde_json::Value::as_str) == Some("host"),
        restart: s(h.get("RestartPolicy").and_then(|r| r.get("Name"))),
        caps,
        engine: Engine::Docker,
    })
}

/// The findings about one container (none for an ordinary one).
pub fn container_findings(c: &Container, dir: &Path) -> Vec<Finding> {
    let subject = if c.name.is_empty() { &c.id } else { &c.name };
    let (cv, hc) = c.files(dir);
    // The keys the evidence names: Docker's JSON, or the OCI configuration's.
    let docker = c.engine == Engine::Docker;
    let key = |d: &'static str, o: &'static str| if docker { d } else { o };
    let mut out = Vec::new();
    // The command and image, through the one command classifier.
    let mut text = c.image.clone();
    text.push(b' ');
    text.extend_from_slice(&c.command);
    let kinds = classify(&text);
    let bad_cmd: Vec<CommandKind> = kinds
        .iter()
        .filter(|k| {
            matches!(
                k,
                CommandKind::Miner
                    | CommandKind::DownloadExecute
                    | CommandKind::DecodeExecute
                    | CommandKind::ReverseShell
            )
        })
        .collect();
    let mut escape: Vec<(String, Evidence)> = Vec::new();
    if c.privileged {
        escape.push((
            "privileged".into(),
            Evidence::file(pb(&hc)).with_excerpt(key(
                "HostConfig.Privileged: true",
                "process.capabilities.bounding: CAP_SYS_ADMIN, CAP_SYS_MODULE (--privileged)",
            )),
        ));
    }
    for (src, dst) in &c.host_mounts {
        let what = format!(
            "host {} mounted at {}",
            ferret_core::escape::escape(src),
            ferret_core::escape::escape(dst)
        );
        escape.push((
            what.clone(),
            Evidence::file(pb(&hc)).with_excerpt(format!(
                "{}: {what}",
                key("HostConfig.Binds/Mounts", "mounts")
            )),
        ));
    }
    if c.host_pid {
        escape.push((
            "host PID namespace".into(),
            Evidence::file(pb(&hc)).with_excerpt(key(
                "HostConfig.PidMode: host",
                "linux.namespaces: no pid namespace",
            )),
        ));
    }
    for cap in &c.caps {
        let what = format!("capability {}", ferret_core::escape::escape(cap));
        escape.push((
            what.clone(),
            Evidence::file(pb(&hc)).with_excerpt(format!(
                "{}: {what}",
                key("HostConfig.CapAdd", "process.capabilities.bounding")
            )),
        ));
    }
    let strong = c.privileged || !c.host_mounts.is_empty() || !c.caps.is_empty();
    if !bad_cmd.is_empty() {
        let ids: Vec<&str> = bad_cmd.iter().map(|k| k.id()).collect();
        let mut f = Finding::new(
            "exposure.docker-malicious-container",
            Severity::Critical,
            if bad_cmd.contains(&CommandKind::Miner) {
                "a container runs a crypto-miner"
            } else {
                "a container downloads and runs code or opens a shell"
            },
            subject,
        )
        .with_evidence(Evidence::file(pb(&cv)).with_excerpt([key("Config.Image/Entrypoint/Cmd: ", "process.args: ").as_bytes(), text.trim_ascii()].concat()))
        .with_detail(format!(
            "image {}, command {} ({}); restart policy {}{}. The way TeamTNT, Kinsing and Graboid use an exposed Docker API.",
            ferret_core::escape::escape(&c.image),
            ferret_core::escape::escape(&c.command),
            ids.join(", "),
            if c.restart.is_empty() { "none".to_owned() } else { ferret_core::escape::escape(&c.restart) },
            if escape.is_empty() {
                String::new()
            } else {
                format!("; {}", escape.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(", "))
            }
        ))
        .with_remediation("Preserve the container (docker export, its image and logs), stop and remove it, find how it was started (docker API exposure, a stolen docker group account).")
        .with_attack("T1610");
        for k in &bad_cmd {
            for a in k.attack() {
                f = f.with_attack(*a);
            }
        }
        if strong {
            f = f.with_attack("T1611");
        }
        out.push(f);
    }
    if !escape.is_empty() {
        let sev = if strong {
            Severity::High
        } else {
            Severity::Low
        };
        let mut f = Finding::new(
            "exposure.docker-container-escape",
            sev,
            "a container can reach the host (privileged, host root or Docker socket mounted, host namespaces)",
            subject,
        )
        .with_detail(format!(
            "image {}: {}{}. Monitoring agents legitimately use some of these; an unknown image with them is root on the host (`chroot /host`).",
            ferret_core::escape::escape(&c.image),
            escape.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join(", "),
            if c.host_net { ", host network" } else { "" }
        ))
        .with_remediation("Check the image's origin and who started it; drop --privileged, host mounts and host namespaces where not needed.")
        .with_attack("T1611")
        .with_attack("T1610");
        for (_, ev) in escape {
            f = f.with_evidence(ev);
        }
        out.push(f);
    }
    out
}

/// The `--data-root`/`-g`/`--graph` value of a dockerd command line.
fn data_root_flag(words: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut found = None;
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let w = w.as_slice();
        if matches!(w, b"--data-root" | b"-g" | b"--graph") {
            found = it.next().cloned();
        } else if let Some(v) = w
            .strip_prefix(b"--data-root=")
            .or_else(|| w.strip_prefix(b"--graph="))
            .or_else(|| w.strip_prefix(b"-g="))
        {
            found = Some(v.to_vec());
        }
    }
    found
}

/// Docker's data roots: the default, daemon.json's `data-root`, and the `--data-root` of the
/// unit's command line and the defaults files (each once).
pub fn data_roots(root: &HostRoot, out: &mut Outcome) -> Vec<PathBuf> {
    let mut v: Vec<Vec<u8>> = vec![DATA_ROOT.as_bytes().to_vec()];
    if let Some(buf) = read_config(root, Path::new("/etc/docker/daemon.json"), out) {
        // A daemon.json that is not JSON is reported by the listener check.
        if let Some(d) = parse_daemon_json(&buf).ok().and_then(|d| d.data_root) {
            v.push(d);
        }
    }
    for l in unit_launches(root, "docker.service", out) {
        v.extend(data_root_flag(&l.words));
    }
    for (file, var) in ENV_FILES {
        if let Some(buf) = read_config(root, Path::new(file), out) {
            for (n, val, _) in super::kube::env_file(&buf) {
                if n == var.as_bytes() {
                    v.extend(data_root_flag(&super::launch::split_words(&val)));
                }
            }
        }
    }
    let mut res: Vec<PathBuf> = Vec::new();
    for d in v {
        let d = d.strip_suffix(b"/").unwrap_or(&d).to_vec();
        if d.starts_with(b"/") {
            let p = PathBuf::from(std::ffi::OsStr::from_bytes(&d));
            if !res.contains(&p) {
                res.push(p);
            }
        }
    }
    res
}

/// The Docker containers on disk under each data root ([`data_roots`]): each directory with
/// what its JSON says (unreadable JSON is an error in `out`).
pub fn containers(root: &HostRoot, out: &mut Outcome) -> Vec<(PathBuf, Container)> {
    let mut v = Vec::new();
    for data in data_roots(root, out) {
        let dir = data.join("containers");
        let Some(dir) = dir.to_str() else { continue };
        for dir in list_dir(root, dir, out) {
            let id = dir.file_name().map(|n| n.as_bytes().to_vec());
            let id = id.unwrap_or_default();
            let cfg = read_config(root, &dir.join("config.v2.json"), out).unwrap_or_default();
            let hc = read_config(root, &dir.join("hostconfig.json"), out).unwrap_or_default();
            if cfg.is_empty() && hc.is_empty() {
                continue;
            }
            match parse_container(&id, &cfg, &hc) {
                Ok(c) => v.push((dir, c)),
                Err(e) => out.errors.push(ferret_core::ErrorRecord::new(
                    Some(pb(&dir)),
                    None,
                    format!("container configuration is not JSON: {e}"),
                )),
            }
        }
    }
    v
}

/// Parses a Podman container's OCI runtime configuration (`userdata/config.json`): its
/// process arguments, bind mounts of the host's `/`, `/etc`, `/root`, `/proc` or a runtime
/// socket, host PID/network namespaces (no namespace of that type), and root-giving
/// capabilities in the bounding set (`--privileged` gives them all, so SYS_ADMIN with
/// SYS_MODULE counts as privileged). `name` comes from `containers.json`.
///
/// # Errors
/// When the buffer is not JSON.
pub fn parse_oci(id: &[u8], name: &[u8], buf: &[u8]) -> Result<Container, String> {
    let c: serde_json::Value = serde_json::from_slice(buf).map_err(|e| e.to_string())?;
    let argv = strs(c.get("process").and_then(|p| p.get("args")));
    let mut host_mounts = Vec::new();
    if let Some(serde_json::Value::Array(ms)) = c.get("mounts") {
        for m in ms {
            let src = s(m.get("source"));
            let bind = m.get("type").and_then(serde_json::Value::as_str) == Some("bind")
                || strs(m.get("options"))
                    .iter()
                    .any(|o| o == b"bind" || o == b"rbind");
            if bind && risky_source(&src) {
                host_mounts.push((src, s(m.get("destination"))));
            }
        }
    }
    let ns: Vec<Vec<u8>> = match c.get("linux").and_then(|l| l.get("namespaces")) {
        Some(serde_json::Value::Array(a)) => a.iter().map(|n| s(n.get("type"))).collect(),
        _ => Vec::new(),
    };
    let has_linux = c.get("linux").is_some();
    let bounding = strs(
        c.get("process")
            .and_then(|p| p.get("capabilities"))
            .and_then(|p| p.get("bounding")),
    );
    let has = |k: &[u8]| bounding.iter().any(|b| b == k);
    let privileged = has(b"CAP_SYS_ADMIN") && has(b"CAP_SYS_MODULE");
    let caps = if privileged {
        Vec::new()
    } else {
        bounding
            .iter()
            .filter(|b| {
                matches!(
                    b.as_slice(),
                    b"CAP_SYS_ADMIN"
                        | b"CAP_SYS_MODULE"
                        | b"CAP_SYS_PTRACE"
                        | b"CAP_DAC_READ_SEARCH"
                )
            })
            .cloned()
            .collect()
    };
    let host_net = has_linux && !ns.iter().any(|n| n == b"network");
    Ok(Container {
        id: id.to_vec(),
        name: name.to_vec(),
        image: Vec::new(),
        command: argv.join(&b' '),
        argv,
        // Podman publishes ports outside this file (conmon, netavark): assumed reachable.
        published: true,
        privileged,
        host_mounts,
        host_pid: has_linux && !ns.iter().any(|n| n == b"pid"),
        host_net,
        restart: Vec::new(),
        caps,
        engine: Engine::Podman,
    })
}

/// Podman's storage directories: the rootful one (or `graphroot` of
/// `/etc/containers/storage.conf`) and each home's rootless one.
pub fn podman_storages(root: &HostRoot, homes: &[Vec<u8>], out: &mut Outcome) -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from(PODMAN_STORAGE)];
    if let Some(buf) = read_config(root, Path::new("/etc/containers/storage.conf"), out) {
        for l in buf.split(|&c| c == b'\n') {
            let t = l.trim_ascii();
            if let Some(r) = t.strip_prefix(b"graphroot") {
                if let Some(val) = r.trim_ascii_start().strip_prefix(b"=") {
                    let w = super::launch::split_words(val);
                    if let Some(p) = w.first().filter(|p| p.starts_with(b"/")) {
                        v.push(PathBuf::from(std::ffi::OsStr::from_bytes(p)));
                    }
                }
            }
        }
    }
    for h in homes {
        v.push(
            PathBuf::from(std::ffi::OsStr::from_bytes(h)).join(".local/share/containers/storage"),
        );
    }
    v.dedup();
    v
}

/// The Podman containers under `storage` (`overlay-containers/<id>/userdata/config.json`,
/// names from `overlay-containers/containers.json`).
pub fn podman_containers(
    root: &HostRoot,
    storage: &Path,
    out: &mut Outcome,
) -> Vec<(PathBuf, Container)> {
    let base = storage.join("overlay-containers");
    let mut names: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    if let Some(buf) = read_config(root, &base.join("containers.json"), out) {
        if let Ok(serde_json::Value::Array(a)) = serde_json::from_slice::<serde_json::Value>(&buf) {
            for c in a {
                let n = strs(c.get("names")).into_iter().next().unwrap_or_default();
                names.push((s(c.get("id")), n));
            }
        }
    }
    let mut v = Vec::new();
    let Some(b) = base.to_str() else {
        return v;
    };
    for dir in list_dir(root, b, out) {
        if dir.extension().is_some_and(|e| e == "json" || e == "lock") {
            continue;
        }
        let id = dir
            .file_name()
            .map(|n| n.as_bytes().to_vec())
            .unwrap_or_default();
        let Some(buf) = read_config(root, &dir.join("userdata/config.json"), out) else {
            continue;
        };
        let name = names
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        match parse_oci(&id, &name, &buf) {
            Ok(c) => v.push((dir, c)),
            Err(e) => out.errors.push(ferret_core::ErrorRecord::new(
                Some(pb(&dir.join("userdata/config.json"))),
                None,
                format!("container configuration is not JSON: {e}"),
            )),
        }
    }
    v
}

/// Audits the daemon's listeners, its socket and the containers on disk.
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for h in api_hosts(root, out) {
        if remote_tcp(&h.addr) && !seen.contains(&h.addr) {
            seen.push(h.addr.clone());
            out.findings.push(api_finding(&h));
        }
    }
    socket_audit(root, out);
    for (dir, c) in &svc.containers {
        out.findings.extend(container_findings(c, dir));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_flags() {
        let (h, v) = hosts_in_args(b"/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --host=unix:///x -Htcp://:2376 --tlsverify");
        assert_eq!(
            h,
            vec![
                b"fd://".to_vec(),
                b"tcp://0.0.0.0:2375".to_vec(),
                b"unix:///x".to_vec(),
                b"tcp://:2376".to_vec()
            ]
        );
        assert!(v);
        assert!(remote_tcp(b"tcp://0.0.0.0:2375"));
        assert!(remote_tcp(b"tcp://:2375"));
        assert!(remote_tcp(b"0.0.0.0:2375"));
        assert!(!remote_tcp(b"tcp://127.0.0.1:2375"));
        assert!(!remote_tcp(b"tcp://[::1]:2375"));
        assert!(!remote_tcp(b"unix:///var/run/docker.sock"));
        assert!(!remote_tcp(b"fd://"));
    }

    #[test]
    fn json_line() {
        let d = parse_daemon_json(b"{\n \"log-driver\": \"json-file\",\n \"hosts\": [\"tcp://0.0.0.0:2375\", \"unix:///var/run/docker.sock\"]\n}").unwrap();
        assert_eq!(d.hosts_line, 3);
        assert_eq!(d.hosts.len(), 2);
        assert!(parse_daemon_json(b"[1]").is_err());
    }
}
