//! Errors of a QR login: the caller's misuse ([`UsageError`], returned at once, nothing
//! changed) and the login's failure ([`QrError`], delivered once as the terminal
//! `Event::Failed`).

use crate::{RpcError, login, machine::CallError, transport::RequestId};

use super::Phase;

/// A command that does not fit the QR login's current state, or input refused before anything
/// was sent. The login is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// The command is not possible in this phase.
    #[error("`{command}` is not possible while the QR login is {phase:?}")]
    WrongPhase {
        /// The command called.
        command: &'static str,
        /// What the login is doing.
        phase: Phase,
    },
    /// The app credentials are unusable.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A response or failure for a request this login never sent.
    #[error("unknown request {0:?}")]
    UnknownRequest(RequestId),
    /// The password step refused the answer (a check computed for an older challenge).
    #[error(transparent)]
    Password(login::UsageError),
}

/// Why a QR login failed. Delivered once, in `Event::Failed`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QrError {
    /// The server refused the login token (`AUTH_TOKEN_EXPIRED`, `AUTH_TOKEN_INVALID`,
    /// `AUTH_TOKEN_ALREADY_ACCEPTED`, ...: [`RpcErrorKind::AuthTokenInvalid`]). Start a new QR
    /// login.
    ///
    /// [`RpcErrorKind::AuthTokenInvalid`]: crate::RpcErrorKind::AuthTokenInvalid
    #[error("login token refused: {0}")]
    TokenRejected(RpcError),
    /// A call of the QR flow (`auth.exportLoginToken`, `auth.importLoginToken`) failed: the
    /// server refused it, asked for too long a flood wait, sent bytes that do not decode, kept
    /// migrating, or the transport kept failing.
    #[error("{method} failed: {error}")]
    Call {
        /// The call.
        method: &'static str,
        /// What went wrong.
        error: CallError,
    },
    /// The server's reply decoded but makes no sense here.
    #[error("unexpected reply to {method}: {what}")]
    UnexpectedReply {
        /// The call answered.
        method: &'static str,
        /// What arrived.
        what: String,
    },
    /// The 2FA password step failed (see [`login::AuthError`]).
    #[error("password step failed: {0}")]
    Password(login::AuthError),
}
