//! Sessions at any supported layer: replies decoded by the session's layer, the user handed
//! over as the bytes received, undecodable replies after authorizing calls flagged as "maybe
//! authorized", `updateLoginToken` found in containers, and unsupported layers refused.
//!
//! The replies that carry a user are written here byte by byte from the schema lines in
//! `schema/layers/*.tl`, not with this crate's encoder.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod support;

use auth_core::{
    AuthTransfer, BotEvent, BotLogin, Call, DcId, Error, LoginEmailChange, Logout, Machine,
    QrEvent, QrLogin, SUPPORTED_LAYERS, SessionConfig, UsageError,
    login::{Config, Login, LoginEvent},
    password::{PasswordRecovery, PasswordReset, PasswordSettings},
    tl::{self, DecodeError, Serialize, UnsupportedLayer, enums, functions, types},
};
use support::*;

/// `user#31774388` (layers 220–227) and `user#b1b8cc83` (228–230).
const USER_220: u32 = 0x3177_4388;
const USER_228: u32 = 0xb1b8_cc83;
/// `auth.authorization#2ea2c0d4`.
const AUTHORIZATION: u32 = 0x2ea2_c0d4;

/// A TL string: length byte, bytes, padding to 4.
fn tl_string(out: &mut Vec<u8>, s: &[u8]) {
    assert!(s.len() < 254);
    out.push(s.len() as u8);
    out.extend_from_slice(s);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

/// `user` with `self`, `access_hash`, `first_name` and (for a bot) `bot_info_version`, in
/// the layout of `constructor`: `flags flags2 id access_hash first_name [bot_info_version]`
/// is the same in both layouts as long as no flag of the newer fields is set.
fn user_bytes(constructor: u32, id: i64, bot: bool) -> Vec<u8> {
    let mut out = constructor.to_le_bytes().to_vec();
    let flags: u32 = 1 | 1 << 1 | 1 << 10 | if bot { 1 << 14 } else { 0 };
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // flags2
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&0x0102_0304_0506_0708i64.to_le_bytes());
    tl_string(&mut out, b"Ada");
    if bot {
        out.extend_from_slice(&7i32.to_le_bytes());
    }
    out
}

/// `auth.authorization flags:# future_auth_token:flags.2?bytes user:User` with `user`.
fn authorization_bytes(user: &[u8]) -> Vec<u8> {
    let mut out = AUTHORIZATION.to_le_bytes().to_vec();
    out.extend_from_slice(&(1u32 << 2).to_le_bytes());
    tl_string(&mut out, &[0xf0; 16]);
    out.extend_from_slice(user);
    out
}

fn user_constructor(layer: i32) -> u32 {
    if layer >= 228 { USER_228 } else { USER_220 }
}

fn at_layer(layer: i32) -> Config {
    let mut config = Config::new(12345, "api-hash");
    config.session.layer = layer;
    config
}

fn session(layer: i32) -> SessionConfig {
    SessionConfig {
        layer,
        ..SessionConfig::new(DcId(2))
    }
}

/// Sends the code and answers `auth.signIn` with `reply`; the events after it.
fn sign_in_with(layer: i32, reply: &[u8]) -> Vec<LoginEvent> {
    let mut s = Script::with_config(at_layer(layer));
    assert_eq!(s.login.layer().get(), layer);
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.login.handle_response(s.now, t.id, reply).unwrap();
    s.events()
}

#[test]
fn logins_at_every_layer_hand_over_the_user_bytes_as_received() {
    for layer in SUPPORTED_LAYERS {
        let user = user_bytes(user_constructor(layer), 4242, false);
        let events = sign_in_with(layer, &authorization_bytes(&user));
        let [LoginEvent::Done(auth)] = events.as_slice() else {
            panic!("layer {layer}: {events:?}");
        };
        assert_eq!(auth.layer.get(), layer);
        assert_eq!(auth.user.bytes(), user, "layer {layer}: byte-identical");
        assert_eq!((auth.user_id, auth.is_bot), (4242, false));
        assert_eq!(auth.user.constructor_id(), user_constructor(layer));
        assert_eq!(auth.future_auth_token.as_deref(), Some(&[0xf0; 16][..]));
        // The bytes decode with this crate's types too, in their own layout.
        let decoded = auth.user.decode().expect("a user");
        assert_eq!(decoded.id(), 4242);
        assert_eq!(
            matches!(decoded, enums::User::Layer220(_)),
            layer < 228,
            "layer {layer}"
        );
        assert_eq!(decoded.to_bytes(), user);
    }
}

