//! `sim_request`: the simulator fed arbitrary calls, well-formed and not.

use std::time::{Duration, Instant};

use auth_core::{
    DcId, RpcError,
    before_auth::method_id,
    tl::{self, DEFINITIONS},
};
use auth_sim::{AccountConfig, Sim, SimConfig};

/// Feeds the simulator a sequence of calls on a few keys and DCs: arbitrary well-formed calls
/// of any generated function, and raw bytes. Every reply must be a well-formed `rpc_error` or
/// decode as the called function's declared result type; the simulator never panics.
pub fn sim_request(data: &[u8]) {
    let mut u = arbitrary::Unstructured::new(data);
    let mut sim = Sim::new(SimConfig::default());
    let account = AccountConfig::new("9996621111", DcId(2));
    if sim.add_account(account).is_err() {
        unreachable!("a valid test account");
    }
    let functions: Vec<usize> = (0..DEFINITIONS.len())
        .filter(|&i| DEFINITIONS[i].is_function)
        .collect();
    let mut now = Instant::now();
    for _ in 0..32 {
        let Ok(dc) = u.int_in_range(0..=6) else { break };
        let Ok(key) = u.int_in_range(1u64..=3) else {
            break;
        };
        let body = match u.int_in_range(0..=3) {
            Ok(0) => match u.arbitrary::<Vec<u8>>() {
                Ok(b) => b,
                Err(_) => break,
            },
            Ok(_) => {
                let Ok(&index) = u.choose(&functions) else {
                    break;
                };
                match tl::arbitrary_encoded(index, &mut u) {
                    Ok(b) => b,
                    Err(_) => break,
                }
            }
            Err(_) => break,
        };
        now += Duration::from_secs(u64::from(u.arbitrary::<u8>().unwrap_or(0)));
        let reply = sim.handle(now, DcId(dc), key, &body);
        if RpcError::is_rpc_error(&reply) {
            let e = RpcError::decode(&reply).expect("the simulator's rpc_error is well-formed");
            assert!(!e.name.is_empty());
        } else {
            let id = method_id(&body).expect("a successful call has a method id");
            match tl::decode_result_of(tl::Layer::DEFAULT, id, &reply) {
                Some(result) => result
                    .unwrap_or_else(|e| panic!("reply to {id:#x} is not its result type: {e}")),
                None => panic!("the simulator answered an unknown method {id:#x} with success"),
            }
        }
    }
}
