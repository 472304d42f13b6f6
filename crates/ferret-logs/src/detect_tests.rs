//! Equivalence of the fast [`Detector`] with the pre-session-3 detector kept in
//! `detect_reference` (random event streams, pid churn, and the real logs under
//! `FERRET_TESTDATA` through the whole analysis).
// The data-driven tests say when they are skipped.

use std::borrow::Cow;

use proptest::prelude::*;

use super::detect_reference;
use super::{Detector, DetectorResult, Facts, Role, Thresholds, SHADOW, SHADOW_RESULTS};
use crate::event::EventKind;
use crate::time::LogTime;

fn b(s: &[u8]) -> Cow<'static, [u8]> {
    Cow::Owned(s.to_vec())
}

/// Sources: IPv4, IPv6 (short, 34 and 39 bytes), host names, names of exactly 31/32 bytes
/// (the inline key's limit) and 63/64 bytes (the session's), longer, empty, not UTF-8;
/// bytes from 128 up give 128 more distinct IPv4 addresses (distributed attacks).
fn source(k: u8) -> Vec<u8> {
    const POOL: [&[u8]; 16] = [
        b"203.0.113.5",
        b"198.51.100.77",
        b"10.0.0.1",
        b"2001:db8::1",
        b"2606:2800:220:1:248:1893:25c8:1946",
        b"aaaa:bbbb:cccc:dddd:eeee:ffff:1111:2222",
        b"example.com",
        b"host-name-of-exactly-31-bytes.x",
        b"host-name-of-exactly-32-bytes.xy",
        b"a-host-name-of-exactly-sixty-three-bytes.example.invalid.abcdef",
        b"a-host-name-of-exactly-sixty-four-bytes.example.invalid.abcdefg",
        b"a-very-long-host-name-of-one-hundred-bytes.example.invalid.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        b"",
        b"\xff\xfe.bad\x1b[0m",
        b"::1",
        b"192.0.2.1",
    ];
    if k < 128 {
        POOL[usize::from(k % 16)].to_vec()
    } else {
        format!("172.16.{}.{}", k % 4, k).into_bytes()
    }
}

/// Users: root, empty, not UTF-8, an injection attempt, long, and 20 plain names.
fn user(k: u8) -> Vec<u8> {
    match k % 26 {
        0 => b"root".to_vec(),
        1 => b"admin".to_vec(),
        2 => Vec::new(),
        3 => b"\xff\xfeuser".to_vec(),
        4 => b"x from 1.2.3.4 port 22".to_vec(),
        5 => vec![b'u'; 70],
        n => format!("user{n}").into_bytes(),
    }
}

/// One generated step: `(kind, source, user, bits, pid, time, delta, repeat)`.
type Op = (u8, u8, u8, u8, u8, u8, u16, u8);

