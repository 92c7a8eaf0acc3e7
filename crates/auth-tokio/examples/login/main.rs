//! The demo: log in to the simulated Telegram (see `--help`).
//!
//! `cargo run -p auth-tokio --example login`
#![allow(missing_docs)]

mod demo;

use auth_tokio::CancellationToken;

#[tokio::main]
async fn main() {
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        // The first Ctrl-C cancels the login (a sent code is cancelled too); a second one quits.
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    });
    let status = demo::run(
        std::env::args_os(),
        demo::console::Console::terminal(),
        cancel,
    )
    .await;
    // Exit at once: a read of standard input may still be blocking a thread.
    std::process::exit(i32::from(status));
}
