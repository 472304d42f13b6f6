//! sudoers: parity with sudo's own grammar cases (`cvtsudoers -f json`), with `visudo -c`,
//! includes through a root, the audit, the effective rules.
// Test code: short names keep fixtures readable; a failed fixture step may panic.
#![allow(
    clippy::many_single_char_names,
    clippy::redundant_closure_for_method_calls,
    clippy::match_same_arms,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cvt;
mod parity;
mod root;
