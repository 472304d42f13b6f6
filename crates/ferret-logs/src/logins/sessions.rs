//! Sessions built from `wtmp` records the way util-linux `last` builds them.
//!
//! `last` reads the file backwards and pairs each login with the first later record on the
//! same terminal (a logout, or another login, which ends the session without a logout); a
//! boot, a shutdown or a change to run level 0 or 6 in between ends it as `crash` or `down`.
//! [`SessionBuilder`] does the same reading forwards, one record at a time, so a file of any
//! size streams through it; the answer is the one `last` prints (tested line by line against
//! `last -f FILE --time-format iso -w -i -x`), including its reading of records that older
//! programs wrote with the wrong `ut_type`:
//!
//! - on terminal `~`, user `shutdown` is a shutdown, `reboot` a boot, `runlevel` a run-level
//!   change, whatever the type says;
//! - elsewhere, a record with a user and a terminal is a login unless it is a logout or its
//!   user starts with `LOGIN` (a getty); a record without a user is a logout; user `date` on
//!   terminal `|` or `{` is a clock change.
//!
//! The end of a boot is the next shutdown (or change to run level 0 or 6) after it in the file,
//! the end of a shutdown the next boot or shutdown, the end of a run-level change the next
//! run-level change or shutdown: `last`'s pairing, kept for parity even where a crash in
//! between makes it misleading.

use std::collections::HashMap;

use crate::logins::utmp::LoginRecord;

/// What a session line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum SessionKind {
    /// A user's login.
    Login,
    /// A system boot (`reboot   system boot`).
    Boot,
    /// A shutdown (`shutdown system down`).
    Shutdown,
    /// A run-level change (`runlevel (to lvl 3)`).
    RunLevel,
    /// The clock before a change (`old time`).
    OldTime,
    /// The clock after a change (`new time`).
    NewTime,
}

impl SessionKind {
    /// A short name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Login => "login",
            SessionKind::Boot => "boot",
            SessionKind::Shutdown => "shutdown",
            SessionKind::RunLevel => "run-level",
            SessionKind::OldTime => "old-time",
            SessionKind::NewTime => "new-time",
        }
    }
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum End {
    /// At the next record on its terminal (a logout, or a login without one before it); for a
    /// system entry, at the next event `last` pairs it with.
    Normal,
    /// No logout before the system booted again: it crashed (`last`: `crash`).
    Crash,
    /// No logout before a shutdown (`last`: `down`).
    Down,
    /// No logout and nothing after it: still logged in, or gone without a logout record.
    Open,
    /// A system entry with nothing after it (`last`: `still running` for a boot).
    Running,
}

impl End {
    /// A short name.
    pub fn as_str(self) -> &'static str {
        match self {
            End::Normal => "normal",
            End::Crash => "crash",
            End::Down => "down",
            End::Open => "open",
            End::Running => "running",
        }
    }
}

/// One line of `last`: a login and how it ended, or a system event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Session {
    /// What it is.
    pub kind: SessionKind,
    /// The record it starts with (user, terminal, host, address, pid, time, its index).
    pub start: LoginRecord,
    /// How it ended.
    pub end: End,
    /// When it ended, in seconds (what `last` computes the length from): the logout, the
    /// next boot or shutdown; `None` for [`End::Open`] and [`End::Running`].
    pub end_sec: Option<i64>,
    /// The record it ended at (1-based, same file), when there is one.
    pub end_record: Option<u64>,
}

impl Session {
    fn new(kind: SessionKind, start: LoginRecord) -> Self {
        Session {
            kind,
            start,
            end: End::Open,
            end_sec: None,
            end_record: None,
        }
    }

    fn ended(mut self, end: End, sec: i64, record: u64) -> Self {
        self.end = end;
        self.end_sec = Some(sec);
        self.end_record = Some(record);
        self
    }

    /// The session's length in seconds, when it ended.
    pub fn seconds(&self) -> Option<i64> {
        self.end_sec.map(|e| e.saturating_sub(self.start.sec))
    }
}

/// `ut_type` values as `last` sees them after its corrections.
const RUN_LVL: i16 = 1;
const BOOT_TIME: i16 = 2;
const NEW_TIME: i16 = 3;
const OLD_TIME: i16 = 4;
const USER_PROCESS: i16 = 7;
const DEAD_PROCESS: i16 = 8;
const SHUTDOWN_TIME: i16 = 254;

/// The type `last` gives a record (see the module docs).
fn last_type(r: &LoginRecord) -> i16 {
    let (user, line) = (&r.user[..], &r.line[..]);
    if line.first() == Some(&b'~') {
        return if user.starts_with(b"shutdown") {
            SHUTDOWN_TIME
        } else if user.starts_with(b"reboot") {
            BOOT_TIME
        } else if user.starts_with(b"runlevel") {
            RUN_LVL
        } else {
            r.ut_type
        };
    }
    let mut t = r.ut_type;
    if t != DEAD_PROCESS && !user.is_empty() && !line.is_empty() && !user.starts_with(b"LOGIN") {
        t = USER_PROCESS;
    }
    if user.is_empty() {
        t = DEAD_PROCESS;
    }
    if user.starts_with(b"date") {
        match line.first() {
            Some(b'|') => t = OLD_TIME,
            Some(b'{') => t = NEW_TIME,
            _ => {}
        }
    }
    t
}

