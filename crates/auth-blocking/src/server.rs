//! [`SimServer`]: serves an [`auth_sim::Sim`] over TCP on 127.0.0.1 with the
//! [wire protocol](crate::wire), one listener per DC (1 to 5) and one thread per connection.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use auth_core::DcId;
use auth_sim::{CallRecord, Sim};

use crate::wire::{ServerConnection, TRANSPORT_ERROR_NOT_FOUND, transport_error_frame};

/// How many DCs are served: DC *n* listens on `base_port + n − 1`.
pub const DC_COUNT: u16 = 5;

/// How many times `start(sim, 0)` looks for five free consecutive ports.
const PORT_ATTEMPTS: u32 = 64;

/// After a transport error, how long to wait for the client to stop sending before closing
/// (closing with unread bytes can reset the connection and lose the error frame).
const LINGER: Duration = Duration::from_millis(200);

/// Called with each call served (for a CLI's one line per call); runs on connection threads,
/// outside the simulator's lock.
pub type CallLog = Arc<dyn Fn(&CallRecord) + Send + Sync>;

/// State shared by the listeners, the connections and the handle.
struct Shared {
    sim: Arc<Mutex<Sim>>,
    log: Option<CallLog>,
    stopping: AtomicBool,
    next_connection: AtomicU64,
    /// Open connections, so that shutdown can close them.
    open: Mutex<BTreeMap<u64, TcpStream>>,
    /// Connection threads, joined at shutdown (finished ones are pruned as new ones start).
    threads: Mutex<Vec<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the server down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running simulator server. Stops on [`shutdown`](Self::shutdown) or drop.
///
/// `now` for the simulator is `Instant::now()` when a call is served.
///
/// ```no_run
/// use auth_blocking::{SimServer, TcpOptions, TcpTransport};
///
/// let server = SimServer::start(auth_sim::Sim::default(), 0)?; // five free ports
/// let transport = TcpTransport::new(server.addr(), TcpOptions::new(42));
/// server.with_sim(|sim| println!("{} accounts", sim.accounts().len()));
/// # drop(transport);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SimServer {
    base_port: u16,
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
    /// Serves `sim` on 127.0.0.1, DC *n* on `base_port + n − 1` for DCs 1 to 5. A
    /// `base_port` of 0 picks five free consecutive ports.
    ///
    /// # Errors
    ///
    /// A port is taken (or no five free consecutive ports were found), or a thread could not
    /// be started.
    pub fn start(sim: Sim, base_port: u16) -> io::Result<SimServer> {
        Self::start_inner(sim, base_port, None)
    }

    /// [`start`](Self::start), calling `log` with each call served.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn start_with_log(
        sim: Sim,
        base_port: u16,
        log: impl Fn(&CallRecord) + Send + Sync + 'static,
    ) -> io::Result<SimServer> {
        Self::start_inner(sim, base_port, Some(Arc::new(log)))
    }

    fn start_inner(sim: Sim, base_port: u16, log: Option<CallLog>) -> io::Result<SimServer> {
        let listeners = if base_port == 0 {
            bind_free()?
        } else {
            bind_at(base_port)?
        };
        let base_port = listeners
            .first()
            .map(TcpListener::local_addr)
            .transpose()?
            .map_or(0, |a| a.port());
        let shared = Arc::new(Shared {
            sim: Arc::new(Mutex::new(sim)),
            log,
            stopping: AtomicBool::new(false),
            next_connection: AtomicU64::new(0),
            open: Mutex::new(BTreeMap::new()),
            threads: Mutex::new(Vec::new()),
        });
        let mut server = SimServer {
            base_port,
            shared,
            listeners: Vec::new(),
        };
        for (i, listener) in listeners.into_iter().enumerate() {
            let dc = DcId(i as i32 + 1);
            let shared = Arc::clone(&server.shared);
            let handle = thread::Builder::new()
                .name(format!("sim-dc{}-accept", dc.0))
                .spawn(move || accept_loop(&shared, &listener, dc))?;
            server.listeners.push(handle);
        }
        Ok(server)
    }

    /// The port of DC 1.
    pub fn base_port(&self) -> u16 {
        self.base_port
    }

    /// The address of DC 1 (127.0.0.1), for [`TcpTransport::new`](crate::TcpTransport::new).
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.base_port))
    }

    /// The simulator, to inspect or configure while it serves (hold the lock briefly).
    pub fn sim(&self) -> Arc<Mutex<Sim>> {
        Arc::clone(&self.shared.sim)
    }

    /// Runs `f` on the simulator under its lock.
    pub fn with_sim<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> R {
        f(&mut lock(&self.shared.sim))
    }

    /// How many connections are open.
    pub fn open_connections(&self) -> usize {
        lock(&self.shared.open).len()
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
        for dc in 0..self.listeners.len() as u16 {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.base_port.wrapping_add(dc)));
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        for handle in self.listeners.drain(..) {
            let _ = handle.join();
        }
        // No listener runs now: the registry is complete.
        for stream in lock(&self.shared.open).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
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
                    "base port too high for five DCs",
                )
            })?;
            TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        })
        .collect()
}

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
            match TcpListener::bind((Ipv4Addr::LOCALHOST, port + i)) {
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
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::AddrInUse, "no five free consecutive ports")
    }))
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
        let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
        let Ok(registered) = stream.try_clone() else {
            continue;
        };
        lock(&shared.open).insert(id, registered);
        let worker = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("sim-dc{}-conn{id}", dc.0))
            .spawn(move || {
                serve_connection(&worker, stream, dc);
                lock(&worker.open).remove(&id);
            });
        match spawned {
            Ok(handle) => {
                let mut threads = lock(&shared.threads);
                threads.retain(|h| !h.is_finished());
                threads.push(handle);
            }
            Err(_) => {
                lock(&shared.open).remove(&id);
            }
        }
    }
}

/// Serves one connection until the client closes it, it sends garbage (−404 and close), or
/// the server stops.
fn serve_connection(shared: &Shared, mut stream: TcpStream, dc: DcId) {
    let _ = stream.set_nodelay(true);
    let mut conn = ServerConnection::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match conn.poll_request() {
            Ok(Some(request)) => {
                let (reply, record) = {
                    let mut sim = lock(&shared.sim);
                    let reply = sim.handle(Instant::now(), dc, request.auth_key_id, &request.body);
                    let record = shared
                        .log
                        .as_ref()
                        .and_then(|_| sim.calls().last().cloned());
                    (reply, record)
                };
                if let (Some(log), Some(record)) = (&shared.log, &record) {
                    log(record);
                }
                let Ok(frame) = conn.encode_reply(&request, &reply) else {
                    // A reply over 1 MiB cannot be framed: treat like garbage.
                    refuse(&mut stream);
                    return;
                };
                if stream.write_all(&frame).is_err() {
                    return;
                }
                continue;
            }
            Ok(None) => {}
            Err(_) => {
                refuse(&mut stream);
                return;
            }
        }
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let want = conn.wanted().min(buf.len());
        match stream.read(&mut buf[..want]) {
            Ok(0) | Err(_) => return,
            Ok(n) => conn.push(&buf[..n]),
        }
    }
}

/// Sends the −404 transport error, stops writing, and drains briefly so the frame arrives.
fn refuse(stream: &mut TcpStream) {
    let _ = stream.write_all(&transport_error_frame(TRANSPORT_ERROR_NOT_FOUND));
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(LINGER));
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}
