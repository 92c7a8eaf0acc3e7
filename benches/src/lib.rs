//! Benchmarks for tgauth: see benches/README.md.
