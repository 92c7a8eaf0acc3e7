//! The driver's own duties, with transports that misbehave: failures and panics become
//! typed errors, a renewed password challenge is checked again without asking.
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use auth_core::Error;
use auth_core::before_auth::method_id;
use auth_core::entropy::Entropy;
use auth_core::tl::{Identifiable, Serialize, functions};
use auth_core::{DcId, TransportFailure};
use auth_sim::AccountConfig;
use auth_tokio::{CancellationToken, LoginError, MtprotoTransport, Transport, login};
use support::*;

/// Fails every call, or panics on it.
struct Broken {
    panic: bool,
    calls: AtomicU32,
}

impl Transport for Broken {
    async fn invoke(&self, _dc: DcId, _body: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.panic {
            panic!("a transport bug");
        }
        Err(TransportFailure::ConnectionLost)
    }
}

fn quick_retries() -> auth_core::login::Config {
    let mut config = config();
    config.session.retry.transport_retries = 2;
    config.session.retry.transport_retry_delay = Duration::from_millis(10);
    config
}

#[tokio::test]
async fn a_failing_transport_is_retried_then_fails_the_login() {
    let (server, _) = serve_accounts(vec![]).await;
    for panic in [false, true] {
        let transport = Arc::new(Broken {
            panic,
            calls: AtomicU32::new(0),
        });
        let mut prompt = TestPrompt::new(&server, PLAIN);
        let err = login(
            transport.clone(),
            &mut prompt,
            quick_retries(),
            PLAIN,
            &mut Entropy::deterministic([1; 32]),
            CancellationToken::new(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                &err,
                LoginError::Failed(Error::Transport {
                    method: "auth.sendCode",
                    ..
                })
            ),
            "{err:?}"
        );
        assert_eq!(
            transport.calls.load(Ordering::SeqCst),
            3,
            "one call and two retries"
        );
    }
}

/// Forwards to the simulator, but fetches the password once more (on the same key) before
/// the first password check goes out, so the check's `srp_id` is stale.
struct Meddling {
    inner: Arc<MtprotoTransport>,
    meddled: AtomicBool,
}

impl Transport for Meddling {
    async fn invoke(&self, dc: DcId, body: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        if method_id(&body) == Some(functions::auth::CheckPassword::CONSTRUCTOR_ID)
            && !self.meddled.swap(true, Ordering::SeqCst)
        {
            self.inner
                .invoke(dc, functions::account::GetPassword {}.to_bytes())
                .await?;
        }
        self.inner.invoke(dc, body).await
    }
}

#[tokio::test]
async fn a_renewed_challenge_is_checked_again_without_asking() {
    let account = AccountConfig::new(PLAIN, DcId(2)).with_password(PASSWORD);
    let (server, inner) = serve_accounts(vec![account]).await;
    let transport = Arc::new(Meddling {
        inner,
        meddled: AtomicBool::new(false),
    });
    let mut prompt = TestPrompt::new(&server, PLAIN).with_passwords(&[PASSWORD]);
    login(
        transport,
        &mut prompt,
        config(),
        PLAIN,
        &mut Entropy::deterministic([1; 32]),
        CancellationToken::new(),
    )
    .await
    .unwrap();

    assert_eq!(prompt.questions, ["code", "password"], "asked once");
    // The core fetched the new challenge and handed out the check again by itself.
    assert_eq!(prompt.checks, [true, false, true, false], "checked twice");
}

#[tokio::test]
async fn the_login_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let (server, transport) = serve_accounts(vec![]).await;
    let mut prompt = TestPrompt::new(&server, PLAIN);
    let future = login(
        transport,
        &mut prompt,
        config(),
        PLAIN,
        &mut Entropy::deterministic([1; 32]),
        CancellationToken::new(),
    );
    assert_send(&future);
}

/// Answers `account.getPassword` with a prime the core does not know (RFC 3526's 2048-bit MODP
/// group, a safe prime), and sets a probe task to run a millisecond later.
struct UnknownPrime {
    inner: Arc<MtprotoTransport>,
    order: Arc<std::sync::Mutex<Vec<&'static str>>>,
}

impl Transport for UnknownPrime {
    async fn invoke(&self, dc: DcId, body: Vec<u8>) -> Result<Vec<u8>, TransportFailure> {
        use auth_core::tl::{enums, types};
        // As when a logout token matches a 2FA account: the password, without a code (so that
        // a failure has no code to cancel, and the login ends without awaiting anything).
        if method_id(&body) == Some(functions::auth::SendCode::CONSTRUCTOR_ID) {
            return Ok(auth_core::RpcError::new(401, "SESSION_PASSWORD_NEEDED").to_bytes());
        }
        if method_id(&body) != Some(functions::account::GetPassword::CONSTRUCTOR_ID) {
            return self.inner.invoke(dc, body).await;
        }
        let p = tg_crypto::test_primes::decode(tg_crypto::test_primes::MODP2048_P).to_vec();
        let password = types::account::Password {
            srp: Some(types::account::PasswordSrp {
                current_algo:
                    types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
                        salt1: vec![1; 8],
                        salt2: vec![2; 8],
                        g: 2,
                        p,
                    }
                    .into(),
                // Above the prime: refused, but only after the prime was checked.
                srp_b: vec![0xff; 256],
                srp_id: 1,
            }),
            ..Default::default()
        };
        // Due a millisecond from now: while the answer is being handled.
        let order = Arc::clone(&self.order);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            order.lock().unwrap().push("probe");
        });
        Ok(enums::account::Password::from(password).to_bytes())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn an_unknown_prime_is_checked_off_the_async_workers() {
    // One worker runs the login: while it checks the unknown prime (a full primality test),
    // the probe can run only if the check does not hold the worker.
    let account = AccountConfig::new(PLAIN, DcId(2)).with_password(PASSWORD);
    let (server, inner) = serve_accounts(vec![account]).await;
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let transport = Arc::new(UnknownPrime {
        inner,
        order: Arc::clone(&order),
    });
    let mut prompt = TestPrompt::new(&server, PLAIN).with_passwords(&[PASSWORD]);
    let seen = Arc::clone(&order);
    let result = tokio::spawn(async move {
        let result = login(
            transport,
            &mut prompt,
            config(),
            PLAIN,
            &mut Entropy::deterministic([1; 32]),
            CancellationToken::new(),
        )
        .await;
        seen.lock().unwrap().push("login returned");
        result
    })
    .await
    .unwrap();
    // `srp_B` is refused once the prime has passed: the login fails right there, with no await
    // in between, so the probe ran first only if the check left the worker free.
    assert!(
        matches!(
            result,
            Err(LoginError::Failed(Error::PasswordParameters(_)))
        ),
        "{result:?}"
    );
    assert_eq!(order.lock().unwrap().first(), Some(&"probe"));
}
