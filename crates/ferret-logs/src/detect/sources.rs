//! The per-source table after analysis: what [`Analysis::sources`](crate::Analysis::sources)
//! and [`DetectorResult::sources`](super::DetectorResult::sources) hold.
//!
//! The detector's table becomes this one chunk by chunk at the end (the line-path fields,
//! the windows and the sessions go): 72 bytes a source in chunks of 1024, the names of long
//! sources and users once each, the index kept for [`Sources::get`], and the order (most
//! failures first) as 4-byte indexes. A [`SourceSummary`] is made on demand, borrowing the
//! names: nothing per source is copied to list, render or serialise the sources.

use std::borrow::Cow;
use std::fmt;

use super::{key_hash, user_ids, Chunked, FxMap, Names, SrcKey, UserBlock, CHUNK, NONE_U32};
use crate::time::LogTime;

/// One source after analysis: 72 bytes.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// The name when it is at most 15 bytes (its length in the last byte), else the last
    /// byte is 255 and the name is in [`Sources::long_names`].
    pub(super) name: [u8; 16],
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) events: u32,
    pub(super) hostile: u32,
    pub(super) failures: u32,
    pub(super) successes: u32,
    pub(super) probes: u32,
    pub(super) publickey: u32,
    /// The first two user ids, or the first and the first block of the rest in
    /// [`Sources::more_users`].
    pub(super) users: [u32; 2],
    pub(super) n_users: u8,
}

/// A long name's marker in [`Entry::name`]'s last byte.
const LONG: u8 = 255;

impl Entry {
    /// The entry of `key` (an inline name, or `None`: a long one) with these counts.
    pub(super) fn name_from(key: &SrcKey) -> [u8; 16] {
        let mut name = [0u8; 16];
        match key.name() {
            Some((b, n)) => {
                if let Some(dst) = name.get_mut(..n) {
                    dst.copy_from_slice(b.get(..n).unwrap_or_default());
                }
                if let Some(l) = name.last_mut() {
                    *l = n as u8;
                }
            }
            None => {
                if let Some(l) = name.last_mut() {
                    *l = LONG;
                }
            }
        }
        name
    }
    fn inline_name(&self) -> Option<&[u8]> {
        let n = self.name.last().copied().unwrap_or(LONG);
        (n != LONG).then(|| self.name.get(..usize::from(n)).unwrap_or_default())
    }
    fn time(&self, t: i64) -> Option<LogTime> {
        (self.first <= self.last).then_some(LogTime(t))
    }
}

/// Every source of an analysis, most failures first (then most hostile events, then name):
/// [`Sources::iter`] makes each one's [`SourceSummary`] on demand; serialised as the JSON
/// array of those summaries.
#[derive(Clone, Default)]
pub struct Sources {
    pub(super) entries: Vec<Vec<Entry>>,
    /// Names longer than 15 bytes, by index (sorted by index).
    pub(super) long_names: Vec<(u32, Box<[u8]>)>,
    /// Long names -> index.
    pub(super) long: FxMap<Box<[u8]>, u32>,
    /// Inline names -> index (the detector's index, kept).
    pub(super) index: hashbrown::HashTable<u32>,
    /// User names by id.
    pub(super) users: Names,
    /// User ids past the first, of the sources with more than two.
    pub(super) more_users: Chunked<UserBlock>,
    /// Source indexes in report order.
    pub(super) order: Vec<u32>,
}

