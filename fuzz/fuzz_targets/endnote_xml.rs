//! Fuzz target: text parsed as `endnote-xml`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| thema_fuzz::run("endnote-xml", data));
