//! What a login tells its caller.

use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    DcId, Error, RpcError,
    account::{Authorization, EmailCode, PasswordInfo, TermsOfService},
    error::PaymentRequired,
};

use super::SentCode;

/// Something the caller (and usually the user) should know. Drain with `poll_event`.
///
/// `Done`, `Cancelled` and `Failed` are terminal: nothing follows them. Whatever an event says
/// that a question needs is also available from the login's getters while it waits for the
/// answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginEvent {
    /// A code was sent (or resent): ask the user for it ([`sent_code`](super::Login::sent_code)).
    CodeSent(SentCode),
    /// A Firebase SMS is offered, and goes out once the app proves the device's integrity:
    /// run the check the [`CodeKind::FirebaseSms`](super::CodeKind::FirebaseSms) fields ask
    /// for and give the result to `submit_integrity_proof`, or say why it failed with
    /// `report_integrity_failure`.
    IntegrityCheckRequired(SentCode),
    /// The login needs a payment before a code is sent: make it and continue with
    /// `check_paid_auth`, or `decline_payment`.
    PaymentRequired(PaymentRequired),
    /// The resend timeout passed: the code can now be resent with `resend_code`.
    ResendAvailable,
    /// The server refused to resend; the current code still stands.
    ResendFailed(RpcError),
    /// The code was wrong; ask again. `attempts` counts wrong codes so far.
    CodeInvalid {
        /// Wrong codes so far.
        attempts: u32,
    },
    /// The code expired; offer to resend it (`resend_code`).
    CodeExpired,
    /// No account has this number: show the terms and ask for a name (`sign_up`), or
    /// `decline_sign_up`.
    SignUpRequired {
        /// The terms of service to accept, when the server sent them.
        terms: Option<TermsOfService>,
    },
    /// The server refused the name given for sign-up; ask again.
    SignUpRefused(RpcError),
    /// The account has a 2FA password: ask for it and give it to `submit_password`.
    PasswordRequired(PasswordInfo),
    /// The password was wrong; ask again.
    PasswordInvalid {
        /// Wrong passwords so far.
        attempts: u32,
    },
    /// A recovery code was sent to the recovery email (after `request_password_recovery`):
    /// ask for it and answer with `submit_recovery_code` (or `check_recovery_code` first).
    /// The password may still be entered instead.
    RecoveryCodeSent {
        /// The recovery email, partly masked.
        email_pattern: String,
    },
    /// The account has no recovery email (`PASSWORD_RECOVERY_NA`): only the password helps.
    RecoveryUnavailable(RpcError),
    /// `check_recovery_code`: the code is right (nothing changed yet).
    RecoveryCodeValid,
    /// The recovery code was wrong; ask again.
    RecoveryCodeInvalid {
        /// Wrong recovery codes so far.
        attempts: u32,
    },
    /// The recovery code expired (`PASSWORD_RECOVERY_EXPIRED`): request a new one with
    /// `request_password_recovery`.
    RecoveryCodeExpired,
    /// The server refused the new password given with the recovery code
    /// (`NEW_SETTINGS_INVALID`); the code still stands.
    RecoveryPasswordRefused(RpcError),
    /// The account must set up a login email: ask for an address (`submit_email`), or a
    /// Google/Apple ID token where allowed (`submit_email_token`).
    EmailSetupRequired {
        /// Sign in with Apple may verify the email.
        apple_signin_allowed: bool,
        /// Sign in with Google may verify the email.
        google_signin_allowed: bool,
    },
    /// The server refused the email address; ask for another.
    EmailRefused(RpcError),
    /// A verification code was sent to the email: ask for it (`submit_email_code`).
    EmailCodeSent(EmailCode),
    /// The email code was wrong; ask again.
    EmailCodeInvalid {
        /// Wrong email codes so far.
        attempts: u32,
    },
    /// The server refused to reset the login email; the email code still stands.
    EmailResetRefused(RpcError),
    /// Google's Firebase phone-number verification must vouch for the number (layer 230):
    /// run it with the intent, and give its token to `submit_firebase_token`.
    FirebaseIntent(FirebaseIntent),
    /// The account lives on another data center: every later call goes there, and so should
    /// the session.
    DcChanged(DcId),
    /// The login went back to `auth.sendCode` (after a migration once a code was sent, or
    /// when the server asked with `AUTH_RESTART`); a new code will be sent.
    Restarted(RestartReason),
    /// The server asked to wait; the call is re-sent by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call goes out again.
        until: Instant,
    },
    /// Logged in. Terminal.
    Done(Box<Authorization>),
    /// The login was cancelled (or sign-up declined). Terminal.
    Cancelled,
    /// The login failed. Terminal.
    Failed(Error),
}

impl LoginEvent {
    /// Whether this event ends the login.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            LoginEvent::Done(_) | LoginEvent::Cancelled | LoginEvent::Failed(_)
        )
    }
}

/// Why the login went back to sending a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RestartReason {
    /// The account's home DC changed after a code was sent: the code is bound to the old
    /// DC's key.
    Migrated,
    /// The server answered `AUTH_RESTART`.
    ServerAsked,
    /// The code expired and cannot be resent another way: a new one is requested.
    CodeExpired,
}

/// What Google's Firebase phone-number verification is asked to vouch for
/// (`auth.firebasePnvIntent`). Both values are handed to the verification as they are.
#[derive(Clone, PartialEq, Eq)]
pub struct FirebaseIntent {
    /// The nonce the verification must sign.
    pub nonce: Zeroizing<String>,
    /// The digital-credential request payload.
    pub digital_credential_payload: String,
}

impl std::fmt::Debug for FirebaseIntent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirebaseIntent")
            .field("nonce", &"<redacted>")
            .field(
                "digital_credential_payload",
                &self.digital_credential_payload,
            )
            .finish()
    }
}
