//! Bot login (core.telegram.org/api/bots): `auth.importBotAuthorization` with a bot token from
//! @BotFather, as a sans-IO machine.
//!
//! [`BotLogin`] is one [`Call`] with the shared retry rules: `USER_MIGRATE_X` re-sends the call
//! on DC X (the bot's home), flood waits are waited out, transport failures retried. The token's
//! format is checked before anything is sent ([`BotToken::parse`]); a token the server does not
//! know ends the login with [`Error::BotTokenRejected`]. Success is the same
//! [`Authorization`] the phone login returns.
//!
//! ```
//! use std::time::Instant;
//! use auth_core::bot::{BotEvent, BotLogin};
//! use auth_core::login::Config;
//! use auth_core::machine::Machine;
//! use auth_core::tl::{self, Serialize, enums, functions, types};
//! use auth_core::{DcId, RpcError};
//!
//! let now = Instant::now();
//! let mut bot = BotLogin::new(Config::new(12345, "api-hash"), "123456:AAbb-cc_DD", now)?;
//! // The bot lives on DC 4: the server says so, the call moves there.
//! let t = bot.poll_transmit().unwrap();
//! assert_eq!(t.dc, DcId(2));
//! bot.handle_response(now, t.id, &RpcError::new(303, "USER_MIGRATE_4").to_bytes())?;
//! assert_eq!(bot.poll_event(), Some(BotEvent::DcChanged(DcId(4))));
//! let t = bot.poll_transmit().unwrap();
//! let call: functions::auth::ImportBotAuthorization = tl::decode(&t.body).unwrap();
//! assert_eq!((t.dc, call.flags, call.bot_auth_token.as_str()), (DcId(4), 0, "123456:AAbb-cc_DD"));
//! let user = types::User { is_self: true, id: 123456, bot_info_version: Some(1), ..Default::default() };
//! let reply = enums::auth::Authorization::from(types::auth::Authorization { user: user.into(), ..Default::default() });
//! bot.handle_response(now, t.id, &reply.to_bytes())?;
//! match bot.poll_event() {
//!     Some(BotEvent::Done(auth)) => assert_eq!((auth.user_id, auth.is_bot, auth.dc), (123456, true, DcId(4))),
//!     other => panic!("{other:?}"),
//! }
//! assert!(bot.is_finished());
//! # Ok::<(), auth_core::UsageError>(())
//! ```

use std::collections::VecDeque;
use std::time::Instant;

use zeroize::Zeroizing;

use crate::{
    DcId, Error, RpcErrorKind,
    account::Authorization,
    error::UsageError,
    login::Config,
    machine::{Call, CallEvent, Machine},
    phase::Phase,
    tl::{Layer, enums, functions},
};

/// A bot token, `<bot id>:<secret>` (digits, a colon, then letters, digits, `_` or `-`), checked
/// for its format. Zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken {
    token: Zeroizing<String>,
    bot_id: i64,
}

impl std::fmt::Debug for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotToken")
            .field("bot_id", &self.bot_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl BotToken {
    /// Checks the format of `token` (surrounding whitespace is dropped).
    ///
    /// ```
    /// use auth_core::bot::BotToken;
    /// assert_eq!(BotToken::parse(" 123456:AAbb-cc_DD\n").unwrap().bot_id(), 123456);
    /// assert!(BotToken::parse("123456").is_err());
    /// assert!(BotToken::parse("123456:").is_err());
    /// assert!(BotToken::parse("12a456:AAbb").is_err());
    /// assert!(BotToken::parse("123456:AA bb").is_err());
    /// ```
    pub fn parse(token: &str) -> Result<BotToken, UsageError> {
        let token = crate::input::encodable(token.trim())?;
        let Some((id, secret)) = token.split_once(':') else {
            return Err(UsageError::InvalidBotToken("expected <bot id>:<secret>"));
        };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(UsageError::InvalidBotToken("the bot id must be digits"));
        }
        if secret.is_empty() {
            return Err(UsageError::InvalidBotToken("the secret after ':' is empty"));
        }
        if !secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(UsageError::InvalidBotToken(
                "the secret may hold only letters, digits, '_' and '-'",
            ));
        }
        let bot_id = id
            .parse::<i64>()
            .ok()
            .filter(|&id| id > 0)
            .ok_or(UsageError::InvalidBotToken("the bot id is out of range"))?;
        Ok(BotToken {
            token: Zeroizing::new(token.to_owned()),
            bot_id,
        })
    }

    /// The bot's user id (the part before the colon).
    pub fn bot_id(&self) -> i64 {
        self.bot_id
    }
}

/// What a [`BotLogin`] tells its caller. `Done` and `Failed` are terminal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BotEvent {
    /// The bot lives on another data center: the call went there, and so should the session.
    DcChanged(DcId),
    /// The server asked to wait; the call goes out again by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the call is re-sent.
        until: Instant,
    },
    /// Logged in. Terminal.
    Done(Box<Authorization>),
    /// The login failed (e.g. [`Error::BotTokenRejected`]). Terminal.
    Failed(Error),
}

