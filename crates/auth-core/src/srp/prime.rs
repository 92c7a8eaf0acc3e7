//! SRP's view of the prime check: `tg_crypto::safe_prime` with its errors named as
//! [`SrpError`]s.

use super::error::SrpError;
use tg_crypto::safe_prime::{self, PrimeError};

pub use tg_crypto::safe_prime::{
    PRIME_CACHE_CAPACITY, TELEGRAM_P, clear_prime_cache, prime_cache_len,
};

impl From<PrimeError> for SrpError {
    fn from(e: PrimeError) -> Self {
        match e {
            PrimeError::Not2048Bit => SrpError::PNot2048Bit,
            PrimeError::NotPrime => SrpError::PNotPrime,
            PrimeError::NotSafePrime => SrpError::PNotSafePrime,
        }
    }
}

/// Checks that `p` (big-endian) is a safe 2048-bit prime: `2^2047 < p < 2^2048`, `p` prime and
/// `(p − 1) / 2` prime (see `tg_crypto::safe_prime` for how, and for the bounded verdict cache).
///
/// # Errors
///
/// [`SrpError::PNot2048Bit`], [`SrpError::PNotPrime`] or [`SrpError::PNotSafePrime`], in that
/// order of checks.
pub fn validate_p(p: &[u8]) -> Result<(), SrpError> {
    Ok(safe_prime::validate_p(p)?)
}

/// [`validate_p`] without the table and the cache. For benchmarks and tests.
///
/// # Errors
///
/// As [`validate_p`].
#[doc(hidden)]
pub fn validate_p_uncached(p: &[u8]) -> Result<(), SrpError> {
    Ok(safe_prime::validate_p_uncached(p)?)
}
