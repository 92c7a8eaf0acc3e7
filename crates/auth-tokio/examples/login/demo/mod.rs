//! The demo CLI as a function of its arguments and console, so tests can run it in-process.

pub mod accounts;
mod backend;
mod bot;
pub mod cli;
pub mod console;
mod countries;
mod password;
mod prompt;
mod qr;

use std::ffi::OsString;
use std::sync::Arc;

use auth_core::{Authorization, Error, normalize_phone};
use auth_store::TokenFile;
use auth_tokio::{CancellationToken, LoginError, login, logout};
use clap::Parser;
use tokio::sync::mpsc;

use accounts::AccountSpec;
use backend::Backend;
use cli::{Cli, Command, CommonArgs, PhoneArgs};
use console::Console;
use prompt::{CliPrompt, Stop};

/// The demo's app credentials (the simulator accepts any).
const API_ID: i32 = 2040;
const API_HASH: &str = "tgauth-demo";

/// Exit statuses.
pub const LOGGED_IN: u8 = 0;
pub const FAILED: u8 = 1;
pub const USAGE: u8 = 2;

/// Runs the demo with `args` (the program name first); returns the exit status.
pub async fn run<I, T>(args: I, mut console: Console, cancel: CancellationToken) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                console.error(text.trim_end());
            } else {
                console.say(text.trim_end());
            }
            return u8::try_from(e.exit_code()).unwrap_or(USAGE);
        }
    };
    if cli.common.verbose > 0 {
        show_tracing(cli.common.verbose);
    }
    match cli.command {
        Some(Command::Phone(args)) => phone_login(args, cli.common, console, cancel).await,
        Some(Command::Qr(args)) => qr::run(args, cli.common, console, cancel).await,
        Some(Command::Password(args)) => password::run(args, cli.common, console, cancel).await,
        Some(Command::Bot(args)) => bot::run(args, cli.common, console, cancel).await,
        None => phone_login(cli.phone, cli.common, console, cancel).await,
    }
}

/// Prints the tracing of the MTProto crate and the adapters on standard error (`-v`: what each
/// connection, handshake and session does; `-vv`: every request and message id too), through
/// the `tracing` subscriber a library user would install.
fn show_tracing(verbose: u8) {
    let level = if verbose > 1 {
        tracing::Level::DEBUG
    } else {
        tracing::Level::INFO
    };
    // Installed once per process; a second run in the same process (tests) keeps the first.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_writer(|| StandardError)
        .try_init();
}

/// Standard error through `eprint!` (which a test harness captures, unlike the raw handle).
struct StandardError;

