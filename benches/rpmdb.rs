//! Criterion benches for the rpm database readers (`ferret::baseline::pkg::rpm`): headers per
//! second for each on-disk format, with and without the per-file records. With
//! `$FERRET_TESTDATA` the real databases of `go-rpmdb/` are read (SQLite: CBL-Mariner, 129
//! headers; NDB: SLE 15, 35; Berkeley DB: every Mariner header loaded with `db5.3_load` when it
//! is installed, else the one-header libuuid database); without it, the committed fuzz seeds.
//! The side-by-side ratio against `rpm -qa` is measured by `benches/compare-rpmdb.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ferret::baseline::pkg::rpm::{read, ReadOptions};
use ferret::core::Control;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn corpus(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(target)
            .join(name),
    )
    .unwrap()
}

/// Every header of the SQLite database loaded into a Berkeley DB hash file by `db5.3_load`.
fn bdb_from(sqlite: &Path) -> Option<Vec<u8>> {
    use std::fmt::Write as _;
    let bytes = std::fs::read(sqlite).ok()?;
    let db = ferret_sqlite_rows(&bytes)?;
    let dir = std::env::temp_dir().join(format!("ferret-bench-rpmdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let mut dump =
        String::from("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize=4096\nHEADER=END\n");
    for (n, b) in &db {
        let _ = writeln!(
            dump,
            " {}\n {}",
            ferret::core::hex::encode(&n.to_le_bytes()),
            ferret::core::hex::encode(b)
        );
    }
    dump.push_str("DATA=END\n");
    std::fs::write(dir.join("dump.txt"), dump).ok()?;
    let ok = std::process::Command::new("db5.3_load")
        .arg("-f")
        .arg(dir.join("dump.txt"))
        .arg(dir.join("Packages"))
        .status()
        .is_ok_and(|s| s.success());
    let out = ok
        .then(|| std::fs::read(dir.join("Packages")).ok())
        .flatten();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// The `Packages` rows (header number, blob) of an SQLite rpm database.
fn ferret_sqlite_rows(bytes: &[u8]) -> Option<Vec<(u32, Vec<u8>)>> {
    use ferret::baseline::pkg::rpm::sqlite::Database;
    let db = Database::open(bytes, None, "rpmdb.sqlite").ok()?;
    let t = db.table("Packages").ok()?;
    db.rows(&t)
        .ok()?
        .map(|r| {
            let r = r.ok()?;
            Some((
                u32::try_from(r.rowid()).ok()?,
                r.get(1).as_bytes()?.to_vec(),
            ))
        })
        .collect()
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let data = std::env::var_os("FERRET_TESTDATA").map(|d| PathBuf::from(d).join("go-rpmdb"));
    match data {
        Some(d) => {
            let sqlite = d.join("cbl-mariner-2.0/rpmdb.sqlite");
            let bdb = bdb_from(&sqlite)
                .unwrap_or_else(|| std::fs::read(d.join("libuuid/Packages")).unwrap());
            vec![
                ("bdb", bdb),
                ("sqlite", std::fs::read(&sqlite).unwrap()),
                (
                    "ndb",
                    std::fs::read(d.join("sle15-bci/Packages.db")).unwrap(),
                ),
            ]
        }
        None => vec![
            ("bdb", corpus("baseline_rpm_bdb", "be-512")),
            ("sqlite", corpus("sqlite_read", "small")),
            ("ndb", corpus("baseline_rpm_ndb", "two")),
        ],
    }
}

fn formats(c: &mut Criterion) {
    for (name, bytes) in inputs() {
        for files in [false, true] {
            let mut opts = ReadOptions::default();
            opts.files = files;
            let n = read(&bytes, None, Path::new(name), &opts, &Control::unbounded())
                .unwrap()
                .packages
                .len();
            let mut g = c.benchmark_group(format!(
                "rpmdb/{}",
                if files { "with-files" } else { "packages" }
            ));
            g.throughput(Throughput::Elements(n.max(1) as u64));
            g.bench_function(name, |b| {
                b.iter(|| {
                    read(
                        black_box(&bytes),
                        None,
                        Path::new(name),
                        &opts,
                        &Control::unbounded(),
                    )
                    .unwrap()
                    .packages
                    .len()
                });
            });
            g.finish();
        }
    }
}

criterion_group!(benches, formats);
criterion_main!(benches);
