//! Errors: the caller's misuse ([`UsageError`], returned at once, nothing changed) and the
//! login's failure ([`AuthError`], delivered once as the terminal `Event::Failed`).

use std::time::Duration;

use crate::{
    DcId, RpcError,
    srp::SrpError,
    tl::DecodeError,
    transport::{RequestId, TransportFailure},
};

use super::{CodeFormatError, Phase};

/// A command that does not fit the login's current state, or input refused before anything
/// was sent. The login is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// The command is not possible in this phase.
    #[error("`{command}` is not possible while the login is {phase:?}")]
    WrongPhase {
        /// The command called.
        command: &'static str,
        /// What the login is doing.
        phase: Phase,
    },
    /// The typed code cannot be right; no attempt was spent.
    #[error("invalid code: {0}")]
    InvalidCode(#[from] CodeFormatError),
    /// The phone number is not a phone number.
    #[error("invalid phone number: {0}")]
    InvalidPhone(&'static str),
    /// The app credentials are unusable.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A first name is needed (at most 64 characters); the last name is at most 64.
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    /// Not an email address.
    #[error("invalid email address")]
    InvalidEmail,
    /// This code cannot be resent: the server gave no next delivery method.
    #[error("the code cannot be resent")]
    ResendUnavailable,
    /// Resending becomes possible later.
    #[error("the code can be resent in {0:?}")]
    ResendNotYet(Duration),
    /// The code expired: resend it first.
    #[error("the code expired: resend it")]
    CodeExpired,
    /// Google/Apple sign-in is not allowed here.
    #[error("this sign-in method is not allowed for this account")]
    SignInMethodNotAllowed,
    /// A password check computed for an older challenge.
    #[error("the password check is for an old challenge (srp_id {0})")]
    StaleChallenge(i64),
    /// A response or failure for a request this login never sent.
    #[error("unknown request {0:?}")]
    UnknownRequest(RequestId),
    /// A snapshot can only be taken while the login waits for the user.
    #[error("a snapshot is possible only while waiting for the user")]
    NotSnapshotable,
    /// The account has no recovery email (`PasswordInfo::has_recovery` is false).
    #[error("the password cannot be recovered by email: no recovery email is set")]
    RecoveryUnavailable,
    /// No recovery code was requested (or it expired): `request_password_recovery` first.
    #[error("no recovery code was requested")]
    RecoveryNotRequested,
    /// The new password was not hashed with `new_password_algo()` (or the server offers no
    /// algorithm this client knows).
    #[error("the new password was not hashed with the offered algorithm")]
    ForeignPasswordAlgorithm,
}

/// Why a login failed. Delivered once, in `Event::Failed`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    /// The server refused, with an error this login cannot recover from (e.g.
    /// `PHONE_NUMBER_INVALID`, `PHONE_NUMBER_BANNED`, `API_ID_INVALID`).
    #[error("server refused: {0}")]
    Rpc(RpcError),
    /// The server asked to wait longer than `max_flood_wait`, or too often.
    #[error("flood wait: try again in {seconds} s")]
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
    },
    /// The login needs a Premium purchase only official apps can make.
    #[error("login requires a payment ({amount} {currency})")]
    PaymentRequired {
        /// Store product id.
        store_product: String,
        /// Support address.
        support_email_address: String,
        /// Support subject.
        support_email_subject: String,
        /// Premium days the purchase gives (layers before 225 do not say).
        premium_days: Option<i32>,
        /// Currency code.
        currency: String,
        /// Amount in the smallest units of the currency.
        amount: i64,
    },
    /// The server's reply could not be decoded.
    #[error("malformed reply to {request}: {error}")]
    MalformedReply {
        /// The request answered.
        request: &'static str,
        /// What was wrong.
        error: DecodeError,
    },
    /// The server's reply decoded but makes no sense here.
    #[error("unexpected reply to {request}: {what}")]
    UnexpectedReply {
        /// The request answered.
        request: &'static str,
        /// What arrived.
        what: String,
    },
    /// The server's 2FA parameters failed the SRP safety checks.
    #[error("unsafe 2FA parameters from the server: {0}")]
    PasswordParameters(SrpError),
    /// The account's password uses a KDF this client does not know (update the app).
    #[error("unsupported password algorithm")]
    UnsupportedPasswordAlgorithm,
    /// The server kept asking for the password challenge to be renewed.
    #[error("the password challenge went stale too often")]
    PasswordChallengeUnstable,
    /// DC migrations went in circles.
    #[error("data-center migration loop (last: {dc})")]
    MigrationLoop {
        /// The DC the server last pointed to.
        dc: DcId,
    },
    /// `AUTH_RESTART` more than once.
    #[error("the server asked to restart the login again")]
    TooManyRestarts,
    /// The transport kept failing.
    #[error("transport failure on {request}: {failure}")]
    Transport {
        /// The request that could not be delivered.
        request: &'static str,
        /// The last failure.
        failure: TransportFailure,
    },
}
