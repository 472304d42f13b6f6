//! Findings as OCSF 1.8.0 Detection Findings (class 2004, category Findings, host profile),
//! the open schema SIEMs and data lakes share. [`crate::render::ocsf`] and
//! [`crate::render::ocsf_lines`] write them.
//!
//! | OCSF | from |
//! |---|---|
//! | `class_uid` 2004, `category_uid` 2, `activity_id` 1 (Create), `type_uid` 200401 | fixed |
//! | `severity_id` / `severity` | info 1, low 2, medium 3, high 4, critical 5 |
//! | `status_id` 1 (New) | fixed |
//! | `time` | the report's `generated_at`, milliseconds since the epoch |
//! | `message` | `title: subject` |
//! | `metadata` | `version` 1.8.0, `product` ferret and its version, `profiles` `["host"]`, `log_name` the module, `correlation_uid` the finding's group key |
//! | `finding_info.uid` | `<ferret id>:<subject>` (one finding per subject and problem makes it unique in a report) |
//! | `finding_info.types` | the ferret id, then the ids folded into it (`also_reported_as`) |
//! | `finding_info.analytic` | the ferret id as a rule (`type_id` 1) |
//! | `finding_info.title` / `desc` | title / detail, with the folded reasons |
//! | `finding_info.attacks` | each ATT&CK id as `technique` (and `sub_technique` for `T1234.001`) |
//! | `finding_info.data_sources` | the module |
//! | `device` | the host: `hostname`, `name`, `os` (os-release `PRETTY_NAME`, Linux, `VERSION_ID`, the kernel), `boot_time`; `type_id` 0 (Unknown) |
//! | `evidences` | each evidence file as `file` (`name`, `path`, line and excerpt in `data`); the subject as `src_endpoint.ip` (an address), `user.name` (`accounts.*`) or `process.pid` (`proc.*`) |
//! | `remediation.desc` / `references` | remediation / references |
//! | `unmapped.ferret` | `id`, `subject`, `severity`, `module`, `group`, `reasons` as ferret has them |
//!
//! Every string is already escaped by ferret (see [`ferret_core::escape`]): a path or user name
//! that is not UTF-8 stays valid JSON, and reversible.

use crate::report::Report;
use ferret_core::{Evidence, Finding, Reason, Severity};
use serde::Serialize;
use std::fmt::Write as _;

/// The OCSF version of the schema written.
pub const OCSF_VERSION: &str = "1.8.0";

/// OCSF's `severity_id` and `severity` caption of a ferret severity.
pub fn severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

#[derive(Serialize)]
struct Product {
    name: &'static str,
    vendor_name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Os<'a> {
    name: &'a str,
    type_id: u16,
    #[serde(rename = "type")]
    type_name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel_release: Option<&'a str>,
}

#[derive(Serialize)]
struct Device<'a> {
    type_id: u8,
    #[serde(rename = "type")]
    type_name: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    os: Os<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    boot_time: Option<i64>,
}

/// What every finding of one report shares: the time, the host, the product.
pub struct Context<'r> {
    time: i64,
    device: Device<'r>,
}

impl<'r> Context<'r> {
    /// The shared part of `report`'s findings.
    pub fn of(report: &'r Report) -> Self {
        let h = &report.host;
        let ms = |s: &str| {
            crate::time::parse_rfc3339(s).map(|t| t.sec * 1000 + i64::from(t.nsec / 1_000_000))
        };
        Context {
            time: ms(&report.generated_at).unwrap_or(0),
            device: Device {
                type_id: 0,
                type_name: "Unknown",
                name: h.hostname.as_deref().unwrap_or(&h.root),
                hostname: h.hostname.as_deref(),
                os: Os {
                    name: h.os.as_deref().or(h.os_id.as_deref()).unwrap_or("Linux"),
                    type_id: 200,
                    type_name: "Linux",
                    version: h.os_version.as_deref(),
                    kernel_release: h.kernel.as_deref(),
                },
                boot_time: h.boot_time.as_deref().and_then(ms),
            },
        }
    }

    /// One finding as an OCSF Detection Finding (serialise it with serde).
    pub fn finding<'f>(&'f self, f: &'f Finding) -> impl Serialize + 'f {
        let (severity_id, sev) = severity(f.severity);
        let module = crate::render::module_of(f);
        let mut types = vec![f.id.as_str()];
        types.extend(f.also_reported_as.iter().map(String::as_str));
        let mut evidences: Vec<EvidenceOut<'f>> =
            f.evidence.iter().map(EvidenceOut::file).collect();
        if let Some(e) = EvidenceOut::subject(f, module) {
            evidences.push(e);
        }
        DetectionFinding {
            activity_id: 1,
            activity_name: "Create",
            category_uid: 2,
            category_name: "Findings",
            class_uid: 2004,
            class_name: "Detection Finding",
            type_uid: 200_401,
            type_name: "Detection Finding: Create",
            severity_id,
            severity: sev,
            status_id: 1,
            status: "New",
            time: self.time,
            message: format!("{}: {}", f.title, f.subject),
            metadata: Metadata {
                version: OCSF_VERSION,
                product: Product {
                    name: "ferret",
                    vendor_name: "ferret",
                    version: env!("CARGO_PKG_VERSION"),
                },
                profiles: ["host"],
                log_name: module,
                correlation_uid: f.group.as_deref(),
            },
            finding_info: FindingInfo {
                uid: format!("{}:{}", f.id, f.subject),
                title: &f.title,
                desc: describe(f),
                types,
                analytic: Analytic {
                    uid: &f.id,
                    name: &f.id,
                    type_id: 1,
                    type_name: "Rule",
                },
                attacks: f.attack.iter().filter_map(|a| Attack::of(a)).collect(),
                data_sources: [module],
            },
            device: &self.device,
            evidences,
            remediation: f.remediation.as_deref().map(|desc| Remediation {
                desc,
                references: &f.references,
            }),
            unmapped: Unmapped {
                ferret: Ferret {
                    id: &f.id,
                    subject: &f.subject,
                    severity: f.severity,
                    module,
                    group: f.group.as_deref(),
                    reasons: &f.reasons,
                },
            },
        }
    }
}

