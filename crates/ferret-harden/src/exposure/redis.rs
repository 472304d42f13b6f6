//! Redis reachable without authentication: `redis.conf` read where Debian/Ubuntu
//! (`/etc/redis/redis.conf`), CentOS 7 and EPEL (`/etc/redis.conf`), Rocky/RHEL 9 and Alibaba
//! Cloud Linux (`/etc/redis/redis.conf`), Redis's `utils/install_server.sh`
//! (`/etc/redis/6379.conf`), BT-Panel (`/www/server/redis/redis.conf`) and the tarball's usual
//! homes (`/usr/local/redis/`, `/usr/local/etc/`, `/opt/redis/`) put it, with its `include`
//! directives followed (globs, [`MAX_FILES`] files, [`MAX_DEPTH`] levels) and its `aclfile`.
//!
//! Lines are split as Redis's `sdssplitargs` does (double quotes with `\n`, `\xHH` escapes,
//! single quotes); a later directive overrides an earlier one, as when Redis loads the file.

use crate::util::{line_error, pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// Configuration files of a Redis server, by distribution and installer.
pub const CONFIGS: &[&str] = &[
    "/etc/redis/redis.conf",
    "/etc/redis.conf",
    "/etc/redis/6379.conf",
    "/etc/redis-server.conf",
    "/www/server/redis/redis.conf",
    "/usr/local/redis/redis.conf",
    "/usr/local/redis/etc/redis.conf",
    "/usr/local/etc/redis.conf",
    "/usr/local/etc/redis/redis.conf",
    "/opt/redis/redis.conf",
    "/opt/redis/etc/redis.conf",
];

/// Files read at most for one server (the main file, its includes and its ACL file).
pub const MAX_FILES: usize = 32;
/// Include nesting followed at most.
pub const MAX_DEPTH: usize = 8;

/// One directive: its 1-based line and its arguments (the name first, as written).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Directive {
    /// 1-based line.
    pub line: u64,
    /// The arguments, unquoted; the first is the directive name.
    pub args: Vec<Vec<u8>>,
}

/// Splits a line as Redis's `sdssplitargs`; `None` for unbalanced quotes (Redis refuses the
/// file).
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while line.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if i >= line.len() {
            return Some(out);
        }
        let mut cur = Vec::new();
        let (mut dq, mut sq) = (false, false);
        loop {
            let c = line.get(i).copied();
            if dq {
                match c {
                    None => return None,
                    Some(b'\\') if line.get(i + 1) == Some(&b'x') => {
                        let h = line.get(i + 2..i + 4).and_then(|h| {
                            u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
                        });
                        if let Some(h) = h {
                            cur.push(h);
                            i += 3;
                        } else {
                            cur.push(b'\\');
                        }
                    }
                    Some(b'\\') if line.get(i + 1).is_some() => {
                        i += 1;
                        cur.push(match line.get(i).copied().unwrap_or_default() {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            o => o,
                        });
                    }
                    Some(b'"') => {
                        // The closing quote must be followed by a space or the end.
                        if line.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(o) => cur.push(o),
                }
            } else if sq {
                match c {
                    None => return None,
                    Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                        i += 1;
                        cur.push(b'\'');
                    }
                    Some(b'\'') => {
                        if line.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return None;
                        }
                        i += 1;
                        break;
                    }
                    Some(o) => cur.push(o),
                }
            } else {
                match c {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => dq = true,
                    Some(b'\'') => sq = true,
                    Some(o) => cur.push(o),
                }
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// Parses a redis.conf (or ACL file) buffer: each directive, or the line number of a line
/// Redis would refuse (unbalanced quotes).
pub fn parse(data: &[u8]) -> Vec<Result<Directive, u64>> {
    let mut out = Vec::new();
    for (i, raw) in data.split(|&c| c == b'\n').enumerate() {
        let line = i as u64 + 1;
        let t = raw.trim_ascii();
        if t.is_empty() || t.first() == Some(&b'#') {
            continue;
        }
        match split_args(t) {
            Some(args) if !args.is_empty() => out.push(Ok(Directive { line, args })),
            Some(_) => {}
            None => out.push(Err(line)),
        }
    }
    out
}

/// Where a value was set: file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Origin {
    /// The file, inside the root.
    pub file: PathBuf,
    /// 1-based line (0: the whole file, a container's JSON).
    pub line: u64,
    /// The line's arguments joined by blanks (never a password: `requirepass` and ACL
    /// passwords are not kept).
    pub text: Vec<u8>,
}

