//! The sessions of logged-in accounts: `account.getAuthorizations`, confirming or resetting a
//! new login (`account.changeAuthorizationSettings`, `account.resetAuthorization`), the
//! `updateNewAuthorization` the other sessions would receive, `account.invalidateSignInCodes`,
//! and frozen accounts.
//!
//! Every authorized key is a session. [`Sim::track_session`] runs after each call: a key that
//! became authorized gets a session (with a hash drawn from its own stream of the seed, so the
//! other random values do not change), a key that is no longer authorized loses it. A login by
//! code, password, recovery or logout token while the account has other sessions is
//! *unconfirmed*, and each of those sessions is sent (queued, since the simulator cannot push
//! over its transport) an `updateNewAuthorization`. Imported authorizations (a hand-off between
//! DCs of the same client), QR logins completed by `auth.exportLoginToken` /
//! `auth.importLoginToken` (another session accepted them) and bots are never unconfirmed and
//! announce nothing.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use auth_core::RpcError;
use auth_core::entropy::Entropy;
use auth_core::tl::{enums, functions, types};

use crate::Sim;
use crate::keys::{KeyId, KeyStatus};
use crate::methods;
use crate::rpc::{Answer, Answered, bad, unregistered};

/// `authorization_ttl_days` reported by `account.getAuthorizations`.
const AUTHORIZATION_TTL_DAYS: i32 = 180;

/// One session: an authorized key.
#[derive(Debug, Clone)]
struct Session {
    user_id: i64,
    hash: i64,
    created: i32,
    active: i32,
    unconfirmed: bool,
    encrypted_requests_disabled: bool,
    call_requests_disabled: bool,
}

/// What the simulator keeps about sessions and frozen accounts.
#[derive(Debug)]
pub(crate) struct Sessions {
    by_key: BTreeMap<KeyId, Session>,
    /// Index of `by_key` by session hash, so a login costs the same however many came before.
    by_hash: BTreeMap<i64, KeyId>,
    /// How many sessions each user has.
    per_user: BTreeMap<i64, usize>,
    frozen: BTreeSet<i64>,
    /// `updateNewAuthorization`s for the account's other sessions, by user id, oldest first.
    updates: VecDeque<(i64, enums::Update)>,
    /// Session hashes: a stream of its own, so that sessions do not shift other random values.
    hashes: Entropy,
}

impl Sessions {
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        Sessions {
            by_key: BTreeMap::new(),
            by_hash: BTreeMap::new(),
            per_user: BTreeMap::new(),
            frozen: BTreeSet::new(),
            updates: VecDeque::new(),
            hashes: Entropy::deterministic(seed).fork(b"auth-sim/sessions"),
        }
    }

    /// A fresh non-zero hash no live session has.
    fn fresh_hash(&mut self) -> i64 {
        loop {
            let hash = i64::from_be_bytes(self.hashes.next_u64().to_be_bytes());
            if hash != 0 && !self.by_hash.contains_key(&hash) {
                return hash;
            }
        }
    }

    fn key_of(&self, user_id: i64, hash: i64) -> Option<KeyId> {
        let key = *self.by_hash.get(&hash)?;
        self.by_key
            .get(&key)
            .filter(|s| s.user_id == user_id)
            .map(|_| key)
    }

    fn insert(&mut self, at: KeyId, session: Session) {
        self.remove(at);
        self.by_hash.insert(session.hash, at);
        *self.per_user.entry(session.user_id).or_default() += 1;
        self.by_key.insert(at, session);
    }

    fn remove(&mut self, at: KeyId) {
        if let Some(old) = self.by_key.remove(&at) {
            self.by_hash.remove(&old.hash);
            if let Some(n) = self.per_user.get_mut(&old.user_id) {
                *n -= 1;
                if *n == 0 {
                    self.per_user.remove(&old.user_id);
                }
            }
        }
    }

    /// How many sessions `user_id` has.
    fn count(&self, user_id: i64) -> usize {
        self.per_user.get(&user_id).copied().unwrap_or(0)
    }
}

impl Answer for enums::account::Authorizations {
    fn answer_name(&self) -> &'static str {
        self.constructor_name()
    }
}

/// How a session describes its device: the simulator knows only the key.
fn device(at: KeyId) -> String {
    format!("auth-sim key {:#x}", at.key)
}

fn location(at: KeyId) -> String {
    format!("Simulated {}", at.dc)
}

fn fresh_forbidden() -> RpcError {
    RpcError::new(406, "FRESH_RESET_AUTHORISATION_FORBIDDEN")
}

