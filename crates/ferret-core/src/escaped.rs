//! serde helpers that write bytes as [escaped](crate::escape) text and read them back exactly.
//!
//! Every ferret record keeps names, paths and log fields as bytes; in JSON they are strings in
//! the one reversible escape of [`crate::escape`] (`\xff` for a byte that is not UTF-8, `\x1b`
//! for a control character, `\\` for a backslash). Use these with serde's `with`:
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
//! struct Rec {
//!     #[serde(with = "ferret_core::escaped")]
//!     name: Vec<u8>,
//!     #[serde(with = "ferret_core::escaped::path")]
//!     file: std::path::PathBuf,
//!     #[serde(with = "ferret_core::escaped::list")]
//!     members: Vec<Vec<u8>>,
//! }
//! use std::os::unix::ffi::OsStrExt;
//! let r = Rec {
//!     name: b"r\xffot\x1b".to_vec(),
//!     file: std::ffi::OsStr::from_bytes(b"/tmp/\xfe").into(),
//!     members: vec![b"a".to_vec()],
//! };
//! let json = serde_json::to_string(&r).unwrap();
//! assert_eq!(json, r#"{"name":"r\\xffot\\x1b","file":"/tmp/\\xfe","members":["a"]}"#);
//! assert_eq!(serde_json::from_str::<Rec>(&json).unwrap(), r);
//! # }
//! ```
//!
//! Serialising accepts anything that derefs to bytes (`Vec<u8>`, `&[u8]`, `Cow<[u8]>`, `Box<[u8]>`);
//! deserialising gives any type built from a `Vec<u8>`.

use crate::escape::{escape, unescape};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

fn un<E: serde::de::Error>(s: &str) -> Result<Vec<u8>, E> {
    unescape(s).map_err(E::custom)
}

/// Bytes as an escaped string.
pub fn serialize<T: AsRef<[u8]> + ?Sized, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&escape(v.as_ref()))
}

/// Bytes from an escaped string.
pub fn deserialize<'de, T: From<Vec<u8>>, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    Ok(T::from(un(&String::deserialize(d)?)?))
}

/// `Option` of bytes (`null` for `None`).
pub mod opt {
    use super::{escape, un, Deserialize, Deserializer, Serialize, Serializer};

    /// Serialise.
    #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
    pub fn serialize<T: AsRef<[u8]>, S: Serializer>(
        v: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().map(|b| escape(b.as_ref())).serialize(s)
    }

    /// Deserialise.
    pub fn deserialize<'de, T: From<Vec<u8>>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| un(&s).map(T::from))
            .transpose()
    }
}

/// A list of byte strings.
pub mod list {
    use super::{escape, un, Deserialize, Deserializer, Serializer};
    use serde::ser::SerializeSeq;

    /// Serialise.
    pub fn serialize<T: AsRef<[u8]>, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(&escape(b.as_ref()))?;
        }
        seq.end()
    }

    /// Deserialise.
    pub fn deserialize<'de, T: From<Vec<u8>>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| un(s).map(T::from))
            .collect()
    }
}

/// A map from text keys to byte strings.
pub mod map {
    use super::{escape, un, BTreeMap, Deserialize, Deserializer, Serializer};
    use serde::ser::SerializeMap;

    /// Serialise.
    pub fn serialize<S: Serializer>(
        v: &BTreeMap<String, Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(v.len()))?;
        for (k, b) in v {
            m.serialize_entry(k, &escape(b))?;
        }
        m.end()
    }

    /// Deserialise.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Vec<u8>>, D::Error> {
        BTreeMap::<String, String>::deserialize(d)?
            .into_iter()
            .map(|(k, s)| Ok((k, un(&s)?)))
            .collect()
    }
}

/// Pairs of byte strings as a JSON object (extended attributes: name to value).
pub mod pairs {
    use super::{escape, un, BTreeMap, Deserialize, Deserializer, Serializer};

    type Pairs = Vec<(Vec<u8>, Vec<u8>)>;
    use serde::ser::SerializeMap;

    /// Serialise.
    pub fn serialize<S: Serializer>(v: &[(Vec<u8>, Vec<u8>)], s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(v.len()))?;
        for (k, b) in v {
            m.serialize_entry(&escape(k), &escape(b))?;
        }
        m.end()
    }

    /// Deserialise (in key order).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        BTreeMap::<String, String>::deserialize(d)?
            .iter()
            .map(|(k, v)| Ok((un(k)?, un(v)?)))
            .collect()
    }
}

