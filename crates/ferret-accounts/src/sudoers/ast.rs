//! The parsed form of a sudoers policy: user specifications, aliases and `Defaults`, each with
//! the file and line it came from. Names and commands are bytes, as written (escapes removed the
//! way sudo removes them).

use std::path::PathBuf;

/// Where something was written: an index into [`Sudoers::files`] and a 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Loc {
    /// Index into [`Sudoers::files`].
    pub file: u32,
    /// 1-based line (the line the entry starts on).
    pub line: u64,
}

/// A digest algorithm allowed before a command (`sha256:...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum DigestKind {
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestKind {
    /// `sha224`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::Sha224 => "sha224",
            DigestKind::Sha256 => "sha256",
            DigestKind::Sha384 => "sha384",
            DigestKind::Sha512 => "sha512",
        }
    }

    /// Digest length in bytes.
    pub fn bytes(self) -> usize {
        match self {
            DigestKind::Sha224 => 28,
            DigestKind::Sha256 => 32,
            DigestKind::Sha384 => 48,
            DigestKind::Sha512 => 64,
        }
    }
}

/// A command digest: the algorithm and the digest as written (hex or base64).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Digest {
    /// Algorithm.
    pub kind: DigestKind,
    /// The digest text.
    pub value: String,
}

/// A command: a path (or `sudoedit`, `list`, a `^regex$`) with optional arguments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Command {
    /// The command; `None` for `ALL` with digests.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub path: Option<Vec<u8>>,
    /// The arguments as one string (`""` means "no arguments allowed").
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub args: Option<Vec<u8>>,
    /// Digests the command must match.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub digests: Vec<Digest>,
}

impl Command {
    /// The command and its arguments as one line, as sudo prints them.
    pub fn text(&self) -> Vec<u8> {
        let mut t = self.path.clone().unwrap_or_else(|| b"ALL".to_vec());
        if let Some(a) = &self.args {
            t.push(b' ');
            t.extend_from_slice(a);
        }
        t
    }

    /// The program's base name (`vi` for `/usr/bin/vi`).
    pub fn base_name(&self) -> &[u8] {
        let p = self.path.as_deref().unwrap_or_default();
        p.rsplit(|&b| b == b'/').next().unwrap_or(p)
    }
}

/// What a list member names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "type", content = "value", rename_all = "kebab-case")
)]
#[non_exhaustive]
pub enum Name {
    /// `ALL`.
    All,
    /// The invoking user (an empty runas user list: `()` or `(:group)`).
    Myself,
    /// An alias name (`ADMINS`).
    Alias(String),
    /// A user, host or group name, or `#uid` (bytes after unquoting).
    Word(#[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))] Vec<u8>),
    /// A Unix group (`%wheel`, `%#10`) or non-Unix group (`%:name`): the text after `%`.
    Group(#[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))] Vec<u8>),
    /// A netgroup (`+name`): the text after `+`.
    Netgroup(#[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))] Vec<u8>),
    /// A network address (`10.0.0.0/8`).
    Address(String),
    /// A command.
    Command(Command),
}

/// One member of a list, possibly negated (`!`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Member {
    /// Preceded by an odd number of `!`.
    pub negated: bool,
    /// What it names.
    pub name: Name,
}

impl Member {
    /// A plain (not negated) member.
    pub fn new(name: Name) -> Self {
        Member {
            negated: false,
            name,
        }
    }

    /// Whether this is `ALL` (as a command: `ALL` with or without digests).
    pub fn is_all(&self) -> bool {
        match &self.name {
            Name::All => true,
            Name::Command(c) => c.path.is_none(),
            _ => false,
        }
    }
}

/// The value of a command tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Tag {
    /// Not given (the `Defaults` decide).
    #[default]
    Unset,
    /// Set (`NOPASSWD:`, `SETENV:`...).
    On,
    /// Cleared (`PASSWD:`, `NOSETENV:`...).
    Off,
    /// Implied: `SETENV` for a rule that allows `ALL`.
    Implied,
}

impl Tag {
    /// Set explicitly (on or off).
    pub fn is_set(self) -> bool {
        matches!(self, Tag::On | Tag::Off)
    }

