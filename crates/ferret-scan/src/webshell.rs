//! Web shells in document roots: where the web roots are (the host's nginx, Apache and
//! BT-Panel configuration, and the usual places), and what in a server-side file betrays a
//! shell, by content.
//!
//! ```
//! use ferret_scan::webshell::{detect, roots_from_config};
//! use ferret_scan::core::Severity;
//! let d = detect(b"x.php", b"<?php @eval($_POST['z0']); ?>\n").unwrap();
//! assert_eq!(d.severity, Severity::Critical); // request input evaluated, in a one-liner
//! assert_eq!(d.signals[0].name, "eval-request");
//! assert_eq!(d.signals[0].line, 1);
//! // Stock code that only uses eval on its own data is not a shell.
//! assert!(detect(b"y.php", b"<?php $t = compile($tpl); eval($t);\n").is_none());
//! assert_eq!(
//!     roots_from_config(b"server {\n  root /www/wwwroot/site;\n}\n"),
//!     vec![b"/www/wwwroot/site".to_vec()]
//! );
//! ```
//!
//! The patterns are a table (the crate's `src/webshell_table.rs`, each row citing its public
//! source): request input reaching `eval`/`assert`/`create_function`/`preg_replace`
//! `/e`/callbacks/command execution in one statement or through a variable, decoder chains
//! into `eval`, dangerous function names hidden in base64, rot13, hex escapes or split
//! strings, the China Chopper one-liners (PHP and ASP), Behinder's and Godzilla's default keys
//! and Godzilla's XOR loop, an `openssl_decrypt` of the raw body that is evaluated (Behinder/
//! Godzilla style), JSP `Runtime.exec`/`ProcessBuilder` on request parameters and JSP
//! `ClassLoader.defineClass` with AES (Behinder/Godzilla JSP). Two measures of obfuscation
//! support them: the longest run of base64 text and its entropy, and the share of symbols in
//! the code; alone they report nothing (stock code embeds fonts and images).

use crate::findings::{Reason, Verdict};
use crate::webshell_table::{Lang, Pattern, ANCHORS, PATTERNS};
use crate::ScanOptions;
use ferret_core::fs::DirHandle;
use ferret_core::walk::{walk_parallel, Visit, WalkEvent, WalkOptions};
use ferret_core::{
    CancelToken, Control, ErrorRecord, Evidence, FileKind, HostRoot, OpenOptions, Severity,
};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};

pub use crate::webshell_table::Strength;

/// What kind of web file a name is, for the detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebFile {
    /// `.php`, `.php3`-`.php8`, `.phtml`, `.pht`, `.phar`, `.phps`, `.inc`.
    Php,
    /// `.jsp`, `.jspx`, `.jspf`.
    Jsp,
    /// `.asp`, `.aspx`, `.ashx`, `.asmx`, `.asa`, `.cer`.
    Asp,
    /// `.cgi`.
    Cgi,
    /// `.htaccess`, `.user.ini`, `php.ini`: configuration that can make other files run.
    Config,
    /// Media (`.jpg`, `.png`, `.gif`, `.ico`, ...): PHP code in one is a shell waiting for an
    /// include or a handler mapping.
    Media,
    /// Text and other files (`.txt`, `.log`, names without an extension): PHP code looked for.
    Other,
}

const PHP_EXT: &[&[u8]] = &[
    b"php", b"php3", b"php4", b"php5", b"php7", b"php8", b"phtml", b"pht", b"phar", b"phps", b"inc",
];
const MEDIA_EXT: &[&[u8]] = &[
    b"jpg", b"jpeg", b"png", b"gif", b"bmp", b"ico", b"webp", b"tif", b"tiff",
];
/// Static files a web server serves as they are (never run): not read.
const STATIC_EXT: &[&[u8]] = &[
    b"js", b"mjs", b"css", b"map", b"html", b"htm", b"svg", b"woff", b"woff2", b"ttf", b"eot",
    b"otf", b"mp3", b"mp4", b"webm", b"ogg", b"wav", b"avi", b"pdf", b"zip", b"gz", b"tgz", b"bz2",
    b"xz", b"7z", b"rar", b"jar", b"war", b"class", b"xml", b"json", b"md", b"po", b"mo", b"pot",
    b"scss", b"less", b"ts", b"vue", b"swf", b"psd", b"sql",
];

/// Largest file with an unknown extension (or none) read for PHP code.
const OTHER_MAX: u64 = 64 << 10;
/// Media are read at the head (where an image's comment and a GIF89a-prefixed shell sit) and
/// the tail (where code is appended): these many bytes each (24 KiB an image at most: an
/// uploads directory of 10,000 photos costs 240 MB of reads, not their size).
pub const MEDIA_HEAD: u64 = 16 << 10;
/// See [`MEDIA_HEAD`].
pub const MEDIA_TAIL: u64 = 8 << 10;

/// The web-file kind of a name (`None`: a static file, not read).
pub fn kind_of(name: &[u8]) -> Option<WebFile> {
    let lower = name.to_ascii_lowercase();
    if lower == b".htaccess" || lower == b".user.ini" || lower == b"php.ini" {
        return Some(WebFile::Config);
    }
    let ext = match memchr::memrchr(b'.', &lower) {
        Some(i) if i > 0 => lower.get(i + 1..).unwrap_or_default(),
        _ => return Some(WebFile::Other),
    };
    Some(match ext {
        e if PHP_EXT.contains(&e) => WebFile::Php,
        b"jsp" | b"jspx" | b"jspf" => WebFile::Jsp,
        b"asp" | b"aspx" | b"ashx" | b"asmx" | b"asa" | b"cer" => WebFile::Asp,
        b"cgi" => WebFile::Cgi,
        e if MEDIA_EXT.contains(&e) => WebFile::Media,
        e if STATIC_EXT.contains(&e) => return None,
        _ => WebFile::Other,
    })
}

