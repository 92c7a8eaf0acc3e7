//! What a save costs, beside its parts: encoding a session, and a plain fsync'd write of the
//! same bytes (the baseline: no temp file, no rename, no directory fsync).
//!
//! `cargo bench -p auth-store --bench store`; results in `benches/README.md`.
// criterion_group! generates undocumented items.
#![allow(missing_docs)]
use std::fs::File;
use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use auth_core::DcId;
use auth_store::{AuthKey, DcKey, Session, SessionFile, TokenFile};
use criterion::{Criterion, criterion_group, criterion_main};

/// Five DCs with keys, logged in on DC 2: a production client's session.
fn five_dcs(store: &mut SessionFile) {
    for dc in 1..=5 {
        let mut key = DcKey::new(AuthKey::new(&[dc as u8; AuthKey::LEN]));
        key.created_at = Some(1_764_000_000);
        store.put_key(DcId(dc), key).unwrap();
    }
    store.set_logged_in(DcId(2), 1001).unwrap();
}

fn store(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _) = SessionFile::open(dir.path().join("session.bin")).unwrap();
    five_dcs(&mut session);
    let bytes = session.session().encode();

    let mut group = c.benchmark_group("session");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("encode+decode", |b| {
        b.iter(|| Session::decode(&black_box(session.session()).encode()).unwrap())
    });
    let plain = dir.path().join("plain.bin");
    group.bench_function("baseline: write+fsync", |b| {
        b.iter(|| {
            let mut file = File::create(&plain).unwrap();
            file.write_all(&bytes).unwrap();
            file.sync_all().unwrap();
        })
    });
    let mut salt = 0;
    group.bench_function("set_server_salt", |b| {
        b.iter(|| {
            salt += 1;
            session.set_server_salt(DcId(2), salt).unwrap();
        })
    });
    let mut n = 0u8;
    group.bench_function("put_key", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            let key = DcKey::new(AuthKey::new(&[n; AuthKey::LEN]));
            session.put_key(DcId(3), key).unwrap();
        })
    });
    group.finish();

    let (mut tokens, _) = TokenFile::open(dir.path().join("tokens.bin")).unwrap();
    let mut group = c.benchmark_group("tokens");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    let mut i = 0u32;
    group.bench_function("push", |b| {
        b.iter(|| {
            i += 1;
            tokens.push(&i.to_le_bytes()).unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
