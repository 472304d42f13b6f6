//! The detector against a naive one written from its documentation: plain maps and lists,
//! every window scanned whole, on random event streams (times that go back and forth, no
//! time, repeats, several files). Sessions by pid are out of it here (`sshd` is false):
//! they are checked against fail2ban's annotated logs (`fail2ban.rs`) and by the goldens.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use ferret_logs::{Attempt, Detector, EventKind, LogTime, Observation, Thresholds};
use proptest::prelude::*;

const MICROS: i64 = 1_000_000;

fn b(s: &[u8]) -> Cow<'static, [u8]> {
    Cow::Owned(s.to_vec())
}

/// Sources, users and groups: a few of each so that the windows fill up.
const SOURCES: &[&[u8]] = &[
    b"203.0.113.5",
    b"198.51.100.77",
    b"2001:db8::1",
    b"host-name-of-exactly-32-bytes.xy",
    b"192.0.2.1",
    b"10.0.0.1",
];
const USERS: &[&[u8]] = &[b"root", b"admin", b"", b"\xffu", b"alice", b"bob", b"carol"];

/// One generated event (kinds whose facts the detector reads without sessions).
fn event(kind: u8, s: u8, u: u8, bits: u8) -> EventKind<'static> {
    use EventKind as E;
    let ip = b(SOURCES[usize::from(s) % SOURCES.len()]);
    let user = b(USERS[usize::from(u) % USERS.len()]);
    match kind % 14 {
        0..=2 => E::SshFailed {
            method: b(if bits & 1 == 0 {
                b"password"
            } else {
                b"publickey"
            }),
            user,
            invalid_user: bits & 2 != 0,
            ip,
            port: Some(22),
        },
        3 => E::SshAccepted {
            method: b(b"password"),
            user: if bits & 4 != 0 { b(b"root") } else { user },
            ip,
            port: None,
            key: None,
        },
        4 => E::SshInvalidUser {
            user,
            ip: Some(ip),
            port: None,
        },
        5 => E::SshScan {
            ip: Some(ip),
            what: b(b"no-identification"),
        },
        6 => E::PamAuthFailure {
            service: b(b"sudo"),
            user: Some(user),
            ruser: None,
            rhost: Some(ip),
        },
        7 => E::SshClosed { ip: Some(ip) },
        8 => E::Netfilter {
            prefix: b(b"[UFW BLOCK] "),
            in_if: None,
            out_if: None,
            src: ip,
            dst: None,
            proto: None,
            spt: None,
            dpt: Some(u16::from(bits % 24)),
            flags: b(b"SYN"),
        },
        9 => E::UserAdded {
            name: user,
            uid: Some(u32::from(bits % 2)),
            gid: None,
            home: None,
            shell: None,
        },
        10 => E::GroupMember {
            user,
            group: b([&b"sudo"[..], b"users", b"kmem", b"docker"][usize::from(bits % 4)]),
            added: bits & 4 == 0,
        },
        11 => E::SudoNotInSudoers {
            user,
            runas: None,
            command: None,
        },
        12 => E::FsError {
            device: Some(b(b"sda1")),
            detail: b(b"EXT4-fs error"),
        },
        _ => E::ModuleTaint {
            module: b([&b"rootkit"[..], b"x"][usize::from(bits % 2)]),
            reason: b(b"module verification failed"),
        },
    }
}

/// One step of a stream.
#[derive(Debug, Clone)]
enum Step {
    File(u8),
    Long(u64),
    Capped(u64),
    Event {
        line: u64,
        time: Option<i64>,
        event: EventKind<'static>,
        times: u32,
    },
}

/// A source as compared: (failures, probes, publickey), successes, hostile, events, users,
/// first, last.
type Source = (
    (u64, u64, u64),
    u64,
    u64,
    u64,
    Vec<String>,
    Option<i64>,
    Option<i64>,
);

/// Keys last seen at a time.
type Recent = Vec<(Vec<u8>, i64)>;

/// A finding as compared: id, severity, subject, evidence lines (details are wording).
type Found = (String, String, String, Vec<(String, Option<u64>)>);