/// Whether a file of this kind and size is read, and how: `(head, tail)` byte counts
/// (`tail` 0: the head only). `cap` is the cap for scripts.
pub fn read_plan(kind: WebFile, size: u64, cap: u64) -> Option<(u64, u64)> {
    match kind {
        _ if size == 0 => None,
        WebFile::Media if size > MEDIA_HEAD + MEDIA_TAIL => Some((MEDIA_HEAD, MEDIA_TAIL)),
        WebFile::Media => Some((size, 0)),
        WebFile::Other if size > OTHER_MAX => None,
        _ => Some((size.min(cap), 0)),
    }
}

/// One thing found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Signal {
    /// Short name (`eval-request`, `godzilla-xor`, `encoded-blob`, ...).
    pub name: &'static str,
    /// How much it says alone.
    pub strength: Strength,
    /// What it means.
    pub what: String,
    /// 1-based line of the match (0 for whole-file measures).
    pub line: u64,
    /// The matching part of the line, cut to at most 200 bytes around the match (raw bytes:
    /// escape before printing).
    pub excerpt: Vec<u8>,
}

/// A detector's verdict on one file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Detection {
    /// How strong the evidence is (before the file's context: see the crate docs).
    pub severity: Severity,
    /// The finding id: `scan.webshell`, or `scan.webshell-config` for `.htaccess`/`.user.ini`
    /// tricks.
    pub id: &'static str,
    /// What was found, strongest first.
    pub signals: Vec<Signal>,
    /// Remarks on the whole file (a one-liner, the obfuscation measures).
    pub notes: Vec<String>,
}

struct Compiled {
    anchors: aho_corasick::AhoCorasick,
    set: regex::bytes::RegexSet,
    each: Vec<regex::bytes::Regex>,
    taint_php: regex::bytes::Regex,
    sink_var_php: regex::bytes::Regex,
    call_var_php: regex::bytes::Regex,
    taint_jsp: regex::bytes::Regex,
    sink_var_jsp: regex::bytes::Regex,
}

#[allow(clippy::expect_used)] // The table is constant and its unit test compiles every row.
static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let re = |s: &str| {
        regex::bytes::Regex::new(&format!("(?-u){s}")).expect("web-shell pattern compiles")
    };
    Compiled {
        anchors: aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(ANCHORS)
            .expect("anchors compile"),
        set: regex::bytes::RegexSet::new(PATTERNS.iter().map(|p| format!("(?-u){}", p.regex)))
            .expect("web-shell patterns compile"),
        each: PATTERNS.iter().map(|p| re(p.regex)).collect(),
        taint_php: re(concat!(
            r"\$(\w+)\s*=\s*[^;\n]*?",
            r#"(?:\$_(?:POST|GET|REQUEST|COOKIE)\b|php://input|\$_SERVER\s*\[\s*['"]HTTP_)"#
        )),
        sink_var_php: re(
            r"(?i)(?:^|[^>:$\w])(eval|assert|system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec|create_function)\s*\(\s*@?\s*\$(\w+)\b\s*[,)]",
        ),
        call_var_php: re(r"(?:^|[^\w$])\$(\w+)\s*\(\s*(?:@\s*)?\$"),
        taint_jsp: re(r"\bString\s+(\w+)\s*=\s*request\.get(?:Parameter|Header)\b"),
        sink_var_jsp: re(r"(?:\.exec|new\s+ProcessBuilder)\s*\(\s*(\w+)\s*[,)]"),
    }
});

/// Bytes on each side of an anchor searched by the patterns.
const WINDOW: usize = 768;

/// 1-based line of `off`.
fn line_of(data: &[u8], off: usize) -> u64 {
    memchr::memchr_iter(b'\n', data.get(..off).unwrap_or_default()).count() as u64 + 1
}

/// At most 200 bytes of the line around `off..end`.
fn excerpt(data: &[u8], off: usize, end: usize) -> Vec<u8> {
    let head = data.get(..off).unwrap_or_default();
    let line_start = memchr::memrchr(b'\n', head).map_or(0, |i| i + 1);
    let line_end =
        memchr::memchr(b'\n', data.get(off..).unwrap_or_default()).map_or(data.len(), |i| off + i);
    let from = line_start.max(off.saturating_sub(40));
    let to = line_end
        .min(end.max(off).saturating_add(60))
        .min(from + 200);
    data.get(from..to.max(from)).unwrap_or_default().to_vec()
}

fn lang_applies(p: Lang, kind: WebFile) -> bool {
    match p {
        Lang::Any => true,
        Lang::Php => matches!(kind, WebFile::Php | WebFile::Media | WebFile::Other),
        Lang::Jsp => kind == WebFile::Jsp,
        Lang::Asp => kind == WebFile::Asp,
        Lang::Cgi => kind == WebFile::Cgi,
    }
}

