//! Service messages (mtproto/service_messages, service_messages_about_messages): what a session
//! reads out of a message body before anything is handed to its owner, and what it writes.

use tl_codec::{DecodeError, Reader, write};

use super::id;

/// At most this many messages in one container (mtproto/service_messages).
pub(crate) const MAX_CONTAINER_MESSAGES: usize = 1024;
/// At most this many ids in one `msgs_ack`, `msgs_state_req` or `msg_resend_req`.
pub(crate) const MAX_IDS: usize = 8192;

/// One message of a container: `message msg_id:long seqno:int bytes:int body:Object`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Inner<'a> {
    pub(crate) msg_id: i64,
    pub(crate) seqno: i32,
    pub(crate) body: &'a [u8],
}

/// One `future_salt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FutureSalt {
    pub(crate) valid_since: i32,
    pub(crate) valid_until: i32,
    pub(crate) salt: i64,
}

/// A message body, sorted into the service messages a session handles itself and everything
/// else (`Other`: API calls on the server, results and updates on the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body<'a> {
    Container(Vec<Inner<'a>>),
    RpcResult {
        req_msg_id: i64,
        result: &'a [u8],
    },
    Ack(Vec<i64>),
    BadMsg {
        bad_msg_id: i64,
        bad_msg_seqno: i32,
        error_code: i32,
        new_server_salt: Option<i64>,
    },
    StateReq(Vec<i64>),
    StateInfo {
        req_msg_id: i64,
    },
    AllInfo,
    DetailedInfo {
        msg_id: Option<i64>,
        answer_msg_id: i64,
    },
    ResendReq(Vec<i64>),
    FutureSalts {
        req_msg_id: i64,
        now: i32,
        salts: Vec<FutureSalt>,
    },
    Pong {
        msg_id: i64,
        ping_id: i64,
    },
    NewSession {
        first_msg_id: i64,
        unique_id: i64,
        server_salt: i64,
    },
    Gzip(&'a [u8]),
    Ping {
        ping_id: i64,
    },
    GetFutureSalts {
        num: i32,
    },
    RpcDropAnswer {
        req_msg_id: i64,
    },
    DestroySession {
        session_id: i64,
    },
    HttpWait,
    Other(&'a [u8]),
}

fn ids(r: &mut Reader<'_>) -> Result<Vec<i64>, DecodeError> {
    let ids = r.vector(Reader::i64)?;
    if ids.len() > MAX_IDS {
        return Err(DecodeError::VectorTooLong(
            ids.len().try_into().unwrap_or(u32::MAX),
        ));
    }
    Ok(ids)
}

fn container<'a>(r: &mut Reader<'a>) -> Result<Vec<Inner<'a>>, DecodeError> {
    // A bare `vector<message>`: a count, then the messages.
    let count = r.u32()?;
    let count_usize = usize::try_from(count).unwrap_or(usize::MAX);
    // Each message takes at least 16 bytes of header.
    if count_usize > MAX_CONTAINER_MESSAGES || count_usize.saturating_mul(16) > r.remaining().len()
    {
        return Err(DecodeError::VectorTooLong(count));
    }
    let mut messages = Vec::with_capacity(count_usize);
    for _ in 0..count {
        let msg_id = r.i64()?;
        let seqno = r.i32()?;
        let len = r.i32()?;
        let rest = r.remaining();
        let len = usize::try_from(len).map_err(|_| DecodeError::UnexpectedEof)?;
        if len > rest.len() || len % 4 != 0 {
            return Err(DecodeError::UnexpectedEof);
        }
        let (body, _) = rest.split_at(len);
        // Advance the reader past the body.
        for _ in 0..len / 4 {
            r.u32()?;
        }
        messages.push(Inner {
            msg_id,
            seqno,
            body,
        });
    }
    Ok(messages)
}

