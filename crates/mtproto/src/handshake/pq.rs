//! The handshake's proof of work: splitting `pq` (a product of two primes below 2^63) into
//! `p < q` on the client, and drawing such a product on the server.

use num_bigint::BigUint;
use tg_crypto::primality::is_probable_prime;

use crate::random::Random;

/// Rounds of Brent's cycle search before a start value is given up; a 63-bit `pq` needs about
/// 2^16 steps, so this only bounds hostile input (a prime is refused before the search).
const MAX_STEPS: u64 = 1 << 22;
/// Rounds of `LANES` polynomials `x² + c` tried before giving up.
const MAX_POLYNOMIALS: u64 = 4;

/// Montgomery arithmetic modulo an odd `n < 2^63` (no division in the loop: a 128-bit `%`
/// costs several times a multiplication).
#[derive(Clone, Copy)]
struct Montgomery {
    n: u64,
    /// `−n⁻¹ mod 2^64`.
    n_neg_inv: u64,
}

impl Montgomery {
    fn new(n: u64) -> Self {
        // Newton's iteration doubles the correct low bits of n⁻¹ mod 2^64 each step (n is odd,
        // so n is its own inverse mod 8: 3 bits to start, 6 steps reach 64+).
        let mut inv = n;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n.wrapping_mul(inv)));
        }
        Montgomery {
            n,
            n_neg_inv: inv.wrapping_neg(),
        }
    }

    /// `a·b·2^-64 mod n` for `a, b < n`.
    fn mul(self, a: u64, b: u64) -> u64 {
        let t = u128::from(a) * u128::from(b);
        let m = (t as u64).wrapping_mul(self.n_neg_inv);
        // t + m·n < 2^126 + 2^127 for n < 2^63: no overflow; the low 64 bits are zero.
        let u = ((t + u128::from(m) * u128::from(self.n)) >> 64) as u64;
        if u >= self.n { u - self.n } else { u }
    }
}

/// Binary gcd (Stein's algorithm): shifts and subtractions, no division.
fn gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            (a, b) = (b, a);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// Splits `pq` into `p < q` with `p·q = pq` and `p > 1`, by Pollard's rho with Brent's cycle
/// detection. `None` for numbers with no such split (0, 1, primes), for `pq ≥ 2^63` (the
/// protocol's bound), or, for hostile input, when the bounded search finds none.
pub fn factor(pq: u64) -> Option<(u64, u64)> {
    if !(4..1 << 63).contains(&pq) || is_probable_prime(&BigUint::from(pq)) {
        return None;
    }
    let d = if pq.is_multiple_of(2) {
        2
    } else {
        (0..MAX_POLYNOMIALS).find_map(|round| brent(pq, 1 + round * LANES as u64))?
    };
    let (p, q) = (d.min(pq / d), d.max(pq / d));
    (p > 1 && p < q && p * q == pq).then_some((p, q))
}

/// Independent walks run side by side: each step of one walk waits for the multiplication
/// before it, so interleaving several keeps the multiplier busy, and the first walk to find a
/// factor wins.
const LANES: usize = 2;

/// Brent's variant of Pollard's rho on `LANES` walks with `f(y) = y²·2^-64 + c mod n` for
/// `c = first_c, first_c + 1, …` (Montgomery squaring: modulo each prime factor of `n` still a
/// quadratic map, which is all the method needs); a non-trivial divisor or `None`. `n` is odd.
fn brent(n: u64, first_c: u64) -> Option<u64> {
    const BATCH: u64 = 512;
    let mont = Montgomery::new(n);
    let c: [u64; LANES] = std::array::from_fn(|l| (first_c + l as u64) % n);
    let f = |y: u64, c: u64| {
        let y = mont.mul(y, y) + c;
        if y >= n { y - n } else { y }
    };
    let mut y = [2u64; LANES];
    let mut x: [u64; LANES];
    let mut ys: [u64; LANES];
    let mut product = [1u64; LANES];
    let mut alive = [true; LANES];
    let mut r = 1u64;
    let mut steps = 0u64;
    while steps <= MAX_STEPS && alive.iter().any(|&a| a) {
        x = y;
        for _ in 0..r {
            for l in 0..LANES {
                y[l] = f(y[l], c[l]);
            }
        }
        let mut k = 0;
        while k < r {
            ys = y;
            for _ in 0..BATCH.min(r - k) {
                for l in 0..LANES {
                    y[l] = f(y[l], c[l]);
                    product[l] = mont.mul(product[l], x[l].abs_diff(y[l]));
                }
            }
            k += BATCH;
            for l in 0..LANES {
                if !alive[l] {
                    continue;
                }
                match gcd(product[l], n) {
                    1 => {}
                    g if g < n => return Some(g),
                    _ => {
                        // The batch overshot (or the product hit 0): walk it again one step
                        // at a time.
                        let mut walk = ys[l];
                        for _ in 0..BATCH {
                            walk = f(walk, c[l]);
                            match gcd(x[l].abs_diff(walk), n) {
                                1 => {}
                                g if g < n => return Some(g),
                                _ => break,
                            }
                        }
                        alive[l] = false;
                    }
                }
            }
        }
        steps += r;
        r *= 2;
    }
    None
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
    fn montgomery_multiplication_matches_division() {
        for n in [3u64, 1_000_000_007, (1 << 62) + 1, (1 << 63) - 25] {
            let mont = Montgomery::new(n);
            let r_inv = {
                // 2^-64 mod n, from 2^64 mod n by the extended Euclidean algorithm on i128.
                let (mut a, mut b, mut x0, mut x1) = (
                    ((1u128 << 64) % u128::from(n)) as i128,
                    n as i128,
                    1i128,
                    0i128,
                );
                while b != 0 {
                    let q = a / b;
                    (a, b) = (b, a - q * b);
                    (x0, x1) = (x1, x0 - q * x1);
                }
                x0.rem_euclid(n as i128) as u128
            };
            for (a, b) in [(0u64, 5u64), (1, 1), (n - 1, n - 1), (n / 2, n / 3 + 1)] {
                let (a, b) = (a % n, b % n);
                let expected =
                    (u128::from(a) * u128::from(b) % u128::from(n)) * r_inv % u128::from(n);
                assert_eq!(u128::from(mont.mul(a, b)), expected, "{a}·{b} mod {n}");
            }
        }
    }

    #[test]
    fn factors_the_hardest_products_below_2_63() {
        assert_eq!(
            factor(3_037_000_493 * 3_037_000_453),
            Some((3_037_000_453, 3_037_000_493))
        );
        assert_eq!(factor(u64::MAX), None, "beyond 2^63");
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
        let mut random = Random::from(Entropy::deterministic([3; 32]));
        for _ in 0..20 {
            let (p, q) = random_pq(&mut random);
            assert!(p < q && p >= 1 << 30 && q < 1 << 31);
            assert_eq!(factor(p * q), Some((p, q)));
        }
    }
}
