//! Parsers for the dpkg database files, from bytes (no I/O here).
//!
//! Each parser is an iterator of `Result`s carrying 1-based line numbers, so a malformed line
//! is reported with its place and the rest of the file still counts.

use std::collections::VecDeque;
use std::fmt;

/// A checksum recorded by the package manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Digest {
    /// MD5 (dpkg's `md5sums` files and conffile hashes; rpm before 4.6).
    Md5([u8; 16]),
    /// SHA-224 (rpm `FILEDIGESTALGO` 11).
    Sha224([u8; 28]),
    /// SHA-256 (some vendors ship it in `md5sums`; rpm records it on every current
    /// distribution).
    Sha256([u8; 32]),
    /// SHA-384 (rpm `FILEDIGESTALGO` 9).
    Sha384([u8; 48]),
    /// SHA-512 (rpm `FILEDIGESTALGO` 10).
    Sha512([u8; 64]),
}

impl Digest {
    /// Parses a hexadecimal digest: 32 digits for MD5, 64 for SHA-256 (either case).
    pub fn from_hex(hex: &[u8]) -> Option<Digest> {
        match hex.len() {
            32 => ferret_core::hex::decode_array(hex).map(Digest::Md5),
            64 => ferret_core::hex::decode_array(hex).map(Digest::Sha256),
            _ => None,
        }
    }

    /// The raw digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Digest::Md5(d) => d,
            Digest::Sha224(d) => d,
            Digest::Sha256(d) => d,
            Digest::Sha384(d) => d,
            Digest::Sha512(d) => d,
        }
    }

    /// The algorithm name (`md5`, `sha224`, `sha256`, `sha384`, `sha512`).
    pub fn algorithm(&self) -> &'static str {
        match self {
            Digest::Md5(_) => "md5",
            Digest::Sha224(_) => "sha224",
            Digest::Sha256(_) => "sha256",
            Digest::Sha384(_) => "sha384",
            Digest::Sha512(_) => "sha512",
        }
    }

    /// A digest of `algorithm` (a name [`Digest::algorithm`] gives) from its raw bytes;
    /// `None` for an unknown name or a wrong length.
    pub fn from_raw(algorithm: &str, raw: &[u8]) -> Option<Digest> {
        match algorithm {
            "md5" => raw.try_into().ok().map(Digest::Md5),
            "sha224" => raw.try_into().ok().map(Digest::Sha224),
            "sha256" => raw.try_into().ok().map(Digest::Sha256),
            "sha384" => raw.try_into().ok().map(Digest::Sha384),
            "sha512" => raw.try_into().ok().map(Digest::Sha512),
            _ => None,
        }
    }

    /// Whether `data` hashes to this digest (with the same algorithm): for checks that have
    /// a file's bytes in hand and ask whether the package shipped exactly these.
    pub fn matches(&self, data: &[u8]) -> bool {
        use sha2::Digest as _;
        match self {
            Digest::Md5(d) => md5::Md5::digest(data).as_slice() == d,
            Digest::Sha224(d) => sha2::Sha224::digest(data).as_slice() == d,
            Digest::Sha256(d) => sha2::Sha256::digest(data).as_slice() == d,
            Digest::Sha384(d) => sha2::Sha384::digest(data).as_slice() == d,
            Digest::Sha512(d) => sha2::Sha512::digest(data).as_slice() == d,
        }
    }

    /// A small number naming the algorithm (for cache keys).
    pub(crate) fn algo_id(&self) -> u8 {
        match self {
            Digest::Md5(_) => 1,
            Digest::Sha224(_) => 2,
            Digest::Sha256(_) => 3,
            Digest::Sha384(_) => 4,
            Digest::Sha512(_) => 5,
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&ferret_core::hex::encode(self.as_bytes()))
    }
}

/// A malformed line: its 1-based number and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for LineError {}

fn line_err(line: u64, message: impl Into<String>) -> LineError {
    LineError {
        line,
        message: message.into(),
    }
}

/// Iterates the lines of a buffer with their 1-based numbers; the final line may lack `\n`.
#[derive(Debug, Clone)]
struct NumberedLines<'a> {
    rest: &'a [u8],
    line: u64,
}

