//! Findings: what every ferret check reports.

use std::fmt;

/// How urgent a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Severity {
    /// Context for a reviewer; no action implied.
    #[default]
    Info,
    /// Worth fixing when convenient.
    Low,
    /// A weakness or suspicious trace that should be looked at.
    Medium,
    /// Likely compromise or an open door.
    High,
    /// Act now: evidence of compromise or a trivially exploitable hole.
    Critical,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lower-case name used in JSON and text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown severity {s:?}"))
    }
}

/// Where a finding was seen: a file (escaped, see [`crate::escape`]) and optionally a line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Evidence {
    /// Path of the file, as seen inside the audited root (`/etc/passwd`), escaped.
    pub path: String,
    /// 1-based line number, when the evidence is a line.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub line: Option<u64>,
    /// A short escaped excerpt, never containing secrets (hashes, keys).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub excerpt: Option<String>,
}

impl Evidence {
    /// Evidence pointing at a whole file; `path` is raw bytes and is escaped here.
    pub fn file(path: impl AsRef<[u8]>) -> Self {
        Evidence {
            path: crate::escape::escape(path.as_ref()),
            line: None,
            excerpt: None,
        }
    }

    /// Evidence pointing at one line of a file.
    pub fn line(path: impl AsRef<[u8]>, line: u64) -> Self {
        Evidence {
            line: Some(line),
            ..Evidence::file(path)
        }
    }

    /// Adds an excerpt (escaped here). Callers must not pass secrets.
    pub fn with_excerpt(mut self, excerpt: impl AsRef<[u8]>) -> Self {
        let mut e = crate::escape::escape(excerpt.as_ref());
        if e.len() > 512 {
            let mut cut = 512;
            while !e.is_char_boundary(cut) {
                cut -= 1;
            }
            e.truncate(cut);
            e.push('…');
        }
        self.excerpt = Some(e);
        self
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// One thing a check found, in the shape shared by every ferret crate.
///
/// `id` is stable and documented per crate (`accounts.uid0-duplicate`); `subject` names what the
/// finding is about (a user, a path, a pid, an IP) and is escaped text; `attack` holds MITRE
/// ATT&CK technique ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Finding {
    /// Stable identifier of the check, `<module>.<check>`.
    pub id: String,
    /// How urgent.
    pub severity: Severity,
    /// One-line human summary.
    pub title: String,
    /// What it is about (escaped): a user name, path, pid, address.
    pub subject: String,
    /// Where it was seen.
    #[cfg_attr(feature = "serde", serde(default))]
    pub evidence: Vec<Evidence>,
    /// MITRE ATT&CK technique ids (`T1136.001`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub attack: Vec<String>,
    /// Free-form detail: why it matters, values seen (never secrets).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub detail: Option<String>,
    /// How to fix it, where there is a fix.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub remediation: Option<String>,
    /// Other references (CIS benchmark items, CVEs, man pages).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub references: Vec<String>,
    /// Ids of other findings about the same subject that a report folded into this one.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub also_reported_as: Vec<String>,
}

impl Finding {
    /// A finding with no evidence yet; `subject` is raw bytes and is escaped here.
    pub fn new(
        id: impl Into<String>,
        severity: Severity,
        title: impl Into<String>,
        subject: impl AsRef<[u8]>,
    ) -> Self {
        Finding {
            id: id.into(),
            severity,
            title: crate::escape::sanitize(&title.into()).into_owned(),
            subject: crate::escape::escape(subject.as_ref()),
            evidence: Vec::new(),
            attack: Vec::new(),
            detail: None,
            remediation: None,
            references: Vec::new(),
            also_reported_as: Vec::new(),
        }
    }

    /// Adds evidence.
    pub fn with_evidence(mut self, e: Evidence) -> Self {
        self.evidence.push(e);
        self
    }

    /// Adds an ATT&CK technique id.
    pub fn with_attack(mut self, technique: impl Into<String>) -> Self {
        self.attack.push(technique.into());
        self
    }

    /// Sets the detail text (control characters that reach it unescaped are escaped here,
    /// see [`crate::escape::sanitize`]).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(crate::escape::sanitize(&detail.into()).into_owned());
        self
    }

    /// Sets the remediation text (sanitised as the detail is).
    pub fn with_remediation(mut self, fix: impl Into<String>) -> Self {
        self.remediation = Some(crate::escape::sanitize(&fix.into()).into_owned());
        self
    }

    /// Adds a reference (CIS item, CVE, man page).
    pub fn with_reference(mut self, r: impl Into<String>) -> Self {
        self.references.push(r.into());
        self
    }

    /// Sorts findings the way reports show them: most severe first, then by id and subject.
    pub fn sort(findings: &mut [Finding]) {
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.id.cmp(&b.id))
                .then_with(|| a.subject.cmp(&b.subject))
        });
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {} ({})",
            self.severity, self.id, self.title, self.subject
        )?;
        for e in &self.evidence {
            write!(f, " @ {e}")?;
        }
        if !self.attack.is_empty() {
            write!(f, " [{}]", self.attack.join(","))?;
        }
        Ok(())
    }
}

