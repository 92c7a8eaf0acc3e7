//! [`CallSequence`]: one [`Call`] at a time, each result mapped into one reply type, with
//! request ids unique across the calls and the data center following migrations.

use std::fmt;
use std::time::Instant;

use crate::{
    DcId,
    config::RetryPolicy,
    error::UsageError,
    phase::Phase,
    tl::{DeserializeAt, Layer, RemoteCall},
    transport::{RequestId, Transmit, TransportFailure},
};

use super::{Call, CallEvent, Machine};

/// A [`Call`] whose result is mapped into `R`, behind a trait object so calls of different
/// functions can follow each other in one sequence.
trait Step<R>: fmt::Debug + Send {
    fn poll_transmit(&mut self) -> Option<Transmit>;
    fn poll_event(&mut self) -> Option<CallEvent<R>>;
    fn poll_timeout(&self) -> Option<Instant>;
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError>;
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError>;
    fn handle_timeout(&mut self, now: Instant);
    fn next_request_id(&self) -> u64;
    fn dc(&self) -> DcId;
}

struct Mapped<F: RemoteCall, R> {
    call: Call<F>,
    map: fn(F::Return) -> R,
}

impl<F, R> fmt::Debug for Mapped<F, R>
where
    F: RemoteCall + fmt::Debug,
    F::Return: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl<F, R> Step<R> for Mapped<F, R>
where
    F: RemoteCall + fmt::Debug + Send,
    F::Return: DeserializeAt + fmt::Debug + Send,
{
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.call.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<CallEvent<R>> {
        Some(match self.call.poll_event()? {
            CallEvent::DcChanged(dc) => CallEvent::DcChanged(dc),
            CallEvent::FloodWait { seconds, until } => CallEvent::FloodWait { seconds, until },
            CallEvent::Done(value) => CallEvent::Done((self.map)(value)),
            CallEvent::Failed(error) => CallEvent::Failed(error),
        })
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.call.poll_timeout()
    }

    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        self.call.handle_response(now, id, body)
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        self.call.handle_failure(now, id, failure)
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.call.handle_timeout(now);
    }

    fn next_request_id(&self) -> u64 {
        self.call.next_request_id()
    }

    fn dc(&self) -> DcId {
        self.call.dc()
    }
}

/// Runs one call at a time. Starting a call abandons the running one (its late answers are
/// ignored). After a call's `Done` event the sequence is idle until the next `start`.
#[derive(Debug)]
pub(crate) struct CallSequence<R> {
    dc: DcId,
    layer: Layer,
    policy: RetryPolicy,
    /// The calls run on an authorized key (see [`Call::on_authorized_key`]).
    authorized: bool,
    /// The first id not yet handed to a call.
    next_id: u64,
    current: Option<Box<dyn Step<R>>>,
}

impl<R: 'static> CallSequence<R> {
    /// An idle sequence whose calls go to `dc` and are decoded at `layer`; `authorized` says
    /// they run on an authorized key (a flow after login).
    pub(crate) fn new(dc: DcId, layer: Layer, policy: RetryPolicy, authorized: bool) -> Self {
        CallSequence {
            dc,
            layer,
            policy,
            authorized,
            next_id: 0,
            current: None,
        }
    }

    /// The data center calls go to (after any migration so far).
    pub(crate) fn dc(&self) -> DcId {
        self.current.as_ref().map_or(self.dc, |c| c.dc())
    }

    /// Starts `call`, whose result is mapped with `map`.
    pub(crate) fn start<F>(&mut self, call: F, map: fn(F::Return) -> R, now: Instant)
    where
        F: RemoteCall + fmt::Debug + Send + 'static,
        F::Return: DeserializeAt + fmt::Debug + Send + 'static,
    {
        self.abandon();
        let call = Call::start(
            self.dc,
            self.layer,
            self.policy.clone(),
            call,
            self.next_id,
            now,
        )
        .on_authorized_key(self.authorized);
        self.current = Some(Box::new(Mapped { call, map }));
    }

    /// Drops the running call, if any.
    pub(crate) fn abandon(&mut self) {
        if let Some(c) = self.current.take() {
            self.next_id = c.next_request_id();
            self.dc = c.dc();
        }
    }
}

