//! One data center's connection and session: opened when a call needs them, the handshake when
//! there is no key, one reconnect after a drop, a new key after `-404`.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use tracing::{debug, info, info_span, warn};

use super::{CallFailure, CallId, ConnectionId, Context, Event, Io};
use crate::handshake::{ClientHandshake, HandshakeError};
use crate::session::{self, ClientSession, RequestError, RequestId, SessionKey};
use crate::transport::{Inbound, Transport};

/// How often a dropped connection is opened again before its calls fail (reset by every packet
/// the server sends).
const RECONNECTS: u32 = 1;

/// The state of a data center's connection.
enum Conn {
    /// No socket.
    Down,
    /// The socket is being opened.
    Connecting {
        id: ConnectionId,
        deadline: Option<Instant>,
    },
    /// The socket is open; `handshake` runs while the DC has no key.
    Up {
        id: ConnectionId,
        transport: Transport,
        handshake: Option<Box<ClientHandshake>>,
    },
}

impl Conn {
    fn id(&self) -> Option<ConnectionId> {
        match self {
            Conn::Down => None,
            Conn::Connecting { id, .. } | Conn::Up { id, .. } => Some(*id),
        }
    }
}

/// One data center: its key, its session, its connection and the calls on them.
pub(super) struct Link {
    dc: i32,
    addr: SocketAddr,
    /// The key while no session uses it.
    key: Option<SessionKey>,
    session: Option<ClientSession>,
    conn: Conn,
    /// Calls waiting for a key, with their bodies.
    waiting: VecDeque<(CallId, Vec<u8>)>,
    /// Calls handed to the session.
    sent: BTreeMap<RequestId, CallId>,
    reconnects_left: u32,
    /// A new key must be made even though no call waits (after `-404`).
    rekey: bool,
    span: tracing::Span,
}

impl core::fmt::Debug for Link {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Link")
            .field("dc", &self.dc)
            .field("connection", &self.conn.id())
            .field("has_key", &self.has_key())
            .field("waiting", &self.waiting.len())
            .field("sent", &self.sent.len())
            .finish_non_exhaustive()
    }
}

impl Link {
    pub(super) fn new(dc: i32, addr: SocketAddr) -> Self {
        Link {
            dc,
            addr,
            key: None,
            session: None,
            conn: Conn::Down,
            waiting: VecDeque::new(),
            sent: BTreeMap::new(),
            reconnects_left: RECONNECTS,
            rekey: false,
            span: info_span!("mtproto_dc", dc),
        }
    }

    pub(super) fn key(&self) -> Option<SessionKey> {
        match &self.session {
            Some(session) => Some(session.session_key()),
            None => self.key.clone(),
        }
    }

    fn has_key(&self) -> bool {
        self.session.is_some() || self.key.is_some()
    }

    /// Whether nothing has started here (a stored key may be put in).
    pub(super) fn is_unused(&self) -> bool {
        self.session.is_none() && matches!(self.conn, Conn::Down) && self.waiting.is_empty()
    }

    pub(super) fn restore_key(&mut self, key: SessionKey) {
        self.key = Some(key);
    }

    pub(super) fn connection(&self) -> Option<ConnectionId> {
        self.conn.id()
    }

    pub(super) fn is_connected(&self) -> bool {
        matches!(self.conn, Conn::Up { .. })
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        match &self.conn {
            Conn::Down => None,
            Conn::Connecting { deadline, .. } => *deadline,
            Conn::Up {
                handshake: Some(handshake),
                ..
            } => handshake.poll_timeout(),
            Conn::Up { .. } => self.session.as_ref()?.poll_timeout(),
        }
    }

    /// Takes a call: into the session if there is a key, else to wait for one.
    pub(super) fn submit(&mut self, cx: &mut Context, now: Instant, call: CallId, body: Vec<u8>) {
        let _entered = self.span.clone().entered();
        debug!(
            call = call.0,
            method = format_args!("{:#010x}", method_id(&body)),
            "call queued"
        );
        self.waiting.push_back((call, body));
        self.pump(cx, now);
    }

