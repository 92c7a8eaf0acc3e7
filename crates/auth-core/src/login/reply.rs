//! What the login does with each answer from the server.

use std::time::{Duration, Instant};

use crate::{
    DcId, RpcError, RpcErrorKind,
    password::{NewPasswordAlgo, RecoveryRefusal, algo_from_tl},
    srp::{SrpAlgo, SrpChallenge},
    tl::{self, Deserialize, enums},
};

use super::{
    AuthError, Authorization, CodeKind, CodeState, Event, Login, MAX_RENEWALS, PasswordFetch,
    PasswordInfo, PasswordState, Phase, RecoveryState, Request, RestartReason, SentCode,
    TermsOfService, request::Verification,
};

impl Login {
    pub(super) fn on_reply(&mut self, now: Instant, request: Request, body: &[u8]) {
        if self.is_finished() {
            return;
        }
        if RpcError::is_rpc_error(body) {
            match RpcError::decode(body) {
                Ok(e) => self.on_rpc_error(now, request, e),
                Err(error) => self.fail(AuthError::MalformedReply {
                    request: request.name(),
                    error,
                }),
            }
            return;
        }
        match request {
            Request::SendCode | Request::ResendCode { .. } | Request::ResetLoginEmail => {
                if let Some(sent) = self.decode::<enums::auth::SentCode>(&request, body) {
                    self.on_sent_code(now, &request, sent);
                }
            }
            // Whatever the answer, the code is gone from this login's point of view.
            Request::CancelCode => self.finish(Event::Cancelled),
            Request::SignIn { .. }
            | Request::SignUp { .. }
            | Request::CheckPassword(_)
            | Request::RecoverPassword { .. } => {
                if let Some(auth) = self.decode::<enums::auth::Authorization>(&request, body) {
                    self.on_authorization(&request, auth);
                }
            }
            Request::GetPassword(purpose) => {
                if let Some(enums::account::Password::Password(p)) =
                    self.decode::<enums::account::Password>(&request, body)
                {
                    self.on_password(purpose, &p);
                }
            }
            Request::SendEmailCode { .. } => {
                if let Some(enums::account::SentEmailCode::SentEmailCode(sent)) =
                    self.decode::<enums::account::SentEmailCode>(&request, body)
                {
                    self.email_code_length = Some(u32::try_from(sent.length).unwrap_or(0));
                    self.phase = Phase::AwaitingEmailCode;
                    self.events.push_back(Event::EmailCodeSent {
                        email_pattern: sent.email_pattern,
                        length: u32::try_from(sent.length).unwrap_or(0),
                    });
                }
            }
            Request::PasswordRecovery => {
                if let Some(enums::auth::PasswordRecovery::PasswordRecovery(r)) =
                    self.decode::<enums::auth::PasswordRecovery>(&request, body)
                {
                    self.recovery = Some(RecoveryState {
                        email_pattern: r.email_pattern.clone(),
                        attempts: 0,
                    });
                    self.phase = Phase::AwaitingPassword;
                    self.events.push_back(Event::RecoveryCodeSent {
                        email_pattern: r.email_pattern,
                    });
                }
            }
            Request::CheckRecoveryCode(_) => match self.decode::<bool>(&request, body) {
                Some(true) => {
                    self.phase = Phase::AwaitingPassword;
                    self.events.push_back(Event::RecoveryCodeValid);
                }
                Some(false) => self.recovery_code_invalid(),
                None => {}
            },
            Request::VerifyEmail(_) => {
                match self.decode::<enums::account::EmailVerified>(&request, body) {
                    Some(enums::account::EmailVerified::Login(login)) => {
                        self.on_sent_code(now, &request, login.sent_code);
                    }
                    Some(other) => self.fail(AuthError::UnexpectedReply {
                        request: request.name(),
                        what: other.constructor_name().to_owned(),
                    }),
                    None => {}
                }
            }
        }
    }

    /// Decodes a whole reply, failing the login if it is malformed.
    fn decode<T: Deserialize>(&mut self, request: &Request, body: &[u8]) -> Option<T> {
        match tl::decode(body) {
            Ok(v) => Some(v),
            Err(error) => {
                self.fail(AuthError::MalformedReply {
                    request: request.name(),
                    error,
                });
                None
            }
        }
    }

