//! [`Call`]: one API call with flood waits, migrations, transport retries and a deadline
//! handled, ending in one `Done` or `Failed` event.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::{
    DcId, Error, RpcError, RpcErrorKind,
    before_auth::allowed_before_auth,
    config::{RetryPolicy, SessionConfig},
    error::UsageError,
    phase::Phase,
    tl::{self, DeserializeAt, Layer, RemoteCall},
    transport::{RequestId, Transmit, TransportFailure},
};

use super::Machine;

/// What a [`Call`] reports. `Done` and `Failed` are terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent<T> {
    /// The call moved to another data center (`*_MIGRATE_X`): so should the session.
    DcChanged(DcId),
    /// Waiting out a flood wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// The result. Terminal.
    Done(T),
    /// The call failed. Terminal.
    Failed(Error),
}

impl<T> CallEvent<T> {
    /// Whether this event ends the call.
    pub fn is_terminal(&self) -> bool {
        matches!(self, CallEvent::Done(_) | CallEvent::Failed(_))
    }
}

/// One API call `F` with the shared retry rules ([`RetryPolicy`]), decoded at the session's
/// layer, ending in one `Done` or `Failed` event. The building block of the small machines
/// (logout, bot login, authorization transfer, ...), and usable alone for any generated
/// function.
///
/// ```
/// use std::time::Instant;
/// use auth_core::machine::{Call, CallEvent, Machine};
/// use auth_core::tl::{Serialize, functions, enums, types};
/// use auth_core::{DcId, SessionConfig};
///
/// let now = Instant::now();
/// let mut call = Call::new(&SessionConfig::new(DcId(2)), functions::auth::LogOut {}, now)?;
/// let t = call.poll_transmit().unwrap();
/// let reply = enums::auth::LoggedOut::from(types::auth::LoggedOut { future_auth_token: None });
/// call.handle_response(now, t.id, &reply.to_bytes())?;
/// assert!(matches!(call.poll_event(), Some(CallEvent::Done(_))));
/// # Ok::<(), auth_core::UsageError>(())
/// ```
pub struct Call<F: RemoteCall> {
    /// The serialized call, kept for re-sends. It can hold secrets (a bot token, exported
    /// authorization bytes, a recovery code), so it is zeroized on drop and never printed.
    body: Zeroizing<Vec<u8>>,
    method: PhantomData<fn() -> F>,
    dc: DcId,
    layer: Layer,
    policy: RetryPolicy,
    follow_migrations: bool,
    /// The call runs on an authorized key (a flow after login): a migration is never followed
    /// to another DC's key, which may not be.
    on_authorized_key: bool,
    next_id: u64,
    /// The request on its way, and when it counts as lost.
    in_flight: Option<(RequestId, Option<Instant>)>,
    scheduled: Option<Instant>,
    failures: u32,
    flood_waits: u32,
    migrations: u32,
    transmit: Option<Transmit>,
    events: VecDeque<CallEvent<F::Return>>,
    finished: bool,
}

impl<F: RemoteCall> std::fmt::Debug for Call<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &F::NAME)
            .field("dc", &self.dc)
            .field("layer", &self.layer.get())
            .field("in_flight", &self.in_flight)
            .field("scheduled", &self.scheduled)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<F: RemoteCall> Call<F>
