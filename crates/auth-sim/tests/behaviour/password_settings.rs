//! 2FA management after login: setting, changing and removing the password, the recovery
//! email's confirmation, the password reset; and changing the login email.

use std::time::Duration;

use auth_core::entropy::Entropy;
use auth_core::srp::{SrpAlgo, SrpChallenge, new_password_hash};
use auth_core::tl::{enums, functions, types};
use auth_core::{DcId, RpcError};
use auth_sim::{AccountConfig, KeyStatus};

use crate::common::*;

const PHONE: &str = "9996631234";

/// An account on DC 4 logged in on key 1 (with its password, if it has one).
fn logged_in(h: &mut H, account: AccountConfig, password: Option<&str>) -> i64 {
    let id = h.sim.add_account(account).expect("add");
    match password {
        None => {
            h.login(4, 1, PHONE);
        }
        Some(pw) => {
            let sent = h.sent(4, 1, PHONE);
            let e = rpc_err(h.sign_in(4, 1, PHONE, &sent.phone_code_hash, "33333"));
            assert_eq!(e.name, "SESSION_PASSWORD_NEEDED");
            authorization(h.check_password(4, 1, pw));
        }
    }
    assert_eq!(h.sim.authorized_user(DcId(4), 1), Some(id));
    id
}

fn get_password(h: &mut H, key: u64) -> types::account::Password {
    let enums::account::Password::Password(p) = h
        .call(4, key, &functions::account::GetPassword {})
        .expect("getPassword");
    p
}

fn algo(a: &enums::PasswordKdfAlgo) -> SrpAlgo {
    let enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) = a else {
        panic!("modpow algo expected, got {a:?}");
    };
    SrpAlgo {
        salt1: a.salt1.clone(),
        salt2: a.salt2.clone(),
        g: a.g,
        p: a.p.clone(),
    }
}

fn modpow(a: &SrpAlgo) -> enums::PasswordKdfAlgo {
    types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
        salt1: a.salt1.clone(),
        salt2: a.salt2.clone(),
        g: a.g,
        p: a.p.clone(),
    }
    .into()
}

/// The client's proof of `password` for a fresh `account.password` (or the empty check).
fn proof(p: &types::account::Password, password: Option<&str>) -> enums::InputCheckPasswordSRP {
    let (Some(srp), Some(password)) = (&p.srp, password) else {
        return types::InputCheckPasswordEmpty {}.into();
    };
    let mut entropy = Entropy::deterministic([8; 32]);
    let challenge = SrpChallenge::new(
        &algo(&srp.current_algo),
        &srp.srp_b,
        srp.srp_id,
        &p.secure_random,
        &mut entropy,
    )
    .expect("valid parameters");
    let check = challenge.check(password.as_bytes()).expect("check");
    types::InputCheckPasswordSRP {
        srp_id: check.srp_id,
        a: check.a.to_vec(),
        m1: check.m1.to_vec().into(),
    }
    .into()
}

/// `new_password` hashed with the offered `new_algo` (salt1 extended by 32 bytes).
fn new_settings(
    p: &types::account::Password,
    new_password: &str,
    hint: &str,
) -> types::account::NewPasswordSettings {
    let mut entropy = Entropy::deterministic([9; 32]);
    let new = new_password_hash(&algo(&p.new_algo), new_password.as_bytes(), &mut entropy)
        .expect("valid group");
    types::account::NewPasswordSettings {
        new_algo: modpow(&new.algo),
        new_password_hash: new.hash.to_vec().into(),
        hint: hint.into(),
    }
}

/// Well-formed new settings for the offered algorithm, with a made-up `v` (no PBKDF2).
fn unchecked(p: &types::account::Password) -> types::account::NewPasswordSettings {
    let mut algo = algo(&p.new_algo);
    algo.salt1.extend([7; 32]);
    types::account::NewPasswordSettings {
        new_algo: modpow(&algo),
        new_password_hash: vec![0x11; 256].into(),
        hint: String::new(),
    }
}

fn update(
    h: &mut H,
    password: enums::InputCheckPasswordSRP,
    new_password: Option<types::account::NewPasswordSettings>,
    email: Option<&str>,
) -> Result<bool, RpcError> {
    let settings = types::account::PasswordInputSettings {
        new_password,
        email: email.map(str::to_owned),
        new_secure_settings: None,
    };
    h.call(
        4,
        1,
        &functions::account::UpdatePasswordSettings {
            password,
            new_settings: settings.into(),
        },
    )
}

