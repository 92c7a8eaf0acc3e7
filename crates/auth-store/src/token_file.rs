//! [`TokenFile`]: future auth tokens ("logout tokens") kept in a file.

use std::path::Path;

use auth_core::Authorization;
use auth_core::logout_tokens::{LogoutTokens, LogoutTokensError};
use zeroize::Zeroizing;

use crate::error::{CorruptFile, OpenError, SaveError};
use crate::store_file::StoreFile;

/// Larger than any valid token file (20 tokens of at most 1024 bytes): reading stops here.
const MAX_FILE_LEN: usize = 64 * 1024;

/// A file-backed [`LogoutTokens`] list: every change is saved at once, atomically.
///
/// The file holds [`LogoutTokens::encode`]'s bytes (magic, version, tokens, checksum); the
/// [crate docs](crate) say how it is saved, locked and recovered. Memory and disk agree: a
/// change whose save fails ([`SaveError::NotSaved`]) is not applied.
///
/// Getters: [`path`](Self::path), [`tokens`](Self::tokens). Commands (each saved before it
/// returns): [`push`](Self::push), [`remove`](Self::remove), [`remember`](Self::remember).
///
/// ```
/// use auth_store::TokenFile;
///
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("tokens.bin");
/// let (mut store, corrupt) = TokenFile::open(&path)?;
/// if let Some(c) = corrupt {
///     eprintln!("starting over: {c}");
/// }
/// store.push(b"future-auth-token")?; // from auth.logOut or a login
/// let mut config = auth_core::login::Config::new(12345, "api-hash");
/// config.logout_tokens = store.tokens().clone();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TokenFile {
    file: StoreFile,
    tokens: LogoutTokens,
}

impl TokenFile {
    /// Opens (or, if missing, starts) the list at `path` and locks it until the `TokenFile` is
    /// dropped. Nothing but the lock file is written until a change.
    ///
    /// A file that does not decode is renamed to `<name>.corrupt-<n>` (the first free `n`
    /// from 1) and reported as [`CorruptFile`]; the list then starts empty.
    ///
    /// # Errors
    ///
    /// [`OpenError::Locked`] if the file is open in another `TokenFile` (of any process);
    /// [`OpenError::NoFileName`]; [`OpenError::Io`] if the lock file cannot be created (a
    /// missing directory), the file cannot be read or a corrupt one cannot be moved aside.
    pub fn open(
        path: impl AsRef<Path>,
    ) -> Result<(TokenFile, Option<CorruptFile<LogoutTokensError>>), OpenError> {
        let opened = StoreFile::open(
            path.as_ref(),
            MAX_FILE_LEN,
            LogoutTokensError::Malformed("file larger than any token file"),
            LogoutTokens::decode,
        )?;
        let store = TokenFile {
            file: opened.file,
            tokens: opened.content.unwrap_or_default(),
        };
        Ok((store, opened.corrupt))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The tokens, newest first: put a clone in `Config::logout_tokens`.
    pub fn tokens(&self) -> &LogoutTokens {
        &self.tokens
    }

    /// Adds a token as the newest (see [`LogoutTokens::push`]: at most 20 are kept) and saves.
    /// Nothing is written if the list does not change.
    ///
    /// # Errors
    ///
    /// [`SaveError`]: `NotSaved` leaves the list unchanged; `NotDurable` applied it.
    pub fn push(&mut self, token: &[u8]) -> Result<(), SaveError> {
        let mut next = self.tokens.clone();
        if next.push(token) {
            self.replace(next)?;
        }
        Ok(())
    }

    /// Forgets a token and saves. Nothing is written if it was not there.
    ///
    /// # Errors
    ///
    /// [`SaveError`]: `NotSaved` leaves the list unchanged; `NotDurable` applied it.
    pub fn remove(&mut self, token: &[u8]) -> Result<(), SaveError> {
        let mut next = self.tokens.clone();
        if next.remove(token) {
            self.replace(next)?;
        }
        Ok(())
    }

    /// Stores the `future_auth_token` of a login, if it carried one (see [`push`](Self::push)).
    ///
    /// # Errors
    ///
    /// [`SaveError`]: `NotSaved` leaves the list unchanged; `NotDurable` applied it.
    pub fn remember(&mut self, authorization: &Authorization) -> Result<(), SaveError> {
        match &authorization.future_auth_token {
            Some(token) => self.push(token),
            None => Ok(()),
        }
    }

    fn replace(&mut self, next: LogoutTokens) -> Result<(), SaveError> {
        let bytes = Zeroizing::new(next.encode());
        self.file.save_then_apply(&bytes, &mut self.tokens, next)
    }

    /// The injected failures of this store's saves.
    #[cfg(test)]
    pub(crate) fn faults(&mut self) -> &mut crate::store_file::Faults {
        &mut self.file.faults
    }
}
