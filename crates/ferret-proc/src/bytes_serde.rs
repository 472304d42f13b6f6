//! serde helpers: byte strings serialise as escaped text ([`ferret_core::escape`]) and
//! deserialise back to the exact bytes.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

fn un<E: serde::de::Error>(s: &str) -> Result<Vec<u8>, E> {
    ferret_core::escape::unescape(s).map_err(|e| E::custom(format!("{e:?}")))
}

/// `Vec<u8>` as an escaped string.
pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    ferret_core::escape::escape(v).serialize(s)
}

/// `Vec<u8>` from an escaped string.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    un(&String::deserialize(d)?)
}

/// `Option<Vec<u8>>`.
pub mod opt {
    use super::{un, Deserialize, Deserializer, Serialize, Serializer};
    /// Serialise.
    #[allow(clippy::ref_option)] // serde's `with` passes `&Option<T>`.
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_deref().map(ferret_core::escape::escape).serialize(s)
    }
    /// Deserialise.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| un(&s))
            .transpose()
    }
}

/// `Vec<Vec<u8>>`.
pub mod vec {
    use super::{un, Deserialize, Deserializer, Serialize, Serializer};
    /// Serialise.
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|b| ferret_core::escape::escape(b))
            .collect::<Vec<_>>()
            .serialize(s)
    }
    /// Deserialise.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|s| un(s))
            .collect()
    }
}

/// `BTreeMap<String, Vec<u8>>`.
pub mod map {
    use super::{un, BTreeMap, Deserialize, Deserializer, Serialize, Serializer};
    /// Serialise.
    pub fn serialize<S: Serializer>(
        v: &BTreeMap<String, Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|(k, b)| (k.clone(), ferret_core::escape::escape(b)))
            .collect::<BTreeMap<_, _>>()
            .serialize(s)
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
