//! Jenkins with security switched off: anyone who reaches it opens the script console
//! (`/script`, Groovy as the Jenkins user) or creates a job running a shell command; miners
//! (the "JenkinsMiner" campaign, Kinsing) look for it.
//!
//! Read: `config.xml` of `JENKINS_HOME` where the packages (`/var/lib/jenkins`), the image
//! (`/var/jenkins_home`), a `java -jar jenkins.war` run (`~/.jenkins` of root and the `jenkins`
//! user's home) and BT-Panel put it: `<useSecurity>false</useSecurity>` (before Jenkins 2.214,
//! security could be switched off) or `<authorizationStrategy
//! class="hudson.security.AuthorizationStrategy$Unsecured"/>` (anyone can do anything).
//! Jenkins listens on every interface by default (`--httpListenAddress`), so the listening
//! address is not read.

use crate::util::{pb, read_config};
use ferret_core::{Evidence, Finding, HostRoot, Outcome, Severity};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

/// `JENKINS_HOME` directories.
pub const HOMES: &[&str] = &[
    "/var/lib/jenkins",
    "/var/jenkins_home",
    "/root/.jenkins",
    "/www/server/jenkins",
];

/// What a Jenkins `config.xml` says about security, with lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JenkinsSecurity {
    /// `<useSecurity>` of the root element: value and line.
    pub use_security: Option<(Vec<u8>, u64)>,
    /// The `class` of `<authorizationStrategy>`: value and line.
    pub authorization: Option<(Vec<u8>, u64)>,
}

/// Reads the root element's `useSecurity` and `authorizationStrategy` of a `config.xml`.
///
/// # Errors
/// When the text is not well-formed XML: the message and its line.
pub fn parse_config(buf: &[u8]) -> Result<JenkinsSecurity, (String, u64)> {
    use quick_xml::events::Event;
    let line_at = |pos: u64| {
        let end = usize::try_from(pos).unwrap_or(usize::MAX).min(buf.len());
        buf.get(..end)
            .unwrap_or_default()
            .split(|&c| c == b'\n')
            .count() as u64
    };
    let mut r = quick_xml::Reader::from_reader(buf);
    let mut depth = 0usize;
    let mut in_use = None;
    let mut out = JenkinsSecurity::default();
    loop {
        let pos = r.buffer_position();
        let ev = r
            .read_event()
            .map_err(|e| (e.to_string(), line_at(r.error_position())))?;
        let (e, start) = match &ev {
            Event::Start(e) => (Some(e), true),
            Event::Empty(e) => (Some(e), false),
            _ => (None, false),
        };
        if let Some(e) = e.filter(|_| depth == 1) {
            let name = e.local_name();
            let name = name.into_inner().as_bytes();
            if name == b"useSecurity" && start {
                in_use = Some(line_at(pos));
            } else if name == b"authorizationStrategy" {
                let class = e
                    .try_get_attribute("class")
                    .ok()
                    .flatten()
                    .map(|a| a.value.as_bytes().to_vec())
                    .unwrap_or_default();
                out.authorization = Some((class, line_at(pos)));
            }
        }
        match ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_use = None;
            }
            Event::Text(t) => {
                if let Some(l) = in_use {
                    out.use_security = Some((t.as_bytes().trim_ascii().to_vec(), l));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The finding for one `JENKINS_HOME`'s `config.xml`.
pub fn finding(file: &Path, s: &JenkinsSecurity) -> Option<Finding> {
    let off = s
        .use_security
        .as_ref()
        .filter(|(v, _)| v.eq_ignore_ascii_case(b"false"));
    let unsecured = s
        .authorization
        .as_ref()
        .filter(|(c, _)| c.ends_with(b"AuthorizationStrategy$Unsecured"));
    if off.is_none() && unsecured.is_none() {
        return None;
    }
    let mut f = Finding::new(
        "exposure.jenkins-no-auth",
        Severity::Critical,
        "Jenkins lets anyone run code: security is off",
        pb(file),
    );
    if let Some((_, l)) = off {
        f = f.with_evidence(
            Evidence::line(pb(file), *l).with_excerpt("<useSecurity>false</useSecurity>"),
        );
    }
    if let Some((c, l)) = unsecured {
        f = f
            .with_evidence(Evidence::line(pb(file), *l).with_excerpt(
                [b"<authorizationStrategy class=\"".as_slice(), c, b"\"/>"].concat(),
            ));
    }
    Some(
        f.with_detail("Anyone who reaches Jenkins (port 8080 on every interface by default) opens the script console and runs Groovy, hence shell commands, as the Jenkins user, or creates a job that does; miners (JenkinsMiner, Kinsing) look for it.")
            .with_remediation("Enable security with a user database and a matrix or role strategy (Manage Jenkins > Security), bind to an internal address; then review the jobs, the script console's use in the logs and the Jenkins user's crontab and keys.")
            .with_attack("T1190")
            .with_attack("T1133")
            .with_attack("T1059")
            .with_reference("Jenkins: Securing Jenkins, https://www.jenkins.io/doc/book/security/"),
    )
}

/// Audits every `JENKINS_HOME` found under `root` (the fixed places and `~/.jenkins` of
/// every home).
pub(crate) fn audit(root: &HostRoot, svc: &super::Services, out: &mut Outcome) {
    let mut homes: Vec<PathBuf> = HOMES.iter().map(PathBuf::from).collect();
    for h in &svc.homes {
        let d = PathBuf::from(std::ffi::OsStr::from_bytes(h)).join(".jenkins");
        if !homes.contains(&d) {
            homes.push(d);
        }
    }
    for h in homes {
        let file = h.join("config.xml");
        let Some(buf) = read_config(root, &file, out) else {
            continue;
        };
        match parse_config(&buf) {
            Ok(s) => {
                if let Some(f) = finding(&file, &s) {
                    out.findings.push(f);
                }
            }
            Err((m, l)) => out.errors.push(crate::util::line_error(
                pb(&file),
                l,
                format!("not XML Jenkins can read: {m}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_xml() {
        let x = b"<?xml version='1.1' encoding='UTF-8'?>\n<hudson>\n  <version>2.426.3</version>\n  <useSecurity>true</useSecurity>\n  <authorizationStrategy class=\"hudson.security.AuthorizationStrategy$Unsecured\"/>\n  <securityRealm class=\"hudson.security.HudsonPrivateSecurityRealm\">\n    <useSecurity>false</useSecurity>\n  </securityRealm>\n</hudson>\n";
        let s = parse_config(x).unwrap();
        assert_eq!(s.use_security, Some((b"true".to_vec(), 4)));
        assert_eq!(
            s.authorization,
            Some((
                b"hudson.security.AuthorizationStrategy$Unsecured".to_vec(),
                5
            ))
        );
        let f = finding(Path::new("/c.xml"), &s).unwrap();
        assert_eq!(f.evidence.len(), 1);
        assert!(parse_config(b"<hudson><useSecurity>false</hudson>").is_err());
    }
}
