//! Where a path lies: the places attackers drop files, system paths, the kernel-module tree,
//! homes, and hidden directories. Pure functions of the path bytes (and the homes), so the
//! rules are testable without a filesystem.
//!
//! ```
//! use ferret_scan::places::{place_of, hidden_dir, Hidden, Place};
//! let homes = vec![b"/root".to_vec()];
//! assert_eq!(place_of(b"/var/tmp/x", &homes), Place::Temp);
//! assert_eq!(place_of(b"/usr/sbin/sshd", &homes), Place::SystemBin);
//! // A dot-directory directly in a home is configuration; one nested inside it is not.
//! assert_eq!(hidden_dir(b"/root/.cache/x", &homes), Hidden::None);
//! assert_eq!(hidden_dir(b"/root/.cache/.x/xmrig", &homes), Hidden::Suspicious(b"/root/.cache/.x".to_vec()));
//! assert_eq!(hidden_dir(b"/usr/share/.../kit", &homes), Hidden::Deceptive(b"/usr/share/...".to_vec()));
//! ```

/// The kind of place a path lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Place {
    /// `/tmp`, `/var/tmp`.
    Temp,
    /// `/dev/shm` (tmpfs shared memory: nothing legitimate runs from it).
    Shm,
    /// `/run` (`/var/run`).
    Run,
    /// `/var/log`.
    Log,
    /// `/var/spool`.
    Spool,
    /// `/var/lib`.
    VarLib,
    /// `/usr/local`.
    UsrLocal,
    /// `/opt`.
    Opt,
    /// `/etc`.
    Etc,
    /// A home directory (from passwd, and `/root`).
    Home,
    /// `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`.
    SystemBin,
    /// `/lib*`, `/usr/lib*` (outside the module tree).
    SystemLib,
    /// `/lib/modules`, `/usr/lib/modules`.
    ModuleTree,
    /// Anywhere else.
    Other,
}

impl Place {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Place::Temp => "temporary directory",
            Place::Shm => "shared-memory directory",
            Place::Run => "runtime directory",
            Place::Log => "log directory",
            Place::Spool => "spool directory",
            Place::VarLib => "/var/lib",
            Place::UsrLocal => "/usr/local",
            Place::Opt => "/opt",
            Place::Etc => "/etc",
            Place::Home => "home directory",
            Place::SystemBin => "system binary directory",
            Place::SystemLib => "system library directory",
            Place::ModuleTree => "kernel module tree",
            Place::Other => "elsewhere",
        }
    }

    /// The drop locations whose every file is classified: temporary, shared-memory, runtime,
    /// log and spool directories.
    pub fn is_drop(self) -> bool {
        matches!(
            self,
            Place::Temp | Place::Shm | Place::Run | Place::Log | Place::Spool
        )
    }

    /// The places whose likely candidates are classified (executables, configuration-like and
    /// disguised names): `/var/lib`, `/usr/local`, `/opt`, `/etc`, homes.
    pub fn is_selective(self) -> bool {
        matches!(
            self,
            Place::VarLib | Place::UsrLocal | Place::Opt | Place::Etc | Place::Home
        )
    }

    /// The system paths whose unowned executables are reported.
    pub fn is_system(self) -> bool {
        matches!(self, Place::SystemBin | Place::SystemLib)
    }
}

/// The directories walked for drop locations (inside the root), with their place. `/lib` and
/// `/usr/lib` are walked too but only their unowned files are classified; homes come from
/// passwd.
pub const DROP_DIRS: &[(&str, Place)] = &[
    ("/tmp", Place::Temp),
    ("/var/tmp", Place::Temp),
    ("/dev/shm", Place::Shm),
    ("/run", Place::Run),
    ("/var/log", Place::Log),
    ("/var/spool", Place::Spool),
    ("/var/lib", Place::VarLib),
    ("/usr/local", Place::UsrLocal),
    ("/opt", Place::Opt),
    ("/etc", Place::Etc),
    ("/root", Place::Home),
    ("/bin", Place::SystemBin),
    ("/sbin", Place::SystemBin),
    ("/usr/bin", Place::SystemBin),
    ("/usr/sbin", Place::SystemBin),
    ("/lib", Place::SystemLib),
    ("/lib32", Place::SystemLib),
    ("/lib64", Place::SystemLib),
    ("/libx32", Place::SystemLib),
    ("/usr/lib", Place::SystemLib),
    ("/usr/lib32", Place::SystemLib),
    ("/usr/lib64", Place::SystemLib),
    ("/usr/libx32", Place::SystemLib),
];

