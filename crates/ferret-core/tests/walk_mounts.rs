//! The walks on the live root: mount points are listed, never entered (whichever way the walk
//! opens directories: `openat2(RESOLVE_NO_XDEV)` or an `lstat` first).

use ferret_core::walk::{walk, walk_parallel, Visit, WalkEvent, WalkOptions};
use ferret_core::HostRoot;
use std::path::PathBuf;

/// The live root's mount points (`/proc`, `/sys`, `/dev` on another device) are listed but
/// not entered, by both walks, whichever way directories are opened.
#[test]
fn walks_stay_on_the_start_file_system() {
    let live = HostRoot::live();
    let root_dev = live.lstat("/").unwrap().dev;
    let others: Vec<PathBuf> = ["/proc", "/sys", "/dev"]
        .iter()
        .map(PathBuf::from)
        .filter(|p| live.lstat(p).is_ok_and(|st| st.dev != root_dev))
        .collect();
    if others.is_empty() {
        eprintln!("skipped: /proc, /sys and /dev are on the root's device here");
        return;
    }
    let opts = WalkOptions::new().max_depth(2);
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |ev: WalkEvent<'_>| {
        if let WalkEvent::Entry(e) = ev {
            seen.lock().unwrap().push(e.path.clone());
        }
        Visit::Continue
    };
    walk(&live, "/", &opts, record).unwrap();
    walk_parallel(&live, "/", &opts, record).unwrap();
    let seen = seen.into_inner().unwrap();
    for o in &others {
        assert!(seen.contains(o), "{} not listed", o.display());
        assert!(
            !seen.iter().any(|p| p != o && p.starts_with(o)),
            "walked into {}",
            o.display()
        );
    }
    assert!(seen.iter().any(|p| p.components().count() == 3));
}
