//! The server's SRP parameters, and the validated group `(p, g)` built from them.

use num_bigint::BigUint;
use num_traits::One;
use sha2::{Digest, Sha256};

use super::error::SrpError;
use super::primality::mod_u64;
use super::prime::{canonical_p, validate_p};
use super::{LEN, pad};

/// The parameters of `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`, as
/// found in `account.password.current_algo` (or `new_algo`).
///
/// Plain values, not TL types; nothing here is secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrpAlgo {
    /// `salt1` (the SRP "I").
    pub salt1: Vec<u8>,
    /// `salt2` (the SRP "s").
    pub salt2: Vec<u8>,
    /// The generator `g` (must be in 2..=7).
    pub g: i32,
    /// The prime `p`, big-endian (must be a safe 2048-bit prime).
    pub p: Vec<u8>,
}

/// A validated group: `p` a safe 2048-bit prime, `g` a quadratic residue modulo `p`, plus the
/// values derived from them alone.
#[derive(Clone)]
pub(crate) struct Group {
    pub(crate) p: BigUint,
    pub(crate) g: u32,
    pub(crate) g_big: BigUint,
    /// `k = H(p | g)` as an integer.
    pub(crate) k: BigUint,
    /// `H(p) xor H(g)`, the first part of `M1`.
    pub(crate) hp_xor_hg: [u8; 32],
    /// `2^1984`, the lower bound for `g_a`, `t` (and the server's `A`).
    lo: BigUint,
    /// `p − 2^1984`, the upper bound.
    hi: BigUint,
}

impl Group {
    /// Validates `p` then `g`, in the order of the checks (see [`SrpError`]).
    pub(crate) fn new(p: &[u8], g: i32) -> Result<Self, SrpError> {
        validate_p(p)?;
        let p_bytes = canonical_p(p)?;
        let p = BigUint::from_bytes_be(&p_bytes);
        let g = check_g(g, &p)?;
        let g_bytes = pad(&BigUint::from(g));
        let k = BigUint::from_bytes_be(
            &Sha256::new()
                .chain_update(p_bytes)
                .chain_update(g_bytes)
                .finalize(),
        );
        let hp: [u8; 32] = Sha256::digest(p_bytes).into();
        let hg: [u8; 32] = Sha256::digest(g_bytes).into();
        let mut hp_xor_hg = [0u8; 32];
        for (out, (a, b)) in hp_xor_hg.iter_mut().zip(hp.iter().zip(hg.iter())) {
            *out = a ^ b;
        }
        let lo = BigUint::one() << 1984u32;
        let hi = &p - &lo;
        Ok(Group {
            p,
            g,
            g_big: BigUint::from(g),
            k,
            hp_xor_hg,
            lo,
            hi,
        })
    }

    /// Whether `x` lies in `[2^1984, p − 2^1984]` (the range required of `g_a`, `t` and `A`).
    pub(crate) fn in_safe_range(&self, x: &BigUint) -> bool {
        *x >= self.lo && *x <= self.hi
    }

    /// `g^e mod p`.
    pub(crate) fn g_pow(&self, e: &BigUint) -> BigUint {
        self.g_big.modpow(e, &self.p)
    }
}

/// `g` must be in 2..=7 and a quadratic residue modulo `p`, decided by quadratic reciprocity from
/// `p mod 4g` as core.telegram.org/api/srp states: `p mod 8 = 7` for 2, `p mod 3 = 2` for 3,
/// nothing for 4, `p mod 5 ∈ {1, 4}` for 5, `p mod 24 ∈ {19, 23}` for 6, `p mod 7 ∈ {3, 5, 6}`
/// for 7.
pub(crate) fn check_g(g: i32, p: &BigUint) -> Result<u32, SrpError> {
    if !(2..=7).contains(&g) {
        return Err(SrpError::GOutOfRange { g });
    }
    // 840 = lcm(8, 3, 5, 24, 7).
    let r = mod_u64(&p.to_u64_digits(), 840);
    let ok = match g {
        2 => r % 8 == 7,
        3 => r % 3 == 2,
        4 => true,
        5 => matches!(r % 5, 1 | 4),
        6 => matches!(r % 24, 19 | 23),
        _ => matches!(r % 7, 3 | 5 | 6),
    };
    if ok {
        Ok(g as u32)
    } else {
        Err(SrpError::GBadForP { g })
    }
}

