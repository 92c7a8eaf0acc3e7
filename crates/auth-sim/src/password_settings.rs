//! 2FA management on a logged-in key: `account.updatePasswordSettings` (set, change or remove
//! the password, set a recovery email), the recovery email's confirmation
//! (`account.confirmPasswordEmail`, `resendPasswordEmail`, `cancelPasswordEmail`), and the
//! password reset (`account.resetPassword`, `account.declinePasswordReset`).
//! `account.getPassword` is answered by [`password`](crate::password) and completed here with
//! the pending recovery email and reset.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use auth_core::RpcError;
use auth_core::srp::{SrpAlgo, SrpVerifier, TELEGRAM_P};
use auth_core::tl::{enums, functions, types};

use crate::Sim;
use crate::accounts::StoredPassword;
use crate::dispatch::not_simulated;
use crate::keys::{KeyId, KeyStatus};
use crate::password::SRP_G;
use crate::phone::{email_is_valid, email_pattern};
use crate::rpc::{Answer, Answered, bad, internal, password_needed, unregistered};

/// How long a requested reset waits by default (Telegram: 7 days).
const DEFAULT_RESET_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long after a declined reset a new one is refused by default.
const DEFAULT_RETRY_AFTER_DECLINE: Duration = Duration::from_secs(24 * 3600);
/// Random bytes a client appends to the offered `salt1`.
const CLIENT_SALT1_LEN: usize = 32;

impl Answer for enums::account::ResetPasswordResult {
    fn answer_name(&self) -> &'static str {
        self.constructor_name()
    }
}

/// A recovery email waiting for its code.
#[derive(Debug, Clone)]
struct PendingEmail {
    email: String,
    code: String,
    sent_at: Instant,
    attempts: u32,
}

/// A password reset in progress, or declined recently.
#[derive(Debug, Clone, Copy)]
enum Reset {
    Requested { until: Instant },
    Declined { retry_at: Instant },
}

/// `now + wait`, saturating at about 136 years ahead (a configured wait may be huge).
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(u64::from(u32::MAX))))
        .unwrap_or(now)
}

/// What this module remembers.
#[derive(Debug)]
pub(crate) struct SettingsState {
    /// Recovery emails waiting for confirmation, by user id.
    unconfirmed: BTreeMap<i64, PendingEmail>,
    /// Resets requested or declined, by user id.
    resets: BTreeMap<i64, Reset>,
    /// The `new_algo` last offered to each key by `account.getPassword`.
    offered: BTreeMap<KeyId, SrpAlgo>,
    reset_wait: Duration,
    retry_after_decline: Duration,
}

impl Default for SettingsState {
    fn default() -> Self {
        SettingsState {
            unconfirmed: BTreeMap::new(),
            resets: BTreeMap::new(),
            offered: BTreeMap::new(),
            reset_wait: DEFAULT_RESET_WAIT,
            retry_after_decline: DEFAULT_RETRY_AFTER_DECLINE,
        }
    }
}

/// What an `account.updatePasswordSettings` asks for, once validated.
enum Change {
    Set(Box<StoredPassword>, Option<String>),
    Remove,
    EmailOnly,
}

impl Sim {
    /// How long a requested password reset waits (default 7 days; zero resets at once), and
    /// how long after a declined reset a new request is refused (default one day).
    pub fn set_password_reset_waits(&mut self, wait: Duration, retry_after_decline: Duration) {
        self.password_settings.reset_wait = wait;
        self.password_settings.retry_after_decline = retry_after_decline;
    }

    /// The recovery email of account `user_id` waiting for its code, if any.
    pub fn unconfirmed_recovery_email(&self, user_id: i64) -> Option<&str> {
        self.password_settings
            .unconfirmed
            .get(&user_id)
            .map(|p| p.email.as_str())
    }

