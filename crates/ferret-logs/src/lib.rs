//! # ferret-logs
//!
//! Auth, syslog and firewall logs, the systemd journal and the Linux audit log, read into
//! typed events (sshd, PAM, sudo, su, shadow-utils, systemd-logind, cron, netfilter, kernel,
//! auditd's records: see [`audit`]), detections
//! (brute force, spraying, login after failures, port scans, new accounts, ...) and a timeline
//! of the attack window. Every common envelope is read (RFC 3164, RFC 3339, RFC 5424,
//! journalctl short-iso and JSON, BSD `<PRI>` prefixes), plain or gzip, from a live host or a
//! mounted image, read-only.
//!
//! ```
//! use ferret_logs::{analyze, AnalyzeOptions, Input};
//! use ferret_logs::core::{Control, Severity};
//!
//! let mut log = String::new();
//! for i in 0..6 {
//!     log += &format!("Mar  1 10:00:0{i} web sshd[10{i}]: Failed password for root from 203.0.113.9 port 4{i}000 ssh2\n");
//! }
//! log += "Mar  1 10:01:00 web sshd[200]: Accepted password for root from 203.0.113.9 port 50000 ssh2\n";
//! let mut opts = AnalyzeOptions::default();
//! opts.year = Some(2024);
//! let a = analyze([Input::reader(log.as_bytes(), "auth.log")], &opts, &Control::new());
//! assert_eq!(a.lines, 7);
//! let top = a.sources.iter().next().unwrap();
//! assert_eq!(top.ip, "203.0.113.9");
//! assert_eq!(top.failures, 6);
//! let ids: Vec<&str> = a.outcome.findings.iter().map(|f| f.id.as_str()).collect();
//! assert_eq!(ids[0], "logs.login-after-failures");
//! assert_eq!(a.outcome.findings[0].severity, Severity::Critical);
//! assert!(ids.contains(&"logs.brute-force"));
//! ```
//!
//! ## Entry points
//!
//! One naming rule, the one of every ferret crate: a function that reads a host ends in
//! `_root` and takes the root, the options and the controls; the same work on what the caller
//! hands over has the verb alone; the layers below detection are `parse*`.
//!
//! - [`analyze_root`]`(&root, &opts, &control)`: the host's logs (its default log files and
//!   their rotations, the journal on journald-only hosts), or the files and journal
//!   directories in `opts.paths`.
//! - [`analyze()`]`(inputs, &opts, &control)`: the [`Input`]s given: readers (stdin, buffers),
//!   journal files in memory, files inside a root.
//! - [`parse_lines`]: one owned [`Record`] (envelope and event) per line of a reader, without
//!   detection; [`envelope::parse`], [`parse_message`], [`parse_repeat`]: one line, one
//!   message.
//! - [`Detector`]: the detections over events fed one by one; [`journal::JournalFile`]: the
//!   entries of one journal file.
//! - [`audit`]: the Linux audit log (`audit.log`): recognised by its content by
//!   [`analyze()`] and read by [`analyze_root`] from `/var/log/audit/audit.log*`; its records
//!   become the same events (and detections) as the syslog lines, the ones also read from a
//!   text log dropped; [`audit::parse_record`] for one record.
//! - [`dpkg::history_root`]: the package manager's log (`/var/log/dpkg.log` and rotations):
//!   what was installed, upgraded, removed or purged, and when.
//! - [`history::histories_root`]`(&root, &opts, &control)`: every account's shell histories
//!   (bash, zsh, fish, ash/ksh, Python, MySQL, psql, less), classified by the shared command
//!   classifier, with the ways history is suppressed; [`history::histories`] on histories in
//!   memory, [`history::parse`] for one file (finding ids `history.*`: see [`history`]).
//!
//! Options are plain fields of [`AnalyzeOptions`] set on its `Default`. Every long operation
//! takes a [`ferret_core::Control`] (cancellation, progress, I/O budget); results are partial,
//! with one [`ErrorRecord`] per file that could not be read beside the rest. `jobs` > 1 reads
//! large files on several threads; the answer is the same for any value.
//!
//! ## Time zones
//!
//! RFC 3164 timestamps (`Dec  7 00:42:35`) and ISO 8601 ones without an offset carry no zone:
//! they are the host's local time. [`analyze_root`] reads the zone of the root
//! ([`time::root_time_zone`]: its `/etc/localtime`, a TZif file usually linked into
//! `/usr/share/zoneinfo` and followed inside the root only, else Debian's `/etc/timezone`);
//! a root without either is read in UTC. [`analyze()`] reads files inside a root in that
//! root's zone and readers and bytes in memory in UTC. `AnalyzeOptions::time_zone` chooses
//! UTC or a zone instead; [`Analysis::time_zone`] says which zone was used and why.
//! Summer time changes inside a log are followed. A local time that happens twice (the hour
//! after a fall-back change) is read as the earlier one, a local time that does not exist
//! (the hour skipped by a spring-forward change) as if the change had not happened yet: the
//! instant a clock still on the old offset would show (jiff's `Disambiguation::Compatible`).
//! The year of a year-less timestamp is the file's (its mtime), or `opts.year`.
//!
//! ## Findings
//!
//! | id | severity | ATT&CK | meaning |
//! |---|---|---|---|
//! | `logs.brute-force` | high | T1110.001 | `failures` (5) failed attempts (password guesses and invalid-user probes) from one source within `window_secs` (600) |
//! | `logs.password-spraying` | high | T1110.003 | `spray_users` (5) distinct user names in failed attempts from one source within the window |
//! | `logs.distributed-brute-force` | high | T1110.001 | one user failing from `distributed_sources` (10) sources within the window |
//! | `logs.login-after-failures` | critical | T1078, T1110 | a successful ssh login from a source with `success_after_failures` (5) earlier failed attempts, or one already flagged |
//! | `logs.root-ssh-login` | high | T1078.003 | root logged in over ssh (subject: source) |
//! | `logs.new-account` | medium (critical for uid 0) | T1136.001 | `useradd` created an account |
//! | `logs.privileged-group-add` | high | T1098 | a user added to a privileged group ([`ferret_core::groups::PRIVILEGED_GROUPS`]: root, sudo, wheel, admin, adm, shadow, disk, kmem, docker, lxd, libvirt, kvm, staff) |
//! | `logs.sudo-not-in-sudoers` | medium | T1548.003 | sudo attempted by a user not in sudoers |
//! | `logs.sudo-command` | the command's kind's (one higher for an account created or made privileged inside the attack window) | T1548.003 and the kind's | a command run through sudo that [`ferret_core::command::classify`] flags; one per user and kind (the most severe of the command's kinds), the commands as evidence |
//! | `logs.new-account-elevation` | high | T1136.001, T1548.003 | an account created (`useradd`) or added to a privileged group inside the attack window then ran sudo commands or su sessions |
//! | `logs.sudo-auth-failure` | medium | T1110.001, T1548.003 | wrong passwords given to sudo (one per user, the lines as evidence) |
//! | `logs.su-failure` | medium | T1110.001 | failed su to another user (one per user) |
//! | `logs.port-scan` | medium | T1046 | `portscan_ports` (15) distinct destination ports from one source within `portscan_window_secs` (60) in netfilter LOG lines |
//! | `logs.fs-errors` | medium | - | `fs_errors` (5) filesystem / block I/O errors within `fs_window_secs` (3600) |
//! | `logs.module-taint` | medium | T1547.006 | an unsigned or out-of-tree kernel module tainted the kernel |
//! | `logs.security-agent-stopped` | high | T1562.001 | audit `SERVICE_STOP` of a security or logging agent ([`ferret_core::command::is_security_agent`]: aegis, cloudmonitor, YunJing, hostguard, auditd, rsyslog, ...) that no `SYSTEM_SHUTDOWN` or restart of the unit within [`audit::SHUTDOWN_GRACE_SECS`] explains |
//! | `logs.audit-tampering` | high | T1562.012 | auditing disabled (`CONFIG_CHANGE audit_enabled=0`), audit rules removed by a logged-in user, `DAEMON_ABORT`, auditd stopped by a logged-in user (one per audit user) |
//! | `logs.promiscuous` | medium | T1040 | a network device put in promiscuous mode (audit `ANOM_PROMISCUOUS`) |
//! | `logs.overlong-line` | low | - | a line over `max_line` bytes (64 KiB) was truncated |
//! | `logs.campaign` | the highest of its sources' | theirs | one detection (`logs.brute-force`, `logs.password-spraying`, `logs.port-scan`) from `campaign_sources` (50) sources or more: one finding with the counts, the time span and the `campaign_top` (10) sources by failures (see [`campaign`]); a source that did more keeps its own |
//! | `logs.repeat-capped` | low | - | a repeat line said more than [`MAX_REPEAT`] repeats (counted as [`MAX_REPEAT`]) |
//! | `logs.decompression-bomb` | medium | T1070, T1499 | a `.gz` log inflated past [`MAX_GZ_RATIO`] times its compressed bytes (once past [`GZ_RATIO_FLOOR`]) or past [`MAX_GZ_OUTPUT`] bytes: reading it stopped there, the other files are read |
//!
//! A source's failures within the window (brute force, spraying): at each failure of a
//! source, the failures (and failing users) it remembers that are more than the window away
//! from that failure (before it, or after it when times go back) are forgotten; `failures`
//! remembered failures are a brute force, `spray_users` remembered users a spray. On a log
//! whose times only grow this is the last `failures` failures within the window; on a merged
//! log, or files given newest first, a failure no longer counts with one more than the window
//! away from it, and the order of the inputs never hides a burst within the window.
//!
//! ## What counts as a failure
//!
//! Each source ([`SourceSummary`]) counts authentication attempts in three kinds
//! ([`EventKind::attempt`]), each attempt once:
//!
//! - **`failures`: password guesses that failed.** A `Failed password` or `Failed
//!   keyboard-interactive/pam` line (any method but `publickey`, `hostbased` and `none`)
//!   is one. On a log without repeat lines, a source's `failures` is the number of its such
//!   lines, plus the guesses sshd reported only through PAM: its `error: PAM: Authentication
//!   failure for U from H` line counts, and the `Failed keyboard-interactive/pam` line it is
//!   followed by in the same session (sshd pid) is the same guess; a `pam_unix(sshd:auth)`
//!   failure counts only when its session then tries another user (fail2ban gh-2070), since
//!   sshd writes a `Failed` line for it otherwise; another service's `pam_*(svc:auth):
//!   authentication failure` with a remote host counts (it writes no other line).
//! - **`publickey`: keys offered and refused** (`Failed publickey`, `Failed hostbased`),
//!   counted apart as fail2ban's normal mode does: clients offer every key they hold before
//!   the right one (fail2ban gh-1263).
//! - **`probes`: user names refused before any password** (`Invalid user U from H`, `User U
//!   from H not allowed because ...`, `ROOT LOGIN REFUSED`, `Failed none for invalid user`).
//!   An `Invalid user X` line followed in the same session by `Failed password for invalid
//!   user X` is one attempt, a failure, not two; sshd's further lines about the same probe
//!   (`input_userauth_request: invalid user X`) add nothing. Lines without a pid are counted
//!   each on its own.
//!
//! sshd's summaries of failures it reported already (`maximum authentication attempts
//! exceeded`, `Disconnecting: Too many authentication failures`, `Received disconnect ...: 3:
//! Auth fail`) count as none of them. The detections' windows (brute force, spraying,
//! distributed brute force) and `success_after_failures` count failed attempts: failures and
//! probes, each at its first line (a probe that becomes a guess is not seen twice); refused
//! keys never. Repeat lines add their count to the kind of the repeated event.
//!
//! [`EventKind::is_auth_failure`] is the per-line view: whether fail2ban's `sshd` filter
//! counts the line in its normal mode (failed password / keyboard-interactive / publickey for
//! an invalid user, invalid user, user not allowed, root login refused, PAM failure, maximum
//! attempts, too many failures) plus `pam_unix(*:auth): authentication failure` lines with a
//! remote host; fail2ban counts an invalid user's attempt twice (its `Invalid user` and its
//! `Failed password` line), the counts above once.
//!
//! ## sudo and su
//!
//! Every command run through sudo (`sudo: U : TTY=t ; PWD=p ; USER=root ; COMMAND=c`), every
//! refused one (`incorrect password attempts`, `user NOT in sudoers`) and every su session
//! (`pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)`,
//! util-linux's `(to root) alice on pts/0`, one session for the two lines) is an
//! [`Elevation`] in [`Analysis::elevations`]: who, as whom, the command, its working
//! directory, time, file and line, and what the command does by the one shared classifier
//! ([`ferret_core::command::classify`]). The flagged commands are `logs.sudo-command`
//! findings, grouped per user and kind; an account that `useradd` created or `usermod`/
//! `gpasswd` added to a privileged group ([`ferret_core::groups`]) inside the attack window
//! ranks higher (one severity up, and `logs.new-account-elevation`). Excerpts show the
//! command with its secrets masked ([`ferret_core::command::mask_secrets`]). At most
//! [`MAX_ELEVATIONS`] are kept; [`Analysis::elevations_omitted`] counts the rest.
//!
//! ## Repeat lines
//!
//! rsyslog with `$RepeatedMsgReduction on` (Ubuntu's default) collapses identical messages
//! into `sshd[1234]: message repeated 3 times: [ Failed password for root from ... ssh2]`.
//! The bracketed message is the event of that program and pid and counts **N times**
//! ([`parse_repeat`]): in the per-kind counts, the per-hour histogram, the per-source
//! counters and the sliding windows (2 lines x 3 repeats make a brute force at the default
//! threshold of 5). Evidence names the repeat line. N is capped at [`MAX_REPEAT`] (a larger
//! count is reported as `logs.repeat-capped`); per-file [`FileSummary`] counters count
//! lines, not repeats. A missing closing bracket is accepted only on a line truncated at
//! `max_line`.
//!
//! Older syslogd, syslog-ng and busybox write `web1 last message repeated 5 times`: the
//! previous message of the same file (not itself such a line) repeated N more times, applied
//! only when it has the same host; a run of such lines repeats the same message. With no such
//! message (first line, another host, a truncated line) the line counts as unrecognized.
//! [`parse_lines`] sees each line alone: it unwraps `message repeated` but gives no event for
//! `last message repeated`.
//!
//! ## Logs at scale
//!
//! Memory grows with the distinct sources and users, never with the lines: a botnet's log has
//! hundreds of thousands of sources (tested with 200,000 sources of one line each, and one
//! source with a million lines; the detector's state is measured, not guessed). What a
//! source costs:
//!
//! - One 80-byte entry, in a table that grows by chunks of 1024 entries (never copied,
//!   never doubled): the name's 16-byte inline key (names up to 15 bytes, which is every
//!   IPv4 address and short IPv6 ones; longer names are kept in a side table), first and
//!   last time as `u32` seconds from the stream's first time (a time before it, 136 years
//!   past it or with a fraction of a second moves that source's two times to a side table),
//!   six 32-bit counters (saturating at 2^32 - 1), the first failure's file and line (`u32`;
//!   a later line in a side table), and the first user names as ids into one table of names
//!   that every source shares (stored once, end to end in 64 KiB chunks; a source's second
//!   to 16th users in 16-byte blocks of three).
//! - One slot of the index: a hash table of 4-byte entry numbers (the keys are the entries'
//!   own), looked up once per line; an sshd session remembers its source's entry.
//! - Its sliding windows (64 bytes), only once it failed twice or probed ports: the last
//!   `failures` failure times and lines (a ring in one shared slab, reused once the brute
//!   force is found), the users failing within the window (two inline), the ports. Each is
//!   freed when its finding is made. A source seen failing once holds that failure (time,
//!   line, user id) in its entry; so does a source whose windows hold nothing but its latest
//!   failure (the others are forgotten, see "Findings"): a botnet's sources, failing days
//!   apart, hold windows only while they fail within the window (freed windows are reused).
//!
//! Per user: 16 bytes (the one recent source failing on it inline), and the user's recent
//! sources once two or more fail on it within the window, until the distributed brute force
//! is reported. Accepted logins are kept as 32-byte records of ids. Capped, with the rest counted: user names listed per source
//! (16, [`SourceSummary::users`]), users per spraying window and ports per scan window (4x
//! their thresholds), sources per user window (4x), accepted logins
//! ([`detect::MAX_ACCEPTED`]), elevations, timeline events, unparsed samples.
//!
//! A source's login-after-failures finding is kept as a 40-byte record of ids until the end.
//! Its brute-force, spraying and port-scan findings are kept as 32-byte records until
//! the end: when a campaign folds them ([`campaign`]), only its top sources' findings are
//! ever made (a botnet's log would otherwise hold a ~1.5 KB finding a source until then).
//! At the end the entries become [`Analysis::sources`] ([`Sources`]) chunk by chunk (72 bytes
//! a source: name, times, counters, two user ids; the windows and sessions are freed), with
//! the index kept for [`Sources::get`] and the report order as 4-byte indexes: no
//! [`SourceSummary`] is stored, each is made on demand, borrowing the names, so listing,
//! rendering or serialising every source copies nothing (the JSON `sources` array is written
//! one source at a time).
//!
//! Measured with a counting allocator (`tests/memory.rs`: a burst of failed passwords from
//! each of 100,000 or 300,000 sources, each a brute force folded into one campaign): 372 heap
//! bytes a source at the peak for 100,000, 402 for 300,000 (the index's doubling; 122 MB in
//! all), was 2,104 (a finding and a summary a source); serialising
//! the sources adds none; one source's million lines no more than its 100,000.
//! `FERRET_MEMORY_SOURCES=300000 cargo test -p ferret-logs --test memory -- --nocapture`
//! prints the figures.
//!
//! ## The systemd journal
//!
//! Debian 12+ and many cloud images run journald only: no `/var/log/auth.log`, and the
//! binary journal is the only record of an ssh brute force. [`journal`] reads journal files
//! natively and read-only (through [`ferret_core::HostRoot`], `pread` with bounds, no mmap,
//! no `journalctl`), offline (a mounted image) or live (a file being written).
//!
//! - Files: `/var/log/journal/<machine-id>/` and `/run/log/journal/<machine-id>/` (and any
//!   other directory one level down, e.g. `remote/`): `system.journal`, `user-1000.journal`,
//!   archived `*@*.journal`, dirty `*.journal~` ([`discover_journals`]).
//! - Layouts: regular and `compact` (systemd 252+), keyed or plain hash tables, sealed or not
//!   (hashes and FSS tags are not verified). DATA payloads compressed with XZ, LZ4 or ZSTD
//!   are decompressed with pure-Rust crates (feature `journal`, default on); without the
//!   feature they are skipped and counted.
//! - Refused, with an error naming the file: a wrong signature, a header shorter than 208
//!   bytes (264 for compact files), unknown incompatible flags (a future layout is not
//!   guessed at).
//! - Entries come in file order from the entry-array chain, as `journalctl` yields them; a
//!   broken chain (corruption, truncation, a cycle) is an error, and the entries after the
//!   last good one are recovered by a linear walk of the objects. A bad entry or field is an
//!   error beside the rest; nothing panics, every offset is checked, objects are capped at
//!   [`journal::MAX_OBJECT`], decompressed fields at [`journal::MAX_FIELD`], and the total
//!   decompression work per file is bounded.
//! - Mapping: an entry is what a `journalctl -o json` line is to the line parser:
//!   `__REALTIME_TIMESTAMP`, `_HOSTNAME`, `SYSLOG_IDENTIFIER` (else `_COMM`), `SYSLOG_PID`
//!   (else `_PID`), `PRIORITY`, `MESSAGE` (bytes; may be binary). The same events,
//!   detections and timeline come out as for the same lines in a syslog file (tested).
//!   Evidence names the journal file and the entry's 1-based position in it as the line.
//!   An entry without `MESSAGE` counts as unparsed; `last message repeated` (a syslogd
//!   artefact) as unrecognized.
//! - Several files are read one after the other in the order of their first entry's
//!   realtime (header `head_entry_realtime`): the archived system journals do not overlap,
//!   per-file detector state (sshd sessions by pid) is never interleaved, one file is open at
//!   a time.
//! - [`analyze_root`] reads the journal files only when no text auth log (`auth.log`,
//!   `secure`, or their rotations) exists: with rsyslog running, the journal holds the same
//!   messages and every attempt would count twice. `AnalyzeOptions::paths` (a journal
//!   directory or files) reads them on request.
//!
//! ```
//! use ferret_logs::{analyze, AnalyzeOptions, Input};
//! use ferret_logs::journal::JournalFile;
//! use ferret_logs::core::Control;
//!
//! let text = b"Mar  1 10:00:00 web sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2";
//! let err = JournalFile::open("x.journal", &text[..], text.len() as u64).unwrap_err();
//! assert!(err.to_string().contains("not a journal file"));
//! let input = Input::JournalBytes(text, b"x.journal".to_vec());
//! let a = analyze([input], &AnalyzeOptions::default(), &Control::new());
//! assert_eq!((a.lines, a.outcome.errors.len()), (0, 1));
//! ```
//!
//! How the fast paths work (the one-pass envelope, the word-at-a-time searches, the parallel
//! pipeline) is in `docs/logs.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]
// Parsers use many short byte-slice helpers; these pedantic lints fight that style.
#![allow(
    clippy::similar_names,
    clippy::many_single_char_names,
    clippy::too_many_arguments,
    // (before, addr, port, info) tuples are local to the sshd parser.
    clippy::type_complexity,
    // message dispatch keeps one arm per prefix, even when two arms share a body.
    clippy::match_same_arms,
    clippy::if_same_then_else,
    clippy::collapsible_match,
    clippy::single_match_else,
    clippy::items_after_statements,
    clippy::naive_bytecount,
    clippy::ref_option,
    clippy::unnecessary_lazy_evaluations,
    clippy::semicolon_if_nothing_returned
)]

