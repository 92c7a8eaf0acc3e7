//! The writing half of a client connection: its framing and socket, shared by the thread that
//! reads the connection and the threads that push to the sessions it carries.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use auth_core::DcId;
use mtproto::transport::{Inbound, Transport};
use tg_crypto::entropy::Entropy;
use tracing::warn;

use super::lock;

/// After a transport error, how long to wait for the client to stop sending before closing
/// (closing with unread bytes can reset the connection and lose the error).
const LINGER: Duration = Duration::from_millis(200);

/// The writing half of a connection, shared with the threads that push to its sessions.
pub(super) struct Conn {
    pub(super) id: u64,
    pub(super) dc: DcId,
    /// The framing (encoding and decoding), and the socket written under the same lock so that
    /// frames go out in the order they were numbered.
    writer: Mutex<(Transport, TcpStream)>,
    closed: AtomicBool,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the buffered bytes.
        f.debug_struct("Conn")
            .field("id", &self.id)
            .field("dc", &self.dc.0)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl Conn {
    pub(super) fn new(id: u64, dc: DcId, stream: &TcpStream, entropy: Entropy) -> io::Result<Self> {
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            id,
            dc,
            writer: Mutex::new((Transport::server(entropy), stream.try_clone()?)),
            closed: AtomicBool::new(false),
        })
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Frames and writes one packet; `false` if the connection is gone.
    pub(super) fn send_packet(&self, packet: &[u8]) -> bool {
        let mut writer = lock(&self.writer);
        let (transport, stream) = &mut *writer;
        match transport.encode_packet(packet) {
            Ok(bytes) => stream.write_all(&bytes).is_ok(),
            Err(error) => {
                warn!(%error, "a packet could not be framed");
                false
            }
        }
    }

    /// Sends a transport error, stops writing and waits briefly for the client to take it.
    pub(super) fn refuse(&self, reader: &mut TcpStream, code: i32) {
        {
            let mut writer = lock(&self.writer);
            let (transport, stream) = &mut *writer;
            if let Ok(bytes) = transport.encode_transport_error(code) {
                let _ = stream.write_all(&bytes);
            }
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
        }
        let _ = reader.set_read_timeout(Some(LINGER));
        let deadline = Instant::now() + LINGER;
        let mut sink = [0u8; 4096];
        while Instant::now() < deadline {
            match reader.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }

    /// Closes the connection (the reading thread sees it end).
    pub(super) fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = lock(&self.writer).1.shutdown(Shutdown::Both);
    }

    /// Takes bytes from the socket and returns what they complete.
    pub(super) fn receive(
        &self,
        bytes: &[u8],
    ) -> Result<Vec<Inbound>, mtproto::transport::TransportError> {
        let mut writer = lock(&self.writer);
        let transport = &mut writer.0;
        transport.handle_bytes(bytes);
        let mut out = Vec::new();
        while let Some(inbound) = transport.poll_inbound()? {
            out.push(inbound);
        }
        Ok(out)
    }
}
