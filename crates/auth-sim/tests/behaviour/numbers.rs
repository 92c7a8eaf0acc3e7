//! Phone numbers, test numbers, sign-up, DCs.

use auth_core::DcId;
use auth_core::tl::{enums, functions};
use auth_sim::{AccountConfig, SimConfig};

use crate::common::*;

#[test]
fn phone_numbers_are_normalised() {
    let mut h = H::new();
    let sent = h.sent(2, 1, "+999 66-2 (1234)");
    assert_eq!(h.sim.last_code("9996621234"), Some("22222"));
    // The hash is bound to the digits, not to the spelling.
    let a = authorization(
        h.sign_in(2, 1, "9996621234", &sent.phone_code_hash, "22222")
            .and_then(|r| match r {
                enums::auth::Authorization::SignUpRequired(_) => {
                    h.sign_up(2, 1, "+9996621234", &sent.phone_code_hash, "Ann")
                }
                other => Ok(other),
            }),
    );
    assert_eq!(user(&a).phone.as_deref(), Some("9996621234"));
}

#[test]
fn malformed_phone_numbers_are_invalid() {
    let mut h = H::new();
    for bad in [
        "",
        "+",
        "   ",
        "12a45",
        "1234567890123456",
        "99966 2 12 34 ext 5",
    ] {
        let e = rpc_err(h.send_code(2, 1, bad));
        assert_eq!(
            (e.code, e.name.as_str()),
            (406, "PHONE_NUMBER_INVALID"),
            "{bad:?}"
        );
    }
    let e = rpc_err(h.sign_in(2, 1, "x", "hash", "1"));
    assert_eq!(e.name, "PHONE_NUMBER_INVALID");
}

#[test]
fn test_number_code_is_dc_digit_repeated() {
    let mut h = H::new();
    for dc in 1..=3 {
        let phone = format!("99966{dc}0042");
        let sent = h.sent(dc, 1, &phone);
        let expected = dc.to_string().repeat(5);
        assert_eq!(h.sim.last_code(&phone), Some(expected.as_str()));
        let enums::auth::SentCodeType::Sms(sms) = sent.r#type else {
            panic!("unknown numbers get an SMS");
        };
        assert_eq!(sms.length, 5);
    }
    let mut h = H::with(SimConfig {
        code_length: 6,
        ..SimConfig::default()
    });
    h.sent(3, 1, "9996631111");
    assert_eq!(h.sim.last_code("9996631111"), Some("333333"));
    // Only three test DCs: 99966 4 YYYY is an ordinary number, served near the client (DC 2).
    assert_eq!(err(h.send_code(4, 1, "9996640042")), "NETWORK_MIGRATE_2");
    h.sent(2, 1, "9996640042");
    assert_ne!(h.sim.last_code("9996640042"), Some("444444"));
}

#[test]
fn unknown_number_signs_up_with_terms_of_service() {
    let mut h = H::new();
    let sent = h.sent(2, 1, "9996625555");
    let r = h.sign_in(2, 1, "9996625555", &sent.phone_code_hash, "22222");
    let Ok(enums::auth::Authorization::SignUpRequired(up)) = r else {
        panic!("expected sign-up, got {r:?}");
    };
    let enums::help::TermsOfService::TermsOfService(tos) = up.terms_of_service.expect("terms");
    assert!(tos.popup);
    assert!(!tos.text.is_empty());
    assert_eq!(tos.entities.len(), 2);
    assert_eq!(tos.min_age_confirm, Some(16));
    let a = authorization(h.sign_up(2, 1, "9996625555", &sent.phone_code_hash, "Grace"));
    let u = user(&a);
    assert!(u.is_self);
    assert_eq!(u.first_name.as_deref(), Some("Grace"));
    assert_eq!(h.sim.authorized_user(DcId(2), 1), Some(u.id));
    let info = h.sim.account("9996625555").expect("the account persists");
    assert_eq!((info.user_id, info.home_dc), (u.id, DcId(2)));
    // The next login on another key goes straight to auth.authorization.
    let again = h.login(2, 2, "9996625555");
    assert_eq!(user(&again).id, u.id);
    // Signing up twice is refused.
    let sent = h.sent(2, 3, "9996625555");
    assert_eq!(
        err(h.sign_up(2, 3, "9996625555", &sent.phone_code_hash, "Eve")),
        "PHONE_NUMBER_OCCUPIED"
    );
}

#[test]
fn sign_up_rejects_blank_first_name() {
    let mut h = H::new();
    let sent = h.sent(1, 1, "9996617777");
    // Before the code was accepted there is nothing to sign up.
    assert_eq!(
        err(h.sign_up(1, 1, "9996617777", &sent.phone_code_hash, "Al")),
        "PHONE_CODE_EMPTY"
    );
    h.sign_in(1, 1, "9996617777", &sent.phone_code_hash, "11111")
        .expect("sign-up required");
    for blank in ["", "   ", "\t"] {
        assert_eq!(
            err(h.sign_up(1, 1, "9996617777", &sent.phone_code_hash, blank)),
            "FIRSTNAME_INVALID"
        );
    }
    authorization(h.sign_up(1, 1, "9996617777", &sent.phone_code_hash, " Al "));
    assert_eq!(
        h.sim.account("9996617777").map(|a| a.first_name),
        Some("Al".into())
    );
}

