//! The tokio MTProto transport against the simulator's MTProto server, over loopback TCP.

use std::sync::Arc;
use std::time::Duration;

use auth_core::tl::{Serialize, functions};
use auth_core::{DcId, RpcError, TransportFailure};
use auth_sim::tcp::{ServerConfig, SimServer};
use auth_sim::{AccountConfig, Sim};
use auth_store::SessionFile;
use auth_tokio::{MtprotoTransport, Transport};
use mtproto::session::ClientInfo;
use tg_crypto::entropy::Entropy;

const HELP_GET_CONFIG: u32 = 0xc4f9_186b;
const UPDATES_GET_STATE: u32 = 0xedd4_882a;
const CONFIG: u32 = 0xcc1a_241e;
const UPDATE_SHORT: u32 = 0x78d4_dec1;
const UPDATE_LOGIN_TOKEN: u32 = 0x564f_e691;
const AUTH_LOGIN_TOKEN: u32 = 0x629f_1980;

fn server() -> SimServer {
    SimServer::start(
        Sim::default(),
        ServerConfig::new(Entropy::deterministic([8; 32])),
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

async fn get_config(transport: &MtprotoTransport, dc: i32) -> Result<Vec<u8>, TransportFailure> {
    transport
        .invoke(DcId(dc), HELP_GET_CONFIG.to_le_bytes().to_vec())
        .await
}

fn is_config(body: &[u8]) -> bool {
    body.get(..4) == Some(&CONFIG.to_le_bytes()[..])
}

#[tokio::test]
async fn overlapping_calls_share_one_key_per_dc() {
    let server = server();
    let transport = Arc::new(transport(&server, 1));
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..8 {
        let transport = Arc::clone(&transport);
        calls.spawn(async move { get_config(&transport, 2 + i % 2).await });
    }
    while let Some(answer) = calls.join_next().await {
        assert!(is_config(&answer.unwrap().unwrap()));
    }
    assert_eq!(server.key_count(), 2, "one key for DC 2, one for DC 3");
    let served = server.served();
    assert_eq!(served.len(), 8);
    assert!(served.iter().all(|c| c.layer == Some(228)));
    assert!(transport.is_connected(DcId(2)) && transport.is_connected(DcId(3)));
}

#[tokio::test]
async fn a_key_that_is_not_logged_in_has_no_state() {
    let server = server();
    let transport = transport(&server, 2);
    let answer = transport
        .invoke(DcId(2), UPDATES_GET_STATE.to_le_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(
        RpcError::decode(&answer).unwrap(),
        RpcError::new(401, "AUTH_KEY_UNREGISTERED")
    );
}

#[tokio::test]
async fn a_session_file_keeps_the_key_and_a_forgotten_key_is_replaced() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session");
    let config = server.client_config(228, ClientInfo::new(1));
    let (store, _) = SessionFile::open(&path).unwrap();
    let first =
        MtprotoTransport::with_session(config.clone(), Entropy::deterministic([3; 32]), store)
            .unwrap();
    get_config(&first, 2).await.unwrap();
    drop(first);

    let (store, _) = SessionFile::open(&path).unwrap();
    let second =
        MtprotoTransport::with_session(config, Entropy::deterministic([4; 32]), store).unwrap();
    get_config(&second, 2).await.unwrap();
    assert_eq!(server.key_count(), 1, "the stored key was used");
    let old = second
        .with_session_file(|s| s.session().key(DcId(2)).cloned())
        .flatten();

    server.forget_keys();
    let failure = get_config(&second, 2).await.unwrap_err();
    assert!(
        matches!(&failure, TransportFailure::Other(reason) if reason.contains("-404")),
        "{failure:?}"
    );
    assert!(is_config(&get_config(&second, 2).await.unwrap()));
    let new = second
        .with_session_file(|s| s.session().key(DcId(2)).cloned())
        .flatten();
    assert!(new.is_some() && new != old, "the new key is in the file");
}

#[tokio::test]
async fn the_exporting_session_gets_the_login_token_update() {
    let server = server();
    server.with_sim(|sim| {
        sim.add_account(AccountConfig::new("+999 66 2 0001", DcId(2)))
            .unwrap();
    });
    let transport = transport(&server, 5);
    let mut updates = transport.subscribe_updates();
    let export = functions::auth::ExportLoginToken {
        api_id: 4242,
        api_hash: "hash".into(),
        except_ids: vec![],
    };
    let answer = transport.invoke(DcId(2), export.to_bytes()).await.unwrap();
    assert_eq!(answer[..4], AUTH_LOGIN_TOKEN.to_le_bytes());
    // auth.loginToken expires:int token:bytes — the token is a 32-byte `bytes` after `expires`.
    let token = answer[9..41].to_vec();
    server.with_sim(|sim| {
        sim.accept_login_token_as("+999 66 2 0001", &token, std::time::Instant::now())
            .unwrap();
    });
    let update = tokio::time::timeout(Duration::from_secs(5), updates.recv())
        .await
        .expect("pushed in time")
        .unwrap();
    assert_eq!(update[..4], UPDATE_SHORT.to_le_bytes());
    assert_eq!(update[4..8], UPDATE_LOGIN_TOKEN.to_le_bytes());
}

#[tokio::test]
async fn dropping_the_transport_closes_its_connections() {
    let server = server();
    let transport = transport(&server, 6);
    get_config(&transport, 2).await.unwrap();
    assert_eq!(server.open_connections(), 1);
    drop(transport);
    for _ in 0..100 {
        if server.open_connections() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the connection stayed open");
}
