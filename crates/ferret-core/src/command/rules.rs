//! The classification rules over lexed commands; the lists they use are in `lists.rs`.

// Each match arm is one program's rule, with its conditions inside: written as guards they
// would scatter one rule over two places. Byte counts are over a few path bytes.
#![allow(
    clippy::collapsible_match,
    clippy::single_match_else,
    clippy::naive_bytecount,
    clippy::items_after_statements
)]

use super::lex::{parse, Redir, Simple};
use super::{CommandKind as K, Kinds, MAX_DEPTH};

use super::lists::{
    AGENTS, DOWNLOADERS, FIREWALLS, LOG_NAMES, MINER_PROGRAMS, NET_CLIENTS, POOLS, SCRIPTERS,
    SHELLS, TEMP_DIRS, TRIGGERS, VIEWERS, WRAPPERS, WRAPPER_VALUE_OPTS,
};

// ---------------------------------------------------------------------------------------------
// Small byte helpers.

fn basename(w: &[u8]) -> &[u8] {
    match w.iter().rposition(|&c| c == b'/') {
        Some(i) => w.get(i + 1..).unwrap_or_default(),
        None => w,
    }
}

fn lower(w: &[u8]) -> Vec<u8> {
    w.to_ascii_lowercase()
}

/// `needle` (lower case) in `hay`, ignoring ASCII case.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if hay.iter().any(u8::is_ascii_uppercase) {
        contains(&lower(hay), needle)
    } else {
        contains(hay, needle)
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn in_list(w: &[u8], list: &[&[u8]]) -> bool {
    list.contains(&w)
}

/// `python3.11` -> `python`, `perl5.36` -> `perl`, `python2` -> `python`.
fn strip_version(p: &[u8]) -> &[u8] {
    let end = p
        .iter()
        .rposition(|c| !(c.is_ascii_digit() || *c == b'.'))
        .map_or(0, |i| i + 1);
    p.get(..end).unwrap_or(p)
}

fn is_shell(p: &[u8]) -> bool {
    in_list(p, SHELLS)
}

fn is_scripter(p: &[u8]) -> bool {
    in_list(strip_version(p), SCRIPTERS)
}

fn is_interpreter(p: &[u8]) -> bool {
    is_shell(p) || is_scripter(p)
}

fn is_downloader(p: &[u8]) -> bool {
    in_list(p, DOWNLOADERS)
}

fn is_viewer(p: &[u8]) -> bool {
    in_list(p, VIEWERS)
}

fn is_temp(path: &[u8]) -> bool {
    TEMP_DIRS.iter().any(|t| path.starts_with(t))
}

/// A directory component made only of dots (three or more) and blanks, or only blanks, or a dot
/// followed by blanks: names chosen to hide in `ls` output.
fn has_disguised_dir(path: &[u8]) -> bool {
    let mut parts = path.split(|&c| c == b'/').peekable();
    while let Some(p) = parts.next() {
        // Only directories: the last component is the file itself.
        if parts.peek().is_none() {
            break;
        }
        if p.is_empty() {
            continue;
        }
        let only = p.iter().all(|&c| c == b'.' || c == b' ' || c == b'\t');
        let dots = p.iter().filter(|&&c| c == b'.').count();
        let blanks = p.len() - dots;
        if only && (dots >= 3 || blanks > 0) {
            return true;
        }
    }
    false
}

/// System directories where nothing packaged is hidden: a program there whose path has a
/// component starting with `.` (`/usr/bin/.sshd`, `/etc/.kthreadd`, `/usr/lib/.x/run`) is a
/// dropped one dressed up as a system file.
const SYSTEM_DIRS: &[&[u8]] = &[
    b"/bin/",
    b"/sbin/",
    b"/usr/bin/",
    b"/usr/sbin/",
    b"/usr/local/bin/",
    b"/usr/local/sbin/",
    b"/lib/",
    b"/lib64/",
    b"/usr/lib/",
    b"/usr/lib64/",
    b"/usr/libexec/",
    b"/etc/",
];

fn hidden_in_system_dir(path: &[u8]) -> bool {
    SYSTEM_DIRS.iter().any(|d| {
        path.strip_prefix(*d).is_some_and(|rest| {
            rest.split(|&c| c == b'/')
                .any(|p| p.first() == Some(&b'.') && p != b"." && p != b"..")
        })
    })
}

fn is_log_path(t: &[u8]) -> bool {
    t == b"/var/log" || contains(t, b"/var/log/") || in_list(basename(t), LOG_NAMES)
}

fn is_history_path(t: &[u8]) -> bool {
    let b = basename(t);
    b.ends_with(b"_history") || b == b".history" || b == b".histfile" || b == b".sh_history"
}

pub(super) fn is_agent_name(w: &[u8]) -> bool {
    AGENTS.iter().any(|a| contains_ci(w, a))
}

fn is_firewall_name(w: &[u8]) -> bool {
    let w = w.strip_suffix(b".service").unwrap_or(w);
    in_list(w, FIREWALLS)
}

/// Host of a URL argument, when the word is a URL.
fn url_host(w: &[u8]) -> Option<&[u8]> {
    let i = w.windows(3).position(|x| x == b"://")?;
    let rest = w.get(i + 3..)?;
    let end = rest
        .iter()
        .position(|&c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let auth = rest.get(..end)?;
    let host = match auth.iter().rposition(|&c| c == b'@') {
        Some(a) => auth.get(a + 1..)?,
        None => auth,
    };
    // Strip a port (not for bracketed IPv6).
    if host.first() == Some(&b'[') {
        return Some(host);
    }
    Some(match host.iter().rposition(|&c| c == b':') {
        Some(c) => host.get(..c)?,
        None => host,
    })
}

fn is_ip_literal(h: &[u8]) -> bool {
    if h.first() == Some(&b'[') {
        return true;
    }
    let parts: Vec<&[u8]> = h.split(|&c| c == b'.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit))
}

/// A Monero (95 or 106 base58 characters starting with 4 or 8) or Bitcoin address, or a
/// pool login of the form `WALLET.worker`.
fn looks_like_wallet(w: &[u8]) -> bool {
    let w = w.split(|&c| c == b'.' || c == b'+').next().unwrap_or(w);
    let base58 = |c: &u8| c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l');
    let monero = matches!(w.first(), Some(b'4' | b'8'))
        && (w.len() == 95 || w.len() == 106)
        && w.iter().all(base58);
    let bech32 = w.starts_with(b"bc1")
        && (14..=74).contains(&w.len())
        && w.iter().all(u8::is_ascii_alphanumeric);
    let legacy = matches!(w.first(), Some(b'1' | b'3'))
        && (26..=35).contains(&w.len())
        && w.iter().all(base58);
    monero || bech32 || legacy
}

// ---------------------------------------------------------------------------------------------
// Prefilter.

pub(super) fn worth_parsing(s: &[u8]) -> bool {
    // A wallet address alone makes a long line; long lines are parsed regardless.
    if s.len() > 90 {
        return true;
    }
    static PREFILTER: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let ac = PREFILTER.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(TRIGGERS)
            .ok()
    });
    // Without the automaton (it cannot fail to build for these literals), parse everything.
    let Some(ac) = ac.as_ref() else {
        return true;
    };
    if ac.is_match(s) {
        return true;
    }
    // Quotes and backslashes vanish in the shell's reading: `c''url`, `\w\g\e\t` and
    // `/root/' '/x` hold a trigger or a blank directory name only once they are removed.
    // Tabs separate words unquoted, but `'\t'/x` is a directory named by a tab.
    if memchr::memchr3(b'\'', b'"', b'\\', s).is_none() && memchr::memchr(b'\t', s).is_none() {
        return false;
    }
    if contains(s, b"$'") {
        // ANSI-C quoting can spell any byte (`$'\x63url'`): let the lexer read it.
        return true;
    }
    let plain: Vec<u8> = s
        .iter()
        .copied()
        .filter(|c| !matches!(c, b'\'' | b'"' | b'\\'))
        .collect();
    ac.is_match(&plain)
        || plain
            .windows(2)
            .any(|w| matches!(w, [b' ' | b'\t', b'/'] | [b'/', b' ' | b'\t']))
}

// ---------------------------------------------------------------------------------------------
// Classification.

/// What a text feeds to whoever consumes its output (used for `$(...)`, `<(...)` and pipes).
#[derive(Default, Clone, Copy)]
pub(super) struct Facts {
    downloads: bool,
    decodes: bool,
}

/// One resolved simple command.
struct Stage<'a> {
    /// The program word as written (`/tmp/.x/run`).
    path: &'a [u8],
    /// Its file name with any interpreter version stripped where relevant (`run`, `python3`).
    prog: &'a [u8],
    /// Arguments after the program.
    args: &'a [Vec<u8>],
    /// Index of the program word in `simple.words`.
    at: usize,
    simple: &'a Simple,
}

