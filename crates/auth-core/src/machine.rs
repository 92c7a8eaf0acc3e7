//! What every state machine of this crate has in common, so adapters can drive any of them
//! with one loop, and [`Call`]: one API call with the retry rules every flow shares.

use std::marker::PhantomData;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::{
    DcId, RpcError, RpcErrorKind,
    tl::{self, DecodeError, RemoteCall},
    transport::{RequestId, Transmit, TransportFailure},
};

/// The network-and-timer side of a state machine: what a driver loop needs.
///
/// Commands (the user's answers) are each machine's own methods; this trait covers the rest.
pub trait Machine {
    /// What the machine tells its caller.
    type Event;
    /// The error for answers the machine cannot place (an unknown request id).
    type Error;

    /// The next call to send, if any.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// The next event, if any.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    fn poll_timeout(&self) -> Option<Instant>;
    /// The answer (result or `rpc_error` bytes) to request `id`.
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), Self::Error>;
    /// Request `id` could not be delivered.
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), Self::Error>;
    /// The clock reached `now`.
    fn handle_timeout(&mut self, now: Instant);
    /// Whether the terminal event was emitted.
    fn is_finished(&self) -> bool;
}

/// Implements [`Machine`] for a flow that hands its network side to an inner machine (a
/// [`Call`] or a sequence of them) in field `$inner`, keeps its own events in `events`, and
/// turns the inner machine's progress into those events with `$pump` after every input.
macro_rules! forward_machine {
    (
        $ty:ty, $event:ty, $inner:ident,
        pump: |$this:ident, $now:ident| $pump:expr,
        finished: |$me:ident| $finished:expr $(,)?
    ) => {
        impl $crate::machine::Machine for $ty {
            type Event = $event;
            type Error = $crate::machine::UnknownRequest;

            fn poll_transmit(&mut self) -> Option<$crate::transport::Transmit> {
                self.$inner.poll_transmit()
            }

            fn poll_event(&mut self) -> Option<$event> {
                self.events.pop_front()
            }

            fn poll_timeout(&self) -> Option<std::time::Instant> {
                self.$inner.poll_timeout()
            }

            fn handle_response(
                &mut self,
                now: std::time::Instant,
                id: $crate::transport::RequestId,
                body: &[u8],
            ) -> Result<(), $crate::machine::UnknownRequest> {
                self.$inner.handle_response(now, id, body)?;
                let ($this, $now) = (&mut *self, now);
                $pump;
                Ok(())
            }

            fn handle_failure(
                &mut self,
                now: std::time::Instant,
                id: $crate::transport::RequestId,
                failure: $crate::transport::TransportFailure,
            ) -> Result<(), $crate::machine::UnknownRequest> {
                self.$inner.handle_failure(now, id, failure)?;
                let ($this, $now) = (&mut *self, now);
                $pump;
                Ok(())
            }

            fn handle_timeout(&mut self, now: std::time::Instant) {
                self.$inner.handle_timeout(now);
                let ($this, $now) = (&mut *self, now);
                $pump;
            }

            fn is_finished(&self) -> bool {
                let $me = self;
                $finished
            }
        }
    };
}
pub(crate) use forward_machine;

/// Retry rules shared by the small machines (the login has its own, richer ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The longest `FLOOD_WAIT` waited out automatically.
    pub max_flood_wait: Duration,
    /// How many flood waits are waited out before giving up.
    pub flood_wait_budget: u32,
    /// How many times a call is re-sent after the transport failed.
    pub transport_retries: u32,
    /// Pause before such a re-send.
    pub transport_retry_delay: Duration,
    /// Whether `*_MIGRATE_X` moves the call to DC X (at most `max_migrations` times).
    pub follow_migrations: bool,
    /// How many migrations are followed.
    pub max_migrations: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_flood_wait: Duration::from_secs(60),
            flood_wait_budget: 3,
            transport_retries: 2,
            transport_retry_delay: Duration::from_millis(500),
            follow_migrations: true,
            max_migrations: 3,
        }
    }
}

