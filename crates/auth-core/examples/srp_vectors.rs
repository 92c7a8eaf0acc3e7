//! `cargo run -p auth-core --example srp_vectors -- FILE.jsonl`
//!
//! Reads SRP test-vector lines (the format of `tests/data/srp.jsonl`) and prints one JSON line
//! per non-blank input line, in input order:
//!
//! * `{"id": ..., "A": "<hex>", "M1": "<hex>", "v": "<hex>"}` — `A` and `v` 256 bytes, `M1` 32
//!   bytes, lowercase; `v` is the new-password hash for exactly the line's salts, computed from
//!   the same `x` as the check (one PBKDF2 per line);
//! * `{"id": ..., "error": "<kind>"}` — the [`SrpError::kind`] of the first failing check, or
//!   `bad_json` (not a JSON object, a missing or mistyped field) / `bad_hex` (a field that is
//!   not hex).
//!
//! Only the inputs are read: `password` (hex of the bytes), `salt1`, `salt2`, `g`, `p`, `srp_B`
//! (or `g_b`), `a`; never the expected values. Lines are spread over the available cores; the
//! prime verdicts are cached for the whole process. Exit status 0, or 2 if the file cannot be
//! read.
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_core::srp::SrpAlgo;
use auth_core::srp::vectors::{VectorInput, compute};
use serde_json::{Map, Value};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: srp_vectors FILE.jsonl");
        return ExitCode::from(2);
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            eprintln!("srp_vectors: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    for out in process_all(&text).into_iter().flatten() {
        println!("{out}");
    }
    ExitCode::SUCCESS
}

/// Processes every line, on as many threads as there are cores; the answers keep the input
/// order (`None` for blank lines).
pub fn process_all(text: &str) -> Vec<Option<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, lines.len().max(1));
    let next = AtomicUsize::new(0);
    let mut outputs: Vec<Option<String>> = vec![None; lines.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(line) = lines.get(i) else { break };
                        done.push((i, process_line(line)));
                    }
                    done
                })
            })
            .collect();
        for handle in handles {
            // process_line never panics; a worker that did would just leave its lines out.
            for (i, out) in handle.join().unwrap_or_default() {
                outputs[i] = out;
            }
        }
    });
    outputs
}

/// The JSON answer for one input line, or `None` for a blank line.
pub fn process_line(line: &str) -> Option<String> {
    if line.trim().is_empty() {
        return None;
    }
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(line) else {
        return Some(error_line(&Value::Null, "bad_json"));
    };
    let id = fields.get("id").cloned().unwrap_or(Value::Null);
    let answer = match parse(&fields) {
        Err(kind) => error_line(&id, kind),
        Ok(parsed) => {
            let input = VectorInput {
                password: &parsed.password,
                algo: &parsed.algo,
                srp_b: &parsed.srp_b,
                a: &parsed.a,
            };
            match compute(&input) {
                Ok(out) => format!(
                    "{{\"id\": {}, \"A\": \"{}\", \"M1\": \"{}\", \"v\": \"{}\"}}",
                    id,
                    hex::encode(out.a),
                    hex::encode(out.m1),
                    hex::encode(out.v)
                ),
                Err(e) => error_line(&id, e.kind()),
            }
        }
    };
    Some(answer)
}

fn error_line(id: &Value, kind: &str) -> String {
    format!("{{\"id\": {id}, \"error\": \"{kind}\"}}")
}

struct Parsed {
    password: Vec<u8>,
    algo: SrpAlgo,
    srp_b: Vec<u8>,
    a: Vec<u8>,
}

fn parse(fields: &Map<String, Value>) -> Result<Parsed, &'static str> {
    let hex_field = |name: &str| -> Result<Vec<u8>, &'static str> {
        match fields.get(name) {
            Some(Value::String(s)) => hex::decode(s).map_err(|_| "bad_hex"),
            _ => Err("bad_json"),
        }
    };
    let srp_b = if fields.contains_key("srp_B") {
        hex_field("srp_B")?
    } else {
        hex_field("g_b")?
    };
    // g is a JSON integer; one outside i32 is certainly outside 2..=7, so clamp it (the error
    // still comes in check order, after the srp_B and p checks).
    let g = match fields.get("g") {
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(g), _) => g.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            (None, Some(_)) => i32::MAX,
            (None, None) => return Err("bad_json"),
        },
        _ => return Err("bad_json"),
    };
    Ok(Parsed {
        password: hex_field("password")?,
        algo: SrpAlgo {
            salt1: hex_field("salt1")?,
            salt2: hex_field("salt2")?,
            g,
            p: hex_field("p")?,
        },
        srp_b,
        a: hex_field("a")?,
    })
}