use std::path::PathBuf;

use ferret_core::ErrorRecord;

/// The shared vocabulary (`HostRoot`, `Finding`, `Control`, ...), re-exported so that a user
/// of this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

pub mod analyze;
pub mod audit;
mod bytes;
pub mod campaign;
pub mod detect;
pub mod dpkg;
pub mod envelope;
pub mod event;
pub mod history;
pub mod journal;
pub mod logins;

pub mod time;

pub use analyze::{
    analyze, analyze_root, parse_lines, Analysis, AnalyzeOptions, FileSummary, Input, Line,
    LineReader, Record, Records, Sample, DEFAULT_LOGS, GZ_RATIO_FLOOR, MAX_GZ_OUTPUT, MAX_GZ_RATIO,
    ROTATION_TIME_SHARE,
};
pub use detect::{
    Accepted, Counted, Detector, Elevation, HourBucket, Observation, Resolved, Sessions,
    SourceSummary, SourceUsers, Sources, Thresholds, TimelineEvent, Via, Window, MAX_ELEVATIONS,
};
pub use envelope::{Envelope, Format};
pub use event::{parse_message, parse_repeat, Attempt, Cut, EventKind, Repeat, MAX_REPEAT};
pub use journal::{discover_journals, JournalEntry, JournalFile, JournalHeader};
pub use time::{root_time_zone, LogTime, TimeZoneOption, YearContext};

