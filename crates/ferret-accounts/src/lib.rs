//! # ferret-accounts
//!
//! Parsers, audit and diff for `/etc/passwd`, `/etc/shadow`, `/etc/group`, `/etc/gshadow` and
//! `/etc/login.defs`, read straight from the files under a [`HostRoot`] (no NSS, no `getpw*`),
//! with pwck/grpck-parity syntax checks and findings such as a second UID 0 account or an empty
//! password. Password hashes never leave this crate: only their classification
//! ([`password::PasswordStatus`]) does.
//!
//! - Parsing ([`passwd`], [`shadow`], [`group`], [`login_defs`]): zero-copy iterators of
//!   [`Line`]s, each with its number, exact text and ending, and a `Result` content (entry, NIS
//!   compat line, blank, comment, or [`Malformed`] with the reason). [`Document::write_to`]
//!   reproduces the input byte for byte. Entries have owned twins (`OwnedPasswd`, ...).
//! - [`Snapshot`] reads the files of a root (live or image); [`Snapshot::view`] parses them
//!   ([`Accounts`]).
//! - [`audit_root`] audits a root; [`audit()`] audits parsed files in memory (all but the home
//!   and shell checks). Findings are listed below.
//! - [`diff_roots`] compares two roots, [`diff_backup_root`] the current files with the `-`
//!   backups shadow's tools keep; [`diff()`] compares two parsed snapshots, and
//!   [`diff::changes`] gives the structured [`diff::Change`]s.
//! - [`list_users_root`] / [`list_users`]: what `getent passwd` shows, with the password status.
//!
//! Every operation takes a [`Control`]: cancelling it stops the operation between entries and
//! returns what it has, with a "cancelled" error; progress counts the entries done. Results are
//! partial rather than all-or-nothing: unreadable files and lines that are no entry are
//! [`ErrorRecord`]s beside the findings (built from [`Error`]).
//!
//! ```
//! use ferret_accounts::{audit, AuditOptions, Snapshot};
//! use ferret_accounts::core::Control;
//! let snap = Snapshot::from_bytes(
//!     Some(b"root:x:0:0:root:/root:/bin/bash\ntoor::0:0::/root:/bin/bash\n"),
//!     Some(b"root:$y$j9T$salt$hash:19000:0:99999:7:::\n"),
//!     Some(b"root:x:0:\n"),
//!     None,
//! );
//! let out = audit(&snap.view(), &AuditOptions::default(), &Control::new());
//! let ids: Vec<&str> = out.findings.iter().map(|f| f.id.as_str()).collect();
//! assert!(ids.contains(&"accounts.uid0-non-root"));
//! assert!(ids.contains(&"accounts.empty-password"));
//! assert!(!format!("{out:?}").contains("$y$j9T$salt"));
//! ```
//!
//! On a root (here a directory standing for a mounted image):
//!
//! ```
//! use ferret_accounts::core::{Control, HostRoot, Severity};
//! let t = tempfile::tempdir()?;
//! std::fs::create_dir(t.path().join("etc"))?;
//! std::fs::write(t.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\nsvc:x:0:0::/:/bin/sh\n")?;
//! std::fs::write(t.path().join("etc/group"), "root:x:0:\n")?;
//! let out = ferret_accounts::audit_root(&HostRoot::new(t.path())?, &Default::default(), &Control::new());
//! assert_eq!(out.max_severity(), Some(Severity::Critical));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Finding ids
//!
//! | id | severity | what |
//! | --- | --- | --- |
//! | `accounts.malformed-line` | medium (critical when glibc would still read a UID 0 account from it) | wrong field count, non-numeric or out-of-range id (`-1`, `4294967296`), NUL byte (pwck/grpck "invalid ... file entry") |
//! | `accounts.invalid-name` | low (medium for UID 0 or names with spaces/control/non-ASCII bytes) | name useradd would refuse (pwck "invalid user name") |
//! | `accounts.invalid-id` | low | uid/gid 4294967295 (pwck "invalid user ID") |
//! | `accounts.duplicate-name` | medium | same name on lines that differ (pwck "duplicate password entry") |
//! | `accounts.duplicate-entry` | low | the same line repeated |
//! | `accounts.leading-whitespace` | medium | entry line starting with blanks: glibc uses it, shadow's tools see another name |
//! | `accounts.nis-compat-line` | low | `+`/`-` NIS compat line (T1078) |
//! | `accounts.comment-line` / `accounts.blank-line` / `accounts.crlf-line` / `accounts.no-final-newline` | low / info / low / info | lines glibc and shadow's tools read differently |
//! | `accounts.uid0-non-root` | critical | UID 0 account other than root (T1136.001, T1078.003) |
//! | `accounts.duplicate-uid` | medium (critical for 0) | several names share a uid |
//! | `accounts.gid0-primary` | low (high with an interactive shell) | non-root user with primary group 0 |
//! | `accounts.gid0-member` | high | supplementary member of the gid-0 group |
//! | `accounts.missing-group` | low | primary gid not in /etc/group (pwck "no group") |
//! | `accounts.empty-password` | critical (medium for non-interactive shells) | empty password in passwd or shadow |
//! | `accounts.passwd-hash` | high | hash in world-readable /etc/passwd instead of `x` (T1003.008) |
//! | `accounts.passwd-not-x` | low | shadow entry exists but passwd field is not `x` (pwck parity) |
//! | `accounts.weak-hash` | high | DES, MD5, NT hash (T1110.002) |
//! | `accounts.low-rounds` | medium | SHA-crypt rounds below 5000 (or SHA_CRYPT_MIN_ROUNDS), bcrypt cost below 10 |
//! | `accounts.malformed-password` | low | password field that is no hash nor lock marker |
//! | `accounts.unknown-shadow-user` | medium | shadow entry without passwd entry (T1136.001) |
//! | `accounts.missing-shadow-entry` | low | passwd entry without shadow entry |
//! | `accounts.no-shadow-file` | low | no /etc/shadow at all |
//! | `accounts.system-account-login` | low / medium / high | uid below UID_MIN with an interactive shell / usable password / both |
//! | `accounts.lastchg-future` | medium | last password change after today (T1070.006) |
//! | `accounts.never-expires` | info | usable password with no max age while login.defs sets PASS_MAX_DAYS |
//! | `accounts.group-unknown-member` | low | group/gshadow member or admin that is no user (grpck "no user") |
//! | `accounts.membership-mismatch` | low | member in group but not gshadow or the reverse |
//! | `accounts.missing-gshadow-entry` / `accounts.unknown-gshadow-group` | low | group without gshadow entry / the reverse |
//! | `accounts.group-passwd-not-x` | low | gshadow entry exists but group password field is not `x` |
//! | `accounts.group-password` | medium (high for privileged groups) | a group password hash (newgrp lets anyone who knows it in; an empty one, as RHEL ships every gshadow entry, lets no non-member in) |
//! | `accounts.duplicate-gid` | low (high for 0) | several groups share a gid |
//! | `accounts.privileged-group-member` | info | member of a privileged group ([`AuditOptions::privileged_groups`], by default [`ferret_core::groups::PRIVILEGED_GROUPS`]: root, sudo, wheel, admin, adm, shadow, disk, kmem, docker, lxd, libvirt, kvm, staff): listed for review |
//! | `accounts.privileged-group-admin` | medium | gshadow administrator of a privileged group |
//! | `accounts.home-missing` / `accounts.shell-missing` | low | home or shell does not exist (pwck parity; [`audit_root`] only) |
//! | `accounts.home-owner` / `accounts.home-world-writable` | medium | login account's home owned by another uid / world-writable (T1546.004; [`audit_root`] only) |
//! | `accounts.file-permissions` | critical / high | passwd/group writable by others; shadow/gshadow readable by all; not owned by root |
//! | `accounts.lock-file` | info | `/etc/passwd.lock` etc. present |
//! | `accounts.weak-encrypt-method` | medium | login.defs ENCRYPT_METHOD DES or MD5 |
//! | `accounts.diff.user-added` | critical for UID 0, high with shell and password, else medium | |
//! | `accounts.diff.user-removed` | medium | (T1531) |
//! | `accounts.diff.uid-changed` / `accounts.diff.gid-changed` | critical / high when it becomes 0, else medium / low | |
//! | `accounts.diff.gecos-changed` / `home-changed` / `shell-changed` | info / medium / high when it becomes interactive, else low | |
//! | `accounts.diff.password-changed` | critical when emptied, high when a locked account gets a password, else low | classification only, never the hash |
//! | `accounts.diff.aging-changed` | low | |
//! | `accounts.diff.group-added` / `group-removed` / `group-gid-changed` / `group-password-changed` | low / low / medium (critical to 0) / medium | |
//! | `accounts.diff.member-added` / `admin-added` | critical for root/sudo/wheel/admin, high for the other privileged groups, else low | |
//! | `accounts.diff.member-removed` / `admin-removed` | low | |
//! | `accounts.diff.file-presence` | medium | an account file appeared or disappeared |
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

