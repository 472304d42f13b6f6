//! The Linux audit log (`/var/log/audit/audit.log` and its rotations `audit.log.1` ..
//! `.N`), read as evidence beside the syslog files.
//!
//! auditd runs by default on rpm hosts (RHEL, CentOS, Rocky, Alma, Alibaba Cloud Linux): its
//! log holds the logins, authentications, account changes, sudo commands and service starts
//! and stops that also reach `secure`, in a machine format that is often forgotten when
//! `secure` is emptied. Each record is mapped to the **same typed events** as the syslog
//! lines ([`EventKind`]), so brute force, login after failures, new accounts, sudo commands
//! and the timeline work from `audit.log` alone; a few kinds exist only here
//! ([`EventKind::Service`], [`EventKind::AuditTamper`], [`EventKind::Promiscuous`],
//! [`EventKind::SystemPower`], [`EventKind::AuditCommand`]).
//!
//! ## Format
//!
//! One record a line (auditd's `log_format = RAW` or `ENRICHED`, RHEL 8+'s default):
//!
//! ```text
//! [node=NAME ]type=TYPE msg=audit(EPOCH.MMM:SERIAL): field=value ... [\x1dNAME="interpreted" ...]
//! ```
//!
//! Records of one event share `EPOCH.MMM:SERIAL` (a `SYSCALL` with its `EXECVE`, `CWD`,
//! `PATH`, `PROCTITLE`, ended by `EOE`). User-space records (`USER_AUTH`, `USER_LOGIN`, ...)
//! carry their own fields in a quoted `msg='op=... acct=... exe=... hostname=... addr=...
//! terminal=... res=success|failed'`. A value is plain (`pid=1234`), double-quoted
//! (`acct="root"`), or, for fields that may hold spaces or any byte (`acct`, `cmd`, `exe`,
//! `comm`, `cwd`, `proctitle`, `key`, `name`, `a0`..), **hex-encoded**: an unquoted even-length
//! string of hex digits (`acct=28696E76616C6964207573657229` is `(invalid user)`); `?` and
//! `(null)` mean no value. The decoded bytes are kept exactly ([`Record::value`]). With
//! `ENRICHED`, a `\x1d` (group separator) is followed by auditd's interpretations of ids
//! (`UID="root" AUID="alice" ID="bob"`, [`Record::interpreted`]): user names are taken from
//! there when present, else the numbers are kept as they are. `node=` prefixes (logs
//! aggregated from several hosts) are read and ignored for the detections.
//!
//! ## What each record becomes
//!
//! | record | event |
//! |---|---|
//! | `USER_AUTH` from sshd, `op=PAM:authentication res=failed` | [`EventKind::SshPamFailure`]: a failed password guess (sshd's `Failed ...` record for the same guess, `op=challenge-response`, is the same guess in the same sshd session) |
//! | `USER_AUTH` from sshd, `op=pubkey` / `hostbased` failed, `maxtries exceeded`, `root denied`, `nologin`, `password` (no PAM) | `SshFailed` (publickey / hostbased / password), `SshMaxAuthAttempts`, `SshRootRefused`, `SshUserNotAllowed` |
//! | `USER_AUTH` from sshd, `res=success` (PAM or `pubkey_auth`) | [`EventKind::SshAccepted`] (`USER_LOGIN res=success` of the same sshd process is the same login; it is the login when no `USER_AUTH` success came first) |
//! | `USER_LOGIN` from sshd, `res=failed`, `acct="(invalid user)"` | `SshInvalidUser` (a probe; the password guess that follows in the session makes it a failure) |
//! | `USER_AUTH` failed from `su`, `sudo`, other services | `Su` (failed), `SudoFailure`, `PamAuthFailure` (with the address as `rhost`) |
//! | `USER_ACCT` failed from sshd / `USER_ERR` from sshd | `SshUserNotAllowed` / `SshScan` |
//! | `USER_START` / `USER_END` | `PamSession` (service: the program's base name; `by`: the audit user for `su`) |
//! | `LOGIN` (login uid set: a session opens; not for crond) | `LogindSession` (the audit session id and user) |
//! | `ADD_USER`, `DEL_USER`, `ADD_GROUP` | `UserAdded` (uid from `id=`), `UserDeleted`, `GroupAdded` |
//! | `USER_MGMT`, `GRP_MGMT` | `GroupMember` when a group (`grp=`) is named by an add/delete operation, else `UserModified` |
//! | `USER_CHAUTHTOK` (success) | `PasswordChanged` (by the audit user) |
//! | `USER_CMD` (sudo) | `Sudo` (user: the audit user; `cwd`, decoded `cmd`, `terminal`); refused: `SudoNotInSudoers` |
//! | `SERVICE_START` / `SERVICE_STOP` | [`EventKind::Service`]: a stop of a security or logging agent (the one list, [`ferret_core::command::is_security_agent`]) not followed by the system's shutdown within [`SHUTDOWN_GRACE_SECS`] is `logs.security-agent-stopped` |
//! | `CONFIG_CHANGE` with `audit_enabled=0`, or `op=remove_rule` by a logged-in user; `DAEMON_ABORT`; `DAEMON_END` sent by a logged-in user | [`EventKind::AuditTamper`] (`logs.audit-tampering`, T1562.012) |
//! | `ANOM_PROMISCUOUS` | [`EventKind::Promiscuous`] (`logs.promiscuous`, T1040, when switched on) |
//! | `ANOM_ABEND` | `Segfault` |
//! | `SYSTEM_BOOT` / `SYSTEM_SHUTDOWN` | [`EventKind::SystemPower`] |
//! | `SYSCALL` with a rule key (`key="..."`), with its `EXECVE` / `PROCTITLE` | [`EventKind::AuditCommand`] for the timeline: the first [`COMMANDS_PER_KEY`] of each key and program, the rest counted in `events` only |
//!
//! Every other record (`CRED_ACQ`, `USER_ROLE_CHANGE`, `CRYPTO_KEY_USER`, `AVC`, `BPF`, ...)
//! is read and counted as a record without an event. A line that is not an audit record
//! (no `type=`, no `msg=audit(EPOCH:SERIAL):`) is counted as unparsed and kept as a sample
//! with its file and line, as any unparsed log line is.
//!
//! ## One attack, reported once
//!
//! The same ssh failure, login, `useradd` or sudo command is written both to `secure` /
//! `auth.log` (or the journal) and to `audit.log`. The analysis reads audit files after the
//! others and drops an audit event when an event of the same class about the same subject
//! (the source address of an attempt or login, the account created, the sudo command, ...)
//! was read from a text log or journal within [`DEDUP_SECS`] seconds: `FileSummary::duplicates`
//! counts them. What only `audit.log` holds (an emptied `secure`, lines cut out of it) is
//! counted. The table of text events is kept only when audit files are among the inputs, and
//! holds at most [`DEDUP_MAX`] entries (past that, later text events are not remembered and
//! their audit twins are counted again).

