//! Setting, changing and removing the 2FA password (`account.updatePasswordSettings`).
//!
//! * **Set or change**: take `new_algo` from `account.password`, append 32 random bytes to its
//!   `salt1` ([`new_salt1`]), and send `new_password_hash = v = g^x mod p` computed with the new
//!   salts, big-endian, 256 bytes ([`new_password_hash`]). When a password is already set, the
//!   request's `password` field is the usual [`SrpChallenge`](super::SrpChallenge) check of the
//!   *current* password.
//! * **Remove**: send `account.passwordInputSettings` with `new_algo =
//!   passwordKdfAlgoUnknown`, an *empty* `new_password_hash` (zero bytes, see
//!   [`EMPTY_PASSWORD_HASH`]) and an empty `hint` ([`NewPassword::Remove`]).

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::LEN;
use super::error::SrpError;
use super::kdf::password_x;
use super::modp::{HASH_BITS, u256_from_be, write_be};
use super::params::{Group, SrpAlgo};
use super::secret::scrub_stack;
use crate::entropy::Entropy;

/// Number of random bytes appended to `salt1` for a new password.
pub const NEW_SALT1_RANDOM_LEN: usize = 32;

/// The `new_password_hash` that removes the password: empty, sent together with
/// `new_algo = passwordKdfAlgoUnknown`.
pub const EMPTY_PASSWORD_HASH: &[u8] = &[];

/// `salt1 || 32 random bytes` (from `entropy`): the `salt1` of a new password's algorithm.
#[must_use]
pub fn new_salt1(salt1: &[u8], entropy: &mut Entropy) -> Vec<u8> {
    let mut out = Vec::with_capacity(salt1.len() + NEW_SALT1_RANDOM_LEN);
    out.extend_from_slice(salt1);
    let mut random = [0u8; NEW_SALT1_RANDOM_LEN];
    entropy.fill(&mut random);
    out.extend_from_slice(&random);
    out
}

/// `v = g^x mod p` (256 bytes, big-endian) for `password` with exactly the salts of `algo`: the
/// `new_password_hash` once `algo` holds the new salts, and the server's stored verifier.
///
/// The returned bytes are password-equivalent for an offline dictionary attack: they are
/// zeroized on drop.
///
/// # Errors
///
/// The `p` and `g` checks of [`SrpError`] (an unchecked `p` could make `v` leak the password).
pub fn password_hash(algo: &SrpAlgo, password: &[u8]) -> Result<Zeroizing<[u8; LEN]>, SrpError> {
    let result = derive_hash(algo, password);
    scrub_stack();
    result
}

/// [`password_hash`] in a frame of its own, below the stack scrub.
#[inline(never)]
fn derive_hash(algo: &SrpAlgo, password: &[u8]) -> Result<Zeroizing<[u8; LEN]>, SrpError> {
    let group = Group::new(&algo.p, algo.g)?;
    let x = password_x(password, &algo.salt1, &algo.salt2);
    Ok(hash_from_x(&group, &x))
}

/// `v = g^x mod p` in constant time, padded, from `x` bytes.
fn hash_from_x(group: &Group, x: &[u8; 32]) -> Zeroizing<[u8; LEN]> {
    let x = Zeroizing::new(u256_from_be(x));
    let v = Zeroizing::new(group.g_pow(&*x, HASH_BITS).retrieve());
    let mut out = Zeroizing::new([0u8; LEN]);
    write_be(&v, &mut out);
    out
}

/// A new password's algorithm and hash, for `account.passwordInputSettings`
/// (`new_algo`, `new_password_hash`). The hash is zeroized on drop and redacted from `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct NewPasswordHash {
    /// `new_algo`: the server's `new_algo` with `salt1` extended by 32 random bytes.
    #[zeroize(skip)]
    pub algo: SrpAlgo,
    /// `new_password_hash = v = g^x mod p`, big-endian, 256 bytes.
    pub hash: [u8; LEN],
}

