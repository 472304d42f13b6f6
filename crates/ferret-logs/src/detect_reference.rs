//! Test-only oracle: the streaming detector as it was before the session-3 speed work
//! (commit f9d560c), kept verbatim so the fast [`super::Detector`] can be checked against it
//! on random and real event streams (same findings, sources, hours, window, counts).
#![allow(dead_code, clippy::all, clippy::pedantic)]

use std::collections::{BTreeMap, VecDeque};
use std::hash::Hasher;

use ferret_core::{Evidence, Finding, Severity};

use super::{
    hash, DetectorResult, Fnv, FnvMap, FxMap, HourBucket, Observation, SourceSummary, Thresholds,
    Window,
};
use crate::event::EventKind;
use crate::time::LogTime;

const MAX_USERS_KEPT: usize = 16;
const MICROS: i64 = 1_000_000;

#[derive(Debug, Default)]
struct SourceState {
    ip: Box<[u8]>,
    ip_hash: u64,
    events: u64,
    hostile: u64,
    failures: u64,
    successes: u64,
    first: Option<LogTime>,
    last: Option<LogTime>,
    users: Vec<Vec<u8>>,
    /// `hash` of each of `users`.
    user_hashes: Vec<u64>,
    fail_times: VecDeque<(i64, u64)>,
    recent_users: Recent<u64>,
    ports: Recent<u16>,
    first_failure_line: Option<(u32, u64)>,
    brute: Option<usize>,
    spray: Option<usize>,
    scan: Option<usize>,
    compromise: bool,
}

