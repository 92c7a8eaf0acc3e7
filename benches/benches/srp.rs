//! SRP benchmarks: the constant-time password step against its floor (PBKDF2 + one 2048-bit
//! `num-bigint` modpow) and against today's variable-time arithmetic (the same step written
//! with `num-bigint`, as the code was before it became constant-time), the modpow alone both
//! ways, the parameter validation (table, cache, unknown prime), and grammers-crypto side by
//! side (with `--features grammers`).
//!
//! `cargo bench -p tgauth-benches --features grammers --bench srp -- --warm-up-time 1 --measurement-time 5`
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use auth_core::entropy::Entropy;
use auth_core::srp::{
    SrpAlgo, SrpChallenge, SrpVerifier, TELEGRAM_P, clear_prime_cache, password_x, pbkdf2_only,
    test_primes, validate_p, validate_p_uncached,
};
use criterion::{Criterion, criterion_group};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{NonZero, Odd, U256, U2048, Uint, nlimbs};
use num_bigint::BigUint;
use tgauth_benches::rounds::{Rounds, under_cargo_bench};

const PASSWORD: &[u8] = b"correct horse battery staple";

struct Setup {
    algo: SrpAlgo,
    srp_b: Vec<u8>,
    a: Vec<u8>,
    secure_random: Vec<u8>,
    vartime: VartimeStep,
}

/// The password step as it was before it became constant-time: `num-bigint` arithmetic
/// (`modpow` is a variable-time sliding window), same inputs, same `s_a`.
struct VartimeStep {
    p: BigUint,
    g: BigUint,
    k: BigUint,
    u: BigUint,
    g_b: BigUint,
    a: BigUint,
    salt1: Vec<u8>,
    salt2: Vec<u8>,
}

impl VartimeStep {
    /// `x` by PBKDF2, `v = g^x`, `t = g_b − k·v`, `s_a = t^(a + u·x)` (big-endian).
    fn s_a(&self, password: &[u8]) -> Vec<u8> {
        let x = BigUint::from_bytes_be(&password_x(password, &self.salt1, &self.salt2)[..]);
        let v = self.g.modpow(&x, &self.p);
        let k_v = (&self.k * &v) % &self.p;
        let t = (&self.g_b + &self.p - &k_v) % &self.p;
        let exponent = &self.a + &self.u * &x;
        t.modpow(&exponent, &self.p).to_bytes_be()
    }
}

/// The exponent width of the password step's big modpow (`a + u·x`, 2049 bits).
type Wide = Uint<{ nlimbs(2049) }>;

/// An exponent for both implementations.
struct Exponent {
    vartime: BigUint,
    constant_time: Wide,
}

impl Exponent {
    fn new(e: BigUint) -> Self {
        let mut wide = [0u8; Wide::BYTES];
        let bytes = e.to_bytes_be();
        wide[Wide::BYTES - bytes.len()..].copy_from_slice(&bytes);
        Exponent {
            vartime: e,
            constant_time: Wide::from_be_slice(&wide),
        }
    }
}

/// One 2048-bit modpow both ways: `t^e mod p` with a 2049-bit exponent, by `num-bigint`
/// (variable time) and by `crypto-bigint`'s `pow_bounded_exp` (constant time). `typical` is
/// shaped like the password step's `a + u·x`; `short` (2^1024 + 1, a value whose top half is
/// zero) shows the leak a variable-time implementation has: its time follows the exponent's
/// length.
struct Modpow {
    p: BigUint,
    t: BigUint,
    t_ct: FixedMontyForm<{ U2048::LIMBS }>,
    typical: Exponent,
    short: Exponent,
}

impl Modpow {
    fn new() -> Self {
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        let t = BigUint::from_bytes_be(&[0x3c; 256]) % &p;
        let p_ct = U2048::from_be_slice(&TELEGRAM_P);
        let params = FixedMontyParams::new_vartime(Odd::new(p_ct).expect("odd p"));
        let t_ct =
            U2048::from_be_slice(&[0x3c; 256]).rem_vartime(&NonZero::new(p_ct).expect("p > 0"));
        let one = BigUint::from(1u32);
        let modpow = Modpow {
            t_ct: FixedMontyForm::new(&t_ct, &params),
            typical: Exponent::new(
                BigUint::from_bytes_be(&[0xa5; 256]) + BigUint::from_bytes_be(&[0x5a; 64]),
            ),
            short: Exponent::new((&one << 1024u32) + 1u32),
            p,
            t,
        };
        for e in [&modpow.typical, &modpow.short] {
            assert_eq!(
                modpow.vartime(e),
                BigUint::from_bytes_be(modpow.constant_time(e).to_be_bytes().as_slice()),
                "both modpows agree"
            );
        }
        modpow
    }

