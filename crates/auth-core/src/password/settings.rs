//! [`PasswordSettings`]: set, change or remove the 2FA password, or set a recovery email, on
//! an authorized session.

use std::collections::VecDeque;
use std::time::Instant;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::{
    DcId, Error, RpcError, RpcErrorKind,
    account::{EmailCode, PasswordInfo},
    config::SessionConfig,
    entropy::Entropy,
    error::UsageError,
    input::{mask_email, normalize_digits, plausible_email},
    machine::{CallEvent, CallSequence, Machine, expect_phase},
    phase::Phase,
    srp::SrpChallenge,
    tl::{enums, functions},
    work::{
        NewPasswordAlgo, Work, WorkDone, WorkSlot, algo_from_tl, challenge_from_tl, check_to_tl,
    },
};

use super::{MAX_RENEWALS, classify, email_settings, expect_true, remove_settings, set_settings};

/// What to change.
#[derive(Clone)]
#[non_exhaustive]
pub enum PasswordChange {
    /// Set a password (or change it), with the `hint` shown at login (may be empty) and a
    /// recovery email to set (the server sends it a code to confirm).
    Set {
        /// The new password (zeroized on drop).
        new_password: Zeroizing<Vec<u8>>,
        /// The hint.
        hint: String,
        /// A new recovery email, if any.
        email: Option<String>,
    },
    /// Remove the password (and with it the recovery email).
    Remove,
    /// Keep the password; set a new recovery email (the server sends it a code to confirm).
    RecoveryEmail(String),
}

impl PasswordChange {
    /// [`Set`](Self::Set) `new_password` with `hint` and an optional recovery email.
    pub fn set(new_password: &[u8], hint: &str, email: Option<&str>) -> Self {
        PasswordChange::Set {
            new_password: Zeroizing::new(new_password.to_vec()),
            hint: hint.to_owned(),
            email: email.map(str::to_owned),
        }
    }
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PasswordChange::Set { hint, email, .. } => f
                .debug_struct("Set")
                .field("new_password", &"<redacted>")
                .field("hint", hint)
                .field("email", email)
                .finish(),
            PasswordChange::Remove => f.write_str("Remove"),
            PasswordChange::RecoveryEmail(e) => f.debug_tuple("RecoveryEmail").field(e).finish(),
        }
    }
}

/// How the settings machine ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsOutcome {
    /// The settings were updated (no email left to confirm).
    Updated,
    /// The recovery email was confirmed (after any update made before it).
    EmailConfirmed,
    /// Confirming the recovery email was cancelled; any password change made stands.
    EmailCancelled,
    /// The recovery email's code expired on the server (`EMAIL_HASH_EXPIRED`): it was not
    /// confirmed; any password change made stands.
    EmailExpired,
}

/// What a [`PasswordSettings`] tells its caller. `Done`, `Cancelled` and `Failed` are
/// terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SettingsEvent {
    /// The current settings are known: call [`update`](PasswordSettings::update) (with the
    /// current password if `has_password`).
    Ready {
        /// Whether a password is set.
        has_password: bool,
        /// What the server says about it.
        info: PasswordInfo,
    },
    /// The current password was wrong; ask again and `update` again.
    PasswordInvalid {
        /// Wrong passwords so far.
        attempts: u32,
    },
    /// The server refused the recovery email (`EMAIL_INVALID`); ask for another address.
    EmailRefused(RpcError),
    /// The settings were updated; the new recovery email must be confirmed with the code
    /// just sent to it: [`confirm_email`](PasswordSettings::confirm_email) (or
    /// `resend_email`, `cancel_email`).
    EmailUnconfirmed(EmailCode),
    /// The email code was wrong; ask again.
    EmailCodeInvalid {
        /// Wrong email codes so far.
        attempts: u32,
    },
    /// The email code was sent again.
    EmailCodeResent,
    /// The calls moved to another data center.
    DcChanged(DcId),
    /// Waiting out a flood wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// Finished well. Terminal.
    Done(SettingsOutcome),
    /// [`cancel`](PasswordSettings::cancel) was called. Terminal.
    Cancelled,
    /// Failed. Terminal.
    Failed(Error),
}

