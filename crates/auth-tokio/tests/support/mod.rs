//! Shared pieces of the end-to-end tests: the simulator served over MTProto on loopback, a
//! transport to it,
//! and a prompt that answers from a script or from what the simulator "delivered".
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use auth_core::entropy::Entropy;
use auth_core::login::{CodeKind, Config, LoginEvent as Event, SentCode};
use auth_core::{Authorization, LAYER, PasswordInfo, TermsOfService, UsageError};
use auth_sim::tcp::{ServerConfig, SimServer};
use auth_sim::{AccountConfig, CallRecord, Sim, SimConfig};
use auth_tokio::{Answer, CancellationToken, LoginError, MtprotoTransport, Prompt, login};
use mtproto::session::ClientInfo;
use tokio::sync::mpsc;
use zeroize::Zeroizing;

/// A plain account on DC 2 (where logins start).
pub const PLAIN: &str = "+999 66 2 0001";
/// An account on DC 3: a login starting on DC 2 migrates.
pub const ON_DC3: &str = "+999 66 3 0002";
pub const PASSWORD: &str = "correct horse";

/// The app id every test logs in with.
pub const API_ID: i32 = 12345;

/// A server with `accounts` (the simulator over MTProto), and a transport to it.
pub async fn serve(
    config: SimConfig,
    accounts: Vec<AccountConfig>,
) -> (SimServer, Arc<MtprotoTransport>) {
    let mut sim = Sim::new(config);
    for account in accounts {
        sim.add_account(account).expect("valid account");
    }
    let server = SimServer::start(sim, ServerConfig::new(Entropy::deterministic([7; 32])))
        .expect("loopback ports");
    let transport = transport(&server, 1);
    (server, transport)
}

/// [`serve`] with the default simulator configuration.
pub async fn serve_accounts(accounts: Vec<AccountConfig>) -> (SimServer, Arc<MtprotoTransport>) {
    serve(SimConfig::default(), accounts).await
}

/// Logs in `phone` with the default configuration, a fixed seed and no cancellation.
pub async fn log_in(
    transport: &Arc<MtprotoTransport>,
    prompt: &mut TestPrompt,
    phone: &str,
) -> Result<Authorization, LoginError> {
    let cancel = CancellationToken::new();
    login(
        Arc::clone(transport),
        prompt,
        config(),
        phone,
        &mut Entropy::deterministic([3; 32]),
        cancel,
    )
    .await
}

/// A transport to `server` whose keys and sessions come from `seed`, with short timeouts.
pub fn transport(server: &SimServer, seed: u8) -> Arc<MtprotoTransport> {
    let mut config = server.client_config(LAYER, ClientInfo::new(API_ID));
    config.connect_timeout = Duration::from_secs(5);
    config.request_timeout = Duration::from_secs(5);
    let transport = MtprotoTransport::new(config, &mut Entropy::deterministic([seed; 32]));
    Arc::new(transport.expect("a server key"))
}

pub fn config() -> Config {
    Config::new(API_ID, "api-hash")
}

pub fn lock(sim: &Mutex<Sim>) -> std::sync::MutexGuard<'_, Sim> {
    sim.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The methods the server served, in order.
pub fn methods(server: &SimServer) -> Vec<&'static str> {
    server.with_sim(|sim| sim.calls().map(|c: &CallRecord| c.method).collect())
}

/// What to do when asked for the code.
pub enum OnCode {
    /// Answer: scripted codes first, then the code the simulator sent.
    Answer,
    /// Report on the channel, then never answer (the test cancels or drops the login).
    Hang(mpsc::UnboundedSender<()>),
}