#[test]
fn a_bot_user_in_the_older_layout_is_a_bot() {
    let user = user_bytes(USER_220, 77, true);
    let events = sign_in_with(227, &authorization_bytes(&user));
    let [LoginEvent::Done(auth)] = events.as_slice() else {
        panic!("{events:?}");
    };
    assert_eq!((auth.user_id, auth.is_bot), (77, true));
    assert_eq!(auth.user.bytes(), user);
}

/// The `user` of the other layout: what a session at the wrong layer would receive.
fn wrong_layout(layer: i32) -> (u32, Vec<u8>) {
    let other = if layer >= 228 { USER_220 } else { USER_228 };
    let reply = authorization_bytes(&user_bytes(other, 5, false));
    (other, reply)
}

fn assert_maybe_authorized(error: &Error, method: &str, layer: i32, other: u32, reply: &[u8]) {
    match error {
        Error::MaybeAuthorized {
            method: m,
            layer: l,
            constructor,
            error: DecodeError::UnknownConstructor { id, .. },
            reply: bytes,
        } => {
            assert_eq!((*m, *l), (method, layer));
            assert_eq!(*constructor, Some(AUTHORIZATION));
            assert_eq!(
                *id, other,
                "the error names the constructor it did not know"
            );
            assert_eq!(bytes.as_bytes(), reply, "the reply is kept as received");
            assert!(error.may_be_authorized());
            assert_eq!(error.class(), auth_core::ErrorClass::Bug);
        }
        other => panic!("{method} at {layer}: {other:?}"),
    }
}

#[test]
fn a_sign_in_reply_in_another_layers_layout_may_have_authorized_the_key() {
    for layer in [220, 227, 228, 230] {
        let (other, reply) = wrong_layout(layer);
        let events = sign_in_with(layer, &reply);
        let [LoginEvent::Failed(error)] = events.as_slice() else {
            panic!("layer {layer}: {events:?}");
        };
        assert_maybe_authorized(error, "auth.signIn", layer, other, &reply);
    }
}

#[test]
fn a_sign_up_reply_that_does_not_decode_may_have_authorized_the_key() {
    let layer = 220;
    let (other, reply) = wrong_layout(layer);
    let mut s = Script::with_config(at_layer(layer));
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply(
        t.id,
        &enums::auth::Authorization::from(types::auth::AuthorizationSignUpRequired {
            terms_of_service: None,
        }),
    );
    assert!(matches!(s.one_event(), LoginEvent::SignUpRequired { .. }));
    s.login.sign_up(s.now, "Ada", "Lovelace").unwrap();
    let (t, _) = s.expect::<functions::auth::SignUp>();
    s.login.handle_response(s.now, t.id, &reply).unwrap();
    let LoginEvent::Failed(error) = s.one_event() else {
        panic!("failed expected");
    };
    assert_maybe_authorized(&error, "auth.signUp", layer, other, &reply);
}

#[test]
fn a_check_password_reply_that_does_not_decode_may_have_authorized_the_key() {
    let layer = 227;
    let (other, reply) = wrong_layout(layer);
    let mut server = PasswordServer::new(b"pw");
    let mut s = Script::with_config(at_layer(layer));
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.reply(t.id, &server.account_password());
    assert!(matches!(s.one_event(), LoginEvent::PasswordRequired(_)));
    s.login.submit_password(s.now, b"pw").unwrap();
    s.run_work();
    let (t, call) = s.expect::<functions::auth::CheckPassword>();
    assert!(server.verify(&call));
    s.login.handle_response(s.now, t.id, &reply).unwrap();
    let LoginEvent::Failed(error) = s.one_event() else {
        panic!("failed expected");
    };
    assert_maybe_authorized(&error, "auth.checkPassword", layer, other, &reply);
}

