//! Login records: `utmp`, `wtmp`, `btmp`, `lastlog`, and the `wtmpdb` and `lastlog2` SQLite
//! databases: what `who`, `last`, `lastb` and `lastlog` read, and what chkrootkit's
//! `chkwtmp`, `chklastlog` and `chkutmp` check.
//!
//! ```
//! use ferret_logs::logins::{audit_root, LoginOptions, End};
//! use ferret_logs::core::{Control, HostRoot};
//! # fn rec(t: u8, line: &str, user: &str, host: &str, sec: i32) -> Vec<u8> {
//! #     let mut r = vec![0u8; 384];
//! #     r[0] = t;
//! #     r[8..8 + line.len()].copy_from_slice(line.as_bytes());
//! #     r[44..44 + user.len()].copy_from_slice(user.as_bytes());
//! #     r[76..76 + host.len()].copy_from_slice(host.as_bytes());
//! #     r[340..344].copy_from_slice(&sec.to_le_bytes());
//! #     if let Ok(ip) = host.parse::<std::net::Ipv4Addr>() { r[348..352].copy_from_slice(&ip.octets()); }
//! #     r
//! # }
//! let t = tempfile::tempdir()?;
//! std::fs::create_dir_all(t.path().join("var/log"))?;
//! // alice logs in from 203.0.113.9 and out; then a record was zeroed, as log wipers do.
//! let wtmp = [
//!     rec(7, "pts/0", "alice", "203.0.113.9", 1_700_000_000),
//!     rec(8, "pts/0", "", "", 1_700_000_600),
//!     vec![0u8; 384],
//!     rec(7, "pts/1", "bob", "198.51.100.7", 1_700_001_000),
//! ].concat();
//! std::fs::write(t.path().join("var/log/wtmp"), wtmp)?;
//! let root = HostRoot::new(t.path())?;
//! let l = audit_root(&root, &LoginOptions::default(), &Control::new());
//! let wtmp = &l.files[0];
//! assert_eq!((wtmp.path.as_str(), wtmp.records, wtmp.zeroed), ("/var/log/wtmp", 4, 1));
//! assert_eq!(wtmp.sessions[1].end, End::Normal);      // alice, most recent first
//! assert!(l.missing.contains(&"/var/log/btmp".to_string()));
//! let f = l.outcome.findings.iter().find(|f| f.id == "logins.zeroed-records").unwrap();
//! assert_eq!(f.evidence[0].to_string(), "/var/log/wtmp:3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Entry points
//!
//! - [`audit_root`]`(&root, &opts, &control)`: the root's login files (below) and its
//!   `/etc/passwd` for the names of `lastlog` uids; [`audit()`]: the [`LoginInput`]s given.
//! - [`correlate`]: joins a [`Logins`] with the auth-log [`Analysis`](crate::Analysis) of the
//!   same host (the checks that need both, below).
//! - Parsers: [`parse_utmp`] / [`Records`] (any reader, layout detected), [`parse_lastlog`],
//!   [`wtmpdb_sessions`], [`lastlog2_entries`]; [`sessions`] / [`SessionBuilder`]: `last`'s
//!   sessions; [`render`]: the lines `last`, `lastb`, `utmpdump` and `lastlog` print.
//!
//! ## Files
//!
//! | source | files | read as |
//! |---|---|---|
//! | `utmp` | `/run/utmp` (else `/var/run/utmp`) | who is logged in now |
//! | `wtmp` | `/var/log/wtmp` and its rotations (`wtmp.1`, `wtmp.2.gz`, `wtmp-20240101`), oldest first | logins, logouts, boots, shutdowns; sessions per file, as `last -f FILE` |
//! | `btmp` | `/var/log/btmp` and its rotations | failed logins |
//! | `lastlog` | `/var/log/lastlog` | each uid's last login (names from the root's `/etc/passwd`) |
//! | `wtmpdb` | `/var/lib/wtmpdb/wtmp.db` and rotated `wtmp_*.db` | sessions (wtmp's successor) |
//! | `lastlog2` | `/var/lib/lastlog/lastlog2.db` | each user's last login (lastlog's successor) |
//!
//! Records are read in glibc's 384-byte layout (x86_64, aarch64 and every other Linux ABI);
//! a file of musl's 400-byte records (64-bit times) or big-endian records is recognised by its
//! size and the plausibility of its first records ([`detect_layout`]) and read in its layout,
//! and said so. Rotations ending in `.gz` are decompressed, at most
//! [`LoginOptions::max_decompressed`] bytes each. Every file is opened through
//! [`HostRoot`]: no symlink followed out of the root, no read from a
//! FIFO or device (an error naming the file), no access time changed; databases are read
//! without a lock or a write.
//!
//! Evidence names a record by its 1-based position in its file as the line (for `lastlog`,
//! uid + 1; for a database, the row id).
//!
//! ## Findings
//!
//! | id | severity | ATT&CK | meaning |
//! |---|---|---|---|
//! | `logins.zeroed-records` | high | T1070.002 | `wtmp`/`btmp` records wiped to zero, or with a zero time (chkwtmp's deletions), per file |
//! | `logins.truncated` | medium | T1070.002 | a file's size is not a multiple of its record size: a record cut short at the end |
//! | `logins.garbage-records` | medium | T1070.002 | records no writer produces (impossible type, time or microseconds) amid good ones |
//! | `logins.out-of-order` | medium | T1070.002 | `wtmp`/`btmp` records going back in time by more than `max_backstep_secs` (60), outside a boot or clock change |
//! | `logins.other-layout` | low | - | a file holds records of another layout (musl's 400-byte `utmpx`, big-endian glibc) |
//! | `logins.lastlog-without-wtmp` | high | T1070.002 | a `lastlog`/`lastlog2` login inside the time `wtmp` covers with no `wtmp` login of that user within `tolerance_secs` (120) (chklastlog) |
//! | `logins.login-after-failures` | critical | T1110, T1078 | a `wtmp` session from a source that failed `failures` (5) times or more before it, in `btmp` or (with [`correlate`]) the auth log |
//! | `logins.failed-logins` | low | T1110 | `btmp` holds `failures` or more failures from one source (a summary: sources, counts) |
//! | `logins.wtmp-missing` | high | T1070.002 | ([`correlate`]) no `wtmp` records (no file, or empty) while the auth log shows logins |
//! | `logins.wtmp-younger` | medium | T1070.002 | ([`correlate`]) `wtmp` begins more than a day after an `Accepted` login in the auth log: older records are gone |
//! | `logins.accepted-without-record` | low (medium for root or a source that also failed) | T1070.002 | ([`correlate`]) `Accepted` logins in the time `wtmp` covers with no `wtmp` login of that user from that source (sessions without a terminal, `scp`, `sftp`, `ssh host cmd`, leave none: hence low) |
//! | `logins.record-without-auth` | high | T1070.002 | ([`correlate`]) a remote `wtmp` login inside the auth log's window with no `Accepted` line for that user within the tolerance: the auth log was cleaned, or the record forged |
//!
//! Findings about sources come one per source, the first 20 by severity; the rest are grouped
//! into one finding that lists them.

