//! The sudoers lexer: a hand-written copy of the start states and longest-match rules of sudo's
//! `toke.l` (flex), so that tokens, escapes and errors come out where sudo's come out.
// The scanning functions keep flex's terse names (i: position, c: byte, r: rest, b: blanks).
#![allow(clippy::many_single_char_names)]

use super::ast::{AliasKind, Command, DigestKind};

/// Lexer start states (sudo's names in comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// INITIAL
    Initial,
    /// GOTDEFS: the binding list after `Defaults:`/`@`/`>`/`!`.
    GotDefs,
    /// STARTDEFS: expecting a setting name.
    StartDefs,
    /// INDEFS: after a setting name.
    InDefs,
    /// WANTDIGEST: after `sha256` etc.
    WantDigest(DigestKind),
    /// GOTINC: after `@include`/`#include`.
    GotInc,
    /// EXPECTPATH: after `CWD`/`CHROOT`.
    ExpectPath,
}

/// Command tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagTok {
    NoPasswd,
    Passwd,
    NoExec,
    Exec,
    Intercept,
    NoIntercept,
    Setenv,
    NoSetenv,
    LogOutput,
    NoLogOutput,
    LogInput,
    NoLogInput,
    Mail,
    NoMail,
    Follow,
    NoFollow,
}

const TAGS: &[(&[u8], TagTok)] = &[
    (b"NOPASSWD", TagTok::NoPasswd),
    (b"PASSWD", TagTok::Passwd),
    (b"NOEXEC", TagTok::NoExec),
    (b"EXEC", TagTok::Exec),
    (b"INTERCEPT", TagTok::Intercept),
    (b"NOINTERCEPT", TagTok::NoIntercept),
    (b"SETENV", TagTok::Setenv),
    (b"NOSETENV", TagTok::NoSetenv),
    (b"LOG_OUTPUT", TagTok::LogOutput),
    (b"NOLOG_OUTPUT", TagTok::NoLogOutput),
    (b"LOG_INPUT", TagTok::LogInput),
    (b"NOLOG_INPUT", TagTok::NoLogInput),
    (b"MAIL", TagTok::Mail),
    (b"NOMAIL", TagTok::NoMail),
    (b"FOLLOW", TagTok::Follow),
    (b"NOFOLLOW", TagTok::NoFollow),
];

/// Per-command option keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptKw {
    Timeout,
    NotBefore,
    NotAfter,
    Cwd,
    Chroot,
    Role,
    Type,
    AppArmor,
    Privs,
    LimitPrivs,
}

const OPTS: &[(&[u8], OptKw)] = &[
    (b"TIMEOUT", OptKw::Timeout),
    (b"NOTBEFORE", OptKw::NotBefore),
    (b"NOTAFTER", OptKw::NotAfter),
    (b"CWD", OptKw::Cwd),
    (b"CHROOT", OptKw::Chroot),
    (b"ROLE", OptKw::Role),
    (b"TYPE", OptKw::Type),
    (b"APPARMOR_PROFILE", OptKw::AppArmor),
    (b"PRIVS", OptKw::Privs),
    (b"LIMITPRIVS", OptKw::LimitPrivs),
];

/// `Defaults` line kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefKind {
    Global,
    User,
    Runas,
    Host,
    Cmnd,
}

