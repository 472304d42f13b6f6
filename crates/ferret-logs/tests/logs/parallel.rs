//! The parallel path (`jobs > 1`) gives exactly the sequential answer: every count, source,
//! hour, finding (with its evidence lines), error and sample, on real logs and on generated
//! ones, across piece and block boundaries, CRLF, overlong lines and a line longer than a
//! whole block.

use ferret_core::Control;
use ferret_logs::{Analysis, AnalyzeOptions, Input};
/// Options with a fixed year and `jobs` threads.
fn options(year: i64, jobs: usize) -> AnalyzeOptions {
    let mut o = AnalyzeOptions::default();
    o.year = Some(year);
    o.jobs = jobs;
    o
}

use proptest::prelude::*;

use ferret_testkit::testdata;

fn json(a: &Analysis) -> String {
    serde_json::to_string(a).unwrap()
}

fn analyze(log: &[u8], jobs: usize, max_line: usize) -> Analysis {
    let mut o = options(2024, jobs);
    o.max_line = max_line;
    ferret_logs::analyze([Input::reader(log, "auth.log")], &o, &Control::new())
}

/// Sequential and parallel analyses of `log` are identical (JSON of the whole analysis).
fn check(log: &[u8], max_line: usize, what: &str, jobs: &[usize]) -> Analysis {
    let one = analyze(log, 1, max_line);
    let want = json(&one);
    for &jobs in jobs {
        let par = analyze(log, jobs, max_line);
        assert_eq!(par.lines, one.lines, "{what}: jobs {jobs}");
        assert!(
            json(&par) == want,
            "{what}: jobs {jobs} differs from jobs 1"
        );
    }
    one
}

const REAL: &[&str] = &[
    "fail2ban/logs/sshd",
    "fail2ban/logs/sshd-journal",
    "fail2ban/logs/pam-generic",
    "fail2ban/logs/selinux-ssh",
    "fail2ban/logs/dropbear",
    "fail2ban/logs/bsd/syslog-plain.txt",
    "fail2ban/logs/bsd/syslog-v.txt",
    "fail2ban/logs/bsd/syslog-vv.txt",
    "fail2ban/testcases/testcase01.log",
    "fail2ban/testcases/testcase02.log",
    "fail2ban/testcases/testcase04.log",
    "fail2ban/testcases/testcase-usedns.log",
    "fail2ban/testcases/testcase-journal.log",
    "fail2ban/testcases/testcase-wrong-char.log",
    "elastic-beats/test.log",
    "elastic-beats/timestamp.log",
    "sshguard/tests.txt",
];

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn parallel_equals_sequential_on_real_logs() {
    let mut log = Vec::new();
    for rel in REAL {
        let p = testdata(rel);
        log.extend_from_slice(&std::fs::read(p).unwrap());
        if !log.ends_with(b"\n") {
            log.push(b'\n');
        }
    }
    // Ubuntu's rsyslog repeat lines and sysklogd's `last message repeated` among them.
    log.extend_from_slice(REPEATS.as_bytes());
    let a = check(&log, 64 * 1024, "real logs", &[2, 3]);
    assert!(a.events["ssh-failed"] > 0);
    assert!(a.lines > 1000 && !a.outcome.findings.is_empty());

    // The same lines with CRLF endings on some, overlong lines (over a 200-byte cap) between
    // them, replicated past several 4 MiB blocks, with one line longer than a whole block.
    let mut mixed = Vec::new();
    for (i, line) in log.split(|c| *c == b'\n').enumerate() {
        mixed.extend_from_slice(line);
        if i % 7 == 3 {
            mixed.push(b'\r');
        }
        mixed.push(b'\n');
        if i % 500 == 250 {
            mixed.extend_from_slice(&[b'x'; 300]);
            mixed.extend_from_slice(b"\r\n");
        }
    }
    check(&mixed, 200, "mixed", &[2, 3]);
    // Past five 4 MiB blocks: the parallel path keeps three block buffers and reuses them.
    let mut big = Vec::new();
    while big.len() < 17 << 20 {
        big.extend_from_slice(&mixed);
    }
    let a = check(&big, 200, "17 MiB", &[2, 3]);
    assert!(a.long_lines > 0);
    let mut huge = mixed.clone();
    let mid = huge.len() / 2;
    let cut = mid + memchr_nl(&huge[mid..]) + 1;
    huge.splice(cut..cut, std::iter::repeat_n(b'y', 5 << 20).chain([b'\n']));
    let a = check(&huge, 200, "a 5 MiB line", &[2]);
    assert!(a
        .outcome
        .findings
        .iter()
        .any(|f| f.id == "logs.overlong-line"));
}

