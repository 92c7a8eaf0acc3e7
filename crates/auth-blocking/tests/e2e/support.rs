//! A scripted prompt and a server + transport fixture.
use std::collections::VecDeque;

use auth_blocking::{
    Answer, CancelToken, EmailAlternative, LoginError, MtprotoTransport, Prompt, Transport, login,
};
use auth_core::{
    Authorization, DcId, LAYER, PasswordInfo, TermsOfService, UsageError,
    entropy::Entropy,
    login::{Config, LoginEvent, SentCode},
    tl::{self, Serialize, enums, functions},
};
use auth_sim::Sim;
use auth_sim::tcp::{ServerConfig, SimServer};
use mtproto::session::ClientInfo;
use zeroize::Zeroizing;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Step {
    /// Answer the code question.
    Code(Answer<String>),
    /// Answer the code question with this digit repeated to the announced length (test
    /// numbers' codes).
    TestCode(char),
    /// Answer the password question.
    Password(Answer<String>),
    /// Answer the sign-up question.
    SignUp(Answer<(String, String)>),
    /// Answer the email question.
    Email(Answer<String>),
    /// Answer the email-code question with this digit repeated to the announced length.
    EmailTestCode(char),
    /// Set the cancel token, then answer the code question with this digit repeated.
    CancelThenCode(CancelToken, char),
}

/// Answers from a queue and records everything it was asked and told.
#[derive(Debug, Default)]
pub struct ScriptedPrompt {
    pub steps: VecDeque<Step>,
    /// The questions asked, in order, e.g. `"code 0"`, `"password 1"`, `"sign_up"`.
    pub asked: Vec<String>,
    pub events: Vec<LoginEvent>,
    pub refused: Vec<UsageError>,
    pub sent_codes: Vec<SentCode>,
    pub terms: Vec<Option<TermsOfService>>,
    pub password_infos: Vec<PasswordInfo>,
    /// `checking_password` calls, as (started) flags.
    pub checking: Vec<bool>,
    /// Answers to `email_alternative`, in order; when empty, the question itself is asked.
    pub alternatives: VecDeque<EmailAlternative>,
}

fn repeat(digit: char, length: Option<u32>) -> String {
    std::iter::repeat_n(digit, length.unwrap_or(5) as usize).collect()
}

impl ScriptedPrompt {
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        ScriptedPrompt {
            steps: steps.into_iter().collect(),
            ..Self::default()
        }
    }

    fn next(&mut self, question: String) -> Option<Step> {
        self.asked.push(question);
        self.steps.pop_front()
    }

    pub fn saw(&self, pred: impl Fn(&LoginEvent) -> bool) -> bool {
        self.events.iter().any(pred)
    }
}

impl Prompt for ScriptedPrompt {
    fn email_alternative(&mut self, kind: &auth_core::login::CodeKind) -> Option<EmailAlternative> {
        let alternative = self.alternatives.pop_front()?;
        self.asked
            .push(format!("email_alternative {kind:?} -> {alternative:?}"));
        Some(alternative)
    }

    fn code(&mut self, sent: &SentCode, attempts: u32) -> Answer<String> {
        self.sent_codes.push(sent.clone());
        match self.next(format!("code {attempts}")) {
            Some(Step::Code(a)) => a,
            Some(Step::TestCode(d)) => Answer::Value(repeat(d, sent.kind.length())),
            Some(Step::CancelThenCode(token, d)) => {
                token.cancel();
                Answer::Value(repeat(d, sent.kind.length()))
            }
            _ => Answer::Cancel,
        }
    }

    fn password(&mut self, info: &PasswordInfo, attempts: u32) -> Answer<Zeroizing<String>> {
        self.password_infos.push(info.clone());
        match self.next(format!("password {attempts}")) {
            Some(Step::Password(Answer::Value(p))) => Answer::Value(Zeroizing::new(p)),
            Some(Step::Password(Answer::Resend)) => Answer::Resend,
            _ => Answer::Cancel,
        }
    }

