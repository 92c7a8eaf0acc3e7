//! Per-key state: who a (DC, auth key) pair is logged in as, its SRP attempt, and the API
//! layer its client declared.

use std::collections::BTreeMap;

use auth_core::DcId;
use auth_core::srp::ServerSession;
use auth_core::tl::Layer;

/// One MTProto auth key: keys are per DC, so the pair identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId {
    /// The DC the key lives on.
    pub dc: DcId,
    /// The client's key (its `auth_key_id`, or any number standing for it).
    pub key: u64,
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} key {:#x}", self.dc, self.key)
    }
}

/// Whether a key is logged in, as the inspection API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// Not logged in: only the methods allowed before authorization work.
    Unauthorized,
    /// The login code was accepted (or a logout token matched) and the account's 2FA password
    /// is awaited: the allowed methods plus email password recovery work.
    PasswordPending {
        /// The account logging in.
        user_id: i64,
    },
    /// Logged in as this user (or bot).
    Authorized {
        /// The account.
        user_id: i64,
    },
}

/// An SRP attempt opened by `account.getPassword`.
#[derive(Debug, Clone)]
pub(crate) struct SrpAttempt {
    pub(crate) srp_id: i64,
    pub(crate) user_id: i64,
    pub(crate) session: ServerSession,
}

/// Everything the server remembers about one key.
#[derive(Debug, Clone)]
pub(crate) struct KeyState {
    pub(crate) status: KeyStatus,
    /// The latest `account.getPassword` answer's attempt; older `srp_id`s are stale.
    pub(crate) srp: Option<SrpAttempt>,
    /// The layer the client declared (`invokeWithLayer`), if it did.
    pub(crate) layer: Option<Layer>,
}

impl Default for KeyState {
    fn default() -> Self {
        KeyState {
            status: KeyStatus::Unauthorized,
            srp: None,
            layer: None,
        }
    }
}

/// All keys that ever did something.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    map: BTreeMap<KeyId, KeyState>,
}

impl Keys {
    pub(crate) fn status(&self, at: KeyId) -> KeyStatus {
        self.map
            .get(&at)
            .map_or(KeyStatus::Unauthorized, |k| k.status)
    }

    pub(crate) fn set_status(&mut self, at: KeyId, status: KeyStatus) {
        let state = self.map.entry(at).or_default();
        state.status = status;
        state.srp = None;
    }

    pub(crate) fn state_mut(&mut self, at: KeyId) -> &mut KeyState {
        self.map.entry(at).or_default()
    }

    /// The user a key acts for: logged in, or logging in with the password pending.
    pub(crate) fn user(&self, at: KeyId) -> Option<i64> {
        match self.status(at) {
            KeyStatus::Unauthorized => None,
            KeyStatus::PasswordPending { user_id } | KeyStatus::Authorized { user_id } => {
                Some(user_id)
            }
        }
    }

    /// The layer the key's client speaks: the one it declared last, else [`Layer::DEFAULT`].
    pub(crate) fn layer(&self, at: KeyId) -> Layer {
        self.map
            .get(&at)
            .and_then(|k| k.layer)
            .unwrap_or(Layer::DEFAULT)
    }

    pub(crate) fn set_layer(&mut self, at: KeyId, layer: Layer) {
        self.map.entry(at).or_default().layer = Some(layer);
    }

    /// Every key and its status.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (KeyId, KeyStatus)> + '_ {
        self.map.iter().map(|(k, s)| (*k, s.status))
    }
}
