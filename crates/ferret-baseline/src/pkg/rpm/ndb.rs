//! NDB `Packages.db` (SUSE, openSUSE; rpm's `lib/backend/ndb/rpmpkg.c`): a 32-byte header,
//! slot pages (16-byte slots: magic, package index, block offset, block count), then blobs in
//! 16-byte blocks, each with a head (magic, package index, generation, length) and a tail
//! (Adler-32, length, magic). Little-endian throughout. Every slot is checked against the
//! file; a blob whose checksum, length or magic is wrong is reported and skipped.

use super::Item;
use ferret_sqlite::ByteSource;

const PKGDB_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOBHEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const BLOBTAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const PAGE: u64 = 4096;
const BLK: u64 = 16;
const HEAD: u64 = 16;
const TAIL: u64 = 12;

/// Whether `head` starts like an NDB package database.
pub(crate) fn detect(head: &[u8]) -> bool {
    head.get(..4) == Some(b"RpmP")
}

fn le32(b: &[u8], off: usize) -> u32 {
    let mut a = [0u8; 4];
    for (i, d) in a.iter_mut().enumerate() {
        *d = b.get(off + i).copied().unwrap_or(0);
    }
    u32::from_le_bytes(a)
}

/// Adler-32 (RFC 1950), continuing from `adler`.
fn adler32(adler: u32, data: &[u8]) -> u32 {
    let (mut a, mut b) = (adler & 0xffff, adler >> 16);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// Reads every package blob; `emit` gets each one with its package index, or an error about
/// one slot or blob. A file that is not an NDB database is an `Err`.
pub(crate) fn read<S: ByteSource + ?Sized>(
    src: &S,
    emit: &mut dyn FnMut(Item),
) -> Result<(), String> {
    let size = src.size();
    let mut h = [0u8; 32];
    src.read_exact_at(&mut h, 0)
        .map_err(|e| format!("header cannot be read: {e}"))?;
    if le32(&h, 0) != PKGDB_MAGIC {
        return Err("not an NDB package database (magic)".to_owned());
    }
    let version = le32(&h, 4);
    if version != 0 {
        return Err(format!("NDB version {version} (this reader knows 0)"));
    }
    let slot_pages = u64::from(le32(&h, 12));
    if slot_pages == 0 || slot_pages * PAGE > size {
        return Err(format!("{slot_pages} slot pages in a file of {size} bytes"));
    }
    if !size.is_multiple_of(BLK) {
        emit(Item::Error(format!(
            "file size {size} is not a multiple of {BLK} (truncated?)"
        )));
    }
    let file_blks = size / BLK;
    let min_blk = slot_pages * PAGE / BLK;
    let mut slots = vec![0u8; (slot_pages * PAGE) as usize];
    src.read_exact_at(&mut slots, 0)
        .map_err(|e| format!("slot pages cannot be read: {e}"))?;
    let mut blob = Vec::new();
    // The first two slots' room holds the database header.
    for (n, slot) in slots.chunks_exact(16).enumerate().skip(2) {
        if le32(slot, 0) != SLOT_MAGIC {
            emit(Item::Error(format!(
                "slot {n}: bad magic; the slot is skipped"
            )));
            continue;
        }
        let (pkgidx, blkoff, blkcnt) = (
            le32(slot, 4),
            u64::from(le32(slot, 8)),
            u64::from(le32(slot, 12)),
        );
        if blkoff == 0 {
            continue; // a free slot
        }
        let bad = |m: String| Item::Error(format!("slot {n} (package {pkgidx}): {m}"));
        if pkgidx == 0 || blkcnt == 0 || blkoff < min_blk || blkoff + blkcnt > file_blks {
            emit(bad(format!(
                "blocks {blkoff}+{blkcnt} out of range (file of {file_blks} blocks)"
            )));
            continue;
        }
        if blkcnt < (HEAD + TAIL).div_ceil(BLK) {
            emit(bad(format!("{blkcnt} blocks cannot hold a blob")));
            continue;
        }
        blob.resize((blkcnt * BLK) as usize, 0);
        if let Err(e) = src.read_exact_at(&mut blob, blkoff * BLK) {
            emit(bad(format!("blob cannot be read: {e}")));
            continue;
        }
        let len = u64::from(le32(&blob, 12));
        if le32(&blob, 0) != BLOBHEAD_MAGIC || le32(&blob, 4) != pkgidx {
            emit(bad(
                "blob head has a wrong magic or package index".to_owned()
            ));
            continue;
        }
        if blkcnt != (HEAD + len + TAIL).div_ceil(BLK) {
            emit(bad(format!(
                "blob length {len} does not match its {blkcnt} blocks"
            )));
            continue;
        }
        let tail = (blkcnt * BLK - TAIL) as usize;
        if u64::from(le32(&blob, tail + 4)) != len || le32(&blob, tail + 8) != BLOBTAIL_MAGIC {
            emit(bad("blob tail has a wrong length or magic".to_owned()));
            continue;
        }
        let sum = adler32(1, blob.get(..tail).unwrap_or(&[]));
        if sum != le32(&blob, tail) {
            emit(bad(
                "blob checksum (Adler-32) mismatch: the blob is corrupt".to_owned(),
            ));
            continue;
        }
        let data = blob
            .get(HEAD as usize..(HEAD + len) as usize)
            .unwrap_or(&[])
            .to_vec();
        emit(Item::Blob(pkgidx, data));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn adler32_of_wikipedia() {
        assert_eq!(super::adler32(1, b"Wikipedia"), 0x11E6_0398);
    }
}
