//! Initial access: the network services most public reports on Linux cloud compromises
//! (Kinsing/H2Miner, TeamTNT, WatchDog, 8220 Gang, Alibaba Cloud's and Tencent Cloud's incident
//! guides) name as the door, configured so that anyone who reaches them is in:
//!
//! - [`redis`]: Redis without a password on a reachable interface (the `CONFIG SET dir` /
//!   `dbfilename` / `SAVE` attack writes an RDB dump as a crontab or `authorized_keys`; the
//!   dumps themselves are found by the persistence check, `persistence.redis-rdb-file`).
//! - [`docker`]: the Docker Engine API on TCP without TLS client authentication, the socket
//!   open to every user, and containers on disk that are privileged, mount the host's root or
//!   the Docker socket, share host namespaces, or run a miner.
//! - [`postgres`]: `pg_hba.conf` `trust` (or clear-text `password`) for network clients, with
//!   `listen_addresses` beyond loopback.
//!
//! Left out, for now: kubelet anonymous authentication and exposed etcd (named in reports on
//! TeamTNT's Kubernetes campaigns, but they live on cluster nodes whose configuration is in
//! kubeadm/k3s-specific places), Jupyter without a token and Hadoop YARN's REST API (named in
//! 8220 Gang and Kinsing reports, less often than the three above).

use ferret_core::{Control, HostRoot, Outcome};

pub mod docker;
pub mod postgres;
pub mod redis;

/// Runs the exposure checks on `root`: Redis, Docker, PostgreSQL. Cancelling `control` stops
/// it between them, with a "cancelled" error.
pub fn audit_root(root: &HostRoot, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    let parts: [fn(&HostRoot, &mut Outcome); 3] = [redis::audit, docker::audit, postgres::audit];
    for part in parts {
        if crate::util::cancelled(control, &mut out) {
            return out;
        }
        part(root, &mut out);
    }
    out
}
