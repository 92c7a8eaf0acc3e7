//! Which API methods Telegram accepts on a key that is not authorized yet.
//!
//! The list is the one in core.telegram.org/api/auth ("We are authorized"), with layer-228
//! ids; anything else gets `401 AUTH_KEY_UNREGISTERED` until a login succeeds. The three
//! email password-recovery methods are also accepted once the login code was accepted and a
//! 2FA password is pending.

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
    ("auth.finishPasskeyLogin", 0x9857ad07),
    ("auth.importAuthorization", 0xa57a7dad),
    ("auth.importBotAuthorization", 0x67a3ff2c),
    ("auth.importLoginToken", 0x95ac5ce4),
    ("auth.importWebTokenAuthorization", 0x2db873a9),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tl::{self, Identifiable};

    #[test]
    fn list_has_forty_methods_and_matches_generated_ids() {
        assert_eq!(ALLOWED_BEFORE_AUTH.len(), 40);
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
            25 + ALLOWED_WHILE_PASSWORD_PENDING.len(),
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
