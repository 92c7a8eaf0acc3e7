//! Recovering a forgotten 2FA password by email (core.telegram.org/api/srp, "Email
//! recovery"): [`PasswordRecovery`] for an authorized session, and the pieces the login's
//! password step shares with it.

use std::collections::VecDeque;
use std::time::Instant;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::{
    DcId, Error, RpcError,
    account::Authorization,
    config::SessionConfig,
    entropy::Entropy,
    error::CodeFormatError,
    error::UsageError,
    input::normalize_digits,
    machine::{CallEvent, CallSequence, Machine},
    phase::Phase,
    srp::NewPasswordHash,
    tl::{Layer, enums, functions},
    work::{NewPasswordAlgo, Work, WorkDone, WorkSlot, algo_from_tl},
};

use super::{classify, set_settings};

/// How the server refused a recovery call, where the flow goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecoveryRefusal {
    /// `CODE_INVALID` / `CODE_EMPTY`: a wrong code; ask again.
    CodeInvalid,
    /// `PASSWORD_RECOVERY_EXPIRED`: no live code; request a new one.
    Expired,
    /// `PASSWORD_RECOVERY_NA`: no recovery email is set.
    Unavailable,
    /// `NEW_SETTINGS_INVALID` / `NEW_SALT_INVALID`: the new password was refused.
    NewPasswordRefused,
}

impl RecoveryRefusal {
    /// Classifies by name.
    pub(crate) fn of(e: &RpcError) -> Option<Self> {
        Some(match e.name.as_str() {
            "CODE_INVALID" | "CODE_EMPTY" => RecoveryRefusal::CodeInvalid,
            "PASSWORD_RECOVERY_EXPIRED" => RecoveryRefusal::Expired,
            "PASSWORD_RECOVERY_NA" => RecoveryRefusal::Unavailable,
            "NEW_SETTINGS_INVALID" | "NEW_SALT_INVALID" => RecoveryRefusal::NewPasswordRefused,
            _ => return None,
        })
    }
}

/// A typed recovery code: digits (spaces and dashes dropped), any length.
pub(crate) fn normalize_recovery_code(code: &str) -> Result<String, CodeFormatError> {
    normalize_digits(code, 0)
}

/// `auth.recoverPassword`: removes the password, or sets `new_password` (with an empty hint).
pub(crate) fn recover_password_call(
    code: crate::tl::SecretString,
    new_password: Option<&NewPasswordHash>,
) -> functions::auth::RecoverPassword {
    functions::auth::RecoverPassword {
        code,
        new_settings: new_password.map(|new| set_settings(new, "", None)),
    }
}

/// What a [`PasswordRecovery`] tells its caller. `Done`, `Cancelled` and `Failed` are
/// terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RecoveryEvent {
    /// A recovery code was sent to the recovery email: ask for it.
    CodeSent {
        /// The recovery email, partly masked.
        email_pattern: String,
    },
    /// [`check_code`](PasswordRecovery::check_code): the code is right (nothing changed yet).
    CodeValid,
    /// The code was wrong; ask again.
    CodeInvalid {
        /// Wrong codes so far.
        attempts: u32,
    },
    /// The code expired (`PASSWORD_RECOVERY_EXPIRED`): [`resend`](PasswordRecovery::resend).
    CodeExpired,
    /// The server refused the new password (`NEW_SETTINGS_INVALID`); the code still stands.
    NewPasswordRefused(RpcError),
    /// The calls moved to another data center.
    DcChanged(DcId),
    /// Waiting out a flood wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// The password was removed (or replaced); the server answered with the authorization.
    /// Terminal.
    Done(Box<Authorization>),
    /// [`cancel`](PasswordRecovery::cancel) was called. Terminal.
    Cancelled,
    /// Failed (e.g. [`Error::RecoveryUnavailable`]). Terminal.
    Failed(Error),
}

impl RecoveryEvent {
    /// Whether this event ends the machine.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            RecoveryEvent::Done(_) | RecoveryEvent::Cancelled | RecoveryEvent::Failed(_)
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    GetPassword,
    Request,
    Check,
    Recover,
}

