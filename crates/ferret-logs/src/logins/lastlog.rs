//! `lastlog`: one 292-byte record per uid (`struct lastlog`: a 32-bit `ll_time`, 32 bytes of
//! `ll_line`, 256 of `ll_host`), at offset `uid * 292`, in a sparse file (a uid of 4294967294
//! puts the end of the file past a terabyte). Records that are all zero are users who never
//! logged in and are not returned.
//!
//! On a file, only the parts that hold data are read (`lseek` `SEEK_DATA`/`SEEK_HOLE`), so the
//! work follows what the file holds, not its apparent size; where the file system cannot say,
//! the file is read from the start up to a cap.

use std::os::unix::fs::FileExt;

use crate::logins::utmp::{cstr, Damage};

/// Bytes of one record.
pub const LASTLOG_RECORD: usize = 292;

/// One user's last login, from `lastlog` (by uid) or `lastlog2` (by name).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LastlogEntry {
    /// The uid (`lastlog`: the record's position).
    pub uid: Option<u32>,
    /// The user name (`lastlog2`, or `lastlog`'s uid looked up in the root's passwd).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub user: Option<Vec<u8>>,
    /// The login time in seconds (`ll_time`).
    pub time: i64,
    /// The terminal.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub line: Vec<u8>,
    /// The remote host.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub host: Vec<u8>,
    /// The PAM service (`lastlog2` only).
    #[cfg_attr(
        feature = "serde",
        serde(
            with = "ferret_core::escaped::opt",
            skip_serializing_if = "Option::is_none"
        )
    )]
    pub service: Option<Vec<u8>>,
    /// 1-based position of the record (`lastlog`: uid + 1; `lastlog2`: the row id).
    pub record: u64,
    /// A time before 1970 or after 2100.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub damage: Option<Damage>,
}

/// The entry of the record at `uid`, `None` when the record is all zero.
pub fn parse_record(uid: u32, rec: &[u8]) -> Option<LastlogEntry> {
    if rec.iter().all(|&b| b == 0) {
        return None;
    }
    let mut t = [0u8; 4];
    t.copy_from_slice(rec.get(..4)?);
    let time = i64::from(i32::from_le_bytes(t));
    let damage = (!(0..=4_102_444_800).contains(&time)).then_some(Damage::Implausible);
    Some(LastlogEntry {
        uid: Some(uid),
        user: None,
        time,
        line: cstr(rec.get(4..36)?).to_vec(),
        host: cstr(rec.get(36..292)?).to_vec(),
        service: None,
        record: u64::from(uid) + 1,
        damage,
    })
}

/// The entries of a `lastlog` held in memory, in uid order; a record cut short at the end is
/// ignored (its size is `buf.len() % 292`).
///
/// ```
/// let mut file = vec![0u8; 292 * 1001];
/// let at = 292 * 1000;
/// file[at..at + 4].copy_from_slice(&1_700_000_000i32.to_le_bytes());
/// file[at + 4..at + 9].copy_from_slice(b"pts/3");
/// file[at + 36..at + 47].copy_from_slice(b"203.0.113.9");
/// let e: Vec<_> = ferret_logs::logins::parse_lastlog(&file).collect();
/// assert_eq!(e.len(), 1);
/// assert_eq!((e[0].uid, e[0].time, &e[0].line[..]), (Some(1000), 1_700_000_000, &b"pts/3"[..]));
/// ```
pub fn parse_lastlog(buf: &[u8]) -> impl Iterator<Item = LastlogEntry> + '_ {
    buf.chunks_exact(LASTLOG_RECORD)
        .enumerate()
        .filter_map(|(i, rec)| parse_record(u32::try_from(i).ok()?, rec))
}

/// What reading a `lastlog` file gave.
#[derive(Debug, Default)]
pub(crate) struct LastlogRead {
    pub entries: Vec<LastlogEntry>,
    /// Bytes of data read.
    pub read: u64,
    /// Whether the cap stopped the reading before the end.
    pub capped: bool,
    /// Bytes of a record cut short at the end of the file.
    pub trailing: u64,
}

/// Reads the data extents of a `lastlog` file (see the module docs), at most `cap` bytes of
/// data.
pub(crate) fn read_file(
    file: &std::fs::File,
    size: u64,
    cap: u64,
    control: &ferret_core::Control,
) -> std::io::Result<LastlogRead> {
    let rec = LASTLOG_RECORD as u64;
    let mut out = LastlogRead {
        trailing: size % rec,
        ..LastlogRead::default()
    };
    let whole = size - size % rec;
    let mut buf = vec![0u8; 64 * LASTLOG_RECORD * 16];
    let mut off = 0u64;
    while off < whole {
        if control.is_cancelled() {
            break;
        }
        let (data, hole) = match extent(file, off) {
            Extent::Data(d, h) => (d, h.min(whole)),
            Extent::End => break,
            Extent::Unknown => (off, whole),
        };
        // Whole records covering [data, hole).
        let mut at = data - data % rec;
        let end = hole.div_ceil(rec).saturating_mul(rec).min(whole);
        while at < end {
            if out.read >= cap {
                out.capped = true;
                return Ok(out);
            }
            let n = (end - at).min(buf.len() as u64) as usize;
            let chunk = buf.get_mut(..n).unwrap_or_default();
            file.read_exact_at(chunk, at)?;
            if !control.charge(n as u64) {
                break;
            }
            out.read += n as u64;
            let first_uid = at / rec;
            for (i, r) in chunk.chunks_exact(LASTLOG_RECORD).enumerate() {
                let Ok(uid) = u32::try_from(first_uid + i as u64) else {
                    continue;
                };
                if let Some(e) = parse_record(uid, r) {
                    out.entries.push(e);
                }
            }
            at += n as u64;
        }
        off = end.max(off + rec);
    }
    Ok(out)
}

enum Extent {
    /// Data from the first offset up to the second (a hole or the end).
    Data(u64, u64),
    /// No data at or after the offset.
    End,
    /// The file system cannot tell: read on.
    Unknown,
}

fn extent(file: &std::fs::File, off: u64) -> Extent {
    use nix::unistd::{lseek, Whence};
    let Ok(o) = i64::try_from(off) else {
        return Extent::End;
    };
    match lseek(file, o, Whence::SeekData) {
        Ok(d) => {
            let d = d as u64;
            match lseek(file, d as i64, Whence::SeekHole) {
                Ok(h) => Extent::Data(d, h as u64),
                Err(_) => Extent::Unknown,
            }
        }
        Err(nix::errno::Errno::ENXIO) => Extent::End,
        Err(_) => Extent::Unknown,
    }
}
