//! The phone-number login (core.telegram.org/api/auth) as a sans-IO state machine, and the
//! Firebase phone-number login of layer 230.
//!
//! [`Login`]'s methods sort into four kinds:
//!
//! * **getters** (`&self`): [`phase`](Login::phase), [`home_dc`](Login::home_dc),
//!   [`sent_code`](Login::sent_code), [`password_info`](Login::password_info),
//!   [`email_code`](Login::email_code), [`terms_of_service`](Login::terms_of_service), ...
//!   Everything a question needs is there while the login waits for its answer;
//! * **`handle_*`**: input from the network, the clock and slow work —
//!   [`handle_response`](Login::handle_response), [`handle_failure`](Login::handle_failure),
//!   [`handle_timeout`](Login::handle_timeout), [`handle_work`](Login::handle_work);
//! * **commands**: the user's answers — [`submit_code`](Login::submit_code),
//!   [`submit_password`](Login::submit_password), [`sign_up`](Login::sign_up),
//!   [`submit_email`](Login::submit_email), [`resend_code`](Login::resend_code),
//!   [`request_password_recovery`](Login::request_password_recovery),
//!   [`submit_recovery_code`](Login::submit_recovery_code),
//!   [`submit_firebase_token`](Login::submit_firebase_token),
//!   [`submit_integrity_proof`](Login::submit_integrity_proof),
//!   [`report_integrity_failure`](Login::report_integrity_failure),
//!   [`check_paid_auth`](Login::check_paid_auth), [`decline_payment`](Login::decline_payment),
//!   [`cancel`](Login::cancel), ... A
//!   command in the wrong phase returns a [`UsageError`] and changes nothing;
//! * **`poll_*`**: output — [`poll_transmit`](Login::poll_transmit) (calls to send),
//!   [`poll_event`](Login::poll_event) (what happened), [`poll_timeout`](Login::poll_timeout)
//!   (when to call `handle_timeout`), [`poll_work`](Login::poll_work) (the password's slow
//!   PBKDF2, to run where slow work belongs).
//!
//! # States
//!
//! ```text
//!                new ──► sendCode ──PHONE_MIGRATE_X──► (same call on DC X)
//!                          │  │ └─ sentCodeSuccess (logout token) ──────────────► Done
//!                          │  └── SESSION_PASSWORD_NEEDED (logout token, 2FA) ─┐
//!                          ▼                                                    │
//!   ┌──────────── AwaitingCode ◄── resendCode / resetLoginEmail                 │
//!   │ submit_code      │   ▲ PHONE_CODE_INVALID / EXPIRED (events)              │
//!   ▼                  │   │                                                    │
//! signIn ──────────────┴───┘                                                    │
//!   │ ├─ authorization ─────────────────────────────────────────────────► Done  │
//!   │ ├─ authorizationSignUpRequired ─► AwaitingSignUp ─sign_up─► signUp ─► Done │
//!   │ └─ SESSION_PASSWORD_NEEDED ─► getPassword ─► AwaitingPassword ◄──────────┘
//!   │                                   ▲              │ submit_password ─► work (PBKDF2)
//!   │        PASSWORD_HASH_INVALID,     └──────────────┤ checkPassword ─► Done
//!   │        SRP_ID_INVALID (refetch, new work)        │
//!   │   AwaitingPassword ─request_password_recovery─► requestPasswordRecovery ─► (code mailed)
//!   │     ─submit_recovery_code─► recoverPassword (removes or replaces the password) ─► Done
//! sentCodeTypeSetUpEmailRequired ─► AwaitingEmail ─submit_email─► sendVerifyEmailCode
//!   ─► AwaitingEmailCode ─submit_email_code─► verifyEmail ─► emailVerifiedLogin{sentCode}
//!   ─► AwaitingCode (email code) ─► signIn(email_verification) ─► ...
//! with_firebase ─► initFirebasePnvLogin ─► AwaitingFirebaseToken ─submit_firebase_token─►
//!   finishFirebasePnvLogin ─► Done / AwaitingSignUp (firebasePnvSignUp) / password step
//! sentCodeTypeFirebaseSms ─► AwaitingIntegrityCheck ─submit_integrity_proof─►
//!   requestFirebaseSms ─true─► AwaitingCode / ─false─► resendCode ─► next delivery
//!   AwaitingIntegrityCheck ─report_integrity_failure(reason)─► resendCode(reason)
//! sentCodePaymentRequired ─► AwaitingPayment ─check_paid_auth(form_id)─► checkPaidAuth
//!   ─► sentCode as above / ─decline_payment─► Failed(PaymentRequired)
//! any state ─cancel─► cancelCode ─► Cancelled      any call ─FLOOD_WAIT_X─► wait, re-send
//! after a code (or in the password step): *_MIGRATE_X or AUTH_RESTART ─► Restarted ─►
//!   sendCode on the new DC
//! a call unanswered past the request timeout, or a server failure (INTERNAL, ...) ─►
//!   re-sent (retry rules)
//! ```
//!
//! The terminal events are `Done`, `Cancelled` and `Failed(Error)`; after one of them the
//! login sends nothing more. Replies are decoded at the session's layer
//! ([`Config::session`]): the user arrives as the bytes the server sent.

