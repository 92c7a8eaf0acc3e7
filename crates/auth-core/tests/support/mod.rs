//! A scripted server for transcript tests: assert what the login sends, answer it.
// The tests stand in for the caller, who owns the clock.
#![allow(clippy::disallowed_methods)]
#![allow(dead_code)]

use std::time::{Duration, Instant};

use auth_core::{
    DcId, RequestId, RpcError, Transmit,
    entropy::Entropy,
    login::{Config, Login, LoginEvent},
    srp::{ServerSession, SrpAlgo, SrpVerifier, TELEGRAM_P},
    tl::{self, Deserialize, RemoteCall, Serialize, enums, types},
};

/// A deterministic generator for tests (production code passes the OS generator).
pub fn rng(seed: u8) -> Entropy {
    Entropy::deterministic([seed; 32])
}

pub const PHONE: &str = "+999 66 2 1234";
pub const PHONE_DIGITS: &str = "9996621234";
pub const HASH: &str = "code-hash-1";

pub struct Script {
    pub login: Login,
    pub now: Instant,
}

impl Script {
    pub fn new() -> Self {
        Self::with_config(Config::new(12345, "api-hash"))
    }

    pub fn with_config(config: Config) -> Self {
        let now = Instant::now();
        let login = Login::new(config, PHONE, &mut rng(9), now).expect("valid login");
        Script { login, now }
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.login.handle_timeout(self.now);
    }

    /// The next transmit, decoded as `F`.
    pub fn expect<F: RemoteCall + Deserialize>(&mut self) -> (Transmit, F) {
        let t = self.login.poll_transmit().unwrap_or_else(|| {
            panic!(
                "expected a call to {}, got nothing (phase {:?})",
                F::NAME,
                self.login.phase()
            )
        });
        let call = tl::decode::<F>(&t.body)
            .unwrap_or_else(|e| panic!("expected {}, got something else: {e}", F::NAME));
        (t, call)
    }

    pub fn no_transmit(&mut self) {
        if let Some(t) = self.login.poll_transmit() {
            panic!("unexpected transmit {t:?}");
        }
    }

    pub fn reply(&mut self, id: RequestId, value: &impl Serialize) {
        let now = self.now;
        self.login
            .handle_response(now, id, &value.to_bytes())
            .expect("known request");
    }

    pub fn reply_error(&mut self, id: RequestId, code: i32, name: &str) {
        let now = self.now;
        self.login
            .handle_response(now, id, &RpcError::new(code, name).to_bytes())
            .expect("known request");
    }

    /// Runs the slow work the login handed out (the password check), inline.
    pub fn run_work(&mut self) {
        let now = self.now;
        while let Some(work) = self.login.poll_work() {
            self.login
                .handle_work(now, work.run())
                .expect("the work the login waits for");
        }
    }

    pub fn events(&mut self) -> Vec<LoginEvent> {
        std::iter::from_fn(|| self.login.poll_event()).collect()
    }

    pub fn one_event(&mut self) -> LoginEvent {
        let mut events = self.events();
        assert_eq!(events.len(), 1, "expected one event, got {events:?}");
        events.remove(0)
    }

    /// sendCode → sentCode(SMS, 5 digits) on DC 2.
    pub fn advance_to_code_sent(&mut self) -> Transmit {
        let (t, _) = self.expect::<tl::functions::auth::SendCode>();
        self.reply(t.id, &sent_code(sms(5), None, None));
        let ev = self.one_event();
        assert!(matches!(ev, LoginEvent::CodeSent(_)), "{ev:?}");
        t
    }
}

pub fn sms(length: i32) -> enums::auth::SentCodeType {
    types::auth::SentCodeTypeSms { length }.into()
}

pub fn sent_code(
    kind: enums::auth::SentCodeType,
    next: Option<enums::auth::CodeType>,
    timeout: Option<i32>,
) -> enums::auth::SentCode {
    types::auth::SentCode {
        r#type: kind,
        phone_code_hash: HASH.into(),
        next_type: next,
        timeout,
    }
    .into()
}

pub fn user(id: i64) -> enums::User {
    types::User {
        is_self: true,
        id,
        access_hash: Some(77),
        first_name: Some("Test".into()),
        phone: Some(PHONE_DIGITS.into()),
        ..Default::default()
    }
    .into()
}

pub fn authorization(id: i64) -> enums::auth::Authorization {
    types::auth::Authorization {
        otherwise_relogin_days: None,
        tmp_sessions: None,
        future_auth_token: Some(vec![0xf0; 16].into()),
        user: user(id).into(),
    }
    .into()
}

/// The server side of a 2FA account with `password`.
pub struct PasswordServer {
    pub algo: SrpAlgo,
    verifier: SrpVerifier,
    entropy: Entropy,
    pub session: Option<ServerSession>,
    pub srp_id: i64,
}