/// The event of an op (kinds 0..=31; 32..=34 are file and flag calls).
fn event(op: &Op) -> EventKind<'static> {
    let &(kind, s, u, bits, _, _, delta, _) = op;
    let ip = b(&source(s));
    let opt_ip = (bits & 1 == 0).then(|| ip.clone());
    let usr = b(&user(u));
    let opt_user = (bits & 2 == 0).then(|| usr.clone());
    let port = (bits & 0x40 == 0).then_some(delta);
    use EventKind as E;
    match kind {
        0..=2 => E::SshFailed {
            method: b(match bits & 3 {
                1 => b"publickey",
                2 => b"keyboard-interactive",
                _ => b"password",
            }),
            user: usr,
            invalid_user: bits & 4 != 0,
            ip,
            port,
        },
        3 | 4 => E::SshAccepted {
            method: b(if bits & 4 == 0 {
                b"password"
            } else {
                b"publickey"
            }),
            user: if bits & 8 != 0 { b(b"root") } else { usr },
            ip,
            port,
            key: None,
        },
        5 => E::SshInvalidUser {
            user: usr,
            ip: opt_ip,
            port,
        },
        6 => E::SshUserNotAllowed {
            user: usr,
            ip: opt_ip,
            reason: b(b"not listed in AllowUsers"),
        },
        7 => E::SshRootRefused { ip },
        8 => E::SshPamFailure { user: usr, ip },
        9 => E::SshMaxAuthAttempts {
            user: usr,
            ip: opt_ip,
            port,
        },
        10 => E::SshTooManyFailures {
            user: opt_user,
            ip: opt_ip,
        },
        11 | 12 => E::SshPreauthDisconnect {
            user: opt_user,
            ip: opt_ip,
            port,
            code: match (bits >> 4) & 3 {
                0 => None,
                1 => Some(3),
                2 => Some(11),
                _ => Some(14),
            },
        },
        13 => E::SshScan {
            ip: opt_ip,
            what: b(b"Did not receive identification string"),
        },
        14 => E::SshConnection { ip, port },
        15 | 16 => E::SshClosed { ip: opt_ip },
        17 => E::SshBreakInAttempt { ip },
        18 | 19 => E::PamAuthFailure {
            service: b(match (bits >> 2) & 3 {
                0 | 1 => b"sshd",
                2 => b"sudo",
                _ => b"login",
            }),
            user: opt_user,
            ruser: (bits & 0x10 == 0).then(|| b(&user(u.wrapping_add(7)))),
            rhost: match (bits >> 5) & 3 {
                0 => None,
                1 => Some(b(b"")),
                _ => Some(ip),
            },
        },
        20 => E::PamSession {
            service: b(b"sshd"),
            opened: bits & 1 == 0,
            user: usr,
        },
        21 => E::Sudo {
            user: usr,
            tty: None,
            pwd: None,
            runas: Some(b(b"root")),
            command: Some(b(b"/bin/sh")),
        },
        22 => E::SudoFailure {
            user: usr,
            attempts: 3,
            command: None,
        },
        23 => E::SudoNotInSudoers {
            user: usr,
            runas: None,
            command: (bits & 1 == 0).then(|| b(b"/bin/cat /etc/shadow \x1b[31m")),
        },
        24 => E::Su {
            success: bits & 1 == 0,
            user: opt_user,
            target: Some(b(b"root")),
        },
        25 => E::UserAdded {
            name: usr,
            uid: match bits & 3 {
                0 => None,
                1 => Some(0),
                _ => Some(1000 + u32::from(u)),
            },
            gid: None,
            home: None,
            shell: None,
        },
        26 => match bits & 3 {
            0 => E::UserDeleted { name: usr },
            1 => E::UserModified {
                name: usr,
                change: b(b"change user shell"),
            },
            _ => E::GroupAdded {
                name: usr,
                gid: Some(1001),
            },
        },
        27 => E::GroupMember {
            user: usr,
            group: b(match (bits >> 2) & 7 {
                0 => b"sudo",
                1 => b"wheel",
                2 => b"docker",
                3 => b"users",
                4 => b"video",
                5 => b"root",
                6 => b"adm",
                _ => b"\xffgrp",
            }),
            added: bits & 1 == 0,
        },
        28 => match bits & 3 {
            0 => E::PasswordChanged {
                user: usr,
                by: b(b"root"),
            },
            1 => E::LogindSession {
                new: true,
                session: b(b"42"),
                user: opt_user,
            },
            _ => E::CronCommand {
                user: usr,
                command: b(b"run-parts /etc/cron.hourly"),
            },
        },
        29 | 30 => E::Netfilter {
            prefix: b(b"[UFW BLOCK] "),
            in_if: Some(b(b"eth0")),
            out_if: None,
            src: ip,
            dst: Some(b(b"192.0.2.10")),
            proto: Some(b(b"TCP")),
            spt: Some(40000),
            dpt: (bits & 1 == 0).then_some(delta % 40),
            flags: b(b"SYN"),
        },
        _ => match bits & 3 {
            0 | 1 => E::FsError {
                device: (bits & 1 == 0).then(|| b(b"sda1")),
                detail: b(b"EXT4-fs error"),
            },
            2 => E::ModuleTaint {
                module: b(b"rootkit"),
                reason: b(b"module verification failed: signature missing \x07"),
            },
            _ => E::Segfault {
                program: b(b"nginx"),
                pid: Some(7),
            },
        },
    }
}

