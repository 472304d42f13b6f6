//! Compact observations for the parallel path.
//!
//! A worker parses a piece of a block into observations that the folding thread feeds to the
//! detector later, on another core. An [`Observation`](crate::detect::Observation) is 216
//! bytes (the event's byte fields are `Cow`s); writing, moving, dropping and reading back
//! about one per 100 bytes of log cost more CPU than the detection itself. Here an event's
//! byte fields are spans of the piece (offset and length, 8 bytes, no drop glue), and the
//! event is rebuilt on the folding thread's stack, borrowing the piece, right before it is
//! observed. Bytes that are not in the piece (an owned field, a constant) are copied to the
//! chunk's arena. A packed chunk borrows nothing, so it can outlive the parse of its block.
//!
//! Every kind is listed in the macro below: [`pack`] matches [`EventKind`] exhaustively, so a
//! new kind does not compile until it is listed.

use std::borrow::Cow;

use crate::event::EventKind;
use crate::time::LogTime;

/// Bytes of the piece (`off < ARENA`) or of the arena (`off - ARENA`), `len` long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    off: u32,
    len: u32,
}

/// `Span::len` of an absent optional field.
const NONE: u32 = u32::MAX;
/// Offsets from here on are in the arena.
const ARENA: u32 = 1 << 31;
/// Largest piece whose spans fit: the parallel path hands longer inputs to the sequential
/// path.
pub(crate) const MAX_PIECE: usize = (ARENA as usize) - 1;

/// Packs byte fields against one piece.
pub(crate) struct Packer<'p, 'a> {
    data: &'a [u8],
    arena: &'p mut Vec<u8>,
}

impl<'p, 'a> Packer<'p, 'a> {
    pub(crate) fn new(data: &'a [u8], arena: &'p mut Vec<u8>) -> Self {
        Packer { data, arena }
    }

    #[inline]
    fn span(&mut self, b: &[u8]) -> Span {
        let base = self.data.as_ptr() as usize;
        let at = (b.as_ptr() as usize).wrapping_sub(base);
        // A borrowed slice of the piece: its offset (pointer arithmetic only, no access).
        if at <= self.data.len() && b.len() <= self.data.len() - at {
            if let (Ok(off), Ok(len)) = (u32::try_from(at), u32::try_from(b.len())) {
                if off < ARENA && len < NONE {
                    return Span { off, len };
                }
            }
        }
        let at = self.arena.len();
        match (u32::try_from(at), u32::try_from(b.len())) {
            (Ok(off), Ok(len)) if off < ARENA && len < NONE => {
                self.arena.extend_from_slice(b);
                Span {
                    off: ARENA + off,
                    len,
                }
            }
            // Beyond 2 GiB of copies in one piece (not reachable with the parallel path's
            // pieces): the field reads as empty rather than wrong.
            _ => Span { off: 0, len: 0 },
        }
    }

    fn opt(&mut self, b: Option<&[u8]>) -> Span {
        match b {
            Some(b) => self.span(b),
            None => Span { off: 0, len: NONE },
        }
    }
}

/// Resolves spans of one piece.
#[derive(Clone, Copy)]
pub(crate) struct Unpacker<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) arena: &'a [u8],
}

impl<'a> Unpacker<'a> {
    #[inline]
    fn bytes(self, s: Span) -> Cow<'a, [u8]> {
        let (src, off) = if s.off >= ARENA {
            (self.arena, s.off - ARENA)
        } else {
            (self.data, s.off)
        };
        let (off, len) = (off as usize, s.len as usize);
        Cow::Borrowed(src.get(off..off.saturating_add(len)).unwrap_or_default())
    }

    #[inline]
    fn opt(self, s: Span) -> Option<Cow<'a, [u8]>> {
        (s.len != NONE).then(|| self.bytes(s))
    }
}

