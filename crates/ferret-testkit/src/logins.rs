//! Login record files made by the real tool: records as `utmpdump` text, turned into binary
//! `wtmp`/`btmp`/`utmp` files by util-linux `utmpdump -r` (so the bytes are what glibc's
//! `struct utmp` is on this machine, not what ferret thinks it is), and a generator of long,
//! realistic `wtmp` histories.
// Dates and generators read as the formulas they are.
#![allow(clippy::many_single_char_names)]

use std::io::Write as _;
use std::process::{Command, Stdio};

/// One record, as `utmpdump` prints and `utmpdump -r` reads it. Text fields must not contain
/// spaces, `[`, `]` or newlines (`utmpdump -r` cuts at them); any other byte is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    /// `ut_type`.
    pub ty: i16,
    /// `ut_pid` (0 to 99999: `utmpdump -r` reads the pid field at a fixed width).
    pub pid: u32,
    /// `ut_id`, exactly 4 bytes as written (`utmpdump -r` copies 4 characters).
    pub id: [u8; 4],
    /// `ut_user`.
    pub user: Vec<u8>,
    /// `ut_line`.
    pub line: Vec<u8>,
    /// `ut_host`.
    pub host: Vec<u8>,
    /// The address as text (`0.0.0.0`, `2001:db8::1`); IPv4 when it holds a dot.
    pub addr: String,
    /// `tv_sec` (UTC).
    pub sec: i64,
    /// `tv_usec`.
    pub usec: u32,
}

impl Rec {
    /// A record of type `ty` at `sec` with everything else empty.
    pub fn new(ty: i16, sec: i64) -> Self {
        Rec {
            ty,
            pid: 0,
            id: *b"    ",
            user: Vec::new(),
            line: Vec::new(),
            host: Vec::new(),
            addr: "0.0.0.0".to_string(),
            sec,
            usec: 0,
        }
    }

    /// A login (`USER_PROCESS`) of `user` on `line` from `host` (an address or a name).
    pub fn login(user: &[u8], line: &str, host: &str, pid: u32, sec: i64) -> Self {
        let addr = if host.parse::<std::net::IpAddr>().is_ok() {
            host.to_string()
        } else {
            "0.0.0.0".to_string()
        };
        Rec {
            pid,
            id: id_of(line),
            user: user.to_vec(),
            line: line.as_bytes().to_vec(),
            host: host.as_bytes().to_vec(),
            addr,
            ..Rec::new(7, sec)
        }
    }

    /// A logout (`DEAD_PROCESS`) on `line`.
    pub fn logout(line: &str, pid: u32, sec: i64) -> Self {
        Rec {
            pid,
            id: id_of(line),
            line: line.as_bytes().to_vec(),
            ..Rec::new(8, sec)
        }
    }

    /// A boot record (`BOOT_TIME`, user `reboot`, line `~`, host the kernel).
    pub fn boot(sec: i64) -> Self {
        Rec {
            id: *b"~~  ",
            user: b"reboot".to_vec(),
            line: b"~".to_vec(),
            host: b"6.1.0-18-amd64".to_vec(),
            ..Rec::new(2, sec)
        }
    }

    /// A shutdown record (`RUN_LVL`, user `shutdown`, line `~`).
    pub fn shutdown(sec: i64) -> Self {
        Rec {
            id: *b"~~  ",
            user: b"shutdown".to_vec(),
            line: b"~".to_vec(),
            host: b"6.1.0-18-amd64".to_vec(),
            ..Rec::new(1, sec)
        }
    }

    /// A run-level change to `level` (`RUN_LVL`, user `runlevel`, pid `prev * 256 + level`).
    pub fn runlevel(level: u8, prev: u8, sec: i64) -> Self {
        Rec {
            pid: u32::from(prev) * 256 + u32::from(level),
            id: *b"~~  ",
            user: b"runlevel".to_vec(),
            line: b"~".to_vec(),
            host: b"6.1.0-18-amd64".to_vec(),
            ..Rec::new(1, sec)
        }
    }

    /// The `utmpdump` line of the record (with the newline).
    pub fn text(&self) -> Vec<u8> {
        let (y, mo, d, h, mi, s) = civil(self.sec);
        let mut o = Vec::new();
        let _ = write!(o, "[{}] [{:05}] [", self.ty, self.pid);
        o.extend_from_slice(&self.id);
        o.extend_from_slice(b"] [");
        pad(&mut o, &self.user, 8);
        o.extend_from_slice(b"] [");
        pad(&mut o, &self.line, 12);
        o.extend_from_slice(b"] [");
        pad(&mut o, &self.host, 20);
        let _ = writeln!(
            o,
            "] [{:<15}] [{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02},{:06}+00:00]",
            self.addr, self.usec
        );
        o
    }
}

fn pad(o: &mut Vec<u8>, b: &[u8], w: usize) {
    o.extend_from_slice(b);
    o.resize(o.len() + w.saturating_sub(b.len()), b' ');
}

