//! What a client session does with what the server sends: the checks on each packet, answers,
//! acknowledgements, notifications about its own messages, service messages and updates.

use std::time::Instant;

use tracing::{debug, trace, warn};

use super::{ClientSession, MAX_ID_LEAD_SECS};
use crate::clock::msg_id_secs;
use crate::crypto::Direction;
use crate::session::envelope::open;
use crate::session::received::Seen;
use crate::session::{
    Event, PacketError, RequestError, RequestId, WINDOW_FUTURE_SECS, WINDOW_PAST_SECS,
    is_content_related,
};
use crate::tl::gzip;
use crate::tl::id;
use crate::tl::service::{self, Body, Inner, msg_resend_req, msgs_state_info};

impl ClientSession {
    /// Handles one packet from the server.
    ///
    /// # Errors
    ///
    /// A [`PacketError`] for a packet that fails a check; nothing in it was used.
    pub fn handle_packet(&mut self, now: Instant, packet: &[u8]) -> Result<(), PacketError> {
        if self.closed {
            return Ok(());
        }
        let _entered = self.span.clone().entered();
        let opened = open(&self.auth_key, Direction::ServerToClient, packet)?;
        if opened.session_id != self.session_id {
            return Err(PacketError::WrongSession {
                found: opened.session_id,
            });
        }
        if opened.msg_id % 2 == 0 {
            return Err(PacketError::BadMsgIdParity(opened.msg_id));
        }
        let body = Body::decode(&opened.body)?;
        let inner = match &body {
            Body::Container(inner) => {
                check_container(opened.msg_id, inner)?;
                inner
                    .iter()
                    .map(|m| Ok((*m, Body::decode(m.body)?)))
                    .collect::<Result<Vec<_>, PacketError>>()?
            }
            _ => Vec::new(),
        };
        if !self.in_time_window(now, opened.msg_id) && !self.may_fix_clock(&body, &inner) {
            return Err(PacketError::MsgIdOutOfWindow(opened.msg_id));
        }
        match self.received.insert(opened.msg_id) {
            Seen::New => {}
            seen => {
                trace!(msg_id = opened.msg_id, ?seen, "ignored a repeated message");
                return Ok(());
            }
        }
        if inner.is_empty() {
            self.handle_message(now, opened.msg_id, opened.seqno, &opened.body, 0)
        } else {
            for (message, _) in inner {
                if self.received.insert(message.msg_id) != Seen::New {
                    continue;
                }
                self.handle_message(now, message.msg_id, message.seqno, message.body, 0)?;
            }
            Ok(())
        }
    }

    fn in_time_window(&self, now: Instant, msg_id: i64) -> bool {
        let server_now = self.server_now(now);
        let secs = msg_id_secs(msg_id);
        secs >= server_now - WINDOW_PAST_SECS && secs <= server_now + WINDOW_FUTURE_SECS
    }

