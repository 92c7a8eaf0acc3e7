//! Caller-seeded entropy: lands with the SRP issue.
