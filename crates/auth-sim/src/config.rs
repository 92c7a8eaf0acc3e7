//! How the simulator behaves: [`SimConfig`] for the whole server, [`AccountConfig`] and
//! [`BotConfig`] for the accounts it knows from the start.

use std::time::Duration;

use auth_core::DcId;
use auth_core::tl::{enums, types};

/// How a login code reaches the user. An account's delivery *chain* is a list of these: the
/// first is used by `auth.sendCode`, each `auth.resendCode` moves one step along.
///
/// Only [`Sms`](Self::Sms), [`Call`](Self::Call), [`FlashCall`](Self::FlashCall),
/// [`MissedCall`](Self::MissedCall) and [`Fragment`](Self::Fragment) can be announced as a
/// `next_type` (`auth.CodeType` has no app or Firebase constructor), so [`App`](Self::App) and
/// [`FirebaseSms`](Self::FirebaseSms) can only start a chain: a chain stops before the first
/// later one of them.
///
/// The client's `codeSettings` are honoured: a flash call is used only when it set
/// `allow_flashcall`, a missed call only with `allow_missed_call`, a Firebase SMS only with
/// `allow_firebase` (Android) or an app token (iOS); other deliveries are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeDelivery {
    /// `auth.sentCodeTypeApp`: a service message in the user's other sessions.
    App,
    /// `auth.sentCodeTypeSms`.
    Sms,
    /// `auth.sentCodeTypeCall`: a voice call reading the code.
    Call,
    /// `auth.sentCodeTypeFlashCall`: a call from a number matching the pattern `prefix` then
    /// `*` (just `*` when `prefix` has no digits), as Telegram sends them. The code to enter is
    /// the whole calling number, digits only (the digits of `prefix`, then the code).
    FlashCall {
        /// The fixed start of the calling number, e.g. `"+99999"`.
        prefix: String,
    },
    /// `auth.sentCodeTypeMissedCall`: a missed call from `prefix` followed by the code; the code
    /// to enter is the last `length` digits of the calling number.
    MissedCall {
        /// The fixed start of the calling number, e.g. `"+99988"`.
        prefix: String,
    },
    /// `auth.sentCodeTypeFragmentSms`: the code is shown on fragment.com at `url`.
    Fragment {
        /// The URL announced to the client.
        url: String,
    },
    /// `auth.sentCodeTypeFirebaseSms`: an SMS sent only once the app proves the device's
    /// integrity with `auth.requestFirebaseSms` — on Android a SafetyNet or Play Integrity
    /// token for the announced nonce ([`integrity_token`](crate::integrity_token)), on iOS the
    /// secret of the push the simulator "sends" ([`Delivery::FirebasePush`](crate::Delivery)).
    FirebaseSms,
}

impl CodeDelivery {
    /// The `auth.CodeType` announcing this delivery as a `next_type`, if it has one.
    pub(crate) fn code_type(&self) -> Option<enums::auth::CodeType> {
        Some(match self {
            CodeDelivery::App | CodeDelivery::FirebaseSms => return None,
            CodeDelivery::Sms => types::auth::CodeTypeSms {}.into(),
            CodeDelivery::Call => types::auth::CodeTypeCall {}.into(),
            CodeDelivery::FlashCall { .. } => types::auth::CodeTypeFlashCall {}.into(),
            CodeDelivery::MissedCall { .. } => types::auth::CodeTypeMissedCall {}.into(),
            CodeDelivery::Fragment { .. } => types::auth::CodeTypeFragmentSms {}.into(),
        })
    }
}

