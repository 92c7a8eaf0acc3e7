//! `login qr`: logging in by QR code. The code is drawn in the terminal; since no second device
//! exists, the embedded simulator plays the one that scans it (`--accept-as PHONE`).

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use auth_core::login::Config;
use auth_core::normalize_phone;
use auth_core::qr::QrUrl;
use auth_core::tl::{Serialize, enums, types};
use auth_sim::Sim;
use auth_tokio::{CancellationToken, QrLoginError, SimServer, TcpOptions, TcpTransport, qr_login};
use clap::Args;
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use tokio::sync::mpsc;

use super::cli::{CommonArgs, PhoneArgs};
use super::console::Console;
use super::prompt::{CliPrompt, Stop};
use super::{API_HASH, API_ID, FAILED, LOGGED_IN, USAGE, accounts};

/// Logging in by QR code.
#[derive(Debug, Clone, Default, Args)]
pub struct QrArgs {
    /// Play the device that scans the code: the embedded simulator accepts it as the account
    /// of PHONE (one of the demo accounts). Asked for when not given.
    #[arg(long, value_name = "PHONE")]
    pub accept_as: Option<String>,

    /// The 2FA password of that account, if it has one (asked with hidden input otherwise).
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
}

/// A writer shared by the console and the QR display.
#[derive(Clone)]
struct SharedOut(Arc<Mutex<Box<dyn Write + Send>>>);

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
    }
}

impl SharedOut {
    fn say(&mut self, line: &str) {
        let _ = writeln!(self, "{line}");
        let _ = self.flush();
    }
}

/// The QR code of `url` as lines of half blocks, light on dark (for a dark terminal).
fn render(url: &str) -> Option<String> {
    let code = QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .build(),
    )
}

/// The device that scans the code: accepts the first token shown as `phone`, and delivers
/// the update the server owes the client.
struct Scanner {
    phone: String,
    sim: Arc<Mutex<Sim>>,
    updates: mpsc::Sender<Vec<u8>>,
    cancel: CancellationToken,
    /// Why the scan failed, if it did.
    refused: Arc<Mutex<Option<String>>>,
    scanned: bool,
}

impl Scanner {
    fn scan(&mut self, out: &mut SharedOut, url: &QrUrl) {
        if self.scanned {
            return;
        }
        self.scanned = true;
        out.say(&format!(
            "[sim] +{} scans the code and accepts it (auth.acceptLoginToken)",
            self.phone
        ));
        let mut sim = self.sim.lock().unwrap_or_else(PoisonError::into_inner);
        match sim.accept_login_token_as(&self.phone, url.token(), Instant::now()) {
            Ok(_) => {
                let owed = sim.take_login_token_updates();
                drop(sim);
                for key in owed {
                    out.say(&format!("[sim] updateLoginToken to {key}"));
                    let update = enums::Update::from(types::UpdateLoginToken {}).to_bytes();
                    let _ = self.updates.try_send(update);
                }
            }
            Err(e) => {
                *self.refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(format!(
                    "the scanning device was refused: {} {}",
                    e.code, e.name
                ));
                self.cancel.cancel();
            }
        }
    }
}