use std::borrow::Cow;
use std::collections::HashMap;

use crate::event::EventKind;
use crate::time::LogTime;

/// Seconds within which a text log's event and an audit record of the same class and subject
/// are the same event (syslog stamps whole seconds, and PAM's fail delay sits between a
/// `pam_unix` line and the audit record).
pub const DEDUP_SECS: i64 = 2;
/// Text events remembered for de-duplication at most.
pub const DEDUP_MAX: usize = 1 << 20;
/// Keyed commands (`SYSCALL` with a rule key) put in the timeline per key and program.
pub const COMMANDS_PER_KEY: u32 = 5;
/// Seconds after a security agent's `SERVICE_STOP` within which a `SYSTEM_SHUTDOWN` makes the
/// stop part of a shutdown, not an attack.
pub const SHUTDOWN_GRACE_SECS: i64 = 300;

/// Whether the head of a file (its first bytes) is an audit log: its first line starts with
/// `type=` (or `node=NAME type=`) and holds `msg=audit(`.
pub fn is_audit(head: &[u8]) -> bool {
    let head = head.trim_ascii_start();
    let line = head.split(|&c| c == b'\n').next().unwrap_or_default();
    let rest = strip_node(line);
    rest.starts_with(b"type=") && find(line, b" msg=audit(").is_some()
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    memchr::memmem::find(h, n)
}

/// The line after a `node=NAME ` prefix, or the line.
fn strip_node(line: &[u8]) -> &[u8] {
    match line.strip_prefix(b"node=") {
        Some(r) => match memchr::memchr(b' ', r) {
            Some(sp) => r.get(sp + 1..).unwrap_or_default(),
            None => r,
        },
        None => line,
    }
}

/// One audit record, borrowed from its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Record<'a> {
    /// The `node=` name, when the log was aggregated.
    pub node: Option<&'a [u8]>,
    /// The record type (`USER_AUTH`, `SYSCALL`, `UNKNOWN[1334]`, ...).
    pub kind: &'a [u8],
    /// The event's time (microseconds, from `EPOCH.MMM`).
    pub time: LogTime,
    /// The event's serial number (records of one event share time and serial).
    pub serial: u64,
    /// The fields after `msg=audit(...): `, raw.
    pub fields: &'a [u8],
    /// The interpreted fields after the `\x1d` separator (`ENRICHED` format), raw.
    pub enriched: Option<&'a [u8]>,
}

/// Why a line is not an audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// No `type=` field where a record starts.
    NoType,
    /// No `msg=audit(EPOCH.MMM:SERIAL):` header after the type.
    NoHeader,
    /// The header's time or serial is not a number.
    BadStamp,
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Malformed::NoType => "not an audit record: no type= field",
            Malformed::NoHeader => "audit record without its msg=audit(EPOCH:SERIAL): header",
            Malformed::BadStamp => "audit record whose time or serial is not a number",
        })
    }
}

/// Parses one line (without its newline) as an audit record.
pub fn parse_record(line: &[u8]) -> Result<Record<'_>, Malformed> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (node, rest) = match line.strip_prefix(b"node=") {
        Some(r) => {
            let sp = memchr::memchr(b' ', r).ok_or(Malformed::NoType)?;
            (r.get(..sp), r.get(sp + 1..).unwrap_or_default())
        }
        None => (None, line),
    };
    let rest = rest.strip_prefix(b"type=").ok_or(Malformed::NoType)?;
    let sp = memchr::memchr(b' ', rest).ok_or(Malformed::NoHeader)?;
    let kind = rest.get(..sp).unwrap_or_default();
    if kind.is_empty() {
        return Err(Malformed::NoType);
    }
    let rest = rest.get(sp + 1..).unwrap_or_default();
    let rest = rest
        .strip_prefix(b"msg=audit(")
        .ok_or(Malformed::NoHeader)?;
    let close = memchr::memchr(b')', rest).ok_or(Malformed::NoHeader)?;
    let stamp = rest.get(..close).unwrap_or_default();
    let rest = rest.get(close + 1..).unwrap_or_default();
    let rest = rest.strip_prefix(b":").ok_or(Malformed::NoHeader)?;
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let colon = memchr::memchr(b':', stamp).ok_or(Malformed::BadStamp)?;
    let (when, serial) = (
        stamp.get(..colon).unwrap_or_default(),
        stamp.get(colon + 1..).unwrap_or_default(),
    );
    let serial = digits_u64(serial).ok_or(Malformed::BadStamp)?;
    let (secs, frac) = match memchr::memchr(b'.', when) {
        Some(d) => (
            when.get(..d).unwrap_or_default(),
            when.get(d + 1..).unwrap_or_default(),
        ),
        None => (when, &b""[..]),
    };
    let secs = i64::try_from(digits_u64(secs).ok_or(Malformed::BadStamp)?)
        .map_err(|_| Malformed::BadStamp)?;
    // Milliseconds (auditd writes three digits); more digits are read as a fraction.
    let mut micros = 0i64;
    let mut scale = 100_000i64;
    for &c in frac {
        if !c.is_ascii_digit() {
            return Err(Malformed::BadStamp);
        }
        micros += i64::from(c - b'0') * scale;
        scale /= 10;
    }
    let time = LogTime(secs.checked_mul(1_000_000).ok_or(Malformed::BadStamp)? + micros);
    let (fields, enriched) = match memchr::memchr(0x1d, rest) {
        Some(gs) => (rest.get(..gs).unwrap_or_default(), rest.get(gs + 1..)),
        None => (rest, None),
    };
    Ok(Record {
        node,
        kind,
        time,
        serial,
        fields,
        enriched,
    })
}

