//! A generated, realistic account database for benches and tests of `ferret-accounts`.
//!
//! [`generate`] builds passwd/shadow/group/gshadow/login.defs for a Debian-like host with
//! `users` regular accounts: the usual system accounts and groups, users with a mix of hash
//! algorithms (yescrypt, SHA-512 with and without `rounds=`, bcrypt, locked hashes, `!`, `*`),
//! aging fields, private groups, project groups with members, privileged groups (sudo, docker,
//! adm) with members, shadow files whose order differs from passwd in places, and about two
//! dozen planted problems (a second UID 0 account, an empty password, a hash in passwd,
//! duplicate uids and names, weak hashes, low rounds, malformed and CRLF lines, unknown
//! members, a shadow entry without user, ...), each listed in [`Host::planted`] with the
//! finding the audit must report. The output depends on `users` only (a fixed-seed generator),
//! so two runs compare byte for byte.
//!
//! Only bytes come out: this crate does not depend on `ferret-accounts` (a test-only cycle would
//! link two copies of it with distinct types); callers parse.

use std::fmt::Write as _;

/// The files of a generated host, and what was planted in them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Host {
    /// `/etc/passwd`.
    pub passwd: Vec<u8>,
    /// `/etc/shadow`.
    pub shadow: Vec<u8>,
    /// `/etc/group`.
    pub group: Vec<u8>,
    /// `/etc/gshadow`.
    pub gshadow: Vec<u8>,
    /// `/etc/login.defs`.
    pub login_defs: Vec<u8>,
    /// The planted problems: the finding each must produce.
    pub planted: Vec<Planted>,
}

/// One planted problem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct Planted {
    /// The id of the finding the audit must report (`accounts.uid0-non-root`).
    pub id: &'static str,
    /// Its subject (a user or group name, or the names of a shared id joined with `,`).
    pub subject: String,
}

impl Host {
    /// The five files with their names under `etc/`.
    pub fn files(&self) -> [(&'static str, &[u8]); 5] {
        [
            ("passwd", &self.passwd),
            ("shadow", &self.shadow),
            ("group", &self.group),
            ("gshadow", &self.gshadow),
            ("login.defs", &self.login_defs),
        ]
    }

    /// Writes the five files as `dir/etc/*`.
    pub fn write_etc(&self, dir: &std::path::Path) -> std::io::Result<()> {
        let etc = dir.join("etc");
        std::fs::create_dir_all(&etc)?;
        for (name, data) in self.files() {
            std::fs::write(etc.join(name), data)?;
        }
        Ok(())
    }
}

/// splitmix64: a tiny fixed-seed generator (no dependency, same output everywhere).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn crypt64(&mut self, s: &mut String, len: usize) {
        const A: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for _ in 0..len {
            let c = A.get(self.below(64) as usize).copied().unwrap_or(b'.');
            s.push(char::from(c));
        }
    }
}

const FIRST: &[&str] = &[
    "anna", "ben", "carla", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas", "kemal",
    "lena", "marco", "nadia", "oscar", "priya", "quentin", "rosa", "sven", "tomas", "uma",
    "victor", "wei", "ximena", "yusuf", "zoe",
];
const LAST: &[&str] = &[
    "garcia", "muller", "rossi", "nguyen", "smith", "kowalski", "silva", "tanaka", "dubois",
    "jensen", "novak", "ivanova", "haddad", "okafor", "larsen",
];

