//! A deterministic, sans-IO simulated Telegram authorization server.
//!
//! Library authors test their login screens against Telegram's test DCs and hit flood limits;
//! this crate is a local server that behaves like those DCs. It is also the oracle of tgauth's
//! end-to-end tests and the backend of its demo.
//!
//! [`Sim::handle`] takes one TL-serialized API call (`auth.sendCode`, `auth.signIn`, ...,
//! optionally wrapped in `invokeWithLayer` / `initConnection`) that arrived on `client_key` of
//! data center `dc`, and returns the TL-serialized result or `rpc_error`. Encryption, message
//! ids and `rpc_result` belong to the caller's MTProto session. [`Sim::invoke`] is the typed
//! version for tests:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use auth_core::DcId;
//! use auth_core::tl::{enums, functions, types};
//! use auth_sim::{AccountConfig, Sim, SimConfig};
//!
//! let mut sim = Sim::new(SimConfig::default());
//! sim.add_account(AccountConfig::new("+999 66 2 1234", DcId(2)).with_name("Ada", "L")).unwrap();
//! # #[allow(clippy::disallowed_methods)]
//! let now = Instant::now();
//! let sent = sim.invoke(now, DcId(2), 1, &functions::auth::SendCode {
//!     phone_number: "+999 66 2 1234".into(),
//!     api_id: 1,
//!     api_hash: "hash".into(),
//!     settings: types::CodeSettings::default().into(),
//! });
//! let Ok(enums::auth::SentCode::SentCode(sent)) = sent else { unreachable!() };
//! let code = sim.last_code("9996621234").unwrap().to_owned(); // "22222"
//! let login = sim.invoke(now + Duration::from_secs(5), DcId(2), 1, &functions::auth::SignIn {
//!     phone_number: "9996621234".into(),
//!     phone_code_hash: sent.phone_code_hash,
//!     phone_code: Some(code.into()),
//!     email_verification: None,
//! });
//! assert!(matches!(login, Ok(enums::auth::Authorization::Authorization(_))));
//! assert!(sim.authorized_user(DcId(2), 1).is_some());
//! for call in sim.calls() {
//!     println!("{call}"); // "DC 2 key 0x1: auth.sendCode -> auth.sentCode", ...
//! }
//! ```
//!
//! # Over the network
//!
//! [`tcp::SimServer`] serves a `Sim` in real MTProto (the `mtproto` crate's server half), one
//! port per DC, so that any MTProto client can log in to it: the adapters' end-to-end tests and
//! the demo do. Its keys are the clients' `auth_key_id`s, it tells the simulator the layer each
//! session declared, and it answers `help.getConfig` and `updates.getState` and pushes
//! `updateLoginToken` itself.
//!
//! # State, time, randomness
//!
//! State is per auth key, as on Telegram: the pair (DC, client key) identifies a key, a
//! `phone_code_hash` only works on the key that asked for it, and "logged in as user N" is a
//! property of the key. Accounts, logout tokens and flood counters are global. Nothing reads a
//! clock: time is the `now` passed in, and unix times the protocol needs (`reset_pending_date`,
//! `expires`) are [`SimConfig::unix_time_base`] plus the time elapsed since the first `now`
//! seen. Every random value (codes of ordinary numbers, hashes, tokens, SRP `b` and salts) comes
//! from [`SimConfig::seed`]: the same seed and the same calls give the same bytes. Maps are
//! ordered (`BTreeMap`), the call log and delivery queue are bounded
//! ([`SimConfig::log_capacity`]).
//!
//! # Behaviour
//!
//! Each row is tested by the test of the same name in `tests/behaviour/`. Error codes are 400
//! unless shown. DCs 1 to 5 exist.
//!
//! | Area | Behaviour | Test |
//! |------|-----------|------|
//! | Numbers | A phone number arrives in any format: `+`, spaces, dashes and parentheses are dropped; codes are bound to the digits. | `phone_numbers_are_normalised` |
//! | Numbers | An empty number, one with other characters, or more than 15 digits: 406 `PHONE_NUMBER_INVALID`. | `malformed_phone_numbers_are_invalid` |
//! | Numbers | `99966XYYYY` (X in 1..=3: Telegram has three test DCs) is always accepted, lives on DC X, and every code sent for it (phone, email, recovery) is X repeated ([`SimConfig::code_length`] digits, default 5); `99966 4 YYYY` is an ordinary number. | `test_number_code_is_dc_digit_repeated` |
//! | Numbers | A number without an account gets `auth.authorizationSignUpRequired` with the terms of service (text, a bold and a link entity, `min_age_confirm`, popup) after the right code; `auth.signUp` creates the account, which persists. Signing up twice: `PHONE_NUMBER_OCCUPIED`. | `unknown_number_signs_up_with_terms_of_service` |
//! | Numbers | `auth.signUp` before the code was accepted: `PHONE_CODE_EMPTY`; an empty or blank first name (or one over 64 characters): `FIRSTNAME_INVALID`; names are trimmed. | `sign_up_rejects_blank_first_name` |
//! | Numbers | A number without an account (not a test number) is served near the client, as api/datacenter describes: `auth.sendCode` on a DC other than [`SimConfig::nearest_dc`] (default DC 2, also `help.getNearestDc`'s answer) gets 303 `NETWORK_MIGRATE_X`; there it gets random codes from the seed (observable with [`Sim::last_code`]) and signs up on that DC. | `unknown_number_is_sent_to_the_nearest_dc` |
//! | Numbers | With [`SimConfig::allow_sign_up`] off, the right code for an unknown ordinary number gets `PHONE_NUMBER_UNOCCUPIED` (test numbers still sign up). | `sign_up_can_be_disabled_for_ordinary_numbers` |
//! | DCs | `auth.sendCode` for a known (or test) number on a DC other than its home: 303 `PHONE_MIGRATE_X`. | `wrong_dc_send_code_gets_phone_migrate` |
//! | DCs | A configured account's home DC wins over a test number's digit (the code is still the digit repeated). | `configured_account_home_dc_overrides_test_digit` |
//! | DCs | A key logged in on a DC that is not the user's home (after `auth.importAuthorization`): methods outside the allowed-before-login list, except `auth.logOut`, get 303 `USER_MIGRATE_X`. | `authorized_key_on_wrong_dc_gets_user_migrate` |
//! | DCs | With [`SimConfig::nearest_dc`] `None`, a new number is served on the DC it arrives at (known and test numbers keep their homes). | `without_a_nearest_dc_new_numbers_stay_where_they_arrive` |
//! | DCs | Any call on a DC outside 1..=5, and `auth.exportAuthorization` to such a DC or to the current one: `DC_ID_INVALID`. | `nonexistent_dc_is_invalid` |
//! | Codes | Each account has a delivery chain ([`CodeDelivery`]; default app, then SMS; unknown numbers SMS, then call): `auth.sentCode` announces the next one as `next_type` with `timeout` ([`SimConfig::resend_timeout`]), `auth.resendCode` moves along it keeping hash and code, and past its end gets 406 `SEND_CODE_UNAVAILABLE`. | `delivery_chain_and_resend` |
//! | Codes | Flash call: `pattern` is the prefix and one `*` (a bare `*` without a prefix), as Telegram sends them; the code to enter is the calling number (prefix digits, then the code). | `flash_call_code_is_calling_number` |
//! | Codes | Missed call: `prefix` and `length` announced; the code is the last digits of the calling number. | `missed_call_code_is_last_digits` |
//! | Codes | `codeSettings` are honoured: a flash call only with `allow_flashcall`, a missed call only with `allow_missed_call`, a Firebase SMS only with `allow_firebase` or an app token; a delivery not allowed is skipped in the chain. | `code_settings_choose_the_deliveries` |
//! | Codes | Firebase SMS ([`CodeDelivery::FirebaseSms`]): `auth.sentCodeTypeFirebaseSms` with a SafetyNet nonce and a Play Integrity request (Android, `allow_firebase`) and/or a push receipt (iOS, an app token; the push is a [`Delivery::FirebasePush`] with the secret), and nothing sent; `auth.requestFirebaseSms` with [`integrity_token`] of the right nonce, or the push's secret, sends the SMS and answers `true`, anything else `false`; `auth.resendCode` (with a failure `reason` or without) moves on to the next delivery. Before the SMS is sent, no code signs in (`PHONE_CODE_INVALID`). | `firebase_sms_needs_an_integrity_proof` |
//! | Codes | Fragment: `auth.sentCodeTypeFragmentSms` with the configured URL. | `fragment_delivery_announces_url` |
//! | Codes | `auth.cancelCode` answers `true` and invalidates the hash. | `cancel_code_invalidates_hash` |
//! | Codes | A code expires [`SimConfig::code_ttl`] (default 10 minutes) after it was sent: `PHONE_CODE_EXPIRED`. | `code_expires_after_ttl` |
//! | Codes | A wrong code: `PHONE_CODE_INVALID`; after [`SimConfig::max_code_attempts`] (default 5) wrong codes the hash is invalidated (`PHONE_CODE_EXPIRED`). | `wrong_code_is_invalid_until_attempts_run_out` |
//! | Codes | No or empty code: `PHONE_CODE_EMPTY`; empty hash: `PHONE_CODE_HASH_EMPTY`; a hash naming no live code: `PHONE_CODE_EXPIRED` (the simulator's choice for every stale or unknown hash). | `empty_code_and_hash` |
//! | Codes | A hash is bound to (DC, key, number): on another key or for another number it is `PHONE_CODE_EXPIRED`; a new `auth.sendCode` for the same key and number replaces it. | `hash_is_bound_to_key_and_phone` |
//! | Codes | The right code logs the key in: `auth.authorization{user{self, id, access_hash, first_name, last_name, phone}, future_auth_token}`; the code is used up. | `sign_in_returns_user` |
//! | Email | An account with [`AccountConfig::with_email_setup_required`] gets `auth.sentCodeTypeSetUpEmailRequired` (Google/Apple flags when configured) and no code; `account.sendVerifyEmailCode(emailVerifyPurposeLoginSetup)` answers `account.sentEmailCode` and mails a code; `account.verifyEmail` with it answers `account.emailVerifiedLogin` with an email-code `auth.sentCode` (code mailed); `auth.signIn` with `email_verification` logs in; later logins send codes to that email. `auth.signIn` before setup: `EMAIL_NOT_SETUP`. | `email_setup_required_flow` |
//! | Email | A malformed address: `EMAIL_INVALID`; verifying before a code was sent: `EMAIL_VERIFY_EXPIRED`; a wrong verification code: `CODE_INVALID`; a wrong email login code at `auth.signIn`: `PHONE_CODE_INVALID`. | `email_setup_rejects_bad_email_and_wrong_code` |
//! | Email | A Google or Apple ID token equal to the configured one verifies the configured email (and signs in); any other: `CODE_INVALID`. | `google_and_apple_tokens_verify_email` |
//! | Email | A code sent to the login email must come in `auth.signIn`'s `email_verification`; in `phone_code` it is `PHONE_CODE_INVALID`. | `email_login_code_is_refused_in_phone_code` |
//! | Email | `auth.resetLoginEmail` on an email code removes the login email and sends an SMS code (same hash); on anything else: `EMAIL_NOT_SETUP`. | `login_email_reset_falls_back_to_sms` |
//! | Email | After login, `account.sendVerifyEmailCode(emailVerifyPurposeLoginChange)` mails a code to the new address ([`Sim::last_email_code`]) and answers `account.sentEmailCode`; `account.verifyEmail(emailVerifyPurposeLoginChange)` with it (or a configured Google/Apple token) makes it the login email: `account.emailVerified{email}`. A wrong code: `CODE_INVALID`; no code sent: `EMAIL_VERIFY_EXPIRED`; an account without a login email: `EMAIL_NOT_SETUP`; the current address: `EMAIL_NOT_ALLOWED`; a key not logged in: 401. | `login_email_change_after_login` |
//! | Email | With [`SimConfig::email_reset_wait`], the first reset answers the email code type with `reset_pending_date`, an early retry gets `TASK_ALREADY_EXISTS`, a retry after the date resets. | `login_email_reset_can_wait` |
//! | 2FA | The right code for an account with a password: 401 `SESSION_PASSWORD_NEEDED` and the key waits for the password. `account.getPassword` answers Telegram's 2048-bit prime, g = 3, salts, a real `srp_B = k·v + g^b` and a fresh `srp_id` each call, the hint and `has_recovery`; `auth.checkPassword` verifies `M1` and logs in. Only salts and `v` are stored. | `password_login_with_srp` |
//! | 2FA | A wrong password: `PASSWORD_HASH_INVALID`; `inputCheckPasswordEmpty` likewise; an `srp_id` that is not the key's latest, or was already checked: `SRP_ID_INVALID`. | `wrong_password_and_stale_srp_id` |
//! | 2FA | After [`SimConfig::password_attempt_limit`] wrong passwords (default 5) per [`SimConfig::password_attempt_window`] (default one hour) per account: 420 `FLOOD_WAIT_X`, X the seconds until the oldest failure leaves the window. | `password_attempts_are_flood_limited` |
//! | 2FA | While the password is pending, `auth.requestPasswordRecovery` mails a code to the recovery email (`auth.passwordRecovery{email_pattern}`), `auth.checkRecoveryPassword` checks it (`CODE_INVALID`, `CODE_EMPTY`), `auth.recoverPassword` removes the password (or sets `new_settings`' one) and logs in. | `password_recovery_by_email` |
//! | 2FA | Without a recovery email: `PASSWORD_RECOVERY_NA`; checking a recovery code when none was sent: `PASSWORD_RECOVERY_EXPIRED`. | `password_recovery_needs_recovery_email` |
//! | 2FA settings | `account.updatePasswordSettings` on a logged-in key: without a password, `inputCheckPasswordEmpty` and a new password (`salt1` the one `account.getPassword` last offered the key plus 32 bytes, the same `salt2`, `g`, `p`, a 256-byte `v`) sets it with its hint; with one, the SRP proof of the current password is checked as by `auth.checkPassword` (`PASSWORD_HASH_INVALID`, `SRP_ID_INVALID`, flood limit), and `passwordKdfAlgoUnknown` with an empty hash and hint removes it with the recovery email. | `password_settings_set_change_remove` |
//! | 2FA settings | The new settings are checked before the password: a `salt1` not extending the offered one (or none offered): `NEW_SALT_INVALID`; another `salt2`, `g` or `p`, a hash not 256 bytes, a removal with a hint or email: `NEW_SETTINGS_INVALID`; nothing to set, or removing no password: `NEW_SETTINGS_EMPTY`; a malformed email: `EMAIL_INVALID`. | `password_settings_reject_bad_settings` |
//! | 2FA settings | A new recovery email (with a password or alone): the change is made, the email waits and its code is mailed ([`Sim::last_email_code`]; not a [`Delivery`]), the answer is `EMAIL_UNCONFIRMED_X` (X the code length), and `account.getPassword` shows `email_unconfirmed_pattern`. `account.confirmPasswordEmail` with the code makes it the recovery email (`CODE_INVALID` otherwise), `resendPasswordEmail` mails a new code, `cancelPasswordEmail` drops it; with none waiting: `EMAIL_HASH_EXPIRED`. | `recovery_email_is_confirmed_by_code` |
//! | 2FA settings | `account.resetPassword` answers `resetPasswordRequestedWait{until_date}` ([`Sim::set_password_reset_waits`], default 7 days; `account.getPassword` shows `pending_reset_date`), the same until then, and `resetPasswordOk` after it (the password, hint and recovery email are removed). `account.declinePasswordReset` cancels it (`RESET_REQUEST_MISSING` without one); a request within the retry wait after that (default one day) gets `resetPasswordFailedWait{retry_date}`. No password: `PASSWORD_EMPTY`. | `password_reset_waits_and_can_be_declined` |
//! | Tokens | `auth.logOut` answers `auth.loggedOut{future_auth_token}` (32 random bytes, unique) and logs the key out; a later `auth.sendCode` whose `logout_tokens` holds an unused token of that account answers `auth.sentCodeSuccess` and logs the key in without a code. Each token works once. | `logout_token_skips_code` |
//! | Tokens | A logout token older than [`SimConfig::logout_token_ttl`] (default 30 days) is ignored: a code is sent. | `logout_tokens_expire` |
//! | Tokens | The same for an account with a password: 401 `SESSION_PASSWORD_NEEDED`, the key waits for the password, no code is sent. | `logout_token_with_password_needs_password` |
//! | Tokens | `auth.exportAuthorization(dc)` on a logged-in key answers `auth.exportedAuthorization{id, bytes}`; `auth.importAuthorization` with them on that DC logs the key in, once; wrong bytes, DC or reuse: `AUTH_BYTES_INVALID`. | `export_import_authorization` |
//! | Tokens | `auth.importBotAuthorization` with a configured `<id>:<secret>` token logs a bot in; unknown tokens: `ACCESS_TOKEN_INVALID`; on a DC other than the bot's: 303 `USER_MIGRATE_X`. | `bot_login` |
//! | Tokens | `api_id` must be positive with a non-empty `api_hash`, or one of [`SimConfig::api_credentials`]: else `API_ID_INVALID`. | `api_credentials_checked` |
//! | QR | `auth.exportLoginToken` answers `auth.loginToken{expires, token}`: 32 random bytes bound to the exporting key, `expires` [`Sim::login_token_ttl`] ahead (default 30 s, [`Sim::set_login_token_ttl`]); a new export replaces the key's token. `auth.acceptLoginToken` on a logged-in key answers `authorization` (the new session: exporter's `api_id`, dates, `password_pending`) and owes the exporting key an `updateLoginToken` ([`Sim::take_login_token_updates`]); the key's next export answers `auth.loginTokenSuccess` and logs it in. | `login_token_export_accept_and_success` |
//! | QR | Accepting an unknown or replaced token: `AUTH_TOKEN_INVALID`; past its expiry: `AUTH_TOKEN_EXPIRED`; twice: `AUTH_TOKEN_ALREADY_ACCEPTED`; as a user in the export's `except_ids`: `AUTH_TOKEN_EXCEPTION`; as a bot: `BOT_METHOD_INVALID`; on a key not logged in: 401 `AUTH_KEY_UNREGISTERED`. Tokens are forgotten an hour after they expire. | `login_token_accept_errors` |
//! | QR | When the accepting user's home DC is not the exporting key's, the next export answers `auth.loginTokenMigrateTo{dc_id, token}`; `auth.importLoginToken` with that token on that DC logs the key there in, once (again: `AUTH_TOKEN_ALREADY_ACCEPTED`); on another DC or unknown: `AUTH_TOKEN_INVALID`; after the TTL: `AUTH_TOKEN_EXPIRED`. | `login_token_migrates_to_home_dc` |
//! | QR | For an account with a password, that export (or import) answers 401 `SESSION_PASSWORD_NEEDED` and the key waits for the password; `auth.checkPassword` logs it in. | `login_token_with_password_needs_password` |
//! | QR | [`Sim::accept_login_token_as`] plays the scanning device: it accepts a token as the account of a phone number, with no logged-in key and no call logged; a number without an account: 401 `AUTH_KEY_UNREGISTERED`. | `accept_login_token_as_plays_the_other_device` |
//! | Sessions | `account.getAuthorizations` lists the account's sessions, one per logged-in key (hash, `device_model` naming the key, `region` its DC, creation and activity dates), the caller's first with `current`; a logout or reset ends a session. [`Sim::authorizations`] shows them. | `sessions_are_listed_per_account` |
//! | Sessions | A login by code, password, recovery or logout token while the account has other sessions is `unconfirmed`, and [`Sim::take_new_authorization_updates`] returns the `updateNewAuthorization{unconfirmed, hash, date, device, location}` the other sessions would receive; imported authorizations, QR logins completed by the token export or import, and bots are confirmed and announce nothing. | `new_login_is_unconfirmed_and_announced` |
//! | Sessions | `account.changeAuthorizationSettings` with `confirmed` confirms a session of the same account (and sets its `encrypted_requests_disabled` / `call_requests_disabled`); `account.resetAuthorization` logs another session's key out; an unknown hash, another account's, or (to reset) the caller's own: `HASH_INVALID`; an unconfirmed session doing either: 406 `FRESH_RESET_AUTHORISATION_FORBIDDEN`. | `confirm_and_reset_authorization` |
//! | Sessions | `account.invalidateSignInCodes(codes)` removes the account's pending login codes equal to one of `codes` (their hash then gets `PHONE_CODE_EXPIRED`); other accounts' codes stay. | `invalidate_sign_in_codes_for_the_account` |
//! | Sessions | [`Sim::set_frozen`] freezes an account: on its logged-in keys every method but `auth.*` and `help.*` gets 420 `FROZEN_METHOD_INVALID`. | `frozen_account_is_read_only` |
//! | Gate | Before login, methods outside Telegram's allowed list (any method of the client's layer, simulated or not) get 401 `AUTH_KEY_UNREGISTERED`; real methods the simulator does not answer get 501 `METHOD_NOT_SIMULATED`. | `methods_need_authorization` |
//! | Gate | While the password is pending, the allowed list plus the three email-recovery methods work; others get 401 `SESSION_PASSWORD_NEEDED`. | `password_pending_allows_recovery_only` |
//! | Gate | Garbage never panics: fewer than 4 bytes, a body that does not decode as the call its id names, or trailing bytes: `INPUT_FETCH_FAIL`; an id that is no method of the client's layer: `INPUT_CONSTRUCTOR_INVALID`. | `garbage_gets_rpc_errors` |
//! | Gate | `invokeWithLayer` and `initConnection` (with or without `params`) are unwrapped, at most 4 deep; the log names the inner method. | `wrappers_are_unwrapped` |
//! | Layers | Each key is answered in the layer its client declared, with `invokeWithLayer` or [`Sim::set_client_layer`] (default [`LAYER`](auth_core::LAYER)): its `user` in that layer's layout (`user#31774388` up to 227, `user#b1b8cc83` from 228), its calls decoded as that layer defines them. | `replies_follow_the_layer_the_client_declared` |
//! | Layers | A layer outside 220..=230: 400 `CONNECTION_LAYER_INVALID` ([`Sim::set_client_layer`] refuses it). | `layers_outside_the_range_are_refused` |
//! | Layers | A method the client's layer does not have (layer 230's `auth.initFirebasePnvLogin` at 228): `INPUT_CONSTRUCTOR_INVALID`, as garbage. | `methods_of_another_layer_are_unknown` |
//! | Flood | After [`SimConfig::send_code_limit`] codes (default 5) per number per [`SimConfig::send_code_window`] (default one day): 420 `FLOOD_WAIT_X`, X the seconds until the oldest leaves the window. | `send_code_flood_limit` |
//! | Flood | The same limit on a test number answers 420 `FLOOD_TEST_PHONE_WAIT_X`. | `test_number_flood_is_flood_test_phone_wait` |
//! | Help | `help.getCountriesList` (allowed before login) answers [`countries_list`]: fifteen countries with calling codes, prefixes (+1 204 is Canada, +7 7 Kazakhstan) and patterns (`XXX XXX XXXX`), `XT` "Test" for `+999 66 X YYYY`, one hidden country; `name` in German for `lang_code` `de`, else absent. | `countries_list_has_codes_and_patterns` |
//! | Help | The list's `hash` is stable and content-derived (per language, never 0); a request carrying it gets `help.countriesListNotModified`, any other hash the list. | `countries_list_not_modified_by_hash` |
//! | Inspect | [`Sim::take_deliveries`] drains what was "sent" ([`Delivery`], with a one-line `Display`), [`Sim::calls`] logs each call as method and result or error, [`Sim::counters`] counts per number. | `deliveries_and_call_log_are_observable` |
//! | Inspect | Same seed, same calls: same bytes; another seed: other hashes and codes. | `same_seed_same_replies` |
//! | Inspect | Unix times are [`SimConfig::unix_time_base`] plus the time since the first call. | `unix_times_follow_time_base` |
//! | Inspect | [`Sim::add_account`] validates phone, DC and emails; [`Sim::account`], [`Sim::account_by_id`], [`Sim::accounts`] show them. | `accounts_are_configured_and_inspected` |
//!
//! Other choices, where Telegram's behaviour is not documented or not observable:
//!
//! * `SESSION_PASSWORD_NEEDED` is sent with code 401; a stale or unknown `phone_code_hash` is
//!   always `PHONE_CODE_EXPIRED` (never `PHONE_CODE_HASH_INVALID`).
//! * `auth.resendCode` keeps the hash and the code; the TTL restarts.
//! * `account.getPassword` on a key that is neither logging in nor logged in answers an
//!   `account.password` without a current password; `auth.checkPassword` there gets 401
//!   `AUTH_KEY_UNREGISTERED`. Each `auth.checkPassword` consumes the SRP attempt, whatever its
//!   outcome.
//! * Logins by code, sign-up, password, recovery or QR code carry a fresh `future_auth_token` (see
//!   [`SimConfig::future_auth_token_on_login`]); imported authorizations and bots get none.
//! * After `auth.resetLoginEmail`, a later login asks to set up an email again if the account
//!   requires one.
//! * Each `account.getPassword` offers a new `new_algo` salt; `account.updatePasswordSettings`
//!   takes only an extension of the latest one offered to the key. A requested password reset
//!   completes when `account.resetPassword` is called after its date (not by itself).
//!
//! Not simulated: passkeys, the Firebase phone-number login of layer 230, paid auth, `auth.bindTempAuthKey`,
//! `help.getConfig` and `updates.getState` (the [`tcp`] server answers both: it knows its ports
//! and pushes updates), Telegram Passport's secure settings in `account.updatePasswordSettings`;
//! those answer 501 `METHOD_NOT_SIMULATED` (or `EMAIL_NOT_ALLOWED` for the passport email
//! purpose).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod accounts;
mod codes;
mod config;
mod countries;
mod dispatch;
mod email;
mod email_change;
mod firebase;
mod flood;
mod inspect;
mod keys;
mod methods;
mod password;
mod password_settings;
mod phone;
mod qr;
mod random;
mod rpc;
mod sessions;
pub mod tcp;
mod tokens;

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use auth_core::tl::{self, RemoteCall};
use auth_core::{DcId, RpcError};