fn digits_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// The `key=value` fields of a record's text, in order: the key and the raw value (quotes
/// kept). Words without `=` (AVC's `avc:  denied  { read } for`) are skipped.
pub fn fields(text: &[u8]) -> Fields<'_> {
    Fields { text, at: 0 }
}

/// Iterator of [`fields`].
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = self.text.get(self.at..)?;
            let skip = rest.iter().take_while(|c| **c == b' ').count();
            let rest = rest.get(skip..)?;
            if rest.is_empty() {
                self.at = self.text.len();
                return None;
            }
            let start = self.at + skip;
            // The key runs to `=`, unless a space comes first (a word without a value).
            let key_end = rest.iter().position(|c| *c == b'=' || *c == b' ');
            match key_end.and_then(|k| rest.get(k).map(|c| (k, *c))) {
                Some((k, b'=')) => {
                    let key = rest.get(..k).unwrap_or_default();
                    let v = rest.get(k + 1..).unwrap_or_default();
                    let len = match v.first() {
                        Some(&q @ (b'\'' | b'"')) => v
                            .get(1..)
                            .and_then(|t| memchr::memchr(q, t))
                            .map_or(v.len(), |e| e + 2),
                        _ => memchr::memchr(b' ', v).unwrap_or(v.len()),
                    };
                    let value = v.get(..len).unwrap_or_default();
                    self.at = start + k + 1 + len;
                    return Some((key, value));
                }
                Some((k, _)) => self.at = start + k + 1,
                None => {
                    self.at = self.text.len();
                    return None;
                }
            }
        }
    }
}

/// Whether a field's unquoted value is hex-encoded text (auparse's escaped fields: names,
/// paths, commands, keys and `execve` arguments).
fn hex_field(name: &[u8]) -> bool {
    matches!(
        name,
        b"acct"
            | b"cmd"
            | b"comm"
            | b"cwd"
            | b"exe"
            | b"name"
            | b"path"
            | b"proctitle"
            | b"key"
            | b"data"
            | b"grp"
            | b"new_group"
            | b"old-chardev"
            | b"new-chardev"
            | b"old-disk"
            | b"new-disk"
            | b"vm"
            | b"watch"
            | b"ocomm"
            | b"root_dir"
            | b"sw"
    ) || (name.first() == Some(&b'a')
        && name.len() > 1
        && name.get(1..).is_some_and(|r| {
            r.iter()
                .all(|c| c.is_ascii_digit() || matches!(c, b'[' | b']'))
        }))
}

/// The value of field `name` as written `raw`: double quotes removed, hex decoded for the
/// fields that are hex-encoded when unquoted, `None` for `?`, `(null)`, `(none)` and an empty
/// value. Bytes stay bytes.
pub fn decode<'a>(name: &[u8], raw: &'a [u8]) -> Option<Cow<'a, [u8]>> {
    if let Some(q) = raw.strip_prefix(b"\"") {
        return Some(Cow::Borrowed(q.strip_suffix(b"\"").unwrap_or(q)));
    }
    if let Some(q) = raw.strip_prefix(b"'") {
        return Some(Cow::Borrowed(q.strip_suffix(b"'").unwrap_or(q)));
    }
    if matches!(raw, b"" | b"?" | b"(null)" | b"(none)") {
        return None;
    }
    if hex_field(name) {
        if let Some(d) = ferret_core::hex::decode(raw) {
            return Some(Cow::Owned(d));
        }
    }
    Some(Cow::Borrowed(raw))
}

impl<'a> Record<'a> {
    /// The raw value of field `name`: among the record's own fields first, then inside the
    /// user-space message (`msg='...'`).
    pub fn raw(&self, name: &[u8]) -> Option<&'a [u8]> {
        let mut inner = None;
        for (k, v) in fields(self.fields) {
            if k == name {
                return Some(v);
            }
            if k == b"msg" && v.starts_with(b"'") {
                inner = Some(v);
            }
        }
        let v = inner?;
        let v = v.get(1..).unwrap_or_default();
        let v = v.strip_suffix(b"'").unwrap_or(v);
        fields(v).find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// The raw values of `a0` ... `a{argc-1}` (`EXECVE`), each as [`Record::raw`] gives it,
    /// in one pass over the fields (and one over the inner message when one is missing).
    fn args(&self, argc: u32) -> Vec<Option<&'a [u8]>> {
        let n = argc as usize;
        let mut out: Vec<Option<&'a [u8]>> = vec![None; n];
        let mut inner = None;
        for (k, v) in fields(self.fields) {
            if let Some(slot) = arg_index(k).and_then(|i| out.get_mut(i)) {
                slot.get_or_insert(v);
            }
            if k == b"msg" && v.starts_with(b"'") {
                inner = Some(v);
            }
        }
        if let Some(v) = inner.filter(|_| out.iter().any(Option::is_none)) {
            let v = v.get(1..).unwrap_or_default();
            let v = v.strip_suffix(b"'").unwrap_or(v);
            let mut from_msg: Vec<Option<&'a [u8]>> = vec![None; n];
            for (k, v) in fields(v) {
                if let Some(slot) = arg_index(k).and_then(|i| from_msg.get_mut(i)) {
                    slot.get_or_insert(v);
                }
            }
            for (slot, m) in out.iter_mut().zip(from_msg) {
                if slot.is_none() {
                    *slot = m;
                }
            }
        }
        out
    }

    /// The decoded value of field `name` (see [`decode`]).
    pub fn value(&self, name: &[u8]) -> Option<Cow<'a, [u8]>> {
        decode(name, self.raw(name)?)
    }

    /// The interpreted value auditd's `ENRICHED` format appended for `NAME` (`UID`, `AUID`,
    /// `ID`, ...), quotes removed.
    pub fn interpreted(&self, name: &[u8]) -> Option<&'a [u8]> {
        let (_, v) = fields(self.enriched?).find(|(k, _)| *k == name)?;
        let v = v.strip_prefix(b"\"").unwrap_or(v);
        Some(v.strip_suffix(b"\"").unwrap_or(v))
    }

    /// A user given by id field `field` (`auid`, `uid`, `id`): the name the enriched format
    /// gives (`AUID="alice"`), else the number as written; `None` when unset (`4294967295`,
    /// `-1`, `unset`).
    pub fn user(&self, field: &[u8]) -> Option<Cow<'a, [u8]>> {
        let raw = self.raw(field)?;
        if matches!(raw, b"4294967295" | b"-1" | b"unset" | b"?" | b"") {
            return None;
        }
        let upper = field.to_ascii_uppercase();
        if let Some(n) = self
            .interpreted(&upper)
            .filter(|n| !n.is_empty() && *n != b"unset")
        {
            return Some(Cow::Borrowed(n));
        }
        Some(Cow::Borrowed(raw))
    }

    /// Whether the record says `res=success` / `res=1` / `res=yes`.
    pub fn success(&self) -> Option<bool> {
        match self.raw(b"res")? {
            b"success" | b"1" | b"yes" => Some(true),
            b"failed" | b"0" | b"no" | b"fail" => Some(false),
            _ => None,
        }
    }

    /// The process id of the record (`pid=`).
    pub fn pid(&self) -> Option<u32> {
        self.raw(b"pid")
            .and_then(|p| std::str::from_utf8(p).ok()?.parse().ok())
    }
}

