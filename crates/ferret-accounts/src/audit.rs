//! The audit: pwck/grpck-parity syntax checks and the security checks a responder runs first.
//!
//! Every finding id is listed, with its severity rule, in the crate documentation.

use crate::lines::{AccountFile, Content, Document, Line, Malformed};
use crate::password::{HashAlgorithm, PasswordStatus};
use crate::snapshot::Accounts;
use ferret_core::{Control, Evidence, Finding, HostRoot, Outcome, Severity};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// What the audit checks and how. Plain fields, set one by one from the defaults:
///
/// ```
/// let mut opts = ferret_accounts::AuditOptions::default();
/// opts.check_home = false;
/// opts.today = Some(20_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Check that home directories exist and belong to their user ([`crate::audit_root`]
    /// only: it reads the root). Default on.
    pub check_home: bool,
    /// Check that login shells exist ([`crate::audit_root`] only). Default on.
    pub check_shells: bool,
    /// "Today" in days since the epoch for aging checks; `None` (the default) is the clock's
    /// today.
    pub today: Option<i64>,
    /// Groups whose members and administrators are listed for review; the default is
    /// [`ferret_core::groups::PRIVILEGED_GROUPS`].
    pub privileged_groups: Vec<Vec<u8>>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            check_home: true,
            check_shells: true,
            today: None,
            privileged_groups: ferret_core::groups::PRIVILEGED_GROUPS
                .iter()
                .map(|g| g.as_bytes().to_vec())
                .collect(),
        }
    }
}

/// Today in days since the epoch, from the system clock.
pub fn today_days() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.as_secs() / 86_400) as i64)
}

/// Whether a login shell gives an interactive session (empty means `/bin/sh`).
pub fn is_interactive_shell(shell: &[u8]) -> bool {
    let base = shell.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if shell.is_empty() {
        return true;
    }
    !matches!(
        base,
        b"nologin" | b"false" | b"true" | b"sync" | b"shutdown" | b"halt" | b"git-shell" | b"null"
    )
}

/// shadow-utils' `is_valid_user_name`/`is_valid_group_name` (upstream chkname.c): the first
/// byte in `[A-Za-z0-9_.]`, then `[A-Za-z0-9_.-]`, `$` allowed last, not only digits, not `.`
/// or `..`, at most 255 bytes.
pub fn is_valid_name(name: &[u8]) -> bool {
    let Some((&first, rest)) = name.split_first() else {
        return false;
    };
    if name.len() > 255 || name == b"." || name == b".." {
        return false;
    }
    let class = |b: u8| NAME_BYTE.get(usize::from(b)).copied().unwrap_or(0);
    if class(first) != NAME {
        return false;
    }
    // `$` only as the last byte (and never the first, checked above)
    let body = match rest.split_last() {
        Some((b'$', body)) => body,
        _ => rest,
    };
    body.iter().fold(true, |ok, &b| ok & (class(b) != 0)) && !name.iter().all(u8::is_ascii_digit)
}

/// [`NAME_BYTE`] classes: a byte allowed anywhere in a name, and `-` (not first).
const NAME: u8 = 1;
const HYPHEN: u8 = 2;
/// Byte classes of user and group names (0: not allowed).
// Built at compile time: an index out of range would fail the build, it cannot panic.
#[allow(clippy::indexing_slicing)]
static NAME_BYTE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' {
            t[i] = NAME;
        } else if b == b'-' {
            t[i] = HYPHEN;
        }
        i += 1;
    }
    t
};

/// An excerpt of a line that never shows a password hash: the second field is replaced by
/// its classification unless it is one of the harmless markers.
pub fn redacted_line(text: &[u8]) -> Vec<u8> {
    let mut fields = text.splitn(3, |&b| b == b':');
    let name = fields.next().unwrap_or_default();
    let Some(pw) = fields.next() else {
        return text.to_vec();
    };
    let mut v = name.to_vec();
    v.push(b':');
    if matches!(pw, b"" | b"x" | b"*" | b"!" | b"!!" | b"!*") {
        v.extend_from_slice(pw);
    } else {
        v.extend_from_slice(format!("<{}>", crate::password::classify(pw)).as_bytes());
    }
    if let Some(rest) = fields.next() {
        v.push(b':');
        v.extend_from_slice(rest);
    }
    v
}

struct Ctx<'o> {
    out: &'o mut Outcome,
    /// Whether each login shell seen so far is missing: thousands of users share a few shells.
    shell_missing: FastMap<Vec<u8>, bool>,
}

impl Ctx<'_> {
    fn push(&mut self, f: Finding) {
        self.out.findings.push(f);
    }
}

fn ev(path: &str, line: u64) -> Evidence {
    Evidence::line(path, line)
}

fn ev_text(path: &str, line: u64, text: &[u8]) -> Evidence {
    Evidence::line(path, line).with_excerpt(redacted_line(text))
}

fn kind_word(kind: AccountFile) -> &'static str {
    match kind {
        AccountFile::Passwd => "password",
        AccountFile::Shadow => "shadow password",
        AccountFile::Group => "group",
        AccountFile::Gshadow => "shadow group",
    }
}

fn line_checks<E>(cx: &mut Ctx<'_>, kind: AccountFile, l: &Line<'_, E>, path: &str, last: bool) {
    // the usual line (an entry, LF, not the last) has nothing to report
    if matches!(l.content, Ok(Content::Entry(_)))
        && !last
        && !l.is_crlf()
        && !matches!(l.text.first(), Some(b' ' | b'\t'))
    {
        return;
    }
    let subject = l.text.split(|&b| b == b':').next().unwrap_or_default();
    match &l.content {
        Err(m) => {
            // glibc gives the shell field the rest of the line, so a passwd line with extra
            // fields is still an account for NSS: a UID 0 one is critical.
            let mut f3 = l.text.split(|&b| b == b':').skip(2);
            let glibc_uid0 = kind == AccountFile::Passwd
                && matches!(m, Malformed::FieldCount { found, .. } if *found > 7)
                && f3.next().is_some_and(|u| !u.is_empty() && u.iter().all(|&b| b == b'0'));
            let detail = match m {
                Malformed::ContainsNul => "the line contains a NUL byte: C programs (glibc, PAM, pwck) see only the part before it, so what they read differs from the file".to_owned(),
                _ if glibc_uid0 => format!("{m}; glibc reads the extra fields as part of the shell and sees a UID 0 account"),
                _ => format!("{m}; glibc skips such a line, pwck reports \"invalid {} file entry\"", kind_word(kind)),
            };
            cx.push(
                Finding::new(
                    "accounts.malformed-line",
                    if glibc_uid0 { Severity::Critical } else { Severity::Medium },
                    format!("invalid {} file entry", kind_word(kind)),
                    subject,
                )
                .with_evidence(ev_text(path, l.number, l.text))
                .with_detail(detail)
                .with_reference("pwck(8)"),
            );
        }
        Ok(Content::Nis) => cx.push(
            Finding::new(
                "accounts.nis-compat-line",
                Severity::Low,
                "NIS compat (+/-) line",
                subject,
            )
            .with_evidence(ev_text(path, l.number, l.text))
            .with_detail("with nsswitch 'compat' this line imports or hides accounts from NIS; pwck ignores it")
            .with_attack("T1078"),
        ),
        Ok(Content::Comment) => cx.push(
            Finding::new("accounts.comment-line", Severity::Low, "comment line in an account file", subject)
                .with_evidence(ev(path, l.number))
                .with_detail("glibc skips it but shadow's tools treat it as an invalid entry"),
        ),
        Ok(Content::Blank) => cx.push(
            Finding::new("accounts.blank-line", Severity::Info, "blank line in an account file", "")
                .with_evidence(ev(path, l.number)),
        ),
        Ok(Content::Entry(_)) => {}
    }
    if l.has_leading_blank() {
        cx.push(
            Finding::new("accounts.leading-whitespace", Severity::Medium, "entry line starts with blanks", subject)
                .with_evidence(ev_text(path, l.number, l.text))
                .with_detail("glibc skips the blanks and uses the entry, while shadow's tools (and a reader grepping for ^name:) do not see the same name"),
        );
    }
    if l.is_crlf() {
        cx.push(
            Finding::new("accounts.crlf-line", Severity::Low, "line ends in CRLF", subject)
                .with_evidence(ev(path, l.number))
                .with_detail("the \\r belongs to the last field for glibc (a shell \"/bin/sh\\r\" does not exist); ferret parses the fields without it"),
        );
    }
    if last && l.ending.is_empty() {
        cx.push(
            Finding::new(
                "accounts.no-final-newline",
                Severity::Info,
                "last line has no newline",
                subject,
            )
            .with_evidence(ev(path, l.number)),
        );
    }
}

