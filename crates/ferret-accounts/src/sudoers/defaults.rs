//! The `Defaults` settings sudo knows, with the kind of value each takes: the table visudo
//! checks names and values against (from sudo's `plugins/sudoers/def_data.in`, sudo 1.9.17,
//! ISC licence). An unknown name is an error, as in `visudo -c`.

/// The kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// On or off only (`Defaults requiretty`, `Defaults !requiretty`).
    Flag,
    /// A string.
    Str,
    /// A signed integer.
    Int,
    /// An unsigned integer.
    Uint,
    /// An octal file mode.
    Mode,
    /// A space-separated list, assigned with `=`, `+=` or `-=`.
    List,
    /// A timeout like `2d8h10m59s` or seconds.
    Timeout,
    /// Minutes, possibly fractional (`.5`).
    Timespec,
    /// One of a fixed set of words.
    Tuple(&'static [&'static str]),
    /// A syslog facility.
    LogFacility,
    /// A syslog priority.
    LogPriority,
    /// A resource limit (`soft,hard`, `infinity`, numbers).
    Rlimit,
}

/// One known setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setting {
    /// Its name.
    pub name: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// Whether it may also be used as a boolean (`Defaults !logfile`).
    pub boolean: bool,
}

/// Every setting sudo knows.
pub static SETTINGS: &[(&str, Kind, bool)] = &[
    ("syslog", Kind::LogFacility, true),
    ("syslog_goodpri", Kind::LogPriority, true),
    ("syslog_badpri", Kind::LogPriority, true),
    ("long_otp_prompt", Kind::Flag, false),
    ("ignore_dot", Kind::Flag, false),
    ("mail_always", Kind::Flag, false),
    ("mail_badpass", Kind::Flag, false),
    ("mail_no_user", Kind::Flag, false),
    ("mail_no_host", Kind::Flag, false),
    ("mail_no_perms", Kind::Flag, false),
    ("mail_all_cmnds", Kind::Flag, false),
    ("tty_tickets", Kind::Flag, false),
    ("lecture", Kind::Tuple(&["never", "once", "always"]), true),
    ("lecture_file", Kind::Str, true),
    ("authenticate", Kind::Flag, false),
    ("root_sudo", Kind::Flag, false),
    ("log_host", Kind::Flag, false),
    ("log_year", Kind::Flag, false),
    ("shell_noargs", Kind::Flag, false),
    ("set_home", Kind::Flag, false),
    ("always_set_home", Kind::Flag, false),
    ("path_info", Kind::Flag, false),
    ("fqdn", Kind::Flag, false),
    ("insults", Kind::Flag, false),
    ("requiretty", Kind::Flag, false),
    ("env_editor", Kind::Flag, false),
    ("rootpw", Kind::Flag, false),
    ("runaspw", Kind::Flag, false),
    ("targetpw", Kind::Flag, false),
    ("use_loginclass", Kind::Flag, false),
    ("set_logname", Kind::Flag, false),
    ("stay_setuid", Kind::Flag, false),
    ("preserve_groups", Kind::Flag, false),
    ("loglinelen", Kind::Uint, true),
    ("timestamp_timeout", Kind::Timespec, true),
    ("passwd_timeout", Kind::Timespec, true),
    ("passwd_tries", Kind::Uint, false),
    ("umask", Kind::Mode, true),
    ("logfile", Kind::Str, true),
    ("mailerpath", Kind::Str, true),
    ("mailerflags", Kind::Str, true),
    ("mailto", Kind::Str, true),
    ("mailfrom", Kind::Str, true),
    ("mailsub", Kind::Str, false),
    ("badpass_message", Kind::Str, false),
    ("lecture_status_dir", Kind::Str, false),
    ("timestampdir", Kind::Str, false),
    ("timestampowner", Kind::Str, false),
    ("exempt_group", Kind::Str, true),
    ("passprompt", Kind::Str, false),
    ("passprompt_override", Kind::Flag, false),
    ("runas_default", Kind::Str, false),
    ("secure_path", Kind::Str, true),
    ("editor", Kind::Str, false),
    (
        "listpw",
        Kind::Tuple(&["never", "any", "all", "always"]),
        true,
    ),
    (
        "verifypw",
        Kind::Tuple(&["never", "all", "any", "always"]),
        true,
    ),
    ("noexec", Kind::Flag, false),
    ("ignore_local_sudoers", Kind::Flag, false),
    ("closefrom", Kind::Int, false),
    ("closefrom_override", Kind::Flag, false),
    ("setenv", Kind::Flag, false),
    ("env_reset", Kind::Flag, false),
    ("env_check", Kind::List, true),
    ("env_delete", Kind::List, true),
    ("env_keep", Kind::List, true),
    ("role", Kind::Str, false),
    ("type", Kind::Str, false),
    ("env_file", Kind::Str, true),
    ("restricted_env_file", Kind::Str, true),
    ("sudoers_locale", Kind::Str, false),
    ("visiblepw", Kind::Flag, false),
    ("pwfeedback", Kind::Flag, false),
    ("fast_glob", Kind::Flag, false),
    ("umask_override", Kind::Flag, false),
    ("log_input", Kind::Flag, false),
    ("log_stdin", Kind::Flag, false),
    ("log_ttyin", Kind::Flag, false),
    ("log_output", Kind::Flag, false),
    ("log_stdout", Kind::Flag, false),
    ("log_stderr", Kind::Flag, false),
    ("log_ttyout", Kind::Flag, false),
    ("compress_io", Kind::Flag, false),
    ("use_pty", Kind::Flag, false),
    ("group_plugin", Kind::Str, false),
    ("iolog_dir", Kind::Str, false),
    ("iolog_file", Kind::Str, false),
    ("set_utmp", Kind::Flag, false),
    ("utmp_runas", Kind::Flag, false),
    ("privs", Kind::Str, false),
    ("limitprivs", Kind::Str, false),
    ("exec_background", Kind::Flag, false),
    ("pam_service", Kind::Str, false),
    ("pam_login_service", Kind::Str, false),
    ("pam_askpass_service", Kind::Str, false),
    ("pam_setcred", Kind::Flag, false),
    ("pam_session", Kind::Flag, false),
    ("pam_acct_mgmt", Kind::Flag, false),
    ("pam_silent", Kind::Flag, false),
    ("maxseq", Kind::Str, false),
    ("use_netgroups", Kind::Flag, false),
    ("sudoedit_checkdir", Kind::Flag, false),
    ("sudoedit_follow", Kind::Flag, false),
    ("always_query_group_plugin", Kind::Flag, false),
    ("netgroup_tuple", Kind::Flag, false),
    ("ignore_audit_errors", Kind::Flag, false),
    ("ignore_iolog_errors", Kind::Flag, false),
    ("ignore_logfile_errors", Kind::Flag, false),
    ("match_group_by_gid", Kind::Flag, false),
    ("syslog_maxlen", Kind::Uint, false),
    ("iolog_user", Kind::Str, true),
    ("iolog_group", Kind::Str, true),
    ("iolog_mode", Kind::Mode, false),
    (
        "fdexec",
        Kind::Tuple(&["never", "digest_only", "always"]),
        true,
    ),
    ("ignore_unknown_defaults", Kind::Flag, false),
    ("command_timeout", Kind::Timeout, true),
    ("user_command_timeouts", Kind::Flag, false),
    ("iolog_flush", Kind::Flag, false),
    ("syslog_pid", Kind::Flag, false),
    (
        "timestamp_type",
        Kind::Tuple(&["global", "ppid", "tty", "kernel"]),
        false,
    ),
    ("authfail_message", Kind::Str, false),
    ("case_insensitive_user", Kind::Flag, false),
    ("case_insensitive_group", Kind::Flag, false),
    ("log_allowed", Kind::Flag, false),
    ("log_denied", Kind::Flag, false),
    ("log_servers", Kind::List, true),
    ("log_server_timeout", Kind::Timeout, true),
    ("log_server_keepalive", Kind::Flag, false),
    ("log_server_cabundle", Kind::Str, true),
    ("log_server_peer_cert", Kind::Str, true),
    ("log_server_peer_key", Kind::Str, true),
    ("log_server_verify", Kind::Flag, false),
    ("runas_allow_unknown_id", Kind::Flag, false),
    ("runas_check_shell", Kind::Flag, false),
    ("pam_ruser", Kind::Flag, false),
    ("pam_rhost", Kind::Flag, false),
    ("runcwd", Kind::Str, true),
    ("runchroot", Kind::Str, true),
    (
        "log_format",
        Kind::Tuple(&["sudo", "json", "json_compact", "json_pretty"]),
        false,
    ),
    ("selinux", Kind::Flag, false),
    ("admin_flag", Kind::Str, true),
    ("intercept", Kind::Flag, false),
    ("log_subcmds", Kind::Flag, false),
    ("log_exit_status", Kind::Flag, false),
    ("intercept_authenticate", Kind::Flag, false),
    ("intercept_allow_setid", Kind::Flag, false),
    ("rlimit_as", Kind::Rlimit, true),
    ("rlimit_core", Kind::Rlimit, true),
    ("rlimit_cpu", Kind::Rlimit, true),
    ("rlimit_data", Kind::Rlimit, true),
    ("rlimit_fsize", Kind::Rlimit, true),
    ("rlimit_locks", Kind::Rlimit, true),
    ("rlimit_memlock", Kind::Rlimit, true),
    ("rlimit_nofile", Kind::Rlimit, true),
    ("rlimit_nproc", Kind::Rlimit, true),
    ("rlimit_rss", Kind::Rlimit, true),
    ("rlimit_stack", Kind::Rlimit, true),
    ("noninteractive_auth", Kind::Flag, false),
    ("log_passwords", Kind::Flag, false),
    ("passprompt_regex", Kind::List, true),
    ("intercept_type", Kind::Tuple(&["dso", "trace"]), false),
    ("intercept_verify", Kind::Flag, false),
    ("apparmor_profile", Kind::Str, false),
    ("cmddenial_message", Kind::Str, false),
];

