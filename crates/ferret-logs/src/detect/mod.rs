//! Streaming detections and the timeline.
//!
//! The [`Detector`] consumes events in file order and keeps state bounded by the number of
//! distinct sources and users (never by the number of lines): per source the last `N`
//! failure times, a small set of recent user hashes and destination ports; per user a small
//! set of recent sources. Every detection is a sliding window over event time.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use ferret_core::groups::is_privileged_group;
use ferret_core::{Evidence, Finding, Severity};

use crate::bytes::{load_le, same_bytes};
use crate::event::EventKind;
use crate::time::LogTime;

/// Detection thresholds. Defaults follow fail2ban (5 failures in 10 minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Thresholds {
    /// Failures from one source within `window_secs` that make a brute force.
    pub failures: u32,
    /// The sliding window for failures, spraying and distributed attacks (seconds).
    pub window_secs: i64,
    /// Distinct user names from one source within the window that make a spray.
    pub spray_users: u32,
    /// Distinct sources failing on one user within the window (distributed brute force).
    pub distributed_sources: u32,
    /// Failures from a source before a success from it that make the success critical.
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
                let a = *invalid_user || &**method != b"publickey";
                f(Some(ip), Some(user), a, a, false, Other)
            }
            E::SshAccepted { user, ip, .. } => {
                f(Some(ip), Some(user), false, false, false, Role::Accepted)
            }
            E::SshInvalidUser { user, ip, .. } => {
                f(ip.as_deref(), Some(user), true, true, ip.is_none(), Other)
            }
            E::SshUserNotAllowed { user, ip, .. } => {
                f(ip.as_deref(), Some(user), true, true, false, Other)
            }
            E::SshRootRefused { ip } => f(Some(ip), None, true, true, false, Other),
            E::SshPamFailure { user, ip } => f(Some(ip), Some(user), true, true, false, Other),
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
                f(rhost, user, a, a, false, role)
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
                    | E::FsError { .. }
                    | E::ModuleTaint { .. } => true,
                    E::GroupMember {
                        group, added: true, ..
                    } => is_privileged_group(group),
                    _ => false,
                };
                f(
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

/// Key of the source table: a name of up to 31 bytes inline, zero-padded, its length in the
/// last byte (no pointer to follow, four word compares). Longer names have their own table.
#[derive(Debug, Clone, Copy, Eq)]
struct SrcKey([u64; 4]);

impl PartialEq for SrcKey {
    /// Word by word: the key is built in registers or stored as words, and a 16-byte vector
    /// load of two 8-byte stores would wait for the stores to retire.
    #[inline]
    fn eq(&self, o: &Self) -> bool {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = o.0;
        ((a ^ e) | (b ^ f) | (c ^ g) | (d ^ h)) == 0
    }
}

impl std::hash::Hash for SrcKey {
    #[inline]
    fn hash<H: Hasher>(&self, h: &mut H) {
        // The four words multiplied side by side (not one after the other): a short
        // dependency chain before the table's probe.
        let [a, b, c, d] = self.0;
        let m = (a.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ b.wrapping_mul(0xc2b2_ae3d_27d4_eb4f))
            ^ (c.wrapping_mul(0x1656_67b1_9e37_79f9) ^ d.wrapping_mul(FX_K));
        h.write_u64(m);
    }
}

impl SrcKey {
    /// Equal to no key of a name (its length byte is 255): a long name's.
    const NONE: SrcKey = SrcKey([0, 0, 0, u64::MAX]);

    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn new(b: &[u8]) -> Option<Self> {
        let n = b.len();
        if n >= 32 {
            return None;
        }
        let word = |k: usize| load_le(b.get(k..).unwrap_or_default());
        let len = (n as u64) << 56;
        let w = if n <= 8 {
            [word(0), 0, 0, len]
        } else if n <= 16 {
            [word(0), word(8), 0, len]
        } else {
            [word(0), word(8), word(16), len | word(24)]
        };
        Some(SrcKey(w))
    }
}

/// The sources: names to indexes, and each source's state (hot and cold parts).
#[derive(Debug, Default)]
struct SourceTable {
    /// Names of up to 31 bytes -> index in `hot`/`cold`.
    index: FxMap<SrcKey, usize>,
    /// Longer names -> index.
    long: FxMap<Box<[u8]>, usize>,
    hot: Vec<SourceHot>,
    cold: Vec<SourceCold>,
}

impl SourceTable {
    /// The index of `src` (`key`: its inline key, when it has one), added when new.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn idx(&mut self, src: &[u8], key: Option<SrcKey>) -> usize {
        let found = match &key {
            Some(k) => self.index.get(k),
            None => self.long.get(src),
        };
        match found {
            Some(&i) => i,
            None => self.add(src, key),
        }
    }

    /// The index of `src`, if it is there.
    fn find(&self, src: &[u8]) -> Option<usize> {
        match SrcKey::new(src) {
            Some(k) => self.index.get(&k).copied(),
            None => self.long.get(src).copied(),
        }
    }

    #[cold]
    #[inline(never)]
    fn add(&mut self, src: &[u8], key: Option<SrcKey>) -> usize {
        let i = self.hot.len();
        match key {
            Some(k) => {
                self.index.insert(k, i);
            }
            None => {
                self.long.insert(src.into(), i);
            }
        }
        self.hot.push(SourceHot {
            key: key.unwrap_or(SrcKey::NONE),
            events: 0,
            hostile: 0,
            first: i64::MAX,
            last: i64::MIN,
            failures: 0,
            successes: 0,
            brute: None,
            failed: false,
            spray: false,
            scan: false,
            compromise: false,
            users_full: false,
        });
        self.cold.push(SourceCold {
            ip: src.into(),
            ip_hash: hash(src),
            ..SourceCold::default()
        });
        i
    }

    /// Whether source `r` has the inline key `k` (the session's source is the event's).
    #[inline]
    fn is(&self, r: SrcRef, k: &SrcKey) -> bool {
        self.hot.get(r.get()).is_some_and(|s| s.key == *k)
    }
}

