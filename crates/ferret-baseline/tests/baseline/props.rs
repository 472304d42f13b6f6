//! Property tests: save → load round-trips any entry set; compare(a, a) is empty; compare
//! reports exactly the mutations applied.
use super::*;
use ferret_baseline::{compare, Attr, AttrSet, Entry, ScanConfig, SealKey};
use ferret_core::{FileKind, Timestamp};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn kind() -> impl Strategy<Value = FileKind> {
    prop_oneof![
        Just(FileKind::Regular),
        Just(FileKind::Directory),
        Just(FileKind::Symlink),
        Just(FileKind::Fifo),
        Just(FileKind::Socket),
        Just(FileKind::CharDevice),
        Just(FileKind::BlockDevice),
    ]
}

fn ts() -> impl Strategy<Value = Timestamp> {
    (any::<i64>(), 0u32..1_000_000_000).prop_map(|(sec, nsec)| Timestamp { sec, nsec })
}

prop_compose! {
    fn entry()(
        path in proptest::collection::vec(any::<u8>(), 1..40),
        kind in kind(),
        attrs in prop_oneof![Just(AttrSet::full()), Just(AttrSet::log()), Just(AttrSet::growing())],
        mode in 0u32..0o7777, uid in any::<u32>(), gid in any::<u32>(), size in any::<u64>(),
        mtime in ts(), ctime in ts(), inode in any::<u64>(), nlink in any::<u64>(),
        dev in any::<u64>(), rdev in any::<u64>(),
        link in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
        xattrs in proptest::option::of(proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 1..10), proptest::collection::vec(any::<u8>(), 0..10)), 0..3)),
        sha in proptest::option::of(any::<[u8; 32]>()),
        b3 in proptest::option::of(any::<[u8; 32]>()),
        unverified in any::<bool>(),
    ) -> Entry {
        let mut p = b"/".to_vec();
        p.extend(path);
        let mut e = Entry::new(p, kind, attrs);
        e.mode = mode; e.uid = uid; e.gid = gid; e.size = size; e.mtime = mtime; e.ctime = ctime;
        e.inode = inode; e.nlink = nlink; e.dev = dev; e.rdev = rdev; e.link_target = link;
        e.xattrs = xattrs; e.sha256 = sha; e.blake3 = b3; e.unverified = unverified;
        e
    }
}

fn baseline(entries: Vec<Entry>) -> Baseline {
    let mut b = Baseline::from_entries(ScanConfig::default(), entries);
    b.created = 1_700_000_000;
    b
}

