//! [`Session`]: what an MTProto client keeps between runs — per data center the auth key, its
//! server salt and clock offset; the home DC and the logged-in user.

use std::collections::BTreeMap;
use std::fmt;

use auth_core::DcId;
use zeroize::Zeroize;

use crate::error::SaveError;

mod encoding;

pub use encoding::SessionDecodeError;

/// How many data centers' keys a session holds at most (Telegram has five, plus test, media
/// and CDN DCs): a bound for the file, far above what a client uses.
pub const MAX_DCS: usize = 32;

/// Why a change to a [`SessionFile`](crate::SessionFile) was not made, or not made durable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    /// Caller misuse: the change needs an auth key for this DC and the session has none.
    /// Nothing was written.
    #[error("no auth key is stored for {0}")]
    NoKey(DcId),
    /// Caller misuse: a key for one more DC than the file holds. Nothing was written.
    #[error("at most {MAX_DCS} data centers' keys are stored")]
    TooManyDcs,
    /// The save failed (see [`SaveError`]).
    #[error(transparent)]
    Save(#[from] SaveError),
}

/// An MTProto auth key: 2048 bits shared with one data center. Wiped on drop, never printed.
///
/// Boxed, so that moving a key around does not leave copies of it on the stack.
#[derive(Clone)]
pub struct AuthKey(Box<[u8; AuthKey::LEN]>);

impl AuthKey {
    /// An auth key's length in bytes.
    pub const LEN: usize = 256;

    /// The key with these bytes.
    pub fn new(bytes: &[u8; AuthKey::LEN]) -> AuthKey {
        let mut key = Box::new([0u8; AuthKey::LEN]);
        key.copy_from_slice(bytes);
        AuthKey(key)
    }

    /// The key with these bytes, or `None` if they are not [`AuthKey::LEN`] long.
    pub fn from_slice(bytes: &[u8]) -> Option<AuthKey> {
        let bytes: &[u8; AuthKey::LEN] = bytes.try_into().ok()?;
        Some(AuthKey::new(bytes))
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; AuthKey::LEN] {
        &self.0
    }
}

impl PartialEq for AuthKey {
    /// Compares every byte, whatever the first difference, so the time taken says nothing
    /// about where the keys differ.
    fn eq(&self, other: &AuthKey) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Eq for AuthKey {}

impl Drop for AuthKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthKey(redacted)")
    }
}

/// What a client keeps for one data center: its auth key and the session values that go with
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DcKey {
    /// The auth key.
    pub auth_key: AuthKey,
    /// The server salt to put in the next message (the latest `new_session_created` or
    /// `bad_server_salt` told it).
    pub server_salt: i64,
    /// Server time minus local time, in seconds (for message ids).
    pub time_offset: i32,
    /// Whether the key belongs to one of Telegram's test DCs.
    pub test_dc: bool,
    /// Whether it is a temporary key (bound to a permanent one, for perfect forward secrecy).
    pub temporary: bool,
    /// When the key was made, in seconds since the Unix epoch, if known.
    pub created_at: Option<u64>,
}

impl DcKey {
    /// A fresh key's entry: salt 0, no clock offset, a permanent production key, creation time
    /// unknown.
    pub fn new(auth_key: AuthKey) -> DcKey {
        DcKey {
            auth_key,
            server_salt: 0,
            time_offset: 0,
            test_dc: false,
            temporary: false,
            created_at: None,
        }
    }
}

/// The keys of every data center a client talked to, its home DC and the logged-in user.
///
/// Invariant: a logged-in user has a home DC, and that DC has a key (the authorization is
/// bound to it). [`SessionFile`](crate::SessionFile) changes a session; [`Session::encode`] and
/// [`Session::decode`] are its file format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    keys: BTreeMap<DcId, DcKey>,
    home_dc: Option<DcId>,
    user_id: Option<i64>,
}

impl Session {
    /// A session with no keys, no home DC, nobody logged in.
    pub fn new() -> Session {
        Session::default()
    }

    /// The key state of `dc`, if the session has a key there.
    pub fn key(&self, dc: DcId) -> Option<&DcKey> {
        self.keys.get(&dc)
    }

    /// Every DC's key state, by DC id.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = (DcId, &DcKey)> {
        self.keys.iter().map(|(dc, key)| (*dc, key))
    }

    /// The user's home DC, where logins and authorized calls go, if known.
    pub fn home_dc(&self) -> Option<DcId> {
        self.home_dc
    }

    /// The logged-in user's id, if the key of the home DC is logged in.
    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.home_dc.is_none() && self.user_id.is_none()
    }

    pub(crate) fn key_mut(&mut self, dc: DcId) -> Option<&mut DcKey> {
        self.keys.get_mut(&dc)
    }

    /// Adds or replaces `dc`'s key state. A new key for the home DC is not logged in: the
    /// login was bound to the old key.
    pub(crate) fn put_key(&mut self, dc: DcId, key: DcKey) -> Result<(), ChangeError> {
        match self.keys.get(&dc) {
            None if self.keys.len() >= MAX_DCS => return Err(ChangeError::TooManyDcs),
            Some(old) if old.auth_key != key.auth_key && self.home_dc == Some(dc) => {
                self.user_id = None;
            }
            _ => {}
        }
        self.keys.insert(dc, key);
        Ok(())
    }

    /// Forgets `dc`'s key; if it was the home DC's, the login goes with it.
    pub(crate) fn drop_key(&mut self, dc: DcId) {
        if self.keys.remove(&dc).is_some() && self.home_dc == Some(dc) {
            self.user_id = None;
        }
    }

    /// Sets the home DC; moving it elsewhere ends the recorded login (it was on the old DC).
    pub(crate) fn set_home_dc(&mut self, dc: DcId) {
        if self.home_dc != Some(dc) {
            self.user_id = None;
        }
        self.home_dc = Some(dc);
    }

    /// Records `user_id` as logged in on `dc`, which becomes the home DC.
    pub(crate) fn set_logged_in(&mut self, dc: DcId, user_id: i64) -> Result<(), ChangeError> {
        if !self.keys.contains_key(&dc) {
            return Err(ChangeError::NoKey(dc));
        }
        self.home_dc = Some(dc);
        self.user_id = Some(user_id);
        Ok(())
    }
}
