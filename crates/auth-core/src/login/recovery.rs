//! Email password recovery from the login's password step (core.telegram.org/api/srp,
//! "Email recovery"): `auth.requestPasswordRecovery` → `auth.checkRecoveryPassword` →
//! `auth.recoverPassword`, while the password itself still works.

use std::time::Instant;

use zeroize::Zeroizing;

use crate::{error::UsageError, password::normalize_recovery_code, phase::Phase};

use super::{Login, request::Request};

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

    // ----- commands -----

    /// Forgot the password (in `AwaitingPassword`, when [`PasswordInfo::has_recovery`](crate::PasswordInfo::has_recovery)):
    /// `auth.requestPasswordRecovery` sends a code to the recovery email, and
    /// `RecoveryCodeSent` follows (or `RecoveryUnavailable`). Asking again sends a new code.
    ///
    /// # Errors
    ///
    /// The wrong phase, or no recovery email.
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
    ///
    /// # Errors
    ///
    /// The wrong phase, no live recovery code, or a code that cannot be right.
    pub fn check_recovery_code(&mut self, now: Instant, code: &str) -> Result<(), UsageError> {
        let code = self.recovery_code("check_recovery_code", code)?;
        self.send(now, Request::CheckRecoveryCode(code));
        Ok(())
    }

    /// Uses the recovery code (`auth.recoverPassword`): the password is removed — or replaced
    /// by `new_password` (with an empty hint; hashing it is handed out as work first) — and
    /// the login ends with `Done`.
    ///
    /// # Errors
    ///
    /// The wrong phase, no live recovery code, a code that cannot be right, or a new password
    /// the server offers no known algorithm for.
    pub fn submit_recovery_code(
        &mut self,
        now: Instant,
        code: &str,
        new_password: Option<&[u8]>,
    ) -> Result<(), UsageError> {
        let code = self.recovery_code("submit_recovery_code", code)?;
        match new_password {
            None => self.send(
                now,
                Request::RecoverPassword {
                    code,
                    new_password: None,
                },
            ),
            Some(password) => {
                let algo = self
                    .new_password_algo
                    .clone()
                    .ok_or(UsageError::NewPasswordUnavailable)?;
                self.queue_recovery_hash(code, &algo, password);
            }
        }
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
