//! `login bot --token TOKEN`: logging in as a bot (`auth.importBotAuthorization`), driven by a
//! small async loop over the core's `Machine` (the bot login needs no prompt).

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::time::Instant;

use auth_core::login::Config;
use auth_core::{BotEvent, BotLogin, Error, Machine};
use auth_tokio::{CancellationToken, SimServer, TcpOptions, TcpTransport, Transport};
use clap::Args;
use tokio::sync::mpsc;

use super::cli::CommonArgs;
use super::console::Console;
use super::{API_HASH, API_ID, FAILED, LOGGED_IN, USAGE, accounts};

/// Logging in as a bot.
#[derive(Debug, Clone, Default, Args)]
pub struct BotArgs {
    /// The bot token from @BotFather, `<bot id>:<secret>` (asked with hidden input otherwise).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}

/// Why the async loop stopped before the machine finished.
#[derive(Debug)]
enum Stop {
    /// The user cancelled (Ctrl-C).
    Cancelled,
    /// The machine waited for nothing.
    Stalled,
}

/// Drives `machine` over `transport`: send each call and feed back its answer, hand each event
/// to `on_event`, wait for the next timer; until it finishes (or `on_event` breaks). Cancelling
/// stops it between steps, or during a call or a wait.
async fn drive<M: Machine, T: Transport>(
    transport: &T,
    machine: &mut M,
    cancel: &CancellationToken,
    mut on_event: impl FnMut(M::Event) -> ControlFlow<()>,
) -> Result<(), Stop> {
    loop {
        let now = Instant::now();
        if machine.poll_timeout().is_some_and(|at| at <= now) {
            machine.handle_timeout(now);
        }
        // Events as soon as each answer is in, before the next call goes out.
        loop {
            while let Some(event) = machine.poll_event() {
                if on_event(event).is_break() {
                    return Ok(());
                }
            }
            let Some(t) = machine.poll_transmit() else {
                break;
            };
            let answer = tokio::select! {
                answer = transport.invoke(t.dc, t.body) => answer,
                () = cancel.cancelled() => return Err(Stop::Cancelled),
            };
            let now = Instant::now();
            // The ids come from the machine itself: it cannot refuse them.
            let _ = match answer {
                Ok(body) => machine.handle_response(now, t.id, &body),
                Err(failure) => machine.handle_failure(now, t.id, failure),
            };
        }
        if machine.is_finished() {
            return Ok(());
        }
        let Some(at) = machine.poll_timeout() else {
            return Err(Stop::Stalled);
        };
        tokio::select! {
            () = tokio::time::sleep_until(at.into()) => {}
            () = cancel.cancelled() => return Err(Stop::Cancelled),
        }
    }
}

/// Runs `login bot`; returns the exit status.
pub async fn run(
    args: BotArgs,
    common: CommonArgs,
    mut console: Console,
    cancel: CancellationToken,
) -> u8 {
    let token = match (&args.token, console.interactive) {
        (Some(token), _) => token.clone(),
        (None, true) => {
            if common.connect.is_none() {
                console.say(&format!(
                    "The embedded simulator's bot: token {} (on DC {}).",
                    accounts::DEMO_BOT_TOKEN,
                    accounts::DEMO_BOT_DC
                ));
            }
            match console.ask("Bot token: ", true).await {
                Some(token) => token,
                None => {
                    console.error("error: no bot token given");
                    return FAILED;
                }
            }
        }
        (None, false) => {
            console.error(
                "error: a bot token is needed and standard input is not a terminal: pass --token",
            );
            return USAGE;
        }
    };
    let mut bot = match BotLogin::new(Config::new(API_ID, API_HASH), &token, Instant::now()) {
        Ok(bot) => bot,
        Err(e) => {
            console.error(&format!("error: {e}"));
            return FAILED;
        }
    };

    let (calls_tx, mut calls_rx) = mpsc::unbounded_channel();
    let (dc1, embedded): (SocketAddr, Option<SimServer>) = match &common.connect {
        Some(address) => match tokio::net::lookup_host(address.as_str())
            .await
            .map(|mut a| a.next())
        {
            Ok(Some(dc1)) => (dc1, None),
            Ok(None) | Err(_) => {
                console.error(&format!(
                    "error: --connect {address}: not a HOST:PORT address"
                ));
                return USAGE;
            }
        },
        None => {
            let sim = match accounts::demo_sim(&[]) {
                Ok(sim) => sim,
                Err(e) => {
                    console.error(&format!("error: cannot set up the simulator: {e}"));
                    return FAILED;
                }
            };
            let started = if common.show_calls {
                SimServer::start_with_log(sim, 0, move |call| {
                    let _ = calls_tx.send(format!("[sim] {call}"));
                })
                .await
            } else {
                SimServer::start(sim, 0).await
            };
            match started {
                Ok(server) => (server.addr(), Some(server)),
                Err(e) => {
                    console.error(&format!("error: cannot start the simulator: {e}"));
                    return FAILED;
                }
            }
        }
    };

    let mut key_seed = [0; 8];
    if let Err(e) = getrandom::fill(&mut key_seed) {
        console.error(&format!("error: no OS randomness: {e}"));
        return FAILED;
    }
    let transport = TcpTransport::new(dc1, TcpOptions::new(u64::from_le_bytes(key_seed)));
    console.say(&format!("[bot] logging in as bot {}", bot.bot_id()));
    let mut status = FAILED;
    let outcome = drive(&transport, &mut bot, &cancel, |event| {
        // The calls served so far (with --show-calls), then what they meant.
        while let Ok(line) = calls_rx.try_recv() {
            console.say(&line);
        }
        match event {
            BotEvent::DcChanged(dc) => {
                console.say(&format!("[bot] the bot lives on {dc}: asking there"));
            }
            BotEvent::FloodWait { seconds, .. } => {
                console.say(&format!("[bot] flood wait: retrying in {seconds} s"));
            }
            BotEvent::Done(auth) => {
                status = LOGGED_IN;
                // The user comes as raw TL bytes; the demo decodes them with auth-core's types.
                let user = super::decoded_user(&auth);
                let username = user
                    .username
                    .as_deref()
                    .map(|u| format!(" (@{u})"))
                    .unwrap_or_default();
                let name = user.first_name.clone().unwrap_or_default();
                console.say(&format!("logged in as bot {}", auth.user_id));
                console.say(&format!("  {name}{username}, on {}", auth.dc));
            }
            BotEvent::Failed(Error::BotTokenRejected(e)) => {
                console.error(&format!("error: the bot token was refused ({})", e.name));
            }
            BotEvent::Failed(e) => console.error(&format!("error: {e}")),
            _ => {}
        }
        ControlFlow::Continue(())
    })
    .await;
    while let Ok(line) = calls_rx.try_recv() {
        console.say(&line);
    }
    match outcome {
        Ok(()) => {}
        Err(Stop::Cancelled) => {
            console.error("error: login cancelled");
            status = FAILED;
        }
        Err(Stop::Stalled) => {
            console.error("error: the bot login stalled");
            status = FAILED;
        }
    }
    if let Some(server) = embedded {
        server.shutdown().await;
    }
    status
}
