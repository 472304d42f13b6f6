//! Typed events recognised in log messages, and the message parsers.
//!
//! Every parser anchors on the structure the daemon actually prints, scanning from the right
//! where the attacker controls the left (user names): `Failed password for x from 1.2.3.4
//! port 22 from 5.6.7.8 port 4444 ssh2` is an attempt from 5.6.7.8 by user
//! `x from 1.2.3.4 port 22`.

use std::borrow::Cow;

use memchr::memmem;

/// Bytes as they appeared in the log (user names, commands may be any bytes).
pub type Bytes<'a> = Cow<'a, [u8]>;

#[cfg(feature = "serde")]
pub(crate) fn ser_bytes<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ferret_core::escape::escape(b))
}

#[cfg(feature = "serde")]
pub(crate) fn ser_opt_bytes<S: serde::Serializer>(
    b: &Option<Cow<'_, [u8]>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => s.serialize_str(&ferret_core::escape::escape(b)),
        None => s.serialize_none(),
    }
}

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
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] method: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        invalid_user: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] ip: Bytes<'a>,
        port: Option<u16>,
    } = "ssh-failed",
    /// `Accepted <method> for U from A port P ssh2[: KEY FP]`.
    SshAccepted {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] method: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] ip: Bytes<'a>,
        port: Option<u16>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] key: Option<Bytes<'a>>,
    } = "ssh-accepted",
    /// `Invalid user U from A [port P]` / `Illegal user`.
    SshInvalidUser {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
        port: Option<u16>,
    } = "ssh-invalid-user",
    /// `User U from A not allowed because ...` (AllowUsers/DenyUsers/groups).
    SshUserNotAllowed {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] reason: Bytes<'a>,
    } = "ssh-user-not-allowed",
    /// `ROOT LOGIN REFUSED FROM A`.
    SshRootRefused {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] ip: Bytes<'a>,
    } = "ssh-root-refused",
    /// `error: PAM: Authentication failure for U from H` (sshd's own PAM report).
    SshPamFailure {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] ip: Bytes<'a>,
    } = "ssh-pam-failure",
    /// `maximum authentication attempts exceeded for U from A port P`.
    SshMaxAuthAttempts {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
        port: Option<u16>,
    } = "ssh-max-auth-attempts",
    /// `Disconnecting: Too many authentication failures [for U]` (source from the session).
    SshTooManyFailures {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
    } = "ssh-too-many-failures",
    /// Connection closed/reset/disconnected before authentication completed (`[preauth]`,
    /// `by authenticating user`, `by invalid user`), and `Received disconnect ... [preauth]`.
    SshPreauthDisconnect {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
        port: Option<u16>,
        /// `Received disconnect` code (3 = auth fail, 11 = by application, 14 = no methods).
        code: Option<u16>,
    } = "ssh-preauth-disconnect",
    /// Scanner noise: `Did not receive identification string`, `Bad protocol version`,
    /// `kex_exchange_identification`, `banner exchange`, `Timeout before authentication`,
    /// `Unable to negotiate`, `ssh_dispatch_run_fatal`.
    SshScan {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] what: Bytes<'a>,
    } = "ssh-scan",
    /// `Connection from A port P [on B port Q]`.
    SshConnection {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] ip: Bytes<'a>,
        port: Option<u16>,
    } = "ssh-connection",
    /// `Connection closed by A` / `Disconnected from user U A port P` after a session.
    SshClosed {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ip: Option<Bytes<'a>>,
    } = "ssh-closed",
    /// `... POSSIBLE BREAK-IN ATTEMPT!` (reverse DNS mismatch).
    SshBreakInAttempt {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] ip: Bytes<'a>,
    } = "ssh-break-in-attempt",
    /// `pam_X(svc:auth): authentication failure; ... ruser=R rhost=H user=U`.
    PamAuthFailure {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] service: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] ruser: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] rhost: Option<Bytes<'a>>,
    } = "pam-auth-failure",
    /// `pam_X(svc:session): session opened/closed for user U [by B]`.
    PamSession {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] service: Bytes<'a>,
        opened: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
    } = "pam-session",
    /// `sudo: U : TTY=t ; PWD=p ; USER=r ; COMMAND=c`.
    Sudo {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] tty: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] pwd: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] runas: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] command: Option<Bytes<'a>>,
    } = "sudo",
    /// `sudo: U : N incorrect password attempts ; ...`.
    SudoFailure {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        attempts: u32,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] command: Option<Bytes<'a>>,
    } = "sudo-failure",
    /// `sudo: U : user NOT in sudoers ; ...`.
    SudoNotInSudoers {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] runas: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] command: Option<Bytes<'a>>,
    } = "sudo-not-in-sudoers",
    /// su: `(to R) U on T`, `Successful su for R by U`, `FAILED su for R by U`, `pam_unix(su:auth): authentication failure`.
    Su {
        success: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] user: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] target: Option<Bytes<'a>>,
    } = "su",
    /// `useradd: new user: name=U, UID=n, GID=g, home=h, shell=s`.
    UserAdded {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] name: Bytes<'a>,
        uid: Option<u32>,
        gid: Option<u32>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] home: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] shell: Option<Bytes<'a>>,
    } = "user-added",
    /// `userdel: delete user 'U'`.
    UserDeleted {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] name: Bytes<'a>,
    } = "user-deleted",
    /// `usermod: change user 'U' ...` and other usermod lines.
    UserModified {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] name: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] change: Bytes<'a>,
    } = "user-modified",
    /// `groupadd: new group: name=G, GID=n` / `group added to /etc/group: name=G`.
    GroupAdded {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] name: Bytes<'a>,
        gid: Option<u32>,
    } = "group-added",
    /// A user added to / removed from a group (usermod, useradd, gpasswd).
    GroupMember {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] group: Bytes<'a>,
        added: bool,
    } = "group-member",
    /// `passwd`/`chpasswd`: `password changed for U`.
    PasswordChanged {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] by: Bytes<'a>,
    } = "password-changed",
    /// `systemd-logind: New session S of user U.` / `Removed session S.`.
    LogindSession {
        new: bool,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] session: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] user: Option<Bytes<'a>>,
    } = "logind-session",
    /// `CRON: (U) CMD (c)`.
    CronCommand {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] user: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] command: Bytes<'a>,
    } = "cron-command",
    /// Kernel netfilter `LOG` line (iptables/nftables/firewalld/ufw).
    Netfilter {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] prefix: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] in_if: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] out_if: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] src: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] dst: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] proto: Option<Bytes<'a>>,
        spt: Option<u16>,
        dpt: Option<u16>,
        /// TCP flags present (`SYN`, `ACK`, ...), space separated.
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] flags: Bytes<'a>,
    } = "netfilter",
    /// Kernel filesystem or block I/O error (`EXT4-fs error`, `XFS ... error`, `I/O error, dev sda`).
    FsError {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_opt_bytes"))] device: Option<Bytes<'a>>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] detail: Bytes<'a>,
    } = "fs-error",
    /// `prog[pid]: segfault at ADDR ip ... error N in lib`.
    Segfault {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] program: Bytes<'a>,
        pid: Option<u32>,
    } = "segfault",
    /// `module verification failed` / `loading out-of-tree module taints kernel`.
    ModuleTaint {
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] module: Bytes<'a>,
        #[cfg_attr(feature = "serde", serde(serialize_with = "ser_bytes"))] reason: Bytes<'a>,
    } = "module-taint",
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
            } => E::PamSession {
                service: bb(service),
                opened,
                user: bb(user),
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
            E::Su { user, .. } | E::LogindSession { user, .. } => user.as_deref(),
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

// ---------------------------------------------------------------------------------------------
// helpers

/// Equality of two byte strings without a `bcmp` call: a needle is a literal, so its words
/// fold to constants and the comparison is a few word compares (overlapping at the end).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = b.len();
    if a.len() != n {
        return false;
    }
    if n < 8 {
        // two overlapping 4-byte words (no `bcmp` call for a needle like ` from `)
        if n >= 4 {
            let w = |x: &[u8], i: usize| {
                x.get(i..i + 4)
                    .and_then(|s| <[u8; 4]>::try_from(s).ok())
                    .map(u32::from_le_bytes)
            };
            return w(a, 0) == w(b, 0) && w(a, n - 4) == w(b, n - 4);
        }
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// `strip_prefix` / `strip_suffix` / `starts_with` / `ends_with` for literal needles, through
/// [`same_bytes`].
trait Lit {
    fn pre(&self, p: &[u8]) -> Option<&[u8]>;
    fn suf(&self, p: &[u8]) -> Option<&[u8]>;
    fn starts(&self, p: &[u8]) -> bool;
    fn ends(&self, p: &[u8]) -> bool;
}
impl Lit for [u8] {
    #[inline]
    fn pre(&self, p: &[u8]) -> Option<&[u8]> {
        if self.starts(p) {
            self.get(p.len()..)
        } else {
            None
        }
    }
    #[inline]
    fn suf(&self, p: &[u8]) -> Option<&[u8]> {
        if self.ends(p) {
            self.get(..self.len() - p.len())
        } else {
            None
        }
    }
    #[inline]
    fn starts(&self, p: &[u8]) -> bool {
        self.get(..p.len()).is_some_and(|h| same_bytes(h, p))
    }
    #[inline]
    fn ends(&self, p: &[u8]) -> bool {
        self.len()
            .checked_sub(p.len())
            .and_then(|i| self.get(i..))
            .is_some_and(|h| same_bytes(h, p))
    }
}

/// Substring search tuned for log lines: short haystacks, short needles. Building a
/// `memmem::Finder` per call costs more than the search itself here. Candidates are found by
/// the needle's first non-space byte and the one after it (` from ` is searched by its `fr`),
/// eight positions at a time ([`pair_mask`]): spaces are the most frequent byte of a log line,
/// so anchoring on one would check nearly every word.
#[inline]
fn anchor(n: &[u8]) -> Option<(usize, u8)> {
    n.iter()
        .position(|c| *c != b' ')
        .or(if n.is_empty() { None } else { Some(0) })
        .and_then(|k| Some((k, *n.get(k)?)))
}
#[inline(always)]
#[allow(clippy::inline_always)] // the anchor must fold to constants
fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    // The anchor folds to constants for a literal needle; the search is shared.
    let (k, a) = anchor(n)?;
    if h.len() > 64 {
        return long_find(h, n, k, a);
    }
    // `b` is the byte after the anchor, or (for a one-byte anchor) the anchor again.
    let (b, d) = n.get(k + 1).map_or((a, 0), |b| (*b, 1));
    find_short(h, n, k, a, b, d)
}
#[inline(always)]
#[allow(clippy::inline_always)] // as `find`
fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    let (k, a) = anchor(n)?;
    if h.len() > 64 {
        return long_rfind(h, n, k, a);
    }
    let (b, d) = n.get(k + 1).map_or((a, 0), |b| (*b, 1));
    rfind_short(h, n, k, a, b, d)
}
/// [`find`] above 64 bytes: the vector `memchr` for the anchor byte, `memmem` above 512.
#[inline(never)]
fn long_find(h: &[u8], n: &[u8], k: usize, a: u8) -> Option<usize> {
    if h.len() > 512 {
        return memmem::find(h, n);
    }
    memchr::memchr_iter(a, h.get(k..)?).find(|&i| h.get(i..i + n.len()) == Some(n))
}
/// [`rfind`] above 64 bytes.
#[inline(never)]
fn long_rfind(h: &[u8], n: &[u8], k: usize, a: u8) -> Option<usize> {
    if h.len() > 512 {
        return memmem::rfind(h, n);
    }
    let last = h.len().checked_sub(n.len())?;
    memchr::memrchr_iter(a, h.get(k..=last + k)?).find(|&i| h.get(i..i + n.len()) == Some(n))
}
/// Whether `n` occurs in `h` with its anchor (index `k`) at `p`: the needle's start.
#[inline]
fn needle_at(h: &[u8], n: &[u8], k: usize, p: usize) -> Option<usize> {
    let i = p.checked_sub(k)?;
    h.get(i..i + n.len())
        .is_some_and(|x| same_bytes(x, n))
        .then_some(i)
}
/// [`find`] up to 64 bytes: candidates where the anchor byte `a` is followed `d` bytes later
/// by `b`, eight positions at a time.
fn find_short(h: &[u8], n: &[u8], k: usize, a: u8, b: u8, d: usize) -> Option<usize> {
    let Some(last) = h.len().checked_sub(8 + d) else {
        return (0..h.len())
            .filter(|&p| h.get(p) == Some(&a))
            .find_map(|p| needle_at(h, n, k, p));
    };
    // Words at 0, 8, ... and a last one ending at the end (overlapping positions already
    // checked fail again).
    let mut i = 0;
    loop {
        let i0 = i.min(last);
        let mut m = pair_mask(h, i0, a, b, d).unwrap_or(0);
        while m != 0 {
            if let Some(r) = needle_at(h, n, k, i0 + lane(m)) {
                return Some(r);
            }
            m &= m - 1;
        }
        if i0 == last {
            return None;
        }
        i += 8;
    }
}
/// [`rfind`] up to 64 bytes, right to left.
fn rfind_short(h: &[u8], n: &[u8], k: usize, a: u8, b: u8, d: usize) -> Option<usize> {
    let Some(mut i) = h.len().checked_sub(8 + d) else {
        return (0..h.len())
            .rev()
            .filter(|&p| h.get(p) == Some(&a))
            .find_map(|p| needle_at(h, n, k, p));
    };
    // Words ending at the end, 8 bytes further left each, and a first one at 0.
    loop {
        let mut m = pair_mask(h, i, a, b, d).unwrap_or(0);
        while m != 0 {
            let hi = 63 - m.leading_zeros() as usize;
            if let Some(r) = needle_at(h, n, k, i + hi / 8) {
                return Some(r);
            }
            m &= !(1u64 << hi);
        }
        if i == 0 {
            return None;
        }
        i = i.saturating_sub(8);
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The first (up to) 8 bytes of `b` as a little-endian word, zero-padded: the same value as
/// shifting the bytes in one by one, in two overlapping loads (no loop, no `memcpy` call).
#[inline]
pub(crate) fn load_le(b: &[u8]) -> u64 {
    let n = b.len();
    let u32_at = |k: usize| {
        u64::from(u32::from_le_bytes(
            b.get(k..k + 4)
                .and_then(|s| s.try_into().ok())
                .unwrap_or_default(),
        ))
    };
    let u8_at = |k: usize| u64::from(b.get(k).copied().unwrap_or_default());
    if n >= 8 {
        u64::from_le_bytes(
            b.get(..8)
                .and_then(|s| s.try_into().ok())
                .unwrap_or_default(),
        )
    } else if n >= 4 {
        // Bytes 0..4 and n-4..n overlap on equal bytes.
        u32_at(0) | (u32_at(n - 4) << (8 * (n - 4)))
    } else if n > 0 {
        u8_at(0) | (u8_at(n / 2) << (8 * (n / 2))) | (u8_at(n - 1) << (8 * (n - 1)))
    } else {
        0
    }
}

/// The 8 bytes of `h` at `i` as a little-endian word; `None` past the end.
#[inline]
pub(crate) fn word(h: &[u8], i: usize) -> Option<u64> {
    let b: [u8; 8] = h.get(i..i.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}
/// `0x80` in every byte of `x` that is zero, `0` in the others (exact: no carries between
/// bytes).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    !((((x & !HI).wrapping_add(!HI)) | x) | !HI)
}
/// `0x80` in every byte of `w` equal to `c`.
#[inline]
fn eq_bytes(w: u64, c: u8) -> u64 {
    zero_bytes(w ^ LO.wrapping_mul(u64::from(c)))
}
/// Positions `i..i + 8` of `h` where `a` is followed, `d` (0 or 1) bytes later, by `b`; `None`
/// when the words do not fit.
#[inline]
fn pair_mask(h: &[u8], i: usize, a: u8, b: u8, d: usize) -> Option<u64> {
    Some(eq_bytes(word(h, i)?, a) & eq_bytes(word(h, i + d)?, b))
}
/// Byte index of the lowest set lane of a mask from [`eq_bytes`].
#[inline]
fn lane(m: u64) -> usize {
    (m.trailing_zeros() / 8) as usize
}
/// Byte classes for one-lookup scans of addresses and program tags.
pub(crate) const ALNUM: u8 = 1;
/// `.` and `:`, the separators an address must contain.
pub(crate) const SEP: u8 = 2;
/// `-` and `_`, allowed in host names.
pub(crate) const DASH: u8 = 4;
/// `/` and `@`, allowed in program tags.
pub(crate) const TAGX: u8 = 8;
// The index is a loop counter below 256 and this is evaluated at compile time.
#[allow(clippy::indexing_slicing)]
pub(crate) const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() {
            ALNUM
        } else if b == b'.' || b == b':' {
            SEP
        } else if b == b'-' || b == b'_' {
            DASH
        } else if b == b'/' || b == b'@' {
            TAGX
        } else {
            0
        };
        c += 1;
    }
    t
};
/// The class of `c`.
#[inline]
pub(crate) fn class(c: u8) -> u8 {
    CLASS.get(usize::from(c)).copied().unwrap_or(0)
}

