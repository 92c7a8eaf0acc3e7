//! SRP properties: the client and the server verifier agree for random passwords, salts and
//! secrets (and disagree for a wrong password); random server parameters never panic; the prime
//! cache stays bounded.

use auth_core::entropy::Entropy;
use auth_core::srp::{
    PRIME_CACHE_CAPACITY, SrpAlgo, SrpChallenge, SrpError, SrpVerifier, TELEGRAM_P, VerifyError,
    prime_cache_len, test_primes, validate_p,
};
use proptest::prelude::*;

/// Every kind a client-side check may report.
const KINDS: [&str; 11] = [
    "g_b_bad_length",
    "p_not_2048_bit",
    "p_not_prime",
    "p_not_safe_prime",
    "g_out_of_range",
    "g_bad_for_p",
    "g_b_out_of_range",
    "t_out_of_range",
    "g_a_out_of_range",
    "u_zero",
    "secret_bad_length",
];

/// A valid group: Telegram's p with g in {3, 4, 7}, or RFC 3526's p with any g in 2..=7.
fn group() -> impl Strategy<Value = (Vec<u8>, i32)> {
    prop_oneof![
        prop::sample::select(vec![3, 4, 7]).prop_map(|g| (TELEGRAM_P.to_vec(), g)),
        (2..=7i32).prop_map(|g| (test_primes::decode(test_primes::MODP2048_P).to_vec(), g)),
    ]
}

proptest! {
    // Each case runs PBKDF2 three times (server verifier, right and wrong password).
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn srp_server_accepts_the_right_password_only(
        password in prop::collection::vec(any::<u8>(), 0..40),
        other in prop::collection::vec(any::<u8>(), 0..40),
        salt1 in prop::collection::vec(any::<u8>(), 0..48),
        salt2 in prop::collection::vec(any::<u8>(), 0..48),
        a in prop::collection::vec(any::<u8>(), 256),
        b in prop::collection::vec(any::<u8>(), 256),
        (p, g) in group(),
        srp_id in any::<i64>(),
    ) {
        prop_assume!(password != other);
        let algo = SrpAlgo { salt1, salt2, g, p };
        let verifier = SrpVerifier::from_password(&algo, &password).expect("valid group");
        // Out-of-range g^b or g^a has probability ~2^-60: skip rather than fail.
        let Ok(session) = verifier.start_with_secret_b(&b) else { return Err(TestCaseError::reject("b")) };
        let Ok(challenge) = SrpChallenge::with_secret_a(&algo, session.srp_b(), srp_id, &a) else {
            return Err(TestCaseError::reject("a"));
        };
        let check = challenge.check(&password).expect("t in range for an honest server");
        prop_assert_eq!(check.srp_id, srp_id);
        prop_assert_eq!(session.verify(&check.a, &check.m1), Ok(()));
        let wrong = challenge.check(&other).expect("t in range");
        prop_assert_eq!(wrong.a, check.a);
        prop_assert_ne!(wrong.m1, check.m1);
        prop_assert_eq!(session.verify(&wrong.a, &wrong.m1), Err(VerifyError::M1Mismatch));
    }
}

/// `p` bytes of many shapes: anything, 256 bytes with the top bit set (reaches the primality
/// test), Telegram's p with one byte changed, or the real thing.
fn p_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(any::<u8>(), 256).prop_map(|mut p| {
            p[0] |= 0x80;
            p[255] |= 1;
            p
        }),
        (0..256usize, any::<u8>()).prop_map(|(i, x)| {
            let mut p = TELEGRAM_P.to_vec();
            p[i] ^= x;
            p
        }),
        Just(TELEGRAM_P.to_vec()),
    ]
}

