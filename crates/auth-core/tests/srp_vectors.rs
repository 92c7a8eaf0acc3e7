//! SRP conformance: every line of `tests/data/srp.jsonl` (a copy of the shared vectors, computed
//! by independent implementations) through the two-step API, the one-shot vector API and the
//! `srp_vectors` example's line processing.

use auth_core::srp::vectors::{VectorInput, compute};
use auth_core::srp::{SrpAlgo, SrpChallenge};
use serde_json::Value;

#[path = "../examples/srp_vectors.rs"]
#[allow(dead_code)]
mod example;

const VECTORS: &str = include_str!("data/srp.jsonl");

struct Vector {
    raw: Value,
    id: String,
    password: Vec<u8>,
    algo: SrpAlgo,
    srp_b: Vec<u8>,
    a: Vec<u8>,
    expect_error: Option<String>,
}

impl Vector {
    fn hex(&self, name: &str) -> Option<Vec<u8>> {
        self.raw
            .get(name)
            .and_then(Value::as_str)
            .map(|s| hex::decode(s).expect("hex field"))
    }
}

fn vectors() -> Vec<Vector> {
    VECTORS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let raw: Value = serde_json::from_str(line).expect("JSON line");
            let hex = |name: &str| hex::decode(raw[name].as_str().expect(name)).expect("hex");
            Vector {
                id: raw["id"].as_str().expect("id").to_owned(),
                password: hex("password"),
                algo: SrpAlgo {
                    salt1: hex("salt1"),
                    salt2: hex("salt2"),
                    g: i32::try_from(raw["g"].as_i64().expect("g")).expect("g fits"),
                    p: hex("p"),
                },
                srp_b: hex("srp_B"),
                a: hex("a"),
                expect_error: raw
                    .get("expect_error")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                raw,
            }
        })
        .collect()
}

#[test]
fn srp_the_vector_file_has_every_kind_of_line() {
    let all = vectors();
    assert_eq!(all.len(), 15);
    assert!(
        all.iter()
            .any(|v| v.expect_error.is_none() && v.raw["kind"] == "positive")
    );
    assert!(all.iter().any(|v| v.expect_error.is_some()));
    assert!(
        all.iter().any(|v| v.srp_b.len() < 256),
        "an unpadded srp_B line"
    );
}

/// The two-step API (`with_secret_a` then `check_traced`) against every field.
#[test]
fn srp_two_step_api_matches_vectors() {
    for v in vectors() {
        let result = SrpChallenge::with_secret_a(&v.algo, &v.srp_b, 42, &v.a)
            .and_then(|c| c.check_traced(&v.password));
        match (&v.expect_error, result) {
            (Some(kind), Err(e)) => assert_eq!(e.kind(), kind, "{}", v.id),
            (Some(kind), Ok(_)) => panic!("{}: accepted, expected {kind}", v.id),
            (None, Err(e)) => panic!("{}: rejected with {}", v.id, e.kind()),
            (None, Ok((check, trace))) => {
                assert_eq!(check.srp_id, 42);
                assert_eq!(Some(check.a.to_vec()), v.hex("expected_A"), "{} A", v.id);
                assert_eq!(Some(check.m1.to_vec()), v.hex("expected_M1"), "{} M1", v.id);
                let fields: [(&str, &[u8]); 8] = [
                    ("x", &trace.x),
                    ("v", &trace.v),
                    ("k", &trace.k),
                    ("u", &trace.u),
                    ("k_v", &trace.k_v),
                    ("t", &trace.t),
                    ("s_a", &trace.s_a),
                    ("k_a", &trace.k_a),
                ];
                for (name, ours) in fields {
                    if let Some(expected) = v.hex(name) {
                        assert_eq!(ours, &expected[..], "{} {name}", v.id);
                    } else {
                        assert_ne!(
                            v.raw["kind"], "positive",
                            "{}: positive lines carry {name}",
                            v.id
                        );
                    }
                }
            }
        }
    }
}