fn thresholds(t: (u8, u8, u8, u8, u8, u8, u8, u8, u8)) -> Thresholds {
    let pick = |v: &[u32], i: u8| v[usize::from(i) % v.len()];
    let pick64 = |v: &[i64], i: u8| v[usize::from(i) % v.len()];
    Thresholds {
        failures: pick(&[5, 0, 1, 2, 3, 50, 5000], t.0),
        window_secs: pick64(&[600, 0, 1, 60, 1_000_000], t.1),
        spray_users: pick(&[5, 0, 1, 2, 3, 100], t.2),
        distributed_sources: pick(&[10, 0, 2, 3, 200], t.3),
        success_after_failures: pick(&[5, 0, 1, 2, 4000], t.4),
        portscan_ports: pick(&[15, 0, 2, 3, 100], t.5),
        portscan_window_secs: pick64(&[60, 0, 1, 100_000], t.6),
        fs_errors: pick(&[5, 0, 1, 3], t.7),
        fs_window_secs: pick64(&[3600, 0, 1, 10_000_000], t.8),
    }
}

/// Feeds `ops` to the fast and the reference detector; their results.
fn run(ops: &[Op], th: &Thresholds) -> (DetectorResult, DetectorResult) {
    let mut new = Detector::new(th.clone());
    let mut old = detect_reference::Detector::new(th.clone());
    new.begin_file(b"/var/log/auth.log");
    old.begin_file(b"/var/log/auth.log");
    let mut now: i64 = 1_700_000_000 * 1_000_000;
    for (line, op) in ops.iter().enumerate() {
        let line = line as u64 + 1;
        let &(kind, _, _, bits, pidc, tc, delta, rc) = op;
        match kind {
            32 => {
                let name = format!("/var/log/auth.log.{}", bits % 3).into_bytes();
                new.begin_file(&name);
                old.begin_file(&name);
                continue;
            }
            33 => {
                new.long_line(line, 70_000 + usize::from(delta));
                old.long_line(line, 70_000 + usize::from(delta));
                continue;
            }
            34 => {
                new.repeat_capped(line);
                old.repeat_capped(line);
                continue;
            }
            _ => {}
        }
        let ev = event(op);
        let d = i64::from(delta);
        let time = match tc % 8 {
            0 => None,
            1 => Some(now),
            2 => Some(now + d * 1_000_000),
            3 => Some(now - d * 1_000_000),
            4 => Some(now + d * 3_600_000_000),
            _ => Some(now + (d % 5) * 1_000_000 + d),
        };
        if let Some(t) = time {
            now = t;
        }
        let time = time.map(LogTime);
        let pid = match pidc {
            0..=40 => None,
            240.. => Some(1000 + u32::from(pidc)),
            p => Some(u32::from(p % 8)),
        };
        let sshd = bits >> 7 == 0;
        let times: u64 = match rc {
            0..=199 => 1,
            200..=239 => 2 + u64::from(rc % 5),
            240..=249 => 10 + u64::from(rc),
            _ => 5000,
        };
        if times == 1 && rc % 2 == 0 {
            new.observe_event(line, time, pid, sshd, &ev);
            old.observe_event(line, time, pid, sshd, &ev);
        } else {
            new.observe_repeated(line, time, pid, sshd, &ev, times);
            old.observe_repeated(line, time, pid, sshd, &ev, times);
        }
    }
    (new.finish(), old.finish())
}

/// The results compared field by field (findings with their evidence, in order).
fn same(new: &DetectorResult, old: &DetectorResult) -> Result<(), String> {
    let parts = [
        (
            "events",
            format!("{:?}", new.events),
            format!("{:?}", old.events),
        ),
        (
            "sources",
            format!("{:?}", new.sources),
            format!("{:?}", old.sources),
        ),
        (
            "hours",
            format!("{:?}", new.hours),
            format!("{:?}", old.hours),
        ),
        (
            "window",
            format!("{:?}", new.window),
            format!("{:?}", old.window),
        ),
        (
            "findings",
            format!("{:?}", new.findings),
            format!("{:?}", old.findings),
        ),
    ];
    for (what, a, b) in parts {
        if a != b {
            return Err(format!("{what} differ:\nnew {a}\nold {b}"));
        }
    }
    Ok(())
}

