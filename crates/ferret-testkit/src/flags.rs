//! A directory where inode flags can be set (`chattr +i`), for tests of immutable and
//! append-only files against e2fsprogs' own `chattr` and `lsattr`.
//!
//! [`FlagDir::new`] first tries a fresh directory under the system's temporary directory (ext4,
//! xfs, btrfs and tmpfs since Linux 6.0 keep inode flags); when `chattr +i` does not work there,
//! it makes a small ext4 image with `mkfs.ext4` and mounts it with `mount -o loop` (the tests
//! run as root). When neither works the test fails with both reasons, unless the environment
//! says the capability is missing: `FERRET_NO_INODE_FLAGS=<why>` (for example
//! `FERRET_NO_INODE_FLAGS="unprivileged container: no CAP_LINUX_IMMUTABLE, no loop devices"`)
//! makes [`FlagDir::new`] print that the test was skipped and why, and return `None`.
//!
//! On drop, every flag set below the directory is cleared (`chattr -R -ia`), the image is
//! unmounted and everything is removed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

/// The variable that declares the capability missing (see the [module docs](self)).
pub const SKIP_VAR: &str = "FERRET_NO_INODE_FLAGS";

/// A directory on a file system that keeps inode flags (see the [module docs](self)).
#[derive(Debug)]
pub struct FlagDir {
    /// Removed on drop.
    top: PathBuf,
    /// Where the tests work (`top` itself, or the mounted image inside it).
    path: PathBuf,
    mounted: bool,
}

fn unique_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let p = std::env::temp_dir().join(format!(
        "ferret-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p
}

/// Runs a command; `Err` with its name, status and stderr when it fails or cannot start.
pub fn run(cmd: &str, args: &[&std::ffi::OsStr]) -> Result<String, String> {
    match Command::new(cmd).args(args).output() {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => Err(format!(
            "{cmd} {}: {}: {}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("{cmd}: cannot run: {e}")),
    }
}

/// `chattr <mode> <path>` (`+i`, `-a`, `+ia`, ...); panics when it fails.
pub fn chattr(mode: &str, path: &Path) {
    if let Err(e) = run("chattr", &[mode.as_ref(), path.as_os_str()]) {
        panic!("{e}");
    }
}

/// The 22-column flag field `lsattr -d <path>` prints for `path` (e2fsprogs 1.47 layout).
pub fn lsattr(path: &Path) -> String {
    let out = run("lsattr", &["-d".as_ref(), path.as_os_str()]).unwrap_or_else(|e| panic!("{e}"));
    out.split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("lsattr printed nothing for {}", path.display()))
        .to_owned()
}

/// Whether `chattr +i` works in `dir` (tried on a scratch file, cleared again).
fn flags_work(dir: &Path) -> Result<(), String> {
    let probe = dir.join(".ferret-probe");
    std::fs::write(&probe, b"x").map_err(|e| format!("{}: {e}", probe.display()))?;
    let r = run("chattr", &["+i".as_ref(), probe.as_os_str()]).and_then(|_| {
        let l = lsattr(&probe);
        let _ = run("chattr", &["-i".as_ref(), probe.as_os_str()]);
        if l.contains('i') {
            Ok(())
        } else {
            Err(format!("chattr +i succeeded but lsattr shows {l}"))
        }
    });
    let _ = std::fs::remove_file(&probe);
    r
}

impl FlagDir {
    /// A directory where `chattr +i`/`+a` work, or `None` when [`SKIP_VAR`] declares the
    /// capability missing (printed on stderr). Panics with the reasons otherwise.
    pub fn new() -> Option<FlagDir> {
        let top = unique_dir("flags");
        let direct = match flags_work(&top) {
            Ok(()) => {
                return Some(FlagDir {
                    path: top.clone(),
                    top,
                    mounted: false,
                })
            }
            Err(e) => e,
        };
        let img = top.join("ext4.img");
        let mnt = top.join("mnt");
        let looped = (|| -> Result<(), String> {
            std::fs::create_dir_all(&mnt).map_err(|e| e.to_string())?;
            let f = std::fs::File::create(&img).map_err(|e| e.to_string())?;
            f.set_len(16 << 20).map_err(|e| e.to_string())?;
            run(
                "mkfs.ext4",
                &["-q".as_ref(), "-F".as_ref(), img.as_os_str()],
            )?;
            run(
                "mount",
                &[
                    "-o".as_ref(),
                    "loop".as_ref(),
                    img.as_os_str(),
                    mnt.as_os_str(),
                ],
            )?;
            flags_work(&mnt)
        })();
        match looped {
            Ok(()) => Some(FlagDir {
                top,
                path: mnt,
                mounted: true,
            }),
            Err(looped) => {
                let _ = run("umount", &[mnt.as_os_str()]);
                let _ = std::fs::remove_dir_all(&top);
                if let Some(why) = std::env::var_os(SKIP_VAR) {
                    eprintln!(
                        "skipped: inode flags cannot be set here ({SKIP_VAR}={}): {direct}; {looped}",
                        why.to_string_lossy()
                    );
                    return None;
                }
                panic!(
                    "inode flags cannot be set: in {}: {direct}; on a loop-mounted ext4 image: \
                     {looped}. Run the tests as root on a file system with inode flags, or set \
                     {SKIP_VAR}=<why> to declare the capability missing",
                    std::env::temp_dir().display()
                );
            }
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether it is a loop-mounted ext4 image.
    pub fn is_loop_mount(&self) -> bool {
        self.mounted
    }
}

impl Drop for FlagDir {
    fn drop(&mut self) {
        let _ = run(
            "chattr",
            &["-R".as_ref(), "-ia".as_ref(), self.path.as_os_str()],
        );
        if self.mounted {
            let _ = run("umount", &[self.path.as_os_str()]);
        }
        let _ = std::fs::remove_dir_all(&self.top);
    }
}
