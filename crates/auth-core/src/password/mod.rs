//! 2FA password management on an authorized session (core.telegram.org/api/srp): set, change
//! or remove the password, confirm a recovery email, recover a forgotten password by email,
//! and reset it with the server's waiting period.
//!
//! Each flow is a small sans-IO machine implementing [`Machine`](crate::machine::Machine),
//! with the [`Login`](crate::login::Login)'s shape: getters, `handle_*` (network, clock, slow
//! work), commands (the user's answers; a command in the wrong [`Phase`](crate::Phase) returns
//! a [`UsageError`](crate::UsageError) and changes nothing), `poll_*` (output). Flood waits,
//! migrations, transport retries and the request deadline follow the session's
//! [`RetryPolicy`](crate::RetryPolicy), one call at a time.
//!
//! * [`PasswordSettings`]: `account.getPassword` → (prove the current password) →
//!   `account.updatePasswordSettings`, then, if a new recovery email must be confirmed,
//!   `account.confirmPasswordEmail` / `resendPasswordEmail` / `cancelPasswordEmail`;
//! * [`PasswordRecovery`]: `auth.requestPasswordRecovery` → `auth.checkRecoveryPassword` →
//!   `auth.recoverPassword` (the login offers the same from its password step:
//!   [`Login::request_password_recovery`](crate::login::Login::request_password_recovery));
//! * [`PasswordReset`]: `account.resetPassword` (its three outcomes) and
//!   `account.declinePasswordReset`.
//!
//! # The slow parts stay outside
//!
//! Proving the current password and hashing a new one are one PBKDF2 run (100 000 iterations)
//! each. The machines hand them out as [`Work`](crate::work::Work) (`poll_work`); the caller
//! runs it where slow work belongs and hands the result back (`handle_work`). The machine keeps
//! the passwords until the server accepted or refused them, so a renewed challenge is handled
//! without the caller.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::{DcId, SessionConfig};
//! use auth_core::machine::Machine;
//! use auth_core::password::{PasswordSettings, SettingsEvent};
//! use auth_core::tl::{self, functions};
//!
//! let now = Instant::now();
//! let mut os = rand_core::UnwrapErr(getrandom::SysRng); // the OS generator
//! let mut settings = PasswordSettings::new(&SessionConfig::new(DcId(2)), &mut os, now)?;
//! let t = settings.poll_transmit().expect("account.getPassword is queued");
//! assert!(tl::decode::<functions::account::GetPassword>(&t.body).is_ok());
//! // ... answer it, wait for SettingsEvent::Ready, then `update` (and run the work).
//! # let _ = SettingsEvent::EmailCodeResent;
//! # Ok::<(), auth_core::UsageError>(())
//! ```

mod recovery;
mod reset;
mod settings;

use crate::{
    Error, RpcError,
    srp::NewPasswordHash,
    tl::{enums, types},
};

pub use crate::work::NewPasswordAlgo;
pub use recovery::{PasswordRecovery, RecoveryEvent};
pub use reset::{PasswordReset, ResetEvent, ResetOutcome};
pub use settings::{PasswordChange, PasswordSettings, SettingsEvent, SettingsOutcome};

pub(crate) use recovery::{RecoveryRefusal, normalize_recovery_code, recover_password_call};

/// How many times in a row the challenge may be renewed (`SRP_ID_INVALID`).
const MAX_RENEWALS: u32 = 3;

/// A refusal of a password call, classified by name: the errors with a meaning of their own
/// get their variant.
pub(crate) fn refused(method: &'static str, error: RpcError) -> Error {
    use crate::RpcErrorKind as K;
    match error.kind() {
        K::NewSaltInvalid => Error::NewSaltInvalid,
        K::NewSettingsInvalid => Error::NewSettingsInvalid,
        K::PasswordRecoveryUnavailable if error.name == "PASSWORD_RECOVERY_NA" => {
            Error::RecoveryUnavailable
        }
        K::PasswordEmpty => Error::NoPassword,
        K::ResetRequestMissing => Error::ResetNotRequested,
        _ => Error::Rpc { method, error },
    }
}

/// A failed password call's error, with refusals classified.
pub(crate) fn classify(error: Error) -> Error {
    match error {
        Error::Rpc { method, error } => refused(method, error),
        other => other,
    }
}

/// `account.passwordInputSettings` setting `new` (with `hint`, and `email` if given).
pub(crate) fn set_settings(
    new: &NewPasswordHash,
    hint: &str,
    email: Option<String>,
) -> enums::account::PasswordInputSettings {
    types::account::PasswordInputSettings {
        new_password: Some(types::account::NewPasswordSettings {
            new_algo: types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
                salt1: new.algo.salt1.clone(),
                salt2: new.algo.salt2.clone(),
                g: new.algo.g,
                p: new.algo.p.clone(),
            }
            .into(),
            new_password_hash: crate::tl::SecretBytes::from(&new.hash[..]),
            hint: hint.to_owned(),
        }),
        email,
        new_secure_settings: None,
    }
    .into()
}

/// `account.passwordInputSettings` removing the password: `passwordKdfAlgoUnknown`, an empty
/// hash and an empty hint.
pub(crate) fn remove_settings() -> enums::account::PasswordInputSettings {
    types::account::PasswordInputSettings {
        new_password: Some(types::account::NewPasswordSettings {
            new_algo: types::PasswordKdfAlgoUnknown {}.into(),
            new_password_hash: crate::tl::SecretBytes::from(crate::srp::EMPTY_PASSWORD_HASH),
            hint: String::new(),
        }),
        email: None,
        new_secure_settings: None,
    }
    .into()
}

/// `account.passwordInputSettings` changing only the recovery email.
pub(crate) fn email_settings(email: String) -> enums::account::PasswordInputSettings {
    types::account::PasswordInputSettings {
        new_password: None,
        email: Some(email),
        new_secure_settings: None,
    }
    .into()
}

/// A `Bool` reply: `false` is an unexpected reply of `method`.
pub(crate) fn expect_true(method: &'static str, value: bool) -> Result<(), Error> {
    if value {
        Ok(())
    } else {
        Err(Error::UnexpectedReply {
            method,
            what: "boolFalse".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_errors_are_classified_by_name() {
        let e = |name: &str| refused("m", RpcError::new(400, name));
        assert_eq!(e("NEW_SALT_INVALID"), Error::NewSaltInvalid);
        assert_eq!(e("NEW_SETTINGS_INVALID"), Error::NewSettingsInvalid);
        assert_eq!(e("PASSWORD_RECOVERY_NA"), Error::RecoveryUnavailable);
        assert_eq!(e("PASSWORD_EMPTY"), Error::NoPassword);
        assert_eq!(e("RESET_REQUEST_MISSING"), Error::ResetNotRequested);
        assert_eq!(
            e("SOMETHING_ELSE"),
            Error::Rpc {
                method: "m",
                error: RpcError::new(400, "SOMETHING_ELSE")
            }
        );
        assert_eq!(
            classify(Error::FloodWait {
                method: "m",
                seconds: 9
            }),
            Error::FloodWait {
                method: "m",
                seconds: 9
            }
        );
    }

    #[test]
    fn machines_can_move_between_threads() {
        fn send<T: Send + 'static>() {}
        send::<PasswordSettings>();
        send::<PasswordRecovery>();
        send::<PasswordReset>();
        send::<crate::email_change::LoginEmailChange>();
        send::<NewPasswordAlgo>();
    }
}
