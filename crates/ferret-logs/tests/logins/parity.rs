//! Parity with the real tools, line by line, on files the real tools wrote: util-linux `last`,
//! `lastb` and `utmpdump` (files made by `utmpdump -r`), shadow's `lastlog` (on a root with a
//! passwd, through `lastlog -R`), and this machine's own `/var/log/wtmp`.

use std::path::Path;
use std::process::Command;

use ferret_logs::logins::render::{
    last_line, last_trailer, lastb_line, lastlog_line, utmpdump_line, LastFormat, LASTLOG_HEADER,
};
use ferret_logs::logins::{parse_lastlog, parse_utmp, sessions, LoginRecord};
use ferret_testkit::logins::{binary, history, Rec};
use jiff::tz::TimeZone;

use crate::{boot_time, lines_diff};

/// Runs a tool in the C locale and `tz`; its stdout.
fn tool(args: &[&str], tz: &str) -> Vec<u8> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .env("LC_ALL", "C")
        .env("TZ", tz)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", args[0]));
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn records(data: &[u8]) -> Vec<LoginRecord> {
    parse_utmp(data).map(Result::unwrap).collect()
}

/// What ferret prints for `last -f FILE --time-format iso -w [-i] -x`.
fn ferret_last(path: &Path, data: &[u8], fmt: &LastFormat) -> Vec<u8> {
    let recs = records(data);
    let begin = recs.first().map_or_else(
        || {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).unwrap().ctime()
        },
        |r| r.sec,
    );
    let mut out = Vec::new();
    for s in sessions(recs) {
        out.extend(last_line(&s, fmt));
    }
    let name = path.file_name().unwrap().as_encoded_bytes();
    out.extend(last_trailer(name, begin, fmt));
    out
}

fn format(zone: TimeZone, ip: bool) -> LastFormat {
    let mut f = LastFormat::default();
    f.zone = zone;
    f.ip = ip;
    f.boot_time = Some(boot_time());
    f
}

