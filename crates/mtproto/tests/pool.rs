//! The connection pool against this crate's server half, over in-memory "sockets": keys made
//! and restored, reconnects, `-404`, timeouts, updates, what is persisted.
#![allow(clippy::disallowed_methods)]

mod harness;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use harness::{answer_for, call, client_info, server_handshake_config, wall};
use mtproto::handshake::{ServerHandshake, ServerHandshakeConfig};
use mtproto::pool::{CallFailure, CallId, ConnectionId, DcTable, Event, Io, Pool, PoolConfig};
use mtproto::session::{
    IncomingRequest, ServerEvent, ServerSession, ServerSessionConfig, SessionKey,
};
use mtproto::transport::{Inbound, Transport};
use mtproto::{UsageError, peek_auth_key_id};
use tg_crypto::entropy::Entropy;

/// The server's side of one open connection.
struct ServerConn {
    transport: Transport,
    handshake: Option<ServerHandshake>,
}

/// A server of this crate's halves: handshakes per connection, sessions per key.
struct Server {
    config: ServerHandshakeConfig,
    keys: BTreeMap<u64, ServerSession>,
    requests: Vec<IncomingRequest>,
    auto_answer: bool,
    seed: u8,
}

impl Server {
    fn new() -> Self {
        Server {
            config: server_handshake_config(),
            keys: BTreeMap::new(),
            requests: Vec::new(),
            auto_answer: true,
            seed: 100,
        }
    }

    fn entropy(&mut self) -> Entropy {
        self.seed = self.seed.wrapping_add(1);
        Entropy::deterministic([self.seed; 32])
    }

    /// Handles bytes from the client; returns the bytes to send back.
    fn receive(&mut self, now: Instant, conn: &mut ServerConn, bytes: &[u8]) -> Vec<u8> {
        conn.transport.handle_bytes(bytes);
        let mut out = Vec::new();
        while let Some(Inbound::Packet(packet)) = conn.transport.poll_inbound().unwrap() {
            if peek_auth_key_id(&packet) == Some(0) {
                if conn.handshake.is_none() {
                    let entropy = self.entropy();
                    conn.handshake = Some(
                        ServerHandshake::new(self.config.clone(), now, wall(), entropy).unwrap(),
                    );
                }
                let handshake = conn.handshake.as_mut().unwrap();
                let result = handshake.handle_packet(now, &packet);
                while let Some(answer) = handshake.poll_transmit() {
                    out.extend(conn.transport.encode_packet(&answer).unwrap());
                }
                if let Err(error) = result {
                    let code = error.transport_code();
                    out.extend(conn.transport.encode_transport_error(code).unwrap());
                    break;
                }
                if let Some(key) = handshake.poll_outcome() {
                    let entropy = self.entropy();
                    let session = ServerSession::new(
                        ServerSessionConfig::default(),
                        key.auth_key.clone(),
                        key.salt,
                        now,
                        wall(),
                        entropy,
                    );
                    self.keys.insert(key.auth_key.id(), session);
                }
                continue;
            }
            let id = peek_auth_key_id(&packet).unwrap();
            let Some(session) = self.keys.get_mut(&id) else {
                out.extend(conn.transport.encode_transport_error(-404).unwrap());
                continue;
            };
            session.handle_packet(now, &packet).unwrap();
            while let Some(event) = session.poll_event() {
                if let ServerEvent::Request(request) = event {
                    if self.auto_answer {
                        session
                            .respond(request.id, &answer_for(&request.body))
                            .unwrap();
                    }
                    self.requests.push(request);
                }
            }
            while let Some(transmit) = session.poll_transmit(now) {
                out.extend(conn.transport.encode_packet(&transmit.packet).unwrap());
            }
        }
        out
    }
}