/// Errors of `ferret-logs`. Each names the file it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read soundly (the error names it).
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// Reading a file or stream failed.
    #[error("{}: {source}", ferret_core::escape::escape_path(.path))]
    Io {
        /// The file or stream name.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file was read but is not what it should be (a journal file's header or entry, a time
    /// zone file).
    #[error("{}{}: {message}", ferret_core::escape::escape_path(.path), .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Parse {
        /// The file, inside the audited root.
        path: PathBuf,
        /// 1-based line (for a journal file: the entry's position), when the error is about one.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// The error as a record of an analysis' outcome.
    pub fn record(&self) -> ErrorRecord {
        use std::os::unix::ffi::OsStrExt;
        match self {
            Error::Core(e) => ErrorRecord::from(e),
            Error::Io { path, source } => {
                ErrorRecord::new(Some(path.as_os_str().as_bytes()), None, source.to_string())
            }
            Error::Parse {
                path,
                line,
                message,
            } => ErrorRecord::new(Some(path.as_os_str().as_bytes()), *line, message.clone()),
        }
    }
}

/// Fuzz entry points (see `fuzz/`).
#[doc(hidden)]
pub mod fuzzing {
    use crate::time::{LogTime, YearContext};

    /// One history format: parsing never panics, every entry's line is within the input's
    /// line count (or entry count for ksh's binary form), and the whole analysis (classifier,
    /// sequences, secret masking) runs on the entries.
    pub fn history(format: crate::history::Shell, data: &[u8]) {
        let entries = crate::history::parse(format, data);
        let lines = data.iter().filter(|&&b| b == b'\n' || b == 0).count() as u64 + 1;
        for e in &entries {
            assert!(e.line >= 1 && e.line <= lines, "{} > {lines}", e.line);
        }
        let opts = crate::history::HistoryOptions {
            all: true,
            ..Default::default()
        };
        let r = crate::history::histories(
            &[crate::history::HistoryInput::new(b"u", b"/h", format, data)],
            &opts,
            &ferret_core::Control::new(),
        );
        assert_eq!(r.commands_total, entries.len() as u64);
    }

