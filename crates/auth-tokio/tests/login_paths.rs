//! End-to-end: every login path through the tokio driver, over MTProto on loopback TCP,
//! against the simulator's MTProto server; and a login whose connections drop, or whose key the
//! server forgets, midway.
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_core::Error;
use auth_core::entropy::Entropy;
use auth_core::login::{CodeKind, LoginEvent as Event};
use auth_core::tl::{functions, types};
use auth_core::{DcId, TransportFailure};
use auth_sim::tcp::SimServer;
use auth_sim::{AccountConfig, KeyStatus, SimConfig};
use auth_tokio::{CancellationToken, LoginError, MtprotoTransport, Transport, login, logout};
use support::*;

#[tokio::test]
async fn plain_account_logs_in_with_the_code_sent() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let auth = log_in(&transport, &mut prompt, PLAIN).await.unwrap();

    let account = server.with_sim(|sim| sim.account(PLAIN)).unwrap();
    assert_eq!((auth.user_id, auth.dc), (account.user_id, DcId(2)));
    assert_eq!(prompt.questions, ["code"]);
    assert!(
        matches!(&prompt.events[..], [Event::CodeSent(sent)] if sent.kind == CodeKind::App { length: 5 })
    );
    let key = transport.auth_key_id(DcId(2)).expect("a key");
    assert_eq!(
        server.with_sim(|sim| sim.authorized_user(DcId(2), key)),
        Some(account.user_id)
    );
    assert_eq!(methods(&server), ["auth.sendCode", "auth.signIn"]);
    server.shutdown();
}

