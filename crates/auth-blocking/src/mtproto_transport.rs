//! [`MtprotoTransport`]: a [`Transport`] over real MTProto — the `mtproto` crate's
//! [`Pool`] driven with std sockets and a reader thread per connection.

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use auth_core::entropy::Entropy;
use auth_core::{DcId, TransportFailure};
use auth_store::SessionFile;
use mtproto::pool::{CallFailure, CallId, ConnectionId, Event, Io, Pool, PoolConfig};
use rand_core::CryptoRng;
use tracing::{info_span, warn};

use crate::Transport;

/// Updates kept for [`MtprotoTransport::next_update`] at most (the oldest go first).
const MAX_UPDATES: usize = 256;

/// What a connection's reader thread reports.
enum Incoming {
    Bytes(Vec<u8>),
    Closed,
}

/// An open socket and the thread reading it.
struct Socket {
    stream: TcpStream,
    reader: JoinHandle<()>,
}

/// A [`Transport`] that speaks MTProto over TCP to Telegram or to anything that does (the
/// simulator's `auth_sim::tcp::SimServer`).
///
/// One connection and one session per data center, opened on first use; the auth-key handshake
/// when a DC has no key; a dropped connection reopened once with what had no answer sent again;
/// `-404` ends the calls on the key with a [`TransportFailure`] and makes a new key (all of
/// it the `mtproto` crate's [`Pool`]). With a [`SessionFile`] the keys outlive the process:
/// they are restored before the first call and every change is saved. Updates the servers
/// push wait in [`next_update`](Self::next_update).
///
/// After a login, record it with [`SessionFile::set_logged_in`] (through
/// [`session`](Self::session)); after logging out, [`SessionFile::log_out`] drops the keys.
///
/// Failures: no answer in time is [`TransportFailure::Timeout`], a connection lost twice is
/// [`TransportFailure::ConnectionLost`], anything else (cannot connect, `-404`, a handshake
/// refused) is [`TransportFailure::Other`] with the reason.
pub struct MtprotoTransport {
    pool: Pool,
    sockets: BTreeMap<ConnectionId, Socket>,
    inbox: Receiver<(ConnectionId, Incoming)>,
    inbox_tx: Sender<(ConnectionId, Incoming)>,
    store: Option<SessionFile>,
    updates: VecDeque<(DcId, Vec<u8>)>,
    answers: BTreeMap<CallId, Result<Vec<u8>, CallFailure>>,
}

impl std::fmt::Debug for MtprotoTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counts only: no bytes, no keys (the pool prints key ids, never keys).
        let (sockets, updates) = (self.sockets.len(), self.updates.len());
        write!(
            f,
            "MtprotoTransport {{ pool: {:?}, sockets: {sockets}, updates: {updates}, .. }}",
            self.pool
        )
    }
}

impl MtprotoTransport {
    /// A transport with no keys yet: each DC's first call makes one. Nonces, DH exponents,
    /// session ids and padding come from a seed drawn from `rng` (the OS generator in
    /// production).
    ///
    /// # Errors
    ///
    /// [`mtproto::UsageError::NoServerKeys`] if `config` names no server key.
    pub fn new<R>(config: PoolConfig, rng: &mut R) -> Result<Self, mtproto::UsageError>
    where
        R: CryptoRng + ?Sized,
    {
        let entropy = Entropy::from_rng(rng);
        let (now, wall) = (Instant::now(), SystemTime::now());
        let pool = Pool::new(config, now, wall, entropy)?;
        let (inbox_tx, inbox) = mpsc::channel();
        Ok(MtprotoTransport {
            pool,
            sockets: BTreeMap::new(),
            inbox,
            inbox_tx,
            store: None,
            updates: VecDeque::new(),
            answers: BTreeMap::new(),
        })
    }

    /// Keeps the keys in `store`: the ones it has are used from the first call on (those of
    /// the servers this transport talks to), and every new key, salt or clock offset, and every
    /// key a server forgot, is saved there.
    #[must_use]
    pub fn with_session(mut self, store: SessionFile) -> Self {
        store.restore_keys(&mut self.pool);
        self.store = Some(store);
        self
    }

    /// The session file, if any (to record the login: `set_logged_in`, `log_out`, ...).
    pub fn session(&mut self) -> Option<&mut SessionFile> {
        self.store.as_mut()
    }

    /// Gives the session file back, closing every connection.
    pub fn into_session(mut self) -> Option<SessionFile> {
        self.store.take()
    }

    /// Whether `dc` has an open connection.
    pub fn is_connected(&self, dc: DcId) -> bool {
        self.pool.is_connected(dc.0)
    }

    /// The id of `dc`'s auth key (public: every packet carries it), if it has one.
    pub fn auth_key_id(&self, dc: DcId) -> Option<u64> {
        self.pool.key(dc.0).map(|key| key.auth_key.id())
    }

    /// The next update a server pushed (an `Updates` object's TL bytes), waiting at most
    /// `timeout` while serving the connections.
    pub fn next_update(&mut self, timeout: Duration) -> Option<(DcId, Vec<u8>)> {
        let until = Instant::now().checked_add(timeout);
        self.drive(until, |t| !t.updates.is_empty());
        self.updates.pop_front()
    }

