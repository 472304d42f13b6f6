//! The reader against the `sqlite3` CLI, on databases the tests create (and rpm's real one).
// Test helpers: a failure is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::format_push_string
)]

use ferret_sqlite::{Database, Error, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `sqlite3 -batch` on `db` with `sql` on standard input; panics when it fails.
fn sqlite3(db: &Path, sql: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("sqlite3")
        .args(["-batch", "-noheader", "-separator", "|"])
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sqlite3 CLI (Debian package sqlite3, see .ci/packages.txt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// How `sqlite3` prints `SELECT quote(col)` (the one format where every type is exact).
fn quote(v: Value<'_>) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => format!("{r:?}"),
        Value::Text(t) => format!("'{}'", String::from_utf8_lossy(t).replace('\'', "''")),
        Value::Blob(b) => format!("X'{}'", ferret_sqlite::core::hex::encode(b).to_uppercase()),
    }
}

/// Our rows of `table` as `sqlite3` prints `SELECT quote(c1), ... ORDER BY rowid`, and the
/// errors met.
fn ours(db: &Database<&[u8]>, table: &str) -> (String, Vec<Error>) {
    let t = db.table(table).unwrap();
    let mut out = String::new();
    let mut errs = Vec::new();
    for r in db.rows(&t).unwrap() {
        match r {
            Ok(row) => {
                let cols: Vec<String> = (0..t.columns.len()).map(|i| quote(row.get(i))).collect();
                out.push_str(&cols.join("|"));
                out.push('\n');
            }
            Err(e) => errs.push(e),
        }
    }
    (out, errs)
}

fn theirs(db: &Path, table: &str, cols: &[&str]) -> String {
    let q: Vec<String> = cols.iter().map(|c| format!("quote({c})")).collect();
    sqlite3(
        db,
        &format!("SELECT {} FROM {table} ORDER BY rowid;", q.join(", ")),
    )
}

/// A table with every serial type, small and overflowing records.
fn fill_sql(rows: usize) -> String {
    let mut s = String::from(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT, b BLOB);\nBEGIN;\n",
    );
    for i in 0..rows {
        let big = match i % 97 {
            0 => 20_000,
            1 => 100_000,
            2 => 4_000,
            _ => i % 50,
        };
        let n = match i % 7 {
            0 => "0".to_owned(),
            1 => "1".to_owned(),
            2 => "NULL".to_owned(),
            3 => format!("{}", -(i as i64) * 1_000_003),
            4 => "9223372036854775807".to_owned(),
            5 => "-9223372036854775808".to_owned(),
            _ => format!("{}", (i as i64) << 40),
        };
        s.push_str(&format!(
            "INSERT INTO t VALUES ({}, {n}, {}.5, 'row {i} ' || char({}), CAST(zeroblob({big}) || x'{:02x}' AS BLOB));\n",
            i * 3 + 1,
            i as i64 - 50,
            0x100 + i,
            i % 256
        ));
    }
    s.push_str("COMMIT;\n");
    s
}

const COLS: [&str; 5] = ["id", "n", "r", "s", "b"];

#[test]
fn many_rows_every_type_and_overflow_at_several_page_sizes() {
    for ps in [512, 4096, 65536] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db");
        sqlite3(&p, &format!("PRAGMA page_size={ps};\n{}", fill_sql(600)));
        let bytes = std::fs::read(&p).unwrap();
        let db = Database::open(&bytes[..], None, &p).unwrap();
        assert_eq!(db.header().page_size, ps);
        let (got, errs) = ours(&db, "t");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(got.lines().count(), 600);
        assert_eq!(got, theirs(&p, "t", &COLS), "page size {ps}");
        assert!(db.notes().is_empty(), "{:?}", db.notes());
    }
}