fn removal(hint: &str) -> Option<types::account::NewPasswordSettings> {
    Some(types::account::NewPasswordSettings {
        new_algo: types::PasswordKdfAlgoUnknown {}.into(),
        new_password_hash: Vec::new().into(),
        hint: hint.into(),
    })
}

#[test]
fn password_settings_set_change_remove() {
    let mut h = H::new();
    let id = logged_in(&mut h, AccountConfig::new(PHONE, DcId(4)), None);
    let p = get_password(&mut h, 1);
    assert!(p.srp.is_none());
    let first = new_settings(&p, "first", "a hint");
    assert_eq!(update(&mut h, proof(&p, None), Some(first), None), Ok(true));
    let info = h.sim.account(PHONE).expect("account");
    assert!(info.has_password);
    assert_eq!(info.hint.as_deref(), Some("a hint"));
    // The stored verifier is the new password's: a login on another key proves it.
    let sent = h.sent(4, 2, PHONE);
    let e = rpc_err(h.sign_in(4, 2, PHONE, &sent.phone_code_hash, "33333"));
    assert_eq!(e.name, "SESSION_PASSWORD_NEEDED");
    assert_eq!(user(&authorization(h.check_password(4, 2, "first"))).id, id);

    // Changing needs the current password. (The settings are checked first: each try uses
    // the salt of the latest `account.getPassword`; the failing ones need no real hash.)
    let p = get_password(&mut h, 1);
    assert_eq!(
        update(&mut h, proof(&p, None), Some(unchecked(&p)), None),
        Err(RpcError::new(400, "PASSWORD_HASH_INVALID"))
    );
    let p = get_password(&mut h, 1);
    assert_eq!(
        err(update(
            &mut h,
            proof(&p, Some("wrong")),
            Some(unchecked(&p)),
            None
        )),
        "PASSWORD_HASH_INVALID"
    );
    // Each proof spends the key's SRP attempt.
    assert_eq!(
        err(update(
            &mut h,
            proof(&p, Some("first")),
            Some(unchecked(&p)),
            None
        )),
        "SRP_ID_INVALID"
    );
    // A salt offered before the latest getPassword is refused.
    let stale = unchecked(&p);
    let p = get_password(&mut h, 1);
    assert_eq!(
        err(update(&mut h, proof(&p, Some("first")), Some(stale), None)),
        "NEW_SALT_INVALID"
    );
    let p = get_password(&mut h, 1);
    let second = new_settings(&p, "second", "");
    assert_eq!(
        update(&mut h, proof(&p, Some("first")), Some(second), None),
        Ok(true)
    );
    assert_eq!(h.sim.account(PHONE).expect("account").hint, None);
    assert_eq!(h.sim.counters(PHONE).failed_password_attempts, 1);

    // Removing: the unknown algorithm, an empty hash and hint.
    let p = get_password(&mut h, 1);
    assert_eq!(
        update(&mut h, proof(&p, Some("second")), removal(""), None),
        Ok(true)
    );
    let info = h.sim.account(PHONE).expect("account");
    assert!(!info.has_password);
    assert_eq!(info.recovery_email, None);
    assert!(get_password(&mut h, 1).srp.is_none());
}

#[test]
fn password_settings_reject_bad_settings() {
    let mut h = H::new();
    logged_in(&mut h, AccountConfig::new(PHONE, DcId(4)), None);
    let fake = |a: &SrpAlgo| types::account::NewPasswordSettings {
        new_algo: modpow(a),
        new_password_hash: vec![0x11; 256].into(),
        hint: String::new(),
    };
    let empty = || proof(&types::account::Password::default(), None);
    // Nothing was offered to this key yet.
    let mut guess = SrpAlgo {
        salt1: vec![1; 40],
        salt2: vec![2; 16],
        g: 3,
        p: auth_core::srp::TELEGRAM_P.to_vec(),
    };
    assert_eq!(
        err(update(&mut h, empty(), Some(fake(&guess)), None)),
        "NEW_SALT_INVALID"
    );
    let offered = algo(&get_password(&mut h, 1).new_algo);
    assert_eq!(
        err(update(&mut h, empty(), Some(fake(&guess)), None)),
        "NEW_SALT_INVALID"
    );
    assert_eq!(
        err(update(&mut h, empty(), Some(fake(&offered)), None)),
        "NEW_SALT_INVALID"
    );
    let mut good = offered.clone();
    good.salt1.extend([7; 32]);
    guess = SrpAlgo {
        salt2: vec![3; 16],
        ..good.clone()
    };
    assert_eq!(
        err(update(&mut h, empty(), Some(fake(&guess)), None)),
        "NEW_SETTINGS_INVALID"
    );
    let mut short = fake(&good);
    let mut hash = short.new_password_hash.to_vec();
    hash.pop();
    short.new_password_hash = hash.into();
    assert_eq!(
        err(update(&mut h, empty(), Some(short), None)),
        "NEW_SETTINGS_INVALID"
    );
    assert_eq!(
        err(update(&mut h, empty(), removal("hint"), None)),
        "NEW_SETTINGS_INVALID"
    );
    assert_eq!(
        err(update(&mut h, empty(), removal(""), None)),
        "NEW_SETTINGS_EMPTY"
    );
    assert_eq!(
        err(update(&mut h, empty(), None, None)),
        "NEW_SETTINGS_EMPTY"
    );
    assert_eq!(
        err(update(
            &mut h,
            empty(),
            Some(fake(&good)),
            Some("not an email")
        )),
        "EMAIL_INVALID"
    );
    assert!(
        !h.sim.account(PHONE).expect("account").has_password,
        "nothing changed"
    );
    // The same settings, well-formed, are taken.
    assert_eq!(update(&mut h, empty(), Some(fake(&good)), None), Ok(true));
    assert!(h.sim.account(PHONE).expect("account").has_password);
}