/// The settings of one Redis server that decide who can reach it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedisSettings {
    /// The main configuration file.
    pub file: PathBuf,
    /// `bind` addresses (the last `bind` line), with where; `None` when absent (all
    /// interfaces).
    pub bind: Option<(Vec<Vec<u8>>, Origin)>,
    /// `protected-mode` (default yes), with where it was set.
    pub protected_mode: Option<(bool, Origin)>,
    /// `port` (default 6379); 0 disables TCP.
    pub port: Option<u64>,
    /// `tls-port` when set and not 0.
    pub tls_port: Option<u64>,
    /// A non-empty `requirepass` was set.
    pub requirepass: bool,
    /// The `default` ACL user: `Some(true)` when it has a password or is off, `Some(false)`
    /// when `nopass` (or `resetpass` last).
    pub default_user_protected: Option<bool>,
    /// `rename-command CONFIG` to something else (`""` disables it), with where.
    pub config_renamed: Option<Origin>,
    /// Files that were read (main, includes, ACL file).
    pub files: Vec<PathBuf>,
    /// The command line that starts the server, when its options change what the file says
    /// (or there is no file); line 0 for a container's JSON. Passwords are masked.
    pub launch: Option<Origin>,
    /// For a container: whether a port is published (or the host's network shared).
    pub published: Option<bool>,
    /// The installed Redis package's version (`5:7.0.15-1~deb12u1`, `3.2.12`), looked up
    /// for a host's server only when the answer depends on it (an explicit `bind` with
    /// protected mode on); `None` when no package database records Redis.
    pub version: Option<Vec<u8>>,
}

impl RedisSettings {
    /// Whether a client that sends no password is served (no `requirepass`, default user
    /// without password).
    pub fn open_without_auth(&self) -> bool {
        match self.default_user_protected {
            Some(p) => !p,
            None => !self.requirepass,
        }
    }

    /// Whether it listens on TCP at all.
    pub fn listens(&self) -> bool {
        self.port != Some(0) || self.tls_port.is_some()
    }

    /// `protected-mode`, default yes.
    pub fn protected(&self) -> bool {
        self.protected_mode.as_ref().is_none_or(|(p, _)| *p)
    }
}

pub use super::Reach;

/// The reach of a `bind` list (`None`: no bind line, every interface). A leading `-` marks
/// an optional address in Redis 7 and is ignored here.
pub fn reach(bind: Option<&[Vec<u8>]>) -> Reach {
    let Some(addrs) = bind else {
        return Reach::All;
    };
    let mut r = Reach::Loopback;
    for a in addrs {
        r = r.max(Reach::of_host(a.strip_prefix(b"-").unwrap_or(a)));
    }
    r
}

fn origin(file: &Path, d: &Directive, keep_args: usize) -> Origin {
    Origin {
        file: file.to_path_buf(),
        line: d.line,
        text: d
            .args
            .iter()
            .take(keep_args)
            .cloned()
            .collect::<Vec<_>>()
            .join(&b' '),
    }
}

/// Applies the `user default ...` rules of an ACL line to `state`.
fn acl_default(args: &[Vec<u8>], state: &mut Option<bool>) {
    if args.get(1).map(Vec::as_slice) != Some(b"default") {
        return;
    }
    let mut protected = state.unwrap_or(false);
    for r in args.iter().skip(2) {
        match r.as_slice() {
            // A disabled default user: every client must AUTH as another user.
            b"off" => protected = true,
            b"resetpass" | b"nopass" | b"reset" => protected = false,
            b"on" => {}
            _ if r.first() == Some(&b'>') || r.first() == Some(&b'#') => protected = true,
            _ => {}
        }
    }
    *state = Some(protected);
}

struct Loader<'a> {
    root: &'a HostRoot,
    s: RedisSettings,
    aclfile: Option<PathBuf>,
}