/// A path as an escaped string (a non-UTF-8 path serialises instead of failing).
pub mod path {
    use super::{
        escape, un, Deserialize, Deserializer, OsStrExt, OsStringExt, Path, PathBuf, Serializer,
    };

    /// Serialise.
    pub fn serialize<P: AsRef<Path> + ?Sized, S: Serializer>(
        v: &P,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&escape(v.as_ref().as_os_str().as_bytes()))
    }

    /// Deserialise.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        Ok(PathBuf::from(std::ffi::OsString::from_vec(un(
            &String::deserialize(d)?,
        )?)))
    }
}

/// `Option<PathBuf>` as an escaped string or `null`.
pub mod opt_path {
    use super::{
        escape, un, Deserialize, Deserializer, OsStrExt, OsStringExt, PathBuf, Serialize,
        Serializer,
    };

    /// Serialise.
    #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
    pub fn serialize<S: Serializer>(v: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|p| escape(p.as_os_str().as_bytes()))
            .serialize(s)
    }

    /// Deserialise.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| un(&s).map(|b| PathBuf::from(std::ffi::OsString::from_vec(b))))
            .transpose()
    }
}

/// A list of paths.
pub mod path_list {
    use super::{
        escape, un, Deserialize, Deserializer, OsStrExt, OsStringExt, PathBuf, Serializer,
    };
    use serde::ser::SerializeSeq;

    /// Serialise.
    pub fn serialize<S: Serializer>(v: &[PathBuf], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for p in v {
            seq.serialize_element(&escape(p.as_os_str().as_bytes()))?;
        }
        seq.end()
    }

    /// Deserialise.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| un(s).map(|b| PathBuf::from(std::ffi::OsString::from_vec(b))))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::ref_option_ref)] // `Borrowed` has the shape a borrowed record really has.
mod tests {
    use std::borrow::Cow;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct All {
        #[serde(with = "super")]
        a: Vec<u8>,
        #[serde(with = "super::opt")]
        b: Option<Vec<u8>>,
        #[serde(with = "super::list")]
        c: Vec<Vec<u8>>,
        #[serde(with = "super::pairs")]
        d: Vec<(Vec<u8>, Vec<u8>)>,
        #[serde(with = "super::opt_path")]
        e: Option<std::path::PathBuf>,
        #[serde(with = "super::path_list")]
        f: Vec<std::path::PathBuf>,
    }

    #[derive(serde::Serialize)]
    struct Borrowed<'a> {
        #[serde(serialize_with = "super::serialize")]
        a: &'a [u8],
        #[serde(serialize_with = "super::serialize")]
        b: Cow<'a, [u8]>,
        #[serde(serialize_with = "super::opt::serialize")]
        c: Option<&'a [u8]>,
    }

    fn bytes(n: u8) -> Vec<u8> {
        (0..n).map(|i| i.wrapping_mul(37)).collect()
    }

    #[test]
    fn every_helper_round_trips_any_bytes() {
        use std::os::unix::ffi::OsStringExt;
        for n in [0u8, 1, 7, 200] {
            let v = All {
                a: bytes(n),
                b: Some(bytes(n)),
                c: vec![bytes(n), Vec::new()],
                d: vec![(b"k\xff".to_vec(), bytes(n))],
                e: Some(std::ffi::OsString::from_vec(bytes(n)).into()),
                f: vec![std::ffi::OsString::from_vec(bytes(n)).into()],
            };
            let json = serde_json::to_string(&v).unwrap();
            assert!(!json.contains('\u{1b}'), "no raw control bytes: {json}");
            assert_eq!(serde_json::from_str::<All>(&json).unwrap(), v);
        }
    }

    #[test]
    fn borrowed_forms_serialise_like_owned() {
        let x = b"a\x1bb\xff";
        let json = serde_json::to_string(&Borrowed {
            a: x,
            b: Cow::Borrowed(x),
            c: Some(x),
        })
        .unwrap();
        let e = crate::escape::escape(x);
        let q = serde_json::to_string(&e).unwrap();
        assert_eq!(json, format!(r#"{{"a":{q},"b":{q},"c":{q}}}"#));
    }
}
