//! The user's answers to a login's questions: code, sign-up, email, Firebase token, resend,
//! cancel. (The password and its recovery are in `password.rs` and `recovery.rs`.)

use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    error::UsageError,
    input::{EmailToken, IntegrityProof, encodable},
    phase::Phase,
};

use super::{CodeKind, Login, LoginEvent, RestartReason, request::Request, request::Verification};

/// The `reason` a driver without any device-integrity check gives
/// [`Login::report_integrity_failure`]: the server then sends the code another way.
pub const NO_INTEGRITY_CHECK: &str = "this app cannot check the device's integrity";

impl Login {
    /// The user typed the code (in `AwaitingCode`). It is normalised and checked against what
    /// was announced (see [`CodeKind::normalize`]) before a server attempt is spent on it.
    ///
    /// # Errors
    ///
    /// The wrong phase, an expired code, or a code that cannot be right.
    pub fn submit_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("submit_code", Phase::AwaitingCode)?;
        let state = self.code.as_ref().ok_or(UsageError::WrongPhase {
            command: "submit_code",
            phase: self.phase,
        })?;
        if state.expired {
            return Err(UsageError::CodeExpired);
        }
        let normalized = Zeroizing::new(state.sent.kind.normalize(code)?);
        let request = if state.sent.kind.is_email() {
            Request::SignIn {
                code: None,
                email: Some(Verification::Code(normalized)),
            }
        } else {
            Request::SignIn {
                code: Some(normalized),
                email: None,
            }
        };
        self.send(now, request);
        Ok(())
    }

    /// Asks for the code again, by the announced next method (`auth.resendCode`). Possible
    /// once the timeout passed, or at once after the code expired.
    ///
    /// # Errors
    ///
    /// The wrong phase, no next delivery method, or the timeout not over yet.
    pub fn resend_code(&mut self, now: Instant, reason: Option<&str>) -> Result<(), UsageError> {
        self.expect("resend_code", Phase::AwaitingCode)?;
        let reason = reason.map(encodable).transpose()?;
        let Some(state) = self.code.as_ref() else {
            return Err(UsageError::ResendUnavailable);
        };
        if state.expired && state.sent.next.is_none() {
            // Nothing to resend by: ask for a new code from scratch.
            self.restart(now, RestartReason::CodeExpired);
            return Ok(());
        }
        if state.sent.next.is_none() {
            return Err(UsageError::ResendUnavailable);
        }
        if !state.expired
            && let Some(at) = state.resend_at
            && at > now
        {
            return Err(UsageError::ResendNotYet(at - now));
        }
        self.send(
            now,
            Request::ResendCode {
                reason: reason.map(str::to_owned),
            },
        );
        Ok(())
    }

    /// Accepts the terms of service and signs up with this name (in `AwaitingSignUp`).
    ///
    /// # Errors
    ///
    /// The wrong phase, or an empty or too long name.
    pub fn sign_up(
        &mut self,
        now: Instant,
        first_name: &str,
        last_name: &str,
    ) -> Result<(), UsageError> {
        self.expect("sign_up", Phase::AwaitingSignUp)?;
        let first = first_name.trim();
        let last = last_name.trim();
        if first.is_empty() {
            return Err(UsageError::InvalidName("the first name is empty"));
        }
        if first.chars().count() > 64 || last.chars().count() > 64 {
            return Err(UsageError::InvalidName("names are at most 64 characters"));
        }
        let (first_name, last_name) = (first.to_owned(), last.to_owned());
        // A Firebase login has no phone and no code hash: it signs up its own way.
        let request = if self.code.is_none() && self.phone.is_empty() {
            Request::FirebaseSignUp {
                first_name,
                last_name,
            }
        } else {
            Request::SignUp {
                first_name,
                last_name,
            }
        };
        self.send(now, request);
        Ok(())
    }

    /// Declines the terms of service: the code is cancelled and the login ends.
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn decline_sign_up(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("decline_sign_up", Phase::AwaitingSignUp)?;
        self.cancel(now);
        Ok(())
    }

    /// The login email to set up (in `AwaitingEmail`): a code is sent to it.
    ///
    /// # Errors
    ///
    /// The wrong phase, or not an email address.
    pub fn submit_email(&mut self, now: Instant, email: &str) -> Result<(), UsageError> {
        self.expect("submit_email", Phase::AwaitingEmail)?;
        let email = crate::input::plausible_email(email).ok_or(UsageError::InvalidEmail)?;
        self.send(
            now,
            Request::SendEmailCode {
                email: email.to_owned(),
            },
        );
        Ok(())
    }

    /// The code sent to the login email (in `AwaitingEmailCode`; see
    /// [`email_code`](Self::email_code)).
    ///
    /// # Errors
    ///
    /// The wrong phase, or a code that cannot be right.
    pub fn submit_email_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("submit_email_code", Phase::AwaitingEmailCode)?;
        let length = self.email_code.as_ref().map_or(0, |c| c.length);
        let normalized = crate::input::normalize_digits(code, length)?;
        self.send(
            now,
            Request::VerifyEmail(Verification::Code(Zeroizing::new(normalized))),
        );
        Ok(())
    }

    /// A Google or Apple ID token instead of an email code: verifies the email being set up
    /// (in `AwaitingEmail`), or signs in where the code went to the login email (in
    /// `AwaitingCode`). Only where the server allowed that method.
    ///
    /// # Errors
    ///
    /// The wrong phase, or a method the server did not allow.
    pub fn submit_email_token(
        &mut self,
        now: Instant,
        token: EmailToken,
    ) -> Result<(), UsageError> {
        match &token {
            EmailToken::Google(t) | EmailToken::Apple(t) => encodable(t)?,
        };
        let (apple, google) = match (self.phase, self.code.as_ref().map(|c| &c.sent.kind)) {
            (
                Phase::AwaitingEmail,
                Some(CodeKind::SetUpEmailRequired {
                    apple_signin_allowed,
                    google_signin_allowed,
                }),
            )
            | (
                Phase::AwaitingCode,
                Some(CodeKind::Email {
                    apple_signin_allowed,
                    google_signin_allowed,
                    ..
                }),
            ) => (*apple_signin_allowed, *google_signin_allowed),
            _ => {
                return Err(UsageError::WrongPhase {
                    command: "submit_email_token",
                    phase: self.phase,
                });
            }
        };
        let verification = match token {
            EmailToken::Google(t) if google => Verification::Google(t),
            EmailToken::Apple(t) if apple => Verification::Apple(t),
            _ => return Err(UsageError::SignInMethodNotAllowed),
        };
        let request = if self.phase == Phase::AwaitingEmail {
            Request::VerifyEmail(verification)
        } else {
            Request::SignIn {
                code: None,
                email: Some(verification),
            }
        };
        self.send(now, request);
        Ok(())
    }

    /// The user lost access to the login email (`auth.resetLoginEmail`): a code is sent
    /// another way.
    ///
    /// # Errors
    ///
    /// The wrong phase, or the code did not go to the login email.
    pub fn reset_login_email(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("reset_login_email", Phase::AwaitingCode)?;
        if !self.code.as_ref().is_some_and(|c| c.sent.kind.is_email()) {
            return Err(UsageError::WrongPhase {
                command: "reset_login_email",
                phase: self.phase,
            });
        }
        self.send(now, Request::ResetLoginEmail);
        Ok(())
    }

    /// The token Google's Firebase phone-number verification returned for
    /// [`firebase_intent`](Self::firebase_intent) (in `AwaitingFirebaseToken`):
    /// `auth.finishFirebasePnvLogin`.
    ///
    /// # Errors
    ///
    /// The wrong phase, or an empty token.
    pub fn submit_firebase_token(&mut self, now: Instant, token: &str) -> Result<(), UsageError> {
        self.expect("submit_firebase_token", Phase::AwaitingFirebaseToken)?;
        let token = encodable(token.trim())?;
        if token.is_empty() {
            return Err(UsageError::InvalidConfig("the Firebase token is empty"));
        }
        self.send(
            now,
            Request::FirebaseFinish(Zeroizing::new(token.to_owned())),
        );
        Ok(())
    }

    /// The app's device-integrity proof for the offered Firebase SMS (in
    /// `AwaitingIntegrityCheck`; [`CodeKind::FirebaseSms`] says which proofs are asked for):
    /// `auth.requestFirebaseSms`. If the server accepts it, the SMS is sent and `CodeSent`
    /// follows; if not, the next delivery method is requested (`auth.resendCode`).
    ///
    /// # Errors
    ///
    /// The wrong phase, or a proof of a kind that was not asked for (or empty).
    pub fn submit_integrity_proof(
        &mut self,
        now: Instant,
        proof: IntegrityProof,
    ) -> Result<(), UsageError> {
        self.expect("submit_integrity_proof", Phase::AwaitingIntegrityCheck)?;
        let Some(CodeKind::FirebaseSms {
            nonce,
            play_integrity,
            ios_push,
            ..
        }) = self.code.as_ref().map(|c| &c.sent.kind)
        else {
            return Err(UsageError::WrongPhase {
                command: "submit_integrity_proof",
                phase: self.phase,
            });
        };
        let asked = match proof {
            IntegrityProof::SafetyNet(_) => nonce.is_some(),
            IntegrityProof::PlayIntegrity(_) => play_integrity.is_some(),
            IntegrityProof::IosPushSecret(_) => ios_push.is_some(),
        };
        if !asked || proof.text().trim().is_empty() {
            return Err(UsageError::IntegrityProofNotAsked);
        }
        encodable(proof.text())?;
        self.send(now, Request::FirebaseSms(proof));
        Ok(())
    }

    /// The device-integrity check failed and no proof could be had (in
    /// `AwaitingIntegrityCheck`; on iOS, also when no push came within `push_timeout`): the
    /// next delivery method is requested with `auth.resendCode`, whose `reason` carries
    /// `reason`, the check's failure.
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn report_integrity_failure(
        &mut self,
        now: Instant,
        reason: &str,
    ) -> Result<(), UsageError> {
        self.expect("report_integrity_failure", Phase::AwaitingIntegrityCheck)?;
        let reason = encodable(reason.trim())?;
        self.send(
            now,
            Request::ResendCode {
                reason: (!reason.is_empty()).then(|| reason.to_owned()),
            },
        );
        Ok(())
    }

    /// Ends the login. If a code was sent, `auth.cancelCode` invalidates it first and
    /// `Cancelled` follows its answer; otherwise `Cancelled` comes at once. Nothing happens
    /// after the login finished.
    pub fn cancel(&mut self, now: Instant) {
        if self.is_finished() {
            return;
        }
        self.abandon_in_flight();
        self.scheduled = None;
        if self.code.is_some() || self.payment.is_some() {
            self.send(now, Request::CancelCode);
        } else {
            self.finish(LoginEvent::Cancelled);
        }
    }
}
