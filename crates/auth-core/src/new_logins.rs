//! Confirming logins (core.telegram.org/api/auth, "Confirming login"): when the account logs
//! in somewhere new, its other sessions receive `updateNewAuthorization`. If it is marked
//! `unconfirmed`, the app asks the user whether they recognise the session: yes confirms it
//! (`account.changeAuthorizationSettings` with `confirmed`), no logs it out
//! (`account.resetAuthorization`). Without an answer the server confirms it by itself after
//! `authorization_autoconfirm_period` seconds.
//!
//! [`NewLogin`] is the update as a typed value; [`confirm_login`] and [`reject_login`] build the
//! two answers as [`Call`]s (the shared retry rules included); [`list_authorizations`] fetches
//! the account's sessions.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::machine::{CallEvent, Machine};
//! use auth_core::new_logins::{NewLogin, confirm_login, reject_login};
//! use auth_core::tl::{self, Serialize, enums, functions, types};
//! use auth_core::{DcId, SessionConfig};
//!
//! // An update the session received (here built by hand).
//! let update: enums::Update = types::UpdateNewAuthorization {
//!     hash: 0x5eed,
//!     details: Some(types::NewAuthorizationDetails {
//!         date: 1_767_225_600,
//!         device: "Pixel 9".into(),
//!         location: "Lisbon, Portugal".into(),
//!     }),
//! }.into();
//! let login = NewLogin::from_update(&update).unwrap();
//! assert!(login.unconfirmed);
//! assert_eq!(login.device.as_deref(), Some("Pixel 9"));
//! let recognised = true; // the user's answer
//! let now = Instant::now();
//! let session = SessionConfig::new(DcId(2));
//! if recognised {
//!     let mut call = confirm_login(&session, login.hash, now)?;
//!     let t = call.poll_transmit().unwrap();
//!     let sent: functions::account::ChangeAuthorizationSettings = tl::decode(&t.body).unwrap();
//!     assert!(sent.confirmed && sent.hash == 0x5eed);
//!     call.handle_response(now, t.id, &true.to_bytes())?;
//!     assert_eq!(call.poll_event(), Some(CallEvent::Done(true)));
//! } else {
//!     let _ = reject_login(&session, login.hash, now)?;
//! }
//! # Ok::<(), auth_core::UsageError>(())
//! ```

use std::time::Instant;

use crate::{
    config::SessionConfig,
    error::UsageError,
    machine::Call,
    tl::{self, DecodeError, enums, functions, types},
};

/// A login somewhere else, announced to this session by `updateNewAuthorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLogin {
    /// The new session's hash: what [`confirm_login`] and [`reject_login`] take.
    pub hash: i64,
    /// Whether the user should be asked about it.
    pub unconfirmed: bool,
    /// When it logged in (unix time); sent with unconfirmed logins.
    pub date: Option<i64>,
    /// The device, as the server describes it; sent with unconfirmed logins.
    pub device: Option<String>,
    /// Where it logged in from; sent with unconfirmed logins.
    pub location: Option<String>,
}

impl NewLogin {
    /// The login an update announces; `None` for other updates.
    pub fn from_update(update: &enums::Update) -> Option<NewLogin> {
        match update {
            enums::Update::NewAuthorization(u) => Some(Self::from_tl(u)),
            _ => None,
        }
    }

    /// Decodes a whole boxed `updateNewAuthorization` (as found in an `updates` container).
    ///
    /// # Errors
    ///
    /// The bytes are another constructor, malformed, or have trailing bytes.
    pub fn decode(bytes: &[u8]) -> Result<NewLogin, DecodeError> {
        match tl::decode::<enums::Update>(bytes)? {
            enums::Update::NewAuthorization(u) => Ok(Self::from_tl(&u)),
            other => Err(DecodeError::UnknownConstructor {
                id: other.constructor_id(),
                expected: "updateNewAuthorization",
            }),
        }
    }

    fn from_tl(u: &types::UpdateNewAuthorization) -> NewLogin {
        let details = u.details.as_ref();
        NewLogin {
            hash: u.hash,
            unconfirmed: u.unconfirmed(),
            date: details.map(|d| i64::from(d.date)),
            device: details.map(|d| d.device.clone()),
            location: details.map(|d| d.location.clone()),
        }
    }
}

/// "Yes, that was me": `account.changeAuthorizationSettings(confirmed, hash)`, answered with
/// `true`, on a logged-in session.
///
/// # Errors
///
/// An unsupported layer, or a DC id that is not positive.
pub fn confirm_login(
    session: &SessionConfig,
    hash: i64,
    now: Instant,
) -> Result<Call<functions::account::ChangeAuthorizationSettings>, UsageError> {
    let call = functions::account::ChangeAuthorizationSettings {
        confirmed: true,
        hash,
        encrypted_requests_disabled: None,
        call_requests_disabled: None,
    };
    Call::new(session, call, now)
}

/// "No, log it out": `account.resetAuthorization(hash)`, answered with `true`, on a logged-in
/// session.
///
/// # Errors
///
/// An unsupported layer, or a DC id that is not positive.
pub fn reject_login(
    session: &SessionConfig,
    hash: i64,
    now: Instant,
) -> Result<Call<functions::account::ResetAuthorization>, UsageError> {
    Call::new(
        session,
        functions::account::ResetAuthorization { hash },
        now,
    )
}

/// The account's sessions: `account.getAuthorizations`, answered with
/// `account.authorizations` (each `authorization` has its `hash` and `unconfirmed` flag).
///
/// # Errors
///
/// An unsupported layer, or a DC id that is not positive.
pub fn list_authorizations(
    session: &SessionConfig,
    now: Instant,
) -> Result<Call<functions::account::GetAuthorizations>, UsageError> {
    Call::new(session, functions::account::GetAuthorizations {}, now)
}