mod checks;
mod db;
mod lastlog;
pub mod render;
mod sessions;
mod utmp;

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use ferret_core::{Control, ErrorRecord, HostRoot, OpenOptions, Outcome};

pub use checks::correlate;
pub use db::{lastlog2_entries, wtmpdb_sessions};
pub use lastlog::{parse_lastlog, LastlogEntry, LASTLOG_RECORD};
pub use sessions::{
    is_login, session_kind, sessions, End, Session, SessionBuilder, SessionKind, MAX_PENDING,
};
pub use utmp::{
    decode_addr, detect_layout, parse_utmp, Damage, Layout, LoginRecord, RecordKind, Records,
    GLIBC_RECORD, MUSL_RECORD,
};

use crate::time::LogTime;

/// The kinds of login files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Source {
    /// Who is logged in now (`/run/utmp`).
    Utmp,
    /// Logins, logouts, boots (`/var/log/wtmp`).
    Wtmp,
    /// Failed logins (`/var/log/btmp`).
    Btmp,
    /// Last login per uid (`/var/log/lastlog`).
    Lastlog,
    /// wtmp's SQLite successor (`/var/lib/wtmpdb/wtmp.db`).
    Wtmpdb,
    /// lastlog's SQLite successor (`/var/lib/lastlog/lastlog2.db`).
    Lastlog2,
}

impl Source {
    /// Every source.
    pub const ALL: [Source; 6] = [
        Source::Utmp,
        Source::Wtmp,
        Source::Btmp,
        Source::Lastlog,
        Source::Wtmpdb,
        Source::Lastlog2,
    ];

    /// Its name: `utmp`, `wtmp`, `btmp`, `lastlog`, `wtmpdb`, `lastlog2`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Utmp => "utmp",
            Source::Wtmp => "wtmp",
            Source::Btmp => "btmp",
            Source::Lastlog => "lastlog",
            Source::Wtmpdb => "wtmpdb",
            Source::Lastlog2 => "lastlog2",
        }
    }

    /// Whether the source is a file of utmp records.
    pub fn is_utmp_family(self) -> bool {
        matches!(self, Source::Utmp | Source::Wtmp | Source::Btmp)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown login source {s:?} (known: {})",
                    Source::ALL.map(Source::as_str).join(", ")
                )
            })
    }
}

