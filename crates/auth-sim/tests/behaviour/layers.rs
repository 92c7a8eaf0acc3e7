//! Layers: the simulator answers each client in the layer it declared.

use auth_core::tl::{self, Identifiable, Layer, Serialize, enums, functions, types};
use auth_core::{DcId, RpcError};

use crate::common::*;

/// `invokeWithLayer(layer, call)`, as a client's session sends its first call.
fn with_layer(layer: i32, call: &impl Serialize) -> Vec<u8> {
    let mut out = 0xda9b_0d0du32.to_le_bytes().to_vec();
    out.extend_from_slice(&layer.to_le_bytes());
    out.extend_from_slice(&call.to_bytes());
    out
}

fn nearest_dc() -> functions::help::GetNearestDc {
    functions::help::GetNearestDc {}
}

#[test]
fn replies_follow_the_layer_the_client_declared() {
    let mut h = H::new();
    for (key, layer, user_id) in [
        (1u64, 220, types::UserLayer220::CONSTRUCTOR_ID),
        (2, 226, types::UserLayer220::CONSTRUCTOR_ID),
        (3, 227, types::UserLayer220::CONSTRUCTOR_ID),
        (4, 228, types::User::CONSTRUCTOR_ID),
        (5, 230, types::User::CONSTRUCTOR_ID),
    ] {
        // Declared in a wrapper, as a session does on its first call.
        let reply = h
            .sim
            .handle(h.now, DcId(2), key, &with_layer(layer, &nearest_dc()));
        assert!(tl::decode::<enums::NearestDc>(&reply).is_ok(), "{layer}");
        assert_eq!(h.sim.client_layer(DcId(2), key).get(), layer);
        let auth = h.login(2, key, &format!("99966210{key:02}"));
        let at = Layer::new(layer).unwrap();
        assert_eq!(auth.user.constructor_id(), user_id, "{layer}");
        let user = tl::decode_at::<enums::User>(at, auth.user.bytes()).expect("the layer's user");
        assert_eq!(user.id(), auth.user.id());
    }
    // A key that never declared a layer is answered at the default one.
    assert_eq!(h.sim.client_layer(DcId(2), 9), Layer::DEFAULT);
    // A server that unwraps invokeWithLayer itself tells the simulator instead.
    h.sim.set_client_layer(DcId(2), 10, 221).expect("supported");
    let auth = h.login(2, 10, "9996621010");
    assert_eq!(
        auth.user.constructor_id(),
        types::UserLayer220::CONSTRUCTOR_ID
    );
}

#[test]
fn layers_outside_the_range_are_refused() {
    let mut h = H::new();
    for layer in [219, 231, 0, -5] {
        let reply = h
            .sim
            .handle(h.now, DcId(2), 1, &with_layer(layer, &nearest_dc()));
        let e = RpcError::decode(&reply).expect("an rpc_error");
        assert_eq!((e.code, e.name.as_str()), (400, "CONNECTION_LAYER_INVALID"));
        assert!(h.sim.set_client_layer(DcId(2), 1, layer).is_err());
    }
    assert_eq!(h.sim.client_layer(DcId(2), 1), Layer::DEFAULT);
}

#[test]
fn methods_of_another_layer_are_unknown() {
    let mut h = H::new();
    let init = functions::auth::InitFirebasePnvLogin {
        except_ids: None,
        api_id: API_ID,
        api_hash: API_HASH.into(),
    };
    h.sim.set_client_layer(DcId(2), 1, 228).unwrap();
    let e = RpcError::decode(&h.sim.handle(h.now, DcId(2), 1, &init.to_bytes())).unwrap();
    assert_eq!(e.name, "INPUT_CONSTRUCTOR_INVALID");
    // At 230 it is a login method (allowed before login) the simulator does not play.
    h.sim.set_client_layer(DcId(2), 2, 230).unwrap();
    let e = RpcError::decode(&h.sim.handle(h.now, DcId(2), 2, &init.to_bytes())).unwrap();
    assert_eq!((e.code, e.name.as_str()), (501, "METHOD_NOT_SIMULATED"));
}