    fn sign_up(&mut self, terms: Option<&TermsOfService>) -> Answer<(String, String)> {
        self.terms.push(terms.cloned());
        match self.next("sign_up".into()) {
            Some(Step::SignUp(a)) => a,
            _ => Answer::Cancel,
        }
    }

    fn email(&mut self, google: bool, apple: bool) -> Answer<String> {
        match self.next(format!("email google={google} apple={apple}")) {
            Some(Step::Email(a)) => a,
            _ => Answer::Cancel,
        }
    }

    fn email_code(&mut self, email_pattern: &str, length: u32) -> Answer<String> {
        match self.next(format!("email_code {email_pattern} {length}")) {
            Some(Step::EmailTestCode(d)) => Answer::Value(repeat(d, Some(length))),
            _ => Answer::Cancel,
        }
    }

    fn notify(&mut self, event: &LoginEvent) {
        self.events.push(event.clone());
    }

    fn checking_password(&mut self, started: bool) {
        self.checking.push(started);
    }

    fn refused(&mut self, error: &UsageError) {
        self.refused.push(error.clone());
    }
}

/// A simulator served in MTProto on free ports, and a transport to it.
pub struct Fixture {
    pub server: SimServer,
    pub transport: MtprotoTransport,
    pub config: Config,
}

/// A transport to `server` whose keys and sessions come from `seed`, with short timeouts.
pub fn transport(server: &SimServer, seed: u8) -> MtprotoTransport {
    let mut config = server.client_config(LAYER, ClientInfo::new(1));
    config.connect_timeout = std::time::Duration::from_secs(5);
    config.request_timeout = std::time::Duration::from_secs(5);
    MtprotoTransport::new(config, &mut Entropy::deterministic([seed; 32])).expect("a server key")
}

impl Fixture {
    pub fn new(sim: Sim) -> Self {
        let entropy = Entropy::deterministic([0x5e; 32]);
        let server = SimServer::start(sim, ServerConfig::new(entropy)).expect("server starts");
        let transport = transport(&server, 1);
        Fixture {
            server,
            transport,
            config: Config::new(1, "api-hash"),
        }
    }

    pub fn default_sim() -> Self {
        Self::new(Sim::default())
    }

    /// A default simulator with an account (no password) for `phone` on its test DC.
    pub fn with_account(phone: &str) -> Self {
        let mut sim = Sim::default();
        let dc = auth_sim::test_number_dc(phone).expect("a test number");
        sim.add_account(auth_sim::AccountConfig::new(phone, dc))
            .expect("account");
        Self::new(sim)
    }

    pub fn login(
        &mut self,
        prompt: &mut ScriptedPrompt,
        phone: &str,
    ) -> Result<Authorization, LoginError> {
        self.login_cancellable(prompt, phone, None)
    }

    pub fn login_cancellable(
        &mut self,
        prompt: &mut ScriptedPrompt,
        phone: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<Authorization, LoginError> {
        login(
            &mut self.transport,
            prompt,
            self.config.clone(),
            phone,
            // A test repeats itself: a deterministic generator (production passes the OS's).
            &mut Entropy::deterministic([9; 32]),
            cancel,
        )
    }

    /// The methods the simulator served, in order.
    pub fn methods(&self) -> Vec<&'static str> {
        self.server
            .with_sim(|sim| sim.calls().map(|c| c.method).collect())
    }

    /// The user the transport's key on `dc` is logged in as.
    pub fn authorized_user(&self, dc: DcId) -> Option<i64> {
        let key = self.transport.auth_key_id(dc)?;
        self.server.with_sim(|sim| sim.authorized_user(dc, key))
    }

    /// Calls `auth.logOut` on `dc` through the transport; returns the future auth token.
    pub fn log_out(&mut self, dc: DcId) -> Vec<u8> {
        let reply = self
            .transport
            .invoke(dc, &functions::auth::LogOut {}.to_bytes())
            .expect("logOut delivered");
        let enums::auth::LoggedOut::LoggedOut(out) =
            tl::decode::<enums::auth::LoggedOut>(&reply).expect("auth.loggedOut");
        out.future_auth_token.expect("a future auth token").to_vec()
    }
}
