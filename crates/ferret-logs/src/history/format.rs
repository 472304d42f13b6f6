//! The history file formats: each parser turns a file's bytes into [`Entry`]s (a command, the
//! 1-based line it starts on and, where the format has one, its time). Parsers never fail: a
//! line that is not what the format expects is kept as a command, as the shell would read it.

use std::borrow::Cow;
use std::str::FromStr;

use memchr::memchr;

/// A history file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum Shell {
    /// bash `.bash_history`: one command a line, or with `#EPOCH` lines before each command
    /// (`HISTTIMEFORMAT` set), then a command may span lines.
    Bash,
    /// zsh `.zsh_history`/`.zhistory`: plain or extended (`: EPOCH:DURATION;command`), lines
    /// ending in `\` continue, bytes `0x83 c` are zsh's metafied `c ^ 0x20`.
    Zsh,
    /// fish `fish_history`: `- cmd: ...` with `  when: EPOCH` (backslash escapes `\\`, `\n`).
    Fish,
    /// ash/sh/ksh/mksh `.sh_history`/`.ash_history`/`.mksh_history`: one command a line, or
    /// ksh's binary format (`0x81 0x01` header, commands ended by NUL).
    Sh,
    /// Python's `.python_history` (readline; libedit's `_HiStOrY_V2_` form with `\040` escapes).
    Python,
    /// `.mysql_history` (libedit: `_HiStOrY_V2_` header, `\040` octal escapes).
    Mysql,
    /// `.psql_history` (readline or libedit).
    Psql,
    /// `.lesshst`: only its `.shell` section (commands run with `!` from less).
    Less,
}

impl Shell {
    /// Every format.
    pub const ALL: &'static [Shell] = &[
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Sh,
        Shell::Python,
        Shell::Mysql,
        Shell::Psql,
        Shell::Less,
    ];

    /// Stable name (`bash`, `zsh`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Sh => "sh",
            Shell::Python => "python",
            Shell::Mysql => "mysql",
            Shell::Psql => "psql",
            Shell::Less => "less",
        }
    }

    /// The history files of this format, relative to a home directory.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            Shell::Bash => &[".bash_history"],
            Shell::Zsh => &[".zsh_history", ".zhistory", ".histfile"],
            Shell::Fish => &[".local/share/fish/fish_history"],
            Shell::Sh => &[".sh_history", ".ash_history", ".mksh_history", ".history"],
            Shell::Python => &[".python_history"],
            Shell::Mysql => &[".mysql_history"],
            Shell::Psql => &[".psql_history"],
            Shell::Less => &[".lesshst"],
        }
    }

    /// Whether the lines are shell commands (the classifier applies); Python, MySQL and psql
    /// lines are statements of their own language and are listed but classified only for
    /// what a shell escape (`\!`, `system`) would run.
    pub fn is_shell(self) -> bool {
        matches!(
            self,
            Shell::Bash | Shell::Zsh | Shell::Fish | Shell::Sh | Shell::Less
        )
    }
}

impl std::fmt::Display for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A history format name that is not one of [`Shell::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown history format {0:?} (known: bash, zsh, fish, sh, python, mysql, psql, less)")]
pub struct UnknownShell(pub String);

impl FromStr for Shell {
    type Err = UnknownShell;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Shell::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownShell(s.to_owned()))
    }
}

/// One command of a history file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// 1-based line the command starts on (ksh's binary format: the command's position).
    pub line: u64,
    /// When it was run (Unix seconds), where the format records it.
    pub time: Option<i64>,
    /// The command, decoded from the format's escapes (zsh's metafied bytes, fish's and
    /// libedit's backslash escapes); lines of a multi-line command joined by `\n`.
    pub command: Cow<'a, [u8]>,
}

/// Parses a history file's bytes in the given format.
///
/// ```
/// use ferret_logs::history::{parse, Shell};
/// let e = parse(Shell::Zsh, b": 1700000000:0;ls -la\n: 1700000005:0;echo a\\\nb\n");
/// assert_eq!(e[1].time, Some(1700000005));
/// assert_eq!(&*e[1].command, b"echo a\\\nb");
/// assert_eq!(e[1].line, 2);
/// ```
pub fn parse(shell: Shell, data: &[u8]) -> Vec<Entry<'_>> {
    match shell {
        Shell::Bash => bash(data),
        Shell::Zsh => zsh(data),
        Shell::Fish => fish(data),
        Shell::Sh if data.starts_with(&[0x81, 0x01]) => ksh_binary(data),
        Shell::Sh => plain(data),
        Shell::Python | Shell::Mysql | Shell::Psql => libedit(data),
        Shell::Less => lesshst(data),
    }
}

