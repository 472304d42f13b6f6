//! `sha256sum` and `b3sum` manifests: export a baseline so the standard tools can check it
//! (`sha256sum -c`, `b3sum -c`), and import their manifests.
//!
//! Escaping follows the tools: a name containing `\` or a newline (and, for GNU `sha256sum`
//! 9.x, a carriage return) is written with `\\`, `\n` (`\r`) and the line starts with a `\`.
//! `b3sum` cannot represent names that are not valid UTF-8 (it refuses them in `-c`, as it
//! should); such entries are left out of a `b3sum` export and reported as errors, never
//! written lossily. The importer also reads GNU's binary marker (`HASH *name`) and BSD-style
//! tagged lines (`SHA256 (name) = HASH`).

use crate::entry::{Baseline, Entry};
use crate::Error;
use ferret_core::{ErrorRecord, FileKind};
use std::io::{BufRead, Write};

/// Which manifest format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestFormat {
    /// GNU coreutils `sha256sum`.
    Sha256sum,
    /// `b3sum` (BLAKE3).
    B3sum,
}

impl ManifestFormat {
    /// `sha256sum` or `b3sum` (the tool's name).
    pub fn as_str(self) -> &'static str {
        match self {
            ManifestFormat::Sha256sum => "sha256sum",
            ManifestFormat::B3sum => "b3sum",
        }
    }
}

/// Parses the tool's name (`sha256sum`, `b3sum`) or its hash's (`sha256`, `blake3`).
impl std::str::FromStr for ManifestFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sha256sum" | "sha256" => Ok(ManifestFormat::Sha256sum),
            "b3sum" | "blake3" => Ok(ManifestFormat::B3sum),
            _ => Err(Error::UnknownName {
                what: "manifest format",
                name: s.to_owned(),
                expected: "sha256sum or b3sum",
            }),
        }
    }
}

/// Escapes a name the way the tool does; `None` when the tool cannot represent it.
pub fn escape_name(name: &[u8], format: ManifestFormat) -> Option<(bool, Vec<u8>)> {
    if name.contains(&0) {
        return None;
    }
    if format == ManifestFormat::B3sum && std::str::from_utf8(name).is_err() {
        return None;
    }
    let special = |b: u8| match format {
        ManifestFormat::Sha256sum => matches!(b, b'\\' | b'\n' | b'\r'),
        ManifestFormat::B3sum => matches!(b, b'\\' | b'\n'),
    };
    if !name.iter().any(|&b| special(b)) {
        return Some((false, name.to_vec()));
    }
    let mut out = Vec::with_capacity(name.len() + 4);
    for &b in name {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' if format == ManifestFormat::Sha256sum => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
    Some((true, out))
}

/// Writes one manifest line per regular file that has the format's hash. `prefix` is put
/// before each inner path (the root's host path, so the tool finds the files; empty for a
/// live root). Returns the entries left out, as errors.
pub fn export<W: Write>(
    baseline: &Baseline,
    format: ManifestFormat,
    prefix: &[u8],
    mut w: W,
) -> Result<Vec<ErrorRecord>, Error> {
    let io = |e: std::io::Error| Error::Format(format!("writing manifest: {e}"));
    let mut skipped = Vec::new();
    let prefix = prefix.strip_suffix(b"/").unwrap_or(prefix);
    for e in &baseline.entries {
        if e.kind != FileKind::Regular || !e.attrs.wants_content() {
            continue;
        }
        let h = match format {
            ManifestFormat::Sha256sum => e.sha256,
            ManifestFormat::B3sum => e.blake3,
        };
        let Some(h) = h else {
            skipped.push(ErrorRecord::new(
                Some(&e.path),
                None,
                "no hash of this kind in the baseline; not exported",
            ));
            continue;
        };
        let mut name = prefix.to_vec();
        name.extend_from_slice(&e.path);
        let Some((escaped, name)) = escape_name(&name, format) else {
            skipped.push(ErrorRecord::new(
                Some(&e.path),
                None,
                "name cannot be represented in this manifest format (b3sum needs UTF-8); not exported",
            ));
            continue;
        };
        if escaped {
            w.write_all(b"\\").map_err(io)?;
        }
        w.write_all(ferret_core::hex::encode(&h).as_bytes())
            .map_err(io)?;
        w.write_all(b"  ").map_err(io)?;
        w.write_all(&name).map_err(io)?;
        w.write_all(b"\n").map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(skipped)
}

/// One line of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ManifestLine {
    /// 1-based line number.
    pub line: u64,
    /// The digest.
    pub hash: [u8; 32],
    /// The file name, unescaped, bytes exact.
    pub path: Vec<u8>,
}

fn unescape_name(s: &[u8], format: ManifestFormat) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.iter();
    while let Some(&b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') if format == ManifestFormat::Sha256sum => out.push(b'\r'),
            Some(c) => return Err(format!("unknown escape \\{}", char::from(*c))),
            None => return Err("name ends with a lone backslash".into()),
        }
    }
    Ok(out)
}

