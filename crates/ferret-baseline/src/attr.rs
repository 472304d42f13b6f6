//! Attributes a baseline records and compares, and AIDE-style groups of them.

use crate::Error;
use std::fmt;

/// One attribute of a filesystem object that a baseline can compare.
///
/// The names (`as_str`) are the ones used in JSON reports and in the `check` example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Attr {
    /// Object type (regular, directory, symlink, fifo, ...).
    Type,
    /// Permission bits including setuid/setgid/sticky.
    Mode,
    /// Owner.
    Uid,
    /// Group.
    Gid,
    /// Size in bytes.
    Size,
    /// Last content modification.
    Mtime,
    /// Last status change.
    Ctime,
    /// Inode number.
    Inode,
    /// Hard-link count.
    Nlink,
    /// Target of a symbolic link (as stored, never followed).
    LinkTarget,
    /// Extended attributes (`security.capability`, `security.selinux`, ...).
    Xattrs,
    /// SHA-256 of the content.
    Sha256,
    /// BLAKE3 of the content.
    Blake3,
    /// Inode flags (`FS_IOC_GETFLAGS`, what `lsattr` shows: `i` immutable, `a` append-only,
    /// ...) of regular files and directories; AIDE calls it `e2fsattrs` (accepted as a name
    /// too). Declared last so that older attributes keep their bits in stored baselines.
    InodeFlags,
}

impl Attr {
    /// Every attribute, in report order.
    pub const ALL: [Attr; 14] = [
        Attr::Type,
        Attr::Mode,
        Attr::Uid,
        Attr::Gid,
        Attr::Size,
        Attr::Mtime,
        Attr::Ctime,
        Attr::Inode,
        Attr::Nlink,
        Attr::LinkTarget,
        Attr::Xattrs,
        Attr::InodeFlags,
        Attr::Sha256,
        Attr::Blake3,
    ];

    /// The name used in reports: `type`, `mode`, `uid`, `gid`, `size`, `mtime`, `ctime`,
    /// `inode`, `nlink`, `link_target`, `xattrs`, `inode_flags`, `sha256`, `blake3`.
    pub fn as_str(self) -> &'static str {
        match self {
            Attr::Type => "type",
            Attr::Mode => "mode",
            Attr::Uid => "uid",
            Attr::Gid => "gid",
            Attr::Size => "size",
            Attr::Mtime => "mtime",
            Attr::Ctime => "ctime",
            Attr::Inode => "inode",
            Attr::Nlink => "nlink",
            Attr::LinkTarget => "link_target",
            Attr::Xattrs => "xattrs",
            Attr::Sha256 => "sha256",
            Attr::Blake3 => "blake3",
            Attr::InodeFlags => "inode_flags",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Attr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names [`Attr`] parses from, for error messages.
const ATTR_NAMES: &str = "type, mode, uid, gid, size, mtime, ctime, inode, nlink, link_target, \
     xattrs, inode_flags (or AIDE's e2fsattrs), sha256, blake3";

impl std::str::FromStr for Attr {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "e2fsattrs" {
            return Ok(Attr::InodeFlags);
        }
        Attr::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| Error::UnknownName {
                what: "attribute",
                name: s.to_owned(),
                expected: ATTR_NAMES,
            })
    }
}

/// A set of [`Attr`]s (a bit set), plus the "growing" rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AttrSet(u16);

/// The bit that marks a "growing" set: size may only grow, content hashes are checked over
/// the old prefix, mtime/ctime may move.
const GROWING: u16 = 1 << 15;

impl AttrSet {
    /// No attributes.
    pub const EMPTY: AttrSet = AttrSet(0);

    /// From raw bits (as stored in a baseline); unknown bits are dropped.
    pub fn from_bits(bits: u16) -> Self {
        AttrSet(bits & (GROWING | ((1 << Attr::ALL.len()) - 1)))
    }

    /// The raw bits.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// AIDE's idea of "everything": type, mode, uid, gid, size, mtime, ctime, inode, nlink,
    /// link target, xattrs, inode flags and the content hashes the scan computes.
    pub fn full() -> Self {
        Attr::ALL.into_iter().collect()
    }

    /// Ownership and mode only (plus type and link target, so a file replaced by a symlink is
    /// still noticed): for files whose content legitimately changes (logs, spools).
    pub fn log() -> Self {
        [
            Attr::Type,
            Attr::Mode,
            Attr::Uid,
            Attr::Gid,
            Attr::LinkTarget,
        ]
        .into_iter()
        .collect()
    }

