//! The server's SRP parameters, and the validated group `(p, g)` built from them.

use num_bigint::BigUint;
use num_traits::One;
use sha2::{Digest, Sha256};
use tg_crypto::dh::{GeneratorError, SafeRange, check_generator};
use tg_crypto::safe_prime::canonical_p;

use super::error::SrpError;
use super::prime::validate_p;
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
    /// `[2^1984, p − 2^1984]`, the range required of `g_a`, `t` (and the server's `A`).
    range: SafeRange,
}

impl Group {
    /// Validates `p` then `g`, in the order of the checks (see [`SrpError`]).
    pub(crate) fn new(p: &[u8], g: i32) -> Result<Self, SrpError> {
        validate_p(p)?;
        let p_bytes = canonical_p(p).map_err(SrpError::from)?;
        let p = BigUint::from_bytes_be(&p_bytes);
        let g = check_generator(g, &p).map_err(|e| match e {
            GeneratorError::OutOfRange { g } => SrpError::GOutOfRange { g },
            GeneratorError::NotResidue { g } => SrpError::GBadForP { g },
        })?;
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
        let range = SafeRange::new(&p);
        Ok(Group {
            p,
            g,
            g_big: BigUint::from(g),
            k,
            hp_xor_hg,
            range,
        })
    }

    /// Whether `x` lies in `[2^1984, p − 2^1984]` (the range required of `g_a`, `t` and `A`).
    pub(crate) fn in_safe_range(&self, x: &BigUint) -> bool {
        self.range.contains(x)
    }

    /// `g^e mod p`.
    pub(crate) fn g_pow(&self, e: &BigUint) -> BigUint {
        self.g_big.modpow(e, &self.p)
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
    use tg_crypto::safe_prime::TELEGRAM_P;

    #[test]
    fn generator_errors_keep_their_srp_names() {
        assert_eq!(
            Group::new(&TELEGRAM_P, 8).err(),
            Some(SrpError::GOutOfRange { g: 8 })
        );
        assert_eq!(
            Group::new(&TELEGRAM_P, 5).err(),
            Some(SrpError::GBadForP { g: 5 })
        );
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
