//! The server's side of each auth key: its MTProto session, which connection each of its client
//! sessions last used, and the calls handed to the simulator.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use mtproto::session::{IncomingRequest, ServerEvent, ServerSession};
use tracing::{debug, trace};

use super::conn::Conn;
use super::{ServedCall, Shared, lock, network_methods};
use crate::KeyId;

/// One auth key's state on the server.
pub(super) struct Client {
    session: ServerSession,
    /// The connection each client session last sent on: its answers and pushes go there.
    routes: BTreeMap<i64, Weak<Conn>>,
    /// The connection the key last sent on, for sessions without a live route.
    last_conn: Weak<Conn>,
    /// The session that last exported a QR login token: `updateLoginToken` goes to it.
    exporter: Option<i64>,
}

impl Client {
    pub(super) fn new(session: ServerSession) -> Self {
        Client {
            session,
            routes: BTreeMap::new(),
            last_conn: Weak::new(),
            exporter: None,
        }
    }

    /// The live connection for `session_id`.
    fn route(&self, session_id: i64) -> Option<Arc<Conn>> {
        let live = |weak: &Weak<Conn>| weak.upgrade().filter(|c| !c.is_closed());
        self.routes
            .get(&session_id)
            .and_then(live)
            .or_else(|| live(&self.last_conn))
    }
}

/// A packet for `key` came in on `conn`: the session handles it, the simulator answers the calls
/// in it, and the answers go out.
pub(super) fn receive(
    shared: &Shared,
    conn: &Arc<Conn>,
    key: KeyId,
    client: &Arc<Mutex<Client>>,
    packet: &[u8],
) {
    let now = Instant::now();
    let requests = {
        let mut client = lock(client);
        client.last_conn = Arc::downgrade(conn);
        if let Err(error) = client.session.handle_packet(now, packet) {
            // Not used; the client resends what matters.
            debug!(%error, "refused a packet");
            return;
        }
        let mut requests = Vec::new();
        while let Some(event) = client.session.poll_event() {
            let session_id = match &event {
                ServerEvent::NewSession { session_id } => *session_id,
                ServerEvent::Request(request) => request.session_id,
            };
            client.routes.insert(session_id, Arc::downgrade(conn));
            if let ServerEvent::Request(request) = event {
                requests.push(request);
            }
        }
        requests
    };
    for request in requests {
        serve_request(shared, key, client, request);
    }
    flush(client);
}

/// Answers one call: the network's own methods here, the rest by the simulator.
fn serve_request(
    shared: &Shared,
    key: KeyId,
    client: &Arc<Mutex<Client>>,
    request: IncomingRequest,
) {
    let now = Instant::now();
    let (answer, record, owed) = {
        let mut sim = lock(&shared.sim);
        // The session took `invokeWithLayer` off: tell the simulator which layer to answer in.
        let layer = request
            .layer
            .map(|layer| sim.set_client_layer(key.dc, key.key, layer));
        let (answer, record) = match layer {
            Some(Err(_)) => network_methods::layer_refused(now, key.dc, key.key, &request.body),
            _ => network_methods::answer(&sim, now, key.dc, key.key, &request.body, &shared.dcs)
                .unwrap_or_else(|| {
                    let answer = sim.handle(now, key.dc, key.key, &request.body);
                    let record = sim.calls().last().cloned();
                    (answer, record.unwrap_or_else(|| unlogged_record(now, key)))
                }),
        };
        (answer, record, sim.take_login_token_updates())
    };
    trace!(method = record.method, "served");
    {
        let mut client = lock(client);
        if record.method == "auth.exportLoginToken" {
            client.exporter = Some(request.session_id);
        }
        if client.session.respond(request.id, &answer).is_err() {
            // The simulator's answers are TL objects well below the size limit.
            let _ = client.session.respond_error(request.id, 500, "INTERNAL");
        }
    }
    shared.record(ServedCall {
        record,
        session_id: request.session_id,
        layer: request.layer,
        client: request.client,
    });
    for owed in owed {
        push_login_token(shared, owed);
    }
}

/// The simulator logs every call it handles (its log keeps at least one); this is never used.
fn unlogged_record(now: Instant, key: KeyId) -> crate::CallRecord {
    crate::CallRecord {
        at: now,
        dc: key.dc,
        key: key.key,
        method: "?",
        method_id: None,
        result: Ok("?"),
    }
}

/// Pushes `updateShort{updateLoginToken}` to the session of `key` that exported the token.
pub(super) fn push_login_token(shared: &Shared, key: KeyId) {
    let Some(client) = shared.client(key) else {
        return;
    };
    let update = network_methods::login_token_update(&lock(&shared.sim), Instant::now());
    {
        let mut client = lock(&client);
        let session_id = client.exporter.or_else(|| client.session.sessions().next());
        let Some(session_id) = session_id else {
            return;
        };
        if client.session.push_update(session_id, &update).is_err() {
            debug!(%key, "the exporting session is gone: no update");
            return;
        }
    }
    debug!(%key, "updateLoginToken pushed");
    flush(&client);
}

/// Drives a key's timers (acknowledgements, resends) and sends what is due.
pub(super) fn tick(shared: &Shared, key: KeyId) {
    if let Some(client) = shared.client(key) {
        lock(&client).session.handle_timeout(Instant::now());
        flush(&client);
    }
}

/// Sends what the key's session has ready, each packet on its session's connection.
fn flush(client: &Arc<Mutex<Client>>) {
    let now = Instant::now();
    let mut out: Vec<(Option<Arc<Conn>>, Vec<u8>)> = Vec::new();
    {
        let mut client = lock(client);
        while let Some(transmit) = client.session.poll_transmit(now) {
            out.push((client.route(transmit.session_id), transmit.packet));
        }
    }
    for (conn, packet) in out {
        // Without a live connection the packet waits in the session until it is resent.
        if let Some(conn) = conn {
            conn.send_packet(&packet);
        }
    }
}
