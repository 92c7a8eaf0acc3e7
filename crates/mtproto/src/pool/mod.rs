//! A client's connections to the data centers, sans-IO: one connection and one session per DC,
//! opened when a call needs them, with everything between a call and its answer — framing, the
//! auth-key handshake when the DC has no key, the encrypted session, one reconnect after a
//! drop (resending what had no answer), a new key after `-404` — so that an adapter only moves
//! bytes between sockets and a [`Pool`], and persists what [`Event::KeyChanged`] says.
//!
//! ```
//! use std::time::{Instant, SystemTime};
//!
//! use mtproto::keys::RsaPrivateKey;
//! use mtproto::pool::{DcTable, Io, Pool, PoolConfig};
//! use mtproto::session::ClientInfo;
//! use tg_crypto::entropy::Entropy;
//!
//! let (now, wall) = (Instant::now(), SystemTime::now());
//! let dcs = DcTable::consecutive("127.0.0.1".parse()?, 20443, 5);
//! let server_key = RsaPrivateKey::test_only_server_key().public_key().clone();
//! let config = PoolConfig::new(dcs, vec![server_key], 228, ClientInfo::new(12345));
//! let mut pool = Pool::new(config, now, wall, Entropy::deterministic([7; 32]))?;
//!
//! let help_get_config = 0xc4f9_186bu32.to_le_bytes().to_vec();
//! let call = pool.send(now, 2, help_get_config)?;
//! // DC 2 has no connection yet: the pool asks for one.
//! let Some(Io::Connect { connection, dc: 2, addr }) = pool.poll_io() else { panic!() };
//! assert_eq!(addr.port(), 20444);
//! // Once the socket is open, the handshake's first query goes out (the framing's tag first).
//! pool.handle_connected(now, connection);
//! let Some(Io::Send { bytes, .. }) = pool.poll_io() else { panic!() };
//! assert_eq!(bytes[..4], [0xee; 4]);
//! // ... bytes from the socket go to `handle_bytes`; the answer comes out of `poll_event`.
//! # let _ = call;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod failure;
mod link;

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use tg_crypto::entropy::Entropy;

use crate::clock::Clock;
use crate::error::UsageError;
use crate::session::{SessionKey, check_body};

pub use config::{DcTable, PoolConfig};
pub use failure::CallFailure;

use link::Link;

/// Identifies a call of [`Pool::send`] until its [`Event::Response`] or [`Event::Failed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u64);

/// Identifies a connection the pool asked for with [`Io::Connect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

/// What the pool asks its owner to do with sockets.
#[derive(Clone, PartialEq, Eq)]
pub enum Io {
    /// Open a TCP connection to `addr`; report [`Pool::handle_connected`] or
    /// [`Pool::handle_connect_failed`].
    Connect {
        /// The connection's id in later calls.
        connection: ConnectionId,
        /// The data center.
        dc: i32,
        /// Where it listens.
        addr: SocketAddr,
    },
    /// Write `bytes` to the connection, in order.
    Send {
        /// The connection.
        connection: ConnectionId,
        /// Framed bytes.
        bytes: Vec<u8>,
    },
    /// Close the connection (nothing more is reported about it).
    Close {
        /// The connection.
        connection: ConnectionId,
    },
}

impl core::fmt::Debug for Io {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Io::Connect {
                connection,
                dc,
                addr,
            } => f
                .debug_struct("Connect")
                .field("connection", &connection.0)
                .field("dc", dc)
                .field("addr", addr)
                .finish(),
            // Wire bytes are never printed: only their length.
            Io::Send { connection, bytes } => f
                .debug_struct("Send")
                .field("connection", &connection.0)
                .field("len", &bytes.len())
                .finish(),
            Io::Close { connection } => f
                .debug_struct("Close")
                .field("connection", &connection.0)
                .finish(),
        }
    }
}

/// What the pool tells its owner.
#[derive(Clone, PartialEq, Eq)]
pub enum Event {
    /// The answer to a call: the result object (or `rpc_error`), unwrapped.
    Response {
        /// The call.
        call: CallId,
        /// The answer's TL bytes.
        body: Vec<u8>,
    },
    /// A call ended without an answer.
    Failed {
        /// The call.
        call: CallId,
        /// Why.
        failure: CallFailure,
    },
    /// Something the server of `dc` sent on its own (an `Updates` object), as TL bytes.
    Update {
        /// The data center.
        dc: i32,
        /// The update's TL bytes.
        body: Vec<u8>,
    },
    /// What to persist for `dc` changed: a new key, a new salt or clock offset (`Some`), or the
    /// key is gone because the server forgot it (`None`: drop it from the store).
    KeyChanged {
        /// The data center.
        dc: i32,
        /// The key state to keep, or `None` (boxed: a key is large beside the other events).
        key: Option<Box<SessionKey>>,
    },
}

impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Answers and updates can hold secrets (tokens, codes): lengths only.
        match self {
            Event::Response { call, body } => f
                .debug_struct("Response")
                .field("call", &call.0)
                .field("len", &body.len())
                .finish(),
            Event::Failed { call, failure } => f
                .debug_struct("Failed")
                .field("call", &call.0)
                .field("failure", failure)
                .finish(),
            Event::Update { dc, body } => f
                .debug_struct("Update")
                .field("dc", dc)
                .field("len", &body.len())
                .finish(),
            Event::KeyChanged { dc, key } => f
                .debug_struct("KeyChanged")
                .field("dc", dc)
                .field("key", key)
                .finish(),
        }
    }
}

/// A call waiting for its answer.
#[derive(Debug)]
struct Call {
    dc: i32,
    deadline: Option<Instant>,
}

/// What the data centers' links share: configuration, entropy, the output queues, the calls.
struct Context {
    config: PoolConfig,
    clock: Clock,
    entropy: Entropy,
    io: VecDeque<Io>,
    events: VecDeque<Event>,
    calls: BTreeMap<CallId, Call>,
    next_connection: u64,
}

impl Context {
    fn wall(&self, now: Instant) -> SystemTime {
        SystemTime::UNIX_EPOCH + self.clock.unix(now)
    }

    fn next_connection(&mut self) -> ConnectionId {
        self.next_connection += 1;
        ConnectionId(self.next_connection)
    }

    fn is_live(&self, call: CallId) -> bool {
        self.calls.contains_key(&call)
    }

    /// Ends `call` with `result`, unless it ended already (timed out).
    fn finish(&mut self, call: CallId, result: Result<Vec<u8>, CallFailure>) {
        if self.calls.remove(&call).is_none() {
            return;
        }
        self.events.push_back(match result {
            Ok(body) => Event::Response { call, body },
            Err(failure) => Event::Failed { call, failure },
        });
    }
}

/// A client's connections and sessions to the data centers of one [`PoolConfig`].
///
/// Methods sort into getters ([`Pool::config`], [`Pool::key`], [`Pool::is_connected`]), input
/// ([`Pool::handle_connected`], [`Pool::handle_connect_failed`], [`Pool::handle_bytes`],
/// [`Pool::handle_closed`], [`Pool::handle_timeout`]), commands ([`Pool::send`],
/// [`Pool::restore_key`]) and output ([`Pool::poll_io`], [`Pool::poll_event`],
/// [`Pool::poll_timeout`]). Every call ends in exactly one [`Event::Response`] or
/// [`Event::Failed`].
///
/// * A call to a DC without a connection asks for one ([`Io::Connect`]); a DC without a key
///   runs the handshake first; the session's first message carries
///   `invokeWithLayer(initConnection(…))`.
/// * A connection that drops while calls wait is opened again once, and what had no answer
///   is sent again (under its message id, so the server runs it once); a second drop before
///   the server sends anything fails the calls with [`CallFailure::ConnectionLost`].
/// * `-404` on a key: the calls on it fail with [`CallFailure::KeyUnknown`], the key is
///   dropped ([`Event::KeyChanged`] with `None`) and a new handshake starts at once.
/// * A call without an answer within [`PoolConfig::request_timeout`] fails with
///   [`CallFailure::Timeout`].
pub struct Pool {
    cx: Context,
    links: BTreeMap<i32, Link>,
    next_call: u64,
}

