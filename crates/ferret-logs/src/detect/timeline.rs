//! Notable events kept for a timeline (`AnalyzeOptions::timeline`): what a person reads in
//! the story of an attack (logins, sessions, privilege use, account changes), not the noise
//! around it (failures and scans are summarised per source in `Analysis::sources`).

use ferret_core::escape::escape;

use crate::event::EventKind;
use crate::time::LogTime;

/// One notable event, with its time, place and a line of text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct TimelineEvent {
    /// When (the previous line's time for a line without one; `None` before any).
    pub time: Option<LogTime>,
    /// The log file (escaped).
    pub path: String,
    /// 1-based line (for a journal file: the entry's position).
    pub line: u64,
    /// The event's kind name ([`EventKind::name`]).
    pub kind: &'static str,
    /// The remote source it names (escaped).
    pub source: Option<String>,
    /// The user it is about (escaped).
    pub user: Option<String>,
    /// What happened, in one line (escaped where it quotes the log).
    pub what: String,
}

/// Whether an event belongs to a timeline: logins, sessions (except cron's), privilege use,
/// account and group changes, kernel module taints and crashes. Failures, scans, firewall
/// drops, connection noise and cron runs do not (they are counted per source).
pub(crate) fn is_notable(e: &EventKind<'_>) -> bool {
    use EventKind as E;
    match e {
        E::SshAccepted { .. }
        | E::Sudo { .. }
        | E::SudoFailure { .. }
        | E::SudoNotInSudoers { .. }
        | E::Su { .. }
        | E::UserAdded { .. }
        | E::UserDeleted { .. }
        | E::UserModified { .. }
        | E::GroupAdded { .. }
        | E::GroupMember { .. }
        | E::PasswordChanged { .. }
        | E::LogindSession { .. }
        | E::SshBreakInAttempt { .. }
        | E::ModuleTaint { .. }
        | E::Segfault { .. }
        | E::AuditTamper { .. }
        | E::Promiscuous { .. }
        | E::SystemPower { .. }
        | E::AuditCommand { .. } => true,
        E::Service { unit, .. } => {
            ferret_core::command::is_security_agent(unit.strip_suffix(b".service").unwrap_or(unit))
        }
        E::PamSession { service, .. } => !service.eq_ignore_ascii_case(b"cron"),
        _ => false,
    }
}

fn opt(b: Option<&[u8]>) -> String {
    b.map_or_else(|| "?".to_owned(), escape)
}

/// A command line, secrets masked as the history module masks them.
fn masked(b: Option<&[u8]>) -> String {
    b.map_or_else(
        || "?".to_owned(),
        |c| escape(&ferret_core::command::mask_secrets(c)),
    )
}