    /// Whether a message that looks out of time may still be handled: notifications about a
    /// message we sent (they are how a wrong clock or salt gets fixed), alone or with acks.
    fn may_fix_clock(&self, body: &Body<'_>, inner: &[(Inner<'_>, Body<'_>)]) -> bool {
        let ours = |body: &Body<'_>| match body {
            Body::BadMsg { bad_msg_id, .. } => {
                self.by_msg_id.contains_key(bad_msg_id) || self.recent.contains_key(bad_msg_id)
            }
            _ => false,
        };
        if inner.is_empty() {
            ours(body)
        } else {
            inner.iter().any(|(_, b)| ours(b))
                && inner
                    .iter()
                    .all(|(_, b)| ours(b) || matches!(b, Body::Ack(_)))
        }
    }

    fn ack(&mut self, now: Instant, msg_id: i64, seqno: i32) {
        if !is_content_related(seqno) {
            return;
        }
        self.acks.push(msg_id);
        if self.ack_deadline.is_none() {
            // A delay past the end of time: the acks ride with the next message instead.
            self.ack_deadline = now.checked_add(self.config.ack_delay);
        }
    }

    fn handle_message(
        &mut self,
        now: Instant,
        msg_id: i64,
        seqno: i32,
        raw: &[u8],
        depth: u8,
    ) -> Result<(), PacketError> {
        match Body::decode(raw)? {
            Body::Container(_) => return Err(PacketError::BadContainer),
            Body::RpcResult { req_msg_id, result } => {
                self.ack(now, msg_id, seqno);
                self.on_rpc_result(now, req_msg_id, result);
            }
            Body::Ack(ids) => {
                for id in ids {
                    self.on_acked(id);
                }
            }
            Body::BadMsg {
                bad_msg_id,
                error_code,
                new_server_salt,
                ..
            } => self.on_bad_msg(now, msg_id, bad_msg_id, error_code, new_server_salt),
            Body::StateReq(ids) => {
                self.ack(now, msg_id, seqno);
                let info: Vec<u8> = ids.iter().map(|&id| self.received.state(id)).collect();
                self.service_out.push(msgs_state_info(msg_id, &info));
            }
            Body::DetailedInfo {
                msg_id: ours,
                answer_msg_id,
            } => {
                if let Some(id) = ours.and_then(|m| self.by_msg_id.get(&m))
                    && let Some(request) = self.requests.get_mut(id)
                {
                    request.acked = true;
                }
                if self.received.contains(answer_msg_id) {
                    self.ack(now, answer_msg_id, 1);
                } else {
                    self.service_out.push(msg_resend_req(&[answer_msg_id]));
                }
            }
            Body::ResendReq(ids) => {
                for msg in ids {
                    if let Some(&id) = self.by_msg_id.get(&msg) {
                        self.resend_same_id(now, id);
                    }
                }
            }
            Body::FutureSalts {
                req_msg_id,
                now: server_now,
                salts,
            } => {
                if let Some(salt) = salts
                    .iter()
                    .find(|s| s.valid_since <= server_now && server_now < s.valid_until)
                {
                    self.set_salt(salt.salt);
                }
                self.answer(now, req_msg_id, Ok(raw.to_vec()));
            }
            Body::Pong {
                msg_id: ping_msg_id,
                ..
            } => {
                self.answer(now, ping_msg_id, Ok(raw.to_vec()));
            }
            Body::NewSession {
                first_msg_id,
                unique_id,
                server_salt,
            } => {
                self.ack(now, msg_id, seqno);
                debug!(unique_id, "the server created a new session");
                self.set_salt(server_salt);
                self.events
                    .push_back(Event::ServerSessionCreated { unique_id });
                // What we sent before the session began on the server is lost with the old one.
                let lost: Vec<RequestId> = self
                    .by_msg_id
                    .range(..first_msg_id)
                    .map(|(_, id)| *id)
                    .collect();
                for id in lost {
                    self.resend_new_id(id);
                }
            }
            Body::Gzip(packed) => {
                if depth > 0 {
                    return Err(PacketError::BadContainer);
                }
                let unpacked = gzip::unpack(packed)?;
                return self.handle_message(now, msg_id, seqno, &unpacked, depth + 1);
            }
            Body::Ping { ping_id } => {
                self.service_out.push(service::pong(msg_id, ping_id));
            }
            Body::StateInfo { .. }
            | Body::AllInfo
            | Body::GetFutureSalts { .. }
            | Body::RpcDropAnswer { .. }
            | Body::DestroySession { .. }
            | Body::HttpWait => {
                self.ack(now, msg_id, seqno);
            }
            Body::Other(update) => {
                self.ack(now, msg_id, seqno);
                trace!(msg_id, len = update.len(), "update");
                self.events.push_back(Event::Update(update.to_vec()));
            }
        }
        Ok(())
    }

    fn set_salt(&mut self, salt: i64) {
        if salt != self.salt {
            self.salt = salt;
            self.events.push_back(Event::SaltChanged(salt));
        }
    }

    fn on_acked(&mut self, msg_id: i64) {
        let inner = self.recent.get(&msg_id).cloned().unwrap_or_default();
        for m in std::iter::once(msg_id).chain(inner) {
            if let Some(id) = self.by_msg_id.get(&m)
                && let Some(request) = self.requests.get_mut(id)
            {
                request.acked = true;
            }
        }
    }

    fn on_rpc_result(&mut self, now: Instant, req_msg_id: i64, result: &[u8]) {
        let unpacked = unpack_result(result);
        if let (Some(id), Ok(body)) = (self.by_msg_id.get(&req_msg_id), &unpacked) {
            let wrapped = self
                .requests
                .get(id)
                .is_some_and(|r| r.body.as_ref() != Some(&r.query));
            if wrapped && service::read_rpc_error(body).is_none() {
                self.initialized = true;
            }
        }
        self.answer(now, req_msg_id, unpacked);
    }

    /// Ends the request sent as `req_msg_id` with `result`; a result for anything else (a
    /// repeat, or something never sent) is ignored.
    fn answer(&mut self, now: Instant, req_msg_id: i64, result: Result<Vec<u8>, RequestError>) {
        let Some(id) = self.by_msg_id.remove(&req_msg_id) else {
            trace!(req_msg_id, "answer to nothing pending");
            return;
        };
        let Some(request) = self.requests.remove(&id) else {
            return;
        };
        self.queue.retain(|q| *q != id);
        self.rewrap.remove(&id);
        let elapsed_ms = now.saturating_duration_since(request.created).as_millis() as u64;
        match result {
            Ok(body) => {
                debug!(request = id.0, msg_id = req_msg_id, elapsed_ms, "answered");
                self.events.push_back(Event::Response { id, body });
            }
            Err(error) => {
                warn!(request = id.0, %error, "answer unusable");
                self.events.push_back(Event::Failed { id, error });
            }
        }
    }

    /// Requests affected by a notification about `msg_id` (the message itself, or a container's
    /// contents).
    fn affected(&self, msg_id: i64) -> Vec<RequestId> {
        let mut ids: Vec<RequestId> = self.by_msg_id.get(&msg_id).copied().into_iter().collect();
        if let Some(inner) = self.recent.get(&msg_id) {
            ids.extend(inner.iter().filter_map(|m| self.by_msg_id.get(m).copied()));
        }
        ids
    }

    fn on_bad_msg(
        &mut self,
        now: Instant,
        notification_id: i64,
        bad_msg_id: i64,
        code: i32,
        new_salt: Option<i64>,
    ) {
        let ours =
            self.by_msg_id.contains_key(&bad_msg_id) || self.recent.contains_key(&bad_msg_id);
        if !ours {
            debug!(
                bad_msg_id,
                code, "notification about a message we did not send: ignored"
            );
            return;
        }
        let affected = self.affected(bad_msg_id);
        debug!(
            bad_msg_id,
            code,
            requests = affected.len(),
            "bad_msg_notification"
        );
        match (code, new_salt) {
            (48, Some(salt)) => self.set_salt(salt),
            (16 | 17, _) => {
                let offset = msg_id_secs(notification_id) - self.clock.unix_secs(now);
                if offset != self.time_offset {
                    self.time_offset = offset;
                    self.events.push_back(Event::TimeOffsetChanged(offset));
                }
                // Ids must keep increasing within a session; if the ids already used lie ahead
                // of the corrected time, continuing from them would be refused again.
                let corrected = self.clock.msg_id_time(now, offset);
                if self.msg_ids.last() > corrected + (MAX_ID_LEAD_SECS << 32) {
                    self.start_new_session(&affected);
                    return;
                }
            }
            (20, _) => {}
            (32, _) => self.seq += 64,
            (33, _) => self.seq = self.seq.saturating_sub(16),
            (code, _) => {
                for id in affected {
                    self.fail(id, RequestError::Rejected { code });
                }
                return;
            }
        }
        for id in affected {
            self.resend_new_id(id);
        }
    }
}

/// An RPC result with `gzip_packed` taken off.
fn unpack_result(result: &[u8]) -> Result<Vec<u8>, RequestError> {
    if result.get(..4) != Some(&id::GZIP_PACKED.to_le_bytes()[..]) {
        return Ok(result.to_vec());
    }
    let mut r = tl_codec::Reader::new(&result[4..]);
    let packed = r
        .bytes_ref()
        .and_then(|packed| r.finish().map(|()| packed))
        .map_err(|_| RequestError::BadResult(gzip::GzipError::Corrupt))?;
    gzip::unpack(packed).map_err(RequestError::BadResult)
}

/// A container's messages all have ids below the container's, and the parity of server messages.
fn check_container(container_id: i64, inner: &[Inner<'_>]) -> Result<(), PacketError> {
    for message in inner {
        if message.msg_id >= container_id {
            return Err(PacketError::BadContainer);
        }
        if message.msg_id % 2 == 0 {
            return Err(PacketError::BadMsgIdParity(message.msg_id));
        }
    }
    Ok(())
}
