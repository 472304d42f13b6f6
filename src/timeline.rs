//! One time-ordered list of what every module knows with a time: the story of an attack.
//!
//! [`triage_root`](crate::triage_root) with [`TriageOptions::timeline`](crate::TriageOptions::timeline)
//! set builds a [`Timeline`] beside the report ([`Report::timeline`](crate::Report::timeline))
//! from these sources (each entry's [`Entry::source`]):
//!
//! - **logs**: the notable events of the auth logs and the journal (logins, sessions, sudo and
//!   su with their commands, secrets masked; useradd, usermod, groupadd, passwd and chpasswd
//!   changes; module taints, crashes), the first and last event of every source a log finding
//!   names (the failures themselves are counted, not listed), and of each `logs.campaign` the
//!   campaign's first and last event and its top sources' first and last events;
//! - **logins**: `wtmp`/`wtmpdb` sessions as `last -x` lists them (each login with its
//!   terminal and host, its logout or how it ended, boots, shutdowns), and `btmp`'s failed
//!   logins as one entry per source and hour (the count, the users tried, the first and last
//!   attempt), never one per attempt;
//! - **history**: every shell-history command whose format records a time (bash `#epoch`
//!   lines, zsh's extended history, fish's `when:`), secrets masked as the history module masks
//!   them, with the classifier's kinds;
//! - **accounts**: each account's last password change from `/etc/shadow`: shadow keeps a day,
//!   so the entry is at 00:00 UTC of that day (day precision, said in the entry);
//! - **packages**: installs, upgrades, removals and purges from `/var/log/dpkg.log` and its
//!   rotations, and each rpm package's install time (`INSTALLTIME` in its header; the evidence
//!   line is the header number);
//! - **files**: the modification, access, change and birth times (birth where `statx` gives
//!   it) of every file a finding names (its subject or its evidence), the baseline module's
//!   changed, added and removed files included; these are also the [`Timeline::files`] a
//!   [bodyfile](crate::render::bodyfile) holds for the Sleuth Kit's `mactime`.
//!
//! Every module adds its part the same way: it turns what it knows into [`Entry`] values,
//! through the one trait [`Contribute`], into a capped [`Sink`]; subjects are escaped bytes.

//! The list is filtered to the attack when one was found: from the first hostile log event
//! less [`TimelineOptions::margin_secs`] to the end of the evidence (what an intruder does after
//! the last failed attempt is rarely hostile to a log parser, and it is what matters most);
//! `since`/`until` choose the span instead. [`Timeline::sources`] says what was read, what was
//! not found, and what was cut.
//!
//! ```
//! use ferret::core::{Evidence, Timestamp};
//! use ferret::timeline::{Entry, Sink};
//! let mut sink = Sink::new(2);
//! for t in [30, 10, 20] {
//!     sink.push(Entry::new(Timestamp { sec: t, nsec: 0 }, "logs", "ssh-accepted", b"root", "login")
//!         .with_evidence(Evidence::line("/var/log/auth.log", t as u64)));
//! }
//! assert_eq!(sink.len(), 2);
//! assert_eq!(sink.dropped(), 1);
//! ```

use ferret_core::{Evidence, FileTimes, Finding, HostRoot, Timestamp};
use std::collections::BTreeSet;
use std::os::unix::ffi::OsStrExt;

/// Options of the timeline: plain fields on a `Default` value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimelineOptions {
    /// Keep entries from this instant (Unix seconds) on; `None`: from the attack window's
    /// start less `margin_secs`, or from the beginning when no attack was found.
    pub since: Option<i64>,
    /// Keep entries up to this instant (Unix seconds); `None`: to the end.
    pub until: Option<i64>,
    /// How long before the first hostile event the timeline starts (default one hour: the
    /// reconnaissance before a brute force, the scan before an exploit).
    pub margin_secs: i64,
    /// At most this many entries in all (default 200,000); the earliest are kept and the rest
    /// counted in [`Timeline::dropped`].
    pub max_entries: usize,
    /// At most this many files named by findings are looked at (default 10,000).
    pub max_files: usize,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            since: None,
            until: None,
            margin_secs: 3600,
            max_entries: 200_000,
            max_files: 10_000,
        }
    }
}