/// A fast, per-process randomly seeded hasher: the audit is hash-map bound, and SipHash
/// costs a third of it on 100k users. The random seed keeps crafted names from colliding.
type Fast = foldhash::fast::RandomState;
type FastMap<K, V> = HashMap<K, V, Fast>;

/// For each duplicated key, every (line number, line text or name) where it was seen.
type Dups<'a, K> = Vec<(K, Vec<(u64, &'a [u8])>)>;

/// Entries by name: the first entry of each name (as its index in the document's lines:
/// 24-byte map slots instead of 48, the audit is bound by these maps' cache misses), plus
/// every line of duplicated names.
struct NameIndex<'a, E> {
    doc: Option<&'a Document<'a, E>>,
    first: FastMap<&'a [u8], u32>,
    /// Names seen more than once, with every (line, text), in file order.
    dups: Dups<'a, &'a [u8]>,
}

impl<'a, E> NameIndex<'a, E> {
    /// The first entry of `name`: (line number, entry, line text).
    fn get(&self, name: &[u8]) -> Option<(u64, &'a E, &'a [u8])> {
        let i = *self.first.get(name)?;
        entry_at(self.doc?, i as usize)
    }
    fn contains_key(&self, name: &[u8]) -> bool {
        self.first.contains_key(name)
    }
}

/// The entry on line index `i` (0-based) of a document, with its number and text.
fn entry_at<'a, E>(d: &'a Document<'a, E>, i: usize) -> Option<(u64, &'a E, &'a [u8])> {
    let l = d.lines.get(i)?;
    l.entry().map(|e| (l.number, e, l.text))
}

/// Uids or gids of one file: which repeat, in the order their second occurrence was seen.
struct IdScan {
    /// Every id seen (for group: the set of existing gids).
    seen: IdSet,
    repeated: IdSet,
    order: Vec<u32>,
}

impl IdScan {
    fn new() -> Self {
        IdScan {
            seen: IdSet::new(),
            repeated: IdSet::new(),
            order: Vec::new(),
        }
    }

    #[inline]
    fn add(&mut self, id: u32) {
        if !self.seen.insert(id) && self.repeated.insert(id) {
            self.order.push(id);
        }
    }

    /// Every (line, name) of each repeated id, each list in file order (one more pass, only
    /// when an id repeats).
    fn dups<'a, I: Iterator<Item = (u32, u64, &'a [u8])>>(&self, items: I) -> Dups<'a, u32> {
        if self.order.is_empty() {
            return Vec::new();
        }
        let at: FastMap<u32, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, &id)| (id, i))
            .collect();
        let mut dups: Dups<'_, u32> = self.order.iter().map(|&id| (id, Vec::new())).collect();
        for (id, line, name) in items {
            if self.repeated.contains(id) {
                if let Some(d) = at.get(&id).and_then(|&i| dups.get_mut(i)) {
                    d.1.push((line, name));
                }
            }
        }
        dups
    }
}

/// What one pass over a file gathers: its line-level findings, its name index, optionally
/// its names checked (shadow, gshadow) and its ids (passwd uids, group gids). One pass
/// instead of four: the parsed lines are large and the audit was bound by walking them.
struct Scan<'a, E> {
    index: NameIndex<'a, E>,
    /// Line-level findings (`line_checks`), in line order.
    lines: Vec<Finding>,
    /// `accounts.invalid-name` findings, in line order (when names are checked here).
    names: Vec<Finding>,
    ids: IdScan,
}

fn scan<'a, E>(
    doc: Option<&'a Document<'a, E>>,
    path: &str,
    name: impl Fn(&E) -> &'a [u8],
    check_names: bool,
    id: impl Fn(&E) -> Option<u32>,
    index: bool,
) -> Scan<'a, E> {
    let mut lines = Outcome::new();
    let mut names = Outcome::new();
    let mut ids = IdScan::new();
    let mut first: FastMap<&[u8], u32> = FastMap::default();
    let mut dup_at: FastMap<&[u8], usize> = FastMap::default();
    let mut dups: Dups<'_, &[u8]> = Vec::new();
    if let Some(d) = doc {
        let mut lcx = Ctx {
            out: &mut lines,
            shell_missing: FastMap::default(),
        };
        let mut ncx = Ctx {
            out: &mut names,
            shell_missing: FastMap::default(),
        };
        if index {
            first.reserve(d.lines.len());
        }
        let count = d.lines.len();
        for (i, l) in d.lines.iter().enumerate() {
            line_checks(&mut lcx, d.kind, l, path, i + 1 == count);
            let Some(e) = l.entry() else { continue };
            let n = name(e);
            if check_names {
                check_name(&mut ncx, d.kind, path, l.number, n, false);
            }
            if let Some(v) = id(e) {
                ids.add(v);
            }
            if !index {
                continue;
            }
            // line indexes fit: account files are capped far below 4 G lines
            let at = u32::try_from(i).unwrap_or(u32::MAX);
            match first.entry(n) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(at);
                }
                std::collections::hash_map::Entry::Occupied(seen) => {
                    let earlier = d.lines.get(*seen.get() as usize);
                    let k = *dup_at.entry(n).or_insert_with(|| {
                        dups.push((n, earlier.map(|f| (f.number, f.text)).into_iter().collect()));
                        dups.len() - 1
                    });
                    if let Some(d) = dups.get_mut(k) {
                        d.1.push((l.number, l.text));
                    }
                }
            }
        }
    }
    Scan {
        index: NameIndex { doc, first, dups },
        lines: lines.findings,
        names: names.findings,
        ids,
    }
}

