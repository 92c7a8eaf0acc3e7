//! [`SessionFile`]: a [`Session`] kept in a file, saved before every change is applied.

use std::path::Path;

use auth_core::DcId;

use crate::error::{CorruptFile, OpenError, SaveError};
use crate::session::ChangeError;
use crate::session::{DcKey, Session, SessionDecodeError};
use crate::store_file::StoreFile;

/// A file-backed [`Session`]: the auth key, server salt and time offset of every data center,
/// the home DC and the logged-in user, so that a login outlives the process.
///
/// Every change is saved atomically before the call returns, and memory and disk agree: a
/// change whose save fails ([`SaveError::NotSaved`]) is not applied; one that reached the file
/// without a durable directory entry ([`SaveError::NotDurable`]) is. Changes that change
/// nothing write nothing. The [crate docs](crate) say how the file is saved, locked and
/// recovered.
///
/// Getters: [`path`](Self::path), [`session`](Self::session) (and through it
/// [`key`](Session::key), [`home_dc`](Session::home_dc), [`user_id`](Session::user_id)).
/// Commands, each saved before it returns: [`put_key`](Self::put_key),
/// [`set_server_salt`](Self::set_server_salt), [`set_time_offset`](Self::set_time_offset),
/// [`set_home_dc`](Self::set_home_dc), [`set_logged_in`](Self::set_logged_in),
/// [`drop_key`](Self::drop_key), [`log_out`](Self::log_out).
#[derive(Debug)]
pub struct SessionFile {
    file: StoreFile,
    session: Session,
}

impl SessionFile {
    /// Opens (or, if missing, starts) the session at `path` and locks it until the
    /// `SessionFile` is dropped. Nothing but the lock file is written until a change.
    ///
    /// A file that does not decode is renamed to `<name>.corrupt-<n>` (the first free `n`
    /// from 1) and reported as [`CorruptFile`]; the session then starts empty (a new login).
    ///
    /// # Errors
    ///
    /// [`OpenError::Locked`] if the file is open in another `SessionFile` (of any process);
    /// [`OpenError::NoFileName`]; [`OpenError::Io`] if the lock file cannot be created (a
    /// missing directory), the file cannot be read or a corrupt one cannot be moved aside.
    pub fn open(
        path: impl AsRef<Path>,
    ) -> Result<(SessionFile, Option<CorruptFile<SessionDecodeError>>), OpenError> {
        let opened = StoreFile::open(
            path.as_ref(),
            Session::MAX_ENCODED_LEN,
            SessionDecodeError::Malformed("file larger than any session file"),
            Session::decode,
        )?;
        let store = SessionFile {
            file: opened.file,
            session: opened.content.unwrap_or_default(),
        };
        Ok((store, opened.corrupt))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The session as saved.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Stores `key` as `dc`'s key state, replacing any other. A new auth key for the home DC
    /// ends the recorded login (it was bound to the old key).
    ///
    /// # Errors
    ///
    /// [`ChangeError::TooManyDcs`] for a key beyond [`MAX_DCS`](crate::MAX_DCS) data
    /// centers; [`ChangeError::Save`].
    pub fn put_key(&mut self, dc: DcId, key: DcKey) -> Result<(), ChangeError> {
        if self.session.key(dc) == Some(&key) {
            return Ok(());
        }
        let mut next = self.session.clone();
        next.put_key(dc, key)?;
        self.replace(next)?;
        Ok(())
    }

    /// Updates `dc`'s server salt (after `bad_server_salt` or `new_session_created`). Cheap:
    /// changed in place, no copy of the session's keys.
    ///
    /// # Errors
    ///
    /// [`ChangeError::NoKey`] if `dc` has no key; [`ChangeError::Save`].
    pub fn set_server_salt(&mut self, dc: DcId, salt: i64) -> Result<(), ChangeError> {
        self.update_in_place(dc, |key| &mut key.server_salt, salt)
    }

    /// Updates `dc`'s time offset (server time minus local time, seconds), in place like
    /// [`set_server_salt`](Self::set_server_salt).
    ///
    /// # Errors
    ///
    /// [`ChangeError::NoKey`] if `dc` has no key; [`ChangeError::Save`].
    pub fn set_time_offset(&mut self, dc: DcId, offset: i32) -> Result<(), ChangeError> {
        self.update_in_place(dc, |key| &mut key.time_offset, offset)
    }

    /// Sets the home DC (learned from a `*_MIGRATE_X` before logging in). Moving it to another
    /// DC ends the recorded login, which was on the old one.
    ///
    /// # Errors
    ///
    /// [`SaveError`].
    pub fn set_home_dc(&mut self, dc: DcId) -> Result<(), SaveError> {
        let mut next = self.session.clone();
        next.set_home_dc(dc);
        self.replace(next)
    }

    /// Records that `user_id` logged in on `dc`, which becomes the home DC.
    ///
    /// # Errors
    ///
    /// [`ChangeError::NoKey`] if `dc` has no key (a login happens over one);
    /// [`ChangeError::Save`].
    pub fn set_logged_in(&mut self, dc: DcId, user_id: i64) -> Result<(), ChangeError> {
        let mut next = self.session.clone();
        next.set_logged_in(dc, user_id)?;
        self.replace(next)?;
        Ok(())
    }

    /// Forgets `dc`'s key (the server answered `-404`: it does not know the key). If it was
    /// the home DC's key, the recorded login goes with it; the home DC stays.
    ///
    /// # Errors
    ///
    /// [`SaveError`].
    pub fn drop_key(&mut self, dc: DcId) -> Result<(), SaveError> {
        let mut next = self.session.clone();
        next.drop_key(dc);
        self.replace(next)
    }

    /// Forgets everything — every key, the home DC and the user — after logging out. The file
    /// is kept, empty, so that an old session cannot come back.
    ///
    /// # Errors
    ///
    /// [`SaveError`].
    pub fn log_out(&mut self) -> Result<(), SaveError> {
        self.replace(Session::new())
    }

    /// Saves `next` and makes it the session, unless it changes nothing.
    fn replace(&mut self, next: Session) -> Result<(), SaveError> {
        if next == self.session {
            return Ok(());
        }
        let bytes = next.encode();
        self.file.save_then_apply(&bytes, &mut self.session, next)
    }

    /// Sets one field of `dc`'s key state to `value`, saves, and puts the old value back if
    /// the save did not happen.
    fn update_in_place<T: Copy + PartialEq>(
        &mut self,
        dc: DcId,
        field: fn(&mut DcKey) -> &mut T,
        value: T,
    ) -> Result<(), ChangeError> {
        let key = self.session.key_mut(dc).ok_or(ChangeError::NoKey(dc))?;
        let slot = field(key);
        if *slot == value {
            return Ok(());
        }
        let old = std::mem::replace(slot, value);
        let result = self.file.replace(&self.session.encode());
        if let Err(e) = &result
            && !e.is_saved()
            && let Some(key) = self.session.key_mut(dc)
        {
            *field(key) = old;
        }
        Ok(result?)
    }

    /// The injected failures of this store's saves.
    #[cfg(test)]
    pub(crate) fn faults(&mut self) -> &mut crate::store_file::Faults {
        &mut self.file.faults
    }
}
