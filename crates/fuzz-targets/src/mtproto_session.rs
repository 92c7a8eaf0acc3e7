//! `mtproto_server_session` and `mtproto_client_session`: each half of the encrypted session fed
//! arbitrary packets — raw bytes, and messages the harness encrypts with the session's key so
//! that the fuzzer's bytes get past the `msg_key` check into every parser and state change.

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use arbitrary::Unstructured;
use mtproto::AuthKey;
use mtproto::crypto::{Direction, decrypt_message, encrypt_message};
use mtproto::session::{
    ClientInfo, ClientSession, Event, RequestId, ServerEvent, ServerSession, ServerSessionConfig,
    SessionConfig, SessionKey,
};
use tg_crypto::entropy::Entropy;

pub(crate) const WALL_SECS: i64 = 1_800_000_000;
pub(crate) const SALT: i64 = 0x0123_4567_89ab_cdef;

pub(crate) fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(WALL_SECS as u64)
}

pub(crate) fn key() -> AuthKey {
    AuthKey::from_bytes(std::array::from_fn(|i| (i * 7 + 3) as u8))
}

/// Arbitrary bytes padded to whole words (bodies are TL, so whole words).
pub(crate) fn words(u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut body: Vec<u8> = u.arbitrary().unwrap_or_default();
    body.truncate(4096);
    body.resize(body.len().div_ceil(4).max(1) * 4, 0);
    body
}

/// A message with the given header and body, encrypted for `direction`.
pub(crate) fn seal(
    direction: Direction,
    header: (i64, i64, i64, i32),
    body: &[u8],
    padding: usize,
) -> Vec<u8> {
    let (salt, session_id, msg_id, seqno) = header;
    let mut plain = Vec::with_capacity(32 + body.len() + padding + 16);
    plain.extend_from_slice(&salt.to_le_bytes());
    plain.extend_from_slice(&session_id.to_le_bytes());
    plain.extend_from_slice(&msg_id.to_le_bytes());
    plain.extend_from_slice(&seqno.to_le_bytes());
    plain.extend_from_slice(&(body.len() as u32).to_le_bytes());
    plain.extend_from_slice(body);
    let len = plain.len() + padding.max(12);
    plain.resize(len.div_ceil(16) * 16, 0x42);
    encrypt_message(&key(), direction, &plain).unwrap_or_default()
}

/// Fuzzer-chosen plaintext, encrypted as it is (only aligned to blocks).
fn seal_raw(direction: Direction, u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut plain: Vec<u8> = u.arbitrary().unwrap_or_default();
    plain.truncate(4096);
    plain.resize(plain.len().div_ceil(16).max(3) * 16, 0);
    encrypt_message(&key(), direction, &plain).unwrap_or_default()
}

/// A message id near the server's clock with fuzzer-chosen low bits.
pub(crate) fn msg_id(u: &mut Unstructured<'_>, base_secs: i64) -> i64 {
    let delta = i64::from(u.int_in_range(-400i16..=60).unwrap_or(0));
    let frac = i64::from(u.arbitrary::<u32>().unwrap_or(4));
    ((base_secs + delta) << 32) | frac
}

