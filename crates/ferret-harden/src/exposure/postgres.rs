//! PostgreSQL open to the network without a real password: `pg_hba.conf` lines that `trust`
//! (or take a clear-text `password`) from non-loopback addresses, weighed by
//! `listen_addresses` (postgresql.conf, then postgresql.auto.conf, which `ALTER SYSTEM`
//! writes and which wins). Kinsing and others log in as `postgres` and run
//! `COPY ... FROM PROGRAM 'curl ... | sh'`.
//!
//! Clusters are looked for where Debian/Ubuntu (`/etc/postgresql/<ver>/<cluster>/`), RHEL,
//! CentOS and Alibaba Cloud Linux (`/var/lib/pgsql/data/`, PGDG's `/var/lib/pgsql/<ver>/data/`),
//! the official container image (`/var/lib/postgresql/data/`), source builds
//! (`/usr/local/pgsql/data/`) and BT-Panel (`/www/server/pgsql/data/`) keep them.

use crate::util::{list_dir, pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::path::PathBuf;

/// One `pg_hba.conf` record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HbaLine {
    /// 1-based line.
    pub line: u64,
    /// `local`, `host`, `hostssl`, `hostnossl`, `hostgssenc`, `hostnogssenc`.
    pub kind: Vec<u8>,
    /// Databases field.
    pub database: Vec<u8>,
    /// Users field.
    pub user: Vec<u8>,
    /// The address (with `/mask`, or `addr mask` joined by `/`); empty for `local`.
    pub address: Vec<u8>,
    /// The method (`trust`, `password`, `md5`, `scram-sha-256`, `peer`, `ident`, `reject`...).
    pub method: Vec<u8>,
    /// The line as written (no secrets: pg_hba holds none).
    pub text: Vec<u8>,
}

/// Splits a pg_hba line into fields (double quotes keep blanks; `#` starts a comment).
fn fields(l: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut q = false;
    let mut any = false;
    for &c in l {
        if c == b'"' {
            q = !q;
            any = true;
            continue;
        }
        if !q && c == b'#' {
            break;
        }
        if !q && c.is_ascii_whitespace() {
            if any {
                out.push(std::mem::take(&mut cur));
                any = false;
            }
            continue;
        }
        cur.push(c);
        any = true;
    }
    if any {
        out.push(cur);
    }
    out
}

/// Parses pg_hba.conf; a record with too few fields is `Err(line)` (PostgreSQL refuses the
/// file).
pub fn parse_hba(data: &[u8]) -> Vec<Result<HbaLine, u64>> {
    let mut out = Vec::new();
    for (i, raw) in data.split(|&c| c == b'\n').enumerate() {
        let line = i as u64 + 1;
        let f = fields(raw);
        let Some(kind) = f.first() else {
            continue;
        };
        if kind.starts_with(b"include") {
            continue;
        }
        let local = kind.as_slice() == b"local";
        let need = if local { 4 } else { 5 };
        if f.len() < need {
            out.push(Err(line));
            continue;
        }
        let (address, method) = if local {
            (Vec::new(), f.get(3).cloned().unwrap_or_default())
        } else {
            let a = f.get(3).cloned().unwrap_or_default();
            // "addr mask" form: the next field is a dotted mask.
            let next = f.get(4).cloned().unwrap_or_default();
            if !a.contains(&b'/')
                && next.first().is_some_and(u8::is_ascii_digit)
                && next.contains(&b'.')
            {
                let Some(m) = f.get(5).cloned() else {
                    out.push(Err(line));
                    continue;
                };
                ([a, b"/".to_vec(), next].concat(), m)
            } else {
                (a, next)
            }
        };
        out.push(Ok(HbaLine {
            line,
            kind: kind.clone(),
            database: f.get(1).cloned().unwrap_or_default(),
            user: f.get(2).cloned().unwrap_or_default(),
            address,
            method: method.to_ascii_lowercase(),
            text: raw.trim_ascii().to_vec(),
        }));
    }
    out
}

/// Whether a pg_hba address reaches beyond this host (`all`, `0.0.0.0/0`, `::/0`, `samenet`,
/// a host name, a non-loopback network).
pub fn remote_address(a: &[u8]) -> bool {
    !(a.is_empty()
        || a == b"samehost"
        || a.starts_with(b"127.")
        || a.starts_with(b"::1")
        || a == b"localhost")
}

/// Whether `listen_addresses` reaches beyond loopback (the default is `localhost`).
pub fn listen_remote(v: &[u8]) -> bool {
    v.split(|&c| c == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|a| !a.is_empty())
        .any(remote_address)
}

/// The last `listen_addresses` of a postgresql.conf buffer, unquoted, with its line.
pub fn listen_addresses(data: &[u8]) -> Option<(Vec<u8>, u64)> {
    let mut res = None;
    for (i, raw) in data.split(|&c| c == b'\n').enumerate() {
        let t = raw.trim_ascii();
        let Some(rest) = t.strip_prefix(b"listen_addresses") else {
            continue;
        };
        let rest = rest.trim_ascii_start();
        let rest = rest.strip_prefix(b"=").unwrap_or(rest).trim_ascii_start();
        let v = match rest.strip_prefix(b"'") {
            Some(q) => q.split(|&c| c == b'\'').next().unwrap_or_default(),
            None => rest
                .split(|c| c.is_ascii_whitespace() || *c == b'#')
                .next()
                .unwrap_or_default(),
        };
        res = Some((v.to_vec(), i as u64 + 1));
    }
    res
}

