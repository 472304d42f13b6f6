//! Streaming detections and the timeline.
//!
//! The [`Detector`] consumes events in file order and keeps state bounded by the number of
//! distinct sources and users (never by the number of lines): per source one fixed-size
//! entry and, once it failed twice or probed ports, its windows (the last `N` failure times,
//! a small set of recent user hashes and destination ports); per user a small set of recent
//! sources. Every detection is a sliding window over event time. What a source costs is in
//! the crate docs ("Logs at scale").

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use ferret_core::groups::is_privileged_group;
use ferret_core::{Evidence, Finding, Severity};

use crate::bytes::{load_le, same_bytes};
use crate::event::{Attempt, EventKind};
use crate::time::LogTime;

mod sources;
mod timeline;
pub(crate) use sources::escaped;
pub use sources::{SourceSummary, SourceUsers, Sources};
pub use timeline::TimelineEvent;

/// Detection thresholds. Defaults follow fail2ban (5 failures in 10 minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Thresholds {
    /// Failed attempts (password guesses and invalid-user probes) from one source within
    /// `window_secs` that make a brute force.
    pub failures: u32,
    /// The sliding window for failures, spraying and distributed attacks (seconds).
    pub window_secs: i64,
    /// Distinct user names from one source within the window that make a spray.
    pub spray_users: u32,
    /// Distinct sources failing on one user within the window (distributed brute force).
    pub distributed_sources: u32,
    /// Failed attempts from a source before a success from it that make the success critical.
    pub success_after_failures: u32,
    /// Distinct destination ports from one source within `portscan_window_secs`.
    pub portscan_ports: u32,
    /// Port-scan window (seconds).
    pub portscan_window_secs: i64,
    /// Filesystem / I/O errors within `fs_window_secs` that make a finding.
    pub fs_errors: u32,
    /// Filesystem error window (seconds).
    pub fs_window_secs: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            failures: 5,
            window_secs: 600,
            spray_users: 5,
            distributed_sources: 10,
            success_after_failures: 5,
            portscan_ports: 15,
            portscan_window_secs: 60,
            fs_errors: 5,
            fs_window_secs: 3600,
        }
    }
}

/// FNV-1a: fast, allocation-free keys for source and user tables.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);
impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}
pub(crate) type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Word-at-a-time multiplicative hash (FxHash's step with a final mix): an address or a user
/// name hashes in two or three multiplications instead of one per byte (FNV). Keys of the
/// hot per-line tables (sources, users, sessions).
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

const FX_K: u64 = 0x517c_c1b7_2722_0a95;

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(FX_K);
    }
}

impl Hasher for Fx {
    #[inline]
    fn finish(&self) -> u64 {
        // Mix the high bits down: hashbrown takes the bucket from the low bits and the tag
        // from the top seven.
        let h = self.0;
        (h ^ (h >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (h >> 29)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().unwrap_or_default()));
        }
        let r = words.remainder();
        if !r.is_empty() {
            self.add(load_le(r));
        }
    }
    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Identity of a user name or address in the detector's small sets (length-prefixed, so
/// zero-padded tails do not collide).
#[inline]
pub(crate) fn hash(b: &[u8]) -> u64 {
    let mut h = Fx::default();
    h.write_usize(b.len());
    h.write(b);
    h.finish()
}

const MAX_USERS_KEPT: usize = 16;
/// Slots of `Detector::reported_users`.
const REPORTED_SLOTS: usize = 64;
const MICROS: i64 = 1_000_000;

/// What an event does to the detector, as a role (one match instead of one per question).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Nothing beyond counts, the source's timeline and failures.
    Other,
    /// `SshAccepted`.
    Accepted,
    /// `PamAuthFailure` with service `sshd`.
    PamSshd,
    /// `SshMaxAuthAttempts`.
    MaxAuth,
    /// `SshTooManyFailures`.
    TooMany,
    /// `SshClosed` / `SshPreauthDisconnect` (end of a session's attempts).
    Closed,
    /// `Netfilter` with a destination port.
    Port(u16),
    /// A kind [`Detector::after_source`] reports on (account, group, sudo, fs, module).
    After,
}

/// What the detector reads from an event, found by one match over the kind: the same answers
/// as [`EventKind::source`], [`EventKind::user`], [`EventKind::is_auth_failure`],
/// [`EventKind::is_hostile`] and [`EventKind::takes_source`] (a test checks every kind).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'e> {
    pub(crate) source: Option<&'e [u8]>,
    pub(crate) user: Option<&'e [u8]>,
    pub(crate) auth_failure: bool,
    pub(crate) hostile: bool,
    pub(crate) takes_source: bool,
    pub(crate) role: Role,
    /// [`EventKind::attempt`].
    pub(crate) attempt: Option<Attempt>,
}

impl<'e> Facts<'e> {
    // Inlined into the per-event code: the facts stay in registers.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn of(event: &'e EventKind<'_>) -> Self {
        use EventKind as E;
        #[inline]
        fn f<'e>(
            source: Option<&'e [u8]>,
            user: Option<&'e [u8]>,
            auth_failure: bool,
            hostile: bool,
            takes_source: bool,
            role: Role,
        ) -> Facts<'e> {
            Facts {
                source,
                user,
                auth_failure,
                hostile,
                takes_source,
                role,
                attempt: None,
            }
        }
        #[inline]
        fn with(f: Facts<'_>, a: Attempt) -> Facts<'_> {
            Facts {
                attempt: Some(a),
                ..f
            }
        }
        use Role::Other;
        match event {
            E::SshFailed {
                method,
                user,
                invalid_user,
                ip,
                ..
            } => {
                let (a, attempt) = match &**method {
                    b"publickey" => (*invalid_user, Some(Attempt::KeyOffer)),
                    b"hostbased" => (true, Some(Attempt::KeyOffer)),
                    b"none" => (true, invalid_user.then_some(Attempt::Probe)),
                    _ => (true, Some(Attempt::Guess)),
                };
                Facts {
                    attempt,
                    ..f(Some(ip), Some(user), a, a, false, Other)
                }
            }
            E::SshAccepted { user, ip, .. } => {
                f(Some(ip), Some(user), false, false, false, Role::Accepted)
            }
            E::SshInvalidUser { user, ip, .. } => with(
                f(ip.as_deref(), Some(user), true, true, ip.is_none(), Other),
                Attempt::Probe,
            ),
            E::SshUserNotAllowed { user, ip, .. } => with(
                f(ip.as_deref(), Some(user), true, true, ip.is_none(), Other),
                Attempt::Probe,
            ),
            E::SshRootRefused { ip } => {
                with(f(Some(ip), None, true, true, false, Other), Attempt::Probe)
            }
            E::SshPamFailure { user, ip } => with(
                f(Some(ip), Some(user), true, true, false, Other),
                Attempt::PamGuess,
            ),
            E::SshMaxAuthAttempts { user, ip, .. } => f(
                ip.as_deref(),
                Some(user),
                true,
                true,
                ip.is_none(),
                Role::MaxAuth,
            ),
            E::SshTooManyFailures { user, ip } => f(
                ip.as_deref(),
                user.as_deref(),
                true,
                true,
                ip.is_none(),
                Role::TooMany,
            ),
            E::SshPreauthDisconnect { user, ip, code, .. } => f(
                ip.as_deref(),
                user.as_deref(),
                *code == Some(3),
                matches!(code, None | Some(3)),
                ip.is_none(),
                Role::Closed,
            ),
            E::SshScan { ip, .. } => f(ip.as_deref(), None, false, true, ip.is_none(), Other),
            E::SshConnection { ip, .. } => f(Some(ip), None, false, false, false, Other),
            E::SshClosed { ip } => f(ip.as_deref(), None, false, false, false, Role::Closed),
            E::SshBreakInAttempt { ip } => f(Some(ip), None, false, true, false, Other),
            E::PamAuthFailure {
                service,
                user,
                ruser,
                rhost,
            } => {
                let sshd = &**service == b"sshd";
                let rhost = rhost.as_deref();
                let a = !sshd && rhost.is_some_and(|h| !h.is_empty());
                let user = user
                    .as_deref()
                    .or(ruser.as_deref())
                    .filter(|u| !u.is_empty());
                let role = if sshd { Role::PamSshd } else { Other };
                Facts {
                    attempt: a.then_some(Attempt::Guess),
                    ..f(rhost, user, a, a, false, role)
                }
            }
            E::Netfilter { src, dpt, .. } => f(
                Some(src),
                None,
                false,
                true,
                false,
                dpt.map_or(Other, Role::Port),
            ),
            // The rest (rare on the hot path) through the event's own methods.
            e => {
                let after = match e {
                    E::UserAdded { .. }
                    | E::SudoNotInSudoers { .. }
                    | E::Sudo { .. }
                    | E::SudoFailure { .. }
                    | E::Su { .. }
                    | E::FsError { .. }
                    | E::ModuleTaint { .. } => true,
                    E::PamSession {
                        service,
                        opened: true,
                        ..
                    } => matches!(&**service, b"su" | b"su-l"),
                    E::GroupMember {
                        group, added: true, ..
                    } => is_privileged_group(group),
                    E::Service { .. }
                    | E::AuditTamper { .. }
                    | E::Promiscuous { on: true, .. }
                    | E::SystemPower { boot: false } => true,
                    _ => false,
                };
                Facts {
                    attempt: e.attempt(),
                    ..f(
                        e.source(),
                        e.user(),
                        e.is_auth_failure(),
                        e.is_hostile(),
                        e.takes_source(),
                        if after { Role::After } else { Other },
                    )
                }
            }
        }
    }
}

/// Key of the source table: a name of up to 15 bytes inline (every IPv4 address, short
/// IPv6 ones), zero-padded, its length in the last byte (no pointer to follow, two word
/// compares). Longer names have their own table.
#[derive(Debug, Clone, Copy, Eq)]
struct SrcKey([u64; 2]);

impl PartialEq for SrcKey {
    /// Word by word: the key is built in registers or stored as words, and a 16-byte vector
    /// load of two 8-byte stores would wait for the stores to retire.
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        let [a, b] = self.0;
        let [c, d] = o.0;
        ((a ^ c) | (b ^ d)) == 0
    }
}

impl std::hash::Hash for SrcKey {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        // The two words multiplied side by side (not one after the other): a short
        // dependency chain before the table's probe.
        let [a, b] = self.0;
        let m = a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
        h.write_u64(m);
    }
}

impl SrcKey {
    /// Equal to no key of a name (its length byte is 255): a long name's.
    const NONE: SrcKey = SrcKey([0, u64::MAX]);

    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn new(b: &[u8]) -> Option<Self> {
        let n = b.len();
        if n >= 16 {
            return None;
        }
        let word = |k: usize| load_le(b.get(k..).unwrap_or_default());
        let len = (n as u64) << 56;
        let w = if n <= 8 {
            [word(0), len]
        } else {
            [word(0), len | word(8)]
        };
        Some(SrcKey(w))
    }
}

/// Entries in one chunk of a [`Chunked`] table.
const CHUNK: usize = 1024;

/// A table that grows by chunks of [`CHUNK`] entries: appending never moves what is there,
/// and the capacity past the last entry is under one chunk (a `Vec` doubling holds up to
/// twice the entries, and both copies while it grows).
#[derive(Debug, Clone)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Appends `v`: its index.
    fn push(&mut self, v: T) -> usize {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(v),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(v);
                self.chunks.push(c);
            }
        }
        self.len += 1;
        self.len - 1
    }
    #[inline]
    fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }
    #[inline]
    fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / CHUNK)?.get_mut(i % CHUNK)
    }
    fn len(&self) -> usize {
        self.len
    }
    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

/// No finding / no window (an index field's empty value).
const NONE_U32: u32 = u32::MAX;

/// The hash of an inline key in the source index.
#[inline]
fn key_hash(k: &SrcKey) -> u64 {
    let mut h = Fx::default();
    std::hash::Hash::hash(k, &mut h);
    h.finish()
}

impl SrcKey {
    /// The name an inline key holds: up to 15 bytes, and its length (`None`: a long name's).
    fn name(&self) -> Option<([u8; 16], usize)> {
        let n = (self.0[1] >> 56) as usize;
        if n >= 16 {
            return None;
        }
        let mut b = [0u8; 16];
        for (dst, w) in b.chunks_exact_mut(8).zip(self.0) {
            dst.copy_from_slice(&w.to_le_bytes());
        }
        Some((b, n))
    }
}

/// Bytes in a chunk of [`Names`].
const NAME_CHUNK: usize = 64 * 1024;

/// Names stored once, end to end in 64 KiB chunks (a longer name has a chunk of its own): an
/// id is a 4-byte index, a name costs its bytes and 8 (no allocation of its own, and no
/// buffer doubling as it grows).
#[derive(Debug, Default, Clone)]
pub(crate) struct Names {
    /// (offset, length) by id: the chunk is `offset / NAME_CHUNK`.
    spans: Chunked<(u32, u32)>,
    chunks: Vec<Vec<u8>>,
}

impl Names {
    /// The name of `id` (empty for an unknown id).
    #[inline]
    pub(crate) fn get(&self, id: u32) -> &[u8] {
        self.spans
            .get(id as usize)
            .and_then(|&(o, n)| {
                let o = o as usize;
                let at = o % NAME_CHUNK;
                self.chunks.get(o / NAME_CHUNK)?.get(at..at + n as usize)
            })
            .unwrap_or_default()
    }

    /// Adds `b`: its id (`None` past 4 GiB of names or 2^32 - 1 ids).
    fn push(&mut self, b: &[u8]) -> Option<u32> {
        let len = u32::try_from(b.len()).ok()?;
        let id = u32::try_from(self.spans.len())
            .ok()
            .filter(|&i| i != NONE_U32)?;
        let room = self
            .chunks
            .last()
            .is_some_and(|c| c.len() + b.len() <= NAME_CHUNK);
        if !room {
            self.chunks
                .push(Vec::with_capacity(NAME_CHUNK.max(b.len())));
        }
        let k = self.chunks.len() - 1;
        let c = self.chunks.last_mut()?;
        let off = u32::try_from(k * NAME_CHUNK + c.len()).ok()?;
        c.extend_from_slice(b);
        self.spans.push((off, len));
        Some(id)
    }

    /// Gives back the room left in the last chunk.
    fn shrink(&mut self) {
        if let Some(c) = self.chunks.last_mut() {
            c.shrink_to_fit();
        }
    }

