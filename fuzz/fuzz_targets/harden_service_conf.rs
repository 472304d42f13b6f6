#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ferret_harden::fuzzing::service_conf(data));
