//! The password hashing of `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`:
//!
//! ```text
//! SH(data, salt)             = H(salt | data | salt)
//! PH1(password, salt1, salt2) = SH(SH(password, salt1), salt2)
//! PH2(password, salt1, salt2) = SH(pbkdf2(sha512, PH1(password, salt1, salt2), salt1, 100000), salt2)
//! x                          = PH2(password, salt1, salt2)
//! ```
//!
//! The password bytes are used as given (no Unicode normalisation).

use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

/// PBKDF2-HMAC-SHA512 iterations of the algorithm.
pub const PBKDF2_ITERATIONS: u32 = 100_000;

fn salted_hash(data: &[u8], salt: &[u8]) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(
        Sha256::new()
            .chain_update(salt)
            .chain_update(data)
            .chain_update(salt)
            .finalize()
            .into(),
    )
}

/// `x = PH2(password, salt1, salt2)`, 32 bytes, zeroized on drop. One PBKDF2 run (the slow part:
/// 100 000 iterations of HMAC-SHA512).
///
/// Every intermediate is wiped: `SH(password, salt1)`, `PH1` and the PBKDF2 output in
/// `Zeroizing` arrays, the SHA-256 and HMAC-SHA512 states by their own `Drop` (`sha2` and
/// `hmac` with the `zeroize` feature). PBKDF2's running block stays in its stack frame, which
/// the callers scrub (see `secret::scrub_stack`).
#[doc(hidden)]
pub fn password_x(password: &[u8], salt1: &[u8], salt2: &[u8]) -> Zeroizing<[u8; 32]> {
    let ph1 = salted_hash(&salted_hash(password, salt1)[..], salt2);
    let mut stretched = Zeroizing::new([0u8; 64]);
    pbkdf2::pbkdf2_hmac::<Sha512>(&ph1[..], salt1, PBKDF2_ITERATIONS, &mut stretched[..]);
    salted_hash(&stretched[..], salt2)
}

/// PBKDF2 alone, as the password step runs it (for benchmarks).
#[doc(hidden)]
pub fn pbkdf2_only(key: &[u8], salt: &[u8]) -> Zeroizing<[u8; 64]> {
    let mut out = Zeroizing::new([0u8; 64]);
    pbkdf2::pbkdf2_hmac::<Sha512>(key, salt, PBKDF2_ITERATIONS, &mut out[..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salted_hash_is_h_salt_data_salt() {
        let expected: [u8; 32] = Sha256::digest(b"saltdatasalt").into();
        assert_eq!(*salted_hash(b"data", b"salt"), expected);
    }
}
