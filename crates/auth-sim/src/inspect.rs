//! The test side's view of the simulator: what it "delivered", which calls it served, counters,
//! accounts and keys.

use std::time::Instant;

use auth_core::{DcId, RpcError};

use crate::Sim;
use crate::accounts::AccountInfo;
use crate::keys::{KeyId, KeyStatus};
use crate::phone::normalize_phone;

/// Why an email was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailPurpose {
    /// Verifying a new login email (`account.sendVerifyEmailCode` with
    /// `emailVerifyPurposeLoginSetup`).
    LoginSetup,
    /// A login code sent to the login email.
    LoginCode,
    /// A 2FA recovery code (`auth.requestPasswordRecovery`).
    PasswordRecovery,
}

/// Something the simulator "sent" to a user, as if read from their phone or mailbox. `code` is
/// always what the user has to type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A code shown in the user's other sessions (`auth.sentCodeTypeApp`).
    App {
        /// The phone number, digits only.
        phone: String,
        /// The code.
        code: String,
    },
    /// An SMS.
    Sms {
        /// The phone number, digits only.
        phone: String,
        /// The code.
        code: String,
    },
    /// A voice call reading the code.
    Call {
        /// The phone number, digits only.
        phone: String,
        /// The code.
        code: String,
    },
    /// A flash call: the calling number is the code.
    FlashCall {
        /// The phone number, digits only.
        phone: String,
        /// The calling number, digits only: the code to enter.
        code: String,
    },
    /// A missed call whose last digits are the code.
    MissedCall {
        /// The phone number, digits only.
        phone: String,
        /// The full calling number, digits only.
        caller: String,
        /// Its last digits: the code to enter.
        code: String,
    },
    /// A code shown on fragment.com.
    Fragment {
        /// The phone number, digits only.
        phone: String,
        /// The URL announced to the client.
        url: String,
        /// The code.
        code: String,
    },
    /// The Apple push an iOS app waits for before a Firebase SMS: its `ios_push_secret` is
    /// the proof for `auth.requestFirebaseSms` (nothing to type: `code` is the secret).
    FirebasePush {
        /// The phone number, digits only.
        phone: String,
        /// The receipt announced in `auth.sentCodeTypeFirebaseSms`.
        receipt: String,
        /// The secret to pass as `ios_push_secret`.
        secret: String,
    },
    /// An email.
    Email {
        /// The address.
        email: String,
        /// Why it was sent.
        purpose: EmailPurpose,
        /// The code.
        code: String,
    },
}

impl Delivery {
    /// The code to type.
    pub fn code(&self) -> &str {
        match self {
            Delivery::App { code, .. }
            | Delivery::Sms { code, .. }
            | Delivery::Call { code, .. }
            | Delivery::FlashCall { code, .. }
            | Delivery::MissedCall { code, .. }
            | Delivery::Fragment { code, .. }
            | Delivery::Email { code, .. } => code,
            Delivery::FirebasePush { secret, .. } => secret,
        }
    }
}

impl std::fmt::Display for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Delivery::App { phone, code } => write!(f, "app message to +{phone}: code {code}"),
            Delivery::Sms { phone, code } => write!(f, "SMS to +{phone}: code {code}"),
            Delivery::Call { phone, code } => write!(f, "call to +{phone}: code {code}"),
            Delivery::FlashCall { phone, code } => {
                write!(f, "flash call to +{phone} from +{code}")
            }
            Delivery::MissedCall {
                phone,
                caller,
                code,
            } => write!(f, "missed call to +{phone} from +{caller}: code {code}"),
            Delivery::Fragment { phone, url, code } => {
                write!(f, "fragment code for +{phone} at {url}: code {code}")
            }
            Delivery::FirebasePush {
                phone,
                receipt,
                secret,
            } => write!(
                f,
                "Firebase push to +{phone}: receipt {receipt}, secret {secret}"
            ),
            Delivery::Email {
                email,
                purpose,
                code,
            } => write!(f, "email to {email} ({purpose:?}): code {code}"),
        }
    }
}

/// One call the simulator served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// When it was served.
    pub at: Instant,
    /// The DC it arrived on.
    pub dc: DcId,
    /// The client key it arrived on.
    pub key: u64,
    /// The method's schema name (the inner one for `invokeWithLayer` / `initConnection`), or
    /// `"?"` when the id is unknown or the body too short.
    pub method: &'static str,
    /// The method's constructor id, if the body had four bytes.
    pub method_id: Option<u32>,
    /// The result constructor's name, or the error.
    pub result: Result<&'static str, RpcError>,
}

