//! Paid auth (core.telegram.org/api/auth, "Paid auth"): `auth.sentCodePaymentRequired` asks
//! for a store purchase before a code is sent; an app that made it continues with
//! `auth.checkPaidAuth`, one that cannot declines.

use std::time::Instant;

use crate::{
    error::{Error, UsageError},
    phase::Phase,
};

use super::{Login, LoginEvent, request::Request};

impl Login {
    /// The app paid for the login with payment form `form_id` (in `AwaitingPayment`):
    /// `auth.checkPaidAuth` asks for the code, which then arrives as after `auth.sendCode`.
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn check_paid_auth(&mut self, now: Instant, form_id: i64) -> Result<(), UsageError> {
        self.expect("check_paid_auth", Phase::AwaitingPayment)?;
        self.send(now, Request::CheckPaidAuth { form_id });
        Ok(())
    }

    /// The app cannot (or will not) pay (in `AwaitingPayment`): the login ends with
    /// `Failed(Error::PaymentRequired(..))`.
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn decline_payment(&mut self, now: Instant) -> Result<(), UsageError> {
        let _ = now;
        self.expect("decline_payment", Phase::AwaitingPayment)?;
        let Some(payment) = self.payment.take() else {
            return Err(UsageError::WrongPhase {
                command: "decline_payment",
                phase: self.phase,
            });
        };
        self.finish(LoginEvent::Failed(Error::PaymentRequired(Box::new(
            payment,
        ))));
        Ok(())
    }
}
