//! `/etc/login.defs`: `KEY VALUE` lines; the account ranges and password policy the audit uses.

/// One `KEY VALUE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting<'a> {
    /// 1-based line number.
    pub line: u64,
    /// The key (`UID_MIN`).
    pub key: &'a [u8],
    /// The value, trimmed; may be empty; surrounding double quotes are kept as written.
    pub value: &'a [u8],
}

fn trim(b: &[u8]) -> &[u8] {
    let is_ws = |c: &u8| c.is_ascii_whitespace();
    let start = b.iter().position(|c| !is_ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_ws(c)).map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or_default()
}

/// Iterates over the settings of a login.defs file (comments and blank lines skipped).
///
/// ```
/// let s: Vec<_> = ferret_accounts::login_defs::parse(b"# c\nUID_MIN  1000\n").collect();
/// assert_eq!((s[0].line, s[0].key, s[0].value), (2, &b"UID_MIN"[..], &b"1000"[..]));
/// ```
pub fn parse(buf: &[u8]) -> impl Iterator<Item = Setting<'_>> + '_ {
    buf.split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, raw)| {
            let t = trim(raw);
            if t.is_empty() || t.first() == Some(&b'#') {
                return None;
            }
            let split = t
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(t.len());
            let (key, value) = t.split_at(split);
            Some(Setting {
                line: i as u64 + 1,
                key,
                value: trim(value),
            })
        })
}

/// The policy values the audit needs, with shadow-utils' defaults for missing keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct LoginDefs {
    /// First uid of regular users (default 1000).
    pub uid_min: u32,
    /// Last uid of regular users (default 60000).
    pub uid_max: u32,
    /// Last uid of system accounts (default `uid_min - 1`).
    pub sys_uid_max: u32,
    /// First gid of regular groups (default 1000).
    pub gid_min: u32,
    /// `ENCRYPT_METHOD` (`SHA512`, `YESCRYPT`, `MD5`, `DES`), as written, with its line.
    pub encrypt_method: Option<(String, u64)>,
    /// `PASS_MAX_DAYS` with its line (99999 or absent: passwords never expire).
    pub pass_max_days: Option<(i64, u64)>,
    /// `SHA_CRYPT_MIN_ROUNDS`.
    pub sha_crypt_min_rounds: Option<u32>,
}

impl Default for LoginDefs {
    fn default() -> Self {
        LoginDefs {
            uid_min: 1000,
            uid_max: 60000,
            sys_uid_max: 999,
            gid_min: 1000,
            encrypt_method: None,
            pass_max_days: None,
            sha_crypt_min_rounds: None,
        }
    }
}

impl LoginDefs {
    /// Reads the policy from a login.defs file; unknown keys are ignored, unparsable numbers
    /// keep the default.
    pub fn from_bytes(buf: &[u8]) -> Self {
        let mut d = LoginDefs::default();
        let mut sys_uid_max = None;
        for s in parse(buf) {
            let v = std::str::from_utf8(s.value).unwrap_or("").trim_matches('"');
            match s.key {
                b"UID_MIN" => d.uid_min = v.parse().unwrap_or(d.uid_min),
                b"UID_MAX" => d.uid_max = v.parse().unwrap_or(d.uid_max),
                b"SYS_UID_MAX" => sys_uid_max = v.parse().ok(),
                b"GID_MIN" => d.gid_min = v.parse().unwrap_or(d.gid_min),
                b"ENCRYPT_METHOD" => d.encrypt_method = Some((v.to_owned(), s.line)),
                b"PASS_MAX_DAYS" => d.pass_max_days = v.parse().ok().map(|n| (n, s.line)),
                b"SHA_CRYPT_MIN_ROUNDS" => d.sha_crypt_min_rounds = v.parse().ok(),
                _ => {}
            }
        }
        d.sys_uid_max = sys_uid_max.unwrap_or(d.uid_min.saturating_sub(1));
        d
    }

    /// Whether `uid` is a system account (below `UID_MIN`, and not root).
    pub fn is_system_uid(&self, uid: u32) -> bool {
        uid != 0 && uid < self.uid_min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_defaults() {
        let d = LoginDefs::from_bytes(
            b"MAIL_DIR /var/mail\nPASS_MAX_DAYS\t99999\nUID_MIN\t\t\t 1000\nUID_MAX 60000\n#SYS_UID_MAX 999\nENCRYPT_METHOD SHA512\n",
        );
        assert_eq!(d.uid_min, 1000);
        assert_eq!(d.sys_uid_max, 999);
        assert_eq!(d.pass_max_days, Some((99999, 2)));
        assert_eq!(d.encrypt_method, Some(("SHA512".into(), 6)));
        assert!(d.is_system_uid(33));
        assert!(!d.is_system_uid(0));
    }
}