    /// Bytes held (by capacity).
    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.spans.chunks.len() * CHUNK * 8 + self.chunks.iter().map(Vec::capacity).sum::<usize>()
    }
}

/// Three user ids of a source's list and the index of the next block (`NONE_U32`: none):
/// a source with more than two users keeps its first inline and the rest in a chain of these
/// (16 bytes for three, no allocation of its own).
type UserBlock = [u32; 4];

/// The user ids of a list of `n` users: `inline[0]`, then `inline[1]` when `n` is 2, or the
/// chain of blocks starting at block `inline[1]` when `n` is more.
fn user_ids(
    inline: [u32; 2],
    n: usize,
    blocks: &Chunked<UserBlock>,
) -> impl Iterator<Item = u32> + '_ {
    let first = (n >= 1).then_some(inline[0]);
    let second = (n == 2).then_some(inline[1]);
    let mut left = if n > 2 { n - 1 } else { 0 };
    let (mut block, mut pos) = (inline[1], 0);
    let chain = std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        let b = blocks.get(block as usize)?;
        let id = b.get(pos).copied()?;
        left -= 1;
        pos += 1;
        if pos == 3 {
            (block, pos) = (b[3], 0);
        }
        Some(id)
    });
    first.into_iter().chain(second).chain(chain)
}

/// User names, each stored once: the sources' user lists and the per-user state hold 4-byte
/// ids.
#[derive(Debug, Default)]
struct UserNames {
    index: hashbrown::HashTable<u32>,
    names: Names,
}

impl UserNames {
    /// The id of `u` (`uh`: its [`hash`]), added when new (`NONE_U32` when there is no room:
    /// past 4 GiB of distinct names).
    fn id(&mut self, u: &[u8], uh: u64) -> u32 {
        let names = &self.names;
        if let Some(&i) = self.index.find(uh, |&i| same_bytes(names.get(i), u)) {
            return i;
        }
        let Some(i) = self.names.push(u) else {
            return NONE_U32;
        };
        let names = &self.names;
        self.index.insert_unique(uh, i, |&j| hash(names.get(j)));
        i
    }
}

/// The sources: names to indexes, each source's state, and the windows of those with
/// failures or ports (see the module docs for what a source costs).
#[derive(Debug, Default)]
struct SourceTable {
    /// Names of up to 15 bytes -> index in `srcs` (the keys are the sources' own: a slot is
    /// a 4-byte index and a control byte).
    index: hashbrown::HashTable<u32>,
    /// Longer names -> index.
    long: FxMap<Box<[u8]>, u32>,
    /// Longer names by index, in index order.
    long_names: Vec<(u32, Box<[u8]>)>,
    srcs: Chunked<Source>,
    /// The sliding windows of sources with failures or ports ([`Source::win`]).
    windows: Chunked<Windows>,
    /// Windows given back by sources whose failures fell out of the window (reused first).
    free_windows: Vec<u32>,
    /// The entries' times ([`Times`]).
    times: Times,
    /// First and last times of the sources with `F_WIDE`, by index.
    wide_times: FxMap<u32, (i64, i64)>,
    /// First failure lines past `u32::MAX - 1`, by source index.
    wide_lines: FxMap<u32, u64>,
    /// The brute-force rings of the windows.
    rings: Rings,
    /// User names of the sources' lists.
    users: UserNames,
    /// The user ids of sources with more than two past the first ([`user_ids`]).
    more_users: Chunked<UserBlock>,
}

impl SourceTable {
    /// The index of `src` (`key`: its inline key, when it has one), added when new.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn idx(&mut self, src: &[u8], key: Option<SrcKey>) -> usize {
        match key {
            Some(k) => {
                let h = key_hash(&k);
                let srcs = &self.srcs;
                match self
                    .index
                    .find(h, |&i| srcs.get(i as usize).is_some_and(|s| s.key == k))
                {
                    Some(&i) => i as usize,
                    None => self.add(src, Some((k, h))),
                }
            }
            None => match self.long.get(src) {
                Some(&i) => i as usize,
                None => self.add(src, None),
            },
        }
    }

    /// The index of `src`, if it is there.
    fn find(&self, src: &[u8]) -> Option<usize> {
        match SrcKey::new(src) {
            Some(k) => {
                let srcs = &self.srcs;
                self.index
                    .find(key_hash(&k), |&i| {
                        srcs.get(i as usize).is_some_and(|s| s.key == k)
                    })
                    .map(|&i| i as usize)
            }
            None => self.long.get(src).map(|&i| i as usize),
        }
    }

    #[cold]
    #[inline(never)]
    fn add(&mut self, src: &[u8], key: Option<(SrcKey, u64)>) -> usize {
        let i = u32::try_from(self.srcs.len()).unwrap_or(NONE_U32);
        match key {
            Some((_, h)) => {
                let srcs = &self.srcs;
                self.index.insert_unique(h, i, |&j| {
                    srcs.get(j as usize).map_or(0, |s| key_hash(&s.key))
                });
            }
            None => {
                self.long.insert(src.into(), i);
                self.long_names.push((i, src.into()));
            }
        }
        self.srcs.push(Source {
            key: key.map_or(SrcKey::NONE, |(k, _)| k),
            first: u32::MAX,
            last: 0,
            events: 0,
            hostile: 0,
            failures: 0,
            successes: 0,
            probes: 0,
            publickey: 0,
            win: NONE_U32,
            fail_file: 0,
            fail_line: 0,
            fail_t: 0,
            held_line: NONE_U32,
            users: [0; 2],
            n_users: 0,
            flags: 0,
        })
    }

    /// Whether source `r` has the inline key `k` (the session's source is the event's).
    #[inline]
    fn is(&self, r: SrcRef, k: &SrcKey) -> bool {
        self.srcs.get(r.get()).is_some_and(|s| s.key == *k)
    }

    /// The name of source `idx` (as logged).
    fn name(&self, idx: usize) -> Vec<u8> {
        self.srcs
            .get(idx)
            .map(|s| source_name(s, idx, &self.long_names))
            .unwrap_or_default()
    }

    /// Adds user `u` (hash `uh`) to source `idx`'s list when new (the list is not full): the
    /// user's id.
    #[inline(never)]
    fn add_user(&mut self, idx: usize, u: &[u8], uh: u64) -> u32 {
        let id = self.users.id(u, uh);
        if id == NONE_U32 {
            return id;
        }
        let Some(s) = self.srcs.get_mut(idx) else {
            return id;
        };
        let n = usize::from(s.n_users);
        if user_ids(s.users, n, &self.more_users).any(|x| x == id) {
            return id;
        }
        match n {
            0 | 1 => {
                if let Some(slot) = s.users.get_mut(n) {
                    *slot = id;
                }
            }
            2 => {
                // The second user moves to a block, which the entry now points to.
                let b = self.more_users.push([s.users[1], id, NONE_U32, NONE_U32]);
                s.users[1] = u32::try_from(b).unwrap_or(NONE_U32);
            }
            _ => {
                // The chain holds users 1 to n - 1, three a block: the last block has room
                // unless it is full.
                let held = n - 1;
                let mut b = s.users[1];
                for _ in 0..(held - 1) / 3 {
                    b = self.more_users.get(b as usize).map_or(NONE_U32, |k| k[3]);
                }
                if held % 3 == 0 {
                    let nb = self.more_users.push([id, NONE_U32, NONE_U32, NONE_U32]);
                    if let Some(k) = self.more_users.get_mut(b as usize) {
                        k[3] = u32::try_from(nb).unwrap_or(NONE_U32);
                    }
                } else if let Some(slot) = self
                    .more_users
                    .get_mut(b as usize)
                    .and_then(|k| k.get_mut(held % 3))
                {
                    *slot = id;
                }
            }
        }
        s.n_users += 1;
        id
    }

    /// The windows of source `idx`, made when it has none (with the failure held inline,
    /// as [`fail_windows`] would have seen it): their index in `windows`.
    #[inline]
    fn windows(&mut self, idx: usize, lim: &Limits) -> Option<usize> {
        let s = self.srcs.get_mut(idx)?;
        if s.win == NONE_U32 || s.has(F_PENDING) {
            let mut w = Windows::default();
            if s.has(F_PENDING) {
                // The held failure's user, by its id in `win`: its hash is its name's.
                let uh = s
                    .has(F_PENDING_USER)
                    .then(|| hash(self.users.names.get(s.win)));
                // The held failure: the first one (`fail_line`), or one held again after
                // its windows emptied (`held_line`), maybe after the brute force was found.
                let line = if s.held_line == NONE_U32 {
                    u64::from(s.fail_line)
                } else {
                    u64::from(s.held_line)
                };
                fail_windows(
                    &mut w,
                    &mut self.rings,
                    lim,
                    1,
                    self.times.get(s.fail_t),
                    line,
                    !s.has(F_BRUTE),
                    uh,
                );
                s.flags &= !(F_PENDING | F_PENDING_USER);
                s.held_line = NONE_U32;
            }
            s.win = match self.free_windows.pop() {
                Some(k) => match self.windows.get_mut(k as usize) {
                    Some(slot) => {
                        *slot = w;
                        k
                    }
                    None => NONE_U32,
                },
                None => u32::try_from(self.windows.push(w)).unwrap_or(NONE_U32),
            };
        }
        Some(s.win as usize)
    }

    /// A failure in the windows of source `idx` (see [`fail_windows`]).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn fail(
        &mut self,
        idx: usize,
        lim: &Limits,
        n_fail: u32,
        t: i64,
        line: u64,
        brute: bool,
        spray_uh: Option<u64>,
    ) -> (bool, bool, Option<u64>) {
        let Some(wi) = self.windows(idx, lim) else {
            return (false, false, None);
        };
        match self.windows.get_mut(wi) {
            Some(w) => fail_windows(w, &mut self.rings, lim, n_fail, t, line, brute, spray_uh),
            None => (false, false, None),
        }
    }

    /// Whether the windows of source `idx` hold nothing but its failure at `t` (`uh`: its
    /// user's hash, when the spraying window took it): `Some(true)` when they hold its user
    /// too. Such windows can go back to [`SourceTable::hold_again`]'s inline failure.
    #[inline]
    fn holds_only(
        &self,
        idx: usize,
        lim: &Limits,
        t: i64,
        line: u64,
        uh: Option<u64>,
    ) -> Option<bool> {
        let s = self.srcs.get(idx)?;
        if lim.fail_n <= 1 || s.win == NONE_U32 || s.has(F_PENDING) {
            return None;
        }
        let w = self.windows.get(s.win as usize)?;
        if w.ports.is_some() {
            return None;
        }
        if w.ring != NONE_U32 {
            let r = self.rings.get(w.ring)?;
            if w.ring_len != 1 || r.get(w.ring_head as usize) != Some(&(t, line)) {
                return None;
            }
        }
        match (w.recent_users.items.as_slice(), uh) {
            ([], _) => Some(false),
            ([(k, at)], Some(uh)) if *k == uh && *at == t => Some(true),
            _ => None,
        }
    }

    /// Frees the windows of source `idx` (see [`SourceTable::holds_only`]) and holds its
    /// failure at (`t`, `line`) inline again, with its user's id `uid` when the windows held
    /// it: the next failure replays it into new windows ([`SourceTable::windows`]).
    #[cold]
    #[inline(never)]
    fn hold_again(&mut self, idx: usize, t: u32, line: u32, uid: Option<u32>) {
        let Some(s) = self.srcs.get_mut(idx) else {
            return;
        };
        if let Some(w) = self.windows.get_mut(s.win as usize) {
            if w.ring != NONE_U32 {
                self.rings.release(w.ring);
            }
            *w = Windows::default();
            self.free_windows.push(s.win);
        }
        s.flags |= F_PENDING;
        s.win = NONE_U32;
        if let Some(id) = uid {
            s.flags |= F_PENDING_USER;
            s.win = id;
        }
        s.fail_t = t;
        s.held_line = line;
    }

    /// A destination port in the windows of source `idx`: whether the scan fires now.
    #[inline]
    fn port(&mut self, idx: usize, lim: &Limits, p: u16, t: i64) -> bool {
        let Some(wi) = self.windows(idx, lim) else {
            return false;
        };
        self.windows
            .get_mut(wi)
            .is_some_and(|w| w.port_window(lim, p, t))
    }
}

/// The name of source `s` at `idx` (as logged): from its inline key, or from `long_names`.
fn source_name(s: &Source, idx: usize, long_names: &[(u32, Box<[u8]>)]) -> Vec<u8> {
    match s.key.name() {
        Some((b, n)) => b.get(..n).unwrap_or_default().to_vec(),
        None => {
            let i = u32::try_from(idx).unwrap_or(NONE_U32);
            long_names
                .binary_search_by_key(&i, |(j, _)| *j)
                .ok()
                .and_then(|k| long_names.get(k))
                .map(|(_, n)| n.to_vec())
                .unwrap_or_default()
        }
    }
}

/// A source's index in the detector's table as its sessions keep it (4 bytes, `None` free).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SrcRef(std::num::NonZeroU32);

