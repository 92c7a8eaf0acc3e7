//! Handing an authorization over to another data center (core.telegram.org/api/datacenter):
//! `auth.exportAuthorization(dc_id)` on the home DC, then `auth.importAuthorization(id, bytes)`
//! on the target DC, as one sans-IO machine.
//!
//! A client needs this when it must talk to a DC other than its home one while logged in (to
//! download a file stored there, say): the target DC's key is not authorized until the
//! exported authorization is imported on it.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::handoff::{Handoff, HandoffEvent};
//! use auth_core::machine::{Machine, RetryPolicy};
//! use auth_core::tl::{self, Serialize, enums, functions, types};
//! use auth_core::DcId;
//!
//! let now = Instant::now();
//! let mut handoff = Handoff::new(DcId(2), DcId(4), RetryPolicy::default(), now)?;
//! let export = handoff.poll_transmit().unwrap();
//! assert_eq!(export.dc, DcId(2));
//! let exported = types::auth::ExportedAuthorization { id: 77, bytes: vec![1, 2, 3] };
//! handoff.handle_response(now, export.id, &enums::auth::ExportedAuthorization::from(exported).to_bytes()).unwrap();
//! assert_eq!(handoff.poll_event(), Some(HandoffEvent::Exported));
//! let import = handoff.poll_transmit().unwrap();
//! assert_eq!(import.dc, DcId(4));
//! assert_ne!(import.id, export.id);
//! let call: functions::auth::ImportAuthorization = tl::decode(&import.body).unwrap();
//! assert_eq!((call.id, call.bytes), (77, vec![1, 2, 3]));
//! let user = types::User { is_self: true, id: 1001, ..Default::default() };
//! let auth = enums::auth::Authorization::from(types::auth::Authorization { user: user.into(), ..Default::default() });
//! handoff.handle_response(now, import.id, &auth.to_bytes()).unwrap();
//! match handoff.poll_event() {
//!     Some(HandoffEvent::LoggedIn(a)) => assert_eq!((a.user_id, a.dc), (1001, DcId(4))),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), auth_core::handoff::UsageError>(())
//! ```

use std::collections::VecDeque;
use std::time::Instant;

use crate::{
    DcId,
    login::Authorization,
    machine::{Call, CallError, CallEvent, Machine, RetryPolicy, UnknownRequest},
    tl::{enums, functions},
    transport::{RequestId, Transmit, TransportFailure},
};

/// A hand-off that cannot be: refused before anything was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// The target is the home DC itself.
    #[error("{0} is already the home DC")]
    SameDc(DcId),
    /// A DC id that is not positive.
    #[error("{0} is not a data center")]
    InvalidDc(DcId),
}

/// Which of the two calls an error or a wait belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `auth.exportAuthorization` on the home DC.
    Export,
    /// `auth.importAuthorization` on the target DC.
    Import,
}

/// Why a hand-off failed. Delivered once, in [`HandoffEvent::Failed`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HandoffError {
    /// A call failed (e.g. `401 AUTH_KEY_UNREGISTERED` on export: the home key is not logged
    /// in; `AUTH_BYTES_INVALID` on import; `DC_ID_INVALID`).
    #[error("{step:?} failed: {error}")]
    Call {
        /// The call that failed.
        step: Step,
        /// Why.
        error: CallError,
    },
    /// The import answered something other than an authorization with a user.
    #[error("unexpected reply to auth.importAuthorization: {0}")]
    UnexpectedReply(&'static str),
}

/// What a [`Handoff`] tells its caller. `LoggedIn` and `Failed` are terminal.
#[derive(Debug, Clone, PartialEq)]
pub enum HandoffEvent {
    /// The home DC exported the authorization; the import is queued for the target DC.
    Exported,
    /// The server asked to wait; the call goes out again by itself at `until`.
    FloodWait {
        /// The call waiting.
        step: Step,
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call is re-sent.
        until: Instant,
    },
    /// The target DC's key is logged in. Terminal.
    LoggedIn(Box<Authorization>),
    /// The hand-off failed. Terminal.
    Failed(HandoffError),
}

#[derive(Debug)]
enum Stage {
    Export(Call<functions::auth::ExportAuthorization>),
    Import(Call<functions::auth::ImportAuthorization>),
    Done,
}

/// Export on the home DC, import on the target DC.
///
/// Driven through [`Machine`]: `poll_*` for output, `handle_*` for input; getters
/// [`home`](Self::home), [`target`](Self::target), [`step`](Self::step); no commands. Request ids
/// are unique across both calls. `*_MIGRATE_X` answers are not followed (whatever the
/// [`RetryPolicy`] says): each call belongs on its key, so a redirect fails the hand-off with the
/// RPC error.
#[derive(Debug)]
pub struct Handoff {
    home: DcId,
    target: DcId,
    policy: RetryPolicy,
    stage: Stage,
    /// Ids below this were handed out.
    next_id: u64,
    events: VecDeque<HandoffEvent>,
}

impl Handoff {
    /// Queues `auth.exportAuthorization(target)` on `home`.
    pub fn new(
        home: DcId,
        target: DcId,
        policy: RetryPolicy,
        now: Instant,
    ) -> Result<Self, UsageError> {
        for dc in [home, target] {
            if dc.0 <= 0 {
                return Err(UsageError::InvalidDc(dc));
            }
        }
        if home == target {
            return Err(UsageError::SameDc(home));
        }
        let policy = RetryPolicy {
            follow_migrations: false,
            ..policy
        };
        let export = Call::new(
            functions::auth::ExportAuthorization { dc_id: target.0 },
            home,
            policy.clone(),
            0,
            now,
        );
        Ok(Handoff {
            home,
            target,
            policy,
            next_id: export.next_request_id(),
            stage: Stage::Export(export),
            events: VecDeque::new(),
        })
    }

