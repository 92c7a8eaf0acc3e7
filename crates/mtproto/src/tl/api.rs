//! The API-level wrappers a session puts around (client) or takes off (server) the first call of
//! a session: `invokeWithLayer(layer, initConnection(…, query))`, and the other `invoke*`
//! prefixes a server must see through.

use tl_codec::{DecodeError, Reader, write};

use super::id;
use crate::session::ClientInfo;

/// How many wrappers deep a server looks for the query.
const MAX_WRAPPERS: usize = 8;

/// `invokeWithLayer(layer, initConnection(info…, query))`.
pub(crate) fn wrap_init_connection(layer: i32, info: &ClientInfo, query: &[u8]) -> Vec<u8> {
    let strings = [
        &info.device_model,
        &info.system_version,
        &info.app_version,
        &info.system_lang_code,
        &info.lang_pack,
        &info.lang_code,
    ];
    let len = 20 + strings.iter().map(|s| s.len() + 4).sum::<usize>() + query.len();
    let mut out = Vec::with_capacity(len);
    write::u32(&mut out, id::INVOKE_WITH_LAYER);
    write::i32(&mut out, layer);
    write::u32(&mut out, id::INIT_CONNECTION);
    write::u32(&mut out, 0); // flags: no proxy, no params
    write::i32(&mut out, info.api_id);
    for s in strings {
        write::bytes(&mut out, s.as_bytes());
    }
    out.extend_from_slice(query);
    out
}

/// A call with its wrappers taken off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unwrapped<'a> {
    pub(crate) layer: Option<i32>,
    pub(crate) client: Option<ClientInfo>,
    pub(crate) query: &'a [u8],
}

/// Takes `invokeWithLayer`, `initConnection`, `invokeWithoutUpdates` and `invokeAfterMsg(s)` off
/// `body`, in any order, and returns what they said and the query inside.
pub(crate) fn unwrap(body: &[u8]) -> Result<Unwrapped<'_>, DecodeError> {
    let mut unwrapped = Unwrapped {
        layer: None,
        client: None,
        query: body,
    };
    for _ in 0..MAX_WRAPPERS {
        let mut r = Reader::new(unwrapped.query);
        match r.peek_u32()? {
            id::INVOKE_WITH_LAYER => {
                r.u32()?;
                unwrapped.layer = Some(r.i32()?);
            }
            id::INIT_CONNECTION => {
                r.u32()?;
                unwrapped.client = Some(read_init_connection(&mut r)?);
            }
            id::INVOKE_WITHOUT_UPDATES => {
                r.u32()?;
            }
            id::INVOKE_AFTER_MSG => {
                r.u32()?;
                r.i64()?;
            }
            id::INVOKE_AFTER_MSGS => {
                r.u32()?;
                r.vector(Reader::i64)?;
            }
            _ => break,
        }
        unwrapped.query = r.remaining();
    }
    Reader::new(unwrapped.query).peek_u32()?;
    Ok(unwrapped)
}

fn read_init_connection(r: &mut Reader<'_>) -> Result<ClientInfo, DecodeError> {
    let flags = r.u32()?;
    let info = ClientInfo {
        api_id: r.i32()?,
        device_model: r.string()?,
        system_version: r.string()?,
        app_version: r.string()?,
        system_lang_code: r.string()?,
        lang_pack: r.string()?,
        lang_code: r.string()?,
    };
    if flags & 1 != 0 {
        match r.u32()? {
            id::INPUT_CLIENT_PROXY => {
                r.bytes_ref()?;
                r.i32()?;
            }
            other => {
                return Err(DecodeError::UnknownConstructor {
                    id: other,
                    expected: "InputClientProxy",
                });
            }
        }
    }
    if flags & 2 != 0 {
        skip_json(r)?;
    }
    Ok(info)
}

