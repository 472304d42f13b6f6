//! ELF headers and section headers, read defensively: every offset, count and size is checked
//! against the file size and against fixed caps before anything is read or allocated, so a
//! hostile file gives an [`ElfError`] or a partial [`Elf`] with its problems listed, never a
//! panic or a large allocation.
//!
//! Only what classification needs is read: the file header, the program headers (for
//! `PT_INTERP`: an executable or a shared object), the section header table, the section name
//! table, and the `.modinfo` section of kernel modules.
//!
//! ```
//! use ferret_scan::elf::{parse, ElfKind};
//! # let ko = ferret_testkit::elf::relocatable_with_modinfo(b"name=diamorphine\0vermagic=6.1.0 SMP mod_unload\0license=GPL\0");
//! let elf = parse(&ko).unwrap();
//! assert_eq!(elf.kind, ElfKind::KernelModule);
//! let m = elf.modinfo.unwrap();
//! assert_eq!(m.name.as_deref(), Some(&b"diamorphine"[..]));
//! assert_eq!(m.vermagic.as_deref(), Some(&b"6.1.0 SMP mod_unload"[..]));
//! ```

use std::fmt;

/// Most sections read (real binaries have a few dozen; kernel modules a few hundred at most).
pub const MAX_SECTIONS: usize = 4096;
/// Most program headers read.
pub const MAX_SEGMENTS: usize = 512;
/// Largest section-name table read.
pub const MAX_SHSTRTAB: usize = 256 * 1024;
/// Largest `.modinfo` section read.
pub const MAX_MODINFO: usize = 64 * 1024;

/// Why a buffer is not a readable ELF file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ElfError {
    /// The first bytes are not `\x7fELF`.
    #[error("not an ELF file")]
    NotElf,
    /// The file is shorter than its own header.
    #[error("truncated ELF header")]
    Truncated,
    /// `EI_CLASS` is neither 32- nor 64-bit, or `EI_DATA` neither little- nor big-endian.
    #[error("unknown ELF class {class} or data encoding {data}")]
    BadIdent {
        /// `EI_CLASS`.
        class: u8,
        /// `EI_DATA`.
        data: u8,
    },
}

/// 32- or 64-bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ElfClass {
    /// ELFCLASS32.
    Elf32,
    /// ELFCLASS64.
    Elf64,
}

/// What an ELF file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum ElfKind {
    /// `ET_EXEC`, or `ET_DYN` with an interpreter (a position-independent executable).
    Executable,
    /// `ET_DYN` without an interpreter: a shared library (or a static PIE).
    SharedObject,
    /// `ET_REL` without `.modinfo`: an object file.
    Relocatable,
    /// `ET_REL` with a `.modinfo` section: a Linux kernel module.
    KernelModule,
    /// `ET_CORE`.
    Core,
    /// Any other `e_type`.
    Other,
}

impl ElfKind {
    /// Lower-case name (`executable`, `shared-object`, `kernel-module`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ElfKind::Executable => "executable",
            ElfKind::SharedObject => "shared-object",
            ElfKind::Relocatable => "relocatable",
            ElfKind::KernelModule => "kernel-module",
            ElfKind::Core => "core",
            ElfKind::Other => "other",
        }
    }

    /// Whether the file can run as code (executables, shared objects and kernel modules).
    pub fn is_code(self) -> bool {
        matches!(
            self,
            ElfKind::Executable | ElfKind::SharedObject | ElfKind::KernelModule
        )
    }
}

impl fmt::Display for ElfKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields of a kernel module's `.modinfo` section that matter to a responder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ModInfo {
    /// `name=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub name: Option<Vec<u8>>,
    /// `vermagic=`: the kernel release and options it was built for.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub vermagic: Option<Vec<u8>>,
    /// `license=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub license: Option<Vec<u8>>,
    /// `author=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub author: Option<Vec<u8>>,
    /// `description=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub description: Option<Vec<u8>>,
    /// Number of `key=value` entries.
    pub entries: usize,
}

impl ModInfo {
    /// The kernel release in `vermagic` (its first word), if any.
    pub fn release(&self) -> Option<&[u8]> {
        let v = self.vermagic.as_deref()?;
        v.split(|b| *b == b' ').find(|w| !w.is_empty())
    }
}

