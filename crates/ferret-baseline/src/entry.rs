//! Records of a baseline: one [`Entry`] per filesystem object, and the [`Baseline`] holding
//! them sorted by path with the configuration of the scan that made them.

use crate::attr::AttrSet;
use crate::rules::Rule;
use ferret_core::{ErrorRecord, FileKind, InodeFlags, Timestamp};

/// Which content hashes a scan computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum HashKind {
    /// SHA-256 only (interoperable with `sha256sum`, AIDE, Tripwire).
    Sha256,
    /// BLAKE3 only (fastest; interoperable with `b3sum`).
    #[default]
    Blake3,
    /// Both, from one read of each file.
    Both,
}

impl HashKind {
    /// Whether SHA-256 is computed.
    pub fn sha256(self) -> bool {
        matches!(self, HashKind::Sha256 | HashKind::Both)
    }

    /// Whether BLAKE3 is computed.
    pub fn blake3(self) -> bool {
        matches!(self, HashKind::Blake3 | HashKind::Both)
    }

    /// `sha256`, `blake3` or `both`.
    pub fn as_str(self) -> &'static str {
        match self {
            HashKind::Sha256 => "sha256",
            HashKind::Blake3 => "blake3",
            HashKind::Both => "both",
        }
    }

    pub(crate) fn to_u8(self) -> u8 {
        match self {
            HashKind::Sha256 => 1,
            HashKind::Blake3 => 2,
            HashKind::Both => 3,
        }
    }

    pub(crate) fn from_u8(b: u8) -> Option<Self> {
        match b {
            1 => Some(HashKind::Sha256),
            2 => Some(HashKind::Blake3),
            3 => Some(HashKind::Both),
            _ => None,
        }
    }
}

impl std::str::FromStr for HashKind {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256" => Ok(HashKind::Sha256),
            "blake3" => Ok(HashKind::Blake3),
            "both" => Ok(HashKind::Both),
            _ => Err(crate::Error::UnknownName {
                what: "hash",
                name: s.to_owned(),
                expected: "sha256, blake3 or both",
            }),
        }
    }
}

/// serde helpers for what [`ferret_core::escaped`] does not cover: digests as lower-case hex
/// ([`ferret_core::hex`]) and optional extended attributes (an escaped object, or `null`).
#[cfg(feature = "serde")]
pub(crate) mod serde_with {
    use serde::{Deserialize, Deserializer, Serializer};

    /// `Option<[u8; 32]>` as 64 hex digits or `null`.
    pub mod digest {
        use super::{Deserialize, Deserializer, Serializer};

        #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
        pub fn serialize<S: Serializer>(v: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(h) => s.serialize_some(&ferret_core::hex::encode(h)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
            match Option::<String>::deserialize(d)? {
                Some(s) => ferret_core::hex::decode_array(s.as_bytes())
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("bad hex digest")),
                None => Ok(None),
            }
        }
    }

    /// `Option<Xattrs>` through [`ferret_core::escaped::pairs`], `null` for `None`.
    pub mod xattrs {
        use super::{Deserialize, Deserializer, Serializer};
        use crate::Xattrs;