impl SettingsEvent {
    /// Whether this event ends the machine.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            SettingsEvent::Done(_) | SettingsEvent::Cancelled | SettingsEvent::Failed(_)
        )
    }
}

/// Why `account.getPassword` is being fetched: decides what follows.
#[derive(Debug, Clone, PartialEq)]
enum Fetch {
    First,
    AfterInvalid,
    Renew,
    EmailRefused(RpcError),
}

/// The call in progress.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    Fetch(Fetch),
    /// `account.updatePasswordSettings`, with the recovery email it sets.
    Update {
        email: Option<String>,
    },
    Confirm,
    Resend,
    CancelEmail,
}

/// The calls' results.
#[derive(Debug)]
enum Reply {
    Password(Box<enums::account::Password>),
    Bool(bool),
}

/// The settings as last fetched.
#[derive(Debug, Clone)]
struct Current {
    info: PasswordInfo,
    challenge: Option<SrpChallenge>,
    new_algo: Option<NewPasswordAlgo>,
}

/// The change asked for, kept until the server accepted or refused it.
#[derive(Debug)]
struct Requested {
    current_password: Option<Zeroizing<Vec<u8>>>,
    change: PasswordChange,
}

/// Set, change or remove the 2FA password, or set a recovery email, on an authorized
/// session (core.telegram.org/api/srp, "Setting a new 2FA password" and "Email
/// verification").
///
/// ```text
/// new ─► getPassword ─► AwaitingChange ─update─► work ─► updatePasswordSettings ─► Done(Updated)
///            ▲                                                  │
///            └── PASSWORD_HASH_INVALID, SRP_ID_INVALID (work    ┤
///                again), EMAIL_INVALID (refetch)                │ EMAIL_UNCONFIRMED_X
///                                                               ▼
/// AwaitingEmailCode ─confirm_email─► Done(EmailConfirmed)
///                   ─cancel_email─► Done(EmailCancelled)   ─resend_email─► (a new code)
/// ```
///
/// Methods sort like the login's: getters ([`phase`](Self::phase), [`info`](Self::info),
/// [`email_code`](Self::email_code), ...), `handle_*` and `poll_*` (the
/// [`Machine`](crate::machine::Machine) trait; proving and hashing passwords is handed out as
/// work), commands ([`update`](Self::update), [`confirm_email`](Self::confirm_email),
/// [`resend_email`](Self::resend_email), [`cancel_email`](Self::cancel_email),
/// [`cancel`](Self::cancel)).
///
/// An account with a recovery email still waiting for confirmation (its
/// `email_unconfirmed_pattern` is set) can confirm, resend or cancel it right from
/// `AwaitingChange`.
#[derive(Debug)]
pub struct PasswordSettings {
    seq: CallSequence<Reply>,
    entropy: Entropy,
    phase: Phase,
    events: VecDeque<SettingsEvent>,
    pending: Option<Pending>,
    current: Option<Current>,
    requested: Option<Requested>,
    work: WorkSlot,
    attempts: u32,
    renewals: u32,
    /// The recovery-email code announced.
    email_code: Option<EmailCode>,
    email_attempts: u32,
}

impl PasswordSettings {
    /// Starts by fetching the settings (`account.getPassword`) on `session.dc`. `rng` is the
    /// caller's cryptographic generator (the OS's in production): it seeds the SRP secret and
    /// the new password's salt.
    ///
    /// # Errors
    ///
    /// An unsupported layer, or a DC id that is not positive.
    pub fn new<R: CryptoRng + ?Sized>(
        session: &SessionConfig,
        rng: &mut R,
        now: Instant,
    ) -> Result<Self, UsageError> {
        let layer = session.check()?;
        let mut settings = PasswordSettings {
            seq: CallSequence::new(session.dc, layer, session.retry.clone(), true),
            entropy: Entropy::from_rng(rng),
            phase: Phase::Working,
            events: VecDeque::new(),
            pending: None,
            current: None,
            requested: None,
            work: WorkSlot::default(),
            attempts: 0,
            renewals: 0,
            email_code: None,
            email_attempts: 0,
        };
        settings.fetch(now, Fetch::First);
        Ok(settings)
    }

