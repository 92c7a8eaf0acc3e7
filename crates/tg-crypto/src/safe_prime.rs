//! Validation of a server's Diffie–Hellman prime `p` (SRP's `p`, MTProto's `dh_prime`): a safe
//! 2048-bit prime.
//!
//! Three layers, cheapest first:
//!
//! 1. **Built-in table** of known-good primes (Telegram's `c71caeb9…`): a byte comparison.
//! 2. **Verdict cache**: a fixed array of [`PRIME_CACHE_CAPACITY`] entries (the full 256-byte `p`
//!    and its verdict, good or bad) behind a `Mutex`, replaced round-robin. This is the only
//!    global state of the crate (and of auth-core, which uses it). Its size is fixed by its type, so a hostile server sending many
//!    distinct primes can only evict entries, never grow it. The lock is not held while testing.
//! 3. **Test** ([`validate_p_uncached`]):
//!    * `2^2047 < p < 2^2048`, else [`PrimeError::Not2048Bit`];
//!    * trial division of `p` and `q = (p − 1) / 2` together by the odd primes below 4096
//!      (a prime `r` divides `q` exactly when `p ≡ 1 mod r`);
//!    * Baillie–PSW on `q` (strong probable prime to base 2, then the extra strong Lucas test);
//!    * when `q` passes, `p` is *proved* prime by Pocklington's criterion: with `q` prime,
//!      `2^q ≡ ±1 (mod p)` forces the order of 2 to be `q` or `2q`, so every prime factor `r` of
//!      `p` has `q | r − 1`, i.e. `r > (p − 1) / 2`, i.e. `r = p`. (A prime `p` always passes:
//!      that is Euler's criterion.) One modular exponentiation instead of a second full test;
//!    * when `q` is composite, `p` gets its own Baillie–PSW test so the error names the first
//!      failing check: [`PrimeError::NotPrime`] if `p` is composite, else
//!      [`PrimeError::NotSafePrime`].
//!
//! No randomness is involved, so the verdict for a given `p` is deterministic; Baillie–PSW has no
//! known counterexample, and composites crafted to pass Miller–Rabin to fixed bases fail it.
//!
//! `tests/primality_vs_crypto_primes.rs` checks these steps (through [`check_safe_prime`], which
//! runs them at any size) and [`crate::primality::is_probable_prime`] against `crypto-primes` on
//! about 5 700 numbers: random safe primes, random primes, `2q + 1` for random primes `q`, random
//! odd numbers, semiprimes, strong pseudoprimes to base 2, extra strong Lucas pseudoprimes,
//! Carmichael numbers, and 2048-bit ones through [`validate_p_uncached`]. They agree on all.

use std::sync::{Mutex, PoisonError};

use num_bigint::BigUint;
use num_traits::One;

use crate::primality::{baillie_psw, is_probable_prime, trial_divide_safe};

/// Telegram's 2048-bit safe prime (`account.password.current_algo.p` and the handshake's
/// `dh_prime` on the production and test servers).
pub const TELEGRAM_P: [u8; 256] = [
    0xc7, 0x1c, 0xae, 0xb9, 0xc6, 0xb1, 0xc9, 0x04, 0x8e, 0x6c, 0x52, 0x2f, 0x70, 0xf1, 0x3f, 0x73,
    0x98, 0x0d, 0x40, 0x23, 0x8e, 0x3e, 0x21, 0xc1, 0x49, 0x34, 0xd0, 0x37, 0x56, 0x3d, 0x93, 0x0f,
    0x48, 0x19, 0x8a, 0x0a, 0xa7, 0xc1, 0x40, 0x58, 0x22, 0x94, 0x93, 0xd2, 0x25, 0x30, 0xf4, 0xdb,
    0xfa, 0x33, 0x6f, 0x6e, 0x0a, 0xc9, 0x25, 0x13, 0x95, 0x43, 0xae, 0xd4, 0x4c, 0xce, 0x7c, 0x37,
    0x20, 0xfd, 0x51, 0xf6, 0x94, 0x58, 0x70, 0x5a, 0xc6, 0x8c, 0xd4, 0xfe, 0x6b, 0x6b, 0x13, 0xab,
    0xdc, 0x97, 0x46, 0x51, 0x29, 0x69, 0x32, 0x84, 0x54, 0xf1, 0x8f, 0xaf, 0x8c, 0x59, 0x5f, 0x64,
    0x24, 0x77, 0xfe, 0x96, 0xbb, 0x2a, 0x94, 0x1d, 0x5b, 0xcd, 0x1d, 0x4a, 0xc8, 0xcc, 0x49, 0x88,
    0x07, 0x08, 0xfa, 0x9b, 0x37, 0x8e, 0x3c, 0x4f, 0x3a, 0x90, 0x60, 0xbe, 0xe6, 0x7c, 0xf9, 0xa4,
    0xa4, 0xa6, 0x95, 0x81, 0x10, 0x51, 0x90, 0x7e, 0x16, 0x27, 0x53, 0xb5, 0x6b, 0x0f, 0x6b, 0x41,
    0x0d, 0xba, 0x74, 0xd8, 0xa8, 0x4b, 0x2a, 0x14, 0xb3, 0x14, 0x4e, 0x0e, 0xf1, 0x28, 0x47, 0x54,
    0xfd, 0x17, 0xed, 0x95, 0x0d, 0x59, 0x65, 0xb4, 0xb9, 0xdd, 0x46, 0x58, 0x2d, 0xb1, 0x17, 0x8d,
    0x16, 0x9c, 0x6b, 0xc4, 0x65, 0xb0, 0xd6, 0xff, 0x9c, 0xa3, 0x92, 0x8f, 0xef, 0x5b, 0x9a, 0xe4,
    0xe4, 0x18, 0xfc, 0x15, 0xe8, 0x3e, 0xbe, 0xa0, 0xf8, 0x7f, 0xa9, 0xff, 0x5e, 0xed, 0x70, 0x05,
    0x0d, 0xed, 0x28, 0x49, 0xf4, 0x7b, 0xf9, 0x59, 0xd9, 0x56, 0x85, 0x0c, 0xe9, 0x29, 0x85, 0x1f,
    0x0d, 0x81, 0x15, 0xf6, 0x35, 0xb1, 0x05, 0xee, 0x2e, 0x4e, 0x15, 0xd0, 0x4b, 0x24, 0x54, 0xbf,
    0x6f, 0x4f, 0xad, 0xf0, 0x34, 0xb1, 0x04, 0x03, 0x11, 0x9c, 0xd8, 0xe3, 0xb9, 0x2f, 0xcc, 0x5b,
];

