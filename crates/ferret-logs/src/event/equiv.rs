//! Differential tests: the message parser against [`super::oracle`], the parser as it was
//! before the speed work. Every input must give the identical `Option<EventKind>`, for every
//! program name the dispatcher knows (and some it does not).
// The skip notice of the data-driven tests (the project's convention) goes to stderr.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::oracle;
use crate::envelope;
use crate::time::YearContext;

/// Every program the dispatcher matches, near misses, and the empty tag.
const PROGRAMS: &[&[u8]] = &[
    b"sshd",
    b"sshd-session",
    b"sshd-auth",
    b"dropbear",
    b"sudo",
    b"su",
    b"useradd",
    b"userdel",
    b"usermod",
    b"groupadd",
    b"groupdel",
    b"groupmod",
    b"gpasswd",
    b"passwd",
    b"chpasswd",
    b"adduser",
    b"newusers",
    b"chage",
    b"kernel",
    b"",
    b"systemd-logind",
    b"CRON",
    b"cron",
    b"crond",
    b"anacron",
    b"login",
    b"sshd2",
    b"ssh",
    b"Sshd",
    b"sud",
    b"kernel ",
    b"other",
];

/// One program per parser.
const SOME_PROGRAMS: &[&[u8]] = &[
    b"sshd",
    b"",
    b"sudo",
    b"su",
    b"useradd",
    b"kernel",
    b"systemd-logind",
    b"cron",
    b"other",
];

/// Parses `msg` as `program` with both parsers; panics with the input on any difference.
/// Returns whether an event was recognised.
fn same(program: &[u8], msg: &[u8]) -> bool {
    let new = super::parse_message(program, Some(1), msg);
    let old = oracle::parse_message(program, Some(1), msg);
    assert_eq!(
        new,
        old,
        "program {:?} message {:?}",
        ferret_core::escape::escape(program),
        ferret_core::escape::escape(msg)
    );
    new.is_some()
}

/// `msg` with every program name; the number of events recognised.
fn same_all(msg: &[u8]) -> usize {
    PROGRAMS.iter().filter(|p| same(p, msg)).count()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let t = std::fs::symlink_metadata(&p).unwrap().file_type();
        if t.is_dir() {
            files_under(&p, out);
        } else if t.is_file() {
            out.push(p);
        }
    }
}

/// Every line of `files`: the envelope's program and message, and the message (and the whole
/// line) under every program name. Returns (lines, events under the envelope's program).
fn check_files(files: &[PathBuf]) -> (usize, usize) {
    let years = YearContext::fixed_year(2024);
    let (mut lines, mut events) = (0, 0);
    for f in files {
        let data = std::fs::read(f).unwrap();
        for line in data.split(|c| *c == b'\n') {
            lines += 1;
            let env = envelope::parse(line, &years);
            events += usize::from(same(&env.program, &env.message));
            same_all(&env.message);
            same_all(line);
            // an annotated test line (`... # failJSON: {...}`) without its annotation
            if let Some(p) = memchr::memmem::rfind(line, b" # fail") {
                let env = envelope::parse(line.get(..p).unwrap(), &years);
                events += usize::from(same(&env.program, &env.message));
                same_all(&env.message);
            }
        }
    }
    (lines, events)
}

#[test]
fn same_events_on_every_testdata_line() {
    let Some(root) = std::env::var_os("FERRET_TESTDATA") else {
        crate::test_note(format_args!("skipped: FERRET_TESTDATA not set"));
        return;
    };
    let root = PathBuf::from(root);
    for need in ["fail2ban", "sshguard", "elastic-beats"] {
        assert!(root.join(need).is_dir(), "{need} is missing under {root:?}");
    }
    let mut files = Vec::new();
    files_under(&root, &mut files);
    let (lines, events) = check_files(&files);
    crate::test_note(format_args!(
        "{} files, {lines} lines, {events} events",
        files.len()
    ));
    // The data holds hundreds of sshd/pam/sudo lines (447 recognised when this was written):
    // most must be recognised, or the comparison says nothing.
    assert!(events > 400, "only {events} events in {lines} lines");
}

