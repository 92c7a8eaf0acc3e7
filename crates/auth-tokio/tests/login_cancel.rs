//! End-to-end: cancelling a login (by its token, by dropping it) sends `auth.cancelCode`.
mod support;

use std::time::Duration;

use auth_core::DcId;
use auth_core::entropy::Entropy;
use auth_sim::AccountConfig;
use auth_tokio::{CancellationToken, LoginError, login};
use support::*;
use tokio::sync::mpsc;

/// Waits until the server has served `method` (the spawned cancel call arrives by itself).
async fn served(server: &auth_sim::tcp::SimServer, method: &str) -> bool {
    for _ in 0..200 {
        if methods(server).contains(&method) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_token_sends_cancel_code_and_ends_cancelled() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let (asked, mut asked_rx) = mpsc::unbounded_channel();
    let mut prompt = TestPrompt::new(&server, PLAIN);
    prompt.on_code = OnCode::Hang(asked);
    let cancel = CancellationToken::new();
    let task = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            login(
                transport,
                &mut prompt,
                config(),
                PLAIN,
                &mut Entropy::deterministic([1; 32]),
                cancel,
            )
            .await
        })
    };
    asked_rx.recv().await.expect("the code is asked for");
    cancel.cancel();
    let result = task.await.expect("no panic");
    assert_eq!(result.unwrap_err(), LoginError::Cancelled);
    // The driver waited for cancelCode's answer before returning.
    let calls = server.with_sim(|sim| {
        sim.calls()
            .map(|c| (c.method, c.result.clone()))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        calls.last().map(|(m, r)| (*m, r.is_ok())),
        Some(("auth.cancelCode", true)),
        "{calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_login_sends_cancel_code() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let (asked, mut asked_rx) = mpsc::unbounded_channel();
    let mut prompt = TestPrompt::new(&server, PLAIN);
    prompt.on_code = OnCode::Hang(asked);
    let task = tokio::spawn(async move {
        login(
            transport,
            &mut prompt,
            config(),
            PLAIN,
            &mut Entropy::deterministic([1; 32]),
            CancellationToken::new(),
        )
        .await
    });
    asked_rx.recv().await.expect("the code is asked for");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert!(
        served(&server, "auth.cancelCode").await,
        "{:?}",
        methods(&server)
    );
    // The code is gone: it no longer signs in.
    let calls = server.with_sim(|sim| {
        sim.calls()
            .filter(|c| c.method == "auth.cancelCode")
            .count()
    });
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn cancel_before_a_code_was_sent_sends_nothing_more() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let result = login(
        transport,
        &mut prompt,
        config(),
        PLAIN,
        &mut Entropy::deterministic([1; 32]),
        cancel,
    )
    .await;
    assert_eq!(result.unwrap_err(), LoginError::Cancelled);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!methods(&server).contains(&"auth.cancelCode"));
}

#[tokio::test]
async fn prompt_cancel_sends_cancel_code() {
    let (server, transport) = serve_accounts(vec![AccountConfig::new(PLAIN, DcId(2))]).await;
    // No password scripted: the prompt answers Cancel at the password question.
    let account_with_password =
        AccountConfig::new("+999 66 2 0009", DcId(2)).with_password(PASSWORD);
    server
        .with_sim(|sim| sim.add_account(account_with_password))
        .unwrap();
    let mut prompt = TestPrompt::new(&server, "+999 66 2 0009");
    let result = login(
        transport,
        &mut prompt,
        config(),
        "+999 66 2 0009",
        &mut Entropy::deterministic([1; 32]),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(result.unwrap_err(), LoginError::Cancelled);
    assert_eq!(prompt.questions, ["code", "password"]);
    assert_eq!(methods(&server).last(), Some(&"auth.cancelCode"));
}
