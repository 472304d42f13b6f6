//! Masking the secrets a command line may carry before it is shown in a report.

/// What replaces a secret.
const MASK: &[u8] = b"***";

/// Programs whose `-pSECRET` (glued) is a password.
const GLUED_P: &[&[u8]] = &[
    b"mysql",
    b"mariadb",
    b"mysqldump",
    b"mysqladmin",
    b"mariadb-dump",
];

/// Programs whose `-p SECRET` (separate) is a password or a password hash.
const SEPARATE_P: &[&[u8]] = &[b"sshpass", b"useradd", b"usermod"];

/// A copy of a command text with the secrets it may carry replaced by `***`, for excerpts in
/// reports (a finding never carries a password or a key): crypt(3) hashes (`$6$salt$hash`,
/// `$y$...`), PEM private keys, password options (`--password=X`, `--password X`, mysql's
/// `-pX`, sshpass's and useradd's `-p X`), variables named like secrets (`MYSQL_PWD=X`,
/// `PGPASSWORD=X`, `API_TOKEN=X`), and what `echo`/`printf` pipe into `chpasswd` or `passwd
/// --stdin` (the user name before `:` is kept).
///
/// ```
/// use ferret_core::command::mask_secrets;
/// assert_eq!(mask_secrets(b"echo 'root:Passw0rd' | chpasswd"), b"echo 'root:***' | chpasswd");
/// assert_eq!(mask_secrets(b"mysql -uroot -pS3cret db"), b"mysql -uroot -p*** db");
/// assert_eq!(mask_secrets(b"usermod -p '$6$salt$hash' bob"), b"usermod -p '***' bob");
/// assert_eq!(mask_secrets(b"ls -la /tmp"), b"ls -la /tmp");
/// ```
pub fn mask_secrets(cmd: &[u8]) -> Vec<u8> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    crypt_hashes(cmd, &mut ranges);
    private_keys(cmd, &mut ranges);
    words(cmd, &mut ranges);
    ranges.sort_unstable();
    let mut out = Vec::with_capacity(cmd.len());
    let mut at = 0;
    for (a, b) in ranges {
        let a = a.max(at);
        if b <= a {
            continue;
        }
        out.extend_from_slice(cmd.get(at..a).unwrap_or_default());
        out.extend_from_slice(MASK);
        at = b;
    }
    out.extend_from_slice(cmd.get(at..).unwrap_or_default());
    out
}

fn ends_token(c: u8) -> bool {
    c.is_ascii_whitespace() || matches!(c, b'\'' | b'"' | b':' | b';' | b'|' | b'&' | b')' | b',')
}

/// `$ID$` of a crypt(3) hash: the hash after it, to the end of the token.
fn crypt_hashes(s: &[u8], out: &mut Vec<(usize, usize)>) {
    const IDS: &[&[u8]] = &[
        b"$1$", b"$2a$", b"$2b$", b"$2y$", b"$5$", b"$6$", b"$y$", b"$gy$", b"$7$", b"$md5$",
        b"$sha1$",
    ];
    let mut i = 0;
    while let Some(p) = s.get(i..).and_then(|r| memchr::memchr(b'$', r)) {
        let at = i + p;
        let rest = s.get(at..).unwrap_or_default();
        match IDS.iter().find(|id| rest.starts_with(id)) {
            Some(id) => {
                let start = at;
                let mut end = at + id.len();
                while s.get(end).is_some_and(|c| !ends_token(*c)) {
                    end += 1;
                }
                // `$6$` alone (a shell variable `$6`) is not a hash.
                if end > at + id.len() {
                    out.push((start, end));
                }
                i = end.max(at + 1);
            }
            None => i = at + 1,
        }
    }
}

/// The body of a PEM private key (`-----BEGIN ... PRIVATE KEY-----` to `-----END`).
fn private_keys(s: &[u8], out: &mut Vec<(usize, usize)>) {
    let mut i = 0;
    while let Some(p) = s
        .get(i..)
        .and_then(|r| memchr::memmem::find(r, b"-----BEGIN "))
    {
        let head = i + p + b"-----BEGIN ".len();
        let Some(close) = s
            .get(head..)
            .and_then(|r| memchr::memmem::find(r, b"-----"))
        else {
            break;
        };
        let label = s.get(head..head + close).unwrap_or_default();
        let start = head + close + 5;
        i = start;
        if memchr::memmem::find(label, b"PRIVATE KEY").is_none() {
            continue;
        }
        let end = s
            .get(start..)
            .and_then(|r| memchr::memmem::find(r, b"-----END"))
            .map_or(s.len(), |e| start + e);
        out.push((start, end));
        i = end;
    }
}

