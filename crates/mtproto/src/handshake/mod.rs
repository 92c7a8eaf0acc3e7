//! Creating an authorization key (mtproto/auth_key): the client's and the server's halves of the
//! Diffie–Hellman handshake, as state machines over unencrypted MTProto messages.
//!
//! Both halves are driven the same way: hand every packet that arrives to `handle_packet`, send
//! what `poll_transmit` returns (framed by a [`crate::transport::Transport`]), and take the
//! result from `poll_outcome` once it is there. Every check the protocol asks for is made, and
//! every failure is a typed [`HandshakeError`]; after an error the handshake is over (the client
//! starts a new one, as the security guidelines recommend).

mod client;
mod dh;
mod pq;
mod server;

use std::time::Duration;

use num_bigint::BigUint;
use tg_crypto::dh::{GeneratorError, SafeRange, strictly_inside};
use tg_crypto::safe_prime::PrimeError;
use tl_codec::DecodeError;

pub use client::{ClientHandshake, HandshakeConfig};
/// Splits a handshake's `pq` into `p < q` (for benchmarks; the client does it itself).
#[doc(hidden)]
pub use pq::factor as factor_pq;
pub use server::{ServerHandshake, ServerHandshakeConfig};

use crate::auth_key::AuthKey;
use crate::crypto::sha1;

/// How long a handshake waits for an answer before sending its last query again.
pub const DEFAULT_RESEND_AFTER: Duration = Duration::from_secs(10);

/// How often a client may be asked to retry the last step (`dh_gen_retry`) before giving up.
pub const MAX_DH_RETRIES: u32 = 5;

/// What a finished handshake produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuthKey {
    /// The authorization key.
    pub auth_key: AuthKey,
    /// The first server salt: `substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8)`.
    pub salt: i64,
    /// Seconds to add to the local clock to get the server's (`server_time` minus local time
    /// when `server_DH_inner_data` arrived); 0 on the server.
    pub time_offset: i64,
    /// The DC the client named in its inner data (with +10000 for test DCs, negative for media
    /// DCs), if it used a form that names one.
    pub dc: Option<i32>,
    /// For a temporary key, its lifetime in seconds.
    pub expires_in: Option<i32>,
}

