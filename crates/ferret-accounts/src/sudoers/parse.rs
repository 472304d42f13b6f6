//! The sudoers grammar (sudo's `gram.y`) as a recursive-descent parser over [`Lexer`] tokens,
//! with sudo's error recovery (skip to the end of the line), command-spec propagation and
//! includes followed through a [`Source`].

use super::ast::{
    Alias, AliasKind, Binding, CmndOptions, CmndSpec, DefaultEntry, DefaultOp, Defaults,
    Diagnostic, DiagnosticKind, Digest, Include, Inherited, Loc, Member, Name, Privilege, Sudoers,
    Tag, Tags, UserSpec,
};
use super::lex::{DefKind, Lexer, OptKw, TagTok, Tok};
use super::Limits;
use std::path::{Path, PathBuf};

/// Where included files come from (a root, or files in memory).
pub(crate) trait Source {
    /// Reads one file.
    fn read_file(&mut self, path: &Path, limit: u64) -> Result<Vec<u8>, String>;
    /// Lists the names in a directory (regular files only), for `@includedir`; `Ok(None)`
    /// when the directory does not exist, `Err` when it may not be used.
    fn list_dir(&mut self, path: &Path) -> Result<Option<Vec<Vec<u8>>>, String>;
    /// Whether the run was cancelled.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A source with no files: includes are recorded, not followed.
pub(crate) struct NoFiles;

impl Source for NoFiles {
    fn read_file(&mut self, _: &Path, _: u64) -> Result<Vec<u8>, String> {
        Err("includes are not followed when parsing bytes".into())
    }
    fn list_dir(&mut self, _: &Path) -> Result<Option<Vec<Vec<u8>>>, String> {
        Err("includes are not followed when parsing bytes".into())
    }
}

struct Cur<'d> {
    lx: Lexer<'d>,
    peeked: Option<(Tok, u64)>,
    last_line: u64,
    file: u32,
    dir: PathBuf,
}

impl Cur<'_> {
    fn peek(&mut self) -> &Tok {
        if self.peeked.is_none() {
            self.peeked = Some(self.lx.next());
        }
        match &self.peeked {
            Some((t, _)) => t,
            None => &Tok::Eof,
        }
    }
    fn line(&mut self) -> u64 {
        self.peek();
        self.peeked.as_ref().map_or(self.last_line, |p| p.1)
    }
    fn bump(&mut self) -> Tok {
        self.peek();
        match self.peeked.take() {
            Some((t, l)) => {
                self.last_line = l;
                t
            }
            None => Tok::Eof,
        }
    }
    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.bump();
            true
        } else {
            false
        }
    }
}

type R<T> = Result<T, ()>;

/// The parser state shared across included files.
pub(crate) struct Parser<'s> {
    pub out: Sudoers,
    src: &'s mut dyn Source,
    limits: Limits,
    host: Vec<u8>,
    stack: Vec<PathBuf>,
    total: u64,
    budget_reported: bool,
}

fn lexer_message(t: &Tok) -> &'static str {
    match t {
        Tok::Error(m) => m,
        _ => "syntax error",
    }
}

