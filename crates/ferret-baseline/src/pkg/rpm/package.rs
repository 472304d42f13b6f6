//! Typed records of an installed package and its files, built from a header.

use super::header::{tag, Header, HeaderError};

/// File attributes from the spec file (`FILEFLAGS`, `rpmfileAttrs` in rpm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct FileFlags(pub u32);

impl FileFlags {
    /// `%config`.
    pub const CONFIG: u32 = 1 << 0;
    /// `%doc`.
    pub const DOC: u32 = 1 << 1;
    /// `%donotuse` (icon).
    pub const ICON: u32 = 1 << 2;
    /// `%config(missingok)`.
    pub const MISSINGOK: u32 = 1 << 3;
    /// `%config(noreplace)`.
    pub const NOREPLACE: u32 = 1 << 4;
    /// The spec file of a source package.
    pub const SPECFILE: u32 = 1 << 5;
    /// `%ghost`: owned but not shipped (logs, runtime files); never verified for content.
    pub const GHOST: u32 = 1 << 6;
    /// `%license`.
    pub const LICENSE: u32 = 1 << 7;
    /// `%readme`.
    pub const README: u32 = 1 << 8;
    /// `%pubkey`.
    pub const PUBKEY: u32 = 1 << 11;
    /// `%artifact`.
    pub const ARTIFACT: u32 = 1 << 12;

    /// Whether every bit of `flag` is set.
    pub fn has(self, flag: u32) -> bool {
        self.0 & flag == flag
    }

    /// The letters `rpm -V` and `rpm -qlv --fileflags` print, in rpm's order
    /// (`d c s m n g l r a`).
    pub fn letters(self) -> String {
        [
            (Self::DOC, 'd'),
            (Self::CONFIG, 'c'),
            (Self::SPECFILE, 's'),
            (Self::MISSINGOK, 'm'),
            (Self::NOREPLACE, 'n'),
            (Self::GHOST, 'g'),
            (Self::LICENSE, 'l'),
            (Self::README, 'r'),
            (Self::ARTIFACT, 'a'),
        ]
        .iter()
        .filter(|(f, _)| self.has(*f))
        .map(|(_, c)| *c)
        .collect()
    }
}

/// The digest algorithm of a package's file digests (`FILEDIGESTALGO`, OpenPGP hash ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum DigestAlgo {
    /// MD5 (1): packages without `FILEDIGESTALGO` (rpm before 4.6, RHEL 5).
    #[default]
    Md5,
    /// SHA-1 (2).
    Sha1,
    /// SHA-256 (8): RHEL 6 and later, Fedora, SUSE.
    Sha256,
    /// SHA-384 (9).
    Sha384,
    /// SHA-512 (10).
    Sha512,
    /// SHA-224 (11).
    Sha224,
    /// Another id.
    Other(u32),
}

impl DigestAlgo {
    /// From rpm's number.
    pub fn from_id(id: u32) -> Self {
        match id {
            1 => Self::Md5,
            2 => Self::Sha1,
            8 => Self::Sha256,
            9 => Self::Sha384,
            10 => Self::Sha512,
            11 => Self::Sha224,
            n => Self::Other(n),
        }
    }

    /// Digest length in bytes, when known.
    pub fn digest_len(self) -> Option<usize> {
        match self {
            Self::Md5 => Some(16),
            Self::Sha1 => Some(20),
            Self::Sha256 => Some(32),
            Self::Sha384 => Some(48),
            Self::Sha512 => Some(64),
            Self::Sha224 => Some(28),
            Self::Other(_) => None,
        }
    }
}

