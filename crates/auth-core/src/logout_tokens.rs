//! Future auth tokens ("logout tokens"): kept across logins so that logging in again on this
//! device can skip the code (core.telegram.org/api/auth, "Future auth tokens").
//!
//! At most [`LogoutTokens::MAX`] are kept, newest first; adding one already present moves it to
//! the front. [`LogoutTokens::encode`] gives a stable, versioned byte encoding (for file-backed
//! stores) that [`LogoutTokens::decode`] checks strictly.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

const MAGIC: &[u8; 4] = b"TGLT";
const VERSION: u8 = 1;
/// The longest token accepted; Telegram's are a few dozen bytes.
const MAX_TOKEN_LEN: usize = 1024;

/// Why stored logout tokens could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogoutTokensError {
    /// The data does not start with the `TGLT` magic.
    #[error("not a logout-token file (bad magic)")]
    BadMagic,
    /// A version this code does not know.
    #[error("unsupported logout-token format version {0}")]
    UnsupportedVersion(u8),
    /// The data ended early.
    #[error("logout-token data is truncated")]
    Truncated,
    /// More tokens than allowed, an empty or oversized token, or bytes after the checksum.
    #[error("logout-token data is malformed: {0}")]
    Malformed(&'static str),
    /// The checksum does not match the contents.
    #[error("logout-token data is corrupt (checksum mismatch)")]
    ChecksumMismatch,
}

/// A bounded, deduplicated list of future auth tokens, newest first.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LogoutTokens {
    tokens: Vec<Vec<u8>>,
}

impl std::fmt::Debug for LogoutTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogoutTokens({} tokens, redacted)", self.tokens.len())
    }
}

impl Drop for LogoutTokens {
    fn drop(&mut self) {
        for t in &mut self.tokens {
            t.zeroize();
        }
    }
}

