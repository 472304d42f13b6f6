//! Linux audit logs written as the kernel, auditd (`log_format = ENRICHED`, RHEL 8+'s
//! default), PAM, OpenSSH (RHEL's audit patch), shadow-utils, sudo and systemd write them:
//! `type=T msg=audit(EPOCH.MMM:SERIAL): ...`, user-space fields in `msg='...'`, names that need
//! it hex-encoded, the interpreted ids after `\x1d`.

use std::fmt::Write as _;

/// Upper-case hex, as `audit_encode_value` writes it.
pub fn hex(b: &[u8]) -> String {
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, c| {
            let _ = write!(s, "{c:02X}");
            s
        })
}

/// A value as `audit_encode_nv_string` writes it: quoted, or hex when it holds a space, a
/// quote, a control or a non-ASCII byte.
pub fn value(v: &[u8]) -> String {
    if v.iter().any(|&c| c <= b' ' || c == b'"' || c >= 0x7f) {
        hex(v)
    } else {
        format!("\"{}\"", String::from_utf8_lossy(v))
    }
}

const SSHD_SUBJ: &str = "system_u:system_r:sshd_t:s0-s0:c0.c1023";
const USER_SUBJ: &str = "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023";

/// An audit log being written, in time order.
#[derive(Debug, Clone, Default)]
pub struct AuditLog {
    out: String,
    serial: u64,
    /// `node=NAME ` prefix of every record (aggregated logs).
    pub node: Option<String>,
    /// Append the enriched (`\x1d`) fields.
    pub enriched: bool,
}

impl AuditLog {
    /// An empty ENRICHED log, its serial numbers starting at `serial`.
    pub fn new(serial: u64) -> Self {
        AuditLog {
            serial,
            enriched: true,
            ..AuditLog::default()
        }
    }

    /// The log's text.
    pub fn text(&self) -> &str {
        &self.out
    }

    /// A new event's serial.
    pub fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// One record of event `serial` at `ms` (milliseconds since the epoch).
    pub fn record(&mut self, ms: i64, serial: u64, kind: &str, body: &str, enriched: &str) {
        if let Some(n) = &self.node {
            let _ = write!(self.out, "node={n} ");
        }
        let _ = write!(
            self.out,
            "type={kind} msg=audit({}.{:03}:{serial}): {body}",
            ms.div_euclid(1000),
            ms.rem_euclid(1000)
        );
        if self.enriched && !enriched.is_empty() {
            self.out.push('\x1d');
            self.out.push_str(enriched);
        }
        self.out.push('\n');
    }

    /// A user-space record (its own event) from `pid`.
    #[allow(clippy::too_many_arguments)]
    pub fn user(
        &mut self,
        ms: i64,
        kind: &str,
        pid: u32,
        uid: u32,
        auid: Option<(u32, &str)>,
        ses: Option<u32>,
        subj: &str,
        msg: &str,
    ) -> u64 {
        let s = self.next_serial();
        let (a, an) = auid.map_or(("4294967295".to_string(), "unset"), |(n, name)| {
            (n.to_string(), name)
        });
        let ses = ses.map_or("4294967295".to_string(), |x| x.to_string());
        let uname = match auid {
            _ if uid == 0 => "root".to_string(),
            Some((n, name)) if n == uid => name.to_string(),
            _ => uid.to_string(),
        };
        let body = format!("pid={pid} uid={uid} auid={a} ses={ses} subj={subj} msg='{msg}'");
        let en = format!("UID=\"{uname}\" AUID=\"{an}\"");
        self.record(ms, s, kind, &body, &en);
        s
    }

    /// sshd + PAM for one failed password guess: an unknown user's `USER_LOGIN` (sshd's
    /// `Invalid user`) first, then PAM's `USER_AUTH` failure.
    pub fn ssh_failed(&mut self, ms: i64, pid: u32, user: Option<&str>, ip: &str) {
        if user.is_none() {
            let msg = format!(
                "op=login acct={} exe=\"/usr/sbin/sshd\" hostname=? addr={ip} terminal=ssh res=failed",
                hex(b"(invalid user)")
            );
            self.user(ms, "USER_LOGIN", pid, 0, None, None, SSHD_SUBJ, &msg);
        }
        let acct = value(user.unwrap_or("?").as_bytes());
        let msg = format!(
            "op=PAM:authentication grantors=? acct={acct} exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh res=failed"
        );
        self.user(ms + 2000, "USER_AUTH", pid, 0, None, None, SSHD_SUBJ, &msg);
    }

