//! Number theory for checking a server's prime: trial division, Miller–Rabin, the extra strong
//! Lucas test and their combination, Baillie–PSW.
//!
//! Everything here works on public values (the server's `p`), so nothing needs to be constant-time
//! or zeroized.
//!
//! Baillie–PSW (a strong probable-prime test to base 2 followed by a Lucas test) has no known
//! counterexample, although composites passing each half alone are easy to build; in particular,
//! a composite crafted to pass Miller–Rabin to any fixed set of bases (Arnault's construction)
//! does not pass it. We use Baillie's *extra strong* Lucas test (parameters `Q = 1`, `P` the
//! first of 3, 4, 5, … with `(P² − 4 | n) = −1`), which needs only the `V` sequence: two modular
//! multiplications per bit.

use num_bigint::BigUint;
use num_traits::{One, Zero};

/// Upper bound (exclusive) of the odd primes used for trial division.
const TRIAL_LIMIT: usize = 4096;

/// Number of odd primes below [`TRIAL_LIMIT`].
const TRIAL_COUNT: usize = count_odd_primes();

/// The odd primes below [`TRIAL_LIMIT`], computed at compile time.
pub(crate) static SMALL_PRIMES: [u32; TRIAL_COUNT] = odd_primes();

const fn sieve() -> [bool; TRIAL_LIMIT] {
    let mut composite = [false; TRIAL_LIMIT];
    composite[0] = true;
    composite[1] = true;
    let mut i = 2;
    while i * i < TRIAL_LIMIT {
        if !composite[i] {
            let mut j = i * i;
            while j < TRIAL_LIMIT {
                composite[j] = true;
                j += i;
            }
        }
        i += 1;
    }
    composite
}

const fn count_odd_primes() -> usize {
    let composite = sieve();
    let mut n = 0;
    let mut i = 3;
    while i < TRIAL_LIMIT {
        if !composite[i] {
            n += 1;
        }
        i += 2;
    }
    n
}

const fn odd_primes() -> [u32; TRIAL_COUNT] {
    let composite = sieve();
    let mut out = [0u32; TRIAL_COUNT];
    let mut n = 0;
    let mut i = 3;
    while i < TRIAL_LIMIT {
        if !composite[i] {
            out[n] = i as u32;
            n += 1;
        }
        i += 2;
    }
    out
}

/// `n mod m` for `n` given as little-endian 64-bit digits.
pub(crate) fn mod_u64(digits_le: &[u64], m: u64) -> u64 {
    debug_assert!(m != 0);
    let m128 = u128::from(m);
    let mut r: u128 = 0;
    for &d in digits_le.iter().rev() {
        r = ((r << 64) | u128::from(d)) % m128;
    }
    r as u64
}

/// What trial division by the small odd primes found about `p` (odd, larger than all of them)
/// and `q = (p − 1) / 2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrialDivision {
    /// Some small prime divides `p`.
    pub(crate) p_has_factor: bool,
    /// Some small prime divides `q` (equivalently `p ≡ 1` modulo it), or `q` is even.
    pub(crate) q_has_factor: bool,
}

/// Trial division of `p` and `(p − 1) / 2` at once: an odd prime `r` divides `(p − 1) / 2`
/// exactly when `p mod r = 1`.
///
/// Several primes are multiplied into one 64-bit modulus so the big number is reduced once per
/// group, not once per prime.
pub(crate) fn trial_divide_safe(p: &BigUint) -> TrialDivision {
    let digits = p.to_u64_digits();
    let mut result = TrialDivision {
        p_has_factor: false,
        // q = (p - 1) / 2 is even when p ≡ 1 (mod 4).
        q_has_factor: digits.first().is_some_and(|d| d & 3 == 1),
    };
    let mut start = 0;
    while start < SMALL_PRIMES.len() {
        let mut product: u64 = 1;
        let mut end = start;
        while end < SMALL_PRIMES.len() {
            match product.checked_mul(u64::from(SMALL_PRIMES[end])) {
                Some(next) => {
                    product = next;
                    end += 1;
                }
                None => break,
            }
        }
        let residue = mod_u64(&digits, product);
        for &r in &SMALL_PRIMES[start..end] {
            match residue % u64::from(r) {
                0 => {
                    result.p_has_factor = true;
                    return result;
                }
                1 => result.q_has_factor = true,
                _ => {}
            }
        }
        start = end;
    }
    result
}

