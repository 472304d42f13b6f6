//! Jupyter Notebook / JupyterLab / Jupyter Server listening beyond localhost with neither a
//! token nor a password: its terminals and kernels run any command as the user who started
//! it (often root with `--allow-root`). Named in reports on 8220 Gang, Kinsing and TeamTNT
//! ("Qubitstrike") campaigns, which scan for open notebooks on cloud hosts.
//!
//! Read, in Jupyter's order of precedence (lowest first): `/etc/jupyter`,
//! `/usr/local/etc/jupyter`, `/usr/etc/jupyter`, `/opt/conda/etc/jupyter`, then each home's
//! `~/.jupyter`; in each, `jupyter_notebook_config`, `jupyter_server_config` and
//! `jupyter_lab_config`, `.py` then `.json` (the JSON file wins, as in traitlets). A
//! command line (`jupyter notebook --ip=0.0.0.0 --NotebookApp.token=''`, in units, scripts,
//! supervisor and containers) overrides the files.
//!
//! `.py` files are read line by line for `c.Class.trait = literal` (string literals with
//! their `u`/`r`/`b` prefixes, `True`/`False`/`None`, numbers); a value that is an expression
//! is "set, unknown" and counts as a token or password (the check does not guess). The
//! classes read are `NotebookApp` (Notebook < 7), `ServerApp` (Jupyter Server: Notebook 7,
//! JupyterLab), `IdentityProvider.token` and `PasswordIdentityProvider.hashed_password`
//! (Jupyter Server 2): whichever a server uses, a later setting wins.

use super::redis::Reach;
use crate::util::{pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// System configuration directories, lowest precedence first.
pub const SYSTEM_DIRS: &[&str] = &[
    "/etc/jupyter",
    "/usr/local/etc/jupyter",
    "/usr/etc/jupyter",
    "/opt/conda/etc/jupyter",
];

/// The configuration files' names without their extension, in load order.
pub const FILES: &[&str] = &[
    "jupyter_notebook_config",
    "jupyter_server_config",
    "jupyter_lab_config",
];

/// The programs that start a Jupyter server (docker-stacks' start scripts pass their
/// arguments on).
pub const PROGRAMS: &[&[u8]] = &[
    b"jupyter",
    b"jupyter-notebook",
    b"jupyter-lab",
    b"jupyter-server",
    b"start-notebook.sh",
    b"start-notebook.py",
];

/// A value as set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// A literal string (or a number or boolean, as written).
    Str(Vec<u8>),
    /// An expression the check does not evaluate.
    Unknown,
}

/// One setting: `Class.trait`, its value, where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// The class (`NotebookApp`, `ServerApp`, ...).
    pub class: Vec<u8>,
    /// The trait (`ip`, `token`, `password`, ...).
    pub name: Vec<u8>,
    /// The value.
    pub value: Value,
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0: no line, a container's JSON).
    pub line: u64,
    /// The line's text (never a secret: token and password values are masked).
    pub text: Vec<u8>,
}

/// A Python string literal, `True`/`False`/`None` or a number at the start of `v` (what
/// follows must be a comment or nothing); `None` when it is an expression.
pub fn py_literal(v: &[u8]) -> Option<Vec<u8>> {
    let v = v.trim_ascii();
    let prefix = v
        .iter()
        .take_while(|c| matches!(c, b'u' | b'U' | b'r' | b'R' | b'b' | b'B'))
        .count();
    let rest = v.get(prefix..).unwrap_or_default();
    let rest_ok = |after: &[u8]| {
        let a = after.trim_ascii();
        a.is_empty() || a.starts_with(b"#")
    };
    if let Some(&q) = rest.first().filter(|c| matches!(c, b'\'' | b'"')) {
        if prefix > 2 {
            return None;
        }
        let raw = prefix > 0 && v.iter().take(prefix).any(|c| matches!(c, b'r' | b'R'));
        let mut out = Vec::new();
        let mut i = 1;
        while let Some(&c) = rest.get(i) {
            if c == q {
                return rest_ok(rest.get(i + 1..).unwrap_or_default()).then_some(out);
            }
            if c == b'\\' && !raw {
                i += 1;
                if let Some(&e) = rest.get(i) {
                    out.push(match e {
                        b'n' => b'\n',
                        b't' => b'\t',
                        o => o,
                    });
                }
            } else {
                out.push(c);
            }
            i += 1;
        }
        return None;
    }
    if prefix > 0 {
        return None;
    }
    let word_end = v
        .iter()
        .position(|c| c.is_ascii_whitespace() || *c == b'#')
        .unwrap_or(v.len());
    let (w, after) = v.split_at(word_end);
    let literal = matches!(w, b"True" | b"False" | b"None")
        || (!w.is_empty() && w.iter().all(|c| c.is_ascii_digit() || *c == b'.'));
    (literal && rest_ok(after)).then(|| w.to_vec())
}

