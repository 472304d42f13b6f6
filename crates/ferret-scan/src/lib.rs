//! # ferret-scan
//!
//! What was dropped on disk. An image, a stopped miner or a cron job that runs hourly leaves
//! only files: `ferret-scan` walks the places attackers drop them and every hidden directory
//! of the root filesystem, classifies files **by content** (ELF executables, shared objects and
//! kernel modules, scripts, packed binaries, archives, miner configurations), joins them with
//! the package databases, and reports what does not belong: one finding per file with all its
//! reasons, many alike grouped.
//!
//! ```
//! use ferret_scan::{scan_root, ScanOptions};
//! use ferret_scan::core::{Control, HostRoot, Severity};
//! use std::os::unix::fs::PermissionsExt;
//! let t = tempfile::tempdir()?;
//! std::fs::create_dir_all(t.path().join("tmp"))?;
//! let miner = t.path().join("tmp/kdevtmpfsi");
//! std::fs::write(&miner, ferret_testkit::elf::build(2, &[(b".text", b"\x90")]))?;
//! std::fs::set_permissions(&miner, std::fs::Permissions::from_mode(0o755))?;
//! let report = scan_root(&HostRoot::new(t.path())?, &ScanOptions::default(), &Control::new());
//! let f = &report.outcome.findings[0];
//! assert_eq!(f.subject, "/tmp/kdevtmpfsi");
//! assert_eq!((f.id.as_str(), f.severity), ("scan.ioc-name", Severity::Critical));
//! assert_eq!(f.also_reported_as, ["scan.exec-in-temp"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Entry points: [`scan_root`] (a root: live `/` or a mounted image) and the in-memory twins
//! [`classify::classify`] (bytes → what they are), [`elf::parse`], [`elf::parse_modinfo`],
//! [`miner::miner_config`], [`miner::wallets`], [`ioc::IocTable`].
//!
//! # Where it looks
//!
//! - **Drop locations**, every non-empty regular file classified: `/tmp`, `/var/tmp`,
//!   `/dev/shm`, `/run` (and `/run/user/*`), `/var/log`, `/var/spool`.
//! - **Hidden directories**: the whole root filesystem is walked (without crossing into other
//!   filesystems; the drop locations and homes on other filesystems are walked too), and every
//!   file below a hidden directory is classified. A directory counts as hidden when its name
//!   starts with `.` (unless it sits directly in a home, where dot-directories are
//!   configuration, or is a tool's: `.git`, `.cargo`, `.venv`, ... see
//!   [`places::BENIGN_HIDDEN`]) or is made only of dots and spaces (`...`, `' '`: always
//!   suspicious, and reported itself).
//! - **Selective places**: `/var/lib`, `/usr/local`, `/opt`, `/etc` and every home (from
//!   `/etc/passwd`, and `/root`): executable files, names that look like configuration
//!   (`*.json`, `*.conf`, `config*`, ...), names of data types an executable could hide behind
//!   (`*.log`, `*.jpg`, ...), shared objects and kernel modules, and the files the system runs
//!   or sources (cron, systemd, init scripts, shell profiles).
//! - **System paths** `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/lib*`, `/usr/lib*`: only the
//!   files no package owns (the package database, see below); the kernel-module tree is left to
//!   the package verifier.
//! - **Everywhere else** on the root filesystem (`/usr/share`, `/usr/include`, build trees and
//!   caches outside homes, ...): names only (indicators, `*.ko*`), taken from the directory
//!   listing without an `lstat` of the file.
//! - **Renamed tools** (a file of the same size and SHA-256 as a packaged `curl`, `wget`, `nc`,
//!   ...) are looked for where attackers put them ([`places::tool_copy_place`]): drop
//!   locations, homes, the selective places, system paths, hidden directories, named paths and
//!   the usual web roots outside those places (`/var/www`, `/srv`, `/www`, `/data/wwwroot`,
//!   `/usr/share/nginx`, `/usr/share/tomcat*`; [`places::WEB_PREFIXES`]). Not in the rest of
//!   the root file system or the kernel-module tree: finding a copy there needs the size of
//!   every file of the root file system, an `lstat` each (on the benchmark machine, with its
//!   build trees, that was about 210k of the default scan's 600k `lstat`s). A copy hidden
//!   there is missed unless it is named with [`ScanOptions::paths`] or lies below a hidden
//!   directory.
//! - **Paths the caller names** ([`ScanOptions::paths`]): everything, as in a drop location.
//! - **Web roots** ([`Check::WebShell`], see [`webshell`]): the document roots the host's own
//!   configuration names (nginx `root`, Apache `DocumentRoot` in `/etc/nginx`, `/etc/httpd`,
//!   `/etc/apache2`, BT-Panel's `/www/server/panel/vhost`, `/usr/local/nginx/conf`) and the
//!   usual ones (`/var/www`, `/usr/share/nginx/html`, `/srv/www`, `/srv/http`, `/www/wwwroot`,
//!   `/home/*/public_html`, `/opt/*/webapps`, `/usr/local/tomcat/webapps`,
//!   `/var/lib/tomcat*/webapps`, ...), each walked once (a root inside another is walked with
//!   it; `/`, `/usr` and the like named by a configuration are not web roots). Server-side
//!   scripts (`.php*`, `.phtml`, `.inc`, `.jsp*`, `.asp*`, `.cgi`) are read up to
//!   [`ScanOptions::max_webshell_bytes`], `.htaccess`/`.user.ini`/`php.ini` whole, media
//!   (`.jpg`, `.png`, `.gif`, `.ico`, ...) at the head and tail (16 + 8 KiB), other files up to 64 KiB only
//!   for PHP code; static files (`.js`, `.css`, `.html`, fonts, archives) are not read.
//!
//! Reads are forensically sound (`ferret-core`: `O_NOFOLLOW|O_NONBLOCK|O_NOATIME`, type checked
//! before and after open; FIFOs, sockets and devices are never opened; a symbolic link is never
//! followed, so a link cannot lead the scan out of the root) and bounded: the first 4 KiB of a
//! file, the ELF tables by positioned reads, the first MiB of an odd ELF file for its entropy
//! ([`classify::looks_odd`]), text
//! files up to [`ScanOptions::max_text_bytes`], and whole files only for hashing (up to
//! [`ScanOptions::max_hash_bytes`]) when a digest indicator, a renamed-tool candidate of the
//! same size, or a YARA rule needs them. Archives are classified, never unpacked (a zip whose
//! declared sizes make a decompression bomb is flagged in the file's detail). A file that
//! changes while it is read is reported as an error beside its classification. The scan honours
//! [`Control`]: cancellation, the I/O budget (every byte read is charged),
//! progress (files classified), the thread budget and the time budget
//! ([`Control::with_time_budget`]): at the deadline the walks stop, the findings made so far are
//! kept, and the report says it is partial ([`ScanStats::stopped`] and an error record).
//!
//! # Package ownership
//!
//! Unowned system executables and renamed tools need to know which files the package manager
//! installed: by default the package databases under the root, dpkg's and rpm's (Berkeley DB,
//! SQLite or NDB), are read with [`ferret_baseline::pkg::index_root`], so Debian and rpm hosts
//! (CentOS, Rocky, Alibaba Cloud Linux, SUSE) get the same checks; on a merged `/usr` (`/lib ->
//! usr/lib`) a file the database lists under either name is owned. A caller with its own index
//! fills a [`PackageIndex`] and passes it in [`ScanOptions::package_index`]. Without any
//! database those two checks are skipped and the report's [`ScanStats::package_index`] says so.
//!
//! # Finding ids
//!
//! Every finding's subject is the file's path (a directory's for directory findings and
//! groups, a process's for process findings); the evidence is the file (with line numbers for
//! command lines); the detail lists every reason and the file's facts (content, size, mode,
//! owner, modification time).
//!
//! | id | severity | ATT&CK | meaning |
//! |---|---|---|---|
//! | `scan.exec-in-temp` | high for ELF programs (medium without the execute bit), medium for scripts; high for anything in `/dev/shm` | T1105, T1074.001 | an ELF executable or shared object, or a script with the execute bit (or in an exec position), in `/tmp`, `/var/tmp`, `/dev/shm`, `/run` |
//! | `scan.exec-in-log` | high | T1105, T1036.005 | the same in `/var/log` |
//! | `scan.exec-in-spool` | high | T1105 | the same in `/var/spool` |
//! | `scan.exec-in-hidden-dir` | high | T1564.001 | the same below a hidden directory |
//! | `scan.deceptive-dir` | high | T1564.001 | a directory named only with dots and spaces (`...`, `' '`) |
//! | `scan.kernel-module-outside-tree` | critical in drop locations and hidden directories, else high; medium for a compressed `*.ko.xz` seen by name only | T1547.006, T1014 | a kernel module (ELF relocatable with `.modinfo`) outside `/lib/modules/<release>/` for every release present (DKMS build trees `/var/lib/dkms`, `/usr/src` and debug symbols `/usr/lib/debug` excepted) |
//! | `scan.disguised-file` | high for ELF, medium for scripts and archives | T1036.008 | the name says one type (`*.log`, `*.txt`, `*.jpg`, `*.png`, `*.pdf`, `*.log.exe`, ...) and the content another |
//! | `scan.packed-elf` | high in drop locations, hidden directories, unowned system paths and named paths, else medium | T1027.002 | UPX magic, a packer's section names, or a high-entropy first MiB (see [`classify::packing`]) |
//! | `scan.unowned-system-executable` | medium (high when setuid/setgid) | T1036.005 | an ELF program or a script with the execute bit in a system path that no package owns |
//! | `scan.renamed-tool` | high | T1036.003 | a copy of a packaged dual-use program (`curl`, `wget`, `nc`, `ncat`, `netcat`, `socat`, `busybox`, `nmap`, `masscan`, `chattr`) under another name: same size, same SHA-256 |
//! | `scan.miner-config` | critical | T1496 | an XMRig/xmr-stak style configuration (see [`miner::miner_config`]) |
//! | `scan.miner-wallet` | high | T1496 | a Monero (or checksummed Bitcoin) wallet address in a text file in a drop location, hidden directory or exec position |
//! | `scan.malicious-command` | the highest kind's (see [`ferret_core::command`]) | the kinds' | a script, cron table or systemd unit (not owned by a package) whose command lines download and run code, open a reverse shell, mine, wipe logs, ... |
//! | `scan.ioc-name` / `scan.ioc-path` / `scan.ioc-dir` / `scan.ioc-hash` / `scan.ioc-pool` / `scan.ioc-preload` | per indicator | per indicator | a file or directory name, path, SHA-256, mining pool or `/etc/ld.so.preload` entry from the indicator table `data/iocs.tsv` (Kinsing/H2Miner, TeamTNT, WatchDog, 8220 Gang, Outlaw, Diamorphine, Reptile, libprocesshider, Mirai, ...; each line cites its public report) |
//! | `scan.webshell` | critical for a known family's marker (Behinder's, Godzilla's default keys, Godzilla's XOR loop, an `openssl_decrypt`ed body evaluated, a JSP class loader defining AES-decrypted bytes) and for request-driven code execution in a one-liner (China Chopper); high for request input reaching `eval`/`assert`/`create_function`/`preg_replace` `/e`/a callback/command execution (directly or through a variable), decoder chains into `eval`, dangerous names hidden in base64/rot13/hex/split strings, JSP `Runtime.exec` on a parameter; medium for PHP code in an image or `preg_replace` `/e` alone; one level higher when the file was modified in the last 30 days, is owned by the web server user in a root owned by another, or is newer than its neighbours by more than a day (said in the detail) | T1505.003 | a web shell in a web root, by content (see [`webshell`]); the evidence is each matching line, escaped and cut |
//! | `scan.webshell-config` | critical for `auto_prepend_file` of `php://`/`data:`, high for a handler mapping data extensions to PHP or a prepended data or temporary file, medium for another prepended file (Wordfence's `wordfence-waf.php` is not reported) | T1505.003 | an `.htaccess`, `.user.ini` or `php.ini` in a web root that makes other files run as PHP |
//! | `scan.yara-match` | high (critical when the rule's `score` metadata is 80 or more) | T1588.001 | a YARA rule matched the file (feature `yara`) |
//! | `scan.yara-process` | high (critical for a deleted executable) | T1588.001 | a YARA rule matched a running process's executable (`/proc/PID/exe`, deleted ones too) or, opt-in, its memory |
//!
//! A file with several reasons is one finding: its id is that of the most severe reason (the
//! order of the table breaks ties), the others are listed in `also_reported_as`, and the ATT&CK
//! ids of all are kept. More than [`ScanOptions::group_threshold`] files with the same reasons
//! in one directory become one finding about the directory, with the first ten files as
//! evidence.
//!
//! # YARA
//!
//! With the feature `yara`, [`ScanOptions::yara`] names a directory of rule files (`*.yar`,
//! `*.yara`, read from the machine running ferret, not from the audited root). Each file is
//! compiled on its own first, so a file with a syntax error is an error record naming it and
//! the others still run; then they are compiled together, one namespace per file. The rules
//! run over every file the scan classified, the paths the caller named and, on the live
//! system, the executables of running processes (opt-in: their memory, region by region,
//! with yara-x's block scanner). Without the feature, asking for rules is an error record.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

