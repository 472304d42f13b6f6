//! Line lexing exactly as OpenSSH's `servconf.c` does it (`strdelim` for the keyword and Match
//! criteria, `argv_split` with comment termination for arguments).

/// One directive of an sshd_config file, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Directive {
    /// 1-based line number.
    pub line: u64,
    /// The keyword as written (case kept; compare with `eq_ignore_ascii_case`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub keyword: Vec<u8>,
    /// The arguments after quote removal, comment dropped.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub args: Vec<Vec<u8>>,
    /// The raw text after the keyword and its separator (used by `ForceCommand`, `Match`).
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped"))]
    pub rest: Vec<u8>,
}

/// A line that could not be lexed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct LexError {
    /// 1-based line number.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

const WS: &[u8] = b" \t\r\n";

fn is_ws(c: u8) -> bool {
    WS.contains(&c)
}

/// OpenSSH's `strdelim`: returns the next token and the remainder (None when the input ends).
/// Splits on whitespace or a single `=`; a `"` starts a quoted token. `Err` on an unmatched
/// quote.
pub(crate) fn strdelim(s: &[u8]) -> Result<(Vec<u8>, Option<&[u8]>), ()> {
    let pos = s.iter().position(|&c| is_ws(c) || c == b'"' || c == b'=');
    let Some(pos) = pos else {
        return Ok((s.to_vec(), None));
    };
    let (head, tail) = s.split_at(pos);
    if tail.first() == Some(&b'"') {
        // The quote is removed; the token runs to the next quote.
        let after = tail.get(1..).unwrap_or_default();
        let mut token = head.to_vec();
        let Some(q) = after.iter().position(|&c| c == b'"') else {
            return Err(());
        };
        token.extend_from_slice(after.get(..q).unwrap_or_default());
        let rest = after.get(q + 1..).unwrap_or_default();
        let skip = rest.iter().take_while(|&&c| is_ws(c)).count();
        return Ok((token, Some(rest.get(skip..).unwrap_or_default())));
    }
    let was_equals = tail.first() == Some(&b'=');
    let mut rest = tail.get(1..).unwrap_or_default();
    let skip = rest.iter().take_while(|&&c| is_ws(c)).count();
    rest = rest.get(skip..).unwrap_or_default();
    if !was_equals && rest.first() == Some(&b'=') {
        rest = rest.get(1..).unwrap_or_default();
        let skip = rest.iter().take_while(|&&c| is_ws(c)).count();
        rest = rest.get(skip..).unwrap_or_default();
    }
    Ok((head.to_vec(), Some(rest)))
}