/// The shared vocabulary (`HostRoot`, `Finding`, `Control`, ...), re-exported so that a user
/// of this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

pub mod audit;
pub mod diff;
pub mod group;
pub mod lines;
pub mod login_defs;
pub mod passwd;
pub mod password;
pub mod shadow;
pub mod snapshot;
pub mod sudoers;

pub use audit::{audit, AuditOptions};
pub use diff::diff;
pub use lines::{AccountFile, Content, Document, Line, Lines, Malformed, NisLine};
pub use snapshot::{Accounts, Snapshot, SourceFile};

use ferret_core::{Control, ErrorRecord, HostRoot, Outcome, Progress};
use std::path::PathBuf;

/// Errors of `ferret-accounts`. The operations return partial results, so these reach callers
/// as [`ErrorRecord`]s beside the findings (`ErrorRecord::from(&error)`), each naming the file
/// (and line) it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read soundly.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// A file without which no account can be read (`/etc/passwd`, `/etc/group`) is missing.
    #[error("{}: missing (no accounts can be read from it)", ferret_core::escape::escape_path(.path))]
    Missing {
        /// The file, inside the audited root.
        path: PathBuf,
    },
    /// A line is not an entry.
    #[error("{}:{line}: {reason}", ferret_core::escape::escape_path(.path))]
    Parse {
        /// The file, inside the audited root.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        reason: Malformed,
    },
    /// The operation was cancelled through its [`Control`]; the result is partial.
    #[error("cancelled")]
    Cancelled,
}

