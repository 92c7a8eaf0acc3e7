//! QR-code login: exporting, accepting and importing login tokens.

use std::time::Duration;

use auth_core::DcId;
use auth_core::tl::{enums, functions, types};
use auth_sim::{AccountConfig, DEFAULT_LOGIN_TOKEN_TTL, KeyId, KeyStatus, SimConfig};

use crate::common::*;

/// The exporting client's key; the accepting device uses key 100 of its home DC.
const CLIENT: u64 = 7;
const DEVICE: u64 = 100;

fn export(
    h: &mut H,
    dc: i32,
    except_ids: Vec<i64>,
) -> Result<enums::auth::LoginToken, auth_core::RpcError> {
    h.call(
        dc,
        CLIENT,
        &functions::auth::ExportLoginToken {
            api_id: API_ID,
            api_hash: API_HASH.into(),
            except_ids,
        },
    )
}

/// An export that must answer a plain `auth.loginToken`.
fn token(h: &mut H, dc: i32) -> types::auth::LoginToken {
    match export(h, dc, vec![]) {
        Ok(enums::auth::LoginToken::LoginToken(t)) => t,
        other => panic!("expected auth.loginToken, got {other:?}"),
    }
}

fn accept(h: &mut H, dc: i32, token: &[u8]) -> Result<enums::Authorization, auth_core::RpcError> {
    h.call(
        dc,
        DEVICE,
        &functions::auth::AcceptLoginToken {
            token: token.to_vec().into(),
        },
    )
}

fn import(
    h: &mut H,
    dc: i32,
    key: u64,
    token: &[u8],
) -> Result<enums::auth::LoginToken, auth_core::RpcError> {
    h.call(
        dc,
        key,
        &functions::auth::ImportLoginToken {
            token: token.to_vec().into(),
        },
    )
}

fn success_user(r: Result<enums::auth::LoginToken, auth_core::RpcError>) -> i64 {
    match r {
        Ok(enums::auth::LoginToken::Success(s)) => user(&authorization(Ok(s.authorization))).id,
        other => panic!("expected auth.loginTokenSuccess, got {other:?}"),
    }
}

#[test]
fn login_token_export_accept_and_success() {
    let mut h = H::new();
    let user_id = h
        .sim
        .add_account(AccountConfig::new("9996620001", DcId(2)))
        .unwrap();
    assert_eq!(h.sim.login_token_ttl(), DEFAULT_LOGIN_TOKEN_TTL);
    let first = token(&mut h, 2);
    assert_eq!(first.token.len(), 32);
    assert_eq!(
        i64::from(first.expires),
        h.sim.unix_time(h.now) + 30,
        "expires 30 s ahead"
    );
    // A new export replaces the key's token.
    h.advance(Duration::from_secs(5));
    let second = token(&mut h, 2);
    assert_ne!(first.token, second.token);
    assert_eq!(i64::from(second.expires), h.sim.unix_time(h.now) + 30);
    h.login(2, DEVICE, "9996620001");
    assert_eq!(err(accept(&mut h, 2, &first.token)), "AUTH_TOKEN_INVALID");
    assert_eq!(h.sim.take_login_token_updates(), []);

    let session = accept(&mut h, 2, &second.token).expect("accepted");
    let enums::Authorization::Authorization(session) = session;
    assert_eq!(session.api_id, API_ID);
    assert_eq!(i64::from(session.date_created), h.sim.unix_time(h.now));
    assert!(!session.password_pending);
    assert_eq!(
        h.sim.take_login_token_updates(),
        [KeyId {
            dc: DcId(2),
            key: CLIENT
        }]
    );
    assert_eq!(h.sim.take_login_token_updates(), []);
    assert_eq!(h.sim.key_status(DcId(2), CLIENT), KeyStatus::Unauthorized);
    assert_eq!(success_user(export(&mut h, 2, vec![])), user_id);
    assert_eq!(h.sim.authorized_user(DcId(2), CLIENT), Some(user_id));

    // The TTL is configurable.
    let mut h = H::new();
    h.sim.set_login_token_ttl(Duration::from_secs(90));
    let t = token(&mut h, 2);
    assert_eq!(i64::from(t.expires), h.sim.unix_time(h.now) + 90);
    // Bad credentials are refused.
    let e = h.call(
        2,
        CLIENT,
        &functions::auth::ExportLoginToken {
            api_id: 0,
            api_hash: String::new(),
            except_ids: vec![],
        },
    );
    assert_eq!(err(e), "API_ID_INVALID");
}

