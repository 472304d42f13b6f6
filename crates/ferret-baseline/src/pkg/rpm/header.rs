//! The rpm header blob, as stored in every rpm database: an index of entries, then a data
//! store. Read the way `lib/header.c` of rpm checks it (`hdrblobInit`, `hdrblobVerifyRegion`,
//! `hdrblobVerifyInfo`, `hdrblobImport`), written here from that specification.
//!
//! ```text
//! be32 il, be32 dl
//! il x { be32 tag, be32 type, be32 offset, be32 count }   (index entries)
//! dl bytes of data
//! ```
//!
//! The first entry of an installed header is usually a region tag (`HEADERIMMUTABLE`, 63)
//! whose data is a trailer entry at the end of the region; its negative offset says how many
//! index entries belong to the region (`ril`). Entries after them ("dribbles", added at install
//! time) replace region entries of the same tag. Every offset, count and length is checked:
//! a hostile header is an error, never a panic or a huge allocation.

use std::fmt;

/// Tag numbers (`include/rpm/rpmtag.h`).
#[allow(missing_docs)]
pub mod tag {
    pub const HEADERIMAGE: u32 = 61;
    pub const HEADERSIGNATURES: u32 = 62;
    pub const HEADERIMMUTABLE: u32 = 63;
    pub const HEADERI18NTABLE: u32 = 100;
    pub const SIGMD5: u32 = 261;
    pub const NAME: u32 = 1000;
    pub const VERSION: u32 = 1001;
    pub const RELEASE: u32 = 1002;
    pub const EPOCH: u32 = 1003;
    pub const SUMMARY: u32 = 1004;
    pub const INSTALLTIME: u32 = 1008;
    pub const SIZE: u32 = 1009;
    pub const VENDOR: u32 = 1011;
    pub const LICENSE: u32 = 1014;
    pub const ARCH: u32 = 1022;
    pub const OLDFILENAMES: u32 = 1027;
    pub const FILESIZES: u32 = 1028;
    pub const FILESTATES: u32 = 1029;
    pub const FILEMODES: u32 = 1030;
    pub const FILERDEVS: u32 = 1033;
    pub const FILEMTIMES: u32 = 1034;
    pub const FILEDIGESTS: u32 = 1035;
    pub const FILELINKTOS: u32 = 1036;
    pub const FILEFLAGS: u32 = 1037;
    pub const FILEUSERNAME: u32 = 1039;
    pub const FILEGROUPNAME: u32 = 1040;
    pub const SOURCERPM: u32 = 1044;
    pub const FILEVERIFYFLAGS: u32 = 1045;
    pub const FILEDEVICES: u32 = 1095;
    pub const FILEINODES: u32 = 1096;
    pub const DIRINDEXES: u32 = 1116;
    pub const BASENAMES: u32 = 1117;
    pub const DIRNAMES: u32 = 1118;
    pub const LONGFILESIZES: u32 = 5008;
    pub const LONGSIZE: u32 = 5009;
    pub const FILECAPS: u32 = 5010;
    pub const FILEDIGESTALGO: u32 = 5011;
    pub const MODULARITYLABEL: u32 = 5096;
    // Scriptlets: the body tag, then the interpreter (`*PROG`) tag (rpm's `rpmtag.h`).
    pub const PREIN: u32 = 1023;
    pub const POSTIN: u32 = 1024;
    pub const PREUN: u32 = 1025;
    pub const POSTUN: u32 = 1026;
    pub const TRIGGERSCRIPTS: u32 = 1065;
    pub const VERIFYSCRIPT: u32 = 1079;
    pub const PREINPROG: u32 = 1085;
    pub const POSTINPROG: u32 = 1086;
    pub const PREUNPROG: u32 = 1087;
    pub const POSTUNPROG: u32 = 1088;
    pub const VERIFYSCRIPTPROG: u32 = 1091;
    pub const TRIGGERSCRIPTPROG: u32 = 1092;
    pub const PRETRANS: u32 = 1151;
    pub const POSTTRANS: u32 = 1152;
    pub const PRETRANSPROG: u32 = 1153;
    pub const POSTTRANSPROG: u32 = 1154;
    pub const FILETRIGGERSCRIPTS: u32 = 5066;
    pub const FILETRIGGERSCRIPTPROG: u32 = 5067;
    pub const TRANSFILETRIGGERSCRIPTS: u32 = 5076;
    pub const TRANSFILETRIGGERSCRIPTPROG: u32 = 5077;
}