impl Pending {
    fn method(self) -> &'static str {
        match self {
            Pending::GetPassword => "account.getPassword",
            Pending::Request => "auth.requestPasswordRecovery",
            Pending::Check => "auth.checkRecoveryPassword",
            Pending::Recover => "auth.recoverPassword",
        }
    }
}

#[derive(Debug)]
enum Reply {
    Password(Box<enums::account::Password>),
    Recovery(enums::auth::PasswordRecovery),
    Bool(bool),
    Authorization(Box<enums::auth::Authorization>),
}

/// Recovers a forgotten 2FA password by email on an authorized session: `account.getPassword`
/// (for the algorithm of a new password) → `auth.requestPasswordRecovery` → (optionally
/// `auth.checkRecoveryPassword`) → `auth.recoverPassword`, which removes the password or sets
/// a new one. A login that is asked for the password does the same from its password step
/// ([`Login::request_password_recovery`](crate::login::Login::request_password_recovery)).
///
/// Methods sort like the login's: getters, `handle_*` and `poll_*` (the
/// [`Machine`](crate::machine::Machine) trait; hashing a new password is handed out as work),
/// commands ([`check_code`](Self::check_code), [`submit_code`](Self::submit_code),
/// [`resend`](Self::resend), [`cancel`](Self::cancel)). Phases: `Working`,
/// `AwaitingRecoveryCode`, `Finished`.
#[derive(Debug)]
pub struct PasswordRecovery {
    seq: CallSequence<Reply>,
    layer: Layer,
    entropy: Entropy,
    work: WorkSlot,
    /// The code that goes with the new password being hashed.
    code_for_work: Option<Zeroizing<String>>,
    phase: Phase,
    events: VecDeque<RecoveryEvent>,
    pending: Option<Pending>,
    new_algo: Option<NewPasswordAlgo>,
    email_pattern: Option<String>,
    attempts: u32,
}

impl PasswordRecovery {
    /// Starts on `session.dc`. `rng` is the caller's cryptographic generator (the OS's in
    /// production): it seeds the salt of a new password.
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
        let mut recovery = PasswordRecovery {
            seq: CallSequence::new(session.dc, layer, session.retry.clone(), true),
            layer,
            entropy: Entropy::from_rng(rng),
            work: WorkSlot::default(),
            code_for_work: None,
            phase: Phase::Working,
            events: VecDeque::new(),
            pending: None,
            new_algo: None,
            email_pattern: None,
            attempts: 0,
        };
        recovery.start(now, Pending::GetPassword);
        Ok(recovery)
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

    /// The recovery email the code went to, partly masked.
    pub fn email_pattern(&self) -> Option<&str> {
        self.email_pattern.as_deref()
    }

    /// Wrong codes so far.
    pub fn code_attempts(&self) -> u32 {
        self.attempts
    }

    // ----- commands -----

    /// Hashing the new password, once: run [`Work::run`] where slow work belongs and hand
    /// the result to `handle_work`.
    pub fn poll_work(&mut self) -> Option<Work> {
        self.work.poll()
    }