/// `memchr` for the short fields of a message: eight bytes at a time below 64 bytes, where
/// the call and setup of the vector search cost more than the search.
#[inline]
pub(crate) fn short_memchr(c: u8, h: &[u8]) -> Option<usize> {
    if h.len() > 64 {
        // Fields are short even when the rest of the line is long: two words first.
        for i in [0, 8] {
            let m = word(h, i).map_or(0, |w| eq_bytes(w, c));
            if m != 0 {
                return Some(i + lane(m));
            }
        }
        return memchr::memchr(c, tail(h, 16)).map(|k| k + 16);
    }
    let Some(last) = h.len().checked_sub(8) else {
        return h.iter().position(|x| *x == c);
    };
    let mut i = 0;
    loop {
        let i0 = i.min(last);
        let m = word(h, i0).map_or(0, |w| eq_bytes(w, c));
        if m != 0 {
            return Some(i0 + lane(m));
        }
        if i0 == last {
            return None;
        }
        i += 8;
    }
}
/// `memrchr` counterpart of [`short_memchr`].
#[inline]
pub(crate) fn short_memrchr(c: u8, h: &[u8]) -> Option<usize> {
    if h.len() > 64 {
        return memchr::memrchr(c, h);
    }
    let Some(mut i) = h.len().checked_sub(8) else {
        return h.iter().rposition(|x| *x == c);
    };
    loop {
        let m = word(h, i).map_or(0, |w| eq_bytes(w, c));
        if m != 0 {
            return Some(i + 7 - (m.leading_zeros() / 8) as usize);
        }
        if i == 0 {
            return None;
        }
        i = i.saturating_sub(8);
    }
}
fn sub(b: &[u8], from: usize, to: usize) -> &[u8] {
    b.get(from..to).unwrap_or_default()
}
fn tail(b: &[u8], from: usize) -> &[u8] {
    b.get(from..).unwrap_or_default()
}
#[inline]
fn strip_suffix_ws(mut b: &[u8]) -> &[u8] {
    while let Some((&c, rest)) = b.split_last() {
        if c == b' ' || c == b'\t' || c == b'\r' {
            b = rest;
        } else {
            break;
        }
    }
    b
}
/// Decimal digits only (no sign), at most `max_len` of them, as a u64.
#[inline]
fn digits(b: &[u8], max_len: usize) -> Option<u64> {
    if b.is_empty() || b.len() > max_len {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Some(v)
}
#[inline]
fn num16(b: &[u8]) -> Option<u16> {
    // `digits(b, 5)` as a u16, in a loop the compiler unrolls.
    if b.is_empty() || b.len() > 5 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    u16::try_from(v).ok()
}
/// [`num16`] of `m[from..]`, the last word of `m`: read in one word from the end without a
/// loop (whose exit on a varying number of digits is a mispredicted branch per port).
#[inline]
fn num16_end(m: &[u8], from: usize) -> Option<u16> {
    let n = m.len().checked_sub(from)?;
    let (1..=5, Some(w)) = (n, m.len().checked_sub(8).and_then(|i| word(m, i))) else {
        return num16(tail(m, from));
    };
    // The token's bytes, first digit lowest, shifted to the top: leading zero bytes.
    let keep = 8 * n as u32;
    let t = w >> (64 - keep) << (64 - keep);
    let ascii0 = LO.wrapping_mul(0x30) >> (64 - keep) << (64 - keep);
    let d = t ^ ascii0;
    // every token byte a digit: 0..=9 (`+ 0x76` sets the high bit from 10 on)
    if (d | d.wrapping_add(LO.wrapping_mul(0x76))) & HI & (u64::MAX >> (64 - keep) << (64 - keep))
        != 0
    {
        return None;
    }
    // eight digits, most significant first: pairs, quads, then the whole
    let v = (d.wrapping_mul(2561) >> 8) & 0x00FF_00FF_00FF_00FF;
    let v = (v.wrapping_mul(6_553_601) >> 16) & 0x0000_FFFF_0000_FFFF;
    let v = v.wrapping_mul(42_949_672_960_001) >> 32;
    u16::try_from(v).ok()
}
/// The digits that start `p`: (how many, [`num16`] of them), in one word when `p` has 8
/// bytes and a non-digit among them.
#[inline]
fn lead_num16(p: &[u8]) -> (usize, Option<u16>) {
    if let Some(w) = word(p, 0) {
        let d = w ^ LO.wrapping_mul(0x30);
        // 0x80 in every byte that is not a digit (see `num16_end`)
        let nd = (d | d.wrapping_add(LO.wrapping_mul(0x76))) & HI;
        if nd != 0 {
            let de = lane(nd);
            if !(1..=5).contains(&de) {
                return (de, None);
            }
            // the digits at the top, most significant first, zero bytes before them
            let d = d << (64 - 8 * de as u32);
            let v = (d.wrapping_mul(2561) >> 8) & 0x00FF_00FF_00FF_00FF;
            let v = (v.wrapping_mul(6_553_601) >> 16) & 0x0000_FFFF_0000_FFFF;
            let v = v.wrapping_mul(42_949_672_960_001) >> 32;
            return (de, u16::try_from(v).ok());
        }
    }
    let de = p
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(p.len());
    (de, num16(sub(p, 0, de)))
}
fn num32(b: &[u8]) -> Option<u32> {
    u32::try_from(digits(b, 10)?).ok()
}

/// [`addr`]'s byte classes, OR-ed over a whole token in one pass: host-name bytes are 0, so
/// the sum says at once whether the token has a separator and nothing else to look at.
const A_SEP: u8 = 1;
const A_PCT: u8 = 2;
const A_BAD: u8 = 4;
// The index is a loop counter below 256 and this is evaluated at compile time.
#[allow(clippy::indexing_slicing)]
static ADDR_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            0
        } else if b == b'.' || b == b':' {
            A_SEP
        } else if b == b'%' {
            A_PCT
        } else {
            A_BAD
        };
        c += 1;
    }
    t
};