macro_rules! packed_kinds {
    ( $( $name:ident { $( $f:ident : $k:tt ),* $(,)? } ),* $(,)? ) => {
        /// An [`EventKind`] with its byte fields as [`Span`]s.
        #[derive(Debug, Clone, Copy)]
        pub(crate) enum PackedKind {
            $( $name { $( $f: packed_kinds!(@ty $k) ),* }, )*
        }

        /// Packs `e`.
        #[inline]
        pub(crate) fn pack(e: &EventKind<'_>, p: &mut Packer<'_, '_>) -> PackedKind {
            match e {
                $( EventKind::$name { $( $f ),* } => PackedKind::$name {
                    $( $f: packed_kinds!(@pack p, $k, $f) ),*
                }, )*
            }
        }

        /// Whether every byte field of `e` borrows (no `Cow::Owned`): such an event can be
        /// forgotten instead of dropped (checked in debug builds where that is done).
        pub(crate) fn all_borrowed(e: &EventKind<'_>) -> bool {
            match e {
                $( EventKind::$name { $( $f ),* } => {
                    true $( && packed_kinds!(@borrowed $k, $f) )*
                } )*
            }
        }

        /// The event `k` stands for, borrowing the piece or the arena.
        #[inline]
        pub(crate) fn unpack<'a>(k: &PackedKind, u: Unpacker<'a>) -> EventKind<'a> {
            match *k {
                $( PackedKind::$name { $( $f ),* } => EventKind::$name {
                    $( $f: packed_kinds!(@unpack u, $k, $f) ),*
                }, )*
            }
        }
    };
    (@ty b) => { Span };
    (@ty o) => { Span };
    (@ty ($t:ty)) => { $t };
    (@pack $p:ident, b, $f:ident) => { $p.span($f) };
    (@pack $p:ident, o, $f:ident) => { $p.opt($f.as_deref()) };
    (@pack $p:ident, ($t:ty), $f:ident) => { *$f };
    (@borrowed b, $f:ident) => { matches!($f, Cow::Borrowed(_)) };
    (@borrowed o, $f:ident) => { !matches!($f, Some(Cow::Owned(_))) };
    (@borrowed ($t:ty), $f:ident) => { { let _ = $f; true } };
    (@unpack $u:ident, b, $f:ident) => { $u.bytes($f) };
    (@unpack $u:ident, o, $f:ident) => { $u.opt($f) };
    (@unpack $u:ident, ($t:ty), $f:ident) => { $f };
}

// `b`: bytes, `o`: optional bytes, `(T)`: a copied field.
packed_kinds! {
        SshFailed { method: b, user: b, invalid_user: (bool), ip: b, port: (Option<u16>) },
        SshAccepted { method: b, user: b, ip: b, port: (Option<u16>), key: o },
        SshInvalidUser { user: b, ip: o, port: (Option<u16>) },
        SshUserNotAllowed { user: b, ip: o, reason: b },
        SshRootRefused { ip: b },
        SshPamFailure { user: b, ip: b },
        SshMaxAuthAttempts { user: b, ip: o, port: (Option<u16>) },
        SshTooManyFailures { user: o, ip: o },
        SshPreauthDisconnect { user: o, ip: o, port: (Option<u16>), code: (Option<u16>) },
        SshScan { ip: o, what: b },
        SshConnection { ip: b, port: (Option<u16>) },
        SshClosed { ip: o },
        SshBreakInAttempt { ip: b },
        PamAuthFailure { service: b, user: o, ruser: o, rhost: o },
        PamSession { service: b, opened: (bool), user: b, by: o },
        Sudo { user: b, tty: o, pwd: o, runas: o, command: o },
        SudoFailure { user: b, attempts: (u32), command: o },
        SudoNotInSudoers { user: b, runas: o, command: o },
        Su { success: (bool), user: o, target: o },
        UserAdded { name: b, uid: (Option<u32>), gid: (Option<u32>), home: o, shell: o },
        UserDeleted { name: b },
        UserModified { name: b, change: b },
        GroupAdded { name: b, gid: (Option<u32>) },
        GroupMember { user: b, group: b, added: (bool) },
        PasswordChanged { user: b, by: b },
        LogindSession { new: (bool), session: b, user: o },
        CronCommand { user: b, command: b },
        Netfilter {
            prefix: b, in_if: o, out_if: o, src: b, dst: o, proto: o,
            spt: (Option<u16>), dpt: (Option<u16>), flags: b,
        },
        FsError { device: o, detail: b },
        Segfault { program: b, pid: (Option<u32>) },
        ModuleTaint { module: b, reason: b },
        Service { unit: b, started: (bool), success: (bool) },
        AuditTamper { what: b, user: o },
        Promiscuous { device: b, on: (bool), user: o },
        SystemPower { boot: (bool) },
        AuditCommand { key: b, user: o, exe: o, command: b },
}

