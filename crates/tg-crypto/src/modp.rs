//! Arithmetic modulo a 2048-bit prime `p` in constant time, shared by SRP (`auth-core`) and the
//! MTProto handshake (`mtproto`): `crypto-bigint`'s fixed-size integers, in Montgomery form for
//! products and powers, with big-endian conversions that write secrets into wiped storage.
//!
//! Exponentiations with a secret exponent take the number of exponent bits as a public bound
//! ([`SECRET_BITS`] for the 256 random bytes both protocols draw): the sequence of squarings and
//! multiplications, and the table lookups, depend on that bound only, never on the exponent's
//! bits or the base. `p` itself is public, so preparing it may take variable time.

use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Choice, CtGt, CtLt, Odd, U256, U2048};
use zeroize::{Zeroize, Zeroizing};

/// Bytes of a value modulo `p`, big-endian (2048 bits).
pub const LEN: usize = 256;

/// Bits of a secret exponent drawn as [`LEN`] random bytes (`a`, `b` in SRP and the handshake).
pub const SECRET_BITS: u32 = 2048;

/// An integer modulo `p` in Montgomery form (carrying `p`'s parameters).
pub type Residue = FixedMontyForm<{ U2048::LIMBS }>;

/// `p` prepared for Montgomery arithmetic.
pub type Modulus = FixedMontyParams<{ U2048::LIMBS }>;

/// `p` (big-endian, public) prepared for Montgomery arithmetic; `None` if `p` is even (no safe
/// prime is).
#[must_use]
pub fn modulus(p: &[u8; LEN]) -> Option<Modulus> {
    let odd = Odd::new(uint_from_be(p)).into_option()?;
    // `p` is public: the variable-time setup is fine.
    Some(Modulus::new_vartime(odd))
}

/// `x mod p` in Montgomery form, for a big-endian `x` below `2^2048` (any such `x`: the
/// conversion reduces it).
#[must_use]
pub fn residue(x: &[u8; LEN], modulus: &Modulus) -> Residue {
    let x = Zeroizing::new(uint_from_be(x));
    Residue::new(&x, modulus)
}

/// A small public value (a generator `g`) in Montgomery form.
#[must_use]
pub fn small_residue(x: u32, modulus: &Modulus) -> Residue {
    Residue::new(&U2048::from_u32(x), modulus)
}

/// `base^exponent mod p` in constant time, for a secret big-endian `exponent` of [`LEN`] bytes,
/// written big-endian into storage that is wiped on drop. The exponent's integer form and the
/// power's intermediate forms are wiped too.
#[must_use]
pub fn pow_secret(base: &Residue, exponent: &[u8; LEN]) -> Zeroizing<[u8; LEN]> {
    let exponent = Zeroizing::new(uint_from_be(exponent));
    let power = Zeroizing::new(base.pow_bounded_exp(&*exponent, SECRET_BITS));
    let power = Zeroizing::new(power.retrieve());
    let mut out = Zeroizing::new([0u8; LEN]);
    write_be(&power, &mut out);
    out
}

/// `bytes` (big-endian, exactly [`LEN`]) as an integer.
#[must_use]
pub fn uint_from_be(bytes: &[u8; LEN]) -> U2048 {
    U2048::from_be_slice(bytes)
}

/// A 32-byte hash output (big-endian) as an integer.
#[must_use]
pub fn u256_from_be(bytes: &[u8; 32]) -> U256 {
    U256::from_be_slice(bytes)
}

/// Writes `x` big-endian into `out`, wiping the encoder's own copy.
pub fn write_be(x: &U2048, out: &mut [u8; LEN]) {
    let mut encoded = x.to_be_bytes();
    out.copy_from_slice(encoded.as_slice());
    encoded.as_mut_slice().zeroize();
}

/// `x` big-endian. For public values; secrets go through [`write_be`] into wiped storage.
#[must_use]
pub fn to_be(x: &U2048) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    write_be(x, &mut out);
    out
}

/// Whether `lo ≤ x ≤ hi`, without branching on `x`.
#[must_use]
pub fn in_range(x: &U2048, lo: &U2048, hi: &U2048) -> Choice {
    x.ct_lt(lo).not().and(x.ct_gt(hi).not())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safe_prime::TELEGRAM_P;

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

    #[test]
    fn even_modulus_is_refused() {
        let mut even = TELEGRAM_P;
        even[LEN - 1] &= 0xfe;
        assert!(modulus(&even).is_none());
        assert!(modulus(&TELEGRAM_P).is_some());
    }

    #[test]
    fn residue_reduces_values_above_p() {
        let m = modulus(&TELEGRAM_P).expect("odd");
        // p + 5 < 2^2048 for Telegram's p (its top bits are not all ones).
        let p_plus_5 = uint_from_be(&TELEGRAM_P).wrapping_add(&U2048::from_u8(5));
        assert_eq!(residue(&to_be(&p_plus_5), &m).retrieve(), U2048::from_u8(5));
    }

    #[test]
    fn pow_secret_small_cases() {
        let m = modulus(&TELEGRAM_P).expect("odd");
        let mut e = [0u8; LEN];
        e[LEN - 1] = 10;
        // 3^10 = 59049 = 0xe6a9.
        let power = pow_secret(&small_residue(3, &m), &e);
        assert_eq!(&power[LEN - 2..], &[0xe6, 0xa9]);
        assert!(power[..LEN - 2].iter().all(|&b| b == 0));
        // x^0 = 1.
        let one = pow_secret(&small_residue(7, &m), &[0; LEN]);
        assert_eq!(uint_from_be(&one), U2048::ONE);
    }

    #[test]
    fn pow_secret_agrees_with_num_bigint() {
        use crate::entropy::Entropy;
        use num_bigint::BigUint;

        let m = modulus(&TELEGRAM_P).expect("odd");
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        let mut entropy = Entropy::deterministic([0x3c; 32]);
        for case in 0..6 {
            let mut base = [0u8; LEN];
            let mut exponent = [0u8; LEN];
            entropy.fill(&mut base);
            entropy.fill(&mut exponent);
            if case == 0 {
                // The largest exponent, and a base above p.
                exponent = [0xff; LEN];
                base = [0xff; LEN];
            }
            let expected =
                BigUint::from_bytes_be(&base).modpow(&BigUint::from_bytes_be(&exponent), &p);
            let power = pow_secret(&residue(&base, &m), &exponent);
            assert_eq!(BigUint::from_bytes_be(&power[..]), expected, "case {case}");
        }
    }
}
