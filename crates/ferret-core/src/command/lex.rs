//! A small shell lexer: enough of POSIX sh and bash to find the programs, arguments,
//! redirections and substitutions of a command line, never evaluating anything.
//!
//! It is deliberately forgiving: an unterminated quote or substitution ends at the end of the
//! input, unknown syntax becomes words. Input length and nesting are bounded by the caller.

/// How a redirection uses its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Redir {
    /// `>`, `>|`, `&>`: truncates the target.
    Truncate,
    /// `>>`, `&>>`: appends.
    Append,
    /// `<`, `<>`: reads.
    Read,
    /// `<<<`: a here-string (the target is the text).
    HereString,
    /// `>&N`, `<&N`: duplicates a descriptor (the target is the descriptor or a file).
    Dup,
}

/// One simple command: words (quotes removed), redirections, and the texts of the command and
/// process substitutions that appear anywhere in it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Simple {
    pub words: Vec<Vec<u8>>,
    pub redirs: Vec<(Redir, Vec<u8>)>,
    /// `$(...)`, backquotes, `<(...)`, `>(...)`: (inner text, index of the word it belongs to,
    /// or `usize::MAX` for a redirection target).
    pub substs: Vec<(Vec<u8>, usize)>,
    /// A subshell `( list )` in command position: its inner text (the command's only word is
    /// then `(...)`). Its output is the list's output: `(curl URL || wget -O- URL) | sh`.
    pub group: Option<Vec<u8>>,
}

/// Commands joined by `|`.
pub(crate) type Pipeline = Vec<Simple>;

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.s.get(self.i + k).copied()
    }
    fn bump(&mut self) -> Option<u8> {
        let c = self.peek(0)?;
        self.i += 1;
        Some(c)
    }
    fn starts(&self, lit: &[u8]) -> bool {
        self.s.get(self.i..).is_some_and(|r| r.starts_with(lit))
    }
}

/// Reads the text of a substitution whose opening (`$(`, `<(`, `>(`) was consumed, up to the
/// matching `)`, honouring quotes and nesting. Returns the inner text.
fn paren_body(c: &mut Cursor<'_>) -> Vec<u8> {
    let start = c.i;
    let mut depth = 1usize;
    while let Some(b) = c.peek(0) {
        match b {
            b'\\' => {
                c.i += 2;
                continue;
            }
            b'\'' => {
                c.i += 1;
                while let Some(q) = c.bump() {
                    if q == b'\'' {
                        break;
                    }
                }
                continue;
            }
            b'"' => {
                c.i += 1;
                while let Some(q) = c.bump() {
                    if q == b'\\' {
                        c.i += 1;
                    } else if q == b'"' {
                        break;
                    }
                }
                continue;
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    let body = c.s.get(start..c.i).unwrap_or_default().to_vec();
                    c.i += 1;
                    return body;
                }
            }
            _ => {}
        }
        c.i += 1;
    }
    c.s.get(start..).unwrap_or_default().to_vec()
}

/// Reads a backquoted substitution whose opening backquote was consumed.
fn backquote_body(c: &mut Cursor<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(b) = c.bump() {
        match b {
            b'\\' => {
                if let Some(n) = c.bump() {
                    if !matches!(n, b'`' | b'\\' | b'$') {
                        out.push(b'\\');
                    }
                    out.push(n);
                }
            }
            b'`' => break,
            _ => out.push(b),
        }
    }
    out
}