fn berlin() -> TimeZone {
    let data = std::fs::read("/usr/share/zoneinfo/Europe/Berlin").expect("tzdata");
    TimeZone::tzif("Europe/Berlin", &data).unwrap()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

#[test]
fn last_on_a_long_history() {
    let t = tempfile::tempdir().unwrap();
    // 6,000 records over about a year: reboots, crashes, shutdowns, run levels, clock changes,
    // IPv6 hosts, non-UTF-8 and control-character user names, ftp/uucp lines.
    let data = binary(&history(6000, 7, 1_680_000_000));
    assert!(
        data.len().is_multiple_of(384) && data.len() / 384 >= 6000,
        "{}",
        data.len()
    );
    let path = write(t.path(), "wtmp", &data);
    let p = path.to_str().unwrap();
    for (tz, zone) in [("UTC", TimeZone::UTC), ("Europe/Berlin", berlin())] {
        for ip in [true, false] {
            let mut args = vec!["last", "-f", p, "--time-format", "iso", "-w", "-x"];
            if ip {
                args.push("-i");
            }
            let want = tool(&args, tz);
            let got = ferret_last(&path, &data, &format(zone.clone(), ip));
            assert!(want.len() > 100_000, "{}", want.len());
            lines_diff(&want, &got, &format!("last {args:?} TZ={tz}"));
        }
    }
}

#[test]
fn last_on_crafted_sequences() {
    // The corners of last.c's pairing, each a file of its own.
    let t = tempfile::tempdir().unwrap();
    let base = 1_700_000_000;
    let cases: Vec<(&str, Vec<Rec>)> = vec![
        // Two logins on one terminal: the first ends at the second.
        (
            "relogin",
            vec![
                Rec::boot(base),
                Rec::login(b"alice", "pts/0", "203.0.113.9", 100, base + 10),
                Rec::login(b"bob", "pts/0", "2001:db8::1", 101, base + 20),
                Rec::logout("pts/0", 101, base + 30),
            ],
        ),
        // A login, then a shutdown via run level 0, then a boot: down; the run level's end.
        (
            "down",
            vec![
                Rec::boot(base),
                Rec::login(b"alice", "pts/0", "203.0.113.9", 100, base + 10),
                Rec::runlevel(b'0', b'5', base + 100),
                Rec::shutdown(base + 101),
                Rec::boot(base + 200),
                Rec::runlevel(b'3', b'N', base + 205),
            ],
        ),
        // A login, then a boot without shutdown: crash; a shutdown with no boot after it.
        (
            "crash",
            vec![
                Rec::boot(base),
                Rec::login(b"root", "tty1", "", 100, base + 10),
                Rec::boot(base + 86_400 * 3 + 3_700),
                Rec::shutdown(base + 86_400 * 4),
            ],
        ),
        // A logout before the login it matches (clock went back), records without a terminal,
        // a logout with no login, a getty, an empty record, a user-less login.
        (
            "odd",
            vec![
                Rec::logout("pts/5", 1, base),
                Rec::login(b"carol", "pts/5", "198.51.100.7", 2, base + 500),
                Rec::logout("pts/5", 2, base + 400),
                Rec::login(b"dave", "", "198.51.100.8", 3, base + 600),
                Rec::new(0, base + 700),
                Rec::login(b"LOGIN", "tty2", "", 4, base + 800),
                Rec::login(b"", "pts/6", "", 5, base + 900),
                Rec::new(5, base + 950),
            ],
        ),
        // Only a logout; and nothing at all is the next case.
        ("lone", vec![Rec::logout("pts/1", 9, base)]),
        ("empty", vec![]),
    ];
    for (name, recs) in cases {
        let data = binary(&recs);
        let path = write(t.path(), name, &data);
        let want = tool(
            &[
                "last",
                "-f",
                path.to_str().unwrap(),
                "--time-format",
                "iso",
                "-w",
                "-i",
                "-x",
            ],
            "UTC",
        );
        let got = ferret_last(&path, &data, &format(TimeZone::UTC, true));
        lines_diff(&want, &got, name);
    }
}

#[test]
fn lastb_on_failures() {
    let t = tempfile::tempdir().unwrap();
    let mut recs = Vec::new();
    let mut rng = ferret_testkit::logins::Rng::new(3);
    for i in 0..3000 {
        let user = ferret_testkit::logins::USERS[rng.below(8) as usize];
        let host = ferret_testkit::logins::HOSTS[rng.below(8) as usize];
        let mut r = Rec::login(
            user,
            "ssh:notty",
            host,
            1000 + i,
            1_700_000_000 + i64::from(i) * 7,
        );
        r.ty = 6;
        recs.push(r);
    }
    let data = binary(&recs);
    let path = write(t.path(), "btmp", &data);
    let want = tool(
        &[
            "lastb",
            "-f",
            path.to_str().unwrap(),
            "--time-format",
            "iso",
            "-w",
            "-i",
        ],
        "UTC",
    );
    let fmt = format(TimeZone::UTC, true);
    let recs = records(&data);
    let mut got = Vec::new();
    for r in recs.iter().rev() {
        got.extend(lastb_line(r, &fmt));
    }
    got.extend(last_trailer(b"btmp", recs[0].sec, &fmt));
    lines_diff(&want, &got, "lastb");
}

#[test]
fn utmpdump_line_for_line_and_round_trip() {
    let t = tempfile::tempdir().unwrap();
    let mut recs = history(2000, 11, 1_690_000_000);
    // A mapped IPv6 address (written in hex: utmpdump -r reads a dotted one as IPv4).
    recs.push(Rec {
        addr: "::ffff:c000:201".into(),
        ..Rec::login(b"eve", "pts/9", "192.0.2.1", 77, 1_700_000_000)
    });
    let data = binary(&recs);
    let path = write(t.path(), "wtmp", &data);
    let want = tool(&["utmpdump", path.to_str().unwrap()], "UTC");
    let got: Vec<u8> = records(&data).iter().flat_map(utmpdump_line).collect();
    lines_diff(&want, &got, "utmpdump");
    // Round trip: ferret's dump, read back by `utmpdump -r`, is the same file, wherever the
    // dump is lossless: utmpdump writes `?` for unprintable bytes, and a mapped address as
    // `::ffff:a.b.c.d`, which its own `-r` reads as IPv4 (and fails).
    let lossless: Vec<Rec> = recs
        .into_iter()
        .filter(|r| {
            !r.addr.starts_with("::ffff:")
                && [&r.user, &r.line, &r.host]
                    .iter()
                    .all(|f| f.iter().all(|&b| (0x20..0x7f).contains(&b)))
        })
        .collect();
    assert!(lossless.len() > 1000);
    let data = binary(&lossless);
    let dump: Vec<u8> = records(&data).iter().flat_map(utmpdump_line).collect();
    let back = ferret_testkit::logins::utmpdump_reverse(&dump);
    assert!(
        back == data,
        "utmpdump -r of ferret's dump differs from the file"
    );
}

#[test]
fn lastlog_through_lastlog_r() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(root.join("var/log")).unwrap();
    let passwd = b"root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n\
alice:x:1000:1000::/home/alice:/bin/bash\n\
bob:x:1001:1001::/home/bob:/bin/bash\n\
j\xe9r\xf4me:x:1002:1002::/home/j:/bin/bash\n\
nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n\
big:x:4000000:4000000::/home/big:/bin/bash\n";
    std::fs::write(root.join("etc/passwd"), passwd).unwrap();
    // struct lastlog records for some uids, at uid * 292 in a sparse file.
    let ll = root.join("var/log/lastlog");
    let f = std::fs::File::create(&ll).unwrap();
    let put = |uid: u64, time: i32, line: &[u8], host: &[u8]| {
        use std::os::unix::fs::FileExt;
        let mut rec = vec![0u8; 292];
        rec[..4].copy_from_slice(&time.to_le_bytes());
        rec[4..4 + line.len()].copy_from_slice(line);
        rec[36..36 + host.len()].copy_from_slice(host);
        f.write_all_at(&rec, uid * 292).unwrap();
    };
    put(0, 1_700_000_000, b"tty1", b"");
    put(1000, 1_700_100_000, b"pts/0", b"203.0.113.9");
    put(1002, 1_700_200_000, b"pts/12345678", b"2001:db8::1");
    put(
        65534,
        1_600_000_000,
        b"pts/1",
        b"a-host-name-longer-than-the-42-byte-column.example.org",
    );
    put(4_000_000, 1_710_000_000, b"pts/2", b"198.51.100.9");
    drop(f);
    // The real tool sets bob's entry to now.
    let root_s = root.to_str().unwrap();
    tool(&["lastlog", "-R", root_s, "-S", "-u", "bob"], "UTC");
    let want = tool(&["lastlog", "-R", root_s], "UTC");

    let data = std::fs::read(&ll).unwrap();
    let entries: Vec<_> = parse_lastlog(&data).collect();
    assert!(
        entries.iter().any(|e| e.uid == Some(1001)),
        "bob set by lastlog -S"
    );
    let mut got = LASTLOG_HEADER.as_bytes().to_vec();
    for line in ferret_accounts::passwd::parse(passwd) {
        let p = line.entry().unwrap();
        let e = entries.iter().find(|e| e.uid == Some(p.uid));
        got.extend(lastlog_line(p.name, e, &TimeZone::UTC));
    }
    lines_diff(&want, &got, "lastlog -R");

    // The library reads the same from the root (data extents only: the file is ~1.1 GB
    // apparent size), with the names from its passwd.
    let hr = ferret_logs::core::HostRoot::new(root).unwrap();
    let l = ferret_logs::logins::audit_root(
        &hr,
        &ferret_logs::logins::LoginOptions::default(),
        &ferret_logs::core::Control::new(),
    );
    let f = l
        .files
        .iter()
        .find(|f| f.path == "/var/log/lastlog")
        .unwrap();
    assert_eq!(f.lastlog.len(), entries.len());
    let big = f.lastlog.iter().find(|e| e.uid == Some(4_000_000)).unwrap();
    assert_eq!(big.user.as_deref(), Some(&b"big"[..]));
    assert!(l.outcome.errors.is_empty(), "{:?}", l.outcome.errors);
}

#[test]
fn this_machines_wtmp() {
    let path = Path::new("/var/log/wtmp");
    let Ok(data) = std::fs::read(path) else {
        // A container without the file: then `last` fails the same way.
        assert!(!Command::new("last").output().unwrap().status.success());
        return;
    };
    let want = tool(
        &[
            "last",
            "-f",
            "/var/log/wtmp",
            "--time-format",
            "iso",
            "-w",
            "-i",
            "-x",
        ],
        "UTC",
    );
    let got = ferret_last(path, &data, &format(TimeZone::UTC, true));
    lines_diff(&want, &got, "/var/log/wtmp");
}
