//! Differential test of our primality code against `crypto-primes` (issue 14 item 15): the
//! hand-written Baillie–PSW (`primality::is_probable_prime`) and the safe-prime test behind
//! `validate_p` (trial division of `p` and `q`, Baillie–PSW on `q`, Pocklington for `p`;
//! `safe_prime::check_safe_prime` runs those steps at any size) must give `crypto-primes`'
//! verdicts (`is_prime` with `Flavor::Any` and `Flavor::Safe`: Miller–Rabin to base 2 and the
//! Baillie–Fiori–Wagstaff 2021 Lucas test) on
//!
//! * random safe primes, random primes, and `2q + 1` for random primes `q` (Pocklington's
//!   "composite" branch);
//! * random odd numbers and semiprimes without small factors;
//! * strong pseudoprimes to base 2 (all below 2^20, and constructed ones of 64–256 bits);
//! * extra strong Lucas pseudoprimes (the other half of Baillie–PSW);
//! * Carmichael numbers (Chernick's `(6k+1)(12k+1)(18k+1)`, 40–200 bits);
//! * a few 2048-bit ones through `validate_p_uncached` itself.
//!
//! Sizes are mostly below 2048 bits so thousands of numbers take seconds; the code under test
//! does not depend on the size (`validate_p` adds only the length rule). Deterministic: the
//! numbers come from a fixed seed.

use std::collections::BTreeMap;
use std::convert::Infallible;

use crypto_bigint::{BoxedUint, Odd, U64};
use crypto_primes::hazmat::MillerRabin;
use crypto_primes::{Flavor, is_prime, random_prime};
use num_bigint::BigUint;
use tg_crypto::entropy::Entropy;
use tg_crypto::primality::is_probable_prime;
use tg_crypto::safe_prime::{PrimeError, check_safe_prime, validate_p_uncached};

/// A deterministic `rand_core` generator for `crypto-primes`' random primes.
struct SeededRng(Entropy);

impl rand_core::TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.next_u64() as u32)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.0.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill(dst);
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SeededRng {}

impl SeededRng {
    fn new(seed: u8) -> Self {
        SeededRng(Entropy::deterministic([seed; 32]))
    }

    /// A random number of exactly `bits` bits.
    fn number(&mut self, bits: u64) -> BigUint {
        let mut bytes = vec![0u8; bits.div_ceil(8) as usize];
        self.0.fill(&mut bytes);
        let mut n = BigUint::from_bytes_be(&bytes) >> (bytes.len() as u64 * 8 - bits);
        n.set_bit(bits - 1, true);
        n
    }

    /// A random odd number of exactly `bits` bits.
    fn odd(&mut self, bits: u64) -> BigUint {
        let mut n = self.number(bits);
        n.set_bit(0, true);
        n
    }

    fn prime(&mut self, flavor: Flavor, bits: u32) -> BigUint {
        from_boxed(&random_prime::<BoxedUint, _>(self, flavor, bits))
    }
}

fn to_boxed(n: &BigUint) -> BoxedUint {
    BoxedUint::from_be_slice_vartime(&n.to_bytes_be())
}

fn from_boxed(n: &BoxedUint) -> BigUint {
    BigUint::from_bytes_be(&n.to_be_bytes())
}

/// `crypto-primes`' verdicts: (prime, safe prime).
fn reference(n: &BigUint) -> (bool, bool) {
    let boxed = to_boxed(n);
    (
        is_prime(Flavor::Any, &boxed),
        is_prime(Flavor::Safe, &boxed),
    )
}

/// Miller–Rabin to base 2 by `crypto-primes`, to select strong pseudoprimes independently of
/// the code under test.
fn crypto_primes_spsp2(n: &BigUint) -> bool {
    let odd = Odd::new(to_boxed(n)).into_option().expect("odd");
    MillerRabin::new(odd).test_base_two().is_probably_prime()
}