fn mask_text(name: &[u8], value: &Value, text: &[u8]) -> Vec<u8> {
    let secret = matches!(name, b"token" | b"password" | b"hashed_password");
    match value {
        Value::Str(v) if secret && !v.is_empty() => {
            let mut t = text.to_vec();
            if let Some(p) = t.windows(v.len()).position(|w| w == v.as_slice()) {
                t.splice(p..p + v.len(), b"***".iter().copied());
            }
            t
        }
        _ => text.to_vec(),
    }
}

/// The `c.Class.trait = value` lines of a `jupyter_*_config.py`.
pub fn parse_py(file: &Path, buf: &[u8]) -> Vec<Setting> {
    let mut out = Vec::new();
    for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
        // Top-level statements only: an indented assignment sits under an `if`.
        if l.first().is_some_and(u8::is_ascii_whitespace) {
            continue;
        }
        let t = l.trim_ascii();
        let Some(rest) = t.strip_prefix(b"c.") else {
            continue;
        };
        let Some(eq) = rest.iter().position(|&c| c == b'=') else {
            continue;
        };
        // `==` is a comparison, `+=` and the like are not a plain setting.
        if rest.get(eq + 1) == Some(&b'=') {
            continue;
        }
        let lhs = rest.get(..eq).unwrap_or_default().trim_ascii();
        let Some(dot) = lhs.iter().position(|&c| c == b'.') else {
            continue;
        };
        let (class, name) = (
            lhs.get(..dot).unwrap_or_default(),
            lhs.get(dot + 1..).unwrap_or_default(),
        );
        let ident =
            |s: &[u8]| !s.is_empty() && s.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
        if !ident(class) || !ident(name) {
            continue;
        }
        let value = match py_literal(rest.get(eq + 1..).unwrap_or_default()) {
            Some(v) => Value::Str(v),
            None => Value::Unknown,
        };
        out.push(Setting {
            class: class.to_vec(),
            name: name.to_vec(),
            text: mask_text(name, &value, t),
            value,
            file: file.to_path_buf(),
            line: i as u64 + 1,
        });
    }
    out
}

/// The `{"Class": {"trait": value}}` settings of a `jupyter_*_config.json`.
///
/// # Errors
/// When the text is not a JSON object (traitlets refuses the file).
pub fn parse_json(file: &Path, buf: &[u8]) -> Result<Vec<Setting>, String> {
    let v: serde_json::Value = serde_json::from_slice(buf).map_err(|e| e.to_string())?;
    let o = v.as_object().ok_or("not a JSON object")?;
    let mut out = Vec::new();
    for (class, traits) in o {
        let Some(traits) = traits.as_object() else {
            continue;
        };
        for (name, val) in traits {
            let value = match val {
                serde_json::Value::String(s) => Value::Str(s.as_bytes().to_vec()),
                serde_json::Value::Bool(b) => Value::Str(if *b {
                    b"True".to_vec()
                } else {
                    b"False".to_vec()
                }),
                serde_json::Value::Null => Value::Str(b"None".to_vec()),
                serde_json::Value::Number(n) => Value::Str(n.to_string().into_bytes()),
                _ => Value::Unknown,
            };
            let key = format!("\"{name}\"");
            let line = super::docker::line_of(buf, key.as_bytes());
            let text = match &value {
                Value::Str(v) => [class.as_bytes(), b".", name.as_bytes(), b": ", v].concat(),
                Value::Unknown => [class.as_bytes(), b".", name.as_bytes()].concat(),
            };
            out.push(Setting {
                class: class.as_bytes().to_vec(),
                name: name.as_bytes().to_vec(),
                text: mask_text(name.as_bytes(), &value, &text),
                value,
                file: file.to_path_buf(),
                line,
            });
        }
    }
    Ok(out)
}