impl SrcRef {
    /// `None` past 2^32 - 1 sources (never: each costs over 80 bytes).
    #[inline]
    fn new(idx: usize) -> Option<Self> {
        u32::try_from(idx.wrapping_add(1))
            .ok()
            .and_then(std::num::NonZeroU32::new)
            .map(SrcRef)
    }
    #[inline]
    fn get(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// `Source::flags`: a failure was seen (`fail_file`/`fail_line` are set).
const F_FAILED: u8 = 1;
/// `Source::flags`: its spraying finding was made.
const F_SPRAY: u8 = 2;
/// `Source::flags`: its port-scan finding was made.
const F_SCAN: u8 = 4;
/// `Source::flags`: its login-after-failures finding was made.
const F_COMPROMISE: u8 = 8;
/// `Source::flags`: its only failure so far is held inline (`fail_t`, `fail_line`), not in
/// windows: a source that fails once costs no windows.
const F_PENDING: u8 = 16;
/// `Source::flags`: with `F_PENDING`, that failure named a user (its id in `Source::win`).
const F_PENDING_USER: u8 = 32;
/// `Source::flags`: its brute-force finding was made.
const F_BRUTE: u8 = 64;
/// `Source::flags`: its first and last times are in [`SourceTable::wide_times`] (a time
/// [`Times::put`] cannot hold was seen).
const F_WIDE: u8 = 128;

/// Event times as a source entry holds them: whole seconds from the stream's first time (its
/// second), in a `u32` (136 years); `None` for a time before it, past it or with a
/// fraction of a second (the entry then keeps its times in a side table).
#[derive(Debug, Clone, Copy, Default)]
struct Times {
    /// The first time's whole second (microseconds), once a time was seen.
    base: Option<i64>,
}

impl Times {
    /// `t` as an offset (never `u32::MAX`, the entries' "no time").
    #[inline]
    fn put(&mut self, t: i64) -> Option<u32> {
        let base = *self
            .base
            .get_or_insert(t.saturating_sub(t.rem_euclid(MICROS)));
        let d = t.checked_sub(base)?;
        if d < 0 || d % MICROS != 0 {
            return None;
        }
        u32::try_from(d / MICROS).ok().filter(|&x| x != u32::MAX)
    }
    /// The time of offset `x`.
    #[inline]
    fn get(&self, x: u32) -> i64 {
        self.base
            .unwrap_or(0)
            .saturating_add(i64::from(x).saturating_mul(MICROS))
    }
}

/// One source's state: 80 bytes, whatever it did (its windows, once it failed twice or
/// probed ports, are in [`SourceTable::windows`]).
#[derive(Debug)]
struct Source {
    /// The name's inline key (`SrcKey::NONE` for a long name).
    key: SrcKey,
    /// First and last event time ([`Times`] offsets): `first > last` until the first timed
    /// event (`u32::MAX`, 0; any time makes `first <= last`). With `F_WIDE`, in
    /// [`SourceTable::wide_times`] instead.
    first: u32,
    last: u32,
    // Counters saturate at 2^32 - 1 (4 billion events of one source: a 400 GB log).
    events: u32,
    hostile: u32,
    failures: u32,
    successes: u32,
    probes: u32,
    publickey: u32,
    /// Index of its windows in [`SourceTable::windows`] (`NONE_U32`: none yet); while its
    /// failure is held inline (`F_PENDING`, no windows yet), that failure's user id
    /// ([`UserNames`], with `F_PENDING_USER`).
    win: u32,
    /// The first failure's file and line (when `F_FAILED`; a line past `u32::MAX - 1` is
    /// `NONE_U32` here and in [`SourceTable::wide_lines`]).
    fail_file: u32,
    fail_line: u32,
    /// The held failure's time ([`Times`] offset), while it is held inline (`F_PENDING`).
    fail_t: u32,
    /// The held failure's line when it is not the first failure (`NONE_U32`: it is, its line
    /// is `fail_line`): a failure held again after the source's windows emptied.
    held_line: u32,
    /// The first user id ([`UserNames`]) and the second, or with more than two the first
    /// block of the rest in [`SourceTable::more_users`] ([`user_ids`]).
    users: [u32; 2],
    /// User names listed (at most [`MAX_USERS_KEPT`]).
    n_users: u8,
    flags: u8,
}

impl Source {
    #[inline]
    fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    #[inline]
    fn users_full(&self) -> bool {
        usize::from(self.n_users) >= MAX_USERS_KEPT
    }
}

/// A source index as the side tables key it.
#[inline]
fn idx_key(idx: usize) -> u32 {
    u32::try_from(idx).unwrap_or(NONE_U32)
}

/// Source `s` (at `idx`) seen at `t`, which its [`Times`] offsets cannot hold (or it holds its
/// times in `wide` already): its first and last times go to `wide`.
#[cold]
#[inline(never)]
fn widen(s: &mut Source, idx: usize, wide: &mut FxMap<u32, (i64, i64)>, times: &Times, t: i64) {
    let k = idx_key(idx);
    if !s.has(F_WIDE) {
        let cur = if s.first <= s.last {
            (times.get(s.first), times.get(s.last))
        } else {
            (i64::MAX, i64::MIN)
        };
        wide.insert(k, cur);
        s.flags |= F_WIDE;
    }
    let e = wide.entry(k).or_insert((i64::MAX, i64::MIN));
    e.0 = e.0.min(t);
    e.1 = e.1.max(t);
}

/// Adds `n` to a saturating 32-bit counter.
#[inline]
fn add32(c: &mut u32, n: u64) {
    *c = u32::try_from(u64::from(*c).saturating_add(n)).unwrap_or(u32::MAX);
}

/// The sliding windows of one source, each kept until its finding is made (then freed): 64
/// bytes, with no allocation of its own until it holds three recent users or probed ports.
#[derive(Debug)]
struct Windows {
    /// Its brute-force window's ring in [`SourceTable::rings`] (`NONE_U32`: none).
    ring: u32,
    /// Failures in the ring (at most the threshold's count).
    ring_len: u32,
    /// The place of the oldest failure in the ring.
    ring_head: u32,
    /// Users (hashes) failing recently.
    recent_users: Recent<u64>,
    /// Destination ports probed recently (firewall lines only).
    ports: Option<Box<Recent<u16>>>,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            ring: NONE_U32,
            ring_len: 0,
            ring_head: 0,
            recent_users: Recent::default(),
            ports: None,
        }
    }
}

/// The brute-force windows' rings: the last `stride` (the failures threshold) failures of a
/// source as (time, line), side by side in chunks: no allocation per source, and a ring
/// freed when its brute force is found is reused by the next source.
#[derive(Debug)]
struct Rings {
    stride: usize,
    /// Rings in a chunk.
    per_chunk: usize,
    chunks: Vec<Vec<(i64, u64)>>,
    /// Rings made.
    n: usize,
    /// Freed rings.
    free: Vec<u32>,
}

impl Rings {
    fn new(stride: usize) -> Self {
        let stride = stride.max(1);
        Rings {
            stride,
            per_chunk: (16 * 1024 / stride).max(1),
            chunks: Vec::new(),
            n: 0,
            free: Vec::new(),
        }
    }

    /// A ring (`NONE_U32` past 2^32 - 1 rings).
    fn alloc(&mut self) -> u32 {
        if let Some(k) = self.free.pop() {
            return k;
        }
        let Ok(k) = u32::try_from(self.n) else {
            return NONE_U32;
        };
        if self.n / self.per_chunk >= self.chunks.len() {
            self.chunks
                .push(Vec::with_capacity(self.per_chunk * self.stride));
        }
        if let Some(c) = self.chunks.last_mut() {
            c.resize(c.len() + self.stride, (0, 0));
        }
        self.n += 1;
        k
    }

    #[inline]
    fn get(&self, k: u32) -> Option<&[(i64, u64)]> {
        let k = k as usize;
        let o = (k % self.per_chunk) * self.stride;
        self.chunks.get(k / self.per_chunk)?.get(o..o + self.stride)
    }

    #[inline]
    fn get_mut(&mut self, k: u32) -> Option<&mut [(i64, u64)]> {
        let k = k as usize;
        let o = (k % self.per_chunk) * self.stride;
        self.chunks
            .get_mut(k / self.per_chunk)?
            .get_mut(o..o + self.stride)
    }

    fn release(&mut self, k: u32) {
        self.free.push(k);
    }

    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|c| c.capacity() * std::mem::size_of::<(i64, u64)>())
            .sum::<usize>()
            + self.chunks.capacity() * std::mem::size_of::<Vec<(i64, u64)>>()
            + self.free.capacity() * 4
    }
}

impl Default for Rings {
    fn default() -> Self {
        Rings::new(1)
    }
}

/// A failure at `t` in the brute-force window (`brute`: not
/// found yet) and the spraying window (`spray_uh`: the user's hash, when not found yet) of
/// windows `w`: whether each fires now, and the line of the first failure in the brute-force
/// window. The failures and users the windows remember that [`Limits::forgotten`] drops are
/// forgotten first; `failures` remembered failures are a brute force.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn fail_windows(
    w: &mut Windows,
    rings: &mut Rings,
    lim: &Limits,
    n_fail: u32,
    t: i64,
    line: u64,
    brute: bool,
    spray_uh: Option<u64>,
) -> (bool, bool, Option<u64>) {
    let (mut b, mut s, mut first) = (false, false, None);
    let gone = |at: i64| lim.forgotten(at, t);
    if brute {
        if w.ring == NONE_U32 {
            w.ring = rings.alloc();
            w.ring_len = 0;
            w.ring_head = 0;
        }
        if let Some(r) = rings.get_mut(w.ring) {
            let n = r.len();
            let (mut len, mut head) = (w.ring_len as usize, w.ring_head as usize);
            // The failures forgotten now are dropped (in order, wherever they are: times
            // may go back), so that a source whose failures are far apart holds one and no
            // ring. The ring holds fewer than `n` (it is released when it fills).
            if (0..len).any(|i| r.get((head + i) % n).is_some_and(|&(t0, _)| gone(t0))) {
                let mut kept = 0;
                for i in 0..len {
                    if let Some(&e) = r.get((head + i) % n) {
                        if !gone(e.0) {
                            if let Some(d) = r.get_mut((head + kept) % n) {
                                *d = e;
                            }
                            kept += 1;
                        }
                    }
                }
                len = kept;
            }
            for _ in 0..n_fail.min(lim.fail_n as u32) {
                // Oldest out first: the ring never outgrows the threshold.
                if len >= n {
                    if let Some(e) = r.get_mut(head) {
                        *e = (t, line);
                    }
                    head = (head + 1) % n;
                } else {
                    if let Some(e) = r.get_mut((head + len) % n) {
                        *e = (t, line);
                    }
                    len += 1;
                }
            }
            (w.ring_len, w.ring_head) = (len as u32, head as u32);
            // Every failure left is within the window before this one.
            if len >= n {
                if let Some(&(_, l0)) = r.get(head) {
                    b = true;
                    first = Some(l0);
                    // The brute force is found: its window is not read again.
                    rings.release(w.ring);
                    w.ring = NONE_U32;
                }
            }
        }
    }
    if let Some(uh) = spray_uh {
        w.recent_users.forget(gone);
        w.recent_users.touch(uh, t);
        if w.recent_users.len() >= lim.spray_n {
            s = true;
            w.recent_users = Recent::default();
        }
        if w.recent_users.len() > lim.spray_cap {
            w.recent_users.remove_first();
        }
    }
    (b, s, first)
}

impl Windows {
    /// A destination port in the port-scan window: whether the scan fires now.
    #[inline(never)]
    fn port_window(&mut self, lim: &Limits, p: u16, t: i64) -> bool {
        let ports = self.ports.get_or_insert_with(Box::default);
        ports.expire(t, lim.ports_win);
        ports.touch(p, t);
        let scan = ports.len() >= lim.ports_n;
        if ports.len() > lim.ports_cap {
            ports.remove_first();
        }
        if scan {
            self.ports = None;
        }
        scan
    }
}

/// One user's part in the distributed brute-force detection, by user id (16 bytes): the one
/// source that failed on it recently inline; a user failing from two or more sources within
/// the window has a [`Recent`] set in `Detector::dist_sets` instead.
#[derive(Debug, Clone, Copy)]
struct UserDist {
    /// The time of `src`'s last failure.
    t: i64,
    /// The recent source (`NONE_U32`: none), while `set` is `NONE_U32`.
    src: u32,
    /// Its set in `Detector::dist_sets`; `NONE_U32`: none; [`REPORTED`]: reported.
    set: u32,
}

const DIST_EMPTY: UserDist = UserDist {
    t: 0,
    src: NONE_U32,
    set: NONE_U32,
};

/// `UserDist::set` of a user already reported (its window is not read any more).
const REPORTED: u32 = NONE_U32 - 1;

/// Thresholds as the per-event code uses them (maxima and products done once).
#[derive(Debug, Clone, Copy)]
struct Limits {
    fail_n: usize,
    win: i64,
    spray_n: usize,
    spray_cap: usize,
    dist_n: usize,
    dist_cap: usize,
    success_after: u64,
    ports_n: usize,
    ports_cap: usize,
    ports_win: i64,
    fs_n: usize,
    fs_win: i64,
}

impl Limits {
    fn new(th: &Thresholds) -> Self {
        Limits {
            fail_n: th.failures.max(1) as usize,
            win: th.window_secs.saturating_mul(MICROS),
            spray_n: th.spray_users.max(2) as usize,
            spray_cap: 4 * th.spray_users.max(2) as usize,
            dist_n: th.distributed_sources.max(2) as usize,
            dist_cap: 4 * th.distributed_sources.max(2) as usize,
            success_after: u64::from(th.success_after_failures.max(1)),
            ports_n: th.portscan_ports.max(2) as usize,
            ports_cap: 4 * th.portscan_ports.max(2) as usize,
            ports_win: th.portscan_window_secs.saturating_mul(MICROS),
            fs_n: th.fs_errors.max(1) as usize,
            fs_win: th.fs_window_secs.saturating_mul(MICROS),
        }
    }

    /// Whether a source's failure (or failing user) at `at` is forgotten at its failure at
    /// `t`: when it is more than the window away from `t`, before it or (when times go back,
    /// in a merged log or rotations given newest first) after it. Nothing else is judged:
    /// which inputs came first never decides what a source's failures within one window are.
    #[inline]
    fn forgotten(&self, at: i64, t: i64) -> bool {
        t.abs_diff(at) > self.win.unsigned_abs()
    }
}

/// Up to two items inline, more on the heap: the sliding-window sets hold one or two keys
/// nearly always (a source's recent users, a user's recent sources).
#[derive(Debug, Clone)]
enum Items<T> {
    Inline(u8, [T; 2]),
    Heap(Vec<T>),
}

impl<T: Copy + Default> Default for Items<T> {
    fn default() -> Self {
        Items::Inline(0, [T::default(); 2])
    }
}

impl<T: Copy> Items<T> {
    #[inline]
    fn as_slice(&self) -> &[T] {
        match self {
            Items::Inline(n, a) => a.get(..usize::from(*n)).unwrap_or_default(),
            Items::Heap(v) => v,
        }
    }