impl Stage<'_> {
    fn positionals(&self) -> impl Iterator<Item = &[u8]> {
        self.args
            .iter()
            .map(Vec::as_slice)
            .filter(|a| !a.starts_with(b"-") || *a == b"-")
    }
    fn has_opt(&self, opts: &[&[u8]]) -> bool {
        self.args.iter().any(|a| opts.contains(&a.as_slice()))
    }
    /// The value of an option given as `-o V`, `-oV`, `--opt V` or `--opt=V`.
    fn opt_value(&self, short: &[u8], long: &[u8]) -> Option<&[u8]> {
        let mut it = self.args.iter();
        while let Some(a) = it.next() {
            if a == short || (!long.is_empty() && a == long) {
                return it.next().map(Vec::as_slice);
            }
            if !long.is_empty() {
                if let Some(v) = a.strip_prefix(long).and_then(|r| r.strip_prefix(b"=")) {
                    return Some(v);
                }
            }
            if short.len() == 2 && a.len() > 2 && a.starts_with(short) && !a.starts_with(b"--") {
                return a.get(2..);
            }
        }
        None
    }
}

/// Skips assignments and wrappers; returns the program's index and the assignments seen.
fn resolve(words: &[Vec<u8>]) -> (Option<usize>, Vec<&[u8]>) {
    let mut assigns = Vec::new();
    let mut i = 0;
    while let Some(w) = words.get(i) {
        let is_assign = w.iter().position(|&c| c == b'=').is_some_and(|e| {
            e > 0
                && w.get(..e)
                    .is_some_and(|n| n.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_'))
        });
        if is_assign {
            assigns.push(w.as_slice());
            i += 1;
            continue;
        }
        let b = basename(w);
        if in_list(b, WRAPPERS) {
            let wrapper = b;
            i += 1;
            // Options of the wrapper, and their values.
            while let Some(o) = words.get(i) {
                if o == b"--" {
                    i += 1;
                    break;
                }
                if o.starts_with(b"-") && o.len() > 1 {
                    let takes_value = (in_list(o, WRAPPER_VALUE_OPTS)
                        || (wrapper == b"screen" && o.ends_with(b"S")))
                        && !(wrapper == b"sudo"
                            && matches!(o.as_slice(), b"-s" | b"-i" | b"-E" | b"-n" | b"-k"))
                        && !(wrapper == b"screen" && matches!(o.as_slice(), b"-d" | b"-m" | b"-L"));
                    i += if takes_value { 2 } else { 1 };
                    continue;
                }
                // `timeout 10 cmd`, `nice 10 cmd`: a bare duration or number.
                if matches!(
                    wrapper,
                    b"timeout" | b"nice" | b"taskset" | b"chrt" | b"watch"
                ) && o.first().is_some_and(u8::is_ascii_digit)
                {
                    i += 1;
                    continue;
                }
                // `env A=B cmd`
                if wrapper == b"env" && o.contains(&b'=') {
                    assigns.push(o.as_slice());
                    i += 1;
                    continue;
                }
                // `flock FILE cmd`, `chroot DIR cmd`
                if matches!(wrapper, b"flock" | b"chroot") {
                    i += 1;
                }
                break;
            }
            continue;
        }
        return (Some(i), assigns);
    }
    (None, assigns)
}

/// Classifies `text` at nesting `depth` into `out`; returns what its output carries.
pub(super) fn classify_text(text: &[u8], depth: u8, out: &mut Kinds) -> Facts {
    let mut facts = Facts::default();
    if depth > MAX_DEPTH {
        return facts;
    }
    let pipelines = parse(text);
    let has_get = contains(text, b"GET ");
    let mut saw_mkfifo = false;
    let mut saw_netclient = false;
    // Files written by a downloader, and the programs run later in the same text.
    let mut fetched: Vec<Vec<u8>> = Vec::new();
    let mut ran: Vec<Vec<u8>> = Vec::new();

    for pipeline in &pipelines {
        let mut stages: Vec<Stage<'_>> = Vec::new();
        for simple in pipeline {
            let (prog_at, assigns) = resolve(&simple.words);
            assignments(&assigns, depth, out);
            match prog_at.and_then(|i| simple.words.get(i).map(|w| (i, w))) {
                Some((at, path)) => {
                    let prog = basename(path);
                    let prog = if is_scripter(prog) {
                        strip_version(prog)
                    } else {
                        prog
                    };
                    stages.push(Stage {
                        path,
                        prog,
                        args: simple.words.get(at + 1..).unwrap_or_default(),
                        at,
                        simple,
                    });
                }
                None => {
                    // Only assignments and redirections (`> /var/log/secure`).
                    redirections(simple, has_get, out);
                    substitutions(simple, None, depth, out);
                }
            }
        }
        let n = stages.len();
        let mut downloader_before = false;
        let mut decoder_before = false;
        let mut interp_in_pipe = false;
        let mut net_in_pipe = false;
        for (j, st) in stages.iter().enumerate() {
            let reads_stdin = j > 0 && interpreter_reads_stdin(st);
            if reads_stdin && downloader_before {
                out.insert(K::DownloadExecute);
            }
            if reads_stdin && decoder_before {
                out.insert(K::DecodeExecute);
            }
            // `echo "$payload" | sh`: what is echoed is what runs.
            if reads_stdin {
                if let Some(prev) = j.checked_sub(1).and_then(|p| stages.get(p)) {
                    if matches!(prev.prog, b"echo" | b"printf") {
                        let body = prev.args.iter().filter(|a| !a.starts_with(b"-")).fold(
                            Vec::new(),
                            |mut acc, a| {
                                acc.extend_from_slice(a);
                                acc.push(b' ');
                                acc
                            },
                        );
                        let f = classify_text(&body, depth + 1, out);
                        if f.downloads {
                            out.insert(K::DownloadExecute);
                        }
                        if f.decodes {
                            out.insert(K::DecodeExecute);
                        }
                    }
                }
            }
            // A subshell's output is its list's: `(curl URL || wget -O- URL) | sh`.
            let f = match &st.simple.group {
                Some(body) => classify_text(body, depth + 1, out),
                None => stage(st, depth, has_get, out, &mut fetched),
            };
            downloader_before |= f.downloads;
            decoder_before |= f.decodes;
            if j + 1 == n {
                facts.downloads |= f.downloads;
                facts.decodes |= f.decodes;
            }
            if is_interpreter(st.prog) {
                interp_in_pipe = true;
            }
            if is_net_client(st) {
                net_in_pipe = true;
                saw_netclient = true;
            }
            if st.prog == b"mkfifo" || st.prog == b"mknod" {
                saw_mkfifo = true;
            }
            ran.push(st.path.to_vec());
            if is_interpreter(st.prog) {
                if let Some(script) = st.positionals().next() {
                    ran.push(script.to_vec());
                }
            }
        }
        if n > 1 && interp_in_pipe && net_in_pipe {
            out.insert(K::ReverseShell);
        }
    }
    if saw_mkfifo && saw_netclient {
        out.insert(K::ReverseShell);
    }
    // Fetched, then run, in one text: `wget URL -O /tmp/x; chmod +x /tmp/x; /tmp/x`.
    if fetched.iter().any(|f| {
        let fb = basename(f);
        !fb.is_empty() && ran.iter().any(|r| r == f || basename(r) == fb)
    }) {
        out.insert(K::DownloadExecute);
    }
    facts
}

fn assignments(assigns: &[&[u8]], depth: u8, out: &mut Kinds) {
    for a in assigns {
        history_assignment(a, out);
        prompt_code(a, depth, out);
    }
}

/// `PROMPT_COMMAND=CODE` runs CODE before every prompt, and a `$(...)` in `PS0`/`PS1` runs at
/// every prompt too: a start-up file that sets them runs that code in every interactive shell
/// (T1546.004). The code is classified as if it were run.
fn prompt_code(a: &[u8], depth: u8, out: &mut Kinds) {
    let Some(eq) = a.iter().position(|&c| c == b'=') else {
        return;
    };
    let (name, value) = (
        a.get(..eq).unwrap_or_default(),
        a.get(eq + 1..).unwrap_or_default(),
    );
    let runs = match name {
        b"PROMPT_COMMAND" => true,
        b"PS0" | b"PS1" => contains(value, b"$(") || value.contains(&b'`'),
        _ => false,
    };
    if runs {
        classify_text(value, depth + 1, out);
    }
}

/// `HISTFILE=/dev/null`, `HISTFILE=`, `HISTSIZE=0`, `HISTFILESIZE=0`.
fn history_assignment(a: &[u8], out: &mut Kinds) {
    let Some(eq) = a.iter().position(|&c| c == b'=') else {
        return;
    };
    let (name, value) = (
        a.get(..eq).unwrap_or_default(),
        a.get(eq + 1..).unwrap_or_default(),
    );
    let suppress = match name {
        b"HISTFILE" => value.is_empty() || value == b"/dev/null",
        b"HISTSIZE" | b"HISTFILESIZE" | b"SAVEHIST" => value == b"0",
        _ => false,
    };
    if suppress {
        out.insert(K::HistoryEvasion);
    }
}

/// Whether a command talks to the network (`openssl` only as `s_client`).
fn is_net_client(st: &Stage<'_>) -> bool {
    if st.prog == b"openssl" {
        return st.args.first().is_some_and(|a| a == b"s_client");
    }
    in_list(st.prog, NET_CLIENTS)
}

/// Whether an interpreter in a pipeline reads its program from standard input.
fn interpreter_reads_stdin(st: &Stage<'_>) -> bool {
    if !is_interpreter(st.prog) {
        return false;
    }
    if is_shell(st.prog) && st.has_opt(&[b"-s"]) {
        return true;
    }
    let mut args = st.args.iter();
    while let Some(a) = args.next() {
        if a == b"-" {
            return true;
        }
        if a == b"-c" || a == b"-e" || a == b"-r" || a == b"-E" {
            return false;
        }
        if a.starts_with(b"-") {
            if a == b"-o" || a == b"-O" {
                args.next();
            }
            continue;
        }
        return false;
    }
    true
}

/// Rules on one resolved command. Returns what its output carries.
fn stage(
    st: &Stage<'_>,
    depth: u8,
    has_get: bool,
    out: &mut Kinds,
    fetched: &mut Vec<Vec<u8>>,
) -> Facts {
    let mut facts = Facts::default();
    let p = st.prog;
    let viewer = is_viewer(p);
    redirections(st.simple, has_get, out);
    substitutions(st.simple, Some(st), depth, out);

    // Where the program itself lives.
    if is_temp(st.path) || has_disguised_dir(st.path) || hidden_in_system_dir(st.path) {
        out.insert(K::TempExecution);
    }
    if is_interpreter(p) && !st.has_opt(&[b"-c", b"-e", b"-r"]) {
        if let Some(script) = st.positionals().next() {
            if is_temp(script) || has_disguised_dir(script) || hidden_in_system_dir(script) {
                out.insert(K::TempExecution);
            }
        }
    }

    // Word-level content (not for programs that only show or search their arguments).
    if !viewer {
        for w in std::iter::once(st.path).chain(st.args.iter().map(Vec::as_slice)) {
            if contains(w, b"/dev/tcp/") || contains(w, b"/dev/udp/") {
                out.insert(if has_get {
                    K::Download
                } else {
                    K::ReverseShell
                });
            }
            let l = lower(w);
            if contains(&l, b"stratum+")
                || contains(&l, b"stratum2+")
                || contains(&l, b"stratum://")
                || l.starts_with(b"--donate-level")
                || l.starts_with(b"--randomx")
                || l.starts_with(b"--cpu-max-threads-hint")
                || l == b"--coin=monero"
                || l == b"--algo=rx/0"
                || l == b"--algo=cryptonight"
            {
                out.insert(K::Miner);
            }
            // An agent's uninstaller, run or fetched (`/usr/local/qcloud/.../uninstall.sh`,
            // `http://update.aegis.aliyun.com/download/uninstall.sh`).
            if (contains(&l, b"uninst") || contains(&l, b"quartz_uninstall")) && is_agent_name(&l) {
                out.insert(K::SecurityAgentStop);
            }
        }
        let lp = lower(p);
        if MINER_PROGRAMS.iter().any(|m| contains(&lp, m)) {
            out.insert(K::Miner);
        }
        if let Some(pool) = st.opt_value(b"-o", b"--url") {
            let lpool = lower(pool);
            if POOLS.iter().any(|x| contains(&lpool, x)) {
                out.insert(K::Miner);
            }
            if let Some(user) = st.opt_value(b"-u", b"--user") {
                if looks_like_wallet(user) {
                    out.insert(K::Miner);
                }
            }
        }
        if let Some(algo) = st.opt_value(b"-a", b"--algo") {
            let a = lower(algo);
            if a.starts_with(b"rx/")
                || a.starts_with(b"cn/")
                || a.starts_with(b"cryptonight")
                || a == b"randomx"
            {
                out.insert(K::Miner);
            }
        }
    }

    match p {
        _ if is_downloader(p) => {
            facts.downloads = true;
            download(st, out, fetched);
        }
        b"base64" | b"base32" | b"basenc" => {
            if st.args.iter().any(|a| {
                a == b"--decode"
                    || (a.starts_with(b"-")
                        && !a.starts_with(b"--")
                        && (a.contains(&b'd') || a.contains(&b'D')))
            }) {
                facts.decodes = true;
                out.insert(K::Decode);
            }
        }
        b"xxd" => {
            if st
                .args
                .iter()
                .any(|a| a.starts_with(b"-") && !a.starts_with(b"--") && a.contains(&b'r'))
            {
                facts.decodes = true;
                out.insert(K::Decode);
            }
        }
        b"uudecode" => {
            facts.decodes = true;
            out.insert(K::Decode);
        }
        b"openssl" => {
            let sub = st.args.first().map(Vec::as_slice);
            if matches!(sub, Some(b"enc" | b"base64")) && st.has_opt(&[b"-d"]) {
                facts.decodes = true;
                out.insert(K::Decode);
            }
        }
        b"chmod" => chmod(st, out),
        b"setcap" => {
            if st.args.iter().any(|a| {
                let l = lower(a);
                [
                    &b"cap_setuid"[..],
                    b"cap_setgid",
                    b"cap_sys_admin",
                    b"cap_dac_override",
                    b"cap_dac_read_search",
                    b"cap_sys_module",
                    b"cap_sys_ptrace",
                ]
                .iter()
                .any(|c| contains(&l, c))
            }) {
                out.insert(K::PrivilegeGrant);
            }
        }
        b"chattr" => {
            if st.args.iter().any(|a| {
                matches!(a.first(), Some(b'+' | b'-' | b'='))
                    && a.len() > 1
                    && a.iter().skip(1).all(u8::is_ascii_alphabetic)
                    && (a.contains(&b'i') || a.contains(&b'a'))
            }) {
                out.insert(K::ImmutableFlag);
            }
        }
        b"useradd" | b"adduser" | b"newusers" | b"luseradd" => {
            out.insert(K::AccountCreate);
            account_privileges(st, out);
            // `adduser USER sudo` adds an existing user to a group.
            let pos: Vec<&[u8]> = st.positionals().collect();
            if p == b"adduser"
                && pos.len() == 2
                && pos
                    .get(1)
                    .is_some_and(|g| crate::groups::is_privileged_group(g))
            {
                out.insert(K::PrivilegeGrant);
            }
        }
        b"usermod" | b"lusermod" => {
            out.insert(K::AccountModify);
            account_privileges(st, out);
        }
        b"gpasswd" => {
            let pos: Vec<&[u8]> = st.positionals().collect();
            let grants = (st.has_opt(&[b"-a", b"--add", b"-M", b"--members"]))
                && pos
                    .last()
                    .is_some_and(|g| crate::groups::is_privileged_group(g));
            out.insert(if grants {
                K::PrivilegeGrant
            } else {
                K::AccountModify
            });
        }
        b"passwd" => {
            if !st.has_opt(&[b"-S", b"--status", b"-a", b"--all"]) {
                out.insert(K::AccountModify);
            }
        }
        b"chpasswd" | b"chage" | b"vipw" | b"vigr" | b"pwconv" | b"grpconv" | b"chsh" => {
            if !(p == b"chage" && st.has_opt(&[b"-l", b"--list"])) {
                out.insert(K::AccountModify);
            }
        }
        b"insmod" => out.insert(K::KernelModuleLoad),
        b"modprobe" => {
            let query = st.args.iter().any(|a| {
                matches!(
                    a.as_slice(),
                    b"-r"
                        | b"--remove"
                        | b"-l"
                        | b"--list"
                        | b"-n"
                        | b"--dry-run"
                        | b"-c"
                        | b"--showconfig"
                        | b"-D"
                        | b"--show-depends"
                        | b"--show-modversions"
                        | b"--dump-modversions"
                )
            });
            if !query && st.positionals().next().is_some() {
                out.insert(K::KernelModuleLoad);
            }
        }
        b"iptables" | b"ip6tables" | b"iptables-legacy" | b"iptables-nft" | b"ip6tables-legacy"
        | b"ip6tables-nft" | b"ebtables" | b"arptables" => {
            let flush = st.has_opt(&[b"-F", b"--flush", b"-X", b"--delete-chain"]);
            let accept_policy = st.opt_value(b"-P", b"--policy").is_some()
                && st.args.last().is_some_and(|a| a == b"ACCEPT");
            if flush || accept_policy {
                out.insert(K::FirewallDisable);
            }
        }
        b"nft" => {
            if st.args.iter().any(|a| a == b"flush") && st.args.iter().any(|a| a == b"ruleset") {
                out.insert(K::FirewallDisable);
            }
        }
        b"ufw" => {
            if st
                .positionals()
                .next()
                .is_some_and(|a| a == b"disable" || a == b"reset")
            {
                out.insert(K::FirewallDisable);
            }
        }
        b"firewall-cmd" => {
            if st
                .args
                .iter()
                .any(|a| a == b"--set-default-zone=trusted" || a == b"--panic-off")
            {
                out.insert(K::FirewallDisable);
            }
        }
        b"systemctl" | b"service" | b"chkconfig" | b"update-rc.d" | b"rc-service"
        | b"rc-update" | b"initctl" | b"sv" => {
            service_control(st, out);
        }
        b"kill" | b"pkill" | b"killall" => {
            let pos: Vec<&[u8]> = st.positionals().collect();
            if pos.iter().any(|a| is_agent_name(a)) {
                out.insert(K::SecurityAgentStop);
            }
            if p == b"kill" && pos.iter().any(|a| *a == b"$$" || *a == b"$BASHPID") {
                out.insert(K::HistoryEvasion);
            }
        }
        b"setenforce" => {
            if st
                .positionals()
                .next()
                .is_some_and(|a| a == b"0" || a.eq_ignore_ascii_case(b"permissive"))
            {
                out.insert(K::SecurityAgentStop);
            }
        }
        b"auditctl" => {
            let e0 = st.opt_value(b"-e", b"").is_some_and(|v| v == b"0");
            if e0 || st.has_opt(&[b"-D"]) {
                out.insert(K::SecurityAgentStop);
            }
        }
        b"aa-teardown" | b"aa-disable" => out.insert(K::SecurityAgentStop),
        b"rm" | b"shred" | b"unlink" | b"srm" | b"wipe" | b"truncate" => {
            for t in st.positionals() {
                removal_target(t, out);
            }
        }
        b"find" => {
            let acts = st.args.iter().any(|a| a == b"-delete")
                || st.args.windows(2).any(|w| {
                    matches!(w, [e, c] if (e == b"-exec" || e == b"-execdir") && matches!(basename(c), b"rm" | b"shred" | b"truncate"))
                });
            if acts {
                for t in st.args.iter().take_while(|a| !a.starts_with(b"-")) {
                    removal_target(t, out);
                }
            }
        }
        b"ln" => {
            let pos: Vec<&[u8]> = st.positionals().collect();
            if let [src, .., dst] = pos.as_slice() {
                if *src == b"/dev/null" {
                    if is_history_path(dst) {
                        out.insert(K::HistoryEvasion);
                    }
                    if is_log_path(dst) {
                        out.insert(K::LogTamper);
                    }
                }
            }
        }
        b"sed" | b"perl"
            if st.args.iter().any(|a| {
                a.starts_with(b"-i")
                    || a == b"--in-place"
                    || (a.starts_with(b"-")
                        && !a.starts_with(b"--")
                        && a.contains(&b'i')
                        && p == b"sed")
            }) =>
        {
            for t in st.positionals().skip(1) {
                write_target(t, false, out);
            }
            if p == b"perl" {
                script_code(st, out, &mut facts);
            }
        }
        b"tee" => {
            let append = st.has_opt(&[b"-a", b"--append"]);
            for t in st.positionals() {
                write_target(t, append, out);
            }
        }
        b"cp" | b"mv" | b"install" | b"rsync" | b"scp" => {
            let dest = st
                .opt_value(b"-t", b"--target-directory")
                .or_else(|| st.positionals().last());
            if let Some(d) = dest {
                if st.positionals().count() >= 2
                    || st.opt_value(b"-t", b"--target-directory").is_some()
                {
                    write_target(d, false, out);
                }
            }
        }
        b"dd" => {
            for a in st.args {
                if let Some(t) = a.strip_prefix(b"of=") {
                    write_target(t, false, out);
                }
            }
        }
        b"journalctl" => {
            if st.args.iter().any(|a| a.starts_with(b"--vacuum")) {
                out.insert(K::LogTamper);
            }
        }
        b"history" => {
            // bash/zsh `history -c`, `history -d N`; fish `history clear`, `history delete`.
            if st.args.iter().any(|a| {
                (a.starts_with(b"-") && (a.contains(&b'c') || a.contains(&b'd')))
                    || matches!(a.as_slice(), b"clear" | b"delete" | b"clear-session")
            }) {
                out.insert(K::HistoryEvasion);
            }
        }
        b"unset" => {
            if st.args.iter().any(|a| {
                matches!(
                    a.as_slice(),
                    b"HISTFILE" | b"HISTSIZE" | b"HISTFILESIZE" | b"SAVEHIST"
                )
            }) {
                out.insert(K::HistoryEvasion);
            }
        }
        b"export" | b"declare" | b"typeset" | b"readonly" | b"local" => {
            for a in st.args {
                history_assignment(a, out);
                prompt_code(a, depth, out);
            }
        }
        b"set" => {
            if st
                .args
                .windows(2)
                .any(|w| matches!(w, [o, h] if o == b"+o" && h == b"history"))
            {
                out.insert(K::HistoryEvasion);
            }
        }
        b"crontab" => {
            let mut args = st.args.iter();
            let mut installs = false;
            while let Some(a) = args.next() {
                if a == b"-u" {
                    args.next();
                } else if a == b"-" || !a.starts_with(b"-") {
                    installs = true;
                }
            }
            if installs {
                out.insert(K::ScheduledTask);
            }
        }
        b"ssh-copy-id" => out.insert(K::SshKeyAdd),
        b"nc" | b"ncat" | b"netcat" | b"nc.traditional" | b"nc.openbsd" | b"cryptcat" => {
            let mut args = st.args.iter().peekable();
            while let Some(a) = args.next() {
                if matches!(
                    a.as_slice(),
                    b"-e" | b"--exec" | b"--sh-exec" | b"--lua-exec"
                ) || a.starts_with(b"--exec=")
                    || a.starts_with(b"--sh-exec=")
                {
                    out.insert(K::ReverseShell);
                }
                if a == b"-c"
                    && args
                        .peek()
                        .is_some_and(|v| is_shell(basename(v)) || contains(v, b"sh"))
                {
                    out.insert(K::ReverseShell);
                }
                // Combined short flags ending in e: `-nve /bin/sh`.
                if a.starts_with(b"-")
                    && !a.starts_with(b"--")
                    && a.len() > 2
                    && a.ends_with(b"e")
                    && a.iter().skip(1).all(u8::is_ascii_alphabetic)
                {
                    out.insert(K::ReverseShell);
                }
            }
        }
        b"socat" => {
            let exec = st.args.iter().any(|a| {
                let l = lower(a);
                l.starts_with(b"exec:")
                    || l.starts_with(b"system:")
                    || contains(&l, b",exec:")
                    || contains(&l, b"!!exec:")
            });
            if exec {
                out.insert(K::ReverseShell);
            }
        }
        b"awk" | b"gawk" | b"mawk" | b"nawk" => {
            if st
                .args
                .iter()
                .any(|a| contains(a, b"/inet/tcp/") || contains(a, b"/inet/udp/"))
            {
                out.insert(K::ReverseShell);
            }
        }
        b"xterm" => {
            if st.has_opt(&[b"-display"]) {
                out.insert(K::ReverseShell);
            }
        }
        b"eval" | b"source" | b"." => {
            let body = join(st.args);
            let f = classify_text(&body, depth + 1, out);
            facts.downloads |= f.downloads;
            facts.decodes |= f.decodes;
        }
        b"su" | b"runuser" => {
            if let Some(body) = st.opt_value(b"-c", b"--command") {
                let f = classify_text(body, depth + 1, out);
                facts.downloads |= f.downloads;
                facts.decodes |= f.decodes;
            }
        }
        _ if is_shell(p) => {
            if let Some(body) = st.opt_value(b"-c", b"") {
                let f = classify_text(body, depth + 1, out);
                facts.downloads |= f.downloads;
                facts.decodes |= f.decodes;
            }
        }
        _ if is_scripter(p) => script_code(st, out, &mut facts),
        _ => {}
    }
    // `/etc/init.d/aegis stop`, `/usr/local/cloudmonitor/wrapper/bin/cloudmonitor.sh remove`
    if is_agent_name(st.path)
        && st
            .positionals()
            .next()
            .is_some_and(|v| matches!(v, b"stop" | b"uninstall" | b"remove" | b"disable"))
    {
        out.insert(K::SecurityAgentStop);
    }
    facts
}

fn join(words: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            body.push(b' ');
        }
        body.extend_from_slice(w);
    }
    body
}