/// Options of [`audit_root`], [`audit()`] and [`correlate`]: plain fields, set on a `Default`
/// value.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoginOptions {
    /// Failures from one source (in `btmp` or the auth log) before a login that make it a
    /// compromise; also the count that makes `btmp` worth a summary (5).
    pub failures: u32,
    /// Seconds either side within which a `wtmp` login and an auth-log line or `lastlog` entry
    /// are the same login (120).
    pub tolerance_secs: i64,
    /// Seconds a `wtmp`/`btmp` record may go back in time, outside a boot or clock change,
    /// before it counts as out of order (60).
    pub max_backstep_secs: i64,
    /// Decompressed bytes read from one `.gz` rotation at most (1 GiB); the rest is an error.
    pub max_decompressed: u64,
    /// Bytes of data read from `lastlog` at most (256 MiB: 900,000 uids); the rest is an error.
    pub max_lastlog: u64,
    /// Sessions kept per `wtmp` file in the report, the most recent (1,000); the checks see
    /// every one. `usize::MAX` keeps all (what `last` prints).
    pub max_sessions: usize,
    /// Records kept per `utmp`/`btmp` file, the most recent (1,000); the checks see all.
    pub max_records: usize,
    /// `btmp` failures grouped per source and hour ([`Logins::failure_hours`], what a timeline
    /// shows instead of one line per attempt): at most this many groups, the rest counted in
    /// [`Logins::failure_hours_dropped`] (0, the default: none are kept; the failures of the
    /// groups not kept are counted there).
    pub max_failure_hours: usize,
    /// Read every file in this layout instead of detecting it.
    pub layout: Option<Layout>,
    /// [`audit_root`]: these files (inner paths) instead of the defaults, each with its kind.
    pub files: Vec<(Source, PathBuf)>,
    /// [`audit_root`]: the default files of these sources only (`None`: every source).
    pub only: Option<Vec<Source>>,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            failures: 5,
            tolerance_secs: 120,
            max_backstep_secs: 60,
            max_decompressed: 1 << 30,
            max_lastlog: 256 << 20,
            max_sessions: 1000,
            max_records: 1000,
            max_failure_hours: 0,
            layout: None,
            files: Vec::new(),
            only: None,
        }
    }
}

/// A run of zeroed records (see [`Damage::Zeroed`], [`Damage::TimeZeroed`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ZeroRun {
    /// The first zeroed record (1-based).
    pub first: u64,
    /// How many in a row.
    pub count: u64,
    /// The time of the last good record before them.
    pub after: Option<LogTime>,
    /// The time of the first good record after them.
    pub before: Option<LogTime>,
}

/// A record whose time went back.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Backstep {
    /// The record (1-based).
    pub record: u64,
    /// Its time.
    pub time: LogTime,
    /// The latest time before it.
    pub latest: LogTime,
}

/// One file read, and what it held.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LoginFile {
    /// The file (inner path, escaped).
    pub path: String,
    /// What it is.
    pub source: Option<Source>,
    /// Whether it was gzip-compressed.
    pub compressed: bool,
    /// The record layout (utmp-family files).
    pub layout: Option<Layout>,
    /// Its size in bytes (compressed size for `.gz`).
    pub size: u64,
    /// Its modification time.
    pub modified: Option<LogTime>,
    /// Records (rows for a database, entries with data for `lastlog`).
    pub records: u64,
    /// The first record's time in seconds (`last`'s "wtmp begins").
    pub begins: Option<i64>,
    /// The earliest and latest plausible record times.
    pub first: Option<LogTime>,
    /// See `first`.
    pub last: Option<LogTime>,
    /// Records all zero.
    pub zeroed: u64,
    /// Records with a zero time and other fields set.
    pub time_zeroed: u64,
    /// Logins with the user or terminal blanked.
    pub fields_zeroed: u64,
    /// Records no writer produces.
    pub implausible: u64,
    /// Runs of zeroed records (the first 100).
    pub zero_runs: Vec<ZeroRun>,
    /// Records whose time went back (the first 100), and how many in all.
    pub backsteps: Vec<Backstep>,
    /// See `backsteps`.
    pub out_of_order: u64,
    /// Bytes of a record cut short at the end.
    pub trailing: u64,
    /// `wtmp`/`wtmpdb`: sessions, most recent first (at most `max_sessions`).
    pub sessions: Vec<Session>,
    /// Sessions in all.
    pub sessions_total: u64,
    /// `utmp`/`btmp`: records, most recent last (at most `max_records`).
    pub entries: Vec<LoginRecord>,
    /// `lastlog`/`lastlog2`: entries with a login.
    pub lastlog: Vec<LastlogEntry>,
    /// Damaged records (the first 100) for evidence.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) bad_records: Vec<(u64, Damage)>,
}

/// The failures of one source in `btmp`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct FailureSource {
    /// The address, or the host as recorded (escaped).
    pub source: String,
    /// Failed logins.
    pub failures: u64,
    /// The first user names tried (at most 16, escaped).
    pub users: Vec<String>,
    /// First failure.
    pub first: Option<LogTime>,
    /// Last failure.
    pub last: Option<LogTime>,
    /// The first failure's record.
    pub evidence: ferret_core::Evidence,
}

