//! MTProto 2.0 cryptography on top of RustCrypto: message keys and AES-256-IGE for encrypted
//! messages (mtproto/description), the handshake's temporary AES key (mtproto/auth_key), and
//! RSA_PAD (in [`rsa_pad`](self), used through [`crate::keys`] and the handshake).
//!
//! Nothing here is hand-written cryptography: AES is the `aes` crate, IGE the `ige` crate, the
//! hashes `sha1`/`sha2`. This module only arranges their inputs as the protocol says.

pub(crate) mod rsa_pad;

use aes::Aes256;
use ige::cipher::array::Array;
use ige::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::auth_key::AuthKey;

/// Who sent a message: the `x` of the MTProto 2.0 key derivation (0 from the client, 8 from the
/// server), so each direction has its own keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A message from the client to the server (`x = 0`).
    ClientToServer,
    /// A message from the server to the client (`x = 8`).
    ServerToClient,
}

impl Direction {
    fn x(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 8,
        }
    }
}

/// Why a buffer could not be encrypted or decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// AES-IGE works on whole 16-byte blocks.
    #[error("{0} bytes is not a whole number of 16-byte blocks")]
    NotBlockAligned(usize),
    /// An encrypted packet must hold the 24-byte external header and at least one block.
    #[error("packet of {0} bytes is too short to be an encrypted message")]
    TooShort(usize),
    /// The packet names another authorization key.
    #[error("packet is for auth key {found:#018x}, not {expected:#018x}")]
    WrongAuthKey {
        /// Our key's id.
        expected: u64,
        /// The id in the packet.
        found: u64,
    },
    /// The `msg_key` in the packet does not match the decrypted contents: the packet was
    /// corrupted, forged, or encrypted with another key or direction.
    #[error("msg_key does not match the decrypted message")]
    MsgKeyMismatch,
}

/// Length of the external header of an encrypted message: `auth_key_id` and `msg_key`.
pub const EXTERNAL_HEADER_LEN: usize = 24;

pub(crate) fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut h = Sha1::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

/// AES-256-IGE encryption in place (`key`, then the 32-byte IGE IV: the first half XORs the
/// cipher input, the second the output, as Telegram and the `ige` crate define it).
///
/// # Errors
///
/// [`CryptoError::NotBlockAligned`] unless `buf` is a whole number of blocks.
pub fn ige_encrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) -> Result<(), CryptoError> {
    let len = buf.len();
    let (blocks, rest) = Array::slice_as_chunks_mut(buf);
    if !rest.is_empty() {
        return Err(CryptoError::NotBlockAligned(len));
    }
    ige::Encryptor::<Aes256>::new(key.into(), iv.into()).encrypt_blocks(blocks);
    Ok(())
}

/// AES-256-IGE decryption in place; the inverse of [`ige_encrypt`].
///
/// # Errors
///
/// [`CryptoError::NotBlockAligned`] unless `buf` is a whole number of blocks.
pub fn ige_decrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) -> Result<(), CryptoError> {
    let len = buf.len();
    let (blocks, rest) = Array::slice_as_chunks_mut(buf);
    if !rest.is_empty() {
        return Err(CryptoError::NotBlockAligned(len));
    }
    ige::Decryptor::<Aes256>::new(key.into(), iv.into()).decrypt_blocks(blocks);
    Ok(())
}

/// `msg_key`: the middle 128 bits of SHA256(substr(auth_key, 88 + x, 32) + plaintext), where the
/// plaintext includes the internal header and the padding.
#[must_use]
pub fn msg_key(auth_key: &AuthKey, direction: Direction, plaintext: &[u8]) -> [u8; 16] {
    let x = direction.x();
    let large = sha256(&[&auth_key.bytes()[88 + x..120 + x], plaintext]);
    let mut key = [0u8; 16];
    key.copy_from_slice(&large[8..24]);
    key
}

type KeyIv = (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>);

/// The AES key and IV of one message, from `auth_key` and its `msg_key`.
fn message_key_iv(auth_key: &AuthKey, msg_key: &[u8; 16], direction: Direction) -> KeyIv {
    let x = direction.x();
    let bytes = auth_key.bytes();
    let a = Zeroizing::new(sha256(&[msg_key, &bytes[x..x + 36]]));
    let b = Zeroizing::new(sha256(&[&bytes[40 + x..76 + x], msg_key]));
    let mut key = Zeroizing::new([0u8; 32]);
    key[..8].copy_from_slice(&a[..8]);
    key[8..24].copy_from_slice(&b[8..24]);
    key[24..].copy_from_slice(&a[24..]);
    let mut iv = Zeroizing::new([0u8; 32]);
    iv[..8].copy_from_slice(&b[..8]);
    iv[8..24].copy_from_slice(&a[8..24]);
    iv[24..].copy_from_slice(&b[24..]);
    (key, iv)
}

/// Encrypts a padded plaintext (internal header, message, 12..1024 padding bytes, a whole number
/// of blocks) into a packet: `auth_key_id`, `msg_key`, ciphertext.
///
/// # Errors
///
/// [`CryptoError::NotBlockAligned`] unless the plaintext is a whole number of blocks.
pub fn encrypt_message(
    auth_key: &AuthKey,
    direction: Direction,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    if !plaintext.len().is_multiple_of(16) {
        return Err(CryptoError::NotBlockAligned(plaintext.len()));
    }
    let msg_key = msg_key(auth_key, direction, plaintext);
    let (key, iv) = message_key_iv(auth_key, &msg_key, direction);
    let mut packet = Vec::with_capacity(EXTERNAL_HEADER_LEN + plaintext.len());
    packet.extend_from_slice(&auth_key.id().to_le_bytes());
    packet.extend_from_slice(&msg_key);
    packet.extend_from_slice(plaintext);
    ige_encrypt(&mut packet[EXTERNAL_HEADER_LEN..], &key, &iv)?;
    Ok(packet)
}