/// Looks a setting up by name.
pub fn lookup(name: &[u8]) -> Option<Setting> {
    SETTINGS
        .iter()
        .find(|(n, _, _)| n.as_bytes() == name)
        .map(|&(name, kind, boolean)| Setting {
            name,
            kind,
            boolean,
        })
}

const FACILITIES: &[&str] = &[
    "authpriv", "auth", "daemon", "user", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];
const PRIORITIES: &[&str] = &[
    "alert", "crit", "debug", "emerg", "err", "info", "notice", "warning", "none",
];

/// sudo's `parse_timeout`: `[Nd][Nh][Nm][Ns]` or plain seconds, in that order, each at most
/// once; `None` when invalid or out of range (`i32`).
pub fn parse_timeout(s: &[u8]) -> Option<i64> {
    const SUFFIXES: &[u8] = b"dhms";
    let mut total: i64 = 0;
    let mut idx = 0usize;
    let mut rest = s;
    loop {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let (num, after) = rest.split_at(digits);
        let mut l: i64 = std::str::from_utf8(num).ok()?.parse().ok()?;
        if l > i64::from(i32::MAX) {
            return None;
        }
        rest = after;
        if let Some((&c, after)) = rest.split_first() {
            let c = c.to_ascii_lowercase();
            loop {
                match SUFFIXES.get(idx) {
                    None => return None,
                    Some(&s) if s == c => break,
                    Some(_) => idx += 1,
                }
            }
            l *= match c {
                b'd' => 86_400,
                b'h' => 3_600,
                b'm' => 60,
                _ => 1,
            };
            rest = after;
        }
        total += l;
        if total > i64::from(i32::MAX) {
            return None;
        }
        if rest.is_empty() {
            return Some(total);
        }
    }
}