/// The `btmp` failures of one source within one hour (UTC), for a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct FailureHour {
    /// The address, or the host as recorded (escaped), as in [`FailureSource::source`].
    pub source: String,
    /// The hour's start, Unix seconds (a multiple of 3,600).
    pub hour: i64,
    /// Failed logins from the source in the hour.
    pub failures: u64,
    /// The first user names tried in the hour (at most 8, escaped).
    pub users: Vec<String>,
    /// The first failure in the hour.
    pub first: LogTime,
    /// The last failure in the hour.
    pub last: LogTime,
    /// The first failure's record.
    pub evidence: ferret_core::Evidence,
}

/// What [`audit_root`] and [`audit()`] found.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Logins {
    /// Files read, in order.
    pub files: Vec<LoginFile>,
    /// Default files (one per source, with rotations) that do not exist under the root.
    pub missing: Vec<String>,
    /// `btmp` failures per source, most first.
    pub failure_sources: Vec<FailureSource>,
    /// `btmp` failures per source and hour, by hour then source (only with
    /// [`LoginOptions::max_failure_hours`]).
    pub failure_hours: Vec<FailureHour>,
    /// Failures in groups not kept (over [`LoginOptions::max_failure_hours`]): counted, not
    /// grouped.
    pub failure_hours_dropped: u64,
    /// Findings and per-file errors.
    pub outcome: Outcome,
    /// Every `wtmp`/`wtmpdb` login, compactly, for the joins.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub(crate) index: checks::LoginIndex,
}

impl Logins {
    /// The files of one source.
    pub fn files_of(&self, source: Source) -> impl Iterator<Item = &LoginFile> {
        self.files.iter().filter(move |f| f.source == Some(source))
    }
}

/// Where login records come from.
#[non_exhaustive]
pub enum LoginInput<'r> {
    /// A file inside a root, of a source (`.gz` decompressed).
    Root(&'r HostRoot, Source, PathBuf),
    /// A file held in memory, of a source, named for evidence.
    Bytes(Source, &'r [u8], Vec<u8>),
}

impl std::fmt::Debug for LoginInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginInput::Root(r, s, p) => f
                .debug_tuple("Root")
                .field(&r.path())
                .field(s)
                .field(p)
                .finish(),
            LoginInput::Bytes(s, b, n) => f
                .debug_tuple("Bytes")
                .field(s)
                .field(&b.len())
                .field(&ferret_core::escape::escape(n))
                .finish(),
        }
    }
}

/// Where each source's files are under a root.
const DEFAULTS: [(Source, &str); 6] = [
    (Source::Utmp, "/run/utmp"),
    (Source::Wtmp, "/var/log/wtmp"),
    (Source::Btmp, "/var/log/btmp"),
    (Source::Lastlog, "/var/log/lastlog"),
    (Source::Wtmpdb, "/var/lib/wtmpdb/wtmp.db"),
    (Source::Lastlog2, "/var/lib/lastlog/lastlog2.db"),
];

/// The default files of a root, oldest rotation first, and the sources of which none exists.
fn default_files(
    root: &HostRoot,
    only: Option<&[Source]>,
) -> (Vec<(Source, PathBuf)>, Vec<String>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for (source, base) in DEFAULTS {
        if only.is_some_and(|o| !o.contains(&source)) {
            continue;
        }
        let base = Path::new(base);
        let mut found: Vec<PathBuf> = match source {
            Source::Utmp => ["/run/utmp", "/var/run/utmp"]
                .iter()
                .map(PathBuf::from)
                .find(|p| root.lstat(p).is_ok())
                .into_iter()
                .collect(),
            Source::Wtmp | Source::Btmp => {
                let mut v = crate::analyze::rotations(root, base);
                if root.lstat(base).is_ok() {
                    v.push(base.to_path_buf());
                }
                v
            }
            Source::Wtmpdb => {
                // wtmpdb rotates into wtmp_YYYYMMDD.db beside the live database.
                let mut v: Vec<PathBuf> = root
                    .read_dir("/var/lib/wtmpdb")
                    .map(|es| {
                        es.into_iter()
                            .filter(|e| {
                                let n = e.name.as_bytes();
                                n.starts_with(b"wtmp_") && n.ends_with(b".db")
                            })
                            .map(|e| Path::new("/var/lib/wtmpdb").join(e.name))
                            .collect()
                    })
                    .unwrap_or_default();
                v.sort();
                if root.lstat(base).is_ok() {
                    v.push(base.to_path_buf());
                }
                v
            }
            Source::Lastlog | Source::Lastlog2 => {
                if root.lstat(base).is_ok() {
                    vec![base.to_path_buf()]
                } else {
                    Vec::new()
                }
            }
        };
        if found.is_empty() {
            missing.push(base.display().to_string());
        }
        files.extend(found.drain(..).map(|p| (source, p)));
    }
    (files, missing)
}