/// Debian's system accounts: name, uid, gid, gecos, home, shell.
const SYSTEM: &[(&str, u32, u32, &str, &str, &str)] = &[
    ("daemon", 1, 1, "daemon", "/usr/sbin", "/usr/sbin/nologin"),
    ("bin", 2, 2, "bin", "/bin", "/usr/sbin/nologin"),
    ("sys", 3, 3, "sys", "/dev", "/usr/sbin/nologin"),
    ("sync", 4, 65534, "sync", "/bin", "/bin/sync"),
    ("games", 5, 60, "games", "/usr/games", "/usr/sbin/nologin"),
    ("man", 6, 12, "man", "/var/cache/man", "/usr/sbin/nologin"),
    ("lp", 7, 7, "lp", "/var/spool/lpd", "/usr/sbin/nologin"),
    ("mail", 8, 8, "mail", "/var/mail", "/usr/sbin/nologin"),
    ("news", 9, 9, "news", "/var/spool/news", "/usr/sbin/nologin"),
    (
        "uucp",
        10,
        10,
        "uucp",
        "/var/spool/uucp",
        "/usr/sbin/nologin",
    ),
    ("proxy", 13, 13, "proxy", "/bin", "/usr/sbin/nologin"),
    (
        "www-data",
        33,
        33,
        "www-data",
        "/var/www",
        "/usr/sbin/nologin",
    ),
    (
        "backup",
        34,
        34,
        "backup",
        "/var/backups",
        "/usr/sbin/nologin",
    ),
    (
        "list",
        38,
        38,
        "Mailing List Manager",
        "/var/list",
        "/usr/sbin/nologin",
    ),
    ("irc", 39, 39, "ircd", "/run/ircd", "/usr/sbin/nologin"),
    ("_apt", 42, 65534, "", "/nonexistent", "/usr/sbin/nologin"),
    (
        "nobody",
        65534,
        65534,
        "nobody",
        "/nonexistent",
        "/usr/sbin/nologin",
    ),
    (
        "systemd-network",
        998,
        998,
        "systemd Network Management",
        "/",
        "/usr/sbin/nologin",
    ),
    (
        "systemd-timesync",
        997,
        997,
        "systemd Time Synchronization",
        "/",
        "/usr/sbin/nologin",
    ),
    (
        "messagebus",
        100,
        107,
        "",
        "/nonexistent",
        "/usr/sbin/nologin",
    ),
    ("sshd", 101, 65534, "", "/run/sshd", "/usr/sbin/nologin"),
    (
        "postgres",
        102,
        110,
        "PostgreSQL administrator,,,",
        "/var/lib/postgresql",
        "/bin/bash",
    ),
    (
        "mysql",
        103,
        111,
        "MySQL Server,,,",
        "/nonexistent",
        "/bin/false",
    ),
    ("redis", 104, 112, "", "/var/lib/redis", "/usr/sbin/nologin"),
    (
        "_chrony",
        105,
        113,
        "Chrony daemon,,,",
        "/var/lib/chrony",
        "/usr/sbin/nologin",
    ),
];

/// Debian's system groups: name, gid.
const SYSTEM_GROUPS: &[(&str, u32)] = &[
    ("daemon", 1),
    ("bin", 2),
    ("sys", 3),
    ("adm", 4),
    ("tty", 5),
    ("disk", 6),
    ("lp", 7),
    ("mail", 8),
    ("news", 9),
    ("uucp", 10),
    ("man", 12),
    ("proxy", 13),
    ("kmem", 15),
    ("dialout", 20),
    ("cdrom", 24),
    ("sudo", 27),
    ("audio", 29),
    ("www-data", 33),
    ("backup", 34),
    ("operator", 37),
    ("list", 38),
    ("irc", 39),
    ("shadow", 42),
    ("utmp", 43),
    ("video", 44),
    ("plugdev", 46),
    ("staff", 50),
    ("games", 60),
    ("users", 100),
    ("systemd-journal", 999),
    ("systemd-network", 998),
    ("systemd-timesync", 997),
    ("messagebus", 107),
    ("postgres", 110),
    ("mysql", 111),
    ("redis", 112),
    ("_chrony", 113),
    ("docker", 114),
    ("nogroup", 65534),
];

/// Uid (and private gid) of regular user `i`: from 1000, past 65534 (nobody) after 60000
/// like sites with more users than `UID_MAX` allows.
fn user_id(i: usize) -> usize {
    if i < 59_000 {
        1000 + i
    } else {
        100_000 + i
    }
}

fn user_name(i: usize) -> String {
    let f = FIRST.get(i % FIRST.len()).copied().unwrap_or("user");
    let l = LAST
        .get((i / FIRST.len()) % LAST.len())
        .copied()
        .unwrap_or("x");
    format!("{f}.{l}{i}")
}