fn download(st: &Stage<'_>, out: &mut Kinds, fetched: &mut Vec<Vec<u8>>) {
    let p = st.prog;
    let output = match p {
        b"wget" | b"wget2" => st.opt_value(b"-O", b"--output-document").or_else(|| {
            // `-qO file`, `-qO-`
            st.args.iter().enumerate().find_map(|(i, a)| {
                if a.starts_with(b"-") && !a.starts_with(b"--") && a.contains(&b'O') {
                    let after = a
                        .iter()
                        .position(|&c| c == b'O')
                        .and_then(|o| a.get(o + 1..))
                        .unwrap_or_default();
                    if after.is_empty() {
                        st.args.get(i + 1).map(Vec::as_slice)
                    } else {
                        Some(after)
                    }
                } else {
                    None
                }
            })
        }),
        b"curl" => st.opt_value(b"-o", b"--output"),
        _ => None,
    };
    let dir = if p == b"wget" {
        st.opt_value(b"-P", b"--directory-prefix")
    } else {
        None
    };
    let urls: Vec<&[u8]> = st
        .args
        .iter()
        .map(Vec::as_slice)
        .filter(|a| contains(a, b"://"))
        .collect();
    if urls.iter().any(|u| url_host(u).is_some_and(is_ip_literal)) {
        out.insert(K::Download);
    }
    let mut targets: Vec<Vec<u8>> = Vec::new();
    match output {
        Some(o) if o != b"-" && o != b"/dev/stdout" => targets.push(o.to_vec()),
        Some(_) => {}
        None => {
            // Saved under the URL's file name (wget by default, curl -O).
            let saves = p != b"curl"
                || st.args.iter().any(|a| {
                    a == b"-O"
                        || a == b"--remote-name"
                        || (a.starts_with(b"-") && !a.starts_with(b"--") && a.contains(&b'O'))
                });
            if saves {
                for u in &urls {
                    let name = basename(u.split(|&c| c == b'?').next().unwrap_or(u));
                    if !name.is_empty() {
                        let mut t = dir.map(<[u8]>::to_vec).unwrap_or_default();
                        if !t.is_empty() && !t.ends_with(b"/") {
                            t.push(b'/');
                        }
                        t.extend_from_slice(name);
                        targets.push(t);
                    }
                }
            }
        }
    }
    for t in targets {
        if is_temp(&t)
            || has_disguised_dir(&t)
            || dir
                .is_some_and(|d| is_temp(d) || d == b"/tmp" || d == b"/dev/shm" || d == b"/var/tmp")
        {
            out.insert(K::Download);
        }
        write_target(&t, false, out);
        fetched.push(t);
    }
}