#[test]
fn added_columns_read_as_null_and_schema_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    sqlite3(
        &p,
        "CREATE TABLE a(x TEXT, y INT); INSERT INTO a VALUES ('old', 1);\n\
         ALTER TABLE a ADD COLUMN z TEXT; INSERT INTO a VALUES ('new', 2, 'z');\n\
         CREATE TABLE \"odd name\"(k INTEGER, PRIMARY KEY(k)); INSERT INTO \"odd name\" VALUES (42);\n\
         CREATE INDEX ai ON a(y); CREATE VIEW v AS SELECT * FROM a;",
    );
    let bytes = std::fs::read(&p).unwrap();
    let db = Database::open(&bytes[..], None, &p).unwrap();
    let names: Vec<String> = db.tables().unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, ["a", "odd name"]);
    let (got, errs) = ours(&db, "a");
    assert!(errs.is_empty());
    assert_eq!(got, theirs(&p, "a", &["x", "y", "z"]));
    let (got, _) = ours(&db, "ODD NAME");
    assert_eq!(got, "42\n");
    assert!(matches!(db.table("nope"), Err(Error::NoSuchTable { .. })));
    let schema = db.table("sqlite_master").unwrap();
    assert_eq!(db.rows(&schema).unwrap().count(), 4);
}

/// Lists a directory: names, sizes and modification times.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (e.path(), m.len(), m.modified().unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Copies `name` and `name-wal` from `src` to a new directory.
fn copy_pair(src: &Path, name: &str, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for s in ["", "-wal"] {
        let from = src.join(format!("{name}{s}"));
        if from.exists() {
            std::fs::copy(&from, to.join(format!("{name}{s}"))).unwrap();
        }
    }
}

#[test]
fn wal_committed_frames_are_read_without_touching_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let snap = dir.path().join("snap");
    std::fs::create_dir(&live).unwrap();
    let p = live.join("w.db");
    // The copy is taken while the connection is still open: committed frames stay in -wal.
    let script = format!(
        "PRAGMA journal_mode=WAL;\nPRAGMA wal_autocheckpoint=0;\n{}\
         PRAGMA wal_checkpoint(TRUNCATE);\n\
         UPDATE t SET s = 'changed ' || id WHERE id % 5 = 0;\n\
         DELETE FROM t WHERE id % 11 = 0;\n\
         INSERT INTO t(n, s, b) VALUES (5, 'after checkpoint', zeroblob(70000));\n\
         .shell mkdir -p {snap} && cp {db} {db}-wal {snap}/\n",
        fill_sql(400),
        snap = snap.display(),
        db = p.display(),
    );
    sqlite3(&p, &script);
    let wal_len = std::fs::metadata(snap.join("w.db-wal")).unwrap().len();
    assert!(wal_len > 32, "the copy has committed frames in its WAL");

    let before = listing(&snap);
    let root = ferret_sqlite::core::HostRoot::new(&snap).unwrap();
    let db = Database::open_root(&root, "/w.db").unwrap();
    assert!(db.wal_frames() > 0);
    assert_eq!(db.header().write_version, 2);
    let t = db.table("t").unwrap();
    let rows: Vec<_> = db.rows(&t).unwrap().map(Result::unwrap).collect();
    db.check_unchanged().unwrap();
    drop(db);
    assert_eq!(
        listing(&snap),
        before,
        "nothing created, written or touched"
    );

    // sqlite3 on another copy (it creates -shm there) sees the same rows.
    let check = dir.path().join("check");
    copy_pair(&snap, "w.db", &check);
    let main = std::fs::read(snap.join("w.db")).unwrap();
    let wal = std::fs::read(snap.join("w.db-wal")).unwrap();
    let db = Database::open(&main[..], Some(&wal[..]), "w.db").unwrap();
    let (got, errs) = ours(&db, "t");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(got.lines().count(), rows.len());
    assert_eq!(got, theirs(&check.join("w.db"), "t", &COLS));
    assert!(got.contains("'after checkpoint'") && got.contains("'changed 10'"));

    // Without the WAL, the same file shows the state of the last checkpoint.
    let db = Database::open(&main[..], None, "w.db").unwrap();
    let (old, _) = ours(&db, "t");
    assert!(!old.contains("after checkpoint"));
}

