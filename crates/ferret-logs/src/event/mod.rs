//! Typed events recognised in log messages, and the message parsers.
//!
//! Every parser anchors on the structure the daemon actually prints, scanning from the right
//! where the attacker controls the left (user names): `Failed password for x from 1.2.3.4
//! port 22 from 5.6.7.8 port 4444 ssh2` is an attempt from 5.6.7.8 by user
//! `x from 1.2.3.4 port 22`.

use std::borrow::Cow;

mod addr;
mod cron;
mod kernel;
mod logind;
mod pam;
mod repeat;
mod shadow;
mod sshd;
mod sudo;

pub use addr::addr;
pub(crate) use repeat::{last_repeat_untagged, maybe_repeat};
pub use repeat::{parse_repeat, Cut, Repeat, MAX_REPEAT};

use crate::bytes::Lit;
use cron::cron;
use kernel::kernel;
use logind::logind;
use pam::{maybe_pam, pam};
use shadow::shadow_tools;
use sshd::{sshd, sshd_or_pam};
use sudo::{su, sudo};

/// Bytes as they appeared in the log (user names, commands may be any bytes).
pub type Bytes<'a> = Cow<'a, [u8]>;

macro_rules! event_kinds {
    ($( $(#[$m:meta])* $name:ident $({ $( $(#[$fm:meta])* $f:ident : $t:ty ),* $(,)? })? = $s:literal ),* $(,)?) => {
        /// One recognised event. Byte fields borrow from the line.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "kebab-case"))]
        #[non_exhaustive]
        pub enum EventKind<'a> {
            $( $(#[$m])* $name $({ $( $(#[$fm])* #[allow(missing_docs)] $f: $t ),* })? ),*
        }

        impl EventKind<'_> {
            /// Stable kebab-case name of the kind (the key in `events` counts).
            pub fn name(&self) -> &'static str {
                match self { $( EventKind::$name { .. } => $s ),* }
            }

            /// Position of the kind in [`EventKind::NAMES`].
            #[allow(unused_assignments)]
            pub fn index(&self) -> usize {
                let mut i = 0;
                $( if let EventKind::$name { .. } = self { return i; } i += 1; )*
                i
            }

            /// Every kind name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($s),*];
        }
    };
}

event_kinds! {
    /// `Failed <method> for [invalid user] U from A port P sshN`.
    SshFailed {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] method: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        invalid_user: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] ip: Bytes<'a>,
        port: Option<u16>,
    } = "ssh-failed",
    /// `Accepted <method> for U from A port P ssh2[: KEY FP]`.
    SshAccepted {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] method: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] ip: Bytes<'a>,
        port: Option<u16>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] key: Option<Bytes<'a>>,
    } = "ssh-accepted",
    /// `Invalid user U from A [port P]` / `Illegal user`.
    SshInvalidUser {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
        port: Option<u16>,
    } = "ssh-invalid-user",
    /// `User U from A not allowed because ...` (AllowUsers/DenyUsers/groups).
    SshUserNotAllowed {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] reason: Bytes<'a>,
    } = "ssh-user-not-allowed",
    /// `ROOT LOGIN REFUSED FROM A`.
    SshRootRefused {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] ip: Bytes<'a>,
    } = "ssh-root-refused",
    /// `error: PAM: Authentication failure for U from H` (sshd's own PAM report).
    SshPamFailure {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] ip: Bytes<'a>,
    } = "ssh-pam-failure",
    /// `maximum authentication attempts exceeded for U from A port P`.
    SshMaxAuthAttempts {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
        port: Option<u16>,
    } = "ssh-max-auth-attempts",
    /// `Disconnecting: Too many authentication failures [for U]` (source from the session).
    SshTooManyFailures {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
    } = "ssh-too-many-failures",
    /// Connection closed/reset/disconnected before authentication completed (`[preauth]`,
    /// `by authenticating user`, `by invalid user`), and `Received disconnect ... [preauth]`.
    SshPreauthDisconnect {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
        port: Option<u16>,
        /// `Received disconnect` code (3 = auth fail, 11 = by application, 14 = no methods).
        code: Option<u16>,
    } = "ssh-preauth-disconnect",
    /// Scanner noise: `Did not receive identification string`, `Bad protocol version`,
    /// `kex_exchange_identification`, `banner exchange`, `Timeout before authentication`,
    /// `Unable to negotiate`, `ssh_dispatch_run_fatal`.
    SshScan {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] what: Bytes<'a>,
    } = "ssh-scan",
    /// `Connection from A port P [on B port Q]`.
    SshConnection {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] ip: Bytes<'a>,
        port: Option<u16>,
    } = "ssh-connection",
    /// `Connection closed by A` / `Disconnected from user U A port P` after a session.
    SshClosed {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ip: Option<Bytes<'a>>,
    } = "ssh-closed",
    /// `... POSSIBLE BREAK-IN ATTEMPT!` (reverse DNS mismatch).
    SshBreakInAttempt {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] ip: Bytes<'a>,
    } = "ssh-break-in-attempt",
    /// `pam_X(svc:auth): authentication failure; ... ruser=R rhost=H user=U`.
    PamAuthFailure {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] service: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] ruser: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] rhost: Option<Bytes<'a>>,
    } = "pam-auth-failure",
    /// `pam_X(svc:session): session opened/closed for user U [by B(uid=N)]` (`by`: B, the
    /// user who opened it, for `su`, `sudo`, `runuser`; absent for `by (uid=0)`).
    PamSession {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] service: Bytes<'a>,
        opened: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] by: Option<Bytes<'a>>,
    } = "pam-session",
    /// `sudo: U : TTY=t ; PWD=p ; USER=r ; COMMAND=c`.
    Sudo {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] tty: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] pwd: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] runas: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] command: Option<Bytes<'a>>,
    } = "sudo",
    /// `sudo: U : N incorrect password attempts ; ...`.
    SudoFailure {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        attempts: u32,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] command: Option<Bytes<'a>>,
    } = "sudo-failure",
    /// `sudo: U : user NOT in sudoers ; ...`.
    SudoNotInSudoers {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] runas: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] command: Option<Bytes<'a>>,
    } = "sudo-not-in-sudoers",
    /// su: `(to R) U on T`, `Successful su for R by U`, `FAILED su for R by U`, `pam_unix(su:auth): authentication failure`.
    Su {
        success: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] target: Option<Bytes<'a>>,
    } = "su",
    /// `useradd: new user: name=U, UID=n, GID=g, home=h, shell=s`.
    UserAdded {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] name: Bytes<'a>,
        uid: Option<u32>,
        gid: Option<u32>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] home: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] shell: Option<Bytes<'a>>,
    } = "user-added",
    /// `userdel: delete user 'U'`.
    UserDeleted {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] name: Bytes<'a>,
    } = "user-deleted",
    /// `usermod: change user 'U' ...` and other usermod lines.
    UserModified {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] name: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] change: Bytes<'a>,
    } = "user-modified",
    /// `groupadd: new group: name=G, GID=n` / `group added to /etc/group: name=G`.
    GroupAdded {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] name: Bytes<'a>,
        gid: Option<u32>,
    } = "group-added",
    /// A user added to / removed from a group (usermod, useradd, gpasswd).
    GroupMember {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] group: Bytes<'a>,
        added: bool,
    } = "group-member",
    /// `passwd`/`chpasswd`: `password changed for U`.
    PasswordChanged {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] by: Bytes<'a>,
    } = "password-changed",
    /// `systemd-logind: New session S of user U.` / `Removed session S.`.
    LogindSession {
        new: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] session: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
    } = "logind-session",
    /// `CRON: (U) CMD (c)`.
    CronCommand {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] command: Bytes<'a>,
    } = "cron-command",
    /// Kernel netfilter `LOG` line (iptables/nftables/firewalld/ufw).
    Netfilter {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] prefix: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] in_if: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] out_if: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] src: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] dst: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] proto: Option<Bytes<'a>>,
        spt: Option<u16>,
        dpt: Option<u16>,
        /// TCP flags present (`SYN`, `ACK`, ...), space separated.
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] flags: Bytes<'a>,
    } = "netfilter",
    /// Kernel filesystem or block I/O error (`EXT4-fs error`, `XFS ... error`, `I/O error, dev sda`).
    FsError {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] device: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] detail: Bytes<'a>,
    } = "fs-error",
    /// `prog[pid]: segfault at ADDR ip ... error N in lib`.
    Segfault {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] program: Bytes<'a>,
        pid: Option<u32>,
    } = "segfault",
    /// `module verification failed` / `loading out-of-tree module taints kernel`.
    ModuleTaint {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] module: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] reason: Bytes<'a>,
    } = "module-taint",
    /// An audit `SERVICE_START` / `SERVICE_STOP` record (systemd started or stopped a unit).
    Service {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] unit: Bytes<'a>,
        started: bool,
        success: bool,
    } = "service",
    /// Auditing switched off or weakened (audit records: `CONFIG_CHANGE audit_enabled=0`,
    /// rules removed by a logged-in user, `DAEMON_ABORT`, auditd stopped by a logged-in user).
    AuditTamper {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] what: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
    } = "audit-tamper",
    /// A network device entered or left promiscuous mode (audit `ANOM_PROMISCUOUS`).
    Promiscuous {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] device: Bytes<'a>,
        on: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
    } = "promiscuous",
    /// The system booted or shut down (audit `SYSTEM_BOOT` / `SYSTEM_SHUTDOWN`).
    SystemPower {
        boot: bool,
    } = "system-power",
    /// A command an audit rule with a key recorded (`SYSCALL` with its `EXECVE` /
    /// `PROCTITLE`): the key, the audit user, the program and its arguments.
    AuditCommand {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] key: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::opt::serialize"))] exe: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ferret_core::escaped::serialize"))] command: Bytes<'a>,
    } = "audit-command",
}

