//! sudoers: parity with sudo's own grammar cases (`cvtsudoers -f json`), with `visudo -c`,
//! includes through a root, the audit, the effective rules.

mod cvt;
mod parity;
mod root;
