//! Logging a key in and out: `auth.authorization` answers, logout tokens (`auth.logOut`,
//! `future_auth_token`), `auth.exportAuthorization` / `auth.importAuthorization`, and
//! `auth.importBotAuthorization`.

use std::time::Instant;

use auth_core::DcId;
use auth_core::tl::{RawUser, enums, functions, types};

use crate::Sim;
use crate::keys::{KeyId, KeyStatus};
use crate::phone::dc_exists;
use crate::rpc::{Answered, bad, internal, migrate, unregistered};

/// Length of logout tokens and exported authorization bytes.
const TOKEN_LEN: usize = 32;

/// An authorization exported for another DC, waiting to be imported once.
#[derive(Debug, Clone)]
pub(crate) struct Exported {
    pub(crate) user_id: i64,
    pub(crate) dc: DcId,
    pub(crate) bytes: Vec<u8>,
}

impl Sim {
    /// A fresh random token, distinct from every logout token issued so far.
    fn fresh_token(&mut self) -> Vec<u8> {
        loop {
            let token = self.rng.bytes(TOKEN_LEN);
            if !self.logout_tokens.contains_key(&token) {
                return token;
            }
        }
    }

    /// Issues a logout token for `user_id` at `now`, valid for
    /// [`SimConfig::logout_token_ttl`](crate::SimConfig::logout_token_ttl).
    fn issue_token(&mut self, now: Instant, user_id: i64) -> Vec<u8> {
        let token = self.fresh_token();
        self.logout_tokens.insert(token.clone(), (user_id, now));
        token
    }

    /// Logs `at` in as `user_id` and builds the `auth.authorization` answer (with a fresh
    /// `future_auth_token` when so configured; never for bots).
    pub(crate) fn login(
        &mut self,
        now: Instant,
        at: KeyId,
        user_id: i64,
    ) -> Answered<enums::auth::Authorization> {
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        let user = self.user_at(at, account);
        let is_bot = account.bot_username.is_some();
        self.keys.set_status(at, KeyStatus::Authorized { user_id });
        let future_auth_token = (self.config.future_auth_token_on_login && !is_bot)
            .then(|| self.issue_token(now, user_id));
        Ok(types::auth::Authorization {
            otherwise_relogin_days: None,
            tmp_sessions: None,
            future_auth_token: future_auth_token.map(Into::into),
            user,
        }
        .into())
    }

    /// The account's `user`, in the layout of the key's layer, as the raw bytes a reply
    /// carries.
    pub(crate) fn user_at(&self, at: KeyId, account: &crate::accounts::Account) -> RawUser {
        let user = account.user();
        let layer = self.keys.layer(at);
        RawUser::from(user.clone().for_layer(layer).unwrap_or(user))
    }

    pub(crate) fn log_out(
        &mut self,
        now: Instant,
        at: KeyId,
        _req: functions::auth::LogOut,
    ) -> Answered<enums::auth::LoggedOut> {
        let KeyStatus::Authorized { user_id } = self.keys.status(at) else {
            return Err(unregistered());
        };
        let is_bot = self
            .accounts
            .get(user_id)
            .is_some_and(|a| a.bot_username.is_some());
        self.keys.set_status(at, KeyStatus::Unauthorized);
        let future_auth_token = (!is_bot).then(|| self.issue_token(now, user_id));
        Ok(types::auth::LoggedOut {
            future_auth_token: future_auth_token.map(Into::into),
        }
        .into())
    }

    pub(crate) fn export_authorization(
        &mut self,
        _now: Instant,
        at: KeyId,
        req: functions::auth::ExportAuthorization,
    ) -> Answered<enums::auth::ExportedAuthorization> {
        let KeyStatus::Authorized { user_id } = self.keys.status(at) else {
            return Err(unregistered());
        };
        let dc = DcId(req.dc_id);
        if !dc_exists(dc) || dc == at.dc {
            return Err(bad("DC_ID_INVALID"));
        }
        let mut id = self.rng.i64();
        while self.exported.contains_key(&id) {
            id = self.rng.i64();
        }
        let bytes = self.rng.bytes(TOKEN_LEN);
        self.exported.insert(
            id,
            Exported {
                user_id,
                dc,
                bytes: bytes.clone(),
            },
        );
        Ok(types::auth::ExportedAuthorization {
            id,
            bytes: bytes.into(),
        }
        .into())
    }

    pub(crate) fn import_authorization(
        &mut self,
        _now: Instant,
        at: KeyId,
        req: functions::auth::ImportAuthorization,
    ) -> Answered<enums::auth::Authorization> {
        let matches = self
            .exported
            .get(&req.id)
            .is_some_and(|e| e.dc == at.dc && e.bytes == req.bytes);
        if !matches {
            return Err(bad("AUTH_BYTES_INVALID"));
        }
        let user_id = self
            .exported
            .remove(&req.id)
            .map(|e| e.user_id)
            .ok_or_else(internal)?;
        // An imported authorization is a second session of an existing login: no new token.
        let account = self.accounts.get(user_id).ok_or_else(internal)?;
        let user = self.user_at(at, account);
        self.keys.set_status(at, KeyStatus::Authorized { user_id });
        Ok(types::auth::Authorization {
            otherwise_relogin_days: None,
            tmp_sessions: None,
            future_auth_token: None,
            user,
        }
        .into())
    }

    pub(crate) fn import_bot_authorization(
        &mut self,
        now: Instant,
        at: KeyId,
        req: functions::auth::ImportBotAuthorization,
    ) -> Answered<enums::auth::Authorization> {
        self.check_api(req.api_id, &req.api_hash)?;
        let Some(user_id) = self.accounts.id_by_bot_token(&req.bot_auth_token) else {
            return Err(bad("ACCESS_TOKEN_INVALID"));
        };
        let home = self
            .accounts
            .get(user_id)
            .map(|a| a.home_dc)
            .ok_or_else(internal)?;
        if home != at.dc {
            return Err(migrate("USER", home));
        }
        self.login(now, at, user_id)
    }
}

/// Splits a bot token `<id>:<secret>` into its id, if well formed.
pub(crate) fn bot_token_id(token: &str) -> Option<i64> {
    let (id, secret) = token.split_once(':')?;
    let ok_secret = !secret.is_empty()
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let ok_id = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    if !(ok_secret && ok_id) {
        return None;
    }
    id.parse::<i64>().ok().filter(|&id| id > 0)
}