/// A prompt that answers from scripts and from the simulator's deliveries, and records what
/// it was told.
pub struct TestPrompt {
    sim: Arc<Mutex<Sim>>,
    phone: String,
    pub on_code: OnCode,
    pub codes: VecDeque<String>,
    pub passwords: VecDeque<String>,
    pub names: Option<(String, String)>,
    pub email: Option<String>,
    pub questions: Vec<&'static str>,
    pub events: Vec<Event>,
    pub refusals: Vec<UsageError>,
    pub checks: Vec<bool>,
    pub terms_seen: Option<TermsOfService>,
    /// Answers to `email_alternative`, in order; when empty, the question itself is asked.
    pub alternatives: VecDeque<auth_tokio::EmailAlternative>,
    /// Whether a code that expired was asked for again (once).
    pub resent: bool,
}

impl TestPrompt {
    pub fn new(server: &SimServer, phone: &str) -> Self {
        TestPrompt {
            sim: server.sim(),
            phone: phone.to_owned(),
            on_code: OnCode::Answer,
            codes: VecDeque::new(),
            passwords: VecDeque::new(),
            names: None,
            email: None,
            questions: Vec::new(),
            events: Vec::new(),
            refusals: Vec::new(),
            checks: Vec::new(),
            terms_seen: None,
            alternatives: VecDeque::new(),
            resent: false,
        }
    }

    pub fn with_passwords(mut self, passwords: &[&str]) -> Self {
        self.passwords = passwords.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    pub fn with_codes(mut self, codes: &[&str]) -> Self {
        self.codes = codes.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    pub fn has_event(&self, matches: impl Fn(&Event) -> bool) -> bool {
        self.events.iter().any(matches)
    }
}

impl Prompt for TestPrompt {
    async fn code(&mut self, sent: &SentCode, _attempts: u32) -> Answer<String> {
        self.questions.push("code");
        if let OnCode::Hang(asked) = &self.on_code {
            let _ = asked.send(());
            std::future::pending::<()>().await;
        }
        // A code that expired (it was bound to a key the server lost): ask for a new one once.
        if !self.resent && self.refusals.last() == Some(&UsageError::CodeExpired) {
            self.resent = true;
            return Answer::Resend;
        }
        if let Some(code) = self.codes.pop_front() {
            return Answer::Value(code);
        }
        let sim = lock(&self.sim);
        let code = match (&sent.kind, &self.email) {
            (CodeKind::Email { .. }, Some(email)) => sim.last_email_code(email),
            _ => sim.last_code(&self.phone),
        };
        code.map_or(Answer::Cancel, |c| Answer::Value(c.to_owned()))
    }

    async fn password(
        &mut self,
        _info: &PasswordInfo,
        _attempts: u32,
    ) -> Answer<Zeroizing<String>> {
        self.questions.push("password");
        self.passwords
            .pop_front()
            .map_or(Answer::Cancel, |p| Answer::Value(Zeroizing::new(p)))
    }

    async fn sign_up(&mut self, terms: Option<&TermsOfService>) -> Answer<(String, String)> {
        self.questions.push("sign_up");
        self.terms_seen = terms.cloned();
        self.names.take().map_or(Answer::Cancel, Answer::Value)
    }

    async fn email(&mut self, _google: bool, _apple: bool) -> Answer<String> {
        self.questions.push("email");
        self.email.clone().map_or(Answer::Cancel, Answer::Value)
    }

    async fn email_code(&mut self, _pattern: &str, _length: u32) -> Answer<String> {
        self.questions.push("email_code");
        let Some(email) = &self.email else {
            return Answer::Cancel;
        };
        lock(&self.sim)
            .last_email_code(email)
            .map_or(Answer::Cancel, |c| Answer::Value(c.to_owned()))
    }

    fn notify(&mut self, event: &Event) {
        self.events.push(event.clone());
    }

    fn email_alternative(
        &mut self,
        _kind: &auth_core::login::CodeKind,
    ) -> Option<auth_tokio::EmailAlternative> {
        let alternative = self.alternatives.pop_front()?;
        self.questions.push("email_alternative");
        Some(alternative)
    }

    fn checking_password(&mut self, started: bool) {
        self.checks.push(started);
    }

    fn refused(&mut self, error: &UsageError) {
        self.refusals.push(error.clone());
    }
}