/// What the naive detector and the real one are compared on.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    events: BTreeMap<String, u64>,
    sources: BTreeMap<String, Source>,
    hours: BTreeMap<i64, (u64, u64)>,
    window: Option<(i64, i64)>,
    findings: BTreeSet<Found>,
}

fn esc(b: &[u8]) -> String {
    ferret_core::escape::escape(b)
}

/// The detector as its documentation says it works, with nothing clever in it.
fn naive(steps: &[Step], th: &Thresholds) -> Summary {
    #[derive(Default)]
    struct Src {
        events: u64,
        hostile: u64,
        failures: u64,
        probes: u64,
        publickey: u64,
        successes: u64,
        users: Vec<Vec<u8>>,
        first: Option<i64>,
        last: Option<i64>,
        fails: Vec<(i64, u64)>,
        brute: bool,
        spray_users: Vec<(Vec<u8>, i64)>,
        spray: bool,
        compromise: bool,
        ports: Vec<(u16, i64)>,
        scan: bool,
        first_fail: Option<(usize, u64)>,
    }
    // Drops the entries last seen more than `win` before `t`, then marks `k` seen at `t`.
    fn touch<K: PartialEq>(set: &mut Vec<(K, i64)>, k: K, t: i64, win: i64) {
        set.retain(|(_, at)| t.saturating_sub(*at) <= win);
        match set.iter_mut().find(|(x, _)| *x == k) {
            Some(e) => e.1 = t,
            None => set.push((k, t)),
        }
    }
    let win = th.window_secs.saturating_mul(MICROS);
    let fail_n = th.failures.max(1) as usize;
    let spray_n = th.spray_users.max(2) as usize;
    let dist_n = th.distributed_sources.max(2) as usize;
    let success_n = u64::from(th.success_after_failures.max(1));
    let ports_n = th.portscan_ports.max(2) as usize;
    let ports_win = th.portscan_window_secs.saturating_mul(MICROS);
    let fs_n = th.fs_errors.max(1) as usize;
    let fs_win = th.fs_window_secs.saturating_mul(MICROS);
    let most = th
        .failures
        .max(th.success_after_failures)
        .max(th.fs_errors)
        .max(1);
    let one_by_one_cap = (u64::from(most) + 1).min(4096);

    let mut files: Vec<String> = Vec::new();
    let mut events: BTreeMap<String, u64> = BTreeMap::new();
    let mut srcs: HashMap<Vec<u8>, Src> = HashMap::new();
    let mut order: Vec<Vec<u8>> = Vec::new();
    // Per user: the sources failing on it lately, and whether it was reported.
    let mut user_sources: HashMap<Vec<u8>, (Recent, bool)> = HashMap::new();
    let mut hours: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    let mut window: Option<(i64, i64)> = None;
    let mut last_time: Option<i64> = None;
    let mut fs: Vec<i64> = Vec::new();
    let mut fs_found = false;
    let mut findings: BTreeMap<(String, String), Found> = BTreeMap::new();
    let mut find =
        |id: &str, sev: &str, key: &[u8], subject: &[u8], ev: Vec<(String, Option<u64>)>| {
            findings
                .entry((id.to_string(), esc(key)))
                .or_insert_with(|| (id.to_string(), sev.to_string(), esc(subject), ev));
        };
    let file = |files: &Vec<String>| files.last().cloned().unwrap_or_else(|| "-".into());
    for step in steps {
        let (line, time, ev, times) = match step {
            Step::File(k) => {
                files.push(format!("/var/log/auth.log.{k}"));
                continue;
            }
            Step::Long(line) => {
                let f = file(&files);
                find(
                    "logs.overlong-line",
                    "low",
                    f.as_bytes(),
                    f.as_bytes(),
                    vec![(f.clone(), Some(*line))],
                );
                continue;
            }
            Step::Capped(line) => {
                let f = file(&files);
                find(
                    "logs.repeat-capped",
                    "low",
                    f.as_bytes(),
                    f.as_bytes(),
                    vec![(f.clone(), Some(*line))],
                );
                continue;
            }
            Step::Event {
                line,
                time,
                event,
                times,
            } => (*line, *time, event, u64::from(*times).max(1)),
        };
        let f = file(&files);
        let time = time.or(last_time);
        last_time = time;
        let t = time.unwrap_or(0);
        // The rule (as the crate docs state it): at each failure of a source, the failures
        // (and failing users) it remembers that are more than the window away from that
        // failure (before it, or after it when times go back) are forgotten; `failures`
        // remembered failures are a brute force, `spray_users` remembered users a spray.
        let forgotten = |at: i64| t.abs_diff(at) > win.unsigned_abs();
        let (source, user) = (ev.source(), ev.user());
        // No sessions here (no pids): every attempt line is an attempt of its kind; the
        // windows see password guesses and probes.
        let attempt = ev.attempt();
        let (guess, probe, key) = (
            matches!(attempt, Some(Attempt::Guess | Attempt::PamGuess)),
            attempt == Some(Attempt::Probe),
            attempt == Some(Attempt::KeyOffer),
        );
        let auth_failure = guess || probe;
        let hostile = ev.is_hostile();
        let accepted = matches!(ev, EventKind::SshAccepted { .. });
        // The first repeats one by one, as if the lines were there; the rest only counted.
        let k = times.min(one_by_one_cap);
        for _ in 0..k {
            *events.entry(ev.name().to_string()).or_default() += 1;
            if let Some(t) = time {
                let h = hours.entry(t.div_euclid(3600 * MICROS)).or_default();
                h.0 += 1;
                h.1 += u64::from(hostile);
                if hostile {
                    window = Some(window.map_or((t, t), |(a, z)| (a.min(t), z.max(t))));
                }
            }
            if let Some(ip) = source {
                if !srcs.contains_key(ip) {
                    order.push(ip.to_vec());
                }
                let s = srcs.entry(ip.to_vec()).or_default();
                s.events += 1;
                s.hostile += u64::from(hostile);
                if let Some(t) = time {
                    s.first = Some(s.first.map_or(t, |x| x.min(t)));
                    s.last = Some(s.last.map_or(t, |x| x.max(t)));
                }
                if let Some(u) = user.filter(|u| !u.is_empty()) {
                    if s.users.len() < 16 && !s.users.iter().any(|x| x == u) {
                        s.users.push(u.to_vec());
                    }
                }
                s.publickey += u64::from(key);
                if auth_failure {
                    s.failures += u64::from(guess);
                    s.probes += u64::from(probe);
                    s.first_fail.get_or_insert((files.len(), line));
                    if !s.brute {
                        // `failures` remembered failures are a brute force.
                        s.fails.retain(|&(at, _)| !forgotten(at));
                        s.fails.push((t, line));
                        if s.fails.len() >= fail_n {
                            let (_, l0) = s.fails[s.fails.len() - fail_n];
                            s.brute = true;
                            find(
                                "logs.brute-force",
                                "high",
                                ip,
                                ip,
                                vec![(f.clone(), Some(l0)), (f.clone(), Some(line))],
                            );
                        }
                    }
                    if let (false, Some(u)) = (s.spray, user) {
                        s.spray_users.retain(|&(_, at)| !forgotten(at));
                        touch(&mut s.spray_users, u.to_vec(), t, win);
                        if s.spray_users.len() >= spray_n {
                            s.spray = true;
                            find(
                                "logs.password-spraying",
                                "high",
                                ip,
                                ip,
                                vec![(f.clone(), Some(line))],
                            );
                        }
                    }
                    if let Some(u) = user.filter(|u| !u.is_empty()) {
                        let (set, done) = user_sources.entry(u.to_vec()).or_default();
                        if !*done {
                            touch(set, ip.to_vec(), t, win);
                            if set.len() >= dist_n {
                                *done = true;
                                find(
                                    "logs.distributed-brute-force",
                                    "high",
                                    u,
                                    u,
                                    vec![(f.clone(), Some(line))],
                                );
                            }
                        }
                    }
                }
                if accepted {
                    s.successes += 1;
                    if !s.compromise && (s.failures + s.probes >= success_n || s.brute || s.spray) {
                        s.compromise = true;
                        if let (Some(t), Some(w)) = (time, window.as_mut()) {
                            w.1 = w.1.max(t);
                        }
                        let mut ev = vec![(f.clone(), Some(line))];
                        if let Some((fi, l)) = s.first_fail {
                            let name = fi
                                .checked_sub(1)
                                .map_or_else(|| "-".to_string(), |i| files[i].clone());
                            ev.push((name, Some(l)));
                        }
                        find("logs.login-after-failures", "critical", ip, ip, ev);
                    }
                }
                if let EventKind::Netfilter { dpt: Some(p), .. } = ev {
                    if !s.scan {
                        touch(&mut s.ports, *p, t, ports_win);
                        if s.ports.len() >= ports_n {
                            s.scan = true;
                            find(
                                "logs.port-scan",
                                "medium",
                                ip,
                                ip,
                                vec![(f.clone(), Some(line))],
                            );
                        }
                    }
                }
            }
            let here = vec![(f.clone(), Some(line))];
            match ev {
                EventKind::SshAccepted { user, ip, .. } if &**user == b"root" => {
                    find("logs.root-ssh-login", "high", ip, ip, here);
                }
                EventKind::UserAdded { name, uid, .. } => {
                    let sev = if *uid == Some(0) {
                        "critical"
                    } else {
                        "medium"
                    };
                    find("logs.new-account", sev, name, name, here);
                }
                EventKind::GroupMember {
                    user,
                    group,
                    added: true,
                } if ferret_core::groups::PRIVILEGED_GROUPS
                    .iter()
                    .any(|g| g.as_bytes() == &**group) =>
                {
                    let key = [&user[..], b":", group].concat();
                    find("logs.privileged-group-add", "high", &key, user, here);
                }
                EventKind::SudoNotInSudoers { user, .. } => {
                    find("logs.sudo-not-in-sudoers", "medium", user, user, here);
                }
                EventKind::FsError { device, .. } => {
                    fs.push(t);
                    if !fs_found
                        && fs.len() >= fs_n
                        && t.saturating_sub(fs[fs.len() - fs_n]) <= fs_win
                    {
                        fs_found = true;
                        let d = device.as_deref().unwrap_or(b"-");
                        find("logs.fs-errors", "medium", d, d, here);
                    }
                }
                EventKind::ModuleTaint { module, .. } => {
                    find("logs.module-taint", "medium", module, module, here);
                }
                _ => {}
            }
        }
        // The rest of the repeats: counts only.
        let extra = times - k;
        if extra > 0 {
            *events.entry(ev.name().to_string()).or_default() += extra;
            if let Some(t) = time {
                let h = hours.entry(t.div_euclid(3600 * MICROS)).or_default();
                h.0 += extra;
                h.1 += u64::from(hostile) * extra;
            }
            if let Some(s) = source.and_then(|ip| srcs.get_mut(ip)) {
                s.events += extra;
                s.hostile += u64::from(hostile) * extra;
                s.failures += u64::from(guess) * extra;
                s.probes += u64::from(probe) * extra;
                s.publickey += u64::from(key) * extra;
                s.successes += u64::from(accepted) * extra;
            }
        }
    }
    let _ = order;
    Summary {
        events,
        sources: srcs
            .into_iter()
            .map(|(ip, s)| {
                let users = s.users.iter().map(|u| esc(u)).collect();
                (
                    esc(&ip),
                    (
                        (s.failures, s.probes, s.publickey),
                        s.successes,
                        s.hostile,
                        s.events,
                        users,
                        s.first,
                        s.last,
                    ),
                )
            })
            .collect(),
        hours: hours.into_iter().filter(|(_, c)| c.0 > 0).collect(),
        window,
        findings: findings.into_values().collect(),
    }
}