    #[inline]
    fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Items::Inline(n, a) => a.get_mut(..usize::from(*n)).unwrap_or_default(),
            Items::Heap(v) => v,
        }
    }

    #[inline]
    fn push(&mut self, x: T) {
        match self {
            Items::Inline(n, a) => {
                if let Some(slot) = a.get_mut(usize::from(*n)) {
                    *slot = x;
                    *n += 1;
                } else {
                    let mut v = Vec::with_capacity(4);
                    v.extend_from_slice(a);
                    v.push(x);
                    *self = Items::Heap(v);
                }
            }
            Items::Heap(v) => v.push(x),
        }
    }

    fn retain(&mut self, mut f: impl FnMut(&T) -> bool) {
        match self {
            Items::Inline(n, a) => {
                let mut k = 0;
                for i in 0..usize::from(*n) {
                    if let Some(&x) = a.get(i) {
                        if f(&x) {
                            if let Some(d) = a.get_mut(k) {
                                *d = x;
                            }
                            k += 1;
                        }
                    }
                }
                *n = k as u8;
            }
            Items::Heap(v) => v.retain(f),
        }
    }

    fn remove_first(&mut self) {
        match self {
            Items::Inline(n, a) => {
                if *n > 0 {
                    a.rotate_left(1);
                    *n -= 1;
                }
            }
            Items::Heap(v) => {
                if !v.is_empty() {
                    v.remove(0);
                }
            }
        }
    }

    #[cfg(test)]
    fn heap_bytes(&self) -> usize {
        match self {
            Items::Inline(..) => 0,
            Items::Heap(v) => v.capacity() * std::mem::size_of::<T>(),
        }
    }
}

/// Keys last seen at a time, in insertion order: the sliding-window sets (users per source,
/// ports per source, sources per user). No bounds of the times are kept beside the keys: the
/// sets hold one or two keys nearly always (inline), and the expiry's scan of them costs
/// less than 16 more bytes in every source's windows.
#[derive(Debug)]
struct Recent<K> {
    items: Items<(K, i64)>,
}

impl<K: Copy + Default> Default for Recent<K> {
    fn default() -> Self {
        Recent {
            items: Items::default(),
        }
    }
}

impl<K: PartialEq + Copy> Recent<K> {
    /// Drops the keys whose time `gone` says.
    #[inline]
    fn forget(&mut self, gone: impl Fn(i64) -> bool) {
        if self.items.as_slice().iter().any(|(_, at)| gone(*at)) {
            self.items.retain(|(_, at)| !gone(*at));
        }
    }

    /// Drops the keys last seen more than `win` before `t`.
    #[inline]
    fn expire(&mut self, t: i64, win: i64) {
        let old = |at: &i64| t.saturating_sub(*at) > win;
        if self.items.as_slice().iter().any(|(_, at)| old(at)) {
            self.items.retain(|(_, at)| !old(at));
        }
    }

    /// Marks `k` seen at `t` (added at the end when new).
    #[inline]
    fn touch(&mut self, k: K, t: i64) {
        match self.items.as_mut_slice().iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 = t,
            None => self.items.push((k, t)),
        }
    }

    fn len(&self) -> usize {
        self.items.as_slice().len()
    }

    /// Drops the key added first (the set is over its cap).
    fn remove_first(&mut self) {
        self.items.remove_first();
    }
}

/// One line of the timeline's per-hour histogram.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct HourBucket {
    /// Start of the hour (UTC).
    pub hour: LogTime,
    /// Recognised events in that hour.
    pub events: u64,
    /// Hostile events (failures, scans, drops) in that hour.
    pub hostile: u64,
}

/// The attack window: first hostile event to last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Window {
    /// First hostile event.
    pub first: LogTime,
    /// Last hostile event.
    pub last: LogTime,
}

/// sshd session tracking, keyed by the sshd pid, the way fail2ban's multi-line sshd filter
/// works:
/// - lines that print no address (`Disconnecting: Too many authentication failures`,
///   `User root not allowed because account is locked`) get the session's address; when it
///   is not known yet, the failure is held and attributed to the first later line of the
///   session that names one;
/// - `pam_unix(sshd:auth)` failures duplicate sshd's own `Failed password` lines and are not
///   failures by themselves; they are held and counted only when the same session then tries
///   another user (a failure for a new user, or an accepted login for a different user: the
///   "forget my failures by succeeding" trick, fail2ban gh-2070), and forgotten otherwise.
///
/// Bounded: at most 64 Ki live sessions.
#[derive(Debug, Default, Clone)]
pub struct Sessions {
    pids: PidSessions<InlineIp>,
}

/// The session table behind [`Sessions`], generic over how a session keeps its address: the
/// bytes inline for the public API, the source's index in the [`Detector`]'s table there
/// (smaller sessions, no copy, no second lookup of a filled-in address).
#[derive(Debug, Clone)]
pub(crate) struct PidSessions<I> {
    pids: FxMap<u32, Session<I>>,
    /// The user hashes of the sessions' PAM failures (at most 16 each), for the sessions
    /// that have any (rare: kept out of the session table).
    pam_users: FxMap<u32, Vec<u64>>,
}

impl<I> Default for PidSessions<I> {
    fn default() -> Self {
        PidSessions {
            pids: FxMap::default(),
            pam_users: FxMap::default(),
        }
    }
}

/// An address kept inline (no allocation per session); longer host names are not tracked.
#[derive(Debug, Clone, Copy)]
struct InlineIp {
    len: u8,
    bytes: [u8; 63],
}

impl InlineIp {
    fn new(b: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 63];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(InlineIp {
            len: b.len() as u8,
            bytes,
        })
    }
    fn get(&self) -> &[u8] {
        self.bytes.get(..self.len as usize).unwrap_or_default()
    }
}

impl PartialEq for InlineIp {
    fn eq(&self, o: &Self) -> bool {
        self.get() == o.get()
    }
}

/// One sshd session: small and allocation-free (the detector's is 16 bytes; sshd starts a
/// new pid for nearly every connection, so this table is written on most lines).
#[derive(Debug, Clone)]
struct Session<I> {
    ip: Option<I>,
    hostless: u32,
    pam: u32,
    /// `MAX_ATTEMPTS`, `PAM_USERS`, `PROBE`, `GUESS`, `UNPLACED`.
    flags: u8,
}

/// `maximum authentication attempts exceeded` was seen.
const MAX_ATTEMPTS: u8 = 1;
/// The session has PAM user hashes in [`PidSessions::pam_users`].
const PAM_USERS: u8 = 2;
/// A probe (`Invalid user`, ...) was counted and no password was guessed since.
const PROBE: u8 = 4;
/// sshd's `error: PAM: Authentication failure` was counted as a guess; the `Failed` line
/// that repeats it has not come yet.
const GUESS: u8 = 8;
/// The `PROBE` came before the session's address was known: not counted yet.
const UNPLACED: u8 = 16;

impl<I> Session<I> {
    #[inline]
    fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
    #[inline]
    fn set(&mut self, f: u8) {
        self.flags |= f;
    }
    /// Clears `f`; whether it was set.
    #[inline]
    fn take(&mut self, f: u8) -> bool {
        let was = self.flags & f != 0;
        self.flags &= !f;
        was
    }
}

impl<I> Default for Session<I> {
    fn default() -> Self {
        Session {
            ip: None,
            hostless: 0,
            pam: 0,
            flags: 0,
        }
    }
}

/// What one event adds to its source's attempt counts ([`SourceSummary`]'s `failures`,
/// `probes` and `publickey`), its session considered. The sliding windows (brute force,
/// spraying, distributed attacks) see `guesses + probes` attempts at the line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counted {
    /// Failed password guesses.
    pub guesses: u32,
    /// Invalid-user probes (0 or 1).
    pub probes: u8,
    /// Refused key offers (0 or 1).
    pub keys: u8,
    /// A probe this session counted earlier turned out to be a password guess: one probe
    /// less, one failure more (the windows saw the attempt at the probe).
    pub converted: bool,
}

impl Counted {
    /// The counts of an event outside any session (no pid, or not sshd).
    #[inline]
    fn plain(a: Option<Attempt>) -> Self {
        let mut c = Counted::default();
        match a {
            Some(Attempt::Guess | Attempt::PamGuess) => c.guesses = 1,
            Some(Attempt::KeyOffer) => c.keys = 1,
            Some(Attempt::Probe) => c.probes = 1,
            None => {}
        }
        c
    }
}

/// What session resolution adds to an event.
#[derive(Debug)]
pub(crate) struct Resolution<I> {
    fill: Option<I>,
    deferred: u32,
    user_switch: bool,
    duplicate: bool,
    counted: Counted,
}

impl<I> Resolution<I> {
    const NONE: Self = Resolution {
        fill: None,
        deferred: 0,
        user_switch: false,
        duplicate: false,
        counted: Counted {
            guesses: 0,
            probes: 0,
            keys: 0,
            converted: false,
        },
    };
}

/// An event after session resolution.
#[derive(Debug, Clone)]
pub struct Resolved<'a> {
    /// The event, with its source filled in from the session when it printed none.
    pub event: EventKind<'a>,
    /// Earlier failures of the session attributed at this line.
    pub deferred: u32,
    /// A login accepted for a different user than the session's failed PAM attempts.
    pub user_switch: bool,
    /// The event repeats a failure the session already reported (`Disconnecting: Too many
    /// authentication failures` after `maximum authentication attempts exceeded`).
    pub duplicate: bool,
    /// What the line adds to its source's attempt counts.
    pub counted: Counted,
}

impl Resolved<'_> {
    /// Whether this line reports a failure with a source (the event itself or deferred ones).
    pub fn is_failure(&self) -> bool {
        self.event.source().is_some()
            && ((self.event.is_auth_failure() && !self.duplicate)
                || self.deferred > 0
                || self.user_switch)
    }
}

impl Sessions {
    /// Forgets every session (new file).
    pub fn clear(&mut self) {
        self.pids.clear();
    }

    /// Resolves one sshd event of session `pid`.
    pub fn resolve<'a>(&mut self, pid: Option<u32>, event: EventKind<'a>) -> Resolved<'a> {
        let attempt = event.attempt();
        let r = {
            let f = Facts::of(&event);
            self.pids.resolve_key(
                pid,
                &f,
                f.source.is_some(),
                f.source.and_then(InlineIp::new),
            )
        };
        let event = match r.fill {
            Some(ip) => event.set_source(std::borrow::Cow::Owned(ip.get().to_vec())),
            None => event,
        };
        let counted = if pid.is_some() {
            r.counted
        } else {
            Counted::plain(attempt)
        };
        Resolved {
            event,
            deferred: r.deferred,
            user_switch: r.user_switch,
            duplicate: r.duplicate,
            counted,
        }
    }
}

impl<I: Copy + PartialEq> PidSessions<I> {
    /// Forgets every session (new file).
    pub(crate) fn clear(&mut self) {
        self.pids.clear();
        self.pam_users.clear();
    }

    /// [`Sessions::resolve`] without moving the event: the source to fill in is returned.
    /// `named`: the event names its own source; `key`: that source as the session keeps it
    /// (`None` when too long to keep).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn resolve_key(
        &mut self,
        pid: Option<u32>,
        f: &Facts<'_>,
        named: bool,
        key: Option<I>,
    ) -> Resolution<I> {
        let Some(pid) = pid else {
            return Resolution::NONE;
        };
        self.make_room(pid);
        match self.pids.entry(pid) {
            Entry::Occupied(mut o) => {
                resolve_in(o.get_mut(), &mut self.pam_users, pid, f, named, key)
            }
            Entry::Vacant(v) => {
                // A new session is built in place and written once.
                let mut sess = Session::default();
                let r = resolve_in(&mut sess, &mut self.pam_users, pid, f, named, key);
                v.insert(sess);
                r
            }
        }
    }

    /// sshd keeps at most MaxStartups (default 100) unauthenticated connections; 4096 live
    /// sessions is ample, and clearing bounds memory on pid churn.
    #[inline]
    fn make_room(&mut self, pid: u32) {
        if self.pids.len() >= 4096 && !self.pids.contains_key(&pid) {
            self.clear();
        }
    }
}

/// A host name, not an address (sshd with `UseDNS yes` names peers so in some lines).
#[inline]
fn is_host_name(b: &[u8]) -> bool {
    !b.contains(&b':') && b.iter().any(u8::is_ascii_alphabetic)
}

/// One event of session `pid` (its state `sess`): see [`Sessions`], and for the counts
/// [`Counted`] and the crate docs ("What counts as a failure").
#[allow(clippy::inline_always)]
#[inline(always)]
fn resolve_in<I: Copy + PartialEq>(
    sess: &mut Session<I>,
    pam_users: &mut FxMap<u32, Vec<u64>>,
    pid: u32,
    f: &Facts<'_>,
    named: bool,
    key: Option<I>,
) -> Resolution<I> {
    let mut r = Resolution::NONE;
    if named {
        if f.attempt == Some(Attempt::PamGuess)
            && sess.ip.is_some()
            && f.source.is_some_and(is_host_name)
        {
            // sshd's PAM line names the peer as it resolved it (a host name with UseDNS):
            // the session's peer (the detector counts the guess for the session's address).
        } else {
            // Another peer on a reused pid: what the session held is not this one's.
            if sess.ip.is_some() && sess.ip != key {
                sess.flags &= !(PROBE | GUESS);
            }
            sess.ip = key;
        }
    } else {
        match &sess.ip {
            Some(ip) => r.fill = Some(*ip),
            None => {
                if f.auth_failure {
                    sess.hostless = sess.hostless.saturating_add(1);
                }
                // A probe before the address (`input_userauth_request: invalid user U`):
                // counted at the first line that names the address, unless that line is the
                // password guess it led to.
                if f.attempt == Some(Attempt::Probe) && !sess.has(PROBE) {
                    sess.set(PROBE | UNPLACED);
                }
                return r;
            }
        }
    }
    let mut deferred = std::mem::take(&mut sess.hostless);
    let unplaced = sess.take(UNPLACED);
    let c = &mut r.counted;
    match f.attempt {
        None => c.probes = u8::from(unplaced),
        Some(Attempt::Probe) => {
            // The session's first probe line, or the one that places an unplaced probe;
            // more probe lines of the session (`input_userauth_request: invalid user`
            // after `Invalid user`) are the same attempt.
            c.probes = u8::from(unplaced || !sess.has(PROBE));
            sess.set(PROBE);
        }
        Some(Attempt::Guess) => {
            if sess.take(GUESS) {
                // The `Failed keyboard-interactive/pam` line after sshd's PAM line.
            } else if sess.take(PROBE) && !unplaced {
                c.converted = true;
            } else {
                c.guesses = 1;
            }
        }
        Some(Attempt::PamGuess) => {
            if sess.take(PROBE) && !unplaced {
                c.converted = true;
            } else {
                c.guesses = 1;
            }
            sess.set(GUESS);
        }
        Some(Attempt::KeyOffer) => {
            c.keys = 1;
            c.probes = u8::from(unplaced);
        }
    }
    // Only PAM failures and accepted logins compare user names.
    let user_hash = || f.user.map_or(0, hash);
    match f.role {
        Role::PamSshd => {
            let uh = user_hash();
            let users = pam_users.entry(pid).or_default();
            let known = users.contains(&uh);
            if users.is_empty() || known {
                sess.pam = sess.pam.saturating_add(1);
            } else {
                let held = sess.pam.saturating_add(1);
                deferred = deferred.saturating_add(held);
                r.counted.guesses = r.counted.guesses.saturating_add(held);
                sess.pam = 0;
            }
            if !known && users.len() < 16 {
                users.push(uh);
            }
            sess.set(PAM_USERS);
        }
        Role::Accepted => {
            if sess.take(PAM_USERS) {
                let users = pam_users.remove(&pid).unwrap_or_default();
                if !users.is_empty() && !users.contains(&user_hash()) {
                    deferred = deferred.saturating_add(sess.pam);
                    r.counted.guesses = r.counted.guesses.saturating_add(sess.pam);
                    r.user_switch = true;
                }
            }
            sess.pam = 0;
            sess.flags &= !(PROBE | GUESS);
        }
        Role::MaxAuth => {
            sess.set(MAX_ATTEMPTS);
            sess.pam = 0;
        }
        Role::TooMany if sess.has(MAX_ATTEMPTS) => {
            r.duplicate = true;
        }
        // A failure line of its own stands for the PAM failure before it.
        _ if f.auth_failure => sess.pam = 0,
        Role::Closed => {
            sess.pam = 0;
            if sess.take(PAM_USERS) {
                pam_users.remove(&pid);
            }
            sess.flags &= !(MAX_ATTEMPTS | PROBE | GUESS);
        }
        _ => {}
    }
    r.deferred = deferred;
    r
}