#[tokio::test]
async fn unknown_number_signs_up_after_the_terms() {
    let (server, transport) = serve_accounts(vec![]).await;
    let phone = "+999 66 2 5555";
    let mut prompt = TestPrompt::new(&server, phone);
    prompt.names = Some(("Ada".into(), "Lovelace".into()));
    let auth = log_in(&transport, &mut prompt, phone).await.unwrap();

    assert_eq!(prompt.questions, ["code", "sign_up"]);
    let terms = prompt.terms_seen.as_ref().expect("terms shown");
    assert!(terms.text.contains("Terms of Service"));
    assert!(prompt.has_event(|e| matches!(e, Event::SignUpRequired { terms: Some(_) })));
    let account = server
        .with_sim(|sim| sim.account(phone))
        .expect("signed up");
    assert_eq!(
        (account.first_name.as_str(), account.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    assert_eq!(auth.user_id, account.user_id);
    assert_eq!(
        methods(&server),
        ["auth.sendCode", "auth.signIn", "auth.signUp"]
    );
}

#[tokio::test]
async fn declining_the_terms_cancels_the_code() {
    let (server, transport) = serve_accounts(vec![]).await;
    let phone = "+999 66 2 5556";
    let mut prompt = TestPrompt::new(&server, phone);
    let result = log_in(&transport, &mut prompt, phone).await;
    assert_eq!(result.unwrap_err(), LoginError::Cancelled);
    assert_eq!(
        methods(&server),
        ["auth.sendCode", "auth.signIn", "auth.cancelCode"]
    );
}

#[tokio::test]
async fn two_factor_password_is_checked_off_the_runtime() {
    let account = AccountConfig::new(PLAIN, DcId(2))
        .with_password(PASSWORD)
        .with_hint("horse");
    let (server, transport) = serve_accounts(vec![account]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN).with_passwords(&[PASSWORD]);
    let auth = log_in(&transport, &mut prompt, PLAIN).await.unwrap();

    assert_eq!(prompt.questions, ["code", "password"]);
    assert_eq!(prompt.checks, [true, false]);
    assert!(prompt.has_event(
        |e| matches!(e, Event::PasswordRequired(info) if info.hint.as_deref() == Some("horse"))
    ));
    assert_eq!(
        Some(auth.user_id),
        server.with_sim(|sim| sim.account(PLAIN)).map(|a| a.user_id)
    );
    assert_eq!(
        methods(&server),
        [
            "auth.sendCode",
            "auth.signIn",
            "account.getPassword",
            "auth.checkPassword"
        ]
    );
}

#[tokio::test]
async fn wrong_code_then_right() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    // The first is refused before anything is sent (wrong length), the second by the server.
    let mut prompt = TestPrompt::new(&server, PLAIN).with_codes(&["123", "11111"]);
    log_in(&transport, &mut prompt, PLAIN).await.unwrap();

    assert_eq!(prompt.questions, ["code", "code", "code"]);
    assert!(matches!(
        &prompt.refusals[..],
        [auth_core::UsageError::InvalidCode(_)]
    ));
    assert!(prompt.has_event(|e| *e == Event::CodeInvalid { attempts: 1 }));
    assert_eq!(
        server.with_sim(|sim| sim.counters(PLAIN).failed_code_attempts),
        1
    );
}

#[tokio::test]
async fn wrong_password_then_right() {
    let account = AccountConfig::new(PLAIN, DcId(2)).with_password(PASSWORD);
    let (server, transport) = serve_accounts(vec![account]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN).with_passwords(&["wrong", PASSWORD]);
    log_in(&transport, &mut prompt, PLAIN).await.unwrap();

    assert_eq!(prompt.questions, ["code", "password", "password"]);
    assert!(prompt.has_event(|e| *e == Event::PasswordInvalid { attempts: 1 }));
    assert_eq!(prompt.checks, [true, false, true, false]);
    assert_eq!(
        server.with_sim(|sim| sim.counters(PLAIN).failed_password_attempts),
        1
    );
}

#[tokio::test]
async fn email_setup_then_email_code_login() {
    let account = AccountConfig::new(PLAIN, DcId(2)).with_email_setup_required();
    let (server, transport) = serve_accounts(vec![account]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN);
    prompt.email = Some("carol@example.com".into());
    log_in(&transport, &mut prompt, PLAIN).await.unwrap();

    assert_eq!(prompt.questions, ["email", "email_code", "code"]);
    assert!(prompt.has_event(|e| matches!(e, Event::EmailSetupRequired { .. })));
    assert!(prompt.has_event(|e| matches!(e, Event::EmailCodeSent { .. })));
    assert!(prompt.has_event(|e| matches!(e, Event::CodeSent(s) if s.kind.is_email())));
    let info = server.with_sim(|sim| sim.account(PLAIN)).unwrap();
    assert_eq!(info.login_email.as_deref(), Some("carol@example.com"));
}

#[tokio::test]
async fn google_id_token_instead_of_an_email_address() {
    let account = AccountConfig::new(PLAIN, DcId(2))
        .with_email_setup_required()
        .with_google_signin("google-id-token", "carol@gmail.com");
    let (server, transport) = serve_accounts(vec![account]).await;
    // A test number: the code, emailed once the token verified the address, is 22222.
    let mut prompt = TestPrompt::new(&server, PLAIN).with_codes(&["22222"]);
    prompt
        .alternatives
        .push_back(auth_tokio::EmailAlternative::Token(
            auth_core::EmailToken::google("google-id-token"),
        ));
    log_in(&transport, &mut prompt, PLAIN).await.unwrap();

    assert_eq!(prompt.questions, ["email_alternative", "code"]);
    let info = server.with_sim(|sim| sim.account(PLAIN)).unwrap();
    assert_eq!(info.login_email.as_deref(), Some("carol@gmail.com"));
}

#[tokio::test]
async fn account_on_another_dc_migrates() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(ON_DC3, DcId(3))]).await;
    let mut prompt = TestPrompt::new(&server, ON_DC3);
    let auth = log_in(&transport, &mut prompt, ON_DC3).await.unwrap();

    assert_eq!(auth.dc, DcId(3));
    assert!(matches!(
        &prompt.events[..],
        [Event::DcChanged(DcId(3)), Event::CodeSent(_)]
    ));
    let dcs: Vec<i32> = server.with_sim(|sim| sim.calls().map(|c| c.dc.0).collect());
    assert_eq!(dcs, [2, 3, 3]);
    let key = transport.auth_key_id(DcId(3)).expect("a key");
    assert!(matches!(
        server.with_sim(|sim| sim.key_status(DcId(3), key)),
        KeyStatus::Authorized { .. }
    ));
}

