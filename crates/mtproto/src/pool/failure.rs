//! Why a call of a [`Pool`](super::Pool) ended without an answer.

use crate::handshake::HandshakeError;
use crate::session::RequestError;

/// Why a call ended without an answer. Every variant is the network's or the server's doing;
/// the caller's mistakes are refused at [`Pool::send`](super::Pool::send).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallFailure {
    /// No answer within [`PoolConfig::request_timeout`](super::PoolConfig::request_timeout),
    /// the connection did not open within its timeout, or the session gave up resending.
    #[error("timed out")]
    Timeout,
    /// The connection dropped, and the one reconnect did not bring the answer.
    #[error("connection lost")]
    ConnectionLost,
    /// The connection could not be opened.
    #[error("cannot connect to DC {dc}: {reason}")]
    CannotConnect {
        /// The data center.
        dc: i32,
        /// What the socket said.
        reason: String,
    },
    /// The server answered `-404` on an established key: it does not know the key. The key was
    /// dropped (see [`Event::KeyChanged`](super::Event::KeyChanged)) and a new one is being made;
    /// a call sent again goes out on it.
    #[error("the server does not know the auth key (-404); a new key is being made")]
    KeyUnknown,
    /// Another transport error from the server (`-429`: too many connections, `-444`: wrong DC,
    /// or `-404` during the handshake).
    #[error("transport error {0}")]
    TransportError(i32),
    /// Creating the auth key failed.
    #[error("auth key handshake failed: {0}")]
    Handshake(HandshakeError),
    /// The session could not deliver the call ([`RequestError`]).
    #[error(transparent)]
    Session(RequestError),
}