    fn on_sent_code(&mut self, now: Instant, request: &Request, sent: enums::auth::SentCode) {
        match sent {
            enums::auth::SentCode::SentCode(s) => {
                if s.phone_code_hash.is_empty() {
                    self.fail(AuthError::UnexpectedReply {
                        request: request.name(),
                        what: "auth.sentCode with an empty phone_code_hash".into(),
                    });
                    return;
                }
                let sent = SentCode::from_tl(&s);
                self.code = Some(CodeState {
                    phone_code_hash: s.phone_code_hash.into(),
                    resend_at: sent.timeout.map(|t| now + t),
                    resend_announced: false,
                    expired: false,
                    attempts: 0,
                    sent: sent.clone(),
                });
                if let CodeKind::SetUpEmailRequired {
                    apple_signin_allowed,
                    google_signin_allowed,
                } = sent.kind
                {
                    self.phase = Phase::AwaitingEmail;
                    self.events.push_back(Event::EmailSetupRequired {
                        apple_signin_allowed,
                        google_signin_allowed,
                    });
                } else {
                    self.phase = Phase::AwaitingCode;
                    self.events.push_back(Event::CodeSent(sent));
                }
            }
            enums::auth::SentCode::Success(s) => self.on_authorization(request, s.authorization),
            enums::auth::SentCode::PaymentRequired(p) => self.fail(AuthError::PaymentRequired {
                store_product: p.store_product,
                support_email_address: p.support_email_address,
                support_email_subject: p.support_email_subject,
                premium_days: Some(p.premium_days),
                currency: p.currency,
                amount: p.amount,
            }),
            enums::auth::SentCode::PaymentRequiredLayer220(p) => {
                self.fail(AuthError::PaymentRequired {
                    store_product: p.store_product,
                    support_email_address: p.support_email_address,
                    support_email_subject: p.support_email_subject,
                    premium_days: None,
                    currency: p.currency,
                    amount: p.amount,
                })
            }
        }
    }

    fn on_authorization(&mut self, request: &Request, auth: enums::auth::Authorization) {
        match auth {
            enums::auth::Authorization::Authorization(a) => {
                match Authorization::from_tl(self.home_dc, &a) {
                    Some(authorization) => self.finish(Event::LoggedIn(Box::new(authorization))),
                    None => self.fail(AuthError::UnexpectedReply {
                        request: request.name(),
                        what: "auth.authorization with userEmpty".into(),
                    }),
                }
            }
            enums::auth::Authorization::SignUpRequired(s) => {
                if self.code.is_none() {
                    // Sign-up needs the phone_code_hash of a sent code.
                    self.fail(AuthError::UnexpectedReply {
                        request: request.name(),
                        what: "auth.authorizationSignUpRequired without a sent code".into(),
                    });
                    return;
                }
                let terms = s.terms_of_service.as_ref().map(TermsOfService::from_tl);
                self.terms = terms.clone();
                self.phase = Phase::AwaitingSignUp;
                self.events.push_back(Event::SignUpRequired { terms });
            }
        }
    }