/// Parses one manifest line (without its newline); the error says what is wrong with it ([`parse`]
/// adds the line number).
pub(crate) fn parse_line(
    raw: &[u8],
    format: ManifestFormat,
) -> Result<(Vec<u8>, [u8; 32]), String> {
    let (escaped, rest) = match raw.strip_prefix(b"\\") {
        Some(r) => (true, r),
        None => (false, raw),
    };
    // BSD tagged form: `SHA256 (name) = hex` / `BLAKE3 (name) = hex`.
    let tag: &[u8] = match format {
        ManifestFormat::Sha256sum => b"SHA256 (",
        ManifestFormat::B3sum => b"BLAKE3 (",
    };
    if let Some(r) = rest.strip_prefix(tag) {
        let split = r
            .windows(4)
            .rposition(|w| w == b") = ")
            .ok_or("tagged line without `) = `")?;
        let name = r.get(..split).unwrap_or(&[]);
        let hex = r.get(split + 4..).unwrap_or(&[]);
        let h = ferret_core::hex::decode_array(hex).ok_or("digest is not 64 hex digits")?;
        // An empty name is no file (as in the untagged form; b3sum refuses it too): without
        // this, `BLAKE3 () = ...` was accepted and exported as a line that does not parse.
        if name.is_empty() {
            return Err("empty file name".into());
        }
        let name = if escaped {
            unescape_name(name, format)?
        } else {
            name.to_vec()
        };
        return Ok((name, h));
    }
    let hex = rest
        .get(..64)
        .ok_or("line too short for a 64-digit digest")?;
    let h = ferret_core::hex::decode_array(hex).ok_or("digest is not 64 hex digits")?;
    let sep = rest
        .get(64..66)
        .ok_or("missing separator after the digest")?;
    if sep != b"  " && sep != b" *" {
        return Err("digest not followed by two spaces or ` *`".into());
    }
    let name = rest.get(66..).unwrap_or(&[]);
    if name.is_empty() {
        return Err("empty file name".into());
    }
    let name = if escaped {
        unescape_name(name, format)?
    } else {
        name.to_vec()
    };
    Ok((name, h))
}

/// Parses a manifest: an iterator of lines or errors carrying the line number.
pub fn parse<R: BufRead>(
    r: R,
    format: ManifestFormat,
) -> impl Iterator<Item = Result<ManifestLine, Error>> {
    let mut r = r;
    let mut n = 0u64;
    std::iter::from_fn(move || {
        let mut buf = Vec::new();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => None,
            Ok(_) => {
                n += 1;
                let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
                Some(
                    parse_line(line, format)
                        .map(|(path, hash)| ManifestLine {
                            line: n,
                            hash,
                            path,
                        })
                        .map_err(|message| Error::Parse {
                            path: "manifest".into(),
                            line: n,
                            message,
                        }),
                )
            }
            Err(e) => {
                n += 1;
                Some(Err(Error::Parse {
                    path: "manifest".into(),
                    line: n,
                    message: e.to_string(),
                }))
            }
        }
    })
}

/// Imports a manifest as a baseline that compares content only: each line becomes a regular
/// file entry with just the hash attribute selected. Paths not starting with `/` are taken as
/// relative to `/`. Bad lines are returned as errors (with their line numbers) in
/// [`Baseline::errors`], never dropped.
pub fn import<R: BufRead>(r: R, format: ManifestFormat) -> Baseline {
    use crate::attr::{Attr, AttrSet};
    let attrs = AttrSet::EMPTY.with(match format {
        ManifestFormat::Sha256sum => Attr::Sha256,
        ManifestFormat::B3sum => Attr::Blake3,
    });
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for item in parse(r, format) {
        match item {
            Ok(l) => {
                let mut path = l.path;
                if path.first() != Some(&b'/') {
                    path.insert(0, b'/');
                }
                let mut e = Entry::new(path, FileKind::Regular, attrs);
                match format {
                    ManifestFormat::Sha256sum => e.sha256 = Some(l.hash),
                    ManifestFormat::B3sum => e.blake3 = Some(l.hash),
                }
                entries.push(e);
            }
            Err(Error::Parse { line, message, .. }) => {
                errors.push(ErrorRecord::new(Some(b"manifest"), Some(line), message));
            }
            Err(e) => errors.push(ErrorRecord::new(Some(b"manifest"), None, e.to_string())),
        }
    }
    let config = crate::entry::ScanConfig {
        default_attrs: attrs,
        hash: match format {
            ManifestFormat::Sha256sum => crate::HashKind::Sha256,
            ManifestFormat::B3sum => crate::HashKind::Blake3,
        },
        ..crate::entry::ScanConfig::default()
    };
    let mut b = Baseline::from_entries(config, entries);
    b.errors = errors;
    b
}