/// The usual web roots outside the places above (see [`crate::webshell::USUAL_ROOTS`]; those
/// in homes, `/opt`, `/usr/local` and `/var/lib` are covered by their place): where the
/// renamed-tool comparison also looks, see [`tool_copy_place`].
pub const WEB_PREFIXES: &[&[u8]] = &[
    b"/var/www",
    b"/srv",
    b"/www",
    b"/data/wwwroot",
    b"/usr/share/nginx",
    b"/usr/share/tomcat",
];

/// Whether the renamed-tool comparison (a file of the same size as a packaged `curl`, `wget`,
/// `nc`, `socat`, `busybox`, ... is hashed and compared) looks at a file of `place` at `path`:
/// where attackers put such copies, that is everywhere but [`Place::Other`] and the kernel-module
/// tree, plus the usual web roots ([`WEB_PREFIXES`]). Files below a hidden directory are
/// compared wherever they lie (the scan asks that separately). Elsewhere (build trees, caches,
/// `/usr/share`, `/usr/include`, ...) a file is passed over by its name and listed type alone,
/// without an `lstat` for its size.
///
/// ```
/// use ferret_scan::places::{place_of, tool_copy_place};
/// let at = |p: &[u8]| tool_copy_place(p, place_of(p, &[b"/root".to_vec()]));
/// assert!(at(b"/tmp/x") && at(b"/root/bin/kworker") && at(b"/usr/local/bin/x"));
/// assert!(at(b"/usr/bin/x") && at(b"/var/www/html/x") && at(b"/srv/x"));
/// assert!(!at(b"/work/target/debug/x") && !at(b"/usr/share/doc/x"));
/// assert!(!at(b"/lib/modules/6.1.0/kernel/x.ko"));
/// ```
pub fn tool_copy_place(path: &[u8], place: Place) -> bool {
    match place {
        Place::Other => WEB_PREFIXES.iter().any(|w| under(path, w)),
        Place::ModuleTree => false,
        _ => true,
    }
}

/// Whether `path` is `dir` or lies below it.
pub fn under(path: &[u8], dir: &[u8]) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.first() == Some(&b'/') || dir == b"/")
}

/// The place of a path inside the root. `homes` are the home directories (absolute, without a
/// trailing slash).
pub fn place_of(path: &[u8], homes: &[Vec<u8>]) -> Place {
    for (dir, place) in DROP_DIRS {
        // The second byte first: most directories are passed over without a comparison.
        if dir.as_bytes().get(1) == path.get(1) && under(path, dir.as_bytes()) {
            if *place == Place::SystemLib
                && (under(path, b"/lib/modules") || under(path, b"/usr/lib/modules"))
            {
                return Place::ModuleTree;
            }
            if *place == Place::Run && under(path, b"/run/user") {
                // Per-user runtime directories are tmpfs like /tmp.
                return Place::Temp;
            }
            return *place;
        }
    }
    if under(path, b"/var/run") {
        return Place::Run;
    }
    if homes.iter().any(|h| under(path, h)) {
        return Place::Home;
    }
    Place::Other
}

/// Whether a name is made only of dots, spaces and tabs (`...`, `. `, ` `) without being `.`
/// or `..`: a directory name meant to be overlooked in `ls` output.
pub fn is_deceptive_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name != b"."
        && name != b".."
        && name.iter().all(|c| matches!(c, b'.' | b' ' | b'\t'))
}

/// Hidden directory names that tools create everywhere: version control, build caches and
/// editor state. A file below one of them does not count as hidden.
pub const BENIGN_HIDDEN: &[&[u8]] = &[
    b".git",
    b".github",
    b".build-id",
    b".gitlab",
    b".svn",
    b".hg",
    b".bzr",
    b".cargo",
    b".fingerprint",
    b".venv",
    b".tox",
    b".mypy_cache",
    b".pytest_cache",
    b".ruff_cache",
    b".idea",
    b".vscode",
    b".devcontainer",
    b".circleci",
    b".husky",
    b".libs",
    b".deps",
    b".bin",
    b".pc",
    b".well-known",
    b".X11-unix",
    b".ICE-unix",
    b".XIM-unix",
    b".font-unix",
    b".Test-unix",
    b".java",
];