/// Lines with their 1-based numbers, `\r\n` or `\n` endings removed.
fn lines(data: &[u8]) -> impl Iterator<Item = (u64, &[u8])> + '_ {
    let mut at = 0usize;
    let mut n = 0u64;
    std::iter::from_fn(move || {
        let rest = data.get(at..).filter(|r| !r.is_empty())?;
        n += 1;
        let (line, next) = match memchr(b'\n', rest) {
            Some(i) => (rest.get(..i).unwrap_or_default(), at + i + 1),
            None => (rest, data.len()),
        };
        at = next;
        Some((n, line.strip_suffix(b"\r").unwrap_or(line)))
    })
}

fn is_blank(l: &[u8]) -> bool {
    l.iter().all(u8::is_ascii_whitespace)
}

/// Room for one entry a line (saves the vector's regrowth on large histories).
fn with_room<'a>(data: &[u8]) -> Vec<Entry<'a>> {
    Vec::with_capacity(memchr::memchr_iter(b'\n', data).count() + 1)
}

fn plain(data: &[u8]) -> Vec<Entry<'_>> {
    let mut out = with_room(data);
    out.extend(
        lines(data)
            .filter(|(_, l)| !is_blank(l))
            .map(|(line, l)| Entry {
                line,
                time: None,
                command: Cow::Borrowed(l),
            }),
    );
    out
}

/// A bash timestamp line: `#` and 1 to 19 digits.
fn bash_time(l: &[u8]) -> Option<i64> {
    let d = l.strip_prefix(b"#")?;
    if d.is_empty() || d.len() > 18 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits(d))
}

/// The value of at most 18 ASCII digits (checked by the caller: it cannot overflow).
fn digits(d: &[u8]) -> i64 {
    d.iter()
        .fold(0i64, |n, c| n * 10 + i64::from(c.wrapping_sub(b'0')))
}

fn bash(data: &[u8]) -> Vec<Entry<'_>> {
    let timed = lines(data)
        .find(|(_, l)| !is_blank(l))
        .is_some_and(|(_, l)| bash_time(l).is_some());
    if !timed {
        return plain(data);
    }
    // With timestamps, everything up to the next `#EPOCH` line is one command (bash writes
    // multi-line commands that way when `lithist` is set).
    let mut out: Vec<Entry<'_>> = Vec::new();
    let mut time = None;
    let mut open = false;
    for (line, l) in lines(data) {
        if let Some(t) = bash_time(l) {
            time = Some(t);
            open = false;
            continue;
        }
        match out.last_mut() {
            Some(last) if open => {
                let c = last.command.to_mut();
                c.push(b'\n');
                c.extend_from_slice(l);
            }
            _ => {
                if is_blank(l) {
                    continue;
                }
                out.push(Entry {
                    line,
                    time,
                    command: Cow::Borrowed(l),
                });
                open = true;
            }
        }
    }
    out
}

