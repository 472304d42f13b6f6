//! `wtmpdb` (`/var/lib/wtmpdb/wtmp.db`) and `lastlog2` (`/var/lib/lastlog/lastlog2.db`): the
//! SQLite databases newer distributions keep instead of `wtmp` and `lastlog` (openSUSE,
//! Debian 13, Fedora 40+), read with `ferret-sqlite` (read-only: no lock, no `-shm`, no write;
//! the committed frames of a `-wal` beside the database are applied).
//!
//! - `wtmpdb`: table `wtmp(ID INTEGER PRIMARY KEY, Type INTEGER, User TEXT NOT NULL, Login
//!   INTEGER, Logout INTEGER, TTY TEXT, RemoteHost TEXT, Service TEXT)`; `Type` 1 is a boot, 2
//!   a run level, 3 a login; times are microseconds since the epoch; a session still open has
//!   no `Logout`.
//! - `lastlog2`: table `Lastlog2(Name TEXT PRIMARY KEY, Time INTEGER, TTY TEXT, RemoteHost
//!   TEXT, Service TEXT)`, times in seconds.
//!
//! Each row becomes the same records as the binary files: a `wtmpdb` row a [`Session`] (its
//! start as a [`LoginRecord`] whose index is the row id), a `lastlog2` row a
//! [`LastlogEntry`] (its record is the row id). Evidence names the database and the row id.

use std::path::Path;

use ferret_sqlite::{ByteSource, Database, Value};

use crate::logins::lastlog::LastlogEntry;
use crate::logins::sessions::{End, Session, SessionKind};
use crate::logins::utmp::{Damage, LoginRecord, RecordKind};

/// wtmpdb's `Type` of a boot.
const WTMPDB_BOOT: i64 = 1;
/// wtmpdb's `Type` of a run level.
const WTMPDB_RUNLEVEL: i64 = 2;
/// wtmpdb's `Type` of a login.
const WTMPDB_USER: i64 = 3;

/// A database error as this crate's error.
fn err(path: &Path, e: &ferret_sqlite::Error) -> crate::Error {
    crate::Error::Parse {
        path: path.to_path_buf(),
        line: None,
        message: e.to_string(),
    }
}

/// The column `name` of `t`, or an error naming it.
fn col(t: &ferret_sqlite::Table, name: &str, path: &Path) -> Result<usize, crate::Error> {
    t.column_index(name).ok_or_else(|| crate::Error::Parse {
        path: path.to_path_buf(),
        line: None,
        message: format!("table {} has no column {name}", t.name),
    })
}

fn text(v: Value<'_>) -> Vec<u8> {
    v.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()
}

/// Microseconds as (seconds, microseconds), floor.
fn split_us(us: i64) -> (i64, i64) {
    (us.div_euclid(1_000_000), us.rem_euclid(1_000_000))
}

