//! Cancellation in the middle of a run: the audit, the audit of a root, the diff and the
//! listing of a generated 100k-user host stop when the progress callback cancels them after
//! some work, and return a partial result that says it was cancelled.

use ferret_accounts::{audit, audit_root, diff, list_users, AuditOptions, Snapshot};
use ferret_core::{CancelToken, Control, Outcome};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const USERS: usize = 100_000;

/// The generated host, made once for every test of the binary.
pub(crate) fn host() -> &'static (ferret_testkit::accounts::Host, Snapshot) {
    static HOST: std::sync::OnceLock<(ferret_testkit::accounts::Host, Snapshot)> =
        std::sync::OnceLock::new();
    HOST.get_or_init(|| {
        let host = ferret_testkit::accounts::generate(USERS);
        let mut snap = Snapshot::from_bytes(
            Some(&host.passwd),
            Some(&host.shadow),
            Some(&host.group),
            Some(&host.gshadow),
        );
        snap.login_defs.data = Some(host.login_defs.clone());
        (host, snap)
    })
}

fn opts() -> AuditOptions {
    let mut o = AuditOptions::default();
    o.today = Some(20_000);
    o
}

/// A control whose progress callback cancels it once `when` holds for a report; it also
/// records the largest `items_done` seen, and how many reports came after the cancel.
struct Canceller {
    control: Control,
    token: CancelToken,
    max_done: Arc<AtomicU64>,
    after_cancel: Arc<AtomicU64>,
}

fn canceller(when: impl Fn(u64, Option<u64>) -> bool + Send + Sync + 'static) -> Canceller {
    let token = CancelToken::new();
    let (t, max_done, after) = (
        token.clone(),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let (m, a) = (Arc::clone(&max_done), Arc::clone(&after));
    let control = Control::new()
        .with_cancel(token.clone())
        .with_progress(move |p| {
            m.fetch_max(p.items_done, Ordering::Relaxed);
            if t.is_cancelled() {
                a.fetch_add(1, Ordering::Relaxed);
            } else if when(p.items_done, p.items_total) {
                t.cancel();
            }
        });
    Canceller {
        control,
        token,
        max_done,
        after_cancel: after,
    }
}

fn says_cancelled(out: &Outcome) -> bool {
    out.errors
        .iter()
        .any(|e| e.message == "cancelled" && e.path.is_none())
}

#[test]
fn audit_stops_midway_with_a_partial_result() {
    let (_, snap) = host();
    let acc = snap.view();
    let full = audit(&acc, &opts(), &Control::new());
    assert!(!says_cancelled(&full));
    let c = canceller(|done, _| done >= 20_000);
    let part = audit(&acc, &opts(), &c.control);
    assert!(c.token.is_cancelled());
    assert!(says_cancelled(&part), "{:?}", part.errors);
    // some work was done (the line checks and the first entries), not all of it
    assert!(!part.findings.is_empty());
    assert!(
        part.findings.len() < full.findings.len(),
        "{} of {}",
        part.findings.len(),
        full.findings.len()
    );
    // it stopped within a chunk of entries per worker, far from the ~200k lines in all
    let max = c.max_done.load(Ordering::Relaxed);
    assert!((20_000..60_000).contains(&max), "{max}");
    assert!(c.after_cancel.load(Ordering::Relaxed) <= 2);
    // what it did report is what the full run reports
    let all: std::collections::HashSet<&ferret_core::Finding> = full.findings.iter().collect();
    for f in &part.findings {
        assert!(all.contains(f), "{f}");
    }
}

#[test]
fn audit_root_stops_in_the_home_checks() {
    let (host, _) = host();
    let t = tempfile::tempdir().unwrap();
    host.write_etc(t.path()).unwrap();
    let root = ferret_core::HostRoot::new(t.path()).unwrap();
    let passwd_lines = (host.passwd.split(|&b| b == b'\n').count() - 1) as u64;
    // the home checks report against the passwd lines alone
    let c = canceller(move |done, total| total == Some(passwd_lines) && done >= 5_000);
    let out = audit_root(&root, &opts(), &c.control);
    assert!(says_cancelled(&out), "{:?}", out.errors);
    let homes = out
        .findings
        .iter()
        .filter(|f| f.id == "accounts.home-missing")
        .count();
    // every home is missing in this tree: the partial run saw some thousands, not 100k
    assert!((5_000..10_000).contains(&homes), "{homes}");
    // the in-memory part had finished: its findings are all there
    assert!(out
        .findings
        .iter()
        .any(|f| f.id == "accounts.uid0-non-root" && f.subject == "toor"));
}

#[test]
fn diff_stops_midway_with_a_partial_result() {
    let (_, old) = host();
    // every bash user moves to zsh: tens of thousands of changes, one finding each
    let mut new = old.clone();
    let p = new.passwd.data.take().unwrap();
    let text = String::from_utf8(p).unwrap();
    let moved = text.matches(":/bin/bash\n").count();
    assert!(moved > 50_000, "{moved}");
    new.passwd.data = Some(text.replace(":/bin/bash\n", ":/usr/bin/zsh\n").into_bytes());
    let c = canceller(|done, _| done >= 8_000);
    let part = diff(&old.view(), &new.view(), &c.control);
    assert!(says_cancelled(&part), "{:?}", part.errors);
    let shells = part
        .findings
        .iter()
        .filter(|f| f.id == "accounts.diff.shell-changed")
        .count();
    // the users before the cancel (a chunk past 8k of 100k, in name order), not all of them
    assert!(shells > 1_000 && shells < moved / 4, "{shells} of {moved}");
}

#[test]
fn list_stops_midway_with_a_partial_result() {
    let (_, snap) = host();
    let acc = snap.view();
    let full = list_users(&acc, &Control::new());
    assert!(full.users.len() > USERS);
    let c = canceller(|done, _| done >= 30_000);
    let part = list_users(&acc, &c.control);
    assert!(part.errors.iter().any(|e| e.message == "cancelled"));
    assert!(
        (30_000..40_000).contains(&part.users.len()),
        "{}",
        part.users.len()
    );
    assert_eq!(part.users[..], full.users[..part.users.len()]);
}

#[test]
fn a_cancelled_control_does_no_work() {
    let (_, snap) = host();
    let c = Control::new();
    c.cancel.cancel();
    let out = audit(&snap.view(), &opts(), &c);
    assert!(says_cancelled(&out) && out.findings.is_empty());
}
