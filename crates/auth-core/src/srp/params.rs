//! The server's SRP parameters, and the validated group `(p, g)` built from them.

use crypto_bigint::{Choice, U2048};
use sha2::{Digest, Sha256};
use tg_crypto::dh::{GeneratorError, check_generator_be};
use tg_crypto::safe_prime::canonical_p;

use super::LEN;
use super::error::SrpError;
use super::modp::{Modulus, Residue, in_range, modulus, u256_from_be, uint_from_be};
use super::prime::validate_p;

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
/// values derived from them alone. Everything here is public.
#[derive(Clone)]
pub(crate) struct Group {
    pub(crate) p: U2048,
    pub(crate) modulus: Modulus,
    pub(crate) g: u32,
    g_residue: Residue,
    /// `k = H(p | g)`, as hashed.
    pub(crate) k_bytes: [u8; 32],
    /// `k` in Montgomery form.
    pub(crate) k: Residue,
    /// `H(p) xor H(g)`, the first part of `M1`.
    pub(crate) hp_xor_hg: [u8; 32],
    /// `2^1984` and `p − 2^1984`: the range required of `g_a`, `t` (and the server's `A`).
    range_lo: U2048,
    range_hi: U2048,
}

impl Group {
    /// Validates `p` then `g`, in the order of the checks (see [`SrpError`]).
    pub(crate) fn new(p: &[u8], g: i32) -> Result<Self, SrpError> {
        validate_p(p)?;
        let p_bytes = canonical_p(p).map_err(SrpError::from)?;
        let g = check_generator_be(g, &p_bytes).map_err(|e| match e {
            GeneratorError::OutOfRange { g } => SrpError::GOutOfRange { g },
            GeneratorError::NotResidue { g } => SrpError::GBadForP { g },
        })?;
        let p = uint_from_be(&p_bytes);
        // A safe prime is odd; this cannot fail after `validate_p`.
        let modulus = modulus(&p_bytes).ok_or(SrpError::PNotPrime)?;
        let mut g_bytes = [0u8; LEN];
        g_bytes[LEN - 4..].copy_from_slice(&g.to_be_bytes());
        let k_bytes: [u8; 32] = Sha256::new()
            .chain_update(p_bytes)
            .chain_update(g_bytes)
            .finalize()
            .into();
        let hp: [u8; 32] = Sha256::digest(p_bytes).into();
        let hg: [u8; 32] = Sha256::digest(g_bytes).into();
        let mut hp_xor_hg = [0u8; 32];
        for (out, (a, b)) in hp_xor_hg.iter_mut().zip(hp.iter().zip(hg.iter())) {
            *out = a ^ b;
        }
        let range_lo = U2048::ONE.shl_vartime(1984);
        Ok(Group {
            p,
            modulus,
            g,
            g_residue: Residue::new(&U2048::from_u32(g), &modulus),
            k_bytes,
            k: Residue::new(&u256_from_be(&k_bytes).resize(), &modulus),
            hp_xor_hg,
            // p > 2^2047, so no wrap.
            range_hi: p.wrapping_sub(&range_lo),
            range_lo,
        })
    }

    /// Whether `x` lies in `[2^1984, p − 2^1984]` (the range required of `g_a`, `t` and `A`),
    /// without branching on `x`.
    pub(crate) fn in_safe_range(&self, x: &U2048) -> Choice {
        in_range(x, &self.range_lo, &self.range_hi)
    }

    /// `x mod p` in Montgomery form (`x < p`).
    pub(crate) fn residue(&self, x: &U2048) -> Residue {
        Residue::new(x, &self.modulus)
    }

    /// `g^e mod p` in constant time for an `e` of at most `bits` bits.
    pub(crate) fn g_pow<const L: usize>(&self, e: &crypto_bigint::Uint<L>, bits: u32) -> Residue {
        self.g_residue.pow_bounded_exp(e, bits)
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

/// `1 < g_b < p − 1`, else [`SrpError::GbOutOfRange`]. (`g_b` is public.)
pub(crate) fn check_g_b(group: &Group, g_b: &[u8; LEN]) -> Result<U2048, SrpError> {
    let g_b = uint_from_be(g_b);
    if g_b > U2048::ONE && g_b < group.p.wrapping_sub(&U2048::ONE) {
        Ok(g_b)
    } else {
        Err(SrpError::GbOutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::modp::to_be;
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
        let p_minus_1 = to_be(&group.p.wrapping_sub(&U2048::ONE));
        assert_eq!(check_g_b(&group, &p_minus_1), Err(SrpError::GbOutOfRange));
        let p_minus_2 = to_be(&group.p.wrapping_sub(&U2048::from_u8(2)));
        assert!(check_g_b(&group, &p_minus_2).is_ok());
        assert_eq!(
            check_g_b(&group, &to_be(&group.p)),
            Err(SrpError::GbOutOfRange)
        );
        assert_eq!(check_g_b(&group, &[0xff; 256]), Err(SrpError::GbOutOfRange));
    }

    #[test]
    fn safe_range_bounds_are_inclusive() {
        let group = Group::new(&TELEGRAM_P, 3).expect("valid group");
        let lo = U2048::ONE.shl_vartime(1984);
        let hi = group.p.wrapping_sub(&lo);
        let inside = |x: &U2048| group.in_safe_range(x).to_bool();
        assert!(inside(&lo));
        assert!(!inside(&lo.wrapping_sub(&U2048::ONE)));
        assert!(inside(&hi));
        assert!(!inside(&hi.wrapping_add(&U2048::ONE)));
        assert!(!inside(&U2048::ZERO));
        assert!(!inside(&group.p));
    }

    #[test]
    fn k_and_hash_prefix_match_their_definitions() {
        let group = Group::new(&TELEGRAM_P, 3).expect("valid group");
        let mut g = [0u8; LEN];
        g[LEN - 1] = 3;
        let k: [u8; 32] = Sha256::new()
            .chain_update(TELEGRAM_P)
            .chain_update(g)
            .finalize()
            .into();
        assert_eq!(group.k_bytes, k);
        assert_eq!(group.k.retrieve(), u256_from_be(&k).resize());
        let hp: [u8; 32] = Sha256::digest(TELEGRAM_P).into();
        let hg: [u8; 32] = Sha256::digest(g).into();
        assert_eq!(group.hp_xor_hg[0], hp[0] ^ hg[0]);
        assert_eq!(group.hp_xor_hg[31], hp[31] ^ hg[31]);
        assert_eq!(group.g, 3);
    }
}
