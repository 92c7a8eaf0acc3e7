//! The encrypted session (mtproto/description, service_messages): the client's
//! [`ClientSession`] and the server's [`ServerSession`].
//!
//! A session turns API calls into encrypted packets and packets back into answers. It owns
//! message ids and sequence numbers, acknowledgements, containers, resending, salts and the
//! clock offset; what is inside the calls (TL of the API) is its owner's business.

mod client;
mod envelope;
mod received;
mod server;

use std::time::Duration;

use tl_codec::DecodeError;

use crate::auth_key::AuthKey;
use crate::crypto::CryptoError;
use crate::handshake::NewAuthKey;
pub use crate::tl::gzip::{GzipError, MAX_UNPACKED_LEN};

pub use client::ClientSession;
pub use server::{
    IncomingRequest, ServerEvent, ServerRequestId, ServerSession, ServerSessionConfig,
    ServerTransmit,
};

/// The largest body [`ClientSession::send`] and the server's answers accept.
pub const MAX_BODY_LEN: usize = 1 << 20;

/// What a client says about itself in `initConnection` (and what a server learns from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The application's `api_id`.
    pub api_id: i32,
    /// Device model, e.g. `"PC"`.
    pub device_model: String,
    /// Operating system and version.
    pub system_version: String,
    /// Application version.
    pub app_version: String,
    /// The system's language code, e.g. `"en"`.
    pub system_lang_code: String,
    /// The language pack (`""` for none).
    pub lang_pack: String,
    /// The user's language code, e.g. `"en"`.
    pub lang_code: String,
}

impl ClientInfo {
    /// What an app with `api_id` says unless told otherwise: device `"tgauth"`, the operating
    /// system it was built for, this crate's version, English.
    #[must_use]
    pub fn new(api_id: i32) -> Self {
        ClientInfo {
            api_id,
            device_model: "tgauth".into(),
            system_version: std::env::consts::OS.into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            system_lang_code: "en".into(),
            lang_pack: String::new(),
            lang_code: "en".into(),
        }
    }
}

/// How a client session behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The API layer of the calls; the first call of the session is wrapped in
    /// `invokeWithLayer(layer, initConnection(…))`.
    pub layer: i32,
    /// What `initConnection` says.
    pub client_info: ClientInfo,
    /// A request neither answered nor acknowledged after this long is sent again.
    pub resend_after: Duration,
    /// Acknowledgements wait at most this long for a message to ride along with.
    pub ack_delay: Duration,
    /// A request is sent at most this many times (resends after timeouts, a wrong salt or clock,
    /// included) before it fails with [`RequestError::TooManyAttempts`].
    pub max_transmissions: u32,
}

impl SessionConfig {
    /// A configuration with Telegram's usual timings: resend after 10 s, acks within 1 s, at
    /// most 8 transmissions of one request.
    #[must_use]
    pub fn new(layer: i32, client_info: ClientInfo) -> Self {
        SessionConfig {
            layer,
            client_info,
            resend_after: Duration::from_secs(10),
            ack_delay: Duration::from_secs(1),
            max_transmissions: 8,
        }
    }
}

/// What a client keeps of a key between sessions (and what an application persists): the key,
/// the server salt to use and the clock offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKey {
    /// The authorization key.
    pub auth_key: AuthKey,
    /// The current server salt.
    pub salt: i64,
    /// Seconds to add to the local clock to get the server's.
    pub time_offset: i64,
}

impl From<NewAuthKey> for SessionKey {
    fn from(key: NewAuthKey) -> Self {
        SessionKey {
            auth_key: key.auth_key,
            salt: key.salt,
            time_offset: key.time_offset,
        }
    }
}

/// Identifies one call of [`ClientSession::send`] until its [`Event::Response`] or
/// [`Event::Failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Why a request ended without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The server refused the message with a `bad_msg_notification` the session cannot fix by
    /// resending (codes 18, 19, 34, 35, 64, …).
    #[error("the server refused the message (bad_msg_notification {code})")]
    Rejected {
        /// The notification's `error_code`.
        code: i32,
    },
    /// Sent [`SessionConfig::max_transmissions`] times without an answer or acknowledgement.
    #[error("no answer after the maximum number of transmissions")]
    TooManyAttempts,
    /// The answer came but could not be unpacked.
    #[error("the answer could not be unpacked: {0}")]
    BadResult(#[from] GzipError),
    /// The session was closed ([`ClientSession::close`]) before an answer came.
    #[error("the session was closed")]
    Closed,
    /// The session started over (the clock was found far ahead) after the server may have run
    /// the request: it is not sent again, since running a call twice can do harm (a code
    /// checked twice, a second login). The caller decides whether to repeat it.
    #[error("the session restarted; the request may have been run")]
    SessionRestarted,
}