/// Data types of header entries.
#[allow(missing_docs)]
pub mod kind {
    pub const NULL: u32 = 0;
    pub const CHAR: u32 = 1;
    pub const INT8: u32 = 2;
    pub const INT16: u32 = 3;
    pub const INT32: u32 = 4;
    pub const INT64: u32 = 5;
    pub const STRING: u32 = 6;
    pub const BIN: u32 = 7;
    pub const STRING_ARRAY: u32 = 8;
    pub const I18NSTRING: u32 = 9;
}

/// Why a header blob was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError(pub String);

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(m: impl Into<String>) -> Result<T, HeaderError> {
    Err(HeaderError(m.into()))
}

/// Most tags one header may have (rpm's `HEADER_TAGS_MAX`).
const MAX_TAGS: u32 = 0xffff;
/// Most data bytes (rpm's `HEADER_DATA_MAX`, 256 MiB).
const MAX_DATA: u32 = 0x0fff_ffff;
/// Most elements of an array (rpm's `HEADER_ARRAY_MAX`: a million files).
const MAX_ARRAY: u32 = 0x000f_ffff;

/// One checked index entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The tag.
    pub tag: u32,
    /// The data type ([`kind`]).
    pub kind: u32,
    /// Offset of the data in the data store.
    pub offset: u32,
    /// Number of elements.
    pub count: u32,
    /// Bytes of data (checked to lie inside the store).
    pub len: u32,
}

/// A parsed header: its checked entries, borrowing the data store.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
}

fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
}

fn type_size(kind: u32) -> Option<u32> {
    match kind {
        kind::CHAR | kind::INT8 | kind::BIN => Some(1),
        kind::INT16 => Some(2),
        kind::INT32 => Some(4),
        kind::INT64 => Some(8),
        _ => None,
    }
}

/// Data length of an entry at `offset` with `count` elements, checked against the store.
fn data_len(data: &[u8], kind: u32, offset: u32, count: u32) -> Result<u32, HeaderError> {
    let start = offset as usize;
    let rest = data.get(start..).unwrap_or(&[]);
    match kind {
        kind::STRING | kind::STRING_ARRAY | kind::I18NSTRING => {
            if kind == kind::STRING && count != 1 {
                return err(format!("string entry with count {count}"));
            }
            let mut pos = 0usize;
            for _ in 0..count {
                let Some(nul) = rest.get(pos..).and_then(|r| r.iter().position(|&b| b == 0)) else {
                    return err("string data runs past the end of the header");
                };
                pos += nul + 1;
            }
            Ok(pos as u32)
        }
        k => {
            let Some(size) = type_size(k) else {
                return err(format!("invalid data type {k}"));
            };
            let len = u64::from(size) * u64::from(count);
            if len > rest.len() as u64 {
                return err(format!(
                    "{count} elements of {size} bytes run past the end of the header"
                ));
            }
            Ok(len as u32)
        }
    }
}

