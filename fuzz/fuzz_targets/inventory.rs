#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eksposture_fuzz::inventory::run(data));
