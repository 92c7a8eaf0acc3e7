//! The handshake's objects (mtproto/auth_key), as both halves write and read them.

use tl_codec::{DecodeError, Reader, write};
use zeroize::Zeroize;

use super::id;

/// Reads one object from the front of `bytes` and returns it with its encoded length (the
/// handshake hashes exactly the object, not the padding after it).
pub(crate) fn read_prefix<T>(
    bytes: &[u8],
    read: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<(T, usize), DecodeError> {
    let mut r = Reader::new(bytes);
    let value = read(&mut r)?;
    Ok((value, bytes.len() - r.remaining().len()))
}

/// Reads a whole object: trailing bytes are an error.
pub(crate) fn read_whole<T>(
    bytes: &[u8],
    read: impl FnOnce(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let value = read(&mut r)?;
    r.finish()?;
    Ok(value)
}

fn expect_id(r: &mut Reader<'_>, want: u32, name: &'static str) -> Result<(), DecodeError> {
    match r.u32()? {
        found if found == want => Ok(()),
        found => Err(DecodeError::UnknownConstructor {
            id: found,
            expected: name,
        }),
    }
}

/// `req_pq_multi` or the older `req_pq`: the client's first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReqPq {
    pub(crate) multi: bool,
    pub(crate) nonce: [u8; 16],
}

impl ReqPq {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(
            out,
            if self.multi {
                id::REQ_PQ_MULTI
            } else {
                id::REQ_PQ
            },
        );
        write::fixed(out, &self.nonce);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let multi = match r.u32()? {
            id::REQ_PQ_MULTI => true,
            id::REQ_PQ => false,
            other => {
                return Err(DecodeError::UnknownConstructor {
                    id: other,
                    expected: "req_pq_multi",
                });
            }
        };
        Ok(ReqPq {
            multi,
            nonce: r.fixed()?,
        })
    }
}

/// `resPQ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResPq {
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) pq: Vec<u8>,
    pub(crate) fingerprints: Vec<i64>,
}

impl ResPq {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(out, id::RES_PQ);
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::bytes(out, &self.pq);
        write::vector(out, &self.fingerprints, |out, f| write::i64(out, *f));
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        expect_id(r, id::RES_PQ, "resPQ")?;
        Ok(ResPq {
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            pq: r.bytes()?,
            fingerprints: r.vector(Reader::i64)?,
        })
    }
}

/// `p_q_inner_data` in its four forms: `dc` and `expires_in` say which.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PqInnerData {
    pub(crate) pq: Vec<u8>,
    pub(crate) p: Vec<u8>,
    pub(crate) q: Vec<u8>,
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) new_nonce: [u8; 32],
    pub(crate) dc: Option<i32>,
    pub(crate) expires_in: Option<i32>,
}

impl Drop for PqInnerData {
    fn drop(&mut self) {
        self.new_nonce.zeroize();
    }
}

impl core::fmt::Debug for PqInnerData {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PqInnerData")
            .field("dc", &self.dc)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl PqInnerData {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let id = match (self.dc, self.expires_in) {
            (None, None) => id::P_Q_INNER_DATA,
            (Some(_), None) => id::P_Q_INNER_DATA_DC,
            (None, Some(_)) => id::P_Q_INNER_DATA_TEMP,
            (Some(_), Some(_)) => id::P_Q_INNER_DATA_TEMP_DC,
        };
        write::u32(out, id);
        write::bytes(out, &self.pq);
        write::bytes(out, &self.p);
        write::bytes(out, &self.q);
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::fixed(out, &self.new_nonce);
        if let Some(dc) = self.dc {
            write::i32(out, dc);
        }
        if let Some(expires_in) = self.expires_in {
            write::i32(out, expires_in);
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (has_dc, temp) = match r.u32()? {
            id::P_Q_INNER_DATA => (false, false),
            id::P_Q_INNER_DATA_DC => (true, false),
            id::P_Q_INNER_DATA_TEMP => (false, true),
            id::P_Q_INNER_DATA_TEMP_DC => (true, true),
            other => {
                return Err(DecodeError::UnknownConstructor {
                    id: other,
                    expected: "P_Q_inner_data",
                });
            }
        };
        let mut data = PqInnerData {
            pq: r.bytes()?,
            p: r.bytes()?,
            q: r.bytes()?,
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            new_nonce: r.fixed()?,
            dc: None,
            expires_in: None,
        };
        if has_dc {
            data.dc = Some(r.i32()?);
        }
        if temp {
            data.expires_in = Some(r.i32()?);
        }
        Ok(data)
    }
}

/// `req_DH_params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReqDhParams {
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) p: Vec<u8>,
    pub(crate) q: Vec<u8>,
    pub(crate) fingerprint: i64,
    pub(crate) encrypted_data: Vec<u8>,
}

