//! Logins per second through each adapter over loopback MTProto, beside the in-memory login
//! and the cost of the handshakes alone, in the same run:
//!
//! * `in_memory`: machine and simulator on one thread (as `benches/login.rs`'s `full`);
//! * `handshake/N`: N threads each making a fresh auth key with DC 2 (a new
//!   `auth_blocking::MtprotoTransport`, connect, the DH handshake) and one `help.getConfig` on it
//!   — what a login pays before its first auth call;
//! * `blocking/N`: `auth_blocking::login` on N threads, each over its own `MtprotoTransport`;
//! * `tokio/N`: `auth_tokio::login` in N tasks on a multi-threaded runtime, each over its own
//!   `auth_tokio::MtprotoTransport`.
//!
//! All of them talk to one `auth_sim::tcp::SimServer` (the simulator in MTProto, a thread per
//! connection). Every login has its own test number (`99966 2 YYYY`, an account without 2FA)
//! and its own auth key, so it pays for a connection and a handshake, then `auth.sendCode` and
//! `auth.signIn`. Logins run in chunks of 256, each on a fresh simulator swapped in (and the
//! server's keys forgotten) outside the clock.
//!
//! `cargo bench -p tgauth-benches --bench adapters -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth_core::entropy::Entropy;
use auth_core::login::SentCode;
use auth_core::{DcId, LAYER, PasswordInfo, TermsOfService};
use auth_sim::tcp::{ServerConfig, SimServer};
use criterion::Criterion;
use mtproto::pool::PoolConfig;
use mtproto::session::ClientInfo;
use tgauth_benches::logins::{self, CODE};
use tgauth_benches::rounds::{Rounds, under_cargo_bench};
use zeroize::Zeroizing;

/// Client keys (and key seeds): never repeated within the process.
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

/// Answers the code; anything else ends the login (a setup error).
struct Code;

impl auth_blocking::Prompt for Code {
    fn code(&mut self, _: &SentCode, _: u32) -> auth_blocking::Answer<String> {
        auth_blocking::Answer::Value(CODE.into())
    }
    fn password(&mut self, _: &PasswordInfo, _: u32) -> auth_blocking::Answer<Zeroizing<String>> {
        auth_blocking::Answer::Cancel
    }
    fn sign_up(&mut self, _: Option<&TermsOfService>) -> auth_blocking::Answer<(String, String)> {
        auth_blocking::Answer::Cancel
    }
    fn email(&mut self, _: bool, _: bool) -> auth_blocking::Answer<String> {
        auth_blocking::Answer::Cancel
    }
    fn email_code(&mut self, _: &str, _: u32) -> auth_blocking::Answer<String> {
        auth_blocking::Answer::Cancel
    }
}

impl auth_tokio::Prompt for Code {
    async fn code(&mut self, _: &SentCode, _: u32) -> auth_tokio::Answer<String> {
        auth_tokio::Answer::Value(CODE.into())
    }
    async fn password(
        &mut self,
        _: &PasswordInfo,
        _: u32,
    ) -> auth_tokio::Answer<Zeroizing<String>> {
        auth_tokio::Answer::Cancel
    }
    async fn sign_up(
        &mut self,
        _: Option<&TermsOfService>,
    ) -> auth_tokio::Answer<(String, String)> {
        auth_tokio::Answer::Cancel
    }
    async fn email(&mut self, _: bool, _: bool) -> auth_tokio::Answer<String> {
        auth_tokio::Answer::Cancel
    }
    async fn email_code(&mut self, _: &str, _: u32) -> auth_tokio::Answer<String> {
        auth_tokio::Answer::Cancel
    }
}

/// Logins per chunk: each chunk runs on a fresh simulator (built outside the clock), so that
/// state the simulator keeps per login does not pile up over a long run.
const CHUNK: u64 = 256;

/// A fresh simulator with an account for every number of a chunk.
fn fresh_sim() -> auth_sim::Sim {
    logins::sim(CHUNK)
}

/// Where the logins run.
#[derive(Debug, Clone, Copy)]
enum Way {
    InMemory,
    Handshake(usize),
    Blocking(usize),
    Tokio(usize),
}

struct Servers {
    server: SimServer,
    /// The in-memory simulator.
    memory: auth_sim::Sim,
    runtime: tokio::runtime::Runtime,
}

/// `help.getConfig`: the cheapest call a fresh key can make.
const HELP_GET_CONFIG: u32 = 0xc4f9_186b;