mod code;
mod commands;
mod config;
mod event;
mod password;
mod payment;
mod recovery;
mod reply;
mod request;
#[cfg(feature = "serde")]
mod snapshot;

use std::collections::VecDeque;
use std::time::Instant;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::{
    DcId,
    account::{EmailCode, PasswordInfo, TermsOfService},
    entropy::Entropy,
    error::{Error, PaymentRequired, UsageError},
    input::normalize_phone,
    machine::Machine,
    phase::Phase,
    srp::SrpChallenge,
    tl::{Identifiable, Layer, functions},
    transport::{RequestId, Transmit, TransportFailure},
    work::{NewPasswordAlgo, Work, WorkDone, WorkSlot},
};

pub use code::{CodeKind, IosPush, NextCodeKind, PlayIntegrity, SentCode};
pub use commands::NO_INTEGRITY_CHECK;
pub use config::{CodeSettings, Config};
pub use event::{FirebaseIntent, LoginEvent, RestartReason};
#[cfg(feature = "serde")]
pub use snapshot::{ResumeError, Snapshot};

use request::{Context, PasswordFetch, Request};

/// The code that was sent, and what the user did with it.
#[derive(Debug, Clone)]
struct CodeState {
    phone_code_hash: Zeroizing<String>,
    sent: SentCode,
    /// A Firebase SMS that is not sent yet: it waits for the app's integrity proof.
    awaiting_integrity: bool,
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
    /// The password being checked, until the server accepts or refuses it: a renewed
    /// challenge is checked again with it.
    typed: Option<Zeroizing<Vec<u8>>>,
}

/// A password-recovery code sent to the recovery email, while it is live.
#[derive(Debug, Clone)]
struct RecoveryState {
    email_pattern: String,
    attempts: u32,
}

/// What handed-out work is for.
#[derive(Debug)]
enum WorkFor {
    /// Checking the typed password against the challenge.
    Check,
    /// Hashing the new password that goes with this recovery code.
    Recover(Zeroizing<String>),
}

#[derive(Debug)]
struct InFlight {
    id: RequestId,
    request: Request,
    /// Transport failures of this request so far.
    failures: u32,
    /// When it counts as lost.
    deadline: Option<Instant>,
}

/// How many times the password challenge may be renewed (SRP_ID_INVALID) in a row.
const MAX_RENEWALS: u32 = 3;

/// A phone-number (or Firebase) login. See the [module documentation](self) for its shape and
/// states.
///
/// ```
/// use std::time::Instant;
/// use auth_core::Phase;
/// use auth_core::login::{Config, Login};
///
/// let now = Instant::now();
/// let mut os = rand_core::UnwrapErr(getrandom::SysRng); // the OS generator
/// let mut login = Login::new(Config::new(12345, "0123abcd"), "+999 66 2 1234", &mut os, now)?;
/// let send_code = login.poll_transmit().expect("auth.sendCode is queued");
/// assert_eq!(send_code.dc.0, 2);
/// assert_eq!(login.phase(), Phase::Working);
/// # Ok::<(), auth_core::UsageError>(())
/// ```
#[derive(Debug)]
pub struct Login {
    config: Config,
    layer: Layer,
    phone: String,
    /// The users already logged in on this app (Firebase login's `except_ids`).
    except_ids: Vec<i64>,
    home_dc: DcId,
    entropy: Entropy,
    next_id: u64,
    transmits: VecDeque<Transmit>,
    events: VecDeque<LoginEvent>,
    in_flight: Option<InFlight>,
    /// A request to send (again) at a given time: flood wait or transport retry.
    scheduled: Option<(Instant, Request, u32)>,
    phase: Phase,
    code: Option<CodeState>,
    terms: Option<TermsOfService>,
    password: Option<PasswordState>,
    email_attempts: u32,
    /// The code sent to the login email being set up.
    email_code: Option<EmailCode>,
    firebase: Option<FirebaseIntent>,
    /// The payment the login waits for (`auth.sentCodePaymentRequired`).
    payment: Option<PaymentRequired>,
    migrations: u32,
    restarts: u32,
    flood_waits: u32,
    /// The password-recovery code requested at the password step.
    recovery: Option<RecoveryState>,
    /// The algorithm a password set with the recovery code is hashed with.
    new_password_algo: Option<NewPasswordAlgo>,
    work: WorkSlot,
    work_for: Option<WorkFor>,
}

