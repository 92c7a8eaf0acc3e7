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
//! # Server side (feature `srp-server`)
//!
//! `SrpVerifier` and `ServerSession`: `srp_B` from a stored `v` and a secret `b`, and
//! verification of the client's `A`/`M1`. They serve the simulator and tests, not a client,
//! so they are compiled only with the `srp-server` feature.
//!
//! # Secrets and timing
//!
//! Every computation whose operands depend on a secret runs in constant time, with
//! `crypto-bigint`'s fixed-size 2048-bit integers in Montgomery form: `g^a`, `g^x`, `k·v`,
//! `t = g_b − k·v` and its range check, `t^(a + u·x)` (the exponent is held in a 2049-bit
//! integer), and on the server side `g^b`, `k·v + g^b`, `v^u` and `(A·v^u)^b`. Each
//! exponentiation walks a public number of exponent bits (2048 for `a`/`b`, 256 for `x`/`u`,
//! 2049 for `a + u·x`) with a fixed 4-bit window and a constant-time table lookup, so its timing
//! depends neither on the exponent nor on the base. What is public is handled without care for
//! timing: `p` and `g` (their validation, see [`validate_p`]), `g_b`, `A`, `u`, `k`, and whether a
//! range check failed (its outcome is visible to the server anyway). PBKDF2 and SHA-2 have no
//! data-dependent branches.
//!
//! Secrets live in fixed-size values that are wiped: the exponents `a`/`b` and the verifier `v`
//! in heap-pinned byte arrays zeroized on drop, temporaries (`x`, `v`, `k·v`, `t`, `a + u·x`,
//! `s_a`, `K`) in `Zeroizing` integers and arrays, PBKDF2's HMAC-SHA512 and every SHA-256 state
//! in `sha2`/`hmac` types built with their `zeroize` feature, so they wipe themselves on drop.
//! The password step allocates nothing on the heap. Copies the libraries keep in their own stack
//! frames (an exponentiation's table of powers, PBKDF2's last HMAC block) are overwritten by a
//! stack scrub after every public operation that handled a secret. All of `Debug` is redacted.

mod client;
mod error;
mod kdf;
mod modp;
mod new_password;
mod params;
mod prime;
mod secret;
#[cfg(feature = "srp-server")]
mod server;
#[doc(hidden)]
pub use tg_crypto::test_primes;
#[doc(hidden)]
pub mod vectors;

use core::fmt;

#[doc(hidden)]
pub use client::CheckTrace;
pub use client::{PasswordCheck, SrpChallenge};
pub use error::SrpError;
#[cfg(feature = "srp-server")]
pub use error::VerifyError;
pub use kdf::PBKDF2_ITERATIONS;
#[doc(hidden)]
pub use kdf::{password_x, pbkdf2_only};
pub use new_password::{
    EMPTY_PASSWORD_HASH, NEW_SALT1_RANDOM_LEN, NewPassword, NewPasswordHash, new_password_hash,
    new_salt1, password_hash,
};
pub use params::SrpAlgo;
pub use prime::{PRIME_CACHE_CAPACITY, TELEGRAM_P, validate_p};
#[doc(hidden)]
pub use prime::{clear_prime_cache, prime_cache_len, validate_p_uncached};
#[cfg(feature = "srp-server")]
pub use server::{ServerSession, SrpVerifier};

/// Length in bytes of every SRP number (2048 bits) as hashed and sent.
pub const LEN: usize = 256;

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
    fn hex_debug() {
        assert_eq!(format!("{:?}", Hex(&[0, 0xab])), "00ab");
    }
}
