//! [`PasswordReset`]: resetting a forgotten 2FA password from an authorized session after the
//! server's waiting period (`account.resetPassword`), or declining a reset in progress
//! (`account.declinePasswordReset`). core.telegram.org/api/srp, "Password reset".

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::{
    DcId, Error,
    config::SessionConfig,
    error::UsageError,
    machine::{CallEvent, CallSequence, Machine},
    phase::Phase,
    tl::{enums, functions},
};

use super::{classify, expect_true};

/// How a reset request or a decline ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResetOutcome {
    /// `account.resetPasswordOk`: the password is gone.
    Reset,
    /// `account.resetPasswordRequestedWait`: the reset is scheduled; call
    /// [`PasswordReset::request`] again after `until` to complete it (or decline it before).
    Pending {
        /// When the reset can complete, on the caller's clock.
        until: Instant,
        /// The same, as the server's unix time.
        until_unix: i64,
    },
    /// `account.resetPasswordFailedWait`: a recent reset was declined; a new one can be
    /// requested after `retry_at`.
    RetryLater {
        /// When a reset may be requested again, on the caller's clock.
        retry_at: Instant,
        /// The same, as the server's unix time.
        retry_unix: i64,
    },
    /// [`PasswordReset::decline`]: the pending reset was cancelled.
    Declined,
}

/// What a [`PasswordReset`] tells its caller. `Done` and `Failed` are terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ResetEvent {
    /// The call moved to another data center.
    DcChanged(DcId),
    /// Waiting out a flood wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// The answer. Terminal.
    Done(ResetOutcome),
    /// Failed: e.g. [`Error::NoPassword`] (`PASSWORD_EMPTY`) or
    /// [`Error::ResetNotRequested`] (`RESET_REQUEST_MISSING`). Terminal.
    Failed(Error),
}

impl ResetEvent {
    /// Whether this event ends the machine.
    pub fn is_terminal(&self) -> bool {
        matches!(self, ResetEvent::Done(_) | ResetEvent::Failed(_))
    }
}

#[derive(Debug)]
enum Reply {
    Result(enums::account::ResetPasswordResult),
    Declined(bool),
}

/// One `account.resetPassword` or `account.declinePasswordReset`, with its answer in typed
/// form. The server speaks unix time: the caller gives its unix time with the request, and
/// the dates come back both as unix times and as `Instant`s on the caller's clock.
///
/// ```
/// use std::time::{Duration, Instant};
/// use auth_core::{DcId, SessionConfig};
/// use auth_core::machine::Machine;
/// use auth_core::password::{PasswordReset, ResetEvent, ResetOutcome};
/// use auth_core::tl::{Serialize, enums, types};
///
/// let now = Instant::now();
/// let unix_now = 1_700_000_000; // SystemTime::now() in real code
/// let mut reset = PasswordReset::request(&SessionConfig::new(DcId(2)), now, unix_now)?;
/// let t = reset.poll_transmit().unwrap();
/// let wait = types::account::ResetPasswordRequestedWait { until_date: unix_now as i32 + 7 * 86_400 };
/// let wait = enums::account::ResetPasswordResult::from(wait);
/// reset.handle_response(now, t.id, &wait.to_bytes()).unwrap();
/// let until = now + Duration::from_secs(7 * 86_400);
/// assert_eq!(
///     reset.poll_event(),
///     Some(ResetEvent::Done(ResetOutcome::Pending { until, until_unix: unix_now + 7 * 86_400 }))
/// );
/// # Ok::<(), auth_core::UsageError>(())
/// ```
#[derive(Debug)]
pub struct PasswordReset {
    seq: CallSequence<Reply>,
    /// The caller's clock and unix time when the request started.
    started: Instant,
    unix_started: i64,
    events: VecDeque<ResetEvent>,
    finished: bool,
}

