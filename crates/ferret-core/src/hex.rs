//! Lower-case hexadecimal, the one encoder and decoder every ferret crate uses (digests in
//! baselines and package databases, addresses in `/proc/net`).

/// `bytes` as lower-case hex.
pub fn encode(bytes: &[u8]) -> String {
    fn nibble(n: u8) -> char {
        char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
    }
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(nibble(b >> 4));
        s.push(nibble(b & 0xf));
    }
    s
}

/// The value of one hex digit (either case).
pub fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes `hex` into `out`, which must be exactly half as long; `None` on a length mismatch
/// or a byte that is not a hex digit.
pub fn decode_into(hex: &[u8], out: &mut [u8]) -> Option<()> {
    if hex.len() != out.len().checked_mul(2)? {
        return None;
    }
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *o = (digit(*hi)? << 4) | digit(*lo)?;
    }
    Some(())
}

/// Decodes exactly `N` bytes (`2 * N` digits), e.g. a SHA-256 digest as `decode_array::<32>`.
pub fn decode_array<const N: usize>(hex: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    decode_into(hex, &mut out)?;
    Some(out)
}

/// Decodes any even number of digits.
pub fn decode(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let mut out = vec![0u8; hex.len() / 2];
    decode_into(hex, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let all: Vec<u8> = (0..=255).collect();
        let e = encode(&all);
        assert_eq!(e.len(), 512);
        assert!(e.starts_with("000102") && e.ends_with("fdfeff"));
        assert_eq!(decode(e.as_bytes()).as_deref(), Some(&all[..]));
        assert_eq!(
            decode(e.to_uppercase().as_bytes()).as_deref(),
            Some(&all[..])
        );
        assert_eq!(decode(b"abc"), None);
        assert_eq!(decode(b"zz"), None);
        assert_eq!(decode_array::<2>(b"beef"), Some([0xbe, 0xef]));
        assert_eq!(decode_array::<2>(b"beefee"), None);
        assert_eq!(decode_array::<2>(b"be"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_round_trip(b in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            proptest::prop_assert_eq!(decode(encode(&b).as_bytes()), Some(b));
        }
    }
}