impl Loader<'_> {
    fn load(&mut self, file: &Path, depth: usize, out: &mut Outcome) {
        if self.s.files.len() >= MAX_FILES || self.s.files.iter().any(|f| f == file) {
            return;
        }
        let Some(buf) = read_config(self.root, file, out) else {
            return;
        };
        self.s.files.push(file.to_path_buf());
        for d in parse(&buf) {
            match d {
                Ok(d) => self.apply(file, &d, depth, out),
                Err(l) => out.errors.push(line_error(
                    pb(file),
                    l,
                    "unbalanced quotes (Redis refuses to start with this file)",
                )),
            }
        }
    }

    /// Applies one directive read from `file` (a configuration file, or the unit or script
    /// whose command line gave it).
    fn apply(&mut self, file: &Path, d: &Directive, depth: usize, out: &mut Outcome) {
        let name = d
            .args
            .first()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        let arg = |i: usize| d.args.get(i).map(Vec::as_slice).unwrap_or_default();
        match name.as_slice() {
            b"bind" => {
                self.s.bind = Some((
                    d.args.get(1..).unwrap_or_default().to_vec(),
                    origin(file, d, 64),
                ));
            }
            b"protected-mode" => {
                let v = !arg(1).eq_ignore_ascii_case(b"no");
                self.s.protected_mode = Some((v, origin(file, d, 2)));
            }
            b"port" => {
                self.s.port = std::str::from_utf8(arg(1))
                    .ok()
                    .and_then(|v| v.parse().ok());
            }
            b"tls-port" => {
                self.s.tls_port = std::str::from_utf8(arg(1))
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .filter(|p| *p != 0);
            }
            b"requirepass" => self.s.requirepass = !arg(1).is_empty(),
            b"user" => acl_default(&d.args, &mut self.s.default_user_protected),
            b"aclfile" => {
                self.aclfile = Some(PathBuf::from(std::ffi::OsStr::from_bytes(arg(1))));
            }
            b"rename-command" if arg(1).eq_ignore_ascii_case(b"config") => {
                self.s.config_renamed =
                    (!arg(2).eq_ignore_ascii_case(b"config")).then(|| origin(file, d, 2));
            }
            b"include" if depth < MAX_DEPTH => {
                for f in expand(self.root, file, arg(1)) {
                    self.load(&f, depth + 1, out);
                }
            }
            b"include" => out.errors.push(line_error(
                pb(file),
                d.line,
                format!("include nesting deeper than {MAX_DEPTH}: not followed"),
            )),
            _ => {}
        }
    }
}

/// An include argument: absolute, or relative to Redis's working directory (taken as the
/// including file's directory); a `*`/`?` in the last component is matched in that directory.
fn expand(root: &HostRoot, from: &Path, arg: &[u8]) -> Vec<PathBuf> {
    let p = Path::new(std::ffi::OsStr::from_bytes(arg));
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        from.parent().unwrap_or(Path::new("/")).join(p)
    };
    let name = p
        .file_name()
        .map(std::os::unix::ffi::OsStrExt::as_bytes)
        .unwrap_or_default();
    if !name.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
        return vec![p];
    }
    let dir = p.parent().unwrap_or(Path::new("/"));
    let Ok(entries) = root.read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .into_iter()
        .filter(|e| crate::sshd::fnmatch(name, e.name.as_bytes()))
        .map(|e| dir.join(e.name))
        .collect();
    v.sort();
    v.truncate(MAX_FILES);
    v
}

/// Loads the settings of the server whose main configuration is `file` (includes and ACL
/// file followed); `None` when the file does not exist.
pub fn load(root: &HostRoot, file: &Path, out: &mut Outcome) -> Option<RedisSettings> {
    let mut l = Loader {
        root,
        s: RedisSettings {
            file: file.to_path_buf(),
            ..RedisSettings::default()
        },
        aclfile: None,
    };
    l.load(file, 0, out);
    if l.s.files.is_empty() {
        return None;
    }
    Some(l.finish(out))
}

impl Loader<'_> {
    /// Reads the ACL file, if one was named.
    fn finish(mut self, out: &mut Outcome) -> RedisSettings {
        if let Some(acl) = self.aclfile.take() {
            if let Some(buf) = read_config(self.root, &acl, out) {
                self.s.files.push(acl.clone());
                for d in parse(&buf).into_iter().flatten() {
                    if d.args
                        .first()
                        .is_some_and(|n| n.eq_ignore_ascii_case(b"user"))
                    {
                        acl_default(&d.args, &mut self.s.default_user_protected);
                    }
                }
            }
        }
        self.s
    }
}

