//! The simulator served in MTProto on loopback, and transports to it, for the flow tests.
#![allow(dead_code)]

use auth_blocking::MtprotoTransport;
use auth_core::LAYER;
use auth_core::entropy::Entropy;
use auth_sim::Sim;
use auth_sim::tcp::{ServerConfig, SimServer};
use mtproto::session::ClientInfo;

/// `sim` served on free ports.
pub fn start(sim: Sim) -> SimServer {
    SimServer::start(sim, ServerConfig::new(Entropy::deterministic([0x51; 32])))
        .expect("server starts")
}

/// A transport to `server` whose keys come from `seed` (distinct seeds: distinct clients).
pub fn client(server: &SimServer, seed: u64) -> MtprotoTransport {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = server.client_config(LAYER, ClientInfo::new(1));
    MtprotoTransport::new(config, &mut Entropy::deterministic(bytes)).expect("a server key")
}