    /// The user of a logged-in key (401 otherwise).
    fn logged_in(&self, at: KeyId) -> Result<i64, RpcError> {
        match self.keys.status(at) {
            KeyStatus::Authorized { user_id } => Ok(user_id),
            KeyStatus::PasswordPending { .. } => Err(password_needed()),
            KeyStatus::Unauthorized => Err(unregistered()),
        }
    }

    /// `account.getPassword`, with the recovery email waiting for confirmation and the
    /// pending reset of the key's account, remembering the `new_algo` offered to the key.
    pub(crate) fn get_password_with_settings(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::GetPassword,
    ) -> Answered<enums::account::Password> {
        let enums::account::Password::Password(mut p) = self.get_password(now, at, req)?;
        if let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) =
            &p.new_algo
        {
            let offered = SrpAlgo {
                salt1: a.salt1.clone(),
                salt2: a.salt2.clone(),
                g: a.g,
                p: a.p.clone(),
            };
            self.password_settings.offered.insert(at, offered);
        }
        if let Some(user_id) = self.keys.user(at) {
            let state = &self.password_settings;
            p.email_unconfirmed_pattern = state
                .unconfirmed
                .get(&user_id)
                .map(|e| email_pattern(&e.email));
            if let Some(Reset::Requested { until }) = state.resets.get(&user_id) {
                p.pending_reset_date = Some(self.settings_unix_date(*until));
            }
        }
        Ok(p.into())
    }

    pub(crate) fn update_password_settings(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::UpdatePasswordSettings,
    ) -> Answered<bool> {
        let user_id = self.logged_in(at)?;
        let enums::account::PasswordInputSettings::PasswordInputSettings(settings) =
            req.new_settings;
        if settings.new_secure_settings.is_some() {
            return Err(not_simulated());
        }
        let has_password = self
            .accounts
            .get(user_id)
            .ok_or_else(internal)?
            .password
            .is_some();
        let change = match settings.new_password {
            None if has_password && settings.email.is_some() => Change::EmailOnly,
            None => return Err(bad("NEW_SETTINGS_EMPTY")),
            Some(new) if new.new_password_hash.is_empty() => {
                let unknown = matches!(new.new_algo, enums::PasswordKdfAlgo::Unknown(_));
                if !unknown || !new.hint.is_empty() || settings.email.is_some() {
                    return Err(bad("NEW_SETTINGS_INVALID"));
                }
                if !has_password {
                    return Err(bad("NEW_SETTINGS_EMPTY"));
                }
                Change::Remove
            }
            Some(new) => {
                let stored = self.check_new_password(at, new.new_algo, &new.new_password_hash)?;
                let hint = (!new.hint.is_empty()).then_some(new.hint);
                Change::Set(Box::new(stored), hint)
            }
        };
        if let Some(email) = &settings.email
            && !email_is_valid(email)
        {
            return Err(bad("EMAIL_INVALID"));
        }
        self.verify_current_password(now, at, user_id, req.password)?;

        let account = self.accounts.get_mut(user_id).ok_or_else(internal)?;
        match change {
            Change::Set(stored, hint) => {
                account.password = Some(*stored);
                account.hint = hint;
                self.password_settings.resets.remove(&user_id);
            }
            Change::Remove => {
                account.password = None;
                account.hint = None;
                account.recovery_email = None;
                self.password_settings.unconfirmed.remove(&user_id);
                self.password_settings.resets.remove(&user_id);
            }
            Change::EmailOnly => {}
        }
        match settings.email {
            Some(email) if account.recovery_email.as_deref() != Some(email.as_str()) => {
                let phone = account.phone.clone();
                let code = self.fresh_code(phone.as_deref());
                let length = code.len();
                self.mail_password_email(
                    user_id,
                    PendingEmail {
                        email,
                        code,
                        sent_at: now,
                        attempts: 0,
                    },
                );
                Err(bad(&format!("EMAIL_UNCONFIRMED_{length}")))
            }
            _ => Ok(true),
        }
    }

    /// The stored form of a new password, if its algorithm extends the one offered to the key.
    fn check_new_password(
        &self,
        at: KeyId,
        algo: enums::PasswordKdfAlgo,
        hash: &[u8],
    ) -> Result<StoredPassword, RpcError> {
        let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(algo) = algo
        else {
            return Err(bad("NEW_SETTINGS_INVALID"));
        };
        let offered = self
            .password_settings
            .offered
            .get(&at)
            .ok_or_else(|| bad("NEW_SALT_INVALID"))?;
        if algo.salt1.len() != offered.salt1.len() + CLIENT_SALT1_LEN
            || !algo.salt1.starts_with(&offered.salt1)
        {
            return Err(bad("NEW_SALT_INVALID"));
        }
        if algo.salt2 != offered.salt2
            || algo.g != SRP_G
            || algo.p.as_slice() != TELEGRAM_P.as_slice()
            || hash.len() != 256
        {
            return Err(bad("NEW_SETTINGS_INVALID"));
        }
        let algo = SrpAlgo {
            salt1: algo.salt1,
            salt2: algo.salt2,
            g: algo.g,
            p: algo.p,
        };
        let verifier =
            SrpVerifier::from_hash(&algo, hash).map_err(|_| bad("NEW_SETTINGS_INVALID"))?;
        Ok(StoredPassword { algo, verifier })
    }

    /// Proves the current password as `auth.checkPassword` does (the same attempt, flood
    /// limit and errors); `inputCheckPasswordEmpty` when none is set.
    fn verify_current_password(
        &mut self,
        now: Instant,
        at: KeyId,
        user_id: i64,
        password: enums::InputCheckPasswordSRP,
    ) -> Result<(), RpcError> {
        let has_password = self
            .accounts
            .get(user_id)
            .ok_or_else(internal)?
            .password
            .is_some();
        let check = match (has_password, password) {
            (false, enums::InputCheckPasswordSRP::InputCheckPasswordEmpty(_)) => return Ok(()),
            (true, enums::InputCheckPasswordSRP::InputCheckPasswordEmpty(_)) => {
                return Err(bad("PASSWORD_HASH_INVALID"));
            }
            (_, enums::InputCheckPasswordSRP::InputCheckPasswordSRP(check)) => check,
        };
        let current = self.keys.state_mut(at).srp.as_ref().map(|a| a.srp_id);
        if !has_password || current != Some(check.srp_id) {
            return Err(bad("SRP_ID_INVALID"));
        }
        self.verify_srp_attempt(now, at, user_id, &check)
    }

    /// Mails a recovery email's code (observable with [`Sim::last_email_code`]) and keeps it
    /// waiting.
    fn mail_password_email(&mut self, user_id: i64, pending: PendingEmail) {
        self.last_email_codes
            .insert(pending.email.clone(), pending.code.clone());
        self.password_settings.unconfirmed.insert(user_id, pending);
    }

    /// The live recovery email waiting for `user_id`'s code.
    fn waiting_email(&mut self, now: Instant, user_id: i64) -> Result<PendingEmail, RpcError> {
        let ttl = self.config.code_ttl;
        let pending = self.password_settings.unconfirmed.get(&user_id).cloned();
        match pending {
            Some(p) if now.saturating_duration_since(p.sent_at) < ttl => Ok(p),
            Some(_) => {
                self.password_settings.unconfirmed.remove(&user_id);
                Err(bad("EMAIL_HASH_EXPIRED"))
            }
            None => Err(bad("EMAIL_HASH_EXPIRED")),
        }
    }

    pub(crate) fn confirm_password_email(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::ConfirmPasswordEmail,
    ) -> Answered<bool> {
        let user_id = self.logged_in(at)?;
        let mut pending = self.waiting_email(now, user_id)?;
        if req.code != pending.code {
            pending.attempts = pending.attempts.saturating_add(1);
            if pending.attempts >= self.config.max_code_attempts {
                self.password_settings.unconfirmed.remove(&user_id);
            } else {
                self.password_settings.unconfirmed.insert(user_id, pending);
            }
            return Err(bad("CODE_INVALID"));
        }
        self.password_settings.unconfirmed.remove(&user_id);
        let account = self.accounts.get_mut(user_id).ok_or_else(internal)?;
        account.recovery_email = Some(pending.email);
        Ok(true)
    }

    pub(crate) fn resend_password_email(
        &mut self,
        now: Instant,
        at: KeyId,
        _req: functions::account::ResendPasswordEmail,
    ) -> Answered<bool> {
        let user_id = self.logged_in(at)?;
        let pending = self.waiting_email(now, user_id)?;
        let phone = self.accounts.get(user_id).and_then(|a| a.phone.clone());
        let code = self.fresh_code(phone.as_deref());
        self.mail_password_email(
            user_id,
            PendingEmail {
                code,
                sent_at: now,
                attempts: 0,
                ..pending
            },
        );
        Ok(true)
    }

    pub(crate) fn cancel_password_email(
        &mut self,
        now: Instant,
        at: KeyId,
        _req: functions::account::CancelPasswordEmail,
    ) -> Answered<bool> {
        let user_id = self.logged_in(at)?;
        self.waiting_email(now, user_id)?;
        self.password_settings.unconfirmed.remove(&user_id);
        Ok(true)
    }

    pub(crate) fn reset_password(
        &mut self,
        now: Instant,
        at: KeyId,
        _req: functions::account::ResetPassword,
    ) -> Answered<enums::account::ResetPasswordResult> {
        let user_id = self.logged_in(at)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        if account.password.is_none() {
            return Err(bad("PASSWORD_EMPTY"));
        }
        let state = &self.password_settings;
        let due = match state.resets.get(&user_id).copied() {
            Some(Reset::Requested { until }) if now < until => {
                return Ok(types::account::ResetPasswordRequestedWait {
                    until_date: self.settings_unix_date(until),
                }
                .into());
            }
            Some(Reset::Requested { .. }) => true,
            Some(Reset::Declined { retry_at }) if now < retry_at => {
                return Ok(types::account::ResetPasswordFailedWait {
                    retry_date: self.settings_unix_date(retry_at),
                }
                .into());
            }
            Some(Reset::Declined { .. }) | None => state.reset_wait.is_zero(),
        };
        if !due {
            let until = later(now, state.reset_wait);
            self.password_settings
                .resets
                .insert(user_id, Reset::Requested { until });
            return Ok(types::account::ResetPasswordRequestedWait {
                until_date: self.settings_unix_date(until),
            }
            .into());
        }
        self.password_settings.resets.remove(&user_id);
        self.password_settings.unconfirmed.remove(&user_id);
        let account = self.accounts.get_mut(user_id).ok_or_else(internal)?;
        account.password = None;
        account.hint = None;
        account.recovery_email = None;
        Ok(types::account::ResetPasswordOk {}.into())
    }

    pub(crate) fn decline_password_reset(
        &mut self,
        now: Instant,
        at: KeyId,
        _req: functions::account::DeclinePasswordReset,
    ) -> Answered<bool> {
        let user_id = self.logged_in(at)?;
        let state = &mut self.password_settings;
        match state.resets.get(&user_id) {
            Some(Reset::Requested { .. }) => {
                let retry_at = later(now, state.retry_after_decline);
                state.resets.insert(user_id, Reset::Declined { retry_at });
                Ok(true)
            }
            _ => Err(bad("RESET_REQUEST_MISSING")),
        }
    }

    /// The unix time of `at`, as the `int` TL dates are.
    fn settings_unix_date(&self, at: Instant) -> i32 {
        i32::try_from(self.unix_time(at)).unwrap_or(i32::MAX)
    }
}