/// The sessions of a `wtmpdb` database in row order, and per-row errors (a bad page, a row
/// without a login time) beside them. A login without `Logout` ended in a crash when a later
/// boot exists, else it is open; a boot without `Logout` is still running.
pub fn wtmpdb_sessions<S: ByteSource>(
    db: &Database<S>,
) -> Result<(Vec<Session>, Vec<crate::Error>), crate::Error> {
    let path = db.path().to_path_buf();
    let t = db.table("wtmp").map_err(|e| err(&path, &e))?;
    let (ty, user, login, logout, tty, host) = (
        col(&t, "Type", &path)?,
        col(&t, "User", &path)?,
        col(&t, "Login", &path)?,
        col(&t, "Logout", &path)?,
        col(&t, "TTY", &path)?,
        col(&t, "RemoteHost", &path)?,
    );
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in db.rows(&t).map_err(|e| err(&path, &e))? {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(&path, &e));
                continue;
            }
        };
        let id = row.rowid();
        let kind_code = row.get(ty).as_i64().unwrap_or(0);
        let Some(login_us) = row.get(login).as_i64() else {
            errors.push(crate::Error::Parse {
                path: path.clone(),
                line: u64::try_from(id).ok(),
                message: "row without a Login time".to_string(),
            });
            continue;
        };
        let (sec, usec) = split_us(login_us);
        let host_b = text(row.get(host));
        let addr = std::str::from_utf8(&host_b)
            .ok()
            .and_then(|s| s.parse::<std::net::IpAddr>().ok());
        let user_b = text(row.get(user));
        let line = text(row.get(tty));
        let (kind, rkind, ut_type) = match kind_code {
            WTMPDB_BOOT => (SessionKind::Boot, RecordKind::Boot, 2),
            WTMPDB_RUNLEVEL => (SessionKind::RunLevel, RecordKind::RunLevel, 1),
            WTMPDB_USER => (SessionKind::Login, RecordKind::Login, 7),
            _ => {
                errors.push(crate::Error::Parse {
                    path: path.clone(),
                    line: u64::try_from(id).ok(),
                    message: format!("unknown Type {kind_code}"),
                });
                continue;
            }
        };
        let mut addr_raw = [0u8; 16];
        match addr {
            Some(std::net::IpAddr::V4(a)) => {
                if let Some(s) = addr_raw.get_mut(..4) {
                    s.copy_from_slice(&a.octets());
                }
            }
            Some(std::net::IpAddr::V6(a)) => addr_raw = a.octets(),
            None => {}
        }
        let damage = (!(0..=4_102_444_800).contains(&sec)).then_some(Damage::Implausible);
        let start = LoginRecord {
            index: id as u64,
            kind: rkind,
            ut_type,
            pid: 0,
            line,
            id: Vec::new(),
            user: user_b,
            host: host_b,
            exit_termination: 0,
            exit_status: 0,
            session: 0,
            sec,
            usec,
            addr: crate::logins::utmp::decode_addr(&addr_raw),
            addr_raw,
            damage,
        };
        let (end, end_sec) = match row.get(logout).as_i64() {
            Some(us) => (End::Normal, Some(split_us(us).0)),
            None if kind == SessionKind::Login => (End::Open, None),
            None => (End::Running, None),
        };
        out.push(Session {
            kind,
            start,
            end,
            end_sec,
            end_record: None,
        });
    }
    // An open login followed by a boot crashed with it, as `wtmpdb last` says.
    let mut next_boot: Option<i64> = None;
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&i| {
        out.get(i)
            .map_or((0, 0), |s| (s.start.sec, s.start.index as i64))
    });
    for &i in order.iter().rev() {
        let Some(s) = out.get_mut(i) else { continue };
        match s.kind {
            SessionKind::Boot => next_boot = Some(s.start.sec),
            SessionKind::Login if s.end == End::Open => {
                if let Some(b) = next_boot {
                    s.end = End::Crash;
                    s.end_sec = Some(b);
                }
            }
            _ => {}
        }
    }
    Ok((out, errors))
}

/// The entries of a `lastlog2` database, in row order, and per-row errors beside them.
pub fn lastlog2_entries<S: ByteSource>(
    db: &Database<S>,
) -> Result<(Vec<LastlogEntry>, Vec<crate::Error>), crate::Error> {
    let path = db.path().to_path_buf();
    let t = db.table("Lastlog2").map_err(|e| err(&path, &e))?;
    let (name, time, tty, host, service) = (
        col(&t, "Name", &path)?,
        col(&t, "Time", &path)?,
        col(&t, "TTY", &path)?,
        col(&t, "RemoteHost", &path)?,
        col(&t, "Service", &path)?,
    );
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for row in db.rows(&t).map_err(|e| err(&path, &e))? {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(err(&path, &e));
                continue;
            }
        };
        let t = row.get(time).as_i64().unwrap_or(0);
        let service = row.get(service);
        out.push(LastlogEntry {
            uid: None,
            user: Some(text(row.get(name))),
            time: t,
            line: text(row.get(tty)),
            host: text(row.get(host)),
            service: (!service.is_null()).then(|| text(service)),
            record: row.rowid() as u64,
            damage: (!(0..=4_102_444_800).contains(&t)).then_some(Damage::Implausible),
        });
    }
    Ok((out, errors))
}