/// When every byte of `w` is an ASCII digit or `.`: the dots (`0x80` per dot byte).
#[inline]
fn digits_dots(w: u64) -> Option<u64> {
    if w & HI != 0 {
        return None;
    }
    // Bytes are below 0x80: `| HI` then `- 0x30` cannot borrow across bytes, `+ 0x46` cannot
    // carry out of one.
    let ge_0 = (w | HI).wrapping_sub(LO.wrapping_mul(0x30)) & HI;
    let le_9 = !w.wrapping_add(LO.wrapping_mul(0x46)) & HI;
    let dots = eq_bytes(w, b'.');
    ((ge_0 & le_9) | dots == HI).then_some(dots)
}

/// Validates and normalises an address token: IPv4, IPv6 (zone id `%eth0` dropped,
/// `::ffff:` mapped IPv4 unwrapped) or a host name (sshd with `UseDNS yes`).
#[inline]
pub fn addr(tok: &[u8]) -> Option<&[u8]> {
    // IPv4 (8-16 bytes of digits and dots) in two overlapping words, inline.
    if let (8..=16, Some(w0), Some(w1)) = (
        tok.len(),
        word(tok, 0),
        tok.len().checked_sub(8).and_then(|i| word(tok, i)),
    ) {
        if let (Some(d0), Some(d1)) = (digits_dots(w0), digits_dots(w1)) {
            // only digits and dots: an address when it has a dot and does not start with one
            return ((d0 | d1) != 0 && tok.first() != Some(&b'.')).then_some(tok);
        }
    }
    addr_any(tok)
}

/// [`addr`] for every other token.
fn addr_any(tok: &[u8]) -> Option<&[u8]> {
    // The token up to a `%` zone id, only address/host-name bytes, at least one `.` or `:`.
    let cl = |c: u8| ADDR_CLASS.get(usize::from(c)).copied().unwrap_or(A_BAD);
    let mut acc = 0u8;
    let mut chunks = tok.chunks_exact(8);
    for ch in &mut chunks {
        if let Ok([a, b, c, d, e, f, g, h]) = <[u8; 8]>::try_from(ch) {
            acc |= cl(a) | cl(b) | cl(c) | cl(d) | cl(e) | cl(f) | cl(g) | cl(h);
        }
    }
    for &c in chunks.remainder() {
        acc |= cl(c);
    }
    let t = if acc & (A_PCT | A_BAD) == 0 {
        // the common case: nothing to cut, nothing to reject
        if acc == 0 {
            return None;
        }
        tok
    } else {
        addr_cut(tok)?
    };
    if t.is_empty() || t.len() > 255 {
        return None;
    }
    match t.first() {
        Some(b'.' | b'-') => return None,
        Some(b':') => {
            if let Some(v4) = t.pre(b"::ffff:").or_else(|| t.pre(b"::FFFF:")) {
                // A mapped IPv4 address starts with a digit and has a dot (`::ffff:.1` and
                // `::ffff:1` are not unwrapped, so the result is again an address).
                if v4.first().is_some_and(u8::is_ascii_digit)
                    && v4.contains(&b'.')
                    && v4.iter().all(|c| c.is_ascii_digit() || *c == b'.')
                {
                    return Some(v4);
                }
            }
        }
        _ => {}
    }
    Some(t)
}

/// [`addr`]'s careful pass for a token with a `%` or a foreign byte: the token up to the first
/// `%` if everything before it is an address byte and there is a separator.
#[cold]
fn addr_cut(tok: &[u8]) -> Option<&[u8]> {
    let mut sep = false;
    for (k, &c) in tok.iter().enumerate() {
        match ADDR_CLASS.get(usize::from(c)).copied().unwrap_or(A_BAD) {
            0 => {}
            A_SEP => sep = true,
            A_PCT => return sep.then(|| sub(tok, 0, k)),
            _ => return None,
        }
    }
    sep.then_some(tok)
}

#[inline]
fn cow_addr(tok: &[u8]) -> Option<Bytes<'_>> {
    addr(tok).map(Cow::Borrowed)
}

/// Strips trailing ` [preauth]` / ` [net]` markers and whitespace.
#[inline]
fn strip_markers(m: &[u8]) -> &[u8] {
    // Only a line ending in blank or `]` has anything to strip.
    match m.last() {
        Some(b' ' | b'\t' | b'\r' | b']') => strip_markers_loop(m),
        _ => m,
    }
}
fn strip_markers_loop(mut m: &[u8]) -> &[u8] {
    loop {
        m = strip_suffix_ws(m);
        if let Some(r) = m.suf(b"[preauth]").or_else(|| m.suf(b"[net]")) {
            m = r;
        } else {
            return m;
        }
    }
}

