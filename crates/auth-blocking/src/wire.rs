//! The simulator's wire protocol, sans-IO: MTProto *intermediate* framing around a *plaintext*
//! message envelope. Pure functions and small state machines; no sockets, no clock.
//!
//! Both adapters (this crate's [`TcpTransport`](crate::TcpTransport) and
//! [`SimServer`](crate::SimServer), and `auth-tokio`) use this module, and anyone can write a
//! client for the simulator server from this description alone.
//!
//! # Byte stream
//!
//! One TCP connection carries the calls of one client to one data center (DC *n* listens on
//! `base_port + n − 1`).
//!
//! 1. The client sends the 4 bytes [`INTERMEDIATE_TAG`] (`ee ee ee ee`) once, first.
//! 2. Then, in both directions, each **packet** is framed as a 4-byte little-endian length
//!    followed by that many payload bytes. A length above [`MAX_FRAME_LEN`] (1 MiB) is refused
//!    as soon as the 4 length bytes have arrived, before any payload is read.
//!
//! ```text
//! client → server:  ee ee ee ee | len (u32 LE) | payload | len | payload | ...
//! server → client:                len (u32 LE) | payload | len | payload | ...
//! ```
//!
//! # Packet payload: the plaintext envelope
//!
//! Every payload is an MTProto *unencrypted message*:
//!
//! | field                 | size | meaning                                                  |
//! |-----------------------|------|----------------------------------------------------------|
//! | `auth_key_id`         | 8 LE | non-zero; stands for the client's auth key on this DC    |
//! | `message_id`          | 8 LE | strictly increasing per connection                       |
//! | `message_data_length` | 4 LE | the number of body bytes that follow, exactly            |
//! | `message_data`        | n    | the TL body of **one** API call (request) or its result  |
//!
//! Unlike real unencrypted MTProto messages, `auth_key_id` is **not zero**: with no encryption
//! there is no key, so the client picks a non-zero 64-bit id once per DC and keeps it across
//! reconnects. It stands for the auth key: the simulator binds `phone_code_hash` and the
//! "authorized" state to it, so a reconnect with the same id continues the same login.
//!
//! A request's body is a TL-serialized function call (optionally wrapped in
//! `invokeWithLayer`/`initConnection`). The reply echoes the request's `auth_key_id`, has
//! `message_id` = the request's `message_id + 1` (odd for client ids divisible by 4, as in
//! MTProto), and its body is the **bare** result object or an `rpc_error` — there is no
//! `rpc_result` wrapper, no acks, no containers. Each request gets exactly one reply, in order.
//!
//! # Transport errors
//!
//! When the server cannot make sense of what it received (a wrong tag, an oversized frame, a
//! malformed envelope, a zero `auth_key_id`, a non-increasing `message_id`), it sends one
//! packet whose 4-byte payload is a negative little-endian `i32` — always
//! [`TRANSPORT_ERROR_NOT_FOUND`] (−404) here — and closes the connection. A client recognises
//! any 4-byte packet holding a negative value as a transport error ([`transport_error`]); no
//! valid envelope is 4 bytes long.
//!
//! # Pieces
//!
//! * framing: [`encode_frame`], [`FrameDecoder`] (streaming; push bytes, pop frames);
//! * envelope: [`encode_message`], [`decode_message`], [`PlainMessage`], [`MessageIds`];
//! * transport errors: [`transport_error_frame`], [`transport_error`];
//! * whole connections: [`ClientConnection`] and [`ServerConnection`] combine the above.
//!
//! ```
//! use auth_blocking::wire::{ClientConnection, MessageIds, Reply, ServerConnection};
//!
//! let mut ids = MessageIds::new(1 << 32);
//! let mut client = ClientConnection::new(7).unwrap();
//! let mut server = ServerConnection::new();
//!
//! let sent = client.encode_request(ids.next_id(), b"call").unwrap(); // tag + frame
//! server.push(&sent);
//! let request = server.poll_request().unwrap().expect("a whole request arrived");
//! assert_eq!((request.auth_key_id, request.body.as_slice()), (7, &b"call"[..]));
//!
//! let reply = server.encode_reply(&request, b"result").unwrap();
//! client.push(&reply);
//! assert_eq!(client.poll_reply().unwrap(), Some(Reply::Body(b"result".to_vec())));
//! ```