/// One thing that happened at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Entry {
    /// When, UTC.
    #[cfg_attr(feature = "serde", serde(with = "rfc3339"))]
    pub time: Timestamp,
    /// Where it comes from: `logs`, `packages`, `files`, ... (the module or source).
    pub source: String,
    /// What kind of thing: a log event kind (`ssh-accepted`), a package action (`install`),
    /// the file times that fall on this instant as `mactime` writes them (`m.c.`: modified and
    /// changed).
    pub kind: String,
    /// What it is about (escaped): a user, an address, a path, a package.
    pub subject: String,
    /// What happened, in one line.
    pub what: String,
    /// Where it was read (file and line), when it was read from a file's contents.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub evidence: Option<Evidence>,
}

impl Entry {
    /// An entry; `subject` is raw bytes and is escaped here.
    pub fn new(
        time: Timestamp,
        source: impl Into<String>,
        kind: impl Into<String>,
        subject: impl AsRef<[u8]>,
        what: impl Into<String>,
    ) -> Self {
        Entry {
            time,
            source: source.into(),
            kind: kind.into(),
            subject: ferret_core::escape::escape(subject.as_ref()),
            what: what.into(),
            evidence: None,
        }
    }

    /// Adds where it was read.
    pub fn with_evidence(mut self, e: Evidence) -> Self {
        self.evidence = Some(e);
        self
    }
}

/// A file named by a finding, with its times: a line of a bodyfile.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct FileRecord {
    /// The path inside the audited root (escaped).
    pub path: String,
    /// Its times, kind, mode, owner and size.
    pub times: FileTimes,
}

/// Whether a source was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SourceStatus {
    /// Read; its entries are in the timeline.
    Read,
    /// Nothing of it exists under this root.
    NotFound,
    /// Not read (its module did not run, or failed).
    NotRead,
}

/// What one source contributed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct SourceRun {
    /// The source (`logs`, `packages`, `files`).
    pub name: String,
    /// Read or not.
    pub status: SourceStatus,
    /// Entries it gave (before the time filter).
    pub entries: usize,
    /// Entries it could not keep (its own cap).
    pub dropped: u64,
    /// What was read, or why not.
    pub note: String,
}

/// The timeline: entries in time order, the files for a bodyfile, and what was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Timeline {
    /// The start of the span kept (RFC 3339), if the span has one.
    pub since: Option<String>,
    /// The end of the span kept (RFC 3339), if the span has one.
    pub until: Option<String>,
    /// Why this span: `the attack window ... less 3600 s`, `--since/--until`, `everything`.
    pub span: String,
    /// What each source contributed.
    pub sources: Vec<SourceRun>,
    /// Entries in time order (then source, kind, subject).
    pub entries: Vec<Entry>,
    /// Entries in the span not kept (past [`TimelineOptions::max_entries`]).
    pub dropped: u64,
    /// The files named by findings, with their times (every one, whatever the span: a
    /// bodyfile is filtered by `mactime` itself).
    pub files: Vec<FileRecord>,
}

/// A capped list of entries a source fills.
#[derive(Debug, Default)]
pub struct Sink {
    entries: Vec<Entry>,
    cap: usize,
    dropped: u64,
}

impl Sink {
    /// A sink that keeps at most `cap` entries.
    pub fn new(cap: usize) -> Self {
        Sink {
            entries: Vec::new(),
            cap,
            dropped: 0,
        }
    }

    /// Adds an entry, or counts it when full.
    pub fn push(&mut self, e: Entry) {
        if self.entries.len() < self.cap {
            self.entries.push(e);
        } else {
            self.dropped += 1;
        }
    }

    /// Counts `n` entries a source could not keep itself.
    pub fn add_dropped(&mut self, n: u64) {
        self.dropped += n;
    }

    /// Entries kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries not kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The entries.
    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }
}

/// What a source knows with a time, as timeline entries: the one way a module adds to the
/// timeline.
pub trait Contribute {
    /// Pushes this source's entries.
    fn contribute(&self, sink: &mut Sink);
}

/// A source's part, as a module hands it to triage.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) name: &'static str,
    pub(crate) status: SourceStatus,
    pub(crate) note: String,
    pub(crate) sink: Sink,
}

impl Part {
    pub(crate) fn new(name: &'static str, status: SourceStatus, note: String, sink: Sink) -> Self {
        Part {
            name,
            status,
            note,
            sink,
        }
    }
}

#[cfg(feature = "logs")]
fn log_time(t: ferret_logs::LogTime) -> Timestamp {
    Timestamp {
        sec: t.secs(),
        nsec: t.micros() * 1000,
    }
}

