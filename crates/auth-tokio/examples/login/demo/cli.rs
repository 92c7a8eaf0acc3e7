//! The demo's command line. Logging in by phone is the default command; further ways to log in
//! (QR, bot, ...) are added as subcommands next to [`Command::Phone`], leaving the flags of a
//! plain `login --phone ...` as they are.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::accounts;

const ABOUT: &str = "Log in to a simulated Telegram (or Telegram's test DCs) over MTProto: phone code, sign-up, 2FA password, login email.";

const LONG_ABOUT: &str = "\
Log in to a simulated Telegram: phone code, sign-up, 2FA password, login email.

By default the simulator runs embedded, on five loopback ports (one per data center), and
the login talks to it in MTProto over TCP like a client to Telegram's test DCs: an auth key
per DC (the handshake), an encrypted session, invokeWithLayer(initConnection(...)). Nothing reaches a real
phone: what the simulator \"delivers\" (SMS, app message, email) is printed on lines starting
with [sim], so you can type it.

Every answer can also come from a flag. When all the answers needed are given, it runs
without asking and prints `logged in as user <id>`; when one is missing and standard input is
not a terminal, it stops with status 2 and names the flag.";

fn after_help() -> String {
    format!(
        "{}
Exit status:
  0  logged in
  1  the login failed or an answer was refused (wrong code or password, invalid phone
     number, flood wait, declined terms, cancelled); the reason is printed on one line
  2  usage error, or an answer is needed while standard input is not a terminal

Examples:
  login
  login --phone '+999 66 2 0001' --code 22222
  login --phone 9996630002 --code 33333 --password hunter2
  login --phone 999-66-2-4242 --code 22222 --first-name Ada --last-name Lovelace
  login --phone '+999 66 1 0003' --email carol@example.com      (then type the codes shown)

Logout tokens need a simulator that outlives one run (the embedded one starts afresh):
  cargo run -p auth-tokio --example sim_server -- --port 4430      (in another terminal)
  login --connect 127.0.0.1:4430 --phone 9996620001 --code 22222 --logout --tokens /tmp/t.bin
  login --connect 127.0.0.1:4430 --phone 9996620001 --tokens /tmp/t.bin   (no code needed now)

Sessions, likewise:
  login --connect 127.0.0.1:4430 --phone 9996620001 --code 22222 --session /tmp/s.bin
  login --connect 127.0.0.1:4430 --session /tmp/s.bin      (already logged in: nothing asked)

Telegram's own test DCs (an app's credentials from https://my.telegram.org):
  TG_API_ID=... TG_API_HASH=... login --telegram-test --phone 9996621234 --code 22222",
        accounts::help_text()
    )
}

/// The demo's command line.
#[derive(Debug, Parser)]
#[command(
    name = "login",
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = after_help(),
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub phone: PhoneArgs,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Ways to log in.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in with a phone number (the default: the same flags work without the subcommand).
    Phone(PhoneArgs),
    /// Log in by QR code, drawn in the terminal; the embedded simulator plays the device that
    /// scans it (`qr --accept-as PHONE`).
    Qr(QrArgs),
    /// Log in, then set, change or remove the 2FA password (and set a recovery email).
    Password(PasswordArgs),
    /// Log in as a bot with its token from @BotFather (auth.importBotAuthorization).
    Bot(BotArgs),
}

