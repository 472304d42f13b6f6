//! The scan: the walks, the per-file inspection and the rules that turn what a file is and
//! where it lies into reasons.

use crate::classify::{self, Classification, Content};
use crate::commands;
use crate::dualuse::{self, DualUse};
use crate::elf::{self, ElfKind, ReadAt};
use crate::findings::{self, Reason, Verdict};
use crate::ioc::IocTable;
use crate::places::{self, CommandFile, Hidden, Place};
use crate::{Check, ScanOptions, ScanReport, ScanStats};
use ferret_baseline::pkg::{index_root, IndexOptions, PackageIndex};
use ferret_core::fs::ReadBuf;
use ferret_core::walk::{walk_parallel, Visit, WalkEntry, WalkEvent, WalkOptions};
use ferret_core::{
    CancelToken, Control, ErrorRecord, FileKind, HostRoot, OpenOptions, Progress, SafeFile,
    Severity, Stat,
};
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Positioned reads on an open file, counting the bytes read.
struct FileAt<'a> {
    file: &'a std::fs::File,
    size: u64,
    read: u64,
}

impl ReadAt for FileAt<'_> {
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let v = read_at(self.file, offset, len)?;
        self.read += v.len() as u64;
        Ok(v)
    }
}

/// Up to `len` bytes at `offset` (fewer at the end of the file).
pub(crate) fn read_at(file: &std::fs::File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut n = 0;
    while n < len {
        let Some(slot) = buf.get_mut(n..) else { break };
        match file.read_at(slot, offset + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(n);
    Ok(buf)
}

/// Fills `buf` from `offset` (fewer bytes at the end of the file); the count read.
fn read_into(file: &std::fs::File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while let Some(slot) = buf.get_mut(n..).filter(|s| !s.is_empty()) {
        match file.read_at(slot, offset + n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Bytes read per hashing step.
const HASH_CHUNK: usize = 256 << 10;

thread_local! {
    /// Each worker's page-aligned buffers ([`ReadBuf`]: the kernel's copy into a misaligned
    /// buffer is several times slower on some CPUs): one for the head every classified file is
    /// read into, one for hashing.
    static HEAD_BUF: std::cell::RefCell<ReadBuf> =
        std::cell::RefCell::new(ReadBuf::new(classify::HEAD_BYTES));
    static HASH_BUF: std::cell::RefCell<ReadBuf> = std::cell::RefCell::new(ReadBuf::new(HASH_CHUNK));
    /// The last directory whose files this worker asked [`places::hidden_dir`] about: the
    /// scan's number, the directory (with its trailing slash) and the answer, which depends on
    /// the directory alone (see `Ctx::hidden_dir`).
    static HIDDEN: std::cell::RefCell<(u64, Vec<u8>, Hidden)> =
        const { std::cell::RefCell::new((0, Vec::new(), Hidden::None)) };
    /// The directory of the last file this worker met, when that file was empty (else empty):
    /// the next file there is `lstat`ed before it is opened (see `Ctx::visit_file`).
    static LAST_EMPTY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The first `len` (at most [`classify::HEAD_BYTES`]) bytes, read into this worker's aligned
/// buffer and copied out.
fn read_head(file: &std::fs::File, len: usize) -> std::io::Result<Vec<u8>> {
    HEAD_BUF.with_borrow_mut(|b| {
        let slot = b
            .get_mut(..len.min(classify::HEAD_BYTES))
            .unwrap_or_default();
        let n = read_into(file, 0, slot)?;
        Ok(slot.get(..n).unwrap_or_default().to_vec())
    })
}

#[derive(Default)]
struct Counters {
    entries: AtomicU64,
    files: AtomicU64,
    classified: AtomicU64,
    bytes: AtomicU64,
    elf: AtomicU64,
    scripts: AtomicU64,
    archives: AtomicU64,
    kmods: AtomicU64,
    hidden_dirs: AtomicU64,
    special: AtomicU64,
    hashed: AtomicU64,
    over_cap: AtomicU64,
}

fn inc(c: &AtomicU64) -> u64 {
    c.fetch_add(1, Ordering::Relaxed) + 1
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// What the inspection of one file read.
#[derive(Default)]
struct Inspection {
    class: Option<Classification>,
    text: Option<Vec<u8>>,
    sha256: Option<[u8; 32]>,
    /// Size actually hashed (the file's size when nothing moved).
    hashed_size: u64,
}

/// One file as the scan sees it.
struct FileCtx<'a> {
    path: &'a [u8],
    name: &'a [u8],
    stat: &'a Stat,
    place: Place,
    hidden: Hidden,
    explicit: bool,
    owned: Option<bool>,
    exec_pos: bool,
}

impl FileCtx<'_> {
    fn exec_bit(&self) -> bool {
        self.stat.mode & 0o111 != 0
    }
    /// A place where every reason applies in full: drop locations, hidden directories,
    /// named paths.
    fn exposed(&self) -> bool {
        self.place.is_drop() || self.hidden != Hidden::None || self.explicit
    }
}

/// Where a file's metadata and content come from: a walk's entry (its type from the listing,
/// its `lstat` on demand) or a path named on the command line (already `lstat`ed).
#[derive(Clone, Copy)]
enum Meta<'a> {
    Walked(&'a WalkEntry),
    Named {
        root: &'a HostRoot,
        inner: &'a std::path::Path,
        stat: Stat,
    },
}

impl Meta<'_> {
    fn stat(&self) -> ferret_core::Result<Stat> {
        match self {
            Meta::Walked(e) => e.stat().copied(),
            Meta::Named { stat, .. } => Ok(*stat),
        }
    }

    fn open(&self) -> ferret_core::Result<SafeFile> {
        match self {
            Meta::Walked(e) => e.open(&OpenOptions::new()),
            Meta::Named { root, inner, .. } => root.open_file(inner, &OpenOptions::new()),
        }
    }
}

pub(crate) struct Ctx<'a> {
    root: &'a HostRoot,
    opts: &'a ScanOptions,
    control: &'a Control,
    stop: CancelToken,
    pub(crate) homes: Vec<Vec<u8>>,
    releases: Vec<Vec<u8>>,
    pub(crate) index: Option<Arc<PackageIndex>>,
    iocs: Arc<IocTable>,
    dual: DualUse,
    exclude: Vec<Vec<u8>>,
    c: Counters,
    verdicts: Mutex<Vec<Verdict>>,
    errors: Mutex<Vec<ErrorRecord>>,
    /// Files classified, for the YARA pass.
    pub(crate) targets: Mutex<Vec<PathBuf>>,
    /// The first file too large to hash for the digest indicators.
    first_over_cap: Mutex<Vec<u8>>,
    collect_targets: bool,
    /// This scan's number, which keys the workers' per-directory cache ([`HIDDEN`]).
    id: u64,
}

/// Numbers the scans of this process.
static SCANS: AtomicU64 = AtomicU64::new(0);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn ext_of(name: &[u8]) -> Option<Vec<u8>> {
    let dot = memchr::memrchr(b'.', name)?;
    if dot == 0 {
        return None;
    }
    Some(name.get(dot + 1..)?.to_ascii_lowercase())
}

/// The extension before the last one (`log` in `x.log.exe`).
fn second_ext_of(name: &[u8]) -> Option<Vec<u8>> {
    let dot = memchr::memrchr(b'.', name)?;
    ext_of(name.get(..dot)?)
}

/// Extensions that name data, not programs.
const DATA_EXT: &[&[u8]] = &[
    b"log", b"txt", b"jpg", b"jpeg", b"png", b"gif", b"bmp", b"ico", b"svg", b"webp", b"pdf",
    b"doc", b"docx", b"xls", b"xlsx", b"csv", b"mp3", b"mp4", b"avi", b"mkv", b"wav", b"css",
    b"html", b"htm", b"xml", b"json", b"md", b"rtf",
];
/// Extensions of media an attacker hides anything behind.
const MEDIA_EXT: &[&[u8]] = &[
    b"jpg", b"jpeg", b"png", b"gif", b"bmp", b"ico", b"webp", b"pdf", b"mp3", b"mp4", b"avi",
    b"mkv", b"wav",
];
/// Windows program extensions.
const WIN_EXT: &[&[u8]] = &[b"exe", b"dll", b"scr", b"com", b"bat"];
/// Names that look like configuration or scripts, classified in the selective places.
const CONFIG_EXT: &[&[u8]] = &[
    b"json", b"conf", b"cfg", b"ini", b"yaml", b"yml", b"toml", b"sh", b"bash", b"service",
    b"timer",
];

fn is_ko_name(name: &[u8]) -> bool {
    name.ends_with(b".ko")
        || name.ends_with(b".ko.xz")
        || name.ends_with(b".ko.gz")
        || name.ends_with(b".ko.zst")
}

fn is_so_name(name: &[u8]) -> bool {
    name.ends_with(b".so") || memchr::memmem::find(name, b".so.").is_some()
}

fn config_like(name: &[u8]) -> bool {
    name.starts_with(b"config") || ext_of(name).is_some_and(|e| CONFIG_EXT.contains(&e.as_slice()))
}

/// Names read in the selective places for the disguise check: logs, text, media and Windows
/// program names (source-tree names such as `*.md`, `*.html`, `*.json` are many in homes and
/// rarely a disguise; in drop locations and hidden directories every file is read anyway).
fn disguise_candidate(name: &[u8]) -> bool {
    ext_of(name).is_some_and(|e| {
        let e = e.as_slice();
        e == b"log" || e == b"txt" || MEDIA_EXT.contains(&e) || WIN_EXT.contains(&e)
    })
}

impl Ctx<'_> {
    fn runs(&self, c: Check) -> bool {
        self.opts.runs(c)
    }

    fn should_stop(&self) -> bool {
        if self.stop.is_cancelled() {
            return true;
        }
        if self.control.is_cancelled() {
            self.stop.cancel();
            return true;
        }
        false
    }

    fn error(&self, e: ErrorRecord) {
        lock(&self.errors).push(e);
    }

    fn verdict(&self, path: &[u8], facts: String, reasons: Vec<Reason>) {
        if !reasons.is_empty() {
            lock(&self.verdicts).push(Verdict {
                path: path.to_vec(),
                facts,
                reasons,
            });
        }
    }

    fn excluded(&self, p: &[u8]) -> bool {
        self.exclude.iter().any(|x| places::under(p, x))
    }

    fn ioc_reasons<'t>(
        id: &'static str,
        hits: impl Iterator<Item = &'t crate::ioc::Ioc>,
    ) -> Vec<Reason> {
        hits.map(|i| {
            Reason::new(
                id,
                i.severity,
                format!(
                    "{} {} of {} (source: {})",
                    i.kind.as_str(),
                    ferret_core::escape::escape(&i.value),
                    i.family,
                    i.source
                ),
            )
            .with_attack(&i.attack)
        })
        .collect()
    }

    fn visit(&self, ev: WalkEvent<'_>, explicit: bool) -> Visit {
        if self.should_stop() {
            return Visit::Skip;
        }
        match ev {
            WalkEvent::Error(e) => {
                if !matches!(e, ferret_core::Error::Cancelled) {
                    self.error(ErrorRecord::from(&e));
                }
                Visit::Continue
            }
            WalkEvent::Entry(e) => {
                inc(&self.c.entries);
                let p = e.path.as_os_str().as_bytes();
                if self.excluded(p) {
                    return Visit::Skip;
                }
                match e.kind {
                    FileKind::Directory => {
                        if e.depth > 0 {
                            self.visit_dir(p, e.name().as_bytes());
                        }
                    }
                    FileKind::Regular => {
                        self.visit_file(p, e.name().as_bytes(), Meta::Walked(e), explicit);
                    }
                    FileKind::Symlink => {}
                    _ => {
                        inc(&self.c.special);
                    }
                }
                Visit::Continue
            }
        }
    }

    fn visit_dir(&self, p: &[u8], name: &[u8]) {
        let mut reasons = Vec::new();
        if name.first() == Some(&b'.') || places::is_deceptive_name(name) {
            inc(&self.c.hidden_dirs);
        }
        if self.runs(Check::Hidden) && places::is_deceptive_name(name) {
            reasons.push(Reason::new(
                "scan.deceptive-dir",
                Severity::High,
                format!(
                    "directory named {:?}: only dots and spaces, made to be overlooked",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
        if self.runs(Check::Iocs) {
            reasons.extend(Self::ioc_reasons("scan.ioc-dir", self.iocs.dir(name)));
            reasons.extend(Self::ioc_reasons("scan.ioc-path", self.iocs.path(p)));
        }
        self.verdict(p, "directory".to_owned(), reasons);
    }

    /// [`places::hidden_dir`] of a file's path, which looks at its directories only: asked once
    /// per directory and worker (files of one directory are visited in batches).
    fn hidden_dir(&self, p: &[u8]) -> Hidden {
        let Some(slash) = memchr::memrchr(b'/', p) else {
            return places::hidden_dir(p, &self.homes);
        };
        let dir = p.get(..=slash).unwrap_or_default();
        HIDDEN.with_borrow_mut(|(id, d, h)| {
            if *id != self.id || d.as_slice() != dir {
                *h = places::hidden_dir(p, &self.homes);
                *id = self.id;
                d.clear();
                d.extend_from_slice(dir);
            }
            debug_assert_eq!(*h, places::hidden_dir(p, &self.homes));
            h.clone()
        })
    }

    /// Whether a file's content is read, by place (see the crate docs).
    fn wants_content(&self, f: &FileCtx<'_>) -> bool {
        if f.stat.size == 0 {
            return false;
        }
        if f.explicit {
            return true;
        }
        // A packaged file's content is the package verifier's business (`pkg::verify_root`);
        // its name still meets the indicators.
        if f.owned == Some(true) {
            return false;
        }
        if f.place.is_drop() || f.hidden != Hidden::None {
            return true;
        }
        match f.place {
            Place::ModuleTree => false,
            Place::SystemBin | Place::SystemLib => {
                f.owned == Some(false)
                    && (f.exec_bit() || is_so_name(f.name) || is_ko_name(f.name))
                    && (self.runs(Check::Unowned) || self.runs(Check::Packed))
            }
            p if p.is_selective() => {
                f.exec_bit()
                    || f.exec_pos
                    || config_like(f.name)
                    || disguise_candidate(f.name)
                    || is_so_name(f.name)
                    || is_ko_name(f.name)
                    || places::command_file(f.path).is_some()
            }
            _ => is_ko_name(f.name),
        }
    }

    /// Whether the renamed-tool comparison looks at a file of this path, place and ownership
    /// (its size aside): not a packaged file, not the reference programs themselves when there is
    /// no index, and only where attackers put such copies ([`places::tool_copy_place`]), below
    /// a hidden directory or in a named path (`anywhere`).
    fn dual_applies(
        &self,
        path: &[u8],
        name: &[u8],
        place: Place,
        anywhere: bool,
        owned: Option<bool>,
    ) -> bool {
        self.runs(Check::RenamedTools)
            && owned != Some(true)
            && (anywhere || places::tool_copy_place(path, place))
            && !(self.index.is_none()
                && place == Place::SystemBin
                && dualuse::NAMES.iter().any(|n| n.as_bytes() == name))
    }

    /// Whether a file whose content no rule wants and that no indicator named can be passed over
    /// without its `lstat`: true only when no size, mode or owner could make [`Self::wants_content`]
    /// or the renamed-tool comparison take it (`owned` is the index's answer, asked or not).
    /// Checked against both with the real `lstat` in debug builds.
    fn skippable_unseen(
        &self,
        path: &[u8],
        name: &[u8],
        place: Place,
        hidden: &Hidden,
        owned: Option<bool>,
    ) -> bool {
        if place.is_drop() || *hidden != Hidden::None {
            return false;
        }
        let no_dual = self.dual.len() == 0 || !self.dual_applies(path, name, place, false, owned);
        // The same arms as `wants_content`, whatever the stat says. System and selective places
        // always ask the index, so `owned` is what `wants_content` sees there.
        let no_content = match place {
            Place::ModuleTree => true,
            Place::SystemBin | Place::SystemLib => {
                owned != Some(false) || !(self.runs(Check::Unowned) || self.runs(Check::Packed))
            }
            pl if pl.is_selective() => owned == Some(true),
            _ => !is_ko_name(name),
        };
        no_dual && no_content
    }

    fn visit_file(&self, p: &[u8], name: &[u8], meta: Meta<'_>, explicit: bool) {
        inc(&self.c.files);
        let place = places::place_of(p, &self.homes);
        let hidden = if self.runs(Check::Hidden) || explicit {
            self.hidden_dir(p)
        } else {
            Hidden::None
        };
        let mut reasons = Vec::new();
        if self.runs(Check::Iocs) {
            reasons.extend(Self::ioc_reasons("scan.ioc-name", self.iocs.name(name)));
            reasons.extend(Self::ioc_reasons("scan.ioc-path", self.iocs.path(p)));
        }
        // Elsewhere on the root file system (outside the places, web roots and hidden
        // directories) only a `*.ko*` name makes ownership matter: no index lookup for the rest,
        // which `skippable_unseen` passes over whatever the index says.
        let elsewhere = place == Place::Other
            && !explicit
            && hidden == Hidden::None
            && !places::tool_copy_place(p, place)
            && !is_ko_name(name);
        let index_says = if elsewhere {
            None
        } else {
            self.index.as_ref().map(|i| i.is_owned(p))
        };
        if reasons.is_empty()
            && !explicit
            && self.skippable_unseen(p, name, place, &hidden, index_says)
        {
            #[cfg(debug_assertions)]
            self.check_skippable(p, name, &meta, place, &hidden, index_says);
            return;
        }
        // Where content is read whenever the file is not empty, open first: the open's own
        // `fstat` is the metadata, and no `lstat` is spent. That holds in drop locations,
        // hidden directories and named paths, and wherever the name and place alone decide
        // (checked against `wants_content` below in debug builds).
        let exec_pos = places::exec_position(p, &self.homes);
        let by_name = !explicit
            && !place.is_drop()
            && hidden == Hidden::None
            && self.content_by_name(p, name, place, index_says, exec_pos);
        // The directory with its trailing slash (never empty for a walked path).
        let dir = p
            .get(..memchr::memrchr(b'/', p).map_or(0, |i| i + 1))
            .unwrap_or_default();
        // ... except after an empty file in the same directory (lock files, markers, a test's
        // thousands of empty files): there an `lstat` decides first, which for an empty file
        // replaces the open, its `fstat` and the close.
        let open_first = (explicit || place.is_drop() || hidden != Hidden::None || by_name)
            && !LAST_EMPTY.with_borrow(|d| !d.is_empty() && d.as_slice() == dir);
        let Some((stat, opened)) = self.meta(&meta, open_first) else {
            return;
        };
        LAST_EMPTY.with_borrow_mut(|d| {
            d.clear();
            if stat.size == 0 {
                d.extend_from_slice(dir);
            }
        });
        let stat = &stat;
        let needs_owner = place.is_system()
            || self.dual.candidate_size(stat.size)
            || places::command_file(p).is_some()
            || place.is_selective()
            || hidden != Hidden::None;
        let owned = if needs_owner { index_says } else { None };
        let f = FileCtx {
            path: p,
            name,
            stat,
            place,
            hidden,
            explicit,
            owned,
            exec_pos,
        };
        let want = self.wants_content(&f);
        debug_assert!(
            !by_name || want || stat.size == 0,
            "opened by name but not wanted: {}",
            String::from_utf8_lossy(p)
        );
        let dual = self.dual.candidate_size(stat.size)
            && self.dual_applies(p, name, place, f.hidden != Hidden::None || explicit, owned);
        if !want && !dual && reasons.is_empty() {
            return;
        }
        let mut class = None;
        if want || dual {
            if let Some(ins) = self.inspect(&f, &meta, opened, want, dual) {
                reasons.extend(self.rules(&f, &ins));
                if dual {
                    if let Some(r) = ins
                        .sha256
                        .as_ref()
                        .and_then(|d| self.dual.matching(ins.hashed_size, d))
                    {
                        reasons.push(Reason::new(
                            "scan.renamed-tool",
                            Severity::High,
                            format!(
                                "identical (size and SHA-256) to {}{}: a renamed {}",
                                ferret_core::escape::escape(&r.path),
                                r.package.as_ref().map_or(String::new(), |p| format!(
                                    " of package {}",
                                    ferret_core::escape::escape(p)
                                )),
                                r.name
                            ),
                        ));
                    }
                }
                if want && self.collect_targets {
                    lock(&self.targets).push(PathBuf::from(std::ffi::OsStr::from_bytes(p)));
                }
                class = ins.class;
            }
        }
        if reasons.is_empty() {
            return;
        }
        // The facts are written only for a file that is reported.
        let mut facts = String::new();
        if let Some(c) = &class {
            let _ = write!(facts, "{}; ", describe(c));
        }
        facts.push_str(&crate::findings::file_facts(stat));
        self.verdict(p, facts, reasons);
    }

    /// Whether the content of a non-empty file at `p` in `place` is read whatever its mode
    /// (the name and place alone decide [`Self::wants_content`]), so that it can be opened
    /// without an `lstat` first. Outside drop locations and hidden directories; `owned` is the
    /// index's answer.
    fn content_by_name(
        &self,
        p: &[u8],
        name: &[u8],
        place: Place,
        owned: Option<bool>,
        exec_pos: bool,
    ) -> bool {
        if owned == Some(true) {
            return false;
        }
        match place {
            Place::SystemBin | Place::SystemLib => {
                owned == Some(false)
                    && (is_so_name(name) || is_ko_name(name))
                    && (self.runs(Check::Unowned) || self.runs(Check::Packed))
            }
            pl if pl.is_selective() => {
                config_like(name)
                    || disguise_candidate(name)
                    || is_so_name(name)
                    || is_ko_name(name)
                    || places::command_file(p).is_some()
                    || exec_pos
            }
            _ => false,
        }
    }

    /// The metadata of a file (the open's `fstat` when `open_first`, with the open file; its
    /// `lstat` otherwise); `None` when it could not be had (recorded unless the file is gone).
    fn meta(&self, meta: &Meta<'_>, open_first: bool) -> Option<(Stat, Option<SafeFile>)> {
        let got = if open_first {
            meta.open().map(|sf| (*sf.stat(), Some(sf)))
        } else {
            meta.stat().map(|st| (st, None))
        };
        match got {
            Ok(v) => Some(v),
            Err(e) => {
                if !e.is_not_found() {
                    self.error(ErrorRecord::from(&e));
                }
                None
            }
        }
    }

    /// In debug builds: a file [`Self::skippable_unseen`] passed over must be one that, with its
    /// `lstat`, no rule would have read or compared.
    #[cfg(debug_assertions)]
    fn check_skippable(
        &self,
        p: &[u8],
        name: &[u8],
        meta: &Meta<'_>,
        place: Place,
        hidden: &Hidden,
        index_says: Option<bool>,
    ) {
        let Ok(stat) = meta.stat() else { return };
        let needs_owner = place.is_system()
            || self.dual.candidate_size(stat.size)
            || places::command_file(p).is_some()
            || place.is_selective()
            || *hidden != Hidden::None;
        let f = FileCtx {
            path: p,
            name,
            stat: &stat,
            place,
            hidden: hidden.clone(),
            explicit: false,
            owned: if needs_owner { index_says } else { None },
            exec_pos: places::exec_position(p, &self.homes),
        };
        let dual = self.dual.candidate_size(stat.size)
            && self.dual_applies(p, name, place, *hidden != Hidden::None, f.owned);
        debug_assert!(
            !self.wants_content(&f) && !dual,
            "skipped unseen but wanted: {}",
            String::from_utf8_lossy(p)
        );
    }

    /// Reads what the rules need from one file (`opened` when [`Self::meta`] opened it).
    fn inspect(
        &self,
        f: &FileCtx<'_>,
        meta: &Meta<'_>,
        opened: Option<SafeFile>,
        want: bool,
        dual: bool,
    ) -> Option<Inspection> {
        let sf = match opened.map_or_else(|| meta.open(), Ok) {
            Ok(sf) => sf,
            Err(e) => {
                if !e.is_not_found() {
                    self.error(ErrorRecord::from(&e));
                }
                return None;
            }
        };
        let size = sf.stat().size;
        let file = sf.file();
        let io_err = |e: std::io::Error| ErrorRecord::from_error(Some(f.path), &e);
        let mut read_total = 0u64;
        let mut ins = Inspection::default();
        if want {
            let head = match read_head(file, classify::HEAD_BYTES.min(size as usize)) {
                Ok(h) => h,
                Err(e) => {
                    self.error(io_err(e));
                    return None;
                }
            };
            read_total += head.len() as u64;
            let mut src = FileAt {
                file,
                size,
                read: 0,
            };
            let content = classify::content_of(&head, || elf::parse_from(&mut src));
            read_total += src.read;
            let n = inc(&self.c.classified);
            let mut entropy = None;
            let mut packing = Vec::new();
            match &content {
                Content::Elf(e) => {
                    inc(&self.c.elf);
                    if e.kind == ElfKind::KernelModule {
                        inc(&self.c.kmods);
                    }
                    if self.runs(Check::Packed) {
                        if (f.exposed() || f.place.is_system()) && classify::looks_odd(e, &head) {
                            let len = classify::ENTROPY_BYTES.min(size as usize);
                            let data = if len <= head.len() {
                                head.get(..len).map(<[u8]>::to_vec).unwrap_or_default()
                            } else {
                                match read_at(file, 0, len) {
                                    Ok(d) => {
                                        read_total += d.len() as u64;
                                        d
                                    }
                                    Err(e) => {
                                        self.error(io_err(e));
                                        Vec::new()
                                    }
                                }
                            };
                            if !data.is_empty() {
                                entropy = Some(classify::entropy(&data));
                            }
                        }
                        packing = classify::packing(e, &head, entropy);
                    }
                }
                Content::Script(_) => {
                    inc(&self.c.scripts);
                }
                Content::Archive(a) => {
                    inc(&self.c.archives);
                    if let (true, Some((comp, unc))) = (a.bomb_suspect, a.first_member) {
                        self.error(ErrorRecord::new(
                            Some(f.path),
                            None,
                            format!(
                                "{} archive whose first member declares {unc} bytes from {comp}: a decompression bomb if unpacked; classified only, not unpacked",
                                a.format.as_str()
                            ),
                        ));
                    }
                }
                _ => {}
            }
            let class = Classification {
                content,
                entropy,
                packing,
            };
            let text_wanted = class.is_text()
                && (f.exposed()
                    || f.exec_pos
                    || places::command_file(f.path).is_some()
                    || config_like(f.name));
            if text_wanted && size <= self.opts.max_text_bytes {
                if head.len() as u64 >= size {
                    ins.text = Some(head);
                } else {
                    match read_at(file, 0, size as usize) {
                        Ok(t) => {
                            read_total += t.len() as u64;
                            ins.text = Some(t);
                        }
                        Err(e) => self.error(io_err(e)),
                    }
                }
            }
            ins.class = Some(class);
            if n.is_multiple_of(1024) {
                let mut p = Progress::default();
                p.items_done = n;
                p.bytes_done = get(&self.c.bytes);
                self.control.report(p);
            }
        }
        let ioc_hash = want
            && self.runs(Check::Iocs)
            && self.iocs.has_digests()
            && ins
                .class
                .as_ref()
                .is_some_and(|c| c.elf().is_some() || c.script().is_some())
            && (f.exposed() || f.place.is_system() || f.exec_pos);
        if ioc_hash && size > self.opts.max_hash_bytes {
            let n = inc(&self.c.over_cap);
            if n == 1 {
                *lock(&self.first_over_cap) = f.path.to_vec();
            }
        }
        if (ioc_hash || dual) && size <= self.opts.max_hash_bytes {
            let mut h = sha2::Sha256::default();
            let mut off = 0u64;
            let mut ok = true;
            HASH_BUF.with_borrow_mut(|buf| {
                while off < size {
                    if !self.control.charge(0) {
                        ok = false;
                        break;
                    }
                    let want = (size - off).min(HASH_CHUNK as u64) as usize;
                    let slot = buf.get_mut(..want).unwrap_or_default();
                    match read_into(file, off, slot) {
                        Ok(0) => break,
                        Ok(n) => {
                            sha2::Digest::update(&mut h, slot.get(..n).unwrap_or_default());
                            off += n as u64;
                            // Charged as read, so a large file keeps to the I/O budget.
                            self.control.charge(n as u64);
                            self.c.bytes.fetch_add(n as u64, Ordering::Relaxed);
                        }
                        Err(e) => {
                            self.error(io_err(e));
                            ok = false;
                            break;
                        }
                    }
                }
            });
            if ok {
                inc(&self.c.hashed);
                ins.sha256 = Some(sha2::Digest::finalize(h).into());
                ins.hashed_size = off;
            }
        }
        self.control.charge(read_total);
        self.c.bytes.fetch_add(read_total, Ordering::Relaxed);
        if let Err(e) = sf.check_unchanged() {
            self.error(ErrorRecord::from(&e));
        }
        Some(ins)
    }

    /// The reasons to report a file, from what it is and where it lies.
    fn rules(&self, f: &FileCtx<'_>, ins: &Inspection) -> Vec<Reason> {
        let mut out = Vec::new();
        if let (Some(d), true) = (&ins.sha256, self.runs(Check::Iocs)) {
            out.extend(Self::ioc_reasons("scan.ioc-hash", self.iocs.sha256(d)));
        }
        let Some(c) = &ins.class else {
            return out;
        };
        let elf = c.elf();
        let program = c.is_elf_program();
        let script = c.script();
        let executable = program || (script.is_some() && (f.exec_bit() || f.exec_pos));
        let what = match (elf, script) {
            (Some(e), _) => format!("ELF {}", e.kind),
            (None, Some(s)) => format!(
                "{} script{}",
                String::from_utf8_lossy(&s.interpreter),
                if f.exec_bit() {
                    " with the execute bit"
                } else {
                    " in an exec position"
                }
            ),
            _ => String::new(),
        };
        // Executables where nothing should run from.
        if executable && self.runs(Check::Placement) {
            let sev = match (program, f.exec_bit(), f.place) {
                (_, _, Place::Shm) | (true, true, _) => Severity::High,
                _ => Severity::Medium,
            };
            let id = match f.place {
                Place::Temp | Place::Shm | Place::Run => Some("scan.exec-in-temp"),
                Place::Log => Some("scan.exec-in-log"),
                Place::Spool if places::command_file(f.path).is_none() => {
                    Some("scan.exec-in-spool")
                }
                _ => None,
            };
            if let Some(id) = id {
                let sev = if id == "scan.exec-in-temp" {
                    sev
                } else {
                    Severity::High
                };
                out.push(Reason::new(
                    id,
                    sev,
                    format!("{what} in a {}", f.place.as_str()),
                ));
            }
        }
        if executable && self.runs(Check::Hidden) {
            match &f.hidden {
                Hidden::Suspicious(d) | Hidden::Deceptive(d) => out.push(Reason::new(
                    "scan.exec-in-hidden-dir",
                    Severity::High,
                    format!(
                        "{what} below the hidden directory {}",
                        ferret_core::escape::escape(d)
                    ),
                )),
                Hidden::None => {}
            }
        }
        // Kernel modules outside the tree.
        if self.runs(Check::Modules) && !self.in_module_tree(f.path) && !module_build_tree(f.path) {
            if c.is_kernel_module() {
                let m = elf.and_then(|e| e.modinfo.as_ref());
                let field = |v: Option<&Vec<u8>>| {
                    v.map_or("?".to_owned(), |b| ferret_core::escape::escape(b))
                };
                let sev = if f.exposed() {
                    Severity::Critical
                } else {
                    Severity::High
                };
                out.push(Reason::new(
                    "scan.kernel-module-outside-tree",
                    sev,
                    format!(
                        "kernel module (name {}, vermagic {}, license {}) outside /lib/modules/<release>",
                        field(m.and_then(|m| m.name.as_ref())),
                        field(m.and_then(|m| m.vermagic.as_ref())),
                        field(m.and_then(|m| m.license.as_ref())),
                    ),
                ));
            } else if is_ko_name(f.name)
                && !f.name.ends_with(b".ko")
                && matches!(c.content, Content::Archive(_))
            {
                out.push(Reason::new(
                    "scan.kernel-module-outside-tree",
                    Severity::Medium,
                    "compressed kernel module (by name) outside /lib/modules/<release>",
                ));
            }
        }
        // Names that lie.
        if self.runs(Check::Disguise) {
            let ext = ext_of(f.name);
            let ext = ext.as_deref();
            let second = second_ext_of(f.name);
            let is = |list: &[&[u8]], e: Option<&[u8]>| e.is_some_and(|e| list.contains(&e));
            let esc = |e: Option<&[u8]>| {
                e.map_or(String::new(), |e| String::from_utf8_lossy(e).into_owned())
            };
            if elf.is_some() && is(DATA_EXT, ext) {
                out.push(Reason::new(
                    "scan.disguised-file",
                    Severity::High,
                    format!("named *.{} but is {what}", esc(ext)),
                ));
            } else if elf.is_some() && is(WIN_EXT, ext) {
                let double = is(DATA_EXT, second.as_deref());
                out.push(Reason::new(
                    "scan.disguised-file",
                    Severity::High,
                    if double {
                        format!(
                            "double extension *.{}.{} on {what}",
                            esc(second.as_deref()),
                            esc(ext)
                        )
                    } else {
                        format!(
                            "named like a Windows program (*.{}) but is {what}",
                            esc(ext)
                        )
                    },
                ));
            } else if (script.is_some() || matches!(c.content, Content::Archive(_)))
                && is(MEDIA_EXT, ext)
            {
                out.push(Reason::new(
                    "scan.disguised-file",
                    Severity::Medium,
                    format!("named *.{} but is {}", esc(ext), describe(c)),
                ));
            }
        }
        // Packed ELF.
        if !c.packing.is_empty() {
            let signs: Vec<String> = c.packing.iter().map(ToString::to_string).collect();
            let sev = if f.exposed() || f.place.is_system() {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(Reason::new(
                "scan.packed-elf",
                sev,
                format!("packed: {}", signs.join(", ")),
            ));
        }
        // Unowned executables in system paths.
        if self.runs(Check::Unowned)
            && f.place.is_system()
            && f.owned == Some(false)
            && (program || c.is_kernel_module() || (script.is_some() && f.exec_bit()))
        {
            let suid = f.stat.mode & 0o6000 != 0;
            out.push(Reason::new(
                "scan.unowned-system-executable",
                if suid {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "{what} in a {} that no package owns{}",
                    f.place.as_str(),
                    if suid { " (setuid/setgid)" } else { "" }
                ),
            ));
        }
        // Text: miner configurations, wallets, pools, command lines.
        if let Some(text) = &ins.text {
            // Pools count in exposed places and exec positions, elsewhere only beside a miner
            // configuration: searched for only then.
            let pools_count = f.exposed() || f.exec_pos;
            let mut pools = if self.runs(Check::Iocs) && pools_count {
                self.iocs.pools(text)
            } else {
                Vec::new()
            };
            let mut miner_seen = false;
            if self.runs(Check::Miner) {
                if let Some(m) = crate::miner::miner_config(text) {
                    miner_seen = true;
                    let mut t = format!("miner configuration ({})", m.signals.join(", "));
                    if !m.pools.is_empty() {
                        let p: Vec<String> = m
                            .pools
                            .iter()
                            .take(3)
                            .map(|p| ferret_core::escape::escape(p))
                            .collect();
                        let _ = write!(t, "; pools {}", p.join(", "));
                    }
                    if let Some(w) = m.wallets.first() {
                        let _ = write!(t, "; {} wallet {}", w.coin.as_str(), w.address);
                    }
                    out.push(Reason::new("scan.miner-config", Severity::Critical, t));
                } else if f.exposed() || f.exec_pos {
                    let w = crate::miner::wallets(text);
                    if let Some(first) = w
                        .iter()
                        .find(|w| w.coin == crate::miner::Coin::Monero)
                        .or_else(|| (!pools.is_empty()).then(|| w.first()).flatten())
                    {
                        miner_seen = true;
                        out.push(Reason::new(
                            "scan.miner-wallet",
                            Severity::High,
                            format!("{} wallet address {}", first.coin.as_str(), first.address),
                        ));
                    }
                }
            }
            if miner_seen && !pools_count && self.runs(Check::Iocs) {
                pools = self.iocs.pools(text);
            }
            if !pools.is_empty() && (pools_count || miner_seen) {
                for p in pools {
                    out.push(
                        Reason::new(
                            "scan.ioc-pool",
                            p.severity,
                            format!(
                                "mining pool {} ({})",
                                ferret_core::escape::escape(&p.value),
                                p.source
                            ),
                        )
                        .with_attack(&p.attack),
                    );
                }
            }
            if self.runs(Check::Commands) && f.owned != Some(true) {
                let kind = places::command_file(f.path).or_else(|| {
                    (script.is_some() && (f.exposed() || f.exec_pos)).then_some(CommandFile::Script)
                });
                if let Some(kind) = kind {
                    let hits = commands::classify_file(text, kind);
                    if let Some(r) = command_reason(f.path, &hits) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    fn in_module_tree(&self, p: &[u8]) -> bool {
        for base in [&b"/lib/modules/"[..], b"/usr/lib/modules/"] {
            if let Some(rest) = p.strip_prefix(base) {
                if let Some(slash) = memchr::memchr(b'/', rest) {
                    let release = rest.get(..slash).unwrap_or_default();
                    if self.releases.iter().any(|r| r == release) {
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// DKMS build trees and debug symbols hold kernel modules outside the tree legitimately.
fn module_build_tree(p: &[u8]) -> bool {
    places::under(p, b"/var/lib/dkms")
        || places::under(p, b"/usr/src")
        || places::under(p, b"/usr/lib/debug")
}

fn describe(c: &Classification) -> String {
    match &c.content {
        Content::Elf(e) => {
            let mut s = format!(
                "ELF {} ({}, machine {})",
                e.kind,
                match e.class {
                    crate::elf::ElfClass::Elf32 => "32-bit",
                    crate::elf::ElfClass::Elf64 => "64-bit",
                },
                e.machine
            );
            if let Some(h) = c.entropy {
                let _ = write!(s, ", entropy {h:.2}");
            }
            if !e.problems.is_empty() {
                let _ = write!(s, ", malformed: {}", e.problems.join("; "));
            }
            s
        }
        Content::Script(s) => format!("{} script", String::from_utf8_lossy(&s.interpreter)),
        Content::Archive(a) => {
            let mut s = format!("{} archive (not unpacked)", a.format.as_str());
            if a.bomb_suspect {
                if let Some((comp, unc)) = a.first_member {
                    let _ = write!(
                        s,
                        ", decompression bomb suspected: first member declares {unc} bytes from {comp}"
                    );
                }
            }
            s
        }
        Content::BrokenElf(e) => format!("broken ELF ({e})"),
        other => other.name().to_owned(),
    }
}

fn command_reason(path: &[u8], hits: &[commands::CommandHit]) -> Option<Reason> {
    let mut kinds = ferret_core::command::Kinds::empty();
    for h in hits {
        kinds.extend(h.kinds);
    }
    let sev = kinds.max_severity()?;
    let names: Vec<&str> = kinds
        .iter()
        .map(ferret_core::command::CommandKind::id)
        .collect();
    let attack: Vec<&str> = kinds
        .iter()
        .flat_map(|k| k.attack().iter().copied())
        .collect();
    let lines: Vec<String> = hits.iter().take(5).map(|h| h.line.to_string()).collect();
    let mut r = Reason::new(
        "scan.malicious-command",
        sev,
        format!(
            "command lines that {} (line{} {})",
            names.join(", "),
            if lines.len() == 1 { "" } else { "s" },
            lines.join(", ")
        ),
    )
    .with_attack(&attack);
    r.evidence = hits
        .iter()
        .take(5)
        .map(|h| ferret_core::Evidence::line(path, h.line).with_excerpt(&h.text))
        .collect();
    Some(r)
}

/// Homes: passwd's and every directory in `/home`.
fn homes(root: &HostRoot, errors: &mut Vec<ErrorRecord>) -> Vec<Vec<u8>> {
    let passwd = match root.read_optional("/etc/passwd") {
        Ok(b) => b.unwrap_or_default(),
        Err(e) => {
            errors.push(ErrorRecord::from(&e));
            Vec::new()
        }
    };
    let mut h = places::homes_from_passwd(&passwd);
    if let Ok(ents) = root.read_dir("/home") {
        for e in ents {
            if e.kind == Some(FileKind::Directory) {
                let mut p = b"/home/".to_vec();
                p.extend_from_slice(e.name.as_bytes());
                h.push(p);
            }
        }
    }
    h.sort();
    h.dedup();
    h
}

fn releases(root: &HostRoot) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for d in ["/lib/modules", "/usr/lib/modules"] {
        if let Ok(ents) = root.read_dir(d) {
            out.extend(
                ents.into_iter()
                    .filter(|e| e.kind == Some(FileKind::Directory))
                    .map(|e| e.name.as_bytes().to_vec()),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `/etc/ld.so.preload` entries against the preload and name indicators.
fn preload(ctx: &Ctx<'_>) {
    let Ok(Some(buf)) = ctx.root.read_optional("/etc/ld.so.preload") else {
        return;
    };
    let mut reasons = Vec::new();
    for (i, line) in buf.split(|b| *b == b'\n').enumerate() {
        let line = line.split(|b| *b == b'#').next().unwrap_or_default();
        for entry in line
            .split(|b| b.is_ascii_whitespace() || *b == b':')
            .filter(|e| !e.is_empty())
        {
            let base = entry.rsplit(|b| *b == b'/').next().unwrap_or(entry);
            let hits: Vec<&crate::ioc::Ioc> =
                ctx.iocs.preload(entry).chain(ctx.iocs.name(base)).collect();
            for h in hits {
                let mut r = Reason::new(
                    "scan.ioc-preload",
                    h.severity,
                    format!(
                        "preloads {} ({}; source: {})",
                        ferret_core::escape::escape(entry),
                        h.family,
                        h.source
                    ),
                )
                .with_attack(&h.attack);
                r.evidence.push(
                    ferret_core::Evidence::line("/etc/ld.so.preload", i as u64 + 1)
                        .with_excerpt(entry),
                );
                reasons.push(r);
            }
        }
    }
    ctx.verdict(b"/etc/ld.so.preload", String::new(), reasons);
}

pub(crate) fn run(root: &HostRoot, opts: &ScanOptions, control: &Control) -> ScanReport {
    let started = Instant::now();
    let mut errors: Vec<ErrorRecord> = Vec::new();
    let mut stats = ScanStats::default();
    let needs_index =
        opts.runs(Check::Unowned) || opts.runs(Check::RenamedTools) || opts.runs(Check::Commands);
    let index = match (&opts.package_index, needs_index) {
        (Some(i), _) => Some(Arc::clone(i)),
        (None, true) => {
            let r = index_root(root, &IndexOptions::default(), control);
            errors.extend(r.errors);
            (!r.index.is_empty()).then(|| Arc::new(r.index))
        }
        (None, false) => None,
    };
    stats.package_index = match &index {
        Some(i) if i.sources().is_empty() => format!("caller's index: {} paths", i.len()),
        Some(i) => i.sources().join("; "),
        None if needs_index => "no package database found: unowned executables not reported, renamed tools compared with every file in the system binary directories".to_owned(),
        None => "not needed".to_owned(),
    };
    let homes = homes(root, &mut errors);
    let dual = if opts.runs(Check::RenamedTools) {
        DualUse::load(root, index.as_deref(), opts.max_hash_bytes, &mut errors)
    } else {
        DualUse::default()
    };
    let yara_wanted = opts.runs(Check::Yara) && opts.yara.rules.is_some();
    let ctx = Ctx {
        root,
        opts,
        control,
        stop: CancelToken::new(),
        releases: releases(root),
        homes,
        index,
        iocs: opts
            .iocs
            .clone()
            .unwrap_or_else(|| Arc::new(IocTable::builtin())),
        dual,
        exclude: opts
            .exclude
            .iter()
            .map(|p| HostRoot::inner(p).as_os_str().as_bytes().to_vec())
            .collect(),
        c: Counters::default(),
        verdicts: Mutex::new(Vec::new()),
        errors: Mutex::new(errors),
        targets: Mutex::new(Vec::new()),
        first_over_cap: Mutex::new(Vec::new()),
        collect_targets: yara_wanted,
        id: SCANS.fetch_add(1, Ordering::Relaxed),
    };
    // The walks: the root filesystem (for hidden directories), and the places on other
    // filesystems; without the hidden-directory check, the places alone.
    let root_dev = root.open_root().and_then(|d| d.stat()).map(|s| s.dev).ok();
    let mut walk_starts: Vec<PathBuf> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    if opts.walk_places && opts.runs(Check::Hidden) {
        walk_starts.push(PathBuf::from("/"));
    }
    let place_dirs = places::DROP_DIRS
        .iter()
        .map(|(d, _)| PathBuf::from(d))
        .chain(
            ctx.homes
                .iter()
                .map(|h| PathBuf::from(std::ffi::OsStr::from_bytes(h))),
        )
        .filter(|_| opts.walk_places);
    for d in place_dirs {
        let Ok(h) = root.open_dir(&d) else { continue };
        let resolved = h.path().to_path_buf();
        if seen.contains(&resolved) {
            continue;
        }
        seen.push(resolved.clone());
        let other_fs = match (h.stat(), root_dev) {
            (Ok(s), Some(r)) => s.dev != r,
            _ => true,
        };
        if !opts.runs(Check::Hidden) || other_fs {
            walk_starts.push(resolved);
        }
    }
    let wopts = {
        let mut w = WalkOptions::default();
        w.cancel = ctx.stop.clone();
        w
    };
    walk_starts.retain(|s| !ctx.excluded(s.as_os_str().as_bytes()));
    stats.walks.extend(
        walk_starts
            .iter()
            .map(|s| ferret_core::escape::escape(s.as_os_str().as_bytes())),
    );
    control.install(|| {
        // The walks are independent: all run at once on the pool (each is parallel inside),
        // so the small ones (tmpfs places) fill the gaps of the large one. What they find is
        // put in order when the report is assembled.
        rayon::scope(|sc| {
            for s in &walk_starts {
                let ctx = &ctx;
                let wopts = &wopts;
                sc.spawn(move |_| {
                    if ctx.should_stop() {
                        return;
                    }
                    let r = walk_parallel(root, s, wopts, |ev| ctx.visit(ev, false));
                    if let Err(e) = r {
                        if !matches!(e, ferret_core::Error::Cancelled) {
                            ctx.error(ErrorRecord::from(&e));
                        }
                    }
                });
            }
        });
        if opts.walk_places && opts.runs(Check::WebShell) && !ctx.should_stop() {
            let excluded = |p: &[u8]| ctx.excluded(p);
            let web = crate::webshell::scan_web_roots(root, opts, control, &ctx.stop, &excluded);
            lock(&ctx.verdicts).extend(web.verdicts);
            lock(&ctx.errors).extend(web.errors);
            stats.web_roots = web.roots;
            stats.web_files = web.files;
            ctx.c.bytes.fetch_add(web.bytes, Ordering::Relaxed);
        }
        for p in &opts.paths {
            if ctx.should_stop() {
                break;
            }
            let inner = HostRoot::inner(p);
            match root.lstat(&inner) {
                Ok(st) if st.kind == FileKind::Directory => {
                    stats.walks.push(ferret_core::escape::escape_path(&inner));
                    let r = walk_parallel(root, &inner, &wopts, |ev| ctx.visit(ev, true));
                    if let Err(e) = r {
                        if !matches!(e, ferret_core::Error::Cancelled) {
                            ctx.error(ErrorRecord::from(&e));
                        }
                    }
                }
                Ok(st) if st.kind == FileKind::Regular => {
                    let pb = inner.as_os_str().as_bytes();
                    let name = inner
                        .file_name()
                        .map(OsStrExt::as_bytes)
                        .unwrap_or_default();
                    let meta = Meta::Named {
                        root,
                        inner: &inner,
                        stat: st,
                    };
                    ctx.visit_file(pb, name, meta, true);
                }
                Ok(st) => ctx.error(ErrorRecord::new(
                    Some(inner.as_os_str().as_bytes()),
                    None,
                    format!("is a {}; only files and directories are scanned", st.kind),
                )),
                Err(e) => ctx.error(ErrorRecord::from(&e)),
            }
        }
    });
    if opts.runs(Check::Iocs) && !ctx.should_stop() {
        preload(&ctx);
    }
    #[cfg(feature = "yara")]
    if yara_wanted && !ctx.should_stop() {
        stats.yara = Some(crate::yara::run(&ctx));
    }
    #[cfg(not(feature = "yara"))]
    if yara_wanted {
        ctx.error(ErrorRecord::new(
            opts.yara.rules.as_deref().map(|p| p.as_os_str().as_bytes()),
            None,
            "YARA rules given, but ferret-scan was built without the `yara` feature; no rule ran",
        ));
    }
    let over = get(&ctx.c.over_cap);
    if over > 0 {
        let first = std::mem::take(&mut *lock(&ctx.first_over_cap));
        ctx.error(ErrorRecord::new(
            Some(&first),
            None,
            format!(
                "{over} ELF file(s) or script(s) larger than the {}-byte hashing cap (this one among them) were not compared with the digest indicators",
                opts.max_hash_bytes
            ),
        ));
    }
    if ctx.stop.is_cancelled() {
        let why = if control.out_of_time() {
            "time budget"
        } else {
            "cancelled"
        };
        stats.stopped = Some(why.to_owned());
        ctx.error(ErrorRecord::new(
            None,
            None,
            format!("scan stopped early ({why}): results are partial"),
        ));
    }
    let c = &ctx.c;
    stats.entries = get(&c.entries);
    stats.files = get(&c.files);
    stats.classified = get(&c.classified);
    stats.bytes_read = get(&c.bytes);
    stats.elf = get(&c.elf);
    stats.scripts = get(&c.scripts);
    stats.archives = get(&c.archives);
    stats.kernel_modules = get(&c.kmods);
    stats.hidden_dirs = get(&c.hidden_dirs);
    stats.special_files = get(&c.special);
    stats.hashed = get(&c.hashed);
    stats.tool_references = ctx.dual.len() as u64;
    let verdicts = std::mem::take(&mut *lock(&ctx.verdicts));
    let mut outcome = ferret_core::Outcome::new();
    outcome.findings = findings::assemble(verdicts, opts.group_threshold);
    outcome.errors = std::mem::take(&mut *lock(&ctx.errors));
    stats.duration_ms = started.elapsed().as_millis() as u64;
    ScanReport { stats, outcome }
}

impl Ctx<'_> {
    /// Adds YARA reasons to a path (used by the YARA pass).
    #[cfg(feature = "yara")]
    pub(crate) fn add_reasons(&self, path: &[u8], facts: String, reasons: Vec<Reason>) {
        self.verdict(path, facts, reasons);
    }

    #[cfg(feature = "yara")]
    pub(crate) fn record_error(&self, e: ErrorRecord) {
        self.error(e);
    }

    #[cfg(feature = "yara")]
    pub(crate) fn parts(&self) -> (&HostRoot, &ScanOptions, &Control) {
        (self.root, self.opts, self.control)
    }

    #[cfg(feature = "yara")]
    pub(crate) fn stopped(&self) -> bool {
        self.should_stop()
    }
}
