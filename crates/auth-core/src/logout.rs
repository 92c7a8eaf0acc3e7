//! Logging out: `auth.logOut` → `auth.loggedOut{future_auth_token}`, as a sans-IO machine.
//!
//! The server may hand back a *future auth token*: kept with the device's
//! [`LogoutTokens`](crate::logout_tokens::LogoutTokens) and sent with the next
//! `auth.sendCode`, it lets the same account log in again without a code.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::logout::{Logout, LogoutEvent};
//! use auth_core::logout_tokens::LogoutTokens;
//! use auth_core::machine::Machine;
//! use auth_core::tl::{Serialize, enums, types};
//! use auth_core::{DcId, SessionConfig};
//!
//! let mut tokens = LogoutTokens::new(); // the device's store (e.g. a file)
//! let now = Instant::now();
//! let mut logout = Logout::new(&SessionConfig::new(DcId(2)), now)?;
//! let t = logout.poll_transmit().unwrap(); // auth.logOut, on the logged-in key of DC 2
//! let reply = enums::auth::LoggedOut::from(types::auth::LoggedOut { future_auth_token: Some(vec![7; 32].into()) });
//! logout.handle_response(now, t.id, &reply.to_bytes())?;
//! match logout.poll_event() {
//!     Some(LogoutEvent::Done(Some(token))) => {
//!         assert_eq!(format!("{token:?}"), "FutureAuthToken(<redacted>)");
//!         tokens.push(token.as_bytes());
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(tokens.iter().next(), Some(&[7u8; 32][..]));
//! // The next login sends them: `Config::logout_tokens = tokens`.
//! # Ok::<(), auth_core::UsageError>(())
//! ```

use std::collections::VecDeque;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    DcId, Error,
    config::SessionConfig,
    error::UsageError,
    machine::{Call, CallEvent, Machine},
    phase::Phase,
    tl::{enums, functions},
};

/// A future auth token from `auth.loggedOut`. Zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct FutureAuthToken(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for FutureAuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FutureAuthToken(<redacted>)")
    }
}

impl FutureAuthToken {
    /// The token's bytes, for [`LogoutTokens::push`](crate::logout_tokens::LogoutTokens::push).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// What a [`Logout`] tells its caller. `Done` and `Failed` are terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LogoutEvent {
    /// The server asked to wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call is re-sent.
        until: Instant,
    },
    /// Logged out; keep the token, if any, with the device's logout tokens. Terminal.
    Done(Option<FutureAuthToken>),
    /// The server refused (e.g. `401 AUTH_KEY_UNREGISTERED`: the key was not logged in) or the
    /// call failed otherwise. Terminal.
    Failed(Error),
}

impl LogoutEvent {
    /// Whether this event ends the logout.
    pub fn is_terminal(&self) -> bool {
        matches!(self, LogoutEvent::Done(_) | LogoutEvent::Failed(_))
    }
}

/// `auth.logOut` on the session of one data center.
///
/// Driven through [`Machine`]: `poll_*` for output, `handle_*` for input; getter
/// [`dc`](Self::dc); phases `Working` and `Finished`; no commands. Unlike other calls, a
/// `*_MIGRATE_X` answer is not followed: logging out applies to the key the call is sent on,
/// and logging out another DC's key instead would leave this one logged in. It fails with the
/// RPC error instead.
#[derive(Debug)]
pub struct Logout {
    call: Call<functions::auth::LogOut>,
    events: VecDeque<LogoutEvent>,
    finished: bool,
}

impl Logout {
    /// Queues `auth.logOut` for the session of `session.dc` (the DC of the
    /// [`Authorization`](crate::Authorization)).
    ///
    /// # Errors
    ///
    /// An unsupported layer, or a DC id that is not positive.
    pub fn new(session: &SessionConfig, now: Instant) -> Result<Self, UsageError> {
        let layer = session.check()?;
        let call = Call::start(
            session.dc,
            layer,
            session.retry.clone(),
            functions::auth::LogOut {},
            0,
            now,
        )
        .pinned();
        Ok(Logout {
            call,
            events: VecDeque::new(),
            finished: false,
        })
    }

    // ----- getters -----

    /// The data center whose session is logged out.
    pub fn dc(&self) -> DcId {
        self.call.dc()
    }

    // ----- internals -----

    fn pump(&mut self) {
        while let Some(event) = self.call.poll_event() {
            let event = match event {
                // Not produced: migrations are off.
                CallEvent::DcChanged(_) => continue,
                CallEvent::FloodWait { seconds, until } => {
                    LogoutEvent::FloodWait { seconds, until }
                }
                CallEvent::Done(enums::auth::LoggedOut::LoggedOut(out)) => {
                    self.finished = true;
                    LogoutEvent::Done(
                        out.future_auth_token
                            .filter(|t| !t.is_empty())
                            .map(|t| FutureAuthToken(t.into_inner())),
                    )
                }
                CallEvent::Failed(e) => {
                    self.finished = true;
                    LogoutEvent::Failed(e)
                }
            };
            self.events.push_back(event);
        }
    }
}

crate::machine::forward_machine!(
    Logout,
    LogoutEvent,
    call,
    pump: |this, now| { let _ = now; this.pump() },
    phase: |me| if me.finished { Phase::Finished } else { Phase::Working },
);
