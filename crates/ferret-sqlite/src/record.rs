//! The record format: a header of serial types, then the values
//! (<https://www.sqlite.org/fileformat.html#record_format>).

/// One value of a row, borrowed from the row's payload. Text is bytes in the database's text
/// encoding ([`crate::TextEncoding`]), never converted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// SQL NULL.
    Null,
    /// An integer (serial types 1 to 6, 8 and 9).
    Integer(i64),
    /// A floating-point number (serial type 7).
    Real(f64),
    /// Text, as stored.
    Text(&'a [u8]),
    /// A blob.
    Blob(&'a [u8]),
}

impl<'a> Value<'a> {
    /// The integer, if this is one.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Integer(i) => Some(i),
            _ => None,
        }
    }

    /// The bytes of a text or blob value.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Text(b) | Value::Blob(b) => Some(b),
            _ => None,
        }
    }

    /// Whether this is NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Reads an SQLite varint (1 to 9 bytes, big-endian) at `pos`: the value and its length.
pub(crate) fn varint(buf: &[u8], pos: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..8 {
        let b = *buf.get(pos.checked_add(i)?)?;
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    let b = *buf.get(pos.checked_add(8)?)?;
    Some(((v << 8) | u64::from(b), 9))
}

/// The body length of a value of serial type `t`; `None` for the reserved types 10 and 11.
pub(crate) fn serial_len(t: u64) -> Option<u64> {
    Some(match t {
        0 | 8 | 9 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 6,
        6 | 7 => 8,
        10 | 11 => return None,
        n => (n - 12) / 2,
    })
}

/// One column's place in a record: its serial type and where its body starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub serial: u64,
    pub offset: usize,
}

/// Parses a record header; every value must lie inside `payload`.
pub(crate) fn parse_header(payload: &[u8]) -> Result<Vec<Slot>, &'static str> {
    let (hsize, n) = varint(payload, 0).ok_or("record header size is truncated")?;
    let hsize = usize::try_from(hsize).map_err(|_| "record header size is too large")?;
    if hsize < n || hsize > payload.len() {
        return Err("record header size lies outside the record");
    }
    let mut pos = n;
    let mut body = hsize;
    let mut slots = Vec::new();
    while pos < hsize {
        let (t, n) = varint(payload, pos).ok_or("serial type is truncated")?;
        pos += n;
        if pos > hsize {
            return Err("serial type runs past the record header");
        }
        let len = serial_len(t).ok_or("reserved serial type 10 or 11")?;
        let len = usize::try_from(len).map_err(|_| "value too large")?;
        let end = body
            .checked_add(len)
            .filter(|&e| e <= payload.len())
            .ok_or("value runs past the end of the record")?;
        slots.push(Slot {
            serial: t,
            offset: body,
        });
        body = end;
    }
    Ok(slots)
}

fn be_int(b: &[u8]) -> i64 {
    let mut v: i64 = if b.first().is_some_and(|&x| x & 0x80 != 0) {
        -1
    } else {
        0
    };
    for &x in b {
        v = (v << 8) | i64::from(x);
    }
    v
}

/// Decodes the value in `slot` (already checked by [`parse_header`]).
pub(crate) fn decode(payload: &[u8], slot: Slot) -> Value<'_> {
    let len = serial_len(slot.serial).unwrap_or(0) as usize;
    let bytes = payload
        .get(slot.offset..slot.offset.saturating_add(len))
        .unwrap_or(&[]);
    match slot.serial {
        1..=6 => Value::Integer(be_int(bytes)),
        7 => {
            let mut a = [0u8; 8];
            for (d, s) in a.iter_mut().zip(bytes) {
                *d = *s;
            }
            Value::Real(f64::from_be_bytes(a))
        }
        8 => Value::Integer(0),
        9 => Value::Integer(1),
        n if n >= 12 && n % 2 == 0 => Value::Blob(bytes),
        n if n >= 13 => Value::Text(bytes),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_of_every_length() {
        assert_eq!(varint(&[0x05], 0), Some((5, 1)));
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0x81], 0), None);
    }

    #[test]
    fn integers_are_sign_extended() {
        let p = [0x04, 0x01, 0x03, 0x01, 0xff, 0xff, 0xff, 0xfe, 0x01];
        let slots = parse_header(&p[..]).unwrap();
        assert_eq!(slots.len(), 3);
        assert_eq!(decode(&p, slots[0]), Value::Integer(-1));
        assert_eq!(decode(&p, slots[1]), Value::Integer(-2));
        assert_eq!(decode(&p, slots[2]), Value::Integer(1));
    }

    #[test]
    fn a_value_past_the_end_is_refused() {
        // header size 2, one blob of 10 bytes (serial 32) but nothing after the header.
        assert!(parse_header(&[0x02, 0x20]).is_err());
        assert!(parse_header(&[0x02, 0x0a]).is_err());
        assert!(parse_header(&[0x09]).is_err());
    }
}
