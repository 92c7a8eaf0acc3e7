//! tokio adapter for auth-core: async transport, driver loop, demo CLI
#![forbid(unsafe_code)]
#![deny(missing_docs)]
