//! The client's half of the encrypted session.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Instant, SystemTime};

use tg_crypto::entropy::Entropy;
use tracing::{debug, info_span};

mod inbound;

use super::envelope::seal;
use super::received::ReceivedIds;
use super::{Event, RequestError, RequestId, SessionConfig, SessionKey, check_body};
use crate::auth_key::AuthKey;
use crate::clock::{Clock, MsgIdGenerator, msg_id_secs};
use crate::crypto::Direction;
use crate::error::UsageError;
use crate::random::Random;
use crate::tl::api::wrap_init_connection;
use crate::tl::service::{self, MAX_CONTAINER_MESSAGES, MAX_IDS, msgs_ack};

/// At most this many bytes of bodies go into one container.
const MAX_CONTAINER_BYTES: usize = 1 << 20;
/// Sent message ids (other than pending requests') remembered, to recognise notifications about
/// them.
const RECENT_SENT: usize = 256;
/// A request whose `msg_id` is older than this is resent with a new id rather than in a container
/// under its old one (the server refuses ids more than 300 s old).
const REWRAP_MAX_AGE_SECS: i64 = 240;
/// How far ahead of the corrected clock a session's last msg_id may be before a clock correction
/// starts a new session (the server refuses ids more than 30 s in the future).
const MAX_ID_LEAD_SECS: i64 = 10;
/// More unacknowledged messages than this are acknowledged at once.
const ACK_BATCH: usize = 16;

/// One call in flight.
#[derive(Debug)]
struct Request {
    query: Vec<u8>,
    /// The body as first sent (possibly wrapped in `invokeWithLayer(initConnection(…))`).
    body: Option<Vec<u8>>,
    wire: Option<Wire>,
    acked: bool,
    transmissions: u32,
    created: Instant,
}

/// The current transmission of a request.
#[derive(Debug, Clone, Copy)]
struct Wire {
    msg_id: i64,
    seqno: i32,
    sent_at: Instant,
}

/// The client's side of one MTProto session on one authorization key.
///
/// Methods sort into getters ([`ClientSession::auth_key`], [`ClientSession::salt`],
/// [`ClientSession::time_offset`], [`ClientSession::session_id`], [`ClientSession::is_idle`]),
/// input ([`ClientSession::handle_packet`], [`ClientSession::handle_timeout`],
/// [`ClientSession::handle_reconnect`]), commands ([`ClientSession::send`],
/// [`ClientSession::close`]) and output ([`ClientSession::poll_transmit`],
/// [`ClientSession::poll_event`], [`ClientSession::poll_timeout`]). Every request ends in exactly
/// one [`Event::Response`] or [`Event::Failed`].
pub struct ClientSession {
    config: SessionConfig,
    auth_key: AuthKey,
    salt: i64,
    time_offset: i64,
    session_id: i64,
    clock: Clock,
    random: Random,
    msg_ids: MsgIdGenerator,
    /// Content-related messages sent so far (the seqno counter).
    seq: u32,
    next_request: u64,
    requests: BTreeMap<RequestId, Request>,
    by_msg_id: BTreeMap<i64, RequestId>,
    /// Containers and service messages sent lately: msg_id → the message ids inside.
    recent: BTreeMap<i64, Vec<i64>>,
    /// Requests to send with a new msg_id.
    queue: VecDeque<RequestId>,
    /// Requests to send again under their msg_id, inside a new container.
    rewrap: BTreeSet<RequestId>,
    acks: Vec<i64>,
    ack_deadline: Option<Instant>,
    flush_acks: bool,
    service_out: Vec<Vec<u8>>,
    received: ReceivedIds,
    events: VecDeque<Event>,
    initialized: bool,
    closed: bool,
    span: tracing::Span,
}

