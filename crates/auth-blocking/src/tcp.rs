//! [`TcpTransport`]: a [`Transport`] speaking the simulator's [wire protocol](crate::wire)
//! over TCP (loopback, for [`SimServer`](crate::SimServer) or `auth-tokio`'s server).

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth_core::{DcId, TransportFailure};

use crate::Transport;
use crate::wire::{ClientConnection, MessageIds, Reply, WireError};

/// How a [`TcpTransport`] connects and picks its per-DC `auth_key_id`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpOptions {
    /// Longest wait for a connection to open (default 5 s); past it: [`TransportFailure::Timeout`].
    pub connect_timeout: Duration,
    /// Longest wait for one reply, from sending the request (default 10 s); past it:
    /// [`TransportFailure::Timeout`].
    pub read_timeout: Duration,
    /// Seed from which each DC's `auth_key_id` is derived (unless given in
    /// [`auth_key_ids`](Self::auth_key_ids)). Draw it from the OS RNG once per client and keep
    /// it to continue a login across processes; two clients with the same seed share keys.
    pub key_seed: u64,
    /// Explicit `auth_key_id`s for some DCs (zero is ignored).
    pub auth_key_ids: BTreeMap<DcId, u64>,
}

impl TcpOptions {
    /// Default timeouts and keys derived from `key_seed`.
    pub fn new(key_seed: u64) -> Self {
        TcpOptions {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(10),
            key_seed,
            auth_key_ids: BTreeMap::new(),
        }
    }

    /// Sets both timeouts.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, read: Duration) -> Self {
        self.connect_timeout = connect;
        self.read_timeout = read;
        self
    }

    /// Uses `auth_key_id` for `dc` instead of deriving it from the seed.
    #[must_use]
    pub fn with_auth_key_id(mut self, dc: DcId, auth_key_id: u64) -> Self {
        self.auth_key_ids.insert(dc, auth_key_id);
        self
    }

    /// The `auth_key_id` used on `dc`: explicit, or derived from the seed (never zero).
    pub fn auth_key_id(&self, dc: DcId) -> u64 {
        if let Some(&id) = self.auth_key_ids.get(&dc).filter(|id| **id != 0) {
            return id;
        }
        // splitmix64 of (seed, dc): distinct DCs get unrelated ids.
        let mut z = self.key_seed ^ (u64::from(dc.0 as u32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        if z == 0 { 1 } else { z }
    }
}

struct Connection {
    stream: TcpStream,
    wire: ClientConnection,
}

struct DcSession {
    auth_key_id: u64,
    ids: MessageIds,
    connection: Option<Connection>,
}

/// A [`Transport`] to the simulator server: DC *n* is at the port of DC 1 plus *n* − 1.
///
/// One connection per DC, opened on first use and kept; each DC's `auth_key_id` is chosen
/// once ([`TcpOptions::auth_key_id`]) and kept across reconnects, so a reconnect continues
/// the same login; message ids increase across reconnects too.
///
/// Failures: a connect or reply timeout is [`TransportFailure::Timeout`]; a connection the
/// server closed while idle is reopened once and the call re-sent; a connection that drops
/// while a call is out is [`TransportFailure::ConnectionLost`] (the login retries it); a
/// transport error frame is `TransportFailure::Other("transport error -404")`. After any
/// failure the connection is dropped and the next call opens a new one.
pub struct TcpTransport {
    dc1: SocketAddr,
    options: TcpOptions,
    sessions: BTreeMap<DcId, DcSession>,
    buf: Vec<u8>,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("dc1", &self.dc1)
            .field(
                "connected",
                &self
                    .sessions
                    .iter()
                    .filter(|(_, s)| s.connection.is_some())
                    .map(|(dc, _)| dc.0)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// How one exchange went wrong.
enum ExchangeError {
    /// The peer closed or reset the connection.
    Dropped,
    /// No reply in time.
    Timeout,
    /// The peer sent bytes that are not the protocol.
    Wire(WireError),
    /// Another socket error.
    Io(io::Error),
}

impl From<io::Error> for ExchangeError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ExchangeError::Timeout,
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::NotConnected => ExchangeError::Dropped,
            _ => ExchangeError::Io(e),
        }
    }
}

impl TcpTransport {
    /// A transport whose DC 1 is at `dc1` (e.g. `SimServer::addr()`); nothing is connected yet.
    pub fn new(dc1: impl Into<SocketAddr>, options: TcpOptions) -> Self {
        TcpTransport {
            dc1: dc1.into(),
            options,
            sessions: BTreeMap::new(),
            buf: vec![0; 16 * 1024],
        }
    }

    /// A transport to `host` with DC 1 at `base_port`.
    pub fn with_host(host: IpAddr, base_port: u16, options: TcpOptions) -> Self {
        Self::new(SocketAddr::new(host, base_port), options)
    }

    /// The options.
    pub fn options(&self) -> &TcpOptions {
        &self.options
    }