impl<'a> Body<'a> {
    /// Sorts `body`. A service message must be whole (no trailing bytes); anything with an
    /// unknown constructor is `Other`.
    pub(crate) fn decode(body: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let decoded = match r.u32()? {
            id::MSG_CONTAINER => Body::Container(container(&mut r)?),
            id::RPC_RESULT => {
                let req_msg_id = r.i64()?;
                let result = r.remaining();
                if result.len() < 4 {
                    return Err(DecodeError::UnexpectedEof);
                }
                return Ok(Body::RpcResult { req_msg_id, result });
            }
            id::MSGS_ACK => Body::Ack(ids(&mut r)?),
            id::BAD_MSG_NOTIFICATION => Body::BadMsg {
                bad_msg_id: r.i64()?,
                bad_msg_seqno: r.i32()?,
                error_code: r.i32()?,
                new_server_salt: None,
            },
            id::BAD_SERVER_SALT => Body::BadMsg {
                bad_msg_id: r.i64()?,
                bad_msg_seqno: r.i32()?,
                error_code: r.i32()?,
                new_server_salt: Some(r.i64()?),
            },
            id::MSGS_STATE_REQ => Body::StateReq(ids(&mut r)?),
            id::MSGS_STATE_INFO => {
                let req_msg_id = r.i64()?;
                r.bytes_ref()?;
                Body::StateInfo { req_msg_id }
            }
            id::MSGS_ALL_INFO => {
                ids(&mut r)?;
                r.bytes_ref()?;
                Body::AllInfo
            }
            id::MSG_DETAILED_INFO => {
                let msg_id = r.i64()?;
                let answer_msg_id = r.i64()?;
                r.i32()?;
                r.i32()?;
                Body::DetailedInfo {
                    msg_id: Some(msg_id),
                    answer_msg_id,
                }
            }
            id::MSG_NEW_DETAILED_INFO => {
                let answer_msg_id = r.i64()?;
                r.i32()?;
                r.i32()?;
                Body::DetailedInfo {
                    msg_id: None,
                    answer_msg_id,
                }
            }
            id::MSG_RESEND_REQ => Body::ResendReq(ids(&mut r)?),
            id::FUTURE_SALTS => {
                let req_msg_id = r.i64()?;
                let now = r.i32()?;
                // `vector<future_salt>`: a bare vector of bare items (no ids).
                let count = r.u32()?;
                if usize::try_from(count)
                    .unwrap_or(usize::MAX)
                    .saturating_mul(16)
                    > r.remaining().len()
                {
                    return Err(DecodeError::VectorTooLong(count));
                }
                let mut salts = Vec::new();
                for _ in 0..count {
                    salts.push(FutureSalt {
                        valid_since: r.i32()?,
                        valid_until: r.i32()?,
                        salt: r.i64()?,
                    });
                }
                Body::FutureSalts {
                    req_msg_id,
                    now,
                    salts,
                }
            }
            id::PONG => Body::Pong {
                msg_id: r.i64()?,
                ping_id: r.i64()?,
            },
            id::NEW_SESSION_CREATED => Body::NewSession {
                first_msg_id: r.i64()?,
                unique_id: r.i64()?,
                server_salt: r.i64()?,
            },
            id::GZIP_PACKED => Body::Gzip(r.bytes_ref()?),
            id::PING => Body::Ping { ping_id: r.i64()? },
            id::PING_DELAY_DISCONNECT => {
                let ping_id = r.i64()?;
                r.i32()?;
                Body::Ping { ping_id }
            }
            id::GET_FUTURE_SALTS => Body::GetFutureSalts { num: r.i32()? },
            id::RPC_DROP_ANSWER => Body::RpcDropAnswer {
                req_msg_id: r.i64()?,
            },
            id::DESTROY_SESSION => Body::DestroySession {
                session_id: r.i64()?,
            },
            id::HTTP_WAIT => {
                r.i32()?;
                r.i32()?;
                r.i32()?;
                Body::HttpWait
            }
            _ => return Ok(Body::Other(body)),
        };
        r.finish()?;
        Ok(decoded)
    }
}

/// Whether `body` calls an MTProto service function (`ping`, `get_future_salts`, …) rather than
/// the API: those are never wrapped in `invokeWithLayer`.
pub(crate) fn is_service_function(body: &[u8]) -> bool {
    let Some(head) = body.get(..4) else {
        return false;
    };
    let id = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    matches!(
        id,
        id::PING
            | id::PING_DELAY_DISCONNECT
            | id::GET_FUTURE_SALTS
            | id::DESTROY_SESSION
            | id::RPC_DROP_ANSWER
    )
}

