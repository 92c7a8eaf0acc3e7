//! Transferring an authorization to another data center (core.telegram.org/api/datacenter):
//! `auth.exportAuthorization(dc_id)` on the home DC, then `auth.importAuthorization(id, bytes)`
//! on the target DC, as one sans-IO machine.
//!
//! A client needs this when it must talk to a DC other than its home one while logged in (to
//! download a file stored there, say): the target DC's key is not authorized until the
//! exported authorization is imported on it.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::auth_transfer::{AuthTransfer, TransferEvent};
//! use auth_core::machine::Machine;
//! use auth_core::tl::{self, Serialize, enums, functions, types};
//! use auth_core::{DcId, SessionConfig};
//!
//! let now = Instant::now();
//! let mut transfer = AuthTransfer::new(&SessionConfig::new(DcId(2)), DcId(4), now)?;
//! let export = transfer.poll_transmit().unwrap();
//! assert_eq!(export.dc, DcId(2));
//! let exported = types::auth::ExportedAuthorization { id: 77, bytes: vec![1, 2, 3].into() };
//! transfer.handle_response(now, export.id, &enums::auth::ExportedAuthorization::from(exported).to_bytes())?;
//! assert_eq!(transfer.poll_event(), Some(TransferEvent::Exported));
//! let import = transfer.poll_transmit().unwrap();
//! assert_eq!(import.dc, DcId(4));
//! assert_ne!(import.id, export.id);
//! let call: functions::auth::ImportAuthorization = tl::decode(&import.body).unwrap();
//! assert_eq!((call.id, call.bytes.to_vec()), (77, vec![1, 2, 3]));
//! let user = types::User { is_self: true, id: 1001, ..Default::default() };
//! let auth = enums::auth::Authorization::from(types::auth::Authorization { user: user.into(), ..Default::default() });
//! transfer.handle_response(now, import.id, &auth.to_bytes())?;
//! match transfer.poll_event() {
//!     Some(TransferEvent::Done(a)) => assert_eq!((a.user_id, a.dc), (1001, DcId(4))),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), auth_core::UsageError>(())
//! ```

use std::collections::VecDeque;
use std::time::Instant;

use crate::{
    DcId, Error,
    account::Authorization,
    config::{RetryPolicy, SessionConfig},
    error::UsageError,
    machine::{Call, CallEvent, Machine, stale_or_unknown},
    phase::Phase,
    tl::{Layer, enums, functions},
    transport::{RequestId, Transmit, TransportFailure},
};

/// Which of the two calls is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferStep {
    /// `auth.exportAuthorization` on the home DC.
    Export,
    /// `auth.importAuthorization` on the target DC.
    Import,
}

/// What an [`AuthTransfer`] tells its caller. `Done` and `Failed` are terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TransferEvent {
    /// The home DC exported the authorization; the import is queued for the target DC.
    Exported,
    /// The server asked to wait; the call goes out again by itself at `until`
    /// ([`step`](AuthTransfer::step) says which).
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call is re-sent.
        until: Instant,
    },
    /// The target DC's key is logged in. Terminal.
    Done(Box<Authorization>),
    /// The transfer failed (e.g. `401 AUTH_KEY_UNREGISTERED` on export: the home key is not
    /// logged in; `AUTH_BYTES_INVALID` on import; `DC_ID_INVALID`). Terminal.
    Failed(Error),
}