const REPEATS: &str = "\
Nov 28 10:00:01 web1 sshd[1234]: Failed password for root from 203.0.113.7 port 52211 ssh2
Nov 28 10:00:09 web1 sshd[1234]: message repeated 3 times: [ Failed password for root from 203.0.113.7 port 52211 ssh2]
2024-11-28T10:01:09.551002+00:00 web1 sshd[1240]: message repeated 2 times: [ Failed password for x from 1.2.3.4 port 22 from 5.6.7.8 port 1 ssh2]
Nov 28 10:02:01 web1 sshd[1250]: Failed password for invalid user oracle from 198.51.100.20 port 40000 ssh2
Nov 28 10:02:31 web1 last message repeated 5 times
Nov 28 10:03:01 web1 --- last message repeated 2 times ---
Nov 28 10:03:02 web2 sshd[77]: Invalid user test from 198.51.100.21 port 1
Nov 28 10:03:03 web1 last message repeated 9 times
";

/// Appends filler lines so that `log` is `end` bytes long (ending with a newline).
fn pad_to(log: &mut Vec<u8>, end: usize) {
    let filler = b"Nov 28 09:59:59 web1 systemd[1]: Started Session 1 of user root.\n";
    while end - log.len() > 300 {
        log.extend_from_slice(filler);
    }
    let head = b"Nov 28 09:59:59 web1 systemd[1]: ";
    let n = end - log.len();
    assert!(n > head.len() + 1);
    log.extend_from_slice(head);
    log.extend(std::iter::repeat_n(b'p', n - head.len() - 1));
    log.push(b'\n');
}

/// `last message repeated` right after a piece boundary (with a run of repeat lines
/// spanning it) and right after a block boundary: the source line is in the piece or block
/// before.
#[test]
fn last_message_repeated_across_piece_and_block_boundaries() {
    let src = b"Nov 28 10:00:01 web1 sshd[1234]: Failed password for root from 203.0.113.7 port 52211 ssh2\n";
    let rep = b"Nov 28 10:00:31 web1 last message repeated 3 times\n";
    let rep2 = b"Nov 28 10:00:41 web1 sshd[9]: last message repeated 2 times\n";
    let src2 = b"Nov 28 11:00:01 web1 sshd[99]: Failed password for invalid user admin from 198.51.100.4 port 40000 ssh2\n";
    let src3 = b"Nov 28 12:00:01 web1 sshd[7]: Invalid user guest from 192.0.2.50 port 1\n";
    let (block, piece) = (
        ferret_logs::analyze::PARALLEL_BLOCK,
        ferret_logs::analyze::PARALLEL_PIECE,
    );
    let mut log = Vec::new();
    // The first block (exactly `block` bytes of whole lines) is cut into pieces of `piece`
    // bytes; the second piece starts at byte `piece + 1`.
    pad_to(&mut log, piece + 1 - src.len() - rep.len());
    log.extend_from_slice(src);
    log.extend_from_slice(rep);
    assert_eq!(log.len(), piece + 1);
    log.extend_from_slice(rep2);
    log.extend_from_slice(rep);
    // A source ending one piece, its repeat starting the next.
    pad_to(&mut log, 2 * piece + 1 - src3.len());
    log.extend_from_slice(src3);
    log.extend_from_slice(rep);
    // The block boundary.
    pad_to(&mut log, block - src2.len());
    log.extend_from_slice(src2);
    log.extend_from_slice(rep);
    log.extend_from_slice(rep2);
    pad_to(&mut log, block + 200_000);
    let a = check(&log, 64 * 1024, "repeat boundaries", &[2, 3]);
    let source = |ip: &str| a.sources.iter().find(|s| s.ip == ip).unwrap();
    assert_eq!(source("203.0.113.7").failures, 1 + 3 + 2 + 3);
    assert_eq!(source("198.51.100.4").failures, 1 + 3 + 2);
    // An invalid user with no password tried: probes, repeated as often as the line says.
    assert_eq!(
        (source("192.0.2.50").failures, source("192.0.2.50").probes),
        (0, 1 + 3)
    );
    // Only the filler is unrecognized: every repeat line found its source.
    let filler = log
        .split(|c| *c == b'\n')
        .filter(|l| l.starts_with(b"Nov 28 09:59:59 web1 systemd[1]: "))
        .count();
    assert_eq!(a.unrecognized, filler as u64);
}

fn memchr_nl(b: &[u8]) -> usize {
    b.iter().position(|c| *c == b'\n').unwrap()
}

