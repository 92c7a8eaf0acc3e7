//! Login codes: `auth.sendCode`, `auth.resendCode`, `auth.cancelCode`, `auth.signIn`,
//! `auth.signUp`, `auth.reportMissingCode`.
//!
//! A code is bound to the key that asked for it and to the phone number: the map key is
//! (DC, client key, digits). A `phone_code_hash` that names no live code for that triple —
//! unknown, issued to another key or number, replaced by a newer `auth.sendCode`, cancelled,
//! used, invalidated after too many wrong attempts or past its TTL — gets
//! `400 PHONE_CODE_EXPIRED`; an empty one gets `400 PHONE_CODE_HASH_EMPTY`.

use std::time::Instant;

use auth_core::RpcError;
use auth_core::tl::{enums, functions, types};

use crate::Sim;
use crate::accounts::Account;
use crate::config::CodeDelivery;
use crate::firebase::{PLAY_INTEGRITY_PROJECT, PUSH_TIMEOUT_SECS};
use crate::flood::Window;
use crate::inspect::{Delivery, EmailPurpose, PhoneCounters};
use crate::keys::{KeyId, KeyStatus};
use crate::phone::{email_pattern, normalize_phone, test_number_dc};
use crate::rpc::{self, Answered, bad, code_expired, migrate, phone_invalid};

/// Where the current code of a pending login went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Medium {
    /// Nowhere yet: a login email must be set up first.
    SetUpEmail,
    /// To the phone, by `chain[index]`.
    Phone(usize),
    /// To the login email.
    Email(String),
}

/// A login email being verified (`account.sendVerifyEmailCode`).
#[derive(Debug, Clone)]
pub(crate) struct EmailSetup {
    pub(crate) email: String,
    pub(crate) code: String,
    pub(crate) sent_at: Instant,
    pub(crate) attempts: u32,
}

/// One live `phone_code_hash`.
#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub(crate) hash: String,
    /// The code digits as generated (see [`PendingCode::expected`] for what must be typed).
    pub(crate) code: String,
    pub(crate) sent_at: Instant,
    pub(crate) chain: Vec<CodeDelivery>,
    pub(crate) medium: Medium,
    pub(crate) attempts: u32,
    /// The right code was entered for a number without an account: `auth.signUp` may follow.
    pub(crate) verified: bool,
    /// The account of the number when the code was sent.
    pub(crate) user_id: Option<i64>,
    pub(crate) email_setup: Option<EmailSetup>,
    pub(crate) email_reset_requested: Option<Instant>,
    /// Which Firebase proofs the client's `codeSettings` allow (Android, iOS).
    pub(crate) firebase_allowed: (bool, bool),
    /// A Firebase SMS offered and not sent yet: what its proof must match.
    pub(crate) firebase: Option<FirebaseOffer>,
}

/// A Firebase SMS waiting for the app's integrity proof.
#[derive(Debug, Clone)]
pub(crate) struct FirebaseOffer {
    /// Android: the SafetyNet nonce and the Play Integrity nonce.
    pub(crate) android: Option<(Vec<u8>, Vec<u8>)>,
    /// iOS: the receipt and the secret of the push "sent" with it.
    pub(crate) ios: Option<(String, String)>,
}

impl PendingCode {
    /// The delivery the current code went by, when it went to the phone.
    fn phone_delivery(&self) -> Option<&CodeDelivery> {
        match self.medium {
            Medium::Phone(i) => self.chain.get(i),
            _ => None,
        }
    }

    /// When the TTL of this hash started: the code's sending, or the email verification
    /// code's while a login email is being set up.
    pub(crate) fn live_since(&self) -> Instant {
        match (&self.medium, &self.email_setup) {
            (Medium::SetUpEmail, Some(setup)) => setup.sent_at,
            _ => self.sent_at,
        }
    }

    /// What the user must type: the code, or for a flash call the whole calling number.
    pub(crate) fn expected(&self) -> String {
        match self.phone_delivery() {
            Some(CodeDelivery::FlashCall { prefix }) => format!("{}{}", digits(prefix), self.code),
            _ => self.code.clone(),
        }
    }
}

/// Per phone number: the `auth.sendCode` flood window, counters, and the last code sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct PhoneStats {
    pub(crate) send_window: Window,
    pub(crate) counters: PhoneCounters,
    pub(crate) last_code: Option<String>,
}

