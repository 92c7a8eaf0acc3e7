//! A [`SessionFile`] as the store of an MTProto [`Pool`]: the keys it restores before the first
//! call, and what the pool's `KeyChanged` events change — in one place for both adapters.

use std::time::{SystemTime, UNIX_EPOCH};

use auth_core::DcId;
use mtproto::pool::Pool;
use mtproto::session::SessionKey;
use zeroize::Zeroizing;

use crate::session::ChangeError;
use crate::session::{AuthKey, DcKey};
use crate::session_file::SessionFile;

impl SessionFile {
    /// Records what a pool's `KeyChanged` event says about `dc`: the same key with a new salt
    /// or clock offset (changed in place), a new key (created now; for the home DC it ends the
    /// recorded login), or `None` — the server forgot the key — which drops it. `test_dc` marks
    /// keys of Telegram's test servers, so that they are never used on production ones.
    ///
    /// # Errors
    ///
    /// [`ChangeError::TooManyDcs`] or [`ChangeError::Save`].
    pub fn record_key(
        &mut self,
        dc: DcId,
        key: Option<&SessionKey>,
        test_dc: bool,
    ) -> Result<(), ChangeError> {
        let Some(key) = key else {
            return Ok(self.drop_key(dc)?);
        };
        let bytes = Zeroizing::new(key.auth_key.to_bytes());
        let auth_key = AuthKey::new(&bytes);
        let time_offset = clamp_offset(key.time_offset);
        if let Some(stored) = self.session().key(dc)
            && stored.auth_key == auth_key
            && stored.test_dc == test_dc
        {
            self.set_server_salt(dc, key.salt)?;
            return self.set_time_offset(dc, time_offset);
        }
        let created_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        self.put_key(
            dc,
            DcKey {
                auth_key,
                server_salt: key.salt,
                time_offset,
                test_dc,
                temporary: false,
                created_at,
            },
        )
    }

    /// Hands `pool` every stored permanent key of the servers it talks to (test or production,
    /// as its configuration says) whose DC it has an address for, before its first call. Returns
    /// the DCs whose keys it took.
    pub fn restore_keys(&self, pool: &mut Pool) -> Vec<DcId> {
        let test_servers = pool.config().test_servers;
        let mut restored = Vec::new();
        for (dc, stored) in self.session().keys() {
            if stored.test_dc != test_servers || stored.temporary {
                continue;
            }
            let key = SessionKey {
                auth_key: mtproto::AuthKey::from_bytes(*stored.auth_key.as_bytes()),
                salt: stored.server_salt,
                time_offset: i64::from(stored.time_offset),
            };
            if pool.restore_key(dc.0, key).is_ok() {
                restored.push(dc);
            }
        }
        restored
    }
}

/// A clock offset as the file keeps it (seconds, within `i32`).
fn clamp_offset(offset: i64) -> i32 {
    i32::try_from(offset).unwrap_or(if offset < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Instant;

    use mtproto::keys::RsaPrivateKey;
    use mtproto::pool::{DcTable, PoolConfig};
    use mtproto::session::ClientInfo;
    use tg_crypto::entropy::Entropy;

    use super::*;

    fn session_key(byte: u8, salt: i64) -> SessionKey {
        SessionKey {
            auth_key: mtproto::AuthKey::from_bytes([byte; 256]),
            salt,
            time_offset: -3,
        }
    }

    fn pool(test_servers: bool) -> Pool {
        let mut config = PoolConfig::new(
            DcTable::consecutive(IpAddr::V4(Ipv4Addr::LOCALHOST), 40_000, 3),
            vec![RsaPrivateKey::test_only_server_key().public_key().clone()],
            228,
            ClientInfo::new(1),
        );
        config.test_servers = test_servers;
        Pool::new(
            config,
            Instant::now(),
            SystemTime::now(),
            Entropy::deterministic([1; 32]),
        )
        .unwrap()
    }

    #[test]
    fn keys_are_recorded_updated_dropped_and_restored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session");
        let (mut store, _) = SessionFile::open(&path).unwrap();
        store
            .record_key(DcId(2), Some(&session_key(1, 10)), false)
            .unwrap();
        store.set_logged_in(DcId(2), 77).unwrap();
        // A new salt of the same key keeps the login.
        store
            .record_key(DcId(2), Some(&session_key(1, 11)), false)
            .unwrap();
        assert_eq!(store.session().user_id(), Some(77));
        let stored = store.session().key(DcId(2)).unwrap();
        assert_eq!((stored.server_salt, stored.time_offset), (11, -3));
        assert!(stored.created_at.is_some());
        store
            .record_key(DcId(3), Some(&session_key(2, 5)), true)
            .unwrap();
        store
            .record_key(DcId(9), Some(&session_key(3, 5)), false)
            .unwrap();
        drop(store);

        let (mut store, _) = SessionFile::open(&path).unwrap();
        let mut production = pool(false);
        assert_eq!(
            store.restore_keys(&mut production),
            vec![DcId(2)],
            "not the test key, not DC 9"
        );
        assert_eq!(production.key(2), Some(session_key(1, 11)));
        let mut test = pool(true);
        assert_eq!(store.restore_keys(&mut test), vec![DcId(3)]);

        // A new key for the home DC ends the login; a dropped key is gone.
        store
            .record_key(DcId(2), Some(&session_key(4, 1)), false)
            .unwrap();
        assert_eq!(store.session().user_id(), None);
        store.record_key(DcId(3), None, true).unwrap();
        assert!(store.session().key(DcId(3)).is_none());
    }

    #[test]
    fn offsets_beyond_i32_are_clamped() {
        assert_eq!(clamp_offset(i64::MAX), i32::MAX);
        assert_eq!(clamp_offset(i64::MIN), i32::MIN);
        assert_eq!(clamp_offset(-5), -5);
    }
}
