//! Password-field classification that never keeps the hash.
//!
//! [`classify`] looks at a passwd or shadow password field and returns a [`PasswordStatus`]:
//! what kind of value it is (empty, `x`, locked, a hash and its algorithm and cost), never the
//! hash or salt themselves. [`PasswordField`] wraps the raw field so that `Debug` output of
//! entries cannot leak it either.

use std::fmt;

/// A crypt(3) hash algorithm, recognised by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// Traditional DES crypt: 13 characters, no prefix. Trivially crackable.
    Des,
    /// BSDi extended DES (`_`).
    BsdiDes,
    /// MD5-crypt (`$1$`). Weak.
    Md5,
    /// NT hash (`$3$`). Weak.
    Nthash,
    /// Sun MD5 (`$md5`). Weak.
    SunMd5,
    /// bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`).
    Bcrypt,
    /// SHA-256-crypt (`$5$`).
    Sha256,
    /// SHA-512-crypt (`$6$`).
    Sha512,
    /// scrypt (`$7$`).
    Scrypt,
    /// yescrypt (`$y$`).
    Yescrypt,
    /// gost-yescrypt (`$gy$`).
    GostYescrypt,
    /// Some other `$id$` prefix.
    Unknown,
}

impl HashAlgorithm {
    /// Short lower-case name (`sha512`, `yescrypt`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Des => "des",
            HashAlgorithm::BsdiDes => "bsdi-des",
            HashAlgorithm::Md5 => "md5",
            HashAlgorithm::Nthash => "nthash",
            HashAlgorithm::SunMd5 => "sun-md5",
            HashAlgorithm::Bcrypt => "bcrypt",
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha512 => "sha512",
            HashAlgorithm::Scrypt => "scrypt",
            HashAlgorithm::Yescrypt => "yescrypt",
            HashAlgorithm::GostYescrypt => "gost-yescrypt",
            HashAlgorithm::Unknown => "unknown-hash",
        }
    }

    /// Whether the algorithm is considered broken for password storage (DES, MD5, NT hash).
    pub fn is_weak(self) -> bool {
        matches!(
            self,
            HashAlgorithm::Des
                | HashAlgorithm::BsdiDes
                | HashAlgorithm::Md5
                | HashAlgorithm::Nthash
                | HashAlgorithm::SunMd5
        )
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recognised hash: algorithm and cost, never the hash or salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct HashInfo {
    /// The algorithm.
    pub algorithm: HashAlgorithm,
    /// SHA-crypt `rounds=N` (absent means the default 5000), or bcrypt's log2 cost.
    pub rounds: Option<u32>,
}

/// What a password field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum PasswordStatus {
    /// Empty: no password is needed to log in.
    Empty,
    /// `x` in passwd: the real value is in shadow.
    Shadowed,
    /// Locked: a field starting with `!` (usermod -L, `!!` of fresh accounts), or `*`, `*LK*`,
    /// `!*`. When a hash follows the `!`, unlocking restores it: `hash` says what it is.
    Locked {
        /// The hash behind the lock, if one is there.
        hash: Option<HashInfo>,
    },
    /// A usable hash.
    Hash(HashInfo),
    /// Anything else: no crypt(3) can match it, so it behaves like a lock, but it is not what
    /// tools write.
    Malformed,
}

impl PasswordStatus {
    /// The short status string used by `list` (`empty`, `shadowed`, `locked`, `sha512`,
    /// `malformed`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            PasswordStatus::Empty => "empty",
            PasswordStatus::Shadowed => "shadowed",
            PasswordStatus::Locked { .. } => "locked",
            PasswordStatus::Hash(h) => h.algorithm.as_str(),
            PasswordStatus::Malformed => "malformed",
        }
    }

    /// Whether someone can log in with a password (a hash or nothing at all).
    pub fn is_usable(&self) -> bool {
        matches!(self, PasswordStatus::Empty | PasswordStatus::Hash(_))
    }

    /// The algorithm of a usable or locked hash.
    pub fn algorithm(&self) -> Option<HashAlgorithm> {
        match self {
            PasswordStatus::Hash(h) | PasswordStatus::Locked { hash: Some(h) } => Some(h.algorithm),
            _ => None,
        }
    }
}