/// OpenSSH's `argv_split(s, .., terminate_on_comment = 1)`.
pub(crate) fn argv_split(s: &[u8]) -> Result<Vec<Vec<u8>>, ()> {
    let mut out = Vec::new();
    let mut i = 0usize;
    let at = |i: usize| s.get(i).copied();
    while let Some(c) = at(i) {
        if c == b' ' || c == b'\t' {
            i += 1;
            continue;
        }
        if c == b'#' {
            break;
        }
        let mut arg = Vec::new();
        let mut quote = 0u8;
        while let Some(c) = at(i) {
            if c == b'\\' {
                match at(i + 1) {
                    Some(n @ (b'\'' | b'"' | b'\\')) => {
                        arg.push(n);
                        i += 1;
                    }
                    Some(b' ') if quote == 0 => {
                        arg.push(b' ');
                        i += 1;
                    }
                    _ => arg.push(c),
                }
            } else if quote == 0 && (c == b' ' || c == b'\t') {
                break;
            } else if quote == 0 && (c == b'"' || c == b'\'') {
                quote = c;
            } else if quote != 0 && c == quote {
                quote = 0;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        if quote != 0 {
            return Err(());
        }
        out.push(arg);
    }
    Ok(out)
}

/// Lexes one line (without its newline). `Ok(None)` for blank lines and comments.
pub(crate) fn lex_line(raw: &[u8], line: u64) -> Result<Option<Directive>, LexError> {
    let err = |m: &str| LexError {
        line,
        message: m.to_string(),
    };
    // load_server_config strips leading " \t\r"; process_server_config_line strips trailing
    // whitespace and form feeds.
    let start = raw
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r'))
        .unwrap_or(raw.len());
    let mut s = raw.get(start..).unwrap_or_default();
    while let Some((&last, head)) = s.split_last() {
        if matches!(last, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c') {
            s = head;
        } else {
            break;
        }
    }
    if s.is_empty() {
        return Ok(None);
    }
    let (keyword, rest) = strdelim(s).map_err(|()| err("unmatched quote in keyword"))?;
    if keyword.is_empty() || keyword.first() == Some(&b'#') {
        return Ok(None);
    }
    let rest = match rest {
        Some(r) if !r.is_empty() => r,
        _ => {
            return Err(err(&format!(
                "no argument after keyword \"{}\"",
                ferret_core::escape::escape(&keyword)
            )))
        }
    };
    let args = argv_split(rest).map_err(|()| err("invalid quotes"))?;
    Ok(Some(Directive {
        line,
        keyword,
        args,
        rest: rest.to_vec(),
    }))
}

/// Iterator over the directives of an sshd_config buffer (see [`parse`]).
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
    line: u64,
    done: bool,
}

impl Iterator for Lines<'_> {
    type Item = Result<Directive, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let (cur, next) = if let Some(p) = self.rest.iter().position(|&c| c == b'\n') {
                (
                    self.rest.get(..p).unwrap_or_default(),
                    self.rest.get(p + 1..).unwrap_or_default(),
                )
            } else {
                self.done = true;
                (self.rest, &[][..])
            };
            self.rest = next;
            self.line += 1;
            // sshd reads the file as a C string: a NUL ends the line's content.
            let cur = cur.split(|&c| c == 0).next().unwrap_or_default();
            match lex_line(cur, self.line) {
                Ok(None) => {}
                Ok(Some(d)) => return Some(Ok(d)),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Lexes an sshd_config buffer into directives with line numbers; bad lines are errors in the
/// stream, never dropped.
///
/// ```
/// let d: Vec<_> = ferret_harden::sshd::parse(b"# c\nPermitRootLogin=no\nBanner \"/a b\" # x\n")
///     .collect::<Result<_, _>>().unwrap();
/// assert_eq!(d[0].keyword, b"PermitRootLogin");
/// assert_eq!(d[0].args, vec![b"no".to_vec()]);
/// assert_eq!(d[1].args, vec![b"/a b".to_vec()]);
/// ```
pub fn parse(buf: &[u8]) -> Lines<'_> {
    Lines {
        rest: buf,
        line: 0,
        done: buf.is_empty(),
    }
}

/// Splits a Match line's text into criteria tokens the way `match_cfg_line` does (`strdelim`,
/// stopping at a `#` token).
pub(crate) fn match_tokens(rest: &[u8]) -> Result<Vec<Vec<u8>>, ()> {
    let mut out = Vec::new();
    let mut cur = Some(rest);
    while let Some(s) = cur {
        if s.is_empty() {
            break;
        }
        let (tok, next) = strdelim(s)?;
        if tok.is_empty() {
            cur = next;
            continue;
        }
        if tok.first() == Some(&b'#') {
            break;
        }
        out.push(tok);
        cur = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_forms() {
        for l in [
            &b"Banner /x"[..],
            b"Banner=/x",
            b"Banner = /x",
            b"  banner\t/x  ",
            b"Banner /x # comment",
        ] {
            let d = lex_line(l, 1).unwrap().unwrap();
            assert!(d.keyword.eq_ignore_ascii_case(b"banner"));
            assert_eq!(d.args, vec![b"/x".to_vec()], "{l:?}");
        }
        assert!(lex_line(b"# Banner /x", 1).unwrap().is_none());
        assert!(lex_line(b"Banner", 1).is_err());
        assert!(lex_line(b"Banner \"/x", 1).is_err());
        let d = lex_line(b"AcceptEnv 'A B' C\\ D \"E#\" #F", 1)
            .unwrap()
            .unwrap();
        assert_eq!(
            d.args,
            vec![b"A B".to_vec(), b"C D".to_vec(), b"E#".to_vec()]
        );
    }

    #[test]
    fn match_criteria() {
        assert_eq!(
            match_tokens(b"host=a user b # c").unwrap(),
            vec![
                b"host".to_vec(),
                b"a".to_vec(),
                b"user".to_vec(),
                b"b".to_vec()
            ]
        );
    }
}