    /// On or implied.
    pub fn is_on(self) -> bool {
        matches!(self, Tag::On | Tag::Implied)
    }
}

/// Command tags. `nopasswd` is `On` for `NOPASSWD:` and `Off` for `PASSWD:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Tags {
    /// `NOPASSWD:` / `PASSWD:`.
    pub nopasswd: Tag,
    /// `NOEXEC:` / `EXEC:`.
    pub noexec: Tag,
    /// `INTERCEPT:` / `NOINTERCEPT:`.
    pub intercept: Tag,
    /// `SETENV:` / `NOSETENV:`.
    pub setenv: Tag,
    /// `LOG_INPUT:` / `NOLOG_INPUT:`.
    pub log_input: Tag,
    /// `LOG_OUTPUT:` / `NOLOG_OUTPUT:`.
    pub log_output: Tag,
    /// `MAIL:` / `NOMAIL:`.
    pub send_mail: Tag,
    /// `FOLLOW:` / `NOFOLLOW:`.
    pub follow: Tag,
}

impl Tags {
    /// The tags in sudo's fixed order, with their `cvtsudoers` names.
    pub fn named(&self) -> [(&'static str, Tag, bool); 8] {
        // (name, value, whether the JSON value is inverted: authenticate = !nopasswd)
        [
            ("authenticate", self.nopasswd, true),
            ("noexec", self.noexec, false),
            ("intercept", self.intercept, false),
            ("send_mail", self.send_mail, false),
            ("setenv", self.setenv, false),
            ("sudoedit_follow", self.follow, false),
            ("log_input", self.log_input, false),
            ("log_output", self.log_output, false),
        ]
    }
}

/// Per-command options (`CWD=`, `CHROOT=`, `TIMEOUT=`, `NOTBEFORE=`, SELinux, AppArmor,
/// Solaris privileges).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CmndOptions {
    /// `CWD=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub cwd: Option<Vec<u8>>,
    /// `CHROOT=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub chroot: Option<Vec<u8>>,
    /// `ROLE=` (SELinux).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub role: Option<Vec<u8>>,
    /// `TYPE=` (SELinux).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub selinux_type: Option<Vec<u8>>,
    /// `APPARMOR_PROFILE=`.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub apparmor_profile: Option<Vec<u8>>,
    /// `PRIVS=` (Solaris).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub privs: Option<Vec<u8>>,
    /// `LIMITPRIVS=` (Solaris).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub limitprivs: Option<Vec<u8>>,
    /// `TIMEOUT=`, in seconds.
    pub timeout: Option<i64>,
    /// `NOTBEFORE=`, Unix seconds (UTC).
    pub notbefore: Option<i64>,
    /// `NOTAFTER=`, Unix seconds (UTC).
    pub notafter: Option<i64>,
}

/// Which settings of a [`CmndSpec`] were inherited from the previous command of the same
/// list (`(root) NOPASSWD: /a, /b`: `/b` inherits `(root)`), which sudo treats as the same
/// setting, not an equal one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Inherited {
    /// The runas lists.
    pub runas: bool,
    /// `CWD`.
    pub cwd: bool,
    /// `CHROOT`.
    pub chroot: bool,
    /// `ROLE` and `TYPE`.
    pub role_type: bool,
    /// `APPARMOR_PROFILE`.
    pub apparmor_profile: bool,
    /// `PRIVS` and `LIMITPRIVS`.
    pub privs: bool,
}

/// One command with its runas lists, options and tags (after sudo's propagation from the
/// previous command in the list).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct CmndSpec {
    /// Users it may run as (`None`: no runas list, meaning the `runas_default`, root).
    pub runas_users: Option<Vec<Member>>,
    /// Groups it may run as.
    pub runas_groups: Option<Vec<Member>>,
    /// Options.
    pub options: CmndOptions,
    /// Tags.
    pub tags: Tags,
    /// The command (`ALL`, an alias, a command).
    pub command: Member,
    /// What was inherited from the previous command.
    pub inherited: Inherited,
    /// Where it is.
    pub loc: Loc,
}

/// `hosts = commands`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Privilege {
    /// Hosts.
    pub hosts: Vec<Member>,
    /// Commands.
    pub commands: Vec<CmndSpec>,
}

/// A user specification: `users hosts = commands [: hosts = commands]...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct UserSpec {
    /// Users.
    pub users: Vec<Member>,
    /// Privileges.
    pub privileges: Vec<Privilege>,
    /// Where it starts.
    pub loc: Loc,
}

/// The kind of an alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AliasKind {
    /// `User_Alias`.
    User,
    /// `Runas_Alias`.
    Runas,
    /// `Host_Alias`.
    Host,
    /// `Cmnd_Alias` (or `Cmd_Alias`).
    Cmnd,
}