        #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
        pub fn serialize<S: Serializer>(v: &Option<Xattrs>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(x) => ferret_core::escaped::pairs::serialize(x, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Xattrs>, D::Error> {
            #[derive(Deserialize)]
            #[serde(transparent)]
            struct Pairs(#[serde(with = "ferret_core::escaped::pairs")] Xattrs);
            Ok(Option::<Pairs>::deserialize(d)?.map(|p| p.0))
        }
    }
}

/// Extended attributes as (name, value) pairs, sorted by name.
pub type Xattrs = Vec<(Vec<u8>, Vec<u8>)>;

/// Hashes of the first `len` bytes of a file, computed during a check for entries whose
/// baseline rule is "growing" (the old content must still be the new file's prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PrefixHash {
    /// Length of the prefix hashed.
    pub len: u64,
    /// SHA-256 of the prefix.
    pub sha256: Option<[u8; 32]>,
    /// BLAKE3 of the prefix.
    pub blake3: Option<[u8; 32]>,
}

/// One filesystem object as a scan saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Entry {
    /// Path inside the audited root, bytes exact (escaped text in JSON).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub path: Vec<u8>,
    /// Object type.
    #[cfg_attr(feature = "serde", serde(rename = "type"))]
    pub kind: FileKind,
    /// The attributes the selection rules ask to compare for this path.
    pub attrs: AttrSet,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Last modification.
    pub mtime: Timestamp,
    /// Last status change.
    pub ctime: Timestamp,
    /// Inode number.
    pub inode: u64,
    /// Hard-link count.
    pub nlink: u64,
    /// Device of the filesystem holding it.
    pub dev: u64,
    /// Device number of a device node.
    pub rdev: u64,
    /// Target of a symbolic link, as stored.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub link_target: Option<Vec<u8>>,
    /// Extended attributes (name, value), sorted by name; `None` when not read.
    #[cfg_attr(feature = "serde", serde(with = "serde_with::xattrs", default))]
    pub xattrs: Option<Xattrs>,
    /// Inode flags (`lsattr`'s letters; the raw `FS_IOC_GETFLAGS` bits in JSON) of a regular
    /// file or directory; `None` when not recorded (not selected, another kind of object, a
    /// file system without flags, or a baseline made before ferret recorded them).
    #[cfg_attr(feature = "serde", serde(default))]
    pub inode_flags: Option<InodeFlags>,
    /// SHA-256 of the content (hex in JSON).
    #[cfg_attr(feature = "serde", serde(with = "serde_with::digest", default))]
    pub sha256: Option<[u8; 32]>,
    /// BLAKE3 of the content (hex in JSON).
    #[cfg_attr(feature = "serde", serde(with = "serde_with::digest", default))]
    pub blake3: Option<[u8; 32]>,
    /// The rules asked for a content hash but none could be computed (unreadable, changed
    /// while read, cancelled); the reason is in the scan's errors.
    #[cfg_attr(feature = "serde", serde(default))]
    pub unverified: bool,
    /// Prefix hashes for "growing" checks (computed during a check; never stored).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub prefix: Option<PrefixHash>,
}

impl Entry {
    /// An entry for `path` of kind `kind` with every other field zero/empty.
    pub fn new(path: impl Into<Vec<u8>>, kind: FileKind, attrs: AttrSet) -> Self {
        Entry {
            path: path.into(),
            kind,
            attrs,
            mode: 0,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: Timestamp::default(),
            ctime: Timestamp::default(),
            inode: 0,
            nlink: 0,
            dev: 0,
            rdev: 0,
            link_target: None,
            xattrs: None,
            inode_flags: None,
            sha256: None,
            blake3: None,
            unverified: false,
            prefix: None,
        }
    }

    /// Copies the metadata of a `lstat`/`fstat`.
    pub fn set_stat(&mut self, st: &ferret_core::Stat) {
        self.kind = st.kind;
        self.mode = st.mode;
        self.uid = st.uid;
        self.gid = st.gid;
        self.size = st.size;
        self.mtime = st.mtime;
        self.ctime = st.ctime;
        self.inode = st.ino;
        self.nlink = st.nlink;
        self.dev = st.dev;
        self.rdev = st.rdev;
    }
}

/// How a baseline was made; stored in its header so that a check can rescan the same way.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScanConfig {
    /// The root's path on the machine that scanned (`/` for a live system).
    pub host_root: Vec<u8>,
    /// Paths scanned, inside the root.
    pub paths: Vec<Vec<u8>>,
    /// Selection rules, first match wins.
    pub rules: Vec<Rule>,
    /// Attributes of paths no rule matches.
    pub default_attrs: AttrSet,
    /// Content hashes computed.
    pub hash: HashKind,
    /// Whether the scan stayed on each path's filesystem.
    pub same_filesystem: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            host_root: b"/".to_vec(),
            paths: Vec::new(),
            rules: Vec::new(),
            default_attrs: AttrSet::full(),
            hash: HashKind::default(),
            same_filesystem: true,
        }
    }
}

/// Counters of one scan (not stored in the baseline file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ScanStats {
    /// Entries recorded.
    pub entries: u64,
    /// Regular files whose content was read and hashed.
    pub hashed: u64,
    /// Bytes read and hashed.
    pub bytes_hashed: u64,
    /// Files whose hashes were taken over from the old baseline (fast mode only).
    pub reused: u64,
    /// Further hard links of an inode hashed earlier in the same scan (same device, inode,
    /// size, mtime and ctime): they take its hashes and extended attributes, and are not read
    /// again. Two links met at the same moment by two threads may both be read.
    pub linked: u64,
}

/// Sorts entries by path, stably. An `Entry` is a few hundred bytes: sorting them in place
/// moves each one about log2(n) times (~700 MB of copies for a 136k-entry `/usr`), so the
/// order is found on (path, index) keys and then applied in place, each swap putting one entry
/// where it belongs. `parallel`: sort the keys on the current rayon pool (a scan calls this
/// inside its own pool, so the thread budget holds).
pub(crate) fn sort_by_path(mut entries: Vec<Entry>, parallel: bool) -> Vec<Entry> {
    if entries.is_sorted_by(|a, b| a.path <= b.path) {
        return entries;
    }
    // dest[i]: where the entry now at i belongs.
    let mut dest = vec![0usize; entries.len()];
    {
        let mut keys: Vec<(&[u8], usize)> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path.as_slice(), i))
            .collect();
        // The index makes every key unique, so an unstable sort gives the stable order.
        #[cfg(feature = "parallel")]
        if parallel {
            rayon::slice::ParallelSliceMut::par_sort_unstable(keys.as_mut_slice());
        } else {
            keys.sort_unstable();
        }
        #[cfg(not(feature = "parallel"))]
        {
            let _ = parallel;
            keys.sort_unstable();
        }
        for (to, (_, from)) in keys.into_iter().enumerate() {
            if let Some(d) = dest.get_mut(from) {
                *d = to;
            }
        }
    }
    for i in 0..entries.len() {
        loop {
            let d = dest.get(i).copied().unwrap_or(i);
            if d == i {
                break;
            }
            entries.swap(i, d);
            dest.swap(i, d);
        }
    }
    entries
}