/// Why a [`Call`] did not produce a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The server refused with an error no retry rule covers.
    #[error("server refused: {0}")]
    Rpc(RpcError),
    /// A flood wait longer than allowed, or too many of them.
    #[error("flood wait: try again in {seconds} s")]
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
    },
    /// The reply did not decode as the call's result type.
    #[error("malformed reply to {method}: {error}")]
    MalformedReply {
        /// The call.
        method: &'static str,
        /// What was wrong.
        error: DecodeError,
    },
    /// Migrations went in circles.
    #[error("data-center migration loop (last: {0})")]
    MigrationLoop(DcId),
    /// The transport kept failing.
    #[error("transport failure: {0}")]
    Transport(TransportFailure),
}

/// What a [`Call`] reports.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent<T> {
    /// The call moved to another data center.
    DcChanged(DcId),
    /// Waiting out a flood wait until the given time.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// The result. Terminal.
    Done(Result<T, CallError>),
}

/// An answer for a request this machine does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown request {0:?}")]
pub struct UnknownRequest(pub RequestId);

/// One API call `F` with flood waits, migrations and transport retries handled, ending in one
/// `Done` event. The building block of the small machines (logout, bot login, hand-off, ...).
///
/// ```
/// use std::time::Instant;
/// use auth_core::machine::{Call, CallEvent, Machine, RetryPolicy};
/// use auth_core::tl::{Serialize, functions, enums, types};
/// use auth_core::DcId;
///
/// let now = Instant::now();
/// let mut call = Call::new(functions::auth::LogOut {}, DcId(2), RetryPolicy::default(), 0, now);
/// let t = call.poll_transmit().unwrap();
/// let reply = enums::auth::LoggedOut::from(types::auth::LoggedOut { future_auth_token: None });
/// call.handle_response(now, t.id, &reply.to_bytes()).unwrap();
/// assert!(matches!(call.poll_event(), Some(CallEvent::Done(Ok(_)))));
/// ```
pub struct Call<F: RemoteCall> {
    /// The serialized call, kept for re-sends. It can hold secrets (a bot token, exported
    /// authorization bytes, a recovery code), so it is zeroized on drop and never printed.
    body: Zeroizing<Vec<u8>>,
    method: PhantomData<fn() -> F>,
    dc: DcId,
    policy: RetryPolicy,
    next_id: u64,
    in_flight: Option<RequestId>,
    scheduled: Option<Instant>,
    failures: u32,
    flood_waits: u32,
    migrations: u32,
    transmit: Option<Transmit>,
    events: std::collections::VecDeque<CallEvent<F::Return>>,
    finished: bool,
}

impl<F: RemoteCall> std::fmt::Debug for Call<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &F::NAME)
            .field("dc", &self.dc)
            .field("in_flight", &self.in_flight)
            .field("scheduled", &self.scheduled)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<F: RemoteCall> Call<F> {
    /// Queues `call` for data center `dc`. Request ids start at `first_id`, so a machine that
    /// runs several calls can keep ids unique.
    pub fn new(call: F, dc: DcId, policy: RetryPolicy, first_id: u64, now: Instant) -> Self {
        let mut c = Call {
            body: Zeroizing::new(tl::Serialize::to_bytes(&call)),
            method: PhantomData,
            dc,
            policy,
            next_id: first_id,
            in_flight: None,
            scheduled: None,
            failures: 0,
            flood_waits: 0,
            migrations: 0,
            transmit: None,
            events: Default::default(),
            finished: false,
        };
        c.send(now);
        c
    }

    /// The data center the call goes to now.
    pub fn dc(&self) -> DcId {
        self.dc
    }

    /// The id the next request will get (for a machine chaining calls).
    pub fn next_request_id(&self) -> u64 {
        self.next_id
    }

    fn send(&mut self, _now: Instant) {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.in_flight = Some(id);
        self.transmit = Some(Transmit {
            id,
            dc: self.dc,
            body: self.body.to_vec(),
        });
    }

    fn done(&mut self, result: Result<F::Return, CallError>) {
        self.finished = true;
        self.in_flight = None;
        self.scheduled = None;
        self.transmit = None;
        self.events.push_back(CallEvent::Done(result));
    }

    fn on_error(&mut self, now: Instant, e: RpcError) {
        use RpcErrorKind as K;
        match e.kind() {
            K::PhoneMigrate(dc) | K::NetworkMigrate(dc) | K::UserMigrate(dc)
                if self.policy.follow_migrations =>
            {
                let target = DcId(i32::try_from(dc).unwrap_or(0));
                if target.0 <= 0
                    || target == self.dc
                    || self.migrations >= self.policy.max_migrations
                {
                    self.done(Err(CallError::MigrationLoop(target)));
                } else {
                    self.migrations += 1;
                    self.dc = target;
                    self.events.push_back(CallEvent::DcChanged(target));
                    self.send(now);
                }
            }
            K::FloodWait(s) | K::FloodPremiumWait(s) | K::FloodTestPhoneWait(s) => {
                let wait = Duration::from_secs(u64::from(s));
                if wait > self.policy.max_flood_wait
                    || self.flood_waits >= self.policy.flood_wait_budget
                {
                    self.done(Err(CallError::FloodWait { seconds: s }));
                } else {
                    self.flood_waits += 1;
                    let until = now + wait;
                    self.scheduled = Some(until);
                    self.events
                        .push_back(CallEvent::FloodWait { seconds: s, until });
                }
            }
            _ => self.done(Err(CallError::Rpc(e))),
        }
    }
}

