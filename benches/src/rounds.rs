//! Interleaved rounds: every operation timed once per round, so that all see the same load
//! on a shared machine, and ratios taken within a round (see benches/README.md).

use std::collections::BTreeMap;

/// Per-round measurements by name (any unit), and medians of them and of ratios.
#[derive(Debug, Default)]
pub struct Rounds {
    rows: Vec<BTreeMap<&'static str, f64>>,
}

impl Rounds {
    /// No rounds yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many rounds to run: the environment variable `var`, else `default` (`0` skips).
    pub fn count(var: &str, default: usize) -> usize {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Records one round.
    pub fn push(&mut self, row: BTreeMap<&'static str, f64>) {
        self.rows.push(row);
    }

    /// The median of `f` over the rounds (`NaN` without rounds).
    pub fn median(&self, f: impl Fn(&dyn Fn(&str) -> f64) -> f64) -> f64 {
        let mut values: Vec<f64> = self
            .rows
            .iter()
            .map(|row| f(&|name| row.get(name).copied().unwrap_or(f64::NAN)))
            .collect();
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    }

    /// The median of one measurement.
    pub fn median_of(&self, name: &str) -> f64 {
        self.median(|m| m(name))
    }
}

/// Whether the process runs under `cargo bench` (which passes `--bench`), not as a
/// `cargo test` smoke run.
pub fn under_cargo_bench() -> bool {
    std::env::args().any(|a| a == "--bench")
}
