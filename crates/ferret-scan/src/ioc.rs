//! Indicators of compromise from public reports: file names, directory names, paths, SHA-256
//! digests, mining pools and `ld.so.preload` patterns, kept as data in
//! `crates/ferret-scan/data/iocs.tsv` (each line names the report it came from) so the list is
//! updated without touching code.
//!
//! ```
//! use ferret_scan::ioc::{IocKind, IocTable};
//! let t = IocTable::builtin();
//! let hit = t.name(b"kdevtmpfsi").next().unwrap();
//! assert_eq!(hit.kind, IocKind::Name);
//! assert!(hit.family.contains("Kinsing"));
//! assert!(hit.source.contains("Aqua Security"));
//! assert!(t.preload(b"/usr/local/lib/libprocesshider.so").next().is_some());
//! assert!(t.name(b"ls").next().is_none());
//! ```

use ferret_core::Severity;

/// The built-in table.
pub const BUILTIN: &str = include_str!("../data/iocs.tsv");

/// What an indicator matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum IocKind {
    /// A file's exact name.
    Name,
    /// A directory's exact name (files below it match too).
    Dir,
    /// An exact path inside the audited root.
    Path,
    /// A path prefix.
    PathPrefix,
    /// A file's SHA-256.
    Sha256,
    /// A mining-pool host name.
    Pool,
    /// A glob matched against `/etc/ld.so.preload` entries.
    Preload,
}

impl IocKind {
    /// The name used in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            IocKind::Name => "name",
            IocKind::Dir => "dir",
            IocKind::Path => "path",
            IocKind::PathPrefix => "path-prefix",
            IocKind::Sha256 => "sha256",
            IocKind::Pool => "pool",
            IocKind::Preload => "preload",
        }
    }

    fn parse(s: &[u8]) -> Option<IocKind> {
        [
            IocKind::Name,
            IocKind::Dir,
            IocKind::Path,
            IocKind::PathPrefix,
            IocKind::Sha256,
            IocKind::Pool,
            IocKind::Preload,
        ]
        .into_iter()
        .find(|k| k.as_str().as_bytes() == s)
    }
}

/// One indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Ioc {
    /// What it matches.
    pub kind: IocKind,
    /// The value (a name, path, lower-case hex digest, host or glob).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub value: Vec<u8>,
    /// Severity of a match.
    pub severity: Severity,
    /// The malware family or group.
    pub family: String,
    /// MITRE ATT&CK technique ids.
    pub attack: Vec<String>,
    /// The public report it comes from.
    pub source: String,
    /// Line in the table.
    pub line: u64,
}

/// A malformed line of an indicator table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct IocLineError {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// A parsed indicator table with lookups by kind.
#[derive(Debug, Clone, Default)]
pub struct IocTable {
    entries: Vec<Ioc>,
    by_name: foldhash::HashMap<Vec<u8>, Vec<usize>>,
    by_dir: foldhash::HashMap<Vec<u8>, Vec<usize>>,
    by_path: foldhash::HashMap<Vec<u8>, Vec<usize>>,
    by_sha256: foldhash::HashMap<[u8; 32], Vec<usize>>,
    prefixes: Vec<usize>,
    pools: Vec<usize>,
    /// The pool hosts as one ASCII case-insensitive automaton (pattern `k` is `pools[k]`'s
    /// value); `None` when there are none or it could not be built (then searched one by one).
    pool_matcher: Option<aho_corasick::AhoCorasick>,
    preloads: Vec<usize>,
}

/// Matches `s` against a glob where `*` matches any run of bytes except `/`.
pub fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    match pat.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => {
            let mut i = 0;
            loop {
                if glob_match(rest, s.get(i..).unwrap_or_default()) {
                    return true;
                }
                match s.get(i) {
                    Some(b'/') | None => return false,
                    Some(_) => i += 1,
                }
            }
        }
        Some((c, rest)) => s
            .split_first()
            .is_some_and(|(d, srest)| d == c && glob_match(rest, srest)),
    }
}

impl IocTable {
    /// The table shipped with the crate (`data/iocs.tsv`). Its lines are checked by the tests,
    /// so a malformed line there cannot reach a release; any that did would be skipped.
    pub fn builtin() -> IocTable {
        IocTable::parse(BUILTIN.as_bytes()).0
    }

    /// Parses a table in the format of `data/iocs.tsv`: the indicators of the good lines and an
    /// error per malformed line.
    pub fn parse(text: &[u8]) -> (IocTable, Vec<IocLineError>) {
        let mut t = IocTable::default();
        let mut errors = Vec::new();
        for (i, raw) in text.split(|b| *b == b'\n').enumerate() {
            let line = i as u64 + 1;
            let l = raw.strip_suffix(b"\r").unwrap_or(raw);
            if l.trim_ascii().is_empty() || l.starts_with(b"#") {
                continue;
            }
            match parse_line(l, line) {
                Ok(ioc) => t.push(ioc),
                Err(message) => errors.push(IocLineError { line, message }),
            }
        }
        t.pool_matcher = t.build_pool_matcher();
        (t, errors)
    }

