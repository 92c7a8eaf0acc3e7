//! Replays every checked-in seed of `fuzz/corpus/<target>/` through its target, so CI runs
//! each fuzz target on stable without cargo-fuzz.
use std::path::Path;

#[test]
fn every_target_replays_its_seed_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, target) in tgauth_fuzz_targets::TARGETS {
        let dir = root.join(name);
        let mut seeds: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus {} missing: {e}", dir.display()))
            .map(|entry| entry.expect("readable entry").path())
            .collect();
        seeds.sort();
        assert!(!seeds.is_empty(), "no seeds for {name}");
        for seed in seeds {
            let data = std::fs::read(&seed).expect("readable seed");
            target(&data);
        }
    }
}

#[test]
fn regression_inputs_replay() {
    // Crashes found by fuzzing live in fuzz/regressions/<target>/ once fixed.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    for (name, target) in tgauth_fuzz_targets::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in entries {
            let data = std::fs::read(entry.expect("entry").path()).expect("readable");
            target(&data);
        }
    }
}