/// `i` of a field named `a{i}` (decimal, as `format!` writes it: no leading zero).
fn arg_index(key: &[u8]) -> Option<usize> {
    let d = key.strip_prefix(b"a")?;
    if d.is_empty() || d.len() > 4 || (d.len() > 1 && d.first() == Some(&b'0')) {
        return None;
    }
    d.iter().try_fold(0usize, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + usize::from(c - b'0'))
    })
}

fn basename(b: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', b) {
        Some(i) => b.get(i + 1..).unwrap_or_default(),
        None => b,
    }
}

fn is_sshd_exe(exe: Option<&[u8]>) -> bool {
    exe.is_some_and(|e| matches!(basename(e), b"sshd" | b"sshd-session" | b"sshd-auth"))
}

fn owned(c: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(c.into_owned())
}

fn lit(b: &'static [u8]) -> Cow<'static, [u8]> {
    Cow::Borrowed(b)
}

/// An event mapped from one or more records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    /// 1-based line of the record the event is at.
    pub(crate) line: u64,
    pub(crate) time: LogTime,
    pub(crate) pid: Option<u32>,
    /// An sshd process: its pid is an sshd session for the detector.
    pub(crate) sshd: bool,
    pub(crate) event: EventKind<'static>,
}

/// What one sshd (or other) process did last, for the records that repeat one another.
#[derive(Debug, Clone, Copy, Default)]
struct PidState {
    /// An authentication failure since its last `USER_LOGIN`.
    failed: bool,
    /// A login accepted (from `USER_AUTH` success) not yet followed by its `USER_LOGIN`.
    accepted: bool,
    /// Its last `USER_ACCT` / `CRED_ACQ` was crond's.
    cron: bool,
}

/// A keyed `SYSCALL` event being gathered (its `EXECVE` / `PROCTITLE` follow).
#[derive(Debug, Clone, Default)]
struct Exec {
    serial: u64,
    time: i64,
    line: u64,
    pid: Option<u32>,
    key: Vec<u8>,
    user: Option<Vec<u8>>,
    exe: Option<Vec<u8>>,
    argv: Vec<u8>,
    title: Option<Vec<u8>>,
}

const MAX_PIDS: usize = 4096;
const MAX_KEYS: usize = 4096;
/// Bytes of a keyed command kept.
const MAX_COMMAND: usize = 4096;

/// Maps records to events, one file at a time (state: the records of one process that repeat
/// one another, the keyed syscall being gathered, the keyed commands counted).
#[derive(Debug, Default)]
pub(crate) struct Mapper {
    pids: HashMap<u32, PidState>,
    exec: Option<Exec>,
    per_key: HashMap<Vec<u8>, u32>,
}

impl Mapper {
    fn pid_state(&mut self, pid: Option<u32>) -> Option<&mut PidState> {
        let p = pid?;
        if self.pids.len() >= MAX_PIDS && !self.pids.contains_key(&p) {
            self.pids.clear();
        }
        Some(self.pids.entry(p).or_default())
    }

