//! The logout-token file: round trip, the 20-token bound, corrupt contents (`remember` is
//! covered by the adapters' end-to-end tests).
//! (What both store files guarantee is in `file_guarantees.rs`.)
use std::fs;

use auth_core::logout_tokens::{LogoutTokens, LogoutTokensError};
use auth_store::TokenFile;

fn tokens(store: &TokenFile) -> Vec<&[u8]> {
    store.tokens().iter().collect()
}

#[test]
fn round_trip_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.bin");
    let (mut store, _) = TokenFile::open(&path).unwrap();
    store.push(b"one").unwrap();
    store.push(b"two").unwrap();
    store.push(b"three").unwrap();
    store.remove(b"two").unwrap();
    store.remove(b"absent").unwrap();
    assert_eq!(store.path(), path);
    drop(store);
    let (store, corrupt) = TokenFile::open(&path).unwrap();
    assert!(corrupt.is_none());
    assert_eq!(tokens(&store), [&b"three"[..], b"one"]);
}

#[test]
fn damaged_contents_are_reported_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.bin");
    let (mut store, _) = TokenFile::open(&path).unwrap();
    store.push(b"fresh").unwrap();
    drop(store);

    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&path, &bytes).unwrap();
    let (store, corrupt) = TokenFile::open(&path).unwrap();
    let corrupt = corrupt.expect("reported");
    assert_eq!(corrupt.error, LogoutTokensError::ChecksumMismatch);
    assert_eq!(
        corrupt.to_string(),
        format!(
            "unreadable file (logout-token data is corrupt (checksum mismatch)) moved to {}",
            dir.path().join("tokens.bin.corrupt-1").display()
        )
    );
    assert!(store.tokens().is_empty());
    drop(store);

    // An oversized file is read only up to a bound.
    fs::write(&path, vec![b'T'; 200_000]).unwrap();
    let (_, corrupt) = TokenFile::open(&path).unwrap();
    assert_eq!(
        corrupt.unwrap().error,
        LogoutTokensError::Malformed("file larger than any token file")
    );
}

#[test]
fn keeps_at_most_twenty_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.bin");
    let (mut store, _) = TokenFile::open(&path).unwrap();
    for i in 0..25u8 {
        store.push(&[i; 8]).unwrap();
    }
    drop(store);
    let (store, _) = TokenFile::open(&path).unwrap();
    assert_eq!(store.tokens().len(), LogoutTokens::MAX);
    assert_eq!(store.tokens().iter().next(), Some(&[24u8; 8][..]));
    assert!(!store.tokens().iter().any(|t| t == [4u8; 8]));
}