fn report_duplicates(cx: &mut Ctx<'_>, kind: AccountFile, path: &str, dups: &Dups<'_, &[u8]>) {
    for (name, v) in dups {
        let identical = v.iter().all(|x| v.first().is_some_and(|f| f.1 == x.1));
        let (id, sev) = if identical {
            ("accounts.duplicate-entry", Severity::Low)
        } else {
            ("accounts.duplicate-name", Severity::Medium)
        };
        let mut f = Finding::new(id, sev, format!("duplicate {} entry", kind_word(kind)), name)
            .with_detail(if identical {
                format!("{} identical lines", v.len())
            } else {
                format!(
                    "{} entries with this name differ; glibc and PAM use the first (line {}), tools may edit another",
                    v.len(),
                    v.first().map_or(0, |x| x.0)
                )
            });
        for (line, text) in v {
            f = f.with_evidence(ev_text(path, *line, text));
        }
        cx.push(f);
    }
}

/// The entries of a file that follows another one (shadow after passwd, gshadow after
/// group), found by the owner's line: the first entry of each name, as an index by name
/// would give, and the names seen more than once.
///
/// Both files usually list the same names in the same order, so the owner entry of each line
/// is found by walking both in step (a name comparison), and the owner index is asked only
/// where the orders differ: no second 100k-entry map. Names without an owner entry go to a
/// map; the owner's duplicated names count as their first line.
struct Paired<'a, E> {
    doc: Option<&'a Document<'a, E>>,
    /// Per owner line: 1 + the line index of the first entry of that name (0: none). Empty
    /// when there is no owner file.
    by_owner: Vec<u32>,
    /// Owner lines of duplicated names, to the first line of that name.
    canonical: FastMap<usize, usize>,
    /// First line index of the names without an owner entry (all names without owner file).
    extra: FastMap<&'a [u8], u32>,
    /// Names seen more than once, with every (line, text), in file order.
    dups: Dups<'a, &'a [u8]>,
}

impl<'a, E> Paired<'a, E> {
    /// The first entry named like the owner entry on line index `owner_line`, whose name is
    /// `name`: (line number, entry, line text).
    fn for_owner(&self, owner_line: usize, name: &[u8]) -> Option<(u64, &'a E, &'a [u8])> {
        let i = if self.by_owner.is_empty() {
            *self.extra.get(name)?
        } else {
            let k = self
                .canonical
                .get(&owner_line)
                .copied()
                .unwrap_or(owner_line);
            self.by_owner.get(k)?.checked_sub(1)?
        };
        entry_at(self.doc?, i as usize)
    }
}

fn pair<'a, O, E>(
    owner_doc: Option<&'a Document<'a, O>>,
    owner: &NameIndex<'a, O>,
    owner_name: impl Fn(&O) -> &'a [u8],
    doc: Option<&'a Document<'a, E>>,
    name: impl Fn(&E) -> &'a [u8],
) -> Paired<'a, E> {
    let od = owner_doc;
    let mut by_owner = vec![0u32; od.map_or(0, |d| d.lines.len())];
    let canonical: FastMap<usize, usize> = owner
        .dups
        .iter()
        .flat_map(|(_, v)| {
            let first = v.first().map_or(0, |f| f.0 as usize - 1);
            v.iter().map(move |x| (x.0 as usize - 1, first))
        })
        .collect();
    let mut extra: FastMap<&[u8], u32> = FastMap::default();
    let mut dup_at: FastMap<&[u8], usize> = FastMap::default();
    let mut dups: Dups<'_, &[u8]> = Vec::new();
    let mut step = 0usize; // the owner line expected next
    let Some(d) = doc else {
        return Paired {
            doc,
            by_owner,
            canonical,
            extra,
            dups,
        };
    };
    if od.is_none() {
        extra.reserve(d.lines.len());
    }
    for (i, l) in d.lines.iter().enumerate() {
        let Some(e) = l.entry() else { continue };
        let n = name(e);
        // line indexes fit: account files are capped far below 4 G lines
        let at = u32::try_from(i).unwrap_or(u32::MAX);
        // the owner entry of this name: the next one in step, else the owner's index
        let owner_line = od.and_then(|o| {
            while o.lines.get(step).is_some_and(|ol| ol.entry().is_none()) {
                step += 1;
            }
            let next = o.lines.get(step).and_then(|ol| ol.entry());
            if next.is_some_and(|oe| owner_name(oe) == n) {
                step += 1;
                Some(step - 1)
            } else {
                let k = owner.first.get(n).map(|&k| k as usize)?;
                step = k + 1;
                Some(k)
            }
        });
        let owner_line = owner_line.map(|k| canonical.get(&k).copied().unwrap_or(k));
        let earlier = match owner_line.and_then(|k| by_owner.get_mut(k)) {
            Some(slot) if *slot == 0 => {
                *slot = at + 1;
                None
            }
            Some(slot) => Some(*slot - 1),
            None => match extra.entry(n) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(at);
                    None
                }
                std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
            },
        };
        if let Some(first) = earlier {
            let first_line = d.lines.get(first as usize);
            let k = *dup_at.entry(n).or_insert_with(|| {
                dups.push((
                    n,
                    first_line.map(|f| (f.number, f.text)).into_iter().collect(),
                ));
                dups.len() - 1
            });
            if let Some(list) = dups.get_mut(k) {
                list.1.push((l.number, l.text));
            }
        }
    }
    Paired {
        doc,
        by_owner,
        canonical,
        extra,
        dups,
    }
}

/// A set of ids: a bitmap for the usual small ids (one bit each: 100k lookups stay in L1/L2
/// instead of missing in a hash table), a hash set for the rest.
struct IdSet {
    bits: Vec<u64>,
    large: std::collections::HashSet<u32, Fast>,
}

impl IdSet {
    /// Ids below this live in the bitmap (at most 512 KiB of it).
    const BITMAP_IDS: u32 = 1 << 22;

    fn new() -> Self {
        IdSet {
            bits: Vec::new(),
            large: std::collections::HashSet::default(),
        }
    }

    /// Adds `id`; whether it was new.
    #[inline]
    fn insert(&mut self, id: u32) -> bool {
        if id >= Self::BITMAP_IDS {
            return self.large.insert(id);
        }
        let (w, b) = ((id / 64) as usize, 1u64 << (id % 64));
        if self.bits.len() <= w {
            self.bits.resize((w + 1).next_power_of_two(), 0);
        }
        match self.bits.get_mut(w) {
            Some(word) if *word & b == 0 => {
                *word |= b;
                true
            }
            Some(_) => false,
            None => self.large.insert(id),
        }
    }

    #[inline]
    fn contains(&self, id: u32) -> bool {
        if id >= Self::BITMAP_IDS {
            return self.large.contains(&id);
        }
        self.bits
            .get((id / 64) as usize)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }
}

fn check_name(cx: &mut Ctx<'_>, kind: AccountFile, path: &str, line: u64, name: &[u8], uid0: bool) {
    if is_valid_name(name) {
        return;
    }
    let what = if matches!(kind, AccountFile::Passwd | AccountFile::Shadow) {
        "user"
    } else {
        "group"
    };
    let odd = name
        .iter()
        .any(|&b| b.is_ascii_whitespace() || b.is_ascii_control() || b >= 0x80);
    let sev = if uid0 || odd {
        Severity::Medium
    } else {
        Severity::Low
    };
    cx.push(
        Finding::new(
            "accounts.invalid-name",
            sev,
            format!("invalid {what} name"),
            name,
        )
        .with_evidence(ev(path, line))
        .with_detail("not a name useradd/groupadd would create; spaces, control bytes or look-alike characters hide an account from a casual reader")
        .with_reference("pwck(8)"),
    );
}