/// The first four bytes a client sends: MTProto's intermediate-transport tag.
pub const INTERMEDIATE_TAG: [u8; 4] = [0xee; 4];

/// The largest frame payload accepted or produced: 1 MiB.
pub const MAX_FRAME_LEN: usize = 1 << 20;

/// Bytes of the plaintext envelope before the body.
pub const ENVELOPE_HEADER_LEN: usize = 20;

/// The largest API-call body that fits one frame.
pub const MAX_BODY_LEN: usize = MAX_FRAME_LEN - ENVELOPE_HEADER_LEN;

/// The transport error the simulator server sends before closing a connection it cannot
/// make sense of ("auth key not found" in MTProto).
pub const TRANSPORT_ERROR_NOT_FOUND: i32 = -404;

/// Why bytes on the wire could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The connection did not start with [`INTERMEDIATE_TAG`].
    #[error("not the intermediate transport (first bytes {0:02x?})")]
    BadTag([u8; 4]),
    /// A frame longer than [`MAX_FRAME_LEN`] was announced or asked for.
    #[error("frame of {len} bytes is over the 1 MiB limit")]
    FrameTooLarge {
        /// The length announced or asked for.
        len: u64,
    },
    /// The frame's payload is not a valid plaintext envelope.
    #[error("bad envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    /// A message id not greater than the previous one on this connection.
    #[error("message id {got:#x} is not greater than the previous {previous:#x}")]
    MessageIdNotIncreasing {
        /// The previous id.
        previous: u64,
        /// The id received.
        got: u64,
    },
    /// A reply for another key or request than the one waiting.
    #[error(
        "reply does not match the request (auth_key_id {auth_key_id:#x}, message_id {message_id:#x})"
    )]
    UnexpectedReply {
        /// The reply's `auth_key_id`.
        auth_key_id: u64,
        /// The reply's `message_id`.
        message_id: u64,
    },
    /// A reply arrived while no request was waiting for one.
    #[error("a reply arrived with no request outstanding")]
    UnsolicitedReply,
    /// A zero `auth_key_id` was given to encode.
    #[error("auth_key_id must not be zero")]
    ZeroAuthKeyId,
}

/// Why a frame's payload is not a plaintext envelope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// Fewer than [`ENVELOPE_HEADER_LEN`] bytes.
    #[error("{len} bytes is shorter than the 20-byte header")]
    TooShort {
        /// The payload's length.
        len: usize,
    },
    /// `auth_key_id` is zero: this protocol needs the id standing for the auth key.
    #[error("auth_key_id is zero")]
    ZeroAuthKeyId,
    /// `message_data_length` does not match the bytes that follow the header.
    #[error("message_data_length says {declared} bytes but {actual} follow")]
    LengthMismatch {
        /// What `message_data_length` says.
        declared: u32,
        /// Bytes actually after the header.
        actual: usize,
    },
}

/// Frames `payload`: its length as 4 little-endian bytes, then the payload.
///
/// # Errors
///
/// [`WireError::FrameTooLarge`] above [`MAX_FRAME_LEN`].
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(4 + payload.len());
    encode_frame_into(payload, &mut out)?;
    Ok(out)
}

/// [`encode_frame`], appending to `out` (unchanged on error).
///
/// # Errors
///
/// [`WireError::FrameTooLarge`] above [`MAX_FRAME_LEN`].
pub fn encode_frame_into(payload: &[u8], out: &mut Vec<u8>) -> Result<(), WireError> {
    if payload.len() > MAX_FRAME_LEN {
        return Err(WireError::FrameTooLarge {
            len: payload.len() as u64,
        });
    }
    // At most 1 MiB: fits a u32.
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// A streaming decoder of intermediate frames: [`push`](Self::push) bytes as they arrive,
/// [`pop`](Self::pop) whole frames.
///
/// It never panics and never reserves memory from an announced length: it holds only the
/// bytes pushed and not yet popped, and refuses a frame announced above [`MAX_FRAME_LEN`] as
/// soon as its 4 length bytes are in. A reader that pops every frame after each push and reads
/// at most [`wanted`](Self::wanted) bytes at a time therefore holds at most one frame
/// (≤ 1 MiB + 4 bytes). After an error the decoder stays failed (the stream cannot be
/// resynchronised).
#[derive(Debug, Clone, Default)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed (compacted lazily).
    start: usize,
    expect_tag: bool,
    failed: Option<WireError>,
}

