//! sshd_config: a parser and resolver that follows OpenSSH's `servconf.c`.
//!
//! - Lexing: case-insensitive keywords, `key value` / `key=value`, quotes, `#` comments.
//! - `Include` with globs (relative names under `/etc/ssh`), resolved inside the audited root,
//!   nested up to 16 levels; a glob that matches nothing is not an error.
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
use ferret_core::{ErrorRecord, HostRoot};
use keywords::{Keyword, Print, Store, KEYWORDS};
use std::collections::BTreeMap;
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
        d: Directive,
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
    semantics: Semantics,
}

fn has_glob(b: &[u8]) -> bool {
    b.iter().any(|c| matches!(c, b'*' | b'?' | b'['))
}

/// `fnmatch` for one path component with glob(3)'s rules (`*`, `?`, `[..]`, leading dot).
fn fnmatch(pat: &[u8], name: &[u8]) -> bool {
    fn rec(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| rec(rest, n.get(i..).unwrap_or_default())),
            Some((b'?', rest)) => !n.is_empty() && rec(rest, n.get(1..).unwrap_or_default()),
            Some((b'[', rest)) => {
                let Some(close) = rest.iter().skip(1).position(|&c| c == b']').map(|i| i + 1)
                else {
                    return n.first() == Some(&b'[') && rec(rest, n.get(1..).unwrap_or_default());
                };
                let Some(&c) = n.first() else { return false };
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
                hit != neg
                    && rec(
                        rest.get(close + 1..).unwrap_or_default(),
                        n.get(1..).unwrap_or_default(),
                    )
            }
            Some((&c, rest)) => n.first() == Some(&c) && rec(rest, n.get(1..).unwrap_or_default()),
        }
    }
    if name.first() == Some(&b'.') && pat.first() != Some(&b'.') {
        return false;
    }
    rec(pat, name)
}