/// The detail, then each folded reason on a line of its own.
fn describe(f: &Finding) -> Option<String> {
    if f.reasons.is_empty() {
        return f.detail.clone();
    }
    let mut d = f.detail.clone().unwrap_or_default();
    for r in &f.reasons {
        if !d.is_empty() {
            d.push('\n');
        }
        let _ = write!(d, "also {} ({}): {}", r.id, r.severity, r.title);
    }
    Some(d)
}

#[derive(Serialize)]
struct DetectionFinding<'a> {
    activity_id: u8,
    activity_name: &'static str,
    category_uid: u8,
    category_name: &'static str,
    class_uid: u16,
    class_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    severity_id: u8,
    severity: &'static str,
    status_id: u8,
    status: &'static str,
    time: i64,
    message: String,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    device: &'a Device<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidences: Vec<EvidenceOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<Remediation<'a>>,
    unmapped: Unmapped<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    version: &'static str,
    product: Product,
    profiles: [&'static str; 1],
    log_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_uid: Option<&'a str>,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: String,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<String>,
    types: Vec<&'a str>,
    analytic: Analytic<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attacks: Vec<Attack<'a>>,
    data_sources: [&'a str; 1],
}

#[derive(Serialize)]
struct Analytic<'a> {
    uid: &'a str,
    name: &'a str,
    type_id: u8,
    #[serde(rename = "type")]
    type_name: &'static str,
}

#[derive(Serialize)]
struct Technique<'a> {
    uid: &'a str,
    src_url: String,
}

#[derive(Serialize)]
struct Attack<'a> {
    technique: Technique<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_technique: Option<Technique<'a>>,
}

impl<'a> Attack<'a> {
    /// `T1110` or `T1110.001`; anything else is not an ATT&CK technique id.
    fn of(id: &'a str) -> Option<Self> {
        let (tech, sub) = match id.split_once('.') {
            Some((t, s)) => (t, Some(s)),
            None => (id, None),
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !(tech.strip_prefix('T').is_some_and(|d| digits(d, 4))
            && sub.is_none_or(|s| digits(s, 3)))
        {
            return None;
        }
        let url = |path: String| format!("https://attack.mitre.org/techniques/{path}/");
        Some(Attack {
            technique: Technique {
                uid: tech,
                src_url: url(tech.to_owned()),
            },
            sub_technique: sub.map(|s| Technique {
                uid: id,
                src_url: url(format!("{tech}/{s}")),
            }),
        })
    }
}

#[derive(Serialize)]
struct OcsfFile<'a> {
    name: &'a str,
    path: &'a str,
    type_id: u8,
    #[serde(rename = "type")]
    type_name: &'static str,
}

#[derive(Serialize)]
struct EvidenceData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    excerpt: Option<&'a str>,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Pid {
    pid: u32,
}

#[derive(Serialize)]
struct Ip<'a> {
    ip: &'a str,
}

#[derive(Serialize, Default)]
struct EvidenceOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<OcsfFile<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<EvidenceData<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_endpoint: Option<Ip<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<Named<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    process: Option<Pid>,
}

impl<'a> EvidenceOut<'a> {
    fn file(e: &'a Evidence) -> Self {
        let name = e
            .path
            .rsplit('/')
            .find(|s| !s.is_empty())
            .unwrap_or(&e.path);
        EvidenceOut {
            file: Some(OcsfFile {
                name,
                path: &e.path,
                type_id: 0,
                type_name: "Unknown",
            }),
            data: (e.line.is_some() || e.excerpt.is_some()).then_some(EvidenceData {
                line: e.line,
                excerpt: e.excerpt.as_deref(),
            }),
            ..EvidenceOut::default()
        }
    }

    /// The subject as what it is, when that is known: an address, an account, a process.
    fn subject(f: &'a Finding, module: &str) -> Option<Self> {
        let s = f.subject.as_str();
        if s.parse::<std::net::IpAddr>().is_ok() {
            return Some(EvidenceOut {
                src_endpoint: Some(Ip { ip: s }),
                ..EvidenceOut::default()
            });
        }
        match module {
            "accounts" if !s.is_empty() => Some(EvidenceOut {
                user: Some(Named { name: s }),
                ..EvidenceOut::default()
            }),
            "proc" => s.parse().ok().map(|pid| EvidenceOut {
                process: Some(Pid { pid }),
                ..EvidenceOut::default()
            }),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    references: &'a [String],
}

#[derive(Serialize)]
struct Unmapped<'a> {
    ferret: Ferret<'a>,
}

#[derive(Serialize)]
struct Ferret<'a> {
    id: &'a str,
    subject: &'a str,
    severity: Severity,
    module: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Reason]>::is_empty")]
    reasons: &'a [Reason],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_ids() {
        let a = Attack::of("T1110.001").unwrap();
        assert_eq!(a.technique.uid, "T1110");
        assert_eq!(
            a.sub_technique.as_ref().map(|s| s.src_url.as_str()),
            Some("https://attack.mitre.org/techniques/T1110/001/")
        );
        assert!(Attack::of("T1046").unwrap().sub_technique.is_none());
        for bad in ["", "T12", "X1110", "T1110.1", "T1110.0001"] {
            assert!(Attack::of(bad).is_none(), "{bad}");
        }
    }
}
