//! The rpm side of the verifier ([`crate::pkg::verify_root`]): records from the rpm database
//! with `rpm -V`'s per-file rules (rpm's `lib/verify.c`, `rpmfilesVerify` and `verifyHeader`,
//! as the specification): file states, `FILEVERIFYFLAGS`, `%ghost`, `%config` selection, and
//! paths listed by several packages (their mtimes are not compared). The comparison itself
//! (size, mode, digest, device, link target, owner, group, mtime, capabilities) is the shared
//! one of [`crate::pkg`].

use super::{DigestAlgo, RpmDb, RpmPackage};
use crate::pkg::check::Lookup;
use crate::pkg::parse::Digest;
use crate::pkg::verify::{Record, Want};
use crate::pkg::{Manager, VerifyAttrs, VerifyOptions};
use ferret_core::ErrorRecord;
use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;

/// Whether `p` is selected by `names` (its name or `name-[epoch:]version-release.arch`; empty
/// selects all).
pub(crate) fn selected(p: &RpmPackage, names: &[Vec<u8>]) -> bool {
    names.is_empty() || names.iter().any(|n| *n == p.name || *n == p.nevra())
}

/// The name [`Digest::algorithm`] uses for a package's digest algorithm, when this build
/// computes it.
pub(crate) fn algorithm(a: DigestAlgo) -> Option<&'static str> {
    match a {
        DigestAlgo::Md5 => Some("md5"),
        DigestAlgo::Sha224 => Some("sha224"),
        DigestAlgo::Sha256 => Some("sha256"),
        DigestAlgo::Sha384 => Some("sha384"),
        DigestAlgo::Sha512 => Some("sha512"),
        DigestAlgo::Sha1 | DigestAlgo::Other(_) => None,
    }
}

/// Appends the records of every selected package of `db` to `out`; the number of packages.
pub(crate) fn records<'a>(
    db: &'a RpmDb,
    opts: &VerifyOptions,
    out: &mut Vec<Record<'a>>,
    errors: &mut Vec<ErrorRecord>,
) -> u64 {
    // How many packages list each path: rpm does not compare the mtimes of shared files.
    let mut owners: HashMap<&[u8], u32> = HashMap::new();
    for p in &db.packages {
        for f in &p.files {
            *owners.entry(f.path.as_slice()).or_default() += 1;
        }
    }
    let config = super::FileFlags::CONFIG;
    let mut packages = 0;
    for (pi, p) in db.packages.iter().enumerate() {
        if !selected(p, &opts.packages) {
            continue;
        }
        packages += 1;
        let algo = algorithm(p.digest_algo);
        if algo.is_none() && p.files.iter().any(|f| !f.digest.is_empty()) {
            errors.push(ErrorRecord::new(
                Some(db.path.as_os_str().as_bytes()),
                Some(u64::from(p.hnum)),
                format!(
                    "package {}: file digest algorithm {:?} is not supported; contents not verified",
                    ferret_core::escape::escape(&p.nevra()),
                    p.digest_algo
                ),
            ));
        }
        for f in &p.files {
            let is_config = f.flags.0 & config != 0;
            if f.flags.0 & opts.skip_flags != 0
                || (opts.conffiles_only && !is_config)
                || (!opts.conffiles && is_config)
            {
                continue;
            }
            let mut verify = f.verify_flags & VerifyAttrs::ALL;
            match f.state {
                Some(2 | 3) => continue, // not installed, net shared
                Some(1) => verify = 0,   // replaced: only whether it exists
                Some(4) => {
                    // wrong color: shares some attributes with the installed file
                    verify &= !(VerifyAttrs::DIGEST
                        | VerifyAttrs::SIZE
                        | VerifyAttrs::MTIME
                        | VerifyAttrs::RDEV);
                }
                _ => {}
            }
            verify &= !opts.omit.0;
            let digest = if f.digest.is_empty() {
                Want::Absent
            } else {
                match algo.map(|a| (a, Digest::from_raw(a, &f.digest))) {
                    Some((_, Some(d))) => Want::Known(d),
                    Some((a, None)) => {
                        // A digest of the wrong length for its algorithm: the record is
                        // damaged (or forged); said, and the content left unverified.
                        errors.push(ErrorRecord::new(
                            Some(db.path.as_os_str().as_bytes()),
                            Some(u64::from(p.hnum)),
                            format!(
                                "package {}: {}: a {a} digest of {} bytes; contents not verified",
                                ferret_core::escape::escape(&p.nevra()),
                                ferret_core::escape::escape(&f.path),
                                f.digest.len()
                            ),
                        ));
                        Want::Unsupported
                    }
                    None => Want::Unsupported,
                }
            };
            out.push(Record {
                manager: Manager::Rpm,
                pkg: pi as u32,
                path: &f.path,
                check_path: &f.path,
                digest,
                size: f.size,
                mode: u32::from(f.mode),
                rdev: f.rdev,
                mtime: f.mtime,
                user: &f.user,
                group: &f.group,
                link: &f.link_to,
                caps: &f.caps,
                verify,
                flags: f.flags.0,
                lookup: Lookup::NoFollow,
                shared: owners.get(f.path.as_slice()).is_some_and(|&n| n > 1),
                line: u64::from(p.hnum),
            });
        }
    }
    packages
}
