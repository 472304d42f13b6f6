//! cron's `(user) CMD (command)`.

use std::borrow::Cow;

use super::EventKind;
use crate::bytes::{find, sub, tail, Lit};

pub(super) fn cron(m: &[u8]) -> Option<EventKind<'_>> {
    let r = m.pre(b"(")?;
    let c = find(r, b") CMD (")?;
    let cmd = tail(r, c + 7);
    Some(EventKind::CronCommand {
        user: Cow::Borrowed(sub(r, 0, c)),
        command: Cow::Borrowed(cmd.suf(b")").unwrap_or(cmd)),
    })
}
