//! What Telegram accepts on a key that is not authorized yet, and [`Guard`], the check an
//! MTProto session runs before sending anything.
//!
//! The lists are the ones in core.telegram.org/api/auth ("We are authorized"), with their ids,
//! plus the three Firebase phone-number login methods of layer 230 (a login method is
//! necessarily callable before login); anything else gets `401 AUTH_KEY_UNREGISTERED` until a
//! login succeeds. The three email
//! password-recovery methods are also accepted once the login code was accepted and a 2FA
//! password is pending.
//!
//! [`Guard`] refuses such calls locally, with that same error, instead of spending a round
//! trip (and a flood-limit slot) on them. It unwraps `invokeWithLayer` and `initConnection` (at
//! most [`MAX_WRAPPERS`] deep, skipping `initConnection`'s optional `proxy` and `params`) to
//! judge the method inside. Other wrappers (`invokeWithoutUpdates`, `invokeAfterMsg`, ...) are
//! not on the allowed list, so a session that uses them before authorization should check the
//! query it wraps instead.
//!
//! ```
//! use auth_core::before_auth::Guard;
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
    tl::{DecodeError, Deserialize, Reader, enums},
};

/// Methods allowed before authorization: (schema name, id), sorted by name.
pub const ALLOWED_BEFORE_AUTH: &[(&str, u32)] = &[
    ("account.deleteAccount", 0xa2c0cf74),
    ("account.getPassword", 0x548a30f5),
    ("account.sendVerifyEmailCode", 0x98e037bb),
    ("account.verifyEmail", 0x032da4cf),
    ("auth.bindTempAuthKey", 0xcdd42a05),
    ("auth.cancelCode", 0x1f040578),
    ("auth.checkPaidAuth", 0x56e59f9c),
    ("auth.checkPassword", 0xd18b4d16),
    ("auth.exportLoginToken", 0xb7e085fe),
    ("auth.finishFirebasePnvLogin", 0x2c85094c),
    ("auth.finishPasskeyLogin", 0x9857ad07),
    ("auth.firebasePnvSignUp", 0x783f6b56),
    ("auth.importAuthorization", 0xa57a7dad),
    ("auth.importBotAuthorization", 0x67a3ff2c),
    ("auth.importLoginToken", 0x95ac5ce4),
    ("auth.importWebTokenAuthorization", 0x2db873a9),
    ("auth.initFirebasePnvLogin", 0x644f15c0),
    ("auth.initPasskeyLogin", 0x518ad0b7),
    ("auth.reportMissingCode", 0xcb9deff6),
    ("auth.requestFirebaseSms", 0x8e39261e),
    ("auth.resendCode", 0xcae47523),
    ("auth.resetLoginEmail", 0x7e960193),
    ("auth.sendCode", 0xa677244f),
    ("auth.signIn", 0x8d52a951),
    ("auth.signUp", 0xaac7b717),
    ("help.getAppConfig", 0x61e3f854),
    ("help.getConfig", 0xc4f9186b),
    ("help.getCountriesList", 0x735787a8),
    ("help.getDeepLinkInfo", 0x3fedc75f),
    ("help.getNearestDc", 0x1fb33026),
    ("help.saveAppLog", 0x6f02f748),
    ("initConnection", 0xc1cd5ea9),
    ("invokeWithLayer", 0xda9b0d0d),
    ("langpack.getDifference", 0xcd984aa5),
    ("langpack.getLangPack", 0xf2f2330a),
    ("langpack.getLanguage", 0x6a596502),
    ("langpack.getLanguages", 0x42c6978f),
    ("langpack.getStrings", 0xefea3803),
    ("payments.assignAppStoreTransaction", 0x80ed747d),
    ("payments.assignPlayMarketTransaction", 0xdffd50d3),
    ("payments.canPurchaseStore", 0x4fdc5ea7),
    ("payments.getPaymentForm", 0x37148dbb),
    ("payments.sendPaymentForm", 0x2d03522f),
];

/// Password-recovery methods allowed while a 2FA password is pending after the login code.
pub const ALLOWED_WHILE_PASSWORD_PENDING: &[(&str, u32)] = &[
    ("auth.requestPasswordRecovery", 0xd897bc66),
    ("auth.checkRecoveryPassword", 0x0d36bf79),
    ("auth.recoverPassword", 0x37096c70),
];

/// Whether a method (by its constructor id) may be called before the key is authorized.
pub fn allowed_before_auth(method_id: u32) -> bool {
    ALLOWED_BEFORE_AUTH.iter().any(|&(_, id)| id == method_id)
}

/// Whether a method may be called while the login waits for the 2FA password.
pub fn allowed_while_password_pending(method_id: u32) -> bool {
    allowed_before_auth(method_id)
        || ALLOWED_WHILE_PASSWORD_PENDING
            .iter()
            .any(|&(_, id)| id == method_id)
}

/// The id of the function at the start of a serialized call, if there are four bytes.
pub fn method_id(body: &[u8]) -> Option<u32> {
    body.get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tl::{self, Identifiable};

    #[test]
    fn list_has_the_documented_forty_and_layer_230s_three_and_matches_generated_ids() {
        assert_eq!(ALLOWED_BEFORE_AUTH.len(), 40 + 3);
        let mut checked = 0;
        for &(name, id) in ALLOWED_BEFORE_AUTH
            .iter()
            .chain(ALLOWED_WHILE_PASSWORD_PENDING)
        {
            if let Some(def) = tl::DEFINITIONS.iter().find(|d| d.name == name) {
                assert_eq!(def.id, id, "{name}");
                assert!(def.is_function, "{name}");
                checked += 1;
            }
        }
        // Every auth-schema method on the list is generated; the rest (langpack.*, payments.*,
        // help.getAppConfig, ...) and the generic wrappers initConnection / invokeWithLayer are
        // outside the generated schema.
        assert_eq!(
            checked,
            25 + 3 + ALLOWED_WHILE_PASSWORD_PENDING.len(),
            "{checked}"
        );
    }

    #[test]
    fn login_methods_are_allowed_and_others_are_not() {
        assert!(allowed_before_auth(
            tl::functions::auth::SendCode::CONSTRUCTOR_ID
        ));
        assert!(allowed_before_auth(
            tl::functions::auth::SignIn::CONSTRUCTOR_ID
        ));
        assert!(allowed_before_auth(
            tl::functions::account::GetPassword::CONSTRUCTOR_ID
        ));
        assert!(!allowed_before_auth(
            tl::functions::auth::LogOut::CONSTRUCTOR_ID
        ));
        assert!(!allowed_before_auth(
            tl::functions::account::UpdatePasswordSettings::CONSTRUCTOR_ID
        ));
        let recover = tl::functions::auth::RequestPasswordRecovery::CONSTRUCTOR_ID;
        assert!(!allowed_before_auth(recover));
        assert!(allowed_while_password_pending(recover));
        assert_eq!(method_id(&[0x4f, 0x24, 0x77, 0xa6, 0]), Some(0xa677244f));
        assert_eq!(method_id(&[1, 2]), None);
    }
}
