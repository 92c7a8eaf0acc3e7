//! The file-backed logout-token store: missing, round trip, corrupt files, crash safety.
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use auth_blocking::TokenFile;
use auth_core::logout_tokens::{LogoutTokens, LogoutTokensError};

/// A fresh, empty directory under the system temp dir (removed on drop).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "auth-blocking-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn file(&self) -> PathBuf {
        self.0.join("tokens.bin")
    }
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn missing_file_is_an_empty_store_and_nothing_is_written() {
    let dir = TempDir::new("missing");
    let (store, corrupt) = TokenFile::open(dir.file()).unwrap();
    assert!(corrupt.is_none());
    assert!(store.tokens().is_empty());
    assert!(dir.names().is_empty());
}

#[test]
fn round_trip_across_reopen() {
    let dir = TempDir::new("roundtrip");
    let (mut store, _) = TokenFile::open(dir.file()).unwrap();
    store.push(b"one").unwrap();
    store.push(b"two").unwrap();
    store.push(b"three").unwrap();
    store.remove(b"two").unwrap();
    store.remove(b"absent").unwrap();
    drop(store);
    let (store, corrupt) = TokenFile::open(dir.file()).unwrap();
    assert!(corrupt.is_none());
    assert_eq!(
        store.tokens().iter().collect::<Vec<_>>(),
        vec![&b"three"[..], b"one"]
    );
    assert_eq!(dir.names(), vec!["tokens.bin"], "no temp file left behind");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(dir.file()).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[test]
fn corrupt_file_is_moved_aside_never_overwritten() {
    let dir = TempDir::new("corrupt");
    fs::write(dir.file(), b"garbage").unwrap();
    fs::write(dir.0.join("tokens.bin.corrupt-1"), b"older garbage").unwrap();
    let (mut store, corrupt) = TokenFile::open(dir.file()).unwrap();
    let corrupt = corrupt.expect("reported");
    assert_eq!(corrupt.error, LogoutTokensError::BadMagic);
    assert_eq!(corrupt.moved_to, dir.0.join("tokens.bin.corrupt-2"));
    assert_eq!(fs::read(&corrupt.moved_to).unwrap(), b"garbage");
    assert_eq!(
        fs::read(dir.0.join("tokens.bin.corrupt-1")).unwrap(),
        b"older garbage"
    );
    assert!(store.tokens().is_empty());
    assert!(!dir.file().exists());
    store.push(b"fresh").unwrap();

    // A damaged checksum is corrupt too.
    let mut bytes = fs::read(dir.file()).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(dir.file(), &bytes).unwrap();
    let (_, corrupt) = TokenFile::open(dir.file()).unwrap();
    assert_eq!(corrupt.unwrap().error, LogoutTokensError::ChecksumMismatch);

    // So is an oversized one (read only up to a bound).
    fs::write(dir.file(), vec![b'T'; 200_000]).unwrap();
    let (_, corrupt) = TokenFile::open(dir.file()).unwrap();
    assert!(matches!(
        corrupt.unwrap().error,
        LogoutTokensError::Malformed(_)
    ));
    assert_eq!(
        dir.names()
            .iter()
            .filter(|n| n.contains(".corrupt-"))
            .count(),
        4
    );
}

#[test]
fn file_is_always_old_or_new_content() {
    let dir = TempDir::new("crash");
    let (mut store, _) = TokenFile::open(dir.file()).unwrap();
    store.push(b"kept").unwrap();
    let old = fs::read(dir.file()).unwrap();

    // A crash mid-save leaves a half-written temp file: it is ignored, the file is intact.
    let tmp = dir.0.join(format!("tokens.bin.tmp-{}", std::process::id()));
    fs::write(&tmp, &old[..old.len() / 2]).unwrap();
    fs::write(dir.0.join("tokens.bin.tmp-99999999"), b"junk").unwrap();
    let (mut store, corrupt) = TokenFile::open(dir.file()).unwrap();
    assert!(corrupt.is_none());
    assert_eq!(
        store.tokens().iter().collect::<Vec<_>>(),
        vec![&b"kept"[..]]
    );

    // Every save leaves exactly a decodable old or new list, and reuses the stale temp name.
    for i in 0..30u8 {
        store.push(&[i; 16]).unwrap();
        let on_disk = LogoutTokens::decode(&fs::read(dir.file()).unwrap()).unwrap();
        assert_eq!(&on_disk, store.tokens());
        assert!(!tmp.exists());
    }
}

#[test]
fn keeps_at_most_twenty_tokens() {
    let dir = TempDir::new("bound");
    let (mut store, _) = TokenFile::open(dir.file()).unwrap();
    for i in 0..25u8 {
        store.push(&[i; 8]).unwrap();
    }
    let (store, _) = TokenFile::open(dir.file()).unwrap();
    assert_eq!(store.tokens().len(), LogoutTokens::MAX);
    assert_eq!(store.tokens().iter().next(), Some(&[24u8; 8][..]));
    assert!(!store.tokens().iter().any(|t| t == [4u8; 8]));
}

#[test]
fn failed_save_leaves_the_store_unchanged() {
    let dir = TempDir::new("fail");
    let path = dir.0.join("no-such-dir").join("tokens.bin");
    let (mut store, _) = TokenFile::open(&path).unwrap();
    assert!(store.push(b"x").is_err());
    assert!(store.tokens().is_empty());
    assert_eq!(
        TokenFile::open(dir.0.join("..")).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
}
