//! Where services take their command lines, read once for every exposure check: systemd
//! units and their drop-ins (`ExecStart=`, `Environment=`), SysV init scripts and
//! `rc.local`, supervisor programs (`command=`), and the Entrypoint + Cmd of Docker and Podman
//! containers. A door opened by a flag (`redis-server --protected-mode no`,
//! `jupyter notebook --NotebookApp.token=`, `etcd --listen-client-urls http://0.0.0.0:2379`)
//! is found here, whatever the configuration file says.
//!
//! Only lines that name one of [`PROGRAMS`] are kept; words are split as systemd splits
//! `ExecStart=` (blanks, double quotes with backslash escapes, single quotes), which also
//! covers the simple lines of init scripts and supervisor files.

use crate::util::{list_dir, read_config};
use ferret_core::{FileKind, HostRoot, Outcome};
use std::collections::HashSet;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// System unit directories, in systemd's order of precedence.
pub const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// User unit directories of the packages and the administrator (`systemctl --user` units
/// every user gets; Debian's jupyter-notebook ships one).
pub const USER_UNIT_DIRS: &[&str] = &["/etc/systemd/user", "/usr/lib/systemd/user"];

/// SysV init places (scripts read whole, at most [`MAX_SCRIPTS`] of them).
pub const INIT_DIRS: &[&str] = &["/etc/init.d", "/etc/rc.d/init.d"];

/// `rc.local` files.
pub const RC_LOCAL: &[&str] = &["/etc/rc.local", "/etc/rc.d/rc.local"];

/// supervisord's main files and include directories (`[include] files=` is not followed: the
/// distributions' own include directories are listed).
pub const SUPERVISOR: &[&str] = &[
    "/etc/supervisord.conf",
    "/etc/supervisor/supervisord.conf",
    "/etc/supervisor/conf.d",
    "/etc/supervisord.d",
];

/// The program names whose command lines are kept.
pub const PROGRAMS: &[&[u8]] = &[
    b"redis-server",
    b"jupyter",
    b"jupyter-notebook",
    b"jupyter-lab",
    b"jupyter-server",
    b"start-notebook.sh",
    b"start-notebook.py",
    // Hadoop's units and scripts: only their `Environment=HADOOP_CONF_DIR=` matters.
    b"hadoop",
    b"yarn",
    b"kubelet",
    b"etcd",
    b"mongod",
];

/// Unit files read at most per directory, init scripts and supervisor files in all.
pub const MAX_SCRIPTS: usize = 4096;

/// Where a command line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A systemd unit (the unit's name) or one of its drop-ins.
    Unit(Vec<u8>),
    /// A SysV init script or `rc.local`.
    Script,
    /// A supervisor `command=`.
    Supervisor,
    /// A container's Entrypoint + Cmd: its name and whether it is reachable from outside
    /// (a published port, or the host's network).
    Container {
        /// The container's name (or id).
        name: Vec<u8>,
        /// Ports published on the host, or host networking.
        published: bool,
    },
}

/// One command line that starts a service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Launch {
    /// The file it was read from.
    pub file: PathBuf,
    /// 1-based line (`None` for a container's JSON).
    pub line: Option<u64>,
    /// The words, unquoted (systemd's `-@:+!` prefixes removed from the first).
    pub words: Vec<Vec<u8>>,
    /// `Environment=` assignments of the unit (`NAME`, `value`), in order.
    pub env: Vec<(Vec<u8>, Vec<u8>)>,
    /// Where it comes from.
    pub source: Source,
}

impl Launch {
    /// The index of the first word whose file name is `program`.
    pub fn program(&self, names: &[&[u8]]) -> Option<usize> {
        self.words.iter().position(|w| {
            let base = w.rsplit(|&c| c == b'/').next().unwrap_or_default();
            names.contains(&base)
        })
    }

