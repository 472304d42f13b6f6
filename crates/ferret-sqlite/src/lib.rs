//! # ferret-sqlite
//!
//! A small read-only SQLite 3 reader in safe Rust, for the databases a forensic tool finds on
//! a host: rpm's `rpmdb.sqlite` (table `Packages`: `hnum`, `blob`), and small tables of
//! integers and text such as `wtmpdb` and `lastlog2`. It reads the database header, table
//! b-trees (interior and leaf pages), overflow pages, the record format, the schema (to find
//! a table by name and its columns) and, for a WAL-mode database, the committed frames of the
//! `-wal` file beside it.
//!
//! ```
//! use ferret_sqlite::{Database, Value};
//! # let t = tempfile::tempdir()?;
//! # let p = t.path().join("x.db");
//! # let made = std::process::Command::new("sqlite3").arg(&p)
//! #     .arg("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t VALUES (7, 'root');")
//! #     .status().expect("the sqlite3 CLI (Debian package sqlite3)");
//! # assert!(made.success());
//! let bytes = std::fs::read(&p)?;
//! let db = Database::open(&bytes[..], None, "x.db")?;
//! let t = db.table("t")?;
//! let name = t.column_index("name").unwrap();
//! for row in db.rows(&t)? {
//!     let row = row?;
//!     assert_eq!(row.rowid(), 7);
//!     assert_eq!(row.get(0), Value::Integer(7)); // INTEGER PRIMARY KEY is the rowid
//!     assert_eq!(row.get(name), Value::Text(b"root"));
//! }
//! assert_eq!(db.rows(&t)?.count(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Why not rusqlite
//!
//! - **It writes.** Opening a WAL-mode database with the SQLite library takes locks and
//!   creates the `-shm` index beside it, on evidence (rpm itself does, even for `rpm -qa`).
//!   `immutable=1` avoids that but then ignores the WAL, and rpm keeps recent transactions
//!   there (it sets `wal_autocheckpoint = 10000`): a reader that skips the WAL misses the
//!   packages installed last, the ones an investigation cares about. This reader applies the
//!   committed frames itself, the way SQLite recovers a WAL without its index, and writes
//!   nothing.
//! - **Linking a database library into a forensic tool has hurt before**: osquery's librpm
//!   use corrupted CentOS 7's Berkeley DB and broke yum (osquery#2623, #3178), and returned
//!   empty results on SQLite databases (#6895, #7065).
//! - **Pure safe Rust** (`#![forbid(unsafe_code)]`): every offset, count and length is checked,
//!   page cycles are detected, allocation is bounded by the file size, and the whole reader is
//!   fuzzed (`fuzz/fuzz_targets/sqlite_read.rs`). No C compiler, and a static binary stays
//!   static.
//!
//! ## What is read, and what is not
//!
//! - Table b-trees (rowid tables), in rowid order, with overflow pages; `INTEGER PRIMARY KEY`
//!   columns read as the rowid. Index b-trees are not used (no query planner: a table is
//!   scanned), and `WITHOUT ROWID` tables are refused with [`Error::Unsupported`].
//! - Text is returned as stored bytes, in the database's [`TextEncoding`].
//! - The WAL: its header checksum, then frames while salts and the cumulative checksum match;
//!   frames after the last commit frame (a transaction not committed) and a torn frame are
//!   left out and said so in [`Database::notes`].
//! - A hot rollback journal (`-journal`, a writer that died mid-transaction) is noted, not
//!   applied.
//! - Sources: any [`ByteSource`]: a byte slice, or positioned reads (`pread`) on a file
//!   opened soundly through [`ferret_core::HostRoot`] ([`Database::open_root`]). Never mmap,
//!   never a lock, never a write.
//!
//! Corruption never panics: a bad page or cell is an [`Error::Corrupt`] naming the file and
//! page, and [`Rows`] goes on with the rest of the tree.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

/// The shared vocabulary ([`HostRoot`](core::HostRoot), ...), re-exported so that a user of
/// this crate alone needs no second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

mod db;
mod record;
mod schema;
mod source;
mod wal;

pub use db::{Database, DbHeader, Row, Rows, Table, TextEncoding, MAGIC};
pub use record::Value;
pub use schema::Column;
pub use source::{ByteSource, FileSource};

use ferret_core::escape::escape_path;
use std::path::PathBuf;

/// Errors of `ferret-sqlite`; each names the database file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened soundly.
    #[error(transparent)]
    Open(#[from] ferret_core::Error),
    /// A read failed.
    #[error("{}: {source}", escape_path(.path))]
    Io {
        /// The database.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not an SQLite 3 database.
    #[error("{}: not an SQLite 3 database: {reason}", escape_path(.path))]
    NotSqlite {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A page is malformed (page 1 for the header).
    #[error("{}: page {page}: {message}", escape_path(.path))]
    Corrupt {
        /// The database.
        path: PathBuf,
        /// The page (1-based).
        page: u32,
        /// What is wrong.
        message: String,
    },
    /// A feature this reader does not implement.
    #[error("{}: unsupported: {what}", escape_path(.path))]
    Unsupported {
        /// The database.
        path: PathBuf,
        /// What.
        what: String,
    },
    /// No table of that name in the schema.
    #[error("{}: no table named {name}", escape_path(.path))]
    NoSuchTable {
        /// The database.
        path: PathBuf,
        /// The name asked for.
        name: String,
    },
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (see `fuzz/fuzz_targets/sqlite_*.rs`).

    use crate::Database;

    /// Opens `data` as a database (and, when it holds a `\0WAL\0` marker, the part after it
    /// as its WAL), lists the tables and reads every row of each: never panics, never loops.
    pub fn read(data: &[u8]) {
        let (main, wal) = match find(data, b"\0WAL\0") {
            Some(i) => (data.get(..i).unwrap_or(&[]), data.get(i + 5..)),
            None => (data, None),
        };
        let Ok(db) = Database::open(main, wal, "fuzz") else {
            return;
        };
        let Ok(tables) = db.tables() else { return };
        for t in tables {
            let Ok(rows) = db.rows(&t) else { continue };
            let mut n = 0u64;
            for r in rows {
                n += 1;
                assert!(
                    n <= u64::from(db.page_count()) * 4096 + 1,
                    "row count bounded"
                );
                match r {
                    Ok(row) => {
                        for v in row.values() {
                            let _ = v.as_bytes();
                        }
                    }
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
            }
        }
    }

    fn find(h: &[u8], n: &[u8]) -> Option<usize> {
        h.windows(n.len()).position(|w| w == n)
    }

    /// Builds a WAL file from frames (for seed corpora and tests).
    pub use crate::wal::build as build_wal;
}
