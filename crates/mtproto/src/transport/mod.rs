//! The TCP framings of MTProto (mtproto/mtproto-transports) as byte-stream codecs: feed the
//! bytes as they arrive, in any chunks, and take whole packets out.
//!
//! A [`Transport`] is one side of one connection. The client names its [`Framing`] and sends the
//! framing's tag before its first packet; the server recognises the framing from the first bytes
//! it receives. Inbound, a 4-byte payload is a transport error (`-404`, `-429`, `-444`…) and is
//! reported as [`Inbound::TransportError`]; quick acknowledgements are recognised and reported
//! as [`Inbound::QuickAck`]. Obfuscation is not implemented: an obfuscated stream is refused as
//! [`TransportError::UnknownProtocol`].

use tg_crypto::entropy::Entropy;

use crate::random::Random;

/// The largest MTProto payload either side accepts in one packet. A peer can make a
/// [`Transport`] buffer at most this much (plus a header) before a packet is complete.
pub const MAX_PACKET_LEN: usize = 1 << 24;

/// Telegram's TCP framings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// A 1- or 4-byte length in 4-byte units; tag `0xef`.
    Abridged,
    /// A 4-byte length; tag `0xeeeeeeee`.
    Intermediate,
    /// A 4-byte length and 0–15 random padding bytes; tag `0xdddddddd`.
    PaddedIntermediate,
    /// Length, sequence number, payload and CRC32; no tag.
    Full,
}

impl Framing {
    /// Every framing, for tests and configuration lists.
    pub const ALL: [Framing; 4] = [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
        Framing::Full,
    ];

    /// What the client sends before its first packet.
    #[must_use]
    pub fn tag(self) -> &'static [u8] {
        match self {
            Framing::Abridged => &[0xef],
            Framing::Intermediate => &[0xee; 4],
            Framing::PaddedIntermediate => &[0xdd; 4],
            Framing::Full => &[],
        }
    }
}

/// What came in on a connection.
#[derive(Clone, PartialEq, Eq)]
pub enum Inbound {
    /// An MTProto payload (encrypted or not): give it to the handshake or the session.
    Packet(Vec<u8>),
    /// A transport error from the server: the negative code as sent (`-404`: the server does not
    /// know the auth key, or the handshake went wrong; `-429`: too many connections; `-444`: a
    /// wrong DC).
    TransportError(i32),
    /// A quick acknowledgement token from the server (only if the client asked for one).
    QuickAck(u32),
}

impl core::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            // Wire bytes are never printed: only their length.
            Inbound::Packet(packet) => f
                .debug_struct("Packet")
                .field("len", &packet.len())
                .finish(),
            Inbound::TransportError(code) => f.debug_tuple("TransportError").field(code).finish(),
            Inbound::QuickAck(token) => f.debug_tuple("QuickAck").field(token).finish(),
        }
    }
}

/// The peer broke the framing. The connection is unusable afterwards: every later
/// [`Transport::poll_inbound`] returns the same error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The server could not recognise the client's first bytes as a framing it knows.
    #[error("the first bytes name no known MTProto framing")]
    UnknownProtocol,
    /// A packet claims more than [`MAX_PACKET_LEN`] bytes.
    #[error("packet of {0} bytes exceeds the limit")]
    TooLarge(u64),
    /// A length field that no valid packet has.
    #[error("invalid packet length {0}")]
    BadLength(u64),
    /// The full framing's CRC32 does not match.
    #[error("CRC32 mismatch")]
    BadCrc,
    /// The full framing's sequence number is not the next one.
    #[error("sequence number {found}, expected {expected}")]
    BadSeqNo {
        /// The number expected.
        expected: u32,
        /// The number received.
        found: u32,
    },
    /// A 4-byte payload that is not a (negative) transport error code.
    #[error("a 4-byte packet that is not a transport error: {0}")]
    NotAnError(i32),
}

