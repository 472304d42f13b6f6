//! The database: header, pages (from the WAL when it holds a newer copy), the schema and
//! table b-tree iteration.

use crate::record::{self, varint, Slot, Value};
use crate::schema::{self, Column};
use crate::source::ByteSource;
use crate::wal::{self, Wal};
use crate::Error;
use std::path::{Path, PathBuf};

/// The magic string at the start of every SQLite 3 database.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How deep a table b-tree may be (SQLite itself stops at 20).
const MAX_DEPTH: usize = 40;

/// How text is stored in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextEncoding {
    /// UTF-8 (1).
    Utf8,
    /// UTF-16 little-endian (2).
    Utf16le,
    /// UTF-16 big-endian (3).
    Utf16be,
}

/// The 100-byte database header (<https://www.sqlite.org/fileformat.html#the_database_header>).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DbHeader {
    /// Page size in bytes (512 to 65536).
    pub page_size: u32,
    /// File format write version (1 legacy, 2 WAL).
    pub write_version: u8,
    /// File format read version (1 legacy, 2 WAL).
    pub read_version: u8,
    /// Bytes reserved at the end of each page.
    pub reserved: u8,
    /// File change counter.
    pub change_counter: u32,
    /// Database size in pages as the header states it.
    pub header_pages: u32,
    /// First freelist trunk page.
    pub freelist_trunk: u32,
    /// Number of freelist pages.
    pub freelist_count: u32,
    /// Schema cookie.
    pub schema_cookie: u32,
    /// Schema format number (1 to 4).
    pub schema_format: u32,
    /// Text encoding.
    pub text_encoding: TextEncoding,
    /// `PRAGMA user_version`.
    pub user_version: u32,
    /// `PRAGMA application_id`.
    pub application_id: u32,
    /// The change counter value for which `header_pages` is valid.
    pub version_valid_for: u32,
    /// The SQLite library version that last wrote the file.
    pub sqlite_version: u32,
}

fn be16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(u32::from_be_bytes(a))
}

impl DbHeader {
    /// Parses and checks the first 100 bytes of a database.
    pub fn parse(h: &[u8]) -> Result<DbHeader, String> {
        if h.get(..16) != Some(&MAGIC[..]) {
            return Err("not an SQLite 3 database (magic string missing)".to_owned());
        }
        let get8 = |o: usize| h.get(o).copied().unwrap_or(0);
        let get32 = |o: usize| be32(h, o).unwrap_or(0);
        let raw = be16(h, 16).ok_or("header truncated")?;
        let page_size = if raw == 1 { 65536 } else { u32::from(raw) };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(format!("invalid page size {raw}"));
        }
        if (get8(21), get8(22), get8(23)) != (64, 32, 32) {
            return Err("invalid payload fractions (bytes 21-23 must be 64, 32, 32)".to_owned());
        }
        let reserved = get8(20);
        if page_size - u32::from(reserved) < 480 {
            return Err(format!(
                "{reserved} reserved bytes leave fewer than 480 usable bytes per page"
            ));
        }
        let read_version = get8(19);
        if read_version > 2 {
            return Err(format!(
                "file format read version {read_version}: this reader knows 1 and 2"
            ));
        }
        let text_encoding = match get32(56) {
            0 | 1 => TextEncoding::Utf8,
            2 => TextEncoding::Utf16le,
            3 => TextEncoding::Utf16be,
            n => return Err(format!("invalid text encoding {n}")),
        };
        Ok(DbHeader {
            page_size,
            write_version: get8(18),
            read_version,
            reserved,
            change_counter: get32(24),
            header_pages: get32(28),
            freelist_trunk: get32(32),
            freelist_count: get32(36),
            schema_cookie: get32(40),
            schema_format: get32(44),
            text_encoding,
            user_version: get32(60),
            application_id: get32(68),
            version_valid_for: get32(92),
            sqlite_version: get32(96),
        })
    }
}