impl PasswordReset {
    /// Requests a reset (or completes one whose wait is over): `account.resetPassword` on
    /// `session.dc`. `unix_now` is the caller's wall-clock time (seconds since the epoch) at
    /// `now`.
    ///
    /// # Errors
    ///
    /// An unsupported layer, or a DC id that is not positive.
    pub fn request(
        session: &SessionConfig,
        now: Instant,
        unix_now: i64,
    ) -> Result<Self, UsageError> {
        let mut seq = CallSequence::new(session.dc, session.check()?, session.retry.clone(), true);
        seq.start(functions::account::ResetPassword {}, Reply::Result, now);
        Ok(Self::with(seq, now, unix_now))
    }

    /// Cancels a pending reset: `account.declinePasswordReset` on `session.dc`.
    ///
    /// # Errors
    ///
    /// An unsupported layer, or a DC id that is not positive.
    pub fn decline(session: &SessionConfig, now: Instant) -> Result<Self, UsageError> {
        let mut seq = CallSequence::new(session.dc, session.check()?, session.retry.clone(), true);
        seq.start(
            functions::account::DeclinePasswordReset {},
            Reply::Declined,
            now,
        );
        Ok(Self::with(seq, now, 0))
    }

    fn with(seq: CallSequence<Reply>, now: Instant, unix_now: i64) -> Self {
        PasswordReset {
            seq,
            started: now,
            unix_started: unix_now,
            events: VecDeque::new(),
            finished: false,
        }
    }

    /// The data center the call goes to.
    pub fn dc(&self) -> DcId {
        self.seq.dc()
    }

    /// A server unix time on the caller's clock: dates in the past map to the start of the
    /// request, dates too far ahead for `Instant` to a year ahead.
    fn instant_of(&self, unix: i32) -> Instant {
        let ahead = i64::from(unix).saturating_sub(self.unix_started).max(0);
        let ahead = Duration::from_secs(u64::try_from(ahead).unwrap_or(0));
        self.started
            .checked_add(ahead)
            .or_else(|| self.started.checked_add(Duration::from_secs(365 * 86_400)))
            .unwrap_or(self.started)
    }

    fn finish(&mut self, event: ResetEvent) {
        self.seq.abandon();
        self.finished = true;
        self.events.push_back(event);
    }

    fn pump(&mut self) {
        while !self.finished {
            let Some(event) = self.seq.poll_event() else {
                break;
            };
            match event {
                CallEvent::DcChanged(dc) => self.events.push_back(ResetEvent::DcChanged(dc)),
                CallEvent::FloodWait { seconds, until } => self
                    .events
                    .push_back(ResetEvent::FloodWait { seconds, until }),
                CallEvent::Done(reply) => {
                    let event = match self.outcome(reply) {
                        Ok(outcome) => ResetEvent::Done(outcome),
                        Err(e) => ResetEvent::Failed(e),
                    };
                    self.finish(event);
                }
                CallEvent::Failed(e) => self.finish(ResetEvent::Failed(classify(e))),
            }
        }
    }

    fn outcome(&self, reply: Reply) -> Result<ResetOutcome, Error> {
        use enums::account::ResetPasswordResult as R;
        Ok(match reply {
            Reply::Result(R::ResetPasswordOk(_)) => ResetOutcome::Reset,
            Reply::Result(R::ResetPasswordRequestedWait(w)) => ResetOutcome::Pending {
                until: self.instant_of(w.until_date),
                until_unix: i64::from(w.until_date),
            },
            Reply::Result(R::ResetPasswordFailedWait(w)) => ResetOutcome::RetryLater {
                retry_at: self.instant_of(w.retry_date),
                retry_unix: i64::from(w.retry_date),
            },
            Reply::Declined(ok) => {
                expect_true("account.declinePasswordReset", ok)?;
                ResetOutcome::Declined
            }
        })
    }
}

crate::machine::forward_machine!(
    PasswordReset,
    ResetEvent,
    seq,
    pump: |this, now| { let _ = now; this.pump() },
    phase: |me| if me.finished { Phase::Finished } else { Phase::Working },
);