/// Expands a glob inside the root, sorted like glob(3). Missing directories match nothing.
fn glob(root: &HostRoot, pattern: &Path) -> Vec<PathBuf> {
    let comps: Vec<&[u8]> = pattern
        .as_os_str()
        .as_bytes()
        .split(|&c| c == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    let mut current: Vec<PathBuf> = vec![PathBuf::from("/")];
    let n = comps.len();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == n;
        let mut next = Vec::new();
        for base in &current {
            if has_glob(c) {
                let Ok(entries) = root.read_dir(base) else {
                    continue;
                };
                for e in entries {
                    if fnmatch(c, e.name.as_bytes()) {
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
    if n == 0 {
        return Vec::new();
    }
    current.retain(|p| root.exists(p));
    current.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    current
}

struct Loader<'a> {
    root: &'a HostRoot,
    errors: Vec<ErrorRecord>,
    files: Vec<PathBuf>,
}

impl Loader<'_> {
    fn parse_buf(&mut self, file: &Arc<PathBuf>, buf: &[u8], depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        let fbytes = file.as_os_str().as_bytes().to_vec();
        for item in parse(buf) {
            match item {
                Err(e) => {
                    self.errors
                        .push(ErrorRecord::new(Some(&fbytes), Some(e.line), e.message));
                }
                Ok(d) if d.keyword.eq_ignore_ascii_case(b"include") => {
                    let mut files = Vec::new();
                    for arg in &d.args {
                        if arg.is_empty() {
                            continue;
                        }
                        let p = if arg.first() == Some(&b'/') {
                            PathBuf::from(std::ffi::OsStr::from_bytes(arg))
                        } else if arg.first() == Some(&b'~') {
                            self.errors.push(ErrorRecord::new(
                                Some(&fbytes),
                                Some(d.line),
                                "Include with ~ is resolved against the auditing user's home by sshd; not followed",
                            ));
                            continue;
                        } else {
                            Path::new(SSHDIR).join(std::ffi::OsStr::from_bytes(arg))
                        };
                        for f in glob(self.root, &p) {
                            if depth + 1 > MAX_DEPTH {
                                self.errors.push(ErrorRecord::new(
                                    Some(&fbytes),
                                    Some(d.line),
                                    "too many recursive configuration includes",
                                ));
                                continue;
                            }
                            let nodes = self.load_file(&f, depth + 1);
                            files.push((Arc::new(f), nodes));
                        }
                    }
                    if d.args.is_empty() {
                        self.errors.push(ErrorRecord::new(
                            Some(&fbytes),
                            Some(d.line),
                            "Include missing filename argument",
                        ));
                    }
                    out.push(Node::Include { files });
                }
                Ok(d) => out.push(Node::Dir {
                    file: Arc::clone(file),
                    d,
                }),
            }
        }
        out
    }

    fn load_file(&mut self, path: &Path, depth: usize) -> Vec<Node> {
        match self.root.read_capped(path, 4 << 20) {
            Ok(buf) => {
                self.files.push(path.to_path_buf());
                self.parse_buf(&Arc::new(path.to_path_buf()), &buf, depth)
            }
            Err(e) => {
                self.errors.push(crate::util::skipped(&e));
                Vec::new()
            }
        }
    }
}

impl SshdConfig {
    /// Loads `path` (inside `root`; usually [`DEFAULT_CONFIG`]) and everything it includes.
    /// Fails only when the main file cannot be read; include problems land in
    /// [`SshdConfig::errors`].
    pub fn load(root: &HostRoot, path: impl AsRef<Path>) -> Result<Self, crate::Error> {
        let path = HostRoot::inner(path.as_ref());
        let buf = root.read_capped(&path, 4 << 20)?;
        // The account files' own problems are the account audit's (and the other checks')
        // to report; the resolver only needs the groups of a user.
        let (accounts, _) = Accounts::load(root);
        let mut l = Loader {
            root,
            errors: Vec::new(),
            files: vec![path.clone()],
        };
        let nodes = l.parse_buf(&Arc::new(path.clone()), &buf, 0);
        Ok(SshdConfig {
            path,
            nodes,
            accounts,
            errors: l.errors,
            files: l.files,
            semantics: Semantics::default(),
        })
    }

    /// Parses a configuration held in memory; `Include` lines are resolved inside `root`.
    pub fn from_bytes(root: &HostRoot, path: impl AsRef<Path>, buf: &[u8]) -> Self {
        let path = HostRoot::inner(path.as_ref());
        let mut l = Loader {
            root,
            errors: Vec::new(),
            files: vec![path.clone()],
        };
        let nodes = l.parse_buf(&Arc::new(path.clone()), buf, 0);
        SshdConfig {
            path,
            nodes,
            accounts: Accounts::default(),
            errors: l.errors,
            files: l.files,
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
        };
        let (mut flags, mut active) = (0u8, true);
        p1.run(&self.nodes, &mut flags, &mut active);
        let mut p2 = Pass {
            cfg: self,
            ci: Some(ctx),
            opts: Opts::default(),
            issues: Vec::new(),
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
        for i in p2.issues {
            if !issues.contains(&i) {
                issues.push(i);
            }
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

struct Pass<'a> {
    cfg: &'a SshdConfig,
    ci: Option<&'a ConnectionContext>,
    opts: Opts,
    issues: Vec<ErrorRecord>,
}

impl Pass<'_> {
    fn issue(&mut self, file: &Path, line: u64, msg: impl Into<String>) {
        let r = ErrorRecord::new(Some(file.as_os_str().as_bytes()), Some(line), msg);
        if !self.issues.contains(&r) {
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
                String::from_utf8_lossy(attrib)
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
                        String::from_utf8_lossy(attrib),
                        String::from_utf8_lossy(arg)
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
                        format!("invalid LocalPort '{}'", String::from_utf8_lossy(arg))
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
                    String::from_utf8_lossy(attrib)
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
        match self.set.get(&idx) {
            Some(v) if !v.is_empty() => v.iter().map(|e| e.value.clone()).collect(),
            _ => KEYWORDS
                .get(idx)
                .map(|k| k.default.iter().map(|d| d.as_bytes().to_vec()).collect())
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
            let vals: Vec<Vec<u8>> = self.values(k.name);
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
            let _ = idx;
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

    #[test]
    fn globs() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(!fnmatch(b"*.conf", b".a.conf"));
        assert!(fnmatch(b"[0-9]x", b"5x"));
        assert!(!fnmatch(b"[!0-9]x", b"5x"));
    }
}
