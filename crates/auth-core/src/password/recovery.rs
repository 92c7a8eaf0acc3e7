//! Recovering a forgotten 2FA password by email (core.telegram.org/api/srp, "Email
//! recovery"): [`PasswordRecovery`] for an authorized session, and the pieces the login's
//! password step shares with it.

use std::collections::VecDeque;
use std::time::Instant;

use crate::{
    DcId, RpcError,
    entropy::Entropy,
    login::{Authorization, CodeFormatError, CodeKind},
    machine::{CallError, CallEvent, RetryPolicy},
    srp::NewPasswordHash,
    tl::{enums, functions},
};

use super::{
    NewPasswordAlgo, PasswordError, Phase, UsageError, algo_from_tl, sequence::CallSequence,
    set_settings,
};

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
    CodeKind::Sms { length: 0 }.normalize(code)
}

/// `auth.recoverPassword`: removes the password, or sets `new_password` (with an empty hint).
pub(crate) fn recover_password_call(
    code: String,
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
    /// Failed (e.g. [`PasswordError::RecoveryUnavailable`]). Terminal.
    Failed(PasswordError),
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
/// Methods sort like the login's: getters, `handle_*` and `poll_*` (the [`Machine`](crate::machine::Machine) trait),
/// commands ([`check_code`](Self::check_code), [`submit_code`](Self::submit_code),
/// [`resend`](Self::resend), [`cancel`](Self::cancel)).
#[derive(Debug)]
pub struct PasswordRecovery {
    seq: CallSequence<Reply>,
    entropy: Entropy,
    phase: Phase,
    events: VecDeque<RecoveryEvent>,
    pending: Option<Pending>,
    new_algo: Option<NewPasswordAlgo>,
    email_pattern: Option<String>,
    attempts: u32,
}

impl PasswordRecovery {
    /// Starts on `dc`, the session's data center. `seed` is fresh entropy (from the OS RNG):
    /// it draws the salt of a new password.
    pub fn new(dc: DcId, policy: RetryPolicy, seed: [u8; 32], now: Instant) -> Self {
        let mut recovery = PasswordRecovery {
            seq: CallSequence::new(dc, policy),
            entropy: Entropy::deterministic(seed),
            phase: Phase::Working,
            events: VecDeque::new(),
            pending: None,
            new_algo: None,
            email_pattern: None,
            attempts: 0,
        };
        recovery.start(now, Pending::GetPassword);
        recovery
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

    /// The algorithm to hash a new password with (`None` if the server offers none this
    /// client knows).
    pub fn new_algo(&self) -> Option<&NewPasswordAlgo> {
        self.new_algo.as_ref()
    }

    /// Wrong codes so far.
    pub fn code_attempts(&self) -> u32 {
        self.attempts
    }

    // ----- commands -----

    /// Checks the code without using it (`auth.checkRecoveryPassword`): `CodeValid` or
    /// `CodeInvalid` follows.
    pub fn check_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        self.expect("check_code")?;
        let code = normalize_recovery_code(code)?;
        self.pending = Some(Pending::Check);
        self.phase = Phase::Working;
        let call = functions::auth::CheckRecoveryPassword { code };
        self.seq.start(call, Reply::Bool, now);
        Ok(())
    }

    /// Uses the code (`auth.recoverPassword`): the password is removed, or replaced by
    /// `new_password` (from [`NewPasswordAlgo::hash`] of [`new_algo`](Self::new_algo)).
    pub fn submit_code(
        &mut self,
        now: Instant,
        code: &str,
        new_password: Option<NewPasswordHash>,
    ) -> Result<(), UsageError> {
        self.expect("submit_code")?;
        let code = normalize_recovery_code(code)?;
        if let Some(new) = &new_password {
            match &self.new_algo {
                Some(algo) if algo.accepts(new) => {}
                Some(_) => return Err(UsageError::ForeignAlgorithm),
                None => return Err(UsageError::NewPasswordUnavailable),
            }
        }
        self.pending = Some(Pending::Recover);
        self.phase = Phase::Working;
        let call = recover_password_call(code, new_password.as_ref());
        self.seq
            .start(call, |a| Reply::Authorization(Box::new(a)), now);
        Ok(())
    }

    /// Asks for a new code (`auth.requestPasswordRecovery` again).
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
        self.pending = None;
        self.phase = Phase::Finished;
        self.events.push_back(event);
    }

    fn fail(&mut self, error: PasswordError) {
        self.finish(RecoveryEvent::Failed(error));
    }

    fn pump(&mut self, now: Instant) {
        while self.phase != Phase::Finished {
            let Some(event) = self.seq.poll_event() else {
                break;
            };
            match event {
                CallEvent::DcChanged(dc) => self.events.push_back(RecoveryEvent::DcChanged(dc)),
                CallEvent::FloodWait { seconds, until } => self
                    .events
                    .push_back(RecoveryEvent::FloodWait { seconds, until }),
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
            (Pending::GetPassword, Ok(Reply::Password(p))) => {
                let enums::account::Password::Password(p) = *p;
                if p.srp.is_none() {
                    self.fail(PasswordError::NoPassword);
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
                        match Authorization::from_tl(dc, &a) {
                            Some(a) => self.finish(RecoveryEvent::Done(Box::new(a))),
                            None => self.fail(PasswordError::UnexpectedReply {
                                method: pending.method(),
                                what: "auth.authorization with userEmpty".into(),
                            }),
                        }
                    }
                    enums::auth::Authorization::SignUpRequired(_) => {
                        self.fail(PasswordError::UnexpectedReply {
                            method: pending.method(),
                            what: "auth.authorizationSignUpRequired".into(),
                        });
                    }
                }
            }
            (Pending::Check | Pending::Recover, Err(CallError::Rpc(e))) => {
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
                    _ => self.fail(e.into()),
                }
            }
            (pending, Ok(reply)) => self.fail(PasswordError::UnexpectedReply {
                method: pending.method(),
                what: format!("{reply:?}"),
            }),
            (_, Err(e)) => self.fail(e.into()),
        }
    }

    fn code_invalid(&mut self) {
        self.attempts += 1;
        self.events.push_back(RecoveryEvent::CodeInvalid {
            attempts: self.attempts,
        });
    }
}

crate::machine::forward_machine!(
    PasswordRecovery,
    RecoveryEvent,
    seq,
    pump: |this, now| this.pump(now),
    finished: |me| me.phase == Phase::Finished,
);

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
