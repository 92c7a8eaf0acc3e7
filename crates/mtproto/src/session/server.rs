//! The server's half of the encrypted session: everything one authorization key does, across
//! the client sessions (session ids) it opens.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use tg_crypto::entropy::Entropy;
use tracing::{debug, info_span, trace};

use super::envelope::{open, seal};
use super::received::{ReceivedIds, Seen};
use super::{
    ClientInfo, PacketError, WINDOW_FUTURE_SECS, WINDOW_PAST_SECS, check_body, is_content_related,
};
use crate::auth_key::AuthKey;
use crate::clock::{Clock, MsgIdGenerator, msg_id_secs};
use crate::crypto::Direction;
use crate::error::UsageError;
use crate::random::Random;
use crate::tl::api::unwrap;
use crate::tl::gzip;
use crate::tl::service::{self, Body, FutureSalt, Inner};

/// `bad_msg_notification` codes (service_messages_about_messages).
const BAD_MSG_CODES: [i32; 11] = [16, 17, 18, 19, 20, 32, 33, 34, 35, 48, 64];
/// Content-related messages a session keeps until the client acknowledges them.
const MAX_UNACKED: usize = 1024;
/// Answers kept for repeated requests.
const MAX_ANSWERS: usize = 256;
/// How often an unacknowledged message is sent before the server gives up on it.
const MAX_TRANSMISSIONS: u32 = 5;

/// How a server session behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSessionConfig {
    /// A content-related message not acknowledged after this long is sent again.
    pub resend_after: Duration,
    /// Acknowledgements of requests wait at most this long for an answer to ride along with.
    pub ack_delay: Duration,
    /// Answers longer than this are sent `gzip_packed` (`None`: never).
    pub gzip_above: Option<usize>,
    /// At most this many client sessions are kept per key; the least recently active one is
    /// forgotten first (as Telegram's servers may).
    pub max_sessions: usize,
}

impl Default for ServerSessionConfig {
    fn default() -> Self {
        ServerSessionConfig {
            resend_after: Duration::from_secs(10),
            ack_delay: Duration::from_millis(500),
            gzip_above: Some(4096),
            max_sessions: 16,
        }
    }
}

/// Identifies a request received by a [`ServerSession`] until it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerRequestId(pub u64);

/// An API call from a client, with the wrappers (`invokeWithLayer`, `initConnection`, …) taken
/// off. `Debug` shows the body's constructor id and length, never the body (it may hold codes).
#[derive(Clone, PartialEq, Eq)]
pub struct IncomingRequest {
    /// Answer with [`ServerSession::respond`].
    pub id: ServerRequestId,
    /// The client session it came in.
    pub session_id: i64,
    /// Its `msg_id`.
    pub msg_id: i64,
    /// The layer the session declared (`invokeWithLayer`), if it did.
    pub layer: Option<i32>,
    /// What the session's `initConnection` said, if it came.
    pub client: Option<ClientInfo>,
    /// The call's TL bytes.
    pub body: Vec<u8>,
}

impl core::fmt::Debug for IncomingRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let method = self
            .body
            .get(..4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes);
        f.debug_struct("IncomingRequest")
            .field("id", &self.id)
            .field("session_id", &self.session_id)
            .field("msg_id", &self.msg_id)
            .field("layer", &self.layer)
            .field("client", &self.client)
            .field("method", &method.map(|m| format!("{m:#010x}")))
            .field("len", &self.body.len())
            .finish()
    }
}

/// What a server session tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A client opened a session on this key (`new_session_created` was sent).
    NewSession {
        /// The client's session id.
        session_id: i64,
    },
    /// A call to answer.
    Request(IncomingRequest),
}

/// An encrypted packet for the connection that carries `session_id` (`Debug` shows its length).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerTransmit {
    /// The client session the packet is for (send it on the connection that session last used).
    pub session_id: i64,
    /// The packet, to be framed by a transport.
    pub packet: Vec<u8>,
}

impl core::fmt::Debug for ServerTransmit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerTransmit")
            .field("session_id", &self.session_id)
            .field("len", &self.packet.len())
            .finish()
    }
}

#[derive(Debug)]
struct Outgoing {
    body: Vec<u8>,
    content: bool,
    response: bool,
}

#[derive(Debug)]
struct Unacked {
    seqno: i32,
    body: Vec<u8>,
    sent_at: Instant,
    transmissions: u32,
}