#[derive(Debug, Default)]
struct UserState {
    name: Vec<u8>,
    recent_sources: Recent<u64>,
    reported: bool,
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
        self.items.retain(|(_, at)| t.wrapping_sub(*at) <= win);
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

#[derive(Debug, Clone)]
pub(crate) struct PidSessions<I> {
    pids: FxMap<u32, Session<I>>,
}

impl<I> Default for PidSessions<I> {
    fn default() -> Self {
        PidSessions {
            pids: FxMap::default(),
        }
    }
}

#[derive(Debug, Clone)]
struct Session<I> {
    ip: Option<I>,
    hostless: u32,
    pam: u32,
    pam_users: Vec<u64>,
    max_attempts: bool,
}

impl<I> Default for Session<I> {
    fn default() -> Self {
        Session {
            ip: None,
            hostless: 0,
            pam: 0,
            pam_users: Vec::new(),
            max_attempts: false,
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

impl<I: Copy> PidSessions<I> {
    /// Forgets every session (new file).
    pub(crate) fn clear(&mut self) {
        self.pids.clear();
    }

    /// [`Sessions::resolve`] without moving the event: the source to fill in is returned.
    /// `named`: the event names its own source; `key`: that source as the session keeps it
    /// (`None` when too long to keep).
    pub(crate) fn resolve_key(
        &mut self,
        pid: Option<u32>,
        event: &EventKind<'_>,
        named: bool,
        key: Option<I>,
    ) -> Resolution<I> {
        let mut r = Resolution {
            fill: None,
            deferred: 0,
            user_switch: false,
            duplicate: false,
        };
        let Some(pid) = pid else {
            return r;
        };
        // sshd keeps at most MaxStartups (default 100) unauthenticated connections; 4096
        // live sessions is ample, and clearing bounds memory on pid churn.
        if self.pids.len() >= 4096 && !self.pids.contains_key(&pid) {
            self.pids.clear();
        }
        let sess = self.pids.entry(pid).or_default();
        let mut deferred = 0;
        if named {
            sess.ip = key;
        } else {
            match &sess.ip {
                Some(ip) => r.fill = Some(*ip),
                None => {
                    if event.is_auth_failure() {
                        sess.hostless += 1;
                    }
                    return r;
                }
            }
        }
        if sess.hostless > 0 {
            deferred += std::mem::take(&mut sess.hostless);
        }
        // Only PAM failures and accepted logins compare user names.
        let user_hash = || event.user().map_or(0, hash);
        let mut user_switch = false;
        let mut duplicate = false;
        match event {
            EventKind::PamAuthFailure { service, .. } if &**service == b"sshd" => {
                let uh = user_hash();
                if sess.pam_users.is_empty() || sess.pam_users.contains(&uh) {
                    sess.pam += 1;
                } else {
                    deferred += sess.pam + 1;
                    sess.pam = 0;
                }
                if !sess.pam_users.contains(&uh) && sess.pam_users.len() < 16 {
                    sess.pam_users.push(uh);
                }
            }
            EventKind::SshAccepted { .. } => {
                if !sess.pam_users.is_empty() && !sess.pam_users.contains(&user_hash()) {
                    deferred += sess.pam;
                    user_switch = true;
                }
                sess.pam = 0;
                sess.pam_users.clear();
            }
            EventKind::SshMaxAuthAttempts { .. } => {
                sess.max_attempts = true;
                sess.pam = 0;
            }
            EventKind::SshTooManyFailures { .. } if sess.max_attempts => {
                duplicate = true;
            }
            e if e.is_auth_failure() => {
                // A failure line of its own stands for the PAM failure before it.
                sess.pam = 0;
            }
            EventKind::SshClosed { .. } | EventKind::SshPreauthDisconnect { .. } => {
                sess.pam = 0;
                sess.pam_users.clear();
                sess.max_attempts = false;
            }
            _ => {}
        }
        r.deferred = deferred;
        r.user_switch = user_switch;
        r.duplicate = duplicate;
        r
    }
}

#[derive(Debug)]
pub struct Detector {
    th: Thresholds,
    files: Vec<Vec<u8>>,
    file: u32,
    /// Source address -> index in `source_states` (one hash lookup per event).
    source_index: FxMap<Vec<u8>, usize>,
    source_states: Vec<SourceState>,
    users: FxMap<u64, UserState>,
    sessions: PidSessions<usize>,
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

impl Detector {
    /// A detector with the given thresholds.
    pub fn new(th: Thresholds) -> Self {
        Detector {
            th,
            files: Vec::new(),
            file: 0,
            source_index: FxMap::default(),
            source_states: Vec::new(),
            users: FxMap::default(),
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
        let mut h = Fnv::default();
        h.write(id.as_bytes());
        h.write(b"\0");
        h.write(subject);
        let key = h.finish();
        if let Some(&i) = self.seen.get(&key) {
            return i;
        }
        let finding = f(self);
        self.findings.push(finding);
        let i = self.findings.len() - 1;
        self.seen.insert(key, i);
        i
    }

    /// Feeds one event.
    // By value since 0.1 (callers hand their observation over); see `observe_event`.
    #[allow(clippy::needless_pass_by_value)]
    pub fn observe(&mut self, obs: Observation<'_>) {
        self.observe_repeated(
            obs.line,
            obs.time,
            obs.pid,
            obs.sshd,
            &obs.event,
            u64::from(obs.repeat),
        );
    }

    /// [`Detector::observe`] by reference: the event stays where the parser built it (the
    /// per-line hot path moves no event and allocates nothing unless a finding is made).
    pub fn observe_event(
        &mut self,
        line: u64,
        time: Option<LogTime>,
        pid: Option<u32>,
        sshd: bool,
        event: &EventKind<'_>,
    ) {
        let time = time.or(self.last_time);
        if time.is_some() {
            self.last_time = time;
        }
        let t = time.map_or(0, |t| t.0);
        // The event's own source, looked up (or added) once; sessions keep its index.
        let own = event.source();
        let own_idx = own.map(|src| self.source_idx(src));
        // pid-based source resolution for sshd lines that do not print the address: the
        // session's address stands in for the missing source (as `set_source` would fill it).
        // Sessions do not track names longer than 63 bytes (as `Sessions` does).
        let (fill, deferred, duplicate) = if sshd {
            let key = own_idx.filter(|_| own.is_some_and(|src| src.len() <= 63));
            let r = self.sessions.resolve_key(pid, event, own.is_some(), key);
            (
                r.fill.filter(|_| event.takes_source()),
                r.deferred,
                r.duplicate,
            )
        } else {
            (None, 0, false)
        };
        let kind_idx = event.index();
        if let Some(c) = self.counts.get_mut(kind_idx) {
            *c += 1;
        }
        let hostile = event.is_hostile();
        if let Some(time) = time {
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
        let file = self.file;
        let th = self.th.clone();
        let win = th.window_secs * MICROS;

        if let Some(idx) = own_idx.or(fill) {
            let n_fail = u32::from(event.is_auth_failure() && !duplicate) + deferred;
            let failure = n_fail > 0;
            let user = event.user();
            let Some(s) = self.source_states.get_mut(idx) else {
                return;
            };
            // The user's hash serves the user list (until full) and the failure windows.
            let uh = user
                .filter(|_| failure || s.users.len() < MAX_USERS_KEPT)
                .map(hash);
            s.events += 1;
            s.hostile += u64::from(hostile);
            if let Some(time) = time {
                s.first = Some(s.first.map_or(time, |f| f.min(time)));
                s.last = Some(s.last.map_or(time, |l| l.max(time)));
            }
            if let (Some(u), Some(uh)) = (user.filter(|u| !u.is_empty()), uh) {
                // Hashes first: a user name is compared only when its hash matches.
                if s.users.len() < MAX_USERS_KEPT
                    && !s
                        .user_hashes
                        .iter()
                        .zip(&s.users)
                        .any(|(h, x)| *h == uh && x.as_slice() == u)
                {
                    s.users.push(u.to_vec());
                    s.user_hashes.push(uh);
                }
            }
            // New findings, made in this order: brute force, spraying, compromise, scan.
            let (mut brute, mut spray, mut compromise, mut scan) = (false, false, false, false);
            if failure {
                s.failures += u64::from(n_fail);
                if s.first_failure_line.is_none() {
                    s.first_failure_line = Some((file, line));
                }
                for _ in 0..n_fail.min(th.failures.max(1)) {
                    s.fail_times.push_back((t, line));
                }
                while s.fail_times.len() > th.failures.max(1) as usize {
                    s.fail_times.pop_front();
                }
                if s.brute.is_none() && s.fail_times.len() >= th.failures.max(1) as usize {
                    if let Some(&(t0, _)) = s.fail_times.front() {
                        if t.saturating_sub(t0) <= win {
                            brute = true;
                        }
                    }
                }
                if let Some(uh) = uh {
                    s.recent_users.expire(t, win);
                    s.recent_users.touch(uh, t);
                    if s.spray.is_none() && s.recent_users.len() >= th.spray_users.max(2) as usize {
                        spray = true;
                    }
                    if s.recent_users.len() > 4 * th.spray_users.max(2) as usize {
                        s.recent_users.remove_first();
                    }
                }
            }
            if let EventKind::SshAccepted { .. } = event {
                s.successes += 1;
                if !s.compromise
                    && (s.failures >= u64::from(th.success_after_failures.max(1))
                        || s.brute.is_some()
                        || s.spray.is_some())
                {
                    s.compromise = true;
                    compromise = true;
                }
            }
            if let &EventKind::Netfilter { dpt: Some(p), .. } = event {
                let pw = th.portscan_window_secs * MICROS;
                s.ports.expire(t, pw);
                s.ports.touch(p, t);
                if s.scan.is_none() && s.ports.len() >= th.portscan_ports.max(2) as usize {
                    scan = true;
                }
                if s.ports.len() > 4 * th.portscan_ports.max(2) as usize {
                    s.ports.remove_first();
                }
            }
            // The login that followed the failures belongs to the attack window.
            if compromise {
                if let (Some(time), Some(w)) = (time, self.window.as_mut()) {
                    w.last = w.last.max(time);
                }
            }
            let Some(s) = self.source_states.get(idx) else {
                return;
            };
            let first_fail = s.first_failure_line;
            let failures = s.failures;
            let first_in_window = s.fail_times.front().map(|x| x.1);
            let any_new = brute || spray || compromise || scan;
            if !any_new && !failure {
                self.after_source(event, file, line, t);
                return;
            }
            let src_owned = if any_new { s.ip.to_vec() } else { Vec::new() };
            let sh = s.ip_hash;
            let news = [
                (brute, "brute"),
                (spray, "spray"),
                (compromise, "compromise"),
                (scan, "scan"),
            ];
            for (_, what) in news.into_iter().filter(|n| n.0) {
                match what {
                    "brute" => {
                        let ev = self.evidence(file, first_in_window.unwrap_or(line));
                        let ev2 = self.evidence(file, line);
                        let i = self.once("logs.brute-force", &src_owned, |_| {
                            Finding::new("logs.brute-force", Severity::High, "brute-force authentication attempts from one source", &src_owned)
                                .with_evidence(ev)
                                .with_evidence(ev2)
                                .with_attack("T1110.001")
                                .with_detail(format!("{} failures within {} s", th.failures, th.window_secs))
                                .with_remediation("block the source (firewall / fail2ban) and check for a successful login from it")
                        });
                        if let Some(s) = self.source_states.get_mut(idx) {
                            s.brute = Some(i);
                        }
                    }
                    "spray" => {
                        let ev = self.evidence(file, line);
                        let i = self.once("logs.password-spraying", &src_owned, |_| {
                            Finding::new(
                                "logs.password-spraying",
                                Severity::High,
                                "many user names tried from one source (password spraying)",
                                &src_owned,
                            )
                            .with_evidence(ev)
                            .with_attack("T1110.003")
                            .with_detail(format!(
                                "{} distinct users within {} s",
                                th.spray_users, th.window_secs
                            ))
                            .with_remediation(
                                "block the source; disable password authentication for ssh",
                            )
                        });
                        if let Some(s) = self.source_states.get_mut(idx) {
                            s.spray = Some(i);
                        }
                    }
                    "compromise" => {
                        let ev = self.evidence(file, line);
                        let ev0 = first_fail.map(|(f, l)| self.evidence(f, l));
                        let u = user.unwrap_or_default().to_vec();
                        let mut subj = src_owned.clone();
                        subj.extend_from_slice(b" -> ");
                        subj.extend_from_slice(&u);
                        self.once("logs.login-after-failures", &src_owned, |_| {
                            let mut f = Finding::new("logs.login-after-failures", Severity::Critical, "successful login from a source after repeated failures: likely compromise", &src_owned)
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
                    _ => {
                        let ev = self.evidence(file, line);
                        let i = self.once("logs.port-scan", &src_owned, |_| {
                            Finding::new(
                                "logs.port-scan",
                                Severity::Medium,
                                "many destination ports probed by one source (port scan)",
                                &src_owned,
                            )
                            .with_evidence(ev)
                            .with_attack("T1046")
                            .with_detail(format!(
                                "{} distinct destination ports within {} s",
                                th.portscan_ports, th.portscan_window_secs
                            ))
                        });
                        if let Some(s) = self.source_states.get_mut(idx) {
                            s.scan = Some(i);
                        }
                    }
                }
            }
            // distributed brute force: one user, many sources
            if failure {
                if let (Some(u), Some(uh)) = (user.filter(|u| !u.is_empty()), uh) {
                    let us = self.users.entry(uh).or_insert_with(|| UserState {
                        name: u.to_vec(),
                        ..UserState::default()
                    });
                    us.recent_sources.expire(t, win);
                    us.recent_sources.touch(sh, t);
                    let cap = 4 * th.distributed_sources.max(2) as usize;
                    if us.recent_sources.len() > cap {
                        us.recent_sources.remove_first();
                    }
                    if !us.reported
                        && us.recent_sources.len() >= th.distributed_sources.max(2) as usize
                    {
                        us.reported = true;
                        let name = us.name.clone();
                        let ev = self.evidence(file, line);
                        self.once("logs.distributed-brute-force", &name, |_| {
                            Finding::new(
                                "logs.distributed-brute-force",
                                Severity::High,
                                "one user attacked from many sources (distributed brute force)",
                                &name,
                            )
                            .with_evidence(ev)
                            .with_attack("T1110.001")
                            .with_detail(format!(
                                "{} distinct sources within {} s",
                                th.distributed_sources, th.window_secs
                            ))
                        });
                    }
                }
            }
        }

        self.after_source(event, file, line, t);
    }

    /// The index of `src` in the source table, added when new.
    #[inline]
    fn source_idx(&mut self, src: &[u8]) -> usize {
        if let Some(&i) = self.source_index.get(src) {
            return i;
        }
        let i = self.source_states.len();
        self.source_index.insert(src.to_vec(), i);
        self.source_states.push(SourceState {
            ip: src.into(),
            ip_hash: hash(src),
            ..SourceState::default()
        });
        i
    }

    /// Detections that do not depend on the source table.
    fn after_source(&mut self, event: &EventKind<'_>, file: u32, line: u64, t: i64) {
        let th = self.th.clone();
        // Events without a source.
        match &event {
            EventKind::SshAccepted {
                user, ip, method, ..
            } if &**user == b"root" => {
                let ev = self.evidence(file, line);
                let m = String::from_utf8_lossy(method).into_owned();
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
            } if ferret_core::groups::is_privileged_group(group) => {
                let ev = self.evidence(file, line);
                let u = user.to_vec();
                let g = String::from_utf8_lossy(group).into_owned();
                let mut subj = u.clone();
                subj.push(b':');
                subj.extend_from_slice(group);
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
                let fw = th.fs_window_secs * MICROS;
                self.fs_times.push_back(t);
                while self.fs_times.len() > th.fs_errors.max(1) as usize {
                    self.fs_times.pop_front();
                }
                if !self.fs_reported
                    && self.fs_times.len() >= th.fs_errors.max(1) as usize
                    && self
                        .fs_times
                        .front()
                        .is_some_and(|t0| t.saturating_sub(*t0) <= fw)
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

    /// [`Detector::observe_event`] for an event that happened `times` times at one line
    /// (syslog's `message repeated N times`). The first repeats are observed one by one, as
    /// if the lines were there, up to one more than the largest count threshold (failures,
    /// success after failures, filesystem errors; at most 4096), so every window and session
    /// rule sees them; the rest only add to the counts (by kind, per hour, per source:
    /// events, hostile, failures, successes). The cost does not grow with `times`.
    pub fn observe_repeated(
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
            self.observe_event(line, time, pid, sshd, event);
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
        let hostile = u64::from(event.is_hostile());
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
        let idx = match event.source() {
            Some(src) => self.source_index.get(src).copied(),
            None if event.takes_source() => sess.and_then(|s| s.ip),
            None => None,
        };
        let duplicate = matches!(event, EventKind::SshTooManyFailures { .. })
            && sess.is_some_and(|s| s.max_attempts);
        let Some(s) = idx.and_then(|i| self.source_states.get_mut(i)) else {
            return;
        };
        s.events = s.events.saturating_add(extra);
        s.hostile = s.hostile.saturating_add(hostile * extra);
        if event.is_auth_failure() && !duplicate {
            s.failures = s.failures.saturating_add(extra);
        }
        if let EventKind::SshAccepted { .. } = event {
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
        // Totals in brute-force details.
        for s in &self.source_states {
            if let Some(i) = s.brute {
                if let Some(f) = self.findings.get_mut(i) {
                    f.detail = Some(format!(
                        "{} failures in total ({} users), {} successes; first {} last {}; threshold {} within {} s",
                        s.failures,
                        s.users.len(),
                        s.successes,
                        s.first.map(|t| t.to_string()).unwrap_or_default(),
                        s.last.map(|t| t.to_string()).unwrap_or_default(),
                        self.th.failures,
                        self.th.window_secs
                    ));
                }
            }
        }
        let mut states: Vec<Option<SourceState>> = std::mem::take(&mut self.source_states)
            .into_iter()
            .map(Some)
            .collect();
        let mut sources: Vec<SourceSummary> = self
            .source_index
            .into_iter()
            .filter_map(|(ip, i)| Some((ip, states.get_mut(i)?.take()?)))
            .map(|(ip, s)| SourceSummary {
                ip: ferret_core::escape::escape(&ip),
                failures: s.failures,
                successes: s.successes,
                hostile: s.hostile,
                events: s.events,
                users: s
                    .users
                    .iter()
                    .map(|u| ferret_core::escape::escape(u))
                    .collect(),
                first: s.first,
                last: s.last,
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