/// A pool wired to a [`Server`] through in-memory connections.
struct Net {
    now: Instant,
    pool: Pool,
    server: Server,
    conns: BTreeMap<ConnectionId, ServerConn>,
    /// Connection requests not answered yet (when `auto_connect` is off).
    connecting: Vec<ConnectionId>,
    auto_connect: bool,
    /// Every connection the pool asked for, and every close.
    opened: Vec<ConnectionId>,
    closed: Vec<ConnectionId>,
    events: Vec<Event>,
}

fn config() -> PoolConfig {
    let dcs = DcTable::consecutive(IpAddr::V4(Ipv4Addr::LOCALHOST), 30000, 5);
    PoolConfig::new(
        dcs,
        server_handshake_config().public_keys(),
        228,
        client_info(),
    )
}

impl Net {
    fn new(seed: u8) -> Self {
        Self::with_config(seed, config())
    }

    fn with_config(seed: u8, config: PoolConfig) -> Self {
        let now = Instant::now();
        Net {
            now,
            pool: Pool::new(config, now, wall(), Entropy::deterministic([seed; 32])).unwrap(),
            server: Server::new(),
            conns: BTreeMap::new(),
            connecting: Vec::new(),
            auto_connect: true,
            opened: Vec::new(),
            closed: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Moves bytes until nothing moves.
    fn run(&mut self) {
        for _ in 0..1000 {
            let Some(io) = self.pool.poll_io() else {
                self.events
                    .extend(std::iter::from_fn(|| self.pool.poll_event()));
                return;
            };
            match io {
                Io::Connect { connection, .. } => {
                    self.opened.push(connection);
                    if self.auto_connect {
                        self.accept(connection);
                    } else {
                        self.connecting.push(connection);
                    }
                }
                Io::Send { connection, bytes } => {
                    let conn = self
                        .conns
                        .get_mut(&connection)
                        .expect("sent on an open connection");
                    let back = self.server.receive(self.now, conn, &bytes);
                    if !back.is_empty() {
                        self.pool.handle_bytes(self.now, connection, &back);
                    }
                }
                Io::Close { connection } => {
                    self.conns.remove(&connection);
                    self.closed.push(connection);
                }
            }
        }
        panic!("the pool never went quiet");
    }

    fn accept(&mut self, connection: ConnectionId) {
        let entropy = self.server.entropy();
        self.conns.insert(
            connection,
            ServerConn {
                transport: Transport::server(entropy),
                handshake: None,
            },
        );
        self.pool.handle_connected(self.now, connection);
    }

    fn send(&mut self, dc: i32, body: Vec<u8>) -> CallId {
        let id = self.pool.send(self.now, dc, body).unwrap();
        self.run();
        id
    }

    /// The server drops every connection.
    fn drop_connections(&mut self) {
        for connection in std::mem::take(&mut self.conns).into_keys() {
            self.pool.handle_closed(self.now, connection);
        }
        self.run();
    }

    /// The server answers a request it took without answering.
    fn answer_late(&mut self, index: usize) {
        let request = self.server.requests[index].clone();
        let session = self.server.keys.values_mut().next().unwrap();
        session
            .respond(request.id, &answer_for(&request.body))
            .unwrap();
        let answer = session.poll_transmit(self.now).unwrap().packet;
        self.deliver(&answer);
    }

    /// The server sends `packet` on the open connection.
    fn deliver(&mut self, packet: &[u8]) {
        let (&connection, conn) = self.conns.iter_mut().next().unwrap();
        let bytes = conn.transport.encode_packet(packet).unwrap();
        self.pool.handle_bytes(self.now, connection, &bytes);
        self.run();
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.pool.handle_timeout(self.now);
        self.run();
    }

    fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }
}

fn responses(events: &[Event]) -> Vec<(CallId, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Response { call, body } => Some((*call, body.clone())),
            _ => None,
        })
        .collect()
}

fn failures(events: &[Event]) -> Vec<(CallId, CallFailure)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Failed { call, failure } => Some((*call, failure.clone())),
            _ => None,
        })
        .collect()
}