impl AliasKind {
    /// The keyword (`User_Alias`, ...).
    pub fn keyword(self) -> &'static str {
        match self {
            AliasKind::User => "User_Alias",
            AliasKind::Runas => "Runas_Alias",
            AliasKind::Host => "Host_Alias",
            AliasKind::Cmnd => "Cmnd_Alias",
        }
    }
}

/// An alias definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Alias {
    /// Kind.
    pub kind: AliasKind,
    /// Name.
    pub name: String,
    /// Members.
    pub members: Vec<Member>,
    /// Where it is defined.
    pub loc: Loc,
}

/// What a `Defaults` line applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "type", content = "members", rename_all = "lowercase")
)]
#[non_exhaustive]
pub enum Binding {
    /// `Defaults` (everyone).
    Global,
    /// `Defaults:users`.
    User(Vec<Member>),
    /// `Defaults@hosts`.
    Host(Vec<Member>),
    /// `Defaults>runas`.
    Runas(Vec<Member>),
    /// `Defaults!commands`.
    Cmnd(Vec<Member>),
}

impl Binding {
    /// The binding's members (empty for global).
    pub fn members(&self) -> &[Member] {
        match self {
            Binding::Global => &[],
            Binding::User(m) | Binding::Host(m) | Binding::Runas(m) | Binding::Cmnd(m) => m,
        }
    }
}

/// How a setting is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum DefaultOp {
    /// `name` or `name=value`.
    Set,
    /// `!name`.
    Negate,
    /// `name+=value`.
    Add,
    /// `name-=value`.
    Remove,
}

/// One setting of a `Defaults` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct DefaultEntry {
    /// Setting name (`env_keep`).
    pub name: String,
    /// Operation.
    pub op: DefaultOp,
    /// Value, if given.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::opt", default))]
    pub value: Option<Vec<u8>>,
    /// Where it is.
    pub loc: Loc,
}

/// A `Defaults` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Defaults {
    /// What it applies to.
    pub binding: Binding,
    /// The settings, in order.
    pub entries: Vec<DefaultEntry>,
    /// Where it starts.
    pub loc: Loc,
}

/// An include directive and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Include {
    /// `@includedir` / `#includedir`.
    pub dir: bool,
    /// The path as written.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub written: Vec<u8>,
    /// The path inside the root after `%h` expansion and resolution against the including
    /// file's directory.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::path"))]
    pub resolved: PathBuf,
    /// Where the directive is.
    pub loc: Loc,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// A parse error: sudo's parser rejects the file (and sudo refuses to run).
    Syntax,
    /// A check `visudo -c` fails on after parsing: an unknown `Defaults` name, a bad value, an
    /// alias used but not defined.
    Check,
    /// A file or directory that could not be read, an include loop or a cap reached.
    Io,
}

/// A problem in a file, at a line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Diagnostic {
    /// Kind.
    pub kind: DiagnosticKind,
    /// Where (line 0: the file as a whole).
    pub loc: Loc,
    /// What.
    pub message: String,
}

/// A parsed sudoers policy: the main file and everything it includes, in parse order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Sudoers {
    /// The files read, in order (the main file first); [`Loc::file`] indexes this.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::path_list"))]
    pub files: Vec<PathBuf>,
    /// `Defaults` lines.
    pub defaults: Vec<Defaults>,
    /// Aliases, in definition order.
    pub aliases: Vec<Alias>,
    /// User specifications.
    pub user_specs: Vec<UserSpec>,
    /// Include directives.
    pub includes: Vec<Include>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// `lstat` of each file read and include directory listed (for the permission checks).
    #[cfg_attr(feature = "serde", serde(skip))]
    pub metadata: Vec<FileMeta>,
}

/// The metadata of a sudoers file or include directory.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileMeta {
    /// Path inside the root.
    pub path: PathBuf,
    /// `lstat`.
    pub stat: ferret_core::Stat,
    /// Whether it is an include directory that sudo ignores (not owned by root, or writable by
    /// others or by a group other than root's).
    pub ignored_by_sudo: bool,
}

impl Sudoers {
    /// The path of a location's file.
    pub fn path(&self, loc: Loc) -> &std::path::Path {
        self.files
            .get(loc.file as usize)
            .map_or(std::path::Path::new(""), PathBuf::as_path)
    }

    /// An alias by kind and name.
    pub fn alias(&self, kind: AliasKind, name: &str) -> Option<&Alias> {
        self.aliases
            .iter()
            .find(|a| a.kind == kind && a.name == name)
    }

    /// Whether the parse has syntax errors (sudo would refuse the policy).
    pub fn has_syntax_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::Syntax)
    }
}