impl Servers {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let config = ServerConfig::new(Entropy::deterministic([1; 32]));
        let server = SimServer::start(fresh_sim(), config).expect("the simulator's server");
        Servers {
            server,
            memory: fresh_sim(),
            runtime,
        }
    }

    /// A client configuration for the server (each transport makes its own key).
    fn client(&self) -> PoolConfig {
        self.server
            .client_config(LAYER, ClientInfo::new(logins::API_ID))
    }

    /// The time `count` logins (or handshakes) take `way`, in chunks of [`CHUNK`] on fresh
    /// simulators.
    fn measure(&mut self, way: Way, count: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = count;
        while left > 0 {
            let n = left.min(CHUNK);
            left -= n;
            if matches!(way, Way::InMemory) {
                self.memory = fresh_sim();
            } else {
                self.server.with_sim(|sim| *sim = fresh_sim());
                self.server.forget_keys();
            }
            total += match way {
                Way::InMemory => self.in_memory(n),
                Way::Handshake(workers) => self.on_threads(workers, n, handshake),
                Way::Blocking(workers) => self.on_threads(workers, n, blocking_login),
                Way::Tokio(workers) => self.tokio(workers, n),
            };
        }
        total
    }

    /// `count` logins in memory, one after the other.
    fn in_memory(&mut self, count: u64) -> Duration {
        let start = Instant::now();
        for number in 0..count {
            let now = Instant::now();
            logins::log_in(&mut self.memory, now, &logins::phone(number), next_key());
        }
        start.elapsed()
    }

    /// `count` runs of `one` (given the client configuration and a number), `workers` at a
    /// time on their own threads.
    fn on_threads(&self, workers: usize, count: u64, one: fn(PoolConfig, u64)) -> Duration {
        let next = AtomicU64::new(0);
        let client = self.client();
        let start = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while let Some(number) = take(&next, count) {
                        one(client.clone(), number);
                    }
                });
            }
        });
        start.elapsed()
    }

    /// `count` logins through `auth_tokio`, `workers` tasks at a time.
    fn tokio(&self, workers: usize, count: u64) -> Duration {
        let next = Arc::new(AtomicU64::new(0));
        let client = self.client();
        self.runtime.block_on(async {
            let start = Instant::now();
            let tasks: Vec<_> = (0..workers)
                .map(|_| {
                    let next = Arc::clone(&next);
                    let client = client.clone();
                    tokio::spawn(async move {
                        while let Some(number) = take(&next, count) {
                            tokio_login(client.clone(), number).await;
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("the login task");
            }
            start.elapsed()
        })
    }
}

/// The number of the chunk's next login, while there is one.
fn take(next: &AtomicU64, count: u64) -> Option<u64> {
    let number = next.fetch_add(1, Ordering::Relaxed);
    (number < count).then_some(number)
}

/// Entropy for a new client: a fresh key every time.
fn client_rng() -> Entropy {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&next_key().to_le_bytes());
    Entropy::deterministic(seed)
}

fn handshake(client: PoolConfig, _number: u64) {
    use auth_blocking::Transport;
    let mut transport =
        auth_blocking::MtprotoTransport::new(client, &mut client_rng()).expect("a server key");
    let config = transport
        .invoke(DcId(2), &HELP_GET_CONFIG.to_le_bytes())
        .expect("a config");
    std::hint::black_box(config.len());
}

fn blocking_login(client: PoolConfig, number: u64) {
    let mut transport =
        auth_blocking::MtprotoTransport::new(client, &mut client_rng()).expect("a server key");
    let auth = auth_blocking::login(
        &mut transport,
        &mut Code,
        logins::config(),
        &logins::phone(number),
        &mut Entropy::deterministic([7; 32]),
        None,
    )
    .expect("logged in");
    std::hint::black_box(auth.user_id);
}

async fn tokio_login(client: PoolConfig, number: u64) {
    let transport =
        auth_tokio::MtprotoTransport::new(client, &mut client_rng()).expect("a server key");
    let auth = auth_tokio::login(
        Arc::new(transport),
        &mut Code,
        logins::config(),
        &logins::phone(number),
        &mut Entropy::deterministic([7; 32]),
        auth_tokio::CancellationToken::new(),
    )
    .await
    .expect("logged in");
    std::hint::black_box(auth.user_id);
}

const WAYS: [(&str, Way); 10] = [
    ("in_memory", Way::InMemory),
    ("handshake/1", Way::Handshake(1)),
    ("handshake/8", Way::Handshake(8)),
    ("handshake/32", Way::Handshake(32)),
    ("blocking/1", Way::Blocking(1)),
    ("blocking/8", Way::Blocking(8)),
    ("blocking/32", Way::Blocking(32)),
    ("tokio/1", Way::Tokio(1)),
    ("tokio/8", Way::Tokio(8)),
    ("tokio/32", Way::Tokio(32)),
];

fn criterion_benches(c: &mut Criterion, servers: &mut Servers) {
    let mut group = c.benchmark_group("adapters");
    group.throughput(criterion::Throughput::Elements(1));
    group.sample_size(10);
    for (name, way) in WAYS {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| servers.measure(way, iters));
        });
    }
    group.finish();
}

/// Logins (or handshakes) per second in interleaved rounds of `PER_ROUND` each way, and the
/// ratio of each figure to the in-memory one and to the single-threaded handshake of the same
/// round.
fn interleaved_ratios(servers: &mut Servers) {
    let rounds = Rounds::count("ADAPTER_RATIO_ROUNDS", 5);
    if rounds == 0 {
        return;
    }
    const PER_ROUND: u64 = 64;
    let mut r = Rounds::new();
    for _ in 0..rounds {
        let mut row = BTreeMap::new();
        for (name, way) in WAYS {
            let took = servers.measure(way, PER_ROUND);
            row.insert(name, PER_ROUND as f64 / took.as_secs_f64());
        }
        r.push(row);
    }
    println!("\ninterleaved, {rounds} rounds of {PER_ROUND} each way:");
    println!(
        "  {:<13} {:>10} {:>12} {:>14}",
        "", "per s", "/ in_memory", "/ handshake/1"
    );
    for (name, _) in WAYS {
        println!(
            "  {name:<13} {:>10.1} {:>12.5} {:>14.3}",
            r.median_of(name),
            r.median(|m| m(name) / m("in_memory")),
            r.median(|m| m(name) / m("handshake/1"))
        );
    }
}

fn main() {
    let mut servers = Servers::start();
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &mut servers);
    c.final_summary();
    if under_cargo_bench() {
        interleaved_ratios(&mut servers);
    }
}
