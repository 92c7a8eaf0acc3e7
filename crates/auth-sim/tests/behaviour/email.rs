//! Login email: required setup, verification by code or Google/Apple token, reset.

use std::time::Duration;

use auth_core::DcId;
use auth_core::tl::{enums, functions, types};
use auth_sim::{AccountConfig, Delivery, EmailPurpose, SimConfig};

use crate::common::*;

const PHONE: &str = "9996631234";

fn setup_purpose(hash: &str) -> enums::EmailVerifyPurpose {
    types::EmailVerifyPurposeLoginSetup {
        phone_number: PHONE.into(),
        phone_code_hash: hash.into(),
    }
    .into()
}

fn send_verify(
    h: &mut H,
    hash: &str,
    email: &str,
) -> Result<enums::account::SentEmailCode, auth_core::RpcError> {
    h.call(
        3,
        1,
        &functions::account::SendVerifyEmailCode {
            purpose: setup_purpose(hash),
            email: email.into(),
        },
    )
}

fn verify(
    h: &mut H,
    hash: &str,
    verification: enums::EmailVerification,
) -> Result<enums::account::EmailVerified, auth_core::RpcError> {
    h.call(
        3,
        1,
        &functions::account::VerifyEmail {
            purpose: setup_purpose(hash),
            verification,
        },
    )
}

fn code(code: &str) -> enums::EmailVerification {
    types::EmailVerificationCode { code: code.into() }.into()
}

fn sign_in_by_email(
    h: &mut H,
    hash: &str,
    v: enums::EmailVerification,
) -> Result<enums::auth::Authorization, auth_core::RpcError> {
    h.call(
        3,
        1,
        &functions::auth::SignIn {
            phone_number: PHONE.into(),
            phone_code_hash: hash.into(),
            phone_code: None,
            email_verification: Some(v),
        },
    )
}

/// The `auth.sentCode` inside `account.emailVerifiedLogin`.
fn verified_login(
    r: Result<enums::account::EmailVerified, auth_core::RpcError>,
) -> (String, types::auth::SentCode) {
    match r {
        Ok(enums::account::EmailVerified::Login(l)) => (l.email, sent_code(Ok(l.sent_code))),
        other => panic!("expected account.emailVerifiedLogin, got {other:?}"),
    }
}

fn required_account(h: &mut H) {
    h.sim
        .add_account(
            AccountConfig::new(PHONE, DcId(3))
                .with_email_setup_required()
                .with_google_signin("google-token", "ada@gmail.com")
                .with_apple_signin("apple-token", "ada@icloud.com"),
        )
        .expect("add");
}

#[test]
fn email_setup_required_flow() {
    let mut h = H::new();
    required_account(&mut h);
    let sent = h.sent(3, 1, PHONE);
    let enums::auth::SentCodeType::SetUpEmailRequired(t) = &sent.r#type else {
        panic!("expected setUpEmailRequired, got {:?}", sent.r#type);
    };
    assert!(t.google_signin_allowed && t.apple_signin_allowed);
    assert!(
        h.sim.take_deliveries().is_empty(),
        "no code before the email is set up"
    );
    assert_eq!(
        err(h.sign_in(3, 1, PHONE, &sent.phone_code_hash, "33333")),
        "EMAIL_NOT_SETUP"
    );
    let enums::account::SentEmailCode::SentEmailCode(s) =
        send_verify(&mut h, &sent.phone_code_hash, "ada@example.com").expect("sent");
    assert_eq!(
        (s.email_pattern.as_str(), s.length),
        ("a***@example.com", 5)
    );
    // The verification code is in the mailbox; for a test number it is the DC digit repeated.
    assert_eq!(h.sim.last_email_code("ada@example.com"), Some("33333"));
    let (email, login_code) = verified_login(verify(&mut h, &sent.phone_code_hash, code("33333")));
    assert_eq!(email, "ada@example.com");
    assert_eq!(login_code.phone_code_hash, sent.phone_code_hash);
    let enums::auth::SentCodeType::EmailCode(ec) = &login_code.r#type else {
        panic!("expected an email code");
    };
    assert_eq!(
        (ec.email_pattern.as_str(), ec.length),
        ("a***@example.com", 5)
    );
    let mail = h.sim.take_deliveries();
    assert!(matches!(
        mail.last(),
        Some(Delivery::Email { purpose: EmailPurpose::LoginCode, code, .. }) if code == "33333"
    ));
    authorization(sign_in_by_email(
        &mut h,
        &sent.phone_code_hash,
        code("33333"),
    ));
    assert_eq!(
        h.sim.account(PHONE).and_then(|a| a.login_email),
        Some("ada@example.com".into())
    );
    // From now on codes go to the email.
    let next = h.sent(3, 2, PHONE);
    assert!(matches!(
        next.r#type,
        enums::auth::SentCodeType::EmailCode(_)
    ));
}

