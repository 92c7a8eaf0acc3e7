//! Arithmetic modulo the group's prime `p`, in constant time: `crypto-bigint`'s fixed-size
//! 2048-bit integers, in Montgomery form for products and powers. The helpers SRP shares with
//! the MTProto handshake come from [`tg_crypto::modp`]; what is SRP's own is here.
//!
//! Every value that depends on a secret (`a`, `b`, `x`, `v = g^x`, `t = g_b − k·v`, `s_a`, the
//! server's `g^b` and `S`) is computed here. Exponentiations take the number of exponent bits
//! as a public bound ([`SECRET_BITS`], [`HASH_BITS`], [`SESSION_EXPONENT_BITS`]): the sequence of
//! squarings and multiplications, and the table lookups, depend on that bound only, never on
//! the exponent's bits or the base.

use crypto_bigint::{U256, U512, U2048, Uint, nlimbs};
use zeroize::Zeroizing;

// The arithmetic SRP shares with the MTProto handshake lives in `tg-crypto`.
pub(crate) use tg_crypto::modp::{
    Modulus, Residue, SECRET_BITS, in_range, modulus, pow_secret, to_be, u256_from_be,
    uint_from_be, write_be,
};

/// Bits of a SHA-256 output used as an exponent: the client's `x = PH2(password, salt1, salt2)`,
/// the server's `u`.
pub(crate) const HASH_BITS: u32 = 256;

/// Bits of the client's session exponent `a + u·x`: `a < 2^2048` and `u·x < 2^512`, so
/// `a + u·x < 2^2049`.
pub(crate) const SESSION_EXPONENT_BITS: u32 = 2049;

/// An integer wide enough for `a + u·x` (2049 bits, rounded up to whole limbs).
pub(crate) type SessionExponent = Uint<{ nlimbs(SESSION_EXPONENT_BITS) }>;

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
}
