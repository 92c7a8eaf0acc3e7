//! Changing the login email of an authorized account (core.telegram.org/api/auth, "Email
//! verification"): `account.sendVerifyEmailCode(emailVerifyPurposeLoginChange, email)` →
//! `account.sentEmailCode` → `account.verifyEmail(emailVerifyPurposeLoginChange, code or
//! Google/Apple ID token)` → `account.emailVerified{email}`.
//!
//! [`LoginEmailChange`] has the [`Login`](crate::login::Login)'s shape: getters, `handle_*`
//! and `poll_*` (the [`Machine`](crate::machine::Machine) trait), commands
//! ([`submit_code`](LoginEmailChange::submit_code),
//! [`submit_token`](LoginEmailChange::submit_token),
//! [`submit_email`](LoginEmailChange::submit_email),
//! [`resend_code`](LoginEmailChange::resend_code), [`cancel`](LoginEmailChange::cancel)); a
//! command in the wrong [`Phase`] returns a [`UsageError`] and changes nothing.
//!
//! ```text
//! new(email) ─► sendVerifyEmailCode ─► AwaitingCode ─submit_code─► verifyEmail ─► Changed{email}
//!                 │ EMAIL_INVALID            ▲ CODE_INVALID ─┘
//!                 ▼                          │
//!            AwaitingEmail ─submit_email─────┘        EMAIL_NOT_SETUP ─► Failed(NotSetUp)
//! with_token(token) ─► verifyEmail ─► Changed{email}
//! ```

use std::collections::VecDeque;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    DcId, RpcError, RpcErrorKind,
    login::{CodeFormatError, CodeKind, EmailToken},
    machine::{CallError, CallEvent, RetryPolicy},
    password::plausible_email,
    tl::{enums, functions, types},
};

/// What a [`LoginEmailChange`] is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A request is on its way, or waiting out a flood wait or retry delay.
    Working,
    /// The address was refused: waiting for another
    /// ([`submit_email`](LoginEmailChange::submit_email)) or an ID token.
    AwaitingEmail,
    /// Waiting for the code sent to the new address (or an ID token).
    AwaitingCode,
    /// Changed, cancelled or failed.
    Finished,
}

/// A command that does not fit the machine's state, or input refused before anything was
/// sent. The machine is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// The command is not possible in this phase.
    #[error("`{command}` is not possible while the email change is {phase:?}")]
    WrongPhase {
        /// The command called.
        command: &'static str,
        /// What the machine is doing.
        phase: Phase,
    },
    /// Not an email address.
    #[error("invalid email address")]
    InvalidEmail,
    /// The typed code cannot be right; nothing was sent.
    #[error("invalid code: {0}")]
    InvalidCode(#[from] CodeFormatError),
}

/// Why the email change failed. Delivered once, in `Event::Failed`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangeError {
    /// `EMAIL_NOT_SETUP`: the account has no login email to change; one is set up during a
    /// login that requires it.
    #[error("the account has no login email to change")]
    NotSetUp,
    /// The server refused with an error the flow does not recover from.
    #[error("server refused: {0}")]
    Rpc(RpcError),
    /// A flood wait too long, migrations in circles, a malformed reply or a failing
    /// transport.
    #[error(transparent)]
    Call(CallError),
    /// The server's reply decoded but makes no sense here.
    #[error("unexpected reply to {method}: {what}")]
    UnexpectedReply {
        /// The call answered.
        method: &'static str,
        /// What arrived.
        what: String,
    },
}

impl From<CallError> for ChangeError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Rpc(e) if e.kind() == RpcErrorKind::EmailNotSetup => ChangeError::NotSetUp,
            CallError::Rpc(e) => ChangeError::Rpc(e),
            other => ChangeError::Call(other),
        }
    }
}

/// What a [`LoginEmailChange`] tells its caller. `Changed`, `Cancelled` and `Failed` are
/// terminal.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A code was sent to the new address: ask for it
    /// ([`submit_code`](LoginEmailChange::submit_code)).
    CodeSent {
        /// The address, partly masked.
        email_pattern: String,
        /// Digits in the code.
        length: u32,
    },
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
    /// The login email is now `email`. Terminal.
    Changed {
        /// The new login email, as the server confirmed it.
        email: String,
    },
    /// [`cancel`](LoginEmailChange::cancel) was called. Terminal.
    Cancelled,
    /// Failed. Terminal.
    Failed(ChangeError),
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
    seq: crate::password::CallSequence<Reply>,
    phase: Phase,
    events: VecDeque<Event>,
    pending: Option<Pending>,
    email: Option<String>,
    code_length: u32,
    attempts: u32,
}

impl LoginEmailChange {
    /// Starts the change to `email` on `dc`, the session's data center: a code is sent to it.
    ///
    /// # Errors
    ///
    /// [`UsageError::InvalidEmail`] if `email` is not an address.
    pub fn new(
        dc: DcId,
        policy: RetryPolicy,
        email: &str,
        now: Instant,
    ) -> Result<Self, UsageError> {
        let email = plausible_email(email).ok_or(UsageError::InvalidEmail)?;
        let mut change = Self::idle(dc, policy);
        change.send_code(now, email.to_owned());
        Ok(change)
    }

