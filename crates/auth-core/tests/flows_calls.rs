//! Transcript tests of the small machines built from `Call`: bot login, logout, the
//! authorization transfer, confirming or rejecting a new login, invalidating login codes, and a
//! frozen account's refusals. Scripted server replies, asserted transmits and events.
mod support;

use std::time::{Duration, Instant};

use auth_core::{
    DcId, Error, RequestId, RetryPolicy, RpcError, RpcErrorKind, SessionConfig, TransportFailure,
    UsageError,
    auth_transfer::{AuthTransfer, TransferEvent, TransferStep},
    bot::{BotEvent, BotLogin},
    frozen::Frozen,
    login::Config,
    login_codes::{SERVICE_USER_ID, find_login_codes, invalidate_codes},
    logout::{Logout, LogoutEvent},
    logout_tokens::LogoutTokens,
    machine::{CallEvent, Machine},
    new_logins::{NewLogin, confirm_login, list_authorizations, reject_login},
    tl::{self, Serialize, enums, functions, types},
};
use support::*;

/// Where a test's clock starts: the test stands in for the caller, who owns the clock.
#[allow(clippy::disallowed_methods)]
fn start() -> Instant {
    Instant::now()
}

const TOKEN: &str = "123456:AAbb-cc_DD";

fn bot_user(id: i64) -> enums::User {
    types::User {
        is_self: true,
        id,
        access_hash: Some(5),
        first_name: Some("Sim Bot".into()),
        username: Some("simbot".into()),
        bot_info_version: Some(1),
        ..Default::default()
    }
    .into()
}

fn auth_of(user: enums::User) -> enums::auth::Authorization {
    types::auth::Authorization {
        user: user.into(),
        ..Default::default()
    }
    .into()
}

fn bot_login() -> Driven<BotLogin> {
    Driven::new(|now| {
        BotLogin::new(Config::new(12345, "api-hash"), TOKEN, now).expect("a well-formed token")
    })
}

fn session(dc: i32) -> SessionConfig {
    SessionConfig::new(DcId(dc))
}

fn rpc(method: &'static str, code: i32, name: &str) -> Error {
    Error::Rpc {
        method,
        error: RpcError::new(code, name),
    }
}

