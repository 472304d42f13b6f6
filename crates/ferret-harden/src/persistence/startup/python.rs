//! Python start-up hooks: `site` runs every line of a `.pth` file in a site directory that
//! starts with `import` (Elastic's `persistence_pth_file_creation`), and imports
//! `sitecustomize` and `usercustomize` from the path at every interpreter start
//! (`persistence_site_and_user_customize_file_creation`); both are MITRE T1546.018.
//!
//! The places are enumerated, never walked: in `/usr/lib`, `/usr/lib64`, `/usr/local/lib`,
//! `/usr/local/lib64` and each home's `.local/lib`, the directories named `python<digit>...`
//! (at most [`MAX_VERSIONS`] of them), and in each its `site-packages` and `dist-packages`
//! (Debian's `/usr/lib/python3/dist-packages` is `python3`'s). Virtual environments elsewhere
//! are not searched.
//!
//! A `.pth` import line is quiet when every statement of it is one that setuptools, pip or
//! virtualenv write (`distutils-precedence.pth`, `*-nspkg.pth`, `_virtualenv.pth`,
//! `easy-install.pth`, editable installs, coverage's start-up hook; string literals ignored),
//! or when the file is packaged and unchanged. Otherwise it is a finding: high or critical
//! when the shared classifier says the line downloads, decodes and runs, or opens a shell
//! (the line as `python3 -c` code, and its string literals as shell commands), medium for an
//! import line nobody ships.

use super::{
    finding, hit_reasons, python_hits, python_kinds, reasons, relevant, severity, Owned, Packages,
};
use crate::accounts::Accounts;
use crate::persistence::hooks::{entries, homes, in_home, link_target, read_text, Hit};
use crate::util::pb;
use ferret_core::command::{classify, CommandKind, Kinds};
use ferret_core::{FileKind, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Version-named directories read per prefix at most.
pub const MAX_VERSIONS: usize = 32;
/// `.pth` and customize files read per site directory at most.
pub const MAX_PER_DIR: usize = 2000;

const ATTACK: &[&str] = &["T1546.018"];

/// The lines of a `.pth` file that `site` executes: those starting with `import ` or
/// `import\t` exactly (CPython's `site.addpackage`; lines are split the way Python's text mode
/// splits them, at `\n`, `\r\n` and `\r`). Returns (1-based line, line).
pub fn pth_import_lines(data: &[u8]) -> Vec<(u64, &[u8])> {
    pth_lines(data)
        .filter(|(_, l)| l.starts_with(b"import ") || l.starts_with(b"import\t"))
        .collect()
}

/// Every line of a `.pth` file, universal newlines.
fn pth_lines(data: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut rest = data;
    let mut n = 0u64;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        n += 1;
        let end = rest
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .unwrap_or(rest.len());
        let line = rest.get(..end).unwrap_or_default();
        let skip = match (rest.get(end), rest.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(_), _) => 1,
            (None, _) => 0,
        };
        rest = rest.get(end + skip..).unwrap_or_default();
        Some((n, line))
    })
}

/// The statements setuptools (`distutils-precedence.pth`, namespace packages' `*-nspkg.pth`,
/// `easy-install.pth`), virtualenv (`_virtualenv.pth`) and coverage (`a1_coverage.pth`) write,
/// with every string literal emptied.
const STOCK_STATEMENTS: &[&str] = &[
    // distutils-precedence.pth (setuptools >= 49)
    "import os",
    "var = ''",
    "enabled = os.environ.get(var, '') == ''",
    "enabled and __import__('').add_shim()",
    // *-nspkg.pth (setuptools' namespace packages, old and new)
    "import sys, types, os",
    "has_mfs = sys.version_info > (3, 5)",
    "importlib = has_mfs and __import__('')",
    "has_mfs and __import__('')",
    "m = has_mfs and sys.modules.setdefault('', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('', [os.path.dirname(p)])))",
    "m = m or sys.modules.setdefault('', types.ModuleType(''))",
    "mp = (m or []) and m.__dict__.setdefault('',[])",
    "(p not in mp) and mp.append(p)",
    "m and setattr(sys.modules[''], '', m)",
    "ie = os.path.exists(os.path.join(p,''))",
    "m = not ie and sys.modules.setdefault('', types.ModuleType(''))",
    // easy-install.pth
    "import sys",
    "sys.__plen = len(sys.path)",
    "new = sys.path[sys.__plen:]",
    "del sys.path[sys.__plen:]",
    "p = getattr(sys, '', 0)",
    "sys.path[p:p] = new",
    "sys.__egginsert = p + len(new)",
    // virtualenv, coverage
    "import _virtualenv",
    "import coverage",
    "coverage.process_startup()",
    "",
];

/// `line` with the contents of its string literals removed (`'abc'` -> `''`).
fn empty_literals(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut quote: Option<u8> = None;
    let mut esc = false;
    for &c in line {
        if let Some(q) = quote {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == q {
                out.push(c);
                quote = None;
            }
        } else {
            out.push(c);
            if c == b'\'' || c == b'"' {
                quote = Some(c);
            }
        }
    }
    // double quotes are written as single ones by some generators
    out.iter()
        .map(|&c| if c == b'"' { b'\'' } else { c })
        .collect()
}

