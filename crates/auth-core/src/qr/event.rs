//! What a QR login tells its caller, and the login URL it shows.

use std::time::Instant;

use base64::Engine;
use zeroize::Zeroizing;

use crate::{
    DcId, Error,
    account::{Authorization, PasswordInfo},
};

/// Something the caller (and usually the user) should know. Drain with `poll_event`.
///
/// `Done`, `Cancelled` and `Failed` are terminal: nothing follows them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum QrEvent {
    /// A login token to show as a QR code, replacing any shown before. Another device
    /// logged in to the account scans it and accepts it; the machine exports a new one by
    /// itself when this one expires.
    Token(QrUrl),
    /// The token was accepted by an account on another data center: every later call goes
    /// there, and so should the session.
    DcChanged(DcId),
    /// The server asked to wait; the request is re-sent by itself at `until`.
    FloodWait {
        /// Seconds the server asked for.
        seconds: u32,
        /// When the request goes out again.
        until: Instant,
    },
    /// The account has a 2FA password: ask for it and give it to `submit_password`.
    PasswordRequired(PasswordInfo),
    /// The password was wrong; ask again.
    PasswordInvalid {
        /// Wrong passwords so far.
        attempts: u32,
    },
    /// Logged in. Terminal.
    Done(Box<Authorization>),
    /// The login was cancelled. Terminal.
    Cancelled,
    /// The login failed. Terminal.
    Failed(Error),
}

impl QrEvent {
    /// Whether this event ends the login.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            QrEvent::Done(_) | QrEvent::Cancelled | QrEvent::Failed(_)
        )
    }
}

/// A login token as the user sees it: the `tg://login?token=<base64url>` URL to show as a QR
/// code, and when it expires. The URL and token are secrets (whoever scans them first logs
/// their account in here): zeroized on drop and redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct QrUrl {
    url: Zeroizing<String>,
    token: Zeroizing<Vec<u8>>,
    expires: i64,
    expires_at: Instant,
}

impl std::fmt::Debug for QrUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrUrl")
            .field("url", &"tg://login?token=<redacted>")
            .field("expires", &self.expires)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// What precedes the token in the URL.
const PREFIX: &str = "tg://login?token=";

impl QrUrl {
    /// The URL for `token`: its bytes in base64url without padding (RFC 4648 §5), as
    /// core.telegram.org/api/qr-login asks.
    pub(crate) fn new(token: &[u8], expires: i64, expires_at: Instant) -> Self {
        let mut url = Zeroizing::new(String::with_capacity(
            PREFIX.len() + token.len() / 3 * 4 + 4,
        ));
        url.push_str(PREFIX);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(token, &mut url);
        QrUrl {
            url,
            token: Zeroizing::new(token.to_vec()),
            expires,
            expires_at,
        }
    }

    /// `tg://login?token=...`: the text to encode in the QR code.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The token's bytes (what `auth.acceptLoginToken` takes on the other device).
    pub fn token(&self) -> &[u8] {
        &self.token
    }

    /// When the token expires, in unix time, as the server said.
    pub fn expires(&self) -> i64 {
        self.expires
    }

    /// When the machine will replace the token: the server's expiry on the caller's clock
    /// (kept between [`MIN_TOKEN_LIFETIME`](super::MIN_TOKEN_LIFETIME) and
    /// [`MAX_TOKEN_LIFETIME`](super::MAX_TOKEN_LIFETIME) from when it arrived).
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// The token inside a `tg://login?token=...` URL, as the scanning device reads it; `None`
    /// if `url` is not one.
    ///
    /// ```
    /// use auth_core::qr::QrUrl;
    /// assert_eq!(QrUrl::token_of("tg://login?token=AQL_"), Some(vec![1, 2, 0xff]));
    /// assert_eq!(QrUrl::token_of("tg://login?token=not base64"), None);
    /// assert_eq!(QrUrl::token_of("https://example.com"), None);
    /// ```
    pub fn token_of(url: &str) -> Option<Vec<u8>> {
        let encoded = url.strip_prefix(PREFIX)?;
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .ok()?;
        (!token.is_empty()).then_some(token)
    }
}
