//! QR-code login (core.telegram.org/api/qr-login): `auth.exportLoginToken`,
//! `auth.acceptLoginToken`, `auth.importLoginToken`, and the test side playing the device that
//! scans the code.
//!
//! A token is bound to the key that exported it (one live token per key: a new export replaces
//! it) and expires [`Sim::login_token_ttl`] after it was issued. It is random bytes: it encodes
//! nothing. Accepting it records the accepting user and queues an `updateLoginToken` for the
//! exporting key ([`Sim::take_login_token_updates`]); that key's next export then logs it in,
//! or — when the user lives on another DC — answers `auth.loginTokenMigrateTo` with a second
//! token that `auth.importLoginToken` redeems once on that DC.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use auth_core::tl::{enums, functions, types};
use auth_core::{DcId, RpcError};

use crate::Sim;
use crate::keys::{KeyId, KeyStatus};
use crate::phone::normalize_phone;
use crate::rpc::{self, Answer, Answered, bad, internal, unregistered};

/// How long a login token lives unless [`Sim::set_login_token_ttl`] says otherwise.
pub const DEFAULT_LOGIN_TOKEN_TTL: Duration = Duration::from_secs(30);

/// Length of login tokens.
const TOKEN_LEN: usize = 32;

/// How long after its expiry a token is still known (and answered `AUTH_TOKEN_EXPIRED` rather
/// than `AUTH_TOKEN_INVALID`).
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// A token handed out by `auth.exportLoginToken`.
#[derive(Debug, Clone)]
struct Exported {
    key: KeyId,
    api_id: i32,
    except_ids: Vec<i64>,
    expires_at: Instant,
    /// The user who accepted it.
    accepted_by: Option<i64>,
}

/// A token handed out by `auth.loginTokenMigrateTo`, to import on `dc`.
#[derive(Debug, Clone)]
struct Import {
    user_id: i64,
    dc: DcId,
    expires_at: Instant,
    used: bool,
}

/// The simulator's QR login state.
#[derive(Debug)]
pub(crate) struct LoginTokens {
    ttl: Duration,
    exported: BTreeMap<Vec<u8>, Exported>,
    /// The live token of each key that exported one.
    by_key: BTreeMap<KeyId, Vec<u8>>,
    imports: BTreeMap<Vec<u8>, Import>,
    /// Keys owed an `updateLoginToken`, oldest first.
    updates: VecDeque<KeyId>,
}

impl Default for LoginTokens {
    fn default() -> Self {
        LoginTokens {
            ttl: DEFAULT_LOGIN_TOKEN_TTL,
            exported: BTreeMap::new(),
            by_key: BTreeMap::new(),
            imports: BTreeMap::new(),
            updates: VecDeque::new(),
        }
    }
}

impl LoginTokens {
    /// Forgets tokens [`FORGET_AFTER`] past their expiry, except accepted ones whose key has
    /// not exported again yet (one per key at most).
    fn sweep(&mut self, now: Instant) {
        let known = |expires_at: Instant| now.saturating_duration_since(expires_at) < FORGET_AFTER;
        let by_key = &mut self.by_key;
        self.exported.retain(|token, e| {
            let keep = e.accepted_by.is_some() || known(e.expires_at);
            if !keep && by_key.get(&e.key) == Some(token) {
                by_key.remove(&e.key);
            }
            keep
        });
        self.imports.retain(|_, i| known(i.expires_at));
    }
}

impl Answer for enums::auth::LoginToken {
    fn answer_name(&self) -> &'static str {
        self.constructor_name()
    }
}

impl Answer for enums::Authorization {
    fn answer_name(&self) -> &'static str {
        self.constructor_name()
    }
}

impl Sim {
    /// How long a login token lives (default [`DEFAULT_LOGIN_TOKEN_TTL`], 30 s).
    pub fn login_token_ttl(&self) -> Duration {
        self.qr.ttl
    }

    /// Sets how long the login tokens exported from now on live.
    pub fn set_login_token_ttl(&mut self, ttl: Duration) {
        self.qr.ttl = ttl;
    }

    /// Plays the device that scans the QR code: accepts `token` (the bytes of
    /// `tg://login?token=...`) as the account of `phone` (any format), as if one of its logged-in
    /// sessions called `auth.acceptLoginToken`. Not logged as a call.
    ///
    /// # Errors
    ///
    /// What `auth.acceptLoginToken` answers (`AUTH_TOKEN_INVALID`, `AUTH_TOKEN_EXPIRED`,
    /// `AUTH_TOKEN_ALREADY_ACCEPTED`, `AUTH_TOKEN_EXCEPTION`), or `401 AUTH_KEY_UNREGISTERED`
    /// when no account has this number.
    pub fn accept_login_token_as(
        &mut self,
        phone: &str,
        token: &[u8],
        now: Instant,
    ) -> Result<enums::Authorization, RpcError> {
        self.epoch.get_or_insert(now);
        let user_id = normalize_phone(phone)
            .and_then(|p| self.accounts.id_by_phone(&p))
            .ok_or_else(unregistered)?;
        self.accept(now, user_id, token)
    }

    /// The keys owed an `updateLoginToken` since the last call (their token was accepted),
    /// oldest first: deliver the update to each exporting client's session.
    pub fn take_login_token_updates(&mut self) -> Vec<KeyId> {
        self.qr.updates.drain(..).collect()
    }