impl Login {
    /// Starts a login for `phone` (any usual format): queues `auth.sendCode` to
    /// `config.session.dc`.
    ///
    /// `rng` is the caller's cryptographic generator (the OS's in production); 32 bytes of it
    /// seed this login's secrets (the SRP secret, a new password's salt).
    ///
    /// # Errors
    ///
    /// Unusable credentials, an unsupported layer, or a phone number that cannot be one.
    pub fn new<R: CryptoRng + ?Sized>(
        config: Config,
        phone: &str,
        rng: &mut R,
        now: Instant,
    ) -> Result<Self, UsageError> {
        let layer = config.check()?;
        let phone = normalize_phone(phone)?;
        let dc = config.session.dc;
        let mut login = Login::unstarted(config, layer, phone, dc, Entropy::from_rng(rng));
        login.send(now, Request::SendCode);
        Ok(login)
    }

    /// Starts a login vouched for by Google's Firebase phone-number verification (layer 230):
    /// queues `auth.initFirebasePnvLogin`; `FirebaseIntent` follows, and the verification's
    /// token goes to [`submit_firebase_token`](Self::submit_firebase_token). `except_ids` are
    /// the users already logged in on this app.
    ///
    /// Such a login has no phone number and no code: it cannot restart, and
    /// [`cancel`](Self::cancel) ends it at once.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`UsageError::MethodUnavailable`] below layer 230.
    pub fn with_firebase<R: CryptoRng + ?Sized>(
        config: Config,
        except_ids: &[i64],
        rng: &mut R,
        now: Instant,
    ) -> Result<Self, UsageError> {
        let layer = config.check()?;
        let init = functions::auth::InitFirebasePnvLogin::CONSTRUCTOR_ID;
        if !layer.defines(init) {
            return Err(UsageError::MethodUnavailable {
                method: functions::auth::InitFirebasePnvLogin::NAME,
                layer: layer.get(),
            });
        }
        let dc = config.session.dc;
        let mut login = Login::unstarted(config, layer, String::new(), dc, Entropy::from_rng(rng));
        login.except_ids = except_ids.to_vec();
        login.send(now, Request::FirebaseStart);
        Ok(login)
    }

    /// Starts at the 2FA password step, on data center `dc`: queues `account.getPassword`
    /// (then `PasswordRequired`, as after a code). For a login that was already accepted by
    /// other means — a QR login token answered `SESSION_PASSWORD_NEEDED` — and now needs only
    /// the password. It has no phone number: it cannot restart, and `cancel` ends it at once.
    pub(crate) fn for_password(
        config: Config,
        layer: Layer,
        dc: DcId,
        entropy: Entropy,
        now: Instant,
    ) -> Self {
        let mut login = Login::unstarted(config, layer, String::new(), dc, entropy);
        login.send(now, Request::GetPassword(PasswordFetch::First));
        login
    }

    /// A login with nothing sent yet.
    fn unstarted(config: Config, layer: Layer, phone: String, dc: DcId, entropy: Entropy) -> Self {
        Login {
            home_dc: dc,
            config,
            layer,
            phone,
            except_ids: Vec::new(),
            entropy,
            next_id: 0,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            in_flight: None,
            scheduled: None,
            phase: Phase::Working,
            code: None,
            terms: None,
            password: None,
            email_attempts: 0,
            email_code: None,
            firebase: None,
            payment: None,
            migrations: 0,
            restarts: 0,
            flood_waits: 0,
            recovery: None,
            new_password_algo: None,
            work: WorkSlot::default(),
            work_for: None,
        }
    }

    // ----- getters -----

    /// What the login is doing: `Working`, `AwaitingCode`, `AwaitingSignUp`,
    /// `AwaitingPassword`, `AwaitingEmail`, `AwaitingEmailCode`, `AwaitingFirebaseToken` or
    /// `Finished`.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether a terminal event was emitted.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// The phone number, digits only (empty for a Firebase login or one that started at the
    /// password step).
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// The data center every call goes to now.
    pub fn home_dc(&self) -> DcId {
        self.home_dc
    }

