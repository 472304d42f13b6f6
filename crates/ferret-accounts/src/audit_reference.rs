//! The audit as it was before the speed work (session 2), kept verbatim as the reference the
//! optimised [`crate::audit::audit`] is tested against (minus the functions that did not
//! change, which it imports) (same findings, same order, on
//! generated and hostile account files). Test-only code.
#![allow(dead_code, clippy::all, clippy::pedantic)]

// Functions that are the same in both versions, down to what they call, are the optimised
// module's own: only what changed is kept here.
use crate::audit::{
    ev, file_checks, fs_checks, kind_word, password_checks, s_line, today_days, AuditOptions, Ctx,
};

use crate::lines::{Content, Document, FileKind, Line, Malformed};
use crate::password::{HashAlgorithm, PasswordStatus};
use crate::snapshot::Accounts;
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::collections::HashMap;

/// Whether a login shell gives an interactive session (empty means `/bin/sh`).
fn is_interactive_shell(shell: &[u8]) -> bool {
    let base = shell.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if shell.is_empty() {
        return true;
    }
    !matches!(
        base,
        b"nologin" | b"false" | b"true" | b"sync" | b"shutdown" | b"halt" | b"git-shell" | b"null"
    )
}

/// shadow-utils' `is_valid_user_name`/`is_valid_group_name` (upstream chkname.c): the first
/// byte in `[A-Za-z0-9_.]`, then `[A-Za-z0-9_.-]`, `$` allowed last, not only digits, not `.`
/// or `..`, at most 255 bytes.
fn is_valid_name(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 255 || name == b"." || name == b".." {
        return false;
    }
    if name.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let last = name.len() - 1;
    name.iter().enumerate().all(|(i, &b)| {
        b.is_ascii_alphanumeric()
            || b == b'_'
            || b == b'.'
            || (i > 0 && b == b'-')
            || (i > 0 && i == last && b == b'$')
    })
}

/// An excerpt of a line that never shows a password hash: the second field is replaced by
/// its classification unless it is one of the harmless markers.
fn redacted_line(text: &[u8]) -> Vec<u8> {
    let mut fields = text.splitn(3, |&b| b == b':');
    let name = fields.next().unwrap_or_default();
    let Some(pw) = fields.next() else {
        return text.to_vec();
    };
    let mut v = name.to_vec();
    v.push(b':');
    if matches!(pw, b"" | b"x" | b"*" | b"!" | b"!!" | b"!*") {
        v.extend_from_slice(pw);
    } else {
        v.extend_from_slice(format!("<{}>", crate::password::classify(pw)).as_bytes());
    }
    if let Some(rest) = fields.next() {
        v.push(b':');
        v.extend_from_slice(rest);
    }
    v
}

fn ev_text(path: &str, line: u64, text: &[u8]) -> Evidence {
    Evidence::line(path, line).with_excerpt(redacted_line(text))
}

/// Line-level checks shared by the four files.
fn check_lines<E>(cx: &mut Ctx<'_>, doc: &Document<'_, E>, path: &str) {
    let n = doc.lines.len();
    for (i, l) in doc.lines.iter().enumerate() {
        line_checks(cx, doc.kind, l, path, i + 1 == n);
    }
}

fn line_checks<E>(cx: &mut Ctx<'_>, kind: FileKind, l: &Line<'_, E>, path: &str, last: bool) {
    let subject = l.text.split(|&b| b == b':').next().unwrap_or_default();
    match &l.content {
        Err(m) => {
            // glibc gives the shell field the rest of the line, so a passwd line with extra
            // fields is still an account for NSS: a UID 0 one is critical.
            let mut f3 = l.text.split(|&b| b == b':').skip(2);
            let glibc_uid0 = kind == FileKind::Passwd
                && matches!(m, Malformed::FieldCount { found, .. } if *found > 7)
                && f3.next().is_some_and(|u| !u.is_empty() && u.iter().all(|&b| b == b'0'));
            let detail = match m {
                Malformed::ContainsNul => "the line contains a NUL byte: C programs (glibc, PAM, pwck) see only the part before it, so what they read differs from the file".to_owned(),
                _ if glibc_uid0 => format!("{m}; glibc reads the extra fields as part of the shell and sees a UID 0 account"),
                _ => format!("{m}; glibc skips such a line, pwck reports \"invalid {} file entry\"", kind_word(kind)),
            };
            cx.push(
                Finding::new(
                    "accounts.malformed-line",
                    if glibc_uid0 { Severity::Critical } else { Severity::Medium },
                    format!("invalid {} file entry", kind_word(kind)),
                    subject,
                )
                .with_evidence(ev_text(path, l.number, l.text))
                .with_detail(detail)
                .with_reference("pwck(8)"),
            );
        }
        Ok(Content::Nis) => cx.push(
            Finding::new(
                "accounts.nis-compat-line",
                Severity::Low,
                "NIS compat (+/-) line",
                subject,
            )
            .with_evidence(ev_text(path, l.number, l.text))
            .with_detail("with nsswitch 'compat' this line imports or hides accounts from NIS; pwck ignores it")
            .with_attack("T1078"),
        ),
        Ok(Content::Comment) => cx.push(
            Finding::new("accounts.comment-line", Severity::Low, "comment line in an account file", subject)
                .with_evidence(ev(path, l.number))
                .with_detail("glibc skips it but shadow's tools treat it as an invalid entry"),
        ),
        Ok(Content::Blank) => cx.push(
            Finding::new("accounts.blank-line", Severity::Info, "blank line in an account file", "")
                .with_evidence(ev(path, l.number)),
        ),
        Ok(Content::Entry(_)) => {}
    }
    if l.has_leading_blank() {
        cx.push(
            Finding::new("accounts.leading-whitespace", Severity::Medium, "entry line starts with blanks", subject)
                .with_evidence(ev_text(path, l.number, l.text))
                .with_detail("glibc skips the blanks and uses the entry, while shadow's tools (and a reader grepping for ^name:) do not see the same name"),
        );
    }
    if l.is_crlf() {
        cx.push(
            Finding::new("accounts.crlf-line", Severity::Low, "line ends in CRLF", subject)
                .with_evidence(ev(path, l.number))
                .with_detail("the \\r belongs to the last field for glibc (a shell \"/bin/sh\\r\" does not exist); ferret parses the fields without it"),
        );
    }
    if last && l.ending.is_empty() {
        cx.push(
            Finding::new(
                "accounts.no-final-newline",
                Severity::Info,
                "last line has no newline",
                subject,
            )
            .with_evidence(ev(path, l.number)),
        );
    }
}