fn chmod(st: &Stage<'_>, out: &mut Kinds) {
    let Some(mode) = st.positionals().next() else {
        return;
    };
    let symbolic_s = mode.iter().any(|&c| c == b'+' || c == b'=') && mode.contains(&b's');
    let numeric_s = mode.len() == 4
        && mode.iter().all(|c| (b'0'..=b'7').contains(c))
        && mode.first().is_some_and(|c| matches!(c, b'2'..=b'7'));
    if symbolic_s || numeric_s {
        out.insert(K::PrivilegeGrant);
    }
}

/// `useradd -o -u 0`, `usermod -aG sudo`, `useradd -G wheel`.
fn account_privileges(st: &Stage<'_>, out: &mut Kinds) {
    if st.opt_value(b"-u", b"--uid").is_some_and(|u| u == b"0") {
        out.insert(K::PrivilegeGrant);
    }
    let mut args = st.args.iter();
    while let Some(a) = args.next() {
        let groups = if a == b"--groups"
            || (a.starts_with(b"-") && !a.starts_with(b"--") && a.ends_with(b"G"))
        {
            args.next().map(Vec::as_slice)
        } else {
            a.strip_prefix(b"--groups=")
        };
        if let Some(g) = groups {
            if g.split(|&c| c == b',')
                .any(crate::groups::is_privileged_group)
            {
                out.insert(K::PrivilegeGrant);
            }
        }
    }
}

