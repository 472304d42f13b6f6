//! The checks over login records, and their joins with the auth log (see the module docs for
//! the list of findings).

use std::collections::HashMap;
use std::net::IpAddr;

use ferret_core::{Evidence, Finding, Severity};

use crate::logins::lastlog::LastlogEntry;
use crate::logins::sessions::Session;
use crate::logins::utmp::{Damage, Layout, LoginRecord, RecordKind};
use crate::logins::{Backstep, LoginFile, LoginOptions, Logins, Source, ZeroRun};
use crate::time::LogTime;
use crate::Analysis;

/// Examples kept per file (zero runs, backsteps, bad records).
const EXAMPLES: usize = 100;
/// Evidence entries per finding.
const EVIDENCE: usize = 10;
/// Findings about sources made one by one; the rest are grouped into one.
const PER_SOURCE: usize = 20;
/// Logins indexed at most (16 bytes each); the joins see the first ones.
const MAX_INDEXED: usize = 4 << 20;
/// No source.
const NONE: u32 = u32::MAX;

/// Interned byte strings.
#[derive(Debug, Clone, Default)]
struct Interner {
    ids: HashMap<Vec<u8>, u32, foldhash::fast::RandomState>,
    names: Vec<Vec<u8>>,
}

impl Interner {
    fn id(&mut self, b: &[u8]) -> u32 {
        if let Some(&i) = self.ids.get(b) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(b.to_vec());
        self.ids.insert(b.to_vec(), i);
        i
    }
    fn get(&self, b: &[u8]) -> Option<u32> {
        self.ids.get(b).copied()
    }
    fn name(&self, i: u32) -> &[u8] {
        self.names.get(i as usize).map_or(&[][..], Vec::as_slice)
    }
}

#[derive(Debug, Clone, Copy)]
struct Indexed {
    sec: i64,
    record: u64,
    user: u32,
    source: u32,
    file: u32,
    /// The source is an address (an ssh or telnet login from the network).
    remote: bool,
}

/// Every `wtmp`/`wtmpdb` login, compactly, sorted by (user, time) for the joins.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoginIndex {
    files: Vec<Vec<u8>>,
    users: Interner,
    sources: Interner,
    /// The source ids of addresses seen (formatting an address per record is most of the cost).
    addr_ids: HashMap<IpAddr, u32, foldhash::fast::RandomState>,
    logins: Vec<Indexed>,
    sorted: bool,
    dropped: u64,
}

impl LoginIndex {
    pub(crate) fn add_file(&mut self, path: &[u8]) -> u32 {
        self.files.push(path.to_vec());
        (self.files.len() - 1) as u32
    }

    pub(crate) fn add(&mut self, file: u32, r: &LoginRecord) {
        if matches!(r.damage, Some(Damage::Zeroed | Damage::Implausible)) {
            return;
        }
        if self.logins.len() >= MAX_INDEXED {
            self.dropped += 1;
            return;
        }
        let (source, remote) = match r.addr {
            Some(a) => match self.addr_ids.get(&a) {
                Some(&id) => (id, true),
                None => {
                    let id = r.source().map_or(NONE, |s| self.sources.id(&s));
                    self.addr_ids.insert(a, id);
                    (id, true)
                }
            },
            None => (
                r.source().map_or(NONE, |s| self.sources.id(&s)),
                std::str::from_utf8(&r.host).is_ok_and(|h| h.parse::<IpAddr>().is_ok()),
            ),
        };
        let user = self.users.id(&r.user);
        self.logins.push(Indexed {
            sec: r.sec,
            record: r.index,
            user,
            source,
            file,
            remote,
        });
        self.sorted = false;
    }

    fn sort(&mut self) {
        if !self.sorted {
            // (file, record) is unique: an unstable sort gives the same order.
            self.logins
                .sort_unstable_by_key(|l| (l.user, l.sec, l.file, l.record));
            self.sorted = true;
        }
    }

    /// Logins of `user` within `[lo, hi]` seconds.
    fn of_user(&self, user: &[u8], lo: i64, hi: i64) -> &[Indexed] {
        let Some(u) = self.users.get(user) else {
            return &[];
        };
        let a = self.logins.partition_point(|l| (l.user, l.sec) < (u, lo));
        let b = self.logins.partition_point(|l| (l.user, l.sec) <= (u, hi));
        self.logins.get(a..b).unwrap_or(&[])
    }

