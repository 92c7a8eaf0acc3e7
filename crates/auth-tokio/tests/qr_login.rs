//! End-to-end: the QR-code login through the tokio driver, over MTProto on loopback TCP,
//! against the simulator's MTProto server. The test plays the device that scans the code,
//! through the simulator; the server pushes `updateLoginToken` to the session that exported the
//! token, and the transport hands it to the login. Tokens live ten minutes here, so only the
//! pushed update (not an expiry and a new export) can end a login within the test's timeout.
mod support;
// The demo's logic, compiled into this test for its `qr` command.
#[allow(dead_code)]
#[path = "../examples/login/demo/mod.rs"]
mod demo;

use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_core::Authorization;
use auth_core::DcId;
use auth_core::entropy::Entropy;
use auth_core::login::LoginEvent as Event;
use auth_core::qr::QrUrl;
use auth_core::tl::{Serialize, enums, types};
use auth_sim::AccountConfig;
use auth_sim::tcp::SimServer;
use auth_tokio::{CancellationToken, MtprotoTransport, QrLoginError, qr_login};
use support::*;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// A QR login running in its own task.
struct Running {
    /// The URLs shown, in order.
    urls: mpsc::UnboundedReceiver<QrUrl>,
    /// Into the login's update stream, beside what the transport receives.
    updates: mpsc::Sender<Vec<u8>>,
    cancel: CancellationToken,
    login: JoinHandle<(Result<Authorization, QrLoginError>, TestPrompt)>,
}

/// A server whose login tokens live long enough that only a pushed update ends a login.
async fn serve_qr(accounts: Vec<AccountConfig>) -> (SimServer, Arc<MtprotoTransport>) {
    let (server, transport) = serve_accounts(accounts).await;
    server.with_sim(|sim| sim.set_login_token_ttl(Duration::from_secs(600)));
    (server, transport)
}

fn start(transport: &Arc<MtprotoTransport>, mut prompt: TestPrompt) -> Running {
    let (url_tx, urls) = mpsc::unbounded_channel();
    let (updates, updates_rx) = mpsc::channel(4);
    // What the server pushes to the transport goes into the login's stream.
    let mut pushed = transport.subscribe_updates();
    let forward = updates.clone();
    tokio::spawn(async move {
        while let Some(update) = pushed.recv().await {
            if forward.send(update).await.is_err() {
                break;
            }
        }
    });
    let cancel = CancellationToken::new();
    let transport = Arc::clone(transport);
    let token = cancel.clone();
    let login = tokio::spawn(async move {
        let show = move |url: &QrUrl| {
            let _ = url_tx.send(url.clone());
        };
        let result = qr_login(
            transport,
            updates_rx,
            show,
            &mut prompt,
            config(),
            &[],
            &mut Entropy::deterministic([5; 32]),
            token,
        )
        .await;
        (result, prompt)
    });
    Running {
        urls,
        updates,
        cancel,
        login,
    }
}

impl Running {
    async fn next_url(&mut self) -> QrUrl {
        tokio::time::timeout(Duration::from_secs(10), self.urls.recv())
            .await
            .expect("a QR code in time")
            .expect("the login shows a QR code")
    }

    async fn finish(self) -> (Result<Authorization, QrLoginError>, TestPrompt) {
        tokio::time::timeout(Duration::from_secs(30), self.login)
            .await
            .expect("the login ends in time")
            .expect("the login task")
    }
}

/// The other device accepts the shown token as `phone`; the server pushes the update.
fn scan(server: &SimServer, url: &QrUrl, phone: &str) {
    assert!(url.url().starts_with("tg://login?token="));
    assert_eq!(QrUrl::token_of(url.url()).as_deref(), Some(url.token()));
    server.with_sim(|sim| {
        sim.accept_login_token_as(phone, url.token(), Instant::now())
            .expect("the token is accepted");
    });
}

fn key_id(transport: &MtprotoTransport, dc: i32) -> u64 {
    transport.auth_key_id(DcId(dc)).expect("a key on the DC")
}

