//! Reversible escaping of untrusted bytes for display.
//!
//! Paths, user names and log lines are bytes that may be invalid UTF-8 or contain control
//! characters meant to drive a terminal. [`escape`] turns any byte string into printable text
//! and [`unescape`] recovers the exact bytes:
//!
//! - printable UTF-8 characters stand for themselves, except `\`, which becomes `\\`;
//! - `\t`, `\n`, `\r` become those two-character escapes;
//! - any other byte that is not part of a printable UTF-8 character becomes `\xNN`;
//! - characters that change how text is displayed without being visible (bidirectional
//!   overrides, zero-width characters, other Unicode controls) become `\u{XXXX}`.
//!
//! ```
//! use ferret_core::escape::{escape, unescape};
//! let hostile = b"user\x1b[2J\xff\n";
//! let shown = escape(hostile);
//! assert_eq!(shown, r"user\x1b[2J\xff\n");
//! assert_eq!(unescape(&shown).unwrap(), hostile);
//! ```

use std::fmt;

/// Whether a decoded character is shown as itself.
fn is_plain(c: char) -> bool {
    if c == '\\' || c.is_control() {
        return false;
    }
    // Format characters and separators that can reorder or hide text.
    !matches!(c,
        '\u{00ad}'
        | '\u{061c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
    )
}

/// Length of the leading run of printable ASCII other than the backslash, which every form
/// keeps as it is (most text is all of it: one range check a byte instead of a character
/// decoded and looked up).
fn plain_ascii_run(text: &str) -> usize {
    text.bytes()
        .position(|b| !(0x20..0x7f).contains(&b) || b == b'\\')
        .unwrap_or(text.len())
}

/// Writes the escaped form of `bytes` to `out`.
pub fn escape_into<W: fmt::Write>(bytes: &[u8], out: &mut W) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        let mut rest = chunk.valid();
        loop {
            let (plain, tail) = rest
                .split_at_checked(plain_ascii_run(rest))
                .unwrap_or((rest, ""));
            out.write_str(plain)?;
            let mut chars = tail.chars();
            let Some(c) = chars.next() else { break };
            match c {
                '\\' => out.write_str("\\\\")?,
                '\t' => out.write_str("\\t")?,
                '\n' => out.write_str("\\n")?,
                '\r' => out.write_str("\\r")?,
                c if (c as u32) < 0x80 && !is_plain(c) => write!(out, "\\x{:02x}", c as u32)?,
                c if !is_plain(c) => write!(out, "\\u{{{:x}}}", c as u32)?,
                c => out.write_char(c)?,
            }
            rest = chars.as_str();
        }
        for b in chunk.invalid() {
            write!(out, "\\x{b:02x}")?;
        }
    }
    Ok(())
}

/// Returns the escaped, printable form of `bytes`. See the [module docs](self).
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    // Writing to a String cannot fail.
    let _ = escape_into(bytes, &mut s);
    s
}

/// Escapes, in text already fit for display (written by ferret, or escaped), whatever could
/// still drive a terminal or hide text: control characters (newlines included) and invisible
/// formatting characters become the escapes [`escape`] writes for them; everything else,
/// backslashes of escapes already made included, is kept, so sanitising twice changes nothing
/// more. The safety net of messages and details that quote input: [`crate::ErrorRecord::new`]
/// and the text setters of [`crate::Finding`] run it, so that a byte of the audited host that
/// was not escaped at the source still never reaches a terminal raw.
///
/// ```
/// use ferret_core::escape::sanitize;
/// assert_eq!(sanitize(r"bad value \x1b (escaped)"), r"bad value \x1b (escaped)");
/// assert_eq!(sanitize("bad value \u{1b}]0;owned\u{7}"), r"bad value \x1b]0;owned\x07");
/// assert_eq!(sanitize(&sanitize("a\nb\u{202e}")), r"a\nb\u{202e}");
/// ```
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if plain_ascii_run(text) == text.len() || text.chars().all(is_plain_or_backslash) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_plain_or_backslash(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            let _ = escape_into(c.encode_utf8(&mut buf).as_bytes(), &mut out);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_plain_or_backslash(c: char) -> bool {
    c == '\\' || is_plain(c)
}

/// Escapes a path's bytes.
pub fn escape_path(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    escape(path.as_os_str().as_bytes())
}

/// A `Display` adapter that escapes bytes lazily.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escape_into(self.0, f)
    }
}

/// A `Display` adapter for messages that quote input: the escaped bytes in double quotes
/// (`"\x1b]0;owned\x07"`). Every error, warning or progress line that quotes bytes from the
/// audited host (a configuration value, a name, a log field) goes through it or [`Escaped`],
/// never through `String::from_utf8_lossy` or `{:?}`, so that no byte of the host reaches a
/// terminal raw.
///
/// ```
/// use ferret_core::escape::Quoted;
/// assert_eq!(format!("unsupported option {}", Quoted(b"\x1b]0;owned\x07")),
///     r#"unsupported option "\x1b]0;owned\x07""#);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a [u8]);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        escape_into(self.0, f)?;
        f.write_str("\"")
    }
}

