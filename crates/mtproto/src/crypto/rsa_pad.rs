//! RSA in the handshake's `req_DH_params` (mtproto/auth_key, step 4.1): RSA_PAD, which clients
//! use today, and the older `SHA1(data) + data + padding` scheme, which a server must still
//! decrypt because existing clients send it.

use zeroize::Zeroizing;

use super::{ige_decrypt, ige_encrypt, sha256};
use crate::keys::{RsaPrivateKey, RsaPublicKey};
use crate::random::Random;

/// The longest inner data RSA_PAD can carry.
pub(crate) const MAX_DATA_LEN: usize = 144;
/// RSA_PAD's padded data: the inner data and random bytes.
pub(crate) const PADDED_LEN: usize = 192;
/// How many fresh `temp_key`s to try before giving up on finding a block below the modulus.
/// Each try fails with probability below 1/2 (the modulus is above 2^2047).
const MAX_TRIES: usize = 64;

/// Why RSA_PAD could not encrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RsaPadError {
    /// The inner data is longer than [`MAX_DATA_LEN`].
    DataTooLong,
    /// [`MAX_TRIES`] keys in a row gave a block above the modulus (probability < 2^-64).
    NoBlockBelowModulus,
}

/// RSA_PAD(data, key): 256 bytes, big-endian.
pub(crate) fn encrypt(
    data: &[u8],
    key: &RsaPublicKey,
    random: &mut Random,
) -> Result<[u8; 256], RsaPadError> {
    if data.len() > MAX_DATA_LEN {
        return Err(RsaPadError::DataTooLong);
    }
    let mut with_padding = Zeroizing::new([0u8; PADDED_LEN]);
    with_padding[..data.len()].copy_from_slice(data);
    random.fill(&mut with_padding[data.len()..]);
    for _ in 0..MAX_TRIES {
        let temp_key = Zeroizing::new(random.array::<32>());
        let mut block = Zeroizing::new([0u8; 256]);
        {
            let (key_xor, aes) = block.split_at_mut(32);
            // data_with_hash := BYTE_REVERSE(data_with_padding) + SHA256(temp_key + data_with_padding)
            for (out, b) in aes[..PADDED_LEN].iter_mut().zip(with_padding.iter().rev()) {
                *out = *b;
            }
            aes[PADDED_LEN..].copy_from_slice(&sha256(&[&temp_key[..], &with_padding[..]]));
            ige_encrypt(aes, &temp_key, &[0u8; 32]).map_err(|_| RsaPadError::DataTooLong)?;
            let mask = sha256(&[aes]);
            for ((out, k), m) in key_xor.iter_mut().zip(temp_key.iter()).zip(mask) {
                *out = k ^ m;
            }
        }
        if let Some(encrypted) = key.encrypt_raw(&block) {
            return Ok(encrypted);
        }
    }
    Err(RsaPadError::NoBlockBelowModulus)
}

/// Undoes RSA_PAD: the 192 bytes of data and padding, if the hash inside checks out.
pub(crate) fn decrypt(
    encrypted: &[u8],
    key: &RsaPrivateKey,
) -> Option<Zeroizing<[u8; PADDED_LEN]>> {
    if encrypted.len() > 256 {
        return None;
    }
    let mut block = key.decrypt_raw(encrypted)?;
    let (key_xor, aes) = block.split_at_mut(32);
    let mask = sha256(&[aes]);
    let mut temp_key = Zeroizing::new([0u8; 32]);
    for ((out, k), m) in temp_key.iter_mut().zip(key_xor.iter()).zip(mask) {
        *out = k ^ m;
    }
    ige_decrypt(aes, &temp_key, &[0u8; 32]).ok()?;
    let mut with_padding = Zeroizing::new([0u8; PADDED_LEN]);
    for (out, b) in with_padding.iter_mut().zip(aes[..PADDED_LEN].iter().rev()) {
        *out = *b;
    }
    let hash = sha256(&[&temp_key[..], &with_padding[..]]);
    (hash[..] == aes[PADDED_LEN..]).then_some(with_padding)
}