    /// The layer replies are decoded at.
    pub fn layer(&self) -> Layer {
        self.layer
    }

    /// The code that was sent, if any (its kind tells an email setup's Google/Apple options).
    pub fn sent_code(&self) -> Option<&SentCode> {
        self.code.as_ref().map(|c| &c.sent)
    }

    /// Wrong codes entered so far for the current code.
    pub fn code_attempts(&self) -> u32 {
        self.code.as_ref().map_or(0, |c| c.attempts)
    }

    /// When the resend timeout ends, if it has not yet.
    pub fn resend_at(&self) -> Option<Instant> {
        self.code.as_ref().and_then(|c| c.resend_at)
    }

    /// The terms of service to show before sign-up.
    pub fn terms_of_service(&self) -> Option<&TermsOfService> {
        self.terms.as_ref()
    }

    /// What the server said about the 2FA password, once it asked for one.
    pub fn password_info(&self) -> Option<&PasswordInfo> {
        self.password.as_ref().map(|p| &p.info)
    }

    /// Wrong passwords entered so far.
    pub fn password_attempts(&self) -> u32 {
        self.password.as_ref().map_or(0, |p| p.attempts)
    }

    /// The code sent to the login email being set up (in `AwaitingEmailCode`).
    pub fn email_code(&self) -> Option<&EmailCode> {
        match self.phase {
            Phase::AwaitingEmailCode => self.email_code.as_ref(),
            _ => None,
        }
    }

    /// Wrong email codes entered so far.
    pub fn email_code_attempts(&self) -> u32 {
        self.email_attempts
    }

    /// What the payment the login waits for is (in `AwaitingPayment`).
    pub fn payment_required(&self) -> Option<&PaymentRequired> {
        match self.phase {
            Phase::AwaitingPayment => self.payment.as_ref(),
            _ => None,
        }
    }

    /// What the Firebase verification must vouch for (in `AwaitingFirebaseToken`).
    pub fn firebase_intent(&self) -> Option<&FirebaseIntent> {
        match self.phase {
            Phase::AwaitingFirebaseToken => self.firebase.as_ref(),
            _ => None,
        }
    }

    // ----- poll_* -----

