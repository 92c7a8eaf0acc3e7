//! A client and a server of this crate wired together in memory, for the integration tests.
#![allow(dead_code, clippy::disallowed_methods)]

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use mtproto::handshake::{
    ClientHandshake, HandshakeConfig, NewAuthKey, ServerHandshake, ServerHandshakeConfig,
};
use mtproto::keys::RsaPrivateKey;
use mtproto::session::{
    ClientInfo, ClientSession, Event, RequestId, ServerEvent, ServerSession, ServerSessionConfig,
    SessionConfig, SessionKey,
};
use mtproto::transport::{Framing, Inbound, Transport};
use tg_crypto::entropy::Entropy;

/// The wall-clock time every test starts at.
pub fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

pub fn client_info() -> ClientInfo {
    ClientInfo {
        api_id: 17349,
        device_model: "test".into(),
        system_version: "Linux".into(),
        app_version: "0.1.0".into(),
        system_lang_code: "en".into(),
        lang_pack: String::new(),
        lang_code: "en".into(),
    }
}

pub fn server_handshake_config() -> ServerHandshakeConfig {
    ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key())
}

/// Runs a handshake packet by packet (no framing) and returns the client's and the server's
/// results.
pub fn handshake(seed: u8, now: Instant) -> (NewAuthKey, NewAuthKey) {
    let config = server_handshake_config();
    let mut client = ClientHandshake::new(
        HandshakeConfig::with_keys(2, config.public_keys()),
        now,
        wall(),
        Entropy::deterministic([seed; 32]),
    )
    .unwrap();
    let mut server =
        ServerHandshake::new(config, now, wall(), Entropy::deterministic([!seed; 32])).unwrap();
    for _ in 0..10 {
        while let Some(p) = client.poll_transmit(now) {
            server.handle_packet(now, &p).unwrap();
        }
        while let Some(p) = server.poll_transmit() {
            client.handle_packet(now, &p).unwrap();
        }
    }
    (
        client.poll_outcome().unwrap(),
        server.poll_outcome().unwrap(),
    )
}

/// One key made once per test binary (each handshake costs several 2048-bit modpows).
pub fn shared_key() -> &'static (NewAuthKey, NewAuthKey) {
    static KEY: OnceLock<(NewAuthKey, NewAuthKey)> = OnceLock::new();
    KEY.get_or_init(|| handshake(42, Instant::now()))
}

/// What the test server answers to a call: the call's words reversed, behind a marker word.
pub fn answer_for(body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xaa, 0xbb, 0xcc, 0xdd];
    for word in body.chunks(4).rev() {
        out.extend_from_slice(word);
    }
    out
}

/// A call body: a fake constructor id and `n` words.
pub fn call(i: u32, words: usize) -> Vec<u8> {
    let mut out = 0x1234_0000u32.wrapping_add(i).to_le_bytes().to_vec();
    for w in 0..words {
        out.extend_from_slice(&(i ^ w as u32).to_le_bytes());
    }
    out
}

/// A client and a server session on one key, at a shared clock.
pub struct Pair {
    pub now: Instant,
    pub client: ClientSession,
    pub server: ServerSession,
    /// Every request the server saw, in order.
    pub requests_seen: Vec<mtproto::session::IncomingRequest>,
    /// Sessions the server announced.
    pub new_sessions: Vec<i64>,
    /// Whether the server answers requests as they arrive.
    pub auto_answer: bool,
}

impl Pair {
    /// Sessions on the shared key; the client believes the server's clock is `skew` seconds
    /// away from where it is.
    pub fn new(seed: u8, skew: i64) -> Self {
        Self::with_config(seed, skew, ServerSessionConfig::default())
    }