/// The settings a command line gives (`--Class.trait=value`, `--ip=...`, `--ip ...`,
/// `--port`, `--no-browser` ignored), after the program's word (and its subcommand).
pub fn parse_args(file: &Path, line: u64, args: &[Vec<u8>]) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let Some(opt) = a.strip_prefix(b"--") else {
            continue;
        };
        let (key, value) = match opt.iter().position(|&c| c == b'=') {
            Some(eq) => (
                opt.get(..eq).unwrap_or_default(),
                opt.get(eq + 1..).unwrap_or_default().to_vec(),
            ),
            None if matches!(opt, b"ip" | b"token" | b"password") => {
                match it.next_if(|n| !n.starts_with(b"--")) {
                    Some(v) => (opt, v.clone()),
                    None => continue,
                }
            }
            None => continue,
        };
        let (class, name) = match key.iter().rposition(|&c| c == b'.') {
            Some(d) => (
                key.get(..d).unwrap_or_default().to_vec(),
                key.get(d + 1..).unwrap_or_default().to_vec(),
            ),
            // The aliases (`--ip`) set the app's own trait.
            None => (b"ServerApp".to_vec(), key.to_vec()),
        };
        let value = Value::Str(value);
        out.push(Setting {
            text: mask_text(&name, &value, a),
            class,
            name,
            value,
            file: file.to_path_buf(),
            line,
        });
    }
    out
}

/// What decides who reaches one server: the last setting of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JupyterSettings {
    /// `ip` (default `localhost`).
    pub ip: Option<Setting>,
    /// `token` (default: a random one is generated).
    pub token: Option<Setting>,
    /// `password` / `hashed_password` (default: none).
    pub password: Option<Setting>,
}

impl JupyterSettings {
    /// Applies settings in order.
    pub fn apply(&mut self, settings: impl IntoIterator<Item = Setting>) {
        for s in settings {
            let app = matches!(s.class.as_slice(), b"NotebookApp" | b"ServerApp");
            match s.name.as_slice() {
                b"ip" if app => self.ip = Some(s),
                b"token" if app || s.class == b"IdentityProvider" => self.token = Some(s),
                b"password" if app => self.password = Some(s),
                b"hashed_password" if s.class == b"PasswordIdentityProvider" => {
                    self.password = Some(s);
                }
                _ => {}
            }
        }
    }
}

fn ev(s: &Setting) -> Evidence {
    if s.line == 0 {
        Evidence::file(pb(&s.file))
    } else {
        Evidence::line(pb(&s.file), s.line)
    }
    .with_excerpt(&s.text)
}

/// The finding for one server's settings; `default_ip` is the address it listens on when no
/// `ip` is set (`localhost`, or every interface inside a container). `started` names the
/// command line, when one started it.
pub fn finding(
    s: &JupyterSettings,
    default_ip: &[u8],
    started: Option<&super::launch::Launch>,
) -> Option<Finding> {
    let empty = |x: &Option<Setting>| match x {
        None => true,
        Some(s) => matches!(&s.value, Value::Str(v) if v.is_empty() || v == b"None"),
    };
    // The token must have been switched off: by default one is generated and printed.
    let token = s.token.as_ref()?;
    if !empty(&s.token) || !empty(&s.password) {
        return None;
    }
    let ip: &[u8] = match s.ip.as_ref().map(|i| &i.value) {
        Some(Value::Str(v)) => v,
        Some(Value::Unknown) => b"?",
        None => default_ip,
    };
    let sev = match Reach::of_host(ip) {
        Reach::Loopback => return None,
        Reach::All => Severity::Critical,
        Reach::Interface => Severity::High,
    };
    let mut f = Finding::new(
        "exposure.jupyter-no-auth",
        sev,
        "Jupyter serves notebooks and terminals without a token or password",
        pb(&token.file),
    )
    .with_evidence(ev(token));
    match &s.ip {
        Some(i) => f = f.with_evidence(ev(i)),
        None => {
            f = f.with_evidence(Evidence::file(pb(&token.file)).with_excerpt(format!(
                "no ip set: {}",
                String::from_utf8_lossy(default_ip)
            )));
        }
    }
    if let Some(l) = started {
        if l.file != token.file {
            f = f.with_evidence(
                match l.line {
                    Some(n) => Evidence::line(pb(&l.file), n),
                    None => Evidence::file(pb(&l.file)),
                }
                .with_excerpt(super::launch::masked(&l.words)),
            );
        }
    }
    Some(
        f.with_detail(format!(
            "Token switched off and no password, listening on {}: anyone who reaches the port (8888 unless set) opens a terminal or a kernel and runs commands as the user who started Jupyter (root with --allow-root); 8220 Gang, Kinsing and TeamTNT's Qubitstrike scan for it and install miners.",
            if ip.is_empty() { "every interface ('')".to_owned() } else { ferret_core::escape::escape(ip) }
        ))
        .with_remediation("Remove `token = ''` (a random token is generated), set a password (`jupyter server password`), listen on localhost and reach it over SSH; then look for terminals' and kernels' commands in the user's shell history and ~/.local/share/jupyter/runtime, and for miners.")
        .with_attack("T1190")
        .with_attack("T1133")
        .with_attack("T1059")
        .with_reference("Jupyter Server: Security in the Jupyter Server, https://jupyter-server.readthedocs.io/en/latest/operators/security.html"),
    )
}

