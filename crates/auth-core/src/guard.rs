//! A check an MTProto session runs before sending any request: before the key is authorized,
//! Telegram answers every method outside a short list with `401 AUTH_KEY_UNREGISTERED`, so the
//! [`Guard`] refuses such calls locally, with that same error, instead of spending a round trip
//! (and a flood-limit slot) on it.
//!
//! The lists are [`before_auth`](crate::before_auth)'s. The guard unwraps `invokeWithLayer` and
//! `initConnection` (at most [`MAX_WRAPPERS`] deep, skipping `initConnection`'s optional
//! `proxy` and `params`) to judge the method inside. Other wrappers (`invokeWithoutUpdates`,
//! `invokeAfterMsg`, ...) are not on the allowed list, so a session that uses them before
//! authorization should check the query it wraps instead.
//!
//! ```
//! use auth_core::guard::Guard;
//! use auth_core::tl::{Serialize, functions};
//!
//! let mut guard = Guard::new(); // a fresh key: not authorized
//! assert!(guard.check(&functions::help::GetNearestDc {}.to_bytes()).is_ok());
//! let refused = guard.check(&functions::account::GetAuthorizations {}.to_bytes()).unwrap_err();
//! assert_eq!((refused.code, refused.name.as_str()), (401, "AUTH_KEY_UNREGISTERED"));
//! guard.authorized(); // the login succeeded on this key
//! assert!(guard.check(&functions::account::GetAuthorizations {}.to_bytes()).is_ok());
//! ```

use crate::{
    RpcError,
    before_auth::{allowed_before_auth, allowed_while_password_pending, method_id},
    tl::{DecodeError, Deserialize, Reader, enums},
};

/// `invokeWithLayer#da9b0d0d {X:Type} layer:int query:!X = X`.
pub const INVOKE_WITH_LAYER: u32 = 0xda9b_0d0d;
/// `initConnection#c1cd5ea9 {X:Type} flags:# api_id:int device_model:string
/// system_version:string app_version:string system_lang_code:string lang_pack:string
/// lang_code:string proxy:flags.0?InputClientProxy params:flags.1?JSONValue query:!X = X`.
pub const INIT_CONNECTION: u32 = 0xc1cd_5ea9;
/// How many wrappers may nest around one call.
pub const MAX_WRAPPERS: usize = 4;

/// `JSONValue` constructors (`initConnection.params`).
mod json {
    pub const NULL: u32 = 0x3f6d_7b68;
    pub const BOOL: u32 = 0xc734_5e6a;
    pub const NUMBER: u32 = 0x2be0_dfa4;
    pub const STRING: u32 = 0xb71e_767a;
    pub const ARRAY: u32 = 0xf744_4763;
    pub const OBJECT: u32 = 0x99c1_d49d;
    /// `jsonObjectValue key:string value:JSONValue`, the items of `jsonObject`.
    pub const OBJECT_VALUE: u32 = 0xc0de_1bd9;
}

/// What the guard knows about its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyState {
    /// Not logged in (a new key, or after logging out).
    #[default]
    Unauthorized,
    /// The login code was accepted and the 2FA password is awaited.
    PasswordPending,
    /// Logged in: everything goes through.
    Authorized,
}

/// The pre-send check of one auth key (one per DC session).
///
/// Getters: [`state`](Self::state), [`inner_method`](Self::inner_method); commands (the session
/// tells the guard what happened to the key): [`authorized`](Self::authorized),
/// [`password_pending`](Self::password_pending), [`unauthorized`](Self::unauthorized); the check
/// itself: [`check`](Self::check).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guard {
    state: KeyState,
}

impl Guard {
    /// A guard for a key that is not authorized.
    pub fn new() -> Self {
        Self::default()
    }

    // ----- getters -----

    /// What the guard believes about the key.
    pub fn state(&self) -> KeyState {
        self.state
    }

