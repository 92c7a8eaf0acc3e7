//! The simulator's MTProto server on its own, with raw sockets: ports and key, the handshake,
//! what it refuses and how, shutdown. (Logins through it are the adapters' end-to-end tests.)
#![allow(clippy::disallowed_methods)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime};

use auth_sim::Sim;
use auth_sim::tcp::{DC_COUNT, ServerConfig, SimServer};
use mtproto::handshake::{ClientHandshake, HandshakeConfig, HandshakeError, NewAuthKey};
use mtproto::keys::{RsaPrivateKey, RsaPublicKey};
use mtproto::transport::{Framing, Inbound, Transport};
use tg_crypto::entropy::Entropy;

fn server() -> SimServer {
    SimServer::start(
        Sim::default(),
        ServerConfig::new(Entropy::deterministic([1; 32])),
    )
    .unwrap()
}

fn connect(server: &SimServer, dc: i32) -> TcpStream {
    let stream = TcpStream::connect(server.dcs().get(dc).unwrap()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Writes `bytes` and returns what the server sends until it closes the connection.
fn answer_to(server: &SimServer, bytes: &[u8]) -> Vec<u8> {
    let mut stream = connect(server, 1);
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}

/// What a client in the intermediate framing makes of `bytes` from the server.
fn inbound(bytes: &[u8]) -> Vec<Inbound> {
    let mut client = Transport::client(Framing::Intermediate, Entropy::deterministic([0; 32]));
    client.handle_bytes(bytes);
    std::iter::from_fn(|| client.poll_inbound().ok().flatten()).collect()
}

/// Runs a client handshake with DC `dc` over a socket.
fn handshake(
    server: &SimServer,
    dc: i32,
    config: HandshakeConfig,
) -> Result<NewAuthKey, Result<HandshakeError, Inbound>> {
    let mut stream = connect(server, dc);
    let now = Instant::now();
    let mut client = ClientHandshake::new(
        config,
        now,
        SystemTime::now(),
        Entropy::deterministic([dc as u8; 32]),
    )
    .unwrap();
    let mut framing = Transport::client(Framing::Abridged, Entropy::deterministic([2; 32]));
    let mut buf = [0u8; 4096];
    while !client.is_finished() {
        while let Some(packet) = client.poll_transmit(now) {
            stream
                .write_all(&framing.encode_packet(&packet).unwrap())
                .unwrap();
        }
        let n = stream.read(&mut buf).unwrap();
        assert_ne!(n, 0, "the server closed the connection mid-handshake");
        framing.handle_bytes(&buf[..n]);
        while let Some(inbound) = framing.poll_inbound().unwrap() {
            match inbound {
                Inbound::Packet(packet) => client.handle_packet(now, &packet).map_err(Ok)?,
                other => return Err(Err(other)),
            }
        }
    }
    Ok(client.poll_outcome().unwrap())
}

#[test]
fn each_dc_has_its_port_and_the_key_is_published_as_pkcs1() {
    let server = server();
    let dcs: Vec<(i32, u16)> = server.dcs().iter().map(|(dc, a)| (dc, a.port())).collect();
    let base = server.base_port();
    assert_eq!(dcs.len(), usize::from(DC_COUNT));
    for (dc, port) in dcs {
        assert_eq!(i32::from(port - base) + 1, dc);
    }
    let pem = server.public_key().to_pkcs1_pem();
    assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"), "{pem}");
    let read = RsaPublicKey::from_pkcs1_pem(&pem).unwrap();
    assert_eq!(
        read.fingerprint(),
        RsaPrivateKey::test_only_server_key()
            .public_key()
            .fingerprint()
    );
}

#[test]
fn a_handshake_makes_a_key_as_production_or_as_test_dc() {
    let server = server();
    let keys = vec![server.public_key().clone()];
    let key = handshake(&server, 3, HandshakeConfig::with_keys(3, keys.clone())).unwrap();
    assert_eq!(key.dc, Some(3));
    let mut test = HandshakeConfig::with_keys(2, keys.clone());
    test.test_servers = true;
    assert_eq!(handshake(&server, 2, test).unwrap().dc, Some(10_002));
    assert_eq!(server.key_count(), 2);

    // The inner data names DC 4 on DC 3's port: -444.
    let refused = handshake(&server, 3, HandshakeConfig::with_keys(4, keys)).unwrap_err();
    assert_eq!(refused, Err(Inbound::TransportError(-444)));
    assert_eq!(server.key_count(), 2);
}

#[test]
fn what_is_not_mtproto_is_refused_and_closed() {
    let server = server();
    let minus_404 = vec![Inbound::TransportError(-404)];
    // Not a framing at all: closed (there is no framing to answer in).
    assert_eq!(
        answer_to(&server, b"GET / HTTP/1.1\r\n\r\n"),
        Vec::<u8>::new()
    );

    let mut unknown_key = vec![0xee; 4];
    let packet = [&7u64.to_le_bytes()[..], &[0u8; 32]].concat();
    unknown_key.extend((packet.len() as u32).to_le_bytes());
    unknown_key.extend(&packet);
    assert_eq!(
        inbound(&answer_to(&server, &unknown_key)),
        minus_404,
        "unknown auth key"
    );

    let mut huge = vec![0xee; 4];
    huge.extend(0x7fff_fff0u32.to_le_bytes());
    assert_eq!(
        inbound(&answer_to(&server, &huge)),
        minus_404,
        "oversized frame"
    );

    let mut bad_handshake = vec![0xee; 4];
    bad_handshake.extend(24u32.to_le_bytes());
    bad_handshake.extend([0u8; 24]);
    assert_eq!(
        inbound(&answer_to(&server, &bad_handshake)),
        minus_404,
        "not a handshake message"
    );
    assert_eq!(server.key_count(), 0);
    assert!(server.served().is_empty());
}

#[test]
fn taken_ports_are_refused_and_free_ones_found() {
    let first = server();
    let taken = ServerConfig::new(Entropy::deterministic([2; 32])).with_port(first.base_port());
    assert!(SimServer::start(Sim::default(), taken).is_err());
    assert_ne!(server().base_port(), first.base_port());
}

#[test]
fn shutdown_closes_open_connections_promptly() {
    let server = server();
    let addr = server.dcs().get(1).unwrap();
    let mut idle = connect(&server, 1);
    idle.write_all(&[0xee; 4]).unwrap();
    let started = Instant::now();
    while server.open_connections() == 0 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.open_connections(), 1);
    server.shutdown();
    idle.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut buf = [0u8; 8];
    assert!(
        matches!(idle.read(&mut buf), Ok(0) | Err(_)),
        "closed by the server"
    );
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "no longer listening"
    );
}