/// A table found in the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Table {
    /// The table's name.
    pub name: String,
    /// The root page of its b-tree.
    pub root_page: u32,
    /// The `CREATE TABLE` statement.
    pub sql: String,
    /// The declared columns (empty when the statement could not be read).
    pub columns: Vec<Column>,
    /// `WITHOUT ROWID` tables are index b-trees; this reader does not iterate them.
    pub without_rowid: bool,
}

impl Table {
    /// The position of the column named `name` (ASCII case-insensitive, as SQLite compares).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The column that aliases the rowid (`INTEGER PRIMARY KEY`), if any.
    pub fn rowid_alias(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.rowid_alias)
    }

    fn schema() -> Table {
        let col = |n: &str, t: &str| Column {
            name: n.to_owned(),
            decl_type: t.to_owned(),
            rowid_alias: false,
        };
        Table {
            name: "sqlite_schema".to_owned(),
            root_page: 1,
            sql: "CREATE TABLE sqlite_schema(type text, name text, tbl_name text, rootpage integer, sql text)".to_owned(),
            columns: vec![
                col("type", "text"),
                col("name", "text"),
                col("tbl_name", "text"),
                col("rootpage", "integer"),
                col("sql", "text"),
            ],
            without_rowid: false,
        }
    }
}

/// One row of a table: its rowid and its record, decoded on demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    rowid: i64,
    payload: Vec<u8>,
    slots: Vec<Slot>,
    alias: Option<usize>,
}

impl Row {
    /// The rowid.
    pub fn rowid(&self) -> i64 {
        self.rowid
    }

    /// How many values the record stores (a row written before an `ALTER TABLE ADD COLUMN`
    /// stores fewer than the table declares).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the record stores no value.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Column `i`: the rowid for the `INTEGER PRIMARY KEY` column, NULL past the stored values
    /// (a column's `DEFAULT` is not evaluated).
    pub fn get(&self, i: usize) -> Value<'_> {
        match self.slots.get(i) {
            Some(s) if Some(i) == self.alias && s.serial == 0 => Value::Integer(self.rowid),
            Some(&s) => record::decode(&self.payload, s),
            None if Some(i) == self.alias => Value::Integer(self.rowid),
            None => Value::Null,
        }
    }

    /// Every stored value, in order.
    pub fn values(&self) -> Vec<Value<'_>> {
        (0..self.slots.len()).map(|i| self.get(i)).collect()
    }
}

/// A read-only SQLite database over a [`ByteSource`], with its WAL if one was given.
///
/// Nothing is ever written, locked or created: the `-shm` index is not used (the WAL is read
/// whole, as SQLite recovers it), and the sources are only read with positioned reads.
#[derive(Debug)]
pub struct Database<S> {
    path: PathBuf,
    main: S,
    wal_src: Option<S>,
    wal: Option<Wal>,
    header: DbHeader,
    usable: u32,
    pages: u32,
    notes: Vec<String>,
}