/// A source's index in the detector's table as its sessions keep it (4 bytes, `None` free).
#[derive(Debug, Clone, Copy)]
struct SrcRef(std::num::NonZeroU32);

impl SrcRef {
    /// `None` past 2^32 - 1 sources (never: each costs well over 100 bytes).
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

/// The per-event part of a source's state: counters, times and which findings it has.
#[derive(Debug)]
// Two cache lines: what every event of the source touches (key, counts, times), then what
// failures and findings touch.
#[repr(C, align(64))]
struct SourceHot {
    /// The name's inline key (`SrcKey::NONE` for a long name).
    key: SrcKey,
    events: u64,
    hostile: u64,
    /// First and last event time: `first > last` until the first timed event (`i64::MAX`,
    /// `i64::MIN`; any time makes `first <= last`).
    first: i64,
    last: i64,
    failures: u64,
    successes: u64,
    /// Index of its brute-force finding.
    brute: Option<usize>,
    /// A failure was seen (`first_failure_line` is set).
    failed: bool,
    spray: bool,
    scan: bool,
    compromise: bool,
    /// `MAX_USERS_KEPT` user names kept: the list is not looked at any more.
    users_full: bool,
}

/// The rest of a source's state, read while a detection can still fire or a user is new.
#[derive(Debug, Default)]
struct SourceCold {
    ip: Box<[u8]>,
    ip_hash: u64,
    users: Vec<Vec<u8>>,
    /// `hash` of each of `users`.
    user_hashes: Vec<u64>,
    /// The last failures (time, line), kept until the brute force is found.
    fail_times: VecDeque<(i64, u64)>,
    /// Kept until the spraying is found.
    recent_users: Recent<u64>,
    /// Kept until the port scan is found.
    ports: Recent<u16>,
    first_failure_line: Option<(u32, u64)>,
}

impl SourceCold {
    /// A failure's part in the brute-force window (`brute`: not found yet) and the spraying
    /// window (`spray_uh`: the user's hash, when not found yet): whether each fires now, and
    /// the line of the first failure in the brute-force window.
    #[inline(never)]
    fn fail_windows(
        &mut self,
        lim: &Limits,
        n_fail: u32,
        t: i64,
        line: u64,
        brute: bool,
        spray_uh: Option<u64>,
    ) -> (bool, bool, Option<u64>) {
        let (mut b, mut s, mut first) = (false, false, None);
        if brute {
            for _ in 0..n_fail.min(lim.fail_n as u32) {
                self.fail_times.push_back((t, line));
            }
            while self.fail_times.len() > lim.fail_n {
                self.fail_times.pop_front();
            }
            if self.fail_times.len() >= lim.fail_n {
                if let Some(&(t0, l0)) = self.fail_times.front() {
                    if t.saturating_sub(t0) <= lim.win {
                        b = true;
                        first = Some(l0);
                    }
                }
            }
        }
        if let Some(uh) = spray_uh {
            self.recent_users.expire(t, lim.win);
            self.recent_users.touch(uh, t);
            if self.recent_users.len() >= lim.spray_n {
                s = true;
            }
            if self.recent_users.len() > lim.spray_cap {
                self.recent_users.remove_first();
            }
        }
        (b, s, first)
    }