    fn evidence(&self, l: &Indexed) -> Evidence {
        let mut e = Evidence::file(b"");
        e.path = String::from_utf8_lossy(
            self.files
                .get(l.file as usize)
                .map_or(&[][..], Vec::as_slice),
        )
        .into_owned();
        e.line = Some(l.record);
        e
    }
}

/// The per-record checks of one utmp-family file, accumulated while it streams.
pub(crate) struct FileScan {
    source: Source,
    backstep: i64,
    chronological: bool,
    zeroed: u64,
    time_zeroed: u64,
    fields_zeroed: u64,
    implausible: u64,
    bad: Vec<(u64, Damage)>,
    runs: Vec<ZeroRun>,
    run: Option<ZeroRun>,
    last_good: Option<LogTime>,
    max_sec: Option<i64>,
    backsteps: Vec<Backstep>,
    out_of_order: u64,
    first: Option<LogTime>,
    last: Option<LogTime>,
    begins: Option<i64>,
}

impl FileScan {
    pub(crate) fn new(source: Source, opts: &LoginOptions) -> Self {
        FileScan {
            source,
            backstep: opts.max_backstep_secs,
            // utmp reuses slots: neither its order nor its empty slots mean anything.
            chronological: source != Source::Utmp,
            zeroed: 0,
            time_zeroed: 0,
            fields_zeroed: 0,
            implausible: 0,
            bad: Vec::new(),
            runs: Vec::new(),
            run: None,
            last_good: None,
            max_sec: None,
            backsteps: Vec::new(),
            out_of_order: 0,
            first: None,
            last: None,
            begins: None,
        }
    }

    /// An all-zero record at `index`.
    pub(crate) fn zeroed(&mut self, index: u64) {
        self.zeroed_run(index, 1);
    }

    /// `count` all-zero records from `first` on.
    pub(crate) fn zeroed_run(&mut self, first: u64, count: u64) {
        if self.begins.is_none() {
            self.begins = Some(0);
        }
        self.zeroed += count;
        self.in_run(first, count);
    }

    fn in_run(&mut self, index: u64, count: u64) {
        match &mut self.run {
            Some(run) => run.count += count,
            None => {
                self.run = Some(ZeroRun {
                    first: index,
                    count,
                    after: self.last_good,
                    before: None,
                });
            }
        }
    }

    pub(crate) fn record(&mut self, r: &LoginRecord) {
        if self.begins.is_none() {
            self.begins = Some(r.sec);
        }
        match r.damage {
            Some(d @ (Damage::Zeroed | Damage::TimeZeroed)) => {
                if d == Damage::Zeroed {
                    self.zeroed += 1;
                } else {
                    self.time_zeroed += 1;
                }
                self.in_run(r.index, 1);
                return;
            }
            Some(Damage::Implausible) => {
                self.implausible += 1;
                if self.bad.len() < EXAMPLES {
                    self.bad.push((r.index, Damage::Implausible));
                }
                return;
            }
            Some(Damage::FieldsZeroed) => {
                self.fields_zeroed += 1;
                if self.bad.len() < EXAMPLES {
                    self.bad.push((r.index, Damage::FieldsZeroed));
                }
            }
            None => {}
        }
        let Some(t) = r.time() else { return };
        if let Some(mut run) = self.run.take() {
            run.before = Some(t);
            if self.runs.len() < EXAMPLES {
                self.runs.push(run);
            }
        }
        self.last_good = Some(t);
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        if !self.chronological {
            return;
        }
        // A boot (the clock may have been behind) and a clock change start over.
        if matches!(r.kind, RecordKind::Boot | RecordKind::NewTime) {
            self.max_sec = Some(r.sec);
            return;
        }
        match self.max_sec {
            Some(m) if m.saturating_sub(r.sec) > self.backstep => {
                self.out_of_order += 1;
                if self.backsteps.len() < EXAMPLES {
                    self.backsteps.push(Backstep {
                        record: r.index,
                        time: t,
                        latest: LogTime::from_secs(m),
                    });
                }
            }
            Some(m) if m >= r.sec => {}
            _ => self.max_sec = Some(r.sec),
        }
    }