/// Parses the content of a `.modinfo` section: NUL-separated `key=value` strings. Unknown keys
/// are counted; strings without `=` are skipped.
pub fn parse_modinfo(data: &[u8]) -> ModInfo {
    let mut m = ModInfo::default();
    for s in data.split(|b| *b == 0) {
        let Some(eq) = memchr::memchr(b'=', s) else {
            continue;
        };
        let (k, v) = (
            s.get(..eq).unwrap_or_default(),
            s.get(eq + 1..).unwrap_or_default(),
        );
        m.entries += 1;
        let slot = match k {
            b"name" => &mut m.name,
            b"vermagic" => &mut m.vermagic,
            b"license" => &mut m.license,
            b"author" => &mut m.author,
            b"description" => &mut m.description,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(v.to_vec());
        }
    }
    m
}

/// What was read from an ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Elf {
    /// 32- or 64-bit.
    pub class: ElfClass,
    /// Big-endian.
    pub big_endian: bool,
    /// `e_type` interpreted.
    pub kind: ElfKind,
    /// `e_machine` (62 = x86-64, 183 = AArch64, 3 = i386, 40 = ARM, 8 = MIPS).
    pub machine: u16,
    /// Whether a `PT_INTERP` program header names a dynamic loader.
    pub has_interp: bool,
    /// Number of section headers (after the extended-numbering rule).
    pub section_count: usize,
    /// Section names, in table order (names that could not be read are empty).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub section_names: Vec<Vec<u8>>,
    /// The kernel-module information, for kernel modules.
    pub modinfo: Option<ModInfo>,
    /// Structural problems met (offsets past the end, absurd counts): each one means the file
    /// was built by hand, damaged, or packed.
    pub problems: Vec<String>,
}

impl Elf {
    /// Whether a section of this name exists.
    pub fn has_section(&self, name: &[u8]) -> bool {
        self.section_names.iter().any(|n| n == name)
    }
}

/// Random access to the file being parsed: the in-memory twin reads a slice, the scanner a
/// file descriptor with positioned reads.
pub trait ReadAt {
    /// Total size of the file.
    fn size(&self) -> u64;
    /// Up to `len` bytes at `offset` (fewer at the end of the file).
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>>;
}

impl ReadAt for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let end = start.saturating_add(len).min(self.len());
        Ok(self.get(start..end).unwrap_or_default().to_vec())
    }
}

#[derive(Clone, Copy)]
struct Endian {
    big: bool,
}

impl Endian {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }
    fn u64(self, b: &[u8], at: usize) -> Option<u64> {
        let s: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
        Some(if self.big {
            u64::from_be_bytes(s)
        } else {
            u64::from_le_bytes(s)
        })
    }
    /// A word: 4 bytes in ELF32, 8 in ELF64.
    fn word(self, class: ElfClass, b: &[u8], at: usize) -> Option<u64> {
        match class {
            ElfClass::Elf32 => self.u32(b, at).map(u64::from),
            ElfClass::Elf64 => self.u64(b, at),
        }
    }
}

struct Header {
    e_type: u16,
    machine: u16,
    phoff: u64,
    phentsize: u16,
    phnum: u16,
    shoff: u64,
    shentsize: u16,
    shnum: u16,
    shstrndx: u16,
}

fn header(b: &[u8], class: ElfClass, en: Endian) -> Option<Header> {
    let (phoff, shoff, tail) = match class {
        ElfClass::Elf32 => (en.word(class, b, 28)?, en.word(class, b, 32)?, 40usize),
        ElfClass::Elf64 => (en.word(class, b, 32)?, en.word(class, b, 40)?, 52usize),
    };
    Some(Header {
        e_type: en.u16(b, 16)?,
        machine: en.u16(b, 18)?,
        phoff,
        phentsize: en.u16(b, tail + 2)?,
        phnum: en.u16(b, tail + 4)?,
        shoff,
        shentsize: en.u16(b, tail + 6)?,
        shnum: en.u16(b, tail + 8)?,
        shstrndx: en.u16(b, tail + 10)?,
    })
}

/// Parses an ELF file held in memory. See [`parse_from`].
pub fn parse(bytes: &[u8]) -> Result<Elf, ElfError> {
    let mut src = bytes;
    parse_from(&mut src)
}

