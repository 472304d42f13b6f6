//! Against the real tools: `sha256sum` and `b3sum` compute the same hashes and accept our
//! manifests.
use super::*;
use ferret_baseline::check_root;
use ferret_baseline::manifest::{self, ManifestFormat};
use ferret_core::FileKind;
use std::process::Command;

fn tool(name: &str) -> PathBuf {
    for d in ["/usr/bin", "/bin", "/usr/local/bin"] {
        let p = Path::new(d).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{name} is not installed (it is in .ci/packages.txt: apt-get install -y b3sum coreutils)"
    );
}

/// A generated tree with many sizes (around BLAKE3's chunk and the big-file threshold) and
/// the names the tools escape.
fn generated() -> (tempfile::TempDir, HostRoot) {
    let (t, root) = tree();
    let r = t.path();
    std::fs::create_dir_all(r.join("data")).unwrap();
    let mut x: u32 = 1;
    for (i, size) in [
        0usize,
        1,
        63,
        64,
        1023,
        1024,
        1025,
        65_536,
        1 << 20,
        (4 << 20) + 17,
    ]
    .iter()
    .enumerate()
    {
        let data: Vec<u8> = (0..*size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        std::fs::write(r.join(format!("data/f{i}")), data).unwrap();
    }
    std::fs::write(r.join(OsStr::from_bytes(b"data/back\\slash")), b"b").unwrap();
    std::fs::write(r.join(OsStr::from_bytes(b"data/new\nline")), b"n").unwrap();
    std::fs::write(r.join(OsStr::from_bytes(b"data/cr\rname")), b"c").unwrap();
    std::fs::write(r.join(OsStr::from_bytes(b"data/sp ace")), b"s").unwrap();
    (t, root)
}

/// Runs `tool` on one file and returns its digest.
fn digest(tool_path: &Path, file: &Path) -> [u8; 32] {
    let out = Command::new(tool_path)
        .arg("--")
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = out.stdout;
    let hexpart = if line.first() == Some(&b'\\') {
        &line[1..65]
    } else {
        &line[..64]
    };
    let mut h = [0u8; 32];
    for (i, c) in hexpart.chunks(2).enumerate() {
        h[i] = u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap();
    }
    h
}

#[test]
fn hashes_equal_sha256sum_and_b3sum() {
    let (_t, root) = generated();
    let b = scan(&root, HashKind::Both);
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    let sha = tool("sha256sum");
    let b3 = tool("b3sum");
    let mut n = 0;
    for e in b.entries.iter().filter(|e| e.kind == FileKind::Regular) {
        let p = host(&root, &e.path);
        assert_eq!(e.sha256.unwrap(), digest(&sha, &p), "sha256 {p:?}");
        if std::str::from_utf8(&e.path).is_ok() {
            assert_eq!(e.blake3.unwrap(), digest(&b3, &p), "blake3 {p:?}");
        }
        n += 1;
    }
    assert!(n >= 18, "only {n} files compared");
}

#[test]
fn sha256sum_and_b3sum_accept_our_export() {
    let (t, root) = generated();
    let b = scan(&root, HashKind::Both);
    let prefix = root.path().as_os_str().as_bytes();
    for (fmt, name) in [
        (ManifestFormat::Sha256sum, "sha256sum"),
        (ManifestFormat::B3sum, "b3sum"),
    ] {
        let mut out = Vec::new();
        let skipped = manifest::export(&b, fmt, prefix, &mut out).unwrap();
        let regular = b
            .entries
            .iter()
            .filter(|e| e.kind == FileKind::Regular)
            .count();
        // Escaped names keep one line per file.
        let lines = memchr::memchr_iter(b'\n', &out).count();
        match fmt {
            // Every name is representable for sha256sum.
            ManifestFormat::Sha256sum => assert!(skipped.is_empty(), "{skipped:?}"),
            // b3sum cannot represent the invalid-UTF-8 name: left out and reported.
            _ => assert_eq!(skipped.len(), 1, "{skipped:?}"),
        }
        assert_eq!(lines + skipped.len(), regular);
        let m = t
            .path()
            .parent()
            .unwrap()
            .join(format!("ferret-manifest-{}-{name}", std::process::id()));
        std::fs::write(&m, &out).unwrap();
        let res = Command::new(tool(name)).arg("-c").arg(&m).output().unwrap();
        std::fs::remove_file(&m).unwrap();
        assert!(
            res.status.success(),
            "{name} -c refused our export:\n{}\n{}",
            String::from_utf8_lossy(&res.stdout),
            String::from_utf8_lossy(&res.stderr)
        );
        let oks = res.stdout.windows(4).filter(|w| w == b": OK").count();
        assert_eq!(oks, lines, "{name} verified {oks} of {lines}");
        // And our importer reads back exactly what we exported.
        let imported = manifest::import(&out[..], fmt);
        assert!(imported.errors.is_empty(), "{:?}", imported.errors);
        assert_eq!(imported.entries.len(), lines);
    }
}

#[test]
fn import_reads_the_tools_own_manifests() {
    let (_t, root) = generated();
    let b = scan(&root, HashKind::Both);
    let dir = root.host_path("/data");
    for (fmt, name) in [
        (ManifestFormat::Sha256sum, "sha256sum"),
        (ManifestFormat::B3sum, "b3sum"),
    ] {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| fmt == ManifestFormat::Sha256sum || n.to_str().is_some())
            .collect();
        names.sort();
        let out = Command::new(tool(name))
            .current_dir(&dir)
            .args(&names)
            .output()
            .unwrap();
        assert!(out.status.success());
        let imported = manifest::import(&out.stdout[..], fmt);
        assert!(imported.errors.is_empty(), "{:?}", imported.errors);
        assert_eq!(imported.entries.len(), names.len());
        for e in &imported.entries {
            let mut inner = b"/data".to_vec();
            inner.extend_from_slice(&e.path);
            let ours = b.get(&inner).unwrap_or_else(|| panic!("{:?}", e.path));
            match fmt {
                ManifestFormat::Sha256sum => assert_eq!(e.sha256, ours.sha256),
                _ => assert_eq!(e.blake3, ours.blake3),
            }
        }
    }
    // Malformed lines are reported with their numbers, never dropped.
    let bad = b"zz  x\n0000000000000000000000000000000000000000000000000000000000000000  ok\n\\00000000000000000000000000000000000000000000000000000000000000000  bad\\q\n";
    let imported = manifest::import(&bad[..], ManifestFormat::Sha256sum);
    assert_eq!(imported.entries.len(), 1);
    let lines: Vec<_> = imported.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [Some(1), Some(3)]);
}

