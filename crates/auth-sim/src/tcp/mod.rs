//! The simulator served over TCP in real MTProto, so that any MTProto client can log in to it:
//! [`SimServer`].
//!
//! DC *n* listens on `base_port + n − 1` (DCs 1 to [`DC_COUNT`]); each connection gets a thread
//! (threads are plenty for tests and the demo). The server recognises the four framings from a
//! client's first bytes, makes auth keys with the simulator's RSA key (by default the
//! repository's [test-only key](mtproto::keys::RsaPrivateKey::test_only_server_key)), and keys
//! clients by `auth_key_id`: a reconnect with the same key keeps its login, a new key is a new,
//! unauthorized client, and a key the server does not know gets `-404`. `invokeWithLayer` and
//! `initConnection` are taken off by the session; the layer and client info go into the
//! [`ServedCall`] log. `help.getConfig` lists this server's ports (`test_mode` set),
//! `updates.getState` tells a logged-in key from a stale one, and the session that exported a
//! QR login token gets `updateLoginToken` pushed when the token is accepted.
//!
//! This module is the simulator's IO shell: it reads the clock and passes `now` in, so the
//! simulator itself stays sans-IO.
// The IO shell reads the clock and waits on sockets; `Sim` and the MTProto halves do not.
#![allow(clippy::disallowed_methods)]

mod clients;
mod conn;
mod connection;
mod network_methods;

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use auth_core::DcId;
use mtproto::handshake::ServerHandshakeConfig;
use mtproto::keys::{RsaPrivateKey, RsaPublicKey};
use mtproto::pool::{DcTable, PoolConfig};
use mtproto::session::ClientInfo;
use tg_crypto::entropy::Entropy;

use crate::{CallRecord, KeyId, Sim};
use clients::Client;
use conn::Conn;

/// How many DCs are served: DC *n* on `base_port + n − 1`.
pub const DC_COUNT: u16 = 5;

/// How many times a search for [`DC_COUNT`] free consecutive ports is made.
const PORT_ATTEMPTS: u32 = 64;

/// Calls kept in the [`SimServer::served`] log.
const SERVED_CAPACITY: usize = 4096;

/// Called with each call served, on the connection's thread, outside every lock.
pub type CallLog = Arc<dyn Fn(&ServedCall) + Send + Sync>;

/// One call the server answered: the simulator's record, and what the client's session said
/// about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedCall {
    /// The simulator's record (DC, key, method, result).
    pub record: CallRecord,
    /// The client's session.
    pub session_id: i64,
    /// The layer the session declared with `invokeWithLayer`.
    pub layer: Option<i32>,
    /// What the session's `initConnection` said.
    pub client: Option<ClientInfo>,
}

impl std::fmt::Display for ServedCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.record)?;
        if let Some(layer) = self.layer {
            write!(f, " (layer {layer})")?;
        }
        Ok(())
    }
}

/// How a [`SimServer`] listens.
pub struct ServerConfig {
    /// The port of DC 1; 0 finds [`DC_COUNT`] free consecutive ports.
    pub base_port: u16,
    /// The server's RSA key.
    pub key: RsaPrivateKey,
    /// Where the server's handshakes and sessions draw their random bytes.
    pub entropy: Entropy,
    /// Called with each call served.
    pub log: Option<CallLog>,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("base_port", &self.base_port)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// Free ports, the repository's test-only RSA key, no log.
    pub fn new(entropy: Entropy) -> Self {
        ServerConfig {
            base_port: 0,
            key: RsaPrivateKey::test_only_server_key(),
            entropy,
            log: None,
        }
    }

    /// DC 1 on `port`.
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.base_port = port;
        self
    }

    /// Another RSA key.
    #[must_use]
    pub fn with_key(mut self, key: RsaPrivateKey) -> Self {
        self.key = key;
        self
    }

    /// Calls `log` with each call served.
    #[must_use]
    pub fn with_log(mut self, log: impl Fn(&ServedCall) + Send + Sync + 'static) -> Self {
        self.log = Some(Arc::new(log));
        self
    }
}

