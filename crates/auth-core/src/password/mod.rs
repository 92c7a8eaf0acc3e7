//! 2FA password management on an authorized session (core.telegram.org/api/srp): set, change
//! or remove the password, confirm a recovery email, recover a forgotten password by email,
//! and reset it with the server's waiting period.
//!
//! Each flow is a small sans-IO machine implementing [`Machine`](crate::machine::Machine),
//! with the [`Login`](crate::login::Login)'s shape: getters, `handle_*` (network and clock),
//! commands (the user's answers; a command in the wrong [`Phase`] returns a [`UsageError`] and
//! changes nothing), `poll_*` (output). Flood waits, migrations and transport retries follow
//! a [`RetryPolicy`](crate::machine::RetryPolicy), one [`Call`](crate::machine::Call) at a
//! time.
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
//! Proving the current password is [`SrpChallenge::check`](crate::srp::SrpChallenge::check)
//! and hashing a new one is [`NewPasswordAlgo::hash`]: one PBKDF2 run (100 000 iterations)
//! each. Both types are `Clone + Send`, so a caller runs them where slow work belongs and hands
//! the results to a command ([`PasswordSettings::update`]).
//!
//! ```
//! use std::time::Instant;
//! use auth_core::DcId;
//! use auth_core::machine::{Machine, RetryPolicy};
//! use auth_core::password::{PasswordSettings, SettingsEvent};
//! use auth_core::tl::{self, functions};
//!
//! let now = Instant::now();
//! let mut settings = PasswordSettings::new(DcId(2), RetryPolicy::default(), [7; 32], now);
//! let t = settings.poll_transmit().expect("account.getPassword is queued");
//! assert!(tl::decode::<functions::account::GetPassword>(&t.body).is_ok());
//! // ... answer it, wait for SettingsEvent::Ready, then compute and `update`.
//! # let _ = SettingsEvent::ChallengeRenewed;
//! ```

mod recovery;
mod reset;
mod sequence;
mod settings;

use crate::{
    RpcError,
    entropy::Entropy,
    login::{CodeFormatError, PasswordInfo},
    machine::CallError,
    srp::{NEW_SALT1_RANDOM_LEN, NewPasswordHash, SrpAlgo, SrpError, new_salt1, password_hash},
    tl::{enums, types},
};

pub use recovery::{PasswordRecovery, RecoveryEvent};
pub use reset::{PasswordReset, ResetEvent, ResetOutcome};
pub use settings::{Outcome, PasswordChange, PasswordSettings, SettingsEvent};

pub(crate) use recovery::{RecoveryRefusal, normalize_recovery_code, recover_password_call};
pub(crate) use sequence::CallSequence;

/// What a password machine is doing, as far as the caller is concerned. Each machine uses
/// the phases its flow has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A request is on its way, or waiting out a flood wait or retry delay.
    Working,
    /// [`PasswordSettings`]: the current settings are known; waiting for
    /// [`update`](PasswordSettings::update) (or an email command).
    AwaitingChange,
    /// [`PasswordSettings`]: waiting for the code sent to the new recovery email.
    AwaitingEmailCode,
    /// [`PasswordRecovery`]: waiting for the code sent to the recovery email.
    AwaitingRecoveryCode,
    /// Done, cancelled or failed.
    Finished,
}

/// A command that does not fit the machine's state, or input refused before anything was
/// sent. The machine is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// The command is not possible in this phase.
    #[error("`{command}` is not possible while the machine is {phase:?}")]
    WrongPhase {
        /// The command called.
        command: &'static str,
        /// What the machine is doing.
        phase: Phase,
    },
    /// A password is set: the change must prove it (a check of the current challenge).
    #[error("a password is set: prove the current password")]
    CurrentPasswordNeeded,
    /// No password is set: there is nothing to prove (or to remove).
    #[error("no password is set")]
    NoPassword,
    /// A password check computed for an older challenge.
    #[error("the password check is for an old challenge (srp_id {0})")]
    StaleChallenge(i64),
    /// The new password was hashed with an algorithm that is not this machine's
    /// [`NewPasswordAlgo`].
    #[error("the new password was not hashed with the offered algorithm")]
    ForeignAlgorithm,
    /// The server offered no algorithm this client knows for a new password.
    #[error("the server offers no known algorithm for a new password")]
    NewPasswordUnavailable,
    /// Not an email address.
    #[error("invalid email address")]
    InvalidEmail,
    /// The typed code cannot be right; nothing was sent.
    #[error("invalid code: {0}")]
    InvalidCode(#[from] CodeFormatError),
}

