//! The session file format: fixed-size fields, a magic, a version and a checksum.
//!
//! ```text
//! "TGSF"               magic
//! u8                   version (1)
//! u8                   flags: 1 = home DC present, 2 = user id present; other bits zero
//! i32 LE               home DC (0 when absent)
//! i64 LE               user id (0 when absent)
//! u8                   number of DCs (at most MAX_DCS), then per DC, by ascending id:
//!   i32 LE               DC id
//!   u8                   flags: 1 = test DC, 2 = temporary key, 4 = creation time present
//!   i64 LE               server salt
//!   i32 LE               time offset (seconds)
//!   u64 LE               creation time (Unix seconds; 0 when absent)
//!   [u8; 256]            auth key
//! [u8; 8]              the first 8 bytes of SHA-256 over everything before
//! ```
//!
//! Decoding is strict, so that whatever decodes encodes to the same bytes: unknown flag bits,
//! a non-zero absent field, DCs out of order, trailing bytes and a login without a key on the
//! home DC are all refused.

use std::collections::BTreeMap;

use auth_core::DcId;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{AuthKey, DcKey, MAX_DCS, Session};

const MAGIC: &[u8; 4] = b"TGSF";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 1 + 4 + 8 + 1;
const RECORD_LEN: usize = 4 + 1 + 8 + 4 + 8 + AuthKey::LEN;
const CHECKSUM_LEN: usize = 8;

const HAS_HOME_DC: u8 = 1;
const HAS_USER_ID: u8 = 2;
const TEST_DC: u8 = 1;
const TEMPORARY: u8 = 2;
const HAS_CREATED_AT: u8 = 4;

/// Why bytes are not a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionDecodeError {
    /// The data does not start with the `TGSF` magic.
    #[error("not a session file (bad magic)")]
    BadMagic,
    /// A format version this code does not know.
    #[error("unsupported session format version {0}")]
    UnsupportedVersion(u8),
    /// The data ended early.
    #[error("session data is truncated")]
    Truncated,
    /// A field out of range (more DCs than allowed, unknown flags, DCs out of order, ...) or
    /// bytes after the checksum.
    #[error("session data is malformed: {0}")]
    Malformed(&'static str),
    /// The checksum does not match the contents.
    #[error("session data is corrupt (checksum mismatch)")]
    ChecksumMismatch,
}

impl Session {
    /// The longest encoding: a session with [`MAX_DCS`] keys.
    pub const MAX_ENCODED_LEN: usize = HEADER_LEN + MAX_DCS * RECORD_LEN + CHECKSUM_LEN;

