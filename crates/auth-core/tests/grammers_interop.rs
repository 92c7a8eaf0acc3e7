//! Bytes from an independent TL implementation, `grammers-tl-types` 0.11 (layer 230): its auth
//! results decode here at layer 230 and re-encode to the same bytes, a login and a QR login
//! driven with its replies end in `Done` with the user bytes it wrote, and the requests this
//! crate sends parse there.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod support;

use std::time::Instant;

use auth_core::{
    QrEvent, QrLogin,
    login::{Config, Login, LoginEvent},
    tl::{self, DeserializeAt, Layer, enums, functions},
};
use g::{Deserializable, Identifiable, Serializable};
use grammers_tl_types as g;
use support::*;

fn layer230() -> Layer {
    Layer::new(230).expect("supported")
}

fn config() -> Config {
    let mut config = Config::new(12345, "api-hash");
    config.session.layer = 230;
    config
}

/// A user with most of layer 230's optional fields set, nested types included.
fn rich_user(id: i64, bot: bool) -> g::enums::User {
    g::enums::User::User(g::types::User {
        is_self: true,
        contact: false,
        mutual_contact: false,
        deleted: false,
        bot,
        bot_chat_history: false,
        bot_nochats: bot,
        verified: true,
        restricted: true,
        min: false,
        bot_inline_geo: false,
        support: false,
        scam: false,
        apply_min_photo: true,
        fake: false,
        bot_attach_menu: false,
        premium: true,
        attach_menu_enabled: false,
        bot_can_edit: false,
        close_friend: true,
        stories_hidden: false,
        stories_unavailable: true,
        contact_require_premium: false,
        bot_business: false,
        bot_has_main_app: false,
        bot_forum_view: false,
        bot_forum_can_manage_topics: false,
        bot_can_manage_bots: false,
        bot_guestchat: false,
        bot_guard: bot,
        id,
        access_hash: Some(-0x1234_5678_9abc),
        first_name: Some("Ада".into()),
        last_name: Some("Lovelace".into()),
        username: Some("ada".into()),
        phone: Some("9996621234".into()),
        photo: Some(g::enums::UserProfilePhoto::Photo(
            g::types::UserProfilePhoto {
                has_video: true,
                personal: false,
                photo_id: 99,
                stripped_thumb: Some(vec![1, 2, 3, 4, 5]),
                dc_id: 2,
            },
        )),
        status: Some(g::enums::UserStatus::Online(g::types::UserStatusOnline {
            expires: 1_767_225_600,
        })),
        bot_info_version: bot.then_some(3),
        restriction_reason: Some(vec![g::enums::RestrictionReason::Reason(
            g::types::RestrictionReason {
                platform: "ios".into(),
                reason: "test".into(),
                text: "a test restriction".into(),
            },
        )]),
        bot_inline_placeholder: None,
        lang_code: Some("en".into()),
        emoji_status: Some(g::enums::EmojiStatus::Status(g::types::EmojiStatus {
            document_id: 5,
            until: Some(1_800_000_000),
        })),
        usernames: Some(vec![g::enums::Username::Username(g::types::Username {
            editable: true,
            active: true,
            deletable: false,
            expired: false,
            username: "ada".into(),
        })]),
        stories_max_id: Some(g::enums::RecentStory::Story(g::types::RecentStory {
            live: false,
            max_id: Some(12),
        })),
        color: Some(g::enums::PeerColor::Color(g::types::PeerColor {
            color: Some(4),
            background_emoji_id: Some(77),
        })),
        profile_color: None,
        bot_active_users: bot.then_some(1000),
        bot_verification_icon: None,
        send_paid_messages_stars: Some(10),
        linked_community_id: Some(555),
    })
}

fn authorization(user: g::enums::User) -> g::enums::auth::Authorization {
    g::enums::auth::Authorization::Authorization(g::types::auth::Authorization {
        setup_password_required: true,
        otherwise_relogin_days: Some(7),
        tmp_sessions: None,
        future_auth_token: Some(vec![0xf0; 24]),
        user,
    })
}

fn sent_code() -> g::enums::auth::SentCode {
    g::enums::auth::SentCode::Code(g::types::auth::SentCode {
        r#type: g::enums::auth::SentCodeType::Sms(g::types::auth::SentCodeTypeSms { length: 5 }),
        phone_code_hash: "hash-from-grammers".into(),
        next_type: Some(g::enums::auth::CodeType::Call),
        timeout: Some(60),
    })
}