/// A word: its bytes (quotes kept) and where it is.
struct Word<'a> {
    text: &'a [u8],
    at: usize,
}

impl Word<'_> {
    /// The word without surrounding quotes.
    fn bare(&self) -> &[u8] {
        let t = self.text;
        let t = t
            .strip_prefix(b"'")
            .or_else(|| t.strip_prefix(b"\""))
            .unwrap_or(t);
        t.strip_suffix(b"'")
            .or_else(|| t.strip_suffix(b"\""))
            .unwrap_or(t)
    }
    /// The range of the word's value after `skip` bytes, inside any quotes.
    fn value_from(&self, skip: usize) -> (usize, usize) {
        let t = self.text;
        let (mut a, mut b) = (skip, t.len());
        if matches!(t.get(a), Some(b'\'' | b'"')) {
            a += 1;
        }
        if b > a && matches!(t.last(), Some(b'\'' | b'"')) {
            b -= 1;
        }
        (self.at + a, self.at + b.max(a))
    }
}

/// Splits on blanks outside quotes; `|` between words starts a new segment.
fn segments(s: &[u8]) -> Vec<Vec<Word<'_>>> {
    let mut segs = vec![Vec::new()];
    let mut i = 0;
    while i < s.len() {
        let c = s.get(i).copied().unwrap_or(b' ');
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if matches!(c, b'|' | b';' | b'&') {
            segs.push(Vec::new());
            i += 1;
            continue;
        }
        let start = i;
        let mut quote = None;
        while let Some(&c) = s.get(i) {
            match quote {
                Some(q) if c == q => quote = None,
                None if c == b'\'' || c == b'"' => quote = Some(c),
                None if c.is_ascii_whitespace() || matches!(c, b'|' | b';' | b'&') => break,
                _ => {}
            }
            i += 1;
        }
        if let Some(seg) = segs.last_mut() {
            seg.push(Word {
                text: s.get(start..i).unwrap_or_default(),
                at: start,
            });
        }
    }
    segs
}

