//! Finding `updateLoginToken` wherever a session delivers it: bare, in `updateShort`, or in the
//! `updates` vector of `updates` / `updatesCombined` (the ids are the same at every supported
//! layer; a test checks them against the schema lines).

use crate::tl::{
    self, DecodeError, DeserializeAt, Identifiable, LayerMask, Reader, codec::VECTOR_ID, enums,
    types,
};

/// `updateShort#78d4dec1 update:Update date:int = Updates`.
pub const UPDATE_SHORT: u32 = 0x78d4_dec1;
/// `updates#74ae4240 updates:Vector<Update> users:Vector<User> chats:Vector<Chat> date:int
/// seq:int = Updates`.
pub const UPDATES: u32 = 0x74ae_4240;
/// `updatesCombined#725b04c3 updates:Vector<Update> users:Vector<User> chats:Vector<Chat>
/// date:int seq_start:int seq:int = Updates`.
pub const UPDATES_COMBINED: u32 = 0x725b_04c3;

const LOGIN_TOKEN: u32 = types::UpdateLoginToken::CONSTRUCTOR_ID;

/// Whether `body` (a boxed `Update` or `Updates`) carries `updateLoginToken`.
///
/// In a container, the updates are read in order until the token is found; an update this
/// crate cannot decode (most of them: it knows only the login ones) ends the search, since what
/// follows it cannot be found without its schema. A session that is not logged in receives no
/// other updates, so the token comes first or alone; a missed one only delays the login until
/// the shown token expires (the next export then logs in).
///
/// # Errors
///
/// The bytes are neither a container nor an `Update` this crate decodes at `layers`.
pub(crate) fn carries_login_token(layers: LayerMask, body: &[u8]) -> Result<bool, DecodeError> {
    let mut r = Reader::new(body);
    match r.peek_u32()? {
        UPDATE_SHORT => {
            r.u32()?;
            Ok(r.peek_u32()? == LOGIN_TOKEN)
        }
        UPDATES | UPDATES_COMBINED => {
            r.u32()?;
            let id = r.u32()?;
            if id != VECTOR_ID {
                return Err(DecodeError::NotAVector(id));
            }
            let len = r.u32()?;
            for _ in 0..len {
                match r.peek_u32()? {
                    LOGIN_TOKEN => return Ok(true),
                    _ => match enums::Update::deserialize_at(&mut r, layers) {
                        Ok(_) => {}
                        Err(DecodeError::UnknownConstructor { .. }) => return Ok(false),
                        Err(e) => return Err(e),
                    },
                }
            }
            Ok(false)
        }
        _ => Ok(matches!(
            tl::decode_with::<enums::Update>(layers, body)?,
            enums::Update::LoginToken(_)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tl::{Serialize, codec::write};

    fn container(id: u32, updates: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        write::u32(&mut out, id);
        write::u32(&mut out, VECTOR_ID);
        write::u32(&mut out, updates.len() as u32);
        for u in updates {
            out.extend_from_slice(u);
        }
        // users, chats: empty vectors; then the dates.
        for _ in 0..2 {
            write::u32(&mut out, VECTOR_ID);
            write::u32(&mut out, 0);
        }
        for _ in 0..3 {
            write::i32(&mut out, 1_767_225_600);
        }
        out
    }

    fn token() -> Vec<u8> {
        enums::Update::from(types::UpdateLoginToken {}).to_bytes()
    }

    fn new_login() -> Vec<u8> {
        enums::Update::from(types::UpdateNewAuthorization {
            hash: 5,
            details: None,
        })
        .to_bytes()
    }

    #[test]
    fn the_token_is_found_bare_short_and_in_containers() {
        let all = LayerMask::ALL;
        assert_eq!(carries_login_token(all, &token()), Ok(true));
        assert_eq!(carries_login_token(all, &new_login()), Ok(false));
        let mut short = UPDATE_SHORT.to_le_bytes().to_vec();
        short.extend_from_slice(&token());
        short.extend_from_slice(&7i32.to_le_bytes());
        assert_eq!(carries_login_token(all, &short), Ok(true));
        for id in [UPDATES, UPDATES_COMBINED] {
            assert_eq!(
                carries_login_token(all, &container(id, &[token()])),
                Ok(true)
            );
            assert_eq!(
                carries_login_token(all, &container(id, &[new_login(), token()])),
                Ok(true)
            );
            assert_eq!(
                carries_login_token(all, &container(id, &[new_login()])),
                Ok(false)
            );
            // An update this crate cannot decode ends the search.
            let unknown = 0x1234_5678u32.to_le_bytes().to_vec();
            assert_eq!(
                carries_login_token(all, &container(id, &[unknown, token()])),
                Ok(false)
            );
        }
        assert!(carries_login_token(all, &[1, 2, 3, 4]).is_err());
        assert!(carries_login_token(all, &UPDATES.to_le_bytes()).is_err());
    }
}