impl PasswordServer {
    pub fn new(password: &[u8]) -> Self {
        let algo = SrpAlgo {
            salt1: vec![1; 40],
            salt2: vec![2; 16],
            g: 3,
            p: TELEGRAM_P.to_vec(),
        };
        // PBKDF2 is slow: derive each password's `v` once per test binary.
        static HASHES: std::sync::Mutex<Vec<(Vec<u8>, Vec<u8>)>> =
            std::sync::Mutex::new(Vec::new());
        let mut hashes = HASHES.lock().unwrap_or_else(|e| e.into_inner());
        let v = match hashes.iter().find(|(p, _)| p == password) {
            Some((_, v)) => v.clone(),
            None => {
                let verifier = SrpVerifier::from_password(&algo, password).expect("good params");
                let v = verifier.password_hash().to_vec();
                hashes.push((password.to_vec(), v.clone()));
                v
            }
        };
        let verifier = SrpVerifier::from_hash(&algo, &v).expect("good params");
        PasswordServer {
            algo,
            verifier,
            entropy: Entropy::deterministic([5; 32]),
            session: None,
            srp_id: 1000,
        }
    }

    /// A fresh `account.password` (new srp_B and srp_id).
    pub fn account_password(&mut self) -> enums::account::Password {
        let session = self
            .verifier
            .start(&mut self.entropy)
            .expect("server session");
        self.srp_id += 1;
        let srp_b = session.srp_b().to_vec();
        self.session = Some(session);
        types::account::Password {
            has_recovery: true,
            srp: Some(types::account::PasswordSrp {
                current_algo:
                    types::PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow {
                        salt1: self.algo.salt1.clone(),
                        salt2: self.algo.salt2.clone(),
                        g: self.algo.g,
                        p: self.algo.p.clone(),
                    }
                    .into(),
                srp_b,
                srp_id: self.srp_id,
            }),
            hint: Some("pet's name".into()),
            new_algo: types::PasswordKdfAlgoUnknown {}.into(),
            new_secure_algo: types::SecurePasswordKdfAlgoUnknown {}.into(),
            secure_random: vec![3; 32],
            ..Default::default()
        }
        .into()
    }

    /// Whether the client's `inputCheckPasswordSRP` proves the password.
    pub fn verify(&self, call: &tl::functions::auth::CheckPassword) -> bool {
        let enums::InputCheckPasswordSRP::InputCheckPasswordSRP(c) = &call.password else {
            return false;
        };
        c.srp_id == self.srp_id
            && self
                .session
                .as_ref()
                .is_some_and(|s| s.verify(&c.a, &c.m1).is_ok())
    }
}

pub fn dc(n: i32) -> DcId {
    DcId(n)
}

/// Any [`Machine`](auth_core::machine::Machine) (bot login, logout, hand-off, a bare `Call`),
/// scripted like [`Script`]: assert what it sends, answer it, collect its events.
pub struct Driven<M: auth_core::machine::Machine> {
    pub machine: M,
    pub now: Instant,
}

impl<M: auth_core::machine::Machine> Driven<M> {
    /// Builds the machine at the script's start time.
    pub fn new(make: impl FnOnce(Instant) -> M) -> Self {
        let now = Instant::now();
        Driven {
            machine: make(now),
            now,
        }
    }

    /// Moves the clock and tells the machine.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.machine.handle_timeout(self.now);
    }

    /// The next transmit, decoded as `F`.
    pub fn expect<F: RemoteCall + Deserialize>(&mut self) -> (Transmit, F) {
        let t = self
            .machine
            .poll_transmit()
            .unwrap_or_else(|| panic!("expected a call to {}, got nothing", F::NAME));
        let call = tl::decode::<F>(&t.body)
            .unwrap_or_else(|e| panic!("expected {}, got something else: {e}", F::NAME));
        (t, call)
    }

    pub fn no_transmit(&mut self) {
        if let Some(t) = self.machine.poll_transmit() {
            panic!("unexpected transmit {t:?}");
        }
    }

    pub fn reply(&mut self, id: RequestId, value: &impl Serialize) {
        let now = self.now;
        self.machine
            .handle_response(now, id, &value.to_bytes())
            .expect("known request");
    }

    pub fn reply_error(&mut self, id: RequestId, code: i32, name: &str) {
        let now = self.now;
        self.machine
            .handle_response(now, id, &RpcError::new(code, name).to_bytes())
            .expect("known request");
    }

    /// Answers with bytes as they are (another implementation's).
    pub fn reply_bytes(&mut self, id: RequestId, body: &[u8]) {
        let now = self.now;
        self.machine
            .handle_response(now, id, body)
            .expect("known request");
    }

    pub fn fail(&mut self, id: RequestId, failure: auth_core::TransportFailure) {
        let now = self.now;
        self.machine
            .handle_failure(now, id, failure)
            .expect("known request");
    }

    /// Runs the slow work the machine handed out, inline.
    pub fn run_work(&mut self) {
        let now = self.now;
        while let Some(work) = self.machine.poll_work() {
            self.machine
                .handle_work(now, work.run())
                .expect("the work the machine waits for");
        }
    }

    pub fn events(&mut self) -> Vec<M::Event> {
        std::iter::from_fn(|| self.machine.poll_event()).collect()
    }

    pub fn one_event(&mut self) -> M::Event
    where
        M::Event: std::fmt::Debug,
    {
        let mut events = self.events();
        assert_eq!(events.len(), 1, "expected one event, got {events:?}");
        events.remove(0)
    }
}
