//! [`MtprotoTransport`]: a [`Transport`] over real MTProto — the `mtproto` crate's
//! [`Pool`] driven by tokio tasks.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use auth_core::entropy::Entropy;
use auth_core::{DcId, TransportFailure};
use auth_store::SessionFile;
use mtproto::pool::{CallFailure, CallId, ConnectionId, Event, Io, Pool, PoolConfig};
use rand_core::CryptoRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info_span, warn};

use crate::Transport;

/// Updates waiting for the subscriber at most; more are dropped (a QR login needs one).
const UPDATE_BUFFER: usize = 64;

type Answer = Result<Vec<u8>, TransportFailure>;

/// What the driver task, the connection tasks and the calls share.
struct Shared {
    state: Mutex<State>,
    /// Something changed: the driver task looks at the pool again.
    wake: Notify,
    stop: CancellationToken,
}

struct State {
    pool: Pool,
    /// The calls waiting for their answers.
    waiters: BTreeMap<CallId, oneshot::Sender<Answer>>,
    /// What to write on each open connection (dropping a sender closes its connection).
    writers: BTreeMap<ConnectionId, mpsc::UnboundedSender<Vec<u8>>>,
    updates: Option<mpsc::Sender<Vec<u8>>>,
    store: Option<SessionFile>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking task must not take the transport down with it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A [`Transport`] that speaks MTProto over TCP to Telegram or to anything that does (the
/// simulator's `auth_sim::tcp::SimServer`).
///
/// One connection and one session per data center, opened on first use; the auth-key handshake
/// when a DC has no key; a dropped connection reopened once with what had no answer sent again;
/// `-404` ends the calls on the key with a [`TransportFailure`] and makes a new key (all of
/// it the `mtproto` crate's [`Pool`]). Calls may overlap. With a [`SessionFile`] the keys
/// outlive the process: they are restored before the first call and every change is saved.
/// Updates the servers push go to [`subscribe_updates`](Self::subscribe_updates) (for
/// [`qr_login`](crate::qr_login)).
///
/// A task drives the connections; it starts with the first call (on that call's runtime) and
/// ends, with every connection, when the transport is dropped.
///
/// A login is recorded with [`SessionFile::set_logged_in`], a logout with
/// [`SessionFile::log_out`] (which drops the keys), both through
/// [`with_session_file`](Self::with_session_file).
///
/// Failures: no answer in time is [`TransportFailure::Timeout`], a connection lost twice is
/// [`TransportFailure::ConnectionLost`], anything else (cannot connect, `-404`, a handshake
/// refused) is [`TransportFailure::Other`] with the reason.
pub struct MtprotoTransport {
    shared: Arc<Shared>,
    driver: OnceLock<()>,
}

impl std::fmt::Debug for MtprotoTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.state();
        f.debug_struct("MtprotoTransport")
            .field("pool", &state.pool)
            .field("waiting", &state.waiters.len())
            .field("connections", &state.writers.len())
            .finish_non_exhaustive()
    }
}

impl MtprotoTransport {
    /// A transport that makes each DC's key on its first call, drawing the seed of its
    /// nonces, exponents and session ids from `rng` (in production, the OS's generator). No
    /// task runs before the first call.
    ///
    /// # Errors
    ///
    /// `config` has no server key ([`mtproto::UsageError::NoServerKeys`]).
    pub fn new<R: CryptoRng + ?Sized>(
        config: PoolConfig,
        rng: &mut R,
    ) -> Result<Self, mtproto::UsageError> {
        let pool = Pool::new(
            config,
            Instant::now(),
            SystemTime::now(),
            Entropy::from_rng(rng),
        )?;
        let state = State {
            pool,
            waiters: BTreeMap::new(),
            writers: BTreeMap::new(),
            updates: None,
            store: None,
        };
        Ok(MtprotoTransport {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                wake: Notify::new(),
                stop: CancellationToken::new(),
            }),
            driver: OnceLock::new(),
        })
    }

    /// Uses the keys saved in `store` (for the servers of this transport's configuration), and
    /// saves there what changes: new keys, salts and clock offsets, keys a server forgot.
    #[must_use]
    pub fn with_session(self, store: SessionFile) -> Self {
        {
            let mut state = self.shared.state();
            store.restore_keys(&mut state.pool);
            state.store = Some(store);
        }
        self
    }

    /// Runs `f` on the session file, if the transport has one (to record the login:
    /// `set_logged_in`, `log_out`, ...).
    pub fn with_session_file<R>(&self, f: impl FnOnce(&mut SessionFile) -> R) -> Option<R> {
        self.shared.state().store.as_mut().map(f)
    }

    /// Gives the session file back (the transport keeps serving calls, without saving).
    pub fn take_session_file(&self) -> Option<SessionFile> {
        self.shared.state().store.take()
    }

    /// Whether `dc` has an open connection.
    pub fn is_connected(&self, dc: DcId) -> bool {
        self.shared.state().pool.is_connected(dc.0)
    }

    /// The id of `dc`'s auth key (public: every packet carries it), if it has one.
    pub fn auth_key_id(&self, dc: DcId) -> Option<u64> {
        let key = self.shared.state().pool.key(dc.0);
        key.map(|key| key.auth_key.id())
    }

    /// From now on, the updates the servers push (`Updates` objects' TL bytes) go to the
    /// returned receiver instead of any earlier one; pass it to [`qr_login`](crate::qr_login).
    pub fn subscribe_updates(&self) -> mpsc::Receiver<Vec<u8>> {
        let (tx, rx) = mpsc::channel(UPDATE_BUFFER);
        self.shared.state().updates = Some(tx);
        rx
    }
}

