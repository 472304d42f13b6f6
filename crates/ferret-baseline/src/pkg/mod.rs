//! Verification of installed files against the package manager's own records (dpkg, rpm).
//!
//! Filled by issue 9.
