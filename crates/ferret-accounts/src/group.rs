//! `/etc/group` (`name:password:gid:members`) and `/etc/gshadow`
//! (`name:password:admins:members`).

use crate::lines::{parse_id, split_fields, split_list, Document, Lines, Malformed};
use crate::password::{OwnedPasswordField, PasswordField};

/// One `/etc/group` entry, borrowing the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupEntry<'a> {
    /// Group name.
    pub name: &'a [u8],
    /// Password field (usually `x`).
    pub password: PasswordField<'a>,
    /// Group id.
    pub gid: u32,
    /// Supplementary members, in file order (the raw field is `members.join(",")`).
    pub members: Vec<&'a [u8]>,
}

impl<'a> GroupEntry<'a> {
    /// Parses one line's text (no ending).
    pub fn parse_line(text: &'a [u8]) -> Result<Self, Malformed> {
        let [name, password, gid, members] = split_fields::<4>(text)?;
        Ok(GroupEntry {
            name,
            password: PasswordField(password),
            gid: parse_id(gid, "gid")?,
            members: split_list(members),
        })
    }

    /// The owned twin.
    pub fn to_owned_entry(&self, line: u64) -> OwnedGroup {
        OwnedGroup {
            line,
            name: self.name.to_vec(),
            password: OwnedPasswordField::new(self.password.0),
            gid: self.gid,
            members: self.members.iter().map(|m| m.to_vec()).collect(),
        }
    }
}

/// One `/etc/gshadow` entry, borrowing the input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GshadowEntry<'a> {
    /// Group name.
    pub name: &'a [u8],
    /// Group password field.
    pub password: PasswordField<'a>,
    /// Group administrators.
    pub admins: Vec<&'a [u8]>,
    /// Members.
    pub members: Vec<&'a [u8]>,
}

impl<'a> GshadowEntry<'a> {
    /// Parses one line's text (no ending).
    pub fn parse_line(text: &'a [u8]) -> Result<Self, Malformed> {
        let [name, password, admins, members] = split_fields::<4>(text)?;
        Ok(GshadowEntry {
            name,
            password: PasswordField(password),
            admins: split_list(admins),
            members: split_list(members),
        })
    }

    /// The owned twin.
    pub fn to_owned_entry(&self, line: u64) -> OwnedGshadow {
        OwnedGshadow {
            line,
            name: self.name.to_vec(),
            password: OwnedPasswordField::new(self.password.0),
            admins: self.admins.iter().map(|m| m.to_vec()).collect(),
            members: self.members.iter().map(|m| m.to_vec()).collect(),
        }
    }
}

impl<'a> crate::lines::ParseEntry<'a> for GroupEntry<'a> {
    fn parse_entry(text: &'a [u8], _line: u64) -> Result<Self, Malformed> {
        GroupEntry::parse_line(text)
    }
}

impl<'a> crate::lines::ParseEntry<'a> for GshadowEntry<'a> {
    fn parse_entry(text: &'a [u8], _line: u64) -> Result<Self, Malformed> {
        GshadowEntry::parse_line(text)
    }
}

fn parse_group(text: &[u8], _line: u64) -> Result<GroupEntry<'_>, Malformed> {
    GroupEntry::parse_line(text)
}

fn parse_gshadow(text: &[u8], _line: u64) -> Result<GshadowEntry<'_>, Malformed> {
    GshadowEntry::parse_line(text)
}

/// Iterates over the lines of a group file.
///
/// ```
/// let l = ferret_accounts::group::parse(b"sudo:x:27:alice,bob\n").next().unwrap();
/// assert_eq!(l.entry().unwrap().members, [&b"alice"[..], b"bob"]);
/// ```
pub fn parse(buf: &[u8]) -> Lines<'_, GroupEntry<'_>> {
    Lines::new(buf, parse_group)
}

/// Parses a whole group file.
pub fn document(buf: &[u8]) -> Document<'_, GroupEntry<'_>> {
    Document {
        kind: crate::AccountFile::Group,
        lines: crate::lines::collect_lines(buf),
    }
}

/// Iterates over the lines of a gshadow file.
pub fn parse_gshadow_lines(buf: &[u8]) -> Lines<'_, GshadowEntry<'_>> {
    Lines::new(buf, parse_gshadow)
}

/// Parses a whole gshadow file.
pub fn gshadow_document(buf: &[u8]) -> Document<'_, GshadowEntry<'_>> {
    Document {
        kind: crate::AccountFile::Gshadow,
        lines: crate::lines::collect_lines(buf),
    }
}

fn join(v: &mut Vec<u8>, list: &[Vec<u8>]) {
    for (i, m) in list.iter().enumerate() {
        if i > 0 {
            v.push(b',');
        }
        v.extend_from_slice(m);
    }
}

/// The owned twin of [`GroupEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct OwnedGroup {
    /// Line number in the file it came from.
    pub line: u64,
    /// Group name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub name: Vec<u8>,
    /// Password field.
    pub password: OwnedPasswordField,
    /// Group id.
    pub gid: u32,
    /// Members.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub members: Vec<Vec<u8>>,
}

impl OwnedGroup {
    /// Writes the entry as a group line (no newline).
    pub fn to_line(&self) -> Vec<u8> {
        let mut v = self.name.clone();
        v.push(b':');
        v.extend_from_slice(self.password.expose_secret());
        v.extend_from_slice(format!(":{}:", self.gid).as_bytes());
        join(&mut v, &self.members);
        v
    }
}

/// The owned twin of [`GshadowEntry`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct OwnedGshadow {
    /// Line number in the file it came from.
    pub line: u64,
    /// Group name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub name: Vec<u8>,
    /// Password field.
    pub password: OwnedPasswordField,
    /// Administrators.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub admins: Vec<Vec<u8>>,
    /// Members.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub members: Vec<Vec<u8>>,
}

impl OwnedGshadow {
    /// Writes the entry as a gshadow line (no newline).
    pub fn to_line(&self) -> Vec<u8> {
        let mut v = self.name.clone();
        v.push(b':');
        v.extend_from_slice(self.password.expose_secret());
        v.push(b':');
        join(&mut v, &self.admins);
        v.push(b':');
        join(&mut v, &self.members);
        v
    }
}