#[test]
fn login_token_accept_errors() {
    let mut h = H::new();
    let user_id = h
        .sim
        .add_account(AccountConfig::new("9996620001", DcId(2)))
        .unwrap();
    // Not logged in: refused before the token is even looked at.
    let e = rpc_err(accept(&mut h, 2, b"whatever"));
    assert_eq!((e.code, e.name.as_str()), (401, "AUTH_KEY_UNREGISTERED"));
    h.login(2, DEVICE, "9996620001");
    assert_eq!(err(accept(&mut h, 2, b"not a token")), "AUTH_TOKEN_INVALID");

    let t = token(&mut h, 2);
    h.advance(Duration::from_secs(30));
    assert_eq!(err(accept(&mut h, 2, &t.token)), "AUTH_TOKEN_EXPIRED");
    // Still known after a later export by another key (which sweeps), until an hour after
    // expiry.
    let other_export = functions::auth::ExportLoginToken {
        api_id: API_ID,
        api_hash: API_HASH.into(),
        except_ids: vec![],
    };
    h.call(2, CLIENT + 1, &other_export).expect("export");
    assert_eq!(err(accept(&mut h, 2, &t.token)), "AUTH_TOKEN_EXPIRED");
    h.advance(Duration::from_secs(3599));
    h.call(2, CLIENT + 1, &other_export).expect("export");
    assert_eq!(err(accept(&mut h, 2, &t.token)), "AUTH_TOKEN_EXPIRED");
    h.advance(Duration::from_secs(1));
    h.call(2, CLIENT + 1, &other_export).expect("export");
    assert_eq!(err(accept(&mut h, 2, &t.token)), "AUTH_TOKEN_INVALID");

    let t = token(&mut h, 2);
    accept(&mut h, 2, &t.token).expect("accepted");
    assert_eq!(
        err(accept(&mut h, 2, &t.token)),
        "AUTH_TOKEN_ALREADY_ACCEPTED"
    );

    let Ok(enums::auth::LoginToken::LoginToken(excepted)) = export(&mut h, 3, vec![user_id]) else {
        panic!("expected a token");
    };
    assert_eq!(
        err(accept(&mut h, 2, &excepted.token)),
        "AUTH_TOKEN_EXCEPTION"
    );

    // A bot cannot accept.
    let token_str = "4242:bot-secret";
    h.sim
        .add_bot(auth_sim::BotConfig::new(token_str, DcId(2)))
        .unwrap();
    h.call(
        2,
        DEVICE + 1,
        &functions::auth::ImportBotAuthorization {
            flags: 0,
            api_id: API_ID,
            api_hash: API_HASH.into(),
            bot_auth_token: token_str.into(),
        },
    )
    .expect("bot login");
    let t = token(&mut h, 4);
    let e = h.call(
        2,
        DEVICE + 1,
        &functions::auth::AcceptLoginToken { token: t.token },
    );
    assert_eq!(err(e), "BOT_METHOD_INVALID");
}

#[test]
fn login_token_migrates_to_home_dc() {
    let mut h = H::new();
    let user_id = h
        .sim
        .add_account(AccountConfig::new("9996640001", DcId(4)))
        .unwrap();
    h.login(4, DEVICE, "9996640001");
    let t = token(&mut h, 2);
    accept(&mut h, 4, &t.token).expect("accepted");
    let migrate = match export(&mut h, 2, vec![]) {
        Ok(enums::auth::LoginToken::MigrateTo(m)) => m,
        other => panic!("expected auth.loginTokenMigrateTo, got {other:?}"),
    };
    assert_eq!(migrate.dc_id, 4);
    assert_ne!(migrate.token, t.token);
    assert_eq!(h.sim.key_status(DcId(2), CLIENT), KeyStatus::Unauthorized);
    // Only on DC 4.
    assert_eq!(
        err(import(&mut h, 3, CLIENT, &migrate.token)),
        "AUTH_TOKEN_INVALID"
    );
    assert_eq!(
        err(import(&mut h, 4, CLIENT, b"unknown")),
        "AUTH_TOKEN_INVALID"
    );
    // The exported token itself is not importable.
    assert_eq!(
        err(import(&mut h, 4, CLIENT, &t.token)),
        "AUTH_TOKEN_INVALID"
    );
    assert_eq!(
        success_user(import(&mut h, 4, CLIENT, &migrate.token)),
        user_id
    );
    assert_eq!(h.sim.authorized_user(DcId(4), CLIENT), Some(user_id));
    assert_eq!(
        err(import(&mut h, 4, CLIENT + 1, &migrate.token)),
        "AUTH_TOKEN_ALREADY_ACCEPTED"
    );

    // An import token expires like the others.
    let t = token(&mut h, 1);
    accept(&mut h, 4, &t.token).expect("accepted");
    let Ok(enums::auth::LoginToken::MigrateTo(m)) = export(&mut h, 1, vec![]) else {
        panic!("expected auth.loginTokenMigrateTo");
    };
    h.advance(Duration::from_secs(30));
    assert_eq!(err(import(&mut h, 4, 9, &m.token)), "AUTH_TOKEN_EXPIRED");
    assert_eq!(h.sim.key_status(DcId(4), 9), KeyStatus::Unauthorized);
}