impl<S: ByteSource> Database<S> {
    /// Opens a database from its main file and, for a WAL-mode database, its `-wal` file.
    /// `path` names the database in errors and notes.
    pub fn open(main: S, wal: Option<S>, path: impl Into<PathBuf>) -> Result<Self, Error> {
        let path = path.into();
        let corrupt = |page: u32, message: String| Error::Corrupt {
            path: path.clone(),
            page,
            message,
        };
        let mut h = [0u8; 100];
        if main.size() < 100 {
            return Err(Error::NotSqlite {
                path,
                reason: format!("{} bytes, shorter than the 100-byte header", main.size()),
            });
        }
        main.read_exact_at(&mut h, 0).map_err(|e| Error::Io {
            path: path.clone(),
            source: e,
        })?;
        if h.get(..16) != Some(&MAGIC[..]) {
            return Err(Error::NotSqlite {
                path,
                reason: "the magic string is missing".to_owned(),
            });
        }
        let first = DbHeader::parse(&h).map_err(|m| corrupt(1, m))?;
        let mut notes = Vec::new();
        let mut wal_state = wal.as_ref().and_then(|w| wal::load(w, &mut notes));
        if let Some(w) = &wal_state {
            if w.page_size != first.page_size {
                notes.push(format!(
                    "WAL: page size {} differs from the database's {}; WAL ignored",
                    w.page_size, first.page_size
                ));
                wal_state = None;
            }
        }
        // Page 1 (the header) may itself have a newer copy in the WAL.
        let header = match wal_state.as_ref().and_then(|w| w.pages.get(&1)) {
            Some(&off) => {
                let src = wal
                    .as_ref()
                    .ok_or_else(|| corrupt(1, "WAL vanished".to_owned()))?;
                src.read_exact_at(&mut h, off).map_err(|e| Error::Io {
                    path: path.clone(),
                    source: e,
                })?;
                let hd = DbHeader::parse(&h).map_err(|m| corrupt(1, format!("in the WAL: {m}")))?;
                if hd.page_size != first.page_size {
                    return Err(corrupt(1, "page size changed in the WAL".to_owned()));
                }
                hd
            }
            None => first,
        };
        let ps = u64::from(header.page_size);
        let file_pages = u32::try_from(main.size() / ps).unwrap_or(u32::MAX);
        // Pages past the main file can only come from the WAL: the database cannot hold more
        // pages than the two files together (this also bounds every allocation below).
        let wal_extra = wal_state.as_ref().map_or(0, |w| {
            w.pages.keys().filter(|&&p| p > file_pages).count() as u32
        });
        let claimed = match &wal_state {
            Some(w) => w.db_pages,
            None if header.header_pages != 0
                && header.version_valid_for == header.change_counter =>
            {
                header.header_pages
            }
            None => file_pages,
        };
        let available = file_pages.saturating_add(wal_extra);
        if claimed > available {
            notes.push(format!(
                "the database claims {claimed} pages but only {available} are present (truncated?); \
                 pages past the end are reported as errors"
            ));
        }
        if !main.size().is_multiple_of(ps) && wal_state.is_none() {
            notes.push(format!(
                "file size {} is not a multiple of the page size {ps} (truncated?)",
                main.size()
            ));
        }
        let pages = claimed.min(available);
        Ok(Database {
            path,
            main,
            usable: header.page_size - u32::from(header.reserved),
            header,
            wal_src: wal,
            wal: wal_state,
            pages,
            notes,
        })
    }

    /// The database header (page 1 as of the last committed WAL frame).
    pub fn header(&self) -> &DbHeader {
        &self.header
    }

    /// The database size in pages.
    pub fn page_count(&self) -> u32 {
        self.pages
    }

    /// Committed WAL frames that were applied (0 without a WAL).
    pub fn wal_frames(&self) -> u32 {
        self.wal.as_ref().map_or(0, |w| w.committed)
    }