    /// The next call to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<LoginEvent> {
        self.events.pop_front()
    }

    /// The request waiting for its answer, if any.
    pub(crate) fn in_flight_id(&self) -> Option<RequestId> {
        self.in_flight.as_ref().map(|f| f.id)
    }

    /// When [`handle_timeout`](Self::handle_timeout) should next be called: a retry, a flood
    /// wait's end, the call in flight's deadline, the resend timeout.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_finished() {
            return None;
        }
        let retry = self.scheduled.as_ref().map(|(at, _, _)| *at);
        let deadline = self.in_flight.as_ref().and_then(|f| f.deadline);
        let resend = self
            .code
            .as_ref()
            .filter(|c| !c.resend_announced)
            .and_then(|c| c.resend_at);
        [retry, deadline, resend].into_iter().flatten().min()
    }

    /// The slow part of the password step, once: run [`Work::run`] where slow work belongs
    /// and hand the result to [`handle_work`](Self::handle_work).
    pub fn poll_work(&mut self) -> Option<Work> {
        self.work.poll()
    }

    // ----- handle_* -----

    /// The clock reached `now`: re-sends a call whose wait is over, counts a call unanswered
    /// past its deadline as lost, announces that the code can be resent.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.is_finished() {
            return;
        }
        if self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.deadline.is_some_and(|at| at <= now))
            && let Some(lost) = self.in_flight.take()
        {
            // Not sent yet (the driver did not poll it in time): it never goes out.
            self.transmits.retain(|t| t.id != lost.id);
            self.on_lost(now, lost, TransportFailure::Timeout);
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
                self.events.push_back(LoginEvent::ResendAvailable);
            }
        }
    }

    /// The answer to request `id`: a TL-serialized result or `rpc_error`, at the session's
    /// layer.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] only for an id this login never sent; late answers to
    /// requests it abandoned (after `cancel` or a timeout) are ignored.
    pub fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        let Some(request) = self.take_in_flight(id)? else {
            return Ok(());
        };
        self.on_reply(now, request.request, request.failures, body);
        Ok(())
    }

    /// Request `id` could not be delivered (or its answer was lost): retried per the retry
    /// policy, then the login fails.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] only for an id this login never sent.
    pub fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        if let Some(lost) = self.take_in_flight(id)? {
            self.on_lost(now, lost, failure);
        }
        Ok(())
    }

    fn on_lost(&mut self, now: Instant, lost: InFlight, failure: TransportFailure) {
        let retry = &self.config.session.retry;
        if let Some(at) = retry.retry_at(now, lost.failures, false) {
            self.scheduled = Some((at, lost.request, lost.failures + 1));
        } else if matches!(lost.request, Request::CancelCode) {
            self.finish(LoginEvent::Cancelled);
        } else {
            let method = lost.request.name();
            self.fail(Error::Transport { method, failure });
        }
    }

    fn take_in_flight(&mut self, id: RequestId) -> Result<Option<InFlight>, UsageError> {
        match &self.in_flight {
            Some(f) if f.id == id => Ok(self.in_flight.take()),
            // Ids below next_id were handed out: a late answer to an abandoned request.
            _ if id.0 < self.next_id => Ok(None),
            _ => Err(UsageError::UnknownRequest(id)),
        }
    }

    // ----- internals -----

    fn expect(&self, command: &'static str, phase: Phase) -> Result<(), UsageError> {
        crate::machine::expect_phase(command, self.phase, self.phase == phase)
    }

    /// Forgets the call in flight: its late answer will be ignored.
    fn abandon_in_flight(&mut self) {
        self.in_flight = None;
    }

    fn send(&mut self, now: Instant, request: Request) {
        self.send_with(now, request, 0);
    }

    fn send_with(&mut self, now: Instant, request: Request, failures: u32) {
        self.abandon_in_flight();
        self.work.cancel();
        let hash = match (&self.code, &self.payment) {
            (Some(c), _) => c.phone_code_hash.as_str(),
            (None, Some(p)) => p.phone_code_hash.as_str(),
            (None, None) => "",
        };
        let body = match request.body(&Context {
            config: &self.config,
            phone: &self.phone,
            phone_code_hash: hash,
            except_ids: &self.except_ids,
        }) {
            Ok(body) => body,
            Err(error) => {
                let method = request.name();
                return self.fail(Error::Unencodable { method, error });
            }
        };
        let id = RequestId(self.next_id);
        self.next_id += 1;
        self.transmits.push_back(Transmit {
            id,
            dc: self.home_dc,
            body,
        });
        let deadline = self
            .config
            .session
            .retry
            .request_timeout
            .and_then(|t| now.checked_add(t));
        self.in_flight = Some(InFlight {
            id,
            request,
            failures,
            deadline,
        });
        self.phase = Phase::Working;
    }

    fn finish(&mut self, event: LoginEvent) {
        self.abandon_in_flight();
        self.scheduled = None;
        self.transmits.clear();
        self.work.cancel();
        self.work_for = None;
        if let Some(p) = self.password.as_mut() {
            p.typed = None;
        }
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: Error) {
        self.finish(LoginEvent::Failed(error));
    }

    /// Back to `auth.sendCode`, forgetting the code and everything after it (a login with a
    /// phone number only).
    fn restart(&mut self, now: Instant, reason: RestartReason) {
        self.code = None;
        self.payment = None;
        self.terms = None;
        self.password = None;
        self.recovery = None;
        self.new_password_algo = None;
        self.email_code = None;
        self.events.push_back(LoginEvent::Restarted(reason));
        self.send(now, Request::SendCode);
    }
}

impl Machine for Login {
    type Event = LoginEvent;

    fn phase(&self) -> Phase {
        self.phase
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        Login::poll_transmit(self)
    }
    fn poll_event(&mut self) -> Option<LoginEvent> {
        Login::poll_event(self)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Login::poll_timeout(self)
    }
    fn poll_work(&mut self) -> Option<Work> {
        Login::poll_work(self)
    }
    fn handle_response(
        &mut self,
        now: Instant,
        id: RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        Login::handle_response(self, now, id, body)
    }
    fn handle_failure(
        &mut self,
        now: Instant,
        id: RequestId,
        failure: TransportFailure,
    ) -> Result<(), UsageError> {
        Login::handle_failure(self, now, id, failure)
    }
    fn handle_timeout(&mut self, now: Instant) {
        Login::handle_timeout(self, now);
    }
    fn handle_work(&mut self, now: Instant, done: WorkDone) -> Result<(), UsageError> {
        Login::handle_work(self, now, done)
    }
}