    /// The file format (see the module docs of `session::encoding`): holds the auth keys, so
    /// the buffer is wiped on drop (and sized once, so no reallocation leaves a copy).
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let len = HEADER_LEN + self.keys.len() * RECORD_LEN + CHECKSUM_LEN;
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let flags = if self.home_dc.is_some() {
            HAS_HOME_DC
        } else {
            0
        } | if self.user_id.is_some() {
            HAS_USER_ID
        } else {
            0
        };
        out.push(flags);
        out.extend_from_slice(&self.home_dc.map_or(0, |dc| dc.0).to_le_bytes());
        out.extend_from_slice(&self.user_id.unwrap_or(0).to_le_bytes());
        // A session never holds more than MAX_DCS (32) keys, so the count fits a byte.
        out.push(self.keys.len() as u8);
        for (dc, key) in &self.keys {
            out.extend_from_slice(&dc.0.to_le_bytes());
            let flags = if key.test_dc { TEST_DC } else { 0 }
                | if key.temporary { TEMPORARY } else { 0 }
                | if key.created_at.is_some() {
                    HAS_CREATED_AT
                } else {
                    0
                };
            out.push(flags);
            out.extend_from_slice(&key.server_salt.to_le_bytes());
            out.extend_from_slice(&key.time_offset.to_le_bytes());
            out.extend_from_slice(&key.created_at.unwrap_or(0).to_le_bytes());
            out.extend_from_slice(key.auth_key.as_bytes());
        }
        let sum = Sha256::digest(&out[..]);
        out.extend_from_slice(&sum[..CHECKSUM_LEN]);
        debug_assert_eq!(out.len(), len);
        out
    }

    /// Reads what [`Session::encode`] wrote; anything else is an error, never a partial
    /// session. Allocates nothing beyond the keys it returns.
    ///
    /// # Errors
    ///
    /// [`SessionDecodeError`]: which check failed, in the order magic, version, length,
    /// checksum, fields.
    pub fn decode(bytes: &[u8]) -> Result<Session, SessionDecodeError> {
        if !bytes.starts_with(MAGIC) {
            return Err(if MAGIC.starts_with(bytes) {
                SessionDecodeError::Truncated
            } else {
                SessionDecodeError::BadMagic
            });
        }
        let mut r = Reader { bytes, pos: 4 };
        let version = r.u8()?;
        if version != VERSION {
            return Err(SessionDecodeError::UnsupportedVersion(version));
        }
        let flags = r.u8()?;
        let home_dc = r.i32()?;
        let user_id = r.i64()?;
        let count = usize::from(r.u8()?);
        if count > MAX_DCS {
            return Err(SessionDecodeError::Malformed(
                "more data centers than allowed",
            ));
        }
        let len = HEADER_LEN + count * RECORD_LEN + CHECKSUM_LEN;
        if bytes.len() < len {
            return Err(SessionDecodeError::Truncated);
        }
        if bytes.len() > len {
            return Err(SessionDecodeError::Malformed("bytes after the checksum"));
        }
        let body = len - CHECKSUM_LEN;
        if Sha256::digest(&bytes[..body])[..CHECKSUM_LEN] != bytes[body..] {
            return Err(SessionDecodeError::ChecksumMismatch);
        }

        if flags & !(HAS_HOME_DC | HAS_USER_ID) != 0 {
            return Err(SessionDecodeError::Malformed("unknown session flags"));
        }
        let home_dc = optional(flags & HAS_HOME_DC != 0, home_dc)?.map(DcId);
        let user_id = optional(flags & HAS_USER_ID != 0, user_id)?;
        let mut keys = BTreeMap::new();
        let mut previous: Option<DcId> = None;
        for _ in 0..count {
            let dc = DcId(r.i32()?);
            if previous.is_some_and(|p| p >= dc) {
                return Err(SessionDecodeError::Malformed(
                    "data centers not in ascending order",
                ));
            }
            previous = Some(dc);
            let flags = r.u8()?;
            if flags & !(TEST_DC | TEMPORARY | HAS_CREATED_AT) != 0 {
                return Err(SessionDecodeError::Malformed("unknown key flags"));
            }
            let server_salt = r.i64()?;
            let time_offset = r.i32()?;
            let created_at = optional(flags & HAS_CREATED_AT != 0, r.u64()?)?;
            let auth_key =
                AuthKey::from_slice(r.take(AuthKey::LEN)?).ok_or(SessionDecodeError::Truncated)?;
            let key = DcKey {
                auth_key,
                server_salt,
                time_offset,
                test_dc: flags & TEST_DC != 0,
                temporary: flags & TEMPORARY != 0,
                created_at,
            };
            keys.insert(dc, key);
        }
        if user_id.is_some() && !home_dc.is_some_and(|dc| keys.contains_key(&dc)) {
            return Err(SessionDecodeError::Malformed(
                "logged in without a key on the home DC",
            ));
        }
        Ok(Session {
            keys,
            home_dc,
            user_id,
        })
    }
}

/// `Some(value)` if present; an absent value must be encoded as zero.
fn optional<T: Default + PartialEq>(
    present: bool,
    value: T,
) -> Result<Option<T>, SessionDecodeError> {
    match present {
        true => Ok(Some(value)),
        false if value == T::default() => Ok(None),
        false => Err(SessionDecodeError::Malformed("an absent field is not zero")),
    }
}