    fn build_pool_matcher(&self) -> Option<aho_corasick::AhoCorasick> {
        let values: Vec<&[u8]> = self
            .pools
            .iter()
            .filter_map(|i| self.entries.get(*i))
            .map(|e| e.value.as_slice())
            .collect();
        // A value with an upper-case letter never occurs in lower-cased text: such a value is
        // left to the one-by-one search, which never matches it.
        if values.is_empty() || values.iter().any(|v| v.iter().any(u8::is_ascii_uppercase)) {
            return None;
        }
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(values)
            .ok()
    }

    fn push(&mut self, ioc: Ioc) {
        let i = self.entries.len();
        match ioc.kind {
            IocKind::Name => self.by_name.entry(ioc.value.clone()).or_default().push(i),
            IocKind::Dir => self.by_dir.entry(ioc.value.clone()).or_default().push(i),
            IocKind::Path => self.by_path.entry(ioc.value.clone()).or_default().push(i),
            IocKind::Sha256 => {
                let mut d = [0u8; 32];
                if ferret_core::hex::decode_into(&ioc.value, &mut d).is_some() {
                    self.by_sha256.entry(d).or_default().push(i);
                }
            }
            IocKind::PathPrefix => self.prefixes.push(i),
            IocKind::Pool => self.pools.push(i),
            IocKind::Preload => self.preloads.push(i),
        }
        self.entries.push(ioc);
    }

    /// Every indicator, in table order.
    pub fn entries(&self) -> &[Ioc] {
        &self.entries
    }

    fn pick<'a>(&'a self, idx: Option<&'a Vec<usize>>) -> impl Iterator<Item = &'a Ioc> + 'a {
        idx.into_iter()
            .flatten()
            .filter_map(|i| self.entries.get(*i))
    }

    /// Indicators naming a file called `name`.
    pub fn name<'a>(&'a self, name: &[u8]) -> impl Iterator<Item = &'a Ioc> + 'a {
        self.pick(self.by_name.get(name))
    }

    /// Indicators naming a directory called `name`.
    pub fn dir<'a>(&'a self, name: &[u8]) -> impl Iterator<Item = &'a Ioc> + 'a {
        self.pick(self.by_dir.get(name))
    }

    /// Indicators for the exact path or one of its prefixes.
    pub fn path<'a>(&'a self, path: &'a [u8]) -> impl Iterator<Item = &'a Ioc> + 'a {
        self.pick(self.by_path.get(path)).chain(
            self.prefixes
                .iter()
                .filter_map(|i| self.entries.get(*i))
                .filter(move |e| {
                    path.starts_with(&e.value)
                        || (path.len() + 1 == e.value.len()
                            && e.value.starts_with(path)
                            && e.value.ends_with(b"/"))
                }),
        )
    }

    /// Indicators for a SHA-256 digest.
    pub fn sha256<'a>(&'a self, digest: &[u8; 32]) -> impl Iterator<Item = &'a Ioc> + 'a {
        self.pick(self.by_sha256.get(digest))
    }

    /// Whether any digest indicator exists (so hashing can be skipped when none does).
    pub fn has_digests(&self) -> bool {
        !self.by_sha256.is_empty()
    }

    /// Pool indicators whose host appears in `text` (ASCII case-insensitive).
    pub fn pools<'a>(&'a self, text: &[u8]) -> Vec<&'a Ioc> {
        if let Some(found) = self
            .pool_matcher
            .as_ref()
            .and_then(|m| m.try_find_overlapping_iter(text).ok())
        {
            let mut hit = vec![false; self.pools.len()];
            for found in found {
                if let Some(h) = hit.get_mut(found.pattern().as_usize()) {
                    *h = true;
                }
            }
            return self
                .pools
                .iter()
                .zip(hit)
                .filter(|(_, h)| *h)
                .filter_map(|(i, _)| self.entries.get(*i))
                .collect();
        }
        let lower = text.to_ascii_lowercase();
        self.pools
            .iter()
            .filter_map(|i| self.entries.get(*i))
            .filter(|e| memchr::memmem::find(&lower, &e.value).is_some())
            .collect()
    }

    /// Preload indicators matching an `ld.so.preload` entry.
    pub fn preload<'a>(&'a self, entry: &'a [u8]) -> impl Iterator<Item = &'a Ioc> + 'a {
        self.preloads
            .iter()
            .filter_map(|i| self.entries.get(*i))
            .filter(move |e| glob_match(&e.value, entry))
    }
}