/// One line about a notable event.
pub(crate) fn describe(e: &EventKind<'_>) -> String {
    use EventKind as E;
    match e {
        E::SshAccepted {
            method, user, ip, ..
        } => format!(
            "ssh login of {} from {} ({})",
            escape(user),
            escape(ip),
            escape(method)
        ),
        E::PamSession {
            service,
            user,
            opened,
            ..
        } => format!(
            "{} session {} for {}",
            escape(service),
            if *opened { "opened" } else { "closed" },
            escape(user)
        ),
        E::Sudo {
            user,
            runas,
            command,
            pwd,
            ..
        } => format!(
            "{} ran as {} in {}: {}",
            escape(user),
            opt(runas.as_deref()),
            opt(pwd.as_deref()),
            masked(command.as_deref())
        ),
        E::SudoFailure {
            user,
            attempts,
            command,
            ..
        } => format!(
            "{} failed sudo ({attempts} attempts): {}",
            escape(user),
            masked(command.as_deref())
        ),
        E::SudoNotInSudoers { user, command, .. } => format!(
            "{} is not in sudoers: {}",
            escape(user),
            masked(command.as_deref())
        ),
        E::Su {
            user,
            target,
            success,
            ..
        } => format!(
            "su {} {} to {}",
            opt(user.as_deref()),
            if *success { "switched" } else { "failed" },
            opt(target.as_deref())
        ),
        E::UserAdded {
            name,
            uid,
            home,
            shell,
            ..
        } => format!(
            "account {} created (uid {}, home {}, shell {})",
            escape(name),
            uid.map_or_else(|| "?".to_owned(), |u| u.to_string()),
            opt(home.as_deref()),
            opt(shell.as_deref())
        ),
        E::UserDeleted { name, .. } => format!("account {} deleted", escape(name)),
        E::UserModified { name, change, .. } => {
            format!("account {} changed: {}", escape(name), escape(change))
        }
        E::GroupAdded { name, gid, .. } => format!(
            "group {} created (gid {})",
            escape(name),
            gid.map_or_else(|| "?".to_owned(), |g| g.to_string())
        ),
        E::GroupMember {
            user, group, added, ..
        } => format!(
            "{} {} group {}",
            escape(user),
            if *added { "added to" } else { "removed from" },
            escape(group)
        ),
        E::PasswordChanged { user, by, .. } => {
            format!("password of {} changed by {}", escape(user), escape(by))
        }
        E::LogindSession {
            session, user, new, ..
        } => format!(
            "logind session {} {} (user {})",
            escape(session),
            if *new { "started" } else { "removed" },
            opt(user.as_deref())
        ),
        E::SshBreakInAttempt { ip, .. } => {
            format!(
                "reverse DNS of {} does not match (POSSIBLE BREAK-IN ATTEMPT)",
                escape(ip)
            )
        }
        E::ModuleTaint { module, reason, .. } => {
            format!(
                "kernel module {} tainted the kernel: {}",
                escape(module),
                escape(reason)
            )
        }
        E::Segfault { program, .. } => format!("{} crashed (segfault)", escape(program)),
        E::Service {
            unit,
            started,
            success,
        } => format!(
            "service {} {}{}",
            escape(unit),
            if *started { "started" } else { "stopped" },
            if *success { "" } else { " (failed)" }
        ),
        E::AuditTamper { what, user } => {
            format!("{} (audit user {})", escape(what), opt(user.as_deref()))
        }
        E::Promiscuous { device, on, user } => format!(
            "{} {} promiscuous mode (audit user {})",
            escape(device),
            if *on { "entered" } else { "left" },
            opt(user.as_deref())
        ),
        E::SystemPower { boot } => if *boot {
            "system booted"
        } else {
            "system shut down"
        }
        .to_owned(),
        E::AuditCommand {
            key,
            user,
            exe,
            command,
        } => format!(
            "audit key {}: {} ran {}: {}",
            escape(key),
            opt(user.as_deref()),
            opt(exe.as_deref()),
            escape(&ferret_core::command::mask_secrets(command))
        ),
        other => other.name().to_owned(),
    }
}

/// The capped list of notable events a detector keeps.
#[derive(Debug, Default)]
pub(crate) struct Notable {
    /// At most this many are kept (0: none).
    pub(crate) cap: usize,
    pub(crate) events: Vec<TimelineEvent>,
    /// Notable events past the cap.
    pub(crate) dropped: u64,
    /// The (file, line) recorded last: a repeat line is one event in the timeline.
    last: Option<(u32, u64)>,
}

impl Notable {
    #[cold]
    #[inline(never)]
    pub(crate) fn observe(
        &mut self,
        e: &EventKind<'_>,
        file: u32,
        path: &[u8],
        line: u64,
        time: Option<LogTime>,
    ) {
        if !is_notable(e) || self.last == Some((file, line)) {
            return;
        }
        self.last = Some((file, line));
        if self.events.len() >= self.cap {
            self.dropped += 1;
            return;
        }
        self.events.push(TimelineEvent {
            time,
            path: escape(path),
            line,
            kind: e.name(),
            source: e.source().map(escape),
            user: e.user().map(escape),
            what: describe(e),
        });
    }
}
