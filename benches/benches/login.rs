//! The phone login without 2FA (sendCode → code → signIn → logged in), machine and simulator
//! in memory (`auth_sim::Sim::handle`, no sockets), and its parts timed apart:
//!
//! * `full`: `auth_core::login::Login` against a live simulator;
//! * `machine`: the login fed the recorded replies (no simulator);
//! * `sim`: the simulator fed the recorded requests (no login);
//! * `tl`: the TL encoding and decoding the login does (two requests, two replies, the user).
//!
//! Allocations per login are counted with `stats_alloc`. Each pass is `LOGINS` distinct
//! numbers and keys on a fresh simulator (built outside the clock).
//!
//! `cargo bench -p tgauth-benches --bench login -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::alloc::System;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tgauth_benches::logins::{
    self, Recorded, TlWork, replay_full, replay_machine, replay_sim, replay_tl,
};
use tgauth_benches::rounds::{Rounds, under_cargo_bench};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Logins per pass (distinct numbers and keys).
const LOGINS: u64 = 256;

struct Setup {
    logins: Vec<Recorded>,
    tl: Vec<TlWork>,
}

fn setup() -> Setup {
    let logins = logins::record(LOGINS, Instant::now());
    assert!(
        logins::replay_is_faithful(&logins),
        "the simulator replays deterministically"
    );
    let tl = logins.iter().map(TlWork::new).collect();
    Setup { logins, tl }
}

/// Runs `pass` often enough for `iters` logins; the time of the logins only.
fn per_login(iters: u64, pass: impl Fn() -> Duration) -> Duration {
    let passes = iters.div_ceil(LOGINS);
    let total: Duration = (0..passes).map(|_| pass()).sum();
    // Scale to exactly `iters` logins.
    total.mul_f64(iters as f64 / (passes * LOGINS) as f64)
}

fn criterion_benches(c: &mut Criterion) {
    let s = setup();
    let mut group = c.benchmark_group("login");
    group.throughput(criterion::Throughput::Elements(1));
    group.bench_function("full", |b| {
        b.iter_custom(|iters| per_login(iters, || replay_full(&s.logins)));
    });
    group.bench_function("machine", |b| {
        b.iter_custom(|iters| per_login(iters, || replay_machine(&s.logins)));
    });
    group.bench_function("sim", |b| {
        b.iter_custom(|iters| per_login(iters, || replay_sim(&s.logins)));
    });
    group.bench_function("tl", |b| {
        b.iter_custom(|iters| per_login(iters, || replay_tl(&s.tl)));
    });
    group.finish();
}

/// Allocations and bytes allocated per login by `f`, which does `LOGINS` logins.
fn allocations(f: impl FnOnce()) -> (f64, f64) {
    let region = Region::new(GLOBAL);
    f();
    let stats = region.change();
    let n = LOGINS as f64;
    (
        stats.allocations as f64 / n,
        stats.bytes_allocated as f64 / n,
    )
}

fn interleaved_ratios() {
    let rounds = Rounds::count("LOGIN_RATIO_ROUNDS", 15);
    if rounds == 0 {
        return;
    }
    let s = setup();
    let us = |d: Duration| d.as_secs_f64() * 1e6 / LOGINS as f64;
    let mut r = Rounds::new();
    for _ in 0..rounds {
        r.push(BTreeMap::from([
            ("full", us(replay_full(&s.logins))),
            ("machine", us(replay_machine(&s.logins))),
            ("sim", us(replay_sim(&s.logins))),
            ("tl", us(replay_tl(&s.tl))),
        ]));
    }
    println!("\ninterleaved, {rounds} rounds of {LOGINS} logins; median µs per login:");
    for name in ["full", "machine", "sim", "tl"] {
        println!("  {name:<8} {:>8.2}", r.median_of(name));
    }
    println!("median of per-round ratios:");
    for (label, ratio) in [
        ("machine / tl", r.median(|m| m("machine") / m("tl"))),
        ("machine / sim", r.median(|m| m("machine") / m("sim"))),
        (
            "full / (machine + sim)",
            r.median(|m| m("full") / (m("machine") + m("sim"))),
        ),
        ("tl / full", r.median(|m| m("tl") / m("full"))),
    ] {
        println!("  {label:<24} {ratio:.3}");
    }

    // The fresh simulators are built outside the regions, as outside the clock.
    let mut sim = logins::sim(LOGINS);
    let full = allocations(|| {
        for l in &s.logins {
            logins::log_in(&mut sim, l.now, &l.phone, l.key);
        }
    });
    let machine = allocations(|| {
        for l in &s.logins {
            logins::machine_login(l);
        }
    });
    let mut sim = logins::sim(LOGINS);
    let sim_only = allocations(|| {
        for l in &s.logins {
            for request in &l.requests {
                std::hint::black_box(sim.handle(l.now, l.dc, l.key, request));
            }
        }
    });
    let tl = allocations(|| {
        for w in &s.tl {
            std::hint::black_box(w.run());
        }
    });
    println!("allocations per login (count, bytes):");
    for (name, (count, bytes)) in [
        ("full", full),
        ("machine", machine),
        ("sim", sim_only),
        ("tl", tl),
    ] {
        println!("  {name:<8} {count:>6.1} {bytes:>8.0}");
    }
    println!(
        "  machine / tl: {:.2} allocations, {:.2} bytes",
        machine.0 / tl.0,
        machine.1 / tl.1
    );
}

criterion_group!(benches, criterion_benches);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if under_cargo_bench() {
        interleaved_ratios();
    }
}
