//! Changing the login email of an authorized account (core.telegram.org/api/auth, "Email
//! verification"): `account.sendVerifyEmailCode(emailVerifyPurposeLoginChange, email)` →
//! `account.sentEmailCode` → `account.verifyEmail(emailVerifyPurposeLoginChange, code or
//! Google/Apple ID token)` → `account.emailVerified{email}`.
//!
//! [`LoginEmailChange`] has the [`Login`](crate::login::Login)'s shape: getters, `handle_*`
//! and `poll_*` (the [`Machine`] trait), commands
//! ([`submit_code`](LoginEmailChange::submit_code),
//! [`submit_token`](LoginEmailChange::submit_token),
//! [`submit_email`](LoginEmailChange::submit_email),
//! [`resend_code`](LoginEmailChange::resend_code), [`cancel`](LoginEmailChange::cancel)); a
//! command in the wrong [`Phase`] returns a [`UsageError`] and changes nothing. Phases:
//! `Working`, `AwaitingEmail`, `AwaitingEmailCode`, `Finished`.
//!
//! ```text
//! new(email) ─► sendVerifyEmailCode ─► AwaitingEmailCode ─submit_code─► verifyEmail ─► Done(email)
//!                 │ EMAIL_INVALID            ▲ CODE_INVALID ─┘
//!                 ▼                          │
//!            AwaitingEmail ─submit_email─────┘        EMAIL_NOT_SETUP ─► Failed(EmailNotSetUp)
//! with_token(token) ─► verifyEmail ─► Done(email)
//! ```

use std::collections::VecDeque;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    DcId, Error, RpcError, RpcErrorKind,
    account::EmailCode,
    config::SessionConfig,
    error::UsageError,
    input::{EmailToken, normalize_digits, plausible_email},
    machine::{CallEvent, CallSequence, Machine, expect_phase},
    phase::Phase,
    tl::{enums, functions, types},
};

/// What a [`LoginEmailChange`] tells its caller. `Done`, `Cancelled` and `Failed` are
/// terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EmailChangeEvent {
    /// A code was sent to the new address: ask for it
    /// ([`submit_code`](LoginEmailChange::submit_code)).
    CodeSent(EmailCode),
    /// The code was wrong; ask again.
    CodeInvalid {
        /// Wrong codes so far.
        attempts: u32,
    },
    /// The code expired (`EMAIL_VERIFY_EXPIRED`): [`resend_code`](LoginEmailChange::resend_code).
    CodeExpired,
    /// The server refused the address (`EMAIL_INVALID`, `EMAIL_NOT_ALLOWED`) or the ID token
    /// (`CODE_INVALID`): ask for another ([`submit_email`](LoginEmailChange::submit_email)).
    EmailRefused(RpcError),
    /// The calls moved to another data center.
    DcChanged(DcId),
    /// Waiting out a flood wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// The login email is now this address, as the server confirmed it. Terminal.
    Done(String),
    /// [`cancel`](LoginEmailChange::cancel) was called. Terminal.
    Cancelled,
    /// Failed (e.g. [`Error::EmailNotSetUp`]: the account has no login email to change).
    /// Terminal.
    Failed(Error),
}

impl EmailChangeEvent {
    /// Whether this event ends the machine.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            EmailChangeEvent::Done(_) | EmailChangeEvent::Cancelled | EmailChangeEvent::Failed(_)
        )
    }
}

#[derive(Debug)]
enum Reply {
    Sent(enums::account::SentEmailCode),
    Verified(Box<enums::account::EmailVerified>),
}

/// Which verification is on its way (a code counts wrong attempts, a token is refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Send,
    VerifyCode,
    VerifyToken,
}

/// Changes the login email of an authorized account. See the [module documentation](self).
#[derive(Debug)]
pub struct LoginEmailChange {
    seq: CallSequence<Reply>,
    phase: Phase,
    events: VecDeque<EmailChangeEvent>,
    pending: Option<Pending>,
    email: Option<String>,
    code: Option<EmailCode>,
    attempts: u32,
}

