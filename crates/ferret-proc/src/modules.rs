//! Kernel modules (`/proc/modules`), `/sys/module` cross-check, and the kernel taint value.

use crate::{parse, ProcFs};
use ferret_core::ErrorRecord;
use std::os::unix::ffi::OsStrExt;

/// One loaded module.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Module {
    /// Name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub name: Vec<u8>,
    /// Size in bytes.
    pub size: u64,
    /// Reference count (`None` when the kernel printed `-`).
    pub refcount: Option<i64>,
    /// Modules using it.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub used_by: Vec<Vec<u8>>,
    /// `Live`, `Loading`, `Unloading`.
    pub state: String,
    /// Taint letters (`O` out-of-tree, `E` unsigned, `P` proprietary ...).
    pub taint: String,
}

/// The module list and whether it could be read at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ModuleList {
    /// Modules in `/proc/modules` order (the order `lsmod` prints).
    pub modules: Vec<Module>,
    /// `/proc/modules` exists and was read. False on kernels built without module support
    /// (`CONFIG_MODULES=n`, common in micro-VMs and some containers): then no module can be
    /// loaded or hidden this way, and `modules` is empty.
    pub available: bool,
    /// Loadable modules present in `/sys/module` (those with an `initstate` file; built-in ones
    /// have none), by name.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub sysfs_loaded: Vec<Vec<u8>>,
    /// What could not be read or parsed.
    pub errors: Vec<ErrorRecord>,
}

