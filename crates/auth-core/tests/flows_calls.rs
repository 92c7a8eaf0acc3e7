//! Transcript tests of the small machines built from `Call`: bot login, logout, the DC
//! hand-off, confirming or rejecting a new login, invalidating login codes, and a frozen
//! account's refusals. Scripted server replies, asserted transmits and events.
mod support;

use std::time::{Duration, Instant};

use auth_core::{
    DcId, RequestId, RpcErrorKind, TransportFailure,
    bot::{self, BotEvent, BotLogin, BotLoginError},
    frozen::Frozen,
    handoff::{self, Handoff, HandoffError, HandoffEvent, Step},
    login_codes::{SERVICE_USER_ID, find_login_codes, invalidate_codes},
    logout::{Logout, LogoutEvent},
    logout_tokens::LogoutTokens,
    machine::{CallError, CallEvent, Machine, RetryPolicy, UnknownRequest},
    sessions::{NewLogin, confirm_login, list_authorizations, reject_login},
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
        BotLogin::new(
            12345,
            "api-hash",
            TOKEN,
            DcId(2),
            RetryPolicy::default(),
            now,
        )
        .expect("a well-formed token")
    })
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
    assert_eq!(s.one_event(), BotEvent::HomeDcChanged(DcId(4)));
    assert_eq!(s.machine.dc(), DcId(4));
    let (t, call) = s.expect::<functions::auth::ImportBotAuthorization>();
    assert_eq!((t.id, t.dc), (RequestId(1), DcId(4)));
    assert_eq!(call.bot_auth_token, TOKEN);
    s.no_transmit();
    s.reply(t.id, &auth_of(bot_user(123_456)));
    match s.one_event() {
        BotEvent::LoggedIn(auth) => {
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
        BotLogin::new(api_id, hash, token, DcId(dc), RetryPolicy::default(), now).map(|_| ())
    };
    for token in [
        "", "123456", "123456:", "abc:def", "12:ab cd", "12:a/b", ":abc",
    ] {
        assert!(
            matches!(new(1, "h", token, 2), Err(bot::UsageError::InvalidToken(_))),
            "{token:?}"
        );
    }
    assert_eq!(
        new(0, "h", TOKEN, 2),
        Err(bot::UsageError::InvalidConfig("api_id must be positive"))
    );
    assert_eq!(
        new(1, "", TOKEN, 2),
        Err(bot::UsageError::InvalidConfig("api_hash is empty"))
    );
    assert_eq!(
        new(1, "h", TOKEN, 0),
        Err(bot::UsageError::InvalidConfig("the DC id must be positive"))
    );
    assert_eq!(new(1, "h", " 42:x \n", 2), Ok(()), "whitespace around it");
}