    /// The events of one record at `line` (at most two: a finished keyed command and the
    /// record's own), pushed to `out`.
    pub(crate) fn record(&mut self, rec: &Record<'_>, line: u64, out: &mut Vec<Mapped>) {
        // A keyed syscall's records end at another serial or at EOE.
        if let Some(x) = &self.exec {
            if x.serial != rec.serial || x.time != rec.time.0 || rec.kind == b"EOE" {
                self.flush(out);
            }
        }
        let pid = rec.pid();
        let mk = |event: EventKind<'static>, sshd: bool| Mapped {
            line,
            time: rec.time,
            pid,
            sshd,
            event,
        };
        if let Some(ev) = self.map(rec, line) {
            let sshd = is_sshd_exe(rec.value(b"exe").as_deref());
            out.push(mk(ev, sshd));
        }
    }

    /// The pending keyed command, if any (at a serial change and at the end of a file).
    pub(crate) fn flush(&mut self, out: &mut Vec<Mapped>) {
        let Some(x) = self.exec.take() else { return };
        let mut k = x.key.clone();
        k.push(0);
        k.extend_from_slice(x.exe.as_deref().unwrap_or_default());
        if self.per_key.len() >= MAX_KEYS && !self.per_key.contains_key(&k) {
            return;
        }
        let n = self.per_key.entry(k).or_insert(0);
        *n = n.saturating_add(1);
        if *n > COMMANDS_PER_KEY {
            return;
        }
        let mut command = if x.argv.is_empty() {
            x.title.unwrap_or_default()
        } else {
            x.argv
        };
        command.truncate(MAX_COMMAND);
        out.push(Mapped {
            line: x.line,
            time: LogTime(x.time),
            pid: x.pid,
            sshd: false,
            event: EventKind::AuditCommand {
                key: Cow::Owned(x.key),
                user: x.user.map(Cow::Owned),
                exe: x.exe.map(Cow::Owned),
                command: Cow::Owned(command),
            },
        });
    }

    fn exec_part(&mut self, rec: &Record<'_>) {
        let Some(x) = self.exec.as_mut() else { return };
        if x.serial != rec.serial {
            return;
        }
        match rec.kind {
            b"EXECVE" => {
                let argc = rec
                    .raw(b"argc")
                    .and_then(|a| std::str::from_utf8(a).ok()?.parse::<u32>().ok())
                    .unwrap_or(0)
                    .min(1024);
                // Every argument in one pass over the fields (a lookup per argument would
                // be quadratic in the record's length).
                for (i, raw) in rec.args(argc).into_iter().enumerate() {
                    let Some(a) = raw.and_then(|raw| decode(format!("a{i}").as_bytes(), raw))
                    else {
                        continue;
                    };
                    if x.argv.len() >= MAX_COMMAND {
                        break;
                    }
                    if !x.argv.is_empty() {
                        x.argv.push(b' ');
                    }
                    x.argv.extend_from_slice(&a);
                }
            }
            b"PROCTITLE" => {
                if let Some(t) = rec.value(b"proctitle") {
                    // argv is NUL-separated.
                    let t: Vec<u8> = t.iter().map(|&c| if c == 0 { b' ' } else { c }).collect();
                    x.title = Some(t);
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_lines)]
    fn map(&mut self, rec: &Record<'_>, line: u64) -> Option<EventKind<'static>> {
        use EventKind as E;
        let exe = rec.value(b"exe");
        let sshd = is_sshd_exe(exe.as_deref());
        let acct = || rec.value(b"acct").or_else(|| rec.user(b"id")).map(owned);
        // The peer as the syslog parsers give it (zone id dropped, mapped IPv4 unwrapped).
        let norm = |name: &[u8]| -> Option<Cow<'static, [u8]>> {
            let v = rec.value(name)?;
            crate::event::addr(&v).map(|a| Cow::Owned(a.to_vec()))
        };
        let addr = || norm(b"addr").or_else(|| norm(b"hostname"));
        let ok = rec.success();
        let pid = rec.pid();
        match rec.kind {
            b"SYSCALL" => {
                if let Some(key) = rec.value(b"key") {
                    self.exec = Some(Exec {
                        serial: rec.serial,
                        time: rec.time.0,
                        line,
                        pid,
                        key: key.into_owned(),
                        user: rec
                            .user(b"auid")
                            .or_else(|| rec.user(b"uid"))
                            .map(Cow::into_owned),
                        exe: exe.map(Cow::into_owned),
                        argv: Vec::new(),
                        title: None,
                    });
                }
                None
            }
            b"EXECVE" | b"PROCTITLE" => {
                self.exec_part(rec);
                None
            }
            b"USER_AUTH" if sshd => {
                let op = rec.value(b"op").unwrap_or_default();
                let user = acct().unwrap_or(lit(b"?"));
                if ok == Some(true) {
                    let method: &'static [u8] = if op.starts_with(b"PAM:") {
                        b"password"
                    } else if op.starts_with(b"pubkey") {
                        b"publickey"
                    } else if op.starts_with(b"hostbased") {
                        b"hostbased"
                    } else if op.starts_with(b"gssapi") {
                        b"gssapi-with-mic"
                    } else {
                        return None;
                    };
                    let ip = addr()?;
                    let st = self.pid_state(pid)?;
                    st.accepted = true;
                    st.failed = false;
                    return Some(E::SshAccepted {
                        method: lit(method),
                        user,
                        ip,
                        port: None,
                        key: None,
                    });
                }
                let ip = addr()?;
                let invalid = matches!(
                    &*user,
                    b"?" | b"(invalid user)" | b"(unknown user)" | b"(unknown)"
                );
                if let Some(st) = self.pid_state(pid) {
                    st.failed = true;
                }
                let failed = |method: &'static [u8]| E::SshFailed {
                    method: lit(method),
                    user: user.clone(),
                    invalid_user: invalid,
                    ip: ip.clone(),
                    port: None,
                };
                Some(match &*op {
                    o if o.starts_with(b"PAM:") => E::SshPamFailure {
                        user: user.clone(),
                        ip: ip.clone(),
                    },
                    b"password" => failed(b"password"),
                    b"challenge-response" => failed(b"keyboard-interactive"),
                    b"pubkey" => failed(b"publickey"),
                    b"hostbased" => failed(b"hostbased"),
                    b"gssapi" => failed(b"gssapi-with-mic"),
                    b"none" => failed(b"none"),
                    b"maxtries exceeded" => E::SshMaxAuthAttempts {
                        user: user.clone(),
                        ip: Some(ip.clone()),
                        port: None,
                    },
                    b"root denied" => E::SshRootRefused { ip: ip.clone() },
                    b"nologin" => E::SshUserNotAllowed {
                        user: user.clone(),
                        ip: Some(ip.clone()),
                        reason: lit(b"nologin"),
                    },
                    // `pubkey_auth` is the key's own check; sshd's `pubkey` record follows.
                    _ => return None,
                })
            }
            b"USER_LOGIN" if sshd => {
                let user = acct();
                let st = pid
                    .and_then(|p| self.pids.get(&p).copied())
                    .unwrap_or_default();
                if let Some(s) = self.pid_state(pid) {
                    s.failed = false;
                    s.accepted = false;
                }
                let ip = addr()?;
                match ok {
                    Some(true) if !st.accepted => Some(E::SshAccepted {
                        method: lit(b"audit"),
                        user: user.unwrap_or(lit(b"?")),
                        ip,
                        port: None,
                        key: None,
                    }),
                    Some(false) => {
                        let user = user.unwrap_or(lit(b"?"));
                        if matches!(
                            &*user,
                            b"(invalid user)" | b"(unknown user)" | b"(unknown)" | b"?"
                        ) {
                            // The lookup of an unknown name (sshd's `Invalid user`).
                            Some(E::SshInvalidUser {
                                user,
                                ip: Some(ip),
                                port: None,
                            })
                        } else if st.failed {
                            // The login failure of an authentication failure reported already.
                            None
                        } else {
                            Some(E::SshFailed {
                                method: lit(b"login"),
                                user,
                                invalid_user: false,
                                ip,
                                port: None,
                            })
                        }
                    }
                    _ => None,
                }
            }
            b"USER_AUTH" if ok == Some(false) => {
                let prog = exe.as_deref().map(basename).unwrap_or_default();
                let user = acct();
                let by = rec.user(b"auid").map(owned);
                match prog {
                    b"su" => Some(E::Su {
                        success: false,
                        user: by,
                        target: user,
                    }),
                    b"sudo" => Some(E::SudoFailure {
                        user: user.or(by)?,
                        attempts: 1,
                        command: None,
                    }),
                    _ => Some(E::PamAuthFailure {
                        service: Cow::Owned(prog.to_vec()),
                        user,
                        ruser: None,
                        rhost: addr(),
                    }),
                }
            }
            b"USER_ACCT" | b"CRED_ACQ" => {
                let cron = exe.as_deref().map(basename) == Some(b"crond")
                    || exe.as_deref().map(basename) == Some(b"cron");
                if let Some(s) = self.pid_state(pid) {
                    s.cron = cron;
                }
                if rec.kind == b"USER_ACCT" && sshd && ok == Some(false) {
                    return Some(E::SshUserNotAllowed {
                        user: acct().unwrap_or(lit(b"?")),
                        ip: addr(),
                        reason: owned(rec.value(b"op").unwrap_or(Cow::Borrowed(b"PAM:accounting"))),
                    });
                }
                None
            }
            b"USER_ERR" if sshd => Some(E::SshScan {
                ip: Some(addr()?),
                what: owned(rec.value(b"op").unwrap_or(Cow::Borrowed(b"USER_ERR"))),
            }),
            b"USER_START" | b"USER_END" => {
                let service = exe.as_deref().map_or(&b"?"[..], basename);
                let opened = rec.kind == b"USER_START";
                let by = if service == b"su" {
                    rec.user(b"auid").map(owned)
                } else {
                    None
                };
                Some(E::PamSession {
                    service: Cow::Owned(service.to_vec()),
                    opened,
                    user: acct()?,
                    by,
                })
            }
            b"LOGIN" => {
                if self.pid_state(pid).is_some_and(|s| s.cron) || ok == Some(false) {
                    return None;
                }
                let session = rec.value(b"ses").filter(|s| &**s != b"4294967295")?;
                Some(E::LogindSession {
                    new: true,
                    session: owned(session),
                    user: rec.user(b"auid").map(owned),
                })
            }
            b"ADD_USER" if ok != Some(false) => Some(E::UserAdded {
                name: rec
                    .value(b"acct")
                    .or_else(|| rec.interpreted(b"ID").map(Cow::Borrowed))
                    .or_else(|| rec.user(b"id"))
                    .map(owned)?,
                uid: rec
                    .raw(b"id")
                    .and_then(|i| std::str::from_utf8(i).ok()?.parse().ok()),
                gid: None,
                home: None,
                shell: None,
            }),
            b"DEL_USER" if ok != Some(false) => Some(E::UserDeleted {
                name: rec
                    .value(b"acct")
                    .or_else(|| rec.interpreted(b"ID").map(Cow::Borrowed))
                    .or_else(|| rec.user(b"id"))
                    .map(owned)?,
            }),
            b"ADD_GROUP" if ok != Some(false) => Some(E::GroupAdded {
                name: rec
                    .value(b"grp")
                    .or_else(|| rec.value(b"acct"))
                    .or_else(|| rec.interpreted(b"ID").map(Cow::Borrowed))
                    .or_else(|| rec.user(b"id"))
                    .map(owned)?,
                gid: rec
                    .raw(b"id")
                    .and_then(|i| std::str::from_utf8(i).ok()?.parse().ok()),
            }),
            b"USER_MGMT" | b"GRP_MGMT" if ok != Some(false) => {
                let op = rec.value(b"op").unwrap_or_default();
                let user = rec
                    .value(b"acct")
                    .or_else(|| rec.interpreted(b"ID").map(Cow::Borrowed))
                    .or_else(|| rec.user(b"id"))
                    .map(owned)?;
                let lower = op.to_ascii_lowercase();
                let group = rec.value(b"grp");
                match group {
                    Some(g) if find(&lower, b"group").is_some() => {
                        let removed =
                            find(&lower, b"delete").is_some() || find(&lower, b"remov").is_some();
                        Some(E::GroupMember {
                            user,
                            group: owned(g),
                            added: !removed,
                        })
                    }
                    _ => Some(E::UserModified {
                        name: user,
                        change: owned(op),
                    }),
                }
            }
            b"USER_CHAUTHTOK" if ok == Some(true) => Some(E::PasswordChanged {
                user: acct()?,
                by: rec
                    .user(b"auid")
                    .or_else(|| rec.user(b"uid"))
                    .map_or(lit(b"?"), owned),
            }),
            b"USER_CMD" => {
                let user = rec
                    .user(b"auid")
                    .or_else(|| rec.user(b"uid"))
                    .map_or(lit(b"?"), owned);
                let command = rec.value(b"cmd").map(owned);
                if ok == Some(false) {
                    Some(E::SudoNotInSudoers {
                        user,
                        runas: None,
                        command,
                    })
                } else {
                    Some(E::Sudo {
                        user,
                        tty: rec.value(b"terminal").map(owned),
                        pwd: rec.value(b"cwd").map(owned),
                        runas: None,
                        command,
                    })
                }
            }
            b"SERVICE_START" | b"SERVICE_STOP" => Some(E::Service {
                unit: owned(rec.value(b"unit")?),
                started: rec.kind == b"SERVICE_START",
                success: ok != Some(false),
            }),
            b"CONFIG_CHANGE" => {
                let user = rec.user(b"auid").map(owned);
                if rec.raw(b"audit_enabled") == Some(b"0") {
                    return Some(E::AuditTamper {
                        what: lit(b"auditing disabled (audit_enabled=0)"),
                        user,
                    });
                }
                let op = rec.value(b"op").unwrap_or_default();
                if &*op == b"remove_rule" && user.is_some() && ok != Some(false) {
                    let mut what = b"audit rule removed".to_vec();
                    if let Some(k) = rec.value(b"key") {
                        what.extend_from_slice(b" (key ");
                        what.extend_from_slice(&k);
                        what.push(b')');
                    }
                    return Some(E::AuditTamper {
                        what: Cow::Owned(what),
                        user,
                    });
                }
                None
            }
            b"DAEMON_ABORT" => Some(E::AuditTamper {
                what: lit(b"auditd aborted"),
                user: rec.user(b"auid").map(owned),
            }),
            b"DAEMON_END" => {
                let user = rec.user(b"auid").map(owned)?;
                Some(E::AuditTamper {
                    what: lit(b"auditd stopped by a logged-in user"),
                    user: Some(user),
                })
            }
            b"ANOM_PROMISCUOUS" => Some(E::Promiscuous {
                device: owned(rec.value(b"dev")?),
                on: rec.raw(b"prom").is_some_and(|p| p != b"0"),
                user: rec.user(b"auid").or_else(|| rec.user(b"uid")).map(owned),
            }),
            b"ANOM_ABEND" => Some(E::Segfault {
                program: rec
                    .value(b"comm")
                    .or_else(|| rec.value(b"exe"))
                    .map_or(lit(b"?"), owned),
                pid,
            }),
            b"SYSTEM_BOOT" => Some(E::SystemPower { boot: true }),
            b"SYSTEM_SHUTDOWN" => Some(E::SystemPower { boot: false }),
            _ => None,
        }
    }
}