/// A fast, per-process randomly seeded hasher: the audit is hash-map bound, and SipHash
/// costs a third of it on 100k users. The random seed keeps crafted names from colliding.
type Fast = foldhash::fast::RandomState;
type FastMap<K, V> = HashMap<K, V, Fast>;

/// For each duplicated key, every (line number, line text or name) where it was seen.
type Dups<'a, K> = Vec<(K, Vec<(u64, &'a [u8])>)>;

/// Entries by name: the first entry of each name, plus every line of duplicated names.
struct NameIndex<'a, E> {
    first: FastMap<&'a [u8], (u64, &'a E, &'a [u8])>,
    /// Names seen more than once, with every (line, text), in file order.
    dups: Dups<'a, &'a [u8]>,
}

impl<'a, E> NameIndex<'a, E> {
    fn get(&self, name: &[u8]) -> Option<&(u64, &'a E, &'a [u8])> {
        self.first.get(name)
    }
    fn contains_key(&self, name: &[u8]) -> bool {
        self.first.contains_key(name)
    }
}

fn group_by_name<'a, E>(
    doc: Option<&'a Document<'a, E>>,
    name: impl Fn(&E) -> &'a [u8],
) -> NameIndex<'a, E> {
    let mut first: FastMap<&[u8], (u64, &E, &[u8])> = FastMap::default();
    let mut dup_at: FastMap<&[u8], usize> = FastMap::default();
    let mut dups: Dups<'_, &[u8]> = Vec::new();
    if let Some(d) = doc {
        first.reserve(d.lines.len());
        for l in &d.lines {
            if let Some(e) = l.entry() {
                let n = name(e);
                match first.entry(n) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert((l.number, e, l.text));
                    }
                    std::collections::hash_map::Entry::Occupied(o) => {
                        let (fl, _, ft) = *o.get();
                        let i = *dup_at.entry(n).or_insert_with(|| {
                            dups.push((n, vec![(fl, ft)]));
                            dups.len() - 1
                        });
                        if let Some(d) = dups.get_mut(i) {
                            d.1.push((l.number, l.text));
                        }
                    }
                }
            }
        }
    }
    NameIndex { first, dups }
}

fn report_duplicates<E>(cx: &mut Ctx<'_>, kind: FileKind, path: &str, idx: &NameIndex<'_, E>) {
    for (name, v) in &idx.dups {
        let identical = v.iter().all(|x| v.first().is_some_and(|f| f.1 == x.1));
        let (id, sev) = if identical {
            ("accounts.duplicate-entry", Severity::Low)
        } else {
            ("accounts.duplicate-name", Severity::Medium)
        };
        let mut f = Finding::new(id, sev, format!("duplicate {} entry", kind_word(kind)), name)
            .with_detail(if identical {
                format!("{} identical lines", v.len())
            } else {
                format!(
                    "{} entries with this name differ; glibc and PAM use the first (line {}), tools may edit another",
                    v.len(),
                    v.first().map_or(0, |x| x.0)
                )
            });
        for (line, text) in v {
            f = f.with_evidence(ev_text(path, *line, text));
        }
        cx.push(f);
    }
}

/// Finds the entry of a name in a file that usually lists names in the same order as the file
/// being walked (shadow after passwd, gshadow after group): the next entry is tried first, the
/// index is the fallback. Only used when the file has no duplicate names, so the answer is
/// always the index's (the first entry of that name).
struct Cursor<'d, 'a, E> {
    doc: Option<&'d Document<'a, E>>,
    pos: usize,
    enabled: bool,
}

impl<'d, 'a, E> Cursor<'d, 'a, E> {
    fn new(doc: Option<&'d Document<'a, E>>, enabled: bool) -> Self {
        Cursor {
            doc,
            pos: 0,
            enabled,
        }
    }