/// The live system's own binaries: our digests equal the tools' on real files nobody here
/// wrote, and an immediate re-check of the live tree is clean.
#[test]
fn live_usr_bin_matches_the_tools_and_rechecks_clean() {
    let root = HostRoot::live();
    let scan = opts(|o| {
        o.paths.push("/usr/bin".into());
        o.hash = HashKind::Both;
    });
    let b = scan_root(&root, &scan, &Control::new());
    let files: Vec<_> = b
        .entries
        .iter()
        .filter(|e| e.kind == FileKind::Regular && e.blake3.is_some())
        .collect();
    assert!(
        files.len() >= 50,
        "only {} regular files in /usr/bin",
        files.len()
    );
    let (sha, b3) = (tool("sha256sum"), tool("b3sum"));
    // Every 7th file, to keep the test quick.
    let mut n = 0;
    for e in files.iter().step_by(7) {
        let p = Path::new(OsStr::from_bytes(&e.path));
        assert_eq!(e.sha256.unwrap(), digest(&sha, p), "sha256 {p:?}");
        assert_eq!(e.blake3.unwrap(), digest(&b3, p), "blake3 {p:?}");
        n += 1;
    }
    assert!(n >= 7);
    let c = check_root(&root, &b, &mode(CheckMode::Secure), &Control::new());
    assert!(
        c.is_clean(),
        "live /usr/bin changed under the test: {:?}",
        c.changed
    );
}