/// One file of an installed package, as rpm recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RpmFile {
    /// Full path (`DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or `OLDFILENAMES`), as bytes.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub path: Vec<u8>,
    /// Size in bytes (`LONGFILESIZES` or `FILESIZES`).
    pub size: u64,
    /// `st_mode`, type bits included.
    pub mode: u16,
    /// Device number of a device node.
    pub rdev: u16,
    /// Modification time (seconds since the epoch).
    pub mtime: u32,
    /// The content digest (raw bytes, in the package's [`DigestAlgo`]); empty for
    /// directories, links, devices and ghosts.
    #[cfg_attr(feature = "serde", serde(with = "hex_bytes"))]
    pub digest: Vec<u8>,
    /// Symbolic link target (empty for anything else).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub link_to: Vec<u8>,
    /// Owner name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub user: Vec<u8>,
    /// Group name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub group: Vec<u8>,
    /// `%config`, `%ghost`, `%doc`, `%missingok`, ...
    pub flags: FileFlags,
    /// Which attributes `rpm -V` checks (`FILEVERIFYFLAGS`, `%verify(...)`); all when absent.
    pub verify_flags: u32,
    /// File capabilities (`FILECAPS`, text as `getcap` prints), empty when none.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub caps: Vec<u8>,
    /// Inode number inside the package (`FILEINODES`): equal numbers are hard links.
    pub inode: u32,
    /// Device number inside the package (`FILEDEVICES`), with `inode` the hard-link identity.
    pub device: u32,
    /// Install state (`FILESTATES`): 0 normal, 1 replaced, 2 not installed, 3 net shared,
    /// 4 wrong color; `None` when not recorded.
    pub state: Option<i8>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct RpmPackage {
    /// The header number in the database (rpm's `DBINSTANCE`).
    pub hnum: u32,
    /// `NAME`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub name: Vec<u8>,
    /// `EPOCH`, when set.
    pub epoch: Option<u32>,
    /// `VERSION`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub version: Vec<u8>,
    /// `RELEASE`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub release: Vec<u8>,
    /// `ARCH` (empty for `gpg-pubkey` entries).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub arch: Vec<u8>,
    /// `SOURCERPM` (empty when `(none)`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub source_rpm: Vec<u8>,
    /// Installed size (`LONGSIZE` or `SIZE`).
    pub size: u64,
    /// `LICENSE`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub license: Vec<u8>,
    /// `VENDOR`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub vendor: Vec<u8>,
    /// `SUMMARY` (the untranslated one).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub summary: Vec<u8>,
    /// `MODULARITYLABEL` (RHEL 8 modules).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub modularity_label: Vec<u8>,
    /// `SIGMD5`: MD5 of header and payload as signed.
    #[cfg_attr(feature = "serde", serde(with = "hex_bytes"))]
    pub sigmd5: Vec<u8>,
    /// `INSTALLTIME`.
    pub install_time: Option<u32>,
    /// The algorithm of the file digests.
    pub digest_algo: DigestAlgo,
    /// The files (empty when only package records were asked for).
    pub files: Vec<RpmFile>,
    /// The install/erase scriptlets (`%pre`, `%post`, triggers, ...), decoded only when
    /// [`ReadOptions::scripts`](super::ReadOptions::scripts) asks for them.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub scripts: Vec<Scriptlet>,
}

/// One scriptlet of an installed package, as the header stores it (what `rpm -q --scripts`
/// and `--triggers` print).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Scriptlet {
    /// Its spec-file name: `%pre`, `%post`, `%preun`, `%postun`, `%pretrans`, `%posttrans`,
    /// `%verifyscript`, `%trigger`, `%filetrigger`, `%transfiletrigger`.
    pub kind: String,
    /// 0 for the package scriptlets; the position among the package's triggers for triggers.
    pub index: u32,
    /// The interpreter (`/bin/sh`, `<lua>`, `/usr/bin/python3`); empty when not recorded.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub interpreter: Vec<u8>,
    /// The script text.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub body: Vec<u8>,
}

/// (kind, body tag, interpreter tag, whether the body tag is an array of trigger scripts).
const SCRIPT_TAGS: [(&str, u32, u32, bool); 10] = [
    ("%pretrans", tag::PRETRANS, tag::PRETRANSPROG, false),
    ("%pre", tag::PREIN, tag::PREINPROG, false),
    ("%post", tag::POSTIN, tag::POSTINPROG, false),
    ("%preun", tag::PREUN, tag::PREUNPROG, false),
    ("%postun", tag::POSTUN, tag::POSTUNPROG, false),
    ("%posttrans", tag::POSTTRANS, tag::POSTTRANSPROG, false),
    (
        "%verifyscript",
        tag::VERIFYSCRIPT,
        tag::VERIFYSCRIPTPROG,
        false,
    ),
    (
        "%trigger",
        tag::TRIGGERSCRIPTS,
        tag::TRIGGERSCRIPTPROG,
        true,
    ),
    (
        "%filetrigger",
        tag::FILETRIGGERSCRIPTS,
        tag::FILETRIGGERSCRIPTPROG,
        true,
    ),
    (
        "%transfiletrigger",
        tag::TRANSFILETRIGGERSCRIPTS,
        tag::TRANSFILETRIGGERSCRIPTPROG,
        true,
    ),
];

