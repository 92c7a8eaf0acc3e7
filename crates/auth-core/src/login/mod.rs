//! The phone-number login (core.telegram.org/api/auth) as a sans-IO state machine.
//!
//! [`Login`]'s methods sort into four kinds:
//!
//! * **getters** (`&self`): [`phase`](Login::phase), [`home_dc`](Login::home_dc),
//!   [`sent_code`](Login::sent_code), [`password_challenge`](Login::password_challenge), ...
//! * **`handle_*`**: input from the network or the clock —
//!   [`handle_response`](Login::handle_response), [`handle_failure`](Login::handle_failure),
//!   [`handle_timeout`](Login::handle_timeout);
//! * **commands**: the user's answers — [`submit_code`](Login::submit_code),
//!   [`submit_password_check`](Login::submit_password_check), [`sign_up`](Login::sign_up),
//!   [`submit_email`](Login::submit_email), [`resend_code`](Login::resend_code),
//!   [`request_password_recovery`](Login::request_password_recovery),
//!   [`submit_recovery_code`](Login::submit_recovery_code),
//!   [`cancel`](Login::cancel), ... A command in the wrong phase returns a [`UsageError`] and
//!   changes nothing;
//! * **`poll_*`**: output — [`poll_transmit`](Login::poll_transmit) (calls to send),
//!   [`poll_event`](Login::poll_event) (what happened), [`poll_timeout`](Login::poll_timeout)
//!   (when to call `handle_timeout`).
//!
//! # States
//!
//! ```text
//!                new ──► sendCode ──PHONE_MIGRATE_X──► (same call on DC X)
//!                          │  │ └─ sentCodeSuccess (logout token) ──────────────► LoggedIn
//!                          │  └── SESSION_PASSWORD_NEEDED (logout token, 2FA) ─┐
//!                          ▼                                                    │
//!   ┌──────────── AwaitingCode ◄── resendCode / resetLoginEmail                 │
//!   │ submit_code      │   ▲ PHONE_CODE_INVALID / EXPIRED (events)              │
//!   ▼                  │   │                                                    │
//! signIn ──────────────┴───┘                                                    │
//!   │ ├─ authorization ───────────────────────────────────────────────► LoggedIn │
//!   │ ├─ authorizationSignUpRequired ─► AwaitingSignUp ─sign_up─► signUp ─► LoggedIn
//!   │ └─ SESSION_PASSWORD_NEEDED ─► getPassword ─► AwaitingPassword ◄──────────┘
//!   │                                   ▲              │ submit_password_check
//!   │        PASSWORD_HASH_INVALID,     └──────────────┤ checkPassword ─► LoggedIn
//!   │        SRP_ID_INVALID (refetch)                  │
//!   │   AwaitingPassword ─request_password_recovery─► requestPasswordRecovery ─► (code mailed)
//!   │     ─submit_recovery_code─► recoverPassword (removes or replaces the password) ─► LoggedIn
//! sentCodeTypeSetUpEmailRequired ─► AwaitingEmail ─submit_email─► sendVerifyEmailCode
//!   ─► AwaitingEmailCode ─submit_email_code─► verifyEmail ─► emailVerifiedLogin{sentCode}
//!   ─► AwaitingCode (email code) ─► signIn(email_verification) ─► ...
//! any state ─cancel─► cancelCode ─► Cancelled      any call ─FLOOD_WAIT_X─► wait, re-send
//! after a code: *_MIGRATE_X or AUTH_RESTART ─► Restarted ─► sendCode on the new DC
//! ```
//!
//! The terminal events are `LoggedIn`, `Cancelled` and `Failed(AuthError)`; after one of
//! them the login sends nothing more.

mod code;
mod config;
mod error;
mod event;
mod recovery;
mod reply;
mod request;
#[cfg(feature = "serde")]
mod snapshot;

use std::collections::VecDeque;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    DcId,
    entropy::Entropy,
    password::NewPasswordAlgo,
    srp::{PasswordCheck, SrpChallenge, SrpError},
    transport::{RequestId, Transmit, TransportFailure},
};

pub use code::{CodeFormatError, CodeKind, NextCodeKind, SentCode};
pub use config::{CodeSettings, Config};
pub use error::{AuthError, UsageError};
pub use event::{Authorization, Event, PasswordInfo, RestartReason, TermsOfService};
#[cfg(feature = "serde")]
pub use snapshot::{ResumeError, Snapshot};

