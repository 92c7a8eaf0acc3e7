//! The inspection API, determinism and time.

use std::time::Duration;

use auth_core::DcId;
use auth_core::tl::{Serialize, enums, functions, types};
use auth_sim::{AccountConfig, Delivery, KeyStatus, Sim, SimConfig, SimError};

use crate::common::*;

#[test]
fn deliveries_and_call_log_are_observable() {
    let mut h = H::new();
    h.send_code(1, 1, "9996621234").ok();
    let sent = h.sent(2, 1, "9996621234");
    h.sign_in(2, 1, "9996621234", &sent.phone_code_hash, "00000")
        .ok();
    h.sign_in(2, 1, "9996621234", &sent.phone_code_hash, "22222")
        .ok();
    let deliveries = h.sim.take_deliveries();
    assert_eq!(
        deliveries,
        [Delivery::Sms {
            phone: "9996621234".into(),
            code: "22222".into()
        }]
    );
    assert_eq!(deliveries[0].to_string(), "SMS to +9996621234: code 22222");
    assert!(h.sim.take_deliveries().is_empty(), "drained");
    let lines: Vec<String> = h.sim.calls().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "DC 1 key 0x1: auth.sendCode -> 303 PHONE_MIGRATE_2",
            "DC 2 key 0x1: auth.sendCode -> auth.sentCode",
            "DC 2 key 0x1: auth.signIn -> 400 PHONE_CODE_INVALID",
            "DC 2 key 0x1: auth.signIn -> auth.authorizationSignUpRequired",
        ]
    );
    let c = h.sim.counters("+999 66 2 1234");
    assert_eq!(
        (c.send_code_calls, c.codes_sent, c.failed_code_attempts),
        (2, 1, 1)
    );
    assert_eq!(h.sim.take_calls().len(), 4);
    assert_eq!(h.sim.calls().len(), 0);
    assert_eq!(h.sim.key_status(DcId(2), 1), KeyStatus::Unauthorized);
    assert_eq!(h.sim.keys().len(), 0, "no key changed state yet");
}

#[test]
fn same_seed_same_replies() {
    let script = |seed: [u8; 32]| {
        let mut h = H::with(SimConfig {
            seed,
            ..SimConfig::default()
        });
        let mut replies = Vec::new();
        for (dc, phone) in [(1, "15550001"), (2, "9996621234"), (1, "15550002")] {
            let body = functions::auth::SendCode {
                phone_number: phone.into(),
                api_id: API_ID,
                api_hash: API_HASH.into(),
                settings: types::CodeSettings::default().into(),
            }
            .to_bytes();
            replies.push(h.sim.handle(h.now, DcId(dc), 1, &body));
        }
        (replies, h.sim.take_deliveries())
    };
    assert_eq!(script([1; 32]), script([1; 32]));
    let (a, _) = script([1; 32]);
    let (b, _) = script([2; 32]);
    assert_ne!(a, b, "the seed changes hashes and codes");
}

#[test]
fn unix_times_follow_time_base() {
    let mut h = H::with(SimConfig {
        unix_time_base: 2_000_000_000,
        ..SimConfig::default()
    });
    let t0 = h.now;
    h.login(2, 1, "9996621234");
    h.advance(Duration::from_secs(90));
    let enums::help::TermsOfServiceUpdate::Empty(e) = h
        .call(2, 1, &functions::help::GetTermsOfServiceUpdate {})
        .expect("update")
    else {
        panic!("no new terms");
    };
    assert_eq!(e.expires, 2_000_000_090 + 3600);
    assert_eq!(h.sim.unix_time(t0 + Duration::from_secs(5)), 2_000_000_005);
    assert_eq!(
        h.sim.unix_time(t0 - Duration::from_secs(5)),
        2_000_000_000,
        "saturates"
    );
}

#[test]
fn accounts_are_configured_and_inspected() {
    let mut sim = Sim::default();
    let id = sim
        .add_account(
            AccountConfig::new("+1 (555) 010-0", DcId(2))
                .with_name("Ada", "")
                .with_login_email("ada@example.com"),
        )
        .expect("add");
    let info = sim.account("15550100").expect("by phone");
    assert_eq!(info.user_id, id);
    assert_eq!(info.phone.as_deref(), Some("15550100"));
    assert_eq!(info.login_email.as_deref(), Some("ada@example.com"));
    assert!(!info.has_password && !info.bot);
    assert_eq!(sim.account_by_id(id), Some(info));
    assert_eq!(sim.accounts().len(), 1);
    assert_eq!(
        sim.add_account(AccountConfig::new("15550100", DcId(1))),
        Err(SimError::PhoneTaken("15550100".into()))
    );
    assert!(matches!(
        sim.add_account(AccountConfig::new("abc", DcId(1))),
        Err(SimError::InvalidPhone(_))
    ));
    assert_eq!(
        sim.add_account(AccountConfig::new("15550101", DcId(6))),
        Err(SimError::InvalidDc(DcId(6)))
    );
    assert!(matches!(
        sim.add_account(AccountConfig::new("15550102", DcId(1)).with_recovery_email("nope")),
        Err(SimError::InvalidEmail(_))
    ));
    assert_eq!(sim.account("15550199"), None);
}