    /// bash histories (plain and `#EPOCH`).
    pub fn history_bash(data: &[u8]) {
        history(crate::history::Shell::Bash, data);
    }

    /// zsh histories (extended, continued, metafied).
    pub fn history_zsh(data: &[u8]) {
        history(crate::history::Shell::Zsh, data);
    }

    /// fish histories.
    pub fn history_fish(data: &[u8]) {
        history(crate::history::Shell::Fish, data);
    }

    /// ash/sh/ksh histories (text and ksh's binary form).
    pub fn history_sh(data: &[u8]) {
        history(crate::history::Shell::Sh, data);
    }

    /// libedit/readline histories (MySQL, Python, psql) and `.lesshst`.
    pub fn history_libedit(data: &[u8]) {
        history(crate::history::Shell::Mysql, data);
        history(crate::history::Shell::Less, data);
    }

    /// Envelope parser: never panics; an owned copy renders and re-parses without panic.
    pub fn envelope(data: &[u8]) {
        let years = YearContext::new(LogTime::from_secs(1_700_000_000));
        for line in data.split(|c| *c == b'\n') {
            let e = crate::envelope::parse(line, &years);
            let _ = crate::event::parse_message(&e.program, e.pid, &e.message);
            for f in [
                crate::Format::Rfc3164,
                crate::Format::Rfc3339,
                crate::Format::Rfc5424,
                crate::Format::JournalJson,
            ] {
                let _ = crate::envelope::parse(&e.render(f), &years);
            }
        }
    }