/// One observation fed to the detector: an event with its place and time.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    /// 1-based line number.
    pub line: u64,
    /// Event time (None: the line had no timestamp; the previous one is used).
    pub time: Option<LogTime>,
    /// The pid in the tag (sshd session tracking).
    pub pid: Option<u32>,
    /// Whether the tag was sshd's (pid-based source resolution applies).
    pub sshd: bool,
    /// The event.
    pub event: EventKind<'a>,
    /// How many times the event happened at this line: 1, or N for syslog's
    /// `message repeated N times: [ ... ]` (capped at [`crate::event::MAX_REPEAT`]).
    pub repeat: u32,
}

/// Streaming detector state. Feed it with [`Detector::observe`] in file order, then call
/// [`Detector::finish`].
#[derive(Debug)]
pub struct Detector {
    th: Thresholds,
    lim: Limits,
    files: Vec<Vec<u8>>,
    file: u32,
    src: SourceTable,
    /// The distributed brute-force state of each user, by user id ([`UserDist`]).
    dist: Chunked<UserDist>,
    /// The recent sources of users failing from more than one (`UserDist::set`).
    dist_sets: Vec<Recent<u32>>,
    /// Free places in `dist_sets` (of users reported since).
    dist_free: Vec<u32>,
    /// Hashes of users already reported for distributed brute force, direct-mapped: a
    /// failure for one of them needs no look-up in `users`.
    reported_users: [Option<u64>; REPORTED_SLOTS],
    sessions: PidSessions<SrcRef>,
    counts: Vec<u64>,
    hours: BTreeMap<i64, (u64, u64)>,
    cur_hour: Option<(i64, u64, u64)>,
    /// `[start, end)` of `cur_hour` in microseconds (empty before the first event).
    cur_hour_span: (i64, i64),
    window: Option<Window>,
    last_time: Option<LogTime>,
    fs_times: VecDeque<i64>,
    fs_reported: bool,
    findings: Vec<Finding>,
    /// The per-source findings campaigns summarise, compact until the end ([`Pending`]).
    pending: Vec<Pending>,
    /// The login-after-failures findings, compact until the end ([`Compromise`]).
    compromises: Vec<Compromise>,
    seen: FnvMap<u64, usize>,
    /// sudo commands, su sessions, and the accounts created or made privileged.
    privilege: privilege::Privilege,
    /// Notable events kept for a timeline ([`Detector::keep_timeline`]).
    notable: timeline::Notable,
    /// The latest accepted logins (at most [`MAX_ACCEPTED`]).
    accepted: VecDeque<AcceptedAt>,
    accepted_dropped: u64,
    /// Text events remembered to drop their audit twins (only when audit files are read).
    dedup: Option<crate::audit::Dedup>,
    /// The current file is an audit log.
    audit_file: bool,
    /// Audit events dropped as twins of text events.
    pub(crate) duplicates: u64,
    /// Security agents' stops not (yet) explained by a shutdown or a restart.
    agent_stops: Vec<AgentStop>,
    /// The methods of accepted logins, each stored once.
    methods: UserNames,
}

/// A security agent's `SERVICE_STOP`, pending until the end or a shutdown.
#[derive(Debug)]
struct AgentStop {
    unit: Vec<u8>,
    user: Option<Vec<u8>>,
    file: u32,
    line: u64,
    t: i64,
}

/// Pending agent stops kept at most.
const MAX_AGENT_STOPS: usize = 256;

/// Accepted logins kept by a [`Detector`] at most (the latest ones).
pub const MAX_ACCEPTED: usize = 1 << 16;

#[derive(Debug)]
/// An accepted login as the detector keeps it (32 bytes, no allocation): the source by its
/// index in the table, the user and the method by their ids.
struct AcceptedAt {
    /// Its time ([`LogTime`]), when `file` has [`TIMED`].
    t: i64,
    line: u64,
    /// The file's number, with [`TIMED`] when the login has a time (file numbers past 2^31
    /// are not told apart: 2^31 paths would not fit in memory first).
    file: u32,
    /// The source's index (`NONE_U32`: none).
    src: u32,
    /// The user's id in the table's [`UserNames`].
    user: u32,
    /// The method's id in `Detector::methods`.
    method: u32,
}

/// [`AcceptedAt::file`]'s flag: the login has a time.
const TIMED: u32 = 1 << 31;

/// A successful ssh login in the logs (`Accepted METHOD for USER from ADDR`), kept for the
/// joins with login records ([`crate::logins::correlate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Accepted {
    /// When.
    pub time: Option<LogTime>,
    /// The user.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub user: Vec<u8>,
    /// The client address, as logged.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub source: Vec<u8>,
    /// The method (`password`, `publickey`, ...).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub method: Vec<u8>,
    /// The line.
    pub evidence: Evidence,
}

/// Key of a finding in `Detector::seen`.
fn seen_key(id: &str, subject: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(id.as_bytes());
    h.write(b"\0");
    h.write(subject);
    h.finish()
}

impl Detector {
    /// A detector with the given thresholds.
    pub fn new(th: Thresholds) -> Self {
        Detector {
            lim: Limits::new(&th),
            files: Vec::new(),
            file: 0,
            src: SourceTable {
                rings: Rings::new(Limits::new(&th).fail_n),
                ..SourceTable::default()
            },
            dist: Chunked::default(),
            dist_sets: Vec::new(),
            dist_free: Vec::new(),
            reported_users: [None; REPORTED_SLOTS],
            sessions: PidSessions::default(),
            counts: vec![0; EventKind::NAMES.len()],
            hours: BTreeMap::new(),
            cur_hour: None,
            cur_hour_span: (0, 0),
            window: None,
            last_time: None,
            fs_times: VecDeque::new(),
            fs_reported: false,
            findings: Vec::new(),
            pending: Vec::new(),
            compromises: Vec::new(),
            seen: FnvMap::default(),
            notable: timeline::Notable::default(),
            accepted: VecDeque::new(),
            accepted_dropped: 0,
            methods: UserNames::default(),
            privilege: privilege::Privilege::default(),
            dedup: None,
            audit_file: false,
            duplicates: 0,
            agent_stops: Vec::new(),
            th,
        }
    }

    /// Remembers the events of text logs and journals from now on, so that their audit
    /// twins read later are dropped (see [`crate::audit`]).
    pub(crate) fn enable_dedup(&mut self) {
        if self.dedup.is_none() {
            self.dedup = Some(crate::audit::Dedup::default());
        }
    }

    /// Starts an audit log: [`Detector::begin_file`], its events checked against the text
    /// events remembered.
    pub(crate) fn begin_audit_file(&mut self, path: &[u8]) {
        self.begin_file(path);
        self.audit_file = true;
    }

    /// Whether `event` is an audit twin of a text event (then dropped), or remembers a text
    /// event.
    #[cold]
    #[inline(never)]
    fn dedup(&mut self, event: &EventKind<'_>, time: Option<LogTime>) -> bool {
        let Some(d) = self.dedup.as_mut() else {
            return false;
        };
        if self.audit_file {
            if time.is_some_and(|t| d.take(event, t)) {
                self.duplicates += 1;
                return true;
            }
        } else {
            d.remember(event, time);
        }
        false
    }

    /// Bytes the source, user and session tables hold (by capacity, with each entry's own
    /// allocations; not the findings): what the tests bound per source and per line.
    #[cfg(test)]
    pub(crate) fn state_bytes(&self) -> usize {
        use std::mem::size_of;
        fn recent<K: Copy>(r: &Recent<K>) -> usize {
            r.items.heap_bytes()
        }
        let t = &self.src;
        let srcs = t.srcs.chunks.len() * CHUNK * size_of::<Source>();
        let windows = t.windows.chunks.len() * CHUNK * size_of::<Windows>()
            + t.rings.heap_bytes()
            + t.windows
                .iter()
                .map(|w| {
                    recent(&w.recent_users)
                        + w.ports
                            .as_ref()
                            .map_or(0, |p| size_of::<Recent<u16>>() + recent(p))
                })
                .sum::<usize>();
        let index = t.index.capacity() * (size_of::<u32>() + 1);
        let long = t.long.capacity() * (size_of::<(Box<[u8]>, u32)>() + 1)
            + t.long_names.capacity() * size_of::<(u32, Box<[u8]>)>()
            + t.long_names.iter().map(|(_, n)| 2 * n.len()).sum::<usize>();
        let user_names =
            t.users.index.capacity() * (size_of::<u32>() + 1) + t.users.names.heap_bytes();
        let more_users = t.more_users.chunks.len() * CHUNK * size_of::<UserBlock>();
        let users = self.dist.chunks.len() * CHUNK * size_of::<UserDist>()
            + self.dist_sets.capacity() * size_of::<Recent<u32>>()
            + self.dist_sets.iter().map(recent).sum::<usize>()
            + self.dist_free.capacity() * 4;
        let sessions = self.sessions.pids.capacity() * (size_of::<(u32, Session<SrcRef>)>() + 1)
            + self.sessions.pam_users.capacity() * (size_of::<(u32, Vec<u64>)>() + 1);
        srcs + windows + index + long + user_names + more_users + users + sessions
    }

    /// Keeps up to `cap` notable events (logins, sessions, sudo and su, account and group
    /// changes, module taints, crashes) for a timeline, earliest first; the rest are counted.
    /// 0 (the default) keeps none.
    pub fn keep_timeline(&mut self, cap: usize) {
        self.notable.cap = cap;
    }

    /// Starts a new file: evidence from now on names `path`. Session (pid) state is reset.
    pub fn begin_file(&mut self, path: &[u8]) {
        self.files.push(path.to_vec());
        self.file = (self.files.len() - 1) as u32;
        self.sessions.clear();
        self.audit_file = false;
    }

    fn evidence(&self, file: u32, line: u64) -> Evidence {
        let p = self
            .files
            .get(file as usize)
            .map_or(&b"-"[..], Vec::as_slice);
        Evidence::line(p, line)
    }

    fn once(&mut self, id: &str, subject: &[u8], f: impl FnOnce(&Self) -> Finding) -> usize {
        self.once_keyed(seen_key(id, subject), f)
    }

    fn once_keyed(&mut self, key: u64, f: impl FnOnce(&Self) -> Finding) -> usize {
        if let Some(&i) = self.seen.get(&key) {
            return i;
        }
        let finding = f(self);
        self.findings.push(finding);
        let i = self.findings.len() - 1;
        self.seen.insert(key, i);
        i
    }

    /// Feeds one event, in file order. An event that happened `repeat` times at one line
    /// (syslog's `message repeated N times`) is observed one by one, as if the lines were
    /// there, up to one more than the largest count threshold (failures, success after
    /// failures, filesystem errors; at most 4096), so every window and session rule sees them;
    /// the rest only add to the counts (by kind, per hour, per source: events, hostile,
    /// failures, successes). The cost does not grow with `repeat`.
    pub fn observe(&mut self, obs: &Observation<'_>) {
        self.observe_repeated(
            obs.line,
            obs.time,
            obs.pid,
            obs.sshd,
            &obs.event,
            u64::from(obs.repeat),
            false,
        );
    }

