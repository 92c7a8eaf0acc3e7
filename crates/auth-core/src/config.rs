//! What every machine is told about the caller's MTProto session, and how patient to be.

use std::time::{Duration, Instant};

use crate::{
    DcId,
    error::UsageError,
    tl::{LAYER, Layer},
};

/// The retry rules every machine follows, one shape for all.
///
/// * `FLOOD_WAIT_X` (and the premium and test-number variants): waited out and the call
///   re-sent, when `X` is at most `max_flood_wait` and fewer than `flood_wait_budget` waits
///   happened; otherwise the machine fails with [`Error::FloodWait`](crate::Error::FloodWait).
/// * A call the transport could not deliver (`handle_failure`), or that got no answer within
///   `request_timeout`: re-sent after `transport_retry_delay`; then
///   [`Error::Transport`](crate::Error::Transport).
/// * A call the server failed on (`INTERNAL`, `AUTH_KEY_UNSYNCHRONIZED`, `-503 Timeout`, any
///   other error of the 500 class — [`RpcErrorKind::ServerError`](crate::RpcErrorKind::ServerError)):
///   re-sent with backoff, after `transport_retry_delay`, then twice that, four times, ...;
///   then [`Error::Rpc`](crate::Error::Rpc) with the last error.
/// * Both kinds of re-send share one budget: at most `transport_retries` per call. A pause
///   that would end past what an `Instant` can hold ends the call instead.
/// * `*_MIGRATE_X`: followed (where the flow allows it) at most `max_migrations` times; then
///   [`Error::MigrationLoop`](crate::Error::MigrationLoop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The longest `FLOOD_WAIT` waited out automatically.
    pub max_flood_wait: Duration,
    /// How many flood waits one machine waits out before giving up.
    pub flood_wait_budget: u32,
    /// How many times a call is re-sent after the transport failed (or timed out) or the
    /// server failed on it.
    pub transport_retries: u32,
    /// Pause before such a re-send (doubled for each further re-send after a server error).
    pub transport_retry_delay: Duration,
    /// How long a call may go unanswered before it counts as a transport failure
    /// ([`TransportFailure::Timeout`](crate::TransportFailure::Timeout)); `None` waits
    /// forever (the session then reports its own timeouts with `handle_failure`).
    pub request_timeout: Option<Duration>,
    /// How many data-center migrations are followed before calling it a loop.
    pub max_migrations: u32,
}

impl RetryPolicy {
    /// When a call that already failed `failures` times goes out again, or `None` when the
    /// budget is spent (or the moment is past what an `Instant` holds). `backoff` doubles the
    /// pause for each earlier failure (server errors); otherwise it is fixed.
    pub(crate) fn retry_at(&self, now: Instant, failures: u32, backoff: bool) -> Option<Instant> {
        if failures >= self.transport_retries {
            return None;
        }
        let pause = if backoff {
            // 2^failures, capped so the factor itself cannot overflow.
            self.transport_retry_delay
                .checked_mul(1u32 << failures.min(16))?
        } else {
            self.transport_retry_delay
        };
        now.checked_add(pause)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_flood_wait: Duration::from_secs(60),
            flood_wait_budget: 3,
            transport_retries: 2,
            transport_retry_delay: Duration::from_millis(500),
            request_timeout: Some(Duration::from_secs(30)),
            max_migrations: 3,
        }
    }
}

/// The caller's MTProto session as a machine sees it: the data center its calls go to, the API
/// layer the session declared (`invokeWithLayer`), and the retry rules.
///
/// ```
/// use auth_core::{DcId, SessionConfig};
/// let session = SessionConfig { layer: 230, ..SessionConfig::new(DcId(4)) };
/// assert_eq!(session.layer().map(|l| l.get()), Ok(230));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// Where the machine's calls go (a login's first call; it follows migrations from there).
    pub dc: DcId,
    /// The layer the session speaks; the server answers in it. One of
    /// [`SUPPORTED_LAYERS`](crate::SUPPORTED_LAYERS); [`LAYER`] by default.
    pub layer: i32,
    /// The retry rules.
    pub retry: RetryPolicy,
}

impl SessionConfig {
    /// A session on `dc`, at [`LAYER`], with the default retry rules.
    pub fn new(dc: DcId) -> Self {
        SessionConfig {
            dc,
            layer: LAYER,
            retry: RetryPolicy::default(),
        }
    }

    /// The layer, checked.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnsupportedLayer`], naming the supported range.
    pub fn layer(&self) -> Result<Layer, UsageError> {
        Layer::new(self.layer).map_err(UsageError::UnsupportedLayer)
    }

    /// Checks what a machine is built with: a supported layer and a real DC.
    pub(crate) fn check(&self) -> Result<Layer, UsageError> {
        if self.dc.0 <= 0 {
            return Err(UsageError::InvalidDc(self.dc));
        }
        self.layer()
    }
}

impl Default for SessionConfig {
    /// [`DcId::DEFAULT`], where Telegram's apps start.
    fn default() -> Self {
        SessionConfig::new(DcId::DEFAULT)
    }
}
