#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| eksposture_fuzz::policy::run(data));
