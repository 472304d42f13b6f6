//! Selection rules: which paths a scan records, and with which attributes.
//!
//! Rules are tried in order and the first one that matches decides; a path no rule matches is
//! recorded with the scan's default attribute set. A rule matches a path when its pattern
//! matches the path itself or one of its ancestor directories, so `/var/log` (glob) covers
//! everything below `/var/log`, like AIDE's selection lines. An excluded directory is not
//! descended into.
//!
//! - Globs work on bytes: `*` matches any bytes except `/`, `**` any bytes including `/`,
//!   `?` one byte except `/`, `[a-z]`/`[!a-z]` a byte class, `\x` a literal `x`.
//! - Regexes (feature `regex`) are matched against the whole path's bytes and are anchored at
//!   the start (`^` is implied), as in AIDE.

use crate::attr::AttrSet;
use crate::Error;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    One,
    Star,
    GlobStar,
    Class { neg: bool, ranges: Vec<(u8, u8)> },
}

/// A compiled byte glob (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    src: Vec<u8>,
    toks: Vec<Tok>,
}

impl Glob {
    /// Compiles a glob. Errors ([`Error::Pattern`]) on an unterminated `[` class or a trailing
    /// `\`.
    pub fn new(pattern: impl AsRef<[u8]>) -> Result<Self, Error> {
        let p = pattern.as_ref();
        let toks = Self::compile(p).map_err(|message| Error::Pattern {
            pattern: p.to_vec(),
            kind: "glob",
            message: message.to_owned(),
        })?;
        Ok(Glob {
            src: p.to_vec(),
            toks,
        })
    }

    fn compile(p: &[u8]) -> Result<Vec<Tok>, &'static str> {
        let mut toks = Vec::new();
        let mut i = 0;
        while let Some(&c) = p.get(i) {
            match c {
                b'*' => {
                    if p.get(i + 1) == Some(&b'*') {
                        toks.push(Tok::GlobStar);
                        i += 2;
                        while p.get(i) == Some(&b'*') {
                            i += 1;
                        }
                        continue;
                    }
                    toks.push(Tok::Star);
                }
                b'?' => toks.push(Tok::One),
                b'\\' => {
                    i += 1;
                    let &l = p.get(i).ok_or("trailing backslash in glob")?;
                    toks.push(Tok::Lit(l));
                }
                b'[' => {
                    let mut j = i + 1;
                    let neg = matches!(p.get(j), Some(b'!' | b'^'));
                    if neg {
                        j += 1;
                    }
                    let mut ranges = Vec::new();
                    let mut first = true;
                    loop {
                        let &c = p.get(j).ok_or("unterminated [ in glob")?;
                        if c == b']' && !first {
                            break;
                        }
                        first = false;
                        if p.get(j + 1) == Some(&b'-') && p.get(j + 2).is_some_and(|&e| e != b']') {
                            let e = p.get(j + 2).copied().unwrap_or(c);
                            ranges.push((c.min(e), c.max(e)));
                            j += 3;
                        } else {
                            ranges.push((c, c));
                            j += 1;
                        }
                    }
                    toks.push(Tok::Class { neg, ranges });
                    i = j;
                }
                c => toks.push(Tok::Lit(c)),
            }
            i += 1;
        }
        Ok(toks)
    }

    /// The pattern as given.
    pub fn as_bytes(&self) -> &[u8] {
        &self.src
    }

    /// Whether the glob matches all of `s`. Runs in O(pattern × input): hostile names cannot
    /// make it backtrack exponentially.
    pub fn is_match(&self, s: &[u8]) -> bool {
        let n = self.toks.len();
        // reach[k]: token index k is reachable before the current byte.
        let mut reach = vec![false; n + 1];
        let mut next = vec![false; n + 1];
        if let Some(r) = reach.get_mut(0) {
            *r = true;
        }
        Self::close(&self.toks, &mut reach);
        for &b in s {
            next.fill(false);
            for (k, tok) in self.toks.iter().enumerate() {
                if !reach.get(k).copied().unwrap_or(false) {
                    continue;
                }
                let (stay, adv) = match tok {
                    Tok::Lit(l) => (false, *l == b),
                    Tok::One => (false, b != b'/'),
                    Tok::Star => (b != b'/', false),
                    Tok::GlobStar => (true, false),
                    Tok::Class { neg, ranges } => {
                        let hit = ranges.iter().any(|&(lo, hi)| lo <= b && b <= hi);
                        (false, hit != *neg && b != b'/')
                    }
                };
                if stay {
                    if let Some(x) = next.get_mut(k) {
                        *x = true;
                    }
                }
                if adv {
                    if let Some(x) = next.get_mut(k + 1) {
                        *x = true;
                    }
                }
            }
            std::mem::swap(&mut reach, &mut next);
            Self::close(&self.toks, &mut reach);
            if !reach.iter().any(|&x| x) {
                return false;
            }
        }
        reach.get(n).copied().unwrap_or(false)
    }

    /// Stars may match nothing: propagate reachability past them.
    fn close(toks: &[Tok], reach: &mut [bool]) {
        for (k, tok) in toks.iter().enumerate() {
            if matches!(tok, Tok::Star | Tok::GlobStar) && reach.get(k).copied().unwrap_or(false) {
                if let Some(x) = reach.get_mut(k + 1) {
                    *x = true;
                }
            }
        }
    }
}

/// How a rule's pattern is written.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Pattern {
    /// A byte glob.
    Glob(Glob),
    /// A regular expression over the path's bytes, anchored at the start.
    #[cfg(feature = "regex")]
    Regex {
        /// The expression as given.
        source: String,
        /// The compiled, start-anchored expression.
        re: regex::bytes::Regex,
    },
}