    /// [`Detector::observe`] of one event where the parser built it (the per-line hot path
    /// moves no event and allocates nothing unless a finding is made).
    pub(crate) fn observe_event(
        &mut self,
        line: u64,
        time: Option<LogTime>,
        pid: Option<u32>,
        sshd: bool,
        event: &EventKind<'_>,
    ) {
        self.observe_one(line, time, pid, sshd, event, false);
    }

    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn observe_one(
        &mut self,
        line: u64,
        time: Option<LogTime>,
        pid: Option<u32>,
        sshd: bool,
        event: &EventKind<'_>,
        again: bool,
    ) {
        if self.dedup.is_some() && self.dedup(event, time) {
            return;
        }
        let f = Facts::of(event);
        let time = time.or(self.last_time);
        if time.is_some() {
            self.last_time = time;
        }
        let t = time.map_or(0, |t| t.0);
        // The event's own source, looked up (or added) once; sessions keep its index.
        // pid-based source resolution for sshd lines that do not print the address: the
        // session's address stands in for the missing source (as `set_source` would fill it).
        // Sessions do not track names longer than 63 bytes (as `Sessions` does).
        let named = f.source.is_some();
        let key_of =
            |idx: usize| SrcRef::new(idx).filter(|_| f.source.is_some_and(|src| src.len() <= 63));
        let (own_idx, r) = match pid.filter(|_| sshd) {
            Some(p) => {
                let sessions = &mut self.sessions;
                sessions.make_room(p);
                match sessions.pids.entry(p) {
                    Entry::Occupied(mut o) => {
                        let sess = o.get_mut();
                        // The session's own source is looked up without the table.
                        let own_idx = match f.source {
                            // sshd's PAM line may name the peer by its host name (UseDNS):
                            // the guess is the session's address's.
                            Some(src)
                                if f.attempt == Some(Attempt::PamGuess)
                                    && sess.ip.is_some()
                                    && is_host_name(src) =>
                            {
                                sess.ip.map(SrcRef::get)
                            }
                            Some(src) => {
                                let k = SrcKey::new(src);
                                Some(match (sess.ip, &k) {
                                    (Some(r), Some(k)) if self.src.is(r, k) => r.get(),
                                    _ => self.src.idx(src, k),
                                })
                            }
                            None => None,
                        };
                        let key = own_idx.and_then(key_of);
                        let r = resolve_in(sess, &mut sessions.pam_users, p, &f, named, key);
                        (own_idx, r)
                    }
                    Entry::Vacant(v) => {
                        let own_idx = f.source.map(|src| self.src.idx(src, SrcKey::new(src)));
                        let key = own_idx.and_then(key_of);
                        let mut sess = Session::default();
                        let r = resolve_in(&mut sess, &mut sessions.pam_users, p, &f, named, key);
                        v.insert(sess);
                        (own_idx, r)
                    }
                }
            }
            None => (
                f.source.map(|src| self.src.idx(src, SrcKey::new(src))),
                Resolution {
                    counted: Counted::plain(f.attempt),
                    ..Resolution::NONE
                },
            ),
        };
        let fill = r.fill.filter(|_| f.takes_source).map(SrcRef::get);
        let mut counted = r.counted;
        // A repeat line's count is that many attempts, even of one session's probe.
        if again && f.attempt == Some(Attempt::Probe) {
            counted.probes = 1;
        }
        if let Some(c) = self.counts.get_mut(event.index()) {
            *c += 1;
        }
        if let Some(time) = time {
            self.hour_and_window(time, f.hostile);
        }
        let file = self.file;
        if let Some(idx) = own_idx.or(fill) {
            self.source_event(idx, &f, file, line, time, counted);
        }
        if f.role == Role::After || (f.role == Role::Accepted && f.user == Some(&b"root"[..])) {
            self.after_source(event, file, line, t, time);
        }
        if self.notable.cap > 0 {
            let path = self
                .files
                .get(file as usize)
                .map_or(&b"-"[..], Vec::as_slice);
            self.notable.observe(event, file, path, line, time);
        }
        if f.role == Role::Accepted {
            self.note_accepted(event, own_idx, file, line, time);
        }
    }

    /// Keeps an accepted login for the joins with login records (see [`Accepted`]).
    #[cold]
    #[inline(never)]
    fn note_accepted(
        &mut self,
        event: &EventKind<'_>,
        idx: Option<usize>,
        file: u32,
        line: u64,
        time: Option<LogTime>,
    ) {
        let EventKind::SshAccepted { user, method, .. } = event else {
            return;
        };
        // A repeated line is observed once per repeat: one login per line.
        if self
            .accepted
            .back()
            .is_some_and(|a| a.file & !TIMED == file & !TIMED && a.line == line)
        {
            return;
        }
        if self.accepted.len() >= MAX_ACCEPTED {
            self.accepted.pop_front();
            self.accepted_dropped += 1;
        }
        let user = self.src.users.id(user, hash(user));
        let method = self.methods.id(method, hash(method));
        self.accepted.push_back(AcceptedAt {
            t: time.map_or(0, |t| t.0),
            line,
            file: (file & !TIMED) | if time.is_some() { TIMED } else { 0 },
            src: idx.and_then(|i| u32::try_from(i).ok()).unwrap_or(NONE_U32),
            user,
            method,
        });
    }