#[tokio::test]
async fn scanned_token_logs_in_on_the_same_dc() {
    let (server, transport) = serve_qr(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let mut running = start(&transport, TestPrompt::new(&server, PLAIN));
    let url = running.next_url().await;
    // Someone else's update bytes and garbage are ignored.
    let other = enums::Update::from(types::UpdateNewAuthorization::default()).to_bytes();
    running.updates.send(other).await.unwrap();
    running.updates.send(vec![1, 2, 3]).await.unwrap();
    scan(&server, &url, PLAIN);
    let (result, prompt) = running.finish().await;
    let auth = result.expect("logged in");

    let account = server.with_sim(|sim| sim.account(PLAIN)).unwrap();
    assert_eq!((auth.user_id, auth.dc), (account.user_id, DcId(2)));
    assert_eq!(
        server.with_sim(|sim| sim.authorized_user(DcId(2), key_id(&transport, 2))),
        Some(account.user_id)
    );
    assert_eq!(
        methods(&server),
        ["auth.exportLoginToken", "auth.exportLoginToken"]
    );
    assert!(prompt.questions.is_empty(), "{:?}", prompt.questions);
    assert!(prompt.events.is_empty(), "{:?}", prompt.events);
    server.shutdown();
}

#[tokio::test]
async fn token_accepted_on_another_dc_is_imported_there() {
    let (server, transport) = serve_qr(vec![AccountConfig::new(ON_DC3, DcId(3))]).await;
    let mut running = start(&transport, TestPrompt::new(&server, ON_DC3));
    let url = running.next_url().await;
    scan(&server, &url, ON_DC3);
    let (result, prompt) = running.finish().await;
    let auth = result.expect("logged in");

    let account = server.with_sim(|sim| sim.account(ON_DC3)).unwrap();
    assert_eq!((auth.user_id, auth.dc), (account.user_id, DcId(3)));
    assert_eq!(
        server.with_sim(|sim| sim.authorized_user(DcId(3), key_id(&transport, 3))),
        Some(account.user_id)
    );
    assert_eq!(
        methods(&server),
        [
            "auth.exportLoginToken",
            "auth.exportLoginToken",
            "auth.importLoginToken"
        ]
    );
    assert_eq!(prompt.events, [Event::DcChanged(DcId(3))]);
    server.shutdown();
}

#[tokio::test]
async fn two_factor_account_continues_into_the_password_step() {
    let (server, transport) = serve_qr(vec![
        AccountConfig::new(ON_DC3, DcId(3)).with_password(PASSWORD),
    ])
    .await;
    let prompt = TestPrompt::new(&server, ON_DC3).with_passwords(&["wrong", PASSWORD]);
    let mut running = start(&transport, prompt);
    let url = running.next_url().await;
    scan(&server, &url, ON_DC3);
    let (result, prompt) = running.finish().await;
    let auth = result.expect("logged in");

    let account = server.with_sim(|sim| sim.account(ON_DC3)).unwrap();
    assert_eq!((auth.user_id, auth.dc), (account.user_id, DcId(3)));
    assert_eq!(prompt.questions, ["password", "password"]);
    assert!(prompt.has_event(|e| matches!(e, Event::PasswordRequired(_))));
    assert!(prompt.has_event(|e| *e == Event::PasswordInvalid { attempts: 1 }));
    assert_eq!(prompt.checks, [true, false, true, false]);
    assert_eq!(
        methods(&server),
        [
            "auth.exportLoginToken",
            "auth.exportLoginToken",
            "auth.importLoginToken",
            "account.getPassword",
            "auth.checkPassword",
            "account.getPassword",
            "auth.checkPassword",
        ]
    );
    assert_eq!(
        server.with_sim(|sim| sim.authorized_user(DcId(3), key_id(&transport, 3))),
        Some(account.user_id)
    );
    server.shutdown();
}

#[tokio::test]
async fn declining_the_password_cancels() {
    let (server, transport) = serve_qr(vec![
        AccountConfig::new(PLAIN, DcId(2)).with_password(PASSWORD),
    ])
    .await;
    // No password scripted: the prompt answers Cancel.
    let mut running = start(&transport, TestPrompt::new(&server, PLAIN));
    let url = running.next_url().await;
    scan(&server, &url, PLAIN);
    let (result, prompt) = running.finish().await;
    assert_eq!(result.unwrap_err(), QrLoginError::Cancelled);
    assert_eq!(prompt.questions, ["password"]);
    server.shutdown();
}

#[tokio::test]
async fn cancelling_while_the_code_is_shown_ends_the_login() {
    let (server, transport) = serve_accounts(vec![]).await;
    let mut running = start(&transport, TestPrompt::new(&server, PLAIN));
    running.next_url().await;
    running.cancel.cancel();
    let (result, _) = running.finish().await;
    assert_eq!(result.unwrap_err(), QrLoginError::Cancelled);
    assert_eq!(methods(&server), ["auth.exportLoginToken"]);
    server.shutdown();
}

#[tokio::test]
async fn a_refused_configuration_does_not_start() {
    let (server, transport) = serve_accounts(vec![]).await;
    let (_updates, updates_rx) = mpsc::channel(1);
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let result = qr_login(
        Arc::clone(&transport),
        updates_rx,
        |_: &QrUrl| {},
        &mut prompt,
        auth_core::login::Config::new(0, "hash"),
        &[],
        &mut Entropy::deterministic([0; 32]),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(
        result.unwrap_err(),
        QrLoginError::Usage(auth_core::UsageError::InvalidConfig(
            "api_id must be positive"
        ))
    );
    assert!(methods(&server).is_empty());
    server.shutdown();
}

/// A cloneable, shared output buffer.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&lock_buffer(&self.0)).into_owned()
    }
}