/// Pending entries of one kind are capped at this many; past it the oldest is given out as it
/// stands ([`End::Open`] or [`End::Running`]), so hostile input cannot grow memory without
/// bound.
pub const MAX_PENDING: usize = 1 << 16;

/// Builds `last`'s sessions from records fed in file order ([`SessionBuilder::push`]); each
/// session is handed to the sink once its end is known, the rest at [`SessionBuilder::finish`].
#[derive(Debug, Default)]
pub struct SessionBuilder {
    /// Open logins by terminal.
    open: HashMap<Vec<u8>, Session, foldhash::fast::RandomState>,
    /// Open logins without a terminal (only a boot or shutdown ends them).
    open_no_line: Vec<Session>,
    /// Boots and clock changes waiting for the next shutdown (`last`'s `lastdown`).
    boots: Vec<Session>,
    /// Shutdowns waiting for the next boot or shutdown (`lastboot`).
    downs: Vec<Session>,
    /// Run-level changes waiting for the next one or a shutdown (`lastrch`).
    levels: Vec<Session>,
    /// Entries given out early because a pending list was full.
    evicted: u64,
    /// Keys of `open` removed, for reuse (no allocation per login).
    spare_keys: Vec<Vec<u8>>,
}

impl SessionBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries given out before their end was known because too many were pending (see
    /// [`MAX_PENDING`]).
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Feeds the next record of the file.
    pub fn push(&mut self, rec: LoginRecord, out: &mut impl FnMut(Session)) {
        let _unused = self.push_back(rec, out);
    }

    /// [`push`](Self::push), giving the record back when no session keeps it (a logout, a
    /// record `last` skips), for its buffers to be reused.
    pub(crate) fn push_back(
        &mut self,
        rec: LoginRecord,
        out: &mut impl FnMut(Session),
    ) -> Option<LoginRecord> {
        let t = rec.sec;
        let at = rec.index;
        match last_type(&rec) {
            SHUTDOWN_TIME => {
                self.close_downs(t, at, out);
                self.close_boots(t, at, out);
                self.close_levels(t, at, out);
                self.close_logins(t, at, End::Down, out);
                let s = Session::new(SessionKind::Shutdown, rec);
                Self::pend(&mut self.downs, s, &mut self.evicted, out);
            }
            BOOT_TIME => {
                self.close_downs(t, at, out);
                self.close_logins(t, at, End::Crash, out);
                let s = Session::new(SessionKind::Boot, rec);
                Self::pend(&mut self.boots, s, &mut self.evicted, out);
            }
            RUN_LVL => {
                let level = (rec.pid & 255) as u8;
                self.close_levels(t, at, out);
                if level == b'0' || level == b'6' {
                    self.close_boots(t, at, out);
                    self.close_downs(t, at, out);
                    self.close_logins(t, at, End::Down, out);
                }
                let s = Session::new(SessionKind::RunLevel, rec);
                Self::pend(&mut self.levels, s, &mut self.evicted, out);
            }
            k @ (OLD_TIME | NEW_TIME) => {
                let kind = if k == OLD_TIME {
                    SessionKind::OldTime
                } else {
                    SessionKind::NewTime
                };
                Self::pend(
                    &mut self.boots,
                    Session::new(kind, rec),
                    &mut self.evicted,
                    out,
                );
            }
            USER_PROCESS => {
                if rec.line.is_empty() {
                    let s = Session::new(SessionKind::Login, rec);
                    Self::pend(&mut self.open_no_line, s, &mut self.evicted, out);
                } else {
                    let key = match self.open.remove_entry(&rec.line) {
                        Some((key, prev)) => {
                            out(prev.ended(End::Normal, t, at));
                            key
                        }
                        None => {
                            let mut key = self.spare_keys.pop().unwrap_or_default();
                            key.clear();
                            key.extend_from_slice(&rec.line);
                            key
                        }
                    };
                    if self.open.len() >= MAX_PENDING {
                        // Hostile input (a new terminal name in every record): the open
                        // logins are given out as they stand.
                        self.evicted += self.open.len() as u64;
                        let mut all: Vec<Session> = self.open.drain().map(|(_, s)| s).collect();
                        all.sort_by_key(|s| s.start.index);
                        all.into_iter().for_each(&mut *out);
                    }
                    self.open.insert(key, Session::new(SessionKind::Login, rec));
                }
            }
            DEAD_PROCESS => {
                if !rec.line.is_empty() {
                    if let Some((key, prev)) = self.open.remove_entry(&rec.line) {
                        out(prev.ended(End::Normal, t, at));
                        if self.spare_keys.len() < 16 {
                            self.spare_keys.push(key);
                        }
                    }
                }
                return Some(rec);
            }
            // EMPTY, INIT_PROCESS, LOGIN_PROCESS, ACCOUNTING and unknown types: `last` skips
            // them.
            _ => return Some(rec),
        }
        None
    }

    fn pend(list: &mut Vec<Session>, s: Session, evicted: &mut u64, out: &mut impl FnMut(Session)) {
        if list.len() >= MAX_PENDING {
            // The older half is given out as it stands (amortised O(1) per entry).
            let half = list.len() / 2;
            *evicted += half as u64;
            for mut old in list.drain(..half) {
                if old.kind != SessionKind::Login {
                    old.end = End::Running;
                }
                out(old);
            }
        }
        list.push(s);
    }

    fn close_logins(&mut self, t: i64, at: u64, why: End, out: &mut impl FnMut(Session)) {
        // `last` keeps the time of the last boot or shutdown in `lastboot`, where 0 means
        // none: a boot record with time 0 leaves the sessions before it open.
        let why = if t == 0 { End::Open } else { why };
        let mut ended: Vec<Session> = self.open.drain().map(|(_, s)| s).collect();
        ended.append(&mut self.open_no_line);
        ended.sort_by_key(|s| s.start.index);
        for s in ended {
            if why == End::Open {
                out(s);
            } else {
                out(s.ended(why, t, at));
            }
        }
    }

    fn close_boots(&mut self, t: i64, at: u64, out: &mut impl FnMut(Session)) {
        for s in self.boots.drain(..) {
            out(s.ended(End::Normal, t, at));
        }
    }

    fn close_downs(&mut self, t: i64, at: u64, out: &mut impl FnMut(Session)) {
        for s in self.downs.drain(..) {
            out(s.ended(End::Normal, t, at));
        }
    }

    fn close_levels(&mut self, t: i64, at: u64, out: &mut impl FnMut(Session)) {
        for s in self.levels.drain(..) {
            out(s.ended(End::Normal, t, at));
        }
    }

    /// Gives out what is still pending: open logins ([`End::Open`]), boots, shutdowns and
    /// run-level changes with nothing after them ([`End::Running`]).
    pub fn finish(mut self, out: &mut impl FnMut(Session)) {
        let mut rest: Vec<Session> = self.open.drain().map(|(_, s)| s).collect();
        rest.append(&mut self.open_no_line);
        for list in [self.boots, self.downs, self.levels] {
            rest.extend(list.into_iter().map(|mut s| {
                s.end = End::Running;
                s
            }));
        }
        rest.sort_by_key(|s| s.start.index);
        for s in rest {
            out(s);
        }
    }
}

