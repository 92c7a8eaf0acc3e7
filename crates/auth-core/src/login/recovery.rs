//! Email password recovery from the login's password step (core.telegram.org/api/srp,
//! "Email recovery"): `auth.requestPasswordRecovery` → `auth.checkRecoveryPassword` →
//! `auth.recoverPassword`, while the password itself still works.

use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    password::{NewPasswordAlgo, normalize_recovery_code},
    srp::NewPasswordHash,
};

use super::{Login, Phase, UsageError, request::RecoveryPassword, request::Request};

impl Login {
    // ----- getters -----

    /// The recovery email a password-recovery code went to (partly masked), while that code
    /// is live: the password step then takes the code too.
    pub fn recovery_email_pattern(&self) -> Option<&str> {
        self.recovery.as_ref().map(|r| r.email_pattern.as_str())
    }

    /// Wrong recovery codes entered so far.
    pub fn recovery_attempts(&self) -> u32 {
        self.recovery.as_ref().map_or(0, |r| r.attempts)
    }

    /// The algorithm to hash a new password with, to set it with the recovery code (in
    /// `AwaitingPassword`). `Clone + Send`: run [`NewPasswordAlgo::hash`] where slow work
    /// belongs.
    pub fn new_password_algo(&self) -> Option<&NewPasswordAlgo> {
        match self.phase {
            Phase::AwaitingPassword => self.new_password_algo.as_ref(),
            _ => None,
        }
    }

    // ----- commands -----

    /// Forgot the password (in `AwaitingPassword`, when [`PasswordInfo::has_recovery`](super::PasswordInfo::has_recovery)):
    /// `auth.requestPasswordRecovery` sends a code to the recovery email, and
    /// `RecoveryCodeSent` follows (or `RecoveryUnavailable`). Asking again sends a new code.
    pub fn request_password_recovery(&mut self, now: Instant) -> Result<(), UsageError> {
        self.expect("request_password_recovery", Phase::AwaitingPassword)?;
        if !self.password.as_ref().is_some_and(|p| p.info.has_recovery) {
            return Err(UsageError::RecoveryUnavailable);
        }
        self.send(now, Request::PasswordRecovery);
        Ok(())
    }

    /// Checks the recovery code without using it (`auth.checkRecoveryPassword`):
    /// `RecoveryCodeValid` or `RecoveryCodeInvalid` follows.
    pub fn check_recovery_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        let code = self.recovery_code("check_recovery_code", code)?;
        self.send(now, Request::CheckRecoveryCode(code));
        Ok(())
    }

    /// Uses the recovery code (`auth.recoverPassword`): the password is removed — or
    /// replaced by `new_password`, from [`NewPasswordAlgo::hash`] of
    /// [`new_password_algo`](Self::new_password_algo) (with an empty hint) — and the login
    /// ends with `LoggedIn`.
    pub fn submit_recovery_code(
        &mut self,
        now: Instant,
        code: &str,
        new_password: Option<NewPasswordHash>,
    ) -> Result<(), UsageError> {
        let code = self.recovery_code("submit_recovery_code", code)?;
        if let Some(new) = &new_password
            && !self
                .new_password_algo
                .as_ref()
                .is_some_and(|a| a.accepts(new))
        {
            return Err(UsageError::ForeignPasswordAlgorithm);
        }
        self.send(
            now,
            Request::RecoverPassword {
                code,
                new_password: new_password.map(|p| Box::new(RecoveryPassword(p))),
            },
        );
        Ok(())
    }

    /// The typed recovery code, if a live one was requested and it can be right.
    fn recovery_code(
        &self,
        command: &'static str,
        code: &str,
    ) -> Result<Zeroizing<String>, UsageError> {
        self.expect(command, Phase::AwaitingPassword)?;
        if self.recovery.is_none() {
            return Err(UsageError::RecoveryNotRequested);
        }
        Ok(Zeroizing::new(normalize_recovery_code(code)?))
    }
}
