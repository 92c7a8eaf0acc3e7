//! Checks on a Diffie–Hellman group `(p, g)` and on the public values exchanged in it, shared by
//! SRP (core.telegram.org/api/srp) and the MTProto auth-key handshake (mtproto/auth_key), which
//! ask for the same conditions.

use num_bigint::BigUint;
use num_traits::One;

use crate::primality::mod_u64;

/// Why a generator `g` was refused for a prime `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GeneratorError {
    /// `g` is not one of 2, 3, 4, 5, 6, 7.
    #[error("g = {g} is not in 2..=7")]
    OutOfRange {
        /// The generator received.
        g: i32,
    },
    /// `g` is not a quadratic residue modulo `p`, so it does not generate the subgroup of prime
    /// order `(p - 1) / 2`.
    #[error("g = {g} is not a quadratic residue modulo p")]
    NotResidue {
        /// The generator received.
        g: i32,
    },
}

/// `g` must be in 2..=7 and generate the cyclic subgroup of prime order `(p − 1) / 2` of a safe
/// prime `p`, i.e. be a quadratic residue modulo `p`. Decided by quadratic reciprocity from
/// `p mod 4g`, as both documents state: `p mod 8 = 7` for 2, `p mod 3 = 2` for 3, nothing for 4,
/// `p mod 5 ∈ {1, 4}` for 5, `p mod 24 ∈ {19, 23}` for 6, `p mod 7 ∈ {3, 5, 6}` for 7.
///
/// `p` is assumed to be a safe prime already (see [`crate::safe_prime`]).
///
/// # Errors
///
/// [`GeneratorError::OutOfRange`] or [`GeneratorError::NotResidue`].
pub fn check_generator(g: i32, p: &BigUint) -> Result<u32, GeneratorError> {
    residue_rule(g, mod_u64(&p.to_u64_digits(), RULE_MODULUS))
}

/// [`check_generator`] for `p` given big-endian, as it comes off the wire (no big integer
/// needed: the rule only looks at `p mod 840`).
///
/// # Errors
///
/// As [`check_generator`].
pub fn check_generator_be(g: i32, p: &[u8]) -> Result<u32, GeneratorError> {
    let r = p
        .iter()
        .fold(0u64, |r, &byte| ((r << 8) | u64::from(byte)) % RULE_MODULUS);
    residue_rule(g, r)
}

/// `lcm(8, 3, 5, 24, 7)`: the residue rule of every `g` in 2..=7 reads `p` modulo it.
const RULE_MODULUS: u64 = 840;

/// The quadratic-residue rule for `g` given `r = p mod 840`.
fn residue_rule(g: i32, r: u64) -> Result<u32, GeneratorError> {
    if !(2..=7).contains(&g) {
        return Err(GeneratorError::OutOfRange { g });
    }
    let ok = match g {
        2 => r % 8 == 7,
        3 => r % 3 == 2,
        4 => true,
        5 => matches!(r % 5, 1 | 4),
        6 => matches!(r % 24, 19 | 23),
        _ => matches!(r % 7, 3 | 5 | 6),
    };
    if ok {
        Ok(g.unsigned_abs())
    } else {
        Err(GeneratorError::NotResidue { g })
    }
}

/// The bounds `[2^(2048−64), p − 2^(2048−64)]` that both SRP (`g_a`, `g_b`, `t`) and the MTProto
/// handshake (`g_a`, `g_b`) require of a public value, for one 2048-bit prime `p`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeRange {
    lo: BigUint,
    hi: BigUint,
}

impl SafeRange {
    /// The range for `p` (a 2048-bit prime).
    #[must_use]
    pub fn new(p: &BigUint) -> Self {
        let lo = BigUint::one() << 1984u32;
        let hi = if *p > lo { p - &lo } else { BigUint::default() };
        SafeRange { lo, hi }
    }

    /// Whether `x` lies in the range (both ends included).
    #[must_use]
    pub fn contains(&self, x: &BigUint) -> bool {
        *x >= self.lo && *x <= self.hi
    }
}

/// `1 < x < p − 1`: the first check on a peer's public value.
#[must_use]
pub fn strictly_inside(x: &BigUint, p: &BigUint) -> bool {
    *x > BigUint::one() && x + 1u32 < *p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safe_prime::TELEGRAM_P;

    #[test]
    fn residue_rule_matches_euler_criterion() {
        // For a prime p, g is a quadratic residue iff g^((p−1)/2) ≡ 1; check the rule against
        // that for Telegram's p and for small primes p ≡ 3 (mod 4) (the rule assumes it, as every
        // safe prime above 7 has it) in every residue class.
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        let q = &p >> 1u32;
        for g in 2..=7 {
            let euler = BigUint::from(g as u32).modpow(&q, &p).is_one();
            assert_eq!(check_generator(g, &p).is_ok(), euler, "g = {g}");
        }
        for small_p in [
            11u32, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
            101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181,
            191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277,
            281, 283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383,
            389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487,
            491, 499, 503, 509, 521, 523, 541,
        ] {
            if small_p % 4 != 3 {
                continue;
            }
            let p = BigUint::from(small_p);
            for g in 2..=7 {
                let euler = BigUint::from(g as u32)
                    .modpow(&BigUint::from((small_p - 1) / 2), &p)
                    .is_one();
                assert_eq!(
                    check_generator(g, &p).is_ok(),
                    euler,
                    "g = {g}, p = {small_p}"
                );
            }
        }
    }

    #[test]
    fn big_endian_form_agrees() {
        let telegram = BigUint::from_bytes_be(&TELEGRAM_P);
        let mut padded = vec![0u8; 3];
        padded.extend_from_slice(&TELEGRAM_P);
        for p in [
            telegram,
            BigUint::from(23u32),
            BigUint::from(839u32),
            BigUint::from(1u32 << 31),
        ] {
            for g in -1..=8 {
                assert_eq!(
                    check_generator_be(g, &p.to_bytes_be()),
                    check_generator(g, &p),
                    "g = {g}, p = {p}"
                );
            }
        }
        assert_eq!(check_generator_be(3, &padded), Ok(3), "leading zeros");
        assert_eq!(
            check_generator_be(5, &TELEGRAM_P),
            Err(GeneratorError::NotResidue { g: 5 })
        );
    }

    #[test]
    fn g_range() {
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        for g in [i32::MIN, -3, 0, 1, 8, 256, i32::MAX] {
            assert_eq!(
                check_generator(g, &p),
                Err(GeneratorError::OutOfRange { g })
            );
        }
        // Telegram's p mod 5 = 3, so 5 is a non-residue; 3 is the generator Telegram uses.
        assert_eq!(
            check_generator(5, &p),
            Err(GeneratorError::NotResidue { g: 5 })
        );
        assert_eq!(check_generator(3, &p), Ok(3));
    }

    #[test]
    fn safe_range_bounds_are_inclusive() {
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        let range = SafeRange::new(&p);
        let lo = BigUint::one() << 1984u32;
        assert!(range.contains(&lo));
        assert!(!range.contains(&(&lo - 1u32)));
        let hi = &p - &lo;
        assert!(range.contains(&hi));
        assert!(!range.contains(&(&hi + 1u32)));
    }

    #[test]
    fn strictly_inside_excludes_both_ends() {
        let p = BigUint::from(23u32);
        assert!(!strictly_inside(&BigUint::from(1u32), &p));
        assert!(strictly_inside(&BigUint::from(2u32), &p));
        assert!(strictly_inside(&BigUint::from(21u32), &p));
        assert!(!strictly_inside(&BigUint::from(22u32), &p));
        assert!(!strictly_inside(&p, &p));
    }
}