    /// Things worth knowing that did not stop the reading: a WAL ignored or cut at a torn
    /// frame, an uncommitted transaction left out, a truncated file.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The path given at open time.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn corrupt(&self, page: u32, message: impl Into<String>) -> Error {
        Error::Corrupt {
            path: self.path.clone(),
            page,
            message: message.into(),
        }
    }

    /// Reads page `pgno` (1-based) into `buf`, from the WAL when it holds the newest copy.
    pub(crate) fn read_page(&self, pgno: u32, buf: &mut Vec<u8>) -> Result<(), Error> {
        if pgno == 0 || pgno > self.pages {
            return Err(self.corrupt(
                pgno,
                format!(
                    "page number out of range (the database has {} pages)",
                    self.pages
                ),
            ));
        }
        buf.resize(self.header.page_size as usize, 0);
        let wal_off = self.wal.as_ref().and_then(|w| w.pages.get(&pgno)).copied();
        let r = match (wal_off, &self.wal_src) {
            (Some(off), Some(src)) => src.read_exact_at(buf, off),
            _ => self
                .main
                .read_exact_at(buf, u64::from(pgno - 1) * u64::from(self.header.page_size)),
        };
        r.map_err(|e| self.corrupt(pgno, format!("cannot be read: {e}")))
    }

    /// The tables of the schema (`sqlite_schema` rows of type `table` with a b-tree).
    pub fn tables(&self) -> Result<Vec<Table>, Error> {
        let schema = Table::schema();
        let mut out = Vec::new();
        for row in self.rows(&schema)? {
            let row = row?;
            let text = |i: usize| self.text(row.get(i).as_bytes().unwrap_or(&[]));
            if text(0) != "table" {
                continue;
            }
            let root = row.get(3).as_i64().unwrap_or(0);
            let Ok(root_page) = u32::try_from(root) else {
                continue;
            };
            if root_page == 0 {
                continue; // virtual tables have no b-tree
            }
            let sql = text(4);
            let def = schema::parse_create_table(&sql).unwrap_or_default();
            out.push(Table {
                name: text(1),
                root_page,
                sql,
                columns: def.columns,
                without_rowid: def.without_rowid,
            });
        }
        Ok(out)
    }

    /// The table named `name` (ASCII case-insensitive); `sqlite_schema` and `sqlite_master`
    /// name the schema itself.
    pub fn table(&self, name: &str) -> Result<Table, Error> {
        if name.eq_ignore_ascii_case("sqlite_schema") || name.eq_ignore_ascii_case("sqlite_master")
        {
            return Ok(Table::schema());
        }
        self.tables()?
            .into_iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::NoSuchTable {
                path: self.path.clone(),
                name: name.to_owned(),
            })
    }

    /// Text from the schema in the database's encoding (UTF-16 decoded; invalid sequences
    /// replaced: schema names are not evidence).
    fn text(&self, b: &[u8]) -> String {
        let units = |be: bool| -> Vec<u16> {
            b.chunks_exact(2)
                .map(|c| {
                    let (x, y) = (
                        c.first().copied().unwrap_or(0),
                        c.get(1).copied().unwrap_or(0),
                    );
                    if be {
                        u16::from_be_bytes([x, y])
                    } else {
                        u16::from_le_bytes([x, y])
                    }
                })
                .collect()
        };
        match self.header.text_encoding {
            TextEncoding::Utf8 => String::from_utf8_lossy(b).into_owned(),
            TextEncoding::Utf16le => String::from_utf16_lossy(&units(false)),
            TextEncoding::Utf16be => String::from_utf16_lossy(&units(true)),
        }
    }

    /// Iterates over the rows of `table` in rowid order. A corrupt page or cell is an `Err`
    /// item naming the page; iteration then goes on with the rest of the tree.
    pub fn rows(&self, table: &Table) -> Result<Rows<'_, S>, Error> {
        if table.without_rowid {
            return Err(Error::Unsupported {
                path: self.path.clone(),
                what: format!("table {} is WITHOUT ROWID (an index b-tree)", table.name),
            });
        }
        Ok(Rows {
            db: self,
            alias: table.rowid_alias(),
            root: table.root_page,
            started: false,
            stack: Vec::new(),
            leaf: None,
            visited: vec![0u64; (self.pages as usize >> 6) + 1],
            buf: Vec::new(),
        })
    }
}

