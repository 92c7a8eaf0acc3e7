//! One test per row of the behaviour table in the crate documentation (`src/lib.rs`), named
//! after its row; `table_matches_tests` keeps the two in step.

mod codes;
mod common;
mod countries;
mod email;
mod gate;
mod inspect;
mod layers;
mod numbers;
mod password;
mod password_settings;
mod qr;
mod sessions;
mod tokens;

use std::collections::BTreeSet;

/// The sources of the test modules, to list their tests.
const MODULES: &[&str] = &[
    include_str!("codes.rs"),
    include_str!("countries.rs"),
    include_str!("email.rs"),
    include_str!("gate.rs"),
    include_str!("inspect.rs"),
    include_str!("layers.rs"),
    include_str!("numbers.rs"),
    include_str!("password.rs"),
    include_str!("password_settings.rs"),
    include_str!("qr.rs"),
    include_str!("sessions.rs"),
    include_str!("tokens.rs"),
];

/// The crate documentation holding the table.
const LIB: &str = include_str!("../../src/lib.rs");

#[test]
fn table_matches_tests() {
    let mut tests = BTreeSet::new();
    for source in MODULES {
        let mut lines = source.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "#[test]" {
                let next = lines.next().unwrap_or_default().trim();
                let name = next
                    .strip_prefix("fn ")
                    .and_then(|rest| rest.split('(').next())
                    .expect("#[test] is followed by fn");
                assert!(tests.insert(name.to_owned()), "duplicate test {name}");
            }
        }
    }
    let mut rows = BTreeSet::new();
    for line in LIB.lines().filter_map(|l| l.strip_prefix("//! |")) {
        let last = line
            .trim_end()
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .unwrap_or_default();
        let name = last.trim().trim_matches('`');
        if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty() {
            assert!(rows.insert(name.to_owned()), "duplicate row {name}");
        }
    }
    let missing_tests: Vec<_> = rows.difference(&tests).collect();
    let missing_rows: Vec<_> = tests.difference(&rows).collect();
    assert!(
        missing_tests.is_empty() && missing_rows.is_empty(),
        "rows without a test: {missing_tests:?}; tests without a row: {missing_rows:?}"
    );
    assert!(rows.len() >= 40, "{} rows", rows.len());
}
