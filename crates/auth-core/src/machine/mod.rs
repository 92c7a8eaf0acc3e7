//! What every state machine of this crate has in common, so one driver loop runs any of them,
//! and [`Call`]: one API call with the retry rules every flow shares, from which the small
//! flows are built (a crate-private call sequence runs several in turn).

mod call;
mod sequence;

use std::time::Instant;

use crate::{
    error::UsageError,
    phase::Phase,
    transport::{RequestId, Transmit, TransportFailure},
    work::{Work, WorkDone},
};

pub use call::{Call, CallEvent};
pub(crate) use sequence::CallSequence;

/// The network, clock and slow-work side of a state machine: what a driver loop needs.
///
/// Commands (the user's answers) are each machine's own methods; this trait covers the rest.
/// Every method of it sorts into one of four kinds, as on every machine:
///
/// * getters: [`phase`](Self::phase), [`is_finished`](Self::is_finished);
/// * `handle_*`: input — [`handle_response`](Self::handle_response),
///   [`handle_failure`](Self::handle_failure), [`handle_timeout`](Self::handle_timeout),
///   [`handle_work`](Self::handle_work);
/// * `poll_*`: output — [`poll_transmit`](Self::poll_transmit), [`poll_event`](Self::poll_event),
///   [`poll_timeout`](Self::poll_timeout), [`poll_work`](Self::poll_work).
///
/// A machine that is not finished always has something to wait for: a call in flight (the
/// caller answers it), a timer (`poll_timeout`), work handed out, or — in an `Awaiting*`
/// [`Phase`] — the user. A driver that finds none of them has found a bug.
pub trait Machine {
    /// What the machine tells its caller.
    type Event;

    /// What the machine is doing.
    fn phase(&self) -> Phase;
    /// Whether the terminal event was emitted.
    fn is_finished(&self) -> bool {
        self.phase() == Phase::Finished
    }

    /// The next call to send, if any.
    fn poll_transmit(&mut self) -> Option<Transmit>;
    /// The next event, if any.
    fn poll_event(&mut self) -> Option<Self::Event>;
    /// When [`handle_timeout`](Self::handle_timeout) should next be called: a retry, a flood
    /// wait's end, a call's deadline, a QR token's expiry, ...
    fn poll_timeout(&self) -> Option<Instant>;
    /// Slow work to run where slow work belongs, then hand back with
    /// [`handle_work`](Self::handle_work). Only the password flows have any.
    fn poll_work(&mut self) -> Option<Work> {
        None
    }

    /// The answer (result or `rpc_error` bytes) to request `id`. Answers to requests the
    /// machine abandoned (after a timeout or `cancel`) are ignored.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] for an id the machine never handed out.
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError>;
    /// Request `id` could not be delivered (or its answer was lost).
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] for an id the machine never handed out.
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError>;
    /// The clock reached `now`.
    fn handle_timeout(&mut self, now: Instant);
    /// The result of [`Work::run`] on work from [`poll_work`](Self::poll_work).
    ///
    /// # Errors
    ///
    /// [`UsageError::StaleWork`] for work the machine no longer waits for.
    fn handle_work(&mut self, now: Instant, done: WorkDone) -> Result<(), UsageError> {
        let _ = (now, done);
        Err(UsageError::StaleWork)
    }
}

/// Implements [`Machine`] for a flow that hands its network side to an inner machine (a
/// [`Call`] or a [`CallSequence`]) in field `$inner`, keeps its own events in `events`, and
/// turns the inner machine's progress into those events with `$pump` after every input.
macro_rules! forward_machine {
    (
        $ty:ty, $event:ty, $inner:ident,
        pump: |$this:ident, $now:ident| $pump:expr,
        phase: |$me:ident| $phase:expr $(,)?
    ) => {
        impl $crate::machine::Machine for $ty {
            type Event = $event;

            fn phase(&self) -> $crate::Phase {
                let $me = self;
                $phase
            }

            fn poll_transmit(&mut self) -> Option<$crate::transport::Transmit> {
                $crate::machine::Machine::poll_transmit(&mut self.$inner)
            }

            fn poll_event(&mut self) -> Option<$event> {
                self.events.pop_front()
            }

            fn poll_timeout(&self) -> Option<std::time::Instant> {
                if $crate::machine::Machine::is_finished(self) {
                    return None;
                }
                $crate::machine::Machine::poll_timeout(&self.$inner)
            }

            fn handle_response(
                &mut self,
                now: std::time::Instant,
                id: $crate::transport::RequestId,
                body: &[u8],
            ) -> Result<(), $crate::UsageError> {
                $crate::machine::Machine::handle_response(&mut self.$inner, now, id, body)?;
                let ($this, $now) = (&mut *self, now);
                $pump;
                Ok(())
            }

            fn handle_failure(
                &mut self,
                now: std::time::Instant,
                id: $crate::transport::RequestId,
                failure: $crate::transport::TransportFailure,
            ) -> Result<(), $crate::UsageError> {
                $crate::machine::Machine::handle_failure(&mut self.$inner, now, id, failure)?;
                let ($this, $now) = (&mut *self, now);
                $pump;
                Ok(())
            }

            fn handle_timeout(&mut self, now: std::time::Instant) {
                $crate::machine::Machine::handle_timeout(&mut self.$inner, now);
                let ($this, $now) = (&mut *self, now);
                $pump;
            }
        }
    };
}
pub(crate) use forward_machine;

/// Refuses a command outside the phases it belongs to.
pub(crate) fn expect_phase(
    command: &'static str,
    phase: Phase,
    allowed: bool,
) -> Result<(), UsageError> {
    if allowed {
        Ok(())
    } else {
        Err(UsageError::WrongPhase { command, phase })
    }
}

/// Whether `id` was handed out before `next_id` (a late answer to ignore) or never (refused).
pub(crate) fn stale_or_unknown(id: RequestId, next_id: u64) -> Result<(), UsageError> {
    if id.0 < next_id {
        Ok(())
    } else {
        Err(UsageError::UnknownRequest(id))
    }
}
