//! Transcript tests of the Firebase phone-number login of layer 230
//! (`auth.initFirebasePnvLogin` → Google's verification → `auth.finishFirebasePnvLogin`), which
//! the simulator does not serve.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod support;

use auth_core::{
    Error, Phase, UsageError,
    login::{Config, FirebaseIntent, Login, LoginEvent},
    tl::{enums, functions, types},
};
use support::*;

fn at_layer(layer: i32) -> Config {
    let mut config = Config::new(12345, "api-hash");
    config.session.layer = layer;
    config
}

/// A Firebase login at layer 230, past `auth.initFirebasePnvLogin`.
fn to_intent() -> Driven<Login> {
    let mut s = Driven::new(|now| {
        Login::with_firebase(at_layer(230), &[7, 8], &mut rng(2), now).expect("layer 230")
    });
    let (t, call) = s.expect::<functions::auth::InitFirebasePnvLogin>();
    assert_eq!((call.api_id, call.api_hash.as_str()), (12345, "api-hash"));
    assert_eq!(call.except_ids.as_deref(), Some(&[7, 8][..]));
    assert_eq!(t.dc, dc(2));
    s.reply(
        t.id,
        &enums::auth::FirebasePnvIntent::from(types::auth::FirebasePnvIntent {
            nonce: "nonce-1".into(),
            digital_credential_payload: "{\"request\":1}".into(),
        }),
    );
    let intent = FirebaseIntent {
        nonce: "nonce-1".to_owned().into(),
        digital_credential_payload: "{\"request\":1}".into(),
    };
    assert_eq!(s.one_event(), LoginEvent::FirebaseIntent(intent.clone()));
    assert_eq!(s.machine.phase(), Phase::AwaitingFirebaseToken);
    assert_eq!(s.machine.firebase_intent(), Some(&intent));
    s
}

#[test]
fn f01_the_verification_token_logs_in() {
    let mut s = to_intent();
    assert_eq!(
        s.machine.submit_firebase_token(s.now, "  "),
        Err(UsageError::InvalidConfig("the Firebase token is empty"))
    );
    s.no_transmit();
    s.machine
        .submit_firebase_token(s.now, " google-token ")
        .unwrap();
    let (t, call) = s.expect::<functions::auth::FinishFirebasePnvLogin>();
    assert_eq!(call.google_token, "google-token");
    s.reply(t.id, &authorization(41));
    match s.one_event() {
        LoginEvent::Done(auth) => {
            assert_eq!(auth.user_id, 41);
            assert_eq!(auth.layer.get(), 230);
        }
        event => panic!("{event:?}"),
    }
}

#[test]
fn f02_a_new_number_signs_up_with_the_firebase_method() {
    let mut s = to_intent();
    s.machine
        .submit_firebase_token(s.now, "google-token")
        .unwrap();
    let (t, _) = s.expect::<functions::auth::FinishFirebasePnvLogin>();
    s.reply(
        t.id,
        &enums::auth::Authorization::from(types::auth::AuthorizationSignUpRequired {
            terms_of_service: None,
        }),
    );
    assert!(matches!(
        s.one_event(),
        LoginEvent::SignUpRequired { terms: None }
    ));
    s.machine.sign_up(s.now, "Ada", "Lovelace").unwrap();
    let (t, call) = s.expect::<functions::auth::FirebasePnvSignUp>();
    assert_eq!(
        (call.first_name.as_str(), call.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    s.reply(t.id, &authorization(42));
    assert!(matches!(s.one_event(), LoginEvent::Done(a) if a.user_id == 42));
}

#[test]
fn f03_a_2fa_account_continues_into_the_password_step() {
    let mut server = PasswordServer::new(b"pw");
    let mut s = to_intent();
    s.machine
        .submit_firebase_token(s.now, "google-token")
        .unwrap();
    let (t, _) = s.expect::<functions::auth::FinishFirebasePnvLogin>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    assert!(matches!(s.one_event(), LoginEvent::PasswordRequired(_)));
    s.machine.submit_password(s.now, b"pw").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call));
    s.reply(t.id, &authorization(43));
    assert!(matches!(s.one_event(), LoginEvent::Done(a) if a.user_id == 43));
}

#[test]
fn f04_refusals_and_cancel() {
    // A refused token ends the login with the server's error.
    let mut s = to_intent();
    s.machine.submit_firebase_token(s.now, "bad").unwrap();
    let (t, _) = s.expect::<functions::auth::FinishFirebasePnvLogin>();
    s.reply_error(t.id, 400, "TOKEN_INVALID");
    match s.one_event() {
        LoginEvent::Failed(Error::Rpc { method, error }) => {
            assert_eq!(
                (method, error.name.as_str()),
                ("auth.finishFirebasePnvLogin", "TOKEN_INVALID")
            );
        }
        event => panic!("{event:?}"),
    }
    // No code was sent: cancel ends it at once, with nothing to send.
    let mut s = to_intent();
    s.machine.cancel(s.now);
    s.no_transmit();
    assert_eq!(s.one_event(), LoginEvent::Cancelled);
    // Commands of the phone login do not fit.
    let mut s = to_intent();
    assert!(matches!(
        s.machine.submit_code(s.now, "12345"),
        Err(UsageError::WrongPhase { .. })
    ));
}

#[test]
fn f05_before_layer_230_the_method_does_not_exist() {
    for layer in [220, 228] {
        let refused =
            Login::with_firebase(at_layer(layer), &[], &mut rng(1), std::time::Instant::now());
        assert_eq!(
            refused.err(),
            Some(UsageError::MethodUnavailable {
                method: "auth.initFirebasePnvLogin",
                layer
            })
        );
    }
}