fn ob(o: Option<Bytes<'_>>) -> Option<Bytes<'static>> {
    o.map(|b| Cow::Owned(b.into_owned()))
}
fn bb(b: Bytes<'_>) -> Bytes<'static> {
    Cow::Owned(b.into_owned())
}

impl EventKind<'_> {
    /// An owned copy, independent of the line buffer.
    pub fn into_owned(self) -> EventKind<'static> {
        use EventKind as E;
        match self {
            E::SshFailed {
                method,
                user,
                invalid_user,
                ip,
                port,
            } => E::SshFailed {
                method: bb(method),
                user: bb(user),
                invalid_user,
                ip: bb(ip),
                port,
            },
            E::SshAccepted {
                method,
                user,
                ip,
                port,
                key,
            } => E::SshAccepted {
                method: bb(method),
                user: bb(user),
                ip: bb(ip),
                port,
                key: ob(key),
            },
            E::SshInvalidUser { user, ip, port } => E::SshInvalidUser {
                user: bb(user),
                ip: ob(ip),
                port,
            },
            E::SshUserNotAllowed { user, ip, reason } => E::SshUserNotAllowed {
                user: bb(user),
                ip: ob(ip),
                reason: bb(reason),
            },
            E::SshRootRefused { ip } => E::SshRootRefused { ip: bb(ip) },
            E::SshPamFailure { user, ip } => E::SshPamFailure {
                user: bb(user),
                ip: bb(ip),
            },
            E::SshMaxAuthAttempts { user, ip, port } => E::SshMaxAuthAttempts {
                user: bb(user),
                ip: ob(ip),
                port,
            },
            E::SshTooManyFailures { user, ip } => E::SshTooManyFailures {
                user: ob(user),
                ip: ob(ip),
            },
            E::SshPreauthDisconnect {
                user,
                ip,
                port,
                code,
            } => E::SshPreauthDisconnect {
                user: ob(user),
                ip: ob(ip),
                port,
                code,
            },
            E::SshScan { ip, what } => E::SshScan {
                ip: ob(ip),
                what: bb(what),
            },
            E::SshConnection { ip, port } => E::SshConnection { ip: bb(ip), port },
            E::SshClosed { ip } => E::SshClosed { ip: ob(ip) },
            E::SshBreakInAttempt { ip } => E::SshBreakInAttempt { ip: bb(ip) },
            E::PamAuthFailure {
                service,
                user,
                ruser,
                rhost,
            } => E::PamAuthFailure {
                service: bb(service),
                user: ob(user),
                ruser: ob(ruser),
                rhost: ob(rhost),
            },
            E::PamSession {
                service,
                opened,
                user,
                by,
            } => E::PamSession {
                service: bb(service),
                opened,
                user: bb(user),
                by: ob(by),
            },
            E::Sudo {
                user,
                tty,
                pwd,
                runas,
                command,
            } => E::Sudo {
                user: bb(user),
                tty: ob(tty),
                pwd: ob(pwd),
                runas: ob(runas),
                command: ob(command),
            },
            E::SudoFailure {
                user,
                attempts,
                command,
            } => E::SudoFailure {
                user: bb(user),
                attempts,
                command: ob(command),
            },
            E::SudoNotInSudoers {
                user,
                runas,
                command,
            } => E::SudoNotInSudoers {
                user: bb(user),
                runas: ob(runas),
                command: ob(command),
            },
            E::Su {
                success,
                user,
                target,
            } => E::Su {
                success,
                user: ob(user),
                target: ob(target),
            },
            E::UserAdded {
                name,
                uid,
                gid,
                home,
                shell,
            } => E::UserAdded {
                name: bb(name),
                uid,
                gid,
                home: ob(home),
                shell: ob(shell),
            },
            E::UserDeleted { name } => E::UserDeleted { name: bb(name) },
            E::UserModified { name, change } => E::UserModified {
                name: bb(name),
                change: bb(change),
            },
            E::GroupAdded { name, gid } => E::GroupAdded {
                name: bb(name),
                gid,
            },
            E::GroupMember { user, group, added } => E::GroupMember {
                user: bb(user),
                group: bb(group),
                added,
            },
            E::PasswordChanged { user, by } => E::PasswordChanged {
                user: bb(user),
                by: bb(by),
            },
            E::LogindSession { new, session, user } => E::LogindSession {
                new,
                session: bb(session),
                user: ob(user),
            },
            E::CronCommand { user, command } => E::CronCommand {
                user: bb(user),
                command: bb(command),
            },
            E::Netfilter {
                prefix,
                in_if,
                out_if,
                src,
                dst,
                proto,
                spt,
                dpt,
                flags,
            } => E::Netfilter {
                prefix: bb(prefix),
                in_if: ob(in_if),
                out_if: ob(out_if),
                src: bb(src),
                dst: ob(dst),
                proto: ob(proto),
                spt,
                dpt,
                flags: bb(flags),
            },
            E::FsError { device, detail } => E::FsError {
                device: ob(device),
                detail: bb(detail),
            },
            E::Segfault { program, pid } => E::Segfault {
                program: bb(program),
                pid,
            },
            E::ModuleTaint { module, reason } => E::ModuleTaint {
                module: bb(module),
                reason: bb(reason),
            },
            E::Service {
                unit,
                started,
                success,
            } => E::Service {
                unit: bb(unit),
                started,
                success,
            },
            E::AuditTamper { what, user } => E::AuditTamper {
                what: bb(what),
                user: ob(user),
            },
            E::Promiscuous { device, on, user } => E::Promiscuous {
                device: bb(device),
                on,
                user: ob(user),
            },
            E::SystemPower { boot } => E::SystemPower { boot },
            E::AuditCommand {
                key,
                user,
                exe,
                command,
            } => E::AuditCommand {
                key: bb(key),
                user: ob(user),
                exe: ob(exe),
                command: bb(command),
            },
        }
    }

    /// The remote source (IP or host name) the event names, if any.
    pub fn source(&self) -> Option<&[u8]> {
        use EventKind as E;
        match self {
            E::SshFailed { ip, .. }
            | E::SshAccepted { ip, .. }
            | E::SshRootRefused { ip }
            | E::SshPamFailure { ip, .. }
            | E::SshConnection { ip, .. }
            | E::SshBreakInAttempt { ip } => Some(ip),
            E::SshInvalidUser { ip, .. }
            | E::SshUserNotAllowed { ip, .. }
            | E::SshMaxAuthAttempts { ip, .. }
            | E::SshTooManyFailures { ip, .. }
            | E::SshPreauthDisconnect { ip, .. }
            | E::SshScan { ip, .. }
            | E::SshClosed { ip } => ip.as_deref(),
            E::PamAuthFailure { rhost, .. } => rhost.as_deref(),
            E::Netfilter { src, .. } => Some(src),
            _ => None,
        }
    }

    /// Sets the source of an sshd event that did not print one (resolved from the session's
    /// earlier lines by pid).
    pub(crate) fn set_source<'b>(self, ip: Bytes<'b>) -> EventKind<'b>
    where
        Self: 'b,
    {
        use EventKind as E;
        match self {
            E::SshTooManyFailures { user, ip: None } => {
                E::SshTooManyFailures { user, ip: Some(ip) }
            }
            E::SshPreauthDisconnect {
                user,
                ip: None,
                port,
                code,
            } => E::SshPreauthDisconnect {
                user,
                ip: Some(ip),
                port,
                code,
            },
            E::SshScan { ip: None, what } => E::SshScan { ip: Some(ip), what },
            E::SshMaxAuthAttempts {
                user,
                ip: None,
                port,
            } => E::SshMaxAuthAttempts {
                user,
                ip: Some(ip),
                port,
            },
            E::SshInvalidUser {
                user,
                ip: None,
                port,
            } => E::SshInvalidUser {
                user,
                ip: Some(ip),
                port,
            },
            E::SshUserNotAllowed {
                user,
                ip: None,
                reason,
            } => E::SshUserNotAllowed {
                user,
                ip: Some(ip),
                reason,
            },
            other => other,
        }
    }

    /// Whether [`EventKind::set_source`] would fill in a source: an sshd event that can name
    /// one but printed none.
    pub(crate) fn takes_source(&self) -> bool {
        use EventKind as E;
        matches!(
            self,
            E::SshTooManyFailures { ip: None, .. }
                | E::SshPreauthDisconnect { ip: None, .. }
                | E::SshScan { ip: None, .. }
                | E::SshMaxAuthAttempts { ip: None, .. }
                | E::SshInvalidUser { ip: None, .. }
                | E::SshUserNotAllowed { ip: None, .. }
        )
    }

    /// The user the event is about (attempted, accepted, created, ...).
    pub fn user(&self) -> Option<&[u8]> {
        use EventKind as E;
        match self {
            E::SshFailed { user, .. }
            | E::SshAccepted { user, .. }
            | E::SshInvalidUser { user, .. }
            | E::SshUserNotAllowed { user, .. }
            | E::SshPamFailure { user, .. }
            | E::SshMaxAuthAttempts { user, .. }
            | E::PamSession { user, .. }
            | E::Sudo { user, .. }
            | E::SudoFailure { user, .. }
            | E::SudoNotInSudoers { user, .. }
            | E::GroupMember { user, .. }
            | E::PasswordChanged { user, .. }
            | E::CronCommand { user, .. } => Some(user),
            E::UserAdded { name, .. } | E::UserDeleted { name } | E::UserModified { name, .. } => {
                Some(name)
            }
            E::SshTooManyFailures { user, .. } | E::SshPreauthDisconnect { user, .. } => {
                user.as_deref()
            }
            E::PamAuthFailure { user, ruser, .. } => user
                .as_deref()
                .or(ruser.as_deref())
                .filter(|u| !u.is_empty()),
            E::Su { user, .. }
            | E::LogindSession { user, .. }
            | E::AuditTamper { user, .. }
            | E::Promiscuous { user, .. }
            | E::AuditCommand { user, .. } => user.as_deref(),
            _ => None,
        }
    }

    /// An authentication failure that counts toward brute force (the events fail2ban's sshd
    /// filter counts in its normal mode, plus PAM failures with a remote host).
    ///
    /// A failed public key for an existing user is not one: clients offer every key they have
    /// before the right one (fail2ban gh-1263).
    pub fn is_auth_failure(&self) -> bool {
        use EventKind as E;
        match self {
            E::SshFailed {
                method,
                invalid_user,
                ..
            } => *invalid_user || &**method != b"publickey",
            E::SshInvalidUser { .. }
            | E::SshUserNotAllowed { .. }
            | E::SshRootRefused { .. }
            | E::SshPamFailure { .. }
            | E::SshMaxAuthAttempts { .. }
            | E::SshTooManyFailures { .. } => true,
            E::SshPreauthDisconnect { code, .. } => *code == Some(3),
            // sshd's pam_unix line duplicates its own `Failed password` line.
            E::PamAuthFailure { rhost, service, .. } => {
                &**service != b"sshd" && rhost.as_deref().is_some_and(|h| !h.is_empty())
            }
            _ => false,
        }
    }

    /// What the event is as an authentication attempt, for the per-source counts
    /// ([`crate::SourceSummary`]: `failures`, `publickey`, `probes`); see the crate docs,
    /// "What counts as a failure". `None` for everything that is not the first report of an
    /// attempt (sshd's summaries of failures it logged already, sessions, logins, ...).
    pub fn attempt(&self) -> Option<Attempt> {
        use EventKind as E;
        match self {
            E::SshFailed {
                method,
                invalid_user,
                ..
            } => match &**method {
                b"publickey" | b"hostbased" => Some(Attempt::KeyOffer),
                b"none" => invalid_user.then_some(Attempt::Probe),
                _ => Some(Attempt::Guess),
            },
            E::SshInvalidUser { .. } | E::SshUserNotAllowed { .. } | E::SshRootRefused { .. } => {
                Some(Attempt::Probe)
            }
            E::SshPamFailure { .. } => Some(Attempt::PamGuess),
            E::PamAuthFailure { rhost, service, .. } => (&**service != b"sshd"
                && rhost.as_deref().is_some_and(|h| !h.is_empty()))
            .then_some(Attempt::Guess),
            _ => None,
        }
    }

    /// Hostile but not an authentication failure (scanner noise, preauth drops, firewall drops).
    pub fn is_hostile(&self) -> bool {
        use EventKind as E;
        self.is_auth_failure()
            || matches!(
                self,
                E::SshScan { .. }
                    | E::SshPreauthDisconnect {
                        code: None | Some(3),
                        ..
                    }
                    | E::SshBreakInAttempt { .. }
                    | E::SudoNotInSudoers { .. }
                    | E::SudoFailure { .. }
                    | E::Netfilter { .. }
            )
    }
}

