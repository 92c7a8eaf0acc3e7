//! What a login tells its caller.

use std::time::Instant;

use crate::{DcId, RpcError, tl};

use super::{AuthError, SentCode};

/// Something the caller (and usually the user) should know. Drain with `poll_event`.
///
/// `LoggedIn`, `Cancelled` and `Failed` are terminal: nothing follows them.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A code was sent (or resent): ask the user for it.
    CodeSent(SentCode),
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
    /// The account has a 2FA password: ask for it, check it against
    /// `password_challenge()` and answer with `submit_password_check`.
    PasswordRequired(PasswordInfo),
    /// The password was wrong; a fresh challenge is ready. Ask again.
    PasswordInvalid {
        /// Wrong passwords so far.
        attempts: u32,
    },
    /// The server renewed the password challenge (its SRP id went stale): check the same
    /// password again against the new `password_challenge()`, without asking the user.
    PasswordChallengeRenewed,
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
    EmailCodeSent {
        /// The address, partly masked.
        email_pattern: String,
        /// Digits in the code.
        length: u32,
    },
    /// The email code was wrong; ask again.
    EmailCodeInvalid {
        /// Wrong email codes so far.
        attempts: u32,
    },
    /// The server refused to reset the login email; the email code still stands.
    EmailResetRefused(RpcError),
    /// The account lives on another data center: every later request goes there.
    HomeDcChanged(DcId),
    /// The login went back to `auth.sendCode` (after a migration once a code was sent, or
    /// when the server asked with `AUTH_RESTART`); a new code will be sent.
    Restarted(RestartReason),
    /// The server asked to wait; the request is re-sent by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the request goes out again.
        until: Instant,
    },
    /// Logged in. Terminal.
    LoggedIn(Box<Authorization>),
    /// The login was cancelled (or sign-up declined). Terminal.
    Cancelled,
    /// The login failed. Terminal.
    Failed(AuthError),
}

impl Event {
    /// Whether this event ends the login.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Event::LoggedIn(_) | Event::Cancelled | Event::Failed(_)
        )
    }
}

/// Why the login went back to sending a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartReason {
    /// The account's home DC changed after a code was sent: the code is bound to the old
    /// DC's key.
    Migrated,
    /// The server answered `AUTH_RESTART`.
    ServerAsked,
    /// The code expired and cannot be resent another way: a new one is requested.
    CodeExpired,
}

/// The terms of service shown before sign-up.
#[derive(Debug, Clone, PartialEq)]
pub struct TermsOfService {
    /// The terms' id (JSON), as the server sent it.
    pub id: String,
    /// The text.
    pub text: String,
    /// Formatting of the text.
    pub entities: Vec<tl::enums::MessageEntity>,
    /// The minimum age the user must confirm, if any.
    pub min_age_confirm: Option<i32>,
    /// Whether to show the terms in a popup that must be accepted.
    pub popup: bool,
}

impl TermsOfService {
    pub(crate) fn from_tl(t: &tl::enums::help::TermsOfService) -> Self {
        let tl::enums::help::TermsOfService::TermsOfService(t) = t;
        let tl::enums::DataJSON::DataJSON(id) = &t.id;
        TermsOfService {
            id: id.data.clone(),
            text: t.text.clone(),
            entities: t.entities.clone(),
            min_age_confirm: t.min_age_confirm,
            popup: t.popup,
        }
    }
}

/// What the server says about the account's 2FA password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordInfo {
    /// The hint the user set.
    pub hint: Option<String>,
    /// A recovery email is set: the password can be recovered by email.
    pub has_recovery: bool,
    /// A recovery email waiting for confirmation, partly masked.
    pub email_unconfirmed_pattern: Option<String>,
    /// The login email, partly masked.
    pub login_email_pattern: Option<String>,
    /// When a requested password reset completes (unix time), if one is pending.
    pub pending_reset_date: Option<i64>,
}

/// A successful login.
#[derive(Clone, PartialEq)]
pub struct Authorization {
    /// The data center the account lives on (where the authorized key is).
    pub dc: DcId,
    /// The user's id.
    pub user_id: i64,
    /// Whether the account is a bot.
    pub is_bot: bool,
    /// The server wants the user to set a 2FA password.
    pub setup_password_required: bool,
    /// Days after which the user must log in again unless a password is set.
    pub otherwise_relogin_days: Option<i32>,
    /// Temporary sessions left (for temporary logins).
    pub tmp_sessions: Option<i32>,
    /// The user, as the bytes the server sent (in the session's layer), for the caller's own
    /// types.
    pub user: tl::RawUser,
    /// A token for logging in again on this device without a code: store it with the
    /// logout tokens.
    pub future_auth_token: Option<Vec<u8>>,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("dc", &self.dc)
            .field("user_id", &self.user_id)
            .field("is_bot", &self.is_bot)
            .field("setup_password_required", &self.setup_password_required)
            .field("otherwise_relogin_days", &self.otherwise_relogin_days)
            .field("tmp_sessions", &self.tmp_sessions)
            .field("user", &self.user)
            .field(
                "future_auth_token",
                &self.future_auth_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// Builds the authorization from a decoded `auth.authorization`, if its user is real.
    pub(crate) fn from_tl(dc: DcId, a: &tl::types::auth::Authorization) -> Option<Self> {
        if a.user.is_empty() {
            return None;
        }
        Some(Authorization {
            dc,
            user_id: a.user.id(),
            is_bot: a.user.is_bot(),
            setup_password_required: a.setup_password_required(),
            otherwise_relogin_days: a.otherwise_relogin_days,
            tmp_sessions: a.tmp_sessions,
            user: a.user.clone(),
            future_auth_token: a.future_auth_token.clone(),
        })
    }
}