    /// A password login over ssh: `USER_AUTH`, `USER_ACCT`, `CRED_ACQ`, `LOGIN`,
    /// `USER_ROLE_CHANGE`, `USER_START`, `USER_LOGIN` (success), as RHEL 9 writes them.
    pub fn ssh_login(&mut self, ms: i64, pid: u32, user: &str, uid: u32, ip: &str, ses: u32) {
        let acct = value(user.as_bytes());
        let pam = |op: &str, grantors: &str| {
            format!("op={op} grantors={grantors} acct={acct} exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh res=success")
        };
        self.user(
            ms,
            "USER_AUTH",
            pid,
            0,
            None,
            None,
            SSHD_SUBJ,
            &pam("PAM:authentication", "pam_unix"),
        );
        self.user(
            ms + 3,
            "USER_ACCT",
            pid,
            0,
            None,
            None,
            SSHD_SUBJ,
            &pam("PAM:accounting", "pam_unix,pam_localuser"),
        );
        self.user(
            ms + 5,
            "CRED_ACQ",
            pid,
            0,
            None,
            None,
            SSHD_SUBJ,
            &pam("PAM:setcred", "pam_unix"),
        );
        let s = self.next_serial();
        self.record(
            ms + 6,
            s,
            "LOGIN",
            &format!("pid={pid} uid=0 subj={SSHD_SUBJ} old-auid=4294967295 auid={uid} tty=(none) old-ses=4294967295 ses={ses} res=1"),
            &format!("UID=\"root\" OLD-AUID=\"unset\" AUID=\"{user}\""),
        );
        let au = Some((uid, user));
        self.user(ms + 8, "USER_ROLE_CHANGE", pid, 0, au, Some(ses), SSHD_SUBJ,
            &format!("op=pam_selinux default-context=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 selected-context=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh res=success"));
        self.user(ms + 10, "USER_START", pid, 0, au, Some(ses), SSHD_SUBJ,
            &format!("op=PAM:session_open grantors=pam_selinux,pam_loginuid,pam_selinux,pam_namespace,pam_keyinit,pam_keyinit,pam_limits,pam_systemd,pam_unix,pam_umask,pam_lastlog acct={acct} exe=\"/usr/sbin/sshd\" hostname={ip} addr={ip} terminal=ssh res=success"));
        let s = self.next_serial();
        self.record(
            ms + 40,
            s,
            "USER_LOGIN",
            &format!("pid={pid} uid=0 auid={uid} ses={ses} subj={SSHD_SUBJ} msg='op=login id={uid} exe=\"/usr/sbin/sshd\" hostname=? addr={ip} terminal=/dev/pts/0 res=success'"),
            &format!("UID=\"root\" AUID=\"{user}\" ID=\"{user}\""),
        );
    }

    /// `useradd NAME` run by `by` (uid, name) in session `ses`: `ADD_GROUP` then `ADD_USER`.
    pub fn add_user(&mut self, ms: i64, pid: u32, name: &str, uid: u32, by: (u32, &str), ses: u32) {
        let sub = "unconfined_u:unconfined_r:useradd_t:s0-s0:c0.c1023";
        for (i, kind) in ["ADD_GROUP", "ADD_USER"].iter().enumerate() {
            let s = self.next_serial();
            let op = if i == 0 { "add-group" } else { "add-user" };
            self.record(
                ms + i as i64,
                s,
                kind,
                &format!("pid={pid} uid=0 auid={} ses={ses} subj={sub} msg='op={op} id={uid} exe=\"/usr/sbin/useradd\" hostname=rocky9-app addr=? terminal=pts/0 res=success'", by.0),
                &format!("UID=\"root\" AUID=\"{}\" ID=\"{name}\"", by.1),
            );
        }
    }