#[derive(Debug, Default)]
struct PeerSession {
    announced: bool,
    received: ReceivedIds,
    /// The last top-level message: its id and seqno, for the seqno checks.
    last: Option<(i64, i32)>,
    seq: u32,
    out: VecDeque<Outgoing>,
    resend: Vec<i64>,
    acks: Vec<i64>,
    ack_deadline: Option<Instant>,
    unacked: BTreeMap<i64, Unacked>,
    /// Requests received: msg_id → the request, and its `rpc_result` once answered.
    requests: BTreeMap<i64, (ServerRequestId, Option<Vec<u8>>)>,
    layer: Option<i32>,
    client: Option<ClientInfo>,
    inject: VecDeque<i32>,
    last_active: Option<Instant>,
}

/// The server's side of one authorization key: the client's sessions on it, their requests and
/// answers, acknowledgements, resends and salts.
///
/// Methods sort into getters ([`ServerSession::auth_key`], [`ServerSession::salt`],
/// [`ServerSession::sessions`], [`ServerSession::session_layer`],
/// [`ServerSession::session_client`]), input ([`ServerSession::handle_packet`],
/// [`ServerSession::handle_timeout`]), commands ([`ServerSession::respond`],
/// [`ServerSession::respond_error`], [`ServerSession::push_update`],
/// [`ServerSession::rotate_salt`], [`ServerSession::inject_bad_msg`]) and output
/// ([`ServerSession::poll_event`], [`ServerSession::poll_transmit`],
/// [`ServerSession::poll_timeout`]). A key outlives connections: keep one `ServerSession` per
/// key and route packets to it by [`crate::peek_auth_key_id`].
pub struct ServerSession {
    config: ServerSessionConfig,
    auth_key: AuthKey,
    salt: i64,
    clock: Clock,
    random: Random,
    msg_ids: MsgIdGenerator,
    sessions: BTreeMap<i64, PeerSession>,
    requests: BTreeMap<ServerRequestId, (i64, i64)>,
    next_request: u64,
    events: VecDeque<ServerEvent>,
    span: tracing::Span,
}

