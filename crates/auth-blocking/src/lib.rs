//! std adapter for `auth-core`: run a Telegram user login on the calling thread.
//!
//! * [`login`] — the driver: runs an `auth_core::login::Login` to its end over a
//!   [`Transport`], asking a [`Prompt`]; [`CancelToken`] stops it from another thread.
//! * [`Transport`] — implement it over your MTProto session (`invoke(dc, body)`).
//! * [`TcpTransport`] — a `Transport` for the simulator, over TCP with MTProto's intermediate
//!   framing and a plaintext envelope (the protocol is documented in [`wire`]).
//! * [`SimServer`] — serves an [`auth_sim::Sim`] on 127.0.0.1, one port per DC.
//!
//! No TL is parsed and no RPC error is matched here: the core does that.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod driver;
mod machine_driver;
mod mtproto_transport;
mod prompt;
mod server;
mod tcp;
mod transport;
pub mod wire;

pub use driver::{CancelToken, LoginError, login};
pub use machine_driver::{RunError, run};
pub use mtproto_transport::MtprotoTransport;
pub use prompt::{Answer, EmailAlternative, Prompt};
pub use server::{CallLog, DC_COUNT, SimServer};
pub use tcp::{TcpOptions, TcpTransport};
pub use transport::Transport;