impl fmt::Display for PasswordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_crypt64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'/'
}

/// Whether `b` may appear after `$id$` (crypt64, `=,-_`, or the `$` separator). Branch-free
/// so that the check over a whole hash vectorises.
#[allow(clippy::needless_bitwise_bool)] // `|` on purpose: no short-circuit branches
fn param_byte(b: u8) -> bool {
    let lower = b | 0x20;
    (lower.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'.')
        | (b == b'/')
        | (b == b'=')
        | (b == b',')
        | (b == b'-')
        | (b == b'_')
        | (b == b'$')
}

/// Classifies a hash (no lock prefix). `None` when it is not a recognisable hash.
///
/// Allocation-free: the parts after `$id$` are checked in one pass over the bytes.
fn classify_hash(f: &[u8]) -> Option<HashInfo> {
    let info = |algorithm, rounds| Some(HashInfo { algorithm, rounds });
    if f.len() == 13 && f.iter().copied().all(is_crypt64) {
        return info(HashAlgorithm::Des, None);
    }
    if f.len() == 20 && f.first() == Some(&b'_') && f.iter().skip(1).copied().all(is_crypt64) {
        return info(HashAlgorithm::BsdiDes, None);
    }
    let rest = f.strip_prefix(b"$")?;
    let (id, after) = match memchr::memchr(b'$', rest) {
        Some(i) => (rest.get(..i)?, Some(rest.get(i + 1..)?)),
        None => (rest, None),
    };
    // The parts after the id (`rest.split('$')` without its first item): how many, whether
    // the last is non-empty, whether every byte is allowed, and the first part.
    let (count, last_nonempty, all_ok, first) = match after {
        None => (0usize, false, true, &b""[..]),
        Some(a) => {
            // one pass, 32 bytes at a time with byte-wide accumulators (vectorises)
            let (mut dollars, mut bad) = (0usize, 0u8);
            let mut chunks = a.chunks_exact(32);
            for c in &mut chunks {
                let (mut d, mut x) = (0u8, 0u8);
                for &b in c {
                    d += u8::from(b == b'$');
                    x |= u8::from(!param_byte(b));
                }
                dollars += usize::from(d);
                bad |= x;
            }
            for &b in chunks.remainder() {
                dollars += usize::from(b == b'$');
                bad |= u8::from(!param_byte(b));
            }
            let ok = bad == 0;
            let first = a.split(|&b| b == b'$').next().unwrap_or_default();
            (dollars + 1, a.last().is_some_and(|&b| b != b'$'), ok, first)
        }
    };
    // Every `$id$...` hash has at least a salt/setting part and a hash part.
    let well_formed = |min: usize| count >= min && last_nonempty && all_ok;
    match id {
        b"1" | b"md5" | b"3" if well_formed(if id == b"3" { 1 } else { 2 }) => info(
            match id {
                b"1" => HashAlgorithm::Md5,
                b"3" => HashAlgorithm::Nthash,
                _ => HashAlgorithm::SunMd5,
            },
            None,
        ),
        b"2a" | b"2b" | b"2x" | b"2y" if well_formed(2) => {
            let cost = std::str::from_utf8(first).ok().and_then(|c| c.parse().ok());
            info(HashAlgorithm::Bcrypt, cost)
        }
        b"5" | b"6" if well_formed(2) => {
            let rounds = first
                .strip_prefix(b"rounds=")
                .and_then(|r| std::str::from_utf8(r).ok())
                .and_then(|r| r.parse().ok());
            let alg = if id == b"5" {
                HashAlgorithm::Sha256
            } else {
                HashAlgorithm::Sha512
            };
            info(alg, rounds)
        }
        b"7" if well_formed(1) => info(HashAlgorithm::Scrypt, None),
        b"y" if well_formed(3) => info(HashAlgorithm::Yescrypt, None),
        b"gy" if well_formed(3) => info(HashAlgorithm::GostYescrypt, None),
        _ if !id.is_empty() && id.iter().all(u8::is_ascii_alphanumeric) && well_formed(2) => {
            info(HashAlgorithm::Unknown, None)
        }
        _ => None,
    }
}

