//! `/etc/passwd`: `name:password:uid:gid:gecos:home:shell`.

use crate::lines::{parse_id, split_fields, Document, Lines, Malformed};
use crate::password::{OwnedPasswordField, PasswordField};

/// One `/etc/passwd` entry, borrowing the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswdEntry<'a> {
    /// Login name (raw bytes).
    pub name: &'a [u8],
    /// Password field (usually `x`); `Debug` shows its classification only.
    pub password: PasswordField<'a>,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// GECOS (comment) field.
    pub gecos: &'a [u8],
    /// Home directory.
    pub home: &'a [u8],
    /// Login shell (empty means `/bin/sh`).
    pub shell: &'a [u8],
}

impl<'a> PasswdEntry<'a> {
    /// Parses one line's text (no ending). NIS, blank and comment lines are handled by [`parse`].
    pub fn parse_line(text: &'a [u8]) -> Result<Self, Malformed> {
        let [name, password, uid, gid, gecos, home, shell] = split_fields::<7>(text)?;
        Ok(PasswdEntry {
            name,
            password: PasswordField(password),
            uid: parse_id(uid, "uid")?,
            gid: parse_id(gid, "gid")?,
            gecos,
            home,
            shell,
        })
    }

    /// The owned twin.
    pub fn to_owned_entry(&self, line: u64) -> OwnedPasswd {
        OwnedPasswd {
            line,
            name: self.name.to_vec(),
            password: OwnedPasswordField::new(self.password.0),
            uid: self.uid,
            gid: self.gid,
            gecos: self.gecos.to_vec(),
            home: self.home.to_vec(),
            shell: self.shell.to_vec(),
        }
    }
}

fn parse_entry(text: &[u8], _line: u64) -> Result<PasswdEntry<'_>, Malformed> {
    PasswdEntry::parse_line(text)
}

impl<'a> crate::lines::ParseEntry<'a> for PasswdEntry<'a> {
    fn parse_entry(text: &'a [u8], _line: u64) -> Result<Self, Malformed> {
        PasswdEntry::parse_line(text)
    }
}

/// Iterates over the lines of a passwd file.
///
/// ```
/// let mut it = ferret_accounts::passwd::parse(b"root:x:0:0:root:/root:/bin/bash\n+::::::\n");
/// let root = it.next().unwrap();
/// assert_eq!(root.number, 1);
/// assert_eq!(root.entry().unwrap().uid, 0);
/// assert!(it.next().unwrap().nis().unwrap().include);
/// ```
pub fn parse(buf: &[u8]) -> Lines<'_, PasswdEntry<'_>> {
    Lines::new(buf, parse_entry)
}

/// Parses a whole passwd file.
pub fn document(buf: &[u8]) -> Document<'_, PasswdEntry<'_>> {
    Document {
        kind: crate::AccountFile::Passwd,
        lines: crate::lines::collect_lines(buf),
    }
}

/// The owned twin of [`PasswdEntry`], for storage; serde output shows the password status only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct OwnedPasswd {
    /// Line number in the file it came from.
    pub line: u64,
    /// Login name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub name: Vec<u8>,
    /// Password field.
    pub password: OwnedPasswordField,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// GECOS field.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub gecos: Vec<u8>,
    /// Home directory.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub home: Vec<u8>,
    /// Login shell.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub shell: Vec<u8>,
}

impl OwnedPasswd {
    /// Writes the entry as a passwd line (no newline). For a parsed entry this is its exact text.
    pub fn to_line(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(64);
        v.extend_from_slice(&self.name);
        v.push(b':');
        v.extend_from_slice(self.password.expose_secret());
        v.extend_from_slice(format!(":{}:{}:", self.uid, self.gid).as_bytes());
        v.extend_from_slice(&self.gecos);
        v.push(b':');
        v.extend_from_slice(&self.home);
        v.push(b':');
        v.extend_from_slice(&self.shell);
        v
    }

    /// Borrows it back as a [`PasswdEntry`].
    pub fn as_entry(&self) -> PasswdEntry<'_> {
        PasswdEntry {
            name: &self.name,
            password: PasswordField(self.password.expose_secret()),
            uid: self.uid,
            gid: self.gid,
            gecos: &self.gecos,
            home: &self.home,
            shell: &self.shell,
        }
    }
}
