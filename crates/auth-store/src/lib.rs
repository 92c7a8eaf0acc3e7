//! Hardened files for what a Telegram client keeps between runs, shared by the `auth-blocking`
//! and `auth-tokio` adapters (std file IO only, no async runtime):
//!
//! * [`TokenFile`] — the device's logout tokens
//!   ([`LogoutTokens`](auth_core::logout_tokens::LogoutTokens)), so that the next login can
//!   skip the code.
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
//! # Example
//!
//! ```
//! use auth_store::TokenFile;
//!
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("tokens.bin");
//! let (mut store, corrupt) = TokenFile::open(&path)?;
//! if let Some(c) = corrupt {
//!     eprintln!("starting over: {c}");
//! }
//! store.push(b"future-auth-token")?; // from auth.logOut or a login
//! let mut config = auth_core::login::Config::new(12345, "api-hash");
//! config.logout_tokens = store.tokens().clone();
//! drop(store);
//!
//! let (store, _) = TokenFile::open(&path)?;
//! assert_eq!(store.tokens().len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
#[cfg(test)]
mod save_failures;
mod store_file;
mod token_file;

pub use error::{CorruptFile, OpenError, SaveError};
pub use token_file::TokenFile;