/// The real detector over the same steps.
fn real(steps: &[Step], th: &Thresholds) -> Summary {
    let mut d = Detector::new(th.clone());
    for step in steps {
        match step {
            Step::File(k) => d.begin_file(format!("/var/log/auth.log.{k}").as_bytes()),
            Step::Long(line) => d.long_line(*line, 70_000),
            Step::Capped(line) => d.repeat_capped(*line),
            Step::Event {
                line,
                time,
                event,
                times,
            } => d.observe(&Observation {
                line: *line,
                time: time.map(LogTime),
                pid: None,
                sshd: false,
                event: event.clone(),
                repeat: *times,
            }),
        }
    }
    let r = d.finish();
    Summary {
        events: r.events,
        sources: r
            .sources
            .iter()
            .map(|s| {
                (
                    s.ip.clone().into_owned(),
                    (
                        (s.failures, s.probes, s.publickey),
                        s.successes,
                        s.hostile,
                        s.events,
                        s.users.to_vec(),
                        s.first.map(|t| t.0),
                        s.last.map(|t| t.0),
                    ),
                )
            })
            .collect(),
        hours: r
            .hours
            .iter()
            .map(|h| (h.hour.secs() / 3600, (h.events, h.hostile)))
            .collect(),
        window: r.window.map(|w| (w.first.0, w.last.0)),
        findings: r
            .findings
            .iter()
            .map(|f| {
                (
                    f.id.clone(),
                    f.severity.as_str().to_string(),
                    f.subject.clone(),
                    f.evidence
                        .iter()
                        .map(|e| (e.path.clone(), e.line))
                        .collect(),
                )
            })
            .collect(),
    }
}