/// Runs `login qr`; returns the exit status.
pub async fn run(
    args: QrArgs,
    common: CommonArgs,
    mut console: Console,
    cancel: CancellationToken,
) -> u8 {
    if common.connect.is_some() || common.tokens.is_some() {
        console.error("error: the QR login runs on the embedded simulator (the scanning device is simulated there): no --connect or --tokens");
        return USAGE;
    }
    let sim = match accounts::demo_sim(&[]) {
        Ok(sim) => sim,
        Err(e) => {
            console.error(&format!("error: cannot set up the simulator: {e}"));
            return FAILED;
        }
    };
    let phone = match (&args.accept_as, console.interactive) {
        (Some(phone), _) => phone.clone(),
        (None, true) => {
            console.say(&accounts::help_text());
            match console
                .ask("Which account's phone scans the code? ", false)
                .await
            {
                Some(phone) => phone,
                None => {
                    console.error("error: no phone number given");
                    return FAILED;
                }
            }
        }
        (None, false) => {
            console.error("error: the account that scans the code is needed and standard input is not a terminal: pass --accept-as");
            return USAGE;
        }
    };
    let phone = match normalize_phone(&phone) {
        Ok(digits) if sim.account(&digits).is_some() => digits,
        Ok(digits) => {
            console.error(&format!(
                "error: --accept-as: the simulator has no account +{digits} (see --help)"
            ));
            return FAILED;
        }
        Err(e) => {
            console.error(&format!("error: --accept-as: {e}"));
            return FAILED;
        }
    };

    let (calls_tx, calls_rx) = mpsc::unbounded_channel();
    let started = if common.show_calls {
        SimServer::start_with_log(sim, 0, move |call| {
            let _ = calls_tx.send(format!("[sim] {call}"));
        })
        .await
    } else {
        SimServer::start(sim, 0).await
    };
    let server = match started {
        Ok(server) => server,
        Err(e) => {
            console.error(&format!("error: cannot start the simulator: {e}"));
            return FAILED;
        }
    };
    let port = server.base_port();
    console.say(&format!(
        "[sim] simulated Telegram on 127.0.0.1, DC 1 to 5 on ports {port} to {}",
        u32::from(port) + 4
    ));

    let mut key_seed = [0; 8];
    if let Err(e) = getrandom::fill(&mut key_seed) {
        console.error(&format!("error: no OS randomness: {e}"));
        server.shutdown().await;
        return FAILED;
    }
    let transport = Arc::new(TcpTransport::new(
        server.addr(),
        TcpOptions::new(u64::from_le_bytes(key_seed)),
    ));

    // The QR code is drawn from inside the login, while the prompt holds the console.
    let mut out = SharedOut(Arc::new(Mutex::new(std::mem::replace(
        &mut console.out,
        Box::new(io::sink()),
    ))));
    console.out = Box::new(out.clone());
    let flags = PhoneArgs {
        password: args.password.clone(),
        ..PhoneArgs::default()
    };
    let calls = common.show_calls.then_some(calls_rx);
    let mut prompt = CliPrompt::new(console, &flags, Some(server.sim()), calls);

    let (updates_tx, updates_rx) = mpsc::channel(4);
    let refused = Arc::new(Mutex::new(None));
    let mut scanner = Scanner {
        phone,
        sim: server.sim(),
        updates: updates_tx,
        cancel: cancel.clone(),
        refused: Arc::clone(&refused),
        scanned: false,
    };
    let show = move |url: &QrUrl| {
        let left = url.expires_at().saturating_duration_since(Instant::now());
        out.say(&format!(
            "Scan this QR code with a logged-in Telegram app (it expires in {} s):",
            left.as_secs_f64().round()
        ));
        match render(url.url()) {
            Some(code) => out.say(&code),
            None => out.say("(the URL is too long for a QR code)"),
        }
        out.say(url.url());
        scanner.scan(&mut out, url);
    };

    let config = Config::new(API_ID, API_HASH);
    // The OS generator seeds the login's secrets (a failure panics: no randomness, no login).
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let result = qr_login(
        Arc::clone(&transport),
        updates_rx,
        show,
        &mut prompt,
        config,
        &[],
        &mut rng,
        cancel,
    )
    .await;
    prompt.show_sim();
    let status = match result {
        Ok(authorization) => {
            super::report(&mut prompt, &authorization, false);
            LOGGED_IN
        }
        Err(error) => {
            let refused = refused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            let (status, reason) = failure(&error, prompt.stop.as_ref(), refused);
            prompt.console.error(&reason);
            status
        }
    };
    server.shutdown().await;
    status
}

/// The exit status and the one-line reason of a QR login that did not log in.
fn failure(error: &QrLoginError, stop: Option<&Stop>, refused: Option<String>) -> (u8, String) {
    match (stop, refused, error) {
        (Some(Stop::Missing(flag)), _, _) => (
            USAGE,
            format!(
                "error: {} is needed and standard input is not a terminal: pass {}",
                flag.what(),
                flag.name()
            ),
        ),
        (Some(Stop::Refused { flag, reason }), _, _) => (
            FAILED,
            format!("error: {reason} (given with {})", flag.name()),
        ),
        (None, Some(refused), _) => (FAILED, format!("error: {refused}")),
        (None, None, QrLoginError::Failed(auth_core::Error::LoginTokenRejected(e))) => (
            FAILED,
            format!(
                "error: the login token was refused ({}): start again",
                e.name
            ),
        ),
        (None, None, error) => (FAILED, format!("error: {error}")),
    }
}