    /// Message parsers for every program: never panic; sources are valid address tokens.
    /// Repeat lines (`message repeated N times: [ MSG]`) are unwrapped as the analysis does.
    pub fn message(data: &[u8]) {
        for cut in [crate::Cut::Whole, crate::Cut::Truncated] {
            if let Some(r) = crate::event::parse_repeat(data, cut) {
                assert!(r.count >= 1 && r.count <= crate::event::MAX_REPEAT);
                if let Some(m) = r.message {
                    let _ = crate::event::parse_message(b"sshd", Some(1), m);
                }
            }
        }
        for prog in [
            &b"sshd"[..],
            b"sudo",
            b"su",
            b"useradd",
            b"usermod",
            b"gpasswd",
            b"kernel",
            b"systemd-logind",
            b"CRON",
            b"",
            b"other",
        ] {
            if let Some(ev) = crate::event::parse_message(prog, Some(1), data) {
                let _ = ev.name();
                if let Some(src) = ev.source() {
                    assert!(crate::event::addr(src).is_some(), "source is an address");
                }
                let _ = ev.into_owned();
            }
        }
    }

    /// The native journal reader over a buffer (a journal file, possibly corrupt): never
    /// panics, yields entries in growing ordinals, a bounded number of records; the
    /// analysis of the same bytes never panics either.
    pub fn journal(data: &[u8]) {
        if let Ok(mut jf) = crate::journal::JournalFile::open("fuzz", data, data.len() as u64) {
            let mut last = 0;
            let mut n = 0u64;
            while let Some(e) = jf.next_entry() {
                n += 1;
                assert!(
                    n <= data.len() as u64 / 4 + 4,
                    "records are bounded by the size"
                );
                if let Ok(e) = e {
                    assert!(e.ordinal > last, "ordinals grow");
                    last = e.ordinal;
                    if let Some(env) = e.envelope() {
                        let _ = crate::event::parse_message(&env.program, env.pid, &env.message);
                    }
                }
            }
        }
        let opts = crate::AnalyzeOptions {
            year: Some(2024),
            max_line: 256,
            ..crate::AnalyzeOptions::default()
        };
        let input = crate::Input::JournalBytes(data, b"fuzz".to_vec());
        let a = crate::analyze([input], &opts, &ferret_core::Control::new());
        assert!(a.unparsed <= a.lines);
    }

