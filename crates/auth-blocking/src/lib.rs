//! std adapter for `auth-core`: run a Telegram user login on the calling thread.
//!
//! * [`login`] — the driver: runs an `auth_core::login::Login` to its end over a
//!   [`Transport`], asking a [`Prompt`]; [`CancelToken`] stops it from another thread.
//! * [`run`] — the same loop for any other flow (`auth_core::Machine`: logout, 2FA settings, …).
//! * [`Transport`] — implement it over your MTProto session (`invoke(dc, body)`), or use
//! * [`MtprotoTransport`] — a `Transport` that speaks MTProto over TCP itself (the `mtproto`
//!   crate's connection pool on std sockets): to Telegram (test or production DCs) or to any
//!   server that speaks it, such as the simulator's (`auth_sim::tcp::SimServer`, which the tests
//!   use); with an [`auth_store::SessionFile`] its keys outlive the process.
//!
//! No TL is parsed and no RPC error is matched here: the core does that.
//!
//! ```no_run
//! use auth_blocking::{MtprotoTransport, Transport};
//! use auth_core::DcId;
//! use auth_store::SessionFile;
//! use mtproto::pool::PoolConfig;
//! use mtproto::session::ClientInfo;
//!
//! let (session, _) = SessionFile::open("session.bin")?;
//! let mut os = rand_core::UnwrapErr(getrandom::SysRng);
//! let config = PoolConfig::telegram_test(auth_core::LAYER, ClientInfo::new(12345));
//! let mut transport = MtprotoTransport::new(config, &mut os)?.with_session(session);
//! let help_get_config = 0xc4f9_186bu32.to_le_bytes();
//! let config = transport.invoke(DcId(2), &help_get_config)?;
//! # drop(config);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod driver;
mod machine_driver;
mod mtproto_transport;
mod prompt;
mod transport;

pub use auth_core::Answer;
pub use auth_core::EmailAlternative;
pub use driver::{CancelToken, LoginError, login};
pub use machine_driver::{RunError, run};
pub use mtproto_transport::MtprotoTransport;
pub use prompt::Prompt;
pub use transport::Transport;