/// Left-pads `srp_B` to 256 bytes; longer is [`SrpError::GbBadLength`].
pub(crate) fn pad_g_b(srp_b: &[u8]) -> Result<[u8; LEN], SrpError> {
    if srp_b.len() > LEN {
        return Err(SrpError::GbBadLength { len: srp_b.len() });
    }
    let mut out = [0u8; LEN];
    out[LEN - srp_b.len()..].copy_from_slice(srp_b);
    Ok(out)
}

/// `1 < g_b < p − 1`, else [`SrpError::GbOutOfRange`].
pub(crate) fn check_g_b(group: &Group, g_b: &[u8; LEN]) -> Result<BigUint, SrpError> {
    let g_b = BigUint::from_bytes_be(g_b);
    if g_b > BigUint::one() && g_b < &group.p - 1u32 {
        Ok(g_b)
    } else {
        Err(SrpError::GbOutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::prime::TELEGRAM_P;

    #[test]
    fn residue_rule_matches_euler_criterion() {
        // For a prime p, g is a quadratic residue iff g^((p−1)/2) ≡ 1; check the rule against
        // that for Telegram's p and for small primes p ≡ 3 (mod 4) (the rule assumes it, as every
        // safe prime above 7 has it) in every residue class.
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        let q = &p >> 1u32;
        for g in 2..=7 {
            let euler = BigUint::from(g as u32).modpow(&q, &p).is_one();
            assert_eq!(check_g(g, &p).is_ok(), euler, "g = {g}");
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
                assert_eq!(check_g(g, &p).is_ok(), euler, "g = {g}, p = {small_p}");
            }
        }
    }

    #[test]
    fn g_range() {
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        for g in [i32::MIN, -3, 0, 1, 8, 256, i32::MAX] {
            assert_eq!(check_g(g, &p), Err(SrpError::GOutOfRange { g }));
        }
        // Telegram's p: 3, 4, 5?, 7 — p mod 5 = 3, so 5 is a non-residue.
        assert_eq!(check_g(5, &p), Err(SrpError::GBadForP { g: 5 }));
        assert_eq!(check_g(3, &p), Ok(3));
    }

    #[test]
    fn g_b_padding_and_range() {
        let group = Group::new(&TELEGRAM_P, 3).expect("valid group");
        assert_eq!(
            pad_g_b(&[0u8; 257]),
            Err(SrpError::GbBadLength { len: 257 })
        );
        let padded = pad_g_b(&[5]).expect("short is padded");
        assert_eq!(padded[255], 5);
        assert!(padded[..255].iter().all(|&b| b == 0));
        assert_eq!(
            check_g_b(&group, &pad_g_b(&[1]).expect("pad")),
            Err(SrpError::GbOutOfRange)
        );
        assert_eq!(
            check_g_b(&group, &pad_g_b(&[]).expect("pad")),
            Err(SrpError::GbOutOfRange)
        );
        assert!(check_g_b(&group, &pad_g_b(&[2]).expect("pad")).is_ok());
        let p_minus_1 = pad(&(&group.p - 1u32));
        assert_eq!(check_g_b(&group, &p_minus_1), Err(SrpError::GbOutOfRange));
        let p_minus_2 = pad(&(&group.p - 2u32));
        assert!(check_g_b(&group, &p_minus_2).is_ok());
        assert_eq!(
            check_g_b(&group, &pad(&group.p)),
            Err(SrpError::GbOutOfRange)
        );
        assert_eq!(check_g_b(&group, &[0xff; 256]), Err(SrpError::GbOutOfRange));
    }

    #[test]
    fn safe_range_bounds_are_inclusive() {
        let group = Group::new(&TELEGRAM_P, 3).expect("valid group");
        let lo = BigUint::one() << 1984u32;
        assert!(group.in_safe_range(&lo));
        assert!(!group.in_safe_range(&(&lo - 1u32)));
        let hi = &group.p - &lo;
        assert!(group.in_safe_range(&hi));
        assert!(!group.in_safe_range(&(&hi + 1u32)));
    }
}
