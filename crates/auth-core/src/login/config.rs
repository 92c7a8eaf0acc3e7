//! What a login needs to know before it starts.

use crate::{config::SessionConfig, error::UsageError, logout_tokens::LogoutTokens, tl, tl::Layer};

/// Choices sent in `codeSettings` with `auth.sendCode`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CodeSettings {
    /// The device can receive a flash call and read the calling number.
    pub allow_flashcall: bool,
    /// The phone number is the one of this device's SIM.
    pub current_number: bool,
    /// The app can read an SMS with its hash (Android SMS Retriever).
    pub allow_app_hash: bool,
    /// The device can receive a missed call and read the calling number.
    pub allow_missed_call: bool,
    /// Firebase SMS is possible (official apps only).
    pub allow_firebase: bool,
    /// The number is not in the device's SIM (a hint for the server).
    pub unknown_number: bool,
    /// Push token for Firebase on iOS, and whether it is a sandbox token.
    pub app_token: Option<(String, bool)>,
}

impl std::fmt::Debug for CodeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeSettings")
            .field("allow_flashcall", &self.allow_flashcall)
            .field("current_number", &self.current_number)
            .field("allow_app_hash", &self.allow_app_hash)
            .field("allow_missed_call", &self.allow_missed_call)
            .field("allow_firebase", &self.allow_firebase)
            .field("unknown_number", &self.unknown_number)
            .field("app_token", &self.app_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Configuration of a login (phone, QR code, bot or Firebase): the app's credentials, the
/// session it runs on, and the choices sent with the code request.
///
/// ```
/// use auth_core::login::Config;
/// let mut config = Config::new(12345, "0123abcd");
/// config.session.layer = 230; // what the caller's session declared with invokeWithLayer
/// config.session.dc = auth_core::DcId(4); // where the first call goes
/// ```
#[derive(Clone)]
pub struct Config {
    /// The app's `api_id` from my.telegram.org.
    pub api_id: i32,
    /// The app's `api_hash`.
    pub api_hash: String,
    /// The session: where the first call goes (before the home DC is known), its layer, the
    /// retry rules.
    pub session: SessionConfig,
    /// `codeSettings` choices.
    pub code_settings: CodeSettings,
    /// Future auth tokens from earlier logouts on this device; all are sent with
    /// `auth.sendCode` so that a matching one can skip the code.
    pub logout_tokens: LogoutTokens,
    /// `auth.signUp` with `no_joined_notifications`: don't tell contacts the user joined.
    pub no_joined_notifications: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("api_id", &self.api_id)
            .field("api_hash", &"<redacted>")
            .field("session", &self.session)
            .field("code_settings", &self.code_settings)
            .field("logout_tokens", &self.logout_tokens.len())
            .field("no_joined_notifications", &self.no_joined_notifications)
            .finish()
    }
}

impl Config {
    /// A configuration with Telegram-like defaults for the given app credentials: DC 2,
    /// [`LAYER`](crate::LAYER), the default [`RetryPolicy`](crate::RetryPolicy).
    pub fn new(api_id: i32, api_hash: impl Into<String>) -> Self {
        Config {
            api_id,
            api_hash: api_hash.into(),
            session: SessionConfig::default(),
            code_settings: CodeSettings::default(),
            logout_tokens: LogoutTokens::new(),
            no_joined_notifications: false,
        }
    }

    /// Checks the credentials and the session; the layer to decode at.
    pub(crate) fn check(&self) -> Result<Layer, UsageError> {
        if self.api_id <= 0 {
            return Err(UsageError::InvalidConfig("api_id must be positive"));
        }
        if self.api_hash.is_empty() {
            return Err(UsageError::InvalidConfig("api_hash is empty"));
        }
        crate::input::encodable(&self.api_hash)?;
        self.session.check()
    }

    pub(crate) fn tl_code_settings(&self) -> tl::enums::CodeSettings {
        let s = &self.code_settings;
        let tokens = self.logout_tokens.to_vec();
        tl::types::CodeSettings {
            allow_flashcall: s.allow_flashcall,
            current_number: s.current_number,
            allow_app_hash: s.allow_app_hash,
            allow_missed_call: s.allow_missed_call,
            allow_firebase: s.allow_firebase,
            unknown_number: s.unknown_number,
            logout_tokens: (!tokens.is_empty()).then_some(tokens),
            app_token: s.app_token.as_ref().map(|(token, sandbox)| {
                tl::types::CodeSettingsAppToken {
                    token: tl::SecretString::from(token.as_str()),
                    app_sandbox: *sandbox,
                }
            }),
        }
        .into()
    }
}
