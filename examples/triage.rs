//! `cargo run --release --example triage` — the responder's first ten minutes.
//!
//! Placeholder until the facade's triage orchestration lands (issue 8): it lists the modules
//! this build contains and reports that no checks were run. It never claims a finding.

fn main() {
    let mut modules = Vec::new();
    if cfg!(feature = "baseline") {
        modules.push("baseline");
    }
    if cfg!(feature = "accounts") {
        modules.push("accounts");
    }
    if cfg!(feature = "proc") {
        modules.push("proc");
    }
    if cfg!(feature = "logs") {
        modules.push("logs");
    }
    if cfg!(feature = "harden") {
        modules.push("harden");
    }
    println!("ferret triage: modules built in: {}", modules.join(", "));
    println!("no checks are wired into triage yet; nothing was audited, nothing was found.");
}
