//! [`SimServer`]: serves an [`auth_sim::Sim`] on loopback TCP with tokio tasks, speaking
//! [`auth_blocking::wire`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use auth_blocking::wire::{ServerConnection, TRANSPORT_ERROR_NOT_FOUND, transport_error_frame};
use auth_core::DcId;
use auth_sim::{CallRecord, DC_RANGE, Sim};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Bytes read from a socket at a time, at most.
const READ_CHUNK: usize = 16 * 1024;

/// After a transport error, how long to wait for the client to stop sending before closing.
const LINGER: Duration = Duration::from_millis(200);

/// Pause after a failed `accept`.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// How many times [`SimServer::start`] with port 0 looks for five free consecutive ports.
const PORT_SEARCHES: usize = 32;

/// Called with each call served, outside the simulator's lock and before the answer is
/// written (for a CLI's one line per call; what the call delivered is in
/// [`Sim::take_deliveries`]).
pub type CallLog = Arc<dyn Fn(&CallRecord) + Send + Sync>;

/// An [`auth_sim::Sim`] served on `127.0.0.1`: DC *n* (1 to 5) listens on `base_port + n − 1`.
///
/// Every connection gets its own task; all share the one simulator, so its state (accounts,
/// pending codes, logged-in keys) lives as long as the server. A connection that sends
/// anything but the protocol gets a −404 transport error frame and is closed.
/// [`shutdown`](Self::shutdown) stops listening and closes every connection; dropping the
/// server does the same without waiting.
pub struct SimServer {
    sim: Arc<Mutex<Sim>>,
    dc1: SocketAddr,
    stop: CancellationToken,
    tasks: JoinSet<()>,
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("dc1", &self.dc1)
            .finish_non_exhaustive()
    }
}

impl SimServer {
    /// Serves `sim` with DC 1 on `base_port` (0: any free five consecutive ports).
    ///
    /// # Errors
    ///
    /// A port could not be bound.
    pub async fn start(sim: Sim, base_port: u16) -> io::Result<SimServer> {
        Self::serve(sim, base_port, None).await
    }

    /// [`start`](Self::start), calling `log` after every call served.
    ///
    /// # Errors
    ///
    /// A port could not be bound.
    pub async fn start_with_log(
        sim: Sim,
        base_port: u16,
        log: impl Fn(&CallRecord) + Send + Sync + 'static,
    ) -> io::Result<SimServer> {
        Self::serve(sim, base_port, Some(Arc::new(log))).await
    }

    async fn serve(sim: Sim, base_port: u16, log: Option<CallLog>) -> io::Result<SimServer> {
        let listeners = if base_port == 0 {
            bind_free_ports().await?
        } else {
            bind_ports(base_port).await?
        };
        let dc1 = listeners.first().map(|(_, l)| l.local_addr()).transpose()?;
        let dc1 = dc1.ok_or_else(|| io::Error::other("no listener"))?;
        let sim = Arc::new(Mutex::new(sim));
        let stop = CancellationToken::new();
        let mut tasks = JoinSet::new();
        for (dc, listener) in listeners {
            tasks.spawn(accept_loop(
                listener,
                dc,
                Arc::clone(&sim),
                log.clone(),
                stop.clone(),
            ));
        }
        Ok(SimServer {
            sim,
            dc1,
            stop,
            tasks,
        })
    }

    /// The address of DC 1 (give it to [`TcpTransport::new`](crate::TcpTransport::new)).
    pub fn addr(&self) -> SocketAddr {
        self.dc1
    }

    /// DC 1's port; DC *n* is at this plus *n* − 1.
    pub fn base_port(&self) -> u16 {
        self.dc1.port()
    }

    /// The simulator, shared with the connections.
    pub fn sim(&self) -> Arc<Mutex<Sim>> {
        Arc::clone(&self.sim)
    }

    /// Runs `f` on the simulator (to add accounts, read what it delivered, ...). Calls wait
    /// meanwhile: keep it short.
    pub fn with_sim<R>(&self, f: impl FnOnce(&mut Sim) -> R) -> R {
        f(&mut self.sim.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Stops listening, closes every connection and waits for the tasks to end.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn bind_ports(base_port: u16) -> io::Result<Vec<(DcId, TcpListener)>> {
    let mut listeners = Vec::new();
    for dc in DC_RANGE {
        let offset = u16::try_from(dc - 1).map_err(io::Error::other)?;
        let port = base_port
            .checked_add(offset)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "ports past 65535"))?;
        listeners.push((
            DcId(dc),
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?,
        ));
    }
    Ok(listeners)
}

/// Lets the OS pick DC 1's port, then takes the next four; tries again if one is taken.
async fn bind_free_ports() -> io::Result<Vec<(DcId, TcpListener)>> {
    let mut last_error = io::Error::new(io::ErrorKind::AddrInUse, "no five free consecutive ports");
    for _ in 0..PORT_SEARCHES {
        let first = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let base = first.local_addr()?.port();
        drop(first);
        match bind_ports(base).await {
            Ok(listeners) => return Ok(listeners),
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

async fn accept_loop(
    listener: TcpListener,
    dc: DcId,
    sim: Arc<Mutex<Sim>>,
    log: Option<CallLog>,
    stop: CancellationToken,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_connection(stream, dc, Arc::clone(&sim), log.clone(), stop.clone()));
                }
                // Out of file descriptors, say: do not spin.
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            // Reap finished connections so the set does not grow.
            Some(_) = connections.join_next() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(
    mut stream: TcpStream,
    dc: DcId,
    sim: Arc<Mutex<Sim>>,
    log: Option<CallLog>,
    stop: CancellationToken,
) {
    let mut wire = ServerConnection::new();
    let mut buf = vec![0; READ_CHUNK];
    loop {
        loop {
            let request = match wire.poll_request() {
                Ok(Some(request)) => request,
                Ok(None) => break,
                Err(_) => return refuse(&mut stream).await,
            };
            let (reply, record) = {
                let mut sim = sim.lock().unwrap_or_else(PoisonError::into_inner);
                let reply = sim.handle(Instant::now(), dc, request.auth_key_id, &request.body);
                (
                    reply,
                    log.as_ref().and_then(|_| sim.calls().last().cloned()),
                )
            };
            if let (Some(log), Some(record)) = (&log, record) {
                log(&record);
            }
            let Ok(frame) = wire.encode_reply(&request, &reply) else {
                return refuse(&mut stream).await;
            };
            if stream.write_all(&frame).await.is_err() {
                return;
            }
        }
        let want = wire.wanted().min(buf.len());
        tokio::select! {
            () = stop.cancelled() => return,
            read = stream.read(&mut buf[..want]) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => wire.push(&buf[..n]),
            },
        }
    }
}

/// Sends the −404 transport error and closes the connection, after letting the client's
/// bytes in flight arrive (closing with unread bytes can reset the connection and lose the
/// error frame).
async fn refuse(stream: &mut TcpStream) {
    if stream
        .write_all(&transport_error_frame(TRANSPORT_ERROR_NOT_FOUND))
        .await
        .is_err()
    {
        return;
    }
    let _ = stream.shutdown().await;
    let mut sink = [0; 1024];
    let drain = async { while let Ok(1..) = stream.read(&mut sink).await {} };
    let _ = tokio::time::timeout(LINGER, drain).await;
}
