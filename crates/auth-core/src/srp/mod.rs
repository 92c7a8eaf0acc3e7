//! SRP 2FA: core.telegram.org/api/srp
//! (`passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`), as pure functions.
//!
//! No IO, no clock, no OS randomness: entropy comes in as an
//! [`Entropy`](crate::entropy::Entropy). Inputs are plain Rust values ([`SrpAlgo`], byte
//! slices), not TL types.
//!
//! # Checking a password (login, or any method taking `InputCheckPasswordSRP`)
//!
//! Two pure steps, so the slow part can run on a blocking thread:
//!
//! 1. [`SrpChallenge::new`] when `account.password` arrives: validates `p`, `g`, `srp_B`, draws
//!    `a`, computes `A = g^a`, `u`, `k`.
//! 2. [`SrpChallenge::check`] with the password: PBKDF2 (100 000 iterations), `g^x`,
//!    `t^(a + u·x)`, hashes → [`PasswordCheck`] `{ srp_id, a: A, m1: M1 }`.
//!
//! # Checks
//!
//! In this order, each its own [`SrpError`] variant (with [`SrpError::kind`] names):
//! `srp_B` at most 256 bytes (`g_b_bad_length`; shorter is left-padded); `p` a safe 2048-bit
//! prime (`p_not_2048_bit`, `p_not_prime`, `p_not_safe_prime`; see [`validate_p`]); `g` in 2..=7
//! (`g_out_of_range`) and a quadratic residue modulo `p` (`g_bad_for_p`); `1 < g_b < p − 1`
//! (`g_b_out_of_range`); `t = (g_b − k·v) mod p` in `[2^1984, p − 2^1984]` (`t_out_of_range`,
//! in `check`, since `v` needs the password); the client's own `g_a` in the same range
//! (`g_a_out_of_range`) and `u ≠ 0` (`u_zero`) — with entropy these just cause a redraw of `a`.
//!
//! All numbers are big-endian and left-padded to 256 bytes when hashed and sent.
//!
//! # Setting, changing, removing a password
//!
//! [`new_password_hash`] (new `salt1` and `v`), [`password_hash`] (`v` for given salts),
//! [`NewPassword::Remove`] / [`EMPTY_PASSWORD_HASH`].
//!
//! # Server side
//!
//! [`SrpVerifier`] and [`ServerSession`]: `srp_B` from a stored `v` and a secret `b`, and
//! verification of the client's `A`/`M1` (for the simulator and tests).
//!
//! # Secrets
//!
//! The password-derived `x`, `v`, the exponents `a`/`b`, `s_a` and `k_a` are kept in byte arrays
//! that are zeroized on drop and redacted from `Debug`. The arithmetic uses `num-bigint`, whose
//! temporaries cannot all be reached: the big integers we hold are overwritten in place before
//! they are dropped (best effort), but copies made inside `num-bigint` are not. Its modular
//! exponentiation is not constant-time; like every Telegram client we know of, this accepts a
//! timing side channel towards local observers of the password step.

mod client;
mod error;
mod kdf;
mod new_password;
mod params;
mod prime;
mod server;
#[doc(hidden)]
pub use tg_crypto::test_primes;
#[doc(hidden)]
pub mod vectors;

use core::fmt;

use num_bigint::BigUint;

#[doc(hidden)]
pub use client::CheckTrace;
pub use client::{PasswordCheck, SrpChallenge};
pub use error::{SrpError, VerifyError};
pub use kdf::PBKDF2_ITERATIONS;
#[doc(hidden)]
pub use kdf::pbkdf2_only;
pub use new_password::{
    EMPTY_PASSWORD_HASH, NEW_SALT1_RANDOM_LEN, NewPassword, NewPasswordHash, new_password_hash,
    new_salt1, password_hash,
};
pub use params::SrpAlgo;
pub use prime::{PRIME_CACHE_CAPACITY, TELEGRAM_P, validate_p};
#[doc(hidden)]
pub use prime::{clear_prime_cache, prime_cache_len, validate_p_uncached};
pub use server::{ServerSession, SrpVerifier};

/// Length in bytes of every SRP number (2048 bits) as hashed and sent.
pub const LEN: usize = 256;

/// A 256-byte secret (exponent or verifier) on the heap, so moves do not leave copies;
/// zeroized on drop.
pub(crate) type Secret = Box<zeroize::Zeroizing<[u8; LEN]>>;

/// A zeroed [`Secret`].
pub(crate) fn new_secret() -> Secret {
    Box::new(zeroize::Zeroizing::new([0u8; LEN]))
}

/// `x` padded like [`pad`], directly into a [`Secret`].
pub(crate) fn pad_secret_value(x: &BigUint) -> Secret {
    let bytes = zeroize::Zeroizing::new(x.to_bytes_be());
    let n = bytes.len().min(LEN);
    let mut out = new_secret();
    out[LEN - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

/// `x` big-endian, left-padded to 256 bytes. Every value padded here is reduced modulo a
/// 2048-bit `p`.
pub(crate) fn pad(x: &BigUint) -> [u8; LEN] {
    let bytes = x.to_bytes_be();
    debug_assert!(bytes.len() <= LEN);
    let bytes = &bytes[bytes.len().saturating_sub(LEN)..];
    let mut out = [0u8; LEN];
    out[LEN - bytes.len()..].copy_from_slice(bytes);
    out
}

/// Overwrites the digits of a secret big integer in place, then sets it to zero.
///
/// Best effort: `assign_from_slice` clears the digit vector (keeping its buffer) and writes the
/// zeros into it, covering every digit the value used; copies made earlier inside `num-bigint`'s
/// arithmetic are out of reach.
pub(crate) fn wipe(x: &mut BigUint) {
    let digits = usize::try_from(x.bits().div_ceil(32)).unwrap_or(0);
    x.assign_from_slice(&vec![0u32; digits]);
}

/// Lowercase hex for `Debug` of public byte strings.
pub(crate) struct Hex<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_left_pads() {
        let p = pad(&BigUint::from(0x0102u32));
        assert_eq!(&p[254..], &[1, 2]);
        assert!(p[..254].iter().all(|&b| b == 0));
        assert_eq!(pad(&BigUint::default()), [0u8; LEN]);
    }

    #[test]
    fn wipe_zeroes() {
        let mut x = BigUint::from_bytes_be(&[0xff; 200]);
        wipe(&mut x);
        assert_eq!(x, BigUint::default());
    }

    #[test]
    fn hex_debug() {
        assert_eq!(format!("{:?}", Hex(&[0, 0xab])), "00ab");
    }
}
