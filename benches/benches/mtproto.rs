//! MTProto benchmarks: the handshake's CPU on each side, an encrypted request/response round trip
//! in memory, and our message encryption against the bare `ige` crate on the same buffer.
//!
//! `cargo bench -p tgauth-benches --bench mtproto -- --warm-up-time 1 --measurement-time 5`
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use aes::Aes256;
use criterion::{Criterion, Throughput, criterion_group};
use ige::cipher::array::Array;
use ige::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use mtproto::AuthKey;
use mtproto::crypto::{self, Direction};
use mtproto::handshake::{
    ClientHandshake, HandshakeConfig, NewAuthKey, ServerHandshake, ServerHandshakeConfig,
};
use mtproto::keys::RsaPrivateKey;
use mtproto::session::{
    ClientInfo, ClientSession, Event, ServerEvent, ServerSession, ServerSessionConfig,
    SessionConfig, SessionKey,
};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use tg_crypto::entropy::Entropy;
use tg_crypto::modp;
use tg_crypto::safe_prime::TELEGRAM_P;
use tgauth_benches::rounds::{Rounds, under_cargo_bench};

fn wall() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// One handshake between fresh halves; returns the time each side spent in its own calls, and
/// both keys.
fn handshake(
    config: &ServerHandshakeConfig,
    seed: u64,
) -> (Duration, Duration, NewAuthKey, NewAuthKey) {
    let now = Instant::now();
    let seed_bytes = |side: u8| {
        let mut s = [side; 32];
        s[..8].copy_from_slice(&seed.to_le_bytes());
        s
    };
    let (mut client_time, mut server_time) = (Duration::ZERO, Duration::ZERO);
    let t = Instant::now();
    let mut client = ClientHandshake::new(
        HandshakeConfig::with_keys(2, config.public_keys()),
        now,
        wall(),
        Entropy::deterministic(seed_bytes(1)),
    )
    .expect("keys");
    client_time += t.elapsed();
    let t = Instant::now();
    let mut server = ServerHandshake::new(
        config.clone(),
        now,
        wall(),
        Entropy::deterministic(seed_bytes(2)),
    )
    .expect("keys");
    server_time += t.elapsed();
    loop {
        let t = Instant::now();
        let query = client.poll_transmit(now);
        client_time += t.elapsed();
        let Some(query) = query else { break };
        let t = Instant::now();
        server.handle_packet(now, &query).expect("a valid query");
        let answer = server.poll_transmit().expect("an answer");
        server_time += t.elapsed();
        let t = Instant::now();
        client.handle_packet(now, &answer).expect("a valid answer");
        client_time += t.elapsed();
    }
    let ours = client.poll_outcome().expect("a key");
    let theirs = server.poll_outcome().expect("a key");
    assert_eq!(ours.auth_key, theirs.auth_key);
    (client_time, server_time, ours, theirs)
}

fn client_info() -> ClientInfo {
    ClientInfo {
        api_id: 1,
        device_model: "bench".into(),
        system_version: "bench".into(),
        app_version: "1".into(),
        system_lang_code: "en".into(),
        lang_pack: String::new(),
        lang_code: "en".into(),
    }
}

struct Pair {
    now: Instant,
    client: ClientSession,
    server: ServerSession,
    request: Vec<u8>,
    answer: Vec<u8>,
}

impl Pair {
    fn new(client_key: NewAuthKey, server_key: NewAuthKey) -> Self {
        let now = Instant::now();
        let client = ClientSession::new(
            SessionConfig::new(228, client_info()),
            SessionKey::from(client_key),
            now,
            wall(),
            Entropy::deterministic([3; 32]),
        );
        let server = ServerSession::new(
            ServerSessionConfig::default(),
            server_key.auth_key,
            server_key.salt,
            now,
            wall(),
            Entropy::deterministic([4; 32]),
        );
        // A typical small call (32 bytes) and answer (96 bytes), like auth.sendCode / sentCode.
        let mut pair = Pair {
            now,
            client,
            server,
            request: (0..32u8).collect(),
            answer: (0..96u8).collect(),
        };
        pair.round_trip(); // past new_session_created and initConnection
        pair
    }

    /// One request from `send` to its `Response`, through both sessions and the encryption.
    fn round_trip(&mut self) {
        let id = self
            .client
            .send(self.now, self.request.clone())
            .expect("a valid body");
        while let Some(packet) = self.client.poll_transmit(self.now) {
            self.server
                .handle_packet(self.now, &packet)
                .expect("our packet");
        }
        while let Some(event) = self.server.poll_event() {
            if let ServerEvent::Request(request) = event {
                self.server
                    .respond(request.id, &self.answer)
                    .expect("pending");
            }
        }
        while let Some(t) = self.server.poll_transmit(self.now) {
            self.client
                .handle_packet(self.now, &t.packet)
                .expect("our packet");
        }
        let mut answered = false;
        while let Some(event) = self.client.poll_event() {
            answered |= matches!(event, Event::Response { id: got, .. } if got == id);
        }
        assert!(answered);
    }
}

