//! SRP benchmarks: the password step against its floor (PBKDF2 + one 2048-bit modpow), the
//! parameter validation (table, cache, unknown prime), and grammers-crypto side by side (with
//! `--features grammers`).
//!
//! `cargo bench -p tgauth-benches --features grammers --bench srp -- --warm-up-time 1 --measurement-time 5`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use auth_core::entropy::Entropy;
use auth_core::srp::{
    SrpAlgo, SrpChallenge, SrpVerifier, TELEGRAM_P, clear_prime_cache, pbkdf2_only, test_primes,
    validate_p, validate_p_uncached,
};
use criterion::{Criterion, criterion_group};
use num_bigint::BigUint;

const PASSWORD: &[u8] = b"correct horse battery staple";

struct Setup {
    algo: SrpAlgo,
    srp_b: Vec<u8>,
    a: Vec<u8>,
    secure_random: Vec<u8>,
}

fn setup() -> Setup {
    let algo = SrpAlgo {
        salt1: vec![0x51; 40],
        salt2: vec![0x52; 16],
        g: 3,
        p: TELEGRAM_P.to_vec(),
    };
    let verifier = SrpVerifier::from_password(&algo, PASSWORD).expect("valid group");
    let session = verifier
        .start_with_secret_b(&[0x5b; 256])
        .expect("b in range");
    let setup = Setup {
        srp_b: session.srp_b().to_vec(),
        a: vec![0x5a; 256],
        secure_random: vec![0x77; 256],
        algo,
    };
    // Sanity: the server accepts us, and grammers-crypto computes the same A and M1.
    let challenge = SrpChallenge::with_secret_a(&setup.algo, &setup.srp_b, 1, &setup.a)
        .expect("valid challenge");
    let check = challenge.check(PASSWORD).expect("valid check");
    assert_eq!(session.verify(&check.a, &check.m1), Ok(()));
    #[cfg(feature = "grammers")]
    {
        let (m1, g_a) = grammers_crypto::two_factor_auth::calculate_2fa(
            &setup.algo.salt1,
            &setup.algo.salt2,
            &setup.algo.p,
            &setup.algo.g,
            setup.srp_b.clone(),
            setup.a.clone(),
            PASSWORD,
        );
        assert_eq!((m1, g_a), (check.m1, check.a), "grammers-crypto agrees");
    }
    setup
}

fn slow(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("srp");
    group.sample_size(10);

    group.bench_function("pbkdf2_alone", |b| {
        b.iter(|| pbkdf2_only(black_box(&[0x11; 32]), black_box(&s.algo.salt1)));
    });

    let challenge =
        SrpChallenge::with_secret_a(&s.algo, &s.srp_b, 1, &s.a).expect("valid challenge");
    group.bench_function("password_step", |b| {
        b.iter(|| challenge.check(black_box(PASSWORD)).expect("valid"));
    });

    let mut entropy = Entropy::from_seed([3; 32]);
    group.bench_function("full_check", |b| {
        b.iter(|| {
            let challenge = SrpChallenge::new(
                black_box(&s.algo),
                black_box(&s.srp_b),
                1,
                &s.secure_random,
                &mut entropy,
            )
            .expect("valid challenge");
            challenge.check(black_box(PASSWORD)).expect("valid")
        });
    });

    #[cfg(feature = "grammers")]
    group.bench_function("grammers_calculate_2fa", |b| {
        b.iter(|| {
            grammers_crypto::two_factor_auth::calculate_2fa(
                &s.algo.salt1,
                &s.algo.salt2,
                &s.algo.p,
                &s.algo.g,
                s.srp_b.clone(),
                s.a.clone(),
                black_box(PASSWORD),
            )
        });
    });

    let fresh = test_primes::decode(test_primes::MODP2048_P);
    group.bench_function("validate_p_unknown", |b| {
        b.iter(|| validate_p_uncached(black_box(&fresh)).expect("safe prime"));
    });
    #[cfg(feature = "grammers")]
    group.bench_function("grammers_check_p_and_g", |b| {
        b.iter(|| {
            assert!(grammers_crypto::two_factor_auth::check_p_and_g(
                black_box(&fresh),
                &2
            ))
        });
    });
    group.finish();
}