impl fmt::Debug for NewPasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewPasswordHash")
            .field("algo", &self.algo)
            .field("hash", &"<redacted>")
            .finish()
    }
}

/// Computes the hash for setting or changing the password: `salt1` of `new_algo` is extended
/// with 32 bytes from `entropy`, then `v` is computed with the new salts (one PBKDF2 run).
///
/// # Errors
///
/// The `p` and `g` checks of [`SrpError`].
pub fn new_password_hash(
    new_algo: &SrpAlgo,
    password: &[u8],
    entropy: &mut Entropy,
) -> Result<NewPasswordHash, SrpError> {
    let algo = SrpAlgo {
        salt1: new_salt1(&new_algo.salt1, entropy),
        ..new_algo.clone()
    };
    let hash = password_hash(&algo, password)?;
    Ok(NewPasswordHash { algo, hash: *hash })
}

/// What to put in `account.passwordInputSettings` to set or remove the password.
#[derive(Debug, Clone)]
pub enum NewPassword {
    /// Set or change the password: `new_algo` = `algo`, `new_password_hash` = `hash`.
    Set(Box<NewPasswordHash>),
    /// Remove the password: `new_algo = passwordKdfAlgoUnknown`, `new_password_hash` empty
    /// ([`EMPTY_PASSWORD_HASH`]), `hint` empty.
    Remove,
}

impl NewPassword {
    /// The `new_password_hash` bytes: 256 bytes to set, empty to remove.
    #[must_use]
    pub fn hash_bytes(&self) -> &[u8] {
        match self {
            NewPassword::Set(new) => &new.hash,
            NewPassword::Remove => EMPTY_PASSWORD_HASH,
        }
    }

    /// The `new_algo`: `Some` to set, `None` for `passwordKdfAlgoUnknown` (remove).
    #[must_use]
    pub fn algo(&self) -> Option<&SrpAlgo> {
        match self {
            NewPassword::Set(new) => Some(&new.algo),
            NewPassword::Remove => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::SrpVerifier;
    use tg_crypto::safe_prime::TELEGRAM_P;

    fn algo() -> SrpAlgo {
        SrpAlgo {
            salt1: vec![0xaa; 8],
            salt2: vec![0xbb; 16],
            g: 3,
            p: TELEGRAM_P.to_vec(),
        }
    }

    #[test]
    fn new_salt_extends_salt1() {
        let mut entropy = Entropy::deterministic([1; 32]);
        let s1 = new_salt1(&[0xaa; 8], &mut entropy);
        let s2 = new_salt1(&[0xaa; 8], &mut entropy);
        assert_eq!(s1.len(), 40);
        assert_eq!(&s1[..8], &[0xaa; 8]);
        assert_ne!(s1, s2);
    }

    #[test]
    fn new_hash_matches_verifier_and_remove_is_empty() {
        let mut entropy = Entropy::deterministic([2; 32]);
        let new = new_password_hash(&algo(), b"new password", &mut entropy).expect("valid");
        assert_eq!(new.algo.salt1.len(), 8 + NEW_SALT1_RANDOM_LEN);
        assert_eq!(new.algo.salt2, algo().salt2);
        let verifier = SrpVerifier::from_password(&new.algo, b"new password").expect("valid");
        assert_eq!(&new.hash, verifier.password_hash());
        assert!(format!("{new:?}").contains("<redacted>"));
        let set = NewPassword::Set(Box::new(new));
        assert_eq!(set.hash_bytes().len(), 256);
        assert!(set.algo().is_some());
        assert!(NewPassword::Remove.hash_bytes().is_empty());
        assert!(NewPassword::Remove.algo().is_none());
    }

    #[test]
    fn hash_refuses_bad_parameters() {
        let mut bad = algo();
        bad.g = 2;
        assert_eq!(
            password_hash(&bad, b"x").err(),
            Some(SrpError::GBadForP { g: 2 })
        );
    }
}