    pub(crate) fn export_login_token(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::ExportLoginToken,
    ) -> Answered<enums::auth::LoginToken> {
        self.check_api(req.api_id, &req.api_hash)?;
        self.qr.sweep(now);
        if let Some(token) = self.qr.by_key.get(&at)
            && let Some(user_id) = self.qr.exported.get(token).and_then(|e| e.accepted_by)
        {
            if let Some(token) = self.qr.by_key.remove(&at) {
                self.qr.exported.remove(&token);
            }
            return self.finish_qr_login(now, at, user_id);
        }
        if let Some(old) = self.qr.by_key.remove(&at) {
            self.qr.exported.remove(&old);
        }
        let token = self.fresh_login_token();
        let expires_at = now.checked_add(self.qr.ttl).unwrap_or(now);
        let expires = self.unix_time(expires_at);
        self.qr.exported.insert(
            token.clone(),
            Exported {
                key: at,
                api_id: req.api_id,
                except_ids: req.except_ids,
                expires_at,
                accepted_by: None,
            },
        );
        self.qr.by_key.insert(at, token.clone());
        Ok(types::auth::LoginToken {
            expires: i32::try_from(expires).unwrap_or(i32::MAX),
            token: token.into(),
        }
        .into())
    }

    pub(crate) fn accept_login_token(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::AcceptLoginToken,
    ) -> Answered<enums::Authorization> {
        let KeyStatus::Authorized { user_id } = self.keys.status(at) else {
            return Err(unregistered());
        };
        self.accept(now, user_id, &req.token)
    }

    pub(crate) fn import_login_token(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::ImportLoginToken,
    ) -> Answered<enums::auth::LoginToken> {
        self.qr.sweep(now);
        let Some(import) = self.qr.imports.get_mut(&req.token[..]) else {
            // Unknown, forgotten, or an exported token (those are accepted, not imported).
            return Err(bad("AUTH_TOKEN_INVALID"));
        };
        if import.dc != at.dc {
            return Err(bad("AUTH_TOKEN_INVALID"));
        }
        if import.used {
            return Err(bad("AUTH_TOKEN_ALREADY_ACCEPTED"));
        }
        if now >= import.expires_at {
            return Err(bad("AUTH_TOKEN_EXPIRED"));
        }
        import.used = true;
        let user_id = import.user_id;
        self.qr_authorize(now, at, user_id)
    }

    /// `auth.acceptLoginToken` by `user_id`.
    fn accept(
        &mut self,
        now: Instant,
        user_id: i64,
        token: &[u8],
    ) -> Answered<enums::Authorization> {
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        if account.bot_username.is_some() {
            return Err(bad("BOT_METHOD_INVALID"));
        }
        let has_password = account.password.is_some();
        let Some(exported) = self.qr.exported.get(token) else {
            return Err(bad("AUTH_TOKEN_INVALID"));
        };
        if exported.accepted_by.is_some() {
            return Err(bad("AUTH_TOKEN_ALREADY_ACCEPTED"));
        }
        if now >= exported.expires_at {
            return Err(bad("AUTH_TOKEN_EXPIRED"));
        }
        if exported.except_ids.contains(&user_id) {
            return Err(bad("AUTH_TOKEN_EXCEPTION"));
        }
        let (key, api_id) = (exported.key, exported.api_id);
        let hash = self.rng.i64();
        let date = i32::try_from(self.unix_time(now)).unwrap_or(i32::MAX);
        if let Some(exported) = self.qr.exported.get_mut(token) {
            exported.accepted_by = Some(user_id);
        }
        if self.qr.updates.len() >= self.config.log_capacity.max(1) {
            self.qr.updates.pop_front();
        }
        self.qr.updates.push_back(key);
        Ok(types::Authorization {
            password_pending: has_password,
            hash,
            device_model: "tgauth client".into(),
            platform: "auth-sim".into(),
            system_version: "simulated".into(),
            api_id,
            app_name: "tgauth".into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            date_created: date,
            date_active: date,
            ip: "127.0.0.1".into(),
            country: "Simland".into(),
            ..Default::default()
        }
        .into())
    }

    /// The exporting key's token was accepted by `user_id`: log in here, or send the client to
    /// the user's DC.
    fn finish_qr_login(
        &mut self,
        now: Instant,
        at: KeyId,
        user_id: i64,
    ) -> Answered<enums::auth::LoginToken> {
        let home = self
            .accounts
            .get(user_id)
            .map(|a| a.home_dc)
            .ok_or_else(internal)?;
        if home == at.dc {
            return self.qr_authorize(now, at, user_id);
        }
        let token = self.fresh_login_token();
        self.qr.imports.insert(
            token.clone(),
            Import {
                user_id,
                dc: home,
                expires_at: now.checked_add(self.qr.ttl).unwrap_or(now),
                used: false,
            },
        );
        Ok(types::auth::LoginTokenMigrateTo {
            dc_id: home.0,
            token: token.into(),
        }
        .into())
    }

    /// Logs `at` in as `user_id` by QR code, or waits for the password.
    fn qr_authorize(
        &mut self,
        now: Instant,
        at: KeyId,
        user_id: i64,
    ) -> Answered<enums::auth::LoginToken> {
        let has_password = self
            .accounts
            .get(user_id)
            .is_some_and(|a| a.password.is_some());
        if has_password {
            self.keys
                .set_status(at, KeyStatus::PasswordPending { user_id });
            return Err(rpc::password_needed());
        }
        let authorization = self.login(now, at, user_id)?;
        Ok(types::auth::LoginTokenSuccess { authorization }.into())
    }

    /// Random token bytes no live token has.
    fn fresh_login_token(&mut self) -> Vec<u8> {
        loop {
            let token = self.rng.bytes(TOKEN_LEN);
            if !self.qr.exported.contains_key(&token) && !self.qr.imports.contains_key(&token) {
                return token;
            }
        }
    }
}