    /// Forgets the calls that are over (timed out) while they wait for a key.
    pub(super) fn drop_finished(&mut self, cx: &Context) {
        self.waiting.retain(|(call, _)| cx.is_live(*call));
    }

    pub(super) fn handle_connected(&mut self, cx: &mut Context, now: Instant) {
        let _entered = self.span.clone().entered();
        let Conn::Connecting { id, .. } = self.conn else {
            return;
        };
        info!(connection = id.0, addr = %self.addr, "connected");
        self.conn = Conn::Up {
            id,
            transport: Transport::client(cx.config.framing, cx.entropy.fork(b"transport")),
            handshake: None,
        };
        if let Some(session) = &mut self.session {
            session.handle_reconnect(now);
        }
        self.pump(cx, now);
    }

    pub(super) fn handle_connect_failed(&mut self, cx: &mut Context, now: Instant, reason: String) {
        let _entered = self.span.clone().entered();
        warn!(addr = %self.addr, %reason, "cannot connect");
        self.conn = Conn::Down;
        self.fail_all(
            cx,
            now,
            &CallFailure::CannotConnect {
                dc: self.dc,
                reason,
            },
        );
    }

    pub(super) fn handle_closed(&mut self, cx: &mut Context, now: Instant) {
        let _entered = self.span.clone().entered();
        self.lost(cx, now, false);
    }

    pub(super) fn handle_bytes(&mut self, cx: &mut Context, now: Instant, bytes: &[u8]) {
        let _entered = self.span.clone().entered();
        let Conn::Up { transport, .. } = &mut self.conn else {
            return;
        };
        transport.handle_bytes(bytes);
        loop {
            let Conn::Up { transport, .. } = &mut self.conn else {
                return;
            };
            match transport.poll_inbound() {
                Ok(None) => break,
                Ok(Some(Inbound::Packet(packet))) => {
                    if !self.handle_packet(cx, now, &packet) {
                        return;
                    }
                }
                Ok(Some(Inbound::TransportError(code))) => {
                    self.handle_transport_error(cx, now, code);
                    return;
                }
                Ok(Some(Inbound::QuickAck(_))) => {}
                Err(error) => {
                    warn!(%error, "the server broke the framing");
                    self.lost(cx, now, true);
                    return;
                }
            }
        }
        self.pump(cx, now);
    }

    pub(super) fn handle_timeout(&mut self, cx: &mut Context, now: Instant) {
        let _entered = self.span.clone().entered();
        match &mut self.conn {
            Conn::Connecting {
                deadline: Some(deadline),
                ..
            } if *deadline <= now => {
                warn!(addr = %self.addr, "connecting timed out");
                self.close(cx);
                self.fail_all(cx, now, &CallFailure::Timeout);
                return;
            }
            Conn::Up {
                handshake: Some(handshake),
                ..
            } => {
                if let Err(error) = handshake.handle_timeout(now) {
                    self.handshake_failed(cx, now, CallFailure::Handshake(error));
                    return;
                }
            }
            Conn::Up { .. } => {
                if let Some(session) = &mut self.session {
                    session.handle_timeout(now);
                }
                self.drain_session(cx);
            }
            _ => {}
        }
        self.pump(cx, now);
    }