#[test]
fn bot_login_sends_the_token_and_follows_user_migrate() {
    let mut s = bot_login();
    assert_eq!(s.machine.bot_id(), 123_456);
    let (t, call) = s.expect::<functions::auth::ImportBotAuthorization>();
    assert_eq!((t.id, t.dc), (RequestId(0), DcId(2)));
    assert_eq!(call.flags, 0);
    assert_eq!((call.api_id, call.api_hash.as_str()), (12345, "api-hash"));
    assert_eq!(call.bot_auth_token, TOKEN);
    assert!(
        !format!("{call:?}").contains("AAbb"),
        "the token is redacted in Debug"
    );
    s.reply_error(t.id, 303, "USER_MIGRATE_4");
    assert_eq!(s.one_event(), BotEvent::DcChanged(DcId(4)));
    assert_eq!(s.machine.dc(), DcId(4));
    let (t, call) = s.expect::<functions::auth::ImportBotAuthorization>();
    assert_eq!((t.id, t.dc), (RequestId(1), DcId(4)));
    assert_eq!(call.bot_auth_token, TOKEN);
    s.no_transmit();
    s.reply(t.id, &auth_of(bot_user(123_456)));
    match s.one_event() {
        BotEvent::Done(auth) => {
            assert_eq!(
                (auth.user_id, auth.dc, auth.is_bot),
                (123_456, DcId(4), true)
            );
            let Ok(enums::User::User(user)) = auth.user.decode() else {
                panic!("{:?}", auth.user)
            };
            assert_eq!(user.username.as_deref(), Some("simbot"));
            assert_eq!(auth.future_auth_token, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.machine.is_finished());
    s.no_transmit();
    assert_eq!(s.machine.poll_timeout(), None);
}

#[test]
fn bot_login_refuses_malformed_tokens_and_credentials_before_sending() {
    let now = start();
    let new = |api_id, hash: &str, token: &str, dc| {
        let mut config = Config::new(api_id, hash);
        config.session.dc = DcId(dc);
        BotLogin::new(config, token, now).map(|_| ())
    };
    for token in [
        "", "123456", "123456:", "abc:def", "12:ab cd", "12:a/b", ":abc",
    ] {
        assert!(
            matches!(new(1, "h", token, 2), Err(UsageError::InvalidBotToken(_))),
            "{token:?}"
        );
    }
    assert_eq!(
        new(0, "h", TOKEN, 2),
        Err(UsageError::InvalidConfig("api_id must be positive"))
    );
    assert_eq!(
        new(1, "", TOKEN, 2),
        Err(UsageError::InvalidConfig("api_hash is empty"))
    );
    assert_eq!(new(1, "h", TOKEN, 0), Err(UsageError::InvalidDc(DcId(0))));
    assert_eq!(new(1, "h", " 42:x \n", 2), Ok(()), "whitespace around it");
}

#[test]
fn bot_login_access_token_invalid_is_typed_and_final() {
    for name in ["ACCESS_TOKEN_INVALID", "ACCESS_TOKEN_EXPIRED"] {
        let mut s = bot_login();
        let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
        s.reply_error(t.id, 400, name);
        match s.one_event() {
            BotEvent::Failed(Error::BotTokenRejected(e)) => {
                assert_eq!(e.name, name);
                assert_eq!(e.kind(), RpcErrorKind::AccessTokenInvalid);
            }
            other => panic!("{other:?}"),
        }
        assert!(s.machine.is_finished());
        s.no_transmit();
    }
}

#[test]
fn bot_login_waits_retries_and_rejects_odd_replies() {
    let mut s = bot_login();
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_3");
    let until = s.now + Duration::from_secs(3);
    assert_eq!(s.one_event(), BotEvent::FloodWait { seconds: 3, until });
    s.no_transmit();
    assert_eq!(s.machine.poll_timeout(), Some(until));
    s.advance(Duration::from_secs(3));
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    s.fail(t.id, TransportFailure::ConnectionLost);
    assert!(s.events().is_empty());
    s.advance(RetryPolicy::default().transport_retry_delay);
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    assert_eq!(t.id, RequestId(2));
    let sign_up: enums::auth::Authorization =
        types::auth::AuthorizationSignUpRequired::default().into();
    s.reply(t.id, &sign_up);
    assert_eq!(
        s.one_event(),
        BotEvent::Failed(Error::UnexpectedReply {
            method: "auth.importBotAuthorization",
            what: "auth.authorizationSignUpRequired".into()
        })
    );

    let mut s = bot_login();
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    s.reply(t.id, &auth_of(types::UserEmpty { id: 1 }.into()));
    assert_eq!(
        s.one_event(),
        BotEvent::Failed(Error::UnexpectedReply {
            method: "auth.importBotAuthorization",
            what: "auth.authorization with userEmpty".into()
        })
    );

    let mut s = bot_login();
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    // An answer for an id never sent is refused.
    assert_eq!(
        s.machine.handle_response(s.now, RequestId(9), &[]),
        Err(UsageError::UnknownRequest(RequestId(9)))
    );
    s.reply_error(t.id, 400, "API_ID_INVALID");
    let event = s.one_event();
    assert_eq!(
        event,
        BotEvent::Failed(rpc("auth.importBotAuthorization", 400, "API_ID_INVALID"))
    );
    let BotEvent::Failed(error) = event else {
        unreachable!()
    };
    assert_eq!(
        error.class(),
        auth_core::ErrorClass::Bug,
        "a configuration bug"
    );
}

#[test]
fn logout_hands_the_future_auth_token_to_the_logout_tokens() {
    let mut tokens = LogoutTokens::new();
    let mut s = Driven::new(|now| Logout::new(&session(4), now).expect("a session"));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    assert_eq!(t.dc, DcId(4));
    let out: enums::auth::LoggedOut = types::auth::LoggedOut {
        future_auth_token: Some(vec![0xab; 32].into()),
    }
    .into();
    s.reply(t.id, &out);
    match s.one_event() {
        LogoutEvent::Done(Some(token)) => {
            assert_eq!(format!("{token:?}"), "FutureAuthToken(<redacted>)");
            assert!(tokens.push(token.as_bytes()));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.machine.is_finished());
    assert_eq!(tokens.to_vec(), vec![vec![0xab; 32]]);

    // No token (or an empty one): nothing to keep.
    for token in [None, Some(vec![])] {
        let mut s = Driven::new(|now| Logout::new(&session(2), now).expect("a session"));
        let (t, _) = s.expect::<functions::auth::LogOut>();
        let out: enums::auth::LoggedOut = types::auth::LoggedOut {
            future_auth_token: token.map(Into::into),
        }
        .into();
        s.reply(t.id, &out);
        assert_eq!(s.one_event(), LogoutEvent::Done(None));
    }
}

#[test]
fn logout_does_not_follow_migrations_and_reports_refusals() {
    let mut s = Driven::new(|now| Logout::new(&session(4), now).expect("a session"));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    s.reply_error(t.id, 303, "USER_MIGRATE_2");
    assert_eq!(
        s.one_event(),
        LogoutEvent::Failed(rpc("auth.logOut", 303, "USER_MIGRATE_2"))
    );
    s.no_transmit();
    assert_eq!(s.machine.dc(), DcId(4));

    let mut s = Driven::new(|now| Logout::new(&session(2), now).expect("a session"));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_1");
    assert!(matches!(
        s.one_event(),
        LogoutEvent::FloodWait { seconds: 1, .. }
    ));
    s.advance(Duration::from_secs(1));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    s.reply_error(t.id, 401, "AUTH_KEY_UNREGISTERED");
    assert_eq!(
        s.one_event(),
        LogoutEvent::Failed(rpc("auth.logOut", 401, "AUTH_KEY_UNREGISTERED"))
    );
}

fn exported(id: i64, bytes: Vec<u8>) -> enums::auth::ExportedAuthorization {
    types::auth::ExportedAuthorization {
        id,
        bytes: bytes.into(),
    }
    .into()
}

#[test]
fn transfer_exports_on_home_then_imports_on_target_with_unique_ids() {
    let mut s = Driven::new(|now| AuthTransfer::new(&session(2), DcId(4), now).expect("two DCs"));
    assert_eq!(s.machine.step(), Some(TransferStep::Export));
    let (t, call) = s.expect::<functions::auth::ExportAuthorization>();
    assert_eq!((t.id, t.dc, call.dc_id), (RequestId(0), DcId(2), 4));
    s.fail(t.id, TransportFailure::Timeout);
    s.advance(RetryPolicy::default().transport_retry_delay);
    let (t, _) = s.expect::<functions::auth::ExportAuthorization>();
    assert_eq!(t.id, RequestId(1));
    s.reply(t.id, &exported(-77, vec![9; 32]));
    assert_eq!(s.one_event(), TransferEvent::Exported);
    assert_eq!(s.machine.step(), Some(TransferStep::Import));

    let (t, call) = s.expect::<functions::auth::ImportAuthorization>();
    assert_eq!((t.id, t.dc), (RequestId(2), DcId(4)));
    assert_eq!((call.id, call.bytes.to_vec()), (-77, vec![9; 32]));
    assert!(!format!("{call:?}").contains("9, 9"), "bytes redacted");
    // A late answer to the export is ignored; an id never sent is refused.
    s.reply(RequestId(0), &exported(1, vec![1]));
    assert!(s.events().is_empty());
    assert_eq!(
        s.machine.handle_response(s.now, RequestId(3), &[]),
        Err(UsageError::UnknownRequest(RequestId(3)))
    );
    s.reply_error(t.id, 420, "FLOOD_WAIT_2");
    let until = s.now + Duration::from_secs(2);
    assert_eq!(
        s.one_event(),
        TransferEvent::FloodWait { seconds: 2, until }
    );
    s.advance(Duration::from_secs(2));
    let (t, _) = s.expect::<functions::auth::ImportAuthorization>();
    assert_eq!(t.id, RequestId(3));
    s.reply(t.id, &authorization(1001));
    match s.one_event() {
        TransferEvent::Done(auth) => {
            assert_eq!((auth.user_id, auth.dc), (1001, DcId(4)));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.machine.is_finished());
    assert_eq!(s.machine.step(), None);
    s.no_transmit();
    // After the end, late answers are still quietly ignored.
    s.reply(RequestId(2), &authorization(1001));
    assert!(s.events().is_empty());
}

#[test]
fn transfer_failures_name_their_call() {
    let now = start();
    assert_eq!(
        AuthTransfer::new(&session(2), DcId(2), now).map(|_| ()),
        Err(UsageError::SameDc(DcId(2)))
    );
    assert_eq!(
        AuthTransfer::new(&session(2), DcId(-1), now).map(|_| ()),
        Err(UsageError::InvalidDc(DcId(-1)))
    );

    let mut s = Driven::new(|now| AuthTransfer::new(&session(2), DcId(4), now).expect("two DCs"));
    let (t, _) = s.expect::<functions::auth::ExportAuthorization>();
    s.reply_error(t.id, 401, "AUTH_KEY_UNREGISTERED");
    assert_eq!(
        s.one_event(),
        TransferEvent::Failed(rpc(
            "auth.exportAuthorization",
            401,
            "AUTH_KEY_UNREGISTERED"
        ))
    );
    s.no_transmit();

    let mut s = Driven::new(|now| AuthTransfer::new(&session(2), DcId(4), now).expect("two DCs"));
    let (t, _) = s.expect::<functions::auth::ExportAuthorization>();
    s.reply(t.id, &exported(1, vec![1]));
    s.events();
    let (t, _) = s.expect::<functions::auth::ImportAuthorization>();
    s.reply_error(t.id, 400, "AUTH_BYTES_INVALID");
    assert_eq!(
        s.one_event(),
        TransferEvent::Failed(rpc("auth.importAuthorization", 400, "AUTH_BYTES_INVALID"))
    );
    assert!(s.machine.is_finished());
}

#[test]
fn new_login_update_becomes_a_typed_value() {
    let unconfirmed: enums::Update = types::UpdateNewAuthorization {
        hash: -42,
        details: Some(types::NewAuthorizationDetails {
            date: 1_767_225_700,
            device: "auth-sim DC 2 key 0x2".into(),
            location: "Simulated DC 2".into(),
        }),
    }
    .into();
    let login = NewLogin::decode(&unconfirmed.to_bytes()).expect("decodes");
    assert_eq!(
        login,
        NewLogin {
            hash: -42,
            unconfirmed: true,
            date: Some(1_767_225_700),
            device: Some("auth-sim DC 2 key 0x2".into()),
            location: Some("Simulated DC 2".into()),
        }
    );
    assert_eq!(NewLogin::from_update(&unconfirmed), Some(login));

    let confirmed: enums::Update = types::UpdateNewAuthorization {
        hash: 7,
        details: None,
    }
    .into();
    let login = NewLogin::decode(&confirmed.to_bytes()).expect("decodes");
    assert!(!login.unconfirmed);
    assert_eq!((login.hash, login.date, login.device), (7, None, None));

    let other: enums::Update = types::UpdateLoginToken {}.into();
    assert_eq!(NewLogin::from_update(&other), None);
    assert!(NewLogin::decode(&other.to_bytes()).is_err());
    let mut trailing = confirmed.to_bytes();
    trailing.push(0);
    assert!(NewLogin::decode(&trailing).is_err());
    assert!(NewLogin::decode(&[0xef, 0xab]).is_err());
}

#[test]
fn confirm_and_reject_are_calls_with_the_shared_rules() {
    let mut s = Driven::new(|now| confirm_login(&session(2), -42, now).expect("a session"));
    let (t, call) = s.expect::<functions::account::ChangeAuthorizationSettings>();
    assert_eq!((t.id, t.dc), (RequestId(0), DcId(2)));
    assert!(call.confirmed);
    assert_eq!(call.hash, -42);
    assert_eq!(
        (
            call.encrypted_requests_disabled,
            call.call_requests_disabled
        ),
        (None, None)
    );
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), CallEvent::Done(true));

    let mut s = Driven::new(|now| reject_login(&session(2), -42, now).expect("a session"));
    let (t, call) = s.expect::<functions::account::ResetAuthorization>();
    assert_eq!(call.hash, -42);
    s.reply_error(t.id, 420, "FLOOD_WAIT_1");
    assert!(matches!(
        s.one_event(),
        CallEvent::FloodWait { seconds: 1, .. }
    ));
    s.advance(Duration::from_secs(1));
    let (t, _) = s.expect::<functions::account::ResetAuthorization>();
    s.reply_error(t.id, 406, "FRESH_RESET_AUTHORISATION_FORBIDDEN");
    assert_eq!(
        s.one_event(),
        CallEvent::Failed(rpc(
            "account.resetAuthorization",
            406,
            "FRESH_RESET_AUTHORISATION_FORBIDDEN"
        ))
    );

    let mut s = Driven::new(|now| list_authorizations(&session(3), now).expect("a session"));
    let (t, _) = s.expect::<functions::account::GetAuthorizations>();
    assert_eq!(t.dc, DcId(3));
    let list: enums::account::Authorizations = types::account::Authorizations {
        authorization_ttl_days: 180,
        authorizations: vec![
            types::Authorization {
                hash: -42,
                unconfirmed: true,
                ..Default::default()
            }
            .into(),
        ],
    }
    .into();
    s.reply(t.id, &list);
    match s.one_event() {
        CallEvent::Done(enums::account::Authorizations::Authorizations(a)) => {
            let enums::Authorization::Authorization(first) = &a.authorizations[0];
            assert_eq!((first.hash, first.unconfirmed), (-42, true));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalidating_codes_sends_what_was_found() {
    let text = "Login code: 22-222. Another: 3333333--. Not 1234 nor 12345678.";
    let codes = find_login_codes(SERVICE_USER_ID, text);
    let mut s = Driven::new(|now| invalidate_codes(&session(2), &codes, now).expect("a session"));
    let (t, call) = s.expect::<functions::account::InvalidateSignInCodes>();
    assert_eq!(t.dc, DcId(2));
    assert_eq!(call.codes, ["22222", "3333333"]);
    assert!(
        !format!("{call:?}").contains("22222"),
        "codes are redacted in Debug"
    );
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), CallEvent::Done(true));
}

#[test]
fn frozen_refusals_end_the_call_without_waiting() {
    for (code, name, expected) in [
        (420, "FROZEN_METHOD_INVALID", Frozen::MethodInvalid),
        (
            400,
            "FROZEN_PARTICIPANT_MISSING",
            Frozen::ParticipantMissing,
        ),
    ] {
        let mut s = Driven::new(|now| list_authorizations(&session(2), now).expect("a session"));
        let (t, _) = s.expect::<functions::account::GetAuthorizations>();
        s.reply_error(t.id, code, name);
        match s.one_event() {
            CallEvent::Failed(e) => {
                assert!(e.is_frozen());
                assert_eq!(e.frozen(), Some(expected));
                assert!(expected.explanation().contains("frozen"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.machine.poll_timeout(), None, "no retry is scheduled");
        s.no_transmit();
    }
    // The same code 420 as a flood wait is waited out, and is no frozen account.
    let mut s = Driven::new(|now| list_authorizations(&session(2), now).expect("a session"));
    let (t, _) = s.expect::<functions::account::GetAuthorizations>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_1");
    assert!(matches!(s.one_event(), CallEvent::FloodWait { .. }));
    assert!(
        !Error::FloodWait {
            method: "x",
            seconds: 1
        }
        .is_frozen()
    );
    assert!(
        !Error::MalformedReply {
            method: "x",
            layer: 228,
            constructor: None,
            error: tl::DecodeError::UnexpectedEof
        }
        .is_frozen()
    );
}