#[test]
fn same_events_on_the_fuzz_corpora() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut files = Vec::new();
    for d in ["logs_message", "logs_envelope", "logs_analyze"] {
        files_under(&corpus.join(d), &mut files);
    }
    assert!(files.len() > 20, "{} corpus files", files.len());
    let mut events = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap();
        events += same_all(&data);
    }
    let (_, env_events) = check_files(&files);
    assert!(events + env_events > 20, "{events} events");
}

/// A large real log (e.g. the 1 GiB bench log), line by line: set `FERRET_EQUIV_LOG`.
#[test]
fn same_events_on_a_big_log() {
    let Some(p) = std::env::var_os("FERRET_EQUIV_LOG") else {
        crate::test_note(format_args!("skipped: FERRET_EQUIV_LOG not set"));
        return;
    };
    let (lines, events) = check_files(&[PathBuf::from(p)]);
    crate::test_note(format_args!("{lines} lines, {events} events"));
    assert!(lines > 0);
}

// ---------------------------------------------------------------------------------------------
// synthesized messages

/// Every message form the parsers know. `{U}`/`{V}` user names, `{A}`/`{B}` addresses, `{P}`
/// ports, `{X}` free text.
const TEMPLATES: &[&str] = &[
    // sshd failures and logins
    "Failed password for {U} from {A} port {P} ssh2",
    "Failed password for invalid user {U} from {A} port {P} ssh2",
    "Failed password for illegal user {U} from {A} port {P} ssh2",
    "Failed none for invalid user {U} from {A} port {P} ssh2",
    "Failed password for {U} from {A} port {P} ssh1: ruser {V} from {B}",
    "Failed password for {U} from {A} port {P} ssh2 [preauth]",
    "Failed publickey for {U} from {A} port {P} ssh2: RSA SHA256:{X}",
    "Failed keyboard-interactive/pam for {U} from {A} port {P} ssh2",
    "Failed keyboard-interactive/pam for invalid user {U} from {A} port {P} ssh2",
    "Failed hostbased for {U} from {A} port {P} ssh2: RSA 8c:e3, client user \"{V}\", client host \"{B}\"",
    "Failed password for {U} from {A}",
    "Failed password for {U} from {A} via {B}",
    "Failed password for <invalid username> from {A} port {P} ssh2",
    "Failed {X} for {U} from {A} port {P} ssh2",
    "Failed password for invalid user {U} from {A} port {P} ssh2 from {B} port {P} ssh2",
    "Accepted password for {U} from {A} port {P} ssh2",
    "Accepted publickey for {U} from {A} port {P} ssh2: RSA SHA256:{X}",
    "Accepted publickey for {U} from {A} port {P} ssh2: ED25519 {X} [preauth]",
    "Accepted keyboard-interactive/pam for {U} from {A} port {P} ssh2",
    "Accepted {X} for {U} from {A} port {P}",
    "Address {A} maps to {B}, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!",
    "reverse mapping checking getaddrinfo for {B} [{A}] failed - POSSIBLE BREAK-IN ATTEMPT!",
    "Authentication failure for {U} from {A}",
    "Authentication error for illegal user {U} from {A} via {B}",
    "PAM: Authentication failure for {U} from {A}",
    "PAM: authentication error for illegal user {U} from {A}",
    "PAM: Authentication failed for {U} from {A} [preauth]",
    "PAM: User not known to the underlying authentication module for {U} from {A}",
    "PAM: unknown user for {U} from {A}",
    "PAM: {X}",
    "Invalid user {U} from {A} port {P}",
    "Invalid user {U} from {A}",
    "Invalid user {U} {A} port {P}",
    "Invalid user {U} from {A} port {P} [preauth]",
    "Illegal user {U} from {A}",
    "Invalid user {U}",
    "User {U} from {A} not allowed because {X}",
    "User {U} not allowed because account is locked",
    "User {U} from {A} not allowed because not listed in AllowUsers [preauth]",
    "User not known to the underlying authentication module for {U} from {A}",
    "Unable to negotiate with {A} port {P}: no matching key exchange method found. Their offer: {X}",
    "Unable to negotiate with {A}: no matching host key type found",
    "Unable to negotiate a key exchange method [preauth]",
    "ROOT LOGIN REFUSED FROM {A}",
    "ROOT LOGIN REFUSED FROM {A} port {P} [preauth]",
    "Received disconnect from {A} port {P}:11: Bye Bye [preauth]",
    "Received disconnect from {A}: 3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
    "Received disconnect from {A}: 3: com.jcraft.jsch.JSchException: Auth fail",
    "Received disconnect from {A} port {P}:14: No supported authentication methods available [preauth]",
    "Received disconnect from {A}: 11: Normal Shutdown, Thank you for playing",
    "Received disconnect from {A} port {P}:11: disconnected by user",
    "Received disconnect from {A}:{P}: {X}",
    "Read from socket failed: Connection reset by peer [preauth]",
    "maximum authentication attempts exceeded for {U} from {A} port {P} ssh2 [preauth]",
    "maximum authentication attempts exceeded for invalid user {U} from {A} port {P} ssh2 [preauth]",
    "Disconnecting: Too many authentication failures for {U} [preauth]",
    "Disconnecting: Too many authentication failures [preauth]",
    "Disconnecting: Too many authentication failures for invalid user {U}",
    "Did not receive identification string from {A}",
    "Did not receive identification string from {A} port {P}",
    "Disconnecting invalid user {U} {A} port {P}: Change of username or service not allowed: ({X}) [preauth]",
    "Disconnecting authenticating user {U} {A} port {P}: Too many authentication failures [preauth]",
    "Disconnecting {A} port {P}: {X}",
    "Disconnected from {A} port {P} [preauth]",
    "Disconnected from user {U} {A} port {P}",
    "Disconnected from invalid user {U} {A} port {P} [preauth]",
    "Disconnected from authenticating user {U} {A} port {P} [preauth]",
    "Disconnected from {A}",
    "Connection from {A} port {P} on {B} port 22",
    "Connection from {A} port {P} on {B} port 22 rdomain \"\"",
    "Connection from {A} port {P}",
    "Connection closed by {A} [preauth]",
    "Connection closed by {A} port {P} [preauth]",
    "Connection closed by {A} port {P}",
    "Connection closed by {A}",
    "Connection closed by authenticating user {U} {A} port {P} [preauth]",
    "Connection closed by invalid user {U} {A} port {P} [preauth]",
    "Connection closed by user {U} {A} port {P}",
    "Connection reset by {A} port {P} [preauth]",
    "Connection reset by authenticating user {U} {A} port {P} [preauth]",
    "Bad protocol version identification '{X}' from {A} port {P}",
    "Bad protocol version identification '{X}' from {A}",
    "banner exchange: Connection from {A} port {P}: invalid format",
    "banner exchange: Connection from {A}: {X}",
    "drop connection #0 from [{A}]:{P} on [{B}]:22 penalty: exceeded LoginGraceTime",
    "drop connection #{P} from [{A}]:{P} on [{B}]:22 {X}",
    "kex_exchange_identification: Connection closed by remote host",
    "kex_exchange_identification: banner line too long",
    "kex_exchange_identification: read: Connection reset by peer",
    "ssh_dispatch_run_fatal: Connection from {A} port {P}: message authentication code incorrect [preauth]",
    "ssh_dispatch_run_fatal: Connection from authenticating user {U} {A} port {P}: {X}",
    "Timeout before authentication for {A} port {P}",
    "Timeout before authentication for connection from {A} to {B}, pid = {P}",
    "refused connect from {B} ({A})",
    "no matching cipher found: client {X} server {X}",
    "input_userauth_request: invalid user {U} [preauth]",
    "error: kex_exchange_identification: {X}",
    "fatal: Read from socket failed: Connection reset by peer [preauth]",
    "fatal: Unable to negotiate with {A} port {P}: no matching cipher found",
    "error: maximum authentication attempts exceeded for {U} from {A} port {P} ssh2 [preauth]",
    "error: Received disconnect from {A} port {P}:3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
    "error: PAM: Authentication failure for {U} from {A}",
    "warning: error: fatal: Failed password for {U} from {A} port {P} ssh2",
    "[ID 800047 auth.info] Failed keyboard-interactive for {U} from {A} port {P} ssh2",
    "[ID 800047 auth.notice] Invalid user {U} from {A}",
    "kernel: [  970.699396] Failed password for {U} from {A} port {P} ssh2",
    "kernel:[1.2]: Invalid user {U} from {A}",
    // dropbear
    "Exit before auth from <{A}:{P}>: Exited normally",
    "Exit before auth from <::ffff:{A}:{P}>: Exited normally",
    "Exit before auth from {A}:{P}: {X}",
    "Bad password attempt for '{U}' from {A}:{P}",
    "Bad PAM password attempt for '{U}' from <{A}:{P}>",
    "Bad password attempt for '{U}' from [{A}]:{P}",
    "Login attempt for nonexistent user from {A}:{P}",
    "Login attempt for nonexistent user ('{U}') from {A}:{P}",
    // PAM
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={A}  user={U}",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={A}",
    "pam_unix(su:auth): authentication failure; logname={V} uid=1000 euid=0 tty=pts/0 ruser={V} rhost=  user={U}",
    "pam_unix(su-l:auth): authentication failure; logname={V} uid=1000 euid=0 tty=/dev/pts/0 ruser={V} rhost= user={U}",
    "pam_sss(login:auth): authentication failure; logname= uid=0 euid=0 tty=tty1 ruser= rhost={A} user={U}",
    "pam_unix(sshd:session): session opened for user {U} by (uid=0)",
    "pam_unix(sshd:session): session opened for user {U}(uid=1000) by {V}(uid=0)",
    "pam_unix(sudo:session): session closed for user {U}",
    "pam_unix(passwd:chauthtok): password changed for {U}",
    "pam_unix(cron:session): session opened for user {U} by (uid=0)",
    "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost={A}  user={U}",
    "PAM service(sshd) ignoring max retries; 6 > 3",
    "pam_{X}({X}:{X}): {X}",
    // sudo
    "{U} : TTY=pts/0 ; PWD=/home/{V} ; USER=root ; COMMAND=/bin/ls {X}",
    "   {U} : TTY=pts/1 ; PWD=/ ; USER={V} ; COMMAND=/usr/bin/id ; x",
    "{U} : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/{U} ; USER=root ; COMMAND=/bin/su",
    "{U} : 1 incorrect password attempt ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND={X}",
    "{U} : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/{U} ; USER=root ; COMMAND=/bin/ls",
    "{U} : user NOT authorized on host ; TTY=pts/1 ; PWD=/ ; USER={V} ; COMMAND={X}",
    "{U} : command not allowed ; TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND={X}",
    "{U} : PWD=/ ; USER=root ; COMMAND={X}",
    "{U} : {X}",
    // su
    "(to {V}) {U} on pts/0",
    "FAILED SU (to {V}) {U} on pts/0",
    "Successful su for {V} by {U}",
    "FAILED su for {V} by {U}",
    "+ pts/0 {U}:{V}",
    // shadow-utils
    "new user: name={U}, UID=1001, GID=1001, home=/home/{U}, shell=/bin/bash, from=/dev/pts/0",
    "new user: name={U}, UID={P}, GID={P}, home={X}, shell={X}",
    "new group: name={U}, GID=1001",
    "group added to /etc/group: name={U}, GID={P}",
    "group added to /etc/gshadow: name={U}",
    "add '{U}' to group '{V}'",
    "add '{U}' to shadow group '{V}'",
    "delete user '{U}'",
    "delete '{U}' from group '{V}'",
    "delete '{U}' from shadow group '{V}'",
    "user {U} added by root to group {V}",
    "user {U} removed by root from group {V}",
    "change user '{U}' password",
    "change user '{U}' shell from '/bin/sh' to '{X}'",
    "lock user '{U}' password",
    "unlock user '{U}' password",
    "password changed for {U}",
    "password for '{U}' changed by 'root'",
    "members of group {V} set by root to {U}",
    // logind, cron
    "New session {P} of user {U}.",
    "Removed session {P}.",
    "Session {P} logged out. Waiting for processes to exit.",
    "({U}) CMD ({X})",
    "({U}) CMD (   cd / && run-parts --report /etc/cron.hourly)",
    // kernel
    "[12345.678901] [UFW BLOCK] IN=eth0 OUT= MAC={X} SRC={A} DST={B} LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=1 DF PROTO=TCP SPT={P} DPT={P} WINDOW=1024 RES=0x00 SYN URGP=0",
    "[T123] {X}IN=eth0 OUT=eth1 SRC={A} DST={B} PROTO=UDP SPT={P} DPT={P} LEN=8",
    "[  12.5] [C1] nft drop: IN=ens3 OUT= SRC={A} DST={B} LEN=40 PROTO=TCP SPT={P} DPT={P} RES=0x00 ACK FIN URGP=0",
    "IN=eth0 OUT= SRC={A} DST={B} PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1",
    "{X}[{P}]: segfault at 0 ip 00007f sp 00007ffd error 4 in libc.so.6[7f+1000]",
    "{X}: module verification failed: signature and/or required key missing - tainting kernel",
    "{X}: loading out-of-tree module taints kernel.",
    "{X}: module license '{X}' taints kernel.",
    "EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: {X}",
    "EXT4-fs (sda1): {X} error",
    "XFS (sdb1): Corruption detected. Unmount and run xfs_repair",
    "XFS (sdb1): Mounting V5 Filesystem",
    "BTRFS error (device dm-0): bdev /dev/dm-0 errs: wr 1",
    "BTRFS critical (device {X}): corrupt leaf",
    "blk_update_request: I/O error, dev sda, sector {P} op 0x0:(READ)",
    "Buffer I/O error on dev sda1, logical block 0, async page read",
    "print_req_error: I/O error, dev {X}, sector {P}",
];