/// Whether a path is below a hidden directory, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hidden {
    /// No hidden directory, or only benign ones.
    None,
    /// Below a hidden directory that is neither directly in a home nor a tool's
    /// ([`BENIGN_HIDDEN`]); the directory's path.
    Suspicious(Vec<u8>),
    /// Below a directory named only with dots and spaces (`...`); the directory's path.
    Deceptive(Vec<u8>),
}

/// Whether the directories of `path` (its last component excluded) include a hidden one. A
/// name starting with `.` counts, or one made of dots and spaces; a dot-directory directly in
/// a home (`~/.cache`, `~/.config`) or in `/etc/skel`, or named in [`BENIGN_HIDDEN`], does not,
/// unless its name is deceptive. A deceptive directory anywhere wins over a merely hidden one.
pub fn hidden_dir(path: &[u8], homes: &[Vec<u8>]) -> Hidden {
    let mut first_suspicious: Option<Vec<u8>> = None;
    let Some(last_slash) = memchr::memrchr(b'/', path) else {
        return Hidden::None;
    };
    let dirs = path.get(..last_slash).unwrap_or_default();
    let mut start = 0usize;
    while start < dirs.len() {
        let end = memchr::memchr(b'/', dirs.get(start + 1..).unwrap_or_default())
            .map_or(dirs.len(), |i| start + 1 + i);
        let comp = dirs.get(start + 1..end).unwrap_or_default();
        let parent = dirs.get(..start).unwrap_or_default();
        let full = dirs.get(..end).unwrap_or_default();
        if is_deceptive_name(comp) {
            return Hidden::Deceptive(full.to_vec());
        }
        if comp.first() == Some(&b'.') && first_suspicious.is_none() {
            let in_home = homes.iter().any(|h| h.as_slice() == parent) || parent == b"/etc/skel";
            let benign = BENIGN_HIDDEN.contains(&comp);
            if !in_home && !benign {
                first_suspicious = Some(full.to_vec());
            }
        }
        start = end;
    }
    first_suspicious.map_or(Hidden::None, Hidden::Suspicious)
}

/// The `:`-separated fields of each line of a passwd file, as they are (the one split of
/// passwd lines in this crate; ferret-accounts holds the full parser and audit).
pub(crate) fn passwd_lines(passwd: &[u8]) -> impl Iterator<Item = Vec<&[u8]>> {
    passwd
        .split(|b| *b == b'\n')
        .map(|line| line.split(|b| *b == b':').collect())
}

/// Homes from an `/etc/passwd` buffer: the sixth field of each line, absolute, not `/`, not
/// a drop location or system path, without a trailing slash; `/root` always. Sorted, unique.
pub fn homes_from_passwd(passwd: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![b"/root".to_vec()];
    for fields in passwd_lines(passwd) {
        let Some(home) = fields.get(5) else {
            continue;
        };
        let mut h = home.trim_ascii().to_vec();
        while h.len() > 1 && h.ends_with(b"/") {
            h.pop();
        }
        if h.first() != Some(&b'/') || h == b"/" || h.contains(&0) {
            continue;
        }
        let p = place_of(&h, &[]);
        if p.is_drop() || p.is_system() || p == Place::ModuleTree {
            continue;
        }
        let pseudo = [&b"/proc"[..], b"/sys", b"/dev", b"/nonexistent"]
            .iter()
            .any(|d| under(&h, d));
        if pseudo || [&b"/usr"[..], b"/var", b"/etc"].contains(&h.as_slice()) {
            continue;
        }
        out.push(h);
    }
    out.sort();
    out.dedup();
    out
}