/// Options of every command: where the server is, where keys and tokens are kept.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Use a simulator started separately: HOST:PORT is DC 1's address, DC n is at PORT + n − 1
    /// (`cargo run -p auth-tokio --example sim_server -- --port PORT`).
    #[arg(long, value_name = "HOST:PORT", global = true)]
    pub connect: Option<String>,

    /// With --connect: the server's RSA public key, PKCS#1 PEM (`sim_server --public-key-out
    /// FILE` writes it); the repository's test-only simulator key otherwise.
    #[arg(long, value_name = "FILE", global = true, requires = "connect")]
    pub server_key: Option<PathBuf>,

    /// Log in to Telegram's own test DCs instead of a simulator, with the app credentials in
    /// TG_API_ID and TG_API_HASH (from https://my.telegram.org). Test numbers 99966XYYYY
    /// (X in 1..3) get the code X repeated.
    #[arg(long, global = true)]
    pub telegram_test: bool,

    /// Keep the session (auth keys, home DC, user) in FILE: a later run with the same file
    /// checks the login (updates.getState) and is done at once if the server still knows it.
    /// The embedded simulator starts afresh each run, so a kept login outlives the run only
    /// with --connect or --telegram-test.
    #[arg(long, value_name = "FILE", global = true)]
    pub session: Option<PathBuf>,

    /// Keep logout tokens (future auth tokens) in FILE across runs: a later login of the same
    /// account on the same simulator (see --connect) sends them and skips the code.
    #[arg(long, value_name = "FILE", global = true)]
    pub tokens: Option<PathBuf>,

    /// Print one line per call the embedded simulator serves, and the MTProto transport's
    /// tracing (connections, handshakes, requests) on standard error; -vv for more.
    #[arg(long = "show-calls", short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl CommonArgs {
    /// Whether the embedded simulator's calls are shown.
    pub fn show_calls(&self) -> bool {
        self.verbose > 0
    }
}

/// Logging in with a phone number.
#[derive(Debug, Clone, Default, Args)]
pub struct PhoneArgs {
    /// The phone number: digits, with or without +, spaces or dashes.
    #[arg(long, value_name = "PHONE")]
    pub phone: Option<String>,

    /// The login code (from the [sim] line). A wrong one ends the run with status 1.
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,

    /// The 2FA password (asked with hidden input otherwise).
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,

    /// Sign up with this first name; giving it accepts the terms of service shown.
    #[arg(long, value_name = "NAME")]
    pub first_name: Option<String>,

    /// Sign up with this last name (optional).
    #[arg(long, value_name = "NAME")]
    pub last_name: Option<String>,

    /// The login email to set up, for an account that must have one.
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,

    /// The code sent to that email (from the [sim] line).
    #[arg(long, value_name = "CODE")]
    pub email_code: Option<String>,

    /// Log out after logging in (auth.logOut); with --tokens the logout token is kept.
    #[arg(long)]
    pub logout: bool,

    /// Embedded simulator: register the phone beforehand, with this 2FA password.
    #[arg(long, value_name = "PASSWORD", help_heading = "Embedded simulator")]
    pub sim_password: Option<String>,

    /// Embedded simulator: register the phone beforehand, as an account that must set up a
    /// login email.
    #[arg(long, help_heading = "Embedded simulator")]
    pub sim_email_setup: bool,
}

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

/// Managing the 2FA password after logging in.
#[derive(Debug, Clone, Default, Args)]
pub struct PasswordArgs {
    /// How to log in (`--password` is also the current password to prove).
    #[command(flatten)]
    pub login: PhoneArgs,

    /// Set (or change to) this password. Without it, --remove or --recovery-email, the new
    /// password is asked (empty removes the password).
    #[arg(long, value_name = "PASSWORD", conflicts_with = "remove")]
    pub new_password: Option<String>,

    /// Remove the password (and its recovery email).
    #[arg(long)]
    pub remove: bool,

    /// The hint shown when the new password is asked.
    #[arg(long, value_name = "HINT", requires = "new_password")]
    pub hint: Option<String>,

    /// Set this recovery email (with the new password, or alone): the simulator mails it a
    /// code to confirm.
    #[arg(long, value_name = "EMAIL", conflicts_with = "remove")]
    pub recovery_email: Option<String>,

    /// The code mailed to the recovery email (from the [sim] line; asked otherwise).
    #[arg(long, value_name = "CODE")]
    pub recovery_email_code: Option<String>,
}

/// Logging in as a bot.
#[derive(Debug, Clone, Default, Args)]
pub struct BotArgs {
    /// The bot token from @BotFather, `<bot id>:<secret>` (asked with hidden input otherwise).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}
