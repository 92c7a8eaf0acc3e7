//! The SRP key derivation leaves no unwiped copies of its secrets where a test can see:
//! the password step makes no heap allocation at all (so nothing secret can be freed unwiped),
//! and every type that holds a secret, ours and the hash/MAC states of PBKDF2, wipes itself on
//! drop. Its own test binary with one test, so no other test's allocations are counted.

use std::alloc::System;

use auth_core::srp::{
    NewPasswordHash, ServerSession, SrpAlgo, SrpChallenge, SrpVerifier, TELEGRAM_P, password_hash,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use zeroize::ZeroizeOnDrop;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Compiles only if `T` wipes itself on drop.
fn wipes_on_drop<T: ZeroizeOnDrop>() {}

#[test]
fn srp_secrets_are_wiped_and_never_reach_the_heap() {
    // The states PBKDF2-HMAC-SHA512 and the SHA-256 steps keep (`sha2`/`hmac` built with their
    // `zeroize` features), and our own holders of secrets. `Hmac<Sha512>` has no marker of its
    // own: it is its two SHA-512 states (inner and outer) and its block buffer, each of which
    // wipes itself.
    wipes_on_drop::<<sha2::Sha512 as hmac::EagerHash>::Core>();
    wipes_on_drop::<sha2::digest::block_api::Buffer<hmac::block_api::HmacCore<sha2::Sha512>>>();
    wipes_on_drop::<sha2::Sha512>();
    wipes_on_drop::<sha2::Sha256>();
    wipes_on_drop::<SrpChallenge>();
    wipes_on_drop::<NewPasswordHash>();
    wipes_on_drop::<SrpVerifier>();
    wipes_on_drop::<ServerSession>();
    wipes_on_drop::<zeroize::Zeroizing<[u8; 256]>>();

    let algo = SrpAlgo {
        salt1: vec![1; 40],
        salt2: vec![2; 16],
        g: 3,
        p: TELEGRAM_P.to_vec(),
    };
    let verifier = SrpVerifier::from_password(&algo, b"pw").expect("valid group");
    let session = verifier
        .start_with_secret_b(&[0x5b; 256])
        .expect("b in range");
    let challenge =
        SrpChallenge::with_secret_a(&algo, session.srp_b(), 1, &[0x5a; 256]).expect("valid");

    // The whole password step: PBKDF2, g^x, k·v, t, t^(a + u·x), the hashes.
    let region = Region::new(GLOBAL);
    let check = challenge.check(b"pw");
    let stats = region.change();
    let check = check.expect("t in range");
    assert_eq!(
        (stats.allocations, stats.reallocations),
        (0, 0),
        "the password step allocated {} bytes",
        stats.bytes_allocated
    );
    assert_eq!(session.verify(&check.a, &check.m1), Ok(()));

    // The new-password hash likewise (Telegram's p: a table hit, no primality test).
    let region = Region::new(GLOBAL);
    let v = password_hash(&algo, b"pw");
    let stats = region.change();
    assert_eq!((stats.allocations, stats.reallocations), (0, 0));
    assert_eq!(&*v.expect("valid group"), verifier.password_hash());
}