    fn vartime(&self, e: &Exponent) -> BigUint {
        black_box(&self.t).modpow(black_box(&e.vartime), &self.p)
    }

    fn constant_time(&self, e: &Exponent) -> U2048 {
        black_box(&self.t_ct)
            .pow_bounded_exp(black_box(&e.constant_time), 2049)
            .retrieve()
    }
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
    let srp_b = session.srp_b().to_vec();
    let a = vec![0x5a; 256];
    // Sanity: the server accepts us, today's arithmetic gives the same s_a, and
    // grammers-crypto computes the same A and M1.
    let challenge = SrpChallenge::with_secret_a(&algo, &srp_b, 1, &a).expect("valid challenge");
    let (check, trace) = challenge.check_traced(PASSWORD).expect("valid check");
    assert_eq!(session.verify(&check.a, &check.m1), Ok(()));
    let vartime = VartimeStep {
        p: BigUint::from_bytes_be(&algo.p),
        g: BigUint::from(3u32),
        k: BigUint::from_bytes_be(&trace.k),
        u: BigUint::from_bytes_be(&trace.u),
        g_b: BigUint::from_bytes_be(&srp_b),
        a: BigUint::from_bytes_be(&a),
        salt1: algo.salt1.clone(),
        salt2: algo.salt2.clone(),
    };
    assert_eq!(
        BigUint::from_bytes_be(&vartime.s_a(PASSWORD)),
        BigUint::from_bytes_be(&trace.s_a),
        "the variable-time reference computes the same s_a"
    );
    let setup = Setup {
        srp_b,
        a,
        secure_random: vec![0x77; 256],
        algo,
        vartime,
    };
    #[cfg(feature = "grammers")]
    {
        let (m1, g_a) = setup.grammers_2fa(PASSWORD);
        assert_eq!((m1, g_a), (check.m1, check.a), "grammers-crypto agrees");
    }
    setup
}

#[cfg(feature = "grammers")]
impl Setup {
    /// grammers-crypto's `calculate_2fa` on the setup's inputs: `(M1, A)`.
    fn grammers_2fa(&self, password: &[u8]) -> ([u8; 32], [u8; 256]) {
        grammers_crypto::two_factor_auth::calculate_2fa(
            &self.algo.salt1,
            &self.algo.salt2,
            &self.algo.p,
            &self.algo.g,
            self.srp_b.clone(),
            self.a.clone(),
            password,
        )
    }
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
    group.bench_function("password_step_vartime", |b| {
        b.iter(|| s.vartime.s_a(black_box(PASSWORD)));
    });

    let mut entropy = Entropy::deterministic([3; 32]);
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
        b.iter(|| s.grammers_2fa(black_box(PASSWORD)));
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

    // One 2048-bit modpow as the password step does it: t^(a + u·x) mod p, a 2049-bit
    // exponent; variable-time (num-bigint, the baseline) and constant-time (crypto-bigint).
    let modpow = Modpow::new();
    group.bench_function("modpow_2048", |b| {
        b.iter(|| modpow.vartime(&modpow.typical))
    });
    group.bench_function("modpow_2048_ct", |b| {
        b.iter(|| modpow.constant_time(&modpow.typical))
    });
    let p = BigUint::from_bytes_be(&TELEGRAM_P);
    // g^x mod p with a 256-bit x (the other modpow of the password step).
    let x = BigUint::from_bytes_be(&[0xc3; 32]);
    let g = BigUint::from(3u32);
    group.bench_function("modpow_g_x_256", |b| {
        b.iter(|| black_box(&g).modpow(black_box(&x), &p));
    });
    let x_ct = U256::from_be_slice(&[0xc3; 32]);
    let g_ct = FixedMontyForm::new(&U2048::from_u8(3), modpow.t_ct.params());
    group.bench_function("modpow_g_x_256_ct", |b| {
        b.iter(|| {
            black_box(&g_ct)
                .pow_bounded_exp(black_box(&x_ct), 256)
                .retrieve()
        });
    });

