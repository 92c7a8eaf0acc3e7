//! MTProto 2.0, sans-IO.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth_key;
mod clock;
pub mod crypto;
mod error;
pub mod handshake;
pub mod keys;
mod random;
pub mod session;
mod tl;
pub mod transport;

pub use auth_key::{AuthKey, peek_auth_key_id};
pub use error::UsageError;
