//! The session file: round trips, what each change does, misuse refused, every kind of
//! corruption reported and moved aside.
use std::fs;
use std::path::{Path, PathBuf};

use auth_core::DcId;
use auth_store::{AuthKey, ChangeError, DcKey, MAX_DCS, Session, SessionDecodeError, SessionFile};

fn key(byte: u8) -> DcKey {
    DcKey::new(AuthKey::new(&[byte; AuthKey::LEN]))
}

fn session_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("session.bin")
}

/// Identifies the file's current version: a save renames in a file created while the old one
/// still existed, so a save always changes it.
#[cfg(unix)]
fn file_id(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}

#[cfg(not(unix))]
fn file_id(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap()
}

#[test]
fn everything_round_trips_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = session_path(&dir);
    let (mut store, _) = SessionFile::open(&path).unwrap();
    let mut dc2 = key(2);
    dc2.created_at = Some(1_764_000_000);
    let mut dc3 = key(3);
    dc3.test_dc = true;
    dc3.temporary = true;
    store.put_key(DcId(2), dc2).unwrap();
    store.put_key(DcId(3), dc3.clone()).unwrap();
    store.set_server_salt(DcId(2), i64::MIN).unwrap();
    store.set_time_offset(DcId(2), -42).unwrap();
    store.set_logged_in(DcId(2), 5_000_000_001).unwrap();
    let saved = store.session().clone();
    drop(store);

    let (store, corrupt) = SessionFile::open(&path).unwrap();
    assert!(corrupt.is_none());
    let session = store.session();
    assert_eq!(session, &saved);
    assert_eq!(session.home_dc(), Some(DcId(2)));
    assert_eq!(session.user_id(), Some(5_000_000_001));
    let dc2 = session.key(DcId(2)).unwrap();
    assert_eq!(dc2.auth_key.as_bytes(), &[2; AuthKey::LEN]);
    assert_eq!(
        (dc2.server_salt, dc2.time_offset, dc2.created_at),
        (i64::MIN, -42, Some(1_764_000_000))
    );
    assert!(!dc2.test_dc && !dc2.temporary);
    assert_eq!(session.key(DcId(3)), Some(&dc3));
    assert_eq!(
        session.keys().map(|(dc, _)| dc).collect::<Vec<_>>(),
        [DcId(2), DcId(3)]
    );
}

#[test]
fn dropping_the_home_key_ends_the_login_and_logging_out_forgets_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = session_path(&dir);
    let (mut store, _) = SessionFile::open(&path).unwrap();
    store.put_key(DcId(2), key(2)).unwrap();
    store.put_key(DcId(4), key(4)).unwrap();
    store.set_logged_in(DcId(4), 9).unwrap();

    // A -404 on another DC keeps the login.
    store.drop_key(DcId(2)).unwrap();
    assert_eq!(store.session().user_id(), Some(9));
    assert!(store.session().key(DcId(2)).is_none());
    // A -404 on the home DC: the authorization was bound to that key.
    store.drop_key(DcId(4)).unwrap();
    assert_eq!(store.session().user_id(), None);
    assert_eq!(store.session().home_dc(), Some(DcId(4)));

    store.put_key(DcId(4), key(5)).unwrap();
    store.set_logged_in(DcId(4), 9).unwrap();
    store.log_out().unwrap();
    assert!(store.session().is_empty());
    let on_disk = Session::decode(&fs::read(&path).unwrap()).unwrap();
    assert!(on_disk.is_empty(), "the file is kept, empty");
}

#[test]
fn a_new_home_key_or_another_home_dc_ends_the_login() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = SessionFile::open(session_path(&dir)).unwrap();
    store.put_key(DcId(2), key(2)).unwrap();
    store.set_logged_in(DcId(2), 9).unwrap();

    let mut same_key = key(2);
    same_key.server_salt = 77;
    store.put_key(DcId(2), same_key).unwrap();
    assert_eq!(store.session().user_id(), Some(9), "same key, new salt");
    store.put_key(DcId(2), key(22)).unwrap();
    assert_eq!(store.session().user_id(), None, "new key");

    store.set_logged_in(DcId(2), 9).unwrap();
    store.set_home_dc(DcId(2)).unwrap();
    assert_eq!(store.session().user_id(), Some(9), "same home DC");
    store.set_home_dc(DcId(3)).unwrap();
    assert_eq!(store.session().user_id(), None, "moved");
    assert_eq!(store.session().home_dc(), Some(DcId(3)));
}

