//! `SimServer` on its own: ports, garbage, the call log, shutdown.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_blocking::wire::{
    INTERMEDIATE_TAG, MAX_FRAME_LEN, TRANSPORT_ERROR_NOT_FOUND, encode_frame, transport_error_frame,
};
use auth_blocking::{SimServer, TcpOptions, TcpTransport, Transport};
use auth_core::{
    DcId,
    tl::{self, Serialize, enums, functions, types},
};
use auth_sim::Sim;

/// Writes `bytes` to DC 1 and reads until the server closes.
fn answer_to(server: &SimServer, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(server.addr()).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    s.write_all(bytes).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

#[test]
fn garbage_gets_minus_404_and_close() {
    let server = SimServer::start(Sim::default(), 0).expect("start");
    let refusal = transport_error_frame(TRANSPORT_ERROR_NOT_FOUND).to_vec();
    assert_eq!(
        answer_to(&server, b"GET / HTTP/1.1\r\n\r\n"),
        refusal,
        "wrong tag"
    );

    let mut short_envelope = INTERMEDIATE_TAG.to_vec();
    short_envelope.extend(encode_frame(b"abc").expect("frame"));
    assert_eq!(
        answer_to(&server, &short_envelope),
        refusal,
        "envelope too short"
    );

    let mut huge = INTERMEDIATE_TAG.to_vec();
    huge.extend(((MAX_FRAME_LEN + 1) as u32).to_le_bytes());
    assert_eq!(
        answer_to(&server, &huge),
        refusal,
        "oversized frame refused from its header"
    );

    let mut zero_key = INTERMEDIATE_TAG.to_vec();
    zero_key.extend(encode_frame(&[0; 20]).expect("frame"));
    assert_eq!(answer_to(&server, &zero_key), refusal, "zero auth_key_id");
    assert!(server.with_sim(|sim| sim.calls().len()) == 0);
}

#[test]
fn each_port_is_its_dc_and_calls_are_logged() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&log);
    let server = SimServer::start_with_log(Sim::default(), 0, move |record| {
        sink.lock().expect("log").push(record.to_string());
    })
    .expect("start");
    assert_ne!(server.base_port(), 0);
    let mut t = TcpTransport::new(server.addr(), TcpOptions::new(5));
    let send_code = functions::auth::SendCode {
        phone_number: "9996641234".into(),
        api_id: 1,
        api_hash: "h".into(),
        settings: types::CodeSettings::default().into(),
    }
    .to_bytes();
    let reply = t.invoke(DcId(4), &send_code).expect("served");
    assert!(matches!(
        tl::decode::<enums::auth::SentCode>(&reply),
        Ok(enums::auth::SentCode::SentCode(_))
    ));
    let log = log.lock().expect("log").clone();
    assert_eq!(log.len(), 1);
    assert!(
        log[0].starts_with("DC 4 key ") && log[0].contains("auth.sendCode -> auth.sentCode"),
        "{log:?}"
    );
}

#[test]
fn taken_ports_are_refused_and_free_ones_found() {
    let first = SimServer::start(Sim::default(), 0).expect("start");
    assert!(SimServer::start(Sim::default(), first.base_port()).is_err());
    let second = SimServer::start(Sim::default(), 0).expect("another five ports");
    assert_ne!(first.base_port(), second.base_port());
}

#[test]
fn shutdown_closes_open_connections_promptly() {
    let server = SimServer::start(Sim::default(), 0).expect("start");
    let addr = server.addr();
    let mut idle = TcpStream::connect(addr).expect("connect");
    idle.write_all(&INTERMEDIATE_TAG).expect("tag");
    let started = Instant::now();
    while server.open_connections() == 0 && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(server.open_connections(), 1);
    server.shutdown();
    idle.set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
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
