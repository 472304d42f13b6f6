//! ferret-proc integration tests: captured fixture trees, planted attack trees, and live
//! comparisons with `ps`, `ss` and `lsmod`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// pid and ppid are the names ps and proc(5) use.
#![allow(clippy::similar_names)]

mod fixture;
mod live;

use ferret_core::{Control, HostRoot};
use ferret_proc::{ProcOptions, SocketOptions, SuspiciousOptions};
use std::path::Path;

/// A captured tree holding `proc/` (and `sys/`) as a root, and the options that read it.
pub fn captured(dir: &Path) -> (HostRoot, ProcOptions) {
    let mut o = ProcOptions::default();
    o.captured = true;
    (HostRoot::new(dir).unwrap(), o)
}

/// Socket options reading with `proc`, changed by `set`.
pub fn socket_opts(proc: &ProcOptions, set: impl FnOnce(&mut SocketOptions)) -> SocketOptions {
    let mut o = SocketOptions::default();
    o.proc = proc.clone();
    set(&mut o);
    o
}

/// Suspicious-process options reading with `proc`.
pub fn suspicious_opts(proc: &ProcOptions) -> SuspiciousOptions {
    let mut o = SuspiciousOptions::default();
    o.proc = proc.clone();
    o
}

/// No cancellation, no budget.
pub fn ctl() -> Control {
    Control::new()
}
