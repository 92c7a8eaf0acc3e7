//! The server side of SRP, for the simulator and tests (feature `srp-server`): a stored verifier
//! `v`, the server's `srp_B`, and the verification of the client's `A`/`M1`.
//!
//! ```text
//! B   = (k·v + g^b) mod p
//! u   = H(A | B)
//! S   = (A · v^u)^b mod p
//! K   = H(S)
//! M1' = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K)      accepted iff M1' = M1
//! ```
//!
//! Like the client, every value that depends on `b` or `v` is computed in constant time
//! (`g^b`, `k·v`, `v^u`, `(A·v^u)^b`).

use core::fmt;

use crypto_bigint::{CtEq, U2048};
use sha2::{Digest, Sha256};
use zeroize::{ZeroizeOnDrop, Zeroizing};

use super::client::{m1_prefix, pad_secret};
use super::error::{SrpError, VerifyError};
use super::kdf::password_x;
use super::modp::{
    HASH_BITS, SECRET_BITS, pow_secret, to_be, u256_from_be, uint_from_be, write_be,
};
use super::params::{Group, SrpAlgo};
use super::secret::{Secret, new_secret, scrub_stack};
use super::{Hex, LEN};
use crate::entropy::Entropy;

/// How many times [`SrpVerifier::start`] draws a fresh `b` when `g^b` or `B` is out of range.
const MAX_DRAWS: usize = 16;

/// What a server stores for an account with a password: the algorithm parameters and
/// `v = g^x mod p` (the `new_password_hash` the client sent).
///
/// `v` is password-equivalent for an offline dictionary attack: it is zeroized on drop and
/// redacted from `Debug`.
#[derive(Clone)]
pub struct SrpVerifier {
    group: Group,
    salt1: Vec<u8>,
    salt2: Vec<u8>,
    v: Secret,
}

impl fmt::Debug for SrpVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpVerifier")
            .field("g", &self.group.g)
            .field("salt1", &Hex(&self.salt1))
            .field("salt2", &Hex(&self.salt2))
            .field("v", &"<redacted>")
            .finish()
    }
}

/// `v` is zeroized when the verifier is dropped; the rest is public.
impl ZeroizeOnDrop for SrpVerifier {}

impl SrpVerifier {
    /// A verifier from a stored `v` (big-endian, at most 256 bytes).
    ///
    /// # Errors
    ///
    /// The `p` and `g` checks of [`SrpError`]; [`SrpError::SecretBadLength`] if `v` is longer
    /// than 256 bytes.
    pub fn from_hash(algo: &SrpAlgo, v: &[u8]) -> Result<Self, SrpError> {
        let group = Group::new(&algo.p, algo.g)?;
        let v = pad_secret(v)?;
        Ok(SrpVerifier {
            group,
            salt1: algo.salt1.clone(),
            salt2: algo.salt2.clone(),
            v,
        })
    }

    /// A verifier for `password` with exactly these salts (one PBKDF2 run).
    ///
    /// # Errors
    ///
    /// The `p` and `g` checks of [`SrpError`].
    pub fn from_password(algo: &SrpAlgo, password: &[u8]) -> Result<Self, SrpError> {
        let result = Self::derive(algo, password);
        scrub_stack();
        result
    }

    #[inline(never)]
    fn derive(algo: &SrpAlgo, password: &[u8]) -> Result<Self, SrpError> {
        let group = Group::new(&algo.p, algo.g)?;
        let x = password_x(password, &algo.salt1, &algo.salt2);
        let x = Zeroizing::new(u256_from_be(&x));
        let v = Zeroizing::new(group.g_pow(&*x, HASH_BITS).retrieve());
        let mut v_bytes = new_secret();
        write_be(&v, &mut v_bytes);
        Ok(SrpVerifier {
            group,
            salt1: algo.salt1.clone(),
            salt2: algo.salt2.clone(),
            v: v_bytes,
        })
    }

    /// The stored `v = g^x mod p`, 256 bytes.
    #[must_use]
    pub fn password_hash(&self) -> &[u8; LEN] {
        &self.v
    }

