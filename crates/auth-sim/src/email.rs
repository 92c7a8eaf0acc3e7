//! Login email: setting one up when the account requires it (`account.sendVerifyEmailCode`,
//! `account.verifyEmail` with `emailVerifyPurposeLoginSetup`) and resetting it
//! (`auth.resetLoginEmail`).

use std::time::Instant;

use auth_core::RpcError;
use auth_core::tl::{enums, functions, types};

use crate::Sim;
use crate::codes::{EmailSetup, Medium};
use crate::config::CodeDelivery;
use crate::inspect::{Delivery, EmailPurpose};
use crate::keys::KeyId;
use crate::phone::{email_is_valid, email_pattern};
use crate::rpc::{Answered, bad, code_expired, internal};

impl Sim {
    pub(crate) fn send_verify_email_code(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::SendVerifyEmailCode,
    ) -> Answered<enums::account::SentEmailCode> {
        let enums::EmailVerifyPurpose::LoginSetup(purpose) = req.purpose else {
            // Changing the login email of a logged-in account and passport emails are not
            // simulated.
            return Err(bad("EMAIL_NOT_ALLOWED"));
        };
        let slot = self.lookup_code(now, at, &purpose.phone_number, &purpose.phone_code_hash)?;
        if !email_is_valid(&req.email) {
            return Err(bad("EMAIL_INVALID"));
        }
        let awaiting_setup = self
            .codes
            .get(&slot)
            .is_some_and(|p| p.medium == Medium::SetUpEmail);
        if !awaiting_setup {
            return Err(bad("EMAIL_NOT_ALLOWED"));
        }
        let code = self.fresh_code(Some(&slot.1));
        let length = i32::try_from(code.len()).unwrap_or(i32::MAX);
        let p = self.codes.get_mut(&slot).ok_or_else(code_expired)?;
        p.email_setup = Some(EmailSetup {
            email: req.email.clone(),
            code: code.clone(),
            sent_at: now,
            attempts: 0,
        });
        self.deliver(Delivery::Email {
            email: req.email.clone(),
            purpose: EmailPurpose::LoginSetup,
            code,
        });
        Ok(types::account::SentEmailCode {
            email_pattern: email_pattern(&req.email),
            length,
        }
        .into())
    }

    pub(crate) fn verify_email(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::account::VerifyEmail,
    ) -> Answered<enums::account::EmailVerified> {
        let enums::EmailVerifyPurpose::LoginSetup(purpose) = req.purpose else {
            return Err(bad("EMAIL_NOT_ALLOWED"));
        };
        let slot = self.lookup_code(now, at, &purpose.phone_number, &purpose.phone_code_hash)?;
        let p = self.codes.get(&slot).ok_or_else(code_expired)?;
        if p.medium != Medium::SetUpEmail {
            return Err(bad("EMAIL_NOT_ALLOWED"));
        }
        let user_id = p.user_id.ok_or_else(internal)?;
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        let email = match &req.verification {
            enums::EmailVerification::Code(v) => {
                let Some(setup) = &p.email_setup else {
                    return Err(bad("EMAIL_VERIFY_EXPIRED"));
                };
                if now.saturating_duration_since(setup.sent_at) >= self.config.code_ttl {
                    return Err(bad("EMAIL_VERIFY_EXPIRED"));
                }
                if v.code != setup.code {
                    return Err(self.wrong_email_code(&slot));
                }
                setup.email.clone()
            }
            enums::EmailVerification::Google(v) => match &account.google_signin {
                Some((token, email)) if *token == v.token => email.clone(),
                _ => return Err(bad("CODE_INVALID")),
            },
            enums::EmailVerification::Apple(v) => match &account.apple_signin {
                Some((token, email)) if *token == v.token => email.clone(),
                _ => return Err(bad("CODE_INVALID")),
            },
        };
        if let Some(account) = self.accounts.get_mut(user_id) {
            account.login_email = Some(email.clone());
        }
        let code = self.fresh_code(Some(&slot.1));
        let p = self.codes.get_mut(&slot).ok_or_else(code_expired)?;
        p.medium = Medium::Email(email.clone());
        p.code = code;
        p.sent_at = now;
        p.attempts = 0;
        p.email_setup = None;
        let mut p = p.clone();
        self.send_pending(&slot.1, &mut p);
        Ok(types::account::EmailVerifiedLogin {
            email,
            sent_code: self.sent_code(&p).into(),
        }
        .into())
    }

    /// Counts a wrong email-setup code; too many drop the setup (a new code must be sent).
    fn wrong_email_code(&mut self, slot: &(KeyId, String)) -> RpcError {
        let max = self.config.max_code_attempts;
        if let Some(p) = self.codes.get_mut(slot)
            && let Some(setup) = &mut p.email_setup
        {
            setup.attempts = setup.attempts.saturating_add(1);
            if setup.attempts >= max {
                p.email_setup = None;
            }
        }
        bad("CODE_INVALID")
    }

    pub(crate) fn reset_login_email(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::ResetLoginEmail,
    ) -> Answered<enums::auth::SentCode> {
        let slot = self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        let mut p = self.codes.get(&slot).cloned().ok_or_else(code_expired)?;
        if !matches!(p.medium, Medium::Email(_)) {
            return Err(bad("EMAIL_NOT_SETUP"));
        }
        if let Some(wait) = self.config.email_reset_wait {
            match p.email_reset_requested {
                None => {
                    p.email_reset_requested = Some(now);
                    let sent = self.sent_code(&p);
                    self.codes.insert(slot, p);
                    return Ok(sent.into());
                }
                Some(requested) if now.saturating_duration_since(requested) < wait => {
                    return Err(bad("TASK_ALREADY_EXISTS"));
                }
                Some(_) => {}
            }
        }
        if let Some(account) = p.user_id.and_then(|id| self.accounts.get_mut(id)) {
            account.login_email = None;
        }
        p.chain = vec![CodeDelivery::Sms];
        p.medium = Medium::Phone(0);
        p.code = self.fresh_code(Some(&slot.1));
        p.sent_at = now;
        p.attempts = 0;
        p.email_reset_requested = None;
        self.send_pending(&slot.1, &mut p);
        let sent = self.sent_code(&p);
        self.codes.insert(slot, p);
        Ok(sent.into())
    }
}
