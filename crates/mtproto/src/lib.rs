//! MTProto 2.0 as a sans-IO library: the auth-key handshake and the encrypted session, both the
//! client's and the server's half, and the TCP framings.
//!
//! Nothing here opens a socket, reads a clock or the OS's randomness: the caller passes `now`
//! (an `Instant`, plus the wall-clock time once, when a state machine starts) and an
//! [`Entropy`](tg_crypto::entropy::Entropy); bytes go in through `handle_*` and come out of
//! `poll_*`. The adapters of tgauth drive it over TCP; its simulator uses the server half.
//!
//! * [`transport`]: the abridged, intermediate, padded intermediate and full framings as
//!   byte-stream codecs; a server recognises the client's framing; transport errors (`-404`…)
//!   are events.
//! * [`handshake`]: creating an authorization key ([`handshake::ClientHandshake`],
//!   [`handshake::ServerHandshake`]), permanent or temporary.
//! * [`session`]: the encrypted session ([`session::ClientSession`],
//!   [`session::ServerSession`]): message ids, acks, containers, resends, salts, clock offset,
//!   `rpc_result`/`gzip_packed`, and `invokeWithLayer(initConnection(…))` around a session's
//!   first calls.
//! * [`pool`]: a client's connections to the data centers ([`pool::Pool`]): per DC one
//!   connection and one session, the handshake when there is no key, reconnects, `-404`, and
//!   what to persist — everything an adapter needs but the sockets.
//! * [`keys`]: RSA keys (Telegram's built in, PKCS#1 PEM read and written, a test-only server
//!   key); [`crypto`]: MTProto 2.0's message keys and AES-256-IGE.
//!
//! Each state machine's methods sort into getters, `handle_*` (input), commands and `poll_*`
//! (output). A peer's mistakes are typed errors ([`handshake::HandshakeError`],
//! [`session::PacketError`], [`transport::TransportError`]) that change nothing; the caller's
//! are [`UsageError`]s. Secrets (the key, nonces, DH exponents, temporary AES keys) are wiped on
//! drop and never printed. `tracing` spans and events cover each handshake and request (DC,
//! message ids, timings) but never bodies, keys or nonces.
//!
//! A key made by a client and a server, and one call over the session that follows:
//!
//! ```
//! use std::time::{Instant, SystemTime};
//!
//! use mtproto::handshake::{ClientHandshake, HandshakeConfig, ServerHandshake, ServerHandshakeConfig};
//! use mtproto::keys::RsaPrivateKey;
//! use mtproto::session::{
//!     ClientInfo, ClientSession, Event, ServerEvent, ServerSession, ServerSessionConfig,
//!     SessionConfig,
//! };
//! use tg_crypto::entropy::Entropy;
//!
//! let (now, wall) = (Instant::now(), SystemTime::now());
//! // A server with the repository's test key, and a client that knows its public half.
//! let server_config = ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key());
//! let client_config = HandshakeConfig::with_keys(2, server_config.public_keys());
//! let mut client = ClientHandshake::new(client_config, now, wall, Entropy::deterministic([1; 32]))?;
//! let mut server = ServerHandshake::new(server_config, now, wall, Entropy::deterministic([2; 32]))?;
//! while !client.is_finished() {
//!     // Over TCP, each packet would be framed by a `transport::Transport`.
//!     let query = client.poll_transmit(now).expect("a query");
//!     server.handle_packet(now, &query)?;
//!     let answer = server.poll_transmit().expect("an answer");
//!     client.handle_packet(now, &answer)?;
//! }
//! let client_key = client.poll_outcome().expect("the new key");
//! let server_key = server.poll_outcome().expect("the same key");
//! assert_eq!(client_key.auth_key, server_key.auth_key);
//!
//! let info = ClientInfo {
//!     api_id: 1,
//!     device_model: "doc".into(),
//!     system_version: "test".into(),
//!     app_version: "1.0".into(),
//!     system_lang_code: "en".into(),
//!     lang_pack: String::new(),
//!     lang_code: "en".into(),
//! };
//! let mut session = ClientSession::new(
//!     SessionConfig::new(228, info),
//!     client_key.into(),
//!     now,
//!     wall,
//!     Entropy::deterministic([3; 32]),
//! );
//! let mut server = ServerSession::new(
//!     ServerSessionConfig::default(),
//!     server_key.auth_key,
//!     server_key.salt,
//!     now,
//!     wall,
//!     Entropy::deterministic([4; 32]),
//! );
//! let help_get_config = 0xc4f9_186bu32.to_le_bytes().to_vec();
//! let id = session.send(now, help_get_config.clone())?;
//! server.handle_packet(now, &session.poll_transmit(now).expect("the call"))?;
//! let request = loop {
//!     match server.poll_event().expect("the call arrives") {
//!         ServerEvent::Request(request) => break request,
//!         ServerEvent::NewSession { .. } => {}
//!     }
//! };
//! // The server sees the bare call, and the layer and client info it came with.
//! assert_eq!((request.body.as_slice(), request.layer), (&help_get_config[..], Some(228)));
//! let bool_true = 0x9972_75b5u32.to_le_bytes();
//! server.respond(request.id, &bool_true)?;
//! session.handle_packet(now, &server.poll_transmit(now).expect("the answer").packet)?;
//! let events: Vec<Event> = std::iter::from_fn(|| session.poll_event()).collect();
//! assert!(events.contains(&Event::Response { id, body: bool_true.to_vec() }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth_key;
mod clock;
pub mod crypto;
mod error;
pub mod handshake;
pub mod keys;
pub mod pool;
mod random;
pub mod session;
mod tl;
pub mod transport;

pub use auth_key::{AuthKey, peek_auth_key_id};
pub use error::UsageError;