/// What an event is as an authentication attempt ([`EventKind::attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Attempt {
    /// A password guess that failed: `Failed password`, `Failed keyboard-interactive/pam`
    /// (any method but `publickey`, `hostbased` and `none`), another service's
    /// `pam_*(svc:auth): authentication failure` with a remote host.
    Guess,
    /// sshd's own `error: PAM: Authentication failure for U from H`: a guess, which the
    /// `Failed keyboard-interactive/pam` line sshd writes next in the same session repeats.
    PamGuess,
    /// A public key (or host key) offered and refused: `Failed publickey`, `Failed hostbased`.
    KeyOffer,
    /// A user name tried that sshd refuses before any password (`Invalid user U from H`,
    /// `User U from H not allowed because ...`, `ROOT LOGIN REFUSED`, `Failed none for
    /// invalid user`, tcp_wrappers' `refused connect`): a probe, unless the session then
    /// guesses a password.
    Probe,
}

/// Parses a message given its program tag. Returns `None` when nothing is recognised.
#[inline]
pub fn parse_message<'a>(
    program: &'a [u8],
    pid: Option<u32>,
    msg: &'a [u8],
) -> Option<EventKind<'a>> {
    // The common case inline: sshd's own message (PAM cannot match), a tail call.
    if program == b"sshd" && !maybe_pam(msg) {
        return sshd(msg);
    }
    parse_message_any(program, pid, msg)
}