impl FrameDecoder {
    /// A decoder for frames only (the client side: the server sends no tag).
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder that first expects [`INTERMEDIATE_TAG`] (the server side).
    pub fn expecting_tag() -> Self {
        FrameDecoder {
            expect_tag: true,
            ..Self::default()
        }
    }

    /// Adds received bytes. Once the decoder failed, bytes are dropped.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start >= 4096 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole frame's payload, `Ok(None)` if more bytes are needed.
    ///
    /// # Errors
    ///
    /// [`WireError::BadTag`] or [`WireError::FrameTooLarge`]; every later call returns the
    /// same error.
    pub fn pop(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let pending = &self.buf[self.start..];
        if self.expect_tag {
            let Some(tag) = pending.first_chunk::<4>() else {
                return Ok(None);
            };
            if *tag != INTERMEDIATE_TAG {
                return Err(self.fail(WireError::BadTag(*tag)));
            }
            self.expect_tag = false;
            self.start += 4;
            return self.pop();
        }
        let Some(header) = pending.first_chunk::<4>() else {
            return Ok(None);
        };
        let len = u32::from_le_bytes(*header) as usize;
        if len > MAX_FRAME_LEN {
            return Err(self.fail(WireError::FrameTooLarge { len: len as u64 }));
        }
        let Some(payload) = pending.get(4..4 + len) else {
            return Ok(None);
        };
        let frame = payload.to_vec();
        self.start += 4 + len;
        Ok(Some(frame))
    }

    /// How many more bytes complete the tag, length or frame being read (at least 1): read
    /// at most this many to keep the buffer at one frame.
    pub fn wanted(&self) -> usize {
        let have = self.buf.len() - self.start;
        if self.expect_tag {
            return 4usize.saturating_sub(have).max(1);
        }
        match self.buf[self.start..].first_chunk::<4>() {
            None => 4 - have,
            Some(h) => {
                let len = (u32::from_le_bytes(*h) as usize).min(MAX_FRAME_LEN);
                (4 + len).saturating_sub(have).max(1)
            }
        }
    }

    /// Bytes pushed and not yet returned in a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The error the decoder failed with, if it did.
    pub fn error(&self) -> Option<&WireError> {
        self.failed.as_ref()
    }

    fn fail(&mut self, e: WireError) -> WireError {
        self.buf = Vec::new();
        self.start = 0;
        self.failed = Some(e.clone());
        e
    }
}

/// One decoded plaintext envelope.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainMessage {
    /// The id standing for the client's auth key on this DC (never zero).
    pub auth_key_id: u64,
    /// The message id.
    pub message_id: u64,
    /// The TL body: an API call, its result, or an `rpc_error`.
    pub body: Vec<u8>,
}

