//! The accounts the simulator knows: configured users, users who signed up, and bots.

use std::collections::BTreeMap;
use std::time::Instant;

use auth_core::DcId;
use auth_core::srp::{SrpAlgo, SrpVerifier};
use auth_core::tl::{enums, types};

use crate::config::CodeDelivery;
use crate::flood::Window;

/// The first user id handed out to a new account; ids grow by one from there.
pub(crate) const FIRST_USER_ID: i64 = 100_000_001;

/// A 2FA password as the server stores it: the algorithm (salts, `g`, `p`) and the verifier
/// `v = g^x mod p`. The password itself is never kept.
#[derive(Debug, Clone)]
pub(crate) struct StoredPassword {
    pub(crate) algo: SrpAlgo,
    pub(crate) verifier: SrpVerifier,
}

/// A pending 2FA recovery code sent to the recovery email.
#[derive(Debug, Clone)]
pub(crate) struct RecoveryCode {
    pub(crate) code: String,
    pub(crate) sent_at: Instant,
}

/// One account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) id: i64,
    pub(crate) access_hash: i64,
    /// Digits only; `None` for bots.
    pub(crate) phone: Option<String>,
    pub(crate) home_dc: DcId,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    /// The username of a bot; `Some` exactly for bots.
    pub(crate) bot_username: Option<String>,
    pub(crate) password: Option<StoredPassword>,
    pub(crate) hint: Option<String>,
    pub(crate) recovery_email: Option<String>,
    pub(crate) login_email: Option<String>,
    pub(crate) email_setup_required: bool,
    pub(crate) google_signin: Option<(String, String)>,
    pub(crate) apple_signin: Option<(String, String)>,
    pub(crate) delivery: Option<Vec<CodeDelivery>>,
    pub(crate) recovery_code: Option<RecoveryCode>,
    pub(crate) password_failures: Window,
}

impl Account {
    /// A plain account with a phone and a name; everything else off.
    pub(crate) fn new(id: i64, access_hash: i64, phone: String, home_dc: DcId) -> Self {
        Account {
            id,
            access_hash,
            phone: Some(phone),
            home_dc,
            first_name: String::new(),
            last_name: String::new(),
            bot_username: None,
            password: None,
            hint: None,
            recovery_email: None,
            login_email: None,
            email_setup_required: false,
            google_signin: None,
            apple_signin: None,
            delivery: None,
            recovery_code: None,
            password_failures: Window::default(),
        }
    }

    /// The `user` constructor describing this account to itself (`self` flag set).
    pub(crate) fn user(&self) -> enums::User {
        types::User {
            is_self: true,
            id: self.id,
            access_hash: Some(self.access_hash),
            first_name: Some(self.first_name.clone()),
            last_name: (!self.last_name.is_empty()).then(|| self.last_name.clone()),
            phone: self.phone.clone(),
            username: self.bot_username.clone(),
            // `bot` shares flag bit 14 with `bot_info_version`.
            bot_info_version: self.bot_username.as_ref().map(|_| 1),
            ..types::User::default()
        }
        .into()
    }

    /// The public view of this account.
    pub(crate) fn info(&self) -> AccountInfo {
        AccountInfo {
            user_id: self.id,
            phone: self.phone.clone(),
            home_dc: self.home_dc,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            has_password: self.password.is_some(),
            hint: self.hint.clone(),
            recovery_email: self.recovery_email.clone(),
            login_email: self.login_email.clone(),
            email_setup_required: self.email_setup_required,
            bot: self.bot_username.is_some(),
        }
    }
}

/// What the inspection API tells about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// The user id.
    pub user_id: i64,
    /// The phone number, digits only (`None` for bots).
    pub phone: Option<String>,
    /// The home DC.
    pub home_dc: DcId,
    /// First name.
    pub first_name: String,
    /// Last name (may be empty).
    pub last_name: String,
    /// Whether a 2FA password is set.
    pub has_password: bool,
    /// The password hint.
    pub hint: Option<String>,
    /// The 2FA recovery email.
    pub recovery_email: Option<String>,
    /// The login email (codes go there when set).
    pub login_email: Option<String>,
    /// Whether a login email must be set up before logging in.
    pub email_setup_required: bool,
    /// Whether this is a bot.
    pub bot: bool,
}

/// All accounts, by id, with indexes by phone and by bot token.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    by_id: BTreeMap<i64, Account>,
    by_phone: BTreeMap<String, i64>,
    by_bot_token: BTreeMap<String, i64>,
}

impl Accounts {
    /// The next user id not taken yet.
    pub(crate) fn free_id(&self) -> i64 {
        let mut id =
            FIRST_USER_ID + i64::try_from(self.by_id.len()).unwrap_or(i64::MAX - FIRST_USER_ID);
        while self.by_id.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        id
    }

    pub(crate) fn contains_id(&self, id: i64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Adds an account; the caller has checked that its id, phone and token are free.
    pub(crate) fn insert(&mut self, account: Account, bot_token: Option<String>) {
        if let Some(phone) = &account.phone {
            self.by_phone.insert(phone.clone(), account.id);
        }
        if let Some(token) = bot_token {
            self.by_bot_token.insert(token, account.id);
        }
        self.by_id.insert(account.id, account);
    }

    pub(crate) fn get(&self, id: i64) -> Option<&Account> {
        self.by_id.get(&id)
    }

    pub(crate) fn get_mut(&mut self, id: i64) -> Option<&mut Account> {
        self.by_id.get_mut(&id)
    }

    /// The account id of a normalised phone number.
    pub(crate) fn id_by_phone(&self, phone: &str) -> Option<i64> {
        self.by_phone.get(phone).copied()
    }

    pub(crate) fn by_phone(&self, phone: &str) -> Option<&Account> {
        self.id_by_phone(phone).and_then(|id| self.by_id.get(&id))
    }

    pub(crate) fn id_by_bot_token(&self, token: &str) -> Option<i64> {
        self.by_bot_token.get(token).copied()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Account> {
        self.by_id.values()
    }
}
