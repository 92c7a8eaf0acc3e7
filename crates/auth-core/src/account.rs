//! What the flows tell their caller about the account: the [`Authorization`] a login ends with,
//! what the server says about the 2FA password ([`PasswordInfo`]), and the terms of service a
//! sign-up accepts.

use crate::{DcId, tl};

/// A successful login (or authorization transfer, or password recovery).
#[derive(Clone, PartialEq)]
pub struct Authorization {
    /// The data center the account lives on (where the authorized key is).
    pub dc: DcId,
    /// The layer the reply was decoded at, which [`user`](Self::user) is encoded in.
    pub layer: tl::Layer,
    /// The user's id (from [`user`](Self::user)).
    pub user_id: i64,
    /// Whether the account is a bot (from [`user`](Self::user)).
    pub is_bot: bool,
    /// The user, as the bytes the server sent, for the caller's own types at
    /// [`layer`](Self::layer).
    pub user: tl::RawUser,
    /// The server wants the user to set a 2FA password.
    pub setup_password_required: bool,
    /// Days after which the user must log in again unless a password is set.
    pub otherwise_relogin_days: Option<i32>,
    /// Temporary sessions left (for temporary logins).
    pub tmp_sessions: Option<i32>,
    /// A token for logging in again on this device without a code: store it with the
    /// logout tokens. Zeroized on drop.
    pub future_auth_token: Option<crate::tl::SecretBytes>,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("dc", &self.dc)
            .field("layer", &self.layer.get())
            .field("user_id", &self.user_id)
            .field("is_bot", &self.is_bot)
            .field("user", &self.user)
            .field("setup_password_required", &self.setup_password_required)
            .field("otherwise_relogin_days", &self.otherwise_relogin_days)
            .field("tmp_sessions", &self.tmp_sessions)
            .field(
                "future_auth_token",
                &self.future_auth_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Authorization {
    /// Builds the authorization from a decoded `auth.authorization`, if its user is real
    /// (`None` for `userEmpty`).
    pub(crate) fn from_tl(
        dc: DcId,
        layer: tl::Layer,
        a: &tl::types::auth::Authorization,
    ) -> Option<Self> {
        if a.user.is_empty() {
            return None;
        }
        Some(Authorization {
            dc,
            layer,
            user_id: a.user.id(),
            is_bot: a.user.is_bot(),
            user: a.user.clone(),
            setup_password_required: a.setup_password_required(),
            otherwise_relogin_days: a.otherwise_relogin_days,
            tmp_sessions: a.tmp_sessions,
            future_auth_token: a.future_auth_token.clone(),
        })
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

impl PasswordInfo {
    /// What `account.password` says.
    pub(crate) fn from_tl(p: &tl::types::account::Password) -> Self {
        PasswordInfo {
            hint: p.hint.clone(),
            has_recovery: p.has_recovery,
            email_unconfirmed_pattern: p.email_unconfirmed_pattern.clone(),
            login_email_pattern: p.login_email_pattern.clone(),
            pending_reset_date: p.pending_reset_date.map(i64::from),
        }
    }
}

/// A code sent to an email address, as a UI asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailCode {
    /// The address, partly masked.
    pub email_pattern: String,
    /// Digits in the code (0 if the server did not say).
    pub length: u32,
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
