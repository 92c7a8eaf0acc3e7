//! `MtprotoTransport` on the wire: against the simulator's MTProto server (keys per DC, the
//! session file, `-404`, pushed updates, overlapping calls) and against servers that misbehave
//! (nobody listening, silence, hanging up).
mod support;

use std::sync::Arc;
use std::time::Duration;

use auth_core::entropy::Entropy;
use auth_core::tl::{Serialize, functions};
use auth_core::{DcId, LAYER, RpcError, TransportFailure};
use auth_sim::tcp::{ServerConfig, SimServer};
use auth_sim::{AccountConfig, Sim, SimConfig};
use auth_store::SessionFile;
use auth_tokio::{MtprotoTransport, Transport};
use mtproto::pool::{DcTable, PoolConfig};
use mtproto::session::ClientInfo;
use support::*;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// `updates.getState`, answered for a logged-in key only.
const UPDATES_GET_STATE: u32 = 0xedd4_882a;
/// `updateShort` and `updateLoginToken`, as the server pushes them.
const UPDATE_SHORT: u32 = 0x78d4_dec1;
const UPDATE_LOGIN_TOKEN: u32 = 0x564f_e691;

fn log_out() -> Vec<u8> {
    functions::auth::LogOut {}.to_bytes()
}

fn rpc_error(reply: &[u8]) -> String {
    RpcError::decode(reply).map_or_else(|e| format!("not an error: {e}"), |e| e.name)
}

#[tokio::test]
async fn overlapping_calls_on_several_dcs_get_one_key_each() {
    let (server, transport) = serve(SimConfig::default(), vec![]).await;
    let mut calls = tokio::task::JoinSet::new();
    for dc in (1..=5).chain(1..=5) {
        let transport = Arc::clone(&transport);
        calls.spawn(async move { transport.invoke(DcId(dc), log_out()).await });
    }
    while let Some(answer) = calls.join_next().await {
        assert_eq!(
            rpc_error(&answer.unwrap().unwrap()),
            "AUTH_KEY_UNREGISTERED"
        );
    }
    assert_eq!(server.key_count(), 5);
    let served = server.served();
    assert_eq!(served.len(), 10);
    for call in served {
        assert_eq!(Some(call.record.key), transport.auth_key_id(call.record.dc));
        assert_eq!(
            call.layer,
            Some(LAYER),
            "invokeWithLayer on the first calls"
        );
        assert_eq!(call.client.map(|c| c.api_id), Some(API_ID));
    }
    let no_dc6 = transport.invoke(DcId(6), log_out()).await.unwrap_err();
    assert!(
        no_dc6.to_string().contains("no address for DC 6"),
        "{no_dc6}"
    );
}