/// Safe 2048-bit primes accepted without testing.
const KNOWN_SAFE_PRIMES: &[[u8; 256]] = &[TELEGRAM_P];

/// Number of entries of the prime-verdict cache.
pub const PRIME_CACHE_CAPACITY: usize = 8;

/// Why a number is not a safe 2048-bit prime. The checks run in the order of the variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrimeError {
    /// `2^2047 < p < 2^2048` does not hold.
    #[error("p is not a 2048-bit number")]
    Not2048Bit,
    /// `p` is not prime.
    #[error("p is not prime")]
    NotPrime,
    /// `p` is prime but `(p - 1) / 2` is not.
    #[error("p is not a safe prime: (p - 1) / 2 is not prime")]
    NotSafePrime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Good,
    NotPrime,
    NotSafePrime,
}

impl Verdict {
    fn into_result(self) -> Result<(), PrimeError> {
        match self {
            Verdict::Good => Ok(()),
            Verdict::NotPrime => Err(PrimeError::NotPrime),
            Verdict::NotSafePrime => Err(PrimeError::NotSafePrime),
        }
    }
}

struct PrimeCache {
    entries: [Option<([u8; 256], Verdict)>; PRIME_CACHE_CAPACITY],
    next: usize,
}

impl PrimeCache {
    const EMPTY: PrimeCache = PrimeCache {
        entries: [None; PRIME_CACHE_CAPACITY],
        next: 0,
    };

    fn get(&self, p: &[u8; 256]) -> Option<Verdict> {
        self.entries
            .iter()
            .flatten()
            .find(|(key, _)| key == p)
            .map(|&(_, verdict)| verdict)
    }

    fn insert(&mut self, p: &[u8; 256], verdict: Verdict) {
        if self.get(p).is_some() {
            return;
        }
        self.entries[self.next] = Some((*p, verdict));
        self.next = (self.next + 1) % PRIME_CACHE_CAPACITY;
    }
}

/// The only global state of the core: verdicts of primes tested so far (bounded, see the module
/// documentation).
static CACHE: Mutex<PrimeCache> = Mutex::new(PrimeCache::EMPTY);

fn with_cache<R>(f: impl FnOnce(&mut PrimeCache) -> R) -> R {
    // Nothing panics while holding the lock; if something ever did, the cache is still
    // consistent (entries are written whole), so recover it.
    let mut guard = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    f(&mut guard)
}

/// Returns `p` as exactly 256 big-endian bytes if `2^2047 < p < 2^2048`; leading zero bytes in
/// the input are ignored.
pub fn canonical_p(p: &[u8]) -> Result<[u8; 256], PrimeError> {
    let start = p.iter().position(|&b| b != 0).unwrap_or(p.len());
    let p = &p[start..];
    if p.len() != 256 || p[0] < 0x80 {
        return Err(PrimeError::Not2048Bit);
    }
    // p = 2^2047 exactly is not strictly greater than 2^2047.
    if p[0] == 0x80 && p[1..].iter().all(|&b| b == 0) {
        return Err(PrimeError::Not2048Bit);
    }
    let mut out = [0u8; 256];
    out.copy_from_slice(p);
    Ok(out)
}