#[test]
fn recovery_email_is_confirmed_by_code() {
    let mut h = H::new();
    let id = logged_in(
        &mut h,
        AccountConfig::new(PHONE, DcId(4)).with_password("pw"),
        Some("pw"),
    );
    let p = get_password(&mut h, 1);
    let e = rpc_err(update(
        &mut h,
        proof(&p, Some("pw")),
        None,
        Some("ada@example.com"),
    ));
    assert_eq!((e.code, e.name.as_str()), (400, "EMAIL_UNCONFIRMED_5"));
    assert_eq!(h.sim.last_email_code("ada@example.com"), Some("33333"));
    assert_eq!(
        h.sim.unconfirmed_recovery_email(id),
        Some("ada@example.com")
    );
    assert_eq!(h.sim.account(PHONE).expect("account").recovery_email, None);
    let p = get_password(&mut h, 1);
    assert_eq!(
        p.email_unconfirmed_pattern.as_deref(),
        Some("a***@example.com")
    );
    assert!(!p.has_recovery);
    let confirm = |code: &str| functions::account::ConfirmPasswordEmail { code: code.into() };
    assert_eq!(err(h.call(4, 1, &confirm("00000"))), "CODE_INVALID");
    assert_eq!(
        h.call(4, 1, &functions::account::ResendPasswordEmail {}),
        Ok(true)
    );
    assert_eq!(h.call(4, 1, &confirm("33333")), Ok(true));
    let info = h.sim.account(PHONE).expect("account");
    assert_eq!(info.recovery_email.as_deref(), Some("ada@example.com"));
    assert!(get_password(&mut h, 1).has_recovery);
    // Nothing waits any more.
    assert_eq!(err(h.call(4, 1, &confirm("33333"))), "EMAIL_HASH_EXPIRED");
    assert_eq!(
        err(h.call(4, 1, &functions::account::CancelPasswordEmail {})),
        "EMAIL_HASH_EXPIRED"
    );
    // Another address, cancelled: the confirmed one stays.
    let p = get_password(&mut h, 1);
    let e = rpc_err(update(
        &mut h,
        proof(&p, Some("pw")),
        None,
        Some("bob@example.com"),
    ));
    assert_eq!(e.name, "EMAIL_UNCONFIRMED_5");
    assert_eq!(
        h.call(4, 1, &functions::account::CancelPasswordEmail {}),
        Ok(true)
    );
    assert_eq!(h.sim.unconfirmed_recovery_email(id), None);
    let info = h.sim.account(PHONE).expect("account");
    assert_eq!(info.recovery_email.as_deref(), Some("ada@example.com"));
}

