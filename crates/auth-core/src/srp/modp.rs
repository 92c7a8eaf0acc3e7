//! Arithmetic modulo the group's prime `p`, in constant time: `crypto-bigint`'s fixed-size
//! 2048-bit integers, in Montgomery form for products and powers.
//!
//! Every value that depends on a secret (`a`, `b`, `x`, `v = g^x`, `t = g_b − k·v`, `s_a`, the
//! server's `g^b` and `S`) is computed here. Exponentiations take the number of exponent bits
//! as a public bound ([`SECRET_BITS`], [`HASH_BITS`], [`SESSION_EXPONENT_BITS`]): the sequence of
//! squarings and multiplications, and the table lookups, depend on that bound only, never on
//! the exponent's bits or the base.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Choice, CtGt, CtLt, U256, U512, U2048, Uint, nlimbs};
use zeroize::{Zeroize, Zeroizing};

use super::LEN;

/// An integer below `p` in Montgomery form (with `p`'s parameters).
pub(crate) type Residue = FixedMontyForm<{ U2048::LIMBS }>;

/// `p` prepared for Montgomery arithmetic.
pub(crate) type Modulus = FixedMontyParams<{ U2048::LIMBS }>;

/// Bits of the secret exponents `a` and `b` (256 random bytes).
pub(crate) const SECRET_BITS: u32 = 2048;

/// Bits of a SHA-256 output used as an exponent: the client's `x = PH2(password, salt1, salt2)`,
/// the server's `u`.
pub(crate) const HASH_BITS: u32 = 256;

/// Bits of the client's session exponent `a + u·x`: `a < 2^2048` and `u·x < 2^512`, so
/// `a + u·x < 2^2049`.
pub(crate) const SESSION_EXPONENT_BITS: u32 = 2049;

/// An integer wide enough for `a + u·x` (2049 bits, rounded up to whole limbs).
pub(crate) type SessionExponent = Uint<{ nlimbs(SESSION_EXPONENT_BITS) }>;

/// `bytes` (big-endian, exactly 256) as an integer.
pub(crate) fn uint_from_be(bytes: &[u8; LEN]) -> U2048 {
    U2048::from_be_slice(bytes)
}

/// A 32-byte hash output (big-endian) as an integer.
pub(crate) fn u256_from_be(bytes: &[u8; 32]) -> U256 {
    U256::from_be_slice(bytes)
}

/// Writes `x` big-endian into `out` (256 bytes), wiping the encoder's own copy.
pub(crate) fn write_be(x: &U2048, out: &mut [u8; LEN]) {
    let mut encoded = x.to_be_bytes();
    out.copy_from_slice(encoded.as_slice());
    encoded.as_mut_slice().zeroize();
}

/// `x` big-endian, 256 bytes. For public values; secrets go through [`write_be`] into wiped
/// storage.
pub(crate) fn to_be(x: &U2048) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    write_be(x, &mut out);
    out
}

/// Whether `lo ≤ x ≤ hi`, without branching on `x`.
pub(crate) fn in_range(x: &U2048, lo: &U2048, hi: &U2048) -> Choice {
    x.ct_lt(lo).not().and(x.ct_gt(hi).not())
}

/// `a + u·x` as a [`SessionExponent`], zeroized on drop. Constant-time: a full-width product
/// and a full-width sum.
pub(crate) fn session_exponent(a: &U2048, u: &U256, x: &U256) -> Zeroizing<SessionExponent> {
    let ux: Zeroizing<U512> = Zeroizing::new(u.concatenating_mul(x));
    let mut sum = Zeroizing::new(a.resize::<{ SessionExponent::LIMBS }>());
    *sum = sum.wrapping_add(&ux.resize());
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_exponent_carries_into_bit_2048() {
        // a = 2^2048 − 1, u = x = 2^256 − 1: a + u·x needs the 2049th bit.
        let a = U2048::MAX;
        let e = session_exponent(&a, &U256::MAX, &U256::MAX);
        // (2^256 − 1)² = 2^512 − 2^257 + 1, so a + u·x = 2^2048 + 2^512 − 2^257.
        let mut expected = SessionExponent::ONE.shl_vartime(2048);
        expected = expected.wrapping_add(&SessionExponent::ONE.shl_vartime(512));
        expected = expected.wrapping_sub(&SessionExponent::ONE.shl_vartime(257));
        assert_eq!(*e, expected);
        assert_eq!(e.bit_width_vartime(), SESSION_EXPONENT_BITS);
    }

    #[test]
    fn range_is_inclusive() {
        let lo = U2048::from_u64(10);
        let hi = U2048::from_u64(20);
        for (x, inside) in [(9, false), (10, true), (15, true), (20, true), (21, false)] {
            assert_eq!(
                in_range(&U2048::from_u64(x), &lo, &hi).to_bool(),
                inside,
                "{x}"
            );
        }
    }

    #[test]
    fn big_endian_round_trip() {
        let mut bytes = [0u8; LEN];
        bytes[0] = 0x80;
        bytes[255] = 7;
        let x = uint_from_be(&bytes);
        assert_eq!(to_be(&x), bytes);
        assert_eq!(u256_from_be(&[0xff; 32]), U256::MAX);
    }
}
