//! `/etc/sudoers` and everything it includes: parsed like sudo parses it, checked like
//! `visudo -c` checks it, and audited for who may become root.
//!
//! - [`load_root`] reads `/etc/sudoers` of a [`HostRoot`] soundly and follows `#include`,
//!   `@include`, `#includedir` and `@includedir` inside the root (relative paths against the
//!   including file's directory, `%h` as the host's short name, include-directory names ending
//!   in `~` or containing `.` skipped, the rest in byte order, as sudo does). [`parse`] parses
//!   bytes without following includes.
//! - The grammar is sudo's (`gram.y`, `toke.l` of sudo 1.9.17): aliases (`User_Alias`,
//!   `Runas_Alias`, `Host_Alias`, `Cmnd_Alias`/`Cmd_Alias`), negation, runas lists
//!   `(user:group)`, tags, per-command options, `Defaults` of every binding, line continuations,
//!   escapes, quoted strings, digests, `ALL`, `#uid`, `%group`, `%#gid`, `%:nonunix`, `+netgroup`,
//!   `sudoedit`, regular expressions. Its output equals what `cvtsudoers -f json` prints for
//!   sudo's own regression cases (see `tests/sudoers`), and its errors are on the lines
//!   `visudo -c` reports.
//! - [`audit()`] turns a policy and the account files into findings (table below), and
//!   [`effective()`] answers "what may this user run, as whom".
//!
//! ## Caps (bounded work on hostile input)
//!
//! | cap | default | past it |
//! |---|---|---|
//! | include depth | [`Limits::max_depth`] = 128 (sudo's own) | the include is not followed; an `Io` diagnostic |
//! | files read | [`Limits::max_files`] = 1024 | the rest are not read; one diagnostic |
//! | bytes of one file | [`Limits::max_file_bytes`] = 16 MiB | the file is not read |
//! | bytes of all files | [`Limits::max_total_bytes`] = 64 MiB | later files are not read |
//!
//! An include loop (a file that includes itself, directly or not) is reported once per
//! directive and not followed; FIFOs, devices (`/dev/zero`), sockets and symbolic links are
//! never opened (core's sound opens); a cancelled [`Control`] stops at the next file.
//!
//! ## Finding ids (ATT&CK T1548.003)
//!
//! | id | severity | what |
//! |---|---|---|
//! | `accounts.sudoers-root-all` | high (critical with `NOPASSWD`) | a user or group may run any command as root |
//! | `accounts.sudoers-shell` | high (critical with `NOPASSWD`) | a rule grants a shell, an editor or a program that escapes to one (list in [`escapes`]), or a command the shared classifier calls a privilege grant |
//! | `accounts.sudoers-unknown-principal` | medium | a rule names a user or group that is not in passwd/group |
//! | `accounts.sudoers-new-principal` | high | a rule names a user or group added since the `-` backups (`/etc/passwd-`, `/etc/group-`) |
//! | `accounts.sudoers-permissions` | critical / high | a sudoers file or include directory writable by others or by a non-root group, or not owned by root (an ignored include directory is reported too) |
//! | `accounts.sudoers-no-authenticate` | critical | `Defaults !authenticate` |
//! | `accounts.sudoers-weakened` | medium | `!requiretty`-style weakening: `!use_pty`, `visiblepw`, `!env_reset`, `setenv`, `!noexec`-free wildcards, `rootpw`-less `targetpw` changes, `!lecture` is not reported |
//! | `accounts.sudoers-logging-disabled` | high | `!syslog`, `!logfile`, `!log_input`/`!log_output` where they were on, `!log_allowed`, `!log_denied` |
//! | `accounts.sudoers-env-keep` | critical | `env_keep`/`env_check` of `LD_PRELOAD`, `LD_LIBRARY_PATH`, `LD_AUDIT`, `PYTHONPATH`, `PERL5LIB`, `BASH_ENV`, `ENV` (T1574.006) |
//! | `accounts.sudoers-secure-path` | medium (high with a writable-looking directory first) | `secure_path` changed or removed |
//! | `accounts.sudoers-syntax` | high | sudo would refuse the file (parse error) or `visudo -c` fails on it |
//!
//! Many alike findings on one subject are one finding with every rule as evidence.

pub mod ast;
pub mod audit;
pub mod defaults;
pub mod effective;
pub mod escapes;
mod lex;
mod parse;

pub use ast::*;
pub use audit::{audit, audit_root, SudoersReport};
pub use effective::{effective, EffectiveRule};

use ferret_core::{Control, HostRoot};
use parse::{NoFiles, Parser, Source};
use std::path::{Path, PathBuf};

