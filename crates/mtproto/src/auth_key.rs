//! The authorization key both sides derive from the handshake, and what is computed from it.

use sha1::{Digest, Sha1};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 2048-bit MTProto authorization key (`auth_key`), with its id and auxiliary hash.
///
/// The key bytes are wiped on drop and never printed: `Debug` shows the id only, which is public
/// (it travels in every encrypted packet).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AuthKey {
    bytes: [u8; 256],
    #[zeroize(skip)]
    id: u64,
    aux_hash: [u8; 8],
}

impl AuthKey {
    /// Wraps 256 key bytes (big-endian, as the handshake produces them and as they are stored).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 256]) -> Self {
        let sha = Sha1::digest(bytes);
        let mut id = [0u8; 8];
        id.copy_from_slice(&sha[12..20]);
        let mut aux_hash = [0u8; 8];
        aux_hash.copy_from_slice(&sha[..8]);
        AuthKey {
            bytes,
            id: u64::from_le_bytes(id),
            aux_hash,
        }
    }

    /// The key bytes, for persisting the key. Treat them as a secret.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 256] {
        self.bytes
    }

    /// `auth_key_id`: the 64 lower-order bits of SHA1(auth_key), as the little-endian `long` that
    /// starts every encrypted packet.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; 256] {
        &self.bytes
    }

    /// `auth_key_aux_hash`: the 64 higher-order bits of SHA1(auth_key).
    pub(crate) fn aux_hash(&self) -> [u8; 8] {
        self.aux_hash
    }
}

impl PartialEq for AuthKey {
    fn eq(&self, other: &Self) -> bool {
        // Ids are unique per key by construction of the protocol; comparing the full bytes
        // would also do, but the id is what both sides use to identify a key.
        self.id == other.id && self.bytes == other.bytes
    }
}

impl Eq for AuthKey {}

impl core::fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AuthKey")
            .field("id", &format_args!("{:#018x}", self.id))
            .field("bytes", &"<redacted>")
            .finish()
    }
}

/// Reads the `auth_key_id` at the start of an MTProto packet (0 for the unencrypted messages of
/// the handshake), so that a server can route a packet to the right key before decrypting it.
/// `None` if the packet is shorter than 8 bytes.
#[must_use]
pub fn peek_auth_key_id(packet: &[u8]) -> Option<u64> {
    let head: [u8; 8] = packet.get(..8)?.try_into().ok()?;
    Some(u64::from_le_bytes(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_the_low_64_bits_of_sha1_little_endian() {
        let key = AuthKey::from_bytes([7u8; 256]);
        let sha = Sha1::digest([7u8; 256]);
        assert_eq!(key.id().to_le_bytes(), sha[12..20]);
        assert_eq!(key.aux_hash(), sha[..8]);
    }

    #[test]
    fn debug_shows_the_id_only() {
        let key = AuthKey::from_bytes([0xab; 256]);
        let shown = format!("{key:?}");
        assert!(shown.contains("redacted"));
        assert!(!shown.contains("ab, ab") && !shown.contains("171"));
    }

    #[test]
    fn peek_reads_the_first_long() {
        assert_eq!(peek_auth_key_id(&[1, 0, 0, 0, 0, 0, 0, 0, 9]), Some(1));
        assert_eq!(peek_auth_key_id(&[0; 7]), None);
    }
}
