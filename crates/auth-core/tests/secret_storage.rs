//! Secrets are wiped wherever the core copies them (issue 14, item 9): the TL types keep their
//! secret fields in wiping storage, calls leave the core in a wiping buffer, and serialisation
//! sizes that buffer once, so no reallocation frees an unwiped copy of a code or token. Its own
//! test binary with one test, so no other test's allocations are counted.

use std::alloc::System;
use std::time::Instant;

use auth_core::login::{Config, Login};
use auth_core::logout_tokens::LogoutTokens;
use auth_core::tl::{self, SecretBytes, SecretString, Serialize, enums, functions, types};
use auth_core::{Authorization, Transmit, entropy::Entropy};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use zeroize::ZeroizeOnDrop;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn secrets_are_wiped_wherever_the_core_copies_them() {
    secret_fields_of_the_tl_types_are_wiping_storage();
    a_decoded_secret_is_moved_into_its_storage_not_copied();
    serialisation_sizes_its_buffer_once();
    a_login_hands_out_its_calls_in_wiping_buffers_of_exact_size();
}

/// Compiles only if the value wipes itself on drop.
fn wipes<T: ZeroizeOnDrop>(_: &T) {}

fn secret_fields_of_the_tl_types_are_wiping_storage() {
    let bot = functions::auth::ImportBotAuthorization {
        bot_auth_token: "42:secret".into(),
        ..Default::default()
    };
    wipes(&bot.bot_auth_token);
    let exported = types::auth::ExportedAuthorization {
        id: 1,
        bytes: vec![7; 32].into(),
    };
    wipes(&exported.bytes);
    let import = functions::auth::ImportAuthorization {
        id: 1,
        bytes: exported.bytes.clone(),
    };
    wipes(&import.bytes);
    let out = types::auth::LoggedOut {
        future_auth_token: Some(vec![1; 16].into()),
    };
    wipes(out.future_auth_token.as_ref().expect("a token"));
    let settings = types::CodeSettings {
        logout_tokens: Some(vec![vec![2; 16].into()]),
        ..Default::default()
    };
    wipes(&settings.logout_tokens.as_ref().expect("tokens")[0]);
    let email = types::EmailVerificationCode {
        code: "12345".into(),
    };
    wipes(&email.code);
    let sign_in = functions::auth::SignIn {
        phone_code: Some("22222".into()),
        ..Default::default()
    };
    wipes(sign_in.phone_code.as_ref().expect("a code"));
    wipes(&sign_in.phone_code_hash);
    let passkey = types::InputPasskeyResponseLogin {
        signature: vec![3; 64].into(),
        ..Default::default()
    };
    wipes(&passkey.signature);
    wipes(&SecretString::from("x"));
    wipes(&SecretBytes::from(vec![1]));
}

fn a_decoded_secret_is_moved_into_its_storage_not_copied() {
    let bytes = types::auth::ExportedAuthorization {
        id: 5,
        bytes: vec![9; 1000].into(),
    }
    .to_bytes();
    let region = Region::new(GLOBAL);
    let decoded: types::auth::ExportedAuthorization = tl::decode(&bytes).expect("decodes");
    let stats = region.change();
    // The one allocation is the value's own buffer, exactly its size; nothing was reallocated
    // or freed (a freed copy would be an unwiped one).
    assert_eq!(
        (stats.allocations, stats.reallocations, stats.deallocations),
        (1, 0, 0)
    );
    assert_eq!(stats.bytes_allocated, 1000);
    assert_eq!(decoded.bytes, vec![9; 1000]);
}

fn serialisation_sizes_its_buffer_once() {
    let mut tokens = Vec::new();
    for i in 0..20u8 {
        tokens.push(SecretBytes::from(vec![i; 32]));
    }
    let send_code = functions::auth::SendCode {
        phone_number: "9996621234".into(),
        api_id: 12345,
        api_hash: "0123456789abcdef0123456789abcdef".into(),
        settings: types::CodeSettings {
            allow_flashcall: true,
            logout_tokens: Some(tokens),
            app_token: Some(types::CodeSettingsAppToken {
                token: "x".repeat(300).into(),
                app_sandbox: false,
            }),
            ..Default::default()
        }
        .into(),
    };
    let check = functions::auth::CheckPassword {
        password: types::InputCheckPasswordSRP {
            srp_id: 1,
            a: vec![1; 256],
            m1: vec![2; 32].into(),
        }
        .into(),
    };
    let bot = functions::auth::ImportBotAuthorization {
        flags: 0,
        api_id: 1,
        api_hash: "h".into(),
        bot_auth_token: "123456:AAbbCCddEEff".into(),
    };
    let bodies: [&dyn Serialize; 3] = [&send_code, &check, &bot];
    for call in bodies {
        let region = Region::new(GLOBAL);
        let bytes = call.to_bytes();
        let stats = region.change();
        assert_eq!(
            (stats.allocations, stats.reallocations),
            (1, 0),
            "one buffer, never grown"
        );
        assert_eq!(bytes.capacity(), bytes.len());
        assert_eq!(Ok(bytes.len()), call.encoded_len());
    }
    // The boxed enums and results too.
    let user = enums::User::from(types::User {
        id: 7,
        first_name: Some("Ada".into()),
        ..Default::default()
    });
    let auth = enums::auth::Authorization::from(types::auth::Authorization {
        future_auth_token: Some(vec![3; 32].into()),
        user: user.into(),
        ..Default::default()
    });
    let bytes = auth.to_bytes();
    assert_eq!(bytes.capacity(), bytes.len());
}

fn a_login_hands_out_its_calls_in_wiping_buffers_of_exact_size() {
    let mut config = Config::new(12345, "0123456789abcdef");
    let mut logout_tokens = LogoutTokens::new();
    for i in 0..5u8 {
        logout_tokens.push(&[i; 32]);
    }
    config.logout_tokens = logout_tokens;
    #[allow(clippy::disallowed_methods)] // the test's clock
    let now = Instant::now();
    let mut login = Login::new(
        config,
        "+999 66 2 1234",
        &mut Entropy::deterministic([1; 32]),
        now,
    )
    .expect("a valid login");
    let t: Transmit = login.poll_transmit().expect("auth.sendCode");
    wipes(&t.body);
    assert_eq!(t.body.capacity(), t.body.len());
    let call: functions::auth::SendCode = tl::decode(&t.body).expect("auth.sendCode");
    let enums::CodeSettings::CodeSettings(settings) = call.settings;
    assert_eq!(settings.logout_tokens.map(|t| t.len()), Some(5));
    // The authorization a login ends with keeps its token in wiping storage too.
    let auth = Authorization {
        dc: auth_core::DcId(2),
        layer: tl::Layer::DEFAULT,
        user_id: 7,
        is_bot: false,
        user: tl::RawUser::from(enums::User::from(types::User {
            id: 7,
            ..Default::default()
        })),
        setup_password_required: false,
        otherwise_relogin_days: None,
        tmp_sessions: None,
        future_auth_token: Some(vec![4; 32].into()),
    };
    wipes(auth.future_auth_token.as_ref().expect("a token"));
}
