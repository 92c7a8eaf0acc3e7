//! Where the demo's calls go, over real MTProto: the embedded simulator (served on loopback),
//! a simulator started separately (`--connect`), or Telegram's own test DCs
//! (`--telegram-test`); and the session file that keeps the keys (`--session`).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use auth_core::entropy::Entropy;
use auth_core::login::Config;
use auth_core::{Authorization, LAYER, RpcError};
use auth_sim::Sim;
use auth_sim::tcp::{ServerConfig, SimServer};
use auth_store::SessionFile;
use auth_tokio::{MtprotoTransport, Transport};
use mtproto::keys::RsaPublicKey;
use mtproto::pool::{DcTable, PoolConfig};
use mtproto::session::ClientInfo;
use tokio::sync::mpsc;

use super::cli::CommonArgs;
use super::console::Console;
use super::{API_HASH, API_ID, FAILED, USAGE};

/// `updates.getState#edd4882a = updates.State`: answered for a logged-in key only.
const UPDATES_GET_STATE: u32 = 0xedd4_882a;

/// How many DCs a simulator started separately serves (`--connect`).
const SIM_DCS: u16 = auth_sim::tcp::DC_COUNT;

/// The transport the demo logs in over, and what it talks to.
pub struct Backend {
    pub transport: Arc<MtprotoTransport>,
    /// The embedded simulator, if the demo runs one.
    pub server: Option<SimServer>,
    api_id: i32,
    api_hash: String,
}

/// The OS generator: the transport's keys and every login's secrets come from it.
pub fn os_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

impl Backend {
    /// Connects as `common` says; `sim` builds the simulator to embed (called only when
    /// neither `--connect` nor `--telegram-test` is given). With `calls`, the embedded
    /// simulator sends one line per call served there.
    pub async fn open(
        common: &CommonArgs,
        sim: impl FnOnce() -> Result<Sim, String>,
        calls: Option<mpsc::UnboundedSender<String>>,
        console: &mut Console,
    ) -> Result<Backend, u8> {
        let mut rng = os_rng();
        let (pool, server, api_id, api_hash) = match (&common.connect, common.telegram_test) {
            (Some(_), true) => {
                console.error("error: --connect and --telegram-test name two different servers");
                return Err(USAGE);
            }
            (None, true) => {
                let (api_id, api_hash) = telegram_credentials(console)?;
                let pool = PoolConfig::telegram_test(LAYER, ClientInfo::new(api_id));
                console.say("[net] Telegram's test DCs (149.154.167.40 and others, port 443)");
                (pool, None, api_id, api_hash)
            }
            (Some(address), false) => {
                let dc1 = lookup(address, console).await?;
                let key = server_key(common.server_key.as_deref(), console)?;
                let dcs = DcTable::consecutive(dc1.ip(), dc1.port(), SIM_DCS);
                let pool = PoolConfig::new(dcs, vec![key], LAYER, ClientInfo::new(API_ID));
                (pool, None, API_ID, API_HASH.to_owned())
            }
            (None, false) => {
                let sim = sim().map_err(|e| {
                    console.error(&format!("error: cannot set up the simulator: {e}"));
                    FAILED
                })?;
                let mut config = ServerConfig::new(Entropy::from_rng(&mut rng));
                if let Some(calls) = calls {
                    config = config.with_log(move |call| {
                        let _ = calls.send(format!("[sim] {call}"));
                    });
                }
                let server = SimServer::start(sim, config).map_err(|e| {
                    console.error(&format!("error: cannot start the simulator: {e}"));
                    FAILED
                })?;
                let port = server.base_port();
                console.say(&format!(
                    "[sim] simulated Telegram on 127.0.0.1, DC 1 to 5 on ports {port} to {} (MTProto)",
                    u32::from(port) + 4
                ));
                let pool = server.client_config(LAYER, ClientInfo::new(API_ID));
                (pool, Some(server), API_ID, API_HASH.to_owned())
            }
        };
        let transport = match &common.session {
            Some(path) => {
                let store = open_session(path, console)?;
                MtprotoTransport::new(pool, &mut rng).map(|t| t.with_session(store))
            }
            None => MtprotoTransport::new(pool, &mut rng),
        };
        let transport = transport.map_err(|e| {
            console.error(&format!("error: {e}"));
            FAILED
        })?;
        Ok(Backend {
            transport: Arc::new(transport),
            server,
            api_id,
            api_hash,
        })
    }

    /// The login configuration: the app's credentials for this server.
    pub fn login_config(&self) -> Config {
        Config::new(self.api_id, self.api_hash.clone())
    }

