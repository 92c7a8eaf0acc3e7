//! Code delivery, resending, cancelling, expiry and wrong codes.

use std::time::Duration;

use auth_core::DcId;
use auth_core::tl::{enums, functions, types};
use auth_sim::{AccountConfig, CodeDelivery, Delivery, SimConfig};

use crate::common::*;

/// `codeSettings` of a device that can take flash and missed calls.
fn calls_allowed() -> types::CodeSettings {
    types::CodeSettings {
        allow_flashcall: true,
        allow_missed_call: true,
        ..Default::default()
    }
}

fn resend(
    h: &mut H,
    dc: i32,
    key: u64,
    phone: &str,
    hash: &str,
) -> Result<enums::auth::SentCode, auth_core::RpcError> {
    h.call(
        dc,
        key,
        &functions::auth::ResendCode {
            phone_number: phone.into(),
            phone_code_hash: hash.into(),
            reason: None,
        },
    )
}

#[test]
fn delivery_chain_and_resend() {
    let mut h = H::new();
    h.sim
        .add_account(
            AccountConfig::new("9996621000", DcId(2)).with_delivery(vec![
                CodeDelivery::App,
                CodeDelivery::Sms,
                CodeDelivery::Call,
            ]),
        )
        .expect("add");
    let first = h.sent(2, 1, "9996621000");
    assert!(matches!(first.r#type, enums::auth::SentCodeType::App(ref t) if t.length == 5));
    assert!(matches!(
        first.next_type,
        Some(enums::auth::CodeType::Sms(_))
    ));
    assert_eq!(first.timeout, Some(60));
    let second = sent_code(resend(&mut h, 2, 1, "9996621000", &first.phone_code_hash));
    assert_eq!(second.phone_code_hash, first.phone_code_hash);
    assert!(matches!(second.r#type, enums::auth::SentCodeType::Sms(_)));
    assert!(matches!(
        second.next_type,
        Some(enums::auth::CodeType::Call(_))
    ));
    let third = sent_code(resend(&mut h, 2, 1, "9996621000", &first.phone_code_hash));
    assert!(matches!(third.r#type, enums::auth::SentCodeType::Call(_)));
    assert_eq!((third.next_type, third.timeout), (None, None));
    let e = rpc_err(resend(&mut h, 2, 1, "9996621000", &first.phone_code_hash));
    assert_eq!((e.code, e.name.as_str()), (406, "SEND_CODE_UNAVAILABLE"));
    let kinds: Vec<_> = h
        .sim
        .take_deliveries()
        .into_iter()
        .map(|d| match d {
            Delivery::App { .. } => "app",
            Delivery::Sms { .. } => "sms",
            Delivery::Call { .. } => "call",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["app", "sms", "call"]);
    // The code still works after the resends.
    authorization(h.sign_in(2, 1, "9996621000", &first.phone_code_hash, "22222"));
}

#[test]
fn flash_call_code_is_calling_number() {
    let mut h = H::new();
    h.sim
        .add_account(AccountConfig::new("15551234", DcId(1)).with_delivery(vec![
            CodeDelivery::FlashCall {
                prefix: "+99999".into(),
            },
        ]))
        .expect("add");
    let sent = sent_code(h.send_code_with(1, 1, "15551234", calls_allowed()));
    let enums::auth::SentCodeType::FlashCall(flash) = &sent.r#type else {
        panic!("expected a flash call: {:?}", sent.r#type);
    };
    // As Telegram sends them: the known beginning and one star, not a star per digit.
    assert_eq!(flash.pattern, "+99999*");
    let deliveries = h.sim.take_deliveries();
    let [Delivery::FlashCall { code, .. }] = deliveries.as_slice() else {
        panic!("one flash call");
    };
    let code = code.clone();
    assert!(code.starts_with("99999") && code.len() == 10);
    assert_eq!(
        err(h.sign_in(1, 1, "15551234", &sent.phone_code_hash, &code[5..])),
        "PHONE_CODE_INVALID",
        "the bare digits are not the calling number"
    );
    authorization(h.sign_in(1, 1, "15551234", &sent.phone_code_hash, &code));
    // Without a known beginning the pattern is a bare star.
    h.sim
        .add_account(
            AccountConfig::new("15551235", DcId(1))
                .with_delivery(vec![CodeDelivery::FlashCall { prefix: "".into() }]),
        )
        .expect("add");
    let sent = sent_code(h.send_code_with(1, 2, "15551235", calls_allowed()));
    let enums::auth::SentCodeType::FlashCall(flash) = &sent.r#type else {
        panic!("expected a flash call: {:?}", sent.r#type);
    };
    assert_eq!(flash.pattern, "*");
}

#[test]
fn missed_call_code_is_last_digits() {
    let mut h = H::new();
    h.sim
        .add_account(
            AccountConfig::new("9996631000", DcId(3)).with_delivery(vec![
                CodeDelivery::Sms,
                CodeDelivery::MissedCall {
                    prefix: "+888 1".into(),
                },
            ]),
        )
        .expect("add");
    let sent = sent_code(h.send_code_with(3, 1, "9996631000", calls_allowed()));
    assert!(matches!(
        sent.next_type,
        Some(enums::auth::CodeType::MissedCall(_))
    ));
    let again = sent_code(resend(&mut h, 3, 1, "9996631000", &sent.phone_code_hash));
    let enums::auth::SentCodeType::MissedCall(missed) = &again.r#type else {
        panic!("expected a missed call");
    };
    assert_eq!((missed.prefix.as_str(), missed.length), ("+888 1", 5));
    let deliveries = h.sim.take_deliveries();
    let Some(Delivery::MissedCall { caller, code, .. }) = deliveries.last() else {
        panic!("a missed call was delivered");
    };
    assert_eq!((caller.as_str(), code.as_str()), ("888133333", "33333"));
    authorization(h.sign_in(3, 1, "9996631000", &sent.phone_code_hash, "33333"));
}

#[test]
fn code_settings_choose_the_deliveries() {
    let mut h = H::new();
    h.sim
        .add_account(
            AccountConfig::new("9996621001", DcId(2)).with_delivery(vec![
                CodeDelivery::FirebaseSms,
                CodeDelivery::FlashCall {
                    prefix: "+99999".into(),
                },
                CodeDelivery::MissedCall {
                    prefix: "+888".into(),
                },
                CodeDelivery::Sms,
            ]),
        )
        .expect("add");
    // A client that allows neither calls nor Firebase gets the SMS at once.
    let sent = h.sent(2, 1, "9996621001");
    assert!(
        matches!(sent.r#type, enums::auth::SentCodeType::Sms(_)),
        "{:?}",
        sent.r#type
    );
    assert_eq!(sent.next_type, None);
    // Missed calls only: the missed call, then the SMS.
    let sent = sent_code(h.send_code_with(
        2,
        2,
        "9996621001",
        types::CodeSettings {
            allow_missed_call: true,
            ..Default::default()
        },
    ));
    assert!(matches!(
        sent.r#type,
        enums::auth::SentCodeType::MissedCall(_)
    ));
    assert!(matches!(
        sent.next_type,
        Some(enums::auth::CodeType::Sms(_))
    ));
    // Flash calls only.
    let sent = sent_code(h.send_code_with(
        2,
        3,
        "9996621001",
        types::CodeSettings {
            allow_flashcall: true,
            ..Default::default()
        },
    ));
    assert!(matches!(
        sent.r#type,
        enums::auth::SentCodeType::FlashCall(_)
    ));
    // Firebase allowed: the Firebase SMS comes first.
    let sent = sent_code(h.send_code_with(
        2,
        4,
        "9996621001",
        types::CodeSettings {
            allow_firebase: true,
            allow_flashcall: true,
            ..Default::default()
        },
    ));
    assert!(matches!(
        sent.r#type,
        enums::auth::SentCodeType::FirebaseSms(_)
    ));
    assert!(matches!(
        sent.next_type,
        Some(enums::auth::CodeType::FlashCall(_))
    ));
}

#[test]
fn firebase_sms_needs_an_integrity_proof() {
    let mut h = H::new();
    h.sim
        .add_account(
            AccountConfig::new("9996621002", DcId(2))
                .with_delivery(vec![CodeDelivery::FirebaseSms, CodeDelivery::Sms]),
        )
        .expect("add");
    let android = types::CodeSettings {
        allow_firebase: true,
        ..Default::default()
    };
    let sent = sent_code(h.send_code_with(2, 1, "9996621002", android.clone()));
    let enums::auth::SentCodeType::FirebaseSms(offer) = &sent.r#type else {
        panic!("{:?}", sent.r#type);
    };
    let nonce = offer.nonce.clone().expect("a SafetyNet nonce");
    let play = offer
        .play_integrity
        .clone()
        .expect("a Play Integrity request");
    assert_eq!(offer.ios_push, None, "no app token: no push");
    assert!(h.sim.take_deliveries().is_empty(), "nothing sent yet");
    // The code cannot be used before the SMS was sent.
    assert_eq!(
        err(h.sign_in(2, 1, "9996621002", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_INVALID"
    );
    let request = |hash: &str, play: Option<String>, safety: Option<String>| {
        functions::auth::RequestFirebaseSms {
            phone_number: "9996621002".into(),
            phone_code_hash: hash.into(),
            safety_net_token: safety.map(Into::into),
            play_integrity_token: play.map(Into::into),
            ios_push_secret: None,
        }
    };
    // A token for another nonce is refused: false, nothing sent.
    let wrong = request(
        &sent.phone_code_hash,
        Some(auth_sim::integrity_token(&nonce)),
        None,
    );
    assert_eq!(h.call(2, 1, &wrong), Ok(false));
    assert!(h.sim.take_deliveries().is_empty());
    // The right Play Integrity token sends the SMS.
    let right = request(
        &sent.phone_code_hash,
        Some(auth_sim::integrity_token(&play.play_integrity_nonce)),
        None,
    );
    assert_eq!(h.call(2, 1, &right), Ok(true));
    assert!(matches!(
        h.sim.take_deliveries().as_slice(),
        [Delivery::Sms { code, .. }] if code == "22222"
    ));
    authorization(h.sign_in(2, 1, "9996621002", &sent.phone_code_hash, "22222"));

    // A failed check goes on with auth.resendCode, its reason given: the next method.
    let sent = sent_code(h.send_code_with(2, 2, "9996621002", android));
    let again = sent_code(h.call(
        2,
        2,
        &functions::auth::ResendCode {
            phone_number: "9996621002".into(),
            phone_code_hash: sent.phone_code_hash.clone(),
            reason: Some("PLAY_INTEGRITY_UNAVAILABLE".into()),
        },
    ));
    assert!(matches!(again.r#type, enums::auth::SentCodeType::Sms(_)));
    h.sim.take_deliveries();

    // iOS: the push carries the secret.
    let ios = types::CodeSettings {
        app_token: Some(types::CodeSettingsAppToken {
            token: "apns".into(),
            app_sandbox: true,
        }),
        ..Default::default()
    };
    let sent = sent_code(h.send_code_with(2, 3, "9996621002", ios));
    let enums::auth::SentCodeType::FirebaseSms(offer) = &sent.r#type else {
        panic!("{:?}", sent.r#type);
    };
    let push = offer.ios_push.clone().expect("a push to wait for");
    assert_eq!((offer.nonce.as_ref(), push.push_timeout), (None, 30));
    let deliveries = h.sim.take_deliveries();
    let [
        Delivery::FirebasePush {
            receipt, secret, ..
        },
    ] = deliveries.as_slice()
    else {
        panic!("{deliveries:?}");
    };
    assert_eq!(*receipt, push.receipt);
    let call = functions::auth::RequestFirebaseSms {
        phone_number: "9996621002".into(),
        phone_code_hash: sent.phone_code_hash.clone(),
        safety_net_token: None,
        play_integrity_token: None,
        ios_push_secret: Some(secret.clone().into()),
    };
    assert_eq!(h.call(2, 3, &call), Ok(true));
    assert_eq!(h.sim.last_code("9996621002"), Some("22222"));
}

#[test]
fn fragment_delivery_announces_url() {
    let mut h = H::new();
    h.sim
        .add_account(
            AccountConfig::new("8881234567", DcId(1)).with_delivery(vec![CodeDelivery::Fragment {
                url: "https://fragment.com/login".into(),
            }]),
        )
        .expect("add");
    let sent = h.sent(1, 1, "8881234567");
    let enums::auth::SentCodeType::FragmentSms(f) = &sent.r#type else {
        panic!("expected fragment");
    };
    assert_eq!(
        (f.url.as_str(), f.length),
        ("https://fragment.com/login", 5)
    );
    let code = h.sim.last_code("8881234567").expect("code").to_owned();
    authorization(h.sign_in(1, 1, "8881234567", &sent.phone_code_hash, &code));
}

#[test]
fn cancel_code_invalidates_hash() {
    let mut h = H::new();
    let sent = h.sent(2, 1, "9996622000");
    let cancel = functions::auth::CancelCode {
        phone_number: "9996622000".into(),
        phone_code_hash: sent.phone_code_hash.clone(),
    };
    assert_eq!(h.call(2, 1, &cancel), Ok(true));
    assert_eq!(err(h.call(2, 1, &cancel)), "PHONE_CODE_EXPIRED");
    assert_eq!(
        err(h.sign_in(2, 1, "9996622000", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED"
    );
}

#[test]
fn code_expires_after_ttl() {
    let mut h = H::with(SimConfig {
        code_ttl: Duration::from_secs(30),
        ..SimConfig::default()
    });
    let sent = h.sent(2, 1, "9996623000");
    h.advance(Duration::from_secs(29));
    // A wrong code inside the TTL is just wrong...
    assert_eq!(
        err(h.sign_in(2, 1, "9996623000", &sent.phone_code_hash, "00000")),
        "PHONE_CODE_INVALID"
    );
    h.advance(Duration::from_secs(1));
    // ...and after it even the right one is expired.
    assert_eq!(
        err(h.sign_in(2, 1, "9996623000", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED"
    );
}

#[test]
fn wrong_code_is_invalid_until_attempts_run_out() {
    let mut h = H::new();
    let sent = h.sent(2, 1, "9996624000");
    for _ in 0..5 {
        let e = rpc_err(h.sign_in(2, 1, "9996624000", &sent.phone_code_hash, "12345"));
        assert_eq!((e.code, e.name.as_str()), (400, "PHONE_CODE_INVALID"));
    }
    assert_eq!(
        err(h.sign_in(2, 1, "9996624000", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED",
        "five wrong codes invalidate the hash"
    );
    assert_eq!(h.sim.counters("9996624000").failed_code_attempts, 5);
}

#[test]
fn empty_code_and_hash() {
    let mut h = H::new();
    let sent = h.sent(2, 1, "9996625000");
    assert_eq!(
        err(h.sign_in(2, 1, "9996625000", &sent.phone_code_hash, "")),
        "PHONE_CODE_EMPTY"
    );
    let no_code = functions::auth::SignIn {
        phone_number: "9996625000".into(),
        phone_code_hash: sent.phone_code_hash.clone(),
        phone_code: None,
        email_verification: None,
    };
    assert_eq!(err(h.call(2, 1, &no_code)), "PHONE_CODE_EMPTY");
    assert_eq!(
        err(h.sign_in(2, 1, "9996625000", "", "22222")),
        "PHONE_CODE_HASH_EMPTY"
    );
    assert_eq!(
        err(h.sign_in(2, 1, "9996625000", "not-a-hash", "22222")),
        "PHONE_CODE_EXPIRED"
    );
}

#[test]
fn hash_is_bound_to_key_and_phone() {
    let mut h = H::new();
    let sent = h.sent(2, 1, "9996626000");
    let other = h.sent(2, 1, "9996626001");
    assert_eq!(
        err(h.sign_in(2, 2, "9996626000", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED",
        "another key"
    );
    assert_eq!(
        err(h.sign_in(2, 1, "9996626000", &other.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED",
        "another number's hash"
    );
    // A new sendCode for the same key and number replaces the hash.
    let newer = h.sent(2, 1, "9996626000");
    assert_ne!(newer.phone_code_hash, sent.phone_code_hash);
    assert_eq!(
        err(h.sign_in(2, 1, "9996626000", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED"
    );
    h.sign_in(2, 1, "9996626000", &newer.phone_code_hash, "22222")
        .expect("the newest hash works");
}

#[test]
fn sign_in_returns_user() {
    let mut h = H::new();
    let id = h
        .sim
        .add_account(AccountConfig::new("+999 66 2 7000", DcId(2)).with_name("Ada", "Lovelace"))
        .expect("add");
    let sent = h.sent(2, 1, "9996627000");
    let a = authorization(h.sign_in(2, 1, "9996627000", &sent.phone_code_hash, "22222"));
    let u = user(&a);
    assert!(u.is_self);
    assert_eq!(u.id, id);
    assert!(u.access_hash.is_some());
    assert_eq!(u.first_name.as_deref(), Some("Ada"));
    assert_eq!(u.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(u.phone.as_deref(), Some("9996627000"));
    assert_eq!(a.future_auth_token.as_ref().map(|t| t.len()), Some(32));
    assert!(!a.setup_password_required());
    assert_eq!(h.sim.authorized_user(DcId(2), 1), Some(id));
    // The code is used up.
    assert_eq!(
        err(h.sign_in(2, 1, "9996627000", &sent.phone_code_hash, "22222")),
        "PHONE_CODE_EXPIRED"
    );
}
