//! What failing saves do to the stores, with failures injected through `StoreFile::faults`:
//! "not saved" changes nothing, "saved, not durable" changes memory and disk alike.

use std::fs;
use std::path::Path;

use auth_core::logout_tokens::LogoutTokens;

use crate::store_file::Faults;
use crate::{SaveError, TokenFile};

const BEFORE_RENAME: Faults = Faults {
    before_rename: true,
    dir_sync: false,
};
const DIR_SYNC: Faults = Faults {
    before_rename: false,
    dir_sync: true,
};

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp-"))
        .collect()
}

#[test]
fn token_file_not_saved_changes_nothing_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.bin");
    let (mut store, _) = TokenFile::open(&path).unwrap();
    store.push(b"kept").unwrap();
    let before = fs::read(&path).unwrap();

    *store.faults() = BEFORE_RENAME;
    let err = store.push(b"lost").unwrap_err();
    assert!(matches!(err, SaveError::NotSaved(_)), "{err:?}");
    assert!(!err.is_saved());
    assert_eq!(store.tokens().iter().collect::<Vec<_>>(), [&b"kept"[..]]);
    assert_eq!(fs::read(&path).unwrap(), before);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn token_file_not_durable_is_saved_in_memory_and_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.bin");
    let (mut store, _) = TokenFile::open(&path).unwrap();
    *store.faults() = DIR_SYNC;
    let err = store.push(b"renamed").unwrap_err();
    assert!(matches!(err, SaveError::NotDurable(_)), "{err:?}");
    assert!(err.is_saved());
    assert!(err.to_string().starts_with("saved, not durable"), "{err}");
    assert_eq!(store.tokens().iter().collect::<Vec<_>>(), [&b"renamed"[..]]);
    let disk = LogoutTokens::decode(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(&disk, store.tokens());
    drop(store);
    let (store, _) = TokenFile::open(&path).unwrap();
    assert_eq!(store.tokens(), &disk);
}