/// What the listeners, the connections and the handle share.
struct Shared {
    sim: Arc<Mutex<Sim>>,
    dcs: Vec<(i32, SocketAddr)>,
    handshake: ServerHandshakeConfig,
    entropy: Mutex<Entropy>,
    /// Known auth keys.
    clients: Mutex<BTreeMap<KeyId, Arc<Mutex<Client>>>>,
    /// Open connections.
    conns: Mutex<BTreeMap<u64, Arc<Conn>>>,
    /// Connection threads, joined at shutdown.
    threads: Mutex<Vec<JoinHandle<()>>>,
    served: Mutex<VecDeque<ServedCall>>,
    log: Option<CallLog>,
    stopping: AtomicBool,
    next_conn: AtomicU64,
}

impl Shared {
    fn entropy(&self, label: &[u8]) -> Entropy {
        lock(&self.entropy).fork(label)
    }

    fn client(&self, key: KeyId) -> Option<Arc<Mutex<Client>>> {
        lock(&self.clients).get(&key).cloned()
    }

    fn record(&self, call: ServedCall) {
        if let Some(log) = &self.log {
            log(&call);
        }
        let mut served = lock(&self.served);
        if served.len() >= SERVED_CAPACITY {
            served.pop_front();
        }
        served.push_back(call);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic on one connection's thread must not take the server down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A [`Sim`] served over MTProto on 127.0.0.1, one port per DC. Stops on
/// [`shutdown`](Self::shutdown) or drop.
///
/// ```no_run
/// use auth_sim::Sim;
/// use auth_sim::tcp::{ServerConfig, SimServer};
/// use tg_crypto::entropy::Entropy;
///
/// let server = SimServer::start(Sim::default(), ServerConfig::new(Entropy::deterministic([1; 32])))?;
/// // A client needs the ports and the server's public key:
/// let config = server.client_config(228, mtproto::session::ClientInfo::new(12345));
/// println!("{}", server.public_key().to_pkcs1_pem());
/// # drop(config);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SimServer {
    base_port: u16,
    public_key: RsaPublicKey,
    shared: Arc<Shared>,
    listeners: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("base_port", &self.base_port)
            .finish_non_exhaustive()
    }
}

impl SimServer {
    /// Serves `sim` on 127.0.0.1 as `config` says.
    ///
    /// # Errors
    ///
    /// A port is taken (or no free consecutive ports were found), or a thread could not start.
    pub fn start(sim: Sim, config: ServerConfig) -> io::Result<SimServer> {
        let listeners = if config.base_port == 0 {
            bind_free()?
        } else {
            bind_at(config.base_port)?
        };
        let dcs = listeners
            .iter()
            .zip(1..)
            .map(|(l, dc)| Ok((dc, l.local_addr()?)))
            .collect::<io::Result<Vec<_>>>()?;
        let base_port = dcs.first().map_or(0, |(_, a)| a.port());
        let public_key = config.key.public_key().clone();
        let shared = Arc::new(Shared {
            sim: Arc::new(Mutex::new(sim)),
            handshake: ServerHandshakeConfig::new(config.key),
            dcs,
            entropy: Mutex::new(config.entropy),
            clients: Mutex::new(BTreeMap::new()),
            conns: Mutex::new(BTreeMap::new()),
            threads: Mutex::new(Vec::new()),
            served: Mutex::new(VecDeque::new()),
            log: config.log,
            stopping: AtomicBool::new(false),
            next_conn: AtomicU64::new(0),
        });
        let mut server = SimServer {
            base_port,
            public_key,
            shared,
            listeners: Vec::new(),
        };
        for (listener, dc) in listeners.into_iter().zip(1..) {
            let shared = Arc::clone(&server.shared);
            let handle = thread::Builder::new()
                .name(format!("sim-dc{dc}-accept"))
                .spawn(move || accept_loop(&shared, &listener, DcId(dc)))?;
            server.listeners.push(handle);
        }
        Ok(server)
    }

    /// The port of DC 1.
    pub fn base_port(&self) -> u16 {
        self.base_port
    }

    /// Every DC's address.
    pub fn dcs(&self) -> DcTable {
        self.shared
            .dcs
            .iter()
            .fold(DcTable::new(), |table, (dc, addr)| table.with(*dc, *addr))
    }