impl core::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerSession")
            .field("auth_key_id", &format_args!("{:#018x}", self.auth_key.id()))
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// The server's state for `auth_key` with its current `salt` (the handshake's first salt for
    /// a new key), at `now` (`wall` is the wall-clock time then).
    #[must_use]
    pub fn new(
        config: ServerSessionConfig,
        auth_key: AuthKey,
        salt: i64,
        now: Instant,
        wall: SystemTime,
        entropy: Entropy,
    ) -> Self {
        let span = info_span!(
            "mtproto_server_session",
            auth_key_id = format_args!("{:#018x}", auth_key.id())
        );
        ServerSession {
            config,
            auth_key,
            salt,
            clock: Clock::new(now, wall),
            random: Random::from(entropy),
            msg_ids: MsgIdGenerator::default(),
            sessions: BTreeMap::new(),
            requests: BTreeMap::new(),
            next_request: 0,
            events: VecDeque::new(),
            span,
        }
    }

    /// The key.
    #[must_use]
    pub fn auth_key(&self) -> &AuthKey {
        &self.auth_key
    }

    /// The salt clients must use.
    #[must_use]
    pub fn salt(&self) -> i64 {
        self.salt
    }

    /// The client sessions known on this key.
    pub fn sessions(&self) -> impl Iterator<Item = i64> + '_ {
        self.sessions.keys().copied()
    }

    /// The layer a session declared with `invokeWithLayer`.
    #[must_use]
    pub fn session_layer(&self, session_id: i64) -> Option<i32> {
        self.sessions.get(&session_id)?.layer
    }

    /// What a session's `initConnection` said.
    #[must_use]
    pub fn session_client(&self, session_id: i64) -> Option<&ClientInfo> {
        self.sessions.get(&session_id)?.client.as_ref()
    }

    /// Handles one encrypted packet from a client of this key.
    ///
    /// # Errors
    ///
    /// A [`PacketError`]: the packet was not used. (A packet for another key is
    /// [`crate::crypto::CryptoError::WrongAuthKey`]; a server answers a key it does not know
    /// with transport error `-404`.)
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> Result<(), PacketError> {
        let _entered = self.span.clone().entered();
        let opened = open(&self.auth_key, Direction::ClientToServer, packet)?;
        let body = Body::decode(&opened.body)?;
        let inner: &[Inner<'_>] = match &body {
            Body::Container(inner) => inner,
            _ => &[],
        };
        for message in inner {
            if message.msg_id >= opened.msg_id
                || matches!(Body::decode(message.body)?, Body::Container(_))
            {
                return Err(PacketError::BadContainer);
            }
        }
        let carries_content =
            is_content_related(opened.seqno) || inner.iter().any(|m| is_content_related(m.seqno));
        let session_id = opened.session_id;
        self.touch(now, session_id);
        let server_now = self.clock.unix_secs(now);
        let secs = msg_id_secs(opened.msg_id);
        let refusal = if opened.msg_id % 4 != 0 {
            Some(18)
        } else if secs < server_now - WINDOW_PAST_SECS {
            Some(16)
        } else if secs > server_now + WINDOW_FUTURE_SECS {
            Some(17)
        } else if opened.salt != self.salt {
            Some(48)
        } else if matches!(body, Body::Container(_) | Body::Ack(_))
            && is_content_related(opened.seqno)
        {
            Some(34)
        } else if matches!(body, Body::Other(_)) && !is_content_related(opened.seqno) {
            Some(35)
        } else if self.seqno_too_low(session_id, opened.msg_id, opened.seqno) {
            Some(32)
        } else if carries_content {
            self.session(session_id).inject.pop_front()
        } else {
            None
        };
        if let Some(code) = refusal {
            debug!(msg_id = opened.msg_id, code, "message refused");
            self.notify_bad_msg(session_id, opened.msg_id, opened.seqno, code);
            return Ok(());
        }
        let salt = self.salt;
        let session = self.session(session_id);
        if session.last.is_none_or(|(id, _)| opened.msg_id > id) {
            session.last = Some((opened.msg_id, opened.seqno));
        }
        if !session.announced {
            session.announced = true;
            let first = inner
                .iter()
                .map(|m| m.msg_id)
                .min()
                .unwrap_or(opened.msg_id);
            let unique_id = i64::from_le_bytes(self.random.array());
            self.session(session_id).out.push_back(Outgoing {
                body: service::new_session_created(first, unique_id, salt),
                content: true,
                response: false,
            });
            self.events
                .push_back(ServerEvent::NewSession { session_id });
            debug!(session_id, "new session");
        }
        if inner.is_empty() {
            match self.session(session_id).received.insert(opened.msg_id) {
                Seen::New => self.handle_message(
                    now,
                    session_id,
                    opened.msg_id,
                    opened.seqno,
                    &opened.body,
                    0,
                )?,
                Seen::Duplicate => self.on_duplicate(now, session_id, opened.msg_id),
                Seen::TooOld => self.notify_bad_msg(session_id, opened.msg_id, opened.seqno, 20),
            }
        } else {
            for message in inner {
                if message.msg_id % 4 != 0 {
                    self.notify_bad_msg(session_id, message.msg_id, message.seqno, 18);
                    continue;
                }
                match self.session(session_id).received.insert(message.msg_id) {
                    Seen::New => self.handle_message(
                        now,
                        session_id,
                        message.msg_id,
                        message.seqno,
                        message.body,
                        0,
                    )?,
                    Seen::Duplicate => self.on_duplicate(now, session_id, message.msg_id),
                    Seen::TooOld => {
                        self.notify_bad_msg(session_id, message.msg_id, message.seqno, 20)
                    }
                }
            }
        }
        Ok(())
    }

    /// Answers a request with the TL bytes of its result (wrapped in `rpc_result`, and
    /// `gzip_packed` if large).
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownRequest`] if it was answered already (or never received),
    /// [`UsageError::UnknownSession`] if its session was forgotten meanwhile,
    /// [`UsageError::BadBody`] / [`UsageError::BodyTooLarge`] for a body that is not a TL object.
    pub fn respond(&mut self, id: ServerRequestId, body: &[u8]) -> Result<(), UsageError> {
        check_body(body)?;
        let &(session_id, req_msg_id) = self.requests.get(&id).ok_or(UsageError::UnknownRequest)?;
        self.requests.remove(&id);
        let packed;
        let result = match self.config.gzip_above {
            Some(limit) if body.len() > limit => {
                packed = service::gzip_packed(&gzip::pack(body));
                &packed[..]
            }
            _ => body,
        };
        let rpc = service::rpc_result(req_msg_id, result);
        let session = self
            .sessions
            .get_mut(&session_id)
            .ok_or(UsageError::UnknownSession)?;
        if let Some(entry) = session.requests.get_mut(&req_msg_id) {
            entry.1 = Some(rpc.clone());
        }
        // The answer acknowledges the request.
        session.acks.retain(|&m| m != req_msg_id);
        if session.acks.is_empty() {
            session.ack_deadline = None;
        }
        session.out.push_back(Outgoing {
            body: rpc,
            content: true,
            response: true,
        });
        trace!(session_id, req_msg_id, "answered");
        Ok(())
    }

    /// Answers a request with `rpc_error`.
    ///
    /// # Errors
    ///
    /// As [`ServerSession::respond`].
    pub fn respond_error(
        &mut self,
        id: ServerRequestId,
        code: i32,
        message: &str,
    ) -> Result<(), UsageError> {
        self.respond(id, &service::rpc_error(code, message))
    }

    /// Sends something of the server's own accord (an update) to a session.
    ///
    /// # Errors
    ///
    /// [`UsageError::UnknownSession`], or a body that is not a TL object.
    pub fn push_update(&mut self, session_id: i64, body: &[u8]) -> Result<(), UsageError> {
        check_body(body)?;
        let session = self
            .sessions
            .get_mut(&session_id)
            .ok_or(UsageError::UnknownSession)?;
        session.out.push_back(Outgoing {
            body: body.to_vec(),
            content: true,
            response: false,
        });
        Ok(())
    }

    /// Changes the salt: messages with the old one are refused with `bad_server_salt` from now
    /// on (Telegram accepts an old salt for a while; this lets tests drive a client through the
    /// refusal at once).
    pub fn rotate_salt(&mut self, salt: i64) {
        self.salt = salt;
    }

    /// Refuses the next message that carries a request in `session_id` with a
    /// `bad_msg_notification` of `code` (48 sends `bad_server_salt` with the current salt),
    /// without processing it. For tests of clients.
    ///
    /// # Errors
    ///
    /// [`UsageError::NotABadMsgCode`] or [`UsageError::UnknownSession`].
    pub fn inject_bad_msg(&mut self, session_id: i64, code: i32) -> Result<(), UsageError> {
        if !BAD_MSG_CODES.contains(&code) {
            return Err(UsageError::NotABadMsgCode(code));
        }
        let session = self
            .sessions
            .get_mut(&session_id)
            .ok_or(UsageError::UnknownSession)?;
        session.inject.push_back(code);
        Ok(())
    }

    /// Flushes acknowledgements and resends what the client has not acknowledged.
    pub fn handle_timeout(&mut self, now: Instant) {
        let resend_after = self.config.resend_after;
        for session in self.sessions.values_mut() {
            let mut dropped = Vec::new();
            for (&msg_id, unacked) in &mut session.unacked {
                let due = unacked.sent_at.checked_add(resend_after);
                if due.is_some_and(|due| due <= now) && !session.resend.contains(&msg_id) {
                    if unacked.transmissions >= MAX_TRANSMISSIONS {
                        dropped.push(msg_id);
                    } else {
                        session.resend.push(msg_id);
                    }
                }
            }
            for msg_id in dropped {
                session.unacked.remove(&msg_id);
            }
        }
    }

    /// When [`ServerSession::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sessions
            .values()
            .flat_map(|s| {
                let resend = s
                    .unacked
                    .values()
                    .filter_map(|u| u.sent_at.checked_add(self.config.resend_after));
                resend.chain(s.ack_deadline.filter(|_| !s.acks.is_empty()))
            })
            .min()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// The next packet to send, and the session it is for.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<ServerTransmit> {
        let session_id = self.sessions.iter().find_map(|(id, s)| {
            let acks_due = !s.acks.is_empty() && s.ack_deadline.is_some_and(|d| d <= now);
            (!s.out.is_empty() || !s.resend.is_empty() || acks_due).then_some(*id)
        })?;
        let time = self.clock.msg_id_time(now, 0);
        let session = self.sessions.get_mut(&session_id)?;
        let mut messages: Vec<(i64, i32, Vec<u8>)> = Vec::new();
        let mut reused = false;
        for msg_id in std::mem::take(&mut session.resend) {
            if let Some(unacked) = session.unacked.get_mut(&msg_id) {
                unacked.sent_at = now;
                unacked.transmissions += 1;
                messages.push((msg_id, unacked.seqno, unacked.body.clone()));
                reused = true;
            }
        }
        while messages.len() + 1 < service::MAX_CONTAINER_MESSAGES {
            let Some(out) = session.out.pop_front() else {
                break;
            };
            let msg_id = self.msg_ids.next(time, if out.response { 1 } else { 3 });
            let seqno = if out.content {
                session.seq += 1;
                (session.seq * 2 - 1) as i32
            } else {
                (session.seq * 2) as i32
            };
            if out.content {
                session.unacked.insert(
                    msg_id,
                    Unacked {
                        seqno,
                        body: out.body.clone(),
                        sent_at: now,
                        transmissions: 1,
                    },
                );
                while session.unacked.len() > MAX_UNACKED {
                    session.unacked.pop_first();
                }
            }
            messages.push((msg_id, seqno, out.body));
        }
        if !session.acks.is_empty() {
            let take = session.acks.len().min(service::MAX_IDS);
            let ids: Vec<i64> = session.acks.drain(..take).collect();
            let msg_id = self.msg_ids.next(time, 3);
            messages.push((msg_id, (session.seq * 2) as i32, service::msgs_ack(&ids)));
            if session.acks.is_empty() {
                session.ack_deadline = None;
            }
        }
        let (msg_id, seqno, body) = if messages.len() == 1 && !reused {
            messages.pop()?
        } else {
            let list: Vec<(i64, i32, &[u8])> = messages
                .iter()
                .map(|(m, s, b)| (*m, *s, b.as_slice()))
                .collect();
            let container = service::container_of(&list);
            (
                self.msg_ids.next(time, 3),
                (session.seq * 2) as i32,
                container,
            )
        };
        let packet = seal(
            &self.auth_key,
            Direction::ServerToClient,
            self.salt,
            session_id,
            msg_id,
            seqno,
            &body,
            &mut self.random,
        );
        Some(ServerTransmit { session_id, packet })
    }

    fn touch(&mut self, now: Instant, session_id: i64) {
        if !self.sessions.contains_key(&session_id)
            && self.sessions.len() >= self.config.max_sessions.max(1)
        {
            let oldest = self
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.last_active)
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                debug!(
                    session_id = oldest,
                    "forgetting the least recently active session"
                );
                self.sessions.remove(&oldest);
                self.requests.retain(|_, (s, _)| *s != oldest);
            }
        }
        self.session(session_id).last_active = Some(now);
    }

    fn session(&mut self, session_id: i64) -> &mut PeerSession {
        self.sessions.entry(session_id).or_default()
    }

    /// "The server has already received a message with a lower msg_id but with either a higher
    /// or an equal and odd seqno."
    fn seqno_too_low(&self, session_id: i64, msg_id: i64, seqno: i32) -> bool {
        match self.sessions.get(&session_id).and_then(|s| s.last) {
            Some((last_id, last_seqno)) if msg_id > last_id => {
                last_seqno > seqno || (last_seqno == seqno && is_content_related(seqno))
            }
            _ => false,
        }
    }

    fn notify_bad_msg(&mut self, session_id: i64, msg_id: i64, seqno: i32, code: i32) {
        let salt = (code == 48).then_some(self.salt);
        self.session(session_id).out.push_back(Outgoing {
            body: service::bad_msg(msg_id, seqno, code, salt),
            content: false,
            response: true,
        });
    }

    fn on_duplicate(&mut self, now: Instant, session_id: i64, msg_id: i64) {
        let ack_delay = self.config.ack_delay;
        let session = self.session(session_id);
        match session.requests.get(&msg_id) {
            Some((_, Some(answer))) => {
                trace!(msg_id, "repeated request: sending the answer again");
                let body = answer.clone();
                session.out.push_back(Outgoing {
                    body,
                    content: true,
                    response: true,
                });
            }
            Some((_, None)) => {
                session.acks.push(msg_id);
                session.ack_deadline = session.ack_deadline.or(now.checked_add(ack_delay));
            }
            None => {}
        }
    }

    fn handle_message(
        &mut self,
        now: Instant,
        session_id: i64,
        msg_id: i64,
        seqno: i32,
        raw: &[u8],
        depth: u8,
    ) -> Result<(), PacketError> {
        let server_now = i32::try_from(self.clock.unix_secs(now)).unwrap_or(i32::MAX);
        let salt = self.salt;
        let ack_delay = self.config.ack_delay;
        match Body::decode(raw)? {
            Body::Ack(ids) => {
                let session = self.session(session_id);
                for id in ids {
                    session.unacked.remove(&id);
                    session.resend.retain(|&m| m != id);
                }
            }
            Body::Other(call) => {
                let unwrapped = unwrap(call)?;
                let id = ServerRequestId(self.next_request);
                self.next_request += 1;
                self.requests.insert(id, (session_id, msg_id));
                let session = self.session(session_id);
                if unwrapped.layer.is_some() {
                    session.layer = unwrapped.layer;
                }
                if unwrapped.client.is_some() {
                    session.client = unwrapped.client.clone();
                }
                session.requests.insert(msg_id, (id, None));
                while session.requests.len() > MAX_ANSWERS {
                    session.requests.pop_first();
                }
                if is_content_related(seqno) {
                    session.acks.push(msg_id);
                    session.ack_deadline = session.ack_deadline.or(now.checked_add(ack_delay));
                }
                let request = IncomingRequest {
                    id,
                    session_id,
                    msg_id,
                    layer: session.layer,
                    client: session.client.clone(),
                    body: unwrapped.query.to_vec(),
                };
                trace!(session_id, msg_id, "request");
                self.events.push_back(ServerEvent::Request(request));
            }
            Body::Ping { ping_id } => {
                self.session(session_id).out.push_back(Outgoing {
                    body: service::pong(msg_id, ping_id),
                    content: false,
                    response: true,
                });
            }
            Body::GetFutureSalts { num } => {
                let count = num.clamp(1, 64);
                let salts: Vec<FutureSalt> = (0..count)
                    .map(|i| FutureSalt {
                        valid_since: server_now.saturating_add(i * 1800),
                        valid_until: server_now.saturating_add((i + 1) * 1800),
                        salt: if i == 0 {
                            salt
                        } else {
                            i64::from_le_bytes(self.random.array())
                        },
                    })
                    .collect();
                self.session(session_id).out.push_back(Outgoing {
                    body: service::future_salts(msg_id, server_now, &salts),
                    content: false,
                    response: true,
                });
            }
            Body::StateReq(ids) => {
                let session = self.session(session_id);
                let info: Vec<u8> = ids.iter().map(|&id| session.received.state(id)).collect();
                session.out.push_back(Outgoing {
                    body: service::msgs_state_info(msg_id, &info),
                    content: false,
                    response: true,
                });
            }
            Body::ResendReq(ids) => {
                let session = self.session(session_id);
                for id in ids {
                    if session.unacked.contains_key(&id) && !session.resend.contains(&id) {
                        session.resend.push(id);
                    }
                }
            }
            Body::RpcDropAnswer { req_msg_id } => {
                let _ = req_msg_id;
                self.session(session_id).out.push_back(Outgoing {
                    body: service::rpc_result(msg_id, &service::rpc_answer_unknown()),
                    content: true,
                    response: true,
                });
            }
            Body::DestroySession { session_id: target } => {
                let existed = target != session_id && self.sessions.remove(&target).is_some();
                self.requests
                    .retain(|_, (s, _)| *s != target || target == session_id);
                self.session(session_id).out.push_back(Outgoing {
                    body: service::rpc_result(
                        msg_id,
                        &service::destroy_session_res(target, existed),
                    ),
                    content: true,
                    response: true,
                });
            }
            Body::Gzip(packed) => {
                if depth > 0 {
                    return Err(PacketError::BadContainer);
                }
                let unpacked = gzip::unpack(packed)?;
                return self.handle_message(now, session_id, msg_id, seqno, &unpacked, depth + 1);
            }
            Body::Container(_) => return Err(PacketError::BadContainer),
            Body::RpcResult { .. }
            | Body::BadMsg { .. }
            | Body::StateInfo { .. }
            | Body::AllInfo
            | Body::DetailedInfo { .. }
            | Body::FutureSalts { .. }
            | Body::Pong { .. }
            | Body::NewSession { .. }
            | Body::HttpWait => {}
        }
        Ok(())
    }
}
