//! [`TcpTransport`]: the simulator's wire protocol ([`auth_blocking::wire`]: intermediate
//! framing, plaintext envelope) over tokio TCP.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use auth_blocking::TcpOptions;
use auth_blocking::wire::{ClientConnection, MessageIds, Reply, WireError};
use auth_core::{DcId, TransportFailure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Transport;

/// Bytes read from the socket at a time, at most.
const READ_CHUNK: usize = 16 * 1024;

struct Connection {
    stream: TcpStream,
    wire: ClientConnection,
}

struct DcSession {
    auth_key_id: u64,
    ids: MessageIds,
    /// Taken out while a call is on it: a call abandoned half-way drops its connection.
    connection: Option<Connection>,
}

/// A [`Transport`] to the simulator server ([`SimServer`](crate::SimServer), or
/// `auth-blocking`'s): DC *n* is at the port of DC 1 plus *n* − 1.
///
/// One connection per DC, opened on first use and kept; calls to one DC take turns on it.
/// Each DC's `auth_key_id` is chosen once ([`TcpOptions::auth_key_id`]) and kept across
/// reconnects, so a reconnect continues the same login; message ids keep increasing too.
///
/// Failures: a connect or reply timeout is [`TransportFailure::Timeout`]; a connection the
/// server closed while idle is reopened once and the call re-sent; a connection that drops
/// while a call is out is [`TransportFailure::ConnectionLost`] (the login retries it); a
/// transport error frame is `TransportFailure::Other("transport error -404")`. After any
/// failure, or a call abandoned half-way, the connection is dropped and the next call opens a
/// new one.
pub struct TcpTransport {
    dc1: SocketAddr,
    options: TcpOptions,
    sessions: Mutex<BTreeMap<DcId, Arc<tokio::sync::Mutex<DcSession>>>>,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("dc1", &self.dc1)
            .finish_non_exhaustive()
    }
}

/// How one exchange went wrong.
enum ExchangeError {
    /// The peer closed or reset the connection.
    Dropped,
    /// The peer sent bytes that are not the protocol.
    Wire(WireError),
    /// Another socket error.
    Io(io::Error),
}

impl From<io::Error> for ExchangeError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
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
    /// A transport whose DC 1 is at `dc1` (e.g. [`SimServer::addr`](crate::SimServer::addr));
    /// nothing is connected yet.
    pub fn new(dc1: impl Into<SocketAddr>, options: TcpOptions) -> Self {
        TcpTransport {
            dc1: dc1.into(),
            options,
            sessions: Mutex::new(BTreeMap::new()),
        }
    }

    /// The options.
    pub fn options(&self) -> &TcpOptions {
        &self.options
    }

    /// The `auth_key_id` this transport uses on `dc`.
    pub fn auth_key_id(&self, dc: DcId) -> u64 {
        self.options.auth_key_id(dc)
    }

    /// The address of `dc`, if the port exists.
    pub fn addr(&self, dc: DcId) -> Option<SocketAddr> {
        let offset = u16::try_from(dc.0.checked_sub(1)?).ok()?;
        Some(SocketAddr::new(
            self.dc1.ip(),
            self.dc1.port().checked_add(offset)?,
        ))
    }

    fn session(&self, dc: DcId) -> Arc<tokio::sync::Mutex<DcSession>> {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let session = sessions.entry(dc).or_insert_with(|| {
            Arc::new(tokio::sync::Mutex::new(DcSession {
                auth_key_id: self.options.auth_key_id(dc),
                ids: MessageIds::new(first_message_id()),
                connection: None,
            }))
        });
        Arc::clone(session)
    }

    async fn connect(
        &self,
        addr: SocketAddr,
        auth_key_id: u64,
    ) -> Result<Connection, TransportFailure> {
        let stream = match tokio::time::timeout(
            self.options.connect_timeout,
            TcpStream::connect(addr),
        )
        .await
        {
            Err(_) => return Err(TransportFailure::Timeout),
            Ok(Err(e)) => {
                return Err(TransportFailure::Other(format!(
                    "cannot connect to {addr}: {e}"
                )));
            }
            Ok(Ok(stream)) => stream,
        };
        // Small request/reply exchanges: do not wait to fill segments.
        let _ = stream.set_nodelay(true);
        let wire = ClientConnection::new(auth_key_id)
            .map_err(|e| TransportFailure::Other(e.to_string()))?;
        Ok(Connection { stream, wire })
    }
}

/// Sends one request on `conn` and reads its reply.
async fn exchange(
    conn: &mut Connection,
    message_id: u64,
    body: &[u8],
) -> Result<Reply, ExchangeError> {
    let request = conn
        .wire
        .encode_request(message_id, body)
        .map_err(ExchangeError::Wire)?;
    conn.stream.write_all(&request).await?;
    let mut buf = vec![0; READ_CHUNK];
    loop {
        if let Some(reply) = conn.wire.poll_reply().map_err(ExchangeError::Wire)? {
            return Ok(reply);
        }
        let want = conn.wire.wanted().min(buf.len());
        let n = conn.stream.read(&mut buf[..want]).await?;
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
    async fn invoke(&self, dc: DcId, body: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        let addr = self
            .addr(dc)
            .ok_or_else(|| TransportFailure::Other(format!("no port for {dc}")))?;
        let session = self.session(dc);
        let mut session = session.lock().await;
        for attempt in 0..2 {
            let (mut connection, reused) = match session.connection.take() {
                Some(connection) => (connection, true),
                None => (self.connect(addr, session.auth_key_id).await?, false),
            };
            let message_id = session.ids.next_id();
            let result = tokio::time::timeout(
                self.options.read_timeout,
                exchange(&mut connection, message_id, &body),
            )
            .await;
            return match result {
                Ok(Ok(Reply::Body(reply))) => {
                    session.connection = Some(connection);
                    Ok(reply)
                }
                Ok(Ok(Reply::TransportError(code))) => {
                    Err(TransportFailure::Other(format!("transport error {code}")))
                }
                // Closed while idle (server restart, idle timeout): reconnect once.
                Ok(Err(ExchangeError::Dropped)) if reused && attempt == 0 => continue,
                Ok(Err(ExchangeError::Dropped)) => Err(TransportFailure::ConnectionLost),
                Ok(Err(ExchangeError::Wire(e))) => {
                    Err(TransportFailure::Other(format!("bad reply from {dc}: {e}")))
                }
                Ok(Err(ExchangeError::Io(e))) => Err(TransportFailure::Other(format!("{dc}: {e}"))),
                Err(_) => Err(TransportFailure::Timeout),
            };
        }
        Err(TransportFailure::ConnectionLost)
    }
}
