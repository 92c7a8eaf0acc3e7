//! tokio adapter for [`auth_core`]: run a Telegram user login on a tokio runtime.
//!
//! * [`login`] — the driver: runs an `auth_core::Login` to its end over a
//!   [`Transport`], asking a [`Prompt`], waiting for the next of {answer from the network,
//!   answer from the user, timer}; the password work (PBKDF2) runs on `spawn_blocking`; a
//!   [`CancellationToken`] or dropping the future cancels it (with `auth.cancelCode`).
//! * [`Transport`] — implement it over your MTProto session (`async invoke(dc, body)`), or use
//! * [`MtprotoTransport`] — a `Transport` that speaks MTProto over TCP itself (the `mtproto`
//!   crate's connection pool on tokio tasks): to Telegram (test or production DCs) or to any
//!   server that speaks it, such as the simulator's (`auth_sim::tcp::SimServer`, which the
//!   demo and the tests use); with an [`auth_store::SessionFile`] its keys outlive the process,
//!   and the updates it receives feed [`qr_login`].
//! * [`qr_login`] — the same for logging in by QR code (`auth_core::QrLogin`): shows each
//!   token's URL, feeds in the session's updates, asks the prompt for the 2FA password.
//! * [`logout`] — `auth.logOut`, returning the future auth token to keep in an
//!   [`auth_store::TokenFile`].
//!
//! No TL is parsed and no RPC error is matched here: the core does that (`logout` decodes its
//! answer with the core's types). The demo CLI is `examples/login`
//! (`cargo run -p auth-tokio --example login -- --help`).
//!
//! ```no_run
//! use std::sync::Arc;
//! use auth_core::login::{Config, SentCode};
//! use auth_core::{PasswordInfo, TermsOfService};
//! use auth_tokio::{Answer, CancellationToken, MtprotoTransport, Prompt};
//! use mtproto::pool::PoolConfig;
//! use mtproto::session::ClientInfo;
//! use zeroize::Zeroizing;
//!
//! struct Fixed;
//! impl Prompt for Fixed {
//!     async fn code(&mut self, _: &SentCode, _: u32) -> Answer<String> { Answer::Value("22222".into()) }
//!     async fn password(&mut self, _: &PasswordInfo, _: u32) -> Answer<Zeroizing<String>> { Answer::Cancel }
//!     async fn sign_up(&mut self, _: Option<&TermsOfService>) -> Answer<(String, String)> {
//!         Answer::Value(("Ada".into(), "Lovelace".into()))
//!     }
//!     async fn email(&mut self, _: bool, _: bool) -> Answer<String> { Answer::Cancel }
//!     async fn email_code(&mut self, _: &str, _: u32) -> Answer<String> { Answer::Cancel }
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // The OS generator seeds the transport's and the login's secrets.
//! let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! // Telegram's test DCs ("+999 66 X YYYY" numbers, code X repeated).
//! let pool = PoolConfig::telegram_test(auth_core::LAYER, ClientInfo::new(12345));
//! let transport = Arc::new(MtprotoTransport::new(pool, &mut rng)?);
//! let config = Config::new(12345, "api-hash");
//! let phone = "+999 66 2 1234";
//! let auth = auth_tokio::login(transport, &mut Fixed, config, phone, &mut rng, CancellationToken::new()).await?;
//! println!("logged in as user {}", auth.user_id);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod calls;
mod login;
mod logout;
mod mtproto_transport;
mod prompt;
mod qr;
mod transport;

pub use auth_core::Answer;
pub use auth_core::EmailAlternative;
pub use login::{LoginError, login};
pub use logout::{LogoutError, logout};
pub use mtproto_transport::MtprotoTransport;
pub use prompt::Prompt;
pub use qr::{QrLoginError, qr_login};
pub use tokio_util::sync::CancellationToken;
pub use transport::Transport;