/// Why a password machine failed. Delivered once, as its terminal `Failed` event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PasswordError {
    /// The server refused with an error no rule of the flow covers.
    #[error("server refused: {0}")]
    Rpc(RpcError),
    /// A flood wait too long, migrations in circles, a malformed reply or a failing
    /// transport.
    #[error(transparent)]
    Call(CallError),
    /// `NEW_SALT_INVALID`: the new password's `salt1` does not extend the server's.
    #[error("the server refused the new password's salt")]
    NewSaltInvalid,
    /// `NEW_SETTINGS_INVALID`: the server refused the new settings.
    #[error("the server refused the new password settings")]
    NewSettingsInvalid,
    /// The server's 2FA parameters failed the SRP safety checks.
    #[error("unsafe 2FA parameters from the server: {0}")]
    PasswordParameters(SrpError),
    /// The current password uses a KDF this client does not know.
    #[error("unsupported password algorithm")]
    UnsupportedAlgorithm,
    /// The server kept renewing the password challenge.
    #[error("the password challenge went stale too often")]
    ChallengeUnstable,
    /// `PASSWORD_RECOVERY_NA`: no recovery email is set.
    #[error("the password cannot be recovered by email: no recovery email is set")]
    RecoveryUnavailable,
    /// `PASSWORD_EMPTY` (or no password in `account.password`): the account has no password.
    #[error("the account has no 2FA password")]
    NoPassword,
    /// `RESET_REQUEST_MISSING`: no password reset is in progress.
    #[error("no password reset is in progress")]
    ResetNotRequested,
    /// The server's reply decoded but makes no sense here.
    #[error("unexpected reply to {method}: {what}")]
    UnexpectedReply {
        /// The call answered.
        method: &'static str,
        /// What arrived.
        what: String,
    },
}

impl From<CallError> for PasswordError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Rpc(e) => PasswordError::from(e),
            other => PasswordError::Call(other),
        }
    }
}

impl From<RpcError> for PasswordError {
    /// Classifies by name: the errors with a meaning of their own get their variant.
    fn from(e: RpcError) -> Self {
        use crate::RpcErrorKind as K;
        match e.kind() {
            K::NewSaltInvalid => PasswordError::NewSaltInvalid,
            K::NewSettingsInvalid => PasswordError::NewSettingsInvalid,
            K::PasswordRecoveryUnavailable if e.name == "PASSWORD_RECOVERY_NA" => {
                PasswordError::RecoveryUnavailable
            }
            K::PasswordEmpty => PasswordError::NoPassword,
            K::ResetRequestMissing => PasswordError::ResetNotRequested,
            _ => PasswordError::Rpc(e),
        }
    }
}

/// The algorithm a new password is hashed with: the server's `new_algo` with `salt1` already
/// extended by 32 random bytes (drawn by the machine that received it).
///
/// `Clone + Send`: run [`hash`](Self::hash) (one PBKDF2 run) where slow work belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPasswordAlgo {
    algo: SrpAlgo,
    /// Length of the server's part of `salt1`.
    server_salt1_len: usize,
}

impl NewPasswordAlgo {
    /// Extends the server's `new_algo` with fresh salt from `entropy`.
    pub(crate) fn draw(server: &SrpAlgo, entropy: &mut Entropy) -> Self {
        let mut salt = entropy.fork(b"tgauth/password/new-salt1");
        NewPasswordAlgo {
            algo: SrpAlgo {
                salt1: new_salt1(&server.salt1, &mut salt),
                ..server.clone()
            },
            server_salt1_len: server.salt1.len(),
        }
    }

    /// The algorithm with the extended `salt1` (what `new_algo` will say).
    pub fn algo(&self) -> &SrpAlgo {
        &self.algo
    }

    /// The new password's `new_password_hash = v = g^x mod p` with these salts: one PBKDF2
    /// run and one modular exponentiation. Pure; the password is used as given.
    ///
    /// # Errors
    ///
    /// The `p` and `g` checks of [`SrpError`] (the server's `new_algo` is unsafe): give up.
    pub fn hash(&self, password: &[u8]) -> Result<NewPasswordHash, SrpError> {
        let hash = password_hash(&self.algo, password)?;
        Ok(NewPasswordHash {
            algo: self.algo.clone(),
            hash: *hash,
        })
    }

    /// Whether `new` was hashed with an extension of the same server algorithm (any 32
    /// random bytes after the server's `salt1`).
    pub(crate) fn accepts(&self, new: &NewPasswordHash) -> bool {
        let server_salt1 = &self.algo.salt1[..self.server_salt1_len.min(self.algo.salt1.len())];
        new.algo.salt1.len() == self.server_salt1_len + NEW_SALT1_RANDOM_LEN
            && new.algo.salt1.starts_with(server_salt1)
            && new.algo.salt2 == self.algo.salt2
            && new.algo.g == self.algo.g
            && new.algo.p == self.algo.p
    }
}

