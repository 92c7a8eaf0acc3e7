//! Logins per second through each adapter over loopback TCP, against the in-memory login in
//! the same run:
//!
//! * `in_memory`: machine and simulator on one thread (as `benches/login.rs`'s `full`);
//! * `blocking/N`: `auth_blocking::login` on N threads, to `auth_blocking::SimServer` (one
//!   thread per connection);
//! * `tokio/N`: `auth_tokio::login` in N tasks on a multi-threaded runtime, to
//!   `auth_tokio::SimServer`.
//!
//! Every login has its own test number (`99966 2 YYYY`, an account without 2FA) and its own
//! auth keys (a fresh transport, hence a fresh TCP connection). Logins run in chunks of 256,
//! each on a fresh simulator swapped in outside the clock.
//!
//! `cargo bench -p tgauth-benches --bench adapters -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth_core::entropy::Entropy;
use auth_core::login::SentCode;
use auth_core::{PasswordInfo, TermsOfService};
use criterion::Criterion;
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
    Blocking(usize),
    Tokio(usize),
}

struct Servers {
    blocking: auth_blocking::SimServer,
    tokio: auth_tokio::SimServer,
    /// The in-memory simulator.
    memory: auth_sim::Sim,
    /// Dropped last: the tokio server stops on it.
    runtime: tokio::runtime::Runtime,
}

impl Servers {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let blocking = auth_blocking::SimServer::start(fresh_sim(), 0).expect("blocking server");
        let tokio = runtime
            .block_on(auth_tokio::SimServer::start(fresh_sim(), 0))
            .expect("tokio server");
        Servers {
            runtime,
            blocking,
            tokio,
            memory: fresh_sim(),
        }
    }

    /// The time `count` logins take `way`, in chunks of [`CHUNK`] on fresh simulators.
    fn measure(&mut self, way: Way, count: u64) -> Duration {
        let mut total = Duration::ZERO;
        let mut left = count;
        while left > 0 {
            let n = left.min(CHUNK);
            left -= n;
            total += match way {
                Way::InMemory => {
                    self.memory = fresh_sim();
                    self.in_memory(n)
                }
                Way::Blocking(workers) => {
                    self.blocking.with_sim(|sim| *sim = fresh_sim());
                    self.blocking(workers, n)
                }
                Way::Tokio(workers) => {
                    self.tokio.with_sim(|sim| *sim = fresh_sim());
                    self.tokio(workers, n)
                }
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

    /// `count` logins through `auth_blocking`, `workers` at a time on their own threads.
    fn blocking(&self, workers: usize, count: u64) -> Duration {
        let addr = self.blocking.addr();
        let next = AtomicU64::new(0);
        let start = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while let Some(number) = take(&next, count) {
                        blocking_login(addr, number);
                    }
                });
            }
        });
        start.elapsed()
    }

    /// `count` logins through `auth_tokio`, `workers` tasks at a time.
    fn tokio(&self, workers: usize, count: u64) -> Duration {
        let addr = self.tokio.addr();
        let next = Arc::new(AtomicU64::new(0));
        self.runtime.block_on(async {
            let start = Instant::now();
            let tasks: Vec<_> = (0..workers)
                .map(|_| {
                    let next = Arc::clone(&next);
                    tokio::spawn(async move {
                        while let Some(number) = take(&next, count) {
                            tokio_login(addr, number).await;
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

fn blocking_login(addr: SocketAddr, number: u64) {
    let mut transport =
        auth_blocking::TcpTransport::new(addr, auth_blocking::TcpOptions::new(next_key()));
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

async fn tokio_login(addr: SocketAddr, number: u64) {
    let transport = Arc::new(auth_tokio::TcpTransport::new(
        addr,
        auth_tokio::TcpOptions::new(next_key()),
    ));
    let auth = auth_tokio::login(
        transport,
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

const WAYS: [(&str, Way); 7] = [
    ("in_memory", Way::InMemory),
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

/// Logins per second in interleaved rounds of `PER_ROUND` logins each way, and the ratio of
/// each figure to the in-memory one of the same round.
fn interleaved_ratios(servers: &mut Servers) {
    let rounds = Rounds::count("ADAPTER_RATIO_ROUNDS", 7);
    if rounds == 0 {
        return;
    }
    const PER_ROUND: u64 = 2 * CHUNK;
    let mut r = Rounds::new();
    for _ in 0..rounds {
        let mut row = BTreeMap::new();
        for (name, way) in WAYS {
            let took = servers.measure(way, PER_ROUND);
            row.insert(name, PER_ROUND as f64 / took.as_secs_f64());
        }
        r.push(row);
    }
    println!("\ninterleaved, {rounds} rounds of {PER_ROUND} logins each way:");
    println!("  {:<12} {:>12} {:>12}", "", "logins/s", "/ in_memory");
    for (name, _) in WAYS {
        println!(
            "  {name:<12} {:>12.0} {:>12.4}",
            r.median_of(name),
            r.median(|m| m(name) / m("in_memory"))
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