/// ` ADDR port N` or ` ADDR` at the end of `m`: (before, addr, port).
#[inline]
fn tail_addr_port(m: &[u8]) -> Option<(&[u8], &[u8], Option<u16>)> {
    let m = strip_suffix_ws(m);
    // The last ` port ` counts only when 1-5 digits end the line after it, so it can only be
    // the one right before the last word.
    let sp = short_memrchr(b' ', m);
    if let Some((head, port)) = sp.and_then(|s| port_at(m, s)) {
        let (before, tok) = split_last_word(head);
        return Some((before, addr(tok)?, Some(port)));
    }
    let (before, tok) = match sp {
        Some(s) => (sub(m, 0, s), tail(m, s + 1)),
        None => (&b""[..], m),
    };
    Some((before, addr(tok)?, None))
}

/// `HEAD port N` where `s` is the last space of `m`: (HEAD, N) when the word after it is 1-5
/// digits (at most 65535) and ` port ` ends right there.
#[inline]
fn port_at(m: &[u8], s: usize) -> Option<(&[u8], u16)> {
    let port = num16_end(m, s + 1)?;
    Some((sub(m, 0, s + 1).suf(b" port ")?, port))
}

/// (before the last space, after it); (empty, all) without a space.
#[inline]
fn split_last_word(m: &[u8]) -> (&[u8], &[u8]) {
    match short_memrchr(b' ', m) {
        Some(s) => (sub(m, 0, s), tail(m, s + 1)),
        None => (&b""[..], m),
    }
}

/// The OpenSSH ` from ADDR port N sshN[: info]` structure. sshd prints
/// `<what> for <user> from <addr> port <n> ssh2[: <info>]`; the user name is attacker text
/// and comes first, so the address is taken from the right:
/// 1. the last ` from ADDR port N sshN` that ends the line (password, keyboard-interactive:
///    nothing can follow the real one);
/// 2. else the last one followed by `: info` (publickey `KEYTYPE FP`, ssh1 `ruser`); for
///    hostbased, whose info quotes the attacker-chosen client user, only when it is the only
///    one (ambiguous lines yield nothing rather than a wrong address);
/// 3. else an old-style ` from ADDR` at the end (or before ` via X`).
///
/// Returns (text before ` from `, addr, port, info).
fn from_port_ssh(m: &[u8], hostbased: bool) -> Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> {
    let m = strip_markers(m);
    if !hostbased {
        if let Some(x) = from_port_ssh_end(m) {
            return Some(x);
        }
    }
    let mut end = m.len();
    let mut with_info: Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> = None;
    let mut full = 0usize;
    let mut fallback: Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> = None;
    while let Some(f) = rfind(sub(m, 0, end), b" from ") {
        end = f;
        let rest = tail(m, f + 6);
        let sp = short_memchr(b' ', rest).unwrap_or(rest.len());
        let Some(a) = addr(sub(rest, 0, sp)) else {
            continue;
        };
        let after = tail(rest, sp);
        let before = sub(m, 0, f);
        if let Some(p) = after.pre(b" port ") {
            let (de, port) = lead_num16(p);
            let Some(port) = port else {
                continue;
            };
            let mut r = tail(p, de);
            if let Some(x) = r
                .pre(b" ssh2")
                .or_else(|| r.pre(b" ssh1"))
                .or_else(|| r.pre(b" ssh"))
            {
                r = x;
            }
            if r.is_empty() {
                if !hostbased {
                    return Some((before, a, Some(port), None));
                }
                full += 1;
                with_info = Some((before, a, Some(port), None));
                continue;
            }
            if let Some(info) = r.pre(b": ").or_else(|| r.pre(b":")) {
                full += 1;
                if with_info.is_none() || hostbased {
                    with_info = Some((before, a, Some(port), Some(info)));
                }
            }
            continue;
        }
        if fallback.is_none()
            && (after.is_empty() || (after.starts(b" via ") && !tail(after, 5).contains(&b' ')))
        {
            fallback = Some((before, a, None, None));
        }
    }
    if hostbased && full > 1 {
        return None;
    }
    with_info.or(fallback)
}

/// Case 1 of [`from_port_ssh`] read from the end of the line: ` from ADDR port N[ sshN]`
/// ends it. That ` from ` is the last one (nothing after it can hold another), so this is the
/// answer the general scan gives first; `None` (the scan decides) for anything else.
fn from_port_ssh_end(m: &[u8]) -> Option<(&[u8], &[u8], Option<u16>, Option<&[u8]>)> {
    let r = match m.last() {
        Some(b'1' | b'2') => m.suf(b" ssh2").or_else(|| m.suf(b" ssh1")).unwrap_or(m),
        Some(b'h') => m.suf(b" ssh").unwrap_or(m),
        _ => m,
    };
    // 1-5 digits after the last space, ` port ` before them (see `tail_addr_port`).
    let (head, port) = port_at(r, short_memrchr(b' ', r)?)?;
    let sp = short_memrchr(b' ', head)?;
    let a = addr(tail(head, sp + 1))?;
    let before = sub(head, 0, sp).suf(b" from")?;
    Some((before, a, Some(port), None))
}

/// `[invalid user ]U` -> (user, invalid).
#[inline]
fn user_part(u: &[u8]) -> (&[u8], bool) {
    if let Some(r) = u.pre(b"invalid user ").or_else(|| u.pre(b"illegal user ")) {
        (r, true)
    } else if same_bytes(u, b"invalid user") {
        (b"", true)
    } else {
        (u, false)
    }
}

// ---------------------------------------------------------------------------------------------
// repeat lines

/// Largest repeat count honoured from one line; larger (or unreadable) counts are capped to it
/// and flagged ([`Repeat::capped`]): a hostile line cannot inflate the counts without bound.
pub const MAX_REPEAT: u64 = 1_000_000;

/// A syslog repeat line: rsyslog's `message repeated N times: [ MSG]`
/// (`$RepeatedMsgReduction on`) or the older `last message repeated N times` of
/// sysklogd / syslog-ng / busybox (also decorated `--- last message repeated N times ---`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Repeat<'a> {
    /// How many times the message repeated, capped at [`MAX_REPEAT`] (at least 1).
    pub count: u64,
    /// The line said more than [`MAX_REPEAT`] (or a number too long to read).
    pub capped: bool,
    /// rsyslog's repeated message (inside the brackets, leading space removed); `None` for
    /// `last message repeated`, which repeats the previous message of the same host.
    pub message: Option<&'a [u8]>,
}

/// Whether `msg` may be a repeat line (one byte compare: the common path's only cost).
#[inline]
pub(crate) fn maybe_repeat(msg: &[u8]) -> bool {
    matches!(msg.first(), Some(b'm' | b'l' | b'-'))
}

/// Parses a repeat line's message (see [`Repeat`]). `truncated`: the line was cut at the
/// length cap, so a missing closing bracket is tolerated. `None` for anything else.
pub fn parse_repeat(msg: &[u8], truncated: bool) -> Option<Repeat<'_>> {
    fn count(b: &[u8]) -> Option<(u64, bool, &[u8])> {
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let (n, capped) = repeat_count(b.get(..digits)?)?;
        Some((n, capped, tail(b, digits)))
    }
    if let Some(r) = msg.pre(b"message repeated ") {
        let (n, capped, r) = count(r)?;
        let r = r.pre(b" times: [")?;
        let r = r.pre(b" ").unwrap_or(r);
        let m = match r.suf(b"]") {
            Some(m) => m,
            None if truncated => r,
            None => return None,
        };
        return Some(Repeat {
            count: n,
            capped,
            message: Some(m),
        });
    }
    let r = msg.pre(b"--- ").unwrap_or(msg);
    last_repeat_tail(r.pre(b"last message repeated ")?)
}

/// `N times` (or `1 time`), optionally followed by ` ---`, after `last message repeated `.
fn last_repeat_tail(r: &[u8]) -> Option<Repeat<'_>> {
    let digits = r.iter().take_while(|c| c.is_ascii_digit()).count();
    let (n, capped) = repeat_count(r.get(..digits)?)?;
    let r = tail(r, digits);
    let r = r.pre(b" times").or_else(|| r.pre(b" time"))?;
    let r = r.suf(b" ---").unwrap_or(r);
    (r.is_empty() || r == b" ").then_some(Repeat {
        count: n,
        capped,
        message: None,
    })
}

/// A repeat count from its digits: (capped count, whether it was over the cap); `None` for
/// no digits or zero.
fn repeat_count(digits: &[u8]) -> Option<(u64, bool)> {
    let mut n: u64 = 0;
    let mut capped = false;
    for c in digits {
        n = n
            .saturating_mul(10)
            .saturating_add(u64::from(c.wrapping_sub(b'0')));
        capped |= n > MAX_REPEAT;
    }
    (n > 0).then_some((n.min(MAX_REPEAT), capped))
}