impl ReqDhParams {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(out, id::REQ_DH_PARAMS);
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::bytes(out, &self.p);
        write::bytes(out, &self.q);
        write::i64(out, self.fingerprint);
        write::bytes(out, &self.encrypted_data);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        expect_id(r, id::REQ_DH_PARAMS, "req_DH_params")?;
        Ok(ReqDhParams {
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            p: r.bytes()?,
            q: r.bytes()?,
            fingerprint: r.i64()?,
            encrypted_data: r.bytes()?,
        })
    }
}

/// `Server_DH_Params`: `server_DH_params_ok` carries the encrypted answer, `server_DH_params_fail`
/// a hash of `new_nonce`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServerDhParams {
    Ok {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        encrypted_answer: Vec<u8>,
    },
    Fail {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        new_nonce_hash: [u8; 16],
    },
}

impl ServerDhParams {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        match self {
            ServerDhParams::Ok {
                nonce,
                server_nonce,
                encrypted_answer,
            } => {
                write::u32(out, id::SERVER_DH_PARAMS_OK);
                write::fixed(out, nonce);
                write::fixed(out, server_nonce);
                write::bytes(out, encrypted_answer);
            }
            ServerDhParams::Fail {
                nonce,
                server_nonce,
                new_nonce_hash,
            } => {
                write::u32(out, id::SERVER_DH_PARAMS_FAIL);
                write::fixed(out, nonce);
                write::fixed(out, server_nonce);
                write::fixed(out, new_nonce_hash);
            }
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.u32()? {
            id::SERVER_DH_PARAMS_OK => Ok(ServerDhParams::Ok {
                nonce: r.fixed()?,
                server_nonce: r.fixed()?,
                encrypted_answer: r.bytes()?,
            }),
            id::SERVER_DH_PARAMS_FAIL => Ok(ServerDhParams::Fail {
                nonce: r.fixed()?,
                server_nonce: r.fixed()?,
                new_nonce_hash: r.fixed()?,
            }),
            other => Err(DecodeError::UnknownConstructor {
                id: other,
                expected: "Server_DH_Params",
            }),
        }
    }
}

/// `server_DH_inner_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerDhInnerData {
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) g: i32,
    pub(crate) dh_prime: Vec<u8>,
    pub(crate) g_a: Vec<u8>,
    pub(crate) server_time: i32,
}

impl ServerDhInnerData {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(out, id::SERVER_DH_INNER_DATA);
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::i32(out, self.g);
        write::bytes(out, &self.dh_prime);
        write::bytes(out, &self.g_a);
        write::i32(out, self.server_time);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        expect_id(r, id::SERVER_DH_INNER_DATA, "server_DH_inner_data")?;
        Ok(ServerDhInnerData {
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            g: r.i32()?,
            dh_prime: r.bytes()?,
            g_a: r.bytes()?,
            server_time: r.i32()?,
        })
    }
}

/// `client_DH_inner_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientDhInnerData {
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) retry_id: i64,
    pub(crate) g_b: Vec<u8>,
}

impl ClientDhInnerData {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(out, id::CLIENT_DH_INNER_DATA);
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::i64(out, self.retry_id);
        write::bytes(out, &self.g_b);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        expect_id(r, id::CLIENT_DH_INNER_DATA, "client_DH_inner_data")?;
        Ok(ClientDhInnerData {
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            retry_id: r.i64()?,
            g_b: r.bytes()?,
        })
    }
}