/// The digits of `s`.
fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A delivery chain as used: deliveries the client's `codeSettings` do not allow are skipped,
/// a later `App` (or Firebase SMS) ends it, an empty one means SMS.
fn usable_chain(chain: &[CodeDelivery], settings: &types::CodeSettings) -> Vec<CodeDelivery> {
    let allowed = |d: &CodeDelivery| match d {
        CodeDelivery::FlashCall { .. } => settings.allow_flashcall,
        CodeDelivery::MissedCall { .. } => settings.allow_missed_call,
        CodeDelivery::FirebaseSms => settings.allow_firebase || settings.app_token.is_some(),
        _ => true,
    };
    let mut out: Vec<CodeDelivery> = Vec::with_capacity(chain.len());
    for d in chain.iter().filter(|d| allowed(d)) {
        if !out.is_empty() && d.code_type().is_none() {
            break;
        }
        out.push(d.clone());
    }
    if out.is_empty() {
        out.push(CodeDelivery::Sms);
    }
    out
}

impl Sim {
    /// A fresh code for `phone`: the DC digit repeated for test numbers, random digits
    /// otherwise.
    pub(crate) fn fresh_code(&mut self, phone: Option<&str>) -> String {
        let len = self.config.code_length.clamp(1, 16);
        match phone.and_then(test_number_dc) {
            Some(dc) => dc.0.to_string().repeat(len),
            None => self.rng.digits(len),
        }
    }

    fn code_length(code: &str) -> i32 {
        i32::try_from(code.len()).unwrap_or(i32::MAX)
    }

    /// Records a delivery for the inspection API.
    pub(crate) fn deliver(&mut self, delivery: Delivery) {
        match &delivery {
            // A push carries no code: nothing to count or to show as the last code.
            Delivery::FirebasePush { .. } => {
                self.push_delivery(delivery);
                return;
            }
            Delivery::Email { email, .. } => {
                self.last_email_codes
                    .insert(email.clone(), delivery.code().to_owned());
            }
            Delivery::App { phone, .. }
            | Delivery::Sms { phone, .. }
            | Delivery::Call { phone, .. }
            | Delivery::FlashCall { phone, .. }
            | Delivery::MissedCall { phone, .. }
            | Delivery::Fragment { phone, .. } => {
                self.stats.entry(phone.clone()).or_default().last_code =
                    Some(delivery.code().to_owned());
            }
        }
        if let Some(phone) = self.delivery_phone(&delivery) {
            let stats = self.stats.entry(phone).or_default();
            stats.counters.codes_sent = stats.counters.codes_sent.saturating_add(1);
        }
        self.push_delivery(delivery);
    }

    fn push_delivery(&mut self, delivery: Delivery) {
        if self.deliveries.len() >= self.config.log_capacity.max(1) {
            self.deliveries.pop_front();
        }
        self.deliveries.push_back(delivery);
    }

    /// The phone number a login-code delivery counts for.
    fn delivery_phone(&self, delivery: &Delivery) -> Option<String> {
        match delivery {
            Delivery::Email { email, purpose, .. } => match purpose {
                EmailPurpose::LoginCode => self
                    .accounts
                    .iter()
                    .find(|a| a.login_email.as_deref() == Some(email.as_str()))
                    .and_then(|a| a.phone.clone()),
                _ => None,
            },
            Delivery::App { phone, .. }
            | Delivery::Sms { phone, .. }
            | Delivery::Call { phone, .. }
            | Delivery::FlashCall { phone, .. }
            | Delivery::MissedCall { phone, .. }
            | Delivery::Fragment { phone, .. } => Some(phone.clone()),
            Delivery::FirebasePush { .. } => None,
        }
    }