/// Directories in an exec position (see [`exec_position`]).
const EXEC_DIRS: &[&[u8]] = &[
    b"/etc/cron.d",
    b"/etc/cron.hourly",
    b"/etc/cron.daily",
    b"/etc/cron.weekly",
    b"/etc/cron.monthly",
    b"/etc/init.d",
    b"/etc/rc.d",
    b"/etc/profile.d",
    b"/etc/update-motd.d",
    b"/etc/systemd",
    b"/lib/systemd/system",
    b"/usr/lib/systemd/system",
    b"/var/spool/cron",
    b"/usr/local/bin",
    b"/usr/local/sbin",
];
/// Files in an exec position.
const EXEC_FILES: &[&[u8]] = &[
    b"/etc/crontab",
    b"/etc/rc.local",
    b"/etc/profile",
    b"/etc/bash.bashrc",
    b"/etc/environment",
];
/// Every one of [`EXEC_DIRS`] and [`EXEC_FILES`] lies below one of these.
const EXEC_ROOTS: &[&[u8]] = &[b"/etc/", b"/lib/", b"/usr/", b"/var/spool/"];

/// Where the system runs or sources files from: a script (or a cron table, a unit) here is
/// "in an exec position" even without an execute bit, and its command lines are classified.
pub fn exec_position(path: &[u8], homes: &[Vec<u8>]) -> bool {
    // Most paths lie below none of the roots and are passed over at once.
    let system = EXEC_ROOTS.iter().any(|d| path.starts_with(d));
    if system && (EXEC_FILES.contains(&path) || EXEC_DIRS.iter().any(|d| under(path, d))) {
        return true;
    }
    // /etc/rc0.d ... /etc/rc6.d, /etc/rcS.d
    if let Some(rest) = path.strip_prefix(b"/etc/rc") {
        if rest.get(1..4) == Some(b".d/") {
            return true;
        }
    }
    homes.iter().any(|h| {
        path.strip_prefix(h.as_slice()).is_some_and(|rest| {
            matches!(
                rest,
                b"/.bashrc" | b"/.profile" | b"/.bash_profile" | b"/.bash_login" | b"/.zshrc"
            ) || rest.starts_with(b"/.config/systemd/user/")
                || rest.starts_with(b"/.config/autostart/")
        })
    })
}

/// What kind of command file a path is, for extracting its command lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CommandFile {
    /// `/etc/crontab`, `/etc/cron.d/*`: five time fields, a user, the command.
    SystemCrontab,
    /// `/var/spool/cron/**`: five time fields, the command.
    UserCrontab,
    /// A systemd unit: `Exec*=` values.
    SystemdUnit,
    /// A script: every line.
    Script,
}

/// Whether `path` contains `/.config/systemd/`: a search for its rare `y` first (a
/// `memmem::find` here built a new searcher on each of the scan's hundreds of thousands of
/// calls, about 1% of its CPU time).
fn contains_user_systemd_dir(path: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"/.config/systemd/";
    // The `y` of `systemd` is at offset 10 of the needle.
    memchr::memchr_iter(b'y', path).any(|i| {
        i.checked_sub(10)
            .and_then(|start| path.get(start..start + NEEDLE.len()))
            .is_some_and(|w| w == NEEDLE)
    })
}