/// Undoes the legacy scheme `RSA(SHA1(data) + data + padding)` (255 bytes): returns those 255
/// bytes; the caller checks the hash once it knows where `data` ends.
pub(crate) fn decrypt_legacy(encrypted: &[u8], key: &RsaPrivateKey) -> Option<Zeroizing<Vec<u8>>> {
    if encrypted.len() > 256 {
        return None;
    }
    let block = key.decrypt_raw(encrypted)?;
    (block[0] == 0).then(|| Zeroizing::new(block[1..].to_vec()))
}

/// The legacy scheme's encryption, for tests of the server: `data` must fit in 235 bytes.
#[cfg(test)]
pub(crate) fn encrypt_legacy(data: &[u8], key: &RsaPublicKey, padding: u8) -> [u8; 256] {
    let mut block = [padding; 256];
    block[0] = 0;
    block[1..21].copy_from_slice(&super::sha1(&[data]));
    block[21..21 + data.len()].copy_from_slice(data);
    key.encrypt_raw(&block)
        .expect("a leading zero byte keeps the block below n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// The padding, then `temp_key` and its big-endian successors: grammers-crypto retries a
    /// block above the modulus with `temp_key + 1` where we draw again, so this script makes
    /// both take the same keys.
    fn script(padding: &[u8], temp_key: &[u8]) -> Random {
        let mut draws = VecDeque::from([padding.to_vec()]);
        let mut key = temp_key.to_vec();
        for _ in 0..MAX_TRIES {
            draws.push_back(key.clone());
            for byte in key.iter_mut().rev() {
                let (next, carry) = byte.overflowing_add(1);
                *byte = next;
                if !carry {
                    break;
                }
            }
        }
        Random::Script(draws)
    }

    #[test]
    fn round_trip_with_the_test_key() {
        let key = RsaPrivateKey::test_only_server_key();
        let data: Vec<u8> = (0..100u8).collect();
        let mut random = Random::Entropy(tg_crypto::entropy::Entropy::deterministic([1; 32]));
        let encrypted = encrypt(&data, key.public_key(), &mut random).unwrap();
        let decrypted = decrypt(&encrypted, &key).unwrap();
        assert_eq!(&decrypted[..100], &data[..]);
        let mut corrupt = encrypted;
        corrupt[200] ^= 1;
        assert!(decrypt(&corrupt, &key).is_none());
        assert_eq!(
            encrypt(&[0; 145], key.public_key(), &mut random),
            Err(RsaPadError::DataTooLong)
        );
    }

    #[test]
    fn same_bytes_as_grammers_given_the_same_randomness() {
        // grammers-crypto takes its 224 random bytes as (padding ‖ … ‖ temp_key); ours are drawn
        // as padding then temp_key. With the same bytes both produce the same ciphertext.
        let public = RsaPublicKey::telegram_production();
        let n_dec = num_bigint::BigUint::from_bytes_be(&public.modulus()).to_str_radix(10);
        let theirs_key = grammers_crypto::rsa::Key::new(&n_dec, "65537").unwrap();
        for seed in 0..16u8 {
            let data: Vec<u8> = (0..96).map(|i| i ^ seed).collect();
            let mut random_bytes = [0u8; 224];
            tg_crypto::entropy::Entropy::deterministic([seed; 32]).fill(&mut random_bytes);
            let padding = &random_bytes[..192 - data.len()];
            let temp_key = &random_bytes[192..];
            let ours = encrypt(&data, &public, &mut script(padding, temp_key)).unwrap();
            let theirs = grammers_crypto::rsa::encrypt_hashed(&data, &theirs_key, &random_bytes);
            assert_eq!(ours.to_vec(), theirs, "seed {seed}");
        }
    }

    #[test]
    fn legacy_scheme_decrypts() {
        let key = RsaPrivateKey::test_only_server_key();
        let encrypted = encrypt_legacy(b"inner data", key.public_key(), 0x5a);
        let block = decrypt_legacy(&encrypted, &key).unwrap();
        assert_eq!(&block[20..30], b"inner data");
        assert_eq!(block[..20], crate::crypto::sha1(&[b"inner data"]));
    }
}
