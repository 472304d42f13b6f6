//! Normalises keyword arguments to the values `sshd -T` prints.

use super::keywords::{Keyword, Parse};
use super::lex::Directive;
use super::pattern::match_pattern;
use ferret_core::escape::Quoted;

fn s(b: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(b).map_err(|_| "argument is not valid UTF-8".to_string())
}

fn first(d: &Directive) -> Result<&[u8], String> {
    match d.args.first() {
        Some(a) if !a.is_empty() => Ok(a),
        _ => Err("missing argument".into()),
    }
}

/// `atoi_err`: a non-negative decimal that fits an `int`.
fn int(b: &[u8]) -> Result<i64, String> {
    let v: i64 = s(b)?
        .parse()
        .map_err(|_| format!("invalid integer {}", Quoted(b)))?;
    if !(0..=i64::from(i32::MAX)).contains(&v) {
        return Err("integer out of range".into());
    }
    Ok(v)
}

/// `convtime`: `90`, `1m30s`, `2h`, ...
pub(crate) fn convtime(b: &[u8]) -> Option<i64> {
    if b.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: i64 = std::str::from_utf8(b.get(start..i)?).ok()?.parse().ok()?;
        let mult = match b.get(i).map(u8::to_ascii_lowercase) {
            None => 1,
            Some(b's') => {
                i += 1;
                1
            }
            Some(b'm') => {
                i += 1;
                60
            }
            Some(b'h') => {
                i += 1;
                3600
            }
            Some(b'd') => {
                i += 1;
                86400
            }
            Some(b'w') => {
                i += 1;
                604_800
            }
            Some(_) => return None,
        };
        total = total.checked_add(n.checked_mul(mult)?)?;
        if total > i64::from(i32::MAX) {
            return None;
        }
    }
    Some(total)
}

const LOG_LEVELS: &[(&str, &str)] = &[
    ("quiet", "QUIET"),
    ("fatal", "FATAL"),
    ("error", "ERROR"),
    ("info", "INFO"),
    ("verbose", "VERBOSE"),
    ("debug", "DEBUG"),
    ("debug1", "DEBUG"),
    ("debug2", "DEBUG2"),
    ("debug3", "DEBUG3"),
];

const FACILITIES: &[&str] = &[
    "DAEMON", "USER", "AUTH", "AUTHPRIV", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4",
    "LOCAL5", "LOCAL6", "LOCAL7",
];

const IPQOS: &[(&str, u32)] = &[
    ("af11", 0x28),
    ("af12", 0x30),
    ("af13", 0x38),
    ("af21", 0x48),
    ("af22", 0x50),
    ("af23", 0x58),
    ("af31", 0x68),
    ("af32", 0x70),
    ("af33", 0x78),
    ("af41", 0x88),
    ("af42", 0x90),
    ("af43", 0x98),
    ("cs0", 0x00),
    ("cs1", 0x20),
    ("cs2", 0x40),
    ("cs3", 0x60),
    ("cs4", 0x80),
    ("cs5", 0xa0),
    ("cs6", 0xc0),
    ("cs7", 0xe0),
    ("ef", 0xb8),
    ("le", 0x01),
    ("lowdelay", 0x10),
    ("throughput", 0x08),
    ("reliability", 0x04),
];

fn ipqos(b: &[u8]) -> Result<String, String> {
    let t = s(b)?;
    let v = if let Some((_, v)) = IPQOS.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
        *v
    } else {
        let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()
        } else if t.len() > 1 && t.starts_with('0') {
            u32::from_str_radix(t.get(1..).unwrap_or_default(), 8).ok()
        } else {
            t.parse().ok()
        };
        match parsed {
            Some(v) if v <= 255 => v,
            _ => return Err(format!("bad IPQoS value {}", Quoted(t.as_bytes()))),
        }
    };
    Ok(IPQOS
        .iter()
        .find(|(_, x)| *x == v)
        .map_or_else(|| format!("0x{v:02x}"), |(n, _)| (*n).to_string()))
}