/// Decodes the body of `$'...'` (ANSI-C quoting), whose opening was consumed.
fn ansi_c_body(c: &mut Cursor<'_>, out: &mut Vec<u8>) {
    fn hexval(b: u8) -> Option<u8> {
        crate::hex::digit(b)
    }
    while let Some(b) = c.bump() {
        match b {
            b'\'' => return,
            b'\\' => match c.bump() {
                Some(b'n') => out.push(b'\n'),
                Some(b't') => out.push(b'\t'),
                Some(b'r') => out.push(b'\r'),
                Some(b'e' | b'E') => out.push(0x1b),
                Some(b'a') => out.push(7),
                Some(b'b') => out.push(8),
                Some(b'x') => {
                    let mut v: u8 = 0;
                    let mut n = 0;
                    while n < 2 {
                        match c.peek(0).and_then(hexval) {
                            Some(d) => {
                                v = (v << 4) | d;
                                c.i += 1;
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    if n == 0 {
                        out.extend_from_slice(b"\\x");
                    } else {
                        out.push(v);
                    }
                }
                Some(d @ b'0'..=b'7') => {
                    let mut v = u32::from(d - b'0');
                    let mut n = 1;
                    while n < 3 {
                        match c.peek(0) {
                            Some(d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                c.i += 1;
                                n += 1;
                            }
                            _ => break,
                        }
                    }
                    out.push((v & 0xff) as u8);
                }
                Some(o) => out.push(o),
                None => return,
            },
            _ => out.push(b),
        }
    }
}

enum Tok {
    Word(Vec<u8>, Vec<Vec<u8>>),
    Redir(Redir),
    /// A process substitution in word position: `<(cmd)` or `>(cmd)`.
    ProcSubst(Vec<u8>),
    /// A subshell: `( list )`, its inner text.
    Group(Vec<u8>),
    Pipe,
    /// `;`, `&`, `&&`, `||`, newline, parentheses and braces: the pipeline ends.
    Sep,
}

fn is_meta(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

/// Reads one word starting at the cursor (which is not at a metacharacter).
fn word(c: &mut Cursor<'_>) -> Tok {
    let mut w = Vec::new();
    let mut substs = Vec::new();
    while let Some(b) = c.peek(0) {
        if is_meta(b) {
            break;
        }
        c.i += 1;
        match b {
            b'\\' => match c.bump() {
                Some(b'\n') | None => {}
                Some(n) => w.push(n),
            },
            b'\'' => {
                while let Some(q) = c.bump() {
                    if q == b'\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            b'$' if c.peek(0) == Some(b'\'') => {
                c.i += 1;
                ansi_c_body(c, &mut w);
            }
            b'$' if c.peek(0) == Some(b'(') => {
                c.i += 1;
                let body = paren_body(c);
                w.extend_from_slice(b"$(");
                w.extend_from_slice(&body);
                w.push(b')');
                substs.push(body);
            }
            b'`' => {
                let body = backquote_body(c);
                w.push(b'`');
                w.extend_from_slice(&body);
                w.push(b'`');
                substs.push(body);
            }
            b'"' => {
                while let Some(q) = c.bump() {
                    match q {
                        b'"' => break,
                        b'\\' => match c.bump() {
                            Some(n @ (b'"' | b'\\' | b'$' | b'`')) => w.push(n),
                            Some(b'\n') | None => {}
                            Some(n) => {
                                w.push(b'\\');
                                w.push(n);
                            }
                        },
                        b'$' if c.peek(0) == Some(b'(') => {
                            c.i += 1;
                            let body = paren_body(c);
                            w.extend_from_slice(b"$(");
                            w.extend_from_slice(&body);
                            w.push(b')');
                            substs.push(body);
                        }
                        b'`' => {
                            let body = backquote_body(c);
                            w.push(b'`');
                            w.extend_from_slice(&body);
                            w.push(b'`');
                            substs.push(body);
                        }
                        _ => w.push(q),
                    }
                }
            }
            _ => w.push(b),
        }
    }
    Tok::Word(w, substs)
}

fn next_tok(c: &mut Cursor<'_>) -> Option<Tok> {
    loop {
        let b = c.peek(0)?;
        match b {
            b' ' | b'\t' | b'\r' => c.i += 1,
            b'#' => {
                // A comment runs to the end of the line.
                while let Some(n) = c.peek(0) {
                    if n == b'\n' {
                        break;
                    }
                    c.i += 1;
                }
            }
            b'\\' if c.peek(1) == Some(b'\n') => c.i += 2,
            _ => break,
        }
    }
    let b = c.peek(0)?;
    // A descriptor number right before a redirection (`2>`, `1>>`) belongs to it.
    if b.is_ascii_digit() {
        let mut k = 0;
        while c.peek(k).is_some_and(|d| d.is_ascii_digit()) {
            k += 1;
        }
        if matches!(c.peek(k), Some(b'<' | b'>')) && !matches!(c.peek(k + 1), Some(b'(')) {
            c.i += k;
        }
    }
    let b = c.peek(0)?;
    let tok = if c.starts(b"&&") || c.starts(b"||") || c.starts(b";;") {
        c.i += 2;
        Tok::Sep
    } else if c.starts(b"&>>") {
        c.i += 3;
        Tok::Redir(Redir::Append)
    } else if c.starts(b"&>") {
        c.i += 2;
        Tok::Redir(Redir::Truncate)
    } else if c.starts(b"|&") {
        c.i += 2;
        Tok::Pipe
    } else if c.starts(b"<(") || c.starts(b">(") {
        c.i += 2;
        Tok::ProcSubst(paren_body(c))
    } else if c.starts(b"<<<") {
        c.i += 3;
        Tok::Redir(Redir::HereString)
    } else if c.starts(b"<<") {
        // A here-document's body is on the following lines; the delimiter word is skipped.
        c.i += 2;
        if c.peek(0) == Some(b'-') {
            c.i += 1;
        }
        Tok::Redir(Redir::Read)
    } else if c.starts(b">>") {
        c.i += 2;
        Tok::Redir(Redir::Append)
    } else if c.starts(b">&") || c.starts(b"<&") {
        c.i += 2;
        Tok::Redir(Redir::Dup)
    } else if c.starts(b">|") || c.starts(b"<>") {
        let r = if b == b'>' {
            Redir::Truncate
        } else {
            Redir::Read
        };
        c.i += 2;
        Tok::Redir(r)
    } else {
        match b {
            b'>' => {
                c.i += 1;
                Tok::Redir(Redir::Truncate)
            }
            b'<' => {
                c.i += 1;
                Tok::Redir(Redir::Read)
            }
            b'|' => {
                c.i += 1;
                Tok::Pipe
            }
            b'(' => {
                c.i += 1;
                Tok::Group(paren_body(c))
            }
            b';' | b'&' | b'\n' | b')' => {
                c.i += 1;
                Tok::Sep
            }
            _ => word(c),
        }
    };
    Some(tok)
}

fn flush(cur: &mut Simple, pipe: &mut Pipeline) {
    if !cur.words.is_empty() || !cur.redirs.is_empty() || !cur.substs.is_empty() {
        pipe.push(std::mem::take(cur));
    }
}

/// Splits `s` into pipelines of simple commands.
pub(crate) fn parse(s: &[u8]) -> Vec<Pipeline> {
    let mut c = Cursor { s, i: 0 };
    let mut out: Vec<Pipeline> = Vec::new();
    let mut pipe: Pipeline = Vec::new();
    let mut cur = Simple::default();
    let mut pending: Option<Redir> = None;
    while let Some(t) = next_tok(&mut c) {
        match t {
            Tok::Word(w, substs) => {
                if let Some(r) = pending.take() {
                    for b in substs {
                        cur.substs.push((b, usize::MAX));
                    }
                    cur.redirs.push((r, w));
                } else {
                    let at = cur.words.len();
                    // Shell reserved words and grouping braces are not programs.
                    if cur.words.is_empty() && is_reserved(&w) {
                        for b in substs {
                            cur.substs.push((b, usize::MAX));
                        }
                        continue;
                    }
                    for b in substs {
                        cur.substs.push((b, at));
                    }
                    cur.words.push(w);
                }
            }
            Tok::ProcSubst(body) => {
                if let Some(r) = pending.take() {
                    cur.redirs.push((r, b"<(...)".to_vec()));
                    cur.substs.push((body, usize::MAX - 1));
                } else {
                    let at = cur.words.len();
                    cur.words.push(b"<(...)".to_vec());
                    cur.substs.push((body, at));
                }
            }
            Tok::Group(body) => {
                // A subshell starts a command of its own (`f() {` and `((i++))` land here
                // too: harmless, their text is classified like any other).
                pending = None;
                flush(&mut cur, &mut pipe);
                cur.words.push(b"(...)".to_vec());
                cur.group = Some(body);
            }
            Tok::Redir(r) => pending = Some(r),
            Tok::Pipe => {
                pending = None;
                flush(&mut cur, &mut pipe);
            }
            Tok::Sep => {
                pending = None;
                flush(&mut cur, &mut pipe);
                if !pipe.is_empty() {
                    out.push(std::mem::take(&mut pipe));
                }
            }
        }
    }
    flush(&mut cur, &mut pipe);
    if !pipe.is_empty() {
        out.push(pipe);
    }
    out
}

fn is_reserved(w: &[u8]) -> bool {
    matches!(
        w,
        b"{" | b"}"
            | b"!"
            | b"if"
            | b"then"
            | b"else"
            | b"elif"
            | b"fi"
            | b"do"
            | b"done"
            | b"while"
            | b"until"
            | b"case"
            | b"esac"
            | b"in"
            | b"function"
            | b"[["
            | b"]]"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Vec<String>> {
        parse(s.as_bytes())
            .iter()
            .flat_map(|p| p.iter())
            .map(|c| {
                c.words
                    .iter()
                    .map(|w| String::from_utf8_lossy(w).into_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn quotes_escapes_and_operators() {
        assert_eq!(
            words(r#"echo 'a b' "c\"d" e\ f;ls|wc -l && x || y & z"#),
            vec![
                vec!["echo", "a b", "c\"d", "e f"],
                vec!["ls"],
                vec!["wc", "-l"],
                vec!["x"],
                vec!["y"],
                vec!["z"]
            ]
        );
        assert_eq!(words(r"$'\x63\x75rl' -s x"), vec![vec!["curl", "-s", "x"]]);
        assert_eq!(
            words("if true; then echo; fi"),
            vec![vec!["true"], vec!["echo"]]
        );
    }

    #[test]
    fn redirections_and_substitutions() {
        let p = parse(br#"bash -c "$(curl -fsSL http://x/y)" 2>&1 >>/tmp/o < <(wget -qO- z)"#);
        assert_eq!(p.len(), 1);
        let c = p.first().and_then(|p| p.first()).unwrap();
        assert_eq!(c.words.first().map(Vec::as_slice), Some(&b"bash"[..]));
        assert_eq!(c.substs.len(), 2);
        assert!(c.substs.iter().any(|(b, _)| b.starts_with(b"curl")));
        assert!(c.substs.iter().any(|(b, _)| b.starts_with(b"wget")));
        assert!(c
            .redirs
            .iter()
            .any(|(r, t)| *r == Redir::Append && t == b"/tmp/o"));
        assert!(c.redirs.iter().any(|(r, t)| *r == Redir::Dup && t == b"1"));
    }

    #[test]
    fn unterminated_input_does_not_loop() {
        for s in [
            "'abc", "\"abc", "$(abc", "`abc", "<(abc", "a\\", "$'\\x", "2>",
        ] {
            let _ = parse(s.as_bytes());
        }
    }
}