impl<F: RemoteCall> Machine for Call<F> {
    type Event = CallEvent<F::Return>;
    type Error = UnknownRequest;

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmit.take()
    }

    fn poll_event(&mut self) -> Option<Self::Event> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.scheduled
    }

    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UnknownRequest> {
        if self.in_flight != Some(id) {
            return if self.finished || id.0 < self.next_id {
                Ok(())
            } else {
                Err(UnknownRequest(id))
            };
        }
        self.in_flight = None;
        if RpcError::is_rpc_error(body) {
            match RpcError::decode(body) {
                Ok(e) => self.on_error(now, e),
                Err(error) => self.done(Err(CallError::MalformedReply {
                    method: F::NAME,
                    error,
                })),
            }
        } else {
            let result = tl::decode::<F::Return>(body).map_err(|error| CallError::MalformedReply {
                method: F::NAME,
                error,
            });
            self.done(result);
        }
        Ok(())
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UnknownRequest> {
        if self.in_flight != Some(id) {
            return if self.finished || id.0 < self.next_id {
                Ok(())
            } else {
                Err(UnknownRequest(id))
            };
        }
        self.in_flight = None;
        if self.failures < self.policy.transport_retries {
            self.failures += 1;
            self.scheduled = Some(now + self.policy.transport_retry_delay);
        } else {
            self.done(Err(CallError::Transport(failure)));
        }
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        if !self.finished && self.scheduled.is_some_and(|at| at <= now) {
            self.scheduled = None;
            self.send(now);
        }
    }

    fn is_finished(&self) -> bool {
        self.finished
    }
}

impl Machine for crate::login::Login {
    type Event = crate::login::Event;
    type Error = crate::login::UsageError;

    fn poll_transmit(&mut self) -> Option<Transmit> {
        crate::login::Login::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<Self::Event> {
        crate::login::Login::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        crate::login::Login::poll_timeout(self)
    }
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), Self::Error> {
        crate::login::Login::handle_response(self, now, id, body)
    }
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), Self::Error> {
        crate::login::Login::handle_failure(self, now, id, failure)
    }
    fn handle_timeout(&mut self, now: Instant) {
        crate::login::Login::handle_timeout(self, now);
    }
    fn is_finished(&self) -> bool {
        crate::login::Login::is_finished(self)
    }
}

