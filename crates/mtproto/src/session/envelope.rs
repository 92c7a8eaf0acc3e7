//! The encrypted message itself (mtproto/description): the internal header, the body and the
//! padding, sealed and opened with every check on the way in that does not need session state.

use crate::auth_key::AuthKey;
use crate::crypto::{Direction, decrypt_message, encrypt_message};
use crate::random::Random;

use super::PacketError;

/// salt, session_id, msg_id, seq_no, message_data_length.
const INTERNAL_HEADER_LEN: usize = 32;
const MIN_PADDING: usize = 12;
const MAX_PADDING: usize = 1024;

/// One decrypted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opened {
    pub(crate) salt: i64,
    pub(crate) session_id: i64,
    pub(crate) msg_id: i64,
    pub(crate) seqno: i32,
    pub(crate) body: Vec<u8>,
}

/// Encrypts one message (a body or a container) with 12..1024 bytes of random padding: the least
/// that aligns to 16 bytes plus 0–3 random blocks, so lengths do not give away body sizes exactly.
#[allow(clippy::too_many_arguments)]
pub(crate) fn seal(
    auth_key: &AuthKey,
    direction: Direction,
    salt: i64,
    session_id: i64,
    msg_id: i64,
    seqno: i32,
    body: &[u8],
    random: &mut Random,
) -> Vec<u8> {
    let unpadded = INTERNAL_HEADER_LEN + body.len();
    let extra = usize::from(random.array::<1>()[0] % 4) * 16;
    let padding = MIN_PADDING + (16 - (unpadded + MIN_PADDING) % 16) % 16 + extra;
    let mut plaintext = Vec::with_capacity(unpadded + padding);
    plaintext.extend_from_slice(&salt.to_le_bytes());
    plaintext.extend_from_slice(&session_id.to_le_bytes());
    plaintext.extend_from_slice(&msg_id.to_le_bytes());
    plaintext.extend_from_slice(&seqno.to_le_bytes());
    plaintext.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
    plaintext.extend_from_slice(body);
    plaintext.resize(unpadded + padding, 0);
    random.fill(&mut plaintext[unpadded..]);
    // The plaintext is a whole number of blocks by construction.
    encrypt_message(auth_key, direction, &plaintext).unwrap_or_default()
}

/// Decrypts and checks one message: `auth_key_id`, `msg_key`, the length field (a multiple of 4,
/// within the plaintext) and the padding (12..1024 bytes).
pub(crate) fn open(
    auth_key: &AuthKey,
    direction: Direction,
    packet: &[u8],
) -> Result<Opened, PacketError> {
    let plaintext = decrypt_message(auth_key, direction, packet)?;
    if plaintext.len() < INTERNAL_HEADER_LEN {
        return Err(PacketError::BadLength);
    }
    let long = |at: usize| i64::from_le_bytes(plaintext[at..at + 8].try_into().unwrap_or_default());
    let int = |at: usize| i32::from_le_bytes(plaintext[at..at + 4].try_into().unwrap_or_default());
    let len = usize::try_from(int(28)).map_err(|_| PacketError::BadLength)?;
    let available = plaintext.len() - INTERNAL_HEADER_LEN;
    if len % 4 != 0 || len > available {
        return Err(PacketError::BadLength);
    }
    let padding = available - len;
    if !(MIN_PADDING..=MAX_PADDING).contains(&padding) {
        return Err(PacketError::BadPadding(padding));
    }
    Ok(Opened {
        salt: long(0),
        session_id: long(8),
        msg_id: long(16),
        seqno: int(24),
        body: plaintext[INTERNAL_HEADER_LEN..INTERNAL_HEADER_LEN + len].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tg_crypto::entropy::Entropy;

    fn key() -> AuthKey {
        AuthKey::from_bytes([3; 256])
    }

    #[test]
    fn seal_then_open() {
        let mut random = Random::from(Entropy::deterministic([1; 32]));
        for len in [4usize, 8, 12, 16, 100, 1000] {
            let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let packet = seal(
                &key(),
                Direction::ServerToClient,
                -1,
                7,
                9,
                3,
                &body,
                &mut random,
            );
            let opened = open(&key(), Direction::ServerToClient, &packet).unwrap();
            assert_eq!(
                opened,
                Opened {
                    salt: -1,
                    session_id: 7,
                    msg_id: 9,
                    seqno: 3,
                    body
                }
            );
        }
    }

    /// Encrypts a hand-made plaintext, bypassing `seal`'s padding rules.
    fn raw(plaintext: &[u8]) -> Vec<u8> {
        encrypt_message(&key(), Direction::ClientToServer, plaintext).unwrap()
    }

    #[test]
    fn lengths_and_padding_are_checked() {
        let mut plaintext = vec![0u8; 64];
        plaintext[28..32].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(
            open(&key(), Direction::ClientToServer, &raw(&plaintext))
                .unwrap()
                .body
                .len(),
            8
        );
        // 28 bytes claimed: 4 bytes of padding.
        plaintext[28..32].copy_from_slice(&28u32.to_le_bytes());
        assert_eq!(
            open(&key(), Direction::ClientToServer, &raw(&plaintext)),
            Err(PacketError::BadPadding(4))
        );
        for bad in [6u32, 40, u32::MAX] {
            plaintext[28..32].copy_from_slice(&bad.to_le_bytes());
            assert_eq!(
                open(&key(), Direction::ClientToServer, &raw(&plaintext)),
                Err(PacketError::BadLength),
                "{bad}"
            );
        }
        let mut big = vec![0u8; 32 + 1040];
        big[28..32].copy_from_slice(&0u32.to_le_bytes());
        assert_eq!(
            open(&key(), Direction::ClientToServer, &raw(&big)),
            Err(PacketError::BadPadding(1040))
        );
    }
}