/// A request as the other implementation parses it (after its constructor id), checked to
/// serialize back to the same bytes.
fn parse<F: Deserializable + Identifiable + Serializable>(body: &[u8]) -> F {
    assert_eq!(body.get(..4), Some(&F::CONSTRUCTOR_ID.to_le_bytes()[..]));
    let call = F::from_bytes(&body[4..]).expect("grammers parses the request");
    assert_eq!(call.to_bytes(), body, "the same call, byte for byte");
    call
}

/// Decodes `bytes` as `T` at layer 230 and checks that re-encoding gives them back.
fn round_trips<T: DeserializeAt + tl::Serialize>(what: &str, bytes: &[u8]) {
    let value = tl::decode_at::<T>(layer230(), bytes)
        .unwrap_or_else(|e| panic!("{what}: grammers' bytes do not decode: {e}"));
    assert_eq!(value.to_bytes(), bytes, "{what}: re-encoded differently");
}

#[test]
fn grammers_auth_results_decode_at_layer_230_and_re_encode_identically() {
    round_trips::<enums::auth::SentCode>("auth.sentCode", &sent_code().to_bytes());
    round_trips::<enums::auth::SentCode>(
        "auth.sentCodePaymentRequired",
        &g::enums::auth::SentCode::PaymentRequired(g::types::auth::SentCodePaymentRequired {
            store_product: "tg.premium".into(),
            phone_code_hash: "h".into(),
            support_email_address: "a@b.c".into(),
            support_email_subject: "help".into(),
            premium_days: 30,
            currency: "EUR".into(),
            amount: 499,
        })
        .to_bytes(),
    );
    round_trips::<enums::auth::SentCode>(
        "auth.sentCodeSuccess",
        &g::enums::auth::SentCode::Success(g::types::auth::SentCodeSuccess {
            authorization: authorization(rich_user(1, false)),
        })
        .to_bytes(),
    );
    for bot in [false, true] {
        round_trips::<enums::auth::Authorization>(
            "auth.authorization",
            &authorization(rich_user(2, bot)).to_bytes(),
        );
        round_trips::<enums::User>("user", &rich_user(3, bot).to_bytes());
    }
    round_trips::<enums::auth::Authorization>(
        "auth.authorizationSignUpRequired",
        &g::enums::auth::Authorization::SignUpRequired(
            g::types::auth::AuthorizationSignUpRequired {
                terms_of_service: None,
            },
        )
        .to_bytes(),
    );
    round_trips::<enums::auth::LoginToken>(
        "auth.loginTokenMigrateTo",
        &g::enums::auth::LoginToken::MigrateTo(g::types::auth::LoginTokenMigrateTo {
            dc_id: 4,
            token: vec![9; 32],
        })
        .to_bytes(),
    );
    round_trips::<enums::auth::LoginToken>(
        "auth.loginTokenSuccess",
        &g::enums::auth::LoginToken::Success(g::types::auth::LoginTokenSuccess {
            authorization: authorization(rich_user(4, false)),
        })
        .to_bytes(),
    );
    round_trips::<enums::auth::FirebasePnvIntent>(
        "auth.firebasePnvIntent",
        &g::enums::auth::FirebasePnvIntent::Intent(g::types::auth::FirebasePnvIntent {
            nonce: "n".into(),
            digital_credential_payload: "{}".into(),
        })
        .to_bytes(),
    );
}