/// The running call's side of [`Machine`]; an idle sequence is `Finished` until the next
/// `start`.
impl<R: 'static> Machine for CallSequence<R> {
    type Event = CallEvent<R>;

    fn phase(&self) -> Phase {
        if self.current.is_some() {
            Phase::Working
        } else {
            Phase::Finished
        }
    }

    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.current.as_mut()?.poll_transmit()
    }

    /// The running call's next event; after `Done` or `Failed` the sequence is idle.
    fn poll_event(&mut self) -> Option<CallEvent<R>> {
        let event = self.current.as_mut()?.poll_event()?;
        if event.is_terminal() {
            self.abandon();
        }
        Some(event)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.current.as_ref()?.poll_timeout()
    }

    /// Answers the running call; an id of an earlier call is ignored, one never sent refused.
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        match self.current.as_mut() {
            Some(c) => c.handle_response(now, id, body),
            None => super::stale_or_unknown(id, self.next_id),
        }
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        match self.current.as_mut() {
            Some(c) => c.handle_failure(now, id, failure),
            None => super::stale_or_unknown(id, self.next_id),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Some(c) = self.current.as_mut() {
            c.handle_timeout(now);
        }
    }
}

#[cfg(test)]
// The tests stand in for the caller, who owns the clock.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::tl::{Serialize, functions};
    use crate::{Error, RpcError};

    #[derive(Debug, PartialEq)]
    enum Reply {
        Nearest(i32),
        Cancelled(bool),
    }

    fn nearest(n: crate::tl::enums::NearestDc) -> Reply {
        let crate::tl::enums::NearestDc::NearestDc(n) = n;
        Reply::Nearest(n.nearest_dc)
    }

    #[test]
    fn calls_follow_each_other_with_unique_ids_and_the_migrated_dc() {
        let now = Instant::now();
        let mut seq = CallSequence::new(DcId(2), Layer::DEFAULT, RetryPolicy::default(), false);
        seq.start(functions::help::GetNearestDc {}, nearest, now);
        let t = seq.poll_transmit().unwrap();
        assert_eq!((t.id, t.dc), (RequestId(0), DcId(2)));
        seq.handle_response(now, t.id, &RpcError::new(303, "USER_MIGRATE_4").to_bytes())
            .unwrap();
        assert_eq!(seq.poll_event(), Some(CallEvent::DcChanged(DcId(4))));
        let t = seq.poll_transmit().unwrap();
        assert_eq!((t.id, t.dc), (RequestId(1), DcId(4)));
        let reply = crate::tl::enums::NearestDc::from(crate::tl::types::NearestDc {
            country: "XX".into(),
            this_dc: 4,
            nearest_dc: 4,
        });
        seq.handle_response(now, t.id, &reply.to_bytes()).unwrap();
        assert_eq!(seq.poll_event(), Some(CallEvent::Done(Reply::Nearest(4))));
        assert_eq!(seq.poll_event(), None);
        // Idle: an old id is ignored, an id never sent is refused.
        assert_eq!(seq.handle_response(now, RequestId(0), &[]), Ok(()));
        assert_eq!(
            seq.handle_response(now, RequestId(9), &[]),
            Err(UsageError::UnknownRequest(RequestId(9)))
        );

        seq.start(
            functions::account::CancelPasswordEmail {},
            Reply::Cancelled,
            now,
        );
        let t = seq.poll_transmit().unwrap();
        assert_eq!((t.id, t.dc), (RequestId(2), DcId(4)));
        // Abandoned: its answer no longer counts, and the next call gets a new id.
        seq.start(
            functions::account::CancelPasswordEmail {},
            Reply::Cancelled,
            now,
        );
        let t2 = seq.poll_transmit().unwrap();
        assert_eq!(t2.id, RequestId(3));
        assert_eq!(seq.handle_response(now, t.id, &false.to_bytes()), Ok(()));
        assert_eq!(seq.poll_event(), None);
        seq.handle_response(now, t2.id, &[0; 3]).unwrap();
        assert!(matches!(
            seq.poll_event(),
            Some(CallEvent::Failed(Error::MalformedReply { .. }))
        ));
    }
}