#[test]
fn uncommitted_and_torn_frames_are_left_out_like_sqlite_does() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let snap = dir.path().join("snap");
    std::fs::create_dir(&live).unwrap();
    let p = live.join("w.db");
    // A small cache makes the open transaction spill uncommitted frames into the WAL.
    let script = format!(
        "PRAGMA journal_mode=WAL;\nPRAGMA wal_autocheckpoint=0;\nPRAGMA cache_size=2;\n{}\
         INSERT INTO t(n, s) VALUES (1, 'second commit');\n\
         BEGIN;\nINSERT INTO t(n, s, b) SELECT n, s, zeroblob(3000) FROM t;\n\
         .shell mkdir -p {snap} && cp {db} {db}-wal {snap}/\nROLLBACK;\n",
        fill_sql(200),
        snap = snap.display(),
        db = p.display(),
    );
    sqlite3(&p, &script);
    let main = std::fs::read(snap.join("w.db")).unwrap();
    let wal = std::fs::read(snap.join("w.db-wal")).unwrap();
    let db = Database::open(&main[..], Some(&wal[..]), "w.db").unwrap();
    assert!(
        db.notes().iter().any(|n| n.contains("not committed")),
        "{:?}",
        db.notes()
    );
    let (got, errs) = ours(&db, "t");
    assert!(errs.is_empty());
    let check = dir.path().join("check");
    copy_pair(&snap, "w.db", &check);
    assert_eq!(got, theirs(&check.join("w.db"), "t", &COLS));
    assert_eq!(got.lines().count(), 201);

    // Tear the last committed frame: that commit is lost, for sqlite3 and for us.
    let ps = db.header().page_size as usize;
    let frame = 24 + ps;
    let committed = db.wal_frames() as usize;
    let mut torn = wal.clone();
    torn.truncate(32 + (committed - 1) * frame + frame / 2);
    let db = Database::open(&main[..], Some(&torn[..]), "w.db").unwrap();
    assert!(
        db.notes().iter().any(|n| n.contains("partial frame")),
        "{:?}",
        db.notes()
    );
    let (got, errs) = ours(&db, "t");
    assert!(errs.is_empty());
    let check2 = dir.path().join("check2");
    std::fs::create_dir(&check2).unwrap();
    std::fs::write(check2.join("w.db"), &main).unwrap();
    std::fs::write(check2.join("w.db-wal"), &torn).unwrap();
    assert_eq!(got, theirs(&check2.join("w.db"), "t", &COLS));
    assert_eq!(
        got.lines().count(),
        200,
        "the second commit was in the torn frame"
    );
}

fn page_of(db: &Database<&[u8]>) -> usize {
    db.header().page_size as usize
}

#[test]
fn a_corrupt_page_is_an_error_naming_it_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    sqlite3(&p, &format!("PRAGMA page_size=1024;\n{}", fill_sql(800)));
    let good = std::fs::read(&p).unwrap();
    let db = Database::open(&good[..], None, &p).unwrap();
    let t = db.table("t").unwrap();
    let ps = page_of(&db);
    // Find the leaf pages of t (type 13) and break the second one's type byte.
    let leaves: Vec<usize> = (1..good.len() / ps)
        .filter(|&i| good[i * ps] == 13)
        .collect();
    assert!(leaves.len() > 3);
    let mut bad = good.clone();
    bad[leaves[1] * ps] = 0x42;
    let db = Database::open(&bad[..], None, &p).unwrap();
    let (mut ok, mut errs) = (0, Vec::new());
    for r in db.rows(&t).unwrap() {
        match r {
            Ok(_) => ok += 1,
            Err(e) => errs.push(e.to_string()),
        }
    }
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(&format!("page {}", leaves[1] + 1)),
        "{errs:?}"
    );
    assert!(errs[0].contains("t.db"), "{errs:?}");
    assert!(ok > 700 && ok < 800, "{ok}");
}