/// One observation of a piece, compact (see the module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PackedObs {
    pub(crate) time: Option<LogTime>,
    /// Line in the piece (1-based).
    pub(crate) line: u32,
    pub(crate) pid: Option<u32>,
    pub(crate) repeat: u32,
    pub(crate) sshd: bool,
    /// A `last message repeated` line: each of `repeat` repeats the event of an earlier line.
    pub(crate) again: bool,
    pub(crate) kind: PackedKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind round-trips, with fields borrowed from the piece, owned, constant or absent.
    #[test]
    fn round_trip() {
        let data = b"Failed password for root from 203.0.113.9 port 22 ssh2".to_vec();
        let user = &data[20..24];
        let ip = &data[30..41];
        let owned = || Cow::Owned(b"owned bytes".to_vec());
        let events: Vec<EventKind<'_>> = vec![
            EventKind::SshFailed {
                method: Cow::Borrowed(b"password"),
                user: Cow::Borrowed(user),
                invalid_user: true,
                ip: Cow::Borrowed(ip),
                port: Some(22),
            },
            EventKind::SshAccepted {
                method: owned(),
                user: Cow::Borrowed(b""),
                ip: Cow::Borrowed(ip),
                port: None,
                key: Some(owned()),
            },
            EventKind::SshPreauthDisconnect {
                user: None,
                ip: Some(Cow::Borrowed(ip)),
                port: Some(1),
                code: Some(11),
            },
            EventKind::PamAuthFailure {
                service: Cow::Borrowed(b"sshd"),
                user: None,
                ruser: Some(Cow::Borrowed(b"")),
                rhost: Some(Cow::Borrowed(ip)),
            },
            EventKind::Sudo {
                user: Cow::Borrowed(user),
                tty: None,
                pwd: Some(owned()),
                runas: None,
                command: Some(Cow::Borrowed(&data[..6])),
            },
            EventKind::Netfilter {
                prefix: owned(),
                in_if: None,
                out_if: Some(Cow::Borrowed(b"eth0")),
                src: Cow::Borrowed(ip),
                dst: None,
                proto: None,
                spt: Some(1),
                dpt: None,
                flags: Cow::Borrowed(b""),
            },
            EventKind::Segfault {
                program: Cow::Borrowed(&data[data.len()..]),
                pid: Some(7),
            },
        ];
        let mut arena = Vec::new();
        let mut packed = Vec::new();
        {
            let mut p = Packer::new(&data, &mut arena);
            for e in &events {
                packed.push(pack(e, &mut p));
            }
        }
        // Fields of the piece are not copied.
        assert!(arena.len() < 3 * 11 + 3 * 8 + 8 + 4, "{}", arena.len());
        let u = Unpacker {
            data: &data,
            arena: &arena,
        };
        for (k, e) in packed.iter().zip(&events) {
            assert_eq!(&unpack(k, u), e);
        }
        // The compact form is what it is for.
        assert!(std::mem::size_of::<PackedObs>() <= 104);
    }
}
