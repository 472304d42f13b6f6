//! Generated hostile messages for the golden of the message parsers: every message form the
//! parsers know, with hostile substitutions (user names that look like addresses, ports and
//! markers; near-addresses; bad ports), truncated at every byte, edited, and glued from the
//! tokens the parsers anchor on. Deterministic (a fixed-seed generator), so the golden can
//! hold digests of what the parsers make of them.

/// Every message form the parsers know. `{U}`/`{V}` user names, `{A}`/`{B}` addresses, `{P}`
/// ports, `{X}` free text.
pub const TEMPLATES: &[&str] = &[
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
pub const USERS: &[&[u8]] = &[
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
pub const ADDRS: &[&[u8]] = &[
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

pub const PORTS: &[&[u8]] = &[
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

pub const TEXTS: &[&[u8]] = &[
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
pub const ALPHABET: &[u8] = b"aAzZ09.:%-_/@ \t[]()<>'\"=;,!#\xff\x00\r";

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
        if let Some(val) = val {
            out.extend_from_slice(val);
            rest = &rest[o + 3..];
        } else {
            out.push(b'{');
            rest = &rest[o + 1..];
        }
    }
    out.extend_from_slice(rest);
    out
}

/// Endings appended to a message.
pub const SUFFIXES: &[&[u8]] = &[
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

/// Pieces of the structures the parsers anchor on, for token soup.
pub const TOKENS: &[&[u8]] = &[
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

/// xorshift64*: a fixed sequence, so the messages (and the golden's digests) never change.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() >> 33) as usize % n.max(1)
    }
    /// Mostly an entry of `set`, else random parser-relevant bytes, else any bytes.
    fn pick(&mut self, set: &[&[u8]]) -> Vec<u8> {
        match self.below(8) {
            0 => (0..self.below(24))
                .map(|_| ALPHABET[self.below(ALPHABET.len())])
                .collect(),
            1 => (0..self.below(8)).map(|_| self.next() as u8).collect(),
            _ => set[self.below(set.len())].to_vec(),
        }
    }
    /// A truncation, an insertion, a removal or an appended ending.
    fn edit(&mut self, m: &mut Vec<u8>) {
        let at = self.below(m.len() + 1);
        match self.below(4) {
            0 => m.truncate(at),
            1 => {
                let ins: Vec<u8> = match self.below(3) {
                    0 => (0..=self.below(3))
                        .map(|_| ALPHABET[self.below(ALPHABET.len())])
                        .collect(),
                    1 => (0..=self.below(3)).map(|_| self.next() as u8).collect(),
                    _ => TOKENS[self.below(TOKENS.len())].to_vec(),
                };
                m.splice(at..at, ins);
            }
            2 => {
                let j = (at + 1 + self.below(5)).min(m.len());
                m.drain(at..j);
            }
            _ => m.extend_from_slice(SUFFIXES[self.below(SUFFIXES.len())]),
        }
    }
}

/// The messages, in named groups: per template, every address with a user (and every prefix
/// of one rendering), then hostile renderings with edits; then token soup.
pub fn generated() -> Vec<(String, Vec<Vec<u8>>)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    for t in TEMPLATES {
        let mut ms = Vec::new();
        for (i, a) in ADDRS.iter().enumerate() {
            let u = USERS[i % USERS.len()];
            let m = render(t, u, b"bob", a, b"5.6.7.8", b"2222", b"/bin/true");
            if i == 0 {
                for k in 0..m.len() {
                    ms.push(m[..k].to_vec());
                }
            }
            ms.push(m);
        }
        for _ in 0..40 {
            let (u, v) = (rng.pick(USERS), rng.pick(USERS));
            let (a, b) = (rng.pick(ADDRS), rng.pick(ADDRS));
            let (p, x) = (rng.pick(PORTS), rng.pick(TEXTS));
            let mut m = render(t, &u, &v, &a, &b, &p, &x);
            ms.push(m.clone());
            for _ in 0..rng.below(3) {
                rng.edit(&mut m);
                ms.push(m.clone());
            }
        }
        out.push(((*t).to_string(), ms));
    }
    for g in 0..8 {
        let ms = (0..250)
            .map(|_| {
                (0..rng.below(16))
                    .flat_map(|_| TOKENS[rng.below(TOKENS.len())].to_vec())
                    .collect()
            })
            .collect();
        out.push((format!("token soup {g}"), ms));
    }
    out
}