/// `last message repeated N times` split by the envelope parser: with no program tag the
/// line reads as program `last` and message `message repeated N times`, and the decorated
/// form as program `---` and message `last message repeated N times ---`.
#[inline]
pub(crate) fn last_repeat_untagged<'a>(program: &[u8], msg: &'a [u8]) -> Option<Repeat<'a>> {
    match program {
        b"last" => last_repeat_tail(msg.pre(b"message repeated ")?),
        b"---" => parse_repeat(msg, false).filter(|r| r.message.is_none()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// dispatch

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

/// Whether [`pam`] can recognise `m` (it returns `None` at once for anything else).
#[inline]
fn maybe_pam(m: &[u8]) -> bool {
    m.starts(b"pam_") || m.starts(b"PAM")
}

/// sshd's own messages, else a PAM module's.
#[inline]
fn sshd_or_pam<'a>(program: &'a [u8], msg: &'a [u8]) -> Option<EventKind<'a>> {
    // A tail call (the event is built in the caller's slot) unless PAM may get a turn.
    if !maybe_pam(msg) {
        return sshd(msg);
    }
    let r = sshd(msg);
    if r.is_some() {
        return r;
    }
    pam(program, msg)
}

#[inline]
fn sshd(m: &[u8]) -> Option<EventKind<'_>> {
    // Only a message starting with one of these bytes has a prefix to strip.
    let m = match m.first() {
        Some(b'[' | b'k' | b'e' | b'f' | b'w') => sshd_prefixes(m),
        _ => m,
    };
    sshd_body(m)
}

/// Strips the Solaris `[ID 800047 auth.info] ` tag, a relayed `kernel: [ts] ` prefix and
/// sshd's own `error: ` / `fatal: ` / `warning: ` prefixes.
fn sshd_prefixes(m: &[u8]) -> &[u8] {
    let mut m = m;
    // Solaris `[ID 800047 auth.info] ` tag, sshd's own `error: ` / `fatal: ` prefixes.
    if m.starts(b"[ID ") {
        if let Some(p) = short_memchr(b']', m) {
            m = tail(m, p + 1);
            if m.first() == Some(&b' ') {
                m = tail(m, 1);
            }
        }
    }
    // journald relays of kernel-prefixed lines: `kernel:[  970.69]: ` / `kernel: [970.69] `.
    if let Some(r) = m.pre(b"kernel:") {
        let r = r.pre(b" ").unwrap_or(r);
        if let Some(r) = r.pre(b"[") {
            if let Some(c) = short_memchr(b']', r) {
                let r = tail(r, c + 1);
                let r = r.pre(b":").unwrap_or(r);
                m = r.pre(b" ").unwrap_or(r);
            }
        }
    }
    for p in [&b"error: "[..], b"fatal: ", b"warning: "] {
        if let Some(r) = m.strip_prefix(p) {
            m = r;
        }
    }
    m
}

fn sshd_body(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let first = *m.first()?;
    match first {
        b'F' => {
            if let Some(r) = m.pre(b"Failed ") {
                let sp = short_memchr(b' ', r)?;
                let method = sub(r, 0, sp);
                let r = tail(r, sp);
                let r = r.pre(b" for ")?;
                let (before, ip, port, _info) = from_port_ssh(r, same_bytes(method, b"hostbased"))?;
                let (user, invalid) = user_part(before);
                let user = if same_bytes(user, b"<invalid username>") {
                    &b""[..]
                } else {
                    user
                };
                let invalid = invalid || same_bytes(before, b"<invalid username>");
                return Some(E::SshFailed {
                    method: Cow::Borrowed(method.suf(b"/pam").unwrap_or(method)),
                    user: Cow::Borrowed(user),
                    invalid_user: invalid,
                    ip: Cow::Borrowed(ip),
                    port,
                });
            }
        }
        b'A' => {
            if let Some(r) = m.pre(b"Accepted ") {
                let sp = short_memchr(b' ', r)?;
                let method = sub(r, 0, sp);
                let r = tail(r, sp).pre(b" for ")?;
                let (user, ip, port, info) = from_port_ssh(r, false)?;
                return Some(E::SshAccepted {
                    method: Cow::Borrowed(method.suf(b"/pam").unwrap_or(method)),
                    user: Cow::Borrowed(user),
                    ip: Cow::Borrowed(ip),
                    port,
                    key: info.map(|i| Cow::Borrowed(strip_markers(i))),
                });
            }
            if let Some(a) = m.pre(b"Address ") {
                if find(m, b"POSSIBLE BREAK-IN ATTEMPT").is_some() {
                    let sp = short_memchr(b' ', a)?;
                    return Some(E::SshBreakInAttempt {
                        ip: cow_addr(sub(a, 0, sp))?,
                    });
                }
            }
            if m.starts(b"Authentication failure for ") || m.starts(b"Authentication error for ") {
                return pam_from(tail(m, m.iter().position(|c| *c == b'r')? + 6));
            }
        }
        b'P' => {
            if let Some(r) = m.pre(b"PAM: ") {
                return sshd_pam(r);
            }
        }
        b'I' => {
            if let Some(r) = m.pre(b"Invalid user ").or_else(|| m.pre(b"Illegal user ")) {
                let r = strip_markers(r);
                // `Invalid user U from A port P` (new) or `Invalid user U from A` (old)
                if let Some(f) = rfind(r, b" from ") {
                    let rest = tail(r, f + 6);
                    let (a, port) = match find(rest, b" port ") {
                        Some(p) => (sub(rest, 0, p), num16(tail(rest, p + 6))),
                        None => (rest, None),
                    };
                    if let Some(a) = addr(a) {
                        return Some(E::SshInvalidUser {
                            user: Cow::Borrowed(sub(r, 0, f)),
                            ip: Some(Cow::Borrowed(a)),
                            port,
                        });
                    }
                }
                if let Some((u, a, port)) = tail_addr_port(r) {
                    return Some(E::SshInvalidUser {
                        user: Cow::Borrowed(u),
                        ip: Some(Cow::Borrowed(a)),
                        port,
                    });
                }
                return Some(E::SshInvalidUser {
                    user: Cow::Borrowed(r),
                    ip: None,
                    port: None,
                });
            }
        }
        b'U' => {
            if let Some(r) = m.pre(b"User ") {
                let nb = rfind(r, b" not allowed because ")?;
                let reason = strip_markers(tail(r, nb + 21));
                let head = sub(r, 0, nb);
                let (user, ip) = match rfind(head, b" from ") {
                    Some(f) => match addr(tail(head, f + 6)) {
                        Some(a) => (sub(head, 0, f), Some(Cow::Borrowed(a))),
                        None => (head, None),
                    },
                    None => (head, None),
                };
                return Some(E::SshUserNotAllowed {
                    user: Cow::Borrowed(user),
                    ip,
                    reason: Cow::Borrowed(reason),
                });
            }
            if let Some(r) = m.pre(b"Unable to negotiate with ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
            if m.starts(b"Unable to negotiate a ") {
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
            if let Some(r) = m.pre(b"User not known to the underlying authentication module for ") {
                return pam_from(r);
            }
        }
        b'R' => {
            if let Some(r) = m.pre(b"ROOT LOGIN REFUSED FROM ") {
                let r = strip_markers(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshRootRefused {
                    ip: cow_addr(sub(r, 0, sp))?,
                });
            }
            if let Some(r) = m.pre(b"Received disconnect from ") {
                let preauth = strip_suffix_ws(m).ends(b"[preauth]");
                // `A[ port P]:[ ]code: text`
                let c = short_memchr(b':', r)?;
                let head = sub(r, 0, c);
                // IPv6 contains ':'; find ": " or ":<digits>:" after the address token.
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let tok = sub(r, 0, sp);
                let (a, rest) = if let Some(t) = tok.suf(b":") {
                    (t, tail(r, sp))
                } else if head.len() < sp {
                    (tok, tail(r, sp))
                } else {
                    (tok, tail(r, sp))
                };
                let mut rest = rest;
                let mut port = None;
                if let Some(p) = rest.pre(b" port ") {
                    let de;
                    (de, port) = lead_num16(p);
                    rest = tail(p, de);
                }
                let rest = rest.pre(b":").unwrap_or(rest);
                let rest = rest.pre(b" ").unwrap_or(rest);
                let (de, code) = lead_num16(rest);
                let text = tail(rest, de);
                let ip = cow_addr(a.suf(b":").unwrap_or(a));
                let auth_fail = code == Some(3) && find(text, b"Auth fail").is_some();
                if preauth || auth_fail || code == Some(14) {
                    return Some(E::SshPreauthDisconnect {
                        user: None,
                        ip,
                        port,
                        code: if auth_fail {
                            Some(3)
                        } else {
                            code.filter(|c| *c != 3)
                        },
                    });
                }
                return Some(E::SshClosed { ip });
            }
            if let Some(r) = m.pre(b"Read from socket failed: Connection reset by peer") {
                let _ = r;
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"connection-reset"),
                });
            }
        }
        b'm' => {
            if let Some(r) = m.pre(b"maximum authentication attempts exceeded for ") {
                let (before, ip, port, _) = from_port_ssh(r, false)?;
                let (user, _) = user_part(before);
                return Some(E::SshMaxAuthAttempts {
                    user: Cow::Borrowed(user),
                    ip: Some(Cow::Borrowed(ip)),
                    port,
                });
            }
        }
        b'D' => {
            if let Some(r) = m.pre(b"Disconnecting: Too many authentication failures") {
                let r = strip_markers(r);
                let user = r.pre(b" for ").map(|u| Cow::Borrowed(user_part(u).0));
                return Some(E::SshTooManyFailures { user, ip: None });
            }
            if let Some(r) = m.pre(b"Did not receive identification string from ") {
                let r = strip_markers(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(r, 0, sp)),
                    what: Cow::Borrowed(b"no-identification"),
                });
            }
            if m.starts(b"Disconnecting ") || m.starts(b"Disconnected from ") {
                return closed(m);
            }
        }
        b'C' => {
            if let Some(r) = m.pre(b"Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let rest = tail(r, sp);
                let port = rest.pre(b" port ").and_then(|p| {
                    num16(sub(
                        p,
                        0,
                        p.iter()
                            .position(|c| !c.is_ascii_digit())
                            .unwrap_or(p.len()),
                    ))
                });
                return Some(E::SshConnection {
                    ip: cow_addr(sub(r, 0, sp))?,
                    port,
                });
            }
            if m.starts(b"Connection closed by ") || m.starts(b"Connection reset by ") {
                return closed(m);
            }
        }
        b'B' => {
            if let Some(r) = m.pre(b"Bad protocol version identification ") {
                let r = strip_markers(r);
                let f = rfind(r, b" from ")?;
                let rest = tail(r, f + 6);
                let sp = short_memchr(b' ', rest).unwrap_or(rest.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(rest, 0, sp)),
                    what: Cow::Borrowed(b"bad-protocol-version"),
                });
            }
            if let Some(r) = m.pre(b"banner exchange: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"banner-exchange"),
                });
            }
        }
        b'b' => {
            if let Some(r) = m.pre(b"banner exchange: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b":").unwrap_or(a)),
                    what: Cow::Borrowed(b"banner-exchange"),
                });
            }
        }
        b'd' => {
            // OpenSSH 9.8 PerSourcePenalties: `drop connection #0 from [A]:P on [B]:Q penalty: ...`
            if let Some(r) = m.pre(b"drop connection #") {
                let f = find(r, b" from [")?;
                let rest = tail(r, f + 7);
                let c = short_memchr(b']', rest)?;
                return Some(E::SshScan {
                    ip: cow_addr(sub(rest, 0, c)),
                    what: Cow::Borrowed(b"penalty-drop"),
                });
            }
        }
        b'k' => {
            if m.starts(b"kex_exchange_identification: ") {
                if find(m, b"banner line too long").is_some() {
                    return None;
                }
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"kex-exchange-identification"),
                });
            }
        }
        b's' => {
            if let Some(r) = m.pre(b"ssh_dispatch_run_fatal: Connection from ") {
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                return Some(E::SshScan {
                    ip: cow_addr(sub(r, 0, sp)),
                    what: Cow::Borrowed(b"dispatch-fatal"),
                });
            }
        }
        b'T' => {
            if let Some(r) = m.pre(b"Timeout before authentication for ") {
                let r = r.pre(b"connection from ").unwrap_or(r);
                let sp = short_memchr(b' ', r).unwrap_or(r.len());
                let a = sub(r, 0, sp);
                return Some(E::SshScan {
                    ip: cow_addr(a.suf(b",").unwrap_or(a)),
                    what: Cow::Borrowed(b"timeout-before-auth"),
                });
            }
        }
        b'r' => {
            if let Some(r) = m.pre(b"refused connect from ") {
                // `refused connect from NAME (ADDR)`
                let o = short_memrchr(b'(', r)?;
                let c = short_memrchr(b')', r)?;
                return Some(E::SshUserNotAllowed {
                    user: Cow::Borrowed(b""),
                    ip: Some(Cow::Borrowed(addr(sub(r, o + 1, c))?)),
                    reason: Cow::Borrowed(b"tcp_wrappers refused connect"),
                });
            }
        }
        b'n' => {
            if m.starts(b"no matching ") {
                return Some(E::SshScan {
                    ip: None,
                    what: Cow::Borrowed(b"unable-to-negotiate"),
                });
            }
        }
        b'p' => return pam(b"sshd", m),
        _ => {}
    }
    // Dropbear: addresses are `A:P`, `::ffff:A:P` or `<A:P>`.
    fn dropbear_addr(a: &[u8]) -> Option<Bytes<'_>> {
        let a = a.pre(b"<").unwrap_or(a);
        let a = a.suf(b">").unwrap_or(a);
        let a = match short_memrchr(b':', a) {
            Some(c)
                if sub(a, c + 1, a.len()).iter().all(u8::is_ascii_digit)
                    && (a.iter().filter(|x| **x == b':').count() == 1
                        || a.starts(b"::ffff:")
                        || a.starts(b"[")) =>
            {
                sub(a, 0, c)
            }
            _ => a,
        };
        let a = a.pre(b"[").unwrap_or(a);
        let a = a.suf(b"]").unwrap_or(a);
        cow_addr(a)
    }
    if let Some(r) = m.pre(b"Exit before auth from ") {
        let e = short_memchr(b'>', r)
            .map_or_else(|| short_memchr(b' ', r).unwrap_or(r.len()), |x| x + 1);
        return Some(E::SshScan {
            ip: dropbear_addr(sub(r, 0, e)),
            what: Cow::Borrowed(b"exit-before-auth"),
        });
    }
    if let Some(r) = m
        .pre(b"Bad password attempt for '")
        .or_else(|| m.pre(b"Bad PAM password attempt for '"))
    {
        let q = rfind(r, b"' from ")?;
        let a = tail(r, q + 7);
        return Some(E::SshFailed {
            method: Cow::Borrowed(b"password"),
            user: Cow::Borrowed(sub(r, 0, q)),
            invalid_user: false,
            ip: dropbear_addr(a)?,
            port: None,
        });
    }
    if let Some(r) = m
        .pre(b"Login attempt for nonexistent user from ")
        .or_else(|| m.pre(b"Login attempt for nonexistent user ('"))
    {
        let a = r.rsplit(|c| *c == b' ').next().unwrap_or(r);
        return Some(E::SshInvalidUser {
            user: Cow::Borrowed(b""),
            ip: dropbear_addr(a),
            port: None,
        });
    }
    None
}