    /// One packet from the server; `false` if the connection was given up.
    fn handle_packet(&mut self, cx: &mut Context, now: Instant, packet: &[u8]) -> bool {
        if let Conn::Up {
            handshake: Some(handshake),
            ..
        } = &mut self.conn
        {
            if let Err(error) = handshake.handle_packet(now, packet) {
                self.handshake_failed(cx, now, CallFailure::Handshake(error));
                return false;
            }
            if let Some(new) = handshake.poll_outcome() {
                if let Conn::Up { handshake, .. } = &mut self.conn {
                    *handshake = None;
                }
                let key = SessionKey::from(new);
                cx.events.push_back(Event::KeyChanged {
                    dc: self.dc,
                    key: Some(Box::new(key.clone())),
                });
                self.key = Some(key);
                self.rekey = false;
                self.reconnects_left = RECONNECTS;
            }
            return true;
        }
        let Some(session) = &mut self.session else {
            return true;
        };
        match session.handle_packet(now, packet) {
            Ok(()) => {
                self.reconnects_left = RECONNECTS;
                self.drain_session(cx);
                true
            }
            Err(error) => {
                // The security guidelines: drop the connection and open a new one.
                warn!(%error, "refused a packet from the server");
                self.lost(cx, now, true);
                false
            }
        }
    }

    fn handle_transport_error(&mut self, cx: &mut Context, now: Instant, code: i32) {
        let handshaking = matches!(
            self.conn,
            Conn::Up {
                handshake: Some(_),
                ..
            }
        );
        if handshaking || code != -404 || !self.has_key() {
            warn!(code, "transport error");
            self.close(cx);
            self.fail_all(cx, now, &CallFailure::TransportError(code));
            return;
        }
        warn!("-404: the server does not know the key; making a new one");
        self.close(cx);
        self.close_session(cx, &CallFailure::KeyUnknown);
        self.key = None;
        cx.events.push_back(Event::KeyChanged {
            dc: self.dc,
            key: None,
        });
        self.rekey = true;
        self.reconnects_left = RECONNECTS;
        self.pump(cx, now);
    }

    fn handshake_failed(&mut self, cx: &mut Context, now: Instant, failure: CallFailure) {
        warn!(%failure, "handshake failed");
        self.close(cx);
        self.fail_all(cx, now, &failure);
    }

    /// The connection is gone (`close`: we drop it): open it again once if calls need it, or
    /// fail them.
    fn lost(&mut self, cx: &mut Context, now: Instant, close: bool) {
        if close {
            self.close(cx);
        } else {
            self.conn = Conn::Down;
        }
        if !self.needs_connection() {
            debug!("connection closed while idle");
            return;
        }
        if self.reconnects_left > 0 {
            self.reconnects_left -= 1;
            info!("connection lost: reconnecting");
            self.pump(cx, now);
        } else {
            warn!("connection lost again: failing the calls on it");
            self.fail_all(cx, now, &CallFailure::ConnectionLost);
        }
    }

    /// Asks the caller to close the socket; the link has none afterwards.
    fn close(&mut self, cx: &mut Context) {
        if let Some(id) = self.conn.id() {
            cx.io.push_back(Io::Close { connection: id });
        }
        self.conn = Conn::Down;
    }

    /// Ends every call here with `failure`; the session (if any) is closed, keeping its key.
    fn fail_all(&mut self, cx: &mut Context, _now: Instant, failure: &CallFailure) {
        for (call, _) in std::mem::take(&mut self.waiting) {
            cx.finish(call, Err(failure.clone()));
        }
        self.close_session(cx, failure);
        self.rekey = false;
        self.reconnects_left = RECONNECTS;
    }

    /// Closes the session; the calls on it fail with `failure`.
    fn close_session(&mut self, cx: &mut Context, failure: &CallFailure) {
        self.drain_session(cx);
        let Some(mut session) = self.session.take() else {
            return;
        };
        session.close();
        while let Some(event) = session.poll_event() {
            if let session::Event::Failed { id, .. } = event
                && let Some(call) = self.sent.remove(&id)
            {
                cx.finish(call, Err(failure.clone()));
            }
        }
        self.sent.clear();
        if self.key.is_none() {
            self.key = Some(session.session_key());
        }
    }

    fn needs_connection(&self) -> bool {
        !self.waiting.is_empty() || !self.sent.is_empty() || self.rekey
    }