/// One generated line: a real sshd/sudo/kernel shape with random fields, junk, or a long line.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let ip =
        (1u8..224, any::<u8>(), 0u8..4, 1u8..4).prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}"));
    let user = prop::sample::select(vec![
        "root",
        "admin",
        "oracle",
        "x from 10.0.0.1 port 22",
        "",
    ]);
    let shape = 0u8..11;
    (shape, ip, user, 1u32..40, 0u32..5, 0u32..60, prop::collection::vec(any::<u8>(), 0..40), any::<bool>())
        .prop_map(|(shape, ip, user, pid, min, sec, junk, crlf)| {
            let ts = format!("Mar  1 10:{min:02}:{sec:02} web");
            let mut l = match shape {
                0 => format!("{ts} sshd[{pid}]: Failed password for {user} from {ip} port 4{pid} ssh2").into_bytes(),
                1 => format!("{ts} sshd[{pid}]: Invalid user {user} from {ip} port 22").into_bytes(),
                2 => format!("{ts} sshd[{pid}]: Accepted password for {user} from {ip} port 22 ssh2").into_bytes(),
                3 => format!("{ts} sshd[{pid}]: Disconnecting: Too many authentication failures [preauth]").into_bytes(),
                4 => format!("{ts} sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}").into_bytes(),
                5 => format!("{ts} kernel: [UFW BLOCK] IN=eth0 OUT= SRC={ip} DST=10.0.0.1 LEN=40 PROTO=TCP SPT=4444 DPT={} WINDOW=1024 RES=0x00 SYN URGP=0", 1000 + pid).into_bytes(),
                6 => format!("{ts} sudo: {user} : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh").into_bytes(),
                7 => vec![b'z'; 150 + pid as usize],
                9 => format!("{ts} sshd[{pid}]: message repeated {sec} times: [ Failed password for {user} from {ip} port 4{pid} ssh2]").into_bytes(),
                10 if min % 2 == 0 => format!("{ts} last message repeated {sec} times").into_bytes(),
                10 => format!("Mar  1 10:{min:02}:{sec:02} db --- last message repeated {pid} times ---").into_bytes(),
                _ => junk.into_iter().filter(|c| *c != b'\n').collect(),
            };
            if crlf {
                l.push(b'\r');
            }
            l.push(b'\n');
            l
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential_on_generated_logs(lines in prop::collection::vec(line(), 0..300)) {
        let log: Vec<u8> = lines.concat();
        let one = analyze(&log, 1, 160);
        let want = json(&one);
        for jobs in [2, 3] {
            let par = analyze(&log, jobs, 160);
            prop_assert!(json(&par) == want, "jobs {}", jobs);
        }
    }
}

/// A reader over `data` that, after `at` bytes, cancels `token` (`fail`: returns an error
/// instead).
struct Interrupting {
    data: Vec<u8>,
    pos: usize,
    at: usize,
    token: ferret_core::CancelToken,
    fail: bool,
}

impl std::io::Read for Interrupting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.at {
            if self.fail {
                return Err(std::io::Error::other("disk went away"));
            }
            self.token.cancel();
        }
        let n = buf.len().min(self.data.len() - self.pos).min(1 << 16);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The pipelined path stops on cancel and on a read error mid-file without hanging (its
/// reader, workers and folding thread all end), with the error recorded.
#[test]
fn parallel_path_stops_on_cancel_and_read_errors() {
    let mut log = Vec::new();
    let mut i = 0u32;
    while log.len() < 40 << 20 {
        log.extend_from_slice(
            format!(
                "Mar  1 10:{:02}:{:02} web sshd[{}]: Failed password for root from 203.0.113.{} port {} ssh2\n",
                (i / 60) % 60,
                i % 60,
                1000 + i % 5000,
                i % 250,
                1024 + i % 60_000
            )
            .as_bytes(),
        );
        i += 1;
    }
    let total = u64::from(i);
    for jobs in [2, 3] {
        for fail in [false, true] {
            let token = ferret_core::CancelToken::new();
            let reader = Interrupting {
                data: log.clone(),
                pos: 0,
                at: 9 << 20,
                token: token.clone(),
                fail,
            };
            let control = Control::new().with_cancel(token);
            let started = std::time::Instant::now();
            let a = ferret_logs::analyze(
                [Input::reader(reader, "cut.log")],
                &options(2024, jobs),
                &control,
            );
            assert!(started.elapsed() < std::time::Duration::from_secs(60));
            let what = if fail { "disk went away" } else { "cancelled" };
            assert!(
                a.outcome
                    .errors
                    .iter()
                    .any(|e| e.to_string().contains(what)),
                "jobs {jobs}: {:?}",
                a.outcome.errors
            );
            // Never the whole file; after a read error, what was read before it is folded
            // (a cancel stops at once, folding or not what was parsed).
            assert!(a.lines < total, "jobs {jobs}: {} of {total}", a.lines);
            if fail {
                assert!(a.lines > 0, "jobs {jobs}: nothing folded before the error");
            }
        }
    }
}