#[cfg(feature = "logs")]
impl Contribute for ferret_logs::TimelineEvent {
    fn contribute(&self, sink: &mut Sink) {
        let Some(t) = self.time else { return };
        let mut e = Entry::new(log_time(t), "logs", self.kind, b"", self.what.clone());
        // The subject is already escaped by the log reader.
        e.subject = self
            .user
            .clone()
            .or_else(|| self.source.clone())
            .unwrap_or_default();
        e.evidence = Some(escaped_line(&self.path, self.line));
        sink.push(e);
    }
}

/// Evidence for a line of a file whose path is already escaped.
fn escaped_line(path: &str, line: u64) -> Evidence {
    let mut e = Evidence::line(b"", line);
    path.clone_into(&mut e.path);
    e
}

/// A log analysis: its notable events, and the first and last event of each source a log
/// finding names.
#[cfg(feature = "logs")]
impl Contribute for ferret_logs::Analysis {
    fn contribute(&self, sink: &mut Sink) {
        for ev in &self.timeline {
            ev.contribute(sink);
        }
        sink.add_dropped(self.timeline_dropped);
        let mut named: BTreeSet<&str> = self
            .outcome
            .findings
            .iter()
            .map(|f| f.subject.as_str())
            .collect();
        // A campaign: its span, and its top sources like any source a finding names.
        for c in &self.campaigns {
            named.extend(c.top.iter().map(String::as_str));
            let what = c.detection.strip_prefix("logs.").unwrap_or(&c.detection);
            for (t, kind, edge) in [
                (c.first, "campaign-first", "first"),
                (c.last, "campaign-last", "last"),
            ] {
                if let Some(t) = t {
                    let mut e = Entry::new(
                        log_time(t),
                        "logs",
                        kind,
                        b"",
                        format!(
                            "{edge} event of the {what} campaign: {} sources, {} failures in all",
                            c.sources, c.failures
                        ),
                    );
                    e.subject.clone_from(&c.detection);
                    sink.push(e);
                }
            }
        }
        for s in self
            .sources
            .iter()
            .filter(|s| named.contains(s.ip.as_ref()))
        {
            let summary = format!(
                "{} failures, {} successes, {} events in all",
                s.failures, s.successes, s.events
            );
            for (t, kind, what) in [
                (s.first, "source-first", "first event from"),
                (s.last, "source-last", "last event from"),
            ] {
                if let Some(t) = t {
                    let mut e = Entry::new(
                        log_time(t),
                        "logs",
                        kind,
                        b"",
                        format!("{what} {}: {summary}", s.ip),
                    );
                    s.ip.as_ref().clone_into(&mut e.subject);
                    sink.push(e);
                }
            }
        }
    }
}

#[cfg(feature = "logs")]
impl Contribute for ferret_logs::dpkg::PackageChange {
    fn contribute(&self, sink: &mut Sink) {
        let what = match (&self.old_version, &self.new_version) {
            (None, Some(n)) => format!("{} {} {n}", self.action, self.package),
            (Some(o), Some(n)) => format!("{} {} {o} -> {n}", self.action, self.package),
            (Some(o), None) => format!("{} {} {o}", self.action, self.package),
            (None, None) => format!("{} {}", self.action, self.package),
        };
        let mut e = Entry::new(
            log_time(self.time),
            "packages",
            self.action.clone(),
            b"",
            what,
        );
        e.subject.clone_from(&self.package);
        e.evidence = Some(escaped_line(&self.path, self.line));
        sink.push(e);
    }
}

/// An rpm database's packages, at their install times (`INSTALLTIME`), beside dpkg's log;
/// evidence names the database and the package's header number as the line.
#[cfg(feature = "baseline")]
impl Contribute for ferret_baseline::pkg::rpm::RpmDb {
    fn contribute(&self, sink: &mut Sink) {
        let db = self.path.as_os_str().as_bytes();
        for p in &self.packages {
            let Some(t) = p.install_time else { continue };
            let mut e = Entry::new(
                Timestamp {
                    sec: i64::from(t),
                    nsec: 0,
                },
                "packages",
                "install",
                &p.name,
                format!("install {} (rpm)", ferret_core::escape::escape(&p.nevra())),
            );
            e.evidence = Some(Evidence::line(db, u64::from(p.hnum)));
            sink.push(e);
        }
    }
}