fn cluster_dirs(root: &HostRoot, out: &mut Outcome) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for ver in list_dir(root, "/etc/postgresql", out) {
        if let Some(s) = ver.to_str() {
            v.extend(list_dir(root, s, out));
        }
    }
    v.push(PathBuf::from("/var/lib/pgsql/data"));
    for ver in list_dir(root, "/var/lib/pgsql", out) {
        v.push(ver.join("data"));
    }
    for d in [
        "/var/lib/postgresql/data",
        "/usr/local/pgsql/data",
        "/www/server/pgsql/data",
    ] {
        v.push(PathBuf::from(d));
    }
    v.sort();
    v.dedup();
    v
}

/// Audits every cluster found.
pub(crate) fn audit(root: &HostRoot, _svc: &super::Services, out: &mut Outcome) {
    for dir in cluster_dirs(root, out) {
        let hba = dir.join("pg_hba.conf");
        let Some(buf) = read_config(root, &hba, out) else {
            continue;
        };
        let mut listen: Option<(Vec<u8>, PathBuf, u64)> = None;
        for c in ["postgresql.conf", "postgresql.auto.conf"] {
            let p = dir.join(c);
            if let Some(b) = read_config(root, &p, out) {
                if let Some((v, l)) = listen_addresses(&b) {
                    listen = Some((v, p, l));
                }
            }
        }
        let remote = listen.as_ref().is_some_and(|(v, _, _)| listen_remote(v));
        let mut any = false;
        for r in parse_hba(&buf) {
            let h = match r {
                Ok(h) => h,
                Err(l) => {
                    out.errors.push(crate::util::line_error(
                        pb(&hba),
                        l,
                        "pg_hba.conf record with too few fields (PostgreSQL refuses the file)",
                    ));
                    continue;
                }
            };
            if h.kind.as_slice() == b"local" || !remote_address(&h.address) {
                continue;
            }
            let (id, sev, title) = match h.method.as_slice() {
                b"trust" => (
                    "exposure.postgres-trust",
                    if remote {
                        Severity::Critical
                    } else {
                        Severity::Medium
                    },
                    "PostgreSQL trusts network clients: any user name, no password",
                ),
                b"password" => (
                    "exposure.postgres-cleartext-password",
                    if remote {
                        Severity::Medium
                    } else {
                        Severity::Low
                    },
                    "PostgreSQL takes clear-text passwords from network clients",
                ),
                _ => continue,
            };
            any = true;
            let mut f = Finding::new(id, sev, title, pb(&hba))
                .with_evidence(Evidence::line(pb(&hba), h.line).with_excerpt(&h.text));
            if let Some((v, p, l)) = &listen {
                f = f.with_evidence(
                    Evidence::line(pb(p), *l)
                        .with_excerpt([b"listen_addresses = ".as_slice(), v].concat()),
                );
            }
            out.findings.push(
                f.with_detail(format!(
                    "{} {} {} from {}; the server listens {}. A `trust` login as `postgres` is a superuser: `COPY ... FROM PROGRAM` runs shell commands (Kinsing).",
                    ferret_core::escape::escape(&h.database),
                    ferret_core::escape::escape(&h.user),
                    ferret_core::escape::escape(&h.method),
                    ferret_core::escape::escape(&h.address),
                    if remote { "beyond loopback (listen_addresses)" } else { "on localhost only (listen_addresses default or set), so this line matters once it is opened" }
                ))
                .with_remediation("Use scram-sha-256 for host lines, restrict addresses, keep listen_addresses to what is needed; review pg_stat_activity, the server log and postgres's shell history for COPY FROM PROGRAM.")
                .with_attack("T1190")
                .with_attack("T1078.001"),
            );
        }
        if !any && remote {
            if let Some((v, p, l)) = &listen {
                out.findings.push(
                    Finding::new(
                        "exposure.postgres-listen-all",
                        Severity::Low,
                        "PostgreSQL listens beyond loopback",
                        pb(p),
                    )
                    .with_evidence(Evidence::line(pb(p), *l).with_excerpt([b"listen_addresses = ".as_slice(), v].concat()))
                    .with_detail("Password logins from the network are possible (brute force); pg_hba.conf has no trust or clear-text line for them.")
                    .with_attack("T1133"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hba() {
        let v = parse_hba(b"# c\nlocal all postgres peer\nhost all all 0.0.0.0/0 trust\nhost all all 10.0.0.0 255.0.0.0 md5 # x\nhost all\n\"host\" \"all db\" all ::1/128 scram-sha-256\n");
        assert_eq!(v.len(), 5);
        let h = v.get(1).unwrap().as_ref().unwrap();
        assert_eq!(
            (h.address.as_slice(), h.method.as_slice()),
            (&b"0.0.0.0/0"[..], &b"trust"[..])
        );
        let h = v.get(2).unwrap().as_ref().unwrap();
        assert_eq!(
            (h.address.as_slice(), h.method.as_slice()),
            (&b"10.0.0.0/255.0.0.0"[..], &b"md5"[..])
        );
        assert_eq!(v.get(3), Some(&Err(5)));
        assert_eq!(v.get(4).unwrap().as_ref().unwrap().database, b"all db");
        assert!(
            remote_address(b"all")
                && remote_address(b"0.0.0.0/0")
                && !remote_address(b"127.0.0.1/32")
        );
        assert_eq!(
            listen_addresses(b"#listen_addresses = '*'\nlisten_addresses = '*'  # all\n"),
            Some((b"*".to_vec(), 2))
        );
        assert!(listen_remote(b"localhost, 10.0.0.5") && !listen_remote(b"localhost"));
    }
}