/// The one-shot vector API (checks in the documented order, `v` from the same `x`).
#[test]
fn srp_one_shot_api_matches_vectors() {
    for v in vectors() {
        let result = compute(&VectorInput {
            password: &v.password,
            algo: &v.algo,
            srp_b: &v.srp_b,
            a: &v.a,
        });
        match (&v.expect_error, result) {
            (Some(kind), Err(e)) => assert_eq!(e.kind(), kind, "{}", v.id),
            (Some(kind), Ok(_)) => panic!("{}: accepted, expected {kind}", v.id),
            (None, Err(e)) => panic!("{}: rejected with {}", v.id, e.kind()),
            (None, Ok(out)) => {
                assert_eq!(Some(out.a.to_vec()), v.hex("expected_A"), "{} A", v.id);
                assert_eq!(Some(out.m1.to_vec()), v.hex("expected_M1"), "{} M1", v.id);
                if let Some(expected_v) = v.hex("v") {
                    assert_eq!(out.v.to_vec(), expected_v, "{} v", v.id);
                }
            }
        }
    }
}

/// The example's whole-file processing, compared with the expected fields.
#[test]
fn srp_example_output_matches_vectors() {
    let outputs = example::process_all(VECTORS);
    let all = vectors();
    let answers: Vec<Value> = outputs
        .into_iter()
        .flatten()
        .map(|l| serde_json::from_str(&l).expect("the example prints JSON"))
        .collect();
    assert_eq!(answers.len(), all.len());
    for (v, answer) in all.iter().zip(&answers) {
        assert_eq!(answer["id"], v.raw["id"]);
        match &v.expect_error {
            Some(kind) => assert_eq!(answer["error"], kind.as_str(), "{}", v.id),
            None => {
                assert_eq!(answer.get("error"), None, "{}", v.id);
                assert_eq!(answer["A"], v.raw["expected_A"], "{}", v.id);
                assert_eq!(answer["M1"], v.raw["expected_M1"], "{}", v.id);
                if v.raw.get("v").is_some() {
                    assert_eq!(answer["v"], v.raw["v"], "{}", v.id);
                }
                assert_eq!(answer["A"].as_str().map(str::len), Some(512));
                assert_eq!(answer["v"].as_str().map(str::len), Some(512));
                assert_eq!(answer["M1"].as_str().map(str::len), Some(64));
            }
        }
    }
}

#[test]
fn srp_example_reports_malformed_lines() {
    assert_eq!(example::process_line("   "), None);
    let kind = |line: &str| -> Value {
        let out = example::process_line(line).expect("a non-blank line gets an answer");
        serde_json::from_str::<Value>(&out).expect("JSON")["error"].clone()
    };
    assert_eq!(kind("not json"), "bad_json");
    assert_eq!(kind("[1, 2]"), "bad_json");
    assert_eq!(kind("{\"id\": \"x\"}"), "bad_json");
    // Take a valid negative line and damage one field at a time.
    let base: Value = serde_json::from_str(VECTORS.lines().last().expect("lines")).expect("JSON");
    let with = |name: &str, value: Value| {
        let mut v = base.clone();
        v[name] = value;
        v.to_string()
    };
    assert_eq!(kind(&with("salt1", Value::from("zz"))), "bad_hex");
    assert_eq!(kind(&with("p", Value::from("abc"))), "bad_hex");
    assert_eq!(kind(&with("g", Value::from("3"))), "bad_json");
    assert_eq!(kind(&with("g", Value::from(3.5))), "bad_json");
    assert_eq!(kind(&with("a", Value::Null)), "bad_json");
    assert_eq!(kind(&with("g", Value::from(1u64 << 40))), "g_out_of_range");
    assert_eq!(kind(&with("g", Value::from(u64::MAX))), "g_out_of_range");
    assert_eq!(
        kind(&with("srp_B", Value::from("00".repeat(257)))),
        "g_b_bad_length"
    );
    assert_eq!(
        kind(&with("a", Value::from("01".repeat(257)))),
        "secret_bad_length"
    );
    // The id is echoed as given, whatever its JSON type.
    let out = example::process_line("{\"id\": [1, \"two\"]}").expect("answer");
    let out: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(out["id"], serde_json::json!([1, "two"]));
}
