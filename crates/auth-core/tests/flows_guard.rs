//! The before-authorization guard: what a session may send in each state of its key, through
//! `invokeWithLayer` / `initConnection` wrappers, and what it answers for garbage.

use auth_core::{
    LAYER, RpcError,
    before_auth::{
        ALLOWED_BEFORE_AUTH, ALLOWED_WHILE_PASSWORD_PENDING, Guard, INIT_CONNECTION,
        INVOKE_WITH_LAYER, KeyState, MAX_WRAPPERS,
    },
    tl::{Identifiable, Serialize, functions, types},
};
use proptest::prelude::*;

fn unregistered() -> RpcError {
    RpcError::new(401, "AUTH_KEY_UNREGISTERED")
}

fn password_needed() -> RpcError {
    RpcError::new(401, "SESSION_PASSWORD_NEEDED")
}

fn fetch_fail() -> RpcError {
    RpcError::new(400, "INPUT_FETCH_FAIL")
}

fn tl_string(out: &mut Vec<u8>, s: &str) {
    // Short strings only (length < 254): one length byte, padded to 4.
    out.push(u8::try_from(s.len()).expect("short"));
    out.extend_from_slice(s.as_bytes());
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn invoke_with_layer(query: &[u8]) -> Vec<u8> {
    let mut out = INVOKE_WITH_LAYER.to_le_bytes().to_vec();
    out.extend_from_slice(&LAYER.to_le_bytes());
    out.extend_from_slice(query);
    out
}

/// `initConnection`, with a proxy and `params` (a JSON object holding an array) when asked.
fn init_connection(query: &[u8], proxy: bool, params: bool) -> Vec<u8> {
    let flags = u32::from(proxy) | (u32::from(params) << 1);
    let mut out = INIT_CONNECTION.to_le_bytes().to_vec();
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&12345i32.to_le_bytes());
    for s in ["Desktop", "Linux", "1.0", "en", "", "en"] {
        tl_string(&mut out, s);
    }
    if proxy {
        let p: auth_core::tl::enums::InputClientProxy = types::InputClientProxy {
            address: "10.0.0.1".into(),
            port: 443,
        }
        .into();
        out.extend_from_slice(&p.to_bytes());
    }
    if params {
        out.extend_from_slice(&0x99c1_d49du32.to_le_bytes()); // jsonObject
        out.extend_from_slice(&0x1cb5_c415u32.to_le_bytes()); // vector
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&0xc0de_1bd9u32.to_le_bytes()); // jsonObjectValue
        tl_string(&mut out, "tz_offset");
        out.extend_from_slice(&0xf744_4763u32.to_le_bytes()); // jsonArray
        out.extend_from_slice(&0x1cb5_c415u32.to_le_bytes());
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&0x2be0_dfa4u32.to_le_bytes()); // jsonNumber
        out.extend_from_slice(&3600f64.to_le_bytes());
        out.extend_from_slice(&0xc734_5e6au32.to_le_bytes()); // jsonBool
        out.extend_from_slice(&0x9972_75b5u32.to_le_bytes());
        out.extend_from_slice(&0x3f6d_7b68u32.to_le_bytes()); // jsonNull
    }
    out.extend_from_slice(query);
    out
}

#[test]
fn before_login_only_the_allowed_list_passes() {
    let guard = Guard::new();
    assert_eq!(guard.state(), KeyState::Unauthorized);
    for &(name, id) in ALLOWED_BEFORE_AUTH {
        let expected = match id {
            // A bare wrapper id has no query inside to judge.
            INVOKE_WITH_LAYER | INIT_CONNECTION => Err(fetch_fail()),
            _ => Ok(()),
        };
        assert_eq!(guard.check(&id.to_le_bytes()), expected, "{name}");
    }
    for &(name, id) in ALLOWED_WHILE_PASSWORD_PENDING {
        assert_eq!(
            guard.check(&id.to_le_bytes()),
            Err(unregistered()),
            "{name}"
        );
    }
    let get_authorizations = functions::account::GetAuthorizations {}.to_bytes();
    assert_eq!(guard.check(&get_authorizations), Err(unregistered()));
    assert_eq!(
        guard.check(&functions::auth::LogOut {}.to_bytes()),
        Err(unregistered())
    );
    let send_code = functions::auth::SendCode::default().to_bytes();
    assert_eq!(guard.check(&send_code), Ok(()));
}

