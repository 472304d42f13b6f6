//! The planted compromise of the issue, found exactly; the control tree, untouched.

use crate::common::*;
use ferret_core::Severity;
use ferret_scan::{Check, ScanOptions};

fn s(x: &str) -> String {
    x.to_owned()
}

#[test]
fn control_tree_has_no_findings() {
    let t = tempfile::tempdir().unwrap();
    control_tree(t.path());
    let r = scan(t.path(), &ScanOptions::default());
    assert!(r.outcome.findings.is_empty(), "{:#?}", r.outcome.findings);
    assert!(r.outcome.errors.is_empty(), "{:#?}", r.outcome.errors);
    // It did look: every place was classified, the dpkg database was read.
    assert!(r.stats.classified >= 12, "{:?}", r.stats);
    // ELF files read: /tmp/build.o and ~alice/.local/bin/tool (the packaged ones and the
    // module tree are not read).
    assert_eq!(r.stats.elf, 2, "{:?}", r.stats);
    assert_eq!(
        r.stats.kernel_modules, 0,
        "the module tree is not classified: {:?}",
        r.stats
    );
    assert!(
        r.stats.package_index.starts_with("dpkg"),
        "{}",
        r.stats.package_index
    );
    assert_eq!(
        r.stats.tool_references, 1,
        "curl is the one packaged dual-use tool"
    );
    assert!(r.stats.stopped.is_none());
}

#[test]
fn planted_compromise_is_found_exactly() {
    let t = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    control_tree(t.path());
    planted_tree(t.path(), scratch.path());
    let r = scan(t.path(), &ScanOptions::default());
    let got = summary(&r);
    let expected = vec![
        (s("scan.deceptive-dir"), s("/usr/share/..."), vec![]),
        (
            s("scan.exec-in-hidden-dir"),
            s("/usr/share/.../bot"),
            vec![],
        ),
        (
            s("scan.exec-in-log"),
            s("/var/log/x.log.exe"),
            vec![s("scan.disguised-file")],
        ),
        (
            s("scan.exec-in-temp"),
            s("/tmp/.font-unix/sshd"),
            vec![s("scan.packed-elf")],
        ),
        (
            s("scan.ioc-name"),
            s("/root/.cache/.x/xmrig"),
            vec![s("scan.exec-in-hidden-dir")],
        ),
        (
            s("scan.ioc-name"),
            s("/tmp/kdevtmpfsi"),
            vec![s("scan.exec-in-temp")],
        ),
        (
            s("scan.ioc-name"),
            s("/usr/local/lib/libprocesshider.so"),
            vec![],
        ),
        (s("scan.ioc-preload"), s("/etc/ld.so.preload"), vec![]),
        (
            s("scan.kernel-module-outside-tree"),
            s("/var/tmp/rk.ko"),
            vec![],
        ),
        (s("scan.malicious-command"), s("/etc/cron.d/update"), vec![]),
        (
            s("scan.malicious-command"),
            s("/etc/systemd/system/kworker.service"),
            vec![s("scan.ioc-pool")],
        ),
        (
            s("scan.miner-config"),
            s("/root/.cache/.x/config.json"),
            vec![s("scan.ioc-pool")],
        ),
        (s("scan.renamed-tool"), s("/usr/local/bin/kupd"), vec![]),
        (
            s("scan.unowned-system-executable"),
            s("/usr/bin/kupdate"),
            vec![],
        ),
    ];
    assert_eq!(got, expected, "{:#?}", r.outcome.findings);
    assert!(r.outcome.errors.is_empty(), "{:#?}", r.outcome.errors);

    let by = |subject: &str| {
        r.outcome
            .findings
            .iter()
            .find(|f| f.subject == subject)
            .unwrap()
    };
    // Severities and evidence, for the ones that matter most.
    let ko = by("/var/tmp/rk.ko");
    assert_eq!(ko.severity, Severity::Critical);
    let d = ko.detail.as_deref().unwrap();
    assert!(
        d.contains("name rk") && d.contains("vermagic 6.1.0-18-amd64"),
        "{d}"
    );
    assert!(ko.attack.contains(&s("T1547.006")));
    let miner = by("/root/.cache/.x/config.json");
    assert_eq!(miner.severity, Severity::Critical);
    let d = miner.detail.as_deref().unwrap();
    assert!(
        d.contains("stratum+tcp://pool.supportxmr.com:3333") && d.contains(XMR),
        "{d}"
    );
    let curl = by("/usr/local/bin/kupd");
    assert!(curl
        .detail
        .as_deref()
        .unwrap()
        .contains("/usr/bin/curl of package curl"));
    assert_eq!(curl.attack, [s("T1036.003")]);
    let cron = by("/etc/cron.d/update");
    assert_eq!(cron.severity, Severity::Critical);
    assert_eq!(cron.evidence[1].line, Some(1));
    assert!(cron.evidence[1]
        .excerpt
        .as_deref()
        .unwrap()
        .starts_with("curl -fsSL"));
    let kinsing = by("/tmp/kdevtmpfsi");
    assert_eq!(kinsing.severity, Severity::Critical);
    assert!(kinsing.detail.as_deref().unwrap().contains("Aqua Security"));
    let packed = by("/tmp/.font-unix/sshd");
    assert!(packed.detail.as_deref().unwrap().contains("UPX! magic"));
    let preload = by("/etc/ld.so.preload");
    assert_eq!(preload.severity, Severity::Critical);
    assert_eq!(preload.evidence[1].line, Some(1));
    let log = by("/var/log/x.log.exe");
    assert!(log
        .detail
        .as_deref()
        .unwrap()
        .contains("double extension *.log.exe"));
}

