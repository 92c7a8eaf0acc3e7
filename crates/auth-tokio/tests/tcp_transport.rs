//! `TcpTransport` and `SimServer` on the wire: framing errors, reconnects, timeouts.
mod support;

use std::time::Duration;

use auth_blocking::wire::{TRANSPORT_ERROR_NOT_FOUND, transport_error_frame};
use auth_core::tl::{Serialize, functions};
use auth_core::{DcId, RpcError, TransportFailure};
use auth_sim::{Sim, SimConfig};
use auth_tokio::{SimServer, TcpOptions, TcpTransport, Transport};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn log_out() -> Vec<u8> {
    functions::auth::LogOut {}.to_bytes()
}

#[tokio::test]
async fn garbage_gets_a_transport_error_and_the_connection_closes() {
    let (server, _) = serve(SimConfig::default(), vec![]).await;
    for garbage in [
        &b"GET / HTTP/1.1\r\n\r\n"[..],
        &[0xee, 0xee, 0xee, 0xee, 1, 0, 0, 0, 7],
    ] {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(garbage).await.unwrap();
        let mut answer = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server closes the connection");
        assert_eq!(answer, transport_error_frame(TRANSPORT_ERROR_NOT_FOUND));
    }
    // The server still serves others.
    let transport = transport(&server, 5);
    let reply = transport.invoke(DcId(2), log_out()).await.unwrap();
    assert_eq!(
        RpcError::decode(&reply).unwrap().name,
        "AUTH_KEY_UNREGISTERED"
    );
}

#[tokio::test]
async fn every_dc_has_its_port_and_its_own_key() {
    let (server, transport) = serve(SimConfig::default(), vec![]).await;
    for dc in 1..=5 {
        assert_eq!(
            transport.addr(DcId(dc)).map(|a| a.port()),
            Some(server.base_port() + dc as u16 - 1)
        );
        transport.invoke(DcId(dc), log_out()).await.unwrap();
    }
    let keys: Vec<(i32, u64)> =
        server.with_sim(|sim| sim.calls().map(|c| (c.dc.0, c.key)).collect());
    for (dc, key) in keys {
        assert_eq!(key, transport.auth_key_id(DcId(dc)));
    }
    let no_dc6 = transport.invoke(DcId(6), log_out()).await.unwrap_err();
    assert!(no_dc6.to_string().contains("cannot connect"), "{no_dc6}");
}

#[tokio::test]
async fn a_connection_dropped_while_idle_is_reopened_with_the_same_key() {
    let (server, transport) = serve(SimConfig::default(), vec![]).await;
    let port = server.base_port();
    transport.invoke(DcId(1), log_out()).await.unwrap();
    server.shutdown().await;

    // A new server on the same ports: the kept connection is dead, the transport reconnects.
    let server = SimServer::start(Sim::default(), port).await.unwrap();
    transport.invoke(DcId(1), log_out()).await.unwrap();
    let keys: Vec<u64> = server.with_sim(|sim| sim.calls().map(|c| c.key).collect());
    assert_eq!(keys, [transport.auth_key_id(DcId(1))]);
}

#[tokio::test]
async fn no_server_and_a_silent_server_are_failures_not_hangs() {
    // Nothing listens: connecting fails.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let options =
        TcpOptions::new(1).with_timeouts(Duration::from_secs(2), Duration::from_millis(200));
    let nobody = TcpTransport::new(addr, options.clone());
    assert!(matches!(
        nobody.invoke(DcId(1), log_out()).await,
        Err(TransportFailure::Other(_))
    ));

    // A server that accepts and never answers: the reply times out.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let transport = TcpTransport::new(silent.local_addr().unwrap(), options);
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
}

#[tokio::test]
async fn a_server_that_hangs_up_mid_call_is_connection_lost() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let transport = TcpTransport::new(listener.local_addr().unwrap(), TcpOptions::new(1));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0; 64];
            let _ = stream.read(&mut buf).await;
        }
    });
    assert_eq!(
        transport.invoke(DcId(1), log_out()).await,
        Err(TransportFailure::ConnectionLost)
    );
}

#[tokio::test]
async fn call_log_sees_every_call() {
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = {
        let lines = lines.clone();
        SimServer::start_with_log(Sim::default(), 0, move |call| {
            lock_lines(&lines).push(call.to_string())
        })
        .await
        .unwrap()
    };
    let transport = transport(&server, 9);
    transport.invoke(DcId(2), log_out()).await.unwrap();
    let lines = lock_lines(&lines).clone();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].contains("auth.logOut -> 401 AUTH_KEY_UNREGISTERED"),
        "{lines:?}"
    );
}

fn lock_lines(lines: &std::sync::Mutex<Vec<String>>) -> std::sync::MutexGuard<'_, Vec<String>> {
    lines
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