#[test]
fn the_key_state_comes_from_the_caller() {
    let mut guard = Guard::new();
    let recover = functions::auth::RequestPasswordRecovery {}.to_bytes();
    let get_authorizations = functions::account::GetAuthorizations {}.to_bytes();
    let get_password = functions::account::GetPassword {}.to_bytes();

    guard.password_pending();
    assert_eq!(guard.state(), KeyState::PasswordPending);
    assert_eq!(guard.check(&recover), Ok(()));
    assert_eq!(guard.check(&get_password), Ok(()));
    assert_eq!(guard.check(&get_authorizations), Err(password_needed()));

    guard.authorized();
    assert_eq!(guard.state(), KeyState::Authorized);
    assert_eq!(guard.check(&get_authorizations), Ok(()));
    assert_eq!(guard.check(&[1, 2]), Ok(()), "the server judges it");

    guard.unauthorized();
    assert_eq!(guard.check(&get_authorizations), Err(unregistered()));
    assert_eq!(guard.check(&recover), Err(unregistered()));
}

#[test]
fn wrappers_are_looked_through() {
    let guard = Guard::new();
    let refused = functions::account::GetAuthorizations {}.to_bytes();
    let allowed = functions::help::GetNearestDc {}.to_bytes();
    for (proxy, params) in [(false, false), (true, false), (false, true), (true, true)] {
        let wrap = |q: &[u8]| invoke_with_layer(&init_connection(q, proxy, params));
        assert_eq!(guard.check(&wrap(&allowed)), Ok(()), "{proxy} {params}");
        assert_eq!(
            guard.check(&wrap(&refused)),
            Err(unregistered()),
            "{proxy} {params}"
        );
        assert_eq!(
            Guard::inner_method(&wrap(&refused)),
            Ok(functions::account::GetAuthorizations::CONSTRUCTOR_ID)
        );
    }
    // At most MAX_WRAPPERS deep.
    let mut body = refused.clone();
    for _ in 0..MAX_WRAPPERS {
        body = invoke_with_layer(&body);
    }
    assert_eq!(guard.check(&body), Err(unregistered()));
    assert_eq!(guard.check(&invoke_with_layer(&body)), Err(fetch_fail()));
}

#[test]
fn bodies_without_a_method_are_input_fetch_fail() {
    let guard = Guard::new();
    assert_eq!(guard.check(&[]), Err(fetch_fail()));
    assert_eq!(guard.check(&[0x0d, 0x0d, 0x9b]), Err(fetch_fail()));
    assert_eq!(
        guard.check(&INVOKE_WITH_LAYER.to_le_bytes()),
        Err(fetch_fail())
    );
    let full = init_connection(&functions::help::GetNearestDc {}.to_bytes(), true, true);
    // Every cut inside the wrapper's own fields leaves no method to judge.
    let header = full.len() - 4;
    for cut in 0..header {
        assert_eq!(guard.check(&full[..cut]), Err(fetch_fail()), "cut {cut}");
    }
    // An unknown JSONValue constructor in `params`.
    let mut bad = init_connection(&[], false, false);
    bad[4] = 2; // params present, but none follow: the query's id is read as a JSONValue
    bad.extend_from_slice(&functions::help::GetNearestDc {}.to_bytes());
    assert_eq!(guard.check(&bad), Err(fetch_fail()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever the bytes and the state: no panic, and an unauthorized key passes exactly the
    /// allowed list (after unwrapping).
    #[test]
    fn any_bytes_get_a_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..200), state in 0u8..3) {
        let mut guard = Guard::new();
        match state {
            0 => {}
            1 => guard.password_pending(),
            _ => guard.authorized(),
        }
        let verdict = guard.check(&bytes);
        match (state, Guard::inner_method(&bytes)) {
            (2, _) => prop_assert_eq!(verdict, Ok(())),
            (_, Err(_)) => prop_assert_eq!(verdict, Err(fetch_fail())),
            (0, Ok(id)) => prop_assert_eq!(
                verdict.is_ok(),
                auth_core::before_auth::allowed_before_auth(id)
            ),
            (_, Ok(id)) => prop_assert_eq!(
                verdict.is_ok(),
                auth_core::before_auth::allowed_while_password_pending(id)
            ),
        }
    }
}