    /// Starts one login attempt: draws `b` from `entropy` and computes `srp_B`.
    ///
    /// # Errors
    ///
    /// [`SrpError::TOutOfRange`] or [`SrpError::GbOutOfRange`] only if every one of a bounded
    /// number of draws gave an out-of-range value (practically never).
    pub fn start(&self, entropy: &mut Entropy) -> Result<ServerSession, SrpError> {
        let mut last_error = SrpError::TOutOfRange;
        for _ in 0..MAX_DRAWS {
            let mut b = new_secret();
            entropy.fork(b"tgauth/srp/b").fill(&mut b[..]);
            match self.session(b) {
                Ok(session) => return Ok(session),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    /// Starts one login attempt with a given secret `b` (big-endian, at most 256 bytes):
    /// deterministic, for tests.
    ///
    /// # Errors
    ///
    /// [`SrpError::SecretBadLength`]; [`SrpError::TOutOfRange`] if `g^b` is outside
    /// `[2^1984, p − 2^1984]`; [`SrpError::GbOutOfRange`] if `B` is not in `(1, p − 1)` (the
    /// client would refuse either).
    pub fn start_with_secret_b(&self, b: &[u8]) -> Result<ServerSession, SrpError> {
        self.session(pad_secret(b)?)
    }

    fn session(&self, b: Secret) -> Result<ServerSession, SrpError> {
        let result = self.srp_b(&b);
        scrub_stack();
        let srp_b = result?;
        Ok(ServerSession {
            verifier: self.clone(),
            b,
            srp_b,
        })
    }

    /// `B = (k·v + g^b) mod p`, after checking `g^b` and `B`.
    #[inline(never)]
    fn srp_b(&self, b: &[u8; LEN]) -> Result<[u8; LEN], SrpError> {
        let group = &self.group;
        let b = Zeroizing::new(uint_from_be(b));
        let g_b_pure = Zeroizing::new(group.g_pow(&*b, SECRET_BITS));
        let v = Zeroizing::new(group.residue(&uint_from_be(&self.v)));
        // B is public once computed.
        let big_b = group.k.mul(&v).add(&g_b_pure).retrieve();
        // The outcome of the check on g^b is public (a redraw); the comparison is not.
        let t_ok = group
            .in_safe_range(&Zeroizing::new(g_b_pure.retrieve()))
            .to_bool();
        if !t_ok {
            return Err(SrpError::TOutOfRange);
        }
        if big_b <= U2048::ONE || big_b >= group.p.wrapping_sub(&U2048::ONE) {
            return Err(SrpError::GbOutOfRange);
        }
        Ok(to_be(&big_b))
    }
}

/// One login attempt on the server side: the secret `b` and the `srp_B` sent in
/// `account.password`. The secret is zeroized on drop and redacted from `Debug`.
#[derive(Clone)]
pub struct ServerSession {
    verifier: SrpVerifier,
    b: Secret,
    srp_b: [u8; LEN],
}

impl fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSession")
            .field("srp_b", &Hex(&self.srp_b))
            .field("b", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// `b` and the verifier's `v` are zeroized when the session is dropped.
impl ZeroizeOnDrop for ServerSession {}

impl ServerSession {
    /// `srp_B = (k·v + g^b) mod p`, 256 bytes, to send in `account.password`.
    #[must_use]
    pub fn srp_b(&self) -> &[u8; LEN] {
        &self.srp_b
    }

    /// Verifies the client's `inputCheckPasswordSRP` (`A`, `M1`).
    ///
    /// # Errors
    ///
    /// [`VerifyError::ABadLength`], [`VerifyError::AOutOfRange`] (this includes `A ≡ 0 mod p`),
    /// [`VerifyError::UZero`], [`VerifyError::M1BadLength`], or [`VerifyError::M1Mismatch`] when
    /// the client does not know the password.
    pub fn verify(&self, a: &[u8], m1: &[u8]) -> Result<(), VerifyError> {
        let result = self.verify_in_frame(a, m1);
        scrub_stack();
        result
    }

    #[inline(never)]
    fn verify_in_frame(&self, a: &[u8], m1: &[u8]) -> Result<(), VerifyError> {
        let group = &self.verifier.group;
        if a.len() > LEN {
            return Err(VerifyError::ABadLength { len: a.len() });
        }
        let mut a_bytes = [0u8; LEN];
        a_bytes[LEN - a.len()..].copy_from_slice(a);
        let big_a = uint_from_be(&a_bytes);
        if !group.in_safe_range(&big_a).to_bool() {
            return Err(VerifyError::AOutOfRange);
        }
        let u: [u8; 32] = Sha256::new()
            .chain_update(a_bytes)
            .chain_update(self.srp_b)
            .finalize()
            .into();
        if u == [0; 32] {
            return Err(VerifyError::UZero);
        }
        let Ok(m1) = <&[u8; 32]>::try_from(m1) else {
            return Err(VerifyError::M1BadLength { len: m1.len() });
        };
        let v = Zeroizing::new(group.residue(&uint_from_be(&self.verifier.v)));
        let v_u = Zeroizing::new(v.pow_bounded_exp(&u256_from_be(&u), HASH_BITS));
        let base = Zeroizing::new(group.residue(&big_a).mul(&v_u));
        let s_bytes = pow_secret(&base, &self.b);
        let k: Zeroizing<[u8; 32]> = Zeroizing::new(Sha256::digest(&s_bytes[..]).into());
        let expected: [u8; 32] = m1_prefix(
            group,
            &self.verifier.salt1,
            &self.verifier.salt2,
            &a_bytes,
            &self.srp_b,
        )
        .chain_update(&k[..])
        .finalize()
        .into();
        if expected.ct_eq(m1).to_bool() {
            Ok(())
        } else {
            Err(VerifyError::M1Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::prime::TELEGRAM_P;

    fn algo() -> SrpAlgo {
        SrpAlgo {
            salt1: b"salt one".to_vec(),
            salt2: b"salt two".to_vec(),
            g: 3,
            p: TELEGRAM_P.to_vec(),
        }
    }

    #[test]
    fn verifier_from_hash_equals_from_password() {
        let v1 = SrpVerifier::from_password(&algo(), b"pw").expect("valid");
        let v2 = SrpVerifier::from_hash(&algo(), v1.password_hash()).expect("valid");
        assert_eq!(v1.password_hash(), v2.password_hash());
        assert!(format!("{v1:?}").contains("<redacted>"));
    }

    #[test]
    fn bad_a_and_m1_are_rejected() {
        let verifier = SrpVerifier::from_hash(&algo(), &[9; 256]).expect("valid");
        let session = verifier
            .start(&mut Entropy::deterministic([1; 32]))
            .expect("valid");
        assert!(format!("{session:?}").contains("<redacted>"));
        let m1 = [0u8; 32];
        assert_eq!(
            session.verify(&[1; 257], &m1),
            Err(VerifyError::ABadLength { len: 257 })
        );
        assert_eq!(session.verify(&[], &m1), Err(VerifyError::AOutOfRange));
        assert_eq!(
            session.verify(&TELEGRAM_P, &m1),
            Err(VerifyError::AOutOfRange),
            "A = p ≡ 0"
        );
        assert_eq!(
            session.verify(&[0xff; 256], &m1),
            Err(VerifyError::AOutOfRange)
        );
        assert_eq!(session.verify(&[1], &m1), Err(VerifyError::AOutOfRange));
        let a = [0x33; 256];
        assert_eq!(
            session.verify(&a, &m1[..31]),
            Err(VerifyError::M1BadLength { len: 31 })
        );
        assert_eq!(session.verify(&a, &m1), Err(VerifyError::M1Mismatch));
    }

    #[test]
    fn secret_b_is_range_checked() {
        let verifier = SrpVerifier::from_hash(&algo(), &[9; 256]).expect("valid");
        assert_eq!(
            verifier.start_with_secret_b(&[0]).err(),
            Some(SrpError::TOutOfRange)
        );
        assert_eq!(
            verifier.start_with_secret_b(&[1; 300]).err(),
            Some(SrpError::SecretBadLength { len: 300 })
        );
        assert!(verifier.start_with_secret_b(&[0x77; 256]).is_ok());
    }
}