/// Checks that `p` (big-endian) is a safe 2048-bit prime: `2^2047 < p < 2^2048`, `p` prime and
/// `(p − 1) / 2` prime.
///
/// Known primes are recognised from a built-in table; other verdicts are cached (see the module
/// documentation), so only the first call for a new prime is slow.
///
/// # Errors
///
/// [`PrimeError::Not2048Bit`], [`PrimeError::NotPrime`] or [`PrimeError::NotSafePrime`], in that
/// order of checks.
pub fn validate_p(p: &[u8]) -> Result<(), PrimeError> {
    let p = canonical_p(p)?;
    if KNOWN_SAFE_PRIMES.contains(&p) {
        return Ok(());
    }
    if let Some(verdict) = with_cache(|cache| cache.get(&p)) {
        return verdict.into_result();
    }
    let verdict = test_safe_prime(&p);
    // Cheap rejections (trial division) are not worth a slot; everything else is cached.
    if verdict.1 {
        with_cache(|cache| cache.insert(&p, verdict.0));
    }
    verdict.0.into_result()
}

/// [`validate_p`] without the table and the cache: always runs the full test. For benchmarks
/// and tests.
///
/// # Errors
///
/// As [`validate_p`].
#[doc(hidden)]
pub fn validate_p_uncached(p: &[u8]) -> Result<(), PrimeError> {
    let p = canonical_p(p)?;
    test_safe_prime(&p).0.into_result()
}

/// Empties the prime-verdict cache. For benchmarks and tests.
#[doc(hidden)]
pub fn clear_prime_cache() {
    with_cache(|cache| *cache = PrimeCache::EMPTY);
}

/// Number of occupied entries of the prime-verdict cache (at most [`PRIME_CACHE_CAPACITY`]).
/// For tests.
#[doc(hidden)]
pub fn prime_cache_len() -> usize {
    with_cache(|cache| cache.entries.iter().flatten().count())
}

/// Tests a canonical 2048-bit `p`. Returns the verdict and whether it was expensive to reach
/// (worth caching).
fn test_safe_prime(p_bytes: &[u8; 256]) -> (Verdict, bool) {
    safe_prime_verdict(&BigUint::from_bytes_be(p_bytes))
}

/// Is `p` (of any size) a safe prime, by the same steps as [`validate_p`] (without its length
/// rule, table and cache)? For the differential test against `crypto-primes`, which runs the
/// steps on thousands of numbers of many sizes where 2048-bit ones would be too slow.
///
/// # Errors
///
/// [`PrimeError::NotPrime`] or [`PrimeError::NotSafePrime`].
#[doc(hidden)]
pub fn check_safe_prime(p: &BigUint) -> Result<(), PrimeError> {
    safe_prime_verdict(p).0.into_result()
}

/// Below this, `p` or `q` may be one of the trial-division primes themselves: decided by
/// [`is_probable_prime`] on both.
const SMALL_SAFE_PRIME_LIMIT: u64 = 2 * 4096 + 1;