/// Hostile and ordinary user names.
const USERS: &[&[u8]] = &[
    b"root",
    b"admin",
    b"",
    b" ",
    b"x from 1.2.3.4 port 22",
    b"x from 1.2.3.4 port 22 ssh2",
    b"a from 1.1.1.1",
    b"a from ::1 port 1 ssh2: RSA",
    b"[preauth]",
    b"x [preauth]",
    b"x ssh2",
    b"u: v",
    b"invalid user y",
    b"illegal user",
    b"invalid user",
    b"<invalid username>",
    b"\xff\xfe",
    b"\xc3\xa9t\xc3\xa9",
    b"a port 1",
    b"root' from 1.2.3.4",
    b"a by b",
    b"x ; COMMAND=/bin/sh",
    b"x ; USER=root ; TTY=evil",
    b"name=evil, UID=0",
    b"a, b",
    b") CMD (",
    b" SRC=1.1.1.1 IN=",
    b"x not allowed because y",
    b"authenticating user z",
    b"user 1.2.3.4 port 5",
    b"1.2.3.4",
    b"1.2.3.4 port 22",
    b"a via b",
    b" on ",
    b"x' ",
    b"'",
    b"(uid=0)",
    b"rhost=6.6.6.6",
    b" for ",
    b"a\tb",
    b"a\r",
    b"user NOT in sudoers",
    b" : ",
    b"test",
];

