//! The handshake's proof of work: splitting `pq` (a product of two primes below 2^63) into
//! `p < q` on the client, and drawing such a product on the server.

use num_bigint::BigUint;
use tg_crypto::primality::is_probable_prime;

use crate::random::Random;

/// Rounds of Brent's cycle search before a start value is given up; a 63-bit `pq` needs about
/// 2^16 steps, so this only bounds hostile input (a prime is refused before the search).
const MAX_STEPS: u64 = 1 << 22;
/// Increments `c` of `x² + c` tried before giving up.
const MAX_POLYNOMIALS: u64 = 8;

fn mul_mod(a: u64, b: u64, n: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(n)) as u64
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Splits `pq` into `p < q` with `p·q = pq` and `p > 1`, by Pollard's rho with Brent's cycle
/// detection. `None` for numbers with no such split (0, 1, primes) or, for hostile input, when
/// the bounded search finds none.
pub(crate) fn factor(pq: u64) -> Option<(u64, u64)> {
    if pq < 4 || is_probable_prime(&BigUint::from(pq)) {
        return None;
    }
    let d = if pq.is_multiple_of(2) {
        2
    } else {
        (1..=MAX_POLYNOMIALS).find_map(|c| brent(pq, c))?
    };
    let (p, q) = (d.min(pq / d), d.max(pq / d));
    (p > 1 && p < q && p * q == pq).then_some((p, q))
}

/// One run of Brent's variant with `f(y) = y² + c mod n`; a non-trivial divisor or `None`.
fn brent(n: u64, c: u64) -> Option<u64> {
    const BATCH: u64 = 128;
    let f = |y: u64| (mul_mod(y, y, n) + c) % n;
    let (mut y, mut x, mut ys) = (2u64, 2u64, 2u64);
    let (mut r, mut product, mut g) = (1u64, 1u64, 1u64);
    let mut steps = 0u64;
    while g == 1 {
        x = y;
        for _ in 0..r {
            y = f(y);
        }
        let mut k = 0;
        while k < r && g == 1 {
            ys = y;
            for _ in 0..BATCH.min(r - k) {
                y = f(y);
                product = mul_mod(product, x.abs_diff(y), n);
            }
            g = gcd(product, n);
            k += BATCH;
        }
        steps += r;
        r *= 2;
        if steps > MAX_STEPS {
            return None;
        }
    }
    if g == n {
        // The batch overshot: walk it again one step at a time.
        for _ in 0..=r {
            ys = f(ys);
            g = gcd(x.abs_diff(ys), n);
            if g > 1 {
                break;
            }
        }
    }
    (g > 1 && g < n).then_some(g)
}

/// A random prime in `[2^30, 2^31)`.
fn random_prime(random: &mut Random) -> Option<u64> {
    (0..10_000).find_map(|_| {
        let candidate = (u64::from(u32::from_le_bytes(random.array())) & 0x3fff_ffff) | 0x4000_0001;
        is_probable_prime(&BigUint::from(candidate)).then_some(candidate)
    })
}

/// A `pq` for `resPQ`: two distinct random ~31-bit primes, `p < q`.
pub(crate) fn random_pq(random: &mut Random) -> (u64, u64) {
    // Primes are dense (one odd number in ~11 of this size is prime), so the fallback is never
    // taken in practice; it keeps the function total.
    const FALLBACK: (u64, u64) = (1_786_331_737, 1_880_278_339);
    match (random_prime(random), random_prime(random)) {
        (Some(a), Some(b)) if a != b => (a.min(b), a.max(b)),
        _ => FALLBACK,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_crypto::entropy::Entropy;

    #[test]
    fn factors_the_worked_example() {
        assert_eq!(
            factor(3_358_800_871_349_344_843),
            Some((1_786_331_737, 1_880_278_339))
        );
        assert_eq!(
            factor(0x17ed_4894_1a08_f981),
            Some((1_229_739_323, 1_402_015_859))
        );
    }

    #[test]
    fn refuses_what_has_no_split() {
        for n in [0, 1, 2, 3, 5, 7, 1_000_000_007, (1 << 61) - 1] {
            assert_eq!(factor(n), None, "{n}");
        }
        assert_eq!(factor(4), None, "2·2 has no p < q");
        assert_eq!(factor(6), Some((2, 3)));
    }

    #[test]
    fn random_products_split_back() {
        let mut random = Random::from(Entropy::from_seed([3; 32]));
        for _ in 0..20 {
            let (p, q) = random_pq(&mut random);
            assert!(p < q && p >= 1 << 30 && q < 1 << 31);
            assert_eq!(factor(p * q), Some((p, q)));
        }
    }
}