/// The shared vocabulary ([`HostRoot`], [`Finding`](core::Finding),
/// [`Control`], ...), re-exported so that a user of this crate alone needs no
/// second, possibly skewed, `ferret-core` dependency.
pub use ferret_core as core;

pub mod classify;
mod commands;
mod dualuse;
pub mod elf;
mod findings;
pub mod ioc;
pub mod miner;
pub mod places;
mod scan;
pub mod webshell;
mod webshell_table;
#[cfg(feature = "yara")]
pub mod yara;

use ferret_baseline::pkg::PackageIndex;
use ferret_core::{Control, HostRoot, Outcome};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Errors of `ferret-scan` that are not about one file (those are
/// [`ErrorRecord`](ferret_core::ErrorRecord)s in the report).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read soundly.
    #[error(transparent)]
    Core(#[from] ferret_core::Error),
    /// An unknown check name was given to [`Check`]'s `FromStr`.
    #[error("unknown check {0:?} (expected one of: {known})", known = Check::ALL.map(Check::as_str).join(", "))]
    UnknownCheck(String),
    /// A YARA rule file could not be compiled.
    #[error("{}: {message}", ferret_core::escape::escape_path(.path))]
    YaraRules {
        /// The rule file (or directory), on the machine running ferret.
        path: PathBuf,
        /// The compiler's message.
        message: String,
    },
}

/// The checks of a scan, selectable one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Check {
    /// Executables in temporary, log and spool directories.
    Placement,
    /// The walk of the whole root filesystem for hidden directories (off: only the drop
    /// locations, selective places and system paths are walked).
    Hidden,
    /// Kernel modules outside the module tree.
    Modules,
    /// Names that lie about the content.
    Disguise,
    /// Packed ELF files.
    Packed,
    /// Unowned executables in system paths.
    Unowned,
    /// Renamed copies of dual-use tools.
    RenamedTools,
    /// Miner configurations and wallets.
    Miner,
    /// Command lines of scripts, cron tables and systemd units.
    Commands,
    /// The indicator table.
    Iocs,
    /// YARA rules (feature `yara`, and rules given in [`ScanOptions::yara`]).
    Yara,
    /// Web shells in the web roots (see [`webshell`]).
    WebShell,
}

