//! [`PasswordSettings`]: set, change or remove the 2FA password, or set a recovery email, on
//! an authorized session.

use std::collections::VecDeque;
use std::time::Instant;

use crate::{
    DcId, RpcError, RpcErrorKind,
    entropy::Entropy,
    login::{CodeKind, PasswordInfo},
    machine::{CallError, CallEvent, RetryPolicy},
    srp::{NewPasswordHash, PasswordCheck, SrpChallenge, SrpError},
    tl::{enums, functions},
};

use super::{
    NewPasswordAlgo, PasswordError, Phase, UsageError, algo_from_tl, check_to_tl, email_settings,
    expect_true, info_from_tl, mask_email, plausible_email, remove_settings,
    sequence::CallSequence, set_settings,
};

/// How many times in a row the challenge may be renewed (`SRP_ID_INVALID`).
const MAX_RENEWALS: u32 = 3;

/// What to change.
#[derive(Debug, Clone)]
pub enum PasswordChange {
    /// Set a password (or change it): `password` from [`NewPasswordAlgo::hash`] of
    /// [`PasswordSettings::new_algo`], the `hint` shown at login (may be empty), and a
    /// recovery email to set (the server sends it a code to confirm).
    Set {
        /// The new password's algorithm and hash.
        password: Box<NewPasswordHash>,
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

/// How the settings machine ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
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
pub enum SettingsEvent {
    /// The current settings are known: build the change (prove the current password against
    /// [`challenge`](PasswordSettings::challenge) if `has_password`, hash a new one with
    /// [`new_algo`](PasswordSettings::new_algo)) and call [`update`](PasswordSettings::update).
    Ready {
        /// Whether a password is set.
        has_password: bool,
        /// What the server says about it.
        info: PasswordInfo,
    },
    /// The current password was wrong; a fresh challenge is ready. Ask again.
    PasswordInvalid {
        /// Wrong passwords so far.
        attempts: u32,
    },
    /// The server renewed the challenge (its SRP id went stale): compute the check and the
    /// new hash again, with the same passwords, against the new challenge and algorithm.
    ChallengeRenewed,
    /// The server refused the recovery email (`EMAIL_INVALID`); a fresh challenge is ready.
    /// Ask for another address.
    EmailRefused(RpcError),
    /// The settings were updated; the new recovery email must be confirmed with the code
    /// just sent to it: [`confirm_email`](PasswordSettings::confirm_email) (or
    /// `resend_email`, `cancel_email`).
    EmailUnconfirmed {
        /// The address, partly masked.
        email_pattern: String,
        /// Digits in the code (0 if unknown).
        length: u32,
    },
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
    Done(Outcome),
    /// [`cancel`](PasswordSettings::cancel) was called. Terminal.
    Cancelled,
    /// Failed. Terminal.
    Failed(PasswordError),
}

/// Why `account.getPassword` is being fetched: decides which event follows.
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

/// Set, change or remove the 2FA password, or set a recovery email, on an authorized
/// session (core.telegram.org/api/srp, "Setting a new 2FA password" and "Email
/// verification").
///
/// ```text
/// new ─► getPassword ─► AwaitingChange ─update─► updatePasswordSettings ─► Done(Updated)
///            ▲                                          │
///            └── PASSWORD_HASH_INVALID, SRP_ID_INVALID, ┤
///                EMAIL_INVALID (refetch)                │ EMAIL_UNCONFIRMED_X
///                                                       ▼
/// AwaitingEmailCode ─confirm_email─► Done(EmailConfirmed)
///                   ─cancel_email─► Done(EmailCancelled)   ─resend_email─► (a new code)
/// ```
///
/// Methods sort like the login's: getters ([`phase`](Self::phase),
/// [`challenge`](Self::challenge), [`new_algo`](Self::new_algo), ...), `handle_*` (the
/// [`Machine`](crate::machine::Machine) trait), commands ([`update`](Self::update), [`confirm_email`](Self::confirm_email),
/// [`resend_email`](Self::resend_email), [`cancel_email`](Self::cancel_email),
/// [`cancel`](Self::cancel)), `poll_*` (the [`Machine`](crate::machine::Machine) trait).
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
    attempts: u32,
    renewals: u32,
    /// Length of the recovery-email code announced (0 if unknown).
    email_code_length: u32,
    email_attempts: u32,
}

impl PasswordSettings {
    /// Starts by fetching the settings (`account.getPassword`) on `dc`, the session's data
    /// center. `seed` is fresh entropy (from the OS RNG): it draws the SRP secret and the new
    /// password's salt.
    pub fn new(dc: DcId, policy: RetryPolicy, seed: [u8; 32], now: Instant) -> Self {
        let mut settings = PasswordSettings {
            seq: CallSequence::new(dc, policy),
            entropy: Entropy::deterministic(seed),
            phase: Phase::Working,
            events: VecDeque::new(),
            pending: None,
            current: None,
            attempts: 0,
            renewals: 0,
            email_code_length: 0,
            email_attempts: 0,
        };
        settings.fetch(now, Fetch::First);
        settings
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

    /// Whether a password is set (once the settings were fetched).
    pub fn has_password(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.challenge.is_some())
    }