/// The windows around anchors, merged.
fn windows(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for m in COMPILED.anchors.find_iter(data) {
        let from = m.start().saturating_sub(WINDOW);
        let to = (m.end() + WINDOW).min(data.len());
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

fn push_signal(out: &mut Vec<Signal>, s: Signal) {
    if !out.iter().any(|x| x.name == s.name) {
        out.push(s);
    }
}

/// The table's matches and the tainted-variable flows in `data` (a file of `kind`).
fn pattern_signals(data: &[u8], kind: WebFile) -> Vec<Signal> {
    let cx = &*COMPILED;
    let mut out: Vec<Signal> = Vec::new();
    let mut tainted: Vec<Vec<u8>> = Vec::new();
    let mut sink_vars: Vec<(Vec<u8>, usize, usize, bool)> = Vec::new();
    for (from, to) in windows(data) {
        let win = data.get(from..to).unwrap_or_default();
        for i in &cx.set.matches(win) {
            let (Some(pat), Some(re)) = (PATTERNS.get(i), cx.each.get(i)) else {
                continue;
            };
            if !lang_applies(pat.lang, kind) || out.iter().any(|s| s.name == pat.name) {
                continue;
            }
            let hit = re.find_iter(win).find(|m| {
                pat.verify.is_none_or(|v| v(m.as_bytes()))
                    && (pat.strength == Strength::Family || !in_comment(data, from + m.start()))
            });
            if let Some(m) = hit {
                push_signal(
                    &mut out,
                    signal(pat, data, from + m.start(), from + m.end()),
                );
            }
        }
        let (taint, sinks, calls) = match kind {
            WebFile::Jsp => (&cx.taint_jsp, &cx.sink_var_jsp, None),
            WebFile::Php | WebFile::Media | WebFile::Other => {
                (&cx.taint_php, &cx.sink_var_php, Some(&cx.call_var_php))
            }
            _ => continue,
        };
        for cap in taint.captures_iter(win).take(64) {
            if let Some(v) = cap.get(1) {
                tainted.push(v.as_bytes().to_vec());
            }
        }
        let var_group = usize::from(kind != WebFile::Jsp) + 1;
        for cap in sinks.captures_iter(win).take(64) {
            if let (Some(all), Some(v)) = (cap.get(0), cap.get(var_group)) {
                sink_vars.push((
                    v.as_bytes().to_vec(),
                    from + all.start(),
                    from + all.end(),
                    false,
                ));
            }
        }
        if let Some(calls) = calls {
            for cap in calls.captures_iter(win).take(64) {
                if let (Some(all), Some(v)) = (cap.get(0), cap.get(1)) {
                    sink_vars.push((
                        v.as_bytes().to_vec(),
                        from + all.start(),
                        from + all.end(),
                        true,
                    ));
                }
            }
        }
    }
    for (v, s, e, call) in sink_vars {
        let s = skip_space(data, s, e);
        if tainted.contains(&v) {
            let (name, what) = if call {
                (
                    "variable-function-request",
                    "calls request input as a function (through a variable)",
                )
            } else {
                (
                    "sink-request-variable",
                    "passes request input (through a variable) to eval or command execution",
                )
            };
            push_signal(
                &mut out,
                Signal {
                    name,
                    strength: Strength::Strong,
                    what: format!("{what}: ${}", String::from_utf8_lossy(&v)),
                    line: line_of(data, s),
                    excerpt: excerpt(data, s, e),
                },
            );
        }
    }
    out
}

/// Whether `off` lies in a comment that fills its line: a line starting with `//` or `#`
/// (before any `?>`), or a block comment's line starting with `/*` or `*` (before any `*/`).
/// Documentation quoting `$_POST` in backticks is not code; a shell after `/* x */` on the
/// same line is.
fn in_comment(data: &[u8], off: usize) -> bool {
    let head = data.get(..off).unwrap_or_default();
    let start = memchr::memrchr(b'\n', head).map_or(0, |i| i + 1);
    let before = head.get(start..).unwrap_or_default();
    let t = before.trim_ascii_start();
    if t.starts_with(b"//") || (t.starts_with(b"#") && !t.starts_with(b"#!")) {
        return memchr::memmem::find(t, b"?>").is_none();
    }
    if t.starts_with(b"/*") || t.starts_with(b"*") {
        return memchr::memmem::find(t, b"*/").is_none();
    }
    false
}

/// A match's start past the white space its context prefix (`(?:^|[^>:$\w])`) may have
/// taken, so the line is the call's.
fn skip_space(data: &[u8], mut s: usize, e: usize) -> usize {
    while s < e && data.get(s).is_some_and(u8::is_ascii_whitespace) {
        s += 1;
    }
    s
}

fn signal(p: &Pattern, data: &[u8], s: usize, e: usize) -> Signal {
    let s = skip_space(data, s, e);
    Signal {
        name: p.name,
        strength: p.strength,
        what: p.what.to_owned(),
        line: line_of(data, s),
        excerpt: excerpt(data, s, e),
    }
}

/// Shannon entropy of `data` in bits per byte.
fn entropy(data: &[u8]) -> f64 {
    crate::classify::entropy(data)
}

/// The obfuscation measures of a script: the longest run of base64 text (offset, length) and
/// the share of symbols (neither letters, digits nor white space) among its bytes.
pub fn obfuscation(data: &[u8]) -> (usize, usize, f64) {
    let (mut best_at, mut best_len, mut run_at, mut run) = (0usize, 0usize, 0usize, 0usize);
    let mut symbols = 0usize;
    let mut counted = 0usize;
    for (i, &b) in data.iter().enumerate() {
        let b64 = b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
        if b64 {
            if run == 0 {
                run_at = i;
            }
            run += 1;
            if run > best_len {
                best_len = run;
                best_at = run_at;
            }
        } else {
            run = 0;
        }
        if !b.is_ascii_whitespace() {
            counted += 1;
            if !b.is_ascii_alphanumeric() {
                symbols += 1;
            }
        }
    }
    let share = if counted == 0 {
        0.0
    } else {
        symbols as f64 / counted as f64
    };
    (best_at, best_len, share)
}

/// A base64 run this long in a script is an encoded payload.
pub const BLOB_MIN: usize = 1000;
/// A script whose bytes are more than this share of symbols is written to be unreadable.
pub const SYMBOL_SHARE: f64 = 0.5;

fn contains_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Detects a web shell in `data`, the content (or the part read) of the file named `name`.
/// `None`: nothing that holds up alone. Never panics, on any input.
pub fn detect(name: &[u8], data: &[u8]) -> Option<Detection> {
    let kind = kind_of(name)?;
    if kind == WebFile::Config {
        return detect_config(name, data);
    }
    let mut signals = Vec::new();
    let mut notes = Vec::new();
    let code = match kind {
        WebFile::Media | WebFile::Other => {
            let tag = contains_ci(data, b"<?php").or_else(|| {
                (kind == WebFile::Other)
                    .then(|| memchr::memmem::find(data, b"<?="))
                    .flatten()
            })?;
            let strength = if kind == WebFile::Media {
                Strength::Medium
            } else {
                Strength::Weak
            };
            signals.push(Signal {
                name: "php-in-data-file",
                strength,
                what: "PHP code in a file named as data: it runs when included (a local file inclusion) or when a handler maps the extension to PHP".to_owned(),
                line: line_of(data, tag),
                excerpt: excerpt(data, tag, tag + 5),
            });
            data.get(tag..).unwrap_or_default()
        }
        _ => data,
    };
    let offset = data.len() - code.len();
    for mut s in pattern_signals(code, kind) {
        if offset > 0 {
            s.line += line_of(data, offset) - 1;
        }
        push_signal(&mut signals, s);
    }
    let has = |signals: &[Signal], n: &str| signals.iter().any(|s| s.name == n);
    // Combinations (Behinder/Godzilla): the raw body decrypted and evaluated.
    if has(&signals, "openssl-decrypt") && has(&signals, "raw-body") && has(&signals, "eval-any") {
        signals.push(Signal {
            name: "encrypted-eval-channel",
            strength: Strength::Family,
            what: "the raw request body is decrypted with openssl_decrypt and evaluated (Behinder/Godzilla style)".to_owned(),
            line: 0,
            excerpt: Vec::new(),
        });
    }
    if has(&signals, "jsp-define-class") && has(&signals, "jsp-aes") {
        signals.push(Signal {
            name: "jsp-encrypted-classloader",
            strength: Strength::Family,
            what: "decrypts with AES and defines a class from the result (Behinder/Godzilla JSP)"
                .to_owned(),
            line: 0,
            excerpt: Vec::new(),
        });
    } else if has(&signals, "jsp-define-class") && has(&signals, "jsp-request-body") {
        signals.push(Signal {
            name: "jsp-request-classloader",
            strength: Strength::Strong,
            what: "defines a class from the request body".to_owned(),
            line: 0,
            excerpt: Vec::new(),
        });
    }
    // A script that is a Redis RDB dump: written through an exposed Redis (`CONFIG SET dir`
    // to the web root, `dbfilename x.php`, `SAVE`); the interpreter skips the binary framing
    // and runs the code between it.
    // (The magic is checked first: the search for code runs only in dumps.)
    let code_at = ferret_core::rdb::is_rdb(data)
        .then(|| contains_ci(data, b"<?").or_else(|| memchr::memmem::find(data, b"<%")))
        .flatten();
    if let Some(code_at) = code_at {
        signals.push(Signal {
            name: "redis-rdb-dump",
            strength: Strength::Family,
            what: "the file is a Redis RDB dump (REDIS00NN) holding script code: written by CONFIG SET dir/dbfilename + SAVE through an unauthenticated Redis (T1190)".to_owned(),
            line: line_of(data, code_at),
            excerpt: excerpt(data, code_at, code_at + 80),
        });
    }
    // Obfuscation measures, for scripts.
    let script = matches!(kind, WebFile::Php | WebFile::Jsp | WebFile::Asp) || offset > 0;
    if script && code.len() >= 64 {
        let (at, len, share) = obfuscation(code);
        let dynamic = has(&signals, "eval-any")
            || has(&signals, "eval-decoded")
            || has(&signals, "variable-function-request")
            || has(&signals, "preg-e");
        if len >= BLOB_MIN {
            let h = entropy(code.get(at..at + len).unwrap_or_default());
            notes.push(format!(
                "longest base64 run {len} bytes (entropy {h:.2} bits/byte) at line {}",
                line_of(data, offset + at)
            ));
            if dynamic && h >= 5.0 {
                signals.push(Signal {
                    name: "eval-encoded-blob",
                    strength: Strength::Strong,
                    what: format!("evaluates code beside a {len}-byte encoded blob"),
                    line: line_of(data, offset + at),
                    excerpt: code.get(at..at + 80.min(len)).unwrap_or_default().to_vec(),
                });
            }
        }
        if share > SYMBOL_SHARE && code.len() >= 200 {
            notes.push(format!("{:.0}% of the code is symbols", share * 100.0));
            if dynamic {
                signals.push(Signal {
                    name: "symbol-obfuscation",
                    strength: Strength::Strong,
                    what: "evaluates code in a file written mostly in symbols".to_owned(),
                    line: 0,
                    excerpt: Vec::new(),
                });
            }
        }
    }
    assess("scan.webshell", signals, notes, data)
}

/// Severity from the signals: the strongest one's, a strong one in a one-liner critical;
/// nothing when only supporting signals were seen.
fn assess(
    id: &'static str,
    mut signals: Vec<Signal>,
    mut notes: Vec<String>,
    data: &[u8],
) -> Option<Detection> {
    signals.sort_by_key(|s| std::cmp::Reverse(s.strength));
    let top = signals.first()?.strength;
    let mut severity = match top {
        Strength::Weak => return None,
        Strength::Medium => Severity::Medium,
        Strength::Strong => Severity::High,
        Strength::Family => Severity::Critical,
    };
    let lines = data
        .split(|b| *b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty());
    if top == Strength::Strong && id == "scan.webshell" && data.len() <= 2048 && lines.count() <= 5
    {
        severity = Severity::Critical;
        notes.insert(
            0,
            format!(
                "a {}-byte one-liner (China Chopper style: nothing but the shell)",
                data.len()
            ),
        );
    }
    Some(Detection {
        severity,
        id,
        signals,
        notes,
    })
}

/// `.htaccess`, `.user.ini`, `php.ini`: handler mappings that make data files run as PHP, and
/// files prepended to every script.
fn detect_config(name: &[u8], data: &[u8]) -> Option<Detection> {
    let htaccess = name.eq_ignore_ascii_case(b".htaccess");
    let mut signals = Vec::new();
    let mut selector: Option<Vec<u8>> = None;
    for (i, raw) in data.split(|b| *b == b'\n').enumerate() {
        let line_no = i as u64 + 1;
        let line = raw.trim_ascii();
        if line.first().is_some_and(|c| *c == b'#' || *c == b';') {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let words: Vec<&[u8]> = lower
            .split(|b| b.is_ascii_whitespace() || *b == b'=')
            .filter(|w| !w.is_empty())
            .collect();
        let sig = |name: &'static str, strength: Strength, what: String| Signal {
            name,
            strength,
            what,
            line: line_no,
            excerpt: raw.get(..200.min(raw.len())).unwrap_or_default().to_vec(),
        };
        let first = words.first().copied().unwrap_or_default();
        if htaccess && (first.starts_with(b"<files") || first.starts_with(b"<location")) {
            selector = Some(lower.clone());
            continue;
        }
        if htaccess && (first.starts_with(b"</files") || first.starts_with(b"</location")) {
            selector = None;
            continue;
        }
        let php_handler = |w: &[u8]| {
            memchr::memmem::find(w, b"php").is_some()
                || memchr::memmem::find(w, b"x-httpd").is_some()
        };
        if htaccess && (first == b"addtype" || first == b"addhandler") {
            if words.get(1).is_some_and(|h| php_handler(h)) {
                let odd: Vec<String> = words
                    .iter()
                    .skip(2)
                    .map(|e| e.trim_start_matches_dot())
                    .filter(|e| !e.is_empty() && !PHP_EXT.contains(e) && !e.starts_with(b"php"))
                    .map(|e| format!(".{}", String::from_utf8_lossy(e)))
                    .collect();
                if !odd.is_empty() {
                    signals.push(sig(
                        "handler-maps-data-to-php",
                        Strength::Strong,
                        format!("makes {} files run as PHP", odd.join(", ")),
                    ));
                }
            }
        } else if htaccess && first == b"sethandler" {
            if words.get(1).is_some_and(|h| php_handler(h)) {
                let sel_php = selector.as_deref().is_some_and(|s| {
                    memchr::memmem::find(s, b"php").is_some()
                        || memchr::memmem::find(s, b"phtml").is_some()
                });
                if !sel_php {
                    signals.push(sig(
                        "handler-maps-data-to-php",
                        if selector.is_some() {
                            Strength::Strong
                        } else {
                            Strength::Medium
                        },
                        match &selector {
                            Some(s) => {
                                format!("runs the files of {} as PHP", String::from_utf8_lossy(s))
                            }
                            None => "runs every file of the directory as PHP".to_owned(),
                        },
                    ));
                }
            }
        } else {
            let key_at =
                usize::from(htaccess && (first == b"php_value" || first == b"php_admin_value"));
            let key = words.get(key_at).copied().unwrap_or_default();
            if (key_at == 1 || !htaccess)
                && (key == b"auto_prepend_file" || key == b"auto_append_file")
            {
                let target = words.get(key_at + 1).copied().unwrap_or_default();
                let target = target.trim_ascii_matches_quotes();
                if target.is_empty() || target == b"none" || target.ends_with(b"wordfence-waf.php")
                {
                    continue;
                }
                let ext_data = kind_of(target.rsplit(|b| *b == b'/').next().unwrap_or_default())
                    .is_some_and(|k| matches!(k, WebFile::Media | WebFile::Other));
                let temp = [&b"/tmp/"[..], b"/var/tmp/", b"/dev/shm/"]
                    .iter()
                    .any(|d| target.starts_with(d));
                let strength = if target.starts_with(b"php://") || target.starts_with(b"data:") {
                    Strength::Family
                } else if ext_data || temp {
                    Strength::Strong
                } else {
                    Strength::Medium
                };
                signals.push(sig(
                    "auto-prepend",
                    strength,
                    format!(
                        "{} runs {} before every PHP script of the directory",
                        String::from_utf8_lossy(key),
                        String::from_utf8_lossy(target)
                    ),
                ));
            }
        }
    }
    assess("scan.webshell-config", signals, Vec::new(), data)
}

trait BytesExt {
    fn trim_start_matches_dot(&self) -> &[u8];
    fn trim_ascii_matches_quotes(&self) -> &[u8];
}

impl BytesExt for [u8] {
    fn trim_start_matches_dot(&self) -> &[u8] {
        let mut s = self;
        while let Some(rest) = s.strip_prefix(b".") {
            s = rest;
        }
        s
    }
    fn trim_ascii_matches_quotes(&self) -> &[u8] {
        let mut s = self;
        while let Some((f, rest)) = s.split_first() {
            if *f == b'"' || *f == b'\'' {
                s = rest;
            } else {
                break;
            }
        }
        while let Some((l, rest)) = s.split_last() {
            if *l == b'"' || *l == b'\'' || *l == b';' {
                s = rest;
            } else {
                break;
            }
        }
        s
    }
}

/// The usual web roots (a `*` component is one directory level, listed).
pub const USUAL_ROOTS: &[&str] = &[
    "/var/www",
    "/usr/share/nginx/html",
    "/srv/www",
    "/srv/http",
    "/www/wwwroot",
    "/home/*/public_html",
    "/home/wwwroot",
    "/data/wwwroot",
    "/opt/*/webapps",
    "/usr/local/tomcat/webapps",
    "/var/lib/tomcat*/webapps",
    "/usr/share/tomcat*/webapps",
];

/// The web-server configuration read for `root`/`DocumentRoot`: files, and directories whose
/// files are all read (one level).
pub const CONFIG_FILES: &[&str] = &[
    "/etc/nginx/nginx.conf",
    "/etc/httpd/conf/httpd.conf",
    "/etc/apache2/apache2.conf",
    "/usr/local/nginx/conf/nginx.conf",
    "/www/server/nginx/conf/nginx.conf",
    "/www/server/apache/conf/httpd.conf",
];
/// See [`CONFIG_FILES`].
pub const CONFIG_DIRS: &[&str] = &[
    "/etc/nginx/conf.d",
    "/etc/nginx/sites-enabled",
    "/etc/httpd/conf.d",
    "/etc/apache2/sites-enabled",
    "/usr/local/nginx/conf/vhost",
    "/www/server/panel/vhost/nginx",
    "/www/server/panel/vhost/apache",
];

/// Document roots named in an nginx (`root /path;`) or Apache (`DocumentRoot "/path"`)
/// configuration: absolute paths without variables, in order of appearance, unique.
pub fn roots_from_config(conf: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for line in conf.split(|b| *b == b'\n') {
        let line = line.trim_ascii();
        let line = line.split(|b| *b == b'#').next().unwrap_or_default();
        let mut words = line
            .split(|b| b.is_ascii_whitespace() || *b == b';')
            .filter(|w| !w.is_empty());
        let Some(key) = words.next() else { continue };
        if !(key == b"root" || key.eq_ignore_ascii_case(b"DocumentRoot")) {
            continue;
        }
        let Some(v) = words.next() else { continue };
        let mut v = v.trim_ascii_matches_quotes().to_vec();
        while v.len() > 1 && v.ends_with(b"/") {
            v.pop();
        }
        if v.first() != Some(&b'/') || v.contains(&b'$') || v.contains(&0) || v.len() > 4096 {
            continue;
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Roots too broad to walk as a web root (a configuration naming `/` or a system tree).
pub fn too_broad(root: &[u8]) -> bool {
    const BROAD: &[&[u8]] = &[
        b"/",
        b"/usr",
        b"/etc",
        b"/var",
        b"/home",
        b"/proc",
        b"/sys",
        b"/dev",
        b"/boot",
        b"/bin",
        b"/sbin",
        b"/lib",
        b"/usr/lib",
        b"/usr/bin",
        b"/opt",
        b"/srv",
        b"/root",
        b"/tmp",
    ];
    BROAD.contains(&root)
}

/// The web server accounts: files they own in a root owned by someone else were written by
/// the web server (an upload, or an exploit).
pub const WEB_USERS: &[&str] = &[
    "www-data", "www", "apache", "nginx", "http", "httpd", "lighttpd", "tomcat", "tomcat7",
    "tomcat8", "tomcat9", "tomcat10", "nobody",
];

/// What the web-root pass found.
#[derive(Default)]
pub(crate) struct WebScan {
    pub verdicts: Vec<Verdict>,
    pub errors: Vec<ErrorRecord>,
    /// The web roots walked (resolved, inside the root).
    pub roots: Vec<String>,
    /// Files read.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// The candidate web roots of a host: from its configuration, then the usual places; not yet
/// checked to exist.
fn candidate_roots(root: &HostRoot) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut confs: Vec<PathBuf> = CONFIG_FILES.iter().map(PathBuf::from).collect();
    for d in CONFIG_DIRS {
        if let Ok(ents) = root.read_dir(d) {
            confs.extend(
                ents.into_iter()
                    .filter(|e| matches!(e.kind, None | Some(FileKind::Regular)))
                    .take(4096)
                    .map(|e| Path::new(d).join(e.name)),
            );
        }
    }
    for c in confs {
        if let Ok(Some(buf)) = root.read_optional(&c) {
            out.extend(roots_from_config(&buf));
        }
    }
    for u in USUAL_ROOTS {
        let Some(star) = u.find('*') else {
            out.push(u.as_bytes().to_vec());
            continue;
        };
        // One `*` component: list its parent, keep the names with the component's prefix.
        let (dir, rest) = u.split_at(star);
        let (parent, prefix) = dir.rsplit_once('/').unwrap_or(("", dir));
        let tail = rest.get(1..).unwrap_or_default();
        let Ok(ents) = root.read_dir(if parent.is_empty() { "/" } else { parent }) else {
            continue;
        };
        for e in ents.iter().take(4096) {
            let name = e.name.as_bytes();
            if matches!(e.kind, Some(FileKind::Directory) | None)
                && name.starts_with(prefix.as_bytes())
            {
                let mut p = format!("{parent}/").into_bytes();
                p.extend_from_slice(name);
                p.extend_from_slice(tail.as_bytes());
                out.push(p);
            }
        }
    }
    out
}

/// The uids of [`WEB_USERS`] in the root's `/etc/passwd`.
fn web_uids(root: &HostRoot) -> Vec<(u32, String)> {
    let Ok(Some(passwd)) = root.read_optional("/etc/passwd") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for fields in crate::places::passwd_lines(&passwd) {
        let (Some(name), Some(uid)) = (fields.first(), fields.get(2)) else {
            continue;
        };
        if let Some(user) = WEB_USERS.iter().find(|u| u.as_bytes() == *name) {
            if let Some(uid) = std::str::from_utf8(uid).ok().and_then(|u| u.parse().ok()) {
                out.push((uid, (*user).to_owned()));
            }
        }
    }
    out
}

/// Reads what [`read_plan`] says of an open file: the head, and the tail after a `\n` marker
/// line when the file is cut.
fn read_planned(file: &std::fs::File, size: u64, head: u64, tail: u64) -> std::io::Result<Vec<u8>> {
    let mut data = crate::scan::read_at(file, 0, head as usize)?;
    if tail > 0 && size > head {
        let from = size.saturating_sub(tail).max(head);
        data.push(b'\n');
        data.extend(crate::scan::read_at(file, from, (size - from) as usize)?);
    }
    Ok(data)
}

/// Days as seconds.
const DAY: i64 = 86_400;
/// "Recently modified": within these many days of the scan.
pub const RECENT_DAYS: i64 = 30;

struct Env<'a> {
    root: &'a HostRoot,
    control: &'a Control,
    stop: &'a CancelToken,
    cap: u64,
    web_uids: Vec<(u32, String)>,
    now: i64,
    files: AtomicU64,
    bytes: AtomicU64,
    verdicts: Mutex<Vec<Verdict>>,
    errors: Mutex<Vec<ErrorRecord>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl Env<'_> {
    fn visit(&self, ev: WalkEvent<'_>, web_root: &[u8], root_uid: Option<u32>) -> Visit {
        if self.stop.is_cancelled() || self.control.is_cancelled() {
            self.stop.cancel();
            return Visit::Skip;
        }
        let e = match ev {
            WalkEvent::Error(e) => {
                if !matches!(e, ferret_core::Error::Cancelled) && !e.is_not_found() {
                    lock(&self.errors).push(ErrorRecord::from(&e));
                }
                return Visit::Continue;
            }
            WalkEvent::Entry(e) => e,
        };
        if e.kind != FileKind::Regular {
            return Visit::Continue;
        }
        let name = e.name().as_bytes();
        let Some(kind) = kind_of(name) else {
            return Visit::Continue;
        };
        let path = e.path.as_os_str().as_bytes();
        let err = |x: ferret_core::Error| {
            if !x.is_not_found() {
                lock(&self.errors).push(ErrorRecord::from(&x));
            }
        };
        let size = match e.stat() {
            Ok(st) => st.size,
            Err(x) => {
                err(x);
                return Visit::Continue;
            }
        };
        let Some((head, tail)) = read_plan(kind, size, self.cap) else {
            return Visit::Continue;
        };
        let sf = match e.open(&OpenOptions::new()) {
            Ok(sf) => sf,
            Err(x) => {
                err(x);
                return Visit::Continue;
            }
        };
        let stat = *sf.stat();
        let data = match read_planned(sf.file(), stat.size, head.min(stat.size), tail) {
            Ok(d) => d,
            Err(x) => {
                lock(&self.errors).push(ErrorRecord::from_error(Some(path), &x));
                return Visit::Continue;
            }
        };
        self.control.charge(data.len() as u64);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        if let Err(x) = sf.check_unchanged() {
            lock(&self.errors).push(ErrorRecord::from(&x));
        }
        let Some(d) = detect(name, &data) else {
            return Visit::Continue;
        };
        let mut context = Vec::new();
        let age = self.now - stat.mtime.sec;
        if (0..RECENT_DAYS * DAY).contains(&age) {
            context.push(format!("modified {} day(s) before the scan", age / DAY));
        }
        if let Some((_, user)) = self.web_uids.iter().find(|(u, _)| *u == stat.uid) {
            if root_uid.is_some_and(|r| r != stat.uid) {
                context.push(format!(
                    "owned by the web server user {user} in a web root owned by uid {}: written by the web server",
                    root_uid.unwrap_or_default()
                ));
            }
        }
        if let Some(parent) = e.parent() {
            if let Some((n, newest)) = neighbours(parent, e.name()) {
                if n >= 2 && stat.mtime.sec > newest + DAY {
                    context.push(format!(
                        "newer than its {n} neighbours by {} day(s)",
                        (stat.mtime.sec - newest) / DAY
                    ));
                }
            }
        }
        let mut severity = d.severity;
        if !context.is_empty() && severity >= Severity::Medium {
            severity = match severity {
                Severity::Medium => Severity::High,
                _ => Severity::Critical,
            };
        }
        let what: Vec<String> = d
            .signals
            .iter()
            .map(|s| {
                if s.line > 0 {
                    format!("{} ({}, line {})", s.name, s.what, s.line)
                } else {
                    format!("{} ({})", s.name, s.what)
                }
            })
            .collect();
        let mut text = format!(
            "{} in the web root {}: {}",
            if d.id == "scan.webshell" {
                "web shell"
            } else {
                "server configuration that runs attacker code"
            },
            ferret_core::escape::escape(web_root),
            what.join("; ")
        );
        for n in &d.notes {
            text.push_str("; ");
            text.push_str(n);
        }
        if !context.is_empty() {
            text.push_str("; stronger evidence: ");
            text.push_str(&context.join(", "));
        }
        let mut r = Reason::new(d.id, severity, text);
        r.evidence = d
            .signals
            .iter()
            .filter(|s| s.line > 0)
            .take(5)
            .map(|s| Evidence::line(path, s.line).with_excerpt(&s.excerpt))
            .collect();
        lock(&self.verdicts).push(Verdict {
            path: path.to_vec(),
            facts: crate::findings::file_facts(&stat),
            reasons: vec![r],
        });
        Visit::Continue
    }
}

/// The count of regular files beside `own` in `dir` and the newest modification time among
/// them (the first 256 entries).
fn neighbours(dir: &DirHandle, own: &std::ffi::OsStr) -> Option<(usize, i64)> {
    let ents = dir.entries().ok()?;
    let mut n = 0;
    let mut newest = i64::MIN;
    for e in ents.iter().filter(|e| e.name != own).take(256) {
        if let Ok(st) = dir.stat_at(&e.name) {
            if st.kind == FileKind::Regular {
                n += 1;
                newest = newest.max(st.mtime.sec);
            }
        }
    }
    (n > 0).then_some((n, newest))
}

/// Walks the web roots of `root` (see the crate docs) and detects web shells in them.
pub(crate) fn scan_web_roots(
    root: &HostRoot,
    opts: &ScanOptions,
    control: &Control,
    stop: &CancelToken,
    excluded: &(dyn Fn(&[u8]) -> bool + Sync),
) -> WebScan {
    let mut out = WebScan::default();
    let mut starts: Vec<(PathBuf, Option<u32>)> = Vec::new();
    let mut cands = candidate_roots(root);
    cands.sort();
    cands.dedup();
    for c in cands {
        if too_broad(&c) || excluded(&c) {
            continue;
        }
        let Ok(h) = root.open_dir(std::ffi::OsStr::from_bytes(&c)) else {
            continue;
        };
        let resolved = h.path().to_path_buf();
        let rb = resolved.as_os_str().as_bytes();
        if too_broad(rb) || excluded(rb) {
            continue;
        }
        starts.push((resolved, h.stat().ok().map(|s| s.uid)));
    }
    // Nested roots are walked with their enclosing one.
    starts.sort();
    let mut kept: Vec<(PathBuf, Option<u32>)> = Vec::new();
    for s in starts {
        let under = kept.iter().any(|(k, _)| {
            crate::places::under(s.0.as_os_str().as_bytes(), k.as_os_str().as_bytes())
        });
        if !under {
            kept.push(s);
        }
    }
    let env = Env {
        root,
        control,
        stop,
        cap: opts.max_webshell_bytes,
        web_uids: web_uids(root),
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
        files: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
        verdicts: Mutex::new(Vec::new()),
        errors: Mutex::new(Vec::new()),
    };
    let mut wopts = WalkOptions::default();
    wopts.cancel = stop.clone();
    for (start, uid) in &kept {
        if stop.is_cancelled() {
            break;
        }
        let sb = start.as_os_str().as_bytes();
        out.roots.push(ferret_core::escape::escape(sb));
        let r = walk_parallel(env.root, start, &wopts, |ev| {
            if let WalkEvent::Entry(e) = &ev {
                if excluded(e.path.as_os_str().as_bytes()) {
                    return Visit::Skip;
                }
            }
            env.visit(ev, sb, *uid)
        });
        if let Err(e) = r {
            if !matches!(e, ferret_core::Error::Cancelled) {
                lock(&env.errors).push(ErrorRecord::from(&e));
            }
        }
    }
    out.files = env.files.load(Ordering::Relaxed);
    out.bytes = env.bytes.load(Ordering::Relaxed);
    out.verdicts = std::mem::take(&mut *lock(&env.verdicts));
    out.errors = std::mem::take(&mut *lock(&env.errors));
    out
}
