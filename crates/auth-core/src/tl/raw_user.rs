//! [`RawUser`]: a `User` as the server sent it.

use super::codec::{DecodeError, Deserialize, Reader, Serialize};
use super::{DeserializeAt, LayerMask, enums};

/// A `User` exactly as the server sent it, with what the core needs from it.
///
/// `user`'s layout changes between layers (layer 228 added a field), and the core needs only
/// the id and whether it is a bot. The bytes are kept as received, so a caller decodes them
/// with its own types, at its own layer; the core checked that they are a `User` of the
/// session's layer.
///
/// ```
/// use auth_core::tl::{RawUser, Serialize, enums, types};
/// let user = enums::User::from(types::User { id: 1001, bot_info_version: Some(1), ..Default::default() });
/// let raw = RawUser::from(user.clone());
/// assert_eq!((raw.id(), raw.is_bot(), raw.is_empty()), (1001, true, false));
/// assert_eq!(raw.bytes(), user.to_bytes());
/// assert_eq!(raw.decode(), Ok(user));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RawUser {
    bytes: Vec<u8>,
    id: i64,
    is_bot: bool,
}

impl RawUser {
    /// The boxed TL bytes, as received.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The boxed TL bytes, as received.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The user's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Whether the user is a bot.
    pub fn is_bot(&self) -> bool {
        self.is_bot
    }

    /// The constructor: `userEmpty` or one of `user`'s layouts.
    pub fn constructor_id(&self) -> u32 {
        let id: [u8; 4] = self
            .bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default();
        u32::from_le_bytes(id)
    }

    /// Whether this is `userEmpty` (the server knows nothing more than the id).
    pub fn is_empty(&self) -> bool {
        matches!(
            super::decode::<enums::User>(&self.bytes),
            Ok(enums::User::Empty(_))
        )
    }

    /// Decodes the bytes with this crate's types (any layer's layout).
    ///
    /// # Errors
    ///
    /// None for bytes this crate decoded or encoded itself.
    pub fn decode(&self) -> Result<enums::User, DecodeError> {
        super::decode(&self.bytes)
    }
}

impl From<enums::User> for RawUser {
    fn from(user: enums::User) -> Self {
        let bytes = user.to_bytes();
        RawUser::with_bytes(bytes, user)
    }
}

impl RawUser {
    fn with_bytes(bytes: Vec<u8>, user: enums::User) -> Self {
        let id = user.id();
        let is_bot = matches!(user.to_latest(), enums::User::User(u) if u.bot());
        RawUser { bytes, id, is_bot }
    }
}

impl Default for RawUser {
    /// `userEmpty` with id 0.
    fn default() -> Self {
        RawUser::from(enums::User::default())
    }
}

impl std::fmt::Debug for RawUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawUser")
            .field("id", &self.id)
            .field("is_bot", &self.is_bot)
            .field(
                "constructor_id",
                &format_args!("{:#010x}", self.constructor_id()),
            )
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Serialize for RawUser {
    fn serialize(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.bytes);
    }

    fn encoded_len(&self) -> Result<usize, super::EncodeError> {
        Ok(self.bytes.len())
    }
}

impl Deserialize for RawUser {
    fn deserialize(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::deserialize_at(r, LayerMask::ALL)
    }
}

impl DeserializeAt for RawUser {
    fn deserialize_at(r: &mut Reader<'_>, layers: LayerMask) -> Result<Self, DecodeError> {
        let start = r.remaining();
        let user = enums::User::deserialize_at(r, layers)?;
        let used = start.len() - r.remaining().len();
        Ok(RawUser::with_bytes(start[..used].to_vec(), user))
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for RawUser {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        enums::User::arbitrary(u).map(RawUser::from)
    }
}