#[test]
fn bot_login_access_token_invalid_is_typed_and_final() {
    for name in ["ACCESS_TOKEN_INVALID", "ACCESS_TOKEN_EXPIRED"] {
        let mut s = bot_login();
        let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
        s.reply_error(t.id, 400, name);
        match s.one_event() {
            BotEvent::Failed(BotLoginError::InvalidToken(e)) => {
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
        BotEvent::Failed(BotLoginError::UnexpectedReply(
            "auth.authorizationSignUpRequired"
        ))
    );

    let mut s = bot_login();
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    s.reply(t.id, &auth_of(types::UserEmpty { id: 1 }.into()));
    assert_eq!(
        s.one_event(),
        BotEvent::Failed(BotLoginError::UnexpectedReply(
            "auth.authorization with userEmpty"
        ))
    );

    let mut s = bot_login();
    let (t, _) = s.expect::<functions::auth::ImportBotAuthorization>();
    // An answer for an id never sent is refused.
    assert_eq!(
        s.machine.handle_response(s.now, RequestId(9), &[]),
        Err(UnknownRequest(RequestId(9)))
    );
    s.reply_error(t.id, 400, "API_ID_INVALID");
    match s.one_event() {
        BotEvent::Failed(BotLoginError::Call(CallError::Rpc(e))) => {
            assert_eq!(e.kind(), RpcErrorKind::ApiIdInvalid)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn logout_hands_the_future_auth_token_to_the_logout_tokens() {
    let mut tokens = LogoutTokens::new();
    let mut s = Driven::new(|now| Logout::new(DcId(4), RetryPolicy::default(), now));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    assert_eq!(t.dc, DcId(4));
    let out: enums::auth::LoggedOut = types::auth::LoggedOut {
        future_auth_token: Some(vec![0xab; 32]),
    }
    .into();
    s.reply(t.id, &out);
    match s.one_event() {
        LogoutEvent::LoggedOut(Some(token)) => {
            assert_eq!(format!("{token:?}"), "FutureAuthToken(<redacted>)");
            assert!(tokens.push(token.as_bytes()));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.machine.is_finished());
    assert_eq!(tokens.to_vec(), vec![vec![0xab; 32]]);

    // No token (or an empty one): nothing to keep.
    for token in [None, Some(vec![])] {
        let mut s = Driven::new(|now| Logout::new(DcId(2), RetryPolicy::default(), now));
        let (t, _) = s.expect::<functions::auth::LogOut>();
        let out: enums::auth::LoggedOut = types::auth::LoggedOut {
            future_auth_token: token,
        }
        .into();
        s.reply(t.id, &out);
        assert_eq!(s.one_event(), LogoutEvent::LoggedOut(None));
    }
}

#[test]
fn logout_does_not_follow_migrations_and_reports_refusals() {
    let mut s = Driven::new(|now| Logout::new(DcId(4), RetryPolicy::default(), now));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    s.reply_error(t.id, 303, "USER_MIGRATE_2");
    match s.one_event() {
        LogoutEvent::Failed(CallError::Rpc(e)) => {
            assert_eq!(e.kind(), RpcErrorKind::UserMigrate(2))
        }
        other => panic!("{other:?}"),
    }
    s.no_transmit();
    assert_eq!(s.machine.dc(), DcId(4));

    let mut s = Driven::new(|now| Logout::new(DcId(2), RetryPolicy::default(), now));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_1");
    assert!(matches!(
        s.one_event(),
        LogoutEvent::FloodWait { seconds: 1, .. }
    ));
    s.advance(Duration::from_secs(1));
    let (t, _) = s.expect::<functions::auth::LogOut>();
    s.reply_error(t.id, 401, "AUTH_KEY_UNREGISTERED");
    match s.one_event() {
        LogoutEvent::Failed(CallError::Rpc(e)) => {
            assert_eq!(e.kind(), RpcErrorKind::AuthKeyUnregistered)
        }
        other => panic!("{other:?}"),
    }
}

fn exported(id: i64, bytes: Vec<u8>) -> enums::auth::ExportedAuthorization {
    types::auth::ExportedAuthorization { id, bytes }.into()
}

#[test]
fn handoff_exports_on_home_then_imports_on_target_with_unique_ids() {
    let mut s = Driven::new(|now| {
        Handoff::new(DcId(2), DcId(4), RetryPolicy::default(), now).expect("two DCs")
    });
    assert_eq!(s.machine.step(), Some(Step::Export));
    let (t, call) = s.expect::<functions::auth::ExportAuthorization>();
    assert_eq!((t.id, t.dc, call.dc_id), (RequestId(0), DcId(2), 4));
    s.fail(t.id, TransportFailure::Timeout);
    s.advance(RetryPolicy::default().transport_retry_delay);
    let (t, _) = s.expect::<functions::auth::ExportAuthorization>();
    assert_eq!(t.id, RequestId(1));
    s.reply(t.id, &exported(-77, vec![9; 32]));
    assert_eq!(s.one_event(), HandoffEvent::Exported);
    assert_eq!(s.machine.step(), Some(Step::Import));

    let (t, call) = s.expect::<functions::auth::ImportAuthorization>();
    assert_eq!((t.id, t.dc), (RequestId(2), DcId(4)));
    assert_eq!((call.id, call.bytes.clone()), (-77, vec![9; 32]));
    assert!(!format!("{call:?}").contains("9, 9"), "bytes redacted");
    // A late answer to the export is ignored; an id never sent is refused.
    s.reply(RequestId(0), &exported(1, vec![1]));
    assert!(s.events().is_empty());
    assert_eq!(
        s.machine.handle_response(s.now, RequestId(3), &[]),
        Err(UnknownRequest(RequestId(3)))
    );
    s.reply_error(t.id, 420, "FLOOD_WAIT_2");
    let until = s.now + Duration::from_secs(2);
    assert_eq!(
        s.one_event(),
        HandoffEvent::FloodWait {
            step: Step::Import,
            seconds: 2,
            until
        }
    );
    s.advance(Duration::from_secs(2));
    let (t, _) = s.expect::<functions::auth::ImportAuthorization>();
    assert_eq!(t.id, RequestId(3));
    s.reply(t.id, &authorization(1001));
    match s.one_event() {
        HandoffEvent::LoggedIn(auth) => {
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
fn handoff_failures_name_their_step() {
    let now = start();
    assert_eq!(
        Handoff::new(DcId(2), DcId(2), RetryPolicy::default(), now).map(|_| ()),
        Err(handoff::UsageError::SameDc(DcId(2)))
    );
    assert_eq!(
        Handoff::new(DcId(2), DcId(-1), RetryPolicy::default(), now).map(|_| ()),
        Err(handoff::UsageError::InvalidDc(DcId(-1)))
    );

    let mut s = Driven::new(|now| {
        Handoff::new(DcId(2), DcId(4), RetryPolicy::default(), now).expect("two DCs")
    });
    let (t, _) = s.expect::<functions::auth::ExportAuthorization>();
    s.reply_error(t.id, 401, "AUTH_KEY_UNREGISTERED");
    match s.one_event() {
        HandoffEvent::Failed(HandoffError::Call {
            step: Step::Export,
            error: CallError::Rpc(e),
        }) => assert_eq!(e.name, "AUTH_KEY_UNREGISTERED"),
        other => panic!("{other:?}"),
    }
    s.no_transmit();

    let mut s = Driven::new(|now| {
        Handoff::new(DcId(2), DcId(4), RetryPolicy::default(), now).expect("two DCs")
    });
    let (t, _) = s.expect::<functions::auth::ExportAuthorization>();
    s.reply(t.id, &exported(1, vec![1]));
    s.events();
    let (t, _) = s.expect::<functions::auth::ImportAuthorization>();
    s.reply_error(t.id, 400, "AUTH_BYTES_INVALID");
    match s.one_event() {
        HandoffEvent::Failed(HandoffError::Call {
            step: Step::Import,
            error: CallError::Rpc(e),
        }) => assert_eq!(e.name, "AUTH_BYTES_INVALID"),
        other => panic!("{other:?}"),
    }
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
    let mut s = Driven::new(|now| confirm_login(-42, DcId(2), RetryPolicy::default(), 5, now));
    let (t, call) = s.expect::<functions::account::ChangeAuthorizationSettings>();
    assert_eq!((t.id, t.dc), (RequestId(5), DcId(2)));
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
    assert_eq!(s.one_event(), CallEvent::Done(Ok(true)));

    let mut s = Driven::new(|now| reject_login(-42, DcId(2), RetryPolicy::default(), 0, now));
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
    match s.one_event() {
        CallEvent::Done(Err(CallError::Rpc(e))) => {
            assert_eq!(e.name, "FRESH_RESET_AUTHORISATION_FORBIDDEN")
        }
        other => panic!("{other:?}"),
    }

    let mut s = Driven::new(|now| list_authorizations(DcId(3), RetryPolicy::default(), 0, now));
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
        CallEvent::Done(Ok(enums::account::Authorizations::Authorizations(a))) => {
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
    let mut s =
        Driven::new(|now| invalidate_codes(&codes, DcId(2), RetryPolicy::default(), 0, now));
    let (t, call) = s.expect::<functions::account::InvalidateSignInCodes>();
    assert_eq!(t.dc, DcId(2));
    assert_eq!(call.codes, ["22222", "3333333"]);
    assert!(
        !format!("{call:?}").contains("22222"),
        "codes are redacted in Debug"
    );
    s.reply(t.id, &true);
    assert_eq!(s.one_event(), CallEvent::Done(Ok(true)));
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
        let mut s = Driven::new(|now| list_authorizations(DcId(2), RetryPolicy::default(), 0, now));
        let (t, _) = s.expect::<functions::account::GetAuthorizations>();
        s.reply_error(t.id, code, name);
        match s.one_event() {
            CallEvent::Done(Err(e)) => {
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
    let mut s = Driven::new(|now| list_authorizations(DcId(2), RetryPolicy::default(), 0, now));
    let (t, _) = s.expect::<functions::account::GetAuthorizations>();
    s.reply_error(t.id, 420, "FLOOD_WAIT_1");
    assert!(matches!(s.one_event(), CallEvent::FloodWait { .. }));
    assert!(!CallError::FloodWait { seconds: 1 }.is_frozen());
    assert!(
        !CallError::MalformedReply {
            method: "x",
            error: tl::DecodeError::UnexpectedEof
        }
        .is_frozen()
    );
}
