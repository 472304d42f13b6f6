//! sshd_config: a parser and resolver that follows OpenSSH's `servconf.c`.
//!
//! - Lexing: case-insensitive keywords, `key value` / `key=value`, quotes, `#` comments.
//! - `Include` with globs (relative names under `/etc/ssh`), resolved inside the audited root,
//!   nested up to 16 levels; a glob that matches nothing is not an error. Each file is read
//!   and lexed once; an `Include` that loops back to a file being included is not followed,
//!   and the whole load stays within [`LoadLimits`] (files, includes, directives, bytes) and
//!   the caller's [`Control`], so that a hostile configuration cannot multiply the work.
//! - `Match` (User, Group, Host, Address and LocalAddress with CIDR, LocalPort, RDomain, All;
//!   `!` negation, comma lists, `*`/`?` wildcards) evaluated for a [`ConnectionContext`] the way
//!   `sshd -T -C` does: a first pass applies the global section (and `Match all`), a second pass
//!   applies the matching blocks, whose values override the global ones for the keywords sshd
//!   copies from Match blocks.
//! - First obtained value wins, with OpenSSH's exceptions: AllowUsers/DenyUsers/AllowGroups/
//!   DenyGroups/AcceptEnv/HostKey/Port append across lines; AuthorizedKeysFile, SetEnv,
//!   PermitOpen/PermitListen, AuthenticationMethods take the first line's whole list; IPQoS,
//!   StreamLocalBindMask, FingerprintHash, PerSourceNetBlockSize take the last; Subsystem is
//!   first-wins per name; ForceCommand/ChrootDirectory `none` in a Match block clears a global
//!   value.
//! - Defaults are those of the OpenSSH shipped on Debian 12 (9.2p1), as `sshd -T` prints them.
//!   Where 9.2 and current upstream differ (MaxStartups: 9.2 keeps the last value, upstream the
//!   first; AuthorizedPrincipalsCommand: 9.2 ignores it when AuthorizedKeysCommand came first),
//!   9.2 is the default and [`SshdConfig::with_semantics`] switches.
//!
//! [`Effective::dump`] prints what `sshd -T` prints, in its order, for every keyword except
//! these, deliberately skipped: `listenaddress` (sshd prints resolved socket addresses, which
//! needs getaddrinfo on the audited host), `channeltimeout` and `debianbanner` (accepted, not
//! printed by 9.2), `rdomain` (unsupported on Linux: reported as an error, as sshd does).
//! Differences from sshd left on purpose: an unknown keyword or bad value is an error record
//! and resolution goes on (sshd refuses to start); `Match LocalPort` without a local port in
//! the context does not match (sshd -T aborts); `Include ~/...` is reported, not followed.

pub mod checks;
pub(crate) mod keywords;
mod lex;
pub mod pattern;
mod values;

pub use checks::{audit_root, SshdOptions};
pub use lex::{parse, Directive, LexError, Lines};

use crate::accounts::Accounts;
use ferret_core::{Control, ErrorRecord, HostRoot};
use keywords::{Keyword, Print, Store, KEYWORDS};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The default main configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/ssh/sshd_config";
/// Where relative `Include` names are resolved.
pub const SSHDIR: &str = "/etc/ssh";
/// OpenSSH's include depth limit (`SERVCONF_MAX_DEPTH`).
pub const MAX_DEPTH: usize = 16;

/// The connection a configuration is resolved for (`sshd -T -C user=..,host=..,addr=..`).
/// Unset fields never match a criterion that needs them (sshd's test-mode rule).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ConnectionContext {
    /// Login name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub user: Option<Vec<u8>>,
    /// Remote host name (as resolved by sshd; the address when UseDNS is off).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub host: Option<Vec<u8>>,
    /// Remote address.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub addr: Option<Vec<u8>>,
    /// Local address.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub laddr: Option<Vec<u8>>,
    /// Local port.
    pub lport: Option<u16>,
    /// Routing domain.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt"))]
    pub rdomain: Option<Vec<u8>>,
    /// Groups of `user` for `Match Group`; looked up in the root's passwd/group when `None`.
    #[cfg_attr(feature = "serde", serde(serialize_with = "crate::util::ser_opt_list"))]
    pub groups: Option<Vec<Vec<u8>>>,
}

impl ConnectionContext {
    /// An empty context (only `Match all` matches).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the user.
    pub fn user(mut self, u: impl AsRef<[u8]>) -> Self {
        self.user = Some(u.as_ref().to_vec());
        self
    }
    /// Sets the remote host name.
    pub fn host(mut self, h: impl AsRef<[u8]>) -> Self {
        self.host = Some(h.as_ref().to_vec());
        self
    }
    /// Sets the remote address.
    pub fn addr(mut self, a: impl AsRef<[u8]>) -> Self {
        self.addr = Some(a.as_ref().to_vec());
        self
    }
    /// Sets the local address.
    pub fn laddr(mut self, a: impl AsRef<[u8]>) -> Self {
        self.laddr = Some(a.as_ref().to_vec());
        self
    }
    /// Sets the local port.
    pub fn lport(mut self, p: u16) -> Self {
        self.lport = Some(p);
        self
    }
    /// Sets the routing domain.
    pub fn rdomain(mut self, r: impl AsRef<[u8]>) -> Self {
        self.rdomain = Some(r.as_ref().to_vec());
        self
    }
    /// Sets the user's groups explicitly.
    pub fn groups(mut self, g: Vec<Vec<u8>>) -> Self {
        self.groups = Some(g);
        self
    }

    /// Parses an `sshd -C` spec: `user=u,host=h,addr=a,laddr=l,lport=p,rdomain=r`.
    pub fn from_spec(spec: &str) -> Result<Self, crate::Error> {
        let bad = |reason: String| crate::Error::ConnectionSpec {
            spec: spec.to_owned(),
            reason,
        };
        let mut c = ConnectionContext::new();
        for p in spec.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| bad(format!("{p} is not key=value")))?;
            match k {
                "user" => c.user = Some(v.into()),
                "host" => c.host = Some(v.into()),
                "addr" => c.addr = Some(v.into()),
                "laddr" => c.laddr = Some(v.into()),
                "rdomain" => c.rdomain = Some(v.into()),
                "lport" => {
                    c.lport = Some(
                        v.parse()
                            .ok()
                            .filter(|&p| p > 0)
                            .ok_or_else(|| bad(format!("invalid port {v:?}")))?,
                    );
                }
                _ => return Err(bad(format!("unknown key {k:?}"))),
            }
        }
        Ok(c)
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Source {
    /// File inside the root.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::util::ser_shared_path")
    )]
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: u64,
    /// Whether the line sits inside a `Match` block.
    pub in_match: bool,
}