#[cfg(test)]
// The tests stand in for the caller, who owns the clock.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::tl::{Serialize, enums, functions, types};

    fn logged_out() -> Vec<u8> {
        enums::auth::LoggedOut::from(types::auth::LoggedOut {
            future_auth_token: Some(vec![1, 2]),
        })
        .to_bytes()
    }

    #[test]
    fn migrates_waits_and_retries_then_succeeds() {
        let t0 = Instant::now();
        let mut call = Call::new(
            functions::auth::LogOut {},
            DcId(2),
            RetryPolicy::default(),
            10,
            t0,
        );
        let t = call.poll_transmit().unwrap();
        assert_eq!((t.id, t.dc), (RequestId(10), DcId(2)));
        call.handle_response(t0, t.id, &RpcError::new(303, "USER_MIGRATE_4").to_bytes())
            .unwrap();
        assert_eq!(call.poll_event(), Some(CallEvent::DcChanged(DcId(4))));
        let t = call.poll_transmit().unwrap();
        assert_eq!(t.dc, DcId(4));
        call.handle_response(t0, t.id, &RpcError::new(420, "FLOOD_WAIT_2").to_bytes())
            .unwrap();
        let until = t0 + Duration::from_secs(2);
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::FloodWait { seconds: 2, until })
        );
        assert!(call.poll_transmit().is_none());
        call.handle_timeout(until);
        let t = call.poll_transmit().unwrap();
        call.handle_failure(until, t.id, TransportFailure::Timeout)
            .unwrap();
        let retry_at = call.poll_timeout().unwrap();
        call.handle_timeout(retry_at);
        let t = call.poll_transmit().unwrap();
        call.handle_response(retry_at, t.id, &logged_out()).unwrap();
        match call.poll_event() {
            Some(CallEvent::Done(Ok(enums::auth::LoggedOut::LoggedOut(l)))) => {
                assert_eq!(l.future_auth_token, Some(vec![1, 2]));
            }
            other => panic!("{other:?}"),
        }
        assert!(call.is_finished());
        assert!(call.poll_transmit().is_none());
        assert_eq!(call.poll_timeout(), None);
    }

    #[test]
    fn errors_and_garbage_end_the_call_with_a_typed_error() {
        let t0 = Instant::now();
        let mut call = Call::new(
            functions::auth::LogOut {},
            DcId(1),
            RetryPolicy::default(),
            0,
            t0,
        );
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &[1, 2, 3, 4, 5]).unwrap();
        assert!(matches!(
            call.poll_event(),
            Some(CallEvent::Done(Err(CallError::MalformedReply { .. })))
        ));
        // A late duplicate is ignored; an id never sent is refused.
        assert_eq!(call.handle_response(t0, t.id, &logged_out()), Ok(()));
        assert_eq!(call.poll_event(), None);

        let mut call = Call::new(
            functions::auth::LogOut {},
            DcId(1),
            RetryPolicy::default(),
            0,
            t0,
        );
        assert_eq!(
            call.handle_response(t0, RequestId(7), &[]),
            Err(UnknownRequest(RequestId(7)))
        );
        let t = call.poll_transmit().unwrap();
        call.handle_response(
            t0,
            t.id,
            &RpcError::new(401, "AUTH_KEY_UNREGISTERED").to_bytes(),
        )
        .unwrap();
        match call.poll_event() {
            Some(CallEvent::Done(Err(CallError::Rpc(e)))) => {
                assert_eq!(e.kind(), RpcErrorKind::AuthKeyUnregistered)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_held_call_never_prints_its_secrets() {
        let call = Call::new(
            functions::auth::ImportBotAuthorization {
                flags: 0,
                api_id: 1,
                api_hash: "h".into(),
                bot_auth_token: "42:very-secret-token".into(),
            },
            DcId(2),
            RetryPolicy::default(),
            0,
            Instant::now(),
        );
        let shown = format!("{call:?}");
        assert!(shown.contains("auth.importBotAuthorization"), "{shown}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }

    #[test]
    fn long_flood_waits_and_migration_loops_fail() {
        let t0 = Instant::now();
        let mut call = Call::new(
            functions::auth::LogOut {},
            DcId(1),
            RetryPolicy::default(),
            0,
            t0,
        );
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &RpcError::new(420, "FLOOD_WAIT_3600").to_bytes())
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Done(Err(CallError::FloodWait { seconds: 3600 })))
        );

        let mut call = Call::new(
            functions::auth::LogOut {},
            DcId(1),
            RetryPolicy::default(),
            0,
            t0,
        );
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &RpcError::new(303, "USER_MIGRATE_1").to_bytes())
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Done(Err(CallError::MigrationLoop(DcId(1)))))
        );
    }
}