impl TransferEvent {
    /// Whether this event ends the transfer.
    pub fn is_terminal(&self) -> bool {
        matches!(self, TransferEvent::Done(_) | TransferEvent::Failed(_))
    }
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
/// [`home`](Self::home), [`target`](Self::target), [`step`](Self::step); phases `Working` and
/// `Finished`; no commands. Request ids are unique across both calls. `*_MIGRATE_X` answers
/// are not followed: each call belongs on its key, so a redirect fails the transfer with the
/// RPC error.
#[derive(Debug)]
pub struct AuthTransfer {
    home: DcId,
    target: DcId,
    layer: Layer,
    policy: RetryPolicy,
    stage: Stage,
    /// Ids below this were handed out.
    next_id: u64,
    events: VecDeque<TransferEvent>,
}

impl AuthTransfer {
    /// Queues `auth.exportAuthorization(target)` on `session.dc`, the home DC.
    ///
    /// # Errors
    ///
    /// An unsupported layer, a DC id that is not positive, or `target` is the home DC.
    pub fn new(session: &SessionConfig, target: DcId, now: Instant) -> Result<Self, UsageError> {
        let layer = session.check()?;
        let home = session.dc;
        if target.0 <= 0 {
            return Err(UsageError::InvalidDc(target));
        }
        if home == target {
            return Err(UsageError::SameDc(home));
        }
        let export = Call::start(
            home,
            layer,
            session.retry.clone(),
            functions::auth::ExportAuthorization { dc_id: target.0 },
            0,
            now,
        )
        .pinned();
        Ok(AuthTransfer {
            home,
            target,
            layer,
            policy: session.retry.clone(),
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
    pub fn step(&self) -> Option<TransferStep> {
        match self.stage {
            Stage::Export(_) => Some(TransferStep::Export),
            Stage::Import(_) => Some(TransferStep::Import),
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
    ) -> Option<TransferEvent> {
        match event {
            CallEvent::FloodWait { seconds, until } => {
                Some(TransferEvent::FloodWait { seconds, until })
            }
            CallEvent::Done(enums::auth::ExportedAuthorization::ExportedAuthorization(e)) => {
                let import = Call::start(
                    self.target,
                    self.layer,
                    self.policy.clone(),
                    functions::auth::ImportAuthorization {
                        id: e.id,
                        bytes: e.bytes,
                    },
                    self.next_id,
                    now,
                )
                .pinned();
                self.stage = Stage::Import(import);
                Some(TransferEvent::Exported)
            }
            CallEvent::Failed(error) => Some(self.fail(error)),
            // Not produced: migrations are off.
            CallEvent::DcChanged(_) => None,
        }
    }

    fn on_import(&mut self, event: CallEvent<enums::auth::Authorization>) -> Option<TransferEvent> {
        match event {
            CallEvent::FloodWait { seconds, until } => {
                Some(TransferEvent::FloodWait { seconds, until })
            }
            CallEvent::Done(enums::auth::Authorization::Authorization(a)) => {
                self.stage = Stage::Done;
                Some(match Authorization::from_tl(self.target, self.layer, &a) {
                    Some(auth) => TransferEvent::Done(Box::new(auth)),
                    None => TransferEvent::Failed(unexpected("auth.authorization with userEmpty")),
                })
            }
            CallEvent::Done(enums::auth::Authorization::SignUpRequired(_)) => {
                Some(self.fail(unexpected("auth.authorizationSignUpRequired")))
            }
            CallEvent::Failed(error) => Some(self.fail(error)),
            CallEvent::DcChanged(_) => None,
        }
    }

    fn fail(&mut self, error: Error) -> TransferEvent {
        self.stage = Stage::Done;
        TransferEvent::Failed(error)
    }
}

fn unexpected(what: &str) -> Error {
    Error::UnexpectedReply {
        method: "auth.importAuthorization",
        what: what.into(),
    }
}

impl Machine for AuthTransfer {
    type Event = TransferEvent;

    fn phase(&self) -> Phase {
        match self.stage {
            Stage::Done => Phase::Finished,
            _ => Phase::Working,
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        match &mut self.stage {
            Stage::Export(call) => call.poll_transmit(),
            Stage::Import(call) => call.poll_transmit(),
            Stage::Done => None,
        }
    }

    fn poll_event(&mut self) -> Option<TransferEvent> {
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
    ) -> Result<(), UsageError> {
        match &mut self.stage {
            Stage::Export(call) => call.handle_response(now, id, body)?,
            Stage::Import(call) => call.handle_response(now, id, body)?,
            Stage::Done => return stale_or_unknown(id, self.next_id),
        }
        self.pump(now);
        Ok(())
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        match &mut self.stage {
            Stage::Export(call) => call.handle_failure(now, id, failure)?,
            Stage::Import(call) => call.handle_failure(now, id, failure)?,
            Stage::Done => return stale_or_unknown(id, self.next_id),
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
}