/// Little-endian fields from the front of a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SessionDecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or(SessionDecodeError::Truncated)?;
        let field = self
            .bytes
            .get(self.pos..end)
            .ok_or(SessionDecodeError::Truncated)?;
        self.pos = end;
        Ok(field)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SessionDecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, SessionDecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn i32(&mut self) -> Result<i32, SessionDecodeError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, SessionDecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, SessionDecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> AuthKey {
        AuthKey::new(&[byte; AuthKey::LEN])
    }

    fn sample() -> Session {
        let mut s = Session::new();
        let mut k2 = DcKey::new(key(2));
        k2.server_salt = -7;
        k2.time_offset = -3;
        k2.created_at = Some(1_700_000_000);
        s.put_key(DcId(2), k2).unwrap();
        let mut k4 = DcKey::new(key(4));
        k4.test_dc = true;
        k4.temporary = true;
        s.put_key(DcId(4), k4).unwrap();
        s.set_logged_in(DcId(2), 777).unwrap();
        s
    }

    /// Recomputes the checksum, so that a field check (not the checksum) is what refuses.
    fn reseal(bytes: &mut [u8]) {
        let body = bytes.len() - CHECKSUM_LEN;
        let sum = Sha256::digest(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum[..CHECKSUM_LEN]);
    }

    #[test]
    fn round_trips_and_has_the_documented_layout() {
        let s = sample();
        let bytes = s.encode();
        assert_eq!(bytes.len(), HEADER_LEN + 2 * RECORD_LEN + CHECKSUM_LEN);
        assert_eq!(&bytes[..6], b"TGSF\x01\x03");
        assert_eq!(&bytes[6..10], &2i32.to_le_bytes());
        assert_eq!(&bytes[10..18], &777i64.to_le_bytes());
        assert_eq!(bytes[18], 2);
        assert_eq!(&bytes[19..23], &2i32.to_le_bytes());
        assert_eq!(bytes[23], HAS_CREATED_AT);
        assert_eq!(Session::decode(&bytes), Ok(s));
        assert_eq!(
            Session::decode(&Session::new().encode()),
            Ok(Session::new())
        );
    }

    #[test]
    fn every_damage_is_a_typed_error() {
        use SessionDecodeError::*;
        let bytes = sample().encode();
        let edit = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = bytes.to_vec();
            f(&mut b);
            b
        };
        let resealed = |f: &dyn Fn(&mut Vec<u8>)| {
            edit(&|b| {
                f(b);
                reseal(b);
            })
        };
        let second_record = 19 + RECORD_LEN;
        let cases = [
            (b"TG".to_vec(), Truncated),
            (b"TGLT\x01".to_vec(), BadMagic),
            (edit(&|b| b[4] = 2), UnsupportedVersion(2)),
            (edit(&|b| b[100] ^= 1), ChecksumMismatch),
            (edit(&|b| b.push(0)), Malformed("bytes after the checksum")),
            (
                edit(&|b| b[18] = 33),
                Malformed("more data centers than allowed"),
            ),
            (
                edit(&|b| b[18] = 255),
                Malformed("more data centers than allowed"),
            ),
            (edit(&|b| b[18] = 3), Truncated),
            (resealed(&|b| b[5] |= 8), Malformed("unknown session flags")),
            (resealed(&|b| b[23] |= 8), Malformed("unknown key flags")),
            (
                resealed(&|b| b[5] = 0),
                Malformed("an absent field is not zero"),
            ),
            (
                resealed(&|b| b[second_record] = 1),
                Malformed("data centers not in ascending order"),
            ),
            (
                resealed(&|b| b[6] = 3),
                Malformed("logged in without a key on the home DC"),
            ),
        ];
        for (i, (damaged, error)) in cases.iter().enumerate() {
            assert_eq!(Session::decode(damaged).as_ref(), Err(error), "case {i}");
        }
        for cut in 0..bytes.len() {
            assert_eq!(
                Session::decode(&bytes[..cut]),
                Err(SessionDecodeError::Truncated),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn keys_are_never_printed_and_compare_by_value() {
        let s = sample();
        let debug = format!("{s:?}");
        assert!(debug.contains("AuthKey(redacted)"), "{debug}");
        assert!(!debug.contains("[2, 2, 2"), "{debug}");
        assert!(key(1) == key(1) && key(1) != key(2));
    }
}