/// Decrypts a packet made by [`encrypt_message`] for `direction` and checks its `msg_key`.
/// Returns the padded plaintext; the caller checks what is inside (lengths, session, ids).
///
/// # Errors
///
/// [`CryptoError::TooShort`], [`CryptoError::NotBlockAligned`], [`CryptoError::WrongAuthKey`]
/// or [`CryptoError::MsgKeyMismatch`].
pub fn decrypt_message(
    auth_key: &AuthKey,
    direction: Direction,
    packet: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut plaintext = packet
        .get(EXTERNAL_HEADER_LEN..)
        .unwrap_or_default()
        .to_vec();
    decrypt_in_place(auth_key, direction, packet, &mut plaintext)?;
    Ok(plaintext)
}

/// Decrypts `ciphertext` (the part of `packet` after its external header, copied by the caller)
/// in place and checks the `msg_key` of `packet`.
fn decrypt_in_place(
    auth_key: &AuthKey,
    direction: Direction,
    packet: &[u8],
    ciphertext: &mut [u8],
) -> Result<(), CryptoError> {
    if packet.len() < EXTERNAL_HEADER_LEN + 16 {
        return Err(CryptoError::TooShort(packet.len()));
    }
    if !ciphertext.len().is_multiple_of(16) {
        return Err(CryptoError::NotBlockAligned(ciphertext.len()));
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&packet[..8]);
    let found = u64::from_le_bytes(id);
    if found != auth_key.id() {
        return Err(CryptoError::WrongAuthKey {
            expected: auth_key.id(),
            found,
        });
    }
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&packet[8..24]);
    let (key, iv) = message_key_iv(auth_key, &msg_key, direction);
    ige_decrypt(ciphertext, &key, &iv)?;
    if self::msg_key(auth_key, direction, ciphertext) != msg_key {
        return Err(CryptoError::MsgKeyMismatch);
    }
    Ok(())
}

/// The handshake's temporary AES key and IV (mtproto/auth_key, step 6):
///
/// ```text
/// tmp_aes_key := SHA1(new_nonce + server_nonce) + substr(SHA1(server_nonce + new_nonce), 0, 12)
/// tmp_aes_iv  := substr(SHA1(server_nonce + new_nonce), 12, 8) + SHA1(new_nonce + new_nonce)
///                + substr(new_nonce, 0, 4)
/// ```
#[must_use]
pub fn tmp_aes_key_iv(
    server_nonce: &[u8; 16],
    new_nonce: &[u8; 32],
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let h1 = Zeroizing::new(sha1(&[new_nonce, server_nonce]));
    let h2 = Zeroizing::new(sha1(&[server_nonce, new_nonce]));
    let h3 = Zeroizing::new(sha1(&[new_nonce, new_nonce]));
    let mut key = Zeroizing::new([0u8; 32]);
    key[..20].copy_from_slice(&h1[..]);
    key[20..].copy_from_slice(&h2[..12]);
    let mut iv = Zeroizing::new([0u8; 32]);
    iv[..8].copy_from_slice(&h2[12..]);
    iv[8..28].copy_from_slice(&h3[..]);
    iv[28..].copy_from_slice(&new_nonce[..4]);
    (key, iv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> AuthKey {
        let mut bytes = [0u8; 256];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
        AuthKey::from_bytes(bytes)
    }

    #[test]
    fn message_round_trip_and_direction_matters() {
        let key = key();
        let plaintext: Vec<u8> = (0..64u8).collect();
        let packet = encrypt_message(&key, Direction::ClientToServer, &plaintext).unwrap();
        assert_eq!(packet.len(), 24 + 64);
        assert_eq!(packet[..8], key.id().to_le_bytes());
        assert_eq!(
            decrypt_message(&key, Direction::ClientToServer, &packet).unwrap(),
            plaintext
        );
        assert_eq!(
            decrypt_message(&key, Direction::ServerToClient, &packet),
            Err(CryptoError::MsgKeyMismatch)
        );
    }

    #[test]
    fn tampering_is_caught() {
        let key = key();
        let packet = encrypt_message(&key, Direction::ServerToClient, &[5u8; 48]).unwrap();
        for i in [0, 9, 30, packet.len() - 1] {
            let mut bad = packet.clone();
            bad[i] ^= 1;
            assert!(
                decrypt_message(&key, Direction::ServerToClient, &bad).is_err(),
                "{i}"
            );
        }
        assert_eq!(
            decrypt_message(&key, Direction::ServerToClient, &packet[..30]),
            Err(CryptoError::TooShort(30))
        );
        assert_eq!(
            decrypt_message(&key, Direction::ServerToClient, &packet[..packet.len() - 1]),
            Err(CryptoError::NotBlockAligned(47))
        );
        assert_eq!(
            encrypt_message(&key, Direction::ServerToClient, &[0; 15]),
            Err(CryptoError::NotBlockAligned(15))
        );
    }
}
