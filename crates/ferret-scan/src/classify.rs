//! What a file is, by its content: ELF (and which kind), a script with a shebang, an archive,
//! text or other data; and whether an ELF file looks packed.
//!
//! [`classify`] is the in-memory twin of what the scanner does with the first bytes of each
//! file (it reads the ELF tables with positioned reads instead, see [`crate::elf`]):
//!
//! ```
//! use ferret_scan::classify::{classify, Content, ArchiveFormat};
//! assert!(matches!(classify(b"#!/usr/bin/env bash\necho hi\n").content,
//!     Content::Script(ref s) if s.interpreter == b"bash"));
//! assert!(matches!(classify(b"\x1f\x8b\x08\x00rest").content,
//!     Content::Archive(ref a) if a.format == ArchiveFormat::Gzip));
//! let ko = ferret_testkit::elf::relocatable_with_modinfo(b"name=rk\0vermagic=6.1.0\0");
//! let c = classify(&ko);
//! assert!(c.is_kernel_module());
//! assert!(c.packing.is_empty());
//! ```

use crate::elf::{self, Elf, ElfKind};

/// How many bytes the scanner reads from the start of every classified file.
pub const HEAD_BYTES: usize = 4096;
/// How many bytes of an ELF file the entropy is measured over.
pub const ENTROPY_BYTES: usize = 1 << 20;
/// Shannon entropy (bits per byte) above which an ELF file with a normal section table is
/// taken as packed or encrypted. Compiled code measures 5–6.6 (the system's own binaries,
/// see the tests); compressed or encrypted payloads 7.9+.
pub const ENTROPY_PACKED: f64 = 7.4;
/// The same threshold for an ELF file without a section table (packers drop it).
pub const ENTROPY_PACKED_NO_SECTIONS: f64 = 7.0;

/// An archive or compressed-file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum ArchiveFormat {
    /// gzip (`1f 8b`).
    Gzip,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// zip (`PK\x03\x04`, or an empty archive's `PK\x05\x06`).
    Zip,
    /// POSIX/GNU tar (`ustar` at offset 257).
    Tar,
    /// bzip2 (`BZh`).
    Bzip2,
    /// zstd (`28 b5 2f fd`).
    Zstd,
}

impl ArchiveFormat {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveFormat::Gzip => "gzip",
            ArchiveFormat::Xz => "xz",
            ArchiveFormat::Zip => "zip",
            ArchiveFormat::Tar => "tar",
            ArchiveFormat::Bzip2 => "bzip2",
            ArchiveFormat::Zstd => "zstd",
        }
    }
}

/// An archive, classified but never unpacked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Archive {
    /// The format.
    pub format: ArchiveFormat,
    /// For zip: the first member's declared (compressed, uncompressed) sizes.
    pub first_member: Option<(u64, u64)>,
    /// The declared sizes expand more than 1000-fold to more than 100 MiB: a decompression
    /// bomb if anything unpacked it (ferret does not).
    pub bomb_suspect: bool,
}

/// A script: `#!` and its interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Script {
    /// The interpreter's base name (`bash`, `python3`; `env bash` gives `bash`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub interpreter: Vec<u8>,
    /// The whole `#!` line (without the newline, at most 256 bytes).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub shebang: Vec<u8>,
}

/// What the content is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Content {
    /// Zero bytes.
    Empty,
    /// An ELF file, with its tables.
    Elf(Box<Elf>),
    /// Starts with `\x7fELF` but its header cannot be read.
    BrokenElf(String),
    /// A script with a shebang.
    Script(Script),
    /// An archive or compressed file.
    Archive(Archive),
    /// Text (no NUL byte in the first bytes).
    Text,
    /// Anything else.
    Data,
}

impl Content {
    /// Short name (`elf`, `script`, `gzip`, `text`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Content::Empty => "empty",
            Content::Elf(_) => "elf",
            Content::BrokenElf(_) => "broken-elf",
            Content::Script(_) => "script",
            Content::Archive(a) => a.format.as_str(),
            Content::Text => "text",
            Content::Data => "data",
        }
    }
}