/// Mutates one attribute of `e`; returns the attribute compare must report.
fn mutate(e: &mut Entry, which: u8) -> Option<Attr> {
    let full = AttrSet::full();
    e.attrs = full;
    match which % 8 {
        0 => {
            e.mode ^= 0o100;
            Some(Attr::Mode)
        }
        1 => {
            e.uid = e.uid.wrapping_add(1);
            Some(Attr::Uid)
        }
        2 => {
            e.size = e.size.wrapping_add(1);
            Some(Attr::Size)
        }
        3 => {
            e.mtime.sec = e.mtime.sec.wrapping_add(1);
            Some(Attr::Mtime)
        }
        4 => {
            e.nlink = e.nlink.wrapping_add(1);
            Some(Attr::Nlink)
        }
        5 => {
            let mut t = e.link_target.clone().unwrap_or_default();
            t.push(b'x');
            e.link_target = Some(t);
            Some(Attr::LinkTarget)
        }
        6 => {
            e.gid = e.gid.wrapping_add(1);
            Some(Attr::Gid)
        }
        _ => {
            e.ctime.nsec = (e.ctime.nsec + 1) % 1_000_000_000;
            Some(Attr::Ctime)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn save_load_round_trips(entries in proptest::collection::vec(entry(), 0..40), sealed in any::<bool>()) {
        let b = baseline(entries);
        let key = SealKey::from_bytes(&[3u8; 32]).unwrap();
        let key = sealed.then_some(&key);
        let mut db = Vec::new();
        b.save(&mut db, key).unwrap();
        let back = Baseline::load(&db[..], key).unwrap();
        prop_assert_eq!(&back.entries, &b.entries);
        prop_assert_eq!(back.created, b.created);
        prop_assert_eq!(&back.config, &b.config);
    }

    #[test]
    fn compare_with_itself_is_empty(entries in proptest::collection::vec(entry(), 0..40)) {
        let b = baseline(entries);
        let c = compare(&b, &b, &CheckOptions::default());
        prop_assert!(c.is_clean());
    }

    #[test]
    fn compare_reports_exactly_the_mutations(
        entries in proptest::collection::vec(entry(), 1..40),
        muts in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 0..10),
        removes in proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
        adds in proptest::collection::vec(entry(), 0..4),
    ) {
        let mut old = baseline(entries);
        for e in &mut old.entries {
            e.attrs = AttrSet::full();
        }
        // Unique inodes, so no removed+added pair looks like a move.
        for (i, e) in old.entries.iter_mut().enumerate() {
            e.inode = i as u64;
        }
        let mut new = old.clone();
        let mut expect_changed: std::collections::BTreeMap<Vec<u8>, BTreeSet<Attr>> = Default::default();
        for (idx, which) in &muts {
            let i = idx.index(new.entries.len());
            let e = &mut new.entries[i];
            if let Some(a) = mutate(e, *which) {
                expect_changed.entry(e.path.clone()).or_default().insert(a);
            }
        }
        let mut expect_removed = BTreeSet::new();
        for idx in &removes {
            let i = idx.index(new.entries.len().max(1));
            if i < new.entries.len() {
                let e = new.entries.remove(i);
                expect_changed.remove(&e.path);
                expect_removed.insert(e.path);
            }
        }
        let mut expect_added = BTreeSet::new();
        for (k, mut a) in adds.into_iter().enumerate() {
            a.path.extend_from_slice(b"/added");
            a.inode = u64::MAX - k as u64;
            if old.get(&a.path).is_none() && new.get(&a.path).is_none() {
                expect_added.insert(a.path.clone());
                new.entries.push(a);
                new.entries.sort_by(|x, y| x.path.cmp(&y.path));
            }
        }
        // Paths both removed and re-added are changes, not add/remove.
        let c = compare(&old, &new, &CheckOptions::default());
        let got_changed: std::collections::BTreeMap<Vec<u8>, BTreeSet<Attr>> = c
            .changed
            .iter()
            .map(|ch| (ch.path.clone(), ch.attributes.iter().copied().collect()))
            .collect();
        // Exactly the touched attributes whose values now differ (a second mutation can undo
        // a first one).
        let expect_changed: std::collections::BTreeMap<Vec<u8>, BTreeSet<Attr>> = expect_changed
            .into_iter()
            .map(|(p, attrs)| {
                let (o, n) = (old.get(&p).unwrap(), new.get(&p).unwrap());
                let differ: BTreeSet<Attr> = attrs
                    .into_iter()
                    .filter(|a| match a {
                        Attr::Mode => o.mode != n.mode,
                        Attr::Uid => o.uid != n.uid,
                        Attr::Gid => o.gid != n.gid,
                        Attr::Size => o.size != n.size,
                        Attr::Mtime => o.mtime != n.mtime,
                        Attr::Ctime => o.ctime != n.ctime,
                        Attr::Nlink => o.nlink != n.nlink,
                        Attr::LinkTarget => o.link_target != n.link_target,
                        _ => unreachable!(),
                    })
                    .collect();
                (p, differ)
            })
            .filter(|(_, a)| !a.is_empty())
            .collect();
        prop_assert_eq!(&got_changed, &expect_changed);
        prop_assert_eq!(got_changed.len(), expect_changed.len());
        let got_removed: BTreeSet<_> = c.removed.iter().map(|e| e.path.clone()).collect();
        prop_assert_eq!(got_removed, expect_removed);
        let got_added: BTreeSet<_> = c.added.iter().map(|e| e.path.clone()).collect();
        prop_assert_eq!(got_added, expect_added);
        prop_assert!(c.moved.is_empty());
    }
}

/// Gives at most `n` bytes a read.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.1).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        buf[..n].copy_from_slice(head);
        self.0 = rest;
        Ok(n)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1))]

    /// The loader's buffer starts small (16 KiB) and doubles while reads fill it, up to 1 MiB:
    /// a baseline past that loads the same whatever the reads give (whole buffers, a few bytes, 1 MB).
    #[test]
    fn large_baselines_load_whatever_the_reads(
        entries in proptest::collection::vec(entry(), 15_000..15_001),
        sealed in any::<bool>(),
    ) {
        let b = baseline(entries);
        let key = SealKey::from_bytes(&[5u8; 32]).unwrap();
        let key = sealed.then_some(&key);
        let mut db = Vec::new();
        b.save(&mut db, key).unwrap();
        prop_assert!(db.len() > 1 << 20, "{} bytes", db.len());
        for step in [usize::MAX, 7, 40_000, 1 << 20] {
            let back = Baseline::load(Trickle(&db, step), key).unwrap();
            prop_assert_eq!(&back.entries, &b.entries);
        }
        let mut cut = db.clone();
        cut.truncate(db.len() - 1);
        prop_assert!(Baseline::load(&cut[..], key).is_err());
    }
}