#[test]
fn password_reset_waits_and_can_be_declined() {
    let mut h = H::new();
    logged_in(
        &mut h,
        AccountConfig::new(PHONE, DcId(4)).with_password("pw"),
        Some("pw"),
    );
    h.sim
        .set_password_reset_waits(Duration::from_secs(100), Duration::from_secs(50));
    let reset = |h: &mut H| h.call(4, 1, &functions::account::ResetPassword {});
    let requested = |until_date| {
        Ok(enums::account::ResetPasswordResult::from(
            types::account::ResetPasswordRequestedWait { until_date },
        ))
    };
    let unix = |h: &H, secs: u64| {
        i32::try_from(h.sim.unix_time(h.now + Duration::from_secs(secs))).expect("fits")
    };
    let until = unix(&h, 100);
    assert_eq!(reset(&mut h), requested(until));
    assert_eq!(get_password(&mut h, 1).pending_reset_date, Some(until));
    h.advance(Duration::from_secs(10));
    assert_eq!(reset(&mut h), requested(until), "the same date until then");
    let decline = functions::account::DeclinePasswordReset {};
    assert_eq!(h.call(4, 1, &decline), Ok(true));
    assert_eq!(err(h.call(4, 1, &decline)), "RESET_REQUEST_MISSING");
    assert_eq!(get_password(&mut h, 1).pending_reset_date, None);
    let retry_date = unix(&h, 50);
    assert_eq!(
        reset(&mut h),
        Ok(types::account::ResetPasswordFailedWait { retry_date }.into())
    );
    h.advance(Duration::from_secs(50));
    let until = unix(&h, 100);
    assert_eq!(reset(&mut h), requested(until));
    h.advance(Duration::from_secs(100));
    assert_eq!(reset(&mut h), Ok(types::account::ResetPasswordOk {}.into()));
    assert!(!h.sim.account(PHONE).expect("account").has_password);
    assert_eq!(err(reset(&mut h)), "PASSWORD_EMPTY");
}

#[test]
fn login_email_change_after_login() {
    let mut h = H::new();
    let change = || enums::EmailVerifyPurpose::from(types::EmailVerifyPurposeLoginChange {});
    let send = |h: &mut H, key: u64, email: &str| {
        h.call(
            4,
            key,
            &functions::account::SendVerifyEmailCode {
                purpose: change(),
                email: email.into(),
            },
        )
    };
    let verify = |h: &mut H, v: enums::EmailVerification| {
        h.call(
            4,
            1,
            &functions::account::VerifyEmail {
                purpose: change(),
                verification: v,
            },
        )
    };
    let code =
        |c: &str| enums::EmailVerification::from(types::EmailVerificationCode { code: c.into() });
    // Not logged in: refused.
    let e = rpc_err(send(&mut h, 9, "new@example.com"));
    assert_eq!((e.code, e.name.as_str()), (401, "AUTH_KEY_UNREGISTERED"));

    let account = AccountConfig::new(PHONE, DcId(4))
        .with_login_email("old@example.com")
        .with_google_signin("g-token", "g@example.com");
    h.sim.add_account(account).expect("add");
    // The login code goes to the login email.
    let sent = h.sent(4, 1, PHONE);
    let mailed = h
        .sim
        .last_email_code("old@example.com")
        .expect("mailed")
        .to_owned();
    authorization(h.call(
        4,
        1,
        &functions::auth::SignIn {
            phone_number: PHONE.into(),
            phone_code_hash: sent.phone_code_hash.clone(),
            phone_code: None,
            email_verification: Some(code(&mailed)),
        },
    ));
    assert!(matches!(
        h.sim.key_status(DcId(4), 1),
        KeyStatus::Authorized { .. }
    ));

    assert_eq!(err(send(&mut h, 1, "not an email")), "EMAIL_INVALID");
    assert_eq!(err(send(&mut h, 1, "old@example.com")), "EMAIL_NOT_ALLOWED");
    assert_eq!(err(verify(&mut h, code("33333"))), "EMAIL_VERIFY_EXPIRED");
    assert_eq!(
        send(&mut h, 1, "new@example.com"),
        Ok(types::account::SentEmailCode {
            email_pattern: "n***@example.com".into(),
            length: 5
        }
        .into())
    );
    assert_eq!(h.sim.last_email_code("new@example.com"), Some("33333"));
    assert_eq!(err(verify(&mut h, code("00000"))), "CODE_INVALID");
    assert_eq!(
        verify(&mut h, code("33333")),
        Ok(types::account::EmailVerified {
            email: "new@example.com".into()
        }
        .into())
    );
    let info = h.sim.account(PHONE).expect("account");
    assert_eq!(info.login_email.as_deref(), Some("new@example.com"));
    // A configured Google token verifies its address; another token does not.
    let google = |t: &str| {
        enums::EmailVerification::from(types::EmailVerificationGoogle { token: t.into() })
    };
    assert_eq!(err(verify(&mut h, google("other"))), "CODE_INVALID");
    assert_eq!(
        verify(&mut h, google("g-token")),
        Ok(types::account::EmailVerified {
            email: "g@example.com".into()
        }
        .into())
    );

    // An account without a login email has none to change.
    h.sim
        .add_account(AccountConfig::new("9996631235", DcId(4)))
        .expect("add");
    h.login(4, 2, "9996631235");
    assert_eq!(err(send(&mut h, 2, "x@example.com")), "EMAIL_NOT_SETUP");
}