impl LoginEmailChange {
    /// Starts the change to `email` on `session.dc`: a code is sent to it.
    ///
    /// # Errors
    ///
    /// [`UsageError::InvalidEmail`] if `email` is not an address; an unsupported layer.
    pub fn new(session: &SessionConfig, email: &str, now: Instant) -> Result<Self, UsageError> {
        let email = plausible_email(email).ok_or(UsageError::InvalidEmail)?;
        let mut change = Self::idle(session)?;
        change.send_code(now, email.to_owned());
        Ok(change)
    }

    /// Starts the change with a Google or Apple ID token (no code is sent): the token's
    /// address becomes the login email.
    ///
    /// # Errors
    ///
    /// An unsupported layer, or a DC id that is not positive.
    pub fn with_token(
        session: &SessionConfig,
        token: EmailToken,
        now: Instant,
    ) -> Result<Self, UsageError> {
        let mut change = Self::idle(session)?;
        change.verify(now, Pending::VerifyToken, token_verification(token));
        Ok(change)
    }

    fn idle(session: &SessionConfig) -> Result<Self, UsageError> {
        Ok(LoginEmailChange {
            seq: CallSequence::new(session.dc, session.check()?, session.retry.clone(), true),
            phase: Phase::Working,
            events: VecDeque::new(),
            pending: None,
            email: None,
            code: None,
            attempts: 0,
        })
    }

    // ----- getters -----

    /// What the machine is doing.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The data center the calls go to.
    pub fn dc(&self) -> DcId {
        self.seq.dc()
    }

    /// The address being verified (not for a token).
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The code sent to the new address (in `AwaitingEmailCode`).
    pub fn email_code(&self) -> Option<&EmailCode> {
        match self.phase {
            Phase::AwaitingEmailCode => self.code.as_ref(),
            _ => None,
        }
    }

    /// Wrong codes so far.
    pub fn code_attempts(&self) -> u32 {
        self.attempts
    }

    // ----- commands -----