fn parse_line(l: &[u8], line: u64) -> Result<Ioc, String> {
    let cols: Vec<&[u8]> = l.split(|b| *b == b'\t').collect();
    let [kind, value, sev, family, attack, source] = cols.as_slice() else {
        return Err(format!(
            "expected 6 tab-separated columns (kind, value, severity, family, attack, source), found {}",
            cols.len()
        ));
    };
    let kind = IocKind::parse(kind)
        .ok_or_else(|| format!("unknown kind {:?}", ferret_core::escape::escape(kind)))?;
    let text = |b: &[u8], what: &str| -> Result<String, String> {
        let s = std::str::from_utf8(b).map_err(|_| format!("{what} is not UTF-8"))?;
        let s = s.trim();
        if s.is_empty() {
            return Err(format!("empty {what}"));
        }
        Ok(s.to_owned())
    };
    let severity: Severity = text(sev, "severity")?.parse()?;
    let family = text(family, "family")?;
    let source = text(source, "source")?;
    let attack: Vec<String> = match text(attack, "attack")?.as_str() {
        "-" => Vec::new(),
        a => a.split(',').map(|s| s.trim().to_owned()).collect(),
    };
    for a in &attack {
        let ok = a.len() >= 5
            && a.starts_with('T')
            && a.bytes().skip(1).all(|c| c.is_ascii_digit() || c == b'.');
        if !ok {
            return Err(format!(
                "ATT&CK id {a:?} is not of the form T1234 or T1234.001"
            ));
        }
    }
    let mut value = value.trim_ascii().to_vec();
    if value.is_empty() {
        return Err("empty value".to_owned());
    }
    match kind {
        IocKind::Sha256 => {
            value.make_ascii_lowercase();
            let mut d = [0u8; 32];
            if ferret_core::hex::decode_into(&value, &mut d).is_none() {
                return Err("a sha256 value is 64 hex digits".to_owned());
            }
        }
        IocKind::Path | IocKind::PathPrefix | IocKind::Preload if !value.starts_with(b"/") => {
            return Err(format!("a {} value is an absolute path", kind.as_str()));
        }
        IocKind::Name | IocKind::Dir if value.contains(&b'/') => {
            return Err(format!("a {} value is one path component", kind.as_str()));
        }
        IocKind::Pool => value.make_ascii_lowercase(),
        _ => {}
    }
    Ok(Ioc {
        kind,
        value,
        severity,
        family,
        attack,
        source,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_is_well_formed_and_sourced() {
        let (t, errors) = IocTable::parse(BUILTIN.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert!(t.entries().len() > 60, "{}", t.entries().len());
        for e in t.entries() {
            assert!(e.source.len() > 10, "line {}: no real source", e.line);
        }
        // The families the issue names are all there.
        for fam in [
            "Kinsing",
            "TeamTNT",
            "WatchDog",
            "8220",
            "Outlaw",
            "Diamorphine",
            "Reptile",
            "libprocesshider",
            "Mirai",
        ] {
            assert!(t.entries().iter().any(|e| e.family.contains(fam)), "{fam}");
        }
        assert!(t.has_digests());
    }

    #[test]
    fn lookups() {
        let t = IocTable::builtin();
        assert!(t.dir(b".configrc").next().is_some());
        assert!(t.path(b"/reptile/reptile_cmd").next().is_some());
        assert!(t.path(b"/reptile").next().is_some());
        assert!(t.path(b"/reptilex").next().is_none());
        assert_eq!(t.pools(b"-o POOL.SUPPORTXMR.COM:443").len(), 1);
        assert!(t.preload(b"/usr/local/lib/x/y.so").next().is_none());
        let d: [u8; 32] = ferret_core::hex::decode_array(
            t.entries()
                .iter()
                .find(|e| e.kind == IocKind::Sha256)
                .unwrap()
                .value
                .as_slice(),
        )
        .unwrap();
        assert!(t.sha256(&d).next().is_some());
    }

    #[test]
    fn bad_lines_are_reported_with_numbers() {
        let (t, e) = IocTable::parse(
            b"# c\nname\tx\thigh\tF\tT1496\tsrc report\nname\ta/b\thigh\tF\t-\tsrc\nbogus\tx\nsha256\tzz\tlow\tF\t-\ts\nname\ty\turgent\tF\t-\ts\nname\tz\tlow\tF\tX1\ts\n",
        );
        assert_eq!(t.entries().len(), 1);
        let lines: Vec<u64> = e.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7]);
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"/usr/local/lib/*.so", b"/usr/local/lib/a.so"));
        assert!(!glob_match(
            b"/usr/local/lib/*.so",
            b"/usr/local/lib/a/b.so"
        ));
        assert!(glob_match(b"/tmp/*", b"/tmp/x"));
        assert!(!glob_match(b"/tmp/*", b"/tmp/x/y"));
        assert!(glob_match(b"*", b""));
    }
}