/// The sessions of a file's records, most recent first (the order `last` prints them in).
///
/// ```
/// use ferret_logs::logins::{parse_utmp, sessions, End, SessionKind};
/// fn rec(t: u8, line: &str, user: &str, sec: i32) -> Vec<u8> {
///     let mut r = vec![0u8; 384];
///     r[0] = t;
///     r[8..8 + line.len()].copy_from_slice(line.as_bytes());
///     r[44..44 + user.len()].copy_from_slice(user.as_bytes());
///     r[340..344].copy_from_slice(&sec.to_le_bytes());
///     r
/// }
/// let file = [
///     rec(2, "~", "reboot", 1_000),
///     rec(7, "pts/0", "alice", 1_100),
///     rec(8, "pts/0", "", 1_200),
///     rec(7, "pts/1", "bob", 1_300),
///     rec(2, "~", "reboot", 2_000),
/// ]
/// .concat();
/// let records = parse_utmp(&file).map(Result::unwrap);
/// let s = sessions(records);
/// let summary: Vec<_> = s.iter().map(|s| (s.kind, s.end, s.end_sec)).collect();
/// assert_eq!(summary, [
///     (SessionKind::Boot, End::Running, None),
///     (SessionKind::Login, End::Crash, Some(2_000)),   // bob: no logout before the reboot
///     (SessionKind::Login, End::Normal, Some(1_200)),  // alice logged out
///     (SessionKind::Boot, End::Running, None),
/// ]);
/// ```
pub fn sessions(records: impl IntoIterator<Item = LoginRecord>) -> Vec<Session> {
    let mut b = SessionBuilder::new();
    let mut out = Vec::new();
    let mut sink = |s: Session| out.push(s);
    for r in records {
        b.push(r, &mut sink);
    }
    b.finish(&mut sink);
    out.sort_by_key(|s| std::cmp::Reverse(s.start.index));
    out
}

/// The kind of session a record starts in `last`'s reading, if any (for callers that count).
pub fn session_kind(r: &LoginRecord) -> Option<SessionKind> {
    match last_type(r) {
        SHUTDOWN_TIME => Some(SessionKind::Shutdown),
        BOOT_TIME => Some(SessionKind::Boot),
        RUN_LVL => Some(SessionKind::RunLevel),
        OLD_TIME => Some(SessionKind::OldTime),
        NEW_TIME => Some(SessionKind::NewTime),
        USER_PROCESS => Some(SessionKind::Login),
        _ => None,
    }
}

/// Whether `last` reads the record as a login (not a getty, a logout or a system entry).
pub fn is_login(r: &LoginRecord) -> bool {
    last_type(r) == USER_PROCESS
}