    /// What the server said about the password, once fetched.
    pub fn info(&self) -> Option<&PasswordInfo> {
        self.current.as_ref().map(|c| &c.info)
    }

    /// The challenge proving the current password (in `AwaitingChange`, when one is set).
    /// `Clone + Send`: run [`SrpChallenge::check`] where slow work belongs.
    pub fn challenge(&self) -> Option<&SrpChallenge> {
        match self.phase {
            Phase::AwaitingChange => self.current.as_ref()?.challenge.as_ref(),
            _ => None,
        }
    }

    /// The algorithm to hash a new password with (in `AwaitingChange`): run
    /// [`NewPasswordAlgo::hash`] where slow work belongs.
    pub fn new_algo(&self) -> Option<&NewPasswordAlgo> {
        match self.phase {
            Phase::AwaitingChange => self.current.as_ref()?.new_algo.as_ref(),
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

    // ----- commands -----

    /// Sends the change. `current` is [`SrpChallenge::check`] of the current password
    /// against [`challenge`](Self::challenge) when a password is set, `None` when none is
    /// (an `Err` — the server's parameters failed the last safety check — fails the machine).
    ///
    /// Refused before sending: a missing or superfluous check, a check of an old challenge,
    /// removing a password that is not set, a new password hashed with another algorithm
    /// than [`new_algo`](Self::new_algo)'s, an address that is not one.
    pub fn update(
        &mut self,
        now: Instant,
        current: Option<Result<PasswordCheck, SrpError>>,
        change: PasswordChange,
    ) -> Result<(), UsageError> {
        self.expect("update", self.phase == Phase::AwaitingChange)?;
        let Some(state) = self.current.as_ref() else {
            return Err(self.wrong_phase("update"));
        };
        let check = match (current, state.challenge.as_ref()) {
            (None, Some(_)) => return Err(UsageError::CurrentPasswordNeeded),
            (Some(_), None) => return Err(UsageError::NoPassword),
            (None, None) => None,
            (Some(Ok(check)), Some(challenge)) if check.srp_id == challenge.srp_id() => Some(check),
            (Some(Ok(check)), Some(_)) => return Err(UsageError::StaleChallenge(check.srp_id)),
            (Some(Err(e)), Some(_)) => {
                self.fail(PasswordError::PasswordParameters(e));
                return Ok(());
            }
        };
        let (settings, email) = match change {
            PasswordChange::Set {
                password,
                hint,
                email,
            } => {
                let Some(algo) = state.new_algo.as_ref() else {
                    return Err(UsageError::NewPasswordUnavailable);
                };
                if !algo.accepts(&password) {
                    return Err(UsageError::ForeignAlgorithm);
                }
                let email = match email {
                    Some(e) => Some(
                        plausible_email(&e)
                            .ok_or(UsageError::InvalidEmail)?
                            .to_owned(),
                    ),
                    None => None,
                };
                (set_settings(&password, hint.trim(), email.clone()), email)
            }
            PasswordChange::Remove if check.is_none() => return Err(UsageError::NoPassword),
            PasswordChange::Remove => (remove_settings(), None),
            PasswordChange::RecoveryEmail(_) if check.is_none() => {
                return Err(UsageError::NoPassword);
            }
            PasswordChange::RecoveryEmail(e) => {
                let email = plausible_email(&e)
                    .ok_or(UsageError::InvalidEmail)?
                    .to_owned();
                (email_settings(email.clone()), Some(email))
            }
        };
        let call = functions::account::UpdatePasswordSettings {
            password: check_to_tl(check.as_ref()),
            new_settings: settings,
        };
        self.start(now, Pending::Update { email }, call, Reply::Bool);
        Ok(())
    }

    /// The code sent to the new recovery email (`account.confirmPasswordEmail`).
    pub fn confirm_email(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("confirm_email", self.email_commands_allowed())?;
        let code = CodeKind::Sms {
            length: self.email_code_length,
        }
        .normalize(code)?;
        let call = functions::account::ConfirmPasswordEmail { code };
        self.start(now, Pending::Confirm, call, Reply::Bool);
        Ok(())
    }

    /// Sends the recovery email's code again (`account.resendPasswordEmail`).
    pub fn resend_email(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("resend_email", self.email_commands_allowed())?;
        let call = functions::account::ResendPasswordEmail {};
        self.start(now, Pending::Resend, call, Reply::Bool);
        Ok(())
    }

    /// Gives up confirming the recovery email (`account.cancelPasswordEmail`).
    pub fn cancel_email(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("cancel_email", self.email_commands_allowed())?;
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

    fn expect(&self, command: &'static str, allowed: bool) -> Result<(), UsageError> {
        if allowed {
            Ok(())
        } else {
            Err(self.wrong_phase(command))
        }
    }

    fn start<F>(&mut self, now: Instant, pending: Pending, call: F, map: fn(F::Return) -> Reply)
    where
        F: crate::tl::RemoteCall + std::fmt::Debug + Send + 'static,
        F::Return: std::fmt::Debug + Send + 'static,
    {
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
        self.pending = None;
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: PasswordError) {
        self.finish(SettingsEvent::Failed(error));
    }

    /// Turns the sequence's events into this machine's.
    fn pump(&mut self, now: Instant) {
        while self.phase != Phase::Finished {
            let Some(event) = self.seq.poll_event() else {
                break;
            };
            match event {
                CallEvent::DcChanged(dc) => self.events.push_back(SettingsEvent::DcChanged(dc)),
                CallEvent::FloodWait { seconds, until } => self
                    .events
                    .push_back(SettingsEvent::FloodWait { seconds, until }),
                CallEvent::Done(result) => match self.pending.take() {
                    Some(pending) => self.on_done(now, pending, result),
                    None => self.fail(PasswordError::UnexpectedReply {
                        method: "?",
                        what: "an answer to no call".into(),
                    }),
                },
            }
        }
    }

    fn on_done(&mut self, now: Instant, pending: Pending, result: Result<Reply, CallError>) {
        match (pending, result) {
            (Pending::Fetch(why), Ok(Reply::Password(p))) => {
                let enums::account::Password::Password(p) = *p;
                self.on_password(why, &p);
            }
            (Pending::Update { .. }, Ok(Reply::Bool(ok))) => {
                match expect_true("account.updatePasswordSettings", ok) {
                    Ok(()) => self.finish(SettingsEvent::Done(Outcome::Updated)),
                    Err(e) => self.fail(e),
                }
            }
            (Pending::Update { email }, Err(CallError::Rpc(e))) => {
                self.on_update_error(now, email, e)
            }
            (Pending::Confirm, Ok(Reply::Bool(true))) => {
                self.finish(SettingsEvent::Done(Outcome::EmailConfirmed));
            }
            (Pending::Confirm, Ok(Reply::Bool(false))) => self.email_code_invalid(),
            (Pending::Confirm, Err(CallError::Rpc(e))) if e.kind() == RpcErrorKind::CodeInvalid => {
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
                self.finish(SettingsEvent::Done(Outcome::EmailCancelled));
            }
            (Pending::Confirm | Pending::Resend | Pending::CancelEmail, Err(CallError::Rpc(e)))
                if e.kind() == crate::RpcErrorKind::EmailHashExpired =>
            {
                self.finish(SettingsEvent::Done(Outcome::EmailExpired));
            }
            (pending, Ok(reply)) => self.fail(PasswordError::UnexpectedReply {
                method: pending.method(),
                what: format!("{reply:?}"),
            }),
            (_, Err(e)) => self.fail(e.into()),
        }
    }

    fn on_update_error(&mut self, now: Instant, email: Option<String>, e: RpcError) {
        use RpcErrorKind as K;
        match e.kind() {
            K::EmailUnconfirmed(length) => {
                self.email_code_length = length;
                self.email_attempts = 0;
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(SettingsEvent::EmailUnconfirmed {
                    email_pattern: email.as_deref().map(mask_email).unwrap_or_default(),
                    length,
                });
            }
            K::PasswordHashInvalid => {
                self.attempts += 1;
                self.renewals = 0;
                self.fetch(now, Fetch::AfterInvalid);
            }
            K::SrpIdInvalid | K::SrpPasswordChanged => {
                self.renewals += 1;
                if self.renewals > MAX_RENEWALS {
                    self.fail(PasswordError::ChallengeUnstable);
                } else {
                    self.fetch(now, Fetch::Renew);
                }
            }
            // The SRP attempt may have been spent: refetch before asking again.
            K::EmailInvalid | K::EmailNotAllowed => self.fetch(now, Fetch::EmailRefused(e)),
            _ => self.fail(e.into()),
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
        let challenge = match &p.srp {
            None => None,
            Some(srp) => {
                let Some(algo) = algo_from_tl(&srp.current_algo) else {
                    self.fail(PasswordError::UnsupportedAlgorithm);
                    return;
                };
                let mut entropy = self.entropy.fork(b"tgauth/password/srp");
                match SrpChallenge::new(
                    &algo,
                    &srp.srp_b,
                    srp.srp_id,
                    &p.secure_random,
                    &mut entropy,
                ) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        self.fail(PasswordError::PasswordParameters(e));
                        return;
                    }
                }
            }
        };
        let new_algo =
            algo_from_tl(&p.new_algo).map(|a| NewPasswordAlgo::draw(&a, &mut self.entropy));
        let info = info_from_tl(p);
        let has_password = challenge.is_some();
        self.current = Some(Current {
            info: info.clone(),
            challenge,
            new_algo,
        });
        self.phase = Phase::AwaitingChange;
        self.events.push_back(match why {
            Fetch::First => SettingsEvent::Ready { has_password, info },
            Fetch::AfterInvalid => SettingsEvent::PasswordInvalid {
                attempts: self.attempts,
            },
            Fetch::Renew => SettingsEvent::ChallengeRenewed,
            Fetch::EmailRefused(e) => SettingsEvent::EmailRefused(e),
        });
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

crate::machine::forward_machine!(
    PasswordSettings,
    SettingsEvent,
    seq,
    pump: |this, now| this.pump(now),
    finished: |me| me.phase == Phase::Finished,
);