where
    F::Return: DeserializeAt,
{
    /// Queues `call` for the session of `session.dc`; its answer is decoded at
    /// `session.layer`.
    ///
    /// # Errors
    ///
    /// An unsupported layer, a DC id that is not positive, a function the layer does not
    /// have, or an argument too long to encode.
    pub fn new(session: &SessionConfig, call: F, now: Instant) -> Result<Self, UsageError> {
        let layer = session.check()?;
        if !layer.defines(F::CONSTRUCTOR_ID) {
            return Err(UsageError::MethodUnavailable {
                method: F::NAME,
                layer: layer.get(),
            });
        }
        call.encoded_len().map_err(UsageError::Unencodable)?;
        Ok(Self::start(
            session.dc,
            layer,
            session.retry.clone(),
            call,
            0,
            now,
        ))
    }

    /// A call whose configuration the machine checked; request ids start at `first_id`, so a
    /// machine that runs several calls keeps them unique. A call that cannot be encoded ends
    /// at once with [`Error::Unencodable`].
    pub(crate) fn start(
        dc: DcId,
        layer: Layer,
        policy: RetryPolicy,
        call: F,
        first_id: u64,
        now: Instant,
    ) -> Self {
        let body = tl::Serialize::try_to_bytes(&call);
        let mut c = Call {
            body: Zeroizing::new(Vec::new()),
            method: PhantomData,
            dc,
            layer,
            policy,
            follow_migrations: true,
            on_authorized_key: !allowed_before_auth(F::CONSTRUCTOR_ID),
            next_id: first_id,
            in_flight: None,
            scheduled: None,
            failures: 0,
            flood_waits: 0,
            migrations: 0,
            transmit: None,
            events: VecDeque::new(),
            finished: false,
        };
        match body {
            Ok(body) => {
                c.body = Zeroizing::new(body);
                c.send(now);
            }
            Err(error) => c.fail(Error::Unencodable {
                method: F::NAME,
                error,
            }),
        }
        c
    }

    /// Turns off following `*_MIGRATE_X` (for calls bound to their key): a migration answer
    /// fails the call with the RPC error.
    pub(crate) fn pinned(mut self) -> Self {
        self.follow_migrations = false;
        self
    }

    /// Marks the call as one made on an authorized key (by a flow that runs after login), even
    /// if its method may also be called before login: a migration answer then fails it with
    /// [`Error::TransferNeeded`] instead of re-sending it to another DC's key.
    pub(crate) fn on_authorized_key(mut self, authorized: bool) -> Self {
        self.on_authorized_key |= authorized;
        self
    }

    /// The data center the call goes to now.
    pub fn dc(&self) -> DcId {
        self.dc
    }

    /// The layer the answer is decoded at.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The request waiting for its answer, if any.
    pub(crate) fn in_flight_id(&self) -> Option<RequestId> {
        self.in_flight.map(|(id, _)| id)
    }

    /// The id the next request will get (for a machine chaining calls).
    pub(crate) fn next_request_id(&self) -> u64 {
        self.next_id
    }

    fn send(&mut self, now: Instant) {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        let deadline = self
            .policy
            .request_timeout
            .and_then(|timeout| now.checked_add(timeout));
        self.in_flight = Some((id, deadline));
        self.transmit = Some(Transmit {
            id,
            dc: self.dc,
            body: Zeroizing::new(self.body.to_vec()),
        });
    }

    fn finish(&mut self, event: CallEvent<F::Return>) {
        self.finished = true;
        self.in_flight = None;
        self.scheduled = None;
        self.transmit = None;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: Error) {
        self.finish(CallEvent::Failed(error));
    }

    fn on_error(&mut self, now: Instant, e: RpcError) {
        use RpcErrorKind as K;
        match e.kind() {
            K::PhoneMigrate(dc) | K::NetworkMigrate(dc) | K::UserMigrate(dc)
                if self.follow_migrations =>
            {
                let target = DcId(i32::try_from(dc).unwrap_or(0));
                if target.0 <= 0
                    || target == self.dc
                    || self.migrations >= self.policy.max_migrations
                {
                    self.fail(Error::MigrationLoop {
                        method: F::NAME,
                        dc: target,
                    });
                } else if self.on_authorized_key {
                    // The call needs an authorized key, and nothing says the key on `target`
                    // is one: re-sending there would be refused (or worse, answered for
                    // nobody). The caller transfers the authorization first.
                    self.fail(Error::TransferNeeded {
                        method: F::NAME,
                        from: self.dc,
                        to: target,
                    });
                } else {
                    self.migrations += 1;
                    self.dc = target;
                    self.events.push_back(CallEvent::DcChanged(target));
                    self.send(now);
                }
            }
            K::FloodWait(s) | K::FloodPremiumWait(s) | K::FloodTestPhoneWait(s) => {
                let wait = Duration::from_secs(u64::from(s));
                match now.checked_add(wait) {
                    Some(until)
                        if wait <= self.policy.max_flood_wait
                            && self.flood_waits < self.policy.flood_wait_budget =>
                    {
                        self.flood_waits += 1;
                        self.scheduled = Some(until);
                        self.events
                            .push_back(CallEvent::FloodWait { seconds: s, until });
                    }
                    _ => self.fail(Error::FloodWait {
                        method: F::NAME,
                        seconds: s,
                    }),
                }
            }
            K::ServerError => match self.policy.retry_at(now, self.failures, true) {
                Some(at) => {
                    self.failures += 1;
                    self.scheduled = Some(at);
                }
                None => self.fail(Error::Rpc {
                    method: F::NAME,
                    error: e,
                }),
            },
            _ => self.fail(Error::Rpc {
                method: F::NAME,
                error: e,
            }),
        }
    }

    /// The call in flight was lost: retried per the policy, then the call fails.
    fn on_lost(&mut self, now: Instant, failure: TransportFailure) {
        self.in_flight = None;
        self.transmit = None;
        match self.policy.retry_at(now, self.failures, false) {
            Some(at) => {
                self.failures += 1;
                self.scheduled = Some(at);
            }
            None => self.fail(Error::Transport {
                method: F::NAME,
                failure,
            }),
        }
    }

    /// Takes `id` off the flight; `Ok(false)` for a late answer to ignore.
    fn land(&mut self, id: RequestId) -> Result<bool, UsageError> {
        if self.in_flight.map(|(f, _)| f) == Some(id) {
            self.in_flight = None;
            return Ok(true);
        }
        if self.finished || id.0 < self.next_id {
            Ok(false)
        } else {
            Err(UsageError::UnknownRequest(id))
        }
    }
}