/// Reads one audit log into the analysis (the `Input::Root` / `Input::Reader` path once the
/// content was recognised by [`is_audit`]).
pub(crate) fn run<R: std::io::Read>(
    acc: &mut crate::analyze::Acc<'_>,
    path: &[u8],
    reader: R,
    control: &ferret_core::Control,
    summary: &mut crate::FileSummary,
) -> Result<(), std::io::Error> {
    summary.audit = true;
    let mut lr = crate::analyze::LineReader::new(reader, acc.opts.max_line);
    let mut mapper = Mapper::default();
    let mut out = Vec::new();
    let mut charged = 0u64;
    let dup0 = acc.det.duplicates;
    let mut malformed: Option<(u64, Malformed)> = None;
    let mut bad = 0u64;
    let r = loop {
        let line = match lr.next_line() {
            None => break Ok(()),
            Some(Err(e)) => break Err(e),
            Some(Ok(l)) => l,
        };
        summary.lines += 1;
        charged += line.text.len() as u64 + 1;
        if charged >= 1 << 20 {
            if !control.charge(charged) {
                break Err(std::io::Error::other("cancelled"));
            }
            charged = 0;
        }
        if let Some(len) = line.truncated_from {
            summary.long_lines += 1;
            acc.det.long_line(line.number, len);
        }
        if line.text.trim_ascii().is_empty() {
            summary.unrecognized += 1;
            continue;
        }
        match parse_record(line.text) {
            Err(why) => {
                summary.unparsed += 1;
                bad += 1;
                malformed.get_or_insert((line.number, why));
                let t = line.text.to_vec();
                acc.sample(path, line.number, &t);
            }
            Ok(rec) => {
                mapper.record(&rec, line.number, &mut out);
                if out.is_empty() {
                    summary.unrecognized += 1;
                }
                feed(acc, &mut out, summary);
            }
        }
    };
    mapper.flush(&mut out);
    feed(acc, &mut out, summary);
    summary.duplicates = acc.det.duplicates - dup0;
    if let Some((at, why)) = malformed {
        acc.analysis.outcome.error(ferret_core::ErrorRecord::new(
            Some(path),
            Some(at),
            format!("{bad} malformed audit record(s); first: {why}"),
        ));
    }
    r
}