impl Sources {
    /// Sources in all.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Each source's summary, most failures first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = SourceSummary<'_>> + '_ {
        self.order.iter().map(move |&i| self.at(i as usize))
    }

    /// The source named `name` (as logged, not escaped), if it was seen.
    pub fn get(&self, name: &[u8]) -> Option<SourceSummary<'_>> {
        let i = match SrcKey::new(name) {
            Some(k) => *self.index.find(key_hash(&k), |&i| {
                self.entry(i as usize)
                    .and_then(Entry::inline_name)
                    .is_some_and(|n| n == name)
            })?,
            None => *self.long.get(name)?,
        };
        Some(self.at(i as usize))
    }

    fn entry(&self, i: usize) -> Option<&Entry> {
        self.entries.get(i / CHUNK)?.get(i % CHUNK)
    }

    /// The name of source `i`, as logged.
    pub(crate) fn name(&self, i: usize) -> &[u8] {
        match self.entry(i).and_then(Entry::inline_name) {
            Some(n) => n,
            None => {
                let i = u32::try_from(i).unwrap_or(NONE_U32);
                self.long_names
                    .binary_search_by_key(&i, |(j, _)| *j)
                    .ok()
                    .and_then(|k| self.long_names.get(k))
                    .map_or(&[][..], |(_, n)| n)
            }
        }
    }

    /// The summary of source `i` (in the detector's order, not the report's).
    pub(crate) fn at(&self, i: usize) -> SourceSummary<'_> {
        const EMPTY: Entry = Entry {
            name: [0; 16],
            first: i64::MAX,
            last: i64::MIN,
            events: 0,
            hostile: 0,
            failures: 0,
            successes: 0,
            probes: 0,
            publickey: 0,
            users: [0; 2],
            n_users: 0,
        };
        let e = self.entry(i).unwrap_or(&EMPTY);
        SourceSummary {
            ip: escaped(self.name(i)),
            failures: u64::from(e.failures),
            probes: u64::from(e.probes),
            publickey: u64::from(e.publickey),
            successes: u64::from(e.successes),
            hostile: u64::from(e.hostile),
            events: u64::from(e.events),
            users: SourceUsers {
                inline: e.users,
                n: usize::from(e.n_users),
                blocks: &self.more_users,
                names: &self.users,
            },
            first: e.time(e.first),
            last: e.time(e.last),
        }
    }

    /// Sorts the report order: most failures, then most hostile events, then name (escaped,
    /// as the report shows it; names are distinct, so the order is total).
    pub(super) fn sort(&mut self) {
        let mut order: Vec<u32> = (0..self.entries.iter().map(Vec::len).sum::<usize>())
            .map(|i| u32::try_from(i).unwrap_or(NONE_U32))
            .collect();
        let key = |i: u32| {
            self.entry(i as usize)
                .map_or((0, 0), |e| (e.failures, e.hostile))
        };
        order.sort_unstable_by(|&a, &b| {
            let (ka, kb) = (key(a), key(b));
            kb.0.cmp(&ka.0)
                .then(kb.1.cmp(&ka.1))
                .then_with(|| escaped(self.name(a as usize)).cmp(&escaped(self.name(b as usize))))
        });
        self.order = order;
    }
}

impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Sources {
    fn eq(&self, o: &Self) -> bool {
        self.len() == o.len() && self.iter().eq(o.iter())
    }
}

impl Eq for Sources {}

#[cfg(feature = "serde")]
impl serde::Serialize for Sources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// `b` escaped ([`ferret_core::escape`]): borrowed when escaping changes nothing (printable
/// ASCII without a backslash: every address).
pub(crate) fn escaped(b: &[u8]) -> Cow<'_, str> {
    if b.iter().all(|&c| (0x20..0x7f).contains(&c) && c != b'\\') {
        if let Ok(s) = std::str::from_utf8(b) {
            return Cow::Borrowed(s);
        }
    }
    Cow::Owned(ferret_core::escape::escape(b))
}

/// What one source did, for the timeline: made on demand by [`Sources`], borrowing its names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SourceSummary<'a> {
    /// The address or host name (escaped: borrowed when escaping changes nothing).
    pub ip: Cow<'a, str>,
    /// Password guesses that failed (see the crate docs, "What counts as a failure").
    pub failures: u64,
    /// Invalid-user probes: user names sshd refused before any password was tried.
    pub probes: u64,
    /// Public keys (or host keys) offered and refused.
    pub publickey: u64,
    /// Successful logins.
    pub successes: u64,
    /// Hostile events of any kind (failures, scans, firewall drops).
    pub hostile: u64,
    /// Events naming this source.
    pub events: u64,
    /// The first user names seen from this source (at most 16).
    pub users: SourceUsers<'a>,
    /// First event time.
    pub first: Option<LogTime>,
    /// Last event time.
    pub last: Option<LogTime>,
}

/// The first user names seen from one source (at most 16), in order: a view into the
/// analysis's one table of names, each escaped when read ([`SourceUsers::iter`]); serialised
/// as an array of escaped strings.
#[derive(Clone, Copy)]
pub struct SourceUsers<'a> {
    inline: [u32; 2],
    /// Names listed.
    n: usize,
    blocks: &'a Chunked<UserBlock>,
    names: &'a Names,
}

impl<'a> SourceUsers<'a> {
    /// User names listed.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each name as logged (bytes).
    pub fn iter_bytes(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let names = self.names;
        user_ids(self.inline, self.n, self.blocks).map(move |id| names.get(id))
    }

    /// Each name, escaped.
    pub fn iter(&self) -> impl Iterator<Item = Cow<'a, str>> + 'a {
        self.iter_bytes().map(escaped)
    }

    /// Whether `user` (escaped) is listed.
    pub fn contains(&self, user: &str) -> bool {
        self.iter().any(|u| u == user)
    }

    /// The names, escaped, as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(Cow::into_owned).collect()
    }
}

impl fmt::Debug for SourceUsers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for SourceUsers<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.iter_bytes().eq(o.iter_bytes())
    }
}

impl Eq for SourceUsers<'_> {}

impl<S: AsRef<str>> PartialEq<[S]> for SourceUsers<'_> {
    fn eq(&self, o: &[S]) -> bool {
        self.len() == o.len() && self.iter().zip(o).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for SourceUsers<'_> {
    fn eq(&self, o: &[S; N]) -> bool {
        *self == *o.as_slice()
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for SourceUsers<'_> {
    fn eq(&self, o: &Vec<S>) -> bool {
        *self == *o.as_slice()
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for SourceUsers<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}
