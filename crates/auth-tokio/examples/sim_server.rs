//! The simulator on its own, in MTProto: serves DCs 1 to 5 on loopback until Ctrl-C, logging
//! each call.
//!
//! `cargo run -p auth-tokio --example sim_server -- --port 4430 --account '+1 555 0100,password=pw'`
//! then `cargo run -p auth-tokio --example login -- --connect 127.0.0.1:4430`.
#![allow(missing_docs)]

#[path = "login/demo/accounts.rs"]
mod accounts;

use std::path::PathBuf;
use std::process::ExitCode;

use accounts::AccountSpec;
use auth_core::entropy::Entropy;
use auth_sim::tcp::{ServerConfig, SimServer};
use clap::Parser;
use tokio::sync::mpsc;

/// Serve the simulated Telegram on 127.0.0.1 in MTProto: DC n on PORT + n − 1, state kept
/// while it runs. Its RSA key is the repository's test-only key (see --public-key-out).
#[derive(Debug, Parser)]
#[command(name = "sim_server", after_help = accounts::help_text())]
struct Args {
    /// DC 1's port (0: five free consecutive ports, printed at start).
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// One more account: PHONE[,password=PW][,email-setup] (repeatable; replaces a demo
    /// account with the same number).
    #[arg(long = "account", value_name = "SPEC", value_parser = AccountSpec::parse)]
    accounts: Vec<AccountSpec>,

    /// Write the server's RSA public key to FILE as PKCS#1 PEM (`-----BEGIN RSA PUBLIC
    /// KEY-----`, the format Telegram publishes its keys in), for any MTProto client.
    #[arg(long, value_name = "FILE")]
    public_key_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let sim = match accounts::demo_sim(&args.accounts) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (calls_tx, mut calls) = mpsc::unbounded_channel();
    let mut os = rand_core::UnwrapErr(getrandom::SysRng);
    let config = ServerConfig::new(Entropy::from_rng(&mut os))
        .with_port(args.port)
        .with_log(move |call| {
            let _ = calls_tx.send(call.to_string());
        });
    let server = match SimServer::start(sim, config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on port {}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.public_key_out {
        if let Err(e) = std::fs::write(path, server.public_key().to_pkcs1_pem()) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("the server's RSA public key is in {}", path.display());
    }
    let port = server.base_port();
    println!(
        "simulated Telegram on 127.0.0.1 (MTProto): DC 1 to 5 on ports {port} to {}",
        u32::from(port) + 4
    );
    println!("log in with: cargo run -p auth-tokio --example login -- --connect 127.0.0.1:{port}");
    let sim = server.sim();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            Some(call) = calls.recv() => {
                println!("{call}");
                let delivered = sim.lock().map(|mut s| s.take_deliveries()).unwrap_or_default();
                for delivery in delivered {
                    println!("  [sim] {delivery}");
                }
            }
        }
    }
    server.shutdown();
    println!("stopped");
    ExitCode::SUCCESS
}