/// [`parse_message`] for every other tag and message.
fn parse_message_any<'a>(
    program: &'a [u8],
    pid: Option<u32>,
    msg: &'a [u8],
) -> Option<EventKind<'a>> {
    let _ = pid;
    // Each parser's result is returned as it is (never rebuilt by `or_else`), so the event is
    // written once, in the caller's slot. The common case first: one 4-byte compare (the match
    // below compares tag by tag).
    if program == b"sshd" {
        return sshd_or_pam(program, msg);
    }
    match program {
        b"sshd" | b"sshd-session" | b"sshd-auth" | b"dropbear" => sshd_or_pam(program, msg),
        b"sudo" => {
            if !maybe_pam(msg) {
                return sudo(msg);
            }
            let r = sudo(msg);
            if r.is_some() {
                return r;
            }
            pam(program, msg)
        }
        b"su" => {
            if !maybe_pam(msg) {
                return su(msg);
            }
            let r = su(msg);
            if r.is_some() {
                return r;
            }
            pam(program, msg)
        }
        b"useradd" | b"userdel" | b"usermod" | b"groupadd" | b"groupdel" | b"groupmod"
        | b"gpasswd" | b"passwd" | b"chpasswd" | b"adduser" | b"newusers" | b"chage" => {
            if !maybe_pam(msg) {
                return shadow_tools(program, msg);
            }
            let r = shadow_tools(program, msg);
            if r.is_some() {
                return r;
            }
            pam(program, msg)
        }
        b"kernel" | b"" if msg.starts(b"[") || program == b"kernel" => {
            let r = kernel(msg);
            if r.is_some() || !program.is_empty() {
                return r;
            }
            sshd(msg)
        }
        b"systemd-logind" => logind(msg),
        b"CRON" | b"cron" | b"crond" | b"anacron" => {
            if !maybe_pam(msg) {
                return cron(msg);
            }
            let r = cron(msg);
            if r.is_some() {
                return r;
            }
            pam(program, msg)
        }
        b"" => {
            let r = sshd_or_pam(program, msg);
            if r.is_some() {
                return r;
            }
            kernel(msg)
        }
        _ => pam(program, msg),
    }
}