    /// The code sent to the new address (in `AwaitingEmailCode`).
    ///
    /// # Errors
    ///
    /// The wrong phase, or a code that cannot be right.
    pub fn submit_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        expect_phase(
            "submit_code",
            self.phase,
            self.phase == Phase::AwaitingEmailCode,
        )?;
        let length = self.code.as_ref().map_or(0, |c| c.length);
        let code = Zeroizing::new(normalize_digits(code, length)?);
        let verification = types::EmailVerificationCode {
            code: crate::tl::SecretString::from(code),
        }
        .into();
        self.verify(now, Pending::VerifyCode, verification);
        Ok(())
    }

    /// A Google or Apple ID token instead of the code (in `AwaitingEmailCode` or
    /// `AwaitingEmail`).
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn submit_token(&mut self, now: Instant, token: EmailToken) -> Result<(), UsageError> {
        expect_phase(
            "submit_token",
            self.phase,
            matches!(self.phase, Phase::AwaitingEmailCode | Phase::AwaitingEmail),
        )?;
        self.verify(now, Pending::VerifyToken, token_verification(token));
        Ok(())
    }

    /// Another address (in `AwaitingEmail`, or `AwaitingEmailCode` to change one's mind): a
    /// code is sent to it.
    ///
    /// # Errors
    ///
    /// The wrong phase, or not an address.
    pub fn submit_email(&mut self, now: Instant, email: &str) -> Result<(), UsageError> {
        expect_phase(
            "submit_email",
            self.phase,
            matches!(self.phase, Phase::AwaitingEmailCode | Phase::AwaitingEmail),
        )?;
        let email = plausible_email(email).ok_or(UsageError::InvalidEmail)?;
        self.send_code(now, email.to_owned());
        Ok(())
    }

    /// Sends the code to the same address again (in `AwaitingEmailCode`).
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn resend_code(&mut self, now: Instant) -> Result<(), UsageError> {
        let Some(email) = self
            .email
            .clone()
            .filter(|_| self.phase == Phase::AwaitingEmailCode)
        else {
            return Err(UsageError::WrongPhase {
                command: "resend_code",
                phase: self.phase,
            });
        };
        self.send_code(now, email);
        Ok(())
    }

    /// Ends the machine at once with `Cancelled`. Nothing happens after it finished.
    pub fn cancel(&mut self, _now: Instant) {
        if self.phase != Phase::Finished {
            self.finish(EmailChangeEvent::Cancelled);
        }
    }

    // ----- internals -----

    fn send_code(&mut self, now: Instant, email: String) {
        self.email = Some(email.clone());
        self.pending = Some(Pending::Send);
        self.phase = Phase::Working;
        let call = functions::account::SendVerifyEmailCode {
            purpose: types::EmailVerifyPurposeLoginChange {}.into(),
            email,
        };
        self.seq.start(call, Reply::Sent, now);
    }

    fn verify(&mut self, now: Instant, pending: Pending, verification: enums::EmailVerification) {
        self.pending = Some(pending);
        self.phase = Phase::Working;
        let call = functions::account::VerifyEmail {
            purpose: types::EmailVerifyPurposeLoginChange {}.into(),
            verification,
        };
        self.seq.start(call, |v| Reply::Verified(Box::new(v)), now);
    }

    fn finish(&mut self, event: EmailChangeEvent) {
        self.seq.abandon();
        self.pending = None;
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn pump(&mut self) {
        while self.phase != Phase::Finished {
            let Some(event) = self.seq.poll_event() else {
                break;
            };
            let result = match event {
                CallEvent::DcChanged(dc) => {
                    self.events.push_back(EmailChangeEvent::DcChanged(dc));
                    continue;
                }
                CallEvent::FloodWait { seconds, until } => {
                    self.events
                        .push_back(EmailChangeEvent::FloodWait { seconds, until });
                    continue;
                }
                CallEvent::Done(reply) => Ok(reply),
                CallEvent::Failed(error) => Err(error),
            };
            let pending = self.pending.take().unwrap_or(Pending::Send);
            self.on_done(pending, result);
        }
    }

    fn on_done(&mut self, pending: Pending, result: Result<Reply, Error>) {
        use RpcErrorKind as K;
        match (pending, result) {
            (_, Ok(Reply::Sent(enums::account::SentEmailCode::SentEmailCode(sent)))) => {
                let code = EmailCode {
                    email_pattern: sent.email_pattern,
                    length: u32::try_from(sent.length).unwrap_or(0),
                };
                self.code = Some(code.clone());
                self.attempts = 0;
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(EmailChangeEvent::CodeSent(code));
            }
            (_, Ok(Reply::Verified(verified))) => match *verified {
                enums::account::EmailVerified::EmailVerified(v) => {
                    self.finish(EmailChangeEvent::Done(v.email));
                }
                other => self.finish(EmailChangeEvent::Failed(Error::UnexpectedReply {
                    method: "account.verifyEmail",
                    what: other.constructor_name().to_owned(),
                })),
            },
            (Pending::VerifyCode, Err(Error::Rpc { error, .. }))
                if error.kind() == K::CodeInvalid =>
            {
                self.attempts += 1;
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(EmailChangeEvent::CodeInvalid {
                    attempts: self.attempts,
                });
            }
            (Pending::VerifyCode, Err(Error::Rpc { error, .. }))
                if error.kind() == K::EmailVerifyExpired =>
            {
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(EmailChangeEvent::CodeExpired);
            }
            (Pending::VerifyToken, Err(Error::Rpc { error, .. }))
                if error.kind() == K::CodeInvalid =>
            {
                self.refused(error);
            }
            (_, Err(Error::Rpc { error, .. }))
                if matches!(error.kind(), K::EmailInvalid | K::EmailNotAllowed) =>
            {
                self.refused(error);
            }
            (_, Err(Error::Rpc { error, .. })) if error.kind() == K::EmailNotSetup => {
                self.finish(EmailChangeEvent::Failed(Error::EmailNotSetUp));
            }
            (_, Err(e)) => self.finish(EmailChangeEvent::Failed(e)),
        }
    }

    fn refused(&mut self, e: RpcError) {
        self.phase = Phase::AwaitingEmail;
        self.events.push_back(EmailChangeEvent::EmailRefused(e));
    }
}

fn token_verification(token: EmailToken) -> enums::EmailVerification {
    match token {
        EmailToken::Google(token) => types::EmailVerificationGoogle {
            token: token.into(),
        }
        .into(),
        EmailToken::Apple(token) => types::EmailVerificationApple {
            token: token.into(),
        }
        .into(),
    }
}

crate::machine::forward_machine!(
    LoginEmailChange,
    EmailChangeEvent,
    seq,
    pump: |this, now| { let _ = now; this.pump() },
    phase: |me| me.phase,
);
