//! The write-ahead log beside a WAL-mode database (`<db>-wal`): its committed frames, read
//! the way SQLite recovers a WAL without its `-shm` index
//! (<https://www.sqlite.org/fileformat.html#the_write_ahead_log>).
//!
//! Frames are valid while their salts match the WAL header and their cumulative checksum
//! matches; the first invalid frame ends the log. Only frames up to the last commit frame
//! count: a transaction that was being written when the copy was taken is ignored.

use crate::source::ByteSource;
use std::collections::HashMap;

const HEADER: u64 = 32;
const FRAME_HEADER: u64 = 24;

/// What the WAL adds to the database.
#[derive(Debug, Clone, Default)]
pub(crate) struct Wal {
    /// Page number -> offset of the newest committed copy of its data in the WAL.
    pub pages: HashMap<u32, u64>,
    /// The database size in pages after the last commit.
    pub db_pages: u32,
    /// Frames up to and including the last commit frame.
    pub committed: u32,
    /// The WAL's page size.
    pub page_size: u32,
}

fn word(b: &[u8], big: bool) -> u32 {
    let mut a = [0u8; 4];
    for (d, s) in a.iter_mut().zip(b) {
        *d = *s;
    }
    if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn be32(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4).map_or(0, |s| word(s, true))
}

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`.
fn checksum(data: &[u8], big: bool, s: &mut (u32, u32)) {
    for c in data.chunks_exact(8) {
        let (x0, x1) = c.split_at(4);
        s.0 = s.0.wrapping_add(word(x0, big)).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(word(x1, big)).wrapping_add(s.0);
    }
}

/// Reads the WAL's committed frames. A WAL that cannot be used is `None`, with the reason in
/// `notes`; an empty WAL (rpm keeps one, `SQLITE_FCNTL_PERSIST_WAL`) is `None` silently.
pub(crate) fn load<S: ByteSource + ?Sized>(src: &S, notes: &mut Vec<String>) -> Option<Wal> {
    let size = src.size();
    if size == 0 {
        return None;
    }
    let mut h = [0u8; HEADER as usize];
    if size < HEADER || src.read_exact_at(&mut h, 0).is_err() {
        notes.push(format!(
            "WAL: {size} bytes, shorter than its 32-byte header; ignored"
        ));
        return None;
    }
    let magic = be32(&h, 0);
    if magic & !1 != 0x377f_0682 {
        notes.push(format!("WAL: bad magic {magic:#010x}; ignored"));
        return None;
    }
    let big = magic & 1 == 1;
    let version = be32(&h, 4);
    if version != 3_007_000 {
        notes.push(format!("WAL: unknown format version {version}; ignored"));
        return None;
    }
    let page_size = be32(&h, 8);
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        notes.push(format!("WAL: invalid page size {page_size}; ignored"));
        return None;
    }
    let mut s = (0u32, 0u32);
    checksum(h.get(..24).unwrap_or(&[]), big, &mut s);
    if s != (be32(&h, 24), be32(&h, 28)) {
        notes.push("WAL: header checksum mismatch; ignored (as SQLite would)".to_owned());
        return None;
    }
    let salt = (be32(&h, 16), be32(&h, 20));
    let frame = FRAME_HEADER + u64::from(page_size);
    let mut wal = Wal {
        page_size,
        ..Wal::default()
    };
    let mut pending: Vec<(u32, u64)> = Vec::new();
    let mut buf = vec![0u8; frame as usize];
    let mut n: u32 = 0;
    let mut off = HEADER;
    let mut end_note = None;
    loop {
        if off + frame > size {
            if off < size {
                end_note = Some(format!(
                    "WAL: a partial frame at byte {off} ({} of {frame} bytes; a torn write) ignored",
                    size - off
                ));
            }
            break;
        }
        if src.read_exact_at(&mut buf, off).is_err() {
            end_note = Some(format!(
                "WAL: frame {} could not be read; the rest ignored",
                n + 1
            ));
            break;
        }
        let pgno = be32(&buf, 0);
        let commit = be32(&buf, 4);
        if (be32(&buf, 8), be32(&buf, 12)) != salt {
            // Frames of an earlier WAL generation (after a checkpoint restarted the log): normal.
            break;
        }
        let mut t = s;
        checksum(buf.get(..8).unwrap_or(&[]), big, &mut t);
        checksum(buf.get(FRAME_HEADER as usize..).unwrap_or(&[]), big, &mut t);
        if t != (be32(&buf, 16), be32(&buf, 20)) || pgno == 0 {
            end_note = Some(format!(
                "WAL: frame {} (page {pgno}) fails its checksum (a torn or corrupt frame); it and \
                 the frames after it are ignored",
                n + 1
            ));
            break;
        }
        s = t;
        n += 1;
        pending.push((pgno, off + FRAME_HEADER));
        if commit != 0 {
            for (p, o) in pending.drain(..) {
                wal.pages.insert(p, o);
            }
            wal.db_pages = commit;
            wal.committed = n;
        }
        off += frame;
    }
    if let Some(m) = end_note {
        notes.push(m);
    }
    if !pending.is_empty() {
        notes.push(format!(
            "WAL: {} frame(s) after the last commit (a transaction not committed) ignored",
            pending.len()
        ));
    }
    if wal.committed == 0 {
        return None;
    }
    Some(wal)
}

/// Builds a WAL from `(page number, page data, commit size)` frames (tests and fuzz seeds;
/// public only as `fuzzing::build_wal`).
pub fn build(page_size: u32, frames: &[(u32, &[u8], u32)], big: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let magic: u32 = 0x377f_0682 | u32::from(big);
    for w in [magic, 3_007_000, page_size, 0, 0x1234_5678, 0x9abc_def0] {
        out.extend_from_slice(&w.to_be_bytes());
    }
    let mut s = (0, 0);
    checksum(&out, big, &mut s);
    out.extend_from_slice(&s.0.to_be_bytes());
    out.extend_from_slice(&s.1.to_be_bytes());
    for &(pgno, data, commit) in frames {
        let mut fh = Vec::new();
        for w in [pgno, commit, 0x1234_5678, 0x9abc_def0] {
            fh.extend_from_slice(&w.to_be_bytes());
        }
        let mut page = data.to_vec();
        page.resize(page_size as usize, 0);
        checksum(fh.get(..8).unwrap_or(&[]), big, &mut s);
        checksum(&page, big, &mut s);
        fh.extend_from_slice(&s.0.to_be_bytes());
        fh.extend_from_slice(&s.1.to_be_bytes());
        out.extend_from_slice(&fh);
        out.extend_from_slice(&page);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_frames_only_and_torn_frames_noted() {
        let p = [7u8; 512];
        let q = [8u8; 512];
        for big in [false, true] {
            let w = build(512, &[(1, &p, 0), (2, &p, 3), (2, &q, 0)], big);
            let mut notes = Vec::new();
            let wal = load(&w[..], &mut notes).unwrap();
            assert_eq!((wal.committed, wal.db_pages), (2, 3));
            assert_eq!(wal.pages.len(), 2);
            assert!(
                notes.iter().any(|n| n.contains("not committed")),
                "{notes:?}"
            );
            // Flip a byte of the last committed frame: it and everything after are ignored.
            let mut t = w.clone();
            t[32 + 536 + 100] ^= 1;
            let mut notes = Vec::new();
            assert!(load(&t[..], &mut notes).is_none());
            assert!(notes.iter().any(|n| n.contains("checksum")), "{notes:?}");
        }
    }
}