impl<F: RemoteCall> Machine for Call<F>
where
    F::Return: DeserializeAt,
{
    type Event = CallEvent<F::Return>;

    fn phase(&self) -> Phase {
        if self.finished {
            Phase::Finished
        } else {
            Phase::Working
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmit.take()
    }

    fn poll_event(&mut self) -> Option<Self::Event> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let deadline = self.in_flight.and_then(|(_, at)| at);
        match (self.scheduled, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        if !self.land(id)? {
            return Ok(());
        }
        if RpcError::is_rpc_error(body) {
            match RpcError::decode(body) {
                Ok(e) => self.on_error(now, e),
                Err(error) => self.fail(Error::undecodable(
                    F::NAME,
                    F::CONSTRUCTOR_ID,
                    self.layer,
                    body,
                    error,
                )),
            }
        } else {
            match tl::decode_at::<F::Return>(self.layer, body) {
                Ok(value) => self.finish(CallEvent::Done(value)),
                Err(error) => self.fail(Error::undecodable(
                    F::NAME,
                    F::CONSTRUCTOR_ID,
                    self.layer,
                    body,
                    error,
                )),
            }
        }
        Ok(())
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        if self.land(id)? {
            self.on_lost(now, failure);
        }
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.finished {
            return;
        }
        if self
            .in_flight
            .is_some_and(|(_, at)| at.is_some_and(|at| at <= now))
        {
            self.on_lost(now, TransportFailure::Timeout);
            return;
        }
        if self.scheduled.is_some_and(|at| at <= now) {
            self.scheduled = None;
            self.send(now);
        }
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
            future_auth_token: Some(vec![1, 2].into()),
        })
        .to_bytes()
    }

    fn logout(dc: i32, first_id: u64, now: Instant) -> Call<functions::auth::LogOut> {
        Call::start(
            DcId(dc),
            Layer::DEFAULT,
            RetryPolicy::default(),
            functions::auth::LogOut {},
            first_id,
            now,
        )
    }

    fn nearest_dc(first_id: u64, now: Instant) -> Call<functions::help::GetNearestDc> {
        Call::start(
            DcId(2),
            Layer::DEFAULT,
            RetryPolicy::default(),
            functions::help::GetNearestDc {},
            first_id,
            now,
        )
    }

    #[test]
    fn migrates_waits_and_retries_then_succeeds() {
        let t0 = Instant::now();
        // help.getNearestDc needs no authorized key: a migration is simply followed.
        let mut call = nearest_dc(10, t0);
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
        let nearest = enums::NearestDc::from(types::NearestDc {
            country: "XX".into(),
            this_dc: 4,
            nearest_dc: 4,
        });
        call.handle_response(retry_at, t.id, &nearest.to_bytes())
            .unwrap();
        assert_eq!(call.poll_event(), Some(CallEvent::Done(nearest)));
        assert!(call.is_finished());
        assert!(call.poll_transmit().is_none());
        assert_eq!(call.poll_timeout(), None);
    }

    #[test]
    fn an_authorized_call_is_not_resent_to_a_key_that_may_not_be_authorized() {
        let t0 = Instant::now();
        let mut call = logout(2, 0, t0);
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &RpcError::new(303, "USER_MIGRATE_4").to_bytes())
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::TransferNeeded {
                method: "auth.logOut",
                from: DcId(2),
                to: DcId(4),
            }))
        );
        assert!(call.poll_transmit().is_none(), "nothing goes to DC 4");
        assert!(call.is_finished());
    }

    #[test]
    fn server_failures_are_retried_with_backoff_within_the_budget() {
        let t0 = Instant::now();
        let mut call = logout(2, 0, t0);
        let mut now = t0;
        // Two re-sends (the default budget), 500 ms then 1 s after the failure.
        for (error, pause) in [
            (RpcError::new(500, "INTERNAL"), Duration::from_millis(500)),
            (RpcError::new(-503, "Timeout"), Duration::from_millis(1000)),
        ] {
            let t = call.poll_transmit().expect("sent");
            call.handle_response(now, t.id, &error.to_bytes()).unwrap();
            assert_eq!(call.poll_event(), None, "{error} is retried");
            assert_eq!(call.poll_timeout(), Some(now + pause));
            call.handle_timeout(now + pause - Duration::from_millis(1));
            assert!(call.poll_transmit().is_none(), "not before the pause ends");
            now += pause;
            call.handle_timeout(now);
        }
        let t = call.poll_transmit().expect("the last re-send");
        let unsynced = RpcError::new(500, "AUTH_KEY_UNSYNCHRONIZED");
        call.handle_response(now, t.id, &unsynced.to_bytes())
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::Rpc {
                method: "auth.logOut",
                error: unsynced,
            }))
        );
    }

    #[test]
    fn a_retry_delay_past_the_end_of_time_fails_instead_of_overflowing() {
        let t0 = Instant::now();
        let policy = RetryPolicy {
            transport_retry_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        let mut call = Call::start(
            DcId(2),
            Layer::DEFAULT,
            policy.clone(),
            functions::auth::LogOut {},
            0,
            t0,
        );
        let t = call.poll_transmit().unwrap();
        call.handle_failure(t0, t.id, TransportFailure::ConnectionLost)
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::Transport {
                method: "auth.logOut",
                failure: TransportFailure::ConnectionLost,
            }))
        );
        let mut call = Call::start(
            DcId(2),
            Layer::DEFAULT,
            policy,
            functions::auth::LogOut {},
            0,
            t0,
        );
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &RpcError::new(500, "INTERNAL").to_bytes())
            .unwrap();
        assert!(matches!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::Rpc { .. }))
        ));
    }

    #[test]
    fn an_unanswered_call_times_out_as_a_transport_failure() {
        let t0 = Instant::now();
        let mut call = logout(2, 0, t0);
        let first = call.poll_transmit().unwrap();
        let deadline = t0 + Duration::from_secs(30);
        assert_eq!(call.poll_timeout(), Some(deadline));
        call.handle_timeout(deadline - Duration::from_millis(1));
        assert!(call.poll_transmit().is_none(), "not yet");
        call.handle_timeout(deadline);
        let retry_at = deadline + Duration::from_millis(500);
        assert_eq!(call.poll_timeout(), Some(retry_at));
        call.handle_timeout(retry_at);
        let second = call.poll_transmit().expect("re-sent");
        assert_ne!(second.id, first.id);
        // The lost call's late answer is ignored; the new one counts.
        call.handle_response(retry_at, first.id, &logged_out())
            .unwrap();
        assert_eq!(call.poll_event(), None);
        // Two retries, then the timeout is the call's failure.
        let mut now = retry_at;
        for _ in 0..2 {
            now += Duration::from_secs(30);
            call.handle_timeout(now);
            now += Duration::from_millis(500);
            call.handle_timeout(now);
            let _ = call.poll_transmit();
        }
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::Transport {
                method: "auth.logOut",
                failure: TransportFailure::Timeout
            }))
        );
    }

    #[test]
    fn errors_and_garbage_end_the_call_with_a_typed_error() {
        let t0 = Instant::now();
        let mut call = logout(1, 0, t0);
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &[1, 2, 3, 4, 5]).unwrap();
        assert!(matches!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::MalformedReply {
                method: "auth.logOut",
                layer: 228,
                constructor: Some(0x0403_0201),
                ..
            }))
        ));
        // A late duplicate is ignored; an id never sent is refused.
        assert_eq!(call.handle_response(t0, t.id, &logged_out()), Ok(()));
        assert_eq!(call.poll_event(), None);

        let mut call = logout(1, 0, t0);
        assert_eq!(
            call.handle_response(t0, RequestId(7), &[]),
            Err(UsageError::UnknownRequest(RequestId(7)))
        );
        let t = call.poll_transmit().unwrap();
        call.handle_response(
            t0,
            t.id,
            &RpcError::new(401, "AUTH_KEY_UNREGISTERED").to_bytes(),
        )
        .unwrap();
        match call.poll_event() {
            Some(CallEvent::Failed(Error::Rpc { method, error })) => {
                assert_eq!(method, "auth.logOut");
                assert_eq!(error.kind(), RpcErrorKind::AuthKeyUnregistered);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_held_call_never_prints_its_secrets() {
        let call = Call::start(
            DcId(2),
            Layer::DEFAULT,
            RetryPolicy::default(),
            functions::auth::ImportBotAuthorization {
                flags: 0,
                api_id: 1,
                api_hash: "h".into(),
                bot_auth_token: "42:very-secret-token".into(),
            },
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
        let mut call = logout(1, 0, t0);
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &RpcError::new(420, "FLOOD_WAIT_3600").to_bytes())
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::FloodWait {
                method: "auth.logOut",
                seconds: 3600
            }))
        );

        let mut call = logout(1, 0, t0);
        let t = call.poll_transmit().unwrap();
        call.handle_response(t0, t.id, &RpcError::new(303, "USER_MIGRATE_1").to_bytes())
            .unwrap();
        assert_eq!(
            call.poll_event(),
            Some(CallEvent::Failed(Error::MigrationLoop {
                method: "auth.logOut",
                dc: DcId(1)
            }))
        );
    }

    #[test]
    fn the_layer_is_checked_when_the_call_is_built() {
        let now = Instant::now();
        let old = SessionConfig {
            layer: 219,
            ..SessionConfig::new(DcId(2))
        };
        assert!(matches!(
            Call::new(&old, functions::auth::LogOut {}, now),
            Err(UsageError::UnsupportedLayer(_))
        ));
        let at_228 = SessionConfig::new(DcId(2));
        let pnv = functions::auth::InitFirebasePnvLogin {
            except_ids: None,
            api_id: 1,
            api_hash: "h".into(),
        };
        assert_eq!(
            Call::new(&at_228, pnv.clone(), now).map(|_| ()),
            Err(UsageError::MethodUnavailable {
                method: "auth.initFirebasePnvLogin",
                layer: 228
            })
        );
        let at_230 = SessionConfig {
            layer: 230,
            ..at_228
        };
        assert!(Call::new(&at_230, pnv, now).is_ok());
    }
}