    fn on_password(&mut self, purpose: PasswordFetch, p: &tl::types::account::Password) {
        let request = Request::GetPassword(purpose).name();
        let Some(srp) = &p.srp else {
            self.fail(AuthError::UnexpectedReply {
                request,
                what: "account.password without a password".into(),
            });
            return;
        };
        let algo = match &srp.current_algo {
            enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) => {
                SrpAlgo {
                    salt1: a.salt1.clone(),
                    salt2: a.salt2.clone(),
                    g: a.g,
                    p: a.p.clone(),
                }
            }
            enums::PasswordKdfAlgo::Unknown(_) => {
                self.fail(AuthError::UnsupportedPasswordAlgorithm);
                return;
            }
        };
        let mut entropy = self.entropy.fork(b"tgauth/login/srp");
        let challenge = match SrpChallenge::new(
            &algo,
            &srp.srp_b,
            srp.srp_id,
            &p.secure_random,
            &mut entropy,
        ) {
            Ok(c) => c,
            Err(e) => {
                self.fail(AuthError::PasswordParameters(e));
                return;
            }
        };
        // A recovery code can set a new password: its salt is drawn now, like `a`.
        self.new_password_algo =
            algo_from_tl(&p.new_algo).map(|a| NewPasswordAlgo::draw(&a, &mut self.entropy));
        let info = PasswordInfo {
            hint: p.hint.clone(),
            has_recovery: p.has_recovery,
            email_unconfirmed_pattern: p.email_unconfirmed_pattern.clone(),
            login_email_pattern: p.login_email_pattern.clone(),
            pending_reset_date: p.pending_reset_date.map(i64::from),
        };
        let state = self.password.get_or_insert(PasswordState {
            info: info.clone(),
            challenge: None,
            attempts: 0,
            renewals: 0,
        });
        state.info = info.clone();
        state.challenge = Some(challenge);
        let attempts = state.attempts;
        self.phase = Phase::AwaitingPassword;
        self.events.push_back(match purpose {
            PasswordFetch::First => Event::PasswordRequired(info),
            PasswordFetch::AfterInvalid => Event::PasswordInvalid { attempts },
            PasswordFetch::Renew => Event::PasswordChallengeRenewed,
        });
    }

    fn on_rpc_error(&mut self, now: Instant, request: Request, e: RpcError) {
        use RpcErrorKind as K;
        match e.kind() {
            // A code being cancelled is bound to this DC's key: migrating it makes no sense.
            K::PhoneMigrate(dc) | K::NetworkMigrate(dc) | K::UserMigrate(dc)
                if !matches!(request, Request::CancelCode) =>
            {
                return self.migrate(now, request, dc);
            }
            K::FloodWait(s) | K::FloodPremiumWait(s) | K::FloodTestPhoneWait(s)
                if !matches!(request, Request::CancelCode) =>
            {
                return self.flood_wait(now, request, s);
            }
            K::AuthRestart if !matches!(request, Request::CancelCode) => {
                if self.restarts >= 1 {
                    self.fail(AuthError::TooManyRestarts);
                } else {
                    self.restarts += 1;
                    self.restart(now, RestartReason::ServerAsked);
                }
                return;
            }
            _ => {}
        }
        match (&request, e.kind()) {
            (Request::CancelCode, _) => self.finish(Event::Cancelled),
            (
                Request::SendCode | Request::SignIn { .. } | Request::SignUp { .. },
                K::SessionPasswordNeeded,
            ) => {
                self.send(now, Request::GetPassword(PasswordFetch::First));
            }
            (Request::SignIn { .. }, K::PhoneCodeInvalid | K::CodeInvalid | K::PhoneCodeEmpty) => {
                let attempts = self.code.as_mut().map_or(1, |c| {
                    c.attempts += 1;
                    c.attempts
                });
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::CodeInvalid { attempts });
            }
            (Request::SignIn { .. } | Request::SignUp { .. }, K::PhoneCodeExpired) => {
                if let Some(c) = self.code.as_mut() {
                    c.expired = true;
                }
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::CodeExpired);
            }
            (Request::SignIn { .. }, K::PhoneNumberUnoccupied) => {
                self.phase = Phase::AwaitingSignUp;
                self.events.push_back(Event::SignUpRequired { terms: None });
            }
            (Request::SignUp { .. }, K::FirstNameInvalid | K::LastNameInvalid) => {
                self.phase = Phase::AwaitingSignUp;
                self.events.push_back(Event::SignUpRefused(e));
            }
            (Request::CheckPassword(_), K::PasswordHashInvalid) => {
                if let Some(p) = self.password.as_mut() {
                    p.attempts += 1;
                    p.renewals = 0;
                }
                self.send(now, Request::GetPassword(PasswordFetch::AfterInvalid));
            }
            (Request::CheckPassword(_), K::SrpIdInvalid | K::SrpPasswordChanged) => {
                let renewals = self.password.as_mut().map_or(MAX_RENEWALS + 1, |p| {
                    p.renewals += 1;
                    p.renewals
                });
                if renewals > MAX_RENEWALS {
                    self.fail(AuthError::PasswordChallengeUnstable);
                } else {
                    self.send(now, Request::GetPassword(PasswordFetch::Renew));
                }
            }
            (Request::ResendCode { .. }, K::PhoneCodeExpired) => {
                self.restart(now, RestartReason::CodeExpired)
            }
            // Every other delivery method was used up: the current code still stands.
            (Request::ResendCode { .. }, K::SendCodeUnavailable) => {
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::ResendFailed(e));
            }
            (Request::ResetLoginEmail, K::TaskAlreadyExists) => {
                self.phase = Phase::AwaitingCode;
                self.events.push_back(Event::EmailResetRefused(e));
            }
            (
                Request::SendEmailCode { .. } | Request::VerifyEmail(_),
                K::EmailInvalid | K::EmailNotAllowed,
            ) => {
                self.phase = Phase::AwaitingEmail;
                self.events.push_back(Event::EmailRefused(e));
            }
            (Request::VerifyEmail(Verification::Code(_)), K::CodeInvalid) => {
                self.email_attempts += 1;
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(Event::EmailCodeInvalid {
                    attempts: self.email_attempts,
                });
            }
            // The emailed code expired, or an ID token was refused: ask for the email again.
            (Request::VerifyEmail(Verification::Code(_)), K::EmailVerifyExpired) => {
                self.phase = Phase::AwaitingEmail;
                self.events.push_back(Event::EmailRefused(e));
            }
            (
                Request::VerifyEmail(Verification::Google(_) | Verification::Apple(_)),
                K::CodeInvalid,
            ) => {
                self.phase = Phase::AwaitingEmail;
                self.events.push_back(Event::EmailRefused(e));
            }
            (
                Request::PasswordRecovery
                | Request::CheckRecoveryCode(_)
                | Request::RecoverPassword { .. },
                _,
            ) if RecoveryRefusal::of(&e).is_some() => self.on_recovery_refusal(&request, e),
            _ => self.fail(AuthError::Rpc(e)),
        }
    }

    /// A recovery call refused in a way the password step survives.
    fn on_recovery_refusal(&mut self, request: &Request, e: RpcError) {
        match RecoveryRefusal::of(&e) {
            Some(RecoveryRefusal::CodeInvalid) => self.recovery_code_invalid(),
            Some(RecoveryRefusal::Expired) => {
                self.recovery = None;
                self.phase = Phase::AwaitingPassword;
                self.events.push_back(Event::RecoveryCodeExpired);
            }
            Some(RecoveryRefusal::Unavailable) => {
                self.recovery = None;
                self.phase = Phase::AwaitingPassword;
                self.events.push_back(Event::RecoveryUnavailable(e));
            }
            Some(RecoveryRefusal::NewPasswordRefused)
                if matches!(request, Request::RecoverPassword { .. }) =>
            {
                self.phase = Phase::AwaitingPassword;
                self.events.push_back(Event::RecoveryPasswordRefused(e));
            }
            _ => self.fail(AuthError::Rpc(e)),
        }
    }

    fn recovery_code_invalid(&mut self) {
        let attempts = self.recovery.as_mut().map_or(1, |r| {
            r.attempts += 1;
            r.attempts
        });
        self.phase = Phase::AwaitingPassword;
        self.events
            .push_back(Event::RecoveryCodeInvalid { attempts });
    }

    fn migrate(&mut self, now: Instant, request: Request, dc: u32) {
        let target = DcId(i32::try_from(dc).unwrap_or(0));
        if target.0 <= 0 || target == self.home_dc || self.migrations >= self.config.max_migrations
        {
            self.fail(AuthError::MigrationLoop { dc: target });
            return;
        }
        self.migrations += 1;
        self.home_dc = target;
        self.events.push_back(Event::HomeDcChanged(target));
        if self.code.is_some() && request.uses_code_hash() {
            // The phone_code_hash is bound to the old DC's key: start over there.
            self.restart(now, RestartReason::Migrated);
        } else {
            self.send(now, request);
        }
    }

    fn flood_wait(&mut self, now: Instant, request: Request, seconds: u32) {
        let wait = Duration::from_secs(u64::from(seconds));
        if wait > self.config.max_flood_wait || self.flood_waits >= self.config.flood_wait_budget {
            self.fail(AuthError::FloodWait { seconds });
            return;
        }
        self.flood_waits += 1;
        let until = now + wait;
        self.abandon_in_flight();
        self.scheduled = Some((until, request, 0));
        self.phase = Phase::Working;
        self.events.push_back(Event::FloodWait { seconds, until });
    }
}