impl std::fmt::Display for CallRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} key {:#x}: ", self.dc, self.key)?;
        match (self.method, self.method_id) {
            ("?", Some(id)) => write!(f, "#{id:08x}")?,
            (name, _) => f.write_str(name)?,
        }
        match &self.result {
            Ok(name) => write!(f, " -> {name}"),
            Err(e) => write!(f, " -> {} {}", e.code, e.name),
        }
    }
}

/// Counters for one phone number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PhoneCounters {
    /// `auth.sendCode` calls for this number that got past number validation.
    pub send_code_calls: u32,
    /// Codes actually sent (by any medium, including resends and email login codes).
    pub codes_sent: u32,
    /// Wrong codes entered.
    pub failed_code_attempts: u32,
    /// Wrong 2FA passwords entered for the account of this number.
    pub failed_password_attempts: u32,
}

impl Sim {
    /// The last code sent to this phone number (any format) by phone (app, SMS, call, ...).
    pub fn last_code(&self, phone: &str) -> Option<&str> {
        let phone = normalize_phone(phone)?;
        self.stats.get(&phone).and_then(|s| s.last_code.as_deref())
    }

    /// The last code sent to this email address (login setup, login code or recovery).
    pub fn last_email_code(&self, email: &str) -> Option<&str> {
        self.last_email_codes.get(email).map(String::as_str)
    }

    /// Everything delivered since the last call, oldest first.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        self.deliveries.drain(..).collect()
    }

    /// The calls served (at most [`SimConfig::log_capacity`](crate::SimConfig::log_capacity)
    /// of the latest), oldest first.
    pub fn calls(&self) -> impl ExactSizeIterator<Item = &CallRecord> {
        self.calls.iter()
    }

    /// The calls served since the last call, oldest first.
    pub fn take_calls(&mut self) -> Vec<CallRecord> {
        self.calls.drain(..).collect()
    }

    /// Counters of one phone number (any format); zero for numbers never seen.
    pub fn counters(&self, phone: &str) -> PhoneCounters {
        let Some(phone) = normalize_phone(phone) else {
            return PhoneCounters::default();
        };
        let mut counters = self
            .stats
            .get(&phone)
            .map(|s| s.counters)
            .unwrap_or_default();
        if let Some(id) = self.accounts.id_by_phone(&phone) {
            counters.failed_password_attempts =
                self.password_failures.get(&id).copied().unwrap_or_default();
        }
        counters
    }

    /// The account of a phone number (any format).
    pub fn account(&self, phone: &str) -> Option<AccountInfo> {
        let phone = normalize_phone(phone)?;
        self.accounts.by_phone(&phone).map(|a| a.info())
    }

    /// The account (or bot) with this user id.
    pub fn account_by_id(&self, user_id: i64) -> Option<AccountInfo> {
        self.accounts.get(user_id).map(|a| a.info())
    }

    /// All accounts and bots, by user id.
    pub fn accounts(&self) -> Vec<AccountInfo> {
        self.accounts.iter().map(|a| a.info()).collect()
    }

    /// Whether the key `client_key` of `dc` is logged in.
    pub fn key_status(&self, dc: DcId, client_key: u64) -> KeyStatus {
        self.keys.status(KeyId {
            dc,
            key: client_key,
        })
    }

    /// The user a key is logged in as, if it is (password pending does not count).
    pub fn authorized_user(&self, dc: DcId, client_key: u64) -> Option<i64> {
        match self.key_status(dc, client_key) {
            KeyStatus::Authorized { user_id } => Some(user_id),
            _ => None,
        }
    }

    /// Every key that did something, with its status, ordered by DC then key.
    pub fn keys(&self) -> Vec<(KeyId, KeyStatus)> {
        self.keys.iter().collect()
    }

    /// The unix time the simulator reports at `now` (see
    /// [`SimConfig::unix_time_base`](crate::SimConfig::unix_time_base)).
    pub fn unix_time(&self, now: Instant) -> i64 {
        let elapsed = self
            .epoch
            .map_or(0, |epoch| now.saturating_duration_since(epoch).as_secs());
        self.config
            .unix_time_base
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }
}