impl Check {
    /// Every check.
    pub const ALL: [Check; 12] = [
        Check::Placement,
        Check::Hidden,
        Check::Modules,
        Check::Disguise,
        Check::Packed,
        Check::Unowned,
        Check::RenamedTools,
        Check::Miner,
        Check::Commands,
        Check::Iocs,
        Check::Yara,
        Check::WebShell,
    ];

    /// The name used on command lines (`renamed-tools`).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Placement => "placement",
            Check::Hidden => "hidden",
            Check::Modules => "modules",
            Check::Disguise => "disguise",
            Check::Packed => "packed",
            Check::Unowned => "unowned",
            Check::RenamedTools => "renamed-tools",
            Check::Miner => "miner",
            Check::Commands => "commands",
            Check::Iocs => "iocs",
            Check::Yara => "yara",
            Check::WebShell => "webshell",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Check {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Check::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownCheck(s.to_owned()))
    }
}

/// YARA settings of a scan (used with the feature `yara`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct YaraOptions {
    /// A directory of rule files (`*.yar`, `*.yara`) or one rule file, on the machine running
    /// ferret. `None`: no YARA.
    pub rules: Option<PathBuf>,
    /// Scan the executables of running processes (live root only). Default true.
    pub processes: bool,
    /// Scan the readable memory of running processes, region by region (live only; needs
    /// `ptrace` access, that is root). Default false.
    pub memory: bool,
    /// Files larger than this are not YARA-scanned (an error record says so). Default 64 MiB.
    pub max_file_bytes: u64,
    /// Most memory read per process. Default 256 MiB.
    pub max_memory_bytes: u64,
    /// Per-file scan timeout. Default 10 s.
    pub timeout: Duration,
}