/// `msgs_ack`.
pub(crate) fn msgs_ack(msg_ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + msg_ids.len() * 8 + 4);
    write::u32(&mut out, id::MSGS_ACK);
    write::vector(&mut out, msg_ids, |out, id| write::i64(out, *id));
    out
}

/// `msg_container` of already-encoded messages.
pub(crate) fn container_of(messages: &[(i64, i32, &[u8])]) -> Vec<u8> {
    let len: usize = messages.iter().map(|(_, _, b)| 16 + b.len()).sum();
    let mut out = Vec::with_capacity(8 + len);
    write::u32(&mut out, id::MSG_CONTAINER);
    write::u32(&mut out, u32::try_from(messages.len()).unwrap_or(u32::MAX));
    for (msg_id, seqno, body) in messages {
        write::i64(&mut out, *msg_id);
        write::i32(&mut out, *seqno);
        write::i32(&mut out, i32::try_from(body.len()).unwrap_or(i32::MAX));
        out.extend_from_slice(body);
    }
    out
}

/// `rpc_result` around an already-encoded result.
pub(crate) fn rpc_result(req_msg_id: i64, result: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + result.len());
    write::u32(&mut out, id::RPC_RESULT);
    write::i64(&mut out, req_msg_id);
    out.extend_from_slice(result);
    out
}

/// `rpc_error`.
pub(crate) fn rpc_error(code: i32, message: &str) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::RPC_ERROR);
    write::i32(&mut out, code);
    write::bytes(&mut out, message.as_bytes());
    out
}

/// `bad_msg_notification`, or `bad_server_salt` when a new salt is given.
pub(crate) fn bad_msg(
    bad_msg_id: i64,
    bad_msg_seqno: i32,
    error_code: i32,
    new_salt: Option<i64>,
) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(
        &mut out,
        if new_salt.is_some() {
            id::BAD_SERVER_SALT
        } else {
            id::BAD_MSG_NOTIFICATION
        },
    );
    write::i64(&mut out, bad_msg_id);
    write::i32(&mut out, bad_msg_seqno);
    write::i32(&mut out, error_code);
    if let Some(salt) = new_salt {
        write::i64(&mut out, salt);
    }
    out
}

/// `msgs_state_info` with one status byte per asked id.
pub(crate) fn msgs_state_info(req_msg_id: i64, info: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::MSGS_STATE_INFO);
    write::i64(&mut out, req_msg_id);
    write::bytes(&mut out, info);
    out
}

/// `msg_resend_req`.
pub(crate) fn msg_resend_req(msg_ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::MSG_RESEND_REQ);
    write::vector(&mut out, msg_ids, |out, id| write::i64(out, *id));
    out
}

/// `pong`.
pub(crate) fn pong(msg_id: i64, ping_id: i64) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::PONG);
    write::i64(&mut out, msg_id);
    write::i64(&mut out, ping_id);
    out
}

/// `new_session_created`.
pub(crate) fn new_session_created(first_msg_id: i64, unique_id: i64, server_salt: i64) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::NEW_SESSION_CREATED);
    write::i64(&mut out, first_msg_id);
    write::i64(&mut out, unique_id);
    write::i64(&mut out, server_salt);
    out
}

/// `future_salts` with the given salts.
pub(crate) fn future_salts(req_msg_id: i64, now: i32, salts: &[FutureSalt]) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::FUTURE_SALTS);
    write::i64(&mut out, req_msg_id);
    write::i32(&mut out, now);
    write::u32(&mut out, u32::try_from(salts.len()).unwrap_or(u32::MAX));
    for salt in salts {
        write::i32(&mut out, salt.valid_since);
        write::i32(&mut out, salt.valid_until);
        write::i64(&mut out, salt.salt);
    }
    out
}

/// `destroy_session_ok` / `destroy_session_none`.
pub(crate) fn destroy_session_res(session_id: i64, existed: bool) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(
        &mut out,
        if existed {
            id::DESTROY_SESSION_OK
        } else {
            id::DESTROY_SESSION_NONE
        },
    );
    write::i64(&mut out, session_id);
    out
}