/// The seconds and microseconds of a login record as a timestamp.
#[cfg(feature = "logs")]
fn record_time(r: &ferret_logs::logins::LoginRecord) -> Timestamp {
    Timestamp {
        sec: r.sec,
        nsec: u32::try_from(r.usec.clamp(0, 999_999)).unwrap_or(0) * 1000,
    }
}

/// A `wtmp`/`wtmpdb` file's sessions: each login and its end (logout, crash, shutdown), each
/// boot and shutdown, as `last -x` lists them; evidence is the record (its 1-based position).
#[cfg(feature = "logs")]
impl Contribute for ferret_logs::logins::LoginFile {
    fn contribute(&self, sink: &mut Sink) {
        use ferret_core::escape::escape;
        use ferret_logs::logins::{End, SessionKind};
        for s in &self.sessions {
            let r = &s.start;
            let (kind, what) = match s.kind {
                SessionKind::Login => {
                    let from = if r.host.is_empty() {
                        String::new()
                    } else {
                        format!(" from {}", escape(&r.host))
                    };
                    (
                        "login",
                        format!("{} logged in on {}{from}", escape(&r.user), escape(&r.line)),
                    )
                }
                SessionKind::Boot => ("boot", format!("system boot ({})", escape(&r.host))),
                SessionKind::Shutdown => ("shutdown", "system shutdown".to_owned()),
                _ => continue,
            };
            sink.push(
                Entry::new(record_time(r), "logins", kind, &r.user, what)
                    .with_evidence(escaped_line(&self.path, r.index)),
            );
            if s.kind != SessionKind::Login {
                continue;
            }
            let Some(end) = s.end_sec else { continue };
            let how = match s.end {
                End::Normal => "logout",
                End::Crash => "no logout before the next boot (crash)",
                End::Down => "no logout before the shutdown",
                _ => continue,
            };
            let mut e = Entry::new(
                Timestamp { sec: end, nsec: 0 },
                "logins",
                "logout",
                &r.user,
                format!(
                    "{} on {}: session ended, {how}",
                    escape(&r.user),
                    escape(&r.line)
                ),
            );
            if let Some(rec) = s.end_record {
                e.evidence = Some(escaped_line(&self.path, rec));
            }
            sink.push(e);
        }
    }
}

/// The failed logins of one source in one hour (`btmp`): one entry, not one per attempt.
#[cfg(feature = "logs")]
impl Contribute for ferret_logs::logins::FailureHour {
    fn contribute(&self, sink: &mut Sink) {
        let mut e = Entry::new(
            log_time(self.first),
            "logins",
            "failed-logins",
            b"",
            format!(
                "{} failed logins from {} from {} to {} (users: {})",
                self.failures,
                self.source,
                crate::timeline::rfc3339::format(&log_time(self.first)),
                crate::timeline::rfc3339::format(&log_time(self.last)),
                if self.users.is_empty() {
                    "none recorded".to_owned()
                } else {
                    self.users.join(", ")
                }
            ),
        );
        e.subject.clone_from(&self.source);
        e.evidence = Some(self.evidence.clone());
        sink.push(e);
    }
}

/// A shell-history command with its time (bash `#epoch`, zsh extended, fish `when:`), secrets
/// already masked by the history reader; commands without a time are not timeline entries.
#[cfg(feature = "logs")]
impl Contribute for ferret_logs::history::Command {
    fn contribute(&self, sink: &mut Sink) {
        let Some(sec) = self.time else { return };
        let kinds: Vec<&str> = self
            .kinds
            .iter()
            .map(ferret_core::command::CommandKind::id)
            .collect();
        let what = format!(
            "{} ran: {}{}",
            ferret_core::escape::escape(&self.user),
            ferret_core::escape::escape(&self.command),
            if kinds.is_empty() {
                String::new()
            } else {
                format!(" [{}]", kinds.join(", "))
            }
        );
        sink.push(
            Entry::new(
                Timestamp { sec, nsec: 0 },
                "history",
                "command",
                &self.user,
                what,
            )
            .with_evidence(escaped_line(&self.path, self.line)),
        );
    }
}