impl<'a> Header<'a> {
    /// Parses and checks a header blob (`il`, `dl`, index, data; no magic).
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, HeaderError> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return err(format!(
                "{} bytes: shorter than the 8-byte header intro",
                blob.len()
            ));
        };
        if il == 0 || il > MAX_TAGS {
            return err(format!("{il} index entries (1 to {MAX_TAGS} allowed)"));
        }
        if dl > MAX_DATA {
            return err(format!("{dl} data bytes (at most {MAX_DATA})"));
        }
        let index_end = 8 + 16 * il as usize;
        let want = index_end + dl as usize;
        if blob.len() != want {
            return err(format!(
                "size {} does not match its counts (8 + 16 x {il} entries + {dl} data bytes = {want})",
                blob.len()
            ));
        }
        let data = blob.get(index_end..).unwrap_or(&[]);
        let raw = |i: u32| -> (u32, u32, u32, u32) {
            let o = 8 + 16 * i as usize;
            (
                be32(blob, o).unwrap_or(0),
                be32(blob, o + 4).unwrap_or(0),
                be32(blob, o + 8).unwrap_or(0),
                be32(blob, o + 12).unwrap_or(0),
            )
        };
        // The region: how many entries belong to it (the rest are dribbles).
        let (first_tag, first_kind, first_off, first_count) = raw(0);
        let mut ril = il;
        let mut start = 0;
        if matches!(
            first_tag,
            tag::HEADERIMAGE | tag::HEADERSIGNATURES | tag::HEADERIMMUTABLE
        ) {
            if first_kind != kind::BIN || first_count != 16 {
                return err(format!(
                    "region tag {first_tag}: bad type {first_kind} or count {first_count}"
                ));
            }
            let trailer = first_off as usize;
            let Some(t) = data
                .get(trailer..trailer.wrapping_add(16))
                .filter(|_| trailer <= dl as usize)
            else {
                return err(format!(
                    "region trailer offset {first_off} lies outside the data"
                ));
            };
            let (ttag, tkind, toff, tcount) = (
                be32(t, 0).unwrap_or(0),
                be32(t, 4).unwrap_or(0),
                be32(t, 8).unwrap_or(0) as i32,
                be32(t, 12).unwrap_or(0),
            );
            let ttag_ok = ttag == first_tag
                || (first_tag == tag::HEADERSIGNATURES && ttag == tag::HEADERIMAGE);
            if !ttag_ok || tkind != kind::BIN || tcount != 16 {
                return err(format!(
                    "region trailer: bad tag {ttag}, type {tkind} or count {tcount}"
                ));
            }
            let neg = toff.checked_neg().filter(|&n| n > 0 && n % 16 == 0);
            let Some(neg) = neg else {
                return err(format!(
                    "region trailer offset {toff} is not a negative multiple of 16"
                ));
            };
            ril = neg as u32 / 16;
            if ril > il || ril == 0 {
                return err(format!("region of {ril} entries in a header of {il}"));
            }
            start = 1;
        } else if first_tag < tag::HEADERI18NTABLE {
            return err(format!(
                "first tag {first_tag} is neither a region nor a legacy header tag"
            ));
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(il as usize);
        for i in start..il {
            let (t, k, off, count) = raw(i);
            if t < tag::HEADERI18NTABLE {
                return err(format!("entry {i}: tag {t} below {}", tag::HEADERI18NTABLE));
            }
            if k > kind::I18NSTRING || k == kind::NULL {
                return err(format!("entry {i} (tag {t}): invalid type {k}"));
            }
            if count == 0 || count > dl {
                return err(format!("entry {i} (tag {t}): count {count} out of range"));
            }
            if k != kind::BIN && count > MAX_ARRAY {
                return err(format!(
                    "entry {i} (tag {t}): {count} elements (at most {MAX_ARRAY})"
                ));
            }
            if off > dl {
                return err(format!(
                    "entry {i} (tag {t}): offset {off} past the data ({dl} bytes)"
                ));
            }
            let align = type_size(k).unwrap_or(1);
            if matches!(k, kind::INT16 | kind::INT32 | kind::INT64) && off % align != 0 {
                return err(format!(
                    "entry {i} (tag {t}): offset {off} not aligned for type {k}"
                ));
            }
            let len = data_len(data, k, off, count)
                .map_err(|e| HeaderError(format!("entry {i} (tag {t}): {e}")))?;
            let e = Entry {
                tag: t,
                kind: k,
                offset: off,
                count,
                len,
            };
            if i >= ril {
                // A dribble replaces the region's entry of the same tag (and new BASENAMES
                // replace old-style OLDFILENAMES).
                entries
                    .retain(|x| x.tag != t && !(t == tag::BASENAMES && x.tag == tag::OLDFILENAMES));
            }
            entries.push(e);
        }
        Ok(Header { data, entries })
    }

    /// The checked entries (region entries, then dribbles that replaced theirs).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of `tag` (the last one when a tag repeats).
    pub fn entry(&self, tag: u32) -> Option<Entry> {
        self.entries.iter().rev().find(|e| e.tag == tag).copied()
    }

    fn bytes(&self, e: Entry) -> &'a [u8] {
        let s = e.offset as usize;
        self.data.get(s..s + e.len as usize).unwrap_or(&[])
    }

    fn want(&self, tag: u32, kinds: &[u32]) -> Result<Option<Entry>, HeaderError> {
        match self.entry(tag) {
            None => Ok(None),
            Some(e) if kinds.contains(&e.kind) => Ok(Some(e)),
            Some(e) => err(format!("tag {tag} has type {}, expected {kinds:?}", e.kind)),
        }
    }

    /// A string tag (STRING, or the first string of an I18NSTRING / STRING_ARRAY), without
    /// its NUL.
    pub fn string(&self, tag: u32) -> Result<Option<&'a [u8]>, HeaderError> {
        let Some(e) = self.want(tag, &[kind::STRING, kind::I18NSTRING, kind::STRING_ARRAY])? else {
            return Ok(None);
        };
        let b = self.bytes(e);
        Ok(Some(b.split(|&c| c == 0).next().unwrap_or(&[])))
    }

    /// A string array (each string without its NUL); a STRING reads as one element.
    pub fn strings(&self, tag: u32) -> Result<Option<Vec<&'a [u8]>>, HeaderError> {
        let Some(e) = self.want(tag, &[kind::STRING_ARRAY, kind::I18NSTRING, kind::STRING])? else {
            return Ok(None);
        };
        let b = self.bytes(e);
        let b = b.strip_suffix(&[0]).unwrap_or(b);
        Ok(Some(b.split(|&c| c == 0).take(e.count as usize).collect()))
    }

    fn ints(&self, tag: u32, k: u32, size: usize) -> Result<Option<Vec<u64>>, HeaderError> {
        let Some(e) = self.want(tag, &[k])? else {
            return Ok(None);
        };
        Ok(Some(
            self.bytes(e)
                .chunks_exact(size)
                .map(|c| c.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
                .collect(),
        ))
    }

    /// An INT32 array.
    pub fn u32s(&self, tag: u32) -> Result<Option<Vec<u32>>, HeaderError> {
        Ok(self
            .ints(tag, kind::INT32, 4)?
            .map(|v| v.into_iter().map(|x| x as u32).collect()))
    }

    /// An INT16 array.
    pub fn u16s(&self, tag: u32) -> Result<Option<Vec<u16>>, HeaderError> {
        Ok(self
            .ints(tag, kind::INT16, 2)?
            .map(|v| v.into_iter().map(|x| x as u16).collect()))
    }

    /// An INT64 array.
    pub fn u64s(&self, tag: u32) -> Result<Option<Vec<u64>>, HeaderError> {
        self.ints(tag, kind::INT64, 8)
    }

    /// The first element of an INT32 tag.
    pub fn u32(&self, tag: u32) -> Result<Option<u32>, HeaderError> {
        Ok(self.u32s(tag)?.and_then(|v| v.first().copied()))
    }

    /// The bytes of a BIN, CHAR or INT8 tag.
    pub fn bin(&self, tag: u32) -> Result<Option<&'a [u8]>, HeaderError> {
        Ok(self
            .want(tag, &[kind::BIN, kind::CHAR, kind::INT8])?
            .map(|e| self.bytes(e)))
    }
}