    /// `sudo CMD` by `by` in `cwd`: `USER_ACCT`, `USER_CMD` (cmd hex-encoded), `CRED_REFR`,
    /// `USER_START`.
    pub fn sudo(&mut self, ms: i64, pid: u32, by: (u32, &str), ses: u32, cwd: &str, cmd: &str) {
        let au = Some(by);
        let acct = value(by.1.as_bytes());
        let tail = "exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/0 res=success";
        self.user(
            ms,
            "USER_ACCT",
            pid,
            by.0,
            au,
            Some(ses),
            USER_SUBJ,
            &format!("op=PAM:accounting grantors=pam_unix,pam_localuser acct={acct} {tail}"),
        );
        self.user(
            ms + 1,
            "USER_CMD",
            pid,
            by.0,
            au,
            Some(ses),
            USER_SUBJ,
            &format!(
                "cwd={} cmd={} {tail}",
                value(cwd.as_bytes()),
                hex(cmd.as_bytes())
            ),
        );
        self.user(
            ms + 2,
            "CRED_REFR",
            pid,
            0,
            au,
            Some(ses),
            USER_SUBJ,
            &format!("op=PAM:setcred grantors=pam_env,pam_unix acct=\"root\" {tail}"),
        );
        self.user(ms + 3, "USER_START", pid, 0, au, Some(ses), USER_SUBJ, &format!("op=PAM:session_open grantors=pam_keyinit,pam_limits,pam_keyinit,pam_limits,pam_systemd,pam_unix acct=\"root\" {tail}"));
    }

    /// systemd stopping (or starting) `unit`.
    pub fn service(&mut self, ms: i64, unit: &str, start: bool) {
        let kind = if start {
            "SERVICE_START"
        } else {
            "SERVICE_STOP"
        };
        let msg = format!("unit={unit} comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success");
        self.user(
            ms,
            kind,
            1,
            0,
            None,
            None,
            "system_u:system_r:init_t:s0",
            &msg,
        );
    }

    /// A command a keyed rule recorded: `SYSCALL` (execve), `EXECVE`, `CWD`, `PATH`,
    /// `PROCTITLE`, `EOE`.
    pub fn exec(&mut self, ms: i64, pid: u32, by: (u32, &str), ses: u32, key: &str, argv: &[&str]) {
        let s = self.next_serial();
        let exe = format!("/usr/bin/{}", argv.first().copied().unwrap_or("true"));
        self.record(ms, s, "SYSCALL", &format!(
            "arch=c000003e syscall=59 success=yes exit=0 a0=55d0c a1=55d0d a2=55d0e a3=0 items=2 ppid=4000 pid={pid} auid={} uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses={ses} comm={} exe={} subj={USER_SUBJ} key={}",
            by.0, value(argv.first().copied().unwrap_or("").as_bytes()), value(exe.as_bytes()), value(key.as_bytes())),
            &format!("ARCH=x86_64 SYSCALL=execve AUID=\"{}\" UID=\"root\" GID=\"root\" EUID=\"root\" SUID=\"root\" FSUID=\"root\" EGID=\"root\" SGID=\"root\" FSGID=\"root\"", by.1));
        let mut execve = format!("argc={}", argv.len());
        for (i, a) in argv.iter().enumerate() {
            let _ = write!(execve, " a{i}={}", value(a.as_bytes()));
        }
        self.record(ms, s, "EXECVE", &execve, "");
        self.record(ms, s, "CWD", "cwd=\"/root\"", "");
        self.record(ms, s, "PATH", &format!("item=0 name={} inode=1234 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:bin_t:s0 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0", value(exe.as_bytes())), "OUID=\"root\" OGID=\"root\"");
        self.record(
            ms,
            s,
            "PROCTITLE",
            &format!("proctitle={}", hex(argv.join("\0").as_bytes())),
            "",
        );
        self.record(ms, s, "EOE", "", "");
    }
}