impl<'a> NumberedLines<'a> {
    fn new(buf: &'a [u8]) -> Self {
        NumberedLines { rest: buf, line: 0 }
    }
}

impl<'a> Iterator for NumberedLines<'a> {
    type Item = (u64, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (l, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (
                self.rest.get(..i).unwrap_or_default(),
                self.rest.get(i + 1..).unwrap_or_default(),
            ),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        Some((self.line, l))
    }
}

/// Turns a package-relative path (`usr/bin/ls`, `./usr/bin/ls`, `/usr/bin/ls`) into the inner
/// absolute form `/usr/bin/ls`.
fn absolute(path: &[u8]) -> Vec<u8> {
    let p = path.strip_prefix(b"./").unwrap_or(path);
    let p = p.strip_prefix(b"/").unwrap_or(p);
    let mut out = Vec::with_capacity(p.len() + 1);
    out.push(b'/');
    out.extend_from_slice(p);
    out
}

// ---------------------------------------------------------------------------------------------
// md5sums

/// One line of a `md5sums` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Md5sumsEntry {
    /// 1-based line number.
    pub line: u64,
    /// The recorded digest (MD5, or SHA-256 from vendors who ship it).
    pub digest: Digest,
    /// The path made absolute (`/usr/bin/ls`), bytes exact.
    pub path: Vec<u8>,
}

/// Parses a dpkg `md5sums` file: `<hex digest><whitespace><path>` per line. Paths are relative
/// to the root (`usr/bin/ls`, sometimes `./usr/bin/ls`) and returned absolute. A 64-digit digest
/// is taken as SHA-256. Blank lines, bad digests, missing paths and paths holding NUL are errors
/// (debsums reports them as "invalid line" too).
///
/// ```
/// use ferret_baseline::pkg::parse::{parse_md5sums, Digest};
/// let v: Vec<_> = parse_md5sums(b"623e332d8ae2db8a2d050dcce9510b47  bin/dash\nnonsense\n").collect();
/// let e = v[0].as_ref().unwrap();
/// assert_eq!(e.path, b"/bin/dash");
/// assert!(matches!(e.digest, Digest::Md5(_)));
/// assert_eq!(v[1].as_ref().unwrap_err().line, 2);
/// ```
pub fn parse_md5sums(buf: &[u8]) -> Md5sumsLines<'_> {
    Md5sumsLines {
        lines: NumberedLines::new(buf),
    }
}

/// Iterator returned by [`parse_md5sums`].
#[derive(Debug, Clone)]
pub struct Md5sumsLines<'a> {
    lines: NumberedLines<'a>,
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Parses one `md5sums` line (without its newline).
pub fn parse_md5sums_line(n: u64, l: &[u8]) -> Result<Md5sumsEntry, LineError> {
    let start = l.iter().position(|c| !is_blank(*c)).unwrap_or(l.len());
    let l = l.get(start..).unwrap_or_default();
    if l.is_empty() {
        return Err(line_err(n, "empty line"));
    }
    let cut = l.iter().position(|c| is_blank(*c)).unwrap_or(l.len());
    let (hex, rest) = l.split_at(cut);
    let digest = Digest::from_hex(hex)
        .ok_or_else(|| line_err(n, "digest is not 32 (MD5) or 64 (SHA-256) hex digits"))?;
    let pstart = rest
        .iter()
        .position(|c| !is_blank(*c))
        .unwrap_or(rest.len());
    let path = rest.get(pstart..).unwrap_or_default();
    // `md5sum -b` output marks binary mode with '*'.
    let path = path.strip_prefix(b"*").unwrap_or(path);
    if path.is_empty() {
        return Err(line_err(n, "no path after the digest"));
    }
    if path.contains(&0) {
        return Err(line_err(n, "path contains a NUL byte"));
    }
    Ok(Md5sumsEntry {
        line: n,
        digest,
        path: absolute(path),
    })
}

impl Iterator for Md5sumsLines<'_> {
    type Item = Result<Md5sumsEntry, LineError>;
    fn next(&mut self) -> Option<Self::Item> {
        let (n, l) = self.lines.next()?;
        Some(parse_md5sums_line(n, l))
    }
}

// ---------------------------------------------------------------------------------------------
// status