/// Account changes the account files record with a time: shadow's last password change, a
/// day (shadow keeps days since 1970): the entry is at that day's 00:00 UTC, day precision.
#[cfg(feature = "accounts")]
impl Contribute for ferret_accounts::Accounts<'_> {
    fn contribute(&self, sink: &mut Sink) {
        let path = self.path(ferret_accounts::AccountFile::Shadow);
        for (line, s) in self
            .shadow
            .iter()
            .flat_map(ferret_accounts::Document::entries)
        {
            // 0 means "change at next login", not a day.
            let Some(day) = s.aging.lastchg.filter(|&d| d > 0) else {
                continue;
            };
            let sec = day.saturating_mul(86_400);
            sink.push(
                Entry::new(
                    Timestamp { sec, nsec: 0 },
                    "accounts",
                    "password-changed",
                    s.name,
                    format!(
                        "password of {} last changed on {} (shadow's day: day precision)",
                        ferret_core::escape::escape(s.name),
                        crate::time::rfc3339(sec).get(..10).unwrap_or_default()
                    ),
                )
                .with_evidence(escaped_line(path, line)),
            );
        }
    }
}

/// `ls -l`-style mode: `-rwsr-xr-x`.
pub fn mode_string(kind: ferret_core::FileKind, mode: u32) -> String {
    use ferret_core::FileKind as K;
    let t = match kind {
        K::Regular => '-',
        K::Directory => 'd',
        K::Symlink => 'l',
        K::Fifo => 'p',
        K::Socket => 's',
        K::CharDevice => 'c',
        K::BlockDevice => 'b',
        K::Unknown => '?',
    };
    let bit = |m: u32, c: char| if mode & m != 0 { c } else { '-' };
    let special = |x: u32, s: u32, set: char, unset: char| match (mode & x != 0, mode & s != 0) {
        (true, true) => set,
        (false, true) => unset,
        (true, false) => 'x',
        (false, false) => '-',
    };
    [
        t,
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        special(0o100, 0o4000, 's', 'S'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        special(0o010, 0o2000, 's', 'S'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        special(0o001, 0o1000, 't', 'T'),
    ]
    .iter()
    .collect()
}

/// The file times as entries, one per distinct instant, with the letters `mactime` uses
/// (`macb`: modified, accessed, changed, born; `m.c.` when two fall on one instant).
impl Contribute for FileRecord {
    fn contribute(&self, sink: &mut Sink) {
        let t = &self.times;
        let mut at: Vec<(Timestamp, usize)> = vec![(t.mtime, 0), (t.atime, 1), (t.ctime, 2)];
        if let Some(b) = t.btime {
            at.push((b, 3));
        }
        at.sort();
        let mut i = 0;
        while let Some(&(when, _)) = at.get(i) {
            let mut letters = ['.'; 4];
            while let Some(&(w, k)) = at.get(i) {
                if w != when {
                    break;
                }
                if let Some(l) = letters.get_mut(k) {
                    *l = ['m', 'a', 'c', 'b'].get(k).copied().unwrap_or('.');
                }
                i += 1;
            }
            let kind: String = letters.iter().collect();
            let mut e = Entry::new(
                when,
                "files",
                kind,
                b"",
                format!(
                    "{} {} {}:{} {} bytes",
                    self.path,
                    mode_string(t.kind, t.mode),
                    t.uid,
                    t.gid,
                    t.size
                ),
            );
            e.subject.clone_from(&self.path);
            sink.push(e);
        }
    }
}

/// The paths a finding names: its subject when it is a path, and its evidence files (not
/// under `/proc` or `/sys`: those are the kernel's, not the disk's).
fn named_paths<'f>(f: &'f Finding, out: &mut BTreeSet<&'f str>) {
    let real = |p: &str| p.starts_with('/') && !p.starts_with("/proc/") && !p.starts_with("/sys/");
    if real(&f.subject) {
        out.insert(&f.subject);
    }
    for e in &f.evidence {
        if real(&e.path) {
            out.insert(&e.path);
        }
    }
}

/// The files the findings name, with their times (at most `max`, in path order; paths that
/// no longer exist are skipped).
pub(crate) fn named_files(
    root: &HostRoot,
    findings: &[Finding],
    max: usize,
) -> (Vec<FileRecord>, u64) {
    let mut paths = BTreeSet::new();
    for f in findings {
        named_paths(f, &mut paths);
    }
    let mut out = Vec::new();
    let mut dropped = 0;
    for p in paths {
        if out.len() >= max {
            dropped += 1;
            continue;
        }
        // Paths in findings are escaped; a path that does not unescape is not a file name.
        let Ok(raw) = ferret_core::escape::unescape(p) else {
            continue;
        };
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(&raw));
        if let Ok(times) = root.times(path) {
            out.push(FileRecord {
                path: p.to_owned(),
                times,
            });
        }
    }
    (out, dropped)
}

