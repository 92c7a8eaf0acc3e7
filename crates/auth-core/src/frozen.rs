//! Frozen accounts (core.telegram.org/api/auth, "Frozen accounts"): an account frozen for
//! violating the terms of service is read-only. Many methods then fail with
//! `420 FROZEN_METHOD_INVALID` (the method is not allowed at all) or
//! `400 FROZEN_PARTICIPANT_MISSING` (the method is, but not on that peer).
//!
//! These are no flood waits, although `FROZEN_METHOD_INVALID` shares code 420 with
//! `FLOOD_WAIT_X`: errors are classified by name, so a [`Call`](crate::machine::Call) never
//! waits and retries them; it fails with [`Error::Rpc`], and [`Error::frozen`] tells the app to
//! explain. The app should then call `help.getAppConfig`, whose `freeze_since_date`,
//! `freeze_until_date` (when the account will be deleted unless an appeal succeeds) and
//! `freeze_appeal_url` fields are filled in for frozen accounts, and show them.
//!
//! ```
//! use auth_core::frozen::Frozen;
//! use auth_core::{Error, RpcError};
//!
//! let error = Error::Rpc { method: "messages.sendMessage", error: RpcError::new(420, "FROZEN_METHOD_INVALID") };
//! if let Some(frozen) = error.frozen() {
//!     assert_eq!(frozen, Frozen::MethodInvalid);
//!     println!("{}", frozen.explanation()); // then fetch help.getAppConfig's freeze_* fields
//! }
//! let flood = Error::Rpc { method: "m", error: RpcError::new(420, "FLOOD_WAIT_5") };
//! assert!(!flood.is_frozen());
//! ```

use crate::{Error, RpcError, RpcErrorKind};

/// How a frozen account's refusal reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frozen {
    /// `FROZEN_METHOD_INVALID`: frozen accounts cannot use this method at all.
    MethodInvalid,
    /// `FROZEN_PARTICIPANT_MISSING`: frozen accounts cannot reach this peer.
    ParticipantMissing,
}

impl Frozen {
    /// Whether `error` is a frozen account's refusal, and which.
    pub fn of(error: &RpcError) -> Option<Frozen> {
        match error.kind() {
            RpcErrorKind::FrozenMethodInvalid => Some(Frozen::MethodInvalid),
            RpcErrorKind::FrozenParticipantMissing => Some(Frozen::ParticipantMissing),
            _ => None,
        }
    }

    /// A sentence to show the user.
    pub fn explanation(self) -> &'static str {
        match self {
            Frozen::MethodInvalid => {
                "Your account is frozen: it is read-only and this action is not available."
            }
            Frozen::ParticipantMissing => {
                "Your account is frozen: it cannot reach this chat or user."
            }
        }
    }
}

impl Error {
    /// Whether the flow failed because the account is frozen, and how.
    pub fn frozen(&self) -> Option<Frozen> {
        self.rpc_error().and_then(Frozen::of)
    }

    /// Whether the call failed because the account is frozen (see [`frozen`](Self::frozen)).
    pub fn is_frozen(&self) -> bool {
        self.frozen().is_some()
    }
}
