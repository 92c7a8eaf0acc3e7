//! A deterministic, sans-IO simulated Telegram authorization server
#![forbid(unsafe_code)]
#![deny(missing_docs)]