#[test]
fn an_import_login_token_reply_that_does_not_decode_may_have_authorized_the_key() {
    let layer = 230;
    let (other, authorization) = wrong_layout(layer);
    let mut qr = Driven::new(|now| {
        QrLogin::new(at_layer(layer), &[], &mut rng(3), now, 1_767_225_600).unwrap()
    });
    let (t, _) = qr.expect::<functions::auth::ExportLoginToken>();
    qr.reply(
        t.id,
        &enums::auth::LoginToken::from(types::auth::LoginTokenMigrateTo {
            dc_id: 4,
            token: b"tok".to_vec().into(),
        }),
    );
    assert_eq!(qr.one_event(), QrEvent::DcChanged(DcId(4)));
    let (t, call) = qr.expect::<functions::auth::ImportLoginToken>();
    assert_eq!((t.dc, call.token.as_slice()), (DcId(4), &b"tok"[..]));
    // loginTokenSuccess#390d5c5e authorization:auth.Authorization
    let mut reply = 0x390d_5c5eu32.to_le_bytes().to_vec();
    reply.extend_from_slice(&authorization);
    let now = qr.now;
    qr.machine.handle_response(now, t.id, &reply).unwrap();
    match qr.one_event() {
        QrEvent::Failed(Error::MaybeAuthorized {
            method,
            layer: l,
            constructor,
            error: DecodeError::UnknownConstructor { id, .. },
            reply: bytes,
        }) => {
            assert_eq!((method, l), ("auth.importLoginToken", layer));
            assert_eq!((constructor, id), (Some(0x390d_5c5e), other));
            assert_eq!(bytes.as_bytes(), reply);
        }
        event => panic!("{event:?}"),
    }
}

#[test]
fn an_import_bot_authorization_reply_that_does_not_decode_may_have_authorized_the_key() {
    let layer = 224;
    let (other, reply) = wrong_layout(layer);
    let mut bot = Driven::new(|now| BotLogin::new(at_layer(layer), "123:secret", now).unwrap());
    let (t, _) = bot.expect::<functions::auth::ImportBotAuthorization>();
    let now = bot.now;
    bot.machine.handle_response(now, t.id, &reply).unwrap();
    let BotEvent::Failed(error) = bot.one_event() else {
        panic!("failed expected");
    };
    assert_maybe_authorized(&error, "auth.importBotAuthorization", layer, other, &reply);

    // The right layout logs the bot in, with its bytes.
    let user = user_bytes(user_constructor(layer), 123, true);
    let mut bot = Driven::new(|now| BotLogin::new(at_layer(layer), "123:secret", now).unwrap());
    let (t, _) = bot.expect::<functions::auth::ImportBotAuthorization>();
    let now = bot.now;
    bot.machine
        .handle_response(now, t.id, &authorization_bytes(&user))
        .unwrap();
    match bot.one_event() {
        BotEvent::Done(auth) => {
            assert_eq!((auth.user_id, auth.is_bot), (123, true));
            assert_eq!(auth.user.bytes(), user);
        }
        event => panic!("{event:?}"),
    }
}

#[test]
fn replies_of_calls_that_cannot_authorize_are_plain_malformed_replies() {
    // account.getPassword answered with a user: nothing was authorized by it.
    let mut s = Script::with_config(at_layer(221));
    let _ = s.advance_to_code_sent();
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    s.reply_error(t.id, 401, "SESSION_PASSWORD_NEEDED");
    let (t, _) = s.expect::<functions::account::GetPassword>();
    s.login
        .handle_response(s.now, t.id, &user_bytes(USER_220, 1, false))
        .unwrap();
    match s.one_event() {
        LoginEvent::Failed(
            error @ Error::MalformedReply {
                method: "account.getPassword",
                layer: 221,
                constructor: Some(USER_220),
                ..
            },
        ) => assert!(!error.may_be_authorized()),
        event => panic!("{event:?}"),
    }
}

/// `updateShort update:Update date:int`.
fn update_short(update: &[u8]) -> Vec<u8> {
    let mut out = 0x78d4_dec1u32.to_le_bytes().to_vec();
    out.extend_from_slice(update);
    out.extend_from_slice(&1_767_225_600i32.to_le_bytes());
    out
}