impl std::fmt::Debug for PlainMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Bodies can hold codes and password proofs: show only their size.
        f.debug_struct("PlainMessage")
            .field("auth_key_id", &format_args!("{:#x}", self.auth_key_id))
            .field("message_id", &format_args!("{:#x}", self.message_id))
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Builds an envelope (a frame's payload, not yet framed).
///
/// # Errors
///
/// [`WireError::ZeroAuthKeyId`], or [`WireError::FrameTooLarge`] for a body over
/// [`MAX_BODY_LEN`].
pub fn encode_message(
    auth_key_id: u64,
    message_id: u64,
    body: &[u8],
) -> Result<Vec<u8>, WireError> {
    if auth_key_id == 0 {
        return Err(WireError::ZeroAuthKeyId);
    }
    if body.len() > MAX_BODY_LEN {
        return Err(WireError::FrameTooLarge {
            len: (body.len() + ENVELOPE_HEADER_LEN) as u64,
        });
    }
    let mut out = Vec::with_capacity(ENVELOPE_HEADER_LEN + body.len());
    out.extend_from_slice(&auth_key_id.to_le_bytes());
    out.extend_from_slice(&message_id.to_le_bytes());
    // At most MAX_BODY_LEN: fits a u32.
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    Ok(out)
}

/// Reads an envelope from a frame's payload; the body must fill the rest exactly.
///
/// # Errors
///
/// [`EnvelopeError`] for a short payload, a zero `auth_key_id` or a length mismatch.
pub fn decode_message(payload: &[u8]) -> Result<PlainMessage, EnvelopeError> {
    let (Some(key), Some(id), Some(len)) = (
        payload.first_chunk::<8>(),
        payload.get(8..).and_then(<[u8]>::first_chunk::<8>),
        payload.get(16..).and_then(<[u8]>::first_chunk::<4>),
    ) else {
        return Err(EnvelopeError::TooShort { len: payload.len() });
    };
    let auth_key_id = u64::from_le_bytes(*key);
    if auth_key_id == 0 {
        return Err(EnvelopeError::ZeroAuthKeyId);
    }
    let declared = u32::from_le_bytes(*len);
    let body = &payload[ENVELOPE_HEADER_LEN..];
    if declared as usize != body.len() {
        return Err(EnvelopeError::LengthMismatch {
            declared,
            actual: body.len(),
        });
    }
    Ok(PlainMessage {
        auth_key_id,
        message_id: u64::from_le_bytes(*id),
        body: body.to_vec(),
    })
}

/// A framed transport-error packet: `04 00 00 00` then `code` as a little-endian `i32`.
pub fn transport_error_frame(code: i32) -> [u8; 8] {
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&4u32.to_le_bytes());
    out[4..].copy_from_slice(&code.to_le_bytes());
    out
}

/// The transport error a frame's payload holds, if it is one (4 bytes, negative `i32`).
pub fn transport_error(payload: &[u8]) -> Option<i32> {
    let code = i32::from_le_bytes(*<&[u8; 4]>::try_from(payload).ok()?);
    (code < 0).then_some(code)
}

/// Client message ids: strictly increasing, divisible by 4 (as MTProto's client ids are).
///
/// Keep one per DC across reconnects. Start from something like `unix_time << 32` (a caller
/// with a clock) or any number (tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageIds {
    next: u64,
}

impl MessageIds {
    /// Ids starting at `start` rounded up to a multiple of 4.
    pub fn new(start: u64) -> Self {
        MessageIds {
            next: start.saturating_add(3) & !3,
        }
    }

    /// The next id (saturates at the largest multiple of 4 instead of wrapping; no client
    /// gets anywhere near it).
    pub fn next_id(&mut self) -> u64 {
        let id = self.next;
        self.next = self.next.checked_add(4).unwrap_or(self.next);
        id
    }
}

/// What a client reads from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The reply's body: a bare result object or an `rpc_error`.
    Body(Vec<u8>),
    /// A transport error (negative; −404 from the simulator); the server closes the
    /// connection after it.
    TransportError(i32),
}

/// The client side of one connection, sans-IO: encodes requests (with the tag before the
/// first) and decodes replies, checking each answers the request waiting.
///
/// One request at a time: send a request, read its reply, then send the next. Open a new
/// `ClientConnection` (same `auth_key_id`, same [`MessageIds`]) after a reconnect.
#[derive(Debug, Clone)]
pub struct ClientConnection {
    auth_key_id: u64,
    tag_sent: bool,
    decoder: FrameDecoder,
    waiting: Option<u64>,
}

impl ClientConnection {
    /// A connection for the key `auth_key_id`.
    ///
    /// # Errors
    ///
    /// [`WireError::ZeroAuthKeyId`].
    pub fn new(auth_key_id: u64) -> Result<Self, WireError> {
        if auth_key_id == 0 {
            return Err(WireError::ZeroAuthKeyId);
        }
        Ok(ClientConnection {
            auth_key_id,
            tag_sent: false,
            decoder: FrameDecoder::new(),
            waiting: None,
        })
    }

    /// The key id this connection speaks for.
    pub fn auth_key_id(&self) -> u64 {
        self.auth_key_id
    }