fn service_control(st: &Stage<'_>, out: &mut Kinds) {
    let words: Vec<&[u8]> = st.positionals().collect();
    let stop_verbs: &[&[u8]] = &[
        b"stop",
        b"disable",
        b"mask",
        b"kill",
        b"off",
        b"--del",
        b"del",
        b"remove",
        b"uninstall",
        b"down",
    ];
    let has_stop = words.iter().any(|w| stop_verbs.contains(w)) || st.has_opt(&[b"--del"]);
    if !has_stop {
        return;
    }
    for w in &words {
        if stop_verbs.contains(w) {
            continue;
        }
        if is_agent_name(w) {
            out.insert(K::SecurityAgentStop);
        }
        if is_firewall_name(w) {
            out.insert(K::FirewallDisable);
        }
    }
}

/// A file removed or truncated by `rm`, `shred`, `truncate`, `find -delete`.
fn removal_target(t: &[u8], out: &mut Kinds) {
    if is_log_path(t) {
        out.insert(K::LogTamper);
    }
    if is_history_path(t) {
        out.insert(K::HistoryEvasion);
    }
    let l = lower(t);
    if (l.starts_with(b"/usr/local/") || l.starts_with(b"/opt/") || l.starts_with(b"/etc/"))
        && is_agent_name(&l)
    {
        out.insert(K::SecurityAgentStop);
    }
}

