//! Logout tokens, exported authorizations, bots, API credentials.

use auth_core::DcId;
use auth_core::tl::{enums, functions, types};
use auth_sim::{AccountConfig, BotConfig, KeyStatus, SimConfig};

use crate::common::*;

fn log_out(h: &mut H, dc: i32, key: u64) -> Vec<u8> {
    let enums::auth::LoggedOut::LoggedOut(out) = h
        .call(dc, key, &functions::auth::LogOut {})
        .expect("logOut");
    out.future_auth_token.expect("a token").to_vec()
}

fn with_tokens(tokens: Vec<Vec<u8>>) -> types::CodeSettings {
    types::CodeSettings {
        logout_tokens: Some(tokens.into_iter().map(Into::into).collect()),
        ..types::CodeSettings::default()
    }
}

#[test]
fn logout_token_skips_code() {
    let mut h = H::new();
    let a = h.login(2, 1, "9996621234");
    let id = user(&a).id;
    let token = log_out(&mut h, 2, 1);
    assert_eq!(h.sim.key_status(DcId(2), 1), KeyStatus::Unauthorized);
    let other = log_out_other(&mut h);
    let r = h.send_code_with(2, 5, "9996621234", with_tokens(vec![other, token.clone()]));
    let Ok(enums::auth::SentCode::Success(success)) = r else {
        panic!("expected auth.sentCodeSuccess, got {r:?}");
    };
    assert_eq!(user(&authorization(Ok(success.authorization))).id, id);
    assert_eq!(h.sim.authorized_user(DcId(2), 5), Some(id));
    assert_eq!(
        h.sim.counters("9996621234").codes_sent,
        1,
        "no code was sent"
    );
    // Each token works once.
    sent_code(h.send_code_with(2, 6, "9996621234", with_tokens(vec![token])));
}

#[test]
fn logout_tokens_expire() {
    let mut h = H::with(SimConfig {
        logout_token_ttl: std::time::Duration::from_secs(3600),
        ..SimConfig::default()
    });
    h.login(2, 1, "9996621234");
    let token = log_out(&mut h, 2, 1);
    h.advance(std::time::Duration::from_secs(3600));
    // Past its lifetime the token is ignored: a code is sent as usual.
    let sent = sent_code(h.send_code_with(2, 2, "9996621234", with_tokens(vec![token])));
    assert!(!sent.phone_code_hash.is_empty());
    assert_eq!(h.sim.key_status(DcId(2), 2), KeyStatus::Unauthorized);
    // Within it, the token skips the code.
    h.login(2, 3, "9996621234");
    let token = log_out(&mut h, 2, 3);
    h.advance(std::time::Duration::from_secs(3599));
    let r = h.send_code_with(2, 4, "9996621234", with_tokens(vec![token]));
    assert!(matches!(r, Ok(enums::auth::SentCode::Success(_))), "{r:?}");
}

/// A token of another account (ignored for this number).
fn log_out_other(h: &mut H) -> Vec<u8> {
    h.login(2, 99, "9996629999");
    log_out(h, 2, 99)
}

#[test]
fn logout_token_with_password_needs_password() {
    let mut h = H::new();
    let id = h
        .sim
        .add_account(AccountConfig::new("9996621234", DcId(2)).with_password("pw"))
        .expect("add");
    let sent = h.sent(2, 1, "9996621234");
    h.sign_in(2, 1, "9996621234", &sent.phone_code_hash, "22222")
        .ok();
    let a = authorization(h.check_password(2, 1, "pw"));
    assert!(a.future_auth_token.is_some());
    let token = log_out(&mut h, 2, 1);
    let e = rpc_err(h.send_code_with(2, 2, "9996621234", with_tokens(vec![token])));
    assert_eq!(e.name, "SESSION_PASSWORD_NEEDED");
    assert_eq!(
        h.sim.key_status(DcId(2), 2),
        KeyStatus::PasswordPending { user_id: id }
    );
    assert!(h.sim.last_code("9996621234").is_some());
    assert_eq!(
        h.sim.counters("9996621234").codes_sent,
        1,
        "no new code was sent"
    );
}

