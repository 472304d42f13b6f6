//! Berkeley DB hash databases (`/var/lib/rpm/Packages`, rpm < 4.16), read the way rpm's own
//! read-only backend (`lib/backend/bdb_ro.c`) walks them: the metadata page, then every hash
//! bucket's page chain, each key/value pair, values on overflow pages followed to their end.
//! Both byte orders (the file's order is told by the magic number). Positioned reads only;
//! every page number, offset and length is checked, and a page reached twice (a cycle in a
//! chain) ends that chain with an error.

use super::Item;
use ferret_sqlite::ByteSource;

/// Hash database magic in the metadata page (offset 12).
const HASH_MAGIC: u32 = 0x0006_1561;
/// B-tree database magic (an rpm index, never `Packages`).
const BTREE_MAGIC: u32 = 0x0005_3162;

const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// Whether `head` (the first 16 bytes or more) is a Berkeley DB hash or B-tree database.
pub(crate) fn detect(head: &[u8]) -> bool {
    let m = head.get(12..16).and_then(|b| <[u8; 4]>::try_from(b).ok());
    m.is_some_and(|m| {
        let (le, be) = (u32::from_le_bytes(m), u32::from_be_bytes(m));
        [HASH_MAGIC, BTREE_MAGIC].contains(&le) || [HASH_MAGIC, BTREE_MAGIC].contains(&be)
    })
}

struct Db<'s, S: ?Sized> {
    src: &'s S,
    big: bool,
    page_size: u32,
    last_page: u32,
    visited: Vec<u64>,
    /// A window of consecutive pages read with one `pread` (hash chains and overflow chains
    /// mostly run forward through the file): its first page and its bytes.
    window: (u32, Vec<u8>),
}

/// Bytes read ahead per `pread`.
const WINDOW: u32 = 64 << 10;

impl<S: ByteSource + ?Sized> Db<'_, S> {
    fn u16(&self, b: &[u8], off: usize) -> u16 {
        let (x, y) = (
            b.get(off).copied().unwrap_or(0),
            b.get(off + 1).copied().unwrap_or(0),
        );
        if self.big {
            u16::from_be_bytes([x, y])
        } else {
            u16::from_le_bytes([x, y])
        }
    }

    fn u32(&self, b: &[u8], off: usize) -> u32 {
        let mut a = [0u8; 4];
        for (i, d) in a.iter_mut().enumerate() {
            *d = b.get(off + i).copied().unwrap_or(0);
        }
        if self.big {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }

    /// Reads page `pgno` into `buf`, once per read: a page met twice is a cycle.
    fn page(&mut self, pgno: u32, buf: &mut Vec<u8>) -> Result<(), String> {
        if pgno == 0 || pgno > self.last_page {
            return Err(format!(
                "page {pgno} is out of range (last page {})",
                self.last_page
            ));
        }
        let (w, bit) = ((pgno >> 6) as usize, 1u64 << (pgno & 63));
        match self.visited.get_mut(w) {
            Some(word) if *word & bit != 0 => {
                return Err(format!(
                    "page {pgno} is reached a second time (a cycle in a page chain)"
                ))
            }
            Some(word) => *word |= bit,
            None => return Err(format!("page {pgno} is out of range")),
        }
        let ps = self.page_size as usize;
        let (first, data) = &self.window;
        let in_window = pgno >= *first && ((pgno - first) as usize + 1) * ps <= data.len();
        if !in_window {
            let n = (WINDOW / self.page_size)
                .max(1)
                .min(self.last_page - pgno + 1);
            let mut data = std::mem::take(&mut self.window.1);
            data.resize(n as usize * ps, 0);
            self.src
                .read_exact_at(&mut data, u64::from(pgno) * u64::from(self.page_size))
                .map_err(|e| format!("page {pgno} cannot be read: {e}"))?;
            self.window = (pgno, data);
        }
        let at = (pgno - self.window.0) as usize * ps;
        buf.clear();
        buf.extend_from_slice(self.window.1.get(at..at + ps).unwrap_or(&[]));
        if buf.len() != ps {
            return Err(format!("page {pgno} cannot be read"));
        }
        let stored = self.u32(buf, 8);
        if stored != pgno {
            return Err(format!("page {pgno} says it is page {stored}"));
        }
        Ok(())
    }

    /// The bytes of an item at `off` of `len` bytes on a hash page: on the page, or on
    /// overflow pages.
    fn item(&mut self, page: &[u8], pgno: u32, off: usize, len: usize) -> Result<Vec<u8>, String> {
        let ps = self.page_size as usize;
        if len == 0 || off + len > ps {
            return Err(format!(
                "page {pgno}: item at {off} of {len} bytes does not fit"
            ));
        }
        match page.get(off).copied() {
            Some(H_KEYDATA) => Ok(page.get(off + 1..off + len).unwrap_or(&[]).to_vec()),
            Some(H_OFFPAGE) => {
                if len != 12 {
                    return Err(format!("page {pgno}: overflow reference of {len} bytes"));
                }
                let mut next = self.u32(page, off + 4);
                let total = self.u32(page, off + 8) as usize;
                // A value cannot be larger than the file holds.
                if total == 0 || total as u64 > self.src.size() {
                    return Err(format!("page {pgno}: overflow value of {total} bytes"));
                }
                let mut out = Vec::with_capacity(total);
                let mut buf = Vec::new();
                while out.len() < total {
                    let at = next;
                    self.page(at, &mut buf)?;
                    if buf.get(25) != Some(&P_OVERFLOW) {
                        return Err(format!(
                            "page {at}: expected an overflow page, found type {:?}",
                            buf.get(25)
                        ));
                    }
                    let plen = usize::from(self.u16(&buf, 22));
                    if plen + 26 > ps || plen > total - out.len() {
                        return Err(format!("page {at}: overflow length {plen} out of range"));
                    }
                    out.extend_from_slice(buf.get(26..26 + plen).unwrap_or(&[]));
                    next = self.u32(&buf, 16);
                    if plen == 0 && out.len() < total {
                        return Err(format!("page {at}: empty overflow page"));
                    }
                    if next == 0 && out.len() < total {
                        return Err(format!(
                            "page {at}: overflow chain ends {} bytes early",
                            total - out.len()
                        ));
                    }
                }
                Ok(out)
            }
            Some(t) => Err(format!(
                "page {pgno}: item type {t} (duplicates?) is not a Packages record"
            )),
            None => Err(format!("page {pgno}: item offset {off} out of range")),
        }
    }
}

