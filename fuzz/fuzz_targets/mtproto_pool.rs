#![no_main]
// The body lives in crates/fuzz-targets so `cargo test` replays the corpus on stable.
libfuzzer_sys::fuzz_target!(|data: &[u8]| tgauth_fuzz_targets::mtproto_pool(data));