/// The directives of a `redis-server` command line (the words after the program): the
/// configuration file (the first word, unless it is an option) and the options, each
/// `--name` with the words up to the next `--name`, as Redis appends them to the file's text.
pub fn command_line(args: &[Vec<u8>]) -> (Option<&[u8]>, Vec<Vec<Vec<u8>>>) {
    let mut it = args.iter().peekable();
    let file = it.next_if(|w| !w.starts_with(b"--")).map(Vec::as_slice);
    let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
    for w in it {
        match w.strip_prefix(b"--") {
            Some(name) if !name.is_empty() && !name.first().is_some_and(u8::is_ascii_digit) => {
                opts.push(vec![name.to_vec()]);
            }
            _ => {
                if let Some(o) = opts.last_mut() {
                    o.push(w.clone());
                }
            }
        }
    }
    (file, opts)
}

/// The settings of the server a command line starts: its configuration file (read with its
/// includes) and the options that follow it, which override the file. `None` for a Sentinel,
/// or when the file cannot be known (a template's `%i`, a shell variable) or does not exist
/// (Redis would not start).
pub fn from_launch(
    root: &HostRoot,
    l: &super::launch::Launch,
    program: usize,
    out: &mut Outcome,
) -> Option<RedisSettings> {
    let args = l.words.get(program + 1..).unwrap_or_default();
    let (file, opts) = command_line(args);
    if opts
        .iter()
        .any(|o| o.first().is_some_and(|n| n == b"sentinel"))
    {
        return None;
    }
    let mut ld = Loader {
        root,
        s: RedisSettings {
            file: l.file.clone(),
            ..RedisSettings::default()
        },
        aclfile: None,
    };
    if let Some(f) = file {
        if f == b"-" || f.contains(&b'%') || f.contains(&b'$') || !f.starts_with(b"/") {
            return None;
        }
        let f = Path::new(std::ffi::OsStr::from_bytes(f));
        ld.load(f, 0, out);
        if ld.s.files.is_empty() {
            return None;
        }
        ld.s.file = f.to_path_buf();
    }
    let line = l.line.unwrap_or(0);
    for o in &opts {
        let d = Directive {
            line,
            args: o.clone(),
        };
        ld.apply(&l.file, &d, 0, out);
    }
    let overrides = opts.iter().any(|o| {
        o.first().is_some_and(|n| {
            matches!(
                n.to_ascii_lowercase().as_slice(),
                b"bind"
                    | b"protected-mode"
                    | b"port"
                    | b"requirepass"
                    | b"user"
                    | b"aclfile"
                    | b"rename-command"
                    | b"include"
                    | b"tls-port"
            )
        })
    });
    if overrides || file.is_none() {
        ld.s.launch = Some(Origin {
            file: l.file.clone(),
            line,
            text: super::launch::masked(&l.words),
        });
    }
    ld.s.published = match &l.source {
        super::launch::Source::Container { published, .. } => Some(*published),
        _ => None,
    };
    Some(ld.finish(out))
}