fn feed(
    acc: &mut crate::analyze::Acc<'_>,
    out: &mut Vec<Mapped>,
    summary: &mut crate::FileSummary,
) {
    for m in out.drain(..) {
        summary.events += 1;
        if acc.in_range(Some(m.time)) {
            acc.det
                .observe_event(m.line, Some(m.time), m.pid, m.sshd, &m.event);
        }
    }
}

/// Classes of events de-duplicated between text logs and audit records.
fn dedup_class<'e>(e: &'e EventKind<'_>) -> Option<(u8, [&'e [u8]; 3])> {
    use crate::event::Attempt;
    use EventKind as E;
    let none: &'e [u8] = b"";
    Some(match e {
        E::SshAccepted { ip, .. } => (1, [ip, none, none]),
        E::UserAdded { name, .. } => (2, [name, none, none]),
        E::UserDeleted { name } => (3, [name, none, none]),
        E::GroupAdded { name, .. } => (4, [name, none, none]),
        E::GroupMember {
            user, group, added, ..
        } => (5, [user, group, if *added { b"+" } else { b"-" }]),
        E::PasswordChanged { user, .. } => (6, [user, none, none]),
        E::Sudo { command, .. } => {
            let (prog, args) = split_command(command.as_deref().unwrap_or_default());
            (7, [prog, args, none])
        }
        E::SudoNotInSudoers { command, .. } => {
            let (prog, args) = split_command(command.as_deref().unwrap_or_default());
            (8, [prog, args, none])
        }
        E::PamSession {
            service,
            opened,
            user,
            ..
        } => (
            9,
            [
                service.strip_suffix(b"-l").unwrap_or(service),
                user,
                if *opened { b"+" } else { b"-" },
            ],
        ),
        E::LogindSession { session, new, .. } => {
            (10, [session, if *new { b"+" } else { b"-" }, none])
        }
        E::Segfault { program, .. } => (11, [program, none, none]),
        E::Su {
            success, target, ..
        } => (
            12,
            [
                target.as_deref().unwrap_or_default(),
                if *success { b"+" } else { b"-" },
                none,
            ],
        ),
        e => match (e.attempt(), e.source()) {
            (Some(Attempt::Guess | Attempt::PamGuess), Some(s)) => (13, [s, none, none]),
            (Some(Attempt::Probe), Some(s)) => (14, [s, none, none]),
            (Some(Attempt::KeyOffer), Some(s)) => (15, [s, none, none]),
            _ => return None,
        },
    })
}

/// A command's program (base name: sudo logs the full path in `secure`, the name typed in
/// `USER_CMD`) and its arguments.
fn split_command(c: &[u8]) -> (&[u8], &[u8]) {
    let c = c.trim_ascii();
    let (prog, args) = match memchr::memchr(b' ', c) {
        Some(i) => (
            c.get(..i).unwrap_or_default(),
            c.get(i + 1..).unwrap_or_default().trim_ascii(),
        ),
        None => (c, &b""[..]),
    };
    (basename(prog), args)
}