/// The scriptlets of a header blob, in the order rpm runs a package's own ones, then its
/// triggers. A `*PROG` tag holding an array (`/bin/sh -e`) gives its words joined by blanks.
/// A script tag without text (`%post -p /sbin/ldconfig`) is listed with an empty body.
pub fn scriptlets(blob: &[u8]) -> Result<Vec<Scriptlet>, HeaderError> {
    let h = Header::parse(blob)?;
    let mut out = Vec::new();
    for (kind, body_tag, prog_tag, array) in SCRIPT_TAGS {
        let bodies = if array {
            h.strings(body_tag)?.unwrap_or_default()
        } else {
            h.string(body_tag)?.into_iter().collect()
        };
        let progs = h.strings(prog_tag)?.unwrap_or_default();
        if bodies.is_empty() && !array && !progs.is_empty() {
            // `%post -p /sbin/ldconfig`: an interpreter and no text
            out.push(Scriptlet {
                kind: kind.to_owned(),
                index: 0,
                interpreter: progs.join(&b' '),
                body: Vec::new(),
            });
            continue;
        }
        for (i, body) in bodies.into_iter().enumerate() {
            let interpreter = if array {
                progs.get(i).map(|p| p.to_vec()).unwrap_or_default()
            } else {
                progs.join(&b' ')
            };
            out.push(Scriptlet {
                kind: kind.to_owned(),
                index: u32::try_from(i).unwrap_or(u32::MAX),
                interpreter,
                body: body.to_vec(),
            });
        }
    }
    Ok(out)
}

impl RpmPackage {
    /// `name-[epoch:]version-release.arch`, the way `rpm -qa` names it (`%{NEVRA}`).
    pub fn nevra(&self) -> Vec<u8> {
        let mut s = self.name.clone();
        s.push(b'-');
        if let Some(e) = self.epoch {
            s.extend_from_slice(format!("{e}:").as_bytes());
        }
        s.extend_from_slice(&self.version);
        s.push(b'-');
        s.extend_from_slice(&self.release);
        if !self.arch.is_empty() {
            s.push(b'.');
            s.extend_from_slice(&self.arch);
        }
        s
    }

    /// Builds the record from a header blob; `files` decodes the per-file arrays too.
    pub fn from_blob(hnum: u32, blob: &[u8], files: bool) -> Result<RpmPackage, HeaderError> {
        let h = Header::parse(blob)?;
        let s = |t: u32| -> Result<Vec<u8>, HeaderError> {
            Ok(h.string(t)?.map(<[u8]>::to_vec).unwrap_or_default())
        };
        let none = |v: Vec<u8>| if v == b"(none)" { Vec::new() } else { v };
        let name = s(tag::NAME)?;
        if name.is_empty() {
            return Err(HeaderError("no NAME".to_owned()));
        }
        let size = match h.u64s(tag::LONGSIZE)?.and_then(|v| v.first().copied()) {
            Some(n) => n,
            None => u64::from(h.u32(tag::SIZE)?.unwrap_or(0)),
        };
        let mut p = RpmPackage {
            hnum,
            name,
            epoch: h.u32(tag::EPOCH)?,
            version: s(tag::VERSION)?,
            release: s(tag::RELEASE)?,
            arch: s(tag::ARCH)?,
            source_rpm: none(s(tag::SOURCERPM)?),
            size,
            license: none(s(tag::LICENSE)?),
            vendor: none(s(tag::VENDOR)?),
            summary: s(tag::SUMMARY)?,
            modularity_label: s(tag::MODULARITYLABEL)?,
            sigmd5: h.bin(tag::SIGMD5)?.map(<[u8]>::to_vec).unwrap_or_default(),
            install_time: h.u32(tag::INSTALLTIME)?,
            digest_algo: DigestAlgo::from_id(h.u32(tag::FILEDIGESTALGO)?.unwrap_or(1)),
            files: Vec::new(),
            scripts: Vec::new(),
        };
        if files {
            p.files = file_list(&h, blob.len(), p.digest_algo)?;
        }
        Ok(p)
    }
}