/// Audits parsed account files in memory: every check of the crate's table except the home and
/// shell checks, which need the root ([`crate::audit_root`] adds them). The file permission and
/// lock-file checks use the metadata [`crate::Snapshot::load`] kept (none for
/// [`crate::Snapshot::from_bytes`]). Findings come sorted, most severe first, with the
/// snapshot's read errors. Nothing is read from any file system.
///
/// Cancelling `control` stops the audit between entries; the findings so far are returned
/// with a "cancelled" error. Progress counts the passwd and group entries checked.
///
/// ```
/// use ferret_accounts::{audit, AuditOptions, Snapshot};
/// let snap = Snapshot::from_bytes(Some(b"root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\n"), None, None, None);
/// let out = audit(&snap.view(), &AuditOptions::default(), &ferret_accounts::core::Control::new());
/// let uid0 = out.findings.iter().find(|f| f.id == "accounts.uid0-non-root").unwrap();
/// assert_eq!((uid0.subject.as_str(), uid0.evidence[0].to_string().as_str()), ("toor", "/etc/passwd:2"));
/// ```
pub fn audit(acc: &Accounts<'_>, opts: &AuditOptions, control: &Control) -> Outcome {
    let mut out = unsorted(acc, opts, control);
    out.sort();
    out
}

/// Entries between two looks at the cancellation flag (and progress reports).
const CHUNK: usize = 1024;
/// The same for the root checks, which `lstat` a home and a shell per entry.
const ROOT_CHUNK: usize = 256;

/// Counts entries checked by the parallel parts of the audit, for progress reports.
struct Tally<'c> {
    control: &'c Control,
    done: AtomicU64,
    total: u64,
}

impl Tally<'_> {
    /// Adds `n` entries; whether the audit goes on (false: cancelled).
    fn add(&self, n: usize) -> bool {
        let done = self.done.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        crate::progress(self.control, done, self.total);
        !self.control.is_cancelled()
    }
}