    pub(crate) fn finish(mut self, file: &mut LoginFile) {
        if let Some(run) = self.run.take() {
            if self.runs.len() < EXAMPLES {
                self.runs.push(run);
            }
        }
        file.begins = self.begins;
        file.first = self.first;
        file.last = self.last;
        file.zeroed = self.zeroed;
        file.time_zeroed = self.time_zeroed;
        file.fields_zeroed = self.fields_zeroed;
        file.implausible = self.implausible;
        file.zero_runs = self.runs;
        file.backsteps = self.backsteps;
        file.out_of_order = self.out_of_order;
        file.bad_records = self.bad;
        let _ = self.source;
    }
}

/// First and last times of `lastlog` entries.
pub(crate) fn lastlog_span(file: &mut LoginFile, entries: &[LastlogEntry]) {
    for e in entries.iter().filter(|e| e.damage.is_none()) {
        let t = LogTime::from_secs(e.time);
        file.first = Some(file.first.map_or(t, |f| f.min(t)));
        file.last = Some(file.last.map_or(t, |l| l.max(t)));
    }
}

/// First and last times of `wtmpdb` sessions.
pub(crate) fn session_span(file: &mut LoginFile, sessions: &[Session]) {
    for s in sessions.iter().filter(|s| s.start.damage.is_none()) {
        let Some(t) = s.start.time() else { continue };
        file.first = Some(file.first.map_or(t, |f| f.min(t)));
        file.last = Some(file.last.map_or(t, |l| l.max(t)));
    }
    file.begins = sessions.iter().map(|s| s.start.sec).min();
}

fn at(path: &str, line: u64) -> Evidence {
    let mut e = Evidence::file(b"");
    e.path = path.to_string();
    e.line = Some(line);
    e
}

fn whole(path: &str) -> Evidence {
    let mut e = Evidence::file(b"");
    e.path = path.to_string();
    e
}

/// Sets the subject to text already escaped (a source from a summary).
fn subject(mut f: Finding, escaped: &str) -> Finding {
    f.subject = escaped.to_string();
    f
}

fn t(x: Option<LogTime>) -> String {
    x.map_or_else(|| "?".to_string(), |t| t.to_string())
}

/// The checks that need the login files alone.
pub(crate) fn run(l: &mut Logins, opts: &LoginOptions) {
    l.index.sort();
    let mut findings = Vec::new();
    for f in &l.files {
        file_findings(f, &mut findings);
    }
    lastlog_without_wtmp(l, opts, &mut findings);
    btmp_findings(l, opts, &mut findings);
    l.outcome.findings.extend(findings);
    Finding::sort(&mut l.outcome.findings);
}

