//! What was run as another user: commands through sudo (`sudo: U : TTY=... ; PWD=... ;
//! USER=root ; COMMAND=...`), su sessions (`pam_unix(su:session): session opened for user
//! root by alice`, `(to root) alice on pts/0`) and their failures, classified by the one
//! shared command classifier ([`ferret_core::command::classify`]).
//!
//! Kept per analysis: every elevation (at most [`MAX_ELEVATIONS`], the rest counted), and per
//! user and problem the evidence findings are made from when the stream ends (then the attack
//! window is known: an account created or granted a privileged group inside it ranks higher).

use std::collections::BTreeMap;

use ferret_core::command::{classify, CommandKind, Kinds};
use ferret_core::groups::is_privileged_group;
use ferret_core::{Evidence, Finding, Severity};

use super::Window;
use crate::time::LogTime;

/// Elevations kept in [`crate::Analysis::elevations`]; more are counted, not kept.
pub const MAX_ELEVATIONS: usize = 10_000;
/// Evidence lines kept per finding (the detail gives the total).
const MAX_EVIDENCE: usize = 20;
/// Bytes of a command shown in an excerpt.
const EXCERPT: usize = 300;

/// How a user ran something as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Via {
    /// `sudo` (a command).
    Sudo,
    /// `su` (a session).
    Su,
}

/// One command run through sudo or one su session, as the log tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Elevation {
    /// sudo or su.
    pub via: Via,
    /// Whether it was allowed (`false`: wrong passwords, not in sudoers, a failed su).
    pub success: bool,
    /// Who ran it.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub user: Vec<u8>,
    /// As whom (sudo's `USER=`, su's target).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub target: Option<Vec<u8>>,
    /// sudo's `COMMAND=` (su sessions have none).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub command: Option<Vec<u8>>,
    /// sudo's `PWD=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub pwd: Option<Vec<u8>>,
    /// What the command does ([`ferret_core::command::classify`]); empty for su.
    pub kinds: Kinds,
    /// When (the line's time, or the last time before it).
    pub time: Option<LogTime>,
    /// The log file (escaped).
    pub path: String,
    /// 1-based line (for a journal file: the entry's position).
    pub line: u64,
}

/// One line of a finding's evidence, kept raw (excerpts are made for the findings only).
#[derive(Debug)]
struct Seen {
    path: std::sync::Arc<str>,
    line: u64,
    time: Option<LogTime>,
    command: Option<Vec<u8>>,
    target: Option<Vec<u8>>,
}

/// Evidence gathered for one finding.
#[derive(Debug, Default)]
struct Group {
    count: u64,
    seen: Vec<Seen>,
    kinds: Kinds,
    first: Option<LogTime>,
    last: Option<LogTime>,
    targets: Vec<Vec<u8>>,
}

impl Group {
    fn add(
        &mut self,
        ev: impl FnOnce() -> Seen,
        time: Option<LogTime>,
        kinds: Kinds,
        target: Option<&[u8]>,
    ) {
        self.count += 1;
        if self.seen.len() < MAX_EVIDENCE {
            self.seen.push(ev());
        }
        self.kinds.extend(kinds);
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if let Some(t) = target {
            if self.targets.len() < 8 && !self.targets.iter().any(|x| x == t) {
                self.targets.push(t.to_vec());
            }
        }
    }

    fn span(&self) -> String {
        match (self.first, self.last) {
            (Some(a), Some(b)) if a == b => format!("at {a}"),
            (Some(a), Some(b)) => format!("from {a} to {b}"),
            _ => "at unknown times".to_owned(),
        }
    }

    /// The evidence, with excerpts of the commands (`user` ran them).
    fn evidence(&self, user: &[u8]) -> impl Iterator<Item = Evidence> + '_ {
        let user = user.to_vec();
        self.seen.iter().map(move |s| {
            let e = Evidence::line(&*s.path, s.line);
            match &s.command {
                Some(c) => e.with_excerpt(excerpt(s.time, &user, s.target.as_deref(), c)),
                None => e,
            }
        })
    }

    fn targets(&self) -> String {
        let t: Vec<String> = self
            .targets
            .iter()
            .map(|t| ferret_core::escape::escape(t))
            .collect();
        if t.is_empty() {
            "root".to_owned()
        } else {
            t.join(", ")
        }
    }
}