/// Decodes the per-file arrays; every array present must have one element per file.
fn file_list(
    h: &Header<'_>,
    blob_len: usize,
    algo: DigestAlgo,
) -> Result<Vec<RpmFile>, HeaderError> {
    let paths: Vec<Vec<u8>> = match h.strings(tag::BASENAMES)? {
        Some(base) => {
            let dirs = h.strings(tag::DIRNAMES)?.unwrap_or_default();
            let idx = h.u32s(tag::DIRINDEXES)?.unwrap_or_default();
            if idx.len() != base.len() {
                return Err(HeaderError(format!(
                    "{} BASENAMES but {} DIRINDEXES",
                    base.len(),
                    idx.len()
                )));
            }
            // Paths share directory names: bound what joining them may allocate.
            let mut total = 0usize;
            let mut out = Vec::with_capacity(base.len());
            for (i, (b, &d)) in base.iter().zip(&idx).enumerate() {
                let Some(dir) = dirs.get(d as usize) else {
                    return Err(HeaderError(format!(
                        "file {i}: DIRINDEXES {d} past the {} DIRNAMES",
                        dirs.len()
                    )));
                };
                total += dir.len() + b.len();
                if total > 16 * blob_len + (1 << 20) {
                    return Err(HeaderError(format!(
                        "file paths would take more than {total} bytes for a {blob_len}-byte header"
                    )));
                }
                let mut p = Vec::with_capacity(dir.len() + b.len());
                p.extend_from_slice(dir);
                p.extend_from_slice(b);
                out.push(p);
            }
            out
        }
        None => h
            .strings(tag::OLDFILENAMES)?
            .unwrap_or_default()
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect(),
    };
    let n = paths.len();
    let check = |what: &str, len: Option<usize>| -> Result<(), HeaderError> {
        match len {
            Some(l) if l != n => Err(HeaderError(format!("{l} {what} for {n} files"))),
            _ => Ok(()),
        }
    };
    let sizes: Option<Vec<u64>> = match h.u64s(tag::LONGFILESIZES)? {
        Some(v) => Some(v),
        None => h
            .u32s(tag::FILESIZES)?
            .map(|v| v.into_iter().map(u64::from).collect()),
    };
    let modes = h.u16s(tag::FILEMODES)?;
    let rdevs = h.u16s(tag::FILERDEVS)?;
    let mtimes = h.u32s(tag::FILEMTIMES)?;
    let digests = h.strings(tag::FILEDIGESTS)?;
    let links = h.strings(tag::FILELINKTOS)?;
    let flags = h.u32s(tag::FILEFLAGS)?;
    let users = h.strings(tag::FILEUSERNAME)?;
    let groups = h.strings(tag::FILEGROUPNAME)?;
    let verify = h.u32s(tag::FILEVERIFYFLAGS)?;
    let caps = h.strings(tag::FILECAPS)?;
    let inodes = h.u32s(tag::FILEINODES)?;
    let devices = h.u32s(tag::FILEDEVICES)?;
    let states = h.bin(tag::FILESTATES)?;
    check("FILESIZES", sizes.as_ref().map(Vec::len))?;
    check("FILEMODES", modes.as_ref().map(Vec::len))?;
    check("FILERDEVS", rdevs.as_ref().map(Vec::len))?;
    check("FILEMTIMES", mtimes.as_ref().map(Vec::len))?;
    check("FILEDIGESTS", digests.as_ref().map(Vec::len))?;
    check("FILELINKTOS", links.as_ref().map(Vec::len))?;
    check("FILEFLAGS", flags.as_ref().map(Vec::len))?;
    check("FILEUSERNAME", users.as_ref().map(Vec::len))?;
    check("FILEGROUPNAME", groups.as_ref().map(Vec::len))?;
    check("FILEVERIFYFLAGS", verify.as_ref().map(Vec::len))?;
    check("FILECAPS", caps.as_ref().map(Vec::len))?;
    check("FILEINODES", inodes.as_ref().map(Vec::len))?;
    check("FILEDEVICES", devices.as_ref().map(Vec::len))?;
    check("FILESTATES", states.map(<[u8]>::len))?;
    let at = |v: &Option<Vec<&[u8]>>, i: usize| -> Vec<u8> {
        v.as_ref()
            .and_then(|v| v.get(i))
            .map(|s| s.to_vec())
            .unwrap_or_default()
    };
    let num = |v: &Option<Vec<u32>>, i: usize, d: u32| {
        v.as_ref().and_then(|v| v.get(i).copied()).unwrap_or(d)
    };
    let mut out = Vec::with_capacity(n);
    for (i, path) in paths.into_iter().enumerate() {
        let hex = digests
            .as_ref()
            .and_then(|d| d.get(i).copied())
            .unwrap_or(&[]);
        let digest = if hex.is_empty() {
            Vec::new()
        } else {
            let d = ferret_core::hex::decode(hex).ok_or_else(|| {
                HeaderError(format!(
                    "file {i}: digest {} is not hex",
                    ferret_core::escape::escape(hex)
                ))
            })?;
            if algo.digest_len().is_some_and(|l| l != d.len()) {
                return Err(HeaderError(format!(
                    "file {i}: a {}-byte digest for {algo:?}",
                    d.len()
                )));
            }
            d
        };
        out.push(RpmFile {
            path,
            size: sizes.as_ref().and_then(|v| v.get(i).copied()).unwrap_or(0),
            mode: modes.as_ref().and_then(|v| v.get(i).copied()).unwrap_or(0),
            rdev: rdevs.as_ref().and_then(|v| v.get(i).copied()).unwrap_or(0),
            mtime: num(&mtimes, i, 0),
            digest,
            link_to: at(&links, i),
            user: at(&users, i),
            group: at(&groups, i),
            flags: FileFlags(num(&flags, i, 0)),
            verify_flags: num(&verify, i, u32::MAX),
            caps: at(&caps, i),
            inode: num(&inodes, i, 0),
            device: num(&devices, i, 0),
            state: states.and_then(|s| s.get(i)).map(|&b| b as i8),
        });
    }
    Ok(out)
}

#[cfg(feature = "serde")]
mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: AsRef<[u8]>, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ferret_core::hex::encode(v.as_ref()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        ferret_core::hex::decode(s.as_bytes()).ok_or_else(|| serde::de::Error::custom("not hex"))
    }
}