#[test]
fn a_login_driven_with_grammers_replies_hands_over_its_user_bytes() {
    let user = rich_user(4242, false);
    let user_bytes = user.to_bytes();
    let mut s = Script::with_config(config());
    let (t, _) = s.expect::<functions::auth::SendCode>();
    // The request parses in the other implementation, as the same call.
    let send_code = parse::<g::functions::auth::SendCode>(&t.body);
    assert_eq!(send_code.phone_number, PHONE_DIGITS);
    assert_eq!(send_code.api_id, 12345);
    s.login
        .handle_response(s.now, t.id, &sent_code().to_bytes())
        .unwrap();
    assert!(matches!(s.one_event(), LoginEvent::CodeSent(_)));
    s.login.submit_code(s.now, "22222").unwrap();
    let (t, _) = s.expect::<functions::auth::SignIn>();
    let sign_in = parse::<g::functions::auth::SignIn>(&t.body);
    assert_eq!(sign_in.phone_code_hash, "hash-from-grammers");
    assert_eq!(sign_in.phone_code.as_deref(), Some("22222"));
    s.login
        .handle_response(s.now, t.id, &authorization(user).to_bytes())
        .unwrap();
    match s.one_event() {
        LoginEvent::Done(auth) => {
            assert_eq!(auth.user.bytes(), user_bytes, "byte-identical");
            assert_eq!((auth.user_id, auth.is_bot), (4242, false));
            assert_eq!(auth.layer.get(), 230);
            assert!(auth.setup_password_required);
            assert_eq!(auth.otherwise_relogin_days, Some(7));
            assert_eq!(auth.future_auth_token.as_deref(), Some(&[0xf0; 24][..]));
            // And the other implementation reads them back as the user it wrote.
            let back = g::enums::User::from_bytes(auth.user.bytes()).expect("grammers reads it");
            assert_eq!(back.to_bytes(), user_bytes);
        }
        event => panic!("{event:?}"),
    }
}

#[test]
fn a_qr_login_driven_with_grammers_updates_and_replies_hands_over_its_user_bytes() {
    let user = rich_user(31, true);
    let user_bytes = user.to_bytes();
    let mut qr = Driven::new(|now| {
        QrLogin::new(config(), &[5], &mut rng(6), now, 1_767_225_600).expect("valid")
    });
    let (t, _) = qr.expect::<functions::auth::ExportLoginToken>();
    let export = parse::<g::functions::auth::ExportLoginToken>(&t.body);
    assert_eq!(export.except_ids, [5]);
    let token = g::enums::auth::LoginToken::Token(g::types::auth::LoginToken {
        expires: 1_767_225_630,
        token: b"tok".to_vec(),
    });
    qr.reply_bytes(t.id, &token.to_bytes());
    assert!(matches!(qr.one_event(), QrEvent::Token(_)));
    // The acceptance arrives inside `updatesCombined`, after another update.
    let updates = g::enums::Updates::Combined(g::types::UpdatesCombined {
        updates: vec![
            g::enums::Update::NewAuthorization(g::types::UpdateNewAuthorization {
                unconfirmed: true,
                hash: 8,
                date: Some(1_767_225_601),
                device: Some("Phone".into()),
                location: Some("Earth".into()),
            }),
            g::enums::Update::LoginToken,
        ],
        users: vec![],
        chats: vec![],
        date: 1_767_225_602,
        seq_start: 1,
        seq: 2,
    });
    let now = qr.now;
    qr.machine
        .handle_update_bytes(now, &updates.to_bytes())
        .unwrap();
    let (t, _) = qr.expect::<functions::auth::ExportLoginToken>();
    let success = g::enums::auth::LoginToken::Success(g::types::auth::LoginTokenSuccess {
        authorization: authorization(user),
    });
    qr.reply_bytes(t.id, &success.to_bytes());
    match qr.one_event() {
        QrEvent::Done(auth) => {
            assert_eq!(auth.user.bytes(), user_bytes, "byte-identical");
            assert_eq!((auth.user_id, auth.is_bot), (31, true));
        }
        event => panic!("{event:?}"),
    }
}

#[test]
fn the_firebase_requests_parse_in_grammers() {
    let mut s = Driven::new(|now: Instant| {
        Login::with_firebase(config(), &[1, 2], &mut rng(7), now).expect("layer 230")
    });
    let (t, _) = s.expect::<functions::auth::InitFirebasePnvLogin>();
    let init = parse::<g::functions::auth::InitFirebasePnvLogin>(&t.body);
    assert_eq!(init.except_ids.as_deref(), Some(&[1, 2][..]));
    assert_eq!((init.api_id, init.api_hash.as_str()), (12345, "api-hash"));
    let intent = g::enums::auth::FirebasePnvIntent::Intent(g::types::auth::FirebasePnvIntent {
        nonce: "nonce".into(),
        digital_credential_payload: "{}".into(),
    });
    s.reply_bytes(t.id, &intent.to_bytes());
    assert!(matches!(s.one_event(), LoginEvent::FirebaseIntent(_)));
    s.machine.submit_firebase_token(s.now, "tok").unwrap();
    let (t, _) = s.expect::<functions::auth::FinishFirebasePnvLogin>();
    let finish = parse::<g::functions::auth::FinishFirebasePnvLogin>(&t.body);
    assert_eq!(finish.google_token, "tok");
}