/// Skips one boxed `JSONValue` (bounded by the reader's depth limit).
fn skip_json(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    r.enter()?;
    match r.u32()? {
        id::JSON_NULL => {}
        id::JSON_BOOL => {
            r.bool()?;
        }
        id::JSON_NUMBER => {
            r.f64()?;
        }
        id::JSON_STRING => {
            r.bytes_ref()?;
        }
        id::JSON_ARRAY => {
            r.vector(skip_json)?;
        }
        id::JSON_OBJECT => {
            r.vector(|r| match r.u32()? {
                id::JSON_OBJECT_VALUE => {
                    r.bytes_ref()?;
                    skip_json(r)
                }
                other => Err(DecodeError::UnknownConstructor {
                    id: other,
                    expected: "JSONObjectValue",
                }),
            })?;
        }
        other => {
            return Err(DecodeError::UnknownConstructor {
                id: other,
                expected: "JSONValue",
            });
        }
    }
    r.leave();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ClientInfo {
        ClientInfo {
            api_id: 17349,
            device_model: "tgauth".into(),
            system_version: "Linux".into(),
            app_version: "0.1.0".into(),
            system_lang_code: "en".into(),
            lang_pack: "".into(),
            lang_code: "en".into(),
        }
    }

    const QUERY: [u8; 8] = [0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0];

    #[test]
    fn wrap_then_unwrap() {
        let wrapped = wrap_init_connection(228, &info(), &QUERY);
        let unwrapped = unwrap(&wrapped).unwrap();
        assert_eq!(unwrapped.layer, Some(228));
        assert_eq!(unwrapped.client, Some(info()));
        assert_eq!(unwrapped.query, &QUERY);
        let plain = unwrap(&QUERY).unwrap();
        assert_eq!(
            (plain.layer, plain.client, plain.query),
            (None, None, &QUERY[..])
        );
    }

    #[test]
    fn proxy_and_json_params_are_skipped() {
        let mut body = Vec::new();
        write::u32(&mut body, id::INVOKE_WITHOUT_UPDATES);
        write::u32(&mut body, id::INIT_CONNECTION);
        write::u32(&mut body, 3);
        write::i32(&mut body, 1);
        for s in ["a", "b", "c", "d", "e", "f"] {
            write::bytes(&mut body, s.as_bytes());
        }
        write::u32(&mut body, id::INPUT_CLIENT_PROXY);
        write::bytes(&mut body, b"proxy.example");
        write::i32(&mut body, 443);
        write::u32(&mut body, id::JSON_OBJECT);
        write::u32(&mut body, tl_codec::VECTOR_ID);
        write::u32(&mut body, 1);
        write::u32(&mut body, id::JSON_OBJECT_VALUE);
        write::bytes(&mut body, b"tz");
        write::u32(&mut body, id::JSON_ARRAY);
        write::u32(&mut body, tl_codec::VECTOR_ID);
        write::u32(&mut body, 2);
        write::u32(&mut body, id::JSON_NULL);
        write::u32(&mut body, id::JSON_NUMBER);
        write::f64(&mut body, 1.5);
        body.extend_from_slice(&QUERY);
        let unwrapped = unwrap(&body).unwrap();
        assert_eq!(unwrapped.client.unwrap().lang_code, "f");
        assert_eq!(unwrapped.query, &QUERY);
    }

    #[test]
    fn deep_json_and_truncation_are_errors() {
        let mut body = Vec::new();
        write::u32(&mut body, id::INIT_CONNECTION);
        write::u32(&mut body, 2);
        write::i32(&mut body, 1);
        for s in ["a", "b", "c", "d", "e", "f"] {
            write::bytes(&mut body, s.as_bytes());
        }
        for _ in 0..100 {
            write::u32(&mut body, id::JSON_ARRAY);
            write::u32(&mut body, tl_codec::VECTOR_ID);
            write::u32(&mut body, 1);
        }
        write::u32(&mut body, id::JSON_NULL);
        body.extend_from_slice(&QUERY);
        assert_eq!(unwrap(&body), Err(DecodeError::TooDeep));
        let wrapped = wrap_init_connection(228, &info(), &[]);
        assert_eq!(unwrap(&wrapped), Err(DecodeError::UnexpectedEof));
    }
}