fn keys(events: &[Event]) -> Vec<(i32, Option<SessionKey>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::KeyChanged { dc, key } => Some((*dc, key.as_deref().cloned())),
            _ => None,
        })
        .collect()
}

/// A key made once per test binary, from a first net's handshake with DC 2.
fn made_key() -> SessionKey {
    let mut net = Net::new(1);
    net.send(2, call(0, 1));
    net.pool.key(2).unwrap()
}

#[test]
fn a_first_call_makes_a_key_and_later_calls_reuse_connection_and_key() {
    let mut net = Net::new(2);
    let first = net.send(2, call(1, 3));
    let events = net.take_events();
    assert_eq!(responses(&events), vec![(first, answer_for(&call(1, 3)))]);
    let made = keys(&events);
    assert_eq!(made.len(), 1, "the new key is to be persisted: {events:?}");
    assert_eq!(made[0].0, 2);
    let key = made[0].1.clone().unwrap();
    assert!(net.server.keys.contains_key(&key.auth_key.id()));
    assert_eq!(net.server.requests[0].layer, Some(228));
    assert_eq!(net.server.requests[0].client, Some(client_info()));

    let second = net.send(2, call(2, 1));
    assert_eq!(
        responses(&net.take_events()),
        vec![(second, answer_for(&call(2, 1)))]
    );
    assert_eq!(net.opened.len(), 1, "one connection");
    assert_eq!(net.server.keys.len(), 1, "one key");
    assert!(net.pool.is_connected(2));
    assert_eq!(net.pool.key(2).unwrap().auth_key, key.auth_key);
}

#[test]
fn a_restored_key_needs_no_handshake() {
    let key = made_key();
    let mut net = Net::new(3);
    // The server knows the key (it made it with another client of the same key).
    let mut server_side = Net::new(1);
    server_side.send(2, call(0, 1));
    net.server = std::mem::replace(&mut server_side.server, Server::new());
    net.pool.restore_key(2, key.clone()).unwrap();
    let id = net.send(2, call(5, 2));
    let events = net.take_events();
    assert_eq!(responses(&events), vec![(id, answer_for(&call(5, 2)))]);
    assert!(
        keys(&events)
            .iter()
            .all(|(_, k)| k.as_ref().map(|k| &k.auth_key) == Some(&key.auth_key)),
        "no new key: {events:?}"
    );
    assert_eq!(net.server.keys.len(), 1);
    assert_eq!(
        net.pool.restore_key(2, key),
        Err(UsageError::DcInUse(2)),
        "a DC in use keeps its key"
    );
    assert_eq!(
        net.pool.send(net.now, 9, call(1, 1)),
        Err(UsageError::UnknownDc(9))
    );
}

#[test]
fn a_drop_mid_call_reconnects_once_and_the_server_runs_the_call_once() {
    let mut net = Net::new(4);
    net.send(2, call(1, 1));
    net.take_events();
    net.server.auto_answer = false;
    let id = net.send(2, call(2, 1));
    assert_eq!(net.server.requests.len(), 2, "the call reached the server");
    net.drop_connections();
    assert_eq!(net.opened.len(), 2, "reconnected");
    assert!(net.take_events().is_empty(), "the call still waits");
    // The resend carries the old msg_id: the server does not take the call again.
    assert_eq!(net.server.requests.len(), 2);
    net.answer_late(1);
    assert_eq!(
        responses(&net.take_events()),
        vec![(id, answer_for(&call(2, 1)))]
    );
}