impl Sim {
    fn session_date(&self, now: Instant) -> i32 {
        i32::try_from(self.unix_time(now)).unwrap_or(i32::MAX)
    }

    /// After a call on `at` (which named `method`): gives a newly authorized key its session,
    /// or drops the session of a key that is no longer authorized.
    pub(crate) fn track_session(&mut self, now: Instant, at: KeyId, method: &'static str) {
        let date = self.session_date(now);
        let KeyStatus::Authorized { user_id } = self.keys.status(at) else {
            self.sessions.remove(at);
            return;
        };
        if let Some(s) = self.sessions.by_key.get_mut(&at)
            && s.user_id == user_id
        {
            s.active = date;
            return;
        }
        let is_bot = self
            .accounts
            .get(user_id)
            .is_none_or(|a| a.bot_username.is_some());
        // A hand-off between DCs of the same client, or a QR login another session accepted.
        let vouched = matches!(
            method,
            "auth.importAuthorization" | "auth.exportLoginToken" | "auth.importLoginToken"
        );
        // `at` has no session of this user (checked above), so all of them are others'.
        let others = self.sessions.count(user_id);
        let announce = !is_bot && !vouched && others > 0;
        let hash = self.sessions.fresh_hash();
        self.sessions.insert(
            at,
            Session {
                user_id,
                hash,
                created: date,
                active: date,
                unconfirmed: announce,
                encrypted_requests_disabled: false,
                call_requests_disabled: false,
            },
        );
        if announce {
            let update = types::UpdateNewAuthorization {
                hash,
                details: Some(types::NewAuthorizationDetails {
                    date,
                    device: device(at),
                    location: location(at),
                }),
            };
            if self.sessions.updates.len() >= self.config.log_capacity.max(1) {
                self.sessions.updates.pop_front();
            }
            self.sessions.updates.push_back((user_id, update.into()));
        }
    }

    /// Refuses what a frozen account may not call on its logged-in keys: every method but
    /// `auth.*` and `help.*` gets `420 FROZEN_METHOD_INVALID`.
    pub(crate) fn refuse_frozen(&self, at: KeyId, id: u32) -> Result<(), RpcError> {
        let KeyStatus::Authorized { user_id } = self.keys.status(at) else {
            return Ok(());
        };
        if !self.sessions.frozen.contains(&user_id) {
            return Ok(());
        }
        match methods::name_at(id, self.keys.layer(at)) {
            Some(name) if name.starts_with("auth.") || name.starts_with("help.") => Ok(()),
            _ => Err(RpcError::new(420, "FROZEN_METHOD_INVALID")),
        }
    }

    /// The session of a logged-in key, or `401 AUTH_KEY_UNREGISTERED`.
    fn own_session(&self, at: KeyId) -> Result<(i64, bool), RpcError> {
        match (self.keys.status(at), self.sessions.by_key.get(&at)) {
            (KeyStatus::Authorized { user_id }, Some(s)) if s.user_id == user_id => {
                Ok((user_id, s.unconfirmed))
            }
            (KeyStatus::Authorized { user_id }, _) => Ok((user_id, false)),
            _ => Err(unregistered()),
        }
    }

    fn session_authorization(
        &self,
        at: KeyId,
        s: &Session,
        current: KeyId,
    ) -> types::Authorization {
        types::Authorization {
            current: at == current,
            official_app: false,
            password_pending: false,
            encrypted_requests_disabled: s.encrypted_requests_disabled,
            call_requests_disabled: s.call_requests_disabled,
            unconfirmed: s.unconfirmed,
            hash: s.hash,
            device_model: device(at),
            platform: "sim".into(),
            system_version: "1".into(),
            api_id: 0,
            app_name: "auth-sim client".into(),
            app_version: "1.0".into(),
            date_created: s.created,
            date_active: s.active,
            ip: "127.0.0.1".into(),
            country: "Simulated".into(),
            region: at.dc.to_string(),
        }
    }

    pub(crate) fn get_authorizations(
        &mut self,
        _now: Instant,
        at: KeyId,
        _req: functions::account::GetAuthorizations,
    ) -> Answered<enums::account::Authorizations> {
        let (user_id, _) = self.own_session(at)?;
        let mut list: Vec<(KeyId, &Session)> = self
            .sessions
            .by_key
            .iter()
            .filter(|(_, s)| s.user_id == user_id)
            .map(|(k, s)| (*k, s))
            .collect();
        // The current session first, then the others, newest first.
        list.sort_by_key(|(k, s)| (*k != at, std::cmp::Reverse(s.created), *k));
        let authorizations = list
            .into_iter()
            .map(|(k, s)| self.session_authorization(k, s, at).into())
            .collect();
        Ok(types::account::Authorizations {
            authorization_ttl_days: AUTHORIZATION_TTL_DAYS,
            authorizations,
        }
        .into())
    }

