//! What a key may call in each state, malformed input, wrappers, flood limits.

use std::time::Duration;

use auth_core::tl::{Identifiable, Serialize, functions};
use auth_core::{DcId, RpcError};
use auth_sim::{AccountConfig, SimConfig};

use crate::common::*;

/// `updates.getState#edd4882a`: a real method outside the auth schema.
const UPDATES_GET_STATE: [u8; 4] = 0xedd4_882a_u32.to_le_bytes();
/// `help.getAppConfig#61e3f854 hash:int`: allowed before login, not simulated.
const HELP_GET_APP_CONFIG: [u8; 8] = [0x54, 0xf8, 0xe3, 0x61, 0, 0, 0, 0];

fn raw(h: &mut H, dc: i32, key: u64, body: &[u8]) -> RpcError {
    let reply = h.sim.handle(h.now, DcId(dc), key, body);
    RpcError::decode(&reply).expect("an rpc_error")
}

#[test]
fn methods_need_authorization() {
    let mut h = H::new();
    let e = rpc_err(h.call(2, 1, &functions::account::GetAuthorizations {}));
    assert_eq!((e.code, e.name.as_str()), (401, "AUTH_KEY_UNREGISTERED"));
    assert_eq!(
        err(h.call(2, 1, &functions::auth::LogOut {})),
        "AUTH_KEY_UNREGISTERED"
    );
    assert_eq!(
        raw(&mut h, 2, 1, &UPDATES_GET_STATE).name,
        "AUTH_KEY_UNREGISTERED"
    );
    // Allowed before login, but outside what the simulator answers.
    let e = raw(&mut h, 2, 1, &HELP_GET_APP_CONFIG);
    assert_eq!((e.code, e.name.as_str()), (501, "METHOD_NOT_SIMULATED"));
    h.call(2, 1, &functions::help::GetNearestDc {})
        .expect("allowed");
    h.login(2, 1, "9996621234");
    assert_eq!(
        err(h.call(2, 1, &functions::auth::ResetAuthorizations {})),
        "METHOD_NOT_SIMULATED"
    );
    assert_eq!(
        raw(&mut h, 2, 1, &UPDATES_GET_STATE).name,
        "METHOD_NOT_SIMULATED"
    );
    h.call(2, 1, &functions::help::GetTermsOfServiceUpdate {})
        .expect("simulated once logged in");
    // Another key of the same DC is still unauthorized.
    assert_eq!(
        raw(&mut h, 2, 2, &UPDATES_GET_STATE).name,
        "AUTH_KEY_UNREGISTERED"
    );
}

#[test]
fn password_pending_allows_recovery_only() {
    let mut h = H::new();
    h.sim
        .add_account(
            AccountConfig::new("9996621234", DcId(2))
                .with_password("pw")
                .with_recovery_email("a@b.co"),
        )
        .expect("add");
    // Before the code, recovery is refused like any other method.
    assert_eq!(
        err(h.call(2, 1, &functions::auth::RequestPasswordRecovery {})),
        "AUTH_KEY_UNREGISTERED"
    );
    let sent = h.sent(2, 1, "9996621234");
    h.sign_in(2, 1, "9996621234", &sent.phone_code_hash, "22222")
        .ok();
    h.call(2, 1, &functions::auth::RequestPasswordRecovery {})
        .expect("allowed while the password is pending");
    let e = rpc_err(h.call(2, 1, &functions::account::GetAuthorizations {}));
    assert_eq!((e.code, e.name.as_str()), (401, "SESSION_PASSWORD_NEEDED"));
    assert_eq!(
        raw(&mut h, 2, 1, &UPDATES_GET_STATE).name,
        "SESSION_PASSWORD_NEEDED"
    );
}

#[test]
fn garbage_gets_rpc_errors() {
    let mut h = H::new();
    assert_eq!(raw(&mut h, 2, 1, &[]).name, "INPUT_FETCH_FAIL");
    assert_eq!(raw(&mut h, 2, 1, &[1, 2, 3]).name, "INPUT_FETCH_FAIL");
    let e = raw(&mut h, 2, 1, &[0xef, 0xbe, 0xad, 0xde, 1, 2]);
    assert_eq!(
        (e.code, e.name.as_str()),
        (400, "INPUT_CONSTRUCTOR_INVALID")
    );
    let mut send = functions::auth::SendCode {
        phone_number: "9996621234".into(),
        api_id: API_ID,
        api_hash: API_HASH.into(),
        settings: auth_core::tl::types::CodeSettings::default().into(),
    }
    .to_bytes();
    assert_eq!(
        raw(&mut h, 2, 1, &send[..send.len() - 1]).name,
        "INPUT_FETCH_FAIL"
    );
    send.push(0);
    assert_eq!(
        raw(&mut h, 2, 1, &send).name,
        "INPUT_FETCH_FAIL",
        "trailing bytes"
    );
    let calls: Vec<String> = h.sim.calls().map(ToString::to_string).collect();
    assert_eq!(
        calls[2],
        "DC 2 key 0x1: #deadbeef -> 400 INPUT_CONSTRUCTOR_INVALID"
    );
    assert_eq!(
        calls[4],
        "DC 2 key 0x1: auth.sendCode -> 400 INPUT_FETCH_FAIL"
    );
}

