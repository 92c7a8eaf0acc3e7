//! `TcpTransport` on its own: keys kept across reconnects, one reconnect, timeouts, transport
//! errors. Fake servers are built from `wire::ServerConnection`.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use auth_blocking::wire::{PlainMessage, ServerConnection, transport_error_frame};
use auth_blocking::{TcpOptions, TcpTransport, Transport, login};
use auth_core::{DcId, TransportFailure};

use crate::support::{Fixture, ScriptedPrompt, Step};

/// Reads one request from `stream` (`None` on EOF).
fn read_request(stream: &mut TcpStream, conn: &mut ServerConnection) -> Option<PlainMessage> {
    let mut buf = [0u8; 4096];
    loop {
        if let Some(r) = conn.poll_request().expect("valid request") {
            return Some(r);
        }
        let n = stream.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        conn.push(&buf[..n]);
    }
}

/// A one-DC fake server: `serve(connection index, stream)` for each of `connections`
/// connections; returns the transport's options' DC 1 address and the thread.
fn fake_server(
    connections: usize,
    serve: impl Fn(usize, TcpStream) -> Vec<PlainMessage> + Send + 'static,
) -> (std::net::SocketAddr, JoinHandle<Vec<PlainMessage>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = thread::spawn(move || {
        let mut seen = Vec::new();
        for i in 0..connections {
            let (stream, _) = listener.accept().expect("accept");
            seen.extend(serve(i, stream));
        }
        seen
    });
    (addr, handle)
}

fn options() -> TcpOptions {
    TcpOptions::new(1).with_timeouts(Duration::from_secs(2), Duration::from_millis(300))
}

#[test]
fn idle_connection_closed_by_the_server_is_reopened_once_with_the_same_key() {
    // Connection 0 answers one request and closes; connection 1 answers the next.
    let (addr, server) = fake_server(2, |_, mut stream| {
        let mut conn = ServerConnection::new();
        let request = read_request(&mut stream, &mut conn).expect("a request");
        stream
            .write_all(&conn.encode_reply(&request, b"pong").expect("reply"))
            .expect("write");
        let _ = stream.shutdown(Shutdown::Both);
        vec![request]
    });
    let mut t = TcpTransport::new(addr, options().with_auth_key_id(DcId(1), 77));
    assert_eq!(t.invoke(DcId(1), b"one"), Ok(b"pong".to_vec()));
    thread::sleep(Duration::from_millis(50));
    assert_eq!(t.invoke(DcId(1), b"two"), Ok(b"pong".to_vec()));
    let seen = server.join().expect("server");
    assert_eq!(
        seen.iter().map(|m| m.auth_key_id).collect::<Vec<_>>(),
        [77, 77]
    );
    assert!(
        seen[1].message_id > seen[0].message_id,
        "ids increase across reconnects"
    );
    assert_eq!(t.auth_key_id(DcId(1)), 77);
}

#[test]
fn drop_while_waiting_is_connection_lost() {
    let (addr, server) = fake_server(1, |_, mut stream| {
        let mut conn = ServerConnection::new();
        let request = read_request(&mut stream, &mut conn);
        drop(stream);
        request.into_iter().collect()
    });
    let mut t = TcpTransport::new(addr, options());
    assert_eq!(
        t.invoke(DcId(1), b"x"),
        Err(TransportFailure::ConnectionLost)
    );
    server.join().expect("server");
    assert!(!t.is_connected(DcId(1)));
}

#[test]
fn silence_is_a_timeout() {
    let (addr, server) = fake_server(1, |_, mut stream| {
        let mut conn = ServerConnection::new();
        let request = read_request(&mut stream, &mut conn);
        thread::sleep(Duration::from_millis(600));
        request.into_iter().collect()
    });
    let mut t = TcpTransport::new(addr, options());
    assert_eq!(t.invoke(DcId(1), b"x"), Err(TransportFailure::Timeout));
    server.join().expect("server");
}

#[test]
fn transport_error_frame_is_reported() {
    let (addr, server) = fake_server(1, |_, mut stream| {
        let mut conn = ServerConnection::new();
        let request = read_request(&mut stream, &mut conn);
        stream
            .write_all(&transport_error_frame(-404))
            .expect("write");
        request.into_iter().collect()
    });
    let mut t = TcpTransport::new(addr, options());
    assert_eq!(
        t.invoke(DcId(1), b"x"),
        Err(TransportFailure::Other("transport error -404".into()))
    );
    server.join().expect("server");
}

#[test]
fn garbage_reply_is_reported_not_panicked() {
    let (addr, server) = fake_server(1, |_, mut stream| {
        let mut conn = ServerConnection::new();
        let request = read_request(&mut stream, &mut conn);
        stream.write_all(&[0xff; 16]).expect("write");
        request.into_iter().collect()
    });
    let mut t = TcpTransport::new(addr, options());
    assert!(
        matches!(t.invoke(DcId(1), b"x"), Err(TransportFailure::Other(m)) if m.contains("bad reply"))
    );
    server.join().expect("server");
}

#[test]
fn nothing_listening_fails_without_panicking() {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut t = TcpTransport::new(([127, 0, 0, 1], port), options());
    assert!(matches!(
        t.invoke(DcId(1), b"x"),
        Err(TransportFailure::Other(_))
    ));
    assert!(t.invoke(DcId(0), b"x").is_err(), "DC 0 has no port");
}

/// Drops every connection before each call.
struct Reconnecting<'a>(&'a mut TcpTransport);

impl Transport for Reconnecting<'_> {
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        self.0.disconnect();
        self.0.invoke(dc, body)
    }
}

#[test]
fn login_survives_a_reconnect_before_every_call() {
    let mut f = Fixture::with_account("9996621234");
    let mut prompt = ScriptedPrompt::new([Step::TestCode('2')]);
    let mut transport = Reconnecting(&mut f.transport);
    let auth = login(
        &mut transport,
        &mut prompt,
        f.config.clone(),
        "9996621234",
        &mut auth_core::entropy::Entropy::deterministic([1; 32]),
        None,
    )
    .expect("logged in");
    let keys: Vec<u64> = f
        .server
        .with_sim(|sim| sim.calls().map(|c| c.key).collect());
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| *k == f.transport.auth_key_id(DcId(2))));
    assert_eq!(f.authorized_user(DcId(2)), Some(auth.user_id));
}