/// Counts of numbers checked and of primes / safe primes among them, by family.
#[derive(Default)]
struct Tally(BTreeMap<&'static str, [usize; 3]>);

impl Tally {
    /// Asserts that our verdicts on `n` are `crypto-primes`' and counts it under `family`.
    fn check(&mut self, family: &'static str, n: &BigUint) {
        let (prime, safe) = reference(n);
        assert_eq!(
            is_probable_prime(n),
            prime,
            "{family}: is_probable_prime({n:#x})"
        );
        let expected = match (prime, safe) {
            (_, true) => Ok(()),
            (true, false) => Err(PrimeError::NotSafePrime),
            (false, _) => Err(PrimeError::NotPrime),
        };
        assert_eq!(
            check_safe_prime(n),
            expected,
            "{family}: check_safe_prime({n:#x})"
        );
        let entry = self.0.entry(family).or_default();
        entry[0] += 1;
        entry[1] += usize::from(prime);
        entry[2] += usize::from(safe);
    }

    fn get(&self, family: &str) -> [usize; 3] {
        self.0.get(family).copied().unwrap_or_default()
    }

    fn total(&self) -> usize {
        self.0.values().map(|v| v[0]).sum()
    }
}

impl Drop for Tally {
    /// Prints what was checked (shown with `--nocapture`).
    fn drop(&mut self) {
        for (family, [n, primes, safe]) in &self.0 {
            println!("{family:<24} {n:>5} checked, {primes:>4} prime, {safe:>4} safe");
        }
    }
}

#[test]
fn primes_and_safe_primes_agree_with_crypto_primes() {
    let mut rng = SeededRng::new(1);
    let mut tally = Tally::default();
    for round in 0..400u32 {
        let bits = [64, 80, 96, 128, 160, 192][round as usize % 6];
        let safe = rng.prime(Flavor::Safe, bits);
        tally.check("random safe prime", &safe);
        let prime = rng.prime(Flavor::Any, bits + 7);
        tally.check("random prime", &prime);
        // 2q + 1 for a random prime q: mostly composite, so Pocklington's 2^q ≢ ±1 branch.
        let q = rng.prime(Flavor::Any, bits - 1);
        tally.check("2q + 1", &((q << 1u32) + 1u32));
    }
    for bits in [256, 384, 512] {
        for _ in 0..4 {
            let safe = rng.prime(Flavor::Safe, bits);
            tally.check("random safe prime", &safe);
        }
    }
    assert_eq!(tally.get("random safe prime")[2], 412, "every one is safe");
    assert_eq!(tally.get("random prime")[1], 400);
    let [n, _, safe] = tally.get("random prime");
    assert!(safe < n / 10, "{safe} of {n} safe");
    let [n, _, safe] = tally.get("2q + 1");
    assert!(safe > 0 && safe < n / 4, "{safe} of {n} safe");
    assert!(tally.total() > 1_200);
}

#[test]
fn composites_agree_with_crypto_primes() {
    let mut rng = SeededRng::new(2);
    let mut tally = Tally::default();
    for i in 0..3000u64 {
        let bits = 33 + (i * 37) % 700;
        tally.check("random odd", &rng.odd(bits));
    }
    // Semiprimes: no small factor, so they reach Baillie–PSW.
    for i in 0..600u32 {
        let bits = 40 + (i * 13) % 120;
        let n = rng.prime(Flavor::Any, bits) * rng.prime(Flavor::Any, bits + i % 3);
        tally.check("semiprime", &n);
    }
    // Numbers next to a random safe prime (a composite with a prime neighbour's shape).
    for bits in [64, 128, 256] {
        for _ in 0..20 {
            let p = rng.prime(Flavor::Safe, bits);
            for delta in [2u32, 4, 6] {
                tally.check("safe prime + small", &(&p + delta));
            }
        }
    }
    assert_eq!(tally.get("semiprime")[1], 0);
    let [n, primes, _] = tally.get("random odd");
    assert!(primes > 0 && primes < n / 10, "{primes} primes of {n}");
    assert!(tally.total() > 3_500);
}

/// Small primes for the sieve that keeps constructed pseudoprimes' factors cheap to find.
const SIEVE: [u64; 24] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
];

/// Whether `n` has a factor in [`SIEVE`] (and is not that factor): a cheap pre-filter before
/// asking `crypto-primes`.
fn sieved_out(n: &BigUint) -> bool {
    SIEVE
        .iter()
        .any(|&r| (n % r).bits() == 0 && *n != BigUint::from(r))
}

fn reference_prime(n: &BigUint) -> bool {
    !sieved_out(n) && is_prime(Flavor::Any, &to_boxed(n))
}

/// `factors` if `crypto-primes` finds them all prime.
fn all_prime<const N: usize>(factors: &[BigUint; N]) -> Option<&[BigUint; N]> {
    factors.iter().all(reference_prime).then_some(factors)
}

/// Calls `attempt` with bit sizes taken in turn from `sizes` until it has succeeded `count`
/// times (it returns `None` for a candidate that does not qualify).
fn construct(count: usize, sizes: &[u64], mut attempt: impl FnMut(u64) -> Option<()>) {
    let mut made = 0;
    for tries in 0..10_000_000usize {
        if made == count {
            return;
        }
        made += usize::from(attempt(sizes[tries % sizes.len()]).is_some());
    }
    panic!("constructed {made} of {count}");
}

