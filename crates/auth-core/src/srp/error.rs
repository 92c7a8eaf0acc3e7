//! Typed errors of the SRP module.

/// Why SRP parameters from the server (or a caller-given secret) were rejected.
///
/// The client checks run in the order of the variants below (first [`GbBadLength`], last
/// [`UZero`]); the first failing check names the error. [`SrpError::kind`] gives a stable
/// machine-readable name for each variant (used by the test vectors and the `srp_vectors`
/// example).
///
/// [`GbBadLength`]: SrpError::GbBadLength
/// [`UZero`]: SrpError::UZero
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrpError {
    /// `srp_B` is longer than 256 bytes (shorter values are left-padded).
    #[error("srp_B is {len} bytes long, more than 256")]
    GbBadLength {
        /// The length received.
        len: usize,
    },
    /// `p` is not a 2048-bit number: `2^2047 < p < 2^2048` does not hold.
    #[error("p is not a 2048-bit number")]
    PNot2048Bit,
    /// `p` is not prime.
    #[error("p is not prime")]
    PNotPrime,
    /// `p` is prime but `(p - 1) / 2` is not: `p` is not a safe prime.
    #[error("p is not a safe prime: (p - 1) / 2 is not prime")]
    PNotSafePrime,
    /// `g` is not one of 2, 3, 4, 5, 6, 7.
    #[error("g = {g} is not in 2..=7")]
    GOutOfRange {
        /// The generator received.
        g: i32,
    },
    /// `g` is not a quadratic residue modulo `p`, so it does not generate the subgroup of prime
    /// order `(p - 1) / 2`.
    #[error("g = {g} is not a quadratic residue modulo p")]
    GBadForP {
        /// The generator received.
        g: i32,
    },
    /// `srp_B` does not satisfy `1 < g_b < p - 1`.
    #[error("srp_B is not in the open range (1, p - 1)")]
    GbOutOfRange,
    /// `t = (g_b - k·v) mod p` is outside `[2^1984, p - 2^1984]`.
    #[error("t = (g_b - k*v) mod p is outside [2^1984, p - 2^1984]")]
    TOutOfRange,
    /// The client's `g_a` is outside `[2^1984, p - 2^1984]` (only with a caller-given `a`, or
    /// after too many redraws from the entropy source).
    #[error("g_a is outside [2^1984, p - 2^1984]")]
    GaOutOfRange,
    /// `u = H(g_a | g_b)` is zero (only with a caller-given `a`, or after too many redraws).
    #[error("u = H(g_a | g_b) is zero")]
    UZero,
    /// A caller-given secret exponent (`a` or `b`) is longer than 256 bytes.
    #[error("the secret exponent is {len} bytes long, more than 256")]
    SecretBadLength {
        /// The length received.
        len: usize,
    },
}

impl SrpError {
    /// The stable machine-readable name of this error, e.g. `"p_not_prime"`.
    ///
    /// These are the `expect_error` values of the SRP test vectors.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            SrpError::GbBadLength { .. } => "g_b_bad_length",
            SrpError::PNot2048Bit => "p_not_2048_bit",
            SrpError::PNotPrime => "p_not_prime",
            SrpError::PNotSafePrime => "p_not_safe_prime",
            SrpError::GOutOfRange { .. } => "g_out_of_range",
            SrpError::GBadForP { .. } => "g_bad_for_p",
            SrpError::GbOutOfRange => "g_b_out_of_range",
            SrpError::TOutOfRange => "t_out_of_range",
            SrpError::GaOutOfRange => "g_a_out_of_range",
            SrpError::UZero => "u_zero",
            SrpError::SecretBadLength { .. } => "secret_bad_length",
        }
    }
}

#[cfg(feature = "srp-server")]
/// Why the server side of SRP ([`ServerSession::verify`](super::ServerSession::verify))
/// refused a client's `A`/`M1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// `A` is longer than 256 bytes.
    #[error("A is {len} bytes long, more than 256")]
    ABadLength {
        /// The length received.
        len: usize,
    },
    /// `A` is outside `[2^1984, p - 2^1984]` (this includes `A ≡ 0 mod p` and `A ≥ p`).
    #[error("A is outside [2^1984, p - 2^1984]")]
    AOutOfRange,
    /// `u = H(A | B)` is zero.
    #[error("u = H(A | B) is zero")]
    UZero,
    /// `M1` is not 32 bytes long.
    #[error("M1 is {len} bytes long, not 32")]
    M1BadLength {
        /// The length received.
        len: usize,
    },
    /// `M1` does not match: the client does not know the password (Telegram answers
    /// `PASSWORD_HASH_INVALID`).
    #[error("M1 does not match: wrong password")]
    M1Mismatch,
}

#[cfg(feature = "srp-server")]
impl VerifyError {
    /// The stable machine-readable name of this error, e.g. `"m1_mismatch"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            VerifyError::ABadLength { .. } => "a_bad_length",
            VerifyError::AOutOfRange => "a_out_of_range",
            VerifyError::UZero => "u_zero",
            VerifyError::M1BadLength { .. } => "m1_bad_length",
            VerifyError::M1Mismatch => "m1_mismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_distinct_and_snake_case() {
        let all = [
            SrpError::GbBadLength { len: 300 },
            SrpError::PNot2048Bit,
            SrpError::PNotPrime,
            SrpError::PNotSafePrime,
            SrpError::GOutOfRange { g: 9 },
            SrpError::GBadForP { g: 5 },
            SrpError::GbOutOfRange,
            SrpError::TOutOfRange,
            SrpError::GaOutOfRange,
            SrpError::UZero,
            SrpError::SecretBadLength { len: 300 },
        ];
        let kinds: std::collections::BTreeSet<_> = all.iter().map(SrpError::kind).collect();
        assert_eq!(kinds.len(), all.len());
        for k in kinds {
            assert!(
                k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
        assert_eq!(SrpError::PNot2048Bit.kind(), "p_not_2048_bit");
        assert!(!SrpError::TOutOfRange.to_string().is_empty());
    }

    #[cfg(feature = "srp-server")]
    #[test]
    fn verify_kinds_are_distinct() {
        let all = [
            VerifyError::ABadLength { len: 1 },
            VerifyError::AOutOfRange,
            VerifyError::UZero,
            VerifyError::M1BadLength { len: 1 },
            VerifyError::M1Mismatch,
        ];
        let kinds: std::collections::BTreeSet<_> = all.iter().map(VerifyError::kind).collect();
        assert_eq!(kinds.len(), all.len());
    }
}
