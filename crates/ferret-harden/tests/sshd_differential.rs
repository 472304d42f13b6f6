//! The sshd resolver against the truth: OpenSSH's own regress cases (their expected values) and
//! the real `sshd -T -f FILE -C ...` on a corpus of configurations with Include and Match.
//!
//! Keywords compared: every keyword both print, except `listenaddress` (needs address
//! resolution; deliberately not printed by the resolver). `Match LocalPort` needs `lport` in the
//! spec (sshd -T is fatal without it), so every context here carries one.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// Test tables (names, configs, contexts) and short loop names mirror the regress scripts.
#![allow(
    clippy::many_single_char_names,
    clippy::type_complexity,
    clippy::format_push_string
)]

use ferret_core::{Control, HostRoot};
use ferret_harden::sshd::{ConnectionContext, Effective, Semantics, SshdConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The real sshd (package openssh-server, in `.ci/packages.txt`): a missing one fails the test.
fn sshd_bin() -> PathBuf {
    for p in ["/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd"] {
        if Path::new(p).exists() {
            // sshd -T refuses to run without its privilege-separation directory; its systemd
            // unit creates it (RuntimeDirectory=sshd), containers often lack it.
            if nix::unistd::geteuid().is_root() && !Path::new("/run/sshd").exists() {
                let _ = std::fs::create_dir_all("/run/sshd");
            }
            return PathBuf::from(p);
        }
    }
    panic!("sshd not installed: apt-get install openssh-server (it is in .ci/packages.txt)");
}

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("host.ssh-ed25519");
        let st = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key)
            .status();
        assert!(st.is_ok_and(|s| s.success()), "ssh-keygen failed");
        Lab { dir }
    }
    fn obj(&self) -> String {
        self.dir
            .path()
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    }
    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn spec_of(c: &ConnectionContext) -> String {
    let mut v = Vec::new();
    let s = |b: &Option<Vec<u8>>| b.as_ref().map(|x| String::from_utf8_lossy(x).into_owned());
    if let Some(u) = s(&c.user) {
        v.push(format!("user={u}"));
    }
    if let Some(h) = s(&c.host) {
        v.push(format!("host={h}"));
    }
    if let Some(a) = s(&c.addr) {
        v.push(format!("addr={a}"));
    }
    if let Some(a) = s(&c.laddr) {
        v.push(format!("laddr={a}"));
    }
    if let Some(p) = c.lport {
        v.push(format!("lport={p}"));
    }
    if let Some(r) = s(&c.rdomain) {
        v.push(format!("rdomain={r}"));
    }
    v.join(",")
}

/// `sshd -T` output as keyword -> sorted lines; Err with stderr when sshd refuses the config.
fn real(
    sshd: &Path,
    conf: &Path,
    c: &ConnectionContext,
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let o = Command::new(sshd)
        .arg("-T")
        .arg("-f")
        .arg(conf)
        .arg("-C")
        .arg(spec_of(c))
        .output()
        .unwrap();
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    }
    Ok(group(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string),
    ))
}

fn group(lines: impl Iterator<Item = String>) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines {
        let (k, v) = l.split_once(' ').unwrap_or((l.as_str(), ""));
        m.entry(k.to_string()).or_default().push(v.to_string());
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

fn ours(e: &Effective) -> BTreeMap<String, Vec<String>> {
    group(e.dump().into_iter().map(|l| String::from_utf8(l).unwrap()))
}

/// Compares on every keyword both print; returns (compared, mismatches).
fn compare(
    a: &BTreeMap<String, Vec<String>>,
    b: &BTreeMap<String, Vec<String>>,
) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut bad = Vec::new();
    for (k, v) in a {
        if let Some(w) = b.get(k) {
            n += 1;
            if v != w {
                bad.push(format!("{k}: ours {v:?} sshd {w:?}"));
            }
        }
    }
    (n, bad)
}

fn load(conf: &Path) -> SshdConfig {
    SshdConfig::load(&HostRoot::live(), conf, &Control::new()).unwrap()
}

/// Extracts `cat > $OBJ/NAME << TAG` ... `TAG` heredocs and other steps of a regress script.
#[derive(Debug)]
enum Step {
    Write {
        name: String,
        append: bool,
        body: String,
    },
    Rm(String),
    Line(String),
}

