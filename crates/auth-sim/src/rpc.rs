//! What a handler answers: a result object of the call's declared type, or an `rpc_error`.

use auth_core::RpcError;
use auth_core::tl::{Serialize, enums};

/// A handler's outcome for a call of type `F`: `F::Return` or an RPC error.
pub(crate) type Answered<T> = Result<T, RpcError>;

/// A result object the simulator can send: its TL bytes and its constructor's name (for the
/// call log).
pub(crate) trait Answer: Serialize {
    /// The schema name of the constructor, e.g. `auth.sentCode`.
    fn answer_name(&self) -> &'static str;
}

impl Answer for bool {
    fn answer_name(&self) -> &'static str {
        if *self { "boolTrue" } else { "boolFalse" }
    }
}

macro_rules! boxed_answers {
    ($($ty:ty),* $(,)?) => {
        $(impl Answer for $ty {
            fn answer_name(&self) -> &'static str {
                self.constructor_name()
            }
        })*
    };
}

boxed_answers!(
    enums::auth::SentCode,
    enums::auth::Authorization,
    enums::auth::LoggedOut,
    enums::auth::ExportedAuthorization,
    enums::auth::PasswordRecovery,
    enums::account::Password,
    enums::account::SentEmailCode,
    enums::account::EmailVerified,
    enums::NearestDc,
    enums::help::TermsOfServiceUpdate,
    enums::help::CountriesList,
);

/// `303` errors: `PHONE_MIGRATE_X`, `USER_MIGRATE_X`, `NETWORK_MIGRATE_X`.
pub(crate) fn migrate(kind: &str, dc: auth_core::DcId) -> RpcError {
    RpcError::new(303, format!("{kind}_MIGRATE_{}", dc.0))
}

/// A `400 BAD_REQUEST` error with this name.
pub(crate) fn bad(name: &str) -> RpcError {
    RpcError::new(400, name)
}

/// `401 AUTH_KEY_UNREGISTERED`: the key is not logged in.
pub(crate) fn unregistered() -> RpcError {
    RpcError::new(401, "AUTH_KEY_UNREGISTERED")
}

/// `401 SESSION_PASSWORD_NEEDED`: the 2FA password is required.
pub(crate) fn password_needed() -> RpcError {
    RpcError::new(401, "SESSION_PASSWORD_NEEDED")
}

/// `406 PHONE_NUMBER_INVALID`.
pub(crate) fn phone_invalid() -> RpcError {
    RpcError::new(406, "PHONE_NUMBER_INVALID")
}

/// `420 FLOOD_WAIT_X`.
pub(crate) fn flood_wait(secs: u32) -> RpcError {
    RpcError::new(420, format!("FLOOD_WAIT_{secs}"))
}

/// `400 PHONE_CODE_EXPIRED`: also the answer to a `phone_code_hash` that names no live code
/// for this key and phone.
pub(crate) fn code_expired() -> RpcError {
    bad("PHONE_CODE_EXPIRED")
}

/// `400 INPUT_FETCH_FAIL`: the body could not be decoded as the call its id names.
pub(crate) fn fetch_fail() -> RpcError {
    bad("INPUT_FETCH_FAIL")
}

/// `500 INTERNAL`: something that cannot happen with a valid configuration.
pub(crate) fn internal() -> RpcError {
    RpcError::new(500, "INTERNAL")
}