/// Parses an ELF file through positioned reads: the file header (from the first 64 bytes),
/// program headers, section headers, section names and `.modinfo`. Read errors and structural
/// problems after the header are listed in [`Elf::problems`]; only a missing or unreadable
/// header is an error.
pub fn parse_from(src: &mut dyn ReadAt) -> Result<Elf, ElfError> {
    let size = src.size();
    let head = src.read_at(0, 64).map_err(|_| ElfError::Truncated)?;
    if head.get(..4) != Some(b"\x7fELF") {
        return Err(ElfError::NotElf);
    }
    let (class_b, data_b) = match (head.get(4), head.get(5)) {
        (Some(c), Some(d)) => (*c, *d),
        _ => return Err(ElfError::Truncated),
    };
    let class = match class_b {
        1 => ElfClass::Elf32,
        2 => ElfClass::Elf64,
        _ => {
            return Err(ElfError::BadIdent {
                class: class_b,
                data: data_b,
            })
        }
    };
    let en = match data_b {
        1 => Endian { big: false },
        2 => Endian { big: true },
        _ => {
            return Err(ElfError::BadIdent {
                class: class_b,
                data: data_b,
            })
        }
    };
    let h = header(&head, class, en).ok_or(ElfError::Truncated)?;
    let mut problems = Vec::new();
    let has_interp = read_interp(src, size, class, en, &h, &mut problems);
    let (section_names, section_count) = read_sections(src, size, class, en, &h, &mut problems);
    let modinfo = if h.e_type == 1 {
        section_names
            .iter()
            .position(|n| n == b".modinfo")
            .and_then(|i| read_section(src, size, class, en, &h, i, MAX_MODINFO, &mut problems))
            .map(|d| parse_modinfo(&d))
    } else {
        None
    };
    let kind = match h.e_type {
        1 if modinfo.is_some() => ElfKind::KernelModule,
        1 => ElfKind::Relocatable,
        2 => ElfKind::Executable,
        3 if has_interp => ElfKind::Executable,
        3 => ElfKind::SharedObject,
        4 => ElfKind::Core,
        _ => ElfKind::Other,
    };
    Ok(Elf {
        class,
        big_endian: en.big,
        kind,
        machine: h.machine,
        has_interp,
        section_count,
        section_names,
        modinfo,
        problems,
    })
}

/// Checks that `count` entries of `entsize` bytes at `off` lie inside the file.
fn table_fits(off: u64, count: usize, entsize: usize, size: u64) -> bool {
    (count as u64)
        .checked_mul(entsize as u64)
        .and_then(|n| off.checked_add(n))
        .is_some_and(|end| end <= size)
}

fn read_interp(
    src: &mut dyn ReadAt,
    size: u64,
    class: ElfClass,
    en: Endian,
    h: &Header,
    problems: &mut Vec<String>,
) -> bool {
    let want = match class {
        ElfClass::Elf32 => 32usize,
        ElfClass::Elf64 => 56usize,
    };
    let n = usize::from(h.phnum);
    if n == 0 {
        return false;
    }
    if usize::from(h.phentsize) != want {
        problems.push(format!(
            "program header size {} (expected {want})",
            h.phentsize
        ));
        return false;
    }
    if n > MAX_SEGMENTS {
        problems.push(format!("{n} program headers (more than {MAX_SEGMENTS})"));
        return false;
    }
    if !table_fits(h.phoff, n, want, size) {
        problems.push("program header table lies past the end of the file".to_owned());
        return false;
    }
    let Ok(tab) = src.read_at(h.phoff, n * want) else {
        problems.push("program header table could not be read".to_owned());
        return false;
    };
    (0..n).any(|i| en.u32(&tab, i * want) == Some(3))
}

fn shdr_size(class: ElfClass) -> usize {
    match class {
        ElfClass::Elf32 => 40,
        ElfClass::Elf64 => 64,
    }
}