/// A file written (`>`, `>>`, `tee`, `cp` destination, `curl -o`, `sed -i`).
fn write_target(t: &[u8], append: bool, out: &mut Kinds) {
    let b = basename(t);
    if b == b"authorized_keys" || b == b"authorized_keys2" {
        out.insert(K::SshKeyAdd);
    }
    match t {
        b"/etc/passwd" => out.insert(if append {
            K::AccountCreate
        } else {
            K::AccountModify
        }),
        b"/etc/shadow" | b"/etc/group" | b"/etc/gshadow" => out.insert(K::AccountModify),
        b"/etc/ld.so.preload" => out.insert(K::PreloadHijack),
        _ => {}
    }
    if t == b"/etc/sudoers" || t.starts_with(b"/etc/sudoers.d/") {
        out.insert(K::PrivilegeGrant);
    }
    if t == b"/etc/crontab"
        || t == b"/etc/anacrontab"
        || t.starts_with(b"/etc/cron.")
        || t.starts_with(b"/var/spool/cron/")
    {
        out.insert(K::ScheduledTask);
    }
    if [
        &b"/etc/systemd/system/"[..],
        b"/lib/systemd/system/",
        b"/usr/lib/systemd/system/",
        b"/run/systemd/system/",
        b"/etc/init.d/",
        b"/etc/rc.d/",
    ]
    .iter()
    .any(|d| t.starts_with(d))
        || contains(t, b"/.config/systemd/user/")
        || t == b"/etc/rc.local"
    {
        out.insert(K::ServiceInstall);
    }
    if matches!(
        b,
        b".bashrc"
            | b".bash_profile"
            | b".bash_login"
            | b".profile"
            | b".zshrc"
            | b".zprofile"
            | b".zlogin"
            | b".kshrc"
            | b".cshrc"
            | b".tcshrc"
    ) || matches!(
        t,
        b"/etc/profile"
            | b"/etc/bash.bashrc"
            | b"/etc/bashrc"
            | b"/etc/zshrc"
            | b"/etc/environment"
    ) || t.starts_with(b"/etc/profile.d/")
    {
        out.insert(K::ShellProfile);
    }
    if !append {
        if is_history_path(t) {
            out.insert(K::HistoryEvasion);
        }
        if is_log_path(t) {
            out.insert(K::LogTamper);
        }
    }
}