    pub(crate) fn change_authorization_settings(
        &mut self,
        _now: Instant,
        at: KeyId,
        req: functions::account::ChangeAuthorizationSettings,
    ) -> Answered<bool> {
        let (user_id, caller_unconfirmed) = self.own_session(at)?;
        let target = self
            .sessions
            .key_of(user_id, req.hash)
            .ok_or_else(|| bad("HASH_INVALID"))?;
        if req.confirmed && caller_unconfirmed {
            return Err(fresh_forbidden());
        }
        let s = self
            .sessions
            .by_key
            .get_mut(&target)
            .ok_or_else(|| bad("HASH_INVALID"))?;
        if req.confirmed {
            s.unconfirmed = false;
        }
        if let Some(v) = req.encrypted_requests_disabled {
            s.encrypted_requests_disabled = v;
        }
        if let Some(v) = req.call_requests_disabled {
            s.call_requests_disabled = v;
        }
        Ok(true)
    }

    pub(crate) fn reset_authorization(
        &mut self,
        _now: Instant,
        at: KeyId,
        req: functions::account::ResetAuthorization,
    ) -> Answered<bool> {
        let (user_id, caller_unconfirmed) = self.own_session(at)?;
        let target = self
            .sessions
            .key_of(user_id, req.hash)
            .filter(|k| *k != at)
            .ok_or_else(|| bad("HASH_INVALID"))?;
        if caller_unconfirmed {
            return Err(fresh_forbidden());
        }
        self.keys.set_status(target, KeyStatus::Unauthorized);
        self.sessions.remove(target);
        Ok(true)
    }

    pub(crate) fn invalidate_sign_in_codes(
        &mut self,
        _now: Instant,
        at: KeyId,
        req: functions::account::InvalidateSignInCodes,
    ) -> Answered<bool> {
        let (user_id, _) = self.own_session(at)?;
        let phone = self.accounts.get(user_id).and_then(|a| a.phone.clone());
        self.codes.retain(|(_, code_phone), p| {
            let ours = p.user_id == Some(user_id) || phone.as_ref() == Some(code_phone);
            let named = req.codes.iter().any(|c| *c == p.code || *c == p.expected());
            !(ours && named)
        });
        Ok(true)
    }

    // ----- inspection -----

    /// Freezes (or unfreezes) an account: its logged-in keys then get `420 FROZEN_METHOD_INVALID`
    /// for every method but `auth.*` and `help.*`. Returns whether the account exists.
    pub fn set_frozen(&mut self, user_id: i64, frozen: bool) -> bool {
        if !self.accounts.contains_id(user_id) {
            return false;
        }
        if frozen {
            self.sessions.frozen.insert(user_id);
        } else {
            self.sessions.frozen.remove(&user_id);
        }
        true
    }

    /// Whether the account is frozen (see [`set_frozen`](Self::set_frozen)).
    pub fn is_frozen(&self, user_id: i64) -> bool {
        self.sessions.frozen.contains(&user_id)
    }

    /// The account's sessions as `account.getAuthorizations` lists them (none marked
    /// `current`), oldest first.
    pub fn authorizations(&self, user_id: i64) -> Vec<types::Authorization> {
        let mut list: Vec<(KeyId, &Session)> = self
            .sessions
            .by_key
            .iter()
            .filter(|(_, s)| s.user_id == user_id)
            .map(|(k, s)| (*k, s))
            .collect();
        list.sort_by_key(|(k, s)| (s.created, *k));
        list.into_iter()
            .map(|(k, s)| {
                let mut a = self.session_authorization(k, s, k);
                a.current = false;
                a
            })
            .collect()
    }

    /// Drains the `updateNewAuthorization`s the account's other sessions would have received
    /// (one per unconfirmed login, with date, device and location), oldest first.
    pub fn take_new_authorization_updates(&mut self, user_id: i64) -> Vec<enums::Update> {
        let mut taken = Vec::new();
        self.sessions.updates.retain(|(user, update)| {
            if *user == user_id {
                taken.push(update.clone());
                false
            } else {
                true
            }
        });
        taken
    }
}
