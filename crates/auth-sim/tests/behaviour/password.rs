//! 2FA: real server-side SRP, stale ids, wrong passwords, flood limits, email recovery.

use std::time::Duration;

use auth_core::DcId;
use auth_core::srp::TELEGRAM_P;
use auth_core::tl::{enums, functions, types};
use auth_sim::{AccountConfig, Delivery, EmailPurpose, KeyStatus, SimConfig};

use crate::common::*;

const PHONE: &str = "9996631234";

/// An account with a password whose login code was accepted on (DC 4, key 1).
fn pending(h: &mut H, account: AccountConfig) -> i64 {
    let id = h.sim.add_account(account).expect("add");
    let sent = h.sent(4, 1, PHONE);
    let e = rpc_err(h.sign_in(4, 1, PHONE, &sent.phone_code_hash, "33333"));
    assert_eq!((e.code, e.name.as_str()), (401, "SESSION_PASSWORD_NEEDED"));
    assert_eq!(
        h.sim.key_status(DcId(4), 1),
        KeyStatus::PasswordPending { user_id: id }
    );
    id
}

fn get_password(h: &mut H) -> types::account::Password {
    let enums::account::Password::Password(p) = h
        .call(4, 1, &functions::account::GetPassword {})
        .expect("getPassword");
    p
}

/// An `inputCheckPasswordSRP` with a well-formed `A` and a made-up `M1` (no PBKDF2 needed).
fn forged_check(srp_id: i64) -> functions::auth::CheckPassword {
    functions::auth::CheckPassword {
        password: types::InputCheckPasswordSRP {
            srp_id,
            a: vec![0x33; 256],
            m1: vec![7; 32].into(),
        }
        .into(),
    }
}

#[test]
fn password_login_with_srp() {
    let mut h = H::new();
    let id = pending(
        &mut h,
        AccountConfig::new(PHONE, DcId(4))
            .with_password("correct horse")
            .with_hint("horse")
            .with_recovery_email("ada@example.com"),
    );
    let pw = get_password(&mut h);
    assert!(pw.has_password() && pw.has_recovery);
    assert_eq!(pw.hint.as_deref(), Some("horse"));
    let srp = pw.srp.as_ref().expect("srp");
    let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(algo) =
        &srp.current_algo
    else {
        panic!("modpow algo");
    };
    assert_eq!((algo.g, algo.p.as_slice()), (3, &TELEGRAM_P[..]));
    assert_eq!(srp.srp_b.len(), 256);
    // Each getPassword opens a fresh attempt.
    let again = get_password(&mut h);
    let again_srp = again.srp.as_ref().expect("srp");
    assert_ne!(again_srp.srp_id, srp.srp_id);
    assert_ne!(again_srp.srp_b, srp.srp_b);
    let a = authorization(h.check_password(4, 1, "correct horse"));
    assert_eq!(user(&a).id, id);
    assert_eq!(
        h.sim.key_status(DcId(4), 1),
        KeyStatus::Authorized { user_id: id }
    );
}

#[test]
fn wrong_password_and_stale_srp_id() {
    let mut h = H::new();
    pending(
        &mut h,
        AccountConfig::new(PHONE, DcId(4)).with_password("secret"),
    );
    let old = get_password(&mut h).srp.expect("srp").srp_id;
    let new = get_password(&mut h).srp.expect("srp").srp_id;
    assert_eq!(
        err(h.call(4, 1, &forged_check(old))),
        "SRP_ID_INVALID",
        "stale id"
    );
    // A real SRP computation with the wrong password.
    assert_eq!(
        err(h.check_password(4, 1, "guess")),
        "PASSWORD_HASH_INVALID"
    );
    // Every check consumes its attempt.
    assert_eq!(err(h.call(4, 1, &forged_check(new))), "SRP_ID_INVALID");
    let empty = functions::auth::CheckPassword {
        password: types::InputCheckPasswordEmpty {}.into(),
    };
    assert_eq!(err(h.call(4, 1, &empty)), "PASSWORD_HASH_INVALID");
    assert_eq!(h.sim.counters(PHONE).failed_password_attempts, 1);
}

#[test]
fn password_attempts_are_flood_limited() {
    let mut h = H::with(SimConfig {
        password_attempt_limit: 2,
        password_attempt_window: Duration::from_secs(100),
        ..SimConfig::default()
    });
    pending(
        &mut h,
        AccountConfig::new(PHONE, DcId(4)).with_password("secret"),
    );
    for _ in 0..2 {
        let id = get_password(&mut h).srp.expect("srp").srp_id;
        assert_eq!(
            err(h.call(4, 1, &forged_check(id))),
            "PASSWORD_HASH_INVALID"
        );
    }
    h.advance(Duration::from_secs(40));
    let id = get_password(&mut h).srp.expect("srp").srp_id;
    let e = rpc_err(h.call(4, 1, &forged_check(id)));
    assert_eq!((e.code, e.name.as_str()), (420, "FLOOD_WAIT_60"));
    h.advance(Duration::from_secs(60));
    assert_eq!(
        err(h.call(4, 1, &forged_check(id))),
        "PASSWORD_HASH_INVALID"
    );
}

#[test]
fn password_recovery_by_email() {
    let mut h = H::new();
    let id = pending(
        &mut h,
        AccountConfig::new(PHONE, DcId(4))
            .with_password("forgotten")
            .with_recovery_email("ada@example.com"),
    );
    let enums::auth::PasswordRecovery::PasswordRecovery(r) = h
        .call(4, 1, &functions::auth::RequestPasswordRecovery {})
        .expect("recovery");
    assert_eq!(r.email_pattern, "a***@example.com");
    let mail = h.sim.take_deliveries();
    let Some(Delivery::Email {
        email,
        purpose: EmailPurpose::PasswordRecovery,
        code,
    }) = mail.last()
    else {
        panic!("a recovery email was sent: {mail:?}");
    };
    assert_eq!(
        (email.as_str(), code.as_str()),
        ("ada@example.com", "33333")
    );
    let check = |code: &str| functions::auth::CheckRecoveryPassword { code: code.into() };
    assert_eq!(err(h.call(4, 1, &check("00000"))), "CODE_INVALID");
    assert_eq!(err(h.call(4, 1, &check(""))), "CODE_EMPTY");
    assert_eq!(h.call(4, 1, &check("33333")), Ok(true));
    let recover = |code: &str| functions::auth::RecoverPassword {
        code: code.into(),
        new_settings: None,
    };
    assert_eq!(err(h.call(4, 1, &recover("00000"))), "CODE_INVALID");
    let a = authorization(h.call(4, 1, &recover("33333")));
    assert_eq!(user(&a).id, id);
    assert_eq!(h.sim.authorized_user(DcId(4), 1), Some(id));
    assert!(!h.sim.account(PHONE).expect("account").has_password);
    // The next login needs no password.
    h.login(4, 2, PHONE);
}

#[test]
fn password_recovery_needs_recovery_email() {
    let mut h = H::new();
    pending(
        &mut h,
        AccountConfig::new(PHONE, DcId(4)).with_password("pw"),
    );
    assert!(!get_password(&mut h).has_recovery);
    let e = rpc_err(h.call(4, 1, &functions::auth::RequestPasswordRecovery {}));
    assert_eq!((e.code, e.name.as_str()), (400, "PASSWORD_RECOVERY_NA"));
    assert_eq!(
        err(h.call(
            4,
            1,
            &functions::auth::CheckRecoveryPassword {
                code: "33333".into()
            }
        )),
        "PASSWORD_RECOVERY_EXPIRED",
        "no recovery code was sent"
    );
}