/// `PAM: Authentication failure for U from H` (sshd without UsePAM logging).
fn sshd_pam(r: &[u8]) -> Option<EventKind<'_>> {
    let lower_ok = |p: &[u8]| {
        r.len() >= p.len() && r.get(..p.len()).is_some_and(|x| x.eq_ignore_ascii_case(p))
    };
    for p in [
        &b"authentication failure for "[..],
        b"authentication error for ",
        b"authentication failed for ",
    ] {
        if lower_ok(p) {
            return pam_from(tail(r, p.len()));
        }
    }
    for p in [
        &b"User not known to the underlying authentication module for "[..],
        b"unknown user for ",
    ] {
        if let Some(x) = r.strip_prefix(p) {
            return pam_from(x);
        }
    }
    None
}

/// `U from H[ via X]` with U possibly `illegal user U`.
fn pam_from(r: &[u8]) -> Option<EventKind<'_>> {
    let r = strip_markers(r);
    let r = match rfind(r, b" via ") {
        Some(v) if !tail(r, v + 5).contains(&b' ') => sub(r, 0, v),
        _ => r,
    };
    let f = rfind(r, b" from ")?;
    let a = addr(strip_suffix_ws(tail(r, f + 6)))?;
    let (user, _) = user_part(sub(r, 0, f));
    Some(EventKind::SshPamFailure {
        user: Cow::Borrowed(user),
        ip: Cow::Borrowed(a),
    })
}

/// Connection closed / reset / disconnected, with or without user, before or after auth.
fn closed(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let trimmed = strip_suffix_ws(m);
    let preauth = trimmed.ends(b"[preauth]");
    let stripped = strip_markers(trimmed);
    let rest = if let Some(r) = stripped.pre(b"Connection ") {
        r.pre(b"closed by ").or_else(|| r.pre(b"reset by "))?
    } else {
        let r = stripped.pre(b"Disconnect")?;
        r.pre(b"ed from ").or_else(|| r.pre(b"ing "))?
    };
    // `ADDR port P: reason` form (Disconnecting invalid user U A port P: Change of username...)
    let (body, reason) = match find_colon_space(rest) {
        Some(c) if find(sub(rest, 0, c), b" port ").is_some() => {
            (sub(rest, 0, c), Some(tail(rest, c + 2)))
        }
        _ => (rest, None),
    };
    let (user, body, authenticating) = match body.first() {
        Some(b'a') => match body.pre(b"authenticating user ") {
            Some(u) => (Some(u), u, true),
            None => (None, body, false),
        },
        Some(b'i') => match body.pre(b"invalid user ") {
            Some(u) => (Some(u), u, true),
            None => (None, body, false),
        },
        Some(b'u') => match body.pre(b"user ") {
            Some(u) => (Some(u), u, false),
            None => (None, body, false),
        },
        _ => (None, body, false),
    };
    let (before, ip, port) = tail_addr_port(body)?;
    let user = user.map(|_| Cow::Borrowed(before));
    if let Some(r) = reason {
        if r.starts(b"Change of username") {
            return Some(E::SshUserNotAllowed {
                user: user.unwrap_or(Cow::Borrowed(b"")),
                ip: Some(Cow::Borrowed(ip)),
                reason: Cow::Borrowed(b"change of username or service"),
            });
        }
        if r.starts(b"Too many authentication failures") {
            return Some(E::SshTooManyFailures {
                user,
                ip: Some(Cow::Borrowed(ip)),
            });
        }
    }
    if preauth || authenticating {
        return Some(E::SshPreauthDisconnect {
            user,
            ip: Some(Cow::Borrowed(ip)),
            port,
            code: None,
        });
    }
    Some(E::SshClosed {
        ip: Some(Cow::Borrowed(ip)),
    })
}