/// Configuration of the whole simulated server. Every field has a default (see
/// [`SimConfig::default`]); tests usually change one or two:
///
/// ```
/// use std::time::Duration;
/// let config = auth_sim::SimConfig {
///     send_code_window: Duration::from_secs(2),
///     ..auth_sim::SimConfig::default()
/// };
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Seed of every random value the simulator produces (codes of ordinary numbers,
    /// `phone_code_hash`es, tokens, user ids' access hashes, SRP `b`, salts). Same seed and same
    /// calls → same bytes.
    pub seed: [u8; 32],
    /// Digits in a login or email code (default 5; clamped to 1..=16).
    pub code_length: usize,
    /// How long a login code (and an email or recovery code) stays valid (default 10 minutes).
    pub code_ttl: Duration,
    /// The `timeout` announced with a `next_type`, after which the client may resend
    /// (default 60 s).
    pub resend_timeout: Duration,
    /// Wrong codes accepted for one `phone_code_hash` before it is invalidated (default 5).
    pub max_code_attempts: u32,
    /// `auth.sendCode` calls that send a code, per phone number and per
    /// [`send_code_window`](Self::send_code_window) (default 5).
    pub send_code_limit: u32,
    /// The sliding window of [`send_code_limit`](Self::send_code_limit) (default one day).
    pub send_code_window: Duration,
    /// Wrong 2FA passwords per account and per
    /// [`password_attempt_window`](Self::password_attempt_window) (default 5).
    pub password_attempt_limit: u32,
    /// The sliding window of [`password_attempt_limit`](Self::password_attempt_limit)
    /// (default one hour).
    pub password_attempt_window: Duration,
    /// The DC nearest the client's address, as Telegram judges it from the IP (default DC 2;
    /// what `help.getNearestDc` answers). `auth.sendCode` for a number without an account
    /// (and not a test number) on another DC answers `303 NETWORK_MIGRATE_X` with it
    /// (api/datacenter); `None` serves such numbers on whatever DC they arrive at.
    pub nearest_dc: Option<DcId>,
    /// Whether unknown numbers that are not test numbers may sign up (default `true`). When
    /// `false`, the right code for such a number gets `400 PHONE_NUMBER_UNOCCUPIED`.
    pub allow_sign_up: bool,
    /// Delivery chain of configured accounts that do not set their own
    /// (default: app, then SMS).
    pub default_delivery: Vec<CodeDelivery>,
    /// Delivery chain of numbers without an account (default: SMS, then a call).
    pub sign_up_delivery: Vec<CodeDelivery>,
    /// The unix time reported at the first `now` the simulator sees; later unix times are this
    /// plus the time elapsed since (default 1 767 225 600, 2026-01-01T00:00:00Z).
    pub unix_time_base: i64,
    /// Accepted `(api_id, api_hash)` pairs; `None` (the default) accepts any `api_id > 0` with a
    /// non-empty `api_hash`. Others get `400 API_ID_INVALID`.
    pub api_credentials: Option<Vec<(i32, String)>>,
    /// Whether successful logins carry a fresh `future_auth_token` (default `true`).
    pub future_auth_token_on_login: bool,
    /// How long a logout token (`future_auth_token`) skips the code after it was issued
    /// (default 30 days); an older one is ignored, and a code is sent.
    pub logout_token_ttl: Duration,
    /// How long `auth.resetLoginEmail` waits before resetting (default `None`: at once). With a
    /// wait, the first call answers an email code type with `reset_pending_date`, and a call
    /// after that date resets.
    pub email_reset_wait: Option<Duration>,
    /// The terms of service sent with `auth.authorizationSignUpRequired`.
    pub terms_of_service: types::help::TermsOfService,
    /// How many entries the call log and the delivery queue keep (oldest dropped first;
    /// default 10 000).
    pub log_capacity: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: *b"tgauth/auth-sim/default-seed/v1!",
            code_length: 5,
            code_ttl: Duration::from_secs(600),
            resend_timeout: Duration::from_secs(60),
            max_code_attempts: 5,
            send_code_limit: 5,
            send_code_window: Duration::from_secs(24 * 3600),
            password_attempt_limit: 5,
            password_attempt_window: Duration::from_secs(3600),
            nearest_dc: Some(DcId(2)),
            allow_sign_up: true,
            default_delivery: vec![CodeDelivery::App, CodeDelivery::Sms],
            sign_up_delivery: vec![CodeDelivery::Sms, CodeDelivery::Call],
            unix_time_base: 1_767_225_600,
            api_credentials: None,
            future_auth_token_on_login: true,
            logout_token_ttl: Duration::from_secs(30 * 24 * 3600),
            email_reset_wait: None,
            terms_of_service: default_terms_of_service(),
            log_capacity: 10_000,
        }
    }
}