/// Whether an executable `.pth` line is one that setuptools, pip or virtualenv write.
pub(super) fn stock_import_line(line: &[u8]) -> bool {
    let norm = empty_literals(line);
    norm.split(|&c| c == b';').all(|st| {
        let st = st.trim_ascii();
        if STOCK_STATEMENTS.iter().any(|s| s.as_bytes() == st) {
            return true;
        }
        // nspkg: `p = os.path.join(sys._getframe(1).f_locals[''], *('', '',))`
        if let Some(rest) =
            st.strip_prefix(b"p = os.path.join(sys._getframe(1).f_locals[''], *(".as_slice())
        {
            return rest.iter().all(|c| matches!(c, b'\'' | b',' | b' ' | b')'));
        }
        // setuptools editable installs: `import __editable___x_1_0_finder` and
        // `__editable___x_1_0_finder.install()`
        let ident = |s: &[u8]| {
            s.starts_with(b"__editable___")
                && s.ends_with(b"_finder")
                && s.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        };
        st.strip_prefix(b"import ").is_some_and(ident)
            || st.strip_suffix(b".install()").is_some_and(ident)
    })
}

/// One site directory's `.pth` and customize files, one version directory's customize files.
fn candidate(name: &[u8]) -> Option<bool> {
    if name.ends_with(b".pth") {
        Some(true)
    } else if name == b"sitecustomize.py" || name == b"usercustomize.py" {
        Some(false)
    } else {
        None
    }
}

/// The version-named directories (`python3`, `python3.11`, `python2.7`) of `prefix`.
fn version_dirs(root: &HostRoot, prefix: &Path, out: &mut Outcome) -> Vec<PathBuf> {
    entries(root, prefix, out)
        .into_iter()
        .filter(|(p, kind)| {
            let n = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
            *kind == Some(FileKind::Directory)
                && n.strip_prefix(b"python")
                    .and_then(|r| r.first())
                    .is_some_and(u8::is_ascii_digit)
        })
        .map(|(p, _)| p)
        .take(MAX_VERSIONS)
        .collect()
}