#[test]
fn a_second_drop_before_any_answer_fails_the_calls() {
    let mut net = Net::new(5);
    net.send(2, call(1, 1));
    net.take_events();
    net.server.auto_answer = false;
    let id = net.send(2, call(2, 1));
    net.drop_connections();
    net.drop_connections();
    assert_eq!(
        failures(&net.take_events()),
        vec![(id, CallFailure::ConnectionLost)]
    );
    assert_eq!(net.opened.len(), 2, "reconnected once only");
    assert!(!net.pool.is_connected(2));
    // The key is kept, and the next call opens a connection and a new session on it.
    net.server.auto_answer = true;
    let next = net.send(2, call(3, 1));
    assert_eq!(
        responses(&net.take_events()),
        vec![(next, answer_for(&call(3, 1)))]
    );
    assert_eq!(net.server.keys.len(), 1);
}

#[test]
fn an_idle_drop_waits_for_the_next_call() {
    let mut net = Net::new(6);
    net.send(2, call(1, 1));
    net.drop_connections();
    assert_eq!(net.opened.len(), 1, "nothing to send: no reconnect");
    let id = net.send(2, call(2, 1));
    assert_eq!(
        responses(&net.take_events()).last(),
        Some(&(id, answer_for(&call(2, 1))))
    );
    assert_eq!(net.opened.len(), 2);
}

#[test]
fn minus_404_drops_the_key_fails_the_calls_and_makes_a_new_key() {
    let mut net = Net::new(7);
    net.send(2, call(1, 1));
    let old = net.pool.key(2).unwrap();
    net.take_events();
    // The server forgets the key.
    net.server.keys.clear();
    let id = net.send(2, call(2, 1));
    let events = net.take_events();
    assert_eq!(failures(&events), vec![(id, CallFailure::KeyUnknown)]);
    let changes = keys(&events);
    assert_eq!(changes[0], (2, None), "drop the key from the store first");
    let new = changes[1].1.clone().expect("then keep the new one");
    assert_ne!(new.auth_key, old.auth_key);
    assert_eq!(
        net.closed.len(),
        1,
        "the connection that said -404 is closed"
    );
    assert_eq!(net.opened.len(), 2, "and a new one made the new key");
    assert!(net.server.keys.contains_key(&new.auth_key.id()));
    // A call sent again goes out on the new key.
    let again = net.send(2, call(2, 1));
    assert_eq!(
        responses(&net.take_events()),
        vec![(again, answer_for(&call(2, 1)))]
    );
}

#[test]
fn other_transport_errors_fail_the_calls() {
    let mut net = Net::new(8);
    net.server.auto_answer = false;
    let id = net.send(2, call(1, 1));
    let (&connection, conn) = net.conns.iter_mut().next().unwrap();
    let error = conn.transport.encode_transport_error(-429).unwrap();
    net.pool.handle_bytes(net.now, connection, &error);
    net.run();
    assert_eq!(
        failures(&net.take_events()),
        vec![(id, CallFailure::TransportError(-429))]
    );
    assert_eq!(net.closed, vec![connection]);
}

#[test]
fn a_handshake_the_server_refuses_fails_the_waiting_calls() {
    let mut net = Net::new(9);
    net.server.config = server_handshake_config().expect_dc(3);
    // The server refuses the DC the client names with -444.
    let id = net.send(2, call(1, 1));
    assert_eq!(
        failures(&net.take_events()),
        vec![(id, CallFailure::TransportError(-444))]
    );
}

#[test]
fn silence_is_a_timeout() {
    let mut net = Net::new(10);
    net.send(2, call(1, 1));
    net.server.auto_answer = false;
    let id = net.send(2, call(2, 1));
    let timeout = net.pool.config().request_timeout;
    net.advance(timeout - Duration::from_millis(1));
    assert!(failures(&net.take_events()).is_empty());
    net.advance(Duration::from_millis(1));
    assert_eq!(
        failures(&net.take_events()),
        vec![(id, CallFailure::Timeout)]
    );
    // An answer after the timeout is dropped: the call ended once.
    net.answer_late(1);
    assert_eq!(net.take_events(), vec![]);
}