/// The settings of one configuration directory, `.py` then `.json` of each file name.
fn load_dir(root: &HostRoot, dir: &Path, out: &mut Outcome) -> Vec<Setting> {
    let mut v = Vec::new();
    for name in FILES {
        let py = dir.join(format!("{name}.py"));
        if let Some(buf) = read_config(root, &py, out) {
            v.extend(parse_py(&py, &buf));
        }
        let js = dir.join(format!("{name}.json"));
        if let Some(buf) = read_config(root, &js, out) {
            match parse_json(&js, &buf) {
                Ok(s) => v.extend(s),
                Err(e) => out.errors.push(ferret_core::ErrorRecord::new(
                    Some(pb(&js)),
                    None,
                    format!("not JSON Jupyter can read: {e}"),
                )),
            }
        }
    }
    v
}

/// Audits the configuration of every home (with the system directories below it) and every
/// command line that starts Jupyter.
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    let mut system = Vec::new();
    for d in SYSTEM_DIRS {
        system.extend(load_dir(root, Path::new(d), out));
    }
    let mut subjects: Vec<String> = Vec::new();
    let mut push = |f: Finding, out: &mut Outcome| {
        if !subjects.contains(&f.subject) {
            subjects.push(f.subject.clone());
            out.findings.push(f);
        }
    };
    for (l, i) in svc.launches.of(PROGRAMS) {
        let mut s = JupyterSettings::default();
        s.apply(system.iter().cloned());
        s.apply(parse_args(
            &l.file,
            l.line.unwrap_or(0),
            l.words.get(i + 1..).unwrap_or_default(),
        ));
        let default_ip: &[u8] = match &l.source {
            super::launch::Source::Container { published, .. } => {
                if !published {
                    continue;
                }
                b"0.0.0.0"
            }
            _ => b"localhost",
        };
        if let Some(f) = finding(&s, default_ip, Some(l)) {
            push(f, out);
        }
    }
    let mut homes: Vec<PathBuf> = Vec::new();
    for h in &svc.homes {
        let d = PathBuf::from(std::ffi::OsStr::from_bytes(h)).join(".jupyter");
        if !homes.contains(&d) {
            homes.push(d);
        }
    }
    let mut any_home = false;
    for d in homes {
        let user = load_dir(root, &d, out);
        if user.is_empty() {
            continue;
        }
        any_home = true;
        let mut s = JupyterSettings::default();
        s.apply(system.iter().cloned());
        s.apply(user);
        if let Some(f) = finding(&s, b"localhost", None) {
            push(f, out);
        }
    }
    if !any_home {
        let mut s = JupyterSettings::default();
        s.apply(system);
        if let Some(f) = finding(&s, b"localhost", None) {
            push(f, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(py_literal(b" '' "), Some(Vec::new()));
        assert_eq!(py_literal(b"u'0.0.0.0'  # all"), Some(b"0.0.0.0".to_vec()));
        assert_eq!(py_literal(br#""a\"b""#), Some(b"a\"b".to_vec()));
        assert_eq!(py_literal(b"r'\\d'"), Some(b"\\d".to_vec()));
        assert_eq!(py_literal(b"True"), Some(b"True".to_vec()));
        assert_eq!(py_literal(b"8888"), Some(b"8888".to_vec()));
        assert_eq!(py_literal(b"os.environ['T']"), None);
        assert_eq!(py_literal(b"'a' + x"), None);
        assert_eq!(py_literal(b"'open"), None);
    }

    #[test]
    fn py_lines() {
        let s = parse_py(
            Path::new("/c.py"),
            b"# c.NotebookApp.token = ''\nc = get_config()\nc.NotebookApp.token = ''\nc.ServerApp.password = u'argon2:$argon2id$v=19$m=10240,t=10,p=8$abc'\nif x:\n    c.ServerApp.ip = '*'\nc.ServerApp.ip == 'x'\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].line, 3);
        assert_eq!(s[0].value, Value::Str(Vec::new()));
        assert_eq!(s[1].text, b"c.ServerApp.password = u'***'");
        let a = parse_args(
            Path::new("/u"),
            2,
            &[
                b"notebook".to_vec(),
                b"--ip".to_vec(),
                b"0.0.0.0".to_vec(),
                b"--NotebookApp.token=".to_vec(),
                b"--allow-root".to_vec(),
            ],
        );
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].name, b"ip");
        assert_eq!(a[1].class, b"NotebookApp");
    }
}