/// The first `: ` in `m` (colons are rare outside IPv6 addresses).
#[inline]
fn find_colon_space(m: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let c = from + short_memchr(b':', tail(m, from))?;
        if m.get(c + 1) == Some(&b' ') {
            return Some(c);
        }
        from = c + 1;
    }
}

/// `pam_X(svc:auth): authentication failure; ...` and `pam_X(svc:session): session opened ...`.
fn pam<'a>(program: &'a [u8], m: &'a [u8]) -> Option<EventKind<'a>> {
    use EventKind as E;
    let m = if m.starts(b"pam_") || m.starts(b"PAM") {
        m
    } else if program == b"su" || program == b"sudo" {
        return None;
    } else {
        return None;
    };
    let o = short_memchr(b'(', m)?;
    let c = short_memchr(b')', m)?;
    let inner = sub(m, o + 1, c);
    let colon = short_memchr(b':', inner)?;
    let service = sub(inner, 0, colon);
    let kind = tail(inner, colon + 1);
    let rest = tail(m, c + 1);
    let rest = rest.pre(b": ").unwrap_or(rest);
    match kind {
        b"auth" => {
            if !rest.starts(b"authentication failure") {
                return None;
            }
            // `key=value` fields: the first word (start of the text or after a space) that starts
            // with the key, up to the next space. One pass over the words for all three keys.
            let (mut rhost, mut user, mut ruser) = (None, None, None);
            let value = |v: &'a [u8]| sub(v, 0, short_memchr(b' ', v).unwrap_or(v.len()));
            let mut p = 0;
            loop {
                let w = tail(rest, p);
                match w.first() {
                    Some(b'r') => {
                        if let (None, Some(v)) = (rhost, w.pre(b"rhost=")) {
                            rhost = Some(value(v));
                        }
                        if let (None, Some(v)) = (ruser, w.pre(b"ruser=")) {
                            ruser = Some(value(v));
                        }
                    }
                    Some(b'u') => {
                        if let (None, Some(v)) = (user, w.pre(b"user=")) {
                            user = Some(value(v));
                        }
                    }
                    _ => {}
                }
                if rhost.is_some() && user.is_some() && ruser.is_some() {
                    break;
                }
                match short_memchr(b' ', w) {
                    Some(sp) => p += sp + 1,
                    None => break,
                }
            }
            // rhost is a host name or address; anything else is not a source.
            let rhost = rhost.and_then(cow_addr);
            let user = user
                .filter(|u| !u.is_empty() && *u != b"[preauth]")
                .map(Cow::Borrowed);
            let ruser = ruser.filter(|u| !u.is_empty()).map(Cow::Borrowed);
            if service == b"su" || service == b"su-l" {
                return Some(E::Su {
                    success: false,
                    user: ruser,
                    target: user,
                });
            }
            Some(E::PamAuthFailure {
                service: Cow::Borrowed(service),
                user,
                ruser,
                rhost,
            })
        }
        b"session" => {
            let (opened, r) = if let Some(r) = rest.pre(b"session opened for user ") {
                (true, r)
            } else {
                (false, rest.pre(b"session closed for user ")?)
            };
            let e = find(r, b" by ").unwrap_or_else(|| short_memchr(b' ', r).unwrap_or(r.len()));
            let user = sub(r, 0, e);
            let user = user.suf(b"(uid=0)").unwrap_or(user);
            Some(E::PamSession {
                service: Cow::Borrowed(service),
                opened,
                user: Cow::Borrowed(user),
            })
        }
        b"chauthtok" => {
            let r = rest.pre(b"password changed for ")?;
            Some(E::PasswordChanged {
                user: Cow::Borrowed(strip_suffix_ws(r)),
                by: Cow::Borrowed(service),
            })
        }
        _ => None,
    }
}

/// sudo's `U : field ; field ; ...`.
fn sudo(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let sep = find(m, b" : ")?;
    let user = strip_suffix_ws(sub(m, 0, sep));
    let user = tail(
        user,
        user.iter().position(|c| *c != b' ').unwrap_or(user.len()),
    );
    let rest = tail(m, sep + 3);
    let field = |k: &[u8]| -> Option<Bytes<'_>> {
        // fields are `K=v ; K=v ; COMMAND=...` (COMMAND last, may contain ' ; ')
        let mut start = 0;
        loop {
            let p = find(tail(rest, start), k)? + start;
            if p == 0 || sub(rest, p.saturating_sub(2), p) == b"; " {
                let v = tail(rest, p + k.len());
                if k == b"COMMAND=" {
                    return Some(Cow::Borrowed(strip_suffix_ws(v)));
                }
                let e = find(v, b" ; ").unwrap_or(v.len());
                return Some(Cow::Borrowed(strip_suffix_ws(sub(v, 0, e))));
            }
            start = p + k.len();
        }
    };
    let command = field(b"COMMAND=");
    if find(rest, b"user NOT in sudoers").is_some()
        || find(rest, b"user NOT authorized on host").is_some()
    {
        return Some(E::SudoNotInSudoers {
            user: Cow::Borrowed(user),
            runas: field(b"USER="),
            command,
        });
    }
    if let Some(p) = find(rest, b" incorrect password attempt") {
        let n = sub(rest, 0, p);
        let n = tail(n, short_memrchr(b' ', n).map_or(0, |s| s + 1));
        return Some(E::SudoFailure {
            user: Cow::Borrowed(user),
            attempts: num32(n).unwrap_or(1),
            command,
        });
    }
    if rest.starts(b"TTY=") || rest.starts(b"PWD=") || command.is_some() {
        return Some(E::Sudo {
            user: Cow::Borrowed(user),
            tty: field(b"TTY="),
            pwd: field(b"PWD="),
            runas: field(b"USER="),
            command,
        });
    }
    None
}

fn su(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    // util-linux: `(to root) alice on pts/0`; `FAILED SU (to root) alice on pts/0`
    // shadow: `Successful su for root by alice`, `FAILED su for root by alice`, `+ pts/0 alice:root`
    let (success, r) = if let Some(r) = m.pre(b"FAILED SU ") {
        (false, r)
    } else {
        (true, m)
    };
    if let Some(r) = r.pre(b"(to ") {
        let c = short_memchr(b')', r)?;
        let target = sub(r, 0, c);
        let rest = tail(r, c + 1).pre(b" ")?;
        let on = rfind(rest, b" on ").unwrap_or(rest.len());
        return Some(E::Su {
            success,
            user: Some(Cow::Borrowed(sub(rest, 0, on))),
            target: Some(Cow::Borrowed(target)),
        });
    }
    for (p, ok) in [
        (&b"Successful su for "[..], true),
        (b"FAILED su for ", false),
    ] {
        if let Some(r) = m.strip_prefix(p) {
            let by = rfind(r, b" by ")?;
            return Some(E::Su {
                success: ok,
                user: Some(Cow::Borrowed(tail(r, by + 4))),
                target: Some(Cow::Borrowed(sub(r, 0, by))),
            });
        }
    }
    None
}

/// `key=value, key=value` from shadow-utils lines.
fn kv<'a>(m: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    loop {
        let p = find(tail(m, from), key)? + from;
        let ok = p == 0 || matches!(m.get(p - 1), Some(b' ' | b','));
        if ok && m.get(p + key.len()) == Some(&b'=') {
            let v = tail(m, p + key.len() + 1);
            let e = find(v, b", ").unwrap_or(v.len());
            let v = sub(v, 0, e);
            return Some(strip_suffix_ws(v.suf(b",").unwrap_or(v)));
        }
        from = p + key.len();
    }
}

/// `'name'` at the start of `r`: (name, rest).
fn quoted(r: &[u8]) -> Option<(&[u8], &[u8])> {
    let r = r.pre(b"'").or_else(|| r.pre(b"`"))?;
    let e = short_memrchr(b'\'', r)?;
    // the name ends at the first `' ` or final quote
    let e = find(r, b"' ").unwrap_or(e);
    Some((sub(r, 0, e), tail(r, e + 1)))
}