impl Drop for MtprotoTransport {
    fn drop(&mut self) {
        self.shared.stop.cancel();
        let mut state = self.shared.state();
        // The connection tasks end when their writers go; the session file is unlocked now,
        // not when the last task is gone.
        state.writers.clear();
        state.store = None;
    }
}

impl Transport for MtprotoTransport {
    async fn invoke(&self, dc: DcId, body: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        self.driver.get_or_init(|| {
            let shared = Arc::clone(&self.shared);
            tokio::spawn(drive(shared).instrument(info_span!("mtproto_pool")));
        });
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.shared.state();
            let call = state
                .pool
                .send(Instant::now(), dc.0, body)
                .map_err(|e| TransportFailure::Other(e.to_string()))?;
            state.waiters.insert(call, tx);
        }
        self.shared.wake.notify_one();
        // The driver drops the sender only when it stops, with the transport.
        rx.await.unwrap_or(Err(TransportFailure::ConnectionLost))
    }
}

/// The driver task: does what the pool asks, hands answers and updates out, runs its timers.
async fn drive(shared: Arc<Shared>) {
    loop {
        let next = {
            let mut state = shared.state();
            state.serve(&shared);
            state.pool.poll_timeout()
        };
        let timer = async {
            match next {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shared.stop.cancelled() => return,
            () = shared.wake.notified() => {}
            () = timer => shared.state().pool.handle_timeout(Instant::now()),
        }
    }
}

impl State {
    /// Does what the pool asks of the sockets and takes its events.
    fn serve(&mut self, shared: &Arc<Shared>) {
        while let Some(io) = self.pool.poll_io() {
            match io {
                Io::Connect {
                    connection, addr, ..
                } => {
                    let (tx, rx) = mpsc::unbounded_channel();
                    self.writers.insert(connection, tx);
                    let span = info_span!("mtproto_connection", connection = connection.0);
                    let limit = self.pool.config().connect_timeout;
                    let task = run_connection(Arc::clone(shared), connection, addr, limit, rx);
                    tokio::spawn(task.instrument(span));
                }
                Io::Send { connection, bytes } => {
                    if let Some(writer) = self.writers.get(&connection) {
                        // A connection task that ended has reported it; nothing to do here.
                        let _ = writer.send(bytes);
                    }
                }
                Io::Close { connection } => {
                    self.writers.remove(&connection);
                }
            }
        }
        while let Some(event) = self.pool.poll_event() {
            match event {
                Event::Response { call, body } => self.answer(call, Ok(body)),
                Event::Failed { call, failure } => {
                    self.answer(call, Err(transport_failure(failure)))
                }
                Event::Update { body, .. } => {
                    if let Some(updates) = &self.updates {
                        // A full or closed subscriber misses it.
                        let _ = updates.try_send(body);
                    }
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

    fn answer(&mut self, call: CallId, answer: Answer) {
        if let Some(waiter) = self.waiters.remove(&call) {
            // A caller that gave up has dropped its receiver.
            let _ = waiter.send(answer);
        }
    }
}

fn transport_failure(failure: CallFailure) -> TransportFailure {
    match failure {
        CallFailure::Timeout => TransportFailure::Timeout,
        CallFailure::ConnectionLost => TransportFailure::ConnectionLost,
        other => TransportFailure::Other(other.to_string()),
    }
}

/// One connection: opens it, then moves bytes both ways until either side closes it.
async fn run_connection(
    shared: Arc<Shared>,
    connection: ConnectionId,
    addr: SocketAddr,
    limit: Duration,
    mut writes: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let opened = tokio::select! {
        opened = tokio::time::timeout(limit, TcpStream::connect(addr)) => opened,
        () = shared.stop.cancelled() => return,
    };
    let stream = match opened {
        Ok(Ok(stream)) => stream,
        // The pool has given up on it at the same deadline.
        Err(_) => return,
        Ok(Err(error)) => {
            report(&shared, |pool| {
                pool.handle_connect_failed(Instant::now(), connection, error);
            });
            return;
        }
    };
    // Small request/answer exchanges: do not wait to fill segments.
    let _ = stream.set_nodelay(true);
    report(&shared, |pool| {
        pool.handle_connected(Instant::now(), connection)
    });
    let (mut reader, mut writer) = stream.into_split();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = reader.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => report(&shared, |pool| pool.handle_bytes(Instant::now(), connection, &buf[..n])),
            },
            write = writes.recv() => match write {
                Some(bytes) => {
                    if writer.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                // The pool closed the connection: nothing more to report.
                None => return,
            },
        }
    }
    report(&shared, |pool| {
        pool.handle_closed(Instant::now(), connection)
    });
}

/// Gives the pool what a connection saw and wakes the driver.
fn report(shared: &Shared, f: impl FnOnce(&mut Pool)) {
    f(&mut shared.state().pool);
    shared.wake.notify_one();
}
