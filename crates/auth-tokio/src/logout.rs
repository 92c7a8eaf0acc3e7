//! Logging out through the same transport, keeping the future auth token.

use auth_core::tl::{self, Serialize, enums, functions};
use auth_core::{DcId, RpcError, TransportFailure};
use zeroize::Zeroizing;

use crate::Transport;

/// Why logging out did not work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LogoutError {
    /// The server refused (e.g. `401 AUTH_KEY_UNREGISTERED`: the key was not logged in).
    #[error("server refused: {} {}", .0.code, .0.name)]
    Rpc(RpcError),
    /// The call could not be delivered.
    #[error("transport failure: {0}")]
    Transport(#[from] TransportFailure),
    /// The answer was neither `auth.loggedOut` nor an `rpc_error`.
    #[error("malformed reply to auth.logOut: {0}")]
    MalformedReply(tl::DecodeError),
}

/// Logs the session of data center `dc` out (`auth.logOut`; use the DC of the
/// [`Authorization`](auth_core::Authorization)).
///
/// Returns the future auth token the server gave, if any: keep it with the logout tokens
/// (`Config::logout_tokens`, e.g. in a [`TokenFile`](auth_store::TokenFile)) so that the
/// next login on this device can skip the code.
///
/// # Errors
///
/// [`LogoutError`]: the server's refusal, a transport failure or an undecodable answer.
pub async fn logout<T: Transport + ?Sized>(
    transport: &T,
    dc: DcId,
) -> Result<Option<Zeroizing<Vec<u8>>>, LogoutError> {
    let reply = transport
        .invoke(dc, functions::auth::LogOut {}.to_bytes())
        .await?;
    if RpcError::is_rpc_error(&reply) {
        return Err(LogoutError::Rpc(
            RpcError::decode(&reply).map_err(LogoutError::MalformedReply)?,
        ));
    }
    let enums::auth::LoggedOut::LoggedOut(out) =
        tl::decode(&reply).map_err(LogoutError::MalformedReply)?;
    Ok(out.future_auth_token.map(|t| t.into_inner()))
}