/// Hard links (read once per inode) and large files (hashed after the walk, largest first)
/// still get exactly the tools' digests, their extended attributes, and a change made through
/// one link shows on every path of that inode.
#[test]
fn hard_links_and_large_files_match_the_tools() {
    let (t, root) = tree();
    let r = t.path();
    std::fs::create_dir_all(r.join("big/a")).unwrap();
    std::fs::create_dir_all(r.join("big/b")).unwrap();
    let mut x: u32 = 7;
    let mut noise = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    };
    // Large files (>= 4 MiB: put aside during the walk), one of them with two more links.
    std::fs::write(r.join("big/a/one"), noise((5 << 20) + 3)).unwrap();
    std::fs::write(r.join("big/a/two"), noise(9 << 20)).unwrap();
    std::fs::write(r.join("big/three"), noise(4 << 20)).unwrap();
    std::fs::hard_link(r.join("big/a/two"), r.join("big/b/two-link")).unwrap();
    std::fs::hard_link(r.join("big/a/two"), r.join("big/two-link2")).unwrap();
    // A small file with links in three directories, with an extended attribute.
    std::fs::write(r.join("big/small"), noise(3000)).unwrap();
    std::fs::hard_link(r.join("big/small"), r.join("big/a/small-link")).unwrap();
    std::fs::hard_link(r.join("big/small"), r.join("etc/small-link")).unwrap();
    let xattr = Command::new("python3")
        .args([
            "-c",
            "import os,sys; os.setxattr(sys.argv[1], 'user.ferret', b'linked')",
        ])
        .arg(r.join("big/small"))
        .status()
        .expect("python3 runs");
    assert!(xattr.success());
    // One thread, so the link counts do not depend on timing (with two, two links of one inode
    // met at the same moment are both read: correct, just not deduplicated).
    let b = scan_root(
        &root,
        &opts(|o| o.hash = HashKind::Both),
        &Control::new().with_max_threads(1),
    );
    assert!(b.errors.is_empty(), "{:?}", b.errors);
    assert_eq!(b.stats.linked, 4, "{:?}", b.stats);
    // With the default pool the hashes are the same, whatever was deduplicated.
    let par = scan(&root, HashKind::Both);
    assert_eq!(par.entries, b.entries);
    assert!(par.stats.linked <= 4, "{:?}", par.stats);
    let files = b
        .entries
        .iter()
        .filter(|e| e.kind == FileKind::Regular)
        .count() as u64;
    assert_eq!(b.stats.hashed + b.stats.linked, files, "{:?}", b.stats);
    let sha = tool("sha256sum");
    let b3 = tool("b3sum");
    for e in b.entries.iter().filter(|e| e.kind == FileKind::Regular) {
        let p = host(&root, &e.path);
        assert_eq!(e.sha256.unwrap(), digest(&sha, &p), "sha256 {p:?}");
        if std::str::from_utf8(&e.path).is_ok() {
            assert_eq!(e.blake3.unwrap(), digest(&b3, &p), "blake3 {p:?}");
        }
    }
    for p in [&b"/big/small"[..], b"/big/a/small-link", b"/etc/small-link"] {
        let x = b.get(p).unwrap().xattrs.clone().unwrap();
        assert!(
            x.contains(&(b"user.ferret".to_vec(), b"linked".to_vec())),
            "{p:?}: {x:?}"
        );
    }
    // Rewrite the big file through one link: every path of it changed, nothing else.
    std::fs::write(r.join("big/b/two-link"), noise(9 << 20)).unwrap();
    let c = check_root(&root, &b, &mode(CheckMode::Secure), &Control::new());
    let mut changed: Vec<&[u8]> = c.changed.iter().map(|ch| ch.path.as_slice()).collect();
    changed.sort_unstable();
    assert_eq!(
        changed,
        vec![&b"/big/a/two"[..], b"/big/b/two-link", b"/big/two-link2"],
        "{:?}",
        c.changed
    );
    for ch in &c.changed {
        assert!(ch.attributes.iter().any(|a| a.as_str() == "sha256"));
    }
}

/// A tagged line with an empty name (`BLAKE3 () = ...`, found by the fuzzer's round trip) is a
/// malformed line with its number, in both formats, as the untagged form's empty name is.
#[test]
fn tagged_line_with_an_empty_name_is_an_error() {
    let zero = "0".repeat(64);
    for (fmt, tag) in [
        (ManifestFormat::Sha256sum, "SHA256"),
        (ManifestFormat::B3sum, "BLAKE3"),
    ] {
        let text = format!("{tag} (a) = {zero}\n{tag} () = {zero}\n{zero}  \n");
        let lines: Vec<_> = manifest::parse(text.as_bytes(), fmt).collect();
        assert_eq!(lines.len(), 3);
        assert!(matches!(&lines[0], Ok(l) if l.path == b"a"), "{lines:?}");
        for (i, l) in lines.iter().enumerate().skip(1) {
            let e = l
                .as_ref()
                .expect_err("an empty name is refused")
                .to_string();
            assert!(
                e.contains(&format!(":{}", i + 1)) || e.contains(&format!("line {}", i + 1)),
                "{e}"
            );
            assert!(e.contains("empty file name"), "{e}");
        }
    }
}