fn shadow_tools<'a>(program: &'a [u8], m: &'a [u8]) -> Option<EventKind<'a>> {
    use EventKind as E;
    let m = strip_suffix_ws(m);
    if let Some(r) = m.pre(b"new user: ") {
        return Some(E::UserAdded {
            name: Cow::Borrowed(kv(r, b"name")?),
            uid: kv(r, b"UID").and_then(num32),
            gid: kv(r, b"GID").and_then(num32),
            home: kv(r, b"home").map(Cow::Borrowed),
            shell: kv(r, b"shell").map(Cow::Borrowed),
        });
    }
    if let Some(r) = m
        .pre(b"new group: ")
        .or_else(|| m.pre(b"group added to /etc/group: "))
    {
        return Some(E::GroupAdded {
            name: Cow::Borrowed(kv(r, b"name")?),
            gid: kv(r, b"GID").and_then(num32),
        });
    }
    // useradd/usermod: `add 'bob' to group 'sudo'`, `add 'bob' to shadow group 'sudo'`
    if let Some(r) = m.pre(b"add ") {
        let (user, rest) = quoted(r)?;
        let g = rest
            .pre(b" to group ")
            .or_else(|| rest.pre(b" to shadow group "))?;
        let (group, _) = quoted(g)?;
        return Some(E::GroupMember {
            user: Cow::Borrowed(user),
            group: Cow::Borrowed(group),
            added: true,
        });
    }
    if let Some(r) = m.pre(b"delete ") {
        if let Some(g) = r.pre(b"user ") {
            let (name, _) = quoted(g)?;
            return Some(E::UserDeleted {
                name: Cow::Borrowed(name),
            });
        }
        let (user, rest) = quoted(r)?;
        let g = rest
            .pre(b" from group ")
            .or_else(|| rest.pre(b" from shadow group "))?;
        let (group, _) = quoted(g)?;
        return Some(E::GroupMember {
            user: Cow::Borrowed(user),
            group: Cow::Borrowed(group),
            added: false,
        });
    }
    // gpasswd: `user bob added by root to group sudo`, `user bob removed by root from group sudo`
    if let Some(r) = m.pre(b"user ") {
        if let Some(p) = find(r, b" added by ") {
            let g = rfind(r, b" to group ")?;
            return Some(E::GroupMember {
                user: Cow::Borrowed(sub(r, 0, p)),
                group: Cow::Borrowed(tail(r, g + 10)),
                added: true,
            });
        }
        if let Some(p) = find(r, b" removed by ") {
            let g = rfind(r, b" from group ")?;
            return Some(E::GroupMember {
                user: Cow::Borrowed(sub(r, 0, p)),
                group: Cow::Borrowed(tail(r, g + 12)),
                added: false,
            });
        }
    }
    // usermod: `change user 'bob' password`, `change user 'bob' shell from ... to ...`, `lock user 'bob' password`
    for p in [&b"change user "[..], b"lock user ", b"unlock user "] {
        if let Some(r) = m.strip_prefix(p) {
            let (name, rest) = quoted(r)?;
            let verb = sub(p, 0, p.len() - 6);
            let _ = verb;
            return Some(E::UserModified {
                name: Cow::Borrowed(name),
                change: Cow::Borrowed(rest.pre(b" ").unwrap_or(rest)),
            });
        }
    }
    if let Some(r) = m
        .pre(b"password changed for ")
        .or_else(|| m.pre(b"password for '"))
    {
        let r = r.suf(b"' changed by 'root'").unwrap_or(r);
        return Some(E::PasswordChanged {
            user: Cow::Borrowed(r),
            by: Cow::Borrowed(program),
        });
    }
    None
}

fn logind(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    if let Some(r) = m.pre(b"New session ") {
        let p = find(r, b" of user ")?;
        let u = tail(r, p + 9);
        return Some(E::LogindSession {
            new: true,
            session: Cow::Borrowed(sub(r, 0, p)),
            user: Some(Cow::Borrowed(u.suf(b".").unwrap_or(u))),
        });
    }
    if let Some(r) = m.pre(b"Removed session ") {
        return Some(E::LogindSession {
            new: false,
            session: Cow::Borrowed(r.suf(b".").unwrap_or(r)),
            user: None,
        });
    }
    None
}

fn cron(m: &[u8]) -> Option<EventKind<'_>> {
    let r = m.pre(b"(")?;
    let c = find(r, b") CMD (")?;
    let cmd = tail(r, c + 7);
    Some(EventKind::CronCommand {
        user: Cow::Borrowed(sub(r, 0, c)),
        command: Cow::Borrowed(cmd.suf(b")").unwrap_or(cmd)),
    })
}

/// Kernel messages: netfilter LOG, fs and I/O errors, segfaults, module taint.
fn kernel(m: &[u8]) -> Option<EventKind<'_>> {
    use EventKind as E;
    let mut m = m;
    // `[12345.678901] ` timestamp, `[T123] ` / `[C1] ` caller id.
    for _ in 0..2 {
        if m.first() == Some(&b'[') {
            let c = short_memchr(b']', sub(m, 0, 24.min(m.len())))?;
            let inner = sub(m, 1, c);
            if inner
                .iter()
                .all(|x| x.is_ascii_digit() || *x == b'.' || *x == b' ' || *x == b'T' || *x == b'C')
            {
                m = tail(m, c + 1);
                m = m.pre(b" ").unwrap_or(m);
            }
        }
    }
    if let Some(src_at) = find(m, b" SRC=").or_else(|| m.pre(b"SRC=").map(|_| 0).filter(|_| false))
    {
        if let Some(inp) = find(m, b"IN=") {
            if inp < src_at {
                let prefix = strip_suffix_ws(sub(m, 0, inp));
                let f = |k: &[u8]| -> Option<&[u8]> {
                    let mut from = inp;
                    loop {
                        let p = find(tail(m, from), k)? + from;
                        if p == 0 || m.get(p - 1) == Some(&b' ') {
                            let v = tail(m, p + k.len());
                            let e = short_memchr(b' ', v).unwrap_or(v.len());
                            return Some(sub(v, 0, e));
                        }
                        from = p + k.len();
                    }
                };
                fn nz(v: Option<&[u8]>) -> Option<Bytes<'_>> {
                    v.filter(|x| !x.is_empty()).map(Cow::Borrowed)
                }
                // TCP flags are the bare words after the ports.
                let flags_start = find(m, b" RES=").map_or(m.len(), |p| p + 5);
                let fl = tail(m, flags_start);
                let fl = match short_memchr(b' ', fl) {
                    Some(s) => tail(fl, s + 1),
                    None => &b""[..],
                };
                let fl_end = find(fl, b" URGP=").unwrap_or(fl.len());
                let fl = strip_suffix_ws(sub(fl, 0, fl_end));
                let fl = if fl.iter().all(|c| c.is_ascii_uppercase() || *c == b' ') {
                    fl
                } else {
                    &b""[..]
                };
                return Some(E::Netfilter {
                    prefix: Cow::Borrowed(prefix),
                    in_if: nz(f(b"IN=")),
                    out_if: nz(f(b"OUT=")),
                    src: cow_addr(f(b"SRC=")?)?,
                    dst: nz(f(b"DST=")),
                    proto: nz(f(b"PROTO=")),
                    spt: f(b"SPT=").and_then(num16),
                    dpt: f(b"DPT=").and_then(num16),
                    flags: Cow::Borrowed(fl),
                });
            }
        }
    }
    if let Some(p) = find(m, b": segfault at ") {
        let head = sub(m, 0, p);
        let (prog, pid) = match short_memrchr(b'[', head) {
            Some(o) => (
                sub(head, 0, o),
                num32(sub(head, o + 1, head.len().saturating_sub(1))),
            ),
            None => (head, None),
        };
        return Some(E::Segfault {
            program: Cow::Borrowed(prog),
            pid,
        });
    }
    if let Some(p) = find(m, b": module verification failed") {
        return Some(E::ModuleTaint {
            module: Cow::Borrowed(sub(m, 0, p)),
            reason: Cow::Borrowed(
                b"module verification failed: signature and/or required key missing",
            ),
        });
    }
    if let Some(p) = find(m, b": loading out-of-tree module taints kernel")
        .or_else(|| find(m, b": module license '"))
    {
        return Some(E::ModuleTaint {
            module: Cow::Borrowed(sub(m, 0, p)),
            reason: Cow::Borrowed(strip_suffix_ws(tail(m, p + 2))),
        });
    }
    // Filesystem errors: `EXT4-fs error (device sda1): ...`, `XFS (sdb1): ... error`,
    // `BTRFS error (device dm-0): ...`, `blk_update_request: I/O error, dev sda, sector N`,
    // `I/O error, dev sda, sector N`, `Buffer I/O error on dev sda1`.
    for fs in [
        &b"EXT4-fs error"[..],
        b"EXT3-fs error",
        b"EXT2-fs error",
        b"BTRFS error",
        b"BTRFS critical",
        b"EXT4-fs (",
        b"XFS (",
    ] {
        if let Some(p) = find(m, fs) {
            let r = tail(m, p);
            let is_err = fs.ends(b"error")
                || fs.ends(b"critical")
                || find(r, b"error").is_some()
                || find(r, b"corrupt").is_some();
            if !is_err {
                continue;
            }
            let dev = find(r, b"(device ")
                .map(|d| tail(r, d + 8))
                .or_else(|| short_memchr(b'(', r).map(|d| tail(r, d + 1)));
            let dev = dev.and_then(|d| short_memchr(b')', d).map(|e| sub(d, 0, e)));
            return Some(E::FsError {
                device: dev.map(Cow::Borrowed),
                detail: Cow::Borrowed(r),
            });
        }
    }
    if let Some(p) = find(m, b"I/O error") {
        let r = tail(m, p);
        let dev = find(r, b"dev ").map(|d| tail(r, d + 4)).map(|d| {
            let e = d
                .iter()
                .position(|c| *c == b',' || *c == b' ')
                .unwrap_or(d.len());
            sub(d, 0, e)
        });
        return Some(E::FsError {
            device: dev.map(Cow::Borrowed),
            detail: Cow::Borrowed(m),
        });
    }
    None
}

#[cfg(test)]
mod equiv;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;