/// Reads `/proc/modules` and the `/sys/module` directory.
///
/// `/proc/modules` is parsed here, not with `procfs`'s `KernelModules`: that one keeps neither
/// the kernel's order (a `HashMap`; `lsmod` prints the file's order) nor the taint letters the
/// `proc.module-tainted` check reads, and one malformed or non-UTF-8 line fails the whole file
/// (here it is an error record with its line, and the other modules still count).
pub(crate) fn modules(fs: &ProcFs) -> ModuleList {
    let mut l = ModuleList::default();
    let path = fs.path("modules");
    match std::fs::File::open(&path).and_then(|f| crate::process::read_limited(f, 64 << 20)) {
        Ok(buf) => {
            l.available = true;
            for m in parse::modules(&buf) {
                match m {
                    Ok(m) => l.modules.push(Module {
                        name: m.name,
                        size: m.size,
                        refcount: m.refcount,
                        used_by: m.used_by,
                        state: ferret_core::escape::escape(&m.state),
                        taint: ferret_core::escape::escape(&m.taint),
                    }),
                    Err(e) => l.errors.push(crate::parse_error(&path, e)),
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => l.errors.push(ErrorRecord::new(
            Some(path.as_os_str().as_bytes()),
            None,
            e.to_string(),
        )),
    }
    let sysm = fs.sys.join("module");
    match ferret_core::DirHandle::open_path(&sysm, &sysm).and_then(|d| {
        let ents = d.entries()?;
        Ok(ents
            .into_iter()
            .filter(|e| {
                d.open_dir_at(&e.name)
                    .and_then(|m| m.stat_at(std::ffi::OsStr::new("initstate")))
                    .is_ok()
            })
            .map(|e| e.name.as_bytes().to_vec())
            .collect::<Vec<_>>())
    }) {
        Ok(v) => l.sysfs_loaded = v,
        Err(e) if e.is_not_found() => {}
        Err(e) => l.errors.push(ErrorRecord::from(&e)),
    }
    l
}

/// Modules that `/sys/module` shows as loaded but `/proc/modules` does not list: the classic
/// sign of a rootkit that unlinked itself from the module list but not from sysfs. Empty when
/// `/proc/modules` is unavailable.
pub fn hidden_modules(l: &ModuleList) -> Vec<Vec<u8>> {
    if !l.available {
        return Vec::new();
    }
    let listed: std::collections::BTreeSet<&[u8]> =
        l.modules.iter().map(|m| m.name.as_slice()).collect();
    l.sysfs_loaded
        .iter()
        .filter(|n| !listed.contains(n.as_slice()))
        .cloned()
        .collect()
}

/// One kernel taint flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct TaintFlag {
    /// Bit number.
    pub bit: u32,
    /// Letter as in `Tainted:` lines of oops reports.
    pub letter: char,
    /// What it means.
    pub meaning: &'static str,
}

/// The taint bits (Documentation/admin-guide/tainted-kernels.rst).
pub const TAINT_FLAGS: [TaintFlag; 19] = [
    TaintFlag {
        bit: 0,
        letter: 'P',
        meaning: "proprietary module was loaded",
    },
    TaintFlag {
        bit: 1,
        letter: 'F',
        meaning: "module was force loaded",
    },
    TaintFlag {
        bit: 2,
        letter: 'S',
        meaning: "kernel running on an out of specification system",
    },
    TaintFlag {
        bit: 3,
        letter: 'R',
        meaning: "module was force unloaded",
    },
    TaintFlag {
        bit: 4,
        letter: 'M',
        meaning: "processor reported a Machine Check Exception",
    },
    TaintFlag {
        bit: 5,
        letter: 'B',
        meaning: "bad page referenced or unexpected page flags",
    },
    TaintFlag {
        bit: 6,
        letter: 'U',
        meaning: "taint requested by userspace application",
    },
    TaintFlag {
        bit: 7,
        letter: 'D',
        meaning: "kernel died recently (OOPS or BUG)",
    },
    TaintFlag {
        bit: 8,
        letter: 'A',
        meaning: "ACPI table overridden by user",
    },
    TaintFlag {
        bit: 9,
        letter: 'W',
        meaning: "kernel issued warning",
    },
    TaintFlag {
        bit: 10,
        letter: 'C',
        meaning: "staging driver was loaded",
    },
    TaintFlag {
        bit: 11,
        letter: 'I',
        meaning: "workaround for bug in platform firmware applied",
    },
    TaintFlag {
        bit: 12,
        letter: 'O',
        meaning: "externally-built (out-of-tree) module was loaded",
    },
    TaintFlag {
        bit: 13,
        letter: 'E',
        meaning: "unsigned module was loaded",
    },
    TaintFlag {
        bit: 14,
        letter: 'L',
        meaning: "soft lockup occurred",
    },
    TaintFlag {
        bit: 15,
        letter: 'K',
        meaning: "kernel has been live patched",
    },
    TaintFlag {
        bit: 16,
        letter: 'X',
        meaning: "auxiliary taint, defined for and used by distros",
    },
    TaintFlag {
        bit: 17,
        letter: 'T',
        meaning: "kernel was built with the struct randomization plugin",
    },
    TaintFlag {
        bit: 18,
        letter: 'N',
        meaning: "an in-kernel test has been run",
    },
];

/// The decoded `/proc/sys/kernel/tainted`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Taint {
    /// The raw value.
    pub value: u64,
    /// The flags set, in bit order.
    pub flags: Vec<TaintFlag>,
    /// Bits set that this table does not know.
    pub unknown_bits: Vec<u32>,
}

impl Taint {
    /// Decodes a taint value.
    pub fn decode(value: u64) -> Self {
        let mut t = Taint {
            value,
            ..Taint::default()
        };
        for bit in 0..64u32 {
            if value & (1u64 << bit) == 0 {
                continue;
            }
            match TAINT_FLAGS.iter().find(|f| f.bit == bit) {
                Some(f) => t.flags.push(*f),
                None => t.unknown_bits.push(bit),
            }
        }
        t
    }

    /// The letters of the set flags, e.g. `"OE"`.
    pub fn letters(&self) -> String {
        self.flags.iter().map(|f| f.letter).collect()
    }
}

/// Reads and decodes `/proc/sys/kernel/tainted`.
pub(crate) fn kernel_taint(fs: &ProcFs) -> Result<Taint, ErrorRecord> {
    let path = fs.path("sys/kernel/tainted");
    let rec = |m: String| ErrorRecord::new(Some(path.as_os_str().as_bytes()), None, m);
    let buf = std::fs::File::open(&path)
        .and_then(|f| crate::process::read_limited(f, 64))
        .map_err(|e| rec(e.to_string()))?;
    let v: u64 = std::str::from_utf8(&buf)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| rec("not a number".to_owned()))?;
    Ok(Taint::decode(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taint_decodes_known_and_unknown_bits() {
        let t = Taint::decode((1 << 12) | (1 << 13) | (1 << 40));
        assert_eq!(t.letters(), "OE");
        assert_eq!(t.unknown_bits, vec![40]);
        assert!(Taint::decode(0).flags.is_empty());
    }
}