/// `ut_id` the way login programs derive it: the last 4 bytes of the terminal (`pts/3` gives
/// `ts/3`).
fn id_of(line: &str) -> [u8; 4] {
    let b = line.as_bytes();
    let tail = &b[b.len().saturating_sub(4)..];
    let mut id = *b"    ";
    id[..tail.len()].copy_from_slice(tail);
    id
}

/// The civil UTC date of `sec`.
fn civil(sec: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = sec.div_euclid(86_400);
    let rem = sec.rem_euclid(86_400);
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// The `utmpdump` text of records.
pub fn text(recs: &[Rec]) -> Vec<u8> {
    recs.iter().flat_map(Rec::text).collect()
}

/// The binary file `utmpdump -r` makes of `text` (panics when `utmpdump` is missing: it is in
/// Debian's util-linux, which `.ci/packages.txt` installs).
pub fn utmpdump_reverse(text: &[u8]) -> Vec<u8> {
    let mut child = Command::new("utmpdump")
        .arg("-r")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("utmpdump (util-linux)");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = text.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("utmpdump -r");
    writer.join().expect("writer").expect("write to utmpdump");
    assert!(out.status.success(), "utmpdump -r failed");
    out.stdout
}

/// The binary file of `recs`, made by `utmpdump -r`.
pub fn binary(recs: &[Rec]) -> Vec<u8> {
    utmpdump_reverse(&text(recs))
}

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded.
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Users of generated histories: ASCII, long, non-UTF-8, and one with a control character.
pub const USERS: [&[u8]; 8] = [
    b"root",
    b"alice",
    b"bob",
    b"deploy",
    b"a-very-long-user-name-of-32-byte",
    b"j\xe9r\xf4me",
    b"\xff\xfeuser",
    b"ctl\x01x",
];

/// Remote hosts: IPv4, IPv6 (several shapes), names, and an empty host (a console login).
pub const HOSTS: [&str; 8] = [
    "203.0.113.9",
    "198.51.100.23",
    "2001:db8::1",
    "2001:db8:0:1:0:0:0:7",
    "fe80::1",
    "host.example.org",
    "",
    "192.0.2.200",
];

/// A realistic `wtmp` history of about `n` records from `start` on: boots, logins and
/// logouts on overlapping terminals, sessions ended by a crash (a boot without a shutdown) or
/// a shutdown, run-level changes, clock changes, getty records, sessions still open at the end,
/// `ftp`/`uucp` lines, and a record of an unknown type.
pub fn history(n: usize, seed: u64, start: i64) -> Vec<Rec> {
    let mut r = Rng::new(seed);
    let mut t = start;
    let mut out = vec![Rec::boot(t), Rec::runlevel(b'5', b'N', t + 5)];
    let mut open: Vec<(String, u32)> = Vec::new();
    while out.len() < n {
        t += 1 + r.below(600) as i64;
        let k = r.below(1000);
        if k < 8 {
            // A shutdown (most of the time) or a crash, then a boot.
            if k < 6 {
                out.push(Rec::runlevel(b'0', b'5', t));
                out.push(Rec::shutdown(t + 1));
            }
            t += 30 + r.below(300) as i64;
            out.push(Rec::boot(t));
            out.push(Rec::runlevel(b'5', b'N', t + 3));
            open.clear();
        } else if k < 10 {
            let mut old = Rec::new(4, t);
            old.user = b"date".to_vec();
            old.line = b"|".to_vec();
            let mut new = Rec::new(3, t + 3600);
            new.user = b"date".to_vec();
            new.line = b"{".to_vec();
            out.push(old);
            out.push(new);
        } else if k < 20 {
            let mut g = Rec::new(6, t);
            g.pid = 400 + r.below(100) as u32;
            g.user = b"LOGIN".to_vec();
            g.line = format!("tty{}", 1 + r.below(6)).into_bytes();
            g.id = id_of(std::str::from_utf8(&g.line).unwrap_or("tty1"));
            out.push(g);
        } else if k < 22 {
            let mut x = Rec::login(b"uucp", &format!("uucp{}", r.below(9)), "", 0, t);
            if k == 21 {
                x = Rec::login(
                    b"anonymous",
                    &format!("ftp{}", r.below(90)),
                    "198.51.100.23",
                    0,
                    t,
                );
            }
            x.pid = 1000 + r.below(9000) as u32;
            out.push(x);
        } else if k < 23 {
            let mut x = Rec::new(42, t);
            x.user = b"odd".to_vec();
            out.push(x);
        } else if k < 560 || open.is_empty() {
            let user = USERS[r.below(USERS.len() as u64) as usize];
            let host = HOSTS[r.below(HOSTS.len() as u64) as usize];
            let line = if host.is_empty() {
                format!("tty{}", 1 + r.below(6))
            } else {
                format!("pts/{}", r.below(24))
            };
            let pid = 1000 + r.below(98_000) as u32;
            let mut x = Rec::login(user, &line, host, pid, t);
            x.usec = r.below(1_000_000) as u32;
            out.push(x);
            open.push((line, pid));
        } else {
            let i = r.below(open.len() as u64) as usize;
            let (line, pid) = open.swap_remove(i);
            let mut x = Rec::logout(&line, pid, t);
            x.usec = r.below(1_000_000) as u32;
            out.push(x);
        }
    }
    out
}