/// (sh_name, sh_type, sh_offset, sh_size, sh_link) of section `i` in the table `tab`.
fn shdr(tab: &[u8], class: ElfClass, en: Endian, i: usize) -> Option<(u32, u32, u64, u64, u32)> {
    let base = i.checked_mul(shdr_size(class))?;
    match class {
        ElfClass::Elf32 => Some((
            en.u32(tab, base)?,
            en.u32(tab, base + 4)?,
            u64::from(en.u32(tab, base + 16)?),
            u64::from(en.u32(tab, base + 20)?),
            en.u32(tab, base + 24)?,
        )),
        ElfClass::Elf64 => Some((
            en.u32(tab, base)?,
            en.u32(tab, base + 4)?,
            en.u64(tab, base + 24)?,
            en.u64(tab, base + 32)?,
            en.u32(tab, base + 40)?,
        )),
    }
}

/// The section header table, with the extended-numbering rules applied (`e_shnum == 0`: the
/// count is section 0's `sh_size`; `e_shstrndx == SHN_XINDEX`: the index is its `sh_link`).
fn section_table(
    src: &mut dyn ReadAt,
    size: u64,
    class: ElfClass,
    en: Endian,
    h: &Header,
    problems: &mut Vec<String>,
) -> Option<(Vec<u8>, usize, usize)> {
    let es = shdr_size(class);
    if h.shoff == 0 {
        return None;
    }
    if usize::from(h.shentsize) != es {
        problems.push(format!(
            "section header size {} (expected {es})",
            h.shentsize
        ));
        return None;
    }
    if !table_fits(h.shoff, 1, es, size) {
        problems.push("section header table lies past the end of the file".to_owned());
        return None;
    }
    let first = src.read_at(h.shoff, es).ok()?;
    let (_, _, _, sz0, link0) = shdr(&first, class, en, 0)?;
    let count = if h.shnum == 0 {
        usize::try_from(sz0).unwrap_or(usize::MAX)
    } else {
        usize::from(h.shnum)
    };
    let strndx = if h.shstrndx == 0xffff {
        link0 as usize
    } else {
        usize::from(h.shstrndx)
    };
    if count > MAX_SECTIONS {
        problems.push(format!(
            "{count} sections (more than {MAX_SECTIONS}); not read"
        ));
        return None;
    }
    if !table_fits(h.shoff, count, es, size) {
        problems.push("section header table lies past the end of the file".to_owned());
        return None;
    }
    let tab = src.read_at(h.shoff, count * es).ok()?;
    Some((tab, count, strndx))
}

fn read_sections(
    src: &mut dyn ReadAt,
    size: u64,
    class: ElfClass,
    en: Endian,
    h: &Header,
    problems: &mut Vec<String>,
) -> (Vec<Vec<u8>>, usize) {
    let Some((tab, count, strndx)) = section_table(src, size, class, en, h, problems) else {
        return (Vec::new(), 0);
    };
    let strtab = match shdr(&tab, class, en, strndx) {
        Some((_, _, off, len, _)) if strndx < count => {
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if len > MAX_SHSTRTAB {
                problems.push(format!("section name table of {len} bytes; not read"));
                Vec::new()
            } else if !table_fits(off, len, 1, size) {
                problems.push("section name table lies past the end of the file".to_owned());
                Vec::new()
            } else {
                src.read_at(off, len).unwrap_or_default()
            }
        }
        _ => {
            if strndx != 0 {
                problems.push(format!("section name table index {strndx} out of range"));
            }
            Vec::new()
        }
    };
    let names = (0..count)
        .map(|i| {
            let Some((name_off, ..)) = shdr(&tab, class, en, i) else {
                return Vec::new();
            };
            let start = name_off as usize;
            let Some(rest) = strtab.get(start..) else {
                return Vec::new();
            };
            let end = memchr::memchr(0, rest).unwrap_or(rest.len()).min(256);
            rest.get(..end).unwrap_or_default().to_vec()
        })
        .collect();
    (names, count)
}