/// A file-integrity baseline: entries sorted by path bytes, unique, plus the scan's errors.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Baseline {
    /// How it was made.
    pub config: ScanConfig,
    /// When it was made (seconds since the Unix epoch).
    pub created: i64,
    /// False when the scan was cancelled: entries are then a partial result.
    pub complete: bool,
    /// The entries, sorted by path bytes, unique.
    pub entries: Vec<Entry>,
    /// Paths that could not be read (or were skipped) and why.
    pub errors: Vec<ErrorRecord>,
    /// Counters of the scan that made it (zero after loading).
    pub stats: ScanStats,
}

impl Baseline {
    /// A baseline from entries (sorted and de-duplicated here; the first of equal paths wins).
    pub fn from_entries(config: ScanConfig, entries: Vec<Entry>) -> Self {
        Self::from_entries_with(config, entries, false)
    }

    /// [`Baseline::from_entries`], sorting on the current rayon pool when `parallel`.
    pub(crate) fn from_entries_with(
        config: ScanConfig,
        entries: Vec<Entry>,
        parallel: bool,
    ) -> Self {
        let mut entries = sort_by_path(entries, parallel);
        entries.dedup_by(|b, a| a.path == b.path);
        Baseline {
            config,
            created: 0,
            complete: true,
            entries,
            errors: Vec::new(),
            stats: ScanStats::default(),
        }
    }

    /// The entry for `path`, by binary search.
    pub fn get(&self, path: &[u8]) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.path.as_slice().cmp(path))
            .ok()
            .and_then(|i| self.entries.get(i))
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    /// The JSON of an entry is a format responders' scripts read: bytes escaped reversibly
    /// (`ferret_core::escaped`), digests in lower-case hex, xattrs as an object, absent values
    /// as `null`. Pinned here, and read back to the same entry.
    #[test]
    fn entry_json_is_pinned_and_round_trips() {
        let mut e = Entry::new(
            b"/etc/odd\nname\\\xff".to_vec(),
            FileKind::Regular,
            AttrSet::full(),
        );
        e.mode = 0o4755;
        e.size = 3;
        e.mtime = Timestamp { sec: 1, nsec: 2 };
        e.link_target = Some(b"\xfe\x01t".to_vec());
        e.xattrs = Some(vec![(b"user.k\xff".to_vec(), b"v\x00\x1b".to_vec())]);
        e.inode_flags = Some(InodeFlags::from_bits(0x8_0010));
        let mut digest = [0u8; 32];
        digest[0] = 0xab;
        digest[31] = 0x0f;
        e.sha256 = Some(digest);
        let json = serde_json::to_string(&e).unwrap();
        let hex = format!("ab{}0f", "00".repeat(30));
        assert_eq!(
            json,
            format!(
                r#"{{"path":"/etc/odd\\nname\\\\\\xff","type":"regular","attrs":"full","mode":2541,"uid":0,"gid":0,"size":3,"mtime":{{"sec":1,"nsec":2}},"ctime":{{"sec":0,"nsec":0}},"inode":0,"nlink":0,"dev":0,"rdev":0,"link_target":"\\xfe\\x01t","xattrs":{{"user.k\\xff":"v\\x00\\x1b"}},"inode_flags":524304,"sha256":"{hex}","blake3":null,"unverified":false}}"#
            )
        );
        assert_eq!(serde_json::from_str::<Entry>(&json).unwrap(), e);
        // Absent fields default; an upper-case digest reads; a bad one is refused.
        let short = format!(
            r#"{{"path":"/x","type":"regular","attrs":"log","mode":0,"uid":0,"gid":0,"size":0,"mtime":{{"sec":0,"nsec":0}},"ctime":{{"sec":0,"nsec":0}},"inode":0,"nlink":0,"dev":0,"rdev":0,"sha256":"{}"}}"#,
            hex.to_uppercase()
        );
        let back: Entry = serde_json::from_str(&short).unwrap();
        assert_eq!(
            (back.sha256, back.xattrs, back.link_target, back.inode_flags),
            (Some(digest), None, None, None)
        );
        assert!(serde_json::from_str::<Entry>(&short.replace("AB", "ZZ")).is_err());
    }
}
