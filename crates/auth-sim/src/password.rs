//! The server side of 2FA: `account.getPassword` (real `srp_B = k·v + g^b`, a fresh `srp_id`
//! each time), `auth.checkPassword` (verifies `M1`), and email recovery
//! (`auth.requestPasswordRecovery`, `auth.checkRecoveryPassword`, `auth.recoverPassword`).
//!
//! Each `account.getPassword` opens one SRP attempt on the key, replacing the previous one;
//! `auth.checkPassword` consumes it whatever the outcome, so a retry needs a new
//! `account.getPassword` (a stale or reused `srp_id` gets `400 SRP_ID_INVALID`).

use std::time::Instant;

use auth_core::RpcError;
use auth_core::srp::{SrpAlgo, SrpVerifier, TELEGRAM_P};
use auth_core::tl::{enums, functions, types};

use crate::Sim;
use crate::accounts::{RecoveryCode, StoredPassword};
use crate::inspect::{Delivery, EmailPurpose};
use crate::keys::{KeyId, KeyStatus, SrpAttempt};
use crate::phone::email_pattern;
use crate::rpc::{self, Answered, bad, internal, unregistered};

/// The generator of Telegram's group.
pub const SRP_G: i32 = 3;
/// Length of the server part of `salt1` (clients append 32 bytes for a new password).
const SALT1_LEN: usize = 8;
/// Length of `salt2`.
const SALT2_LEN: usize = 16;

/// The `passwordKdfAlgo…ModPow` constructor for an algorithm.
fn algo_tl(algo: &SrpAlgo) -> enums::PasswordKdfAlgo {
    types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
        salt1: algo.salt1.clone(),
        salt2: algo.salt2.clone(),
        g: algo.g,
        p: algo.p.clone(),
    }
    .into()
}

/// The stored form of a password given as salts and `v`.
pub(crate) fn stored_hash(
    hash: &crate::config::PasswordHash,
) -> Result<StoredPassword, auth_core::srp::SrpError> {
    let algo = SrpAlgo {
        salt1: hash.salt1.clone(),
        salt2: hash.salt2.clone(),
        g: SRP_G,
        p: TELEGRAM_P.to_vec(),
    };
    let verifier = SrpVerifier::from_hash(&algo, &hash.v)?;
    Ok(StoredPassword { algo, verifier })
}

impl Sim {
    /// Stores `password` with fresh salts (one PBKDF2 run).
    pub(crate) fn store_password(
        &mut self,
        password: &str,
    ) -> Result<StoredPassword, auth_core::srp::SrpError> {
        let mut salt1 = self.rng.srp_bytes(SALT1_LEN);
        salt1.extend(self.rng.srp_bytes(32));
        let algo = SrpAlgo {
            salt1,
            salt2: self.rng.srp_bytes(SALT2_LEN),
            g: SRP_G,
            p: TELEGRAM_P.to_vec(),
        };
        let verifier = SrpVerifier::from_password(&algo, password.as_bytes())?;
        Ok(StoredPassword { algo, verifier })
    }

    pub(crate) fn get_password(
        &mut self,
        _now: Instant,
        at: KeyId,
        _req: functions::account::GetPassword,
    ) -> Answered<enums::account::Password> {
        let new_algo = SrpAlgo {
            salt1: self.rng.srp_bytes(SALT1_LEN),
            salt2: self.rng.srp_bytes(SALT2_LEN),
            g: SRP_G,
            p: TELEGRAM_P.to_vec(),
        };
        let mut answer = types::account::Password {
            has_recovery: false,
            has_secure_values: false,
            srp: None,
            hint: None,
            email_unconfirmed_pattern: None,
            new_algo: algo_tl(&new_algo),
            new_secure_algo: types::SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000 {
                salt: self.rng.srp_bytes(SALT1_LEN),
            }
            .into(),
            secure_random: self.rng.srp_bytes(32),
            pending_reset_date: None,
            login_email_pattern: None,
        };
        // A key that is not logging in learns nothing about any account.
        let Some(user_id) = self.keys.user(at) else {
            return Ok(answer.into());
        };
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        answer.has_recovery = account.password.is_some() && account.recovery_email.is_some();
        answer.login_email_pattern = account.login_email.as_deref().map(email_pattern);
        let Some(stored) = account.password.clone() else {
            return Ok(answer.into());
        };
        answer.hint = account.hint.clone();
        let session = stored
            .verifier
            .start(&mut self.rng.srp)
            .map_err(|_| internal())?;
        let srp_id = self.rng.i64();
        answer.srp = Some(types::account::PasswordSrp {
            current_algo: algo_tl(&stored.algo),
            srp_b: session.srp_b().to_vec(),
            srp_id,
        });
        self.keys.state_mut(at).srp = Some(SrpAttempt {
            srp_id,
            user_id,
            session,
        });
        Ok(answer.into())
    }

    pub(crate) fn check_password(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::CheckPassword,
    ) -> Answered<enums::auth::Authorization> {
        let Some(user_id) = self.keys.user(at) else {
            return Err(unregistered());
        };
        let enums::InputCheckPasswordSRP::InputCheckPasswordSRP(check) = req.password else {
            return Err(bad("PASSWORD_HASH_INVALID"));
        };
        let current = self.keys.state_mut(at).srp.as_ref().map(|a| a.srp_id);
        if current != Some(check.srp_id) {
            return Err(bad("SRP_ID_INVALID"));
        }
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        if account.password.is_none() {
            self.keys.state_mut(at).srp = None;
            return Err(bad("SRP_PASSWORD_CHANGED"));
        }
        self.verify_srp_attempt(now, at, user_id, &check)?;
        self.login(now, at, user_id)
    }