#[tokio::test]
async fn state_is_refused_before_login_and_a_session_file_keeps_the_key() {
    let (server, _) = serve(SimConfig::default(), vec![]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session");
    let config = server.client_config(LAYER, ClientInfo::new(API_ID));
    let (store, _) = SessionFile::open(&path).unwrap();
    let first = MtprotoTransport::new(config.clone(), &mut Entropy::deterministic([3; 32]))
        .map(|t| t.with_session(store))
        .unwrap();
    let state = UPDATES_GET_STATE.to_le_bytes().to_vec();
    let answer = first.invoke(DcId(2), state.clone()).await.unwrap();
    assert_eq!(rpc_error(&answer), "AUTH_KEY_UNREGISTERED");
    let key = first.auth_key_id(DcId(2));
    drop(first);

    // The next transport (a process later) takes the key from the file: no new key is made.
    let (store, corrupt) = SessionFile::open(&path).unwrap();
    assert!(corrupt.is_none());
    let second = MtprotoTransport::new(config, &mut Entropy::deterministic([4; 32]))
        .map(|t| t.with_session(store))
        .unwrap();
    assert_eq!(second.auth_key_id(DcId(2)), key);
    second.invoke(DcId(2), state).await.unwrap();
    assert_eq!(server.key_count(), 1);

    // The server forgets it: the call fails with -404, and a new key replaces it in the file.
    server.forget_keys();
    let failure = second.invoke(DcId(2), log_out()).await.unwrap_err();
    assert!(
        matches!(&failure, TransportFailure::Other(reason) if reason.contains("-404")),
        "{failure:?}"
    );
    second.invoke(DcId(2), log_out()).await.unwrap();
    let kept = second.with_session_file(|s| s.session().key(DcId(2)).map(|k| k.auth_key.clone()));
    let new = second.auth_key_id(DcId(2));
    assert!(new.is_some() && new != key);
    assert_eq!(
        kept.flatten()
            .map(|k| mtproto::AuthKey::from_bytes(*k.as_bytes()).id()),
        new,
        "the file has the new key"
    );
}

#[tokio::test]
async fn the_exporting_session_gets_the_login_token_update() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let mut updates = transport.subscribe_updates();
    let export = functions::auth::ExportLoginToken {
        api_id: API_ID,
        api_hash: "hash".into(),
        except_ids: vec![],
    };
    let answer = transport.invoke(DcId(2), export.to_bytes()).await.unwrap();
    // auth.loginToken#629f1980 expires:int token:bytes — a 32-byte token after its length byte.
    assert_eq!(answer[..4], 0x629f_1980u32.to_le_bytes());
    let token = answer[9..41].to_vec();
    server.with_sim(|sim| {
        sim.accept_login_token_as(PLAIN, &token, std::time::Instant::now())
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
async fn connections_dropped_while_idle_are_reopened_and_dropping_the_transport_closes_them() {
    let (server, transport) = serve(SimConfig::default(), vec![]).await;
    transport.invoke(DcId(2), log_out()).await.unwrap();
    server.drop_connections();
    tokio::time::sleep(Duration::from_millis(50)).await;
    transport.invoke(DcId(2), log_out()).await.unwrap();
    assert_eq!(server.key_count(), 1, "the same key");
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

/// A transport to a single "DC 1" at `addr`, answering within 300 ms.
fn transport_to(addr: std::net::SocketAddr) -> MtprotoTransport {
    let key = mtproto::keys::RsaPrivateKey::test_only_server_key();
    let dcs = DcTable::new().with(1, addr);
    let mut config = PoolConfig::new(
        dcs,
        vec![key.public_key().clone()],
        LAYER,
        ClientInfo::new(1),
    );
    config.connect_timeout = Duration::from_secs(2);
    config.request_timeout = Duration::from_millis(300);
    MtprotoTransport::new(config, &mut Entropy::deterministic([1; 32])).unwrap()
}

#[tokio::test]
async fn no_server_a_silent_one_and_one_that_hangs_up_are_failures_not_hangs() {
    // Nothing listens: connecting fails.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let nobody = transport_to(addr).invoke(DcId(1), log_out()).await;
    assert!(
        matches!(&nobody, Err(TransportFailure::Other(reason)) if reason.contains("cannot connect")),
        "{nobody:?}"
    );

    // A server that accepts and never answers: the call times out.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let transport = transport_to(silent.local_addr().unwrap());
    let keep = tokio::spawn(async move {
        let (stream, _) = silent.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(stream);
    });
    assert_eq!(
        transport.invoke(DcId(1), log_out()).await,
        Err(TransportFailure::Timeout)
    );
    keep.abort();

    // A server that hangs up on every connection: one reconnect, then the call is lost.
    let rude = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let transport = transport_to(rude.local_addr().unwrap());
    let accepts = tokio::spawn(async move {
        let mut accepted = 0;
        while let Ok(Ok((mut stream, _))) =
            tokio::time::timeout(Duration::from_secs(1), rude.accept()).await
        {
            accepted += 1;
            let mut buf = [0; 64];
            let _ = stream.read(&mut buf).await;
        }
        accepted
    });
    assert_eq!(
        transport.invoke(DcId(1), log_out()).await,
        Err(TransportFailure::ConnectionLost)
    );
    assert_eq!(
        accepts.await.unwrap(),
        2,
        "connected, then reconnected once"
    );
}

#[tokio::test]
async fn the_call_log_names_each_call() {
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let config = ServerConfig::new(Entropy::deterministic([6; 32]))
        .with_log(move |call| sink.lock().unwrap().push(call.to_string()));
    let server = SimServer::start(Sim::default(), config).unwrap();
    let transport = transport(&server, 9);
    transport.invoke(DcId(2), log_out()).await.unwrap();
    let lines = lines.lock().unwrap().clone();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("auth.logOut -> 401 AUTH_KEY_UNREGISTERED")
            && lines[0].contains(&format!("(layer {LAYER})")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn timeouts_as_long_as_a_duration_can_be_do_not_overflow() {
    let (server, _) = serve(SimConfig::default(), vec![]).await;
    let mut config = server.client_config(LAYER, ClientInfo::new(API_ID));
    config.connect_timeout = Duration::MAX;
    config.request_timeout = Duration::MAX;
    config.session.resend_after = Duration::MAX;
    config.session.ack_delay = Duration::MAX;
    let transport = MtprotoTransport::new(config, &mut Entropy::deterministic([5; 32])).unwrap();
    let reply = transport.invoke(DcId(2), log_out()).await.unwrap();
    assert_eq!(rpc_error(&reply), "AUTH_KEY_UNREGISTERED");
}