fn steps(script: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(l) = lines.next() {
        let t = l.trim();
        if (t.starts_with("cat >") || t.starts_with("cat >>")) && t.contains("<<") {
            let append = t.starts_with("cat >>");
            let target = t
                .trim_start_matches("cat")
                .trim_start()
                .trim_start_matches('>')
                .trim_start();
            let name = target
                .split_whitespace()
                .next()
                .unwrap()
                .trim_start_matches("$OBJ/")
                .to_string();
            let tag = t.rsplit("<<").next().unwrap().trim().to_string();
            let mut body = String::new();
            for b in lines.by_ref() {
                if b.trim() == tag {
                    break;
                }
                body.push_str(b);
                body.push('\n');
            }
            out.push(Step::Write { name, append, body });
        } else if let Some(r) = t.strip_prefix("rm -f ") {
            out.push(Step::Rm(r.to_string()));
        } else {
            out.push(Step::Line(t.to_string()));
        }
    }
    out
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn regress_servcfginclude() {
    let td = ferret_testkit::testdata("openssh-portable");
    let script = std::fs::read_to_string(td.join("regress/servcfginclude.sh")).unwrap();
    let lab = Lab::new();
    let obj = lab.obj();
    let sshd = sshd_bin();
    let mut trials = 0;
    let mut real_checked = 0;
    let mut invalid_checked = 0;
    for st in steps(&script) {
        match st {
            Step::Write { name, append, body } => {
                let body = body.replace("$OBJ", &obj);
                let p = lab.dir.path().join(&name);
                if append {
                    let mut old = std::fs::read_to_string(&p).unwrap_or_default();
                    old.push_str(&body);
                    std::fs::write(&p, old).unwrap();
                } else {
                    std::fs::write(&p, body).unwrap();
                }
            }
            Step::Rm(what) => {
                for w in what.split_whitespace() {
                    let w = w.trim_start_matches("$OBJ/");
                    for e in std::fs::read_dir(lab.dir.path()).unwrap() {
                        let e = e.unwrap();
                        let n = e.file_name().to_string_lossy().into_owned();
                        let matches = match w.strip_suffix('*') {
                            Some(prefix) => n.starts_with(prefix),
                            None => n == w,
                        };
                        if matches && !n.starts_with("host.") {
                            std::fs::remove_file(e.path()).unwrap();
                        }
                    }
                }
            }
            Step::Line(l) => {
                let conf = lab.dir.path().join("sshd_config.i");
                if let Some(rest) = l.strip_prefix("trial ") {
                    let mut parts = rest.split_whitespace();
                    let host = parts.next().unwrap();
                    let exp = parts.next().unwrap();
                    let ctx = ConnectionContext::new()
                        .host(host)
                        .user("test")
                        .addr("127.0.0.1");
                    let e = load(&conf).effective(&ctx);
                    assert_eq!(
                        e.get("banner").unwrap_or_else(|| "none".into()),
                        exp,
                        "trial {rest}"
                    );
                    assert!(e.issues.is_empty(), "trial {rest}: {:?}", e.issues);
                    trials += 1;
                    let r = real(&sshd, &conf, &ctx).unwrap();
                    assert_eq!(
                        r["banner"],
                        vec![exp.to_string()],
                        "real sshd, trial {rest}"
                    );
                    let (n, bad) = compare(&ours(&e), &r);
                    assert!(bad.is_empty() && n > 50, "trial {rest}: {bad:#?}");
                    real_checked += 1;
                } else if l.starts_with("trace \"disallow invalid config") {
                    let cfg = load(&conf);
                    let e = cfg.effective(
                        &ConnectionContext::new()
                            .host("a")
                            .user("test")
                            .addr("127.0.0.1"),
                    );
                    assert!(
                        !e.issues.is_empty() || !cfg.errors.is_empty(),
                        "invalid include accepted"
                    );
                    invalid_checked += 1;
                } else if l.starts_with("trace \"disallow invalid with no argument") {
                    let cfg = load(&lab.dir.path().join("sshd_config.i.x"));
                    assert!(!cfg.errors.is_empty(), "Include without argument accepted");
                    invalid_checked += 1;
                } else if l.starts_with("trace \"Port after included files") {
                    let e = load(&conf).effective(
                        &ConnectionContext::new()
                            .host("x")
                            .user("test")
                            .addr("127.0.0.1"),
                    );
                    assert_eq!(e.values("port"), vec![b"7722".to_vec()]);
                    trials += 1;
                }
            }
        }
    }
    assert_eq!(trials, 9 + 3 + 1, "every trial of the script ran");
    assert_eq!(invalid_checked, 3);
    assert_eq!(real_checked, 12);
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn regress_addrmatch() {
    let td = ferret_testkit::testdata("openssh-portable");
    let script = std::fs::read_to_string(td.join("regress/addrmatch.sh")).unwrap();
    let lab = Lab::new();
    let obj = lab.obj();
    let sshd = sshd_bin();
    let mut conf = format!("HostKey {obj}/host.ssh-ed25519\n");
    let mut n = 0;
    for st in steps(&script) {
        match st {
            Step::Write { body, .. } => conf.push_str(&body),
            Step::Line(l) if l.starts_with("run_trial ") => {
                let w: Vec<&str> = l.split_whitespace().collect();
                let (user, addr, host, laddr, lport, exp) = (w[1], w[2], w[3], w[4], w[5], w[6]);
                let path = lab.write("sshd_proxy", &conf);
                let ctx = ConnectionContext::new()
                    .user(user)
                    .addr(addr)
                    .host(host)
                    .laddr(laddr)
                    .lport(lport.parse().unwrap());
                let e = load(&path).effective(&ctx);
                assert_eq!(
                    e.get("forcecommand").unwrap_or_else(|| "none".into()),
                    exp,
                    "{l}"
                );
                let r = real(&sshd, &path, &ctx).unwrap();
                let (_, bad) = compare(&ours(&e), &r);
                assert!(bad.is_empty(), "{l}: {bad:#?}");
                n += 1;
            }
            Step::Line(l) if l.starts_with("for i in ") && l.contains('/') => {
                let list: Vec<&str> = l
                    .trim_start_matches("for i in ")
                    .trim_end_matches("; do")
                    .split_whitespace()
                    .collect();
                for i in list {
                    for a in ["address", "localaddress"] {
                        let p = lab.write(
                            "bad",
                            &format!("HostKey {obj}/host.ssh-ed25519\nMatch {a} {i}\n"),
                        );
                        let e = load(&p).effective(&ConnectionContext::new());
                        assert!(!e.issues.is_empty(), "accepted invalid Match {a} {i}");
                        assert!(
                            real(&sshd, &p, &ConnectionContext::new().user("u").lport(22)).is_err()
                        );
                        n += 1;
                    }
                }
            }
            _ => {}
        }
    }
    assert_eq!(n, 16 + 6);
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn regress_cfgmatch_criteria_and_cfgparse() {
    let td = ferret_testkit::testdata("openssh-portable");
    let script = std::fs::read_to_string(td.join("regress/cfgmatch.sh")).unwrap();
    // params="user:user:u1 host:host:h1 address:addr:1.2.3.4 \
    //     localaddress:laddr:5.6.7.8 rdomain:rdomain:rdom1"
    let start = script.find("params=\"").unwrap() + 8;
    let end = start + script[start..].find('"').unwrap();
    let params: Vec<(String, String, String)> = script[start..end]
        .split_whitespace()
        .filter(|p| *p != "\\")
        .map(|p| {
            let f: Vec<&str> = p.split(':').collect();
            (f[0].into(), f[1].into(), f[2].into())
        })
        .collect();
    assert_eq!(params.len(), 5);
    let lab = Lab::new();
    let obj = lab.obj();
    let sshd = sshd_bin();
    let mut n = 0;
    for sep in [" ", "="] {
        let mut conf = format!("HostKey {obj}/host.ssh-ed25519\nBanner /nomatch\n");
        for (config, _, value) in &params {
            conf.push_str(&format!(
                "\t\t    Match {config}{sep}{value}\n\t\t      Banner /{value}\n"
            ));
        }
        let p = lab.write("sshd_config", &conf);
        for (_, test_crit, test_val) in &params {
            let mut ctx = ConnectionContext::new().lport(22);
            for (_, crit, value) in &params {
                let v = if crit == test_crit {
                    value.clone()
                } else {
                    format!("1{value}")
                };
                ctx = match crit.as_str() {
                    "user" => ctx.user(v),
                    "host" => ctx.host(v),
                    "addr" => ctx.addr(v),
                    "laddr" => ctx.laddr(v),
                    "rdomain" => ctx.rdomain(v),
                    _ => unreachable!(),
                };
            }
            let e = load(&p).effective(&ctx);
            assert_eq!(
                e.get("banner").unwrap(),
                format!("/{test_val}"),
                "sep {sep:?} {test_crit}"
            );
            // 1.2.3.4 etc. with a leading 1 are not addresses: sshd treats them as patterns.
            let r = real(&sshd, &p, &ctx).unwrap();
            assert_eq!(r["banner"], vec![format!("/{test_val}")]);
            n += 1;
        }
    }
    assert_eq!(n, 10);

    // cfgparse.sh: "maxstartups idempotence" expects the first value (upstream 10.x); the 9.2
    // shipped here keeps the last one. Both behaviours are modelled.
    let cp = std::fs::read_to_string(td.join("regress/cfgparse.sh")).unwrap();
    assert!(cp.contains("MaxStartups 1:2:3\nMaxStartups 8:16:32"));
    assert!(cp.contains("echo \"maxstartups 1:2:3\""));
    let p = lab.write(
        "ms",
        &format!("HostKey {obj}/host.ssh-ed25519\nMaxStartups 1:2:3\nMaxStartups 8:16:32\n"),
    );
    let up = load(&p)
        .with_semantics(Semantics::Upstream)
        .effective(&ConnectionContext::new());
    assert_eq!(up.get("maxstartups").unwrap(), "1:2:3");
    let shipped = load(&p).effective(&ConnectionContext::new());
    let r = real(&sshd, &p, &ConnectionContext::new().user("u").lport(22)).unwrap();
    assert_eq!(vec![shipped.get("maxstartups").unwrap()], r["maxstartups"]);
}

/// Own corpus: Include (globs, nesting, inside Match), every Match criterion, negation, lists,
/// wildcards, quoting, `key=value`, comments, append/first-line/last-wins keywords.
fn corpus(obj: &str) -> Vec<(&'static str, String, Vec<(&'static str, String)>)> {
    let hk = format!("HostKey {obj}/host.ssh-ed25519\n");
    vec![
        (
            "include-glob-order",
            format!("{hk}Include {obj}/conf.d/*.conf\nPermitRootLogin yes\nPasswordAuthentication yes\nMatch User admin,!root\n  X11Forwarding yes\n  Include {obj}/match.d/*\n"),
            vec![
                ("conf.d/10-a.conf", "PasswordAuthentication no\nAcceptEnv LANG\nMaxAuthTries 3\n".into()),
                ("conf.d/20-b.conf", "PasswordAuthentication yes\nAcceptEnv LC_*\nClientAliveInterval 5m\nCiphers -*cbc\n".into()),
                ("conf.d/.hidden.conf", "PermitRootLogin no\n".into()),
                ("conf.d/30-c.conf.disabled", "MaxAuthTries 1\n".into()),
                ("match.d/1", "Banner /etc/issue.net\nAllowTcpForwarding local\n".into()),
            ],
        ),
        (
            "match-criteria",
            format!("{hk}Banner none\nPermitRootLogin no\nMatch Address 10.0.0.0/8,!10.9.0.0/16\n  Banner /ten\n  PermitRootLogin prohibit-password\nMatch Host *.example.com\n  Banner /ex\n  MaxSessions 2\nMatch Group root,adm\n  LogLevel VERBOSE\nMatch LocalAddress 192.0.2.1 LocalPort 2222\n  PasswordAuthentication no\nMatch User=r?ot\n  ForceCommand /bin/true\n  AuthorizedKeysFile /etc/ssh/keys/%u\nMatch all\n  AllowAgentForwarding no\n  ForceCommand none\n"),
            vec![],
        ),
        (
            "lists-and-quoting",
            format!("{hk}AllowUsers alice bob\nAllowUsers carol\nDenyGroups nogroup\nAuthorizedKeysFile .ssh/authorized_keys\nAuthorizedKeysFile /ignored\nSetEnv A=1 B=2\nPermitOpen localhost:80 127.0.0.1:443\nIPQoS af21 cs1\nIPQoS=lowdelay\nKexAlgorithms ^curve25519-sha256\nMACs +hmac-sha1-96\nBanner \"/etc/issue net\"\nVersionAddendum hello world # comment\nStreamLocalBindMask 0022\nRekeyLimit 1G 1h\nPermitUserEnvironment LANG,LC_*\nSubsystem sftp internal-sftp -l INFO\nMaxStartups 5\nLoginGraceTime 1m30s\nCompression delayed\nGatewayPorts clientspecified\nPermitTunnel point-to-point\nMatch User bob\n  AllowUsers dave\n  AcceptEnv X\n  PermitListen 8080\n"),
            vec![],
        ),
        (
            "kitchen-sink",
            format!("{hk}PermitRootLogin forced-commands-only\nIgnoreRhosts shosts-only\nIgnoreUserKnownHosts yes\nHostbasedAuthentication yes\nHostbasedUsesNameFromPacketOnly yes\nPubkeyAuthentication no\nKerberosAuthentication yes\nKerberosOrLocalPasswd no\nKerberosTicketCleanup no\nGSSAPIAuthentication yes\nGSSAPICleanupCredentials no\nGSSAPIKeyExchange yes\nGSSAPIStrictAcceptorCheck no\nGSSAPIStoreCredentialsOnRekey yes\nPrintMotd no\nPrintLastLog no\nX11DisplayOffset 20\nX11UseLocalhost no\nPermitTTY no\nPermitUserRC no\nTCPKeepAlive no\nCompression no\nUseDNS yes\nAllowStreamLocalForwarding remote\nStreamLocalBindUnlink yes\nFingerprintHash md5\nExposeAuthInfo yes\nPidFile /run/x.pid\nModuliFile /etc/ssh/m\nXAuthLocation /usr/local/bin/xauth\nTrustedUserCAKeys /etc/ssh/ca.pub\nRevokedKeys /etc/ssh/revoked\nSecurityKeyProvider /usr/lib/sk.so\nAuthorizedPrincipalsFile /etc/ssh/principals/%u\nAuthorizedKeysCommand /usr/bin/keys %u %f\nAuthorizedKeysCommandUser nobody\nAuthorizedPrincipalsCommand /usr/bin/princ %u\nAuthorizedPrincipalsCommandUser nobody\nHostKeyAgent /run/agent.sock\nCASignatureAlgorithms ssh-ed25519\nHostbasedAcceptedAlgorithms ssh-ed25519,rsa-sha2-*\nHostKeyAlgorithms -ssh-rsa*\nPubkeyAcceptedAlgorithms +ssh-rsa\nSyslogFacility LOCAL3\nLogLevel DEBUG2\nDenyUsers eve\nAllowGroups wheel\nDenyGroups games\nLogVerbose kex.c:*:1000\nAuthenticationMethods password,keyboard-interactive password\nPerSourceMaxStartups 10\nPerSourceNetBlockSize 24:64\nMaxSessions 3\nRequiredRSASize 2048\nUnusedConnectionTimeout 1h\nPermitTunnel ethernet\nBanner /etc/issue\nChrootDirectory /srv/%u\nForceCommand internal-sftp\nPubkeyAuthOptions touch-required verify-required\nRekeyLimit default none\nDisableForwarding yes\nAddressFamily inet\nPort 2022\nPort 2222\nLoginGraceTime 0\nClientAliveCountMax 0\nGatewayPorts yes\nMatch User root\n  PermitTTY yes\n  ChrootDirectory none\n  IPQoS 0x20 42\n  RekeyLimit 512M 30m\n  PubkeyAuthOptions none\n  UnusedConnectionTimeout none\n"),
            vec![],
        ),
        (
            "include-first-wins",
            format!("{hk}Include {obj}/inc/early.conf\nX11Forwarding no\nPermitEmptyPasswords no\nMatch Host h1\n  Include {obj}/inc/matchinc.conf\n  PasswordAuthentication yes\nMatch all\n  PasswordAuthentication no\n"),
            vec![
                ("inc/early.conf", "X11Forwarding yes\nUsePAM yes\nKbdInteractiveAuthentication no\nMatch User test\n  PermitEmptyPasswords yes\n".into()),
                ("inc/matchinc.conf", "PasswordAuthentication no\nMaxAuthTries 2\n".into()),
            ],
        ),
    ]
}

#[test]
fn differential_corpus_against_real_sshd() {
    let sshd = sshd_bin();
    let lab = Lab::new();
    let obj = lab.obj();
    let contexts = [
        ConnectionContext::new()
            .user("root")
            .host("h1")
            .addr("10.1.2.3")
            .laddr("192.0.2.1")
            .lport(2222),
        ConnectionContext::new()
            .user("admin")
            .host("web.example.com")
            .addr("10.9.1.1")
            .laddr("192.0.2.1")
            .lport(22),
        ConnectionContext::new()
            .user("test")
            .host("h2")
            .addr("192.168.1.1")
            .laddr("::1")
            .lport(22),
        ConnectionContext::new()
            .user("bob")
            .host("x.example.com")
            .addr("2001:db8::1")
            .laddr("192.0.2.2")
            .lport(2222),
        ConnectionContext::new().lport(22),
    ];
    let mut compared = 0;
    let mut keywords: BTreeSet<String> = BTreeSet::new();
    let mut mismatches = Vec::new();
    for (name, main, extra) in corpus(&obj) {
        for (f, body) in &extra {
            let p = lab.dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let conf = lab.write(&format!("{name}.conf"), &main);
        let cfg = load(&conf);
        assert!(cfg.errors.is_empty(), "{name}: {:?}", cfg.errors);
        for ctx in &contexts {
            let e = cfg.effective(ctx);
            assert!(e.issues.is_empty(), "{name}: {:?}", e.issues);
            let r =
                real(&sshd, &conf, ctx).unwrap_or_else(|err| panic!("{name}: sshd refused: {err}"));
            let o = ours(&e);
            let (n, bad) = compare(&o, &r);
            keywords.extend(o.keys().filter(|k| r.contains_key(*k)).cloned());
            compared += n;
            for b in bad {
                mismatches.push(format!("{name} [{}]: {b}", spec_of(ctx)));
            }
        }
    }
    // Every keyword we print, sshd prints too (no silent drift of names).
    for k in Effective::known_keywords() {
        if ![
            "subsystem",
            "allowusers",
            "denyusers",
            "allowgroups",
            "denygroups",
            "acceptenv",
            "setenv",
            "hostcertificate",
            "logverbose",
        ]
        .contains(&k)
        {
            assert!(keywords.contains(k), "keyword {k} never compared");
        }
    }
    eprintln!(
        "compared {compared} keyword values over {} keywords; {} mismatches",
        keywords.len(),
        mismatches.len()
    );
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn live_config_matches_sshd_t() {
    let sshd = sshd_bin();
    let conf = Path::new("/etc/ssh/sshd_config");
    if !conf.exists() || !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: no readable /etc/ssh/sshd_config with host keys (needs root)");
        return;
    }
    let ctx = ConnectionContext::new()
        .user("root")
        .host("h")
        .addr("192.0.2.9")
        .laddr("192.0.2.1")
        .lport(22);
    let e = SshdConfig::load(&HostRoot::live(), conf, &Control::new())
        .unwrap()
        .effective(&ctx);
    let r = match real(&sshd, conf, &ctx) {
        Ok(r) => r,
        Err(err) => {
            eprintln!("skipped: sshd refuses the live configuration: {err}");
            return;
        }
    };
    let (n, bad) = compare(&ours(&e), &r);
    assert!(n > 60 && bad.is_empty(), "{n} compared: {bad:#?}");
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn upstream_default_config_matches_sshd_t() {
    let td = ferret_testkit::testdata("openssh-portable");
    let sshd = sshd_bin();
    let lab = Lab::new();
    let upstream = std::fs::read_to_string(td.join("sshd_config")).unwrap();
    let p = lab.write(
        "upstream.conf",
        &format!("HostKey {}/host.ssh-ed25519\n{upstream}", lab.obj()),
    );
    let ctx = ConnectionContext::new()
        .user("root")
        .host("h")
        .addr("198.51.100.7")
        .lport(22);
    let e = load(&p).effective(&ctx);
    assert!(e.issues.is_empty(), "{:?}", e.issues);
    let (n, bad) = compare(&ours(&e), &real(&sshd, &p, &ctx).unwrap());
    assert!(n > 60 && bad.is_empty(), "{n}: {bad:#?}");
    assert_eq!(
        e.values("authorizedkeysfile"),
        vec![b".ssh/authorized_keys".to_vec()]
    );
}