use request::{Context, PasswordFetch, Request, Verification};

/// What the login is doing, as far as the caller is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Phase {
    /// A request is on its way, or waiting out a flood wait or retry delay.
    Working,
    /// Waiting for the user to type the code.
    AwaitingCode,
    /// Waiting for the user to accept the terms and give a name, or decline.
    AwaitingSignUp,
    /// Waiting for the password check.
    AwaitingPassword,
    /// Waiting for a login email address (or a Google/Apple token).
    AwaitingEmail,
    /// Waiting for the code sent to the login email.
    AwaitingEmailCode,
    /// Logged in, cancelled or failed.
    Finished,
}

/// A Google or Apple ID token, for verifying an email without a code.
#[derive(Clone, PartialEq, Eq)]
pub enum EmailToken {
    /// From Sign in with Google.
    Google(String),
    /// From Sign in with Apple.
    Apple(String),
}

impl std::fmt::Debug for EmailToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EmailToken::Google(_) => "Google(<redacted>)",
            EmailToken::Apple(_) => "Apple(<redacted>)",
        })
    }
}

/// The code that was sent, and what the user did with it.
#[derive(Debug, Clone)]
struct CodeState {
    phone_code_hash: Zeroizing<String>,
    sent: SentCode,
    /// When resending becomes possible; announced once with `ResendAvailable`.
    resend_at: Option<Instant>,
    resend_announced: bool,
    expired: bool,
    attempts: u32,
}

#[derive(Debug, Clone)]
struct PasswordState {
    info: PasswordInfo,
    challenge: Option<SrpChallenge>,
    attempts: u32,
    renewals: u32,
}

/// A password-recovery code sent to the recovery email, while it is live.
#[derive(Debug, Clone)]
struct RecoveryState {
    email_pattern: String,
    attempts: u32,
}

#[derive(Debug)]
struct InFlight {
    id: RequestId,
    request: Request,
    /// Transport failures of this request so far.
    failures: u32,
}

/// How many abandoned request ids are remembered so their late answers are ignored quietly.
const STALE_IDS: usize = 16;
/// How many times the password challenge may be renewed (SRP_ID_INVALID) in a row.
const MAX_RENEWALS: u32 = 3;

/// A phone-number login. See the [module documentation](self) for its shape and states.
///
/// ```
/// use std::time::Instant;
/// use auth_core::login::{Config, Event, Login, Phase};
///
/// let now = Instant::now();
/// let mut login = Login::new(Config::new(12345, "0123abcd"), "+999 66 2 1234", [7; 32], now)?;
/// let send_code = login.poll_transmit().expect("auth.sendCode is queued");
/// assert_eq!(send_code.dc.0, 2);
/// assert_eq!(login.phase(), Phase::Working);
/// # Ok::<(), auth_core::login::UsageError>(())
/// ```
#[derive(Debug)]
pub struct Login {
    config: Config,
    phone: String,
    home_dc: DcId,
    entropy: Entropy,
    next_id: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    in_flight: Option<InFlight>,
    /// A request to send (again) at a given time: flood wait or transport retry.
    scheduled: Option<(Instant, Request, u32)>,
    stale: VecDeque<RequestId>,
    phase: Phase,
    code: Option<CodeState>,
    terms: Option<TermsOfService>,
    password: Option<PasswordState>,
    email_attempts: u32,
    /// Length of the code sent to the login email being set up.
    email_code_length: Option<u32>,
    migrations: u32,
    restarts: u32,
    flood_waits: u32,
    /// The password-recovery code requested at the password step.
    recovery: Option<RecoveryState>,
    /// The algorithm a password set with the recovery code is hashed with.
    new_password_algo: Option<NewPasswordAlgo>,
}

/// Digits of a phone number typed in any usual format; `None` if it cannot be one.
pub fn normalize_phone(input: &str) -> Result<String, UsageError> {
    let mut digits = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
            '+' if digits.is_empty() => {}
            _ => {
                return Err(UsageError::InvalidPhone(
                    "only digits, spaces, dashes and a leading +",
                ));
            }
        }
    }
    match digits.len() {
        0 => Err(UsageError::InvalidPhone("empty")),
        1..=4 => Err(UsageError::InvalidPhone("too short")),
        5..=15 => Ok(digits),
        _ => Err(UsageError::InvalidPhone("longer than 15 digits")),
    }
}