impl core::fmt::Debug for Pool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("links", &self.links.values().collect::<Vec<_>>())
            .field("calls", &self.cx.calls.len())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool with no connections and no keys, at `now` (`wall` is the wall-clock time then).
    ///
    /// # Errors
    ///
    /// [`UsageError::NoServerKeys`] if the configuration has no server key.
    pub fn new(
        config: PoolConfig,
        now: Instant,
        wall: SystemTime,
        entropy: Entropy,
    ) -> Result<Self, UsageError> {
        if config.server_keys.is_empty() {
            return Err(UsageError::NoServerKeys);
        }
        Ok(Pool {
            cx: Context {
                config,
                clock: Clock::new(now, wall),
                entropy,
                io: VecDeque::new(),
                events: VecDeque::new(),
                calls: BTreeMap::new(),
                next_connection: 0,
            },
            links: BTreeMap::new(),
            next_call: 0,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &PoolConfig {
        &self.cx.config
    }

    /// The key state of `dc` as it is now (to persist), if the DC has a key.
    #[must_use]
    pub fn key(&self, dc: i32) -> Option<SessionKey> {
        self.links.get(&dc)?.key()
    }

    /// Whether `dc` has an open connection.
    #[must_use]
    pub fn is_connected(&self, dc: i32) -> bool {
        self.links.get(&dc).is_some_and(Link::is_connected)
    }

    /// Uses a stored key for `dc` (before the DC is used: from a session file).
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownDc`] for a DC without an address; [`UsageError::DcInUse`] once a
    /// call went to the DC.
    pub fn restore_key(&mut self, dc: i32, key: SessionKey) -> Result<(), UsageError> {
        let link = self.link(dc)?;
        if !link.is_unused() {
            return Err(UsageError::DcInUse(dc));
        }
        link.restore_key(key);
        Ok(())
    }

    /// Sends an API call (its TL bytes) to `dc`.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownDc`] for a DC without an address; [`UsageError::BadBody`] or
    /// [`UsageError::BodyTooLarge`] for a body that is not a TL object.
    pub fn send(&mut self, now: Instant, dc: i32, body: Vec<u8>) -> Result<CallId, UsageError> {
        check_body(&body)?;
        self.link(dc)?;
        let call = CallId(self.next_call);
        self.next_call += 1;
        let deadline = now.checked_add(self.cx.config.request_timeout);
        self.cx.calls.insert(call, Call { dc, deadline });
        if let Some(link) = self.links.get_mut(&dc) {
            link.submit(&mut self.cx, now, call, body);
        }
        Ok(call)
    }

    /// The connection asked for with [`Io::Connect`] is open.
    pub fn handle_connected(&mut self, now: Instant, connection: ConnectionId) {
        if let Some(link) = link_of(&mut self.links, connection) {
            link.handle_connected(&mut self.cx, now);
        }
    }

    /// The connection asked for could not be opened (`reason` says why, for the failed calls).
    pub fn handle_connect_failed(
        &mut self,
        now: Instant,
        connection: ConnectionId,
        reason: impl core::fmt::Display,
    ) {
        if let Some(link) = link_of(&mut self.links, connection) {
            link.handle_connect_failed(&mut self.cx, now, reason.to_string());
        }
    }

    /// Bytes that arrived on a connection, in any chunks.
    pub fn handle_bytes(&mut self, now: Instant, connection: ConnectionId, bytes: &[u8]) {
        if let Some(link) = link_of(&mut self.links, connection) {
            link.handle_bytes(&mut self.cx, now, bytes);
        }
    }

    /// The connection closed (the peer closed it, or reading or writing failed).
    pub fn handle_closed(&mut self, now: Instant, connection: ConnectionId) {
        if let Some(link) = link_of(&mut self.links, connection) {
            link.handle_closed(&mut self.cx, now);
        }
    }

    /// Fails calls whose time is up and drives every connection's timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<CallId> = self
            .cx
            .calls
            .iter()
            .filter(|(_, c)| c.deadline.is_some_and(|d| d <= now))
            .map(|(id, _)| *id)
            .collect();
        for call in expired {
            if let Some(c) = self.cx.calls.get(&call) {
                tracing::warn!(call = call.0, dc = c.dc, "no answer in time");
            }
            self.cx.finish(call, Err(CallFailure::Timeout));
        }
        for link in self.links.values_mut() {
            link.drop_finished(&self.cx);
            link.handle_timeout(&mut self.cx, now);
        }
    }

    /// The next thing to do with a socket.
    pub fn poll_io(&mut self) -> Option<Io> {
        self.cx.io.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.cx.events.pop_front()
    }

    /// When [`Pool::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let calls = self.cx.calls.values().filter_map(|c| c.deadline);
        let links = self.links.values().filter_map(Link::poll_timeout);
        calls.chain(links).min()
    }

    fn link(&mut self, dc: i32) -> Result<&mut Link, UsageError> {
        let addr = self
            .cx
            .config
            .dcs
            .get(dc)
            .ok_or(UsageError::UnknownDc(dc))?;
        Ok(self.links.entry(dc).or_insert_with(|| Link::new(dc, addr)))
    }
}

/// The link whose connection is `connection` (none if the pool gave it up meanwhile).
fn link_of(links: &mut BTreeMap<i32, Link>, connection: ConnectionId) -> Option<&mut Link> {
    links
        .values_mut()
        .find(|l| l.connection() == Some(connection))
}