    let mut entropy = Entropy::deterministic([4; 32]);
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

/// How many times each round alternates the two 2048-bit modpows.
const MODPOW_REPS: u32 = 10;

/// The ratios printed after the rounds: a measurement over the sum of others, per round.
const RATIOS: [(&str, &[&str]); 10] = [
    ("password_step", &["pbkdf2_alone", "modpow_2048"]),
    ("password_step", &["password_step_vartime"]),
    ("modpow_2048_ct", &["modpow_2048"]),
    ("modpow_short", &["modpow_2048"]),
    ("modpow_short_ct", &["modpow_2048_ct"]),
    ("password_step", &["pbkdf2_alone"]),
    ("full_check", &["pbkdf2_alone", "modpow_2048"]),
    ("validate_p_unknown", &["full_check"]),
    ("validate_p_unknown", &["modpow_2048"]),
    ("grammers_calculate_2fa", &["full_check"]),
];

/// Runs the main operations in interleaved rounds (A, B, C, A, B, C, ...) and prints per-round
/// ratios: on a shared 2-core machine the load drifts between criterion's separate measurement
/// windows, while within a round the operations see the same load.
fn interleaved_ratios() {
    let rounds = Rounds::count("SRP_RATIO_ROUNDS", 15);
    if rounds == 0 {
        return;
    }
    let s = setup();
    let challenge =
        SrpChallenge::with_secret_a(&s.algo, &s.srp_b, 1, &s.a).expect("valid challenge");
    let modpow = Modpow::new();
    let fresh = test_primes::decode(test_primes::MODP2048_P);
    let mut entropy = Entropy::deterministic([5; 32]);
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1e3
    };
    let mut r = Rounds::new();
    for _ in 0..rounds {
        let mut row = BTreeMap::new();
        row.insert(
            "pbkdf2_alone",
            time(&mut || {
                black_box(pbkdf2_only(black_box(&[0x11; 32]), &s.algo.salt1));
            }),
        );
        // The modpows alternate MODPOW_REPS times: one ~8 ms run each is too short a sample on
        // a loaded machine to compare them.
        let mut sums = [0.0; 4];
        for _ in 0..MODPOW_REPS {
            for (i, e) in [&modpow.typical, &modpow.short].into_iter().enumerate() {
                sums[2 * i] += time(&mut || {
                    black_box(modpow.vartime(e));
                });
                sums[2 * i + 1] += time(&mut || {
                    black_box(modpow.constant_time(e));
                });
            }
        }
        for (name, sum) in [
            "modpow_2048",
            "modpow_2048_ct",
            "modpow_short",
            "modpow_short_ct",
        ]
        .into_iter()
        .zip(sums)
        {
            row.insert(name, sum / f64::from(MODPOW_REPS));
        }
        row.insert(
            "password_step",
            time(&mut || {
                black_box(challenge.check(black_box(PASSWORD)).expect("valid"));
            }),
        );
        row.insert(
            "password_step_vartime",
            time(&mut || {
                black_box(s.vartime.s_a(black_box(PASSWORD)));
            }),
        );
        row.insert(
            "full_check",
            time(&mut || {
                let c = SrpChallenge::new(&s.algo, &s.srp_b, 1, &s.secure_random, &mut entropy)
                    .expect("valid challenge");
                black_box(c.check(black_box(PASSWORD)).expect("valid"));
            }),
        );
        row.insert(
            "validate_p_unknown",
            time(&mut || {
                validate_p_uncached(black_box(&fresh)).expect("safe prime");
            }),
        );
        #[cfg(feature = "grammers")]
        row.insert(
            "grammers_calculate_2fa",
            time(&mut || {
                black_box(s.grammers_2fa(black_box(PASSWORD)));
            }),
        );
        r.push(row);
    }
    println!("\ninterleaved, {rounds} rounds, median ms:");
    for name in [
        "pbkdf2_alone",
        "modpow_2048",
        "modpow_2048_ct",
        "modpow_short",
        "modpow_short_ct",
        "password_step",
        "password_step_vartime",
        "full_check",
        "validate_p_unknown",
        "grammers_calculate_2fa",
    ] {
        println!("  {name:<24} {:>8.2}", r.median_of(name));
    }
    println!("median of per-round ratios:");
    for (numerator, denominators) in RATIOS {
        let name = match denominators {
            [one] => format!("{numerator} / {one}"),
            many => format!("{numerator} / ({})", many.join(" + ")),
        };
        let ratio = r.median(|m| m(numerator) / denominators.iter().map(|d| m(d)).sum::<f64>());
        println!("  {name:<46} {ratio:.3}");
    }
}

criterion_group!(benches, fast, slow);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // Only under `cargo bench`, not when `cargo test` smoke-runs it.
    if under_cargo_bench() {
        interleaved_ratios();
    }
}