fn redirections(simple: &Simple, has_get: bool, out: &mut Kinds) {
    for (r, t) in &simple.redirs {
        if contains(t, b"/dev/tcp/") || contains(t, b"/dev/udp/") {
            out.insert(if has_get {
                K::Download
            } else {
                K::ReverseShell
            });
        }
        match r {
            Redir::Truncate => {
                // `cat /dev/null > f`, `> f`, `echo > f` empty a file; other writes replace it.
                write_target(t, false, out);
            }
            Redir::Append => write_target(t, true, out),
            Redir::Read | Redir::HereString | Redir::Dup => {}
        }
    }
}

/// `$(...)`, backquotes and `<(...)` in a command: classify their bodies, and when the
/// command runs what they produce, a download or decode in them becomes an execution.
fn substitutions(simple: &Simple, st: Option<&Stage<'_>>, depth: u8, out: &mut Kinds) {
    for (body, at) in &simple.substs {
        let f = classify_text(body, depth + 1, out);
        if !(f.downloads || f.decodes) {
            continue;
        }
        let executes = match st {
            // Only assignments and redirections: `IP=$(curl -s ifconfig.me)` runs nothing.
            None => false,
            Some(st) => {
                let prog_pos = *at == st.at;
                let interp = is_interpreter(st.prog);
                let evals = matches!(st.prog, b"eval" | b"source" | b".");
                // `bash < <(curl ...)`
                let stdin_subst = *at == usize::MAX - 1 && interp;
                prog_pos || stdin_subst || (interp && *at != usize::MAX) || evals
            }
        };
        if executes {
            if f.downloads {
                out.insert(K::DownloadExecute);
            }
            if f.decodes {
                out.insert(K::DecodeExecute);
            }
        }
    }
}