/// A parsed file with its includes expanded.
#[derive(Debug, Clone)]
enum Node {
    Dir {
        file: Arc<PathBuf>,
        d: Arc<Directive>,
    },
    Include {
        files: Vec<(Arc<PathBuf>, Vec<Node>)>,
    },
}

/// Which OpenSSH's rules the resolver follows where versions differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Semantics {
    /// OpenSSH 9.2p1 as Debian 12 ships it (the default): `MaxStartups` keeps the last value,
    /// `AuthorizedPrincipalsCommand` is dropped when `AuthorizedKeysCommand` came first.
    #[default]
    Debian12,
    /// Current upstream OpenSSH (10.x): `MaxStartups` is first-value-wins (upstream's regress
    /// test `cfgparse.sh` "maxstartups idempotence" expects the first), and
    /// `AuthorizedPrincipalsCommand` is taken whatever `AuthorizedKeysCommand` says.
    Upstream,
}

/// Limits on the work of loading one configuration with its includes expanded. A legitimate
/// configuration stays far below each (a main file and a few files in `sshd_config.d`); a
/// hostile one (a file that includes itself, 100,000 `Include` lines, a glob over 100,000
/// files, a file padded to gigabytes) stops at the first limit it meets, keeps what was
/// expanded before it, and [`SshdConfig::stats`] says which limit (reported as
/// `sshd.include-amplification`). Every file is read and lexed once, whatever includes it; an
/// `Include` that would recurse into a file already being included is not followed (sshd
/// itself refuses to start with "too many recursive configuration includes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadLimits {
    /// Distinct files read: [`LoadLimits::DEFAULT_MAX_FILES`].
    pub max_files: usize,
    /// Files pulled in by `Include` lines, a file included again counted again:
    /// [`LoadLimits::DEFAULT_MAX_INCLUDES`].
    pub max_includes: usize,
    /// Directives lexed, and directives of the expanded configuration, `Include` lines and
    /// repeats counted: [`LoadLimits::DEFAULT_MAX_DIRECTIVES`].
    pub max_directives: usize,
    /// Bytes read in all: [`LoadLimits::DEFAULT_MAX_BYTES`]. A file larger than what is left
    /// is read up to it, and the rest of it is not seen.
    pub max_bytes: u64,
}

impl LoadLimits {
    /// Default of [`LoadLimits::max_files`]: 1,024.
    pub const DEFAULT_MAX_FILES: usize = 1024;
    /// Default of [`LoadLimits::max_includes`]: 4,096.
    pub const DEFAULT_MAX_INCLUDES: usize = 4096;
    /// Default of [`LoadLimits::max_directives`]: 200,000.
    pub const DEFAULT_MAX_DIRECTIVES: usize = 200_000;
    /// Default of [`LoadLimits::max_bytes`]: 64 MiB.
    pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;
}

impl Default for LoadLimits {
    fn default() -> Self {
        LoadLimits {
            max_files: Self::DEFAULT_MAX_FILES,
            max_includes: Self::DEFAULT_MAX_INCLUDES,
            max_directives: Self::DEFAULT_MAX_DIRECTIVES,
            max_bytes: Self::DEFAULT_MAX_BYTES,
        }
    }
}

/// Which of the [`LoadLimits`] stopped a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadLimit {
    /// [`LoadLimits::max_files`].
    Files,
    /// [`LoadLimits::max_includes`].
    Includes,
    /// [`LoadLimits::max_directives`].
    Directives,
    /// [`LoadLimits::max_bytes`].
    Bytes,
}

impl LoadLimit {
    /// The limit's field name (`max_files`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            LoadLimit::Files => "max_files",
            LoadLimit::Includes => "max_includes",
            LoadLimit::Directives => "max_directives",
            LoadLimit::Bytes => "max_bytes",
        }
    }
}

/// A configuration file over [`OVERSIZED`] bytes (see [`LoadStats::oversized`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Oversized {
    /// The file, inside the root.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// How much of it was read (less than `size` when the byte budget ran out).
    pub read: u64,
}

/// A configuration file larger than this (4 MiB) is suspicious in itself: padding hides
/// directives from people and from tools that cap what they read.
pub const OVERSIZED: u64 = 4 << 20;

/// The work a load did, and what cut it short.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadStats {
    /// Distinct files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// `Include` lines met.
    pub include_lines: usize,
    /// Files pulled in by them (a file included again counted again).
    pub includes: usize,
    /// Includes of a file already being included (a loop), not followed.
    pub recursive_includes: usize,
    /// Directives of the expanded configuration.
    pub directives: usize,
    /// The limit that stopped the expansion, if one did.
    pub limit: Option<LoadLimit>,
    /// Whether the [`Control`] stopped the load (cancelled or out of time).
    pub cancelled: bool,
    /// The `Include` lines behind a loop or a limit (file, line): the first ten.
    pub evidence: Vec<(PathBuf, u64)>,
    /// Files over [`OVERSIZED`] bytes.
    pub oversized: Vec<Oversized>,
}

impl LoadStats {
    /// Whether the includes amplified: a loop, or a limit met.
    pub fn amplified(&self) -> bool {
        self.limit.is_some() || self.recursive_includes > 0
    }
}

/// An sshd configuration loaded from a root: the main file and everything it includes.
#[derive(Debug, Clone)]
pub struct SshdConfig {
    path: PathBuf,
    nodes: Vec<Node>,
    accounts: Accounts,
    /// Files that could not be read, lines that could not be lexed, include problems.
    pub errors: Vec<ErrorRecord>,
    /// Every file read, main file first.
    pub files: Vec<PathBuf>,
    /// The work the load did and what cut it short ([`LoadLimits`]).
    pub stats: LoadStats,
    semantics: Semantics,
}

fn has_glob(b: &[u8]) -> bool {
    b.iter().any(|c| matches!(c, b'*' | b'?' | b'['))
}