    fn find(
        &mut self,
        name: &[u8],
        idx: &NameIndex<'a, E>,
        name_of: impl Fn(&E) -> &[u8],
    ) -> Option<(u64, &'a E, &'a [u8])>
    where
        'd: 'a,
    {
        if self.enabled {
            if let Some(d) = self.doc {
                while let Some(l) = d.lines.get(self.pos) {
                    self.pos += 1;
                    if let Some(e) = l.entry() {
                        if name_of(e) == name {
                            return Some((l.number, e, l.text));
                        }
                        break;
                    }
                }
            }
        }
        let r = idx.get(name).copied();
        if let Some((n, _, _)) = r {
            self.pos = n as usize; // the line after it (numbers are 1-based)
        }
        r
    }
}

/// Values seen more than once (uids, gids): every (line, name) of each, by value.
fn id_duplicates<'a>(items: impl Iterator<Item = (u32, u64, &'a [u8])>) -> Dups<'a, u32> {
    let mut first: FastMap<u32, (u64, &[u8])> = FastMap::default();
    let mut dup_at: FastMap<u32, usize> = FastMap::default();
    let mut dups: Dups<'_, u32> = Vec::new();
    for (id, line, name) in items {
        match first.entry(id) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((line, name));
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let f = *o.get();
                let i = *dup_at.entry(id).or_insert_with(|| {
                    dups.push((id, vec![f]));
                    dups.len() - 1
                });
                if let Some(d) = dups.get_mut(i) {
                    d.1.push((line, name));
                }
            }
        }
    }
    dups
}

fn check_name(cx: &mut Ctx<'_>, kind: FileKind, path: &str, line: u64, name: &[u8], uid0: bool) {
    if is_valid_name(name) {
        return;
    }
    let what = if matches!(kind, FileKind::Passwd | FileKind::Shadow) {
        "user"
    } else {
        "group"
    };
    let odd = name
        .iter()
        .any(|&b| b.is_ascii_whitespace() || b.is_ascii_control() || b >= 0x80);
    let sev = if uid0 || odd {
        Severity::Medium
    } else {
        Severity::Low
    };
    cx.push(
        Finding::new(
            "accounts.invalid-name",
            sev,
            format!("invalid {what} name"),
            name,
        )
        .with_evidence(ev(path, line))
        .with_detail("not a name useradd/groupadd would create; spaces, control bytes or look-alike characters hide an account from a casual reader")
        .with_reference("pwck(8)"),
    );
}

