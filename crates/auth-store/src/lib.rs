//! Hardened files for what a Telegram client keeps between runs, shared by the `auth-blocking`
//! and `auth-tokio` adapters (std file IO only, no async runtime):
//!
//! * [`SessionFile`] — the [`Session`]: per data center the auth key, server salt and time
//!   offset ([`DcKey`]), the home DC and the logged-in user, so that a login outlives the
//!   process;
//! * [`TokenFile`] — the device's logout tokens
//!   ([`LogoutTokens`](auth_core::logout_tokens::LogoutTokens)), so that the next login can
//!   skip the code.
//!
//! A session file is also the store of an MTProto [`Pool`](mtproto::pool::Pool):
//! [`SessionFile::restore_keys`] hands it the stored keys and [`SessionFile::record_key`]
//! applies what its `KeyChanged` events say.
//!
//! # What both files guarantee
//!
//! * **Versioned and checksummed**: a magic, a format version and a truncated SHA-256; decoding
//!   is strict and bounded (a file is read up to the largest valid size, plus one byte).
//! * **Atomic replace**: a save writes a temp file in the same directory — created exclusively
//!   (`O_EXCL`) under a random name (`<name>.tmp-XXXXXXXX`), owner-only (0600), so a file or
//!   symlink planted under a predictable name is never followed or clobbered — fsyncs it,
//!   renames it over the file and fsyncs the directory. After a crash the file holds the old
//!   or the new content, never a mix; a temp file left by a crash is ignored.
//! * **Saved before applied**: memory changes only when the file did. A save that failed
//!   before the rename is [`SaveError::NotSaved`] (nothing changed); one whose rename worked
//!   but whose directory fsync failed is [`SaveError::NotDurable`] (changed, on disk and in
//!   memory, but a power loss may undo it).
//! * **One owner**: opening takes an exclusive lock on `<name>.lock` (created next to the
//!   file, owner-only, and left there), held until the store is dropped. A second open — from
//!   this process or another — fails at once with [`OpenError::Locked`]; it never waits.
//! * **Never silently overwritten**: a file that does not decode is moved aside to
//!   `<name>.corrupt-<n>` and reported as [`CorruptFile`] (with the reason and the new
//!   name); the store starts empty.
//!
//! Auth keys are wiped from memory on drop (and from every buffer that held them) and
//! redacted in `Debug`.
//!
//! # Example
//!
//! ```
//! use auth_core::DcId;
//! use auth_store::{AuthKey, DcKey, SessionFile};
//!
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("session.bin");
//! let (mut store, corrupt) = SessionFile::open(&path)?;
//! if let Some(c) = corrupt {
//!     eprintln!("starting over: {c}");
//! }
//! if store.session().user_id().is_none() {
//!     // ... the auth-key handshake with DC 2 gave a key, then the login succeeded:
//!     let auth_key = AuthKey::new(&[0x5a; AuthKey::LEN]);
//!     store.put_key(DcId(2), DcKey::new(auth_key))?;
//!     store.set_logged_in(DcId(2), 1001)?;
//! }
//! store.set_server_salt(DcId(2), 0x1234)?; // the server sent a new salt
//! drop(store);
//!
//! let (store, _) = SessionFile::open(&path)?;
//! assert_eq!(store.session().user_id(), Some(1001));
//! assert_eq!(store.session().key(DcId(2)).map(|k| k.server_salt), Some(0x1234));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod pool_keys;
#[cfg(test)]
mod save_failures;
mod session;
mod session_file;
mod store_file;
mod token_file;

pub use error::{CorruptFile, OpenError, SaveError};
pub use session::{AuthKey, ChangeError, DcKey, MAX_DCS, Session, SessionDecodeError};
pub use session_file::SessionFile;
pub use token_file::TokenFile;