    /// The embedded simulator, to show what it delivered.
    pub fn sim(&self) -> Option<Arc<Mutex<Sim>>> {
        self.server.as_ref().map(SimServer::sim)
    }

    /// The user the session file says is logged in, if the server agrees (`updates.getState`
    /// answers on the home DC's key). A key the server no longer knows, or knows logged out,
    /// means a new login.
    pub async fn stored_login(&self, console: &mut Console) -> Option<i64> {
        let (dc, user) = self
            .transport
            .with_session_file(|store| {
                let session = store.session();
                Some((session.home_dc()?, session.user_id()?))
            })
            .flatten()?;
        let state = UPDATES_GET_STATE.to_le_bytes().to_vec();
        match self.transport.invoke(dc, state).await {
            Ok(answer) if !RpcError::is_rpc_error(&answer) => Some(user),
            Ok(answer) => {
                let reason = RpcError::decode(&answer).map_or_else(|_| "?".into(), |e| e.name);
                console.say(&format!(
                    "[session] the stored login of user {user} is over ({reason}): logging in again"
                ));
                None
            }
            Err(failure) => {
                console.say(&format!(
                    "[session] the stored login of user {user} could not be checked ({failure}): logging in again"
                ));
                None
            }
        }
    }

    /// Records a login in the session file (its key is there already).
    pub fn remember_login(&self, auth: &Authorization, console: &mut Console) {
        let saved = self
            .transport
            .with_session_file(|store| store.set_logged_in(auth.dc, auth.user_id));
        match saved {
            Some(Ok(())) => console.say("[session] the login is kept in the session file"),
            Some(Err(e)) => {
                console.error(&format!("warning: the session file was not updated: {e}"))
            }
            None => {}
        }
    }

    /// Forgets the login and its keys in the session file, after logging out.
    pub fn forget_login(&self, console: &mut Console) {
        match self.transport.with_session_file(SessionFile::log_out) {
            Some(Ok(())) => console.say("[session] the key is dropped from the session file"),
            Some(Err(e)) => {
                console.error(&format!("warning: the session file was not updated: {e}"))
            }
            None => {}
        }
    }

    /// Stops the embedded simulator, if any.
    pub fn shutdown(self) {
        if let Some(server) = self.server {
            server.shutdown();
        }
    }
}

/// `TG_API_ID` and `TG_API_HASH` from the environment (an app's, from my.telegram.org).
fn telegram_credentials(console: &mut Console) -> Result<(i32, String), u8> {
    let id = std::env::var("TG_API_ID")
        .ok()
        .and_then(|v| v.trim().parse().ok());
    let hash = std::env::var("TG_API_HASH")
        .ok()
        .filter(|h| !h.trim().is_empty());
    match (id, hash) {
        (Some(id), Some(hash)) => Ok((id, hash)),
        _ => {
            console.error(
                "error: --telegram-test needs an app's credentials from https://my.telegram.org \
                 in TG_API_ID (a number) and TG_API_HASH",
            );
            Err(USAGE)
        }
    }
}

async fn lookup(address: &str, console: &mut Console) -> Result<SocketAddr, u8> {
    match tokio::net::lookup_host(address).await.map(|mut a| a.next()) {
        Ok(Some(dc1)) => Ok(dc1),
        Ok(None) | Err(_) => {
            console.error(&format!(
                "error: --connect {address}: not a HOST:PORT address"
            ));
            Err(USAGE)
        }
    }
}

/// The server's RSA key: from `--server-key FILE` (PKCS#1 PEM, as `sim_server
/// --public-key-out` writes it), else the repository's test-only key the simulator uses.
fn server_key(path: Option<&Path>, console: &mut Console) -> Result<RsaPublicKey, u8> {
    let Some(path) = path else {
        return Ok(mtproto::keys::RsaPrivateKey::test_only_server_key()
            .public_key()
            .clone());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        console.error(&format!("error: --server-key {}: {e}", path.display()));
        USAGE
    })?;
    RsaPublicKey::from_pkcs1_pem(&text).map_err(|e| {
        console.error(&format!("error: --server-key {}: {e}", path.display()));
        USAGE
    })
}

fn open_session(path: &Path, console: &mut Console) -> Result<SessionFile, u8> {
    match SessionFile::open(path) {
        Ok((store, corrupt)) => {
            if let Some(corrupt) = corrupt {
                console.say(&format!("! session file: {corrupt}"));
            }
            Ok(store)
        }
        Err(e) => {
            console.error(&format!(
                "error: cannot open the session file {}: {e}",
                path.display()
            ));
            Err(FAILED)
        }
    }
}
