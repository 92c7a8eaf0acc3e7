//! What a login needs to know before it starts.

use std::time::Duration;

use crate::{DcId, logout_tokens::LogoutTokens, tl};

/// Choices sent in `codeSettings` with `auth.sendCode`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

/// Configuration of a login: the app's credentials and how patient to be.
#[derive(Debug, Clone)]
pub struct Config {
    /// The app's `api_id` from my.telegram.org.
    pub api_id: i32,
    /// The app's `api_hash`.
    pub api_hash: String,
    /// `codeSettings` choices.
    pub code_settings: CodeSettings,
    /// Future auth tokens from earlier logouts on this device; all are sent with
    /// `auth.sendCode` so that a matching one can skip the code.
    pub logout_tokens: LogoutTokens,
    /// Where to send the first request, before the home DC is known.
    pub initial_dc: DcId,
    /// `auth.signUp` with `no_joined_notifications`: don't tell contacts the user joined.
    pub no_joined_notifications: bool,
    /// The longest `FLOOD_WAIT` worth waiting out automatically; longer ones fail the login
    /// with the wait so the app can tell the user.
    pub max_flood_wait: Duration,
    /// How many flood waits one login waits out before giving up.
    pub flood_wait_budget: u32,
    /// How many times a request is re-sent after the transport failed to deliver it.
    pub transport_retries: u32,
    /// Pause before re-sending after a transport failure.
    pub transport_retry_delay: Duration,
    /// How many DC migrations one login follows before calling it a loop.
    pub max_migrations: u32,
}

impl Config {
    /// A configuration with Telegram-like defaults for the given app credentials.
    pub fn new(api_id: i32, api_hash: impl Into<String>) -> Self {
        Config {
            api_id,
            api_hash: api_hash.into(),
            code_settings: CodeSettings::default(),
            logout_tokens: LogoutTokens::new(),
            initial_dc: DcId::DEFAULT,
            no_joined_notifications: false,
            max_flood_wait: Duration::from_secs(60),
            flood_wait_budget: 3,
            transport_retries: 2,
            transport_retry_delay: Duration::from_millis(500),
            max_migrations: 3,
        }
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
                    token: token.clone(),
                    app_sandbox: *sandbox,
                }
            }),
        }
        .into()
    }
}
