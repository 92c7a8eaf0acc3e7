//! The two kinds of error every machine shares: [`UsageError`], the caller's misuse (returned at
//! once, the machine unchanged), and [`Error`], why a flow failed (delivered once, in its
//! terminal `Failed` event).

use std::time::Duration;

use zeroize::Zeroizing;

use crate::{
    DcId, RpcError,
    phase::Phase,
    srp::SrpError,
    tl::{DecodeError, EncodeError, UnsupportedLayer},
    transport::{RequestId, TransportFailure},
};

/// A command that does not fit the machine's current state, or input refused before anything
/// was sent. The machine is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// The command is not possible in this phase.
    #[error("`{command}` is not possible while the machine is {phase:?}")]
    WrongPhase {
        /// The command called.
        command: &'static str,
        /// What the machine is doing.
        phase: Phase,
    },
    /// The configured layer is outside [`SUPPORTED_LAYERS`](crate::SUPPORTED_LAYERS).
    #[error(transparent)]
    UnsupportedLayer(UnsupportedLayer),
    /// The session's layer has no such method (e.g. the Firebase phone-number login before
    /// layer 230).
    #[error("{method} does not exist at layer {layer}")]
    MethodUnavailable {
        /// The method.
        method: &'static str,
        /// The session's layer.
        layer: i32,
    },
    /// The app credentials are unusable.
    #[error("invalid configuration: {0}")]
    InvalidConfig(&'static str),
    /// A data-center id that is not positive.
    #[error("{0} is not a data center")]
    InvalidDc(DcId),
    /// An authorization transfer to the DC it comes from.
    #[error("{0} is already the home DC")]
    SameDc(DcId),
    /// The phone number is not a phone number.
    #[error("invalid phone number: {0}")]
    InvalidPhone(&'static str),
    /// The typed code cannot be right; no attempt was spent.
    #[error("invalid code: {0}")]
    InvalidCode(#[from] CodeFormatError),
    /// A first name is needed (at most 64 characters); the last name is at most 64.
    #[error("invalid name: {0}")]
    InvalidName(&'static str),
    /// Not an email address.
    #[error("invalid email address")]
    InvalidEmail,
    /// The bot token is not `<bot id>:<secret>`.
    #[error("invalid bot token: {0}")]
    InvalidBotToken(&'static str),
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
    /// An integrity proof of a kind the Firebase SMS did not ask for (a SafetyNet token
    /// without a `nonce`, a Play Integrity token without `play_integrity`, an iOS push secret
    /// without `ios_push`), or an empty one.
    #[error("the server did not ask for this integrity proof")]
    IntegrityProofNotAsked,
    /// Slow work (`handle_work`) the machine did not hand out, or no longer waits for.
    #[error("the machine is not waiting for this work")]
    StaleWork,
    /// An argument cannot be encoded: a TL `string` or `bytes` value is at most 16 MiB - 1.
    #[error("cannot encode the call: {0}")]
    Unencodable(EncodeError),
    /// A response or failure for a request this machine never sent.
    #[error("unknown request {0:?}")]
    UnknownRequest(RequestId),
    /// A snapshot can only be taken while the login waits for the user.
    #[error("a snapshot is possible only while waiting for the user")]
    NotSnapshotable,
    /// The account has no recovery email (`PasswordInfo::has_recovery` is false).
    #[error("the password cannot be recovered by email: no recovery email is set")]
    RecoveryUnavailable,
    /// No recovery code was requested (or it expired): request one first.
    #[error("no recovery code was requested")]
    RecoveryNotRequested,
    /// A password is set: the change must give the current one.
    #[error("a password is set: give the current password")]
    CurrentPasswordNeeded,
    /// No password is set: there is nothing to prove (or to remove).
    #[error("no password is set")]
    NoPassword,
    /// The server offered no algorithm this client knows for a new password.
    #[error("the server offers no known algorithm for a new password")]
    NewPasswordUnavailable,
}

/// Why a typed code was refused before it was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeFormatError {
    /// Nothing was typed.
    #[error("the code is empty")]
    Empty,
    /// Something other than digits, spaces and dashes in a numeric code.
    #[error("the code must be digits")]
    NotDigits,
    /// Too few or too many digits.
    #[error("the code has {got} digits, expected {expected}")]
    WrongLength {
        /// Announced length.
        expected: u32,
        /// Digits typed.
        got: usize,
    },
    /// A flash-call number that does not match the announced pattern.
    #[error("the number does not match the calling number's pattern")]
    PatternMismatch,
    /// A word/phrase code that does not start with the announced beginning.
    #[error("the code should start with {expected:?}")]
    WrongBeginning {
        /// The announced beginning.
        expected: String,
    },
    /// The account must set up a login email before any code is sent.
    #[error("set up a login email first")]
    EmailSetupFirst,
}

/// How a caller should treat a terminal [`Error`]: the table in the
/// [guide](crate::guide#the-terminal-errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Tell the person: the server refused for a reason they can act on (a banned or invalid
    /// number, a wrong token, a payment needed).
    ShowToUser,
    /// Nothing is wrong with the request: try again later (flood waits, transport failures,
    /// the server's own errors).
    TryLater,
    /// A bug — in this crate, the caller's session, or the server: report it. The flow cannot
    /// go on.
    Bug,
}

/// Why a flow failed. Delivered once, in the machine's terminal `Failed` event; every machine
/// uses this one type. [`class`](Self::class) says how to treat it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server refused with an error the flow cannot recover from (e.g.
    /// `PHONE_NUMBER_INVALID`, `PHONE_NUMBER_BANNED`, `API_ID_INVALID`).
    #[error("{method} refused: {error}")]
    Rpc {
        /// The call refused.
        method: &'static str,
        /// The server's error.
        error: RpcError,
    },
    /// The server asked to wait longer than the retry policy's `max_flood_wait`, or too often.
    #[error("{method}: flood wait, try again in {seconds} s")]
    FloodWait {
        /// The call.
        method: &'static str,
        /// Seconds the server asked for.
        seconds: u32,
    },
    /// Data-center migrations went in circles, or past the retry policy's `max_migrations`.
    #[error("{method}: data-center migration loop (last: {dc})")]
    MigrationLoop {
        /// The call.
        method: &'static str,
        /// The DC the server last pointed to.
        dc: DcId,
    },
    /// The account moved to another data center (`USER_MIGRATE_X`, or another `*_MIGRATE_X`)
    /// while a call that needs an authorized key was under way. The key on `to` is not known to
    /// be authorized, so the call was not re-sent there: transfer the authorization from `from`
    /// to `to` ([`AuthTransfer`](crate::AuthTransfer)), then run the flow again on `to`.
    #[error("{method}: the account moved to {to}; transfer the authorization from {from} first")]
    TransferNeeded {
        /// The call that was redirected.
        method: &'static str,
        /// The data center whose key is authorized (where the call went).
        from: DcId,
        /// Where the server sent it.
        to: DcId,
    },
    /// The transport kept failing (or the call kept going unanswered past the request
    /// timeout, which counts as [`TransportFailure::Timeout`]).
    #[error("{method}: transport failure: {failure}")]
    Transport {
        /// The call that could not be delivered.
        method: &'static str,
        /// The last failure.
        failure: TransportFailure,
    },
    /// The reply did not decode at the session's layer. Nothing was authorized by it.
    #[error("cannot decode the reply to {method} at layer {layer}{}: {error}", constructor_text(*.constructor))]
    MalformedReply {
        /// The call answered.
        method: &'static str,
        /// The session's layer.
        layer: i32,
        /// The reply's constructor, if it had four bytes.
        constructor: Option<u32>,
        /// What was wrong (for an unknown constructor, its id).
        error: DecodeError,
    },
    /// The reply to a call that can authorize the key (`auth.signIn`, `auth.signUp`,
    /// `auth.checkPassword`, `auth.importLoginToken`, `auth.importBotAuthorization`, ...) did
    /// not decode at the session's layer. **The key may now be authorized**: decode
    /// [`reply`](ReplyBytes) with your own types, or ask the server (e.g. `updates.getState`)
    /// before logging in again.
    #[error("cannot decode the reply to {method} at layer {layer}{} (the key may now be authorized): {error}", constructor_text(*.constructor))]
    MaybeAuthorized {
        /// The call answered.
        method: &'static str,
        /// The session's layer.
        layer: i32,
        /// The reply's constructor, if it had four bytes.
        constructor: Option<u32>,
        /// What was wrong (for an unknown constructor, its id).
        error: DecodeError,
        /// The reply, exactly as received.
        reply: ReplyBytes,
    },
    /// A call could not be encoded (a TL `string` or `bytes` value of 16 MiB or more, from the
    /// configuration or the server): nothing was sent.
    #[error("cannot encode {method}: {error}")]
    Unencodable {
        /// The call.
        method: &'static str,
        /// What could not be encoded.
        error: EncodeError,
    },
    /// The reply decoded but makes no sense here.
    #[error("unexpected reply to {method}: {what}")]
    UnexpectedReply {
        /// The call answered.
        method: &'static str,
        /// What arrived.
        what: String,
    },
    /// The server's 2FA parameters failed the SRP safety checks.
    #[error("unsafe 2FA parameters from the server: {0}")]
    PasswordParameters(SrpError),
    /// The account's password uses a KDF this client does not know (update the app).
    #[error("unsupported password algorithm")]
    UnsupportedPasswordAlgorithm,
    /// The server kept renewing the password challenge (`SRP_ID_INVALID`).
    #[error("the password challenge went stale too often")]
    PasswordChallengeUnstable,
    /// `AUTH_RESTART` more than once.
    #[error("the server asked to restart the login again")]
    TooManyRestarts,
    /// The login needed a payment (`auth.sentCodePaymentRequired`) and the app declined to
    /// make it ([`Login::decline_payment`](crate::Login::decline_payment)).
    #[error("login requires a payment ({} {})", .0.amount, .0.currency)]
    PaymentRequired(Box<PaymentRequired>),
    /// The server refused a QR login token (`AUTH_TOKEN_EXPIRED`, `AUTH_TOKEN_INVALID`,
    /// `AUTH_TOKEN_ALREADY_ACCEPTED`, ...): start a new QR login.
    #[error("login token refused: {0}")]
    LoginTokenRejected(RpcError),
    /// The server does not accept the bot token (`ACCESS_TOKEN_INVALID` /
    /// `ACCESS_TOKEN_EXPIRED`): ask @BotFather for the current one.
    #[error("the bot token was refused: {0}")]
    BotTokenRejected(RpcError),
    /// `NEW_SALT_INVALID`: the new password's `salt1` does not extend the server's.
    #[error("the server refused the new password's salt")]
    NewSaltInvalid,
    /// `NEW_SETTINGS_INVALID`: the server refused the new password settings.
    #[error("the server refused the new password settings")]
    NewSettingsInvalid,
    /// `PASSWORD_RECOVERY_NA`: no recovery email is set.
    #[error("the password cannot be recovered by email: no recovery email is set")]
    RecoveryUnavailable,
    /// `PASSWORD_EMPTY` (or no password in `account.password`): the account has no password.
    #[error("the account has no 2FA password")]
    NoPassword,
    /// `RESET_REQUEST_MISSING`: no password reset is in progress.
    #[error("no password reset is in progress")]
    ResetNotRequested,
    /// `EMAIL_NOT_SETUP`: the account has no login email to change.
    #[error("the account has no login email to change")]
    EmailNotSetUp,
}

fn constructor_text(constructor: Option<u32>) -> String {
    constructor.map_or_else(String::new, |c| format!(" (constructor {c:#010x})"))
}

impl Error {
    /// How to treat the error: show it, try later, or report a bug.
    pub fn class(&self) -> ErrorClass {
        use crate::RpcErrorKind as K;
        match self {
            Error::Rpc { error, .. } => match error.kind() {
                K::AuthKeyUnregistered | K::ApiIdInvalid => ErrorClass::Bug,
                K::ServerError | K::AuthRestart | K::PhoneNumberFlood | K::PhonePasswordFlood => {
                    ErrorClass::TryLater
                }
                _ => ErrorClass::ShowToUser,
            },
            Error::FloodWait { .. }
            | Error::TransferNeeded { .. }
            | Error::Transport { .. }
            | Error::MigrationLoop { .. }
            | Error::PasswordChallengeUnstable
            | Error::TooManyRestarts => ErrorClass::TryLater,
            Error::MalformedReply { .. }
            | Error::Unencodable { .. }
            | Error::MaybeAuthorized { .. }
            | Error::UnexpectedReply { .. }
            | Error::PasswordParameters(_)
            | Error::NewSaltInvalid => ErrorClass::Bug,
            Error::UnsupportedPasswordAlgorithm
            | Error::PaymentRequired(_)
            | Error::LoginTokenRejected(_)
            | Error::BotTokenRejected(_)
            | Error::NewSettingsInvalid
            | Error::RecoveryUnavailable
            | Error::NoPassword
            | Error::ResetNotRequested
            | Error::EmailNotSetUp => ErrorClass::ShowToUser,
        }
    }

    /// The server's error, for the variants that carry one.
    pub fn rpc_error(&self) -> Option<&RpcError> {
        match self {
            Error::Rpc { error, .. }
            | Error::LoginTokenRejected(error)
            | Error::BotTokenRejected(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the key the flow used may now be authorized although the flow failed.
    pub fn may_be_authorized(&self) -> bool {
        matches!(self, Error::MaybeAuthorized { .. })
    }

    /// The error for a reply to `method` (id `method_id`) that did not decode at `layer`.
    pub(crate) fn undecodable(
        method: &'static str,
        method_id: u32,
        layer: crate::tl::Layer,
        reply: &[u8],
        error: DecodeError,
    ) -> Self {
        let constructor = reply
            .get(..4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        if crate::tl::may_authorize(method_id) {
            Error::MaybeAuthorized {
                method,
                layer: layer.get(),
                constructor,
                error,
                reply: ReplyBytes(Zeroizing::new(reply.to_vec())),
            }
        } else {
            Error::MalformedReply {
                method,
                layer: layer.get(),
                constructor,
                error,
            }
        }
    }
}

/// What `auth.sentCodePaymentRequired` asks for: a store purchase (a Premium subscription)
/// before the code is sent. An app that can make it buys the product for this number and code
/// hash (`inputStorePaymentAuthCode`), then continues the login with
/// [`Login::check_paid_auth`](crate::Login::check_paid_auth); one that cannot declines
/// ([`Login::decline_payment`](crate::Login::decline_payment)).
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentRequired {
    /// The phone number the code is for, digits only.
    pub phone_number: String,
    /// The code hash the purchase and `auth.checkPaidAuth` name (zeroized on drop, not
    /// printed).
    pub phone_code_hash: Zeroizing<String>,
    /// Store product id.
    pub store_product: String,
    /// Support address.
    pub support_email_address: String,
    /// Support subject.
    pub support_email_subject: String,
    /// Premium days the purchase gives (layers before 225 do not say).
    pub premium_days: Option<i32>,
    /// Currency code.
    pub currency: String,
    /// Amount in the smallest units of the currency.
    pub amount: i64,
}

impl std::fmt::Debug for PaymentRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentRequired")
            .field("phone_number", &self.phone_number)
            .field("phone_code_hash", &"<redacted>")
            .field("store_product", &self.store_product)
            .field("support_email_address", &self.support_email_address)
            .field("support_email_subject", &self.support_email_subject)
            .field("premium_days", &self.premium_days)
            .field("currency", &self.currency)
            .field("amount", &self.amount)
            .finish()
    }
}

/// A reply kept as received, because it may hold secrets (an authorization's future auth
/// token): zeroized on drop, printed as its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyBytes(Zeroizing<Vec<u8>>);

impl ReplyBytes {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for ReplyBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReplyBytes(<{} bytes>)", self.0.len())
    }
}