/// Addresses, near-addresses and garbage.
const ADDRS: &[&[u8]] = &[
    b"1.2.3.4",
    b"203.0.113.255",
    b"10.0.0.1",
    b"::1",
    b"2001:db8::1",
    b"2001:db8::a11:beef:7ac0%enp3s0",
    b"fe80::1%eth0",
    b"fe80::1%",
    b"::ffff:1.2.3.4",
    b"::FFFF:10.0.0.1",
    b"::ffff:.1",
    b"::ffff:1",
    b"::ffff:1.2.3.x",
    b"aaaa:bbbb:cccc:1234::1:1",
    b"host.example.com",
    b"my-host_1.example",
    b"-bad.host",
    b".1.2",
    b"1.2.3.4.5",
    b"999.1.1.1",
    b"",
    b"a",
    b"1",
    b"1:2",
    b":",
    b".",
    b"1.2.3.4:",
    b"1.2.3.4,",
    b"[1.2.3.4]",
    b"<1.2.3.4:22>",
    b"1.2.3.4:22",
    b"UNKNOWN",
    b"1.2.3.4 port 9",
    b"1.2.3.4 from 5.6.7.8",
    b"\xff.\xfe",
    b"1.2.3.4\t",
    b"0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.01",
    b"0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.0123456789.012",
];