/// A usable or locked password field, drawn from a realistic mix.
fn password(r: &mut Rng) -> String {
    let mut s = String::new();
    match r.below(100) {
        0..=54 => {
            s.push_str("$y$j9T$");
            r.crypt64(&mut s, 22);
            s.push('$');
            r.crypt64(&mut s, 43);
        }
        55..=74 => {
            s.push_str("$6$");
            r.crypt64(&mut s, 16);
            s.push('$');
            r.crypt64(&mut s, 86);
        }
        75..=79 => {
            s.push_str("$6$rounds=656000$");
            r.crypt64(&mut s, 16);
            s.push('$');
            r.crypt64(&mut s, 86);
        }
        80..=83 => {
            s.push_str("$2b$12$");
            r.crypt64(&mut s, 53);
        }
        84..=86 => {
            s.push_str("$5$");
            r.crypt64(&mut s, 16);
            s.push('$');
            r.crypt64(&mut s, 43);
        }
        87..=91 => {
            s.push_str("!$y$j9T$");
            r.crypt64(&mut s, 22);
            s.push('$');
            r.crypt64(&mut s, 43);
        }
        92..=96 => s.push('!'),
        _ => s.push('*'),
    }
    s
}

/// Generates the files of a host with `users` regular accounts (see the module docs).
// one linear recipe (system part, users, groups, plants); p, s, g, gs are the four files
#[allow(clippy::too_many_lines, clippy::many_single_char_names)]
pub fn generate(users: usize) -> Host {
    let mut r = Rng(0x5eed_0ff3_77e7);
    let (mut p, mut s, mut g, mut gs) =
        (String::new(), String::new(), String::new(), String::new());
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(p, "root:x:0:0:root:/root:/bin/bash");
    let _ = writeln!(
        s,
        "root:$y$j9T$rootsaltrootsalt$roothashroothashroothashroothash12345:19500:0:99999:7:::"
    );
    for (name, uid, gid, gecos, home, shell) in SYSTEM {
        let _ = writeln!(p, "{name}:x:{uid}:{gid}:{gecos}:{home}:{shell}");
        let _ = writeln!(s, "{name}:*:19500:0:99999:7:::");
    }
    let _ = writeln!(g, "root:x:0:");
    let _ = writeln!(gs, "root:*::");
    let names: Vec<String> = (0..users).map(user_name).collect();
    let mut sudo = Vec::new();
    let mut docker = Vec::new();
    let mut adm = vec!["syslog".to_owned()];
    // shadow entries that are written out of passwd order (moved to the end by hand-editing)
    let mut late_shadow = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let uid = user_id(i);
        let (first, last) = name.split_once('.').unwrap_or((name, ""));
        let gecos = match r.below(4) {
            0 => String::new(),
            1 => format!("{first} {last},,,"),
            2 => format!(
                "{first} {last},Room {},+1 555 {:04},",
                r.below(500),
                r.below(10_000)
            ),
            _ => format!("{first} {last}"),
        };
        let shell = match r.below(20) {
            0..=13 => "/bin/bash",
            14..=15 => "/usr/bin/zsh",
            16 => "/bin/sh",
            17 => "/usr/bin/fish",
            _ => "/usr/sbin/nologin",
        };
        let _ = writeln!(p, "{name}:x:{uid}:{uid}:{gecos}:/home/{name}:{shell}");
        let lastchg = 18_000 + r.below(2_000);
        let line = match r.below(10) {
            0..=5 => format!("{name}:{}:{lastchg}:0:99999:7:::", password(&mut r)),
            6..=7 => format!("{name}:{}:{lastchg}:1:90:14:30::", password(&mut r)),
            8 => format!(
                "{name}:{}:{lastchg}:0:99999:7::{}:",
                password(&mut r),
                20_000 + r.below(900)
            ),
            _ => format!("{name}:{}:{lastchg}::::::", password(&mut r)),
        };
        if r.below(2_000) == 0 {
            late_shadow.push(line);
        } else {
            let _ = writeln!(s, "{line}");
        }
        if i % 997 == 3 {
            sudo.push(name.clone());
        }
        if i % 1_999 == 5 {
            docker.push(name.clone());
        }
        if i % 9_973 == 7 {
            adm.push(name.clone());
        }
    }
    for l in &late_shadow {
        let _ = writeln!(s, "{l}");
    }
    for (name, gid) in SYSTEM_GROUPS {
        let members = match *name {
            "sudo" => sudo.join(","),
            "docker" => docker.join(","),
            "adm" => adm.join(","),
            "users" | "audio" | "video" | "plugdev" => {
                let n = 5 + r.below(30) as usize;
                (0..n)
                    .filter_map(|_| names.get(r.below(names.len() as u64) as usize).cloned())
                    .collect::<Vec<_>>()
                    .join(",")
            }
            _ => String::new(),
        };
        let _ = writeln!(g, "{name}:x:{gid}:{members}");
        let admins = if *name == "docker" { "root" } else { "" };
        let _ = writeln!(gs, "{name}:*:{admins}:{members}");
    }
    for (i, name) in names.iter().enumerate() {
        let gid = user_id(i);
        let _ = writeln!(g, "{name}:x:{gid}:");
        let _ = writeln!(gs, "{name}:!::");
    }
    // project groups, a few to a few dozen members each
    for j in 0..users / 100 {
        let gid = 200_000 + j;
        let n = 2 + r.below(40) as usize;
        let members: Vec<&str> = (0..n)
            .filter_map(|_| names.get(r.below(names.len() as u64) as usize))
            .map(String::as_str)
            .collect();
        let m = members.join(",");
        let _ = writeln!(g, "proj{j:05}:x:{gid}:{m}");
        let _ = writeln!(gs, "proj{j:05}:!:{}:{m}", members.first().unwrap_or(&""));
    }

    // ---- planted problems, each with the finding it must produce ----
    let mut planted = Vec::new();
    let mut plant = |id: &'static str, subject: &str| {
        planted.push(Planted {
            id,
            subject: subject.to_owned(),
        });
    };
    let name = |i: usize| names.get(i).map_or("", String::as_str);
    let _ = writeln!(p, "toor:x:0:0::/root:/bin/bash");
    let _ = writeln!(
        s,
        "toor:$6$plantedsalt$plantedhashplantedhashplantedhash:19500:0:99999:7:::"
    );
    plant("accounts.uid0-non-root", "toor");
    plant("accounts.duplicate-uid", "root,toor");
    let _ = writeln!(p, "guest::900000:5000::/home/guest:/bin/bash");
    plant("accounts.empty-password", "guest");
    let _ = writeln!(
        p,
        "svc-backup:$1$abcdefgh$abcdefghijklmnopqrstuv:900001:34::/var/backups:/bin/sh"
    );
    plant("accounts.passwd-hash", "svc-backup");
    plant("accounts.weak-hash", "svc-backup");
    let _ = writeln!(p, "olddes:x:900002:100::/home/olddes:/bin/bash");
    let _ = writeln!(s, "olddes:abJnggxhB/yWI:15000:0:99999:7:::");
    plant("accounts.weak-hash", "olddes");
    let _ = writeln!(p, "lowrounds:x:900003:100::/home/lowrounds:/bin/bash");
    let _ = writeln!(
        s,
        "lowrounds:$6$rounds=1000$salt$abcdefghijklmnop:19500:0:99999:7:::"
    );
    plant("accounts.low-rounds", "lowrounds");
    let _ = writeln!(p, "emptyshadow:x:900004:100::/home/emptyshadow:/bin/bash");
    let _ = writeln!(s, "emptyshadow::19500:0:99999:7:::");
    plant("accounts.empty-password", "emptyshadow");
    let _ = writeln!(p, "future:x:900005:100::/home/future:/bin/bash");
    let _ = writeln!(s, "future:$y$j9T$abc$defghijklmnop:29500:0:99999:7:::");
    plant("accounts.lastchg-future", "future");
    // the uid of regular user 500 (when there is one)
    let _ = writeln!(p, "dupuid:x:1500:100::/home/dupuid:/bin/bash");
    let _ = writeln!(s, "dupuid:!:19500:0:99999:7:::");
    if users > 500 {
        let mut v = [name(500), "dupuid"];
        v.sort_unstable();
        plant("accounts.duplicate-uid", &v.join(","));
    }
    let _ = writeln!(
        s,
        "ghost:$y$j9T$ghost$ghosthashghosthash:19500:0:99999:7:::"
    );
    plant("accounts.unknown-shadow-user", "ghost");
    let _ = writeln!(p, "www-data:x:33:33:www-data:/var/www:/bin/bash");
    plant("accounts.duplicate-name", "www-data");
    let _ = writeln!(p, "noshadow:x:900006:100::/home/noshadow:/bin/bash");
    plant("accounts.missing-shadow-entry", "noshadow");
    let _ = writeln!(
        p,
        "nogroup-user:x:900007:77777::/home/nogroup-user:/bin/bash"
    );
    plant("accounts.missing-group", "nogroup-user");
    let _ = writeln!(p, "rootgroup:x:900008:0::/home/rootgroup:/bin/bash");
    let _ = writeln!(s, "rootgroup:!:19500:0:99999:7:::");
    plant("accounts.gid0-primary", "rootgroup");
    let _ = writeln!(p, "bad user:x:900009:100::/home/bad:/bin/bash");
    let _ = writeln!(s, "bad user:!:19500:0:99999:7:::");
    plant("accounts.invalid-name", "bad user");
    let _ = writeln!(p, "broken:x:900010:100:/home/broken:/bin/bash"); // 6 fields
    plant("accounts.malformed-line", "broken");
    let _ = writeln!(p, "badnum:x:-1:100::/home/badnum:/bin/bash");
    plant("accounts.malformed-line", "badnum");
    let _ = write!(p, "crlf:x:900011:100::/home/crlf:/bin/bash\r\n");
    let _ = writeln!(s, "crlf:!:19500:0:99999:7:::");
    plant("accounts.crlf-line", "crlf");
    let _ = writeln!(p, "+@netadmins::::::");
    plant("accounts.nis-compat-line", "+@netadmins");
    let _ = writeln!(p, "# added by hand");
    plant("accounts.comment-line", "# added by hand");
    let _ = writeln!(g, "sysadm:x:0:mallory,root");
    let _ = writeln!(gs, "sysadm:*::mallory,root");
    plant("accounts.duplicate-gid", "root,sysadm");
    plant("accounts.gid0-member", "mallory");
    plant("accounts.group-unknown-member", "mallory");
    let _ = writeln!(g, "wheel:$1$abcdefgh$abcdefghijklmnopqrstuv:10:{}", name(0));
    plant("accounts.group-password", "wheel");
    if users > 0 {
        plant("accounts.privileged-group-member", name(0));
    }
    let _ = writeln!(g, "lonely:x:300001:");
    plant("accounts.missing-gshadow-entry", "lonely");
    let _ = writeln!(gs, "orphan:!::");
    plant("accounts.unknown-gshadow-group", "orphan");
    let _ = writeln!(g, "mismatch:x:300002:{}", name(1));
    let _ = writeln!(gs, "mismatch:!::{}", name(2));
    if users > 2 {
        plant("accounts.membership-mismatch", name(1));
        plant("accounts.membership-mismatch", name(2));
    }
    // a user's line repeated (duplicate entry), and a system account that can log in
    let _ = writeln!(p, "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin");
    plant("accounts.duplicate-entry", "daemon");
    let _ = writeln!(p, "games2:x:50:60::/usr/games:/bin/bash");
    let _ = writeln!(s, "games2:$y$j9T$g$gameshashgameshash:19500:0:99999:7:::");
    plant("accounts.system-account-login", "games2");
    // the gshadow administrator of docker
    plant("accounts.privileged-group-admin", "root");
    planted.sort();

    Host {
        passwd: p.into_bytes(),
        shadow: s.into_bytes(),
        group: g.into_bytes(),
        gshadow: gs.into_bytes(),
        login_defs: b"# /etc/login.defs (Debian)\nMAIL_DIR        /var/mail\nPASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\nGID_MIN\t\t\t 1000\nGID_MAX\t\t\t60000\nENCRYPT_METHOD YESCRYPT\n"
            .to_vec(),
        planted,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deterministic_and_sized() {
        let a = super::generate(300);
        assert_eq!(a, super::generate(300));
        let lines = |b: &[u8]| b.split(|&c| c == b'\n').count() - 1;
        assert!(lines(&a.passwd) > 300, "{}", lines(&a.passwd));
        assert!(lines(&a.group) > 300 + 30);
        assert!(a.planted.len() >= 30, "{:?}", a.planted);
        // the shadow order differs from passwd in places at 100k (moved entries)
        let b = super::generate(10_000);
        assert!(lines(&b.shadow) > 10_000);
    }
}