/// Whether a small odd prime divides `n` (and `n` is not that prime).
pub(crate) fn has_small_factor(n: &BigUint) -> bool {
    let digits = n.to_u64_digits();
    SMALL_PRIMES.iter().any(|&r| {
        let r = u64::from(r);
        mod_u64(&digits, r) == 0 && *n != BigUint::from(r)
    })
}

/// Strong probable-prime (Miller–Rabin) test of odd `n > 3` to `base` (`1 < base < n − 1`).
pub(crate) fn miller_rabin(n: &BigUint, base: &BigUint) -> bool {
    let one = BigUint::one();
    let n_minus_1 = n - &one;
    let s = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> s;
    let mut x = base.modpow(&d, n);
    if x == one || x == n_minus_1 {
        return true;
    }
    for _ in 1..s {
        x = (&x * &x) % n;
        if x == n_minus_1 {
            return true;
        }
        if x == one {
            return false;
        }
    }
    false
}

/// Jacobi symbol `(a | b)` for odd `b`.
fn jacobi_u64(mut a: u64, mut b: u64) -> i32 {
    debug_assert!(b % 2 == 1);
    a %= b;
    let mut result = 1;
    while a != 0 {
        let tz = a.trailing_zeros();
        a >>= tz;
        if tz % 2 == 1 && matches!(b % 8, 3 | 5) {
            result = -result;
        }
        if a % 4 == 3 && b % 4 == 3 {
            result = -result;
        }
        core::mem::swap(&mut a, &mut b);
        a %= b;
    }
    if b == 1 { result } else { 0 }
}

/// Jacobi symbol `(a | n)` for a small `a > 0` and a big odd `n`, by reciprocity.
fn jacobi_small_over_big(a: u64, n_digits: &[u64]) -> i32 {
    let n_mod8 = n_digits.first().map_or(0, |d| d & 7);
    let tz = a.trailing_zeros();
    let a = a >> tz;
    let mut result = 1;
    if tz % 2 == 1 && matches!(n_mod8, 3 | 5) {
        result = -result;
    }
    if a == 1 {
        return result;
    }
    if a % 4 == 3 && n_mod8 % 4 == 3 {
        result = -result;
    }
    result * jacobi_u64(mod_u64(n_digits, a), a)
}

/// Largest `P` tried when looking for Lucas parameters; only a perfect square (caught earlier)
/// gets anywhere near it, so reaching it is treated as "composite".
const MAX_LUCAS_P: u64 = 1 << 16;

/// Baillie's extra strong Lucas probable-prime test of odd `n` with no small factors.
pub(crate) fn extra_strong_lucas(n: &BigUint) -> bool {
    let digits = n.to_u64_digits();
    let mut p = 3u64;
    loop {
        let d = p * p - 4;
        match jacobi_small_over_big(d, &digits) {
            -1 => break,
            // gcd(D, n) > 1 and n > D: composite.
            0 if *n > BigUint::from(d) => return false,
            _ => {}
        }
        p += 1;
        if p == 8 && is_perfect_square(n) {
            return false;
        }
        if p > MAX_LUCAS_P {
            return false;
        }
    }
    let big_p = BigUint::from(p);
    let two = BigUint::from(2u32);
    let n_plus_1 = n + 1u32;
    let s = n_plus_1.trailing_zeros().unwrap_or(0);
    let d = &n_plus_1 >> s;

    // Lucas chain: (V_k, V_{k+1}) from (V_0, V_1) = (2, P), with Q = 1:
    // V_{2k} = V_k² − 2, V_{2k+1} = V_k·V_{k+1} − P.
    let n_minus_p = n - &big_p;
    let n_minus_2 = n - &two;
    let mut vk = two.clone();
    let mut vk1 = big_p.clone();
    for bit in (0..d.bits()).rev() {
        let cross = (&vk * &vk1 + &n_minus_p) % n;
        if d.bit(bit) {
            vk = cross;
            vk1 = (&vk1 * &vk1 + &n_minus_2) % n;
        } else {
            vk1 = cross;
            vk = (&vk * &vk + &n_minus_2) % n;
        }
    }
    // U_d ≡ 0 ⇔ D·U_d = 2·V_{d+1} − P·V_d ≡ 0 (gcd(D, n) = 1 here).
    if (vk == two || vk == n_minus_2) && (&vk1 * 2u32) % n == (&vk * &big_p) % n {
        return true;
    }
    for _ in 0..s.saturating_sub(1) {
        if vk.is_zero() {
            return true;
        }
        vk = (&vk * &vk + &n_minus_2) % n;
    }
    false
}