/// The verdict on `p` and whether it was expensive to reach.
fn safe_prime_verdict(p: &BigUint) -> (Verdict, bool) {
    let q: BigUint = p >> 1u32;
    if *p < BigUint::from(SMALL_SAFE_PRIME_LIMIT) {
        let verdict = match (is_probable_prime(p), is_probable_prime(&q) && p.bit(0)) {
            (false, _) => Verdict::NotPrime,
            (true, false) => Verdict::NotSafePrime,
            (true, true) => Verdict::Good,
        };
        return (verdict, false);
    }
    if !p.bit(0) {
        return (Verdict::NotPrime, false);
    }
    let trial = trial_divide_safe(p);
    if trial.p_has_factor {
        return (Verdict::NotPrime, false);
    }
    if !trial.q_has_factor && baillie_psw(&q) {
        // Pocklington: q prime and 2^q ≡ ±1 (mod p) ⇒ p prime; p prime ⇒ 2^q ≡ ±1 (Euler).
        let x = BigUint::from(2u32).modpow(&q, p);
        let verdict = if x.is_one() || x == p - 1u32 {
            Verdict::Good
        } else {
            Verdict::NotPrime
        };
        return (verdict, true);
    }
    // q is composite: name the first failing check.
    let verdict = if baillie_psw(p) {
        Verdict::NotSafePrime
    } else {
        Verdict::NotPrime
    };
    (verdict, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_primes::{FFDHE2048_P, MODP2048_P, decode as hex256};

    #[test]
    fn telegram_p_is_a_safe_prime_by_test_too() {
        assert_eq!(validate_p_uncached(&TELEGRAM_P), Ok(()));
        assert_eq!(validate_p(&TELEGRAM_P), Ok(()));
    }

    #[test]
    fn rfc_primes_are_safe_primes() {
        assert_eq!(validate_p_uncached(&hex256(MODP2048_P)), Ok(()));
        assert_eq!(validate_p_uncached(&hex256(FFDHE2048_P)), Ok(()));
    }

    #[test]
    fn length_rules() {
        assert_eq!(validate_p(&TELEGRAM_P[1..]), Err(PrimeError::Not2048Bit));
        assert_eq!(validate_p(&[]), Err(PrimeError::Not2048Bit));
        let mut long = vec![0u8; 3];
        long.extend_from_slice(&TELEGRAM_P);
        assert_eq!(validate_p(&long), Ok(()), "leading zeros are ignored");
        let mut long = vec![1u8];
        long.extend_from_slice(&TELEGRAM_P);
        assert_eq!(validate_p(&long), Err(PrimeError::Not2048Bit));
        let mut two_2047 = [0u8; 256];
        two_2047[0] = 0x80;
        assert_eq!(validate_p(&two_2047), Err(PrimeError::Not2048Bit));
        let mut small_top = TELEGRAM_P;
        small_top[0] = 0x7f;
        assert_eq!(validate_p(&small_top), Err(PrimeError::Not2048Bit));
    }

    #[test]
    fn composites_are_rejected() {
        let mut even = TELEGRAM_P;
        even[255] += 1; // Telegram p + 1, even
        assert_eq!(validate_p(&even), Err(PrimeError::NotPrime));
        let mut p = TELEGRAM_P;
        p[255] += 2; // p + 2
        assert_eq!(validate_p_uncached(&p), Err(PrimeError::NotPrime));
    }

    fn two_2048_minus(k: u32) -> [u8; 256] {
        let p = (BigUint::one() << 2048u32) - k;
        let mut bytes = [0u8; 256];
        bytes.copy_from_slice(&p.to_bytes_be());
        bytes
    }

    #[test]
    fn prime_but_not_safe() {
        // 2^2048 − 33329 is prime, ≡ 3 (mod 4), and (p − 1)/2 is composite with no factor
        // below 4096: Baillie–PSW on q fails, then p passes its own test.
        assert_eq!(
            validate_p_uncached(&two_2048_minus(33_329)),
            Err(PrimeError::NotSafePrime)
        );
        // 2^2048 − 2543 is prime and ≡ 1 (mod 4): q is even.
        assert_eq!(
            validate_p_uncached(&two_2048_minus(2543)),
            Err(PrimeError::NotSafePrime)
        );
    }

    #[test]
    fn another_safe_prime() {
        // 2^2048 − 1942289 is a safe prime.
        assert_eq!(validate_p_uncached(&two_2048_minus(1_942_289)), Ok(()));
    }

    #[test]
    fn any_size_verdict_agrees_with_the_definition_on_small_numbers() {
        let naive = |n: u64| {
            n >= 2
                && (2..)
                    .take_while(|d| d * d <= n)
                    .all(|d| !n.is_multiple_of(d))
        };
        for n in 0u64..40_000 {
            let expected = if !naive(n) {
                Err(PrimeError::NotPrime)
            } else if !naive(n / 2) || n.is_multiple_of(2) {
                Err(PrimeError::NotSafePrime)
            } else {
                Ok(())
            };
            assert_eq!(check_safe_prime(&BigUint::from(n)), expected, "{n}");
        }
    }

    #[test]
    fn crafted_pseudoprime_is_not_a_prime() {
        let p = hex256(crate::test_primes::SPSP2_2048);
        assert_eq!(validate_p_uncached(&p), Err(PrimeError::NotPrime));
    }

    #[test]
    fn cache_remembers_verdicts() {
        let p = hex256(FFDHE2048_P);
        assert_eq!(validate_p(&p), Ok(()));
        assert_eq!(with_cache(|c| c.get(&p)), Some(Verdict::Good));
        assert_eq!(validate_p(&p), Ok(()));
    }

    #[test]
    fn cache_stays_bounded() {
        let mut cache = PrimeCache::EMPTY;
        for i in 0..100u8 {
            let mut p = [0xffu8; 256];
            p[0] = i;
            cache.insert(&p, Verdict::NotPrime);
            assert!(cache.entries.iter().flatten().count() <= PRIME_CACHE_CAPACITY);
        }
        // The latest entries are the ones kept.
        let mut last = [0xffu8; 256];
        last[0] = 99;
        assert_eq!(cache.get(&last), Some(Verdict::NotPrime));
        let mut first = [0xffu8; 256];
        first[0] = 0;
        assert_eq!(cache.get(&first), None);
    }
}