    /// Audit log bytes: every line parses or is malformed without panic; decoded values are
    /// bounded by their raw text; the analysis of the bytes (as an audit file whatever they
    /// start with) counts every line once and never more events than records allow.
    pub fn audit(data: &[u8]) {
        for line in data.split(|c| *c == b'\n') {
            if let Ok(r) = crate::audit::parse_record(line) {
                for (k, v) in crate::audit::fields(r.fields) {
                    if let Some(d) = crate::audit::decode(k, v) {
                        assert!(d.len() <= v.len(), "decoding never grows");
                    }
                }
                for name in [&b"acct"[..], b"exe", b"cmd", b"addr", b"op", b"res"] {
                    let _ = r.value(name);
                }
                let _ = (r.user(b"auid"), r.success(), r.pid());
            }
        }
        let mut text = b"type=DAEMON_START msg=audit(1.000:1): op=start\n".to_vec();
        text.extend_from_slice(data);
        let opts = crate::AnalyzeOptions {
            timeline: 64,
            max_line: 4096,
            ..crate::AnalyzeOptions::default()
        };
        let a = crate::analyze(
            [crate::Input::reader(&text[..], "audit.log")],
            &opts,
            &ferret_core::Control::new(),
        );
        assert!(
            a.files
                .first()
                .is_some_and(|f| f.audit && f.unparsed <= f.lines),
            "recognised as an audit log, each line counted once"
        );
        assert!(a.timeline.len() <= 64);
    }

