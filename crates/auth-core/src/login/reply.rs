//! What the login does with each answer from the server.

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::{
    DcId, RpcError, RpcErrorKind,
    account::{Authorization, EmailCode, TermsOfService},
    error::{Error, PaymentRequired},
    password::RecoveryRefusal,
    phase::Phase,
    tl::{self, DeserializeAt, enums},
};

use super::{
    CodeKind, CodeState, FirebaseIntent, Login, LoginEvent, PasswordFetch, RecoveryState, Request,
    RestartReason, SentCode, request::Verification,
};

impl Login {
    /// The answer to `request`, which had failed `failures` times before.
    pub(super) fn on_reply(&mut self, now: Instant, request: Request, failures: u32, body: &[u8]) {
        if self.is_finished() {
            return;
        }
        if RpcError::is_rpc_error(body) {
            match RpcError::decode(body) {
                Ok(e) => self.on_rpc_error(now, request, failures, e),
                Err(error) => self.fail_undecodable(&request, body, error),
            }
            return;
        }
        match request {
            Request::SendCode
            | Request::ResendCode { .. }
            | Request::ResetLoginEmail
            | Request::CheckPaidAuth { .. } => {
                if let Some(sent) = self.decode::<enums::auth::SentCode>(&request, body) {
                    self.on_sent_code(now, &request, sent);
                }
            }
            Request::FirebaseSms(_) => match self.decode::<bool>(&request, body) {
                // The SMS is on its way: now there is a code to ask for.
                Some(true) => match self.code.as_mut() {
                    Some(code) => {
                        code.awaiting_integrity = false;
                        let sent = code.sent.clone();
                        self.phase = Phase::AwaitingCode;
                        self.events.push_back(LoginEvent::CodeSent(sent));
                    }
                    None => self.fail(Error::UnexpectedReply {
                        method: request.name(),
                        what: "boolTrue without a sent code".into(),
                    }),
                },
                // Refused: the next delivery method, by auth.resendCode (api/auth).
                Some(false) => self.send(now, Request::ResendCode { reason: None }),
                None => {}
            },
            // Whatever the answer, the code is gone from this login's point of view.
            Request::CancelCode => self.finish(LoginEvent::Cancelled),
            Request::SignIn { .. }
            | Request::SignUp { .. }
            | Request::CheckPassword(_)
            | Request::RecoverPassword { .. }
            | Request::FirebaseFinish(_)
            | Request::FirebaseSignUp { .. } => {
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
                    let code = EmailCode {
                        email_pattern: sent.email_pattern,
                        length: u32::try_from(sent.length).unwrap_or(0),
                    };
                    self.email_code = Some(code.clone());
                    self.email_attempts = 0;
                    self.phase = Phase::AwaitingEmailCode;
                    self.events.push_back(LoginEvent::EmailCodeSent(code));
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
                    self.events.push_back(LoginEvent::RecoveryCodeSent {
                        email_pattern: r.email_pattern,
                    });
                }
            }
            Request::CheckRecoveryCode(_) => match self.decode::<bool>(&request, body) {
                Some(true) => {
                    self.phase = Phase::AwaitingPassword;
                    self.events.push_back(LoginEvent::RecoveryCodeValid);
                }
                Some(false) => self.recovery_code_invalid(),
                None => {}
            },
            Request::VerifyEmail(_) => {
                match self.decode::<enums::account::EmailVerified>(&request, body) {
                    Some(enums::account::EmailVerified::Login(login)) => {
                        self.on_sent_code(now, &request, login.sent_code);
                    }
                    Some(other) => self.fail(Error::UnexpectedReply {
                        method: request.name(),
                        what: other.constructor_name().to_owned(),
                    }),
                    None => {}
                }
            }
            Request::FirebaseStart => {
                if let Some(enums::auth::FirebasePnvIntent::FirebasePnvIntent(intent)) =
                    self.decode::<enums::auth::FirebasePnvIntent>(&request, body)
                {
                    let intent = FirebaseIntent {
                        nonce: Zeroizing::new(intent.nonce),
                        digital_credential_payload: intent.digital_credential_payload,
                    };
                    self.firebase = Some(intent.clone());
                    self.phase = Phase::AwaitingFirebaseToken;
                    self.events.push_back(LoginEvent::FirebaseIntent(intent));
                }
            }
        }
    }

    /// Decodes a whole reply at the session's layer, failing the login if it does not.
    fn decode<T: DeserializeAt>(&mut self, request: &Request, body: &[u8]) -> Option<T> {
        match tl::decode_at(self.layer, body) {
            Ok(v) => Some(v),
            Err(error) => {
                self.fail_undecodable(request, body, error);
                None
            }
        }
    }

    /// A reply that did not decode: for a call that can authorize the key, the error says so
    /// and keeps the bytes.
    fn fail_undecodable(&mut self, request: &Request, body: &[u8], error: tl::DecodeError) {
        let (method, id) = request.method();
        self.fail(Error::undecodable(method, id, self.layer, body, error));
    }

    fn on_sent_code(&mut self, now: Instant, request: &Request, sent: enums::auth::SentCode) {
        match sent {
            enums::auth::SentCode::SentCode(s) => {
                if s.phone_code_hash.is_empty() {
                    self.fail(Error::UnexpectedReply {
                        method: request.name(),
                        what: "auth.sentCode with an empty phone_code_hash".into(),
                    });
                    return;
                }
                let sent = SentCode::from_tl(&s);
                let awaiting_integrity = matches!(sent.kind, CodeKind::FirebaseSms { .. });
                self.payment = None;
                self.code = Some(CodeState {
                    phone_code_hash: s.phone_code_hash.into_inner(),
                    resend_at: sent.timeout.and_then(|t| now.checked_add(t)),
                    resend_announced: false,
                    expired: false,
                    attempts: 0,
                    awaiting_integrity,
                    sent: sent.clone(),
                });
                if let CodeKind::SetUpEmailRequired {
                    apple_signin_allowed,
                    google_signin_allowed,
                } = sent.kind
                {
                    self.phase = Phase::AwaitingEmail;
                    self.events.push_back(LoginEvent::EmailSetupRequired {
                        apple_signin_allowed,
                        google_signin_allowed,
                    });
                } else if awaiting_integrity {
                    // Nothing was sent yet: the SMS goes out once the app proves the device.
                    self.phase = Phase::AwaitingIntegrityCheck;
                    self.events
                        .push_back(LoginEvent::IntegrityCheckRequired(sent));
                } else {
                    self.phase = Phase::AwaitingCode;
                    self.events.push_back(LoginEvent::CodeSent(sent));
                }
            }
            enums::auth::SentCode::Success(s) => self.on_authorization(request, s.authorization),
            enums::auth::SentCode::PaymentRequired(p) => {
                self.on_payment_required(PaymentRequired {
                    phone_number: self.phone.clone(),
                    phone_code_hash: p.phone_code_hash.into_inner(),
                    store_product: p.store_product,
                    support_email_address: p.support_email_address,
                    support_email_subject: p.support_email_subject,
                    premium_days: Some(p.premium_days),
                    currency: p.currency,
                    amount: p.amount,
                })
            }
            enums::auth::SentCode::PaymentRequiredLayer220(p) => {
                self.on_payment_required(PaymentRequired {
                    phone_number: self.phone.clone(),
                    phone_code_hash: p.phone_code_hash.into_inner(),
                    store_product: p.store_product,
                    support_email_address: p.support_email_address,
                    support_email_subject: p.support_email_subject,
                    premium_days: None,
                    currency: p.currency,
                    amount: p.amount,
                });
            }
        }
    }

    /// No code until the app pays: the login keeps what `auth.checkPaidAuth` needs and asks.
    fn on_payment_required(&mut self, payment: PaymentRequired) {
        self.code = None;
        self.payment = Some(payment.clone());
        self.phase = Phase::AwaitingPayment;
        self.events.push_back(LoginEvent::PaymentRequired(payment));
    }

    fn on_authorization(&mut self, request: &Request, auth: enums::auth::Authorization) {
        match auth {
            enums::auth::Authorization::Authorization(a) => {
                match Authorization::from_tl(self.home_dc, self.layer, &a) {
                    Some(authorization) => {
                        self.finish(LoginEvent::Done(Box::new(authorization)));
                    }
                    None => self.fail(Error::UnexpectedReply {
                        method: request.name(),
                        what: "auth.authorization with userEmpty".into(),
                    }),
                }
            }
            enums::auth::Authorization::SignUpRequired(s) => {
                let firebase = matches!(request, Request::FirebaseFinish(_));
                if self.code.is_none() && !firebase {
                    // Sign-up needs the phone_code_hash of a sent code (or a Firebase login).
                    self.fail(Error::UnexpectedReply {
                        method: request.name(),
                        what: "auth.authorizationSignUpRequired without a sent code".into(),
                    });
                    return;
                }
                let terms = s.terms_of_service.as_ref().map(TermsOfService::from_tl);
                self.terms = terms.clone();
                self.phase = Phase::AwaitingSignUp;
                self.events.push_back(LoginEvent::SignUpRequired { terms });
            }
        }
    }

    fn on_rpc_error(&mut self, now: Instant, request: Request, failures: u32, e: RpcError) {
        use RpcErrorKind as K;
        let cancelling = matches!(request, Request::CancelCode);
        match e.kind() {
            // A code being cancelled is bound to this DC's key: migrating it makes no sense.
            K::PhoneMigrate(dc) | K::NetworkMigrate(dc) | K::UserMigrate(dc) if !cancelling => {
                return self.migrate(now, request, dc, e);
            }
            K::FloodWait(s) | K::FloodPremiumWait(s) | K::FloodTestPhoneWait(s) if !cancelling => {
                return self.flood_wait(now, request, s);
            }
            K::ServerError if !cancelling => return self.server_failed(now, request, failures, e),
            K::AuthRestart if !cancelling => {
                if self.phone.is_empty() {
                    // Nothing to restart from: no phone number to send a code to.
                    self.fail(Error::Rpc {
                        method: request.name(),
                        error: e,
                    });
                } else if self.restarts >= 1 {
                    self.fail(Error::TooManyRestarts);
                } else {
                    self.restarts += 1;
                    self.restart(now, RestartReason::ServerAsked);
                }
                return;
            }
            _ => {}
        }
        match (&request, e.kind()) {
            (Request::CancelCode, _) => self.finish(LoginEvent::Cancelled),
            (
                Request::SendCode
                | Request::SignIn { .. }
                | Request::SignUp { .. }
                | Request::FirebaseFinish(_)
                | Request::FirebaseSignUp { .. },
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
                self.events.push_back(LoginEvent::CodeInvalid { attempts });
            }
            (Request::SignIn { .. } | Request::SignUp { .. }, K::PhoneCodeExpired) => {
                if let Some(c) = self.code.as_mut() {
                    c.expired = true;
                }
                self.phase = Phase::AwaitingCode;
                self.events.push_back(LoginEvent::CodeExpired);
            }
            (Request::SignIn { .. }, K::PhoneNumberUnoccupied) => {
                self.phase = Phase::AwaitingSignUp;
                self.events
                    .push_back(LoginEvent::SignUpRequired { terms: None });
            }
            (
                Request::SignUp { .. } | Request::FirebaseSignUp { .. },
                K::FirstNameInvalid | K::LastNameInvalid,
            ) => {
                self.phase = Phase::AwaitingSignUp;
                self.events.push_back(LoginEvent::SignUpRefused(e));
            }
            (Request::CheckPassword(_), K::PasswordHashInvalid) => self.on_wrong_password(now),
            (Request::CheckPassword(_), K::SrpIdInvalid | K::SrpPasswordChanged) => {
                self.on_stale_challenge(now);
            }
            (Request::ResendCode { .. }, K::PhoneCodeExpired) => {
                self.restart(now, RestartReason::CodeExpired);
            }
            // Every other delivery method was used up: the current code still stands (unless it
            // was a Firebase SMS never sent: then there is no code).
            (Request::ResendCode { .. }, K::SendCodeUnavailable)
                if !self.code.as_ref().is_some_and(|c| c.awaiting_integrity) =>
            {
                self.phase = Phase::AwaitingCode;
                self.events.push_back(LoginEvent::ResendFailed(e));
            }
            (Request::ResetLoginEmail, K::TaskAlreadyExists) => {
                self.phase = Phase::AwaitingCode;
                self.events.push_back(LoginEvent::EmailResetRefused(e));
            }
            (
                Request::SendEmailCode { .. } | Request::VerifyEmail(_),
                K::EmailInvalid | K::EmailNotAllowed,
            ) => {
                self.phase = Phase::AwaitingEmail;
                self.events.push_back(LoginEvent::EmailRefused(e));
            }
            (Request::VerifyEmail(Verification::Code(_)), K::CodeInvalid) => {
                self.email_attempts += 1;
                self.phase = Phase::AwaitingEmailCode;
                self.events.push_back(LoginEvent::EmailCodeInvalid {
                    attempts: self.email_attempts,
                });
            }
            // The emailed code expired, or an ID token was refused: ask for the email again.
            (Request::VerifyEmail(Verification::Code(_)), K::EmailVerifyExpired) => {
                self.phase = Phase::AwaitingEmail;
                self.events.push_back(LoginEvent::EmailRefused(e));
            }
            (
                Request::VerifyEmail(Verification::Google(_) | Verification::Apple(_)),
                K::CodeInvalid,
            ) => {
                self.phase = Phase::AwaitingEmail;
                self.events.push_back(LoginEvent::EmailRefused(e));
            }
            (
                Request::PasswordRecovery
                | Request::CheckRecoveryCode(_)
                | Request::RecoverPassword { .. },
                _,
            ) if RecoveryRefusal::of(&e).is_some() => self.on_recovery_refusal(&request, e),
            _ => self.fail(Error::Rpc {
                method: request.name(),
                error: e,
            }),
        }
    }

    /// A recovery call refused in a way the password step survives.
    fn on_recovery_refusal(&mut self, request: &Request, e: RpcError) {
        match RecoveryRefusal::of(&e) {
            Some(RecoveryRefusal::CodeInvalid) => self.recovery_code_invalid(),
            Some(RecoveryRefusal::Expired) => {
                self.recovery = None;
                self.phase = Phase::AwaitingPassword;
                self.events.push_back(LoginEvent::RecoveryCodeExpired);
            }
            Some(RecoveryRefusal::Unavailable) => {
                self.recovery = None;
                self.phase = Phase::AwaitingPassword;
                self.events.push_back(LoginEvent::RecoveryUnavailable(e));
            }
            Some(RecoveryRefusal::NewPasswordRefused)
                if matches!(request, Request::RecoverPassword { .. }) =>
            {
                self.phase = Phase::AwaitingPassword;
                self.events
                    .push_back(LoginEvent::RecoveryPasswordRefused(e));
            }
            _ => self.fail(Error::Rpc {
                method: request.name(),
                error: e,
            }),
        }
    }

    fn recovery_code_invalid(&mut self) {
        let attempts = self.recovery.as_mut().map_or(1, |r| {
            r.attempts += 1;
            r.attempts
        });
        self.phase = Phase::AwaitingPassword;
        self.events
            .push_back(LoginEvent::RecoveryCodeInvalid { attempts });
    }

    fn migrate(&mut self, now: Instant, request: Request, dc: u32, e: RpcError) {
        let target = DcId(i32::try_from(dc).unwrap_or(0));
        if target.0 <= 0
            || target == self.home_dc
            || self.migrations >= self.config.session.retry.max_migrations
        {
            self.fail(Error::MigrationLoop {
                method: request.name(),
                dc: target,
            });
            return;
        }
        // The phone_code_hash, and the password step that a code (or a logout token) opened,
        // belong to the old DC's key: the login starts over on the new one.
        let bound_to_key = request.is_password_step()
            || (request.uses_code_hash() && (self.code.is_some() || self.payment.is_some()));
        if bound_to_key && self.phone.is_empty() {
            // No phone number to start over with (a QR login's password step).
            self.fail(Error::Rpc {
                method: request.name(),
                error: e,
            });
            return;
        }
        self.migrations += 1;
        self.home_dc = target;
        self.events.push_back(LoginEvent::DcChanged(target));
        if bound_to_key {
            self.restart(now, RestartReason::Migrated);
        } else {
            self.send(now, request);
        }
    }

    /// The server failed on `request` (`INTERNAL`, ...): re-sent with backoff within the retry
    /// budget, then the login fails with the error.
    fn server_failed(&mut self, now: Instant, request: Request, failures: u32, e: RpcError) {
        match self.config.session.retry.retry_at(now, failures, true) {
            Some(at) => {
                self.abandon_in_flight();
                self.scheduled = Some((at, request, failures + 1));
                self.phase = Phase::Working;
            }
            None => self.fail(Error::Rpc {
                method: request.name(),
                error: e,
            }),
        }
    }

    fn flood_wait(&mut self, now: Instant, request: Request, seconds: u32) {
        let retry = &self.config.session.retry;
        let wait = Duration::from_secs(u64::from(seconds));
        let until = now.checked_add(wait);
        let Some(until) = until
            .filter(|_| wait <= retry.max_flood_wait && self.flood_waits < retry.flood_wait_budget)
        else {
            self.fail(Error::FloodWait {
                method: request.name(),
                seconds,
            });
            return;
        };
        self.flood_waits += 1;
        self.abandon_in_flight();
        self.scheduled = Some((until, request, 0));
        self.phase = Phase::Working;
        self.events
            .push_back(LoginEvent::FloodWait { seconds, until });
    }
}