fn is_number(v: &[u8], signed: bool) -> bool {
    let v = match v.split_first() {
        Some((b'-' | b'+', r)) if signed => r,
        _ => v,
    };
    !v.is_empty() && v.iter().all(u8::is_ascii_digit)
}

/// Whether `value` is acceptable for `setting` (visudo's "value ... is invalid for option").
pub fn value_ok(setting: &Setting, value: &[u8]) -> bool {
    let s = std::str::from_utf8(value).unwrap_or("");
    match setting.kind {
        Kind::Flag => false,
        Kind::Str | Kind::List => true,
        Kind::Int => is_number(value, true) && s.parse::<i32>().is_ok(),
        Kind::Uint => {
            is_number(value, false) && s.parse::<u32>().is_ok_and(|n| i32::try_from(n).is_ok())
        }
        Kind::Mode => {
            !value.is_empty()
                && value.iter().all(|b| (b'0'..=b'7').contains(b))
                && u32::from_str_radix(s, 8).is_ok_and(|m| m <= 0o777)
        }
        Kind::Timeout => parse_timeout(value).is_some(),
        Kind::Timespec => {
            let t = s.strip_prefix('-').unwrap_or(s);
            !t.is_empty() && t.parse::<f64>().is_ok_and(f64::is_finite)
        }
        Kind::Tuple(vals) => vals.contains(&s),
        Kind::LogFacility => FACILITIES.contains(&s),
        Kind::LogPriority => PRIORITIES.contains(&s),
        Kind::Rlimit => s.split(',').take(3).enumerate().all(|(i, p)| {
            i < 2
                && (p == "infinity"
                    || p == "user"
                    || p == "default"
                    || is_number(p.as_bytes(), false))
        }),
    }
}