/// `python -c CODE`, `perl -e CODE`, `php -r CODE`, `ruby -e`, `node -e`.
fn script_code(st: &Stage<'_>, out: &mut Kinds, facts: &mut Facts) {
    let code = st
        .opt_value(b"-c", b"")
        .or_else(|| st.opt_value(b"-e", b"--eval"))
        .or_else(|| st.opt_value(b"-E", b""))
        .or_else(|| st.opt_value(b"-r", b""));
    // `python -m base64 -d`
    if st
        .args
        .windows(2)
        .any(|w| matches!(w, [m, b] if m == b"-m" && b == b"base64"))
        && st.has_opt(&[b"-d", b"--decode"])
    {
        facts.decodes = true;
        out.insert(K::Decode);
    }
    let Some(code) = code else { return };
    let l = lower(code);
    let any = |list: &[&[u8]]| list.iter().any(|n| contains(&l, n));
    let socket = any(&[
        b"socket",
        b"fsockopen",
        b"tcpsocket",
        b"net.connect",
        b"net.socket",
        b"/inet/",
    ]);
    let exec = any(&[
        b"subprocess",
        b"pty.spawn",
        b"dup2",
        b"os.system",
        b"popen",
        b"exec(",
        b"/bin/sh",
        b"/bin/bash",
        b"spawn",
        b"proc_open",
        b"shell_exec",
        b"system(",
        b"passthru",
        b"child_process",
        b"exec ",
        b"eval(",
        b"`",
    ]);
    let decode = any(&[
        b"b64decode",
        b"decode_base64",
        b"base64_decode",
        b"decodebytes",
        b"unhexlify",
        b"fromhex",
        b"atob(",
        b"'base64'",
        b"\"base64\"",
        b"frombase64",
    ]);
    let fetch = any(&[
        b"urllib",
        b"urlopen",
        b"requests.get",
        b"lwp::",
        b"http::tiny",
        b"file_get_contents('http",
        b"file_get_contents(\"http",
        b"curl_exec",
        b"net::http",
        b"open-uri",
        b"http.get(",
        b"https.get(",
        b"urlretrieve",
        b"wget",
    ]);
    if socket && exec {
        out.insert(K::ReverseShell);
    }
    if decode {
        facts.decodes = true;
        out.insert(if exec { K::DecodeExecute } else { K::Decode });
    }
    if fetch {
        facts.downloads = true;
        if exec {
            out.insert(K::DownloadExecute);
        }
    }
}