/// The caller asked for something the framing cannot carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// Payloads are whole 4-byte words.
    #[error("payload of {0} bytes is not a multiple of 4")]
    NotAligned(usize),
    /// The payload is empty or larger than [`MAX_PACKET_LEN`].
    #[error("payload of {0} bytes is empty or too large")]
    BadLength(usize),
    /// A server transport has not seen the client's first bytes yet, so it does not know the
    /// framing to answer in.
    #[error("the framing is not known yet")]
    FramingUnknown,
    /// Only a server sends transport errors, and only negative codes.
    #[error("a client cannot send transport errors, and codes are negative")]
    NotAnError,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Client,
    Server,
}

/// One side of one MTProto TCP connection: framing out, deframing in.
///
/// Methods sort into getters ([`Transport::framing`], [`Transport::buffered`]), input
/// ([`Transport::handle_bytes`]), output ([`Transport::poll_inbound`]) and commands
/// ([`Transport::encode_packet`], [`Transport::encode_transport_error`]).
///
/// ```
/// use mtproto::transport::{Framing, Inbound, Transport};
/// use tg_crypto::entropy::Entropy;
///
/// let mut client = Transport::client(Framing::Full, Entropy::deterministic([1; 32]));
/// let mut server = Transport::server(Entropy::deterministic([2; 32]));
/// let wire = client.encode_packet(&[1, 2, 3, 4, 5, 6, 7, 8])?;
/// for byte in wire {
///     server.handle_bytes(&[byte]); // any chunking
/// }
/// assert_eq!(server.poll_inbound()?, Some(Inbound::Packet(vec![1, 2, 3, 4, 5, 6, 7, 8])));
/// assert_eq!(server.framing(), Some(Framing::Full));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Transport {
    side: Side,
    framing: Option<Framing>,
    tag_sent: bool,
    recv: Vec<u8>,
    start: usize,
    recv_seq: u32,
    send_seq: u32,
    failed: Option<TransportError>,
    random: Random,
}