pub(super) fn audit(
    root: &HostRoot,
    accounts: &Accounts,
    pkgs: &mut Packages<'_>,
    out: &mut Outcome,
) {
    let mut prefixes: Vec<PathBuf> = [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    for h in homes(accounts) {
        prefixes.push(in_home(h, ".local/lib"));
    }
    let mut seen: Vec<(u64, u64)> = Vec::new();
    let mut once = |root: &HostRoot, d: &Path| match root.lstat(d) {
        Ok(st) if st.kind == FileKind::Directory && !seen.contains(&(st.dev, st.ino)) => {
            seen.push((st.dev, st.ino));
            true
        }
        _ => false,
    };
    for prefix in prefixes {
        if !once(root, &prefix) {
            continue; // missing, a link to another prefix, or read already
        }
        for v in version_dirs(root, &prefix, out) {
            // the interpreter's own directory: customize modules only
            for name in ["sitecustomize.py", "usercustomize.py"] {
                check_file(root, &v.join(name), false, pkgs, out);
            }
            for site in ["site-packages", "dist-packages"] {
                let d = v.join(site);
                if !once(root, &d) {
                    continue;
                }
                let mut n = 0;
                for (p, kind) in entries(root, &d, out) {
                    let name = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
                    let Some(pth) = candidate(name) else {
                        continue;
                    };
                    if kind == Some(FileKind::Directory) {
                        continue;
                    }
                    n += 1;
                    if n > MAX_PER_DIR {
                        out.errors.push(ferret_core::ErrorRecord::new(
                            Some(pb(&d)),
                            None,
                            format!("more than {MAX_PER_DIR} .pth files; the rest not read"),
                        ));
                        break;
                    }
                    check_file(root, &p, pth, pkgs, out);
                }
            }
        }
    }
}

/// Reads one `.pth` (`pth`) or customize file (a symlink at its target inside the root) and
/// reports it.
fn check_file(root: &HostRoot, p: &Path, pth: bool, pkgs: &mut Packages<'_>, out: &mut Outcome) {
    let read = match root.lstat(p) {
        Ok(st) if st.kind == FileKind::Symlink => {
            let Ok(t) = root.read_link(p) else { return };
            PathBuf::from(std::ffi::OsStr::from_bytes(&link_target(p, &t)))
        }
        Ok(st) if st.kind == FileKind::Regular => p.to_path_buf(),
        _ => return,
    };
    let Some(buf) = read_text(root, &read, Some(out)) else {
        return;
    };
    if pth {
        check_pth(p, &read, &buf, pkgs, out);
    } else {
        check_customize(p, &read, &buf, pkgs, out);
    }
}

fn check_pth(p: &Path, read: &Path, buf: &[u8], pkgs: &mut Packages<'_>, out: &mut Outcome) {
    let mut hits = Vec::new();
    let mut kinds = Kinds::empty();
    let mut unknown = Vec::new();
    for (line, l) in pth_lines(buf) {
        if l.starts_with(b"import ") || l.starts_with(b"import\t") {
            let k = relevant(python_kinds(l));
            if !k.is_empty() {
                kinds.extend(k);
                hits.push(Hit {
                    line,
                    text: l.to_vec(),
                    reasons: reasons(k),
                });
            } else if !stock_import_line(l) {
                unknown.push(Hit {
                    line,
                    text: l.to_vec(),
                    reasons: vec!["runs Python code at every interpreter start"],
                });
            }
        } else if l.first() == Some(&b'/') && classify(l).contains(CommandKind::TempExecution) {
            // a path entry: modules there shadow the standard library's
            kinds.insert(CommandKind::TempExecution);
            hits.push(Hit {
                line,
                text: l.to_vec(),
                reasons: vec!["puts a temporary or hidden directory on the module path"],
            });
        }
    }
    if hits.is_empty() && unknown.is_empty() {
        return;
    }
    let owned = pkgs.owned(pb(read), buf, out);
    if hits.is_empty() && matches!(owned, Owned::Yes(_)) {
        return; // a packaged hook, as shipped
    }
    let (sev, what) = if hits.is_empty() {
        match &owned {
            Owned::Changed(n) => (
                Severity::High,
                format!("changed since package {n} installed it; "),
            ),
            _ => (Severity::Medium, String::new()),
        }
    } else {
        (severity(kinds).max(Severity::High), String::new())
    };
    hits.extend(unknown);
    hits.sort_by_key(|h| h.line);
    out.findings.push(finding(
        "persistence.python-pth",
        sev,
        "Python .pth file runs code at every interpreter start",
        pb(p),
        read,
        format!(
            "{what}Python's site module executes every line of a .pth file in a site directory that starts with `import`, in every Python process (pip, apt helpers, services): {} line(s) that {}.",
            hits.len(),
            hit_reasons(&hits)
        ),
        ATTACK,
        &hits,
    ));
}

fn check_customize(p: &Path, read: &Path, buf: &[u8], pkgs: &mut Packages<'_>, out: &mut Outcome) {
    let (hits, kinds) = python_hits(buf, &[b"#".as_slice()]);
    let owned = pkgs.owned(pb(read), buf, out);
    let (sev, what) = match (&owned, hits.is_empty()) {
        (_, false) => (severity(kinds).max(Severity::High), String::new()),
        (Owned::Yes(_), true) => return,
        (Owned::Changed(n), true) => (
            Severity::High,
            format!("changed since package {n} installed it"),
        ),
        (Owned::No, true) if pkgs.known(out) => {
            (Severity::Medium, "no package ships it".to_owned())
        }
        (Owned::No, true) => (
            Severity::Low,
            "the root has no package database to tell whether a package ships it".to_owned(),
        ),
    };
    let name = p.file_name().map(OsStrExt::as_bytes).unwrap_or_default();
    out.findings.push(finding(
        "persistence.python-customize",
        sev,
        "Python customize module runs at every interpreter start",
        pb(p),
        read,
        if hits.is_empty() {
            format!(
                "Python imports {} from its module path at every start, in every Python process: {what}.",
                ferret_core::escape::escape(name)
            )
        } else {
            format!(
                "Python imports {} from its module path at every start, in every Python process: {} line(s) that {}.",
                ferret_core::escape::escape(name),
                hits.len(),
                hit_reasons(&hits)
            )
        },
        ATTACK,
        &hits,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pth_lines_like_site() {
        let v = pth_import_lines(b"# c\n/opt/x\n  import os\nimport os\rimport\tsys\r\n");
        assert_eq!(v, vec![(4, &b"import os"[..]), (5, &b"import\tsys"[..])]);
    }

    #[test]
    fn stock_forms() {
        for l in [
            &b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); "[..],
            b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'stdlib') == 'local'; enabled and __import__('_distutils_hack').add_shim(); ",
            b"import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('zope', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));m = m or sys.modules.setdefault('zope', types.ModuleType('zope'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
            b"import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('google', 'cloud'));ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and sys.modules.setdefault('google.cloud', types.ModuleType('google.cloud'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p);m and setattr(sys.modules['google'], 'cloud', m)",
            b"import _virtualenv",
            b"import sys; sys.__plen = len(sys.path)",
            b"import sys; new = sys.path[sys.__plen:]; del sys.path[sys.__plen:]; p = getattr(sys, '__egginsert', 0); sys.path[p:p] = new; sys.__egginsert = p + len(new)",
            b"import __editable___ferret_0_1_0_finder; __editable___ferret_0_1_0_finder.install()",
        ] {
            assert!(stock_import_line(l), "{}", String::from_utf8_lossy(l));
        }
        for l in [
            &b"import evil"[..],
            b"import os; os.system('id')",
            b"import os; var = 'X'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); exec('x')",
            b"import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('a', __import__('os').system('id')))",
        ] {
            assert!(!stock_import_line(l), "{}", String::from_utf8_lossy(l));
        }
    }
}
