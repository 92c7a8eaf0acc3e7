//! `login qr`: logging in by QR code. The code is drawn in the terminal; since no second device
//! exists, the embedded simulator plays the one that scans it (`--accept-as PHONE`).

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use auth_core::normalize_phone;
use auth_core::qr::QrUrl;
use auth_sim::tcp::SimServer;
use auth_tokio::{CancellationToken, QrLoginError, qr_login};
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use tokio::sync::mpsc;

use super::backend::{self, Backend};
use super::cli::{CommonArgs, PhoneArgs, QrArgs};
use super::console::Console;
use super::prompt::{CliPrompt, Stop};
use super::{FAILED, LOGGED_IN, USAGE, accounts};

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

/// The device that scans the code: accepts the first token shown as `phone`; the server then
/// pushes `updateLoginToken` to the session that exported it.
struct Scanner<'a> {
    phone: String,
    server: &'a SimServer,
    cancel: CancellationToken,
    /// Why the scan failed, if it did.
    refused: Arc<Mutex<Option<String>>>,
    scanned: bool,
}

impl Scanner<'_> {
    fn scan(&mut self, out: &mut SharedOut, url: &QrUrl) {
        if self.scanned {
            return;
        }
        self.scanned = true;
        out.say(&format!(
            "[sim] +{} scans the code and accepts it (auth.acceptLoginToken)",
            self.phone
        ));
        let accepted = self
            .server
            .with_sim(|sim| sim.accept_login_token_as(&self.phone, url.token(), Instant::now()));
        match accepted {
            Ok(_) => {
                out.say("[sim] updateLoginToken pushed to the session that exported the token")
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
    if common.connect.is_some() || common.tokens.is_some() || common.telegram_test {
        console.error("error: the QR login runs on the embedded simulator (the scanning device is simulated there): no --connect, --telegram-test or --tokens");
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
    let calls = common.show_calls().then_some(calls_tx);
    let backend = match Backend::open(&common, move || Ok(sim), calls, &mut console).await {
        Ok(backend) => backend,
        Err(status) => return status,
    };
    let status = match &backend.server {
        Some(server) => {
            let calls = common.show_calls().then_some(calls_rx);
            log_in(&backend, server, &args, phone, console, calls, cancel).await
        }
        None => FAILED,
    };
    backend.shutdown();
    status
}

/// Shows the codes until the embedded simulator's device scans one, then logs in.
async fn log_in(
    backend: &Backend,
    server: &SimServer,
    args: &QrArgs,
    phone: String,
    mut console: Console,
    calls: Option<mpsc::UnboundedReceiver<String>>,
    cancel: CancellationToken,
) -> u8 {
    if let Some(user) = backend.stored_login(&mut console).await {
        console.say(&format!("already logged in as user {user}"));
        return LOGGED_IN;
    }
    let transport = &backend.transport;
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
    let mut prompt = CliPrompt::new(console, &flags, Some(server.sim()), calls);

    // The updates the transport receives: the server pushes updateLoginToken there.
    let updates = transport.subscribe_updates();
    let refused = Arc::new(Mutex::new(None));
    let mut scanner = Scanner {
        phone,
        server,
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

    let config = backend.login_config();
    // The OS generator seeds the login's secrets (a failure panics: no randomness, no login).
    let mut rng = backend::os_rng();
    let result = qr_login(
        Arc::clone(transport),
        updates,
        show,
        &mut prompt,
        config,
        &[],
        &mut rng,
        cancel,
    )
    .await;
    prompt.show_sim();
    match result {
        Ok(authorization) => {
            super::report(&mut prompt, &authorization, false);
            backend.remember_login(&authorization, &mut prompt.console);
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
    }
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