/// The finding for one server's settings, if it is reachable without a password.
pub fn finding(s: &RedisSettings) -> Option<Finding> {
    // A container that publishes no port is reached only from its own network.
    if !s.open_without_auth() || !s.listens() || s.published == Some(false) {
        return None;
    }
    let r = reach(s.bind.as_ref().map(|(b, _)| b.as_slice()));
    let explicit = s.bind.is_some();
    let protected = s.protected();
    let major = s.version.as_deref().and_then(upstream_major);
    // Protected mode refuses non-loopback clients from a server whose default user has no
    // password: before Redis 7 only when no `bind` is given at all (`server.bindaddr_count ==
    // 0` in acceptCommonHandler), so an explicit bind protects nothing there; from 7.0 whatever
    // the bind (checked: redis-server 7.0.15 with `bind 0.0.0.0` answers a non-loopback client
    // DENIED). With the version unknown (a tarball install), the server is reported one step
    // lower.
    let mut sev = match (r, explicit, protected) {
        (Reach::Loopback, _, _) | (Reach::All, false, true) => return None,
        (_, true, true) if major.is_some_and(|m| m >= 7) => return None,
        (Reach::All, _, _) => Severity::Critical,
        (Reach::Interface, _, _) => Severity::High,
    };
    let lower = |sev: Severity| match sev {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        _ => Severity::Low,
    };
    let version_unknown = explicit && protected && major.is_none();
    if version_unknown {
        sev = lower(sev);
    }
    let config_off = s.config_renamed.is_some();
    if config_off {
        sev = lower(sev);
    }
    let where_ = match r {
        Reach::All => "every interface",
        _ => "a non-loopback interface",
    };
    let mut f = Finding::new(
        "exposure.redis-no-auth",
        sev,
        format!("Redis listens on {where_} without a password"),
        pb(&s.file),
    );
    let ev = |o: &Origin| {
        if o.line == 0 {
            Evidence::file(pb(&o.file))
        } else {
            Evidence::line(pb(&o.file), o.line)
        }
        .with_excerpt(&o.text)
    };
    match &s.bind {
        Some((_, o)) => f = f.with_evidence(ev(o)),
        None => {
            f = f.with_evidence(
                Evidence::file(pb(&s.file)).with_excerpt("no bind directive: every interface"),
            );
        }
    }
    if let Some((false, o)) = &s.protected_mode {
        f = f.with_evidence(ev(o));
    }
    if let Some(o) = &s.config_renamed {
        f = f.with_evidence(ev(o));
    }
    if let Some(o) = &s.launch {
        if !f.evidence.iter().any(|e| e.path.as_bytes() == pb(&o.file)) {
            f = f.with_evidence(ev(o));
        }
    }
    let mut detail = match &s.launch {
        Some(o) => format!(
            "Started as `{}` ({}{}): its options override the file. ",
            ferret_core::escape::escape(&o.text),
            ferret_core::escape::escape(pb(&o.file)),
            if o.line == 0 {
                String::new()
            } else {
                format!(":{}", o.line)
            }
        ),
        None => String::new(),
    };
    let _ = write!(
        detail,
        "No requirepass and no password for the ACL user `default`; bind {}; protected-mode {}{}. ",
        match &s.bind {
            Some((b, _)) => ferret_core::escape::escape(&b.join(&b' ')),
            None => "absent".to_owned(),
        },
        if protected { "yes" } else { "no" },
        match (explicit && protected, &s.version) {
            (false, _) => String::new(),
            (true, Some(v)) => format!(
                " (installed Redis {}: before 7.0 protected mode applies only when no bind is given, it does not protect here)",
                ferret_core::escape::escape(v)
            ),
            (true, None) => " (no package database records the Redis version: before 7.0 protected mode applies only when no bind is given, so this server is open if it is older; from 7.0 it refuses non-loopback clients)".to_owned(),
        }
    );
    detail.push_str(if config_off {
        "CONFIG is renamed or disabled, so the file-write attack (CONFIG SET dir/dbfilename + SAVE) is blocked; the data and other commands are still open."
    } else {
        "CONFIG is available: anyone who reaches the port can `CONFIG SET dir /var/spool/cron` (or /root/.ssh), `CONFIG SET dbfilename root` (or authorized_keys) and `SAVE` a crontab or key as root's — how Kinsing/H2Miner, TeamTNT, WatchDog and 8220 Gang enter cloud hosts."
    });
    Some(
        f.with_detail(detail)
            .with_remediation("Bind to 127.0.0.1 -::1, keep protected-mode yes, set requirepass (or ACL users with passwords), `rename-command CONFIG \"\"`, run Redis as its own user; then look for RDB dumps in crontabs and authorized_keys (persistence.redis-rdb-file).")
            .with_attack("T1190")
            .with_attack("T1133")
            .with_reference("Redis security: https://redis.io/docs/latest/operate/oss_and_stack/management/security/"),
    )
}

/// The packages that install Redis: Debian and Ubuntu (`redis-server`), Fedora, EPEL, Rocky,
/// Alibaba Cloud Linux (`redis`), Amazon Linux 2023 (`redis6`).
const PACKAGES: [&[u8]; 3] = [b"redis-server", b"redis", b"redis6"];

/// The upstream major version of a package version: `7` of `5:7.0.15-1~deb12u1` or `3.2.12`.
fn upstream_major(v: &[u8]) -> Option<u32> {
    let v = match v.iter().position(|&c| c == b':') {
        Some(k) if v.get(..k).is_some_and(|e| e.iter().all(u8::is_ascii_digit)) => {
            v.get(k + 1..)?
        }
        _ => v,
    };
    let n = v.iter().take_while(|c| c.is_ascii_digit()).count();
    std::str::from_utf8(v.get(..n)?).ok()?.parse().ok()
}

