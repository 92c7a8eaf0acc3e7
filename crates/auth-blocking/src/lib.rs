//! std adapter for auth-core: blocking transport, driver loop, TCP transport
#![forbid(unsafe_code)]
#![deny(missing_docs)]