    /// Starts the change with a Google or Apple ID token (no code is sent): the token's
    /// address becomes the login email.
    pub fn with_token(dc: DcId, policy: RetryPolicy, token: EmailToken, now: Instant) -> Self {
        let mut change = Self::idle(dc, policy);
        change.verify(now, Pending::VerifyToken, token_verification(token));
        change
    }

    fn idle(dc: DcId, policy: RetryPolicy) -> Self {
        LoginEmailChange {
            seq: crate::password::CallSequence::new(dc, policy),
            phase: Phase::Working,
            events: VecDeque::new(),
            pending: None,
            email: None,
            code_length: 0,
            attempts: 0,
        }
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

    /// Wrong codes so far.
    pub fn code_attempts(&self) -> u32 {
        self.attempts
    }

    // ----- commands -----

    /// The code sent to the new address (in `AwaitingCode`).
    pub fn submit_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("submit_code", self.phase == Phase::AwaitingCode)?;
        let code = Zeroizing::new(
            CodeKind::Sms {
                length: self.code_length,
            }
            .normalize(code)?,
        );
        let verification = types::EmailVerificationCode {
            code: code.to_string(),
        }
        .into();
        self.verify(now, Pending::VerifyCode, verification);
        Ok(())
    }

    /// A Google or Apple ID token instead of the code (in `AwaitingCode` or `AwaitingEmail`).
    pub fn submit_token(&mut self, now: Instant, token: EmailToken) -> Result<(), UsageError> {
        self.expect(
            "submit_token",
            matches!(self.phase, Phase::AwaitingCode | Phase::AwaitingEmail),
        )?;
        self.verify(now, Pending::VerifyToken, token_verification(token));
        Ok(())
    }

    /// Another address (in `AwaitingEmail`, or `AwaitingCode` to change one's mind): a code
    /// is sent to it.
    pub fn submit_email(&mut self, now: Instant, email: &str) -> Result<(), UsageError> {
        self.expect(
            "submit_email",
            matches!(self.phase, Phase::AwaitingCode | Phase::AwaitingEmail),
        )?;
        let email = plausible_email(email).ok_or(UsageError::InvalidEmail)?;
        self.send_code(now, email.to_owned());
        Ok(())
    }

    /// Sends the code to the same address again (in `AwaitingCode`).
    pub fn resend_code(&mut self, now: Instant) -> Result<(), UsageError> {
        let Some(email) = self
            .email
            .clone()
            .filter(|_| self.phase == Phase::AwaitingCode)
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
            self.finish(Event::Cancelled);
        }
    }

    // ----- internals -----

    fn expect(&self, command: &'static str, allowed: bool) -> Result<(), UsageError> {
        if allowed {
            Ok(())
        } else {
            Err(UsageError::WrongPhase {
                command,
                phase: self.phase,
            })
        }
    }

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

    fn finish(&mut self, event: Event) {
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
            match event {
                CallEvent::DcChanged(dc) => self.events.push_back(Event::DcChanged(dc)),
                CallEvent::FloodWait { seconds, until } => {
                    self.events.push_back(Event::FloodWait { seconds, until });
                }
                CallEvent::Done(result) => {
                    let pending = self.pending.take().unwrap_or(Pending::Send);
                    self.on_done(pending, result);
                }
            }
        }
    }

    fn on_done(&mut self, pending: Pending, result: Result<Reply, CallError>) {
        use RpcErrorKind as K;
        match (pending, result) {
            (_, Ok(Reply::Sent(enums::account::SentEmailCode::SentEmailCode(sent)))) => {
                self.code_length = u32::try_from(sent.length).unwrap_or(0);
                self.attempts = 0;
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::CodeSent {
                    email_pattern: sent.email_pattern,
                    length: self.code_length,
                });
            }
            (_, Ok(Reply::Verified(verified))) => match *verified {
                enums::account::EmailVerified::EmailVerified(v) => {
                    self.finish(Event::Changed { email: v.email });
                }
                other => self.finish(Event::Failed(ChangeError::UnexpectedReply {
                    method: "account.verifyEmail",
                    what: other.constructor_name().to_owned(),
                })),
            },
            (Pending::VerifyCode, Err(CallError::Rpc(e))) if e.kind() == K::CodeInvalid => {
                self.attempts += 1;
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::CodeInvalid {
                    attempts: self.attempts,
                });
            }
            (Pending::VerifyCode, Err(CallError::Rpc(e))) if e.kind() == K::EmailVerifyExpired => {
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::CodeExpired);
            }
            (Pending::VerifyToken, Err(CallError::Rpc(e))) if e.kind() == K::CodeInvalid => {
                self.refused(e);
            }
            (_, Err(CallError::Rpc(e)))
                if matches!(e.kind(), K::EmailInvalid | K::EmailNotAllowed) =>
            {
                self.refused(e);
            }
            (_, Err(e)) => self.finish(Event::Failed(e.into())),
        }
    }

    fn refused(&mut self, e: RpcError) {
        self.phase = Phase::AwaitingEmail;
        self.events.push_back(Event::EmailRefused(e));
    }
}

fn token_verification(token: EmailToken) -> enums::EmailVerification {
    match token {
        EmailToken::Google(token) => types::EmailVerificationGoogle { token }.into(),
        EmailToken::Apple(token) => types::EmailVerificationApple { token }.into(),
    }
}

crate::machine::forward_machine!(
    LoginEmailChange,
    Event,
    seq,
    pump: |this, now| { let _ = now; this.pump() },
    finished: |me| me.phase == Phase::Finished,
);