#[test]
fn strong_pseudoprimes_to_base_2_agree_with_crypto_primes() {
    let mut tally = Tally::default();
    // Every strong pseudoprime to base 2 below 2^20 (there are 39 below 10^6), found by
    // crypto-primes' Miller–Rabin: odd composites it calls probably prime.
    for n in (9u64..1 << 20).step_by(2) {
        let odd = Odd::new(U64::from_u64(n)).into_option().expect("odd");
        if MillerRabin::new(odd).test_base_two().is_probably_prime()
            && !is_prime(Flavor::Any, &U64::from_u64(n))
        {
            tally.check("spsp(2) below 2^20", &BigUint::from(n));
        }
    }
    let [small, ..] = tally.get("spsp(2) below 2^20");
    assert!(small >= 39, "{small}");
    // Constructed: n = (1 + 2x)(1 + 4x) with both factors prime and x even is a Fermat
    // pseudoprime to base 2 (2 is a square modulo 1 + 4x ≡ 1 mod 8); keep those that are
    // strong pseudoprimes too.
    let mut rng = SeededRng::new(3);
    construct(300, &[30, 48, 64, 96, 128], |bits| {
        let mut x = rng.number(bits);
        x.set_bit(0, false);
        let factors = [(&x << 1u32) + 1u32, (&x << 2u32) + 1u32];
        let n: BigUint = all_prime(&factors)?.iter().product();
        crypto_primes_spsp2(&n).then(|| tally.check("spsp(2) constructed", &n))
    });
    // Strong pseudoprimes to several bases at once (Miller–Rabin with fixed bases accepts
    // them), and the crafted 2048-bit one.
    for n in tg_crypto::test_primes::STRONG_PSEUDOPRIMES_TO_MANY_BASES {
        let n = BigUint::parse_bytes(n.as_bytes(), 10).expect("decimal");
        tally.check("spsp to many bases", &n);
    }
    let crafted = BigUint::from_bytes_be(&tg_crypto::test_primes::decode(
        tg_crypto::test_primes::SPSP2_2048,
    ));
    assert!(crypto_primes_spsp2(&crafted));
    tally.check("spsp(2) 2048-bit", &crafted);
    for family in [
        "spsp(2) below 2^20",
        "spsp(2) constructed",
        "spsp to many bases",
    ] {
        assert_eq!(tally.get(family)[1], 0, "{family}: all composite");
    }
}

#[test]
fn lucas_pseudoprimes_and_carmichael_numbers_agree_with_crypto_primes() {
    let mut tally = Tally::default();
    // Extra strong Lucas pseudoprimes (OEIS A217719), which pass the Lucas half of our test.
    for n in [
        989u64, 3239, 5777, 10877, 27971, 29681, 30739, 31631, 39059, 72389, 73919, 75077, 100127,
        113573, 125249, 137549, 137801, 153931, 155819, 161027, 162133, 189419, 218321, 231703,
        249331, 370229, 429479, 430127, 459191, 473891, 480689,
    ] {
        tally.check("extra strong Lucas psp", &BigUint::from(n));
    }
    // Chernick's Carmichael numbers: (6k+1)(12k+1)(18k+1) with all three factors prime.
    let mut rng = SeededRng::new(4);
    construct(300, &[12, 20, 28, 40, 60], |bits| {
        let k = rng.number(bits);
        let factors = [&k * 6u32 + 1u32, &k * 12u32 + 1u32, &k * 18u32 + 1u32];
        let n: BigUint = all_prime(&factors)?.iter().product();
        // Korselt: a Fermat liar for base 2.
        assert_eq!(
            BigUint::from(2u32).modpow(&(&n - 1u32), &n),
            BigUint::from(1u32)
        );
        tally.check("Carmichael", &n);
        Some(())
    });
    assert_eq!(tally.get("Carmichael")[1], 0);
    assert_eq!(tally.get("extra strong Lucas psp")[1], 0);
}

#[test]
fn full_size_primes_agree_through_validate_p() {
    let mut rng = SeededRng::new(5);
    let mut checked = 0;
    let mut check = |p: &BigUint| {
        let (prime, safe) = reference(p);
        let expected = match (prime, safe) {
            (_, true) => Ok(()),
            (true, false) => Err(PrimeError::NotSafePrime),
            (false, _) => Err(PrimeError::NotPrime),
        };
        assert_eq!(validate_p_uncached(&p.to_bytes_be()), expected, "{p:#x}");
        checked += 1;
    };
    for hex in [
        tg_crypto::test_primes::MODP2048_P,
        tg_crypto::test_primes::FFDHE2048_P,
    ] {
        check(&BigUint::from_bytes_be(&tg_crypto::test_primes::decode(
            hex,
        )));
    }
    check(&BigUint::from_bytes_be(&tg_crypto::safe_prime::TELEGRAM_P));
    // Random 2048-bit primes (not safe), 2q + 1 for random 2047-bit primes q (composite or,
    // rarely, safe), random odd 2048-bit numbers.
    check(&rng.prime(Flavor::Any, 2048));
    let q = rng.prime(Flavor::Any, 2047);
    check(&((q << 1u32) + 1u32));
    for _ in 0..100 {
        check(&rng.odd(2048));
    }
    assert_eq!(checked, 105);
}