impl Database<ferret_core::SafeFile> {
    /// Opens the database at `path` inside `root` soundly (core's opens: no symlink followed
    /// out of the root, no block on a FIFO, no atime change), with its `-wal` when present.
    /// A `-journal` beside it (a hot rollback journal: a writer died mid-transaction) is
    /// noted, not applied.
    pub fn open_root(root: &ferret_core::HostRoot, path: impl AsRef<Path>) -> Result<Self, Error> {
        use std::os::unix::ffi::OsStrExt;
        let path = ferret_core::HostRoot::inner(path.as_ref());
        let opts = ferret_core::OpenOptions::new();
        let main = root.open_file(&path, &opts)?;
        let sibling = |suffix: &str| {
            let mut p = path.as_os_str().as_bytes().to_vec();
            p.extend_from_slice(suffix.as_bytes());
            PathBuf::from(std::ffi::OsStr::from_bytes(&p))
        };
        let mut notes = Vec::new();
        let wal = match root.open_file(sibling("-wal"), &opts) {
            Ok(f) => Some(f),
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                notes.push(format!("WAL not read: {e}"));
                None
            }
        };
        if let Ok(st) = root.lstat(sibling("-journal")) {
            if st.size > 0 {
                notes.push(format!(
                    "a rollback journal ({} bytes) lies beside the database: a writer may have died \
                     mid-transaction; its pages were not applied",
                    st.size
                ));
            }
        }
        let mut db = Database::open(main, wal, path)?;
        notes.append(&mut db.notes);
        db.notes = notes;
        Ok(db)
    }

    /// Checks that neither file changed (size, mtime, ctime) since it was opened: rows read
    /// from a database being written may mix two states.
    pub fn check_unchanged(&self) -> Result<(), Error> {
        self.main.check_unchanged()?;
        if let Some(w) = &self.wal_src {
            w.check_unchanged()?;
        }
        Ok(())
    }
}

struct Interior {
    children: Vec<u32>,
    next: usize,
}

struct Leaf {
    page: u32,
    data: Vec<u8>,
    cells: Vec<usize>,
    next: usize,
}

/// The rows of a table, in rowid order (see [`Database::rows`]).
pub struct Rows<'d, S> {
    db: &'d Database<S>,
    alias: Option<usize>,
    root: u32,
    started: bool,
    stack: Vec<Interior>,
    leaf: Option<Leaf>,
    visited: Vec<u64>,
    buf: Vec<u8>,
}

