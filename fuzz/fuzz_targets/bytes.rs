//! Fuzz target: raw bytes: decode, detect, then parse as the detected format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| thema_fuzz::run("bytes", data));