/// The login files of a host: `opts.files` when given, else the defaults (see the module
/// docs) of every source or of `opts.only`; a source none of whose files exists is listed in
/// [`Logins::missing`], not an error.
/// Names of `lastlog` uids come from the root's `/etc/passwd`.
pub fn audit_root(root: &HostRoot, opts: &LoginOptions, control: &Control) -> Logins {
    let (files, missing) = if opts.files.is_empty() {
        default_files(root, opts.only.as_deref())
    } else {
        (opts.files.clone(), Vec::new())
    };
    let inputs = files.into_iter().map(|(s, p)| LoginInput::Root(root, s, p));
    let mut l = audit(inputs, opts, control);
    l.missing = missing;
    l
}

/// Reads the inputs given, in that order (oldest rotation first), and runs the checks that
/// need nothing else: the in-memory twin of [`audit_root`]. One unreadable input is an error in
/// the outcome beside the rest. `lastlog` uids get names from the `/etc/passwd` of the first
/// root among the inputs, if any.
pub fn audit<'r>(
    inputs: impl IntoIterator<Item = LoginInput<'r>>,
    opts: &LoginOptions,
    control: &Control,
) -> Logins {
    let mut acc = Acc {
        opts,
        control,
        logins: Logins::default(),
        failures: Failures {
            max_hours: opts.max_failure_hours,
            ..Failures::default()
        },
        names: None,
    };
    for (n, input) in inputs.into_iter().enumerate() {
        if control.is_cancelled() {
            acc.logins
                .outcome
                .error(ErrorRecord::new(None, None, "cancelled"));
            break;
        }
        let mut p = ferret_core::Progress::default();
        p.items_done = n as u64;
        control.report(p);
        acc.input(input);
    }
    let Acc {
        mut logins,
        failures,
        ..
    } = acc;
    (
        logins.failure_sources,
        logins.failure_hours,
        logins.failure_hours_dropped,
    ) = failures.finish();
    checks::run(&mut logins, opts);
    logins
}

/// uid to name, from a passwd file.
type Names = HashMap<u32, Vec<u8>>;

struct Acc<'o> {
    opts: &'o LoginOptions,
    control: &'o Control,
    logins: Logins,
    failures: Failures,
    /// uid names, read from the first root seen.
    names: Option<Names>,
}