#[test]
fn login_token_with_password_needs_password() {
    let mut h = H::with(SimConfig::default());
    let user_id = h
        .sim
        .add_account(AccountConfig::new("9996620001", DcId(2)).with_password("pw"))
        .unwrap();
    // The accepting device is logged in already (its password was checked then).
    let sent = h.sent(2, DEVICE, "9996620001");
    h.sign_in(2, DEVICE, "9996620001", &sent.phone_code_hash, "22222")
        .ok();
    h.check_password(2, DEVICE, "pw").expect("device logged in");

    let t = token(&mut h, 2);
    let enums::Authorization::Authorization(session) =
        accept(&mut h, 2, &t.token).expect("accepted");
    assert!(session.password_pending);
    let e = rpc_err(export(&mut h, 2, vec![]));
    assert_eq!((e.code, e.name.as_str()), (401, "SESSION_PASSWORD_NEEDED"));
    assert_eq!(
        h.sim.key_status(DcId(2), CLIENT),
        KeyStatus::PasswordPending { user_id }
    );
    // The key now answers as any password-pending key: getPassword, then checkPassword logs
    // it in.
    let auth = authorization(h.check_password(2, CLIENT, "pw"));
    assert_eq!(user(&auth).id, user_id);
    assert_eq!(h.sim.authorized_user(DcId(2), CLIENT), Some(user_id));

    // Through the other DC: the import asks for the password.
    let mut h = H::new();
    let user_id = h
        .sim
        .add_account(AccountConfig::new("9996630001", DcId(3)).with_password("pw"))
        .unwrap();
    let t = token(&mut h, 2);
    h.sim
        .accept_login_token_as("9996630001", &t.token, h.now)
        .expect("accepted");
    let Ok(enums::auth::LoginToken::MigrateTo(m)) = export(&mut h, 2, vec![]) else {
        panic!("expected auth.loginTokenMigrateTo");
    };
    let e = rpc_err(import(&mut h, 3, CLIENT, &m.token));
    assert_eq!((e.code, e.name.as_str()), (401, "SESSION_PASSWORD_NEEDED"));
    assert_eq!(
        h.sim.key_status(DcId(3), CLIENT),
        KeyStatus::PasswordPending { user_id }
    );
    authorization(h.check_password(3, CLIENT, "pw"));
    assert_eq!(h.sim.authorized_user(DcId(3), CLIENT), Some(user_id));
}

#[test]
fn accept_login_token_as_plays_the_other_device() {
    let mut h = H::new();
    let user_id = h
        .sim
        .add_account(AccountConfig::new("+999 66 2 0001", DcId(2)))
        .unwrap();
    let t = token(&mut h, 2);
    assert_eq!(
        rpc_err(
            h.sim
                .accept_login_token_as("+999 66 2 9999", &t.token, h.now)
        )
        .name,
        "AUTH_KEY_UNREGISTERED"
    );
    let calls = h.sim.calls().len();
    let enums::Authorization::Authorization(session) = h
        .sim
        .accept_login_token_as("999-66-2-0001", &t.token, h.now)
        .expect("accepted");
    assert_eq!(session.api_id, API_ID);
    assert_eq!(h.sim.calls().len(), calls, "not a call");
    assert_eq!(
        err(h.sim.accept_login_token_as("9996620001", &t.token, h.now)),
        "AUTH_TOKEN_ALREADY_ACCEPTED"
    );
    assert_eq!(
        h.sim.take_login_token_updates(),
        [KeyId {
            dc: DcId(2),
            key: CLIENT
        }]
    );
    assert_eq!(success_user(export(&mut h, 2, vec![])), user_id);
    // No device key was logged in on the way.
    assert_eq!(
        h.sim
            .keys()
            .into_iter()
            .filter(|(_, s)| matches!(s, KeyStatus::Authorized { .. }))
            .map(|(k, _)| k)
            .collect::<Vec<_>>(),
        [KeyId {
            dc: DcId(2),
            key: CLIENT
        }]
    );
}