impl Default for YaraOptions {
    fn default() -> Self {
        YaraOptions {
            rules: None,
            processes: true,
            memory: false,
            max_file_bytes: 64 << 20,
            max_memory_bytes: 256 << 20,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Options of [`scan_root`]. `ScanOptions::default()` runs every check but YARA on the whole
/// root.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ScanOptions {
    /// The checks to run (default: all; YARA runs only with rules).
    pub checks: Vec<Check>,
    /// Extra paths inside the root to classify and YARA-scan like drop locations (files or
    /// directories).
    pub paths: Vec<PathBuf>,
    /// Walk the drop locations, selective places, system paths and (with [`Check::Hidden`])
    /// the root filesystem. Default true; false scans [`ScanOptions::paths`] alone.
    pub walk_places: bool,
    /// Paths inside the root not to walk. Default: container storage (`/var/lib/docker`,
    /// `/var/lib/containerd`, `/var/lib/containers/storage`), whose image layers hold whole
    /// operating-system trees; scan them as roots of their own.
    pub exclude: Vec<PathBuf>,
    /// The package ownership to use; `None`: read the root's package databases (dpkg, rpm).
    pub package_index: Option<Arc<PackageIndex>>,
    /// The indicator table; `None`: the built-in one ([`ioc::IocTable::builtin`]).
    pub iocs: Option<Arc<ioc::IocTable>>,
    /// Largest text file read whole for configurations and command lines. Default 256 KiB.
    pub max_text_bytes: u64,
    /// Largest file hashed for digest indicators and renamed tools. Default 16 MiB (the
    /// samples of the public reports are smaller; larger ELF files in drop locations are
    /// counted in one error record).
    pub max_hash_bytes: u64,
    /// More files than this with the same reasons in one directory become one finding.
    /// Default 10.
    pub group_threshold: usize,
    /// Largest part of a server-side script read in a web root for web shells (the head;
    /// media are read at the head and tail, see [`webshell::read_plan`]). Default 1 MiB.
    pub max_webshell_bytes: u64,
    /// YARA settings.
    pub yara: YaraOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            checks: Check::ALL.to_vec(),
            paths: Vec::new(),
            walk_places: true,
            exclude: vec![
                PathBuf::from("/var/lib/docker"),
                PathBuf::from("/var/lib/containerd"),
                PathBuf::from("/var/lib/containers/storage"),
            ],
            package_index: None,
            iocs: None,
            max_text_bytes: 256 << 10,
            max_hash_bytes: 16 << 20,
            group_threshold: 10,
            max_webshell_bytes: 1 << 20,
            yara: YaraOptions::default(),
        }
    }
}

