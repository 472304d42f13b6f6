//! `/etc/shadow`: `name:password:lastchg:min:max:warn:inactive:expire:flag`.

use crate::lines::{parse_opt_num, split_fields, Document, Lines, Malformed};
use crate::password::{OwnedPasswordField, PasswordField};

/// Password aging fields of a shadow entry, in days (since the epoch for `lastchg`/`expire`).
/// `None` is an empty field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Aging {
    /// Day of the last password change (0: must change at next login).
    pub lastchg: Option<i64>,
    /// Minimum days between changes.
    pub min: Option<i64>,
    /// Maximum days a password is valid.
    pub max: Option<i64>,
    /// Days of warning before expiry.
    pub warn: Option<i64>,
    /// Days after expiry until the account is disabled.
    pub inactive: Option<i64>,
    /// Day the account expires.
    pub expire: Option<i64>,
    /// Reserved flag field.
    pub flag: Option<i64>,
}

/// One `/etc/shadow` entry, borrowing the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShadowEntry<'a> {
    /// Login name.
    pub name: &'a [u8],
    /// Password field; `Debug` shows its classification only.
    pub password: PasswordField<'a>,
    /// Aging fields.
    pub aging: Aging,
}

impl<'a> ShadowEntry<'a> {
    /// Parses one line's text (no ending).
    pub fn parse_line(text: &'a [u8]) -> Result<Self, Malformed> {
        let [name, password, lastchg, min, max, warn, inactive, expire, flag] =
            split_fields::<9>(text)?;
        Ok(ShadowEntry {
            name,
            password: PasswordField(password),
            aging: Aging {
                lastchg: parse_opt_num(lastchg, "lastchg")?,
                min: parse_opt_num(min, "min")?,
                max: parse_opt_num(max, "max")?,
                warn: parse_opt_num(warn, "warn")?,
                inactive: parse_opt_num(inactive, "inactive")?,
                expire: parse_opt_num(expire, "expire")?,
                flag: parse_opt_num(flag, "flag")?,
            },
        })
    }

    /// The owned twin.
    pub fn to_owned_entry(&self, line: u64) -> OwnedShadow {
        OwnedShadow {
            line,
            name: self.name.to_vec(),
            password: OwnedPasswordField::new(self.password.0),
            aging: self.aging,
        }
    }
}

fn parse_entry(text: &[u8], _line: u64) -> Result<ShadowEntry<'_>, Malformed> {
    ShadowEntry::parse_line(text)
}

impl<'a> crate::lines::ParseEntry<'a> for ShadowEntry<'a> {
    fn parse_entry(text: &'a [u8], _line: u64) -> Result<Self, Malformed> {
        ShadowEntry::parse_line(text)
    }
}

/// Iterates over the lines of a shadow file.
///
/// ```
/// let l = ferret_accounts::shadow::parse(b"root:!:19000:0:99999:7:::\n").next().unwrap();
/// assert_eq!(l.entry().unwrap().aging.lastchg, Some(19000));
/// assert_eq!(l.entry().unwrap().password.status().as_str(), "locked");
/// ```
pub fn parse(buf: &[u8]) -> Lines<'_, ShadowEntry<'_>> {
    Lines::new(buf, parse_entry)
}

/// Parses a whole shadow file.
pub fn document(buf: &[u8]) -> Document<'_, ShadowEntry<'_>> {
    Document {
        kind: crate::AccountFile::Shadow,
        lines: crate::lines::collect_lines(buf),
    }
}

/// The owned twin of [`ShadowEntry`]; serde output shows the password status only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct OwnedShadow {
    /// Line number in the file it came from.
    pub line: u64,
    /// Login name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub name: Vec<u8>,
    /// Password field.
    pub password: OwnedPasswordField,
    /// Aging fields.
    pub aging: Aging,
}

fn push_num(v: &mut Vec<u8>, n: Option<i64>) {
    v.push(b':');
    if let Some(n) = n {
        v.extend_from_slice(n.to_string().as_bytes());
    }
}

impl OwnedShadow {
    /// Writes the entry as a shadow line (no newline).
    pub fn to_line(&self) -> Vec<u8> {
        let mut v = self.name.clone();
        v.push(b':');
        v.extend_from_slice(self.password.expose_secret());
        let a = &self.aging;
        for n in [
            a.lastchg, a.min, a.max, a.warn, a.inactive, a.expire, a.flag,
        ] {
            push_num(&mut v, n);
        }
        v
    }
}