/// Bounds on the work one parse may do (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Include nesting.
    pub max_depth: usize,
    /// Files read in all.
    pub max_files: usize,
    /// Bytes of one file.
    pub max_file_bytes: u64,
    /// Bytes of all files.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_files: 1024,
            max_file_bytes: 16 << 20,
            max_total_bytes: 64 << 20,
        }
    }
}

/// Options for [`load_root`] and [`parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SudoersOptions {
    /// The main file inside the root.
    pub path: PathBuf,
    /// The host name `%h` expands to; `None`: the first label of the root's `/etc/hostname`.
    pub host: Option<Vec<u8>>,
    /// Work caps.
    pub limits: Limits,
}

impl Default for SudoersOptions {
    fn default() -> Self {
        SudoersOptions {
            path: PathBuf::from("/etc/sudoers"),
            host: None,
            limits: Limits::default(),
        }
    }
}

struct RootSource<'a> {
    root: &'a HostRoot,
    control: &'a Control,
    meta: Vec<FileMeta>,
}

impl Source for RootSource<'_> {
    fn read_file(&mut self, path: &Path, limit: u64) -> Result<Vec<u8>, String> {
        let data = self
            .root
            .read_capped(path, limit)
            .map_err(|e| e.to_string())?;
        self.control.charge(data.len() as u64);
        if let Ok(stat) = self.root.lstat(path) {
            self.meta.push(FileMeta {
                path: path.to_path_buf(),
                stat,
                ignored_by_sudo: false,
            });
        }
        Ok(data)
    }

    fn list_dir(&mut self, path: &Path) -> Result<Option<Vec<Vec<u8>>>, String> {
        use std::os::unix::ffi::OsStrExt;
        let dir = match self.root.open_dir(path) {
            Ok(d) => d,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.reason()),
        };
        let stat = dir.stat().map_err(|e| e.reason())?;
        // sudo ignores an include directory not owned by root or writable by others or by a
        // group other than root's (sudo_secure_fd)
        let ignored =
            stat.uid != 0 || stat.mode & 0o002 != 0 || (stat.mode & 0o020 != 0 && stat.gid != 0);
        self.meta.push(FileMeta {
            path: path.to_path_buf(),
            stat,
            ignored_by_sudo: ignored,
        });
        if ignored {
            return Ok(None);
        }
        let mut names = Vec::new();
        for e in dir.entries().map_err(|e| e.reason())? {
            let kind = match e.kind {
                Some(k) => Some(k),
                None => dir.stat_at(&e.name).ok().map(|s| s.kind),
            };
            // sudo stat()s (follows links); a link here is reported when it is read
            if matches!(
                kind,
                Some(ferret_core::FileKind::Regular | ferret_core::FileKind::Symlink)
            ) {
                names.push(e.name.as_bytes().to_vec());
            }
        }
        Ok(Some(names))
    }

    fn cancelled(&self) -> bool {
        self.control.is_cancelled()
    }
}

/// The short host name of a root (`/etc/hostname` up to the first `.`), for `%h`.
pub fn host_name(root: &HostRoot) -> Vec<u8> {
    let data = root.read_capped("/etc/hostname", 4096).unwrap_or_default();
    let first = data
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty() && !l.starts_with(b"#"))
        .unwrap_or_default();
    first
        .split(|&b| b == b'.')
        .next()
        .unwrap_or_default()
        .to_vec()
}

/// Reads and parses the root's sudoers policy (`opts.path` and its includes). A missing main
/// file gives an empty policy with an `Io` diagnostic.
pub fn load_root(root: &HostRoot, opts: &SudoersOptions, control: &Control) -> Sudoers {
    let host = opts.host.clone().unwrap_or_else(|| host_name(root));
    let mut src = RootSource {
        root,
        control,
        meta: Vec::new(),
    };
    let main = HostRoot::inner(&opts.path);
    if !root.exists(&main) {
        // no sudo on this system: an empty policy, nothing read
        return Sudoers::default();
    }
    let first = src.read_file(
        &main,
        opts.limits.max_file_bytes.min(opts.limits.max_total_bytes),
    );
    let mut p = Parser::new(&mut src, opts.limits, host);
    match first {
        Ok(data) => p.parse_file(&main, &data),
        Err(m) => {
            p.out.files.push(main.clone());
            p.out.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::Io,
                loc: Loc { file: 0, line: 0 },
                message: m,
            });
        }
    }
    let mut out = p.out;
    out.metadata = src.meta;
    check(&mut out);
    out
}