/// Reads every record of a hash `Packages` database; `emit` gets each header blob with its
/// number, or an error about one record or page chain. A database that cannot be read at all
/// is an `Err`.
pub(crate) fn read<S: ByteSource + ?Sized>(
    src: &S,
    emit: &mut dyn FnMut(Item),
) -> Result<(), String> {
    let mut meta = [0u8; 512];
    src.read_exact_at(&mut meta, 0)
        .map_err(|e| format!("metadata page cannot be read: {e}"))?;
    let m = meta
        .get(12..16)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .unwrap_or_default();
    let big = match (u32::from_le_bytes(m), u32::from_be_bytes(m)) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err(
                "a Berkeley DB B-tree, not a hash database (an rpm index, not Packages)".to_owned(),
            )
        }
        _ => return Err("not a Berkeley DB hash database".to_owned()),
    };
    let mut db = Db {
        src,
        big,
        page_size: 0,
        last_page: 0,
        visited: Vec::new(),
        window: (0, Vec::new()),
    };
    let version = db.u32(&meta, 16);
    if !(8..=10).contains(&version) {
        return Err(format!("unsupported hash version {version}"));
    }
    let page_size = db.u32(&meta, 20);
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("invalid page size {page_size}"));
    }
    if let Some(&alg) = meta.get(24).filter(|&&a| a != 0) {
        return Err(format!("encrypted database (algorithm {alg})"));
    }
    let file_pages = src.size() / u64::from(page_size);
    let mut last_page = db.u32(&meta, 32);
    if u64::from(last_page) >= file_pages {
        emit(Item::Error(format!(
            "the metadata says the last page is {last_page} but the file holds {file_pages} pages (truncated?)"
        )));
        last_page = u32::try_from(file_pages.saturating_sub(1)).unwrap_or(u32::MAX);
    }
    db.page_size = page_size;
    db.last_page = last_page;
    db.visited = vec![0u64; (last_page as usize >> 6) + 1];
    let max_bucket = db.u32(&meta, 72);
    let spares: Vec<u32> = (0..32).map(|i| db.u32(&meta, 96 + 4 * i)).collect();
    if max_bucket > last_page {
        return Err(format!(
            "{max_bucket} buckets in a file of {last_page} pages"
        ));
    }
    let mut page = Vec::new();
    for bucket in 0..=max_bucket {
        let bits = (32 - bucket.leading_zeros()) as usize;
        let mut pgno = bucket.wrapping_add(spares.get(bits).copied().unwrap_or(0));
        while pgno != 0 {
            if let Err(e) = db.page(pgno, &mut page) {
                emit(Item::Error(format!("bucket {bucket}: {e}")));
                break;
            }
            let kind = page.get(25).copied().unwrap_or(0);
            if ![P_HASH, P_HASH_UNSORTED, P_HASHMETA].contains(&kind) {
                emit(Item::Error(format!(
                    "bucket {bucket}: page {pgno} has type {kind}, not a hash page"
                )));
                break;
            }
            let n = usize::from(db.u16(&page, 20));
            let ps = page_size as usize;
            if 26 + 2 * n > ps {
                emit(Item::Error(format!("page {pgno}: {n} entries do not fit")));
                break;
            }
            let offs: Vec<usize> = (0..n)
                .map(|i| usize::from(db.u16(&page, 26 + 2 * i)))
                .collect();
            let off = |i: usize| offs.get(i).copied().unwrap_or(0);
            for i in (0..n.saturating_sub(1)).step_by(2) {
                let (koff, voff) = (off(i), off(i + 1));
                let key_end = if i == 0 { ps } else { off(i - 1) };
                if koff >= ps || voff >= ps || key_end < koff || koff < voff {
                    emit(Item::Error(format!(
                        "page {pgno}: entry {} has bad offsets",
                        i / 2
                    )));
                    continue;
                }
                let key = match db.item(&page, pgno, koff, key_end - koff) {
                    Ok(k) => k,
                    Err(e) => {
                        emit(Item::Error(e));
                        continue;
                    }
                };
                let Ok(k) = <[u8; 4]>::try_from(key.as_slice()) else {
                    emit(Item::Error(format!(
                        "page {pgno}: a key of {} bytes, not a header number",
                        key.len()
                    )));
                    continue;
                };
                let hnum = if big {
                    u32::from_be_bytes(k)
                } else {
                    u32::from_le_bytes(k)
                };
                if hnum == 0 {
                    continue; // rpm's record of the next header number, not a package
                }
                match db.item(&page, pgno, voff, koff - voff) {
                    Ok(v) => emit(Item::Blob(hnum, v)),
                    Err(e) => emit(Item::Error(format!("header {hnum}: {e}"))),
                }
            }
            pgno = db.u32(&page, 16);
        }
    }
    Ok(())
}