    /// A destination port in the port-scan window: whether the scan fires now.
    #[inline(never)]
    fn port_window(&mut self, lim: &Limits, p: u16, t: i64) -> bool {
        self.ports.expire(t, lim.ports_win);
        self.ports.touch(p, t);
        let scan = self.ports.len() >= lim.ports_n;
        if self.ports.len() > lim.ports_cap {
            self.ports.remove_first();
        }
        scan
    }
}

#[derive(Debug, Default)]
struct UserState {
    name: Vec<u8>,
    recent_sources: Recent<u64>,
    reported: bool,
}

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
}

/// Keys last seen at a time, in insertion order: the sliding-window sets (users per source,
/// ports per source, sources per user). `oldest`/`newest` bound the times held, so the
/// window's expiry scans the set only when something can have expired.
#[derive(Debug)]
struct Recent<K> {
    items: Vec<(K, i64)>,
    oldest: i64,
    newest: i64,
}

impl<K> Default for Recent<K> {
    fn default() -> Self {
        Recent {
            items: Vec::new(),
            oldest: i64::MAX,
            newest: i64::MIN,
        }
    }
}

impl<K: PartialEq> Recent<K> {
    /// Drops the keys last seen more than `win` before `t`.
    #[inline]
    fn expire(&mut self, t: i64, win: i64) {
        // Every held time is in [oldest, newest]: when neither difference overflows and the
        // oldest is in the window, nothing expires (the scan below would keep everything).
        if self.items.is_empty()
            || (t.checked_sub(self.newest).is_some()
                && t.checked_sub(self.oldest).is_some_and(|d| d <= win))
        {
            return;
        }
        self.items.retain(|(_, at)| t.saturating_sub(*at) <= win);
        self.oldest = self.items.iter().map(|x| x.1).min().unwrap_or(i64::MAX);
        self.newest = self.items.iter().map(|x| x.1).max().unwrap_or(i64::MIN);
    }