/// Up to 24 steps of: raw bytes, a message built around fuzzer bytes, a fully fuzzed plaintext,
/// a tick. Every request is answered (with fuzzer bytes or an error) or pushed an update; every
/// packet the server sends decrypts and belongs to a session it knows.
pub fn mtproto_server_session(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut now = Instant::now();
    let config = ServerSessionConfig {
        gzip_above: Some(64),
        max_sessions: 3,
        ..ServerSessionConfig::default()
    };
    let mut server = ServerSession::new(
        config,
        key(),
        SALT,
        now,
        wall(),
        Entropy::deterministic([7; 32]),
    );
    let mut elapsed = 0i64;
    for _ in 0..24 {
        let Ok(step) = u.int_in_range(0..=4u8) else {
            break;
        };
        let packet = match step {
            0 => u.arbitrary().unwrap_or_default(),
            1 | 2 => {
                let salt = if u.ratio(1, 8).unwrap_or(false) {
                    1
                } else {
                    SALT
                };
                let session = i64::from(u.int_in_range(1..=4u8).unwrap_or(1));
                let id = msg_id(&mut u, WALL_SECS + elapsed) & !(if step == 1 { 3 } else { 0 });
                let seqno = u.arbitrary().unwrap_or(1);
                let padding = usize::from(u.int_in_range(0..=64u8).unwrap_or(0));
                let body = words(&mut u);
                seal(
                    Direction::ClientToServer,
                    (salt, session, id, seqno),
                    &body,
                    padding,
                )
            }
            3 => seal_raw(Direction::ClientToServer, &mut u),
            _ => {
                let secs = u.int_in_range(0..=120u8).unwrap_or(1);
                now += Duration::from_secs(u64::from(secs));
                elapsed += i64::from(secs);
                server.handle_timeout(now);
                Vec::new()
            }
        };
        if !packet.is_empty() {
            let _ = server.handle_packet(now, &packet);
        }
        while let Some(event) = server.poll_event() {
            match event {
                ServerEvent::Request(request) => {
                    let answered = if u.ratio(1, 4).unwrap_or(false) {
                        server.respond_error(request.id, 400, "FUZZ")
                    } else {
                        server.respond(request.id, &words(&mut u))
                    };
                    // A request may belong to a session forgotten meanwhile.
                    if let Err(error) = answered {
                        assert_eq!(error, mtproto::UsageError::UnknownSession);
                    }
                    if u.ratio(1, 4).unwrap_or(false) {
                        let _ = server.push_update(request.session_id, &words(&mut u));
                    }
                }
                ServerEvent::NewSession { session_id } => {
                    assert!(server.sessions().any(|s| s == session_id));
                }
            }
        }
        while let Some(transmit) = server.poll_transmit(now) {
            let plain = decrypt_message(&key(), Direction::ServerToClient, &transmit.packet)
                .expect("the server's packets decrypt");
            assert_eq!(plain[8..16], transmit.session_id.to_le_bytes());
            assert_eq!(plain[16] & 1, 1, "server msg_ids are odd");
        }
    }
}

pub(crate) fn client_info() -> ClientInfo {
    ClientInfo {
        api_id: 1,
        device_model: "fuzz".into(),
        system_version: "fuzz".into(),
        app_version: "1".into(),
        system_lang_code: "en".into(),
        lang_pack: String::new(),
        lang_code: "en".into(),
    }
}

/// The msg_ids in a packet the client sent (the message's, and those inside a container).
pub(crate) fn sent_ids(packet: &[u8]) -> Vec<i64> {
    let Ok(plain) = decrypt_message(&key(), Direction::ClientToServer, packet) else {
        panic!("the client's packets decrypt");
    };
    let long = |at: usize| i64::from_le_bytes(plain[at..at + 8].try_into().unwrap_or_default());
    let mut ids = vec![long(16)];
    assert_eq!(ids[0] % 4, 0, "client msg_ids are divisible by 4");
    let body = &plain[32..];
    if body.get(..4) == Some(&0x73f1_f8dcu32.to_le_bytes()[..]) {
        let count = u32::from_le_bytes(body[4..8].try_into().unwrap_or_default());
        let mut at = 8;
        for _ in 0..count {
            let inner = i64::from_le_bytes(body[at..at + 8].try_into().unwrap_or_default());
            let len =
                u32::from_le_bytes(body[at + 12..at + 16].try_into().unwrap_or_default()) as usize;
            ids.push(inner);
            at += 16 + len;
        }
    }
    ids
}