pub use accounts::AccountInfo;
pub use config::{
    AccountConfig, BotConfig, CodeDelivery, PasswordHash, SimConfig, default_terms_of_service,
};
pub use countries::countries_list;
pub use firebase::integrity_token;
pub use inspect::{CallRecord, Delivery, EmailPurpose, PhoneCounters};
pub use keys::{KeyId, KeyStatus};
pub use password::SRP_G;
pub use phone::{
    DC_RANGE, MAX_PHONE_DIGITS, TEST_DC_RANGE, dc_exists, email_is_valid, email_pattern,
    normalize_phone, test_number_dc,
};
pub use qr::DEFAULT_LOGIN_TOKEN_TTL;

use accounts::{Account, Accounts};
use codes::{PendingCode, PhoneStats};
use keys::Keys;
use random::Rng;
use tokens::{Exported, bot_token_id};

/// Why an account or bot could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The phone number is not 1 to 15 digits (after dropping `+`, spaces, dashes, parentheses).
    #[error("invalid phone number {0:?}")]
    InvalidPhone(String),
    /// Another account already has this number.
    #[error("phone number {0} already has an account")]
    PhoneTaken(String),
    /// The home DC is not one of DCs 1 to 5.
    #[error("{0} does not exist (DCs 1 to 5 do)")]
    InvalidDc(DcId),
    /// An email address is malformed.
    #[error("invalid email address {0:?}")]
    InvalidEmail(String),
    /// A bot token is not `<positive id>:<secret>`.
    #[error("invalid bot token (expected <id>:<secret>)")]
    InvalidBotToken,
    /// The user id (of a bot token) is taken.
    #[error("user id {0} is taken")]
    UserIdTaken(i64),
    /// The password could not be hashed (cannot happen with Telegram's group).
    #[error("password hashing failed: {0}")]
    Srp(#[from] auth_core::srp::SrpError),
    /// A layer outside [`SUPPORTED_LAYERS`](auth_core::SUPPORTED_LAYERS).
    #[error(transparent)]
    UnsupportedLayer(#[from] auth_core::tl::UnsupportedLayer),
}

/// The simulated server: all DCs, accounts, keys and pending logins.
///
/// Sans-IO: [`handle`](Self::handle) takes one serialized API call and returns the serialized
/// result or `rpc_error`; time comes in as `now`, randomness from [`SimConfig::seed`].
/// [`invoke`](Self::invoke) does the same with typed calls. The inspection methods
/// ([`last_code`](Self::last_code), [`take_deliveries`](Self::take_deliveries),
/// [`calls`](Self::calls), [`counters`](Self::counters), [`account`](Self::account),
/// [`key_status`](Self::key_status), ...) show what the server did.
#[derive(Debug)]
pub struct Sim {
    config: SimConfig,
    rng: Rng,
    /// The first `now` seen: unix times count from it.
    epoch: Option<Instant>,
    accounts: Accounts,
    keys: Keys,
    /// Live `phone_code_hash`es by (key, phone digits).
    codes: BTreeMap<(KeyId, String), PendingCode>,
    /// Per phone number: flood window, counters, last code.
    stats: BTreeMap<String, PhoneStats>,
    /// Wrong passwords per user id.
    password_failures: BTreeMap<i64, u32>,
    last_email_codes: BTreeMap<String, String>,
    /// Unused logout tokens: the account each was issued for, and when.
    logout_tokens: BTreeMap<Vec<u8>, (i64, Instant)>,
    /// Exported authorizations by id.
    exported: BTreeMap<i64, Exported>,
    /// Sessions of logged-in keys, frozen accounts, new-login updates.
    sessions: sessions::Sessions,
    /// Recovery emails to confirm and password resets ([`password_settings`]).
    password_settings: password_settings::SettingsState,
    /// Login-email changes in progress ([`email_change`]).
    email_changes: email_change::EmailChanges,
    /// QR login tokens.
    qr: qr::LoginTokens,
    deliveries: VecDeque<Delivery>,
    calls: VecDeque<CallRecord>,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new(SimConfig::default())
    }
}