    pub fn with_config(seed: u8, skew: i64, server_config: ServerSessionConfig) -> Self {
        let (client_key, server_key) = shared_key().clone();
        let now = Instant::now();
        let mut key = SessionKey::from(client_key);
        key.time_offset += skew;
        let client = ClientSession::new(
            SessionConfig::new(228, client_info()),
            key,
            now,
            wall(),
            Entropy::deterministic([seed; 32]),
        );
        let server = ServerSession::new(
            server_config,
            server_key.auth_key,
            server_key.salt,
            now,
            wall(),
            Entropy::deterministic([!seed; 32]),
        );
        Pair {
            now,
            client,
            server,
            requests_seen: Vec::new(),
            new_sessions: Vec::new(),
            auto_answer: true,
        }
    }

    /// Delivers one client packet to the server and handles what the server makes of it.
    pub fn deliver_to_server(&mut self, packet: &[u8]) {
        self.server.handle_packet(self.now, packet).unwrap();
        self.server_events();
    }

    pub fn server_events(&mut self) {
        while let Some(event) = self.server.poll_event() {
            match event {
                ServerEvent::Request(request) => {
                    if self.auto_answer {
                        self.server
                            .respond(request.id, &answer_for(&request.body))
                            .unwrap();
                    }
                    self.requests_seen.push(request);
                }
                ServerEvent::NewSession { session_id } => self.new_sessions.push(session_id),
            }
        }
    }

    pub fn deliver_to_client(&mut self, packet: &[u8]) {
        self.client.handle_packet(self.now, packet).unwrap();
    }

    /// Exchanges packets until neither side has anything to send.
    pub fn exchange(&mut self) {
        for _ in 0..100 {
            let mut moved = false;
            while let Some(p) = self.client.poll_transmit(self.now) {
                self.deliver_to_server(&p);
                moved = true;
            }
            while let Some(t) = self.server.poll_transmit(self.now) {
                self.deliver_to_client(&t.packet);
                moved = true;
            }
            if !moved {
                return;
            }
        }
        panic!("the sessions never went quiet");
    }

    /// Moves the clock to the next timeout of either side (at most `limit` ahead) and handles it.
    pub fn tick(&mut self, limit: Duration) {
        let next = [self.client.poll_timeout(), self.server.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(self.now + limit)
            .min(self.now + limit);
        self.now = self.now.max(next);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }

    /// Exchanges and ticks until the client has nothing in flight.
    pub fn settle(&mut self) {
        for _ in 0..200 {
            self.exchange();
            if self.client.is_idle() {
                self.tick(Duration::from_secs(2));
                self.exchange();
                return;
            }
            self.tick(Duration::from_secs(30));
        }
        panic!("requests never finished");
    }

    pub fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.client.poll_event()).collect()
    }
}

/// The responses among `events`, by request.
pub fn responses(events: &[Event]) -> Vec<(RequestId, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Response { id, body } => Some((*id, body.clone())),
            _ => None,
        })
        .collect()
}

/// Both ends of a connection in one framing.
pub struct Link {
    pub client: Transport,
    pub server: Transport,
}

impl Link {
    pub fn new(framing: Framing, seed: u8) -> Self {
        Link {
            client: Transport::client(framing, Entropy::deterministic([seed; 32])),
            server: Transport::server(Entropy::deterministic([seed ^ 0x55; 32])),
        }
    }

    /// Frames `packet` on one side, feeds it to the other in chunks of the given sizes, and
    /// returns what comes out.
    pub fn carry(
        from: &mut Transport,
        to: &mut Transport,
        packet: &[u8],
        chunks: &[usize],
    ) -> Vec<u8> {
        let wire = from.encode_packet(packet).unwrap();
        let mut at = 0;
        let mut i = 0;
        while at < wire.len() {
            let size = chunks
                .get(i % chunks.len().max(1))
                .copied()
                .unwrap_or(wire.len())
                .max(1);
            let end = (at + size).min(wire.len());
            to.handle_bytes(&wire[at..end]);
            at = end;
            i += 1;
            if at < wire.len() {
                assert_eq!(
                    to.poll_inbound().unwrap(),
                    None,
                    "a packet before its last byte"
                );
            }
        }
        match to.poll_inbound().unwrap() {
            Some(Inbound::Packet(p)) => p,
            other => panic!("expected a packet, got {other:?}"),
        }
    }
}