/// What a client session tells its owner. `Debug` shows the length of answers and updates,
/// never their bytes (they may hold tokens or codes).
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// The answer to a request: the TL bytes of the result with `rpc_result` and `gzip_packed`
    /// taken off. An `rpc_error` is an answer too; its bytes are passed on as they are.
    Response {
        /// The request.
        id: RequestId,
        /// The result object.
        body: Vec<u8>,
    },
    /// A request ended without an answer.
    Failed {
        /// The request.
        id: RequestId,
        /// Why.
        error: RequestError,
    },
    /// Something the server sent on its own (updates), as TL bytes, in the order received.
    Update(Vec<u8>),
    /// The server salt changed (worth persisting).
    SaltChanged(i64),
    /// The clock offset changed (worth persisting).
    TimeOffsetChanged(i64),
    /// The server created a new session for us: updates sent meanwhile may be missing.
    ServerSessionCreated {
        /// The server's id for the new session.
        unique_id: i64,
    },
}

impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Event::Response { id, body } => f
                .debug_struct("Response")
                .field("id", id)
                .field("len", &body.len())
                .finish(),
            Event::Failed { id, error } => f
                .debug_struct("Failed")
                .field("id", id)
                .field("error", error)
                .finish(),
            Event::Update(body) => f.debug_struct("Update").field("len", &body.len()).finish(),
            Event::SaltChanged(salt) => f.debug_tuple("SaltChanged").field(salt).finish(),
            Event::TimeOffsetChanged(offset) => {
                f.debug_tuple("TimeOffsetChanged").field(offset).finish()
            }
            Event::ServerSessionCreated { unique_id } => f
                .debug_struct("ServerSessionCreated")
                .field("unique_id", unique_id)
                .finish(),
        }
    }
}

/// A packet the session refused. The session's state is unchanged; the security guidelines
/// recommend dropping the connection and opening a new one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Not an encrypted message for our key and direction, or tampered with.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The length field does not fit the plaintext.
    #[error("the message length field does not fit the plaintext")]
    BadLength,
    /// The padding is outside 12..1024 bytes.
    #[error("{0} bytes of padding is outside 12..=1024")]
    BadPadding(usize),
    /// The message belongs to another session.
    #[error("message for session {found:#x}, not ours")]
    WrongSession {
        /// The session id in the message.
        found: i64,
    },
    /// The `msg_id` has the wrong parity for its sender.
    #[error("msg_id {0:#x} has the wrong parity")]
    BadMsgIdParity(i64),
    /// The `msg_id` is more than 300 s in the past or 30 s in the future of the server's time.
    #[error("msg_id {0:#x} is outside the time window")]
    MsgIdOutOfWindow(i64),
    /// The body could not be decoded.
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// A `gzip_packed` body could not be inflated.
    #[error(transparent)]
    Gzip(#[from] GzipError),
    /// A container inside a container, or a container message with an id above the container's.
    #[error("malformed container")]
    BadContainer,
}

/// How far a peer's `msg_id` may be from our idea of the server's time.
pub(crate) const WINDOW_PAST_SECS: i64 = 300;
/// How far in the future.
pub(crate) const WINDOW_FUTURE_SECS: i64 = 30;

/// A body a session may carry: a TL object (a constructor id at least, whole words) within
/// [`MAX_BODY_LEN`].
pub(crate) fn check_body(body: &[u8]) -> Result<(), crate::UsageError> {
    if body.len() < 4 || !body.len().is_multiple_of(4) {
        return Err(crate::UsageError::BadBody(body.len()));
    }
    if body.len() > MAX_BODY_LEN {
        return Err(crate::UsageError::BodyTooLarge(body.len()));
    }
    Ok(())
}

/// Content-related messages (those that need an acknowledgement) have odd sequence numbers.
pub(crate) fn is_content_related(seqno: i32) -> bool {
    seqno & 1 == 1
}
