//! Sans-IO Telegram user authorization.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod before_auth;
pub mod dc;
pub mod entropy;
pub mod rpc_error;
pub mod srp;
pub mod tl;

pub use dc::DcId;
pub use rpc_error::{RpcError, RpcErrorKind};
pub use tl::LAYER;
