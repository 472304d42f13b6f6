//! The sshd_config keyword table: how each keyword is parsed, stored (first value wins, append,
//! last wins, ...), whether it is allowed in `Match` blocks and copied from them, how `sshd -T`
//! prints it, and its default in the OpenSSH shipped here (Debian 12, OpenSSH 9.2p1).

/// How the argument is parsed and normalised to what `sshd -T` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parse {
    /// `yes`/`no`.
    Flag,
    /// Case-insensitive choice: (accepted, printed).
    Multi(&'static [(&'static str, &'static str)]),
    /// Non-negative integer.
    Int,
    /// `convtime`: seconds with optional s/m/h/d/w parts.
    Time,
    /// First argument, kept as written.
    Str,
    /// Every argument is an entry.
    List,
    /// The raw rest of the line (ForceCommand, AuthorizedKeysCommand).
    Rest,
    /// Algorithm list with `+`/`-`/`^` modifiers: (default, all supported).
    Algo(&'static str, &'static str),
    /// LogLevel names.
    LogLevel,
    /// SyslogFacility names.
    Facility,
    /// Port number (1..65535).
    Port,
    /// `ListenAddress`: accepted, not printed (needs address resolution).
    ListenAddress,
    /// `PermitTunnel` (exact, case-sensitive).
    Tunnel,
    /// `MaxStartups a[:b:c]`.
    MaxStartups,
    /// `PerSourceMaxStartups none|n`.
    PerSourceMax,
    /// `PerSourceNetBlockSize v4[:v6]`.
    NetBlock,
    /// `RekeyLimit bytes [interval]`.
    RekeyLimit,
    /// `IPQoS a [b]`.
    IpQos,
    /// Octal mask.
    BindMask,
    /// `PermitUserEnvironment yes|no|patterns`.
    PermitUserEnv,
    /// `PubkeyAuthOptions`.
    PubkeyAuthOptions,
    /// `UnusedConnectionTimeout none|time`.
    UnusedTimeout,
    /// `PermitOpen`/`PermitListen` host:port lists.
    PermitOpen {
        /// PermitListen allows a bare port.
        listen: bool,
    },
    /// `Subsystem name command [args]`.
    Subsystem,
    /// `VersionAddendum` (rest of line, comment stripped).
    VersionAddendum,
    /// `FingerprintHash`.
    Digest,
    /// `AuthenticationMethods`.
    AuthMethods,
    /// `RDomain`: not supported on Linux.
    Unsupported,
}

/// When a new value replaces the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Store {
    /// Set when active and not yet set (the rule for most keywords).
    First,
    /// Set when not yet set, even outside an active block (Ciphers, MACs, KexAlgorithms,
    /// SyslogFacility: global-only keywords whose handler does not look at the Match state).
    FirstAlways,
    /// Every active line replaces the value.
    Last,
    /// Every active line appends its arguments (AllowUsers, AcceptEnv, HostKey, Port).
    Append,
    /// The first active line's whole argument list (AuthorizedKeysFile, SetEnv, PermitOpen).
    FirstLine,
    /// Per subsystem name, the first definition wins.
    Subsystem,
}

/// How `sshd -T` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Print {
    /// `keyword value`.
    Single,
    /// One `keyword entry` line per entry.
    Lines,
    /// `keyword e1 e2 ...` on one line (nothing when empty and no default).
    OneLine,
    /// Not printed by this resolver.
    Never,
}

/// One keyword.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keyword {
    /// Canonical lower-case name as `sshd -T` prints it.
    pub name: &'static str,
    pub parse: Parse,
    pub store: Store,
    /// Allowed inside Match blocks.
    pub in_match: bool,
    /// Copied from the Match pass into the effective configuration.
    pub copy: bool,
    pub print: Print,
    /// Printed entries when unset (`None`: nothing printed for Lines/OneLine, `none` for
    /// Single).
    pub default: &'static [&'static str],
}

const FLAG: Parse = Parse::Flag;
const PRL: &[(&str, &str)] = &[
    ("without-password", "without-password"),
    ("prohibit-password", "without-password"),
    ("forced-commands-only", "forced-commands-only"),
    ("yes", "yes"),
    ("no", "no"),
];
const FWD: &[(&str, &str)] = &[
    ("yes", "yes"),
    ("all", "yes"),
    ("no", "no"),
    ("remote", "remote"),
    ("local", "local"),
];
const RHOSTS: &[(&str, &str)] = &[("yes", "yes"), ("no", "no"), ("shosts-only", "shosts-only")];
const AF: &[(&str, &str)] = &[("inet", "inet"), ("inet6", "inet6"), ("any", "any")];
const COMPRESSION: &[(&str, &str)] = &[("yes", "yes"), ("delayed", "yes"), ("no", "no")];
const GATEWAY: &[(&str, &str)] = &[
    ("clientspecified", "clientspecified"),
    ("yes", "yes"),
    ("no", "no"),
];