/// The key of the encryption benchmarks, made once (making one hashes it).
fn key() -> &'static AuthKey {
    static KEY: std::sync::OnceLock<AuthKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| AuthKey::from_bytes(std::array::from_fn(|i| (i * 17 + 5) as u8)))
}

/// Our MTProto 2.0 encryption then decryption of a `len`-byte padded plaintext.
fn ours(plaintext: &[u8]) {
    let packet =
        crypto::encrypt_message(key(), Direction::ClientToServer, plaintext).expect("aligned");
    let back = crypto::decrypt_message(key(), Direction::ClientToServer, &packet).expect("ours");
    black_box(back);
}

/// The bare `ige` crate encrypting then decrypting the same buffer in place.
fn bare_ige(buffer: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) {
    let (blocks, _) = Array::slice_as_chunks_mut(buffer);
    ige::Encryptor::<Aes256>::new(key.into(), iv.into()).encrypt_blocks(blocks);
    ige::Decryptor::<Aes256>::new(key.into(), iv.into()).decrypt_blocks(blocks);
    black_box(buffer);
}

/// The hashing MTProto 2.0 adds: `msg_key` over the plaintext on each side.
fn msg_key_hashes(plaintext: &[u8]) {
    let bytes = key().to_bytes();
    let prefix = &bytes[88..120];
    for _ in 0..2 {
        black_box(
            Sha256::new()
                .chain_update(prefix)
                .chain_update(plaintext)
                .finalize(),
        );
    }
}

fn modpow_2048() {
    let p = BigUint::from_bytes_be(&TELEGRAM_P);
    let b = BigUint::from_bytes_be(&[0x5a; 256]);
    black_box(BigUint::from(3u32).modpow(&b, &p));
}

/// The same power as [`modpow_2048`] the way the handshake now runs it: constant time in `b`,
/// into wiped storage (`tg_crypto::modp::pow_secret`), including the modulus setup each side
/// does per handshake.
fn modpow_2048_ct() {
    let m = modp::modulus(&TELEGRAM_P).expect("odd");
    black_box(modp::pow_secret(&modp::small_residue(3, &m), &[0x5a; 256]));
}

/// Products of two primes as servers send them: two ~31-bit primes (the usual), and the worst
/// case below 2^63 for Pollard's rho, two balanced ~31.5-bit primes.
const PQS: [(&str, u64); 3] = [
    ("docs_example", 3_358_800_871_349_344_843),
    ("31bit_primes", 2_147_483_629 * 2_147_483_587),
    ("balanced_2^63", 3_037_000_493 * 3_037_000_453),
];

/// 64 products of two random primes in [2^30, 2^31), as servers draw them (a fixed sequence).
fn random_pqs() -> Vec<u64> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut prime = || loop {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let candidate = ((state >> 33) & 0x3fff_ffff) | 0x4000_0001;
        if tg_crypto::primality::is_probable_prime(&BigUint::from(candidate)) {
            return candidate;
        }
    };
    (0..64).map(|_| prime() * prime()).collect()
}

fn criterion_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("mtproto/factor_pq");
    for (name, pq) in PQS {
        assert!(mtproto::handshake::factor_pq(pq).is_some());
        group.bench_function(name, |b| {
            b.iter(|| mtproto::handshake::factor_pq(black_box(pq)))
        });
    }
    let pqs = random_pqs();
    group.throughput(Throughput::Elements(pqs.len() as u64));
    group.bench_function("random_31bit_products", |b| {
        b.iter(|| {
            for &pq in &pqs {
                assert!(mtproto::handshake::factor_pq(black_box(pq)).is_some());
            }
        })
    });
    group.finish();

    let config = ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key());
    let mut group = c.benchmark_group("mtproto/handshake");
    group.sample_size(20);
    let mut seed = 0u64;
    group.bench_function("client", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    seed += 1;
                    handshake(&config, seed).0
                })
                .sum()
        })
    });
    group.bench_function("server", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    seed += 1;
                    handshake(&config, seed).1
                })
                .sum()
        })
    });
    group.bench_function("modpow_2048", |b| b.iter(modpow_2048));
    group.bench_function("modpow_2048_ct", |b| b.iter(modpow_2048_ct));
    group.finish();

    let (_, _, client_key, server_key) = handshake(&config, 0);
    let mut pair = Pair::new(client_key, server_key);
    let mut group = c.benchmark_group("mtproto/session");
    group.throughput(Throughput::Elements(1));
    group.bench_function("round_trip", |b| b.iter(|| pair.round_trip()));
    group.finish();

    for len in [1024usize, 64 * 1024] {
        let mut group = c.benchmark_group(format!("mtproto/crypt/{}KiB", len / 1024));
        group.throughput(Throughput::Bytes(len as u64));
        let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let mut buffer = plaintext.clone();
        let (k, iv) = ([7u8; 32], [9u8; 32]);
        group.bench_function("ours", |b| b.iter(|| ours(black_box(&plaintext))));
        group.bench_function("bare_ige", |b| {
            b.iter(|| bare_ige(black_box(&mut buffer), &k, &iv))
        });
        group.bench_function("msg_key_hashes", |b| {
            b.iter(|| msg_key_hashes(black_box(&plaintext)))
        });
        group.finish();
    }
}