fn file_findings(f: &LoginFile, out: &mut Vec<Finding>) {
    let Some(source) = f.source else { return };
    let path = f.path.as_str();
    let chronological = matches!(source, Source::Wtmp | Source::Btmp);
    let wiped = f.zeroed + f.time_zeroed + f.fields_zeroed;
    if chronological && wiped > 0 {
        let mut x = Finding::new(
            "logins.zeroed-records",
            Severity::High,
            format!("{source} has {wiped} wiped records: entries were deleted"),
            path.as_bytes(),
        )
        .with_attack("T1070.002")
        .with_detail(format!(
            "{} records all zero, {} with a zero time, {} logins with the user or terminal blanked, \
             in {} records: log wipers (zap, wtmpclean, utmpdump edits) zero the entries they remove \
             (chkrootkit's chkwtmp reports the same)",
            f.zeroed, f.time_zeroed, f.fields_zeroed, f.records
        ))
        .with_remediation(
            "treat the host as compromised; compare with a copy of the file from backups or a \
             central log, and look for who logged in around the wiped times",
        );
        for run in f.zero_runs.iter().take(EVIDENCE) {
            x = x.with_evidence(at(path, run.first).with_excerpt(format!(
                "{} zeroed records between {} and {}",
                run.count,
                t(run.after),
                t(run.before)
            )));
        }
        for (rec, _) in f
            .bad_records
            .iter()
            .filter(|(_, d)| *d == Damage::FieldsZeroed)
            .take(EVIDENCE)
        {
            x = x.with_evidence(
                at(path, *rec).with_excerpt("a login with its user or terminal blanked"),
            );
        }
        out.push(x);
    }
    if f.trailing > 0 {
        let size = f.layout.map_or(super::LASTLOG_RECORD, Layout::size);
        out.push(
            Finding::new(
                "logins.truncated",
                Severity::Medium,
                format!("{source} ends in a record cut short"),
                path.as_bytes(),
            )
            .with_attack("T1070.002")
            .with_evidence(at(path, f.records + 1).with_excerpt(format!(
                "{} bytes after the last whole {size}-byte record",
                f.trailing
            )))
            .with_detail(
                "the size is not a multiple of the record size: the file was cut or edited by \
                 hand (a writer that crashes mid-record is rare); records after the cut are lost",
            ),
        );
    }
    if f.implausible > 0 {
        let mut x = Finding::new(
            "logins.garbage-records",
            Severity::Medium,
            format!(
                "{source} holds {} records no writer produces",
                f.implausible
            ),
            path.as_bytes(),
        )
        .with_attack("T1070.002")
        .with_detail(format!(
            "{} of {} records have an impossible type, time or microsecond count: overwritten, \
             spliced from another file, or garbage; they are shown flagged and the rest is read",
            f.implausible, f.records
        ));
        for (rec, _) in f
            .bad_records
            .iter()
            .filter(|(_, d)| *d == Damage::Implausible)
            .take(EVIDENCE)
        {
            x = x.with_evidence(at(path, *rec));
        }
        if source == Source::Lastlog || source == Source::Lastlog2 {
            for e in f
                .lastlog
                .iter()
                .filter(|e| e.damage.is_some())
                .take(EVIDENCE)
            {
                x = x.with_evidence(at(path, e.record).with_excerpt(format!("time {}", e.time)));
            }
        }
        out.push(x);
    }
    if chronological && f.out_of_order > 0 {
        let mut x = Finding::new(
            "logins.out-of-order",
            Severity::Medium,
            format!("{source} has {} records going back in time", f.out_of_order),
            path.as_bytes(),
        )
        .with_attack("T1070.002")
        .with_detail(
            "records are appended as logins happen; one earlier than those before it (outside a \
             boot or a clock change) was inserted or the file was spliced",
        );
        for b in f.backsteps.iter().take(EVIDENCE) {
            x = x.with_evidence(
                at(path, b.record)
                    .with_excerpt(format!("{} after a record of {}", b.time, b.latest)),
            );
        }
        out.push(x);
    }
    if let Some(layout) = f.layout.filter(|l| *l != Layout::Glibc) {
        out.push(
            Finding::new(
                "logins.other-layout",
                Severity::Low,
                format!("{source} holds {layout} records"),
                path.as_bytes(),
            )
            .with_evidence(whole(path))
            .with_detail(format!(
                "the records are {} bytes in the {layout} layout, not glibc's 384-byte one of this \
                 kind of host: written by another C library or architecture, or copied from another \
                 system; they were read in that layout",
                layout.size()
            )),
        );
    }
}

/// Where `wtmp` (with `wtmpdb`) begins.
enum WtmpStart {
    /// No `wtmp` or `wtmpdb` file.
    NoFile,
    /// Files without records.
    Empty,
    /// The earliest record.
    At(LogTime),
}

fn wtmp_start(l: &Logins) -> WtmpStart {
    let files: Vec<&LoginFile> = l
        .files
        .iter()
        .filter(|f| matches!(f.source, Some(Source::Wtmp | Source::Wtmpdb)))
        .collect();
    if files.is_empty() {
        return WtmpStart::NoFile;
    }
    files
        .iter()
        .filter_map(|f| f.first)
        .min()
        .map_or(WtmpStart::Empty, WtmpStart::At)
}