/// A bracket expression at the start of `rest` (the text after `[`) against `c`: whether it
/// matches and how many bytes of `rest` it spans (its closing `]` included). `None`: no
/// closing bracket (the `[` is an ordinary character).
fn bracket(rest: &[u8], c: u8) -> Option<(bool, usize)> {
    let close = rest.iter().skip(1).position(|&b| b == b']')? + 1;
    let mut set = rest.get(..close).unwrap_or_default();
    let neg = matches!(set.first(), Some(b'!' | b'^'));
    if neg {
        set = set.get(1..).unwrap_or_default();
    }
    let mut hit = false;
    let mut i = 0;
    while let Some(&a) = set.get(i) {
        if set.get(i + 1) == Some(&b'-') && set.get(i + 2).is_some() {
            let b = set.get(i + 2).copied().unwrap_or(a);
            hit |= a <= c && c <= b;
            i += 3;
        } else {
            hit |= a == c;
            i += 1;
        }
    }
    Some((hit != neg, close + 1))
}

/// `fnmatch` for one path component with glob(3)'s rules (`*`, `?`, `[..]`, leading dot), in
/// time linear in the pattern times the name (one backtracking point, the last `*`), so that
/// a hostile pattern such as `*a*a*a*a*b` cannot take exponential time.
pub(crate) fn fnmatch(pat: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pat.first() != Some(&b'.') {
        return false;
    }
    let (mut p, mut n) = (0usize, 0usize);
    // After a mismatch, retry from the last `*` with one more name byte swallowed by it.
    let mut star: Option<(usize, usize)> = None;
    loop {
        let step = match (pat.get(p), name.get(n)) {
            (Some(b'*'), _) => {
                star = Some((p + 1, n));
                p += 1;
                continue;
            }
            (Some(b'?'), Some(_)) => Some(1),
            (Some(b'['), Some(&c)) => match bracket(pat.get(p + 1..).unwrap_or_default(), c) {
                Some((true, len)) => Some(1 + len),
                Some((false, _)) => None,
                None => (c == b'[').then_some(1),
            },
            (Some(&pc), Some(&c)) => (pc == c).then_some(1),
            (None, None) => return true,
            _ => None,
        };
        if let Some(len) = step {
            p += len;
            n += 1;
            continue;
        }
        match star {
            Some((sp, sn)) if sn < name.len() => {
                star = Some((sp, sn + 1));
                p = sp;
                n = sn + 1;
            }
            _ => return false,
        }
    }
}