fn thresholds(t: [u8; 9]) -> Thresholds {
    let pick = |v: &[u32], i: u8| v[usize::from(i) % v.len()];
    let pick64 = |v: &[i64], i: u8| v[usize::from(i) % v.len()];
    let mut th = Thresholds::default();
    th.failures = pick(&[5, 0, 1, 2, 3, 50, 5000], t[0]);
    th.window_secs = pick64(&[600, 0, 1, 60, 1_000_000], t[1]);
    th.spray_users = pick(&[5, 0, 1, 2, 3, 100], t[2]);
    th.distributed_sources = pick(&[10, 0, 2, 3, 200], t[3]);
    th.success_after_failures = pick(&[5, 0, 1, 2, 4000], t[4]);
    th.portscan_ports = pick(&[15, 0, 2, 3, 100], t[5]);
    th.portscan_window_secs = pick64(&[60, 0, 1, 100_000], t[6]);
    th.fs_errors = pick(&[5, 0, 1, 3], t[7]);
    th.fs_window_secs = pick64(&[3600, 0, 1, 10_000_000], t[8]);
    th
}

/// Steps: events with times that move on, jump back, repeat or are missing; repeats of
/// every size; file changes and flags now and then.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = (
        0u8..20,
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        0u8..8,
        0u16..40,
        any::<u8>(),
    );
    proptest::collection::vec(step, 1..300).prop_map(|raw| {
        let mut now: i64 = 1_700_000_000 * MICROS;
        let mut out = vec![Step::File(0)];
        for (line, (kind, s, u, bits, tc, delta, rc)) in raw.into_iter().enumerate() {
            let line = line as u64 + 1;
            match kind {
                14 if bits % 4 == 0 => out.push(Step::File(bits % 3)),
                15 if bits % 4 == 0 => out.push(Step::Long(line)),
                16 if bits % 4 == 0 => out.push(Step::Capped(line)),
                _ => {
                    let d = i64::from(delta);
                    let time = match tc {
                        0 => None,
                        1 => Some(now),
                        2 => Some(now + d * MICROS),
                        3 => Some(now - d * MICROS),
                        4 => Some(now + d * 3600 * MICROS),
                        _ => Some(now + (d % 5) * MICROS + d),
                    };
                    if let Some(t) = time {
                        now = t;
                    }
                    let times = match rc {
                        0..=199 => 1,
                        200..=239 => 2 + u32::from(rc % 5),
                        240..=249 => 10 + u32::from(rc),
                        _ => 5000,
                    };
                    out.push(Step::Event {
                        line,
                        time,
                        event: event(kind, s % 6, u, bits),
                        times,
                    });
                }
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn detector_is_the_naive_one(steps in steps(), th in any::<[u8; 9]>()) {
        let th = thresholds(th);
        prop_assert_eq!(real(&steps, &th), naive(&steps, &th));
    }
}

/// The default thresholds on a dense stream find what they should (the comparison above is
/// not vacuous).
#[test]
fn dense_stream_makes_findings() {
    let mut steps = vec![Step::File(0)];
    for i in 0..60u8 {
        steps.push(Step::Event {
            line: u64::from(i) + 1,
            time: Some(1_700_000_000 * MICROS + i64::from(i) * MICROS),
            event: event(i % 14, i % 3, i, i),
            times: 1,
        });
    }
    // Invalid-user probes of six names from one source (spraying needs no password).
    for u in 0..6u8 {
        steps.push(Step::Event {
            line: 80 + u64::from(u),
            time: Some(1_700_000_070 * MICROS + i64::from(u) * MICROS),
            event: event(4, 2, u, 0),
            times: 1,
        });
    }
    // A port scan: one source, twenty ports, twenty seconds.
    for p in 0..20u8 {
        steps.push(Step::Event {
            line: 100 + u64::from(p),
            time: Some(1_700_000_100 * MICROS + i64::from(p) * MICROS),
            event: event(8, 1, 0, p),
            times: 1,
        });
    }
    let th = Thresholds::default();
    let (r, n) = (real(&steps, &th), naive(&steps, &th));
    assert_eq!(r, n);
    let ids: BTreeSet<&str> = r.findings.iter().map(|f| f.0.as_str()).collect();
    for id in [
        "logs.brute-force",
        "logs.password-spraying",
        "logs.login-after-failures",
        "logs.port-scan",
        "logs.new-account",
        "logs.privileged-group-add",
        "logs.module-taint",
    ] {
        assert!(ids.contains(id), "{id}: {ids:?}");
    }
}

/// The committed regression seed (`proptest-regressions/detector.txt`: times going back by
/// more than the window) as a test of the rule: three failures from one source within two
/// seconds, the third timed two seconds before the second (window 0 s, 3 failures). The
/// answer is the naive model's; the stream is not vacuous (the source fails three times).
#[test]
fn times_going_back_follow_the_forgetting_rule() {
    let ip = b(b"2001:db8::1");
    let root = b(b"root");
    let t0 = 1_700_000_000 * MICROS;
    let ev = |line, time, event| Step::Event {
        line,
        time,
        event,
        times: 1,
    };
    let steps = vec![
        Step::File(0),
        ev(
            1,
            Some(t0),
            EventKind::SshFailed {
                method: b(b"password"),
                user: root.clone(),
                invalid_user: false,
                ip: ip.clone(),
                port: Some(22),
            },
        ),
        ev(
            2,
            Some(t0 + MICROS + 1),
            EventKind::PamAuthFailure {
                service: b(b"sudo"),
                user: Some(root.clone()),
                ruser: None,
                rhost: Some(ip.clone()),
            },
        ),
        ev(
            3,
            Some(t0 - 2 * MICROS + 1),
            EventKind::SshFailed {
                method: b(b"password"),
                user: root.clone(),
                invalid_user: false,
                ip: b(b"203.0.113.5"),
                port: Some(22),
            },
        ),
        ev(
            4,
            None,
            EventKind::SshInvalidUser {
                user: root,
                ip: Some(ip),
                port: None,
            },
        ),
    ];
    let th = thresholds([179, 6, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!((th.failures, th.window_secs), (3, 0));
    let (r, n) = (real(&steps, &th), naive(&steps, &th));
    assert_eq!(r, n);
    let s = &n.sources["2001:db8::1"];
    assert_eq!(s.0 .0 + s.0 .1, 3, "{s:?}");
}