    /// Marks `k` seen at `t` (added at the end when new).
    #[inline]
    fn touch(&mut self, k: K, t: i64) {
        match self.items.iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 = t,
            None => self.items.push((k, t)),
        }
        self.oldest = self.oldest.min(t);
        self.newest = self.newest.max(t);
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    /// Drops the key added first (the set is over its cap).
    fn remove_first(&mut self) {
        if !self.items.is_empty() {
            self.items.remove(0);
        }
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

/// What one source did, for the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct SourceSummary {
    /// The address or host name (escaped).
    pub ip: String,
    /// Authentication failures.
    pub failures: u64,
    /// Successful logins.
    pub successes: u64,
    /// Hostile events of any kind (failures, scans, firewall drops).
    pub hostile: u64,
    /// Events naming this source.
    pub events: u64,
    /// The first user names seen from this source (at most 16, escaped).
    pub users: Vec<String>,
    /// First event time.
    pub first: Option<LogTime>,
    /// Last event time.
    pub last: Option<LogTime>,
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

/// One sshd session: small and allocation-free (the detector's is 16 bytes; sshd starts a
/// new pid for nearly every connection, so this table is written on most lines).
#[derive(Debug, Clone)]
struct Session<I> {
    ip: Option<I>,
    hostless: u32,
    pam: u32,
    max_attempts: bool,
    /// The session has PAM user hashes in [`PidSessions::pam_users`].
    has_pam_users: bool,
}

impl<I> Default for Session<I> {
    fn default() -> Self {
        Session {
            ip: None,
            hostless: 0,
            pam: 0,
            max_attempts: false,
            has_pam_users: false,
        }
    }
}

/// What session resolution adds to an event.
#[derive(Debug)]
pub(crate) struct Resolution<I> {
    fill: Option<I>,
    deferred: u32,
    user_switch: bool,
    duplicate: bool,
}

impl<I> Resolution<I> {
    const NONE: Self = Resolution {
        fill: None,
        deferred: 0,
        user_switch: false,
        duplicate: false,
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
        Resolved {
            event,
            deferred: r.deferred,
            user_switch: r.user_switch,
            duplicate: r.duplicate,
        }
    }
}

impl<I: Copy> PidSessions<I> {
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

/// One event of session `pid` (its state `sess`): see [`Sessions`].
#[allow(clippy::inline_always)]
#[inline(always)]
fn resolve_in<I: Copy>(
    sess: &mut Session<I>,
    pam_users: &mut FxMap<u32, Vec<u64>>,
    pid: u32,
    f: &Facts<'_>,
    named: bool,
    key: Option<I>,
) -> Resolution<I> {
    let mut r = Resolution::NONE;
    if named {
        sess.ip = key;
    } else {
        match &sess.ip {
            Some(ip) => r.fill = Some(*ip),
            None => {
                if f.auth_failure {
                    sess.hostless = sess.hostless.saturating_add(1);
                }
                return r;
            }
        }
    }
    let mut deferred = std::mem::take(&mut sess.hostless);
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
                deferred = deferred.saturating_add(sess.pam).saturating_add(1);
                sess.pam = 0;
            }
            if !known && users.len() < 16 {
                users.push(uh);
            }
            sess.has_pam_users = true;
        }
        Role::Accepted => {
            if sess.has_pam_users {
                let users = pam_users.remove(&pid).unwrap_or_default();
                if !users.is_empty() && !users.contains(&user_hash()) {
                    deferred = deferred.saturating_add(sess.pam);
                    r.user_switch = true;
                }
                sess.has_pam_users = false;
            }
            sess.pam = 0;
        }
        Role::MaxAuth => {
            sess.max_attempts = true;
            sess.pam = 0;
        }
        Role::TooMany if sess.max_attempts => {
            r.duplicate = true;
        }
        // A failure line of its own stands for the PAM failure before it.
        _ if f.auth_failure => sess.pam = 0,
        Role::Closed => {
            sess.pam = 0;
            if sess.has_pam_users {
                pam_users.remove(&pid);
                sess.has_pam_users = false;
            }
            sess.max_attempts = false;
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
    users: FxMap<u64, UserState>,
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
    seen: FnvMap<u64, usize>,
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
            src: SourceTable::default(),
            users: FxMap::default(),
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
            seen: FnvMap::default(),
            th,
        }
    }

