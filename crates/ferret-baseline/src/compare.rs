//! Comparing two baselines: added, removed, changed (with the attributes and their old and new
//! values), moved; and the findings a responder acts on.

use crate::attr::{Attr, AttrSet};
use crate::entry::{Baseline, Entry};
use ferret_core::{ErrorRecord, Evidence, FileKind, Finding, Outcome, Severity};
use std::collections::HashMap;

/// How a check re-reads content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CheckMode {
    /// Every file whose content the rules select is read and hashed again.
    #[default]
    Secure,
    /// A regular file whose size, mtime, ctime and inode are unchanged keeps its recorded
    /// hashes without being read (what AIDE and Tripwire trust too: a tool that restores the
    /// timestamps after editing a file defeats it, so secure is the default).
    Fast,
}

impl CheckMode {
    /// `secure` or `fast`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckMode::Secure => "secure",
            CheckMode::Fast => "fast",
        }
    }
}

impl std::fmt::Display for CheckMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for CheckMode {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "secure" => Ok(CheckMode::Secure),
            "fast" => Ok(CheckMode::Fast),
            _ => Err(crate::Error::UnknownName {
                what: "check mode",
                name: s.to_owned(),
                expected: "secure or fast",
            }),
        }
    }
}

/// Options of a check: [`check_root`](crate::check_root), its scan
/// [`rescan_root`](crate::rescan_root), and its in-memory half [`compare()`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CheckOptions {
    /// How the new side is (for [`compare()`]: was) scanned; recorded in [`Comparison::fast`].
    /// Default [`CheckMode::Secure`].
    pub mode: CheckMode,
    /// Attributes never reported (e.g. `Attr::Nlink` on a busy tree). Default: none.
    pub ignore: AttrSet,
}

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct AttrChange {
    /// Which attribute.
    pub attribute: Attr,
    /// Old value as text (mode in octal, times as `sec.nsec`, hashes in hex, bytes escaped).
    pub old: String,
    /// New value as text.
    pub new: String,
}

/// A path present on both sides whose selected attributes differ.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Change {
    /// The path (escaped text in JSON).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub path: Vec<u8>,
    /// The attributes that differ, in report order.
    pub attributes: Vec<Attr>,
    /// Old and new values of each.
    pub values: Vec<AttrChange>,
}

/// An object found under a new path: same inode and content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Move {
    /// Old path.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub from: Vec<u8>,
    /// New path.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub path: Vec<u8>,
}

/// What differs between an old and a new baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Comparison {
    /// Entries only in the new baseline.
    pub added: Vec<Entry>,
    /// Entries only in the old baseline (empty when the new scan was incomplete).
    pub removed: Vec<Entry>,
    /// Entries on both sides whose selected attributes differ.
    pub changed: Vec<Change>,
    /// Objects that moved (removed and added with the same inode and content).
    pub moved: Vec<Move>,
    /// Paths whose content the rules select but that could not be verified on the new side
    /// (unreadable, changed while read): the reason is in `errors`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub unverified: Vec<Vec<u8>>,
    /// Errors of the new scan, and notes on what could not be compared.
    pub errors: Vec<ErrorRecord>,
    /// Whether the new side was scanned in fast mode (files with unchanged size, mtime, ctime
    /// and inode were not re-read).
    pub fast: bool,
    /// Whether the new scan finished (false: cancelled, the result is partial).
    pub complete: bool,
}

impl Comparison {
    /// Whether nothing differs (errors aside).
    pub fn is_clean(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.moved.is_empty()
    }
}

fn ts(t: ferret_core::Timestamp) -> String {
    format!("{}.{:09}", t.sec, t.nsec)
}