impl core::fmt::Debug for Transport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // What is buffered is wire bytes: only how many.
        f.debug_struct("Transport")
            .field("side", &self.side)
            .field("framing", &self.framing)
            .field("buffered", &self.buffered())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A client's side of a connection in `framing`. `entropy` draws the padding of the padded
    /// framing.
    #[must_use]
    pub fn client(framing: Framing, entropy: Entropy) -> Self {
        Self::new(Side::Client, Some(framing), entropy)
    }

    /// A server's side of a connection: the framing is recognised from the client's first bytes.
    #[must_use]
    pub fn server(entropy: Entropy) -> Self {
        Self::new(Side::Server, None, entropy)
    }

    fn new(side: Side, framing: Option<Framing>, entropy: Entropy) -> Self {
        Transport {
            side,
            framing,
            tag_sent: false,
            recv: Vec::new(),
            start: 0,
            recv_seq: 0,
            send_seq: 0,
            failed: None,
            random: Random::from(entropy),
        }
    }

    /// The framing, once known (a server learns it from the first bytes).
    #[must_use]
    pub fn framing(&self) -> Option<Framing> {
        self.framing
    }

    /// Bytes received but not yet part of a whole packet.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.recv.len() - self.start
    }

    /// Takes bytes as they came off the socket, in any chunks. After an error they are dropped.
    pub fn handle_bytes(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.recv.extend_from_slice(bytes);
        }
    }

    /// The next whole thing received, `None` until more bytes arrive.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when the peer broke the framing; it sticks.
    pub fn poll_inbound(&mut self) -> Result<Option<Inbound>, TransportError> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        match self.decode() {
            Ok(inbound) => {
                self.compact();
                Ok(inbound)
            }
            Err(error) => {
                self.failed = Some(error);
                self.recv = Vec::new();
                self.start = 0;
                Err(error)
            }
        }
    }

    /// Frames `payload` (an MTProto packet) for sending; a client's first packet is preceded by
    /// the framing's tag.
    ///
    /// # Errors
    ///
    /// [`EncodeError::NotAligned`], [`EncodeError::BadLength`], or on a server that has not
    /// received anything yet [`EncodeError::FramingUnknown`].
    pub fn encode_packet(&mut self, payload: &[u8]) -> Result<Vec<u8>, EncodeError> {
        if payload.is_empty() || payload.len() > MAX_PACKET_LEN {
            return Err(EncodeError::BadLength(payload.len()));
        }
        if !payload.len().is_multiple_of(4) {
            return Err(EncodeError::NotAligned(payload.len()));
        }
        let framing = self.framing.ok_or(EncodeError::FramingUnknown)?;
        let mut out = Vec::with_capacity(payload.len() + 16);
        if self.side == Side::Client && !self.tag_sent {
            out.extend_from_slice(framing.tag());
            self.tag_sent = true;
        }
        // Lengths fit in u32: payloads are at most MAX_PACKET_LEN (2^24) bytes.
        let len = payload.len() as u32;
        match framing {
            Framing::Abridged => {
                let units = len / 4;
                if units < 0x7f {
                    out.push(units as u8);
                } else {
                    out.push(0x7f);
                    out.extend_from_slice(&units.to_le_bytes()[..3]);
                }
                out.extend_from_slice(payload);
            }
            Framing::Intermediate => {
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(payload);
            }
            Framing::PaddedIntermediate => {
                let pad = usize::from(self.random.array::<1>()[0] % 16);
                out.extend_from_slice(&(len + pad as u32).to_le_bytes());
                out.extend_from_slice(payload);
                let at = out.len();
                out.resize(at + pad, 0);
                self.random.fill(&mut out[at..]);
            }
            Framing::Full => {
                let at = out.len();
                out.extend_from_slice(&(len + 12).to_le_bytes());
                out.extend_from_slice(&self.send_seq.to_le_bytes());
                out.extend_from_slice(payload);
                let crc = crc32fast::hash(&out[at..]);
                out.extend_from_slice(&crc.to_le_bytes());
                self.send_seq = self.send_seq.wrapping_add(1);
            }
        }
        Ok(out)
    }

    /// Frames a transport error (a negative code such as `-404`) for a server to send.
    ///
    /// # Errors
    ///
    /// [`EncodeError::NotAnError`] on a client or for a non-negative code;
    /// [`EncodeError::FramingUnknown`] before the client's first bytes.
    pub fn encode_transport_error(&mut self, code: i32) -> Result<Vec<u8>, EncodeError> {
        if self.side != Side::Server || code >= 0 {
            return Err(EncodeError::NotAnError);
        }
        self.encode_packet(&code.to_le_bytes())
    }

    fn pending(&self) -> &[u8] {
        &self.recv[self.start..]
    }

    fn compact(&mut self) {
        if self.start == self.recv.len() {
            self.recv.clear();
            self.start = 0;
        } else if self.start > 4096 && self.start * 2 > self.recv.len() {
            self.recv.drain(..self.start);
            self.start = 0;
        }
    }

    /// Learns the framing from the client's first bytes; `Ok(false)` while too few have come.
    fn detect(&mut self) -> Result<bool, TransportError> {
        let head = self.pending();
        let framing = match head {
            [] => return Ok(false),
            [0xef, ..] => Framing::Abridged,
            [_, _, _] | [_, _] | [_] => return Ok(false),
            [0xee, 0xee, 0xee, 0xee, ..] => Framing::Intermediate,
            [0xdd, 0xdd, 0xdd, 0xdd, ..] => Framing::PaddedIntermediate,
            [_, _, _, _, 0, 0, 0, 0, ..] => Framing::Full,
            [_, _, _, _, _, _, _, _, ..] => return Err(TransportError::UnknownProtocol),
            _ => return Ok(false),
        };
        self.start += framing.tag().len();
        self.framing = Some(framing);
        Ok(true)
    }

    fn decode(&mut self) -> Result<Option<Inbound>, TransportError> {
        let framing = match self.framing {
            Some(framing) => framing,
            None => {
                if !self.detect()? {
                    return Ok(None);
                }
                self.framing.unwrap_or(Framing::Full)
            }
        };
        let from_server = self.side == Side::Client;
        let head = self.pending();
        match framing {
            Framing::Abridged => {
                let Some(&first) = head.first() else {
                    return Ok(None);
                };
                if from_server && first & 0x80 != 0 {
                    return Ok(self
                        .take(4)
                        .map(|b| Inbound::QuickAck(u32::from_be_bytes(b4(&b)))));
                }
                // From a client, the top bit asks for a quick ack: not part of the length.
                let short = first & 0x7f;
                let (header, units) = if short < 0x7f {
                    (1, u64::from(short))
                } else {
                    let Some(bytes) = head.get(1..4) else {
                        return Ok(None);
                    };
                    (
                        4,
                        u64::from(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], 0])),
                    )
                };
                self.take_payload(header, units * 4)
            }
            Framing::Intermediate | Framing::PaddedIntermediate => {
                let Some(bytes) = head.get(..4) else {
                    return Ok(None);
                };
                let raw = u32::from_le_bytes(b4(bytes));
                if from_server && raw & 0x8000_0000 != 0 {
                    return Ok(self
                        .take(4)
                        .map(|b| Inbound::QuickAck(u32::from_le_bytes(b4(&b)))));
                }
                let len = u64::from(raw & 0x7fff_ffff);
                if framing == Framing::Intermediate {
                    return self.take_payload(4, len);
                }
                let Some(padded) = self.take_frame(4, len)? else {
                    return Ok(None);
                };
                if from_server && padded.len() <= 16 && padded.starts_with(&[0xff; 4]) {
                    return match padded.get(4..8) {
                        Some(token) => Ok(Some(Inbound::QuickAck(u32::from_le_bytes(b4(token))))),
                        None => Err(TransportError::BadLength(len)),
                    };
                }
                classify(strip_padding(&padded)?.to_vec()).map(Some)
            }
            Framing::Full => {
                let Some(bytes) = head.get(..4) else {
                    return Ok(None);
                };
                let total = u64::from(u32::from_le_bytes(b4(bytes)));
                if total < 16 || total % 4 != 0 {
                    return Err(TransportError::BadLength(total));
                }
                if total - 12 > MAX_PACKET_LEN as u64 {
                    return Err(TransportError::TooLarge(total - 12));
                }
                let total = total as usize;
                let Some(frame) = head.get(..total) else {
                    return Ok(None);
                };
                let seq = u32::from_le_bytes(b4(&frame[4..8]));
                if seq != self.recv_seq {
                    return Err(TransportError::BadSeqNo {
                        expected: self.recv_seq,
                        found: seq,
                    });
                }
                let crc = u32::from_le_bytes(b4(&frame[total - 4..]));
                if crc32fast::hash(&frame[..total - 4]) != crc {
                    return Err(TransportError::BadCrc);
                }
                let payload = frame[8..total - 4].to_vec();
                self.start += total;
                self.recv_seq = self.recv_seq.wrapping_add(1);
                classify(payload).map(Some)
            }
        }
    }

    /// Takes `n` bytes if they have all arrived.
    fn take(&mut self, n: usize) -> Option<Vec<u8>> {
        let bytes = self.pending().get(..n)?.to_vec();
        self.start += n;
        Some(bytes)
    }

    /// Takes a `header`-byte length prefix and the `len` bytes after it, once all have arrived.
    fn take_frame(&mut self, header: usize, len: u64) -> Result<Option<Vec<u8>>, TransportError> {
        if len > MAX_PACKET_LEN as u64 {
            return Err(TransportError::TooLarge(len));
        }
        if len == 0 {
            return Err(TransportError::BadLength(0));
        }
        let len = len as usize;
        let Some(frame) = self.pending().get(header..header + len) else {
            return Ok(None);
        };
        let frame = frame.to_vec();
        self.start += header + len;
        Ok(Some(frame))
    }

    fn take_payload(&mut self, header: usize, len: u64) -> Result<Option<Inbound>, TransportError> {
        match self.take_frame(header, len)? {
            Some(payload) => classify(payload).map(Some),
            None => Ok(None),
        }
    }
}