#[test]
fn connections_that_do_not_open_fail_their_calls() {
    let mut net = Net::new(11);
    net.auto_connect = false;
    let id = net.send(2, call(1, 1));
    let connection = net.connecting.pop().unwrap();
    net.pool
        .handle_connect_failed(net.now, connection, "connection refused");
    net.run();
    assert_eq!(
        failures(&net.take_events()),
        vec![(
            id,
            CallFailure::CannotConnect {
                dc: 2,
                reason: "connection refused".into()
            }
        )]
    );

    let id = net.send(2, call(2, 1));
    let connection = net.connecting.pop().unwrap();
    let limit = net.pool.config().connect_timeout;
    net.advance(limit);
    assert_eq!(
        failures(&net.take_events()),
        vec![(id, CallFailure::Timeout)]
    );
    assert_eq!(net.closed, vec![connection], "the attempt is abandoned");
    // A late report about it changes nothing.
    net.pool.handle_connected(net.now, connection);
    assert!(net.pool.poll_io().is_none());
}

#[test]
fn updates_and_new_salts_are_events() {
    let mut net = Net::new(12);
    net.send(2, call(1, 1));
    net.take_events();
    let session = net.server.keys.values_mut().next().unwrap();
    let session_id = session.sessions().next().unwrap();
    let update = call(77, 3);
    session.push_update(session_id, &update).unwrap();
    session.rotate_salt(0x1122_3344);
    let push = session.poll_transmit(net.now).unwrap().packet;
    net.deliver(&push);
    assert_eq!(
        net.take_events(),
        vec![Event::Update {
            dc: 2,
            body: update
        }]
    );
    // The next call meets the new salt: persist it.
    let id = net.send(2, call(2, 1));
    let events = net.take_events();
    assert_eq!(responses(&events), vec![(id, answer_for(&call(2, 1)))]);
    let salts: Vec<i64> = keys(&events)
        .into_iter()
        .filter_map(|(_, k)| k.map(|k| k.salt))
        .collect();
    assert_eq!(salts, vec![0x1122_3344]);
}

#[test]
fn each_dc_has_its_own_connection_and_key() {
    let mut net = Net::new(13);
    let a = net.send(2, call(1, 1));
    let b = net.send(4, call(2, 1));
    let events = net.take_events();
    assert_eq!(responses(&events).len(), 2);
    assert!(responses(&events).iter().any(|(c, _)| *c == a));
    assert!(responses(&events).iter().any(|(c, _)| *c == b));
    assert_eq!(net.opened.len(), 2);
    assert_ne!(
        net.pool.key(2).unwrap().auth_key,
        net.pool.key(4).unwrap().auth_key
    );
}

#[test]
fn nothing_secret_is_printed() {
    let mut net = Net::new(14);
    net.pool.send(net.now, 2, call(0xab, 8)).unwrap();
    let connect = net.pool.poll_io().unwrap();
    let Io::Connect { connection, .. } = connect else {
        panic!("{connect:?}")
    };
    net.accept(connection);
    let send = net.pool.poll_io().unwrap();
    let shown = format!("{send:?}");
    assert!(shown.contains("len") && !shown.contains("238"), "{shown}");
    let event = Event::Response {
        call: CallId(1),
        body: vec![0xab; 8],
    };
    assert_eq!(format!("{event:?}"), "Response { call: 1, len: 8 }");
    let key = made_key();
    let shown = format!(
        "{:?}",
        Event::KeyChanged {
            dc: 2,
            key: Some(Box::new(key))
        }
    );
    assert!(shown.contains("redacted"), "{shown}");
    assert!(format!("{:?}", net.pool).starts_with("Pool"));
}

#[test]
fn a_pool_needs_a_server_key() {
    let mut config = config();
    config.server_keys.clear();
    assert_eq!(
        Pool::new(
            config,
            Instant::now(),
            wall(),
            Entropy::deterministic([0; 32])
        )
        .unwrap_err(),
        UsageError::NoServerKeys
    );
}