/// The text events an analysis saw, for dropping their audit twins (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Dedup {
    /// (class, subject, second) -> events not yet matched.
    seen: HashMap<u64, u32>,
    /// Text events not remembered (over [`DEDUP_MAX`]).
    pub(crate) dropped: u64,
}

fn dedup_key(class: u8, parts: &[&[u8]; 3], sec: i64) -> u64 {
    let mut h = crate::detect::hash(&[class]);
    for p in parts {
        h = h.rotate_left(17) ^ crate::detect::hash(p);
    }
    h.rotate_left(29) ^ (sec as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl Dedup {
    /// Remembers a text log's event.
    pub(crate) fn remember(&mut self, e: &EventKind<'_>, time: Option<LogTime>) {
        let (Some((class, parts)), Some(t)) = (dedup_class(e), time) else {
            return;
        };
        let key = dedup_key(class, &parts, t.0.div_euclid(1_000_000));
        if self.seen.len() >= DEDUP_MAX && !self.seen.contains_key(&key) {
            self.dropped += 1;
            return;
        }
        let n = self.seen.entry(key).or_insert(0);
        *n = n.saturating_add(1);
    }

    /// Whether an audit event was seen in a text log (and takes that sighting).
    pub(crate) fn take(&mut self, e: &EventKind<'_>, time: LogTime) -> bool {
        let Some((class, parts)) = dedup_class(e) else {
            return false;
        };
        let sec = time.0.div_euclid(1_000_000);
        for d in [0, -1, 1, -2, 2] {
            let key = dedup_key(class, &parts, sec + d);
            if let Some(n) = self.seen.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    self.seen.remove(&key);
                }
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_header_fields_hex_and_enriched() {
        let line = b"node=web1 type=USER_LOGIN msg=audit(1700000000.123:456): pid=812 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=203.0.113.9 terminal=ssh res=failed'\x1dUID=\"root\" AUID=\"unset\"";
        let r = parse_record(line).unwrap();
        assert_eq!(r.node, Some(&b"web1"[..]));
        assert_eq!(r.kind, b"USER_LOGIN");
        assert_eq!(r.serial, 456);
        assert_eq!(r.time, LogTime(1_700_000_000_123_000));
        assert_eq!(r.value(b"acct").as_deref(), Some(&b"(invalid user)"[..]));
        assert_eq!(r.value(b"exe").as_deref(), Some(&b"/usr/sbin/sshd"[..]));
        assert_eq!(r.value(b"hostname"), None);
        assert_eq!(r.raw(b"addr"), Some(&b"203.0.113.9"[..]));
        assert_eq!(r.pid(), Some(812));
        assert_eq!(r.success(), Some(false));
        assert_eq!(r.interpreted(b"UID"), Some(&b"root"[..]));
        assert_eq!(r.user(b"auid"), None);
        assert_eq!(r.user(b"uid").as_deref(), Some(&b"root"[..]));
    }

    #[test]
    fn execve_args_in_one_pass_equal_the_lookups() {
        let lines: [&[u8]; 4] = [
            b"type=EXECVE msg=audit(1.2:3): argc=4 a0=\"ls\" a1=2D6C a3=\"x\" a1=\"dup\" a01=\"no\"",
            b"type=EXECVE msg=audit(1.2:3): argc=5 a0=\"ls\" msg='a1=\"in\" a0=\"no\" a4=6869' a2=? msg='a3=\"last\"'",
            b"type=EXECVE msg=audit(1.2:3): argc=3 a00=1 a=2 a2a=3 a1",
            b"type=EXECVE msg=audit(1.2:3): argc=2",
        ];
        for line in lines {
            let r = parse_record(line).unwrap();
            let args = r.args(8);
            assert_eq!(args.len(), 8);
            for (i, a) in args.iter().enumerate() {
                assert_eq!(*a, r.raw(format!("a{i}").as_bytes()), "a{i} of {line:?}");
            }
        }
        let r = parse_record(lines[1]).unwrap();
        // the last `msg='...'` is the one looked into, as `raw` does
        assert_eq!(r.args(5)[1], None);
        assert_eq!(r.args(5)[3], Some(&b"\"last\""[..]));
        assert_eq!(arg_index(b"a1023"), Some(1023));
        assert_eq!(arg_index(b"a01"), None);
        assert_eq!(arg_index(b"a"), None);
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(parse_record(b"hello"), Err(Malformed::NoType));
        assert_eq!(parse_record(b"type=X"), Err(Malformed::NoHeader));
        assert_eq!(
            parse_record(b"type=X msg=audit(12a.1:3): x=1"),
            Err(Malformed::BadStamp)
        );
        assert_eq!(
            parse_record(b"type=X msg=audit(12.1:3) x=1"),
            Err(Malformed::NoHeader)
        );
        assert!(is_audit(
            b"\ntype=DAEMON_START msg=audit(1.2:3): op=start\n"
        ));
        assert!(is_audit(b"node=a type=X msg=audit(1.2:3): x\n"));
        assert!(!is_audit(
            b"Mar  1 10:00:00 web sshd[1]: type= msg=audit(\n"
        ));
    }

    #[test]
    fn decode_values() {
        assert_eq!(decode(b"acct", b"\"root\"").as_deref(), Some(&b"root"[..]));
        assert_eq!(decode(b"acct", b"726F6F74").as_deref(), Some(&b"root"[..]));
        assert_eq!(decode(b"pid", b"1234").as_deref(), Some(&b"1234"[..]));
        assert_eq!(decode(b"key", b"(null)"), None);
        assert_eq!(decode(b"a1", b"2D6C").as_deref(), Some(&b"-l"[..]));
        // Bytes stay bytes: a name that is not UTF-8.
        assert_eq!(decode(b"acct", b"FF00").as_deref(), Some(&b"\xff\x00"[..]));
        // An odd-length value is not hex: kept as written.
        assert_eq!(decode(b"acct", b"ABC").as_deref(), Some(&b"ABC"[..]));
    }
}