/// Why a handshake failed: the peer broke the protocol (or the connection lost too many
/// messages). The server half maps each to the transport error a server sends
/// ([`HandshakeError::transport_code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    /// A packet that is not a well-formed unencrypted message (`auth_key_id = 0`, `msg_id`,
    /// `length`, body).
    #[error("malformed unencrypted message: {0}")]
    BadEnvelope(&'static str),
    /// The body could not be decoded as what this step expects.
    #[error("undecodable handshake message: {0}")]
    Decode(#[from] DecodeError),
    /// A `nonce` or `server_nonce` differs from the one of this handshake.
    #[error("nonce mismatch")]
    NonceMismatch,
    /// None of the server's key fingerprints is a key we have.
    #[error("the server offers no key we know (fingerprints {0:x?})")]
    NoKnownKey(Vec<i64>),
    /// `pq` is not a product of two primes below 2^64 that we could split.
    #[error("pq cannot be factored into p < q")]
    BadPq,
    /// The encrypted answer does not decrypt to its own SHA1, or its length is wrong.
    #[error("the encrypted answer does not check out")]
    BadEncryptedData,
    /// `dh_prime` is not a safe 2048-bit prime.
    #[error("bad dh_prime: {0}")]
    BadDhPrime(#[from] PrimeError),
    /// `g` does not generate the prime-order subgroup.
    #[error("bad g: {0}")]
    BadGenerator(#[from] GeneratorError),
    /// `g_a` or `g_b` is outside `(1, dh_prime − 1)` or the safe range.
    #[error("a DH public value is out of range")]
    BadPublicValue,
    /// A `new_nonce_hash` does not match `new_nonce` (and the key).
    #[error("new_nonce hash mismatch")]
    NewNonceHashMismatch,
    /// The server refused `req_DH_params` (`server_DH_params_fail`).
    #[error("the server refused the DH parameters")]
    DhParamsFail,
    /// The server answered `dh_gen_fail`.
    #[error("the server failed the key exchange (dh_gen_fail)")]
    DhGenFail,
    /// The server asked to retry more than [`MAX_DH_RETRIES`] times.
    #[error("too many dh_gen_retry answers")]
    TooManyRetries,
    /// No answer after the configured number of attempts.
    #[error("no answer from the server")]
    TimedOut,
    /// RSA_PAD found no block below the modulus in 64 tries (probability below 2^-64).
    #[error("RSA_PAD found no block below the modulus")]
    RsaPadFailed,
    /// A message that does not belong at this step.
    #[error("unexpected message for this step")]
    Unexpected,
    /// Server side: `p` and `q` are not the factors the server chose.
    #[error("p and q are not the factors of pq")]
    WrongFactors,
    /// Server side: the fingerprint names no key of this server.
    #[error("no server key with fingerprint {0:#x}")]
    UnknownFingerprint(i64),
    /// Server side: the client asked for another DC than the one this server is.
    #[error("the client asked for DC {found}, this is DC {expected}")]
    WrongDc {
        /// The DC this server is (as the client should write it).
        expected: i32,
        /// The DC in the client's inner data.
        found: i32,
    },
    /// Server side: the inner data does not repeat `pq`, `p`, `q` or the nonces.
    #[error("the inner data does not match the handshake")]
    InnerDataMismatch,
    /// Server side: `retry_id` is not the one expected.
    #[error("wrong retry_id")]
    BadRetryId,
}

impl HandshakeError {
    /// The transport error a server sends for this failure: `-444` for a wrong DC, `-404`
    /// otherwise (mtproto/auth_key: "if the query is incorrect, the server returns -404").
    #[must_use]
    pub fn transport_code(&self) -> i32 {
        match self {
            HandshakeError::WrongDc { .. } => -444,
            _ => -404,
        }
    }
}

/// Length of the unencrypted message header: `auth_key_id`, `msg_id`, `message_data_length`.
const PLAIN_HEADER_LEN: usize = 20;

/// An unencrypted message: `auth_key_id = 0`, `msg_id`, length, body.
pub(crate) fn plain_message(msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PLAIN_HEADER_LEN + body.len());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&msg_id.to_le_bytes());
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// The `msg_id` and body of an unencrypted message whose `msg_id` has the low bits `parity`
/// allows (the client's are ≡ 0 mod 4, the server's odd).
pub(crate) fn read_plain(packet: &[u8], from_server: bool) -> Result<(i64, &[u8]), HandshakeError> {
    if packet.len() < PLAIN_HEADER_LEN {
        return Err(HandshakeError::BadEnvelope("shorter than its header"));
    }
    let (head, body) = packet.split_at(PLAIN_HEADER_LEN);
    if head[..8] != [0; 8] {
        return Err(HandshakeError::BadEnvelope("auth_key_id is not 0"));
    }
    let msg_id = i64::from_le_bytes(head[8..16].try_into().unwrap_or_default());
    let len = u32::from_le_bytes(head[16..20].try_into().unwrap_or_default());
    if usize::try_from(len).ok() != Some(body.len()) {
        return Err(HandshakeError::BadEnvelope("length does not match"));
    }
    let parity_ok = if from_server {
        msg_id % 2 != 0
    } else {
        msg_id % 4 == 0
    };
    if !parity_ok {
        return Err(HandshakeError::BadEnvelope("msg_id parity"));
    }
    Ok((msg_id, body))
}

/// `x` is a usable DH public value for prime `p`: inside `(1, p − 1)` and the safe range.
pub(crate) fn check_public_value(x: &BigUint, p: &BigUint) -> Result<(), HandshakeError> {
    if strictly_inside(x, p) && SafeRange::new(p).contains(x) {
        Ok(())
    } else {
        Err(HandshakeError::BadPublicValue)
    }
}

/// `new_nonce_hash1/2/3`: the 128 low-order bits of SHA1(new_nonce + [n] + auth_key_aux_hash).
pub(crate) fn new_nonce_hash(new_nonce: &[u8; 32], n: u8, auth_key: &AuthKey) -> [u8; 16] {
    let sha = sha1(&[new_nonce, &[n], &auth_key.aux_hash()]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&sha[4..]);
    out
}

/// The first server salt: `substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8)`.
pub(crate) fn first_salt(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> i64 {
    let mut salt = [0u8; 8];
    for (i, b) in salt.iter_mut().enumerate() {
        *b = new_nonce[i] ^ server_nonce[i];
    }
    i64::from_le_bytes(salt)
}

/// `SHA1(data) + data + padding` to a multiple of 16 bytes, the form the handshake encrypts
/// with the temporary AES key.
pub(crate) fn with_hash(data: &[u8], padding: &mut dyn FnMut(&mut [u8])) -> Vec<u8> {
    let len = 20 + data.len();
    let total = len.div_ceil(16) * 16;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&sha1(&[data]));
    out.extend_from_slice(data);
    out.resize(total, 0);
    if total > len {
        padding(&mut out[len..]);
    }
    out
}

/// Checks `SHA1(data) + data + padding` after decryption, where the object `data` reads as
/// tells its own length. Returns the object.
pub(crate) fn check_hashed<T>(
    decrypted: &[u8],
    read: impl FnOnce(&mut tl_codec::Reader<'_>) -> Result<T, DecodeError>,
) -> Result<T, HandshakeError> {
    if decrypted.len() < 20 {
        return Err(HandshakeError::BadEncryptedData);
    }
    let (hash, rest) = decrypted.split_at(20);
    let (value, len) = crate::tl::handshake::read_prefix(rest, read)?;
    if rest.len() - len >= 16 || sha1(&[&rest[..len]]) != hash {
        return Err(HandshakeError::BadEncryptedData);
    }
    Ok(value)
}

#[cfg(test)]
mod worked_example;