/// Assembles the timeline from the sources' parts: filters to the span, sorts, caps.
pub(crate) fn assemble(
    opts: &TimelineOptions,
    window: Option<(i64, i64)>,
    parts: Vec<Part>,
    files: Vec<FileRecord>,
) -> Timeline {
    let (since, until, span) = match (opts.since, opts.until, window) {
        (None, None, Some((first, last))) => (
            Some(first.saturating_sub(opts.margin_secs)),
            None,
            format!(
                "from the attack window's start ({} .. {}) less {} s, to the end",
                crate::time::rfc3339(first),
                crate::time::rfc3339(last),
                opts.margin_secs
            ),
        ),
        (None, None, None) => (
            None,
            None,
            "everything (no attack window was found)".to_owned(),
        ),
        (s, u, _) => (s, u, "as asked (--since/--until)".to_owned()),
    };
    let inside =
        |t: &Timestamp| since.is_none_or(|s| t.sec >= s) && until.is_none_or(|u| t.sec <= u);
    let mut sources = Vec::new();
    let mut entries = Vec::new();
    for p in parts {
        sources.push(SourceRun {
            name: p.name.to_owned(),
            status: p.status,
            entries: p.sink.len(),
            dropped: p.sink.dropped(),
            note: p.note,
        });
        entries.extend(
            p.sink
                .into_entries()
                .into_iter()
                .filter(|e| inside(&e.time)),
        );
    }
    entries.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.subject.cmp(&b.subject))
            .then_with(|| a.what.cmp(&b.what))
    });
    let dropped = entries.len().saturating_sub(opts.max_entries) as u64;
    entries.truncate(opts.max_entries);
    Timeline {
        since: since.map(crate::time::rfc3339),
        until: until.map(crate::time::rfc3339),
        span,
        sources,
        entries,
        dropped,
        files,
    }
}

/// RFC 3339 UTC with the fraction when there is one, for [`Entry::time`].
pub(crate) mod rfc3339 {
    use ferret_core::Timestamp;

    /// `2024-05-01T10:00:00Z`, or `2024-05-01T10:00:00.123456Z`.
    pub fn format(t: &Timestamp) -> String {
        let s = crate::time::rfc3339(t.sec);
        if t.nsec == 0 {
            return s;
        }
        let frac = format!("{:09}", t.nsec);
        format!(
            "{}.{}Z",
            s.trim_end_matches('Z'),
            frac.trim_end_matches('0')
        )
    }

    #[cfg(feature = "serde")]
    pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format(t))
    }

    #[cfg(feature = "serde")]
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s: String = serde::Deserialize::deserialize(d)?;
        crate::time::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("not an RFC 3339 UTC time: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::FileKind;

    #[test]
    fn mode_strings_like_ls() {
        assert_eq!(mode_string(FileKind::Regular, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(FileKind::Directory, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(FileKind::Regular, 0o2644), "-rw-r-Sr--");
        assert_eq!(mode_string(FileKind::Symlink, 0o777), "lrwxrwxrwx");
    }

    #[test]
    fn file_times_share_an_instant_like_mactime() {
        let t = |sec| Timestamp { sec, nsec: 0 };
        let mut times = FileTimes::default();
        times.mtime = t(100);
        times.atime = t(300);
        times.ctime = t(100);
        times.btime = Some(t(50));
        let mut sink = Sink::new(10);
        FileRecord {
            path: "/tmp/x".into(),
            times,
        }
        .contribute(&mut sink);
        let got: Vec<(i64, String)> = sink
            .into_entries()
            .into_iter()
            .map(|e| (e.time.sec, e.kind))
            .collect();
        assert_eq!(
            got,
            [
                (50, "...b".into()),
                (100, "m.c.".into()),
                (300, ".a..".into())
            ]
        );
    }

    #[test]
    fn fractions_round_trip() {
        for (sec, nsec, s) in [
            (0, 0, "1970-01-01T00:00:00Z"),
            (1, 500_000_000, "1970-01-01T00:00:01.5Z"),
            (-1, 123_456_000, "1969-12-31T23:59:59.123456Z"),
        ] {
            let t = Timestamp { sec, nsec };
            assert_eq!(rfc3339::format(&t), s);
            assert_eq!(crate::time::parse_rfc3339(s), Some(t));
        }
    }
}