impl core::fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientSession")
            .field("auth_key_id", &format_args!("{:#018x}", self.auth_key.id()))
            .field("session_id", &format_args!("{:#018x}", self.session_id))
            .field("requests", &self.requests.len())
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// A new session (a fresh random `session_id`) on `key`, at `now` (`wall` is the wall-clock
    /// time at that instant).
    #[must_use]
    pub fn new(
        config: SessionConfig,
        key: SessionKey,
        now: Instant,
        wall: SystemTime,
        entropy: Entropy,
    ) -> Self {
        let mut random = Random::from(entropy);
        let session_id = i64::from_le_bytes(random.array());
        let span = info_span!(
            "mtproto_session",
            auth_key_id = format_args!("{:#018x}", key.auth_key.id()),
            session_id = format_args!("{session_id:#018x}")
        );
        ClientSession {
            config,
            auth_key: key.auth_key,
            salt: key.salt,
            time_offset: key.time_offset,
            session_id,
            clock: Clock::new(now, wall),
            random,
            msg_ids: MsgIdGenerator::default(),
            seq: 0,
            next_request: 0,
            requests: BTreeMap::new(),
            by_msg_id: BTreeMap::new(),
            recent: BTreeMap::new(),
            queue: VecDeque::new(),
            rewrap: BTreeSet::new(),
            acks: Vec::new(),
            ack_deadline: None,
            flush_acks: false,
            service_out: Vec::new(),
            received: ReceivedIds::default(),
            events: VecDeque::new(),
            initialized: false,
            closed: false,
            span,
        }
    }

    /// The authorization key.
    #[must_use]
    pub fn auth_key(&self) -> &AuthKey {
        &self.auth_key
    }

    /// The server salt in use (persist it with the key).
    #[must_use]
    pub fn salt(&self) -> i64 {
        self.salt
    }

    /// Seconds added to the local clock to get the server's (persist it with the key).
    #[must_use]
    pub fn time_offset(&self) -> i64 {
        self.time_offset
    }

    /// What to persist: key, salt, clock offset.
    #[must_use]
    pub fn session_key(&self) -> SessionKey {
        SessionKey {
            auth_key: self.auth_key.clone(),
            salt: self.salt,
            time_offset: self.time_offset,
        }
    }

    /// This session's id.
    #[must_use]
    pub fn session_id(&self) -> i64 {
        self.session_id
    }

    /// Whether no request is waiting for its answer.
    #[must_use]
    pub fn is_idle(&self) -> bool {
        self.requests.is_empty()
    }

    /// Queues an API call (its TL bytes) for sending. The first calls of the session go out
    /// wrapped in `invokeWithLayer(layer, initConnection(…))`, until one is answered.
    ///
    /// # Errors
    ///
    /// [`UsageError::BadBody`], [`UsageError::BodyTooLarge`] or [`UsageError::Closed`].
    pub fn send(&mut self, now: Instant, body: Vec<u8>) -> Result<RequestId, UsageError> {
        if self.closed {
            return Err(UsageError::Closed);
        }
        check_body(&body)?;
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.requests.insert(
            id,
            Request {
                query: body,
                body: None,
                wire: None,
                acked: false,
                transmissions: 0,
                created: now,
            },
        );
        self.queue.push_back(id);
        Ok(id)
    }

    /// Ends the session: every request still waiting fails with [`RequestError::Closed`] (for
    /// example after the server said `-404`: the key is gone, and so is the session).
    pub fn close(&mut self) {
        self.closed = true;
        let pending: Vec<RequestId> = self.requests.keys().copied().collect();
        for id in pending {
            self.fail(id, RequestError::Closed);
        }
        self.queue.clear();
        self.rewrap.clear();
    }

    /// The connection was replaced: everything not answered yet is sent again on the next
    /// [`ClientSession::poll_transmit`] (under its old msg_id, so the server answers it only once).
    pub fn handle_reconnect(&mut self, now: Instant) {
        let _entered = self.span.clone().entered();
        let sent: Vec<RequestId> = self
            .requests
            .iter()
            .filter(|(_, r)| r.wire.is_some())
            .map(|(id, _)| *id)
            .collect();
        debug!(
            requests = sent.len(),
            "reconnected: resending what has no answer"
        );
        for id in sent {
            self.resend_same_id(now, id);
        }
    }

    /// Sends acknowledgements and resends requests whose time has come.
    pub fn handle_timeout(&mut self, now: Instant) {
        let _entered = self.span.clone().entered();
        if self.ack_deadline.is_some_and(|d| d <= now) {
            self.flush_acks = true;
            self.ack_deadline = None;
        }
        let overdue: Vec<RequestId> = self
            .requests
            .iter()
            .filter(|(_, r)| {
                !r.acked
                    && r.wire
                        .and_then(|w| w.sent_at.checked_add(self.config.resend_after))
                        .is_some_and(|due| due <= now)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in overdue {
            debug!(request = id.0, "no answer or acknowledgement: resending");
            self.resend_same_id(now, id);
        }
    }

    /// When [`ClientSession::handle_timeout`] should next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let resend = self
            .requests
            .values()
            .filter(|r| !r.acked)
            .filter_map(|r| r.wire?.sent_at.checked_add(self.config.resend_after))
            .min();
        match (resend, self.ack_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next event for the owner.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next packet to send (encrypted, to be framed by a transport): queued requests,
    /// resends, acknowledgements and service answers, in a container when there are several.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        if self.closed {
            return None;
        }
        let _entered = self.span.clone().entered();
        // (msg_id, seqno, body, reused id)
        let mut messages: Vec<(i64, i32, Vec<u8>, bool)> = Vec::new();
        let mut bytes = 0usize;
        let room = |messages: &Vec<(i64, i32, Vec<u8>, bool)>, bytes: usize| {
            messages.len() + 2 < MAX_CONTAINER_MESSAGES && bytes < MAX_CONTAINER_BYTES
        };

        // Requests resent under their old id.
        let rewrap = std::mem::take(&mut self.rewrap);
        for id in rewrap {
            let Some(request) = self.requests.get_mut(&id) else {
                continue;
            };
            let (Some(wire), Some(body)) = (request.wire, request.body.clone()) else {
                self.queue.push_back(id);
                continue;
            };
            if !room(&messages, bytes) {
                self.rewrap.insert(id);
                continue;
            }
            request.wire = Some(Wire {
                sent_at: now,
                ..wire
            });
            bytes += body.len();
            messages.push((wire.msg_id, wire.seqno, body, true));
        }

        // Requests sent under a new id.
        while let Some(id) = self.queue.pop_front() {
            if !room(&messages, bytes) {
                self.queue.push_front(id);
                break;
            }
            let Some(request) = self.requests.get_mut(&id) else {
                continue;
            };
            if request.transmissions >= self.config.max_transmissions {
                self.fail(id, RequestError::TooManyAttempts);
                continue;
            }
            let body = match &request.body {
                Some(body) => body.clone(),
                None => {
                    let body = if self.initialized || service::is_service_function(&request.query) {
                        request.query.clone()
                    } else {
                        wrap_init_connection(
                            self.config.layer,
                            &self.config.client_info,
                            &request.query,
                        )
                    };
                    request.body = Some(body.clone());
                    body
                }
            };
            let msg_id = self
                .msg_ids
                .next(self.clock.msg_id_time(now, self.time_offset), 0);
            let seqno = (self.seq * 2 + 1) as i32;
            self.seq += 1;
            let request = self.requests.get_mut(&id).expect("present above");
            if let Some(old) = request.wire.replace(Wire {
                msg_id,
                seqno,
                sent_at: now,
            }) {
                self.by_msg_id.remove(&old.msg_id);
            }
            request.transmissions += 1;
            request.acked = false;
            self.by_msg_id.insert(msg_id, id);
            debug!(
                request = id.0,
                msg_id,
                attempt = request.transmissions,
                "request sent"
            );
            bytes += body.len();
            messages.push((msg_id, seqno, body, false));
        }

        for body in std::mem::take(&mut self.service_out) {
            let msg_id = self
                .msg_ids
                .next(self.clock.msg_id_time(now, self.time_offset), 0);
            messages.push((msg_id, (self.seq * 2) as i32, body, false));
        }

        let ack_now = !self.acks.is_empty()
            && (!messages.is_empty() || self.flush_acks || self.acks.len() > ACK_BATCH);
        if ack_now {
            let take = self.acks.len().min(MAX_IDS);
            let ids: Vec<i64> = self.acks.drain(..take).collect();
            let msg_id = self
                .msg_ids
                .next(self.clock.msg_id_time(now, self.time_offset), 0);
            messages.push((msg_id, (self.seq * 2) as i32, msgs_ack(&ids), false));
            if self.acks.is_empty() {
                self.ack_deadline = None;
                self.flush_acks = false;
            }
        }

        let (msg_id, seqno, body) = match messages.len() {
            0 => return None,
            1 if !messages[0].3 => {
                let (msg_id, seqno, body, _) = messages.pop().expect("one message");
                self.remember(msg_id, Vec::new());
                (msg_id, seqno, body)
            }
            _ => {
                let list: Vec<(i64, i32, &[u8])> = messages
                    .iter()
                    .map(|(m, s, b, _)| (*m, *s, b.as_slice()))
                    .collect();
                let container = service::container_of(&list);
                let msg_id = self
                    .msg_ids
                    .next(self.clock.msg_id_time(now, self.time_offset), 0);
                self.remember(msg_id, messages.iter().map(|m| m.0).collect());
                (msg_id, (self.seq * 2) as i32, container)
            }
        };
        Some(seal(
            &self.auth_key,
            Direction::ClientToServer,
            self.salt,
            self.session_id,
            msg_id,
            seqno,
            &body,
            &mut self.random,
        ))
    }

    fn remember(&mut self, msg_id: i64, inner: Vec<i64>) {
        self.recent.insert(msg_id, inner);
        while self.recent.len() > RECENT_SENT {
            self.recent.pop_first();
        }
    }

    fn server_now(&self, now: Instant) -> i64 {
        self.clock.unix_secs(now).saturating_add(self.time_offset)
    }

    fn fail(&mut self, id: RequestId, error: RequestError) {
        if let Some(request) = self.requests.remove(&id) {
            if let Some(wire) = request.wire {
                self.by_msg_id.remove(&wire.msg_id);
            }
            debug!(request = id.0, %error, "request failed");
            self.queue.retain(|q| *q != id);
            self.rewrap.remove(&id);
            self.events.push_back(Event::Failed { id, error });
        }
    }

    /// Starts over with a new session id: new message ids, sequence numbers and
    /// `initConnection`. The `refused` requests (the server said it did not run them) and those
    /// never sent go out again in the new session; any other request already sent may have been
    /// run by the server, so it fails with [`RequestError::SessionRestarted`] rather than run
    /// twice.
    fn start_new_session(&mut self, refused: &[RequestId]) {
        let maybe_run: Vec<RequestId> = self
            .requests
            .iter()
            .filter(|(id, r)| r.wire.is_some() && !refused.contains(id))
            .map(|(id, _)| *id)
            .collect();
        for id in maybe_run {
            self.fail(id, RequestError::SessionRestarted);
        }
        self.session_id = i64::from_le_bytes(self.random.array());
        debug!(session_id = self.session_id, "starting a new session");
        self.msg_ids = MsgIdGenerator::default();
        self.seq = 0;
        self.initialized = false;
        self.received = ReceivedIds::default();
        self.recent.clear();
        self.by_msg_id.clear();
        self.acks.clear();
        self.ack_deadline = None;
        self.service_out.clear();
        self.rewrap.clear();
        self.queue.clear();
        for (id, request) in &mut self.requests {
            request.wire = None;
            request.body = None;
            request.acked = false;
            self.queue.push_back(*id);
        }
    }

    /// The message was refused and not processed: send it again with a new msg_id.
    fn resend_new_id(&mut self, id: RequestId) {
        if let Some(request) = self.requests.get_mut(&id) {
            if let Some(wire) = request.wire.take() {
                self.by_msg_id.remove(&wire.msg_id);
            }
            self.rewrap.remove(&id);
            if !self.queue.contains(&id) {
                self.queue.push_back(id);
            }
        }
    }

    /// The message may have been lost: send it again under its msg_id in a new container, unless
    /// the id is too old for the server to take.
    fn resend_same_id(&mut self, now: Instant, id: RequestId) {
        let Some(request) = self.requests.get(&id) else {
            return;
        };
        let Some(wire) = request.wire else {
            return;
        };
        if request.transmissions >= self.config.max_transmissions {
            self.fail(id, RequestError::TooManyAttempts);
            return;
        }
        if self.server_now(now) - msg_id_secs(wire.msg_id) > REWRAP_MAX_AGE_SECS {
            self.resend_new_id(id);
        } else if let Some(request) = self.requests.get_mut(&id) {
            request.transmissions += 1;
            self.rewrap.insert(id);
        }
    }
}