impl ScanOptions {
    /// Whether a check is selected.
    pub fn runs(&self, c: Check) -> bool {
        self.checks.contains(&c)
    }
}

/// YARA figures of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct YaraStats {
    /// Rule files compiled.
    pub rule_files: u64,
    /// Rule files refused (each has an error record).
    pub rule_files_failed: u64,
    /// Rules compiled.
    pub rules: u64,
    /// Files scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Processes whose executable was scanned.
    pub processes: u64,
    /// Processes whose memory was scanned.
    pub memory_processes: u64,
    /// Matches (file or process, rule).
    pub matches: u64,
}

/// Figures of a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ScanStats {
    /// The walks made (start paths inside the root).
    pub walks: Vec<String>,
    /// Entries met (files, directories, links, special files).
    pub entries: u64,
    /// Regular files met.
    pub files: u64,
    /// Regular files classified by content.
    pub classified: u64,
    /// Bytes read from classified files.
    pub bytes_read: u64,
    /// ELF files among them.
    pub elf: u64,
    /// Scripts among them.
    pub scripts: u64,
    /// Archives among them.
    pub archives: u64,
    /// Kernel modules among them.
    pub kernel_modules: u64,
    /// Hidden directories met (benign ones included).
    pub hidden_dirs: u64,
    /// FIFOs, sockets and device nodes met (never opened).
    pub special_files: u64,
    /// Files hashed (digest indicators, renamed-tool candidates).
    pub hashed: u64,
    /// Installed dual-use programs whose renamed copies were looked for.
    pub tool_references: u64,
    /// Where package ownership came from, or why it is missing.
    pub package_index: String,
    /// Why the scan stopped early (`time budget`, `cancelled`), if it did.
    pub stopped: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// YARA figures, when rules ran.
    pub yara: Option<YaraStats>,
    /// The web roots walked for web shells (inside the root, resolved).
    pub web_roots: Vec<String>,
    /// Files of the web roots read for web shells.
    pub web_files: u64,
}

