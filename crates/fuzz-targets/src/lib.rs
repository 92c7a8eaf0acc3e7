//! The bodies of tgauth's fuzz targets.
//!
//! Each function takes the fuzzer's bytes and panics only when an invariant breaks (a panic
//! inside the code under test is a finding too). `fuzz/fuzz_targets/*.rs` call these under
//! cargo-fuzz on nightly; `tests/corpus.rs` replays every file of `fuzz/corpus/<target>/` on
//! stable, so CI exercises every target without nightly.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// The fuzz harness stands in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]

mod flow;
mod mtproto_handshake;
mod mtproto_pool;
mod mtproto_session;
mod mtproto_transport;
mod session_file;
mod sim;
mod tl_targets;

pub use flow::login_flow;
pub use mtproto_handshake::mtproto_server_handshake;
pub use mtproto_pool::mtproto_pool;
pub use mtproto_session::{mtproto_client_session, mtproto_server_session};
pub use mtproto_transport::mtproto_transport;
pub use session_file::session_file;
pub use sim::sim_request;
pub use tl_targets::{logout_tokens, rpc_error, srp_params, tl_decode};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, for the corpus replay and the CI runner.
pub const TARGETS: &[(&str, Target)] = &[
    ("tl_decode", tl_decode),
    ("rpc_error", rpc_error),
    ("srp_params", srp_params),
    ("login_flow", login_flow),
    ("logout_tokens", logout_tokens),
    ("sim_request", sim_request),
    ("session_file", session_file),
    ("mtproto_transport", mtproto_transport),
    ("mtproto_server_handshake", mtproto_server_handshake),
    ("mtproto_server_session", mtproto_server_session),
    ("mtproto_client_session", mtproto_client_session),
    ("mtproto_pool", mtproto_pool),
];