/// Why [`unescape`] refused its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnescapeError {
    /// A backslash at byte `offset` starts no escape this module writes.
    #[error("invalid escape at byte {offset}")]
    Invalid {
        /// Byte offset of the backslash.
        offset: usize,
    },
}

/// Reverses [`escape`]: `unescape(&escape(b)) == b` for every byte string `b`.
pub fn unescape(text: &str) -> Result<Vec<u8>, UnescapeError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let bad = UnescapeError::Invalid { offset: i };
        match bytes.get(i + 1) {
            Some(b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            Some(b't') => {
                out.push(b'\t');
                i += 2;
            }
            Some(b'n') => {
                out.push(b'\n');
                i += 2;
            }
            Some(b'r') => {
                out.push(b'\r');
                i += 2;
            }
            Some(b'x') => {
                let hex = text.get(i + 2..i + 4).ok_or(bad.clone())?;
                let v = u8::from_str_radix(hex, 16).map_err(|_| bad.clone())?;
                out.push(v);
                i += 4;
            }
            Some(b'u') => {
                let rest = text.get(i + 2..).ok_or(bad.clone())?;
                let inner = rest.strip_prefix('{').ok_or(bad.clone())?;
                let end = inner.find('}').ok_or(bad.clone())?;
                let hex = inner.get(..end).ok_or(bad.clone())?;
                let v = u32::from_str_radix(hex, 16).map_err(|_| bad.clone())?;
                let c = char::from_u32(v).ok_or(bad.clone())?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 2 + 1 + end + 1;
            }
            _ => return Err(bad),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_forms() {
        assert_eq!(escape(b"plain /etc/passwd"), "plain /etc/passwd");
        assert_eq!(escape("héllo".as_bytes()), "héllo");
        assert_eq!(escape(b"a\\b"), "a\\\\b");
        assert_eq!(escape(b"\x00\x7f"), "\\x00\\x7f");
        assert_eq!(escape("\u{202e}txt".as_bytes()), "\\u{202e}txt");
        assert_eq!(escape("\u{85}".as_bytes()), "\\u{85}");
        assert!(unescape("\\q").is_err());
        assert!(unescape("\\x4").is_err());
        assert!(unescape("\\u{110000}").is_err());
    }

    proptest! {
        #[test]
        fn sanitize_leaves_no_control_and_is_idempotent(s in "\\PC*|[\\x00-\\x1f\\x7f-\\u{9f}a\\\\\\u{202e}]*") {
            let once = sanitize(&s).into_owned();
            prop_assert!(!once.chars().any(char::is_control));
            let twice = sanitize(&once).into_owned();
            prop_assert_eq!(twice, once.clone());
            // Plain text (escaped text included) is kept as it is.
            let e = escape(s.as_bytes());
            let kept = sanitize(&e).into_owned();
            prop_assert_eq!(kept, e);
        }

        #[test]
        fn round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let e = escape(&bytes);
            prop_assert!(!e.chars().any(char::is_control));
            prop_assert_eq!(unescape(&e).unwrap(), bytes);
        }

        #[test]
        fn the_ascii_fast_path_changes_nothing(bytes in proptest::collection::vec(
            prop_oneof![4 => 0x20u8..0x7f, 1 => any::<u8>(), 1 => Just(b'\\')], 0..200)) {
            // The character-by-character form the fast path replaced.
            use std::fmt::Write as _;
            let mut want = String::new();
            for chunk in bytes.utf8_chunks() {
                for c in chunk.valid().chars() {
                    match c {
                        '\\' => want.push_str("\\\\"),
                        '\t' => want.push_str("\\t"),
                        '\n' => want.push_str("\\n"),
                        '\r' => want.push_str("\\r"),
                        c if (c as u32) < 0x80 && !is_plain(c) => {
                            write!(want, "\\x{:02x}", c as u32).unwrap();
                        }
                        c if !is_plain(c) => write!(want, "\\u{{{:x}}}", c as u32).unwrap(),
                        c => want.push(c),
                    }
                }
                for b in chunk.invalid() {
                    write!(want, "\\x{b:02x}").unwrap();
                }
            }
            prop_assert_eq!(escape(&bytes), want);
            let text = String::from_utf8_lossy(&bytes);
            let kept = text.chars().all(is_plain_or_backslash);
            prop_assert_eq!(matches!(sanitize(&text), std::borrow::Cow::Borrowed(_)), kept);
        }

        #[test]
        fn round_trips_text(s in "\\PC*") {
            let e = escape(s.as_bytes());
            prop_assert_eq!(unescape(&e).unwrap(), s.as_bytes());
        }
    }
}