/// zsh's unmetafy: `0x83 c` is `c ^ 0x20`.
fn unmetafy(s: &[u8]) -> Cow<'_, [u8]> {
    if memchr(0x83, s).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.iter();
    while let Some(&b) = it.next() {
        if b == 0x83 {
            if let Some(&n) = it.next() {
                out.push(n ^ 0x20);
            }
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

/// `: 1700000000:0;cmd` -> (time, cmd).
fn zsh_extended(l: &[u8]) -> Option<(i64, &[u8])> {
    let rest = l.strip_prefix(b": ")?;
    let colon = memchr(b':', rest)?;
    let semi = memchr(b';', rest)?;
    if semi < colon {
        return None;
    }
    let ts = rest.get(..colon)?;
    let dur = rest.get(colon + 1..semi)?;
    if ts.is_empty() || ts.len() > 18 || !ts.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if !dur.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((digits(ts), rest.get(semi + 1..)?))
}

fn zsh(data: &[u8]) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = with_room(data);
    let mut cont = false;
    for (line, l) in lines(data) {
        if cont {
            if let Some(last) = out.last_mut() {
                let c = last.command.to_mut();
                c.push(b'\n');
                c.extend_from_slice(&unmetafy(l));
            }
            cont = l.ends_with(b"\\");
            continue;
        }
        let (time, cmd) = match zsh_extended(l) {
            Some((t, c)) => (Some(t), c),
            None => (None, l),
        };
        if is_blank(cmd) && time.is_none() {
            continue;
        }
        cont = l.ends_with(b"\\");
        out.push(Entry {
            line,
            time,
            command: unmetafy(cmd),
        });
    }
    out
}

/// fish's escapes in `cmd:` values: `\\` and `\n`.
fn fish_unescape(s: &[u8]) -> Cow<'_, [u8]> {
    if memchr(b'\\', s).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.iter();
    while let Some(&b) = it.next() {
        if b == b'\\' {
            match it.next() {
                Some(b'n') => out.push(b'\n'),
                Some(b'\\') => out.push(b'\\'),
                Some(&o) => {
                    out.push(b'\\');
                    out.push(o);
                }
                None => out.push(b'\\'),
            }
        } else {
            out.push(b);
        }
    }
    Cow::Owned(out)
}

fn fish(data: &[u8]) -> Vec<Entry<'_>> {
    let mut out: Vec<Entry<'_>> = Vec::new();
    for (line, l) in lines(data) {
        if let Some(cmd) = l.strip_prefix(b"- cmd:") {
            let cmd = cmd.strip_prefix(b" ").unwrap_or(cmd);
            out.push(Entry {
                line,
                time: None,
                command: fish_unescape(cmd),
            });
        } else if let Some(t) = l.trim_ascii_start().strip_prefix(b"when:") {
            let t = std::str::from_utf8(t.trim_ascii())
                .ok()
                .and_then(|s| s.parse::<i64>().ok());
            if let Some(last) = out.last_mut() {
                last.time = t;
            }
        }
    }
    out
}

/// ksh93's binary history: `0x81 0x01`, then commands each ended by NUL (a `0x81 0x02` record
/// marks undone commands and is skipped).
fn ksh_binary(data: &[u8]) -> Vec<Entry<'_>> {
    let body = data.get(2..).unwrap_or_default();
    body.split(|&b| b == 0)
        .enumerate()
        .filter_map(|(i, c)| {
            let c = c.strip_suffix(b"\n").unwrap_or(c);
            if c.first() == Some(&0x81) || is_blank(c) {
                return None;
            }
            Some(Entry {
                line: i as u64 + 1,
                time: None,
                command: Cow::Borrowed(c),
            })
        })
        .collect()
}

/// libedit's `vis(3)` escapes: `\040` (octal) and `\\`.
fn octal_unescape(s: &[u8]) -> Cow<'_, [u8]> {
    if memchr(b'\\', s).is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        if b == b'\\' {
            let oct = s.get(i + 1..i + 4).filter(|d| {
                d.iter().all(|c| (b'0'..=b'7').contains(c)) && d.first() <= Some(&b'3')
            });
            if let Some(d) = oct {
                out.push(d.iter().fold(0u8, |a, c| (a << 3) | (c - b'0')));
                i += 4;
                continue;
            }
            if s.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    Cow::Owned(out)
}

fn libedit(data: &[u8]) -> Vec<Entry<'_>> {
    let mut it = lines(data).peekable();
    let escaped = it.peek().is_some_and(|(_, l)| *l == b"_HiStOrY_V2_");
    if escaped {
        it.next();
    }
    it.filter(|(_, l)| !is_blank(l))
        .map(|(line, l)| Entry {
            line,
            time: None,
            command: if escaped {
                octal_unescape(l)
            } else {
                Cow::Borrowed(l)
            },
        })
        .collect()
}