/// Classifies a passwd or shadow password field. The hash itself is not kept.
///
/// ```
/// use ferret_accounts::password::{classify, PasswordStatus, HashAlgorithm};
/// assert_eq!(classify(b""), PasswordStatus::Empty);
/// assert_eq!(classify(b"x"), PasswordStatus::Shadowed);
/// assert_eq!(classify(b"!!"), PasswordStatus::Locked { hash: None });
/// assert_eq!(classify(b"$6$rounds=1000$salt$hash").algorithm(), Some(HashAlgorithm::Sha512));
/// assert_eq!(classify(b"$y$j9T$salt$hash").as_str(), "yescrypt");
/// ```
pub fn classify(field: &[u8]) -> PasswordStatus {
    match field {
        b"" => PasswordStatus::Empty,
        b"x" => PasswordStatus::Shadowed,
        [b'!', rest @ ..] => {
            let inner = rest.strip_prefix(b"!").unwrap_or(rest);
            PasswordStatus::Locked {
                hash: classify_hash(inner),
            }
        }
        [b'*', ..] => PasswordStatus::Locked { hash: None },
        _ => classify_hash(field).map_or(PasswordStatus::Malformed, PasswordStatus::Hash),
    }
}

/// A password field as read: `Debug` and `Display` show its classification only.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PasswordField<'a>(pub(crate) &'a [u8]);

impl<'a> PasswordField<'a> {
    /// Wraps raw field bytes.
    pub fn new(raw: &'a [u8]) -> Self {
        PasswordField(raw)
    }

    /// Classifies the field.
    pub fn status(&self) -> PasswordStatus {
        classify(self.0)
    }

    /// The raw field, hash included. Only for write-back and comparison: never print it.
    pub fn expose_secret(&self) -> &'a [u8] {
        self.0
    }
}

impl fmt::Debug for PasswordField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PasswordField({})", self.status())
    }
}

impl fmt::Display for PasswordField<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.status(), f)
    }
}

/// An owned password field: `Debug`, `Display` and serde show only the classification.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct OwnedPasswordField(Vec<u8>);

impl OwnedPasswordField {
    /// Wraps raw bytes.
    pub fn new(raw: impl Into<Vec<u8>>) -> Self {
        OwnedPasswordField(raw.into())
    }

    /// Classifies the field.
    pub fn status(&self) -> PasswordStatus {
        classify(&self.0)
    }