/// chklastlog: each `lastlog` login from when `wtmp` begins on needs a `wtmp` login.
fn lastlog_without_wtmp(l: &Logins, opts: &LoginOptions, out: &mut Vec<Finding>) {
    let entries: Vec<(&LoginFile, &LastlogEntry)> = l
        .files
        .iter()
        .filter(|f| matches!(f.source, Some(Source::Lastlog | Source::Lastlog2)))
        .flat_map(|f| f.lastlog.iter().map(move |e| (f, e)))
        .filter(|(_, e)| e.damage.is_none() && e.time != 0)
        .collect();
    if entries.is_empty() {
        return;
    }
    let start = wtmp_start(l);
    let tol = opts.tolerance_secs;
    let mut missing: Vec<(&LoginFile, &LastlogEntry)> = Vec::new();
    for (f, e) in entries {
        let Some(user) = &e.user else { continue };
        let covered = match start {
            WtmpStart::NoFile | WtmpStart::Empty => true,
            WtmpStart::At(s) => e.time >= s.secs() - tol,
        };
        if covered && l.index.of_user(user, e.time - tol, e.time + tol).is_empty() {
            missing.push((f, e));
        }
    }
    let wtmp_state = match start {
        WtmpStart::NoFile => "there is no wtmp (nor wtmpdb) file".to_string(),
        WtmpStart::Empty => "wtmp holds no records".to_string(),
        WtmpStart::At(s) => format!("wtmp begins {s}"),
    };
    let mut by_user: Vec<(Vec<u8>, Vec<(&LoginFile, &LastlogEntry)>)> = Vec::new();
    for (f, e) in missing {
        let user = e.user.clone().unwrap_or_default();
        match by_user.iter_mut().find(|(u, _)| *u == user) {
            Some((_, v)) => v.push((f, e)),
            None => by_user.push((user, vec![(f, e)])),
        }
    }
    let mut grouped: Vec<Finding> = Vec::new();
    for (user, list) in by_user {
        let mut x = Finding::new(
            "logins.lastlog-without-wtmp",
            Severity::High,
            "a login in lastlog has no wtmp record",
            &user,
        )
        .with_attack("T1070.002")
        .with_detail(format!(
            "lastlog says {} logged in, but wtmp has no login of that user within {} s ({wtmp_state}): \
             the wtmp record was removed (chkrootkit's chklastlog reports the same)",
            ferret_core::escape::escape(&user),
            tol
        ));
        for (f, e) in list.iter().take(EVIDENCE) {
            x = x.with_evidence(at(&f.path, e.record).with_excerpt(lastlog_excerpt(e)));
        }
        grouped.push(x);
    }
    push_grouped(out, grouped, "users");
}

fn lastlog_excerpt(e: &LastlogEntry) -> Vec<u8> {
    let mut s = format!("{} on ", LogTime::from_secs(e.time)).into_bytes();
    s.extend_from_slice(&e.line);
    if !e.host.is_empty() {
        s.extend_from_slice(b" from ");
        s.extend_from_slice(&e.host);
    }
    if let Some(uid) = e.uid {
        s.extend_from_slice(format!(" (uid {uid})").as_bytes());
    }
    s
}

/// Findings one per subject for the first [`PER_SOURCE`] (most severe first), the rest folded
/// into one that lists them.
fn push_grouped(out: &mut Vec<Finding>, mut v: Vec<Finding>, what: &str) {
    Finding::sort(&mut v);
    if v.len() <= PER_SOURCE {
        out.extend(v);
        return;
    }
    let rest = v.split_off(PER_SOURCE);
    let first = rest.first().cloned();
    out.extend(v);
    if let Some(first) = first {
        let subjects: Vec<&str> = rest.iter().map(|f| f.subject.as_str()).collect();
        let mut g = Finding::new(
            first.id.clone(),
            first.severity,
            format!("{} and {} more {what} alike", first.title, rest.len() - 1),
            format!("{} more {what}", rest.len()).as_bytes(),
        )
        .with_detail(format!("the same for: {}", subjects.join(", ")));
        g.attack.clone_from(&first.attack);
        for f in &rest {
            if let Some(e) = f.evidence.first() {
                if g.evidence.len() < EVIDENCE * 5 {
                    g.evidence.push(e.clone());
                }
            }
        }
        out.push(g);
    }
}

