//! Codes that wait for something before they are sent: a Firebase SMS waits for the app's
//! device-integrity proof (`auth.requestFirebaseSms`, or the failure's reason to
//! `auth.resendCode`), a paid login for the app's payment (`auth.checkPaidAuth`).
mod support;

use std::time::Duration;

use auth_core::{
    Error, IntegrityProof, Phase, UsageError,
    login::{CodeKind, IosPush, LoginEvent, NextCodeKind, PlayIntegrity},
    tl::{enums, functions, types},
};
use support::*;

/// A login past `auth.sendCode`, offered a Firebase SMS (Android and iOS fields), with an SMS
/// as the next method.
fn offered_firebase_sms() -> Script {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(
        t.id,
        &sent_code(
            types::auth::SentCodeTypeFirebaseSms {
                nonce: Some(vec![1, 2, 3]),
                play_integrity: Some(types::auth::FirebasePlayIntegrity {
                    play_integrity_project_id: 77,
                    play_integrity_nonce: vec![4, 5],
                }),
                ios_push: Some(types::auth::FirebaseIosPush {
                    receipt: "receipt-1".into(),
                    push_timeout: 15,
                }),
                length: 6,
            }
            .into(),
            Some(types::auth::CodeTypeSms {}.into()),
            Some(60),
        ),
    );
    s
}

