//! Loading the account files of a root (live or image) and viewing them parsed.

use crate::group::{GroupEntry, GshadowEntry};
use crate::lines::{AccountFile, Document};
use crate::login_defs::LoginDefs;
use crate::passwd::PasswdEntry;
use crate::shadow::ShadowEntry;
use ferret_core::{ErrorRecord, HostRoot, Stat};

/// Account files are small; anything past this is refused rather than read.
pub const READ_LIMIT: u64 = 256 << 20;

/// One account file as read: where it came from, its bytes (if it existed) and its metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceFile {
    /// Path inside the root (`/etc/passwd`), used in evidence.
    pub path: String,
    /// The bytes; `None` when the file is missing or could not be read.
    pub data: Option<Vec<u8>>,
    /// `lstat` of the file, when available.
    pub stat: Option<Stat>,
    /// The file exists (or may exist) but could not be read: a FIFO, a device, a symbolic link
    /// (out of the root or not), a permission refusal, a file over [`READ_LIMIT`]. Its error
    /// is in [`Snapshot::errors`]; it is never taken for a missing or empty file (no
    /// "no shadow file" finding, no comparison with an empty file).
    pub unreadable: bool,
}

impl SourceFile {
    /// A file given as bytes (fixtures, other sources).
    pub fn from_bytes(path: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        SourceFile {
            path: path.into(),
            data: Some(data.into()),
            stat: None,
            unreadable: false,
        }
    }

    fn missing(path: &str) -> Self {
        SourceFile {
            path: path.to_owned(),
            data: None,
            stat: None,
            unreadable: false,
        }
    }
}

/// The account files of one system, owned: what [`crate::audit_root`] and
/// [`crate::diff_roots`] read. [`Snapshot::view`] parses them without copying.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// `/etc/passwd`.
    pub passwd: SourceFile,
    /// `/etc/shadow`.
    pub shadow: SourceFile,
    /// `/etc/group`.
    pub group: SourceFile,
    /// `/etc/gshadow`.
    pub gshadow: SourceFile,
    /// `/etc/login.defs`.
    pub login_defs: SourceFile,
    /// Lock files (`/etc/passwd.lock`, ...) present when the snapshot was taken.
    pub lock_files: Vec<String>,
    /// Files that could not be read (a missing passwd or group is an error; a missing shadow,
    /// gshadow or login.defs is not).
    pub errors: Vec<ErrorRecord>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            passwd: SourceFile::missing("/etc/passwd"),
            shadow: SourceFile::missing("/etc/shadow"),
            group: SourceFile::missing("/etc/group"),
            gshadow: SourceFile::missing("/etc/gshadow"),
            login_defs: SourceFile::missing("/etc/login.defs"),
            lock_files: Vec::new(),
            errors: Vec::new(),
        }
    }
}

fn load_one(
    root: &HostRoot,
    path: &str,
    required: bool,
    errors: &mut Vec<ErrorRecord>,
) -> SourceFile {
    let mut f = SourceFile::missing(path);
    match root.read_capped(path, READ_LIMIT) {
        Ok(d) => f.data = Some(d),
        Err(e) if e.is_not_found() && !required => {}
        Err(e) if e.is_not_found() => errors.push(ErrorRecord::from(&crate::Error::Missing {
            path: path.into(),
        })),
        Err(e) => {
            f.unreadable = true;
            errors.push(ErrorRecord::from(&crate::Error::Core(e)));
        }
    }
    if f.data.is_some() {
        f.stat = root.lstat(path).ok();
    }
    f
}

impl Snapshot {
    /// Reads the account files under `root` (live `/` or a mounted image). Never uses NSS.
    pub fn load(root: &HostRoot) -> Snapshot {
        let mut errors = Vec::new();
        let passwd = load_one(root, "/etc/passwd", true, &mut errors);
        let shadow = load_one(root, "/etc/shadow", false, &mut errors);
        let group = load_one(root, "/etc/group", true, &mut errors);
        let gshadow = load_one(root, "/etc/gshadow", false, &mut errors);
        let login_defs = load_one(root, "/etc/login.defs", false, &mut errors);
        let lock_files = [
            "/etc/passwd.lock",
            "/etc/shadow.lock",
            "/etc/group.lock",
            "/etc/gshadow.lock",
        ]
        .into_iter()
        .filter(|p| root.exists(p))
        .map(str::to_owned)
        .collect();
        Snapshot {
            passwd,
            shadow,
            group,
            gshadow,
            login_defs,
            lock_files,
            errors,
        }
    }