    // ----- getters -----

    /// The DC the authorization comes from.
    pub fn home(&self) -> DcId {
        self.home
    }

    /// The DC the authorization goes to.
    pub fn target(&self) -> DcId {
        self.target
    }

    /// The call under way, or `None` once finished.
    pub fn step(&self) -> Option<Step> {
        match self.stage {
            Stage::Export(_) => Some(Step::Export),
            Stage::Import(_) => Some(Step::Import),
            Stage::Done => None,
        }
    }

    // ----- internals -----

    /// Moves the calls' events into this machine's, chaining the import after the export.
    fn pump(&mut self, now: Instant) {
        loop {
            let event = match &mut self.stage {
                Stage::Export(call) => {
                    self.next_id = call.next_request_id();
                    match call.poll_event() {
                        Some(e) => self.on_export(now, e),
                        None => return,
                    }
                }
                Stage::Import(call) => {
                    self.next_id = call.next_request_id();
                    match call.poll_event() {
                        Some(e) => self.on_import(e),
                        None => return,
                    }
                }
                Stage::Done => return,
            };
            if let Some(event) = event {
                self.events.push_back(event);
            }
        }
    }

    fn on_export(
        &mut self,
        now: Instant,
        event: CallEvent<enums::auth::ExportedAuthorization>,
    ) -> Option<HandoffEvent> {
        match event {
            CallEvent::DcChanged(_) => None,
            CallEvent::FloodWait { seconds, until } => Some(HandoffEvent::FloodWait {
                step: Step::Export,
                seconds,
                until,
            }),
            CallEvent::Done(Ok(enums::auth::ExportedAuthorization::ExportedAuthorization(e))) => {
                let import = Call::new(
                    functions::auth::ImportAuthorization {
                        id: e.id,
                        bytes: e.bytes,
                    },
                    self.target,
                    self.policy.clone(),
                    self.next_id,
                    now,
                );
                self.stage = Stage::Import(import);
                Some(HandoffEvent::Exported)
            }
            CallEvent::Done(Err(error)) => Some(self.fail(HandoffError::Call {
                step: Step::Export,
                error,
            })),
        }
    }

    fn on_import(&mut self, event: CallEvent<enums::auth::Authorization>) -> Option<HandoffEvent> {
        match event {
            CallEvent::DcChanged(_) => None,
            CallEvent::FloodWait { seconds, until } => Some(HandoffEvent::FloodWait {
                step: Step::Import,
                seconds,
                until,
            }),
            CallEvent::Done(Ok(enums::auth::Authorization::Authorization(a))) => {
                self.stage = Stage::Done;
                Some(match Authorization::from_tl(self.target, &a) {
                    Some(auth) => HandoffEvent::LoggedIn(Box::new(auth)),
                    None => HandoffEvent::Failed(HandoffError::UnexpectedReply(
                        "auth.authorization with userEmpty",
                    )),
                })
            }
            CallEvent::Done(Ok(enums::auth::Authorization::SignUpRequired(_))) => Some(self.fail(
                HandoffError::UnexpectedReply("auth.authorizationSignUpRequired"),
            )),
            CallEvent::Done(Err(error)) => Some(self.fail(HandoffError::Call {
                step: Step::Import,
                error,
            })),
        }
    }

    fn fail(&mut self, error: HandoffError) -> HandoffEvent {
        self.stage = Stage::Done;
        HandoffEvent::Failed(error)
    }

    /// An answer for an id of no live call: stale (ignored) or never sent (refused).
    fn unplaced(&self, id: RequestId) -> Result<(), UnknownRequest> {
        if id.0 < self.next_id {
            Ok(())
        } else {
            Err(UnknownRequest(id))
        }
    }
}

impl Machine for Handoff {
    type Event = HandoffEvent;
    type Error = UnknownRequest;

    fn poll_transmit(&mut self) -> Option<Transmit> {
        match &mut self.stage {
            Stage::Export(call) => call.poll_transmit(),
            Stage::Import(call) => call.poll_transmit(),
            Stage::Done => None,
        }
    }

    fn poll_event(&mut self) -> Option<HandoffEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match &self.stage {
            Stage::Export(call) => call.poll_timeout(),
            Stage::Import(call) => call.poll_timeout(),
            Stage::Done => None,
        }
    }

    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UnknownRequest> {
        match &mut self.stage {
            Stage::Export(call) => call.handle_response(now, id, body)?,
            Stage::Import(call) => call.handle_response(now, id, body)?,
            Stage::Done => return self.unplaced(id),
        }
        self.pump(now);
        Ok(())
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UnknownRequest> {
        match &mut self.stage {
            Stage::Export(call) => call.handle_failure(now, id, failure)?,
            Stage::Import(call) => call.handle_failure(now, id, failure)?,
            Stage::Done => return self.unplaced(id),
        }
        self.pump(now);
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        match &mut self.stage {
            Stage::Export(call) => call.handle_timeout(now),
            Stage::Import(call) => call.handle_timeout(now),
            Stage::Done => return,
        }
        self.pump(now);
    }

    fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Done)
    }
}