    /// The per-hour histogram and the attack window.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn hour_and_window(&mut self, time: LogTime, hostile: bool) {
        // Most events fall in the current hour.
        match &mut self.cur_hour {
            Some((_, e, x)) if time.0 >= self.cur_hour_span.0 && time.0 < self.cur_hour_span.1 => {
                *e += 1;
                *x += u64::from(hostile);
            }
            _ => self.new_hour(time, hostile),
        }
        if hostile {
            match &mut self.window {
                Some(w) => {
                    w.first = w.first.min(time);
                    w.last = w.last.max(time);
                }
                None => {
                    self.window = Some(Window {
                        first: time,
                        last: time,
                    })
                }
            }
        }
    }

    /// [`Detector::hour_and_window`]'s hour part for an event outside the current hour.
    #[cold]
    #[inline(never)]
    fn new_hour(&mut self, time: LogTime, hostile: bool) {
        // The current hour's bounds spare two divisions per event.
        let h = if (self.cur_hour_span.0..self.cur_hour_span.1).contains(&time.0) {
            self.cur_hour.map_or(0, |c| c.0)
        } else {
            time.secs().div_euclid(3600)
        };
        match &mut self.cur_hour {
            Some((ch, e, x)) if *ch == h => {
                *e += 1;
                *x += u64::from(hostile);
            }
            cur => {
                self.cur_hour_span = (
                    h.saturating_mul(3600 * MICROS),
                    h.saturating_add(1).saturating_mul(3600 * MICROS),
                );
                if let Some((ch, e, x)) = cur.take() {
                    let b = self.hours.entry(ch).or_default();
                    b.0 += e;
                    b.1 += x;
                }
                *cur = Some((h, 1, u64::from(hostile)));
            }
        }
    }

    /// The event's part for source `idx`: timeline, users, failures and the per-source and
    /// per-user detections.
    // The event's parts are passed as the caller has them.
    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn source_event(
        &mut self,
        idx: usize,
        f: &Facts<'_>,
        file: u32,
        line: u64,
        time: Option<LogTime>,
        counted: Counted,
    ) {
        let lim = self.lim;
        let t = time.map_or(0, |t| t.0);
        // The line as the entry holds it (`None` past `u32::MAX - 1`).
        let line32 = u32::try_from(line).ok().filter(|&l| l != NONE_U32);
        // The attempts the windows see here (a converted probe was seen at the probe).
        let n_fail = counted.guesses.saturating_add(u32::from(counted.probes));
        let failure = n_fail > 0;
        let user = f.user;
        // The time as the entry holds it.
        let t_off = time.and_then(|time| self.src.times.put(time.0));
        let Some(s) = self.src.srcs.get_mut(idx) else {
            return;
        };
        // The user's hash serves the user list (until full) and the failure windows.
        let uh = user.filter(|_| failure || !s.users_full()).map(hash);
        add32(&mut s.events, 1);
        add32(&mut s.hostile, u64::from(f.hostile));
        if let Some(time) = time {
            match t_off.filter(|_| !s.has(F_WIDE)) {
                Some(x) => {
                    s.first = s.first.min(x);
                    s.last = s.last.max(x);
                }
                None => widen(s, idx, &mut self.src.wide_times, &self.src.times, time.0),
            }
        }
        let list_user = !s.users_full();
        // New findings, made in this order: brute force, spraying, compromise, scan. A
        // window is kept only until its finding is made (nothing reads it afterwards).
        let (mut brute, mut spray, mut compromise, mut scan) = (false, false, false, false);
        let mut first_in_window = None;
        if counted.keys > 0 || counted.converted {
            add32(&mut s.publickey, u64::from(counted.keys));
            if counted.converted {
                add32(&mut s.failures, 1);
                s.probes = s.probes.saturating_sub(1);
            }
        }
        let mut windows_for = None;
        // The user of a failure held inline (its id is stored below).
        let mut held = None;
        if failure {
            add32(&mut s.failures, u64::from(counted.guesses));
            add32(&mut s.probes, u64::from(counted.probes));
            let first_failure = !s.has(F_FAILED);
            if first_failure {
                s.flags |= F_FAILED;
                s.fail_file = file;
                s.fail_line = line32.unwrap_or(NONE_U32);
                if line32.is_none() {
                    self.src.wide_lines.insert(idx_key(idx), line);
                }
            }
            let spray_uh = uh.filter(|_| !s.has(F_SPRAY));
            let hold_t = t_off.filter(|_| line32.is_some());
            if let (true, 1, true, true, Some(ht)) = (
                first_failure,
                n_fail,
                lim.fail_n > 1,
                s.win == NONE_U32,
                hold_t,
            ) {
                // One failure fires nothing (brute force needs two or more, spraying two
                // users): it waits inline for a second one.
                s.flags |= F_PENDING;
                s.fail_t = ht;
                held = uh;
            } else if !s.has(F_BRUTE) || spray_uh.is_some() {
                windows_for = Some((!s.has(F_BRUTE), spray_uh));
            }
        }
        if f.role == Role::Accepted {
            add32(&mut s.successes, 1);
            if !s.has(F_COMPROMISE)
                && (u64::from(s.failures) + u64::from(s.probes) >= lim.success_after
                    || s.has(F_BRUTE)
                    || s.has(F_SPRAY))
            {
                s.flags |= F_COMPROMISE;
                compromise = true;
            }
        }
        let port = match f.role {
            Role::Port(p) if !s.has(F_SCAN) => Some(p),
            _ => None,
        };
        let first_fail = s.has(F_FAILED).then(|| {
            let l = match s.fail_line {
                NONE_U32 => self.src.wide_lines.get(&idx_key(idx)).copied().unwrap_or(0),
                l => u64::from(l),
            };
            (s.fail_file, l)
        });
        let failures = u64::from(s.failures) + u64::from(s.probes);
        // The user's id, when it was looked up for the list.
        let mut uid = None;
        if list_user {
            if let (Some(u), Some(uh)) = (user.filter(|u| !u.is_empty()), uh) {
                uid = Some(self.src.add_user(idx, u, uh));
            }
        }
        if let Some(uh) = held {
            self.hold_user(idx, uid, user, uh, t, line);
        }
        if let Some((b, spray_uh)) = windows_for {
            (brute, spray, first_in_window) =
                self.src.fail(idx, &lim, n_fail, t, line, b, spray_uh);
            // Windows holding only this failure go back inline: a source whose failures are
            // further apart than the window costs no windows between them.
            if let (None, Some(l), Some(to)) = (port, line32, t_off) {
                if let Some(with_user) = self.src.holds_only(idx, &lim, t, line, spray_uh) {
                    let id = match user.filter(|_| with_user) {
                        Some(u) => {
                            let id = match uid {
                                Some(id) => id,
                                None => self.src.users.id(u, uh.unwrap_or_else(|| hash(u))),
                            };
                            uid = Some(id);
                            Some(id).filter(|&i| i != NONE_U32)
                        }
                        None => None,
                    };
                    if id.is_some() || !with_user {
                        self.src.hold_again(idx, to, l, id);
                    }
                }
            }
        }
        if let Some(p) = port {
            scan = self.src.port(idx, &lim, p, t);
        }
        if !failure && !compromise && !scan {
            return;
        }
        // The login that followed the failures belongs to the attack window.
        if compromise {
            if let (Some(time), Some(w)) = (time, self.window.as_mut()) {
                w.last = w.last.max(time);
            }
        }
        if brute || spray || compromise || scan {
            let src = self.src.name(idx);
            self.source_findings(
                idx,
                &src,
                (brute, spray, compromise, scan),
                file,
                line,
                first_in_window,
                first_fail,
                failures,
                user,
            );
        }
        // distributed brute force: one user, many sources (nothing to do for a user
        // already reported)
        if failure {
            if let (Some(u), Some(uh)) = (user.filter(|u| !u.is_empty()), uh) {
                let slot = self.reported_users.get((uh as usize) % REPORTED_SLOTS);
                if slot.copied().flatten() != Some(uh) {
                    let id = uid.unwrap_or_else(|| self.src.users.id(u, uh));
                    self.user_failure(id, uh, idx, file, line, t);
                }
            }
        }
    }

    /// Keeps the user of source `idx`'s failure held inline as its id (`uid`, when it was
    /// looked up) in the source's `win`. Past 2^32 - 1 names (no id) the failure goes to
    /// windows now, as the next failure would take it there (it fires nothing alone).
    #[cold]
    #[inline(never)]
    fn hold_user(
        &mut self,
        idx: usize,
        uid: Option<u32>,
        user: Option<&[u8]>,
        uh: u64,
        t: i64,
        line: u64,
    ) {
        let id = match (uid, user) {
            (Some(id), _) => id,
            (None, Some(u)) => self.src.users.id(u, uh),
            (None, None) => NONE_U32,
        };
        let Some(s) = self.src.srcs.get_mut(idx) else {
            return;
        };
        if id == NONE_U32 {
            s.flags &= !F_PENDING;
            let lim = self.lim;
            self.src.fail(idx, &lim, 1, t, line, true, Some(uh));
        } else {
            s.flags |= F_PENDING_USER;
            s.win = id;
        }
    }

    /// A failure for user `id` (hash `uh`) from source `idx`: the distributed brute force.
    #[inline(never)]
    fn user_failure(&mut self, id: u32, uh: u64, idx: usize, file: u32, line: u64, t: i64) {
        if id == NONE_U32 {
            return;
        }
        let lim = self.lim;
        // The source's identity in the user's window: its index.
        let src = u32::try_from(idx).unwrap_or(NONE_U32);
        while self.dist.len() <= id as usize {
            self.dist.push(DIST_EMPTY);
        }
        let Some(d) = self.dist.get_mut(id as usize) else {
            return;
        };
        let fire = match d.set {
            // Once reported, the user's window is not read any more.
            REPORTED => {
                if let Some(slot) = self.reported_users.get_mut((uh as usize) % REPORTED_SLOTS) {
                    *slot = Some(uh);
                }
                return;
            }
            // One recent source at most, inline: what a `Recent` of it would do.
            NONE_U32 => {
                if d.src != NONE_U32 && t.saturating_sub(d.t) > lim.win {
                    d.src = NONE_U32;
                }
                if d.src == NONE_U32 || d.src == src {
                    d.src = src;
                    d.t = t;
                    // One source is under any threshold (at least 2).
                    false
                } else {
                    let mut r = Recent::default();
                    r.touch(d.src, d.t);
                    r.touch(src, t);
                    if r.len() >= lim.dist_n {
                        true
                    } else {
                        let k = match self.dist_free.pop() {
                            Some(k) => {
                                if let Some(slot) = self.dist_sets.get_mut(k as usize) {
                                    *slot = r;
                                }
                                k
                            }
                            None => {
                                self.dist_sets.push(r);
                                u32::try_from(self.dist_sets.len() - 1).unwrap_or(NONE_U32)
                            }
                        };
                        d.set = k;
                        false
                    }
                }
            }
            k => {
                let Some(r) = self.dist_sets.get_mut(k as usize) else {
                    return;
                };
                r.expire(t, lim.win);
                r.touch(src, t);
                if r.len() > lim.dist_cap {
                    r.remove_first();
                }
                let fire = r.len() >= lim.dist_n;
                if fire {
                    *r = Recent::default();
                    self.dist_free.push(k);
                }
                fire
            }
        };
        if fire {
            d.set = REPORTED;
            let name = self.src.users.names.get(id).to_vec();
            let ev = self.evidence(file, line);
            let th = &self.th;
            let detail = format!(
                "{} distinct sources within {} s",
                th.distributed_sources, th.window_secs
            );
            self.once("logs.distributed-brute-force", &name, |_| {
                Finding::new(
                    "logs.distributed-brute-force",
                    Severity::High,
                    "one user attacked from many sources (distributed brute force)",
                    &name,
                )
                .with_evidence(ev)
                .with_attack("T1110.001")
                .with_detail(detail)
            });
        }
    }

    /// The findings a source's event made (rare: once per source and kind).
    #[allow(clippy::too_many_arguments)]
    #[cold]
    #[inline(never)]
    fn source_findings(
        &mut self,
        idx: usize,
        src: &[u8],
        (brute, spray, compromise, scan): (bool, bool, bool, bool),
        file: u32,
        line: u64,
        first_in_window: Option<u64>,
        first_fail: Option<(u32, u64)>,
        failures: u64,
        user: Option<&[u8]>,
    ) {
        // Kept compact (32 bytes): made into findings at the end, only those that no
        // campaign summarises (a botnet's log has one per source).
        let pending = |kind, line, line2| Pending {
            kind,
            src: u32::try_from(idx).unwrap_or(NONE_U32),
            file,
            line,
            line2,
        };
        if brute {
            let i = u32::try_from(self.pending.len()).unwrap_or(NONE_U32);
            self.pending.push(pending(
                PendingKind::Brute,
                first_in_window.unwrap_or(line),
                line,
            ));
            let _ = i;
            if let Some(s) = self.src.srcs.get_mut(idx) {
                s.flags |= F_BRUTE;
            }
        }
        if spray {
            self.pending.push(pending(PendingKind::Spray, line, line));
            if let Some(s) = self.src.srcs.get_mut(idx) {
                s.flags |= F_SPRAY;
            }
        }
        if compromise {
            // One a source (`F_COMPROMISE`): kept as ids until the end (a botnet's log has
            // thousands, each a ~800-byte finding).
            let u = user.unwrap_or_default();
            let uid = self.src.users.id(u, hash(u));
            if uid != NONE_U32 {
                let (fail_file, fail_line) = first_fail.unwrap_or((NONE_U32, 0));
                self.compromises.push(Compromise {
                    src: u32::try_from(idx).unwrap_or(NONE_U32),
                    file,
                    line,
                    fail_file,
                    user: uid,
                    fail_line,
                    failures,
                });
                return self.scan_finding(idx, scan, file, line);
            }
            let ev = self.evidence(file, line);
            let ev0 = first_fail.map(|(f, l)| self.evidence(f, l));
            let u = user.unwrap_or_default().to_vec();
            self.once("logs.login-after-failures", src, |_| {
                let mut f = Finding::new("logs.login-after-failures", Severity::Critical, "successful login from a source after repeated failures: likely compromise", src)
                    .with_evidence(ev)
                    .with_attack("T1078")
                    .with_attack("T1110")
                    .with_detail(format!("login as {} after {failures} failed attempts (password guesses and invalid-user probes) from this source", ferret_core::escape::escape(&u)))
                    .with_remediation("treat the account as compromised: lock it, kill its sessions, rotate credentials, review what it did");
                if let Some(e0) = ev0 {
                    f = f.with_evidence(e0);
                }
                f
            });
        }
        self.scan_finding(idx, scan, file, line);
    }

    /// [`Detector::source_findings`]' port scan, kept compact.
    fn scan_finding(&mut self, idx: usize, scan: bool, file: u32, line: u64) {
        if scan {
            self.pending.push(Pending {
                kind: PendingKind::Scan,
                src: u32::try_from(idx).unwrap_or(NONE_U32),
                file,
                line,
                line2: line,
            });
            if let Some(s) = self.src.srcs.get_mut(idx) {
                s.flags |= F_SCAN;
            }
        }
    }

    /// A [`Compromise`] as its finding (`sources`: the table at the end).
    fn compromise_finding(&self, c: &Compromise, sources: &Sources) -> Finding {
        let src = sources.name(c.src as usize);
        let u = sources.users.get(c.user);
        let failures = c.failures;
        let mut f = Finding::new("logs.login-after-failures", Severity::Critical, "successful login from a source after repeated failures: likely compromise", src)
            .with_evidence(self.evidence(c.file, c.line))
            .with_attack("T1078")
            .with_attack("T1110")
            .with_detail(format!("login as {} after {failures} failed attempts (password guesses and invalid-user probes) from this source", ferret_core::escape::escape(u)))
            .with_remediation("treat the account as compromised: lock it, kill its sessions, rotate credentials, review what it did");
        if c.fail_file != NONE_U32 {
            f = f.with_evidence(self.evidence(c.fail_file, c.fail_line));
        }
        f
    }

    /// Whether a finding with this id and subject was made already.
    fn seen(&self, id: &str, subject: &[u8]) -> bool {
        self.seen.contains_key(&seen_key(id, subject))
    }

    /// A security agent's unit started or stopped: a stop is pending until a shutdown or a
    /// restart of the unit explains it, or the end (`logs.security-agent-stopped`).
    fn agent_service(&mut self, unit: &[u8], started: bool, file: u32, line: u64, t: i64) {
        let name = unit.strip_suffix(b".service").unwrap_or(unit);
        if !ferret_core::command::is_security_agent(name) {
            return;
        }
        if started {
            let grace = crate::audit::SHUTDOWN_GRACE_SECS * MICROS;
            self.agent_stops
                .retain(|s| !(s.unit == unit && s.t <= t && t - s.t <= grace));
            return;
        }
        if self.agent_stops.len() < MAX_AGENT_STOPS {
            self.agent_stops.push(AgentStop {
                unit: unit.to_vec(),
                user: None,
                file,
                line,
                t,
            });
        }
    }

    /// The agent stops no shutdown or restart explained, as findings.
    fn flush_agent_stops(&mut self) {
        for s in std::mem::take(&mut self.agent_stops) {
            if self.seen("logs.security-agent-stopped", &s.unit) {
                continue;
            }
            let ev = self.evidence(s.file, s.line);
            let by = s
                .user
                .as_deref()
                .map(|u| format!(" by {}", ferret_core::escape::escape(u)))
                .unwrap_or_default();
            self.once("logs.security-agent-stopped", &s.unit, |_| {
                Finding::new(
                    "logs.security-agent-stopped",
                    Severity::High,
                    "a security or logging agent was stopped",
                    &s.unit,
                )
                .with_evidence(ev)
                .with_attack("T1562.001")
                .with_detail(format!(
                    "the unit was stopped{by} and neither restarted nor stopped by a shutdown within {} s",
                    crate::audit::SHUTDOWN_GRACE_SECS
                ))
                .with_remediation("restart the agent, check it is intact, and find who stopped it (the commands around that time)")
            });
        }
    }

    /// Detections that do not depend on the source table (called only for the kinds
    /// [`Role::After`] and root's accepted logins). A finding already made is not built again.
    #[cold]
    #[inline(never)]
    fn after_source(
        &mut self,
        event: &EventKind<'_>,
        file: u32,
        line: u64,
        t: i64,
        time: Option<LogTime>,
    ) {
        let path = self
            .files
            .get(file as usize)
            .map_or(&b"-"[..], Vec::as_slice);
        let p = &mut self.privilege;
        match &event {
            EventKind::Sudo {
                user,
                runas,
                pwd,
                command,
                ..
            } => {
                p.sudo(
                    path,
                    line,
                    time,
                    user,
                    runas.as_deref(),
                    pwd.as_deref(),
                    command.as_deref(),
                    true,
                );
                return;
            }
            EventKind::SudoFailure {
                user,
                attempts,
                command,
            } => {
                p.sudo_failure(path, line, time, user, *attempts, command.as_deref());
                return;
            }
            EventKind::SudoNotInSudoers {
                user,
                runas,
                command,
            } => p.sudo(
                path,
                line,
                time,
                user,
                runas.as_deref(),
                None,
                command.as_deref(),
                false,
            ),
            EventKind::Su {
                success,
                user,
                target,
            } => {
                p.su(
                    path,
                    line,
                    time,
                    user.as_deref(),
                    target.as_deref(),
                    *success,
                );
                return;
            }
            EventKind::PamSession { user, by, .. } => {
                p.su(path, line, time, by.as_deref(), Some(user), true);
                return;
            }
            EventKind::UserAdded { name, uid, .. } => {
                let what = match uid {
                    Some(u) => format!("created (uid {u})"),
                    None => "created".to_owned(),
                };
                p.grant(path, line, time, name, what);
            }
            EventKind::GroupMember {
                user,
                group,
                added: true,
            } => p.group_added(path, line, time, user, group),
            EventKind::Service { unit, started, .. } => {
                self.agent_service(unit, *started, file, line, t);
                return;
            }
            EventKind::SystemPower { boot: false } => {
                // Agents stop when the system shuts down.
                let grace = crate::audit::SHUTDOWN_GRACE_SECS * MICROS;
                self.agent_stops.retain(|s| !(s.t <= t && t - s.t <= grace));
                return;
            }
            _ => {}
        }
        match &event {
            EventKind::SshAccepted {
                user, ip, method, ..
            } if &**user == b"root" => {
                if self.seen("logs.root-ssh-login", ip) {
                    return;
                }
                let ev = self.evidence(file, line);
                let m = ferret_core::escape::escape(method);
                let ipb = ip.to_vec();
                self.once("logs.root-ssh-login", &ipb, |_| {
                    Finding::new(
                        "logs.root-ssh-login",
                        Severity::High,
                        "root logged in over ssh",
                        &ipb,
                    )
                    .with_evidence(ev)
                    .with_attack("T1078.003")
                    .with_detail(format!("method {m}"))
                    .with_remediation("set PermitRootLogin no; log in as a user and use sudo")
                });
            }
            EventKind::UserAdded { name, uid, .. } => {
                if self.seen("logs.new-account", name) {
                    return;
                }
                let ev = self.evidence(file, line);
                let sev = if *uid == Some(0) {
                    Severity::Critical
                } else {
                    Severity::Medium
                };
                let n = name.to_vec();
                let uid = *uid;
                self.once("logs.new-account", &n, |_| {
                    Finding::new("logs.new-account", sev, "a user account was created", &n)
                        .with_evidence(ev)
                        .with_attack("T1136.001")
                        .with_detail(match uid {
                            Some(u) => format!("uid {u}"),
                            None => "uid unknown".into(),
                        })
                        .with_remediation("confirm the account was created by an administrator; otherwise lock and investigate")
                });
            }
            EventKind::GroupMember {
                user,
                group,
                added: true,
            } if is_privileged_group(group) => {
                let u = user.to_vec();
                let mut subj = u.clone();
                subj.push(b':');
                subj.extend_from_slice(group);
                if self.seen("logs.privileged-group-add", &subj) {
                    return;
                }
                let ev = self.evidence(file, line);
                let g = ferret_core::escape::escape(group);
                self.once("logs.privileged-group-add", &subj, |_| {
                    Finding::new(
                        "logs.privileged-group-add",
                        Severity::High,
                        "a user was added to a privileged group",
                        &u,
                    )
                    .with_evidence(ev)
                    .with_attack("T1098")
                    .with_detail(format!("group {g}"))
                });
            }
            EventKind::SudoNotInSudoers { user, command, .. } => {
                if self.seen("logs.sudo-not-in-sudoers", user) {
                    return;
                }
                let ev = self.evidence(file, line);
                let u = user.to_vec();
                let c = command
                    .as_deref()
                    .map(ferret_core::escape::escape)
                    .unwrap_or_default();
                self.once("logs.sudo-not-in-sudoers", &u, |_| {
                    Finding::new(
                        "logs.sudo-not-in-sudoers",
                        Severity::Medium,
                        "sudo attempted by a user not in sudoers",
                        &u,
                    )
                    .with_evidence(ev)
                    .with_attack("T1548.003")
                    .with_detail(format!("command {c}"))
                });
            }
            EventKind::FsError { device, .. } => {
                let lim = self.lim;
                let th = self.th.clone();
                self.fs_times.push_back(t);
                while self.fs_times.len() > lim.fs_n {
                    self.fs_times.pop_front();
                }
                if !self.fs_reported
                    && self.fs_times.len() >= lim.fs_n
                    && self
                        .fs_times
                        .front()
                        .is_some_and(|t0| t.saturating_sub(*t0) <= lim.fs_win)
                {
                    self.fs_reported = true;
                    let ev = self.evidence(file, line);
                    let d = device.as_deref().unwrap_or(b"-").to_vec();
                    self.once("logs.fs-errors", &d, |_| {
                        Finding::new("logs.fs-errors", Severity::Medium, "repeated filesystem or I/O errors", &d)
                            .with_evidence(ev)
                            .with_detail(format!("{} errors within {} s", th.fs_errors, th.fs_window_secs))
                            .with_remediation("check the disk (smartctl) and image it before it degrades further; errors can also hide tampering")
                    });
                }
            }
            EventKind::AuditTamper { what, user } => {
                let subj = user.as_deref().unwrap_or(b"auditd").to_vec();
                if self.seen("logs.audit-tampering", &subj) {
                    return;
                }
                let ev = self.evidence(file, line);
                let w = ferret_core::escape::escape(what);
                self.once("logs.audit-tampering", &subj, |_| {
                    Finding::new(
                        "logs.audit-tampering",
                        Severity::High,
                        "auditing was disabled or its rules removed",
                        &subj,
                    )
                    .with_evidence(ev)
                    .with_attack("T1562.012")
                    .with_detail(w)
                    .with_remediation("compare the loaded rules (auditctl -l) with /etc/audit/rules.d; find who changed them and what happened while auditing was off")
                });
            }
            EventKind::Promiscuous {
                device, on: true, ..
            } => {
                if self.seen("logs.promiscuous", device) {
                    return;
                }
                let ev = self.evidence(file, line);
                let d = device.to_vec();
                self.once("logs.promiscuous", &d, |_| {
                    Finding::new(
                        "logs.promiscuous",
                        Severity::Medium,
                        "a network device was put in promiscuous mode (packet capture)",
                        &d,
                    )
                    .with_evidence(ev)
                    .with_attack("T1040")
                    .with_remediation(
                        "find the capturing process (tcpdump, a sniffer) and what it captured",
                    )
                });
            }
            EventKind::ModuleTaint { module, reason } => {
                if self.seen("logs.module-taint", module) {
                    return;
                }
                let ev = self.evidence(file, line);
                let m = module.to_vec();
                let r = ferret_core::escape::escape(reason);
                self.once("logs.module-taint", &m, |_| {
                    Finding::new(
                        "logs.module-taint",
                        Severity::Medium,
                        "an unsigned or out-of-tree kernel module was loaded",
                        &m,
                    )
                    .with_evidence(ev)
                    .with_attack("T1547.006")
                    .with_detail(r)
                });
            }
            _ => {}
        }
    }

    /// [`Detector::observe_event`] for an event that happened `times` times at one line (see
    /// [`Detector::observe`]). `again`: each of the `times` repeats an earlier line's event
    /// (`last message repeated N times`); otherwise the first is the line's own.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn observe_repeated(
        &mut self,
        line: u64,
        time: Option<LogTime>,
        pid: Option<u32>,
        sshd: bool,
        event: &EventKind<'_>,
        times: u64,
        again: bool,
    ) {
        let times = times.max(1);
        let th = &self.th;
        let most = th
            .failures
            .max(th.success_after_failures)
            .max(th.fs_errors)
            .max(1);
        let one_by_one = times.min((u64::from(most) + 1).min(4096));
        for i in 0..one_by_one {
            self.observe_one(line, time, pid, sshd, event, again || i > 0);
        }
        let extra = times - one_by_one;
        if extra > 0 {
            self.add_repeats(pid, sshd, event, extra);
        }
    }

    /// Counted increments for `extra` more repeats of the event just observed.
    fn add_repeats(&mut self, pid: Option<u32>, sshd: bool, event: &EventKind<'_>, extra: u64) {
        if let Some(c) = self.counts.get_mut(event.index()) {
            *c = c.saturating_add(extra);
        }
        let f = Facts::of(event);
        let hostile = u64::from(f.hostile);
        // The event was just observed: the current hour is its hour (when it has a time).
        if let Some((_, e, x)) = &mut self.cur_hour {
            if self.last_time.is_some() {
                *e = e.saturating_add(extra);
                *x = x.saturating_add(hostile * extra);
            }
        }
        // The source the observation used: its own, or its sshd session's.
        let sess = pid
            .filter(|_| sshd)
            .and_then(|p| self.sessions.pids.get(&p));
        let idx = match f.source {
            Some(src) => self.src.find(src),
            None if f.takes_source => sess.and_then(|s| s.ip).map(SrcRef::get),
            None => None,
        };
        let Some(s) = idx.and_then(|i| self.src.srcs.get_mut(i)) else {
            return;
        };
        add32(&mut s.events, extra);
        add32(&mut s.hostile, hostile * extra);
        match f.attempt {
            Some(Attempt::Guess | Attempt::PamGuess) => add32(&mut s.failures, extra),
            Some(Attempt::KeyOffer) => add32(&mut s.publickey, extra),
            Some(Attempt::Probe) => add32(&mut s.probes, extra),
            _ => {}
        }
        if f.role == Role::Accepted {
            add32(&mut s.successes, extra);
        }
    }

    /// Flags a repeat line whose count was over [`crate::event::MAX_REPEAT`] (capped to it):
    /// a hostile or corrupt `message repeated N times` line.
    pub fn repeat_capped(&mut self, line: u64) {
        let file = self.file;
        let ev = self.evidence(file, line);
        let p = self.files.get(file as usize).cloned().unwrap_or_default();
        self.once("logs.repeat-capped", &p, |_| {
            Finding::new(
                "logs.repeat-capped",
                Severity::Low,
                "a syslog repeat count over the cap was capped",
                &p,
            )
            .with_evidence(ev)
            .with_detail(format!(
                "`message repeated N times` with N over {}: counted as {0}",
                crate::event::MAX_REPEAT
            ))
        });
    }

    /// Flags an absurdly long line (possible log flooding or evasion).
    pub fn long_line(&mut self, line: u64, len: usize) {
        let file = self.file;
        let ev = self.evidence(file, line);
        let p = self.files.get(file as usize).cloned().unwrap_or_default();
        self.once("logs.overlong-line", &p, |_| {
            Finding::new(
                "logs.overlong-line",
                Severity::Low,
                "an overlong log line was truncated",
                &p,
            )
            .with_evidence(ev)
            .with_detail(format!(
                "{len} bytes or more; lines are capped, the rest is skipped"
            ))
        });
    }

    /// Ends the stream: findings (sorted), counts, per-source timeline, histogram, window.
    pub fn finish(self) -> DetectorResult {
        let mut r = self.finish_pending();
        let pending = std::mem::take(&mut r.pending);
        let make = Materialise {
            th: &r.th,
            files: &r.files,
            sources: &r.sources,
        };
        let mut more: Vec<Finding> = pending.iter().map(|p| make.finding(p)).collect();
        r.findings.append(&mut more);
        Finding::sort(&mut r.findings);
        r
    }

    /// [`Detector::finish`] with the per-source findings of the detections campaigns summarise
    /// left compact in `DetectorResult::pending` (not in `findings`).
    pub(crate) fn finish_pending(mut self) -> DetectorResult {
        self.flush_agent_stops();
        if let Some((h, e, x)) = self.cur_hour.take() {
            let b = self.hours.entry(h).or_default();
            b.0 += e;
            b.1 += x;
        }
        // The compact entries replace the table chunk by chunk (the windows and the line-path
        // fields go first): the peak is the table's, not the table's and a copy's.
        let SourceTable {
            srcs,
            long_names,
            users,
            more_users,
            index,
            long,
            windows,
            free_windows,
            rings,
            times,
            wide_times,
            ..
        } = std::mem::take(&mut self.src);
        drop((windows, free_windows, rings));
        // The per-user windows go too: what follows is the result.
        drop((
            std::mem::take(&mut self.dist),
            std::mem::take(&mut self.dist_sets),
            std::mem::take(&mut self.dist_free),
        ));
        let mut entries = Vec::with_capacity(srcs.chunks.len());
        for (c, chunk) in srcs.chunks.into_iter().enumerate() {
            let mut out = Vec::with_capacity(chunk.len());
            out.extend(chunk.into_iter().enumerate().map(|(k, s)| {
                let (first, last) = if s.has(F_WIDE) {
                    wide_times
                        .get(&idx_key(c * CHUNK + k))
                        .copied()
                        .unwrap_or((i64::MAX, i64::MIN))
                } else if s.first <= s.last {
                    (times.get(s.first), times.get(s.last))
                } else {
                    (i64::MAX, i64::MIN)
                };
                sources::Entry {
                    name: sources::Entry::name_from(&s.key),
                    first,
                    last,
                    events: s.events,
                    hostile: s.hostile,
                    failures: s.failures,
                    successes: s.successes,
                    probes: s.probes,
                    publickey: s.publickey,
                    users: s.users,
                    n_users: s.n_users,
                }
            }));
            entries.push(out);
        }
        let mut sources = Sources {
            entries,
            long_names,
            long,
            index,
            users: {
                let mut n = users.names;
                n.shrink();
                n
            },
            more_users,
            order: Vec::new(),
        };
        sources.sort();
        let accepted = self
            .accepted
            .iter()
            .map(|a| Accepted {
                time: (a.file & TIMED != 0).then_some(LogTime(a.t)),
                user: sources.users.get(a.user).to_vec(),
                source: if a.src == NONE_U32 {
                    Vec::new()
                } else {
                    sources.name(a.src as usize).to_vec()
                },
                method: self.methods.names.get(a.method).to_vec(),
                evidence: self.evidence(a.file & !TIMED, a.line),
            })
            .collect();
        let compromises = std::mem::take(&mut self.compromises);
        let made: Vec<Finding> = compromises
            .iter()
            .map(|c| self.compromise_finding(c, &sources))
            .collect();
        drop(compromises);
        let mut findings = self.findings;
        findings.extend(made);
        let (more, elevations, elevations_omitted) = self.privilege.finish(self.window);
        findings.extend(more);
        Finding::sort(&mut findings);
        DetectorResult {
            pending: self.pending,
            files: self.files,
            th: self.th,
            accepted,
            accepted_dropped: self.accepted_dropped,
            events: EventKind::NAMES
                .iter()
                .zip(self.counts)
                .filter(|(_, c)| *c > 0)
                .map(|(n, c)| ((*n).to_string(), c))
                .collect(),
            sources,
            hours: self
                .hours
                .into_iter()
                .map(|(h, (e, x))| HourBucket {
                    hour: LogTime::from_secs(h * 3600),
                    events: e,
                    hostile: x,
                })
                .collect(),
            window: self.window,
            findings,
            timeline: self.notable.events,
            timeline_dropped: self.notable.dropped,
            elevations,
            elevations_omitted,
        }
    }
}