    /// The value of an environment variable of the unit (the last assignment).
    pub fn env_var(&self, name: &[u8]) -> Option<&[u8]> {
        self.env
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// Splits a command line into words as systemd does for `ExecStart=`: blanks separate,
/// double quotes keep blanks and honour backslash escapes, single quotes keep everything,
/// a backslash outside quotes escapes the next byte. An unterminated quote ends at the end.
pub fn split_words(line: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut it = line.iter().copied();
    while let Some(c) = it.next() {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                if let Some(w) = cur.take() {
                    out.push(w);
                }
            }
            b'"' => {
                let w = cur.get_or_insert_with(Vec::new);
                while let Some(d) = it.next() {
                    match d {
                        b'"' => break,
                        b'\\' => {
                            if let Some(e) = it.next() {
                                w.push(e);
                            }
                        }
                        o => w.push(o),
                    }
                }
            }
            b'\'' => {
                let w = cur.get_or_insert_with(Vec::new);
                for d in it.by_ref() {
                    if d == b'\'' {
                        break;
                    }
                    w.push(d);
                }
            }
            b'\\' => {
                let w = cur.get_or_insert_with(Vec::new);
                if let Some(e) = it.next() {
                    w.push(e);
                }
            }
            o => cur.get_or_insert_with(Vec::new).push(o),
        }
    }
    if let Some(w) = cur {
        out.push(w);
    }
    out
}

/// Whether a line may name one of [`PROGRAMS`] (a cheap test before splitting).
fn names_program(l: &[u8]) -> bool {
    PROGRAMS.iter().any(|p| l.windows(p.len()).any(|w| w == *p))
}

/// The unit file of `name` (first in precedence) and its drop-ins, in the order systemd
/// applies them (drop-ins sorted by name).
pub fn unit_files(root: &HostRoot, name: &str, out: &mut Outcome) -> Vec<PathBuf> {
    unit_files_in(root, UNIT_DIRS, name, out)
}

fn unit_files_in(root: &HostRoot, dirs: &[&str], name: &str, out: &mut Outcome) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(f) = dirs
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| root.exists(p))
    {
        v.push(f);
    }
    let mut ins: Vec<PathBuf> = Vec::new();
    for d in dirs {
        let dir = format!("{d}/{name}.d");
        for p in list_dir(root, &dir, out) {
            // A drop-in of the same name in an earlier directory hides a later one.
            if p.extension().is_some_and(|e| e == "conf")
                && !ins.iter().any(|q| q.file_name() == p.file_name())
            {
                ins.push(p);
            }
        }
    }
    ins.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    v.extend(ins);
    v
}

/// One `Key=value` line of a unit: (key, value, 1-based line).
pub fn unit_lines(buf: &[u8]) -> impl Iterator<Item = (&[u8], &[u8], u64)> {
    buf.split(|&c| c == b'\n').enumerate().filter_map(|(i, l)| {
        let t = l.trim_ascii();
        if t.starts_with(b"#") || t.starts_with(b";") {
            return None;
        }
        let eq = t.iter().position(|&c| c == b'=')?;
        Some((
            t.get(..eq).unwrap_or_default().trim_ascii(),
            t.get(eq + 1..).unwrap_or_default().trim_ascii(),
            i as u64 + 1,
        ))
    })
}

/// Drops systemd's executable prefixes (`@`, `-`, `:`, `+`, `!`) from a command's first word.
fn strip_exec_prefix(mut words: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if let Some(first) = words.first_mut() {
        let n = first
            .iter()
            .take_while(|c| matches!(c, b'@' | b'-' | b':' | b'+' | b'!'))
            .count();
        first.drain(..n);
    }
    words
}

/// The `ExecStart=` command lines of one unit with its drop-ins (an empty `ExecStart=` resets
/// the list, as in systemd), and its `Environment=` assignments.
pub fn unit_launches(root: &HostRoot, name: &str, out: &mut Outcome) -> Vec<Launch> {
    unit_launches_in(root, UNIT_DIRS, name, out)
}

