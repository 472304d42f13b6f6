//! The message parsers on the lines each daemon prints: sshd, PAM, sudo, su, shadow-utils,
//! logind, cron, kernel; addresses; repeat lines; user-name injection.

use std::borrow::Cow;

use ferret_logs::event::{addr, parse_message, parse_repeat, Cut, EventKind, MAX_REPEAT};

fn ev(prog: &str, m: &str) -> Option<EventKind<'static>> {
    parse_message(prog.as_bytes(), Some(1), m.as_bytes()).map(EventKind::into_owned)
}
fn src(prog: &str, m: &str) -> Option<String> {
    ev(prog, m).and_then(|e| e.source().map(|s| String::from_utf8_lossy(s).into_owned()))
}

#[test]
fn injection_is_anchored_on_the_real_structure() {
    // user name "x from 1.2.3.4 port 22"
    let e = ev(
        "sshd",
        "Failed password for invalid user x from 1.2.3.4 port 22 from 5.6.7.8 port 4444 ssh2",
    )
    .unwrap();
    assert_eq!(e.source(), Some(&b"5.6.7.8"[..]));
    assert_eq!(e.user(), Some(&b"x from 1.2.3.4 port 22"[..]));
    assert_eq!(
        src(
            "sshd",
            "Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2"
        )
        .as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(src("sshd", "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2").as_deref(), Some("127.0.0.1"));
    assert_eq!(
        src(
            "sshd",
            "Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4"
        )
        .as_deref(),
        Some("127.0.0.1")
    );
    assert_eq!(
        src(
            "sshd",
            "Accepted password for x from 9.9.9.9 port 1 ssh2 from 10.0.0.1 port 2 ssh2"
        )
        .as_deref(),
        Some("10.0.0.1")
    );
    assert_eq!(
        src("sshd", "Invalid user a from 6.6.6.6 from 7.7.7.7 port 3").as_deref(),
        Some("7.7.7.7")
    );
    assert_eq!(src("sshd", "Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 [preauth]").as_deref(), Some("192.0.2.11"));
    assert_eq!(
        src(
            "sshd",
            "error: PAM: Authentication failure for a from 1.1.1.1 from 2.2.2.2"
        )
        .as_deref(),
        Some("2.2.2.2")
    );
    assert_eq!(src("sshd", "User a from 1.1.1.1 not allowed because x from 2.2.2.2 not allowed because listed in DenyUsers").as_deref(), Some("2.2.2.2"));
}

#[test]
fn sshd_kinds() {
    let e = ev("sshd", "Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84").unwrap();
    match e {
        EventKind::SshAccepted {
            method,
            user,
            ip,
            port,
            key,
        } => {
            assert_eq!(
                (&*method, &*user, &*ip, port),
                (
                    &b"publickey"[..],
                    &b"vagrant"[..],
                    &b"10.0.2.2"[..],
                    Some(63673)
                )
            );
            assert_eq!(
                key.as_deref(),
                Some(&b"RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84"[..])
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ev(
            "sshd",
            "Did not receive identification string from 2.125.160.217"
        )
        .unwrap()
        .name(),
        "ssh-scan"
    );
    assert_eq!(
        src("sshd", "ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4").as_deref(),
        Some("1.2.3.4")
    );
    assert_eq!(
        src(
            "sshd",
            "Failed XYZ for XYZ from 2001:db8::a11:beef:7ac0%enp3s0 port 14423 ssh2"
        )
        .as_deref(),
        Some("2001:db8::a11:beef:7ac0")
    );
    assert_eq!(
        ev(
            "sshd",
            "Disconnecting: Too many authentication failures for root [preauth]"
        )
        .unwrap()
        .name(),
        "ssh-too-many-failures"
    );
    assert_eq!(src("sshd", "error: maximum authentication attempts exceeded for invalid user xxx from 192.0.2.7 port 49941 ssh2 [preauth]").as_deref(), Some("192.0.2.7"));
    assert_eq!(src("sshd", "Address 1.2.3.4 maps to x.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!").as_deref(), Some("1.2.3.4"));
    let p = ev("sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.112  user=root").unwrap();
    assert_eq!(p.source(), Some(&b"192.0.2.112"[..]));
    assert_eq!(p.user(), Some(&b"root"[..]));
    // duplicates sshd's own `Failed password` line: not a failure by itself
    assert!(!p.is_auth_failure());
}

#[test]
fn admin_tools() {
    let s = ev("sudo", "     tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls").unwrap();
    assert_eq!(
        s,
        EventKind::SudoNotInSudoers {
            user: Cow::Borrowed(b"tsg"),
            runas: Some(Cow::Borrowed(b"root")),
            command: Some(Cow::Borrowed(b"/bin/ls"))
        }
    );
    let s = ev(
        "sudo",
        "vagrant : TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/cat /var/log/secure",
    )
    .unwrap();
    assert_eq!(
        s,
        EventKind::Sudo {
            user: Cow::Borrowed(b"vagrant"),
            tty: Some(Cow::Borrowed(b"pts/1")),
            pwd: Some(Cow::Borrowed(b"/home/vagrant")),
            runas: Some(Cow::Borrowed(b"root")),
            command: Some(Cow::Borrowed(b"/bin/cat /var/log/secure"))
        }
    );
    let s = ev(
        "sudo",
        "alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
    )
    .unwrap();
    assert!(matches!(s, EventKind::SudoFailure { attempts: 3, .. }));
    let u = ev(
        "useradd",
        "new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin",
    )
    .unwrap();
    assert_eq!(
        u,
        EventKind::UserAdded {
            name: Cow::Borrowed(b"apache"),
            uid: Some(48),
            gid: Some(48),
            home: Some(Cow::Borrowed(b"/usr/share/httpd")),
            shell: Some(Cow::Borrowed(b"/sbin/nologin"))
        }
    );
    assert_eq!(
        ev("groupadd", "new group: name=apache, GID=48").unwrap(),
        EventKind::GroupAdded {
            name: Cow::Borrowed(b"apache"),
            gid: Some(48)
        }
    );
    assert_eq!(
        ev("usermod", "add 'bob' to group 'sudo'").unwrap(),
        EventKind::GroupMember {
            user: Cow::Borrowed(b"bob"),
            group: Cow::Borrowed(b"sudo"),
            added: true
        }
    );
    assert_eq!(
        ev("gpasswd", "user bob added by root to group wheel").unwrap(),
        EventKind::GroupMember {
            user: Cow::Borrowed(b"bob"),
            group: Cow::Borrowed(b"wheel"),
            added: true
        }
    );
    assert_eq!(
        ev("userdel", "delete user 'bob'").unwrap(),
        EventKind::UserDeleted {
            name: Cow::Borrowed(b"bob")
        }
    );
    assert_eq!(
        ev(
            "passwd",
            "pam_unix(passwd:chauthtok): password changed for bob"
        )
        .unwrap()
        .name(),
        "password-changed"
    );
    assert_eq!(
        ev(
            "chpasswd",
            "pam_unix(chpasswd:chauthtok): password changed for eve"
        )
        .unwrap()
        .user(),
        Some(&b"eve"[..])
    );
    assert_eq!(
        ev("su", "(to root) alice on pts/0").unwrap(),
        EventKind::Su {
            success: true,
            user: Some(Cow::Borrowed(b"alice")),
            target: Some(Cow::Borrowed(b"root"))
        }
    );
    assert_eq!(
        ev("su", "FAILED SU (to root) alice on pts/0").unwrap(),
        EventKind::Su {
            success: false,
            user: Some(Cow::Borrowed(b"alice")),
            target: Some(Cow::Borrowed(b"root"))
        }
    );
    assert_eq!(
        ev("systemd-logind", "New session 42 of user alice.").unwrap(),
        EventKind::LogindSession {
            new: true,
            session: Cow::Borrowed(b"42"),
            user: Some(Cow::Borrowed(b"alice"))
        }
    );
    assert_eq!(
        ev(
            "CRON",
            "(root) CMD (cd / && run-parts --report /etc/cron.hourly)"
        )
        .unwrap(),
        EventKind::CronCommand {
            user: Cow::Borrowed(b"root"),
            command: Cow::Borrowed(b"cd / && run-parts --report /etc/cron.hourly")
        }
    );
}

#[test]
fn kernel_lines() {
    let n = ev("kernel", "[12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC=aa:bb SRC=203.0.113.5 DST=10.0.0.2 LEN=44 TOS=0x00 PREC=0x00 TTL=49 ID=54321 PROTO=TCP SPT=41234 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0").unwrap();
    assert_eq!(
        n,
        EventKind::Netfilter {
            prefix: Cow::Borrowed(b"[UFW BLOCK]"),
            in_if: Some(Cow::Borrowed(b"eth0")),
            out_if: None,
            src: Cow::Borrowed(b"203.0.113.5"),
            dst: Some(Cow::Borrowed(b"10.0.0.2")),
            proto: Some(Cow::Borrowed(b"TCP")),
            spt: Some(41234),
            dpt: Some(23),
            flags: Cow::Borrowed(b"SYN")
        }
    );
    let n = ev("kernel", "nft-drop: IN=ens3 OUT= MAC= SRC=2001:db8::1 DST=2001:db8::2 LEN=80 PROTO=UDP SPT=5353 DPT=161 LEN=40").unwrap();
    assert_eq!(n.source(), Some(&b"2001:db8::1"[..]));
    assert_eq!(ev("kernel", "EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0").unwrap().name(), "fs-error");
    assert_eq!(
        ev(
            "kernel",
            "blk_update_request: I/O error, dev sdb, sector 2048 op 0x0:(READ)"
        )
        .unwrap()
        .name(),
        "fs-error"
    );
    assert_eq!(
        ev(
            "kernel",
            "nginx[1234]: segfault at 0 ip 00007f sp 00007ffd error 4 in libc.so.6"
        )
        .unwrap(),
        EventKind::Segfault {
            program: Cow::Borrowed(b"nginx"),
            pid: Some(1234)
        }
    );
    assert_eq!(ev("kernel", "diamorphine: module verification failed: signature and/or required key missing - tainting kernel").unwrap().name(), "module-taint");
}

#[test]
fn addresses() {
    assert_eq!(addr(b"::ffff:1.2.3.4"), Some(&b"1.2.3.4"[..]));
    assert_eq!(addr(b"fe80::1%lo"), Some(&b"fe80::1"[..]));
    assert_eq!(addr(b"example.com"), Some(&b"example.com"[..]));
    assert_eq!(addr(b"root"), None);
    assert_eq!(addr(b"a;b.c"), None);
}

#[test]
fn event_stays_small() {
    // Events are moved through the hot path by value; keep them within a few cache lines.
    assert!(std::mem::size_of::<EventKind<'_>>() <= 192);
}

#[test]
fn repeat_lines() {
    let r = parse_repeat(
        b"message repeated 3 times: [ Failed password for root from 203.0.113.7 port 52211 ssh2]",
        Cut::Whole,
    )
    .unwrap();
    assert_eq!((r.count, r.capped), (3, false));
    let m = r.message.unwrap();
    assert_eq!(
        m,
        b"Failed password for root from 203.0.113.7 port 52211 ssh2"
    );
    assert_eq!(
        parse_message(b"sshd", Some(1), m).unwrap().source(),
        Some(&b"203.0.113.7"[..])
    );
    // No space after the bracket.
    let r = parse_repeat(
        b"message repeated 2 times: [Invalid user a from 1.2.3.4]",
        Cut::Whole,
    )
    .unwrap();
    assert_eq!(r.message, Some(&b"Invalid user a from 1.2.3.4"[..]));
    // A missing closing bracket only on a truncated line.
    assert_eq!(
        parse_repeat(b"message repeated 2 times: [ Failed pass", Cut::Whole),
        None
    );
    let r = parse_repeat(b"message repeated 2 times: [ Failed pass", Cut::Truncated).unwrap();
    assert_eq!(r.message, Some(&b"Failed pass"[..]));
    // Hostile counts: capped, flagged, no overflow.
    for n in [
        "99999999999999999999",
        "4294967295",
        "18446744073709551616",
        "1000001",
    ] {
        let l = format!("message repeated {n} times: [ x]");
        let r = parse_repeat(l.as_bytes(), Cut::Whole).unwrap();
        assert_eq!((r.count, r.capped), (MAX_REPEAT, true), "{n}");
    }
    let r = parse_repeat(b"message repeated 1000000 times: [ x]", Cut::Whole).unwrap();
    assert_eq!((r.count, r.capped), (MAX_REPEAT, false));
    // Not repeat lines.
    for l in [
        &b"message repeated 0 times: [ x]"[..],
        b"message repeated -3 times: [ x]",
        b"message repeated 3 times [ x]",
        b"message repeated times: [ x]",
        b"message repeated 5 times",
        b"last message repeated",
        b"last message repeated 5 times and more",
        b"Failed password for root from 1.2.3.4 port 2 ssh2",
    ] {
        assert_eq!(
            parse_repeat(l, Cut::Whole),
            None,
            "{}",
            String::from_utf8_lossy(l)
        );
    }
    // sysklogd / syslog-ng / busybox.
    for (l, n) in [
        (&b"last message repeated 5 times"[..], 5),
        (b"--- last message repeated 7 times ---", 7),
        (b"last message repeated 1 time", 1),
    ] {
        let r = parse_repeat(l, Cut::Whole).unwrap();
        assert_eq!((r.count, r.message), (n, None));
    }
}

#[test]
fn injection_inside_repeat_brackets() {
    let r = parse_repeat(
        b"message repeated 2 times: [ Failed password for x from 1.2.3.4 port 22 from 5.6.7.8 port 1 ssh2]",
        Cut::Whole,
    )
    .unwrap();
    let e = parse_message(b"sshd", Some(1), r.message.unwrap()).unwrap();
    assert_eq!(e.source(), Some(&b"5.6.7.8"[..]));
    assert_eq!(e.user(), Some(&b"x from 1.2.3.4 port 22"[..]));
}