impl Acc<'_> {
    fn input(&mut self, input: LoginInput<'_>) {
        match input {
            LoginInput::Root(root, source, path) => {
                if self.names.is_none() {
                    self.names = Some(passwd_names(root));
                }
                self.root_file(root, source, &path);
            }
            LoginInput::Bytes(source, data, name) => {
                let mut file = LoginFile {
                    path: ferret_core::escape::escape(&name),
                    source: Some(source),
                    size: data.len() as u64,
                    ..LoginFile::default()
                };
                match source {
                    Source::Wtmpdb | Source::Lastlog2 => {
                        let db = ferret_sqlite::Database::open(data, None, bytes_path(&name));
                        self.database(source, &mut file, db);
                    }
                    Source::Lastlog => {
                        file.trailing = data.len() as u64 % LASTLOG_RECORD as u64;
                        let entries: Vec<LastlogEntry> = parse_lastlog(data).collect();
                        self.lastlog_entries(&mut file, entries);
                    }
                    _ => {
                        let gz = data.starts_with(&[0x1f, 0x8b]);
                        file.compressed = gz;
                        let size = (!gz).then_some(data.len() as u64);
                        self.utmp_stream(source, &mut file, &name, data, size, gz);
                    }
                }
                self.logins.files.push(file);
            }
        }
    }

    fn root_file(&mut self, root: &HostRoot, source: Source, path: &Path) {
        let pb = path.as_os_str().as_bytes().to_vec();
        let mut file = LoginFile {
            path: ferret_core::escape::escape(&pb),
            source: Some(source),
            ..LoginFile::default()
        };
        match source {
            Source::Wtmpdb | Source::Lastlog2 => {
                if let Ok(st) = root.lstat(path) {
                    file.size = st.size;
                    file.modified = Some(LogTime::from_secs(st.mtime.sec));
                }
                let db = ferret_sqlite::Database::open_root(root, path);
                if let Err(ferret_sqlite::Error::Open(e)) = &db {
                    self.logins.outcome.error(ErrorRecord::from(e));
                    return;
                }
                self.database(source, &mut file, db);
            }
            _ => {
                let f = match root.open_file(path, &OpenOptions::new()) {
                    Ok(f) => f,
                    Err(e) => {
                        self.logins.outcome.error(ErrorRecord::from(&e));
                        return;
                    }
                };
                file.size = f.stat().size;
                file.modified = Some(LogTime::from_secs(f.stat().mtime.sec));
                if source == Source::Lastlog {
                    self.lastlog_file(&mut file, &f);
                } else {
                    let gz = path.extension().is_some_and(|e| e == "gz");
                    file.compressed = gz;
                    let size = (!gz).then_some(file.size);
                    let r = Throttled {
                        inner: f,
                        control: self.control,
                    };
                    self.utmp_stream(source, &mut file, &pb, r, size, gz);
                }
            }
        }
        self.logins.files.push(file);
    }

    fn error(&mut self, path: &str, line: Option<u64>, message: impl Into<String>) {
        let mut e = ErrorRecord::new(None, line, message);
        e.path = Some(path.to_string());
        self.logins.outcome.error(e);
    }

    /// Reads a utmp-family stream, plain or gzip.
    fn utmp_stream(
        &mut self,
        source: Source,
        file: &mut LoginFile,
        name: &[u8],
        r: impl Read,
        size: Option<u64>,
        gz: bool,
    ) {
        if gz {
            #[cfg(feature = "gzip")]
            {
                let dec = Capped {
                    inner: flate2::read::MultiGzDecoder::new(r),
                    left: self.opts.max_decompressed,
                    cap: self.opts.max_decompressed,
                };
                self.utmp_records(source, file, name, dec, None);
            }
            #[cfg(not(feature = "gzip"))]
            {
                let _ = (r, name);
                let path = file.path.clone();
                self.error(&path, None, "gzip support not compiled in (feature `gzip`)");
            }
        } else {
            self.utmp_records(source, file, name, r, size);
        }
    }

    fn utmp_records(
        &mut self,
        source: Source,
        file: &mut LoginFile,
        name: &[u8],
        r: impl Read,
        size: Option<u64>,
    ) {
        let opts = self.opts;
        let mut records = Records::new(r, size, opts.layout);
        let mut scan = checks::FileScan::new(source, opts);
        let mut builder = SessionBuilder::new();
        let mut kept: Vec<Session> = Vec::new();
        let mut total = 0u64;
        let file_id = self.logins.index.add_file(name);
        let index = &mut self.logins.index;
        // Records of sessions not kept, whose buffers later records reuse.
        let recycled = std::cell::RefCell::new(Vec::<LoginRecord>::new());
        let mut sink = |s: Session| {
            total += 1;
            if s.kind == SessionKind::Login {
                index.add(file_id, &s.start);
            }
            if opts.max_sessions > 0 {
                kept.push(s);
                if kept.len() >= opts.max_sessions.saturating_mul(2).max(1024) {
                    keep_recent(&mut kept, opts.max_sessions);
                }
            } else if let Ok(mut r) = recycled.try_borrow_mut() {
                if r.len() < 16 {
                    r.push(s.start);
                }
            }
        };
        let mut entries = std::collections::VecDeque::new();
        // A record no session or list kept, whose buffers the next record reuses.
        let mut spare: Option<LoginRecord> = None;
        let mut n = 0u64;
        let mut read_error = None;
        loop {
            let (first, count) = records.skip_zeros(1 << 16);
            if count > 0 {
                scan.zeroed_run(first, count);
                if self.control.is_cancelled() {
                    break;
                }
            }
            let rec = match records.next_raw() {
                None => break,
                Some(Err(e)) => {
                    read_error = Some(e);
                    break;
                }
                // An all-zero record (a wiped entry, or a hole of a sparse file) only counts:
                // `last` skips it, it is no failure, and it is not worth a copy.
                Some(Ok((raw, _, index))) if utmp::is_zero(raw) => {
                    scan.zeroed(index);
                    None
                }
                Some(Ok((raw, layout, index))) => Some(
                    match spare
                        .take()
                        .or_else(|| recycled.try_borrow_mut().ok().and_then(|mut r| r.pop()))
                    {
                        Some(mut r) => {
                            utmp::decode_into(raw, layout, index, &mut r);
                            r
                        }
                        None => utmp::decode(raw, layout, index),
                    },
                ),
            };
            n += 1;
            if n.is_multiple_of(4096) && self.control.is_cancelled() {
                break;
            }
            let Some(rec) = rec else { continue };
            scan.record(&rec);
            spare = match source {
                Source::Wtmp => builder.push_back(rec, &mut sink),
                Source::Btmp => {
                    self.failures.add(&rec, &file.path);
                    keep_last(&mut entries, rec, opts.max_records)
                }
                _ => keep_last(&mut entries, rec, opts.max_records),
            };
        }
        let evicted = builder.evicted();
        builder.finish(&mut sink);
        keep_recent(&mut kept, opts.max_sessions);
        sort_recent(&mut kept);
        file.layout = records.layout();
        file.trailing = records.trailing() as u64;
        file.records = records.records();
        file.sessions = kept;
        file.sessions_total = total;
        file.entries = entries.into();
        scan.finish(file);
        if evicted > 0 {
            let path = file.path.clone();
            self.error(
                &path,
                None,
                format!(
                    "{evicted} sessions were given out before their end was known (more than {MAX_PENDING} pending: hostile input?)"
                ),
            );
        }
        if let Some(e) = read_error {
            let path = file.path.clone();
            self.error(&path, Some(file.records + 1), e.to_string());
        }
        if self.control.is_cancelled() {
            let path = file.path.clone();
            self.error(
                &path,
                None,
                "cancelled; the records after this point were not read",
            );
        }
    }

    fn lastlog_file(&mut self, file: &mut LoginFile, f: &ferret_core::SafeFile) {
        match lastlog::read_file(f.file(), file.size, self.opts.max_lastlog, self.control) {
            Ok(r) => {
                file.trailing = r.trailing;
                if r.capped {
                    let path = file.path.clone();
                    self.error(
                        &path,
                        None,
                        format!(
                            "read {} bytes of data (the cap, max_lastlog); the uids past them were not examined",
                            r.read
                        ),
                    );
                }
                self.lastlog_entries(file, r.entries);
            }
            Err(e) => {
                let path = file.path.clone();
                self.error(&path, None, e.to_string());
            }
        }
    }

    fn lastlog_entries(&mut self, file: &mut LoginFile, mut entries: Vec<LastlogEntry>) {
        if let Some(names) = &self.names {
            for e in &mut entries {
                if let Some(n) = e.uid.and_then(|u| names.get(&u)) {
                    e.user = Some(n.clone());
                }
            }
        }
        file.records = entries.len() as u64;
        file.implausible = entries.iter().filter(|e| e.damage.is_some()).count() as u64;
        checks::lastlog_span(file, &entries);
        file.lastlog = entries;
    }

    fn database<S: ferret_sqlite::ByteSource>(
        &mut self,
        source: Source,
        file: &mut LoginFile,
        db: Result<ferret_sqlite::Database<S>, ferret_sqlite::Error>,
    ) {
        let path = file.path.clone();
        let db = match db {
            Ok(db) => db,
            Err(e) => {
                self.error(&path, None, e.to_string());
                return;
            }
        };
        for note in db.notes() {
            self.error(&path, None, note.clone());
        }
        if source == Source::Lastlog2 {
            match lastlog2_entries(&db) {
                Ok((entries, errors)) => {
                    for e in errors {
                        self.logins.outcome.error(e.record());
                    }
                    self.lastlog_entries(file, entries);
                }
                Err(e) => self.logins.outcome.error(e.record()),
            }
            return;
        }
        match wtmpdb_sessions(&db) {
            Ok((mut sessions, errors)) => {
                for e in errors {
                    self.logins.outcome.error(e.record());
                }
                let file_id = self.logins.index.add_file(path.as_bytes());
                file.records = sessions.len() as u64;
                file.sessions_total = sessions.len() as u64;
                for s in &sessions {
                    if s.kind == SessionKind::Login {
                        self.logins.index.add(file_id, &s.start);
                    }
                }
                checks::session_span(file, &sessions);
                sessions.sort_by_key(|s| std::cmp::Reverse((s.start.sec, s.start.index)));
                sessions.truncate(self.opts.max_sessions);
                file.sessions = sessions;
            }
            Err(e) => self.logins.outcome.error(e.record()),
        }
    }
}

