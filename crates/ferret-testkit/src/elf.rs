//! Hand-built ELF files for tests, doctests and fuzz seeds (no compiler needed): the
//! smallest files that classification must recognise.

// Fixed offsets into buffers this module sized itself.
#![allow(clippy::indexing_slicing)]

/// A 64-bit little-endian `ET_REL` x86-64 object with sections `""`, `.text`, `.modinfo`
/// (holding `modinfo`) and `.shstrtab`: what a kernel module looks like to classification.
pub fn relocatable_with_modinfo(modinfo: &[u8]) -> Vec<u8> {
    build(1, &[(b".text", b"\xc3"), (b".modinfo", modinfo)])
}

/// A 64-bit little-endian ELF of type `e_type` (1 REL, 2 EXEC, 3 DYN) with the given
/// sections (name, content) plus the null section and `.shstrtab`.
pub fn build(e_type: u16, sections: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut out = vec![0u8; 64];
    let mut shstrtab = vec![0u8];
    let mut hdrs: Vec<(u32, u32, u64, u64)> = vec![(0, 0, 0, 0)];
    for (name, data) in sections {
        let name_off = shstrtab.len() as u32;
        shstrtab.extend_from_slice(name);
        shstrtab.push(0);
        let off = out.len() as u64;
        out.extend_from_slice(data);
        hdrs.push((name_off, 1, off, data.len() as u64));
    }
    let name_off = shstrtab.len() as u32;
    shstrtab.extend_from_slice(b".shstrtab\0");
    let off = out.len() as u64;
    out.extend_from_slice(&shstrtab);
    hdrs.push((name_off, 3, off, shstrtab.len() as u64));
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let shoff = out.len() as u64;
    for (name, ty, off, size) in &hdrs {
        let mut s = [0u8; 64];
        s[0..4].copy_from_slice(&name.to_le_bytes());
        s[4..8].copy_from_slice(&ty.to_le_bytes());
        s[24..32].copy_from_slice(&off.to_le_bytes());
        s[32..40].copy_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&s);
    }
    out[0..4].copy_from_slice(b"\x7fELF");
    out[4] = 2; // ELFCLASS64
    out[5] = 1; // little-endian
    out[6] = 1; // EV_CURRENT
    out[16..18].copy_from_slice(&e_type.to_le_bytes());
    out[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    out[40..48].copy_from_slice(&shoff.to_le_bytes());
    out[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    out[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    out[60..62].copy_from_slice(&(hdrs.len() as u16).to_le_bytes());
    out[62..64].copy_from_slice(&((hdrs.len() - 1) as u16).to_le_bytes());
    out
}