#[allow(clippy::too_many_arguments)]
fn read_section(
    src: &mut dyn ReadAt,
    size: u64,
    class: ElfClass,
    en: Endian,
    h: &Header,
    index: usize,
    cap: usize,
    problems: &mut Vec<String>,
) -> Option<Vec<u8>> {
    let mut ignore = Vec::new();
    let (tab, count, _) = section_table(src, size, class, en, h, &mut ignore)?;
    if index >= count {
        return None;
    }
    let (_, sh_type, off, len, _) = shdr(&tab, class, en, index)?;
    // SHT_NOBITS has no content in the file.
    if sh_type == 8 {
        return Some(Vec::new());
    }
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if !table_fits(off, len.min(cap), 1, size) {
        problems.push(format!("section {index} lies past the end of the file"));
        return None;
    }
    if len > cap {
        problems.push(format!("section {index} of {len} bytes; first {cap} read"));
    }
    src.read_at(off, len.min(cap)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_testkit::elf::{build, relocatable_with_modinfo};

    #[test]
    fn kernel_module_and_object() {
        let ko = relocatable_with_modinfo(b"license=GPL\0name=rk\0vermagic=5.10.0-21-amd64 SMP\0");
        let e = parse(&ko).unwrap();
        assert_eq!(e.kind, ElfKind::KernelModule);
        assert_eq!(e.section_count, 4);
        assert!(e.has_section(b".modinfo"));
        assert_eq!(
            e.modinfo.as_ref().unwrap().release(),
            Some(&b"5.10.0-21-amd64"[..])
        );
        assert!(e.problems.is_empty(), "{:?}", e.problems);
        let obj = build(1, &[(b".text", b"\x90")]);
        assert_eq!(parse(&obj).unwrap().kind, ElfKind::Relocatable);
        assert_eq!(parse(&build(3, &[])).unwrap().kind, ElfKind::SharedObject);
    }

    #[test]
    fn hostile_tables_are_problems_not_panics() {
        let mut ko = relocatable_with_modinfo(b"name=x\0");
        // Section count beyond the cap, then a table offset past the end.
        ko[60..62].copy_from_slice(&0u16.to_le_bytes());
        let e = parse(&ko).unwrap();
        assert_eq!(e.section_count, 0);
        let mut ko = relocatable_with_modinfo(b"name=x\0");
        ko[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
        let e = parse(&ko).unwrap();
        assert!(
            e.problems.iter().any(|p| p.contains("past the end")),
            "{:?}",
            e.problems
        );
        assert_eq!(parse(b"\x7fELF\x02").unwrap_err(), ElfError::Truncated);
        assert_eq!(parse(b"MZ").unwrap_err(), ElfError::NotElf);
        let mut bad = build(2, &[]);
        bad[4] = 9;
        assert!(matches!(
            parse(&bad),
            Err(ElfError::BadIdent { class: 9, .. })
        ));
    }

    #[test]
    fn modinfo_fields() {
        let m = parse_modinfo(b"junk\0author=a\0name=first\0name=second\0\0x=y");
        assert_eq!(m.name.as_deref(), Some(&b"first"[..]));
        assert_eq!(m.author.as_deref(), Some(&b"a"[..]));
        assert_eq!(m.entries, 4);
        assert_eq!(m.release(), None);
    }

    proptest::proptest! {
        /// Any corruption of a kernel module (bytes overwritten, the file cut short) parses to
        /// an error or a consistent partial result, never a panic.
        #[test]
        fn corrupted_modules_never_panic(
            edits in proptest::collection::vec((0usize..600, proptest::prelude::any::<u8>()), 0..24),
            cut in 0usize..700,
        ) {
            let mut ko = relocatable_with_modinfo(b"name=rk\0vermagic=6.1.0 SMP\0license=GPL\0");
            for (at, b) in edits {
                if let Some(x) = ko.get_mut(at) {
                    *x = b;
                }
            }
            ko.truncate(cut.max(1));
            if let Ok(e) = parse(&ko) {
                proptest::prop_assert!(e.section_count <= MAX_SECTIONS);
                proptest::prop_assert_eq!(e.section_names.len(), e.section_count);
                proptest::prop_assert_eq!(e.kind == ElfKind::KernelModule, e.modinfo.is_some());
            }
        }
    }

    /// The system's own binaries parse without problems (a real corpus nobody here wrote).
    #[test]
    fn system_binaries_parse_cleanly() {
        let mut n = 0;
        for p in ["/bin/sh", "/usr/bin/env", "/usr/bin/ls"] {
            let Ok(b) = std::fs::read(p) else { continue };
            let e = parse(&b).unwrap();
            assert!(e.problems.is_empty(), "{p}: {:?}", e.problems);
            assert!(e.section_count > 10, "{p}");
            assert!(e.has_section(b".text"), "{p}");
            assert_eq!(e.kind, ElfKind::Executable, "{p}");
            n += 1;
        }
        assert!(n > 0, "no system binary found");
    }
}