/// `.lesshst`: `.less-history-file:`, then sections (`.search`, `.shell`, `.mark`); lines of a
/// section start with `"`. Only `.shell` holds commands.
fn lesshst(data: &[u8]) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    let mut shell = false;
    for (line, l) in lines(data) {
        if l.first() == Some(&b'.') {
            shell = l == b".shell";
        } else if shell {
            if let Some(c) = l.strip_prefix(b"\"").filter(|c| !is_blank(c)) {
                out.push(Entry {
                    line,
                    time: None,
                    command: Cow::Borrowed(c),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(e: &[Entry<'_>]) -> Vec<(u64, Option<i64>, Vec<u8>)> {
        e.iter()
            .map(|e| (e.line, e.time, e.command.to_vec()))
            .collect()
    }

    #[test]
    fn bash_plain_and_timed() {
        assert_eq!(
            cmds(&parse(Shell::Bash, b"ls\n\ncd /tmp\r\n")),
            vec![(1, None, b"ls".to_vec()), (3, None, b"cd /tmp".to_vec())]
        );
        assert_eq!(
            cmds(&parse(
                Shell::Bash,
                b"#1700000000\nfor i in 1 2\ndo echo $i; done\n#1700000009\nid\n"
            )),
            vec![
                (
                    2,
                    Some(1_700_000_000),
                    b"for i in 1 2\ndo echo $i; done".to_vec()
                ),
                (5, Some(1_700_000_009), b"id".to_vec())
            ]
        );
        // A comment that is not a time stays a command in a plain history.
        assert_eq!(
            cmds(&parse(Shell::Bash, b"#x\n")),
            vec![(1, None, b"#x".to_vec())]
        );
    }

    #[test]
    fn zsh_extended_multiline_and_metafied() {
        let e = parse(
            Shell::Zsh,
            b": 1700000000:0;echo \x83\xa3t\xa9\n: 1700000001:3;a \\\nb\nplain\n",
        );
        assert_eq!(
            cmds(&e),
            vec![
                (1, Some(1_700_000_000), b"echo \x83t\xa9".to_vec()),
                (2, Some(1_700_000_001), b"a \\\nb".to_vec()),
                (4, None, b"plain".to_vec())
            ]
        );
    }

    #[test]
    fn fish_entries() {
        let e = parse(
            Shell::Fish,
            b"- cmd: echo a\\\\b\\nc\n  when: 1700000000\n  paths:\n    - /tmp\n- cmd: ls\n",
        );
        assert_eq!(
            cmds(&e),
            vec![
                (1, Some(1_700_000_000), b"echo a\\b\nc".to_vec()),
                (5, None, b"ls".to_vec())
            ]
        );
    }

    #[test]
    fn libedit_octal_and_ksh_binary_and_less() {
        assert_eq!(
            cmds(&parse(
                Shell::Mysql,
                b"_HiStOrY_V2_\nselect\\040*\\040from\\040t;\n"
            )),
            vec![(2, None, b"select * from t;".to_vec())]
        );
        assert_eq!(
            cmds(&parse(Shell::Psql, b"select\\040 1;\n")),
            vec![(1, None, b"select\\040 1;".to_vec())]
        );
        assert_eq!(
            cmds(&parse(Shell::Sh, b"\x81\x01ls -l\n\0id\n\0")),
            vec![(1, None, b"ls -l".to_vec()), (2, None, b"id".to_vec())]
        );
        assert_eq!(
            cmds(&parse(
                Shell::Less,
                b".less-history-file:\n.search\n\"passwd\n.shell\n\"rm -rf /tmp/x\n"
            )),
            vec![(5, None, b"rm -rf /tmp/x".to_vec())]
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Shell::ALL {
            assert_eq!(s.as_str().parse::<Shell>(), Ok(*s));
        }
        assert!("tcsh".parse::<Shell>().is_err());
    }
}