#[tokio::test]
async fn flood_wait_is_waited_out_and_the_call_sent_again() {
    let sim_config = SimConfig {
        send_code_limit: 1,
        send_code_window: Duration::from_secs(1),
        ..SimConfig::default()
    };
    let (server, transport) = serve(sim_config, vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    // Another client used up the number's one code per second.
    let send_code = functions::auth::SendCode {
        phone_number: PLAIN.into(),
        api_id: 1,
        api_hash: "h".into(),
        settings: types::CodeSettings::default().into(),
    };
    server
        .with_sim(|sim| sim.invoke(Instant::now(), DcId(2), 99, &send_code))
        .unwrap();

    let started = Instant::now();
    let mut prompt = TestPrompt::new(&server, PLAIN);
    log_in(&transport, &mut prompt, PLAIN).await.unwrap();
    assert!(
        prompt.has_event(|e| matches!(e, Event::FloodWait { seconds: 1, .. })),
        "{:?}",
        prompt.events
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(
        methods(&server),
        [
            "auth.sendCode",
            "auth.sendCode",
            "auth.sendCode",
            "auth.signIn"
        ]
    );
}

#[tokio::test]
async fn flood_wait_longer_than_allowed_fails() {
    let sim_config = SimConfig {
        send_code_limit: 0,
        ..SimConfig::default()
    };
    let (server, transport) = serve(sim_config, vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let err = log_in(&transport, &mut prompt, PLAIN).await.unwrap_err();
    assert!(
        matches!(err, LoginError::Failed(Error::FloodWait { seconds, .. }) if seconds > 60),
        "{err:?}"
    );
}

#[tokio::test]
async fn logout_token_skips_the_code() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let first = log_in(&transport, &mut prompt, PLAIN).await.unwrap();
    let token = logout(&*transport, first.dc)
        .await
        .unwrap()
        .expect("a logout token");
    assert_eq!(
        server.with_sim(
            |sim| sim.authorized_user(DcId(2), transport.auth_key_id(DcId(2)).expect("a key"))
        ),
        None
    );

    let mut config = config();
    config.logout_tokens.push(&token);
    let mut again = TestPrompt::new(&server, PLAIN);
    let second = login(
        transport,
        &mut again,
        config,
        PLAIN,
        &mut Entropy::deterministic([4; 32]),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(second.user_id, first.user_id);
    assert!(again.questions.is_empty(), "{:?}", again.questions);
    let calls = methods(&server);
    assert_eq!(&calls[calls.len() - 2..], ["auth.logOut", "auth.sendCode"]);
}

#[tokio::test]
async fn logout_token_of_a_two_factor_account_still_needs_the_password() {
    let account = AccountConfig::new(PLAIN, DcId(2)).with_password(PASSWORD);
    let (server, transport) = serve_accounts(vec![account]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN).with_passwords(&[PASSWORD]);
    let first = log_in(&transport, &mut prompt, PLAIN).await.unwrap();
    let token = logout(&*transport, first.dc)
        .await
        .unwrap()
        .expect("a logout token");

    let mut config = config();
    config.logout_tokens.push(&token);
    let mut again = TestPrompt::new(&server, PLAIN).with_passwords(&[PASSWORD]);
    login(
        transport,
        &mut again,
        config,
        PLAIN,
        &mut Entropy::deterministic([4; 32]),
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(again.questions, ["password"]);
}

#[tokio::test]
async fn logout_of_a_key_not_logged_in_is_refused() {
    let (_server, transport) = serve_accounts(vec![]).await;
    let err = logout(&*transport, DcId(2)).await.unwrap_err();
    assert!(
        matches!(&err, auth_tokio::LogoutError::Rpc(e) if e.code == 401),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_phone_is_a_usage_error() {
    let (server, transport) = serve_accounts(vec![]).await;
    let mut prompt = TestPrompt::new(&server, "12ab");
    let err = log_in(&transport, &mut prompt, "12ab").await.unwrap_err();
    assert!(
        matches!(
            err,
            LoginError::Usage(auth_core::UsageError::InvalidPhone(_))
        ),
        "{err:?}"
    );
    assert!(methods(&server).is_empty());
}

/// Does something to the server before every call (`meddle` gets the call's body).
struct Meddling {
    inner: Arc<MtprotoTransport>,
    server: Arc<SimServer>,
    meddle: fn(&SimServer, &[u8]),
}

impl Transport for Meddling {
    async fn invoke(&self, dc: DcId, body: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        (self.meddle)(&self.server, &body);
        self.inner.invoke(dc, body).await
    }
}

async fn log_in_meddled(
    meddle: fn(&SimServer, &[u8]),
) -> (
    Arc<SimServer>,
    Arc<MtprotoTransport>,
    TestPrompt,
    Result<auth_core::Authorization, LoginError>,
) {
    let (server, inner) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let server = Arc::new(server);
    let transport = Arc::new(Meddling {
        inner: Arc::clone(&inner),
        server: Arc::clone(&server),
        meddle,
    });
    let result = login(
        transport,
        &mut prompt,
        config(),
        PLAIN,
        &mut Entropy::deterministic([3; 32]),
        CancellationToken::new(),
    )
    .await;
    (server, inner, prompt, result)
}

#[tokio::test]
async fn a_login_keeps_its_key_when_every_connection_drops_midway() {
    // The server drops every connection before each call: the transport reconnects on the same
    // key, so the code sent on it is still good.
    let (server, transport, prompt, result) =
        log_in_meddled(|server, _| server.drop_connections()).await;
    let auth = result.expect("logged in");
    assert_eq!(prompt.questions, ["code"]);
    assert_eq!(methods(&server), ["auth.sendCode", "auth.signIn"]);
    assert_eq!(server.key_count(), 1);
    let key = transport.auth_key_id(DcId(2)).expect("a key");
    assert_eq!(
        server.with_sim(|sim| sim.authorized_user(DcId(2), key)),
        Some(auth.user_id)
    );
}

#[tokio::test]
async fn minus_404_midway_makes_a_new_key_and_the_login_starts_over() {
    // The server forgets every key just before the sign-in: -404, a new key; the code belonged
    // to the old key, so it has expired: asking for a new one starts the login over on the new
    // key.
    static FORGOT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let (server, transport, prompt, result) = log_in_meddled(|server, body| {
        let sign_in = <functions::auth::SignIn as auth_core::tl::Identifiable>::CONSTRUCTOR_ID;
        if body.starts_with(&sign_in.to_le_bytes())
            && !FORGOT.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            server.forget_keys();
        }
    })
    .await;
    let auth = result.expect("logged in on the new key");
    assert!(
        prompt.has_event(|e| *e == Event::CodeExpired),
        "{:?}",
        prompt.events
    );
    assert!(
        prompt.has_event(|e| matches!(e, Event::Restarted(_))),
        "{:?}",
        prompt.events
    );
    assert_eq!(server.key_count(), 1, "only the new key is known");
    let key = transport.auth_key_id(DcId(2)).expect("a key");
    assert_eq!(
        server.with_sim(|sim| sim.authorized_user(DcId(2), key)),
        Some(auth.user_id)
    );
    let sent = methods(&server)
        .iter()
        .filter(|m| **m == "auth.sendCode")
        .count();
    assert_eq!(sent, 2, "{:?}", methods(&server));
}