#[test]
fn email_setup_rejects_bad_email_and_wrong_code() {
    let mut h = H::new();
    required_account(&mut h);
    let sent = h.sent(3, 1, PHONE);
    for bad in ["", "ada", "ada@", "a da@example.com", "ada@example"] {
        assert_eq!(
            err(send_verify(&mut h, &sent.phone_code_hash, bad)),
            "EMAIL_INVALID",
            "{bad:?}"
        );
    }
    assert_eq!(
        err(verify(&mut h, &sent.phone_code_hash, code("33333"))),
        "EMAIL_VERIFY_EXPIRED",
        "no code was sent yet"
    );
    send_verify(&mut h, &sent.phone_code_hash, "ada@example.com").expect("sent");
    assert_eq!(
        err(verify(&mut h, &sent.phone_code_hash, code("12345"))),
        "CODE_INVALID"
    );
    assert_eq!(
        err(send_verify(&mut h, "stale", "ada@example.com")),
        "PHONE_CODE_EXPIRED"
    );
    verified_login(verify(&mut h, &sent.phone_code_hash, code("33333")));
    // A wrong email code at sign-in is a wrong login code.
    assert_eq!(
        err(sign_in_by_email(
            &mut h,
            &sent.phone_code_hash,
            code("00000")
        )),
        "PHONE_CODE_INVALID"
    );
}

#[test]
fn google_and_apple_tokens_verify_email() {
    for (token, email) in [
        ("google-token", "ada@gmail.com"),
        ("apple-token", "ada@icloud.com"),
    ] {
        let mut h = H::new();
        required_account(&mut h);
        let sent = h.sent(3, 1, PHONE);
        let wrong: enums::EmailVerification = types::EmailVerificationGoogle {
            token: "forged".into(),
        }
        .into();
        assert_eq!(
            err(verify(&mut h, &sent.phone_code_hash, wrong)),
            "CODE_INVALID"
        );
        let v: enums::EmailVerification = if token.starts_with("google") {
            types::EmailVerificationGoogle {
                token: token.into(),
            }
            .into()
        } else {
            types::EmailVerificationApple {
                token: token.into(),
            }
            .into()
        };
        let (verified, _) = verified_login(verify(&mut h, &sent.phone_code_hash, v.clone()));
        assert_eq!(verified, email);
        // The same token signs in.
        authorization(sign_in_by_email(&mut h, &sent.phone_code_hash, v));
    }
}

#[test]
fn email_login_code_is_refused_in_phone_code() {
    let mut h = H::new();
    h.sim
        .add_account(AccountConfig::new(PHONE, DcId(3)).with_login_email("ada@example.com"))
        .expect("add");
    let sent = h.sent(3, 1, PHONE);
    let code = h
        .sim
        .last_email_code("ada@example.com")
        .expect("mailed")
        .to_owned();
    // The code went to the login email: it belongs in `email_verification`.
    assert_eq!(
        err(h.sign_in(3, 1, PHONE, &sent.phone_code_hash, &code)),
        "PHONE_CODE_INVALID"
    );
    authorization(sign_in_by_email(
        &mut h,
        &sent.phone_code_hash,
        self::code(&code),
    ));
}

#[test]
fn login_email_reset_falls_back_to_sms() {
    let mut h = H::new();
    h.sim
        .add_account(AccountConfig::new(PHONE, DcId(3)).with_login_email("ada@example.com"))
        .expect("add");
    let sent = h.sent(3, 1, PHONE);
    assert!(matches!(
        sent.r#type,
        enums::auth::SentCodeType::EmailCode(_)
    ));
    assert_eq!(h.sim.last_email_code("ada@example.com"), Some("33333"));
    let reset = functions::auth::ResetLoginEmail {
        phone_number: PHONE.into(),
        phone_code_hash: sent.phone_code_hash.clone(),
    };
    let sms = sent_code(h.call(3, 1, &reset));
    assert!(matches!(sms.r#type, enums::auth::SentCodeType::Sms(_)));
    assert_eq!(h.sim.last_code(PHONE), Some("33333"));
    assert_eq!(h.sim.account(PHONE).and_then(|a| a.login_email), None);
    // Not an email code any more: a second reset is refused.
    assert_eq!(err(h.call(3, 1, &reset)), "EMAIL_NOT_SETUP");
    authorization(h.sign_in(3, 1, PHONE, &sent.phone_code_hash, "33333"));
}

#[test]
fn login_email_reset_can_wait() {
    let mut h = H::with(SimConfig {
        email_reset_wait: Some(Duration::from_secs(60)),
        unix_time_base: 1_000_000,
        ..SimConfig::default()
    });
    h.sim
        .add_account(AccountConfig::new(PHONE, DcId(3)).with_login_email("ada@example.com"))
        .expect("add");
    let sent = h.sent(3, 1, PHONE);
    h.advance(Duration::from_secs(10));
    let reset = functions::auth::ResetLoginEmail {
        phone_number: PHONE.into(),
        phone_code_hash: sent.phone_code_hash.clone(),
    };
    let pending = sent_code(h.call(3, 1, &reset));
    let enums::auth::SentCodeType::EmailCode(ec) = &pending.r#type else {
        panic!("still an email code");
    };
    assert_eq!(ec.reset_pending_date, Some(1_000_070));
    h.advance(Duration::from_secs(30));
    assert_eq!(err(h.call(3, 1, &reset)), "TASK_ALREADY_EXISTS");
    h.advance(Duration::from_secs(30));
    let sms = sent_code(h.call(3, 1, &reset));
    assert!(matches!(sms.r#type, enums::auth::SentCodeType::Sms(_)));
}