#[test]
fn checks_can_be_selected() {
    let t = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    control_tree(t.path());
    planted_tree(t.path(), scratch.path());
    let mut o = ScanOptions::default();
    o.checks = vec![Check::Modules, Check::Miner];
    let r = scan(t.path(), &o);
    let ids: Vec<(String, String)> = summary(&r).into_iter().map(|(i, s, _)| (i, s)).collect();
    assert_eq!(
        ids,
        [
            (s("scan.kernel-module-outside-tree"), s("/var/tmp/rk.ko")),
            (s("scan.miner-config"), s("/root/.cache/.x/config.json")),
        ]
    );
    // Without the hidden-directory walk, only the places were walked.
    assert!(!r.stats.walks.contains(&s("/")), "{:?}", r.stats.walks);
    assert_eq!(
        "renamed-tools".parse::<Check>().unwrap(),
        Check::RenamedTools
    );
    assert!("nope".parse::<Check>().is_err());
    for c in Check::ALL {
        assert_eq!(c.as_str().parse::<Check>().unwrap(), c);
    }
}

#[test]
fn many_alike_are_grouped_and_named_paths_are_scanned() {
    let t = tempfile::tempdir().unwrap();
    control_tree(t.path());
    for i in 0..30 {
        write(
            t.path(),
            &format!("tmp/unpacked/tool{i:02}"),
            elf_exec(),
            0o755,
        );
    }
    // A path the caller names is scanned like a drop location wherever it is.
    write(t.path(), "srv/www/uploads/avatar.png", elf_exec(), 0o644);
    let mut o = ScanOptions::default();
    o.paths = vec!["/srv/www/uploads".into()];
    let r = scan(t.path(), &o);
    let got: Vec<(String, String)> = summary(&r).into_iter().map(|(i, s, _)| (i, s)).collect();
    assert_eq!(
        got,
        [
            (s("scan.disguised-file"), s("/srv/www/uploads/avatar.png")),
            (s("scan.exec-in-temp"), s("/tmp/unpacked")),
        ]
    );
    let g = r
        .outcome
        .findings
        .iter()
        .find(|f| f.subject == "/tmp/unpacked")
        .unwrap();
    assert!(g.title.starts_with("30 files:"), "{}", g.title);
    assert_eq!(g.evidence.len(), 10);
}

#[test]
fn package_index_from_the_caller() {
    // An rpm-style index handed in: the unowned check uses it instead of dpkg's.
    use ferret_baseline::pkg::PackageIndex;
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644);
    write(t.path(), "usr/bin/bash", elf_exec(), 0o755);
    write(t.path(), "usr/bin/evil", elf_exec(), 0o755);
    let mut idx = PackageIndex::new();
    let p = idx.add_package("bash-5.1.8-6.el9.x86_64");
    idx.add_file(p, "/usr/bin/bash");
    let mut o = ScanOptions::default();
    o.package_index = Some(std::sync::Arc::new(idx));
    let r = scan(t.path(), &o);
    let got: Vec<(String, String)> = summary(&r).into_iter().map(|(i, s, _)| (i, s)).collect();
    assert_eq!(
        got,
        [(s("scan.unowned-system-executable"), s("/usr/bin/evil"))]
    );
    assert!(
        r.stats.package_index.starts_with("caller's index"),
        "{}",
        r.stats.package_index
    );
}

#[cfg(feature = "serde")]
#[test]
fn report_serialises() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "tmp/kdevtmpfsi", elf_exec(), 0o755);
    let r = scan(t.path(), &ScanOptions::default());
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["findings"][0]["id"], "scan.ioc-name");
    assert!(j["stats"]["classified"].as_u64().unwrap() >= 1);
}

/// The renamed-tool comparison looks where attackers put such copies (drop locations, homes,
/// system and selective places, web roots, hidden directories, named paths) and not in the rest
/// of the root file system, whose files are passed over by name and listed type alone.
#[test]
fn renamed_tools_are_looked_for_where_attackers_put_them() {
    let t = tempfile::tempdir().unwrap();
    control_tree(t.path());
    let looked = [
        "tmp/k1",
        "root/k2",
        "usr/sbin/k3",
        "opt/app/k4",
        "var/www/html/k5",
        "srv/k6",
        "data/wwwroot/site/k7",
        "usr/share/.cache-x/k8",
        "build/named/k9",
    ];
    let not_looked = ["build/out/k10", "usr/share/doc/k11", "lib/modules/k12"];
    for rel in looked.iter().chain(&not_looked) {
        copy(t.path(), "/usr/bin/curl", rel, 0o644);
    }
    let mut o = ScanOptions::default();
    o.checks = vec![Check::RenamedTools, Check::Hidden];
    o.paths = vec!["/build/named".into()];
    let r = scan(t.path(), &o);
    let mut renamed: Vec<String> = r
        .outcome
        .findings
        .iter()
        .filter(|f| {
            f.id == "scan.renamed-tool"
                || f.also_reported_as.iter().any(|a| a == "scan.renamed-tool")
        })
        .map(|f| f.subject.clone())
        .collect();
    renamed.sort();
    let mut want: Vec<String> = looked.iter().map(|p| format!("/{p}")).collect();
    want.sort();
    assert_eq!(renamed, want, "{:#?}", r.outcome.findings);
}
