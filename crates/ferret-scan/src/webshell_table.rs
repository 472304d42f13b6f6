//! The web-shell patterns: one row per detection, with the public report or source it comes
//! from. The patterns are ours (written for this table from the behaviour the sources
//! describe; no rule text of another licence is copied). Each row's `example` is a defanged
//! line the row must match; the unit tests and the fuzz seeds use them.
//!
//! Every pattern is run only on windows of a file around an anchor ([`ANCHORS`]): each
//! pattern must contain one of them (a unit test checks every example has one). The windows
//! bound the patterns' reach, so a statement is written `[^;\n]*` (the same statement, on
//! one line) rather than with a counted repetition, which would multiply the automaton's
//! states. Patterns are compiled without Unicode (`(?-u)`: `\w` is ASCII, `[^;]` any byte).

/// The languages a pattern applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// PHP (`.php*`, `.phtml`, `.inc`, and PHP code found in other files).
    Php,
    /// Java Server Pages (`.jsp`, `.jspx`, `.jspf`).
    Jsp,
    /// ASP and ASP.NET (`.asp`, `.aspx`, `.ashx`, `.asmx`, `.asa`).
    Asp,
    /// CGI scripts (Perl, shell).
    Cgi,
    /// Every script language.
    Any,
}

/// How much a match says on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Strength {
    /// A supporting signal: reported only beside a stronger one (or in combinations).
    Weak,
    /// Suspicious on its own (medium).
    Medium,
    /// Code execution driven by the request, or its obfuscated form (high).
    Strong,
    /// A known family's marker (critical).
    Family,
}

/// One detection.
pub(crate) struct Pattern {
    /// Short name, shown in the finding (`eval-request`).
    pub name: &'static str,
    pub lang: Lang,
    pub strength: Strength,
    /// `regex` crate syntax, on bytes.
    pub regex: &'static str,
    /// What it means, for the finding's detail.
    pub what: &'static str,
    /// A defanged line it must match (read by the unit tests; the fuzz seeds were made from
    /// them).
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the unit tests"))]
    pub example: &'static str,
    /// A check on the match the regex cannot express (`preg_replace`'s `/e` modifier).
    pub verify: Option<fn(&[u8]) -> bool>,
}

/// Request input in PHP: the superglobals, the raw body, the headers.
macro_rules! php_req {
    () => {
        r#"(?:\$_(?:POST|GET|REQUEST|COOKIE|FILES)\b|\$_SERVER\s*\[\s*['"]HTTP_|php://input|getallheaders\s*\(|\$HTTP_RAW_POST_DATA|\$HTTP_(?:POST|GET)_VARS)"#
    };
}

/// PHP functions that run a command, and what may precede such a call (not a method `->`,
/// a static `::`, a variable `$`, or part of a longer name).
macro_rules! php_exec {
    () => {
        r"(?:^|[^>:$\w])(?:system|passthru|shell_exec|exec|popen|proc_open|pcntl_exec)\s*\("
    };
}

/// Decoders seen in chains that feed `eval`.
macro_rules! php_decoder {
    () => {
        r"(?:base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|strrev|convert_uudecode|hex2bin|rawurldecode|urldecode)"
    };
}

/// Literals the pattern windows are cut around (ASCII, matched case-insensitively).
pub(crate) const ANCHORS: &[&str] = &[
    "eval",
    "assert",
    "system",
    "passthru",
    "shell_exec",
    "exec",
    "popen",
    "proc_open",
    "create_function",
    "preg_replace",
    "call_user_func",
    "array_map",
    "array_filter",
    "array_walk",
    "usort",
    "uasort",
    "uksort",
    "register_shutdown_function",
    "$_post",
    "$_get",
    "$_request",
    "$_cookie",
    "${",
    "yxnzzxj0",
    "zxzhba",
    "c3lzdgvt",
    "cgfzc3rocnu",
    "c2hlbgxfzxhlyw",
    "y3jlyxrlx2z1bmn0aw9u",
    "str_rot13",
    "strrev",
    "\\x",
    "e45e329feb5d925b",
    "3c6e0b8a9c15224a",
    "&15]",
    "& 15]",
    "openssl_decrypt",
    "php://input",
    "getruntime",
    "processbuilder",
    "defineclass",
    "cipher.getinstance",
    "request",
    "param",
    "query_string",
    "rt'",
    "rt\"",
    "al'",
    "al\"",
    "'t'",
    "\"t\"",
    "'l'",
    "\"l\"",
];