/// A token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Newline,
    Eof,
    Comma,
    Eq,
    Colon,
    LParen,
    RParen,
    Bang,
    PlusEq,
    MinusEq,
    Tag(TagTok),
    All,
    Opt(OptKw),
    Alias(String),
    Word(Vec<u8>),
    UserGroup(Vec<u8>),
    NetGroup(Vec<u8>),
    NtwkAddr(String),
    Command(Command),
    DigestKw(DigestKind),
    Digest(String),
    DefVar(String),
    Defaults(DefKind),
    AliasKw(AliasKind),
    Include,
    IncludeDir,
    /// A lexer error with sudo's message.
    Error(&'static str),
    /// No rule matched.
    NoMatch,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// sudo's `copy_string`: `\xHH` is a hex byte, `\c` is `c`.
pub(crate) fn unescape(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while let Some(&c) = src.get(i) {
        i += 1;
        if c == b'\\' && i < src.len() {
            if src.get(i) == Some(&b'x') && i + 3 <= src.len() {
                let h = src.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|s| u8::from_str_radix(s, 16).ok())
                });
                if let Some(h) = h {
                    out.push(h);
                    i += 3;
                    continue;
                }
            }
            if let Some(&n) = src.get(i) {
                out.push(n);
                i += 1;
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// sudo's `SPECIAL()`: characters a backslash protects in a command.
fn is_special(c: u8) -> bool {
    matches!(c, b',' | b':' | b'=' | b' ' | b'\t' | b'#')
}

/// sudo's `fill_cmnd`: collapse escaped special characters (not in a regex); a path ending in
/// `/sudoedit` is `sudoedit`.
fn fill_cmnd(src: &[u8]) -> Vec<u8> {
    if src.first() == Some(&b'^') {
        return src.to_vec();
    }
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while let Some(&c) = src.get(i) {
        if c == b'\\' && i + 1 < src.len() && src.get(i + 1).is_some_and(|&n| is_special(n)) {
            if let Some(&n) = src.get(i + 1) {
                out.push(n);
            }
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    if out.ends_with(b"/sudoedit") {
        return b"sudoedit".to_vec();
    }
    out
}

/// The lexer over one file.
pub(crate) struct Lexer<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Current line (1-based).
    pub line: u64,
    mode: Mode,
    sawspace: bool,
    continued: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer over `buf` (which must end in a newline: sudo adds one to a last line without).
    pub fn new(buf: &'a [u8]) -> Self {
        Lexer {
            buf,
            pos: 0,
            line: 1,
            mode: Mode::Initial,
            sawspace: false,
            continued: false,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.buf.get(i).copied()
    }

    fn rest(&self, i: usize) -> &'a [u8] {
        self.buf.get(i..).unwrap_or_default()
    }

    fn bol(&self) -> bool {
        self.pos == 0 || self.at(self.pos - 1) == Some(b'\n')
    }

    /// Length of a line continuation (`\` blanks newline) at `i`.
    fn continuation_len(&self, i: usize) -> usize {
        if self.at(i) != Some(b'\\') {
            return 0;
        }
        let mut j = i + 1;
        while self.at(j).is_some_and(is_blank) {
            j += 1;
        }
        if self.at(j) == Some(b'\r') && self.at(j + 1) == Some(b'\n') {
            j + 2 - i
        } else if self.at(j) == Some(b'\n') {
            j + 1 - i
        } else {
            0
        }
    }

    fn newline_len(&self, i: usize) -> usize {
        match (self.at(i), self.at(i + 1)) {
            (Some(b'\n'), _) => 1,
            (Some(b'\r'), Some(b'\n')) => 2,
            _ => 0,
        }
    }

    /// `WORD`: `([^#>!=:,\(\) \t\r\n\\\"]|\\[^\t\n])+`.
    fn word_len(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            match self.at(j) {
                Some(b'\\') => match self.at(j + 1) {
                    Some(b'\t' | b'\n') | None => break,
                    Some(_) => j += 2,
                },
                Some(
                    b'#' | b'>' | b'!' | b'=' | b':' | b',' | b'(' | b')' | b' ' | b'\t' | b'\r'
                    | b'\n' | b'"',
                )
                | None => break,
                Some(_) => j += 1,
            }
        }
        j - i
    }

    /// `ID`: `#-?[0-9]+`.
    fn id_len(&self, i: usize) -> usize {
        if self.at(i) != Some(b'#') {
            return 0;
        }
        let mut j = i + 1;
        if self.at(j) == Some(b'-') {
            j += 1;
        }
        let d = self
            .rest(j)
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if d == 0 {
            0
        } else {
            j + d - i
        }
    }

    /// `[[:upper:]][[:upper:][:digit:]_]*`.
    fn alias_len(&self, i: usize) -> usize {
        if !self.at(i).is_some_and(|b| b.is_ascii_uppercase()) {
            return 0;
        }
        1 + self
            .rest(i + 1)
            .iter()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
            .count()
    }

    /// `PATH`: `\/(\\[\,:= \t#]|[^\,:=\\ \t\r\n#])+`.
    fn path_len(&self, i: usize) -> usize {
        if self.at(i) != Some(b'/') {
            return 0;
        }
        let mut j = i + 1;
        loop {
            match self.at(j) {
                Some(b'\\') => match self.at(j + 1) {
                    Some(b',' | b':' | b'=' | b' ' | b'\t' | b'#') => j += 2,
                    _ => break,
                },
                Some(b',' | b':' | b'=' | b' ' | b'\t' | b'\r' | b'\n' | b'#') | None => break,
                Some(_) => j += 1,
            }
        }
        if j == i + 1 {
            0
        } else {
            j - i
        }
    }

    /// `REGEX`: `\^([^#\r\n\$]|\\[#\$])*\$` (longest match).
    fn regex_len(&self, i: usize) -> usize {
        if self.at(i) != Some(b'^') {
            return 0;
        }
        let mut j = i + 1;
        let mut best = 0;
        loop {
            match self.at(j) {
                Some(b'\\') if matches!(self.at(j + 1), Some(b'#' | b'$')) => {
                    if self.at(j + 1) == Some(b'$') {
                        best = j + 2 - i;
                    }
                    j += 2;
                }
                Some(b'$') => return j + 1 - i,
                Some(b'#' | b'\r' | b'\n') | None => return best,
                Some(_) => j += 1,
            }
        }
    }

    fn octet_run(&self, i: usize) -> Option<usize> {
        let d = self
            .rest(i)
            .iter()
            .take(3)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if d == 0 {
            return None;
        }
        let s = std::str::from_utf8(self.rest(i).get(..d)?).ok()?;
        let v: u32 = s.parse().ok()?;
        if v > 255 {
            // the regex can still match a shorter prefix ("25" of "256") only to fail on '.'
            return None;
        }
        Some(d)
    }

    fn ipv4_len(&self, i: usize) -> usize {
        let mut j = i;
        for k in 0..4 {
            if k > 0 {
                if self.at(j) != Some(b'.') {
                    return 0;
                }
                j += 1;
            }
            match self.octet_run(j) {
                Some(d) => j += d,
                None => return 0,
            }
        }
        j - i
    }

    /// `NTWKADDR`: IPv4 or IPv6, with a `/mask` or `/bits`.
    fn ntwk_len(&self, i: usize) -> (usize, bool) {
        let v4 = self.ipv4_len(i);
        if v4 > 0 {
            let mut len = v4;
            if self.at(i + v4) == Some(b'/') {
                let m = self.ipv4_len(i + v4 + 1);
                if m > 0 {
                    len = v4 + 1 + m;
                } else {
                    let d = self
                        .rest(i + v4 + 1)
                        .iter()
                        .take(2)
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    let ok = d > 0
                        && std::str::from_utf8(self.rest(i + v4 + 1).get(..d).unwrap_or_default())
                            .ok()
                            .and_then(|s| s.parse::<u32>().ok())
                            .is_some_and(|n| n <= 32);
                    if ok {
                        len = v4 + 1 + d;
                    }
                }
            }
            return (len, true);
        }
        // IPv6: hex digits, colons and an optional embedded IPv4, at least two colons.
        let run = self
            .rest(i)
            .iter()
            .take_while(|b| b.is_ascii_hexdigit() || **b == b':' || **b == b'.')
            .count();
        let text = self.rest(i).get(..run).unwrap_or_default();
        if memchr::memchr_iter(b':', text).count() < 2 {
            return (0, false);
        }
        let mut len = run;
        if self.at(i + run) == Some(b'/') {
            let d = self
                .rest(i + run + 1)
                .iter()
                .take(3)
                .take_while(|b| b.is_ascii_digit())
                .count();
            if d > 0 {
                len = run + 1 + d;
            }
        }
        let valid = std::str::from_utf8(text)
            .ok()
            .is_some_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok());
        (len, valid)
    }

    fn tag_at(&self, i: usize) -> Option<(usize, TagTok)> {
        let r = self.rest(i);
        // every tag starts with a capital: most tokens are told apart by their first byte
        if !r.first().is_some_and(u8::is_ascii_uppercase) {
            return None;
        }
        for (kw, t) in TAGS {
            if let Some(after) = r.strip_prefix(*kw) {
                let b = after.iter().take_while(|&&c| is_blank(c)).count();
                if after.get(b) == Some(&b':') {
                    return Some((kw.len() + b + 1, *t));
                }
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let s = self.buf.get(self.pos..self.pos + n).unwrap_or_default();
        self.pos += n;
        s
    }

    /// The next token and the line it starts on.
    pub fn next(&mut self) -> (Tok, u64) {
        loop {
            let line = self.line;
            let i = self.pos;
            let Some(c) = self.at(i) else {
                return (Tok::Eof, line);
            };
            // newline
            let nl = self.newline_len(i);
            if nl > 0 {
                self.pos += nl;
                self.line += 1;
                self.mode = Mode::Initial;
                self.continued = false;
                return (Tok::Newline, line);
            }
            // Defaults / aliases at the beginning of a line (their rules include leading blanks)
            if self.mode == Mode::Initial && self.bol() {
                if let Some(t) = self.line_keyword() {
                    return (t, line);
                }
            }
            if self.mode == Mode::GotDefs && c == b',' {
                let b2 = self
                    .rest(i + 1)
                    .iter()
                    .take_while(|&&c| is_blank(c))
                    .count();
                self.pos += 1 + b2;
                return (Tok::Comma, line);
            }
            if self.mode == Mode::GotDefs && is_blank(c) {
                let b = self.rest(i).iter().take_while(|&&c| is_blank(c)).count();
                if self.at(i + b) == Some(b',') {
                    let b2 = self
                        .rest(i + b + 1)
                        .iter()
                        .take_while(|&&c| is_blank(c))
                        .count();
                    self.pos += b + 1 + b2;
                    return (Tok::Comma, line);
                }
                self.pos += b;
                self.mode = Mode::StartDefs;
                self.sawspace = true;
                continue;
            }
            if is_blank(c) {
                self.pos += self.rest(i).iter().take_while(|&&c| is_blank(c)).count();
                self.sawspace = true;
                continue;
            }
            let cl = self.continuation_len(i);
            if cl > 0 {
                self.pos += cl;
                self.line += 1;
                self.sawspace = true;
                self.continued = true;
                continue;
            }
            // comments
            if c == b'#'
                && matches!(self.mode, Mode::Initial | Mode::StartDefs | Mode::InDefs)
                && self.id_len(i) == 0
            {
                if self.mode == Mode::Initial && self.bol() {
                    if let Some(t) = self.hash_include() {
                        return (t, line);
                    }
                }
                let end = memchr::memchr(b'\n', self.rest(i)).map_or(self.buf.len(), |n| i + n);
                self.pos = end;
                // the newline itself ends the comment and is the token
                continue;
            }
            match self.mode {
                Mode::StartDefs => return (self.lex_startdefs(), line),
                Mode::InDefs => return (self.lex_indefs(), line),
                Mode::GotInc => return (self.lex_gotinc(), line),
                _ => {}
            }
            if c == b'!' {
                let n = self.rest(i).iter().take_while(|&&b| b == b'!').count();
                self.pos += n;
                if n % 2 == 1 {
                    return (Tok::Bang, line);
                }
                continue;
            }
            if let Mode::WantDigest(kind) = self.mode {
                let b64 = self
                    .rest(i)
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                    .count();
                if b64 > 0 {
                    let hex = self
                        .rest(i)
                        .iter()
                        .take_while(|b| b.is_ascii_hexdigit())
                        .count();
                    let dl = kind.bytes();
                    let text = self.take(b64);
                    self.mode = Mode::Initial;
                    let ok = if hex == b64 {
                        b64 == dl * 2
                    } else if text.last() == Some(&b'=') {
                        b64 == 4 * dl.div_ceil(3)
                    } else {
                        b64 == (4 * dl).div_ceil(3)
                    };
                    if ok {
                        return (
                            Tok::Digest(String::from_utf8_lossy(text).into_owned()),
                            line,
                        );
                    }
                    // sudo consumes a digest of the wrong length without a token
                    continue;
                }
            }
            if c == b'@' && self.mode == Mode::Initial {
                let w = self.word_len(i);
                for (kw, t) in [
                    (&b"@includedir"[..], Tok::IncludeDir),
                    (&b"@include"[..], Tok::Include),
                ] {
                    if self.rest(i).starts_with(kw) && w <= kw.len() {
                        self.pos += kw.len();
                        if self.continued {
                            return (Tok::Error("invalid line continuation"), line);
                        }
                        self.mode = Mode::GotInc;
                        return (t, line);
                    }
                }
            }
            let t = self.lex_main();
            // a token that ran into the end of the file is reported on the last line
            let line = if t == Tok::Eof { self.line } else { line };
            return (t, line);
        }
    }

    /// `Defaults...` and `..._Alias` at the start of a line.
    fn line_keyword(&mut self) -> Option<Tok> {
        let i = self.pos;
        let b = self.rest(i).iter().take_while(|&&c| is_blank(c)).count();
        let j = i + b;
        let w = self.word_len(j);
        if self.rest(j).starts_with(b"Defaults") {
            let k = j + 8;
            let mut kind = DefKind::Global;
            let mut full = 8;
            let mut keep = 8;
            if let Some(t @ (b':' | b'@' | b'>' | b'!')) = self.at(k) {
                let mut m = k + 1;
                while self.at(m).is_some_and(is_blank) {
                    m += 1;
                }
                let after_blanks = m;
                while self.at(m) == Some(b'!') {
                    m += 1;
                }
                if self.at(m) == Some(b'"') {
                    m += 1;
                }
                let l = self.id_len(m).max(self.word_len(m));
                if l > 0 {
                    full = m + l - j;
                    keep = after_blanks - j;
                    kind = match t {
                        b':' => DefKind::User,
                        b'@' => DefKind::Host,
                        b'>' => DefKind::Runas,
                        _ => DefKind::Cmnd,
                    };
                }
            }
            if b > 0 || full >= w {
                self.pos = j + keep;
                self.mode = Mode::GotDefs;
                if self.continued {
                    return Some(Tok::Error("invalid line continuation"));
                }
                return Some(Tok::Defaults(kind));
            }
            return None;
        }
        for (kw, k) in [
            (&b"Host_Alias"[..], AliasKind::Host),
            (b"Cmnd_Alias", AliasKind::Cmnd),
            (b"Cmd_Alias", AliasKind::Cmnd),
            (b"User_Alias", AliasKind::User),
            (b"Runas_Alias", AliasKind::Runas),
        ] {
            if self.rest(j).starts_with(kw) && w <= kw.len() {
                self.pos = j + kw.len();
                if self.continued {
                    return Some(Tok::Error("invalid line continuation"));
                }
                return Some(Tok::AliasKw(k));
            }
        }
        None
    }

    /// `#include`/`#includedir` at the beginning of a line, followed by blanks.
    fn hash_include(&mut self) -> Option<Tok> {
        let r = self.rest(self.pos);
        for (kw, t) in [
            (&b"#includedir"[..], Tok::IncludeDir),
            (&b"#include"[..], Tok::Include),
        ] {
            if r.starts_with(kw) && r.get(kw.len()).is_some_and(|&c| is_blank(c)) {
                self.pos += kw.len();
                if self.continued {
                    return Some(Tok::Error("invalid line continuation"));
                }
                self.mode = Mode::GotInc;
                return Some(t);
            }
        }
        None
    }

    fn lex_startdefs(&mut self) -> Tok {
        let i = self.pos;
        let n = self
            .rest(i)
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
            .count();
        if n > 0 {
            let t = self.take(n);
            self.mode = Mode::InDefs;
            return Tok::DefVar(String::from_utf8_lossy(t).into_owned());
        }
        if self.at(i) == Some(b'!') {
            let n = self.rest(i).iter().take_while(|&&b| b == b'!').count();
            self.pos += n;
            if n % 2 == 1 {
                return Tok::Bang;
            }
            return self.next().0;
        }
        self.pos += 1;
        Tok::NoMatch
    }

    /// `ENVAR`.
    fn envar_len(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            match self.at(j) {
                Some(b'\\') => match self.at(j + 1) {
                    Some(b'\r' | b'\n') | None => break,
                    Some(_) => j += 2,
                },
                Some(b'!') if j == i => break,
                Some(b'#' | b'=' | b',' | b' ' | b'\t' | b'\r' | b'\n' | b'"') | None => break,
                Some(_) => j += 1,
            }
        }
        j - i
    }

    fn lex_indefs(&mut self) -> Tok {
        let i = self.pos;
        let c = self.at(i).unwrap_or(0);
        let ev = self.envar_len(i);
        match c {
            b',' => {
                self.pos += 1;
                self.mode = Mode::StartDefs;
                Tok::Comma
            }
            b'=' => {
                self.pos += 1;
                Tok::Eq
            }
            b'+' if self.at(i + 1) == Some(b'=') && ev < 2 => {
                self.pos += 2;
                Tok::PlusEq
            }
            b'-' if self.at(i + 1) == Some(b'=') && ev < 2 => {
                self.pos += 2;
                Tok::MinusEq
            }
            b'"' => {
                self.pos += 1;
                self.lex_string(Mode::InDefs)
            }
            b'!' => {
                let n = self.rest(i).iter().take_while(|&&b| b == b'!').count();
                self.pos += n;
                if n % 2 == 1 {
                    Tok::Bang
                } else {
                    self.next().0
                }
            }
            _ if ev > 0 => {
                let t = self.take(ev);
                Tok::Word(unescape(t))
            }
            _ => {
                self.pos += 1;
                Tok::NoMatch
            }
        }
    }

    fn lex_gotinc(&mut self) -> Tok {
        let i = self.pos;
        match self.at(i) {
            Some(b'"') => {
                self.pos += 1;
                self.lex_string(Mode::Initial)
            }
            Some(_) => {
                let mut j = i + 1;
                loop {
                    match self.at(j) {
                        Some(b'\\') if self.at(j + 1).is_some_and(is_blank) => j += 2,
                        Some(c) if !c.is_ascii_whitespace() => j += 1,
                        _ => break,
                    }
                }
                let t = self.take(j - i);
                self.mode = Mode::Initial;
                Tok::Word(unescape(t))
            }
            None => Tok::Eof,
        }
    }

    /// A quoted string (INSTR); `prev` is the state to return to.
    fn lex_string(&mut self, prev: Mode) -> Tok {
        let mut s: Option<Vec<u8>> = None;
        loop {
            let i = self.pos;
            match self.at(i) {
                None => return Tok::Eof,
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    // continuation inside a string: `\` blanks newline blanks
                    let cl = self.continuation_len(i);
                    if cl > 0 {
                        self.pos += cl;
                        self.line += 1;
                        self.continued = true;
                        while self.at(self.pos).is_some_and(is_blank) {
                            self.pos += 1;
                        }
                        continue;
                    }
                    self.pos += 1;
                    if self.at(self.pos) == Some(b'"') {
                        self.pos += 1;
                        s.get_or_insert_with(Vec::new).push(b'"');
                    } else {
                        s.get_or_insert_with(Vec::new).push(b'\\');
                    }
                }
                Some(b'\r' | b'\n') if self.newline_len(i) > 0 => {
                    self.mode = Mode::Initial;
                    return Tok::Error("unexpected line break in string");
                }
                Some(c) => {
                    self.pos += 1;
                    s.get_or_insert_with(Vec::new).push(c);
                }
            }
        }
        let next_mode = if prev == Mode::ExpectPath {
            Mode::Initial
        } else {
            prev
        };
        self.mode = next_mode;
        let Some(s) = s else {
            return Tok::Error("empty string");
        };
        if matches!(prev, Mode::Initial | Mode::GotDefs) {
            match s.first() {
                Some(b'%') => {
                    if s.len() == 1 || s.as_slice() == b"%:" {
                        return Tok::Error("empty group");
                    }
                    return Tok::UserGroup(s.get(1..).unwrap_or_default().to_vec());
                }
                Some(b'+') => {
                    if s.len() == 1 {
                        return Tok::Error("empty netgroup");
                    }
                    return Tok::NetGroup(s.get(1..).unwrap_or_default().to_vec());
                }
                _ => {}
            }
        }
        Tok::Word(s)
    }

    /// The INITIAL-like states (INITIAL, GOTDEFS, WANTDIGEST, EXPECTPATH): longest match, and
    /// the earlier rule on a tie, as flex does.
    fn lex_main(&mut self) -> Tok {
        let i = self.pos;
        let mode = self.mode;
        let initial = matches!(mode, Mode::Initial | Mode::WantDigest(_));
        let word_ok = matches!(mode, Mode::Initial | Mode::GotDefs);
        let r = self.rest(i);
        let c = r.first().copied().unwrap_or(0);
        // candidate (length, rule index)
        let mut best: (usize, usize) = (0, usize::MAX);
        let consider = |len: usize, rule: usize, best: &mut (usize, usize)| {
            if len > best.0 || (len == best.0 && len > 0 && rule < best.1) {
                *best = (len, rule);
            }
        };
        let tag = self.tag_at(i);
        if let Some((l, _)) = tag {
            consider(l, 0, &mut best);
        }
        // `+`, `%`, `%:` alone (an error) and netgroups/groups
        let (grp_len, net_len, grp_err) = match c {
            b'%' => {
                let off = if r.get(1) == Some(&b':') { 2 } else { 1 };
                let l = self.word_len(i + off).max(self.id_len(i + off));
                (if l > 0 { off + l } else { 0 }, 0, off)
            }
            b'+' => {
                let l = self.word_len(i + 1);
                (0, if l > 0 { 1 + l } else { 0 }, 1)
            }
            _ => (0, 0, 0),
        };
        if word_ok || initial {
            consider(grp_err, 1, &mut best);
            consider(net_len, 2, &mut best);
            consider(grp_len, 3, &mut best);
        }
        let (ntwk, ntwk_valid) = self.ntwk_len(i);
        consider(ntwk, 4, &mut best);
        if r.starts_with(b"ALL") {
            consider(3, 5, &mut best);
        }
        let mut opt = None;
        if initial && c.is_ascii_uppercase() {
            for (kw, o) in OPTS {
                if r.starts_with(kw) {
                    consider(kw.len(), 6, &mut best);
                    opt = Some((kw.len(), *o));
                }
            }
        }
        let alias = self.alias_len(i);
        consider(alias, 7, &mut best);
        let path = self.path_len(i);
        let regex = self.regex_len(i);
        if mode == Mode::GotDefs {
            consider(path.max(regex), 8, &mut best);
            if r.starts_with(b"sudoedit") {
                consider(8, 8, &mut best);
            }
        }
        let mut digest_kw = None;
        for (kw, k) in [
            (&b"sha224"[..], DigestKind::Sha224),
            (b"sha256", DigestKind::Sha256),
            (b"sha384", DigestKind::Sha384),
            (b"sha512", DigestKind::Sha512),
        ] {
            if c == b's' && r.starts_with(kw) {
                consider(6, 9, &mut best);
                digest_kw = Some(k);
            }
        }
        if r.starts_with(b"sudoedit") {
            consider(8, 10, &mut best);
        }
        let word = self.word_len(i);
        if mode == Mode::ExpectPath {
            consider(path.max(word), 11, &mut best);
        }
        consider(path, 12, &mut best);
        consider(regex, 13, &mut best);
        if c == b'"' && matches!(mode, Mode::Initial | Mode::ExpectPath | Mode::GotDefs) {
            consider(1, 14, &mut best);
        }
        if word_ok {
            consider(word.max(self.id_len(i)), 15, &mut best);
        }
        if matches!(c, b'(' | b')' | b',' | b'=' | b':') {
            consider(1, 16, &mut best);
        }
        let (len, rule) = best;
        if len == 0 {
            self.pos += 1;
            return Tok::NoMatch;
        }
        match rule {
            0 => {
                self.pos += len;
                tag.map_or(Tok::NoMatch, |(_, t)| Tok::Tag(t))
            }
            1 => {
                self.pos += len;
                Tok::Error(if c == b'+' {
                    "empty netgroup"
                } else {
                    "empty group"
                })
            }
            2 => {
                let t = self.take(len);
                Tok::NetGroup(unescape(t.get(1..).unwrap_or_default()))
            }
            3 => {
                let t = self.take(len);
                Tok::UserGroup(unescape(t.get(1..).unwrap_or_default()))
            }
            4 => {
                let t = self.take(len);
                if !ntwk_valid {
                    return Tok::Error("invalid IPv6 address");
                }
                Tok::NtwkAddr(String::from_utf8_lossy(t).into_owned())
            }
            5 => {
                self.pos += 3;
                Tok::All
            }
            6 => {
                let (l, o) = opt.unwrap_or((len, OptKw::Cwd));
                self.pos += l;
                if matches!(o, OptKw::Cwd | OptKw::Chroot) {
                    self.mode = Mode::ExpectPath;
                }
                Tok::Opt(o)
            }
            7 => {
                let t = self.take(len);
                Tok::Alias(String::from_utf8_lossy(t).into_owned())
            }
            8 => {
                let t = self.take(len);
                Tok::Command(Command {
                    path: Some(fill_cmnd(t)),
                    args: None,
                    digests: Vec::new(),
                })
            }
            9 => {
                self.pos += 6;
                let k = digest_kw.unwrap_or(DigestKind::Sha256);
                self.mode = Mode::WantDigest(k);
                Tok::DigestKw(k)
            }
            10 => {
                self.pos += 8;
                self.lex_args(b"sudoedit".to_vec(), true)
            }
            11 => {
                let t = self.take(len);
                self.mode = Mode::Initial;
                Tok::Word(unescape(t))
            }
            12 => {
                let t = self.take(len);
                let cmd = fill_cmnd(t);
                if t.last() == Some(&b'/') {
                    return Tok::Command(Command {
                        path: Some(cmd),
                        args: None,
                        digests: Vec::new(),
                    });
                }
                self.lex_args(cmd, false)
            }
            13 => {
                let t = self.take(len);
                self.lex_args(t.to_vec(), false)
            }
            14 => {
                self.pos += 1;
                let prev = if matches!(mode, Mode::WantDigest(_)) {
                    Mode::Initial
                } else {
                    mode
                };
                self.lex_string(prev)
            }
            15 => {
                let t = self.take(len);
                Tok::Word(unescape(t))
            }
            _ => {
                self.pos += 1;
                match c {
                    b'(' => Tok::LParen,
                    b')' => Tok::RParen,
                    b',' => Tok::Comma,
                    b'=' => Tok::Eq,
                    _ => Tok::Colon,
                }
            }
        }
    }

    fn fill_args(args: &mut Option<Vec<u8>>, s: &[u8], addspace: bool) {
        match args {
            None => *args = Some(s.to_vec()),
            Some(a) => {
                if addspace {
                    a.push(b' ');
                }
                a.extend_from_slice(s);
            }
        }
    }

    /// Command-line arguments after a command (GOTCMND, GOTEDIT, GOTREGEX).
    fn lex_args(&mut self, path: Vec<u8>, edit: bool) -> Tok {
        let mut args: Option<Vec<u8>> = None;
        let mut sawspace = false;
        let is_arg =
            |b: u8| !matches!(b, b'#' | b'\\' | b':' | b',' | b' ' | b'\t' | b'\r' | b'\n');
        loop {
            let i = self.pos;
            let Some(c) = self.at(i) else {
                return Tok::Eof;
            };
            let check_edit = |first: u8, args: &Option<Vec<u8>>, sawspace: bool| {
                edit && first != b'/' && (args.is_none() || sawspace)
            };
            if c == b'\\' {
                let cl = self.continuation_len(i);
                if cl > 0 {
                    self.pos += cl;
                    self.line += 1;
                    self.continued = true;
                    sawspace = true;
                    continue;
                }
                match self.at(i + 1) {
                    Some(n @ (b'*' | b'?' | b'[' | b']' | b'!' | b'^')) => {
                        if check_edit(c, &args, sawspace) {
                            return Tok::Error("invalid sudoedit file name");
                        }
                        self.pos += 2;
                        Self::fill_args(&mut args, &[b'\\', n], sawspace);
                        sawspace = false;
                    }
                    Some(n @ (b':' | b'\\' | b',' | b'=' | b' ' | b'\t' | b'#')) => {
                        if check_edit(c, &args, sawspace) {
                            return Tok::Error("invalid sudoedit file name");
                        }
                        self.pos += 2;
                        Self::fill_args(&mut args, &[n], sawspace);
                        sawspace = false;
                    }
                    _ => {
                        self.pos += 1;
                        return Tok::NoMatch;
                    }
                }
                continue;
            }
            if is_blank(c) {
                self.pos += 1;
                sawspace = true;
                continue;
            }
            let run = self.rest(i).iter().take_while(|&&b| is_arg(b)).count();
            let ends = matches!(c, b'#' | b':' | b',' | b'\r' | b'\n') || (c == b'=' && run <= 1);
            if ends {
                self.mode = Mode::Initial;
                return Tok::Command(Command {
                    path: Some(path),
                    args,
                    digests: Vec::new(),
                });
            }
            if args.is_none() && c == b'^' {
                return self.lex_regex_arg(path);
            }
            if check_edit(c, &args, sawspace) {
                return Tok::Error("invalid sudoedit file name");
            }
            let t = self.take(run);
            Self::fill_args(&mut args, t, sawspace);
            sawspace = false;
        }
    }

    /// A regular-expression argument (GOTREGEX), up to an unescaped `$`.
    fn lex_regex_arg(&mut self, path: Vec<u8>) -> Tok {
        let mut re = Vec::new();
        loop {
            let i = self.pos;
            match self.at(i) {
                None => return Tok::Eof,
                Some(b'\\') => {
                    let cl = self.continuation_len(i);
                    if cl > 0 {
                        self.pos += cl;
                        self.line += 1;
                        self.continued = true;
                        continue;
                    }
                    match self.at(i + 1) {
                        Some(b'\r' | b'\n') | None => {
                            self.pos += 1;
                            return Tok::NoMatch;
                        }
                        Some(n) => {
                            re.extend_from_slice(&[b'\\', n]);
                            self.pos += 2;
                        }
                    }
                }
                Some(b'#' | b'\r' | b'\n') => {
                    self.mode = Mode::Initial;
                    return Tok::Error("unterminated regular expression");
                }
                Some(b'$') => {
                    self.pos += 1;
                    re.push(b'$');
                    self.mode = Mode::Initial;
                    self.continued = false;
                    return Tok::Command(Command {
                        path: Some(path),
                        args: Some(re),
                        digests: Vec::new(),
                    });
                }
                Some(_) => {
                    let mut n = self
                        .rest(i)
                        .iter()
                        .take_while(|b| !matches!(b, b'#' | b'\\' | b'\r' | b'\n' | b'$'))
                        .count();
                    let mut t = self.take(n);
                    if self.continued {
                        while t.first().is_some_and(|&b| is_blank(b)) {
                            t = t.get(1..).unwrap_or_default();
                            n -= 1;
                        }
                        self.continued = false;
                    }
                    if n > 0 {
                        re.extend_from_slice(t);
                    }
                }
            }
        }
    }
}
