//! Login records (`ferret_logs::logins`): parity with util-linux `last`, `lastb`, `utmpdump`
//! and shadow's `lastlog` on files those tools wrote or read; bad input; the tampering checks
//! and their joins with the auth log; `wtmpdb` and `lastlog2` against the `sqlite3` CLI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    // l(ogins), a(nalysis), h(ost), t(empdir): the tests read as the calls they make.
    clippy::many_single_char_names,
    // expected outputs are built as text, the way the tools print them.
    clippy::format_push_string,
    clippy::format_collect
)]

mod bad;
mod checks;
mod db;
mod parity;

/// The current boot's time (`btime` in `/proc/stat`), which `last` compares open sessions
/// with.
pub fn boot_time() -> i64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
        .expect("btime in /proc/stat")
}

/// Asserts that two outputs are equal line by line, showing the first differences.
pub fn lines_diff(want: &[u8], got: &[u8], what: &str) {
    if want == got {
        return;
    }
    let w: Vec<&[u8]> = want.split(|&b| b == b'\n').collect();
    let g: Vec<&[u8]> = got.split(|&b| b == b'\n').collect();
    let mut msg = format!(
        "{what}: {} lines from the tool, {} from ferret",
        w.len(),
        g.len()
    );
    let mut shown = 0;
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i), g.get(i));
        if a != b && shown < 8 {
            msg.push_str(&format!(
                "\n  line {}:\n    tool   {:?}\n    ferret {:?}",
                i + 1,
                a.map(|x| String::from_utf8_lossy(x)),
                b.map(|x| String::from_utf8_lossy(x))
            ));
            shown += 1;
        }
    }
    panic!("{msg}");
}