/// The command-file kind of a path, by location and name (scripts are found by content).
pub(crate) fn command_file(path: &[u8]) -> Option<CommandFile> {
    const UNIT_EXT: &[&[u8]] = &[b".service", b".timer", b".socket", b".path", b".mount"];
    if path == b"/etc/crontab" || under(path, b"/etc/cron.d") {
        return Some(CommandFile::SystemCrontab);
    }
    if under(path, b"/var/spool/cron") {
        return Some(CommandFile::UserCrontab);
    }
    let systemd_dir = under(path, b"/etc/systemd")
        || under(path, b"/lib/systemd")
        || under(path, b"/usr/lib/systemd")
        || contains_user_systemd_dir(path);
    if systemd_dir && UNIT_EXT.iter().any(|e| path.ends_with(e)) {
        return Some(CommandFile::SystemdUnit);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places() {
        let homes = vec![b"/home/alice".to_vec(), b"/root".to_vec()];
        assert_eq!(place_of(b"/tmp", &homes), Place::Temp);
        assert_eq!(place_of(b"/tmpx/y", &homes), Place::Other);
        assert_eq!(place_of(b"/run/user/1000/x", &homes), Place::Temp);
        assert_eq!(place_of(b"/var/run/x", &homes), Place::Run);
        assert_eq!(
            place_of(b"/lib/modules/6.1.0/x.ko", &homes),
            Place::ModuleTree
        );
        assert_eq!(
            place_of(b"/usr/lib/x86_64-linux-gnu/libc.so.6", &homes),
            Place::SystemLib
        );
        assert_eq!(place_of(b"/usr/libexec/x", &homes), Place::Other);
        assert_eq!(place_of(b"/home/alice/.ssh/x", &homes), Place::Home);
        assert_eq!(place_of(b"/home/bob/x", &homes), Place::Other);
        assert!(under(b"/", b"/"));
        assert!(under(b"/x", b"/"));
    }

    #[test]
    fn hidden_rules() {
        let homes = vec![b"/home/alice".to_vec(), b"/root".to_vec()];
        assert_eq!(hidden_dir(b"/home/alice/.config/x", &homes), Hidden::None);
        assert_eq!(hidden_dir(b"/srv/app/.git/hooks/x", &homes), Hidden::None);
        assert_eq!(hidden_dir(b"/home/alice/.x", &homes), Hidden::None); // a file, not a dir
        assert_eq!(
            hidden_dir(b"/tmp/.x/y", &homes),
            Hidden::Suspicious(b"/tmp/.x".to_vec())
        );
        assert_eq!(
            hidden_dir(b"/var/tmp/ /y", &homes),
            Hidden::Deceptive(b"/var/tmp/ ".to_vec())
        );
        assert_eq!(
            hidden_dir(b"/.x/. /z", &homes),
            Hidden::Deceptive(b"/.x/. ".to_vec())
        );
        assert_eq!(hidden_dir(b"/etc/skel/.config/x", &homes), Hidden::None);
        assert!(is_deceptive_name(b"..."));
        assert!(is_deceptive_name(b" "));
        assert!(!is_deceptive_name(b".."));
        assert!(!is_deceptive_name(b".x"));
    }

    #[test]
    fn homes_and_positions() {
        let h = homes_from_passwd(
            b"root:x:0:0::/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n\
              a:x:1000:1000::/home/a/:/bin/sh\nd:x:1:1::/usr/sbin:/x\nt:x:2:2::/tmp:/x\npg:x:3:3::/var/lib/postgresql:/x\nbad\n",
        );
        assert_eq!(
            h,
            vec![
                b"/home/a".to_vec(),
                b"/root".to_vec(),
                b"/var/lib/postgresql".to_vec()
            ]
        );
        assert!(exec_position(b"/etc/cron.d/x", &h));
        assert!(exec_position(b"/etc/rc3.d/S01x", &h));
        assert!(exec_position(b"/home/a/.bashrc", &h));
        assert!(!exec_position(b"/etc/passwd", &h));
        // The quick test by root passes over none of them.
        for p in EXEC_DIRS.iter().chain(EXEC_FILES) {
            assert!(EXEC_ROOTS.iter().any(|r| p.starts_with(r)), "{p:?}");
            assert!(exec_position(p, &[]), "{p:?}");
        }
        for d in EXEC_DIRS {
            assert!(exec_position(&[*d, &b"/x"[..]].concat(), &[]), "{d:?}");
        }
        assert_eq!(
            command_file(b"/etc/systemd/system/x.service"),
            Some(CommandFile::SystemdUnit)
        );
        assert_eq!(
            command_file(b"/var/spool/cron/crontabs/root"),
            Some(CommandFile::UserCrontab)
        );
        assert_eq!(command_file(b"/etc/cron.daily/x"), None);
        for (p, want) in [
            (&b"/home/a/.config/systemd/user/x.service"[..], true),
            (b"/.config/systemd/x", true),
            (b"/home/a/.config/systemd", false),
            (b"/home/a/.config/systemdx/", false),
            (b"systemd/y", false),
            (b"", false),
        ] {
            assert_eq!(contains_user_systemd_dir(p), want, "{p:?}");
            assert_eq!(
                contains_user_systemd_dir(p),
                memchr::memmem::find(p, b"/.config/systemd/").is_some()
            );
        }
    }
}
