//! `mtproto_transport`: the MTProto framings fed arbitrary bytes in arbitrary chunks.

use arbitrary::Unstructured;
use mtproto::transport::{Framing, Inbound, MAX_PACKET_LEN, Transport, TransportError};
use tg_crypto::entropy::Entropy;

/// Feeds `stream` to `transport` in the chunk sizes of `chunks` and checks every result: packets
/// within the limit, errors sticky. Returns the packets.
fn drain(transport: &mut Transport, stream: &[u8], chunks: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut failed: Option<TransportError> = None;
    let mut at = 0;
    let mut i = 0;
    while at < stream.len() {
        let size = usize::from(chunks.get(i % chunks.len().max(1)).copied().unwrap_or(5)).max(1);
        i += 1;
        let end = (at + size).min(stream.len());
        transport.handle_bytes(&stream[at..end]);
        at = end;
        loop {
            match transport.poll_inbound() {
                Ok(Some(Inbound::Packet(p))) => {
                    assert!(failed.is_none(), "a packet after an error");
                    assert!(!p.is_empty() && p.len() <= MAX_PACKET_LEN);
                    packets.push(p);
                }
                Ok(Some(Inbound::TransportError(code))) => assert!(code < 0),
                Ok(Some(Inbound::QuickAck(_))) => {}
                Ok(None) => break,
                Err(error) => {
                    if let Some(first) = failed {
                        assert_eq!(first, error, "the first error sticks");
                    }
                    failed = Some(error);
                    assert_eq!(transport.poll_inbound(), Err(error));
                    break;
                }
            }
        }
    }
    packets
}

/// Three parts: (1) a server transport fed arbitrary bytes (framing detection included); what it
/// decodes re-encodes in the detected framing; (2) payloads shaped like encrypted messages,
/// framed by a client in a chosen framing and decoded by a server in arbitrary chunks, come out
/// unchanged; (3) a client transport fed arbitrary bytes as if from the server.
pub fn mtproto_transport(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let chunks: Vec<u8> = u.arbitrary().unwrap_or_default();
    let framing = *u.choose(&Framing::ALL).unwrap_or(&Framing::Full);

    let stream: Vec<u8> = u.arbitrary().unwrap_or_default();
    let mut server = Transport::server(Entropy::deterministic([1; 32]));
    for packet in drain(&mut server, &stream, &chunks) {
        if packet.len() % 4 == 0 {
            assert!(
                server.encode_packet(&packet).is_ok(),
                "a decoded packet re-encodes"
            );
        }
    }

    let sizes: Vec<u8> = u.arbitrary().unwrap_or_default();
    let mut client = Transport::client(framing, Entropy::deterministic([2; 32]));
    let mut server = Transport::server(Entropy::deterministic([3; 32]));
    let mut wire = Vec::new();
    let mut sent = Vec::new();
    for (i, size) in sizes.iter().take(16).enumerate() {
        // auth_key_id (non-zero), msg_key, then whole blocks.
        let mut payload = vec![i as u8 | 1; 8];
        payload.extend((0..16 + 16 * usize::from(*size)).map(|j| (j * 13 + i) as u8));
        wire.extend(
            client
                .encode_packet(&payload)
                .expect("an aligned payload frames"),
        );
        sent.push(payload);
    }
    let received = drain(&mut server, &wire, &chunks);
    assert_eq!(received, sent, "{framing:?}");
    assert_eq!(server.buffered(), 0);

    let rest = u.take_rest();
    let mut client = Transport::client(framing, Entropy::deterministic([4; 32]));
    drain(&mut client, rest, &chunks);
}