    /// Reads the backups shadow's tools leave beside each file (`/etc/passwd-`, `/etc/shadow-`,
    /// `/etc/group-`, `/etc/gshadow-`): the state before the last edit made with
    /// useradd/usermod/passwd/vipw. Missing backups are not errors (the snapshot then holds no
    /// such file).
    pub fn load_backup(root: &HostRoot) -> Snapshot {
        let mut errors = Vec::new();
        let passwd = load_one(root, "/etc/passwd-", false, &mut errors);
        let shadow = load_one(root, "/etc/shadow-", false, &mut errors);
        let group = load_one(root, "/etc/group-", false, &mut errors);
        let gshadow = load_one(root, "/etc/gshadow-", false, &mut errors);
        // login.defs has no backup; the current policy applies to both.
        let login_defs = load_one(root, "/etc/login.defs", false, &mut Vec::new());
        Snapshot {
            passwd,
            shadow,
            group,
            gshadow,
            login_defs,
            lock_files: Vec::new(),
            errors,
        }
    }

    /// A snapshot from in-memory files (any may be `None`: missing).
    pub fn from_bytes(
        passwd: Option<&[u8]>,
        shadow: Option<&[u8]>,
        group: Option<&[u8]>,
        gshadow: Option<&[u8]>,
    ) -> Snapshot {
        let mut s = Snapshot::default();
        s.passwd.data = passwd.map(<[u8]>::to_vec);
        s.shadow.data = shadow.map(<[u8]>::to_vec);
        s.group.data = group.map(<[u8]>::to_vec);
        s.gshadow.data = gshadow.map(<[u8]>::to_vec);
        s
    }

    /// The file of one kind.
    pub fn file(&self, kind: AccountFile) -> &SourceFile {
        match kind {
            AccountFile::Passwd => &self.passwd,
            AccountFile::Shadow => &self.shadow,
            AccountFile::Group => &self.group,
            AccountFile::Gshadow => &self.gshadow,
        }
    }

    /// Mutable access to the file of one kind (to rename its evidence path, or set its bytes).
    pub fn file_mut(&mut self, kind: AccountFile) -> &mut SourceFile {
        match kind {
            AccountFile::Passwd => &mut self.passwd,
            AccountFile::Shadow => &mut self.shadow,
            AccountFile::Group => &mut self.group,
            AccountFile::Gshadow => &mut self.gshadow,
        }
    }

    /// Parses every file, borrowing the bytes (the four files in parallel with the `rayon`
    /// feature).
    pub fn view(&self) -> Accounts<'_> {
        let ((passwd, shadow), (group, gshadow)) = crate::join(
            || {
                crate::join(
                    || self.passwd.data.as_deref().map(crate::passwd::document),
                    || self.shadow.data.as_deref().map(crate::shadow::document),
                )
            },
            || {
                crate::join(
                    || self.group.data.as_deref().map(crate::group::document),
                    || {
                        self.gshadow
                            .data
                            .as_deref()
                            .map(crate::group::gshadow_document)
                    },
                )
            },
        );
        Accounts {
            passwd,
            shadow,
            group,
            gshadow,
            login_defs: self
                .login_defs
                .data
                .as_deref()
                .map(LoginDefs::from_bytes)
                .unwrap_or_default(),
            snapshot: self,
        }
    }
}

/// The parsed account files of one snapshot (zero-copy views into it).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Accounts<'a> {
    /// `/etc/passwd`, if present.
    pub passwd: Option<Document<'a, PasswdEntry<'a>>>,
    /// `/etc/shadow`, if present.
    pub shadow: Option<Document<'a, ShadowEntry<'a>>>,
    /// `/etc/group`, if present.
    pub group: Option<Document<'a, GroupEntry<'a>>>,
    /// `/etc/gshadow`, if present.
    pub gshadow: Option<Document<'a, GshadowEntry<'a>>>,
    /// Policy from `/etc/login.defs` (defaults when missing).
    pub login_defs: LoginDefs,
    /// The snapshot the views borrow (paths, metadata, lock files, read errors).
    pub snapshot: &'a Snapshot,
}

impl Accounts<'_> {
    /// The evidence path of one file.
    pub fn path(&self, kind: AccountFile) -> &str {
        &self.snapshot.file(kind).path
    }
}
