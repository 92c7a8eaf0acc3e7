//! What failing saves do to both stores, with failures injected through `StoreFile::faults`:
//! "not saved" changes nothing, "saved, not durable" changes memory and disk alike, and random
//! sequences of changes, failures and reopens keep disk and memory equal.

use std::fs;
use std::path::Path;

use auth_core::DcId;
use auth_core::logout_tokens::LogoutTokens;
use proptest::prelude::*;

use crate::store_file::Faults;
use crate::{AuthKey, ChangeError, DcKey, SaveError, Session, SessionFile, TokenFile};

const BEFORE_RENAME: Faults = Faults {
    before_rename: true,
    dir_sync: false,
};
const DIR_SYNC: Faults = Faults {
    before_rename: false,
    dir_sync: true,
};

fn on_disk(path: &Path) -> Session {
    match fs::read(path) {
        Ok(bytes) => Session::decode(&bytes).expect("the file decodes"),
        Err(_) => Session::new(),
    }
}

fn dc_key(byte: u8) -> DcKey {
    DcKey::new(AuthKey::new(&[byte; AuthKey::LEN]))
}

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

#[test]
fn session_file_not_saved_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.bin");
    let (mut store, _) = SessionFile::open(&path).unwrap();
    store.put_key(DcId(2), dc_key(2)).unwrap();
    store.set_logged_in(DcId(2), 42).unwrap();
    let before = store.session().clone();

    *store.faults() = BEFORE_RENAME;
    let results = [
        store.put_key(DcId(3), dc_key(3)),
        store.set_server_salt(DcId(2), 99),
        store.set_time_offset(DcId(2), -5),
        store.set_logged_in(DcId(2), 43),
        store.set_home_dc(DcId(4)).map_err(ChangeError::from),
        store.drop_key(DcId(2)).map_err(ChangeError::from),
        store.log_out().map_err(ChangeError::from),
    ];
    for (i, result) in results.into_iter().enumerate() {
        assert!(
            matches!(result, Err(ChangeError::Save(SaveError::NotSaved(_)))),
            "change {i}: {result:?}"
        );
    }
    assert_eq!(store.session(), &before);
    assert_eq!(on_disk(&path), before);
    assert_eq!(temp_files(dir.path()), Vec::<String>::new());
}

#[test]
fn session_file_not_durable_is_saved_in_memory_and_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.bin");
    let (mut store, _) = SessionFile::open(&path).unwrap();
    store.put_key(DcId(2), dc_key(2)).unwrap();

    *store.faults() = DIR_SYNC;
    let err = store.set_server_salt(DcId(2), 99).unwrap_err();
    assert!(matches!(err, ChangeError::Save(SaveError::NotDurable(_))));
    assert_eq!(store.session().key(DcId(2)).unwrap().server_salt, 99);
    assert!(matches!(
        store.set_logged_in(DcId(2), 7),
        Err(ChangeError::Save(SaveError::NotDurable(_)))
    ));
    assert_eq!(store.session().user_id(), Some(7));
    assert_eq!(on_disk(&path), *store.session());
    let expected = store.session().clone();
    drop(store);
    assert_eq!(SessionFile::open(&path).unwrap().0.session(), &expected);
}

/// One step of the model test.
#[derive(Debug, Clone)]
enum Step {
    PutKey(i32, u8, i64),
    SetSalt(i32, i64),
    SetOffset(i32, i32),
    SetHomeDc(i32),
    SetLoggedIn(i32, i64),
    DropKey(i32),
    LogOut,
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    // Few DCs and values, so that steps hit existing keys and repeat values.
    let dc = 1..5i32;
    prop_oneof![
        (dc.clone(), 0..3u8, -2..2i64).prop_map(|(d, k, s)| Step::PutKey(d, k, s)),
        (dc.clone(), -2..2i64).prop_map(|(d, s)| Step::SetSalt(d, s)),
        (dc.clone(), -2..2i32).prop_map(|(d, o)| Step::SetOffset(d, o)),
        dc.clone().prop_map(Step::SetHomeDc),
        (dc.clone(), 1..3i64).prop_map(|(d, u)| Step::SetLoggedIn(d, u)),
        dc.prop_map(Step::DropKey),
        Just(Step::LogOut),
        Just(Step::Reopen),
    ]
}

fn fault() -> impl Strategy<Value = Faults> {
    prop_oneof![
        6 => Just(Faults::default()),
        1 => Just(BEFORE_RENAME),
        1 => Just(DIR_SYNC),
    ]
}

fn apply(store: &mut SessionFile, step: &Step) -> Result<(), ChangeError> {
    match *step {
        Step::PutKey(dc, key, salt) => {
            let mut k = dc_key(key);
            k.server_salt = salt;
            store.put_key(DcId(dc), k)
        }
        Step::SetSalt(dc, salt) => store.set_server_salt(DcId(dc), salt),
        Step::SetOffset(dc, offset) => store.set_time_offset(DcId(dc), offset),
        Step::SetHomeDc(dc) => Ok(store.set_home_dc(DcId(dc))?),
        Step::SetLoggedIn(dc, user) => store.set_logged_in(DcId(dc), user),
        Step::DropKey(dc) => Ok(store.drop_key(DcId(dc))?),
        Step::LogOut => Ok(store.log_out()?),
        Step::Reopen => unreachable!("handled by the test"),
    }
}

proptest! {
    // Each save fsyncs twice: a modest number of cases keeps this under a few seconds.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn disk_equals_memory_across_failures_and_reopens(
        steps in prop::collection::vec((step(), fault()), 1..24)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.bin");
        let (mut store, _) = SessionFile::open(&path).unwrap();
        for (step, faults) in &steps {
            if let Step::Reopen = step {
                let expected = store.session().clone();
                drop(store);
                let (reopened, corrupt) = SessionFile::open(&path).unwrap();
                prop_assert!(corrupt.is_none());
                prop_assert_eq!(reopened.session(), &expected);
                store = reopened;
                continue;
            }
            let before = store.session().clone();
            *store.faults() = *faults;
            let result = apply(&mut store, step);
            *store.faults() = Faults::default();
            match &result {
                Ok(()) => {}
                Err(ChangeError::Save(SaveError::NotDurable(_))) => {
                    prop_assert!(faults.dir_sync);
                    prop_assert_ne!(store.session(), &before, "a save happened");
                }
                Err(_) => prop_assert_eq!(store.session(), &before, "{:?}", result),
            }
            if result.is_ok() && (faults.before_rename || faults.dir_sync) {
                prop_assert_eq!(store.session(), &before, "only a no-op skips the save");
            }
            prop_assert_eq!(&on_disk(&path), store.session());
        }
        prop_assert!(temp_files(dir.path()).is_empty());
    }
}