    /// Checks `check` against the SRP attempt pending on `at` (which it uses up), within the
    /// account's wrong-password limit; a wrong proof counts as a failure. Shared by
    /// `auth.checkPassword` and the methods that prove the current password.
    pub(crate) fn verify_srp_attempt(
        &mut self,
        now: Instant,
        at: KeyId,
        user_id: i64,
        check: &types::InputCheckPasswordSRP,
    ) -> Result<(), RpcError> {
        let limit = self.config.password_attempt_limit;
        let window = self.config.password_attempt_window;
        let account = self.accounts.get_mut(user_id).ok_or_else(internal)?;
        account
            .password_failures
            .check(now, limit, window)
            .map_err(rpc::flood_wait)?;
        let attempt = self.keys.state_mut(at).srp.take().ok_or_else(internal)?;
        if attempt.user_id != user_id {
            return Err(bad("SRP_ID_INVALID"));
        }
        if attempt.session.verify(&check.a, &check.m1).is_err() {
            if let Some(account) = self.accounts.get_mut(user_id) {
                account.password_failures.record(now, limit);
            }
            let failures = self.password_failures.entry(user_id).or_default();
            *failures = failures.saturating_add(1);
            return Err(bad("PASSWORD_HASH_INVALID"));
        }
        Ok(())
    }

    /// The account a password-recovery call is about: the key's, which must have a password.
    fn recovery_account(&self, at: KeyId) -> Result<i64, RpcError> {
        let user_id = self.keys.user(at).ok_or_else(unregistered)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        if account.password.is_none() {
            return Err(bad("PASSWORD_EMPTY"));
        }
        Ok(user_id)
    }

    pub(crate) fn request_password_recovery(
        &mut self,
        now: Instant,
        at: KeyId,
        _req: functions::auth::RequestPasswordRecovery,
    ) -> Answered<enums::auth::PasswordRecovery> {
        let user_id = self.recovery_account(at)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        let Some(email) = account.recovery_email.clone() else {
            return Err(bad("PASSWORD_RECOVERY_NA"));
        };
        let phone = account.phone.clone();
        let code = self.fresh_code(phone.as_deref());
        if let Some(account) = self.accounts.get_mut(user_id) {
            account.recovery_code = Some(RecoveryCode {
                code: code.clone(),
                sent_at: now,
            });
        }
        self.deliver(Delivery::Email {
            email: email.clone(),
            purpose: EmailPurpose::PasswordRecovery,
            code,
        });
        Ok(types::auth::PasswordRecovery {
            email_pattern: email_pattern(&email),
        }
        .into())
    }

    /// Checks a recovery code for the key's account.
    fn check_recovery_code(&self, now: Instant, at: KeyId, code: &str) -> Result<i64, RpcError> {
        if code.is_empty() {
            return Err(bad("CODE_EMPTY"));
        }
        let user_id = self.recovery_account(at)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        let live = account
            .recovery_code
            .as_ref()
            .filter(|r| now.saturating_duration_since(r.sent_at) < self.config.code_ttl);
        match live {
            None => Err(bad("PASSWORD_RECOVERY_EXPIRED")),
            Some(r) if r.code != code => Err(bad("CODE_INVALID")),
            Some(_) => Ok(user_id),
        }
    }

    pub(crate) fn check_recovery_password(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::CheckRecoveryPassword,
    ) -> Answered<bool> {
        self.check_recovery_code(now, at, &req.code)?;
        Ok(true)
    }

    pub(crate) fn recover_password(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::RecoverPassword,
    ) -> Answered<enums::auth::Authorization> {
        let user_id = self.check_recovery_code(now, at, &req.code)?;
        let new_password = req
            .new_settings
            .map(|enums::account::PasswordInputSettings::PasswordInputSettings(s)| s)
            .and_then(|s| s.new_password);
        let replacement = match new_password {
            Some(new) if !new.new_password_hash.is_empty() => {
                let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
                    algo,
                ) = new.new_algo
                else {
                    return Err(bad("NEW_SETTINGS_INVALID"));
                };
                let algo = SrpAlgo {
                    salt1: algo.salt1,
                    salt2: algo.salt2,
                    g: algo.g,
                    p: algo.p,
                };
                if algo.salt1.len() < SALT1_LEN || new.new_password_hash.len() != 256 {
                    return Err(bad("NEW_SETTINGS_INVALID"));
                }
                let verifier = SrpVerifier::from_hash(&algo, &new.new_password_hash)
                    .map_err(|_| bad("NEW_SETTINGS_INVALID"))?;
                let hint = (!new.hint.is_empty()).then_some(new.hint);
                Some((StoredPassword { algo, verifier }, hint))
            }
            _ => None,
        };
        let account = self.accounts.get_mut(user_id).ok_or_else(internal)?;
        account.recovery_code = None;
        match replacement {
            Some((stored, hint)) => {
                account.password = Some(stored);
                account.hint = hint;
            }
            None => {
                account.password = None;
                account.hint = None;
                account.recovery_email = None;
            }
        }
        match self.keys.status(at) {
            KeyStatus::PasswordPending { .. } | KeyStatus::Authorized { .. } => {
                self.login(now, at, user_id)
            }
            KeyStatus::Unauthorized => Err(unregistered()),
        }
    }
}
