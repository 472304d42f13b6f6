//! The parallel path (`jobs > 1`) gives exactly the sequential answer: every count, source,
//! hour, finding (with its evidence lines), error and sample, on real logs and on generated
//! ones, across piece and block boundaries, CRLF, overlong lines and a line longer than a
//! whole block.

use ferret_core::Control;
use ferret_logs::{analyze_reader, Analysis, AnalyzeOptions};
use proptest::prelude::*;

use crate::common::data;

fn json(a: &Analysis) -> String {
    serde_json::to_string(a).unwrap()
}

fn analyze(log: &[u8], jobs: usize, max_line: usize) -> Analysis {
    let mut o = AnalyzeOptions::default().year(2024).jobs(jobs);
    o.max_line = max_line;
    analyze_reader(log, b"auth.log", &o, &Control::new())
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
fn parallel_equals_sequential_on_real_logs() {
    let mut log = Vec::new();
    for rel in REAL {
        let Some(p) = data(rel) else { return };
        log.extend_from_slice(&std::fs::read(p).unwrap());
        if !log.ends_with(b"\n") {
            log.push(b'\n');
        }
    }
    let a = check(&log, 64 * 1024, "real logs", &[2, 3]);
    assert!(a.lines > 1000 && !a.outcome.findings.is_empty());

    // The same lines with CRLF endings on some, overlong lines (over a 200-byte cap) between
    // them, replicated past two 4 MiB blocks, with one line longer than a whole block.
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
    let mut big = Vec::new();
    while big.len() < 9 << 20 {
        big.extend_from_slice(&mixed);
    }
    let a = check(&big, 200, "9 MiB", &[2]);
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
    let shape = 0u8..9;
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