/// `set_client_DH_params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SetClientDhParams {
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) encrypted_data: Vec<u8>,
}

impl SetClientDhParams {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(out, id::SET_CLIENT_DH_PARAMS);
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::bytes(out, &self.encrypted_data);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        expect_id(r, id::SET_CLIENT_DH_PARAMS, "set_client_DH_params")?;
        Ok(SetClientDhParams {
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            encrypted_data: r.bytes()?,
        })
    }
}

/// Which of the three answers to `set_client_DH_params` (the number hashed into its
/// `new_nonce_hash`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DhGen {
    Ok = 1,
    Retry = 2,
    Fail = 3,
}

/// `dh_gen_ok`, `dh_gen_retry` or `dh_gen_fail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DhGenAnswer {
    pub(crate) kind: DhGen,
    pub(crate) nonce: [u8; 16],
    pub(crate) server_nonce: [u8; 16],
    pub(crate) new_nonce_hash: [u8; 16],
}

impl DhGenAnswer {
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        write::u32(
            out,
            match self.kind {
                DhGen::Ok => id::DH_GEN_OK,
                DhGen::Retry => id::DH_GEN_RETRY,
                DhGen::Fail => id::DH_GEN_FAIL,
            },
        );
        write::fixed(out, &self.nonce);
        write::fixed(out, &self.server_nonce);
        write::fixed(out, &self.new_nonce_hash);
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let kind = match r.u32()? {
            id::DH_GEN_OK => DhGen::Ok,
            id::DH_GEN_RETRY => DhGen::Retry,
            id::DH_GEN_FAIL => DhGen::Fail,
            other => {
                return Err(DecodeError::UnknownConstructor {
                    id: other,
                    expected: "Set_client_DH_params_answer",
                });
            }
        };
        Ok(DhGenAnswer {
            kind,
            nonce: r.fixed()?,
            server_nonce: r.fixed()?,
            new_nonce_hash: r.fixed()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_round_trip() {
        let res = ResPq {
            nonce: [1; 16],
            server_nonce: [2; 16],
            pq: vec![0x17, 0xed, 0x48, 0x94, 0x1a, 0x08, 0xf9, 0x81],
            fingerprints: vec![-1, 2],
        };
        let mut out = Vec::new();
        res.write(&mut out);
        assert_eq!(read_whole(&out, ResPq::read).unwrap(), res);

        for (dc, expires_in) in [
            (None, None),
            (Some(2), None),
            (None, Some(60)),
            (Some(-10002), Some(1)),
        ] {
            let inner = PqInnerData {
                pq: vec![1, 2],
                p: vec![1],
                q: vec![2],
                nonce: [3; 16],
                server_nonce: [4; 16],
                new_nonce: [5; 32],
                dc,
                expires_in,
            };
            let mut out = Vec::new();
            inner.write(&mut out);
            out.extend_from_slice(&[0xaa; 7]);
            let (read, len) = read_prefix(&out, PqInnerData::read).unwrap();
            assert_eq!(read, inner);
            assert_eq!(len, out.len() - 7);
        }

        for kind in [DhGen::Ok, DhGen::Retry, DhGen::Fail] {
            let answer = DhGenAnswer {
                kind,
                nonce: [6; 16],
                server_nonce: [7; 16],
                new_nonce_hash: [8; 16],
            };
            let mut out = Vec::new();
            answer.write(&mut out);
            assert_eq!(read_whole(&out, DhGenAnswer::read).unwrap(), answer);
        }
    }

    #[test]
    fn wrong_or_trailing_bytes_are_errors() {
        let mut out = Vec::new();
        ReqPq {
            multi: true,
            nonce: [9; 16],
        }
        .write(&mut out);
        assert!(read_whole(&out, ResPq::read).is_err());
        out.push(0);
        assert_eq!(
            read_whole(&out, ReqPq::read),
            Err(DecodeError::TrailingBytes(1))
        );
        assert_eq!(
            read_whole(&out[..10], ReqPq::read),
            Err(DecodeError::UnexpectedEof)
        );
    }
}