/// Parses one file's bytes (includes are recorded, not followed), with the `visudo -c` checks.
///
/// ```
/// use ferret_accounts::sudoers::{parse, Name};
/// let s = parse(b"Defaults !authenticate\n%admin ALL=(ALL:ALL) NOPASSWD: ALL\n", "/etc/sudoers");
/// assert!(s.diagnostics.is_empty());
/// assert_eq!(s.user_specs[0].users[0].name, Name::Group(b"admin".to_vec()));
/// assert!(s.user_specs[0].privileges[0].commands[0].tags.nopasswd.is_on());
/// ```
pub fn parse(data: &[u8], path: impl AsRef<Path>) -> Sudoers {
    let mut src = NoFiles;
    let mut p = Parser::new(&mut src, Limits::default(), Vec::new());
    p.parse_file(path.as_ref(), data);
    let mut out = p.out;
    check(&mut out);
    out
}

/// The checks `visudo -c` makes after parsing (only when it parsed): unknown `Defaults`, bad
/// values, aliases used but not defined.
fn check(s: &mut Sudoers) {
    if s.has_syntax_errors() {
        // visudo makes these checks only on a policy that parsed
        return;
    }
    let mut diags = Vec::new();
    for d in &s.defaults {
        for e in &d.entries {
            let msg = match defaults::lookup(e.name.as_bytes()) {
                None => Some(format!("unknown defaults entry \"{}\"", e.name)),
                Some(set) => match (e.op, &e.value) {
                    (DefaultOp::Add | DefaultOp::Remove, _) if set.kind != defaults::Kind::List => {
                        Some(format!("\"{}\" is not a list", e.name))
                    }
                    (DefaultOp::Negate, _) if set.kind != defaults::Kind::Flag && !set.boolean => {
                        Some(format!("\"{}\" may not be used as a boolean", e.name))
                    }
                    (DefaultOp::Set, None) if set.kind != defaults::Kind::Flag && !set.boolean => {
                        Some(format!("no value specified for \"{}\"", e.name))
                    }
                    (_, Some(v)) if !defaults::value_ok(&set, v) => Some(format!(
                        "value \"{}\" is invalid for option \"{}\"",
                        ferret_core::escape::escape(v),
                        e.name
                    )),
                    _ => None,
                },
            };
            if let Some(message) = msg {
                diags.push(Diagnostic {
                    kind: DiagnosticKind::Check,
                    loc: e.loc,
                    message,
                });
            }
        }
    }
    let mut undefined = |kind: AliasKind, members: &[Member], loc: Loc| {
        for m in members {
            if let Name::Alias(a) = &m.name {
                if s.alias(kind, a).is_none() {
                    diags.push(Diagnostic {
                        kind: DiagnosticKind::Check,
                        loc,
                        message: format!("{} \"{a}\" referenced but not defined", kind.keyword()),
                    });
                }
            }
        }
    };
    for u in &s.user_specs {
        undefined(AliasKind::User, &u.users, u.loc);
        for p in &u.privileges {
            undefined(AliasKind::Host, &p.hosts, u.loc);
            for c in &p.commands {
                undefined(
                    AliasKind::Runas,
                    c.runas_users.as_deref().unwrap_or_default(),
                    c.loc,
                );
                undefined(
                    AliasKind::Runas,
                    c.runas_groups.as_deref().unwrap_or_default(),
                    c.loc,
                );
                undefined(AliasKind::Cmnd, std::slice::from_ref(&c.command), c.loc);
            }
        }
    }
    for d in &s.defaults {
        let kind = match &d.binding {
            Binding::Global => continue,
            Binding::User(_) => AliasKind::User,
            Binding::Host(_) => AliasKind::Host,
            Binding::Runas(_) => AliasKind::Runas,
            Binding::Cmnd(_) => AliasKind::Cmnd,
        };
        undefined(kind, d.binding.members(), d.loc);
    }
    for a in &s.aliases {
        undefined(a.kind, &a.members, a.loc);
    }
    s.diagnostics.extend(diags);
}

/// Fuzz entry point (see `<crate>::fuzzing`).
pub(crate) fn fuzz(data: &[u8]) {
    let s = parse(data, "/etc/sudoers");
    let again = parse(data, "/etc/sudoers");
    assert_eq!(s, again, "parsing is deterministic");
    for d in &s.diagnostics {
        assert!(d.loc.line >= 1, "diagnostics name a line");
    }
    let snap = crate::Snapshot::from_bytes(
        Some(b"root:x:0:0::/root:/bin/sh\n"),
        None,
        Some(b"root:x:0:\n"),
        None,
    );
    let acc = snap.view();
    let _ = audit::audit(&s, &acc, None);
    let _ = effective::effective(&s, &acc, b"root");
}