    /// Sends the current code of `p` to where its medium says (a Firebase SMS: its offer,
    /// and on iOS the push with the proof's secret; the SMS waits for the proof).
    pub(crate) fn send_pending(&mut self, phone: &str, p: &mut PendingCode) {
        let code = p.expected();
        let phone = phone.to_owned();
        p.firebase = None;
        let delivery = match (&p.medium, p.phone_delivery()) {
            (Medium::SetUpEmail, _) => return,
            (Medium::Phone(_), Some(CodeDelivery::FirebaseSms)) => {
                let (android, ios) = p.firebase_allowed;
                let offer = FirebaseOffer {
                    android: android.then(|| (self.rng.bytes(16), self.rng.bytes(16))),
                    ios: ios.then(|| (self.rng.hex(8), self.rng.hex(16))),
                };
                if let Some((receipt, secret)) = &offer.ios {
                    self.deliver(Delivery::FirebasePush {
                        phone: phone.clone(),
                        receipt: receipt.clone(),
                        secret: secret.clone(),
                    });
                }
                p.firebase = Some(offer);
                return;
            }
            (Medium::Email(email), _) => Delivery::Email {
                email: email.clone(),
                purpose: EmailPurpose::LoginCode,
                code,
            },
            (Medium::Phone(_), Some(CodeDelivery::App)) => Delivery::App { phone, code },
            (Medium::Phone(_), Some(CodeDelivery::Call)) => Delivery::Call { phone, code },
            (Medium::Phone(_), Some(CodeDelivery::FlashCall { .. })) => {
                Delivery::FlashCall { phone, code }
            }
            (Medium::Phone(_), Some(CodeDelivery::MissedCall { prefix })) => Delivery::MissedCall {
                phone,
                caller: format!("{}{code}", digits(prefix)),
                code,
            },
            (Medium::Phone(_), Some(CodeDelivery::Fragment { url })) => Delivery::Fragment {
                phone,
                url: url.clone(),
                code,
            },
            (Medium::Phone(_), Some(CodeDelivery::Sms) | None) => Delivery::Sms { phone, code },
        };
        self.deliver(delivery);
    }

    /// The Firebase SMS part of `auth.sentCode`, for the offer of `p`.
    fn firebase_sms(p: &PendingCode, length: i32) -> enums::auth::SentCodeType {
        let offer = p.firebase.as_ref();
        let android = offer.and_then(|o| o.android.as_ref());
        types::auth::SentCodeTypeFirebaseSms {
            nonce: android.map(|(nonce, _)| nonce.clone()),
            play_integrity: android.map(|(_, nonce)| types::auth::FirebasePlayIntegrity {
                play_integrity_project_id: PLAY_INTEGRITY_PROJECT,
                play_integrity_nonce: nonce.clone(),
            }),
            ios_push: offer.and_then(|o| o.ios.as_ref()).map(|(receipt, _)| {
                types::auth::FirebaseIosPush {
                    receipt: receipt.clone(),
                    push_timeout: PUSH_TIMEOUT_SECS,
                }
            }),
            length,
        }
        .into()
    }