/// The state part of a package's `Status:` field (`install ok installed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum PkgState {
    /// `not-installed`.
    NotInstalled,
    /// `config-files`: only conffiles remain.
    ConfigFiles,
    /// `half-installed`: unpacking started and did not finish.
    HalfInstalled,
    /// `unpacked`: files on disk, not configured.
    Unpacked,
    /// `half-configured`.
    HalfConfigured,
    /// `triggers-awaited`.
    TriggersAwaited,
    /// `triggers-pending`.
    TriggersPending,
    /// `installed`.
    Installed,
}

impl PkgState {
    /// Parses dpkg's name of a state.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        Some(match b {
            b"not-installed" => PkgState::NotInstalled,
            b"config-files" => PkgState::ConfigFiles,
            b"half-installed" => PkgState::HalfInstalled,
            b"unpacked" => PkgState::Unpacked,
            b"half-configured" => PkgState::HalfConfigured,
            b"triggers-awaited" => PkgState::TriggersAwaited,
            b"triggers-pending" => PkgState::TriggersPending,
            b"installed" => PkgState::Installed,
            _ => return None,
        })
    }

    /// dpkg's name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            PkgState::NotInstalled => "not-installed",
            PkgState::ConfigFiles => "config-files",
            PkgState::HalfInstalled => "half-installed",
            PkgState::Unpacked => "unpacked",
            PkgState::HalfConfigured => "half-configured",
            PkgState::TriggersAwaited => "triggers-awaited",
            PkgState::TriggersPending => "triggers-pending",
            PkgState::Installed => "installed",
        }
    }

    /// Whether the package's files are fully unpacked on disk (everything but
    /// `not-installed`, `config-files` and `half-installed`).
    pub fn files_present(self) -> bool {
        !matches!(
            self,
            PkgState::NotInstalled | PkgState::ConfigFiles | PkgState::HalfInstalled
        )
    }
}

/// The recorded hash of a conffile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConffileHash {
    /// A digest.
    Digest(Digest),
    /// `newconffile` or anything else that is not a digest: nothing to compare with.
    Other(Vec<u8>),
}

/// One entry of a package's `Conffiles:` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conffile {
    /// Line in the status file.
    pub line: u64,
    /// Absolute path.
    pub path: Vec<u8>,
    /// The recorded hash.
    pub hash: ConffileHash,
    /// Flagged `obsolete` (no longer shipped by the package).
    pub obsolete: bool,
    /// Flagged `remove-on-upgrade`.
    pub remove_on_upgrade: bool,
}

/// One package stanza of `/var/lib/dpkg/status`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusEntry {
    /// Line where the stanza starts.
    pub line: u64,
    /// `Package:`.
    pub package: Vec<u8>,
    /// `Architecture:` (empty when absent).
    pub architecture: Vec<u8>,
    /// `Multi-Arch:` (empty when absent).
    pub multi_arch: Vec<u8>,
    /// `Version:` (empty when absent).
    pub version: Vec<u8>,
    /// The state from `Status:` (`None` when the field is absent or malformed).
    pub state: Option<PkgState>,
    /// The whole `Status:` value (`install ok installed`).
    pub status: Vec<u8>,
    /// `Conffiles:` entries.
    pub conffiles: Vec<Conffile>,
}

impl StatusEntry {
    /// Whether `Multi-Arch: same` (its info files are named `pkg:arch.*`).
    pub fn is_multi_arch_same(&self) -> bool {
        self.multi_arch.eq_ignore_ascii_case(b"same")
    }

    /// dpkg-query's `${binary:Package}`: `name:arch` for `Multi-Arch: same`, else `name`.
    pub fn binary_package(&self) -> Vec<u8> {
        let mut v = self.package.clone();
        if self.is_multi_arch_same() && !self.architecture.is_empty() {
            v.push(b':');
            v.extend_from_slice(&self.architecture);
        }
        v
    }
}

