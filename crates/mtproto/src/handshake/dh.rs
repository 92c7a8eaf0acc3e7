//! The Diffie–Hellman step both halves share: draw a secret exponent, compute the public value
//! `g^x`, and later the shared secret `peer^x`, which becomes the `auth_key`.
//!
//! Powers with the secret exponent run in constant time ([`tg_crypto::modp::pow_secret`]) and
//! everything that holds the exponent or the shared secret is wiped on drop. Only public values
//! (`p`, `g`, `g^x`, the peer's value) go through `num-bigint`, for the range checks.

use num_bigint::BigUint;
use tg_crypto::dh::check_generator;
use tg_crypto::modp::{LEN, Modulus, Residue, modulus, pow_secret, residue, small_residue};
use tg_crypto::safe_prime::PrimeError;
use zeroize::Zeroizing;

use super::{HandshakeError, check_public_value};
use crate::random::Random;

/// How many exponents are drawn before giving up on a `g^x` inside the safe range (each draw
/// misses with probability about `2^-63`).
const MAX_DRAWS: usize = 8;

/// A checked group `(p, g)`: `p` a safe 2048-bit prime, `g` a generator of its prime-order
/// subgroup. Everything here is public.
pub(super) struct DhGroup {
    /// `p`, for the range checks on public values.
    p: BigUint,
    modulus: Modulus,
    g: Residue,
}

/// A secret exponent drawn by one side, with its public value `g^x`.
pub(super) struct DhSecret {
    /// `x`, 256 random bytes.
    exponent: Zeroizing<[u8; LEN]>,
    /// `g^x mod p`, big-endian: public once sent.
    pub(super) public: [u8; LEN],
}

impl DhSecret {
    /// The exponent `x`.
    pub(super) fn exponent(&self) -> &[u8; LEN] {
        &self.exponent
    }

    /// The exponent, to keep for a later step; wiped when the holder drops it.
    pub(super) fn into_exponent(self) -> Zeroizing<[u8; LEN]> {
        self.exponent
    }
}

impl DhGroup {
    /// `p` (256 bytes, already checked to be a safe prime) and `g`, which must generate the
    /// prime-order subgroup ([`check_generator`]).
    pub(super) fn new(p: &[u8; LEN], g: i32) -> Result<Self, HandshakeError> {
        let big_p = BigUint::from_bytes_be(p);
        let g = check_generator(g, &big_p)?;
        // A safe prime is odd: this cannot fail after the prime check.
        let modulus = modulus(p).ok_or(PrimeError::NotPrime)?;
        Ok(DhGroup {
            p: big_p,
            modulus,
            g: small_residue(g, &modulus),
        })
    }

    /// `p` as an integer.
    pub(super) fn p(&self) -> &BigUint {
        &self.p
    }

    /// Draws `x` until `g^x` is a usable public value ([`check_public_value`]).
    pub(super) fn draw(&self, random: &mut Random) -> Result<DhSecret, HandshakeError> {
        for _ in 0..MAX_DRAWS {
            let mut exponent = Zeroizing::new([0u8; LEN]);
            random.fill(&mut exponent[..]);
            // g^x is public once sent; its copy out of wiped storage is fine.
            let public = *pow_secret(&self.g, &exponent);
            if check_public_value(&BigUint::from_bytes_be(&public), &self.p).is_ok() {
                return Ok(DhSecret { exponent, public });
            }
        }
        Err(HandshakeError::BadPublicValue)
    }

    /// The shared secret `peer^x mod p`, in constant time in `x`. `peer` is the other side's
    /// public value (reduced below `p` by the caller if it came longer).
    pub(super) fn shared_secret(
        &self,
        peer: &[u8; LEN],
        exponent: &[u8; LEN],
    ) -> Zeroizing<[u8; LEN]> {
        pow_secret(&residue(peer, &self.modulus), exponent)
    }
}

#[cfg(test)]
mod tests {
    use tg_crypto::entropy::Entropy;
    use tg_crypto::safe_prime::TELEGRAM_P;

    use super::*;

    /// The constant-time path agrees with `num-bigint`'s `modpow` (the path it replaced) on
    /// random exponents and public values, for both `g^x` and the shared secret, and the two
    /// sides of an exchange meet on the same secret.
    #[test]
    fn shared_secret_matches_num_bigint() {
        let group = DhGroup::new(&TELEGRAM_P, 3).expect("Telegram's p");
        let p = BigUint::from_bytes_be(&TELEGRAM_P);
        let mut random = Random::from(Entropy::deterministic([0x7d; 32]));
        for _ in 0..4 {
            let ours = group.draw(&mut random).expect("a usable g^x");
            let theirs = group.draw(&mut random).expect("a usable g^y");
            let x = BigUint::from_bytes_be(&ours.exponent[..]);
            assert_eq!(
                BigUint::from_bytes_be(&ours.public),
                BigUint::from(3u32).modpow(&x, &p)
            );
            let shared = group.shared_secret(&theirs.public, &ours.exponent);
            let expected = BigUint::from_bytes_be(&theirs.public).modpow(&x, &p);
            assert_eq!(BigUint::from_bytes_be(&shared[..]), expected);
            assert_eq!(
                shared,
                group.shared_secret(&ours.public, &theirs.exponent),
                "both sides derive the same secret"
            );
        }
    }

    /// What holds the exponent and the shared secret wipes itself on drop.
    #[test]
    fn secrets_are_in_wiping_storage() {
        fn wipes_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        let group = DhGroup::new(&TELEGRAM_P, 3).expect("Telegram's p");
        let mut random = Random::from(Entropy::deterministic([0x11; 32]));
        let secret = group.draw(&mut random).expect("a usable g^x");
        let shared = group.shared_secret(&secret.public, &secret.exponent);
        wipes_on_drop(&shared);
        wipes_on_drop(&secret.into_exponent());
    }

    #[test]
    fn even_p_is_refused() {
        let mut even = TELEGRAM_P;
        even[LEN - 1] &= 0xfe;
        // g = 4 is a residue modulo anything, so the generator check passes.
        assert!(matches!(
            DhGroup::new(&even, 4),
            Err(HandshakeError::BadDhPrime(PrimeError::NotPrime))
        ));
    }
}