#[test]
fn a_firebase_sms_surfaces_its_fields_and_asks_for_no_code_yet() {
    let mut s = offered_firebase_sms();
    let kind = CodeKind::FirebaseSms {
        length: 6,
        nonce: Some(vec![1, 2, 3]),
        play_integrity: Some(PlayIntegrity {
            project_id: 77,
            nonce: vec![4, 5],
        }),
        ios_push: Some(IosPush {
            receipt: "receipt-1".into(),
            push_timeout: Duration::from_secs(15),
        }),
    };
    match s.one_event() {
        LoginEvent::IntegrityCheckRequired(sent) => {
            assert_eq!(sent.kind, kind);
            assert_eq!(sent.next, Some(NextCodeKind::Sms));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.login.phase(), Phase::AwaitingIntegrityCheck);
    assert_eq!(s.login.sent_code().map(|c| &c.kind), Some(&kind));
    // No code was sent: none can be typed.
    assert!(matches!(
        s.login.submit_code(s.now, "222222"),
        Err(UsageError::WrongPhase {
            phase: Phase::AwaitingIntegrityCheck,
            ..
        })
    ));
    s.no_transmit();
}

#[test]
fn an_accepted_integrity_proof_sends_the_sms_then_the_code_signs_in() {
    for (proof, field) in [
        (IntegrityProof::play_integrity("play-jws"), 0),
        (IntegrityProof::safety_net("safety-jws"), 1),
        (IntegrityProof::ios_push_secret("push-secret"), 2),
    ] {
        let mut s = offered_firebase_sms();
        s.events();
        s.login.submit_integrity_proof(s.now, proof).unwrap();
        let (t, call) = s.expect::<functions::auth::RequestFirebaseSms>();
        assert_eq!(
            (call.phone_number.as_str(), call.phone_code_hash.as_str()),
            (PHONE_DIGITS, HASH)
        );
        let sent = [
            call.play_integrity_token.as_deref(),
            call.safety_net_token.as_deref(),
            call.ios_push_secret.as_deref(),
        ];
        let expected = ["play-jws", "safety-jws", "push-secret"];
        for (i, token) in sent.iter().enumerate() {
            assert_eq!(*token, (i == field).then_some(expected[i]), "{field}");
        }
        s.reply(t.id, &true);
        assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
        assert_eq!(s.login.phase(), Phase::AwaitingCode);
        s.login.submit_code(s.now, "222222").unwrap();
        let (_, sign_in) = s.expect::<functions::auth::SignIn>();
        assert_eq!(sign_in.phone_code.as_deref(), Some("222222"));
    }
}

#[test]
fn a_refused_integrity_proof_moves_to_the_next_delivery_method() {
    let mut s = offered_firebase_sms();
    s.events();
    s.login
        .submit_integrity_proof(s.now, IntegrityProof::play_integrity("bad"))
        .unwrap();
    let (t, _) = s.expect::<functions::auth::RequestFirebaseSms>();
    s.reply(t.id, &false);
    let (t, resend) = s.expect::<functions::auth::ResendCode>();
    assert_eq!(resend.phone_code_hash, HASH);
    assert_eq!(resend.reason, None);
    s.reply(t.id, &sent_code(sms(5), None, None));
    match s.one_event() {
        LoginEvent::CodeSent(sent) => assert_eq!(sent.kind, CodeKind::Sms { length: 5 }),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.login.phase(), Phase::AwaitingCode);
}

#[test]
fn an_integrity_failure_goes_to_resend_code_as_its_reason() {
    let mut s = offered_firebase_sms();
    s.events();
    s.login
        .report_integrity_failure(s.now, "PLAY_INTEGRITY_UNAVAILABLE")
        .unwrap();
    let (t, resend) = s.expect::<functions::auth::ResendCode>();
    assert_eq!(resend.reason.as_deref(), Some("PLAY_INTEGRITY_UNAVAILABLE"));
    assert_eq!(resend.phone_code_hash, HASH);
    // With nothing left to send by, no code stands: the login fails instead of asking.
    s.reply_error(t.id, 406, "SEND_CODE_UNAVAILABLE");
    match s.one_event() {
        LoginEvent::Failed(Error::Rpc { method, error }) => {
            assert_eq!(method, "auth.resendCode");
            assert_eq!(error.name, "SEND_CODE_UNAVAILABLE");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_the_proofs_that_were_asked_for_are_taken() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    // Android SafetyNet only.
    s.reply(
        t.id,
        &sent_code(
            types::auth::SentCodeTypeFirebaseSms {
                nonce: Some(vec![9]),
                length: 6,
                ..Default::default()
            }
            .into(),
            None,
            None,
        ),
    );
    s.events();
    for proof in [
        IntegrityProof::play_integrity("x"),
        IntegrityProof::ios_push_secret("x"),
        IntegrityProof::safety_net("  "),
    ] {
        assert_eq!(
            s.login.submit_integrity_proof(s.now, proof),
            Err(UsageError::IntegrityProofNotAsked)
        );
    }
    s.no_transmit();
    assert!(
        !format!("{:?}", IntegrityProof::safety_net("jws-secret")).contains("jws-secret"),
        "proofs are redacted"
    );
    s.login
        .submit_integrity_proof(s.now, IntegrityProof::safety_net("jws"))
        .unwrap();
    let _ = s.expect::<functions::auth::RequestFirebaseSms>();
}

fn payment_required() -> enums::auth::SentCode {
    types::auth::SentCodePaymentRequired {
        store_product: "premium.1m".into(),
        phone_code_hash: "paid-hash".into(),
        support_email_address: "sms@telegram.org".into(),
        support_email_subject: "#enableSMS".into(),
        premium_days: 30,
        currency: "EUR".into(),
        amount: 499,
    }
    .into()
}

#[test]
fn paid_auth_keeps_the_code_hash_and_continues_with_check_paid_auth() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(t.id, &payment_required());
    let payment = match s.one_event() {
        LoginEvent::PaymentRequired(p) => p,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        (
            payment.phone_number.as_str(),
            payment.phone_code_hash.as_str(),
            payment.premium_days,
            payment.amount,
            payment.currency.as_str()
        ),
        (PHONE_DIGITS, "paid-hash", Some(30), 499, "EUR")
    );
    assert!(!format!("{payment:?}").contains("paid-hash"), "{payment:?}");
    assert_eq!(s.login.phase(), Phase::AwaitingPayment);
    assert_eq!(s.login.payment_required(), Some(&payment));
    // The app paid with payment form 555.
    s.login.check_paid_auth(s.now, 555).unwrap();
    let (t, check) = s.expect::<functions::auth::CheckPaidAuth>();
    assert_eq!(
        (
            check.phone_number.as_str(),
            check.phone_code_hash.as_str(),
            check.form_id
        ),
        (PHONE_DIGITS, "paid-hash", 555)
    );
    s.reply(t.id, &sent_code(sms(5), None, None));
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
    assert_eq!(s.login.payment_required(), None);
    s.login.submit_code(s.now, "22222").unwrap();
    let (_, sign_in) = s.expect::<functions::auth::SignIn>();
    assert_eq!(sign_in.phone_code_hash, HASH);
}

#[test]
fn paid_auth_declined_or_cancelled_ends_the_login() {
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(t.id, &payment_required());
    s.events();
    s.login.decline_payment(s.now).unwrap();
    match s.one_event() {
        LoginEvent::Failed(Error::PaymentRequired(p)) => assert_eq!(p.amount, 499),
        other => panic!("{other:?}"),
    }
    s.no_transmit();

    // Cancelling invalidates the payment's code hash.
    let mut s = Script::new();
    let (t, _) = s.expect::<functions::auth::SendCode>();
    s.reply(t.id, &payment_required());
    s.events();
    s.login.cancel(s.now);
    let (t, cancel) = s.expect::<functions::auth::CancelCode>();
    assert_eq!(cancel.phone_code_hash, "paid-hash");
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
}

#[test]
fn values_tl_cannot_encode_are_refused_before_anything_is_sent() {
    let huge = "x".repeat(auth_core::tl::MAX_BYTES_LEN + 1);
    let too_long = UsageError::Unencodable(auth_core::tl::EncodeError::BytesTooLong(1 << 24));
    let mut s = offered_firebase_sms();
    s.events();
    assert_eq!(
        s.login
            .submit_integrity_proof(s.now, IntegrityProof::play_integrity(huge.clone())),
        Err(too_long.clone())
    );
    assert_eq!(
        s.login.report_integrity_failure(s.now, &huge),
        Err(too_long.clone())
    );
    s.no_transmit();
    assert_eq!(s.login.phase(), Phase::AwaitingIntegrityCheck);
    // A call built by hand is checked too.
    let session = auth_core::SessionConfig::new(dc(2));
    let call = functions::auth::ImportBotAuthorization {
        flags: 0,
        api_id: 1,
        api_hash: "h".into(),
        bot_auth_token: format!("1:{huge}").into(),
    };
    assert!(matches!(
        auth_core::Call::new(&session, call, s.now),
        Err(UsageError::Unencodable(_))
    ));
    let mut config = auth_core::login::Config::new(1, "h");
    config.api_hash = huge;
    assert!(matches!(
        auth_core::Login::new(config, PHONE, &mut rng(1), s.now),
        Err(UsageError::Unencodable(_))
    ));
}
