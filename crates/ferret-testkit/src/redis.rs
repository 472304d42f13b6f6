//! Redis RDB dumps for planted trees, written byte for byte as Redis 7.0 `SAVE` writes them
//! with `rdbcompression no` and `rdbchecksum no` (checked against redis-server 7.0.15's own
//! dumps in ferret-harden's `tests/exposure.rs`): the magic `REDIS0010`, the `redis-ver` and
//! `redis-bits` auxiliary fields, `SELECTDB 0`, `RESIZEDB`, one string record per pair, `EOF`
//! and an all-zero checksum.

/// Redis's length encoding (6, 14 or 32 bits).
fn len(out: &mut Vec<u8>, n: usize) {
    if n < 1 << 6 {
        out.push(u8::try_from(n).unwrap_or(0));
    } else if n < 1 << 14 {
        out.push(0x40 | u8::try_from(n >> 8).unwrap_or(0));
        out.push(u8::try_from(n & 0xff).unwrap_or(0));
    } else {
        out.push(0x80);
        out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
    }
}

fn string(out: &mut Vec<u8>, s: &[u8]) {
    len(out, s.len());
    out.extend_from_slice(s);
}

/// An RDB dump of database 0 holding the string keys and values `pairs`.
pub fn rdb_dump(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = b"REDIS0010".to_vec();
    out.push(0xfa);
    string(&mut out, b"redis-ver");
    string(&mut out, b"7.0.15");
    out.push(0xfa);
    string(&mut out, b"redis-bits");
    out.extend_from_slice(&[0xc0, 64]);
    out.extend_from_slice(&[0xfe, 0]);
    out.push(0xfb);
    len(&mut out, pairs.len());
    len(&mut out, 0);
    for (k, v) in pairs {
        out.push(0);
        string(&mut out, k);
        string(&mut out, v);
    }
    out.push(0xff);
    out.extend_from_slice(&[0; 8]);
    out
}