/// `btmp`: a source that failed then logged in, and the summary.
fn btmp_findings(l: &Logins, opts: &LoginOptions, out: &mut Vec<Finding>) {
    let threshold = u64::from(opts.failures.max(1));
    let mut per_source = Vec::new();
    for s in l.failure_sources.iter().filter(|s| s.failures >= threshold) {
        let Some(first) = s.first else { continue };
        let Some(login) = first_login_from(l, &s.source, first.secs()) else {
            continue;
        };
        per_source.push(
            subject(
                Finding::new(
                    "logins.login-after-failures",
                    Severity::Critical,
                    "a session from a source that failed to log in before",
                    b"",
                ),
                &s.source,
            )
            .with_attack("T1110")
            .with_attack("T1078")
            .with_evidence(s.evidence.clone().with_excerpt(format!(
                "{} failed logins ({}) from {} to {}",
                s.failures,
                s.users.join(", "),
                t(s.first),
                t(s.last)
            )))
            .with_evidence(login_evidence(l, &login))
            .with_detail(format!(
                "btmp: {} failures from this source, then a wtmp session from it: a guessed or \
                 stolen password",
                s.failures
            ))
            .with_remediation("lock the account, rotate its credentials, and trace the session"),
        );
    }
    push_grouped(out, per_source, "sources");
    let noisy: Vec<_> = l
        .failure_sources
        .iter()
        .filter(|s| s.failures >= threshold)
        .collect();
    if let Some(top) = noisy.first() {
        let total: u64 = l.failure_sources.iter().map(|s| s.failures).sum();
        let list: Vec<String> = noisy
            .iter()
            .take(10)
            .map(|s| format!("{} ({})", s.source, s.failures))
            .collect();
        let path = top.evidence.path.clone();
        out.push(
            Finding::new(
                "logins.failed-logins",
                Severity::Low,
                format!(
                    "btmp: {total} failed logins, {} sources with {threshold} or more",
                    noisy.len()
                ),
                path.as_bytes(),
            )
            .with_attack("T1110")
            .with_evidence(top.evidence.clone())
            .with_detail(format!("most: {}", list.join(", "))),
        );
    }
}

/// The first indexed login from `source` (escaped text) at or after `after` seconds.
fn first_login_from(l: &Logins, source: &str, after: i64) -> Option<Indexed> {
    let raw = ferret_core::escape::unescape(source).ok()?;
    let id = l.index.sources.get(&raw)?;
    l.index
        .logins
        .iter()
        .filter(|x| x.source == id && x.sec >= after)
        .min_by_key(|x| (x.sec, x.record))
        .copied()
}

fn login_evidence(l: &Logins, x: &Indexed) -> Evidence {
    let mut user = l.index.users.name(x.user).to_vec();
    user.extend_from_slice(format!(" logged in at {}", LogTime::from_secs(x.sec)).as_bytes());
    l.index.evidence(x).with_excerpt(user)
}