fn is_perfect_square(n: &BigUint) -> bool {
    let r = n.sqrt();
    &r * &r == *n
}

/// Baillie–PSW probable-prime test for an odd `n` larger than every trial-division prime.
///
/// Callers have already done trial division.
#[must_use]
pub fn baillie_psw(n: &BigUint) -> bool {
    miller_rabin(n, &BigUint::from(2u32)) && extra_strong_lucas(n)
}

/// Full probable-prime test for any `n` (trial division, then Baillie–PSW): for public numbers
/// only (it is not constant-time).
#[must_use]
pub fn is_probable_prime(n: &BigUint) -> bool {
    if *n < BigUint::from(2u32) {
        return false;
    }
    if !n.bit(0) {
        return *n == BigUint::from(2u32);
    }
    if *n < BigUint::from(TRIAL_LIMIT as u64) {
        return SMALL_PRIMES.iter().any(|&r| *n == BigUint::from(r));
    }
    if has_small_factor(n) {
        return false;
    }
    baillie_psw(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(s: &str) -> BigUint {
        BigUint::parse_bytes(s.as_bytes(), 10).expect("decimal")
    }

    fn naive_is_prime(n: u64) -> bool {
        n >= 2
            && (2..)
                .take_while(|d| d * d <= n)
                .all(|d| n.checked_rem(d) != Some(0))
    }

    #[test]
    fn small_primes_table() {
        assert_eq!(SMALL_PRIMES[0], 3);
        assert_eq!(SMALL_PRIMES.len(), 563); // π(4096) = 564, minus the prime 2
        assert_eq!(*SMALL_PRIMES.last().expect("non-empty"), 4093);
        assert!(SMALL_PRIMES.iter().all(|&p| naive_is_prime(u64::from(p))));
    }

    #[test]
    fn jacobi_matches_euler_criterion() {
        for b in [3u64, 5, 7, 11, 13, 101, 4093] {
            for a in 0..b {
                let euler = BigUint::from(a).modpow(&BigUint::from((b - 1) / 2), &BigUint::from(b));
                let expected = if a == 0 {
                    0
                } else if euler == BigUint::one() {
                    1
                } else {
                    -1
                };
                assert_eq!(jacobi_u64(a, b), expected, "({a} | {b})");
            }
        }
        // Composite moduli against the multiplicative definition.
        assert_eq!(jacobi_u64(2, 15), jacobi_u64(2, 3) * jacobi_u64(2, 5));
        assert_eq!(jacobi_u64(1001, 9907), -1);
        assert_eq!(jacobi_u64(19, 45), 1);
        assert_eq!(jacobi_u64(8, 21), -1);
        assert_eq!(jacobi_u64(5, 21), 1);
    }

    #[test]
    fn jacobi_small_over_big_matches_u64() {
        for n in (5001u64..6001).step_by(2) {
            for a in [5u64, 12, 21, 32, 45, 60, 77] {
                let digits = BigUint::from(n).to_u64_digits();
                assert_eq!(
                    jacobi_small_over_big(a, &digits),
                    jacobi_u64(a, n),
                    "({a} | {n})"
                );
            }
        }
    }

    #[test]
    fn mod_u64_matches_biguint() {
        let n = big("123456789012345678901234567890123456789012345678901234567890");
        for m in [3u64, 1_000_003, u64::MAX, 4093 * 4091 * 4079] {
            let expected = &n % m;
            assert_eq!(BigUint::from(mod_u64(&n.to_u64_digits(), m)), expected);
        }
    }

    #[test]
    fn probable_prime_agrees_with_naive_on_small_numbers() {
        for n in 0u64..20_000 {
            assert_eq!(
                is_probable_prime(&BigUint::from(n)),
                naive_is_prime(n),
                "{n}"
            );
        }
    }

    #[test]
    fn lucas_agrees_on_primes_above_the_trial_limit() {
        for n in (4097u64..30_000).step_by(2) {
            let b = BigUint::from(n);
            if naive_is_prime(n) {
                assert!(extra_strong_lucas(&b), "prime {n}");
                assert!(miller_rabin(&b, &BigUint::from(2u32)), "prime {n}");
            }
        }
    }

    #[test]
    fn known_large_primes() {
        // 2^127 − 1 (Mersenne) and 2^521 − 1.
        let m127 = (BigUint::one() << 127u32) - 1u32;
        let m521 = (BigUint::one() << 521u32) - 1u32;
        assert!(is_probable_prime(&m127));
        assert!(is_probable_prime(&m521));
        assert!(!is_probable_prime(&(&m127 * &m521)));
    }

    #[test]
    fn strong_pseudoprimes_to_many_bases_are_rejected() {
        for n in crate::test_primes::STRONG_PSEUDOPRIMES_TO_MANY_BASES {
            let n = big(n);
            assert!(
                miller_rabin(&n, &BigUint::from(2u32)),
                "{n} is a base-2 spsp"
            );
            assert!(
                miller_rabin(&n, &BigUint::from(3u32)),
                "{n} is a base-3 spsp"
            );
            assert!(!extra_strong_lucas(&n), "{n}");
            assert!(!is_probable_prime(&n), "{n}");
        }
    }

    /// The crafted 2048-bit strong pseudoprime to base 2 of [`test_primes::SPSP2_2048`]:
    /// Miller–Rabin to base 2 alone accepts it.
    #[test]
    fn crafted_2048_bit_base_2_pseudoprime_is_rejected() {
        use crate::test_primes::{SPSP2_2048, SPSP2_2048_P1, SPSP2_2048_P2};
        let hex = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).expect("hex");
        let (n, p1, p2) = (hex(SPSP2_2048), hex(SPSP2_2048_P1), hex(SPSP2_2048_P2));
        assert_eq!(&p1 * &p2, n);
        assert_eq!(n.bits(), 2048);
        assert!(is_probable_prime(&p1) && is_probable_prime(&p2));
        assert!(!has_small_factor(&n));
        assert!(
            miller_rabin(&n, &BigUint::from(2u32)),
            "a strong pseudoprime to base 2"
        );
        assert!(!extra_strong_lucas(&n));
        assert!(!baillie_psw(&n));
        assert!(!is_probable_prime(&n));
    }

    #[test]
    fn carmichael_numbers_are_rejected() {
        // Carmichael numbers: Fermat pseudoprimes to every coprime base. The Chernick ones
        // (6k+1)(12k+1)(18k+1) have no small factors when k is large.
        for n in [
            "561",
            "1105",
            "1729",
            "41041",
            "825265",
            "321197185",
            "5394826801",
        ] {
            assert!(!is_probable_prime(&big(n)), "{n}");
        }
        // Chernick with k = 10^12 + 1121: 6k+1, 12k+1 and 18k+1 are all prime.
        let k = BigUint::from(1_000_000_001_121u64);
        let factors = [&k * 6u32 + 1u32, &k * 12u32 + 1u32, &k * 18u32 + 1u32];
        assert!(factors.iter().all(is_probable_prime));
        let n: BigUint = factors.iter().product();
        assert_eq!(n, big("1296000004358844004886708077826165821249"));
        // A Carmichael number: Fermat to base 2 passes.
        assert_eq!(BigUint::from(2u32).modpow(&(&n - 1u32), &n), BigUint::one());
        assert!(!is_probable_prime(&n));
    }

    #[test]
    fn perfect_squares_are_composite() {
        let p = (BigUint::one() << 127u32) - 1u32;
        let sq = &p * &p;
        assert!(!extra_strong_lucas(&sq));
        assert!(!is_probable_prime(&sq));
    }

    #[test]
    fn trial_division_of_safe_prime_candidates() {
        // 23 = 2·11 + 1 is a safe prime but too small for the table; use 5-digit checks.
        let safe = BigUint::from(1_000_000_000_000_000_003u64); // arbitrary odd
        let td = trial_divide_safe(&safe);
        let digits = safe.to_u64_digits();
        let p_factor = SMALL_PRIMES
            .iter()
            .any(|&r| mod_u64(&digits, u64::from(r)) == 0);
        assert_eq!(td.p_has_factor, p_factor);
        // p ≡ 1 mod 4 ⇒ q even.
        let td = trial_divide_safe(&BigUint::from(4_294_967_297u64 * 4 + 1));
        assert!(td.q_has_factor || td.p_has_factor);
    }
}