fn srp_b_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(any::<u8>(), 256),
        Just(vec![0xff; 256]),
        Just(Vec::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `account.password`-like random inputs: a typed error or a challenge, never a panic.
    #[test]
    fn srp_random_parameters_never_panic(
        p in p_bytes(),
        g in prop_oneof![any::<i32>(), -1..10i32],
        srp_b in srp_b_bytes(),
        salt1 in prop::collection::vec(any::<u8>(), 0..64),
        salt2 in prop::collection::vec(any::<u8>(), 0..64),
        secure_random in prop::collection::vec(any::<u8>(), 0..300),
        seed in any::<[u8; 32]>(),
    ) {
        let algo = SrpAlgo { salt1, salt2, g, p };
        let mut entropy = Entropy::deterministic(seed);
        match SrpChallenge::new(&algo, &srp_b, 1, &secure_random, &mut entropy) {
            Ok(challenge) => prop_assert_eq!(challenge.g_a().len(), 256),
            Err(e) => {
                prop_assert!(KINDS.contains(&e.kind()));
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    /// A server verifier fed random `A`/`M1`: a typed error, never a panic.
    #[test]
    fn srp_verifier_rejects_random_proofs(
        v in prop::collection::vec(any::<u8>(), 0..=256),
        a in prop::collection::vec(any::<u8>(), 0..300),
        m1 in prop::collection::vec(any::<u8>(), 0..40),
        seed in any::<[u8; 32]>(),
    ) {
        let algo = SrpAlgo { salt1: vec![1], salt2: vec![2], g: 3, p: TELEGRAM_P.to_vec() };
        let verifier = SrpVerifier::from_hash(&algo, &v).expect("valid group");
        if let Ok(session) = verifier.start(&mut Entropy::deterministic(seed)) {
            prop_assert!(session.verify(&a, &m1).is_err());
        }
    }
}

proptest! {
    // Each case runs PBKDF2 once.
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// With a valid group and any in-range `srp_B`, the password step returns a check or
    /// `t_out_of_range`, never a panic.
    #[test]
    fn srp_password_step_with_random_srp_b(
        srp_b in prop::collection::vec(any::<u8>(), 1..=256),
        password in prop::collection::vec(any::<u8>(), 0..16),
        seed in any::<[u8; 32]>(),
    ) {
        let algo = SrpAlgo { salt1: vec![1; 8], salt2: vec![2; 16], g: 3, p: TELEGRAM_P.to_vec() };
        match SrpChallenge::new(&algo, &srp_b, 1, &[], &mut Entropy::deterministic(seed)) {
            Ok(challenge) => match challenge.check(&password) {
                Ok(check) => prop_assert_eq!(check.a, *challenge.g_a()),
                Err(e) => prop_assert_eq!(e, SrpError::TOutOfRange),
            },
            Err(e) => prop_assert_eq!(e, SrpError::GbOutOfRange),
        }
    }
}

/// A hostile server sending many distinct large "primes" can only evict cache entries.
#[test]
fn srp_prime_cache_stays_bounded_after_many_distinct_primes() {
    let mut candidate = TELEGRAM_P;
    for i in 0..2000u32 {
        // Distinct odd 2048-bit numbers; the ~1% surviving trial division are tested and cached.
        candidate[250..254].copy_from_slice(&i.to_be_bytes());
        candidate[255] |= 1;
        assert!(validate_p(&candidate).is_err(), "{i}");
        assert!(prime_cache_len() <= PRIME_CACHE_CAPACITY);
    }
    assert!(prime_cache_len() > 0, "expensive verdicts are cached");
}

/// A safe prime outside the built-in table goes through the real test, is cached, and a full
/// exchange works with it.
#[test]
fn srp_unknown_safe_prime_full_exchange() {
    let p = test_primes::decode(test_primes::FFDHE2048_P).to_vec();
    assert_eq!(validate_p(&p), Ok(()));
    let algo = SrpAlgo {
        salt1: b"s1".to_vec(),
        salt2: b"s2".to_vec(),
        g: 2,
        p,
    };
    let verifier = SrpVerifier::from_password(&algo, b"pw").expect("valid group");
    let session = verifier
        .start(&mut Entropy::deterministic([1; 32]))
        .expect("b");
    let challenge = SrpChallenge::new(
        &algo,
        session.srp_b(),
        9,
        b"server random",
        &mut Entropy::deterministic([2; 32]),
    )
    .expect("valid");
    let check = challenge.check(b"pw").expect("t in range");
    assert_eq!(session.verify(&check.a, &check.m1), Ok(()));
}