/// [`audit`] without the final sort (the root checks are added before it).
pub(crate) fn unsorted(acc: &Accounts<'_>, opts: &AuditOptions, control: &Control) -> Outcome {
    let mut out = Outcome::new();
    out.errors.extend(acc.snapshot.errors.iter().cloned());
    if crate::cancelled(control, &mut out.errors) {
        return out;
    }
    let entries = |n: Option<usize>| n.unwrap_or(0) as u64;
    let tally = Tally {
        control,
        done: AtomicU64::new(0),
        total: entries(acc.passwd.as_ref().map(|d| d.lines.len()))
            + entries(acc.group.as_ref().map(|d| d.lines.len())),
    };
    let mut cx = Ctx {
        out: &mut out,
        shell_missing: FastMap::default(),
    };
    let today = opts.today.unwrap_or_else(today_days);
    let defs = &acc.login_defs;
    let pw_path = acc.path(AccountFile::Passwd);
    let sh_path = acc.path(AccountFile::Shadow);
    let gr_path = acc.path(AccountFile::Group);
    let gs_path = acc.path(AccountFile::Gshadow);

    let have_passwd = acc.passwd.is_some();
    // passwd and group are indexed by name; shadow and gshadow are paired with them later
    let ((pw, sh), (gr, gs)) = crate::join(
        || {
            crate::join(
                || {
                    scan(
                        acc.passwd.as_ref(),
                        pw_path,
                        |e| e.name,
                        false,
                        |e| Some(e.uid),
                        true,
                    )
                },
                // shadow names are checked when there is a passwd file to hold them against
                || {
                    scan(
                        acc.shadow.as_ref(),
                        sh_path,
                        |e| e.name,
                        have_passwd,
                        |_| None,
                        false,
                    )
                },
            )
        },
        || {
            crate::join(
                || {
                    scan(
                        acc.group.as_ref(),
                        gr_path,
                        |e| e.name,
                        false,
                        |e| Some(e.gid),
                        true,
                    )
                },
                || {
                    scan(
                        acc.gshadow.as_ref(),
                        gs_path,
                        |e| e.name,
                        true,
                        |_| None,
                        false,
                    )
                },
            )
        },
    );
    for f in [pw.lines, sh.lines, gr.lines, gs.lines] {
        cx.out.findings.extend(f);
    }
    if crate::cancelled(control, &mut cx.out.errors) {
        return out;
    }
    let (users, groups) = (pw.index, gr.index);
    let (pw_ids, sh_names, gr_ids, gs_names) = (pw.ids, sh.names, gr.ids, gs.names);
    // shadow lines matched to a passwd entry: they need no lookup for "unknown user"
    let mut shadow_matched = vec![false; acc.shadow.as_ref().map_or(0, |d| d.lines.len())];
    report_duplicates(&mut cx, AccountFile::Passwd, pw_path, &users.dups);

    // The passwd/shadow checks and the group/gshadow checks read the indexes only: they run
    // side by side, and the group findings follow the passwd ones as they did sequentially.
    let ((), group_findings) = crate::join(
        || {
            let shadows = pair(
                acc.passwd.as_ref(),
                &users,
                |e| e.name,
                acc.shadow.as_ref(),
                |e| e.name,
            );
            report_duplicates(&mut cx, AccountFile::Shadow, sh_path, &shadows.dups);
            let gids = &gr_ids.seen;

            // ---- passwd entries ----
            for (i, (line, u)) in acc.passwd.iter().flat_map(Document::entries).enumerate() {
                if i % CHUNK == CHUNK - 1 && !tally.add(CHUNK) {
                    return;
                }
                let name = u.name;
                check_name(
                    &mut cx,
                    AccountFile::Passwd,
                    pw_path,
                    line,
                    name,
                    u.uid == 0,
                );
                if u.uid == u32::MAX {
                    cx.push(
                        Finding::new(
                            "accounts.invalid-id",
                            Severity::Low,
                            "invalid user ID 4294967295",
                            name,
                        )
                        .with_evidence(ev(pw_path, line))
                        .with_detail(
                            "(uid_t)-1 is the error value of set*uid(); no account can use it",
                        ),
                    );
                }
                if u.gid == u32::MAX {
                    cx.push(
                        Finding::new(
                            "accounts.invalid-id",
                            Severity::Low,
                            "invalid group ID 4294967295",
                            name,
                        )
                        .with_evidence(ev(pw_path, line)),
                    );
                }
                let shadow = shadows.for_owner(line as usize - 1, name);
                if let Some(m) = shadow.and_then(|s| shadow_matched.get_mut(s.0 as usize - 1)) {
                    *m = true;
                }
                let shadow = shadow.as_ref();
                let pw_status = u.password.status();
                let interactive = is_interactive_shell(u.shell);
                // The effective password: passwd's field unless it is `x` and shadow has an entry.
                let effective = match (pw_status, shadow) {
                    (PasswordStatus::Shadowed, Some((_, s, _))) => {
                        Some((s.password.status(), sh_path, s_line(shadow)))
                    }
                    (PasswordStatus::Shadowed, None) => None,
                    (st, _) => Some((st, pw_path, line)),
                };

                if u.uid == 0 && name != b"root" {
                    cx.push(
                Finding::new("accounts.uid0-non-root", Severity::Critical, "account other than root with UID 0", name)
                    .with_evidence(ev(pw_path, line))
                    .with_attack("T1136.001")
                    .with_attack("T1078.003")
                    .with_detail(format!("shell {}, password {}", ferret_core::escape::escape(u.shell), effective.map_or("unknown", |e| e.0.as_str())))
                    .with_remediation("verify who created it (auth logs, /etc/passwd- backup); lock and remove it if unexplained"),
            );
                }
                if u.gid == 0 && u.uid != 0 {
                    let sev = if interactive {
                        Severity::High
                    } else {
                        Severity::Low
                    };
                    cx.push(
                Finding::new("accounts.gid0-primary", sev, "non-root account with primary group 0 (root)", name)
                    .with_evidence(ev(pw_path, line))
                    .with_attack("T1078.003")
                    .with_detail("group root can read and write root-group files; some distributions ship sync/shutdown/halt/operator this way with non-interactive shells"),
            );
                }
                if acc.group.is_some() && !gids.contains(u.gid) {
                    cx.push(
                        Finding::new(
                            "accounts.missing-group",
                            Severity::Low,
                            format!("user's primary group {} does not exist", u.gid),
                            name,
                        )
                        .with_evidence(ev(pw_path, line))
                        .with_reference("pwck(8): no group"),
                    );
                }

                // passwd password field itself
                match pw_status {
            // empty: reported below through `effective`
            PasswordStatus::Shadowed | PasswordStatus::Empty => {}
            PasswordStatus::Hash(_) | PasswordStatus::Locked { hash: Some(_) } => cx.push(
                Finding::new("accounts.passwd-hash", Severity::High, "password hash stored in world-readable /etc/passwd", name)
                    .with_evidence(ev(pw_path, line))
                    .with_attack("T1003.008")
                    .with_attack("T1098")
                    .with_detail(format!("{} hash in passwd{}: anyone can read and crack it, and PAM uses it instead of the shadow entry", pw_status.algorithm().map_or("unknown", HashAlgorithm::as_str), if shadow.is_some() { "; a shadow entry also exists (pwck: password field in /etc/passwd is not set to 'x')" } else { "" }))
                    .with_remediation("move the hash to /etc/shadow (pwconv) and set the passwd field to x"),
            ),
            _ if shadow.is_some() => cx.push(
                Finding::new("accounts.passwd-not-x", Severity::Low, "user has a shadow entry but its passwd password field is not 'x'", name)
                    .with_evidence(ev(pw_path, line))
                    .with_evidence(ev(sh_path, s_line(shadow)))
                    .with_detail(format!("passwd field is {pw_status}; it takes precedence over the shadow entry")),
            ),
            _ => {}
        }
                if pw_status == PasswordStatus::Shadowed && acc.shadow.is_some() && shadow.is_none()
                {
                    cx.push(
                Finding::new("accounts.missing-shadow-entry", Severity::Low, "user has no shadow entry", name)
                    .with_evidence(ev(pw_path, line))
                    .with_detail("passwd says the password is in shadow (x) but there is no entry: the account has no password at all; pwck: no matching password file entry in /etc/shadow"),
            );
                } else if pw_status != PasswordStatus::Shadowed
                    && acc.shadow.is_some()
                    && shadow.is_none()
                    && pw_status != PasswordStatus::Empty
                {
                    cx.push(
                        Finding::new(
                            "accounts.missing-shadow-entry",
                            Severity::Low,
                            "user has no shadow entry",
                            name,
                        )
                        .with_evidence(ev(pw_path, line)),
                    );
                }

                if let Some((st, path, l)) = effective {
                    password_checks(&mut cx, name, u.uid, interactive, st, path, l, defs);
                }

                // system accounts
                if defs.is_system_uid(u.uid) {
                    let usable = effective.is_some_and(|e| e.0.is_usable());
                    if interactive || usable {
                        let (sev, title) = match (interactive, usable) {
                            (true, true) => (
                                Severity::High,
                                "system account with an interactive shell and a usable password",
                            ),
                            (false, true) => {
                                (Severity::Medium, "system account with a usable password")
                            }
                            _ => (Severity::Low, "system account with an interactive shell"),
                        };
                        cx.push(
                    Finding::new("accounts.system-account-login", sev, title, name)
                        .with_evidence(ev(pw_path, line))
                        .with_attack("T1078.003")
                        .with_detail(format!("uid {} < UID_MIN {}, shell {}", u.uid, defs.uid_min, ferret_core::escape::Quoted(u.shell)))
                        .with_remediation("set the shell to /usr/sbin/nologin and lock the password (usermod -L -s /usr/sbin/nologin)"),
                );
                    }
                }

                // shadow aging
                if let Some((sl, s, _)) = shadow {
                    if let Some(lc) = s.aging.lastchg {
                        if lc > today {
                            cx.push(
                        Finding::new("accounts.lastchg-future", Severity::Medium, "last password change in the future", name)
                            .with_evidence(ev(sh_path, *sl))
                            .with_attack("T1070.006")
                            .with_detail(format!("lastchg day {lc} > today {today}: a hand-edited entry or a wrong clock")),
                    );
                        }
                    }
                    if let Some((policy, pline)) = defs.pass_max_days {
                        let never = s.aging.max.is_none_or(|m| !(0..99_999).contains(&m));
                        if policy < 99_999 && never && s.password.status().is_usable() {
                            cx.push(
                                Finding::new(
                                    "accounts.never-expires",
                                    Severity::Info,
                                    "password never expires though policy says it should",
                                    name,
                                )
                                .with_evidence(ev(sh_path, *sl))
                                .with_evidence(ev(acc.snapshot.login_defs.path.as_str(), pline))
                                .with_detail(format!("login.defs PASS_MAX_DAYS {policy}")),
                            );
                        }
                    }
                }
            }

            // duplicate uids
            let uid_dups = pw_ids.dups(
                acc.passwd
                    .iter()
                    .flat_map(Document::entries)
                    .map(|(l, u)| (u.uid, l, u.name)),
            );
            for (uid, v) in &uid_dups {
                let distinct: Vec<&[u8]> = {
                    let mut d: Vec<&[u8]> = v.iter().map(|x| x.1).collect();
                    d.sort_unstable();
                    d.dedup();
                    d
                };
                if distinct.len() < 2 {
                    continue; // same name twice: reported as a duplicate entry
                }
                let sev = if *uid == 0 {
                    Severity::Critical
                } else {
                    Severity::Medium
                };
                let mut f = Finding::new(
                    "accounts.duplicate-uid",
                    sev,
                    format!("several accounts share UID {uid}"),
                    distinct.join(&b","[..]),
                )
                .with_attack("T1078.003")
                .with_detail(
                    "files and processes of one are the other's; logs show only the first name",
                );
                for (line, _) in v {
                    f = f.with_evidence(ev(pw_path, *line));
                }
                cx.push(f);
            }

            // shadow entries without passwd entry
            if acc.passwd.is_some() {
                cx.out.findings.extend(sh_names);
                // only the lines no passwd entry matched need a look
                let unmatched = shadow_matched
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| !**m)
                    .filter_map(|(i, _)| acc.shadow.as_ref()?.lines.get(i))
                    .filter_map(|l| l.entry().map(|e| (l.number, e)));
                for (line, s) in unmatched {
                    if !users.contains_key(s.name) {
                        cx.push(
                    Finding::new("accounts.unknown-shadow-user", Severity::Medium, "shadow entry with no passwd entry", s.name)
                        .with_evidence(ev(sh_path, line))
                        .with_attack("T1136.001")
                        .with_detail(format!("password {}; a leftover of a removed account or a half-planted one (pwck: no matching password file entry in /etc/passwd)", s.password.status())),
                );
                    }
                }
            }
            // An unreadable shadow (a FIFO, a link, a refusal) is an error about that file,
            // not a missing one.
            if acc.shadow.is_none() && acc.passwd.is_some() && !acc.snapshot.shadow.unreadable {
                cx.push(
                    Finding::new(
                        "accounts.no-shadow-file",
                        Severity::Low,
                        "no /etc/shadow: passwords (if any) are in /etc/passwd",
                        acc.path(AccountFile::Shadow),
                    )
                    .with_evidence(Evidence::file(acc.path(AccountFile::Shadow))),
                );
            }
        },
        || {
            let mut gout = Outcome::new();
            let mut gcx = Ctx {
                out: &mut gout,
                shell_missing: FastMap::default(),
            };
            report_duplicates(&mut gcx, AccountFile::Group, gr_path, &groups.dups);
            let gshadows = pair(
                acc.group.as_ref(),
                &groups,
                |e| e.name,
                acc.gshadow.as_ref(),
                |e| e.name,
            );
            report_duplicates(&mut gcx, AccountFile::Gshadow, gs_path, &gshadows.dups);
            group_checks(
                &mut gcx, acc, opts, &users, &groups, &gshadows, &gr_ids, gs_names, &tally,
            );
            gout.findings
        },
    );
    cx.out.findings.extend(group_findings);
    if crate::cancelled(control, &mut cx.out.errors) {
        return out;
    }
    file_checks(&mut cx, acc);
    out
}

