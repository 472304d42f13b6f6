//! The smallest embedding of `ferret-accounts` alone (no facade): audit the account files of a
//! root and print what needs attention.
//!
//! ```text
//! cargo run -p ferret-accounts --example audit_minimal -- [ROOT]
//! ```
//! The one dependency an embedder needs: `ferret-accounts` (with `default-features = false` if
//! serde and rayon are not wanted); `HostRoot`, `Control` and `Finding` come through its `core`.

fn main() {
    let root = match std::env::args_os().nth(1) {
        Some(p) => match ferret_accounts::core::HostRoot::new(&p) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        },
        None => ferret_accounts::core::HostRoot::live(),
    };
    let out = ferret_accounts::audit_root(
        &root,
        &ferret_accounts::AuditOptions::default(),
        &ferret_accounts::core::Control::new(),
    );
    // Findings are sorted most severe first; titles and subjects are already escaped.
    for f in out
        .findings
        .iter()
        .filter(|f| f.severity >= ferret_accounts::core::Severity::Low)
    {
        println!("{f}");
    }
    for e in &out.errors {
        eprintln!("error: {e}");
    }
    let worst = out.max_severity();
    std::process::exit(i32::from(
        worst >= Some(ferret_accounts::core::Severity::Medium),
    ));
}