impl LogoutTokens {
    /// How many tokens Telegram wants kept at most.
    pub const MAX: usize = 20;

    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a token as the newest; a duplicate moves to the front, the oldest beyond
    /// [`Self::MAX`] is dropped. Empty or oversized tokens are ignored; returns whether the list
    /// changed.
    pub fn push(&mut self, token: &[u8]) -> bool {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return false;
        }
        if self.tokens.first().is_some_and(|t| t == token) {
            return false;
        }
        if let Some(pos) = self.tokens.iter().position(|t| t == token) {
            let t = self.tokens.remove(pos);
            self.tokens.insert(0, t);
            return true;
        }
        self.tokens.insert(0, token.to_vec());
        while self.tokens.len() > Self::MAX {
            if let Some(mut old) = self.tokens.pop() {
                old.zeroize();
            }
        }
        true
    }

    /// Forgets a token (e.g. after it was used); returns whether it was present.
    pub fn remove(&mut self, token: &[u8]) -> bool {
        match self.tokens.iter().position(|t| t == token) {
            Some(pos) => {
                self.tokens.remove(pos).zeroize();
                true
            }
            None => false,
        }
    }

    /// The tokens, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.tokens.iter().map(Vec::as_slice)
    }

    /// How many tokens are kept.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The tokens as `codeSettings.logout_tokens` wants them, in wiping storage.
    pub fn to_vec(&self) -> Vec<crate::tl::SecretBytes> {
        self.tokens
            .iter()
            .map(|t| crate::tl::SecretBytes::from(t.as_slice()))
            .collect()
    }

    /// Stable encoding: `"TGLT"`, version `1`, count (u8), then per token a little-endian u16
    /// length and its bytes, then the first 8 bytes of SHA-256 over everything before.
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(8 + self.tokens.iter().map(|t| t.len() + 2).sum::<usize>());
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        // At most MAX (20) tokens are ever kept, so the count fits a byte.
        out.push(self.tokens.len().min(Self::MAX) as u8);
        for t in self.tokens.iter().take(Self::MAX) {
            // Tokens are at most MAX_TOKEN_LEN (1024) bytes, so the length fits a u16.
            out.extend_from_slice(&(t.len() as u16).to_le_bytes());
            out.extend_from_slice(t);
        }
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum[..8]);
        out
    }

    /// Reads what [`Self::encode`] wrote; anything else is an error, never a partial list.
    pub fn decode(bytes: &[u8]) -> Result<Self, LogoutTokensError> {
        if bytes.len() < 4 || &bytes[..4] != MAGIC {
            return Err(if bytes.len() < 4 && MAGIC.starts_with(bytes) {
                LogoutTokensError::Truncated
            } else {
                LogoutTokensError::BadMagic
            });
        }
        let version = *bytes.get(4).ok_or(LogoutTokensError::Truncated)?;
        if version != VERSION {
            return Err(LogoutTokensError::UnsupportedVersion(version));
        }
        let count = usize::from(*bytes.get(5).ok_or(LogoutTokensError::Truncated)?);
        if count > Self::MAX {
            return Err(LogoutTokensError::Malformed("more than 20 tokens"));
        }
        let mut pos = 6;
        let mut tokens: Vec<Vec<u8>> = Vec::with_capacity(count);
        for _ in 0..count {
            let len_bytes = bytes
                .get(pos..pos + 2)
                .ok_or(LogoutTokensError::Truncated)?;
            let len = usize::from(u16::from_le_bytes([len_bytes[0], len_bytes[1]]));
            if len == 0 || len > MAX_TOKEN_LEN {
                return Err(LogoutTokensError::Malformed("token length out of range"));
            }
            pos += 2;
            let token = bytes
                .get(pos..pos + len)
                .ok_or(LogoutTokensError::Truncated)?;
            if tokens.iter().any(|t| t == token) {
                return Err(LogoutTokensError::Malformed("duplicate token"));
            }
            tokens.push(token.to_vec());
            pos += len;
        }
        let sum = bytes
            .get(pos..pos + 8)
            .ok_or(LogoutTokensError::Truncated)?;
        if bytes.len() != pos + 8 {
            return Err(LogoutTokensError::Malformed("bytes after the checksum"));
        }
        if Sha256::digest(&bytes[..pos])[..8] != *sum {
            return Err(LogoutTokensError::ChecksumMismatch);
        }
        Ok(LogoutTokens { tokens })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_twenty_newest_without_duplicates() {
        let mut t = LogoutTokens::new();
        for i in 0..25u8 {
            assert!(t.push(&[i, 1, 2]));
        }
        assert_eq!(t.len(), 20);
        assert_eq!(t.iter().next(), Some(&[24u8, 1, 2][..]));
        assert!(!t.iter().any(|x| x == [4u8, 1, 2]), "oldest dropped");
        assert!(t.push(&[10, 1, 2]), "duplicate moves to the front");
        assert_eq!(t.len(), 20);
        assert_eq!(t.iter().next(), Some(&[10u8, 1, 2][..]));
        assert!(!t.push(&[10, 1, 2]), "already newest: no change");
        assert!(!t.push(&[]));
        assert!(t.remove(&[10, 1, 2]));
        assert!(!t.remove(&[10, 1, 2]));
        assert_eq!(t.len(), 19);
    }

    #[test]
    fn encoding_roundtrips_and_rejects_damage() {
        let mut t = LogoutTokens::new();
        t.push(b"first-token");
        t.push(&[0xab; 300]);
        let bytes = t.encode();
        assert_eq!(LogoutTokens::decode(&bytes), Ok(t.clone()));
        assert_eq!(
            LogoutTokens::decode(&LogoutTokens::new().encode()),
            Ok(LogoutTokens::new())
        );

        assert_eq!(
            LogoutTokens::decode(b"nope"),
            Err(LogoutTokensError::BadMagic)
        );
        assert_eq!(
            LogoutTokens::decode(b"TG"),
            Err(LogoutTokensError::Truncated)
        );
        let mut v2 = bytes.clone();
        v2[4] = 2;
        assert_eq!(
            LogoutTokens::decode(&v2),
            Err(LogoutTokensError::UnsupportedVersion(2))
        );
        let mut flipped = bytes.clone();
        flipped[10] ^= 1;
        assert_eq!(
            LogoutTokens::decode(&flipped),
            Err(LogoutTokensError::ChecksumMismatch)
        );
        for cut in 0..bytes.len() {
            assert!(LogoutTokens::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            LogoutTokens::decode(&long),
            Err(LogoutTokensError::Malformed("bytes after the checksum"))
        );
        let mut many = bytes;
        many[5] = 21;
        assert_eq!(
            LogoutTokens::decode(&many),
            Err(LogoutTokensError::Malformed("more than 20 tokens"))
        );
    }

    #[test]
    fn debug_does_not_print_tokens() {
        let mut t = LogoutTokens::new();
        t.push(b"secret");
        assert_eq!(format!("{t:?}"), "LogoutTokens(1 tokens, redacted)");
    }
}