/// In interleaved rounds: the figures of merit as ratios within a round.
fn interleaved_ratios() {
    let rounds = Rounds::count("MTPROTO_RATIO_ROUNDS", 15);
    if rounds == 0 {
        return;
    }
    let config = ServerHandshakeConfig::new(RsaPrivateKey::test_only_server_key());
    let (_, _, client_key, server_key) = handshake(&config, 0);
    let mut pair = Pair::new(client_key, server_key);
    let time = |reps: u32, f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..reps {
            f();
        }
        start.elapsed().as_secs_f64() * 1e6 / f64::from(reps)
    };
    let pqs = random_pqs();
    let mut results = Rounds::new();
    let mut seed = 1_000u64;
    for _ in 0..rounds {
        let mut row = BTreeMap::new();
        let (mut client_us, mut server_us) = (0.0, 0.0);
        const HANDSHAKES: u32 = 4;
        for _ in 0..HANDSHAKES {
            seed += 1;
            let (c, s, _, _) = handshake(&config, seed);
            client_us += c.as_secs_f64() * 1e6 / f64::from(HANDSHAKES);
            server_us += s.as_secs_f64() * 1e6 / f64::from(HANDSHAKES);
        }
        row.insert("client_handshake", client_us);
        row.insert("server_handshake", server_us);
        row.insert("modpow_2048", time(8, &mut modpow_2048));
        row.insert("modpow_2048_ct", time(8, &mut modpow_2048_ct));
        row.insert(
            "factor_pq",
            time(1, &mut || {
                for &pq in &pqs {
                    black_box(mtproto::handshake::factor_pq(pq));
                }
            }) / pqs.len() as f64,
        );
        row.insert("round_trip", time(2_000, &mut || pair.round_trip()));
        let small_plain = vec![1u8; 48];
        let small_answer = vec![2u8; 112];
        row.insert(
            "round_trip_crypto",
            time(2_000, &mut || {
                ours(&small_plain);
                ours(&small_answer);
            }),
        );
        for (len, names) in [
            (1024usize, ["ours_1k", "ige_1k", "hash_1k"]),
            (64 * 1024, ["ours_64k", "ige_64k", "hash_64k"]),
        ] {
            let reps = if len > 1024 { 100 } else { 4_000 };
            let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buffer = plaintext.clone();
            row.insert(names[0], time(reps, &mut || ours(&plaintext)));
            row.insert(
                names[1],
                time(reps, &mut || bare_ige(&mut buffer, &[7; 32], &[9; 32])),
            );
            row.insert(names[2], time(reps, &mut || msg_key_hashes(&plaintext)));
        }
        results.push(row);
    }
    println!("\ninterleaved, {rounds} rounds; medians (µs) and medians of per-round ratios:");
    for name in [
        "client_handshake",
        "server_handshake",
        "modpow_2048",
        "modpow_2048_ct",
        "factor_pq",
        "round_trip",
        "round_trip_crypto",
        "ours_1k",
        "ige_1k",
        "hash_1k",
        "ours_64k",
        "ige_64k",
        "hash_64k",
    ] {
        println!("  {name:<20} {:>10.2}", results.median_of(name));
    }
    let ratio = |a: &str, b: &str| results.median(|m| m(a) / m(b));
    println!(
        "  client_handshake / modpow_2048   {:>6.2}",
        ratio("client_handshake", "modpow_2048")
    );
    println!(
        "  server_handshake / modpow_2048   {:>6.2}",
        ratio("server_handshake", "modpow_2048")
    );
    println!(
        "  modpow_2048_ct / modpow_2048     {:>6.2}",
        ratio("modpow_2048_ct", "modpow_2048")
    );
    println!(
        "  client_handshake / modpow_2048_ct {:>5.2}",
        ratio("client_handshake", "modpow_2048_ct")
    );
    println!(
        "  round trips per second           {:>6.0}",
        1e6 / results.median_of("round_trip")
    );
    println!(
        "  round_trip_crypto / round_trip   {:>6.2}",
        ratio("round_trip_crypto", "round_trip")
    );
    for size in ["1k", "64k"] {
        let (ours, ige, hash) = (
            format!("ours_{size}"),
            format!("ige_{size}"),
            format!("hash_{size}"),
        );
        println!(
            "  {size}: ige / ours {:>5.2}, hashes / ours {:>5.2}, rest / ours {:>5.2}",
            results.median(|m| m(&ige) / m(&ours)),
            results.median(|m| m(&hash) / m(&ours)),
            results.median(|m| (m(&ours) - m(&ige) - m(&hash)) / m(&ours)),
        );
    }
}

criterion_group!(benches, criterion_benches);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if under_cargo_bench() {
        interleaved_ratios();
    }
}
