//! Parsing a large sudoers policy: 10,000 rules in `/etc/sudoers` and 50 included files (200
//! rules each, relative `@include`s, aliases, Defaults), read through a root. The side-by-side
//! with `visudo -c` on the same tree is `benches/compare-sudoers.sh`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench that cannot set up should stop

use criterion::{criterion_group, criterion_main, Criterion};
use ferret::accounts::sudoers::{load_root, SudoersOptions};
use ferret::core::{Control, HostRoot};
use std::fmt::Write as _;

/// Writes the policy under `root/etc` (the same shape `compare-sudoers.sh` generates).
fn generate(root: &std::path::Path) {
    let etc = root.join("etc");
    std::fs::create_dir_all(etc.join("sudoers.inc")).unwrap();
    let mut main = String::from("Defaults env_reset\nDefaults secure_path=\"/usr/sbin:/usr/bin:/sbin:/bin\"\nroot ALL=(ALL:ALL) ALL\n");
    for f in 0..50 {
        let mut s =
            format!("Cmnd_Alias C{f} = /usr/bin/id, /usr/bin/who, /bin/ls -l /var/log/f{f}\n");
        for r in 0..200 {
            let _ = writeln!(
                s,
                "u{f}_{r} ALL = (root) NOPASSWD: C{f}, /usr/bin/systemctl restart svc{r}"
            );
        }
        std::fs::write(etc.join(format!("sudoers.inc/f{f:02}")), s).unwrap();
        let _ = writeln!(main, "@include sudoers.inc/f{f:02}");
    }
    std::fs::write(etc.join("sudoers"), main).unwrap();
}

fn bench(c: &mut Criterion) {
    let t = tempfile::tempdir().unwrap();
    generate(t.path());
    let root = HostRoot::new(t.path()).unwrap();
    let opts = SudoersOptions::default();
    let s = load_root(&root, &opts, &Control::unbounded());
    assert_eq!(s.user_specs.len(), 10_001);
    assert_eq!(s.files.len(), 51);
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics.first());
    c.bench_function("sudoers: 10,000 rules in 51 files, load and parse", |b| {
        b.iter(|| load_root(&root, &opts, &Control::unbounded()));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
