//! `login bot --token TOKEN`: logging in as a bot (`auth.importBotAuthorization`), driven by a
//! small async loop over the core's `Machine` (the bot login needs no prompt).

use std::ops::ControlFlow;
use std::time::Instant;

use auth_core::{BotEvent, BotLogin, Error, Machine};
use auth_tokio::{CancellationToken, Transport};
use tokio::sync::mpsc;

use super::backend::Backend;
use super::cli::{BotArgs, CommonArgs};
use super::console::Console;
use super::{FAILED, LOGGED_IN, USAGE, accounts};

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
            let id = t.id;
            let answer = tokio::select! {
                answer = transport.invoke(t.dc, t.into_plain_body()) => answer,
                () = cancel.cancelled() => return Err(Stop::Cancelled),
            };
            let now = Instant::now();
            // The ids come from the machine itself: it cannot refuse them.
            let _ = match answer {
                Ok(body) => machine.handle_response(now, id, &body),
                Err(failure) => machine.handle_failure(now, id, failure),
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
            if common.connect.is_none() && !common.telegram_test {
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
    let (calls_tx, mut calls_rx) = mpsc::unbounded_channel();
    let calls = common.show_calls().then_some(calls_tx);
    let sim = || accounts::demo_sim(&[]).map_err(|e| e.to_string());
    let backend = match Backend::open(&common, sim, calls, &mut console).await {
        Ok(backend) => backend,
        Err(status) => return status,
    };
    if let Some(user) = backend.stored_login(&mut console).await {
        console.say(&format!("already logged in as user {user}"));
        backend.shutdown();
        return LOGGED_IN;
    }
    let mut bot = match BotLogin::new(backend.login_config(), &token, Instant::now()) {
        Ok(bot) => bot,
        Err(e) => {
            console.error(&format!("error: {e}"));
            backend.shutdown();
            return FAILED;
        }
    };
    let transport = &*backend.transport;
    console.say(&format!("[bot] logging in as bot {}", bot.bot_id()));
    let mut status = FAILED;
    let mut logged_in = None;
    let outcome = drive(transport, &mut bot, &cancel, |event| {
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
                logged_in = Some(auth.clone());
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
    if let Some(auth) = logged_in {
        backend.remember_login(&auth, &mut console);
    }
    backend.shutdown();
    status
}