#[test]
fn misuse_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = session_path(&dir);
    let (mut store, _) = SessionFile::open(&path).unwrap();
    for dc in 1..=MAX_DCS as i32 {
        store.put_key(DcId(dc), key(1)).unwrap();
    }
    let before = (store.session().clone(), file_id(&path));
    assert!(matches!(
        store.put_key(DcId(100), key(1)),
        Err(ChangeError::TooManyDcs)
    ));
    assert_eq!((store.session().clone(), file_id(&path)), before);
    // Room for one DC again: the new one fits.
    store.drop_key(DcId(1)).unwrap();
    store.put_key(DcId(100), key(1)).unwrap();
    store.drop_key(DcId(100)).unwrap();
    store.put_key(DcId(1), key(1)).unwrap();
    let before_misuse = (store.session().clone(), file_id(&path));

    for result in [
        store.set_server_salt(DcId(0), 1),
        store.set_time_offset(DcId(-1), 1),
        store.set_logged_in(DcId(77), 1),
    ] {
        assert!(matches!(result, Err(ChangeError::NoKey(_))), "{result:?}");
    }
    assert_eq!(
        store.set_logged_in(DcId(77), 1).unwrap_err().to_string(),
        "no auth key is stored for DC 77"
    );
    assert_eq!((store.session().clone(), file_id(&path)), before_misuse);
}

#[test]
fn changes_that_change_nothing_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = session_path(&dir);
    let (mut store, _) = SessionFile::open(&path).unwrap();
    store.drop_key(DcId(2)).unwrap();
    store.log_out().unwrap();
    assert!(!path.exists(), "nothing to save yet");

    store.put_key(DcId(2), key(2)).unwrap();
    store.set_server_salt(DcId(2), 5).unwrap();
    store.set_logged_in(DcId(2), 1).unwrap();
    let id = file_id(&path);
    let mut same = key(2);
    same.server_salt = 5;
    store.put_key(DcId(2), same).unwrap();
    store.set_server_salt(DcId(2), 5).unwrap();
    store.set_time_offset(DcId(2), 0).unwrap();
    store.set_home_dc(DcId(2)).unwrap();
    store.set_logged_in(DcId(2), 1).unwrap();
    store.drop_key(DcId(3)).unwrap();
    assert_eq!(file_id(&path), id);
    store.set_server_salt(DcId(2), 6).unwrap();
    assert_ne!(file_id(&path), id);
}

/// Writes `bytes` as the session file, opens it, and returns the reported error (checking
/// that the file was moved aside intact and the session starts empty).
fn open_corrupt(bytes: &[u8]) -> SessionDecodeError {
    let dir = tempfile::tempdir().unwrap();
    let path = session_path(&dir);
    fs::write(&path, bytes).unwrap();
    let (store, corrupt) = SessionFile::open(&path).unwrap();
    let corrupt = corrupt.expect("reported");
    assert_eq!(corrupt.moved_to, dir.path().join("session.bin.corrupt-1"));
    assert_eq!(fs::read(&corrupt.moved_to).unwrap(), bytes);
    assert!(!path.exists());
    assert!(store.session().is_empty());
    corrupt.error
}

#[test]
fn every_kind_of_corruption_is_reported_and_moved_aside() {
    let mut session = Session::new();
    let dir = tempfile::tempdir().unwrap();
    {
        let (mut store, _) = SessionFile::open(session_path(&dir)).unwrap();
        store.put_key(DcId(2), key(2)).unwrap();
        store.set_logged_in(DcId(2), 3).unwrap();
        session.clone_from(store.session());
    }
    let good = fs::read(session_path(&dir)).unwrap();
    assert_eq!(Session::decode(&good), Ok(session));

    use SessionDecodeError::*;
    assert_eq!(open_corrupt(&good[..good.len() - 1]), Truncated);
    assert_eq!(open_corrupt(&good[..10]), Truncated);
    assert_eq!(open_corrupt(b""), Truncated);
    assert_eq!(open_corrupt(b"SQLite format 3\0"), BadMagic);
    let mut version = good.clone();
    version[4] = 9;
    assert_eq!(open_corrupt(&version), UnsupportedVersion(9));
    let mut flipped = good.clone();
    flipped[200] ^= 0x40;
    assert_eq!(open_corrupt(&flipped), ChecksumMismatch);
    let mut absurd_count = good.clone();
    absurd_count[18] = 255;
    assert_eq!(
        open_corrupt(&absurd_count),
        Malformed("more data centers than allowed")
    );
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 16]);
    assert_eq!(open_corrupt(&longer), Malformed("bytes after the checksum"));
    // Read only up to a bound, whatever the file's size.
    let mut huge = good.clone();
    huge.resize(1 << 20, 0xee);
    assert_eq!(
        open_corrupt(&huge),
        Malformed("file larger than any session file")
    );
}
