//! The session store's file format (`auth_store::Session`), fed by a file on disk.

use auth_store::{MAX_DCS, Session};

/// `session_file`: decoding never panics nor allocates beyond the input; what decodes holds
/// at most `MAX_DCS` keys, keeps the logged-in invariant and re-encodes to the same bytes.
pub fn session_file(data: &[u8]) {
    if let Ok(session) = Session::decode(data) {
        assert!(session.keys().len() <= MAX_DCS);
        if session.user_id().is_some() {
            let home = session.home_dc().expect("a login has a home DC");
            assert!(
                session.key(home).is_some(),
                "a login has a key on its home DC"
            );
        }
        assert_eq!(
            &session.encode()[..],
            data,
            "a decoded session re-encodes differently"
        );
    }
}