/// An error kept beside a partial result: one unreadable file does not sink the rest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct ErrorRecord {
    /// The file concerned, escaped, when there is one.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub path: Option<String>,
    /// The line concerned, when there is one.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub line: Option<u64>,
    /// What went wrong (escaped where it quotes input; [`ErrorRecord::new`] escapes any
    /// control character left, see [`crate::escape::sanitize`]).
    pub message: String,
}

impl ErrorRecord {
    /// An error about a file (`path` raw bytes, escaped here; `message` sanitised here).
    pub fn new(path: Option<&[u8]>, line: Option<u64>, message: impl Into<String>) -> Self {
        let message = message.into();
        ErrorRecord {
            path: path.map(crate::escape::escape),
            line,
            message: match crate::escape::sanitize(&message) {
                std::borrow::Cow::Borrowed(_) => message,
                std::borrow::Cow::Owned(clean) => clean,
            },
        }
    }

    /// An error from any `std::error::Error`, about `path`.
    pub fn from_error(path: Option<&[u8]>, err: &dyn std::error::Error) -> Self {
        ErrorRecord::new(path, None, err.to_string())
    }
}

impl fmt::Display for ErrorRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(p), Some(l)) => write!(f, "{p}:{l}: {}", self.message),
            (Some(p), None) => write!(f, "{p}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl From<&crate::Error> for ErrorRecord {
    fn from(e: &crate::Error) -> Self {
        use std::os::unix::ffi::OsStrExt;
        ErrorRecord {
            path: e
                .path()
                .map(|p| crate::escape::escape(p.as_os_str().as_bytes())),
            line: None,
            message: crate::escape::sanitize(&e.reason()).into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Info < Severity::Low);
        assert!(Severity::High < Severity::Critical);
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>().unwrap(), s);
        }
        assert!("urgent".parse::<Severity>().is_err());
    }

    #[test]
    fn sort_puts_critical_first() {
        let mut v = vec![
            Finding::new("a.x", Severity::Low, "low", "s"),
            Finding::new("a.y", Severity::Critical, "crit", "s"),
            Finding::new("a.z", Severity::Medium, "med", "s"),
        ];
        Finding::sort(&mut v);
        let order: Vec<_> = v.iter().map(|f| f.severity).collect();
        assert_eq!(order, [Severity::Critical, Severity::Medium, Severity::Low]);
    }

    #[test]
    fn text_that_quotes_input_reaches_no_terminal_raw() {
        let e = ErrorRecord::new(
            Some(b"/etc/ssh/sshd_config"),
            Some(6),
            "permitrootlogin: unsupported option \"\x1b]0;owned\x07\"",
        );
        assert_eq!(
            e.to_string(),
            r#"/etc/ssh/sshd_config:6: permitrootlogin: unsupported option "\x1b]0;owned\x07""#
        );
        let f = Finding::new("t.t", Severity::Info, "title \x1b[2J", b"s")
            .with_detail("detail \u{202e}")
            .with_remediation("fix\r");
        assert_eq!(f.title, r"title \x1b[2J");
        assert_eq!(f.detail.as_deref(), Some(r"detail \u{202e}"));
        assert_eq!(f.remediation.as_deref(), Some(r"fix\r"));
    }

    #[test]
    fn subject_and_excerpt_are_escaped() {
        let f = Finding::new("t.t", Severity::Info, "t", b"ev\x1bil")
            .with_evidence(Evidence::line(b"/var/log/auth\xff", 3).with_excerpt(b"\x1b[31m"));
        assert_eq!(f.subject, "ev\\x1bil");
        assert_eq!(f.evidence[0].path, "/var/log/auth\\xff");
        assert_eq!(f.evidence[0].excerpt.as_deref(), Some("\\x1b[31m"));
        assert_eq!(f.evidence[0].to_string(), "/var/log/auth\\xff:3");
    }
}

/// Findings and errors of one check run: the partial-result shape every crate returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Outcome {
    /// What was found, most severe first once [`Outcome::sort`] ran.
    pub findings: Vec<Finding>,
    /// What could not be read or parsed; the findings cover the rest.
    pub errors: Vec<ErrorRecord>,
}

impl Outcome {
    /// An empty outcome.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends another outcome.
    pub fn merge(&mut self, other: Outcome) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
    }

    /// Records an error.
    pub fn error(&mut self, e: impl Into<ErrorRecord>) {
        self.errors.push(e.into());
    }

    /// Sorts the findings most severe first (see [`Finding::sort`]).
    pub fn sort(&mut self) {
        Finding::sort(&mut self.findings);
    }

    /// The highest severity found, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

impl From<crate::Error> for ErrorRecord {
    fn from(e: crate::Error) -> Self {
        ErrorRecord::from(&e)
    }
}