#[test]
fn unknown_number_is_sent_to_the_nearest_dc() {
    let mut h = H::new();
    // No account and no test number: the client's address decides (api/datacenter).
    let e = rpc_err(h.send_code(1, 1, "+44 7700 900123"));
    assert_eq!((e.code, e.name.as_str()), (303, "NETWORK_MIGRATE_2"));
    h.sent(2, 1, "+44 7700 900123");
    let code = h
        .sim
        .last_code("447700900123")
        .expect("observable")
        .to_owned();
    assert_eq!(code.len(), 5);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    // Deterministic: the same seed and calls give the same code.
    let mut h2 = H::new();
    h2.send_code(1, 1, "+44 7700 900123").ok();
    h2.sent(2, 1, "+44 7700 900123");
    assert_eq!(h2.sim.last_code("447700900123"), Some(code.as_str()));
    // It signs up where it was served, and is a known number from then on.
    let a = h.login(2, 1, "447700900123");
    assert_eq!(
        h.sim.account("447700900123").map(|a| a.home_dc),
        Some(DcId(2))
    );
    assert!(user(&a).id > 0);
    assert_eq!(err(h.send_code(3, 2, "447700900123")), "PHONE_MIGRATE_2");
    // help.getNearestDc says the same.
    let enums::NearestDc::NearestDc(near) = h
        .call(1, 3, &functions::help::GetNearestDc {})
        .expect("nearest");
    assert_eq!((near.this_dc, near.nearest_dc), (1, 2));
}

#[test]
fn sign_up_can_be_disabled_for_ordinary_numbers() {
    let mut h = H::with(SimConfig {
        allow_sign_up: false,
        ..SimConfig::default()
    });
    let sent = h.sent(2, 1, "15550001");
    let code = h.sim.last_code("15550001").expect("code").to_owned();
    assert_eq!(
        err(h.sign_in(2, 1, "15550001", &sent.phone_code_hash, &code)),
        "PHONE_NUMBER_UNOCCUPIED"
    );
    // Test numbers still sign up, as on Telegram's test DCs.
    h.login(2, 1, "9996620001");
}

#[test]
fn wrong_dc_send_code_gets_phone_migrate() {
    let mut h = H::new();
    let e = rpc_err(h.send_code(2, 1, "9996631234"));
    assert_eq!((e.code, e.name.as_str()), (303, "PHONE_MIGRATE_3"));
    h.sent(3, 9, "9996631234");
    h.sim
        .add_account(AccountConfig::new("+1 555 0100", DcId(4)))
        .expect("add");
    assert_eq!(err(h.send_code(2, 1, "15550100")), "PHONE_MIGRATE_4");
}

#[test]
fn configured_account_home_dc_overrides_test_digit() {
    let mut h = H::new();
    h.sim
        .add_account(AccountConfig::new("9996611234", DcId(3)).with_name("Ada", "L"))
        .expect("add");
    assert_eq!(err(h.send_code(1, 1, "9996611234")), "PHONE_MIGRATE_3");
    let a = h.login(3, 1, "9996611234");
    assert_eq!(user(&a).first_name.as_deref(), Some("Ada"));
    assert_eq!(
        h.sim.last_code("9996611234"),
        Some("11111"),
        "still the test digit"
    );
}

#[test]
fn authorized_key_on_wrong_dc_gets_user_migrate() {
    let mut h = H::new();
    h.login(2, 1, "9996621111");
    let enums::auth::ExportedAuthorization::ExportedAuthorization(ex) = h
        .call(2, 1, &functions::auth::ExportAuthorization { dc_id: 4 })
        .expect("export");
    authorization(h.call(
        4,
        7,
        &functions::auth::ImportAuthorization {
            id: ex.id,
            bytes: ex.bytes,
        },
    ));
    let e = rpc_err(h.call(4, 7, &functions::account::GetAuthorizations {}));
    assert_eq!((e.code, e.name.as_str()), (303, "USER_MIGRATE_2"));
    // Methods allowed before login still answer there, and logging out works.
    h.call(4, 7, &functions::help::GetNearestDc {})
        .expect("nearest");
    h.call(4, 7, &functions::auth::LogOut {}).expect("logout");
}

#[test]
fn without_a_nearest_dc_new_numbers_stay_where_they_arrive() {
    let mut h = H::with(SimConfig {
        nearest_dc: None,
        ..SimConfig::default()
    });
    h.sent(5, 1, "15550002");
    h.login(5, 1, "15550002");
    assert_eq!(h.sim.account("15550002").map(|a| a.home_dc), Some(DcId(5)));
    // Known and test numbers keep their homes.
    assert_eq!(err(h.send_code(1, 2, "15550002")), "PHONE_MIGRATE_5");
    assert_eq!(err(h.send_code(5, 2, "9996621234")), "PHONE_MIGRATE_2");
    let enums::NearestDc::NearestDc(near) = h
        .call(4, 3, &functions::help::GetNearestDc {})
        .expect("nearest");
    assert_eq!(near.nearest_dc, 4);
}

#[test]
fn nonexistent_dc_is_invalid() {
    let mut h = H::new();
    for dc in [0, 6, -1, 1000] {
        assert_eq!(
            err(h.send_code(dc, 1, "9996621234")),
            "DC_ID_INVALID",
            "{dc}"
        );
    }
    h.login(2, 1, "9996621234");
    for dc_id in [0, 2, 6] {
        assert_eq!(
            err(h.call(2, 1, &functions::auth::ExportAuthorization { dc_id })),
            "DC_ID_INVALID",
            "{dc_id}"
        );
    }
}