/// The path of an in-memory database, for its errors.
fn bytes_path(name: &[u8]) -> PathBuf {
    PathBuf::from(std::ffi::OsStr::from_bytes(name))
}

/// Keeps the `n` most recent sessions (by start record), most recent first.
fn keep_recent(v: &mut Vec<Session>, n: usize) {
    if v.len() > n {
        // The `n` most recent first, in linear time; sorted once, at the end.
        if n > 0 {
            v.select_nth_unstable_by_key(n - 1, |s| std::cmp::Reverse(s.start.index));
        }
        v.truncate(n);
    }
}

/// Most recent first.
fn sort_recent(v: &mut [Session]) {
    v.sort_unstable_by_key(|s| std::cmp::Reverse(s.start.index));
}

/// Keeps the last `n` records; gives back the one dropped, if any.
fn keep_last(
    q: &mut std::collections::VecDeque<LoginRecord>,
    r: LoginRecord,
    n: usize,
) -> Option<LoginRecord> {
    if n == 0 {
        return Some(r);
    }
    let old = if q.len() >= n { q.pop_front() } else { None };
    q.push_back(r);
    old
}

/// The uid-to-name map of a root's `/etc/passwd` (empty when it cannot be read).
fn passwd_names(root: &HostRoot) -> Names {
    let Ok(data) = root.read_capped("/etc/passwd", 64 << 20) else {
        return Names::new();
    };
    let mut names = Names::new();
    for line in ferret_accounts::passwd::parse(&data) {
        if let Some(e) = line.entry() {
            names.entry(e.uid).or_insert_with(|| e.name.to_vec());
        }
    }
    names
}

/// A reader charged to the I/O budget of a [`Control`].
struct Throttled<'c, R> {
    inner: R,
    control: &'c Control,
}

impl<R: Read> Read for Throttled<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if !self.control.charge(n as u64) {
            return Ok(0);
        }
        Ok(n)
    }
}

/// A decompressor that fails once more than `cap` bytes came out of it.
#[cfg(feature = "gzip")]
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