impl From<&Error> for ErrorRecord {
    fn from(e: &Error) -> Self {
        use std::os::unix::ffi::OsStrExt;
        let path = |p: &PathBuf| p.as_os_str().as_bytes().to_vec();
        match e {
            Error::Core(c) => ErrorRecord::from(c),
            Error::Missing { path: p } => ErrorRecord::new(
                Some(&path(p)),
                None,
                "missing (no accounts can be read from it)",
            ),
            Error::Parse {
                path: p,
                line,
                reason,
            } => ErrorRecord::new(Some(&path(p)), Some(*line), reason.to_string()),
            Error::Cancelled => ErrorRecord::new(None, None, "cancelled"),
        }
    }
}

impl From<Error> for ErrorRecord {
    fn from(e: Error) -> Self {
        ErrorRecord::from(&e)
    }
}

/// Records that `control` cancelled the operation (once), and says whether it did.
pub(crate) fn cancelled(control: &Control, errors: &mut Vec<ErrorRecord>) -> bool {
    if !control.is_cancelled() {
        return false;
    }
    let rec = ErrorRecord::from(&Error::Cancelled);
    if !errors.contains(&rec) {
        errors.push(rec);
    }
    true
}

/// Reports `done` of `total` units to the progress callback.
pub(crate) fn progress(control: &Control, done: u64, total: u64) {
    let mut p = Progress::default();
    p.items_done = done;
    p.items_total = Some(total);
    control.report(p);
}

/// Audits the account files under `root` (live `/` or a mounted image): the in-memory
/// [`audit()`] of what [`Snapshot::load`] read (with the files' permissions and lock files),
/// plus the checks that need the root: homes and shells, as [`AuditOptions`] selects them.
///
/// Cancelling `control` stops the audit between entries; the findings so far are returned with
/// a "cancelled" error. Progress counts the entries checked.
pub fn audit_root(root: &HostRoot, opts: &AuditOptions, control: &Control) -> Outcome {
    let snap = Snapshot::load(root);
    let acc = snap.view();
    let mut out = audit::unsorted(&acc, opts, control);
    if !cancelled(control, &mut out.errors) {
        audit::root_checks(&acc, root, opts, control, &mut out);
    }
    out.sort();
    out
}