fn xattr_text(x: Option<&Vec<(Vec<u8>, Vec<u8>)>>) -> String {
    match x {
        None => "-".into(),
        Some(list) => list
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    ferret_core::escape::escape(k),
                    ferret_core::escape::escape(v)
                )
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn value(e: &Entry, a: Attr) -> String {
    match a {
        Attr::Type => e.kind.to_string(),
        Attr::Mode => format!("{:04o}", e.mode),
        Attr::Uid => e.uid.to_string(),
        Attr::Gid => e.gid.to_string(),
        Attr::Size => e.size.to_string(),
        Attr::Mtime => ts(e.mtime),
        Attr::Ctime => ts(e.ctime),
        Attr::Inode => e.inode.to_string(),
        Attr::Nlink => e.nlink.to_string(),
        Attr::LinkTarget => e
            .link_target
            .as_deref()
            .map_or_else(|| "-".into(), ferret_core::escape::escape),
        Attr::Xattrs => xattr_text(e.xattrs.as_ref()),
        Attr::InodeFlags => e
            .inode_flags
            .map_or_else(|| "-".into(), ferret_core::InodeFlags::lsattr),
        Attr::Sha256 | Attr::Blake3 => {
            let digest = if a == Attr::Sha256 {
                e.sha256
            } else {
                e.blake3
            };
            digest.map_or_else(|| "-".into(), |h| ferret_core::hex::encode(&h))
        }
    }
}

/// Whether content can be compared and differs, for one algorithm. For a "growing" entry the
/// old content must be the new file's prefix: equal sizes compare whole digests, a longer file
/// compares the prefix digest computed during the check, and a grown file without one (two
/// independent scans) or a shorter file counts as different (fail closed).
fn content_differs(old: &Entry, new: &Entry, pick: fn(&Entry) -> Option<[u8; 32]>) -> bool {
    let (Some(o), Some(n)) = (pick(old), pick(new)) else {
        return false;
    };
    if !old.attrs.is_growing() || new.size == old.size {
        return o != n;
    }
    let prefix = new
        .prefix
        .filter(|p| p.len == old.size && new.size > old.size);
    let p = prefix.and_then(|p| {
        let mut e = Entry::new(Vec::new(), FileKind::Regular, AttrSet::EMPTY);
        e.sha256 = p.sha256;
        e.blake3 = p.blake3;
        pick(&e)
    });
    p != Some(o)
}

/// The attributes of `old.attrs` (minus `ignore`) that differ between `old` and `new`.
pub fn diff_entries(old: &Entry, new: &Entry, ignore: AttrSet) -> Vec<Attr> {
    let set = old.attrs;
    let growing = set.is_growing();
    let mut out = Vec::new();
    for a in set.iter() {
        if ignore.contains(a) {
            continue;
        }
        let differs = match a {
            Attr::Type => old.kind != new.kind,
            Attr::Mode => old.mode != new.mode,
            Attr::Uid => old.uid != new.uid,
            Attr::Gid => old.gid != new.gid,
            Attr::Size => {
                if growing {
                    new.size < old.size
                } else {
                    old.size != new.size
                }
            }
            Attr::Mtime => !growing && old.mtime != new.mtime,
            Attr::Ctime => !growing && old.ctime != new.ctime,
            Attr::Inode => old.inode != new.inode,
            Attr::Nlink => old.nlink != new.nlink,
            Attr::LinkTarget => old.link_target != new.link_target,
            Attr::Xattrs => {
                old.xattrs.is_some() && new.xattrs.is_some() && old.xattrs != new.xattrs
            }
            // Not recorded on one side (an older baseline, a file system without flags): not
            // compared, as for xattrs.
            Attr::InodeFlags => matches!(
                (old.inode_flags, new.inode_flags),
                (Some(o), Some(n)) if o != n
            ),
            Attr::Sha256 => {
                old.kind == FileKind::Regular
                    && new.kind == FileKind::Regular
                    && content_differs(old, new, |e| e.sha256)
            }
            Attr::Blake3 => {
                old.kind == FileKind::Regular
                    && new.kind == FileKind::Regular
                    && content_differs(old, new, |e| e.blake3)
            }
        };
        if differs {
            out.push(a);
        }
    }
    out
}

fn same_object(o: &Entry, n: &Entry) -> bool {
    if o.inode != n.inode || o.kind != n.kind || o.size != n.size {
        return false;
    }
    match o.kind {
        FileKind::Regular => {
            let sha = matches!((o.sha256, n.sha256), (Some(a), Some(b)) if a == b);
            let b3 = matches!((o.blake3, n.blake3), (Some(a), Some(b)) if a == b);
            let conflict = matches!((o.sha256, n.sha256), (Some(a), Some(b)) if a != b)
                || matches!((o.blake3, n.blake3), (Some(a), Some(b)) if a != b);
            (sha || b3) && !conflict
        }
        FileKind::Symlink => o.link_target == n.link_target,
        _ => true,
    }
}

/// Compares an old baseline with a new one (both sorted by path, as every [`Baseline`] is).
///
/// ```
/// use ferret_baseline::{compare, AttrSet, Baseline, CheckOptions, Entry, ScanConfig};
/// use ferret_core::FileKind;
/// let mut a = Entry::new("/etc/passwd", FileKind::Regular, AttrSet::full());
/// a.sha256 = Some([1; 32]);
/// let mut b = a.clone();
/// b.sha256 = Some([2; 32]);
/// b.mode = 0o4755;
/// let old = Baseline::from_entries(ScanConfig::default(), vec![a]);
/// let new = Baseline::from_entries(ScanConfig::default(), vec![b]);
/// let c = compare(&old, &new, &CheckOptions::default());
/// assert_eq!(c.changed[0].attributes.iter().map(|a| a.as_str()).collect::<Vec<_>>(), ["mode", "sha256"]);
/// let f = c.findings();
/// assert_eq!(f.findings[0].severity, ferret_core::Severity::Critical);
/// ```
pub fn compare(old: &Baseline, new: &Baseline, opts: &CheckOptions) -> Comparison {
    let mut c = Comparison {
        fast: opts.mode == CheckMode::Fast,
        complete: new.complete,
        errors: new.errors.clone(),
        ..Comparison::default()
    };
    let (mut i, mut j) = (0, 0);
    let (a, b) = (&old.entries, &new.entries);
    loop {
        match (a.get(i), b.get(j)) {
            (None, None) => break,
            (Some(o), None) => {
                c.removed.push(o.clone());
                i += 1;
            }
            (None, Some(n)) => {
                c.added.push(n.clone());
                j += 1;
            }
            (Some(o), Some(n)) => match o.path.cmp(&n.path) {
                std::cmp::Ordering::Less => {
                    c.removed.push(o.clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    c.added.push(n.clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    let attrs = diff_entries(o, n, opts.ignore);
                    if !attrs.is_empty() {
                        let values = attrs
                            .iter()
                            .map(|&at| AttrChange {
                                attribute: at,
                                old: value(o, at),
                                new: value(n, at),
                            })
                            .collect();
                        c.changed.push(Change {
                            path: n.path.clone(),
                            attributes: attrs,
                            values,
                        });
                    }
                    if n.unverified && n.kind == FileKind::Regular && o.attrs.wants_content() {
                        c.unverified.push(n.path.clone());
                    }
                    i += 1;
                    j += 1;
                }
            },
        }
    }
    // Moves: a removed and an added entry that are the same object.
    if !c.removed.is_empty() && !c.added.is_empty() {
        let mut by_inode: HashMap<u64, Vec<usize>> = HashMap::new();
        for (k, e) in c.removed.iter().enumerate() {
            by_inode.entry(e.inode).or_default().push(k);
        }
        let mut taken_removed = vec![false; c.removed.len()];
        let mut taken_added = vec![false; c.added.len()];
        for (k, n) in c.added.iter().enumerate() {
            let Some(cands) = by_inode.get(&n.inode) else {
                continue;
            };
            for &r in cands {
                let Some(o) = c.removed.get(r) else { continue };
                if !taken_removed.get(r).copied().unwrap_or(true) && same_object(o, n) {
                    if let Some(t) = taken_removed.get_mut(r) {
                        *t = true;
                    }
                    if let Some(t) = taken_added.get_mut(k) {
                        *t = true;
                    }
                    c.moved.push(Move {
                        from: o.path.clone(),
                        path: n.path.clone(),
                    });
                    break;
                }
            }
        }
        let mut k = 0;
        c.removed.retain(|_| {
            k += 1;
            !taken_removed.get(k - 1).copied().unwrap_or(false)
        });
        let mut k = 0;
        c.added.retain(|_| {
            k += 1;
            !taken_added.get(k - 1).copied().unwrap_or(false)
        });
    }
    if !old.complete {
        c.errors.push(ErrorRecord::new(
            None,
            None,
            "the old baseline is partial (its scan was cancelled); paths it never saw show as added",
        ));
    }
    if !new.complete {
        c.errors.push(ErrorRecord::new(
            None,
            None,
            format!(
                "the new scan is incomplete (cancelled); {} path(s) not seen are not reported as removed",
                c.removed.len()
            ),
        ));
        c.removed.clear();
    }
    c
}

// ---------------------------------------------------------------- findings

/// Where a path sits, for severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Other,
    System,
    Critical,
}

fn under(path: &[u8], dir: &[u8]) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/'))
}

fn file_name(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// Critical: account databases, the preload list, sudoers, sshd configuration.
const CRITICAL: &[&[u8]] = &[
    b"/etc/passwd",
    b"/etc/shadow",
    b"/etc/group",
    b"/etc/gshadow",
    b"/etc/ld.so.preload",
    b"/etc/sudoers",
];

/// High: system binaries, libraries, configuration, boot.
const SYSTEM: &[&[u8]] = &[
    b"/bin",
    b"/sbin",
    b"/usr/bin",
    b"/usr/sbin",
    b"/usr/local/bin",
    b"/usr/local/sbin",
    b"/etc",
    b"/boot",
];

fn classify(path: &[u8]) -> Class {
    if CRITICAL.contains(&path)
        || file_name(path) == b"sshd_config"
        || path
            .windows(b"/sshd_config.d/".len())
            .any(|w| w == b"/sshd_config.d/")
        || under(path, b"/etc/sudoers.d")
    {
        return Class::Critical;
    }
    // `/lib`, `/lib64`, `/libx32`, `/usr/lib`, `/usr/lib64`, ...: a component named `lib*`.
    let lib = |p: &[u8]| {
        let rest = p.strip_prefix(b"/usr".as_slice()).unwrap_or(p);
        rest.strip_prefix(b"/lib".as_slice()).is_some()
    };
    if SYSTEM.iter().any(|d| under(path, d)) || lib(path) {
        Class::System
    } else {
        Class::Other
    }
}

fn attack_for(path: &[u8]) -> Option<&'static str> {
    if [
        b"/etc/passwd".as_slice(),
        b"/etc/shadow",
        b"/etc/group",
        b"/etc/gshadow",
    ]
    .contains(&path)
    {
        Some("T1098")
    } else if path == b"/etc/ld.so.preload" {
        Some("T1574.006")
    } else if file_name(path) == b"sshd_config" || path.windows(15).any(|w| w == b"/sshd_config.d/")
    {
        Some("T1556")
    } else if path == b"/etc/sudoers" || under(path, b"/etc/sudoers.d") {
        Some("T1548.003")
    } else if under(path, b"/etc/cron.d")
        || under(path, b"/etc/crontab")
        || path.starts_with(b"/etc/cron.")
        || under(path, b"/var/spool/cron")
    {
        Some("T1053.003")
    } else if under(path, b"/etc/systemd/system")
        || under(path, b"/lib/systemd/system")
        || under(path, b"/usr/lib/systemd/system")
    {
        Some("T1543.002")
    } else if [
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
    ]
    .iter()
    .any(|d| under(path, d.as_bytes()))
    {
        Some("T1554")
    } else if path.starts_with(b"/lib") || path.starts_with(b"/usr/lib") {
        Some("T1574")
    } else {
        None
    }
}

fn finding(id: &str, sev: Severity, title: String, path: &[u8]) -> Finding {
    let mut f = Finding::new(id, sev, title, path).with_evidence(Evidence::file(path));
    if let Some(t) = attack_for(path) {
        f = f.with_attack(t);
    }
    f
}

impl Comparison {
    /// Findings for the facade, with the documented ids (see the crate docs):
    /// `baseline.changed`, `baseline.added`, `baseline.removed`, `baseline.moved`,
    /// `baseline.setuid-added`, `baseline.immutable-added`, `baseline.unverified`. Errors are
    /// carried over.
    pub fn findings(&self) -> Outcome {
        let mut out = Outcome::new();
        for ch in &self.changed {
            let class = classify(&ch.path);
            let sev = match class {
                Class::Critical => Severity::Critical,
                Class::System => Severity::High,
                Class::Other => Severity::Medium,
            };
            let names: Vec<&str> = ch.attributes.iter().map(|a| a.as_str()).collect();
            let detail = ch
                .values
                .iter()
                .map(|v| format!("{}: {} -> {}", v.attribute, v.old, v.new))
                .collect::<Vec<_>>()
                .join("; ");
            out.findings.push(
                finding(
                    "baseline.changed",
                    sev,
                    format!("file changed since the baseline ({})", names.join(", ")),
                    &ch.path,
                )
                .with_detail(detail)
                .with_remediation(
                    "compare with the package's copy (dpkg --verify / rpm -V) and investigate who changed it and when",
                ),
            );
            if let Some(v) = ch.values.iter().find(|v| v.attribute == Attr::InodeFlags) {
                // `i` or `a` newly set: the file was locked against removal or editing.
                let had = |s: &str, c: char| s.len() == 22 && s.contains(c);
                let added: Vec<&str> = [('i', "immutable"), ('a', "append-only")]
                    .into_iter()
                    .filter(|&(c, _)| had(&v.new, c) && !had(&v.old, c))
                    .map(|(_, what)| what)
                    .collect();
                if !added.is_empty() {
                    out.findings.push(
                        Finding::new(
                            "baseline.immutable-added",
                            Severity::High,
                            format!("{} flag set since the baseline", added.join(" and ")),
                            &ch.path,
                        )
                        .with_evidence(Evidence::file(&ch.path))
                        .with_attack("T1222.002")
                        .with_detail(format!("lsattr {} -> {}", v.old, v.new))
                        .with_remediation(
                            "find who set it (chattr needs root); attackers lock their persistence \
                             files and the files they changed so that they cannot be cleaned",
                        ),
                    );
                }
            }
            if let Some(v) = ch.values.iter().find(|v| v.attribute == Attr::Mode) {
                let old = u32::from_str_radix(&v.old, 8).unwrap_or(0);
                let new = u32::from_str_radix(&v.new, 8).unwrap_or(0);
                if new & 0o6000 & !old != 0 {
                    out.findings.push(
                        Finding::new(
                            "baseline.setuid-added",
                            Severity::Critical,
                            "setuid/setgid bit added since the baseline",
                            &ch.path,
                        )
                        .with_evidence(Evidence::file(&ch.path))
                        .with_attack("T1548.001")
                        .with_detail(format!("mode {} -> {}", v.old, v.new)),
                    );
                }
            }
        }
        for e in &self.added {
            let class = classify(&e.path);
            let sev = match class {
                Class::Critical => Severity::Critical,
                Class::System => Severity::High,
                Class::Other => Severity::Low,
            };
            let mut f = finding(
                "baseline.added",
                sev,
                format!("new {} since the baseline", e.kind),
                &e.path,
            );
            if e.kind == FileKind::Regular && e.mode & 0o6000 != 0 {
                f.severity = Severity::Critical;
                f = f
                    .with_attack("T1548.001")
                    .with_detail(format!("mode {:04o}", e.mode));
            }
            out.findings.push(f);
        }
        for e in &self.removed {
            let sev = match classify(&e.path) {
                Class::Critical => Severity::High,
                Class::System => Severity::Medium,
                Class::Other => Severity::Low,
            };
            out.findings.push(finding(
                "baseline.removed",
                sev,
                format!("{} removed since the baseline", e.kind),
                &e.path,
            ));
        }
        for m in &self.moved {
            let class = classify(&m.path).max(classify(&m.from));
            let sev = match class {
                Class::Critical => Severity::High,
                Class::System => Severity::Medium,
                Class::Other => Severity::Low,
            };
            out.findings.push(
                finding(
                    "baseline.moved",
                    sev,
                    "moved since the baseline (same inode and content)".into(),
                    &m.path,
                )
                .with_detail(format!("from {}", ferret_core::escape::escape(&m.from))),
            );
        }
        for p in &self.unverified {
            let sev = match classify(p) {
                Class::Critical | Class::System => Severity::Medium,
                Class::Other => Severity::Low,
            };
            out.findings.push(finding(
                "baseline.unverified",
                sev,
                "content could not be verified (unreadable or changing while read)".into(),
                p,
            ));
        }
        out.errors.clone_from(&self.errors);
        out.sort();
        out
    }
}