#[cfg(feature = "gzip")]
impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more means the cap was passed.
            let mut one = [0u8; 1];
            return match self.inner.read(&mut one)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "more than {} bytes decompressed (max_decompressed); the rest was not read",
                    self.cap
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// `btmp` failures per source.
#[derive(Default)]
struct Failures {
    by_source: HashMap<Vec<u8>, usize, foldhash::fast::RandomState>,
    /// The list index of addresses seen (formatting an address per record is most of the cost).
    by_addr: HashMap<std::net::IpAddr, usize, foldhash::fast::RandomState>,
    list: Vec<FailureSource>,
    /// The users of each source, as recorded (for `FailureSource::users`, escaped once).
    raw_users: Vec<Vec<Vec<u8>>>,
    /// Groups per source (list index) and hour, when kept.
    by_hour: HashMap<(usize, i64), usize, foldhash::fast::RandomState>,
    hours: Vec<FailureHour>,
    max_hours: usize,
    hours_dropped: u64,
}

/// Sources tracked at most; failures from more are counted under `(other sources)`.
const MAX_SOURCES: usize = 1 << 16;

impl Failures {
    fn add(&mut self, r: &LoginRecord, path: &str) {
        if r.damage.is_some() {
            return;
        }
        if let Some(&i) = r.addr.and_then(|a| self.by_addr.get(&a)) {
            self.count(i, r, path);
            return;
        }
        let Some(src) = r.source() else {
            return;
        };
        let key = if self.by_source.len() >= MAX_SOURCES && !self.by_source.contains_key(&src) {
            b"(other sources)".to_vec()
        } else {
            src
        };
        let i = match self.by_source.get(&key) {
            Some(&i) => i,
            None => {
                let mut ev = ferret_core::Evidence::file(b"");
                ev.path = path.to_string();
                ev.line = Some(r.index);
                self.list.push(FailureSource {
                    source: ferret_core::escape::escape(&key),
                    failures: 0,
                    users: Vec::new(),
                    first: None,
                    last: None,
                    evidence: ev,
                });
                let i = self.list.len() - 1;
                self.raw_users.push(Vec::new());
                self.by_source.insert(key, i);
                i
            }
        };
        if let Some(a) = r.addr {
            if self.by_addr.len() < MAX_SOURCES {
                self.by_addr.insert(a, i);
            }
        }
        self.count(i, r, path);
    }

    fn count(&mut self, i: usize, r: &LoginRecord, path: &str) {
        if self.max_hours > 0 {
            self.hour(i, r, path);
        }
        let (Some(s), Some(raw)) = (self.list.get_mut(i), self.raw_users.get_mut(i)) else {
            return;
        };
        s.failures += 1;
        if let Some(t) = r.time() {
            s.first = Some(s.first.map_or(t, |f| f.min(t)));
            s.last = Some(s.last.map_or(t, |l| l.max(t)));
        }
        if raw.len() < 16 && !r.user.is_empty() && !raw.contains(&r.user) {
            raw.push(r.user.clone());
            s.users.push(ferret_core::escape::escape(&r.user));
        }
    }

    /// Counts a failure in its source's hour.
    fn hour(&mut self, i: usize, r: &LoginRecord, path: &str) {
        let Some(t) = r.time() else { return };
        let hour = t.secs().div_euclid(3600) * 3600;
        let g = match self.by_hour.get(&(i, hour)) {
            Some(&g) => g,
            None => {
                if self.hours.len() >= self.max_hours {
                    self.hours_dropped += 1;
                    return;
                }
                let Some(src) = self.list.get(i) else { return };
                let mut ev = ferret_core::Evidence::file(b"");
                ev.path = path.to_string();
                ev.line = Some(r.index);
                self.hours.push(FailureHour {
                    source: src.source.clone(),
                    hour,
                    failures: 0,
                    users: Vec::new(),
                    first: t,
                    last: t,
                    evidence: ev,
                });
                self.by_hour.insert((i, hour), self.hours.len() - 1);
                self.hours.len() - 1
            }
        };
        if let Some(h) = self.hours.get_mut(g) {
            h.failures += 1;
            h.first = h.first.min(t);
            h.last = h.last.max(t);
            if h.users.len() < 8 && !r.user.is_empty() {
                let u = ferret_core::escape::escape(&r.user);
                if !h.users.contains(&u) {
                    h.users.push(u);
                }
            }
        }
    }

    /// The sources, most failures first; the hours, in time order; the hours not kept.
    fn finish(self) -> (Vec<FailureSource>, Vec<FailureHour>, u64) {
        let mut v = self.list;
        v.sort_by(|a, b| {
            b.failures
                .cmp(&a.failures)
                .then_with(|| a.source.cmp(&b.source))
        });
        let mut h = self.hours;
        h.sort_by(|a, b| a.hour.cmp(&b.hour).then_with(|| a.source.cmp(&b.source)));
        (v, h, self.hours_dropped)
    }
}