/// Builds a header blob from entries (tests and fuzz seeds): `(tag, type, count, data)`, laid
/// out with the alignment rpm uses, inside an immutable region when `region` is set, followed
/// by `dribbles` outside it. Public only as `fuzzing::build_header`.
pub(crate) fn build(
    entries: &[(u32, u32, u32, Vec<u8>)],
    dribbles: &[(u32, u32, u32, Vec<u8>)],
    region: bool,
) -> Vec<u8> {
    fn put(data: &mut Vec<u8>, index: &mut Vec<[u32; 4]>, (t, k, c, d): &(u32, u32, u32, Vec<u8>)) {
        let a = type_size(*k)
            .filter(|_| matches!(*k, kind::INT16 | kind::INT32 | kind::INT64))
            .unwrap_or(1) as usize;
        while !data.len().is_multiple_of(a) {
            data.push(0);
        }
        index.push([*t, *k, data.len() as u32, *c]);
        data.extend_from_slice(d);
    }
    let mut data: Vec<u8> = Vec::new();
    let mut index: Vec<[u32; 4]> = Vec::new();
    if region {
        index.push([0; 4]);
    }
    for e in entries {
        put(&mut data, &mut index, e);
    }
    if region {
        let ril = index.len() as u32;
        let off = data.len() as u32;
        let neg = (-(16 * ril as i32)) as u32;
        for w in [tag::HEADERIMMUTABLE, kind::BIN, neg, 16] {
            data.extend_from_slice(&w.to_be_bytes());
        }
        if let Some(first) = index.first_mut() {
            *first = [tag::HEADERIMMUTABLE, kind::BIN, off, 16];
        }
    }
    for e in dribbles {
        put(&mut data, &mut index, e);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&(index.len() as u32).to_be_bytes());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    for e in &index {
        for w in e {
            out.extend_from_slice(&w.to_be_bytes());
        }
    }
    out.extend_from_slice(&data);
    out
}
