//! Fuzz target: text parsed as `refworks`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| thema_fuzz::run("refworks", data));
