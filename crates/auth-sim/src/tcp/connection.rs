//! One client connection: its framing, the handshakes made on it, and the packets it carries
//! to the keys they belong to.

use std::io::{self, Read};
use std::net::TcpStream;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use mtproto::handshake::ServerHandshake;
use mtproto::peek_auth_key_id;
use mtproto::session::{ServerSession, ServerSessionConfig};
use mtproto::transport::Inbound;
use tracing::{debug, info_span};

use super::clients::{self, Client};
use super::conn::Conn;
use super::{Shared, lock};
use crate::KeyId;

/// How often a connection's thread wakes up to drive its key's timers (acks, resends).
const TICK: Duration = Duration::from_millis(200);

/// What one connection's thread keeps between packets.
struct ConnState {
    /// The handshake in progress on this connection.
    handshake: Option<ServerHandshake>,
    /// The key this connection last carried, whose timers it drives.
    key: Option<KeyId>,
}

/// Reads and serves one connection until the client closes it, breaks the protocol, or the
/// server stops.
pub(super) fn serve(shared: &Shared, conn: &Arc<Conn>, mut reader: TcpStream) {
    let span = info_span!("sim_connection", dc = conn.dc.0, connection = conn.id);
    let _entered = span.enter();
    let _ = reader.set_read_timeout(Some(TICK));
    let mut state = ConnState {
        handshake: None,
        key: None,
    };
    let mut buf = vec![0u8; 16 * 1024];
    while !shared.stopping.load(Ordering::SeqCst) && !conn.is_closed() {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if let Some(key) = state.key {
                    clients::tick(shared, key);
                }
                continue;
            }
            Err(_) => break,
        };
        let inbound = match conn.receive(&buf[..n]) {
            Ok(inbound) => inbound,
            Err(error) => {
                debug!(%error, "not MTProto framing: closing");
                conn.refuse(&mut reader, -404);
                break;
            }
        };
        let mut open = true;
        for item in inbound {
            let refusal = match item {
                Inbound::Packet(packet) => handle_packet(shared, conn, &mut state, &packet),
                // A client does not send transport errors or quick acks.
                Inbound::TransportError(_) | Inbound::QuickAck(_) => Some(-404),
            };
            if let Some(code) = refusal {
                conn.refuse(&mut reader, code);
                open = false;
                break;
            }
        }
        if !open {
            break;
        }
    }
    conn.shutdown();
    debug!("connection closed");
}

/// One packet: to the handshake (key id 0) or to its key's session. `Some(code)` refuses the
/// connection with that transport error.
fn handle_packet(
    shared: &Shared,
    conn: &Arc<Conn>,
    state: &mut ConnState,
    packet: &[u8],
) -> Option<i32> {
    let Some(key_id) = peek_auth_key_id(packet) else {
        return Some(-404);
    };
    if key_id != 0 {
        let key = KeyId {
            dc: conn.dc,
            key: key_id,
        };
        let Some(client) = shared.client(key) else {
            debug!(
                auth_key_id = format_args!("{key_id:#018x}"),
                "unknown key: -404"
            );
            return Some(-404);
        };
        state.key = Some(key);
        clients::receive(shared, conn, key, &client, packet);
        return None;
    }
    let now = Instant::now();
    let handshake = match &mut state.handshake {
        Some(handshake) => handshake,
        empty => {
            // Each port is one DC, as production (`n`) or test DC (`n + 10000`).
            let dc = conn.dc.0;
            let config = shared.handshake.clone().expect_dcs([dc, dc + 10_000]);
            let Ok(started) =
                ServerHandshake::new(config, now, SystemTime::now(), shared.entropy(b"handshake"))
            else {
                // Only a configuration without keys is refused; the server's has one.
                return Some(-404);
            };
            empty.insert(started)
        }
    };
    let result = handshake.handle_packet(now, packet);
    let answers: Vec<Vec<u8>> = std::iter::from_fn(|| handshake.poll_transmit()).collect();
    let outcome = handshake.poll_outcome();
    if let Some(new) = outcome {
        // The key is known before the client hears `dh_gen_ok` and starts using it.
        state.handshake = None;
        let key = KeyId {
            dc: conn.dc,
            key: new.auth_key.id(),
        };
        let session = ServerSession::new(
            ServerSessionConfig::default(),
            new.auth_key,
            new.salt,
            now,
            SystemTime::now(),
            shared.entropy(b"session"),
        );
        lock(&shared.clients).insert(key, Arc::new(Mutex::new(Client::new(session))));
    }
    for answer in answers {
        conn.send_packet(&answer);
    }
    match result {
        Ok(()) => None,
        Err(error) => {
            debug!(%error, "handshake refused");
            Some(error.transport_code())
        }
    }
}