    // ----- getters -----

    /// What the machine is doing: `Working`, `AwaitingChange`, `AwaitingEmailCode` or
    /// `Finished`.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The data center the calls go to.
    pub fn dc(&self) -> DcId {
        self.seq.dc()
    }

    /// Whether a password is set (once the settings were fetched).
    pub fn has_password(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.challenge.is_some())
    }

    /// What the server said about the password, once fetched.
    pub fn info(&self) -> Option<&PasswordInfo> {
        self.current.as_ref().map(|c| &c.info)
    }

    /// The code sent to the new recovery email (in `AwaitingEmailCode`).
    pub fn email_code(&self) -> Option<&EmailCode> {
        match self.phase {
            Phase::AwaitingEmailCode => self.email_code.as_ref(),
            _ => None,
        }
    }

    /// Wrong current passwords so far.
    pub fn password_attempts(&self) -> u32 {
        self.attempts
    }

    /// Wrong recovery-email codes so far.
    pub fn email_code_attempts(&self) -> u32 {
        self.email_attempts
    }

    /// Proving the current password and hashing the new one, once: run [`Work::run`] where
    /// slow work belongs and hand the result to `handle_work`.
    pub fn poll_work(&mut self) -> Option<Work> {
        self.work.poll()
    }

    // ----- commands -----

    /// Makes `change` (in `AwaitingChange`). `current_password` is the password set now
    /// (`None` when none is). Proving it and hashing a new one are handed out as work; the
    /// call follows its result.
    ///
    /// # Errors
    ///
    /// The wrong phase; a missing or superfluous current password; removing a password that
    /// is not set; no algorithm this client knows for a new password; an address that is not
    /// one.
    pub fn update(
        &mut self,
        now: Instant,
        current_password: Option<&[u8]>,
        change: PasswordChange,
    ) -> Result<(), UsageError> {
        let _ = now;
        expect_phase("update", self.phase, self.phase == Phase::AwaitingChange)?;
        let Some(state) = self.current.as_ref() else {
            return Err(self.wrong_phase("update"));
        };
        match (current_password, state.challenge.is_some()) {
            (None, true) => return Err(UsageError::CurrentPasswordNeeded),
            (Some(_), false) => return Err(UsageError::NoPassword),
            _ => {}
        }
        let change = match change {
            PasswordChange::Set {
                new_password,
                hint,
                email,
            } => {
                if state.new_algo.is_none() {
                    return Err(UsageError::NewPasswordUnavailable);
                }
                let email = match email {
                    Some(e) => Some(
                        plausible_email(&e)
                            .ok_or(UsageError::InvalidEmail)?
                            .to_owned(),
                    ),
                    None => None,
                };
                PasswordChange::Set {
                    new_password,
                    hint: hint.trim().to_owned(),
                    email,
                }
            }
            PasswordChange::Remove | PasswordChange::RecoveryEmail(_)
                if current_password.is_none() =>
            {
                return Err(UsageError::NoPassword);
            }
            PasswordChange::RecoveryEmail(e) => PasswordChange::RecoveryEmail(
                plausible_email(&e)
                    .ok_or(UsageError::InvalidEmail)?
                    .to_owned(),
            ),
            PasswordChange::Remove => PasswordChange::Remove,
        };
        self.requested = Some(Requested {
            current_password: current_password.map(|p| Zeroizing::new(p.to_vec())),
            change,
        });
        self.queue_work();
        Ok(())
    }

    /// The code sent to the new recovery email (`account.confirmPasswordEmail`).
    ///
    /// # Errors
    ///
    /// No email waiting for confirmation, or a code that cannot be right.
    pub fn confirm_email(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        expect_phase("confirm_email", self.phase, self.email_commands_allowed())?;
        let length = self.email_code.as_ref().map_or(0, |c| c.length);
        let code = normalize_digits(code, length)?;
        let call = functions::account::ConfirmPasswordEmail { code: code.into() };
        self.start(now, Pending::Confirm, call, Reply::Bool);
        Ok(())
    }

    /// Sends the recovery email's code again (`account.resendPasswordEmail`).
    ///
    /// # Errors
    ///
    /// No email waiting for confirmation.
    pub fn resend_email(&mut self, now: Instant) -> Result<(), UsageError> {
        expect_phase("resend_email", self.phase, self.email_commands_allowed())?;
        let call = functions::account::ResendPasswordEmail {};
        self.start(now, Pending::Resend, call, Reply::Bool);
        Ok(())
    }

    /// Gives up confirming the recovery email (`account.cancelPasswordEmail`).
    ///
    /// # Errors
    ///
    /// No email waiting for confirmation.
    pub fn cancel_email(&mut self, now: Instant) -> Result<(), UsageError> {
        expect_phase("cancel_email", self.phase, self.email_commands_allowed())?;
        let call = functions::account::CancelPasswordEmail {};
        self.start(now, Pending::CancelEmail, call, Reply::Bool);
        Ok(())
    }

    /// Ends the machine at once with `Cancelled` (an answer on its way is ignored). Nothing
    /// happens after it finished.
    pub fn cancel(&mut self, _now: Instant) {
        if self.phase != Phase::Finished {
            self.finish(SettingsEvent::Cancelled);
        }
    }

    // ----- internals -----

    fn email_commands_allowed(&self) -> bool {
        match self.phase {
            Phase::AwaitingEmailCode => true,
            Phase::AwaitingChange => self
                .current
                .as_ref()
                .is_some_and(|c| c.info.email_unconfirmed_pattern.is_some()),
            _ => false,
        }
    }

    fn wrong_phase(&self, command: &'static str) -> UsageError {
        UsageError::WrongPhase {
            command,
            phase: self.phase,
        }
    }

    /// Hands out the proof of the kept current password and the hash of the kept new one,
    /// against the current challenge and algorithm.
    fn queue_work(&mut self) {
        let (Some(current), Some(requested)) = (&self.current, &self.requested) else {
            return;
        };
        let check = current
            .challenge
            .as_ref()
            .zip(requested.current_password.as_deref())
            .map(|(c, p)| (c, p.as_slice()));
        let new = match &requested.change {
            PasswordChange::Set { new_password, .. } => current
                .new_algo
                .as_ref()
                .map(|a| (a, new_password.as_slice())),
            _ => None,
        };
        self.work.queue(check, new);
        self.phase = Phase::Working;
    }

    /// The work came back: the update goes out.
    fn on_work(&mut self, now: Instant, done: WorkDone) {
        let check = match done.check {
            Some(Ok(check)) => Some(check),
            Some(Err(e)) => return self.fail(Error::PasswordParameters(e)),
            None => None,
        };
        let new_hash = match done.new_hash {
            Some(Ok(hash)) => Some(hash),
            Some(Err(e)) => return self.fail(Error::PasswordParameters(e)),
            None => None,
        };
        let Some(requested) = &self.requested else {
            return;
        };
        let (settings, email) = match (&requested.change, new_hash) {
            (PasswordChange::Set { hint, email, .. }, Some(hash)) => {
                (set_settings(&hash, hint, email.clone()), email.clone())
            }
            (PasswordChange::Remove, _) => (remove_settings(), None),
            (PasswordChange::RecoveryEmail(e), _) => (email_settings(e.clone()), Some(e.clone())),
            (PasswordChange::Set { .. }, None) => {
                return self.fail(Error::UnexpectedReply {
                    method: "account.getPassword",
                    what: "no algorithm for the new password".into(),
                });
            }
        };
        let call = functions::account::UpdatePasswordSettings {
            password: check_to_tl(check.as_ref()),
            new_settings: settings,
        };
        self.start(now, Pending::Update { email }, call, Reply::Bool);
    }

    fn start<F>(&mut self, now: Instant, pending: Pending, call: F, map: fn(F::Return) -> Reply)
    where
        F: crate::tl::RemoteCall + std::fmt::Debug + Send + 'static,
        F::Return: crate::tl::DeserializeAt + std::fmt::Debug + Send + 'static,
    {
        self.work.cancel();
        self.pending = Some(pending);
        self.phase = Phase::Working;
        self.seq.start(call, map, now);
    }

    fn fetch(&mut self, now: Instant, why: Fetch) {
        let call = functions::account::GetPassword {};
        self.start(now, Pending::Fetch(why), call, |p| {
            Reply::Password(Box::new(p))
        });
    }

    fn finish(&mut self, event: SettingsEvent) {
        self.seq.abandon();
        self.work.cancel();
        self.requested = None;
        self.pending = None;
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: Error) {
        self.finish(SettingsEvent::Failed(error));
    }

    /// Turns the sequence's events into this machine's.
    fn pump(&mut self, now: Instant) {
        while self.phase != Phase::Finished {
            let Some(event) = self.seq.poll_event() else {
                break;
            };
            let result = match event {
                CallEvent::DcChanged(dc) => {
                    self.events.push_back(SettingsEvent::DcChanged(dc));
                    continue;
                }
                CallEvent::FloodWait { seconds, until } => {
                    self.events
                        .push_back(SettingsEvent::FloodWait { seconds, until });
                    continue;
                }
                CallEvent::Done(reply) => Ok(reply),
                CallEvent::Failed(error) => Err(error),
            };
            match self.pending.take() {
                Some(pending) => self.on_done(now, pending, result),
                None => self.fail(Error::UnexpectedReply {
                    method: "?",
                    what: "an answer to no call".into(),
                }),
            }
        }
    }

    fn on_done(&mut self, now: Instant, pending: Pending, result: Result<Reply, Error>) {
        match (pending, result) {
            (Pending::Fetch(why), Ok(Reply::Password(p))) => {
                let enums::account::Password::Password(p) = *p;
                self.on_password(why, &p);
            }
            (Pending::Update { .. }, Ok(Reply::Bool(ok))) => {
                self.requested = None;
                match expect_true("account.updatePasswordSettings", ok) {
                    Ok(()) => self.finish(SettingsEvent::Done(SettingsOutcome::Updated)),
                    Err(e) => self.fail(e),
                }
            }
            (Pending::Update { email }, Err(Error::Rpc { error, .. })) => {
                self.on_update_error(now, email, error);
            }
            (Pending::Confirm, Ok(Reply::Bool(true))) => {
                self.finish(SettingsEvent::Done(SettingsOutcome::EmailConfirmed));
            }
            (Pending::Confirm, Ok(Reply::Bool(false))) => self.email_code_invalid(),
            (Pending::Confirm, Err(Error::Rpc { error, .. }))
                if error.kind() == RpcErrorKind::CodeInvalid =>
            {
                self.email_code_invalid();
            }
            (Pending::Resend, Ok(Reply::Bool(ok))) => {
                match expect_true("account.resendPasswordEmail", ok) {
                    Ok(()) => {
                        self.phase = Phase::AwaitingEmailCode;
                        self.events.push_back(SettingsEvent::EmailCodeResent);
                    }
                    Err(e) => self.fail(e),
                }
            }
            (Pending::CancelEmail, Ok(Reply::Bool(_))) => {
                self.finish(SettingsEvent::Done(SettingsOutcome::EmailCancelled));
            }
            (
                Pending::Confirm | Pending::Resend | Pending::CancelEmail,
                Err(Error::Rpc { error, .. }),
            ) if error.kind() == RpcErrorKind::EmailHashExpired => {
                self.finish(SettingsEvent::Done(SettingsOutcome::EmailExpired));
            }
            (pending, Ok(reply)) => self.fail(Error::UnexpectedReply {
                method: pending.method(),
                what: format!("{reply:?}"),
            }),
            (_, Err(e)) => self.fail(classify(e)),
        }
    }

    fn on_update_error(&mut self, now: Instant, email: Option<String>, e: RpcError) {
        use RpcErrorKind as K;
        match e.kind() {
            K::EmailUnconfirmed(length) => {
                self.requested = None;
                let code = EmailCode {
                    email_pattern: email.as_deref().map(mask_email).unwrap_or_default(),
                    length,
                };
                self.email_code = Some(code.clone());
                self.email_attempts = 0;
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(SettingsEvent::EmailUnconfirmed(code));
            }
            K::PasswordHashInvalid => {
                self.requested = None;
                self.attempts += 1;
                self.renewals = 0;
                self.fetch(now, Fetch::AfterInvalid);
            }
            // The same passwords, against a new challenge and salt: nobody is asked.
            K::SrpIdInvalid | K::SrpPasswordChanged => {
                self.renewals += 1;
                if self.renewals > MAX_RENEWALS {
                    self.fail(Error::PasswordChallengeUnstable);
                } else {
                    self.fetch(now, Fetch::Renew);
                }
            }
            // The SRP attempt may have been spent: refetch before asking again.
            K::EmailInvalid | K::EmailNotAllowed => {
                self.requested = None;
                self.fetch(now, Fetch::EmailRefused(e));
            }
            _ => self.fail(super::refused("account.updatePasswordSettings", e)),
        }
    }

    fn email_code_invalid(&mut self) {
        self.email_attempts += 1;
        self.phase = Phase::AwaitingEmailCode;
        self.events.push_back(SettingsEvent::EmailCodeInvalid {
            attempts: self.email_attempts,
        });
    }

    fn on_password(&mut self, why: Fetch, p: &crate::tl::types::account::Password) {
        let challenge = match challenge_from_tl(p, &mut self.entropy, b"tgauth/password/srp") {
            Ok(c) => c,
            Err(e) => return self.fail(e),
        };
        let new_algo =
            algo_from_tl(&p.new_algo).map(|a| NewPasswordAlgo::draw(&a, &mut self.entropy));
        let info = PasswordInfo::from_tl(p);
        let has_password = challenge.is_some();
        self.current = Some(Current {
            info: info.clone(),
            challenge,
            new_algo,
        });
        self.phase = Phase::AwaitingChange;
        match why {
            Fetch::First => self
                .events
                .push_back(SettingsEvent::Ready { has_password, info }),
            Fetch::AfterInvalid => self.events.push_back(SettingsEvent::PasswordInvalid {
                attempts: self.attempts,
            }),
            Fetch::Renew => self.queue_work(),
            Fetch::EmailRefused(e) => self.events.push_back(SettingsEvent::EmailRefused(e)),
        }
    }
}

