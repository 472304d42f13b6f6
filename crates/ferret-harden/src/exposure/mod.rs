//! Initial access: the network services most public reports on Linux cloud compromises
//! (Kinsing/H2Miner, TeamTNT, WatchDog, 8220 Gang, Alibaba Cloud's and Tencent Cloud's incident
//! guides) name as the door, configured so that anyone who reaches them is in:
//!
//! - [`redis`]: Redis without a password on a reachable interface (the `CONFIG SET dir` /
//!   `dbfilename` / `SAVE` attack writes an RDB dump as a crontab or `authorized_keys`; the
//!   dumps themselves are found by the persistence check, `persistence.redis-rdb-file`),
//!   from its files and from the `redis-server` command lines of units, init scripts,
//!   supervisor and containers ([`launch`]).
//! - [`docker`]: the Docker Engine API on TCP without TLS client authentication, the socket
//!   open to every user, and containers on disk that are privileged, mount the host's root or
//!   the Docker socket, share host namespaces, or run a miner.
//! - [`postgres`]: `pg_hba.conf` `trust` (or clear-text `password`) for network clients, with
//!   `listen_addresses` beyond loopback.
//! - [`hadoop`]: Hadoop YARN's ResourceManager REST API with simple authentication, reachable
//!   beyond loopback (`core-site.xml`, `yarn-site.xml`).
//! - [`jupyter`]: Jupyter Notebook / Lab / Server with the token switched off and no password,
//!   beyond localhost (`jupyter_*_config.py`/`.json`, command lines).
//! - [`kube`]: the kubelet serving anonymous requests with `AlwaysAllow` or its read-only
//!   port, etcd serving clients beyond loopback without client certificates.
//! - [`datastores`]: MongoDB without access control and Elasticsearch without X-Pack security,
//!   beyond loopback.
//! - [`jenkins`]: Jenkins with security off (`useSecurity` false, the `Unsecured` strategy).
//!
//! [`launch`] reads the services' command lines once for all of them; [`Services`] holds them
//! with the containers on disk.
//!
//! Left out, for now: k3s/RKE2's own configuration files (`/etc/rancher/*/config.yaml`).

use ferret_core::{Control, HostRoot, Outcome};
use std::path::PathBuf;

pub mod datastores;
pub mod docker;
pub mod hadoop;
pub mod jenkins;
pub mod jupyter;
pub mod kube;
pub mod launch;
pub mod postgres;
pub mod redis;

/// How far a listening address reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Reach {
    /// Loopback addresses (or a Unix socket) only.
    Loopback,
    /// A specific non-loopback address (a private or public interface).
    Interface,
    /// Every interface (`0.0.0.0`, `*`, `::`, or no `bind`).
    All,
}

impl Reach {
    /// The reach of one listening host as the services write it (Redis `bind`, Hadoop and
    /// Jupyter hosts, etcd URLs, Docker `-H`, MongoDB `bindIp`): every interface for the
    /// empty host, `0.0.0.0`, `*`, `::`, `::*` and `[::]`; loopback for `localhost`,
    /// `ip6-localhost`, `::1`, `[::1]` and `127.0.0.0/8`; any other name or address, that
    /// interface. Each check handles its own special words (Elasticsearch's `_local_`, a
    /// Unix socket path) before.
    pub fn of_host(host: &[u8]) -> Reach {
        match host {
            b"" | b"0.0.0.0" | b"*" | b"::" | b"::*" | b"[::]" => Reach::All,
            b"localhost" | b"ip6-localhost" | b"::1" | b"[::1]" => Reach::Loopback,
            h if h.starts_with(b"127.") => Reach::Loopback,
            _ => Reach::Interface,
        }
    }
}

/// What several checks share, read once: the containers on disk and the services' command
/// lines.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Services {
    /// Docker's and Podman's containers with their directories ([`docker::containers`],
    /// [`docker::podman_containers`]).
    pub containers: Vec<(PathBuf, docker::Container)>,
    /// Command lines that start the services checked here ([`launch::Launches::collect`]).
    pub launches: launch::Launches,
    /// The home directories of `/etc/passwd` (absolute, not `/`), in file order.
    pub homes: Vec<Vec<u8>>,
    /// The run's controls, for the parts that read more (a package database).
    pub control: Control,
}

impl Services {
    /// Reads them from `root`.
    pub fn collect(root: &HostRoot, control: &Control, out: &mut Outcome) -> Self {
        // The accounts check reports unreadable account files and malformed lines.
        let (accounts, _) = crate::accounts::Accounts::load(root);
        let mut homes: Vec<Vec<u8>> = Vec::new();
        for u in accounts.users {
            if u.home.starts_with(b"/") && u.home.len() > 1 && !homes.contains(&u.home) {
                homes.push(u.home);
            }
        }
        let mut containers = docker::containers(root, out);
        for s in docker::podman_storages(root, &homes, out) {
            containers.extend(docker::podman_containers(root, &s, out));
        }
        let launches = launch::Launches::collect(root, &containers, out);
        Self {
            containers,
            launches,
            homes,
            control: control.clone(),
        }
    }
}

/// Runs the exposure checks on `root`: Redis, Docker, PostgreSQL, Hadoop YARN, Jupyter, the kubelet and etcd, MongoDB,
/// Elasticsearch and Jenkins. Cancelling `control` stops
/// it between them, with a "cancelled" error.
pub fn audit_root(root: &HostRoot, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    let svc = Services::collect(root, control, &mut out);
    let parts: [fn(&HostRoot, &Services, &mut Outcome); 8] = [
        redis::audit,
        docker::audit,
        postgres::audit,
        hadoop::audit,
        jupyter::audit,
        kube::audit,
        datastores::audit,
        jenkins::audit,
    ];
    for part in parts {
        if crate::util::cancelled(control, &mut out) {
            return out;
        }
        part(root, &svc, &mut out);
    }
    out
}