fn b4(bytes: &[u8]) -> [u8; 4] {
    let mut out = [0u8; 4];
    out.copy_from_slice(&bytes[..4]);
    out
}

/// A payload is a transport error when it is exactly one 4-byte word.
fn classify(payload: Vec<u8>) -> Result<Inbound, TransportError> {
    if payload.len() == 4 {
        let code = i32::from_le_bytes(b4(&payload));
        return if code < 0 {
            Ok(Inbound::TransportError(code))
        } else {
            Err(TransportError::NotAnError(code))
        };
    }
    Ok(Inbound::Packet(payload))
}

/// The padded framing does not say where its padding starts, so the payload's own structure
/// does: an encrypted message is 24 header bytes and whole 16-byte blocks, a plain one says its
/// length at offset 16, and anything shorter than a message header is an error code.
fn strip_padding(padded: &[u8]) -> Result<&[u8], TransportError> {
    let len = padded.len() as u64;
    if padded.len() < 24 {
        return padded.get(..4).ok_or(TransportError::BadLength(len));
    }
    let auth_key_id = u64::from_le_bytes(padded[..8].try_into().unwrap_or_default());
    let end = if auth_key_id == 0 {
        let data_len = u32::from_le_bytes(b4(&padded[16..20])) as usize;
        20usize.saturating_add(data_len)
    } else {
        24 + (padded.len() - 24) / 16 * 16
    };
    padded.get(..end).ok_or(TransportError::BadLength(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(framing: Framing) -> (Transport, Transport) {
        (
            Transport::client(framing, Entropy::deterministic([1; 32])),
            Transport::server(Entropy::deterministic([2; 32])),
        )
    }

    /// An encrypted-looking payload (non-zero key id, 24 + 16k bytes).
    fn payload(len: usize) -> Vec<u8> {
        let mut p: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
        p[0] = 1;
        p
    }

    #[test]
    fn every_framing_round_trips_both_ways_byte_by_byte() {
        for framing in Framing::ALL {
            let (mut client, mut server) = pair(framing);
            for len in [24 + 16, 24 + 16 * 40, 24 + 16 * 600] {
                let p = payload(len);
                for byte in client.encode_packet(&p).unwrap() {
                    assert_eq!(server.poll_inbound(), Ok(None));
                    server.handle_bytes(&[byte]);
                }
                assert_eq!(
                    server.poll_inbound(),
                    Ok(Some(Inbound::Packet(p.clone()))),
                    "{framing:?}"
                );
                assert_eq!(server.framing(), Some(framing));
                let back = server.encode_packet(&p).unwrap();
                client.handle_bytes(&back);
                assert_eq!(
                    client.poll_inbound(),
                    Ok(Some(Inbound::Packet(p))),
                    "{framing:?}"
                );
                assert_eq!(client.buffered(), 0);
            }
        }
    }

    #[test]
    fn plain_messages_survive_the_padded_framing() {
        let (mut client, mut server) = pair(Framing::PaddedIntermediate);
        let mut plain = vec![0u8; 20];
        plain[16] = 20;
        plain.extend_from_slice(&[9; 20]);
        for _ in 0..20 {
            server.handle_bytes(&client.encode_packet(&plain).unwrap());
            assert_eq!(
                server.poll_inbound(),
                Ok(Some(Inbound::Packet(plain.clone())))
            );
        }
    }

    #[test]
    fn transport_errors_and_quick_acks_are_events() {
        for framing in Framing::ALL {
            let (mut client, mut server) = pair(framing);
            server.handle_bytes(&client.encode_packet(&payload(40)).unwrap());
            server.poll_inbound().unwrap();
            client.handle_bytes(&server.encode_transport_error(-404).unwrap());
            assert_eq!(
                client.poll_inbound(),
                Ok(Some(Inbound::TransportError(-404))),
                "{framing:?}"
            );
            assert_eq!(
                client.encode_transport_error(-404),
                Err(EncodeError::NotAnError)
            );
            assert_eq!(
                server.encode_transport_error(404),
                Err(EncodeError::NotAnError)
            );
        }
        let (mut client, _) = pair(Framing::Intermediate);
        client.handle_bytes(&0x8000_1234u32.to_le_bytes());
        assert_eq!(
            client.poll_inbound(),
            Ok(Some(Inbound::QuickAck(0x8000_1234)))
        );
        let (mut client, _) = pair(Framing::Abridged);
        client.handle_bytes(&0x8000_1234u32.to_be_bytes());
        assert_eq!(
            client.poll_inbound(),
            Ok(Some(Inbound::QuickAck(0x8000_1234)))
        );
    }

    #[test]
    fn broken_streams_are_sticky_errors() {
        let mut server = Transport::server(Entropy::deterministic([0; 32]));
        server.handle_bytes(b"POST / HTTP/1.1\r\n");
        assert_eq!(server.poll_inbound(), Err(TransportError::UnknownProtocol));
        assert_eq!(server.poll_inbound(), Err(TransportError::UnknownProtocol));

        let (mut client, mut server) = pair(Framing::Full);
        let mut wire = client.encode_packet(&payload(40)).unwrap();
        let last = wire.len() - 1;
        wire[last] ^= 1;
        server.handle_bytes(&wire);
        assert_eq!(server.poll_inbound(), Err(TransportError::BadCrc));

        let (mut client, mut server) = pair(Framing::Full);
        server.handle_bytes(&client.encode_packet(&payload(40)).unwrap());
        assert!(matches!(
            server.poll_inbound(),
            Ok(Some(Inbound::Packet(_)))
        ));
        client.encode_packet(&payload(40)).unwrap();
        server.handle_bytes(&client.encode_packet(&payload(40)).unwrap());
        assert_eq!(
            server.poll_inbound(),
            Err(TransportError::BadSeqNo {
                expected: 1,
                found: 2
            })
        );
        // A full-framing stream must start at sequence number 0.
        let mut late = Transport::server(Entropy::deterministic([0; 32]));
        late.handle_bytes(&client.encode_packet(&payload(40)).unwrap());
        assert_eq!(late.poll_inbound(), Err(TransportError::UnknownProtocol));

        let mut server = Transport::server(Entropy::deterministic([0; 32]));
        server.handle_bytes(&[0xee; 4]);
        server.handle_bytes(&0x7fff_fff0u32.to_le_bytes());
        assert_eq!(
            server.poll_inbound(),
            Err(TransportError::TooLarge(0x7fff_fff0))
        );

        let (mut client, mut server) = pair(Framing::Intermediate);
        server.handle_bytes(&client.encode_packet(&[1, 0, 0, 0]).unwrap());
        assert_eq!(server.poll_inbound(), Err(TransportError::NotAnError(1)));
    }

    #[test]
    fn misuse_is_refused() {
        let (mut client, mut server) = pair(Framing::Abridged);
        assert_eq!(
            client.encode_packet(&[1, 2, 3]),
            Err(EncodeError::NotAligned(3))
        );
        assert_eq!(client.encode_packet(&[]), Err(EncodeError::BadLength(0)));
        assert_eq!(
            server.encode_packet(&[0; 4]),
            Err(EncodeError::FramingUnknown)
        );
        // The tag goes out once, with the first packet only.
        let first = client.encode_packet(&[0; 8]).unwrap();
        let second = client.encode_packet(&[0; 8]).unwrap();
        assert_eq!(first, [&[0xef, 2][..], &[0; 8]].concat());
        assert_eq!(second, [&[2][..], &[0; 8]].concat());
    }
}
