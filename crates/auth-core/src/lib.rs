//! Sans-IO Telegram user authorization: core.telegram.org/api/auth, /api/srp and friends.
//!
//! The core speaks **TL bytes of API functions and their results**, never MTProto envelopes:
//! a state machine hands out [`Transmit`]s (a serialized call for a data center) and takes
//! back the serialized result or `rpc_error`. Encryption, message ids, `rpc_result`,
//! `gzip_packed`, `invokeWithLayer` and `initConnection` belong to the caller's MTProto
//! session — the [guide] says what the session must do. There is no IO, no clock
//! (`now: Instant` comes in) and no OS randomness (the caller's generator comes in).
//!
//! # The flows
//!
//! Every flow is a machine implementing [`Machine`], so one driver loop runs any of them. Each
//! reports a [`Phase`], fails with one [`Error`] type (its [`class`](Error::class) says whether
//! to show it, try later or report a bug), and refuses misuse with one [`UsageError`] type.
//!
//! | flow | machine | events |
//! |---|---|---|
//! | phone-number login (code, sign-up, 2FA, email setup, DC migration, snapshot/resume), and the Firebase login of layer 230 | [`Login`] | [`LoginEvent`] |
//! | QR-code login (continuing into 2FA) | [`QrLogin`] | [`QrEvent`] |
//! | bot login | [`BotLogin`] | [`BotEvent`] |
//! | logging out | [`Logout`] | [`LogoutEvent`] |
//! | authorization transfer to another DC | [`AuthTransfer`] | [`TransferEvent`] |
//! | 2FA settings: set, change, remove, recovery email | [`PasswordSettings`] | [`SettingsEvent`] |
//! | forgotten password, by email | [`PasswordRecovery`] | [`RecoveryEvent`] |
//! | password reset after the waiting period | [`PasswordReset`] | [`ResetEvent`] |
//! | changing the login email | [`LoginEmailChange`] | [`EmailChangeEvent`] |
//! | any single call with the retry rules: confirming new logins ([`new_logins`]), invalidating leaked codes ([`login_codes`]) | [`Call`] | [`CallEvent`] |
//!
//! And around them: [`before_auth`] (what may be called unauthorized, and a guard for it),
//! [`tl`] (the types of layers 220–230, decoded by the session's layer), [`RpcError`],
//! [`countries`], [`logout_tokens`], [`frozen`], [`test_accounts`], [`srp`], [`entropy`].
//!
//! # Layers
//!
//! A session speaks one API layer, and the server answers in it. Every machine is told the
//! layer ([`SessionConfig::layer`], default [`LAYER`]; any of [`SUPPORTED_LAYERS`]) and decodes
//! by it; the user a login ends with is handed over as the bytes received
//! ([`Authorization::user`]), for the caller's own types.
//!
//! # A complete driver
//!
//! This is the loop to copy: it sends every call, handles every event and every phase, runs the
//! slow password work, drives the timer, and stops — instead of spinning — when the machine
//! waits for nothing. Here the "server" is scripted and the "user" a few canned answers; a real
//! caller sends each transmit on its MTProto session, asks a person, and sleeps until the
//! deadline.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::login::{Config, Login, LoginEvent};
//! use auth_core::tl::{self, Serialize, enums, functions, types};
//! use auth_core::{Authorization, Error, Machine, Phase, RpcError};
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
//!         if sign_in.phone_code.as_deref() != Some("22222") {
//!             return RpcError::new(400, "PHONE_CODE_INVALID").to_bytes();
//!         }
//!         let user = types::User { is_self: true, id: 1001, ..Default::default() };
//!         let auth = types::auth::Authorization { user: user.into(), ..Default::default() };
//!         enums::auth::Authorization::from(auth).to_bytes()
//!     } else {
//!         RpcError::new(400, "METHOD_UNEXPECTED").to_bytes()
//!     }
//! }
//!
//! /// What the person types, in order (a UI asks instead).
//! struct Person(Vec<&'static str>);
//! impl Person {
//!     fn answer(&mut self, question: &str) -> String {
//!         println!("{question}");
//!         if self.0.is_empty() { String::new() } else { self.0.remove(0).to_owned() }
//!     }
//! }
//!
//! fn log_in(mut login: Login, person: &mut Person) -> Result<Authorization, Error> {
//!     loop {
//!         // 1. Send every call (a real session sends t.body on the session of DC t.dc).
//!         while let Some(t) = login.poll_transmit() {
//!             let reply = server(&t.body);
//!             login.handle_response(Instant::now(), t.id, &reply).expect("an id it sent");
//!         }
//!         // 2. Run slow work (PBKDF2) where slow work belongs: here, inline.
//!         while let Some(work) = login.poll_work() {
//!             login.handle_work(Instant::now(), work.run()).expect("fresh work");
//!         }
//!         // 3. Tell the person what happened; stop at a terminal event.
//!         while let Some(event) = login.poll_event() {
//!             match event {
//!                 LoginEvent::Done(auth) => return Ok(*auth),
//!                 LoginEvent::Failed(error) => return Err(error),
//!                 LoginEvent::Cancelled => panic!("cancelled"),
//!                 other => println!("{other:?}"),
//!             }
//!         }
//!         // 4. Ask what the phase asks; every getter it needs is filled in now.
//!         let now = Instant::now();
//!         let refused = match login.phase() {
//!             Phase::AwaitingCode => {
//!                 let code = person.answer(&format!("code ({:?})?", login.sent_code()));
//!                 login.submit_code(now, &code)
//!             }
//!             Phase::AwaitingPassword => {
//!                 let password = person.answer(&format!("password ({:?})?", login.password_info()));
//!                 login.submit_password(now, password.as_bytes())
//!             }
//!             Phase::AwaitingSignUp => {
//!                 let _terms = login.terms_of_service(); // show them
//!                 login.sign_up(now, &person.answer("first name?"), "")
//!             }
//!             Phase::AwaitingEmail => login.submit_email(now, &person.answer("login email?")),
//!             Phase::AwaitingEmailCode => {
//!                 let code = person.answer(&format!("email code ({:?})?", login.email_code()));
//!                 login.submit_email_code(now, &code)
//!             }
//!             Phase::AwaitingFirebaseToken => {
//!                 let _intent = login.firebase_intent(); // run the Firebase verification
//!                 login.submit_firebase_token(now, &person.answer("Firebase token?"))
//!             }
//!             // A Firebase SMS waits for the device's integrity proof; an app without the
//!             // check says so, and the code comes another way.
//!             Phase::AwaitingIntegrityCheck => {
//!                 login.report_integrity_failure(now, auth_core::login::NO_INTEGRITY_CHECK)
//!             }
//!             // An app that cannot buy the login declines (one that can: `check_paid_auth`).
//!             Phase::AwaitingPayment => login.decline_payment(now),
//!             Phase::Finished => unreachable!("a finished login emitted its terminal event"),
//!             // 5. Nothing to ask: wait for the timer (a flood wait, a retry, a deadline).
//!             _ => match login.poll_timeout() {
//!                 Some(deadline) => {
//!                     // A real caller sleeps until `deadline` (or an answer arrives) first.
//!                     login.handle_timeout(deadline.max(now));
//!                     Ok(())
//!                 }
//!                 // No call, no work, no timer, no question: waiting would spin forever.
//!                 None => panic!("the login waits for nothing: a bug"),
//!             },
//!         };
//!         if let Err(refused) = refused {
//!             println!("refused before sending: {refused}"); // ask again
//!         }
//!     }
//! }
//!
//! let mut os = rand_core::UnwrapErr(getrandom::SysRng); // the OS generator
//! let login = Login::new(Config::new(12345, "api-hash"), "+999 66 2 1234", &mut os, Instant::now())?;
//! // A wrong code first: the login says so and asks again, it does not spin.
//! let mut person = Person(vec!["1 1 1 1 1", "2 2 2 2 2"]);
//! let auth = log_in(login, &mut person).expect("logged in");
//! assert_eq!((auth.user_id, auth.user.id()), (1001, 1001));
//! # Ok::<(), auth_core::UsageError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod account;
pub mod auth_transfer;
pub mod before_auth;
pub mod bot;
mod config;
pub mod countries;
pub mod dc;
pub mod email_change;
pub use tg_crypto::entropy;
mod error;
pub mod frozen;
#[doc = include_str!("guide.md")]
pub mod guide {}
mod input;
pub mod login;
pub mod login_codes;
pub mod logout;
pub mod logout_tokens;
pub mod machine;
pub mod new_logins;
pub mod password;
mod phase;
pub mod qr;
pub mod rpc_error;
pub mod srp;
pub mod test_accounts;
pub mod tl;
pub mod transport;
pub mod work;

pub use account::{Authorization, EmailCode, PasswordInfo, TermsOfService};
pub use auth_transfer::{AuthTransfer, TransferEvent};
pub use bot::{BotEvent, BotLogin};
pub use config::{RetryPolicy, SessionConfig};
pub use dc::DcId;
pub use email_change::{EmailChangeEvent, LoginEmailChange};
pub use error::{CodeFormatError, Error, ErrorClass, PaymentRequired, ReplyBytes, UsageError};
pub use input::{
    Answer, EmailAlternative, EmailToken, IntegrityProof, normalize_digits, normalize_phone,
};
pub use login::{Login, LoginEvent};
pub use logout::{Logout, LogoutEvent};
pub use machine::{Call, CallEvent, Machine};
pub use password::{
    PasswordRecovery, PasswordReset, PasswordSettings, RecoveryEvent, ResetEvent, SettingsEvent,
};
pub use phase::Phase;
pub use qr::{QrEvent, QrLogin};
pub use rpc_error::{RpcError, RpcErrorKind};
pub use tl::{LAYER, Layer, SUPPORTED_LAYERS};
pub use transport::{RequestId, Transmit, TransportFailure};
pub use work::{Work, WorkDone};