/// Parses `/var/lib/dpkg/status` (or `available`): one [`StatusEntry`] per stanza, with
/// malformed lines and stanzas reported as errors beside the stanzas that parsed.
///
/// ```
/// use ferret_baseline::pkg::parse::{parse_status, PkgState};
/// let s = b"Package: adduser\nStatus: install ok installed\nVersion: 3.134\nConffiles:\n /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18\n";
/// let e = parse_status(s).next().unwrap().unwrap();
/// assert_eq!(e.package, b"adduser");
/// assert_eq!(e.state, Some(PkgState::Installed));
/// assert_eq!(e.conffiles[0].path, b"/etc/adduser.conf");
/// assert_eq!(e.conffiles[0].line, 5);
/// ```
pub fn parse_status(buf: &[u8]) -> StatusStanzas<'_> {
    StatusStanzas {
        lines: NumberedLines::new(buf),
        pending: VecDeque::new(),
    }
}

/// Iterator returned by [`parse_status`].
#[derive(Debug, Clone)]
pub struct StatusStanzas<'a> {
    lines: NumberedLines<'a>,
    pending: VecDeque<Result<StatusEntry, LineError>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Other,
    Conffiles,
}

fn parse_conffile_line(n: u64, l: &[u8]) -> Result<Conffile, LineError> {
    // dpkg parses from the right: optional flag word, then the hash, the rest is the path.
    let trimmed = trim(l);
    let mut words: Vec<&[u8]> = trimmed
        .split(|c| is_blank(*c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut obsolete = false;
    let mut remove_on_upgrade = false;
    loop {
        match words.last() {
            Some(w) if *w == b"obsolete" => obsolete = true,
            Some(w) if *w == b"remove-on-upgrade" => remove_on_upgrade = true,
            _ => break,
        }
        words.pop();
    }
    if words.len() < 2 {
        return Err(line_err(n, "conffile line without path and hash"));
    }
    let hash = words.pop().unwrap_or_default();
    // The path is everything before the hash word (it may hold blanks).
    let path_end = trimmed
        .windows(hash.len())
        .rposition(|w| w == hash)
        .unwrap_or(0);
    let path = trim(trimmed.get(..path_end).unwrap_or_default());
    if path.first() != Some(&b'/') {
        return Err(line_err(n, "conffile path is not absolute"));
    }
    if path.contains(&0) {
        return Err(line_err(n, "conffile path contains a NUL byte"));
    }
    let hash = match Digest::from_hex(hash) {
        Some(d) => ConffileHash::Digest(d),
        None => ConffileHash::Other(hash.to_vec()),
    };
    Ok(Conffile {
        line: n,
        path: path.to_vec(),
        hash,
        obsolete,
        remove_on_upgrade,
    })
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    b.get(s..e.max(s)).unwrap_or_default()
}

impl StatusStanzas<'_> {
    fn set_field(entry: &mut StatusEntry, n: u64, name: &[u8], value: &[u8]) -> Option<LineError> {
        let value = trim(value).to_vec();
        if name.eq_ignore_ascii_case(b"Package") {
            entry.package = value;
        } else if name.eq_ignore_ascii_case(b"Architecture") {
            entry.architecture = value;
        } else if name.eq_ignore_ascii_case(b"Multi-Arch") {
            entry.multi_arch = value;
        } else if name.eq_ignore_ascii_case(b"Version") {
            entry.version = value;
        } else if name.eq_ignore_ascii_case(b"Status") {
            let words: Vec<&[u8]> = value
                .split(|c| is_blank(*c))
                .filter(|w| !w.is_empty())
                .collect();
            entry.state = match words.as_slice() {
                [_, _, s] => PkgState::from_bytes(s),
                _ => None,
            };
            entry.status.clone_from(&value);
            if entry.state.is_none() {
                return Some(line_err(n, "Status field is not 'want flag state'"));
            }
        }
        None
    }
}

impl Iterator for StatusStanzas<'_> {
    type Item = Result<StatusEntry, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(r) = self.pending.pop_front() {
            return Some(r);
        }
        let mut entry: Option<StatusEntry> = None;
        let mut field = Field::Other;
        let mut errors: Vec<LineError> = Vec::new();
        for (n, raw) in self.lines.by_ref() {
            let l = raw.strip_suffix(b"\r").unwrap_or(raw);
            if trim(l).is_empty() {
                if entry.is_some() || !errors.is_empty() {
                    break;
                }
                continue;
            }
            let e = entry.get_or_insert_with(|| StatusEntry {
                line: n,
                ..StatusEntry::default()
            });
            if l.first().is_some_and(|c| is_blank(*c)) {
                // Continuation of the previous field.
                if field == Field::Conffiles {
                    match parse_conffile_line(n, l) {
                        Ok(c) => e.conffiles.push(c),
                        Err(err) => errors.push(err),
                    }
                }
                continue;
            }
            let Some(colon) = memchr::memchr(b':', l) else {
                errors.push(line_err(
                    n,
                    "line is neither 'Field: value' nor a continuation",
                ));
                field = Field::Other;
                continue;
            };
            let name = trim(l.get(..colon).unwrap_or_default());
            let value = l.get(colon + 1..).unwrap_or_default();
            if name.is_empty() || name.iter().any(u8::is_ascii_whitespace) {
                errors.push(line_err(n, "malformed field name"));
                field = Field::Other;
                continue;
            }
            field = if name.eq_ignore_ascii_case(b"Conffiles") {
                if !trim(value).is_empty() {
                    errors.push(line_err(n, "Conffiles field has a value on its first line"));
                }
                Field::Conffiles
            } else {
                Field::Other
            };
            if let Some(err) = Self::set_field(e, n, name, value) {
                errors.push(err);
            }
        }
        match entry {
            Some(e) if e.package.is_empty() => {
                errors.insert(0, line_err(e.line, "stanza without Package field"));
            }
            Some(e) => self.pending.push_back(Ok(e)),
            None => {}
        }
        self.pending.extend(errors.into_iter().map(Err));
        self.pending.pop_front()
    }
}