    /// Serves the connections until `done` or `until` (never, if `None`).
    fn drive(&mut self, until: Option<Instant>, done: impl Fn(&Self) -> bool) {
        loop {
            self.do_io();
            self.take_events();
            if done(self) {
                return;
            }
            let now = Instant::now();
            if until.is_some_and(|u| u <= now) {
                return;
            }
            let next = [self.pool.poll_timeout(), until]
                .into_iter()
                .flatten()
                .min();
            let received = match next {
                Some(at) => self.inbox.recv_timeout(at.saturating_duration_since(now)),
                None => self
                    .inbox
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            let now = Instant::now();
            match received {
                Ok((connection, Incoming::Bytes(bytes))) => {
                    self.pool.handle_bytes(now, connection, &bytes);
                }
                Ok((connection, Incoming::Closed)) => {
                    self.close(connection);
                    self.pool.handle_closed(now, connection);
                }
                // The inbox's sender lives in `self`: only a timeout ends a wait.
                Err(_) => self.pool.handle_timeout(now),
            }
        }
    }

    /// Does what the pool asks of the sockets.
    fn do_io(&mut self) {
        while let Some(io) = self.pool.poll_io() {
            match io {
                Io::Connect {
                    connection, addr, ..
                } => {
                    let timeout = self.pool.config().connect_timeout;
                    match self.open(connection, addr, timeout) {
                        Ok(socket) => {
                            self.sockets.insert(connection, socket);
                            self.pool.handle_connected(Instant::now(), connection);
                        }
                        Err(error) => {
                            self.pool
                                .handle_connect_failed(Instant::now(), connection, error);
                        }
                    }
                }
                Io::Send { connection, bytes } => {
                    let written = self
                        .sockets
                        .get_mut(&connection)
                        .is_some_and(|s| s.stream.write_all(&bytes).is_ok());
                    if !written {
                        self.close(connection);
                        self.pool.handle_closed(Instant::now(), connection);
                    }
                }
                Io::Close { connection } => self.close(connection),
            }
        }
    }

    fn open(
        &self,
        connection: ConnectionId,
        addr: std::net::SocketAddr,
        timeout: Duration,
    ) -> std::io::Result<Socket> {
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        // Small request/answer exchanges: do not wait to fill segments.
        let _ = stream.set_nodelay(true);
        stream.set_write_timeout(Some(self.pool.config().request_timeout))?;
        let mut reading = stream.try_clone()?;
        let inbox = self.inbox_tx.clone();
        let reader = thread::Builder::new()
            .name(format!("mtproto-conn{}", connection.0))
            .spawn(move || {
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let incoming = match reading.read(&mut buf) {
                        Ok(0) | Err(_) => Incoming::Closed,
                        Ok(n) => Incoming::Bytes(buf[..n].to_vec()),
                    };
                    let closed = matches!(incoming, Incoming::Closed);
                    if inbox.send((connection, incoming)).is_err() || closed {
                        return;
                    }
                }
            })?;
        Ok(Socket { stream, reader })
    }

    /// Closes a socket; its reader thread ends.
    fn close(&mut self, connection: ConnectionId) {
        if let Some(socket) = self.sockets.remove(&connection) {
            let _ = socket.stream.shutdown(Shutdown::Both);
            let _ = socket.reader.join();
        }
    }

    /// Takes the pool's events: answers, updates, keys to save.
    fn take_events(&mut self) {
        while let Some(event) = self.pool.poll_event() {
            match event {
                Event::Response { call, body } => {
                    self.answers.insert(call, Ok(body));
                }
                Event::Failed { call, failure } => {
                    self.answers.insert(call, Err(failure));
                }
                Event::Update { dc, body } => {
                    if self.updates.len() >= MAX_UPDATES {
                        self.updates.pop_front();
                    }
                    self.updates.push_back((DcId(dc), body));
                }
                Event::KeyChanged { dc, key } => {
                    let test = self.pool.config().test_servers;
                    if let Some(store) = &mut self.store
                        && let Err(error) = store.record_key(DcId(dc), key.as_deref(), test)
                    {
                        warn!(dc, %error, "the session file was not updated");
                    }
                }
            }
        }
    }
}

impl Transport for MtprotoTransport {
    fn invoke(&mut self, dc: DcId, body: &[u8]) -> Result<Vec<u8>, TransportFailure> {
        let call = self
            .pool
            .send(Instant::now(), dc.0, body.to_vec())
            .map_err(|e| TransportFailure::Other(e.to_string()))?;
        let span = info_span!("mtproto_call", dc = dc.0, call = call.0);
        let _entered = span.enter();
        self.drive(None, |t| t.answers.contains_key(&call));
        // Answers to calls given up on (none in a blocking transport) are not kept.
        let answer = self.answers.remove(&call);
        self.answers.clear();
        match answer {
            Some(Ok(body)) => Ok(body),
            Some(Err(CallFailure::Timeout)) => Err(TransportFailure::Timeout),
            Some(Err(CallFailure::ConnectionLost)) => Err(TransportFailure::ConnectionLost),
            Some(Err(other)) => Err(TransportFailure::Other(other.to_string())),
            None => Err(TransportFailure::Timeout),
        }
    }
}

impl Drop for MtprotoTransport {
    fn drop(&mut self) {
        let open: Vec<ConnectionId> = self.sockets.keys().copied().collect();
        for connection in open {
            self.close(connection);
        }
    }
}
