//! Replays the committed fuzz corpus of this crate's targets (see `fuzz/`).

#[test]
fn scan_elf() {
    ferret_testkit::fuzz::replay("scan_elf", 15, ferret_scan::fuzzing::elf);
}

#[test]
fn scan_modinfo() {
    ferret_testkit::fuzz::replay("scan_modinfo", 5, ferret_scan::fuzzing::modinfo);
}

#[test]
fn scan_miner() {
    ferret_testkit::fuzz::replay("scan_miner", 8, ferret_scan::fuzzing::miner);
}

#[test]
fn scan_webshell() {
    ferret_testkit::fuzz::replay("scan_webshell", 30, ferret_scan::fuzzing::webshell);
}