/// `scan_scaled`: bytes with an optional K/M/G/T suffix (powers of 1024).
fn scaled(b: &[u8]) -> Option<u64> {
    let t = std::str::from_utf8(b).ok()?;
    let (num, mult) = match t.chars().last()?.to_ascii_uppercase() {
        'K' => (t.get(..t.len() - 1)?, 1u64 << 10),
        'M' => (t.get(..t.len() - 1)?, 1 << 20),
        'G' => (t.get(..t.len() - 1)?, 1 << 30),
        'T' => (t.get(..t.len() - 1)?, 1 << 40),
        'B' => (t.get(..t.len() - 1)?, 1),
        _ => (t, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// `kex_assemble_names`: applies `+`, `-`, `^` to the default list, expands wildcards against
/// the supported list and removes duplicates and unsupported names.
pub(crate) fn assemble_algos(spec: &[u8], def: &str, all: &str) -> Result<String, String> {
    let spec = s(spec)?;
    let list: String = if let Some(r) = spec.strip_prefix('+') {
        format!("{def},{r}")
    } else if let Some(r) = spec.strip_prefix('-') {
        def.split(',')
            .filter(|a| {
                !r.split(',')
                    .any(|p| match_pattern(a.as_bytes(), p.as_bytes()))
            })
            .collect::<Vec<_>>()
            .join(",")
    } else if let Some(r) = spec.strip_prefix('^') {
        format!("{r},{def}")
    } else {
        spec.to_string()
    };
    let mut out: Vec<&str> = Vec::new();
    for item in list.split(',') {
        if item.starts_with('!') {
            return Err(format!(
                "negated algorithm {} not allowed here",
                Quoted(item.as_bytes())
            ));
        }
        for a in all.split(',') {
            if match_pattern(a.as_bytes(), item.as_bytes()) && !out.contains(&a) {
                out.push(a);
            }
        }
    }
    if out.is_empty() && !spec.starts_with('-') {
        return Err(format!(
            "no supported algorithm in {}",
            Quoted(spec.as_bytes())
        ));
    }
    Ok(out.join(","))
}

/// What a directive contributes: printed entries, or for Subsystem (name, printed entry).
pub(crate) fn normalise(k: &Keyword, d: &Directive) -> Result<Vec<Vec<u8>>, String> {
    let one = |v: String| Ok(vec![v.into_bytes()]);
    match k.parse {
        Parse::Flag => {
            let a = first(d)?;
            if a.eq_ignore_ascii_case(b"yes") {
                one("yes".into())
            } else if a.eq_ignore_ascii_case(b"no") {
                one("no".into())
            } else {
                Err(format!("unsupported option {}", Quoted(a)))
            }
        }
        Parse::Multi(table) => {
            let a = first(d)?;
            table
                .iter()
                .find(|(i, _)| a.eq_ignore_ascii_case(i.as_bytes()))
                .map(|(_, o)| vec![o.as_bytes().to_vec()])
                .ok_or_else(|| format!("unsupported option {}", Quoted(a)))
        }
        Parse::Int => one(int(first(d)?)?.to_string()),
        Parse::Time => convtime(first(d)?)
            .map(|v| vec![v.to_string().into_bytes()])
            .ok_or_else(|| "invalid time value".into()),
        Parse::Str | Parse::Digest if k.name != "fingerprinthash" => Ok(vec![first(d)?.to_vec()]),
        Parse::Str | Parse::Digest => {
            let a = s(first(d)?)?;
            ["MD5", "SHA1", "SHA256", "SHA384", "SHA512"]
                .iter()
                .find(|n| n.eq_ignore_ascii_case(a))
                .map(|n| vec![n.as_bytes().to_vec()])
                .ok_or_else(|| format!("invalid algorithm {}", Quoted(a.as_bytes())))
        }
        Parse::List => {
            if d.args.is_empty() || d.args.iter().any(Vec::is_empty) {
                return Err("empty argument".into());
            }
            if k.name == "acceptenv" && d.args.iter().any(|a| a.contains(&b'=')) {
                return Err("invalid environment name".into());
            }
            if k.name == "setenv" && d.args.iter().any(|a| !a.contains(&b'=')) {
                return Err("invalid environment".into());
            }
            if k.name == "setenv" {
                // Duplicate names within one line: the first is kept.
                let mut out: Vec<Vec<u8>> = Vec::new();
                for a in &d.args {
                    let name = a.split(|&c| c == b'=').next().unwrap_or_default();
                    if !out
                        .iter()
                        .any(|o| o.split(|&c| c == b'=').next().unwrap_or_default() == name)
                    {
                        out.push(a.clone());
                    }
                }
                return Ok(out);
            }
            Ok(d.args.clone())
        }
        Parse::AuthMethods => {
            if d.args.is_empty() {
                return Err("no AuthenticationMethods specified".into());
            }
            if d.args.len() > 1 && d.args.iter().any(|a| a == b"any") {
                return Err("\"any\" must appear alone".into());
            }
            Ok(d.args.clone())
        }
        Parse::Rest => {
            let r = &d.rest;
            let skip = r.iter().take_while(|c| matches!(c, b' ' | b'\t')).count();
            let v = r.get(skip..).unwrap_or_default().to_vec();
            if k.name != "forcecommand"
                && v.first() != Some(&b'/')
                && !v.eq_ignore_ascii_case(b"none")
            {
                return Err(format!("{} must be an absolute path", k.name));
            }
            Ok(vec![v])
        }
        Parse::VersionAddendum => {
            // 9.2 keeps a trailing `# comment` in the value (later versions strip it).
            let r = &d.rest;
            let mut v = r.clone();
            while v.last().is_some_and(|c| matches!(c, b' ' | b'\t')) {
                v.pop();
            }
            if v.eq_ignore_ascii_case(b"none") || v.is_empty() {
                v = b"none".to_vec();
            }
            Ok(vec![v])
        }
        Parse::Algo(def, all) => Ok(vec![assemble_algos(first(d)?, def, all)?.into_bytes()]),
        Parse::LogLevel => {
            let a = s(first(d)?)?;
            LOG_LEVELS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(a))
                .map(|(_, p)| vec![p.as_bytes().to_vec()])
                .ok_or_else(|| format!("unsupported log level {}", Quoted(a.as_bytes())))
        }
        Parse::Facility => {
            let a = s(first(d)?)?;
            FACILITIES
                .iter()
                .find(|n| n.eq_ignore_ascii_case(a))
                .map(|n| vec![n.as_bytes().to_vec()])
                .ok_or_else(|| format!("unsupported log facility {}", Quoted(a.as_bytes())))
        }
        Parse::Port => {
            let v = int(first(d)?)?;
            if !(1..=65535).contains(&v) {
                return Err("bad port number".into());
            }
            one(v.to_string())
        }
        Parse::ListenAddress => Ok(vec![first(d)?.to_vec()]),
        Parse::Tunnel => {
            let a = first(d)?;
            ["no", "point-to-point", "ethernet", "yes"]
                .iter()
                .find(|n| n.as_bytes() == a)
                .map(|n| vec![n.as_bytes().to_vec()])
                .ok_or_else(|| "bad PermitTunnel argument".into())
        }
        Parse::MaxStartups => {
            let a = s(first(d)?)?;
            let parts: Vec<&str> = a.split(':').collect();
            let nums: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok()).collect();
            let (b, r, m) = match nums.as_deref() {
                Some([b, r, m]) if b <= m && (1..=100).contains(r) => (*b, *r, *m),
                Some([b]) => (*b, 30, *b),
                _ => return Err("invalid MaxStartups spec".into()),
            };
            if b <= 0 || m <= 0 {
                return Err("invalid MaxStartups spec".into());
            }
            one(format!("{b}:{r}:{m}"))
        }
        Parse::PerSourceMax => {
            let a = first(d)?;
            if a == b"none" {
                one("none".into())
            } else {
                one(int(a)?.to_string())
            }
        }
        Parse::NetBlock => {
            let a = s(first(d)?)?;
            let mut it = a.splitn(2, ':');
            let v4: i64 = it
                .next()
                .and_then(|x| x.parse().ok())
                .ok_or("invalid PerSourceNetBlockSize")?;
            let v6: i64 = match it.next() {
                Some(x) => x.parse().map_err(|_| "invalid PerSourceNetBlockSize")?,
                None => 128,
            };
            if !(0..=32).contains(&v4) || !(0..=128).contains(&v6) {
                return Err("invalid PerSourceNetBlockSize".into());
            }
            one(format!("{v4}:{v6}"))
        }
        Parse::RekeyLimit => {
            let a = first(d)?;
            let bytes = if a == b"default" {
                0
            } else {
                let v = scaled(a).ok_or("bad RekeyLimit")?;
                if v != 0 && v < 16 {
                    return Err("RekeyLimit too small".into());
                }
                v
            };
            let interval = match d.args.get(1) {
                None => 0,
                Some(x) if x == b"none" => 0,
                Some(x) => convtime(x).ok_or("invalid time value")?,
            };
            one(format!("{bytes} {interval}"))
        }
        Parse::IpQos => {
            let a = ipqos(first(d)?)?;
            let b = match d.args.get(1) {
                Some(x) => ipqos(x)?,
                None => a.clone(),
            };
            one(format!("{a} {b}"))
        }
        Parse::BindMask => {
            let a = s(first(d)?)?;
            let v = u32::from_str_radix(a, 8).map_err(|_| "invalid StreamLocalBindMask")?;
            if v > 0o777 {
                return Err("invalid StreamLocalBindMask".into());
            }
            one(format!("0{v:o}"))
        }
        Parse::PermitUserEnv => Ok(vec![first(d)?.to_vec()]),
        Parse::PubkeyAuthOptions => {
            let (mut touch, mut verify) = (false, false);
            for a in &d.args {
                if a.eq_ignore_ascii_case(b"none") {
                } else if a.eq_ignore_ascii_case(b"touch-required") {
                    touch = true;
                } else if a.eq_ignore_ascii_case(b"verify-required") {
                    verify = true;
                } else {
                    return Err("unsupported PubkeyAuthOptions option".into());
                }
            }
            let mut out = Vec::new();
            if touch {
                out.push("touch-required");
            }
            if verify {
                out.push("verify-required");
            }
            if out.is_empty() {
                out.push("none");
            }
            one(out.join(" "))
        }
        Parse::UnusedTimeout => {
            let a = first(d)?;
            if a.eq_ignore_ascii_case(b"none") {
                return one("none".into());
            }
            let v = convtime(a).ok_or("invalid time value")?;
            one(if v == 0 { "none".into() } else { v.to_string() })
        }
        Parse::PermitOpen { listen } => {
            let mut out: Vec<Vec<u8>> = Vec::new();
            for a in &d.args {
                if a == b"any" || a == b"none" {
                    if !out.is_empty() {
                        return Err("any/none must appear alone".into());
                    }
                    out.push(a.clone());
                    continue;
                }
                let v = if listen && !a.contains(&b':') {
                    let mut v = b"*:".to_vec();
                    v.extend_from_slice(a);
                    v
                } else {
                    a.clone()
                };
                let port = v
                    .iter()
                    .rposition(|&c| c == b':')
                    .and_then(|p| v.get(p + 1..))
                    .ok_or("missing port")?;
                if port != b"*" && int(port).map_or(true, |p| !(0..=65535).contains(&p)) {
                    return Err("bad port number".into());
                }
                out.push(v);
            }
            if out.is_empty() {
                return Err("missing argument".into());
            }
            Ok(out)
        }
        Parse::Subsystem => {
            let name = first(d)?.to_vec();
            let cmd: Vec<&[u8]> = d.args.iter().skip(1).map(Vec::as_slice).collect();
            if cmd.first().is_none_or(|c| c.is_empty()) {
                return Err("missing subsystem command".into());
            }
            let mut printed = name.clone();
            printed.push(b' ');
            printed.extend_from_slice(&cmd.join(&b' '));
            Ok(vec![name, printed])
        }
        Parse::Unsupported => Err(format!("{} is not supported on this platform", k.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_algos() {
        assert_eq!(convtime(b"90"), Some(90));
        assert_eq!(convtime(b"1m30s"), Some(90));
        assert_eq!(convtime(b"2H"), Some(7200));
        assert_eq!(convtime(b"x"), None);
        assert_eq!(
            assemble_algos(b"-aes*", "aes128-ctr,chacha20", "aes128-ctr,chacha20").unwrap(),
            "chacha20"
        );
        assert_eq!(
            assemble_algos(b"+3des-cbc", "aes128-ctr", "3des-cbc,aes128-ctr").unwrap(),
            "aes128-ctr,3des-cbc"
        );
    }
}
