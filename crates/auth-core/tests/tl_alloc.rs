//! A hostile vector length cannot make the decoder allocate more than a small multiple of the
//! input. Its own test binary, so no other test's allocations are counted.
use auth_core::tl;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn four_mib_packet_claiming_a_million_users_allocates_little() {
    // vector#1cb5c415 of 1 048 575 `User`s: the length passes the "4 bytes per item" check,
    // but every item is garbage. tl-proto 0.5's Vec<T> would reserve len * size_of::<User>().
    let len: u32 = (4 << 20) / 4 - 1;
    let mut bytes = 0x1cb5c415u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&len.to_le_bytes());
    // One valid userEmpty, then zeros.
    bytes.extend_from_slice(&0xd3bc4b7au32.to_le_bytes());
    bytes.extend_from_slice(&5i64.to_le_bytes());
    bytes.resize(4 << 20, 0);

    let region = Region::new(GLOBAL);
    let result = tl::decode::<Vec<tl::enums::User>>(&bytes);
    let stats = region.change();
    assert!(result.is_err());
    assert!(
        stats.bytes_allocated < 64 * 1024,
        "decoding allocated {} bytes for a {} byte input",
        stats.bytes_allocated,
        bytes.len()
    );
}
