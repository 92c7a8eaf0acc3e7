//! Benchmarks for tgauth: see benches/README.md.
//!
//! The library holds what several benchmarks share: [`samples`] (a value of every auth result
//! type), [`logins`] (a simulator and logins over it, recorded and replayed) and [`rounds`]
//! (interleaved timing for ratios).

pub mod logins;
pub mod rounds;
pub mod samples;
