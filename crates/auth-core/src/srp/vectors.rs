//! One-shot computation of an SRP test-vector line (for the `srp_vectors` example and the
//! conformance tests): all checks in the documented order, one PBKDF2 run giving both the check
//! (`A`, `M1`) and the new-password hash `v` for the same salts.

use sha2::Digest;
use zeroize::Zeroizing;

use super::LEN;
use super::client::{
    m1_prefix, own_values, pad_secret, password_step, session_key, validate_server_params,
};
use super::error::SrpError;
use super::kdf::password_x;
use super::modp::{to_be, u256_from_be};
use super::params::SrpAlgo;

/// The inputs of one vector line, decoded.
#[derive(Debug, Clone, Copy)]
pub struct VectorInput<'a> {
    /// The password bytes.
    pub password: &'a [u8],
    /// The algorithm (`salt1`, `salt2`, `g`, `p`).
    pub algo: &'a SrpAlgo,
    /// `srp_B` (`g_b`) as sent, at most 256 bytes.
    pub srp_b: &'a [u8],
    /// The client secret `a`, big-endian, at most 256 bytes.
    pub a: &'a [u8],
}

/// The results of one vector line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorOutput {
    /// `A = g^a mod p`, 256 bytes.
    pub a: [u8; LEN],
    /// `M1`, 32 bytes.
    pub m1: [u8; 32],
    /// `v = g^x mod p` (the new-password hash for these salts), 256 bytes.
    pub v: [u8; LEN],
}

/// Runs the checks in the order of [`SrpError`] (`g_b_bad_length`, `p_*`, `g_*`,
/// `g_b_out_of_range`, `t_out_of_range`, `g_a_out_of_range`, `u_zero`) and computes `A`, `M1`
/// and `v`. A too-long `a` is reported first, as [`SrpError::SecretBadLength`].
///
/// # Errors
///
/// The first failing check.
pub fn compute(input: &VectorInput<'_>) -> Result<VectorOutput, SrpError> {
    let a_bytes = pad_secret(input.a)?;
    let (group, g_b_bytes, g_b) = validate_server_params(input.algo, input.srp_b)?;
    let x_bytes = password_x(input.password, &input.algo.salt1, &input.algo.salt2);
    let x = Zeroizing::new(u256_from_be(&x_bytes));
    let (v, t) = password_step(&group, &g_b, &x, None)?;
    // A vector's `v` is an output, compared with the expected one.
    let v = to_be(&v.retrieve());
    let (g_a, u) = own_values(&group, &a_bytes, &g_b_bytes)?;
    let k_a = session_key(&t, &a_bytes, &u, &x, None);
    let m1 = m1_prefix(
        &group,
        &input.algo.salt1,
        &input.algo.salt2,
        &g_a,
        &g_b_bytes,
    )
    .chain_update(&k_a[..])
    .finalize()
    .into();
    Ok(VectorOutput { a: g_a, m1, v })
}
