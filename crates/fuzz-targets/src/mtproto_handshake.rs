//! `mtproto_server_handshake`: our server's half of the handshake fed a valid client's first
//! steps, then mutated and arbitrary packets.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use arbitrary::Unstructured;
use mtproto::handshake::{
    ClientHandshake, HandshakeConfig, ServerHandshake, ServerHandshakeConfig,
};
use mtproto::keys::RsaPrivateKey;
use tg_crypto::entropy::Entropy;

const SERVER_SEED: [u8; 32] = [0x5e; 32];

fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

struct Transcript {
    config: ServerHandshakeConfig,
    /// A real client's three queries, valid for a server started with `SERVER_SEED` at `wall()`.
    queries: Vec<Vec<u8>>,
}

/// The server is deterministic given its seed and clock, so a transcript recorded once stays
/// valid for every fresh server of the same seed.
fn transcript() -> &'static Transcript {
    static TRANSCRIPT: OnceLock<Transcript> = OnceLock::new();
    TRANSCRIPT.get_or_init(|| {
        let config = ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key());
        let now = Instant::now();
        let mut server = ServerHandshake::new(
            config.clone(),
            now,
            wall(),
            Entropy::deterministic(SERVER_SEED),
        )
        .expect("a key is configured");
        let mut client = ClientHandshake::new(
            HandshakeConfig::with_keys(2, config.public_keys()),
            now,
            wall(),
            Entropy::deterministic([0xc1; 32]),
        )
        .expect("a key is configured");
        let mut queries = Vec::new();
        while let Some(query) = client.poll_transmit(now) {
            server
                .handle_packet(now, &query)
                .expect("a valid transcript");
            queries.push(query);
            while let Some(answer) = server.poll_transmit() {
                client
                    .handle_packet(now, &answer)
                    .expect("a valid transcript");
            }
        }
        assert_eq!(queries.len(), 3);
        Transcript { config, queries }
    })
}

/// After `k` valid queries (0–3), up to four packets: arbitrary bytes, or the next valid query
/// with bytes flipped, cut or extended. The server never panics; every refusal maps to -404 or
/// -444; everything it sends is a well-formed unencrypted message.
pub fn mtproto_server_handshake(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let transcript = transcript();
    let now = Instant::now();
    let Ok(mut server) = ServerHandshake::new(
        transcript.config.clone(),
        now,
        wall(),
        Entropy::deterministic(SERVER_SEED),
    ) else {
        unreachable!("a key is configured")
    };
    let valid = u.int_in_range(0..=3usize).unwrap_or(0);
    for query in &transcript.queries[..valid] {
        assert!(
            server.handle_packet(now, query).is_ok(),
            "the recorded transcript is valid"
        );
        while server.poll_transmit().is_some() {}
    }
    for _ in 0..4 {
        let Ok(mode) = u.int_in_range(0..=2u8) else {
            break;
        };
        let base = transcript.queries.get(valid).or(transcript.queries.last());
        let packet: Vec<u8> = match (mode, base) {
            (1, Some(base)) => {
                let mut packet = base.clone();
                let flips: Vec<(u16, u8)> = u.arbitrary().unwrap_or_default();
                for (at, mask) in flips {
                    let len = packet.len();
                    packet[usize::from(at) % len] ^= mask;
                }
                packet
            }
            (2, Some(base)) => {
                let cut = u.int_in_range(0..=base.len()).unwrap_or(0);
                let mut packet = base[..cut].to_vec();
                let extra: Vec<u8> = u.arbitrary().unwrap_or_default();
                packet.extend(extra);
                packet
            }
            _ => u.arbitrary().unwrap_or_default(),
        };
        if let Err(error) = server.handle_packet(now, &packet) {
            assert!(matches!(error.transport_code(), -404 | -444));
        }
        while let Some(answer) = server.poll_transmit() {
            assert!(answer.len() >= 20 && answer[..8] == [0; 8]);
            let len = u32::from_le_bytes([answer[16], answer[17], answer[18], answer[19]]);
            assert_eq!(len as usize, answer.len() - 20);
        }
    }
    if let Some(key) = server.poll_outcome() {
        assert!(
            key.dc.is_some(),
            "only a complete valid exchange makes a key"
        );
    }
}