fn op() -> impl Strategy<Value = Op> {
    (
        prop_oneof![8 => 0u8..20, 3 => 20u8..32, 1 => 32u8..35],
        prop_oneof![3 => 0u8..16, 1 => any::<u8>()],
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        prop_oneof![3 => 0u16..30, 1 => any::<u16>()],
        any::<u8>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Random streams: the same result as the reference detector.
    #[test]
    fn same_as_reference(
        ops in proptest::collection::vec(op(), 1..400),
        th in (0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8),
    ) {
        let th = thresholds(th);
        let (new, old) = run(&ops, &th);
        if let Err(e) = same(&new, &old) {
            prop_assert!(false, "{}", e);
        }
    }

    /// Streams from few sources and users (the windows and sessions fill up).
    #[test]
    fn same_as_reference_dense(
        ops in proptest::collection::vec(
            op().prop_map(|o| (o.0, o.1 % 3, o.2, o.3, o.4 % 48, o.5, o.6, o.7)),
            1..600,
        ),
        th in (0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8, 0u8..8),
    ) {
        let th = thresholds(th);
        let (new, old) = run(&ops, &th);
        if let Err(e) = same(&new, &old) {
            prop_assert!(false, "{}", e);
        }
    }

    /// `Facts::of` answers as the event's own methods do, for every kind.
    #[test]
    fn facts_match_methods(o in op()) {
        let e = event(&o);
        let f = Facts::of(&e);
        prop_assert_eq!(f.source, e.source());
        prop_assert_eq!(f.user, e.user());
        prop_assert_eq!(f.auth_failure, e.is_auth_failure());
        prop_assert_eq!(f.hostile, e.is_hostile());
        prop_assert_eq!(f.takes_source, e.takes_source());
        prop_assert_eq!(f.role == Role::Accepted, matches!(e, EventKind::SshAccepted { .. }));
        prop_assert_eq!(f.role == Role::MaxAuth, matches!(e, EventKind::SshMaxAuthAttempts { .. }));
        prop_assert_eq!(f.role == Role::TooMany, matches!(e, EventKind::SshTooManyFailures { .. }));
        prop_assert_eq!(
            f.role == Role::Closed,
            matches!(e, EventKind::SshClosed { .. } | EventKind::SshPreauthDisconnect { .. })
        );
        prop_assert_eq!(
            f.role == Role::PamSshd,
            matches!(&e, EventKind::PamAuthFailure { service, .. } if &**service == b"sshd")
        );
        prop_assert_eq!(
            matches!(f.role, Role::Port(_)),
            matches!(e, EventKind::Netfilter { dpt: Some(_), .. })
        );
    }
}

/// Every kind the generator makes, once each with every bit pattern: `Facts` agrees.
#[test]
fn facts_match_methods_all_kinds() {
    let mut kinds = std::collections::BTreeSet::new();
    for kind in 0..32u8 {
        for bits in 0..=255u8 {
            let e = event(&(kind, bits % 20, bits, bits, 0, 0, 22, 0));
            let f = Facts::of(&e);
            assert_eq!(f.source, e.source(), "{e:?}");
            assert_eq!(f.user, e.user(), "{e:?}");
            assert_eq!(f.auth_failure, e.is_auth_failure(), "{e:?}");
            assert_eq!(f.hostile, e.is_hostile(), "{e:?}");
            assert_eq!(f.takes_source, e.takes_source(), "{e:?}");
            kinds.insert(e.name());
        }
    }
    // Every kind of event.rs is generated.
    assert_eq!(kinds.len(), EventKind::NAMES.len(), "{kinds:?}");
}

/// More live sshd sessions than the table keeps (it is cleared at 4096), with hostless
/// failures held across the clear.
#[test]
fn pid_churn_same_as_reference() {
    let th = Thresholds::default();
    let mut ops = Vec::new();
    for i in 0..12_000u32 {
        let pid = (i * 7) as u8;
        // A hostless failure, then the line naming the source, on many pids.
        ops.push((
            10,
            (i % 200) as u8,
            (i % 26) as u8,
            1,
            pid,
            5,
            (i % 30) as u16,
            0,
        ));
        ops.push((0, (i % 200) as u8, (i % 26) as u8, 0, pid, 5, 1, 0));
    }
    let (new, old) = run(&ops, &th);
    same(&new, &old).unwrap();
    // The detector's own table with pids beyond 4096.
    let mut new = Detector::new(th.clone());
    let mut old = detect_reference::Detector::new(th);
    for i in 0..10_000u32 {
        let ev = EventKind::SshTooManyFailures {
            user: None,
            ip: None,
        };
        let named = EventKind::SshFailed {
            method: b(b"password"),
            user: b(b"root"),
            invalid_user: false,
            ip: b(&source((i % 251) as u8)),
            port: None,
        };
        let t = Some(LogTime(1_700_000_000_000_000 + i64::from(i) * 1_000_000));
        for (pid, e) in [(i, &ev), (i.wrapping_sub(3000), &named), (i, &named)] {
            new.observe_event(u64::from(i), t, Some(pid), true, e);
            old.observe_event(u64::from(i), t, Some(pid), true, e);
        }
    }
    same(&new.finish(), &old.finish()).unwrap();
}

/// The analysis of `data` with the reference detector shadowing the fast one: every
/// detector the analysis made finished with the same result as its shadow.
fn analyze_shadowed(data: &[u8], name: &str, opts: &crate::AnalyzeOptions) -> usize {
    SHADOW.with(|s| s.set(true));
    SHADOW_RESULTS.with(|v| v.borrow_mut().clear());
    let c = ferret_core::control::Control::default();
    let a = crate::analyze_reader(data, name.as_bytes(), opts, &c);
    SHADOW.with(|s| s.set(false));
    let pairs = SHADOW_RESULTS.with(|v| std::mem::take(&mut *v.borrow_mut()));
    assert_eq!(pairs.len(), 1, "{name}: one detector");
    for (new, old) in &pairs {
        if let Err(e) = same(new, old) {
            panic!("{name}: {e}");
        }
    }
    a.outcome.findings.len()
}

/// The real logs under `FERRET_TESTDATA` through the whole analysis (one and two threads,
/// default and low thresholds): the same result as the reference detector.
#[test]
fn real_logs_same_as_reference() {
    let Some(root) = std::env::var_os("FERRET_TESTDATA") else {
        crate::test_note(format_args!("skipped: FERRET_TESTDATA not set"));
        return;
    };
    let root = std::path::PathBuf::from(root);
    let mut files = Vec::new();
    for dir in ["fail2ban/logs", "fail2ban/logs/bsd", "fail2ban/testcases"] {
        let d = root.join(dir);
        assert!(d.is_dir(), "{} is missing", d.display());
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    let p = root.join("sshguard/tests.txt");
    assert!(p.is_file(), "{} is missing", p.display());
    files.push(p);
    let elastic = root.join("elastic-beats");
    assert!(elastic.is_dir(), "{} is missing", elastic.display());
    let mut stack = vec![elastic];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "log") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 20, "{} files", files.len());
    let low = Thresholds {
        failures: 2,
        window_secs: 3600 * 24 * 365 * 20,
        spray_users: 2,
        distributed_sources: 2,
        success_after_failures: 1,
        portscan_ports: 2,
        portscan_window_secs: 3600,
        fs_errors: 1,
        fs_window_secs: 60,
    };
    let mut all = Vec::new();
    let mut findings = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let name = f.display().to_string();
        for th in [Thresholds::default(), low.clone()] {
            for jobs in [1, 2] {
                let opts = crate::AnalyzeOptions::default()
                    .year(2024)
                    .jobs(jobs)
                    .thresholds(th.clone());
                findings += analyze_shadowed(&data, &name, &opts);
            }
        }
        all.extend_from_slice(&data);
        if !all.ends_with(b"\n") {
            all.push(b'\n');
        }
    }
    // Everything as one stream: sources and users meet across the files.
    for th in [Thresholds::default(), low] {
        let opts = crate::AnalyzeOptions::default().year(2024).thresholds(th);
        findings += analyze_shadowed(&all, "all", &opts);
    }
    assert!(findings > 50, "{findings} findings compared");
}

/// A log named by `FERRET_DETECT_EQUIV_LOG` (e.g. a head of the bench log) through the
/// analysis, shadowed; skipped without it.
#[test]
fn bench_log_same_as_reference() {
    let Some(p) = std::env::var_os("FERRET_DETECT_EQUIV_LOG") else {
        crate::test_note(format_args!("skipped: FERRET_DETECT_EQUIV_LOG not set"));
        return;
    };
    let data = std::fs::read(&p).unwrap();
    let opts = crate::AnalyzeOptions::default().year(2024).jobs(1);
    let n = analyze_shadowed(&data, "bench", &opts);
    assert!(n > 0);
}
