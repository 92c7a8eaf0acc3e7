//! Sans-IO Telegram user authorization: core.telegram.org/api/auth, /api/srp and friends.
//!
//! The core speaks **TL bytes of API functions and their results**, never MTProto envelopes:
//! a state machine hands out [`Transmit`]s (a serialized call for a data center) and takes
//! back the serialized result or `rpc_error`. Encryption, message ids, `rpc_result`,
//! `gzip_packed`, `invokeWithLayer` ([`LAYER`]) and `initConnection` belong to the caller's
//! MTProto session. There is no IO, no clock (`now: Instant` comes in) and no OS randomness
//! (a seed comes in).
//!
//! * [`login`]: the phone-number login ([`login::Login`]) with sign-up, 2FA, email setup, DC
//!   migration, flood waits, resend/cancel, snapshot/resume (feature `serde`);
//! * [`srp`]: SRP 2FA with every safety check, split into a fast and a slow step;
//! * [`password`]: 2FA management after login (set, change, remove, recovery email, email
//!   recovery, reset); [`email_change`]: changing the login email after login;
//! * [`qr`]: QR-code login, continuing into the password step when needed;
//!   [`bot`]: bot-token login;
//! * [`machine`]: the [`Machine`](machine::Machine) trait every flow implements (one driver
//!   loop for all) and [`Call`](machine::Call), one call with the shared retry rules, from
//!   which the small flows are built: [`logout`], [`handoff`] (authorization export/import
//!   between DCs), [`sessions`] (confirming or rejecting a new login);
//! * [`guard`]: refuses locally what the server would refuse before authorization;
//!   [`login_codes`]: finds login codes in service messages to invalidate them;
//!   [`countries`]: formats a typed phone number by its country's pattern;
//!   [`frozen`]: tells a frozen account's errors apart;
//! * [`tl`]: layer-228 TL types, generated from the schema, with a bounded decoder;
//! * [`RpcError`]: `rpc_error` classified by name; [`before_auth`]: what may be called
//!   unauthorized; [`logout_tokens`]: future auth tokens; [`test_accounts`]: test-DC numbers.
//!
//! # A complete login loop
//!
//! Here the "server" is scripted; a real caller sends each transmit on its MTProto session.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::login::{Config, Event, Login};
//! use auth_core::tl::{self, Serialize, enums, functions, types};
//!
//! // The scripted server: answers by the method called.
//! fn server(body: &[u8]) -> Vec<u8> {
//!     if tl::decode::<functions::auth::SendCode>(body).is_ok() {
//!         let sent = types::auth::SentCode {
//!             r#type: types::auth::SentCodeTypeSms { length: 5 }.into(),
//!             phone_code_hash: "abc".into(),
//!             next_type: None,
//!             timeout: None,
//!         };
//!         enums::auth::SentCode::from(sent).to_bytes()
//!     } else if let Ok(sign_in) = tl::decode::<functions::auth::SignIn>(body) {
//!         assert_eq!(sign_in.phone_code.as_deref(), Some("22222"));
//!         let user = types::User { is_self: true, id: 1001, ..Default::default() };
//!         let auth = types::auth::Authorization { user: user.into(), ..Default::default() };
//!         enums::auth::Authorization::from(auth).to_bytes()
//!     } else {
//!         auth_core::RpcError::new(400, "METHOD_UNEXPECTED").to_bytes()
//!     }
//! }
//!
//! let now = Instant::now();
//! let seed = [42; 32]; // from the OS RNG in real code
//! let mut login = Login::new(Config::new(12345, "api-hash"), "+999 66 2 1234", seed, now)?;
//! let user_id = loop {
//!     while let Some(t) = login.poll_transmit() {
//!         let reply = server(&t.body); // send t.body on the session of DC t.dc
//!         login.handle_response(Instant::now(), t.id, &reply)?;
//!     }
//!     match login.poll_event() {
//!         Some(Event::CodeSent(sent)) => {
//!             println!("code sent: {:?}", sent.kind);
//!             login.submit_code(Instant::now(), "2 2 2 2 2")?; // what the user typed
//!         }
//!         Some(Event::LoggedIn(auth)) => break auth.user_id,
//!         Some(Event::Failed(e)) => panic!("login failed: {e}"),
//!         Some(other) => println!("{other:?}"),
//!         None => {
//!             // Nothing to send or tell: wait for poll_timeout(), then handle_timeout().
//!             if let Some(deadline) = login.poll_timeout() {
//!                 login.handle_timeout(deadline);
//!             }
//!         }
//!     }
//! };
//! assert_eq!(user_id, 1001);
//! # Ok::<(), auth_core::login::UsageError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod before_auth;
pub mod bot;
pub mod countries;
pub mod dc;
pub mod email_change;
pub use tg_crypto::entropy;
pub mod frozen;
pub mod guard;
pub mod handoff;
pub mod login;
pub mod login_codes;
pub mod logout;
pub mod logout_tokens;
pub mod machine;
pub mod password;
pub mod qr;
pub mod rpc_error;
pub mod sessions;
pub mod srp;
pub mod test_accounts;
pub mod tl;
pub mod transport;

pub use dc::DcId;
pub use rpc_error::{RpcError, RpcErrorKind};
pub use tl::LAYER;
pub use transport::{RequestId, Transmit, TransportFailure};