    /// The raw field, hash included. Only for write-back and comparison: never print it.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for OwnedPasswordField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnedPasswordField({})", self.status())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for OwnedPasswordField {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.status().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithms() {
        let alg = |s: &[u8]| classify(s).algorithm();
        assert_eq!(alg(b"abJnggxhB/yWI"), Some(HashAlgorithm::Des));
        assert_eq!(
            alg(b"$1$NBLBLIXb$WUgojj1bNuxWEADQGt1m9."),
            Some(HashAlgorithm::Md5)
        );
        assert_eq!(
            classify(b"$2b$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui"),
            PasswordStatus::Hash(HashInfo {
                algorithm: HashAlgorithm::Bcrypt,
                rounds: Some(5)
            })
        );
        assert_eq!(alg(b"$5$salt$abc"), Some(HashAlgorithm::Sha256));
        assert_eq!(
            classify(b"$6$rounds=1000$salt$abc"),
            PasswordStatus::Hash(HashInfo {
                algorithm: HashAlgorithm::Sha512,
                rounds: Some(1000)
            })
        );
        assert_eq!(alg(b"$y$j9T$salt$hash"), Some(HashAlgorithm::Yescrypt));
        assert_eq!(alg(b"$gy$j9T$salt$hash"), Some(HashAlgorithm::GostYescrypt));
        assert_eq!(
            alg(b"$7$CU..../....abc$hashhash"),
            Some(HashAlgorithm::Scrypt)
        );
        assert_eq!(classify(b"pass"), PasswordStatus::Malformed);
        assert_eq!(classify(b"$6$"), PasswordStatus::Malformed);
        assert_eq!(classify(b"$6$salt$"), PasswordStatus::Malformed);
        assert_eq!(
            classify(b"!$6$salt$abc"),
            PasswordStatus::Locked {
                hash: Some(HashInfo {
                    algorithm: HashAlgorithm::Sha512,
                    rounds: None
                })
            }
        );
        assert_eq!(classify(b"*LK*"), PasswordStatus::Locked { hash: None });
        assert_eq!(classify(b"!*"), PasswordStatus::Locked { hash: None });
    }

    /// The first implementation (allocating `params`), kept as the reference.
    fn classify_hash_reference(f: &[u8]) -> Option<HashInfo> {
        let info = |algorithm, rounds| Some(HashInfo { algorithm, rounds });
        if f.len() == 13 && f.iter().copied().all(is_crypt64) {
            return info(HashAlgorithm::Des, None);
        }
        if f.len() == 20 && f.first() == Some(&b'_') && f.iter().skip(1).copied().all(is_crypt64) {
            return info(HashAlgorithm::BsdiDes, None);
        }
        let rest = f.strip_prefix(b"$")?;
        let mut parts = rest.split(|&b| b == b'$');
        let id = parts.next()?;
        let params: Vec<&[u8]> = parts.collect();
        let well_formed = |min: usize| {
            params.len() >= min
                && params.last().is_some_and(|h| !h.is_empty())
                && params.iter().all(|p| {
                    p.iter()
                        .all(|&b| is_crypt64(b) || b == b'=' || b == b',' || b == b'-' || b == b'_')
                })
        };
        match id {
            b"1" | b"md5" | b"3" if well_formed(if id == b"3" { 1 } else { 2 }) => info(
                match id {
                    b"1" => HashAlgorithm::Md5,
                    b"3" => HashAlgorithm::Nthash,
                    _ => HashAlgorithm::SunMd5,
                },
                None,
            ),
            b"2a" | b"2b" | b"2x" | b"2y" if well_formed(2) => {
                let cost = params
                    .first()
                    .and_then(|c| std::str::from_utf8(c).ok())
                    .and_then(|c| c.parse().ok());
                info(HashAlgorithm::Bcrypt, cost)
            }
            b"5" | b"6" if well_formed(2) => {
                let rounds = params
                    .first()
                    .and_then(|p| p.strip_prefix(b"rounds="))
                    .and_then(|r| std::str::from_utf8(r).ok())
                    .and_then(|r| r.parse().ok());
                let alg = if id == b"5" {
                    HashAlgorithm::Sha256
                } else {
                    HashAlgorithm::Sha512
                };
                info(alg, rounds)
            }
            b"7" if well_formed(1) => info(HashAlgorithm::Scrypt, None),
            b"y" if well_formed(3) => info(HashAlgorithm::Yescrypt, None),
            b"gy" if well_formed(3) => info(HashAlgorithm::GostYescrypt, None),
            _ if !id.is_empty() && id.iter().all(u8::is_ascii_alphanumeric) && well_formed(2) => {
                info(HashAlgorithm::Unknown, None)
            }
            _ => None,
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn classify_hash_matches_reference(
            f in proptest::collection::vec(proptest::prop_oneof![
                proptest::sample::select(b"$$$$1256y7gabx=,-_.:/ !*rounds".to_vec()),
                proptest::num::u8::ANY,
            ], 0..40)
        ) {
            proptest::prop_assert_eq!(classify_hash(&f), classify_hash_reference(&f));
        }

        #[test]
        fn classify_hash_matches_reference_on_shapes(
            id in proptest::sample::select(vec!["1", "2a", "2b", "2y", "3", "5", "6", "7", "y", "gy", "md5", "zz", "", "6x"]),
            parts in proptest::collection::vec("[a-zA-Z0-9./=,_$-]{0,6}|rounds=[0-9]{1,6}|[0-9]{1,3}|", 0..5),
        ) {
            let f = format!("${id}${}", parts.join("$"));
            proptest::prop_assert_eq!(classify_hash(f.as_bytes()), classify_hash_reference(f.as_bytes()));
            let g = format!("${id}");
            proptest::prop_assert_eq!(classify_hash(g.as_bytes()), classify_hash_reference(g.as_bytes()));
        }
    }

    #[test]
    fn debug_never_shows_the_hash() {
        let f = PasswordField::new(b"$6$salt$secrethash");
        assert!(!format!("{f:?} {f}").contains("secret"));
        let o = OwnedPasswordField::new(&b"$6$salt$secrethash"[..]);
        assert!(!format!("{o:?}").contains("secret"));
    }
}
