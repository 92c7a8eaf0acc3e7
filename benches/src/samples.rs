//! Realistic values of every auth result type the core reads, for the TL benchmarks.

use auth_core::srp::TELEGRAM_P;
use auth_core::tl::{enums, types};

/// `auth.sentCode`: an app code with an SMS fallback, as Telegram sends it.
pub fn sent_code() -> enums::auth::SentCode {
    types::auth::SentCode {
        r#type: types::auth::SentCodeTypeApp { length: 5 }.into(),
        phone_code_hash: "4c1fa0b2e59d7a3c6b".into(),
        next_type: Some(types::auth::CodeTypeSms {}.into()),
        timeout: Some(60),
    }
    .into()
}

/// A fully populated `user` of a logged-in account.
pub fn full_user() -> enums::User {
    types::User {
        is_self: true,
        premium: true,
        id: 1_234_567_890,
        access_hash: Some(-8_123_456_789_012_345_678),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        username: Some("ada_l".into()),
        phone: Some("9996621234".into()),
        photo: Some(
            types::UserProfilePhoto {
                has_video: false,
                personal: false,
                photo_id: 5_312_345_678_901_234_567,
                stripped_thumb: Some(vec![0x01; 380]),
                dc_id: 2,
            }
            .into(),
        ),
        status: Some(
            types::UserStatusOnline {
                expires: 1_767_229_200,
            }
            .into(),
        ),
        lang_code: Some("en".into()),
        emoji_status: Some(
            types::EmojiStatus {
                document_id: 5_368_324_170_671_202_286,
                until: None,
            }
            .into(),
        ),
        usernames: Some(vec![
            types::Username {
                editable: true,
                active: true,
                username: "ada_l".into(),
                ..Default::default()
            }
            .into(),
        ]),
        color: Some(
            types::PeerColor {
                color: Some(5),
                background_emoji_id: Some(5_377_305_978_079_288_312),
            }
            .into(),
        ),
        ..Default::default()
    }
    .into()
}

/// `auth.authorization` with a full `user` and a future auth token.
pub fn authorization() -> enums::auth::Authorization {
    types::auth::Authorization {
        otherwise_relogin_days: None,
        tmp_sessions: None,
        future_auth_token: Some(vec![0xa7; 32].into()),
        user: full_user().into(),
    }
    .into()
}

/// `account.password` of an account with 2FA: the SRP parameters with Telegram's 2048-bit
/// prime, a hint, recovery, the algorithms for a new password and 256 bytes of randomness.
pub fn password() -> enums::account::Password {
    let algo = types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
        salt1: vec![0x51; 40],
        salt2: vec![0x52; 16],
        g: 3,
        p: TELEGRAM_P.to_vec(),
    };
    let new_algo = types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
        salt1: vec![0x51; 8],
        ..algo.clone()
    };
    types::account::Password {
        has_recovery: true,
        has_secure_values: false,
        srp: Some(types::account::PasswordSrp {
            current_algo: algo.into(),
            srp_b: vec![0x5b; 256],
            srp_id: 7_301_234_567_890_123,
        }),
        hint: Some("the usual".into()),
        email_unconfirmed_pattern: None,
        new_algo: new_algo.into(),
        new_secure_algo: types::SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000 {
            salt: vec![0x53; 8],
        }
        .into(),
        secure_random: vec![0x77; 256],
        pending_reset_date: None,
        login_email_pattern: None,
    }
    .into()
}

/// `auth.loginToken` of a QR login.
pub fn login_token() -> enums::auth::LoginToken {
    types::auth::LoginToken {
        expires: 1_767_225_630,
        token: vec![0x3c; 32].into(),
    }
    .into()
}

/// `account.emailVerifiedLogin` carrying the email-code `auth.sentCode`.
pub fn email_verified() -> enums::account::EmailVerified {
    types::account::EmailVerifiedLogin {
        email: "ada@example.com".into(),
        sent_code: types::auth::SentCode {
            r#type: types::auth::SentCodeTypeEmailCode {
                apple_signin_allowed: false,
                google_signin_allowed: true,
                email_pattern: "a**@example.com".into(),
                length: 6,
                reset_available_period: Some(604_800),
                reset_pending_date: None,
            }
            .into(),
            phone_code_hash: "4c1fa0b2e59d7a3c6b".into(),
            next_type: None,
            timeout: None,
        }
        .into(),
    }
    .into()
}

/// The simulator's `help.countriesList` (fifteen countries with patterns).
pub fn countries_list() -> enums::help::CountriesList {
    auth_sim::countries_list("en").into()
}