fn lock_buffer(buffer: &std::sync::Mutex<Vec<u8>>) -> std::sync::MutexGuard<'_, Vec<u8>> {
    buffer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock_buffer(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the demo with `args` and no terminal; returns the status, output and errors.
async fn demo_run(args: &[&str]) -> (u8, String, String) {
    let (out, err) = (Captured::default(), Captured::default());
    let console = demo::console::Console::new(
        Box::new(out.clone()),
        Box::new(err.clone()),
        Box::new(|_, _| panic!("no terminal: nothing may be read")),
        false,
    );
    let argv = std::iter::once("login").chain(args.iter().copied());
    let status = demo::run(argv, console, CancellationToken::new()).await;
    (status, out.text(), err.text())
}

#[tokio::test]
async fn demo_draws_the_code_and_the_simulator_scans_it() {
    let (status, out, err) = demo_run(&[
        "qr",
        "--accept-as",
        "+999 66 3 0002",
        "--password",
        "hunter2",
    ])
    .await;
    assert_eq!(status, 0, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    let url = out
        .lines()
        .find(|l| l.starts_with("tg://login?token="))
        .expect("the URL is printed");
    assert!(QrUrl::token_of(url).is_some_and(|t| t.len() == 32), "{url}");
    // The code itself: rows of half blocks, as wide as each other.
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains('▀') || l.contains('▄'))
        .collect();
    assert!(rows.len() >= 10, "{out}");
    assert!(
        rows.windows(2)
            .all(|w| w[0].chars().count() == w[1].chars().count())
    );
    // The simulator's clock follows the wall clock: a token lives 30 s from when it was made
    // (how much of that is left depends on the machine's speed: only the bound is checked).
    let expires_in = out
        .split_once("(it expires in ")
        .and_then(|(_, rest)| rest.split_once(" s)"))
        .and_then(|(secs, _)| secs.parse::<u64>().ok())
        .expect("the expiry is shown");
    assert!(expires_in <= 30, "{out}");
    assert!(
        out.contains("[sim] +9996630002 scans the code and accepts it"),
        "{out}"
    );
    assert!(out.contains("The account lives on DC 3"), "{out}");
    let user = out
        .lines()
        .find_map(|l| l.strip_prefix("logged in as user "))
        .expect("logged in");
    assert!(user.parse::<i64>().is_ok(), "{user}");
    assert!(out.contains("Bob Secure, +9996630002, on DC 3"), "{out}");
}

#[tokio::test]
async fn demo_needs_someone_to_scan_without_a_terminal() {
    let (status, _, err) = demo_run(&["qr"]).await;
    assert_eq!(status, 2);
    assert!(err.contains("pass --accept-as"), "{err}");
    let (status, _, err) = demo_run(&["qr", "--accept-as", "+999 66 2 9999"]).await;
    assert_eq!(status, 1);
    assert!(err.contains("no account +9996629999"), "{err}");
    let (status, _, err) = demo_run(&["qr", "--accept-as", "9996630002"]).await;
    assert_eq!(status, 2);
    assert!(err.contains("pass --password"), "{err}");
    let (status, _, err) =
        demo_run(&["qr", "--accept-as", "9996630002", "--password", "nope"]).await;
    assert_eq!(status, 1);
    assert_eq!(err.trim(), "error: wrong password (given with --password)");
}