    /// The `auth.sentCode` describing `p`.
    pub(crate) fn sent_code(&self, p: &PendingCode) -> types::auth::SentCode {
        let length = Self::code_length(&p.code);
        let r#type: enums::auth::SentCodeType = match (&p.medium, p.phone_delivery()) {
            (Medium::SetUpEmail, _) => {
                let account = p.user_id.and_then(|id| self.accounts.get(id));
                types::auth::SentCodeTypeSetUpEmailRequired {
                    apple_signin_allowed: account.is_some_and(|a| a.apple_signin.is_some()),
                    google_signin_allowed: account.is_some_and(|a| a.google_signin.is_some()),
                }
                .into()
            }
            (Medium::Email(email), _) => types::auth::SentCodeTypeEmailCode {
                apple_signin_allowed: false,
                google_signin_allowed: false,
                email_pattern: email_pattern(email),
                length,
                reset_available_period: Some(0),
                reset_pending_date: self.email_reset_date(p),
            }
            .into(),
            (Medium::Phone(_), Some(CodeDelivery::App)) => {
                types::auth::SentCodeTypeApp { length }.into()
            }
            (Medium::Phone(_), Some(CodeDelivery::Call)) => {
                types::auth::SentCodeTypeCall { length }.into()
            }
            (Medium::Phone(_), Some(CodeDelivery::FlashCall { prefix })) => {
                // As Telegram sends them: the known beginning, then one star for the rest.
                let pattern = if digits(prefix).is_empty() {
                    "*".to_owned()
                } else {
                    format!("{prefix}*")
                };
                types::auth::SentCodeTypeFlashCall { pattern }.into()
            }
            (Medium::Phone(_), Some(CodeDelivery::FirebaseSms)) => Self::firebase_sms(p, length),
            (Medium::Phone(_), Some(CodeDelivery::MissedCall { prefix })) => {
                types::auth::SentCodeTypeMissedCall {
                    prefix: prefix.clone(),
                    length,
                }
                .into()
            }
            (Medium::Phone(_), Some(CodeDelivery::Fragment { url })) => {
                types::auth::SentCodeTypeFragmentSms {
                    url: url.clone(),
                    length,
                }
                .into()
            }
            (Medium::Phone(_), Some(CodeDelivery::Sms) | None) => {
                types::auth::SentCodeTypeSms { length }.into()
            }
        };
        let next_type = match p.medium {
            Medium::Phone(i) => p
                .chain
                .get(i.saturating_add(1))
                .and_then(CodeDelivery::code_type),
            _ => None,
        };
        let timeout = next_type
            .as_ref()
            .map(|_| i32::try_from(self.config.resend_timeout.as_secs()).unwrap_or(i32::MAX));
        types::auth::SentCode {
            r#type,
            phone_code_hash: p.hash.as_str().into(),
            next_type,
            timeout,
        }
    }

    /// The `reset_pending_date` of a requested login-email reset.
    fn email_reset_date(&self, p: &PendingCode) -> Option<i32> {
        let requested = p.email_reset_requested?;
        let wait = self.config.email_reset_wait?;
        let date = requested
            .checked_add(wait)
            .map_or(i64::from(i32::MAX), |at| self.unix_time(at));
        Some(i32::try_from(date).unwrap_or(i32::MAX))
    }

    /// Finds the live code for (key, phone, hash), dropping it if expired. Returns the map key.
    pub(crate) fn lookup_code(
        &mut self,
        now: Instant,
        at: KeyId,
        raw_phone: &str,
        hash: &str,
    ) -> Result<(KeyId, String), RpcError> {
        let phone = normalize_phone(raw_phone).ok_or_else(phone_invalid)?;
        if hash.is_empty() {
            return Err(bad("PHONE_CODE_HASH_EMPTY"));
        }
        let slot = (at, phone);
        let Some(p) = self.codes.get(&slot) else {
            return Err(code_expired());
        };
        if p.hash != hash {
            return Err(code_expired());
        }
        if now.saturating_duration_since(p.live_since()) >= self.config.code_ttl {
            self.codes.remove(&slot);
            return Err(code_expired());
        }
        Ok(slot)
    }

    /// Checks `api_id` / `api_hash` against the configuration.
    pub(crate) fn check_api(&self, api_id: i32, api_hash: &str) -> Result<(), RpcError> {
        let ok = match &self.config.api_credentials {
            None => api_id > 0 && !api_hash.is_empty(),
            Some(list) => list
                .iter()
                .any(|(id, hash)| *id == api_id && hash == api_hash),
        };
        if ok {
            Ok(())
        } else {
            Err(bad("API_ID_INVALID"))
        }
    }

    /// Drops codes past their TTL (keeps the table from growing without bound).
    fn sweep_codes(&mut self, now: Instant) {
        let ttl = self.config.code_ttl;
        self.codes
            .retain(|_, p| now.saturating_duration_since(p.live_since()) < ttl);
    }

    pub(crate) fn send_code(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::SendCode,
    ) -> Answered<enums::auth::SentCode> {
        self.check_api(req.api_id, &req.api_hash)?;
        let phone = normalize_phone(&req.phone_number).ok_or_else(phone_invalid)?;
        let stats = self.stats.entry(phone.clone()).or_default();
        stats.counters.send_code_calls = stats.counters.send_code_calls.saturating_add(1);
        let account = self.accounts.by_phone(&phone);
        let test_dc = test_number_dc(&phone);
        // A known number (or a test number) has a home; a new one is served near the client
        // (api/datacenter): PHONE_MIGRATE for the first, NETWORK_MIGRATE for the second.
        match account.map(|a| a.home_dc).or(test_dc) {
            Some(home) if home != at.dc => return Err(migrate("PHONE", home)),
            Some(_) => {}
            None => {
                if let Some(near) = self.config.nearest_dc
                    && near != at.dc
                {
                    return Err(migrate("NETWORK", near));
                }
            }
        }
        let account_id = account.map(|a| a.id);
        let enums::CodeSettings::CodeSettings(settings) = req.settings;
        let ttl = self.config.logout_token_ttl;
        self.logout_tokens
            .retain(|_, (_, issued)| now.saturating_duration_since(*issued) < ttl);
        if let Some(id) = account_id
            && let Some(tokens) = &settings.logout_tokens
            && let Some(token) = tokens
                .iter()
                .find(|t| self.logout_tokens.get(&t[..]).map(|(u, _)| *u) == Some(id))
        {
            let token = token.clone();
            self.logout_tokens.remove(&token[..]);
            return self.login_by_token(now, at, id);
        }
        let limit = self.config.send_code_limit;
        let window = self.config.send_code_window;
        let stats = self.stats.entry(phone.clone()).or_default();
        stats
            .send_window
            .check(now, limit, window)
            .map_err(|secs| {
                // Test numbers have their own flood error (api/auth, "Test Accounts").
                if test_dc.is_some() {
                    RpcError::new(420, format!("FLOOD_TEST_PHONE_WAIT_{secs}"))
                } else {
                    rpc::flood_wait(secs)
                }
            })?;
        stats.send_window.record(now, limit);
        self.sweep_codes(now);
        let account = account_id.and_then(|id| self.accounts.get(id));
        let mut pending = self.new_pending(now, &phone, account.cloned().as_ref(), &settings);
        self.send_pending(&phone, &mut pending);
        let sent = self.sent_code(&pending);
        self.codes.insert((at, phone), pending);
        Ok(sent.into())
    }

    /// A new pending code for `phone` (of `account`, if it has one), for a client with these
    /// `codeSettings`.
    fn new_pending(
        &mut self,
        now: Instant,
        phone: &str,
        account: Option<&Account>,
        settings: &types::CodeSettings,
    ) -> PendingCode {
        let chain = match account {
            Some(a) => a.delivery.as_ref().unwrap_or(&self.config.default_delivery),
            None => &self.config.sign_up_delivery,
        };
        let chain = usable_chain(chain, settings);
        let medium = match account {
            Some(a) if a.login_email.is_some() => {
                Medium::Email(a.login_email.clone().unwrap_or_default())
            }
            Some(a) if a.email_setup_required => Medium::SetUpEmail,
            _ => Medium::Phone(0),
        };
        let code = self.fresh_code(Some(phone));
        let hash = self.rng.hex(9);
        PendingCode {
            hash,
            code,
            sent_at: now,
            chain,
            medium,
            attempts: 0,
            verified: false,
            user_id: account.map(|a| a.id),
            email_setup: None,
            email_reset_requested: None,
            firebase_allowed: (settings.allow_firebase, settings.app_token.is_some()),
            firebase: None,
        }
    }

    /// A logout token matched: log in at once, or wait for the password.
    fn login_by_token(
        &mut self,
        now: Instant,
        at: KeyId,
        user_id: i64,
    ) -> Answered<enums::auth::SentCode> {
        let has_password = self
            .accounts
            .get(user_id)
            .is_some_and(|a| a.password.is_some());
        if has_password {
            self.keys
                .set_status(at, KeyStatus::PasswordPending { user_id });
            return Err(rpc::password_needed());
        }
        let authorization = self.login(now, at, user_id)?;
        Ok(types::auth::SentCodeSuccess { authorization }.into())
    }

    pub(crate) fn resend_code(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::ResendCode,
    ) -> Answered<enums::auth::SentCode> {
        let slot = self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        let mut p = self.codes.get(&slot).cloned().ok_or_else(code_expired)?;
        let next = match p.medium {
            Medium::Phone(i) => i
                .checked_add(1)
                .filter(|&n| p.chain.get(n).is_some_and(|d| d.code_type().is_some())),
            _ => None,
        };
        let Some(next) = next else {
            return Err(RpcError::new(406, "SEND_CODE_UNAVAILABLE"));
        };
        p.medium = Medium::Phone(next);
        p.sent_at = now;
        self.send_pending(&slot.1, &mut p);
        let sent = self.sent_code(&p);
        self.codes.insert(slot, p);
        Ok(sent.into())
    }

    pub(crate) fn cancel_code(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::CancelCode,
    ) -> Answered<bool> {
        let slot = self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        self.codes.remove(&slot);
        Ok(true)
    }

    pub(crate) fn report_missing_code(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::ReportMissingCode,
    ) -> Answered<bool> {
        self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        Ok(true)
    }

    /// Counts a wrong code; the last allowed one invalidates the hash.
    fn wrong_code(&mut self, slot: &(KeyId, String)) -> RpcError {
        let stats = self.stats.entry(slot.1.clone()).or_default();
        stats.counters.failed_code_attempts = stats.counters.failed_code_attempts.saturating_add(1);
        let max = self.config.max_code_attempts;
        if let Some(p) = self.codes.get_mut(slot) {
            p.attempts = p.attempts.saturating_add(1);
            if p.attempts >= max {
                self.codes.remove(slot);
            }
        }
        bad("PHONE_CODE_INVALID")
    }

    pub(crate) fn sign_in(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::SignIn,
    ) -> Answered<enums::auth::Authorization> {
        let slot = self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        let p = self.codes.get(&slot).ok_or_else(code_expired)?;
        if p.medium == Medium::SetUpEmail {
            return Err(bad("EMAIL_NOT_SETUP"));
        }
        let email_code = matches!(p.medium, Medium::Email(_));
        // A Firebase SMS not sent yet has no code to enter.
        let unsent = p.firebase.is_some();
        let account = p.user_id.and_then(|id| self.accounts.get(id));
        let right = match (&req.phone_code, &req.email_verification) {
            (_, Some(enums::EmailVerification::Code(v))) if !v.code.is_empty() => {
                v.code == p.expected()
            }
            (_, Some(enums::EmailVerification::Google(v))) => {
                matches!(p.medium, Medium::Email(_))
                    && account
                        .and_then(|a| a.google_signin.as_ref())
                        .is_some_and(|(token, _)| *token == v.token)
            }
            (_, Some(enums::EmailVerification::Apple(v))) => {
                matches!(p.medium, Medium::Email(_))
                    && account
                        .and_then(|a| a.apple_signin.as_ref())
                        .is_some_and(|(token, _)| *token == v.token)
            }
            // A code sent to the login email goes in `email_verification`, never `phone_code`.
            (Some(code), _) if !code.is_empty() => !email_code && !unsent && *code == p.expected(),
            _ => return Err(bad("PHONE_CODE_EMPTY")),
        };
        if !right {
            return Err(self.wrong_code(&slot));
        }
        let is_test = test_number_dc(&slot.1).is_some();
        match self.accounts.id_by_phone(&slot.1) {
            Some(user_id) => {
                self.codes.remove(&slot);
                let has_password = self
                    .accounts
                    .get(user_id)
                    .is_some_and(|a| a.password.is_some());
                if has_password {
                    self.keys
                        .set_status(at, KeyStatus::PasswordPending { user_id });
                    return Err(rpc::password_needed());
                }
                self.login(now, at, user_id)
            }
            None if !is_test && !self.config.allow_sign_up => {
                self.codes.remove(&slot);
                Err(bad("PHONE_NUMBER_UNOCCUPIED"))
            }
            None => {
                if let Some(p) = self.codes.get_mut(&slot) {
                    p.verified = true;
                }
                Ok(types::auth::AuthorizationSignUpRequired {
                    terms_of_service: Some(self.config.terms_of_service.clone().into()),
                }
                .into())
            }
        }
    }

    pub(crate) fn sign_up(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::SignUp,
    ) -> Answered<enums::auth::Authorization> {
        let slot = self.lookup_code(now, at, &req.phone_number, &req.phone_code_hash)?;
        if self.accounts.id_by_phone(&slot.1).is_some() {
            return Err(bad("PHONE_NUMBER_OCCUPIED"));
        }
        let verified = self.codes.get(&slot).is_some_and(|p| p.verified);
        if !verified {
            return Err(bad("PHONE_CODE_EMPTY"));
        }
        let first = req.first_name.trim();
        if first.is_empty() || first.chars().count() > 64 {
            return Err(bad("FIRSTNAME_INVALID"));
        }
        let last = req.last_name.trim();
        if last.chars().count() > 64 {
            return Err(bad("LASTNAME_INVALID"));
        }
        let id = self.accounts.free_id();
        let access_hash = self.rng.i64();
        let mut account = Account::new(id, access_hash, slot.1.clone(), at.dc);
        account.first_name = first.to_owned();
        account.last_name = last.to_owned();
        self.accounts.insert(account, None);
        self.codes.remove(&slot);
        self.login(now, at, id)
    }
}