/// What [`scan_root`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ScanReport {
    /// Figures.
    pub stats: ScanStats,
    /// Findings (most severe first) and errors (unreadable files, bad rule files, a stop).
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub outcome: Outcome,
}

/// Scans `root` for dropped files (see the [crate docs](crate)). Never fails as a whole: what
/// could not be read is an error record beside the findings.
pub fn scan_root(root: &HostRoot, opts: &ScanOptions, control: &Control) -> ScanReport {
    scan::run(root, opts, control)
}

#[doc(hidden)]
pub mod fuzzing {
    //! Fuzz entry points (one-liners in `fuzz/fuzz_targets/scan_*.rs`, replayed by
    //! `tests/fuzz_corpus.rs`).

    /// The ELF reader must not panic, and what it reports must be consistent with the input.
    pub fn elf(data: &[u8]) {
        if let Ok(e) = crate::elf::parse(data) {
            assert!(e.section_count <= crate::elf::MAX_SECTIONS);
            assert!(e.section_names.len() == e.section_count);
            if e.kind == crate::elf::ElfKind::KernelModule {
                assert!(e.modinfo.is_some());
            }
        }
        let c = crate::classify::classify(data);
        assert_eq!(c, crate::classify::classify(data));
    }

    /// `.modinfo` parsing must not panic and counts what it keeps.
    pub fn modinfo(data: &[u8]) {
        let m = crate::elf::parse_modinfo(data);
        let kept = [&m.name, &m.vermagic, &m.license, &m.author, &m.description]
            .iter()
            .filter(|f| f.is_some())
            .count();
        assert!(kept <= m.entries);
    }

    /// The web-shell detector must not panic on any file name and content; what it reports
    /// points inside the input. The configuration reader keeps absolute paths only.
    pub fn webshell(data: &[u8]) {
        for name in [
            &b"a.php"[..],
            b"a.jsp",
            b"a.aspx",
            b"a.cgi",
            b"a.jpg",
            b"a.txt",
            b".htaccess",
            b".user.ini",
        ] {
            if let Some(d) = crate::webshell::detect(name, data) {
                assert!(!d.signals.is_empty());
                let lines = memchr::memchr_iter(b'\n', data).count() as u64 + 2;
                for s in &d.signals {
                    assert!(s.line <= lines, "line {} of {lines}", s.line);
                    assert!(s.excerpt.len() <= 200);
                }
            }
        }
        for r in crate::webshell::roots_from_config(data) {
            assert_eq!(r.first(), Some(&b'/'));
        }
    }

    /// Miner-configuration and wallet recognition must not panic; wallets lie inside the input.
    pub fn miner(data: &[u8]) {
        for w in crate::miner::wallets(data) {
            let end = w.offset + w.address.len();
            assert_eq!(data.get(w.offset..end), Some(w.address.as_bytes()));
        }
        if let Some(m) = crate::miner::miner_config(data) {
            assert!(!m.signals.is_empty());
        }
    }
}
