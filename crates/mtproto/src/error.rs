//! Caller misuse, shared by every state machine of the crate. (What a peer does wrong has its own
//! error types: [`crate::handshake::HandshakeError`], [`crate::session::PacketError`],
//! [`crate::transport::TransportError`].)

use tg_crypto::dh::GeneratorError;
use tg_crypto::safe_prime::PrimeError;

/// The caller asked for something the state machine cannot do; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// A client handshake needs at least one server key.
    #[error("no server public keys configured")]
    NoServerKeys,
    /// A server handshake needs at least one private key.
    #[error("no server private keys configured")]
    NoPrivateKeys,
    /// The configured DH prime is not a safe 2048-bit prime.
    #[error("the configured dh_prime is unusable: {0}")]
    BadDhPrime(PrimeError),
    /// The configured generator does not suit the prime.
    #[error("the configured g is unusable: {0}")]
    BadGenerator(GeneratorError),
    /// A message body must hold at least a constructor id and be whole 4-byte words.
    #[error("a body of {0} bytes is not a TL object")]
    BadBody(usize),
    /// The body is larger than one message may be.
    #[error("a body of {0} bytes exceeds the message size limit")]
    BodyTooLarge(usize),
    /// The session was closed; start a new one.
    #[error("the session is closed")]
    Closed,
    /// No request with that id is waiting for an answer (answered already, or never received).
    #[error("no such request")]
    UnknownRequest,
    /// No session with that id is known on this key.
    #[error("no such session")]
    UnknownSession,
    /// An error code that `bad_msg_notification` does not have.
    #[error("{0} is not a bad_msg_notification code")]
    NotABadMsgCode(i32),
    /// The pool's address table has no such data center.
    #[error("no address for DC {0}")]
    UnknownDc(i32),
    /// A key cannot be restored for a data center the pool has started using.
    #[error("DC {0} is in use")]
    DcInUse(i32),
}