/// `%h` expansion (a `/` in the host name becomes `_`).
fn expand_host(src: &[u8], host: &[u8]) -> Vec<u8> {
    let host: Vec<u8> = host
        .iter()
        .map(|&b| if b == b'/' { b'_' } else { b })
        .collect();
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while let Some(&c) = src.get(i) {
        if c == b'%' && src.get(i + 1) == Some(&b'h') {
            out.extend_from_slice(&host);
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// sudo's `parse_gentime`: `YYYYMMDDHH[MM[SS]][.f][Z|+hhmm|-hhmm]` to Unix seconds (a time
/// without a zone is taken as UTC here; sudo uses the local zone).
pub(crate) fn parse_gentime(s: &[u8]) -> Option<i64> {
    let len = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(10..=14).contains(&len) || len % 2 == 1 {
        return None;
    }
    let num = |a: usize, b: usize| -> Option<i64> {
        std::str::from_utf8(s.get(a..b)?).ok()?.parse().ok()
    };
    let year = num(0, 4)?;
    let mon = num(4, 6)?;
    let day = num(6, 8)?;
    let hour = num(8, 10)?;
    let items = 4 + (len - 10) / 2;
    let mut min = if items >= 5 { num(10, 12)? } else { 0 };
    let mut sec = if items >= 6 { num(12, 14)? } else { 0 };
    let mut cp = len;
    if matches!(s.get(cp), Some(b'.' | b',')) && s.get(cp + 1).is_some_and(u8::is_ascii_digit) {
        let frac = i64::from(s.get(cp + 1).copied().unwrap_or(b'0') - b'0');
        match items {
            4 => min += 6 * frac,
            5 => sec += 6 * frac,
            _ => {}
        }
        cp += 2;
    }
    let mut tzoff = 0i64;
    match s.get(cp) {
        Some(&sign @ (b'+' | b'-')) => {
            let d = s
                .get(cp + 1..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if d != 2 && d != 4 {
                return None;
            }
            let h = num(cp + 1, cp + 3)?;
            let m = if d == 4 { num(cp + 3, cp + 5)? } else { 0 };
            tzoff = (h * 60 + m) * 60;
            if sign == b'-' {
                tzoff = -tzoff;
            }
            cp += 1 + d;
        }
        Some(b'Z') => cp += 1,
        None => {}
        Some(_) => return None,
    }
    if cp != s.len() {
        return None;
    }
    // timegm normalises out-of-range fields; months must be 1..=12 for days_from_civil.
    let m0 = mon - 1;
    let y = year + m0.div_euclid(12);
    let m = u32::try_from(m0.rem_euclid(12) + 1).ok()?;
    let days = ferret_core::civil::days_from_civil(y, m, 1) + day - 1;
    Some(days * 86_400 + hour * 3_600 + min * 60 + sec - tzoff)
}

impl<'s> Parser<'s> {
    pub fn new(src: &'s mut dyn Source, limits: Limits, host: Vec<u8>) -> Self {
        Parser {
            out: Sudoers::default(),
            src,
            limits,
            host,
            stack: Vec::new(),
            total: 0,
            budget_reported: false,
        }
    }

    fn diag(&mut self, kind: DiagnosticKind, file: u32, line: u64, message: impl Into<String>) {
        self.out.diagnostics.push(Diagnostic {
            kind,
            loc: Loc { file, line },
            message: message.into(),
        });
    }

    fn err<T>(&mut self, c: &mut Cur<'_>, msg: &str) -> R<T> {
        let line = c.line();
        let file = c.file;
        self.diag(DiagnosticKind::Syntax, file, line, msg);
        Err(())
    }

    fn unexpected<T>(&mut self, c: &mut Cur<'_>) -> R<T> {
        let m = lexer_message(c.peek());
        self.err(c, m)
    }

    fn expect(&mut self, c: &mut Cur<'_>, t: &Tok) -> R<()> {
        if c.eat(t) {
            Ok(())
        } else {
            self.unexpected(c)
        }
    }

    /// Parses one file's bytes (the path is already resolved inside the root).
    pub fn parse_file(&mut self, path: &Path, data: &[u8]) {
        let file = u32::try_from(self.out.files.len()).unwrap_or(u32::MAX);
        self.out.files.push(path.to_path_buf());
        self.stack.push(path.to_path_buf());
        let owned;
        let buf: &[u8] = if data.is_empty() || data.ends_with(b"\n") {
            data
        } else {
            owned = [data, b"\n"].concat();
            &owned
        };
        let mut c = Cur {
            lx: Lexer::new(buf),
            peeked: None,
            last_line: 1,
            file,
            dir: path
                .parent()
                .map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
        };
        loop {
            match c.peek() {
                Tok::Eof => break,
                Tok::Newline => {
                    c.bump();
                    continue;
                }
                _ => {}
            }
            if self.entry(&mut c).is_err() {
                // sudo's `error '\n'`: skip the rest of the line
                loop {
                    match c.bump() {
                        Tok::Newline | Tok::Eof => break,
                        _ => {}
                    }
                }
            }
        }
        self.stack.pop();
    }

    fn entry(&mut self, c: &mut Cur<'_>) -> R<()> {
        let line = c.line();
        let loc = Loc { file: c.file, line };
        match c.peek().clone() {
            Tok::Include | Tok::IncludeDir => {
                let dir = c.bump() == Tok::IncludeDir;
                let Tok::Word(w) = c.peek().clone() else {
                    return self.unexpected(c);
                };
                c.bump();
                let bad = if c.peek() == &Tok::Newline || c.peek() == &Tok::Eof {
                    false
                } else {
                    let _ = self.unexpected::<()>(c);
                    true
                };
                self.include(c, &w, dir, loc);
                if bad {
                    return Err(());
                }
                c.bump();
                Ok(())
            }
            Tok::AliasKw(kind) => {
                c.bump();
                loop {
                    let aline = c.line();
                    let name = match c.peek().clone() {
                        Tok::Alias(n) => {
                            c.bump();
                            n
                        }
                        Tok::All | Tok::Opt(_) => {
                            return self
                                .err(c, "syntax error, reserved word used as an alias name");
                        }
                        _ => return self.unexpected(c),
                    };
                    self.expect(c, &Tok::Eq)?;
                    let members = match kind {
                        AliasKind::User | AliasKind::Runas => self.userlist(c)?,
                        AliasKind::Host => self.hostlist(c)?,
                        AliasKind::Cmnd => self.cmndlist(c)?,
                    };
                    let aloc = Loc {
                        file: c.file,
                        line: aline,
                    };
                    if self.out.alias(kind, &name).is_some() {
                        let l = c.line();
                        self.diag(
                            DiagnosticKind::Syntax,
                            c.file,
                            l,
                            format!("Alias \"{name}\" already defined"),
                        );
                        return Err(());
                    }
                    self.out.aliases.push(Alias {
                        kind,
                        name,
                        members,
                        loc: aloc,
                    });
                    match c.peek() {
                        Tok::Colon => {
                            c.bump();
                        }
                        Tok::Newline | Tok::Eof => {
                            c.bump();
                            return Ok(());
                        }
                        _ => return self.unexpected(c),
                    }
                }
            }
            Tok::Defaults(kind) => {
                c.bump();
                let binding = match kind {
                    DefKind::Global => Binding::Global,
                    DefKind::User => Binding::User(self.userlist(c)?),
                    DefKind::Runas => Binding::Runas(self.userlist(c)?),
                    DefKind::Host => Binding::Host(self.hostlist(c)?),
                    DefKind::Cmnd => Binding::Cmnd(self.cmndlist(c)?),
                };
                let mut entries = Vec::new();
                loop {
                    let eline = c.line();
                    let negated = c.eat(&Tok::Bang);
                    let Tok::DefVar(name) = c.peek().clone() else {
                        return self.unexpected(c);
                    };
                    c.bump();
                    let mut op = if negated {
                        DefaultOp::Negate
                    } else {
                        DefaultOp::Set
                    };
                    let mut value = None;
                    if !negated {
                        let o = match c.peek() {
                            Tok::Eq => Some(DefaultOp::Set),
                            Tok::PlusEq => Some(DefaultOp::Add),
                            Tok::MinusEq => Some(DefaultOp::Remove),
                            _ => None,
                        };
                        if let Some(o) = o {
                            c.bump();
                            let Tok::Word(w) = c.peek().clone() else {
                                return self.unexpected(c);
                            };
                            c.bump();
                            op = o;
                            value = Some(w);
                        }
                    }
                    entries.push(DefaultEntry {
                        name,
                        op,
                        value,
                        loc: Loc {
                            file: c.file,
                            line: eline,
                        },
                    });
                    match c.peek() {
                        Tok::Comma => {
                            c.bump();
                        }
                        Tok::Newline | Tok::Eof => {
                            c.bump();
                            break;
                        }
                        _ => return self.unexpected(c),
                    }
                }
                self.out.defaults.push(Defaults {
                    binding,
                    entries,
                    loc,
                });
                Ok(())
            }
            _ => {
                let users = self.userlist(c)?;
                let mut privileges = Vec::new();
                loop {
                    privileges.push(self.privilege(c)?);
                    match c.peek() {
                        Tok::Colon => {
                            c.bump();
                        }
                        Tok::Newline | Tok::Eof => {
                            c.bump();
                            break;
                        }
                        _ => return self.unexpected(c),
                    }
                }
                self.out.user_specs.push(UserSpec {
                    users,
                    privileges,
                    loc,
                });
                Ok(())
            }
        }
    }

    fn privilege(&mut self, c: &mut Cur<'_>) -> R<Privilege> {
        let hosts = self.hostlist(c)?;
        self.expect(c, &Tok::Eq)?;
        let mut commands: Vec<CmndSpec> = Vec::new();
        loop {
            let mut cs = self.cmndspec(c)?;
            if let Some(prev) = commands.last() {
                propagate(&mut cs, prev);
            }
            commands.push(cs);
            if c.peek() == &Tok::Comma {
                c.bump();
            } else {
                break;
            }
        }
        Ok(Privilege { hosts, commands })
    }

    fn word_value(&mut self, c: &mut Cur<'_>) -> R<Vec<u8>> {
        self.expect(c, &Tok::Eq)?;
        match c.peek().clone() {
            Tok::Word(w) => {
                c.bump();
                Ok(w)
            }
            _ => self.unexpected(c),
        }
    }

    fn cmndspec(&mut self, c: &mut Cur<'_>) -> R<CmndSpec> {
        let loc = Loc {
            file: c.file,
            line: c.line(),
        };
        let (mut runas_users, mut runas_groups) = (None, None);
        if c.eat(&Tok::LParen) {
            match c.peek() {
                Tok::RParen => runas_users = Some(vec![Member::new(Name::Myself)]),
                Tok::Colon => {
                    c.bump();
                    runas_users = Some(vec![Member::new(Name::Myself)]);
                    if c.peek() != &Tok::RParen {
                        runas_groups = Some(self.grouplist(c)?);
                    }
                }
                _ => {
                    runas_users = Some(self.userlist(c)?);
                    if c.eat(&Tok::Colon) {
                        runas_groups = Some(self.grouplist(c)?);
                    }
                }
            }
            self.expect(c, &Tok::RParen)?;
        }
        let mut options = CmndOptions::default();
        while let Tok::Opt(o) = c.peek().clone() {
            c.bump();
            let v = self.word_value(c)?;
            match o {
                OptKw::Cwd | OptKw::Chroot => {
                    let what = if o == OptKw::Cwd { "CWD" } else { "CHROOT" };
                    if !matches!(v.first(), Some(b'/' | b'~')) && v != b"*" {
                        let m = format!("values for \"{what}\" must start with a '/', '~', or '*'");
                        return self.err(c, &m);
                    }
                    if v.len() >= 4096 {
                        let m = format!("\"{what}\" path too long");
                        return self.err(c, &m);
                    }
                    if o == OptKw::Cwd {
                        options.cwd = Some(v);
                    } else {
                        options.chroot = Some(v);
                    }
                }
                OptKw::Timeout => {
                    if let Some(t) = super::defaults::parse_timeout(&v) {
                        options.timeout = Some(t);
                    } else {
                        let line = c.last_line;
                        self.diag(
                            DiagnosticKind::Syntax,
                            c.file,
                            line,
                            "invalid timeout value",
                        );
                    }
                }
                OptKw::NotBefore | OptKw::NotAfter => match parse_gentime(&v) {
                    Some(t) if o == OptKw::NotBefore => options.notbefore = Some(t),
                    Some(t) => options.notafter = Some(t),
                    None => {
                        let line = c.last_line;
                        let m = if o == OptKw::NotBefore {
                            "invalid notbefore value"
                        } else {
                            "invalid notafter value"
                        };
                        self.diag(DiagnosticKind::Syntax, c.file, line, m);
                    }
                },
                OptKw::Role => options.role = Some(v),
                OptKw::Type => options.selinux_type = Some(v),
                OptKw::AppArmor => options.apparmor_profile = Some(v),
                OptKw::Privs => options.privs = Some(v),
                OptKw::LimitPrivs => options.limitprivs = Some(v),
            }
        }
        let mut tags = Tags::default();
        while let Tok::Tag(t) = c.peek().clone() {
            c.bump();
            let (slot, v) = match t {
                TagTok::NoPasswd => (&mut tags.nopasswd, Tag::On),
                TagTok::Passwd => (&mut tags.nopasswd, Tag::Off),
                TagTok::NoExec => (&mut tags.noexec, Tag::On),
                TagTok::Exec => (&mut tags.noexec, Tag::Off),
                TagTok::Intercept => (&mut tags.intercept, Tag::On),
                TagTok::NoIntercept => (&mut tags.intercept, Tag::Off),
                TagTok::Setenv => (&mut tags.setenv, Tag::On),
                TagTok::NoSetenv => (&mut tags.setenv, Tag::Off),
                TagTok::LogInput => (&mut tags.log_input, Tag::On),
                TagTok::NoLogInput => (&mut tags.log_input, Tag::Off),
                TagTok::LogOutput => (&mut tags.log_output, Tag::On),
                TagTok::NoLogOutput => (&mut tags.log_output, Tag::Off),
                TagTok::Mail => (&mut tags.send_mail, Tag::On),
                TagTok::NoMail => (&mut tags.send_mail, Tag::Off),
                TagTok::Follow => (&mut tags.follow, Tag::On),
                TagTok::NoFollow => (&mut tags.follow, Tag::Off),
            };
            *slot = v;
        }
        let command = self.digcmnd(c)?;
        if command.is_all() && !command.negated && tags.setenv == Tag::Unset {
            tags.setenv = Tag::Implied;
        }
        Ok(CmndSpec {
            runas_users,
            runas_groups,
            options,
            tags,
            command,
            inherited: Inherited::default(),
            loc,
        })
    }

    fn digcmnd(&mut self, c: &mut Cur<'_>) -> R<Member> {
        let mut digests = Vec::new();
        while let Tok::DigestKw(kind) = c.peek().clone() {
            c.bump();
            self.expect(c, &Tok::Colon)?;
            let Tok::Digest(value) = c.peek().clone() else {
                return self.unexpected(c);
            };
            c.bump();
            digests.push(Digest { kind, value });
            if c.peek() == &Tok::Comma {
                c.bump();
                if !matches!(c.peek(), Tok::DigestKw(_)) {
                    return self.unexpected(c);
                }
            }
        }
        let negated = c.eat(&Tok::Bang);
        let name = match c.peek().clone() {
            Tok::All => {
                c.bump();
                if digests.is_empty() {
                    Name::All
                } else {
                    Name::Command(super::ast::Command {
                        path: None,
                        args: None,
                        digests: std::mem::take(&mut digests),
                    })
                }
            }
            Tok::Alias(a) => {
                c.bump();
                Name::Alias(a)
            }
            Tok::Command(mut cmd) => {
                c.bump();
                if cmd.path.as_ref().is_some_and(|p| p.len() >= 4096) {
                    return self.err(c, "command too long");
                }
                cmd.digests = std::mem::take(&mut digests);
                Name::Command(cmd)
            }
            Tok::Word(w) => {
                c.bump();
                if w == b"list" {
                    Name::Command(super::ast::Command {
                        path: Some(w),
                        args: None,
                        digests: Vec::new(),
                    })
                } else {
                    let line = c.last_line;
                    let file = c.file;
                    self.diag(
                        DiagnosticKind::Syntax,
                        file,
                        line,
                        "expected a fully-qualified path name",
                    );
                    return Err(());
                }
            }
            _ => return self.unexpected(c),
        };
        if !digests.is_empty() {
            return self.err(c, "a digest requires a path name");
        }
        Ok(Member { negated, name })
    }

    fn list(&mut self, c: &mut Cur<'_>, one: fn(&Tok) -> Option<Name>) -> R<Vec<Member>> {
        let mut v = Vec::new();
        loop {
            let negated = c.eat(&Tok::Bang);
            match one(c.peek()) {
                Some(name) => {
                    c.bump();
                    v.push(Member { negated, name });
                }
                None => return self.unexpected(c),
            }
            if c.peek() == &Tok::Comma {
                c.bump();
            } else {
                return Ok(v);
            }
        }
    }

    fn userlist(&mut self, c: &mut Cur<'_>) -> R<Vec<Member>> {
        self.list(c, |t| match t {
            Tok::Alias(a) => Some(Name::Alias(a.clone())),
            Tok::All => Some(Name::All),
            Tok::NetGroup(n) => Some(Name::Netgroup(n.clone())),
            Tok::UserGroup(g) => Some(Name::Group(g.clone())),
            Tok::Word(w) => Some(Name::Word(w.clone())),
            _ => None,
        })
    }

    fn hostlist(&mut self, c: &mut Cur<'_>) -> R<Vec<Member>> {
        self.list(c, |t| match t {
            Tok::Alias(a) => Some(Name::Alias(a.clone())),
            Tok::All => Some(Name::All),
            Tok::NetGroup(n) => Some(Name::Netgroup(n.clone())),
            Tok::NtwkAddr(a) => Some(Name::Address(a.clone())),
            Tok::Word(w) => Some(Name::Word(w.clone())),
            _ => None,
        })
    }

    fn grouplist(&mut self, c: &mut Cur<'_>) -> R<Vec<Member>> {
        self.list(c, |t| match t {
            Tok::Alias(a) => Some(Name::Alias(a.clone())),
            Tok::All => Some(Name::All),
            Tok::Word(w) => Some(Name::Word(w.clone())),
            _ => None,
        })
    }

    fn cmndlist(&mut self, c: &mut Cur<'_>) -> R<Vec<Member>> {
        let mut v = vec![self.digcmnd(c)?];
        while c.peek() == &Tok::Comma {
            c.bump();
            v.push(self.digcmnd(c)?);
        }
        Ok(v)
    }

    /// Follows an include: resolves it inside the root, checks the caps and parses the file(s)
    /// in place.
    fn include(&mut self, c: &mut Cur<'_>, written: &[u8], dir: bool, loc: Loc) {
        use std::os::unix::ffi::OsStrExt;
        let expanded = expand_host(written, &self.host);
        let p = Path::new(std::ffi::OsStr::from_bytes(&expanded));
        let resolved = ferret_core::HostRoot::inner(if p.is_absolute() {
            p.to_path_buf()
        } else {
            c.dir.join(p)
        });
        self.out.includes.push(Include {
            dir,
            written: written.to_vec(),
            resolved: resolved.clone(),
            loc,
        });
        if expanded.is_empty() {
            self.diag(
                DiagnosticKind::Syntax,
                loc.file,
                loc.line,
                "empty include path",
            );
            return;
        }
        let files: Vec<PathBuf> = if dir {
            match self.src.list_dir(&resolved) {
                Ok(None) => return,
                Ok(Some(mut names)) => {
                    names.retain(|n| !n.is_empty() && !n.ends_with(b"~") && !n.contains(&b'.'));
                    names.sort();
                    names
                        .iter()
                        .map(|n| resolved.join(std::ffi::OsStr::from_bytes(n)))
                        .collect()
                }
                Err(m) => {
                    self.diag(
                        DiagnosticKind::Io,
                        loc.file,
                        loc.line,
                        format!("{}: {m}", resolved.display()),
                    );
                    return;
                }
            }
        } else {
            vec![resolved]
        };
        for f in files {
            if self.src.cancelled() {
                self.diag(DiagnosticKind::Io, loc.file, loc.line, "cancelled");
                return;
            }
            if self.stack.contains(&f) {
                self.diag(
                    DiagnosticKind::Io,
                    loc.file,
                    loc.line,
                    format!("{}: include loop; not followed", f.display()),
                );
                continue;
            }
            if self.stack.len() > self.limits.max_depth {
                self.diag(
                    DiagnosticKind::Io,
                    loc.file,
                    loc.line,
                    format!(
                        "{}: too many levels of includes (more than {}); not followed",
                        f.display(),
                        self.limits.max_depth
                    ),
                );
                continue;
            }
            if self.out.files.len() >= self.limits.max_files {
                if !self.budget_reported {
                    self.budget_reported = true;
                    self.diag(
                        DiagnosticKind::Io,
                        loc.file,
                        loc.line,
                        format!(
                            "more than {} sudoers files; the rest are not read",
                            self.limits.max_files
                        ),
                    );
                }
                return;
            }
            let left = self.limits.max_total_bytes.saturating_sub(self.total);
            let cap = self.limits.max_file_bytes.min(left);
            match self.src.read_file(&f, cap) {
                Ok(data) => {
                    self.total += data.len() as u64;
                    self.parse_file(&f, &data);
                }
                Err(m) => self.diag(DiagnosticKind::Io, loc.file, loc.line, m),
            }
        }
    }
}

/// sudo's `propagate_cmndspec`: a command inherits unset settings from the one before it.
fn propagate(cs: &mut CmndSpec, prev: &CmndSpec) {
    let o = &mut cs.options;
    let p = &prev.options;
    if o.cwd.is_none() && p.cwd.is_some() {
        o.cwd.clone_from(&p.cwd);
        cs.inherited.cwd = true;
    }
    if o.chroot.is_none() && p.chroot.is_some() {
        o.chroot.clone_from(&p.chroot);
        cs.inherited.chroot = true;
    }
    if o.role.is_none() && o.selinux_type.is_none() {
        o.role.clone_from(&p.role);
        o.selinux_type.clone_from(&p.selinux_type);
        cs.inherited.role_type = p.role.is_some() || p.selinux_type.is_some();
    }
    if o.apparmor_profile.is_none() && p.apparmor_profile.is_some() {
        o.apparmor_profile.clone_from(&p.apparmor_profile);
        cs.inherited.apparmor_profile = true;
    }
    if o.privs.is_none() && o.limitprivs.is_none() {
        o.privs.clone_from(&p.privs);
        o.limitprivs.clone_from(&p.limitprivs);
        cs.inherited.privs = p.privs.is_some() || p.limitprivs.is_some();
    }
    if o.notbefore.is_none() {
        o.notbefore = p.notbefore;
    }
    if o.notafter.is_none() {
        o.notafter = p.notafter;
    }
    if o.timeout.is_none() {
        o.timeout = p.timeout;
    }
    let t = &mut cs.tags;
    let pt = &prev.tags;
    for (a, b) in [
        (&mut t.nopasswd, pt.nopasswd),
        (&mut t.noexec, pt.noexec),
        (&mut t.intercept, pt.intercept),
        (&mut t.log_input, pt.log_input),
        (&mut t.log_output, pt.log_output),
        (&mut t.send_mail, pt.send_mail),
        (&mut t.follow, pt.follow),
    ] {
        if *a == Tag::Unset {
            *a = b;
        }
    }
    if !t.setenv.is_set() && pt.setenv.is_set() {
        t.setenv = pt.setenv;
    }
    if cs.runas_users.is_none()
        && cs.runas_groups.is_none()
        && (prev.runas_users.is_some() || prev.runas_groups.is_some())
    {
        cs.runas_users.clone_from(&prev.runas_users);
        cs.runas_groups.clone_from(&prev.runas_groups);
        cs.inherited.runas = true;
    }
}