/// A sign that an ELF file is packed or encrypted.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum PackSign {
    /// UPX's `UPX!` magic in the first bytes.
    UpxMagic,
    /// A section named like a packer's (`UPX0`, `UPX1`, `.upx`, ...).
    PackerSection(String),
    /// The entropy of the first MiB (bits per byte).
    HighEntropy(f64),
    /// No section header table at all (packers and `sstrip` remove it).
    NoSections,
}

impl std::fmt::Display for PackSign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackSign::UpxMagic => f.write_str("UPX! magic"),
            PackSign::PackerSection(s) => write!(f, "packer section {s}"),
            PackSign::HighEntropy(e) => write!(f, "entropy {e:.2} bits/byte"),
            PackSign::NoSections => f.write_str("no section headers"),
        }
    }
}

/// The classification of one file.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Classification {
    /// What the content is.
    pub content: Content,
    /// Entropy of the first MiB, for ELF files it was measured on.
    pub entropy: Option<f64>,
    /// Packing signs; non-empty only when they add up to "packed" (see [`packing`]).
    pub packing: Vec<PackSign>,
}

impl Classification {
    /// The ELF tables, for ELF files.
    pub fn elf(&self) -> Option<&Elf> {
        match &self.content {
            Content::Elf(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is a Linux kernel module (an ELF relocatable with `.modinfo`).
    pub fn is_kernel_module(&self) -> bool {
        self.elf().is_some_and(|e| e.kind == ElfKind::KernelModule)
    }

    /// Whether this is an ELF executable or shared object.
    pub fn is_elf_program(&self) -> bool {
        self.elf()
            .is_some_and(|e| matches!(e.kind, ElfKind::Executable | ElfKind::SharedObject))
    }

    /// The script, for scripts.
    pub fn script(&self) -> Option<&Script> {
        match &self.content {
            Content::Script(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the content is ELF, a script or text (what rules about names and commands
    /// look at).
    pub fn is_text(&self) -> bool {
        matches!(self.content, Content::Text | Content::Script(_))
    }
}

/// Shannon entropy of `data` in bits per byte (0 for empty input).
pub fn entropy(data: &[u8]) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &b in data {
        if let Some(c) = counts.get_mut(usize::from(b)) {
            *c += 1;
        }
    }
    let n = data.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Section names packers leave (lower-cased before comparison).
const PACKER_SECTIONS: &[&[u8]] = &[b"upx0", b"upx1", b"upx2", b".upx", b".upx0", b".upx1"];

/// Whether an ELF file is odd enough for its entropy to be worth measuring: few sections (a
/// compiler emits a dozen or more), no `.text`, structural problems, or the UPX magic. The
/// scanner reads the first MiB of such files only, so that the thousands of ordinary programs
/// of a build directory cost their first 4 KiB each.
pub fn looks_odd(e: &Elf, head: &[u8]) -> bool {
    e.section_count < 8
        || !e.has_section(b".text")
        || !e.problems.is_empty()
        || memchr::memmem::find(head, b"UPX!").is_some()
}

/// Whether an ELF file looks packed, from its tables, its first bytes and the entropy of its
/// first MiB. Any one of the UPX magic or a packer's section name is enough; high entropy
/// counts above [`ENTROPY_PACKED`], or above [`ENTROPY_PACKED_NO_SECTIONS`] when the file has
/// no section table. Returns the signs seen when they add up to "packed", else nothing.
pub fn packing(e: &Elf, head: &[u8], entropy: Option<f64>) -> Vec<PackSign> {
    let mut signs = Vec::new();
    if memchr::memmem::find(head, b"UPX!").is_some() {
        signs.push(PackSign::UpxMagic);
    }
    for n in &e.section_names {
        if PACKER_SECTIONS
            .iter()
            .any(|p| n.len() == p.len() && n.eq_ignore_ascii_case(p))
        {
            signs.push(PackSign::PackerSection(ferret_core::escape::escape(n)));
        }
    }
    let no_sections = e.section_count == 0 && e.kind != ElfKind::Core;
    let strong = !signs.is_empty();
    if let Some(h) = entropy {
        let limit = if no_sections {
            ENTROPY_PACKED_NO_SECTIONS
        } else {
            ENTROPY_PACKED
        };
        if h >= limit || (strong && h >= ENTROPY_PACKED_NO_SECTIONS) {
            signs.push(PackSign::HighEntropy(h));
        }
    }
    if signs.is_empty() {
        return signs;
    }
    if no_sections {
        signs.push(PackSign::NoSections);
    }
    signs
}

fn archive(head: &[u8]) -> Option<Archive> {
    let format = if head.starts_with(b"\x1f\x8b") {
        ArchiveFormat::Gzip
    } else if head.starts_with(b"\xfd7zXZ\x00") {
        ArchiveFormat::Xz
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        ArchiveFormat::Zip
    } else if head.starts_with(b"BZh") && head.get(3).is_some_and(u8::is_ascii_digit) {
        ArchiveFormat::Bzip2
    } else if head.starts_with(b"\x28\xb5\x2f\xfd") {
        ArchiveFormat::Zstd
    } else if head.get(257..262) == Some(b"ustar") {
        ArchiveFormat::Tar
    } else {
        return None;
    };
    let first_member = if format == ArchiveFormat::Zip && head.starts_with(b"PK\x03\x04") {
        let u32_at = |at: usize| -> Option<u64> {
            let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
            Some(u64::from(u32::from_le_bytes(b)))
        };
        match (u32_at(18), u32_at(22)) {
            (Some(c), Some(u)) => Some((c, u)),
            _ => None,
        }
    } else {
        None
    };
    let bomb_suspect = first_member.is_some_and(|(c, u)| u > 100 << 20 && u / c.max(1) > 1000);
    Some(Archive {
        format,
        first_member,
        bomb_suspect,
    })
}

fn script(head: &[u8]) -> Option<Script> {
    let rest = head.strip_prefix(b"#!")?;
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(256);
    let line = rest.get(..end).unwrap_or_default();
    let mut words = line
        .split(|b| *b == b' ' || *b == b'\t' || *b == b'\r')
        .filter(|w| !w.is_empty());
    let prog = words.next()?;
    let base = |p: &[u8]| -> Vec<u8> { p.rsplit(|b| *b == b'/').next().unwrap_or(p).to_vec() };
    let mut interpreter = base(prog);
    if interpreter == b"env" {
        // `env -S bash -e`, `env bash`: the first word that is not an option.
        if let Some(w) = words.find(|w| !w.starts_with(b"-")) {
            interpreter = base(w);
        }
    }
    if interpreter.is_empty() || !interpreter.iter().all(u8::is_ascii_graphic) {
        return None;
    }
    Some(Script {
        interpreter,
        shebang: head.get(..end + 2).unwrap_or(head).to_vec(),
    })
}

/// Classifies the first bytes of a file (at most [`HEAD_BYTES`] are looked at for the magic;
/// an ELF file's tables are read from all of `bytes`). See the [module docs](self).
pub fn classify(bytes: &[u8]) -> Classification {
    let head = bytes.get(..HEAD_BYTES).unwrap_or(bytes);
    let content = content_of(head, || elf::parse(bytes));
    let (entropy, packing) = match &content {
        Content::Elf(e) => {
            let h = entropy(bytes.get(..ENTROPY_BYTES).unwrap_or(bytes));
            (Some(h), packing(e, head, Some(h)))
        }
        _ => (None, Vec::new()),
    };
    Classification {
        content,
        entropy,
        packing,
    }
}

/// The content kind of a file from its first bytes; `parse_elf` reads the ELF tables when the
/// magic says ELF.
pub(crate) fn content_of(
    head: &[u8],
    parse_elf: impl FnOnce() -> Result<Elf, elf::ElfError>,
) -> Content {
    if head.is_empty() {
        return Content::Empty;
    }
    if head.starts_with(b"\x7fELF") {
        return match parse_elf() {
            Ok(e) => Content::Elf(Box::new(e)),
            Err(e) => Content::BrokenElf(e.to_string()),
        };
    }
    if let Some(s) = script(head) {
        return Content::Script(s);
    }
    if let Some(a) = archive(head) {
        return Content::Archive(a);
    }
    if memchr::memchr(0, head).is_none() {
        return Content::Text;
    }
    Content::Data
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_testkit::elf::build;

    #[test]
    fn scripts() {
        let s = script(b"#!/bin/sh -e\nx").unwrap();
        assert_eq!(
            (s.interpreter.as_slice(), s.shebang.as_slice()),
            (&b"sh"[..], &b"#!/bin/sh -e"[..])
        );
        assert_eq!(
            script(b"#! /usr/bin/env -S python3 -u\n")
                .unwrap()
                .interpreter,
            b"python3"
        );
        assert!(script(b"#!\n").is_none());
        assert!(script(b"# comment\n").is_none());
    }

    #[test]
    fn archives_and_text() {
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(classify(&tar).content.name(), "tar");
        assert_eq!(classify(b"\xfd7zXZ\x00..").content.name(), "xz");
        assert_eq!(classify(b"BZh91AY").content.name(), "bzip2");
        assert_eq!(classify(b"\x28\xb5\x2f\xfd..").content.name(), "zstd");
        assert_eq!(classify(b"hello\n").content, Content::Text);
        assert_eq!(classify(b"a\0b").content, Content::Data);
        assert_eq!(classify(b"").content, Content::Empty);
        assert!(matches!(
            classify(b"\x7fELF\x02\x01").content,
            Content::BrokenElf(_)
        ));
    }

    #[test]
    fn zip_bomb_is_flagged_from_the_declared_sizes() {
        let mut z = b"PK\x03\x04".to_vec();
        z.resize(30, 0);
        z[18..22].copy_from_slice(&1_000_000u32.to_le_bytes());
        z[22..26].copy_from_slice(&u32::MAX.to_le_bytes());
        let Content::Archive(a) = classify(&z).content else {
            panic!()
        };
        assert_eq!(a.first_member, Some((1_000_000, u64::from(u32::MAX))));
        assert!(a.bomb_suspect);
        z[22..26].copy_from_slice(&3_000_000u32.to_le_bytes());
        let Content::Archive(a) = classify(&z).content else {
            panic!()
        };
        assert!(!a.bomb_suspect);
    }

    #[test]
    fn entropy_bounds() {
        assert!(entropy(b"").abs() < 1e-12);
        assert!(entropy(&[7u8; 100]).abs() < 1e-12);
        let all: Vec<u8> = (0..=255u8).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn packing_signs() {
        let plain = build(2, &[(b".text", &[0x90; 64])]);
        assert!(classify(&plain).packing.is_empty());
        let upx = build(2, &[(b"UPX0", b""), (b"UPX1", b"UPX!")]);
        let c = classify(&upx);
        assert!(c.packing.contains(&PackSign::UpxMagic), "{:?}", c.packing);
        assert!(c
            .packing
            .iter()
            .any(|s| matches!(s, PackSign::PackerSection(n) if n == "UPX1")));
    }

    /// The system's own executables are not "packed" (no false positive on real binaries).
    #[test]
    fn system_binaries_are_not_packed() {
        let mut seen = 0;
        for dir in ["/usr/bin", "/usr/sbin"] {
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            for e in rd.flatten().take(400) {
                let p = e.path();
                let Ok(m) = std::fs::symlink_metadata(&p) else {
                    continue;
                };
                if !m.is_file() || m.len() > 64 << 20 {
                    continue;
                }
                let Ok(b) = std::fs::read(&p) else { continue };
                let c = classify(&b);
                if c.elf().is_none() {
                    continue;
                }
                seen += 1;
                assert!(c.packing.is_empty(), "{}: {:?}", p.display(), c.packing);
            }
        }
        assert!(seen > 50, "only {seen} ELF files found");
    }
}