/// The result of [`Detector::finish`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DetectorResult {
    /// Event counts by kind name.
    pub events: BTreeMap<String, u64>,
    /// Every source, most failures first.
    pub sources: Sources,
    /// Per-hour histogram.
    pub hours: Vec<HourBucket>,
    /// First to last hostile event.
    pub window: Option<Window>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Notable events kept for a timeline ([`Detector::keep_timeline`]), in file order.
    pub timeline: Vec<TimelineEvent>,
    /// Notable events past the cap.
    pub timeline_dropped: u64,
    /// The latest accepted ssh logins, in order (at most [`MAX_ACCEPTED`]).
    pub accepted: Vec<Accepted>,
    /// Accepted logins left out of `accepted` (older than the ones kept).
    pub accepted_dropped: u64,
    /// Commands run through sudo and su sessions, in log order (at most
    /// [`MAX_ELEVATIONS`]).
    pub elevations: Vec<Elevation>,
    /// Elevations past [`MAX_ELEVATIONS`], counted only.
    pub elevations_omitted: u64,
    /// `Detector::finish_pending`: the per-source findings not made yet.
    pub(crate) pending: Vec<Pending>,
    /// The files read, by number (the pending findings' evidence).
    pub(crate) files: Vec<Vec<u8>>,
    pub(crate) th: Thresholds,
}

/// A per-source finding of a detection that campaigns summarise ([`crate::campaign::SUMMARISED`]),
/// kept as 32 bytes until the end: a botnet's log has one per source, and those a campaign
/// folds are never made.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    pub(crate) kind: PendingKind,
    /// The source's index in [`Sources`].
    pub(crate) src: u32,
    pub(crate) file: u32,
    /// The evidence lines (brute force: the window's first failure and the last).
    pub(crate) line: u64,
    pub(crate) line2: u64,
}

/// A login-after-failures finding as the detector keeps it until the end (40 bytes): the
/// source by its index, the user by its id (the empty name when the login named none), the login's
/// line and the first failure's (`fail_file` `NONE_U32`: none).
#[derive(Debug, Clone, Copy)]
struct Compromise {
    src: u32,
    file: u32,
    line: u64,
    fail_file: u32,
    user: u32,
    fail_line: u64,
    failures: u64,
}

/// The detection of a [`Pending`] finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PendingKind {
    Brute,
    Spray,
    Scan,
}

impl PendingKind {
    /// The finding id.
    pub(crate) fn id(self) -> &'static str {
        match self {
            PendingKind::Brute => "logs.brute-force",
            PendingKind::Spray => "logs.password-spraying",
            PendingKind::Scan => "logs.port-scan",
        }
    }
}

/// Makes [`Pending`] findings into findings (what the detector made at the event, with the
/// source's totals in a brute force's detail).
pub(crate) struct Materialise<'a> {
    pub(crate) th: &'a Thresholds,
    pub(crate) files: &'a [Vec<u8>],
    pub(crate) sources: &'a Sources,
}

impl Materialise<'_> {
    fn evidence(&self, file: u32, line: u64) -> Evidence {
        let p = self
            .files
            .get(file as usize)
            .map_or(&b"-"[..], Vec::as_slice);
        Evidence::line(p, line)
    }

    pub(crate) fn finding(&self, p: &Pending) -> Finding {
        let th = self.th;
        let src = self.sources.name(p.src as usize);
        match p.kind {
            PendingKind::Brute => {
                let mut f = Finding::new(
                    "logs.brute-force",
                    Severity::High,
                    "brute-force authentication attempts from one source",
                    src,
                )
                .with_evidence(self.evidence(p.file, p.line))
                .with_evidence(self.evidence(p.file, p.line2))
                .with_attack("T1110.001")
                .with_remediation(
                    "block the source (firewall / fail2ban) and check for a successful login from it",
                );
                let s = self.sources.at(p.src as usize);
                f.detail = Some(format!(
                    "{} failed password guesses, {} invalid-user probes, {} refused keys in total ({} users), {} successes; first {} last {}; threshold {} within {} s",
                    s.failures,
                    s.probes,
                    s.publickey,
                    s.users.len(),
                    s.successes,
                    s.first.map(|t| t.to_string()).unwrap_or_default(),
                    s.last.map(|t| t.to_string()).unwrap_or_default(),
                    th.failures,
                    th.window_secs
                ));
                f
            }
            PendingKind::Spray => Finding::new(
                "logs.password-spraying",
                Severity::High,
                "many user names tried from one source (password spraying)",
                src,
            )
            .with_evidence(self.evidence(p.file, p.line))
            .with_attack("T1110.003")
            .with_detail(format!(
                "{} distinct users within {} s",
                th.spray_users, th.window_secs
            ))
            .with_remediation("block the source; disable password authentication for ssh"),
            PendingKind::Scan => Finding::new(
                "logs.port-scan",
                Severity::Medium,
                "many destination ports probed by one source (port scan)",
                src,
            )
            .with_evidence(self.evidence(p.file, p.line))
            .with_attack("T1046")
            .with_detail(format!(
                "{} distinct destination ports within {} s",
                th.portscan_ports, th.portscan_window_secs
            )),
        }
    }
}

mod privilege;
pub use privilege::{Elevation, Via, MAX_ELEVATIONS};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod scale_tests;