impl BotEvent {
    /// Whether this event ends the login.
    pub fn is_terminal(&self) -> bool {
        matches!(self, BotEvent::Done(_) | BotEvent::Failed(_))
    }
}

/// A bot login: `auth.importBotAuthorization(flags = 0, api_id, api_hash, token)`.
///
/// Driven through [`Machine`]: `poll_transmit` / `poll_event` / `poll_timeout` (output),
/// `handle_response` / `handle_failure` / `handle_timeout` (input); getters
/// [`dc`](Self::dc) and [`bot_id`](Self::bot_id); phases `Working` and `Finished`. It has no
/// commands: it is queued by [`new`](Self::new) and runs to its terminal event.
#[derive(Debug)]
pub struct BotLogin {
    bot_id: i64,
    layer: Layer,
    call: Call<functions::auth::ImportBotAuthorization>,
    events: VecDeque<BotEvent>,
    finished: bool,
}

impl BotLogin {
    /// Checks the credentials, the session and the token's format, then queues the call to
    /// `config.session.dc` (the bot's home if known, else any DC: the server redirects). Of
    /// `config`, the credentials and the session apply.
    ///
    /// # Errors
    ///
    /// Unusable credentials, an unsupported layer, or a token that is not `<bot id>:<secret>`.
    pub fn new(config: Config, token: &str, now: Instant) -> Result<Self, UsageError> {
        let layer = config.check()?;
        let token = BotToken::parse(token)?;
        let call = functions::auth::ImportBotAuthorization {
            flags: 0,
            api_id: config.api_id,
            api_hash: config.api_hash.clone(),
            bot_auth_token: crate::tl::SecretString::from(token.token.as_str()),
        };
        let session = config.session;
        Ok(BotLogin {
            bot_id: token.bot_id,
            layer,
            call: Call::start(session.dc, layer, session.retry, call, 0, now),
            events: VecDeque::new(),
            finished: false,
        })
    }

    // ----- getters -----

    /// The data center the call goes to now (the bot's home once the server redirected).
    pub fn dc(&self) -> DcId {
        self.call.dc()
    }

    /// The bot's id, from its token.
    pub fn bot_id(&self) -> i64 {
        self.bot_id
    }

    // ----- internals -----

    /// Turns what the call reported into this machine's events.
    fn pump(&mut self) {
        while let Some(event) = self.call.poll_event() {
            let event = match event {
                CallEvent::DcChanged(dc) => BotEvent::DcChanged(dc),
                CallEvent::FloodWait { seconds, until } => BotEvent::FloodWait { seconds, until },
                CallEvent::Done(auth) => {
                    self.finished = true;
                    self.outcome(auth)
                }
                CallEvent::Failed(Error::Rpc { error, .. })
                    if error.kind() == RpcErrorKind::AccessTokenInvalid =>
                {
                    self.finished = true;
                    BotEvent::Failed(Error::BotTokenRejected(error))
                }
                CallEvent::Failed(e) => {
                    self.finished = true;
                    BotEvent::Failed(e)
                }
            };
            self.events.push_back(event);
        }
    }

    fn outcome(&self, auth: enums::auth::Authorization) -> BotEvent {
        let what = match auth {
            enums::auth::Authorization::Authorization(a) => {
                match Authorization::from_tl(self.call.dc(), self.layer, &a) {
                    Some(auth) => return BotEvent::Done(Box::new(auth)),
                    None => "auth.authorization with userEmpty",
                }
            }
            enums::auth::Authorization::SignUpRequired(_) => "auth.authorizationSignUpRequired",
        };
        BotEvent::Failed(Error::UnexpectedReply {
            method: "auth.importBotAuthorization",
            what: what.into(),
        })
    }
}

crate::machine::forward_machine!(
    BotLogin,
    BotEvent,
    call,
    pump: |this, now| { let _ = now; this.pump() },
    phase: |me| if me.finished { Phase::Finished } else { Phase::Working },
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_format_is_checked() {
        for (bad, why) in [
            ("", "expected <bot id>:<secret>"),
            ("123456", "expected <bot id>:<secret>"),
            (":abc", "the bot id must be digits"),
            ("-12:abc", "the bot id must be digits"),
            ("123:", "the secret after ':' is empty"),
            (
                "123:ab:cd",
                "the secret may hold only letters, digits, '_' and '-'",
            ),
            (
                "123:ab cd",
                "the secret may hold only letters, digits, '_' and '-'",
            ),
            (
                "123:äb",
                "the secret may hold only letters, digits, '_' and '-'",
            ),
            ("0:abc", "the bot id is out of range"),
            ("99999999999999999999:abc", "the bot id is out of range"),
        ] {
            assert_eq!(
                BotToken::parse(bad),
                Err(UsageError::InvalidBotToken(why)),
                "{bad:?}"
            );
        }
        let token = BotToken::parse("42:A-z_09").unwrap();
        assert_eq!(token.bot_id(), 42);
        let shown = format!("{token:?}");
        assert!(!shown.contains("A-z_09"), "{shown}");
    }
}