impl Pending {
    fn method(&self) -> &'static str {
        match self {
            Pending::Fetch(_) => "account.getPassword",
            Pending::Update { .. } => "account.updatePasswordSettings",
            Pending::Confirm => "account.confirmPasswordEmail",
            Pending::Resend => "account.resendPasswordEmail",
            Pending::CancelEmail => "account.cancelPasswordEmail",
        }
    }
}

impl Machine for PasswordSettings {
    type Event = SettingsEvent;

    fn phase(&self) -> Phase {
        self.phase
    }

    fn poll_transmit(&mut self) -> Option<crate::transport::Transmit> {
        self.seq.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<SettingsEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Finished {
            return None;
        }
        self.seq.poll_timeout()
    }

    fn poll_work(&mut self) -> Option<Work> {
        PasswordSettings::poll_work(self)
    }

    fn handle_response(
        &mut self,
        now: Instant,
        id: crate::transport::RequestId,
        body: &[u8],
    ) -> Result<(), UsageError> {
        self.seq.handle_response(now, id, body)?;
        self.pump(now);
        Ok(())
    }

    fn handle_failure(
        &mut self,
        now: Instant,
        id: crate::transport::RequestId,
        failure: crate::transport::TransportFailure,
    ) -> Result<(), UsageError> {
        self.seq.handle_failure(now, id, failure)?;
        self.pump(now);
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.seq.handle_timeout(now);
        self.pump(now);
    }

    fn handle_work(&mut self, now: Instant, done: WorkDone) -> Result<(), UsageError> {
        let done = self.work.take(done)?;
        self.on_work(now, done);
        Ok(())
    }
}