/// A TL `rpc_result` or notification about one of the ids the client sent, or any body.
pub(crate) fn server_body(u: &mut Unstructured<'_>, ids: &[i64]) -> Vec<u8> {
    let about = u.choose(ids).copied().unwrap_or(0);
    let mut out = Vec::new();
    match u.int_in_range(0..=3u8).unwrap_or(0) {
        0 => {
            out.extend_from_slice(&0xf35c_6d01u32.to_le_bytes());
            out.extend_from_slice(&about.to_le_bytes());
            out.extend(words(u));
        }
        1 => {
            let salted = u.arbitrary().unwrap_or(false);
            let id: u32 = if salted { 0xedab_447b } else { 0xa7ef_f811 };
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&about.to_le_bytes());
            out.extend_from_slice(&1i32.to_le_bytes());
            let code: i32 = *u
                .choose(&[16, 17, 18, 20, 32, 33, 34, 35, 48, 64])
                .unwrap_or(&48);
            out.extend_from_slice(&code.to_le_bytes());
            if salted {
                out.extend_from_slice(&u.arbitrary::<i64>().unwrap_or(5).to_le_bytes());
            }
        }
        2 => {
            out.extend_from_slice(&0x62d6_b459u32.to_le_bytes());
            out.extend_from_slice(&0x1cb5_c415u32.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&about.to_le_bytes());
        }
        _ => out.extend(words(u)),
    }
    out
}

/// Up to 24 steps of: raw bytes, a server message (an `rpc_result`, a notification or an ack
/// about something the client sent, or any body), a fully fuzzed plaintext, a tick, a new
/// request. Every request ends at most once, and only requests that were sent end; every packet
/// the client sends decrypts with client msg_ids.
pub fn mtproto_client_session(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut now = Instant::now();
    let key = SessionKey {
        auth_key: key(),
        salt: SALT,
        time_offset: 0,
    };
    let mut client = ClientSession::new(
        SessionConfig::new(228, client_info()),
        key,
        now,
        wall(),
        Entropy::deterministic([8; 32]),
    );
    let mut sent: BTreeSet<RequestId> = BTreeSet::new();
    let mut ended: BTreeSet<RequestId> = BTreeSet::new();
    let mut ids: Vec<i64> = Vec::new();
    let mut elapsed = 0i64;
    for i in 0..3u32 {
        sent.insert(
            client
                .send(now, (0x1000_0000 + i).to_le_bytes().to_vec())
                .expect("a valid body"),
        );
    }
    for _ in 0..24 {
        while let Some(packet) = client.poll_transmit(now) {
            ids.extend(sent_ids(&packet));
        }
        let Ok(step) = u.int_in_range(0..=5u8) else {
            break;
        };
        let packet = match step {
            0 => u.arbitrary().unwrap_or_default(),
            1 | 2 => {
                let session = if u.ratio(1, 16).unwrap_or(false) {
                    9
                } else {
                    client.session_id()
                };
                let id = msg_id(&mut u, WALL_SECS + elapsed) | 1;
                let seqno = u.arbitrary().unwrap_or(1);
                let body = if step == 1 {
                    server_body(&mut u, &ids)
                } else {
                    words(&mut u)
                };
                seal(
                    Direction::ServerToClient,
                    (SALT, session, id, seqno),
                    &body,
                    16,
                )
            }
            3 => seal_raw(Direction::ServerToClient, &mut u),
            4 => {
                let secs = u.int_in_range(0..=60u8).unwrap_or(1);
                now += Duration::from_secs(u64::from(secs));
                elapsed += i64::from(secs);
                client.handle_timeout(now);
                Vec::new()
            }
            _ => {
                if let Ok(id) = client.send(now, words(&mut u)) {
                    sent.insert(id);
                }
                Vec::new()
            }
        };
        if !packet.is_empty() {
            let _ = client.handle_packet(now, &packet);
        }
        while let Some(event) = client.poll_event() {
            if let Event::Response { id, .. } | Event::Failed { id, .. } = event {
                assert!(sent.contains(&id), "an answer to a request never sent");
                assert!(ended.insert(id), "a request ended twice");
            }
        }
    }
    assert_eq!(client.is_idle(), sent.len() == ended.len());
}