fn fast(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("srp");

    // One 2048-bit modpow as the password step does it: t^(a + u·x) mod p, a 2048-bit exponent.
    let p = BigUint::from_bytes_be(&TELEGRAM_P);
    let t = BigUint::from_bytes_be(&[0x3c; 256]) % &p;
    let exponent = BigUint::from_bytes_be(&[0xa5; 256]) + BigUint::from_bytes_be(&[0x5a; 64]);
    group.bench_function("modpow_2048", |b| {
        b.iter(|| black_box(&t).modpow(black_box(&exponent), &p));
    });
    // g^x mod p with a 256-bit x (the other modpow of the password step).
    let x = BigUint::from_bytes_be(&[0xc3; 32]);
    let g = BigUint::from(3u32);
    group.bench_function("modpow_g_x_256", |b| {
        b.iter(|| black_box(&g).modpow(black_box(&x), &p));
    });

    let mut entropy = Entropy::from_seed([4; 32]);
    group.bench_function("challenge_new", |b| {
        b.iter(|| {
            SrpChallenge::new(
                black_box(&s.algo),
                &s.srp_b,
                1,
                &s.secure_random,
                &mut entropy,
            )
            .expect("valid challenge")
        });
    });

    group.bench_function("validate_p_table", |b| {
        b.iter(|| validate_p(black_box(&TELEGRAM_P)).expect("safe prime"));
    });
    let fresh = test_primes::decode(test_primes::MODP2048_P);
    clear_prime_cache();
    validate_p(&fresh).expect("safe prime");
    group.bench_function("validate_p_cached", |b| {
        b.iter(|| validate_p(black_box(&fresh)).expect("safe prime"));
    });
    group.finish();
}

/// Runs the main operations in interleaved rounds (A, B, C, A, B, C, ...) and prints per-round
/// ratios: on a shared 2-core machine the load drifts between criterion's separate measurement
/// windows, while within a round the operations see the same load.
fn interleaved_ratios() {
    let rounds: usize = std::env::var("SRP_RATIO_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    if rounds == 0 {
        return;
    }
    let s = setup();
    let challenge =
        SrpChallenge::with_secret_a(&s.algo, &s.srp_b, 1, &s.a).expect("valid challenge");
    let p = BigUint::from_bytes_be(&TELEGRAM_P);
    let t = BigUint::from_bytes_be(&[0x3c; 256]) % &p;
    let exponent = BigUint::from_bytes_be(&[0xa5; 256]) + BigUint::from_bytes_be(&[0x5a; 64]);
    let fresh = test_primes::decode(test_primes::MODP2048_P);
    let mut entropy = Entropy::from_seed([5; 32]);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1e3
    };
    let mut rows: Vec<[f64; 6]> = Vec::new();
    for _ in 0..rounds {
        let pbkdf2 = time(&mut || {
            black_box(pbkdf2_only(black_box(&[0x11; 32]), &s.algo.salt1));
        });
        let modpow = time(&mut || {
            black_box(black_box(&t).modpow(black_box(&exponent), &p));
        });
        let step = time(&mut || {
            black_box(challenge.check(black_box(PASSWORD)).expect("valid"));
        });
        let full = time(&mut || {
            let c = SrpChallenge::new(&s.algo, &s.srp_b, 1, &s.secure_random, &mut entropy)
                .expect("valid challenge");
            black_box(c.check(black_box(PASSWORD)).expect("valid"));
        });
        let unknown = time(&mut || {
            validate_p_uncached(black_box(&fresh)).expect("safe prime");
        });
        #[cfg(feature = "grammers")]
        let peer = time(&mut || {
            black_box(grammers_crypto::two_factor_auth::calculate_2fa(
                &s.algo.salt1,
                &s.algo.salt2,
                &s.algo.p,
                &s.algo.g,
                s.srp_b.clone(),
                s.a.clone(),
                black_box(PASSWORD),
            ));
        });
        #[cfg(not(feature = "grammers"))]
        let peer = f64::NAN;
        rows.push([pbkdf2, modpow, step, full, unknown, peer]);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let col = |i: usize| rows.iter().map(|r| r[i]).collect::<Vec<_>>();
    let ratio = |f: &dyn Fn(&[f64; 6]) -> f64| median(rows.iter().map(f).collect());
    println!("\ninterleaved, {rounds} rounds, median ms:");
    for (i, name) in [
        "pbkdf2_alone",
        "modpow_2048",
        "password_step",
        "full_check",
        "validate_p_unknown",
        "grammers_calculate_2fa",
    ]
    .iter()
    .enumerate()
    {
        println!("  {name:<24} {:>8.2}", median(col(i)));
    }
    println!("median of per-round ratios:");
    println!(
        "  password_step / (pbkdf2_alone + modpow_2048)  {:.3}",
        ratio(&|r| r[2] / (r[0] + r[1]))
    );
    println!(
        "  password_step / pbkdf2_alone                  {:.3}",
        ratio(&|r| r[2] / r[0])
    );
    println!(
        "  full_check / (pbkdf2_alone + modpow_2048)     {:.3}",
        ratio(&|r| r[3] / (r[0] + r[1]))
    );
    println!(
        "  validate_p_unknown / full_check               {:.3}",
        ratio(&|r| r[4] / r[3])
    );
    println!(
        "  validate_p_unknown / modpow_2048              {:.3}",
        ratio(&|r| r[4] / r[1])
    );
    println!(
        "  grammers_calculate_2fa / full_check           {:.3}",
        ratio(&|r| r[5] / r[3])
    );
}

criterion_group!(benches, fast, slow);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only under `cargo bench` (which passes `--bench`), not when `cargo test` smoke-runs it.
    if std::env::args().any(|a| a == "--bench") {
        interleaved_ratios();
    }
}