/// Diffs the account files of two roots (each holding `etc/passwd` etc.; missing files are
/// reported and compared as empty, files that exist but could not be read are errors and
/// are not compared): the [`diff()`] of what [`Snapshot::load`] read from each.
pub fn diff_roots(old: &HostRoot, new: &HostRoot, control: &Control) -> Outcome {
    let (a, b) = (Snapshot::load(old), Snapshot::load(new));
    diff::diff(&a.view(), &b.view(), control)
}

/// Diffs the backups shadow's tools keep (`/etc/passwd-`, ...) against the current files of
/// `root`: what the last tool-made edit changed, or what was changed by hand since (an account
/// added with an editor leaves the backup behind). Backups that do not exist are skipped; a
/// file whose backup is missing is not compared.
pub fn diff_backup_root(root: &HostRoot, control: &Control) -> Outcome {
    let old = Snapshot::load_backup(root);
    let mut new = Snapshot::load(root);
    // compare only the kinds that have a backup
    for kind in [
        AccountFile::Passwd,
        AccountFile::Shadow,
        AccountFile::Group,
        AccountFile::Gshadow,
    ] {
        if old.file(kind).data.is_none() {
            new.file_mut(kind).data = None;
        }
    }
    diff::diff(&old.view(), &new.view(), control)
}

/// One user as [`list_users`] shows it: the `getent passwd` fields, and the password status
/// instead of the password field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct UserSummary {
    /// Login name (escaped).
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// GECOS (escaped).
    pub gecos: String,
    /// Home directory (escaped).
    pub home: String,
    /// Login shell (escaped).
    pub shell: String,
    /// Password status: `empty`, `shadowed` (x without a readable shadow entry), `locked`,
    /// `malformed`, or the hash algorithm (`sha512`, `yescrypt`, ...).
    pub password: String,
    /// Line in /etc/passwd.
    pub line: u64,
}

/// The users of a system in file order, with the read and parse errors met on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct UserList {
    /// Every valid passwd entry, as `getent passwd` with the `files` service shows them.
    pub users: Vec<UserSummary>,
    /// Files that could not be read, lines that are no entry, cancellation.
    pub errors: Vec<ErrorRecord>,
}

/// Lists the users of `root` (see [`list_users`]).
pub fn list_users_root(root: &HostRoot, control: &Control) -> UserList {
    let snap = Snapshot::load(root);
    list_users(&snap.view(), control)
}

/// Lists the users of parsed account files in file order (every valid passwd entry, as
/// `getent passwd` with the `files` service shows them), with the password status from shadow.
/// Cancelling `control` stops between lines (progress counts passwd lines): the users so far
/// are returned with a "cancelled" error.
pub fn list_users(acc: &Accounts<'_>, control: &Control) -> UserList {
    let mut list = UserList {
        users: Vec::new(),
        errors: acc.snapshot.errors.clone(),
    };
    let mut shadows: std::collections::HashMap<&[u8], password::PasswordStatus> =
        std::collections::HashMap::new();
    for (_, s) in acc.shadow.iter().flat_map(Document::entries) {
        shadows.entry(s.name).or_insert_with(|| s.password.status());
    }
    let Some(d) = &acc.passwd else {
        return list;
    };
    let total = d.lines.len() as u64;
    for (i, l) in d.lines.iter().enumerate() {
        if i % 4096 == 0 {
            progress(control, i as u64, total);
            if cancelled(control, &mut list.errors) {
                break;
            }
        }
        match &l.content {
            Ok(Content::Entry(u)) => {
                let st = match u.password.status() {
                    password::PasswordStatus::Shadowed => shadows
                        .get(u.name)
                        .copied()
                        .unwrap_or(password::PasswordStatus::Shadowed),
                    s => s,
                };
                list.users.push(UserSummary {
                    name: ferret_core::escape::escape(u.name),
                    uid: u.uid,
                    gid: u.gid,
                    gecos: ferret_core::escape::escape(u.gecos),
                    home: ferret_core::escape::escape(u.home),
                    shell: ferret_core::escape::escape(u.shell),
                    password: st.as_str().to_owned(),
                    line: l.number,
                });
            }
            Err(m) => list.errors.push(ErrorRecord::from(&Error::Parse {
                path: acc.path(AccountFile::Passwd).into(),
                line: l.number,
                reason: m.clone(),
            })),
            Ok(_) => {}
        }
    }
    list
}