    /// The id of the method inside any `invokeWithLayer` / `initConnection` wrappers of `body`.
    ///
    /// # Errors
    ///
    /// The body is shorter than a constructor id, a wrapper does not decode, or wrappers nest
    /// deeper than [`MAX_WRAPPERS`].
    pub fn inner_method(body: &[u8]) -> Result<u32, DecodeError> {
        let mut body = body;
        for _ in 0..=MAX_WRAPPERS {
            let id = method_id(body).ok_or(DecodeError::UnexpectedEof)?;
            match id {
                INVOKE_WITH_LAYER | INIT_CONNECTION => body = unwrap_query(id, body)?,
                _ => return Ok(id),
            }
        }
        Err(DecodeError::TooDeep)
    }

    // ----- commands -----

    /// A login (or import) succeeded on this key.
    pub fn authorized(&mut self) {
        self.state = KeyState::Authorized;
    }

    /// The login code was accepted (or a logout token matched) and the server wants the 2FA
    /// password.
    pub fn password_pending(&mut self) {
        self.state = KeyState::PasswordPending;
    }

    /// The key was logged out (or the login was abandoned).
    pub fn unauthorized(&mut self) {
        self.state = KeyState::Unauthorized;
    }

    // ----- the check -----

    /// Whether `body` (a serialized call, possibly wrapped) may be sent now; otherwise the error
    /// the server would answer, to hand to the caller as if it had:
    ///
    /// * authorized: always `Ok`;
    /// * password pending: the allowed list plus password recovery, else
    ///   `401 SESSION_PASSWORD_NEEDED`;
    /// * unauthorized: the allowed list, else `401 AUTH_KEY_UNREGISTERED`;
    /// * a body whose method cannot be found (too short, broken wrapper): `400 INPUT_FETCH_FAIL`.
    pub fn check(&self, body: &[u8]) -> Result<(), RpcError> {
        if self.state == KeyState::Authorized {
            return Ok(());
        }
        let id = Self::inner_method(body).map_err(|_| RpcError::new(400, "INPUT_FETCH_FAIL"))?;
        match self.state {
            KeyState::Unauthorized if !allowed_before_auth(id) => {
                Err(RpcError::new(401, "AUTH_KEY_UNREGISTERED"))
            }
            KeyState::PasswordPending if !allowed_while_password_pending(id) => {
                Err(RpcError::new(401, "SESSION_PASSWORD_NEEDED"))
            }
            _ => Ok(()),
        }
    }
}

/// The query inside one wrapper whose id is `id`.
fn unwrap_query(id: u32, body: &[u8]) -> Result<&[u8], DecodeError> {
    let mut r = Reader::new(body.get(4..).unwrap_or_default());
    if id == INVOKE_WITH_LAYER {
        r.i32()?; // layer
        return Ok(r.remaining());
    }
    let flags = r.u32()?;
    r.i32()?; // api_id
    // device_model, system_version, app_version, system_lang_code, lang_pack, lang_code
    for _ in 0..6 {
        r.bytes_ref()?;
    }
    if flags & (1 << 0) != 0 {
        enums::InputClientProxy::deserialize(&mut r)?;
    }
    if flags & (1 << 1) != 0 {
        skip_json_value(&mut r)?;
    }
    Ok(r.remaining())
}

/// Reads past one boxed `JSONValue`, within the reader's nesting limit.
fn skip_json_value(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    r.enter()?;
    match r.u32()? {
        json::NULL => {}
        json::BOOL => {
            r.bool()?;
        }
        json::NUMBER => {
            r.f64()?;
        }
        json::STRING => {
            r.bytes_ref()?;
        }
        json::ARRAY => {
            r.vector(skip_json_value)?;
        }
        json::OBJECT => {
            r.vector(|r| match r.u32()? {
                json::OBJECT_VALUE => {
                    r.bytes_ref()?;
                    skip_json_value(r)
                }
                id => Err(DecodeError::UnknownConstructor {
                    id,
                    expected: "JSONObjectValue",
                }),
            })?;
        }
        id => {
            return Err(DecodeError::UnknownConstructor {
                id,
                expected: "JSONValue",
            });
        }
    }
    r.leave();
    Ok(())
}