/// The SRP parameters of a known KDF, or `None` for `passwordKdfAlgoUnknown`.
pub(crate) fn algo_from_tl(algo: &enums::PasswordKdfAlgo) -> Option<SrpAlgo> {
    match algo {
        enums::PasswordKdfAlgo::SHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(a) => {
            Some(SrpAlgo {
                salt1: a.salt1.clone(),
                salt2: a.salt2.clone(),
                g: a.g,
                p: a.p.clone(),
            })
        }
        enums::PasswordKdfAlgo::Unknown(_) => None,
    }
}

/// What `account.password` says, for the caller.
pub(crate) fn info_from_tl(p: &types::account::Password) -> PasswordInfo {
    PasswordInfo {
        hint: p.hint.clone(),
        has_recovery: p.has_recovery,
        email_unconfirmed_pattern: p.email_unconfirmed_pattern.clone(),
        login_email_pattern: p.login_email_pattern.clone(),
        pending_reset_date: p.pending_reset_date.map(i64::from),
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
            new_password_hash: new.hash.to_vec(),
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
            new_password_hash: crate::srp::EMPTY_PASSWORD_HASH.to_vec(),
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

/// The `inputCheckPasswordSRP` of a check, or `inputCheckPasswordEmpty`.
pub(crate) fn check_to_tl(
    check: Option<&crate::srp::PasswordCheck>,
) -> enums::InputCheckPasswordSRP {
    match check {
        Some(c) => types::InputCheckPasswordSRP {
            srp_id: c.srp_id,
            a: c.a.to_vec(),
            m1: c.m1.to_vec(),
        }
        .into(),
        None => types::InputCheckPasswordEmpty {}.into(),
    }
}

/// A trimmed address that looks like one (the server has the last word), or `None`.
pub(crate) fn plausible_email(email: &str) -> Option<&str> {
    let email = email.trim();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    valid.then_some(email)
}

/// The address partly masked, as the server shows such addresses (`a***@example.com`).
pub(crate) fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Decodes a `Bool` reply: `false` is an unexpected reply of `method`.
pub(crate) fn expect_true(method: &'static str, value: bool) -> Result<(), PasswordError> {
    if value {
        Ok(())
    } else {
        Err(PasswordError::UnexpectedReply {
            method,
            what: "boolFalse".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srp::{SrpVerifier, TELEGRAM_P};

    fn server_algo() -> SrpAlgo {
        SrpAlgo {
            salt1: vec![0xaa; 8],
            salt2: vec![0xbb; 16],
            g: 3,
            p: TELEGRAM_P.to_vec(),
        }
    }

    #[test]
    fn new_algo_extends_salt1_and_accepts_only_its_extensions() {
        let mut entropy = Entropy::deterministic([1; 32]);
        let algo = NewPasswordAlgo::draw(&server_algo(), &mut entropy);
        assert_eq!(algo.algo().salt1.len(), 40);
        assert_eq!(&algo.algo().salt1[..8], &[0xaa; 8]);
        let other = NewPasswordAlgo::draw(&server_algo(), &mut entropy);
        assert_ne!(algo.algo().salt1, other.algo().salt1);

        let new = algo.hash(b"new").expect("valid group");
        let verifier = SrpVerifier::from_password(&new.algo, b"new").expect("valid");
        assert_eq!(&new.hash, verifier.password_hash());
        // Another extension of the same server salt is fine; a foreign salt is not.
        assert!(algo.accepts(&new));
        assert!(other.accepts(&new));
        let mut foreign = new.clone();
        foreign.algo.salt1[0] ^= 1;
        assert!(!algo.accepts(&foreign));
        let mut short = new.clone();
        short.algo.salt1.pop();
        assert!(!algo.accepts(&short));
    }

    #[test]
    fn rpc_errors_are_classified_by_name() {
        let e = |name: &str| PasswordError::from(RpcError::new(400, name));
        assert_eq!(e("NEW_SALT_INVALID"), PasswordError::NewSaltInvalid);
        assert_eq!(e("NEW_SETTINGS_INVALID"), PasswordError::NewSettingsInvalid);
        assert_eq!(
            e("PASSWORD_RECOVERY_NA"),
            PasswordError::RecoveryUnavailable
        );
        assert_eq!(e("PASSWORD_EMPTY"), PasswordError::NoPassword);
        assert_eq!(e("RESET_REQUEST_MISSING"), PasswordError::ResetNotRequested);
        assert_eq!(
            e("SOMETHING_ELSE"),
            PasswordError::Rpc(RpcError::new(400, "SOMETHING_ELSE"))
        );
        assert_eq!(
            PasswordError::from(CallError::FloodWait { seconds: 9 }),
            PasswordError::Call(CallError::FloodWait { seconds: 9 })
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

    #[test]
    fn emails_are_checked_and_masked() {
        assert_eq!(
            plausible_email(" ada@example.com "),
            Some("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "a da@x.com",
            "a@b@c.com",
            "a@.x",
        ] {
            assert_eq!(plausible_email(bad), None, "{bad}");
        }
        assert_eq!(mask_email("ada@example.com"), "a***@example.com");
    }
}
