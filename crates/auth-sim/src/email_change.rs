//! Changing the login email of a logged-in account: `account.sendVerifyEmailCode` and
//! `account.verifyEmail` with `emailVerifyPurposeLoginChange`. Other purposes go on to
//! [`email`](crate::email) (login setup) unchanged.

use std::collections::BTreeMap;
use std::time::Instant;

use auth_core::RpcError;
use auth_core::tl::{enums, functions, types};

use crate::Sim;
use crate::keys::{KeyId, KeyStatus};
use crate::phone::{email_is_valid, email_pattern};
use crate::rpc::{Answered, bad, internal, password_needed, unregistered};

/// A new login email waiting for its code.
#[derive(Debug, Clone)]
struct PendingChange {
    email: String,
    code: String,
    sent_at: Instant,
    attempts: u32,
}

/// The login-email changes in progress, by key.
#[derive(Debug, Default)]
pub(crate) struct EmailChanges {
    pending: BTreeMap<KeyId, PendingChange>,
}

impl Sim {
    /// `account.sendVerifyEmailCode`: login changes here, the rest as before.
    pub(crate) fn send_verify_email_code_any(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::SendVerifyEmailCode,
    ) -> Answered<enums::account::SentEmailCode> {
        if !matches!(req.purpose, enums::EmailVerifyPurpose::LoginChange(_)) {
            return self.send_verify_email_code(now, at, req);
        }
        let user_id = self.changing_user(at)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        let Some(current) = account.login_email.as_deref() else {
            return Err(bad("EMAIL_NOT_SETUP"));
        };
        if !email_is_valid(&req.email) {
            return Err(bad("EMAIL_INVALID"));
        }
        if current == req.email {
            return Err(bad("EMAIL_NOT_ALLOWED"));
        }
        let phone = account.phone.clone();
        let code = self.fresh_code(phone.as_deref());
        let length = i32::try_from(code.len()).unwrap_or(i32::MAX);
        self.last_email_codes
            .insert(req.email.clone(), code.clone());
        self.email_changes.pending.insert(
            at,
            PendingChange {
                email: req.email.clone(),
                code,
                sent_at: now,
                attempts: 0,
            },
        );
        Ok(types::account::SentEmailCode {
            email_pattern: email_pattern(&req.email),
            length,
        }
        .into())
    }

    /// `account.verifyEmail`: login changes here, the rest as before.
    pub(crate) fn verify_email_any(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::VerifyEmail,
    ) -> Answered<enums::account::EmailVerified> {
        if !matches!(req.purpose, enums::EmailVerifyPurpose::LoginChange(_)) {
            return self.verify_email(now, at, req);
        }
        let user_id = self.changing_user(at)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        if account.login_email.is_none() {
            return Err(bad("EMAIL_NOT_SETUP"));
        }
        let email = match &req.verification {
            enums::EmailVerification::Code(v) => self.check_change_code(now, at, &v.code)?,
            enums::EmailVerification::Google(v) => match &account.google_signin {
                Some((token, email)) if *token == v.token => email.clone(),
                _ => return Err(bad("CODE_INVALID")),
            },
            enums::EmailVerification::Apple(v) => match &account.apple_signin {
                Some((token, email)) if *token == v.token => email.clone(),
                _ => return Err(bad("CODE_INVALID")),
            },
        };
        self.email_changes.pending.remove(&at);
        let account = self.accounts.get_mut(user_id).ok_or_else(internal)?;
        account.login_email = Some(email.clone());
        Ok(types::account::EmailVerified { email }.into())
    }

    /// The user of a logged-in key (the methods are allowed before login, the change is not).
    fn changing_user(&self, at: KeyId) -> Result<i64, RpcError> {
        match self.keys.status(at) {
            KeyStatus::Authorized { user_id } => Ok(user_id),
            KeyStatus::PasswordPending { .. } => Err(password_needed()),
            KeyStatus::Unauthorized => Err(unregistered()),
        }
    }

    /// The new address whose code `code` is, counting a wrong one (too many drop it).
    fn check_change_code(
        &mut self,
        now: Instant,
        at: KeyId,
        code: &str,
    ) -> Result<String, RpcError> {
        let ttl = self.config.code_ttl;
        let max = self.config.max_code_attempts;
        let Some(pending) = self.email_changes.pending.get_mut(&at) else {
            return Err(bad("EMAIL_VERIFY_EXPIRED"));
        };
        if now.saturating_duration_since(pending.sent_at) >= ttl {
            self.email_changes.pending.remove(&at);
            return Err(bad("EMAIL_VERIFY_EXPIRED"));
        }
        if pending.code != code {
            pending.attempts = pending.attempts.saturating_add(1);
            if pending.attempts >= max {
                self.email_changes.pending.remove(&at);
            }
            return Err(bad("CODE_INVALID"));
        }
        Ok(pending.email.clone())
    }
}