/// `invokeWithLayer(layer, initConnection(..., query))`.
fn wrapped(query: &[u8], params: bool) -> Vec<u8> {
    let string = |out: &mut Vec<u8>, s: &str| {
        // Short TL strings: length byte, bytes, padding to 4.
        out.push(s.len() as u8);
        out.extend_from_slice(s.as_bytes());
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    };
    let mut init = Vec::new();
    init.extend_from_slice(&0xc1cd_5ea9_u32.to_le_bytes());
    init.extend_from_slice(&(if params { 2u32 } else { 0 }).to_le_bytes());
    init.extend_from_slice(&API_ID.to_le_bytes());
    for s in ["device", "system", "1.0", "en", "", "en"] {
        string(&mut init, s);
    }
    if params {
        // jsonObject [ jsonObjectValue "k" jsonArray [ jsonNull, jsonBool true ] ]
        init.extend_from_slice(&0x99c1_d49d_u32.to_le_bytes());
        init.extend_from_slice(&0x1cb5_c415_u32.to_le_bytes());
        init.extend_from_slice(&1u32.to_le_bytes());
        init.extend_from_slice(&0xc0de_1bd9_u32.to_le_bytes());
        string(&mut init, "k");
        init.extend_from_slice(&0xf744_4763_u32.to_le_bytes());
        init.extend_from_slice(&0x1cb5_c415_u32.to_le_bytes());
        init.extend_from_slice(&2u32.to_le_bytes());
        init.extend_from_slice(&0x3f6d_7b68_u32.to_le_bytes());
        init.extend_from_slice(&0xc734_5e6a_u32.to_le_bytes());
        init.extend_from_slice(&0x9972_75b5_u32.to_le_bytes());
    }
    init.extend_from_slice(query);
    let mut out = Vec::new();
    out.extend_from_slice(&0xda9b_0d0d_u32.to_le_bytes());
    out.extend_from_slice(&auth_core::LAYER.to_le_bytes());
    out.extend_from_slice(&init);
    out
}

#[test]
fn wrappers_are_unwrapped() {
    let mut h = H::new();
    let query = functions::help::GetNearestDc {}.to_bytes();
    for params in [false, true] {
        let reply = h.sim.handle(h.now, DcId(3), 1, &wrapped(&query, params));
        let nearest: auth_core::tl::enums::NearestDc =
            auth_core::tl::decode(&reply).expect("nearestDc");
        let auth_core::tl::enums::NearestDc::NearestDc(n) = nearest;
        assert_eq!(n.this_dc, 3);
    }
    let last = h.sim.calls().last().expect("logged");
    assert_eq!(last.method, "help.getNearestDc");
    assert_eq!(
        last.method_id,
        Some(functions::help::GetNearestDc::CONSTRUCTOR_ID)
    );
    // A wrapper around garbage is garbage.
    let reply = h
        .sim
        .handle(h.now, DcId(3), 1, &wrapped(&[1, 2, 3, 4], false));
    assert_eq!(
        RpcError::decode(&reply).map(|e| e.name).ok(),
        Some("INPUT_CONSTRUCTOR_INVALID".into())
    );
    // Nesting is bounded.
    let mut deep = query.clone();
    for _ in 0..10 {
        deep = wrapped(&deep, false);
    }
    assert_eq!(raw(&mut h, 3, 1, &deep).name, "INPUT_FETCH_FAIL");
}

#[test]
fn send_code_flood_limit() {
    let mut h = H::with(SimConfig {
        send_code_limit: 3,
        send_code_window: Duration::from_secs(2),
        ..SimConfig::default()
    });
    for _ in 0..3 {
        h.sent(2, 1, "15550123");
    }
    h.advance(Duration::from_millis(500));
    let e = rpc_err(h.send_code(2, 1, "15550123"));
    assert_eq!((e.code, e.name.as_str()), (420, "FLOOD_WAIT_2"));
    assert_eq!(e.value, Some(2));
    // Other numbers are not affected.
    h.sent(2, 1, "15550124");
    h.advance(Duration::from_millis(1500));
    h.sent(2, 1, "15550123");
    let c = h.sim.counters("15550123");
    assert_eq!((c.send_code_calls, c.codes_sent), (5, 4));
    // The default is five per day.
    let mut h = H::new();
    for _ in 0..5 {
        h.sent(2, 1, "15550123");
    }
    h.advance(Duration::from_secs(3600));
    assert_eq!(err(h.send_code(2, 1, "15550123")), "FLOOD_WAIT_82800");
}

#[test]
fn test_number_flood_is_flood_test_phone_wait() {
    let mut h = H::new();
    for _ in 0..5 {
        h.sent(2, 1, "9996621234");
    }
    h.advance(Duration::from_secs(3600));
    let e = rpc_err(h.send_code(2, 1, "9996621234"));
    assert_eq!(
        (e.code, e.name.as_str(), e.value),
        (420, "FLOOD_TEST_PHONE_WAIT_82800", Some(82800))
    );
    assert_eq!(e.kind(), auth_core::RpcErrorKind::FloodTestPhoneWait(82800));
}