impl Pattern {
    /// A glob pattern.
    pub fn glob(p: impl AsRef<[u8]>) -> Result<Self, Error> {
        Glob::new(p).map(Pattern::Glob)
    }

    /// A regex pattern (anchored at the start of the path).
    #[cfg(feature = "regex")]
    pub fn regex(p: &str) -> Result<Self, Error> {
        let re = regex::bytes::Regex::new(&format!("^(?:{p})")).map_err(|e| Error::Pattern {
            pattern: p.as_bytes().to_vec(),
            kind: "regex",
            message: e.to_string(),
        })?;
        Ok(Pattern::Regex {
            source: p.to_owned(),
            re,
        })
    }

    /// The pattern text.
    pub fn source(&self) -> &[u8] {
        match self {
            Pattern::Glob(g) => g.as_bytes(),
            #[cfg(feature = "regex")]
            Pattern::Regex { source, .. } => source.as_bytes(),
        }
    }

    /// Whether this is a regex.
    pub fn is_regex(&self) -> bool {
        !matches!(self, Pattern::Glob(_))
    }

    /// Whether the pattern matches `path` itself or one of its ancestors.
    pub fn matches(&self, path: &[u8]) -> bool {
        match self {
            Pattern::Glob(g) => {
                if g.is_match(path) {
                    return true;
                }
                // Ancestors: every prefix ending before a '/'.
                path.iter()
                    .enumerate()
                    .skip(1)
                    .filter(|(_, &b)| b == b'/')
                    .any(|(i, _)| path.get(..i).is_some_and(|p| g.is_match(p)))
            }
            #[cfg(feature = "regex")]
            Pattern::Regex { re, .. } => re.is_match(path),
        }
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.is_regex() == other.is_regex() && self.source() == other.source()
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_regex() { "regex" } else { "glob" };
        write!(f, "{kind}:{}", ferret_core::escape::Escaped(self.source()))
    }
}

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Record the path with these attributes.
    Include(AttrSet),
    /// Do not record the path (nor anything below it).
    Exclude,
}

/// One selection rule.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Rule {
    /// What to match.
    pub pattern: Pattern,
    /// What to do with a match.
    pub action: Action,
}

impl Rule {
    /// An include rule.
    pub fn include(pattern: Pattern, attrs: AttrSet) -> Self {
        Rule {
            pattern,
            action: Action::Include(attrs),
        }
    }

    /// An exclude rule.
    pub fn exclude(pattern: Pattern) -> Self {
        Rule {
            pattern,
            action: Action::Exclude,
        }
    }
}

/// The first rule matching `path`, or `default`.
pub(crate) fn decide(rules: &[Rule], path: &[u8], default: AttrSet) -> Action {
    rules
        .iter()
        .find(|r| r.pattern.matches(path))
        .map_or(Action::Include(default), |r| r.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_semantics() {
        let g = |p: &str, s: &[u8]| Glob::new(p).unwrap().is_match(s);
        assert!(g("/etc/*.conf", b"/etc/a.conf"));
        assert!(!g("/etc/*.conf", b"/etc/x/a.conf"));
        assert!(g("/etc/**.conf", b"/etc/x/a.conf"));
        assert!(g("/var/log/**", b"/var/log/a/b"));
        assert!(g("/tmp/?", b"/tmp/\xff"));
        assert!(!g("/tmp/?", b"/tmp//"));
        assert!(g("/lib[0-9]*", b"/lib64"));
        assert!(!g("/lib[!0-9]*", b"/lib64"));
        assert!(g(r"/a\*b", b"/a*b"));
        assert!(!g(r"/a\*b", b"/axb"));
        assert!(g("**", b""));
        assert!(matches!(
            Glob::new("[abc"),
            Err(Error::Pattern { ref pattern, kind: "glob", ref message })
                if pattern == b"[abc" && message.contains("unterminated")
        ));
        assert!(Glob::new("abc\\").is_err());
        // Linear time on a hostile input.
        let long = vec![b'a'; 20_000];
        assert!(!g("*a*a*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn ancestors_and_first_match() {
        let p = Pattern::glob("/var/log").unwrap();
        assert!(p.matches(b"/var/log"));
        assert!(p.matches(b"/var/log/syslog"));
        assert!(!p.matches(b"/var/logs"));
        let rules = vec![
            Rule::include(Pattern::glob("/var/log/auth.log").unwrap(), AttrSet::full()),
            Rule::include(Pattern::glob("/var/log").unwrap(), AttrSet::log()),
            Rule::exclude(Pattern::glob("/proc").unwrap()),
        ];
        assert_eq!(
            decide(&rules, b"/var/log/auth.log", AttrSet::growing()),
            Action::Include(AttrSet::full())
        );
        assert_eq!(
            decide(&rules, b"/var/log/x", AttrSet::growing()),
            Action::Include(AttrSet::log())
        );
        assert_eq!(decide(&rules, b"/proc/1", AttrSet::full()), Action::Exclude);
        assert_eq!(
            decide(&rules, b"/usr", AttrSet::growing()),
            Action::Include(AttrSet::growing())
        );
    }

    #[cfg(feature = "regex")]
    #[test]
    fn regex_is_start_anchored() {
        let p = Pattern::regex("/var/(log|spool)").unwrap();
        assert!(p.matches(b"/var/log/x"));
        assert!(!p.matches(b"/x/var/log"));
        let e = Pattern::regex("(").unwrap_err();
        assert!(matches!(e, Error::Pattern { kind: "regex", .. }), "{e}");
        assert!(e.to_string().starts_with("invalid regex pattern ("), "{e}");
    }
}