/// `rpc_answer_unknown`.
pub(crate) fn rpc_answer_unknown() -> Vec<u8> {
    id::RPC_ANSWER_UNKNOWN.to_le_bytes().to_vec()
}

/// `gzip_packed` around already-compressed bytes.
pub(crate) fn gzip_packed(packed: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(packed.len() + 8);
    write::u32(&mut out, id::GZIP_PACKED);
    write::bytes(&mut out, packed);
    out
}

/// `rpc_error`'s code and message, if `body` is one.
pub(crate) fn read_rpc_error(body: &[u8]) -> Option<(i32, String)> {
    let mut r = Reader::new(body);
    if r.u32().ok()? != id::RPC_ERROR {
        return None;
    }
    let code = r.i32().ok()?;
    let message = r.string().ok()?;
    r.finish().ok()?;
    Some((code, message))
}

/// `ping` (for tests and a keep-alive of the caller's).
#[cfg(test)]
pub(crate) fn ping(ping_id: i64) -> Vec<u8> {
    let mut out = Vec::new();
    write::u32(&mut out, id::PING);
    write::i64(&mut out, ping_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_messages_round_trip() {
        assert_eq!(
            Body::decode(&msgs_ack(&[4, 8])).unwrap(),
            Body::Ack(vec![4, 8])
        );
        assert_eq!(
            Body::decode(&bad_msg(12, 3, 48, Some(-5))).unwrap(),
            Body::BadMsg {
                bad_msg_id: 12,
                bad_msg_seqno: 3,
                error_code: 48,
                new_server_salt: Some(-5)
            }
        );
        assert_eq!(
            Body::decode(&new_session_created(1, 2, 3)).unwrap(),
            Body::NewSession {
                first_msg_id: 1,
                unique_id: 2,
                server_salt: 3
            }
        );
        let salts = [FutureSalt {
            valid_since: 1,
            valid_until: 2,
            salt: 3,
        }];
        assert_eq!(
            Body::decode(&future_salts(9, 10, &salts)).unwrap(),
            Body::FutureSalts {
                req_msg_id: 9,
                now: 10,
                salts: salts.to_vec()
            }
        );
        assert_eq!(
            Body::decode(&pong(5, 6)).unwrap(),
            Body::Pong {
                msg_id: 5,
                ping_id: 6
            }
        );
        let result = rpc_result(77, &rpc_error(400, "PHONE_CODE_INVALID"));
        match Body::decode(&result).unwrap() {
            Body::RpcResult { req_msg_id, result } => {
                assert_eq!(req_msg_id, 77);
                assert_eq!(
                    read_rpc_error(result),
                    Some((400, "PHONE_CODE_INVALID".to_owned()))
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn containers_split_into_messages() {
        let a = msgs_ack(&[1]);
        let b = ping(7);
        let c = container_of(&[(4, 0, &a), (8, 1, &b)]);
        let Body::Container(inner) = Body::decode(&c).unwrap() else {
            panic!("not a container")
        };
        assert_eq!(inner.len(), 2);
        assert_eq!(inner[0].body, &a[..]);
        assert_eq!(
            (inner[1].msg_id, inner[1].seqno, inner[1].body),
            (8, 1, &b[..])
        );
        // A body length beyond the input, or not a multiple of 4, is an error.
        let mut bad = c.clone();
        bad[8 + 12] = 0xff;
        assert!(Body::decode(&bad).is_err());
        let mut huge = Vec::new();
        write::u32(&mut huge, id::MSG_CONTAINER);
        write::u32(&mut huge, u32::MAX);
        assert!(Body::decode(&huge).is_err());
    }

    #[test]
    fn other_bodies_pass_through() {
        let update = [0x11, 0x22, 0x33, 0x44, 1, 2, 3, 4];
        assert_eq!(Body::decode(&update).unwrap(), Body::Other(&update));
        assert!(Body::decode(&[1, 2]).is_err());
        let mut trailing = pong(1, 2);
        trailing.extend_from_slice(&[0; 4]);
        assert_eq!(Body::decode(&trailing), Err(DecodeError::TrailingBytes(4)));
    }
}