fn unit_launches_in(root: &HostRoot, dirs: &[&str], name: &str, out: &mut Outcome) -> Vec<Launch> {
    let mut exec: Vec<Launch> = Vec::new();
    let mut env: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for f in unit_files_in(root, dirs, name, out) {
        let Some(buf) = read_config(root, &f, out) else {
            continue;
        };
        for (k, v, line) in unit_lines(&buf) {
            match k {
                b"ExecStart" if v.is_empty() => exec.clear(),
                b"ExecStart" => exec.push(Launch {
                    file: f.clone(),
                    line: Some(line),
                    words: strip_exec_prefix(split_words(v)),
                    env: Vec::new(),
                    source: Source::Unit(name.as_bytes().to_vec()),
                }),
                b"Environment" => {
                    for w in split_words(v) {
                        if let Some(eq) = w.iter().position(|&c| c == b'=') {
                            env.push((
                                w.get(..eq).unwrap_or_default().to_vec(),
                                w.get(eq + 1..).unwrap_or_default().to_vec(),
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for l in &mut exec {
        l.env.clone_from(&env);
    }
    exec
}

/// The command lines of a host that name one of [`PROGRAMS`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Launches {
    /// Every command line kept.
    pub all: Vec<Launch>,
}

impl Launches {
    /// Reads the units, init scripts and supervisor files of `root`; `containers` adds the
    /// containers' command lines (see [`super::docker::containers`]).
    pub fn collect(
        root: &HostRoot,
        containers: &[(PathBuf, super::docker::Container)],
        out: &mut Outcome,
    ) -> Self {
        let mut all = Vec::new();
        // System units, then the user units every user gets.
        let mut names: HashSet<std::ffi::OsString> = HashSet::new();
        for d in UNIT_DIRS {
            all.extend(units_in(root, d, &mut names, UNIT_DIRS, out));
        }
        let mut user_names: HashSet<std::ffi::OsString> = HashSet::new();
        for d in USER_UNIT_DIRS {
            all.extend(units_in(root, d, &mut user_names, USER_UNIT_DIRS, out));
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for d in INIT_DIRS {
            files.extend(list_dir(root, d, out));
        }
        files.extend(RC_LOCAL.iter().map(PathBuf::from));
        let script_files = files.len();
        for d in SUPERVISOR {
            if root.lstat(d).is_ok_and(|s| s.kind == FileKind::Directory) {
                files.extend(
                    list_dir(root, d, out)
                        .into_iter()
                        .filter(|p| p.extension().is_some_and(|e| e == "conf" || e == "ini")),
                );
            } else {
                files.push(PathBuf::from(d));
            }
        }
        for (n, f) in files.iter().enumerate().take(MAX_SCRIPTS) {
            // Symlinked scripts (RHEL's /etc/init.d -> rc.d/init.d entries) are read once.
            if root.lstat(f).is_ok_and(|s| s.kind != FileKind::Regular) {
                continue;
            }
            let Some(buf) = read_config(root, f, out) else {
                continue;
            };
            if !names_program(&buf) {
                continue;
            }
            let supervisor = n >= script_files;
            for (i, l) in buf.split(|&c| c == b'\n').enumerate() {
                let t = l.trim_ascii();
                if t.starts_with(b"#") || t.starts_with(b";") || !names_program(t) {
                    continue;
                }
                let cmd = if supervisor {
                    let Some((k, v)) = t.split_once_byte(b'=') else {
                        continue;
                    };
                    if k.trim_ascii() != b"command" {
                        continue;
                    }
                    v
                } else {
                    t
                };
                all.push(Launch {
                    file: f.clone(),
                    line: Some(i as u64 + 1),
                    words: split_words(cmd),
                    env: Vec::new(),
                    source: if supervisor {
                        Source::Supervisor
                    } else {
                        Source::Script
                    },
                });
            }
        }
        for (dir, c) in containers {
            if !c.argv.iter().any(|w| names_program(w)) {
                continue;
            }
            all.push(Launch {
                file: c.files(dir).0,
                line: None,
                words: c.argv.clone(),
                env: Vec::new(),
                source: Source::Container {
                    name: if c.name.is_empty() {
                        c.id.clone()
                    } else {
                        c.name.clone()
                    },
                    published: c.published,
                },
            });
        }
        Self { all }
    }

    /// The command lines that run one of `names`, with the index of the program's word.
    pub fn of<'a>(&'a self, names: &'a [&'a [u8]]) -> impl Iterator<Item = (&'a Launch, usize)> {
        self.all
            .iter()
            .filter_map(move |l| l.program(names).map(|i| (l, i)))
    }
}

/// A command line for a report: the words joined by blanks, the value after a secret-named
/// option (`--requirepass X`, `--masterauth X`) and whatever
/// [`ferret_core::command::mask_secrets`] finds (`--NotebookApp.token=X`, `PASSWORD=X`)
/// replaced by `***`.
pub fn masked(words: &[Vec<u8>]) -> Vec<u8> {
    let mut v: Vec<Vec<u8>> = Vec::with_capacity(words.len());
    let mut hide = false;
    for w in words {
        if hide && !w.is_empty() {
            v.push(b"***".to_vec());
        } else {
            v.push(w.clone());
        }
        let u = w.to_ascii_uppercase();
        hide = u.starts_with(b"--")
            && !u.contains(&b'=')
            && [&b"PASS"[..], b"AUTH", b"TOKEN", b"SECRET"]
                .iter()
                .any(|k| u.windows(k.len()).any(|x| x == *k));
    }
    ferret_core::command::mask_secrets(&v.join(&b' '))
}

/// The launches of the units of directory `d` not yet seen in `names` (the first
/// directory's file of a name wins; a symlink there, an alias or a mask, hides the later
/// ones), `dirs` being the directory list `d` belongs to.
fn units_in(
    root: &HostRoot,
    d: &str,
    names: &mut HashSet<std::ffi::OsString>,
    dirs: &[&str],
    out: &mut Outcome,
) -> Vec<Launch> {
    let mut all = Vec::new();
    // The units that have drop-in directories (`NAME.service.d`) in any of `dirs`: only
    // those need the search through every directory; the others are one file.
    let mut dropins: HashSet<Vec<u8>> = HashSet::new();
    for dd in dirs {
        if let Ok(es) = root.read_dir(dd) {
            for e in es {
                if let Some(n) = e.name.as_bytes().strip_suffix(b".d") {
                    dropins.insert(n.to_vec());
                }
            }
        }
    }
    let Ok(entries) = root.read_dir(d) else {
        return all;
    };
    for e in entries.into_iter().take(MAX_SCRIPTS) {
        let n = e.name.as_bytes();
        if !n.ends_with(b".service") || !names.insert(e.name.clone()) {
            continue;
        }
        if e.kind == Some(FileKind::Symlink) {
            continue;
        }
        // Read only units whose text (or a drop-in's) names a program.
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let named = if dropins.contains(n) {
            unit_files_in(root, dirs, name, out)
                .iter()
                .any(|f| read_config(root, f, out).is_some_and(|b| names_program(&b)))
        } else {
            read_config(root, &Path::new(d).join(&e.name), out).is_some_and(|b| names_program(&b))
        };
        if named {
            all.extend(
                unit_launches_in(root, dirs, name, out)
                    .into_iter()
                    .filter(|l| l.words.iter().any(|w| names_program(w))),
            );
        }
    }
    all
}

trait SplitOnce {
    fn split_once_byte(&self, b: u8) -> Option<(&[u8], &[u8])>;
}

impl SplitOnce for [u8] {
    fn split_once_byte(&self, b: u8) -> Option<(&[u8], &[u8])> {
        let i = self.iter().position(|&c| c == b)?;
        Some((self.get(..i)?, self.get(i + 1..)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_like_systemd() {
        assert_eq!(
            split_words(br#"/usr/bin/redis-server "/etc/redis/my conf" --bind 0.0.0.0 --requirepass '' x\ y"#),
            vec![
                b"/usr/bin/redis-server".to_vec(),
                b"/etc/redis/my conf".to_vec(),
                b"--bind".to_vec(),
                b"0.0.0.0".to_vec(),
                b"--requirepass".to_vec(),
                Vec::new(),
                b"x y".to_vec()
            ]
        );
        assert_eq!(split_words(b"a \"b"), vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(split_words(b"  ").is_empty());
    }
}
