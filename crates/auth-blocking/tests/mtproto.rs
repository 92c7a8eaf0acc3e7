//! The std MTProto transport against the simulator's MTProto server, over loopback TCP.

use std::time::Duration;

use auth_blocking::{MtprotoTransport, Transport};
use auth_core::{DcId, RpcError, TransportFailure};
use auth_sim::Sim;
use auth_sim::tcp::{ServerConfig, SimServer};
use auth_store::SessionFile;
use mtproto::session::ClientInfo;
use mtproto::transport::Framing;
use tg_crypto::entropy::Entropy;

const HELP_GET_CONFIG: u32 = 0xc4f9_186b;
const UPDATES_GET_STATE: u32 = 0xedd4_882a;
const CONFIG: u32 = 0xcc1a_241e;

fn server() -> SimServer {
    SimServer::start(
        Sim::default(),
        ServerConfig::new(Entropy::deterministic([9; 32])),
    )
    .unwrap()
}

fn transport(server: &SimServer, seed: u8) -> MtprotoTransport {
    MtprotoTransport::new(
        server.client_config(228, ClientInfo::new(4242)),
        Entropy::deterministic([seed; 32]),
    )
    .unwrap()
}

fn get_config(transport: &mut MtprotoTransport, dc: i32) -> Result<Vec<u8>, TransportFailure> {
    transport.invoke(DcId(dc), &HELP_GET_CONFIG.to_le_bytes())
}

fn is_config(body: &[u8]) -> bool {
    body.get(..4) == Some(&CONFIG.to_le_bytes()[..])
}

#[test]
fn a_first_call_makes_a_key_and_carries_the_clients_layer_and_info() {
    let server = server();
    let mut transport = transport(&server, 1);
    assert!(is_config(&get_config(&mut transport, 2).unwrap()));
    assert!(is_config(&get_config(&mut transport, 2).unwrap()));
    assert_eq!(server.key_count(), 1, "one key, reused");
    let served = server.served();
    assert_eq!(served.len(), 2);
    assert_eq!(served[0].record.method, "help.getConfig");
    assert_eq!(served[0].record.dc, DcId(2));
    assert_eq!(served[0].layer, Some(228));
    assert_eq!(served[0].client.as_ref().map(|c| c.api_id), Some(4242));
    assert!(transport.is_connected(DcId(2)));
    assert!(!transport.is_connected(DcId(3)));
}

#[test]
fn every_framing_is_understood() {
    let server = server();
    for (framing, seed) in Framing::ALL.into_iter().zip(10..) {
        let mut config = server.client_config(228, ClientInfo::new(1));
        config.framing = framing;
        let mut transport =
            MtprotoTransport::new(config, Entropy::deterministic([seed; 32])).unwrap();
        assert!(
            is_config(&get_config(&mut transport, 1).unwrap()),
            "{framing:?}"
        );
    }
}

#[test]
fn a_key_that_is_not_logged_in_has_no_state() {
    let server = server();
    let mut transport = transport(&server, 2);
    let answer = transport
        .invoke(DcId(2), &UPDATES_GET_STATE.to_le_bytes())
        .unwrap();
    assert_eq!(
        RpcError::decode(&answer).unwrap(),
        RpcError::new(401, "AUTH_KEY_UNREGISTERED")
    );
}

#[test]
fn a_session_file_keeps_the_key_for_the_next_process() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session");
    let (store, _) = SessionFile::open(&path).unwrap();
    let config = server.client_config(228, ClientInfo::new(1));
    let mut first =
        MtprotoTransport::with_session(config.clone(), Entropy::deterministic([3; 32]), store)
            .unwrap();
    get_config(&mut first, 2).unwrap();
    let store = first.into_session().unwrap();
    assert!(
        store.session().key(DcId(2)).is_some(),
        "the new key was saved"
    );
    drop(store);

    let (store, corrupt) = SessionFile::open(&path).unwrap();
    assert!(corrupt.is_none());
    let mut second =
        MtprotoTransport::with_session(config, Entropy::deterministic([4; 32]), store).unwrap();
    get_config(&mut second, 2).unwrap();
    assert_eq!(
        server.key_count(),
        1,
        "the stored key was used, no new one made"
    );
}

#[test]
fn dropped_connections_are_reopened_with_the_same_key() {
    let server = server();
    let mut transport = transport(&server, 5);
    get_config(&mut transport, 2).unwrap();
    server.drop_connections();
    std::thread::sleep(Duration::from_millis(50));
    assert!(is_config(&get_config(&mut transport, 2).unwrap()));
    assert_eq!(server.key_count(), 1);
}

#[test]
fn a_forgotten_key_fails_the_call_and_is_replaced() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = SessionFile::open(dir.path().join("session")).unwrap();
    let mut transport = MtprotoTransport::with_session(
        server.client_config(228, ClientInfo::new(1)),
        Entropy::deterministic([6; 32]),
        store,
    )
    .unwrap();
    get_config(&mut transport, 2).unwrap();
    let old = transport.session().unwrap().session().key(DcId(2)).cloned();
    server.forget_keys();
    let failure = get_config(&mut transport, 2).unwrap_err();
    assert!(
        matches!(&failure, TransportFailure::Other(reason) if reason.contains("-404")),
        "{failure:?}"
    );
    assert!(is_config(&get_config(&mut transport, 2).unwrap()));
    assert_eq!(server.key_count(), 1, "a new key");
    let new = transport.session().unwrap().session().key(DcId(2)).cloned();
    assert!(
        new.is_some() && new != old,
        "the new key replaced the old in the file"
    );
}

#[test]
fn a_dc_without_an_address_is_refused() {
    let server = server();
    let mut transport = transport(&server, 7);
    assert!(matches!(
        get_config(&mut transport, 9),
        Err(TransportFailure::Other(reason)) if reason.contains("DC 9")
    ));
}