/// The default terms of service: a short text with a bold span and a link, a minimum age and
/// the popup flag.
pub fn default_terms_of_service() -> types::help::TermsOfService {
    let text = "By signing up for the simulated Telegram you agree to the Terms of Service.";
    let bold_start = text.find("simulated").unwrap_or(0);
    let link_start = text.find("Terms of Service").unwrap_or(0);
    types::help::TermsOfService {
        popup: true,
        id: types::DataJSON {
            data: r#"{"id":"auth-sim-tos-1"}"#.into(),
        }
        .into(),
        text: text.into(),
        entities: vec![
            types::MessageEntityBold {
                offset: utf16_len(text.get(..bold_start).unwrap_or_default()),
                length: utf16_len("simulated Telegram"),
            }
            .into(),
            types::MessageEntityTextUrl {
                offset: utf16_len(text.get(..link_start).unwrap_or_default()),
                length: utf16_len("Terms of Service"),
                url: "https://telegram.org/tos".into(),
            }
            .into(),
        ],
        min_age_confirm: Some(16),
    }
}

/// Length in UTF-16 code units, as message entities count.
fn utf16_len(s: &str) -> i32 {
    i32::try_from(s.encode_utf16().count()).unwrap_or(i32::MAX)
}

/// A 2FA password as the server stores it.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    /// `salt1` of the password's algorithm (at least 8 bytes).
    pub salt1: Vec<u8>,
    /// `salt2`.
    pub salt2: Vec<u8>,
    /// `v = g^x mod p`, big-endian, at most 256 bytes.
    pub v: Vec<u8>,
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHash")
            .field("salt1", &self.salt1.len())
            .field("salt2", &self.salt2.len())
            .field("v", &"<redacted>")
            .finish()
    }
}

/// An account known to the simulator from the start. Build it with [`AccountConfig::new`] and
/// the `with_*` methods, then pass it to [`Sim::add_account`](crate::Sim::add_account):
///
/// ```
/// use auth_sim::{AccountConfig, CodeDelivery};
/// use auth_core::DcId;
/// let account = AccountConfig::new("+1 555 0100", DcId(2))
///     .with_name("Ada", "Lovelace")
///     .with_password("hunter2")
///     .with_hint("the usual")
///     .with_recovery_email("ada@example.com")
///     .with_delivery(vec![CodeDelivery::Sms, CodeDelivery::Call]);
/// # let _ = account;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// The phone number, in any format (normalised to digits).
    pub phone: String,
    /// The account's home DC.
    pub home_dc: DcId,
    /// First name (default `"Test"`).
    pub first_name: String,
    /// Last name (default empty).
    pub last_name: String,
    /// The 2FA password, if any (stored by the simulator only as salts and `v`).
    pub password: Option<String>,
    /// A 2FA password given as its stored form (wins over [`password`](Self::password)):
    /// no PBKDF2 run when the account is added.
    pub password_hash: Option<PasswordHash>,
    /// The password hint shown by `account.getPassword`.
    pub hint: Option<String>,
    /// The 2FA recovery email (enables `auth.requestPasswordRecovery`).
    pub recovery_email: Option<String>,
    /// The login email: when set, login codes are sent there (`auth.sentCodeTypeEmailCode`).
    pub login_email: Option<String>,
    /// Whether a login email must be set up before logging in
    /// (`auth.sentCodeTypeSetUpEmailRequired` while there is none).
    pub email_setup_required: bool,
    /// A Google ID token accepted by `account.verifyEmail` / `auth.signIn`, and the email it
    /// stands for.
    pub google_signin: Option<(String, String)>,
    /// An Apple ID token accepted likewise, and the email it stands for.
    pub apple_signin: Option<(String, String)>,
    /// The code delivery chain (default: [`SimConfig::default_delivery`]).
    pub delivery: Option<Vec<CodeDelivery>>,
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("phone", &self.phone)
            .field("home_dc", &self.home_dc)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_hash", &self.password_hash)
            .field("hint", &self.hint)
            .field("recovery_email", &self.recovery_email)
            .field("login_email", &self.login_email)
            .field("email_setup_required", &self.email_setup_required)
            .field(
                "google_signin",
                &self.google_signin.as_ref().map(|(_, e)| e),
            )
            .field("apple_signin", &self.apple_signin.as_ref().map(|(_, e)| e))
            .field("delivery", &self.delivery)
            .finish()
    }
}