/// Audits parsed account files. `root` enables the home-directory and shell checks
/// (see [`AuditOptions`]); without it they are skipped.
pub(crate) fn audit(acc: &Accounts<'_>, opts: &AuditOptions, root: Option<&HostRoot>) -> Outcome {
    let mut out = Outcome::new();
    out.errors.extend(acc.snapshot.errors.iter().cloned());
    let mut cx = Ctx {
        out: &mut out,
        shell_missing: FastMap::default(),
    };
    let today = opts.today.unwrap_or_else(today_days);
    let defs = &acc.login_defs;
    let pw_path = acc.path(FileKind::Passwd);
    let sh_path = acc.path(FileKind::Shadow);
    let gr_path = acc.path(FileKind::Group);
    let gs_path = acc.path(FileKind::Gshadow);

    if let Some(d) = &acc.passwd {
        check_lines(&mut cx, d, pw_path);
    }
    if let Some(d) = &acc.shadow {
        check_lines(&mut cx, d, sh_path);
    }
    if let Some(d) = &acc.group {
        check_lines(&mut cx, d, gr_path);
    }
    if let Some(d) = &acc.gshadow {
        check_lines(&mut cx, d, gs_path);
    }

    let ((users, shadows), (groups, gshadows)) = crate::join(
        || {
            crate::join(
                || group_by_name(acc.passwd.as_ref(), |e| e.name),
                || group_by_name(acc.shadow.as_ref(), |e| e.name),
            )
        },
        || {
            crate::join(
                || group_by_name(acc.group.as_ref(), |e| e.name),
                || group_by_name(acc.gshadow.as_ref(), |e| e.name),
            )
        },
    );
    // shadow lines matched to a passwd entry: they need no lookup for "unknown user"
    let mut shadow_matched = vec![false; acc.shadow.as_ref().map_or(0, |d| d.lines.len())];
    let mut shadow_cursor = Cursor::new(acc.shadow.as_ref(), shadows.dups.is_empty());
    report_duplicates(&mut cx, FileKind::Passwd, pw_path, &users);
    report_duplicates(&mut cx, FileKind::Shadow, sh_path, &shadows);
    report_duplicates(&mut cx, FileKind::Group, gr_path, &groups);
    report_duplicates(&mut cx, FileKind::Gshadow, gs_path, &gshadows);

    let gids: std::collections::HashSet<u32, Fast> = acc
        .group
        .iter()
        .flat_map(Document::entries)
        .map(|(_, g)| g.gid)
        .collect();

    // ---- passwd entries ----
    for (line, u) in acc.passwd.iter().flat_map(Document::entries) {
        let name = u.name;
        check_name(&mut cx, FileKind::Passwd, pw_path, line, name, u.uid == 0);
        if u.uid == u32::MAX {
            cx.push(
                Finding::new(
                    "accounts.invalid-id",
                    Severity::Low,
                    "invalid user ID 4294967295",
                    name,
                )
                .with_evidence(ev(pw_path, line))
                .with_detail("(uid_t)-1 is the error value of set*uid(); no account can use it"),
            );
        }
        if u.gid == u32::MAX {
            cx.push(
                Finding::new(
                    "accounts.invalid-id",
                    Severity::Low,
                    "invalid group ID 4294967295",
                    name,
                )
                .with_evidence(ev(pw_path, line)),
            );
        }
        let shadow = shadow_cursor.find(name, &shadows, |e| e.name);
        if let Some(m) = shadow.and_then(|s| shadow_matched.get_mut(s.0 as usize - 1)) {
            *m = true;
        }
        let shadow = shadow.as_ref();
        let pw_status = u.password.status();
        let interactive = is_interactive_shell(u.shell);
        // The effective password: passwd's field unless it is `x` and shadow has an entry.
        let effective = match (pw_status, shadow) {
            (PasswordStatus::Shadowed, Some((_, s, _))) => {
                Some((s.password.status(), sh_path, s_line(shadow)))
            }
            (PasswordStatus::Shadowed, None) => None,
            (st, _) => Some((st, pw_path, line)),
        };

        if u.uid == 0 && name != b"root" {
            cx.push(
                Finding::new("accounts.uid0-non-root", Severity::Critical, "account other than root with UID 0", name)
                    .with_evidence(ev(pw_path, line))
                    .with_attack("T1136.001")
                    .with_attack("T1078.003")
                    .with_detail(format!("shell {}, password {}", ferret_core::escape::escape(u.shell), effective.map_or("unknown", |e| e.0.as_str())))
                    .with_remediation("verify who created it (auth logs, /etc/passwd- backup); lock and remove it if unexplained"),
            );
        }
        if u.gid == 0 && u.uid != 0 {
            let sev = if interactive {
                Severity::High
            } else {
                Severity::Low
            };
            cx.push(
                Finding::new("accounts.gid0-primary", sev, "non-root account with primary group 0 (root)", name)
                    .with_evidence(ev(pw_path, line))
                    .with_attack("T1078.003")
                    .with_detail("group root can read and write root-group files; some distributions ship sync/shutdown/halt/operator this way with non-interactive shells"),
            );
        }
        if acc.group.is_some() && !gids.contains(&u.gid) {
            cx.push(
                Finding::new(
                    "accounts.missing-group",
                    Severity::Low,
                    format!("user's primary group {} does not exist", u.gid),
                    name,
                )
                .with_evidence(ev(pw_path, line))
                .with_reference("pwck(8): no group"),
            );
        }

        // passwd password field itself
        match pw_status {
            // empty: reported below through `effective`
            PasswordStatus::Shadowed | PasswordStatus::Empty => {}
            PasswordStatus::Hash(_) | PasswordStatus::Locked { hash: Some(_) } => cx.push(
                Finding::new("accounts.passwd-hash", Severity::High, "password hash stored in world-readable /etc/passwd", name)
                    .with_evidence(ev(pw_path, line))
                    .with_attack("T1003.008")
                    .with_attack("T1098")
                    .with_detail(format!("{} hash in passwd{}: anyone can read and crack it, and PAM uses it instead of the shadow entry", pw_status.algorithm().map_or("unknown", HashAlgorithm::as_str), if shadow.is_some() { "; a shadow entry also exists (pwck: password field in /etc/passwd is not set to 'x')" } else { "" }))
                    .with_remediation("move the hash to /etc/shadow (pwconv) and set the passwd field to x"),
            ),
            _ if shadow.is_some() => cx.push(
                Finding::new("accounts.passwd-not-x", Severity::Low, "user has a shadow entry but its passwd password field is not 'x'", name)
                    .with_evidence(ev(pw_path, line))
                    .with_evidence(ev(sh_path, s_line(shadow)))
                    .with_detail(format!("passwd field is {pw_status}; it takes precedence over the shadow entry")),
            ),
            _ => {}
        }
        if pw_status == PasswordStatus::Shadowed && acc.shadow.is_some() && shadow.is_none() {
            cx.push(
                Finding::new("accounts.missing-shadow-entry", Severity::Low, "user has no shadow entry", name)
                    .with_evidence(ev(pw_path, line))
                    .with_detail("passwd says the password is in shadow (x) but there is no entry: the account has no password at all; pwck: no matching password file entry in /etc/shadow"),
            );
        } else if pw_status != PasswordStatus::Shadowed
            && acc.shadow.is_some()
            && shadow.is_none()
            && pw_status != PasswordStatus::Empty
        {
            cx.push(
                Finding::new(
                    "accounts.missing-shadow-entry",
                    Severity::Low,
                    "user has no shadow entry",
                    name,
                )
                .with_evidence(ev(pw_path, line)),
            );
        }

        if let Some((st, path, l)) = effective {
            password_checks(&mut cx, name, u.uid, interactive, st, path, l, defs);
        }

        // system accounts
        if defs.is_system_uid(u.uid) {
            let usable = effective.is_some_and(|e| e.0.is_usable());
            if interactive || usable {
                let (sev, title) = match (interactive, usable) {
                    (true, true) => (
                        Severity::High,
                        "system account with an interactive shell and a usable password",
                    ),
                    (false, true) => (Severity::Medium, "system account with a usable password"),
                    _ => (Severity::Low, "system account with an interactive shell"),
                };
                cx.push(
                    Finding::new("accounts.system-account-login", sev, title, name)
                        .with_evidence(ev(pw_path, line))
                        .with_attack("T1078.003")
                        .with_detail(format!("uid {} < UID_MIN {}, shell {:?}", u.uid, defs.uid_min, ferret_core::escape::escape(u.shell)))
                        .with_remediation("set the shell to /usr/sbin/nologin and lock the password (usermod -L -s /usr/sbin/nologin)"),
                );
            }
        }

        // shadow aging
        if let Some((sl, s, _)) = shadow {
            if let Some(lc) = s.aging.lastchg {
                if lc > today {
                    cx.push(
                        Finding::new("accounts.lastchg-future", Severity::Medium, "last password change in the future", name)
                            .with_evidence(ev(sh_path, *sl))
                            .with_attack("T1070.006")
                            .with_detail(format!("lastchg day {lc} > today {today}: a hand-edited entry or a wrong clock")),
                    );
                }
            }
            if let Some((policy, pline)) = defs.pass_max_days {
                let never = s.aging.max.is_none_or(|m| !(0..99_999).contains(&m));
                if policy < 99_999 && never && s.password.status().is_usable() {
                    cx.push(
                        Finding::new(
                            "accounts.never-expires",
                            Severity::Info,
                            "password never expires though policy says it should",
                            name,
                        )
                        .with_evidence(ev(sh_path, *sl))
                        .with_evidence(ev(acc.snapshot.login_defs.path.as_str(), pline))
                        .with_detail(format!("login.defs PASS_MAX_DAYS {policy}")),
                    );
                }
            }
        }

        // filesystem checks
        if let Some(root) = root {
            fs_checks(
                &mut cx, root, opts, pw_path, line, u.name, u.uid, u.home, u.shell, defs,
            );
        }
    }

    // duplicate uids
    let uid_dups = id_duplicates(
        acc.passwd
            .iter()
            .flat_map(Document::entries)
            .map(|(l, u)| (u.uid, l, u.name)),
    );
    for (uid, v) in &uid_dups {
        let distinct: Vec<&[u8]> = {
            let mut d: Vec<&[u8]> = v.iter().map(|x| x.1).collect();
            d.sort_unstable();
            d.dedup();
            d
        };
        if distinct.len() < 2 {
            continue; // same name twice: reported as a duplicate entry
        }
        let sev = if *uid == 0 {
            Severity::Critical
        } else {
            Severity::Medium
        };
        let mut f = Finding::new(
            "accounts.duplicate-uid",
            sev,
            format!("several accounts share UID {uid}"),
            distinct.join(&b","[..]),
        )
        .with_attack("T1078.003")
        .with_detail("files and processes of one are the other's; logs show only the first name");
        for (line, _) in v {
            f = f.with_evidence(ev(pw_path, *line));
        }
        cx.push(f);
    }

    // shadow entries without passwd entry
    if acc.passwd.is_some() {
        for (line, s) in acc.shadow.iter().flat_map(Document::entries) {
            check_name(&mut cx, FileKind::Shadow, sh_path, line, s.name, false);
            let matched = shadow_matched.get(line as usize - 1) == Some(&true);
            if !matched && !users.contains_key(s.name) {
                cx.push(
                    Finding::new("accounts.unknown-shadow-user", Severity::Medium, "shadow entry with no passwd entry", s.name)
                        .with_evidence(ev(sh_path, line))
                        .with_attack("T1136.001")
                        .with_detail(format!("password {}; a leftover of a removed account or a half-planted one (pwck: no matching password file entry in /etc/passwd)", s.password.status())),
                );
            }
        }
    }
    if acc.shadow.is_none() && acc.passwd.is_some() {
        cx.push(
            Finding::new(
                "accounts.no-shadow-file",
                Severity::Low,
                "no /etc/shadow: passwords (if any) are in /etc/passwd",
                acc.path(FileKind::Shadow),
            )
            .with_evidence(Evidence::file(acc.path(FileKind::Shadow))),
        );
    }

    group_checks(&mut cx, acc, opts, &users, &groups, &gshadows);
    file_checks(&mut cx, acc);
    out.sort();
    out
}

