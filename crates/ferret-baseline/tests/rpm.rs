//! rpm databases: parity with go-rpmdb's expected lists and with `rpm -qa` / `rpm --dump` (run
//! on copies: rpm opens databases read-write), on the three real databases of
//! `$FERRET_TESTDATA/go-rpmdb` and on larger Berkeley DB files built from real headers with
//! `db5.3_load`, in both byte orders; and damaged databases.
// Test helpers: a failure is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::format_push_string
)]

use ferret_baseline::pkg::rpm::{read, read_root, DbFormat, ReadOptions, RpmDb, RpmPackage};
use ferret_core::{Control, HostRoot};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(rel: &str) -> PathBuf {
    ferret_testkit::testdata(&format!("go-rpmdb/{rel}"))
}

fn read_file(p: &Path) -> RpmDb {
    let b = std::fs::read(p).unwrap();
    read(&b, None, p, &ReadOptions::default(), &Control::new()).unwrap()
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// ---- go-rpmdb's expected values, read from its Go test sources -------------------------

/// The Go string and integer literals of a line, in order (`intRef()` is an absent epoch).
fn go_literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let mut v = Vec::new();
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    v.push(b[i]);
                    i += 1;
                }
                out.push(String::from_utf8(v).unwrap());
                i += 1;
            }
            b'0'..=b'9' if i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') => {
                let st = i;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                out.push(line[st..i].to_owned());
            }
            _ => {
                if line[i..].starts_with("intRef()") {
                    out.push("(none)".to_owned());
                    i += "intRef()".len();
                } else {
                    i += 1;
                }
            }
        }
    }
    out
}

/// The package tuples of `func_name` in rpmdb_testcase_test.go: epoch, name, version,
/// release, arch, sourcerpm, size, license, vendor, modularitylabel, summary, sigmd5.
fn go_package_list(func_name: &str) -> Vec<Vec<String>> {
    let src = std::fs::read_to_string(data("rpmdb_testcase_test.go")).unwrap();
    let start = src.find(&format!("{func_name} = func")).expect(func_name);
    let body = &src[start..];
    let end = body.find("return toPackageInfo").unwrap();
    body[..end]
        .lines()
        .filter(|l| l.trim_start().starts_with("{intRef("))
        .map(go_literals)
        .collect()
}

/// `name: value` fields of the expected `PackageInfo` of `pkg_name` in rpmdb_test.go.
fn go_package_fields(pkg_name: &str, file: &str) -> BTreeMap<String, String> {
    let src = std::fs::read_to_string(data("rpmdb_test.go")).unwrap();
    let marker = format!("pkgName: \"{pkg_name}\",\n\t\t\tfile:    \"testdata/{file}\"");
    let start = src.find(&marker).expect(&marker);
    let body = &src[start..];
    let body = &body[..body.find("Provides:").unwrap()];
    body.lines()
        .filter_map(|l| {
            let (k, v) = l.trim().split_once(':')?;
            let v = v.trim().trim_end_matches(',');
            let lit = go_literals(v);
            let v = lit.first().cloned().unwrap_or_else(|| v.to_owned());
            Some((k.trim().to_owned(), v))
        })
        .collect()
}

/// The `FileInfo` literals of `var_name`: path, mode, digest, size, user, group, flags.
fn go_files(var_name: &str) -> Vec<Vec<String>> {
    let src = std::fs::read_to_string(data("rpmdb_testcase_test.go")).unwrap();
    let start = src
        .find(&format!("{var_name} = []FileInfo"))
        .expect(var_name);
    let body = &src[start..];
    let body = &body[..body.find("\n\t}").unwrap()];
    body.lines()
        .filter(|l| l.contains("Path:"))
        .map(go_literals)
        .collect()
}