    /// The bytes to write for one call: the tag if this is the first, then the framed
    /// envelope. The reply expected is the one to this `message_id`.
    ///
    /// # Errors
    ///
    /// [`WireError::FrameTooLarge`] for a body over [`MAX_BODY_LEN`].
    pub fn encode_request(&mut self, message_id: u64, body: &[u8]) -> Result<Vec<u8>, WireError> {
        let message = encode_message(self.auth_key_id, message_id, body)?;
        let mut out = Vec::with_capacity(8 + message.len());
        if !self.tag_sent {
            out.extend_from_slice(&INTERMEDIATE_TAG);
        }
        encode_frame_into(&message, &mut out)?;
        self.tag_sent = true;
        self.waiting = Some(message_id);
        Ok(out)
    }

    /// Adds bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        self.decoder.push(bytes);
    }

    /// How many more bytes the frame being read needs (see [`FrameDecoder::wanted`]).
    pub fn wanted(&self) -> usize {
        self.decoder.wanted()
    }

    /// The reply, once it has arrived whole.
    ///
    /// # Errors
    ///
    /// A framing or envelope error, a reply to another key or message, or one with no
    /// request waiting. The connection is unusable afterwards.
    pub fn poll_reply(&mut self) -> Result<Option<Reply>, WireError> {
        let Some(frame) = self.decoder.pop()? else {
            return Ok(None);
        };
        if let Some(code) = transport_error(&frame) {
            self.waiting = None;
            return Ok(Some(Reply::TransportError(code)));
        }
        let message = decode_message(&frame)?;
        let Some(request_id) = self.waiting.take() else {
            return Err(WireError::UnsolicitedReply);
        };
        if message.auth_key_id != self.auth_key_id
            || Some(message.message_id) != request_id.checked_add(1)
        {
            return Err(WireError::UnexpectedReply {
                auth_key_id: message.auth_key_id,
                message_id: message.message_id,
            });
        }
        Ok(Some(Reply::Body(message.body)))
    }
}

/// The server side of one connection, sans-IO: checks the tag, decodes requests (rejecting
/// non-increasing message ids) and encodes replies. On any error, write
/// [`transport_error_frame`]`(`[`TRANSPORT_ERROR_NOT_FOUND`]`)` and close.
#[derive(Debug, Clone)]
pub struct ServerConnection {
    decoder: FrameDecoder,
    last_message_id: Option<u64>,
}

impl Default for ServerConnection {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerConnection {
    /// A fresh connection: the tag comes first.
    pub fn new() -> Self {
        ServerConnection {
            decoder: FrameDecoder::expecting_tag(),
            last_message_id: None,
        }
    }

    /// Adds bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        self.decoder.push(bytes);
    }

    /// How many more bytes the tag or frame being read needs (see [`FrameDecoder::wanted`]).
    pub fn wanted(&self) -> usize {
        self.decoder.wanted()
    }

    /// The next whole request.
    ///
    /// # Errors
    ///
    /// A bad tag, an oversized frame, a malformed envelope or a non-increasing message id.
    pub fn poll_request(&mut self) -> Result<Option<PlainMessage>, WireError> {
        let Some(frame) = self.decoder.pop()? else {
            return Ok(None);
        };
        let message = decode_message(&frame)?;
        if let Some(previous) = self.last_message_id
            && message.message_id <= previous
        {
            return Err(WireError::MessageIdNotIncreasing {
                previous,
                got: message.message_id,
            });
        }
        self.last_message_id = Some(message.message_id);
        Ok(Some(message))
    }