    /// Moves things along: connects when needed, starts the handshake or the session, sends what
    /// is ready.
    fn pump(&mut self, cx: &mut Context, now: Instant) {
        if self.session.is_none()
            && !self.waiting.is_empty()
            && let Some(key) = self.key.take()
        {
            self.session = Some(ClientSession::new(
                cx.config.session.clone(),
                key,
                now,
                cx.wall(now),
                cx.entropy.fork(b"session"),
            ));
        }
        if let Some(session) = &mut self.session {
            for (call, body) in std::mem::take(&mut self.waiting) {
                match session.send(now, body) {
                    Ok(request) => {
                        debug!(
                            call = call.0,
                            request = request.0,
                            "call handed to the session"
                        );
                        self.sent.insert(request, call);
                    }
                    // Bodies are checked by `Pool::send`, and a closed session is not kept.
                    Err(_) => cx.finish(call, Err(CallFailure::Session(RequestError::Closed))),
                }
            }
        }
        let needs_connection = self.needs_connection();
        let needs_key = !self.has_key() && needs_connection;
        match &mut self.conn {
            Conn::Down if needs_connection => {
                let id = cx.next_connection();
                debug!(connection = id.0, addr = %self.addr, "connecting");
                cx.io.push_back(Io::Connect {
                    connection: id,
                    dc: self.dc,
                    addr: self.addr,
                });
                self.conn = Conn::Connecting {
                    id,
                    deadline: now.checked_add(cx.config.connect_timeout),
                };
            }
            Conn::Up {
                id,
                transport,
                handshake,
            } => {
                let id = *id;
                if handshake.is_none() && needs_key {
                    match ClientHandshake::new(
                        cx.config.handshake(self.dc),
                        now,
                        cx.wall(now),
                        cx.entropy.fork(b"handshake"),
                    ) {
                        Ok(started) => *handshake = Some(Box::new(started)),
                        // Only a configuration without server keys is refused, and the pool
                        // refuses that when it is made.
                        Err(_) => {
                            let failure =
                                CallFailure::Handshake(HandshakeError::NoKnownKey(Vec::new()));
                            self.handshake_failed(cx, now, failure);
                            return;
                        }
                    }
                }
                let mut packets = Vec::new();
                if let Some(handshake) = handshake {
                    packets.extend(std::iter::from_fn(|| handshake.poll_transmit(now)));
                } else if let Some(session) = &mut self.session {
                    packets.extend(std::iter::from_fn(|| session.poll_transmit(now)));
                }
                for packet in packets {
                    match transport.encode_packet(&packet) {
                        Ok(bytes) => cx.io.push_back(Io::Send {
                            connection: id,
                            bytes,
                        }),
                        // Packets of the handshake and the session are whole words within
                        // the size limit.
                        Err(error) => warn!(%error, "a packet could not be framed"),
                    }
                }
            }
            _ => {}
        }
    }

    /// Hands the session's events on.
    fn drain_session(&mut self, cx: &mut Context) {
        let Some(session) = &mut self.session else {
            return;
        };
        while let Some(event) = session.poll_event() {
            match event {
                session::Event::Response { id, body } => {
                    if let Some(call) = self.sent.remove(&id) {
                        cx.finish(call, Ok(body));
                    }
                }
                session::Event::Failed { id, error } => {
                    if let Some(call) = self.sent.remove(&id) {
                        let failure = match error {
                            RequestError::TooManyAttempts => CallFailure::Timeout,
                            error => CallFailure::Session(error),
                        };
                        cx.finish(call, Err(failure));
                    }
                }
                session::Event::Update(body) => {
                    cx.events.push_back(Event::Update { dc: self.dc, body })
                }
                session::Event::SaltChanged(_) | session::Event::TimeOffsetChanged(_) => {
                    cx.events.push_back(Event::KeyChanged {
                        dc: self.dc,
                        key: Some(Box::new(session.session_key())),
                    });
                }
                session::Event::ServerSessionCreated { .. } => {}
            }
        }
    }
}

/// The constructor id a call starts with (for the logs: never the body).
fn method_id(body: &[u8]) -> u32 {
    body.get(..4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}