impl Login {
    /// Starts a login for `phone` (any usual format): queues `auth.sendCode` to
    /// `config.initial_dc`.
    ///
    /// `seed` is fresh entropy for this login only (from the OS RNG; the core reads none):
    /// it draws the SRP secret if a password is needed.
    pub fn new(
        config: Config,
        phone: &str,
        seed: [u8; 32],
        now: Instant,
    ) -> Result<Self, UsageError> {
        if config.api_id <= 0 {
            return Err(UsageError::InvalidConfig("api_id must be positive"));
        }
        if config.api_hash.is_empty() {
            return Err(UsageError::InvalidConfig("api_hash is empty"));
        }
        let phone = normalize_phone(phone)?;
        let dc = config.initial_dc;
        let mut login = Login::unstarted(config, phone, dc, seed);
        login.send(now, Request::SendCode);
        Ok(login)
    }

    /// Starts at the 2FA password step, on data center `dc`: queues `account.getPassword`
    /// (then `PasswordRequired`, as after a code). For a login that was already accepted by
    /// other means — a QR login token answered `SESSION_PASSWORD_NEEDED` — and now needs only
    /// the password.
    ///
    /// Such a login has no phone number ([`phone`](Self::phone) is empty) and no code: it
    /// cannot restart (an `AUTH_RESTART` fails it), and [`cancel`](Self::cancel) ends it at
    /// once. The caller has validated `config` (as [`new`](Self::new) does).
    pub(crate) fn for_password(config: Config, dc: DcId, seed: [u8; 32], now: Instant) -> Self {
        let mut login = Login::unstarted(config, String::new(), dc, seed);
        login.send(now, Request::GetPassword(PasswordFetch::First));
        login
    }

    /// A login with nothing sent yet.
    fn unstarted(config: Config, phone: String, dc: DcId, seed: [u8; 32]) -> Self {
        Login {
            home_dc: dc,
            config,
            phone,
            entropy: Entropy::deterministic(seed),
            next_id: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            in_flight: None,
            scheduled: None,
            stale: VecDeque::new(),
            phase: Phase::Working,
            code: None,
            terms: None,
            password: None,
            email_attempts: 0,
            email_code_length: None,
            migrations: 0,
            restarts: 0,
            flood_waits: 0,
            recovery: None,
            new_password_algo: None,
        }
    }

    // ----- getters -----

    /// What the login is doing.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether a terminal event was emitted.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// The phone number, digits only (empty for a login that started at the password step).
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// The data center every request goes to now.
    pub fn home_dc(&self) -> DcId {
        self.home_dc
    }

    /// The code that was sent, if any.
    pub fn sent_code(&self) -> Option<&SentCode> {
        self.code.as_ref().map(|c| &c.sent)
    }

    /// Wrong codes entered so far for the current code.
    pub fn code_attempts(&self) -> u32 {
        self.code.as_ref().map_or(0, |c| c.attempts)
    }

    /// Wrong passwords entered so far.
    pub fn password_attempts(&self) -> u32 {
        self.password.as_ref().map_or(0, |p| p.attempts)
    }

    /// What the server said about the 2FA password, once it asked for one.
    pub fn password_info(&self) -> Option<&PasswordInfo> {
        self.password.as_ref().map(|p| &p.info)
    }

    /// The SRP challenge to check the password against (in `AwaitingPassword`). It is
    /// `Clone + Send`: run [`SrpChallenge::check`] where slow work belongs, then
    /// [`submit_password_check`](Self::submit_password_check).
    pub fn password_challenge(&self) -> Option<&SrpChallenge> {
        match self.phase {
            Phase::AwaitingPassword => self.password.as_ref()?.challenge.as_ref(),
            _ => None,
        }
    }

    /// The terms of service to show before sign-up.
    pub fn terms_of_service(&self) -> Option<&TermsOfService> {
        self.terms.as_ref()
    }

    /// When the resend timeout ends, if it has not yet.
    pub fn resend_at(&self) -> Option<Instant> {
        self.code.as_ref().and_then(|c| c.resend_at)
    }