/// `updates` / `updatesCombined` with `updates` and empty users and chats.
fn container(id: u32, updates: &[Vec<u8>]) -> Vec<u8> {
    const VECTOR: u32 = 0x1cb5_c415;
    let mut out = id.to_le_bytes().to_vec();
    out.extend_from_slice(&VECTOR.to_le_bytes());
    out.extend_from_slice(&(updates.len() as u32).to_le_bytes());
    for u in updates {
        out.extend_from_slice(u);
    }
    for _ in 0..2 {
        out.extend_from_slice(&VECTOR.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
    }
    let dates = if id == 0x725b_04c3 { 3 } else { 2 };
    for _ in 0..dates {
        out.extend_from_slice(&1_767_225_600i32.to_le_bytes());
    }
    out
}

#[test]
fn the_qr_login_finds_its_update_in_every_container_at_every_layer() {
    // updateLoginToken#564fe691 and updateNewAuthorization#8951abef flags:# unconfirmed:flags.0?true
    // hash:long date:flags.0?int device:flags.0?string location:flags.0?string.
    let token = 0x564f_e691u32.to_le_bytes().to_vec();
    let mut other = 0x8951_abefu32.to_le_bytes().to_vec();
    other.extend_from_slice(&0u32.to_le_bytes());
    other.extend_from_slice(&9i64.to_le_bytes());
    let deliveries = [
        token.clone(),
        update_short(&token),
        container(0x74ae_4240, std::slice::from_ref(&token)),
        container(0x74ae_4240, &[other.clone(), token.clone()]),
        container(0x725b_04c3, &[other.clone(), token.clone()]),
    ];
    for layer in SUPPORTED_LAYERS {
        for (i, delivery) in deliveries.iter().enumerate() {
            let mut qr = Driven::new(|now| {
                QrLogin::new(at_layer(layer), &[], &mut rng(4), now, 1_767_225_600).unwrap()
            });
            let (t, _) = qr.expect::<functions::auth::ExportLoginToken>();
            qr.reply(
                t.id,
                &enums::auth::LoginToken::from(types::auth::LoginToken {
                    expires: 1_767_225_630,
                    token: b"tok".to_vec().into(),
                }),
            );
            assert!(matches!(qr.one_event(), QrEvent::Token(_)));
            // Updates that are not the token change nothing.
            let now = qr.now;
            qr.machine
                .handle_update_bytes(now, &update_short(&other))
                .unwrap();
            qr.machine
                .handle_update_bytes(now, &container(0x74ae_4240, &[other.clone()]))
                .unwrap();
            qr.no_transmit();
            qr.machine.handle_update_bytes(now, delivery).unwrap();
            let (t, _) = qr.expect::<functions::auth::ExportLoginToken>();
            let user = user_bytes(user_constructor(layer), 31, false);
            let mut reply = 0x390d_5c5eu32.to_le_bytes().to_vec();
            reply.extend_from_slice(&authorization_bytes(&user));
            qr.machine.handle_response(now, t.id, &reply).unwrap();
            match qr.one_event() {
                QrEvent::Done(auth) => {
                    assert_eq!(auth.user.bytes(), user, "layer {layer}, delivery {i}");
                }
                event => panic!("layer {layer}, delivery {i}: {event:?}"),
            }
        }
    }
}

#[test]
fn unsupported_layers_are_refused_by_every_constructor() {
    for layer in [0, 219, 231, i32::MAX] {
        let refused = Some(UsageError::UnsupportedLayer(UnsupportedLayer { layer }));
        let now = std::time::Instant::now();
        let s = session(layer);
        assert_eq!(
            Login::new(at_layer(layer), PHONE, &mut rng(1), now).err(),
            refused.clone()
        );
        assert_eq!(
            Login::with_firebase(at_layer(layer), &[], &mut rng(1), now).err(),
            refused.clone()
        );
        assert_eq!(
            QrLogin::new(at_layer(layer), &[], &mut rng(1), now, 0).err(),
            refused.clone()
        );
        assert_eq!(
            BotLogin::new(at_layer(layer), "1:x", now).err(),
            refused.clone()
        );
        assert_eq!(Logout::new(&s, now).err(), refused.clone());
        assert_eq!(AuthTransfer::new(&s, DcId(4), now).err(), refused.clone());
        assert_eq!(
            PasswordSettings::new(&s, &mut rng(1), now).err(),
            refused.clone()
        );
        assert_eq!(
            PasswordRecovery::new(&s, &mut rng(1), now).err(),
            refused.clone()
        );
        assert_eq!(PasswordReset::request(&s, now, 0).err(), refused.clone());
        assert_eq!(
            LoginEmailChange::new(&s, "a@example.com", now).err(),
            refused.clone()
        );
        assert_eq!(
            Call::new(&s, functions::help::GetNearestDc {}, now).err(),
            refused.clone()
        );
        assert_eq!(s.layer().err(), refused.clone());
    }
    // Every layer in the range is accepted, and the machine reports it.
    for layer in SUPPORTED_LAYERS {
        let now = std::time::Instant::now();
        let login = Login::new(at_layer(layer), PHONE, &mut rng(1), now).unwrap();
        assert_eq!(login.layer().get(), layer);
    }
}

#[test]
fn the_default_layer_is_the_newest_full_schema() {
    assert_eq!(SessionConfig::new(DcId(2)).layer, auth_core::LAYER);
    assert!(SUPPORTED_LAYERS.contains(&auth_core::LAYER));
    assert_eq!(tl::Layer::DEFAULT.get(), auth_core::LAYER);
}