fn ours_tuple(p: &RpmPackage) -> Vec<String> {
    let or_none = |b: &[u8]| if b.is_empty() { String::new() } else { s(b) };
    vec![
        p.epoch.map_or("(none)".into(), |e| e.to_string()),
        s(&p.name),
        s(&p.version),
        s(&p.release),
        s(&p.arch),
        or_none(&p.source_rpm),
        p.size.to_string(),
        or_none(&p.license),
        or_none(&p.vendor),
        or_none(&p.modularity_label),
        s(&p.summary),
        ferret_core::hex::encode(&p.sigmd5),
    ]
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn ndb_of_sle15_equals_go_rpmdb_list() {
    let db = read_file(&data("sle15-bci/Packages.db"));
    assert_eq!(db.format, DbFormat::Ndb);
    assert!(db.errors.is_empty(), "{:?}", db.errors);
    let mut want = go_package_list("SLE15WithNDB");
    // go-rpmdb lists epoch 0 where rpm's header has none (`sed "s/(none)/0/g"`).
    for w in &mut want {
        if w[0] == "0" {
            w[0] = "(none)".into();
        }
    }
    let mut got: Vec<Vec<String>> = db.packages.iter().map(ours_tuple).collect();
    for g in &mut got {
        if g[0] == "0" {
            g[0] = "(none)".into();
        }
    }
    assert_eq!(want.len(), 35);
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

fn check_go_package(db: &RpmDb, pkg: &str, file: &str, files_var: &str) {
    let f = go_package_fields(pkg, file);
    let p = db
        .packages
        .iter()
        .find(|p| p.name == pkg.as_bytes())
        .unwrap();
    assert_eq!(s(&p.version), f["Version"]);
    assert_eq!(s(&p.release), f["Release"]);
    assert_eq!(s(&p.arch), f["Arch"]);
    assert_eq!(p.size.to_string(), f["Size"]);
    assert_eq!(s(&p.source_rpm), f["SourceRpm"]);
    assert_eq!(s(&p.license), f["License"]);
    assert_eq!(s(&p.vendor), f["Vendor"]);
    assert_eq!(s(&p.summary), f["Summary"]);
    assert_eq!(ferret_core::hex::encode(&p.sigmd5), f["SigMD5"]);
    assert_eq!(p.install_time.unwrap().to_string(), f["InstallTime"]);
    assert_eq!(f["DigestAlgorithm"], "PGPHASHALGO_SHA256");
    assert_eq!(p.digest_algo, ferret_baseline::pkg::rpm::DigestAlgo::Sha256);
    let want = go_files(files_var);
    assert!(!want.is_empty());
    let got: Vec<Vec<String>> = p
        .files
        .iter()
        .map(|f| {
            vec![
                s(&f.path),
                format!("0x{:x}", f.mode),
                ferret_core::hex::encode(&f.digest),
                f.size.to_string(),
                s(&f.user),
                s(&f.group),
                f.flags.0.to_string(),
            ]
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn sqlite_and_bdb_packages_equal_go_rpmdb_details_and_files() {
    let db = read_file(&data("cbl-mariner-2.0/rpmdb.sqlite"));
    assert_eq!(db.format, DbFormat::Sqlite);
    assert!(db.errors.is_empty(), "{:?}", db.errors);
    check_go_package(
        &db,
        "curl",
        "cbl-mariner-2.0/rpmdb.sqlite",
        "Mariner2CurlInstalledFiles",
    );
    let db = read_file(&data("libuuid/Packages"));
    assert_eq!(db.format, DbFormat::BerkeleyDb);
    assert!(db.errors.is_empty(), "{:?}", db.errors);
    assert_eq!(db.packages.len(), 1);
    check_go_package(&db, "libuuid", "libuuid/Packages", "LibuuidInstalledFiles");
}

// ---- rpm itself, on copies ----------------------------------------------------------------

const QF: &str = "%{DBINSTANCE}|%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SIZE}|%{SIGMD5}|%{INSTALLTIME}|%{SOURCERPM}|%{LICENSE}|%{VENDOR}|%{SUMMARY}\\n";

fn rpm(dbdir: &Path, args: &[&str]) -> String {
    let out = Command::new("rpm")
        .env("LC_ALL", "C")
        .arg("--dbpath")
        .arg(dbdir)
        .args(args)
        .output()
        .expect("rpm (Debian package rpm, see .ci/packages.txt)");
    assert!(
        out.status.success(),
        "rpm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A copy of the database file `src` as `name` in a new directory (rpm may write there).
fn copy_db(src: &Path, name: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::copy(src, d.path().join(name)).unwrap();
    let mut perm = std::fs::metadata(d.path().join(name))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o644);
    std::fs::set_permissions(d.path().join(name), perm).unwrap();
    d
}

fn our_qa(db: &RpmDb) -> Vec<String> {
    let none = |b: &[u8]| {
        if b.is_empty() {
            "(none)".to_owned()
        } else {
            s(b)
        }
    };
    let mut v: Vec<String> = db
        .packages
        .iter()
        .map(|p| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
                p.hnum,
                s(&p.name),
                p.epoch.map_or("(none)".into(), |e| e.to_string()),
                s(&p.version),
                s(&p.release),
                none(&p.arch),
                p.size,
                if p.sigmd5.is_empty() {
                    "(none)".into()
                } else {
                    ferret_core::hex::encode(&p.sigmd5)
                },
                p.install_time.map_or("(none)".into(), |t| t.to_string()),
                none(&p.source_rpm),
                none(&p.license),
                none(&p.vendor),
                none(&p.summary),
            )
        })
        .collect();
    v.sort();
    v
}

fn their_qa(dbdir: &Path) -> Vec<String> {
    let mut v: Vec<String> = rpm(dbdir, &["-qa", "--qf", QF])
        .lines()
        .map(str::to_owned)
        .collect();
    v.sort();
    v
}

/// `rpm -qa --dump` per header number.
fn their_dump(dbdir: &Path) -> BTreeMap<u32, String> {
    let out = rpm(dbdir, &["-qa", "--qf", "==%{DBINSTANCE}\\n", "--dump"]);
    let mut m = BTreeMap::new();
    let mut cur: Option<(u32, String)> = None;
    for l in out.lines() {
        if let Some(n) = l.strip_prefix("==") {
            if let Some((k, v)) = cur.take() {
                m.insert(k, v);
            }
            cur = Some((n.parse().unwrap(), String::new()));
        } else if let Some((_, v)) = cur.as_mut() {
            v.push_str(l);
            v.push('\n');
        }
    }
    if let Some((k, v)) = cur {
        m.insert(k, v);
    }
    m
}

/// Our records in `rpm --dump` format: path size mtime digest mode owner group isconfig isdoc
/// rdev symlink.
fn our_dump(db: &RpmDb) -> BTreeMap<u32, String> {
    db.packages
        .iter()
        .map(|p| {
            let mut out = String::new();
            if p.files.is_empty() {
                out.push_str("(contains no files)\n");
            }
            let zeros = "0".repeat(2 * p.digest_algo.digest_len().unwrap_or(16));
            for f in &p.files {
                let digest = if f.digest.is_empty() {
                    zeros.clone()
                } else {
                    ferret_core::hex::encode(&f.digest)
                };
                let _ = writeln!(
                    out,
                    "{} {} {} {} 0{:o} {} {} {} {} {} {}",
                    s(&f.path),
                    f.size,
                    f.mtime as i32,
                    digest,
                    f.mode,
                    s(&f.user),
                    s(&f.group),
                    u8::from(f.flags.has(ferret_baseline::pkg::rpm::FileFlags::CONFIG)),
                    u8::from(f.flags.has(ferret_baseline::pkg::rpm::FileFlags::DOC)),
                    f.rdev,
                    if f.link_to.is_empty() {
                        "X".to_owned()
                    } else {
                        s(&f.link_to)
                    },
                );
            }
            (p.hnum, out)
        })
        .collect()
}

fn assert_same_as_rpm(db: &RpmDb, dbdir: &Path) {
    let (ours, theirs) = (our_qa(db), their_qa(dbdir));
    assert!(!theirs.is_empty());
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(&theirs) {
        assert_eq!(o, t);
    }
    let (ours, theirs) = (our_dump(db), their_dump(dbdir));
    assert_eq!(ours.len(), theirs.len());
    let mut lines = 0;
    for (k, t) in &theirs {
        assert_eq!(ours.get(k), Some(t), "files of header {k}");
        lines += t.lines().count();
    }
    assert!(lines > 0);
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn sqlite_database_equals_rpm_qa_and_dump() {
    let src = data("cbl-mariner-2.0/rpmdb.sqlite");
    let db = read_file(&src);
    assert_eq!(db.packages.len(), 129);
    let copy = copy_db(&src, "rpmdb.sqlite");
    assert_same_as_rpm(&db, copy.path());
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn bdb_database_equals_rpm_qa_and_dump() {
    let src = data("libuuid/Packages");
    let db = read_file(&src);
    let copy = copy_db(&src, "Packages");
    assert_same_as_rpm(&db, copy.path());
}

/// A Berkeley DB hash `Packages` holding `blobs` (header number, blob), written by
/// `db5.3_load`, in big-endian byte order when `big`.
fn build_bdb(dir: &Path, blobs: &[(u32, Vec<u8>)], big: bool, page_size: u32) -> PathBuf {
    let mut dump =
        format!("VERSION=3\nformat=bytevalue\ntype=hash\ndb_pagesize={page_size}\nHEADER=END\n");
    let key = |n: u32| {
        if big {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        }
    };
    // rpm's record of the next header number, under key 0.
    let next = blobs.iter().map(|b| b.0).max().unwrap_or(0) + 1;
    let _ = writeln!(
        dump,
        " {}\n {}",
        ferret_core::hex::encode(&key(0)),
        ferret_core::hex::encode(&key(next))
    );
    for (n, b) in blobs {
        let _ = writeln!(
            dump,
            " {}\n {}",
            ferret_core::hex::encode(&key(*n)),
            ferret_core::hex::encode(b)
        );
    }
    dump.push_str("DATA=END\n");
    let txt = dir.join("dump.txt");
    std::fs::write(&txt, dump).unwrap();
    let out = dir.join("Packages");
    let mut cmd = Command::new("db5.3_load");
    if big {
        cmd.args(["-c", "db_lorder=4321"]);
    }
    let st = cmd
        .arg("-f")
        .arg(&txt)
        .arg(&out)
        .status()
        .expect("db5.3_load (Debian package db5.3-util, see .ci/packages.txt)");
    assert!(st.success());
    std::fs::remove_file(&txt).unwrap();
    out
}

/// Every header of the SQLite database, as (number, blob).
fn mariner_blobs() -> Vec<(u32, Vec<u8>)> {
    let src = data("cbl-mariner-2.0/rpmdb.sqlite");
    let bytes = std::fs::read(&src).unwrap();
    let db = ferret_sqlite::Database::open(&bytes[..], None, &src).unwrap();
    let t = db.table("Packages").unwrap();
    db.rows(&t)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            (r.rowid() as u32, r.get(1).as_bytes().unwrap().to_vec())
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn larger_bdb_built_from_real_headers_in_both_byte_orders_equals_rpm() {
    let blobs = mariner_blobs();
    assert_eq!(blobs.len(), 129);
    let from_sqlite = read_file(&data("cbl-mariner-2.0/rpmdb.sqlite"));
    for (big, ps) in [(false, 4096), (true, 4096), (false, 512), (true, 16384)] {
        let dir = tempfile::tempdir().unwrap();
        let p = build_bdb(dir.path(), &blobs, big, ps);
        let db = read_file(&p);
        assert_eq!(db.format, DbFormat::BerkeleyDb);
        assert!(db.errors.is_empty(), "{:?}", db.errors);
        assert_eq!(
            db.packages, from_sqlite.packages,
            "big-endian {big}, page size {ps}"
        );
        if !big || ps == 4096 {
            assert_same_as_rpm(&db, dir.path());
        }
    }
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn many_entries_in_a_bdb_hash() {
    // 3,000 entries (the real headers, repeated under new numbers): many buckets, split
    // pages, long overflow chains.
    let blobs = mariner_blobs();
    let many: Vec<(u32, Vec<u8>)> = (0..3000u32)
        .map(|i| (i + 1, blobs[i as usize % blobs.len()].1.clone()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = build_bdb(dir.path(), &many, false, 4096);
    let db = read_file(&p);
    assert!(db.errors.is_empty(), "{:?}", db.errors);
    let got: Vec<u32> = db.packages.iter().map(|p| p.hnum).collect();
    assert_eq!(got, (1..=3000).collect::<Vec<_>>());
    assert_eq!(their_qa(dir.path()).len(), 3000);
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn read_root_finds_each_format_at_the_distribution_paths() {
    for (rel, dir, name, fmt) in [
        (
            "cbl-mariner-2.0/rpmdb.sqlite",
            "var/lib/rpm",
            "rpmdb.sqlite",
            DbFormat::Sqlite,
        ),
        (
            "libuuid/Packages",
            "var/lib/rpm",
            "Packages",
            DbFormat::BerkeleyDb,
        ),
        (
            "sle15-bci/Packages.db",
            "usr/lib/sysimage/rpm",
            "Packages.db",
            DbFormat::Ndb,
        ),
    ] {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join(dir)).unwrap();
        std::fs::copy(data(rel), t.path().join(dir).join(name)).unwrap();
        let root = HostRoot::new(t.path()).unwrap();
        let db = read_root(&root, &ReadOptions::default(), &Control::new())
            .unwrap()
            .unwrap();
        assert_eq!(db.format, fmt);
        assert_eq!(db.path, Path::new("/").join(dir).join(name));
        assert_eq!(db.packages, read_file(&data(rel)).packages);
        assert!(db.errors.is_empty(), "{:?}", db.errors);
    }
    // Fedora 36+: /var/lib/rpm is a link to ../../usr/lib/sysimage/rpm; read once. An old
    // Berkeley DB left beside it is named, not read.
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join("usr/lib/sysimage/rpm")).unwrap();
    std::fs::create_dir_all(t.path().join("var/lib")).unwrap();
    std::os::unix::fs::symlink("../../usr/lib/sysimage/rpm", t.path().join("var/lib/rpm")).unwrap();
    std::fs::copy(
        data("cbl-mariner-2.0/rpmdb.sqlite"),
        t.path().join("usr/lib/sysimage/rpm/rpmdb.sqlite"),
    )
    .unwrap();
    std::fs::copy(
        data("libuuid/Packages"),
        t.path().join("usr/lib/sysimage/rpm/Packages"),
    )
    .unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let db = read_root(&root, &ReadOptions::default(), &Control::new())
        .unwrap()
        .unwrap();
    assert_eq!(db.format, DbFormat::Sqlite);
    assert_eq!(db.errors.len(), 1, "{:?}", db.errors);
    assert!(
        db.errors[0].message.contains("Packages (bdb)"),
        "{:?}",
        db.errors
    );
    // No database: None.
    let empty = tempfile::tempdir().unwrap();
    let root = HostRoot::new(empty.path()).unwrap();
    assert!(read_root(&root, &ReadOptions::default(), &Control::new())
        .unwrap()
        .is_none());
}

// ---- damaged databases ---------------------------------------------------------------------

fn try_read(b: &[u8], name: &str) -> Result<RpmDb, String> {
    read(
        b,
        None,
        Path::new(name),
        &ReadOptions::default(),
        &Control::new(),
    )
    .map_err(|e| e.to_string())
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn truncated_and_bit_flipped_databases_give_errors_naming_the_file() {
    for (rel, name) in [
        ("cbl-mariner-2.0/rpmdb.sqlite", "rpmdb.sqlite"),
        ("libuuid/Packages", "Packages"),
        ("sle15-bci/Packages.db", "Packages.db"),
    ] {
        let good = std::fs::read(data(rel)).unwrap();
        let full = try_read(&good, name).unwrap().packages.len();
        for cut in [
            0,
            15,
            100,
            600,
            good.len() / 3,
            good.len() * 2 / 3,
            good.len() - 1,
        ] {
            match try_read(&good[..cut], name) {
                Err(e) => assert!(e.contains(name), "{e}"),
                Ok(db) => {
                    assert!(db.packages.len() <= full);
                    if db.packages.len() < full {
                        assert!(
                            !db.errors.is_empty(),
                            "{rel} cut at {cut}: packages lost silently"
                        );
                        assert!(db.errors.iter().all(|e| e.path.as_deref() == Some(name)));
                    }
                }
            }
        }
        // Bit flips spread over the file: never a panic; a package is lost only with an error.
        let step = (good.len() / 100).max(1);
        for i in (0..good.len()).step_by(step) {
            let mut b = good.clone();
            b[i] ^= 0x10;
            if let Ok(db) = try_read(&b, name) {
                if db.packages.len() < full {
                    assert!(
                        !db.errors.is_empty(),
                        "{rel} flip at {i}: packages lost silently"
                    );
                }
            }
        }
    }
}

/// A minimal valid header blob.
fn small_header(name: &str) -> Vec<u8> {
    use ferret_baseline::pkg::rpm::fuzzing::build_header as build;
    use ferret_baseline::pkg::rpm::header::{kind, tag};
    let st = |v: &str| {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    };
    build(
        &[
            (tag::NAME, kind::STRING, 1, st(name)),
            (tag::VERSION, kind::STRING, 1, st("1.0")),
            (tag::RELEASE, kind::STRING, 1, st("1")),
            (tag::ARCH, kind::STRING, 1, st("x86_64")),
            (
                tag::SUMMARY,
                kind::STRING,
                1,
                st(&"a long summary ".repeat(80)),
            ),
            (
                tag::FILESIZES,
                kind::INT32,
                2,
                [5u32, 7].iter().flat_map(|x| x.to_be_bytes()).collect(),
            ),
            (
                tag::FILEMODES,
                kind::INT16,
                2,
                [0o100_755u16, 0o100_644]
                    .iter()
                    .flat_map(|x| x.to_be_bytes())
                    .collect(),
            ),
            (
                tag::DIRINDEXES,
                kind::INT32,
                2,
                [0u32, 1].iter().flat_map(|x| x.to_be_bytes()).collect(),
            ),
            (tag::BASENAMES, kind::STRING_ARRAY, 2, b"a\0b\0".to_vec()),
            (
                tag::DIRNAMES,
                kind::STRING_ARRAY,
                2,
                b"/bin/\0/etc/\0".to_vec(),
            ),
        ],
        &[(
            tag::INSTALLTIME,
            kind::INT32,
            1,
            1_700_000_000u32.to_be_bytes().to_vec(),
        )],
        true,
    )
}

#[test]
fn hostile_headers_are_errors_never_panics_or_huge_allocations() {
    use ferret_baseline::pkg::rpm::RpmPackage;
    let good = small_header("x");
    let p = RpmPackage::from_blob(1, &good, true).unwrap();
    assert_eq!(p.files.len(), 2);
    assert_eq!(p.files[1].path, b"/etc/b");
    assert_eq!(p.install_time, Some(1_700_000_000));
    // Counts pointing past the end: the index count, the data length, an entry's count.
    let mut b = good.clone();
    b[0..4].copy_from_slice(&0x0fff_u32.to_be_bytes());
    assert!(RpmPackage::from_blob(1, &b, true)
        .unwrap_err()
        .0
        .contains("does not match"));
    let mut b = good.clone();
    b[4..8].copy_from_slice(&0x0fff_ffff_u32.to_be_bytes());
    assert!(RpmPackage::from_blob(1, &b, true).is_err());
    // FILESIZES (entry 6, after the region tag) claims a million elements.
    for (field, value) in [(12, 0x000f_ffffu32), (8, 0xffff_fff0), (4, 9)] {
        let mut b = good.clone();
        let at = 8 + 16 * 6 + field;
        b[at..at + 4].copy_from_slice(&value.to_be_bytes());
        let e = RpmPackage::from_blob(1, &b, true).unwrap_err();
        assert!(e.0.contains("tag 1028") || e.0.contains("FILESIZES"), "{e}");
    }
    // A DIRINDEXES past the DIRNAMES.
    let mut b = good.clone();
    let data_start = 8 + 16 * (u32::from_be_bytes(b[0..4].try_into().unwrap()) as usize);
    let off = u32::from_be_bytes(b[8 + 16 * 8 + 8..8 + 16 * 8 + 12].try_into().unwrap()) as usize;
    b[data_start + off + 4..data_start + off + 8].copy_from_slice(&7u32.to_be_bytes());
    assert!(RpmPackage::from_blob(1, &b, true)
        .unwrap_err()
        .0
        .contains("DIRINDEXES"));
    // Every truncation and single-byte change: no panic.
    for n in 0..good.len() {
        let _ = RpmPackage::from_blob(1, &good[..n], true);
        for x in [0x00, 0xff, 0x80] {
            let mut b = good.clone();
            b[n] = x;
            ferret_baseline::pkg::rpm::fuzzing::header(&b);
        }
    }
}

#[test]
fn bdb_page_cycles_end_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let blobs: Vec<(u32, Vec<u8>)> = (1..=40)
        .map(|i| (i, small_header(&format!("pkg{i}"))))
        .collect();
    let p = build_bdb(dir.path(), &blobs, false, 512);
    let good = std::fs::read(&p).unwrap();
    assert_eq!(try_read(&good, "Packages").unwrap().packages.len(), 40);
    // Point every hash page's "next page" at itself: each chain is cut with an error.
    let ps = 512;
    let mut bad = good.clone();
    let mut patched = 0;
    for pg in 1..good.len() / ps {
        if matches!(good[pg * ps + 25], 2 | 13) {
            bad[pg * ps + 16..pg * ps + 20].copy_from_slice(&(pg as u32).to_le_bytes());
            patched += 1;
        }
    }
    assert!(patched > 0);
    let db = try_read(&bad, "Packages").unwrap();
    assert!(
        db.errors.iter().any(|e| e.message.contains("second time")),
        "{:?}",
        db.errors
    );
    // Overflow chains: with 512-byte pages every header overflows; loop one chain on itself.
    let mut bad = good.clone();
    let ovfl = (1..good.len() / ps)
        .find(|&pg| good[pg * ps + 25] == 7 && good[pg * ps + 16..pg * ps + 20] != [0; 4])
        .unwrap();
    bad[ovfl * ps + 16..ovfl * ps + 20].copy_from_slice(&(ovfl as u32).to_le_bytes());
    let db = try_read(&bad, "Packages").unwrap();
    assert_eq!(db.packages.len(), 39);
    assert_eq!(db.errors.len(), 1, "{:?}", db.errors);
    assert!(
        db.errors[0].message.contains("second time"),
        "{:?}",
        db.errors
    );
}

#[test]
fn sqlite_with_a_corrupt_page_and_a_torn_wal_reads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rpmdb.sqlite");
    let mut sql = String::from(
        "PRAGMA page_size=1024;\nCREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL);\nBEGIN;\n",
    );
    for i in 1..=60 {
        let _ = writeln!(
            sql,
            "INSERT INTO Packages VALUES ({i}, x'{}');",
            ferret_core::hex::encode(&small_header(&format!("p{i}")))
        );
    }
    sql.push_str("COMMIT;\n");
    let mut child = Command::new("sqlite3")
        .arg(&p)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sqlite3");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), sql.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let good = std::fs::read(&p).unwrap();
    assert_eq!(try_read(&good, "rpmdb.sqlite").unwrap().packages.len(), 60);
    let leaves: Vec<usize> = (1..good.len() / 1024)
        .filter(|&i| good[i * 1024] == 13)
        .collect();
    assert!(leaves.len() > 2);
    let mut bad = good.clone();
    bad[leaves[1] * 1024] = 0x42;
    let db = try_read(&bad, "rpmdb.sqlite").unwrap();
    assert!(
        db.packages.len() < 60 && db.packages.len() > 30,
        "{}",
        db.packages.len()
    );
    assert_eq!(db.errors.len(), 1, "{:?}", db.errors);
    assert!(
        db.errors[0]
            .message
            .contains(&format!("page {}", leaves[1] + 1)),
        "{:?}",
        db.errors
    );
    // A WAL whose only commit is torn: the database is read as it was, and it is said.
    let page = good[..1024].to_vec();
    let wal = ferret_sqlite::fuzzing::build_wal(
        1024,
        &[(1, &page, 0), (2, &good[1024..2048], 99)],
        false,
    );
    let torn = &wal[..wal.len() - 100];
    let db = read(
        &good,
        Some(torn),
        Path::new("rpmdb.sqlite"),
        &ReadOptions::default(),
        &Control::new(),
    )
    .unwrap();
    assert_eq!(db.packages.len(), 60);
    assert!(
        db.errors
            .iter()
            .any(|e| e.message.contains("partial frame")),
        "{:?}",
        db.errors
    );
}

#[test]
fn ndb_and_bdb_seeds_built_from_an_rpmbuild_header_read_back() {
    use ferret_baseline::pkg::rpm::FileFlags;
    // fuzz/corpus/baseline_rpm_header/ferret-demo: the installed header of a package built
    // with rpmbuild (%config, %config(noreplace), %config(missingok) with %verify(not md5 size
    // mtime), %ghost, %doc, a symlink and a hard link); the NDB and BDB seeds hold it.
    let corpus = ferret_testkit::fuzz::corpus_dir("baseline_rpm_header");
    let blob = std::fs::read(corpus.join("ferret-demo")).unwrap();
    let want = ferret_baseline::pkg::rpm::RpmPackage::from_blob(1, &blob, true).unwrap();
    assert_eq!(want.nevra(), b"ferret-demo-1.2-3.noarch");
    let by = |p: &str| want.files.iter().find(|f| f.path == p.as_bytes()).unwrap();
    assert!(by("/var/log/ferret/demo.log").flags.has(FileFlags::GHOST));
    assert!(by("/etc/ferret/keep.conf")
        .flags
        .has(FileFlags::CONFIG | FileFlags::NOREPLACE));
    let missing = by("/etc/ferret/missing.conf");
    assert!(missing.flags.has(FileFlags::MISSINGOK));
    assert_eq!(missing.verify_flags & 0b10_0011, 0, "not md5 size mtime");
    assert_eq!(by("/usr/bin/fdemo").link_to, b"ferret-demo");
    assert_eq!(
        by("/usr/bin/ferret-demo").inode,
        by("/usr/bin/ferret-demo-hard").inode
    );
    for (target, name, n) in [
        ("baseline_rpm_ndb", "two", 2),
        ("baseline_rpm_bdb", "le-512", 1),
        ("baseline_rpm_bdb", "be-512", 2),
    ] {
        let b = std::fs::read(ferret_testkit::fuzz::corpus_dir(target).join(name)).unwrap();
        let db = try_read(&b, name).unwrap();
        assert!(db.errors.is_empty(), "{name}: {:?}", db.errors);
        assert_eq!(db.packages.len(), n, "{name}");
        for p in &db.packages {
            assert_eq!(p.files, want.files);
            assert_eq!(p.nevra(), want.nevra());
        }
    }
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn a_package_committed_only_to_the_wal_is_listed_like_rpm_does() {
    // rpm runs SQLite in WAL mode with wal_autocheckpoint = 10000: the last transactions live in
    // rpmdb.sqlite-wal. Add a package there (copy taken while the connection is open).
    let work = tempfile::tempdir().unwrap();
    let live = copy_db(&data("cbl-mariner-2.0/rpmdb.sqlite"), "rpmdb.sqlite");
    let snap = work.path().join("var/lib/rpm");
    let blob =
        std::fs::read(ferret_testkit::fuzz::corpus_dir("baseline_rpm_header").join("ferret-demo"))
            .unwrap();
    let db = live.path().join("rpmdb.sqlite");
    let script = format!(
        "PRAGMA journal_mode=WAL;\nPRAGMA wal_autocheckpoint=0;\n\
         INSERT INTO Packages VALUES (1000, x'{}');\n\
         .shell mkdir -p {snap} && cp {db} {db}-wal {snap}/\n",
        ferret_core::hex::encode(&blob),
        snap = snap.display(),
        db = db.display(),
    );
    let mut child = Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("sqlite3");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), script.as_bytes()).unwrap();
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert!(
        std::fs::metadata(snap.join("rpmdb.sqlite-wal"))
            .unwrap()
            .len()
            > 0
    );

    let root = HostRoot::new(work.path()).unwrap();
    let got = read_root(&root, &ReadOptions::default(), &Control::new())
        .unwrap()
        .unwrap();
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    assert_eq!(got.packages.len(), 130);
    assert_eq!(
        got.packages.last().unwrap().nevra(),
        b"ferret-demo-1.2-3.noarch"
    );
    // Nothing was created beside the database.
    let mut names: Vec<_> = std::fs::read_dir(&snap)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["rpmdb.sqlite", "rpmdb.sqlite-wal"]);
    // rpm (on a copy) agrees; without the WAL the package is not there.
    let copy = tempfile::tempdir().unwrap();
    for n in ["rpmdb.sqlite", "rpmdb.sqlite-wal"] {
        std::fs::copy(snap.join(n), copy.path().join(n)).unwrap();
    }
    assert_eq!(our_qa(&got), their_qa(copy.path()));
    let main_only = read_file(&snap.join("rpmdb.sqlite"));
    assert_eq!(main_only.packages.len(), 129);
}

/// A header of one package whose files are `(dirname, basename, digest hex)`, SHA-256 digests.
fn files_header(name: &str, files: &[(&str, &str, &str)]) -> Vec<u8> {
    use ferret_baseline::pkg::rpm::fuzzing::build_header as build;
    use ferret_baseline::pkg::rpm::header::{kind, tag};
    let st = |v: &str| format!("{v}\0").into_bytes();
    let n = files.len() as u32;
    let strs = |f: &dyn Fn(&(&str, &str, &str)) -> String| -> Vec<u8> {
        files.iter().flat_map(|x| st(&f(x))).collect()
    };
    let ints = |v: u32| -> Vec<u8> { (0..n).flat_map(|_| v.to_be_bytes()).collect() };
    build(
        &[
            (tag::NAME, kind::STRING, 1, st(name)),
            (tag::VERSION, kind::STRING, 1, st("1")),
            (tag::RELEASE, kind::STRING, 1, st("1")),
            (tag::ARCH, kind::STRING, 1, st("noarch")),
            (tag::FILESIZES, kind::INT32, n, ints(4)),
            (
                tag::FILEMODES,
                kind::INT16,
                n,
                (0..n).flat_map(|_| 0o100_644u16.to_be_bytes()).collect(),
            ),
            (
                tag::DIRINDEXES,
                kind::INT32,
                n,
                (0..n).flat_map(u32::to_be_bytes).collect(),
            ),
            (tag::BASENAMES, kind::STRING_ARRAY, n, strs(&|f| f.1.into())),
            (tag::DIRNAMES, kind::STRING_ARRAY, n, strs(&|f| f.0.into())),
            (
                tag::FILEDIGESTS,
                kind::STRING_ARRAY,
                n,
                strs(&|f| f.2.into()),
            ),
            (
                tag::FILEDIGESTALGO,
                kind::INT32,
                1,
                8u32.to_be_bytes().to_vec(),
            ),
            (
                tag::FILEUSERNAME,
                kind::STRING_ARRAY,
                n,
                strs(&|_| "root".into()),
            ),
            (
                tag::FILEGROUPNAME,
                kind::STRING_ARRAY,
                n,
                strs(&|_| "root".into()),
            ),
        ],
        &[],
        true,
    )
}

#[test]
fn hostile_records_are_errors_or_findings_never_reads_outside_the_root() {
    use ferret_baseline::pkg::{verify_root, FileProblem, VerifyOptions};
    let base = tempfile::tempdir().unwrap();
    std::fs::write(base.path().join("outside"), "out\n").unwrap();
    let root = base.path().join("r/root");
    std::fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/ok"), "out\n").unwrap();
    let sha = |b: &[u8]| {
        use sha2::Digest as _;
        ferret_core::hex::encode(&sha2::Sha256::digest(b))
    };
    // The digest of the file planted outside the root, and of /etc/ok.
    let good = sha(b"out\n");
    let blobs = vec![
        // Paths climbing out of the root, and a file that is fine.
        (
            1,
            files_header(
                "climber",
                &[
                    ("/../../", "outside", &good),
                    ("/etc/../../../", "outside", &good),
                    ("/etc/", "ok", &good),
                ],
            ),
        ),
        // A digest of the wrong length: the header is refused, with the database named.
        (2, files_header("short", &[("/etc/", "ok", &good[..40])])),
        // File counts that disagree: two digests for one file.
        (3, {
            use ferret_baseline::pkg::rpm::fuzzing::build_header as build;
            use ferret_baseline::pkg::rpm::header::{kind, tag};
            let st = |v: &str| format!("{v}\0").into_bytes();
            build(
                &[
                    (tag::NAME, kind::STRING, 1, st("counts")),
                    (tag::VERSION, kind::STRING, 1, st("1")),
                    (tag::RELEASE, kind::STRING, 1, st("1")),
                    (tag::ARCH, kind::STRING, 1, st("noarch")),
                    (tag::FILESIZES, kind::INT32, 1, 4u32.to_be_bytes().to_vec()),
                    (tag::DIRINDEXES, kind::INT32, 1, 0u32.to_be_bytes().to_vec()),
                    (tag::BASENAMES, kind::STRING_ARRAY, 1, st("ok")),
                    (tag::DIRNAMES, kind::STRING_ARRAY, 1, st("/etc/")),
                    (
                        tag::FILEDIGESTS,
                        kind::STRING_ARRAY,
                        2,
                        [st(&good), st(&good)].concat(),
                    ),
                ],
                &[],
                true,
            )
        }),
    ];
    build_bdb(&root.join("var/lib/rpm"), &blobs, false, 4096);
    let hr = HostRoot::new(&root).unwrap();
    let r = verify_root(&hr, &VerifyOptions::default(), &Control::new());
    let lines: Vec<String> = r.problems.iter().map(FileProblem::rpm_line).collect();
    // The climbing paths never reach the file outside (whose digest they carry): each is
    // reported missing (resolved inside the root) or unreadable, never verified clean.
    for p in ["/../../outside", "/etc/../../../outside"] {
        assert!(
            lines.iter().any(|l| l.ends_with(&format!(" {p}")))
                || r.outcome
                    .errors
                    .iter()
                    .any(|e| e.message.contains(p) || e.path.as_deref() == Some(p)),
            "{p}: {lines:?} {:?}",
            r.outcome.errors
        );
    }
    // The file inside the root is verified: its content matches (no `5`; no mtime was
    // recorded, so `T`, as rpm says).
    assert!(
        lines.contains(&".......T.    /etc/ok".to_owned()),
        "{lines:?}"
    );
    // The two damaged headers: errors naming the database, the rest still verified.
    let db_errors: Vec<&str> = r
        .outcome
        .errors
        .iter()
        .filter(|e| e.path.as_deref() == Some("/var/lib/rpm/Packages"))
        .map(|e| e.message.as_str())
        .collect();
    assert!(
        db_errors.iter().any(|m| m.contains("digest")),
        "{db_errors:?}"
    );
    assert!(
        db_errors.iter().any(|m| m.contains("FILEDIGESTS")),
        "{db_errors:?}"
    );
    assert_eq!(r.packages, 1, "{:?}", r.outcome.errors);
}

// ---- package ownership index -----------------------------------------------------------------

/// Every (path, package) pair `rpm -qa` lists for the database in `dbdir`, sorted.
fn their_owned(dbdir: &Path) -> Vec<(String, String)> {
    let out = rpm(dbdir, &["-qa", "--qf", "[%{FILENAMES}\\t%{=NEVRA}\\n]"]);
    let mut v: Vec<(String, String)> = out
        .lines()
        .filter_map(|l| l.split_once('\t'))
        // A package without files prints `(none)`.
        .filter(|(p, _)| p.starts_with('/'))
        .map(|(p, n)| (p.to_owned(), n.to_owned()))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn index_root_owns_what_rpm_lists_in_each_format() {
    use ferret_baseline::pkg::{index_root, Digest, IndexOptions};
    for (rel, dir, name, fmt) in [
        (
            "cbl-mariner-2.0/rpmdb.sqlite",
            "var/lib/rpm",
            "rpmdb.sqlite",
            "sqlite",
        ),
        ("libuuid/Packages", "var/lib/rpm", "Packages", "bdb"),
        (
            "sle15-bci/Packages.db",
            "usr/lib/sysimage/rpm",
            "Packages.db",
            "ndb",
        ),
    ] {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join(dir)).unwrap();
        std::fs::copy(data(rel), t.path().join(dir).join(name)).unwrap();
        let r = index_root(
            &HostRoot::new(t.path()).unwrap(),
            &IndexOptions::default(),
            &Control::new(),
        );
        assert!(r.errors.is_empty(), "{rel}: {:?}", r.errors);
        let idx = &r.index;
        assert_eq!(idx.sources().len(), 1, "{:?}", idx.sources());
        assert!(
            idx.sources()[0].starts_with(&format!("rpm /{dir}/{name} ({fmt})")),
            "{:?}",
            idx.sources()
        );
        // The reader's list (and rpm's own, where Debian's rpm reads the format: not NDB):
        // the same paths, each with the same owners.
        let db = read_file(&data(rel));
        let mut theirs: Vec<(String, String)> = db
            .packages
            .iter()
            .flat_map(|p| p.files.iter().map(|f| (s(&f.path), s(&p.nevra()))))
            .collect();
        theirs.sort();
        theirs.dedup();
        assert!(!theirs.is_empty(), "{rel}");
        if fmt != "ndb" {
            let copy = copy_db(&data(rel), name);
            assert_eq!(their_owned(copy.path()), theirs, "{rel}: rpm -qa");
        }
        let mut ours: Vec<(String, String)> = idx
            .iter()
            .flat_map(|(p, _)| idx.owners(p).map(|o| (s(p), s(o))).collect::<Vec<_>>())
            .collect();
        ours.sort();
        assert_eq!(ours.len(), theirs.len(), "{rel}");
        if let Some((a, b)) = ours.iter().zip(&theirs).find(|(a, b)| a != b) {
            panic!("{rel}: ours {a:?}, rpm's {b:?}");
        }
        // The recorded facts ride along: a regular file's size, mode and digest.
        let f = db
            .packages
            .iter()
            .flat_map(|p| &p.files)
            .find(|f| f.mode & 0o170_000 == 0o100_000 && !f.digest.is_empty())
            .unwrap();
        let rec = idx.get(&f.path).unwrap();
        assert_eq!(rec.size, Some(f.size));
        assert_eq!(rec.mode, Some(u32::from(f.mode)));
        assert_eq!(
            rec.digest.as_ref().map(Digest::as_bytes),
            Some(&f.digest[..])
        );
    }
}

/// The scriptlet bodies and interpreters rpm prints (`%{PREIN}`, `%{POSTINPROG}`, ...,
/// `[%{TRIGGERSCRIPTS}]`) equal [`ReadOptions::scripts`]' for every package of the SQLite and
/// Berkeley DB databases.
#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn scriptlets_equal_rpm_queryformat() {
    const SEP: &str = "@@ferret@@";
    let tags = [
        ("%pretrans", "PRETRANS"),
        ("%pre", "PREIN"),
        ("%post", "POSTIN"),
        ("%preun", "PREUN"),
        ("%postun", "POSTUN"),
        ("%posttrans", "POSTTRANS"),
        ("%verifyscript", "VERIFYSCRIPT"),
    ];
    let mut qf = String::from("%{DBINSTANCE}");
    for (_, t) in tags {
        let _ = write!(qf, "{SEP}%{{{t}}}");
    }
    let _ = write!(qf, "{SEP}[%{{TRIGGERSCRIPTS}}{SEP}]\\n@@end@@\\n");
    let mut scripts = 0;
    for (rel, name) in [
        ("cbl-mariner-2.0/rpmdb.sqlite", "rpmdb.sqlite"),
        ("libuuid/Packages", "Packages"),
    ] {
        let src = data(rel);
        let bytes = std::fs::read(&src).unwrap();
        let mut opts = ReadOptions::default();
        opts.scripts = true;
        opts.files = false;
        let db = read(&bytes, None, &src, &opts, &Control::new()).unwrap();
        assert!(db.errors.is_empty(), "{:?}", db.errors);
        let copy = copy_db(&src, name);
        let theirs = rpm(copy.path(), &["-qa", "--qf", &qf]);
        let theirs: BTreeMap<u32, Vec<String>> = theirs
            .split("\n@@end@@\n")
            .filter(|rec| !rec.is_empty())
            .map(|rec| {
                let f: Vec<String> = rec.split(SEP).map(str::to_owned).collect();
                let n = f[0].parse().unwrap();
                let mut v: Vec<String> = f[1..8].to_vec();
                let trig: Vec<String> = f[8..].iter().filter(|x| !x.is_empty()).cloned().collect();
                if trig.is_empty() {
                    v.push("(none)".to_owned());
                } else {
                    v.extend(trig);
                }
                (n, v)
            })
            .collect();
        for p in &db.packages {
            let mut ours: Vec<String> = tags
                .iter()
                .map(|(k, _)| {
                    p.scripts
                        .iter()
                        .find(|x| x.kind == *k && !x.body.is_empty())
                        .map_or("(none)".to_owned(), |x| s(&x.body))
                })
                .collect();
            let trig: Vec<String> = p
                .scripts
                .iter()
                .filter(|x| x.kind == "%trigger")
                .map(|x| s(&x.body))
                .collect();
            if trig.is_empty() {
                ours.push("(none)".to_owned());
            } else {
                ours.extend(trig);
            }
            scripts += p.scripts.len();
            let want = theirs.get(&p.hnum).unwrap();
            assert_eq!(&ours, want, "{rel}: {}", s(&p.name));
        }
    }
    assert!(scripts > 0);
}