const PORTS: &[&[u8]] = &[
    b"22",
    b"0",
    b"65535",
    b"65536",
    b"99999",
    b"123456",
    b"",
    b"-1",
    b"1a",
    b"00022",
    b"5 ",
    b"22 ssh2",
    b"1 port 2",
];

const TEXTS: &[&[u8]] = &[
    b"",
    b"x",
    b"Bye Bye",
    b"/bin/ls -la",
    b"a ; b",
    b"[preauth]",
    b"from 1.2.3.4 port 22",
    b" from 9.9.9.9 port 99 ssh2",
    b"Auth fail",
    b"3: Auth fail",
    b") CMD (x",
    b"error",
    b"corrupt",
    b"SRC=1.2.3.4",
    b" RES=0x00 SYN ACK URGP=0",
    b"\xff\x00\x01",
    b"dev sda, x",
];

/// Bytes that matter to the parsers, for random text and insertions.
const ALPHABET: &[u8] = b"aAzZ09.:%-_/@ \t[]()<>'\"=;,!#\xff\x00\r";

fn pick(set: &'static [&'static [u8]]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::sample::select(set).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(prop::sample::select(ALPHABET), 0..24),
        1 => prop::collection::vec(any::<u8>(), 0..8),
    ]
}

/// Fills a template's placeholders.
fn render(t: &str, u: &[u8], v: &[u8], a: &[u8], b: &[u8], p: &[u8], x: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = t.as_bytes();
    while let Some(o) = rest.iter().position(|c| *c == b'{') {
        out.extend_from_slice(&rest[..o]);
        let k = rest.get(o + 1..o + 3);
        let val: Option<&[u8]> = match k {
            Some(b"U}") => Some(u),
            Some(b"V}") => Some(v),
            Some(b"A}") => Some(a),
            Some(b"B}") => Some(b),
            Some(b"P}") => Some(p),
            Some(b"X}") => Some(x),
            _ => None,
        };
        match val {
            Some(val) => {
                out.extend_from_slice(val);
                rest = &rest[o + 3..];
            }
            None => {
                out.push(b'{');
                rest = &rest[o + 1..];
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

#[derive(Debug, Clone)]
enum Edit {
    /// Cut at this fraction of the length (per mille).
    Truncate(u16),
    /// Insert bytes at this fraction.
    Insert(u16, Vec<u8>),
    /// Remove `n` bytes at this fraction.
    Remove(u16, u8),
    /// Append trailing spaces / markers.
    Append(Vec<u8>),
}

/// Endings appended to a message.
const SUFFIXES: &[&[u8]] = &[
    b" ",
    b"  ",
    b"\t",
    b"\r",
    b" [preauth]",
    b" [preauth] ",
    b"[preauth]",
    b" [net]",
    b" [preauth] [net]",
    b" ssh2",
    b" port 1",
    b" from 1.2.3.4",
    b":",
    b")",
    b"]",
    b".",
    b",",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0u16..=1000).prop_map(Edit::Truncate),
        (
            0u16..=1000,
            prop_oneof![
                prop::collection::vec(prop::sample::select(ALPHABET), 1..4),
                prop::collection::vec(any::<u8>(), 1..4),
                prop::sample::select(TOKENS).prop_map(<[u8]>::to_vec),
            ]
        )
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (0u16..=1000, 1u8..6).prop_map(|(at, n)| Edit::Remove(at, n)),
        prop::sample::select(SUFFIXES).prop_map(|b| Edit::Append(b.to_vec())),
    ]
}

fn apply(m: &mut Vec<u8>, e: &Edit) {
    let at = |f: u16, len: usize| len * usize::from(f) / 1000;
    match e {
        Edit::Truncate(f) => m.truncate(at(*f, m.len())),
        Edit::Insert(f, b) => {
            let i = at(*f, m.len());
            m.splice(i..i, b.iter().copied());
        }
        Edit::Remove(f, n) => {
            let i = at(*f, m.len());
            let j = (i + usize::from(*n)).min(m.len());
            m.drain(i..j);
        }
        Edit::Append(b) => m.extend_from_slice(b),
    }
}

/// Pieces of the structures the parsers anchor on, for token soup.
const TOKENS: &[&[u8]] = &[
    b"Failed ",
    b"Accepted ",
    b"password",
    b"publickey",
    b"hostbased",
    b" for ",
    b"invalid user ",
    b"illegal user ",
    b" from ",
    b"from ",
    b" port ",
    b"port ",
    b" ssh2",
    b" ssh1",
    b" ssh",
    b": ",
    b":",
    b" via ",
    b" [preauth]",
    b"[net]",
    b"Invalid user ",
    b"Connection closed by ",
    b"Connection reset by ",
    b"Disconnected from ",
    b"Disconnecting ",
    b"authenticating user ",
    b"user ",
    b"Received disconnect from ",
    b"Change of username",
    b"Too many authentication failures",
    b"Auth fail",
    b"User ",
    b" not allowed because ",
    b"PAM: ",
    b"pam_unix(",
    b"sshd:auth): ",
    b"authentication failure",
    b" rhost=",
    b" user=",
    b" ruser=",
    b"error: ",
    b"fatal: ",
    b"[ID 1 a] ",
    b"kernel: [1.0] ",
    b" : ",
    b" ; ",
    b"COMMAND=",
    b"TTY=",
    b"USER=",
    b"(to ",
    b") ",
    b" on ",
    b"'",
    b"1.2.3.4",
    b"::ffff:5.6.7.8",
    b"2001:db8::1",
    b"h.example",
    b"%eth0",
    b"22",
    b"65536",
    b"3",
    b"14",
    b" ",
    b"x",
    b"\xff",
    b"IN=",
    b" SRC=",
    b" RES=",
    b" SYN",
];

fn cases() -> u32 {
    std::env::var("FERRET_EQUIV_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Every template with hostile substitutions and edits: same result under every program.
    #[test]
    fn same_events_on_hostile_templates(
        t in prop::sample::select(TEMPLATES),
        u in pick(USERS),
        v in pick(USERS),
        a in pick(ADDRS),
        b in pick(ADDRS),
        p in pick(PORTS),
        x in pick(TEXTS),
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        let mut m = render(t, &u, &v, &a, &b, &p, &x);
        same_all(&m);
        for e in &edits {
            apply(&mut m, e);
            same_all(&m);
        }
    }

    /// `addr` alone, on tokens of address bytes and near misses (the IPv4 word path, zone ids,
    /// mapped addresses, foreign bytes), every length around the 8- and 16-byte words.
    #[test]
    fn same_addr(tok in prop::collection::vec(prop::sample::select(&b"0123456789..::%-_afFx \xff"[..]), 0..40)) {
        prop_assert_eq!(super::addr(&tok), oracle::addr(&tok));
        let mut mapped = b"::ffff:".to_vec();
        mapped.extend_from_slice(&tok);
        prop_assert_eq!(super::addr(&mapped), oracle::addr(&mapped));
    }

    /// `addr` on digits and dots only (IPv4 and its near misses), with one byte changed.
    #[test]
    fn same_addr_v4(
        tok in prop::collection::vec(prop::sample::select(&b"0123456789."[..]), 0..20),
        at in any::<prop::sample::Index>(),
        b in any::<u8>(),
    ) {
        prop_assert_eq!(super::addr(&tok), oracle::addr(&tok));
        let mut t = tok.clone();
        if !t.is_empty() {
            let i = at.index(t.len());
            t[i] = b;
        }
        prop_assert_eq!(super::addr(&t), oracle::addr(&t));
    }

    /// The word-at-a-time port reader against the digit loop.
    #[test]
    fn same_port_digits(
        m in prop::collection::vec(prop::sample::select(&b"0123456789 x\xff/:"[..]), 0..20),
        from in any::<prop::sample::Index>(),
    ) {
        let from = from.index(m.len() + 1);
        prop_assert_eq!(crate::bytes::num16_end(&m, from), crate::bytes::num16(&m[from..]));
    }

    /// The word-at-a-time leading-digits reader against the digit loop.
    #[test]
    fn same_lead_digits(
        p in prop::collection::vec(prop::sample::select(&b"0123456789 x\xff/:9"[..]), 0..20),
    ) {
        let de = p.iter().position(|c| !c.is_ascii_digit()).unwrap_or(p.len());
        prop_assert_eq!(crate::bytes::lead_num16(&p), (de, crate::bytes::num16(&p[..de])));
    }

    /// Messages glued from the tokens the parsers look for.
    #[test]
    fn same_events_on_token_soup(
        toks in prop::collection::vec(prop::sample::select(TOKENS), 0..16),
    ) {
        let m: Vec<u8> = toks.concat();
        same_all(&m);
    }
}

/// Every 1-6 digit token (and near misses) at the end of lines of every length.
#[test]
fn same_port_digits_exhaustive() {
    let mut checked = 0;
    for v in (0..=99_999u32)
        .step_by(7)
        .chain([65_535, 65_536, 99_999, 0])
    {
        for tok in [
            v.to_string(),
            format!("{v:05}"),
            format!("{v}0"),
            format!("{v}x"),
        ] {
            for pre in ["", "1", " port ", "from 1.2.3.4 port "] {
                let m = format!("{pre}{tok}");
                let from = pre.len();
                for tail in ["", ":3: x", " ssh2", "]"] {
                    let p = format!("{tok}{tail}");
                    let de = p
                        .bytes()
                        .position(|c| !c.is_ascii_digit())
                        .unwrap_or(p.len());
                    assert_eq!(
                        crate::bytes::lead_num16(p.as_bytes()),
                        (de, crate::bytes::num16(&p.as_bytes()[..de])),
                        "{p:?}"
                    );
                }
                assert_eq!(
                    crate::bytes::num16_end(m.as_bytes(), from),
                    crate::bytes::num16(&m.as_bytes()[from..]),
                    "{m:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000);
}

/// Every template, fully rendered with each address and user (no randomness): the common
/// forms must also be recognised, or the comparison is vacuous.
#[test]
fn same_events_on_every_template() {
    let mut events = 0;
    for t in TEMPLATES {
        for (i, a) in ADDRS.iter().enumerate() {
            let u = USERS[i % USERS.len()];
            let m = render(t, u, b"bob", a, b"5.6.7.8", b"2222", b"/bin/true");
            events += same_all(&m);
            // every prefix (truncation at any byte), under the programs with distinct parsers
            if i % 8 == 0 {
                for k in 0..m.len() {
                    for p in SOME_PROGRAMS {
                        same(p, &m[..k]);
                    }
                }
            }
        }
    }
    assert!(events > TEMPLATES.len() * 4, "{events} events");
}