// ---------------------------------------------------------------------------------------------
// diversions

/// One `dpkg-divert` diversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diversion {
    /// Line of the first of the three lines.
    pub line: u64,
    /// The diverted path (`/bin/sh`).
    pub from: Vec<u8>,
    /// Where the package's file went instead (`/bin/sh.distrib`).
    pub to: Vec<u8>,
    /// The package holding the diversion; `None` for a local (administrator) diversion (`:`).
    pub holder: Option<Vec<u8>>,
}

/// Parses `/var/lib/dpkg/diversions`: groups of three lines (from, to, holder package or `:`).
pub fn parse_diversions(buf: &[u8]) -> Vec<Result<Diversion, LineError>> {
    let lines: Vec<(u64, &[u8])> = NumberedLines::new(buf).collect();
    let mut out = Vec::new();
    for group in lines.chunks(3) {
        match group {
            [(n, from), (_, to), (hn, holder)] => {
                if from.first() != Some(&b'/') || to.first() != Some(&b'/') {
                    out.push(Err(line_err(*n, "diversion paths are not absolute")));
                    continue;
                }
                if from.contains(&0) || to.contains(&0) {
                    out.push(Err(line_err(*n, "diversion path contains a NUL byte")));
                    continue;
                }
                if holder.is_empty() {
                    out.push(Err(line_err(*hn, "diversion without holder")));
                    continue;
                }
                out.push(Ok(Diversion {
                    line: *n,
                    from: from.to_vec(),
                    to: to.to_vec(),
                    holder: if *holder == b":" {
                        None
                    } else {
                        Some(holder.to_vec())
                    },
                }));
            }
            [(n, _), ..] => out.push(Err(line_err(*n, "incomplete diversion (needs 3 lines)"))),
            [] => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// statoverride

/// An owner or group in `statoverride`: a name or `#<number>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A name, resolved through the root's `/etc/passwd` or `/etc/group`.
    Name(Vec<u8>),
    /// A number (`#1000`).
    Id(u32),
}

fn principal(b: &[u8]) -> Option<Principal> {
    match b.strip_prefix(b"#") {
        Some(num) => std::str::from_utf8(num)
            .ok()?
            .parse()
            .ok()
            .map(Principal::Id),
        None if !b.is_empty() => Some(Principal::Name(b.to_vec())),
        None => None,
    }
}

/// One `dpkg-statoverride` entry: the owner, group and mode dpkg enforces on a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatOverride {
    /// Line number.
    pub line: u64,
    /// Owner.
    pub owner: Principal,
    /// Group.
    pub group: Principal,
    /// Permission bits (`0o4754`).
    pub mode: u32,
    /// Absolute path.
    pub path: Vec<u8>,
}

/// Parses `/var/lib/dpkg/statoverride`: `owner group mode path` per line.
pub fn parse_statoverride(buf: &[u8]) -> Vec<Result<StatOverride, LineError>> {
    let mut out = Vec::new();
    for (n, l) in NumberedLines::new(buf) {
        if trim(l).is_empty() {
            continue;
        }
        let mut it = l.splitn(4, |c| *c == b' ');
        let (Some(o), Some(g), Some(m), Some(p)) = (it.next(), it.next(), it.next(), it.next())
        else {
            out.push(Err(line_err(n, "expected 'owner group mode path'")));
            continue;
        };
        let (Some(owner), Some(group)) = (principal(o), principal(g)) else {
            out.push(Err(line_err(n, "bad owner or group")));
            continue;
        };
        let mode = std::str::from_utf8(m)
            .ok()
            .and_then(|s| u32::from_str_radix(s, 8).ok())
            .filter(|m| *m <= 0o7777);
        let Some(mode) = mode else {
            out.push(Err(line_err(n, "mode is not octal")));
            continue;
        };
        if p.first() != Some(&b'/') || p.contains(&0) {
            out.push(Err(line_err(n, "path is not absolute")));
            continue;
        }
        out.push(Ok(StatOverride {
            line: n,
            owner,
            group,
            mode,
            path: p.to_vec(),
        }));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// .list files

/// Parses a package's `.list` file: one absolute path per line (directories included). Lines
/// that are not absolute paths are errors.
pub fn parse_list(buf: &[u8]) -> impl Iterator<Item = Result<&[u8], LineError>> {
    NumberedLines::new(buf).filter_map(|(n, l)| {
        if l.is_empty() {
            None
        } else if l.first() == Some(&b'/') && !l.contains(&0) {
            Some(Ok(l))
        } else {
            Some(Err(line_err(n, "not an absolute path")))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// dpkg path-exclude / path-include

/// A `path-exclude`/`path-include` rule from dpkg's configuration (`/etc/dpkg/dpkg.cfg.d/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathFilter {
    /// True for `path-exclude`.
    pub exclude: bool,
    /// The `fnmatch(3)` pattern (without `FNM_PATHNAME`: `*` crosses `/`).
    pub pattern: Vec<u8>,
}

/// Extracts the path filters from a dpkg configuration file. Other options are ignored.
pub fn parse_dpkg_cfg(buf: &[u8]) -> Vec<PathFilter> {
    let mut out = Vec::new();
    for (_, l) in NumberedLines::new(buf) {
        let l = trim(l);
        if l.first() == Some(&b'#') {
            continue;
        }
        let l = l.strip_prefix(b"--").unwrap_or(l);
        for (key, exclude) in [(&b"path-exclude"[..], true), (&b"path-include"[..], false)] {
            if let Some(rest) = l.strip_prefix(key) {
                if let Some((&sep, v)) = rest.split_first() {
                    if sep == b'=' || is_blank(sep) {
                        let v = trim(v);
                        if !v.is_empty() {
                            out.push(PathFilter {
                                exclude,
                                pattern: v.to_vec(),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// Whether the last matching filter excludes `path` (dpkg and debsums semantics).
pub fn excluded_by(filters: &[PathFilter], path: &[u8]) -> bool {
    let mut excluded = false;
    for f in filters {
        if fnmatch(&f.pattern, path) {
            excluded = f.exclude;
        }
    }
    excluded
}

/// `fnmatch(3)` without flags: `*`, `?`, `[...]` (with `!`/`^` negation and ranges), `\`
/// escapes. `*` matches `/` too. Iterative, no recursion, linear backtracking.
pub fn fnmatch(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(&pc) = pat.get(p) {
            match pc {
                b'*' => {
                    star = Some((p, i));
                    p += 1;
                    continue;
                }
                b'?' if i < s.len() => {
                    p += 1;
                    i += 1;
                    continue;
                }
                b'[' if i < s.len() => {
                    if let Some((matched, len)) = class(
                        pat.get(p..).unwrap_or_default(),
                        s.get(i).copied().unwrap_or(0),
                    ) {
                        if matched {
                            p += len;
                            i += 1;
                            continue;
                        }
                    } else if s.get(i) == Some(&b'[') {
                        // Unterminated class: '[' matches itself.
                        p += 1;
                        i += 1;
                        continue;
                    }
                }
                b'\\' => {
                    let lit = pat.get(p + 1).copied();
                    let adv = if lit.is_some() { 2 } else { 1 };
                    let lit = lit.unwrap_or(b'\\');
                    if s.get(i) == Some(&lit) {
                        p += adv;
                        i += 1;
                        continue;
                    }
                }
                c if c != b'?' && c != b'[' && s.get(i) == Some(&c) => {
                    p += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        } else if i == s.len() {
            return true;
        }
        // Mismatch: backtrack to the last star, letting it swallow one more byte.
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp + 1;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// Matches a bracket expression at the start of `pat` against `c`: `(matched, length)`, or
/// `None` when it is not terminated.
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut j = 1;
    let negate = matches!(pat.get(j), Some(b'!' | b'^'));
    if negate {
        j += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let pc = *pat.get(j)?;
        if pc == b']' && !first {
            return Some((matched != negate, j + 1));
        }
        first = false;
        let lo = if pc == b'\\' {
            j += 1;
            *pat.get(j)?
        } else {
            pc
        };
        if pat.get(j + 1) == Some(&b'-') && pat.get(j + 2).is_some_and(|x| *x != b']') {
            let hi = *pat.get(j + 2)?;
            if lo <= c && c <= hi {
                matched = true;
            }
            j += 3;
        } else {
            if lo == c {
                matched = true;
            }
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5sums_variants() {
        let buf = b"623e332d8ae2db8a2d050dcce9510b47  bin/dash\n\
            623E332D8AE2DB8A2D050DCCE9510B47 ./usr/share/a b\n\
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  usr/lib/x.so\n\
            \n\
            zz  usr/bin/bad\n\
            623e332d8ae2db8a2d050dcce9510b47\n\
            623e332d8ae2db8a2d050dcce9510b47 *usr/bin/bin-mode";
        let v: Vec<_> = parse_md5sums(buf).collect();
        assert_eq!(v.len(), 7);
        assert_eq!(v[0].as_ref().unwrap().path, b"/bin/dash");
        assert_eq!(v[1].as_ref().unwrap().path, b"/usr/share/a b");
        assert_eq!(v[0].as_ref().unwrap().digest, v[1].as_ref().unwrap().digest);
        assert!(matches!(v[2].as_ref().unwrap().digest, Digest::Sha256(_)));
        assert_eq!(v[3].as_ref().unwrap_err().line, 4);
        assert_eq!(v[4].as_ref().unwrap_err().line, 5);
        assert_eq!(v[5].as_ref().unwrap_err().line, 6);
        assert_eq!(v[6].as_ref().unwrap().path, b"/usr/bin/bin-mode");
        assert_eq!(
            v[0].as_ref().unwrap().digest.to_string(),
            "623e332d8ae2db8a2d050dcce9510b47"
        );
    }

    #[test]
    fn status_stanzas_and_errors() {
        let buf = b"Package: a\nStatus: install ok installed\nMulti-Arch: same\nArchitecture: amd64\n\
Conffiles:\n /etc/a.conf 0123456789abcdef0123456789abcdef\n /etc/old c0ffee00c0ffee00c0ffee00c0ffee00 obsolete\n \
/etc/with space.conf newconffile\n /etc/gone 0123456789abcdef0123456789abcdef remove-on-upgrade\nDescription: x\n y\n\n\n\
Package: b\nStatus: deinstall ok config-files\nbogus line\n\nStatus: install ok installed\n\nPackage: c\nStatus: weird\n";
        let v: Vec<_> = parse_status(buf).collect();
        let a = v[0].as_ref().unwrap();
        assert_eq!(a.binary_package(), b"a:amd64");
        assert_eq!(a.conffiles.len(), 4);
        assert!(a.conffiles[1].obsolete);
        assert_eq!(a.conffiles[2].path, b"/etc/with space.conf");
        assert_eq!(
            a.conffiles[2].hash,
            ConffileHash::Other(b"newconffile".to_vec())
        );
        assert!(a.conffiles[3].remove_on_upgrade);
        let b = v[1].as_ref().unwrap();
        assert_eq!(b.state, Some(PkgState::ConfigFiles));
        assert_eq!(v[2].as_ref().unwrap_err().line, 16);
        assert_eq!(v[3].as_ref().unwrap_err().line, 18);
        let c = v[4].as_ref().unwrap();
        assert_eq!(c.package, b"c");
        assert_eq!(v[5].as_ref().unwrap_err().line, 21);
        assert_eq!(v.len(), 6);
    }

    #[test]
    fn diversions_and_overrides() {
        let d = parse_diversions(
            b"/bin/sh\n/bin/sh.distrib\ndash\n/usr/bin/x\n/usr/bin/x.real\n:\n/a\n",
        );
        assert_eq!(d.len(), 3);
        assert_eq!(d[0].as_ref().unwrap().holder.as_deref(), Some(&b"dash"[..]));
        assert_eq!(d[1].as_ref().unwrap().holder, None);
        assert_eq!(d[2].as_ref().unwrap_err().line, 7);
        let s = parse_statoverride(
            b"root messagebus 4754 /usr/lib/dbus-1.0/dbus-daemon-launch-helper\n#0 #5 9999 /x\n",
        );
        let s0 = s[0].as_ref().unwrap();
        assert_eq!(s0.mode, 0o4754);
        assert_eq!(s0.group, Principal::Name(b"messagebus".to_vec()));
        assert_eq!(s[1].as_ref().unwrap_err().line, 2);
    }

    #[test]
    fn fnmatch_like_libc() {
        assert!(fnmatch(b"/usr/share/doc/*", b"/usr/share/doc/a/b/c"));
        assert!(!fnmatch(b"/usr/share/doc/*", b"/usr/share/docs"));
        assert!(fnmatch(
            b"/usr/share/doc/*/copyright",
            b"/usr/share/doc/x/y/copyright"
        ));
        assert!(fnmatch(
            b"/usr/share/locale/[a-d]?/*",
            b"/usr/share/locale/de/LC"
        ));
        assert!(!fnmatch(
            b"/usr/share/locale/[!a-d]?/*",
            b"/usr/share/locale/de/LC"
        ));
        assert!(fnmatch(b"a\\*b", b"a*b"));
        assert!(!fnmatch(b"a\\*b", b"axb"));
        assert!(fnmatch(b"*", b""));
        assert!(fnmatch(b"[x", b"[x"));
        let f = parse_dpkg_cfg(b"# c\npath-exclude=/usr/share/doc/*\npath-include /usr/share/doc/*/copyright\nforce-unsafe-io\n");
        assert_eq!(f.len(), 2);
        assert!(excluded_by(&f, b"/usr/share/doc/a/changelog.gz"));
        assert!(!excluded_by(&f, b"/usr/share/doc/a/copyright"));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn md5sums_line_round_trips(
            digest in proptest::collection::vec(any::<u8>(), 16),
            sha in any::<bool>(),
            path in proptest::collection::vec(any::<u8>().prop_filter("no NL/NUL", |c| *c != b'\n' && *c != 0), 1..64),
        ) {
            // A path starting with blanks, '*', './' or '/' is normalised; keep it plain here.
            prop_assume!(!matches!(path[0], b' ' | b'\t' | b'*' | b'/' | b'.'));
            let d = if sha {
                let mut a = [0u8; 32];
                a[..16].copy_from_slice(&digest);
                Digest::Sha256(a)
            } else {
                let mut a = [0u8; 16];
                a.copy_from_slice(&digest);
                Digest::Md5(a)
            };
            let mut line = d.to_string().into_bytes();
            line.extend_from_slice(b"  ");
            line.extend_from_slice(&path);
            let e = parse_md5sums_line(7, &line).unwrap();
            prop_assert_eq!(e.digest, d);
            prop_assert_eq!(&e.path[1..], &path[..]);
            prop_assert_eq!(e.line, 7);
        }

        #[test]
        fn status_never_panics_and_lines_are_in_range(data in proptest::collection::vec(any::<u8>(), 0..512)) {
            crate::pkg::fuzzing::status(&data);
            crate::pkg::fuzzing::md5sums(&data);
        }
    }
}