    /// Checks the code without using it (`auth.checkRecoveryPassword`): `CodeValid` or
    /// `CodeInvalid` follows.
    ///
    /// # Errors
    ///
    /// The wrong phase, or a code that cannot be right.
    pub fn check_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("check_code")?;
        let code = normalize_recovery_code(code)?;
        self.pending = Some(Pending::Check);
        self.phase = Phase::Working;
        let call = functions::auth::CheckRecoveryPassword { code: code.into() };
        self.seq.start(call, Reply::Bool, now);
        Ok(())
    }

    /// Uses the code (`auth.recoverPassword`): the password is removed, or replaced by
    /// `new_password` (hashing it is handed out as work first).
    ///
    /// # Errors
    ///
    /// The wrong phase, a code that cannot be right, or a new password the server offers no
    /// known algorithm for.
    pub fn submit_code(
        &mut self,
        now: Instant,
        code: &str,
        new_password: Option<&[u8]>,
    ) -> Result<(), UsageError> {
        self.expect("submit_code")?;
        let code = Zeroizing::new(normalize_recovery_code(code)?);
        match new_password {
            None => self.recover(now, &code, None),
            Some(password) => {
                let algo = self
                    .new_algo
                    .clone()
                    .ok_or(UsageError::NewPasswordUnavailable)?;
                self.work.queue(None, Some((&algo, password)));
                self.code_for_work = Some(code);
                self.phase = Phase::Working;
            }
        }
        Ok(())
    }

    fn recover(&mut self, now: Instant, code: &str, new_password: Option<&NewPasswordHash>) {
        self.pending = Some(Pending::Recover);
        self.phase = Phase::Working;
        let call = recover_password_call(code.into(), new_password);
        self.seq
            .start(call, |a| Reply::Authorization(Box::new(a)), now);
    }

    /// Asks for a new code (`auth.requestPasswordRecovery` again).
    ///
    /// # Errors
    ///
    /// The wrong phase.
    pub fn resend(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("resend")?;
        self.start(now, Pending::Request);
        Ok(())
    }

    /// Ends the machine at once with `Cancelled`. Nothing happens after it finished.
    pub fn cancel(&mut self, _now: Instant) {
        if self.phase != Phase::Finished {
            self.finish(RecoveryEvent::Cancelled);
        }
    }

    // ----- internals -----

    fn expect(&self, command: &'static str) -> Result<(), UsageError> {
        if self.phase == Phase::AwaitingRecoveryCode {
            Ok(())
        } else {
            Err(UsageError::WrongPhase {
                command,
                phase: self.phase,
            })
        }
    }

    fn start(&mut self, now: Instant, pending: Pending) {
        self.pending = Some(pending);
        self.phase = Phase::Working;
        match pending {
            Pending::GetPassword => {
                self.seq.start(
                    functions::account::GetPassword {},
                    |p| Reply::Password(Box::new(p)),
                    now,
                );
            }
            Pending::Request => {
                let call = functions::auth::RequestPasswordRecovery {};
                self.seq.start(call, Reply::Recovery, now);
            }
            // Started by their commands, which carry the code.
            Pending::Check | Pending::Recover => {}
        }
    }

    fn finish(&mut self, event: RecoveryEvent) {
        self.seq.abandon();
        self.work.cancel();
        self.code_for_work = None;
        self.pending = None;
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: Error) {
        self.finish(RecoveryEvent::Failed(error));
    }

    fn pump(&mut self, now: Instant) {
        while self.phase != Phase::Finished {
            let Some(event) = self.seq.poll_event() else {
                break;
            };
            let result = match event {
                CallEvent::DcChanged(dc) => {
                    self.events.push_back(RecoveryEvent::DcChanged(dc));
                    continue;
                }
                CallEvent::FloodWait { seconds, until } => {
                    self.events
                        .push_back(RecoveryEvent::FloodWait { seconds, until });
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
            (Pending::GetPassword, Ok(Reply::Password(p))) => {
                let enums::account::Password::Password(p) = *p;
                if p.srp.is_none() {
                    self.fail(Error::NoPassword);
                    return;
                }
                self.new_algo =
                    algo_from_tl(&p.new_algo).map(|a| NewPasswordAlgo::draw(&a, &mut self.entropy));
                self.start(now, Pending::Request);
            }
            (
                Pending::Request,
                Ok(Reply::Recovery(enums::auth::PasswordRecovery::PasswordRecovery(r))),
            ) => {
                self.email_pattern = Some(r.email_pattern.clone());
                self.attempts = 0;
                self.phase = Phase::AwaitingRecoveryCode;
                self.events.push_back(RecoveryEvent::CodeSent {
                    email_pattern: r.email_pattern,
                });
            }
            (Pending::Check, Ok(Reply::Bool(valid))) => {
                self.phase = Phase::AwaitingRecoveryCode;
                if valid {
                    self.events.push_back(RecoveryEvent::CodeValid);
                } else {
                    self.code_invalid();
                }
            }
            (Pending::Recover, Ok(Reply::Authorization(auth))) => {
                let dc = self.seq.dc();
                match *auth {
                    enums::auth::Authorization::Authorization(a) => {
                        match Authorization::from_tl(dc, self.layer, &a) {
                            Some(a) => self.finish(RecoveryEvent::Done(Box::new(a))),
                            None => self.fail(Error::UnexpectedReply {
                                method: pending.method(),
                                what: "auth.authorization with userEmpty".into(),
                            }),
                        }
                    }
                    enums::auth::Authorization::SignUpRequired(_) => {
                        self.fail(Error::UnexpectedReply {
                            method: pending.method(),
                            what: "auth.authorizationSignUpRequired".into(),
                        });
                    }
                }
            }
            (Pending::Check | Pending::Recover, Err(Error::Rpc { method, error: e })) => {
                match RecoveryRefusal::of(&e) {
                    Some(RecoveryRefusal::CodeInvalid) => {
                        self.phase = Phase::AwaitingRecoveryCode;
                        self.code_invalid();
                    }
                    Some(RecoveryRefusal::Expired) => {
                        self.phase = Phase::AwaitingRecoveryCode;
                        self.events.push_back(RecoveryEvent::CodeExpired);
                    }
                    Some(RecoveryRefusal::NewPasswordRefused) if pending == Pending::Recover => {
                        self.phase = Phase::AwaitingRecoveryCode;
                        self.events.push_back(RecoveryEvent::NewPasswordRefused(e));
                    }
                    _ => self.fail(super::refused(method, e)),
                }
            }
            (pending, Ok(reply)) => self.fail(Error::UnexpectedReply {
                method: pending.method(),
                what: format!("{reply:?}"),
            }),
            (_, Err(e)) => self.fail(classify(e)),
        }
    }

    fn code_invalid(&mut self) {
        self.attempts += 1;
        self.events.push_back(RecoveryEvent::CodeInvalid {
            attempts: self.attempts,
        });
    }
}

impl Machine for PasswordRecovery {
    type Event = RecoveryEvent;

    fn phase(&self) -> Phase {
        self.phase
    }

    fn poll_transmit(&mut self) -> Option<crate::transport::Transmit> {
        self.seq.poll_transmit()
    }

    fn poll_event(&mut self) -> Option<RecoveryEvent> {
        self.events.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Finished {
            return None;
        }
        self.seq.poll_timeout()
    }

    fn poll_work(&mut self) -> Option<Work> {
        PasswordRecovery::poll_work(self)
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
        let code = self.code_for_work.take().unwrap_or_default();
        match done.new_hash {
            Some(Ok(hash)) => self.recover(now, &code, Some(&hash)),
            Some(Err(e)) => self.fail(Error::PasswordParameters(e)),
            None => return Err(UsageError::StaleWork),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_classified_by_name() {
        let of = |name: &str| RecoveryRefusal::of(&RpcError::new(400, name));
        assert_eq!(of("CODE_INVALID"), Some(RecoveryRefusal::CodeInvalid));
        assert_eq!(of("CODE_EMPTY"), Some(RecoveryRefusal::CodeInvalid));
        assert_eq!(
            of("PASSWORD_RECOVERY_EXPIRED"),
            Some(RecoveryRefusal::Expired)
        );
        assert_eq!(
            of("PASSWORD_RECOVERY_NA"),
            Some(RecoveryRefusal::Unavailable)
        );
        assert_eq!(
            of("NEW_SETTINGS_INVALID"),
            Some(RecoveryRefusal::NewPasswordRefused)
        );
        assert_eq!(of("FLOOD_WAIT_3"), None);
    }

    #[test]
    fn codes_are_digits_of_any_length() {
        assert_eq!(
            normalize_recovery_code(" 12 34-56 ").as_deref(),
            Ok("123456")
        );
        assert_eq!(normalize_recovery_code(""), Err(CodeFormatError::Empty));
        assert_eq!(
            normalize_recovery_code("12a"),
            Err(CodeFormatError::NotDigits)
        );
        let call = recover_password_call("1".into(), None);
        assert_eq!((call.code.as_str(), call.new_settings), ("1", None));
    }
}