/// The checks that read the root: home directories and login shells of every passwd entry
/// (as [`AuditOptions`] selects them). Appends to `out`; stops between entries when `control`
/// is cancelled.
pub(crate) fn root_checks(
    acc: &Accounts<'_>,
    root: &HostRoot,
    opts: &AuditOptions,
    control: &Control,
    out: &mut Outcome,
) {
    if !opts.check_home && !opts.check_shells {
        return;
    }
    let pw_path = acc.path(AccountFile::Passwd);
    let total = acc.passwd.as_ref().map_or(0, |d| d.lines.len()) as u64;
    let mut cx = Ctx {
        out,
        shell_missing: FastMap::default(),
    };
    for (i, (line, u)) in acc.passwd.iter().flat_map(Document::entries).enumerate() {
        if i % ROOT_CHUNK == ROOT_CHUNK - 1 {
            crate::progress(control, i as u64 + 1, total);
            if crate::cancelled(control, &mut cx.out.errors) {
                return;
            }
        }
        fs_checks(
            &mut cx,
            root,
            opts,
            pw_path,
            line,
            u.name,
            u.uid,
            u.home,
            u.shell,
            &acc.login_defs,
        );
    }
}

fn s_line<E>(s: Option<&(u64, &E, &[u8])>) -> u64 {
    s.map_or(0, |x| x.0)
}

#[allow(clippy::too_many_arguments)] // one user's facts, passed flat to keep the loop readable
fn password_checks(
    cx: &mut Ctx<'_>,
    name: &[u8],
    uid: u32,
    interactive: bool,
    st: PasswordStatus,
    path: &str,
    line: u64,
    defs: &crate::login_defs::LoginDefs,
) {
    match st {
        PasswordStatus::Empty => {
            let sev = if uid == 0 || interactive {
                Severity::Critical
            } else {
                Severity::Medium
            };
            cx.push(
                Finding::new("accounts.empty-password", sev, "account with an empty password", name)
                    .with_evidence(ev(path, line))
                    .with_attack("T1078.003")
                    .with_attack("T1098")
                    .with_detail(if interactive { "anyone can log in or su to it without a password (PAM nullok)" } else { "no password; the shell is not interactive but other services (ftp, su -s) may still accept it" })
                    .with_remediation("lock it (passwd -l) or set a password"),
            );
        }
        PasswordStatus::Hash(h) => {
            if h.algorithm.is_weak() {
                cx.push(
                    Finding::new("accounts.weak-hash", Severity::High, format!("password hashed with weak {}", h.algorithm), name)
                        .with_evidence(ev(path, line))
                        .with_attack("T1110.002")
                        .with_remediation("set a new password with yescrypt or SHA-512 (ENCRYPT_METHOD in login.defs)"),
                );
            }
            let low = match h.algorithm {
                HashAlgorithm::Sha256 | HashAlgorithm::Sha512 => {
                    let min = defs.sha_crypt_min_rounds.unwrap_or(5000);
                    h.rounds.is_some_and(|r| r < min)
                }
                HashAlgorithm::Bcrypt => h.rounds.is_some_and(|r| r < 10),
                _ => false,
            };
            if low {
                cx.push(
                    Finding::new(
                        "accounts.low-rounds",
                        Severity::Medium,
                        format!("{} hash with a low cost", h.algorithm),
                        name,
                    )
                    .with_evidence(ev(path, line))
                    .with_attack("T1110.002")
                    .with_detail(format!("cost {}", h.rounds.unwrap_or(0))),
                );
            }
        }
        PasswordStatus::Malformed => cx.push(
            Finding::new(
                "accounts.malformed-password",
                Severity::Low,
                "password field is neither a hash nor a lock marker",
                name,
            )
            .with_evidence(ev(path, line))
            .with_detail(
                "no crypt(3) output matches it, so it works as a lock, but no tool writes it",
            ),
        ),
        PasswordStatus::Shadowed | PasswordStatus::Locked { .. } => {}
    }
}

#[allow(clippy::too_many_arguments)] // one user's facts, passed flat to keep the loop readable
fn fs_checks(
    cx: &mut Ctx<'_>,
    root: &HostRoot,
    opts: &AuditOptions,
    pw_path: &str,
    line: u64,
    name: &[u8],
    uid: u32,
    home: &[u8],
    shell: &[u8],
    defs: &crate::login_defs::LoginDefs,
) {
    use std::os::unix::ffi::OsStrExt;
    if opts.check_home && !home.is_empty() {
        let p = std::path::Path::new(std::ffi::OsStr::from_bytes(home));
        match root.lstat(p) {
            Err(e) if e.is_not_found() => cx.push(
                Finding::new(
                    "accounts.home-missing",
                    Severity::Low,
                    "home directory does not exist",
                    name,
                )
                .with_evidence(ev(pw_path, line))
                .with_detail(format!("directory {}", ferret_core::escape::escape(home))),
            ),
            Err(_) => {}
            Ok(st) => {
                let login_acct = uid == 0 || uid >= defs.uid_min;
                if login_acct && st.kind == ferret_core::FileKind::Directory && st.uid != uid {
                    cx.push(
                        Finding::new("accounts.home-owner", Severity::Medium, "home directory owned by another uid", name)
                            .with_evidence(ev(pw_path, line))
                            .with_attack("T1546.004")
                            .with_detail(format!("{} is owned by uid {}, the user is {}: that uid can plant dotfiles the user runs", ferret_core::escape::escape(home), st.uid, uid)),
                    );
                }
                if login_acct
                    && st.kind == ferret_core::FileKind::Directory
                    && st.mode & 0o002 != 0
                    && st.mode & 0o1000 == 0
                {
                    cx.push(
                        Finding::new(
                            "accounts.home-world-writable",
                            Severity::Medium,
                            "home directory is world-writable",
                            name,
                        )
                        .with_evidence(ev(pw_path, line))
                        .with_attack("T1546.004")
                        .with_detail(format!(
                            "{} mode {:o}",
                            ferret_core::escape::escape(home),
                            st.mode & 0o7777
                        )),
                    );
                }
            }
        }
    }
    if opts.check_shells && !shell.is_empty() {
        let missing = if let Some(m) = cx.shell_missing.get(shell) {
            *m
        } else {
            let p = std::path::Path::new(std::ffi::OsStr::from_bytes(shell));
            let m = root.lstat(p).is_err_and(|e| e.is_not_found());
            cx.shell_missing.insert(shell.to_vec(), m);
            m
        };
        if missing {
            cx.push(
                Finding::new(
                    "accounts.shell-missing",
                    Severity::Low,
                    "login shell does not exist",
                    name,
                )
                .with_evidence(ev(pw_path, line))
                .with_detail(format!("program {}", ferret_core::escape::escape(shell))),
            );
        }
    }
}