impl AccountConfig {
    /// An account for `phone` living on `home_dc`, named "Test", without password or email.
    pub fn new(phone: impl Into<String>, home_dc: DcId) -> Self {
        AccountConfig {
            phone: phone.into(),
            home_dc,
            first_name: "Test".into(),
            last_name: String::new(),
            password: None,
            password_hash: None,
            hint: None,
            recovery_email: None,
            login_email: None,
            email_setup_required: false,
            google_signin: None,
            apple_signin: None,
            delivery: None,
        }
    }

    /// Sets the first and last name.
    #[must_use]
    pub fn with_name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = first.into();
        self.last_name = last.into();
        self
    }

    /// Enables 2FA with this password.
    #[must_use]
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Enables 2FA with a password given as salts and `v = g^x mod p` (Telegram's prime,
    /// `g` = 3), e.g. computed once with `auth_core::srp::password_hash`, or any 256 bytes for
    /// tests that never log in with it.
    #[must_use]
    pub fn with_password_hash(mut self, hash: PasswordHash) -> Self {
        self.password_hash = Some(hash);
        self
    }

    /// Sets the password hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the 2FA recovery email.
    #[must_use]
    pub fn with_recovery_email(mut self, email: impl Into<String>) -> Self {
        self.recovery_email = Some(email.into());
        self
    }

    /// Sets the login email: codes go there instead of the phone.
    #[must_use]
    pub fn with_login_email(mut self, email: impl Into<String>) -> Self {
        self.login_email = Some(email.into());
        self
    }

    /// Requires a login email: until one is set up, `auth.sendCode` answers
    /// `auth.sentCodeTypeSetUpEmailRequired`.
    #[must_use]
    pub fn with_email_setup_required(mut self) -> Self {
        self.email_setup_required = true;
        self
    }

    /// Accepts the Google ID `token` as proof of `email` (sets `google_signin_allowed`).
    #[must_use]
    pub fn with_google_signin(
        mut self,
        token: impl Into<String>,
        email: impl Into<String>,
    ) -> Self {
        self.google_signin = Some((token.into(), email.into()));
        self
    }

    /// Accepts the Apple ID `token` as proof of `email` (sets `apple_signin_allowed`).
    #[must_use]
    pub fn with_apple_signin(mut self, token: impl Into<String>, email: impl Into<String>) -> Self {
        self.apple_signin = Some((token.into(), email.into()));
        self
    }

    /// Sets the code delivery chain (see [`CodeDelivery`]); an empty chain means SMS.
    #[must_use]
    pub fn with_delivery(mut self, chain: Vec<CodeDelivery>) -> Self {
        self.delivery = Some(chain);
        self
    }
}

/// A bot known to the simulator, logged in with `auth.importBotAuthorization`.
#[derive(Clone, PartialEq, Eq)]
pub struct BotConfig {
    /// The bot token, `<bot id>:<secret>`.
    pub token: String,
    /// The bot's home DC.
    pub home_dc: DcId,
    /// The bot's name (default `"Test Bot"`).
    pub first_name: String,
    /// The bot's username (default `"sim_bot"`).
    pub username: String,
}

impl std::fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotConfig")
            .field("token", &"<redacted>")
            .field("home_dc", &self.home_dc)
            .field("first_name", &self.first_name)
            .field("username", &self.username)
            .finish()
    }
}

impl BotConfig {
    /// A bot with this token (`<bot id>:<secret>`) living on `home_dc`.
    pub fn new(token: impl Into<String>, home_dc: DcId) -> Self {
        BotConfig {
            token: token.into(),
            home_dc,
            first_name: "Test Bot".into(),
            username: "sim_bot".into(),
        }
    }

    /// Sets the bot's name and username.
    #[must_use]
    pub fn with_name(mut self, first_name: impl Into<String>, username: impl Into<String>) -> Self {
        self.first_name = first_name.into();
        self.username = username.into();
        self
    }
}