/// Audits every Redis server found under `root`: those a command line starts (its options
/// override its file), then every configuration file no command line named.
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    // The installed package's version, read once and only when a finding depends on it.
    let mut installed: Option<Option<Vec<u8>>> = None;
    let mut versioned = |mut s: RedisSettings| {
        if s.published.is_none() && s.bind.is_some() && s.protected() && s.open_without_auth() {
            let v = installed.get_or_insert_with(|| {
                ferret_baseline::pkg::installed_version(root, &PACKAGES, &svc.control)
            });
            s.version.clone_from(v);
        }
        s
    };
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut subjects: Vec<String> = Vec::new();
    let mut push = |f: Finding, out: &mut Outcome| {
        if !subjects.contains(&f.subject) {
            subjects.push(f.subject.clone());
            out.findings.push(f);
        }
    };
    for (l, i) in svc.launches.of(&[b"redis-server"]) {
        if let Some(s) = from_launch(root, l, i, out) {
            seen.extend(s.files.iter().cloned());
            if let Some(f) = finding(&versioned(s)) {
                push(f, out);
            }
        }
    }
    for c in CONFIGS {
        let p = Path::new(c);
        if seen.iter().any(|s| s == p) {
            continue;
        }
        if let Some(s) = load(root, p, out) {
            seen.extend(s.files.iter().cloned());
            if let Some(f) = finding(&versioned(s)) {
                push(f, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_major_of_package_versions() {
        for (v, m) in [
            (&b"5:7.0.15-1~deb12u1"[..], Some(7)),
            (b"3.2.12", Some(3)),
            (b"6.2.7-1.al8", Some(6)),
            (b"10:7.2.4", Some(7)),
            (b"", None),
            (b"x:7.0", None),
            (b"99999999999:1", Some(1)),
            (b"99999999999999999999.1", None),
        ] {
            assert_eq!(upstream_major(v), m, "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn split_like_sdssplitargs() {
        assert_eq!(
            split_args(br#"rename-command CONFIG """#),
            Some(vec![
                b"rename-command".to_vec(),
                b"CONFIG".to_vec(),
                Vec::new()
            ])
        );
        assert_eq!(
            split_args(br#"requirepass "a\x41\n" 'b c'"#),
            Some(vec![
                b"requirepass".to_vec(),
                b"aA\n".to_vec(),
                b"b c".to_vec()
            ])
        );
        assert_eq!(split_args(br#"bind "127.0.0.1"x"#), None);
        assert_eq!(split_args(b"bind 'x"), None);
    }

    #[test]
    fn reaches() {
        assert_eq!(reach(None), Reach::All);
        assert_eq!(
            reach(Some(&[b"127.0.0.1".to_vec(), b"-::1".to_vec()])),
            Reach::Loopback
        );
        assert_eq!(reach(Some(&[b"10.0.0.5".to_vec()])), Reach::Interface);
        assert_eq!(reach(Some(&[b"* -::*".to_vec()])), Reach::Interface);
        assert_eq!(reach(Some(&[b"*".to_vec(), b"-::*".to_vec()])), Reach::All);
    }

    #[test]
    fn acl_default_user() {
        let mut s = None;
        acl_default(
            &[
                b"user".to_vec(),
                b"default".to_vec(),
                b"on".to_vec(),
                b"nopass".to_vec(),
            ],
            &mut s,
        );
        assert_eq!(s, Some(false));
        acl_default(
            &[b"user".to_vec(), b"default".to_vec(), b">secret".to_vec()],
            &mut s,
        );
        assert_eq!(s, Some(true));
        acl_default(
            &[b"user".to_vec(), b"alice".to_vec(), b"nopass".to_vec()],
            &mut s,
        );
        assert_eq!(s, Some(true));
        acl_default(
            &[b"user".to_vec(), b"default".to_vec(), b"resetpass".to_vec()],
            &mut s,
        );
        assert_eq!(s, Some(false));
        acl_default(
            &[b"user".to_vec(), b"default".to_vec(), b"off".to_vec()],
            &mut s,
        );
        assert_eq!(s, Some(true));
    }
}