    /// The `auth_key_id` this transport uses (or will use) on `dc`.
    pub fn auth_key_id(&self, dc: DcId) -> u64 {
        self.sessions
            .get(&dc)
            .map_or_else(|| self.options.auth_key_id(dc), |s| s.auth_key_id)
    }

    /// The address of `dc`, if the port exists.
    pub fn addr(&self, dc: DcId) -> Option<SocketAddr> {
        let offset = u16::try_from(dc.0.checked_sub(1)?).ok()?;
        Some(SocketAddr::new(
            self.dc1.ip(),
            self.dc1.port().checked_add(offset)?,
        ))
    }

    /// Whether a connection to `dc` is open (as far as this side knows).
    pub fn is_connected(&self, dc: DcId) -> bool {
        self.sessions
            .get(&dc)
            .is_some_and(|s| s.connection.is_some())
    }

    /// Closes every connection (keys and message ids are kept).
    pub fn disconnect(&mut self) {
        for session in self.sessions.values_mut() {
            session.connection = None;
        }
    }

    fn connect(&self, addr: SocketAddr, auth_key_id: u64) -> Result<Connection, TransportFailure> {
        let stream =
            TcpStream::connect_timeout(&addr, self.options.connect_timeout).map_err(|e| match e
                .kind()
            {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportFailure::Timeout,
                _ => TransportFailure::Other(format!("cannot connect to {addr}: {e}")),
            })?;
        // Small request/reply exchanges: do not wait to fill segments.
        let _ = stream.set_nodelay(true);
        let wire = ClientConnection::new(auth_key_id)
            .map_err(|e| TransportFailure::Other(e.to_string()))?;
        Ok(Connection { stream, wire })
    }
}

/// Sends one request on `conn` and reads its reply, within `timeout`.
fn exchange(
    conn: &mut Connection,
    buf: &mut [u8],
    message_id: u64,
    body: &[u8],
    timeout: Duration,
) -> Result<Reply, ExchangeError> {
    let deadline = Instant::now() + timeout;
    let request = conn
        .wire
        .encode_request(message_id, body)
        .map_err(ExchangeError::Wire)?;
    conn.stream
        .set_write_timeout(Some(timeout.max(Duration::from_millis(1))))?;
    conn.stream.write_all(&request)?;
    loop {
        if let Some(reply) = conn.wire.poll_reply().map_err(ExchangeError::Wire)? {
            return Ok(reply);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ExchangeError::Timeout);
        }
        conn.stream.set_read_timeout(Some(left))?;
        let want = conn.wire.wanted().min(buf.len());
        let n = conn.stream.read(&mut buf[..want])?;
        if n == 0 {
            return Err(ExchangeError::Dropped);
        }
        conn.wire.push(&buf[..n]);
    }
}

fn first_message_id() -> u64 {
    // MTProto-style: unix time in the high 32 bits (any start works for the simulator).
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    secs << 32
}

impl Transport for TcpTransport {
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        let addr = self
            .addr(dc)
            .ok_or_else(|| TransportFailure::Other(format!("no port for {dc}")))?;
        let auth_key_id = self.auth_key_id(dc);
        self.sessions.entry(dc).or_insert_with(|| DcSession {
            auth_key_id,
            ids: MessageIds::new(first_message_id()),
            connection: None,
        });
        for attempt in 0..2 {
            let reused = self
                .sessions
                .get(&dc)
                .is_some_and(|s| s.connection.is_some());
            if !reused {
                let connection = self.connect(addr, auth_key_id)?;
                if let Some(s) = self.sessions.get_mut(&dc) {
                    s.connection = Some(connection);
                }
            }
            let Some(session) = self.sessions.get_mut(&dc) else {
                return Err(TransportFailure::Other(format!("no session for {dc}")));
            };
            let message_id = session.ids.next_id();
            let Some(conn) = session.connection.as_mut() else {
                return Err(TransportFailure::ConnectionLost);
            };
            let result = exchange(
                conn,
                &mut self.buf,
                message_id,
                body,
                self.options.read_timeout,
            );
            if !matches!(result, Ok(Reply::Body(_))) {
                session.connection = None;
            }
            return match result {
                Ok(Reply::Body(reply)) => Ok(reply),
                Ok(Reply::TransportError(code)) => {
                    Err(TransportFailure::Other(format!("transport error {code}")))
                }
                // Closed while idle (server restart, idle timeout): reconnect once.
                Err(ExchangeError::Dropped) if reused && attempt == 0 => continue,
                Err(ExchangeError::Dropped) => Err(TransportFailure::ConnectionLost),
                Err(ExchangeError::Timeout) => Err(TransportFailure::Timeout),
                Err(ExchangeError::Wire(e)) => {
                    Err(TransportFailure::Other(format!("bad reply from {dc}: {e}")))
                }
                Err(ExchangeError::Io(e)) => Err(TransportFailure::Other(format!("{dc}: {e}"))),
            };
        }
        Err(TransportFailure::ConnectionLost)
    }
}
