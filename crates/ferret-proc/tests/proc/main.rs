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