fn group_checks(
    cx: &mut Ctx<'_>,
    acc: &Accounts<'_>,
    opts: &AuditOptions,
    users: &NameIndex<'_, crate::passwd::PasswdEntry<'_>>,
    groups: &NameIndex<'_, crate::group::GroupEntry<'_>>,
    gshadows: &NameIndex<'_, crate::group::GshadowEntry<'_>>,
) {
    let gr_path = acc.path(FileKind::Group);
    let gs_path = acc.path(FileKind::Gshadow);
    let have_users = acc.passwd.is_some();
    let mut gs_matched = vec![false; acc.gshadow.as_ref().map_or(0, |d| d.lines.len())];
    let mut gs_cursor = Cursor::new(acc.gshadow.as_ref(), gshadows.dups.is_empty());
    for (line, g) in acc.group.iter().flat_map(Document::entries) {
        check_name(cx, FileKind::Group, gr_path, line, g.name, false);
        if g.gid == u32::MAX {
            cx.push(
                Finding::new(
                    "accounts.invalid-id",
                    Severity::Low,
                    "invalid group ID 4294967295",
                    g.name,
                )
                .with_evidence(ev(gr_path, line)),
            );
        }
        for m in &g.members {
            if have_users && !users.contains_key(m) {
                cx.push(
                    Finding::new(
                        "accounts.group-unknown-member",
                        Severity::Low,
                        "group member does not exist",
                        *m,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_detail(format!(
                        "group {}: no user {}",
                        ferret_core::escape::escape(g.name),
                        ferret_core::escape::escape(m)
                    )),
                );
            }
        }
        if g.gid == 0 {
            for m in g.members.iter().filter(|m| **m != b"root") {
                cx.push(
                    Finding::new(
                        "accounts.gid0-member",
                        Severity::High,
                        "member of group 0 (root)",
                        *m,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_attack("T1078.003")
                    .with_attack("T1098")
                    .with_detail(format!(
                        "group {} gid 0",
                        ferret_core::escape::escape(g.name)
                    )),
                );
            }
        }
        let privileged = opts
            .privileged_groups
            .iter()
            .any(|p| p.as_slice() == g.name);
        if privileged {
            for m in &g.members {
                cx.push(
                    Finding::new(
                        "accounts.privileged-group-member",
                        Severity::Info,
                        format!(
                            "member of privileged group {}",
                            ferret_core::escape::escape(g.name)
                        ),
                        *m,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_attack("T1098")
                    .with_detail("listed for review: membership gives root or access to secrets"),
                );
            }
        }
        let gs = gs_cursor.find(g.name, gshadows, |e| e.name);
        if let Some(m) = gs.and_then(|s| gs_matched.get_mut(s.0 as usize - 1)) {
            *m = true;
        }
        let gs = gs.as_ref();
        let pst = g.password.status();
        if gs.is_some() && pst != PasswordStatus::Shadowed {
            cx.push(
                Finding::new(
                    "accounts.group-passwd-not-x",
                    Severity::Low,
                    "group has a gshadow entry but its group password field is not 'x'",
                    g.name,
                )
                .with_evidence(ev(gr_path, line)),
            );
        }
        let effective = match (pst, gs) {
            (PasswordStatus::Shadowed, Some((_, s, _))) => {
                Some((s.password.status(), gs_path, s_line(gs)))
            }
            (PasswordStatus::Shadowed, None) => None,
            (st, _) => Some((st, gr_path, line)),
        };
        if let Some((st, p, l)) = effective {
            if st.is_usable() {
                let sev = if privileged || g.gid == 0 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                cx.push(
                    Finding::new("accounts.group-password", sev, format!("group has a usable password ({st})"), g.name)
                        .with_evidence(ev(p, l))
                        .with_attack("T1098")
                        .with_detail("anyone knowing it (or anyone at all if empty) can join the group with newgrp"),
                );
            }
        }
        if acc.gshadow.is_some() {
            match gs {
                None => cx.push(
                    Finding::new(
                        "accounts.missing-gshadow-entry",
                        Severity::Low,
                        "group has no gshadow entry",
                        g.name,
                    )
                    .with_evidence(ev(gr_path, line))
                    .with_detail("grpck: no matching group file entry in /etc/gshadow"),
                ),
                Some((gl, s, _)) => {
                    for m in &g.members {
                        if !s.members.contains(m) {
                            cx.push(
                                Finding::new("accounts.membership-mismatch", Severity::Low, "member in group but not in gshadow", *m)
                                    .with_evidence(ev(gr_path, line))
                                    .with_evidence(ev(gs_path, *gl))
                                    .with_detail(format!("'{}' is a member of the '{}' group in group but not in gshadow", ferret_core::escape::escape(m), ferret_core::escape::escape(g.name))),
                            );
                        }
                    }
                }
            }
        }
    }
    let gid_dups = id_duplicates(
        acc.group
            .iter()
            .flat_map(Document::entries)
            .map(|(l, g)| (g.gid, l, g.name)),
    );
    for (gid, v) in &gid_dups {
        let mut names: Vec<&[u8]> = v.iter().map(|x| x.1).collect();
        names.sort_unstable();
        names.dedup();
        if names.len() < 2 {
            continue;
        }
        let sev = if *gid == 0 {
            Severity::High
        } else {
            Severity::Low
        };
        let mut f = Finding::new(
            "accounts.duplicate-gid",
            sev,
            format!("several groups share GID {gid}"),
            names.join(&b","[..]),
        );
        for (line, _) in v {
            f = f.with_evidence(ev(gr_path, *line));
        }
        cx.push(f);
    }
    for (line, s) in acc.gshadow.iter().flat_map(Document::entries) {
        check_name(cx, FileKind::Gshadow, gs_path, line, s.name, false);
        let matched = gs_matched.get(line as usize - 1) == Some(&true);
        if acc.group.is_some() && !matched && !groups.contains_key(s.name) {
            cx.push(
                Finding::new(
                    "accounts.unknown-gshadow-group",
                    Severity::Low,
                    "gshadow entry with no group entry",
                    s.name,
                )
                .with_evidence(ev(gs_path, line))
                .with_detail("grpck: no matching group file entry in /etc/group"),
            );
        }
        let group_entry = if s.members.is_empty() {
            None
        } else {
            groups.get(s.name)
        };
        if let Some((gl, g, _)) = group_entry {
            for m in &s.members {
                if !g.members.contains(m) {
                    cx.push(
                        Finding::new(
                            "accounts.membership-mismatch",
                            Severity::Low,
                            "member in gshadow but not in group",
                            *m,
                        )
                        .with_evidence(ev(gs_path, line))
                        .with_evidence(ev(gr_path, *gl))
                        .with_detail(format!(
                            "'{}' is a member of the '{}' group in gshadow but not in group",
                            ferret_core::escape::escape(m),
                            ferret_core::escape::escape(s.name)
                        )),
                    );
                }
            }
        }
        let privileged = opts
            .privileged_groups
            .iter()
            .any(|p| p.as_slice() == s.name);
        for a in &s.admins {
            if have_users && !users.contains_key(a) {
                cx.push(
                    Finding::new(
                        "accounts.group-unknown-member",
                        Severity::Low,
                        "gshadow administrator does not exist",
                        *a,
                    )
                    .with_evidence(ev(gs_path, line))
                    .with_detail(format!(
                        "shadow group {}: no administrative user {}",
                        ferret_core::escape::escape(s.name),
                        ferret_core::escape::escape(a)
                    )),
                );
            }
            if privileged {
                cx.push(
                    Finding::new(
                        "accounts.privileged-group-admin",
                        Severity::Medium,
                        format!(
                            "administrator of privileged group {}",
                            ferret_core::escape::escape(s.name)
                        ),
                        *a,
                    )
                    .with_evidence(ev(gs_path, line))
                    .with_attack("T1098")
                    .with_detail("a gshadow administrator can add members (gpasswd) without root"),
                );
            }
        }
        for m in &s.members {
            if have_users && !users.contains_key(m) {
                cx.push(
                    Finding::new(
                        "accounts.group-unknown-member",
                        Severity::Low,
                        "gshadow member does not exist",
                        *m,
                    )
                    .with_evidence(ev(gs_path, line))
                    .with_detail(format!(
                        "shadow group {}: no user {}",
                        ferret_core::escape::escape(s.name),
                        ferret_core::escape::escape(m)
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::audit::AuditOptions;
    use crate::Snapshot;
    use proptest::prelude::*;
    use proptest::sample::select;

    const NAMES: &[&str] = &[
        "root",
        "daemon",
        "alice",
        "bob",
        "carol",
        "toor",
        "sync",
        "www-data",
        "ghost",
        "bad user",
        "\u{fc}ser",
        "a$",
        "-x",
        "123",
        "sudo",
        "docker",
        "wheel",
        "adm",
    ];
    const PASSWORDS: &[&str] = &[
        "x",
        "x",
        "x",
        "",
        "!",
        "!!",
        "*",
        "$6$rounds=1000$s$h",
        "$6$salt$hash",
        "$1$a$bb",
        "abJnggxhB/yWI",
        "$y$j9T$a$b",
        "!$6$s$h",
        "$2b$05$abcdefghijklmnopqrstuu5s2v8",
        "junk",
    ];
    const IDS: &[&str] = &[
        "0",
        "1",
        "27",
        "33",
        "999",
        "1000",
        "1000",
        "1001",
        "1002",
        "65534",
        "4294967295",
        "-1",
        "4294967296",
        "",
        "x1",
    ];
    const SHELLS: &[&str] = &[
        "/bin/bash",
        "/usr/sbin/nologin",
        "",
        "/bin/false",
        "/bin/sh",
    ];
    const DAYS: &[&str] = &["", "0", "19000", "19000", "30000", "-1", "99999", "90", "x"];

    fn pick(v: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
        select(v)
    }

    /// A line of some file: mostly entries of the right shape, sometimes hostile.
    fn line(fields: Vec<BoxedStrategy<String>>) -> impl Strategy<Value = String> {
        let n = fields.len();
        prop_oneof![
            12 => fields,
            1 => Just(Vec::new()),
            1 => Just(vec!["# comment".to_owned()]),
            1 => pick(&["+", "+@netgroup::::::", "-bob", "+alice"]).prop_map(|t| vec![t.to_owned()]),
            1 => (pick(NAMES), 1usize..12).prop_map(move |(name, k)| {
                let mut v = vec![name.to_owned()];
                v.extend((1..k).map(|i| if i == 2 { "0".to_owned() } else { String::new() }));
                if k == n {
                    v.push("extra".to_owned());
                }
                v
            }),
        ]
        .prop_map(|v| v.join(":"))
    }

    fn s(v: &'static [&'static str]) -> BoxedStrategy<String> {
        pick(v).prop_map(str::to_owned).boxed()
    }

    fn members() -> BoxedStrategy<String> {
        proptest::collection::vec(pick(NAMES), 0..4)
            .prop_map(|v| v.join(","))
            .boxed()
    }

    /// A whole file: lines with LF, sometimes CRLF or leading blanks, maybe no final newline.
    fn file(fields: fn() -> Vec<BoxedStrategy<String>>) -> impl Strategy<Value = Option<Vec<u8>>> {
        let l = (line(fields()), 0u8..20).prop_map(|(t, k)| match k {
            0 => format!("{t}\r\n"),
            1 => format!(" {t}\n"),
            _ => format!("{t}\n"),
        });
        (proptest::collection::vec(l, 0..14), any::<bool>(), 0u8..12).prop_map(
            |(lines, trim, missing)| {
                if missing == 0 {
                    return None;
                }
                let mut b = lines.concat().into_bytes();
                if trim && b.last() == Some(&b'\n') {
                    b.pop();
                }
                Some(b)
            },
        )
    }

    fn passwd_fields() -> Vec<BoxedStrategy<String>> {
        vec![
            s(NAMES),
            s(PASSWORDS),
            s(IDS),
            s(IDS),
            s(&["", "Alice,,,", "x"]),
            s(&["/root", "/home/alice", "/nonexistent", ""]),
            s(SHELLS),
        ]
    }
    fn shadow_fields() -> Vec<BoxedStrategy<String>> {
        vec![
            s(NAMES),
            s(PASSWORDS),
            s(DAYS),
            s(DAYS),
            s(DAYS),
            s(DAYS),
            s(DAYS),
            s(DAYS),
            s(&["", "", "1"]),
        ]
    }
    fn group_fields() -> Vec<BoxedStrategy<String>> {
        vec![
            s(NAMES),
            s(&["x", "x", "", "!", "$6$s$h"]),
            s(IDS),
            members(),
        ]
    }
    fn gshadow_fields() -> Vec<BoxedStrategy<String>> {
        vec![
            s(NAMES),
            s(&["!", "*", "", "$6$s$h", "x"]),
            members(),
            members(),
        ]
    }

    fn same(snap: &Snapshot, today: i64) -> Result<(), TestCaseError> {
        let mut opts = AuditOptions::default();
        opts.today(today);
        let v = snap.view();
        let new = crate::audit::audit(&v, &opts, None);
        let old = super::audit(&v, &opts, None);
        prop_assert_eq!(format!("{new:#?}"), format!("{old:#?}"));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]
        /// The optimised audit reports exactly what the reference reports, in the same order.
        #[test]
        fn audit_matches_reference(
            p in file(passwd_fields),
            sh in file(shadow_fields),
            g in file(group_fields),
            gs in file(gshadow_fields),
            defs in select(vec!["", "PASS_MAX_DAYS 90\nUID_MIN 1000\n", "SHA_CRYPT_MIN_ROUNDS 6000\nENCRYPT_METHOD MD5\nUID_MIN 500\n"]),
            today in select(vec![20_000i64, 10_000]),
        ) {
            let mut snap = Snapshot::from_bytes(p.as_deref(), sh.as_deref(), g.as_deref(), gs.as_deref());
            if !defs.is_empty() {
                snap.login_defs.data = Some(defs.as_bytes().to_vec());
            }
            same(&snap, today)?;
        }
    }

    #[test]
    fn audit_matches_reference_on_the_generated_host() {
        let files = crate::synthetic::generate(3_000);
        same(&files.snapshot(), 20_000).unwrap();
        // the same host with shadow and gshadow reversed: the cursors miss on every line
        let mut snap = files.snapshot();
        for f in [&mut snap.shadow, &mut snap.gshadow] {
            let d = f.data.take().unwrap();
            let mut lines: Vec<&[u8]> = d.split_inclusive(|&b| b == b'\n').collect();
            lines.reverse();
            f.data = Some(lines.concat());
        }
        same(&snap, 20_000).unwrap();
        // long member lists that differ between group and gshadow (the hashed membership test)
        let mut snap = files.snapshot();
        let names: Vec<String> = (0..40).map(|i| format!("anna.garcia{i}")).collect();
        let (g, gs) = (names[..35].join(","), names[5..].join(","));
        for (f, line) in [
            (
                &mut snap.group,
                format!("big:x:400000:{g}\nbig2:x:400001:{gs}\n"),
            ),
            (
                &mut snap.gshadow,
                format!("big:!::{gs}\nbig2:!::{g}\nsudo:*::\n"),
            ),
            // duplicates of a name passwd has, of one it lacks, and of a duplicated passwd name
            (
                &mut snap.shadow,
                "anna.garcia0:!:1::::::\nghost:!:1::::::\nwww-data:*:1::::::\n".to_owned(),
            ),
        ] {
            f.data.as_mut().unwrap().extend_from_slice(line.as_bytes());
        }
        same(&snap, 20_000).unwrap();
    }
}
