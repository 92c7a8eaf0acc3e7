//! No `Debug` output prints wire bytes, keys or secrets (issue 14, item 10): the app's
//! `api_hash`, the calls handed out, replies kept as received, passkey assertions, tokens.

use std::time::Instant;

use auth_core::login::{Config, Login};
use auth_core::tl::{self, RawObject, RawUser, Serialize, enums, functions, types};
use auth_core::{Error, IntegrityProof, PaymentRequired, entropy::Entropy};

/// The Debug output of `value`, checked not to contain any of `secrets`.
#[track_caller]
fn shows_none_of(value: &impl std::fmt::Debug, secrets: &[&str]) -> String {
    let shown = format!("{value:?}");
    for secret in secrets {
        assert!(!shown.contains(secret), "{secret:?} printed in {shown}");
    }
    shown
}

#[test]
fn the_login_config_redacts_the_api_hash() {
    let config = Config::new(12345, "f00dfeedcafe");
    let shown = shows_none_of(&config, &["f00dfeedcafe"]);
    assert!(shown.contains("12345"), "{shown}");
}

#[test]
fn calls_show_their_method_and_length_only() {
    #[allow(clippy::disallowed_methods)] // the test's clock
    let now = Instant::now();
    let mut login = Login::new(
        Config::new(1, "f00dfeedcafe"),
        "+999 66 2 1234",
        &mut Entropy::deterministic([1; 32]),
        now,
    )
    .expect("a valid login");
    let t = login.poll_transmit().expect("auth.sendCode");
    // The body holds the phone number and the api_hash; as bytes, "57, 57, 57" would be "999".
    let shown = shows_none_of(&t, &["f00dfeedcafe", "9996621234", "57, 57"]);
    assert!(
        shown.contains("auth.sendCode") && shown.contains(&format!("len: {}", t.body.len())),
        "{shown}"
    );
}

#[test]
fn reply_buffers_show_lengths_only() {
    let reply = enums::auth::Authorization::from(types::auth::Authorization {
        future_auth_token: Some(vec![0xc4; 32].into()),
        user: enums::User::from(types::User {
            id: 7,
            first_name: Some("Ada".into()),
            ..Default::default()
        })
        .into(),
        ..Default::default()
    })
    .to_bytes();
    // A reply kept because it may have authorized the key.
    let error = tl::decode_at::<enums::auth::Authorization>(
        tl::Layer::new(220).expect("supported"),
        &reply,
    )
    .expect_err("layer 228's user is no user at 220");
    let kept = Error::MaybeAuthorized {
        method: "auth.signIn",
        layer: 220,
        constructor: None,
        error,
        reply: reply_bytes(&reply),
    };
    let shown = shows_none_of(&kept, &["196, 196", "65, 100, 97"]);
    assert!(shown.contains(&format!("{} bytes", reply.len())), "{shown}");
    // Raw objects and users.
    let raw = RawObject(vec![0xc4; 12]);
    shows_none_of(&raw, &["196"]);
    let user = RawUser::from(enums::User::from(types::User {
        id: 7,
        first_name: Some("Ada".into()),
        phone: Some("9996621234".into()),
        ..Default::default()
    }));
    shows_none_of(&user, &["Ada", "9996621234", "65, 100"]);
}

/// The `ReplyBytes` of a `MaybeAuthorized`, by making a machine keep one.
fn reply_bytes(reply: &[u8]) -> auth_core::ReplyBytes {
    #[allow(clippy::disallowed_methods)] // the test's clock
    let now = Instant::now();
    let mut config = Config::new(1, "h");
    config.session.layer = 220;
    let mut login = Login::new(
        config,
        "9996621234",
        &mut Entropy::deterministic([2; 32]),
        now,
    )
    .expect("a valid login");
    let t = login.poll_transmit().expect("auth.sendCode");
    let sent = enums::auth::SentCode::from(types::auth::SentCode {
        r#type: types::auth::SentCodeTypeSms { length: 5 }.into(),
        phone_code_hash: "h".into(),
        next_type: None,
        timeout: None,
    });
    login.handle_response(now, t.id, &sent.to_bytes()).unwrap();
    login.submit_code(now, "22222").unwrap();
    let t = login
        .poll_transmit()
        .into_iter()
        .find(|t| tl::decode::<functions::auth::SignIn>(&t.body).is_ok())
        .expect("auth.signIn");
    login.handle_response(now, t.id, reply).unwrap();
    std::iter::from_fn(|| login.poll_event())
        .find_map(|e| match e {
            auth_core::LoginEvent::Failed(Error::MaybeAuthorized { reply, .. }) => Some(reply),
            _ => None,
        })
        .expect("the reply is kept")
}

#[test]
fn passkey_assertions_are_redacted() {
    let response = types::InputPasskeyResponseLogin {
        client_data: types::DataJSON {
            data: r#"{"challenge":"c2VjcmV0LWNoYWxsZW5nZQ"}"#.into(),
        }
        .into(),
        authenticator_data: vec![201; 37].into(),
        signature: vec![202; 70].into(),
        user_handle: "user-handle-42".into(),
    };
    shows_none_of(
        &response,
        &["c2VjcmV0", "201, 201", "202, 202", "user-handle-42"],
    );
    let register = types::InputPasskeyResponseRegister {
        client_data: types::DataJSON {
            data: r#"{"challenge":"c2VjcmV0"}"#.into(),
        }
        .into(),
        attestation_data: vec![203; 40].into(),
    };
    shows_none_of(&register, &["c2VjcmV0", "203, 203"]);
    let options = types::auth::PasskeyLoginOptions {
        options: types::DataJSON {
            data: r#"{"challenge":"c2VjcmV0"}"#.into(),
        }
        .into(),
    };
    shows_none_of(&options, &["c2VjcmV0"]);
}

#[test]
fn tokens_proofs_and_payment_hashes_are_redacted() {
    shows_none_of(
        &IntegrityProof::play_integrity("jws-token-1"),
        &["jws-token-1"],
    );
    let payment = PaymentRequired {
        phone_number: "9996621234".into(),
        phone_code_hash: "hash-that-buys".to_owned().into(),
        store_product: "premium".into(),
        support_email_address: "sms@telegram.org".into(),
        support_email_subject: "#enableSMS".into(),
        premium_days: Some(30),
        currency: "EUR".into(),
        amount: 499,
    };
    shows_none_of(&payment, &["hash-that-buys"]);
    let exported = types::auth::ExportedAuthorization {
        id: 1,
        bytes: vec![205; 32].into(),
    };
    shows_none_of(&exported, &["205"]);
}
