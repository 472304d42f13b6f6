//! Criterion bench of ferret-logs' shell histories: every history of 1,000 users
//! (`ferret_testkit::history`: bash plain, bash with `#EPOCH` lines and zsh extended histories
//! of 3,000 commands each, ~3 M commands, a few planted attacker lines) read, parsed and
//! classified from a root (target: under 200 ms); then, in the same run, the
//! `cat ~*/.bash_history | grep -c` style baseline the issue compares against (printed).
//!
//! `FERRET_HISTORY_DUMP=DIR cargo bench --bench history` writes the root to `DIR` and exits
//! (for `history --root DIR` and `benches/compare-history.sh`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::many_single_char_names
)]

use criterion::{criterion_group, criterion_main, Criterion};
use ferret::core::{Control, HostRoot};
use ferret::logs::history::{histories_root, HistoryOptions};
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

const USERS: usize = 1_000;
const LINES: usize = 3_000;

fn bench(c: &mut Criterion) {
    if let Some(dir) = std::env::var_os("FERRET_HISTORY_DUMP") {
        let n = ferret_testkit::history::write_root(dir.as_ref(), USERS, LINES).unwrap();
        println!("wrote {n} bytes of history under {}", dir.to_string_lossy());
        std::process::exit(0);
    }
    let t = tempfile::tempdir().unwrap();
    let bytes = ferret_testkit::history::write_root(t.path(), USERS, LINES).unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let opts = HistoryOptions::default();
    let r = histories_root(&root, &opts, &Control::unbounded());
    assert_eq!(r.commands_total, (USERS * LINES) as u64);
    assert!(r
        .findings
        .iter()
        .any(|f| f.id == "history.download-chmod-run"));
    println!(
        "{USERS} users, {} MB of history, {} commands, {} classified, {} findings",
        bytes >> 20,
        r.commands_total,
        r.commands_classified,
        r.findings.len()
    );

    let mut g = c.benchmark_group("history");
    g.sample_size(10);
    g.bench_function("1000 users x 3000 commands, root", |b| {
        b.iter(|| black_box(histories_root(&root, &opts, &Control::unbounded())));
    });
    g.finish();

    // Side by side, same run: ferret once more, then the shell baselines.
    let time = |f: &mut dyn FnMut()| {
        let s = Instant::now();
        f();
        s.elapsed().as_secs_f64() * 1e3
    };
    let ours = time(&mut || {
        black_box(histories_root(&root, &opts, &Control::unbounded()));
    });
    let home = t.path().join("home");
    let sh = |script: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(&home)
            .output()
            .unwrap()
    };
    let cat_grep = time(&mut || {
        black_box(sh(
            "cat */.bash_history */.zsh_history | grep -c -E 'curl|wget'",
        ));
    });
    let cat_wc = time(&mut || {
        black_box(sh("cat */.bash_history */.zsh_history | wc -l"));
    });
    println!(
        "same run: ferret {ours:.0} ms; cat | grep -c -E 'curl|wget' {cat_grep:.0} ms; cat | wc -l {cat_wc:.0} ms"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