impl std::io::Write for StandardError {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        eprint!("{}", String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn phone_login(
    args: PhoneArgs,
    common: CommonArgs,
    mut console: Console,
    cancel: CancellationToken,
) -> u8 {
    let knobs = args.sim_password.is_some() || args.sim_email_setup;
    if knobs && (common.connect.is_some() || common.telegram_test) {
        console.error("error: --sim-password and --sim-email-setup set up the embedded simulator; not with --connect or --telegram-test");
        return USAGE;
    }
    if knobs && args.phone.is_none() {
        console.error("error: --sim-password and --sim-email-setup register the --phone given");
        return USAGE;
    }
    let extra: Vec<AccountSpec> = knobs
        .then(|| AccountSpec {
            phone: args.phone.clone().unwrap_or_default(),
            password: args.sim_password.clone(),
            email_setup: args.sim_email_setup,
        })
        .into_iter()
        .collect();
    let (calls_tx, calls_rx) = mpsc::unbounded_channel();
    let calls = common.show_calls().then_some(calls_tx);
    let sim = || accounts::demo_sim(&extra).map_err(|e| e.to_string());
    let backend = match Backend::open(&common, sim, calls, &mut console).await {
        Ok(backend) => backend,
        Err(status) => return status,
    };
    let status = match backend.stored_login(&mut console).await {
        Some(user) => already_logged_in(&backend, &args, user, &mut console).await,
        None => {
            let calls = common.show_calls().then_some(calls_rx);
            phone_login_with(&backend, &args, &common, console, calls, cancel).await
        }
    };
    backend.shutdown();
    status
}

/// The session file's login still works: say so; with `--logout`, end it.
async fn already_logged_in(
    backend: &Backend,
    args: &PhoneArgs,
    user: i64,
    console: &mut Console,
) -> u8 {
    console.say(&format!("already logged in as user {user}"));
    if !args.logout {
        return LOGGED_IN;
    }
    let Some(dc) = backend
        .transport
        .with_session_file(|store| store.session().home_dc())
        .flatten()
    else {
        return LOGGED_IN;
    };
    match logout(&*backend.transport, dc).await {
        Ok(_) => {
            console.say("logged out");
            backend.forget_login(console);
            LOGGED_IN
        }
        Err(e) => {
            console.error(&format!("error: logout failed: {e}"));
            FAILED
        }
    }
}

async fn phone_login_with(
    backend: &Backend,
    args: &PhoneArgs,
    common: &CommonArgs,
    mut console: Console,
    calls: Option<mpsc::UnboundedReceiver<String>>,
    cancel: CancellationToken,
) -> u8 {
    let phone = match (&args.phone, console.interactive) {
        (Some(phone), _) => phone.clone(),
        (None, true) => {
            if backend.server.is_some() {
                console.say(&accounts::help_text());
            }
            match console.ask("Phone number: ", false).await {
                Some(phone) => phone,
                None => {
                    console.error("error: no phone number given");
                    return FAILED;
                }
            }
        }
        (None, false) => {
            console.error("error: a phone number is needed and standard input is not a terminal: pass --phone");
            return USAGE;
        }
    };
    if let Err(e) = normalize_phone(&phone) {
        console.error(&format!("error: {e}"));
        return FAILED;
    }
    let mut prompt = CliPrompt::new(console, args, backend.sim(), calls);
    let status = log_in(backend, args, common, &phone, &mut prompt, cancel).await;
    prompt.show_sim();
    status
}

async fn log_in(
    backend: &Backend,
    args: &PhoneArgs,
    common: &CommonArgs,
    phone: &str,
    prompt: &mut CliPrompt,
    cancel: CancellationToken,
) -> u8 {
    let mut config = backend.login_config();
    let mut tokens = match &common.tokens {
        Some(path) => match TokenFile::open(path) {
            Ok((tokens, corrupt)) => {
                if let Some(corrupt) = corrupt {
                    prompt.console.say(&format!("! {corrupt}"));
                }
                let count = tokens.tokens().len();
                prompt.console.say(&format!(
                    "[tokens] {count} logout token(s) in {}",
                    path.display()
                ));
                config.logout_tokens = tokens.tokens().clone();
                Some(tokens)
            }
            Err(e) => {
                prompt.console.error(&format!(
                    "error: cannot read the token file {}: {e}",
                    path.display()
                ));
                return FAILED;
            }
        },
        None => None,
    };
    let transport = &backend.transport;
    countries::show_phone(&**transport, &config.session, phone, &mut prompt.console).await;
    // The OS generator seeds the login's secrets (a failure panics: no randomness, no login).
    let result = login(
        Arc::clone(transport),
        prompt,
        config,
        phone,
        &mut backend::os_rng(),
        cancel,
    )
    .await;
    prompt.show_sim();
    let authorization = match result {
        Ok(authorization) => authorization,
        Err(error) => {
            let (status, reason) = failure(&error, prompt.stop.as_ref());
            prompt.console.error(&reason);
            return status;
        }
    };
    report(prompt, &authorization, tokens.is_some());
    backend.remember_login(&authorization, &mut prompt.console);
    if let Some(tokens) = tokens.as_mut() {
        match tokens.remember(&authorization) {
            Ok(()) => prompt.console.say(&format!(
                "[tokens] kept the future auth token in {}",
                tokens.path().display()
            )),
            Err(e) => prompt.console.error(&format!(
                "warning: cannot save {}: {e}",
                tokens.path().display()
            )),
        }
    }
    if args.logout {
        match logout(&**transport, authorization.dc).await {
            Ok(token) => {
                prompt.show_sim();
                prompt.console.say("logged out");
                backend.forget_login(&mut prompt.console);
                match (token, tokens.as_mut()) {
                    (Some(token), Some(tokens)) => match tokens.push(&token) {
                        Ok(()) => prompt.console.say(&format!(
                            "[tokens] kept the logout token in {}: logging in again with --tokens skips the code",
                            tokens.path().display()
                        )),
                        Err(e) => prompt.console.error(&format!("warning: cannot save {}: {e}", tokens.path().display())),
                    },
                    (Some(_), None) => prompt.console.say("(the server gave a logout token: --tokens FILE keeps it)"),
                    (None, _) => {}
                }
            }
            Err(e) => {
                prompt.console.error(&format!("error: logout failed: {e}"));
                return FAILED;
            }
        }
    }
    LOGGED_IN
}

fn report(prompt: &mut CliPrompt, authorization: &Authorization, tokens_sent: bool) {
    if !prompt.code_sent && tokens_sent {
        prompt
            .console
            .say("[tokens] no code was needed: the server accepted a stored logout token");
    }
    let user = decoded_user(authorization);
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    prompt
        .console
        .say(&format!("logged in as user {}", authorization.user_id));
    let phone = user
        .phone
        .as_deref()
        .map(|p| format!(", +{p}"))
        .unwrap_or_default();
    prompt
        .console
        .say(&format!("  {name}{phone}, on {}", authorization.dc));
}

/// The user of an authorization, decoded from the raw bytes the server sent (empty if they are
/// `userEmpty`).
pub fn decoded_user(authorization: &Authorization) -> auth_core::tl::types::User {
    match authorization
        .user
        .decode()
        .map(auth_core::tl::enums::User::to_latest)
    {
        Ok(auth_core::tl::enums::User::User(user)) => user,
        _ => Default::default(),
    }
}

/// The exit status and the one-line reason of a login that did not log in.
fn failure(error: &LoginError, stop: Option<&Stop>) -> (u8, String) {
    match (stop, error) {
        (Some(Stop::Missing(flag)), _) => (
            USAGE,
            format!(
                "error: {} is needed and standard input is not a terminal: pass {}",
                flag.what(),
                flag.name()
            ),
        ),
        (Some(Stop::Refused { flag, reason }), _) => (
            FAILED,
            format!("error: {reason} (given with {})", flag.name()),
        ),
        (None, LoginError::Failed(Error::FloodWait { seconds, .. })) => (
            FAILED,
            format!("error: flood wait: the server asks to wait {seconds} s before trying again"),
        ),
        (None, error) => (FAILED, format!("error: {error}")),
    }
}