/// An account that was created or given a privileged group.
#[derive(Debug)]
struct Grant {
    time: Option<LogTime>,
    evidence: Evidence,
    what: String,
}

/// The state behind [`Elevation`]s and the `logs.sudo-*` / `logs.su-*` findings.
#[derive(Debug, Default)]
pub(crate) struct Privilege {
    /// The current file: raw, and escaped once.
    path: (Vec<u8>, std::sync::Arc<str>),
    /// What each sudo command text does (commands repeat: cron jobs, scripts); cleared when
    /// full.
    kinds_of: std::collections::HashMap<Vec<u8>, Kinds>,
    elevations: Vec<Elevation>,
    omitted: u64,
    /// Dangerous sudo commands per user and primary kind.
    commands: BTreeMap<(Vec<u8>, CommandKind), Group>,
    /// Every elevation per user (for accounts created in the window).
    by_user: BTreeMap<Vec<u8>, Group>,
    sudo_failures: BTreeMap<Vec<u8>, (u64, Group)>,
    su_failures: BTreeMap<Vec<u8>, Group>,
    grants: BTreeMap<Vec<u8>, Vec<Grant>>,
    /// The last su elevation (user, target, time, line): util-linux's su writes a line of its
    /// own and PAM's session line for one su.
    last_su: Option<(Vec<u8>, Vec<u8>, Option<LogTime>)>,
}

/// A command's excerpt: the time, who as whom, the command (escaped, secrets masked, cut).
fn excerpt(time: Option<LogTime>, user: &[u8], target: Option<&[u8]>, cmd: &[u8]) -> String {
    let masked = ferret_core::command::mask_secrets(cmd);
    let cut = masked.get(..EXCERPT).unwrap_or(&masked);
    let more = if masked.len() > EXCERPT { "..." } else { "" };
    format!(
        "{} {} as {}: {}{more}",
        time.map_or_else(|| "-".to_owned(), |t| t.to_string()),
        ferret_core::escape::escape(user),
        ferret_core::escape::escape(target.unwrap_or(b"root")),
        ferret_core::escape::escape(cut)
    )
}

/// Distinct command texts whose classification is remembered.
const KINDS_CACHE: usize = 4096;

impl Privilege {
    /// `path`, escaped (once per file).
    fn path(&mut self, path: &[u8]) -> std::sync::Arc<str> {
        if self.path.0 != path || self.path.1.is_empty() {
            self.path = (path.to_vec(), ferret_core::escape::escape(path).into());
        }
        self.path.1.clone()
    }

    fn classify(&mut self, cmd: &[u8]) -> Kinds {
        if let Some(k) = self.kinds_of.get(cmd) {
            return *k;
        }
        let k = classify(cmd);
        if self.kinds_of.len() >= KINDS_CACHE {
            self.kinds_of.clear();
        }
        self.kinds_of.insert(cmd.to_vec(), k);
        k
    }

    fn keep(&mut self, e: Elevation) {
        if self.elevations.len() < MAX_ELEVATIONS {
            self.elevations.push(e);
        } else {
            self.omitted += 1;
        }
    }