    // ----- poll_* -----

    /// The next call to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_finished() {
            return None;
        }
        let retry = self.scheduled.as_ref().map(|(at, _, _)| *at);
        let resend = self
            .code
            .as_ref()
            .filter(|c| !c.resend_announced)
            .and_then(|c| c.resend_at);
        match (retry, resend) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- handle_* -----

    /// The clock reached `now`: re-sends a request whose wait is over, announces that the code
    /// can be resent.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_finished() {
            return;
        }
        if self.scheduled.as_ref().is_some_and(|(at, _, _)| *at <= now)
            && let Some((_, request, failures)) = self.scheduled.take()
        {
            self.send_with(now, request, failures);
        }
        if let Some(code) = self.code.as_mut()
            && !code.resend_announced
            && code.resend_at.is_some_and(|at| at <= now)
        {
            code.resend_announced = true;
            if code.sent.next.is_some() {
                self.events.push_back(Event::ResendAvailable);
            }
        }
    }

    /// The answer to request `id`: a TL-serialized result or `rpc_error`.
    ///
    /// Returns an error only for an id this login never sent; late answers to requests it
    /// abandoned (after `cancel`, say) are ignored.
    pub fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        let Some(request) = self.take_in_flight(id)? else {
            return Ok(());
        };
        self.on_reply(now, request.request, body);
        Ok(())
    }

    /// Request `id` could not be delivered (or its answer was lost): retried per the
    /// configuration, then the login fails.
    pub fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        let Some(InFlight {
            request, failures, ..
        }) = self.take_in_flight(id)?
        else {
            return Ok(());
        };
        if failures < self.config.transport_retries {
            self.scheduled = Some((
                now + self.config.transport_retry_delay,
                request,
                failures + 1,
            ));
        } else if matches!(request, Request::CancelCode) {
            self.finish(Event::Cancelled);
        } else {
            let name = request.name();
            self.fail(AuthError::Transport {
                request: name,
                failure,
            });
        }
        Ok(())
    }

    fn take_in_flight(&mut self, id: RequestId) -> Result<Option<InFlight>, UsageError> {
        match &self.in_flight {
            Some(f) if f.id == id => Ok(self.in_flight.take()),
            _ if self.stale.contains(&id) => Ok(None),
            _ => Err(UsageError::UnknownRequest(id)),
        }
    }

    // ----- commands -----

    fn expect(&self, command: &'static str, phase: Phase) -> Result<(), UsageError> {
        if self.phase == phase {
            Ok(())
        } else {
            Err(UsageError::WrongPhase {
                command,
                phase: self.phase,
            })
        }
    }

    /// The user typed the code. It is normalised and checked against what was announced
    /// (see [`CodeKind::normalize`]) before a server attempt is spent on it.
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
    pub fn resend_code(&mut self, now: Instant, reason: Option<&str>) -> Result<(), UsageError> {
        self.expect("resend_code", Phase::AwaitingCode)?;
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

    /// Accepts the terms of service and signs up with this name.
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
        self.send(
            now,
            Request::SignUp {
                first_name: first.to_owned(),
                last_name: last.to_owned(),
            },
        );
        Ok(())
    }

    /// Declines the terms of service: the code is cancelled and the login ends.
    pub fn decline_sign_up(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("decline_sign_up", Phase::AwaitingSignUp)?;
        self.cancel(now);
        Ok(())
    }

    /// The result of [`SrpChallenge::check`] on the current [`password_challenge`](Self::password_challenge).
    /// An `Err` (the server's parameters failed the last safety check) fails the login.
    pub fn submit_password_check(
        &mut self,
        now: Instant,
        check: Result<PasswordCheck, SrpError>,
    ) -> Result<(), UsageError> {
        self.expect("submit_password_check", Phase::AwaitingPassword)?;
        let current = self.password_challenge().map(SrpChallenge::srp_id);
        match check {
            Ok(check) if Some(check.srp_id) == current => {
                self.send(now, Request::CheckPassword(Box::new(check)));
            }
            Ok(check) => return Err(UsageError::StaleChallenge(check.srp_id)),
            Err(e) => self.fail(AuthError::PasswordParameters(e)),
        }
        Ok(())
    }

    /// Checks `password` right here (PBKDF2 with 100 000 iterations: tens of milliseconds;
    /// adapters run [`SrpChallenge::check`] on a blocking thread instead).
    pub fn submit_password(&mut self, now: Instant, password: &[u8]) -> Result<(), UsageError> {
        self.expect("submit_password", Phase::AwaitingPassword)?;
        let Some(challenge) = self.password_challenge() else {
            return Err(UsageError::WrongPhase {
                command: "submit_password",
                phase: self.phase,
            });
        };
        let check = challenge.check(password);
        self.submit_password_check(now, check)
    }

    /// The login email to set up (in `AwaitingEmail`): a code is sent to it.
    pub fn submit_email(&mut self, now: Instant, email: &str) -> Result<(), UsageError> {
        self.expect("submit_email", Phase::AwaitingEmail)?;
        let email = email.trim();
        let valid = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !valid {
            return Err(UsageError::InvalidEmail);
        }
        self.send(
            now,
            Request::SendEmailCode {
                email: email.to_owned(),
            },
        );
        Ok(())
    }

    /// The code sent to the login email (in `AwaitingEmailCode`).
    pub fn submit_email_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("submit_email_code", Phase::AwaitingEmailCode)?;
        let length = self.email_code_length.unwrap_or(0);
        let normalized = CodeKind::Sms { length }.normalize(code)?;
        self.send(
            now,
            Request::VerifyEmail(Verification::Code(Zeroizing::new(normalized))),
        );
        Ok(())
    }

    /// A Google or Apple ID token instead of an email code: verifies the email being set up
    /// (in `AwaitingEmail`), or signs in where the code went to the login email (in
    /// `AwaitingCode`). Only where the server allowed that method.
    pub fn submit_email_token(
        &mut self,
        now: Instant,
        token: EmailToken,
    ) -> Result<(), UsageError> {
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
            EmailToken::Google(t) if google => Verification::Google(Zeroizing::new(t)),
            EmailToken::Apple(t) if apple => Verification::Apple(Zeroizing::new(t)),
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

    /// Ends the login. If a code was sent, `auth.cancelCode` invalidates it first and
    /// `Cancelled` follows its answer; otherwise `Cancelled` comes at once. Nothing happens
    /// after the login finished.
    pub fn cancel(&mut self, now: Instant) {
        if self.is_finished() {
            return;
        }
        self.abandon_in_flight();
        self.scheduled = None;
        if self.code.is_some() {
            self.send(now, Request::CancelCode);
        } else {
            self.finish(Event::Cancelled);
        }
    }

    // ----- internals -----

    fn abandon_in_flight(&mut self) {
        if let Some(f) = self.in_flight.take() {
            if self.stale.len() == STALE_IDS {
                self.stale.pop_front();
            }
            self.stale.push_back(f.id);
        }
    }

    fn send(&mut self, now: Instant, request: Request) {
        self.send_with(now, request, 0);
    }

    fn send_with(&mut self, _now: Instant, request: Request, failures: u32) {
        self.abandon_in_flight();
        let hash = self
            .code
            .as_ref()
            .map(|c| c.phone_code_hash.as_str())
            .unwrap_or("");
        let body = request.body(&Context {
            config: &self.config,
            phone: &self.phone,
            phone_code_hash: hash,
        });
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.transmits.push_back(Transmit {
            id,
            dc: self.home_dc,
            body,
        });
        self.in_flight = Some(InFlight {
            id,
            request,
            failures,
        });
        self.phase = Phase::Working;
    }

    fn finish(&mut self, event: Event) {
        self.abandon_in_flight();
        self.scheduled = None;
        self.transmits.clear();
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: AuthError) {
        self.finish(Event::Failed(error));
    }

    /// Back to `auth.sendCode`, forgetting the code and everything after it. A login that
    /// started at the password step has no phone to send a code to: it fails instead.
    fn restart(&mut self, now: Instant, reason: RestartReason) {
        if self.phone.is_empty() {
            self.fail(AuthError::Rpc(crate::RpcError::new(500, "AUTH_RESTART")));
            return;
        }
        self.code = None;
        self.terms = None;
        self.password = None;
        self.recovery = None;
        self.new_password_algo = None;
        self.email_code_length = None;
        self.events.push_back(Event::Restarted(reason));
        self.send(now, Request::SendCode);
    }
}