    /// The server's RSA public key (for clients; [`RsaPublicKey::to_pkcs1_pem`] writes it the
    /// way Telegram publishes its keys).
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }

    /// A client configuration for this server: its DCs and key, `layer`, `client`.
    pub fn client_config(&self, layer: i32, client: ClientInfo) -> PoolConfig {
        PoolConfig::new(self.dcs(), vec![self.public_key.clone()], layer, client)
    }

    /// The simulator, to inspect or configure while it serves (hold the lock briefly).
    pub fn sim(&self) -> Arc<Mutex<Sim>> {
        Arc::clone(&self.shared.sim)
    }

    /// Runs `f` on the simulator under its lock; then the `updateLoginToken`s it owes (a QR
    /// login token accepted by [`Sim::accept_login_token_as`]) are pushed to the exporting
    /// sessions.
    pub fn with_sim<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> R {
        let (result, owed) = {
            let mut sim = lock(&self.shared.sim);
            let result = f(&mut sim);
            (result, sim.take_login_token_updates())
        };
        for key in owed {
            clients::push_login_token(&self.shared, key);
        }
        result
    }

    /// The calls served (the last few thousand), oldest first.
    pub fn served(&self) -> Vec<ServedCall> {
        lock(&self.shared.served).iter().cloned().collect()
    }

    /// How many auth keys the server knows.
    pub fn key_count(&self) -> usize {
        lock(&self.shared.clients).len()
    }

    /// How many connections are open.
    pub fn open_connections(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// Closes every connection, as a network failure would (keys and logins stay).
    pub fn drop_connections(&self) {
        for conn in lock(&self.shared.conns).values() {
            conn.shutdown();
        }
    }

    /// Forgets every auth key, as a server that lost them: their next packet gets `-404`,
    /// and their logins are gone with them.
    pub fn forget_keys(&self) {
        lock(&self.shared.clients).clear();
    }

    /// Stops accepting, closes every connection and joins every thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.shared.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake each blocked `accept` with a connection of our own; the loop sees the flag.
        for (_, addr) in &self.shared.dcs {
            let _ = TcpStream::connect_timeout(addr, Duration::from_secs(1));
        }
        for handle in self.listeners.drain(..) {
            let _ = handle.join();
        }
        self.drop_connections();
        let threads = std::mem::take(&mut *lock(&self.shared.threads));
        for handle in threads {
            let _ = handle.join();
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn bind_at(base_port: u16) -> io::Result<Vec<TcpListener>> {
    (0..DC_COUNT)
        .map(|i| {
            let port = base_port.checked_add(i).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "base port too high for the DCs",
                )
            })?;
            TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        })
        .collect()
}

/// Binds an ephemeral port for DC 1 and the ports after it for the other DCs.
fn bind_free() -> io::Result<Vec<TcpListener>> {
    let mut last_error = None;
    for _ in 0..PORT_ATTEMPTS {
        let first = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = first.local_addr()?.port();
        if port.checked_add(DC_COUNT - 1).is_none() {
            continue;
        }
        let mut listeners = vec![first];
        for i in 1..DC_COUNT {
            match TcpListener::bind((IpAddr::V4(Ipv4Addr::LOCALHOST), port + i)) {
                Ok(l) => listeners.push(l),
                Err(e) => {
                    last_error = Some(e);
                    break;
                }
            }
        }
        if listeners.len() == usize::from(DC_COUNT) {
            return Ok(listeners);
        }
    }
    Err(last_error
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::AddrInUse, "no free consecutive ports")))
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener, dc: DcId) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok((stream, _)) = accepted else {
            // Transient (e.g. too many open files): back off a little.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        let Ok(conn) = Conn::new(id, dc, &stream, shared.entropy(b"transport")) else {
            continue;
        };
        let conn = Arc::new(conn);
        lock(&shared.conns).insert(id, Arc::clone(&conn));
        let worker = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("sim-dc{}-conn{id}", dc.0))
            .spawn(move || {
                connection::serve(&worker, &conn, stream);
                lock(&worker.conns).remove(&id);
            });
        match spawned {
            Ok(handle) => {
                let mut threads = lock(&shared.threads);
                threads.retain(|h| !h.is_finished());
                threads.push(handle);
            }
            Err(_) => {
                lock(&shared.conns).remove(&id);
            }
        }
    }
}