#[test]
fn export_import_authorization() {
    let mut h = H::new();
    let a = h.login(2, 1, "9996621234");
    let export = |dc_id| functions::auth::ExportAuthorization { dc_id };
    let enums::auth::ExportedAuthorization::ExportedAuthorization(ex) =
        h.call(2, 1, &export(4)).expect("export");
    let import = |id, bytes: &[u8]| functions::auth::ImportAuthorization {
        id,
        bytes: bytes.to_vec().into(),
    };
    assert_eq!(
        err(h.call(4, 7, &import(ex.id, b"wrong"))),
        "AUTH_BYTES_INVALID"
    );
    assert_eq!(
        err(h.call(3, 7, &import(ex.id, &ex.bytes))),
        "AUTH_BYTES_INVALID",
        "other DC"
    );
    let imported = authorization(h.call(4, 7, &import(ex.id, &ex.bytes)));
    assert_eq!(user(&imported).id, user(&a).id);
    assert_eq!(h.sim.authorized_user(DcId(4), 7), Some(user(&a).id));
    assert_eq!(
        err(h.call(4, 8, &import(ex.id, &ex.bytes))),
        "AUTH_BYTES_INVALID",
        "used"
    );
    // Exporting needs a logged-in key.
    assert_eq!(err(h.call(2, 50, &export(4))), "AUTH_KEY_UNREGISTERED");
}

#[test]
fn bot_login() {
    let mut h = H::new();
    let id = h
        .sim
        .add_bot(BotConfig::new("123456:AAbbCC-dd_ee", DcId(2)).with_name("Sim Bot", "simbot"))
        .expect("add bot");
    assert_eq!(id, 123_456);
    let import = |token: &str| functions::auth::ImportBotAuthorization {
        flags: 0,
        api_id: API_ID,
        api_hash: API_HASH.into(),
        bot_auth_token: token.into(),
    };
    for bad in ["", "123456", "123456:wrong", "654321:AAbbCC-dd_ee"] {
        assert_eq!(
            err(h.call(2, 1, &import(bad))),
            "ACCESS_TOKEN_INVALID",
            "{bad:?}"
        );
    }
    let e = rpc_err(h.call(1, 1, &import("123456:AAbbCC-dd_ee")));
    assert_eq!((e.code, e.name.as_str()), (303, "USER_MIGRATE_2"));
    let a = authorization(h.call(2, 1, &import("123456:AAbbCC-dd_ee")));
    let bot = user(&a);
    assert_eq!((bot.id, bot.username.as_deref()), (123_456, Some("simbot")));
    assert!(bot.bot_info_version.is_some(), "the bot flag is set");
    assert_eq!(h.sim.authorized_user(DcId(2), 1), Some(id));
    assert!(h.sim.add_bot(BotConfig::new("no-colon", DcId(2))).is_err());
}

#[test]
fn api_credentials_checked() {
    let mut h = H::new();
    let call = |api_id, api_hash: &str| functions::auth::SendCode {
        phone_number: "9996621234".into(),
        api_id,
        api_hash: api_hash.into(),
        settings: types::CodeSettings::default().into(),
    };
    assert_eq!(err(h.call(2, 1, &call(0, "hash"))), "API_ID_INVALID");
    assert_eq!(err(h.call(2, 1, &call(-5, "hash"))), "API_ID_INVALID");
    assert_eq!(err(h.call(2, 1, &call(7, ""))), "API_ID_INVALID");
    sent_code(h.call(2, 1, &call(7, "anything")));
    let mut h = H::with(SimConfig {
        api_credentials: Some(vec![(7, "right".into())]),
        ..SimConfig::default()
    });
    assert_eq!(err(h.call(2, 1, &call(7, "wrong"))), "API_ID_INVALID");
    assert_eq!(err(h.call(2, 1, &call(8, "right"))), "API_ID_INVALID");
    sent_code(h.call(2, 1, &call(7, "right")));
}
