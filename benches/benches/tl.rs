//! TL benchmarks: encoding and decoding each auth result type the core reads, against a copy of
//! the same bytes (`to_vec`: one allocation and a memcpy) as the baseline, and encoding (sized
//! once by `encoded_len`) against `serialize` into a growing buffer, as `to_bytes` did before.
//!
//! `cargo bench -p tgauth-benches --bench tl -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use auth_core::tl::{self, Deserialize, Serialize};
use criterion::{Criterion, criterion_group};
use tgauth_benches::rounds::{Rounds, under_cargo_bench};
use tgauth_benches::samples;

/// Encodes the sample value.
type Encode = Box<dyn Fn() -> Vec<u8>>;
/// Decodes bytes as the sample's type; whether that worked.
type Decode = Box<dyn Fn(&[u8]) -> bool>;

/// One sample value: its name, its bytes, and how to encode or decode it.
struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    encode: Encode,
    /// `serialize` into an empty vector that grows as it goes (reallocating, and leaving the
    /// old buffers behind unwiped): `to_bytes` before it sized its buffer.
    encode_grow: Encode,
    decode: Decode,
}

fn case<T: Serialize + Deserialize + PartialEq + Clone + 'static>(
    name: &'static str,
    value: T,
) -> Case {
    let bytes = value.to_bytes();
    // The sample round-trips: the decode benchmark measures real work.
    assert!(tl::decode::<T>(&bytes).is_ok_and(|v| v == value), "{name}");
    let grown = value.clone();
    Case {
        name,
        bytes,
        encode: Box::new(move || value.to_bytes()),
        encode_grow: Box::new(move || {
            let mut out = Vec::new();
            grown.serialize(&mut out);
            out
        }),
        decode: Box::new(|bytes| tl::decode::<T>(bytes).is_ok()),
    }
}

fn cases() -> Vec<Case> {
    vec![
        case("auth.SentCode", samples::sent_code()),
        case("auth.Authorization", samples::authorization()),
        case("account.Password", samples::password()),
        case("auth.LoginToken", samples::login_token()),
        case("account.EmailVerified", samples::email_verified()),
        case("help.CountriesList", samples::countries_list()),
    ]
}

fn criterion_benches(c: &mut Criterion) {
    for case in cases() {
        let mut group = c.benchmark_group(format!("tl/{}", case.name));
        group.throughput(criterion::Throughput::Bytes(case.bytes.len() as u64));
        group.bench_function("memcpy", |b| b.iter(|| black_box(&case.bytes).to_vec()));
        group.bench_function("encode", |b| b.iter(|| (case.encode)()));
        group.bench_function("encode_grow", |b| b.iter(|| (case.encode_grow)()));
        group.bench_function("decode", |b| {
            b.iter(|| assert!((case.decode)(black_box(&case.bytes))))
        });
        group.finish();
    }
}

/// Per type, in interleaved rounds: ns per encode, decode and copy, and their ratios.
fn interleaved_ratios() {
    let rounds = Rounds::count("TL_RATIO_ROUNDS", 15);
    if rounds == 0 {
        return;
    }
    const REPS: u32 = 2_000;
    let cases = cases();
    let mut results: Vec<Rounds> = cases.iter().map(|_| Rounds::new()).collect();
    let ns = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..REPS {
            f();
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(REPS)
    };
    for _ in 0..rounds {
        for (case, result) in cases.iter().zip(&mut results) {
            let memcpy = ns(&mut || {
                black_box(black_box(&case.bytes).to_vec());
            });
            let encode = ns(&mut || {
                black_box((case.encode)());
            });
            let grow = ns(&mut || {
                black_box((case.encode_grow)());
            });
            let decode = ns(&mut || {
                black_box((case.decode)(black_box(&case.bytes)));
            });
            result.push(BTreeMap::from([
                ("memcpy", memcpy),
                ("encode", encode),
                ("grow", grow),
                ("decode", decode),
            ]));
        }
    }
    println!(
        "\ninterleaved, {rounds} rounds of {REPS}; medians (ns) and medians of per-round ratios:"
    );
    println!(
        "  {:<22} {:>6} {:>8} {:>8} {:>8} {:>8} {:>14} {:>12} {:>14}",
        "type",
        "bytes",
        "memcpy",
        "encode",
        "grow",
        "decode",
        "encode/memcpy",
        "encode/grow",
        "decode/memcpy"
    );
    for (case, r) in cases.iter().zip(&results) {
        println!(
            "  {:<22} {:>6} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>14.1} {:>12.2} {:>14.1}",
            case.name,
            case.bytes.len(),
            r.median_of("memcpy"),
            r.median_of("encode"),
            r.median_of("grow"),
            r.median_of("decode"),
            r.median(|m| m("encode") / m("memcpy")),
            r.median(|m| m("encode") / m("grow")),
            r.median(|m| m("decode") / m("memcpy")),
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