/// Supported algorithms of this build (`ssh -Q cipher|mac|kex|key|key-sig`).
pub(crate) const ALL_CIPHERS: &str = "3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com";
pub(crate) const ALL_MACS: &str = "hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,umac-64@openssh.com,umac-128@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha1-96-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com,umac-64-etm@openssh.com,umac-128-etm@openssh.com";
pub(crate) const ALL_KEX: &str = "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com";
const ALL_KEYS: &str = "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,ssh-dss,ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com";
const ALL_SIGS: &str = "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com";

pub(crate) const DEF_CIPHERS: &str = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com";
pub(crate) const DEF_MACS: &str = "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1";
pub(crate) const DEF_KEX: &str = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256";
const DEF_KEYS: &str = "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";
const DEF_SIGS: &str = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256";

const fn kw(
    name: &'static str,
    parse: Parse,
    store: Store,
    in_match: bool,
    copy: bool,
    print: Print,
    default: &'static [&'static str],
) -> Keyword {
    Keyword {
        name,
        parse,
        store,
        in_match,
        copy,
        print,
        default,
    }
}

const fn g(name: &'static str, parse: Parse, default: &'static [&'static str]) -> Keyword {
    kw(
        name,
        parse,
        Store::First,
        false,
        false,
        Print::Single,
        default,
    )
}

const fn m(name: &'static str, parse: Parse, default: &'static [&'static str]) -> Keyword {
    kw(
        name,
        parse,
        Store::First,
        true,
        true,
        Print::Single,
        default,
    )
}

use Parse as P;
use Print as Pr;
use Store as S;

/// Every keyword, in the order `sshd -T` prints them.
pub(crate) const KEYWORDS: &[Keyword] = &[
    kw("port", P::Port, S::Append, false, false, Pr::Lines, &["22"]),
    g("addressfamily", P::Multi(AF), &["any"]),
    kw(
        "listenaddress",
        P::ListenAddress,
        S::Append,
        false,
        false,
        Pr::Never,
        &[],
    ),
    g("usepam", FLAG, &["no"]),
    g("logingracetime", P::Time, &["120"]),
    m("x11displayoffset", P::Int, &["10"]),
    m("maxauthtries", P::Int, &["6"]),
    m("maxsessions", P::Int, &["10"]),
    m("clientaliveinterval", P::Time, &["0"]),
    m("clientalivecountmax", P::Int, &["3"]),
    m("requiredrsasize", P::Int, &["1024"]),
    kw(
        "streamlocalbindmask",
        P::BindMask,
        S::Last,
        true,
        true,
        Pr::Single,
        &["0177"],
    ),
    m("unusedconnectiontimeout", P::UnusedTimeout, &["none"]),
    m("permitrootlogin", P::Multi(PRL), &["without-password"]),
    m("ignorerhosts", P::Multi(RHOSTS), &["yes"]),
    g("ignoreuserknownhosts", FLAG, &["no"]),
    m("hostbasedauthentication", FLAG, &["no"]),
    m("hostbasedusesnamefrompacketonly", FLAG, &["no"]),
    m("pubkeyauthentication", FLAG, &["yes"]),
    m("kerberosauthentication", FLAG, &["no"]),
    g("kerberosorlocalpasswd", FLAG, &["yes"]),
    g("kerberosticketcleanup", FLAG, &["yes"]),
    m("gssapiauthentication", FLAG, &["no"]),
    g("gssapicleanupcredentials", FLAG, &["yes"]),
    g("gssapikeyexchange", FLAG, &["no"]),
    g("gssapistrictacceptorcheck", FLAG, &["yes"]),
    g("gssapistorecredentialsonrekey", FLAG, &["no"]),
    g(
        "gssapikexalgorithms",
        P::Str,
        &["gss-group14-sha256-,gss-group16-sha512-,gss-nistp256-sha256-,gss-curve25519-sha256-,gss-group14-sha1-,gss-gex-sha1-"],
    ),
    m("passwordauthentication", FLAG, &["yes"]),
    m("kbdinteractiveauthentication", FLAG, &["yes"]),
    g("printmotd", FLAG, &["yes"]),
    g("printlastlog", FLAG, &["yes"]),
    m("x11forwarding", FLAG, &["no"]),
    m("x11uselocalhost", FLAG, &["yes"]),
    m("permittty", FLAG, &["yes"]),
    m("permituserrc", FLAG, &["yes"]),
    g("strictmodes", FLAG, &["yes"]),
    g("tcpkeepalive", FLAG, &["yes"]),
    m("permitemptypasswords", FLAG, &["no"]),
    g("compression", P::Multi(COMPRESSION), &["yes"]),
    m("gatewayports", P::Multi(GATEWAY), &["no"]),
    g("usedns", FLAG, &["no"]),
    m("allowtcpforwarding", P::Multi(FWD), &["yes"]),
    m("allowagentforwarding", FLAG, &["yes"]),
    m("disableforwarding", FLAG, &["no"]),
    m("allowstreamlocalforwarding", P::Multi(FWD), &["yes"]),
    m("streamlocalbindunlink", FLAG, &["no"]),
    kw(
        "fingerprinthash",
        P::Digest,
        S::Last,
        false,
        false,
        Pr::Single,
        &["SHA256"],
    ),
    m("exposeauthinfo", FLAG, &["no"]),
    kw(
        "debianbanner",
        FLAG,
        S::First,
        false,
        false,
        Pr::Never,
        &["yes"],
    ),
    g("pidfile", P::Str, &["/run/sshd.pid"]),
    g("modulifile", P::Str, &["/etc/ssh/moduli"]),
    g("xauthlocation", P::Str, &["/usr/bin/xauth"]),
    kw(
        "ciphers",
        P::Algo(DEF_CIPHERS, ALL_CIPHERS),
        S::FirstAlways,
        false,
        false,
        Pr::Single,
        &[DEF_CIPHERS],
    ),
    kw(
        "macs",
        P::Algo(DEF_MACS, ALL_MACS),
        S::FirstAlways,
        false,
        false,
        Pr::Single,
        &[DEF_MACS],
    ),
    m("banner", P::Str, &[]),
    m("forcecommand", P::Rest, &[]),
    m("chrootdirectory", P::Str, &[]),
    m("trustedusercakeys", P::Str, &[]),
    m("revokedkeys", P::Str, &[]),
    g("securitykeyprovider", P::Str, &["internal"]),
    m("authorizedprincipalsfile", P::Str, &[]),
    g("versionaddendum", P::VersionAddendum, &[]),
    m("authorizedkeyscommand", P::Rest, &[]),
    m("authorizedkeyscommanduser", P::Str, &[]),
    m("authorizedprincipalscommand", P::Rest, &[]),
    m("authorizedprincipalscommanduser", P::Str, &[]),
    g("hostkeyagent", P::Str, &[]),
    kw(
        "kexalgorithms",
        P::Algo(DEF_KEX, ALL_KEX),
        S::FirstAlways,
        false,
        false,
        Pr::Single,
        &[DEF_KEX],
    ),
    m(
        "casignaturealgorithms",
        P::Algo(DEF_SIGS, ALL_SIGS),
        &[DEF_SIGS],
    ),
    m(
        "hostbasedacceptedalgorithms",
        P::Algo(DEF_KEYS, ALL_KEYS),
        &[DEF_KEYS],
    ),
    g("hostkeyalgorithms", P::Algo(DEF_KEYS, ALL_KEYS), &[DEF_KEYS]),
    m(
        "pubkeyacceptedalgorithms",
        P::Algo(DEF_KEYS, ALL_KEYS),
        &[DEF_KEYS],
    ),
    m("loglevel", P::LogLevel, &["INFO"]),
    kw(
        "syslogfacility",
        P::Facility,
        S::FirstAlways,
        false,
        false,
        Pr::Single,
        &["AUTH"],
    ),
    kw(
        "authorizedkeysfile",
        P::List,
        S::FirstLine,
        true,
        true,
        Pr::OneLine,
        &[".ssh/authorized_keys", ".ssh/authorized_keys2"],
    ),
    kw(
        "hostkey",
        P::Str,
        S::Append,
        false,
        false,
        Pr::Lines,
        &[
            "/etc/ssh/ssh_host_rsa_key",
            "/etc/ssh/ssh_host_ecdsa_key",
            "/etc/ssh/ssh_host_ed25519_key",
        ],
    ),
    kw(
        "hostcertificate",
        P::Str,
        S::Append,
        false,
        false,
        Pr::Lines,
        &[],
    ),
    kw("allowusers", P::List, S::Append, true, true, Pr::Lines, &[]),
    kw("denyusers", P::List, S::Append, true, true, Pr::Lines, &[]),
    kw("allowgroups", P::List, S::Append, true, true, Pr::Lines, &[]),
    kw("denygroups", P::List, S::Append, true, true, Pr::Lines, &[]),
    kw("acceptenv", P::List, S::Append, true, true, Pr::Lines, &[]),
    kw("setenv", P::List, S::FirstLine, true, true, Pr::Lines, &[]),
    kw(
        "authenticationmethods",
        P::AuthMethods,
        S::FirstLine,
        true,
        true,
        Pr::OneLine,
        &["any"],
    ),
    kw(
        "logverbose",
        P::List,
        S::FirstLine,
        true,
        true,
        Pr::OneLine,
        &[],
    ),
    kw(
        "channeltimeout",
        P::List,
        S::FirstLine,
        true,
        true,
        Pr::Never,
        &[],
    ),
    kw(
        "subsystem",
        P::Subsystem,
        S::Subsystem,
        false,
        false,
        Pr::Lines,
        &[],
    ),
    kw(
        "maxstartups",
        P::MaxStartups,
        S::Last,
        false,
        false,
        Pr::Single,
        &["10:30:100"],
    ),
    g("persourcemaxstartups", P::PerSourceMax, &["none"]),
    kw(
        "persourcenetblocksize",
        P::NetBlock,
        S::Last,
        false,
        false,
        Pr::Single,
        &["32:128"],
    ),
    m("permittunnel", P::Tunnel, &["no"]),
    kw(
        "ipqos",
        P::IpQos,
        S::Last,
        true,
        true,
        Pr::Single,
        &["lowdelay throughput"],
    ),
    m("rekeylimit", P::RekeyLimit, &["0 0"]),
    kw(
        "permitopen",
        P::PermitOpen { listen: false },
        S::FirstLine,
        true,
        true,
        Pr::OneLine,
        &["any"],
    ),
    kw(
        "permitlisten",
        P::PermitOpen { listen: true },
        S::FirstLine,
        true,
        true,
        Pr::OneLine,
        &["any"],
    ),
    g("permituserenvironment", P::PermitUserEnv, &["no"]),
    m("pubkeyauthoptions", P::PubkeyAuthOptions, &["none"]),
    kw("rdomain", P::Unsupported, S::First, true, true, Pr::Never, &[]),
];

/// Aliases and deprecated names: (written, canonical or "" for ignored-with-notice).
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("hostdsakey", "hostkey"),
    ("dsaauthentication", "pubkeyauthentication"),
    ("gssapicleanupcreds", "gssapicleanupcredentials"),
    (
        "challengeresponseauthentication",
        "kbdinteractiveauthentication",
    ),
    ("skeyauthentication", "kbdinteractiveauthentication"),
    ("keepalive", "tcpkeepalive"),
    ("hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms"),
    ("pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"),
];

/// Deprecated or unsupported keywords sshd accepts with a log line and ignores:
/// (name, allowed in Match).
pub(crate) const IGNORED: &[(&str, bool)] = &[
    ("pamauthenticationviakbdint", false),
    ("serverkeybits", false),
    ("keyregenerationinterval", false),
    ("rhostsauthentication", false),
    ("rhostsrsaauthentication", true),
    ("rsaauthentication", true),
    ("kerberosgetafstoken", false),
    ("kerberostgtpassing", false),
    ("afstokenpassing", false),
    ("gssusesessionccache", false),
    ("gssapiusesessioncredcache", false),
    ("checkmail", false),
    ("permitblacklistedkeys", false),
    ("uselogin", false),
    ("protocol", false),
    ("verifyreversemapping", false),
    ("reversemappingcheck", false),
    ("authorizedkeysfile2", true),
    ("useprivilegeseparation", false),
];

/// Looks a keyword up (case-insensitively).
pub(crate) fn lookup(word: &[u8]) -> Option<&'static Keyword> {
    let lower = word.to_ascii_lowercase();
    let name: &[u8] = ALIASES
        .iter()
        .find(|(a, _)| a.as_bytes() == lower.as_slice())
        .map_or(lower.as_slice(), |(_, c)| c.as_bytes());
    KEYWORDS.iter().find(|k| k.name.as_bytes() == name)
}

/// The index of a keyword in [`KEYWORDS`].
pub(crate) fn index_of(name: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| k.name == name)
}