impl Sim {
    /// A server with no accounts yet (test numbers work at once).
    pub fn new(config: SimConfig) -> Self {
        Sim {
            rng: Rng::new(config.seed),
            sessions: sessions::Sessions::new(config.seed),
            config,
            epoch: None,
            accounts: Accounts::default(),
            keys: Keys::default(),
            codes: BTreeMap::new(),
            stats: BTreeMap::new(),
            password_failures: BTreeMap::new(),
            last_email_codes: BTreeMap::new(),
            logout_tokens: BTreeMap::new(),
            exported: BTreeMap::new(),
            password_settings: Default::default(),
            email_changes: Default::default(),
            qr: qr::LoginTokens::default(),
            deliveries: VecDeque::new(),
            calls: VecDeque::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Adds an account and returns its user id. A password costs one PBKDF2 run (~50 ms
    /// optimised).
    ///
    /// # Errors
    ///
    /// [`SimError`] for a malformed phone or email, a taken phone, or a DC outside 1..=5.
    pub fn add_account(&mut self, config: AccountConfig) -> Result<i64, SimError> {
        let phone = normalize_phone(&config.phone)
            .ok_or_else(|| SimError::InvalidPhone(config.phone.clone()))?;
        if !dc_exists(config.home_dc) {
            return Err(SimError::InvalidDc(config.home_dc));
        }
        if self.accounts.id_by_phone(&phone).is_some() {
            return Err(SimError::PhoneTaken(phone));
        }
        let emails = [
            config.recovery_email.as_ref(),
            config.login_email.as_ref(),
            config.google_signin.as_ref().map(|(_, e)| e),
            config.apple_signin.as_ref().map(|(_, e)| e),
        ];
        if let Some(bad) = emails.into_iter().flatten().find(|e| !email_is_valid(e)) {
            return Err(SimError::InvalidEmail(bad.clone()));
        }
        let password = match (&config.password_hash, &config.password) {
            (Some(hash), _) => Some(password::stored_hash(hash)?),
            (None, Some(pw)) => Some(self.store_password(pw)?),
            (None, None) => None,
        };
        let id = self.accounts.free_id();
        let mut account = Account::new(id, self.rng.i64(), phone, config.home_dc);
        account.first_name = config.first_name;
        account.last_name = config.last_name;
        account.password = password;
        account.hint = config.hint;
        account.recovery_email = config.recovery_email;
        account.login_email = config.login_email;
        account.email_setup_required = config.email_setup_required;
        account.google_signin = config.google_signin;
        account.apple_signin = config.apple_signin;
        account.delivery = config.delivery;
        self.accounts.insert(account, None);
        Ok(id)
    }

    /// Adds a bot and returns its user id (the id part of its token).
    ///
    /// # Errors
    ///
    /// [`SimError::InvalidBotToken`], [`SimError::UserIdTaken`], [`SimError::InvalidDc`].
    pub fn add_bot(&mut self, config: BotConfig) -> Result<i64, SimError> {
        let id = bot_token_id(&config.token).ok_or(SimError::InvalidBotToken)?;
        if !dc_exists(config.home_dc) {
            return Err(SimError::InvalidDc(config.home_dc));
        }
        if self.accounts.contains_id(id) {
            return Err(SimError::UserIdTaken(id));
        }
        let mut account = Account::new(id, self.rng.i64(), String::new(), config.home_dc);
        account.phone = None;
        account.first_name = config.first_name;
        account.bot_username = Some(config.username);
        self.accounts.insert(account, Some(config.token));
        Ok(id)
    }

    /// Serves one API call that arrived on key `client_key` of `dc`: `body` is the TL-serialized
    /// function (optionally wrapped in `invokeWithLayer` / `initConnection`), the answer is the
    /// TL-serialized result or `rpc_error`. Never panics, whatever the bytes.
    pub fn handle(&mut self, now: Instant, dc: DcId, client_key: u64, body: &[u8]) -> Vec<u8> {
        self.epoch.get_or_insert(now);
        let at = KeyId {
            dc,
            key: client_key,
        };
        let routed = self.route(now, at, body, 0);
        self.track_session(now, at, routed.method);
        let (bytes, result) = match routed.result {
            Ok(reply) => (reply.bytes, Ok(reply.name)),
            Err(e) => (e.to_bytes(), Err(e)),
        };
        if self.calls.len() >= self.config.log_capacity.max(1) {
            self.calls.pop_front();
        }
        self.calls.push_back(CallRecord {
            at: now,
            dc,
            key: client_key,
            method: routed.method,
            method_id: routed.method_id,
            result,
        });
        bytes
    }

    /// Records that the client of key `client_key` on `dc` speaks `layer` (what its
    /// `invokeWithLayer` declared), for a server that unwraps `invokeWithLayer` before calling
    /// [`handle`](Self::handle); a body that still carries the wrapper records it by itself.
    /// Replies to the key are then encoded in that layer's layouts (its `user`, for one), and
    /// its calls decoded as that layer defines them.
    ///
    /// # Errors
    ///
    /// [`SimError::UnsupportedLayer`] outside [`SUPPORTED_LAYERS`](auth_core::SUPPORTED_LAYERS).
    pub fn set_client_layer(
        &mut self,
        dc: DcId,
        client_key: u64,
        layer: i32,
    ) -> Result<(), SimError> {
        let layer = auth_core::tl::Layer::new(layer)?;
        self.keys.set_layer(
            KeyId {
                dc,
                key: client_key,
            },
            layer,
        );
        Ok(())
    }

    /// The layer the client of `client_key` on `dc` speaks: the one it declared last, or
    /// [`LAYER`](auth_core::LAYER) if it never did.
    pub fn client_layer(&self, dc: DcId, client_key: u64) -> auth_core::tl::Layer {
        self.keys.layer(KeyId {
            dc,
            key: client_key,
        })
    }

    /// [`handle`](Self::handle) for a typed call: serializes `call`, decodes the answer as
    /// `F::Return` or an [`RpcError`].
    ///
    /// # Errors
    ///
    /// The RPC error the simulator answered (a reply that decodes as neither — which the
    /// property tests show does not happen — becomes `500 SIM_REPLY_UNDECODABLE`).
    ///
    /// ```
    /// use std::time::Instant;
    /// use auth_core::DcId;
    /// use auth_core::tl::{enums, functions, types};
    ///
    /// let mut sim = auth_sim::Sim::default();
    /// let sent = sim.invoke(Instant::now(), DcId(2), 7, &functions::auth::SendCode {
    ///     phone_number: "+999 66 2 1234".into(),
    ///     api_id: 1,
    ///     api_hash: "hash".into(),
    ///     settings: types::CodeSettings::default().into(),
    /// });
    /// assert!(matches!(sent, Ok(enums::auth::SentCode::SentCode(_))));
    /// assert_eq!(sim.last_code("9996621234"), Some("22222"));
    /// ```
    pub fn invoke<F: RemoteCall>(
        &mut self,
        now: Instant,
        dc: DcId,
        client_key: u64,
        call: &F,
    ) -> Result<F::Return, RpcError>
    where
        F::Return: tl::DeserializeAt,
    {
        let reply = self.handle(now, dc, client_key, &call.to_bytes());
        let undecodable = || RpcError::new(500, "SIM_REPLY_UNDECODABLE");
        if RpcError::is_rpc_error(&reply) {
            return Err(RpcError::decode(&reply).unwrap_or_else(|_| undecodable()));
        }
        let layer = self.client_layer(dc, client_key);
        tl::decode_at::<F::Return>(layer, &reply).map_err(|_| undecodable())
    }
}