    /// A `sudo: U : ... COMMAND=c` line (allowed), or a refused one (`success` false).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sudo(
        &mut self,
        path: &[u8],
        line: u64,
        time: Option<LogTime>,
        user: &[u8],
        target: Option<&[u8]>,
        pwd: Option<&[u8]>,
        command: Option<&[u8]>,
        success: bool,
    ) {
        let kinds = command.map_or(Kinds::empty(), |c| self.classify(c));
        let path = self.path(path);
        let ev = || Seen {
            path: path.clone(),
            line,
            time,
            command: command.map(<[u8]>::to_vec),
            target: target.map(<[u8]>::to_vec),
        };
        if success {
            if let Some(k) = primary(kinds) {
                self.commands
                    .entry((user.to_vec(), k))
                    .or_default()
                    .add(ev, time, kinds, target);
            }
            if let Some(g) = group(&mut self.by_user, user) {
                g.add(ev, time, kinds, target);
            }
        }
        self.keep(Elevation {
            via: Via::Sudo,
            success,
            user: user.to_vec(),
            target: target.map(<[u8]>::to_vec),
            command: command.map(<[u8]>::to_vec),
            pwd: pwd.map(<[u8]>::to_vec),
            kinds,
            time,
            path: path.to_string(),
            line,
        });
    }

    /// `sudo: U : N incorrect password attempts ; ...`.
    pub(crate) fn sudo_failure(
        &mut self,
        path: &[u8],
        line: u64,
        time: Option<LogTime>,
        user: &[u8],
        attempts: u32,
        command: Option<&[u8]>,
    ) {
        let p = self.path(path);
        let (n, g) = self.sudo_failures.entry(user.to_vec()).or_default();
        *n += u64::from(attempts.max(1));
        let e = Seen {
            path: p,
            line,
            time,
            command: command.map(<[u8]>::to_vec),
            target: None,
        };
        g.add(|| e, time, Kinds::empty(), None);
        self.sudo(path, line, time, user, None, None, command, false);
    }

    /// A su: `success` with `user` (who) becoming `target`.
    pub(crate) fn su(
        &mut self,
        path: &[u8],
        line: u64,
        time: Option<LogTime>,
        user: Option<&[u8]>,
        target: Option<&[u8]>,
        success: bool,
    ) {
        let who = user.unwrap_or_default();
        let target = target.unwrap_or(b"root");
        let p = self.path(path);
        let seen = || Seen {
            path: p.clone(),
            line,
            time,
            command: None,
            target: None,
        };
        if success {
            // One su, two lines (su's own and PAM's session line): the second adds nothing.
            let same = self.last_su.as_ref().is_some_and(|(u, t, at)| {
                u.as_slice() == who
                    && t.as_slice() == target
                    && match (at, time) {
                        (Some(a), Some(b)) => (b.secs() - a.secs()).abs() <= 2,
                        _ => true,
                    }
            });
            self.last_su = Some((who.to_vec(), target.to_vec(), time));
            if same {
                return;
            }
            if !who.is_empty() {
                self.by_user.entry(who.to_vec()).or_default().add(
                    seen,
                    time,
                    Kinds::empty(),
                    Some(target),
                );
            }
        } else {
            self.su_failures.entry(who.to_vec()).or_default().add(
                seen,
                time,
                Kinds::empty(),
                Some(target),
            );
        }
        self.keep(Elevation {
            via: Via::Su,
            success,
            user: who.to_vec(),
            target: Some(target.to_vec()),
            command: None,
            pwd: None,
            kinds: Kinds::empty(),
            time,
            path: p.to_string(),
            line,
        });
    }

    /// An account created (`useradd`) or added to a privileged group.
    pub(crate) fn grant(
        &mut self,
        path: &[u8],
        line: u64,
        time: Option<LogTime>,
        user: &[u8],
        what: String,
    ) {
        let g = self.grants.entry(user.to_vec()).or_default();
        if g.len() < 8 {
            g.push(Grant {
                time,
                evidence: Evidence::line(path, line),
                what,
            });
        }
    }

    /// A group change: a grant when the group is privileged.
    pub(crate) fn group_added(
        &mut self,
        path: &[u8],
        line: u64,
        time: Option<LogTime>,
        user: &[u8],
        group: &[u8],
    ) {
        if is_privileged_group(group) {
            let what = format!(
                "added to the privileged group {}",
                ferret_core::escape::escape(group)
            );
            self.grant(path, line, time, user, what);
        }
    }

    /// The findings (the attack window is known now), the elevations and how many more
    /// there were.
    pub(crate) fn finish(self, window: Option<Window>) -> (Vec<Finding>, Vec<Elevation>, u64) {
        let mut out = Vec::new();
        // Accounts created or granted a privileged group inside the attack window.
        let in_window = |g: &Grant| match (window, g.time) {
            (Some(w), Some(t)) => t >= w.first && t <= w.last,
            _ => false,
        };
        let new_accounts: BTreeMap<&[u8], &Grant> = self
            .grants
            .iter()
            .filter_map(|(u, gs)| gs.iter().find(|g| in_window(g)).map(|g| (u.as_slice(), g)))
            .collect();
        for ((user, kind), g) in &self.commands {
            let new = new_accounts.get(user.as_slice());
            let mut sev = kind.severity();
            if new.is_some() {
                sev = raise(sev);
            }
            let kinds: Vec<&str> = g.kinds.iter().map(CommandKind::id).collect();
            let mut f = Finding::new(
                "logs.sudo-command",
                sev,
                format!("a command run through sudo {}", kind.title()),
                user,
            )
            .with_detail(format!(
                "{} run{} as {} {} ({}){}",
                g.count,
                if g.count == 1 { "" } else { "s" },
                g.targets(),
                g.span(),
                kinds.join(", "),
                match new {
                    Some(n) => format!(
                        "; the account was {} inside the attack window ({})",
                        n.what, n.evidence
                    ),
                    None => String::new(),
                }
            ))
            .with_attack("T1548.003")
            .with_remediation(
                "find out who ran it and why; treat the account as compromised if nobody did",
            );
            for k in g.kinds.iter() {
                for a in k.attack() {
                    f = f.with_attack(*a);
                }
            }
            for e in g.evidence(user) {
                f = f.with_evidence(e);
            }
            out.push(f);
        }
        for (user, grant) in &new_accounts {
            let Some(g) = self.by_user.get(*user) else {
                continue;
            };
            let mut f = Finding::new(
                "logs.new-account-elevation",
                Severity::High,
                "an account created or made privileged during the attack ran commands as another user",
                user,
            )
            .with_evidence(grant.evidence.clone())
            .with_detail(format!(
                "{}; then {} sudo command{} or su session{} as {} {}",
                grant.what,
                g.count,
                if g.count == 1 { "" } else { "s" },
                if g.count == 1 { "" } else { "s" },
                g.targets(),
                g.span()
            ))
            .with_attack("T1136.001")
            .with_attack("T1548.003")
            .with_remediation("lock the account, review what it ran, remove it from privileged groups");
            for e in g.evidence(user) {
                f = f.with_evidence(e);
            }
            out.push(f);
        }
        for (user, (attempts, g)) in &self.sudo_failures {
            let mut f = Finding::new(
                "logs.sudo-auth-failure",
                Severity::Medium,
                "wrong passwords given to sudo",
                user,
            )
            .with_detail(format!(
                "{attempts} incorrect password attempt{} on {} line{} {}",
                if *attempts == 1 { "" } else { "s" },
                g.count,
                if g.count == 1 { "" } else { "s" },
                g.span()
            ))
            .with_attack("T1110.001")
            .with_attack("T1548.003");
            for e in g.evidence(user) {
                f = f.with_evidence(e);
            }
            out.push(f);
        }
        for (user, g) in &self.su_failures {
            let mut f = Finding::new(
                "logs.su-failure",
                Severity::Medium,
                "failed su to another user",
                user,
            )
            .with_detail(format!(
                "{} failure{} to become {} {}",
                g.count,
                if g.count == 1 { "" } else { "s" },
                g.targets(),
                g.span()
            ))
            .with_attack("T1110.001");
            for e in g.evidence(user) {
                f = f.with_evidence(e);
            }
            out.push(f);
        }
        (out, self.elevations, self.omitted)
    }
}

/// `user`'s group (made on first use; the key is copied only then).
fn group<'m>(m: &'m mut BTreeMap<Vec<u8>, Group>, user: &[u8]) -> Option<&'m mut Group> {
    if !m.contains_key(user) {
        m.insert(user.to_vec(), Group::default());
    }
    m.get_mut(user)
}

/// The most severe kind of a set (the one the finding is filed under), ties in table order.
fn primary(k: Kinds) -> Option<CommandKind> {
    k.iter()
        .fold(None, |best: Option<CommandKind>, x| match best {
            Some(b) if b.severity() >= x.severity() => Some(b),
            _ => Some(x),
        })
}

/// One severity higher (critical stays critical).
fn raise(s: Severity) -> Severity {
    match s {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_is_the_most_severe() {
        let k: Kinds = [CommandKind::Download, CommandKind::DownloadExecute]
            .into_iter()
            .collect();
        assert_eq!(primary(k), Some(CommandKind::DownloadExecute));
        assert_eq!(primary(Kinds::empty()), None);
        assert_eq!(raise(Severity::High), Severity::Critical);
    }
}