    /// Starts a new file: evidence from now on names `path`. Session (pid) state is reset.
    pub fn begin_file(&mut self, path: &[u8]) {
        self.files.push(path.to_vec());
        self.file = (self.files.len() - 1) as u32;
        self.sessions.clear();
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
        self.observe_one(line, time, pid, sshd, event);
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
    ) {
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
                Resolution::NONE,
            ),
        };
        let fill = r.fill.filter(|_| f.takes_source).map(SrcRef::get);
        let (deferred, duplicate) = (r.deferred, r.duplicate);
        if let Some(c) = self.counts.get_mut(event.index()) {
            *c += 1;
        }
        if let Some(time) = time {
            self.hour_and_window(time, f.hostile);
        }
        let file = self.file;
        if let Some(idx) = own_idx.or(fill) {
            self.source_event(idx, &f, file, line, time, deferred, duplicate);
        }
        if f.role == Role::After || (f.role == Role::Accepted && f.user == Some(&b"root"[..])) {
            self.after_source(event, file, line, t);
        }
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
        deferred: u32,
        duplicate: bool,
    ) {
        let lim = &self.lim;
        let t = time.map_or(0, |t| t.0);
        let n_fail = u32::from(f.auth_failure && !duplicate).saturating_add(deferred);
        let failure = n_fail > 0;
        let user = f.user;
        let (Some(s), Some(c)) = (self.src.hot.get_mut(idx), self.src.cold.get_mut(idx)) else {
            return;
        };
        // The user's hash serves the user list (until full) and the failure windows.
        let uh = user.filter(|_| failure || !s.users_full).map(hash);
        s.events += 1;
        s.hostile += u64::from(f.hostile);
        if let Some(time) = time {
            s.first = s.first.min(time.0);
            s.last = s.last.max(time.0);
        }
        if !s.users_full {
            if let (Some(u), Some(uh)) = (user.filter(|u| !u.is_empty()), uh) {
                // Hashes first: a user name is compared only when its hash matches.
                if !c
                    .user_hashes
                    .iter()
                    .zip(&c.users)
                    .any(|(h, x)| *h == uh && same_bytes(x, u))
                {
                    c.users.push(u.to_vec());
                    c.user_hashes.push(uh);
                    s.users_full = c.users.len() >= MAX_USERS_KEPT;
                }
            }
        }
        // New findings, made in this order: brute force, spraying, compromise, scan. A
        // window is kept only until its finding is made (nothing reads it afterwards).
        let (mut brute, mut spray, mut compromise, mut scan) = (false, false, false, false);
        let mut first_in_window = None;
        if failure {
            s.failures += u64::from(n_fail);
            if !s.failed {
                s.failed = true;
                c.first_failure_line = Some((file, line));
            }
            let spray_uh = uh.filter(|_| !s.spray);
            if s.brute.is_none() || spray_uh.is_some() {
                (brute, spray, first_in_window) =
                    c.fail_windows(lim, n_fail, t, line, s.brute.is_none(), spray_uh);
            }
        }
        if f.role == Role::Accepted {
            s.successes += 1;
            if !s.compromise && (s.failures >= lim.success_after || s.brute.is_some() || s.spray) {
                s.compromise = true;
                compromise = true;
            }
        }
        if let Role::Port(p) = f.role {
            if !s.scan {
                scan = c.port_window(lim, p, t);
            }
        }
        if !failure && !compromise && !scan {
            return;
        }
        let first_fail = c.first_failure_line;
        let failures = s.failures;
        // The login that followed the failures belongs to the attack window.
        if compromise {
            if let (Some(time), Some(w)) = (time, self.window.as_mut()) {
                w.last = w.last.max(time);
            }
        }
        if brute || spray || compromise || scan {
            let src = self
                .src
                .cold
                .get(idx)
                .map(|c| c.ip.to_vec())
                .unwrap_or_default();
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
                    self.user_failure(u, uh, idx, file, line, t);
                }
            }
        }
    }

    /// A failure for user `u` (hash `uh`) from source `idx`: the distributed brute force.
    #[inline(never)]
    fn user_failure(&mut self, u: &[u8], uh: u64, idx: usize, file: u32, line: u64, t: i64) {
        let lim = self.lim;
        let sh = self.src.cold.get(idx).map_or(0, |c| c.ip_hash);
        let us = match self.users.get_mut(&uh) {
            Some(us) => us,
            None => self.users.entry(uh).or_insert_with(|| UserState {
                name: u.to_vec(),
                ..UserState::default()
            }),
        };
        // Once reported, the user's window is not read any more.
        if us.reported {
            if let Some(slot) = self.reported_users.get_mut((uh as usize) % REPORTED_SLOTS) {
                *slot = Some(uh);
            }
            return;
        }
        us.recent_sources.expire(t, lim.win);
        us.recent_sources.touch(sh, t);
        if us.recent_sources.len() > lim.dist_cap {
            us.recent_sources.remove_first();
        }
        if us.recent_sources.len() >= lim.dist_n {
            us.reported = true;
            let name = us.name.clone();
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
        let th = self.th.clone();
        if brute {
            let ev = self.evidence(file, first_in_window.unwrap_or(line));
            let ev2 = self.evidence(file, line);
            let i = self.once("logs.brute-force", src, |_| {
                Finding::new(
                    "logs.brute-force",
                    Severity::High,
                    "brute-force authentication attempts from one source",
                    src,
                )
                .with_evidence(ev)
                .with_evidence(ev2)
                .with_attack("T1110.001")
                .with_detail(format!(
                    "{} failures within {} s",
                    th.failures, th.window_secs
                ))
                .with_remediation(
                    "block the source (firewall / fail2ban) and check for a successful login from it",
                )
            });
            if let Some(s) = self.src.hot.get_mut(idx) {
                s.brute = Some(i);
            }
        }
        if spray {
            let ev = self.evidence(file, line);
            self.once("logs.password-spraying", src, |_| {
                Finding::new(
                    "logs.password-spraying",
                    Severity::High,
                    "many user names tried from one source (password spraying)",
                    src,
                )
                .with_evidence(ev)
                .with_attack("T1110.003")
                .with_detail(format!(
                    "{} distinct users within {} s",
                    th.spray_users, th.window_secs
                ))
                .with_remediation("block the source; disable password authentication for ssh")
            });
            if let Some(s) = self.src.hot.get_mut(idx) {
                s.spray = true;
            }
        }
        if compromise {
            let ev = self.evidence(file, line);
            let ev0 = first_fail.map(|(f, l)| self.evidence(f, l));
            let u = user.unwrap_or_default().to_vec();
            self.once("logs.login-after-failures", src, |_| {
                let mut f = Finding::new("logs.login-after-failures", Severity::Critical, "successful login from a source after repeated failures: likely compromise", src)
                    .with_evidence(ev)
                    .with_attack("T1078")
                    .with_attack("T1110")
                    .with_detail(format!("login as {} after {failures} failures from this source", ferret_core::escape::escape(&u)))
                    .with_remediation("treat the account as compromised: lock it, kill its sessions, rotate credentials, review what it did");
                if let Some(e0) = ev0 {
                    f = f.with_evidence(e0);
                }
                f
            });
        }
        if scan {
            let ev = self.evidence(file, line);
            self.once("logs.port-scan", src, |_| {
                Finding::new(
                    "logs.port-scan",
                    Severity::Medium,
                    "many destination ports probed by one source (port scan)",
                    src,
                )
                .with_evidence(ev)
                .with_attack("T1046")
                .with_detail(format!(
                    "{} distinct destination ports within {} s",
                    th.portscan_ports, th.portscan_window_secs
                ))
            });
            if let Some(s) = self.src.hot.get_mut(idx) {
                s.scan = true;
            }
        }
    }

    /// Whether a finding with this id and subject was made already.
    fn seen(&self, id: &str, subject: &[u8]) -> bool {
        self.seen.contains_key(&seen_key(id, subject))
    }

    /// Detections that do not depend on the source table (called only for the kinds
    /// [`Role::After`] and root's accepted logins). A finding already made is not built again.
    #[cold]
    #[inline(never)]
    fn after_source(&mut self, event: &EventKind<'_>, file: u32, line: u64, t: i64) {
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
    /// [`Detector::observe`]).
    pub(crate) fn observe_repeated(
        &mut self,
        line: u64,
        time: Option<LogTime>,
        pid: Option<u32>,
        sshd: bool,
        event: &EventKind<'_>,
        times: u64,
    ) {
        let times = times.max(1);
        let th = &self.th;
        let most = th
            .failures
            .max(th.success_after_failures)
            .max(th.fs_errors)
            .max(1);
        let one_by_one = times.min((u64::from(most) + 1).min(4096));
        for _ in 0..one_by_one {
            self.observe_one(line, time, pid, sshd, event);
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
        let duplicate = f.role == Role::TooMany && sess.is_some_and(|s| s.max_attempts);
        let Some(s) = idx.and_then(|i| self.src.hot.get_mut(i)) else {
            return;
        };
        s.events = s.events.saturating_add(extra);
        s.hostile = s.hostile.saturating_add(hostile * extra);
        if f.auth_failure && !duplicate {
            s.failures = s.failures.saturating_add(extra);
        }
        if f.role == Role::Accepted {
            s.successes = s.successes.saturating_add(extra);
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
    pub fn finish(mut self) -> DetectorResult {
        if let Some((h, e, x)) = self.cur_hour.take() {
            let b = self.hours.entry(h).or_default();
            b.0 += e;
            b.1 += x;
        }
        let time = |s: &SourceHot, t: i64| (s.first <= s.last).then_some(LogTime(t));
        // Totals in brute-force details.
        for (s, c) in self.src.hot.iter().zip(&self.src.cold) {
            if let Some(i) = s.brute {
                if let Some(f) = self.findings.get_mut(i) {
                    f.detail = Some(format!(
                        "{} failures in total ({} users), {} successes; first {} last {}; threshold {} within {} s",
                        s.failures,
                        c.users.len(),
                        s.successes,
                        time(s, s.first).map(|t| t.to_string()).unwrap_or_default(),
                        time(s, s.last).map(|t| t.to_string()).unwrap_or_default(),
                        self.th.failures,
                        self.th.window_secs
                    ));
                }
            }
        }
        let mut sources: Vec<SourceSummary> = self
            .src
            .hot
            .iter()
            .zip(&self.src.cold)
            .map(|(s, c)| SourceSummary {
                ip: ferret_core::escape::escape(&c.ip),
                failures: s.failures,
                successes: s.successes,
                hostile: s.hostile,
                events: s.events,
                users: c
                    .users
                    .iter()
                    .map(|u| ferret_core::escape::escape(u))
                    .collect(),
                first: time(s, s.first),
                last: time(s, s.last),
            })
            .collect();
        sources.sort_by(|a, b| {
            b.failures
                .cmp(&a.failures)
                .then(b.hostile.cmp(&a.hostile))
                .then_with(|| a.ip.cmp(&b.ip))
        });
        let mut findings = self.findings;
        Finding::sort(&mut findings);
        DetectorResult {
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
        }
    }
}

/// The result of [`Detector::finish`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct DetectorResult {
    /// Event counts by kind name.
    pub events: BTreeMap<String, u64>,
    /// Per-source summaries, most failures first.
    pub sources: Vec<SourceSummary>,
    /// Per-hour histogram.
    pub hours: Vec<HourBucket>,
    /// First to last hostile event.
    pub window: Option<Window>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

#[cfg(test)]
mod tests;