/// The table. Sources, by row:
/// - FireEye, "Breaking Down the China Chopper Web Shell" (2013): `eval($_POST[..])`,
///   `<%eval request(..)%>`; CISA AA20-258A and the Alibaba Cloud (Aliyun) security centre's
///   web-shell notes for the same one-liners on BT-Panel hosts.
/// - Neo23x0 signature-base `gen_webshells.yar` (Arnim Rupp, DRL 1.1): the idea of request
///   input reaching eval/exec/callbacks in one statement, encoded function names, `$a($b)`.
/// - php-malware-finder (nbs-system / jvoisin), `php.yara`: decoder chains into eval,
///   `preg_replace` with `/e`, `create_function`, string-split and hex-escaped names.
/// - Linux Malware Detect (rfxn), its `hex`/`md5` signature families `php.cmdshell.*`,
///   `php.base64.*`: command execution from request input, base64 payloads.
/// - Behinder (rebeyond/Behinder on GitHub; analyses by Sangfor FarSight, Qi An Xin and
///   Palo Alto Unit 42 "Behinder web shell" 2021): default key `e45e329feb5d925b`
///   (md5("rebeyond")[:16]), AES via `openssl_decrypt`, the JSP `ClassLoader` subclass calling
///   `defineClass` on the decrypted body.
/// - Godzilla (BeichenDream/Godzilla; Unit 42 "Godzilla web shell" 2021, CISA AA21-336A):
///   default key `3c6e0b8a9c15224a` (md5("key")[:16]), the XOR loop `$K[$i+1&15]`.
/// - AntSword (AntSwordProject): the shells of its docs hide `assert` as `base64_decode
///   ("YXNzZXJ0")` and call `$x($_POST[..])`.
/// - OWASP / MITRE T1505.003 examples of JSP shells: `Runtime.getRuntime().exec
///   (request.getParameter(..))`.
pub(crate) const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "eval-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!(
            r"(?i)(?:^|[^>:$\w])(?:eval|assert)\s*\([^;\n]*?",
            php_req!()
        ),
        what: "evaluates request input as PHP code",
        example: "<?php @eval($_POST['z0']); ?>",
        verify: None,
    },
    Pattern {
        name: "exec-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!("(?i)", php_exec!(), r"[^;\n]*?", php_req!()),
        what: "runs a shell command taken from the request",
        example: "<?php echo shell_exec($_GET['c']); ?>",
        verify: None,
    },
    Pattern {
        name: "backtick-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: r"`\s*\{?\s*\$_(?:POST|GET|REQUEST|COOKIE)\s*\[[^\]`\n]{1,40}\]\s*\}?\s*`",
        what: "runs request input in backticks (a shell command)",
        example: "<?php echo `$_GET[c]`; ?>",
        verify: None,
    },
    Pattern {
        name: "create-function-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!(
            r"(?i)\bcreate_function\s*\([^;\n]*?",
            php_req!()
        ),
        what: "builds a function from request input (create_function)",
        example: "<?php $f = create_function('', $_POST['x']); $f(); ?>",
        verify: None,
    },
    Pattern {
        name: "preg-e-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!(
            r#"(?i)\bpreg_replace\s*\(\s*(?:'[^'\n]+'|"[^"\n]+")[^;\n]*?"#,
            php_req!()
        ),
        what: "preg_replace with the /e modifier on request input (evaluates the replacement)",
        example: r#"<?php preg_replace("/.*/e", $_POST['x'], ""); ?>"#,
        verify: Some(preg_e_modifier),
    },
    Pattern {
        name: "preg-e",
        lang: Lang::Php,
        strength: Strength::Medium,
        regex: r#"(?i)\bpreg_replace\s*\(\s*(?:'[^'\n]+'|"[^"\n]+")"#,
        what: "preg_replace with the /e modifier (evaluates the replacement; removed in PHP 7)",
        example: r"<?php preg_replace('/x/e', $code, 'x'); ?>",
        verify: Some(preg_e_modifier),
    },
    Pattern {
        name: "callback-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!(
            r"(?i)\b(?:call_user_func(?:_array)?|array_map|register_shutdown_function|register_tick_function|forward_static_call(?:_array)?)\s*\(\s*(?:@\s*)?",
            php_req!()
        ),
        what: "calls a function named by the request",
        example: "<?php call_user_func($_GET['f'], $_POST['x']); ?>",
        verify: None,
    },
    Pattern {
        name: "callback-request-2nd",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!(
            r"(?i)\b(?:array_filter|array_walk|usort|uasort|uksort|array_reduce)\s*\([^,;\n]+,\s*(?:@\s*)?",
            php_req!()
        ),
        what: "passes a function named by the request as a callback",
        example: "<?php $a = array($_POST['x']); usort($a, $_GET['f']); ?>",
        verify: None,
    },
    Pattern {
        name: "variable-function-request",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: r"\$_(?:POST|GET|REQUEST|COOKIE)\s*\[[^\]\n]{1,40}\]\s*\(",
        what: "calls request input as a function ($_GET['f'](...))",
        example: "<?php $_GET['f']($_POST['x']); ?>",
        verify: None,
    },
    Pattern {
        name: "superglobal-by-name",
        lang: Lang::Php,
        strength: Strength::Weak,
        regex: r#"\$\{\s*['"]_(?:POST|GET|REQUEST|COOKIE)['"]\s*\}"#,
        what: "reaches a superglobal by a string name (${'_POST'})",
        example: r#"<?php $c = ${"_POST"}['x']; ?>"#,
        verify: None,
    },
    Pattern {
        name: "eval-decoded",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: concat!(
            r"(?i)(?:^|[^>:$\w])(?:eval|assert)\s*\(\s*@?\s*(?:[a-z_0-9]+\s*\(\s*){0,4}",
            php_decoder!(),
            r"\s*\("
        ),
        what: "evaluates decoded data (a base64/gzip/rot13 chain into eval)",
        example: "<?php eval(gzinflate(base64_decode('ZGVmYW5nZWQ='))); ?>",
        verify: None,
    },
    Pattern {
        name: "encoded-function-name",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: r#"['"](?:YXNzZXJ0|ZXZhbA==?|c3lzdGVt|cGFzc3RocnU=?|c2hlbGxfZXhlYw==?|Y3JlYXRlX2Z1bmN0aW9u)['"]"#,
        what: "a dangerous function's name in base64 (assert, eval, system, ...)",
        example: r#"<?php $ant = base64_decode("YXNzZXJ0"); $ant($_POST['ant']); ?>"#,
        verify: None,
    },
    Pattern {
        name: "rot13-function-name",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: r#"(?i)\b(?:str_rot13\s*\(\s*['"](?:nffreg|riny|flfgrz|cnffgueh|furyy_rkrp|perngr_shapgvba|onfr64_qrpbqr)|strrev\s*\(\s*['"](?:tressa|lave|metsys|urhtssap|cexe_llehs|noitcnuf_etaerc|edoced_46esab))['"]"#,
        what: "a dangerous function's name hidden with str_rot13 or strrev",
        example: r"<?php $f = str_rot13('nffreg'); $f($_REQUEST['x']); ?>",
        verify: None,
    },
    Pattern {
        name: "hex-function-name",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: r#"(?i)"\\x(?:61\\x73\\x73\\x65\\x72\\x74|65\\x76\\x61\\x6c|73\\x79\\x73\\x74\\x65\\x6d|70\\x61\\x73\\x73\\x74\\x68\\x72\\x75|73\\x68\\x65\\x6c\\x6c\\x5f\\x65\\x78\\x65\\x63)""#,
        what: "a dangerous function's name written in hex escapes",
        example: r#"<?php $f = "\x61\x73\x73\x65\x72\x74"; $f($_POST['x']); ?>"#,
        verify: None,
    },
    Pattern {
        name: "split-function-name",
        lang: Lang::Php,
        strength: Strength::Strong,
        regex: r#"(?i)['"](?:a|as|ass|asse|asser)['"]\s*\.\s*['"](?:ssert|sert|ert|rt|t)['"]|['"](?:e|ev|eva)['"]\s*\.\s*['"](?:val|al|l)['"]"#,
        what: "a dangerous function's name split into concatenated pieces ('as'.'sert')",
        example: r"<?php $a = 'as'.'sert'; $a($_POST['x']); ?>",
        verify: Some(split_name_complete),
    },
    Pattern {
        name: "behinder-key",
        lang: Lang::Any,
        strength: Strength::Family,
        regex: r"e45e329feb5d925b",
        what: "Behinder's default AES key (md5 of 'rebeyond', first 16 hex digits)",
        example: r#"<?php $key="e45e329feb5d925b"; ?>"#,
        verify: None,
    },
    Pattern {
        name: "godzilla-key",
        lang: Lang::Any,
        strength: Strength::Family,
        regex: r"3c6e0b8a9c15224a",
        what: "Godzilla's default key (md5 of 'key', first 16 hex digits)",
        example: r"<?php $key='3c6e0b8a9c15224a'; ?>",
        verify: None,
    },
    Pattern {
        name: "godzilla-xor",
        lang: Lang::Php,
        strength: Strength::Family,
        regex: r"\$\w+\s*\[\s*\$\w+\s*\+\s*1\s*&\s*15\s*\]",
        what: "Godzilla's XOR loop over its 16-byte key ($K[$i+1&15])",
        example: "<?php for($i=0;$i<strlen($D);$i++){$c=$K[$i+1&15];$D[$i]=$D[$i]^$c;} ?>",
        verify: None,
    },
    Pattern {
        name: "openssl-decrypt",
        lang: Lang::Php,
        strength: Strength::Weak,
        regex: r"(?i)\bopenssl_decrypt\s*\(",
        what: "decrypts data with openssl_decrypt",
        example: r#"<?php $p = openssl_decrypt($d, "AES128", $key); ?>"#,
        verify: None,
    },
    Pattern {
        name: "raw-body",
        lang: Lang::Php,
        strength: Strength::Weak,
        regex: r"(?i)php://input",
        what: "reads the raw request body",
        example: r#"<?php $d = file_get_contents("php://input"); ?>"#,
        verify: None,
    },
    Pattern {
        name: "eval-any",
        lang: Lang::Php,
        strength: Strength::Weak,
        regex: r"(?i)(?:^|[^>:$\w])(?:eval|assert)\s*\(",
        what: "evaluates code",
        example: "<?php eval($p); ?>",
        verify: None,
    },
    Pattern {
        name: "jsp-exec-request",
        lang: Lang::Jsp,
        strength: Strength::Strong,
        regex: r"(?:\.exec|new\s+ProcessBuilder)\s*\([^;\n]*?request\.get(?:Parameter|Header|InputStream|Reader)\b",
        what: "runs a command taken from the request (Runtime.exec / ProcessBuilder)",
        example: r#"<% Runtime.getRuntime().exec(request.getParameter("cmd")); %>"#,
        verify: None,
    },
    Pattern {
        name: "jsp-define-class",
        lang: Lang::Jsp,
        strength: Strength::Medium,
        regex: r"\bdefineClass\s*\(",
        what: "defines a Java class from bytes at run time (ClassLoader.defineClass)",
        example: "<%! class U extends ClassLoader{ Class g(byte[] b){ return super.defineClass(b,0,b.length); } } %>",
        verify: None,
    },
    Pattern {
        name: "jsp-aes",
        lang: Lang::Jsp,
        strength: Strength::Weak,
        regex: r#"Cipher\.getInstance\s*\(\s*"AES"#,
        what: "decrypts with AES",
        example: r#"<% javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES"); %>"#,
        verify: None,
    },
    Pattern {
        name: "jsp-request-body",
        lang: Lang::Jsp,
        strength: Strength::Weak,
        regex: r"request\.get(?:Reader|InputStream)\s*\(",
        what: "reads the raw request body",
        example: "<% String l = request.getReader().readLine(); %>",
        verify: None,
    },
    Pattern {
        name: "asp-eval-request",
        lang: Lang::Asp,
        strength: Strength::Strong,
        regex: r"(?i)\b(?:eval|execute|executeglobal)\b\s*\(?\s*request\b",
        what: "evaluates request input (the ASP/ASP.NET China Chopper one-liner)",
        example: r#"<%eval request("pass")%>"#,
        verify: None,
    },
    Pattern {
        name: "cgi-exec-request",
        lang: Lang::Cgi,
        strength: Strength::Strong,
        regex: r#"(?i)\b(?:system|exec|qx|eval|open)\b\s*\(?[^;\n]*?(?:\bparam\s*\(|\$ENV\s*\{\s*['"]?QUERY_STRING|\$QUERY_STRING)"#,
        what: "runs request input in a CGI script",
        example: r"system(param('cmd'));",
        verify: None,
    },
];

/// `preg_replace`'s first argument is a pattern whose modifiers include `e`: the literal's
/// first character is the delimiter (or `(`/`{`/`[`/`<` closed by its pair), the modifiers
/// follow its last closing delimiter.
fn preg_e_modifier(m: &[u8]) -> bool {
    let Some(q) = m.iter().position(|c| *c == b'\'' || *c == b'"') else {
        return false;
    };
    let quote = m.get(q).copied().unwrap_or(b'"');
    let rest = m.get(q + 1..).unwrap_or_default();
    let Some(end) = rest.iter().position(|c| *c == quote) else {
        return false;
    };
    let lit = rest.get(..end).unwrap_or_default();
    let Some((&open, body)) = lit.split_first() else {
        return false;
    };
    let close = match open {
        b'(' => b')',
        b'{' => b'}',
        b'[' => b']',
        b'<' => b'>',
        c if c.is_ascii_alphanumeric() || c == b'\\' || c.is_ascii_whitespace() => return false,
        c => c,
    };
    let Some(last) = body.iter().rposition(|c| *c == close) else {
        return false;
    };
    let mods = body.get(last + 1..).unwrap_or_default();
    !mods.is_empty() && mods.iter().all(u8::is_ascii_alphabetic) && mods.contains(&b'e')
}

/// The concatenation spells a whole name (`'as'.'sert'`, not `'a'.'t'`).
fn split_name_complete(m: &[u8]) -> bool {
    let joined: Vec<u8> = m
        .iter()
        .filter(|c| c.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    joined == b"assert" || joined == b"eval"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_match_and_have_anchors() {
        for p in PATTERNS {
            let re = regex::bytes::Regex::new(&format!("(?-u){}", p.regex)).unwrap();
            let m = re
                .find(p.example.as_bytes())
                .unwrap_or_else(|| panic!("{}: example does not match", p.name));
            if let Some(v) = p.verify {
                assert!(v(m.as_bytes()), "{}: verify refuses its example", p.name);
            }
            let lower = p.example.to_ascii_lowercase();
            assert!(
                ANCHORS.iter().any(|a| lower.contains(a)),
                "{}: no anchor in the example",
                p.name
            );
        }
    }

    #[test]
    fn preg_modifiers() {
        assert!(preg_e_modifier(br#"preg_replace("/a/e""#));
        assert!(preg_e_modifier(br"preg_replace('#a#ie'"));
        assert!(preg_e_modifier(br"preg_replace('{a}e'"));
        assert!(!preg_e_modifier(br"preg_replace('/a/i'"));
        assert!(!preg_e_modifier(br"preg_replace('/e/'"));
        assert!(!preg_e_modifier(br"preg_replace('abc'"));
        assert!(split_name_complete(b"'as'.'sert'"));
        assert!(!split_name_complete(b"'a'.'t'"));
    }
}