/// Membership test on a member list: a scan for short lists, a hash set for long ones (a
/// crafted group with thousands of members must not make the audit quadratic).
enum MemberSet<'l, 'a> {
    Scan(&'l [&'a [u8]]),
    Set(std::collections::HashSet<&'a [u8], Fast>),
}

impl<'l, 'a> MemberSet<'l, 'a> {
    fn new(list: &'l [&'a [u8]]) -> Self {
        if list.len() <= 16 {
            MemberSet::Scan(list)
        } else {
            MemberSet::Set(list.iter().copied().collect())
        }
    }

    fn contains(&self, m: &[u8]) -> bool {
        match self {
            MemberSet::Scan(l) => l.contains(&m),
            MemberSet::Set(s) => s.contains(m),
        }
    }
}

#[allow(clippy::too_many_arguments)] // the indexes and scans the audit built, passed flat
fn group_checks(
    cx: &mut Ctx<'_>,
    acc: &Accounts<'_>,
    opts: &AuditOptions,
    users: &NameIndex<'_, crate::passwd::PasswdEntry<'_>>,
    groups: &NameIndex<'_, crate::group::GroupEntry<'_>>,
    gshadows: &Paired<'_, crate::group::GshadowEntry<'_>>,
    gids: &IdScan,
    gs_names: Vec<Finding>,
    tally: &Tally<'_>,
) {
    let gr_path = acc.path(AccountFile::Group);
    let gs_path = acc.path(AccountFile::Gshadow);
    let have_users = acc.passwd.is_some();
    let mut gs_matched = vec![false; acc.gshadow.as_ref().map_or(0, |d| d.lines.len())];
    for (i, (line, g)) in acc.group.iter().flat_map(Document::entries).enumerate() {
        if i % CHUNK == CHUNK - 1 && !tally.add(CHUNK) {
            return;
        }
        check_name(cx, AccountFile::Group, gr_path, line, g.name, false);
        if g.gid == u32::MAX {
            cx.push(
                Finding::new(
                    "accounts.invalid-id",
                    Severity::Low,
                    "invalid group ID 4294967295",
                    g.name,
                )
                .with_evidence(ev(gr_path, line)),
            );
        }
        for m in &g.members {
            if have_users && !users.contains_key(m) {
                cx.push(
                    Finding::new(
                        "accounts.group-unknown-member",
                        Severity::Low,
                        "group member does not exist",
                        *m,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_detail(format!(
                        "group {}: no user {}",
                        ferret_core::escape::escape(g.name),
                        ferret_core::escape::escape(m)
                    )),
                );
            }
        }
        if g.gid == 0 {
            for m in g.members.iter().filter(|m| **m != b"root") {
                cx.push(
                    Finding::new(
                        "accounts.gid0-member",
                        Severity::High,
                        "member of group 0 (root)",
                        *m,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_attack("T1078.003")
                    .with_attack("T1098")
                    .with_detail(format!(
                        "group {} gid 0",
                        ferret_core::escape::escape(g.name)
                    )),
                );
            }
        }
        let privileged = opts
            .privileged_groups
            .iter()
            .any(|p| p.as_slice() == g.name);
        if privileged {
            for m in &g.members {
                cx.push(
                    Finding::new(
                        "accounts.privileged-group-member",
                        Severity::Info,
                        format!(
                            "member of privileged group {}",
                            ferret_core::escape::escape(g.name)
                        ),
                        *m,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_attack("T1098")
                    .with_detail("listed for review: membership gives root or access to secrets"),
                );
            }
        }
        let gs = gshadows.for_owner(line as usize - 1, g.name);
        if let Some(m) = gs.and_then(|s| gs_matched.get_mut(s.0 as usize - 1)) {
            *m = true;
        }
        let gs = gs.as_ref();
        let pst = g.password.status();
        if gs.is_some() && pst != PasswordStatus::Shadowed {
            cx.push(
                Finding::new(
                    "accounts.group-passwd-not-x",
                    Severity::Low,
                    "group has a gshadow entry but its group password field is not 'x'",
                    g.name,
                )
                .with_evidence(ev(gr_path, line)),
            );
        }
        let effective = match (pst, gs) {
            (PasswordStatus::Shadowed, Some((_, s, _))) => {
                Some((s.password.status(), gs_path, s_line(gs)))
            }
            (PasswordStatus::Shadowed, None) => None,
            (st, _) => Some((st, gr_path, line)),
        };
        // Only a real hash lets a non-member in: newgrp and sg (shadow-utils, util-linux)
        // refuse a non-member outright when the group password is empty ("there is no
        // password ... give up"), and RHEL/CentOS ship every gshadow entry empty (`root:::`).
        if let Some((st, p, l)) = effective {
            if matches!(st, PasswordStatus::Hash(_)) {
                let sev = if privileged || g.gid == 0 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                cx.push(
                    Finding::new(
                        "accounts.group-password",
                        sev,
                        format!("group has a usable password ({st})"),
                        g.name,
                    )
                    .with_evidence(ev(p, l))
                    .with_attack("T1098")
                    .with_detail("anyone knowing it can join the group with newgrp"),
                );
            }
        }
        if acc.gshadow.is_some() {
            match gs {
                None => cx.push(
                    Finding::new(
                        "accounts.missing-gshadow-entry",
                        Severity::Low,
                        "group has no gshadow entry",
                        g.name,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_detail("grpck: no matching group file entry in /etc/gshadow"),
                ),
                // the usual case, the same list in both files, has nothing to report
                Some((gl, s, _)) if s.members != g.members => {
                    let in_gshadow = MemberSet::new(&s.members);
                    for m in &g.members {
                        if !in_gshadow.contains(m) {
                            cx.push(
                                Finding::new("accounts.membership-mismatch", Severity::Low, "member in group but not in gshadow", *m)
                                    .with_evidence(ev(gr_path, line))
                                    .with_evidence(ev(gs_path, *gl))
                                    .with_detail(format!("'{}' is a member of the '{}' group in group but not in gshadow", ferret_core::escape::escape(m), ferret_core::escape::escape(g.name))),
                            );
                        }
                    }
                }
                Some(_) => {}
            }
        }
    }
    let gid_dups = gids.dups(
        acc.group
            .iter()
            .flat_map(Document::entries)
            .map(|(l, g)| (g.gid, l, g.name)),
    );
    for (gid, v) in &gid_dups {
        let mut names: Vec<&[u8]> = v.iter().map(|x| x.1).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() < 2 {
            continue;
        }
        let sev = if *gid == 0 {
            Severity::High
        } else {
            Severity::Low
        };
        let mut f = Finding::new(
            "accounts.duplicate-gid",
            sev,
            format!("several groups share GID {gid}"),
            names.join(&b","[..]),
        );
        for (line, _) in v {
            f = f.with_evidence(ev(gr_path, *line));
        }
        cx.push(f);
    }
    cx.out.findings.extend(gs_names);
    for (line, s) in acc.gshadow.iter().flat_map(Document::entries) {
        let matched = gs_matched.get(line as usize - 1) == Some(&true);
        if acc.group.is_some() && !matched && !groups.contains_key(s.name) {
            cx.push(
                Finding::new(
                    "accounts.unknown-gshadow-group",
                    Severity::Low,
                    "gshadow entry with no group entry",
                    s.name,
                )
                .with_evidence(ev(gs_path, line))
                .with_detail("grpck: no matching group file entry in /etc/group"),
            );
        }
        let group_entry = if s.members.is_empty() {
            None
        } else {
            groups.get(s.name)
        };
        if let Some((gl, g, _)) = group_entry.filter(|(_, g, _)| g.members != s.members) {
            let in_group = MemberSet::new(&g.members);
            for m in &s.members {
                if !in_group.contains(m) {
                    cx.push(
                        Finding::new(
                            "accounts.membership-mismatch",
                            Severity::Low,
                            "member in gshadow but not in group",
                            *m,
                        )
                        .with_evidence(ev(gs_path, line))
                        .with_evidence(ev(gr_path, gl))
                        .with_detail(format!(
                            "'{}' is a member of the '{}' group in gshadow but not in group",
                            ferret_core::escape::escape(m),
                            ferret_core::escape::escape(s.name)
                        )),
                    );
                }
            }
        }
        let privileged = opts
            .privileged_groups
            .iter()
            .any(|p| p.as_slice() == s.name);
        for a in &s.admins {
            if have_users && !users.contains_key(a) {
                cx.push(
                    Finding::new(
                        "accounts.group-unknown-member",
                        Severity::Low,
                        "gshadow administrator does not exist",
                        *a,
                    )
                    .with_evidence(ev(gs_path, line))
                    .with_detail(format!(
                        "shadow group {}: no administrative user {}",
                        ferret_core::escape::escape(s.name),
                        ferret_core::escape::escape(a)
                    )),
                );
            }
            if privileged {
                cx.push(
                    Finding::new(
                        "accounts.privileged-group-admin",
                        Severity::Medium,
                        format!(
                            "administrator of privileged group {}",
                            ferret_core::escape::escape(s.name)
                        ),
                        *a,
                    )
                    .with_evidence(ev(gs_path, line))
                    .with_attack("T1098")
                    .with_detail("a gshadow administrator can add members (gpasswd) without root"),
                );
            }
        }
        for m in &s.members {
            if have_users && !users.contains_key(m) {
                cx.push(
                    Finding::new(
                        "accounts.group-unknown-member",
                        Severity::Low,
                        "gshadow member does not exist",
                        *m,
                    )
                    .with_evidence(ev(gs_path, line))
                    .with_detail(format!(
                        "shadow group {}: no user {}",
                        ferret_core::escape::escape(s.name),
                        ferret_core::escape::escape(m)
                    )),
                );
            }
        }
    }
}

fn file_checks(cx: &mut Ctx<'_>, acc: &Accounts<'_>) {
    let snap = acc.snapshot;
    for (kind, secret) in [
        (AccountFile::Passwd, false),
        (AccountFile::Group, false),
        (AccountFile::Shadow, true),
        (AccountFile::Gshadow, true),
    ] {
        let f = snap.file(kind);
        let Some(st) = &f.stat else { continue };
        if st.mode & 0o022 != 0 {
            cx.push(
                Finding::new(
                    "accounts.file-permissions",
                    Severity::Critical,
                    format!("{kind} is writable by group or others"),
                    f.path.as_bytes(),
                )
                .with_evidence(Evidence::file(f.path.as_bytes()))
                .with_attack("T1098")
                .with_detail(format!(
                    "mode {:o} owner {}:{}",
                    st.mode & 0o7777,
                    st.uid,
                    st.gid
                )),
            );
        } else if secret && st.mode & 0o004 != 0 {
            cx.push(
                Finding::new(
                    "accounts.file-permissions",
                    Severity::High,
                    format!("{kind} is readable by everyone"),
                    f.path.as_bytes(),
                )
                .with_evidence(Evidence::file(f.path.as_bytes()))
                .with_attack("T1003.008")
                .with_detail(format!("mode {:o}", st.mode & 0o7777)),
            );
        }
        if st.uid != 0 {
            cx.push(
                Finding::new(
                    "accounts.file-permissions",
                    Severity::High,
                    format!("{kind} is not owned by root"),
                    f.path.as_bytes(),
                )
                .with_evidence(Evidence::file(f.path.as_bytes()))
                .with_attack("T1098")
                .with_detail(format!("owner uid {}", st.uid)),
            );
        }
    }
    for l in &snap.lock_files {
        cx.push(
            Finding::new(
                "accounts.lock-file",
                Severity::Info,
                "account database lock file present",
                l.as_bytes(),
            )
            .with_evidence(Evidence::file(l.as_bytes()))
            .with_detail(
                "a shadow tool is running, crashed, or someone edited the files by hand (vipw)",
            ),
        );
    }
    if let Some((method, line)) = &acc.login_defs.encrypt_method {
        let m = method.to_ascii_uppercase();
        if m == "DES" || m == "MD5" {
            cx.push(
                Finding::new(
                    "accounts.weak-encrypt-method",
                    Severity::Medium,
                    format!("login.defs ENCRYPT_METHOD is {m}"),
                    snap.login_defs.path.as_bytes(),
                )
                .with_evidence(ev(&snap.login_defs.path, *line))
                .with_remediation("ENCRYPT_METHOD YESCRYPT (or SHA512)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// The first implementation of [`super::is_valid_name`], kept as the reference.
    fn is_valid_name_reference(name: &[u8]) -> bool {
        if name.is_empty() || name.len() > 255 || name == b"." || name == b".." {
            return false;
        }
        if name.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let last = name.len() - 1;
        name.iter().enumerate().all(|(i, &b)| {
            b.is_ascii_alphanumeric()
                || b == b'_'
                || b == b'.'
                || (i > 0 && b == b'-')
                || (i > 0 && i == last && b == b'$')
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn is_valid_name_matches_reference(
            n in proptest::collection::vec(proptest::prop_oneof![
                proptest::sample::select(b"$$-._a0Z9 ".to_vec()),
                proptest::num::u8::ANY,
            ], 0..8)
        ) {
            proptest::prop_assert_eq!(super::is_valid_name(&n), is_valid_name_reference(&n));
        }
    }

    #[test]
    fn long_names() {
        let n = vec![b'a'; 255];
        assert!(super::is_valid_name(&n));
        assert!(!super::is_valid_name(&[b'a'; 256]));
        assert_eq!(super::is_valid_name(b"."), is_valid_name_reference(b"."));
        assert_eq!(
            super::is_valid_name(b"123"),
            is_valid_name_reference(b"123")
        );
        assert_eq!(super::is_valid_name(b"1$"), is_valid_name_reference(b"1$"));
    }
}