/// Runs two closures, in parallel with the `rayon` feature.
#[cfg(feature = "rayon")]
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(a, b)
}

/// Runs two closures (sequentially: the `rayon` feature is off).
#[cfg(not(feature = "rayon"))]
pub(crate) fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points: parse, write back (must be the identity), audit and diff.

    /// The entry text glibc parses: the line without leading blanks.
    fn entry_text(text: &[u8]) -> &[u8] {
        let n = text
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        text.get(n..).unwrap_or_default()
    }

    fn check<E>(doc: &crate::Document<'_, E>, data: &[u8]) {
        assert_eq!(doc.to_bytes(), data, "write-back is not the identity");
    }

    /// passwd: parse, write back, audit.
    pub fn passwd(data: &[u8]) {
        let d = crate::passwd::document(data);
        check(&d, data);
        for l in &d.lines {
            if let Some(e) = l.entry() {
                let o = e.to_owned_entry(l.number);
                assert_eq!(o.as_entry(), *e);
                let _ = o.to_line();
            }
        }
        let snap = crate::Snapshot::from_bytes(Some(data), Some(data), Some(data), Some(data));
        let _ = crate::audit(
            &snap.view(),
            &crate::AuditOptions::default(),
            &ferret_core::Control::new(),
        );
    }

    /// shadow: parse, write back.
    pub fn shadow(data: &[u8]) {
        let d = crate::shadow::document(data);
        check(&d, data);
        for l in &d.lines {
            if let Some(e) = l.entry() {
                let _ = e.to_owned_entry(l.number).to_line();
            }
        }
    }

    /// group: parse, write back; owned re-serialisation of a valid line is the line itself.
    pub fn group(data: &[u8]) {
        let d = crate::group::document(data);
        check(&d, data);
        for l in &d.lines {
            if let Some(e) = l.entry() {
                let line = e.to_owned_entry(l.number).to_line();
                // numbers are canonical only without leading zeros
                let gid_field = l.text.split(|&b| b == b':').nth(2).unwrap_or_default();
                if gid_field.first() != Some(&b'0') || gid_field.len() == 1 {
                    assert_eq!(line, entry_text(l.text));
                }
            }
        }
    }

    /// gshadow: parse, write back.
    pub fn gshadow(data: &[u8]) {
        let d = crate::group::gshadow_document(data);
        check(&d, data);
        for l in &d.lines {
            if let Some(e) = l.entry() {
                assert_eq!(e.to_owned_entry(l.number).to_line(), entry_text(l.text));
            }
        }
    }

    /// login.defs parsing.
    pub fn login_defs(data: &[u8]) {
        let _ = crate::login_defs::LoginDefs::from_bytes(data);
        let _ = crate::login_defs::parse(data).count();
    }

    /// Password classification never panics, and the status string is never the field itself
    /// (a hash must not leak through it).
    pub fn password(data: &[u8]) {
        let s = crate::password::classify(data);
        if data.len() > 12 {
            assert_ne!(s.as_str().as_bytes(), data);
        }
    }

    /// sudoers: parse (deterministic, no panic), audit and the effective rules of root.
    pub fn sudoers(data: &[u8]) {
        crate::sudoers::fuzz(data);
    }

    /// diff of two halves of the input (split at the first NUL) and of a file with itself.
    pub fn diff(data: &[u8]) {
        let mut parts = data.splitn(2, |&b| b == 0);
        let a = parts.next().unwrap_or_default();
        let b = parts.next().unwrap_or_default();
        let sa = crate::Snapshot::from_bytes(Some(a), Some(a), Some(a), Some(a));
        let sb = crate::Snapshot::from_bytes(Some(b), Some(b), Some(b), Some(b));
        assert!(crate::diff::changes(&sa.view(), &sa.view()).is_empty());
        let _ = crate::diff(&sa.view(), &sb.view(), &ferret_core::Control::new());
    }
}