    /// Login records (`utmp`/`wtmp`/`btmp` bytes, any layout): never panics; no more records
    /// than the size allows; sessions and every renderer run over them; each forced layout
    /// reads too; the audit of the same bytes as each source gives the same record count.
    pub fn logins_utmp(data: &[u8]) {
        use crate::logins::render::{last_line, lastb_line, utmpdump_line, LastFormat};
        use crate::logins::{audit, sessions, Layout, LoginInput, LoginOptions, Records, Source};
        let mut it = crate::logins::parse_utmp(data);
        let recs: Vec<_> = it.by_ref().filter_map(Result::ok).collect();
        assert!(recs.len() <= data.len() / crate::logins::GLIBC_RECORD);
        assert!(it.trailing() < crate::logins::MUSL_RECORD);
        let fmt = LastFormat::default();
        for r in &recs {
            let _ = utmpdump_line(r);
            let _ = lastb_line(r, &fmt);
        }
        let n = recs.len() as u64;
        for s in sessions(recs) {
            let _ = last_line(&s, &fmt);
        }
        for layout in Layout::ALL {
            let forced = Records::new(data, None, Some(layout)).count();
            assert_eq!(forced, data.len() / layout.size());
        }
        let opts = LoginOptions::default();
        for source in [Source::Wtmp, Source::Btmp, Source::Utmp] {
            let input = LoginInput::Bytes(source, data, b"fuzz".to_vec());
            let l = audit([input], &opts, &ferret_core::Control::new());
            if !data.starts_with(&[0x1f, 0x8b]) {
                assert_eq!(l.files.first().map(|f| f.records), Some(n));
            }
        }
    }