/// The program of a segment: the first word that is not an assignment, past wrappers
/// (`sudo`, `env`, `nohup`, ... and their options) and `sh -c`.
fn program_at(seg: &[Word<'_>]) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = seg.get(i) {
        let b = w.bare();
        let assign = b.iter().position(|c| *c == b'=').is_some_and(|e| {
            e > 0
                && b.get(..e)
                    .is_some_and(|n| n.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_'))
        });
        let p = basename(b);
        let wrapper = matches!(
            p,
            b"sudo" | b"doas" | b"env" | b"nohup" | b"exec" | b"command" | b"time"
        );
        if assign || b.starts_with(b"-") || wrapper {
            i += 1;
        } else if matches!(p, b"sh" | b"bash" | b"dash" | b"zsh" | b"ksh" | b"ash")
            && seg.get(i + 1).is_some_and(|n| n.bare() == b"-c")
        {
            i += 2;
        } else {
            return Some(i);
        }
    }
    None
}

fn basename(w: &[u8]) -> &[u8] {
    w.rsplit(|c| *c == b'/').next().unwrap_or(w)
}

fn secret_name(name: &[u8]) -> bool {
    let n = name.to_ascii_uppercase();
    [
        &b"PASS"[..],
        b"PWD",
        b"SECRET",
        b"TOKEN",
        b"APIKEY",
        b"API_KEY",
    ]
    .iter()
    .any(|k| memchr::memmem::find(&n, k).is_some())
}

fn words(s: &[u8], out: &mut Vec<(usize, usize)>) {
    let segs = segments(s);
    for (n, seg) in segs.iter().enumerate() {
        let prog_at = program_at(seg);
        let prog = prog_at
            .and_then(|i| seg.get(i))
            .map(|w| basename(w.bare()))
            .unwrap_or_default();
        let mut skip_next = false;
        for (i, w) in seg.iter().enumerate() {
            let b = w.bare();
            if skip_next {
                out.push(w.value_from(0));
                skip_next = false;
                continue;
            }
            // Variables named like secrets, before the program or after `export`/`env`.
            if let Some(e) = b.iter().position(|c| *c == b'=') {
                let name = b.get(..e).unwrap_or_default();
                let name = name.strip_prefix(b"--").unwrap_or(name);
                if !name.is_empty() && secret_name(name) && b.len() > e + 1 {
                    let quoted =
                        usize::from(w.text.first().is_some_and(|c| *c == b'\'' || *c == b'"'));
                    out.push(w.value_from(e + 1 + quoted));
                    continue;
                }
            }
            if Some(i) <= prog_at {
                continue;
            }
            if b == b"--password" || b == b"--passwd" {
                skip_next = true;
            } else if GLUED_P.contains(&prog) && b.starts_with(b"-p") && b.len() > 2 {
                out.push(w.value_from(2));
            } else if SEPARATE_P.contains(&prog) && b == b"-p" {
                skip_next = true;
            } else if SEPARATE_P.contains(&prog) && b.starts_with(b"-p") && b.len() > 2 {
                out.push(w.value_from(2));
            }
        }
        // `echo 'user:secret' | chpasswd`, `echo secret | passwd --stdin user`.
        let next = segs.get(n + 1);
        let feeds_password = next.is_some_and(|nx| {
            let first = nx.first().map(|w| basename(w.bare())).unwrap_or_default();
            // The program after `sudo`/`doas` and their options.
            let p = nx
                .iter()
                .map(|w| basename(w.bare()))
                .find(|b| !matches!(*b, b"sudo" | b"doas") && !b.starts_with(b"-"))
                .unwrap_or_default();
            p == b"chpasswd"
                || (p == b"passwd" && nx.iter().any(|w| w.bare() == b"--stdin"))
                || (first == b"sudo" && nx.iter().any(|w| w.bare() == b"-S"))
        });
        if feeds_password && matches!(prog, b"echo" | b"printf") {
            for w in seg.iter().skip(prog_at.map_or(0, |p| p + 1)) {
                let b = w.bare();
                if b.starts_with(b"-") {
                    continue;
                }
                let skip = match b.iter().position(|c| *c == b':') {
                    Some(c) => c + 1 + usize::from(w.text.len() != b.len()),
                    None => 0,
                };
                out.push(w.value_from(skip));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mask_secrets;

    fn m(s: &str) -> String {
        String::from_utf8(mask_secrets(s.as_bytes())).unwrap()
    }

    #[test]
    fn secrets_are_masked() {
        for (input, want) in [
            ("echo 'root:Passw0rd' | chpasswd", "echo 'root:***' | chpasswd"),
            ("echo \"bob:x y\" | sudo chpasswd", "echo \"bob:***\" | sudo chpasswd"),
            ("echo Passw0rd | passwd --stdin root", "echo *** | passwd --stdin root"),
            ("echo hunter2 | sudo -S id", "echo *** | sudo -S id"),
            ("mysql -uroot -pS3cret db", "mysql -uroot -p*** db"),
            ("mysqldump -p'a b' db", "mysqldump -p'***' db"),
            ("sshpass -p secret ssh root@h", "sshpass -p *** ssh root@h"),
            ("useradd -o -u 0 -p '$1$x$y' toor", "useradd -o -u 0 -p '***' toor"),
            ("echo 'toor:$6$salt$hash:0:0::/root:/bin/bash' >> /etc/passwd", "echo 'toor:***:0:0::/root:/bin/bash' >> /etc/passwd"),
            ("MYSQL_PWD=s3 mysql -u root", "MYSQL_PWD=*** mysql -u root"),
            ("export AWS_SECRET_ACCESS_KEY='abc'", "export AWS_SECRET_ACCESS_KEY='***'"),
            ("curl --password=pw http://x", "curl --password=*** http://x"),
            ("app --password pw", "app --password ***"),
            ("echo '-----BEGIN OPENSSH PRIVATE KEY-----abc-----END OPENSSH PRIVATE KEY-----' > k", "echo '-----BEGIN OPENSSH PRIVATE KEY-----***-----END OPENSSH PRIVATE KEY-----' > k"),
        ] {
            assert_eq!(m(input), want, "{input}");
        }
    }

    #[test]
    fn ordinary_commands_are_unchanged() {
        for s in [
            "mkdir -p /tmp/x",
            "ls -la",
            "echo $6 $1",
            "curl -fsSL http://x/a.sh | sh",
            "grep -p x file",
            "ps -p 1",
            "echo hello | chpasswd_wrapper",
            "",
        ] {
            assert_eq!(m(s), s);
        }
    }

    #[test]
    fn any_bytes() {
        for s in [
            &b"$6$"[..],
            b"'",
            b"\"",
            b"$1$\xff",
            b"-----BEGIN RSA PRIVATE KEY-----",
            b"a=|b",
        ] {
            let _ = mask_secrets(s);
        }
    }
}