#[test]
fn cycles_in_the_tree_and_in_overflow_chains_end_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    sqlite3(&p, &format!("PRAGMA page_size=1024;\n{}", fill_sql(800)));
    let good = std::fs::read(&p).unwrap();
    let db = Database::open(&good[..], None, &p).unwrap();
    let t = db.table("t").unwrap();
    let ps = page_of(&db);
    let root = t.root_page as usize - 1;
    assert_eq!(
        good[root * ps],
        5,
        "the root of 800 rows is an interior page"
    );
    // The root's right-most child points back at the root.
    let mut bad = good.clone();
    bad[root * ps + 8..root * ps + 12].copy_from_slice(&(t.root_page).to_be_bytes());
    let db = Database::open(&bad[..], None, &p).unwrap();
    let errs: Vec<String> = db
        .rows(&t)
        .unwrap()
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect();
    assert!(errs.iter().any(|e| e.contains("second time")), "{errs:?}");
    // An overflow page whose next pointer is itself.
    let mut bad = good.clone();
    let ovfl = (1..good.len() / ps)
        .find(|&i| {
            // Overflow pages of the 300 kB blob: mostly zeros with a next pointer.
            good[i * ps] == 0
                && good[i * ps + 4..(i + 1) * ps].iter().all(|&b| b == 0)
                && u32::from_be_bytes(good[i * ps..i * ps + 4].try_into().unwrap()) as usize
                    == i + 2
        })
        .expect("an overflow page");
    bad[ovfl * ps..ovfl * ps + 4].copy_from_slice(&((ovfl + 1) as u32).to_be_bytes());
    let db = Database::open(&bad[..], None, &p).unwrap();
    let results: Vec<_> = db.rows(&t).unwrap().collect();
    let errs: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err().map(ToString::to_string))
        .collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("second time"), "{errs:?}");
    assert_eq!(results.len(), 800);
}

#[test]
fn truncated_and_garbage_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.db");
    sqlite3(&p, &format!("PRAGMA page_size=1024;\n{}", fill_sql(300)));
    let good = std::fs::read(&p).unwrap();
    for cut in [0, 50, 100, 4096, good.len() / 2, good.len() - 1] {
        let b = &good[..cut];
        match Database::open(b, None, "cut.db") {
            Err(e) => assert!(e.to_string().contains("cut.db"), "{e}"),
            Ok(db) => {
                if let Ok(t) = db.table("t") {
                    let n = db.rows(&t).unwrap().count();
                    assert!(n <= 300);
                }
            }
        }
    }
    let e = Database::open(&b"not a database, but long enough to have a header......................................................"[..], None, "x").unwrap_err();
    assert!(matches!(e, Error::NotSqlite { .. }), "{e}");
    // A WAL naming page 4,000,000,000 in a database of 4 billion pages: the size is bounded by
    // what the two files hold, nothing huge is allocated.
    let page = vec![0u8; 1024];
    let wal =
        ferret_sqlite::fuzzing::build_wal(1024, &[(4_000_000_000, &page, 4_000_000_000)], false);
    let db = Database::open(&good[..], Some(&wal[..]), "big.db").unwrap();
    assert!(
        db.page_count() as usize <= good.len() / 1024 + 1,
        "{}",
        db.page_count()
    );
    assert!(
        db.notes().iter().any(|n| n.contains("claims")),
        "{:?}",
        db.notes()
    );
    let t = db.table("t").unwrap();
    assert_eq!(db.rows(&t).unwrap().flatten().count(), 300);
    // Every single-bit flip of the first pages: no panic, no endless loop.
    for i in (0..good.len().min(8 * 1024)).step_by(37) {
        let mut b = good.clone();
        b[i] ^= 1 << (i % 8);
        ferret_sqlite::fuzzing::read(&b);
    }
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn rpm_database_of_cbl_mariner_equals_sqlite3() {
    let src = ferret_testkit::testdata("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&src, dir.path().join("rpmdb.sqlite")).unwrap();
    let bytes = std::fs::read(&src).unwrap();
    let db = Database::open(&bytes[..], None, &src).unwrap();
    let t = db.table("Packages").unwrap();
    assert_eq!(t.column_index("blob"), Some(1));
    let (got, errs) = ours(&db, "Packages");
    assert!(errs.is_empty());
    let want = theirs(
        &dir.path().join("rpmdb.sqlite"),
        "Packages",
        &["hnum", "blob"],
    );
    assert_eq!(got.lines().count(), 129);
    assert!(got == want, "rows differ from sqlite3's");
    // Every table of the database reads without error, as many rows as sqlite3 counts.
    for t in db.tables().unwrap() {
        let n = db.rows(&t).unwrap().map(Result::unwrap).count();
        let want = sqlite3(
            &dir.path().join("rpmdb.sqlite"),
            &format!("SELECT count(*) FROM '{}';", t.name),
        );
        assert_eq!(n.to_string(), want.trim(), "table {}", t.name);
    }
}