    /// The framed reply to `request` carrying `body`.
    ///
    /// # Errors
    ///
    /// [`WireError::FrameTooLarge`] for a body over [`MAX_BODY_LEN`].
    pub fn encode_reply(&self, request: &PlainMessage, body: &[u8]) -> Result<Vec<u8>, WireError> {
        let message = encode_message(
            request.auth_key_id,
            request.message_id.wrapping_add(1),
            body,
        )?;
        encode_frame(&message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_anywhere_decode_the_same() {
        let mut bytes = Vec::new();
        for p in [&b""[..], b"a", &[7u8; 300]] {
            encode_frame_into(p, &mut bytes).unwrap();
        }
        for split in 0..bytes.len() {
            let mut d = FrameDecoder::new();
            d.push(&bytes[..split]);
            let mut frames = Vec::new();
            while let Some(f) = d.pop().unwrap() {
                frames.push(f);
            }
            d.push(&bytes[split..]);
            while let Some(f) = d.pop().unwrap() {
                frames.push(f);
            }
            assert_eq!(frames, vec![vec![], b"a".to_vec(), vec![7u8; 300]]);
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn oversized_frame_refused_from_its_header() {
        let mut d = FrameDecoder::new();
        d.push(&((MAX_FRAME_LEN as u32) + 1).to_le_bytes());
        let e = WireError::FrameTooLarge {
            len: MAX_FRAME_LEN as u64 + 1,
        };
        assert_eq!(d.pop(), Err(e.clone()));
        d.push(b"more");
        assert_eq!(d.pop(), Err(e));
        assert_eq!(
            encode_frame(&vec![0; MAX_FRAME_LEN + 1]).unwrap_err(),
            WireError::FrameTooLarge {
                len: MAX_FRAME_LEN as u64 + 1
            }
        );
        assert!(encode_frame(&vec![0; MAX_FRAME_LEN]).is_ok());
    }

    #[test]
    fn tag_is_checked() {
        let mut d = FrameDecoder::expecting_tag();
        d.push(&[0xee, 0xee]);
        assert_eq!(d.pop(), Ok(None));
        assert_eq!(d.wanted(), 2);
        d.push(&[0xee, 0xef]);
        assert_eq!(d.pop(), Err(WireError::BadTag([0xee, 0xee, 0xee, 0xef])));
    }

    #[test]
    fn envelope_errors_are_typed() {
        assert_eq!(
            decode_message(&[1; 19]),
            Err(EnvelopeError::TooShort { len: 19 })
        );
        let mut m = encode_message(5, 8, b"body").unwrap();
        assert_eq!(decode_message(&m).unwrap().body, b"body");
        m.push(0);
        assert_eq!(
            decode_message(&m),
            Err(EnvelopeError::LengthMismatch {
                declared: 4,
                actual: 5
            })
        );
        m[..8].copy_from_slice(&[0; 8]);
        assert_eq!(decode_message(&m), Err(EnvelopeError::ZeroAuthKeyId));
        assert_eq!(encode_message(0, 8, b""), Err(WireError::ZeroAuthKeyId));
    }

    #[test]
    fn transport_errors_are_four_negative_bytes() {
        let frame = transport_error_frame(TRANSPORT_ERROR_NOT_FOUND);
        let mut d = FrameDecoder::new();
        d.push(&frame);
        assert_eq!(transport_error(&d.pop().unwrap().unwrap()), Some(-404));
        assert_eq!(transport_error(&404i32.to_le_bytes()), None);
        assert_eq!(transport_error(&[0xff; 5]), None);
    }

    #[test]
    fn server_refuses_repeated_message_ids_and_client_checks_replies() {
        let mut ids = MessageIds::new(1);
        let (a, b) = (ids.next_id(), ids.next_id());
        assert_eq!((a, b), (4, 8));
        let mut client = ClientConnection::new(9).unwrap();
        let mut server = ServerConnection::new();
        server.push(&client.encode_request(b, b"x").unwrap());
        let request = server.poll_request().unwrap().unwrap();
        server.push(&client.encode_request(a, b"y").unwrap());
        assert_eq!(
            server.poll_request(),
            Err(WireError::MessageIdNotIncreasing {
                previous: 8,
                got: 4
            })
        );

        // The reply to `b` while `a` is waiting does not match.
        client.push(&server.encode_reply(&request, b"r").unwrap());
        assert_eq!(
            client.poll_reply(),
            Err(WireError::UnexpectedReply {
                auth_key_id: 9,
                message_id: 9
            })
        );
        assert_eq!(
            ClientConnection::new(0).unwrap_err(),
            WireError::ZeroAuthKeyId
        );
    }

    #[test]
    fn message_ids_saturate() {
        let mut ids = MessageIds::new(u64::MAX - 2);
        let first = ids.next_id();
        assert_eq!(first % 4, 0);
        assert_eq!(ids.next_id(), first);
    }
}