impl<S: ByteSource> Rows<'_, S> {
    /// Marks `pgno` visited; an error when it already was (a cycle, or a page shared by two
    /// places of the tree).
    fn visit(&mut self, pgno: u32) -> Result<(), Error> {
        let (w, bit) = ((pgno >> 6) as usize, 1u64 << (pgno & 63));
        match self.visited.get_mut(w) {
            Some(word) if *word & bit != 0 => Err(self.db.corrupt(
                pgno,
                "reached a second time (a cycle or a page shared by two parents)",
            )),
            Some(word) => {
                *word |= bit;
                Ok(())
            }
            None => Err(self.db.corrupt(pgno, "page number out of range")),
        }
    }

    /// Loads a b-tree page: a leaf becomes the current leaf, an interior page goes on the stack.
    fn enter(&mut self, pgno: u32) -> Result<(), Error> {
        self.visit(pgno)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(self
                .db
                .corrupt(pgno, format!("b-tree deeper than {MAX_DEPTH} levels")));
        }
        let mut data = std::mem::take(&mut self.buf);
        self.db.read_page(pgno, &mut data)?;
        let hdr = if pgno == 1 { 100 } else { 0 };
        let kind = data.get(hdr).copied().unwrap_or(0);
        let (interior, ptrs) = match kind {
            13 => (false, hdr + 8),
            5 => (true, hdr + 12),
            2 | 10 => {
                return Err(self
                    .db
                    .corrupt(pgno, "an index b-tree page where a table page was expected"))
            }
            k => {
                return Err(self
                    .db
                    .corrupt(pgno, format!("not a b-tree page (type {k})")))
            }
        };
        let ncells = usize::from(be16(&data, hdr + 3).unwrap_or(0));
        let usable = self.db.usable as usize;
        let end = ptrs + 2 * ncells;
        if end > usable {
            return Err(self
                .db
                .corrupt(pgno, format!("{ncells} cells do not fit in the page")));
        }
        let mut cells = Vec::with_capacity(ncells);
        for i in 0..ncells {
            let off = usize::from(be16(&data, ptrs + 2 * i).unwrap_or(0));
            if off < end || off >= usable {
                return Err(self.db.corrupt(
                    pgno,
                    format!("cell {i} offset {off} is outside the cell area"),
                ));
            }
            cells.push(off);
        }
        if interior {
            let mut children = Vec::with_capacity(ncells + 1);
            for &off in &cells {
                children
                    .push(be32(&data, off).ok_or_else(|| self.db.corrupt(pgno, "truncated cell"))?);
            }
            children.push(be32(&data, hdr + 8).unwrap_or(0));
            self.buf = data;
            self.stack.push(Interior { children, next: 0 });
        } else {
            self.leaf = Some(Leaf {
                page: pgno,
                data,
                cells,
                next: 0,
            });
        }
        Ok(())
    }

    /// Decodes the table-leaf cell at `off` of `data` (page `pgno`), following overflow pages.
    fn cell(&mut self, pgno: u32, data: &[u8], off: usize) -> Result<Row, Error> {
        let db = self.db;
        let bad = |m: String| db.corrupt(pgno, m);
        let (psize, n1) = varint(data, off)
            .ok_or_else(|| bad(format!("cell at {off}: truncated payload size")))?;
        let (rowid, n2) =
            varint(data, off + n1).ok_or_else(|| bad(format!("cell at {off}: truncated rowid")))?;
        let u = u64::from(db.usable);
        // Allocation is bounded by what the database can hold.
        let limit = u64::from(db.pages).saturating_mul(u);
        if psize > limit {
            return Err(bad(format!(
                "cell at {off}: payload of {psize} bytes exceeds the database"
            )));
        }
        let x = u - 35;
        let m = ((u - 12) * 32 / 255) - 23;
        let local = if psize <= x {
            psize
        } else {
            let k = m + (psize - m) % (u - 4);
            if k <= x {
                k
            } else {
                m
            }
        };
        let start = off + n1 + n2;
        let local_end = start + local as usize;
        let local_bytes = data
            .get(start..local_end)
            .filter(|_| local_end <= db.usable as usize)
            .ok_or_else(|| bad(format!("cell at {off}: payload runs past the page")))?;
        let mut payload = Vec::with_capacity(psize as usize);
        payload.extend_from_slice(local_bytes);
        if psize > local {
            let mut next = be32(data, local_end)
                .ok_or_else(|| bad(format!("cell at {off}: truncated overflow pointer")))?;
            let mut remaining = psize - local;
            let mut page = Vec::new();
            while remaining > 0 {
                if next == 0 {
                    return Err(bad(format!(
                        "cell at {off} (rowid {rowid}): overflow chain ends {remaining} bytes early"
                    )));
                }
                self.visit(next)?;
                db.read_page(next, &mut page)?;
                let take = remaining.min(u - 4) as usize;
                let chunk = page
                    .get(4..4 + take)
                    .ok_or_else(|| db.corrupt(next, "overflow page too short"))?;
                payload.extend_from_slice(chunk);
                remaining -= take as u64;
                next = be32(&page, 0).unwrap_or(0);
            }
        }
        let slots = record::parse_header(&payload)
            .map_err(|m| bad(format!("cell at {off} (rowid {rowid}): {m}")))?;
        Ok(Row {
            rowid: rowid as i64,
            payload,
            slots,
            alias: self.alias,
        })
    }
}

impl<S: ByteSource> Iterator for Rows<'_, S> {
    type Item = Result<Row, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(mut leaf) = self.leaf.take() {
                if let Some(&off) = leaf.cells.get(leaf.next) {
                    leaf.next += 1;
                    let r = self.cell(leaf.page, &leaf.data, off);
                    self.leaf = Some(leaf);
                    return Some(r);
                }
                self.buf = leaf.data;
            }
            let pgno = if self.started {
                loop {
                    let top = self.stack.last_mut()?;
                    if let Some(&c) = top.children.get(top.next) {
                        top.next += 1;
                        break c;
                    }
                    self.stack.pop();
                }
            } else {
                self.started = true;
                self.root
            };
            if let Err(e) = self.enter(pgno) {
                return Some(Err(e));
            }
        }
    }
}