    /// `lastlog` bytes: never panics; one entry per non-zero record at most; the renderer runs.
    pub fn logins_lastlog(data: &[u8]) {
        use crate::logins::{audit, parse_lastlog, LoginInput, LoginOptions, Source};
        let e: Vec<_> = parse_lastlog(data).collect();
        assert!(e.len() <= data.len() / crate::logins::LASTLOG_RECORD);
        for x in &e {
            let _ = crate::logins::render::lastlog_line(b"user", Some(x), &jiff::tz::TimeZone::UTC);
        }
        let input = LoginInput::Bytes(Source::Lastlog, data, b"fuzz".to_vec());
        let l = audit(
            [input],
            &LoginOptions::default(),
            &ferret_core::Control::new(),
        );
        assert_eq!(l.files.first().map(|f| f.lastlog.len()), Some(e.len()));
    }

    /// `wtmpdb` and `lastlog2` databases (SQLite bytes, possibly corrupt): never panics.
    pub fn logins_db(data: &[u8]) {
        use crate::logins::{audit, LoginInput, LoginOptions, Source};
        let inputs = [
            LoginInput::Bytes(Source::Wtmpdb, data, b"wtmp.db".to_vec()),
            LoginInput::Bytes(Source::Lastlog2, data, b"lastlog2.db".to_vec()),
        ];
        let l = audit(
            inputs,
            &LoginOptions::default(),
            &ferret_core::Control::new(),
        );
        assert_eq!(l.files.len(), 2);
    }

    /// The whole pipeline over a buffer, on the calling thread (no thread is started: the
    /// parallel path is [`analyze_parallel`]'s).
    pub fn analyze(data: &[u8]) {
        let opts = crate::AnalyzeOptions {
            year: Some(2024),
            max_line: 256,
            ..crate::AnalyzeOptions::default()
        };
        let c = ferret_core::Control::new();
        let a = crate::analyze([crate::Input::reader(data, "fuzz")], &opts, &c);
        assert!(a.unparsed <= a.lines);
        assert!(a.long_lines <= a.lines);
    }

    /// The whole pipeline over a buffer, single and parallel: same counts. Starts threads for
    /// every input (slow under libFuzzer; run with `-detect_leaks=0`).
    pub fn analyze_parallel(data: &[u8]) {
        let opts = crate::AnalyzeOptions {
            year: Some(2024),
            max_line: 256,
            ..crate::AnalyzeOptions::default()
        };
        let c = ferret_core::Control::new();
        let a = crate::analyze([crate::Input::reader(data, "fuzz")], &opts, &c);
        assert!(a.unparsed <= a.lines);
        let par_opts = crate::AnalyzeOptions { jobs: 2, ..opts };
        let par = crate::analyze([crate::Input::reader(data, "fuzz")], &par_opts, &c);
        assert_eq!(
            (
                par.lines,
                par.unparsed,
                par.long_lines,
                &par.events,
                &par.sources
            ),
            (a.lines, a.unparsed, a.long_lines, &a.events, &a.sources),
            "parallel = sequential"
        );
        assert_eq!(par.outcome, a.outcome, "parallel = sequential");
    }
}