/// Expands a glob inside the root, sorted like glob(3). Missing directories match nothing.
/// At most `max` paths are kept at each level (`true` beside them: some were left out).
fn glob(root: &HostRoot, pattern: &Path, max: usize) -> (Vec<PathBuf>, bool) {
    let comps: Vec<&[u8]> = pattern
        .as_os_str()
        .as_bytes()
        .split(|&c| c == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    if comps.is_empty() {
        return (Vec::new(), false);
    }
    let mut current: Vec<PathBuf> = vec![PathBuf::from("/")];
    let mut truncated = false;
    let n = comps.len();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == n;
        let mut next = Vec::new();
        'bases: for base in &current {
            if has_glob(c) {
                let Ok(entries) = root.read_dir(base) else {
                    continue;
                };
                for e in entries {
                    if fnmatch(c, e.name.as_bytes()) {
                        if next.len() >= max {
                            truncated = true;
                            break 'bases;
                        }
                        next.push(base.join(&e.name));
                    }
                }
            } else {
                let p = base.join(std::ffi::OsStr::from_bytes(c));
                if !last || root.exists(&p) {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    current.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    (current, truncated)
}

/// A file read and lexed once.
struct Parsed {
    file: Arc<PathBuf>,
    items: Vec<Arc<Directive>>,
}

struct Loader<'a> {
    root: &'a HostRoot,
    control: &'a Control,
    limits: LoadLimits,
    errors: Vec<ErrorRecord>,
    files: Vec<PathBuf>,
    stats: LoadStats,
    /// Each file read once (`None`: it could not be read; the error is recorded once).
    parsed: HashMap<PathBuf, Option<Arc<Parsed>>>,
    /// Each `Include` pattern expanded once.
    globs: HashMap<PathBuf, Arc<Vec<PathBuf>>>,
    /// The chain of files being included, main file first.
    chain: Vec<PathBuf>,
    /// Directives lexed in all (each file once).
    lexed: usize,
    /// A limit on files, includes or bytes was met: `Include` lines are no longer followed,
    /// but the directives of the files already open still count.
    no_includes: bool,
    /// The directive limit was met, or the control stopped the load: nothing more is added.
    stopped: bool,
}

/// Lex errors kept per file; more are counted in one last record.
const MAX_LEX_ERRORS: usize = 100;

impl Loader<'_> {
    fn new<'a>(root: &'a HostRoot, limits: LoadLimits, control: &'a Control) -> Loader<'a> {
        Loader {
            root,
            control,
            limits,
            errors: Vec::new(),
            files: Vec::new(),
            stats: LoadStats::default(),
            parsed: HashMap::new(),
            globs: HashMap::new(),
            chain: Vec::new(),
            lexed: 0,
            no_includes: false,
            stopped: false,
        }
    }

    /// Records that `limit` was met (at an `Include` line, if one is to blame): no more
    /// includes are followed, and after the directive limit nothing more is added.
    fn stop(&mut self, limit: LoadLimit, at: Option<(&Path, u64)>) {
        if self.stats.limit.is_none() {
            self.stats.limit = Some(limit);
        }
        if let Some((f, l)) = at {
            self.note(f, l);
        }
        self.no_includes = true;
        if limit == LoadLimit::Directives {
            self.stopped = true;
        }
    }

    fn note(&mut self, file: &Path, line: u64) {
        if self.stats.evidence.len() < 10 {
            self.stats.evidence.push((file.to_path_buf(), line));
        }
    }

    fn check_control(&mut self) -> bool {
        if self.control.is_cancelled() {
            self.stats.cancelled = true;
            self.stopped = true;
            self.no_includes = true;
        }
        self.stopped
    }

    /// Reads and lexes `buf` as `path` (once per file).
    fn lex(&mut self, path: &Path, buf: &[u8]) -> Arc<Parsed> {
        let file = Arc::new(path.to_path_buf());
        let fbytes = path.as_os_str().as_bytes();
        let mut items = Vec::new();
        let mut bad = 0usize;
        for item in parse(buf) {
            match item {
                Ok(_) if self.lexed >= self.limits.max_directives => {
                    self.stop(LoadLimit::Directives, None);
                    break;
                }
                Ok(d) => {
                    self.lexed += 1;
                    items.push(Arc::new(d));
                }
                Err(e) => {
                    bad += 1;
                    if bad <= MAX_LEX_ERRORS {
                        self.errors
                            .push(ErrorRecord::new(Some(fbytes), Some(e.line), e.message));
                    }
                }
            }
        }
        if bad > MAX_LEX_ERRORS {
            self.errors.push(ErrorRecord::new(
                Some(fbytes),
                None,
                format!(
                    "{} more lines that could not be lexed (the first {MAX_LEX_ERRORS} are listed)",
                    bad - MAX_LEX_ERRORS
                ),
            ));
        }
        let parsed = Arc::new(Parsed { file, items });
        self.parsed
            .insert(path.to_path_buf(), Some(Arc::clone(&parsed)));
        parsed
    }

    /// Reads `path` up to the bytes left in the budget (`Ok(None)`: the budget is spent).
    fn read(&mut self, path: &Path) -> Result<Option<Vec<u8>>, ferret_core::Error> {
        use std::io::Read;
        let left = self.limits.max_bytes.saturating_sub(self.stats.bytes);
        let mut f = self
            .root
            .open_file(path, &ferret_core::OpenOptions::new())?;
        let size = f.stat().size;
        let mut buf = Vec::with_capacity(usize::try_from(size.min(left)).unwrap_or(0));
        (&mut f)
            .take(left)
            .read_to_end(&mut buf)
            .map_err(|e| ferret_core::Error::io(path, e))?;
        let read = buf.len() as u64;
        self.stats.bytes = self.stats.bytes.saturating_add(read);
        if !self.control.charge(read) {
            self.stats.cancelled = true;
            self.stopped = true;
            self.no_includes = true;
        }
        let complete = read >= size
            && (read < left || {
                // Exactly the budget: see whether the file goes on.
                let mut one = [0u8; 1];
                matches!(f.read(&mut one), Ok(0))
            });
        if size > OVERSIZED || !complete {
            self.stats.oversized.push(Oversized {
                path: path.to_path_buf(),
                size: size.max(read),
                read,
            });
        }
        if !complete {
            self.stop(LoadLimit::Bytes, None);
            if read == 0 {
                return Ok(None);
            }
        }
        Ok(Some(buf))
    }

    /// The lexed contents of an included file (read at its first include).
    fn file(&mut self, path: &Path) -> Option<Arc<Parsed>> {
        if let Some(p) = self.parsed.get(path) {
            return p.clone();
        }
        if self.stats.files >= self.limits.max_files {
            self.stop(LoadLimit::Files, None);
            return None;
        }
        self.stats.files += 1;
        match self.read(path) {
            Ok(Some(buf)) => {
                self.files.push(path.to_path_buf());
                Some(self.lex(path, &buf))
            }
            Ok(None) => None,
            Err(e) => {
                self.errors.push(crate::util::skipped(&e));
                self.parsed.insert(path.to_path_buf(), None);
                None
            }
        }
    }

    /// The files an `Include` argument names, inside the root.
    fn targets(&mut self, file: &Parsed, d: &Directive, arg: &[u8]) -> Arc<Vec<PathBuf>> {
        let p = if arg.first() == Some(&b'/') {
            PathBuf::from(std::ffi::OsStr::from_bytes(arg))
        } else if arg.first() == Some(&b'~') {
            self.errors.push(ErrorRecord::new(
                Some(file.file.as_os_str().as_bytes()),
                Some(d.line),
                "Include with ~ is resolved against the auditing user's home by sshd; not followed",
            ));
            return Arc::new(Vec::new());
        } else {
            Path::new(SSHDIR).join(std::ffi::OsStr::from_bytes(arg))
        };
        if let Some(t) = self.globs.get(&p) {
            return Arc::clone(t);
        }
        // One glob may name at most the files still allowed, and one more to tell.
        let room = self
            .limits
            .max_files
            .saturating_sub(self.stats.files)
            .saturating_add(1);
        let (found, truncated) = glob(self.root, &p, room);
        if truncated {
            // The files up to the limit are still read (the last one meets it).
            self.note(&file.file, d.line);
        }
        let found = Arc::new(found);
        self.globs.insert(p, Arc::clone(&found));
        found
    }

    /// Expands the directives of `file` (`depth`: how many includes deep it is).
    fn expand(&mut self, file: &Arc<Parsed>, depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        let fbytes = file.file.as_os_str().as_bytes();
        for d in &file.items {
            if self.stopped || (self.stats.directives.is_multiple_of(1024) && self.check_control())
            {
                break;
            }
            if self.stats.directives >= self.limits.max_directives {
                self.stop(LoadLimit::Directives, Some((&file.file, d.line)));
                break;
            }
            self.stats.directives += 1;
            if !d.keyword.eq_ignore_ascii_case(b"include") {
                out.push(Node::Dir {
                    file: Arc::clone(&file.file),
                    d: Arc::clone(d),
                });
                continue;
            }
            self.stats.include_lines += 1;
            if self.no_includes {
                out.push(Node::Include { files: Vec::new() });
                continue;
            }
            if d.args.is_empty() {
                self.errors.push(ErrorRecord::new(
                    Some(fbytes),
                    Some(d.line),
                    "Include missing filename argument",
                ));
            }
            let mut files = Vec::new();
            for arg in d.args.iter().filter(|a| !a.is_empty()) {
                let targets = self.targets(file, d, arg);
                for f in targets.iter() {
                    if self.no_includes || self.check_control() {
                        break;
                    }
                    if self.chain.iter().any(|c| c == f) {
                        if self.stats.recursive_includes == 0 {
                            self.errors.push(ErrorRecord::new(
                                Some(fbytes),
                                Some(d.line),
                                format!(
                                    "Include of {} loops back to a file already being included; not followed (sshd refuses to start: too many recursive configuration includes)",
                                    ferret_core::escape::escape_path(f)
                                ),
                            ));
                        }
                        self.stats.recursive_includes += 1;
                        self.note(&file.file, d.line);
                        continue;
                    }
                    if depth + 1 > MAX_DEPTH {
                        // Once per directive, counted as one include: a glob over thousands
                        // of files at the depth limit must not make one error (and one pass)
                        // per file, per directive.
                        self.errors.push(ErrorRecord::new(
                            Some(fbytes),
                            Some(d.line),
                            "too many recursive configuration includes",
                        ));
                        self.note(&file.file, d.line);
                        if self.stats.includes >= self.limits.max_includes {
                            self.stop(LoadLimit::Includes, Some((&file.file, d.line)));
                        }
                        self.stats.includes += 1;
                        break;
                    }
                    if self.stats.includes >= self.limits.max_includes {
                        self.stop(LoadLimit::Includes, Some((&file.file, d.line)));
                        break;
                    }
                    self.stats.includes += 1;
                    let Some(sub) = self.file(f) else {
                        if self.no_includes {
                            self.note(&file.file, d.line);
                        }
                        continue;
                    };
                    self.chain.push(f.clone());
                    let nodes = self.expand(&sub, depth + 1);
                    self.chain.pop();
                    files.push((Arc::clone(&sub.file), nodes));
                }
            }
            out.push(Node::Include { files });
        }
        out
    }

    /// Lexes and expands the main file.
    fn main(&mut self, path: &Path, buf: &[u8]) -> Vec<Node> {
        self.stats.files += 1;
        self.files.push(path.to_path_buf());
        let parsed = self.lex(path, buf);
        self.chain.push(path.to_path_buf());
        let nodes = self.expand(&parsed, 0);
        self.chain.pop();
        if self.stats.limit.is_some() {
            let limit = self.stats.limit.map_or("", LoadLimit::as_str);
            self.errors.push(ErrorRecord::new(
                Some(path.as_os_str().as_bytes()),
                None,
                format!(
                    "the includes stopped at the {limit} load limit (files {}, includes {}, directives {}, bytes {}): what comes after was not read",
                    self.stats.files, self.stats.includes, self.stats.directives, self.stats.bytes
                ),
            ));
        }
        if self.stats.cancelled {
            self.errors.push(crate::util::cancelled_record());
        }
        nodes
    }
}

impl SshdConfig {
    /// Loads `path` (inside `root`; usually [`DEFAULT_CONFIG`]) and everything it includes,
    /// within the default [`LoadLimits`]. Fails only when the main file cannot be read;
    /// include problems land in [`SshdConfig::errors`]. Cancelling `control` (or its time
    /// budget running out) stops the expansion with what was read so far and a "cancelled"
    /// error; its I/O budget paces the reads.
    pub fn load(
        root: &HostRoot,
        path: impl AsRef<Path>,
        control: &Control,
    ) -> Result<Self, crate::Error> {
        Self::load_limited(root, path, &LoadLimits::default(), control)
    }

    /// [`SshdConfig::load`] within `limits`.
    pub fn load_limited(
        root: &HostRoot,
        path: impl AsRef<Path>,
        limits: &LoadLimits,
        control: &Control,
    ) -> Result<Self, crate::Error> {
        let path = HostRoot::inner(path.as_ref());
        let mut l = Loader::new(root, *limits, control);
        let buf = l.read(&path)?.unwrap_or_default();
        // The account files' own problems are the account audit's (and the other checks')
        // to report; the resolver only needs the groups of a user.
        let (accounts, _) = Accounts::load(root);
        let nodes = l.main(&path, &buf);
        Ok(SshdConfig {
            path,
            nodes,
            accounts,
            errors: l.errors,
            files: l.files,
            stats: l.stats,
            semantics: Semantics::default(),
        })
    }

    /// Parses a configuration held in memory; `Include` lines are resolved inside `root`
    /// within the default [`LoadLimits`].
    pub fn from_bytes(root: &HostRoot, path: impl AsRef<Path>, buf: &[u8]) -> Self {
        let path = HostRoot::inner(path.as_ref());
        let control = Control::new();
        let mut l = Loader::new(root, LoadLimits::default(), &control);
        l.stats.bytes = buf.len() as u64;
        let nodes = l.main(&path, buf);
        SshdConfig {
            path,
            nodes,
            accounts: Accounts::default(),
            errors: l.errors,
            files: l.files,
            stats: l.stats,
            semantics: Semantics::default(),
        }
    }

    /// Resolves with the rules of another OpenSSH (see [`Semantics`]).
    pub fn with_semantics(mut self, semantics: Semantics) -> Self {
        self.semantics = semantics;
        self
    }

    /// Uses these passwd and group contents for `Match Group` (instead of the root's), parsed
    /// as `ferret-accounts` parses them.
    pub fn with_accounts_from(mut self, passwd: &[u8], group: &[u8]) -> Self {
        self.accounts = Accounts::parse(passwd, group).0;
        self
    }

    /// The main file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every directive in file order with includes expanded in place, and whether each sits
    /// inside a Match block (its file's, or the one around the Include that pulled it in).
    pub fn directives(&self) -> Vec<(Source, &Directive)> {
        fn rec<'a>(nodes: &'a [Node], out: &mut Vec<(Source, &'a Directive)>, inherited: bool) {
            let mut in_match = inherited;
            for n in nodes {
                match n {
                    Node::Dir { file, d } => {
                        if d.keyword.eq_ignore_ascii_case(b"match") {
                            in_match = true;
                        }
                        out.push((
                            Source {
                                file: Arc::clone(file),
                                line: d.line,
                                in_match,
                            },
                            d,
                        ));
                    }
                    Node::Include { files } => {
                        for (_, nodes) in files {
                            rec(nodes, out, in_match);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        rec(&self.nodes, &mut out, false);
        out
    }

    /// Resolves the effective configuration for a connection, like `sshd -T -C`.
    pub fn effective(&self, ctx: &ConnectionContext) -> Effective {
        let mut p1 = Pass {
            cfg: self,
            ci: None,
            opts: Opts::default(),
            issues: Vec::new(),
            seen: HashSet::new(),
            dropped: 0,
        };
        let (mut flags, mut active) = (0u8, true);
        p1.run(&self.nodes, &mut flags, &mut active);
        let mut p2 = Pass {
            cfg: self,
            ci: Some(ctx),
            opts: Opts::default(),
            issues: Vec::new(),
            seen: HashSet::new(),
            dropped: 0,
        };
        let (mut flags, mut active) = (MATCH_ONLY, false);
        p2.run(&self.nodes, &mut flags, &mut active);
        let mut opts = p1.opts;
        // copy_set_server_options: values set by matching blocks override.
        for (idx, set) in p2.opts.0 {
            let Some(k) = KEYWORDS.get(idx) else { continue };
            if k.store == Store::Subsystem {
                let dst = opts.0.entry(idx).or_default();
                for e in set {
                    if let Some(existing) = dst.iter_mut().find(|x| x.key == e.key) {
                        *existing = e;
                    } else {
                        dst.push(e);
                    }
                }
            } else if k.copy && !set.is_empty() {
                opts.0.insert(idx, set);
            }
        }
        for name in ["forcecommand", "chrootdirectory"] {
            if let Some(idx) = keywords::index_of(name) {
                if opts
                    .0
                    .get(&idx)
                    .and_then(|v| v.first())
                    .is_some_and(|e| e.value.eq_ignore_ascii_case(b"none"))
                {
                    opts.0.remove(&idx);
                }
            }
        }
        let mut issues = p1.issues;
        let mut dropped = p1.dropped.max(p2.dropped);
        for i in p2.issues {
            if !p1.seen.contains(&i) {
                if issues.len() < MAX_ISSUES {
                    issues.push(i);
                } else {
                    dropped += 1;
                }
            }
        }
        if dropped > 0 {
            issues.push(ErrorRecord::new(
                Some(self.path.as_os_str().as_bytes()),
                None,
                format!(
                    "{dropped} more configuration problems (the first {MAX_ISSUES} are listed)"
                ),
            ));
        }
        Effective {
            set: opts.0,
            issues,
        }
    }
}

const MATCH_ONLY: u8 = 1;
const NEVER_MATCH: u8 = 2;

#[derive(Debug, Clone)]
struct Entry {
    key: Vec<u8>,
    value: Vec<u8>,
    src: Source,
}

#[derive(Debug, Default)]
struct Opts(BTreeMap<usize, Vec<Entry>>);

/// Problems listed per resolution; more are counted in one last record.
const MAX_ISSUES: usize = 1000;

struct Pass<'a> {
    cfg: &'a SshdConfig,
    ci: Option<&'a ConnectionContext>,
    opts: Opts,
    issues: Vec<ErrorRecord>,
    seen: HashSet<ErrorRecord>,
    dropped: usize,
}

impl Pass<'_> {
    fn issue(&mut self, file: &Path, line: u64, msg: impl Into<String>) {
        let r = ErrorRecord::new(Some(file.as_os_str().as_bytes()), Some(line), msg);
        if self.seen.len() >= MAX_ISSUES {
            self.dropped += usize::from(!self.seen.contains(&r));
            return;
        }
        if self.seen.insert(r.clone()) {
            self.issues.push(r);
        }
    }

    fn run(&mut self, nodes: &[Node], flags: &mut u8, active: &mut bool) {
        let mut in_match = false;
        for n in nodes {
            match n {
                Node::Include { files } => {
                    let oactive = *active;
                    for (_, sub) in files {
                        let mut sub_flags = if *flags & MATCH_ONLY != 0 {
                            MATCH_ONLY
                        } else if oactive {
                            0
                        } else {
                            NEVER_MATCH
                        };
                        self.run(sub, &mut sub_flags, active);
                        *active = oactive;
                    }
                }
                Node::Dir { file, d } => {
                    if d.keyword.eq_ignore_ascii_case(b"match") {
                        in_match = true;
                        let ci = if *flags & NEVER_MATCH != 0 {
                            None
                        } else {
                            self.ci
                        };
                        match match_line(&d.rest, ci, &self.cfg.accounts) {
                            Ok(v) => *active = if *flags & NEVER_MATCH != 0 { false } else { v },
                            Err(m) => {
                                self.issue(file, d.line, format!("bad Match condition: {m}"));
                                *active = false;
                            }
                        }
                        *flags &= !MATCH_ONLY;
                        continue;
                    }
                    self.apply(file, d, *active, in_match);
                }
            }
        }
    }

    fn apply(&mut self, file: &Arc<PathBuf>, d: &Directive, active: bool, in_match: bool) {
        let lower = d.keyword.to_ascii_lowercase();
        let Some(k) = keywords::lookup(&lower) else {
            if let Some((_, m)) = keywords::IGNORED
                .iter()
                .find(|(n, _)| n.as_bytes() == lower.as_slice())
            {
                if !active && !m && self.ci.is_none() {
                    self.issue(
                        file,
                        d.line,
                        format!(
                            "directive '{}' is not allowed within a Match block",
                            ferret_core::escape::escape(&d.keyword)
                        ),
                    );
                }
                return;
            }
            self.issue(
                file,
                d.line,
                format!(
                    "bad configuration option: {}",
                    ferret_core::escape::escape(&d.keyword)
                ),
            );
            return;
        };
        if !active && !k.in_match {
            if self.ci.is_none() {
                self.issue(
                    file,
                    d.line,
                    format!(
                        "directive '{}' is not allowed within a Match block",
                        ferret_core::escape::escape(&d.keyword)
                    ),
                );
            }
            return;
        }
        let vals = match values::normalise(k, d) {
            Ok(v) => v,
            Err(m) => {
                self.issue(file, d.line, format!("{}: {m}", k.name));
                return;
            }
        };
        if k.parse == keywords::Parse::Unsupported || vals.is_empty() {
            return;
        }
        let idx = keywords::index_of(k.name).unwrap_or(usize::MAX);
        let src = Source {
            file: Arc::clone(file),
            line: d.line,
            in_match,
        };
        let entries = |vals: Vec<Vec<u8>>| -> Vec<Entry> {
            vals.into_iter()
                .map(|v| Entry {
                    key: Vec::new(),
                    value: v,
                    src: src.clone(),
                })
                .collect()
        };
        let mut cur = self.opts.0.get(&idx).is_some_and(|v| !v.is_empty());
        if k.name == "authorizedprincipalscommand" && self.cfg.semantics != Semantics::Upstream {
            // OpenSSH 9.2 tests the wrong option here: AuthorizedPrincipalsCommand is taken
            // only while AuthorizedKeysCommand is still unset (sshd -T then prints none).
            cur = keywords::index_of("authorizedkeyscommand")
                .and_then(|i| self.opts.0.get(&i))
                .is_some_and(|v| !v.is_empty());
        }
        let store = if k.name == "maxstartups" && self.cfg.semantics == Semantics::Upstream {
            Store::First
        } else {
            k.store
        };
        match store {
            Store::First => {
                if active && !cur {
                    self.opts.0.insert(idx, entries(vals));
                }
            }
            Store::FirstAlways => {
                if !cur {
                    self.opts.0.insert(idx, entries(vals));
                }
            }
            Store::Last => {
                if active {
                    self.opts.0.insert(idx, entries(vals));
                }
            }
            Store::Append => {
                if active {
                    self.opts.0.entry(idx).or_default().extend(entries(vals));
                }
            }
            Store::FirstLine => {
                if active && !cur {
                    self.opts.0.insert(idx, entries(vals));
                }
            }
            Store::Subsystem => {
                let mut it = vals.into_iter();
                let (Some(name), Some(printed)) = (it.next(), it.next()) else {
                    return;
                };
                if !active {
                    return;
                }
                let list = self.opts.0.entry(idx).or_default();
                if !list.iter().any(|e| e.key == name) {
                    list.push(Entry {
                        key: name,
                        value: printed,
                        src,
                    });
                }
            }
        }
    }
}

/// Evaluates a Match line (`rest` is the text after `Match`). `ci` None is the syntax-check
/// pass: only `all` matches.
fn match_line(
    rest: &[u8],
    ci: Option<&ConnectionContext>,
    accounts: &Accounts,
) -> Result<bool, String> {
    let toks = lex::match_tokens(rest).map_err(|()| "unmatched quote".to_string())?;
    let mut result = true;
    let mut attributes = 0;
    let mut it = toks.iter();
    while let Some(attrib) = it.next() {
        attributes += 1;
        let a = attrib.to_ascii_lowercase();
        if a == b"all" {
            if attributes > 1 || it.next().is_some() {
                return Err("'all' cannot be combined with other Match attributes".into());
            }
            return Ok(true);
        }
        let Some(arg) = it.next() else {
            return Err(format!(
                "missing Match criteria for {}",
                ferret_core::escape::Escaped(attrib)
            ));
        };
        match a.as_slice() {
            b"user" => match ci.and_then(|c| c.user.as_deref()) {
                Some(u)
                    if pattern::match_pattern_list(u, arg, pattern::PatternCase::AsWritten)
                        == 1 => {}
                _ => result = false,
            },
            b"group" => {
                let Some(c) = ci else {
                    result = false;
                    continue;
                };
                let groups = match (&c.groups, &c.user) {
                    (Some(g), _) => Some(g.clone()),
                    (None, Some(u)) => accounts.groups_of(u),
                    (None, None) => None,
                };
                let mut found = false;
                let mut negated = false;
                for g in groups.unwrap_or_default() {
                    match pattern::match_pattern_list(&g, arg, pattern::PatternCase::AsWritten) {
                        -1 => negated = true,
                        1 => found = true,
                        _ => {}
                    }
                }
                if negated || !found {
                    result = false;
                }
            }
            b"host" => match ci.and_then(|c| c.host.as_deref()) {
                Some(h) if pattern::match_hostname(h, arg) == 1 => {}
                _ => result = false,
            },
            b"address" | b"localaddress" => {
                let addr = ci.and_then(|c| {
                    if a == b"address" {
                        c.addr.as_deref()
                    } else {
                        c.laddr.as_deref()
                    }
                });
                let r = pattern::addr_match_list(addr, arg);
                if r == -2 {
                    return Err(format!(
                        "invalid Match {} argument '{}'",
                        ferret_core::escape::Escaped(attrib),
                        ferret_core::escape::Escaped(arg)
                    ));
                }
                if addr.is_none() || r != 1 {
                    result = false;
                }
            }
            b"localport" => {
                let port = std::str::from_utf8(arg)
                    .ok()
                    .and_then(|p| p.parse::<u16>().ok())
                    .filter(|&p| p > 0)
                    .ok_or_else(|| {
                        format!("invalid LocalPort '{}'", ferret_core::escape::Escaped(arg))
                    })?;
                if ci.and_then(|c| c.lport) != Some(port) {
                    result = false;
                }
            }
            b"rdomain" => match ci.and_then(|c| c.rdomain.as_deref()) {
                Some(r)
                    if pattern::match_pattern_list(r, arg, pattern::PatternCase::AsWritten)
                        == 1 => {}
                _ => result = false,
            },
            _ => {
                return Err(format!(
                    "unsupported Match attribute {}",
                    ferret_core::escape::Escaped(attrib)
                ))
            }
        }
    }
    if attributes == 0 {
        return Err("one or more attributes required for Match".into());
    }
    Ok(result)
}

/// The effective configuration for one connection.
#[derive(Debug, Clone)]
pub struct Effective {
    set: BTreeMap<usize, Vec<Entry>>,
    /// Problems sshd would refuse to start with (bad options, bad values, bad Match lines).
    pub issues: Vec<ErrorRecord>,
}

impl Effective {
    /// The values of `keyword` (lower-case canonical name), defaults included. Empty when unset
    /// and without default (Banner, ForceCommand print `none` in [`Effective::dump`]).
    pub fn values(&self, keyword: &str) -> Vec<Vec<u8>> {
        let Some(idx) = keywords::index_of(keyword) else {
            return Vec::new();
        };
        self.values_at(idx)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect()
    }

    /// The values of the keyword at `idx` of [`KEYWORDS`], defaults included, borrowed.
    fn values_at(&self, idx: usize) -> Vec<&[u8]> {
        match self.set.get(&idx) {
            Some(v) if !v.is_empty() => v.iter().map(|e| e.value.as_slice()).collect(),
            _ => KEYWORDS
                .get(idx)
                .map(|k| k.default.iter().map(|d| d.as_bytes()).collect())
                .unwrap_or_default(),
        }
    }

    /// The first value as text (lossless for ASCII; `None` when unset without default).
    pub fn get(&self, keyword: &str) -> Option<String> {
        self.values(keyword)
            .into_iter()
            .next()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    /// Where the value came from (`None`: the default).
    pub fn source(&self, keyword: &str) -> Option<&Source> {
        let idx = keywords::index_of(keyword)?;
        self.set.get(&idx)?.first().map(|e| &e.src)
    }

    /// Whether the keyword was set explicitly.
    pub fn is_set(&self, keyword: &str) -> bool {
        self.source(keyword).is_some()
    }

    /// The lines `sshd -T` would print for the keywords this resolver knows, lower-case keyword
    /// first, in sshd's order.
    pub fn dump(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (idx, k) in KEYWORDS.iter().enumerate() {
            // by index: a lookup by name per keyword would be quadratic in the table
            let vals = self.values_at(idx);
            let line = |v: &[u8]| {
                let mut l = k.name.as_bytes().to_vec();
                l.push(b' ');
                l.extend_from_slice(v);
                l
            };
            match k.print {
                Print::Never => {}
                Print::Single => match vals.first() {
                    Some(v) => out.push(line(v)),
                    None => out.push(line(b"none")),
                },
                Print::Lines => {
                    for v in &vals {
                        out.push(line(v));
                    }
                }
                Print::OneLine => {
                    if !vals.is_empty() {
                        out.push(line(&vals.join(&b' ')));
                    }
                }
            }
        }
        out
    }

    /// The keywords [`Effective::dump`] prints.
    pub fn known_keywords() -> Vec<&'static str> {
        KEYWORDS
            .iter()
            .filter(|k| k.print != Print::Never)
            .map(|k: &Keyword| k.name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eff(conf: &str, ctx: &ConnectionContext) -> Effective {
        let t = tempfile::tempdir().unwrap();
        let root = HostRoot::new(t.path()).unwrap();
        SshdConfig::from_bytes(&root, "/etc/ssh/sshd_config", conf.as_bytes()).effective(ctx)
    }

    #[test]
    fn keyword_names_are_unique_so_dump_may_go_by_index() {
        for (idx, k) in KEYWORDS.iter().enumerate() {
            assert_eq!(keywords::index_of(k.name), Some(idx), "{}", k.name);
        }
        let e = SshdConfig::from_bytes(
            &ferret_core::HostRoot::live(),
            "/etc/ssh/sshd_config",
            b"PermitRootLogin no\nAllowUsers a b\nAllowUsers c\n",
        )
        .effective(&ConnectionContext::new());
        let dump = e.dump();
        for k in KEYWORDS {
            let by_name = e.values(k.name);
            let lines = dump
                .iter()
                .filter(|l| {
                    l.strip_prefix(k.name.as_bytes())
                        .is_some_and(|r| r.first() == Some(&b' '))
                })
                .count();
            match k.print {
                Print::Never => assert_eq!(lines, 0),
                Print::Single => assert_eq!(lines, 1),
                Print::Lines => assert_eq!(lines, by_name.len()),
                Print::OneLine => assert_eq!(lines, usize::from(!by_name.is_empty())),
            }
        }
        assert!(dump.contains(&b"permitrootlogin no".to_vec()));
    }

    #[test]
    fn first_value_wins_and_match_overrides() {
        let c = "PermitRootLogin no\nPermitRootLogin yes\nBanner /g\nMatch User bob\n  Banner /bob\n  PermitRootLogin yes\n";
        let e = eff(c, &ConnectionContext::new().user("alice"));
        assert_eq!(e.get("permitrootlogin").unwrap(), "no");
        assert_eq!(e.get("banner").unwrap(), "/g");
        let e = eff(c, &ConnectionContext::new().user("bob"));
        assert_eq!(e.get("banner").unwrap(), "/bob");
        assert_eq!(e.get("permitrootlogin").unwrap(), "yes");
        assert_eq!(e.source("banner").unwrap().line, 5);
        assert!(e.issues.is_empty(), "{:?}", e.issues);
    }

    #[test]
    fn lists_and_errors() {
        let c = "AcceptEnv A\nAcceptEnv B C\nAuthorizedKeysFile x y\nAuthorizedKeysFile z\nBogus 1\nMatch all\nCiphers aes128-ctr\n";
        let e = eff(c, &ConnectionContext::new());
        assert_eq!(e.values("acceptenv").len(), 3);
        assert_eq!(e.values("authorizedkeysfile").len(), 2);
        // `Match all` is active in the first pass too, so sshd accepts (and applies) a global-only
        // keyword inside it.
        assert_eq!(e.issues.len(), 1, "{:?}", e.issues);
        assert_eq!(e.get("ciphers").unwrap(), "aes128-ctr");
    }

    /// The obvious recursive matcher (exponential on `*a*a*a*b`), as the reference.
    fn naive_fnmatch(pat: &[u8], name: &[u8]) -> bool {
        fn rec(p: &[u8], n: &[u8]) -> bool {
            match p.split_first() {
                None => n.is_empty(),
                Some((b'*', rest)) => (0..=n.len()).any(|i| rec(rest, &n[i..])),
                Some((b'?', rest)) => !n.is_empty() && rec(rest, &n[1..]),
                Some((b'[', rest)) => {
                    match (n.first(), bracket(rest, n.first().copied().unwrap_or(0))) {
                        (None, _) => false,
                        (Some(&c), None) => c == b'[' && rec(rest, &n[1..]),
                        (Some(_), Some((hit, len))) => hit && rec(&rest[len..], &n[1..]),
                    }
                }
                Some((&c, rest)) => n.first() == Some(&c) && rec(rest, &n[1..]),
            }
        }
        if name.first() == Some(&b'.') && pat.first() != Some(&b'.') {
            return false;
        }
        rec(pat, name)
    }

    proptest::proptest! {
        #[test]
        fn fnmatch_agrees_with_the_naive_matcher(
            pat in "[ab*?.\\[\\]!^-]{0,8}",
            name in "[ab.\\[\\]-]{0,8}",
        ) {
            proptest::prop_assert_eq!(
                fnmatch(pat.as_bytes(), name.as_bytes()),
                naive_fnmatch(pat.as_bytes(), name.as_bytes()),
                "{} vs {}", pat, name
            );
        }
    }

    #[test]
    fn globs() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b".a.conf"));
        assert!(fnmatch(b"[0-9]x", b"5x"));
        assert!(!fnmatch(b"[!0-9]x", b"5x"));
    }
}