    /// A file that may only grow (append-only logs): type, mode, owner, inode, link target,
    /// xattrs and inode flags (an append-only `a` removed is a change) must stay; the size may
    /// not shrink and the hash of the old content (the prefix of the new file) must still match.
    pub fn growing() -> Self {
        let mut s: AttrSet = [
            Attr::Type,
            Attr::Mode,
            Attr::Uid,
            Attr::Gid,
            Attr::Size,
            Attr::Inode,
            Attr::LinkTarget,
            Attr::Xattrs,
            Attr::InodeFlags,
            Attr::Sha256,
            Attr::Blake3,
        ]
        .into_iter()
        .collect();
        s.0 |= GROWING;
        s
    }

    /// Whether `a` is in the set.
    pub fn contains(self, a: Attr) -> bool {
        self.0 & a.bit() != 0
    }

    /// Adds `a`.
    pub fn with(mut self, a: Attr) -> Self {
        self.0 |= a.bit();
        self
    }

    /// Removes `a`.
    pub fn without(mut self, a: Attr) -> Self {
        self.0 &= !a.bit();
        self
    }

    /// Whether this is a "growing" set.
    pub fn is_growing(self) -> bool {
        self.0 & GROWING != 0
    }

    /// The set a format-1 baseline stored as `full` or `growing` (written before inode flags
    /// were an attribute) means today: the same group, now with [`Attr::InodeFlags`], which
    /// those baselines did not record (so it is "not recorded", never "changed"). Any other set
    /// is kept as stored.
    pub(crate) fn from_v1_bits(bits: u16) -> Self {
        let v1 = AttrSet::from_bits(bits);
        let flags = Attr::InodeFlags.bit();
        if v1 == Self::full().without(Attr::InodeFlags) {
            Self::full()
        } else if v1.0 == Self::growing().0 & !flags {
            Self::growing()
        } else {
            v1
        }
    }

    /// Whether the set asks for a content hash.
    pub fn wants_content(self) -> bool {
        self.contains(Attr::Sha256) || self.contains(Attr::Blake3)
    }

    /// The attributes in the set, in report order.
    pub fn iter(self) -> impl Iterator<Item = Attr> {
        Attr::ALL.into_iter().filter(move |a| self.contains(*a))
    }

    /// The group name when the set is one of the named groups, else the `+` list.
    pub fn name(self) -> String {
        if self == Self::full() {
            "full".into()
        } else if self == Self::log() {
            "log".into()
        } else if self == Self::growing() {
            "growing".into()
        } else {
            let v: Vec<&str> = self.iter().map(Attr::as_str).collect();
            v.join("+")
        }
    }
}

/// Parses a group name (`full`, `log`, `growing`, or AIDE's `R`, `L`, `>`) or a `+`-separated
/// attribute list (`type+mode+sha256`).
impl std::str::FromStr for AttrSet {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" | "R" => Ok(Self::full()),
            "log" | "L" => Ok(Self::log()),
            "growing" | ">" => Ok(Self::growing()),
            _ => s
                .split('+')
                .map(str::parse::<Attr>)
                .collect::<Result<AttrSet, _>>(),
        }
    }
}

impl FromIterator<Attr> for AttrSet {
    fn from_iter<I: IntoIterator<Item = Attr>>(iter: I) -> Self {
        let mut s = AttrSet::EMPTY;
        for a in iter {
            s = s.with(a);
        }
        s
    }
}

impl fmt::Display for AttrSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for AttrSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for AttrSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse_and_name() {
        for g in ["full", "log", "growing"] {
            assert_eq!(g.parse::<AttrSet>().unwrap().name(), g);
        }
        let s: AttrSet = "mode+sha256".parse().unwrap();
        assert!(s.contains(Attr::Mode) && s.contains(Attr::Sha256) && !s.contains(Attr::Uid));
        assert_eq!(s.name(), "mode+sha256");
        let e = "mode+bogus".parse::<AttrSet>().unwrap_err();
        assert!(
            matches!(e, Error::UnknownName { what: "attribute", ref name, .. } if name == "bogus"),
            "{e}"
        );
        // Every attribute's name parses back to it (the list in the error message is whole).
        for a in Attr::ALL {
            assert_eq!(a.as_str().parse::<Attr>().unwrap(), a);
            assert!(ATTR_NAMES.contains(a.as_str()));
        }
        assert!(AttrSet::growing().is_growing());
        assert_eq!("e2fsattrs".parse::<Attr>().unwrap(), Attr::InodeFlags);
        assert_eq!(
            "mode+e2fsattrs".parse::<AttrSet>().unwrap().name(),
            "mode+inode_flags"
        );
        // Bits of the attributes older baselines store did not move.
        assert_eq!(Attr::Blake3.bit(), 1 << 12);
        assert_eq!(Attr::InodeFlags.bit(), 1 << 13);
        assert_eq!(
            AttrSet::from_bits(AttrSet::growing().bits()),
            AttrSet::growing()
        );
    }
}