/// Joins the login records with the auth-log analysis of the same host: the checks marked
/// "([`correlate`])" in the module docs. New findings go into `logins.outcome`; where the
/// auth log already reported a compromise of a source (`logs.login-after-failures`), the
/// `wtmp` session is added to that finding's evidence instead of a second finding.
pub fn correlate(logins: &mut Logins, auth: &mut Analysis, opts: &LoginOptions) {
    logins.index.sort();
    let tol = opts.tolerance_secs;
    let mut accepted: Vec<&crate::detect::Accepted> =
        auth.accepted.iter().filter(|a| a.time.is_some()).collect();
    accepted.sort_by_key(|a| a.time);
    let mut out = Vec::new();
    let wtmp_files: Vec<&LoginFile> = logins
        .files
        .iter()
        .filter(|f| matches!(f.source, Some(Source::Wtmp | Source::Wtmpdb)))
        .collect();
    let records: u64 = wtmp_files.iter().map(|f| f.records).sum();
    let wtmp_path = wtmp_files
        .last()
        .map_or_else(|| "/var/log/wtmp".to_string(), |f| f.path.clone());
    let first_accepted = accepted.first().and_then(|a| a.time);

    // wtmp missing or empty while the auth log shows logins.
    if records == 0 {
        if let Some(first) = accepted.first() {
            let what = if wtmp_files.is_empty() {
                "there is no wtmp file"
            } else {
                "wtmp is empty"
            };
            let mut x = Finding::new(
                "logins.wtmp-missing",
                Severity::High,
                format!("{what} while the auth log shows {} logins", accepted.len()),
                wtmp_path.as_bytes(),
            )
            .with_attack("T1070.002")
            .with_detail(format!(
                "the auth log records logins from {} on; wtmp should hold their sessions: it was \
                 deleted or emptied (or login accounting is off)",
                t(first.time)
            ));
            if !wtmp_files.is_empty() {
                x = x.with_evidence(whole(&wtmp_path));
            }
            for a in accepted.iter().take(EVIDENCE) {
                x = x.with_evidence(a.evidence.clone());
            }
            out.push(x);
        }
    }

    // wtmp much younger than the auth log.
    let start = wtmp_files.iter().filter_map(|f| f.first).min();
    if let (Some(start), Some(first)) = (start, first_accepted) {
        if start.secs() - first.secs() > 86_400 {
            let before: Vec<_> = accepted
                .iter()
                .filter(|a| a.time.is_some_and(|x| x < start))
                .collect();
            let mut x = Finding::new(
                "logins.wtmp-younger",
                Severity::Medium,
                format!(
                    "wtmp begins {start}, after {} logins the auth log shows",
                    before.len()
                ),
                wtmp_path.as_bytes(),
            )
            .with_attack("T1070.002")
            .with_detail(format!(
                "the auth log shows logins from {first} on, wtmp (with its rotations) only from \
                 {start}: the older wtmp was removed or the file recreated"
            ));
            if let Some(f) = wtmp_files
                .iter()
                .filter(|f| f.first == Some(start))
                .min_by_key(|f| f.path.len())
            {
                x = x.with_evidence(at(&f.path, 1));
            }
            for a in before.iter().take(EVIDENCE) {
                x = x.with_evidence(a.evidence.clone());
            }
            out.push(x);
        }
    }

    // Accepted logins inside wtmp's time with no wtmp login.
    let end = wtmp_files
        .iter()
        .flat_map(|f| [f.last, f.modified])
        .flatten()
        .max();
    if let (Some(start), Some(end)) = (start, end) {
        let mut by_source: Vec<(Vec<u8>, Vec<&crate::detect::Accepted>)> = Vec::new();
        for a in &accepted {
            let Some(at_t) = a.time else { continue };
            let s = at_t.secs();
            if s < start.secs() - tol || s > end.secs() + tol {
                continue;
            }
            let found = logins
                .index
                .of_user(&a.user, s - tol, s + tol)
                .iter()
                .any(|x| {
                    x.source == NONE
                        || logins.index.sources.name(x.source) == &a.source[..]
                        || !x.remote
                });
            if !found {
                match by_source.iter_mut().find(|(k, _)| *k == a.source) {
                    Some((_, v)) => v.push(a),
                    None => by_source.push((a.source.clone(), vec![a])),
                }
            }
        }
        let mut v = Vec::new();
        for (src, list) in by_source {
            let hostile = auth.sources.get(&src).is_some_and(|s| s.failures > 0);
            let root = list.iter().any(|a| a.user == b"root");
            let sev = if hostile || root {
                Severity::Medium
            } else {
                Severity::Low
            };
            let users: Vec<String> = {
                let mut u: Vec<String> = list
                    .iter()
                    .map(|a| ferret_core::escape::escape(&a.user))
                    .collect();
                u.dedup();
                u
            };
            let mut x = Finding::new(
                "logins.accepted-without-record",
                sev,
                format!(
                    "{} accepted logins from this source have no wtmp record",
                    list.len()
                ),
                &src,
            )
            .with_attack("T1070.002")
            .with_detail(format!(
                "users {}; wtmp covers {start} to {end} but has no login of them from this source \
                 within {tol} s. Sessions without a terminal (scp, sftp, `ssh host cmd`) leave no \
                 record; an interactive one whose record is missing was wiped{}",
                users.join(", "),
                if hostile {
                    "; this source also failed to log in"
                } else {
                    ""
                }
            ));
            for a in list.iter().take(EVIDENCE) {
                x = x.with_evidence(a.evidence.clone());
            }
            v.push(x);
        }
        push_grouped(&mut out, v, "sources");
    }

    // Remote wtmp logins inside the auth log's window without an Accepted line.
    let window = match (auth.hours.first(), auth.hours.last()) {
        (Some(a), Some(b)) if !accepted.is_empty() => Some((a.hour.secs(), b.hour.secs() + 3600)),
        _ => None,
    };
    if let Some((lo, hi)) = window {
        let mut by_user: HashMap<&[u8], Vec<i64>> = HashMap::new();
        for a in &accepted {
            if let Some(x) = a.time {
                by_user.entry(&a.user).or_default().push(x.secs());
            }
        }
        let mut by_source: Vec<(u32, Vec<Indexed>)> = Vec::new();
        for x in logins
            .index
            .logins
            .iter()
            .filter(|x| x.remote && x.sec >= lo && x.sec <= hi)
        {
            let user = logins.index.users.name(x.user);
            let ok = by_user
                .get(user)
                .is_some_and(|ts| ts.iter().any(|&s| (s - x.sec).abs() <= tol));
            if !ok {
                match by_source.iter_mut().find(|(k, _)| *k == x.source) {
                    Some((_, v)) => v.push(*x),
                    None => by_source.push((x.source, vec![*x])),
                }
            }
        }
        let mut v = Vec::new();
        for (src, list) in by_source {
            let src_text = logins.index.sources.name(src).to_vec();
            let mut x = Finding::new(
                "logins.record-without-auth",
                Severity::High,
                format!(
                    "{} wtmp logins from this source have no line in the auth log",
                    list.len()
                ),
                &src_text,
            )
            .with_attack("T1070.002")
            .with_detail(format!(
                "the auth log covers {} to {} and records accepted logins, but none for these \
                 sessions within {tol} s: the auth log was cleaned, or the records were forged",
                LogTime::from_secs(lo),
                LogTime::from_secs(hi)
            ));
            for l in list.iter().take(EVIDENCE) {
                x = x.with_evidence(login_evidence(logins, l));
            }
            v.push(x);
        }
        push_grouped(&mut out, v, "sources");
    }

    // Sessions from sources the auth log saw failing.
    let threshold = u64::from(opts.failures.max(1));
    let mut v = Vec::new();
    for s in auth.sources.iter().filter(|s| s.failures >= threshold) {
        let Some(first) = s.first else { continue };
        let Some(login) = first_login_from(logins, &s.ip, first.secs()) else {
            continue;
        };
        let ev = login_evidence(logins, &login);
        // Already reported from the auth log: the session joins that finding.
        if let Some(f) = auth
            .outcome
            .findings
            .iter_mut()
            .find(|f| f.id == "logs.login-after-failures" && f.subject == s.ip)
        {
            f.evidence.push(ev);
            let note = "; wtmp holds the session";
            match &mut f.detail {
                Some(d) => d.push_str(note),
                None => f.detail = Some(note.trim_start_matches("; ").to_string()),
            }
            logins
                .outcome
                .findings
                .retain(|x| !(x.id == "logins.login-after-failures" && x.subject == s.ip));
            continue;
        }
        // Already reported from btmp: add the auth-log count.
        if let Some(f) = logins
            .outcome
            .findings
            .iter_mut()
            .find(|x| x.id == "logins.login-after-failures" && x.subject == s.ip)
        {
            let note = format!("; the auth log has {} failures from it", s.failures);
            match &mut f.detail {
                Some(d) => d.push_str(&note),
                None => f.detail = Some(note),
            }
            continue;
        }
        v.push(
            subject(
                Finding::new(
                    "logins.login-after-failures",
                    Severity::Critical,
                    "a session from a source that failed to log in before",
                    b"",
                ),
                &s.ip,
            )
            .with_attack("T1110")
            .with_attack("T1078")
            .with_evidence(ev)
            .with_detail(format!(
                "the auth log has {} failures from this source ({} to {}), then wtmp a session from \
                 it",
                s.failures,
                t(s.first),
                t(s.last)
            ))
            .with_remediation("lock the account, rotate its credentials, and trace the session"),
        );
    }
    push_grouped(&mut out, v, "sources");
    logins.outcome.findings.extend(out);
    Finding::sort(&mut logins.outcome.findings);
}
