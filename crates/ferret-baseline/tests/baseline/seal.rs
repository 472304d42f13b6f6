//! The on-disk format and its seal: edits, truncation, re-ordering are refused.
use super::*;
use ferret_baseline::{Error, SealKey};

fn saved(key: Option<&SealKey>) -> (Baseline, Vec<u8>) {
    let (_t, root) = tree();
    let b = scan(&root, HashKind::Both);
    let mut db = Vec::new();
    b.save(&mut db, key).unwrap();
    (b, db)
}

#[test]
fn sealed_round_trip_and_every_tamper_is_refused() {
    let key = SealKey::from_bytes(b"a key file with enough bytes in it").unwrap();
    let (b, db) = saved(Some(&key));
    let back = Baseline::load(&db[..], Some(&key)).unwrap();
    assert_eq!(back.entries, b.entries);
    assert_eq!(back.config, b.config);
    // Any single flipped bit anywhere.
    for i in (0..db.len()).step_by(7) {
        let mut bad = db.clone();
        bad[i] ^= 0x10;
        assert!(
            Baseline::load(&bad[..], Some(&key)).is_err(),
            "flip at {i} accepted"
        );
    }
    // Truncation at every length.
    for n in 0..db.len() {
        assert!(
            Baseline::load(&db[..n], Some(&key)).is_err(),
            "truncated to {n} accepted"
        );
    }
    // Trailing data.
    let mut long = db.clone();
    long.push(0);
    assert!(Baseline::load(&long[..], Some(&key)).is_err());
    // Wrong key, no key.
    let other = SealKey::from_bytes(b"another key file with enough bytes").unwrap();
    assert!(matches!(
        Baseline::load(&db[..], Some(&other)),
        Err(Error::Seal(_))
    ));
    assert!(matches!(Baseline::load(&db[..], None), Err(Error::Seal(_))));
    // A re-ordered baseline: re-save with swapped entries, sealed with another key (the
    // attacker does not have ours).
    let mut swapped = b.clone();
    swapped.entries.swap(1, 2);
    let mut forged = Vec::new();
    swapped.save(&mut forged, Some(&other)).unwrap();
    assert!(Baseline::load(&forged[..], Some(&key)).is_err());
    assert!(
        Baseline::load(&forged[..], Some(&other)).is_err(),
        "out-of-order entries accepted"
    );
    // An unsealed copy when a key is expected.
    let mut plain = Vec::new();
    b.save(&mut plain, None).unwrap();
    assert!(matches!(
        Baseline::load(&plain[..], Some(&key)),
        Err(Error::Seal(_))
    ));
    assert!(SealKey::from_bytes(b"short").is_err());
}

#[test]
fn unsealed_baseline_detects_corruption() {
    let (b, db) = saved(None);
    assert_eq!(Baseline::load(&db[..], None).unwrap().entries, b.entries);
    let mut bad = db.clone();
    let mid = db.len() / 2;
    bad[mid] ^= 1;
    assert!(Baseline::load(&bad[..], None).is_err());
    assert!(Baseline::load(&db[..db.len() - 1], None).is_err());
    let mut v3 = db.clone();
    v3[8] = 3;
    let e = Baseline::load(&v3[..], None).unwrap_err().to_string();
    assert!(e.contains("version 3"), "{e}");
}

#[test]
fn loads_over_a_million_entries_per_second() {
    use ferret_baseline::{AttrSet, Entry, ScanConfig};
    use ferret_core::FileKind;
    let n = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let entries: Vec<Entry> = (0..n)
        .map(|i| {
            let mut e = Entry::new(
                format!("/usr/share/doc/package-{:05}/file-{i:07}", i / 10),
                FileKind::Regular,
                AttrSet::full(),
            );
            e.size = i as u64;
            e.inode = 1_000_000 + i as u64;
            e.blake3 = Some([i as u8; 32]);
            e
        })
        .collect();
    let b = Baseline::from_entries(ScanConfig::default(), entries);
    let mut db = Vec::new();
    b.save(&mut db, None).unwrap();
    // Best of three, to be fair on a shared machine; debug builds are ~10x slower.
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let back = Baseline::load(&db[..], None).unwrap();
        best = best.min(t.elapsed().as_secs_f64());
        assert_eq!(back.entries.len(), n);
    }
    let rate = n as f64 / best;
    eprintln!("load: {rate:.0} entries/s ({} bytes/entry)", db.len() / n);
    // Debug builds on a loaded machine are ~10x slower: the release figure is the claim
    // (`cargo test --release`, and the criterion bench `baseline/load`).
    let want = if cfg!(debug_assertions) {
        30_000.0
    } else {
        1_000_000.0
    };
    assert!(rate > want, "{rate:.0} entries/s");
}
